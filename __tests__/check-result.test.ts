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
