// The action's inputs that say where the cache lives, how it is named and which
// branches it comes from (the table: input-table.ts).
import type { InputSpec } from './input-table.js';

export const CACHE_INPUTS: readonly InputSpec[] = [
  {
    name: 'image',
    default: '',
    kind: 'text',
    modes: ['build', 'cleanup', 'merge', 'sweep', 'bake'],
    description:
      'Repository that holds the cache images, without a tag (e.g. ghcr.io/acme/app). Lower-cased. ' +
      'Required for the registry and inline cache types.',
  },
  {
    name: 'cache-type',
    default: 'registry',
    kind: 'text',
    modes: ['build', 'cleanup', 'sweep', 'bake'],
    description: 'Where the cache lives, `registry`, `local`, `gha`, `s3` or `inline` (single-stage builds only).',
  },
  {
    name: 'cache-dir',
    default: '',
    kind: 'text',
    modes: ['build', 'bake'],
    description: 'Parent directory of the caches for `cache-type: local` (a disk that outlives the job).',
  },
  {
    name: 's3-bucket',
    default: '',
    kind: 'text',
    modes: ['build', 'bake'],
    description: 'S3 bucket for `cache-type: s3`.',
  },
  {
    name: 's3-region',
    default: '',
    kind: 'text',
    modes: ['build', 'bake'],
    description: 'S3 region for `cache-type: s3`.',
  },
  {
    name: 'cache-options',
    default: '',
    kind: 'items',
    modes: ['build', 'bake'],
    description:
      'Extra `key=value` options for every cache import and the export (comma- or newline-separated), ' +
      'e.g. `url=...,token=...` for gha or `endpoint_url=...` for s3.',
  },
  {
    name: 'cache-scope',
    default: '',
    kind: 'text',
    modes: ['build', 'cleanup'],
    description:
      'Extra name part that keeps matrix jobs apart (e.g. the matrix platform); sanitized like a ' +
      'branch. Default the platform when `platforms` names exactly one.',
  },
  {
    name: 'extra-cache-from',
    default: '',
    kind: 'lines',
    modes: ['build'],
    description: 'Another name for `cache-from` (kept from 0.1).',
  },
  {
    name: 'extra-cache-to',
    default: '',
    kind: 'lines',
    modes: ['build'],
    description: 'Another name for `cache-to` (kept from 0.1).',
  },
  {
    name: 'cache-tag-prefix',
    default: 'cache',
    kind: 'text',
    modes: ['build', 'cleanup', 'sweep', 'bake'],
    description: 'First part of every cache tag, `<prefix>.<stage>[.<scope>].<branch>`.',
  },
  {
    name: 'cache-mode',
    default: 'max',
    kind: 'text',
    modes: ['build', 'bake'],
    description: 'BuildKit cache export mode, `min` or `max`.',
  },
  {
    name: 'cache-to-options',
    default: '',
    kind: 'items',
    modes: ['build', 'bake'],
    description:
      'Extra or overriding `key=value` options for the cache export (comma- or newline-separated), e.g.' +
      ' `compression=zstd`.',
  },
  {
    name: 'stage',
    default: '',
    kind: 'text',
    modes: ['build', 'cleanup'],
    description:
      "Stage name the cache is exported under. Default the `target`, else the last stage's name, else " + '`final`.',
  },
  {
    name: 'cache-stages',
    default: 'auto',
    kind: 'items',
    modes: ['build', 'cleanup'],
    description: 'Stages whose caches are imported. `auto` is this stage and every stage it builds on; or a list.',
  },
  {
    name: 'branch',
    default: '',
    kind: 'text',
    modes: ['build', 'cleanup', 'bake'],
    description: 'Branch to use instead of the one worked out from the event.',
  },
  {
    name: 'fallback-branches',
    default: '',
    kind: 'items',
    modes: ['build', 'bake'],
    description:
      'Branches to import from after the branch itself, instead of the base and default branch (comma- ' +
      'or newline-separated).',
  },
  {
    name: 'pull-request-fallbacks',
    default: 'true',
    kind: 'bool',
    modes: ['build', 'bake'],
    description:
      'Import first the caches of the pull requests a push merged and of the pull request a merge queue builds ' +
      "(found through the GitHub API with `github-token`; on other CIs, in the merge commit's message). " +
      '`false` looks nothing up.',
  },
  {
    name: 'export-cache',
    default: 'auto',
    kind: 'text',
    modes: ['build', 'bake'],
    description: 'Write the cache, `auto` (push, or a pull request from this repository), `true` or `false`.',
  },
  {
    name: 'build',
    default: 'true',
    kind: 'bool',
    modes: ['build', 'bake'],
    description:
      'Run `docker buildx build`. `false` only works out the flags and sets the outputs (no Docker ' + 'needed).',
  },
  {
    name: 'probe-cache',
    default: 'true',
    kind: 'bool',
    modes: ['build', 'bake'],
    description:
      'Check which cache refs exist before the build and import only those (no "not found" importer ' +
      'errors in the log). `false` imports every planned ref unchecked.',
  },
  {
    name: 'fallback-to-inline',
    default: 'false',
    kind: 'bool',
    modes: ['build'],
    description:
      'When the builder cannot export caches (the `docker` driver without the containerd image store), ' +
      'use the inline cache instead of failing. Needs `push`.',
  },
];
