//! The system tests, in one test binary: each module was a binary of its
//! own, and each binary linked the test environment and its dependencies
//! again.

mod admission;
mod argocd_health;
mod chart;
mod controlplane;
mod controlplane_rbac;
mod controlplane_smoke;
mod controlplane_teardown;
mod controlplane_workloads;
mod e2e;
mod plugin;
