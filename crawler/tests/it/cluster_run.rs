//! `cira-crawler run` against the real control plane, as the crawler pod's
//! ServiceAccount with exactly the operator's Role and the ConfigMaps the
//! operator creates for it: checkpoint, progress and report written into
//! them; SIGTERM saves and exits 4; a resumed run completes; large
//! checkpoints are split and a 50k-URL state stays within limits; without
//! its ConfigMaps the crawler stops with the reason and creates none.

use crate::common;

use std::time::Duration;

use cira_crawler::checkpoint::format::ScanIdentity;
use cira_crawler::checkpoint::{ConfigMapStore, Cursor, OnUnusable, ScanObject, Store};
use cira_crawler::state::CrawlState;
use cira_crds::names;
use cira_crds::progress::{CrawlerOutcome, CrawlerProgress};
use cira_crds::{CompanyRef, CompanyScan, CompanyScanSpec, CrawlSpec};
use cira_operator::resources::{self, ScanRef};
use cira_tests::TestEnv;
use common::{Crawler, Site, tree_site, wait_for};
use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};

struct Scan {
    ns: String,
    name: String,
    uid: String,
    spec: CompanyScanSpec,
    kubeconfig: tempfile::NamedTempFile,
}

fn spec_for(site: &Site, every_pages: u32) -> CompanyScanSpec {
    CompanyScanSpec {
        company: CompanyRef {
            name: "Acme".into(),
            url: site.url("/"),
        },
        desired_state: Default::default(),
        rescan: 0,
        crawl: CrawlSpec {
            max_pages: 1000,
            max_depth: 20,
            requests_per_second: 150.0,
            concurrency: 4,
            allow_private_networks: true,
            ..CrawlSpec::default()
        },
        timeout: "1h".into(),
        checkpoint: cira_crds::CheckpointSpec {
            every_pages,
            ..Default::default()
        },
        analysis: Default::default(),
        report: Default::default(),
        crawler: None,
    }
}

/// Applies an object as the operator does (server-side apply, the
/// operator's field manager).
async fn apply_as_operator<K>(api: &Api<K>, object: &K)
where
    K: kube::Resource + Clone + serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let name = object.meta().name.clone().unwrap();
    api.patch(
        &name,
        &PatchParams::apply(names::OPERATOR_FIELD_MANAGER).force(),
        &Patch::Apply(object),
    )
    .await
    .unwrap_or_else(|e| panic!("applying {name}: {e}"));
}

/// Creates a CompanyScan plus what the operator creates before the crawler
/// starts: its ServiceAccount, Role and RoleBinding and every ConfigMap it
/// writes, built by the operator's own builders, and writes a kubeconfig
/// for that ServiceAccount.
async fn setup(env: &TestEnv, site: &Site, name: &str, every_pages: u32) -> Scan {
    setup_with(env, name, spec_for(site, every_pages), true).await
}

