//! Operator settings: command-line flags (with environment fallbacks) and the
//! plain configuration the reconciler works from.

use std::time::Duration;

use clap::Parser;

use crate::error::{Error, Result};

/// The crawler image used when a scan does not name one.
pub const DEFAULT_CRAWLER_IMAGE: &str = "ghcr.io/cira-dev/cira-crawler:0.1.0";

pub use cira_runtime::LogFormat;

/// Command-line interface of `cira-operator`.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "cira-operator",
    version,
    about = "CIRA's Kubernetes operator for CompanyScan"
)]
pub struct Args {
    /// The crawler image for scans that do not set spec.crawler.image.
    #[arg(long, env = "CIRA_CRAWLER_IMAGE", default_value = DEFAULT_CRAWLER_IMAGE)]
    pub crawler_image: String,

    /// How many scans may crawl at once; the rest wait in phase Queued.
    #[arg(long, env = "CIRA_MAX_CONCURRENT_SCANS", default_value_t = 5)]
    pub max_concurrent_scans: u32,

    /// How many scans of one namespace may crawl at once (unlimited when
    /// unset), so one team cannot hold every slot; the rest wait in phase
    /// Queued, reason NamespaceLimit.
    #[arg(long, env = "CIRA_MAX_CONCURRENT_SCANS_PER_NAMESPACE")]
    pub max_concurrent_scans_per_namespace: Option<u32>,

    /// A crawler whose heartbeat is older than this has its pod replaced.
    #[arg(long, env = "CIRA_STALE_AFTER", default_value = "3m")]
    pub stale_after: String,

    /// How long a scan holding a crawler slot may wait for a crawler that
    /// cannot start (image pull error, unschedulable pod, unbound claim,
    /// refused Job) before it gives the slot back: Queued when the cause may
    /// heal, Failed when it cannot.
    #[arg(long, env = "CIRA_PENDING_TIMEOUT", default_value = "10m")]
    pub pending_timeout: String,

    /// After this many stale-pod replacements the scan fails (CrawlerStale).
    #[arg(long, env = "CIRA_MAX_STALE_RESTARTS", default_value_t = 3)]
    pub max_stale_restarts: u32,

    /// Least time between two status writes of a scan whose only change is
    /// progress.
    #[arg(long, env = "CIRA_PROGRESS_INTERVAL", default_value = "5s")]
    pub progress_interval: String,

