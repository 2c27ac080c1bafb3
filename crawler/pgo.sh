#!/usr/bin/env bash
# Builds cira-crawler with profile-guided optimisation (PGO): an
# instrumented build crawls the bundled sample company site and the
# crawler's test pages, and the release build is then compiled with what
# that measured (which branches go which way, which code is hot). On the
# realistic bench site, which is not part of the training, it takes 12-19 %
# less CPU per page than the plain release build (docs/bench-crawler.md,
# "Session 22"), and about 20 % with the fat LTO below ("Session 27").
#
# When LLVM's post-link optimiser BOLT is installed (Debian: `apt-get
# install bolt-16`; any llvm-bolt from 16 on), the PGO binary is then laid
# out again by BOLT from a second run of the same training: hot code
# together, branches that are taken falling through. That takes another
# 5-6 % of CPU per page off (docs/bench-crawler.md, "Session 27"). Without
# BOLT, or with `BOLT=0`, the binary is the PGO build alone.
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

# Both builds with fat LTO in one codegen unit: with the whole program in
# view LLVM inlines and lays out across crates (memchr, hashbrown, the
# regex engines), 7-9 % less CPU per page than PGO without it, for a
# build of about twice the time (docs/bench-crawler.md, "Session 27"). The
# profile is only good for a build with the same settings: the image's
# PGO build sets them too (crawler/Dockerfile).
export CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1

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
  "$trainee" scan "$url" --state-dir "$work/state" --allow-private-networks \
    --requests-per-second 0 --plain-progress "$@" >"$work/crawl.log" 2>&1 || {
    echo "pgo: the training crawl of $url failed:" >&2
    tail -20 "$work/crawl.log" >&2
    exit 1
  }
}

echo "pgo: starting the training sites"
cargo build -q -p cira-tests --bin cira-demo
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
"$target/debug/cira-demo" --site-only >"$work/site.log" 2>&1 &
pids+=($!)
site=$(base_url "$work/site.log" "${pids[-1]}" 'http://127\.0\.0\.1:[0-9]+/?')
python3 -u -m http.server 0 --bind 127.0.0.1 --directory crawler/tests/fixtures >"$work/files.log" 2>&1 &
pids+=($!)
port=$(base_url "$work/files.log" "${pids[-1]}" 'port [0-9]+' | sed 's/port //')

# The training: the sample site, then each of the crawler's test pages.
train() { # label
  echo "$1: training on the sample site"
  crawl "$site" --company-name "Nordwind Robotics GmbH"
  echo "$1: training on the crawler's test pages"
  for page in crawler/tests/fixtures/{de,en,fr,tech}/*.html; do
    crawl "http://127.0.0.1:$port/${page#crawler/tests/fixtures/}" --max-pages 20
  done
}

trainee=$instrumented
train pgo

"$profdata" merge -o "$out/cira-crawler.profdata" "$work/raw"

echo "pgo: optimised build"
# Cargo does not look into the profile: named by its content, a new
# profile changes the flags and so rebuilds.
sum=$(sha256sum "$out/cira-crawler.profdata" | cut -c1-16)
mkdir -p "$root/target/pgo-use/profiles"
cp "$out/cira-crawler.profdata" "$root/target/pgo-use/profiles/$sum.profdata"
# BOLT, if installed and not turned off (`BOLT=0`): the newest llvm-bolt
# on the PATH, called by its real path (Debian's versioned names are
# links, and llvm-bolt finds its runtime libraries next to itself).
bolt=""
[ "${BOLT:-1}" = 0 ] || for name in llvm-bolt $(compgen -c llvm-bolt- | grep -E '^llvm-bolt-[0-9]+$' | sort -u -t- -k3 -rn || true); do
  if command -v "$name" >/dev/null; then
    bolt=$(readlink -f "$(command -v "$name")")
    break
  fi
done
# BOLT rewrites the binary's code, so it needs the link's relocations
# (`--emit-relocs`), for the final link only: the libraries' build is the
# same either way.
link_args=()
[ -n "$bolt" ] && link_args=(-- -C link-arg=-Wl,--emit-relocs)
CARGO_TARGET_DIR="$root/target/pgo-use" \
  RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$root/target/pgo-use/profiles/$sum.profdata" \
  cargo rustc -q --release --locked -p cira-crawler --bin cira-crawler "${link_args[@]}"
built="$root/target/pgo-use/release/cira-crawler"

if [ -z "$bolt" ]; then
  cp "$built" "$out/cira-crawler"
  echo "pgo: no BOLT (none found, or BOLT=0; Debian: apt-get install bolt-16): the binary is the PGO build alone"
  echo "pgo: wrote $out/cira-crawler.profdata and $out/cira-crawler"
  exit 0
fi

echo "bolt: instrumented binary ($bolt)"
mkdir -p "$work/bolt"
"$bolt" "$built" -o "$work/cira-crawler.bolt-instrumented" -instrument \
  -instrumentation-file="$work/bolt/profile" -instrumentation-file-append-pid \
  >"$work/bolt.log" 2>&1 || { cat "$work/bolt.log" >&2; exit 1; }
trainee="$work/cira-crawler.bolt-instrumented"
train bolt
"$(dirname "$bolt")/merge-fdata" "$work"/bolt/profile.*.fdata >"$work/bolt.fdata" 2>"$work/merge.log" ||
  { cat "$work/merge.log" >&2; exit 1; }

echo "bolt: optimised binary"
# Hot code first and together, cold blocks split off, blocks ordered so
# the common branch falls through; line tables kept for backtraces.
"$bolt" "$built" -o "$out/cira-crawler" -data="$work/bolt.fdata" \
  -reorder-blocks=ext-tsp -reorder-functions=hfsort+ -split-functions \
  -split-all-cold -split-eh -icf=1 -peepholes=all -frame-opt=hot -plt=hot \
  -inline-small-functions -use-gnu-stack -update-debug-sections \
  >"$work/bolt.log" 2>&1 || { cat "$work/bolt.log" >&2; exit 1; }
echo "pgo: wrote $out/cira-crawler.profdata and $out/cira-crawler (PGO, then BOLT)"
