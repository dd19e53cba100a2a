// Branch names -> strings that are always valid inside a Docker tag.
// A tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; we also lower-case, so two
// spellings of one branch share a cache.
import { createHash } from 'node:crypto';
import slugifyLib from 'slugify';

export const MAX_TAG_LENGTH = 128;
const HASH_LENGTH = 8;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A short, stable hash of the untouched name: keeps lossy slugs apart. */
export function shortHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** Transliterate one non-ASCII character (ü -> u, ß -> ss), or '' when slugify knows none. */
function transliterate(ch: string): string {
  // slugify alone deletes '/' and keeps '"', so it only ever sees single non-ASCII characters.
  return slugifyLib(ch, { lower: true, strict: true, trim: true });
}

function tidy(s: string): string {
  return s
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+/, '')
    .replace(/[-.]+$/, '');
}

/**
 * The branch as a tag-safe slug, before any length limit: lower case,
 * [a-z0-9._-] only, runs of '-' collapsed, no leading or trailing '-' or '.'.
 * Characters that cannot be transliterated (CJK, emoji) would otherwise vanish
 * and make different branches collide, so their presence adds a hash.
 */
export function slugifyBranch(branch: string): string {
  let out = '';
  let lost = false;
  for (const ch of branch) {
    if (/^[A-Za-z0-9._-]$/.test(ch)) {
      out += ch.toLowerCase();
    } else if (ch.charCodeAt(0) < 0x80) {
      out += '-';
    } else {
      const t = transliterate(ch);
      if (t === '') lost = true;
      out += t === '' ? '-' : `${t}`;
    }
  }
  out = tidy(out);
  if (lost || out === '') out = tidy(`${out}-${shortHash(branch)}`);
  return out;
}

/**
 * Cut a slug to at most `max` characters. A slug that had to be cut ends in a
 * hash of the full branch name, so two long names never share a tag.
 */
export function fitSlug(slug: string, branch: string, max: number): string {
  if (max < HASH_LENGTH + 2) {
    throw new Error(`no room for a branch slug in a ${MAX_TAG_LENGTH}-character tag (${max} characters left)`);
  }
  if (slug.length <= max) return slug;
  const head = tidy(slug.slice(0, max - HASH_LENGTH - 1));
  return head === '' ? shortHash(branch) : `${head}-${shortHash(branch)}`;
}

/** Sanitize a free-form name part (a cache scope such as `linux/arm64`) the same way as a branch. */
export const slugifyName = slugifyBranch;
