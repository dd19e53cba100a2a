// Git contexts (git-context.ts), rule by rule: each URL form's parts, where a
// ref and subdir come from, the server the token may go to, and the errors.
import { describe, expect, test } from '@jest/globals';
import {
  chooseContext,
  contentsRequest,
  type GitUrl,
  gitAuthSecret,
  parseGitUrl,
  serverOrigin,
  urlPassword,
  workflowRepoUrl,
} from '../src/core/git-context.js';
import { InputError } from '../src/core/errors.js';

const SHA = 'a'.repeat(40);
const RUN = { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/app', GITHUB_SHA: SHA };
const BAD_SERVER = { ...RUN, GITHUB_SERVER_URL: 'ftp://github.example' };

/** Each context with what parseGitUrl makes of it, as one line. */
const parsed = (contexts: string[]) =>
  contexts.map((c) => {
    const g = parseGitUrl(c);
    return g === undefined ? `${c} -> none` : `${c} -> ${g.scheme} ${g.host} ${g.path} ref=${g.ref} subdir=${g.subdir}`;
  });

describe('parseGitUrl', () => {
  test('scp-style: the query and the fragment, the path without its leading slashes; a conflict is none', () => {
    expect(
      parsed([
        'git@github.com:acme/app.git',
        'git@github.com:acme/app.git?ref=v1',
        'git@github.com:acme/app.git?ref=v1#v1:sub',
        'git@github.com://acme/app.git#main',
        'git@github.com:acme/app.git?ref=v1#v2',
      ]),
    ).toEqual([
      'git@github.com:acme/app.git -> ssh github.com acme/app.git ref= subdir=',
      'git@github.com:acme/app.git?ref=v1 -> ssh github.com acme/app.git ref=v1 subdir=',
      'git@github.com:acme/app.git?ref=v1#v1:sub -> ssh github.com acme/app.git ref=v1 subdir=sub',
      'git@github.com://acme/app.git#main -> ssh github.com acme/app.git ref=main subdir=',
      'git@github.com:acme/app.git?ref=v1#v2 -> none',
    ]);
  });

  test('the ref and subdir from the fragment or the query, agreeing when both are given; the commit wins', () => {
    const base = 'https://github.com/acme/app.git';
    expect(
      parsed([
        `${base}#v1`,
        `${base}?ref=v1`,
        `${base}?subdir=x#:x`,
        `${base}?subdir=a/../x#:x/`,
        `${base}?subdir=x#:y`,
        `${base}?subdir=x`,
        `${base}?checksum=abc#main`,
        `${base}?commit=def&checksum=abc`,
      ]),
    ).toEqual([
      `${base}#v1 -> https github.com acme/app.git ref=v1 subdir=`,
      `${base}?ref=v1 -> https github.com acme/app.git ref=v1 subdir=`,
      `${base}?subdir=x#:x -> https github.com acme/app.git ref= subdir=x`,
      `${base}?subdir=a/../x#:x/ -> https github.com acme/app.git ref= subdir=x`,
      `${base}?subdir=x#:y -> none`,
      `${base}?subdir=x -> https github.com acme/app.git ref= subdir=x`,
      `${base}?checksum=abc#main -> https github.com acme/app.git ref=abc subdir=`,
      `${base}?commit=def&checksum=abc -> https github.com acme/app.git ref=def subdir=`,
    ]);
  });

  test('http(s) needs a path ending in .git (but not the github.com/ form); ssh and git do not; no host, no repository', () => {
    expect(
      parsed([
        'https://github.com/acme/app',
        'http://git.example/acme/app',
        'ssh://git.example/acme/app',
        'git://git.example/acme/app',
        'github.com/acme/app',
        'ssh://git.example//acme/app.git',
        'ssh:///acme/app.git',
        'https://github.com/acme/%E0%A4%A.git',
        'ftp://git.example/acme/app.git',
      ]),
    ).toEqual([
      'https://github.com/acme/app -> none',
      'http://git.example/acme/app -> none',
      'ssh://git.example/acme/app -> ssh git.example acme/app ref= subdir=',
      'git://git.example/acme/app -> git git.example acme/app ref= subdir=',
      'github.com/acme/app -> https github.com acme/app ref= subdir=',
      'ssh://git.example//acme/app.git -> ssh git.example acme/app.git ref= subdir=',
      'ssh:///acme/app.git -> none',
      'https://github.com/acme/%E0%A4%A.git -> none',
      'ftp://git.example/acme/app.git -> none',
    ]);
  });
});

describe('the server, the workflow repository and the contents request', () => {
  test('serverOrigin: http(s) only; anything else, or no URL at all, is none', () => {
    expect(serverOrigin({})?.origin).toBe('https://github.com');
    expect(serverOrigin({ GITHUB_SERVER_URL: 'http://ghe.example:8080/x' })?.origin).toBe('http://ghe.example:8080');
    expect(serverOrigin({ GITHUB_SERVER_URL: 'ftp://ghe.example' })).toBeUndefined();
    expect(serverOrigin({ GITHUB_SERVER_URL: 'not a url' })).toBeUndefined();
  });

  test('workflowRepoUrl: the repository without .git, never . or ..; the error says what is missing', () => {
    expect(workflowRepoUrl({ ...RUN, GITHUB_REPOSITORY: 'acme/app.git' })).toBe(
      `https://github.com/acme/app.git#${SHA}`,
    );
    expect(workflowRepoUrl({ ...RUN, GITHUB_REPOSITORY: 'acme/my.gitx' })).toBe(
      `https://github.com/acme/my.gitx.git#${SHA}`,
    );
    for (const repo of ['acme/..', 'acme/.']) {
      let error: unknown;
      try {
        workflowRepoUrl({ ...RUN, GITHUB_REPOSITORY: repo });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toBe(
        'context: `git` means the workflow repository at its commit, and GITHUB_SERVER_URL, GITHUB_REPOSITORY or ' +
          'GITHUB_SHA is missing or not valid here: give a path or a Git URL',
      );
    }
  });

  test('chooseContext: `git` says why; only a URL that starts with http(s):// is a URL', () => {
    expect(chooseContext('git', RUN, true)).toMatchObject({ kind: 'git', why: 'context: git: acme/app' });
    expect(chooseContext('http://files.example/ctx.tar.gz', RUN, true)).toEqual({
      kind: 'url',
      context: 'http://files.example/ctx.tar.gz',
    });
    expect(chooseContext('dir/https://x', RUN, true)).toEqual({ kind: 'local' });
  });

  const git = (path: string, host = 'github.com'): GitUrl => ({ scheme: 'https', host, path, ref: '', subdir: '' });

  test('contentsRequest: the repository of a dotted name; none for . or for a server that is no http(s) one', () => {
    expect(contentsRequest(git('acme/my.github.io.git'), 'Dockerfile', RUN)).toEqual({
      path: '/repos/acme/my.github.io/contents/Dockerfile',
      what: 'Dockerfile of acme/my.github.io at the default branch',
    });
    expect(contentsRequest(git('acme/.'), 'Dockerfile', RUN)).toEqual({ why: 'acme/. is not owner/repository' });
    expect(contentsRequest(git('acme/app'), 'Dockerfile', BAD_SERVER)).toEqual({
      why: 'github.com is not the GitHub server (none)',
    });
  });

  test('gitAuthSecret: no token where the server is no http(s) one', () => {
    expect(gitAuthSecret(git('acme/app'), RUN, 'tok', [])).toEqual({ id: 'GIT_AUTH_TOKEN.github.com', value: 'tok' });
    expect(gitAuthSecret(git('acme/app'), BAD_SERVER, 'tok', [])).toBeUndefined();
  });

  test('urlPassword: only a URL that starts with its scheme', () => {
    expect(urlPassword('https://u:p4ss@github.com/acme/app.git')).toBe('p4ss');
    expect(urlPassword('dir/https://u:p4ss@github.com/acme/app.git')).toBeUndefined();
  });
});
