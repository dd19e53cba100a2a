export interface RunnerEvent {
  name: string;
  ref?: string;
  headRef?: string;
  baseRef?: string;
  payload?: Record<string, unknown>;
}
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}
export function actionDefaults(): Record<string, string>;
export function inputVar(name: string): string;
export function parseOutputs(text: string): Record<string, string>;
export function pushEvent(branch: string, defaultBranch?: string): RunnerEvent;
export function pullRequestEvent(
  head: string,
  base: string,
  options?: { fork?: boolean; number?: number; defaultBranch?: string },
): RunnerEvent;
export function mergeGroupEvent(pr: number, sha: string): RunnerEvent;
export function runAction(options?: {
  inputs?: Record<string, string>;
  event?: RunnerEvent;
  env?: Record<string, string | undefined>;
  cwd?: string;
  node?: string;
  entry?: string;
}): Promise<RunResult>;
