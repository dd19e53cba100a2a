import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { CacheEntry } from '../src/core/plan.js';
import { classifyProbe, selectImports, type ProbeResult, type RefState } from '../src/core/probe.js';

const REF = 'ghcr.io/acme/app:cache.build.feature_x';

describe('classifyProbe: what `docker buildx imagetools inspect --raw` answered', () => {
  test('exit 0: the ref exists', () => {
    expect(classifyProbe(REF, 0, '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"}')).toEqual({
      ref: REF,
      state: 'exists',
    });
  });

  test.each([
    ['docker hub / ghcr tag missing', `ERROR: ${REF}: not found\n`],
    [
      'a registry that says manifest unknown',
      'ERROR: unexpected status code 404: manifest unknown: manifest unknown\n',
    ],
    ['a repository that was never pushed', 'ERROR: name unknown: repository name not known to registry\n'],
    ['Not Found in capitals', 'ERROR: failed to resolve: GET https://r.example/v2/app/manifests/x: 404 Not Found'],
  ])('non-zero exit with a not-found answer is missing: %s', (_, output) => {
    expect(classifyProbe(REF, 1, output)).toEqual({ ref: REF, state: 'missing' });
  });

  test('401: unknown, with the last line (less its ERROR:) as the detail', () => {
    const output = [
      'WARNING: some earlier line',
      'ERROR: failed to authorize: failed to fetch oauth token: unexpected status from POST request to https://ghcr.io/token: 401 Unauthorized',
      '',
    ].join('\n');
    expect(classifyProbe(REF, 1, output)).toEqual({
      ref: REF,
      state: 'unknown',
      detail:
        'failed to authorize: failed to fetch oauth token: unexpected status from POST request to https://ghcr.io/token: 401 Unauthorized',
    });
  });

  test('connection refused: unknown, with the last line as the detail', () => {
    const output =
      'ERROR: failed to do request: Head "https://127.0.0.1:5000/v2/app/manifests/cache.build.main": dial tcp 127.0.0.1:5000: connect: connection refused\n\n';
    const r = classifyProbe('127.0.0.1:5000/app:cache.build.main', 1, output);
    expect(r.state).toBe('unknown');
    expect(r.detail).toBe(
      'failed to do request: Head "https://127.0.0.1:5000/v2/app/manifests/cache.build.main": dial tcp 127.0.0.1:5000: connect: connection refused',
    );
  });

  test('a "404" inside a name, a port or a digest is not a 404 answer', () => {
    // The tag of branch fix-404-page, echoed back in a connection error: that ref could not be checked.
    const tag = '127.0.0.1:5000/app:cache.build.fix-404-page';
    const refused = `ERROR: failed to do request: Head "https://127.0.0.1:5000/v2/app/manifests/cache.build.fix-404-page": dial tcp 127.0.0.1:5000: connect: connection refused`;
    expect(classifyProbe(tag, 1, refused).state).toBe('unknown');
    expect(classifyProbe('r.example:8404/app:x', 1, 'ERROR: dial tcp 10.0.0.9:8404: i/o timeout').state).toBe(
      'unknown',
    );
    expect(classifyProbe(REF, 1, 'ERROR: unexpected status code 404').state).toBe('missing');
  });

  test('timed out: unknown, whatever the output so far', () => {
    expect(classifyProbe(REF, null, '', true)).toEqual({ ref: REF, state: 'unknown', detail: 'timed out' });
    expect(classifyProbe(REF, null, 'ERROR: x: not found', true)).toEqual({
      ref: REF,
      state: 'unknown',
      detail: 'timed out',
    });
  });

  test('a failure without output names the exit code', () => {
    expect(classifyProbe(REF, 125, '\n  \n')).toEqual({ ref: REF, state: 'unknown', detail: 'exit code 125' });
    expect(classifyProbe(REF, null, '')).toEqual({ ref: REF, state: 'unknown', detail: 'exit code null' });
  });
});

function entry(branch: string, stage = 'build'): CacheEntry {
  const name = `cache-${stage}-${branch}`;
  return { branch, stage, name, ref: `ghcr.io/acme/app:${name}` };
}

function result(e: CacheEntry, state: RefState, detail?: string): ProbeResult {
  return detail === undefined ? { ref: e.ref, state } : { ref: e.ref, state, detail };
}

