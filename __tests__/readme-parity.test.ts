// The README's "Switching from docker/build-push-action" tables against what
// the action is: every build-push-action input and output has its row, each
// names an input of this action, and the README's workflows ask for exactly
// the permissions the permissions table gives their use.
import { describe, expect, test } from '@jest/globals';
import { INPUTS } from '../src/core/input-table.js';
import { README, workflows } from './readme.js';

/** docker/build-push-action v6's inputs and outputs, in its action.yml's order. */
const BPA_INPUTS = [
  'add-hosts', 'allow', 'annotations', 'attests', 'build-args', 'build-contexts', 'builder', 'cache-from',
  'cache-to', 'call', 'cgroup-parent', 'context', 'file', 'labels', 'load', 'network', 'no-cache',
  'no-cache-filters', 'outputs', 'platforms', 'provenance', 'pull', 'push', 'sbom', 'secrets', 'secret-envs',
  'secret-files', 'shm-size', 'ssh', 'tags', 'target', 'ulimit', 'github-token',
]; // biome-ignore format: one list, as its action.yml has it
const BPA_OUTPUTS = ['imageid', 'digest', 'metadata'];

/** The rows of the table between `<!-- name:start -->` and `<!-- name:end -->`, as cells. */
function table(name: string): string[][] {
  const m = new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`).exec(README);
  if (!m) throw new Error(`README.md has no <!-- ${name}:start --> table`);
  return m[1]!
    .trim()
    .split('\n')
    .slice(2)
    .map((row) =>
      row
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

const code = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

describe('the build-push-action table', () => {
  const rows = table('parity');

  test('a row for every build-push-action input, in its order, none extra', () => {
    expect(rows.map((r) => code(r[0]!)[0])).toEqual(BPA_INPUTS);
  });

  test('each row names an input of this action of the same name', () => {
    const ours = new Set(INPUTS.map((i) => i.name));
    expect(rows.filter((r) => !ours.has(code(r[1]!)[0] ?? '') || code(r[1]!)[0] !== code(r[0]!)[0])).toEqual([]);
  });

  test('every output of build-push-action is an output here', () => {
    const outputs = README.slice(README.indexOf('| build-push-action output |'));
    for (const name of BPA_OUTPUTS) expect(outputs).toContain(`| \`${name}\` | \`${name}\``);
  });
});

type Permissions = Record<string, string>;

/** The table's permissions per use: `contents: read`, `packages: write`. */
function permissionRows(): Map<string, Permissions> {
  return new Map(
    table('permissions').map(([use, cell]) => [
      use!,
      Object.fromEntries(
        code(cell!)
          .filter((c) => /^[a-z-]+: (read|write)$/.test(c))
          .map((c) => c.split(': ') as [string, string]),
      ),
    ]),
  );
}

/** What a workflow does, as the permissions table names it. */
function useOf(workflow: Record<string, unknown>): string {
  const steps = Object.values(
    (workflow.jobs ?? {}) as Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>,
  )
    .flatMap((j) => j.steps ?? [])
    .filter((s) => s.uses?.startsWith('buildx-branch-cache/buildx-branch-cache@'))
    .map((s) => s.with ?? {});
  const ghcr = steps.some((w) => String(w['image'] ?? '').startsWith('ghcr.io/'));
  if (steps.some((w) => String(w['sweep']) === 'true')) return ghcr ? 'sweep on GHCR' : 'sweep on another registry';
  if (steps.some((w) => String(w['cleanup']) === 'true'))
    return ghcr ? 'cleanup on GHCR' : 'cleanup on another registry';
  if (steps.some((w) => String(w['push']) === 'true' || String(w['outputs'] ?? '').includes('push=true')))
    return ghcr ? 'build and push to GHCR' : 'build and push to another registry';
  return 'build, no push (a pull request check)';
}

/** The permissions a workflow grants: its top-level ones, with each job's own over them. */
function granted(workflow: Record<string, unknown>): Permissions {
  const jobs = Object.values((workflow.jobs ?? {}) as Record<string, { permissions?: Permissions }>);
  return Object.assign({}, workflow.permissions as Permissions | undefined, ...jobs.map((j) => j.permissions ?? {}));
}

describe('the permissions table', () => {
  test('every whole workflow in the README asks for exactly the permissions of its use', () => {
    const rows = permissionRows();
    const wrong = workflows
      .filter((w) => w.jobs !== undefined)
      .map((w) => ({ use: useOf(w), granted: granted(w), table: rows.get(useOf(w)) }))
      .filter((w) => JSON.stringify(w.granted) !== JSON.stringify(w.table));
    expect(wrong).toEqual([]);
    expect(workflows.filter((w) => w.jobs !== undefined).length).toBeGreaterThan(1);
  });
});
