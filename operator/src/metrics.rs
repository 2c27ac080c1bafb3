//! Prometheus metrics of the operator.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use cira_crds::{CompanyScan, ScanPhase};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

const PHASES: [ScanPhase; 11] = [
    ScanPhase::Pending,
    ScanPhase::Queued,
    ScanPhase::Crawling,
    ScanPhase::Extracting,
    ScanPhase::Analyzing,
    ScanPhase::Generating,
    ScanPhase::Paused,
    ScanPhase::Completed,
    ScanPhase::Failed,
    ScanPhase::TimedOut,
    ScanPhase::Cancelled,
];

/// The operator's metrics and the registry they are exposed from.
pub struct Metrics {
    registry: Registry,
    pub reconciles: Counter,
    pub reconcile_errors: Family<Labels, Counter>,
    pub reconcile_duration: Histogram,
    pub status_writes: Counter,
    pub api_writes: Family<Labels, Counter>,
    pub api_reads: Family<Labels, Counter>,
    scans_by_phase: Family<Labels, Gauge>,
    store: RwLock<Option<crate::controller::Cache<CompanyScan>>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("cira_operator");
        let reconciles = Counter::default();
        let reconcile_errors = Family::<Labels, Counter>::default();
        let reconcile_duration = Histogram::new(exponential_buckets(0.001, 2.0, 16));
        let status_writes = Counter::default();
        let api_writes = Family::<Labels, Counter>::default();
        let api_reads = Family::<Labels, Counter>::default();
        let scans_by_phase = Family::<Labels, Gauge>::default();
        registry.register(
            "reconciles",
            "CompanyScan reconciliations run",
            reconciles.clone(),
        );
        registry.register(
            "reconcile_errors",
            "CompanyScan reconciliations that failed, by error kind",
            reconcile_errors.clone(),
        );
        registry.register(
            "reconcile_duration_seconds",
            "How long one reconciliation took",
            reconcile_duration.clone(),
        );
        registry.register(
            "status_writes",
            "CompanyScan status writes",
            status_writes.clone(),
        );
        registry.register(
            "api_writes",
            "Writes the operator sent to the API server (status included), by object kind",
            api_writes.clone(),
        );
        registry.register(
            "api_reads",
            "Reads (get, list) the operator sent to the API server outside its watches, by object kind",
            api_reads.clone(),
        );
        registry.register(
            "scans",
            "CompanyScans by phase, as the operator sees them",
            scans_by_phase.clone(),
        );
        Self {
            registry,
            reconciles,
            reconcile_errors,
            reconcile_duration,
            status_writes,
            api_writes,
            api_reads,
            scans_by_phase,
            store: RwLock::new(None),
        }
    }
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The CompanyScan cache that `scans` is counted from.
    pub fn set_store(&self, store: Option<crate::controller::Cache<CompanyScan>>) {
        if let Ok(mut slot) = self.store.write() {
            *slot = store;
        }
    }

    pub fn observe_reconcile(&self, took: Duration, error: Option<&'static str>) {
        self.reconciles.inc();
        self.reconcile_duration.observe(took.as_secs_f64());
        if let Some(kind) = error {
            self.reconcile_errors
                .get_or_create(&vec![("error".to_string(), kind.to_string())])
                .inc();
        }
    }

    /// Counts one read (get or list) from the API server.
    pub fn read(&self, kind: &str) {
        self.api_reads
            .get_or_create(&vec![("kind".to_string(), kind.to_string())])
            .inc();
    }

    /// Counts one write to the API server.
    pub fn wrote(&self, kind: &str) {
        self.api_writes
            .get_or_create(&vec![("kind".to_string(), kind.to_string())])
            .inc();
    }

    fn refresh_phases(&self) {
        let Ok(slot) = self.store.read() else { return };
        let Some(store) = slot.as_ref() else { return };
        let mut counts = [0i64; PHASES.len()];
        for scan in store.state() {
            let phase = scan
                .status
                .as_ref()
                .and_then(|s| s.phase)
                .unwrap_or_default();
            if let Some(i) = PHASES.iter().position(|p| *p == phase) {
                counts[i] += 1;
            }
        }
        for (phase, count) in PHASES.iter().zip(counts) {
            self.scans_by_phase
                .get_or_create(&vec![("phase".to_string(), phase.as_str().to_string())])
                .set(count);
        }
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        self.refresh_phases();
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let m = Metrics::default();
        m.observe_reconcile(Duration::from_millis(3), None);
        m.observe_reconcile(Duration::from_millis(30), Some("kube"));
        let text = m.render();
        assert!(text.contains("cira_operator_reconciles_total 2"), "{text}");
        assert!(
            text.contains("cira_operator_reconcile_errors_total{error=\"kube\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("cira_operator_reconcile_duration_seconds_count 2"),
            "{text}"
        );
    }
}
