import { describe, expect, test } from '@jest/globals';
import { InputError } from '../src/core/errors.js';
import { githubFacts, resolveRefs, type EventContext } from '../src/core/github-event.js';
import { branchFromRef, decideRefs, dedupe, type RefFacts } from '../src/core/ref.js';

const REPO = 'acme/app';

/** null: the payload has no repository.default_branch */
function repository(defaultBranch: string | null): Record<string, unknown> {
  return defaultBranch === null ? { full_name: REPO } : { full_name: REPO, default_branch: defaultBranch };
}

function onRef(eventName: string, ref: string, defaultBranch: string | null = 'main'): EventContext {
  return { eventName, ref, payload: { repository: repository(defaultBranch) } };
}

interface PrOptions {
  eventName?: 'pull_request' | 'pull_request_target';
  head?: string;
  base?: string;
  /** full_name of the head repository; null = a deleted fork */
  headRepo?: string | null;
  defaultBranch?: string;
}

function pr(o: PrOptions = {}): EventContext {
  const eventName = o.eventName ?? 'pull_request';
  const head = o.head ?? 'feature/x';
  const base = o.base ?? 'develop';
  const headRepo = o.headRepo === undefined ? REPO : o.headRepo;
  return {
    eventName,
    ref: eventName === 'pull_request' ? 'refs/pull/7/merge' : `refs/heads/${base}`,
    headRef: head,
    baseRef: base,
    payload: {
      repository: repository(o.defaultBranch ?? 'main'),
      pull_request: {
        number: 7,
        head: { ref: head, repo: headRepo === null ? null : { full_name: headRepo } },
        base: { ref: base, repo: { full_name: REPO } },
      },
    },
  };
}

