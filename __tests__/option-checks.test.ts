// Issue 13, items 6 and 12: inputs that would become runner commands, and
// credentials quoted in errors. The
// pure checks, then the bundled action (dist/index.js, `npm run bundle` first)
// as the runner runs it.
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type RunResult } from '../scripts/action-harness.mjs';
import { runnerCommands } from '../scripts/runner-log.mjs';
import { InputError } from '../src/errors.js';
import { parseConfig, type Config } from '../src/inputs.js';
import { secretOptionValues } from '../src/redact.js';
import { thrown } from './helpers.js';

function config(inputs: Record<string, string> = {}): Config {
  const all: Record<string, string> = { image: 'ghcr.io/acme/app', ...inputs };
  return parseConfig((name) => all[name] ?? '');
}

function inputError(f: () => unknown, input: string): string {
  const e = thrown(f);
  expect(e).toBeInstanceOf(InputError);
  expect((e as InputError).input).toBe(input);
  return e.message;
}

const PIPELINE = 'FROM scratch AS dependencies\nRUN echo deps\nFROM dependencies AS build\nRUN echo build\n';

function workdir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bbc-options-'));
  writeFileSync(join(d, 'Dockerfile'), PIPELINE);
  return d;
}

function action(inputs: Record<string, string>): Promise<RunResult> {
  return runAction({ cwd: workdir(), inputs: { image: 'ghcr.io/acme/app', build: 'false', 'probe-cache': 'false', ...inputs } });
}

function errors(r: RunResult): string[] {
  return r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
}

const SINGLE_LINE = ['branch', 'context', 'network', 'builder', 'provenance', 'cache-dir', 's3-bucket', 's3-region', 'image', 'target', 'stage', 'file', 'cache-scope', 'cache-tag-prefix'];

describe('item 6: control characters in single-line inputs', () => {
  test.each(SINGLE_LINE.flatMap((name) => [[name, '\n'], [name, '\r'], [name, '\u2028']]))('item 6: %s with %j inside is an input error that does not echo the value', (name, ch) => {
    const message = inputError(() => config({ [name]: `x${ch}::warning::FORGED` }), name);
    expect(message).toMatch(new RegExp(`^${name}: holds a line break or another control character \\(U\\+[0-9A-F]{4}, character 2\\)`));
    expect(message).not.toContain('FORGED');
    expect(message).not.toMatch(/[\r\n\u2028]/);
  });

  test('item 6: a trailing newline (a YAML block scalar) is not an error; list inputs are still split on newlines', () => {
    expect(config({ branch: 'main\n' }).branch).toBe('main');
    expect(config({ tags: 'a:1\r\nb:2\n' }).tags).toEqual(['a:1', 'b:2']);
    expect(config({ 'build-args': 'A=1\nB=2' }).buildArgs).toEqual(['A=1', 'B=2']);
  });

  test('item 6: a list item with a control character inside is an input error naming the line', () => {
    expect(inputError(() => config({ tags: 'a:1\nb\r::warning::FORGED' }), 'tags')).toMatch(/^tags: line 2 holds a line break or another control character \(U\+000D, character 2\)/);
  });

  test('item 6: secrets are multi-line by design and never echoed', () => {
    expect(config({ secrets: 'KEY="-----BEGIN-----\nabc\n-----END-----"' }).secrets).toHaveLength(1);
  });

  test('item 6: through the bundle, build and cleanup: one ::error:: line, and the runner sees no forged command', async () => {
    const cases: Record<string, string>[] = [{ branch: 'x\r::warning::FORGED' }, { network: 'host\n::warning::FORGED' }, { branch: 'x\n::warning::FORGED', cleanup: 'true' }];
    for (const inputs of cases) {
      const r = await action(inputs);
      expect(r.code).toBe(1);
      expect(errors(r)).toHaveLength(1);
      expect(errors(r)[0]).toMatch(/^::error::(branch|network): holds a line break/);
      expect(runnerCommands(r.stdout).commands.filter((c) => c.data.startsWith('FORGED'))).toEqual([]);
    }
  });
});

describe('item 12: a mistyped credential is never echoed', () => {
  test.each(['cache-options', 'cache-to-options'])('item 12: %s token:ghp_... (a colon for =): the item number, not the value', (input) => {
    const message = inputError(() => config({ 'cache-type': 'gha', [input]: 'url=http://127.0.0.1:1/, token:ghp_abcdef0123456789' }), input);
    expect(message).toBe(`${input}: item 2 is not key=value (it is not shown: it may hold a secret); a value cannot hold a comma, which separates items`);
  });

  test('item 12: values of keys that look secret are masked, and any value longer than 16 characters', () => {
    expect(
      secretOptionValues([
        ['token', 'abc'],
        ['secret_access_key', 'k1'],
        ['password', 'pw'],
        ['api_key', 'ak'],
        ['credential', 'cr'],
        ['X-Auth-Token', 'xt'],
        ['region', 'eu-west-1'],
        ['endpoint_url', 'http://127.0.0.1:9000/minio'],
        ['mode', 'max'],
      ]),
    ).toEqual(['abc', 'k1', 'pw', 'ak', 'cr', 'xt', 'http://127.0.0.1:9000/minio']);
  });

  test('item 12: through the bundle, cache-options and cache-to-options values are masked', async () => {
    const r = await action({ 'cache-type': 'gha', 'cache-options': 'token=t0ken,url=http://127.0.0.1:1/a-long-cache-url', 'cache-to-options': 'password=pw' });
    expect(r.code).toBe(0);
    const masks = r.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    expect(masks).toEqual(expect.arrayContaining(['::add-mask::t0ken', '::add-mask::http://127.0.0.1:1/a-long-cache-url', '::add-mask::pw']));
  });
});
