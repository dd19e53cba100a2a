// Errors the user can fix. `run` prints them as one line, without a stack trace.

export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`${input}: ${message}`);
    this.name = 'InputError';
  }
}

/** Anything thrown, as one line (a thrown string or object too, not only Error). */
export function errorMessage(e: unknown): string {
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
