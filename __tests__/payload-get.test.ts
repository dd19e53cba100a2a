// Reading fields out of an untrusted event payload (src/core/payload.ts).
import { describe, expect, test } from '@jest/globals';
import { get, str } from '../src/core/payload.js';

describe('get', () => {
  const payload = { repository: { default_branch: 'main', owner: null }, commits: [{ id: 'a1' }], n: 3 };

  test('follows the path through objects and arrays', () => {
    expect(get(payload, 'repository', 'default_branch')).toEqual('main');
    expect(get(payload, 'commits', '0', 'id')).toEqual('a1');
    expect(get(payload)).toEqual(payload);
  });

  test('undefined as soon as a step is missing, null or not an object', () => {
    expect(get(payload, 'pull_request', 'head', 'ref')).toEqual(undefined);
    expect(get(payload, 'repository', 'owner', 'login')).toEqual(undefined);
    expect(get(payload, 'n', 'toFixed')).toEqual(undefined);
    expect(get(payload, 'repository', 'default_branch', 'length')).toEqual(undefined);
    expect(get(null, 'a')).toEqual(undefined);
    expect(get(undefined, 'a')).toEqual(undefined);
  });
});

describe('str', () => {
  test('a string with something in it, trimmed', () => {
    expect(str('  feature/x \n')).toEqual('feature/x');
    expect(str('main')).toEqual('main');
  });

  test('undefined for an empty or blank string and for anything not a string', () => {
    expect([str(''), str('   '), str('\n\t'), str(3), str(null), str(undefined), str({}), str(['a'])]).toEqual(
      Array(8).fill(undefined),
    );
  });
});
