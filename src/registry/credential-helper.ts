// Credentials the Docker config keeps in a credential helper (credsStore,
// credHelpers), asked as the docker CLI asks: `docker-credential-<name> get`
// with the server's address on standard input, JSON on standard output.
// Bounded in time; any failure is a note, and the caller goes on without them.
import { execFile } from 'node:child_process';
import { errorMessage } from '../core/errors.js';
import { type CredentialLookup, credentialsFor, type DockerConfig } from './credentials.js';
import { DOCKER_HUB } from './reference.js';

export const HELPER_TIMEOUT_MS = 10_000;

/** What docker-credential-* prints for `get`. */
interface HelperAnswer {
  Username?: string;
  Secret?: string;
}

/** The address docker asks a helper for: Docker Hub's historical index URL, else the host. */
export function helperServerAddress(host: string): string {
  return DOCKER_HUB.has(host.toLowerCase()) ? 'https://index.docker.io/v1/' : host;
}

function run(binary: string, input: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ code: number | string | null; stdout: string; stderr: string; killed: boolean }>((resolve) => {
    const child = execFile(binary, ['get'], { env, timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (err, out, errOut) => {
      // An exit status is a number in `code`; a failure to start, a string (ENOENT).
      const e = err as { code?: number | string; killed?: boolean } | null;
      resolve({
        code: e ? (e.code ?? null) : 0,
        stdout: String(out),
        stderr: String(errOut),
        killed: Boolean(e?.killed),
      });
    });
    child.stdin?.on('error', () => undefined); // a helper that exits before reading: its exit status says why
    child.stdin?.end(input);
  });
}

/** Ask `docker-credential-<helper>` for the host's credentials. */
export async function askHelper(
  helper: string,
  host: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = HELPER_TIMEOUT_MS,
): Promise<CredentialLookup> {
  const binary = `docker-credential-${helper}`;
  const unread = (why: string): CredentialLookup => ({
    note: `the credential helper ${binary} gave no credentials for ${host} (${why}): log in with docker/login-action`,
  });
  // The name comes from the Docker config: a name with a path in it is no helper docker would run either.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(helper)) return unread('not a helper name');
  const r = await run(binary, helperServerAddress(host), env, timeoutMs);
  if (r.code === 'ENOENT') return unread(`${binary} is not on PATH`);
  if (r.killed) return unread(`no answer in ${timeoutMs / 1000} s`);
  // docker treats "not found" as no credentials: an anonymous request, as docker would make.
  if (r.code !== 0 && /credentials not found/i.test(r.stdout + r.stderr)) return {};
  if (r.code !== 0) return unread(`exit ${r.code}: ${(r.stderr || r.stdout).trim().split('\n')[0]!.slice(0, 200)}`);
  let answer: HelperAnswer;
  try {
    answer = JSON.parse(r.stdout) as HelperAnswer;
  } catch (e) {
    return unread(`its answer is not JSON: ${errorMessage(e)}`);
  }
  if (!answer.Secret) return {};
  // docker's convention: the user name `<token>` marks an identity (refresh) token.
  if (answer.Username === '<token>') return { credentials: { identityToken: answer.Secret } };
  return { credentials: { username: answer.Username ?? '', password: answer.Secret } };
}

/** The credentials docker would use for `host`: the config's own, else its helper's. */
export async function dockerCredentials(
  config: DockerConfig,
  host: string,
  env: NodeJS.ProcessEnv,
  timeoutMs?: number,
): Promise<CredentialLookup> {
  const found = credentialsFor(config, host);
  return found.helper === undefined ? found : askHelper(found.helper, host, env, timeoutMs);
}