function mergeGroup(baseRef: string, defaultBranch = 'main'): EventContext {
  return {
    eventName: 'merge_group',
    ref: 'refs/heads/gh-readonly-queue/main/pr-7-0123456789abcdef',
    payload: {
      repository: repository(defaultBranch),
      merge_group: { head_ref: 'refs/heads/gh-readonly-queue/main/pr-7-0123456789abcdef', base_ref: baseRef },
    },
  };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('branchFromRef', () => {
  test.each([
    ['refs/heads/main', 'main'],
    ['refs/heads/feature/x', 'feature/x'],
    ['refs/tags/v1.0.0', undefined],
    ['refs/pull/7/merge', undefined],
    ['refs/heads/', undefined],
    ['main', undefined],
    ['', undefined],
  ])('%s -> %s', (ref, branch) => {
    expect(branchFromRef(ref)).toBe(branch);
  });

  test('undefined -> undefined', () => {
    expect(branchFromRef(undefined)).toBeUndefined();
  });
});

describe('dedupe', () => {
  test('keeps the first of each, drops empty, undefined and the excluded branch, keeps order', () => {
    expect(dedupe(['b', undefined, 'a', '', 'b', 'x', 'a'], 'x')).toEqual(['b', 'a']);
    expect(dedupe([])).toEqual([]);
    expect(dedupe(['main', 'main'])).toEqual(['main']);
  });
});

describe('resolveRefs: branch events (push / workflow_dispatch / schedule)', () => {
  test.each(['push', 'workflow_dispatch', 'schedule'])('%s on refs/heads/feature/x', (eventName) => {
    const d = resolveRefs(onRef(eventName, 'refs/heads/feature/x'));
    expect(d.branch).toBe('feature/x');
    expect(d.fallbacks).toEqual(['main']);
    expect(d.exportCache).toBe(true);
    expect(d.defaultBranch).toBe('main');
    expect(d.reasons.join('\n')).toContain(`${eventName} on branch feature/x`);
  });

  test('push on the default branch has no fallbacks', () => {
    const d = resolveRefs(onRef('push', 'refs/heads/main'));
    expect(d.branch).toBe('main');
    expect(d.fallbacks).toEqual([]);
    expect(d.exportCache).toBe(true);
  });

  test('the default branch comes from payload.repository.default_branch', () => {
    const d = resolveRefs(onRef('push', 'refs/heads/feature/x', 'trunk'));
    expect(d.defaultBranch).toBe('trunk');
    expect(d.fallbacks).toEqual(['trunk']);
    expect(d.reasons.join('\n')).not.toMatch(/assuming/);
  });

  test('falls back to main only when the payload lacks the default branch', () => {
    const d = resolveRefs(onRef('push', 'refs/heads/feature/x', null));
    expect(d.defaultBranch).toBe('main');
    expect(d.fallbacks).toEqual(['main']);
    expect(d.reasons[0]).toMatch(/no repository\.default_branch: assuming "main"/);
  });

  test('an empty payload, or an empty default_branch, also falls back to main', () => {
    expect(resolveRefs({ eventName: 'push', ref: 'refs/heads/dev', payload: {} }).defaultBranch).toBe('main');
    const d = resolveRefs({
      eventName: 'push',
      ref: 'refs/heads/dev',
      payload: { repository: { default_branch: '' } },
    });
    expect(d.defaultBranch).toBe('main');
    expect(d.fallbacks).toEqual(['main']);
  });

  test('schedule on the default branch (trunk) exports with no fallbacks', () => {
    const d = resolveRefs(onRef('schedule', 'refs/heads/trunk', 'trunk'));
    expect(d).toMatchObject({ branch: 'trunk', fallbacks: [], exportCache: true, defaultBranch: 'trunk' });
  });
});

describe('resolveRefs: pull requests', () => {
  test.each(['pull_request', 'pull_request_target'] as const)('%s from the same repository', (eventName) => {
    const d = resolveRefs(pr({ eventName }));
    expect(d.branch).toBe('feature/x');
    expect(d.fallbacks).toEqual(['develop', 'main']);
    expect(d.exportCache).toBe(true);
    expect(d.reasons.join('\n')).toContain(`${eventName} feature/x -> develop`);
  });

  test.each(['pull_request', 'pull_request_target'] as const)('%s from a fork imports only', (eventName) => {
    const d = resolveRefs(pr({ eventName, headRepo: 'mallory/app' }));
    expect(d.branch).toBe('feature/x');
    expect(d.fallbacks).toEqual(['develop', 'main']);
    expect(d.exportCache).toBe(false);
    expect(d.reasons.join('\n')).toMatch(/fork mallory\/app: imports only/);
  });

  test('a fork whose head repository was deleted (head.repo null) is a fork', () => {
    const d = resolveRefs(pr({ headRepo: null }));
    expect(d.branch).toBe('feature/x');
    expect(d.exportCache).toBe(false);
    expect(d.reasons.join('\n')).toContain('(deleted repository)');
  });

  test('a pull request into the default branch lists it once', () => {
    const d = resolveRefs(pr({ base: 'main' }));
    expect(d.fallbacks).toEqual(['main']);
  });

  test('a pull request from the default branch (e.g. main -> release) does not fall back to itself', () => {
    const d = resolveRefs(pr({ head: 'main', base: 'release' }));
    expect(d.branch).toBe('main');
    expect(d.fallbacks).toEqual(['release']);
  });

  test('a pull request uses the payload default branch for the last fallback', () => {
    const d = resolveRefs(pr({ defaultBranch: 'trunk' }));
    expect(d.fallbacks).toEqual(['develop', 'trunk']);
  });

  test('head and base fall back to GITHUB_HEAD_REF / GITHUB_BASE_REF when the payload lacks them', () => {
    const d = resolveRefs({
      eventName: 'pull_request',
      ref: 'refs/pull/3/merge',
      headRef: 'topic',
      baseRef: 'develop',
      payload: {
        repository: { full_name: REPO, default_branch: 'main' },
        pull_request: { head: { repo: { full_name: REPO } }, base: { repo: { full_name: REPO } } },
      },
    });
    expect(d.branch).toBe('topic');
    expect(d.fallbacks).toEqual(['develop', 'main']);
    expect(d.exportCache).toBe(true);
  });

  test('the base repository may come from payload.repository when base.repo is missing', () => {
    const ctx = pr();
    const p = ctx.payload.pull_request as { base: Record<string, unknown> };
    delete p.base.repo;
    expect(resolveRefs(ctx).exportCache).toBe(true);
  });

  test('without a pull_request payload at all, it is treated as a fork (never writes)', () => {
    const d = resolveRefs({
      eventName: 'pull_request',
      ref: 'refs/pull/3/merge',
      headRef: 'topic',
      baseRef: 'main',
      payload: { repository: { default_branch: 'main' } },
    });
    expect(d.branch).toBe('topic');
    expect(d.exportCache).toBe(false);
  });
});

describe('resolveRefs: merge queue, tags and events without a branch', () => {
  test('merge_group into refs/heads/main: no branch, imports main, never exports', () => {
    const d = resolveRefs(mergeGroup('refs/heads/main'));
    expect(d.branch).toBeUndefined();
    expect(d.fallbacks).toEqual(['main']);
    expect(d.exportCache).toBe(false);
    expect(d.reasons.join('\n')).toMatch(/merge_group into main/);
  });

  test('merge_group into another branch: the queue base, then the default branch', () => {
    const d = resolveRefs(mergeGroup('refs/heads/release/2.x'));
    expect(d.branch).toBeUndefined();
    expect(d.fallbacks).toEqual(['release/2.x', 'main']);
    expect(d.exportCache).toBe(false);
  });

  test('a tag push: no branch, the default branch only, no export', () => {
    const d = resolveRefs(onRef('push', 'refs/tags/v1.2.3'));
    expect(d.branch).toBeUndefined();
    expect(d.fallbacks).toEqual(['main']);
    expect(d.exportCache).toBe(false);
    expect(d.reasons.join('\n')).toContain('refs/tags/v1.2.3: not a branch');
  });

  test('an event without any ref', () => {
    const d = resolveRefs(onRef('repository_dispatch', '', 'trunk'));
    expect(d.branch).toBeUndefined();
    expect(d.fallbacks).toEqual(['trunk']);
    expect(d.exportCache).toBe(false);
    expect(d.reasons.join('\n')).toContain('no ref');
  });
});

describe('resolveRefs: input overrides', () => {
  test('branch overrides the event branch; bare or as refs/heads/, trimmed', () => {
    for (const branch of ['hotfix/y', 'refs/heads/hotfix/y', '  hotfix/y \n']) {
      const d = resolveRefs(onRef('push', 'refs/heads/feature/x'), { branch });
      expect(d.branch).toBe('hotfix/y');
      expect(d.fallbacks).toEqual(['main']);
      expect(d.exportCache).toBe(true);
      expect(d.reasons).toContain('branch set by input: hotfix/y');
    }
  });

  test('an empty branch input changes nothing', () => {
    const d = resolveRefs(onRef('push', 'refs/heads/feature/x'), { branch: '  ' });
    expect(d.branch).toBe('feature/x');
    expect(d.reasons.join('\n')).not.toContain('set by input');
  });

  test('branch set to the default branch drops it from the fallbacks', () => {
    const d = resolveRefs(onRef('push', 'refs/heads/feature/x'), { branch: 'main' });
    expect(d.branch).toBe('main');
    expect(d.fallbacks).toEqual([]);
  });

  test('branch gives a tag build a branch, but auto still does not export', () => {
    const d = resolveRefs(onRef('push', 'refs/tags/v1'), { branch: 'main' });
    expect(d.branch).toBe('main');
    expect(d.exportCache).toBe(false);
  });

  test('fallbackBranches replaces the event fallbacks, in order, deduped, without the branch itself', () => {
    const d = resolveRefs(pr(), { fallbackBranches: ['staging', 'refs/heads/main', ' staging ', 'feature/x', ''] });
    expect(d.branch).toBe('feature/x');
    expect(d.fallbacks).toEqual(['staging', 'main']);
    expect(d.reasons).toContain('fallback branches set by input');
  });

  test('an empty fallbackBranches list keeps the event fallbacks', () => {
    expect(resolveRefs(pr(), { fallbackBranches: [] }).fallbacks).toEqual(['develop', 'main']);
  });

  test('fallbackBranches can omit the default branch entirely', () => {
    expect(resolveRefs(onRef('push', 'refs/heads/feature/x'), { fallbackBranches: ['develop'] }).fallbacks).toEqual([
      'develop',
    ]);
  });

  test('exportCache true is ignored for a fork (it could name its branch main), with a warning, not a failed build', () => {
    const d = resolveRefs(pr({ headRepo: 'mallory/app' }), { exportCache: 'true' });
    expect(d.exportCache).toBe(false);
    expect(d.warnings).toEqual([
      'export-cache is true, but the code comes from the fork mallory/app: forks never write the cache, so this build only imports',
    ]);
  });

  test('workflow_run: the branch is the triggering run head; a fork never writes, even when asked', () => {
    const payload = (headRepo: string) => ({
      repository: { full_name: 'acme/app', default_branch: 'main' },
      workflow_run: { head_branch: 'feature/x', head_repository: { full_name: headRepo } },
    });
    const own = resolveRefs({ eventName: 'workflow_run', ref: 'refs/heads/main', payload: payload('acme/app') });
    expect([own.branch, own.fallbacks, own.exportCache]).toEqual(['feature/x', ['main'], false]);
    expect(
      resolveRefs(
        { eventName: 'workflow_run', ref: 'refs/heads/main', payload: payload('acme/app') },
        { exportCache: 'true' },
      ).exportCache,
    ).toBe(true);
    const fork = resolveRefs(
      { eventName: 'workflow_run', ref: 'refs/heads/main', payload: payload('mallory/app') },
      { exportCache: 'true' },
    );
    expect([fork.branch, fork.exportCache]).toEqual(['feature/x', false]);
    expect(fork.warnings[0]).toMatch(/fork mallory\/app/);
  });

  test.each(['issue_comment', 'repository_dispatch', 'create'])(
    '%s on the default branch imports only, unless export-cache is true',
    (eventName) => {
      const auto = resolveRefs(onRef(eventName, 'refs/heads/main'));
      expect([auto.branch, auto.exportCache]).toEqual(['main', false]);
      expect(auto.reasons.join(' ')).toContain('imports only');
      expect(resolveRefs(onRef(eventName, 'refs/heads/main'), { exportCache: 'true' }).exportCache).toBe(true);
    },
  );

  test('exportCache false stops a push from writing', () => {
    const d = resolveRefs(onRef('push', 'refs/heads/main'), { exportCache: 'false' });
    expect(d.exportCache).toBe(false);
    expect(d.reasons).toContain('export-cache set by input: false');
  });

  test('exportCache auto is the event decision', () => {
    expect(resolveRefs(onRef('push', 'refs/heads/main'), { exportCache: 'auto' }).exportCache).toBe(true);
    expect(resolveRefs(pr({ headRepo: 'mallory/app' }), { exportCache: 'auto' }).exportCache).toBe(false);
    expect(resolveRefs(mergeGroup('refs/heads/main'), { exportCache: 'auto' }).exportCache).toBe(false);
  });

  test('exportCache true with a branch input works on a tag', () => {
    const d = resolveRefs(onRef('push', 'refs/tags/v1'), { branch: 'main', exportCache: 'true' });
    expect(d.branch).toBe('main');
    expect(d.exportCache).toBe(true);
  });

  test.each([
    ['a tag push', onRef('push', 'refs/tags/v1')],
    ['a merge group', mergeGroup('refs/heads/main')],
    ['an event without a ref', onRef('repository_dispatch', '')],
  ])('exportCache true with no branch on %s is an InputError naming export-cache', (_, ctx) => {
    const e = thrown(() => resolveRefs(ctx, { exportCache: 'true' }));
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).input).toBe('export-cache');
    expect((e as Error).message).toMatch(/^export-cache: /);
    expect((e as Error).message).toContain('`branch`');
  });
});

