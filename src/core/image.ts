// The `image` input: a repository (no tag, no digest) that cache tags are added to.
// Grammar from distribution/reference: path components are lower case.
import { InputError } from './errors.js';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 255;

export interface ImageName {
  /** The normalised repository, e.g. ghcr.io/acme/app */
  repository: string;
  /** True when upper-case letters had to be lowered (worth a notice). */
  lowered: boolean;
}

/** Like Docker: the first part is a registry host when it has a '.' or ':' or is localhost. */
function splitDomain(name: string): [string | undefined, string] {
  const slash = name.indexOf('/');
  if (slash === -1) return [undefined, name];
  const first = name.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return [first, name.slice(slash + 1)];
  return [undefined, name];
}

export function parseImage(raw: string): ImageName {
  const input = raw.trim();
  const fix = 'give a repository such as ghcr.io/owner/app (no tag or digest)';
  if (input === '') throw new InputError('image', `is required: ${fix}`);
  if (/\s/.test(input)) throw new InputError('image', `"${input}" contains whitespace: ${fix}`);
  if (input.includes('@')) {
    throw new InputError('image', `"${input}" has a digest: remove "@${input.split('@')[1]}"; ${fix}`);
  }
  const [domain, path] = splitDomain(input);
  if (path.includes(':')) {
    throw new InputError(
      'image',
      `"${input}" has a tag: remove ":${path.split(':').pop()}", the action adds its own cache tags`,
    );
  }
  if (domain !== undefined && !DOMAIN_RE.test(domain)) {
    throw new InputError('image', `"${input}" has an invalid registry host "${domain}": ${fix}`);
  }
  const components = path.split('/');
  const lowered = components.map((c) => c.toLowerCase());
  for (const c of lowered) {
    if (!PATH_COMPONENT_RE.test(c)) {
      throw new InputError(
        'image',
        `"${input}" has an invalid path component "${c}": use ` +
          `lower-case letters, digits and single separators (. _ -) only`,
      );
    }
  }
  const repository = [domain, ...lowered].filter((p) => p !== undefined).join('/');
  if (repository.length > MAX_NAME_LENGTH) {
    throw new InputError('image', `"${input}" is longer than ${MAX_NAME_LENGTH} characters`);
  }
  return { repository, lowered: lowered.join('/') !== path };
}
