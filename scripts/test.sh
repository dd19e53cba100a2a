#!/usr/bin/env bash
# `npm test`: jest's three projects (jest.config.js): unit tests (in this
# process), bundle tests (dist/ as the runner and a CI run it; the project's
# setup bundles src/ and installs Node 24 first), and end-to-end tests on a
# real BuildKit engine and registry (the e2e project starts them through
# scripts/test-engine.sh: BBC_ENGINE_FLAVOR picks the current or the oldest).
# Extra arguments go to jest, e.g. `npm test -- --selectProjects unit bundle`.
# Ends with one plain line `tests: N passed, M failed` (BBC_TESTS_LABEL
# replaces `tests`); jest's JSON results go to $BBC_JEST_RESULTS
# (.cache/jest-results.json).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning"
mkdir -p .cache
results="${BBC_JEST_RESULTS:-.cache/jest-results.json}"
label="${BBC_TESTS_LABEL:-tests}"
rm -f "$results"
rc=0
npx jest --runInBand --json --outputFile="$results" "$@" || rc=$?
# One plain closing line that any CI can read.
if [ -f "$results" ]; then
  # shellcheck disable=SC2016 # JavaScript template literal
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${process.argv[2]}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);' "$results" "$label"
else
  echo "jest wrote no results ($results): it failed before running the tests (exit $rc)" >&2
fi
exit "$rc"
