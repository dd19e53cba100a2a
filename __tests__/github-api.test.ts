// The GitHub REST API's rules as plain data (src/core/github-api.ts): the API's
// base URL and origin, Link pages, rate-limit answers and one-line errors.
import { describe, expect, test } from '@jest/globals';
import {
  apiBaseUrl,
  apiMessage,
  oneLineText,
  parseLinks,
  rateLimit,
  rateLimitReason,
  requestPath,
  sameOrigin,
  statusReason,
} from '../src/core/github-api.js';

describe('apiBaseUrl (GITHUB_API_URL)', () => {
  test.each([
    [undefined, 'https://api.github.com'],
    ['', 'https://api.github.com'],
    ['  ', 'https://api.github.com'],
    ['https://ghes.example.com/api/v3/', 'https://ghes.example.com/api/v3'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ])('%p -> %p', (value, base) => {
    expect(apiBaseUrl(value)).toBe(base);
  });

  test.each([
    ['api.github.com', /is not a URL/],
    ['ftp://example.com', /is not an http\(s\) URL/],
    ['https://user:pw@example.com', /has credentials, a query or a fragment/],
    ['https://example.com/?x=1', /has credentials, a query or a fragment/],
  ])('%p is refused', (value, message) => {
    expect(() => apiBaseUrl(value)).toThrow(message);
  });

  test('the refusal does not repeat credentials', () => {
    expect(() => apiBaseUrl('https://user:s3cret@example.com')).toThrow(/^(?!.*s3cret)/);
  });
});

describe('sameOrigin: scheme, host and port', () => {
  test.each([
    ['https://api.github.com/a', 'https://api.github.com/b?x', true],
    ['https://api.github.com:443/a', 'https://api.github.com', true],
    ['https://API.GitHub.com/a', 'https://api.github.com', true],
    ['http://api.github.com/a', 'https://api.github.com', false],
    ['https://api.github.com:8443/a', 'https://api.github.com', false],
    ['https://api.github.com.evil.example/a', 'https://api.github.com', false],
    ['https://evil.example/https://api.github.com', 'https://api.github.com', false],
    ['not a url', 'https://api.github.com', false],
  ])('%p and %p: %p', (a, b, same) => {
    expect(sameOrigin(a, b)).toBe(same);
  });
});

describe('parseLinks', () => {
  const base = 'https://api.github.com/orgs/acme/packages?page=2';

  test("GitHub's header: next, last, first, prev", () => {
    const header =
      '<https://api.github.com/orgs/acme/packages?page=3>; rel="next", ' +
      '<https://api.github.com/orgs/acme/packages?page=5>; rel="last", ' +
      '<https://api.github.com/orgs/acme/packages?page=1>; rel="first", ' +
      '<https://api.github.com/orgs/acme/packages?page=1>; rel="prev"';
    expect(parseLinks(header, base)).toEqual({
      next: 'https://api.github.com/orgs/acme/packages?page=3',
      last: 'https://api.github.com/orgs/acme/packages?page=5',
      first: 'https://api.github.com/orgs/acme/packages?page=1',
      prev: 'https://api.github.com/orgs/acme/packages?page=1',
    });
  });

  test.each([
    ['no header', null, {}],
    ['empty', '', {}],
    [
      'a relative URL is resolved against the answer',
      '</orgs/acme/packages?page=3>; rel="next"',
      {
        next: 'https://api.github.com/orgs/acme/packages?page=3',
      },
    ],
    [
      'unquoted rel, other parameters, odd spacing',
      '<https://x.test/p?a=1,2> ;title="a, b";rel=next',
      {
        next: 'https://x.test/p?a=1,2',
      },
    ],
    [
      'several rels in one link',
      '<https://x.test/3>; rel="next last"',
      {
        next: 'https://x.test/3',
        last: 'https://x.test/3',
      },
    ],
    [
      'the first link of a rel wins',
      '<https://x.test/1>; rel="next", <https://x.test/2>; rel="next"',
      {
        next: 'https://x.test/1',
      },
    ],
    ['rel is case-insensitive', '<https://x.test/1>; REL="Next"', { next: 'https://x.test/1' }],
    ['a link without rel is ignored', '<https://x.test/1>; title="x"', {}],
    ['garbage', 'rel="next"', {}],
  ])('%s', (_name, header, links) => {
    expect(parseLinks(header, base)).toEqual(links);
  });
});

describe('rateLimit', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  const headers = (h: Record<string, string>) => (name: string) => h[name] ?? null;

  test.each([
    ['a plain 403 is a permission answer', 403, {}, undefined],
    ['403 with requests left is a permission answer', 403, { 'x-ratelimit-remaining': '12' }, undefined],
    ['404 is not a limit, whatever its headers', 404, { 'x-ratelimit-remaining': '0' }, undefined],
    [
      '403, primary limit: x-ratelimit-remaining 0 and the reset in epoch seconds',
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 90) },
      { resetAt: new Date(now + 90_000) },
    ],
    ['429 with retry-after in seconds', 429, { 'retry-after': '60' }, { resetAt: new Date(now + 60_000) }],
    ['403, secondary limit: retry-after', 403, { 'retry-after': '5' }, { resetAt: new Date(now + 5000) }],
    [
      'retry-after wins over x-ratelimit-reset',
      429,
      { 'retry-after': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 3600) },
      { resetAt: new Date(now + 1000) },
    ],
    [
      'retry-after as an HTTP date',
      429,
      { 'retry-after': 'Wed, 01 Jan 2025 12:10:00 GMT' },
      { resetAt: new Date(now + 600_000) },
    ],
    ['429 that says nothing more: limited, reset unknown', 429, {}, {}],
    [
      'an unreadable reset: limited, reset unknown',
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': 'x' },
      {},
    ],
  ])('%s', (_name, status, h, limit) => {
    expect(rateLimit(status, headers(h), now)).toEqual(limit);
  });

  test.each([
    [{ resetAt: new Date(now + 42_000) }, 'rate limited: the limit resets at 2025-01-01T12:00:42Z (in 42 s)'],
    [{ resetAt: new Date(now + 1500) }, 'rate limited: the limit resets at 2025-01-01T12:00:01Z (in 2 s)'],
    [{ resetAt: new Date(now + 30 * 60_000) }, 'rate limited: the limit resets at 2025-01-01T12:30:00Z (in 30 min)'],
    [{ resetAt: new Date(now + 3 * 3600_000) }, 'rate limited: the limit resets at 2025-01-01T15:00:00Z (in 3 h)'],
    [{ resetAt: new Date(now - 5000) }, 'rate limited: the limit resets at 2025-01-01T11:59:55Z (in 0 s)'],
    [{}, 'rate limited: the API did not say when the limit resets'],
  ])('rateLimitReason %#', (limit, reason) => {
    expect(rateLimitReason(limit, now)).toBe(reason);
  });
});

