// The inputs only merge mode reads (`merge: true`, shell/merge.ts; the table:
// input-table.ts). It also reads `image`, `tags` and `builder`, whose rows say so.
import type { InputSpec } from './input-table.js';

export const MERGE_INPUTS: readonly InputSpec[] = [
  {
    name: 'merge',
    default: 'false',
    kind: 'bool',
    modes: ['merge'],
    description:
      'Merge instead of build: join the images of `digests` (one per platform, each pushed by digest by ' +
      'its own job) into one manifest list with `docker buildx imagetools create`, and push it to every ' +
      'entry of `tags`. Sets `digest`.',
  },
  {
    name: 'digests',
    default: '',
    kind: 'items',
    modes: ['merge'],
    description:
      "With `merge`, the images to join: each platform job's `digest` output, `sha256:<64 hex digits>` " +
      '(in the `image` repository) or `<repository>@sha256:<64 hex digits>` (comma- or newline-separated).',
  },
];
