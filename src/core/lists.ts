// List inputs, read the way docker/build-push-action reads them, so that a
// workflow moving to this action keeps its values: each line is a CSV record
// (a field in double quotes may hold commas, line breaks and "" for a quote),
// a line that starts with # is a comment, empty lines are skipped. Where an
// input takes commas as separators its fields are items; elsewhere a line's
// fields are joined back into one item (a label or build arg may hold commas).
import { type Options, parse } from 'csv-parse/sync';
import { InputError } from './errors.js';

export interface ListOptions {
  /** The input the text is, for an error. */
  input: string;
  /** Commas separate items (tags, platforms), or belong to the value (build args, labels). */
  commas: boolean;
  /** Double quotes group a field (the default), or are ordinary characters (`outputs`, as buildx reads them). */
  quotes?: boolean;
  /** Items are trimmed (the default); a secret's value keeps its spaces. */
  trim?: boolean;
}

export function parseList(raw: string, opts: ListOptions): string[] {
  // The runner's getInput trims the whole input first, except for a secret's.
  const text = opts.trim === false ? raw : raw.trim();
  // A shortcut only: blank text gives no item without it too (its fields are blanks, dropped below).
  // Stryker disable next-line MethodExpression,StringLiteral: see above
  if (text.trim() === '') return [];
  const records = csv(opts.input, text, {
    columns: false,
    relax_quotes: true,
    relax_column_count: true,
    // Stryker disable next-line BooleanLiteral: an empty line is one empty field, dropped below as blank
    skip_empty_lines: true,
    comment: '#',
    comment_no_infix: true,
    quote: opts.quotes === false ? false : '"',
  });
  const items = records.flatMap((fields) =>
    opts.commas ? fields.flatMap((f) => (fields.length === 1 ? f.split(',') : [f])) : [fields.join(',')],
  );
  // An item of blanks is dropped (build-push-action passes it on as an empty item, which buildx refuses).
  return items.map((item) => (opts.trim === false ? item : item.trim())).filter((item) => item.trim() !== '');
}

/**
 * CSV records, or an error naming the input and the line. The reader's own
 * words quote the text, which may be a secret: they are not passed on.
 */
export function csv(input: string, text: string, options: Options): string[][] {
  try {
    return parse(text, options) as string[][];
  } catch (e) {
    const line = (e as { lines?: unknown }).lines;
    const where = typeof line === 'number' ? ` (line ${line})` : '';
    throw new InputError(
      input,
      `a double quote is not closed${where}: close it, or write "" for a quote inside a quoted field ` +
        '(the value is not shown: it may hold a secret)',
    );
  }
}

/** `key=value` attributes (an attestation, an output) as CSV fields: a quoted value may hold a comma. */
export function attributes(input: string, attrs: string): string[] {
  return csv(input, attrs, { delimiter: ',', trim: true, relax_column_count: true }).flat();
}
