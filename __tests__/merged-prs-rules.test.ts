// Which pull requests lend a build their head branch's cache (merged-prs.ts),
// rule by rule: the request to make, and how each answer is read.
import { describe, expect, test } from '@jest/globals';
import type { EventContext } from '../src/core/github-event.js';
import { lookupFor, mergedPulls, queuedPull } from '../src/core/merged-prs.js';
import { pullBody } from './fake-pulls-api.js';

const REPO = 'acme/app';
const SHA = 'a'.repeat(40);
const QUEUE = `refs/heads/gh-readonly-queue/main/pr-12-${SHA}`;
const QUEUED = { kind: 'queued', repository: REPO, number: 12, base: 'main', path: `/repos/${REPO}/pulls/12` };

describe('lookupFor', () => {
  test("merge_group: the queue ref of the payload, else the event's ref", () => {
    const repository = { full_name: REPO };
    const inPayload: EventContext = {
      eventName: 'merge_group',
      ref: 'refs/heads/main',
      payload: { merge_group: { head_ref: QUEUE }, repository },
    };
    expect(lookupFor(inPayload, {})).toEqual(QUEUED);
    const onlyRef: EventContext = { eventName: 'merge_group', ref: QUEUE, payload: { repository } };
    expect(lookupFor(onlyRef, {})).toEqual(QUEUED);
  });

  test("another event: the event's ref, whatever the payload says of a queue", () => {
    const push: EventContext = {
      eventName: 'push',
      ref: 'refs/heads/main',
      payload: { after: SHA, merge_group: { head_ref: QUEUE }, repository: { full_name: REPO } },
    };
    expect(lookupFor(push, {})).toMatchObject({ kind: 'merged', branch: 'main' });
  });

  test('a commit that is no SHA, or a repository that is no owner/name: nothing to ask, and why', () => {
    const push = (after: unknown, fullName: unknown): EventContext => ({
      eventName: 'push',
      ref: 'refs/heads/main',
      payload: { after, repository: { full_name: fullName } },
    });
    expect(lookupFor(push('not-a-sha', REPO), { sha: SHA })).toEqual({ skip: 'no commit SHA to ask about' });
    expect(lookupFor(push(SHA, 'no-owner'), {})).toEqual({ skip: 'no owner/name repository to ask about' });
    expect(lookupFor(push(SHA, undefined), {})).toEqual({ skip: 'no owner/name repository to ask about' });
    expect(lookupFor(push(SHA, undefined), { repository: REPO })).toMatchObject({ kind: 'merged', repository: REPO });
  });
});

describe('mergedPulls', () => {
  const T1 = '2026-03-01T10:00:00Z';
  const T2 = '2026-03-01T11:00:00Z';
  const T3 = '2026-03-01T12:00:00Z';

  test('entries without a usable number are skipped without a word', () => {
    const body = pullBody({ number: 1, head: 'feature/a', base: 'main', mergedAt: T1 });
    const answer = [0, -2, 1.5, '7', null, Number.MAX_SAFE_INTEGER + 2].map((number) => ({ ...body, number }));
    expect(mergedPulls(answer, 'main', REPO)).toEqual({ found: [], lines: [] });
    expect(mergedPulls([{ ...body, number: 1 }], 'main', REPO).found).toEqual([{ number: 1, head: 'feature/a' }]);
  });

  test('the latest merge first; merges at the same time keep the API’s order', () => {
    const answer = [
      pullBody({ number: 1, head: 'a', base: 'main', mergedAt: T1 }),
      pullBody({ number: 2, head: 'b', base: 'main', mergedAt: T3 }),
      pullBody({ number: 3, head: 'c', base: 'main', mergedAt: T2 }),
      pullBody({ number: 4, head: 'd', base: 'main', mergedAt: T2 }),
      pullBody({ number: 5, head: 'e', base: 'main', mergedAt: T1 }),
    ];
    expect(mergedPulls(answer, 'main', REPO).found.map((p) => p.number)).toEqual([2, 3, 4, 1, 5]);
  });

  test('one line for each left out: merged elsewhere (named only when a branch), its head the branch, no head', () => {
    const answer = [
      pullBody({ number: 1, head: 'a', base: 'develop', mergedAt: T1 }),
      pullBody({ number: 2, head: 'b', base: 'bad..name', mergedAt: T1 }),
      { ...pullBody({ number: 3, head: 'c', base: 'main', mergedAt: T1 }), base: {} },
      pullBody({ number: 4, head: 'main', base: 'main', mergedAt: T1 }),
      pullBody({ number: 5, head: 'bad..head', base: 'main', mergedAt: T1 }),
    ];
    expect(mergedPulls(answer, 'main', REPO)).toEqual({
      found: [],
      lines: [
        '#1: merged into develop, not main, left out',
        '#2: merged into another branch, not main, left out',
        '#3: merged into another branch, not main, left out',
        '#4: its head is main itself, left out',
        '#5: its head branch is not a valid branch name, left out',
      ],
    });
  });
});

describe('queuedPull', () => {
  test("a fork's pull request or an invalid head: none found, one line why", () => {
    const fork = pullBody({ number: 12, head: 'x', base: 'main', headRepo: 'mallory/app' });
    expect(queuedPull(fork, 12, REPO)).toEqual({
      found: undefined,
      lines: ['#12: from the fork mallory/app, whose branches have no cache here, left out'],
    });
    const bad = pullBody({ number: 12, head: 'a..b', base: 'main' });
    expect(queuedPull(bad, 12, REPO)).toEqual({
      found: undefined,
      lines: ['#12: its head branch is not a valid branch name, left out'],
    });
  });
});
