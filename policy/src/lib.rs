//! The installer's scan policy: what a CompanyScan author may ask for.
//!
//! The Helm chart renders the policy's values three times from one helper:
//! the `-scan-policy` ConfigMap (for people to read), the
//! ValidatingAdmissionPolicy's compiled-in CEL map, and the operator's
//! `--scan-policy` flag. The operator checks every scan again with
//! [`ScanPolicy::check`], so a scan that got past admission some other way
//! still never runs. The address and name rules in [`net`] are
//! also the crawler's network guard.

pub mod net;
pub mod quantity;

use std::collections::BTreeMap;

use cira_crds::{CheckpointStorage, CompanyScanSpec};

pub use quantity::Quantity;

/// Keys of the policy ConfigMap and of the operator's `--scan-policy` object.
pub mod keys {
    pub const ALLOW_PRIVATE_NETWORKS: &str = "allowPrivateNetworks";
    pub const CLUSTER_DOMAIN: &str = "clusterDomain";
    pub const MAX_CHECKPOINT_VOLUME_SIZE: &str = "maxCheckpointVolumeSize";
    pub const ALLOWED_IMAGE_PREFIXES: &str = "allowedImagePrefixes";
    pub const ALLOWED_ANNOTATION_PREFIXES: &str = "allowedAnnotationPrefixes";
    pub const ALLOWED_NODE_SELECTOR_KEYS: &str = "allowedNodeSelectorKeys";
    pub const ALLOWED_TOLERATION_KEYS: &str = "allowedTolerationKeys";
    pub const ALLOWED_PRIORITY_CLASSES: &str = "allowedPriorityClasses";
    /// Prefix of the per-resource ceilings, e.g. `maxResource.cpu`.
    pub const MAX_RESOURCE_PREFIX: &str = "maxResource.";
}

/// Errors reading a policy.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("policy key {key}: {value:?} is not {expected}")]
    BadValue {
        key: String,
        value: String,
        expected: &'static str,
    },
}

/// The policy, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanPolicy {
    pub allow_private_networks: bool,
    pub cluster_domain: String,
    pub max_checkpoint_volume_size: (String, Quantity),
    pub allowed_image_prefixes: Vec<String>,
    pub allowed_annotation_prefixes: Vec<String>,
    pub allowed_node_selector_keys: Vec<String>,
    pub allowed_toleration_keys: Vec<String>,
    pub allowed_priority_classes: Vec<String>,
    /// Ceiling per resource name, for requests and limits alike.
    pub max_resources: BTreeMap<String, (String, Quantity)>,
}

impl ScanPolicy {
    /// The chart's defaults: no private networks, only `crawler_image`, no
    /// annotations, node selectors, tolerations or priority classes, and
    /// 2 CPUs, 2Gi memory and 2Gi ephemeral storage at most.
    pub fn restrictive(crawler_image: &str) -> ScanPolicy {
        let q = |s: &str| (s.to_string(), Quantity::parse(s).expect("a valid default"));
        ScanPolicy {
            allow_private_networks: false,
            cluster_domain: "cluster.local".to_string(),
            max_checkpoint_volume_size: q("10Gi"),
            allowed_image_prefixes: vec![crawler_image.to_string()],
            allowed_annotation_prefixes: Vec::new(),
            allowed_node_selector_keys: Vec::new(),
            allowed_toleration_keys: Vec::new(),
            allowed_priority_classes: Vec::new(),
            max_resources: BTreeMap::from([
                ("cpu".to_string(), q("2")),
                ("memory".to_string(), q("2Gi")),
                ("ephemeral-storage".to_string(), q("2Gi")),
            ]),
        }
    }

