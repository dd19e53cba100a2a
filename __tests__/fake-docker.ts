// A fake `docker` for the unit tests of the shell modules that run it (proc.ts,
// prepare.ts, run-buildx.ts): a small node script written into a temp dir that
// is put first on PATH (process.env.PATH) while a test runs. It records each
// call's argv, and answers from rules the test gives, with what the real docker
// CLI prints (the captures under fixtures/buildx and fixtures/rawjson).
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** How one call is answered. */
export interface Answer {
  stdout?: string;
  stderr?: string;
  /** A file whose bytes are written to stderr after `stderr` (a rawjson capture). */
  stderrFile?: string;
  /** Exit status (default 0). */
  code?: number;
  /** Wait this long before answering (a docker that hangs). */
  sleepMs?: number;
  /** After answering, kill itself with this signal instead of exiting. */
  signal?: NodeJS.Signals;
}

/** The first rule whose words all appear in argv, in this order, answers. */
export interface Rule {
  when: string[];
  answer: Answer;
  /** Only for calls run this way (default: either). */
  as?: 'docker' | 'plugin';
}

export interface Call {
  argv: string[];
  /** How it was run: `docker`, or `plugin` (the buildx plugin run alone: proc.ts buildx()). */
  as: 'docker' | 'plugin';
  /** What the fake's fd 1 was: the test compares it with its own (was stdout inherited or piped?). */
  stdout: { dev: number; ino: number };
}

const FIXTURES = join(import.meta.dirname, 'fixtures');
/** A captured buildx output, e.g. `0.13-inspect-docker.txt`. */
export const capture = (name: string) => readFileSync(join(FIXTURES, 'buildx', name), 'utf8');

/** Real `docker buildx version` output (Debian's buildx 0.13.1 and 0.29.1). */
export const BUILDX_VERSION = {
  '0.13': capture('0.13-version.txt'),
  '0.29': capture('0.29-version.txt'),
  // An upstream release's line, as buildx v0.11.2 prints it (its 0.11 cannot write rawjson progress).
  '0.11': 'github.com/docker/buildx v0.11.2 9872040b6626fb7d87ef7296fd5b832e8cc2ad17\n',
} as const;

/** Real `docker buildx inspect` output of buildx 0.29 for each kind of builder. */
export const INSPECT = {
  /** The docker driver on the containerd image store. */
  docker: capture('0.29-inspect-docker.txt'),
  /** The docker driver on the classic image store: it cannot export a registry cache. */
  dockerClassic: capture('0.29-inspect-docker-classic.txt'),
  /** A docker-container builder (setup-buildx-action's), not bootstrapped. */
  dockerContainer: capture('0.29-inspect-docker-container.txt'),
} as const;

/** What Docker 28.2's CLI prints, and its status, for `docker buildx ...` without the buildx plugin. */
export const NO_BUILDX: Answer = {
  stderr: "docker: unknown command: docker buildx\n\nRun 'docker --help' for more information\n",
  code: 1,
};

/** What buildx prints for `--builder NAME` when there is no such builder. */
export const noBuilder = (name: string): Answer => ({ stderr: `ERROR: no builder "${name}" found\n`, code: 1 });

// The fake itself: CommonJS (its temp dir has no package.json), run by this very node.
const SCRIPT = `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
const argv = process.argv.slice(2);
const st = fs.fstatSync(1);
const call = { argv, stdout: { dev: st.dev, ino: st.ino }, as: process.env.FAKE_DOCKER_AS || 'docker' };
fs.appendFileSync(path.join(__dirname, 'calls.jsonl'), JSON.stringify(call) + '\\n');
const rules = JSON.parse(fs.readFileSync(path.join(__dirname, 'rules.json'), 'utf8'));
const fits = (when) => {
  let at = 0;
  for (const w of when) {
    const i = argv.indexOf(w, at);
    if (i === -1) return false;
    at = i + 1;
  }
  return true;
};
const rule = rules.find((r) => fits(r.when) && (!r.as || r.as === call.as));
const a = rule ? rule.answer : { stderr: 'fake docker: no rule answers ' + JSON.stringify(argv) + '\\n', code: 125 };
const answer = () => {
  const file = a.stderrFile ? fs.readFileSync(a.stderrFile) : Buffer.alloc(0);
  const err = Buffer.concat([Buffer.from(a.stderr || ''), file]);
  process.stdout.write(a.stdout || '', () =>
    process.stderr.write(err, () => {
      if (a.signal) process.kill(process.pid, a.signal);
      else process.exit(a.code || 0);
    }),
  );
};
if (a.sleepMs) setTimeout(answer, a.sleepMs);
else answer();
`;

