// Issue 13, item 2: one tag scheme. Distinct git-valid branch names never share a
// tag, a tag parses back into its fields, and common names stay readable.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { planCleanup } from '../src/core/cleanup.js';
import { legacyCacheName } from '../src/core/legacy-tag.js';
import { cacheName } from '../src/core/plan.js';
import { decodeField, encodeField, encodeTag, MAX_TAG_LENGTH, parseTag } from '../src/core/tag.js';
import { gitAllows, HOSTILE_CHARS } from './helpers.js';

// The hostile characters of hostile-names.test.ts, plus pairs that 0.1 slugged alike (ü/u, ß/ss, İ/i).
const char = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'abcxyzABCXYZ0189'.split('')) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_CHARS) },
  { weight: 2, arbitrary: fc.constantFrom('ü', 'u', 'ß', 'ss', '日', '🚀', 'İ', 'i') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);
const branch = fc
  .oneof(
    { weight: 6, arbitrary: fc.array(char, { minLength: 1, maxLength: 30 }).map((cs) => cs.join('')) },
    { weight: 1, arbitrary: fc.array(char, { minLength: 120, maxLength: 250 }).map((cs) => cs.join('')) },
  )
  .filter(gitAllows);

describe('item 2: the tag scheme', () => {
  test('common names stay readable', () => {
    expect(cacheName('cache', 'build', 'main')).toBe('cache.build.main');
    expect(cacheName('cache', 'build', 'feature/login-form')).toBe('cache.build.feature_login-form');
    expect(cacheName('cache', 'build', 'feature/ABC-123')).toBe('cache.build.feature_ABC-123');
    expect(cacheName('cache', 'dependencies', 'release/1.2', 'linux/arm64')).toBe(
      'cache.dependencies.linux_arm64.release_1__2e_2',
    );
    expect(encodeTag({ prefix: 'cache', target: 'web', stage: 'build', branch: 'main' })).toBe('cache.web.build..main');
  });

  test('names the old scheme gave one tag now get one each', () => {
    const groups = [
      ['feature/a', 'feature-a', 'Feature/A'],
      ['über', 'uber'],
      ['!x', 'x'],
      ['a"b', 'a-b'],
      ['main', 'Main', 'main-'],
    ];
    for (const names of groups) {
      expect(new Set(names.map((b) => legacyCacheName('cache', 'build', b))).size).toBeLessThan(
        names.length + (names[0] === 'main' ? 1 : 0),
      );
      expect(new Set(names.map((b) => cacheName('cache', 'build', b))).size).toBe(names.length);
    }
  });

  test('property: distinct git-valid names never share a tag', () => {
    fc.assert(
      fc.property(branch, branch, fc.constantFrom(undefined, 'linux/arm64'), (a, b, scope) => {
        fc.pre(a !== b);
        expect(cacheName('cache', 'build', a, scope)).not.toBe(cacheName('cache', 'build', b, scope));
      }),
      { numRuns: 5000 },
    );
  });

  test('property: a tag parses back into its fields; the branch exactly unless it was cut', () => {
    fc.assert(
      fc.property(
        branch,
        fc.constantFrom('build', 'deps.v2', 'b@d', '$x'),
        fc.constantFrom(undefined, 'linux/arm64', 'node 20'),
        fc.constantFrom(undefined, 'web', 'api_v1'),
        (b, stage, scope, target) => {
          const tag = encodeTag({
            prefix: 'cache',
            stage,
            branch: b,
            ...(scope ? { scope } : {}),
            ...(target ? { target } : {}),
          });
          expect(tag.length).toBeLessThanOrEqual(MAX_TAG_LENGTH);
          expect(tag).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
          const parsed = parseTag(tag);
          expect(parsed).toBeDefined();
          expect([parsed!.prefix, parsed!.target, parsed!.stage, parsed!.scope]).toEqual([
            'cache',
            target,
            stage,
            scope,
          ]);
          if (parsed!.branch.hash === undefined) expect(parsed!.branch.name).toBe(b);
          else expect(b.startsWith(parsed!.branch.name)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('property: a field decodes to what it encodes, and nothing else decodes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => {
        expect(decodeField(encodeField(s))?.name).toBe(s);
      }),
      { numRuns: 3000 },
    );
    for (const foreign of ['cache-build-main', 'a__zz_b', 'a__2e', 'latest', 'x..y.z', 'a.b'])
      expect(parseTag(foreign)).toBeUndefined();
  });

  test("property: neither branch's cleanup deletes the tags the other writes", () => {
    const event = {
      eventName: 'delete',
      ref: 'refs/heads/main',
      payload: { repository: { default_branch: 'main' }, ref_type: 'branch' },
    };
    fc.assert(
      fc.property(branch, branch, (a, b) => {
        fc.pre(a !== b && a !== 'main' && b !== 'main');
        const gone = planCleanup({
          event: { ...event, payload: { ...event.payload, ref: a } },
          prefix: 'cache',
          stages: ['build', 'dependencies'],
          protectedBranches: [],
        });
        const live = ['build', 'dependencies'].map((s) => cacheName('cache', s, b));
        for (const t of gone.tags) expect(live).not.toContain(t);
      }),
      { numRuns: 1000 },
    );
  });

  test('a stage name that is not tag-safe is encoded, not an internal error (item 11)', () => {
    expect(cacheName('cache', 'b@d', 'main')).toBe('cache.b__40_d.main');
    expect(parseTag(cacheName('cache', '$x', 'main'))?.stage).toBe('$x');
  });
});
