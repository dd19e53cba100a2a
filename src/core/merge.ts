// Merge mode's decisions (`merge: true`; the run is shell/merge.ts): its inputs
// read and checked, the `docker buildx imagetools` argument lists, and what
// `imagetools inspect` says of the list it pushed. Each platform job pushes its
// image by digest (README, "Matrix jobs"), so the digests are all that travels
// between the jobs. Argument arrays only: no input meets a shell.
import { InputError } from './errors.js';
import { parseImage } from './image.js';
import { type InputGetter, withDefaults } from './input-getter.js';
import { parseList } from './lists.js';

/** What buildx's metadata and build-push-action's `digest` output hold. */
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface MergeConfig {
  /** The images to join, `repository@sha256:...`, in the order given, each once. */
  sources: string[];
  /** Sources given more than once (a re-run job's digest listed twice): dropped, and said. */
  duplicates: string[];
  tags: string[];
  builder: string | undefined;
}

/** A value quoted in an error: on one line, and not a page long. */
function shown(item: string): string {
  return JSON.stringify(item.length > 100 ? `${item.slice(0, 100)}...` : item);
}

/** `digests` as `repository@sha256:...` sources; `image` is the repository of a bare digest. */
export function parseDigests(raw: string, image: string | undefined): Pick<MergeConfig, 'sources' | 'duplicates'> {
  const items = parseList(raw, { input: 'digests', commas: true });
  if (items.length === 0) {
    throw new InputError(
      'digests',
      "is required with merge: true: each platform job's `digest` output, one per line or comma-separated",
    );
  }
  const refs = items.map((item, i) => {
    const at = item.lastIndexOf('@');
    const digest = item.slice(at + 1);
    if (!DIGEST.test(digest)) {
      throw new InputError(
        'digests',
        `item ${i + 1}, ${shown(item)}, is not an image digest: give sha256: and 64 lower-case hex digits ` +
          "(a platform job's `digest` output), or <repository>@sha256:...",
      );
    }
    if (at === -1) {
      if (image === undefined) {
        throw new InputError(
          'image',
          `is required with merge: true when digests has a bare digest (item ${i + 1}): ` +
            'the repository the platform jobs pushed to, e.g. ghcr.io/acme/app',
        );
      }
      return `${image}@${digest}`;
    }
    try {
      return `${parseImage(item.slice(0, at)).repository}@${digest}`;
    } catch (e) {
      const why = e instanceof InputError ? e.message.replace(/^image: /, '') : String(e);
      throw new InputError('digests', `item ${i + 1}: the repository before @ is not one: ${why}`);
    }
  });
  const sources = refs.filter((r, i) => refs.indexOf(r) === i);
  const duplicates = refs.filter((r, i) => refs.indexOf(r) !== i);
  return { sources, duplicates };
}

/** Merge mode's inputs (inputs-merge.ts), checked: every mistake is one InputError naming its input. */
export function mergeConfig(get: InputGetter): MergeConfig {
  const input = withDefaults(get);
  const imageRaw = input('image').trim();
  const image = imageRaw === '' ? undefined : parseImage(imageRaw).repository;
  const { sources, duplicates } = parseDigests(input('digests'), image);
  const tags = parseList(input('tags'), { input: 'tags', commas: true });
  if (tags.length === 0) {
    throw new InputError(
      'tags',
      'is required with merge: true: where the manifest list is pushed, e.g. ghcr.io/acme/app:1.0',
    );
  }
  const withDigest = tags.find((t) => t.includes('@'));
  if (withDigest !== undefined) {
    throw new InputError('tags', `${shown(withDigest)} has a digest: a manifest list is pushed to a tag`);
  }
  const builder = input('builder').trim();
  return { sources, duplicates, tags, builder: builder === '' ? undefined : builder };
}

const buildx = (builder: string | undefined) => ['buildx', ...(builder ? ['--builder', builder] : [])];

/** `docker` argv that pushes one list of all the sources to every tag. */
export function imagetoolsCreateArgs(m: MergeConfig): string[] {
  return [...buildx(m.builder), 'imagetools', 'create', ...m.tags.flatMap((t) => ['--tag', t]), ...m.sources];
}

/** `docker` argv that prints the top manifest of `ref` as JSON, its digest included (buildx 0.13 and later). */
export function imagetoolsInspectArgs(builder: string | undefined, ref: string): string[] {
  return [...buildx(builder), 'imagetools', 'inspect', '--format', '{{json .Manifest}}', ref];
}

export interface PushedList {
  digest: string;
  mediaType: string;
  /** The images' platforms, `os/arch[/variant]`, in the list's order. */
  platforms: string[];
  /** Attestation manifests (buildx's provenance), which are in the list without a platform of their own. */
  attestations: number;
}

interface Descriptor {
  digest?: unknown;
  mediaType?: unknown;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
  manifests?: Descriptor[];
}

/** What `imagetools inspect --format '{{json .Manifest}}'` printed (other lines around it are skipped). */
export function parsePushedList(output: string): PushedList {
  const start = output.indexOf('{');
  const end = output.lastIndexOf('}');
  let top: Descriptor | undefined;
  try {
    top = start === -1 ? undefined : (JSON.parse(output.slice(start, end + 1)) as Descriptor);
  } catch {
    top = undefined;
  }
  if (top === undefined || typeof top.digest !== 'string' || !DIGEST.test(top.digest)) {
    throw new Error(`imagetools inspect printed no manifest with a digest: ${output.trim().slice(0, 300)}`);
  }
  const entries = top.manifests ?? [];
  const isAttestation = (m: Descriptor) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';
  const platforms = entries
    .filter((m) => !isAttestation(m))
    .map((m) => [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter(Boolean).join('/'));
  return {
    digest: top.digest,
    mediaType: typeof top.mediaType === 'string' ? top.mediaType : '',
    platforms,
    attestations: entries.filter(isAttestation).length,
  };
}

/** Platforms the list holds more than once: two digests of one platform, where one was meant per platform. */
export function repeatedPlatforms(list: PushedList): string[] {
  return list.platforms.filter((p, i) => list.platforms.indexOf(p) !== i);
}
