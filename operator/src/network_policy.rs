//! The per-scan egress NetworkPolicy: a scan's crawler pods may reach the
//! cluster DNS, the API server (for their own ConfigMaps) and the internet
//! minus every private, link-local, carrier-grade NAT, metadata and
//! special-purpose range, and the cluster's pod and service ranges. Nothing
//! may connect to them.
//!
//! The operator creates one per scan, owned by the scan, in every install
//! mode, so a namespace nobody listed in the chart is covered too. It only
//! takes effect with a CNI that enforces NetworkPolicy; the crawler's own
//! address guard is the layer that always applies.

use std::collections::BTreeMap;

use cira_crds::names;
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Ranges the API server ports are opened to when its address is unknown.
const API_SERVER_FALLBACK: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "fc00::/7",
];

/// What the installer says about the cluster's network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EgressConfig {
    /// Extra ranges crawlers may never reach: the cluster's pod and service
    /// CIDRs (public ranges in some clusters) and anything else.
    pub denied_cidrs: Vec<String>,
    /// Where the API server is (`/32` or `/128` per endpoint). Empty: its
    /// ports are opened to the private ranges instead.
    pub api_server_cidrs: Vec<String>,
    pub api_server_ports: Vec<i32>,
    /// Labels of the namespace and pods of the cluster DNS.
    pub dns_namespace_labels: BTreeMap<String, String>,
    pub dns_pod_labels: BTreeMap<String, String>,
}

impl Default for EgressConfig {
    fn default() -> Self {
        Self {
            denied_cidrs: Vec::new(),
            api_server_cidrs: Vec::new(),
            api_server_ports: vec![443, 6443],
            dns_namespace_labels: BTreeMap::from([(
                "kubernetes.io/metadata.name".to_string(),
                "kube-system".to_string(),
            )]),
            dns_pod_labels: BTreeMap::from([("k8s-app".to_string(), "kube-dns".to_string())]),
        }
    }
}

