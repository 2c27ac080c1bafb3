//! The operator's integration tests, one binary (one link, one shared
//! control plane) with a module per area:
//!
//! - `operator`: the reconciler in-process against the real control plane,
//!   with a scripted fake crawler;
//! - `crawler_e2e`: the real `cira-crawler` in the Job pods;
//! - `policy`: the operator's own check of the installer's scan policy;
//! - `ownership`: objects of others under the names a scan needs;
//! - `fairness`: the per-namespace slot limit across watched namespaces;
//! - `network_policy`: the per-scan egress NetworkPolicy (content only:
//!   no network plugin enforces it on the test control plane);
//! - `startup`: the binary's HTTP endpoints, SIGTERM and leader election;
//! - `crd_missing`: start-up without the CRD (on a control plane of its own);
//! - `bench`: the 500-scan benchmark (ignored; run on purpose).
//!
//! Every test that starts an operator makes it watch only its own
//! namespace, so tests sharing the control plane never see each other's
//! scans.

mod common;

mod bench;
mod crawler_e2e;
mod crd_missing;
mod fairness;
mod network_policy;
mod operator;
mod ownership;
mod policy;
mod startup;
