#!/usr/bin/env bash
# scripts/capture-fixtures.sh: re-makes the real buildx captures the unit tests
# read, from a running test engine (scripts/test-engine.sh start).
#
#   BBC_ENGINE_DIR=/tmp/bbc-engine bash scripts/capture-fixtures.sh
#   BBC_ENGINE_DIR=/tmp/bbc-engine-oldest bash scripts/capture-fixtures.sh
#
# Best on an engine of its own, which no test uses meanwhile (the captures in
# the repository were made so), e.g.:
#   export BBC_ENGINE_DIR=/tmp/bbc-fx-current BBC_REGISTRY_PORT=5040 BBC_AUTH_REGISTRY_PORT=5041 BBC_ENGINE_FLAVOR=current
#   bash scripts/test-engine.sh start && bash scripts/capture-fixtures.sh && bash scripts/test-engine.sh stop
# (and BBC_ENGINE_FLAVOR=oldest on other ports). Builds of the same steps
# running at the same time on one engine share vertices, and their names leak
# into each other's progress; and the prune below empties everyone's cache.
#
# Files are named by buildx's minor version (0.13, 0.29, ...), taken from the
# engine itself:
#   __tests__/fixtures/rawjson/<v>-<scenario>.txt   `--progress=rawjson` stderr
#   __tests__/fixtures/buildx/<v>-...               version, inspect, metadata,
#                                                   imagetools and registry answers
# Scenarios, each on an emptied builder (as on a fresh runner) with the
# Dockerfile written below, importing from and exporting to a registry cache:
#   cold            no cache anywhere: every step runs, the cache is exported
#   full-hit        the same build again: every step from the registry cache,
#                   image pushed with a --metadata-file
#   partial-hit     one new last step: it runs, the rest comes from the cache
#   export-refused  another new last step; the export goes to the auth
#                   registry without a login (ignore-error=true): the build
#                   succeeds, the export fails
#   failed-step     a step exits 3: the build fails
#   lint-warnings   `FROM ... as Build` and `ENV key value`: BuildKit's
#                   Dockerfile checks warn (from the dockerfile frontend 1.8 on)
# Builder captures: `docker buildx inspect` of the default (docker driver,
# containerd image store), of the classic-store daemon, and of a
# docker-container and a remote builder that are created without bootstrapping
# (their image / endpoint cannot be reached here) and removed again.
#
# The engine's build cache is pruned and its images removed between scenarios,
# as the e2e tests' emptyBuilder does. Each capture is checked (a full hit must be all cached, ...) and
# the script fails rather than write a fixture that shows something else.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ENGINE_DIR="${BBC_ENGINE_DIR:-/tmp/bbc-engine}"
ENV_JSON="$ENGINE_DIR/env.json"
[[ -f $ENV_JSON ]] || { echo "capture-fixtures: no $ENV_JSON: start the engine first (scripts/test-engine.sh start)" >&2; exit 1; }
eval "$(BBC_ENGINE_DIR="$ENGINE_DIR" bash scripts/test-engine.sh env)"

