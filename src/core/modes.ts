// Which mode a step runs in (building, or one of the switches of
// input-table.ts), and which given inputs that mode does not read.
import { InputError } from './errors.js';
import { type InputGetter, parseBool } from './input-getter.js';
import { INPUTS, MODE_SWITCHES, type Mode } from './input-table.js';

/** The mode the switches choose (input-table.ts): a switch that is not a boolean is an error, two at once too. */
export function chooseMode(get: InputGetter): Mode {
  const on = MODE_SWITCHES.filter((name) => parseBool(name, get(name).trim() || 'false'));
  if (on.length > 1) throw new InputError(on[1]!, `and ${on[0]} are both true: a step does one of them`);
  return on[0] ?? 'build';
}

/** Inputs given a value other than their default that the mode does not read: each is a mistake to point out. */
export function unusedInputs(mode: Mode, get: InputGetter): string[] {
  return INPUTS.filter((i) => {
    // A default the runner evaluates (the workflow's token) is passed whatever the mode: not the user's doing.
    if (i.modes.includes(mode) || i.actionDefault || (MODE_SWITCHES as readonly string[]).includes(i.name))
      return false;
    const v = get(i.name).trim();
    return v !== '' && v !== i.default;
  }).map((i) => i.name);
}
