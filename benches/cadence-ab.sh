#!/usr/bin/env bash
# What the default checkpoint cadence costs (issue 19, goal 2): each binary
# crawls one generated site with `everyPages=10` (the default) and with
# `everyPages=1000`, in an order that turns from round to round (the
# machine's drift moves a crawl's time by up to a third between minutes, so
# only runs of one round compare). Prints every run, then per binary the
# median over the rounds of the ratio of the two wall times and of the two
# CPU times.
#
# Usage: benches/cadence-ab.sh PAGES BINARY...   (ROUNDS=6, PROFILE=realistic)
set -euo pipefail

PAGES=$1
shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER="$ROOT/benches/peer-spider"
SITE="$PEER/target/release/bench-site"
[ -x "$SITE" ] || (cd "$PEER" && env -u CARGO_TARGET_DIR cargo build --quiet --release)
# shellcheck source=benches/lib.sh
. "$ROOT/benches/lib.sh"

start_site "$PAGES" "${PROFILE:-realistic}"
echo
echo "Profile: ${PROFILE:-realistic}, $PAGES pages, $(nproc) cores, $(cpu_model)."
echo
echo "| binary | round | everyPages | wall s | CPU s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|"
# One run is a binary and a cadence: (binary index, everyPages).
runs=()
for i in $(seq 0 $(($# - 1))); do runs+=("$i 10" "$i 1000"); done
bins=("$@")
declare -A wall=() cpu=() wall_ratio=() cpu_ratio=()
for round in $(seq 1 "${ROUNDS:-6}"); do
  count=${#runs[@]}
  for k in $(seq 0 $((count - 1))); do
    read -r i every <<< "${runs[$(((k + round - 1) % count))]}"
    cira_scan "$every" "$PAGES" "${bins[$i]}"
    [ "$CRAWLED" = "$PAGES" ] || { echo "${bins[$i]} crawled $CRAWLED of $PAGES pages" >&2; exit 1; }
    wall[$i,$every]=$WALL
    cpu[$i,$every]=$CPU
    printf '| %s | %d | %d | %.3f | %.2f | %.0f |\n' "${bins[$i]}" "$round" "$every" \
      "$WALL" "$CPU" "$(echo "$RSS_KIB / 1024" | bc -l)"
  done
  for i in $(seq 0 $((${#bins[@]} - 1))); do
    wall_ratio[$i]+=" $(echo "${wall[$i,10]} / ${wall[$i,1000]}" | bc -l)"
    cpu_ratio[$i]+=" $(echo "${cpu[$i,10]} / ${cpu[$i,1000]}" | bc -l)"
  done
done
echo
echo "Medians over the rounds of everyPages=10 against everyPages=1000 in the same round:"
echo
echo "| binary | wall | CPU |"
echo "|---|---:|---:|"
for i in $(seq 0 $((${#bins[@]} - 1))); do
  # shellcheck disable=SC2086 # one word per round
  printf '| %s | %.3f | %.3f |\n' "${bins[$i]}" "$(median ${wall_ratio[$i]})" "$(median ${cpu_ratio[$i]})"
done
