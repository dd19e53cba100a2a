// Every docker/build-push-action (v6) input, through the action's real path:
// parseConfig -> decide -> buildOptions -> buildxArgs, with the getter the
// action uses (core.getInput: the whole value trimmed), a push to main and a
// two-stage Dockerfile. Each test asserts the flag/value pairs the input adds
// to (and takes from) the argv of a build without it, literally, and that
// they are the pairs build-push-action's getBuildArgs/getCommonArgs would add
// and take for the same raw value. build-push-action is restated below
// (`theirs`, from its src/context.ts) over @docker/actions-toolkit's own
// parsers, which it calls: Util.getList with the options its getInputs
// passes, Build.parseSecretKvp/resolveSecretEnv/resolveSecretFile,
// Build.resolveAttestationAttrs/resolveProvenanceAttrs, Build.has*Exporter.
//
// Compared as pairs in order per flag: the order of the flags differs
// (build-push-action puts --cache-from early and --builder after `build`;
// here the planned cache flags come late and --builder before `build`, as
// buildx's global flag), which buildx does not care about.
//
// Documented differences, compared around:
// - a line starting with # is a comment here; build-push-action (Util.getList
//   without its comment option) passes it on as an item, so the oracle drops
//   such lines first;
// - build-push-action's version gates (annotations: buildx 0.12, attests:
//   0.10 and BuildKit 0.11, call: 0.15) are taken as met: a current buildx;
// - secrets: build-push-action writes each value to a temp file of its own,
//   the action's shell writes them with writeSecretFiles; compared as the id
//   and the file's contents (`id=X,content=...`), not the temp paths;
// - context and build-contexts go through handlebars there ({{defaultContext}});
//   the values here hold no `{{`, for which that is the identity.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Util } from '@docker/actions-toolkit/lib/util.js';
import { githubRun } from '../src/core/attest.js';
import { buildOptions, buildxArgs } from '../src/core/buildx.js';
import { decide } from '../src/core/decide.js';
import { parseConfig } from '../src/core/inputs.js';
import { get } from '../src/core/payload.js';
import { writeSecretFiles } from '../src/shell/prepare.js';
import { PIPELINE } from '../e2e/fixtures.mjs';