json() { node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(e[process.argv[2]] ?? "")' "$ENV_JSON" "$1"; }
REG="$(json registry)"
AUTH_REG="$(json authRegistry)"
BUSYBOX="$(json busybox)"
CLASSIC="$(json classicDockerHost)"

say() { printf '[capture] %s\n' "$*" >&2; }

VERSION_TEXT="$(docker buildx version)"
V="$(sed -nE 's/^[^ ]+ v?([0-9]+\.[0-9]+)\..*/\1/p' <<<"$VERSION_TEXT")"
[[ -n $V ]] || { echo "capture-fixtures: cannot read buildx's version from: $VERSION_TEXT" >&2; exit 1; }
RAW_DIR="$ROOT/__tests__/fixtures/rawjson"
BX_DIR="$ROOT/__tests__/fixtures/buildx"
mkdir -p "$RAW_DIR" "$BX_DIR"
say "buildx $V ($VERSION_TEXT), docker $(docker version --format '{{.Server.Version}}'), registry $REG"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"; docker buildx rm bbc-fx-container >/dev/null 2>&1 || true; docker buildx rm bbc-fx-remote >/dev/null 2>&1 || true' EXIT
# A repository of its own per run: a cold build is cold.
REPO="$REG/fixtures/r$(date +%s)"
CACHE="$REPO:cache-build"

# ---- contexts ----
context() { # NAME DOCKERFILE
  mkdir -p "$WORK/$1"
  cp "$BUSYBOX" "$WORK/$1/busybox"
  printf '%s' "$2" >"$WORK/$1/Dockerfile"
}
BASE='FROM scratch AS deps
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN echo hi && echo err >&2

FROM deps AS build
RUN echo b > /b
'
context base "$BASE"
context extra "${BASE}RUN echo extra
"
context refused "${BASE}RUN echo refused
"
context failing "${BASE}RUN echo failing && exit 3
"
# shellcheck disable=SC2016 # $greeting is the Dockerfile's
context lint 'FROM scratch as Build
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV greeting hello
RUN echo $greeting > /greeting
'

empty_builder() {
  local ids
  ids="$(docker image ls -aq)"
  # shellcheck disable=SC2046 # ids are words
  [[ -z $ids ]] || docker image rm -f $(sort -u <<<"$ids") >/dev/null
  docker buildx prune -af >/dev/null
}

# build SCENARIO CONTEXT EXPECTED_EXIT [buildx args...]: an emptied builder,
# then the build; its stderr is the fixture.
build() {
  local name="$1" ctx="$2" want="$3" code=0
  shift 3
  empty_builder
  say "$name"
  docker buildx build --progress=rawjson --network=none "$@" "$WORK/$ctx" >"$WORK/$name.out" 2>"$RAW_DIR/$V-$name.txt" || code=$?
  if [[ $code != "$want" ]]; then
    say "$name: exit code $code, expected $want"; tail -n 20 "$RAW_DIR/$V-$name.txt" >&2; exit 1
  fi
}

# check SCENARIO JS: the fixture's final vertex states satisfy a condition
# (vs: [{name, cached, error, completed}], by digest, last state wins).
check() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const fs = require("fs");
    const text = fs.readFileSync(process.argv[1], "utf8");
    const vs = new Map();
    // Good enough for a check: each status object is valid JSON on its own lines or one line.
    // A value starts with a { at the start of a line or right after another value.
    let depth = 0, buf = "", inStr = false, esc = false, lineStart = true;
    for (const ch of text) {
      if (depth === 0) {
        if (ch === "{" && lineStart) { depth = 1; buf = ch; continue; }
        lineStart = ch === "\n" || (lineStart && /[ \t\r]/.test(ch));
        continue;
      }
      buf += ch;
      if (inStr) { if (esc) esc = false; else if (ch === "\\") esc = true; else if (ch === "\"") inStr = false; continue; }
      if (ch === "\"") inStr = true; else if (ch === "{" || ch === "[") depth++; else if ((ch === "}" || ch === "]") && --depth === 0) {
        lineStart = true;
        try { for (const v of JSON.parse(buf).vertexes ?? []) vs.set(v.digest, { ...(vs.get(v.digest) ?? {}), ...v }); } catch {}
      }
    }
    const all = [...vs.values()];
    const steps = all.filter((v) => /^\[[^\]]*\d+\/\d+\] (?!FROM )/.test(v.name));
    const ok = (0, eval)(`(vs, steps) => ${process.argv[2]}`)(all, steps);
    if (!ok) { console.error(`capture-fixtures: ${process.argv[1]} fails: ${process.argv[2]}`); console.error(steps.map((s) => `${s.cached ? "CACHED" : "ran   "} ${s.name}`).join("\n")); process.exit(1); }
  ' "$RAW_DIR/$V-$1.txt" "$2"
}

CACHE_TO="type=registry,ref=$CACHE,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true"

build cold base 0 --target build --cache-from "type=registry,ref=$CACHE" --cache-to "$CACHE_TO"
check cold 'steps.length === 4 && steps.every((s) => !s.cached) && vs.some((v) => /^exporting cache/.test(v.name) && v.completed && !v.error)'

build full-hit base 0 --target build --cache-from "type=registry,ref=$CACHE" --cache-to "$CACHE_TO" \
  --tag "$REPO:full" --push --metadata-file "$BX_DIR/$V-metadata-push.json"
check full-hit 'steps.length === 4 && steps.every((s) => s.cached) && vs.some((v) => /^exporting cache/.test(v.name) && v.completed && !v.error)'

# ---- what the registry, imagetools and docker say about what was just pushed ----
say "imagetools, registry digests"
docker buildx imagetools inspect --raw "$REPO:full" >"$BX_DIR/$V-imagetools-image.json"
docker buildx imagetools inspect --raw "$CACHE" >"$BX_DIR/$V-imagetools-cache.json"
docker buildx imagetools inspect "$REPO:full" >"$BX_DIR/$V-imagetools-image.txt"
# The image's own manifest (the linux one in the index): its config is the image's config digest.
PLATFORM_MANIFEST="$(node -e 'const i = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log((i.manifests ?? []).find((m) => m.platform?.os === "linux")?.digest ?? "")' "$BX_DIR/$V-imagetools-image.json")"
[[ -z $PLATFORM_MANIFEST ]] || docker buildx imagetools inspect --raw "$REPO:full@$PLATFORM_MANIFEST" >"$BX_DIR/$V-imagetools-image-manifest.json"
{ docker buildx imagetools inspect --raw "$REPO:missing" 2>&1 || echo "exit code $?"; } >"$BX_DIR/$V-imagetools-missing.txt"
{ docker buildx imagetools inspect --raw "$AUTH_REG/fixtures/refused:cache-build" 2>&1 || echo "exit code $?"; } >"$BX_DIR/$V-imagetools-unauthorized.txt"
ACCEPT='application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
head_of() { # REF -> the registry's HEAD answer for the manifest
  local repo="${1%:*}" tag="${1##*:}"
  curl -sfI -H "Accept: $ACCEPT" "http://$REG/v2/${repo#"$REG"/}/manifests/$tag" | tr -d '\r' | grep -iE '^(docker-content-digest|content-type):' | sort -f
}
{ echo "# HEAD /v2/<repo>/manifests/full (the pushed image's tag)"; head_of "$REPO:full"; echo "# HEAD /v2/<repo>/manifests/cache-build"; head_of "$CACHE"; echo "# docker image inspect <repo>:full --format {{.Id}}"; docker image inspect --format '{{.Id}}' "$REPO:full" 2>&1 || true; } \
  >"$BX_DIR/$V-registry-digests.txt"