    /// The policy from the ConfigMap's data. Missing keys take the
    /// restrictive default, except the image list, which then allows only
    /// `crawler_image`.
    pub fn from_data(data: &BTreeMap<String, String>, crawler_image: &str) -> Result<Self, Error> {
        let mut policy = ScanPolicy::restrictive(crawler_image);
        let list = |key: &str| -> Option<Vec<String>> {
            data.get(key).map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
        };
        let quantity = |key: &str, value: &str| {
            Quantity::parse(value)
                .map(|q| (value.trim().to_string(), q))
                .ok_or_else(|| Error::BadValue {
                    key: key.to_string(),
                    value: value.to_string(),
                    expected: "a quantity such as 10Gi",
                })
        };
        if let Some(v) = data.get(keys::ALLOW_PRIVATE_NETWORKS) {
            policy.allow_private_networks = match v.trim() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(Error::BadValue {
                        key: keys::ALLOW_PRIVATE_NETWORKS.to_string(),
                        value: v.clone(),
                        expected: "true or false",
                    });
                }
            };
        }
        if let Some(v) = data
            .get(keys::CLUSTER_DOMAIN)
            .filter(|v| !v.trim().is_empty())
        {
            let domain = v.trim().trim_end_matches('.').to_ascii_lowercase();
            if !net::is_dns_domain(&domain) {
                return Err(Error::BadValue {
                    key: keys::CLUSTER_DOMAIN.to_string(),
                    value: v.clone(),
                    expected: "a DNS domain such as cluster.local",
                });
            }
            policy.cluster_domain = domain;
        }
        if let Some(v) = data.get(keys::MAX_CHECKPOINT_VOLUME_SIZE) {
            policy.max_checkpoint_volume_size = quantity(keys::MAX_CHECKPOINT_VOLUME_SIZE, v)?;
        }
        if let Some(images) = list(keys::ALLOWED_IMAGE_PREFIXES).filter(|l| !l.is_empty()) {
            policy.allowed_image_prefixes = images;
        }
        policy.allowed_annotation_prefixes =
            list(keys::ALLOWED_ANNOTATION_PREFIXES).unwrap_or_default();
        policy.allowed_node_selector_keys =
            list(keys::ALLOWED_NODE_SELECTOR_KEYS).unwrap_or_default();
        policy.allowed_toleration_keys = list(keys::ALLOWED_TOLERATION_KEYS).unwrap_or_default();
        policy.allowed_priority_classes = list(keys::ALLOWED_PRIORITY_CLASSES).unwrap_or_default();
        let ceilings: Vec<(&String, &String)> = data
            .iter()
            .filter(|(k, _)| k.starts_with(keys::MAX_RESOURCE_PREFIX))
            .collect();
        if !ceilings.is_empty() {
            policy.max_resources = ceilings
                .into_iter()
                .map(|(k, v)| {
                    Ok((
                        k[keys::MAX_RESOURCE_PREFIX.len()..].to_string(),
                        quantity(k, v)?,
                    ))
                })
                .collect::<Result<_, Error>>()?;
        }
        Ok(policy)
    }

    /// Every way `spec` breaks this policy (empty when it complies).
    pub fn check(&self, spec: &CompanyScanSpec) -> Vec<Violation> {
        let mut out = Vec::new();
        if spec.crawl.allow_private_networks && !self.allow_private_networks {
            out.push(Violation::PrivateNetworksNotAllowed);
        }
        match url::Url::parse(&spec.company.url) {
            Ok(url) => {
                if !url.username().is_empty() || url.password().is_some() {
                    out.push(Violation::SeedCredentials);
                }
                if !self.allow_private_networks {
                    out.extend(self.check_seed_host(&url));
                }
            }
            Err(e) => out.push(Violation::SeedUnparsable {
                reason: e.to_string(),
            }),
        }
        for entry in &spec.crawl.allowed_domains {
            if is_public_suffix(entry) {
                out.push(Violation::PublicSuffixDomain {
                    entry: entry.clone(),
                });
            }
        }
        if spec.checkpoint.storage == CheckpointStorage::PersistentVolumeClaim
            || spec.checkpoint.volume_claim.is_some()
        {
            let size = spec
                .checkpoint
                .volume_claim
                .clone()
                .unwrap_or_default()
                .size;
            let (max_text, max) = &self.max_checkpoint_volume_size;
            if Quantity::parse(&size).is_none_or(|q| q.cmp_to(max).is_gt()) {
                out.push(Violation::CheckpointVolumeTooLarge {
                    size,
                    max: max_text.clone(),
                });
            }
        }
        if let Some(crawler) = &spec.crawler {
            if let Some(image) = &crawler.image
                && !self
                    .allowed_image_prefixes
                    .iter()
                    .any(|p| prefix_match(p, image))
            {
                out.push(Violation::Image {
                    image: image.clone(),
                });
            }
            for key in crawler.annotations.iter().flat_map(|a| a.keys()) {
                if !self
                    .allowed_annotation_prefixes
                    .iter()
                    .any(|p| prefix_match(p, key))
                {
                    out.push(Violation::Annotation { key: key.clone() });
                }
            }
            for key in crawler.node_selector.iter().flat_map(|a| a.keys()) {
                if !self.allowed_node_selector_keys.contains(key) {
                    out.push(Violation::NodeSelectorKey { key: key.clone() });
                }
            }
            for toleration in crawler.tolerations.iter().flatten() {
                let key = toleration.key.clone().filter(|k| !k.is_empty());
                if !key
                    .as_ref()
                    .is_some_and(|k| self.allowed_toleration_keys.contains(k))
                {
                    out.push(Violation::TolerationKey { key });
                }
            }
            if let Some(class) = &crawler.priority_class_name
                && !self.allowed_priority_classes.contains(class)
            {
                out.push(Violation::PriorityClass {
                    name: class.clone(),
                });
            }
            if let Some(resources) = &crawler.resources {
                if resources.claims.as_ref().is_some_and(|c| !c.is_empty()) {
                    out.push(Violation::ResourceClaims);
                }
                for (field, map) in [
                    ("requests", &resources.requests),
                    ("limits", &resources.limits),
                ] {
                    for (name, value) in map.iter().flatten() {
                        let max = self.max_resources.get(name);
                        let within = max.is_some_and(|(_, max)| {
                            Quantity::parse(&value.0).is_some_and(|q| q.cmp_to(max).is_le())
                        });
                        if !within {
                            out.push(Violation::Resource {
                                field,
                                name: name.clone(),
                                value: value.0.clone(),
                                max: max.map(|(text, _)| text.clone()),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    fn check_seed_host(&self, url: &url::Url) -> Option<Violation> {
        let host = url.host_str().unwrap_or_default().to_string();
        let reason = match url.host() {
            Some(url::Host::Ipv4(ip)) => net::forbidden_reason(ip.into()),
            Some(url::Host::Ipv6(ip)) => net::forbidden_reason(ip.into()),
            Some(url::Host::Domain(name)) => net::internal_name_reason(name, &self.cluster_domain),
            None => Some("no host"),
        }?;
        Some(Violation::SeedHost { host, reason })
    }
}

/// An allow-list entry matches a value equal to it, or, when the entry ends
/// in `/`, `:` or `@`, a value it starts. So `ghcr.io/acme/crawler` never
/// matches `ghcr.io/acme/crawler-evil`, nor `registry.example.com` match
/// `registry.example.com.evil.io/x`.
pub fn prefix_match(entry: &str, value: &str) -> bool {
    value == entry || (entry.ends_with(['/', ':', '@']) && value.starts_with(entry))
}

/// True when an `allowedDomains` entry (`*.` stripped) is itself a public
/// suffix, so every site registered under it would be in scope.
pub fn is_public_suffix(entry: &str) -> bool {
    let base = entry
        .strip_prefix("*.")
        .unwrap_or(entry)
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if !base.contains('.') {
        // Any single label is a top-level domain (or an internal name).
        return true;
    }
    if psl::suffix_str(&base) == Some(base.as_str()) {
        return true;
    }
    // A wildcard rule (`*.sch.uk`, `*.kawasaki.jp`) makes every child a
    // public suffix, so the parent covers countless registrants too.
    let child = format!("cira-probe.{base}");
    psl::suffix_str(&child) == Some(child.as_str())
}

/// One way a scan breaks the policy. The message names the field and the
/// rule, for the scan's status.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error(
        "spec.crawl.allowPrivateNetworks: true is refused: this cluster's scan policy does not allow private networks"
    )]
    PrivateNetworksNotAllowed,
    #[error("spec.company.url must not carry credentials (user:password@host)")]
    SeedCredentials,
    #[error("spec.company.url cannot be parsed: {reason}")]
    SeedUnparsable { reason: String },
    #[error(
        "spec.company.url: the host {host} is a {reason}, which this cluster's scan policy does not allow"
    )]
    SeedHost { host: String, reason: &'static str },
    #[error(
        "spec.crawl.allowedDomains: {entry} is a public suffix; every site under it would be in scope"
    )]
    PublicSuffixDomain { entry: String },
    #[error(
        "spec.checkpoint.volumeClaim.size {size} is larger than this cluster's ceiling of {max}"
    )]
    CheckpointVolumeTooLarge { size: String, max: String },
    #[error("spec.crawler.image {image} is not allowed by this cluster's scan policy")]
    Image { image: String },
    #[error("spec.crawler.annotations: {key} is not allowed by this cluster's scan policy")]
    Annotation { key: String },
    #[error("spec.crawler.nodeSelector: {key} is not allowed by this cluster's scan policy")]
    NodeSelectorKey { key: String },
    #[error(
        "spec.crawler.tolerations: tolerating {} is not allowed by this cluster's scan policy",
        key.as_deref().map_or("every taint (no key)".to_string(), |k| format!("taint {k}"))
    )]
    TolerationKey { key: Option<String> },
    #[error("spec.crawler.priorityClassName {name} is not allowed by this cluster's scan policy")]
    PriorityClass { name: String },
    #[error("spec.crawler.resources.claims are not allowed by this cluster's scan policy")]
    ResourceClaims,
    #[error(
        "spec.crawler.resources.{field}.{name} {value} {}",
        max.as_deref().map_or("is not a resource this cluster's scan policy allows".to_string(), |m| format!("exceeds this cluster's ceiling of {m}"))
    )]
    Resource {
        field: &'static str,
        name: String,
        value: String,
        max: Option<String>,
    },
}

#[cfg(test)]
mod tests;
