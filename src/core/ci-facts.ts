// The shape every CI's facts take, and the helpers each CI's reader (ci-*.ts)
// shares: a variable's value, the default branch, a tag build.
import { DEFAULT_BRANCH_FALLBACK, type RefFacts } from './ref.js';

export type Env = Record<string, string | undefined>;

export type Provider = 'gitlab' | 'jenkins' | 'buildkite' | 'github' | 'branch-name' | 'none';

export interface CiFacts {
  provider: Provider;
  facts: RefFacts;
  /** Names the build in error messages ("... has no branch to write to"). */
  where: string;
}

export { DEFAULT_BRANCH_FALLBACK };

const NAMES: Record<Provider, string> = {
  gitlab: 'GitLab CI',
  jenkins: 'Jenkins',
  buildkite: 'Buildkite',
  github: 'GitHub Actions',
  'branch-name': 'BRANCH_NAME',
  none: 'no CI',
};

export function providerName(p: Provider): string {
  return NAMES[p];
}

/** A variable's value, or undefined when unset or empty (CIs often set empty strings). */
export function v(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** The default branch as the CI says, else `main` with a reason line saying so. */
export function defaultBranch(value: string | undefined, ci: string, variable: string, reasons: string[]): string {
  if (value !== undefined) return value;
  reasons.push(
    `${ci} does not say which branch is the default (${variable} is not ` +
      `set): assuming "${DEFAULT_BRANCH_FALLBACK}"; --fallback overrides`,
  );
  return DEFAULT_BRANCH_FALLBACK;
}

export function facts(
  provider: Provider,
  f: Omit<RefFacts, 'reasons'> & { reason: string },
  reasons: string[],
  where: string,
): CiFacts {
  const { reason, ...rest } = f;
  return {
    provider,
    facts: { ...rest, reasons: [...reasons, `${providerName(provider)}: ${reason}`] },
    where: `this ${providerName(provider)} ${where}`,
  };
}

/** A tag build, on any CI: no branch, the default branch's cache only, nothing written. */
export function tagBuild(
  provider: Provider,
  tag: string,
  def: string,
  reasons: string[],
  kind: 'tag pipeline' | 'tag build',
): CiFacts {
  const reason = `${kind === 'tag pipeline' ? 'tag pipeline' : 'tag'} ${tag}: not a branch, so imports only`;
  return facts(
    provider,
    { branch: undefined, fallbacks: [def], exportAllowed: false, defaultBranch: def, reason },
    reasons,
    `${kind} (${tag})`,
  );
}
