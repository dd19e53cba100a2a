import { describe, expect, test } from '@jest/globals';
import { errorMessage, InputError } from '../src/core/errors.js';

describe('InputError', () => {
  test('the message starts with the input name; the input is kept', () => {
    const e = new InputError('image', 'is required');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('image: is required');
    expect(e.input).toBe('image');
    expect(e.name).toBe('InputError');
  });
});

describe('errorMessage: anything thrown, as one line', () => {
  test('an Error gives its message', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage(new InputError('file', 'missing'))).toBe('file: missing');
  });

  test('a thrown string is itself', () => {
    expect(errorMessage('plain string')).toBe('plain string');
  });

  test('other values are JSON, or String() when JSON cannot say', () => {
    expect(errorMessage({ code: 2 })).toBe('{"code":2}');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(null)).toBe('null');
    expect(errorMessage(undefined)).toBe('undefined');
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(errorMessage(circular)).toBe('[object Object]');
    expect(errorMessage(10n)).toBe('10');
  });
});