describe('selectImports', () => {
  const own = entry('feature-x');
  const ownDeps = entry('feature-x', 'deps');
  const main = entry('main');
  const mainDeps = entry('main', 'deps');
  const entries = [own, ownDeps, main, mainDeps];

  test('keeps the refs that exist and those that could not be checked, in plan order; drops the missing', () => {
    const results = [
      result(mainDeps, 'exists'),
      result(own, 'missing'),
      result(main, 'unknown', '401 Unauthorized'),
      result(ownDeps, 'exists'),
    ];
    const s = selectImports(entries, results);
    expect(s.imports).toEqual([ownDeps, main, mainDeps]);
    expect(s.cold).toBe(false);
    expect(s.unreadable).toEqual([{ ref: main.ref, state: 'unknown', detail: '401 Unauthorized' }]);
    expect(s.states.get(own.ref)?.state).toBe('missing');
    expect(s.states.get(main.ref)?.detail).toBe('401 Unauthorized');
    expect(s.states.size).toBe(4);
  });

  test('nothing exists and everything was checked: cold, nothing imported', () => {
    const s = selectImports(
      entries,
      entries.map((e) => result(e, 'missing')),
    );
    expect(s.imports).toEqual([]);
    expect(s.cold).toBe(true);
    expect(s.unreadable).toEqual([]);
  });

  test('nothing exists but one ref could not be checked: not cold (it may exist), and it is imported', () => {
    const s = selectImports(entries, [
      result(own, 'missing'),
      result(ownDeps, 'missing'),
      result(main, 'missing'),
      result(mainDeps, 'unknown', 'timed out'),
    ]);
    expect(s.cold).toBe(false);
    expect(s.imports).toEqual([mainDeps]);
    expect(s.unreadable.map((r) => r.ref)).toEqual([mainDeps.ref]);
  });

  test('one ref exists: not cold', () => {
    const s = selectImports(entries, [
      result(own, 'missing'),
      result(ownDeps, 'missing'),
      result(main, 'exists'),
      result(mainDeps, 'missing'),
    ]);
    expect(s.cold).toBe(false);
    expect(s.imports).toEqual([main]);
  });

  test('a ref with no probe answer is still imported', () => {
    const s = selectImports(entries, [result(own, 'missing')]);
    expect(s.imports).toEqual([ownDeps, main, mainDeps]);
  });

  test('property: imports = the entries not missing, in order; cold iff every answer is missing', () => {
    const state = fc.constantFrom<RefState>('exists', 'missing', 'unknown');
    fc.assert(
      fc.property(fc.array(state, { minLength: 1, maxLength: 8 }), (states) => {
        const es = states.map((_, i) => entry(`b${i}`));
        const s = selectImports(
          es,
          es.map((e, i) => result(e, states[i]!)),
        );
        expect(s.imports).toEqual(es.filter((_, i) => states[i] !== 'missing'));
        expect(s.cold).toBe(states.every((x) => x === 'missing'));
        expect(s.unreadable).toHaveLength(states.filter((x) => x === 'unknown').length);
      }),
    );
  });
});

describe('probe: more edges', () => {
  test('the detail drops only a leading ERROR: and the blanks after it', () => {
    const detail = (line: string) => classifyProbe(REF, 1, `${line}\n`).detail;
    expect([detail('ERROR:denied'), detail('ERROR:   denied'), detail('x ERROR: denied')]).toEqual([
      'denied',
      'denied',
      'x ERROR: denied',
    ]);
  });

  test("of two diverging refs, this branch's wins over a newer one of a fallback branch", () => {
    const own = entry('feature-x');
    const main = entry('main');
    const content = (records: Record<string, number>) => ({ records: new Map(Object.entries(records)) });
    const results: ProbeResult[] = [
      { ref: own.ref, state: 'exists', content: content({ base: 1, own: 2 }) },
      { ref: main.ref, state: 'exists', content: content({ base: 1, main: 99 }) },
    ];
    const selection = selectImports([own, main], results);
    expect(selection.imports.map((e) => e.ref)).toEqual([own.ref]);
    expect(selection.verdicts.get(main.ref)).toEqual({
      ref: main.ref,
      imported: false,
      why: 'diverges',
      other: own.ref,
    });
  });
});
