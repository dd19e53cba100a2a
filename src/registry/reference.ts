// Registry references: which registry a repository lives in, and how its API is reached.

export interface RegistryRef {
  /** The registry as the user wrote it (the Docker config's key), e.g. ghcr.io, docker.io, 127.0.0.1:5000 */
  host: string;
  /** Where the API answers: registry-1.docker.io for Docker Hub, else the host. */
  apiHost: string;
  /** Repository name inside the registry, e.g. acme/app, library/redis */
  name: string;
}

export const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Split a repository (as image.ts normalises it) into registry and name, like Docker. */
export function parseRepository(repository: string): RegistryRef {
  const slash = repository.indexOf('/');
  // Host names are case-insensitive: GHCR.IO is ghcr.io (its API, its credentials).
  const first = slash === -1 ? '' : repository.slice(0, slash).toLowerCase();
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const host = hasHost ? first : 'docker.io';
  let name = hasHost ? repository.slice(slash + 1) : repository;
  if (DOCKER_HUB.has(host)) {
    if (!name.includes('/')) name = `library/${name}`;
    return { host: 'docker.io', apiHost: 'registry-1.docker.io', name };
  }
  return { host, apiHost: host, name };
}

/** Plain http only for a registry on this machine (as Docker allows); https everywhere else. */
export function registryBaseUrl(apiHost: string): string {
  const hostname = apiHost.replace(/:\d+$/, '').toLowerCase();
  const local = hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  return `${local ? 'http' : 'https'}://${apiHost}`;
}
