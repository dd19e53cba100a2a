// Stops what the setup started (the pieces it recorded; the script knows their
// pids). An engine or registry that was already running before the tests stays up.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function teardown(): void {
  if (process.env.BBC_KEEP_ENGINE === '1') return; // handy while iterating locally
  const pieces = (process.env.BBC_ENGINE_STARTED_PIECES ?? '').split(' ').filter(Boolean);
  if (pieces.length === 0) {
    console.log('test engine: left running (the tests did not start it)');
    return;
  }
  execFileSync('bash', [join(import.meta.dirname, '..', 'scripts/test-engine.sh'), 'stop', ...pieces], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
