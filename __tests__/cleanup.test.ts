import { decode } from './helpers.js';
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { marked } from 'marked';
import { cleanupBranch, planCleanup, type CleanupRequest } from '../src/core/cleanup.js';
import {
  cleanupSummary,
  deletedRefs,
  resultLines,
  unsupportedMessage,
  type TagResult,
} from '../src/core/cleanup-report.js';
import { globMatch, matchesProtected } from '../src/core/protected-branches.js';
import { InputError } from '../src/core/errors.js';
import { cacheName } from '../src/core/plan.js';
import type { EventContext } from '../src/core/github-event.js';

const repository = { full_name: 'acme/app', default_branch: 'main' };

function deleteEvent(ref: string, refType = 'branch', defaultBranch: string | null = 'main'): EventContext {
  const repo = defaultBranch === null ? { full_name: 'acme/app' } : { ...repository, default_branch: defaultBranch };
  return {
    eventName: 'delete',
    ref: `refs/heads/${defaultBranch ?? 'trunk'}`,
    payload: { ref, ref_type: refType, repository: repo },
  };
}

function closedPr(
  head: string,
  opts: { action?: string; headRepo?: string | null; eventName?: string } = {},
): EventContext {
  const headRepo = opts.headRepo === undefined ? 'acme/app' : opts.headRepo;
  return {
    eventName: opts.eventName ?? 'pull_request',
    ref: 'refs/pull/7/merge',
    headRef: head,
    baseRef: 'main',
    payload: {
      action: opts.action ?? 'closed',
      pull_request: {
        head: { ref: head, repo: headRepo === null ? null : { full_name: headRepo } },
        base: { ref: 'main', repo: { full_name: 'acme/app' } },
      },
      repository,
    },
  };
}

function request(event: EventContext, over: Partial<CleanupRequest> = {}): CleanupRequest {
  return { event, protectedBranches: [], prefix: 'cache', stages: ['dependencies', 'build'], ...over };
}

function expectInputError(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(InputError);
  expect((caught as Error).message).toMatch(message);
  expect((caught as Error).message).not.toContain('\n');
}

describe('which branch is gone', () => {
  test('a delete event names the branch in its payload; GITHUB_REF is the default branch', () => {
    expect(cleanupBranch(deleteEvent('feature/x'))).toEqual({
      branch: 'feature/x',
      defaultBranch: 'main',
      reason: 'delete of branch feature/x',
    });
  });

  test('without repository.default_branch, GITHUB_REF of a delete event is the default branch', () => {
    expect(cleanupBranch(deleteEvent('feature/x', 'branch', null)).defaultBranch).toBe('trunk');
  });

  test('a deleted tag: nothing to clean up', () => {
    const b = cleanupBranch(deleteEvent('v1.2.0', 'tag'));
    expect(b.branch).toBeUndefined();
    expect(b.reason).toBe('delete of tag v1.2.0: only branches have caches, nothing to clean up');
  });

  test.each(['pull_request', 'pull_request_target'])('a closed %s: its head branch', (eventName) => {
    expect(cleanupBranch(closedPr('feature/login', { eventName })).branch).toBe('feature/login');
  });

  test('a closed pull request from a fork: nothing, even when its branch is named like ours', () => {
    for (const headRepo of ['mallory/app', null]) {
      const b = cleanupBranch(closedPr('feature/x', { headRepo }));
      expect(b.branch).toBeUndefined();
      expect(b.reason).toMatch(/^closed pull request from fork .*: forks never write the cache/);
    }
  });

  test('a pull request that is not closed is a workflow mistake', () => {
    expectInputError(
      () => cleanupBranch(closedPr('feature/x', { action: 'opened' })),
      /^cleanup: runs on closed pull requests, and this pull_request event is "opened"/,
    );
  });

  test('other events need the branch input', () => {
    const push: EventContext = { eventName: 'push', ref: 'refs/heads/feature/x', payload: { repository } };
    expectInputError(
      () => cleanupBranch(push),
      /^cleanup: runs on `delete` events of branches, closed pull requests and completed workflow runs, not on push/,
    );
    expect(cleanupBranch({ ...push, eventName: 'workflow_dispatch' }, 'refs/heads/old/branch')).toMatchObject({
      branch: 'old/branch',
      reason: 'branch set by input: old/branch',
    });
  });
});

