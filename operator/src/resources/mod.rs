//! Pure builders of the objects the operator creates for a scan: the crawler
//! Job (in `job`), its ServiceAccount, Role and RoleBinding, the ConfigMaps
//! it writes, and the checkpoint claim.
//!
//! Nothing here talks to the API server, so every field is unit-tested.

mod job;

use std::collections::BTreeMap;

use cira_crds::names;
use cira_crds::{CheckpointStorage, CompanyScan, CompanyScanSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, PersistentVolumeClaim, PersistentVolumeClaimSpec, ServiceAccount,
    VolumeResourceRequirements,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::{Resource, ResourceExt};

use crate::error::{Error, Result};

pub use job::{
    container_security_context, crawler_job, default_resources, job_suspend_patch,
    pod_failure_policy,
};

/// Exit code with which the crawler reports a permanent failure.
pub const EXIT_PERMANENT_FAILURE: i32 = cira_crds::names::EXIT_PERMANENT as i32;
/// Exit code of a crawler stopped by SIGTERM after saving its checkpoint.
pub const EXIT_INTERRUPTED: i32 = cira_crds::names::EXIT_INTERRUPTED as i32;
/// Container name of the crawler.
pub const CRAWLER_CONTAINER: &str = "crawler";
/// Seconds the crawler has to save a checkpoint after SIGTERM.
pub const TERMINATION_GRACE_SECONDS: i64 = 30;
/// The unprivileged user the crawler runs as.
pub const CRAWLER_UID: i64 = 65532;

/// Identity of one scan version, everything the builders need besides the spec.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanRef {
    pub name: String,
    pub namespace: String,
    pub uid: String,
    pub version: i64,
}

impl ScanRef {
    /// Reads the identity of `scan` at `version`.
    pub fn of(scan: &CompanyScan, version: i64) -> Result<Self> {
        Ok(Self {
            name: scan.name_any(),
            namespace: scan
                .namespace()
                .ok_or(Error::MissingObjectKey("metadata.namespace"))?,
            uid: scan.uid().ok_or(Error::MissingObjectKey("metadata.uid"))?,
            version,
        })
    }

    /// The owner reference every object of the scan carries; deleting the
    /// scan garbage-collects them.
    pub fn owner_reference(&self) -> OwnerReference {
        OwnerReference {
            api_version: CompanyScan::api_version(&()).into_owned(),
            kind: CompanyScan::kind(&()).into_owned(),
            name: self.name.clone(),
            uid: self.uid.clone(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }
    }

    fn labels(&self, component: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            (
                names::LABEL_APP_NAME.to_string(),
                names::APP_NAME.to_string(),
            ),
            (names::LABEL_COMPONENT.to_string(), component.to_string()),
            (
                names::LABEL_MANAGED_BY.to_string(),
                names::OPERATOR_FIELD_MANAGER.to_string(),
            ),
            (
                names::LABEL_SCAN.to_string(),
                names::scan_label_value(&self.name),
            ),
            (
                names::LABEL_SCAN_VERSION.to_string(),
                self.version.to_string(),
            ),
        ])
    }

    fn meta(&self, name: String, component: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.namespace.clone()),
            labels: Some(self.labels(component)),
            owner_references: Some(vec![self.owner_reference()]),
            ..ObjectMeta::default()
        }
    }
}

/// The crawler's ServiceAccount.
pub fn service_account(scan: &ScanRef) -> ServiceAccount {
    ServiceAccount {
        metadata: scan.meta(
            names::crawler_service_account_name(&scan.name),
            names::COMPONENT_CRAWLER,
        ),
        // The crawler talks to the API server with this token.
        automount_service_account_token: Some(true),
        ..ServiceAccount::default()
    }
}

/// The ConfigMap names the crawler of this scan version writes: exactly
/// those the operator creates for it and its Role names.
pub fn crawler_configmap_names(scan: &ScanRef, storage: CheckpointStorage) -> Vec<String> {
    names::crawler_configmap_names(&scan.name, scan.version, storage)
}

