// List inputs read as build-push-action reads them. The oracle is
// @docker/actions-toolkit's own list parser (Util.getList), which
// build-push-action uses, given the same options; the one difference by
// design are that a line starting with # is a comment here, and that an item
// of blanks is dropped (build-push-action passes it on as an empty item, which
// buildx refuses).
import { describe, expect, test } from '@jest/globals';
import { Util } from '@docker/actions-toolkit/lib/util.js';
import fc from 'fast-check';
import { InputError } from '../src/core/errors.js';
import { attributes, csv, parseList } from '../src/core/lists.js';

const COMMENTS = { comment: '#', commentNoInfix: true };

/** What build-push-action gets for an input with these options (ignoreComma: commas belong to the value). */
function oracle(raw: string, o: { commas: boolean; quotes?: false; trim?: false }): string[] {
  // As the runner's getInput hands it over: trimmed, but for a secret's.
  const input = o.trim === false ? raw : raw.trim();
  const items = Util.getList(input, {
    ...COMMENTS,
    ignoreComma: !o.commas,
    ...(o.quotes === false ? { quote: false } : {}),
    ...(o.trim === false ? { trimWhitespace: false } : {}),
  });
  return items.filter((item) => item.trim() !== '');
}

const CASES: [string, string][] = [
  ['newlines and commas', 'a, b\nc,,\n\n d '],
  ['a quoted field holds a comma', 'type=local,"dest=a,b"\nx'],
  ['a quoted item spans lines', '"KEY=line 1\nline 2"\nB=2'],
  ['doubled quotes in a quoted field', '"a ""b"" c",d'],
  ['a quote inside an unquoted field is literal', 'A="x y"\nB=it\'s'],
  ['CRLF line ends', 'a\r\nb,c\r\n'],
  ['comment lines', '# the tags\nghcr.io/a/b:1\n  # indented\nc#not-a-comment'],
  ['only blanks', ' \n\t\n'],
  ['empty', ''],
];

describe('parseList matches build-push-action', () => {
  for (const commas of [true, false]) {
    test.each(CASES)(`commas ${commas}: %s`, (_name, raw) => {
      expect(parseList(raw, { input: 'tags', commas })).toEqual(oracle(raw, { commas }));
    });
  }

  test.each(CASES)('outputs (quotes are the value own): %s', (_name, raw) => {
    expect(parseList(raw, { input: 'outputs', commas: false, quotes: false })).toEqual(
      oracle(raw, { commas: false, quotes: false }),
    );
  });

  test.each(CASES)('secrets (values keep their spaces): %s', (_name, raw) => {
    expect(parseList(raw, { input: 'secrets', commas: false, trim: false })).toEqual(
      oracle(raw, { commas: false, trim: false }),
    );
  });

  test('any text of list-ish characters, both ways', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', '#', '=', '\t') });
    fc.assert(
      fc.property(text, fc.boolean(), (raw, commas) => {
        let ours: string[] | Error;
        let theirs: string[] | Error;
        try {
          ours = parseList(raw, { input: 'tags', commas });
        } catch (e) {
          ours = e as Error;
        }
        try {
          theirs = oracle(raw, { commas });
        } catch (e) {
          theirs = e as Error;
        }
        // Text the CSV reader refuses (an unclosed quote) is refused by both.
        if (ours instanceof Error || theirs instanceof Error) {
          expect([ours instanceof Error, theirs instanceof Error]).toEqual([true, true]);
        } else {
          expect(ours).toEqual(theirs);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('examples, as a workflow writes them', () => {
    expect(parseList('linux/amd64,linux/arm64', { input: 'tags', commas: true })).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
    expect(parseList('A=1,2\nB="x,y"', { input: 'labels', commas: false })).toEqual(['A=1,2', 'B="x,y"']);
    expect(parseList('"B=x,y"', { input: 'labels', commas: false })).toEqual(['B=x,y']);
    expect(parseList('# comment\nv1', { input: 'tags', commas: true })).toEqual(['v1']);
  });
});

describe('text the CSV reader refuses', () => {
  test('an unclosed quote is an error naming the input and the line, never the text', () => {
    let e: unknown;
    try {
      parseList('A=1\n"TOPSECRET=x', { input: 'secrets', commas: false, trim: false });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toBe(
      'secrets: a double quote is not closed (line 2): close it, or write "" for a quote inside a quoted field ' +
        '(the value is not shown: it may hold a secret)',
    );
  });

  test('attributes (an attestation, an output) too', () => {
    expect(attributes('outputs', 'type=local,"dest=a,b"')).toEqual(['type=local', 'dest=a,b']);
    expect(() => attributes('sbom', 'generator="x')).toThrow(/^sbom: a double quote is not closed/);
  });
});

describe('parseList: trimming, blanks and commas', () => {
  test("items are trimmed, except a secret's; an item of blanks is dropped either way", () => {
    expect(parseList('  a  \n b ', { input: 'tags', commas: false })).toEqual(['a', 'b']);
    expect(parseList('  a  \n b ', { input: 'secrets', commas: false, trim: false })).toEqual(['  a  ', ' b ']);
    expect(parseList('a\n   \nb', { input: 'secrets', commas: false, trim: false })).toEqual(['a', 'b']);
    expect(parseList(' \t ', { input: 'secrets', commas: false, trim: false })).toEqual([]);
    expect(parseList('a, ,b', { input: 'tags', commas: true })).toEqual(['a', 'b']);
  });

  test("a line's fields are items with commas, one item joined back without", () => {
    expect(parseList('a,b\nc', { input: 'tags', commas: true })).toEqual(['a', 'b', 'c']);
    expect(parseList('a,b\nc', { input: 'labels', commas: false })).toEqual(['a,b', 'c']);
    expect(parseList('"a,b",c', { input: 'tags', commas: true })).toEqual(['a,b', 'c']);
    expect(parseList('"a,b"', { input: 'tags', commas: true })).toEqual(['a', 'b']);
  });

  test('quotes group a field unless turned off; # starts a comment only at the start of a line', () => {
    expect(parseList('"a b"', { input: 'labels', commas: false })).toEqual(['a b']);
    expect(parseList('"a b"', { input: 'outputs', commas: false, quotes: false })).toEqual(['"a b"']);
    expect(parseList('x#y\n#z', { input: 'tags', commas: true })).toEqual(['x#y']);
  });
});

describe('csv: an error without a line number', () => {
  test('names the input, and no line', () => {
    expect(() => csv('outputs', 'a', { delimiter: '' })).toThrow(
      new InputError(
        'outputs',
        'a double quote is not closed: close it, or write "" for a quote inside a quoted field ' +
          '(the value is not shown: it may hold a secret)',
      ),
    );
  });

  test("attributes are trimmed fields, a record's and the next line's alike", () => {
    expect(attributes('attests', ' type = sbom , generator=x ')).toEqual(['type = sbom', 'generator=x']);
    expect(attributes('attests', 'a=1,b=2\nc=3')).toEqual(['a=1', 'b=2', 'c=3']);
  });
});
