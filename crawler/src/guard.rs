//! The network guard: refuses loopback, private, link-local, CGNAT,
//! multicast, unspecified and cloud-metadata addresses (IPv4 and IPv6,
//! mapped and embedded forms too) unless private networks are allowed.
//!
//! It is judged on addresses actually connected to: the HTTP client resolves
//! names through [`GuardedResolver`], which drops refused addresses, and the
//! fetcher re-checks the peer address of every response, so DNS rebinding
//! and IP-literal URLs are caught as well.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The cluster DNS domain assumed when none is configured.
pub const DEFAULT_CLUSTER_DOMAIN: &str = "cluster.local";

/// Decides which peer addresses and host names may be contacted.
#[derive(Debug, Clone, Default)]
pub struct NetworkGuard {
    allow_private: bool,
    /// Exact addresses allowed although they are private (tests serve sites
    /// on 127.0.0.1 and allow exactly that server).
    allowed: Arc<HashSet<IpAddr>>,
    /// The cluster's DNS domain besides `cluster.local` (`CIRA_CLUSTER_DOMAIN`
    /// once the operator passes it); names under it are refused.
    cluster_domain: Arc<str>,
}

impl NetworkGuard {
    pub fn new(allow_private: bool) -> Self {
        Self {
            allow_private,
            allowed: Arc::default(),
            cluster_domain: Arc::from(DEFAULT_CLUSTER_DOMAIN),
        }
    }

    /// Refuses names under this cluster domain too (`cluster.local`, `*.svc`
    /// and dotless names are refused whatever it is).
    pub fn with_cluster_domain(mut self, domain: &str) -> Self {
        self.cluster_domain = Arc::from(domain);
        self
    }

    /// Allows these exact addresses even when private networks are refused.
    pub fn with_allowed_addresses(mut self, addrs: impl IntoIterator<Item = IpAddr>) -> Self {
        self.allowed = Arc::new(addrs.into_iter().collect());
        self
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// `Err(reason)` if the host name must not even be resolved: names under
    /// the cluster domain or `svc`, local and cloud-internal names, and
    /// dotless names (the cluster's search domains complete them into
    /// Service names).
    pub fn check_name(&self, host: &str) -> Result<(), &'static str> {
        if self.allow_private {
            return Ok(());
        }
        match cira_policy::net::internal_name_reason(host, &self.cluster_domain) {
            Some(why) => Err(why),
            None => Ok(()),
        }
    }

    /// `Err(reason)` if the address must not be contacted.
    pub fn check(&self, ip: IpAddr) -> Result<(), &'static str> {
        if self.allow_private || self.allowed.contains(&ip) {
            return Ok(());
        }
        match forbidden_reason(ip) {
            Some(why) => Err(why),
            None => Ok(()),
        }
    }
}

/// Why an address is not a public unicast address, if it is not: the IANA
/// special-purpose ranges, cloud metadata addresses and every IPv6 form that
/// embeds a non-public IPv4 address. One table, shared with the operator's
/// check of seed URLs (`cira_policy::net`).
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    cira_policy::net::forbidden_reason(ip)
}

/// A DNS resolver for the HTTP client that resolves with the system resolver
/// and keeps only addresses the guard allows.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    guard: NetworkGuard,
}

impl GuardedResolver {
    pub fn new(guard: NetworkGuard) -> Self {
        Self { guard }
    }
}

/// Error returned when a name is refused itself or resolves only to
/// refused addresses.
#[derive(Debug)]
pub struct RefusedAddress {
    pub host: String,
    pub reason: &'static str,
    /// The name itself was refused (never resolved).
    pub by_name: bool,
}

impl std::fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.by_name {
            write!(
                f,
                "{} is a {} and is not resolved; set allowPrivateNetworks to allow it",
                self.host, self.reason
            )
        } else {
            write!(
                f,
                "{} resolves only to refused addresses ({}); set allowPrivateNetworks to allow them",
                self.host, self.reason
            )
        }
    }
}

