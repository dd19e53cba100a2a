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
