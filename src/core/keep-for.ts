// The keep-for input, and whether a gone branch's caches stay for now: a
// build of the branch it was merged into may still be importing them.
import { InputError } from './errors.js';
import type { EventContext } from './github-event.js';
import { get, str } from './payload.js';

/** The `keep-for` input: how long a merged branch's caches outlive it. */
export interface KeepFor {
  ms: number;
  /** As written (`7d`), for the reasons. */
  text: string;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `keep-for`: 0, or a whole number of minutes, hours, days or weeks (30m, 12h, 7d, 2w); empty is 7d. */
export function parseKeepFor(raw: string): KeepFor {
  const v = raw.trim() || '7d';
  const m = /^(\d{1,6})([mhdw])$/.exec(v);
  if (/^0+[mhdw]?$/.test(v)) return { ms: 0, text: '0' };
  if (m === null) {
    throw new InputError(
      'keep-for',
      `"${raw.slice(0, 40)}" is not a duration: a whole number and m, h, d or w (30m, 12h, 7d, 2w), or 0 for at once`,
    );
  }
  return { ms: Number(m[1]) * UNIT_MS[m[2]!]!, text: v };
}

function ago(ms: number): string {
  if (ms < 60_000) return 'less than a minute ago';
  if (ms < 2 * 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 2 * 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} days ago`;
}

/**
 * Why the gone branch's caches stay for now, if they do: a build of the branch
 * it was merged into may still be importing them (its first fallback, github-event.ts).
 * A merged pull request's caches stay until keep-for after the merge; a
 * `delete` event does not say whether the branch was merged, so they stay
 * keep-for from now. A branch named by the `branch` input, a closed unmerged
 * pull request and a completed workflow run (the import is over) delete at once.
 */
export function whyKept(event: EventContext, byInput: boolean, keep: KeepFor, now: Date): string | undefined {
  if (keep.ms === 0 || byInput) return undefined;
  const later = 'a later sweep or cleanup deletes them';
  // A delete event does not say whether the branch was merged: its caches go at once, as before keep-for
  // (nothing would delete them later until a sweep exists). A merged pull request's close says so.
  if (event.eventName !== 'pull_request' && event.eventName !== 'pull_request_target') return undefined;
  if (get(event.payload, 'pull_request', 'merged') !== true) return undefined;
  const at = Date.parse(str(get(event.payload, 'pull_request', 'merged_at')) ?? '');
  // No time, or one in the future (another clock): as if merged just now.
  const age = Number.isNaN(at) ? undefined : Math.max(0, now.getTime() - at);
  if (age !== undefined && age >= keep.ms) return undefined;
  const when = age === undefined ? 'at a time the event does not give' : ago(age);
  return `merged ${when}, within keep-for ${keep.text}: ${later}`;
}
