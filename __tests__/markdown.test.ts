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