const IMAGE = 'ghcr.io/acme/app';
const ENV: Record<string, string> = {
  GITHUB_ACTIONS: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/app',
  GITHUB_RUN_ID: '123',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_EVENT_NAME: 'push',
};
const RUN_URL = 'https://github.com/acme/app/actions/runs/123/attempts/2';
/** Both sides get the same file paths for these, so they cancel out of every diff. */
const METADATA = '/runner/temp/metadata.json';
const IIDFILE = '/runner/temp/iid';
/** The planned refs of a push to main building `build` (FROM dependencies). */
const PLANNED_FROM = [
  `type=registry,ref=${IMAGE}:cache.build.main`,
  `type=registry,ref=${IMAGE}:cache.dependencies.main`,
];
const PLANNED_TO = [
  `type=registry,ref=${IMAGE}:cache.build.main,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
];

type Toolkit = typeof import('@docker/actions-toolkit/lib/buildx/build.js');
let Build: Toolkit['Build'];
/** build-push-action's default context (Build.gitContext()), for its github-token rule. */
let defaultContext: string;
let tmp: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  // The toolkit reads the run (and @actions/github its context) from the environment when loaded.
  for (const k of [...Object.keys(ENV), 'GITHUB_EVENT_PATH', 'BUILDX_NO_DEFAULT_ATTESTATIONS'])
    saved[k] = process.env[k];
  delete process.env.GITHUB_EVENT_PATH;
  delete process.env.BUILDX_NO_DEFAULT_ATTESTATIONS;
  Object.assign(process.env, ENV);
  Build = (await import('@docker/actions-toolkit/lib/buildx/build.js')).Build;
  defaultContext = await new Build().gitContext();
  tmp = mkdtempSync(join(tmpdir(), 'bbc-parity-'));
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(tmp, { recursive: true, force: true });
  // The toolkit made a directory of its own when loaded (Context.tmpDir(), docker-actions-toolkit-XXXXXX).
  const { Context } = await import('@docker/actions-toolkit/lib/context.js');
  rmSync(Context.tmpDir(), { recursive: true, force: true });
});

type Raw = Record<string, string>;
/** A flag and its value ('' for a flag without one); the context is the pair ['<context>', path]. */
type Pair = [string, string];

const BOOLEAN_FLAGS = new Set(['--load', '--no-cache', '--pull', '--push']);

/** An argv (ours from `buildx`, theirs from `build`) as flag/value pairs; the last word is the context. */
function pairs(args: readonly string[]): Pair[] {
  const out: Pair[] = [];
  const words = args.slice(0, -1);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'buildx' || w === 'build' || w.startsWith('--progress=')) continue;
    if (BOOLEAN_FLAGS.has(w)) out.push([w, '']);
    else out.push([w, words[++i]!]);
  }
  out.push(['<context>', args[args.length - 1]!]);
  return out;
}

/** `after` minus `before` and `before` minus `after`, as multisets, each in argv order. */
function diff(before: Pair[], after: Pair[]): { added: Pair[]; removed: Pair[] } {
  const minus = (a: Pair[], b: Pair[]) => {
    const left = [...b];
    return a.filter(([f, v]) => {
      const i = left.findIndex(([g, w]) => g === f && w === v);
      if (i === -1) return true;
      left.splice(i, 1);
      return false;
    });
  };
  return { added: minus(after, before), removed: minus(before, after) };
}

/** Pairs grouped by flag, each flag's values in order: what is compared with build-push-action. */
function byFlag(ps: Pair[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [f, v] of ps) {
    out[f] ??= [];
    out[f].push(v);
  }
  return out;
}

/** The values after each occurrence of `flag`. */
function values(args: readonly string[], flag: string): string[] {
  return pairs(args)
    .filter(([f]) => f === flag)
    .map(([, v]) => v);
}

/** A push to main of acme/app, public or private. */
function payload(privateRepository: boolean): Record<string, unknown> {
  return { repository: { full_name: 'acme/app', default_branch: 'main', private: privateRepository } };
}

/**
 * The action's argv for these raw inputs, as src/action/run.ts and src/shell/pipeline.ts make it:
 * core.getInput's trimmed value, the event's payload, the run from the environment, the secrets
 * written by writeSecretFiles. A secret written there appears as `id=X,content=<the file's text>`.
 */
function ours(raw: Raw, privateRepository = false): string[] {
  const inputs: Raw = { image: IMAGE, ...raw };
  // As the action's getter (src/action/run.ts): trimmed, but for `secrets`.
  const config = parseConfig((name) => (name === 'secrets' ? (inputs[name] ?? '') : (inputs[name] ?? '').trim()));
  const event = { eventName: 'push', ref: 'refs/heads/main', payload: payload(privateRepository) };
  const d = decide(config, { event }, PIPELINE, config.file ?? 'Dockerfile');
  const run = githubRun(ENV, get(event.payload, 'repository', 'private') === true);
  const dir = mkdtempSync(join(tmp, 'secrets-'));
  const secretFiles = writeSecretFiles(dir, config.secrets);
  const args = buildxArgs(
    buildOptions(config, d, {
      metadataFile: METADATA,
      iidFile: IIDFILE,
      secretFiles,
      progress: 'rawjson',
      run,
      noDefaultAttestations: false,
    }),
  );
  return args.map((a, i) => {
    const m = /^id=([^,]*),src=(.*)$/.exec(a);
    if (args[i - 1] !== '--secret' || m === null || !m[2]!.startsWith(dir)) return a;
    return `id=${m[1]},content=${readFileSync(m[2]!, 'utf8')}`;
  });
}

/** Comment lines are dropped before build-push-action reads a list (the documented difference). */
function dropComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
}