describe('githubFacts and decideRefs: the two halves of resolveRefs', () => {
  test('githubFacts: the event alone, duplicates and the default branch still in the fallbacks', () => {
    const facts = githubFacts(pr({ base: 'main' }));
    expect(facts).toEqual({
      branch: 'feature/x',
      fallbacks: ['main', 'main'],
      exportAllowed: true,
      defaultBranch: 'main',
      reasons: ['pull_request feature/x -> main'],
    });
    expect(githubFacts(pr({ headRepo: 'mallory/app' })).exportAllowed).toBe(false);
    expect(githubFacts(onRef('push', 'refs/tags/v1')).exportAllowed).toBe(false);
  });

  test('decideRefs dedupes, applies overrides and does not change the facts', () => {
    const facts: RefFacts = {
      branch: 'main',
      fallbacks: ['main', undefined, 'develop', 'develop'],
      exportAllowed: true,
      defaultBranch: 'main',
      reasons: ['other CI'],
    };
    const d = decideRefs(facts);
    expect(d).toEqual({
      branch: 'main',
      fallbacks: ['develop'],
      exportCache: true,
      defaultBranch: 'main',
      reasons: ['other CI'],
      warnings: [],
    });
    const o = decideRefs(facts, { branch: 'topic', exportCache: 'false' });
    expect(o.branch).toBe('topic');
    expect(o.fallbacks).toEqual(['main', 'develop']);
    expect(o.exportCache).toBe(false);
    expect(facts.reasons).toEqual(['other CI']);
  });

  test('decideRefs: export-cache true without a branch names `where`', () => {
    const facts: RefFacts = {
      branch: undefined,
      fallbacks: ['main'],
      exportAllowed: false,
      defaultBranch: 'main',
      reasons: [],
    };
    expect(() => decideRefs(facts, { exportCache: 'true' }, 'a tag job')).toThrow(
      'export-cache: is true, but a tag job has no branch to write to: also set the `branch` input',
    );
    expect(() => decideRefs(facts, { exportCache: 'true' })).toThrow(
      /^export-cache: is true, but this build has no branch/,
    );
  });

  test('auto never exports without a branch, even when the facts allow it (and does not throw)', () => {
    const facts: RefFacts = {
      branch: undefined,
      fallbacks: ['main'],
      exportAllowed: true,
      defaultBranch: 'main',
      reasons: [],
    };
    expect(decideRefs(facts).exportCache).toBe(false);
    // a same-repository pull request whose head ref is nowhere to be found
    const ctx = pr();
    const p = ctx.payload.pull_request as { head: Record<string, unknown> };
    delete p.head.ref;
    delete ctx.headRef;
    const d = resolveRefs(ctx);
    expect(d.branch).toBeUndefined();
    expect(d.exportCache).toBe(false);
    expect(d.fallbacks).toEqual(['develop', 'main']);
  });

  test('resolveRefs = decideRefs(githubFacts(event))', () => {
    for (const ctx of [pr(), pr({ headRepo: null }), mergeGroup('refs/heads/main'), onRef('push', 'refs/heads/x')]) {
      expect(resolveRefs(ctx, { fallbackBranches: ['a'] })).toEqual(
        decideRefs(githubFacts(ctx), { fallbackBranches: ['a'] }),
      );
    }
  });
});

