use super::*;
use serde_json::json;

const IMAGE: &str = "ghcr.io/cira-dev/cira-crawler:0.1.0";

fn spec(extra: serde_json::Value) -> CompanyScanSpec {
    let mut base = json!({"company": {"name": "Acme", "url": "https://acme.example.com"}});
    merge(&mut base, extra);
    serde_json::from_value(base).expect("a valid spec")
}

fn merge(base: &mut serde_json::Value, extra: serde_json::Value) {
    match (base, extra) {
        (serde_json::Value::Object(b), serde_json::Value::Object(e)) => {
            for (k, v) in e {
                merge(b.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, e) => *b = e,
    }
}

fn restrictive() -> ScanPolicy {
    ScanPolicy::restrictive(IMAGE)
}

fn permissive() -> ScanPolicy {
    let data: BTreeMap<String, String> = [
        ("allowPrivateNetworks", "true"),
        ("clusterDomain", "corp.internal"),
        ("maxCheckpointVolumeSize", "50Gi"),
        (
            "allowedImagePrefixes",
            "registry.example.com/cira/, ghcr.io/cira-dev/cira-crawler:",
        ),
        ("allowedAnnotationPrefixes", "example.com/"),
        ("allowedNodeSelectorKeys", "pool"),
        ("allowedTolerationKeys", "dedicated"),
        ("allowedPriorityClasses", "batch-low"),
        ("maxResource.cpu", "4"),
        ("maxResource.memory", "8Gi"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    ScanPolicy::from_data(&data, IMAGE).expect("parses")
}

/// Each abusive spec and the one violation it must produce under the
/// restrictive (default) policy.
fn abusive_specs() -> Vec<(&'static str, serde_json::Value, Violation)> {
    let host = |h: &str, reason: &'static str| Violation::SeedHost {
        host: h.to_string(),
        reason,
    };
    let url = |u: &str| json!({"company": {"url": u}});
    vec![
        (
            "private networks asked for",
            json!({"crawl": {"allowPrivateNetworks": true}}),
            Violation::PrivateNetworksNotAllowed,
        ),
        (
            "loopback seed",
            url("http://127.0.0.1:8080/"),
            host("127.0.0.1", "loopback address"),
        ),
        (
            "private seed",
            url("http://10.0.0.5/"),
            host("10.0.0.5", "private address"),
        ),
        (
            "metadata seed",
            url("http://169.254.169.254/latest/meta-data/"),
            host("169.254.169.254", "cloud metadata address"),
        ),
        (
            "Azure WireServer seed",
            url("http://168.63.129.16/"),
            host("168.63.129.16", "cloud metadata address (Azure WireServer)"),
        ),
        (
            "CGNAT seed",
            url("http://100.64.0.1/"),
            host("100.64.0.1", "carrier-grade NAT address"),
        ),
        (
            "decimal IPv4 seed",
            url("http://2130706433/"),
            host("127.0.0.1", "loopback address"),
        ),
        (
            "hex IPv4 seed",
            url("http://0x7f.0.0.1/"),
            host("127.0.0.1", "loopback address"),
        ),
        (
            "short IPv4 seed",
            url("http://10.1/"),
            host("10.0.0.1", "private address"),
        ),
        (
            "IPv6 loopback seed",
            url("http://[::1]/"),
            host("[::1]", "loopback address"),
        ),
        (
            "IPv4-mapped seed",
            url("http://[::ffff:169.254.169.254]/"),
            host("[::ffff:a9fe:a9fe]", "cloud metadata address"),
        ),
        (
            "NAT64 seed",
            url("http://[64:ff9b::a00:1]/"),
            host(
                "[64:ff9b::a00:1]",
                "NAT64 address of a non-public IPv4 address",
            ),
        ),
        (
            "cluster service seed",
            url("http://kubernetes.default.svc/"),
            host("kubernetes.default.svc", "cluster-internal name"),
        ),
        (
            "single-label seed",
            url("http://kubernetes/"),
            host(
                "kubernetes",
                "name without a dot (completed with the cluster's search domains)",
            ),
        ),
        (
            "metadata name seed",
            url("http://metadata.google.internal/"),
            host("metadata.google.internal", "cloud-internal name"),
        ),
        (
            "credentials in seed",
            url("https://user:secret@acme.example.com/"),
            Violation::SeedCredentials,
        ),
        (
            "TLD in allowedDomains",
            json!({"crawl": {"allowedDomains": ["com"]}}),
            Violation::PublicSuffixDomain {
                entry: "com".into(),
            },
        ),
        (
            "wildcard TLD in allowedDomains",
            json!({"crawl": {"allowedDomains": ["*.com"]}}),
            Violation::PublicSuffixDomain {
                entry: "*.com".into(),
            },
        ),
        (
            "ccSLD in allowedDomains",
            json!({"crawl": {"allowedDomains": ["co.uk"]}}),
            Violation::PublicSuffixDomain {
                entry: "co.uk".into(),
            },
        ),
        (
            "hosting platform in allowedDomains",
            json!({"crawl": {"allowedDomains": ["*.github.io"]}}),
            Violation::PublicSuffixDomain {
                entry: "*.github.io".into(),
            },
        ),
        (
            "suffix only the full list knows",
            json!({"crawl": {"allowedDomains": ["*.s3.dualstack.eu-west-1.amazonaws.com"]}}),
            Violation::PublicSuffixDomain {
                entry: "*.s3.dualstack.eu-west-1.amazonaws.com".into(),
            },
        ),
        (
            "huge checkpoint volume",
            json!({"checkpoint": {"storage": "PersistentVolumeClaim", "volumeClaim": {"size": "1Ti"}}}),
            Violation::CheckpointVolumeTooLarge {
                size: "1Ti".into(),
                max: "10Gi".into(),
            },
        ),
        (
            "foreign image",
            json!({"crawler": {"image": "evil.example.com/miner:latest"}}),
            Violation::Image {
                image: "evil.example.com/miner:latest".into(),
            },
        ),
        (
            "look-alike image",
            json!({"crawler": {"image": "ghcr.io/cira-dev/cira-crawler:0.1.0-evil"}}),
            Violation::Image {
                image: "ghcr.io/cira-dev/cira-crawler:0.1.0-evil".into(),
            },
        ),
        (
            "annotation",
            json!({"crawler": {"annotations": {"container.apparmor.security.beta.kubernetes.io/crawler": "unconfined"}}}),
            Violation::Annotation {
                key: "container.apparmor.security.beta.kubernetes.io/crawler".into(),
            },
        ),
        (
            "node selector",
            json!({"crawler": {"nodeSelector": {"node-role.kubernetes.io/control-plane": ""}}}),
            Violation::NodeSelectorKey {
                key: "node-role.kubernetes.io/control-plane".into(),
            },
        ),
        (
            "tolerate every taint",
            json!({"crawler": {"tolerations": [{"operator": "Exists"}]}}),
            Violation::TolerationKey { key: None },
        ),
        (
            "priority class",
            json!({"crawler": {"priorityClassName": "system-node-critical"}}),
            Violation::PriorityClass {
                name: "system-node-critical".into(),
            },
        ),
        (
            "CPU over the ceiling",
            json!({"crawler": {"resources": {"limits": {"cpu": "64"}}}}),
            Violation::Resource {
                field: "limits",
                name: "cpu".into(),
                value: "64".into(),
                max: Some("2".into()),
            },
        ),
        (
            "GPU",
            json!({"crawler": {"resources": {"requests": {"nvidia.com/gpu": "1"}}}}),
            Violation::Resource {
                field: "requests",
                name: "nvidia.com/gpu".into(),
                value: "1".into(),
                max: None,
            },
        ),
        (
            "resource claim",
            json!({"crawler": {"resources": {"claims": [{"name": "gpu"}]}}}),
            Violation::ResourceClaims,
        ),
        (
            "toleration of a key not on the list",
            json!({"crawler": {"tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}]}}),
            Violation::TolerationKey {
                key: Some("node-role.kubernetes.io/control-plane".into()),
            },
        ),
        (
            "6to4 seed of loopback",
            url("http://[2002:7f00:1::1]/"),
            host(
                "[2002:7f00:1::1]",
                "6to4 address of a non-public IPv4 address",
            ),
        ),
        (
            "Teredo seed",
            url("http://[2001::1]/"),
            host("[2001::1]", "Teredo address"),
        ),
        (
            "localhost seed",
            url("http://localhost:9090/"),
            host("localhost", "local host name"),
        ),
        (
            "cluster.local seed",
            url("https://api.default.svc.cluster.local/"),
            host("api.default.svc.cluster.local", "cluster-internal name"),
        ),
    ]
}

#[test]
fn each_abusive_spec_gives_exactly_its_violation() {
    let policy = restrictive();
    let cases = abusive_specs();
    assert!(cases.len() >= 20);
    for (what, extra, expected) in cases {
        let found = policy.check(&spec(extra));
        assert_eq!(found, vec![expected], "{what}");
        assert!(
            found[0].to_string().starts_with("spec."),
            "{what}: the message names the field: {}",
            found[0]
        );
    }
}

#[test]
fn defaults_and_allowed_overrides_comply() {
    assert_eq!(restrictive().check(&spec(json!({}))), vec![]);
    let within = spec(json!({
        "crawler": {
            "image": IMAGE,
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}
        },
        "checkpoint": {"storage": "PersistentVolumeClaim", "volumeClaim": {"size": "10Gi"}},
        "crawl": {"allowedDomains": ["acme.co.uk", "*.acme-cdn.net", "acme.github.io"]}
    }));
    assert_eq!(restrictive().check(&within), vec![]);
}

#[test]
fn a_permissive_policy_lets_its_entries_through() {
    let policy = permissive();
    let ok = spec(json!({
        "company": {"url": "http://127.0.0.1:8080/"},
        "crawl": {"allowPrivateNetworks": true},
        "crawler": {
            "image": "registry.example.com/cira/crawler:2",
            "annotations": {"example.com/team": "a"},
            "nodeSelector": {"pool": "crawl"},
            "tolerations": [{"key": "dedicated", "operator": "Exists"}],
            "priorityClassName": "batch-low",
            "resources": {"limits": {"cpu": "4", "memory": "8Gi"}}
        },
        "checkpoint": {"storage": "PersistentVolumeClaim", "volumeClaim": {"size": "50Gi"}}
    }));
    assert_eq!(policy.check(&ok), vec![]);
    // Still refused: a look-alike registry host, a missing ceiling (no
    // ephemeral-storage entry when ceilings are given), public suffixes and
    // credentials, which no policy allows.
    let bad = spec(json!({
        "company": {"url": "https://u:p@acme.example.com/"},
        "crawl": {"allowedDomains": ["*.co.uk"]},
        "crawler": {
            "image": "registry.example.com.evil.io/cira/crawler:2",
            "resources": {"limits": {"ephemeral-storage": "1Gi"}}
        }
    }));
    let found = policy.check(&bad);
    assert_eq!(found.len(), 4, "{found:#?}");
}

#[test]
fn policy_data_errors_name_the_key() {
    let bad = |k: &str, v: &str| {
        let data = BTreeMap::from([(k.to_string(), v.to_string())]);
        ScanPolicy::from_data(&data, IMAGE).unwrap_err().to_string()
    };
    assert!(bad("allowPrivateNetworks", "yes").contains("allowPrivateNetworks"));
    assert!(bad("maxCheckpointVolumeSize", "big").contains("maxCheckpointVolumeSize"));
    assert!(bad("maxResource.cpu", "lots").contains("maxResource.cpu"));
    // An empty image list means the operator's own image only.
    let data = BTreeMap::from([("allowedImagePrefixes".to_string(), String::new())]);
    let policy = ScanPolicy::from_data(&data, IMAGE).unwrap();
    assert_eq!(policy.allowed_image_prefixes, [IMAGE]);
}

#[test]
fn the_admission_list_is_all_public_suffixes() {
    // The admission policy's own list (CEL cannot hold the whole Public
    // Suffix List): every entry must be on it, so the two never disagree.
    let chart = include_str!("../../charts/cira-operator/templates/scan-policy.yaml");
    let list = chart
        .split("- name: publicSuffixes")
        .nth(1)
        .and_then(|rest| rest.split("- name:").next())
        .expect("the chart names its publicSuffixes variable");
    let suffixes: Vec<&str> = list.split('\'').skip(1).step_by(2).collect();
    assert!(suffixes.len() > 100, "{suffixes:?}");
    let missing: Vec<&str> = suffixes
        .into_iter()
        .filter(|s| !is_public_suffix(s))
        .collect();
    assert!(missing.is_empty(), "not public suffixes: {missing:?}");
    // Under a wildcard rule (`*.sch.uk`) the parent covers every child.
    assert!(is_public_suffix("sch.uk"));
    assert!(is_public_suffix("*.kawasaki.jp"));
    for registrable in ["acme.com", "acme.co.uk", "acme.github.io", "*.acme.com"] {
        assert!(!is_public_suffix(registrable), "{registrable}");
    }
}

#[test]
fn prefix_entries_need_a_separator_to_match_more() {
    assert!(prefix_match("ghcr.io/a/b:1", "ghcr.io/a/b:1"));
    assert!(!prefix_match("ghcr.io/a/b", "ghcr.io/a/b-evil:1"));
    assert!(prefix_match("ghcr.io/a/b:", "ghcr.io/a/b:2"));
    assert!(prefix_match("ghcr.io/a/", "ghcr.io/a/b@sha256:00"));
    assert!(!prefix_match(
        "registry.example.com",
        "registry.example.com.evil.io/x"
    ));
}