describe('planCleanup', () => {
  test('one cache tag per stage, made by cacheName', () => {
    const plan = planCleanup(request(deleteEvent('feature/Login-FORM')));
    // The current tags, then those of the old scheme (legacy-tag.ts), which builds no longer write.
    expect(plan.tags).toEqual([
      'cache.dependencies.feature_Login-FORM',
      'cache.build.feature_Login-FORM',
      'cache-dependencies-feature-login-form',
      'cache-build-feature-login-form',
    ]);
    expect(plan.tags.slice(0, 2)).toEqual(
      ['dependencies', 'build'].map((s) => cacheName('cache', s, 'feature/Login-FORM')),
    );
  });

  test('the scope goes in like a build puts it', () => {
    const plan = planCleanup(request(deleteEvent('feature/x'), { scope: 'linux-arm64', stages: ['build', 'build'] }));
    expect(plan.tags).toEqual([
      cacheName('cache', 'build', 'feature/x', 'linux-arm64'),
      'cache-build-linux-arm64-feature-x',
    ]);
    expect(plan.tags[0]).toBe('cache.build.linux-arm64.feature_x');
  });

  test('a long branch name gets the same hashed slug as its build did', () => {
    const branch = `feature/${'x'.repeat(200)}`;
    expect(planCleanup(request(deleteEvent(branch))).tags.slice(0, 2)).toEqual([
      cacheName('cache', 'dependencies', branch),
      cacheName('cache', 'build', branch),
    ]);
  });

  test('a deleted tag needs no stages', () => {
    expect(planCleanup(request(deleteEvent('v1', 'tag'), { stages: [] })).tags).toEqual([]);
  });

  test('the default branch is refused, on one line', () => {
    expectInputError(
      () => planCleanup(request(deleteEvent('main'))),
      /^cleanup: refusing to delete the caches of main: it is the default branch$/,
    );
    // A closed pull request from a protected branch is ordinary: nothing to do, no error.
    const fromMain = planCleanup(request(closedPr('main')));
    expect([fromMain.branch, fromMain.tags]).toEqual([undefined, []]);
    expect(fromMain.reason).toMatch(/keeping the caches of main: it is the default branch/);
    expectInputError(
      () =>
        planCleanup(
          request(
            { eventName: 'workflow_dispatch', ref: 'refs/heads/main', payload: { repository } },
            { branch: 'main' },
          ),
        ),
      /it is the default branch/,
    );
  });

  test('a name that only slugged like the default branch has tags of its own; one that slugs like a protected branch is still refused', () => {
    const plan = planCleanup(request(deleteEvent('MAIN')));
    expect(plan.branch).toBe('MAIN');
    expect(plan.tags.slice(0, 2)).toEqual(['cache.dependencies.MAIN', 'cache.build.MAIN']);
    expect(plan.tags.slice(2).filter((t) => !/^cache-[a-z]+-main-[0-9a-f]{8}$/.test(t))).toEqual([]); // the old scheme hashed it too
    // release-1 and release/1 shared old tags, which release-1's cleanup would delete.
    expectInputError(
      () => planCleanup(request(deleteEvent('release-1'), { protectedBranches: ['release/1'] })),
      /refusing to delete the caches of release-1/,
    );
  });

  test('protected-branches: names and globs, by name and by slug', () => {
    const protectedBranches = ['develop', 'release/*', 'hotfix/**'];
    for (const branch of ['develop', 'Develop', 'release/1.x', 'Release/2', 'release-3', 'hotfix/a/b']) {
      expectInputError(
        () => planCleanup(request(deleteEvent(branch), { protectedBranches })),
        /refusing to delete the caches of /,
      );
    }
    for (const branch of ['feature/develop', 'developer', 'release', 'hotfixes/a']) {
      expect(planCleanup(request(deleteEvent(branch), { protectedBranches })).branch).toBe(branch);
    }
  });

  test('matchesProtected: * stays within a segment, ** crosses them', () => {
    expect(matchesProtected('release/*', 'release/1.x')).toBe(true);
    expect(matchesProtected('release/*', 'release/1.x/hotfix')).toBe(true); // its slug release-1.x-hotfix matches release-*
    expect(matchesProtected('feat?', 'feat1')).toBe(true);
    expect(matchesProtected('feat?', 'feat12')).toBe(false);
    expect(matchesProtected('a.b', 'axb')).toBe(false);
    expect(matchesProtected('**', 'anything/at/all')).toBe(true);
  });

  test('item 5: protected-branches accepts refs/heads/ names and globs, like plain ones', () => {
    for (const spelling of ['develop', 'refs/heads/develop']) {
      expectInputError(
        () => planCleanup(request(deleteEvent('develop'), { protectedBranches: [spelling] })),
        new RegExp(
          `^cleanup: refusing to delete the caches of develop: it matches "${spelling}" in protected-branches$`,
        ),
      );
      // A closed pull request from it: kept, not deleted.
      const closed = planCleanup(request(closedPr('develop'), { protectedBranches: [spelling] }));
      expect([closed.branch, closed.tags]).toEqual([undefined, []]);
    }
    for (const spelling of ['release/*', 'refs/heads/release/*', 'refs/heads/release/**']) {
      expect(matchesProtected(spelling, 'release/1.x')).toBe(true);
      expectInputError(
        () => planCleanup(request(deleteEvent('release/2'), { protectedBranches: [spelling] })),
        /refusing to delete the caches of release\/2/,
      );
      expect(planCleanup(request(deleteEvent('feature/x'), { protectedBranches: [spelling] })).branch).toBe(
        'feature/x',
      );
    }
    // Only refs/heads/ is a branch: a pattern for another kind of ref protects no branch named like it.
    expect(matchesProtected('refs/tags/v1', 'v1')).toBe(false);
  });

  test('item 9: a glob with many stars against a long branch name is quick (linear matching)', () => {
    const branch = 'a-'.repeat(119) + 'x';
    expect(branch).toHaveLength(239);
    const timed = (fn: () => unknown) => {
      const start = performance.now();
      fn();
      return performance.now() - start;
    };
    expect(timed(() => expect(matchesProtected('*-*-*-*-*-*-keep', branch)).toBe(false))).toBeLessThan(1000);
    expect(
      timed(() => expect(matchesProtected('**-**-**-**-**-**-keep', `${branch}/${branch}`)).toBe(false)),
    ).toBeLessThan(1000);
    const patterns = ['*-*-*-*-*-*-keep', '*?*?*?*?*?*?*?*?*?*?x?', '**a**a**a**a**a**a**a**a**b'];
    expect(
      timed(() =>
        expect(planCleanup(request(deleteEvent(branch), { protectedBranches: patterns })).branch).toBe(branch),
      ),
    ).toBeLessThan(1000);
    expect(matchesProtected('*-*-*-*-*-*-keep', `${'a-'.repeat(119)}keep`)).toBe(true);
  });

  test('item 9: the linear matcher means what the regex it replaced meant', () => {
    // The regex of before (exponential on some patterns, exact on short ones).
    const regex = (pattern: string, segment: string) =>
      new RegExp(
        `^${pattern.replace(/\*\*|\*|\?|[^*?]/g, (t) => (t === '**' ? '.*' : t === '*' ? `${segment}*` : t === '?' ? segment : t.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))}$`,
        'i',
      );
    const text = fc.string({ unit: fc.constantFrom('a', 'B', '/', '-', '.'), maxLength: 10 });
    const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '/', '-', '.', '*', '?'), maxLength: 8 });
    fc.assert(
      fc.property(pattern, text, (p, t) => {
        expect(globMatch(p, t, true)).toBe(regex(p, '[^/]').test(t));
        expect(globMatch(p, t, false)).toBe(regex(p, '[^]').test(t));
      }),
      { numRuns: 2000 },
    );
  });

  test('item 9: a protected-branches pattern longer than a branch name can be is an input error', () => {
    expectInputError(
      () =>
        planCleanup(
          request(deleteEvent('feature/x'), { protectedBranches: ['develop', `release/${'*-'.repeat(200)}`] }),
        ),
      /^protected-branches: the pattern "release\/\*-\*-.*\.\.\." is \d+ characters long: a pattern may have at most 255$/,
    );
  });

  test('no stages at all is an input error', () => {
    expectInputError(
      () => planCleanup(request(deleteEvent('feature/x'), { stages: [] })),
      /^cache-stages: no stages to clean up/,
    );
  });
});

