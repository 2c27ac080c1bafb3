#!/usr/bin/env bash
# Side-by-side rounds of several cira-crawler binaries on one generated
# site: each round runs every binary once, in turn, so drift in the
# machine's load hits them alike. Prints pages/s, CPU ms/page and peak RSS.
#
# Usage: benches/crawl-ab.sh PAGES EVERY_PAGES BINARY... (ROUNDS=2 by default)
# PROFILES="realistic small" by default: one table per page profile of the
# generated site (realistic: about 24 KB company-like pages; small: about
# 2.8 KiB). The site server and the peer crawler come from
# benches/peer-spider (built here if missing); the peer runs in every round
# too, as the first row.
set -euo pipefail

PAGES=$1
EVERY=$2
shift 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER="$ROOT/benches/peer-spider"
SITE="$PEER/target/release/bench-site"
SPIDER="$PEER/target/release/spider-crawl"
[ -x "$SITE" ] && [ -x "$SPIDER" ] || (cd "$PEER" && env -u CARGO_TARGET_DIR cargo build --quiet --release)
# shellcheck source=benches/lib.sh
. "$ROOT/benches/lib.sh"
for profile in ${PROFILES:-realistic small}; do
start_site "$PAGES" "$profile"
echo
echo "Profile: $profile, $PAGES pages, everyPages=$EVERY, $(nproc) cores."
echo
echo "| binary | round | pages/s | CPU ms/page | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
for round in $(seq 1 "${ROUNDS:-2}"); do
  timed "$SPIDER" "http://127.0.0.1:$PORT/" $((PAGES + 10))
  printf '| spider | %d | %.0f | %.3f | %.0f |\n' "$round" \
    "$(echo "$PAGES / $WALL" | bc -l)" "$(echo "$CPU * 1000 / $PAGES" | bc -l)" \
    "$(echo "$RSS_KIB / 1024" | bc -l)"
  for bin in "$@"; do
    cira_scan "$EVERY" $((PAGES + 10)) "$bin"
    printf '| %s | %d | %.0f | %.3f | %.0f |\n' "$bin" "$round" \
      "$(echo "$PAGES / $WALL" | bc -l)" "$(echo "$CPU * 1000 / $PAGES" | bc -l)" \
      "$(echo "$RSS_KIB / 1024" | bc -l)"
  done
done
stop_site
done
