// The check before a build: is there a docker, a buildx recent enough, and a
// builder that can do what the plan asks (core/builder.ts decides from what
// `docker buildx version` and `inspect` print)? Asked as soon as the inputs are
// read, so that the answers come while the plan is made.
import { buildxMinor, checkBuilder, MIN_BUILDX_MINOR, parseInspect } from '../core/builder.js';
import type { DecideOptions, Decision } from '../core/decide.js';
import { InputError } from '../core/errors.js';
import type { Config } from '../core/inputs.js';
import { logLines } from '../core/report.js';
import type { Log, Remedies } from './host.js';
import { buildx, type ProcResult } from './proc.js';

/** Each ref check is bounded; they all run at once. */
export const PROBE_TIMEOUT_MS = 15_000;

/** What docker says of buildx and the builder, asked as soon as the inputs are read. */
export interface BuilderAnswers {
  version: Promise<ProcResult>;
  inspect: Promise<ProcResult>;
}

/**
 * Ask for the buildx version and the builder at once: two docker processes side
 * by side, started before the plan is made (they need only the builder's name),
 * so that they run while the event, the Dockerfile and the registry are read.
 */
export function askBuilder(builder: string | undefined): BuilderAnswers {
  return {
    version: buildx(['version'], PROBE_TIMEOUT_MS),
    inspect: buildx([...(builder ? ['--builder', builder] : []), 'inspect'], 30_000),
  };
}

/** Before a build: is there a docker, a buildx, a reachable builder that can do what we ask? */
export async function preflight(
  config: Config,
  d: Decision,
  redo: (opts: DecideOptions) => Decision,
  log: Log,
  remedies: Remedies,
  asked: BuilderAnswers = askBuilder(config.builder),
): Promise<Decision> {
  const [version, inspect] = await Promise.all([asked.version, asked.inspect]);
  if (version.missing) throw new Error(`docker is not on PATH: ${remedies.noDocker}`);
  if (version.code !== 0) throw new Error(`docker buildx is not available: ${remedies.noBuildx}`);
  const minor = buildxMinor(version.output);
  if (config.call && minor !== undefined && minor < 15)
    throw new InputError('call', `needs buildx 0.15 or later, and this is 0.${minor}: ${remedies.noBuildx}`);
  if (minor !== undefined && minor < MIN_BUILDX_MINOR) {
    // Older buildx prints plain progress for an unknown mode: the report would be silently empty.
    throw new Error(
      `docker buildx 0.${minor} is too old (0.${MIN_BUILDX_MINOR} ` +
        `or later reports what the cache did): ${remedies.noBuildx}`,
    );
  }
  if (inspect.code !== 0) {
    const line = inspect.output.trim().split('\n').pop() ?? '';
    throw new InputError(
      'builder',
      `buildx cannot use builder "${config.builder ?? 'default'}": ${line.replace(/^ERROR:\s*/, '')}`,
    );
  }
  const verdict = checkBuilder(parseInspect(inspect.output), {
    cacheType: d.backend.type,
    exporting: d.plan.cacheTo.length > 0,
    push: config.push,
    load: config.load,
    fallbackToInline: config.fallbackToInline,
  });
  if (!verdict.ok) throw new InputError(verdict.input, verdict.message);
  if ('fallbackToInline' in verdict) {
    log.warn(verdict.warning);
    const inline = redo({ inlineFallback: true });
    for (const line of logLines(inline)) log.info(line);
    return inline;
  }
  return d;
}
