//! Jobs and Deployments driven by the real controllers through the node agent.

use std::path::Path;
use std::time::Duration;

use cira_tests::{TestEnv, wait_for};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::json;

const IMAGE: &str = "cira.dev/testprog";
const TIMEOUT: Duration = Duration::from_secs(60);

async fn env() -> &'static TestEnv {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    env.node()
        .register_image(IMAGE, env!("CARGO_BIN_EXE_cira-testprog").into());
    env
}

/// A test's own namespace on the shared env, with Job and Pod APIs in it.
struct Scope {
    env: &'static TestEnv,
    ns: String,
    client: Client,
    jobs: Api<Job>,
    pods: Api<Pod>,
}

async fn scope(namespace_prefix: &str) -> Scope {
    let env = env().await;
    let ns = env.new_namespace(namespace_prefix).await.unwrap();
    let client = env.admin_client().await;
    Scope {
        env,
        jobs: Api::namespaced(client.clone(), &ns),
        pods: Api::namespaced(client.clone(), &ns),
        ns,
        client,
    }
}

fn job(name: &str, args: &[&str], extra: serde_json::Value) -> Job {
    let mut pod_spec = json!({
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 10,
        "containers": [{"name": "main", "image": format!("{IMAGE}:latest"), "command": ["/testprog"], "args": args}],
    });
    merge(
        &mut pod_spec,
        extra.get("pod").cloned().unwrap_or(json!({})),
    );
    let mut spec = json!({"backoffLimit": 2, "template": {"spec": pod_spec}});
    merge(&mut spec, extra.get("job").cloned().unwrap_or(json!({})));
    serde_json::from_value(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": spec}),
    )
    .expect("valid job")
}

fn merge(base: &mut serde_json::Value, extra: serde_json::Value) {
    if let (Some(b), serde_json::Value::Object(e)) = (base.as_object_mut(), extra) {
        for (k, v) in e {
            b.insert(k, v);
        }
    }
}

/// A pod spec whose one container runs testprog with `args` and sees `dir`
/// at /data, so the test can read what the process wrote.
fn host_volume(dir: &Path, args: &[&str]) -> serde_json::Value {
    json!({
        "volumes": [{"name": "data", "hostPath": {"path": dir.display().to_string()}}],
        "containers": [{
            "name": "main", "image": IMAGE, "args": args,
            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
        }],
    })
}

async fn create_job(jobs: &Api<Job>, job: &Job) {
    jobs.create(&PostParams::default(), job).await.unwrap();
}

async fn job_condition(api: &Api<Job>, name: &str, type_: &str) -> Option<Job> {
    let job = api.get(name).await.ok()?;
    let has = job
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .any(|c| c.type_ == type_ && c.status == "True");
    has.then_some(job)
}

async fn wait_job_condition(jobs: &Api<Job>, name: &str, type_: &str) -> Job {
    wait_for(&format!("job {name} to be {type_}"), TIMEOUT, || {
        job_condition(jobs, name, type_)
    })
    .await
    .unwrap()
}

async fn run_to_completion(
    jobs: &Api<Job>,
    name: &str,
    args: &[&str],
    extra: serde_json::Value,
) -> Job {
    create_job(jobs, &job(name, args, extra)).await;
    wait_job_condition(jobs, name, "Complete").await
}

/// The first pod of a Job (the tests that use it expect just one).
async fn first_pod(pods: &Api<Pod>, job: &str) -> Pod {
    pods.list(&ListParams::default().labels(&format!("job-name={job}")))
        .await
        .unwrap()
        .items
        .remove(0)
}

async fn running_pod(pods: &Api<Pod>, env: &TestEnv, ns: &str, job: &str) -> Option<String> {
    let list = pods
        .list(&ListParams::default().labels(&format!("job-name={job}")))
        .await
        .ok()?;
    list.items.into_iter().find_map(|p| {
        let name = p.metadata.name.clone()?;
        let running = p.status.as_ref()?.phase.as_deref() == Some("Running");
        (running && env.node().pod_pid(ns, &name).is_some()).then_some(name)
    })
}

async fn wait_running_pod(scope: &Scope, job: &str) -> String {
    wait_for(&format!("a pod of job {job} to run"), TIMEOUT, || {
        running_pod(&scope.pods, scope.env, &scope.ns, job)
    })
    .await
    .unwrap()
}

