#!/usr/bin/env bash
# scripts/test-engine.sh: a real BuildKit engine and two local registries for
# the end-to-end tests.
#
# Usage:
#   bash scripts/test-engine.sh start      ensure engine + registries, write env files
#   bash scripts/test-engine.sh stop [engine] [registry] [auth-registry]
#                                          stop what `start` started (the pieces named, else all); idempotent
#   bash scripts/test-engine.sh status     say whether each piece is up (exit 0 only if all are)
#   bash scripts/test-engine.sh env        print the export lines: eval "$(bash scripts/test-engine.sh env)"
#   bash scripts/test-engine.sh versions   print the engine's versions and debs (after start)
#
# What `start` does (every port, suite, version, package and directory named
# here is set once, under "settings" below):
#   1. Registries, always ours, bound to 127.0.0.1 only, both with
#      `storage: delete: enabled: true`: an open one on REG_PORT and one with
#      htpasswd auth (AUTH_USER, AUTH_PASSWORD) on AUTH_PORT. Debian's
#      docker-registry (distribution 2.8). A registry we started earlier and
#      that still runs is reused (and keeps its data); a freshly started one
#      starts with empty storage.
#   2. The engine. By default (BBC_ENGINE=private) always a private engine that
#      this script starts itself: our engine from an earlier `start` in the
#      same ENGINE_DIR if it still runs (and is of the same flavour), else a
#      new one. Debian's ENGINE_PKGS unpacked with `dpkg -x` into a private
#      prefix (the system's apt state is untouched), with the system suite's
#      HOST_ENGINE_PKGS, the containerd image store (the only way the default
#      `docker` buildx driver can export registry caches), no bridge, no
#      iptables, listening on a unix socket only. Two flavours
#      (BBC_ENGINE_FLAVOR): `current`, what users run today, and `oldest`, the
#      oldest engine the project supports; each names its Debian suite and
#      its supported versions below.
#      Every .deb is checked against the SHA256 that the archive's own
#      Packages index (signed through its InRelease file, which apt checks
#      with debian-archive-keyring) gives for that package and version, with
#      sha256sum. The set of debs that last started and passed the probe build
#      (a real build that exports a registry cache) is kept per flavour as
#      "last good" and preferred by every later start, without touching the
#      network. Without a last-good set the flavour's suite is asked for its
#      current versions, which are taken when they are within the supported
#      majors, and said so when they differ from the versions this script was
#      tested with (an unstable suite moves, and keeps only its current
#      versions).
#      BBC_ENGINE_REFRESH=1 ignores the last-good set and takes the suite's
#      current versions (they become last good once they pass).
#      BBC_ENGINE=external uses the engine the caller's DOCKER_HOST (or docker
#      context) points at instead, if `docker buildx` works there and a real
#      tiny build can export a registry cache to our local registry. Such an
#      engine is not ours: the e2e tests' emptyBuilder never prunes its build
#      cache or removes its images unless BBC_EXTERNAL_ENGINE_DISPOSABLE=1
#      says it may. BBC_ENGINE=auto is an old name for private (it no longer
#      picks an external engine).
#      Next to a private engine runs a second dockerd on the classic image
#      store (no containerd snapshotter) on the same containerd: the `docker`
#      driver there cannot export registry caches, which the tests of that
#      failure need.
#   3. Writes ENV_FILE (shell export lines) and ENV_JSON (what the tests
#      read: see write_env) and prints a summary with the versions.
#   The DOCKER_CONFIG written there is always a private one (never ~/.docker)
#   and is reset to `{}` by every `start`, so no registry login survives it.
#
# Builds against this engine must use `--network=none` and must not pull any
# image: Dockerfiles start `FROM scratch`, `COPY busybox /bin/busybox`,
# `RUN ["/bin/busybox", "--install", "-s", "/bin"]` (busybox: env.json's
# `busybox`), and use no `# syntax=` directive.
#
# The e2e teardown stops only the pieces its setup started, so an engine that
# was already running stays up.
#
# Needs: root for the private engine, apt-get/dpkg (Debian), curl, flock, setsid.
set -euo pipefail

# ---------------------------------------------------------------- settings --
# The environment, and what each variable defaults to:
ENGINE_DIR="${BBC_ENGINE_DIR:-/tmp/bbc-engine}" # runtime state, sockets, logs, env files
# debs, last-good sets, unpacked prefixes (layout below):
CACHE_DIR="${BBC_ENGINE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/buildx-branch-cache-engine}"
REG_PORT="${BBC_REGISTRY_PORT:-5000}"       # the open registry
AUTH_PORT="${BBC_AUTH_REGISTRY_PORT:-5001}" # the authenticated registry
ENGINE_MODE="${BBC_ENGINE:-private}"        # private | external (auto: an old name of private)
FLAVOR="${BBC_ENGINE_FLAVOR:-current}"      # current | oldest
WAIT_SECS="${BBC_ENGINE_WAIT:-60}"          # seconds to wait for a daemon to answer
REFRESH="${BBC_ENGINE_REFRESH:-}"           # 1: skip the last-good set, take the suite's current debs
# BBC_DEBIAN_MIRROR: the Debian archive URI (default: the one the system's apt sources use).

# The two registries, by name: where each listens, what its /v2/ answers a
# request without credentials, and the variable that moves it.
REGISTRY="127.0.0.1:$REG_PORT"
AUTH_REGISTRY="127.0.0.1:$AUTH_PORT"
declare -A REGISTRY_ADDR=([open]="$REGISTRY" [auth]="$AUTH_REGISTRY")
declare -A REGISTRY_ANSWER=([open]=200 [auth]=401)
declare -A REGISTRY_PORT_VAR=([open]=BBC_REGISTRY_PORT [auth]=BBC_AUTH_REGISTRY_PORT)
AUTH_USER=bbc
AUTH_PASSWORD=bbc-secret
# bcrypt of AUTH_PASSWORD (distribution's htpasswd auth accepts bcrypt only).
# Embedded so that no htpasswd tool (apache2-utils) is needed. Made with:
#   python3 -c "import crypt; print(crypt.crypt('bbc-secret', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))"
# shellcheck disable=SC2016 # a literal hash, not an expansion
AUTH_HTPASSWD_LINE="$AUTH_USER:"'$2b$10$nhkw60GPRm9X2NYLcZPN0ew89T1t1g/YLKYY//RCtHqB6aSceLWeu'

# Ports that fetch() (undici, in Node and browsers) refuses to connect to
# ("bad port"): the tests read the registries' HTTP API with it.
FETCH_BAD_PORTS=" 1 7 9 11 13 15 17 19 20 21 22 23 25 37 42 43 53 69 77 79 87 95 101 102 103 104 109 110 111 113 115 117 119 123 135 137 139 143 161 179 389 427 465 512 513 514 515 526 530 531 532 540 548 554 556 563 587 601 636 989 990 993 995 1719 1720 1723 2049 3659 4045 4190 5060 5061 6000 6566 6665 6666 6667 6668 6669 6679 6697 10080 "
for name in open auth; do
  p="${REGISTRY_ADDR[$name]##*:}"
  case "$FETCH_BAD_PORTS" in
    *" $p "*) printf '[test-engine] error: port %s is one that fetch() refuses ("bad port"), and the tests read the registries with fetch(): choose another %s\n' "$p" "${REGISTRY_PORT_VAR[$name]}" >&2; exit 2 ;;
  esac
done

