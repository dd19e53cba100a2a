#!/usr/bin/env bash
# Re-makes __tests__/fixtures/cache/<buildx version>.json: the registry cache
# manifests and cache configs of the article's pipeline on the running test
# engine (main's two jobs, then the deps job of three new branches: unchanged,
# a changed source file, a changed dependency file). The unit tests of
# import planning read them.
#   eval "$(bash scripts/test-engine.sh env)"; bash scripts/capture-cache-configs.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
repo="capture/app-$$"; R="$BBC_REGISTRY/$repo"
context() { # dir package.json src/index.js
  mkdir -p "$work/$1/src"; cp "$BBC_BUSYBOX" "$work/$1/busybox"
  cat >"$work/$1/Dockerfile" <<'DF'
FROM scratch AS dependencies
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY package.json /app/package.json
RUN cp /app/package.json /app/installed.json
RUN mkdir -p /app/node_modules && echo lib > /app/node_modules/lib.js
COPY src/ /app/src/

FROM dependencies AS build
RUN cat /app/src/*.js > /app/bundle.js
RUN echo built >> /app/bundle.js
DF
  echo "$2" >"$work/$1/package.json"; echo "$3" >"$work/$1/src/index.js"
}
build() { # dir target export-tag import-tags...
  local dir=$1 target=$2 tag=$3; shift 3
  local args=(buildx build --progress=quiet --network none --target "$target" --output type=cacheonly)
  for i in "$@"; do args+=(--cache-from "type=registry,ref=$R:$i"); done
  args+=(--cache-to "type=registry,ref=$R:$tag,mode=max,image-manifest=true,oci-mediatypes=true")
  docker buildx prune -af >/dev/null   # each job on an emptied builder
  docker "${args[@]}" "$work/$dir" >/dev/null
}
context main '{"lib":"1"}' hello
build main dependencies dependencies-main
build main build build-main dependencies-main
context same '{"lib":"1"}' hello
build same dependencies dependencies-same dependencies-main
context source '{"lib":"1"}' changed
build source dependencies dependencies-source dependencies-main
context deps '{"lib":"2"}' hello
build deps dependencies dependencies-deps dependencies-main
version="$(docker buildx version | awk '{ print $2 }' | sed 's/+.*//')"
out="$root/__tests__/fixtures/cache/buildx-$version.json"
node --input-type=module - "$BBC_REGISTRY" "$repo" build-main dependencies-main dependencies-same dependencies-source dependencies-deps >"$out" <<'JS'
const [reg, repo, ...tags] = process.argv.slice(2);
const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';
const out = {};
for (const tag of tags) {
  const manifest = await (await fetch(`http://${reg}/v2/${repo}/manifests/${tag}`, { headers: { Accept: accept } })).json();
  const config = await (await fetch(`http://${reg}/v2/${repo}/blobs/${manifest.config.digest}`)).json();
  out[tag] = { manifest, config };
}
console.log(JSON.stringify(out, null, 1));
JS
echo "wrote $out"