    /// Watch only these namespaces, comma-separated (all namespaces when
    /// unset); each gets namespaced watches, so a Role there is enough.
    #[arg(
        long,
        alias = "watch-namespace",
        env = "CIRA_WATCH_NAMESPACES",
        value_delimiter = ','
    )]
    pub watch_namespaces: Vec<String>,

    /// Only the holder of a coordination.k8s.io Lease reconciles.
    #[arg(long, env = "CIRA_LEADER_ELECTION", default_value_t = false, action = clap::ArgAction::Set)]
    pub leader_election: bool,

    /// Name of the leader-election Lease.
    #[arg(long, env = "CIRA_LEASE_NAME", default_value = "cira-operator")]
    pub lease_name: String,

    /// Namespace of the leader-election Lease (the operator's own namespace).
    #[arg(long, env = "POD_NAMESPACE")]
    pub lease_namespace: Option<String>,

    /// This replica's identity in the Lease (the pod name).
    #[arg(long, env = "POD_NAME")]
    pub identity: Option<String>,

    /// Address of the HTTP server with /metrics, /healthz and /readyz.
    #[arg(long, env = "CIRA_METRICS_ADDR", default_value = "0.0.0.0:8080")]
    pub metrics_addr: String,

    /// Log format.
    #[arg(long, env = "CIRA_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// RUST_LOG value given to crawler pods.
    #[arg(long, env = "CIRA_CRAWLER_LOG", default_value = "info")]
    pub crawler_log: String,

    /// How many scans are reconciled at the same time.
    #[arg(long, env = "CIRA_RECONCILE_CONCURRENCY", default_value_t = 16)]
    pub reconcile_concurrency: u16,

    /// The installer's scan policy as a JSON object of strings, the keys of
    /// the chart's `-scan-policy` ConfigMap (`allowPrivateNetworks`,
    /// `allowedImagePrefixes`, `maxResource.cpu`, ...). Missing keys take
    /// the restrictive default: no private networks, only the crawler image
    /// above, no pod overrides but resources within 2 CPUs, 2Gi memory and
    /// 2Gi ephemeral storage, checkpoint volumes up to 10Gi.
    #[arg(long, env = "CIRA_SCAN_POLICY", default_value = "{}")]
    pub scan_policy: String,

    /// Give every scan an egress NetworkPolicy of its own (owned by the
    /// scan): DNS, the API server and the internet minus private,
    /// link-local, CGNAT, metadata and the ranges below.
    #[arg(long, env = "CIRA_CRAWLER_NETWORK_POLICY", default_value_t = true, action = clap::ArgAction::Set)]
    pub crawler_network_policy: bool,

    /// More ranges crawler pods may never reach, comma-separated: the
    /// cluster's pod and service CIDRs at least.
    #[arg(long, env = "CIRA_CRAWLER_DENIED_CIDRS", value_delimiter = ',')]
    pub crawler_denied_cidrs: Vec<String>,

    /// Where crawler pods reach the API server (their ConfigMaps),
    /// comma-separated CIDRs; the NetworkPolicy opens only these.
    #[arg(long, env = "CIRA_API_SERVER_CIDRS", value_delimiter = ',')]
    pub api_server_cidrs: Vec<String>,

    /// API server ports (after the Service's port translation).
    #[arg(long, env = "CIRA_API_SERVER_PORTS", value_delimiter = ',', default_values_t = [443, 6443])]
    pub api_server_ports: Vec<i32>,
}

/// What the reconciler needs to know, independent of how it was configured.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorConfig {
    pub crawler_image: String,
    pub max_concurrent_scans: u32,
    /// `None`: no limit per namespace.
    pub max_concurrent_scans_per_namespace: Option<u32>,
    pub stale_after: Duration,
    pub max_stale_restarts: u32,
    /// How long a crawler that cannot start may hold its slot.
    pub pending_timeout: Duration,
    pub progress_interval: Duration,
    /// Least time between status writes whose only change is the clock
    /// (activeSeconds).
    pub clock_interval: Duration,
    /// How long a paused scan waits for a checkpoint newer than the pause
    /// request before it counts as paused anyway.
    pub pause_grace: Duration,
    /// The namespaces watched; empty means all.
    pub watch_namespaces: Vec<String>,
    pub crawler_log: String,
    pub crawler_log_format: LogFormat,
    pub backoff_limit: i32,
    pub reconcile_concurrency: u16,
    /// What scans may ask for; checked again before any Job is created.
    pub policy: cira_policy::ScanPolicy,
    /// The per-scan egress NetworkPolicy; `None` when switched off.
    pub egress: Option<crate::network_policy::EgressConfig>,
}

impl Default for OperatorConfig {
    fn default() -> Self {
        Self {
            crawler_image: DEFAULT_CRAWLER_IMAGE.to_string(),
            max_concurrent_scans: 5,
            max_concurrent_scans_per_namespace: None,
            stale_after: Duration::from_secs(180),
            max_stale_restarts: 3,
            pending_timeout: Duration::from_secs(600),
            progress_interval: Duration::from_secs(5),
            clock_interval: Duration::from_secs(30),
            pause_grace: Duration::from_secs(90),
            watch_namespaces: Vec::new(),
            crawler_log: "info".to_string(),
            crawler_log_format: LogFormat::Text,
            backoff_limit: 6,
            reconcile_concurrency: 16,
            policy: cira_policy::ScanPolicy::restrictive(DEFAULT_CRAWLER_IMAGE),
            egress: Some(crate::network_policy::EgressConfig::default()),
        }
    }
}