describe('error wording', () => {
  test.each([
    ['GitHub message', '{"message":"Not Found","documentation_url":"https://docs.github.com"}', 'Not Found'],
    [
      "a 422's errors too",
      '{"message":"Validation Failed","errors":[{"resource":"Issue","code":"custom","message":"body is too long"},"x"]}',
      'Validation Failed (body is too long; x)',
    ],
    ['not JSON (a proxy page)', '<html><h1>502 Bad Gateway</h1></html>', undefined],
    ['JSON without a message', '{"a":1}', undefined],
    ['JSON that is not an object', '"text"', undefined],
    ['empty', '', undefined],
  ])('apiMessage: %s', (_name, body, message) => {
    expect(apiMessage(body)).toBe(message);
  });

  test('statusReason: the API message, else the status text', () => {
    expect(statusReason(404, 'Not Found', 'Package not found.')).toBe('HTTP 404 Package not found.');
    expect(statusReason(502, 'Bad Gateway', undefined)).toBe('HTTP 502 Bad Gateway');
    expect(statusReason(500, '', undefined)).toBe('HTTP 500');
  });

  test('oneLineText: one line, secrets replaced, bounded', () => {
    expect(oneLineText('bad\r\ncredentials\u2028for ghs_abc\tnow', ['ghs_abc'])).toBe('bad credentials for *** now');
    const long = oneLineText('x'.repeat(1000));
    expect(long).toHaveLength(300);
    expect(long).toMatch(/…$/);
    expect(oneLineText('y'.repeat(1000), [], Number.POSITIVE_INFINITY)).toHaveLength(1000);
    expect(oneLineText('a', [''])).toBe('a');
  });

  test('requestPath: path and query, no host and no userinfo', () => {
    expect(requestPath('https://u:p@ghes.example.com/api/v3/orgs/acme?page=2')).toBe('/api/v3/orgs/acme?page=2');
  });
});