/// The NetworkPolicy of one scan's crawler pods.
pub fn crawler_network_policy(
    scan_name: &str,
    namespace: &str,
    owner: OwnerReference,
    config: &EgressConfig,
) -> NetworkPolicy {
    let (mut v4, mut v6): (Vec<String>, Vec<String>) = cira_policy::net::refused_cidrs()
        .map(String::from)
        .chain(config.denied_cidrs.iter().cloned())
        // The API server refuses IPv4-mapped IPv6 ranges in an ipBlock;
        // such traffic leaves as IPv4 and meets the IPv4 list instead.
        .filter(|c| !c.to_ascii_lowercase().starts_with("::ffff:"))
        .partition(|c| !c.contains(':'));
    for list in [&mut v4, &mut v6] {
        list.sort();
        list.dedup();
    }
    let block = |cidr: &str, except: Vec<String>| NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr: cidr.to_string(),
            except: Some(except),
        }),
        ..NetworkPolicyPeer::default()
    };
    let port = |protocol: &str, port: i32| NetworkPolicyPort {
        protocol: Some(protocol.to_string()),
        port: Some(IntOrString::Int(port)),
        ..NetworkPolicyPort::default()
    };
    let mut egress = vec![
        NetworkPolicyEgressRule {
            to: Some(vec![block("0.0.0.0/0", v4)]),
            ports: None,
        },
        NetworkPolicyEgressRule {
            to: Some(vec![block("::/0", v6)]),
            ports: None,
        },
        NetworkPolicyEgressRule {
            to: Some(vec![NetworkPolicyPeer {
                namespace_selector: Some(LabelSelector {
                    match_labels: Some(config.dns_namespace_labels.clone()),
                    ..LabelSelector::default()
                }),
                pod_selector: Some(LabelSelector {
                    match_labels: Some(config.dns_pod_labels.clone()),
                    ..LabelSelector::default()
                }),
                ..NetworkPolicyPeer::default()
            }]),
            ports: Some(vec![port("UDP", 53), port("TCP", 53)]),
        },
    ];
    // Where the API server is not known, its ports are opened to the
    // private ranges it usually lives in (never link-local, where metadata
    // endpoints are), as the chart's namespace policy does.
    let api_cidrs: Vec<String> = if config.api_server_cidrs.is_empty() {
        API_SERVER_FALLBACK.iter().map(|c| c.to_string()).collect()
    } else {
        config.api_server_cidrs.clone()
    };
    {
        egress.push(NetworkPolicyEgressRule {
            to: Some(
                api_cidrs
                    .iter()
                    .map(|cidr| NetworkPolicyPeer {
                        ip_block: Some(IPBlock {
                            cidr: cidr.clone(),
                            except: None,
                        }),
                        ..NetworkPolicyPeer::default()
                    })
                    .collect(),
            ),
            ports: Some(
                config
                    .api_server_ports
                    .iter()
                    .map(|p| port("TCP", *p))
                    .collect(),
            ),
        });
    }
    // The crawler pods of every version of the scan; the policy carries the
    // same labels.
    let crawler_pods = BTreeMap::from([
        (
            names::LABEL_APP_NAME.to_string(),
            names::APP_NAME.to_string(),
        ),
        (
            names::LABEL_COMPONENT.to_string(),
            names::COMPONENT_CRAWLER.to_string(),
        ),
        (
            names::LABEL_SCAN.to_string(),
            names::scan_label_value(scan_name),
        ),
    ]);
    NetworkPolicy {
        metadata: ObjectMeta {
            name: Some(names::crawler_service_account_name(scan_name)),
            namespace: Some(namespace.to_string()),
            labels: Some(crawler_pods.clone()),
            owner_references: Some(vec![owner]),
            ..ObjectMeta::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(crawler_pods),
                ..LabelSelector::default()
            }),
            policy_types: Some(vec!["Ingress".to_string(), "Egress".to_string()]),
            ingress: Some(Vec::new()),
            egress: Some(egress),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> OwnerReference {
        OwnerReference {
            api_version: "cira.dev/v1alpha1".into(),
            kind: "CompanyScan".into(),
            name: "acme".into(),
            uid: "u-1".into(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }
    }

    fn except(np: &NetworkPolicy, rule: usize) -> (String, Vec<String>) {
        let block = np.spec.as_ref().unwrap().egress.as_ref().unwrap()[rule]
            .to
            .as_ref()
            .unwrap()[0]
            .ip_block
            .clone()
            .unwrap();
        (block.cidr, block.except.unwrap_or_default())
    }

    #[test]
    fn internet_minus_every_refused_range_dns_and_api_only() {
        let config = EgressConfig {
            denied_cidrs: vec![
                "10.244.0.0/16".into(),
                "203.0.0.0/16".into(),
                "fd12::/64".into(),
            ],
            api_server_cidrs: vec!["192.0.2.10/32".into()],
            ..EgressConfig::default()
        };
        let np = crawler_network_policy("acme", "team-a", owner(), &config);
        assert_eq!(np.metadata.owner_references.as_ref().unwrap()[0].uid, "u-1");
        assert_eq!(np.metadata.namespace.as_deref(), Some("team-a"));
        let spec = np.spec.as_ref().unwrap();
        assert_eq!(
            spec.pod_selector
                .as_ref()
                .unwrap()
                .match_labels
                .as_ref()
                .unwrap()[names::LABEL_SCAN],
            "acme"
        );
        assert_eq!(spec.ingress.as_deref(), Some(&[][..]), "no ingress at all");
        let (v4, v4_except) = except(&np, 0);
        assert_eq!(v4, "0.0.0.0/0");
        for range in [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "169.254.0.0/16",
            "127.0.0.0/8",
            "168.63.129.16/32",
            "203.0.0.0/16",
        ] {
            assert!(
                v4_except.iter().any(|c| c == range),
                "{range}: {v4_except:?}"
            );
        }
        assert!(v4_except.iter().all(|c| !c.contains(':')));
        let (v6, v6_except) = except(&np, 1);
        assert_eq!(v6, "::/0");
        for range in [
            "fc00::/7",
            "fe80::/10",
            "64:ff9b:1::/48",
            "2001::/32",
            "fd12::/64",
        ] {
            assert!(
                v6_except.iter().any(|c| c == range),
                "{range}: {v6_except:?}"
            );
        }
        let egress = spec.egress.as_ref().unwrap();
        assert_eq!(egress.len(), 4, "internet v4, v6, DNS, API server");
        let dns_ports: Vec<_> = egress[2]
            .ports
            .as_ref()
            .unwrap()
            .iter()
            .map(|p| p.port.clone())
            .collect();
        assert_eq!(
            dns_ports,
            [Some(IntOrString::Int(53)), Some(IntOrString::Int(53))]
        );
        assert_eq!(
            egress[3].to.as_ref().unwrap()[0]
                .ip_block
                .as_ref()
                .unwrap()
                .cidr,
            "192.0.2.10/32"
        );
        assert!(v6_except.iter().all(|c| !c.starts_with("::ffff:")));
        // Every except range is a valid CIDR inside its block's family.
        for c in v4_except.iter().chain(&v6_except) {
            c.parse::<ipnet::IpNet>()
                .unwrap_or_else(|e| panic!("{c}: {e}"));
        }
    }

    #[test]
    fn without_an_api_server_address_only_its_ports_open_to_private_ranges() {
        let np = crawler_network_policy("acme", "team-a", owner(), &EgressConfig::default());
        let egress = np.spec.unwrap().egress.unwrap();
        assert_eq!(egress.len(), 4);
        let api = &egress[3];
        let cidrs: Vec<_> = api
            .to
            .as_ref()
            .unwrap()
            .iter()
            .map(|p| p.ip_block.as_ref().unwrap().cidr.clone())
            .collect();
        assert!(cidrs.contains(&"10.0.0.0/8".to_string()));
        assert!(
            cidrs
                .iter()
                .all(|c| !c.starts_with("169.254.") && !c.starts_with("fe80:"))
        );
        let ports: Vec<_> = api
            .ports
            .as_ref()
            .unwrap()
            .iter()
            .map(|p| p.port.clone())
            .collect();
        assert_eq!(
            ports,
            [Some(IntOrString::Int(443)), Some(IntOrString::Int(6443))]
        );
    }
}
