// The inputs only the deleting modes read (`cleanup: true`, shell/cleanup.ts;
// `sweep: true`, shell/sweep.ts; the table: input-table.ts).
import type { InputSpec } from './input-table.js';

export const CLEANUP_INPUTS: readonly InputSpec[] = [
  {
    name: 'cleanup',
    default: 'false',
    kind: 'bool',
    modes: ['cleanup'],
    description:
      'Delete instead of build: on a `delete` event of a branch, a closed pull request or a completed ' +
      "`workflow_run` of a merge's push, delete that branch's cache tags for every stage (from the " +
      "Dockerfile, or `cache-stages`; a merged branch's after `keep-for`). Never the default branch's or a " +
      "`protected-branches` one's.",
  },
  {
    name: 'sweep',
    default: 'false',
    kind: 'bool',
    modes: ['sweep'],
    description:
      "Delete instead of build: the cache tags of every branch that no longer exists (the repository's " +
      'branches through the GitHub API), once nothing says it was used within `keep-for`. Never the default ' +
      "branch's or a `protected-branches` one's. For a `schedule:` workflow.",
  },
  {
    name: 'protected-branches',
    default: '',
    kind: 'items',
    modes: ['cleanup', 'sweep'],
    description:
      'Branches whose caches cleanup never deletes, besides the default branch (comma- or ' +
      'newline-separated; `*` matches within a path segment, `**` across).',
  },
  {
    name: 'keep-for',
    default: '7d',
    kind: 'text',
    modes: ['cleanup', 'sweep'],
    description:
      "With `cleanup`, how long a merged branch's caches outlive it, so that the build after the merge can " +
      'still import them: `30m`, `12h`, `7d`, `2w`, or `0` to delete at once. A merged pull request keeps ' +
      'them until this long after its merge (a `delete` event, which does not say whether the branch was ' +
      "merged, deletes at once). With `sweep`, how long after its last use a gone branch's caches stay.",
  },
  {
    name: 'prune-untagged',
    default: 'false',
    kind: 'bool',
    modes: ['sweep'],
    description:
      'With `sweep` on ghcr.io, also delete the untagged package versions that are BuildKit cache manifests ' +
      '(what overwriting a cache tag leaves behind); never images, image indexes or their children. Try it ' +
      'with `dry-run` first.',
  },
  {
    name: 'dry-run',
    default: 'false',
    kind: 'bool',
    modes: ['cleanup', 'sweep'],
    description: 'With `cleanup` or `sweep`, list what would be deleted and delete nothing.',
  },
  {
    name: 'request-timeout',
    default: '30',
    kind: 'text',
    modes: ['cleanup', 'sweep'],
    description:
      'With `cleanup` or `sweep`, the seconds each request to the registry or the GitHub API may take, its answer ' +
      'included, before cleanup gives it up and says which host did not answer (more than 0, at most ' +
      '3600).',
  },
];