/**
 * The environment a spawned process gets. Under jest, a test's `process` is a
 * copy whose env no child ever sees (jest-util's createProcessEnv): proc.ts and
 * run-buildx.ts spawn docker with node's own process.env. A function made by a
 * core module's Function constructor runs in node's realm, where `process` is
 * the real one.
 */
const childEnv = new (execFile.constructor as FunctionConstructor)('return process.env')() as NodeJS.ProcessEnv;

/**
 * Sets `name` (undefined: unsets it) in this test's process.env and in the one
 * children get; returns the function that puts both back.
 */
export function setEnv(name: string, value: string | undefined): () => void {
  const envs = [...new Set([process.env, childEnv])];
  const saved = envs.map((env) => env[name]);
  const put = (env: NodeJS.ProcessEnv, v: string | undefined) => {
    // Assigning undefined would set the string "undefined".
    if (v === undefined) delete env[name];
    else env[name] = v;
  };
  for (const env of envs) put(env, value);
  return () => {
    for (const [i, env] of envs.entries()) put(env, saved[i]);
  };
}

/**
 * Installs a fake docker first on PATH until restore(), and a Docker config
 * directory of its own (DOCKER_CONFIG). With `plugin`, the config's
 * cli-plugins has a docker-buildx that answers as the fake does for
 * `docker buildx ...` (its calls say `as: 'plugin'`); without (or with
 * `extraDirs`), the config names a plugin directory of its own, so docker is
 * always asked (proc.ts buildxPlugin), whatever this machine has installed.
 */
export class FakeDocker {
  readonly dir = mkdtempSync(join(tmpdir(), 'bbc-fake-docker-'));
  private readonly restoreEnv: (() => void)[];

  constructor(rules: Rule[], opts: { plugin?: boolean; extraDirs?: boolean } = {}) {
    const bin = join(this.dir, 'docker');
    writeFileSync(bin, SCRIPT);
    chmodSync(bin, 0o755);
    const config = join(this.dir, 'config');
    mkdirSync(join(config, 'cli-plugins'), { recursive: true });
    if (opts.plugin) {
      const plugin = join(config, 'cli-plugins', 'docker-buildx');
      writeFileSync(plugin, `#!/bin/sh\nFAKE_DOCKER_AS=plugin exec '${bin}' buildx "$@"\n`);
      chmodSync(plugin, 0o755);
    }
    const extra = opts.extraDirs ?? !opts.plugin;
    writeFileSync(
      join(config, 'config.json'),
      JSON.stringify(extra ? { cliPluginsExtraDirs: [join(this.dir, 'none')] } : {}),
    );
    this.answer(rules);
    this.restoreEnv = [
      setEnv('PATH', `${this.dir}${delimiter}${childEnv.PATH ?? ''}`),
      setEnv('DOCKER_CONFIG', config),
    ];
  }

  /** Replaces the rules (the next call reads them). */
  answer(rules: Rule[]): void {
    writeFileSync(join(this.dir, 'rules.json'), JSON.stringify(rules));
  }

  /** Every call so far, in the order they started. */
  calls(): Call[] {
    const file = join(this.dir, 'calls.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Call);
  }

  argvs(): string[][] {
    return this.calls().map((c) => c.argv);
  }

  restore(): void {
    for (const f of this.restoreEnv.reverse()) f();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A PATH with no docker on it at all (an empty dir) until the returned function is called. */
export function noDockerOnPath(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'bbc-no-docker-'));
  const restorePath = setEnv('PATH', dir);
  return () => {
    restorePath();
    rmSync(dir, { recursive: true, force: true });
  };
}