/// As [`setup`]; without `configmaps` the operator's ConfigMaps are left out.
async fn setup_with(env: &TestEnv, name: &str, spec: CompanyScanSpec, configmaps: bool) -> Scan {
    env.install_crds().await.unwrap();
    let ns = env.new_namespace("crawler").await.unwrap();
    let admin = env.admin_client().await;
    let scans: Api<CompanyScan> = Api::namespaced(admin.clone(), &ns);
    let created = scans
        .create(
            &PostParams::default(),
            &CompanyScan::new(name, spec.clone()),
        )
        .await
        .unwrap();
    let uid = created.metadata.uid.unwrap();
    let scan_ref = ScanRef {
        name: name.to_string(),
        namespace: ns.clone(),
        uid: uid.clone(),
        version: 1,
    };
    let storage = spec.checkpoint.storage;
    let sa_name = names::crawler_service_account_name(name);
    apply_as_operator(
        &Api::<ServiceAccount>::namespaced(admin.clone(), &ns),
        &resources::service_account(&scan_ref),
    )
    .await;
    apply_as_operator(
        &Api::<Role>::namespaced(admin.clone(), &ns),
        &resources::role(&scan_ref, storage),
    )
    .await;
    apply_as_operator(
        &Api::<RoleBinding>::namespaced(admin.clone(), &ns),
        &resources::role_binding(&scan_ref),
    )
    .await;
    if configmaps {
        let cms = Api::<ConfigMap>::namespaced(admin.clone(), &ns);
        for cm in resources::crawler_configmaps(&scan_ref, storage) {
            apply_as_operator(&cms, &cm).await;
        }
    }

    let token = Api::<ServiceAccount>::namespaced(admin, &ns)
        .create_token_request(
            &sa_name,
            &PostParams::default(),
            &TokenRequest {
                spec: Some(TokenRequestSpec {
                    audiences: None,
                    expiration_seconds: Some(3600),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .status
        .unwrap()
        .token;
    let mut kc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.kubeconfig_path()).unwrap()).unwrap();
    kc["users"][0]["user"] = serde_json::json!({ "token": token });
    kc["contexts"][0]["context"]["namespace"] = serde_json::json!(ns);
    let kubeconfig = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(kubeconfig.path(), serde_json::to_vec(&kc).unwrap()).unwrap();
    Scan {
        ns,
        name: name.into(),
        uid,
        spec,
        kubeconfig,
    }
}

fn start_run(scan: &Scan, run: usize, dir: &std::path::Path) -> Crawler {
    start_run_with(scan, run, dir, &[])
}

fn start_run_with(
    scan: &Scan,
    run: usize,
    dir: &std::path::Path,
    extra: &[(&str, &str)],
) -> Crawler {
    let spec = serde_json::to_string(&scan.spec).unwrap();
    let mut vars = vec![
        (names::ENV_SCAN_NAMESPACE, scan.ns.as_str()),
        (names::ENV_SCAN_NAME, scan.name.as_str()),
        (names::ENV_SCAN_UID, scan.uid.as_str()),
        (names::ENV_SCAN_VERSION, "1"),
        (names::ENV_SCAN_SPEC, spec.as_str()),
        (names::ENV_POD_NAME, "crawler-pod"),
        ("KUBECONFIG", scan.kubeconfig.path().to_str().unwrap()),
    ];
    vars.extend_from_slice(extra);
    Crawler::start_with(dir, run, &["run"], &vars)
}

async fn configmap(api: &Api<ConfigMap>, name: &str) -> Option<ConfigMap> {
    api.get_opt(name).await.unwrap()
}

fn progress_of(cm: &ConfigMap) -> CrawlerProgress {
    serde_json::from_str(&cm.data.as_ref().unwrap()[names::KEY_PROGRESS]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_in_cluster_checkpoints_pauses_resumes_and_reports() {
    let env = TestEnv::shared().await;
    let site = Site::start(tree_site(300)).await;
    let scan = setup(env, &site, "acme", 10).await;
    let api: Api<ConfigMap> = Api::namespaced(env.admin_client().await, &scan.ns);
    let logs = tempfile::tempdir().unwrap();

    // First run: SIGTERM (a pause) part-way.
    let mut c = start_run(&scan, 1, logs.path());
    wait_for("pages", Duration::from_secs(60), || {
        site.total_page_hits() >= 60
    })
    .await;
    c.signal(libc::SIGTERM);
    let status = c.wait(Duration::from_secs(30)).await;
    // Not 0: an interrupted crawler must never complete its Job.
    assert_eq!(
        status.code(),
        Some(i32::from(names::EXIT_INTERRUPTED)),
        "{}",
        c.stderr()
    );
    drop(c);

    let progress_name = names::progress_configmap_name("acme");
    let cm = configmap(&api, &progress_name)
        .await
        .expect("progress ConfigMap");
    let labels = cm.metadata.labels.clone().unwrap();
    assert_eq!(labels[names::LABEL_COMPONENT], names::COMPONENT_PROGRESS);
    assert_eq!(labels[names::LABEL_SCAN], "acme");
    assert_eq!(labels[names::LABEL_SCAN_VERSION], "1");
    let owners = cm.metadata.owner_references.clone().unwrap();
    assert_eq!(owners.len(), 1);
    assert_eq!(
        (owners[0].kind.as_str(), owners[0].uid.as_str()),
        ("CompanyScan", scan.uid.as_str())
    );
    // The operator created it; the crawler only patched its data in.
    let managers: Vec<(String, String)> = cm
        .metadata
        .managed_fields
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            (
                m.manager.unwrap_or_default(),
                m.operation.unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        managers.contains(&(names::OPERATOR_FIELD_MANAGER.into(), "Apply".into()))
            && managers.contains(&(names::CRAWLER_FIELD_MANAGER.into(), "Update".into()))
            && managers.len() == 2,
        "{managers:?}"
    );
    let p = progress_of(&cm);
    assert!(p.pages_crawled >= 50 && p.outcome.is_none(), "{p:?}");
    let ckpt = p.checkpoint.clone().expect("checkpoint info");
    assert!(ckpt.generation >= 1 && ckpt.bytes > 0);

    // The newest snapshot, and the journal of the saves since.
    let mut snapshots = Vec::new();
    for slot in 0..names::CHECKPOINT_SLOTS {
        if let Some(cm) = configmap(&api, &names::checkpoint_configmap_name("acme", slot, 0)).await
        {
            let generation: u64 = cm.metadata.annotations.as_ref().unwrap()
                [names::ANNOTATION_GENERATION]
                .parse()
                .unwrap();
            snapshots.push((generation, slot, cm));
        }
    }
    let (base, slot, chunk0) = snapshots
        .into_iter()
        .max_by_key(|(g, _, _)| *g)
        .expect("a checkpoint snapshot ConfigMap");
    let ann = chunk0.metadata.annotations.clone().unwrap();
    assert_eq!(ann[names::ANNOTATION_CHUNKS], "1");
    assert_eq!(
        chunk0.metadata.labels.unwrap()[names::LABEL_COMPONENT],
        names::COMPONENT_CHECKPOINT
    );
    let blob = &chunk0.binary_data.unwrap()[names::KEY_CHECKPOINT].0;
    let (header, _): (_, CrawlState) = cira_crawler::checkpoint::format::decode(blob).unwrap();
    assert_eq!(
        (header.scan.name.as_str(), header.generation),
        ("acme", base)
    );
    let journal = configmap(
        &api,
        &names::checkpoint_journal_configmap_name("acme", slot),
    )
    .await
    .expect("journal ConfigMap");
    assert_eq!(
        journal.metadata.annotations.clone().unwrap()[names::ANNOTATION_JOURNAL_BASE],
        base.to_string()
    );
    let owner = &journal.metadata.owner_references.clone().unwrap()[0];
    assert_eq!(owner.uid, scan.uid);
    assert_eq!(
        journal.metadata.labels.clone().unwrap()[names::LABEL_COMPONENT],
        names::COMPONENT_CHECKPOINT
    );
    let mut records: Vec<u64> = journal
        .binary_data
        .unwrap_or_default()
        .keys()
        .map(|k| k.trim_start_matches('r').parse().unwrap())
        .collect();
    records.sort();
    assert_eq!(
        records,
        (base + 1..=ckpt.generation).collect::<Vec<_>>(),
        "one journal record per save after the snapshot"
    );
    // Snapshot plus journal read back as the state at the pause.
    let store = Store::ConfigMap(Box::new(ConfigMapStore::new(
        env.admin_client().await,
        ScanObject {
            namespace: scan.ns.clone(),
            name: "acme".into(),
            uid: scan.uid.clone(),
            version: 1,
        },
    )));
    let identity = ScanIdentity {
        namespace: scan.ns.clone(),
        name: "acme".into(),
        uid: scan.uid.clone(),
        scan_version: 1,
    };
    let loaded = store
        .load(&identity, OnUnusable::Refuse)
        .await
        .unwrap()
        .expect("a checkpoint");
    assert_eq!(loaded.generation, ckpt.generation);
    assert_eq!(loaded.state.pages_crawled, ckpt.pages_visited);
    assert!(loaded.state.pages_crawled >= 50);

    // Second run resumes and completes.
    let before = site.total_page_hits();
    let mut c = start_run(&scan, 2, logs.path());
    let status = c.wait(Duration::from_secs(90)).await;
    assert!(status.success(), "{}", c.stderr());
    assert!(
        c.stderr().contains("resuming from checkpoint"),
        "{}",
        c.stderr()
    );
    drop(c);
    let after = site.total_page_hits();
    assert!(
        after - before <= 300 - 50 + 10,
        "resumed run refetched too much: {before} -> {after}"
    );

    let p = progress_of(&configmap(&api, &progress_name).await.unwrap());
    let report_name = names::report_configmap_name("acme", 1);
    match &p.outcome {
        Some(CrawlerOutcome::Completed {
            report_config_map, ..
        }) => assert_eq!(report_config_map, &report_name),
        other => panic!("expected Completed, got {other:?}"),
    }
    assert_eq!(p.pages_crawled, 300);
    let report = configmap(&api, &report_name)
        .await
        .expect("report ConfigMap");
    let data = report.data.unwrap();
    let json: serde_json::Value = serde_json::from_str(&data[names::KEY_REPORT_JSON]).unwrap();
    assert_eq!(json["pagesCrawled"], 300);
    assert!(data[names::KEY_REPORT_MD].contains("Acme"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_spec_exits_3_with_a_reason() {
    let env = TestEnv::shared().await;
    let site = Site::start(tree_site(3)).await;
    let mut scan = setup(env, &site, "broken", 10).await;
    scan.spec.crawl.include_patterns = vec!["(unclosed".into()];
    let logs = tempfile::tempdir().unwrap();
    let mut c = start_run(&scan, 1, logs.path());
    let status = c.wait(Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(3), "{}", c.stderr());
    let api: Api<ConfigMap> = Api::namespaced(env.admin_client().await, &scan.ns);
    let p = progress_of(
        &configmap(&api, &names::progress_configmap_name("broken"))
            .await
            .expect("progress"),
    );
    match p.outcome {
        Some(CrawlerOutcome::Failed { reason, .. }) => {
            assert!(reason.contains("include"), "{reason}")
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

/// A site that blocks the crawler at its seed ends the run with exit code
/// 3, and the progress document says what kind of failure it was, for the
/// operator to make it the scan's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_seed_publishes_the_kind_of_failure() {
    use cira_crds::progress::FailureKind;
    let env = TestEnv::shared().await;
    let site = Site::start(|path: &str| match path {
        "/robots.txt" => common::Reply::NotFound,
        _ => common::Reply::Raw {
            status: 403,
            headers: vec![("content-type", "text/html".into())],
            body: b"<h1>Access denied</h1>".to_vec(),
        },
    })
    .await;
    let scan = setup(env, &site, "blocked", 10).await;
    let logs = tempfile::tempdir().unwrap();
    let mut c = start_run(&scan, 1, logs.path());
    let status = c.wait(Duration::from_secs(60)).await;
    assert_eq!(status.code(), Some(3), "{}", c.stderr());
    let api: Api<ConfigMap> = Api::namespaced(env.admin_client().await, &scan.ns);
    let p = progress_of(
        &configmap(&api, &names::progress_configmap_name("blocked"))
            .await
            .expect("progress"),
    );
    match p.outcome {
        Some(CrawlerOutcome::Failed { reason, kind }) => {
            assert_eq!(kind, FailureKind::SeedBlocked, "{reason}");
            assert!(reason.contains("HTTP 403"), "{reason}");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

/// A realistic 50k-URL state fits one ConfigMap; an incompressible one is
/// split into chunks, each under the object limit, and reads back intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_checkpoints_split_and_stay_within_limits() {
    let env = TestEnv::shared().await;
    let site = Site::start(tree_site(1)).await;
    let scan = setup(env, &site, "big", 10).await;
    let client = env
        .service_account_client(&scan.ns, &names::crawler_service_account_name("big"))
        .await
        .unwrap();
    let object = ScanObject {
        namespace: scan.ns.clone(),
        name: "big".into(),
        uid: scan.uid.clone(),
        version: 1,
    };
    let store = Store::ConfigMap(Box::new(ConfigMapStore::new(client, object)));
    let identity = ScanIdentity {
        namespace: scan.ns.clone(),
        name: "big".into(),
        uid: scan.uid.clone(),
        scan_version: 1,
    };
    let api: Api<ConfigMap> = Api::namespaced(env.admin_client().await, &scan.ns);

    let mut state = CrawlState::new(&site.url("/"), 1);
    for i in 0..50_000u32 {
        let section = ["products", "news", "blog", "docs", "team"][(i % 5) as usize];
        state.visited.insert(format!(
            "https://www.acme-industries.example/{section}/item-{i}/overview"
        ));
    }
    for i in 0..5_000u32 {
        state
            .queue
            .push(format!("https://www.acme-industries.example/tags/t-{i}"), 3);
    }
    let saved = store
        .save(&mut Cursor::default(), &identity, 1, &mut state)
        .await
        .unwrap();
    let cm = configmap(&api, &names::checkpoint_configmap_name("big", 1, 0))
        .await
        .unwrap();
    assert_eq!(
        cm.metadata.annotations.unwrap()[names::ANNOTATION_CHUNKS],
        "1",
        "a 50k-URL state ({} bytes) fits one ConfigMap",
        saved.bytes
    );

    // Random path parts barely compress: several chunks.
    let mut noisy = state.clone();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..60_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noisy.visited.insert(format!(
            "https://acme.example/{x:016x}{:016x}",
            x.rotate_left(29)
        ));
    }
    let saved = store
        .save(&mut Cursor::default(), &identity, 2, &mut noisy)
        .await
        .unwrap();
    let cm = configmap(&api, &names::checkpoint_configmap_name("big", 0, 0))
        .await
        .unwrap();
    let chunks: usize = cm.metadata.annotations.unwrap()[names::ANNOTATION_CHUNKS]
        .parse()
        .unwrap();
    assert!(chunks >= 2, "{} bytes in {chunks} chunk(s)", saved.bytes);
    for i in 0..chunks {
        let cm = configmap(&api, &names::checkpoint_configmap_name("big", 0, i))
            .await
            .unwrap();
        let size = serde_json::to_vec(&cm).unwrap().len();
        assert!(size < 1024 * 1024, "chunk {i} is {size} bytes");
    }
    let loaded = store
        .load(&identity, OnUnusable::Refuse)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded.header.generation, 2);
    assert_eq!(loaded.state.visited, noisy.visited);
}

/// Without the ConfigMaps the operator creates, the crawler stops at once
/// with exit code 3 naming them, and creates none (its Role could not).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_its_configmaps_the_crawler_stops_and_creates_none() {
    let env = TestEnv::shared().await;
    let site = Site::start(tree_site(3)).await;
    let scan = setup_with(env, "bare", spec_for(&site, 10), false).await;
    let logs = tempfile::tempdir().unwrap();
    let mut c = start_run(&scan, 1, logs.path());
    let status = c.wait(Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(3), "{}", c.stderr());
    let stderr = c.stderr();
    assert!(
        stderr.contains("bare-progress")
            && stderr.contains("bare-report-v1")
            && stderr.contains("bare-ckpt-1-journal")
            && stderr.contains("does not exist"),
        "{stderr}"
    );
    assert_eq!(site.total_page_hits(), 0, "nothing crawled");
    let api: Api<ConfigMap> = Api::namespaced(env.admin_client().await, &scan.ns);
    for name in names::crawler_configmap_names("bare", 1, cira_crds::CheckpointStorage::ConfigMap) {
        assert!(configmap(&api, &name).await.is_none(), "{name} was created");
    }
}

/// The operator's empty ConfigMaps read as "no checkpoint yet"; a journal
/// that is gone is an error naming it, and is not created again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_slots_are_no_checkpoint_and_a_missing_journal_is_an_error() {
    let env = TestEnv::shared().await;
    let site = Site::start(tree_site(1)).await;
    let scan = setup(env, &site, "gone", 10).await;
    let client = env
        .service_account_client(&scan.ns, &names::crawler_service_account_name("gone"))
        .await
        .unwrap();
    let object = ScanObject {
        namespace: scan.ns.clone(),
        name: "gone".into(),
        uid: scan.uid.clone(),
        version: 1,
    };
    let store = Store::ConfigMap(Box::new(ConfigMapStore::new(client, object)));
    let identity = ScanIdentity {
        namespace: scan.ns.clone(),
        name: "gone".into(),
        uid: scan.uid.clone(),
        scan_version: 1,
    };
    let loaded = store.load(&identity, OnUnusable::Refuse).await.unwrap();
    assert!(loaded.is_none(), "empty slots hold no checkpoint");

    let api: Api<ConfigMap> = Api::namespaced(env.admin_client().await, &scan.ns);
    let journal = names::checkpoint_journal_configmap_name("gone", 1);
    api.delete(&journal, &Default::default()).await.unwrap();
    let mut state = CrawlState::new(&site.url("/"), 1);
    let err = store
        .save(&mut Cursor::default(), &identity, 1, &mut state)
        .await
        .expect_err("a save into a missing journal fails");
    match &err {
        cira_crawler::Error::ConfigMapMissing { names } => {
            assert_eq!(names, std::slice::from_ref(&journal))
        }
        other => panic!("expected ConfigMapMissing, got {other:?}"),
    }
    assert!(err.is_permanent());
    assert!(configmap(&api, &journal).await.is_none(), "not created");
}

/// The guard of a crawler pod refuses names under the cluster domain the
/// operator passes (`CIRA_CLUSTER_DOMAIN`), before resolving them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_under_the_configured_cluster_domain_are_refused() {
    let env = TestEnv::shared().await;
    let site = Site::start(tree_site(1)).await;
    let mut spec = spec_for(&site, 10);
    spec.company.url = "http://www.corp.example/".into();
    spec.crawl.allow_private_networks = false;
    let scan = setup_with(env, "corp", spec, true).await;
    let logs = tempfile::tempdir().unwrap();
    let mut c = start_run_with(
        &scan,
        1,
        logs.path(),
        &[(names::ENV_CLUSTER_DOMAIN, "corp.example")],
    );
    let status = c.wait(Duration::from_secs(60)).await;
    assert_eq!(status.code(), Some(3), "{}", c.stderr());
    let api: Api<ConfigMap> = Api::namespaced(env.admin_client().await, &scan.ns);
    let p = progress_of(
        &configmap(&api, &names::progress_configmap_name("corp"))
            .await
            .expect("progress"),
    );
    match p.outcome {
        Some(CrawlerOutcome::Failed { reason, .. }) => {
            assert!(reason.contains("cluster-internal name"), "{reason}")
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}
