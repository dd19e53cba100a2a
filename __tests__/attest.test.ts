// `--attest` values from provenance, sbom and attests. The oracle is
// build-push-action's own rule (its getAttestArgs, restated below in a few
// lines) over @docker/actions-toolkit's Build helpers, which it calls, with
// the same workflow run in the environment.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { attestValues, githubRun, type AttestInputs } from '../src/core/attest.js';
import { outputsFiles, outputsToDocker } from '../src/core/outputs.js';

const ENV = {
  GITHUB_ACTIONS: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/app',
  GITHUB_RUN_ID: '123',
  GITHUB_RUN_ATTEMPT: '2',
};
const RUN_URL = 'https://github.com/acme/app/actions/runs/123/attempts/2';

type Toolkit = typeof import('@docker/actions-toolkit/lib/buildx/build.js');
let Build: Toolkit['Build'];

beforeAll(async () => {
  // The toolkit reads the run from the environment (and the repository from its GitHub context).
  Object.assign(process.env, ENV);
  Build = (await import('@docker/actions-toolkit/lib/buildx/build.js')).Build;
});

afterAll(async () => {
  // The toolkit made a directory of its own when loaded (Context.tmpDir(), docker-actions-toolkit-XXXXXX).
  const { Context } = await import('@docker/actions-toolkit/lib/context.js');
  rmSync(Context.tmpDir(), { recursive: true, force: true });
});

/** build-push-action's rule for the provenance input (getProvenanceInput) and its --attest values. */
function oracle(a: AttestInputs, privateRepository: boolean): string[] {
  const bool = ['true', 'True', 'TRUE', 'false', 'False', 'FALSE'];
  const provenance = !a.provenance
    ? ''
    : bool.includes(a.provenance)
      ? a.provenance.toLowerCase() === 'true'
        ? `builder-id=${RUN_URL}`
        : 'false'
      : Build.resolveProvenanceAttrs(a.provenance);
  const out: string[] = [];
  const inAttests = a.attests.some((x) => Build.hasAttestationType('provenance', x));
  if (provenance) out.push(Build.resolveAttestationAttrs(`type=provenance,${provenance}`));
  else if (!inAttests && !a.noDefault && !a.toDocker)
    out.push(
      `type=provenance,${Build.resolveProvenanceAttrs(privateRepository ? 'mode=min,inline-only=true' : 'mode=max')}`,
    );
  if (a.sbom) out.push(Build.resolveAttestationAttrs(`type=sbom,${a.sbom}`));
  for (const x of a.attests) {
    if (!Build.hasAttestationType('provenance', x) && !Build.hasAttestationType('sbom', x))
      out.push(Build.resolveAttestationAttrs(x));
    else if (!provenance && Build.hasAttestationType('provenance', x)) out.push(Build.resolveProvenanceAttrs(x));
    else if (!a.sbom && Build.hasAttestationType('sbom', x)) out.push(x);
  }
  return out;
}

const NONE: AttestInputs = { provenance: undefined, sbom: undefined, attests: [], toDocker: false, noDefault: false };

const CASES: [string, Partial<AttestInputs>][] = [
  ['nothing asked: the default provenance', {}],
  ['provenance true', { provenance: 'true' }],
  ['provenance false', { provenance: 'false' }],
  ['provenance attributes', { provenance: 'mode=max' }],
  ['provenance with its own builder id', { provenance: 'mode=min,builder-id=https://example.com/b' }],
  ['sbom true', { sbom: 'true' }],
  ['sbom attributes', { sbom: 'generator=docker/scout-sbom-indexer:1' }],
  ['attests of another type', { attests: ['type=custom,foo=bar'] }],
  ['attests with provenance and sbom', { attests: ['type=provenance,mode=max', 'type=sbom'] }],
  [
    'inputs win over attests',
    { provenance: 'false', sbom: 'false', attests: ['type=provenance,mode=max', 'type=sbom'] },
  ],
  ['loaded into Docker: no default', { toDocker: true }],
  ['BUILDX_NO_DEFAULT_ATTESTATIONS', { noDefault: true }],
  ['a bare boolean attribute', { attests: ['type=custom,true'] }],
];

describe('attestValues, as build-push-action', () => {
  for (const privateRepository of [false, true]) {
    test.each(CASES)(`${privateRepository ? 'private' : 'public'}: %s`, (_name, over) => {
      const a = { ...NONE, ...over };
      const run = githubRun(ENV, privateRepository);
      expect(attestValues(a, run)).toEqual(oracle(a, privateRepository));
    });
  }

  test('the defaults spelled out', () => {
    expect(attestValues(NONE, githubRun(ENV, false))).toEqual([`type=provenance,mode=max,builder-id=${RUN_URL}`]);
    expect(attestValues(NONE, githubRun(ENV, true))).toEqual([
      `type=provenance,mode=min,inline-only=true,builder-id=${RUN_URL}`,
    ]);
    expect(attestValues({ ...NONE, provenance: 'false' }, undefined)).toEqual(['type=provenance,disabled=true']);
  });

  test('outside GitHub Actions: no run, no default, no builder id', () => {
    expect(githubRun({ ...ENV, GITHUB_ACTIONS: undefined }, false)).toBeUndefined();
    expect(attestValues(NONE, undefined)).toEqual([]);
    expect(attestValues({ ...NONE, provenance: 'mode=max' }, undefined)).toEqual(['type=provenance,mode=max']);
    expect(attestValues({ ...NONE, provenance: 'true' }, undefined)).toEqual(['type=provenance,disabled=false']);
  });
});

