// The inputs only bake mode reads (`bake: true`, shell/bake.ts), named as
// docker/bake-action names them (the table: input-table.ts).
import type { InputSpec } from './input-table.js';

export const BAKE_INPUTS: readonly InputSpec[] = [
  {
    name: 'bake',
    default: 'false',
    kind: 'bool',
    modes: ['bake'],
    description:
      'Run `docker buildx bake` instead of one build: every target of the bake file gets its own branch cache ' +
      "plan (the target's name in its cache tags), from the definition `docker buildx bake --print` resolves.",
  },
  {
    name: 'source',
    default: '',
    kind: 'text',
    modes: ['bake'],
    description: 'With `bake`, the directory the bake files and their relative contexts are read from. Default `.`.',
  },
  {
    name: 'files',
    default: '',
    kind: 'items',
    modes: ['bake'],
    description:
      "With `bake`, bake files (`-f`), e.g. `docker-bake.hcl`; empty: bake's own lookup (compose files too).",
  },
  {
    name: 'targets',
    default: '',
    kind: 'items',
    modes: ['bake'],
    description: 'With `bake`, the targets or groups to build; empty: the `default` group or target.',
  },
  {
    name: 'set',
    default: '',
    kind: 'lines',
    modes: ['bake'],
    description: 'With `bake`, overrides, one `targetpattern.key=value` per line (`--set`), applied before the plan.',
  },
];
