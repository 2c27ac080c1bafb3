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
WORK=$(mktemp -d)
SITE_PID=""
cleanup() {
  if [ -n "$SITE_PID" ]; then kill "$SITE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$SITE" "$PAGES" > "$WORK/site.out" &
SITE_PID=$!
for _ in $(seq 1 200); do
  if grep -q '^port=' "$WORK/site.out" 2>/dev/null; then break; fi
  sleep 0.05
done
PORT=$(sed -n 's/^port=//p' "$WORK/site.out")
[ -n "$PORT" ] || { echo "bench site did not start" >&2; exit 1; }

echo "| binary | round | pages/s | CPU ms/page | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
for round in $(seq 1 "${ROUNDS:-2}"); do
  for bin in "$@"; do
    rm -rf "$WORK/state"
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$bin" scan "http://127.0.0.1:$PORT/" \
      --state-dir "$WORK/state" --allow-private-networks --requests-per-second 0 \
      --no-robots --no-sitemaps --concurrency 32 --max-depth 50 \
      --max-pages $((PAGES + 10)) --pattern-budget $((PAGES + 10)) \
      --checkpoint-every-pages "$EVERY" --plain-progress > /dev/null 2>&1
    read -r WALL USR SYS RSS_KIB < "$WORK/time"
    printf '| %s | %d | %.0f | %.3f | %.0f |\n' "$bin" "$round" \
      "$(echo "$PAGES / $WALL" | bc -l)" "$(echo "($USR + $SYS) * 1000 / $PAGES" | bc -l)" \
      "$(echo "$RSS_KIB / 1024" | bc -l)"
  done
done
