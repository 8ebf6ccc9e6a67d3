#!/usr/bin/env bash
# Every benchmark by one command, from a fresh clone: sets up what is missing first (idempotent,
# package registries only), then runs it. Benchmarks print numbers and never fail on timing.
# Run them alone: a parallel build inflates timings several times on 2 cores.
#
#   bash benches/run.sh browser [options]   # Chromium streaming benchmark vs the vanilla-JS baseline
#                                           #   and deep-chat (--runs N; options: benches/browser/README.md)
#   bash benches/run.sh startup [options]   # start-up: prompt usable, app/embed/vanilla/deep-chat,
#                                           #   desktop and phone profiles (--runs N, --device, --only)
#   bash benches/run.sh decoder             # native SSE decoder vs the eventsource-stream crate
#   bash benches/run.sh wasm-decoder        # the same decoder compiled to wasm32, timed in Node's V8
#   bash benches/run.sh markdown            # incremental markdown: cost per token at 1k/10k/50k tokens
#   bash benches/run.sh size                # release build sizes (raw/gzip/brotli) vs .ci/size-budget.json
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
what=${1:-}
[ $# -gt 0 ] && shift
case "$what" in
  browser)
    bash .ci/setup
    [ -f dist/index.html ] || trunk build --release
    exec node benches/browser/run.mjs "$@" ;;
  startup)
    bash .ci/setup
    [ -f dist/index.html ] || trunk build --release
    exec node benches/browser/startup.mjs "$@" ;;
  decoder) exec cargo bench --bench decoder ;;
  markdown) exec cargo bench --bench markdown ;;
  wasm-decoder)
    bash .ci/setup
    exec node benches/wasm-decoder.mjs "$@" ;;
  size)
    bash .ci/setup build
    [ -f dist/index.html ] || trunk build --release
    exec bash .ci/size ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
