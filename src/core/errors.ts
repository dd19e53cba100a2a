// Errors the user can fix. The front doors print them as one line, without a
// stack trace, each in its own words (an input `image`, an option --image).

/** How a front door names its inputs. */
export interface Words {
  /** The input as the head of an error line: `image` or --image. */
  name(input: string): string;
  /** The input inside a sentence: "the `branch` input" or --branch. */
  ref(input: string): string;
}

export const ACTION_WORDS: Words = { name: (n) => n, ref: (n) => `the \`${n}\` input` };

/** An error's text, given the words of the front door that says it. */
export type Wording = string | ((w: Words) => string);

export class InputError extends Error {
  constructor(
    readonly input: string,
    private readonly detail: Wording,
  ) {
    super(`${input}: ${typeof detail === 'string' ? detail : detail(ACTION_WORDS)}`);
    this.name = 'InputError';
  }

  /** The message in a front door's words. */
  describe(w: Words): string {
    return `${w.name(this.input)}: ${typeof this.detail === 'string' ? this.detail : this.detail(w)}`;
  }
}

/** Anything thrown, as one line (a thrown string or object too, not only Error), an InputError in `words`. */
export function errorMessage(e: unknown, words: Words = ACTION_WORDS): string {
  if (e instanceof InputError) return e.describe(words);
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  // An Error from another realm (fetch's TypeError under a VM) fails instanceof but has its message.
  if (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { message?: unknown }).message === 'string' &&
    e.constructor?.name.endsWith('Error')
  ) {
    return (e as { message: string }).message;
  }
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}
