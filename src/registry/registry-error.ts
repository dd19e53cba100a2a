// A registry request that failed, as one error that says what failed where
// and why: the answer's status and the distribution API's error code, or the
// network's cause (core/network-failure.ts).
import { requestFailure } from '../core/network-failure.js';
import type { HttpAnswer } from '../http/request.js';

export class RegistryError extends Error {
  constructor(
    readonly status: number,
    /** The first error code of the distribution API's error body (UNSUPPORTED, DENIED, ...), if any. */
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** The error for a non-2xx answer: its status, and the distribution API's error codes and messages. */
export async function errorOf(res: HttpAnswer, what: string): Promise<RegistryError> {
  let code: string | undefined;
  let detail = '';
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      code = body.errors?.[0]?.code;
      detail = body.errors?.map((e) => [e.code, e.message].filter(Boolean).join(' ')).join('; ') ?? '';
    } catch {
      detail = text.trim().slice(0, 200);
    }
  } catch {
    // no body
  }
  return new RegistryError(res.status, code, `${what}: HTTP ${res.status}${detail ? ` ${detail}` : ''}`);
}

/**
 * Run `op` (a request and the reading of its answer); a network failure or
 * timeout becomes a RegistryError saying `what` failed where and why.
 */
export async function failingAs<T>(
  what: string,
  host: string,
  timeoutMs: number | undefined,
  op: () => Promise<T>,
): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof RegistryError) throw e;
    throw new RegistryError(0, undefined, `${what}: ${requestFailure(e, host, timeoutMs)}`);
  }
}