/**
 * build-push-action v6's argv for these raw inputs: getInputs, then getBuildArgs and getCommonArgs
 * (src/context.ts), restated over the toolkit's parsers; the version gates taken as met.
 */
function theirs(raw: Raw, privateRepository = false): string[] {
  // core.getInput trims unless told not to; core.getBooleanInput (action.yml's default is false).
  const input = (name: string, trim = true) => (trim ? (raw[name] ?? '').trim() : (raw[name] ?? ''));
  const bool = (name: string) => ['true', 'True', 'TRUE'].includes(input(name));
  type ListOpts = { ignoreComma?: boolean; quote?: false; trimWhitespace?: false };
  const list = (name: string, opts: ListOpts = {}) =>
    Util.getList(dropComments(input(name, opts.trimWhitespace !== false)), opts);
  const lines = { ignoreComma: true };
  const i = {
    addHosts: list('add-hosts'),
    allow: list('allow'),
    annotations: list('annotations', lines),
    attests: list('attests', lines),
    buildArgs: list('build-args', lines),
    buildContexts: list('build-contexts', lines),
    builder: input('builder'),
    cacheFrom: list('cache-from', lines),
    cacheTo: list('cache-to', lines),
    call: input('call'),
    cgroupParent: input('cgroup-parent'),
    // handlebars.compile(context)({defaultContext}) || defaultContext: the identity here (no `{{`), '' aside.
    context: input('context') || defaultContext,
    file: input('file'),
    labels: list('labels', lines),
    load: bool('load'),
    network: input('network'),
    noCache: bool('no-cache'),
    noCacheFilters: list('no-cache-filters'),
    outputs: list('outputs', { ignoreComma: true, quote: false }),
    platforms: list('platforms'),
    // Build.getProvenanceInput: a boolean names the run as builder (true) or is 'false'; else attributes.
    provenance: ((p: string) =>
      !p
        ? ''
        : ['true', 'True', 'TRUE'].includes(p)
          ? Build.resolveProvenanceAttrs('')
          : ['false', 'False', 'FALSE'].includes(p)
            ? 'false'
            : Build.resolveProvenanceAttrs(p))(input('provenance')),
    pull: bool('pull'),
    push: bool('push'),
    sbom: input('sbom'),
    secrets: list('secrets', { ignoreComma: true, trimWhitespace: false }),
    secretEnvs: list('secret-envs'),
    secretFiles: list('secret-files', lines),
    shmSize: input('shm-size'),
    ssh: list('ssh'),
    tags: list('tags'),
    target: input('target'),
    ulimit: list('ulimit', lines),
    githubToken: input('github-token'),
  };
  const args: string[] = ['build'];
  const each = (flag: string, vs: string[]) => {
    for (const v of vs) args.push(flag, v);
  };
  // A secret that does not parse is a warning there, and is left out.
  const secret = (f: () => string) => {
    try {
      args.push('--secret', f());
    } catch {
      // core.warning(err.message)
    }
  };
  // resolveSecretString: parseSecretKvp, then the value written to a temp file (compared as its content).
  const secretString = (kvp: string) => {
    const [key, value] = Build.parseSecretKvp(kvp);
    return `id=${key},content=${value}`;
  };
  each('--add-host', i.addHosts);
  each('--allow', i.allow);
  each('--annotation', i.annotations);
  each('--build-arg', i.buildArgs);
  each('--build-context', i.buildContexts);
  each('--cache-from', i.cacheFrom);
  each('--cache-to', i.cacheTo);
  if (i.call) args.push('--call', i.call);
  if (i.cgroupParent) args.push('--cgroup-parent', i.cgroupParent);
  for (const s of i.secretEnvs) secret(() => Build.resolveSecretEnv(s));
  if (i.file) args.push('--file', i.file);
  if (!Build.hasLocalExporter(i.outputs) && !Build.hasTarExporter(i.outputs)) args.push('--iidfile', IIDFILE);
  each('--label', i.labels);
  each('--no-cache-filter', i.noCacheFilters);
  each('--output', i.outputs);
  if (i.platforms.length > 0) args.push('--platform', i.platforms.join(','));
  // getAttestArgs.
  const hasAttestProvenance = i.attests.some((a) => Build.hasAttestationType('provenance', a));
  if (i.provenance) {
    args.push('--attest', Build.resolveAttestationAttrs(`type=provenance,${i.provenance}`));
  } else if (!hasAttestProvenance && !Build.hasDockerExporter(i.outputs, i.load)) {
    const mode = privateRepository ? 'mode=min,inline-only=true' : 'mode=max';
    args.push('--attest', `type=provenance,${Build.resolveProvenanceAttrs(mode)}`);
  }
  if (i.sbom) args.push('--attest', Build.resolveAttestationAttrs(`type=sbom,${i.sbom}`));
  for (const a of i.attests) {
    if (!Build.hasAttestationType('provenance', a) && !Build.hasAttestationType('sbom', a))
      args.push('--attest', Build.resolveAttestationAttrs(a));
    else if (!i.provenance && Build.hasAttestationType('provenance', a))
      args.push('--attest', Build.resolveProvenanceAttrs(a));
    else if (!i.sbom && Build.hasAttestationType('sbom', a)) args.push('--attest', a);
  }
  for (const s of i.secrets) secret(() => secretString(s));
  for (const s of i.secretFiles) secret(() => Build.resolveSecretFile(s));
  if (i.githubToken && !Build.hasGitAuthTokenSecret(i.secrets) && i.context.startsWith(defaultContext))
    secret(() => secretString(`GIT_AUTH_TOKEN.${new URL(ENV.GITHUB_SERVER_URL!).host}=${i.githubToken}`));
  if (i.shmSize) args.push('--shm-size', i.shmSize);
  each('--ssh', i.ssh);
  each('--tag', i.tags);
  if (i.target) args.push('--target', i.target);
  each('--ulimit', i.ulimit);
  // getCommonArgs.
  if (i.builder) args.push('--builder', i.builder);
  if (i.load) args.push('--load');
  args.push('--metadata-file', METADATA);
  if (i.network) args.push('--network', i.network);
  if (i.noCache) args.push('--no-cache');
  if (i.pull) args.push('--pull');
  if (i.push) args.push('--push');
  args.push(i.context);
  return args;
}

