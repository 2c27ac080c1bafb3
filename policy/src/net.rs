//! Which addresses and host names are not the public internet: loopback,
//! private, link-local, carrier-grade NAT, cloud metadata, reserved and
//! special-purpose ranges (IPv4 and IPv6, including the IPv6 forms that carry
//! an IPv4 address), and names that resolve inside the cluster or the host.
//!
//! The crawler's network guard refuses these before it connects and the
//! operator refuses seed URLs that name them, unless the installer's policy
//! allows private networks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

/// IPv4 ranges that are not public unicast, with the reason given for each.
/// Checked in order, so specific entries (metadata) come before their
/// enclosing range.
const V4_RANGES: &[(&str, &str)] = &[
    ("169.254.169.254/32", "cloud metadata address"),
    (
        "168.63.129.16/32",
        "cloud metadata address (Azure WireServer)",
    ),
    (
        "100.100.100.200/32",
        "cloud metadata address (Alibaba Cloud)",
    ),
    ("0.0.0.0/8", "unspecified address"),
    ("127.0.0.0/8", "loopback address"),
    ("10.0.0.0/8", "private address"),
    ("172.16.0.0/12", "private address"),
    ("192.168.0.0/16", "private address"),
    ("169.254.0.0/16", "link-local address"),
    ("100.64.0.0/10", "carrier-grade NAT address"),
    ("224.0.0.0/4", "multicast address"),
    ("240.0.0.0/4", "reserved address"),
    ("192.0.0.0/24", "IETF protocol address"),
    ("192.88.99.0/24", "6to4 relay anycast address"),
    ("198.18.0.0/15", "benchmarking address"),
    ("192.0.2.0/24", "documentation address"),
    ("198.51.100.0/24", "documentation address"),
    ("203.0.113.0/24", "documentation address"),
];

/// IPv6 ranges refused outright. The forms that embed an IPv4 address
/// (mapped, translated, NAT64 well-known prefix, 6to4) are judged in
/// [`v6_reason`] by the address they reach.
const V6_RANGES: &[(&str, &str)] = &[
    ("fd00:ec2::254/128", "cloud metadata address"),
    ("::/128", "unspecified address"),
    ("::1/128", "loopback address"),
    ("64:ff9b:1::/48", "local-use NAT64 address"),
    ("100::/64", "discard-only address"),
    ("2001::/32", "Teredo address"),
    ("2001:2::/48", "benchmarking address"),
    ("2001:10::/28", "ORCHID address"),
    ("2001:20::/28", "ORCHIDv2 address"),
    ("2001:db8::/32", "documentation address"),
    ("3fff::/20", "documentation address"),
    ("5f00::/16", "segment routing address"),
    ("fc00::/7", "unique local IPv6 address"),
    ("fe80::/10", "link-local IPv6 address"),
    ("fec0::/10", "site-local IPv6 address"),
    ("ff00::/8", "multicast IPv6 address"),
];

/// Every refused range as CIDR text, for NetworkPolicies and admission rules.
pub fn refused_cidrs() -> impl Iterator<Item = &'static str> {
    V4_RANGES
        .iter()
        .chain(V6_RANGES)
        .map(|(cidr, _)| *cidr)
        .chain([
            "::ffff:0:0/96",
            "::ffff:0:0:0/96",
            "64:ff9b::/96",
            "2002::/16",
            "::/96",
        ])
}

/// Why an address is not a public unicast address, if it is not.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    V4_RANGES.iter().find_map(|(cidr, why)| {
        let net: Ipv4Net = cidr.parse().expect("the table holds valid CIDRs");
        net.contains(&ip).then_some(*why)
    })
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(why) = V6_RANGES.iter().find_map(|(cidr, why)| {
        let net: Ipv6Net = cidr.parse().expect("the table holds valid CIDRs");
        net.contains(&ip).then_some(*why)
    }) {
        return Some(why);
    }
    let s = ip.segments();
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    // ::ffff:a.b.c.d reaches the IPv4 host. Refused in every case, so the
    // mapped spelling can never be a way around an IPv4 rule.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4_reason(v4).unwrap_or("IPv4-mapped IPv6 address"));
    }
    // ::ffff:0:a.b.c.d (SIIT IPv4-translated) and ::a.b.c.d (deprecated
    // IPv4-compatible) likewise.
    if s[0..4] == [0, 0, 0, 0] && s[4] == 0xffff && s[5] == 0 {
        return Some(v4_reason(embedded(s[6], s[7])).unwrap_or("IPv4-translated IPv6 address"));
    }
    if s[0..6] == [0, 0, 0, 0, 0, 0] {
        return Some("IPv4-compatible IPv6 address");
    }
    // NAT64 (well-known prefix) and 6to4 reach the IPv4 address they embed:
    // public ones are fine, the rest are what they embed.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return v4_reason(embedded(s[6], s[7]))
            .map(|_| "NAT64 address of a non-public IPv4 address");
    }
    if s[0] == 0x2002 {
        return v4_reason(embedded(s[1], s[2]))
            .map(|_| "6to4 address of a non-public IPv4 address");
    }
    None
}

/// Whether `domain` is a DNS domain name: dot-separated labels of ASCII
/// letters, digits and hyphens, 1 to 63 characters each and not starting
/// or ending with a hyphen, 253 characters at most (a trailing dot aside).
pub fn is_dns_domain(domain: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    domain.len() <= 253 && domain.split('.').all(label_ok)
}

