// Issue 13, item 1: build output never becomes a runner command: the relay on
// its own (in this process). The bundled action and command line with a fake
// `docker`: __tests__/bundle/relay.test.ts; the real engine: e2e/faults.test.ts.
import { describe, expect, test } from '@jest/globals';
import { runnerCommands } from '../scripts/runner-log.mjs';
import { clean, oneLine, Relay, relayLines } from '../src/core/relay.js';
import { HOSTILE_OUTPUT as HOSTILE } from './helpers.js';

describe('item 1: the relay', () => {
  test('item 1: relayed text issues no command, whatever its line breaks, in chunks cut anywhere', () => {
    let out = '';
    const r = new Relay((s) => (out += s), true);
    for (let i = 0; i < HOSTILE.length; i += 3) r.text(HOSTILE.slice(i, i + 3));
    r.close();
    out += '::warning::the action says this\n';
    const { commands, open } = runnerCommands(out);
    expect(open).toBe(false);
    expect(commands.map((c) => [c.name, c.data])).toEqual([['warning', 'the action says this']]);
    // The text is all there, \r and U+2028 visible.
    expect(out).toContain('a␍::warning::FORGED-CR');
    expect(out).toContain('d␤::error::FORGED-LS');
    expect(out).toContain('e\n::notice::FORGED-CRLF');
  });

  test('item 1: each block has its own unguessable token, and a text without a final newline still closes', () => {
    let out = '';
    relayLines((s) => (out += s), true, ['one']);
    const r = new Relay((s) => (out += s), true);
    r.text('no newline at the end ##[warning]x');
    r.close();
    const tokens = [...out.matchAll(/^::stop-commands::([0-9a-f]+)$/gm)].map((m) => m[1]);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(tokens[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(out.split('\n')).toContain(`::${tokens[1]}::`);
    expect(runnerCommands(out)).toEqual({ commands: [], open: false });
  });

  test('item 1: off GitHub Actions the text passes unchanged', () => {
    let out = '';
    relayLines((s) => (out += s), false, ['a\r::warning::x']);
    expect(out).toBe('a\r::warning::x\n');
  });

  test('item 1: clean keeps \\n, oneLine keeps nothing that breaks a line', () => {
    expect(clean('a\r\nb\rc\u2028d\u2029e\nf')).toBe('a\nb␍c␤d␤e\nf');
    expect(oneLine('a\r\nb\rc\u2028d')).toBe('a␤b␍c␤d');
  });
});

describe('item 1: which buildx stdout is data, not text for the log', () => {
  test('item 1: writesResultToStdout', async () => {
    const { writesResultToStdout } = await import('../src/core/buildx.js');
    for (const args of [
      ['-o', '-'],
      ['--output=-'],
      ['--output', 'type=tar,dest=-'],
      ['-o', 'type=oci'],
      ['-otype=tar'],
      ['--output', 'type=tar'],
    ]) {
      expect([args, writesResultToStdout(['buildx', 'build', ...args, '.'])]).toEqual([args, true]);
    }
    for (const args of [
      [],
      ['--output', 'type=local,dest=out'],
      ['--output', 'type=tar,dest=out.tar'],
      ['--output', 'type=docker'],
      ['--call', 'outline'],
    ]) {
      expect([args, writesResultToStdout(['buildx', 'build', ...args, '.'])]).toEqual([args, false]);
    }
  });
});