describe('schedule', () => {
  test('its payload names no repository, but it runs on the default branch: GITHUB_REF says which', () => {
    const d = resolveRefs({ eventName: 'schedule', ref: 'refs/heads/trunk', payload: { schedule: '0 3 * * *' } });
    expect([d.branch, d.defaultBranch, d.fallbacks, d.exportCache]).toEqual(['trunk', 'trunk', [], true]);
    expect(d.reasons.join(' ')).not.toContain('assuming');
  });
});

// Issue 13, item 14: events that wrote where they should not.
describe('item 14: events that must not write (or must warn)', () => {
  test('a push to a merge queue branch writes nothing and falls back to the queue base', () => {
    const d = resolveRefs(
      onRef('push', 'refs/heads/gh-readonly-queue/develop/pr-12-0123456789abcdef0123456789abcdef01234567'),
    );
    expect(d.exportCache).toBe(false);
    expect(d.branch).toBeUndefined();
    expect(d.fallbacks).toEqual(['develop', 'main']);
    expect(d.reasons.join('\n')).toContain('merge queue');
  });

  test('a same-repository pull request whose head is the default branch does not write its cache', () => {
    const d = resolveRefs(pr({ head: 'main', base: 'release/1' }));
    expect(d.exportCache).toBe(false);
    expect(d.reasons.join('\n')).toContain('default branch');
  });

  test('issue_comment with export-cache: true writes the default branch, with a warning', () => {
    const d = resolveRefs(onRef('issue_comment', 'refs/heads/main'), { exportCache: 'true' });
    expect(d.exportCache).toBe(true);
    expect(d.warnings.join('\n')).toMatch(/issue_comment.*main/);
  });

  test('pull_request_target from a fork warns about the base repository secrets', () => {
    const d = resolveRefs(pr({ eventName: 'pull_request_target', headRepo: 'mallory/app' }));
    expect(d.exportCache).toBe(false);
    expect(d.warnings.join('\n')).toContain('pull_request_target');
  });

  test('a push that deleted the branch plans no export', () => {
    const ctx = onRef('push', 'refs/heads/feature/gone');
    ctx.payload.deleted = true;
    const d = resolveRefs(ctx);
    expect(d.exportCache).toBe(false);
    expect(d.reasons.join('\n')).toContain('deleted');
  });
});

