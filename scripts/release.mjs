// `npm run release -- X.Y.Z`: checks that this commit can be released as X.Y.Z, then tags it locally.
//
// The checks (each failure is one line on standard error, and the script exits 1 without tagging):
//   - X.Y.Z is a version (three numbers), newer than every vA.B.C tag there is, and vX.Y.Z does not exist;
//   - the working tree is clean (what is checked is what gets tagged);
//   - package.json's version is X.Y.Z, and package-lock.json's two root versions too;
//   - CHANGELOG.md's newest entry is `## [X.Y.Z] - YYYY-MM-DD`, and it is not empty;
//   - dist/ is the bundle of src/: scripts/bundle.mjs into a temporary directory gives dist/'s bytes;
//   - action.yml's inputs and the README's inputs and outputs tables are what `npm run docs` writes
//     (run on copies, in a temporary directory), and action.yml's Marketplace metadata is complete.
// Then it creates the annotated tag vX.Y.Z (its message: the changelog entry) and moves the major
// tag vX to the same commit (annotated, forced). It never pushes: it prints the commands that do.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '..');
const [version, ...extra] = process.argv.slice(2);
if (version === undefined || extra.length > 0) {
  console.error('usage: npm run release -- X.Y.Z');
  process.exit(2);
}

/** git in the repository; its standard output without the final newline (porcelain lines start with a space). */
function git(...args) {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
}

const failures = [];
const fail = (line) => failures.push(line);
/** A file of the repository as text; a missing one is a failure, and reads as ''. */
function read(file) {
  try {
    return readFileSync(join(root, file), 'utf8');
  } catch (e) {
    fail(`${file}: cannot be read (${e.code ?? e.message})`);
    return '';
  }
}
/** A JSON file of the repository; unreadable or invalid is a failure, and reads as {}. */
function readJson(file) {
  const text = read(file);
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch (e) {
    fail(`${file}: not valid JSON (${e.message})`);
    return {};
  }
}
/** The first line of a failed child process's error output, or of the error. */
const firstLine = (e) => `${e.stderr || e.message || e}`.trim().split('\n')[0];