# Debian packages. Tools come from the system's own suite (HOST_SUITE). The
# engine from the flavour's suite, except HOST_ENGINE_PKGS, which come from
# the system's suite (the flavours' suites build runc against GLIBC 2.38).
TOOL_PKGS=(docker-registry busybox-static)
ENGINE_PKGS=(docker.io docker-cli containerd docker-buildx)
HOST_ENGINE_PKGS=(runc)
# The engine's programs, linked into one directory that goes on PATH.
ENGINE_PROGRAMS=(docker dockerd docker-proxy containerd containerd-shim-runc-v2 ctr runc)
# shellcheck disable=SC1091
HOST_SUITE="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
[[ -n $HOST_SUITE ]] || HOST_SUITE=bookworm

# Per flavour: the suite, the versions this script was last tested with (only
# compared, to say when the suite has moved on), and the supported versions:
# docker.io/docker-cli majors, containerd majors, and the lowest and highest
# buildx 0.x minor.
case "$FLAVOR" in
  current)
    SUITE=sid
    TESTED="docker.io=28.5.2+dfsg4-5 docker-cli=28.5.2+dfsg4-5 containerd=2.1.9+ds1-5 docker-buildx=0.29.1+ds1-4"
    SUPPORTED_DOCKER="28 29" SUPPORTED_CONTAINERD="2" BUILDX_MIN=12 BUILDX_MAX=999
    ;;
  oldest)
    SUITE=trixie
    TESTED="docker.io=26.1.5+dfsg1-9+deb13u1+b1 docker-cli=26.1.5+dfsg1-9+deb13u1+b1 containerd=1.7.24~ds1-6+deb13u1 docker-buildx=0.13.1+ds1-3"
    SUPPORTED_DOCKER="26" SUPPORTED_CONTAINERD="1" BUILDX_MIN=12 BUILDX_MAX=13
    ;;
  *) printf '[test-engine] error: BBC_ENGINE_FLAVOR must be current or oldest, not "%s"\n' "$FLAVOR" >&2; exit 2 ;;
esac
SUPPORTED_TEXT="docker ${SUPPORTED_DOCKER// / or }, containerd ${SUPPORTED_CONTAINERD// / or }.x, buildx 0.x with x >= $BUILDX_MIN"
if ((BUILDX_MAX < 999)); then SUPPORTED_TEXT+=" and x <= $BUILDX_MAX"; fi

LOCK_WAIT=600       # seconds to wait for another start/stop in the same ENGINE_DIR
CACHE_LOCK_WAIT=900 # seconds to wait for another start's downloads

# Persistent (download) cache, shared by every ENGINE_DIR.
TOOLS_DIR="$CACHE_DIR/tools"         # TOOL_PKGS, from the system's suite:
TOOLS_DEB_DIR="$TOOLS_DIR/debs"      #   their debs (and checksums)
TOOLS_PREFIX="$TOOLS_DIR/prefix"     #   unpacked
FLAVOR_DIR="$CACHE_DIR/$FLAVOR"
APT_DIR="$FLAVOR_DIR/apt"            # private sources.list, lists and apt cache
DL_DIR="$FLAVOR_DIR/download"        # fetched, verified, not yet passed
GOOD_DIR="$FLAVOR_DIR/good"          # last good: debs + MANIFEST
PREFIX="$FLAVOR_DIR/prefix"          # everything `dpkg -x`-ed for this flavour
BIN_DIR="$FLAVOR_DIR/bin"            # symlinks to the engine's binaries (goes on PATH)
BUILDX_PLUGIN="$PREFIX/usr/libexec/docker/cli-plugins/docker-buildx"
BUSYBOX="$TOOLS_PREFIX/bin/busybox"
REGISTRY_BIN="$TOOLS_PREFIX/usr/bin/docker-registry"
CACHE_LOCK="$CACHE_DIR/.lock"

# Runtime state.
RUN_DIR="$ENGINE_DIR/run"          # pidfiles of what we started
LOG_DIR="$ENGINE_DIR/log"
DOCKER_SOCK="$ENGINE_DIR/docker.sock"
PRIVATE_DOCKER_HOST="unix://$DOCKER_SOCK"
CLASSIC_SOCK="$ENGINE_DIR/docker-classic.sock"
CLASSIC_DOCKER_HOST="unix://$CLASSIC_SOCK"
CONTAINERD_DIR="$ENGINE_DIR/containerd"
CONTAINERD_SOCK="$CONTAINERD_DIR/containerd.sock"
DOCKER_CONFIG_DIR="$ENGINE_DIR/docker-config"
REGISTRY_DIR="$ENGINE_DIR/registry"
ENV_FILE="$ENGINE_DIR/env"
ENV_JSON="$ENGINE_DIR/env.json"
LOCK_FILE="$ENGINE_DIR/.lock"
RUN_MANIFEST="$RUN_DIR/engine-debs"   # the MANIFEST of the debs the running engine uses
RUN_FLAVOR="$RUN_DIR/engine-flavor"

ORIG_PATH="$PATH"

# ----------------------------------------------------------------- helpers --
log() { printf '[test-engine] %s\n' "$*" >&2; }
die() { printf '[test-engine] error: %s\n' "$*" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Serialise start/stop (e.g. two test runs at once). fd 9 (and fd 8, below)
# must never leak into a daemon, or the lock would be held for the daemon's
# lifetime: `spawn` closes them.
take_lock() {
  mkdir -p "$ENGINE_DIR"
  exec 9>"$LOCK_FILE"
  flock -w "$LOCK_WAIT" 9 || die "could not lock $LOCK_FILE within $LOCK_WAIT s"
}

# The download cache is shared by every $BBC_ENGINE_DIR (and flavour): hold
# fd 8 on its lock while downloading, unpacking or promoting debs.
take_cache_lock() {
  mkdir -p "$CACHE_DIR"
  exec 8>"$CACHE_LOCK"
  flock -w "$CACHE_LOCK_WAIT" 8 || die "could not lock $CACHE_LOCK within $CACHE_LOCK_WAIT s"
}
drop_cache_lock() { exec 8>&-; }

# alive PID: the process exists and is not a zombie. (Here pid 1 reaps
# orphans only every second or two, so `kill -0` alone would see a daemon that
# already exited as alive.)
alive() {
  local st
  st="$(sed 's/.*) //' 2>/dev/null <"/proc/$1/stat" | cut -d' ' -f1)" || return 1
  [[ -n $st && $st != Z && $st != X ]]
}

# pid_of NAME: the pid in $RUN_DIR/NAME.pid if that process still runs and its
# command line mentions $ENGINE_DIR (so a recycled pid is never taken for ours).
pid_of() {
  local file="$RUN_DIR/$1.pid" pid
  [[ -f $file ]] || return 1
  pid="$(<"$file")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$ENGINE_DIR/" || return 1
  echo "$pid"
}

# spawn NAME LOGFILE CMD...: start CMD as a daemon in its own session, stdin
# from /dev/null, output to LOGFILE, lock fd closed, and record its pid in
# $RUN_DIR/NAME.pid. (The inner shell writes its own pid after setsid and then
# execs, so the pid is right whether or not setsid had to fork.) Callers of this
# script may hold pipes on our stdout/stderr (jest's execFileSync): the daemon
# must hold none of them.
spawn() {
  local name="$1" logfile="$2"; shift 2
  local pidfile="$RUN_DIR/$name.pid" i
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # expanded by the inner shell
  PATH="$BIN_DIR:$ORIG_PATH" setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
    </dev/null >"$logfile" 2>&1 9>&- 8>&- &
  for ((i = 0; i < 50; i++)); do [[ -s $pidfile ]] && break; sleep 0.1; done
  [[ -s $pidfile ]] || die "$name did not start (see $logfile)"
  STARTED_NOW+=("$name")
}

# stop_pid NAME SECONDS: TERM the recorded process, KILL it after SECONDS.
stop_pid() {
  local name="$1" secs="$2" pid i
  if ! pid="$(pid_of "$name")"; then
    rm -f "$RUN_DIR/$name.pid"
    return 1
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "$name (pid $pid) did not stop in ${secs}s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$RUN_DIR/$name.pid"
  echo "stopped $name (pid $pid)"
}

# http_code URL [curl args...]: the HTTP status, or 000 when nothing answers.
http_code() {
  local url="$1"; shift
  curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" "$url" 2>/dev/null || true
}

# port_busy PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_busy() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

json_str() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\n'/\\n}"; s="${s//$'\t'/\\t}"
  printf '"%s"' "$s"
}

