// What cleanup says it did, tag by tag: the deleted-refs output, the log lines
// and the job summary (cleanup-report.ts), from given results.
import { describe, expect, test } from '@jest/globals';
import type { CleanupPlan } from '../src/core/cleanup.js';
import {
  cleanupSummary,
  deletedRefs,
  resultLines,
  type TagResult,
  unsupportedMessage,
} from '../src/core/cleanup-report.js';

const IMAGE = 'ghcr.io/acme/app';

const EVERY_STATE: TagResult[] = [
  { tag: 'a', state: 'deleted', detail: 'sha256:aaa' },
  { tag: 'b', state: 'would delete' },
  { tag: 'c', state: 'not found' },
  { tag: 'd', state: 'kept', detail: 'in use' },
  { tag: 'e', state: 'failed', detail: 'HTTP 500' },
  { tag: 'f', state: 'unsupported' },
];

const plan = (over: Partial<CleanupPlan> = {}): CleanupPlan => ({
  branch: 'feature/x',
  defaultBranch: 'main',
  reason: 'the branch feature/x was deleted',
  tags: ['a', 'b'],
  ...over,
});

describe('unsupportedMessage', () => {
  test('names the registry and its answer, and says what to do instead', () => {
    expect(unsupportedMessage('docker.io', 'HTTP 405')).toBe(
      'docker.io does not delete manifests through the registry API (it answered HTTP 405): ' +
        "set a retention policy there for the cache tags instead (e.g. Docker Hub's or ECR's lifecycle rules); " +
        'a self-hosted distribution registry deletes once its storage.delete.enabled is true',
    );
  });
});

describe('deletedRefs', () => {
  test('only the deleted and would-delete tags, as image:tag refs in their order', () => {
    expect(deletedRefs(IMAGE, EVERY_STATE)).toEqual([`${IMAGE}:a`, `${IMAGE}:b`]);
  });

  test('nothing deleted: no refs', () => {
    expect(deletedRefs(IMAGE, [{ tag: 'x', state: 'kept' }])).toEqual([]);
  });
});

describe('resultLines', () => {
  test('one line per tag: its state, the ref and the detail in brackets when there is one', () => {
    expect(resultLines(IMAGE, EVERY_STATE)).toEqual([
      `deleted: ${IMAGE}:a (sha256:aaa)`,
      `would delete: ${IMAGE}:b`,
      `not found: ${IMAGE}:c`,
      `kept: ${IMAGE}:d (in use)`,
      `failed: ${IMAGE}:e (HTTP 500)`,
      `unsupported: ${IMAGE}:f`,
    ]);
  });

  test('an empty detail adds no brackets', () => {
    expect(resultLines(IMAGE, [{ tag: 'x', state: 'kept', detail: '' }])).toEqual([`kept: ${IMAGE}:x`]);
  });
});

describe('cleanupSummary', () => {
  test('a run: every tag in a row with its icon and detail, then the counts', () => {
    const summary = cleanupSummary({ image: IMAGE, plan: plan(), results: EVERY_STATE, dryRun: false, where: 'GHCR' });
    expect(summary).toBe(
      [
        '### buildx-branch-cache cleanup: `feature/x`',
        '',
        'the branch feature/x was deleted.',
        '',
        'Registry: GHCR',
        '',
        '| Cache ref | Result |',
        '|---|---|',
        `| \`${IMAGE}:a\` | 🗑️ deleted: sha256:aaa |`,
        `| \`${IMAGE}:b\` | 📝 would delete |`,
        `| \`${IMAGE}:c\` | ➖ not found |`,
        `| \`${IMAGE}:d\` | 🔒 kept: in use |`,
        `| \`${IMAGE}:e\` | ❌ failed: HTTP 500 |`,
        `| \`${IMAGE}:f\` | ❌ unsupported |`,
        '',
        '**1 deleted, 1 not found, 1 kept, 2 failed.**',
        '',
      ].join('\n'),
    );
  });

  test('a dry run says so in the title and counts what would be deleted', () => {
    const results: TagResult[] = [
      { tag: 'a', state: 'would delete' },
      { tag: 'b', state: 'would delete' },
      { tag: 'c', state: 'deleted' },
    ];
    const summary = cleanupSummary({ image: IMAGE, plan: plan(), results, dryRun: true, where: 'GHCR' });
    expect(summary.split('\n')[0]).toBe('### buildx-branch-cache cleanup: `feature/x` (dry run)');
    expect(summary).toContain('**2 would be deleted, 0 not found, 0 kept, 0 failed.**\n');
  });

  test('not a dry run: no "(dry run)", and the deleted count', () => {
    const results: TagResult[] = [
      { tag: 'a', state: 'deleted' },
      { tag: 'b', state: 'deleted' },
      { tag: 'c', state: 'would delete' },
    ];
    const summary = cleanupSummary({ image: IMAGE, plan: plan(), results, dryRun: false, where: 'GHCR' });
    expect(summary.split('\n')[0]).toBe('### buildx-branch-cache cleanup: `feature/x`');
    expect(summary).toContain('**2 deleted, 0 not found, 0 kept, 0 failed.**\n');
  });

  test('no branch to clean up: the title and the reason only', () => {
    const summary = cleanupSummary({
      image: IMAGE,
      plan: plan({ branch: undefined, reason: 'a tag was deleted, not a branch' }),
      results: EVERY_STATE,
      dryRun: true,
      where: 'GHCR',
    });
    expect(summary).toBe('### buildx-branch-cache cleanup (dry run)\n\na tag was deleted, not a branch.\n\n');
  });

  test('an empty branch name is still a branch: its table is shown', () => {
    const summary = cleanupSummary({
      image: IMAGE,
      plan: plan({ branch: '' }),
      results: [],
      dryRun: false,
      where: 'r',
    });
    expect(summary.split('\n')[0]).toBe('### buildx-branch-cache cleanup');
    expect(summary).toContain('| Cache ref | Result |');
  });

  test("others' words are shown as text, never as markup, and stay in their table cell", () => {
    const summary = cleanupSummary({
      image: IMAGE,
      plan: plan({ branch: 'a`b', reason: 'why *bold*' }),
      results: [{ tag: 't', state: 'failed', detail: 'a|b <x>' }],
      dryRun: false,
      where: 'reg_1',
    });
    expect(summary.split('\n')).toEqual(
      expect.arrayContaining([
        "### buildx-branch-cache cleanup: `a'b`",
        'why \\*bold\\*.',
        'Registry: reg\\_1',
        `| \`${IMAGE}:t\` | ❌ failed: a\\|b &lt;x&gt; |`,
      ]),
    );
  });
});
