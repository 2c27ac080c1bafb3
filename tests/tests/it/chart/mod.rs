//! The Helm chart: lint, schema validation, rendering, and the rendered
//! objects against the real test control plane.

mod common;

mod cluster;
mod rbac;
mod render;