describe('decideRefs: the overrides on plain facts', () => {
  const facts: RefFacts = {
    branch: 'gh-readonly-queue/main/pr-7',
    fallbacks: ['main'],
    exportAllowed: false,
    defaultBranch: 'main',
    reasons: [],
    forcedExportWarning: 'W: the code may not be the branch',
  };

  test('a branch or fallback given as refs/heads/ with blanks around it is trimmed first', () => {
    const d = decideRefs(facts, { branch: '  refs/heads/hotfix/y ', fallbackBranches: [' refs/heads/develop\n'] });
    expect([d.branch, d.fallbacks]).toEqual(['hotfix/y', ['develop']]);
  });

  test('the forced-export warning: only when export-cache is true, and neither a fork nor a branch input', () => {
    const warnings = (f: RefFacts, o: Parameters<typeof decideRefs>[1]) => decideRefs(f, o).warnings;
    expect(warnings(facts, { exportCache: 'true' })).toStrictEqual(['W: the code may not be the branch']);
    expect(warnings(facts, { exportCache: 'auto' })).toStrictEqual([]);
    expect(warnings(facts, { exportCache: 'false' })).toStrictEqual([]);
    expect(warnings(facts, {})).toStrictEqual([]);
    expect(warnings(facts, { exportCache: 'true', branch: 'main' })).toStrictEqual([]);
    const { forcedExportWarning: _, ...without } = facts;
    expect(warnings(without, { exportCache: 'true' })).toStrictEqual([]);
    const fork = decideRefs({ ...facts, fork: 'mallory/app' }, { exportCache: 'true' });
    expect(fork.warnings).toStrictEqual([
      'export-cache is true, but the code comes from the fork mallory/app: forks never write the cache, so this ' +
        'build only imports',
    ]);
    expect(fork.reasons).toStrictEqual([
      'export-cache set by input: true',
      'export-cache: true ignored: fork mallory/app',
    ]);
  });
});
