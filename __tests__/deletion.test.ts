// The one deletion policy of cleanup, as a table (src/core/deletion.ts).
import { describe, expect, test } from '@jest/globals';
import { planDeletion, type Holder } from '../src/core/deletion.js';

const h = (id: string, ...tags: string[]): Holder => ({ id, label: `m-${id}`, tags });

describe('planDeletion', () => {
  test.each([
    {
      name: 'a holder only our tags carry is deleted, with all of them',
      tags: ['a', 'b'],
      holders: [h('1', 'a', 'b')],
      dryRun: false,
      decided: [],
      deletions: [['1', ['a', 'b']]],
    },
    {
      name: 'a holder another tag also carries is kept, naming it',
      tags: ['a'],
      holders: [h('1', 'a', 'main')],
      dryRun: false,
      decided: [{ tag: 'a', state: 'kept', detail: 'm-1 is also tagged main: deleting it would delete those too' }],
      deletions: [],
    },
    {
      name: 'a dry run deletes nothing and says what would go',
      tags: ['a', 'b'],
      holders: [h('1', 'a'), h('2', 'b', 'keep')],
      dryRun: true,
      decided: [
        { tag: 'a', state: 'would delete', detail: 'm-1' },
        { tag: 'b', state: 'kept', detail: 'm-2 is also tagged keep: deleting it would delete those too' },
      ],
      deletions: [],
    },
    {
      name: 'a tag no holder carries is not found; a holder of no requested tag is left alone',
      tags: ['gone'],
      holders: [h('1', 'other')],
      dryRun: false,
      decided: [{ tag: 'gone', state: 'not found' }],
      deletions: [],
    },
    {
      name: 'several requested tags on a holder another tag shares: all kept, naming only the other',
      tags: ['a', 'b'],
      holders: [h('1', 'a', 'b', 'main')],
      dryRun: false,
      decided: [
        { tag: 'a', state: 'kept', detail: 'm-1 is also tagged main: deleting it would delete those too' },
        { tag: 'b', state: 'kept', detail: 'm-1 is also tagged main: deleting it would delete those too' },
      ],
      deletions: [],
    },
    {
      name: 'a holder that carries several other tags names them all',
      tags: ['a'],
      holders: [h('1', 'main', 'a', 'dev')],
      dryRun: true,
      decided: [
        { tag: 'a', state: 'kept', detail: 'm-1 is also tagged main, dev: deleting it would delete those too' },
      ],
      deletions: [],
    },
    {
      name: 'a holder listed twice is decided once',
      tags: ['a'],
      holders: [h('1', 'a'), h('1', 'a')],
      dryRun: false,
      decided: [],
      deletions: [['1', ['a']]],
    },
  ])('$name', ({ tags, holders, dryRun, decided, deletions }) => {
    const plan = planDeletion(tags, holders, dryRun);
    expect(plan.decided).toEqual(decided);
    expect(plan.deletions.map((d) => [d.holder.id, d.tags])).toEqual(deletions);
  });
});
