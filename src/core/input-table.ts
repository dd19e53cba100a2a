// What every input of the action is, in one table: its name, default, kind,
// whether it is secret, its description and which modes read it. action.yml's
// inputs are generated from it (`npm run docs`; a test checks they agree), the
// command line's options are derived from it, and the rules for single-line
// and secret inputs (inputs.ts) apply to every row. Adding an input is a row
// here plus its parser.
import { BAKE_INPUTS } from './inputs-bake.js';
import { CACHE_INPUTS } from './inputs-cache.js';
import { BUILDX_INPUTS } from './inputs-buildx.js';
import { CLEANUP_INPUTS } from './inputs-cleanup.js';
import { MERGE_INPUTS } from './inputs-merge.js';

/**
 * How a value is written: one line of text; true/false; one item per line;
 * items separated by lines or commas; `id=value` secrets, one per line, where
 * a quoted value may span lines.
 */
export type InputKind = 'text' | 'bool' | 'lines' | 'items' | 'secrets';

/**
 * What the action does. Building is the default; every other mode is a
 * boolean switch of its own name (`cleanup: true`), in one action.yml, so a
 * workflow changes mode by one input and the modes share every other input.
 */
export const MODE_SWITCHES = ['cleanup', 'sweep', 'merge', 'bake'] as const;
export type Mode = 'build' | (typeof MODE_SWITCHES)[number];

export interface InputSpec {
  name: string;
  /** What the input is when not given; '' is none. */
  default: string;
  /** What action.yml declares instead, when the runner is to evaluate an expression (the workflow's token). */
  actionDefault?: string;
  kind: InputKind;
  /** The modes in which the input means something. */
  modes: readonly Mode[];
  /** Masked in the log (the runner's add-mask) whatever its value. */
  secret?: boolean;
  /** false: double quotes are the value's own, not CSV quoting (`outputs`, whose attributes buildx reads). */
  quotes?: false;
  description: string;
}

export const INPUTS: readonly InputSpec[] = [
  ...CACHE_INPUTS,
  ...BUILDX_INPUTS,
  ...CLEANUP_INPUTS,
  ...MERGE_INPUTS,
  ...BAKE_INPUTS,
];

const BY_NAME = new Map(INPUTS.map((i) => [i.name, i]));

/** The row of an input; asking for one that is not in the table is this project's bug. */
export function inputSpec(name: string): InputSpec {
  const spec = BY_NAME.get(name);
  if (spec === undefined) throw new Error(`no input "${name}" in src/core/input-table.ts`);
  return spec;
}

/** Inputs that hold a list or secrets over several lines; every other input is one line. */
export function isMultiLine(name: string): boolean {
  const kind = inputSpec(name).kind;
  return kind === 'lines' || kind === 'items' || kind === 'secrets';
}

/** The inputs a mode reads. */
export function inputsOf(mode: Mode): InputSpec[] {
  return INPUTS.filter((i) => i.modes.includes(mode));
}
