// Bake, start to end (`bake: true`, or the command line's `bake`): the
// definition `docker buildx bake --print` resolves, a branch cache plan per
// target (core/decide.ts, with the target's name in its tags and the exports
// of targets that share its Dockerfile among its imports), the refs looked up
// (prepare.ts), then one `docker buildx bake` of that definition with each
// target's cache-from and cache-to, and a report per target.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exportStage,
  parseBakeDefinition,
  reportOf,
  siblingsOf,
  targetsToBuild,
  withCaches,
  type BakeTarget,
} from '../core/bake.js';
import { parseMetadata } from '../core/buildx.js';
import { decide, type Decision } from '../core/decide.js';
import { errorMessage, InputError } from '../core/errors.js';
import { parseBool, type InputGetter } from '../core/input-getter.js';
import { optionWarnings, parseConfig, type Config } from '../core/inputs.js';
import { parseList } from '../core/lists.js';
import { redactor } from '../core/redact.js';
import { code } from '../core/markdown.js';
import { logLines, resultLines, summaryMarkdown, type Outcome } from '../core/report.js';
import type { Host } from './host.js';
import { readOptional, runSecrets, type SourceReading } from './pipeline.js';
import { withLeads } from './pr-lookup.js';
import { askBuilder, preflight } from './builder-check.js';
import { prepare, readDockerfile } from './prepare.js';
import { runBuildx } from './run-buildx.js';

/** `docker buildx bake --print` is quick; a remote definition may be fetched first. */
const PRINT_TIMEOUT_MS = 120_000;

/** `docker buildx bake --print ...` in `cwd`: the resolved definition (stdout), or buildx's last line as the error. */
function printDefinition(args: string[], cwd: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { cwd, timeout: PRINT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, out, errOut) => {
      if (err) {
        const last =
          String(errOut)
            .trim()
            .split('\n')
            .pop()
            ?.replace(/^ERROR:\s*/, '') || errorMessage(err);
        return reject(new InputError('files', `docker buildx bake --print failed: ${last}`));
      }
      try {
        resolve(JSON.parse(String(out)));
      } catch {
        reject(new Error('docker buildx bake --print did not print JSON'));
      }
    });
  });
}

/** A target's Dockerfile text, or undefined for a context bake does not read from disk (a Git or HTTP URL). */
function dockerfileOf(t: BakeTarget, source: string): { text: string | undefined; file: string } {
  if (t.dockerfileInline !== undefined)
    return { text: t.dockerfileInline, file: `target ${t.name}'s dockerfile-inline` };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t.context) || t.context.startsWith('git@'))
    return { text: undefined, file: t.dockerfile };
  const file = join(source, t.context, t.dockerfile);
  return {
    text: readDockerfile(file, `target ${t.name} names it: fix its dockerfile or context in the bake file`),
    file,
  };
}

/** Per target: the decision, and what the look-up chose. */
interface Planned {
  target: BakeTarget;
  config: Config;
  d: Decision;
  outcome: Outcome;
}