/**
 * Both sides build the checked-out directory. Without a `context`, build-push-action builds its
 * default Git context (the commit's URL) and the action `.`: the Git context is not this file's.
 */
const PATH_CONTEXT: Raw = { context: '.' };

/** A failed expectation with the argv it was about. */
function showing(args: readonly string[], check: () => void): void {
  try {
    check();
  } catch (e) {
    (e as Error).message += `\n\nargv:\n${JSON.stringify(args, null, 1)}`;
    throw e;
  }
}

interface Expect {
  adds: Pair[];
  removes?: Pair[];
  /** Flags whose change is the action's own (its cache plan), not build-push-action's: not compared. */
  oursOnly?: string[];
  privateRepository?: boolean;
}

/**
 * `raw` given (on top of `base`): ours adds exactly `adds` and takes exactly `removes`, and
 * build-push-action adds and takes the same pairs per flag. Returns our argv.
 */
function parity(raw: Raw, e: Expect, more: Raw = {}): string[] {
  const p = e.privateRepository ?? false;
  const base = { ...PATH_CONTEXT, ...more };
  const before = ours(base, p);
  const after = ours({ ...base, ...raw }, p);
  const ourDiff = diff(pairs(before), pairs(after));
  const theirDiff = diff(pairs(theirs(base, p)), pairs(theirs({ ...base, ...raw }, p)));
  const mine = (ps: Pair[]) => ps.filter(([f]) => !(e.oursOnly ?? []).includes(f));
  showing(after, () => {
    expect(mine(ourDiff.added)).toEqual(e.adds);
    expect(mine(ourDiff.removed)).toEqual(e.removes ?? []);
    expect(byFlag(mine(ourDiff.added))).toEqual(byFlag(theirDiff.added));
    expect(byFlag(mine(ourDiff.removed))).toEqual(byFlag(theirDiff.removed));
  });
  return after;
}

