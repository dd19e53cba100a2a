// Run the bundled action locally in flags-only mode (no Docker needed):
//   npm run local -- --image ghcr.io/acme/app --branch feature/x --target dependencies --context example
// Every --<input> <value> becomes that input; the event is a push to --branch (default main).
import { pushEvent, runAction } from './action-harness.mjs';

const inputs = { build: 'false' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (!a.startsWith('--') || argv[i + 1] === undefined) {
    console.error(`usage: npm run local -- --image REPO [--<input> VALUE ...]  (bad argument: ${a})`);
    process.exit(2);
  }
  inputs[a.slice(2)] = argv[++i];
}
const event = pushEvent(inputs.branch || 'main');
const result = await runAction({ inputs, event, cwd: process.cwd() });
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
if (result.code === 0) {
  console.log('\noutputs:');
  for (const [k, v] of Object.entries(result.outputs)) console.log(`  ${k}: ${v.replace(/\n/g, '\n    ')}`);
}
process.exit(result.code);
