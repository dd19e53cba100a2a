// Which of the cache refs that exist to import. Current BuildKit matches a step
// shared by two imported manifests from either of them, and when it picks the
// one without the later steps, those steps run again (../shared/design.md has
// the figures). So no imported ref may be contained in another, and of two refs
// that hold diverging records for the same stage chain only one is imported.
import type { CacheContent } from './cache-content.js';

export interface Candidate {
  ref: string;
  /** 0 for this branch, then each fallback in order. */
  branchRank: number;
  stage: string;
  state: 'exists' | 'missing' | 'unknown';
  /** What the ref holds; undefined when it exists but could not be read. */
  content?: CacheContent;
}

export type Verdict =
  | { ref: string; imported: true; why: 'adds records' | 'unreadable' | 'alone' }
  | { ref: string; imported: false; why: 'missing' | 'contained' | 'diverges' | 'empty'; other?: string };

/** Whether two stages share a line of descent (one builds on the other, or they are the same). */
export type Related = (a: string, b: string) => boolean;

function subset(a: CacheContent, b: CacheContent): boolean {
  if (a.records.size > b.records.size) return false;
  for (const id of a.records.keys()) if (!b.records.has(id)) return false;
  return true;
}

function overlaps(a: CacheContent, b: CacheContent): boolean {
  for (const id of a.records.keys()) if (b.records.has(id)) return true;
  return false;
}

/** When the records only `a` holds were made last: the likelier match for today's code. */
function newestOnly(a: CacheContent, b: CacheContent): number {
  let newest = 0;
  for (const [id, t] of a.records) if (!b.records.has(id) && t > newest) newest = t;
  return newest;
}

/** Of two diverging refs, the one from the nearer branch wins; on one branch, the more recent one; else the first. */
function beats(c: Candidate, x: Candidate): boolean {
  if (c.branchRank !== x.branchRank) return c.branchRank < x.branchRank;
  return newestOnly(c.content!, x.content!) > newestOnly(x.content!, c.content!);
}

/**
 * Candidates come in priority order (this branch first; within a branch, the
 * stage being built first). Refs that cannot be read are imported as before.
 */
export function planImports(candidates: Candidate[], related: Related): Verdict[] {
  const readable = candidates.filter(
    (c) => c.state === 'exists' && c.content !== undefined && c.content.records.size > 0,
  );
  const lost = new Map<string, string>(); // ref → the ref it diverged from and lost to
  let chosen: Candidate[] = [];
  for (let pass = 0; pass <= readable.length; pass++) {
    chosen = [];
    let restart = false;
    for (const c of readable) {
      if (lost.has(c.ref) || chosen.some((x) => subset(c.content!, x.content!))) continue;
      const rivals = chosen.filter(
        (x) => related(x.stage, c.stage) && overlaps(x.content!, c.content!) && !subset(x.content!, c.content!),
      );
      const winner = rivals.find((x) => !beats(c, x));
      if (winner !== undefined) {
        lost.set(c.ref, winner.ref);
        continue;
      }
      if (rivals.length > 0) {
        // c wins: what it displaced may have hidden other refs, so decide again from the top.
        for (const x of rivals) lost.set(x.ref, c.ref);
        restart = true;
        break;
      }
      chosen = [...chosen.filter((x) => !subset(x.content!, c.content!)), c];
    }
    if (!restart) break;
  }

  const imported = new Set(chosen.map((c) => c.ref));
  // The look-up reads no content when one ref exists (shell/cache-lookup.ts): there is nothing to compare it with.
  const alone = candidates.filter((c) => c.state !== 'missing').length === 1;
  return candidates.map((c): Verdict => {
    if (c.state === 'missing') return { ref: c.ref, imported: false, why: 'missing' };
    if (c.state === 'exists' && c.content === undefined && alone) return { ref: c.ref, imported: true, why: 'alone' };
    if (c.state === 'unknown' || c.content === undefined) return { ref: c.ref, imported: true, why: 'unreadable' };
    if (c.content.records.size === 0) return { ref: c.ref, imported: false, why: 'empty' };
    if (imported.has(c.ref)) return { ref: c.ref, imported: true, why: 'adds records' };
    const beaten = lost.get(c.ref);
    if (beaten !== undefined) return { ref: c.ref, imported: false, why: 'diverges', other: beaten };
    const container = chosen.find((x) => subset(c.content!, x.content!));
    return { ref: c.ref, imported: false, why: 'contained', other: container?.ref };
  });
}

/** A verdict as the log and the summary say it. */
export function verdictText(v: Verdict): string {
  switch (v.why) {
    case 'adds records':
      return 'imported';
    case 'unreadable':
      return 'imported (could not be read, so not compared)';
    case 'alone':
      return 'imported (the only one found)';
    case 'missing':
      return 'not found';
    case 'empty':
      return 'left out: holds no cache records';
    case 'contained':
      return `left out: contained in ${v.other ?? 'the imported refs'}`;
    case 'diverges':
      return `left out: diverges from ${v.other}`;
  }
}
