// The workflow event's payload (the file GITHUB_EVENT_PATH names), and reading
// fields out of it (untyped JSON) without trusting its shape.
import { readFileSync } from 'node:fs';

/**
 * The payload, read when it is needed, by the one reader that the build, the
 * cleanup and the command line share. No GITHUB_EVENT_PATH (a local run) is
 * an empty payload; a UTF-8 byte order mark is skipped; anything else that is
 * not a JSON object is one error naming the variable and the file. Its text
 * is never quoted: it holds what others wrote (titles, branch names).
 */
export function readEventPayload(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return {};
  const fail = (why: string) =>
    new Error(`GITHUB_EVENT_PATH: ${path} ${why}: it must hold the workflow event's payload as JSON, as the runner writes it`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'unknown error'})`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw fail('is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // V8 quotes the text around the mistake: say only where it is.
    const at = /position (\d+)/.exec(e instanceof Error ? e.message : '');
    throw fail(`is not valid JSON${at ? ` (at character ${at[1]})` : ''}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('does not hold a JSON object');
  return value as Record<string, unknown>;
}

export function get(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A non-empty string, trimmed; anything else is undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
