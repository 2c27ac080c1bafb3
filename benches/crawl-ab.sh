#!/usr/bin/env bash
# Side-by-side rounds of several cira-crawler binaries on one generated
# site: each round runs the peer and every binary once, in an order that
# turns from round to round, so drift in the machine's load hits them alike.
# Prints pages/s, CPU ms/page and peak RSS per run, then per binary the
# median over the rounds of its ratio to the peer's run of the same round.
#
# Usage: benches/crawl-ab.sh PAGES EVERY_PAGES BINARY... (ROUNDS=2 by default)
# PROFILES="realistic small" by default: one table per page profile of the
# generated site (realistic: about 24 KB company-like pages; small: about
# 2.8 KiB). The site server and the peer crawler come from
# benches/peer-spider (built here if missing); the peer runs in every round
# too, listed first.
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
echo "Profile: $profile, $PAGES pages, everyPages=$EVERY, $(nproc) cores, $(cpu_model)."
echo
echo "| binary | round | pages/s | CPU ms/page | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
# Per binary (index 0 is the peer), one entry per round.
declare -A cpu_ratio=() rate_ratio=() rss=()
names=(spider "$@")
for round in $(seq 1 "${ROUNDS:-2}"); do
  # The order turns each round: the machine's drift within a round (it is
  # shared and its speed moves by a third over minutes) hits every binary
  # in every position, and each binary is compared with the peer's run of
  # the same round.
  count=${#names[@]}
  for k in $(seq 0 $((count - 1))); do
    i=$(((k + round - 1) % count))
    if [ "$i" = 0 ]; then
      timed "$SPIDER" "http://127.0.0.1:$PORT/" $((PAGES + 10))
    else
      cira_scan "$EVERY" $((PAGES + 10)) "${names[$i]}"
    fi
    cpu_of[$i]=$(echo "$CPU * 1000 / $PAGES" | bc -l)
    rate_of[$i]=$(echo "$PAGES / $WALL" | bc -l)
    rss_of[$i]=$(echo "$RSS_KIB / 1024" | bc -l)
  done
  for i in $(seq 0 $((count - 1))); do
    printf '| %s | %d | %.0f | %.3f | %.0f |\n' "${names[$i]}" "$round" \
      "${rate_of[$i]}" "${cpu_of[$i]}" "${rss_of[$i]}"
    cpu_ratio[$i]+=" $(echo "${cpu_of[$i]} / ${cpu_of[0]}" | bc -l)"
    rate_ratio[$i]+=" $(echo "${rate_of[$i]} / ${rate_of[0]}" | bc -l)"
    rss[$i]+=" ${rss_of[$i]}"
  done
done
echo
echo "Medians over the rounds of each round's ratio to the peer's run in that round:"
echo
echo "| binary | CPU per page vs peer | pages/s vs peer | peak RSS MiB |"
echo "|---|---:|---:|---:|"
for i in $(seq 0 $((${#names[@]} - 1))); do
  # shellcheck disable=SC2086 # one word per round
  printf '| %s | %.2fx | %.2fx | %.0f |\n' "${names[$i]}" \
    "$(median ${cpu_ratio[$i]})" "$(median ${rate_ratio[$i]})" "$(median ${rss[$i]})"
done
unset cpu_ratio rate_ratio rss
stop_site
done
