// The workflow event's payload, read once, lazily and guarded (the runner writes it to GITHUB_EVENT_PATH).
import { readFileSync } from 'node:fs';
import type { EventContext } from '../core/github-event.js';

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
    new Error(
      `GITHUB_EVENT_PATH: ${path} ${why}: it must hold the workflow event's payload as JSON, as the runner writes it`,
    );
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot be read (${code ?? 'unknown error'})`,
    );
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

/** The workflow event as the core reads it: the runner's variables and the payload. */
export function eventContext(env: NodeJS.ProcessEnv = process.env): EventContext {
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    ref: env.GITHUB_REF ?? '',
    headRef: env.GITHUB_HEAD_REF,
    baseRef: env.GITHUB_BASE_REF,
    payload: readEventPayload(env),
  };
}
