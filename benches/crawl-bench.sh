#!/usr/bin/env bash
# Crawl benchmark: cira-crawler (extraction on, politeness off) next to the
# `spider` crate on one generated local site, in the same run; then the
# checkpoint cost at 1k/10k/50k visited URLs and peak memory of a 50k-page
# crawl.
#
# Usage: benches/crawl-bench.sh [PAGES] [BIG_PAGES]   (defaults 2000, 50000)
# Set BIG_PAGES=0 to skip the 50k-page memory run.
# BASELINE=/path/to/an/older/cira-crawler adds its rows to the same run, to
# compare a change side by side.
set -euo pipefail

PAGES=${1:-2000}
BIG_PAGES=${2:-50000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# Release builds go to CARGO_TARGET_DIR when set (a separate directory keeps
# them from waiting on another build's lock).
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PEER="$ROOT/benches/peer-spider"
# shellcheck source=benches/lib.sh
. "$ROOT/benches/lib.sh"

echo "building (release)..." >&2
(cd "$ROOT" && cargo build --quiet --release -p cira-crawler --bin cira-crawler --example checkpoint_bench)
(cd "$PEER" && env -u CARGO_TARGET_DIR cargo build --quiet --release)
CIRA="$TARGET_DIR/release/cira-crawler"
SPIDER="$PEER/target/release/spider-crawl"
SITE="$PEER/target/release/bench-site"

row() { # name pages
  printf '| %s | %s | %.3f | %.0f | %.3f | %.0f |\n' "$1" "$2" "$WALL" \
    "$(echo "$2 / $WALL" | bc -l)" "$(echo "$CPU * 1000 / $2" | bc -l)" \
    "$(echo "$RSS_KIB / 1024" | bc -l)"
}

# One comparison table on a generated site of $1 pages; the rows share it.
compare_on_site() { # pages [profile]
  local max=$(($1 + 10))
  start_site "$1" "${2:-small}"
  echo
  if [ "${2:-small}" = realistic ]; then
    echo "Site: $1 generated pages (realistic profile: about 24 KB each, 60 menu links and 12 related links per page) on 127.0.0.1; $(nproc) cores, $(cpu_model)."
  else
    echo "Site: $1 generated pages (about 2.8 KiB each, 10 links per page) on 127.0.0.1; $(nproc) cores, $(cpu_model)."
  fi
  echo
  echo "| crawler | pages | seconds | pages/s | CPU ms/page | peak RSS MiB |"
  echo "|---|---:|---:|---:|---:|---:|"
  timed "$SPIDER" "http://127.0.0.1:$PORT/" "$max"
  SPIDER_PAGES=$(sed -n 's/^pages=\([0-9]*\).*/\1/p' "$WORK/out")
  row "spider 2.53.9 (no extraction)" "$SPIDER_PAGES"
  cira_scan 10 "$max"
  row "cira-crawler, extraction on, everyPages=10 (default)" "$CRAWLED"
  cira_scan 1000 "$max"
  row "cira-crawler, extraction on, everyPages=1000" "$CRAWLED"
  if [ -n "${BASELINE:-}" ]; then
    cira_scan 10 "$max" "$BASELINE"
    row "baseline cira-crawler, everyPages=10" "$CRAWLED"
    cira_scan 1000 "$max" "$BASELINE"
    row "baseline cira-crawler, everyPages=1000" "$CRAWLED"
  fi
  stop_site
}

compare_on_site "$PAGES" realistic
compare_on_site "$PAGES" small

echo
echo "Checkpoint cost (folder store; a ConfigMap chunk holds 700 KiB):"
echo
"$TARGET_DIR/release/examples/checkpoint_bench"

if [ "$BIG_PAGES" -gt 0 ]; then
  # The same comparison on a large site, where start-up and the final
  # analysis and report no longer dominate the wall time.
  compare_on_site "$BIG_PAGES" realistic
  echo
  echo "Final checkpoint of the $BIG_PAGES-page crawl (everyPages=1000 run): $(stat -c %s "$WORK"/state/checkpoint-*.bin | sort -n | tail -1) bytes."
fi