impl Args {
    /// The reconciler's configuration from the flags.
    pub fn operator_config(&self) -> Result<OperatorConfig> {
        let duration = |flag: &str, text: &str| {
            cira_crds::parse_duration(text).map_err(|e| Error::Config(format!("--{flag}: {e}")))
        };
        if self.max_concurrent_scans == 0 {
            return Err(Error::Config(
                "--max-concurrent-scans must be at least 1".to_string(),
            ));
        }
        if self.max_concurrent_scans_per_namespace == Some(0) {
            return Err(Error::Config(
                "--max-concurrent-scans-per-namespace must be at least 1 (leave it unset for no limit)"
                    .to_string(),
            ));
        }
        let data: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&self.scan_policy).map_err(|e| {
                Error::Config(format!(
                    "--scan-policy must be a JSON object of strings: {e}"
                ))
            })?;
        let policy = cira_policy::ScanPolicy::from_data(&data, &self.crawler_image)
            .map_err(|e| Error::Config(format!("--scan-policy: {e}")))?;
        for cidr in self
            .crawler_denied_cidrs
            .iter()
            .chain(&self.api_server_cidrs)
        {
            cidr.parse::<ipnet::IpNet>()
                .map_err(|e| Error::Config(format!("{cidr:?} is not a CIDR: {e}")))?;
        }
        let egress = self
            .crawler_network_policy
            .then(|| crate::network_policy::EgressConfig {
                denied_cidrs: self.crawler_denied_cidrs.clone(),
                api_server_cidrs: self.api_server_cidrs.clone(),
                api_server_ports: self.api_server_ports.clone(),
                ..crate::network_policy::EgressConfig::default()
            });
        Ok(OperatorConfig {
            policy,
            egress,
            crawler_image: self.crawler_image.clone(),
            max_concurrent_scans: self.max_concurrent_scans,
            max_concurrent_scans_per_namespace: self.max_concurrent_scans_per_namespace,
            stale_after: duration("stale-after", &self.stale_after)?,
            max_stale_restarts: self.max_stale_restarts,
            pending_timeout: duration("pending-timeout", &self.pending_timeout)?,
            progress_interval: duration("progress-interval", &self.progress_interval)?,
            watch_namespaces: watch_namespaces(&self.watch_namespaces)?,
            crawler_log: self.crawler_log.clone(),
            crawler_log_format: self.log_format,
            reconcile_concurrency: self.reconcile_concurrency,
            ..OperatorConfig::default()
        })
    }
}

