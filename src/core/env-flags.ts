// The environment variables docker/build-push-action reacts to, read the same
// way (its booleans: 1, t, true and 0, f, false in any of three cases), for what
// this action does instead (README, "Switching from docker/build-push-action").

export interface EnvFlags {
  /** DOCKER_BUILD_SUMMARY: write the job summary. */
  summary: boolean;
  /** DOCKER_BUILD_CHECKS_ANNOTATIONS: BuildKit's warnings (build checks) as annotations, or log lines. */
  checkAnnotations: boolean;
  /** BUILDX_NO_DEFAULT_ATTESTATIONS: no default provenance. */
  noDefaultAttestations: boolean;
}

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** A boolean variable; unset or unreadable is `fallback`. */
function flag(value: string | undefined, fallback: boolean): boolean {
  if (value !== undefined && TRUE.has(value)) return true;
  if (value !== undefined && FALSE.has(value)) return false;
  return fallback;
}

export function envFlags(env: Record<string, string | undefined>): EnvFlags {
  return {
    summary: flag(env.DOCKER_BUILD_SUMMARY, true),
    checkAnnotations: flag(env.DOCKER_BUILD_CHECKS_ANNOTATIONS, true),
    noDefaultAttestations: flag(env.BUILDX_NO_DEFAULT_ATTESTATIONS, false),
  };
}
