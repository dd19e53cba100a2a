// The summary's escaping (src/core/markdown.ts), rendered as GitHub renders
// Markdown (GFM): whatever the text, it stays text, and a table keeps its cells.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { marked } from 'marked';
import { cell, code, text } from '../src/core/markdown.js';

const decode = (html: string) =>
  html
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function row(cells: string[]): string[] {
  const md = `| a | b |\n|---|---|\n| ${cells.map(cell).join(' | ')} |\n`;
  const html = marked.parse(md, { async: false, gfm: true });
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
}

describe('item 7: one escaping for every summary cell', () => {
  test('text: no markup, on one line', () => {
    expect(text('a <b>*x*</b> | `c` \\ [l](u) #1 & ~~s~~\r\nnext')).toBe(
      'a &lt;b&gt;\\*x\\*&lt;/b&gt; \\| \\`c\\` \\\\ \\[l\\](u) \\#1 &amp; \\~\\~s\\~\\~ next',
    );
  });

  test('code: a backtick cannot end the span; one line', () => {
    expect(code('a`b\nc')).toBe("`a'b c`");
  });

  test('cell: pipes escaped once, escaped pipes and other escapes kept', () => {
    expect(cell('`a|b`')).toBe('`a\\|b`');
    expect(cell(text('a|b'))).toBe('a\\|b');
    expect(cell(text('a\\|b'))).toBe('a\\\\\\|b');
    expect(row([code('x|y'), text('p|q')])).toEqual(['<code>x|y</code>', 'p|q']);
  });

  test('any text, as text or code, in a table: two cells, shown as it was, no HTML element', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(
            'a',
            ' ',
            '|',
            '\\',
            '`',
            '*',
            '_',
            '<',
            '>',
            '&',
            '#',
            '[',
            ']',
            '(',
            ')',
            '~',
            '!',
            '\n',
            '\r',
            'h1',
            'x',
          ),
        }),
        (s) => {
          const cells = row([text(s), code(s)]);
          expect(cells).toHaveLength(2);
          expect(cells[0]).not.toMatch(/<(?!\/?code>)/); // only entities, no element
          expect(decode(cells[0]!)).toBe(s.replace(/\r\n|[\r\n]/g, ' ').trim());
          expect(cells[1]).toMatch(/^(<code>[\s\S]*<\/code>)?$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('markdown helpers, character by character', () => {
  test('every kind of line break is one space, in code, text and cell', () => {
    const s = 'a\r\nb\rc\nd\u2028e\u2029f';
    expect(code(s)).toBe('`a b c d e f`');
    expect(text(s)).toBe('a b c d e f');
    expect(cell(s)).toBe('a b c d e f');
    expect(text('a\n\nb')).toBe('a  b');
  });

  test('code: every backtick becomes a quote; empty text is one space', () => {
    expect(code('``a``')).toBe("`''a''`");
    expect(code('')).toBe('` `');
    expect(code('x')).toBe('`x`');
  });

  test('text: each markup character escaped, <, > and & as entities', () => {
    expect(text('\\`*_[]|#~!')).toBe('\\\\\\`\\*\\_\\[\\]\\|\\#\\~\\!');
    expect(text('<a>&b')).toBe('&lt;a&gt;&amp;b');
    expect(text('plain (x) "y" \'z\' - + = .')).toBe('plain (x) "y" \'z\' - + = .');
  });

  test('cell: a backslash keeps the character after it; a trailing one stays', () => {
    expect(cell('a\\|b|c')).toBe('a\\|b\\|c');
    expect(cell('a\\\\|b')).toBe('a\\\\\\|b');
    expect(cell('end\\')).toBe('end\\');
    expect(cell('||')).toBe('\\|\\|');
    expect(cell('')).toBe('');
  });
});
