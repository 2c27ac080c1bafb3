use super::*;
use crate::config::OperatorConfig;
use cira_crds::{CheckpointSpec, CompanyRef, CrawlerPodSpec, VolumeClaimSpec};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Toleration;
use k8s_openapi::api::core::v1::{Container, EnvVar, PodSpec, ResourceRequirements};

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
    let spec_back: CompanyScanSpec = serde_json::from_str(&v("CIRA_SCAN_SPEC").unwrap()).unwrap();
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
    let role = role(&scan(), CheckpointStorage::ConfigMap);
    let rules = role.rules.unwrap();
    assert_eq!(rules.len(), 3);
    let named = &rules[0];
    assert_eq!(named.api_groups.as_deref(), Some(&[String::new()][..]));
    assert_eq!(
        named.resources.as_deref(),
        Some(&["configmaps".to_string()][..])
    );
    // Patches of what the operator created: no create, update or delete.
    assert_eq!(named.verbs, vec!["get", "patch"]);
    let names = named.resource_names.as_ref().unwrap();
    assert!(names.contains(&"acme-progress".to_string()));
    assert!(names.contains(&"acme-report-v2".to_string()));
    assert!(!names.contains(&"acme-report-v1".to_string()));
    assert!(names.contains(&"acme-ckpt-0-0".to_string()));
    assert!(names.contains(&"acme-ckpt-1-7".to_string()));
    assert!(names.contains(&"acme-ckpt-1-journal".to_string()));
    // Two slots of eight chunks and a journal each, progress, report.
    assert_eq!(names.len(), 2 * (8 + 1) + 2);
    // Every rule names its objects; no rule creates or deletes.
    for rule in &rules {
        assert!(
            rule.resource_names.as_ref().is_some_and(|n| !n.is_empty()),
            "{rule:?}"
        );
        assert!(
            !rule
                .verbs
                .iter()
                .any(|v| matches!(v.as_str(), "create" | "delete" | "deletecollection" | "*")),
            "{rule:?}"
        );
    }
    // Its own Job, read only.
    assert_eq!(
        rules[1].api_groups.as_deref(),
        Some(&["batch".to_string()][..])
    );
    assert_eq!(
        rules[1].resources.as_deref(),
        Some(&["jobs".to_string()][..])
    );
    assert_eq!(rules[1].verbs, vec!["get"]);
    assert_eq!(
        rules[1].resource_names.as_deref(),
        Some(&["acme-v2".to_string()][..])
    );
    // Its own scan, read and watched (for a stop request) only.
    assert_eq!(
        rules[2].api_groups.as_deref(),
        Some(&["cira.dev".to_string()][..])
    );
    assert_eq!(rules[2].verbs, vec!["get", "list", "watch"]);
    assert_eq!(
        rules[2].resource_names.as_deref(),
        Some(&["acme".to_string()][..])
    );
    // PVC storage: no checkpoint ConfigMaps.
    let pvc = super::role(&scan(), CheckpointStorage::PersistentVolumeClaim);
    assert_eq!(
        pvc.rules.unwrap()[0].resource_names.as_deref(),
        Some(&["acme-progress".to_string(), "acme-report-v2".to_string()][..])
    );
    let binding = role_binding(&scan());
    assert_eq!(binding.role_ref.name, "acme-crawler");
    let subject = &binding.subjects.unwrap()[0];
    assert_eq!(subject.kind, "ServiceAccount");
    assert_eq!(subject.name, "acme-crawler");
    assert_eq!(subject.namespace.as_deref(), Some("team-a"));
}

#[test]
fn the_crawlers_configmaps_are_the_roles_names_owned_and_empty() {
    for storage in [
        CheckpointStorage::ConfigMap,
        CheckpointStorage::PersistentVolumeClaim,
    ] {
        let cms = crawler_configmaps(&scan(), storage);
        let built: Vec<String> = cms.iter().map(|c| c.name_any()).collect();
        assert_eq!(built, crawler_configmap_names(&scan(), storage));
        for cm in &cms {
            let name = cm.name_any();
            assert_eq!(cm.namespace().as_deref(), Some("team-a"));
            assert!(cm.data.is_none() && cm.binary_data.is_none(), "{name}");
            assert!(cm.metadata.annotations.is_none(), "{name}");
            let owner = &cm.owner_references()[0];
            assert_eq!(
                (owner.kind.as_str(), owner.uid.as_str(), owner.controller),
                ("CompanyScan", "uid-1", Some(true))
            );
            let labels = cm.labels();
            let want = if name.ends_with("-progress") {
                names::COMPONENT_PROGRESS
            } else if name.contains("-report-v") {
                names::COMPONENT_REPORT
            } else {
                names::COMPONENT_CHECKPOINT
            };
            assert_eq!(labels[names::LABEL_COMPONENT], want, "{name}");
            assert_eq!(labels[names::LABEL_SCAN], "acme");
            assert_eq!(labels[names::LABEL_SCAN_VERSION], "2");
        }
    }
    assert_eq!(
        crawler_configmaps(&scan(), CheckpointStorage::ConfigMap).len(),
        20
    );
}

/// The installer's `policy.clusterDomain` reaches the chart's
/// `--scan-policy` flag, and from there the crawler's environment.
#[test]
fn the_crawler_gets_the_configured_cluster_domain() {
    use clap::Parser;
    let domain_of = |config: &OperatorConfig| {
        let job = crawler_job(&scan(), &spec(), config).unwrap();
        let c = &pod(&job).containers[0];
        env_value(c, names::ENV_CLUSTER_DOMAIN).and_then(|e| e.value.clone())
    };
    assert_eq!(
        domain_of(&OperatorConfig::default()).as_deref(),
        Some("cluster.local")
    );
    let config = crate::config::Args::parse_from([
        "cira-operator",
        "--scan-policy",
        r#"{"clusterDomain":"Corp.Example."}"#,
    ])
    .operator_config()
    .unwrap();
    assert_eq!(domain_of(&config).as_deref(), Some("corp.example"));
    let err = crate::config::Args::parse_from([
        "cira-operator",
        "--scan-policy",
        r#"{"clusterDomain":"corp example"}"#,
    ])
    .operator_config()
    .unwrap_err()
    .to_string();
    assert!(err.contains("clusterDomain"), "{err}");
}
