// `call: check` findings from buildx's metadata file (a real capture, buildx 0.29).
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFindings, findingLine } from '../src/core/check-result.js';

const CAPTURE = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'call', 'check-0.29-metadata.json'), 'utf8'),
) as Record<string, unknown>;

describe('checkFindings', () => {
  test("a FROM ... as casing finding, with its rule, place and the rule's page", () => {
    const found = checkFindings(CAPTURE);
    expect(found).toEqual([
      {
        rule: 'FromAsCasing',
        detail: "'as' and 'FROM' keywords' casing do not match",
        where: 'Dockerfile:1',
        url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
      },
    ]);
    expect(found.map(findingLine)).toEqual([
      "FromAsCasing (Dockerfile:1): 'as' and 'FROM' keywords' casing do not match " +
        'https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
    ]);
  });

  test("a build's metadata, or a malformed one, has no findings", () => {
    expect(checkFindings({ 'containerimage.digest': 'sha256:x' })).toEqual([]);
    expect(checkFindings({ 'result.json': 'text' })).toEqual([]);
    expect(checkFindings({ 'result.json': { warnings: [null, 3, { description: 'only a description' }] } })).toEqual([
      { rule: 'check', detail: 'only a description', where: undefined, url: undefined },
    ]);
  });
});

describe('checkFindings: each field, and what it falls back to', () => {
  const meta = (warnings: unknown, sources?: unknown) => ({ 'result.json': { warnings, sources } });
  const at = (line: unknown) => ({ ranges: [{ start: { line } }] });

  test('a place needs both a line and the source file', () => {
    const w = { ruleName: 'R', detail: 'd', location: at(3) };
    expect(checkFindings(meta([w], [{ filename: 'Dockerfile.dev' }]))[0]?.where).toBe('Dockerfile.dev:3');
    expect(checkFindings(meta([w]))[0]?.where).toBeUndefined();
    expect(checkFindings(meta([w], []))[0]?.where).toBeUndefined();
    expect(checkFindings(meta([w], [{ filename: 7 }]))[0]?.where).toBeUndefined();
    expect(checkFindings(meta([w], 'Dockerfile'))[0]?.where).toBeUndefined();
    const noLine = { ruleName: 'R', detail: 'd', location: at('3') };
    expect(checkFindings(meta([noLine], [{ filename: 'Dockerfile' }]))[0]?.where).toBeUndefined();
    expect(checkFindings(meta([{ ruleName: 'R' }], [{ filename: 'Dockerfile' }]))[0]?.where).toBeUndefined();
    // A location cut short at any depth: no place, and no error.
    for (const location of [{}, { ranges: [] }, { ranges: [{}] }, { ranges: [{ start: {} }] }]) {
      expect(checkFindings(meta([{ ruleName: 'R', location }], [{ filename: 'Dockerfile' }]))).toEqual([
        { rule: 'R', detail: '', where: undefined, url: undefined },
      ]);
    }
  });

  test('the detail, else the description; the url only when it is text', () => {
    expect(checkFindings(meta([{ ruleName: 'R', detail: 'the detail', description: 'the rule', url: 'u' }]))).toEqual([
      { rule: 'R', detail: 'the detail', where: undefined, url: 'u' },
    ]);
    expect(checkFindings(meta([{ ruleName: 'R', detail: '', description: 'the rule', url: 3 }]))).toEqual([
      { rule: 'R', detail: 'the rule', where: undefined, url: undefined },
    ]);
    expect(checkFindings(meta([{ ruleName: 7 }]))).toEqual([
      { rule: 'check', detail: '', where: undefined, url: undefined },
    ]);
  });

  test('no warnings, or a result that is not an object: none', () => {
    expect(checkFindings({})).toEqual([]);
    expect(checkFindings({ 'result.json': null })).toEqual([]);
    expect(checkFindings({ 'result.json': {} })).toEqual([]);
    expect(checkFindings({ 'result.json': { warnings: { 0: { ruleName: 'R' } } } })).toEqual([]);
  });
});

describe('findingLine', () => {
  test.each([
    [{ rule: 'R', detail: 'd' }, 'R: d'],
    [{ rule: 'R', detail: 'd', where: 'Dockerfile:2' }, 'R (Dockerfile:2): d'],
    [{ rule: 'R', detail: 'd', url: 'https://x' }, 'R: d https://x'],
    [{ rule: 'R', detail: 'd', where: '', url: '' }, 'R: d'],
  ])('%j -> %s', (finding, line) => {
    expect(findingLine(finding)).toBe(line);
  });
});
