// Issue 13, item 1: build output never becomes a runner command: the relay on
// its own (in this process). The bundled action and command line with a fake
// `docker`: __tests__/bundle/relay.test.ts; the real engine: e2e/faults.test.ts.
import { describe, expect, test } from '@jest/globals';
import { runnerCommands } from '../scripts/runner-log.mjs';
import { clean, Lines, oneLine, onGitHubActions, Relay, relayLines } from '../src/core/relay.js';
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

/** A relay's whole output for these chunks and a close, its token replaced by TOKEN. */
function relayed(chunks: string[]): string {
  let out = '';
  const r = new Relay((s) => (out += s), true);
  for (const chunk of chunks) r.text(chunk);
  r.close();
  const token = /^::stop-commands::([0-9a-f]+)\n/.exec(out)?.[1];
  return token === undefined ? out : out.split(token).join('TOKEN');
}

describe('Relay: the exact block', () => {
  test('text ending a line closes on the next line; text that does not gets a newline first', () => {
    expect(relayed(['a\n'])).toBe('::stop-commands::TOKEN\na\n::TOKEN::\n');
    expect(relayed(['a'])).toBe('::stop-commands::TOKEN\na\n::TOKEN::\n');
    expect(relayed(['a\nb', 'c\n'])).toBe('::stop-commands::TOKEN\na\nbc\n::TOKEN::\n');
  });

  test('no text, or only empty text: no block at all', () => {
    expect(relayed([])).toBe('');
    expect(relayed(['', ''])).toBe('');
  });

  test('a \r at the end of a chunk waits for the next: \r\n across chunks is one line break', () => {
    expect(relayed(['a\r', '\nb\n'])).toBe('::stop-commands::TOKEN\na\nb\n::TOKEN::\n');
    expect(relayed(['a\r', 'b\n'])).toBe('::stop-commands::TOKEN\na␍b\n::TOKEN::\n');
    expect(relayed(['\r', '\r', '\n'])).toBe('::stop-commands::TOKEN\n␍\n::TOKEN::\n');
  });

  test('a \r left at the close is shown, and the block still ends on a line of its own', () => {
    expect(relayed(['a\n\r'])).toBe('::stop-commands::TOKEN\na\n␍\n::TOKEN::\n');
    expect(relayed(['a\r'])).toBe('::stop-commands::TOKEN\na␍\n::TOKEN::\n');
  });

  test('after close a new block starts with a new token, at a line start', () => {
    let out = '';
    const r = new Relay((s) => (out += s), true);
    r.text('a');
    r.close();
    r.text('b\r');
    r.close();
    r.close();
    const tokens = [...out.matchAll(/^::stop-commands::([0-9a-f]{32})$/gm)].map((m) => m[1]!);
    expect(tokens).toHaveLength(2);
    expect(out).toBe(
      `::stop-commands::${tokens[0]}\na\n::${tokens[0]}::\n::stop-commands::${tokens[1]}\nb␍\n::${tokens[1]}::\n`,
    );
  });

  test('lines: each ended by a newline, in one write', () => {
    const writes: string[] = [];
    const r = new Relay((s) => writes.push(s), true);
    r.lines(['x', '', 'y']);
    r.close();
    expect(writes.slice(1)).toEqual(['x\n\ny\n', expect.stringMatching(/^::[0-9a-f]{32}::\n$/)]);
  });

  test('disabled: chunks pass as they are, and close adds nothing', () => {
    const writes: string[] = [];
    const r = new Relay((s) => writes.push(s), false);
    r.text('a\r');
    r.text('');
    r.text('b\u2028');
    r.close();
    expect(writes).toEqual(['a\r', 'b\u2028']);
  });

  test('relayLines with no lines writes nothing', () => {
    const writes: string[] = [];
    relayLines((s) => writes.push(s), true, []);
    expect(writes).toEqual([]);
  });
});

describe('onGitHubActions', () => {
  test('only GITHUB_ACTIONS=true', () => {
    expect(
      [{ GITHUB_ACTIONS: 'true' }, { GITHUB_ACTIONS: 'false' }, { GITHUB_ACTIONS: 'TRUE' }, {}].map(onGitHubActions),
    ).toEqual([true, false, false, false]);
  });
});

describe('Lines: whole lines only', () => {
  test('a partial line waits for its end; several lines come out together', () => {
    const l = new Lines();
    expect(l.push('a')).toBe('');
    expect(l.push('b\nc')).toBe('ab\n');
    expect(l.push('\nd\ne')).toBe('c\nd\n');
    expect(l.end()).toBe('e\n');
    expect(l.end()).toBe('');
  });

  test('nothing left at the end is nothing; a line already ended is not ended twice', () => {
    const l = new Lines();
    expect(l.push('x\n')).toBe('x\n');
    expect(l.end()).toBe('');
  });

  test('a character cut between two buffers is whole', () => {
    const l = new Lines();
    const bytes = Buffer.from('é\nü', 'utf8');
    expect(l.push(bytes.subarray(0, 1))).toBe('');
    expect(l.push(bytes.subarray(1, 4))).toBe('é\n');
    expect(l.push(bytes.subarray(4))).toBe('');
    expect(l.end()).toBe('ü\n');
  });

  test('a cut character at the very end is flushed by end()', () => {
    const l = new Lines();
    expect(l.push(Buffer.from([0x61, 0xc3]))).toBe('');
    expect(l.end()).toBe('a\ufffd\n');
  });
});
