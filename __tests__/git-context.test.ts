// Git contexts (src/core/git-context.ts): the URL forms buildx takes, the
// choice of context for a run, the Dockerfile's path in the repository, the
// contents request and the GIT_AUTH_TOKEN secret. A context is the workflow
// author's, but a ref or a subdir may come from anywhere (a branch name, an
// event): hostile ones must never leave the repository, reach another API
// path, or send the token to another host.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  chooseContext,
  contentsRequest,
  dockerfileInRepo,
  gitAuthSecret,
  parseGitUrl,
  urlPassword,
  workflowRepoUrl,
  type GitUrl,
} from '../src/core/git-context.js';
import { HOSTILE_CHARS, thrown } from './helpers.js';

const SHA = 'a'.repeat(40);
const RUN = { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/app', GITHUB_SHA: SHA };

describe('parseGitUrl', () => {
  test.each<[string, Partial<GitUrl> | undefined]>([
    [
      'https://github.com/acme/app.git',
      { scheme: 'https', host: 'github.com', path: 'acme/app.git', ref: '', subdir: '' },
    ],
    ['https://github.com/acme/app.git#main', { ref: 'main', subdir: '' }],
    ['https://github.com/acme/app.git#v1.2:docker/app', { ref: 'v1.2', subdir: 'docker/app' }],
    ['https://github.com/acme/app.git#:sub', { ref: '', subdir: 'sub' }],
    ['https://x-access-token:t0k@GitHub.com:8443/acme/app.git#main', { host: 'github.com:8443', path: 'acme/app.git' }],
    ['http://127.0.0.1:8080/acme/app.git#' + SHA, { scheme: 'http', host: '127.0.0.1:8080', ref: SHA }],
    ['git@github.com:acme/app.git#dev:sub', { scheme: 'ssh', host: 'github.com', path: 'acme/app.git', ref: 'dev' }],
    ['ssh://git@github.com/acme/app.git', { scheme: 'ssh', host: 'github.com', path: 'acme/app.git' }],
    ['git://github.com/acme/app.git#v1', { scheme: 'git', ref: 'v1' }],
    ['github.com/acme/app', { scheme: 'https', host: 'github.com', path: 'acme/app' }],
    ['https://github.com/acme/app.git?ref=main&subdir=d', { ref: 'main', subdir: 'd' }],
    ['https://github.com/acme/app.git?tag=v1', { ref: 'refs/tags/v1' }],
    ['https://github.com/acme/app.git?branch=dev', { ref: 'refs/heads/dev' }],
    ['https://github.com/acme/app.git?ref=main&commit=' + SHA, { ref: SHA }],
    // Not Git: a path, an HTTP URL without .git, another scheme, conflicting refs, bad escapes.
    ['.', undefined],
    ['./github.com/acme/app', undefined],
    ['../app.git', undefined],
    ['https://github.com/acme/app', undefined],
    ['https://example.com/context.tar.gz', undefined],
    ['docker-image://alpine', undefined],
    ['file:///srv/app.git', undefined],
    ['https://github.com/acme/app.git?ref=a#b', undefined],
    ['https://github.com/acme/app.git#%zz', undefined],
    ['https:///app.git', undefined],
  ])('%s', (context, expected) => {
    const git = parseGitUrl(context);
    if (expected === undefined) expect(git).toBeUndefined();
    else expect(git).toMatchObject(expected);
  });

  test('a subdir never climbs out of the repository, and the host never holds the credentials', () => {
    expect(parseGitUrl('https://github.com/acme/app.git#main:../../etc')?.subdir).toBe('etc');
    expect(parseGitUrl('https://github.com/acme/app.git#main:/a/./b/../c/')?.subdir).toBe('a/c');
    expect(parseGitUrl('https://u:secret@github.com/acme/app.git')?.host).toBe('github.com');
  });

  test('over hostile refs and subdirs: a subdir is always inside, and the parse never throws', () => {
    const part = fc.array(fc.constantFrom(...HOSTILE_CHARS, 'a', '/', '.', '..', ':', '#', '%', '%2e', '?', '&', '='), {
      maxLength: 20,
    });
    fc.assert(
      fc.property(part, part, (ref, sub) => {
        const git = parseGitUrl(`https://github.com/acme/app.git#${ref.join('')}:${sub.join('')}`);
        if (git === undefined) return;
        expect(git.host).toBe('github.com');
        expect(git.path).toBe('acme/app.git');
        expect(git.subdir.split('/')).not.toContain('..');
        expect(git.subdir.startsWith('/')).toBe(false);
      }),
    );
  });
});

describe('chooseContext', () => {
  test('a path is local; a Git URL is Git as given; another URL is a URL', () => {
    expect(chooseContext('.', RUN, true)).toEqual({ kind: 'local' });
    expect(chooseContext('app', RUN, false)).toEqual({ kind: 'local' });
    const url = 'https://github.com/acme/app.git#main';
    expect(chooseContext(url, RUN, false)).toMatchObject({ kind: 'git', context: url, git: { ref: 'main' } });
    expect(chooseContext('https://example.com/c.tar.gz', RUN, false)).toEqual({
      kind: 'url',
      context: 'https://example.com/c.tar.gz',
    });
  });

  test('`git` is the workflow repository at GITHUB_SHA, on GitHub Enterprise Server too', () => {
    expect(chooseContext('git', RUN, true)).toMatchObject({
      kind: 'git',
      context: `https://github.com/acme/app.git#${SHA}`,
      git: { host: 'github.com', path: 'acme/app.git', ref: SHA },
    });
    const ghes = { ...RUN, GITHUB_SERVER_URL: 'https://ghe.example.com/' };
    expect(chooseContext('git', ghes, true)).toMatchObject({ context: `https://ghe.example.com/acme/app.git#${SHA}` });
  });

  test('the default `.` with no Dockerfile here is the workflow repository, on GitHub Actions only', () => {
    expect(chooseContext('.', RUN, false)).toMatchObject({ kind: 'git', why: expect.stringContaining('no checkout') });
    expect(chooseContext('.', { ...RUN, GITHUB_ACTIONS: undefined }, false)).toEqual({ kind: 'local' });
    expect(chooseContext('.', { ...RUN, GITHUB_SHA: '' }, false)).toEqual({ kind: 'local' });
    expect(chooseContext('./', RUN, false)).toEqual({ kind: 'local' });
  });

  test('`git` without a valid repository, commit or server is an error on the context input', () => {
    for (const env of [
      {},
      { ...RUN, GITHUB_SHA: 'main' },
      { ...RUN, GITHUB_REPOSITORY: '../../x' },
      { ...RUN, GITHUB_REPOSITORY: 'acme/app/extra' },
      { ...RUN, GITHUB_SERVER_URL: 'javascript:alert(1)' },
    ]) {
      expect(thrown(() => workflowRepoUrl(env)).message).toMatch(/^context: `git` means the workflow repository/);
    }
  });
});

describe('dockerfileInRepo', () => {
  test.each<[string, string | undefined, string | undefined]>([
    ['', undefined, 'Dockerfile'],
    ['docker/app', undefined, 'docker/app/Dockerfile'],
    ['docker', 'app.Dockerfile', 'docker/app.Dockerfile'],
    ['', './build/Dockerfile', 'build/Dockerfile'],
    ['sub', '../../../etc/passwd', 'etc/passwd'],
    ['', '.', ''],
    ['', '/home/runner/Dockerfile', undefined],
  ])('subdir %j, file %j', (subdir, file, expected) => {
    expect(dockerfileInRepo(subdir, file)).toBe(expected);
  });
});

describe('contentsRequest', () => {
  const git = parseGitUrl(`https://github.com/acme/app.git#${SHA}`)!;

  test('the contents path of the file at the ref, every part encoded', () => {
    expect(contentsRequest(git, 'docker/Dockerfile', {})).toEqual({
      path: `/repos/acme/app/contents/docker/Dockerfile?ref=${SHA}`,
      what: `docker/Dockerfile of acme/app at ${SHA}`,
    });
    const odd = parseGitUrl('https://github.com/acme/app.git#feature/a&b=c?d:my dir#x')!;
    expect(contentsRequest(odd, dockerfileInRepo(odd.subdir, undefined)!, {})).toMatchObject({
      path: '/repos/acme/app/contents/my%20dir%23x/Dockerfile?ref=feature%2Fa%26b%3Dc%3Fd',
    });
    expect(contentsRequest(parseGitUrl('https://github.com/acme/app.git')!, 'Dockerfile', {})).toMatchObject({
      path: '/repos/acme/app/contents/Dockerfile',
      what: 'Dockerfile of acme/app at the default branch',
    });
  });

  test('only on the GitHub server, only for owner/repository', () => {
    expect(contentsRequest(parseGitUrl('https://gitlab.com/acme/app.git')!, 'Dockerfile', {})).toEqual({
      why: 'gitlab.com is not the GitHub server (github.com)',
    });
    const ghes = { GITHUB_SERVER_URL: 'https://ghe.example.com' };
    expect(contentsRequest(git, 'Dockerfile', ghes)).toMatchObject({ why: expect.stringContaining('ghe.example.com') });
    const onGhes = parseGitUrl('https://ghe.example.com/acme/app.git')!;
    expect(contentsRequest(onGhes, 'Dockerfile', ghes)).toMatchObject({ path: '/repos/acme/app/contents/Dockerfile' });
    for (const path of ['acme/app/extra.git', '../app.git', 'acme/...git', 'acme/..', '-x/app.git', 'app.git']) {
      expect([path, contentsRequest({ ...git, path }, 'Dockerfile', {})]).toEqual([
        path,
        { why: expect.stringContaining('is not owner/repository') },
      ]);
    }
    expect(contentsRequest(git, '', {})).toEqual({ why: 'file names the repository root, not a file' });
  });

  test('over hostile refs and paths: the request stays under /repos/acme/app/contents/ with one query', () => {
    const text = fc.array(fc.constantFrom(...HOSTILE_CHARS, 'a', '/', '.', '..', '%2e%2e', '?', '#', '&', ' '), {
      maxLength: 16,
    });
    fc.assert(
      fc.property(text, text, (ref, file) => {
        const path = dockerfileInRepo('', file.join('') || undefined);
        if (path === undefined) return;
        const r = contentsRequest({ ...git, ref: ref.join('') }, path, {});
        if ('why' in r) return;
        const url = new URL(r.path, 'https://api.github.com');
        expect(url.pathname.startsWith('/repos/acme/app/contents/')).toBe(true);
        expect([...url.searchParams.keys()].filter((k) => k !== 'ref')).toEqual([]);
        expect(url.hash).toBe('');
      }),
    );
  });
});

describe('gitAuthSecret', () => {
  const git = parseGitUrl(`https://github.com/acme/app.git#${SHA}`)!;

  test('the token as GIT_AUTH_TOKEN.<host>, for the GitHub server over http(s)', () => {
    expect(gitAuthSecret(git, {}, 'ghs_x', [])).toEqual({ id: 'GIT_AUTH_TOKEN.github.com', value: 'ghs_x' });
    const local = parseGitUrl('http://127.0.0.1:8080/acme/app.git')!;
    expect(gitAuthSecret(local, { GITHUB_SERVER_URL: 'http://127.0.0.1:8080' }, 't', [])).toEqual({
      id: 'GIT_AUTH_TOKEN.127.0.0.1:8080',
      value: 't',
    });
  });

  test('never to another host, never over ssh, never without a token or beside the user’s own', () => {
    expect(gitAuthSecret(parseGitUrl('https://evil.example/acme/app.git')!, {}, 't', [])).toBeUndefined();
    expect(gitAuthSecret(git, { GITHUB_SERVER_URL: 'https://ghe.example.com' }, 't', [])).toBeUndefined();
    expect(gitAuthSecret(parseGitUrl('git@github.com:acme/app.git')!, {}, 't', [])).toBeUndefined();
    expect(gitAuthSecret(git, {}, undefined, [])).toBeUndefined();
    expect(gitAuthSecret(git, {}, 't', [{ id: 'GIT_AUTH_TOKEN', value: 'mine' }])).toBeUndefined();
    expect(gitAuthSecret(git, {}, 't', [{ id: 'GIT_AUTH_TOKEN.github.com', kind: 'env', from: 'T' }])).toBeUndefined();
    expect(gitAuthSecret(git, {}, 't', [{ id: 'GIT_AUTH_TOKEN.gitlab.com', value: 'x' }])).toEqual({
      id: 'GIT_AUTH_TOKEN.github.com',
      value: 't',
    });
  });
});

describe('urlPassword', () => {
  test('the password of a URL with credentials, to mask; none otherwise', () => {
    expect(urlPassword('https://x-access-token:ghs_abc@github.com/acme/app.git#main')).toBe('ghs_abc');
    expect(urlPassword('https://user@github.com/acme/app.git')).toBeUndefined();
    expect(urlPassword('https://github.com/acme/app.git')).toBeUndefined();
    expect(urlPassword('./app')).toBeUndefined();
  });
});
