// The getter every front door passes in (src/core/input-getter.ts): control
// characters refused without echoing the value, action.yml's defaults for
// unset inputs, and the values of secret inputs to mask.
import { describe, expect, test } from '@jest/globals';
import { InputError } from '../src/core/errors.js';
import { checkInputText, INPUT_DEFAULTS, secretInputValues, withDefaults } from '../src/core/input-getter.js';
import { thrown } from './helpers.js';

function refusal(name: string, raw: string): [string, string] {
  const e = thrown(() => checkInputText(name, raw));
  expect(e).toBeInstanceOf(InputError);
  return [(e as InputError).input, e.message];
}

describe('checkInputText: one-line inputs', () => {
  test('a control character inside is refused, by its code point and position, never the value', () => {
    expect(refusal('branch', 'ab\tFORGED')).toEqual([
      'branch',
      'branch: holds a line break or another control character (U+0009, character 3): give it on one line, ' +
        'without control characters (the value is not shown)',
    ]);
  });

  test.each([
    ['\u0000', '0000'],
    ['\u001f', '001F'],
    ['\u007f', '007F'],
    ['\u0085', '0085'],
    ['\u009f', '009F'],
    ['\u2028', '2028'],
    ['\u2029', '2029'],
  ])('%j is refused as U+%s', (ch, code) => {
    expect(refusal('network', `x${ch}y`)[1]).toContain(`(U+${code}, character 2)`);
  });

  test('printable characters just outside those ranges pass', () => {
    for (const ch of [' ', '~', '\u00a0', '\u2027', '\u202a', 'é']) {
      expect(checkInputText('network', `x${ch}y`)).toBeUndefined();
    }
  });

  test('blanks around the value (which the runner trims) are no error, a line break inside is', () => {
    expect(checkInputText('branch', '\n main \r\n')).toBeUndefined();
    expect(refusal('branch', ' a\r\nb ')[1]).toContain('(U+000D, character 2)');
  });
});

describe('checkInputText: list and secret inputs', () => {
  test('a list is checked line by line (a CRLF aside), and the error names the line', () => {
    expect(checkInputText('tags', 'a:1\r\nb:2\r\n')).toBeUndefined();
    expect(refusal('tags', 'a:1\nb:2\nc\u0085d')).toEqual([
      'tags',
      'tags: line 3 holds a line break or another control character (U+0085, character 2): give one item per ' +
        'line, without control characters (the value is not shown)',
    ]);
    expect(refusal('build-args', 'A=1\rB=2')[1]).toMatch(/^build-args: line 1 holds .*\(U\+000D, character 4\)/);
  });

  test('only a final \\r goes: one before it is still refused', () => {
    expect(refusal('tags', 'a\r\r\nb')[1]).toMatch(/^tags: line 1 holds .*\(U\+000D, character 2\)/);
  });

  test('secrets span lines by design and are never echoed: not checked', () => {
    expect(checkInputText('secrets', '"KEY=a\r\nb\u0000c"')).toBeUndefined();
  });
});

describe('withDefaults', () => {
  test("an unset input is action.yml's default; a given one is passed as given", () => {
    const input = withDefaults((name) => ({ 'cache-mode': ' min ', push: '' })[name] ?? '');
    expect([input('cache-mode'), input('push'), input('keep-for'), input('image')]).toEqual([
      ' min ',
      'false',
      '7d',
      '',
    ]);
  });

  test('a value is checked before it is used', () => {
    expect(thrown(() => withDefaults(() => 'a\nb')('branch')).message).toMatch(/^branch: holds a line break/);
  });

  test("every input's default is its row's", () => {
    expect([INPUT_DEFAULTS['cache-type'], INPUT_DEFAULTS['request-timeout'], INPUT_DEFAULTS.image]).toEqual([
      'registry',
      '30',
      '',
    ]);
  });
});

describe('secretInputValues', () => {
  test('the trimmed values of the secret inputs that are given; blanks are not', () => {
    expect(secretInputValues((name) => (name === 'github-token' ? ' ghp_x ' : 'not-secret'))).toEqual(['ghp_x']);
    expect(secretInputValues((name) => (name === 'github-token' ? ' \n ' : 'not-secret'))).toEqual([]);
  });
});
