#!/usr/bin/env bash
# Builds cira-crawler with profile-guided optimisation (PGO): an
# instrumented build crawls the bundled sample company site and the
# crawler's test pages, and the release build is then compiled with what
# that measured (which branches go which way, which code is hot). On the
# realistic bench site, which is not part of the training, it takes 12-19 %
# less CPU per page than the plain release build
# (docs/bench-crawler.md, "Session 22").
#
# Usage: crawler/pgo.sh   (or `make crawler-pgo`)
# Writes pgo/cira-crawler.profdata (the profile: the crawler image takes it
# with `--build-arg PGO_PROFILE=pgo/cira-crawler.profdata`, docs/images.md)
# and pgo/cira-crawler (the optimised binary for this machine). Needs
# python3 and rustup's llvm-tools component (installed here if missing);
# the two builds use their own target folders, so the plain build's cache
# stays as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out="$root/pgo"
mkdir -p "$out"

# The profile must be written and read by rustc's own LLVM: rustup ships a
# matching llvm-profdata as the llvm-tools component.
sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ] && command -v rustup >/dev/null; then
  rustup component add llvm-tools >/dev/null 2>&1 || true
fi
[ -x "$profdata" ] || {
  echo "pgo: $profdata is missing; install it with 'rustup component add llvm-tools'" >&2
  exit 1
}
command -v python3 >/dev/null || { echo "pgo: python3 is needed to serve the training pages" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "pgo: instrumented build"
# A fixed path in the flags, so a second run rebuilds only what changed;
# the crawls below write their records elsewhere (LLVM_PROFILE_FILE).
CARGO_TARGET_DIR="$root/target/pgo-generate" \
  RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$root/target/pgo-generate/build-profiles" \
  cargo build -q --release --locked -p cira-crawler --bin cira-crawler
instrumented="$root/target/pgo-generate/release/cira-crawler"
export LLVM_PROFILE_FILE="$work/raw/%p-%m.profraw"

# Waits for a server's log to name its base URL; prints it.
base_url() { # log pid pattern
  local url
  for _ in $(seq 1 200); do
    url=$(grep -oE "$3" "$1" | head -n 1 || true)
    if [ -n "$url" ]; then echo "$url"; return; fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.05
  done
  echo "pgo: a training site did not start:" >&2
  cat "$1" >&2
  exit 1
}

crawl() { # url [scan args...]
  local url=$1
  shift
  rm -rf "$work/state"
  "$instrumented" scan "$url" --state-dir "$work/state" --allow-private-networks \
    --requests-per-second 0 --plain-progress "$@" >"$work/crawl.log" 2>&1 || {
    echo "pgo: the training crawl of $url failed:" >&2
    tail -20 "$work/crawl.log" >&2
    exit 1
  }
}

echo "pgo: training on the sample site"
cargo build -q -p cira-tests --bin cira-demo
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
"$target/debug/cira-demo" --site-only >"$work/site.log" 2>&1 &
pids+=($!)
site=$(base_url "$work/site.log" "${pids[-1]}" 'http://127\.0\.0\.1:[0-9]+/?')
crawl "$site" --company-name "Nordwind Robotics GmbH"

echo "pgo: training on the crawler's test pages"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory crawler/tests/fixtures >"$work/files.log" 2>&1 &
pids+=($!)
port=$(base_url "$work/files.log" "${pids[-1]}" 'port [0-9]+' | sed 's/port //')
for page in crawler/tests/fixtures/{de,en,fr,tech}/*.html; do
  crawl "http://127.0.0.1:$port/${page#crawler/tests/fixtures/}" --max-pages 20
done

"$profdata" merge -o "$out/cira-crawler.profdata" "$work/raw"

echo "pgo: optimised build"
# Cargo does not look into the profile: named by its content, a new
# profile changes the flags and so rebuilds.
sum=$(sha256sum "$out/cira-crawler.profdata" | cut -c1-16)
mkdir -p "$root/target/pgo-use/profiles"
cp "$out/cira-crawler.profdata" "$root/target/pgo-use/profiles/$sum.profdata"
CARGO_TARGET_DIR="$root/target/pgo-use" \
  RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$root/target/pgo-use/profiles/$sum.profdata" \
  cargo build -q --release --locked -p cira-crawler --bin cira-crawler
cp "$root/target/pgo-use/release/cira-crawler" "$out/cira-crawler"
echo "pgo: wrote $out/cira-crawler.profdata and $out/cira-crawler"
