#!/usr/bin/env bash
# `make scan` without URL: serves the bundled sample company website on
# 127.0.0.1 and scans it with the local crawler, so the main command works
# offline. Extra arguments go to `cira-crawler scan`.
set -euo pipefail
cd "$(dirname "$0")/.."
state_dir=${1:?usage: local-scan.sh STATE_DIR [crawler args...]}
shift

cargo build -q --release -p cira-crawler --bin cira-crawler
cargo build -q -p cira-tests --bin cira-demo
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

log=$(mktemp)
"$target/debug/cira-demo" --site-only >"$log" 2>&1 &
site_pid=$!
cleanup() { kill "$site_pid" 2>/dev/null || true; wait "$site_pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT INT TERM

url=""
for _ in $(seq 1 100); do
  url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/?' "$log" | head -n 1 || true)
  [ -n "$url" ] && break
  kill -0 "$site_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "local-scan: the sample site did not start" >&2; cat "$log" >&2; exit 1; }
echo "Scanning the bundled sample site at $url (state in $state_dir)"
"$target/release/cira-crawler" scan "$url" --state-dir "$state_dir" \
  --allow-private-networks --requests-per-second 25 --company-name "Nordwind Robotics GmbH" "$@"
