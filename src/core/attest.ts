// Attestations (`--attest`) from the provenance, sbom and attests inputs, the
// way docker/build-push-action turns them into flags: provenance and sbom
// win over an attests item of their type; a boolean attribute means
// `disabled=`; provenance names the workflow run as its builder; and with no
// provenance asked for, a public repository gets `mode=max` and a private one
// `mode=min,inline-only=true` (an image loaded into Docker gets none).
import { attributes } from './lists.js';

/** An attestation's attributes; parseConfig (inputs.ts) has checked that each one reads. */
function fields(attrs: string): string[] {
  return attributes('attests', attrs);
}

/** The workflow run a build belongs to, on GitHub Actions. */
export interface GitHubRun {
  /** `<server>/<owner>/<repo>/actions/runs/<id>/attempts/<n>`: the provenance's builder id. */
  url: string;
  privateRepository: boolean;
}

/** The run from the runner's variables and the event payload, or undefined outside GitHub Actions. */
export function githubRun(env: Record<string, string | undefined>, privateRepository: boolean): GitHubRun | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  if (env.GITHUB_ACTIONS !== 'true' || !server || !repo || !id) return undefined;
  return { url: `${server}/${repo}/actions/runs/${id}/attempts/${env.GITHUB_RUN_ATTEMPT || '1'}`, privateRepository };
}

export interface AttestInputs {
  provenance: string | undefined;
  sbom: string | undefined;
  attests: string[];
  /** The image goes to Docker (`load`, or a `type=docker` output): it gets no default provenance. */
  toDocker: boolean;
  /** BUILDX_NO_DEFAULT_ATTESTATIONS: no default provenance either. */
  noDefault: boolean;
}

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** The attestation's `type`, if it has one. */
function typeOf(attrs: string): string | undefined {
  const field = fields(attrs).find((f) => f.split('=')[0]!.trim() === 'type');
  return field?.split('=')[1]?.trim();
}

/** A bare boolean among the attributes is buildx's `disabled=` the other way round. */
function resolveAttrs(attrs: string): string {
  return fields(attrs)
    .map((f) => (TRUE.has(f) ? 'disabled=false' : FALSE.has(f) ? 'disabled=true' : f))
    .join(',');
}

/** Provenance attributes with the run as builder id, unless they name one. */
function withBuilderId(attrs: string, run: GitHubRun | undefined): string {
  if (run === undefined) return attrs;
  // Unreachable: no caller passes '' (provenance is non-empty when read; the default mode and attests items are
  // never empty).
  // Stryker disable next-line StringLiteral: see above
  if (attrs === '') return `builder-id=${run.url}`;
  const named = fields(attrs).some((f) => f.split('=')[0]!.trim() === 'builder-id');
  return named ? attrs : `${attrs},builder-id=${run.url}`;
}

/** The provenance input: empty; true (the run as builder id); false; or attributes. */
function provenanceAttrs(input: string, run: GitHubRun | undefined): string {
  if (['true', 'True', 'TRUE'].includes(input)) return run === undefined ? 'true' : `builder-id=${run.url}`;
  if (['false', 'False', 'FALSE'].includes(input)) return 'false';
  return withBuilderId(input, run);
}

/** The `--attest` values, in build-push-action's order. */
export function attestValues(a: AttestInputs, run: GitHubRun | undefined): string[] {
  const out: string[] = [];
  const provenanceInAttests = a.attests.some((x) => typeOf(x) === 'provenance');
  if (a.provenance) {
    out.push(resolveAttrs(`type=provenance,${provenanceAttrs(a.provenance, run)}`));
  } else if (run !== undefined && !provenanceInAttests && !a.noDefault && !a.toDocker) {
    const mode = run.privateRepository ? 'mode=min,inline-only=true' : 'mode=max';
    out.push(`type=provenance,${withBuilderId(mode, run)}`);
  }
  if (a.sbom) out.push(resolveAttrs(`type=sbom,${a.sbom}`));
  for (const attest of a.attests) {
    const type = typeOf(attest);
    if (type !== 'provenance' && type !== 'sbom') out.push(resolveAttrs(attest));
    else if (type === 'provenance' && !a.provenance) out.push(withBuilderId(attest, run));
    else if (type === 'sbom' && !a.sbom) out.push(attest);
  }
  return out;
}