describe('results', () => {
  const results: TagResult[] = [
    { tag: 'cache.dependencies.feature_x', state: 'deleted', detail: 'sha256:aa' },
    { tag: 'cache.build.feature_x', state: 'not found' },
    { tag: 'cache-test-feature-x', state: 'kept', detail: 'sha256:bb is also tagged x|y' },
  ];

  test('deleted-refs: the deleted (or would-be deleted) refs only', () => {
    expect(deletedRefs('r/app', results)).toEqual(['r/app:cache.dependencies.feature_x']);
    expect(
      deletedRefs('r/app', [
        { tag: 't', state: 'would delete' },
        { tag: 'u', state: 'failed' },
      ]),
    ).toEqual(['r/app:t']);
  });

  test('log lines', () => {
    expect(resultLines('r/app', results)).toEqual([
      'deleted: r/app:cache.dependencies.feature_x (sha256:aa)',
      'not found: r/app:cache.build.feature_x',
      'kept: r/app:cache-test-feature-x (sha256:bb is also tagged x|y)',
    ]);
  });

  test('the summary section: one row per ref, counts, table cells escaped', () => {
    const md = cleanupSummary({
      image: 'r/app',
      plan: { branch: 'feature/x', defaultBranch: 'main', reason: 'delete of branch feature/x', tags: [] },
      results,
      dryRun: false,
      where: 'r, through the registry API',
    });
    expect(md).toContain('### buildx-branch-cache cleanup: `feature/x`\n');
    expect(md).toContain('| `r/app:cache.dependencies.feature_x` | 🗑️ deleted: sha256:aa |');
    expect(md).toContain('| `r/app:cache-test-feature-x` | 🔒 kept: sha256:bb is also tagged x\\|y |');
    expect(md).toContain('**1 deleted, 1 not found, 1 kept, 0 failed.**');
  });

  test('the summary of a dry run and of nothing to do', () => {
    const dry = cleanupSummary({
      image: 'r/app',
      plan: { branch: 'b', defaultBranch: 'main', reason: 'x', tags: [] },
      results: [{ tag: 't', state: 'would delete' }],
      dryRun: true,
      where: 'r',
    });
    expect(dry).toContain('(dry run)');
    expect(dry).toContain('**1 would be deleted,');
    const none = cleanupSummary({
      image: 'r/app',
      plan: { branch: undefined, defaultBranch: 'main', reason: 'delete of tag v1: nothing', tags: [] },
      results: [],
      dryRun: false,
      where: '',
    });
    expect(none).toBe('### buildx-branch-cache cleanup\n\ndelete of tag v1: nothing.\n\n');
  });

  test('item 7: branch names, reasons, the registry and its error bodies are escaped in the summary', () => {
    const branch = 'x<h1>big</h1>`|*y*';
    const detail =
      'HTTP 500 <script>alert(1)</script> | **bold** `code` [link](javascript:x)\n| injected | row |\r\n# heading';
    const md = cleanupSummary({
      image: 'r/app',
      plan: { branch, defaultBranch: 'main', reason: `delete of branch ${branch}`, tags: [] },
      results: [
        { tag: 'cache.build.x', state: 'failed', detail },
        { tag: 'cache.deps.x', state: 'deleted', detail: 'sha256:aa' },
      ],
      dryRun: false,
      where: 'r <b>x</b>, through the registry API',
    });
    const html = marked.parse(md, { async: false, gfm: true });
    // No markup from the data: no HTML elements, emphasis, links or headings but the summary's own.
    expect(html).not.toMatch(/<(h1|script|b|em|a)[ >]/);
    expect(html.match(/<strong>/g)).toHaveLength(1); // the counts line
    expect(html.match(/<h\d/g)).toEqual(['<h3']);
    // One table, two cells a row, and the texts as they were (newlines as spaces, the backtick in code as ').
    const tables = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)];
    expect(tables).toHaveLength(1);
    const rows = [...tables[0]![1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
      [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => decode(c[1]!)),
    );
    expect(rows.map((r) => r.length)).toEqual([2, 2, 2]);
    expect(rows[1]).toEqual(['<code>r/app:cache.build.x</code>', `❌ failed: ${detail.replace(/\r?\n/g, ' ')}`]);
    expect(decode(html)).toContain(`<h3>buildx-branch-cache cleanup: <code>${branch.replace('`', "'")}</code></h3>`);
    expect(decode(html)).toContain(`<p>delete of branch ${branch}.</p>`);
    expect(decode(html)).toContain('<p>Registry: r <b>x</b>, through the registry API</p>');
  });

  test('the unsupported message names the registry and the way out', () => {
    const m = unsupportedMessage('docker.io', 'HTTP 405 UNSUPPORTED');
    expect(m).toMatch(
      /^docker\.io does not delete manifests through the registry API \(it answered HTTP 405 UNSUPPORTED\): set a retention policy/,
    );
    expect(m).not.toContain('\n');
  });
});

