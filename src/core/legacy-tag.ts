// The tag scheme before tag.ts: `<prefix>-<stage>[-<scope>]-<branch slug>`, with
// lossy slugs that distinct branches could share. Nothing writes it any more; a
// branch that has no cache in the current scheme imports its old tags once (so
// the upgrade does not start it cold), and cleanup deletes them.
import { fitSlug, MAX_TAG_LENGTH, shortHash, slugifyBranch, slugifyName } from './slug.js';

export function legacyCacheName(
  prefix: string,
  stage: string,
  branch: string,
  scope?: string,
  defaultBranch?: string,
): string | undefined {
  const head =
    [prefix, stage, scope === undefined ? undefined : slugifyName(scope)]
      .filter((p) => p !== undefined && p !== '')
      .join('-') + '-';
  const room = MAX_TAG_LENGTH - head.length;
  try {
    let slug = fitSlug(slugifyBranch(branch), branch, room);
    if (
      defaultBranch !== undefined &&
      branch !== defaultBranch &&
      slug === fitSlug(slugifyBranch(defaultBranch), defaultBranch, room)
    ) {
      slug = fitSlug(`${slug}-${shortHash(branch)}`, branch, room);
    }
    return head + slug;
  } catch {
    return undefined; // no room: the old scheme refused such names, so no such tag exists
  }
}
