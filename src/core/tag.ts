// The cache tag scheme: one encoder and one parser. A tag is its fields joined
// by '.', each field encoded so that distinct names never share a tag and every
// tag reads back into its fields:
//
//   <prefix>.<stage>.<branch>                    cache.build.feature_login-form
//   <prefix>.<stage>.<scope>.<branch>            cache.build.linux_arm64.main
//   <prefix>.<target>.<stage>.<scope>.<branch>   (bake targets; scope may be empty)
//
// In a field, a-z A-Z 0-9 and '-' stand for themselves, '/' is '_', and any
// other character is '__' + its code point in hex + '_' ('.' is __2e_). Git
// forbids '//' in branch names, so '__' never comes from two slashes (a second
// '/' in a row is escaped). A branch field too long for Docker's 128 characters
// is cut and ends in '__h' + a hash of the whole name.
import { createHash } from 'node:crypto';
import { InputError } from './errors.js';

export const MAX_TAG_LENGTH = 128;
const HASH_LENGTH = 8;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** A short, stable hash of the untouched name. */
export function shortHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

/** One name as a tag field (no length limit): readable for common names, never shared by two names. */
export function encodeField(name: string): string {
  let out = '';
  // Stryker disable next-line StringLiteral: any first value but '/' says the same
  let prev = '';
  for (const ch of name) {
    if (/^[A-Za-z0-9-]$/.test(ch)) out += ch;
    else if (ch === '/' && prev !== '/') out += '_';
    else out += `__${ch.codePointAt(0)!.toString(16)}_`;
    prev = ch;
  }
  return out;
}

export interface DecodedField {
  /** The name, or its readable beginning when it was cut. */
  name: string;
  /** Set when the field was cut to fit: the hash of the whole name. */
  hash?: string;
}

/** The name a field encodes, or undefined when the text is not a field this scheme writes. */
export function decodeField(field: string): DecodedField | undefined {
  let name = '';
  let i = 0;
  while (i < field.length) {
    const ch = field[i]!;
    if (/[A-Za-z0-9-]/.test(ch)) {
      name += ch;
      i++;
    } else if (ch === '_' && field[i + 1] === '_' && /[0-9a-fh]/.test(field[i + 2] ?? '')) {
      if (field[i + 2] === 'h') {
        const hash = field.slice(i + 3);
        return new RegExp(`^[0-9a-f]{${HASH_LENGTH}}$`).test(hash) ? { name, hash } : undefined;
      }
      const end = field.indexOf('_', i + 2);
      const hex = end === -1 ? '' : field.slice(i + 2, end);
      if (!/^[0-9a-f]{1,6}$/.test(hex) || Number.parseInt(hex, 16) > 0x10ffff) return undefined;
      name += String.fromCodePoint(Number.parseInt(hex, 16));
      i = end + 1;
    } else if (ch === '_') {
      name += '/';
      i++;
    } else {
      return undefined;
    }
  }
  // Only what encodeField writes: anything else (a bare '//' spelled '__', say) is someone else's tag.
  return encodeField(name) === field ? { name } : undefined;
}

/** Cut an encoded field to at most `max` characters, never inside an escape, and mark it with the name's hash. */
function fitField(encoded: string, name: string, max: number): string {
  if (encoded.length <= max) return encoded;
  const mark = `__h${shortHash(name)}`;
  let cut = '';
  // Stryker disable next-line ArrayDeclaration: a field longer than max is not empty, so match finds something
  for (const token of encoded.match(/__[0-9a-f]+_|./g) ?? []) {
    if (cut.length + token.length > max - mark.length) break;
    cut += token;
  }
  return cut + mark;
}

export interface TagFields {
  prefix: string;
  /** A bake target, when the cache is per target. */
  target?: string;
  stage: string;
  /** What keeps matrix jobs apart (a platform, a cache-scope). */
  scope?: string;
  branch: string;
}

/** The cache tag for these fields; an InputError when the fixed fields leave the branch too little room. */
export function encodeTag(f: TagFields): string {
  const head = [
    f.prefix,
    ...(f.target !== undefined ? [f.target] : []),
    f.stage,
    ...(f.target !== undefined || f.scope ? [f.scope ?? ''] : []),
  ]
    .map(encodeField)
    .join('.');
  const room = MAX_TAG_LENGTH - head.length - 1;
  if (room < HASH_LENGTH + 4) {
    throw new InputError(
      'cache-tag-prefix',
      `"${head}." leaves too little room for the branch in a ${MAX_TAG_LENGTH}-character ` +
        `tag: shorten cache-tag-prefix, the stage name or cache-scope`,
    );
  }
  const tag = `${head}.${fitField(encodeField(f.branch), f.branch, room)}`;
  // encodeField writes only tag characters.
  if (!isValidTag(tag)) throw new Error(`internal: produced an invalid tag "${tag}"`);
  return tag;
}

export interface ParsedTag {
  prefix: string;
  target?: string;
  stage: string;
  scope?: string;
  branch: DecodedField;
}

/** A tag back into its fields, or undefined when this scheme did not write it. */
export function parseTag(tag: string): ParsedTag | undefined {
  if (!isValidTag(tag)) return undefined;
  const parts = tag.split('.');
  if (parts.length < 3 || parts.length > 5) return undefined;
  const branch = decodeField(parts[parts.length - 1]!);
  if (branch === undefined || (branch.name === '' && branch.hash === undefined)) return undefined;
  const fixed: string[] = [];
  for (const [i, part] of parts.slice(0, -1).entries()) {
    const f = part === '' && parts.length === 5 && i === 3 ? { name: '' } : decodeField(part);
    // Only the branch is ever cut, and only a bake target's scope may be empty.
    if (f === undefined || f.hash !== undefined || (f.name === '' && !(parts.length === 5 && i === 3)))
      return undefined;
    fixed.push(f.name);
  }
  const [prefix, b, c, d] = fixed as [string, string, string?, string?];
  if (parts.length === 3) return { prefix, stage: b, branch };
  if (parts.length === 4) return { prefix, stage: b, scope: c!, branch };
  return { prefix, target: b, stage: c!, ...(d !== '' ? { scope: d! } : {}), branch };
}