describe('which branch is gone: the payloads that say too little', () => {
  const ev = (eventName: string, payload: Record<string, unknown>): EventContext => ({
    eventName,
    ref: 'refs/heads/main',
    payload: { repository, ...payload },
  });

  test('a delete of something else, named or not', () => {
    expect(cleanupBranch(ev('delete', {})).reason).toBe(
      'delete of a ref: only branches have caches, nothing to clean up',
    );
    expect(cleanupBranch(ev('delete', { ref: 'v1' })).reason).toBe(
      'delete of a ref v1: only branches have caches, nothing to clean up',
    );
    expect(cleanupBranch(ev('delete', { ref_type: 'tag' }), undefined, ['release/*']).branch).toBeUndefined();
  });

  test('a delete of a branch that does not say which', () => {
    expectInputError(
      () => cleanupBranch(ev('delete', { ref_type: 'branch' })),
      /^cleanup: the delete event payload has no ref: cannot tell which branch was deleted$/,
    );
  });

  test('a pull request without an action or a head branch', () => {
    expectInputError(
      () => cleanupBranch(ev('pull_request', { pull_request: {} })),
      /^cleanup: runs on closed pull requests, and this pull_request event is "unknown": use `on: pull_request: types: \[closed\]`$/,
    );
    const headless = { action: 'closed', pull_request: { head: { repo: repository }, base: { repo: repository } } };
    expectInputError(
      () => cleanupBranch(ev('pull_request_target', headless)),
      /^cleanup: the pull_request_target payload has no head branch$/,
    );
    expect(cleanupBranch(closedPr('feature/login')).reason).toBe('closed pull request from feature/login');
  });

  test('an event without a name, in full', () => {
    expect(thrownMessage(() => cleanupBranch(ev('', {})))).toBe(
      'cleanup: runs on `delete` events of branches, closed pull requests and completed workflow runs, not on ' +
        'this events: or name the branch with the `branch` input',
    );
  });

  test('a workflow run that says nothing: no action, event, branch or message', () => {
    expectInputError(
      () => cleanupBranch(ev('workflow_run', {})),
      /^cleanup: runs on completed workflow runs, and this one is "unknown": use `types: \[completed\]`$/,
    );
    expect(cleanupBranch(ev('workflow_run', { action: 'completed' })).reason).toBe(
      'workflow_run of a ? run on ?: only a push merges a branch, nothing to clean up',
    );
    expect(cleanupBranch(ev('workflow_run', { action: 'completed', workflow_run: { event: 'push' } })).reason).toBe(
      'workflow_run of a push run on ?: not a merge commit, nothing to clean up',
    );
  });

  test("a squash merge's reason, in full", () => {
    const run = { action: 'completed', workflow_run: { event: 'push', head_commit: { message: 'Login (#12)' } } };
    expect(cleanupBranch(ev('workflow_run', run)).reason).toBe(
      'workflow_run of a push run on ?: a squash merge (#12) names no branch, nothing to clean up ' +
        '(clean up on `delete` or closed pull requests for those)',
    );
  });

  test("whose the merged branch is: the repository owner's login first, else its full name's owner", () => {
    const run = (repo: Record<string, unknown> | undefined) => ({
      action: 'completed',
      workflow_run: { event: 'push', head_commit: { message: 'Merge pull request #12 from Acme/feature/x' } },
      repository: repo,
    });
    const branchOf = (repo: Record<string, unknown> | undefined) =>
      cleanupBranch({ eventName: 'workflow_run', ref: 'refs/heads/main', payload: run(repo) }).branch;
    expect(branchOf({ full_name: 'acme/app' })).toBe('feature/x');
    expect(branchOf({ full_name: 'other/app', owner: { login: 'acme' } })).toBe('feature/x');
    expect(branchOf({ full_name: 'acme/app', owner: { login: 'other' } })).toBeUndefined();
    expect(branchOf(undefined)).toBeUndefined();
  });

  test('a closed pull request from a protected branch is ordinary; its deletion is refused', () => {
    const target = cleanupBranch(closedPr('develop', { eventName: 'pull_request_target' }), undefined, ['develop']);
    expect(target.branch).toBeUndefined();
    const pr = cleanupBranch(closedPr('develop'), undefined, ['develop']);
    expect(pr).toEqual({
      branch: undefined,
      defaultBranch: 'main',
      reason:
        'closed pull request from develop; keeping the caches of develop: it matches "develop" in protected-branches',
    });
    expectInputError(
      () => cleanupBranch(closedPr('feature/x'), 'develop', ['develop']),
      /^cleanup: refusing to delete the caches of develop: /,
    );
    expectInputError(
      () => cleanupBranch(deleteEvent('develop'), undefined, ['develop']),
      /^cleanup: refusing to delete the caches of develop: it matches "develop" in protected-branches$/,
    );
  });
});

test('planCleanup: a scope the old scheme had no room for (its slug is longer) has current tags only', () => {
  // ₹ is __20b9_ in a tag, and indian-rupee in an old slug.
  const scope = '₹'.repeat(9);
  const plan = planCleanup(request(deleteEvent('feature/x'), { scope }));
  expect(plan.tags).toEqual([
    cacheName('cache', 'dependencies', 'feature/x', scope),
    cacheName('cache', 'build', 'feature/x', scope),
  ]);
});

function thrownMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a throw');
}