/// Why a host name must be treated as cluster-internal or local, if it
/// must. `cluster_domain` is the cluster's DNS domain (`cluster.local`).
///
/// A name without a dot is completed with the pod's DNS search domains
/// (`kubernetes` becomes `kubernetes.default.svc.cluster.local`), so it is
/// never a public site.
pub fn internal_name_reason(host: &str, cluster_domain: &str) -> Option<&'static str> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let cluster_domain = cluster_domain.trim_matches('.').to_ascii_lowercase();
    let under = |suffix: &str| {
        !suffix.is_empty() && (host == suffix || host.ends_with(&format!(".{suffix}")))
    };
    if host.is_empty() {
        return Some("empty host name");
    }
    if under(&cluster_domain) || under("svc") || under("cluster.local") {
        return Some("cluster-internal name");
    }
    if under("localhost") || under("localdomain") {
        return Some("local host name");
    }
    if under("internal") {
        return Some("cloud-internal name");
    }
    if under("local") || under("home.arpa") || under("arpa") {
        return Some("local-network name");
    }
    if !host.contains('.') {
        return Some("name without a dot (completed with the cluster's search domains)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_domains() {
        for ok in [
            "cluster.local",
            "corp.example.",
            "k8s-1.internal",
            "local",
            "a1.b2",
        ] {
            assert!(is_dns_domain(ok), "{ok}");
        }
        let long_label = "a".repeat(64);
        let long_name = ["a".repeat(63).as_str(); 5].join(".");
        for bad in [
            "",
            ".",
            "corp..example",
            "corp example",
            "-corp.example",
            "corp-.example",
            "*.corp.example",
            "corp_x.example",
            "exämple.com",
            long_label.as_str(),
            long_name.as_str(),
        ] {
            assert!(!is_dns_domain(bad), "{bad:?}");
        }
    }

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
            "169.254.170.2",
            "169.254.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "100.100.100.200",
            "168.63.129.16",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.170",
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
            "168.63.129.17",
        ] {
            assert!(!refused(a), "{a}");
        }
        assert_eq!(
            forbidden_reason("169.254.169.254".parse().unwrap()),
            Some("cloud metadata address")
        );
        assert_eq!(
            forbidden_reason("168.63.129.16".parse().unwrap()),
            Some("cloud metadata address (Azure WireServer)")
        );
    }

    #[test]
    fn refuses_non_public_v6_and_every_ipv4_carrying_form() {
        for a in [
            "::1",
            "::",
            "fd00:ec2::254",
            "fc00::1",
            "fdff::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            // IPv4-mapped, whatever it maps to.
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:8.8.8.8",
            // IPv4-translated (SIIT).
            "::ffff:0:10.0.0.1",
            "::ffff:0:8.8.8.8",
            // IPv4-compatible.
            "::127.0.0.1",
            "::8.8.8.8",
            // NAT64 well-known prefix embedding a non-public address, and
            // the local-use NAT64 prefix whatever it embeds.
            "64:ff9b::10.0.0.1",
            "64:ff9b::169.254.169.254",
            "64:ff9b:1::8.8.8.8",
            "64:ff9b:1:ffff::1",
            // 6to4 of private and loopback addresses.
            "2002:0a00:0001::1",
            "2002:7f00:0001::1",
            "2002:a9fe:a9fe::1",
            // Teredo, benchmarking, ORCHID, documentation, discard, SRv6.
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
            "2002:0808:0808::1",
            "2a00:1450:4001::1",
        ] {
            assert!(!refused(a), "{a}");
        }
        assert_eq!(
            forbidden_reason("fd00:ec2::254".parse().unwrap()),
            Some("cloud metadata address")
        );
        assert_eq!(
            forbidden_reason("::ffff:10.0.0.1".parse().unwrap()),
            Some("private address")
        );
    }

    #[test]
    fn refused_cidrs_parse_and_cover_the_tables() {
        let nets: Vec<ipnet::IpNet> = refused_cidrs().map(|c| c.parse().unwrap()).collect();
        assert!(nets.len() > V4_RANGES.len() + V6_RANGES.len());
        for (cidr, _) in V4_RANGES.iter().chain(V6_RANGES) {
            let net: ipnet::IpNet = cidr.parse().unwrap();
            assert!(
                forbidden_reason(net.network()).is_some(),
                "{cidr} is listed but not refused"
            );
        }
    }

    #[test]
    fn internal_names() {
        for (name, internal) in [
            ("kubernetes", true),
            ("kubernetes.default", false),
            ("kubernetes.default.svc", true),
            ("kubernetes.default.svc.", true),
            ("api.default.svc.cluster.local", true),
            ("CLUSTER.LOCAL", true),
            ("x.corp.example", true),
            ("localhost", true),
            ("app.localhost", true),
            ("metadata.google.internal", true),
            ("printer.local", true),
            ("router.home.arpa", true),
            ("example.com", false),
            ("example.com.", false),
            ("svc.example.com", false),
            ("internal.example.com", false),
            ("", true),
        ] {
            assert_eq!(
                internal_name_reason(name, "corp.example").is_some(),
                internal,
                "{name:?}"
            );
        }
        // The configured domain replaces nothing: cluster.local stays internal.
        assert!(internal_name_reason("a.b.cluster.local", "corp.example").is_some());
    }
}
