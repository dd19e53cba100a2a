// Runs the bundled action (dist/index.js) the way the GitHub runner does:
// INPUT_* variables (action.yml defaults included), GITHUB_* variables, an
// event payload file, and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files.
// Used by the tests and by `npm run local`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function actionDefaults() {
  const action = parse(readFileSync(join(root, 'action.yml'), 'utf8'));
  const out = {};
  // The runner evaluates an expression default; the only one here is the workflow's token, which tests pass
  // as the github-token input when they need one.
  for (const [name, spec] of Object.entries(action.inputs))
    out[name] = spec.default === undefined ? '' : String(spec.default).replace('${{ github.token }}', '');
  return out;
}

/** The runner's name for an input: INPUT_ + upper case, spaces as '_' (dashes stay). */
export function inputVar(name) {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Parse a GITHUB_OUTPUT file: `name<<DELIM` blocks (and plain name=value lines). */
export function parseOutputs(text) {
  const out = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = /^([^=<]+)<<(.+)$/.exec(line);
    if (m) {
      const [, name, delim] = m;
      const value = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

/** A push to refs/heads/<branch> of owner/repo, default branch main. */
export function pushEvent(branch, defaultBranch = 'main') {
  return {
    name: 'push',
    ref: `refs/heads/${branch}`,
    payload: { ref: `refs/heads/${branch}`, repository: { full_name: 'acme/app', default_branch: defaultBranch } },
  };
}

/** A pull request head -> base; `fork` makes the head another repository. */
export function pullRequestEvent(head, base, { fork = false, number = 7, defaultBranch = 'main' } = {}) {
  const repo = { full_name: 'acme/app' };
  return {
    name: 'pull_request',
    ref: `refs/pull/${number}/merge`,
    headRef: head,
    baseRef: base,
    payload: {
      number,
      pull_request: {
        number,
        head: { ref: head, repo: { full_name: fork ? 'mallory/app' : 'acme/app' } },
        base: { ref: base, repo },
      },
      repository: { ...repo, default_branch: defaultBranch },
    },
  };
}

/** A merge queue's build of pull request `pr`'s tree, as GitHub sends `merge_group` (base: main). */
export function mergeGroupEvent(pr, sha) {
  const queue = `gh-readonly-queue/main/pr-${pr}-${sha}`;
  return {
    name: 'merge_group',
    ref: `refs/heads/${queue}`,
    payload: {
      action: 'checks_requested',
      merge_group: {
        head_sha: sha,
        head_ref: `refs/heads/${queue}`,
        base_sha: '0'.repeat(40),
        base_ref: 'refs/heads/main',
      },
      repository: { full_name: 'acme/app', default_branch: 'main' },
    },
  };
}

/**
 * Run the action. Returns { code, stdout, stderr, outputs, summary }.
 * options: inputs, event ({name, ref, headRef?, baseRef?, payload}), env, cwd, node (binary), entry.
 */
export async function runAction({
  inputs = {},
  event = pushEvent('main'),
  env = {},
  cwd = root,
  node = process.execPath,
  entry,
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bbc-runner-'));
  try {
    const eventPath = join(dir, 'event.json');
    const outputPath = join(dir, 'output');
    const summaryPath = join(dir, 'summary');
    writeFileSync(eventPath, JSON.stringify(event.payload ?? {}));
    writeFileSync(outputPath, '');
    writeFileSync(summaryPath, '');
    const vars = {};
    for (const [k, v] of Object.entries({ ...actionDefaults(), ...inputs })) vars[inputVar(k)] = v;
    const childEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DOCKER_'))),
      ...vars,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: event.name,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REF: event.ref ?? '',
      GITHUB_HEAD_REF: event.headRef ?? '',
      GITHUB_BASE_REF: event.baseRef ?? '',
      GITHUB_REPOSITORY: 'acme/app',
      // What the runner always sets: the server, and the commit the workflow runs on.
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      RUNNER_TEMP: dir,
      ...env,
    };
    const child = spawn(node, [entry ?? join(root, 'dist', 'index.js')], {
      cwd,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((res, rej) => {
      child.on('error', rej);
      child.on('close', (c) => res(c ?? -1));
    });
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
      summary: readFileSync(summaryPath, 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
