// The credentials docker itself would use for a registry, read from the Docker
// config (config.json); a credential helper is named here and asked in
// credential-helper.ts.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../core/errors.js';
import { DOCKER_HUB } from './reference.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth refresh token (`docker login` to registries that hand one out): exchanged at the realm. */
  identityToken?: string;
  /** A ready bearer token. */
  registryToken?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
}

/** The Docker config, or an empty one when there is no file (nobody logged in). */
export function readDockerConfig(path: string): DockerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read the Docker config ${path}: ${errorMessage(e)}`);
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch (e) {
    throw new Error(`the Docker config ${path} is not JSON: ${errorMessage(e)}`);
  }
}

/** A config key (`https://index.docker.io/v1/`, `ghcr.io`, `http://127.0.0.1:5000`) as a bare host. */
function normaliseKey(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return DOCKER_HUB.has(host) ? 'docker.io' : host;
}

export interface CredentialLookup {
  credentials?: Credentials;
  /** Set when credentials exist but could not be read. */
  note?: string;
  /** The credential helper that keeps them (`docker-credential-<helper>`), to ask. */
  helper?: string;
}

export function credentialsFor(config: DockerConfig, host: string): CredentialLookup {
  const want = normaliseKey(host);
  const entry = Object.entries(config.auths ?? {}).find(([key]) => normaliseKey(key) === want)?.[1] ?? {};
  const creds: Credentials = {};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      creds.username = decoded.slice(0, colon);
      creds.password = decoded.slice(colon + 1);
    }
  }
  if (entry.username && entry.password) {
    creds.username = entry.username;
    creds.password = entry.password;
  }
  if (entry.identitytoken) creds.identityToken = entry.identitytoken;
  if (entry.registrytoken) creds.registryToken = entry.registrytoken;
  if (Object.keys(creds).length > 0) return { credentials: creds };

  const helper =
    Object.entries(config.credHelpers ?? {}).find(([key]) => normaliseKey(key) === want)?.[1] ?? config.credsStore;
  return helper ? { helper } : {};
}
