// Issue 13, item 3: a malformed event payload is one clear error; a UTF-8 BOM
// is read (readEventPayload, in this process). The bundled action and command
// line with such payloads: __tests__/bundle/payload.test.ts.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEventPayload } from '../src/shell/event.js';
import { BAD_PAYLOADS as KINDS, badPayload, thrown } from './helpers.js';
import { removeTempDirs, tempDir } from './temp-dirs.js';

afterEach(removeTempDirs);

describe('item 3: readEventPayload', () => {
  test('item 3: no GITHUB_EVENT_PATH is an empty payload; a BOM is stripped; the rest is one error naming the variable', () => {
    expect(readEventPayload({})).toEqual({});
    const dir = tempDir('bbc-payload-');
    const bom = join(dir, 'bom.json');
    writeFileSync(bom, '\uFEFF{"a": 1}');
    expect(readEventPayload({ GITHUB_EVENT_PATH: bom })).toEqual({ a: 1 });
    for (const [kind, why] of KINDS) {
      const sub = mkdtempSync(join(dir, 'k-'));
      const path = badPayload(sub, kind);
      expect(thrown(() => readEventPayload({ GITHUB_EVENT_PATH: path })).message).toMatch(
        new RegExp(`^GITHUB_EVENT_PATH: ${path.replace(/[.]/g, '\\.')} ${why}`),
      );
    }
    expect(thrown(() => readEventPayload({ GITHUB_EVENT_PATH: join(dir, 'missing.json') })).message).toContain(
      'does not exist',
    );
  });

  test('item 3: the error does not quote the payload', () => {
    const dir = tempDir('bbc-payload-');
    const path = join(dir, 'e.json');
    writeFileSync(path, '{"title": "::warning::x" oops}');
    expect(thrown(() => readEventPayload({ GITHUB_EVENT_PATH: path })).message).not.toContain('::warning::x');
  });
});
