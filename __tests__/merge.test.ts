// Merge mode's pure parts (src/core/merge.ts): digests read and checked, the
// imagetools argument lists, and what inspect printed. The run itself, on a
// real engine and registry: e2e/multiplatform.test.ts.
import { describe, expect, test } from '@jest/globals';
import { InputError } from '../src/core/errors.js';
import { chooseMode, unusedInputs } from '../src/core/modes.js';
import {
  imagetoolsCreateArgs,
  imagetoolsInspectArgs,
  mergeConfig,
  parseDigests,
  parsePushedList,
  repeatedPlatforms,
} from '../src/core/merge.js';
import { inputSpec } from '../src/core/input-table.js';
import { thrown } from './helpers.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const get = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';

function inputError(f: () => unknown): InputError {
  const e = thrown(f);
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe('parseDigests', () => {
  test('bare digests are in `image`; lines and commas both separate them', () => {
    expect(parseDigests(`${A}\n${B}`, 'ghcr.io/acme/app').sources).toEqual([
      `ghcr.io/acme/app@${A}`,
      `ghcr.io/acme/app@${B}`,
    ]);
    expect(parseDigests(` ${A} , ${B} `, 'ghcr.io/acme/app').sources).toHaveLength(2);
  });

  test('repository@digest keeps its repository, lower-cased as image is', () => {
    expect(parseDigests(`ghcr.io/Acme/app@${A}`, undefined).sources).toEqual([`ghcr.io/acme/app@${A}`]);
    expect(parseDigests(`ghcr.io/acme/other@${A},${B}`, 'ghcr.io/acme/app').sources).toEqual([
      `ghcr.io/acme/other@${A}`,
      `ghcr.io/acme/app@${B}`,
    ]);
  });

  test('a digest given twice is merged once, and said', () => {
    expect(parseDigests(`${A}\n${B}\nghcr.io/acme/app@${A}`, 'ghcr.io/acme/app')).toEqual({
      sources: [`ghcr.io/acme/app@${A}`, `ghcr.io/acme/app@${B}`],
      duplicates: [`ghcr.io/acme/app@${A}`],
    });
  });

  test.each([
    ['sha256:abc', 'too short'],
    [`sha256:${'A'.repeat(64)}`, 'upper case'],
    [`sha512:${'a'.repeat(128)}`, 'another algorithm'],
    ['a'.repeat(64), 'no algorithm'],
    [`ghcr.io/acme/app:${'a'.repeat(64)}`, 'a tag, not a digest'],
    ['${{ needs.image.outputs.digest }}', 'an expression the runner left as it was'],
  ])('%s (%s) is one error naming digests and the item', (item) => {
    const e = inputError(() => parseDigests(`${A}\n${item}`, 'ghcr.io/acme/app'));
    expect(e.input).toBe('digests');
    expect(e.message).toMatch(/^digests: item 2, ".*", is not an image digest: give sha256: and 64 lower-case hex/);
  });

  test('a bad repository before @ names digests and what is wrong', () => {
    const e = inputError(() => parseDigests(`ghcr.io/acme/app:1.0@${A}`, undefined));
    expect(e.message).toMatch(/^digests: item 1: the repository before @ is not one: ".*" has a tag/);
  });

  test('none at all, or a bare digest without image, says which input to set', () => {
    expect(inputError(() => parseDigests(' \n , ', 'ghcr.io/acme/app')).message).toMatch(
      /^digests: is required with merge: true/,
    );
    const e = inputError(() => parseDigests(`ghcr.io/acme/app@${A}\n${B}`, undefined));
    expect(e.message).toMatch(/^image: is required with merge: true when digests has a bare digest \(item 2\)/);
  });

  test('a long bad item is cut in the error', () => {
    expect(inputError(() => parseDigests('x'.repeat(500), 'a/b')).message.length).toBeLessThan(300);
  });
});

describe('mergeConfig', () => {
  const inputs = { merge: 'true', image: 'ghcr.io/acme/app', digests: `${A}\n${B}`, tags: 'ghcr.io/acme/app:1.0' };

  test('the sources, tags and builder', () => {
    expect(mergeConfig(get({ ...inputs, tags: 'ghcr.io/acme/app:1.0,ghcr.io/acme/app:latest', builder: 'b' }))).toEqual(
      {
        sources: [`ghcr.io/acme/app@${A}`, `ghcr.io/acme/app@${B}`],
        duplicates: [],
        tags: ['ghcr.io/acme/app:1.0', 'ghcr.io/acme/app:latest'],
        builder: 'b',
      },
    );
  });

  test('tags are required, and a digest is not a tag', () => {
    expect(inputError(() => mergeConfig(get({ ...inputs, tags: '' }))).message).toMatch(
      /^tags: is required with merge: true/,
    );
    expect(inputError(() => mergeConfig(get({ ...inputs, tags: `ghcr.io/acme/app@${A}` }))).input).toBe('tags');
  });

  test('a bad image is the image error as in a build', () => {
    expect(inputError(() => mergeConfig(get({ ...inputs, image: 'ghcr.io/acme/app:1.0' }))).input).toBe('image');
  });
});

describe('merge as a mode', () => {
  test('a switch of its own; not with cleanup', () => {
    expect(chooseMode(get({ merge: 'true' }))).toBe('merge');
    expect(inputError(() => chooseMode(get({ merge: 'true', cleanup: 'true' }))).message).toMatch(
      /both true: a step does one of them/,
    );
  });

  test('reads image, tags, builder and its own inputs; build inputs given to it are pointed out', () => {
    for (const name of ['image', 'tags', 'builder', 'digests']) expect(inputSpec(name).modes).toContain('merge');
    const given = { merge: 'true', image: 'a/b', tags: 'a/b:1', digests: A, push: 'true', 'github-token': 'ghs_x' };
    expect(unusedInputs('merge', get(given))).toEqual(['push']);
  });
});

describe('imagetools argument lists', () => {
  const m = { sources: [`r/a@${A}`, `r/a@${B}`], duplicates: [], tags: ['r/a:1', 'r/a:latest'], builder: undefined };

  test('create: a --tag per tag, then the sources; the builder before the subcommand', () => {
    expect(imagetoolsCreateArgs(m)).toEqual([
      'buildx',
      'imagetools',
      'create',
      '--tag',
      'r/a:1',
      '--tag',
      'r/a:latest',
      `r/a@${A}`,
      `r/a@${B}`,
    ]);
    expect(imagetoolsCreateArgs({ ...m, builder: 'ci' }).slice(0, 4)).toEqual([
      'buildx',
      '--builder',
      'ci',
      'imagetools',
    ]);
  });

  test('inspect prints the top manifest as JSON', () => {
    expect(imagetoolsInspectArgs(undefined, 'r/a:1')).toEqual([
      'buildx',
      'imagetools',
      'inspect',
      '--format',
      '{{json .Manifest}}',
      'r/a:1',
    ]);
  });
});

describe('parsePushedList', () => {
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    digest: A,
    manifests: [
      { digest: B, platform: { os: 'linux', architecture: 'amd64' } },
      {
        digest: B,
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        platform: { os: 'unknown', architecture: 'unknown' },
      },
      { digest: B, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    ],
  };

  test('the digest, the platforms without the attestations, even with a warning line before the JSON', () => {
    const list = parsePushedList(`WARNING: something\n${JSON.stringify(index, null, 2)}\n`);
    expect(list).toEqual({
      digest: A,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      platforms: ['linux/amd64', 'linux/arm/v7'],
      attestations: 1,
    });
    expect(repeatedPlatforms(list)).toEqual([]);
  });

  test('a platform twice is found', () => {
    const twice = { ...index, manifests: [index.manifests[0], index.manifests[0]] };
    expect(repeatedPlatforms(parsePushedList(JSON.stringify(twice)))).toEqual(['linux/amd64']);
  });

  test('no JSON, or no digest in it, is an error quoting what was printed', () => {
    expect(() => parsePushedList('ERROR: not found')).toThrow(/printed no manifest with a digest: ERROR: not found/);
    expect(() => parsePushedList('{"digest":"sha256:short"}')).toThrow(/printed no manifest/);
    expect(() => parsePushedList('{ not json }')).toThrow(/printed no manifest/);
  });
});

describe('merge: each input read as written', () => {
  const base = { merge: 'true', digests: `ghcr.io/acme/app@${A}`, tags: 'ghcr.io/acme/app:1.0' };

  test('no image, or only blanks: none, when every digest names its repository; a builder of blanks is none', () => {
    for (const image of ['', '  ']) {
      expect(mergeConfig(get({ ...base, image, builder: '  ' }))).toEqual({
        sources: [`ghcr.io/acme/app@${A}`],
        duplicates: [],
        tags: ['ghcr.io/acme/app:1.0'],
        builder: undefined,
      });
    }
    expect(mergeConfig(get({ ...base, builder: ' b1 ' })).builder).toBe('b1');
    expect(mergeConfig(get({ ...base, image: ' ghcr.io/Acme/app ', digests: A })).sources).toEqual([
      `ghcr.io/acme/app@${A}`,
    ]);
  });

  test('each refusal in full', () => {
    const message = (inputs: Record<string, string>) => inputError(() => mergeConfig(get(inputs))).message;
    expect(message({ ...base, digests: 'nope' })).toBe(
      'digests: item 1, "nope", is not an image digest: give sha256: and 64 lower-case hex digits ' +
        "(a platform job's `digest` output), or <repository>@sha256:...",
    );
    expect(message({ ...base, digests: `${A},${B}` })).toBe(
      'image: is required with merge: true when digests has a bare digest (item 1): ' +
        'the repository the platform jobs pushed to, e.g. ghcr.io/acme/app',
    );
    expect(message({ ...base, digests: `ghcr.io/acme/App:1@${A}` })).toBe(
      'digests: item 1: the repository before @ is not one: "ghcr.io/acme/App:1" has a tag: remove ":1", ' +
        'the action adds its own cache tags',
    );
    expect(message({ ...base, tags: `ghcr.io/acme/app@${A}` })).toBe(
      `tags: "ghcr.io/acme/app@${A}" has a digest: a manifest list is pushed to a tag`,
    );
    expect(message({ ...base, digests: '"x' })).toMatch(/^digests: a double quote is not closed/);
    expect(message({ ...base, tags: '"x' })).toMatch(/^tags: a double quote is not closed/);
  });

  test('an item quoted in an error is cut after 100 characters', () => {
    const at100 = 'x'.repeat(100);
    expect(inputError(() => parseDigests(at100, undefined)).message).toContain(`item 1, "${at100}", is not`);
    expect(inputError(() => parseDigests(`${at100}y`, undefined)).message).toContain(`item 1, "${at100}...", is not`);
  });
});

describe('parsePushedList: what inspect printed, read loosely', () => {
  test('lines before and after the JSON are skipped', () => {
    const json = JSON.stringify({ digest: A, mediaType: 'm', manifests: [] });
    expect(parsePushedList(`x${json}\nWARNING: later\n`)).toEqual({
      digest: A,
      mediaType: 'm',
      platforms: [],
      attestations: 0,
    });
  });

  test('no media type, no manifests, an entry without a platform: empty values, no error', () => {
    expect(parsePushedList(JSON.stringify({ digest: A, mediaType: 7 }))).toEqual({
      digest: A,
      mediaType: '',
      platforms: [],
      attestations: 0,
    });
    expect(parsePushedList(JSON.stringify({ digest: A, manifests: [{ digest: B }] })).platforms).toEqual(['']);
  });

  test('the error quotes what was printed, trimmed, at most 300 characters', () => {
    expect(thrown(() => parsePushedList(`  ${'e'.repeat(400)}  `)).message).toBe(
      `imagetools inspect printed no manifest with a digest: ${'e'.repeat(300)}`,
    );
    expect(thrown(() => parsePushedList('{"digest": 7}')).message).toBe(
      'imagetools inspect printed no manifest with a digest: {"digest": 7}',
    );
  });
});
