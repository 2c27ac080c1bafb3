//! Test support for CIRA's integration tests.
