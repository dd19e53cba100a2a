// The action's inputs that become `docker buildx build` flags: every input of
// docker/build-push-action, with its name, format and meaning (the table:
// input-table.ts; the flags: buildx.ts).
import type { InputKind, InputSpec, Mode } from './input-table.js';

/** A build input with no default; `more` for what differs. */
function flag(name: string, kind: InputKind, description: string, more: Partial<InputSpec> = {}): InputSpec {
  const modes: readonly Mode[] = ['build'];
  return { name, default: '', kind, modes, description, ...more };
}

const BOTH: readonly Mode[] = ['build', 'cleanup'];
/** Build inputs that bake mode passes to `docker buildx bake` too (its flags of the same names). */
const BUILDS: readonly Mode[] = ['build', 'bake'];

export const BUILDX_INPUTS: readonly InputSpec[] = [
  flag('add-hosts', 'items', 'Host-to-IP mappings for RUN steps, `host:ip` (`--add-host`).'),
  flag('allow', 'items', 'Entitlements to grant, e.g. `network.host` or `security.insecure` (`--allow`).'),
  flag('annotations', 'lines', 'Annotations, one per line (`--annotation`), e.g. `index:key=value`.'),
  flag(
    'attests',
    'lines',
    'Attestations, one per line (`--attest`), e.g. `type=sbom`; `provenance` and `sbom` win for their types.',
  ),
  flag('build-args', 'lines', 'Build arguments, one `KEY=value` per line (`--build-arg`).'),
  flag(
    'build-contexts',
    'lines',
    'Named contexts, one `name=path-or-url` per line (`--build-context`), e.g. `base=docker-image://alpine`.',
  ),
  flag('builder', 'text', 'Buildx builder instance to use.', { modes: ['build', 'merge', 'bake'] }),
  flag('cache-from', 'lines', 'More cache imports, one per line (`--cache-from`), after the planned ones.'),
  flag('cache-to', 'lines', 'More cache exports, one per line (`--cache-to`), after the planned one.'),
  flag(
    'call',
    'text',
    'Evaluate the build with a frontend method instead of building, e.g. `check`, `outline` or `targets` ' +
      '(`--call`, buildx 0.15 or later). No cache is exported then.',
  ),
  flag('cgroup-parent', 'text', 'Parent cgroup of the RUN steps (`--cgroup-parent`).'),
  flag(
    'context',
    'text',
    "Build context: a path or a Git URL; `git` for the workflow's repository at GITHUB_SHA (no checkout " +
      'needed; `./git` for a directory named git).',
    { default: '.', modes: BOTH },
  ),
  flag('file', 'text', 'Path to the Dockerfile. Default `<context>/Dockerfile`.', { modes: BOTH }),
  flag(
    'github-token',
    'text',
    'Token for the GitHub API: the Packages API for cleanup and sweep on ghcr.io (`packages: write`), the ' +
      'branches a sweep keeps, and a Git context on GitHub (passed to buildx as the `GIT_AUTH_TOKEN` secret).',
    { modes: [...BOTH, 'sweep', 'bake'], secret: true, actionDefault: '${{ github.token }}' },
  ),
  flag('labels', 'lines', 'Image labels, one `key=value` per line (`--label`).'),
  flag('load', 'bool', 'Load the image into Docker (`--load`).', { default: 'false', modes: BUILDS }),
  flag('network', 'text', 'Network mode for RUN steps (`--network`), e.g. `host` or `none`.'),
  flag('no-cache', 'bool', 'Build without any cache (`--no-cache`).', { default: 'false', modes: BUILDS }),
  flag('no-cache-filters', 'items', 'Stages to build without the cache (`--no-cache-filter`).'),
  flag(
    'outputs',
    'lines',
    'Build outputs, one per line (`--output`), e.g. `type=local,dest=out` or ' +
      '`type=image,push-by-digest=true,name-canonical=true,push=true`.',
    { quotes: false },
  ),
  flag('platforms', 'items', 'Target platforms (`--platform`), e.g. `linux/amd64,linux/arm64`.', { modes: BOTH }),
  flag(
    'provenance',
    'text',
    'Provenance attestation: `true`, `false` or attributes such as `mode=max` (`--attest type=provenance`). ' +
      'Empty: `mode=max` for a public repository, `mode=min,inline-only=true` for a private one.',
    { modes: BUILDS },
  ),
  flag('pull', 'bool', 'Always pull referenced images (`--pull`).', { default: 'false', modes: BUILDS }),
  flag('push', 'bool', 'Push the image (`--push`).', { default: 'false', modes: BUILDS }),
  flag('sbom', 'text', 'SBOM attestation: `true`, `false` or attributes (`--attest type=sbom`).', { modes: BUILDS }),
  flag(
    'secrets',
    'secrets',
    'Build secrets, one `id=value` per line; a value over several lines goes in double quotes around the ' +
      'whole item (`"id=line 1` ... `line 2"`). Written to owner-only files, masked in the log.',
  ),
  flag('secret-envs', 'items', 'Build secrets from environment variables, `id=VARIABLE` (`--secret id=,env=`).'),
  flag('secret-files', 'lines', 'Build secrets from files, one `id=path` per line (`--secret id=,src=`).'),
  flag('shm-size', 'text', 'Size of `/dev/shm` for RUN steps (`--shm-size`), e.g. `2g`.'),
  flag('ssh', 'items', 'SSH agent sockets or keys to forward (`--ssh`), e.g. `default`.'),
  flag('tags', 'items', 'Image tags (`--tag`); with `merge`, where the manifest list goes.', {
    modes: ['build', 'merge'],
  }),
  flag('target', 'text', 'Stage to build (`--target`).'),
  flag('ulimit', 'lines', 'Ulimits for RUN steps, one per line (`--ulimit`), e.g. `nofile=1024:1024`.'),
];
