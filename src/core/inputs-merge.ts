// The inputs only merge mode reads (`merge: true`, shell/merge.ts; the table:
// input-table.ts), and the rows of other files that it reads as well.
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

/**
 * Rows of inputs-cache.ts and inputs-buildx.ts that merge reads too (input-table.ts
 * adds `merge` to their modes): `image`, the repository the platform jobs pushed
 * to; `tags`, where the manifest list goes; `builder`, whose registry settings
 * imagetools uses. `github-token` is only masked, but the runner always passes
 * its action.yml default (the workflow's token), which must not be warned about
 * as an input given for another mode (unusedInputs, inputs.ts).
 */
export const MERGE_ALSO_READS: readonly string[] = ['image', 'tags', 'builder', 'github-token'];
