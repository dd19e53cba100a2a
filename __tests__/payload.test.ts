// Issue 13, item 3: a malformed event payload is one clear error, in the
// bundled action (build and cleanup) and the bundled command line (dist/,
// `npm run bundle` first), run as the runner runs them; a UTF-8 BOM is read.
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushEvent, runAction, type RunResult } from '../scripts/action-harness.mjs';
import { readEventPayload } from '../src/shell/event.js';
import { thrown, bundledCli } from './helpers.js';

const _root = join(import.meta.dirname, '..');
const PIPELINE = 'FROM scratch AS dependencies\nRUN echo deps\n\nFROM dependencies AS build\nRUN echo build\n';

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bbc-payload-'));
  writeFileSync(join(dir, 'Dockerfile'), PIPELINE);
  return dir;
}

/** A payload file that is not what the runner writes; returns its path. */
function badPayload(dir: string, kind: string): string {
  const path = join(dir, 'event.json');
  if (kind === 'invalid JSON') writeFileSync(path, '{"ref": "refs/heads/main",');
  else if (kind === 'an empty file') writeFileSync(path, '');
  else if (kind === 'a directory') mkdirSync(path);
  else if (kind === 'a JSON array') writeFileSync(path, '[]');
  else throw new Error(kind);
  return path;
}

const KINDS = [
  ['invalid JSON', 'is not valid JSON'],
  ['an empty file', 'is empty'],
  ['a directory', 'is a directory'],
  ['a JSON array', 'does not hold a JSON object'],
] as const;

function errors(r: RunResult): string[] {
  return r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
}

describe('item 3: the bundled action with a malformed payload', () => {
  test.each(KINDS)(
    'item 3: %s at GITHUB_EVENT_PATH: one ::error:: naming it, no stack trace, exit 1',
    async (kind, why) => {
      const cwd = workdir();
      const path = badPayload(cwd, kind);
      const r = await runAction({
        cwd,
        event: pushEvent('main'),
        env: { GITHUB_EVENT_PATH: path },
        inputs: { image: 'ghcr.io/acme/app', build: 'false' },
      });
      expect(r.code).toBe(1);
      expect(errors(r)).toHaveLength(1);
      expect(errors(r)[0]).toContain(`GITHUB_EVENT_PATH: ${path} ${why}`);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      // The summary says what failed, too.
      expect(r.summary).toContain('GITHUB_EVENT_PATH');
    },
  );

  test('item 3: cleanup mode: the same one error', async () => {
    const cwd = workdir();
    const path = badPayload(cwd, 'invalid JSON');
    const r = await runAction({
      cwd,
      event: { name: 'delete', ref: 'refs/heads/main' },
      env: { GITHUB_EVENT_PATH: path },
      inputs: { image: '127.0.0.1:1/acme/app', cleanup: 'true', 'dry-run': 'true' },
    });
    expect(r.code).toBe(1);
    expect(errors(r)).toHaveLength(1);
    expect(errors(r)[0]).toContain(`GITHUB_EVENT_PATH: ${path} is not valid JSON`);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  test('item 3: a payload with a UTF-8 byte order mark is read', async () => {
    const cwd = workdir();
    const path = join(cwd, 'event.json');
    const event = pushEvent('feature/bom');
    writeFileSync(path, `\uFEFF${JSON.stringify(event.payload)}`);
    const r = await runAction({
      cwd,
      event,
      env: { GITHUB_EVENT_PATH: path },
      inputs: { image: 'ghcr.io/acme/app', build: 'false', 'probe-cache': 'false' },
    });
    expect([r.code, errors(r)]).toEqual([0, []]);
    expect(r.outputs['branch']).toBe('feature/bom');
  });
});

describe('item 3: the bundled command line under GitHub Actions with a malformed payload', () => {
  test('item 3: one error naming GITHUB_EVENT_PATH, exit 1 (never a plan made without the event)', async () => {
    const cwd = workdir();
    const path = badPayload(cwd, 'invalid JSON');
    const r = await cli(
      ['plan', '--image', 'ghcr.io/acme/app'],
      {
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: path,
        GITHUB_REF: 'refs/pull/1/merge',
      },
      cwd,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`GITHUB_EVENT_PATH: ${path} is not valid JSON`);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});

describe('item 3: readEventPayload', () => {
  test('item 3: no GITHUB_EVENT_PATH is an empty payload; a BOM is stripped; the rest is one error naming the variable', () => {
    expect(readEventPayload({})).toEqual({});
    const dir = mkdtempSync(join(tmpdir(), 'bbc-payload-'));
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
    const dir = mkdtempSync(join(tmpdir(), 'bbc-payload-'));
    const path = join(dir, 'e.json');
    writeFileSync(path, '{"title": "::warning::x" oops}');
    expect(thrown(() => readEventPayload({ GITHUB_EVENT_PATH: path })).message).not.toContain('::warning::x');
  });
});

const cli = (args: string[], env: Record<string, string>, cwd: string) => bundledCli(args, { env, cwd });