# Built into docker's own image store only (the docker driver's default output,
# no push), on the containerd store and on the classic one: what docker calls
# the image's ID next to what the metadata file says.
say "metadata of a load"
docker buildx build --progress=quiet --network=none --target build --tag "$REPO:loaded" \
  --metadata-file "$BX_DIR/$V-metadata-load.json" "$WORK/base" >/dev/null
{ echo "# docker image inspect <repo>:loaded --format {{.Id}}"; docker image inspect --format '{{.Id}}' "$REPO:loaded"; } >"$BX_DIR/$V-image-id-load.txt"
if [[ -n $CLASSIC ]]; then
  DOCKER_HOST="$CLASSIC" docker buildx build --progress=quiet --network=none --target build --tag "$REPO:classic" \
    --metadata-file "$BX_DIR/$V-metadata-load-classic.json" "$WORK/base" >/dev/null
  { echo "# docker image inspect <repo>:classic --format {{.Id}} (classic image store)"; DOCKER_HOST="$CLASSIC" docker image inspect --format '{{.Id}}' "$REPO:classic"; } \
    >"$BX_DIR/$V-image-id-load-classic.txt"
  DOCKER_HOST="$CLASSIC" docker image rm "$REPO:classic" >/dev/null
fi

build partial-hit extra 0 --target build --cache-from "type=registry,ref=$CACHE" --cache-to "$CACHE_TO"
check partial-hit 'steps.length === 5 && steps.filter((s) => !s.cached).map((s) => s.name).join() === "[build 2/2] RUN echo extra"'

build export-refused refused 0 --target build --cache-from "type=registry,ref=$CACHE" \
  --cache-to "type=registry,ref=$AUTH_REG/fixtures/refused:cache-build,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true"
check export-refused 'steps.filter((s) => !s.cached).map((s) => s.name).join() === "[build 2/2] RUN echo refused" && vs.some((v) => /^exporting cache/.test(v.name) && v.error)'

build failed-step failing 1 --target build --cache-from "type=registry,ref=$CACHE" --cache-to "$CACHE_TO"
check failed-step 'steps.some((s) => s.error && /RUN echo failing/.test(s.name))'

build lint-warnings lint 0 --cache-from "type=registry,ref=$REPO:cache-lint" \
  --cache-to "type=registry,ref=$REPO:cache-lint,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true"
check lint-warnings 'steps.length === 3'

# ---- builders ----
say "builders"
printf '%s\n' "$VERSION_TEXT" >"$BX_DIR/$V-version.txt"
docker buildx inspect >"$BX_DIR/$V-inspect-docker.txt"
if [[ -n $CLASSIC ]]; then
  DOCKER_HOST="$CLASSIC" docker buildx inspect >"$BX_DIR/$V-inspect-docker-classic.txt"
fi
docker buildx rm bbc-fx-container >/dev/null 2>&1 || true
docker buildx create --name bbc-fx-container --driver docker-container >/dev/null
{ timeout 60 docker buildx inspect bbc-fx-container 2>&1 || echo "exit code $?"; } >"$BX_DIR/$V-inspect-docker-container.txt"
docker buildx rm bbc-fx-container >/dev/null
docker buildx rm bbc-fx-remote >/dev/null 2>&1 || true
docker buildx create --name bbc-fx-remote --driver remote tcp://127.0.0.1:1 >/dev/null
{ timeout 60 docker buildx inspect bbc-fx-remote 2>&1 || echo "exit code $?"; } >"$BX_DIR/$V-inspect-remote.txt"
docker buildx rm bbc-fx-remote >/dev/null
{ docker buildx ls 2>&1 || true; } >"$BX_DIR/$V-ls.txt"

empty_builder
say "wrote $RAW_DIR/$V-*.txt and $BX_DIR/$V-*"