describe('github-api: edges of each rule', () => {
  test('apiBaseUrl: each refusal in full; trailing slashes go; http is allowed', () => {
    expect(() => apiBaseUrl('nope')).toThrow(
      new Error('GITHUB_API_URL "nope" is not a URL: e.g. https://api.github.com'),
    );
    expect(() => apiBaseUrl(' file:///x ')).toThrow(
      new Error('GITHUB_API_URL "file:///x" is not an http(s) URL: e.g. https://api.github.com'),
    );
    expect(() => apiBaseUrl('https://h.test/api?x=1')).toThrow(
      new Error('GITHUB_API_URL "https://h.test/api…" has credentials, a query or a fragment'),
    );
    expect(() => apiBaseUrl('https://h.test/#frag')).toThrow(/has credentials, a query or a fragment/);
    expect(() => apiBaseUrl('https://:pw@h.test/')).toThrow(/has credentials, a query or a fragment/);
    expect(() => apiBaseUrl('https://user@h.test/')).toThrow(/has credentials, a query or a fragment/);
    expect(apiBaseUrl('http://h.test/api///')).toBe('http://h.test/api');
    expect(apiBaseUrl(' https://h.test ')).toBe('https://h.test');
  });

  test('parseLinks: a URL that does not resolve is skipped; an empty rel names nothing', () => {
    expect(parseLinks('<http://[bad>; rel="next", <https://x.test/2>; rel="last"', 'https://a.test/')).toEqual({
      last: 'https://x.test/2',
    });
    expect(parseLinks('<https://x.test/1>; rel=""', 'https://a.test/')).toEqual({});
    expect(parseLinks('<https://x.test/1>; rel="  next  "', 'https://a.test/')).toEqual({ next: 'https://x.test/1' });
    expect(parseLinks(undefined, 'https://a.test/')).toEqual({});
    expect(parseLinks('< /p >; rel=next', 'https://a.test/q')).toEqual({ next: 'https://a.test/p' });
  });

  test('rateLimit: how each header is read', () => {
    const now = Date.UTC(2025, 0, 1);
    const h = (o: Record<string, string>) => (name: string) => o[name] ?? null;
    expect(rateLimit(403, h({ 'x-ratelimit-remaining': ' 0 ' }), now)).toEqual({});
    expect(rateLimit(429, h({ 'x-ratelimit-remaining': '5' }), now)).toEqual({});
    expect(rateLimit(429, h({ 'retry-after': '0' }), now)).toEqual({ resetAt: new Date(now) });
    expect(rateLimit(429, h({ 'retry-after': ' 2 ' }), now)).toEqual({ resetAt: new Date(now + 2000) });
    expect(rateLimit(429, h({ 'retry-after': 'later', 'x-ratelimit-reset': '1700000000' }), now)).toEqual({
      resetAt: new Date(1_700_000_000_000),
    });
    expect(rateLimit(429, h({ 'retry-after': '', 'x-ratelimit-reset': '1700000000' }), now)).toEqual({
      resetAt: new Date(1_700_000_000_000),
    });
    expect(rateLimit(429, h({ 'retry-after': 'soon' }), now)).toEqual({});
    expect(rateLimit(429, h({ 'x-ratelimit-reset': '0' }), now)).toEqual({});
    expect(rateLimit(429, h({ 'x-ratelimit-reset': ' ' }), now)).toEqual({});
    expect(rateLimit(429, h({ 'x-ratelimit-reset': '-1' }), now)).toEqual({});
    expect(rateLimit(403, h({ 'retry-after': '' }), now)).toEqual({});
    expect(rateLimit(200, h({ 'retry-after': '1' }), now)).toBeUndefined();
  });

  test('rateLimitReason: seconds below 2 minutes, minutes below 2 hours, then tenths of hours', () => {
    const now = Date.UTC(2025, 0, 1);
    const reason = (s: number) => rateLimitReason({ resetAt: new Date(now + s * 1000) }, now).replace(/.*\(in /, '(');
    expect([119, 120, 150, 7199, 7200, 9000].map(reason)).toEqual([
      '(119 s)',
      '(2 min)',
      '(3 min)',
      '(120 min)',
      '(2 h)',
      '(2.5 h)',
    ]);
    expect(rateLimitReason({ resetAt: new Date(now + 1234) }, now)).toBe(
      'rate limited: the limit resets at 2025-01-01T00:00:01Z (in 2 s)',
    );
  });

  test('oneLineText: cut only past the limit; every secret replaced', () => {
    expect(oneLineText('abcde', [], 5)).toBe('abcde');
    expect(oneLineText('abcdef', [], 5)).toBe('abcd…');
    expect(oneLineText('  a \n\n b  ')).toBe('a b');
    expect(oneLineText('s1 and s2, s1', ['s1', 's2'])).toBe('*** and ***, ***');
  });

  test('apiMessage: only the text of each error; errors alone; no words at all', () => {
    expect(apiMessage('{"message":"Bad","errors":[null,{"message":""},{"message":3},"",{"code":"x"},"y"]}')).toBe(
      'Bad (y)',
    );
    expect(apiMessage('{"errors":["a",{"message":"b"}]}')).toBe('(a; b)');
    expect(apiMessage('{"message":5,"errors":"x"}')).toBeUndefined();
    expect(apiMessage('{"message":""}')).toBeUndefined();
    expect(apiMessage('null')).toBeUndefined();
    expect(apiMessage('[]')).toBeUndefined();
    expect(statusReason(500, 'Server Error', '')).toBe('HTTP 500');
  });
});

describe('github-api: more edges', () => {
  test('parseLinks: a parameter without a value does not hide the rel; only `rel` itself names one', () => {
    expect(parseLinks('<https://a.example/x>; foo; rel="next"', 'https://a.example/')).toStrictEqual({
      next: 'https://a.example/x',
    });
    expect(parseLinks('<https://a.example/x>; relation="next"', 'https://a.example/')).toStrictEqual({});
  });

  test('parseLinks: a link that does not resolve leaves no entry behind', () => {
    expect(
      parseLinks('<http://[bad>; rel="prev", <https://a.example/n>; rel="next"', 'https://a.example/'),
    ).toStrictEqual({
      next: 'https://a.example/n',
    });
  });

  test('rateLimit: a blank or endless retry-after says no time; the reset header is read then', () => {
    const headers = (h: Record<string, string>) => (name: string) => h[name] ?? null;
    expect(rateLimit(429, headers({ 'retry-after': '  ' }), 0)).toEqual({});
    expect(rateLimit(429, headers({ 'retry-after': 'Infinity' }), 0)).toEqual({});
    expect(rateLimit(429, headers({ 'retry-after': ' ', 'x-ratelimit-reset': '100' }), 0)).toEqual({
      resetAt: new Date(100_000),
    });
  });

  test('oneLineText: an empty secret replaces nothing', () => {
    expect(oneLineText('ab', [''])).toBe('ab');
  });

  test('apiMessage: JSON that is no object says nothing', () => {
    expect(['null', '5', '"text"', '[]'].map(apiMessage)).toEqual([undefined, undefined, undefined, undefined]);
  });
});
