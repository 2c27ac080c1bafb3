//! End-to-end scenarios: the Helm chart installed into the test control
//! plane (the operator Deployment's pod and the crawler Job's pods run
//! through the node agent), a CompanyScan applied with kubectl against the
//! generated sample company site, then `kubectl patch`, `get` and `delete`,
//! exactly as a user would. See docs/e2e.md.
//!
//! Each scenario has its own namespace and Helm release (the operator
//! watches only that namespace), is bounded by deadlines, and uninstalls and
//! deletes everything it made, checking that no pod is left.

mod scenario;

mod completion;
mod crash;
mod deletion;
mod failover;
mod pause;
mod stop;
