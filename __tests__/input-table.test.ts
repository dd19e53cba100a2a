// The one table of inputs (src/core/input-table.ts): a row by name, which rows
// span lines, and which rows a mode reads.
import { describe, expect, test } from '@jest/globals';
import { INPUTS, inputSpec, inputsOf, isMultiLine } from '../src/core/input-table.js';

describe('inputSpec', () => {
  test('the row of a named input', () => {
    expect(inputSpec('image')).toMatchObject({ name: 'image', kind: 'text' });
    expect(inputSpec('cleanup')).toMatchObject({ name: 'cleanup', kind: 'bool', default: 'false' });
    expect(inputSpec('secrets')).toMatchObject({ name: 'secrets', kind: 'secrets' });
  });

  test('an input the table does not hold is a bug, said as such', () => {
    expect(() => inputSpec('no-such-input')).toThrow('no input "no-such-input" in src/core/input-table.ts');
  });
});

describe('isMultiLine: lists and secrets span lines, the rest is one line', () => {
  test.each([
    ['secrets', true],
    ['build-args', true],
    ['tags', true],
    ['platforms', true],
    ['image', false],
    ['load', false],
    ['cleanup', false],
  ])('%s: %s', (name, multi) => {
    expect(isMultiLine(name)).toBe(multi);
  });

  test('every row, by its kind', () => {
    const multi = INPUTS.filter((i) => isMultiLine(i.name)).map((i) => i.kind);
    const single = INPUTS.filter((i) => !isMultiLine(i.name)).map((i) => i.kind);
    expect([...new Set(multi)].sort()).toEqual(['items', 'lines', 'secrets']);
    expect([...new Set(single)].sort()).toEqual(['bool', 'text']);
  });
});

describe('inputsOf', () => {
  test('a mode reads the rows that name it, in table order', () => {
    const cleanup = inputsOf('cleanup').map((i) => i.name);
    expect(cleanup).toEqual(INPUTS.filter((i) => i.modes.includes('cleanup')).map((i) => i.name));
    expect(cleanup).toEqual(expect.arrayContaining(['image', 'cleanup', 'keep-for', 'dry-run', 'context']));
    expect(cleanup).not.toContain('tags');
    expect(inputsOf('build').map((i) => i.name)).toEqual(expect.arrayContaining(['tags', 'image', 'context']));
    expect(inputsOf('build').map((i) => i.name)).not.toContain('keep-for');
    expect(inputsOf('merge').map((i) => i.name)).toEqual(expect.arrayContaining(['merge', 'digests', 'builder']));
  });
});
