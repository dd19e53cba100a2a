// Before the bundle tests (jest's globalSetup for the `bundle` project):
// dist/ bundled from src/ as `npm run bundle` does (scripts/bundle.mjs writes
// the same bytes for the same sources: under .ci/run, which has bundled and
// checked dist/ already, this changes nothing), and Node 24, the runner's
// runtime for `using: node24` (scripts/node24.sh installs it once, into
// .cache/). The tests find it in BBC_NODE24; workers inherit the environment.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'scripts/bundle.mjs')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    const node24 = execFileSync('bash', [join(root, 'scripts/node24.sh')], { cwd: root, encoding: 'utf8' }).trim();
    process.env.BBC_NODE24 = node24;
  } catch (e) {
    delete process.env.BBC_NODE24;
    console.warn(
      `bundle tests: no Node 24 (scripts/node24.sh failed: ${(e as Error).message.split('\n')[0]}); its tests are skipped`,
    );
  }
}
