// The release (issue 20): LICENSE, CHANGELOG.md, package.json and action.yml agree, and
// scripts/release.mjs, run in a throwaway clone, refuses a bundle that is not src/'s and a
// version the changelog does not have, and on a good state tags the version and moves its
// major tag. The clone is of this repository's HEAD, with this tree's release files laid over
// it (so the test checks the script being edited, and from a clean clone changes nothing).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..');
const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const pkg = JSON.parse(text('package.json')) as { name: string; version: string; license: string };
const lock = JSON.parse(text('package-lock.json')) as {
  version: string;
  packages: Record<string, { version: string }>;
};
const action = parse(text('action.yml')) as { name: string; description: string; branding?: Record<string, string> };

/** `## [X.Y.Z] - YYYY-MM-DD` headings of CHANGELOG.md, newest first. */
const released = [...text('CHANGELOG.md').matchAll(/^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$/gm)].map((m) => ({
  version: m[1]!,
  date: m[2]!,
}));

describe('the release metadata', () => {
  test('LICENSE is the MIT license, with the year and holder, as package.json says', () => {
    const license = text('LICENSE');
    expect(pkg.license).toBe('MIT');
    expect(license.split('\n')[0]).toBe('MIT License');
    expect(license).toContain('Copyright (c) 2026 buildx-branch-cache contributors');
    expect(license).toContain('Permission is hereby granted, free of charge, to any person obtaining a copy');
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  test("package.json's version is the changelog's newest release, and package-lock.json's root has it", () => {
    expect(released.length).toBeGreaterThan(0);
    expect(text('CHANGELOG.md')).toMatch(/^## \[Unreleased\]$/m);
    expect({ changelog: released[0]!.version, lock: lock.version, lockRoot: lock.packages['']!.version }).toEqual({
      changelog: pkg.version,
      lock: pkg.version,
      lockRoot: pkg.version,
    });
    // Newest first: each entry's date is on or before the one above it.
    const dates = released.map((r) => r.date);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  test("action.yml has the Marketplace's metadata: its name, a short description, an icon and a color", () => {
    expect(action.name).toBe(pkg.name);
    expect(action.description.length).toBeGreaterThan(20);
    expect(action.description.length).toBeLessThanOrEqual(125);
    // GitHub's branding colors; the icon is a Feather icon name.
    const colors = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'];
    expect(colors).toContain(action.branding?.color);
    expect(action.branding?.icon).toMatch(/^[a-z0-9-]+$/);
  });
});

describe('scripts/release.mjs in a throwaway clone', () => {
  let clone = '';
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: clone, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8' }).trim();
  const commit = (message: string) =>
    git(
      '-c',
      'user.name=test',
      '-c',
      'user.email=test@example.com',
      'commit',
      '-q',
      '-a',
      '--no-verify',
      '-m',
      message,
    );
  /** The script's failure lines: standard error without its closing count. */
  const failures = (err: string) => err.split('\n').filter((l) => l !== '' && !l.startsWith('not released:'));

  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'bbc-release-test-'));
    execFileSync('git', ['clone', '-q', ROOT, clone]);
    // Tags the repository has (a real release) would make this one "exists already": start without any.
    for (const t of git('tag', '--list').split('\n').filter(Boolean)) git('tag', '-d', t);
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    // A symlink is not the directory .gitignore's `node_modules/` names: keep it out of `git status`.
    appendFileSync(join(clone, '.git', 'info', 'exclude'), '/node_modules\n');
    for (const f of ['scripts/release.mjs', 'scripts/bundle.mjs', 'CHANGELOG.md', 'package.json', 'package-lock.json'])
      copyFileSync(join(ROOT, f), join(clone, f));
    git('add', '-A');
    // The good state: this tree's release files, and the bundle they make (bundle.mjs writes where it belongs).
    execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: clone });
    git('add', '-A');
    git('-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '-q', '--allow-empty', '-m', 'good');
  }, 60_000);

  afterAll(() => {
    if (clone !== '') rmSync(clone, { recursive: true, force: true });
  });

  test('a version the changelog does not have: exit 1, naming CHANGELOG.md, and no tag', () => {
    const r = run('npm', ['run', '--silent', 'release', '--', '9.9.9']);
    expect(r.code).toBe(1);
    expect(failures(r.err)).toContain('CHANGELOG.md: no "## [9.9.9] - YYYY-MM-DD" entry');
    expect(git('tag', '--list')).toBe('');
  }, 30_000);

  test('a source change committed without rebundling: exit 1, one line, naming the stale bundle', () => {
    const head = git('rev-parse', 'HEAD');
    // A top-level statement of an entry point: it cannot be shaken out of the bundle.
    appendFileSync(join(clone, 'src/cli/main.ts'), '\n(globalThis as Record<string, unknown>).releaseTest = 1;\n');
    commit('a source change, not bundled');
    try {
      const r = run(process.execPath, ['scripts/release.mjs', pkg.version]);
      expect(r.code).toBe(1);
      const lines = failures(r.err);
      expect(lines).toEqual([expect.stringMatching(/^dist\b.* is not the bundle of src\b.*cli\.js differs/)]);
      expect(git('tag', '--list')).toBe('');
    } finally {
      git('reset', '-q', '--hard', head);
    }
  }, 30_000);

  test('a dirty working tree: exit 1, naming the working tree', () => {
    appendFileSync(join(clone, 'CHANGELOG.md'), '\n');
    try {
      const r = run(process.execPath, ['scripts/release.mjs', pkg.version]);
      expect(r.code).toBe(1);
      expect(failures(r.err)).toContainEqual(expect.stringMatching(/^working tree: not clean \(CHANGELOG\.md\)/));
    } finally {
      git('checkout', '-q', '--', 'CHANGELOG.md');
    }
  }, 30_000);

  test('a good state: tags vX.Y.Z with the changelog entry and moves vX from an older commit', () => {
    const major = `v${pkg.version.split('.')[0]}`;
    const head = git('rev-parse', 'HEAD');
    const older = git('rev-parse', 'HEAD~1');
    git('tag', major, older); // where the major tag was before this release
    const r = run(process.execPath, ['scripts/release.mjs', pkg.version]);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    expect(r.out).toContain(`git push origin v${pkg.version}`);
    expect(r.out).toContain(`git push --force origin ${major}`);

    expect(git('rev-parse', `v${pkg.version}^{commit}`)).toBe(head);
    expect(git('cat-file', '-t', `v${pkg.version}`)).toBe('tag'); // annotated
    expect(git('rev-parse', `${major}^{commit}`)).toBe(head);
    // The tag's message is the changelog entry, its `###` headings kept.
    const message = git('tag', '-n99', '--list', `v${pkg.version}`);
    expect(message).toContain(`${pkg.version} - ${released[0]!.date}`);
    expect(message).toContain('### Added');
    // Released once: the same version again is refused.
    const again = run(process.execPath, ['scripts/release.mjs', pkg.version]);
    expect(again.code).toBe(1);
    expect(failures(again.err)).toContainEqual(
      expect.stringMatching(new RegExp(`^tag v${pkg.version} exists already`)),
    );
  }, 30_000);
});

describe('the notices scripts/bundle.mjs writes', () => {
  let out = '';
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'bbc-notices-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs'), '--outdir', out], { cwd: ROOT });
  }, 60_000);
  afterAll(() => {
    if (out !== '') rmSync(out, { recursive: true, force: true });
  });

  test('every runtime dependency with its version and license text; not the dropped http client', () => {
    const notices = readFileSync(join(out, 'THIRD-PARTY-NOTICES.txt'), 'utf8');
    const deps = ['@actions/core', 'csv-parse', 'dockerfile-ast', 'slugify'];
    const listed = deps.filter((d) => {
      const { version } = JSON.parse(text(`node_modules/${d}/package.json`)) as { version: string };
      return notices.includes(`\n${d} ${version}\nLicense: MIT\n`);
    });
    expect(listed).toEqual(deps);
    expect(notices).toContain(readFileSync(join(ROOT, 'node_modules/slugify/LICENSE'), 'utf8').trim());
    // scripts/bundle.mjs marks these side-effect free: no code of theirs is bundled, so no notice either.
    expect(notices).not.toMatch(/^(undici|tunnel|@actions\/http-client) /m);
  });
});
