//! The crawler Job: its pod, container, security context and failure policy.

use std::collections::BTreeMap;

use cira_crds::names;
use cira_crds::{CheckpointStorage, CompanyScanSpec};
use k8s_openapi::api::batch::v1::{
    Job, JobSpec, PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement,
    PodFailurePolicyOnPodConditionsPattern, PodFailurePolicyRule,
};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, EnvVar, EnvVarSource, ObjectFieldSelector,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec,
    ResourceRequirements, SeccompProfile, SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::ResourceExt;

use crate::config::OperatorConfig;
use crate::error::{Error, Result};

use super::{
    CRAWLER_CONTAINER, CRAWLER_UID, EXIT_INTERRUPTED, EXIT_PERMANENT_FAILURE, ScanRef,
    TERMINATION_GRACE_SECONDS,
};

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
        // The crawler's address guard refuses names under it.
        env(names::ENV_CLUSTER_DOMAIN, &config.policy.cluster_domain),
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
