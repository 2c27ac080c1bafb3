//! Pure builders of the objects the operator creates for a scan: the crawler
//! Job, its ServiceAccount, Role and RoleBinding, and the checkpoint claim.
//!
//! Nothing here talks to the API server, so every field is unit-tested.

use std::collections::BTreeMap;

use cira_crds::names;
use cira_crds::{CheckpointStorage, CompanyScan, CompanyScanSpec};
use k8s_openapi::api::batch::v1::{
    Job, JobSpec, PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement,
    PodFailurePolicyOnPodConditionsPattern, PodFailurePolicyRule,
};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, EnvVar, EnvVarSource, ObjectFieldSelector,
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource,
    PodSecurityContext, PodSpec, PodTemplateSpec, ResourceRequirements, SeccompProfile,
    SecurityContext, ServiceAccount, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::{Resource, ResourceExt};

use crate::config::OperatorConfig;
use crate::error::{Error, Result};

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

/// The ConfigMap names the crawler of this scan version may touch.
pub fn crawler_configmap_names(scan: &ScanRef) -> Vec<String> {
    let mut names = names::all_checkpoint_configmap_names(&scan.name);
    names.push(names::progress_configmap_name(&scan.name));
    names.push(names::report_configmap_name(&scan.name, scan.version));
    names
}

/// The crawler's Role: its own checkpoint, progress and report ConfigMaps
/// by name, and ConfigMap creation (which RBAC cannot restrict by name).
pub fn role(scan: &ScanRef) -> Role {
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
                resource_names: Some(crawler_configmap_names(scan)),
                verbs: strings(&["get", "update", "patch"]),
                ..PolicyRule::default()
            },
            PolicyRule {
                api_groups: Some(strings(&[""])),
                resources: Some(strings(&["configmaps"])),
                verbs: strings(&["create"]),
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

/// Requests and limits of the crawler when the scan sets none.
pub fn default_resources() -> ResourceRequirements {
    let q = |s: &str| Quantity(s.to_string());
    ResourceRequirements {
        requests: Some(BTreeMap::from([
            ("cpu".to_string(), q("100m")),
            ("memory".to_string(), q("128Mi")),
        ])),
        limits: Some(BTreeMap::from([("memory".to_string(), q("512Mi"))])),
        ..ResourceRequirements::default()
    }
}

/// The container security context every crawler runs with (Pod Security
/// Standards "restricted").
pub fn container_security_context() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(CRAWLER_UID),
        run_as_group: Some(CRAWLER_UID),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            ..Capabilities::default()
        }),
        seccomp_profile: Some(runtime_default_seccomp()),
        ..SecurityContext::default()
    }
}

fn runtime_default_seccomp() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".to_string(),
        ..SeccompProfile::default()
    }
}

/// The pod failure policy: disruptions (eviction, preemption, node loss) and
/// crawlers stopped by SIGTERM after a checkpoint (exit code 4, e.g. a
/// deleted pod) do not count against backoffLimit and get a replacement pod;
/// exit code 3 fails the Job at once.
pub fn pod_failure_policy() -> PodFailurePolicy {
    PodFailurePolicy {
        rules: vec![
            PodFailurePolicyRule {
                action: "Ignore".to_string(),
                on_pod_conditions: Some(vec![PodFailurePolicyOnPodConditionsPattern {
                    type_: "DisruptionTarget".to_string(),
                    status: Some("True".to_string()),
                }]),
                ..PodFailurePolicyRule::default()
            },
            on_crawler_exit_code("Ignore", EXIT_INTERRUPTED),
            on_crawler_exit_code("FailJob", EXIT_PERMANENT_FAILURE),
        ],
    }
}

/// A pod failure policy rule for one exit code of the crawler container.
fn on_crawler_exit_code(action: &str, code: i32) -> PodFailurePolicyRule {
    PodFailurePolicyRule {
        action: action.to_string(),
        on_exit_codes: Some(PodFailurePolicyOnExitCodesRequirement {
            container_name: Some(CRAWLER_CONTAINER.to_string()),
            operator: "In".to_string(),
            values: vec![code],
        }),
        ..PodFailurePolicyRule::default()
    }
}

fn env(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: Some(value.into()),
        ..EnvVar::default()
    }
}

