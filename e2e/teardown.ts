// Stops what the setup started (the script knows, from its pidfiles).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function teardown(): void {
  if (process.env.BBC_KEEP_ENGINE === '1') return; // handy while iterating locally
  execFileSync('bash', [join(import.meta.dirname, '..', 'scripts/test-engine.sh'), 'stop'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
