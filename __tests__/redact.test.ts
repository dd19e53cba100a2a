// What src/core/redact.ts masks: which option values count as secrets, which
// parts of them are looked for, and how they are replaced in printed text.
import { describe, expect, test } from '@jest/globals';
import { looksSecret, redactor, secretOptionValues, secretParts } from '../src/core/redact.js';

describe('looksSecret: keys whose values are credentials', () => {
  test.each([
    'token',
    'GITHUB_TOKEN',
    'secret_access_key',
    'Secret',
    'password',
    'PASSWD',
    'access_key_id',
    'session-credential',
  ])('%s looks secret', (key) => {
    expect(looksSecret(key)).toEqual(true);
  });

  test.each(['region', 'bucket', 'mode', 'ref', 'endpoint_url', 'use_path_style', 'scope'])(
    '%s does not look secret',
    (key) => {
      expect(looksSecret(key)).toEqual(false);
    },
  );
});

describe('secretOptionValues', () => {
  test('values of secret-looking keys, whatever their length; other values only when longer than 16', () => {
    expect(
      secretOptionValues([
        ['token', 'abc'],
        ['region', 'eu-west-1'],
        ['name', '0123456789abcdef'], // 16 characters: not masked
        ['url', '0123456789abcdefg'], // 17 characters: masked
        ['secret', 'x'],
      ]),
    ).toEqual(['abc', '0123456789abcdefg', 'x']);
  });

  test('an empty value is never a secret (it would match everywhere)', () => {
    expect(
      secretOptionValues([
        ['token', ''],
        ['password', ''],
      ]),
    ).toEqual([]);
  });
});

describe('secretParts', () => {
  test('the whole value and each non-empty line of it, trimmed', () => {
    expect(secretParts(['first-line\r\n  second \n\n   \nthird'])).toEqual([
      'first-line\r\n  second \n\n   \nthird',
      'first-line',
      'second',
      'third',
    ]);
  });

  test('a line break without a carriage return splits too', () => {
    expect(secretParts(['alpha\nbeta'])).toEqual(['alpha\nbeta', 'alpha', 'beta']);
  });

  test('longest first, whatever the order they came in; duplicates once', () => {
    expect(secretParts(['ab', 'abcdef', 'abc', 'ab'])).toEqual(['abcdef', 'abc', 'ab']);
  });

  test('blank values give nothing', () => {
    expect(secretParts(['', '   ', '\n'])).toEqual([]);
  });
});

describe('redactor', () => {
  test('no secrets: the text is unchanged', () => {
    expect(redactor([])('a token=abc line')).toEqual('a token=abc line');
    expect(redactor(['', '  '])('a token=abc line')).toEqual('a token=abc line');
  });

  test('every occurrence becomes ***', () => {
    expect(redactor(['s3cr3t'])('s3cr3t and again s3cr3t.')).toEqual('*** and again ***.');
  });

  test('a secret that contains another is replaced whole, whatever the order given', () => {
    const text = 'key=abcdef; short=abc';
    expect(redactor(['abc', 'abcdef'])(text)).toEqual('key=***; short=***');
    expect(redactor(['abcdef', 'abc'])(text)).toEqual('key=***; short=***');
  });

  test('the trimmed value is looked for, so the spaces around it stay', () => {
    expect(redactor(['  pw  '])('user pw here')).toEqual('user *** here');
  });

  test('each line of a multi-line secret is replaced where it appears alone', () => {
    expect(redactor(['-----BEGIN-----\nMIIB\n-----END-----'])('line: MIIB')).toEqual('line: ***');
  });
});
