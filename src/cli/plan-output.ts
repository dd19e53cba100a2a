// What `plan` prints: the cache flags, one shell word each, or the whole
// decision as JSON (--json).
import { type CiFacts, providerName } from '../core/ci-facts.js';
import type { Decision } from '../core/decide.js';
import { verdictText } from '../core/import-plan.js';
import type { ImportSelection } from '../core/probe.js';

/**
 * `plan`'s flags, one per line, each a single shell word: `--flag=value` with
 * no space, so `docker buildx build $(buildx-branch-cache plan ...)` splits
 * them right. The inline cache also needs the image tagged with its cache name.
 */
export function planFlags(d: Decision): string[] {
  return [
    ...d.plan.cacheFrom.map((c) => `--cache-from=${c}`),
    ...d.plan.cacheTo.map((c) => `--cache-to=${c}`),
    ...d.extraTags.map((t) => `--tag=${t}`),
  ];
}

/** Flags that the shell would split or glob: the user should take --json then. */
export function unsafeWords(flags: string[]): string[] {
  return flags.filter((f) => /[\s*?[\]]/.test(f));
}

/** Everything `plan --json` says; `selection` is the probe's answer, when refs were checked. */
export function planJson(
  ci: CiFacts,
  d: Decision,
  args: string[],
  selection?: ImportSelection,
): Record<string, unknown> {
  return {
    ci: ci.provider,
    branch: d.refs.branch ?? null,
    slug: d.branchSlug,
    defaultBranch: d.refs.defaultBranch,
    fallbacks: d.refs.fallbacks,
    exportCache: d.refs.exportCache,
    stage: d.stage,
    importStages: d.importStages,
    cacheFrom: d.plan.cacheFrom,
    cacheTo: d.plan.cacheTo,
    cacheRef: d.plan.export?.ref ?? null,
    tags: d.extraTags,
    imports: d.plan.imports.map((e) => {
      const v = selection?.verdicts.get(e.ref);
      return {
        branch: e.branch,
        stage: e.stage,
        ref: e.ref,
        state: selection?.states.get(e.ref)?.state ?? 'not checked',
        imported: v?.imported ?? selection === undefined,
        why: v ? verdictText(v) : 'not checked',
      };
    }),
    args,
    reasons: d.refs.reasons,
  };
}

/** One line naming where the facts came from, for the log. */
export function ciLine(ci: CiFacts): string {
  return `ci: ${providerName(ci.provider)}`;
}
