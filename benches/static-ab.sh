#!/usr/bin/env bash
# Side-by-side rounds of several cira-crawler binaries on a static site of
# company-like pages (benches/company-site.py) served by Python's
# http.server: no peer crawler and no Rust site server to build, for a
# quick check that a change costs no CPU per page. Each round runs every
# binary once, in turn. Prints pages, wall seconds, pages/s, CPU ms/page
# (user+sys of the crawler alone) and peak RSS.
#
# Usage: benches/static-ab.sh PAGES BINARY... (ROUNDS=3 by default)
set -euo pipefail
PAGES=$1
shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
python3 "$ROOT/benches/company-site.py" "$PAGES" "$WORK/site"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$WORK/site" > /dev/null 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/')" 2>/dev/null; then break; fi
  sleep 0.05
done
echo "| binary | round | pages | wall s | pages/s | CPU ms/page | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for round in $(seq 1 "${ROUNDS:-3}"); do
  for bin in "$@"; do
    rm -rf "$WORK/state"
    start=$(date +%s%N)
    /usr/bin/time -f '%U %S %M' -o "$WORK/time" "$bin" scan "http://127.0.0.1:$PORT/" \
      --state-dir "$WORK/state" --allow-private-networks --requests-per-second 0 \
      --no-robots --no-sitemaps --concurrency 32 --max-depth 50 \
      --max-pages $((PAGES + 10)) --checkpoint-every-pages 10 \
      --pattern-budget $((PAGES + 10)) --plain-progress > /dev/null 2> "$WORK/err" || {
        echo "failed: $bin" >&2; tail -5 "$WORK/err" >&2; exit 1; }
    end=$(date +%s%N)
    read -r usr sys rss < "$WORK/time"
    pages=$(python3 -c "import json; print(json.load(open('$WORK/state/report.json'))['pagesCrawled'])")
    python3 -c "
w = ($end - $start) / 1e9
print(f'| $bin | $round | $pages | {w:.2f} | {$pages / w:.0f} | {($usr + $sys) * 1000 / $pages:.3f} | {$rss / 1024:.0f} |')"
  done
done
