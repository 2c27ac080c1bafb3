# Sourced by the crawl benchmarks: a scratch folder and the generated site
# server (benches/peer-spider's bench-site), both gone when the script ends,
# and one timed cira-crawler scan of that site.
# The sourcing script sets SITE (the bench-site binary) before start_site,
# and CIRA (the default crawler binary) before cira_scan; this sets WORK,
# and PORT once the site is up; `median` is for the paired scripts' ratios.

WORK=$(mktemp -d)
SITE_PID=""
cleanup() {
  if [ -n "$SITE_PID" ]; then kill "$SITE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

start_site() { # pages [profile: small (default) or realistic]
  "$SITE" "$1" "${2:-small}" > "$WORK/site.out" &
  SITE_PID=$!
  for _ in $(seq 1 200); do
    if grep -q '^port=' "$WORK/site.out" 2>/dev/null; then break; fi
    sleep 0.05
  done
  PORT=$(sed -n 's/^port=//p' "$WORK/site.out")
  [ -n "$PORT" ] || { echo "bench site did not start" >&2; exit 1; }
}

stop_site() {
  kill "$SITE_PID" 2>/dev/null || true
  wait "$SITE_PID" 2>/dev/null || true
  SITE_PID=""
}

# The processor's model, printed beside the core count: the ratios to the
# peer move with it (docs/bench-crawler.md, session 26).
cpu_model() {
  local model
  model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
  echo "${model:-unknown processor}"
}

# Prints the median of its arguments (numbers).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

# Runs a command under /usr/bin/time; sets WALL (seconds, to the
# millisecond: time's own figure is in hundredths, too coarse for a crawl of
# a fraction of a second), CPU (user+sys) and RSS_KIB.
timed() {
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f '%U %S %M' -o "$WORK/time" "$@" > "$WORK/out" 2> "$WORK/err" || {
    echo "failed: $*" >&2; tail -20 "$WORK/err" >&2; exit 1; }
  end=$(date +%s%N)
  WALL=$(echo "scale=3; ($end - $start) / 1000000000" | bc -l)
  read -r USR SYS RSS_KIB < "$WORK/time"
  CPU=$(echo "$USR + $SYS" | bc -l)
}

cira_scan() { # every_pages max_pages [binary]
  rm -rf "$WORK/state"
  timed "${3:-$CIRA}" scan "http://127.0.0.1:$PORT/" --state-dir "$WORK/state" \
    --allow-private-networks --requests-per-second 0 --no-robots --no-sitemaps \
    --concurrency 32 --max-depth 50 --max-pages "$2" \
    --checkpoint-every-pages "$1" --pattern-budget "$2" --plain-progress
  CRAWLED=$(sed -n 's/.*"pagesCrawled": *\([0-9]*\).*/\1/p' "$WORK/state/report.json" | head -1)
}