describe('githubRun: the workflow run from the runner variables', () => {
  test('the run URL names the attempt, the first when the runner does not say', () => {
    expect(githubRun(ENV, true)).toEqual({ url: RUN_URL, privateRepository: true });
    const firstAttempt = 'https://github.com/acme/app/actions/runs/123/attempts/1';
    expect(githubRun({ ...ENV, GITHUB_RUN_ATTEMPT: undefined }, false)).toEqual({
      url: firstAttempt,
      privateRepository: false,
    });
    expect(githubRun({ ...ENV, GITHUB_RUN_ATTEMPT: '' }, false)?.url).toEqual(firstAttempt);
  });

  test('no run without each of the server, the repository and the run id, nor outside GitHub Actions', () => {
    const without = ['GITHUB_SERVER_URL', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID'].map((k) => ({ ...ENV, [k]: '' }));
    expect([...without, { ...ENV, GITHUB_ACTIONS: 'false' }].map((env) => githubRun(env, false))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('attestValues: how each item is read', () => {
  const run = githubRun(ENV, false);

  test('provenance true and false in any of their spellings', () => {
    for (const yes of ['true', 'True', 'TRUE']) {
      expect(attestValues({ ...NONE, provenance: yes }, run)).toEqual([`type=provenance,builder-id=${RUN_URL}`]);
    }
    for (const no of ['false', 'False', 'FALSE']) {
      expect(attestValues({ ...NONE, provenance: no }, run)).toEqual(['type=provenance,disabled=true']);
    }
  });

  test("an attests item's type is found wherever it is, spaces around its = or not", () => {
    const item = 'mode=max, type = provenance';
    expect(attestValues({ ...NONE, attests: [item] }, run)).toEqual([`${item},builder-id=${RUN_URL}`]);
    expect(attestValues({ ...NONE, attests: [item] }, run)).toEqual(oracle({ ...NONE, attests: [item] }, false));
  });

  test('an item with no type, or a type without a value, is passed on as another type', () => {
    expect(attestValues({ ...NONE, attests: ['foo=bar'] }, undefined)).toEqual(['foo=bar']);
    expect(attestValues({ ...NONE, attests: ['type,foo=bar'] }, undefined)).toEqual(['type,foo=bar']);
  });

  test('a builder id the provenance names, spaces around its = or not, is kept', () => {
    const provenance = 'mode=max, builder-id = https://example.com/b';
    expect(attestValues({ ...NONE, provenance }, run)).toEqual([
      `type=provenance,mode=max,builder-id = https://example.com/b`,
    ]);
  });

  test('provenance and sbom inputs drop the attests items of their type', () => {
    const attests = ['type=provenance,mode=max', 'type=sbom,generator=x', 'type=custom'];
    expect(attestValues({ ...NONE, provenance: 'mode=min', sbom: 'true', attests }, undefined)).toEqual([
      'type=provenance,mode=min',
      'type=sbom,disabled=false',
      'type=custom',
    ]);
  });

  test('the provenance input alone drops the provenance items of attests, and keeps the sbom ones', () => {
    const attests = ['type=provenance,mode=max', 'type=sbom,generator=x'];
    expect(attestValues({ ...NONE, provenance: 'false', attests }, run)).toEqual([
      'type=provenance,disabled=true',
      'type=sbom,generator=x',
    ]);
  });

  test('an item that does not read as attributes is an error of attests', () => {
    expect(() => attestValues({ ...NONE, attests: ['type=custom,"x'] }, undefined)).toThrow(/^attests: /);
  });
});

describe('outputsToDocker', () => {
  test('a type=docker output, in any spacing; others not', () => {
    expect(outputsToDocker(['type=docker,dest=x'])).toBe(true);
    expect(outputsToDocker(['dest=x, type = docker'])).toBe(true);
    expect(outputsToDocker(['type=local,dest=out', 'type=image,push=true'])).toBe(false);
    expect(outputsToDocker([])).toBe(false);
  });

  test('files as the result: local (also with no type) and tar; not image, docker or oci', () => {
    expect(['type=local,dest=out', 'dest=out', 'type=tar,dest=x.tar'].map((o) => outputsFiles([o]))).toEqual([
      true,
      true,
      true,
    ]);
    expect(['type=image,push=true', 'type=docker', 'type=oci,dest=x'].map((o) => outputsFiles([o]))).toEqual([
      false,
      false,
      false,
    ]);
  });
});