async fn wait_pod_gone(pods: &Api<Pod>, name: &str) {
    wait_for(&format!("pod {name} to be deleted"), TIMEOUT, || async {
        pods.get_opt(name)
            .await
            .ok()
            .and_then(|p| p.is_none().then_some(()))
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn job_completes_through_the_job_controller() {
    let Scope {
        env,
        ns,
        jobs,
        pods,
        ..
    } = scope("job-complete").await;
    let done = run_to_completion(&jobs, "ok", &["env"], json!({})).await;
    assert_eq!(done.status.unwrap().succeeded, Some(1));

    let pod = first_pod(&pods, "ok").await;
    let name = pod.metadata.name.clone().unwrap();
    let status = pod.status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Succeeded"));
    let terminated = status.container_statuses.unwrap()[0]
        .state
        .clone()
        .unwrap()
        .terminated
        .unwrap();
    assert_eq!(terminated.exit_code, 0);
    assert_eq!(terminated.reason.as_deref(), Some("Completed"));

    // The process saw the downward API and its own kubeconfig.
    let logs = env.node().pod_logs(&ns, &name);
    assert!(logs.contains(&format!("HOSTNAME={name}")), "{logs}");
    assert!(logs.contains("KUBECONFIG="), "{logs}");
    assert!(logs.contains("KUBERNETES_SERVICE_HOST=127.0.0.1"), "{logs}");
}

#[tokio::test]
async fn pod_env_uses_downward_api_and_its_service_account_token() {
    let Scope {
        env,
        ns,
        jobs,
        pods,
        ..
    } = scope("pod-env").await;
    let extra = json!({"pod": {"containers": [{
        "name": "main", "image": IMAGE, "args": ["env", "$(MY_NS)", "/var/lib/data/file"],
        "env": [
            {"name": "MY_NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "MY_POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "MY_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "DATA_DIR", "value": "/var/lib/data"},
        ],
        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/data"}],
    }], "volumes": [{"name": "data", "emptyDir": {}}]}});
    run_to_completion(&jobs, "env", &[], extra).await;
    let name = first_pod(&pods, "env").await.metadata.name.unwrap();
    let logs = env.node().pod_logs(&ns, &name);
    assert!(logs.contains(&format!("MY_NS={ns}")), "{logs}");
    assert!(logs.contains(&format!("MY_POD={name}")), "{logs}");
    assert!(logs.contains("MY_IP=127.0.0.1"), "{logs}");
    assert!(
        logs.contains(&format!("args: [\"env\", \"{ns}\", \"")),
        "{logs}"
    );
    assert!(
        !logs.contains("DATA_DIR=/var/lib/data"),
        "mount path not rewritten: {logs}"
    );

    // whoami through the per-pod kubeconfig: the pod's own service account.
    // With /tmp mounted (as the crawler Job does), the agent's own paths
    // (KUBECONFIG under the env folder in /tmp) must not be rewritten.
    let extra = json!({"pod": {
        "serviceAccountName": "default",
        "volumes": [{"name": "tmp", "emptyDir": {}}],
        "containers": [{"name": "main", "image": IMAGE, "args": ["whoami"],
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}],
    }});
    run_to_completion(&jobs, "whoami", &["whoami"], extra).await;
    let name = first_pod(&pods, "whoami").await.metadata.name.unwrap();
    let logs = env.node().pod_logs(&ns, &name);
    assert!(
        logs.contains(&format!("user: system:serviceaccount:{ns}:default")),
        "{logs}"
    );
}

#[tokio::test]
async fn crashed_pod_is_replaced_within_backoff_limit() {
    let scope = scope("job-crash").await;
    let (env, ns) = (scope.env, &scope.ns);
    let dir = tempfile::tempdir().unwrap();
    let extra = host_volume(dir.path(), &["sleep-first-run", "/data"]);
    create_job(&scope.jobs, &job("crash", &[], json!({"pod": extra}))).await;
    let first = wait_running_pod(&scope, "crash").await;
    env.node().kill_pod_process(ns, &first).await.unwrap();

    let done = wait_job_condition(&scope.jobs, "crash", "Complete").await;
    let status = done.status.unwrap();
    assert_eq!(status.failed, Some(1), "{status:?}");
    assert_eq!(status.succeeded, Some(1), "{status:?}");
    let exits = env.node().pod_exits(ns, &first);
    assert_eq!(exits.len(), 1, "{exits:?}");
    assert_eq!(exits[0].exit_code, 137);
    assert_eq!(exits[0].signal, Some(9));
}

#[tokio::test]
async fn failed_container_restarts_in_place_with_on_failure() {
    let Scope {
        env,
        ns,
        jobs,
        pods,
        ..
    } = scope("job-restart").await;
    let extra = json!({"pod": {
        "restartPolicy": "OnFailure",
        "volumes": [{"name": "scratch", "emptyDir": {}}],
        "containers": [{"name": "main", "image": IMAGE, "args": ["fail-first-run", "/scratch"],
            "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]}],
    }});
    run_to_completion(&jobs, "restart", &[], extra).await;
    let pod = first_pod(&pods, "restart").await;
    let cs = pod.status.unwrap().container_statuses.unwrap().remove(0);
    assert_eq!(cs.restart_count, 1);
    let last = cs.last_state.unwrap().terminated.unwrap();
    assert_eq!(last.exit_code, 1);
    let logs = env.node().pod_logs(&ns, &pod.metadata.name.unwrap());
    assert!(
        logs.contains("first run: failing") && logs.contains("second run: succeeding"),
        "{logs}"
    );
}

#[tokio::test]
async fn suspending_a_job_terminates_its_pod_within_the_grace_period() {
    let scope = scope("job-suspend").await;
    let (env, ns, jobs) = (scope.env, &scope.ns, &scope.jobs);
    let dir = tempfile::tempdir().unwrap();
    let extra = host_volume(dir.path(), &["until-sigterm", "/data/marker"]);
    create_job(jobs, &job("suspend", &[], json!({"pod": extra}))).await;
    let pod = wait_running_pod(&scope, "suspend").await;
    let suspended_at = std::time::SystemTime::now();
    jobs.patch(
        "suspend",
        &PatchParams::default(),
        &Patch::Merge(&json!({"spec": {"suspend": true}})),
    )
    .await
    .unwrap();
    let marker = dir.path().join("marker");
    wait_for(
        "the pod to write its SIGTERM marker",
        Duration::from_secs(30),
        || async { std::fs::read_to_string(&marker).ok() },
    )
    .await
    .map(|text| assert_eq!(text, "sigterm"))
    .unwrap();
    let exits = wait_for(
        "the pod process to be reaped",
        Duration::from_secs(30),
        || async { Some(env.node().pod_exits(ns, &pod)).filter(|e| !e.is_empty()) },
    )
    .await
    .unwrap();
    assert_eq!(exits[0].exit_code, 0, "{exits:?}");
    let took = exits[0].finished_at.duration_since(suspended_at).unwrap();
    assert!(
        took < Duration::from_secs(10),
        "exit took {took:?}, longer than the grace period"
    );
    wait_job_condition(jobs, "suspend", "Suspended").await;
    wait_pod_gone(&scope.pods, &pod).await;
}

#[tokio::test]
async fn deployment_pod_starts_and_becomes_ready() {
    let Scope {
        env,
        ns,
        client,
        pods,
        ..
    } = scope("deploy").await;
    let deployments: Api<Deployment> = Api::namespaced(client, &ns);
    let deployment: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"terminationGracePeriodSeconds": 5, "containers": [{
                    "name": "web", "image": IMAGE, "args": ["serve", "127.0.0.1:8080"],
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 1},
                }]},
            },
        },
    }))
    .unwrap();
    deployments
        .create(&PostParams::default(), &deployment)
        .await
        .unwrap();
    let ready = wait_for(
        "deployment web to have 2 ready replicas",
        TIMEOUT,
        || async {
            let d = deployments.get("web").await.ok()?;
            let status = d.status?;
            (status.ready_replicas == Some(2) && status.available_replicas == Some(2))
                .then_some(status)
        },
    )
    .await
    .unwrap();
    assert_eq!(ready.replicas, Some(2));

    // Both replicas declared port 8080 yet listen on different free ports.
    let names: Vec<String> = pods
        .list(&ListParams::default().labels("app=web"))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    assert_eq!(names.len(), 2);
    let ports: Vec<u16> = names
        .iter()
        .map(|n| env.node().pod_port(&ns, n, 8080).unwrap())
        .collect();
    assert_ne!(ports[0], ports[1]);
    for port in ports {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        use std::io::{Read, Write};
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }

    // Scaling down deletes a pod gracefully (SIGTERM, exit 0) and it goes away.
    deployments
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"replicas": 0}})),
        )
        .await
        .unwrap();
    wait_for("the web pods to be deleted", TIMEOUT, || async {
        let list = pods
            .list(&ListParams::default().labels("app=web"))
            .await
            .ok()?;
        list.items.is_empty().then_some(())
    })
    .await
    .unwrap();
    for name in &names {
        let exits = env.node().pod_exits(&ns, name);
        assert_eq!(exits.len(), 1, "{name}: {exits:?}");
        assert_eq!(exits[0].exit_code, 0, "{name}: {exits:?}");
        assert!(env.node().pod_logs(&ns, name).contains("got SIGTERM"));
    }
}