// --- the version and the tags
const semver = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
if (!semver) {
  console.error(`version: "${version}" is not X.Y.Z (three numbers, e.g. 1.2.0)`);
  process.exit(1);
}
const numbers = (v) => v.split('.').map(Number);
const newer = (a, b) => {
  const [x, y] = [numbers(a), numbers(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return false;
};
const major = `v${semver[1]}`;
const tag = `v${version}`;
const released = git('tag', '--list', 'v*')
  .split('\n')
  .map((t) => /^v(\d+\.\d+\.\d+)$/.exec(t)?.[1])
  .filter((v) => v !== undefined);
if (released.includes(version))
  fail(`tag ${tag} exists already (at ${git('rev-parse', '--short', `${tag}^{commit}`)})`);
else {
  const latest = released.reduce((a, b) => (a === undefined || newer(b, a) ? b : a), undefined);
  if (latest !== undefined && !newer(version, latest)) fail(`version: ${version} is not newer than v${latest}`);
}

// --- a clean working tree
const dirty = git('status', '--porcelain');
if (dirty !== '') {
  const files = dirty.split('\n').map((l) => l.slice(3));
  fail(
    `working tree: not clean (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''}): commit or stash first`,
  );
}

// --- package.json and package-lock.json
const pkg = readJson('package.json');
if (pkg.version !== version) fail(`package.json: version is ${pkg.version}, not ${version}`);
const lock = readJson('package-lock.json');
if (lock.version !== version || lock.packages?.['']?.version !== version)
  fail(`package-lock.json: the root version is ${lock.version} / ${lock.packages?.['']?.version}, not ${version}`);

// --- the changelog entry
const changelog = read('CHANGELOG.md');
const headings = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$/gm)];
const entry = headings.find((h) => h[1] === version);
let notes = '';
if (!entry) fail(`CHANGELOG.md: no "## [${version}] - YYYY-MM-DD" entry`);
else {
  const date = entry[2];
  if (
    Number.isNaN(Date.parse(`${date}T00:00:00Z`)) ||
    new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date
  )
    fail(`CHANGELOG.md: [${version}]'s date ${date} is not a date`);
  if (headings[0] !== entry)
    fail(`CHANGELOG.md: [${version}] is not the newest entry ([${headings[0][1]}] is above it)`);
  const start = entry.index + entry[0].length;
  const next = changelog.slice(start).search(/^## |^\[[^\]]+\]: /m);
  const body = changelog.slice(start, next === -1 ? undefined : start + next).trim();
  if (body === '') fail(`CHANGELOG.md: the [${version}] entry is empty`);
  notes = `${version} - ${date}\n\n${body}\n`;
}

// --- dist/ is the bundle of src/
const scratch = mkdtempSync(join(tmpdir(), 'bbc-release-'));
try {
  const out = join(scratch, 'bundle');
  let bundled = true;
  try {
    execFileSync(process.execPath, [join(root, 'scripts/bundle.mjs'), '--outdir', out], { cwd: root, stdio: 'pipe' });
  } catch (e) {
    bundled = false;
    fail(`dist/: bundling src/ failed: ${firstLine(e)}`);
  }
  if (bundled) {
    const made = readdirSync(out).sort();
    const tracked = git('ls-files', 'dist')
      .split('\n')
      .filter(Boolean)
      .map((f) => f.slice('dist/'.length));
    const missing = made.filter((f) => !existsSync(join(root, 'dist', f)));
    const differ = made.filter(
      (f) => !missing.includes(f) && !readFileSync(join(root, 'dist', f)).equals(readFileSync(join(out, f))),
    );
    const stale = tracked.filter((f) => !made.includes(f));
    const mode = git('ls-files', '-s', 'dist/cli.js').split(' ')[0];
    const wrong = [
      ...missing.map((f) => `dist/${f} is missing`),
      ...differ.map((f) => `dist/${f} differs`),
      ...stale.map((f) => `dist/${f} is not made any more`),
      ...(mode === '100755' ? [] : [`dist/cli.js is not executable in git (${mode || 'untracked'})`]),
    ];
    if (wrong.length > 0)
      fail(`dist/ is not the bundle of src/ (${wrong.join('; ')}): run \`npm run bundle\` and commit dist/`);
  }

  // --- action.yml, the README's tables and the metadata
  const docs = join(scratch, 'docs');
  mkdirSync(docs);
  for (const f of ['action.yml', 'README.md']) copyFileSync(join(root, f), join(docs, f));
  try {
    execFileSync(process.execPath, [join(root, 'scripts/run-ts.mjs'), join(root, 'scripts/docs.ts')], {
      cwd: docs,
      stdio: 'pipe',
    });
    for (const f of ['action.yml', 'README.md']) {
      if (readFileSync(join(docs, f), 'utf8') !== read(f))
        fail(`${f}: not what \`npm run docs\` writes from src/core/input-table.ts: run it and commit ${f}`);
    }
  } catch (e) {
    fail(`npm run docs failed: ${firstLine(e)}`);
  }
  const action = parse(read('action.yml')) ?? {};
  if (action.name !== pkg.name) fail(`action.yml: name is "${action.name}", package.json's is "${pkg.name}"`);
  const description = `${action.description ?? ''}`;
  if (description === '' || description.length > 125)
    fail(`action.yml: the description must be 1 to 125 characters for the Marketplace (it is ${description.length})`);
  if (!action.branding?.icon || !action.branding?.color) fail('action.yml: branding needs an icon and a color');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (failures.length > 0) {
  for (const line of failures) console.error(line);
  console.error(`not released: ${failures.length} check${failures.length === 1 ? '' : 's'} failed`);
  process.exit(1);
}

// --- the tags: vX.Y.Z (annotated, with the changelog entry), and vX moved to it
const head = git('rev-parse', 'HEAD');
const message = join(tmpdir(), `bbc-release-${process.pid}.txt`);
writeFileSync(message, notes);
try {
  // --cleanup=whitespace: the default (strip) would drop the entry's `### Added` lines as comments.
  git('tag', '--annotate', '--cleanup=whitespace', '--file', message, tag, head);
} finally {
  rmSync(message, { force: true });
}
let previous = '';
try {
  previous = git('rev-parse', '--verify', '--quiet', `${major}^{commit}`);
} catch {
  // no major tag yet
}
git('tag', '--annotate', '--force', '--message', `${major}: the latest ${major}.x.y is ${tag}`, major, head);

console.log(`tagged ${tag} at ${head.slice(0, 12)}`);
console.log(
  previous === ''
    ? `created ${major} at ${head.slice(0, 12)}`
    : `moved ${major} from ${previous.slice(0, 12)} to ${head.slice(0, 12)}`,
);
console.log('\nNothing was pushed. To publish:');
console.log(`  git push origin ${tag}`);
console.log(`  git push --force origin ${major}`);
console.log(`then create the GitHub release for ${tag} with the changelog entry as its notes (git tag -n99 ${tag}).`);
