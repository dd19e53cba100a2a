export interface RunnerCommand {
  name: string;
  props: string;
  data: string;
  line: string;
}
export function runnerCommands(output: string): { commands: RunnerCommand[]; open: boolean };
export function commandOutputs(commands: RunnerCommand[]): Record<string, string>;
export function forgedCommands(commands: RunnerCommand[], marker?: string): RunnerCommand[];
