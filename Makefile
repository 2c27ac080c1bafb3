# CIRA: the two commands after cloning are `make scan` and `make test`.
SHELL := /bin/bash
URL ?=
STATE_DIR ?= ./cira-scan

.PHONY: test lint controlplane binaries crdgen scan demo crawler-pgo

## Runs every check CI runs: formatting, lints, unit and integration tests on
## a real control plane built from source (cached after the first build).
test: lint controlplane binaries
	cargo test --workspace --all-targets

## The binaries tests start as processes (operator, crawler, console,
## plugin, test programs), built once up front exactly as the tests request
## them (one workspace build of every binary, so dependencies are compiled
## with one feature set, not once per package), so no test waits on a
## nested cargo build.
binaries:
	cargo build --workspace --bins

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

controlplane:
	bash tests/controlplane/build.sh

## Regenerates the CRD YAML from the Rust types.
crdgen:
	cargo run -q -p cira-crds --bin crdgen

## Scans a website locally, checkpointing to $(STATE_DIR). Without URL it
## scans the bundled sample company site served on 127.0.0.1.
scan:
ifeq ($(strip $(URL)),)
	bash tests/local-scan.sh $(STATE_DIR)
else
	cargo run --release -p cira-crawler -- scan $(URL) --state-dir $(STATE_DIR)
endif

## The whole system on a local control plane: Helm chart, a scan of the
## sample site, live progress and the report.
demo: controlplane
	cargo run -p cira-tests --bin cira-demo

## Builds the crawler with profile-guided optimisation and fat LTO, trained
## on the sample site and the crawler's test pages: pgo/cira-crawler and the
## profile pgo/cira-crawler.profdata, which the crawler image's build takes
## (docs/images.md). With LLVM's BOLT installed, the binary's code is then
## laid out again from a second training run.
crawler-pgo:
	bash crawler/pgo.sh
