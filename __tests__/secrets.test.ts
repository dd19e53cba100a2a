// Build secrets in build-push-action's three forms. The values reach buildx
// only through files (the shell writes them) or the environment.
import { describe, expect, test } from '@jest/globals';
import { InputError } from '../src/core/errors.js';
import { parseSecretSources, parseSecrets } from '../src/core/secrets.js';
import { thrown } from './helpers.js';

describe('secrets', () => {
  test('id=value per line; a quoted item spans lines and writes a quote as ""; values keep their spaces', () => {
    expect(parseSecrets('A=1\n"KEY=-----BEGIN\nBODY ""q""\n-----END"\n\nB=two ')).toEqual([
      { id: 'A', value: '1' },
      { id: 'KEY', value: '-----BEGIN\nBODY "q"\n-----END' },
      { id: 'B', value: 'two ' },
    ]);
    expect(parseSecrets('TOKEN=a=b,c')).toEqual([{ id: 'TOKEN', value: 'a=b,c' }]);
  });

  test('an unclosed quote is an error naming secrets and the line, never the text', () => {
    expect(thrown(() => parseSecrets('A=1\n"KEY=TOPSECRET')).message).toBe(
      'secrets: a double quote is not closed (line 2): close it, or write "" for a quote inside a quoted field ' +
        '(the value is not shown: it may hold a secret)',
    );
  });

  test('errors name the item, never its text (it may be a secret)', () => {
    for (const [raw, message] of [
      ['TOPSECRETBODYLINE', /^secrets: item 1 is not id=value \(it is not shown: it may hold a secret\); a value over/],
      ['A=1\nK=\nTOPSECRET', /^secrets: item 2 is not id=value/],
      ['=TOPSECRET', /^secrets: item 1 is not id=value/],
      ['"A,B=TOPSECRET"', /^secrets: item 1: the id holds a comma or a space/],
    ] as const) {
      const e = thrown(() => parseSecrets(raw));
      expect([e instanceof InputError, (e as InputError).input]).toEqual([true, 'secrets']);
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain('TOPSECRET');
    }
  });
});

describe('secret-envs and secret-files', () => {
  test('secret-envs: id=VARIABLE, commas or lines', () => {
    expect(parseSecretSources('secret-envs', 'aws=AWS_KEY, gh=GH_TOKEN\nnpm=NPM')).toEqual([
      { id: 'aws', kind: 'env', from: 'AWS_KEY' },
      { id: 'gh', kind: 'env', from: 'GH_TOKEN' },
      { id: 'npm', kind: 'env', from: 'NPM' },
    ]);
  });

  test('secret-files: id=path per line; a path may hold a comma in quotes', () => {
    expect(parseSecretSources('secret-files', 'cert=./cert.pem\n"odd=./a,b.txt"')).toEqual([
      { id: 'cert', kind: 'src', from: './cert.pem' },
      { id: 'odd', kind: 'src', from: './a,b.txt' },
    ]);
  });

  test('a bad item is an error naming the input and the item', () => {
    expect(thrown(() => parseSecretSources('secret-envs', 'a=A,justaname')).message).toBe(
      'secret-envs: item 2 is not id=VARIABLE (it is not shown: it may hold a secret)',
    );
    expect(thrown(() => parseSecretSources('secret-files', 'x=')).message).toBe(
      'secret-files: item 1 is not id=path (it is not shown: it may hold a secret)',
    );
  });
});

describe('an item’s id and value, at their edges', () => {
  test('the id is trimmed, split at the first =; a value keeps its =, a source is trimmed', () => {
    expect(parseSecrets(' a =x=y')).toEqual([{ id: 'a', value: 'x=y' }]);
    expect(parseSecrets('a= x ')).toEqual([{ id: 'a', value: ' x ' }]);
    expect(parseSecretSources('secret-files', 'a= ./p ')).toEqual([{ id: 'a', kind: 'src', from: './p' }]);
    expect(parseSecretSources('secret-envs', ' a = V ')).toEqual([{ id: 'a', kind: 'env', from: 'V' }]);
  });

  test('a blank id, or one with a space or a comma: an error naming the item', () => {
    expect(thrown(() => parseSecrets('  =x')).message).toBe(
      'secrets: item 1 is not id=value (it is not shown: it may hold a secret); a value over several lines goes ' +
        'in double quotes around the whole item: "id=line 1\\nline 2"',
    );
    expect(thrown(() => parseSecrets('a=1\nmy id=x')).message).toBe(
      'secrets: item 2: the id holds a comma or a space: use letters, digits, - _ .',
    );
    expect(thrown(() => parseSecrets('a\tb=x')).message).toBe(
      'secrets: item 1: the id holds a comma or a space: use letters, digits, - _ .',
    );
    expect(thrown(() => parseSecretSources('secret-files', '"a,b=./p"')).message).toBe(
      'secret-files: item 1: the id holds a comma or a space: use letters, digits, - _ .',
    );
  });

  test('secret-files takes no commas as separators, secret-envs does', () => {
    expect(parseSecretSources('secret-files', 'a=./x,y')).toEqual([{ id: 'a', kind: 'src', from: './x,y' }]);
    expect(parseSecretSources('secret-envs', 'a=X,b=Y')).toEqual([
      { id: 'a', kind: 'env', from: 'X' },
      { id: 'b', kind: 'env', from: 'Y' },
    ]);
    expect(parseSecretSources('secret-envs', '')).toEqual([]);
    expect(parseSecrets('')).toEqual([]);
  });
});
