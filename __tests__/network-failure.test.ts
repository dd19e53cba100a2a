// Why a request failed, in words (src/core/network-failure.ts): the errors fetch
// throws are built here as plain objects, as they arrive from another realm.
import { describe, expect, test } from '@jest/globals';
import { requestFailure } from '../src/core/network-failure.js';

const fetchFailed = (cause: unknown, message = 'fetch failed') => Object.assign(new TypeError(message), { cause });

describe('requestFailure: a timeout', () => {
  test.each(['TimeoutError', 'AbortError'])('%s: no answer in time, with the limit when known', (name) => {
    const e = { name, message: 'aborted' };
    expect(requestFailure(e, 'ghcr.io')).toBe('no answer from ghcr.io in time');
    expect(requestFailure(e, 'ghcr.io', 30_000)).toBe('no answer from ghcr.io within 30 s (request-timeout)');
    expect(requestFailure(e, 'ghcr.io', 1234)).toBe('no answer from ghcr.io within 1.234 s (request-timeout)');
    expect(requestFailure(e, 'ghcr.io', 1)).toBe('no answer from ghcr.io within 0.001 s (request-timeout)');
    expect(requestFailure(e, 'ghcr.io', 0.4)).toBe('no answer from ghcr.io within 0 s (request-timeout)');
  });
});

describe('requestFailure: a network error', () => {
  test('no cause and no code: the error’s own words', () => {
    expect(requestFailure(new Error('socket hang up'), 'h')).toBe('connection to h failed: socket hang up');
    expect(requestFailure('boom', 'h')).toBe('connection to h failed: boom');
    expect(requestFailure(null, 'h')).toBe('connection to h failed: null');
    expect(requestFailure(undefined, 'h')).toBe('connection to h failed: undefined');
    expect(requestFailure(fetchFailed(null), 'h')).toBe('connection to h failed: fetch failed');
  });

  test('a cause with a code and a message: the message, the code, what it means', () => {
    const e = fetchFailed({ code: 'ECONNREFUSED', message: 'connect failed 127.0.0.1:5000' });
    expect(requestFailure(e, 'localhost:5000')).toBe(
      'connection to localhost:5000 failed: connect failed 127.0.0.1:5000 (ECONNREFUSED) (nothing listens there)',
    );
  });

  test('a message that already names the code does not repeat it', () => {
    const e = fetchFailed({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND nope.example' });
    expect(requestFailure(e, 'nope.example')).toBe(
      'connection to nope.example failed: getaddrinfo ENOTFOUND nope.example (no such host: check the name, DNS)',
    );
  });

  test('a code nobody explains: the code alone', () => {
    expect(requestFailure(fetchFailed({ code: 'EWEIRD', message: 'odd' }), 'h')).toBe(
      'connection to h failed: odd (EWEIRD)',
    );
  });

  test('a code on the error itself, without a cause', () => {
    const e = Object.assign(new Error('read failed'), { code: 'ECONNRESET' });
    expect(requestFailure(e, 'h')).toBe('connection to h failed: read failed (ECONNRESET) (the connection was reset)');
  });

  test('the cause’s code wins over the error’s', () => {
    const e = Object.assign(fetchFailed({ code: 'EPIPE', message: 'closed' }), { code: 'ECONNRESET' });
    expect(requestFailure(e, 'h')).toBe('connection to h failed: closed (EPIPE) (the connection was closed)');
  });

  test('a cause without a message: the error’s; an empty one too', () => {
    expect(requestFailure(fetchFailed({ code: 'ETIMEDOUT' }), 'h')).toBe(
      'connection to h failed: fetch failed (ETIMEDOUT) (the connection timed out)',
    );
    expect(requestFailure(fetchFailed({ code: 'ETIMEDOUT', message: '' }), 'h')).toBe(
      'connection to h failed: fetch failed (ETIMEDOUT) (the connection timed out)',
    );
    expect(requestFailure(fetchFailed({ code: 'ETIMEDOUT', message: 5 }), 'h')).toBe(
      'connection to h failed: fetch failed (ETIMEDOUT) (the connection timed out)',
    );
  });

  test('a cause without a code: its message alone', () => {
    expect(requestFailure(fetchFailed({ message: 'other side hung up' }), 'h')).toBe(
      'connection to h failed: other side hung up',
    );
    expect(requestFailure(fetchFailed(new Error('tls alert')), 'h')).toBe('connection to h failed: tls alert');
  });

  test('several addresses tried: the first one’s words when there are none else', () => {
    const agg = { code: 'ECONNREFUSED', message: '', errors: [{ message: 'connect ECONNREFUSED ::1:80' }, {}] };
    const e = fetchFailed(agg, '');
    expect(requestFailure(e, 'h')).toBe('connection to h failed: connect ECONNREFUSED ::1:80 (nothing listens there)');
    const noWords = fetchFailed({ code: 'ECONNREFUSED', errors: [{ message: 3 }] }, '');
    expect(requestFailure(noWords, 'h')).toBe('connection to h failed: (ECONNREFUSED) (nothing listens there)');
    const notArray = fetchFailed({ code: 'EX', errors: { 0: { message: 'm' } } }, '');
    expect(requestFailure(notArray, 'h')).toBe('connection to h failed: (EX)');
    const withWords = fetchFailed({ code: 'ECONNREFUSED', message: 'refused', errors: [{ message: 'first' }] });
    expect(requestFailure(withWords, 'h')).toBe(
      'connection to h failed: refused (ECONNREFUSED) (nothing listens there)',
    );
  });

  test.each([
    ['EAI_AGAIN', 'the DNS lookup failed for now'],
    ['UND_ERR_SOCKET', 'the connection was closed'],
    ['UND_ERR_CONNECT_TIMEOUT', 'the connection timed out'],
    ['EHOSTUNREACH', 'the host cannot be reached'],
    ['ENETUNREACH', 'the network cannot be reached'],
    ['CERT_HAS_EXPIRED', 'its TLS certificate has expired'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'its TLS certificate is self-signed'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'its TLS certificate is not trusted'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'its TLS certificate is not trusted'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'its TLS certificate is for another name'],
  ])('%s: %s', (code, meaning) => {
    expect(requestFailure(fetchFailed({ code, message: 'x' }), 'h')).toBe(
      `connection to h failed: x (${code}) (${meaning})`,
    );
  });
});
