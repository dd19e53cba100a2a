// Which cache tags to delete, once for every registry API: a tag goes with the
// manifest (or package version) that holds it, so a holder that also carries a
// tag nobody asked to delete is kept; a dry run deletes nothing. The clients
// (registry/registry.ts, registry/ghcr.ts) only list, inspect and delete.
import type { TagResult } from './cleanup-report.js';

/** What a tag points to: a manifest digest or a package version, with every tag it carries. */
export interface Holder {
  id: string;
  /** How the log names it: the digest, or `version 42 (sha256:...)`. */
  label: string;
  tags: readonly string[];
}

export interface DeletionPlan {
  /** The tags already decided: not found, kept, or (dry run) would delete. */
  decided: TagResult[];
  /** Holders to delete, with the requested tags each takes along. */
  deletions: { holder: Holder; tags: string[] }[];
}

export function planDeletion(tags: readonly string[], holders: readonly Holder[], dryRun: boolean): DeletionPlan {
  const decided: TagResult[] = [];
  const deletions: DeletionPlan['deletions'] = [];
  const wanted = new Set(tags);
  const seen = new Set<string>();
  for (const holder of holders) {
    if (seen.has(holder.id)) continue;
    seen.add(holder.id);
    const ours = tags.filter((t) => holder.tags.includes(t));
    if (ours.length === 0) continue;
    const others = holder.tags.filter((t) => !wanted.has(t));
    const decide = (state: TagResult['state'], detail: string) => {
      for (const tag of ours) decided.push({ tag, state, detail });
    };
    if (others.length > 0)
      decide('kept', `${holder.label} is also tagged ${others.join(', ')}: deleting it would delete those too`);
    else if (dryRun) decide('would delete', holder.label);
    else deletions.push({ holder, tags: ours });
  }
  const held = new Set(holders.flatMap((h) => h.tags));
  for (const tag of tags) if (!held.has(tag)) decided.push({ tag, state: 'not found' });
  return { decided, deletions };
}