/// The watched namespaces without blanks and repeats; each must be a
/// namespace name.
fn watch_namespaces(given: &[String]) -> Result<Vec<String>> {
    let mut namespaces: Vec<String> = Vec::new();
    for ns in given.iter().map(|ns| ns.trim()).filter(|ns| !ns.is_empty()) {
        let valid = ns.len() <= 63
            && ns
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !ns.starts_with('-')
            && !ns.ends_with('-');
        if !valid {
            return Err(Error::Config(format!(
                "--watch-namespaces: {ns:?} is not a namespace name"
            )));
        }
        if !namespaces.iter().any(|n| n == ns) {
            namespaces.push(ns.to_string());
        }
    }
    Ok(namespaces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        let args = Args::parse_from(["cira-operator"]);
        let cfg = args.operator_config().unwrap();
        assert_eq!(cfg.max_concurrent_scans, 5);
        assert_eq!(cfg.stale_after, Duration::from_secs(180));
        assert_eq!(cfg.max_stale_restarts, 3);
        assert_eq!(cfg.pending_timeout, Duration::from_secs(600));
        assert!(!args.leader_election);
        assert_eq!(args.lease_name, "cira-operator");
        assert_eq!(args.metrics_addr, "0.0.0.0:8080");
    }

    #[test]
    fn the_scan_policy_flag_is_read_and_bad_values_name_it() {
        let cfg = Args::parse_from(["cira-operator"])
            .operator_config()
            .unwrap();
        assert_eq!(
            cfg.policy,
            cira_policy::ScanPolicy::restrictive(DEFAULT_CRAWLER_IMAGE)
        );
        let args = Args::parse_from([
            "cira-operator",
            "--scan-policy",
            r#"{"allowPrivateNetworks":"true","allowedPriorityClasses":"batch,low"}"#,
        ]);
        let cfg = args.operator_config().unwrap();
        assert!(cfg.policy.allow_private_networks);
        assert_eq!(cfg.policy.allowed_priority_classes, ["batch", "low"]);
        for bad in [
            r#"{"allowPrivateNetworks":"maybe"}"#,
            "[1]",
            r#"{"maxResource.cpu":"lots"}"#,
        ] {
            let err = Args::parse_from(["cira-operator", "--scan-policy", bad])
                .operator_config()
                .unwrap_err()
                .to_string();
            assert!(err.contains("--scan-policy"), "{err}");
        }
    }

    #[test]
    fn egress_flags() {
        let args = Args::parse_from(["cira-operator"]);
        let cfg = args.operator_config().unwrap();
        let egress = cfg.egress.unwrap();
        assert_eq!(egress.api_server_ports, [443, 6443]);
        let args = Args::parse_from([
            "cira-operator",
            "--crawler-denied-cidrs=10.244.0.0/16,10.96.0.0/12",
            "--api-server-cidrs=192.0.2.10/32",
        ]);
        let egress = args.operator_config().unwrap().egress.unwrap();
        assert_eq!(egress.denied_cidrs, ["10.244.0.0/16", "10.96.0.0/12"]);
        assert_eq!(egress.api_server_cidrs, ["192.0.2.10/32"]);
        let args = Args::parse_from(["cira-operator", "--crawler-denied-cidrs=10.0.0.0"]);
        assert!(args.operator_config().is_err());
        let args = Args::parse_from(["cira-operator", "--crawler-network-policy=false"]);
        assert!(args.operator_config().unwrap().egress.is_none());
    }

    #[test]
    fn the_namespace_limit_is_optional_and_at_least_one() {
        let cfg = Args::parse_from(["cira-operator"])
            .operator_config()
            .unwrap();
        assert_eq!(cfg.max_concurrent_scans_per_namespace, None);
        let cfg = Args::parse_from(["cira-operator", "--max-concurrent-scans-per-namespace=2"])
            .operator_config()
            .unwrap();
        assert_eq!(cfg.max_concurrent_scans_per_namespace, Some(2));
        let err = Args::parse_from(["cira-operator", "--max-concurrent-scans-per-namespace=0"])
            .operator_config()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--max-concurrent-scans-per-namespace"),
            "{err}"
        );
    }

    #[test]
    fn watched_namespaces_are_a_list() {
        let cfg = Args::parse_from(["cira-operator"])
            .operator_config()
            .unwrap();
        assert!(cfg.watch_namespaces.is_empty());
        let cfg = Args::parse_from(["cira-operator", "--watch-namespaces=a,b,,a"])
            .operator_config()
            .unwrap();
        assert_eq!(cfg.watch_namespaces, ["a", "b"]);
        // The single-namespace flag of earlier releases still works.
        let cfg = Args::parse_from(["cira-operator", "--watch-namespace", "scans"])
            .operator_config()
            .unwrap();
        assert_eq!(cfg.watch_namespaces, ["scans"]);
        let err = Args::parse_from(["cira-operator", "--watch-namespaces=a,B_c"])
            .operator_config()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--watch-namespaces") && err.contains("B_c"),
            "{err}"
        );
    }

    #[test]
    fn bad_durations_are_refused_with_the_flag_name() {
        let args = Args::parse_from(["cira-operator", "--stale-after", "soon"]);
        let err = args.operator_config().unwrap_err().to_string();
        assert!(err.contains("--stale-after"), "{err}");
    }
}