const pairsOf = (flag: string, vs: string[]): Pair[] => vs.map((v) => [flag, v]);

/** The default provenance of a public repository's build (attest.ts, as build-push-action). */
const DEFAULT_PROVENANCE: Pair = ['--attest', `type=provenance,mode=max,builder-id=${RUN_URL}`];

describe('the baseline', () => {
  test('a build with no build-push-action input: the plan, the default provenance, the files', () => {
    const args = ours({});
    expect(args).toEqual([
      'buildx',
      'build',
      '--progress=rawjson',
      '--attest',
      `type=provenance,mode=max,builder-id=${RUN_URL}`,
      '--cache-from',
      PLANNED_FROM[0],
      '--cache-from',
      PLANNED_FROM[1],
      '--cache-to',
      PLANNED_TO[0],
      '--iidfile',
      IIDFILE,
      '--metadata-file',
      METADATA,
      '.',
    ]);
    // build-push-action's: the same but for the action's plan and the progress.
    const planned = new Set(['--cache-from', '--cache-to']);
    expect(byFlag(pairs(args).filter(([f]) => !planned.has(f)))).toEqual(byFlag(pairs(theirs(PATH_CONTEXT))));
  });
});

describe('each build-push-action input, as build-push-action passes it to buildx', () => {
  test('add-hosts: items, commas and lines; a quoted field', () => {
    parity(
      { 'add-hosts': 'docker:10.180.0.1, db:10.0.0.2\n# hosts for the tests\n"ipv6:::1",  other:10.0.0.3' },
      { adds: pairsOf('--add-host', ['docker:10.180.0.1', 'db:10.0.0.2', 'ipv6:::1', 'other:10.0.0.3']) },
    );
  });

  test('allow: items', () => {
    parity(
      { allow: 'network.host,security.insecure\n# entitlements' },
      { adds: pairsOf('--allow', ['network.host', 'security.insecure']) },
    );
  });

  test('annotations: one per line, commas and a quoted field with "" kept in the value', () => {
    // Free-form: buildx says what is wrong with a bad one (that needs a build), so unchanged is the test.
    parity(
      {
        annotations:
          'index:org.opencontainers.image.description=An app, with commas\n# comment\n' +
          '"manifest:org.example.note=a ""quoted"" word, and a comma"',
      },
      {
        adds: pairsOf('--annotation', [
          'index:org.opencontainers.image.description=An app, with commas',
          'manifest:org.example.note=a "quoted" word, and a comma',
        ]),
      },
    );
  });

  test('attests: other types resolved, sbom as is, provenance with the run as builder (no default then)', () => {
    parity(
      { attests: 'type=sbom,generator=image\n# comment\ntype=custom,"note=a, b",true\ntype=provenance,mode=min' },
      {
        adds: pairsOf('--attest', [
          'type=sbom,generator=image',
          // The quotes go when the line's fields are joined (there too); a bare boolean is disabled=.
          'type=custom,note=a,b,disabled=false',
          `type=provenance,mode=min,builder-id=${RUN_URL}`,
        ]),
        removes: [DEFAULT_PROVENANCE],
      },
    );
  });

  test('build-args: one per line; a comma in a value; a quoted value over two lines; spaces', () => {
    parity(
      { 'build-args': 'A=1\nLIST=a,b, c\n# comment\n"MULTI=line 1\nline 2, too"\n  SPACED = x y  ' },
      { adds: pairsOf('--build-arg', ['A=1', 'LIST=a,b, c', 'MULTI=line 1\nline 2, too', 'SPACED = x y']) },
    );
  });

  test('build-contexts: one per line; a quoted field with a comma', () => {
    parity(
      { 'build-contexts': 'base=docker-image://alpine:3.20\n# comment\n"assets=./assets, shared"' },
      { adds: pairsOf('--build-context', ['base=docker-image://alpine:3.20', 'assets=./assets, shared']) },
    );
  });

  test('builder: a global flag here, before `build`; after it there', () => {
    const args = parity({ builder: '  ci-builder  ' }, { adds: [['--builder', 'ci-builder']] });
    expect(args.slice(0, 4)).toEqual(['buildx', '--builder', 'ci-builder', 'build']);
  });

  test('cache-from: one per line, after the planned imports', () => {
    const extra = ['type=registry,ref=ghcr.io/acme/other:cache', 'type=local,src=/tmp/cache dir,"x=a,b"'];
    const args = parity(
      { 'cache-from': `${extra[0]}\n# comment\n"${extra[1]!.replace(/"/g, '""')}"` },
      { adds: pairsOf('--cache-from', extra) },
    );
    expect(values(args, '--cache-from')).toEqual([...PLANNED_FROM, ...extra]);
  });

  test('cache-to: one per line, after the planned export', () => {
    const extra = ['type=local,dest=/tmp/cache,mode=max', 'type=inline'];
    const args = parity({ 'cache-to': `${extra[0]}\n# comment\n${extra[1]}` }, { adds: pairsOf('--cache-to', extra) });
    expect(values(args, '--cache-to')).toEqual([...PLANNED_TO, ...extra]);
  });

  test('call: the value unchanged; the action then exports no cache (by design)', () => {
    // Free-form: a method buildx does not know is buildx's one-line error (that needs a build).
    const args = parity(
      { call: 'check,format=json' },
      // Nothing is built with a frontend method, so the planned export goes (decide.ts): the action's own.
      { adds: [['--call', 'check,format=json']], oursOnly: ['--cache-to'] },
    );
    expect(values(args, '--cache-to')).toEqual([]);
    expect(values(args, '--cache-from')).toEqual(PLANNED_FROM);
  });

  test('cgroup-parent', () => {
    parity({ 'cgroup-parent': ' /actions/job ' }, { adds: [['--cgroup-parent', '/actions/job']] });
  });

  test('context: the last word', () => {
    parity({ context: ' ./app dir ' }, { adds: [['<context>', './app dir']], removes: [['<context>', '.']] });
  });

  test('file', () => {
    parity({ file: './docker/Dockerfile.prod' }, { adds: [['--file', './docker/Dockerfile.prod']] });
  });

  test('labels: one per line; commas in values; a quoted field with "" and a comma', () => {
    parity(
      {
        labels:
          'org.opencontainers.image.title=App, the app\n# comment\n' +
          '"org.example.note=a ""quoted"" word, and a comma"\n  spaced = x y  ',
      },
      {
        adds: pairsOf('--label', [
          'org.opencontainers.image.title=App, the app',
          'org.example.note=a "quoted" word, and a comma',
          'spaced = x y',
        ]),
      },
    );
  });

  test('load: --load, and no default provenance (an image for Docker)', () => {
    parity({ load: 'true' }, { adds: [['--load', '']], removes: [DEFAULT_PROVENANCE] });
  });

  test('network', () => {
    parity({ network: 'host' }, { adds: [['--network', 'host']] });
  });

  test('no-cache', () => {
    parity({ 'no-cache': 'True' }, { adds: [['--no-cache', '']] });
  });

  test('no-cache-filters: items', () => {
    parity(
      { 'no-cache-filters': 'dependencies, build\n# comment' },
      { adds: pairsOf('--no-cache-filter', ['dependencies', 'build']) },
    );
  });

  test('outputs: quotes are the value own; files as the result: no --iidfile', () => {
    // Free-form: buildx reads the attributes, and says what is wrong with a bad one (that needs a build).
    const out = ['type=local,dest=out', 'type=image,"name=ghcr.io/acme/app:1,ghcr.io/acme/app:2",push=true'];
    parity(
      { outputs: `${out[0]}\n# comment\n${out[1]}` },
      { adds: pairsOf('--output', out), removes: [['--iidfile', IIDFILE]] },
    );
  });

  test('outputs: type=docker gets no default provenance, as load', () => {
    parity(
      { outputs: 'type=docker,name=app' },
      { adds: [['--output', 'type=docker,name=app']], removes: [DEFAULT_PROVENANCE] },
    );
  });

  test('platforms: items, joined by commas into one flag', () => {
    parity(
      { platforms: 'linux/amd64, linux/arm64\n# comment\nlinux/arm/v7' },
      { adds: [['--platform', 'linux/amd64,linux/arm64,linux/arm/v7']] },
    );
  });

  describe('provenance', () => {
    test.each([
      [false, `type=provenance,mode=max,builder-id=${RUN_URL}`],
      [true, `type=provenance,mode=min,inline-only=true,builder-id=${RUN_URL}`],
    ])('unset on GitHub Actions, private repository %p: the default', (privateRepository, expected) => {
      const args = ours({}, privateRepository);
      showing(args, () => {
        expect(values(args, '--attest')).toEqual([expected]);
        expect(values(args, '--attest')).toEqual(values(theirs(PATH_CONTEXT, privateRepository), '--attest'));
      });
    });

    test.each([
      ['mode=min', `type=provenance,mode=min,builder-id=${RUN_URL}`],
      ['true', `type=provenance,builder-id=${RUN_URL}`],
      ['false', 'type=provenance,disabled=true'],
      ['mode=max,builder-id=https://ci.example.com/b', 'type=provenance,mode=max,builder-id=https://ci.example.com/b'],
    ])('%p replaces the default', (provenance, expected) => {
      parity({ provenance }, { adds: [['--attest', expected]], removes: [DEFAULT_PROVENANCE] });
    });

    test('given in a private repository, it replaces that default', () => {
      parity(
        { provenance: 'mode=max' },
        {
          adds: [['--attest', `type=provenance,mode=max,builder-id=${RUN_URL}`]],
          removes: [['--attest', `type=provenance,mode=min,inline-only=true,builder-id=${RUN_URL}`]],
          privateRepository: true,
        },
      );
    });
  });

  test('pull', () => {
    parity({ pull: 'true' }, { adds: [['--pull', '']] });
  });

  test('push', () => {
    parity({ push: 'TRUE' }, { adds: [['--push', '']] });
  });

  test.each([
    ['true', 'type=sbom,disabled=false'],
    ['generator=docker/scout-sbom-indexer:1', 'type=sbom,generator=docker/scout-sbom-indexer:1'],
  ])('sbom %p', (sbom, expected) => {
    parity({ sbom }, { adds: [['--attest', expected]] });
  });

  test('sbom wins over an attests item of its type', () => {
    parity(
      { sbom: 'false', attests: 'type=sbom,generator=image\ntype=custom' },
      { adds: pairsOf('--attest', ['type=sbom,disabled=true', 'type=custom']) },
    );
  });

  test('secrets: ids and the file contents; a quoted value over lines, with a comma; spaces kept', () => {
    parity(
      {
        secrets:
          'GIT_AUTH_TOKEN=abc123\n# comment\n"MULTI=-----BEGIN KEY-----\nline 2, with a comma\n-----END KEY-----"\n' +
          'SPACED=  keeps its spaces  \nEQ=a=b',
      },
      {
        adds: pairsOf('--secret', [
          'id=GIT_AUTH_TOKEN,content=abc123',
          'id=MULTI,content=-----BEGIN KEY-----\nline 2, with a comma\n-----END KEY-----',
          'id=SPACED,content=  keeps its spaces  ',
          'id=EQ,content=a=b',
        ]),
      },
    );
  });

  // The action's getter reads `secrets` untrimmed (src/action/run.ts), as build-push-action does.
  test('secrets: the spaces at the end of the last value are kept, as build-push-action keeps them', () => {
    parity(
      { secrets: 'A=1\nSPACED=  keeps its spaces  ' },
      {
        adds: pairsOf('--secret', ['id=A,content=1', 'id=SPACED,content=  keeps its spaces  ']),
      },
    );
  });

  test('secret-envs: items, id=VARIABLE as env=', () => {
    parity(
      { 'secret-envs': 'npm=NPM_TOKEN, gh=GH_TOKEN\n# comment\n"aws=AWS_KEY"' },
      { adds: pairsOf('--secret', ['id=npm,env=NPM_TOKEN', 'id=gh,env=GH_TOKEN', 'id=aws,env=AWS_KEY']) },
    );
  });

  test('secret-files: one per line, id=path as src=; a path with spaces', () => {
    mkdirSync(join(tmp, 'keys dir'), { recursive: true });
    const cert = join(tmp, 'keys dir', 'cert file.pem');
    const key = join(tmp, 'key.pem');
    writeFileSync(cert, 'cert');
    writeFileSync(key, 'key');
    parity(
      { 'secret-files': `cert=${cert}\n# comment\n"key=${key}"` },
      { adds: pairsOf('--secret', [`id=cert,src=${cert}`, `id=key,src=${key}`]) },
    );
  });

  test('shm-size', () => {
    // Free-form: a size buildx cannot read is its one-line error (that needs a build).
    parity({ 'shm-size': '2g' }, { adds: [['--shm-size', '2g']] });
  });

  test('ssh: items', () => {
    parity(
      { ssh: 'default, github=/home/runner/.ssh/id_ed25519\n# comment' },
      { adds: pairsOf('--ssh', ['default', 'github=/home/runner/.ssh/id_ed25519']) },
    );
  });

  test('tags: items, commas and lines', () => {
    parity(
      { tags: 'ghcr.io/acme/app:1.0, ghcr.io/acme/app:latest\n# comment\nghcr.io/acme/app:sha-abc' },
      { adds: pairsOf('--tag', ['ghcr.io/acme/app:1.0', 'ghcr.io/acme/app:latest', 'ghcr.io/acme/app:sha-abc']) },
    );
  });

  test('target: --target; the action then plans the caches of that stage (its own)', () => {
    const args = parity(
      { target: 'dependencies' },
      { adds: [['--target', 'dependencies']], oursOnly: ['--cache-from', '--cache-to'] },
    );
    expect(values(args, '--cache-from')).toEqual([`type=registry,ref=${IMAGE}:cache.dependencies.main`]);
  });

  test('ulimit: one per line', () => {
    // Free-form: buildx's one-line error for a bad one (that needs a build).
    parity(
      { ulimit: 'nofile=1024:1024\n# comment\nnproc=512' },
      { adds: pairsOf('--ulimit', ['nofile=1024:1024', 'nproc=512']) },
    );
  });

  test('github-token: nothing for a path context (it is for Git contexts)', () => {
    parity({ 'github-token': 'ghs_0123456789abcdef' }, { adds: [] });
    // With secrets given too, still nothing of its own.
    parity({ 'github-token': 'ghs_0123456789abcdef' }, { adds: [] }, { secrets: 'A=1' });
  });
});

describe('free-form values reach argv unchanged', () => {
  // annotations, outputs, ulimit, shm-size, add-hosts and call are buildx's to read: a wrong value is
  // buildx's own one-line error, which needs a build, so the bundle tests do not give them wrong values.
  test.each([
    ['annotations', '--annotation', 'not an annotation at all'],
    ['outputs', '--output', 'type=nonsense,dest=x y'],
    ['ulimit', '--ulimit', 'nofile=lots'],
    ['shm-size', '--shm-size', 'two gigs'],
    ['add-hosts', '--add-host', 'no-ip-here'],
    ['call', '--call', 'no-such-method'],
  ])('%s', (input, flag, value) => {
    const args = ours({ [input]: value });
    showing(args, () => expect(values(args, flag)).toEqual([value]));
    expect(values(theirs({ ...PATH_CONTEXT, [input]: value }), flag)).toEqual([value]);
  });
});
