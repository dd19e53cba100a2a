export const PIPELINE: string;
export const ONE_STAGE: string;
export function busyboxStage(name?: string): string[];
export const SINGLE_STAGE: string;
export const FAILING_STAGE: string;
export function pipelineDockerfile(sleep?: number): string;