/// The merge patch that sets a Job's `spec.suspend`. It carries the
/// resourceVersion of the Job the decision was made on, so a writer whose
/// view is stale (an operator that lost its Lease, a slow reconcile) gets a
/// conflict instead of undoing a newer pause or resume.
pub fn job_suspend_patch(job: &Job, suspend: bool) -> serde_json::Value {
    serde_json::json!({
        "metadata": { "resourceVersion": job.resource_version() },
        "spec": { "suspend": suspend },
    })
}

/// The crawler Job of one scan version, created running; pausing later
/// sets `spec.suspend` on it.
pub fn crawler_job(scan: &ScanRef, spec: &CompanyScanSpec, config: &OperatorConfig) -> Result<Job> {
    let overrides = spec.crawler.clone().unwrap_or_default();
    let spec_json = serde_json::to_string(spec).map_err(|source| Error::Serialize {
        what: "the CompanyScan spec for the crawler",
        source,
    })?;
    let pvc = spec.checkpoint.storage == CheckpointStorage::PersistentVolumeClaim;

    let mut env_vars = vec![
        env(names::ENV_SCAN_NAMESPACE, &scan.namespace),
        env(names::ENV_SCAN_NAME, &scan.name),
        env(names::ENV_SCAN_UID, &scan.uid),
        env(names::ENV_SCAN_VERSION, scan.version.to_string()),
        env(names::ENV_SCAN_SPEC, spec_json),
        EnvVar {
            name: names::ENV_POD_NAME.to_string(),
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    field_path: "metadata.name".to_string(),
                    ..ObjectFieldSelector::default()
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        },
        env("RUST_LOG", &config.crawler_log),
        env("CIRA_LOG_FORMAT", config.crawler_log_format.as_str()),
    ];
    let mut volumes = vec![Volume {
        name: "tmp".to_string(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    }];
    let mut mounts = vec![VolumeMount {
        name: "tmp".to_string(),
        mount_path: "/tmp".to_string(),
        ..VolumeMount::default()
    }];
    if pvc {
        env_vars.push(env(names::ENV_CHECKPOINT_DIR, names::CHECKPOINT_MOUNT_PATH));
        volumes.push(Volume {
            name: "checkpoint".to_string(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: names::checkpoint_pvc_name(&scan.name),
                ..PersistentVolumeClaimVolumeSource::default()
            }),
            ..Volume::default()
        });
        mounts.push(VolumeMount {
            name: "checkpoint".to_string(),
            mount_path: names::CHECKPOINT_MOUNT_PATH.to_string(),
            ..VolumeMount::default()
        });
    }

    let container = Container {
        name: CRAWLER_CONTAINER.to_string(),
        image: Some(
            overrides
                .image
                .clone()
                .unwrap_or_else(|| config.crawler_image.clone()),
        ),
        args: Some(vec!["run".to_string()]),
        env: Some(env_vars),
        resources: Some(
            overrides
                .resources
                .clone()
                .unwrap_or_else(default_resources),
        ),
        security_context: Some(container_security_context()),
        volume_mounts: Some(mounts),
        termination_message_policy: Some("FallbackToLogsOnError".to_string()),
        ..Container::default()
    };

    let labels = scan.labels(names::COMPONENT_CRAWLER);
    let template = PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels.clone()),
            annotations: overrides.annotations.clone(),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            service_account_name: Some(names::crawler_service_account_name(&scan.name)),
            automount_service_account_token: Some(true),
            restart_policy: Some("Never".to_string()),
            termination_grace_period_seconds: Some(TERMINATION_GRACE_SECONDS),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(CRAWLER_UID),
                run_as_group: Some(CRAWLER_UID),
                fs_group: Some(CRAWLER_UID),
                seccomp_profile: Some(runtime_default_seccomp()),
                ..PodSecurityContext::default()
            }),
            containers: vec![container],
            volumes: Some(volumes),
            node_selector: overrides.node_selector.clone(),
            tolerations: overrides.tolerations.clone(),
            priority_class_name: overrides.priority_class_name.clone(),
            enable_service_links: Some(false),
            ..PodSpec::default()
        }),
    };

    Ok(Job {
        metadata: scan.meta(
            names::job_name(&scan.name, scan.version),
            names::COMPONENT_CRAWLER,
        ),
        spec: Some(JobSpec {
            backoff_limit: Some(config.backoff_limit),
            completions: Some(1),
            parallelism: Some(1),
            pod_failure_policy: Some(pod_failure_policy()),
            // A replacement pod starts only once the old one has fully
            // terminated, so two crawlers never write the same checkpoint.
            pod_replacement_policy: Some("Failed".to_string()),
            suspend: Some(false),
            template,
            ..JobSpec::default()
        }),
        ..Job::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cira_crds::{CheckpointSpec, CompanyRef, CrawlerPodSpec, VolumeClaimSpec};
    use k8s_openapi::api::core::v1::Toleration;

    fn scan() -> ScanRef {
        ScanRef {
            name: "acme".into(),
            namespace: "team-a".into(),
            uid: "uid-1".into(),
            version: 2,
        }
    }

    #[test]
    fn a_suspend_patch_is_conditional_on_the_job_it_was_decided_on() {
        let mut job = Job::default();
        job.metadata.resource_version = Some("41".into());
        for suspend in [true, false] {
            let patch = job_suspend_patch(&job, suspend);
            assert_eq!(patch["metadata"]["resourceVersion"], "41");
            assert_eq!(patch["spec"]["suspend"], suspend);
        }
    }

    fn spec() -> CompanyScanSpec {
        CompanyScanSpec {
            company: CompanyRef {
                name: "Acme".into(),
                url: "https://acme.example".into(),
            },
            desired_state: Default::default(),
            rescan: 0,
            crawl: Default::default(),
            timeout: "1h".into(),
            checkpoint: Default::default(),
            analysis: Default::default(),
            report: Default::default(),
            crawler: None,
        }
    }

    fn pod(job: &Job) -> &PodSpec {
        job.spec.as_ref().unwrap().template.spec.as_ref().unwrap()
    }

    fn env_value<'a>(c: &'a Container, name: &str) -> Option<&'a EnvVar> {
        c.env.as_ref().unwrap().iter().find(|e| e.name == name)
    }

    #[test]
    fn job_has_deterministic_name_labels_and_owner() {
        let job = crawler_job(&scan(), &spec(), &OperatorConfig::default()).unwrap();
        assert_eq!(job.metadata.name.as_deref(), Some("acme-v2"));
        assert_eq!(job.metadata.namespace.as_deref(), Some("team-a"));
        let labels = job.metadata.labels.as_ref().unwrap();
        assert_eq!(labels[names::LABEL_APP_NAME], "cira");
        assert_eq!(labels[names::LABEL_COMPONENT], "crawler");
        assert_eq!(labels[names::LABEL_SCAN], "acme");
        assert_eq!(labels[names::LABEL_SCAN_VERSION], "2");
        let owner = &job.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!(owner.kind, "CompanyScan");
        assert_eq!(owner.api_version, "cira.dev/v1alpha1");
        assert_eq!(owner.uid, "uid-1");
        assert_eq!(owner.controller, Some(true));
    }

    #[test]
    fn job_spec_restarts_safely() {
        let job = crawler_job(&scan(), &spec(), &OperatorConfig::default()).unwrap();
        let js = job.spec.as_ref().unwrap();
        assert_eq!(js.backoff_limit, Some(6));
        assert_eq!(js.suspend, Some(false));
        assert_eq!(js.pod_replacement_policy.as_deref(), Some("Failed"));
        let p = pod(&job);
        assert_eq!(p.restart_policy.as_deref(), Some("Never"));
        assert_eq!(p.termination_grace_period_seconds, Some(30));
        assert_eq!(p.service_account_name.as_deref(), Some("acme-crawler"));
        let c = &p.containers[0];
        assert_eq!(c.name, "crawler");
        assert_eq!(c.args.as_deref(), Some(&["run".to_string()][..]));
        assert_eq!(
            c.image.as_deref(),
            Some(crate::config::DEFAULT_CRAWLER_IMAGE)
        );
    }

    #[test]
    fn pod_failure_policy_ignores_disruptions_and_interruptions_and_fails_on_exit_3() {
        let job = crawler_job(&scan(), &spec(), &OperatorConfig::default()).unwrap();
        let rules = &job
            .spec
            .as_ref()
            .unwrap()
            .pod_failure_policy
            .as_ref()
            .unwrap()
            .rules;
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].action, "Ignore");
        let cond = &rules[0].on_pod_conditions.as_ref().unwrap()[0];
        assert_eq!(cond.type_, "DisruptionTarget");
        assert_eq!(rules[1].action, "Ignore");
        let codes = rules[1].on_exit_codes.as_ref().unwrap();
        assert_eq!(codes.operator, "In");
        assert_eq!(codes.values, vec![4]);
        assert_eq!(codes.container_name.as_deref(), Some("crawler"));
        assert_eq!(rules[2].action, "FailJob");
        let codes = rules[2].on_exit_codes.as_ref().unwrap();
        assert_eq!(codes.operator, "In");
        assert_eq!(codes.values, vec![3]);
        assert_eq!(codes.container_name.as_deref(), Some("crawler"));
    }

    #[test]
    fn security_context_is_restricted() {
        let job = crawler_job(&scan(), &spec(), &OperatorConfig::default()).unwrap();
        let p = pod(&job);
        let psc = p.security_context.as_ref().unwrap();
        assert_eq!(psc.run_as_non_root, Some(true));
        assert_eq!(
            psc.seccomp_profile.as_ref().unwrap().type_,
            "RuntimeDefault"
        );
        let sc = p.containers[0].security_context.as_ref().unwrap();
        assert_eq!(sc.allow_privilege_escalation, Some(false));
        assert_eq!(sc.read_only_root_filesystem, Some(true));
        assert_eq!(sc.run_as_non_root, Some(true));
        assert_eq!(
            sc.capabilities.as_ref().unwrap().drop.as_deref(),
            Some(&["ALL".to_string()][..])
        );
        assert_eq!(sc.seccomp_profile.as_ref().unwrap().type_, "RuntimeDefault");
        // A writable /tmp despite the read-only root filesystem.
        let tmp = p.containers[0].volume_mounts.as_ref().unwrap();
        assert!(tmp.iter().any(|m| m.mount_path == "/tmp"));
    }

    #[test]
    fn env_follows_the_protocol() {
        let job = crawler_job(&scan(), &spec(), &OperatorConfig::default()).unwrap();
        let c = &pod(&job).containers[0];
        let v = |n| env_value(c, n).and_then(|e| e.value.clone());
        assert_eq!(v("CIRA_SCAN_NAMESPACE").as_deref(), Some("team-a"));
        assert_eq!(v("CIRA_SCAN_NAME").as_deref(), Some("acme"));
        assert_eq!(v("CIRA_SCAN_UID").as_deref(), Some("uid-1"));
        assert_eq!(v("CIRA_SCAN_VERSION").as_deref(), Some("2"));
        let spec_back: CompanyScanSpec =
            serde_json::from_str(&v("CIRA_SCAN_SPEC").unwrap()).unwrap();
        assert_eq!(spec_back, spec());
        let pod_name = env_value(c, "CIRA_POD_NAME").unwrap();
        assert_eq!(
            pod_name
                .value_from
                .as_ref()
                .unwrap()
                .field_ref
                .as_ref()
                .unwrap()
                .field_path,
            "metadata.name"
        );
        assert!(env_value(c, "CIRA_CHECKPOINT_DIR").is_none());
        assert_eq!(v("RUST_LOG").as_deref(), Some("info"));
    }

    #[test]
    fn overrides_replace_defaults() {
        let mut s = spec();
        s.crawler = Some(CrawlerPodSpec {
            image: Some("crawler:test".into()),
            resources: Some(ResourceRequirements {
                limits: Some(BTreeMap::from([(
                    "memory".to_string(),
                    Quantity("1Gi".into()),
                )])),
                ..Default::default()
            }),
            node_selector: Some(BTreeMap::from([("pool".into(), "crawl".into())])),
            tolerations: Some(vec![Toleration {
                key: Some("dedicated".into()),
                operator: Some("Exists".into()),
                ..Default::default()
            }]),
            priority_class_name: Some("low".into()),
            annotations: Some(BTreeMap::from([("a".into(), "b".into())])),
        });
        let job = crawler_job(&scan(), &s, &OperatorConfig::default()).unwrap();
        let tpl = &job.spec.as_ref().unwrap().template;
        assert_eq!(
            tpl.metadata.as_ref().unwrap().annotations.as_ref().unwrap()["a"],
            "b"
        );
        let p = pod(&job);
        assert_eq!(p.containers[0].image.as_deref(), Some("crawler:test"));
        let res = p.containers[0].resources.as_ref().unwrap();
        assert_eq!(res.limits.as_ref().unwrap()["memory"].0, "1Gi");
        assert!(
            res.requests.is_none(),
            "override replaces the defaults whole"
        );
        assert_eq!(p.node_selector.as_ref().unwrap()["pool"], "crawl");
        assert_eq!(p.tolerations.as_ref().unwrap().len(), 1);
        assert_eq!(p.priority_class_name.as_deref(), Some("low"));
        // Overrides never weaken the security context.
        assert_eq!(
            p.containers[0].security_context,
            Some(container_security_context())
        );
    }

    #[test]
    fn pvc_storage_mounts_the_claim() {
        let mut s = spec();
        s.checkpoint = CheckpointSpec {
            storage: CheckpointStorage::PersistentVolumeClaim,
            volume_claim: Some(VolumeClaimSpec {
                storage_class_name: Some("fast".into()),
                size: "2Gi".into(),
            }),
            ..Default::default()
        };
        let job = crawler_job(&scan(), &s, &OperatorConfig::default()).unwrap();
        let p = pod(&job);
        let c = &p.containers[0];
        assert_eq!(
            env_value(c, "CIRA_CHECKPOINT_DIR")
                .unwrap()
                .value
                .as_deref(),
            Some("/var/lib/cira")
        );
        let vol = p
            .volumes
            .as_ref()
            .unwrap()
            .iter()
            .find(|v| v.name == "checkpoint")
            .unwrap();
        assert_eq!(
            vol.persistent_volume_claim.as_ref().unwrap().claim_name,
            "acme-checkpoint"
        );
        let claim = checkpoint_pvc(&scan(), &s).unwrap();
        let cs = claim.spec.unwrap();
        assert_eq!(cs.storage_class_name.as_deref(), Some("fast"));
        assert_eq!(cs.resources.unwrap().requests.unwrap()["storage"].0, "2Gi");
        assert!(checkpoint_pvc(&scan(), &spec()).is_none());
    }

    #[test]
    fn role_names_only_the_scans_own_configmaps() {
        let role = role(&scan());
        let rules = role.rules.unwrap();
        assert_eq!(rules.len(), 4);
        let named = &rules[0];
        assert_eq!(
            named.resources.as_deref(),
            Some(&["configmaps".to_string()][..])
        );
        assert_eq!(named.verbs, vec!["get", "update", "patch"]);
        let names = named.resource_names.as_ref().unwrap();
        assert!(names.contains(&"acme-progress".to_string()));
        assert!(names.contains(&"acme-report-v2".to_string()));
        assert!(!names.contains(&"acme-report-v1".to_string()));
        assert!(names.contains(&"acme-ckpt-0-0".to_string()));
        assert!(names.contains(&"acme-ckpt-1-7".to_string()));
        assert!(names.contains(&"acme-ckpt-1-journal".to_string()));
        // Two slots of eight chunks and a journal each, progress, report.
        assert_eq!(names.len(), 2 * (8 + 1) + 2);
        assert_eq!(rules[1].verbs, vec!["create"]);
        assert!(rules[1].resource_names.is_none());
        // Its own Job, read only.
        assert_eq!(
            rules[2].api_groups.as_deref(),
            Some(&["batch".to_string()][..])
        );
        assert_eq!(
            rules[2].resources.as_deref(),
            Some(&["jobs".to_string()][..])
        );
        assert_eq!(rules[2].verbs, vec!["get"]);
        assert_eq!(
            rules[2].resource_names.as_deref(),
            Some(&["acme-v2".to_string()][..])
        );
        // Its own scan, read and watched (for a stop request) only.
        assert_eq!(
            rules[3].api_groups.as_deref(),
            Some(&["cira.dev".to_string()][..])
        );
        assert_eq!(rules[3].verbs, vec!["get", "list", "watch"]);
        assert_eq!(
            rules[3].resource_names.as_deref(),
            Some(&["acme".to_string()][..])
        );
        // Nothing about secrets or any other resource.
        for rule in &rules[..2] {
            assert_eq!(
                rule.resources.as_deref(),
                Some(&["configmaps".to_string()][..])
            );
            assert_eq!(rule.api_groups.as_deref(), Some(&[String::new()][..]));
        }
        let binding = role_binding(&scan());
        assert_eq!(binding.role_ref.name, "acme-crawler");
        let subject = &binding.subjects.unwrap()[0];
        assert_eq!(subject.kind, "ServiceAccount");
        assert_eq!(subject.name, "acme-crawler");
        assert_eq!(subject.namespace.as_deref(), Some("team-a"));
    }
}
