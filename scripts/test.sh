#!/usr/bin/env bash
# `npm test`: unit tests, then end-to-end tests on a real BuildKit engine and
# registry (jest's e2e project starts them through scripts/test-engine.sh).
# Extra arguments go to jest, e.g. `npm test -- --selectProjects unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/node24.sh >/dev/null
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning"
mkdir -p .cache
results=.cache/jest-results.json
rm -f "$results"
rc=0
npx jest --runInBand --json --outputFile="$results" "$@" || rc=$?
# One plain closing line that any CI can read.
if [ -f "$results" ]; then
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);' "$results"
fi
exit "$rc"
