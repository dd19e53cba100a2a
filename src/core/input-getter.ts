// The getter every front door passes in (the action's getInput, the command
// line's options): action.yml's defaults for unset inputs, no control
// characters in what may reach the log, booleans as the runner spells them.
import { InputError } from './errors.js';
import { INPUTS, inputSpec, isMultiLine } from './input-table.js';

export type InputGetter = (name: string) => string;

/** Every input's default (input-table.ts). */
export const INPUT_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  INPUTS.map((i) => [i.name, i.default]),
);

export function parseBool(name: string, raw: string): boolean {
  const v = raw.trim();
  if (['true', 'True', 'TRUE'].includes(v)) return true;
  if (['false', 'False', 'FALSE'].includes(v)) return false;
  throw new InputError(name, `"${raw}" is not a boolean: use true or false`);
}

/** C0 and C1 control characters, and the Unicode line and paragraph separators. */
// Finding them in inputs is the point: they would break the log (see checkInputText).
// biome-ignore lint/suspicious/noControlCharactersInRegex: see above
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A value echoed into the log must not carry a line break: the runner would
 * read what follows it as a workflow command. A single-line input (after the
 * trim the runner's getInput does too) holds no control character at all; a
 * list input is split into lines as always, and each line holds none (a
 * CRLF's \r aside). `secrets` is multi-line by design and never echoed. The
 * error names the input, the line and the character, never the value.
 */
export function checkInputText(name: string, raw: string): void {
  if (inputSpec(name).kind === 'secrets') return;
  const multi = isMultiLine(name);
  const lines = multi ? raw.split('\n').map((l) => l.replace(/\r$/, '')) : [raw.trim()];
  lines.forEach((line, i) => {
    const m = CONTROL.exec(line);
    if (m === null) return;
    const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new InputError(
      name,
      `${multi ? `line ${i + 1} ` : ''}holds a line break or another control character ` +
        `(U+${code}, character ${m.index + 1}): ${multi ? 'give one item per line' : 'give it on one line'}, ` +
        'without control characters (the value is not shown)',
    );
  });
}

/** The getter with action.yml's defaults for unset inputs (the runner passes them; tests and the CLI may not). */
export function withDefaults(get: InputGetter): InputGetter {
  return (name) => {
    const v = get(name);
    checkInputText(name, v);
    return v === '' ? inputSpec(name).default : v;
  };
}

/** The values of the inputs that are secret whatever they hold (input-table.ts), to mask. */
export function secretInputValues(get: InputGetter): string[] {
  return INPUTS.filter((i) => i.secret && get(i.name).trim() !== '').map((i) => get(i.name).trim());
}