/// The ConfigMaps the crawler writes, created empty by the operator before
/// the crawler's Job (owned by the scan, labelled by component and
/// version), so the crawler never creates an object. The crawler fills
/// them with merge patches; the operator's apply holds only metadata, so
/// applying again keeps what the crawler wrote.
pub fn crawler_configmaps(scan: &ScanRef, storage: CheckpointStorage) -> Vec<ConfigMap> {
    let mut wanted = vec![
        (
            names::progress_configmap_name(&scan.name),
            names::COMPONENT_PROGRESS,
        ),
        (
            names::report_configmap_name(&scan.name, scan.version),
            names::COMPONENT_REPORT,
        ),
    ];
    if storage == CheckpointStorage::ConfigMap {
        wanted.extend(
            names::all_checkpoint_configmap_names(&scan.name)
                .into_iter()
                .map(|name| (name, names::COMPONENT_CHECKPOINT)),
        );
    }
    wanted
        .into_iter()
        .map(|(name, component)| ConfigMap {
            metadata: scan.meta(name, component),
            ..ConfigMap::default()
        })
        .collect()
}

/// The crawler's Role: `get` and `patch` of the ConfigMaps the operator
/// created for it, by name, `get` of its Job and `get`/`list`/`watch` of its
/// scan, by name. No `create` (RBAC cannot restrict that by name) and no
/// `delete`.
pub fn role(scan: &ScanRef, storage: CheckpointStorage) -> Role {
    let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Role {
        metadata: scan.meta(
            names::crawler_service_account_name(&scan.name),
            names::COMPONENT_CRAWLER,
        ),
        rules: Some(vec![
            PolicyRule {
                api_groups: Some(strings(&[""])),
                resources: Some(strings(&["configmaps"])),
                resource_names: Some(crawler_configmap_names(scan, storage)),
                verbs: strings(&["get", "patch"]),
                ..PolicyRule::default()
            },
            // After SIGTERM the crawler reads its own Job to tell a pause
            // (suspended) from an eviction.
            PolicyRule {
                api_groups: Some(strings(&["batch"])),
                resources: Some(strings(&["jobs"])),
                resource_names: Some(vec![names::job_name(&scan.name, scan.version)]),
                verbs: strings(&["get"]),
                ..PolicyRule::default()
            },
            // The crawler watches its own scan for `desiredState: Stopped`;
            // list and watch carry a metadata.name field selector, which
            // resourceNames authorizes.
            PolicyRule {
                api_groups: Some(strings(&["cira.dev"])),
                resources: Some(strings(&["companyscans"])),
                resource_names: Some(vec![scan.name.clone()]),
                verbs: strings(&["get", "list", "watch"]),
                ..PolicyRule::default()
            },
        ]),
    }
}

/// Binds the crawler's Role to its ServiceAccount.
pub fn role_binding(scan: &ScanRef) -> RoleBinding {
    let name = names::crawler_service_account_name(&scan.name);
    RoleBinding {
        metadata: scan.meta(name.clone(), names::COMPONENT_CRAWLER),
        role_ref: RoleRef {
            api_group: Some("rbac.authorization.k8s.io".to_string()),
            kind: "Role".to_string(),
            name: name.clone(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_string(),
            name,
            namespace: Some(scan.namespace.clone()),
            ..Subject::default()
        }]),
    }
}

/// The checkpoint claim, for PersistentVolumeClaim storage only.
pub fn checkpoint_pvc(scan: &ScanRef, spec: &CompanyScanSpec) -> Option<PersistentVolumeClaim> {
    if spec.checkpoint.storage != CheckpointStorage::PersistentVolumeClaim {
        return None;
    }
    let claim = spec.checkpoint.volume_claim.clone().unwrap_or_default();
    Some(PersistentVolumeClaim {
        // Not versioned: one claim serves every version (the crawler ignores
        // checkpoints of other versions).
        metadata: ObjectMeta {
            labels: Some({
                let mut labels = scan.labels(names::COMPONENT_CHECKPOINT);
                labels.remove(names::LABEL_SCAN_VERSION);
                labels
            }),
            ..scan.meta(
                names::checkpoint_pvc_name(&scan.name),
                names::COMPONENT_CHECKPOINT,
            )
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".to_string()]),
            storage_class_name: claim.storage_class_name,
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_string(),
                    Quantity(claim.size),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    })
}

#[cfg(test)]
mod tests;
