// Text that someone else chose (branch names, reasons, registry error bodies)
// in the job summary's Markdown: shown as it is, never as markup. One set of
// helpers for the build summary (report.ts) and the cleanup summary.

/** Line breaks of every kind (the runner's and Markdown's): a summary line stays one line. */
const BREAKS = /\r\n|[\r\n\u2028\u2029]/g;

/** A code span: a backtick in a branch name would end it early, so it becomes '. */
export function code(s: string): string {
  // Two backticks alone are no code span, but text.
  return '`' + (s.replace(BREAKS, ' ').replace(/`/g, "'") || ' ') + '`';
}

/** Plain text in Markdown: no markup, links or HTML, on one line. */
export function text(s: string): string {
  return s
    .replace(BREAKS, ' ')
    .replace(/[\\`*_[\]<>|#&~!]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}

/**
 * Inline Markdown (from code, text, or the summary's own words) as one table
 * cell: on one line, and every `|` escaped (GFM splits cells at a pipe even
 * inside a code span, and reads `\|` there as `|`). A pipe that is already
 * escaped (after an odd run of backslashes, as text() writes it) stays as it is.
 */
export function cell(s: string): string {
  let out = '';
  const flat = s.replace(BREAKS, ' ');
  for (let i = 0; i < flat.length; i++) {
    const c = flat[i]!;
    if (c === '\\' && i + 1 < flat.length) {
      out += c + flat[++i]!;
    } else if (c === '|') {
      out += '\\|';
    } else {
      out += c;
    }
  }
  return out;
}