fn bare_pod(name: &str, spec: serde_json::Value) -> Pod {
    serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}),
    )
    .expect("valid pod")
}

async fn create_pod(pods: &Api<Pod>, name: &str, spec: serde_json::Value) {
    pods.create(&PostParams::default(), &bare_pod(name, spec))
        .await
        .unwrap();
}

async fn wait_pod_process(env: &TestEnv, ns: &str, name: &str) {
    wait_for(&format!("pod {name} to run"), TIMEOUT, || async {
        env.node().pod_pid(ns, name)
    })
    .await
    .unwrap();
}

async fn pod_phase(pods: &Api<Pod>, name: &str, phase: &str) -> Option<Pod> {
    let pod = pods.get(name).await.ok()?;
    (pod.status.as_ref()?.phase.as_deref() == Some(phase)).then_some(pod)
}

async fn wait_pod_phase(pods: &Api<Pod>, name: &str, phase: &str) {
    wait_for(&format!("pod {name} to be {phase}"), TIMEOUT, || {
        pod_phase(pods, name, phase)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn disrupted_pod_gets_sigterm_and_fails_as_evicted() {
    let Scope { env, ns, pods, .. } = scope("disrupt").await;
    let dir = tempfile::tempdir().unwrap();
    let mut spec = host_volume(dir.path(), &["until-sigterm", "/data/marker"]);
    spec["restartPolicy"] = json!("Always");
    spec["terminationGracePeriodSeconds"] = json!(10);
    create_pod(&pods, "victim", spec).await;
    wait_pod_process(env, &ns, "victim").await;
    env.node().disrupt_pod(&ns, "victim").await.unwrap();

    let pod = pods.get("victim").await.unwrap();
    let status = pod.status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Failed"));
    assert_eq!(status.reason.as_deref(), Some("Evicted"));
    let disruption = status
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "DisruptionTarget")
        .expect("DisruptionTarget condition");
    assert_eq!(disruption.status, "True");
    assert_eq!(disruption.reason.as_deref(), Some("TerminationByKubelet"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("marker")).unwrap(),
        "sigterm"
    );
    // Not restarted despite restartPolicy Always: the pod is terminal.
    assert_eq!(env.node().pod_exits(&ns, "victim").len(), 1);
}

#[tokio::test]
async fn deletion_escalates_to_sigkill_after_the_grace_period() {
    let Scope { env, ns, pods, .. } = scope("grace").await;
    let spec = json!({"terminationGracePeriodSeconds": 1, "containers": [{"name": "main", "image": IMAGE, "args": ["ignore-sigterm"]}]});
    create_pod(&pods, "stubborn", spec).await;
    wait_pod_process(env, &ns, "stubborn").await;
    // The process prints its banner only once its SIGTERM handler is in place.
    wait_for("the SIGTERM handler", TIMEOUT, || async {
        env.node()
            .pod_logs(&ns, "stubborn")
            .contains("ignoring SIGTERM")
            .then_some(())
    })
    .await
    .unwrap();
    let deleted_at = std::time::SystemTime::now();
    pods.delete("stubborn", &Default::default()).await.unwrap();
    wait_pod_gone(&pods, "stubborn").await;
    let exits = env.node().pod_exits(&ns, "stubborn");
    assert_eq!(exits.len(), 1, "{exits:?}");
    assert_eq!(exits[0].exit_code, 137);
    let took = exits[0].finished_at.duration_since(deleted_at).unwrap();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(10),
        "{took:?}"
    );
    assert!(
        env.node()
            .pod_logs(&ns, "stubborn")
            .contains("got SIGTERM, ignoring it")
    );
}

#[tokio::test]
async fn claims_are_bound_and_their_folder_outlives_pods() {
    use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim};
    let Scope {
        env,
        ns,
        client,
        pods,
        ..
    } = scope("claims").await;
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &ns);
    let pvc: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }))
    .unwrap();
    claims.create(&PostParams::default(), &pvc).await.unwrap();
    wait_for("claim data to be Bound", TIMEOUT, || async {
        let c = claims.get("data").await.ok()?;
        (c.status?.phase.as_deref() == Some("Bound")).then_some(())
    })
    .await
    .unwrap();

    let cm: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "settings"}, "data": {"greeting": "hello from a configmap"}}),
    )
    .unwrap();
    Api::<ConfigMap>::namespaced(client, &ns)
        .create(&PostParams::default(), &cm)
        .await
        .unwrap();
    let writer = json!({
        "restartPolicy": "Never",
        "volumes": [{"name": "state", "persistentVolumeClaim": {"claimName": "data"}}],
        "containers": [{"name": "main", "image": IMAGE, "args": ["write", "/var/lib/cira/state.txt", "kept"],
            "volumeMounts": [{"name": "state", "mountPath": "/var/lib/cira"}]}],
    });
    create_pod(&pods, "writer", writer).await;
    wait_pod_phase(&pods, "writer", "Succeeded").await;
    let file = env.node().claim_dir(&ns, "data").join("state.txt");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "kept");

    // A second pod sees the claim's file, and a configMap volume's key.
    let reader = json!({
        "restartPolicy": "Never",
        "volumes": [
            {"name": "state", "persistentVolumeClaim": {"claimName": "data"}},
            {"name": "settings", "configMap": {"name": "settings"}},
        ],
        "containers": [{"name": "main", "image": IMAGE, "command": ["/bin/testprog", "cat"], "args": ["/etc/cira/greeting"],
            "volumeMounts": [{"name": "state", "mountPath": "/var/lib/cira"}, {"name": "settings", "mountPath": "/etc/cira"}]}],
    });
    create_pod(&pods, "reader", reader).await;
    wait_pod_phase(&pods, "reader", "Succeeded").await;
    assert!(
        env.node()
            .pod_logs(&ns, "reader")
            .contains("hello from a configmap")
    );

    // Deleting the claim removes its folder (reclaim policy Delete).
    claims.delete("data", &Default::default()).await.unwrap();
    wait_for("the claim folder to be removed", TIMEOUT, || async {
        (!file.exists()).then_some(())
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn unregistered_image_keeps_the_pod_pending_with_a_reason() {
    let Scope { env, pods, .. } = scope("no-image").await;
    let spec = json!({"restartPolicy": "Never", "containers": [{"name": "main", "image": "cira.dev/not-registered:1", "args": ["exit", "0"]}]});
    create_pod(&pods, "waiting", spec).await;
    let message = wait_for("the pod to report ErrImagePull", TIMEOUT, || async {
        let pod = pods.get("waiting").await.ok()?;
        let status = pod.status?;
        let waiting = status.container_statuses?.first()?.state.clone()?.waiting?;
        (status.phase.as_deref() == Some("Pending")
            && waiting.reason.as_deref() == Some("ErrImagePull"))
        .then_some(waiting.message.unwrap_or_default())
    })
    .await
    .unwrap();
    assert!(
        message.contains("not registered with the test node agent"),
        "{message}"
    );

    // Registering it later starts the pod.
    env.node().register_image(
        "cira.dev/not-registered",
        env!("CARGO_BIN_EXE_cira-testprog").into(),
    );
    wait_pod_phase(&pods, "waiting", "Succeeded").await;
}