impl std::error::Error for RefusedAddress {}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            if let Err(reason) = guard.check_name(&host) {
                return Err(Box::new(RefusedAddress {
                    host,
                    reason,
                    by_name: true,
                }) as _);
            }
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut reason = "no addresses";
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match guard.check(a.ip()) {
                    Ok(()) => true,
                    Err(why) => {
                        reason = why;
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(RefusedAddress {
                    host,
                    reason,
                    by_name: false,
                }) as _);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str) -> bool {
        forbidden_reason(s.parse().unwrap()).is_some()
    }

    #[test]
    fn refuses_non_public_v4() {
        for a in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.170",
            "168.63.129.16",
            "100.100.100.200",
            "192.88.99.1",
            "198.18.0.1",
            "203.0.113.9",
        ] {
            assert!(refused(a), "{a}");
        }
        for a in [
            "8.8.8.8",
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "1.1.1.1",
        ] {
            assert!(!refused(a), "{a}");
        }
        assert_eq!(
            forbidden_reason("169.254.169.254".parse().unwrap()),
            Some("cloud metadata address")
        );
    }

    #[test]
    fn refuses_non_public_v6_and_mapped() {
        for a in [
            "::1",
            "::",
            "fd00:ec2::254",
            "fc00::1",
            "fdff::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "2002:0a00:0001::1",
            // Local-use NAT64 whatever it embeds, IPv4-translated (SIIT),
            // Teredo, benchmarking, ORCHID, documentation, discard, SRv6.
            "64:ff9b:1::8.8.8.8",
            "::ffff:0:8.8.8.8",
            "::ffff:0:10.0.0.1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:10::1",
            "2001:20::1",
            "2001:db8::1",
            "3fff::1",
            "100::1",
            "5f00::1",
        ] {
            assert!(refused(a), "{a}");
        }
        for a in [
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "64:ff9b::8.8.8.8",
        ] {
            assert!(!refused(a), "{a}");
        }
        assert_eq!(
            forbidden_reason("fd00:ec2::254".parse().unwrap()),
            Some("cloud metadata address")
        );
    }

    #[test]
    fn cluster_and_local_names_are_refused_before_resolving() {
        let g = NetworkGuard::new(false).with_cluster_domain("corp.example");
        for (name, refused) in [
            ("kubernetes", true),
            ("kubernetes.default.svc", true),
            ("kubernetes.default.svc.", true),
            ("api.default.svc.cluster.local", true),
            ("API.Default.SVC.Cluster.Local", true),
            ("db.team.svc.corp.example", true),
            ("corp.example", true),
            ("localhost", true),
            ("app.localhost", true),
            ("metadata.google.internal", true),
            ("printer.local", true),
            ("router.home.arpa", true),
            ("example.com", false),
            ("svc.example.com", false),
            ("cluster.local.example.com", false),
        ] {
            assert_eq!(g.check_name(name).is_err(), refused, "{name}");
        }
        assert!(NetworkGuard::new(true).check_name("kubernetes").is_ok());
        assert!(
            NetworkGuard::new(false)
                .check_name("x.cluster.local")
                .is_err()
        );
    }

    #[tokio::test]
    async fn resolver_refuses_a_cluster_name_by_name() {
        let r = GuardedResolver::new(NetworkGuard::new(false));
        let err = r
            .resolve("kubernetes.default.svc".parse().unwrap())
            .await
            .err()
            .expect("a Service name must be refused");
        let refused = err.downcast_ref::<RefusedAddress>().expect("typed");
        assert!(refused.by_name);
        assert_eq!(refused.reason, "cluster-internal name");
        assert!(
            err.to_string().contains("is a cluster-internal name"),
            "{err}"
        );
    }

    #[test]
    fn allow_list_and_private_switch() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let g = NetworkGuard::new(false).with_allowed_addresses([lo]);
        assert!(g.check(lo).is_ok());
        assert!(g.check(other).is_err());
        assert!(NetworkGuard::new(true).check(other).is_ok());
    }

    #[tokio::test]
    async fn resolver_filters_loopback() {
        // A name the system resolver answers with a loopback address
        // (without DNS: a dotted-quad name resolves to itself).
        let r = GuardedResolver::new(NetworkGuard::new(false));
        let err = r
            .resolve("127.0.0.1".parse().unwrap())
            .await
            .err()
            .expect("a loopback answer must be refused");
        let refused = err.downcast_ref::<RefusedAddress>().expect("typed");
        assert!(!refused.by_name);
        assert_eq!(refused.reason, "loopback address");
        let err = r
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .expect("localhost must be refused");
        assert!(err.to_string().contains("local host name"), "{err}");
        let ok = GuardedResolver::new(NetworkGuard::new(true))
            .resolve("localhost".parse().unwrap())
            .await;
        assert!(ok.is_ok());
    }
}
