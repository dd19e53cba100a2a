// Bundle size, and start-to-outputs time of dist/index.js in flags-only mode
// (build: false), run as the runner runs it. Median of N runs, against an empty
// `node` start as the floor. Usage: node bench/startup.mjs [runs=21]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PIPELINE } from '../e2e/fixtures.mjs';
import { pullRequestEvent, runAction } from '../scripts/action-harness.mjs';

const runs = Number(process.argv[2] ?? 21);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const cwd = mkdtempSync(join(tmpdir(), 'bbc-bench-'));
process.on('exit', () => rmSync(cwd, { recursive: true, force: true }));
writeFileSync(join(cwd, 'Dockerfile'), PIPELINE);

const nodes = [['node ' + process.version, process.execPath]];
try {
  const n24 = execFileSync('bash', ['scripts/node24.sh'], { encoding: 'utf8' }).trim();
  nodes.push(['node ' + execFileSync(n24, ['-v'], { encoding: 'utf8' }).trim(), n24]);
} catch {}

const size = statSync('dist/index.js').size;
const gz = gzipSync(readFileSync('dist/index.js')).length;
console.log(`dist/index.js: ${(size / 1024).toFixed(0)} KiB (${(gz / 1024).toFixed(0)} KiB gzipped)`);
console.log(`| runtime | empty node start (median ms) | action, flags only (median ms) | action minus empty start |`);
console.log(`|---|---|---|---|`);
for (const [label, node] of nodes) {
  const empty = [];
  const action = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    spawnSync(node, ['-e', '0']);
    empty.push(performance.now() - t);
    t = performance.now();
    const r = await runAction({
      node,
      cwd,
      event: pullRequestEvent('feature/x', 'main'),
      inputs: { image: 'ghcr.io/acme/app', build: 'false' },
    });
    action.push(performance.now() - t);
    if (r.code !== 0 || !r.outputs['cache-from']) throw new Error(`action failed: ${r.stdout}`);
  }
  const e = median(empty);
  const a = median(action);
  console.log(`| ${label} | ${e.toFixed(0)} | ${a.toFixed(0)} | ${(a - e).toFixed(0)} |`);
}
console.log(`(${runs} runs each)`);
