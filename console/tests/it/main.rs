//! The console's integration tests, in one test binary: against the real
//! test control plane, in-process (`readonly`) and through the Helm chart in
//! a real browser (`browser`); the benchmark (`bench`) runs only when asked.

mod bench;
mod browser;
mod readonly;
mod webdriver;