/** The bake step, start to end. The front door says where the branch facts come from, as for a build. */
export async function runBake(get: InputGetter, host: Host, read: (config: Config) => SourceReading): Promise<number> {
  let redact = (t: string) => t;
  let planned: Planned[] = [];
  try {
    const config = parseConfig(get);
    const source = get('source').trim() || '.';
    const files = parseList(get('files'), { input: 'files', commas: true });
    const targets = parseList(get('targets'), { input: 'targets', commas: true });
    const sets = parseList(get('set'), { input: 'set', commas: false });
    const builder = config.builder ? ['--builder', config.builder] : [];
    const asked = askBuilder(config.builder);
    const secrets = runSecrets(get, config);
    for (const s of secrets) host.setSecret(s);
    redact = redactor(secrets);
    for (const w of optionWarnings(config)) host.warn(w);

    const printed = await printDefinition(
      [
        'buildx',
        ...builder,
        'bake',
        '--print',
        ...files.flatMap((f) => ['-f', f]),
        ...sets.flatMap((s) => ['--set', s]),
        ...targets,
      ],
      source,
    );
    const def = parseBakeDefinition(printed);
    const chosen = targetsToBuild(def, targets);
    const { source: read0, lines } = read(config);
    const { source: facts, lines: leadLines } = await withLeads(read0, config);
    for (const line of [...lines, ...leadLines]) host.info(line);

    const texts = new Map(chosen.map((t) => [t.name, dockerfileOf(t, source)]));
    const stages = new Map(chosen.map((t) => [t.name, exportStage(t, texts.get(t.name)!.text)]));
    planned = chosen.map((t) => {
      const { text, file } = texts.get(t.name)!;
      const c: Config = { ...config, target: t.stage, platforms: t.platforms, context: join(source, t.context) };
      const d = decide(c, facts, text, file, { bake: { target: t.name, siblings: siblingsOf(t, chosen, stages) } });
      return { target: t, config: c, d, outcome: {} };
    });
    const noFallback = (): Decision => {
      throw new InputError(
        'fallback-to-inline',
        'bake mode does not fall back to the inline cache: use a builder that exports caches',
      );
    };
    // The builder once, the refs per target (probe-cache), as a build checks them.
    await preflight(planned[0]!.config, planned[0]!.d, noFallback, host, host.remedies, asked);
    for (const p of planned) {
      await host.group(
        `buildx-branch-cache bake target ${p.target.name}: ${p.d.refs.branch ?? 'no branch'}`,
        async () => {
          for (const line of logLines(p.d)) host.info(line);
          const prepared = await prepare(p.config, p.d, false, noFallback, host, host.remedies);
          p.d = prepared.d;
          p.outcome.selection = prepared.selection;
        },
      );
    }
    host.setOutput(
      'bake-targets',
      JSON.stringify(
        Object.fromEntries(
          planned.map((p) => [p.target.name, { 'cache-from': p.d.plan.cacheFrom, 'cache-to': p.d.plan.cacheTo }]),
        ),
        null,
        2,
      ),
    );
    if (!parseBool('build', get('build') || 'true')) return 0;

    const dir = mkdtempSync(join(host.tempRoot, 'buildx-branch-cache-bake-'));
    try {
      const definition = join(dir, 'bake.json');
      writeFileSync(
        definition,
        JSON.stringify(withCaches(def, Object.fromEntries(planned.map((p) => [p.target.name, p.d.plan])))),
      );
      const metadataFile = join(dir, 'metadata.json');
      const args = [
        'buildx',
        ...builder,
        'bake',
        '-f',
        definition,
        '--progress=rawjson',
        '--metadata-file',
        metadataFile,
        ...(config.push ? ['--push'] : []),
        ...(config.load ? ['--load'] : []),
        ...(config.noCache ? ['--no-cache'] : []),
        ...(config.pull ? ['--pull'] : []),
        ...(config.provenance ? [`--provenance=${config.provenance}`] : []),
        ...(config.sbom ? [`--sbom=${config.sbom}`] : []),
        ...planned.map((p) => p.target.name),
      ];
      host.showCommand(redact(`docker ${args.join(' ')}`));
      const { code: exit, vertices, report } = await runBuildx(args, host.buildxOutput(args), redact, source);
      for (const p of planned) {
        p.outcome.progress = reportOf(vertices, p.target.name, planned.length > 1, { warnings: report.warnings });
        p.outcome.exitCode = exit;
        await host.group(`buildx-branch-cache bake target ${p.target.name}: what the cache did`, async () => {
          for (const line of resultLines(p.d, p.outcome)) host.info(line);
        });
      }
      const total = planned.reduce((n, p) => n + (p.outcome.progress?.total ?? 0), 0);
      const cached = planned.reduce((n, p) => n + (p.outcome.progress?.cached ?? 0), 0);
      host.setOutput('cache-hit', String(total > 0 && cached === total));
      host.setOutput('cached-steps', String(cached));
      host.setOutput('total-steps', String(total));
      // As a build writes it (pipeline.ts): bake's metadata file, by target, indented.
      const { raw } = parseMetadata(readOptional(metadataFile));
      const metadata = Object.keys(raw).length > 0 ? JSON.stringify(raw, null, 2) : '';
      host.setOutput('metadata', metadata);
      if (exit !== 0) host.fail(`docker buildx bake failed with exit code ${exit}: see the build log above`);
      return exit;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } catch (e) {
    host.fail(redact(errorMessage(e, host.words)));
    return 1;
  } finally {
    if (planned.length > 0 && host.summary) {
      const md = planned
        .map((p) =>
          summaryMarkdown(p.d, p.outcome).replace(
            /^### buildx-branch-cache: /,
            `### buildx-branch-cache bake target ${code(p.target.name)}: `,
          ),
        )
        .join('\n');
      await host
        .summary(redact(md))
        .catch((e: unknown) => host.warn(`could not write the job summary: ${errorMessage(e)}`));
    }
  }
}
