import { describe, expect, test } from '@jest/globals';
import { InputError } from '../src/core/errors.js';
import { parseImage } from '../src/core/image.js';
import { thrown } from './helpers.js';

describe('parseImage: valid repositories', () => {
  test.each([
    'ghcr.io/acme/app',
    '127.0.0.1:5000/app',
    'localhost/x',
    'localhost:5000/team/app',
    'docker.io/library/alpine',
    'registry.example.com:5000/a/b-c/d_e',
    'alpine',
    'acme/app',
    'a.b/c__d/e--f/g.h',
    '[::1]:5000/app',
    'my-registry.local/app',
  ])('%s is kept as is', (image) => {
    expect(parseImage(image)).toEqual({ repository: image, lowered: false });
  });

  test('surrounding whitespace is trimmed', () => {
    expect(parseImage('  ghcr.io/acme/app\n')).toEqual({ repository: 'ghcr.io/acme/app', lowered: false });
  });

  test('upper-case path components are lowered, and lowered is true', () => {
    expect(parseImage('ghcr.io/Acme/MyApp')).toEqual({ repository: 'ghcr.io/acme/myapp', lowered: true });
    expect(parseImage('Acme/App')).toEqual({ repository: 'acme/app', lowered: true });
  });

  test('the registry host keeps its case (it is not a path component)', () => {
    expect(parseImage('Registry.Example.com/acme/app')).toEqual({
      repository: 'Registry.Example.com/acme/app',
      lowered: false,
    });
  });

  test('a 255-character name is accepted, 256 is not', () => {
    const ok = 'r.io/' + 'a'.repeat(250);
    expect(ok).toHaveLength(255);
    expect(parseImage(ok).repository).toBe(ok);
    const e = thrown(() => parseImage(ok + 'a'));
    expect(e.message).toMatch(/^image: .*longer than 255 characters/);
  });
});

describe('parseImage: invalid references are InputErrors naming image', () => {
  test.each([
    ['empty', '', /is required/],
    ['only spaces', '   ', /is required/],
    ['inner space', 'ghcr.io/acme/my app', /contains whitespace/],
    ['a tab', 'ghcr.io/acme/\tapp', /contains whitespace/],
    ['an exclamation mark', 'ghcr.io/acme/app!', /invalid path component "app!"/],
    ['a tag', 'ghcr.io/a/b:v1', /has a tag: remove ":v1"/],
    ['a tag without a registry', 'alpine:3.20', /has a tag: remove ":3.20"/],
    ['a registry port but also a tag', 'localhost:5000/app:latest', /has a tag: remove ":latest"/],
    ['a digest', `a/b@sha256:${'0'.repeat(64)}`, /has a digest: remove "@sha256:0+"/],
    ['a tag and digest', `ghcr.io/a/b:v1@sha256:${'1'.repeat(64)}`, /has a digest/],
    ['an empty path component', 'a//b', /invalid path component ""/],
    ['a trailing -', 'ghcr.io/acme/app-', /invalid path component "app-"/],
    ['a leading -', 'ghcr.io/-acme/app', /invalid path component "-acme"/],
    ['a leading /', '/app', /invalid path component ""/],
    ['a trailing /', 'ghcr.io/acme/', /invalid path component ""/],
    ['a registry only', 'ghcr.io/', /invalid path component ""/],
    ['a double dot', 'acme/a..b', /invalid path component "a..b"/],
    ['three underscores', 'acme/a___b', /invalid path component "a___b"/],
    ['a bad registry host', 'bad_host.io:5000/app', /invalid registry host "bad_host.io:5000"/],
    ['a non-numeric port', 'ghcr.io:abc/app', /invalid registry host "ghcr.io:abc"/],
    ['a non-ASCII letter', 'ghcr.io/acme/äpp', /invalid path component "äpp"/],
    ['shell characters', 'ghcr.io/acme/$(id)', /invalid path component/],
  ])('%s: %p', (_, image, message) => {
    const e = thrown(() => parseImage(image));
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).input).toBe('image');
    expect(e.message).toMatch(/^image: /);
    expect(e.message).toMatch(message);
  });
});

describe('parseImage: each error in full', () => {
  const fix = 'give a repository such as ghcr.io/owner/app (no tag or digest)';
  test.each([
    ['', `image: is required: ${fix}`],
    ['a b', `image: "a b" contains whitespace: ${fix}`],
    ['a/b@sha256:1', `image: "a/b@sha256:1" has a digest: remove "@sha256:1"; ${fix}`],
    ['a/b:v:2', 'image: "a/b:v:2" has a tag: remove ":2", the action adds its own cache tags'],
    ['bad_host.io/app', `image: "bad_host.io/app" has an invalid registry host "bad_host.io": ${fix}`],
    [
      'a/B!',
      'image: "a/B!" has an invalid path component "b!": use lower-case letters, digits and single separators ' +
        '(. _ -) only',
    ],
    [`r.io/${'a'.repeat(251)}`, `image: "r.io/${'a'.repeat(251)}" is longer than 255 characters`],
  ])('%j', (image, message) => {
    expect(thrown(() => parseImage(image)).message).toBe(message);
  });

  test('a first part with a dot, a colon or named localhost is a host; another is a path', () => {
    expect(parseImage('Localhost/App')).toEqual({ repository: 'localhost/app', lowered: true });
    expect(parseImage('localhost/App')).toEqual({ repository: 'localhost/app', lowered: true });
    expect(parseImage('host:5000/App')).toEqual({ repository: 'host:5000/app', lowered: true });
    expect(parseImage('Host.io/app')).toEqual({ repository: 'Host.io/app', lowered: false });
    expect(() => parseImage('Host_x:5000/app')).toThrow('invalid registry host "Host_x:5000"');
    expect(() => parseImage('x:y')).toThrow('has a tag: remove ":y"');
  });

  test('a name without a slash is a path, whatever it holds: no host is taken from it', () => {
    expect(parseImage('my.app')).toEqual({ repository: 'my.app', lowered: false });
    expect(parseImage('My.App')).toEqual({ repository: 'my.app', lowered: true });
  });

  test('a host with a port is a host: its colon is no tag', () => {
    expect(parseImage('localhost:5000/app')).toEqual({ repository: 'localhost:5000/app', lowered: false });
  });
});
