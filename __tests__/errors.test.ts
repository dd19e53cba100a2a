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

  test('an Error subclass of any name gives its message', () => {
    class Oops extends Error {}
    expect(errorMessage(new Oops('went wrong'))).toBe('went wrong');
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

describe('InputError in a front door’s words', () => {
  const cli = { name: (n: string) => `--${n}`, ref: (n: string) => `--${n}` };

  test('a fixed detail: only the name changes', () => {
    const e = new InputError('image', 'is required');
    expect(e.describe(cli)).toBe('--image: is required');
    expect(errorMessage(e, cli)).toBe('--image: is required');
  });

  test('a worded detail: the action’s words in the message, the front door’s in describe()', () => {
    const e = new InputError('tags', (w) => `conflicts with ${w.ref('image')}`);
    expect(e.message).toBe('tags: conflicts with the `image` input');
    expect(e.describe(cli)).toBe('--tags: conflicts with --image');
    expect(errorMessage(e)).toBe('tags: conflicts with the `image` input');
    expect(errorMessage(e, cli)).toBe('--tags: conflicts with --image');
  });
});

describe('errorMessage: errors from another realm and error-like objects', () => {
  test('an Error made in another VM context gives its message', async () => {
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext('new TypeError("fetch failed")') as unknown;
    expect(foreign instanceof Error).toBe(false);
    expect(errorMessage(foreign)).toBe('fetch failed');
  });

  test('an object of an *Error class with a message gives it; other objects are JSON', () => {
    class NetworkError {
      constructor(readonly message: string) {}
    }
    expect(errorMessage(new NetworkError('reset'))).toBe('reset');
    class Other {
      constructor(readonly message: string) {}
    }
    expect(errorMessage(new Other('not an error'))).toBe('{"message":"not an error"}');
    expect(errorMessage({ message: 'plain object' })).toBe('{"message":"plain object"}');
    expect(errorMessage(new NetworkError(42 as unknown as string))).toBe('{"message":42}');
    const bare = Object.assign(Object.create(null) as object, { message: 'no prototype' });
    expect(errorMessage(bare)).toBe('{"message":"no prototype"}');
  });

  test('a value JSON cannot say is its String()', () => {
    const fn = function named() {};
    expect(errorMessage(fn)).toBe(String(fn));
    expect(errorMessage(Symbol('s'))).toBe('Symbol(s)');
    // A function is never taken for an error, whatever it carries.
    const errorLike = Object.assign(() => 0, { message: 'not used', constructor: { name: 'FakeError' } });
    expect(errorMessage(errorLike)).toBe(String(errorLike));
  });
});
