#!/usr/bin/env bash
# Side-by-side rounds of several cira-crawler binaries on one generated
# site: each round runs every binary once, in turn, so drift in the
# machine's load hits them alike. Prints pages/s, CPU ms/page and peak RSS.
#
# Usage: benches/crawl-ab.sh PAGES EVERY_PAGES BINARY... (ROUNDS=2 by default)
# The site server comes from benches/peer-spider (built here if missing).
set -euo pipefail

PAGES=$1
EVERY=$2
shift 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER="$ROOT/benches/peer-spider"
SITE="$PEER/target/release/bench-site"
[ -x "$SITE" ] || (cd "$PEER" && cargo build --quiet --release --bin bench-site)
# shellcheck source=benches/lib.sh
. "$ROOT/benches/lib.sh"
start_site "$PAGES"

echo "| binary | round | pages/s | CPU ms/page | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
for round in $(seq 1 "${ROUNDS:-2}"); do
  for bin in "$@"; do
    cira_scan "$EVERY" $((PAGES + 10)) "$bin"
    printf '| %s | %d | %.0f | %.3f | %.0f |\n' "$bin" "$round" \
      "$(echo "$PAGES / $WALL" | bc -l)" "$(echo "$CPU * 1000 / $PAGES" | bc -l)" \
      "$(echo "$RSS_KIB / 1024" | bc -l)"
  done
done
