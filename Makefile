# CIRA: the two commands after cloning are `make scan` and `make test`.
SHELL := /bin/bash
URL ?= https://example.com
STATE_DIR ?= ./cira-scan

.PHONY: test lint unit controlplane crdgen scan

## Runs every check CI runs: formatting, lints, unit and integration tests on
## a real control plane built from source (cached after the first build).
test: lint controlplane
	cargo test --workspace --all-targets

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

controlplane:
	bash tests/controlplane/build.sh

## Regenerates the CRD YAML from the Rust types.
crdgen:
	cargo run -q -p cira-crds --bin crdgen

## Scans a website locally, checkpointing to $(STATE_DIR).
scan:
	cargo run --release -p cira-crawler -- scan $(URL) --state-dir $(STATE_DIR)
