// Starts (or reuses) the test engine and registries before the end-to-end tests.
// scripts/test-engine.sh does the work (BBC_ENGINE_FLAVOR picks the engine:
// current, the default, or oldest); its env.json tells the tests where things
// are, and what it started, so that the teardown stops only that.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync('bash', [join(root, 'scripts/test-engine.sh'), 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const dir = process.env.BBC_ENGINE_DIR ?? '/tmp/bbc-engine';
  const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as Record<string, unknown>;
  // Workers are started after this and inherit the environment.
  for (const key of ['DOCKER_HOST', 'DOCKER_CONFIG', 'PATH']) {
    if (typeof env[key] === 'string') process.env[key] = env[key];
  }
  process.env.BBC_ENGINE_ENV = join(dir, 'env.json');
  // What this setup started (and so the teardown stops): pieces that were
  // already running, someone else's engine for instance, stay up.
  const started = (env.started ?? {}) as Record<string, boolean>;
  const pieces = [
    ...(started.engine ? ['engine'] : []),
    ...(started.registry ? ['registry'] : []),
    ...(started.authRegistry ? ['auth-registry'] : []),
  ];
  process.env.BBC_ENGINE_STARTED_PIECES = pieces.join(' ');
}
