//! The network guard: refuses loopback, private, link-local, CGNAT,
//! multicast, unspecified and cloud-metadata addresses (IPv4 and IPv6,
//! mapped and embedded forms too) unless private networks are allowed.
//!
//! It is judged on addresses actually connected to: the HTTP client resolves
//! names through [`GuardedResolver`], which drops refused addresses, and the
//! fetcher re-checks the peer address of every response, so DNS rebinding
//! and IP-literal URLs are caught as well.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Decides which peer addresses may be contacted.
#[derive(Debug, Clone, Default)]
pub struct NetworkGuard {
    allow_private: bool,
    /// Exact addresses allowed although they are private (tests serve sites
    /// on 127.0.0.1 and allow exactly that server).
    allowed: Arc<HashSet<IpAddr>>,
}

impl NetworkGuard {
    pub fn new(allow_private: bool) -> Self {
        Self {
            allow_private,
            allowed: Arc::default(),
        }
    }

    /// Allows these exact addresses even when private networks are refused.
    pub fn with_allowed_addresses(mut self, addrs: impl IntoIterator<Item = IpAddr>) -> Self {
        self.allowed = Arc::new(addrs.into_iter().collect());
        self
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
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

/// Why an address is not a public unicast address, if it is not.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) {
        return Some("cloud metadata address");
    }
    if o[0] == 0 {
        return Some("unspecified address");
    }
    if ip.is_loopback() {
        return Some("loopback address");
    }
    if ip.is_private() {
        return Some("private address");
    }
    if ip.is_link_local() {
        return Some("link-local address");
    }
    if o[0] == 100 && (o[1] & 0xc0) == 64 {
        return Some("carrier-grade NAT address");
    }
    if ip.is_multicast() {
        return Some("multicast address");
    }
    if ip.is_broadcast() || o[0] >= 240 {
        return Some("reserved address");
    }
    if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        return Some("IETF protocol address");
    }
    if o[0] == 198 && (o[1] & 0xfe) == 18 {
        return Some("benchmarking address");
    }
    if ip.is_documentation() {
        return Some("documentation address");
    }
    None
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        return Some("cloud metadata address");
    }
    if ip.is_unspecified() {
        return Some("unspecified address");
    }
    if ip.is_loopback() {
        return Some("loopback address");
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        // A mapped address reaches the IPv4 host: judge that one, and never
        // let the mapped spelling smuggle a private address through.
        return Some(v4_reason(v4).unwrap_or("IPv4-mapped IPv6 address"));
    }
    if s[0..6] == [0, 0, 0, 0, 0, 0] {
        return Some("IPv4-compatible IPv6 address");
    }
    if (s[0] & 0xfe00) == 0xfc00 {
        return Some("unique local IPv6 address");
    }
    if (s[0] & 0xffc0) == 0xfe80 {
        return Some("link-local IPv6 address");
    }
    if (s[0] & 0xffc0) == 0xfec0 {
        return Some("site-local IPv6 address");
    }
    if (s[0] & 0xff00) == 0xff00 {
        return Some("multicast IPv6 address");
    }
    // NAT64 and 6to4 embed an IPv4 address that is what is reached.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return v4_reason(v4).map(|_| "NAT64 address of a non-public IPv4 address");
    }
    if s[0] == 0x2002 {
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return v4_reason(v4).map(|_| "6to4 address of a non-public IPv4 address");
    }
    if s[0] == 0x2001 && s[1] == 0x0db8 {
        return Some("documentation address");
    }
    None
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

/// Error returned when a name resolves only to refused addresses.
#[derive(Debug)]
pub struct RefusedAddress {
    pub host: String,
    pub reason: &'static str,
}

impl std::fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolves only to refused addresses ({}); set allowPrivateNetworks to allow them",
            self.host, self.reason
        )
    }
}

impl std::error::Error for RefusedAddress {}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
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
                return Err(Box::new(RefusedAddress { host, reason }) as _);
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
        let r = GuardedResolver::new(NetworkGuard::new(false));
        let err = r
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .expect("localhost must be refused");
        assert!(err.to_string().contains("refused"), "{err}");
        let ok = GuardedResolver::new(NetworkGuard::new(true))
            .resolve("localhost".parse().unwrap())
            .await;
        assert!(ok.is_ok());
    }
}