# ----------------------------------------------------------------- downloads --
# The Debian archive URI the system's apt sources use for its own release
# (deb822 *.sources and one-line *.list formats). No host is hard-coded.
debian_mirror() {
  if [[ -n ${BBC_DEBIAN_MIRROR:-} ]]; then echo "$BBC_DEBIAN_MIRROR"; return; fi
  local files=() uri
  [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
  shopt -s nullglob
  files+=(/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  shopt -u nullglob
  ((${#files[@]})) || die "no apt sources found; set BBC_DEBIAN_MIRROR"
  # Prefer a source whose suite is exactly the system's codename; else any
  # URI ending in /debian.
  uri="$(awk -v want="$HOST_SUITE" '
    function consider(u, suites,   n, i, s) {
      if (u !~ /^https?:\/\//) return
      n = split(suites, s, /[ \t]+/)
      for (i = 1; i <= n; i++) if (s[i] == want && exact == "") exact = u
      if (u ~ /\/debian\/?$/ && loose == "") loose = u
    }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[ \t]*$/) { flush(); next }
      if ($0 ~ /^[ \t]*#/) next
      if (match($0, /^[A-Za-z-]+:/)) {
        key = tolower(substr($0, 1, RLENGTH - 1)); val = substr($0, RLENGTH + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", val); f[key] = val
      }
      next
    }
    FNR == 1 { flush() }
    /^[ \t]*deb[ \t]/ {
      line = $0; sub(/\[[^]]*\]/, "", line); split(line, w, /[ \t]+/)
      k = (w[1] == "") ? 2 : 1
      consider(w[k + 1], w[k + 2])
    }
    function flush(   u) {
      if (("types" in f) && f["types"] ~ /(^| )deb( |$)/ && tolower(f["enabled"]) != "no") {
        split(f["uris"], u, /[ \t]+/); consider(u[1], f["suites"])
      }
      delete f
    }
    END { flush(); print (exact != "" ? exact : loose) }
  ' "${files[@]}")"
  [[ -n $uri ]] || die "could not find a Debian mirror in /etc/apt sources; set BBC_DEBIAN_MIRROR"
  echo "${uri%/}"
}

# die_no_engine REASON: the one message for "no usable engine can be had".
die_no_engine() {
  die "no usable $FLAVOR engine: $1. (The last-good set would be in $GOOD_DIR; a start with network access to the Debian archive makes one.)"
}

# join_by SEP WORD...: the words joined by SEP.
join_by() { local sep="$1" out="$2"; shift 2 || return 0; for w in "$@"; do out+="$sep$w"; done; echo "$out"; }

# upstream_version DEBIAN_VERSION: without epoch and Debian revision/suffixes.
upstream_version() { local v="${1#*:}"; v="${v%%[+~-]*}"; echo "$v"; }

# supported PKG VERSION: the version is within this flavour's supported majors.
supported() {
  local pkg="$1" v major minor
  v="$(upstream_version "$2")"; major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
  case "$pkg" in
    docker.io | docker-cli) [[ " $SUPPORTED_DOCKER " == *" $major "* ]] ;;
    containerd) [[ " $SUPPORTED_CONTAINERD " == *" $major "* ]] ;;
    docker-buildx) ((major == 0 && minor >= BUILDX_MIN && minor <= BUILDX_MAX)) ;;
    *) return 0 ;;
  esac
}

# suite_of PKG: the suite an engine package comes from.
suite_of() { if [[ " ${HOST_ENGINE_PKGS[*]} " == *" $1 "* ]]; then echo "$HOST_SUITE"; else echo "$SUITE"; fi; }

# tested_version PKG: the version this script was last tested with.
tested_version() {
  local w
  for w in $TESTED; do [[ ${w%%=*} == "$1" ]] && echo "${w#*=}" && return 0; done
  return 1
}

# The private apt state of this flavour: its suite and the system's suite
# (for runc), nothing else; the system's apt configuration and state are
# neither used nor changed. Sets APT_OPTS.
private_apt() {
  local mirror="$1" keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [[ -f $keyring ]] || die "$keyring missing (package debian-archive-keyring)"
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/empty.d"
  {
    echo "deb [signed-by=$keyring] $mirror $SUITE main"
    echo "deb [signed-by=$keyring] $mirror $HOST_SUITE main"
  } >"$APT_DIR/sources.list"
  APT_OPTS=(
    -q
    -o "Dir::Etc::sourcelist=$APT_DIR/sources.list" -o "Dir::Etc::sourceparts=$APT_DIR/empty.d"
    -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache"
    -o "Dir::Etc::preferences=$APT_DIR/preferences" -o "Dir::Etc::preferencesparts=$APT_DIR/empty.d"
    -o "APT::Sandbox::User=root" -o "Acquire::Languages=none"
  )
}

# suite_version PKG SUITE [apt opts...]: the version of PKG that SUITE has.
suite_version() {
  local pkg="$1" suite="$2"; shift 2
  apt-cache "$@" madison "$pkg" 2>/dev/null |
    awk -F' [|] ' -v p="$pkg" -v s=" $suite/" '{ gsub(/^ +| +$/, "", $1); gsub(/ /, "", $2) }
      $1 == p && index($3, s) { print $2; exit }'
}

# verify_deb FILE [apt opts...]: FILE's SHA256 (sha256sum) is the one the
# Packages index of those apt options lists for that package and version.
# apt itself checked the index against the suite's signed InRelease file.
# Prints the checksum.
verify_deb() {
  local file="$1" pkg ver arch got want; shift
  pkg="$(dpkg-deb -f "$file" Package)" ver="$(dpkg-deb -f "$file" Version)" arch="$(dpkg-deb -f "$file" Architecture)"
  got="$(sha256sum "$file" | cut -d' ' -f1)"
  want="$(apt-cache "$@" show "$pkg:$arch=$ver" 2>/dev/null | awk '/^SHA256: / { print $2 }' | sort -u)"
  if [[ -z $want ]]; then
    log "cannot verify $(basename "$file"): the Packages index has no $pkg $ver"
    return 1
  fi
  if ! grep -qxF "$got" <<<"$want"; then
    log "$(basename "$file"): sha256 $got is not the archive's ($(tr '\n' ' ' <<<"$want"))"
    return 1
  fi
  echo "$got"
}

# deb_in DIR PKG: the .deb of PKG in DIR (newest if several), or nothing.
deb_in() {
  local f
  # shellcheck disable=SC2012 # deb file names are plain
  f="$(ls "$1/$2"_*.deb 2>/dev/null | sort -V | tail -n 1)" || true
  [[ -n $f ]] && echo "$f"
}

# unpack_into PREFIX DEB...: `dpkg -x` the debs into PREFIX, unless PREFIX
# already holds exactly that set (its .set stamp). Another set is unpacked
# into a new directory that then replaces PREFIX (a daemon running from the
# old one keeps its files).
unpack_into() {
  local prefix="$1" deb want; shift
  want="$(for deb in "$@"; do basename "$deb"; done | sort)"
  if [[ -f $prefix/.set && "$(<"$prefix/.set")" == "$want" ]]; then return 0; fi
  rm -rf "$prefix.new"; mkdir -p "$prefix.new"
  for deb in "$@"; do
    log "unpacking $(basename "$deb")"
    dpkg -x "$deb" "$prefix.new" || { rm -rf "$prefix.new"; die "dpkg -x $deb failed"; }
  done
  printf '%s\n' "$want" >"$prefix.new/.set"
  rm -rf "$prefix.old"
  [[ -d $prefix ]] && mv "$prefix" "$prefix.old"
  mv "$prefix.new" "$prefix"
  rm -rf "$prefix.old"
}

# The tools (docker-registry, busybox-static): the system's suite, through the
# system's apt sources (`apt-get update` once if apt does not know them yet),
# verified against the system's Packages index when downloaded; the checksum
# is kept beside the deb and checked again on every later start.
ensure_tools() {
  local p deb sum debs=()
  mkdir -p "$TOOLS_DEB_DIR"
  for p in "${TOOL_PKGS[@]}"; do
    deb="$(deb_in "$TOOLS_DEB_DIR" "$p")" || deb=""
    if [[ -n $deb && -f $deb.sha256 && "$(sha256sum "$deb" | cut -d' ' -f1)" == "$(<"$deb.sha256")" ]]; then
      debs+=("$deb"); continue
    fi
    rm -f "$TOOLS_DEB_DIR/$p"_*.deb "$TOOLS_DEB_DIR/$p"_*.deb.sha256
    log "downloading $p (system apt sources)"
    if ! (cd "$TOOLS_DEB_DIR" && apt-get -q -o APT::Sandbox::User=root download "$p" >&2); then
      log "apt-get download failed; running apt-get update and retrying"
      apt-get -q update >&2 || die "apt-get update failed: cannot download $p (docker-registry and busybox-static come from the system's suite)"
      (cd "$TOOLS_DEB_DIR" && apt-get -q -o APT::Sandbox::User=root download "$p" >&2) || die "cannot download $p"
    fi
    deb="$(deb_in "$TOOLS_DEB_DIR" "$p")" || die "apt-get download left no $p deb"
    sum="$(verify_deb "$deb")" || { rm -f "$deb"; die "$p failed its checksum check"; }
    log "verified $(basename "$deb"): sha256 $sum, as the system's Packages index says (sha256sum)"
    echo "$sum" >"$deb.sha256"
    debs+=("$deb")
  done
  unpack_into "$TOOLS_PREFIX" "${debs[@]}"
  [[ -x $BUSYBOX ]] || die "$BUSYBOX missing after unpacking busybox-static"
  [[ -x $REGISTRY_BIN ]] || die "$REGISTRY_BIN missing after unpacking docker-registry"
}

# manifest_ok DIR: DIR/MANIFEST ("PKG VERSION FILE SHA256 SUITE" lines) names
# one deb for every engine package, and each is there with that checksum.
manifest_ok() {
  local dir="$1" pkg ver file sum suite n=0
  [[ -f $dir/MANIFEST ]] || return 1
  while read -r pkg ver file sum suite; do
    [[ -n $pkg ]] || continue
    [[ " ${ENGINE_PKGS[*]} ${HOST_ENGINE_PKGS[*]} " == *" $pkg "* ]] || return 1
    if [[ ! -f $dir/$file ]]; then log "$dir/$file is missing: the set there is not usable"; return 1; fi
    if [[ "$(sha256sum "$dir/$file" | cut -d' ' -f1)" != "$sum" ]]; then
      log "$dir/$file does not match its recorded sha256: the set there is not usable"; return 1
    fi
    n=$((n + 1))
  done <"$dir/MANIFEST"
  ((n == ${#ENGINE_PKGS[@]} + ${#HOST_ENGINE_PKGS[@]}))
}

# manifest_debs DIR: the deb paths of DIR's MANIFEST.
manifest_debs() { awk -v d="$1" 'NF >= 3 { print d "/" $3 }' "$1/MANIFEST"; }

# fetch_engine_set: ask the flavour's suite for its current versions of the
# engine packages (and the system suite for runc), check they are within the
# supported majors, download them into $DL_DIR and verify each against the
# archive's checksum. Writes $DL_DIR/MANIFEST. Returns 1 (with FETCH_ERROR)
# when no usable set can be had from the network.
fetch_engine_set() {
  local mirror p v want deb sum tested moved=() bad=()
  FETCH_ERROR=""
  mirror="$(debian_mirror)"
  private_apt "$mirror"
  log "asking $SUITE (and $HOST_SUITE, for ${HOST_ENGINE_PKGS[*]}) at $mirror for the engine's packages"
  if ! apt-get "${APT_OPTS[@]}" --error-on=any update >"$APT_DIR/update.log" 2>&1; then
    sed 's/^/    /' "$APT_DIR/update.log" | tail -n 5 >&2
    FETCH_ERROR="apt-get update of $SUITE from $mirror failed (no network?)"
    return 1
  fi
  declare -gA FETCH_VERSION=()
  for p in "${ENGINE_PKGS[@]}" "${HOST_ENGINE_PKGS[@]}"; do
    want="$(suite_of "$p")"
    v="$(suite_version "$p" "$want" "${APT_OPTS[@]}")"
    if [[ -z $v ]]; then FETCH_ERROR="$want has no package $p"; return 1; fi
    FETCH_VERSION[$p]="$v"
    supported "$p" "$v" || bad+=("$p $v")
    if tested="$(tested_version "$p")" && [[ $tested != "$v" ]]; then moved+=("$p $tested -> $v"); fi
  done
  if ((${#bad[@]})); then
    FETCH_ERROR="$SUITE now has $(join_by ', ' "${bad[@]}"), outside the supported majors ($SUPPORTED_TEXT)"
    return 1
  fi
  if ((${#moved[@]})); then
    log "NOTE: $SUITE has moved on from the versions this script was tested with: $(join_by ', ' "${moved[@]}")"
    log "NOTE: taking $SUITE's current versions, which are within the supported majors ($SUPPORTED_TEXT)"
  fi
  mkdir -p "$DL_DIR"
  : >"$DL_DIR/MANIFEST.new"
  for p in "${ENGINE_PKGS[@]}" "${HOST_ENGINE_PKGS[@]}"; do
    v="${FETCH_VERSION[$p]}"
    want="$(suite_of "$p")"
    deb=""
    for f in "$DL_DIR/$p"_*.deb; do
      [[ -f $f && "$(dpkg-deb -f "$f" Version 2>/dev/null)" == "$v" ]] && deb="$f" && continue
      rm -f "$f"   # another version: gone from the suite, or never passed
    done
    if [[ -z $deb ]]; then
      log "downloading $p $v ($want)"
      if ! (cd "$DL_DIR" && apt-get "${APT_OPTS[@]}" download "$p=$v" >&2); then
        FETCH_ERROR="apt-get download $p=$v from $want failed"
        return 1
      fi
      deb="$(deb_in "$DL_DIR" "$p")" || { FETCH_ERROR="apt-get download left no $p deb"; return 1; }
    fi
    if ! sum="$(verify_deb "$deb" "${APT_OPTS[@]}")"; then
      rm -f "$deb"
      FETCH_ERROR="$(basename "$deb") failed its checksum check against $want's Packages index"
      return 1
    fi
    log "verified $(basename "$deb"): sha256 $sum, as $want's Packages index says (sha256sum)"
    echo "$p $v $(basename "$deb") $sum $want" >>"$DL_DIR/MANIFEST.new"
  done
  mv "$DL_DIR/MANIFEST.new" "$DL_DIR/MANIFEST"
}

# promote_download: the downloaded set started and passed the probe: it is
# the last-good set now.
promote_download() {
  rm -rf "$GOOD_DIR.old"
  [[ -d $GOOD_DIR ]] && mv "$GOOD_DIR" "$GOOD_DIR.old"
  mv "$DL_DIR" "$GOOD_DIR"
  rm -rf "$GOOD_DIR.old"
  log "kept as the last-good $FLAVOR set: $GOOD_DIR (later starts use it without the network)"
}

# install_engine_set DIR: unpack DIR's debs into $PREFIX and link the
# engine's programs into $BIN_DIR.
install_engine_set() {
  local dir="$1" debs=() b src d
  mapfile -t debs < <(manifest_debs "$dir")
  unpack_into "$PREFIX" "${debs[@]}"
  # One directory with just the engine's programs, for PATH (the daemons find
  # containerd-shim-runc-v2 and runc through it; users find the engine's CLI).
  mkdir -p "$BIN_DIR"
  for b in "${ENGINE_PROGRAMS[@]}"; do
    src=""
    for d in usr/bin usr/sbin; do [[ -e $PREFIX/$d/$b ]] && src="$PREFIX/$d/$b" && break; done
    [[ -n $src ]] || die "$b missing from the unpacked packages"
    ln -sfn "$src" "$BIN_DIR/$b"
  done
  [[ -x $BUILDX_PLUGIN ]] || die "docker-buildx plugin missing"
}

# ---------------------------------------------------------------- registries --
# registry_config NAME: write the registry's config.yml; the auth one gets
# the htpasswd file.
registry_config() {
  local name="$1" dir="$REGISTRY_DIR/$1"
  mkdir -p "$dir/data"
  {
    echo "version: 0.1"
    echo "log:"
    echo "  level: info"
    echo "  fields:"
    echo "    service: bbc-registry-$name"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $dir/data"
    echo "  delete:"
    echo "    enabled: true"
    echo "http:"
    echo "  addr: ${REGISTRY_ADDR[$name]}"
    echo "  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    if [[ $name == auth ]]; then
      echo "auth:"
      echo "  htpasswd:"
      echo "    realm: bbc-registry"
      echo "    path: $dir/htpasswd"
    fi
  } >"$dir/config.yml"
  if [[ $name == auth ]]; then printf '%s\n' "$AUTH_HTPASSWD_LINE" >"$dir/htpasswd"; fi
}

# registry_up NAME: it answers its /v2/ as it should without credentials.
registry_up() { [[ "$(http_code "http://${REGISTRY_ADDR[$1]}/v2/")" == "${REGISTRY_ANSWER[$1]}" ]]; }

# ensure_registry NAME: reuse ours if it runs, else start it fresh.
# Sets STARTED_<NAME>=true|false.
ensure_registry() {
  local name="$1" addr="${REGISTRY_ADDR[$1]}" pid i
  if pid="$(pid_of "registry-$name")"; then
    if registry_up "$name"; then
      log "registry $name: reusing ours (pid $pid) on $addr"
      printf -v "STARTED_${name^^}" false
      return
    fi
    log "registry $name (pid $pid) does not answer on $addr: restarting it"
    stop_pid "registry-$name" 10 >/dev/null || true
  fi
  if port_busy "${addr##*:}"; then
    die "$addr is in use by something this script did not start; stop it or set ${REGISTRY_PORT_VAR[$name]}"
  fi
  rm -rf "$REGISTRY_DIR/$name/data"   # a fresh registry starts empty
  registry_config "$name"
  spawn "registry-$name" "$LOG_DIR/registry-$name.log" \
    "$REGISTRY_BIN" serve "$REGISTRY_DIR/$name/config.yml"
  for ((i = 0; i < 200; i++)); do
    registry_up "$name" && break
    pid_of "registry-$name" >/dev/null || break
    sleep 0.1
  done
  if ! registry_up "$name"; then
    tail -n 20 "$LOG_DIR/registry-$name.log" >&2 || true
    die "registry $name did not answer on $addr/v2/"
  fi
  if [[ $name == auth && "$(http_code "http://$addr/v2/" -u "$AUTH_USER:$AUTH_PASSWORD")" != 200 ]]; then
    die "registry auth refuses $AUTH_USER's password (htpasswd)"
  fi
  log "registry $name: started on $addr"
  printf -v "STARTED_${name^^}" true
}

# -------------------------------------------------------------------- engine --
# A private DOCKER_CONFIG: logins made by tests never reach ~/.docker, and each
# `start` begins logged out. BUILDX is the docker-buildx plugin to link in.
prepare_docker_config() {
  local buildx="$1"
  mkdir -p "$DOCKER_CONFIG_DIR/cli-plugins"
  echo '{}' >"$DOCKER_CONFIG_DIR/config.json"
  if [[ -n $buildx ]]; then
    ln -sfn "$buildx" "$DOCKER_CONFIG_DIR/cli-plugins/docker-buildx"
  else
    rm -f "$DOCKER_CONFIG_DIR/cli-plugins/docker-buildx"
  fi
}

# with_engine HOST PATH CMD...: run CMD against that engine with our config.
with_engine() {
  local host="$1" path="$2"; shift 2
  env -u DOCKER_CONTEXT DOCKER_HOST="$host" DOCKER_CONFIG="$DOCKER_CONFIG_DIR" PATH="$path" "$@"
}

# probe HOST PATH: a real tiny build (COPY + RUN, --network=none) that exports
# a registry cache (mode=max, image manifest, OCI media types, no
# ignore-error) to our open registry. Output only on failure, to
# $LOG_DIR/probe.log. The probe's cache tag is deleted again.
probe() {
  local host="$1" path="$2" ctx="$ENGINE_DIR/probe" ref digest
  ref="$REGISTRY/bbc-engine-probe:cache"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp "$BUSYBOX" "$ctx/busybox"
  head -c 16 /dev/urandom | od -An -tx1 >"$ctx/nonce"   # so the RUN really runs
  cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
COPY nonce /nonce
RUN ["/bin/busybox", "cp", "/nonce", "/probe"]
EOF
  if ! with_engine "$host" "$path" timeout 180 docker buildx build --network=none --progress=plain \
    --output type=cacheonly \
    --cache-to "type=registry,ref=$ref,mode=max,image-manifest=true,oci-mediatypes=true" \
    "$ctx" >"$LOG_DIR/probe.log" 2>&1; then
    return 1
  fi
  grep -q 'writing cache image manifest\|writing cache manifest' "$LOG_DIR/probe.log" || return 1
  digest="$(curl -s -m 5 -I -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REGISTRY/v2/bbc-engine-probe/manifests/cache" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }')"
  [[ -n $digest ]] || return 1
  curl -s -m 5 -o /dev/null -X DELETE "http://$REGISTRY/v2/bbc-engine-probe/manifests/$digest" || true
  rm -rf "$ctx"
}

# The engine the caller's environment points at: DOCKER_HOST, else the current
# docker context's endpoint. Sets EXT_HOST and EXT_BUILDX.
find_external_engine() {
  EXT_HOST="" EXT_BUILDX=""
  command -v docker >/dev/null || return 1
  if [[ -n ${DOCKER_HOST:-} ]]; then
    EXT_HOST="$DOCKER_HOST"
  else
    EXT_HOST="$(timeout 10 docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null)" ||
      EXT_HOST=""
    [[ -n $EXT_HOST ]] || EXT_HOST="unix:///var/run/docker.sock"
  fi
  [[ $EXT_HOST != "$PRIVATE_DOCKER_HOST" ]] || return 1   # ours, not running
  # With a private DOCKER_CONFIG the CLI still finds the system-wide plugin
  # dirs; only a plugin in the user's own config dir must be linked in.
  local user_plugin="${DOCKER_CONFIG:-${HOME:-/root}/.docker}/cli-plugins/docker-buildx"
  [[ -x $user_plugin ]] && EXT_BUILDX="$(readlink -f "$user_plugin")"
  return 0
}

try_external_engine() {
  find_external_engine || { log "external engine: no docker CLI"; return 1; }
  prepare_docker_config "$EXT_BUILDX"
  if ! with_engine "$EXT_HOST" "$ORIG_PATH" timeout 20 docker info >/dev/null 2>&1; then
    log "external engine: nothing answers at $EXT_HOST"; return 1
  fi
  if ! with_engine "$EXT_HOST" "$ORIG_PATH" timeout 20 docker buildx version >/dev/null 2>&1; then
    log "external engine at $EXT_HOST: the docker CLI has no buildx plugin"; return 1
  fi
  if ! probe "$EXT_HOST" "$ORIG_PATH"; then
    log "external engine at $EXT_HOST cannot export a registry cache to $REGISTRY:"
    tail -n 5 "$LOG_DIR/probe.log" | sed 's/^/    /' >&2 || true
    return 1
  fi
  log "external engine at $EXT_HOST: reusing it (registry cache export works)"
}

private_engine_up() {
  pid_of dockerd >/dev/null && pid_of containerd >/dev/null &&
    with_engine "$PRIVATE_DOCKER_HOST" "$BIN_DIR:$ORIG_PATH" timeout 10 docker info >/dev/null 2>&1
}

# try_engine_set DIR: unpack DIR's debs, start containerd and dockerd on them
# and run the probe build. Returns 1 (engine stopped again) on any failure.
try_engine_set() {
  local dir="$1" path="$BIN_DIR:$ORIG_PATH" i
  install_engine_set "$dir"
  prepare_docker_config "$BUILDX_PLUGIN"

  # A crashed earlier engine may have left its pieces behind.
  stop_engine_processes >/dev/null || true

  # containerd of our own (own root, state and socket), so dockerd never
  # attaches to a system containerd at /run/containerd/containerd.sock.
  # (containerd 2 reads this version 2 config too.)
  mkdir -p "$CONTAINERD_DIR"
  cat >"$CONTAINERD_DIR/config.toml" <<EOT
version = 2
root = "$CONTAINERD_DIR/root"
state = "$CONTAINERD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CONTAINERD_SOCK"

[debug]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$CONTAINERD_DIR/opt"
EOT
  spawn containerd "$LOG_DIR/containerd.log" containerd --config "$CONTAINERD_DIR/config.toml"
  for ((i = 0; i < WAIT_SECS * 10; i++)); do
    PATH="$path" timeout 5 ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1 && break
    pid_of containerd >/dev/null || break
    sleep 0.1
  done
  if ! PATH="$path" timeout 5 ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
    tail -n 30 "$LOG_DIR/containerd.log" >&2 || true
    log "containerd did not answer on $CONTAINERD_SOCK (log: $LOG_DIR/containerd.log)"
    stop_engine_processes >/dev/null || true
    return 1
  fi

  # dockerd: the containerd image store is what lets the `docker` buildx
  # driver export registry caches.
  if ! run_dockerd dockerd "$PRIVATE_DOCKER_HOST" '"features": { "containerd-snapshotter": true },' \
    --data-root "$ENGINE_DIR/docker-data" --exec-root "$ENGINE_DIR/docker-exec"; then
    stop_engine_processes >/dev/null || true
    return 1
  fi
  if ! probe "$PRIVATE_DOCKER_HOST" "$path"; then
    tail -n 30 "$LOG_DIR/probe.log" >&2 || true
    log "the engine runs but cannot export a registry cache (log: $LOG_DIR/probe.log)"
    stop_engine_processes >/dev/null || true
    return 1
  fi
  cp "$dir/MANIFEST" "$RUN_MANIFEST"
  printf '%s' "$FLAVOR" >"$RUN_FLAVOR"
}

# The private engine of this flavour: the last-good debs if there are any
# (no network), else (or with BBC_ENGINE_REFRESH=1) the suite's current ones,
# which become the last-good set once they pass the probe. Sets DEBS_FROM.
start_private_engine() {
  [[ $(id -u) == 0 ]] || die "the private engine needs root"
  local have_good=false
  manifest_ok "$GOOD_DIR" && have_good=true
  if [[ $have_good == true && $REFRESH != 1 ]]; then
    log "$FLAVOR engine: using the last-good debs in $GOOD_DIR (no network)"
    if try_engine_set "$GOOD_DIR"; then DEBS_FROM=last-good; return 0; fi
    die "the last-good $FLAVOR debs in $GOOD_DIR did not start or failed the probe build (see above; logs in $LOG_DIR). BBC_ENGINE_REFRESH=1 tries $SUITE's current debs instead"
  fi
  [[ $REFRESH == 1 ]] && log "BBC_ENGINE_REFRESH=1: asking $SUITE for its current debs"
  [[ $have_good == false ]] && log "$FLAVOR engine: no usable last-good set in $GOOD_DIR: downloading from $SUITE"
  if fetch_engine_set; then
    if try_engine_set "$DL_DIR"; then
      promote_download
      DEBS_FROM=downloaded
      return 0
    fi
    FETCH_ERROR="$SUITE's current debs ($(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' "$DL_DIR/MANIFEST")) did not start or failed the probe build (see above; logs in $LOG_DIR)"
  fi
  if [[ $have_good == true ]]; then
    log "$FETCH_ERROR; falling back to the last-good set"
    if try_engine_set "$GOOD_DIR"; then DEBS_FROM=last-good; return 0; fi
    die "neither $SUITE's current debs nor the last-good set in $GOOD_DIR give a working engine (see above; logs in $LOG_DIR)"
  fi
  die_no_engine "$FETCH_ERROR"
}

# Start a dockerd NAME on HOST (unix://...) on our containerd, with FEATURES
# (a JSON fragment) in its config, and wait until it answers. No bridge, no
# iptables, no port proxy: nothing reaches beyond this machine.
run_dockerd() {
  local name="$1" host="$2" features="$3" path="$BIN_DIR:$ORIG_PATH" i
  shift 3
  cat >"$ENGINE_DIR/$name.json" <<EOF
{
  $features
  "bridge": "none",
  "iptables": false,
  "ip6tables": false,
  "ip-forward": false,
  "ip-masq": false,
  "userland-proxy": false
}
EOF
  spawn "$name" "$LOG_DIR/$name.log" dockerd \
    --config-file "$ENGINE_DIR/$name.json" \
    --pidfile "$RUN_DIR/$name-self.pid" \
    --containerd "$CONTAINERD_SOCK" \
    -H "$host" "$@"
  for ((i = 0; i < WAIT_SECS; i++)); do
    with_engine "$host" "$path" timeout 5 docker info >/dev/null 2>&1 && break
    pid_of "$name" >/dev/null || break
    sleep 1
  done
  if ! with_engine "$host" "$path" timeout 5 docker info >/dev/null 2>&1; then
    tail -n 30 "$LOG_DIR/$name.log" >&2 || true
    log "$name did not answer on $host within ${WAIT_SECS}s (log: $LOG_DIR/$name.log)"
    return 1
  fi
}

# The classic dockerd: only next to our private engine (it shares its containerd).
start_classic_engine() {
  local path="$BIN_DIR:$ORIG_PATH"
  if pid_of dockerd-classic >/dev/null &&
    with_engine "$CLASSIC_DOCKER_HOST" "$path" timeout 10 docker info >/dev/null 2>&1; then
    log "classic engine: reusing ours (dockerd pid $(pid_of dockerd-classic))"
    return 0
  fi
  run_dockerd dockerd-classic "$CLASSIC_DOCKER_HOST" '' \
    --data-root "$ENGINE_DIR/docker-classic-data" --exec-root "$ENGINE_DIR/docker-classic-exec" \
    --containerd-namespace bbc-classic --containerd-plugins-namespace bbc-classic-plugins ||
    die "the classic dockerd did not start"
  log "classic engine: started (dockerd pid $(pid_of dockerd-classic))"
}

# Stop dockerd and containerd (ours only), then the runc shims that belonged
# to our containerd, then unmount anything left mounted under $ENGINE_DIR.
stop_engine_processes() {
  local any=1 pid cmd m
  stop_pid dockerd-classic 40 && any=0
  rm -f "$RUN_DIR/dockerd-classic-self.pid"
  stop_pid dockerd 40 && any=0
  stop_pid containerd 15 && any=0
  rm -f "$RUN_DIR/dockerd-self.pid"
  for pid in /proc/[0-9]*; do
    pid="${pid#/proc/}"
    cmd="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || continue
    if [[ $cmd == *containerd-shim*"$CONTAINERD_SOCK"* ]]; then
      kill -KILL "$pid" 2>/dev/null && echo "stopped leftover shim (pid $pid)" && any=0
    fi
  done
  while read -r m; do
    umount -l "$m" 2>/dev/null && any=0
  done < <(awk -v d="$ENGINE_DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
  return $any
}

# ------------------------------------------------------------------ env files --
# engine_versions HOST PATH KIND: set V_DOCKER, V_BUILDX, V_CONTAINERD, V_RUNC
# from the programs themselves (for an external engine: what its API says).
engine_versions() {
  local host="$1" path="$2" kind="$3"
  V_DOCKER="$(with_engine "$host" "$path" timeout 10 docker version --format '{{.Server.Version}}' 2>/dev/null)" || V_DOCKER=""
  V_BUILDX="$(with_engine "$host" "$path" timeout 10 docker buildx version 2>/dev/null | awk '{ print $2 }')" || V_BUILDX=""
  if [[ $kind == private ]]; then
    V_CONTAINERD="$(PATH="$path" containerd --version 2>/dev/null | awk '{ print $3 }')" || V_CONTAINERD=""
    V_RUNC="$(PATH="$path" runc --version 2>/dev/null | awk 'NR == 1 { print $3 }')" || V_RUNC=""
  else
    V_CONTAINERD="$(with_engine "$host" "$path" timeout 10 docker version --format '{{range .Server.Components}}{{if eq .Name "containerd"}}{{.Version}}{{end}}{{end}}' 2>/dev/null)" || V_CONTAINERD=""
    V_RUNC="$(with_engine "$host" "$path" timeout 10 docker version --format '{{range .Server.Components}}{{if eq .Name "runc"}}{{.Version}}{{end}}{{end}}' 2>/dev/null)" || V_RUNC=""
  fi
}

# print_versions: the versions and debs of the engine in this $ENGINE_DIR, as
# the env files recorded them.
print_versions() {
  local kind flavor from
  kind="$(cat "$RUN_DIR/engine-kind" 2>/dev/null || echo none)"
  flavor="$(cat "$RUN_FLAVOR" 2>/dev/null || echo "$kind")"
  from="$(cat "$RUN_DIR/engine-debs-from" 2>/dev/null || echo "")"
  echo "  engine:        $kind ($flavor) dockerd ${V_DOCKER:-?}, containerd ${V_CONTAINERD:-?}, buildx ${V_BUILDX:-?}, runc ${V_RUNC:-?}"
  if [[ $kind == private && -f $RUN_MANIFEST ]]; then
    case "$from" in
      last-good) from="the last-good set (no download)" ;;
      downloaded) from="downloaded by this start, then kept as the last-good set" ;;
    esac
    echo "  debs:          ${from:-?}; each checked against its suite's Packages SHA256:"
    awk '{ printf "                 %-46s %-7s sha256 %s\n", $3, $5, substr($4, 1, 16) "..." }' "$RUN_MANIFEST"
  fi
}

# write_env HOST PATH KIND BINDIR FLAVOR: ENV_FILE and ENV_JSON, from one
# list of facts: the name in ENV_FILE (- for ENV_JSON only), the key in
# ENV_JSON, the value. e2e/lib.ts reads ENV_JSON.
write_env() {
  local host="$1" path="$2" kind="$3" bindir="$4" flavor="$5" debs_json="[]" i
  engine_versions "$host" "$path" "$kind"
  if [[ $kind == private && -f $RUN_MANIFEST ]]; then
    debs_json="[$(awk '{ printf "%s\"%s\"", (NR > 1 ? ", " : ""), $3 }' "$RUN_MANIFEST")]"
  fi
  local facts=(
    DOCKER_HOST DOCKER_HOST "$host"
    DOCKER_CONFIG DOCKER_CONFIG "$DOCKER_CONFIG_DIR"
    PATH PATH "$path"
    BBC_REGISTRY registry "$REGISTRY"
    BBC_AUTH_REGISTRY authRegistry "$AUTH_REGISTRY"
    BBC_AUTH_USER authUser "$AUTH_USER"
    BBC_AUTH_PASSWORD authPassword "$AUTH_PASSWORD"
    BBC_BUSYBOX busybox "$BUSYBOX"
    - registryBin "$REGISTRY_BIN"
    - classicDockerHost "$CLASSIC_HOST"
    BBC_ENGINE_KIND engine "$kind"
    - flavor "$flavor"
    BBC_ENGINE_DIR engineDir "$ENGINE_DIR"
    - binDir "$bindir"
    - dockerVersion "$V_DOCKER"
    - buildxVersion "$V_BUILDX"
    - containerdVersion "$V_CONTAINERD"
    - runcVersion "$V_RUNC"
    - debsFrom "$DEBS_FROM"
  )
  {
    echo 'unset DOCKER_CONTEXT'
    for ((i = 0; i < ${#facts[@]}; i += 3)); do
      [[ ${facts[i]} == - ]] || printf 'export %s=%q\n' "${facts[i]}" "${facts[i + 2]}"
    done
  } >"$ENV_FILE.tmp"
  {
    echo "{"
    for ((i = 0; i < ${#facts[@]}; i += 3)); do
      echo "  \"${facts[i + 1]}\": $(json_str "${facts[i + 2]}"),"
    done
    echo "  \"debs\": $debs_json,"
    echo "  \"started\": { \"engine\": $STARTED_ENGINE, \"registry\": $STARTED_OPEN, \"authRegistry\": $STARTED_AUTH }"
    echo "}"
  } >"$ENV_JSON.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  mv "$ENV_JSON.tmp" "$ENV_JSON"
  printf '%s' "$kind" >"$RUN_DIR/engine-kind"
  printf '%s' "$DEBS_FROM" >"$RUN_DIR/engine-debs-from"
}

# ------------------------------------------------------------------ commands --
STARTED_NOW=()

# If `start` fails half-way, stop what this very run started.
on_start_exit() {
  local rc=$?
  if ((rc != 0 && ${#STARTED_NOW[@]})); then
    log "start failed: stopping what this run started (${STARTED_NOW[*]})"
    local n
    for n in "${STARTED_NOW[@]}"; do stop_pid "$n" 20 >/dev/null 2>&1 || true; done
  fi
}

cmd_start() {
  local t0; t0="$(now)"
  case "$ENGINE_MODE" in
    private) ;;
    auto) log "BBC_ENGINE=auto is the old name of private: starting a private engine (BBC_ENGINE=external for the DOCKER_HOST engine)"; ENGINE_MODE=private ;;
    external) ;;
    *) die "BBC_ENGINE must be private or external (auto = private)" ;;
  esac
  command -v curl >/dev/null || die "curl is needed"
  take_lock
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$REGISTRY_DIR" "$CACHE_DIR"
  trap on_start_exit EXIT

  take_cache_lock
  ensure_tools
  drop_cache_lock
  ensure_registry open
  ensure_registry auth

  local host path kind bindir flavor running
  STARTED_ENGINE=false DEBS_FROM=""
  if [[ $ENGINE_MODE == private ]]; then
    host="$PRIVATE_DOCKER_HOST" path="$BIN_DIR:$ORIG_PATH" kind=private bindir="$BIN_DIR" flavor="$FLAVOR"
    running="$(cat "$RUN_FLAVOR" 2>/dev/null || true)"
    if private_engine_up && [[ -n $running && $running != "$FLAVOR" ]]; then
      die "the engine running in $ENGINE_DIR is the $running one, not $FLAVOR: stop it first (bash $0 stop) or give the $FLAVOR engine its own BBC_ENGINE_DIR and ports"
    fi
    if private_engine_up && [[ $running == "$FLAVOR" ]]; then
      log "private engine: reusing ours ($FLAVOR, dockerd pid $(pid_of dockerd))"
      prepare_docker_config "$BUILDX_PLUGIN"
      DEBS_FROM="$(cat "$RUN_DIR/engine-debs-from" 2>/dev/null || true)"
    else
      take_cache_lock
      start_private_engine
      drop_cache_lock
      STARTED_ENGINE=true
      log "private engine: started (dockerd pid $(pid_of dockerd), containerd pid $(pid_of containerd))"
    fi
  else
    try_external_engine || die "BBC_ENGINE=external, but no usable engine at ${EXT_HOST:-DOCKER_HOST} (see above)"
    host="$EXT_HOST" path="$ORIG_PATH" kind=external bindir="" flavor=external DEBS_FROM=external
    printf '%s' external >"$RUN_FLAVOR"
    rm -f "$RUN_MANIFEST"
  fi

  CLASSIC_HOST=""
  if [[ $kind == private ]]; then
    start_classic_engine
    CLASSIC_HOST="$CLASSIC_DOCKER_HOST"
  fi

  write_env "$host" "$path" "$kind" "$bindir" "$flavor"
  trap - EXIT

  word() { [[ $1 == true ]] && echo started || echo reused; }
  echo "test engine ready in $(elapsed "$t0")s ($kind engine $(word "$STARTED_ENGINE"), DOCKER_HOST=$host)"
  print_versions
  echo "  registry:      $REGISTRY ($(word "$STARTED_OPEN"))"
  echo "  auth registry: $AUTH_REGISTRY user $AUTH_USER ($(word "$STARTED_AUTH"))"
  echo "  env:           $ENV_FILE, $ENV_JSON"
}

# stop [engine] [registry] [auth-registry]: the pieces named, or all.
cmd_stop() {
  if [[ ! -d $ENGINE_DIR ]]; then echo "test engine: nothing to stop"; return 0; fi
  local want=" $* " p
  for p in "$@"; do
    case "$p" in engine | registry | auth-registry) ;; *) die "stop: unknown piece '$p' (engine, registry, auth-registry)" ;; esac
  done
  [[ $want == "  " ]] && want=" engine registry auth-registry "
  take_lock
  local out
  out="$(
    [[ $want == *" registry "* ]] && { stop_pid registry-open 10 || true; }
    [[ $want == *" auth-registry "* ]] && { stop_pid registry-auth 10 || true; }
    [[ $want == *" engine "* ]] && { stop_engine_processes || true; }
    true
  )"
  if [[ $want == *" engine "* ]]; then
    rm -f "$ENV_FILE" "$ENV_JSON" "$RUN_DIR/engine-kind" "$RUN_FLAVOR" "$RUN_MANIFEST" "$RUN_DIR/engine-debs-from"
  fi
  if [[ -n $out ]]; then echo "$out"; else echo "test engine: nothing was running"; fi
}

cmd_status() {
  local ok=0 pid kind host=""
  kind="$(cat "$RUN_DIR/engine-kind" 2>/dev/null || echo none)"
  # shellcheck disable=SC1090
  [[ -f $ENV_FILE ]] && host="$(. "$ENV_FILE" && echo "$DOCKER_HOST")"
  case "$kind" in
    private)
      if pid="$(pid_of containerd)"; then echo "containerd:    up (pid $pid)"; else echo "containerd:    down"; ok=1; fi
      if pid="$(pid_of dockerd)" && private_engine_up; then
        echo "dockerd:       up (pid $pid, $PRIVATE_DOCKER_HOST, $(cat "$RUN_FLAVOR" 2>/dev/null || echo '?') flavour)"
      else echo "dockerd:       down"; ok=1; fi
      ;;
    external)
      if with_engine "$host" "$ORIG_PATH" timeout 10 docker info >/dev/null 2>&1; then
        echo "engine:        up (external, not ours: $host)"
      else echo "engine:        down (external: $host)"; ok=1; fi
      ;;
    *) echo "engine:        not started"; ok=1 ;;
  esac
  if pid="$(pid_of registry-open)" && registry_up open; then
    echo "registry:      up (pid $pid, $REGISTRY)"
  else echo "registry:      down"; ok=1; fi
  if pid="$(pid_of registry-auth)" && registry_up auth; then
    echo "auth registry: up (pid $pid, $AUTH_REGISTRY)"
  else echo "auth registry: down"; ok=1; fi
  [[ -f $ENV_JSON ]] && echo "env:           $ENV_JSON"
  return $ok
}

cmd_env() {
  [[ -f $ENV_FILE ]] || die "no $ENV_FILE: run '$0 start' first"
  cat "$ENV_FILE"
}

cmd_versions() {
  [[ -f $ENV_FILE ]] || die "no $ENV_FILE: run '$0 start' first"
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  engine_versions "$DOCKER_HOST" "$PATH" "$(cat "$RUN_DIR/engine-kind")"
  print_versions
}

usage() {
  sed -n '/^# Usage:/,/^#$/p' "$0" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
  start) cmd_start ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  versions) cmd_versions ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
