//! Jobs and Deployments driven by the real controllers through the node agent.

use std::path::Path;
use std::time::Duration;

use cira_testenv::{TestEnv, wait_for};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

const IMAGE: &str = "cira.dev/testprog";
const TIMEOUT: Duration = Duration::from_secs(60);

async fn env() -> &'static TestEnv {
    cira_testenv::init_tracing();
    let env = TestEnv::shared().await;
    env.node()
        .register_image(IMAGE, env!("CARGO_BIN_EXE_cira-testprog").into());
    env
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

fn host_volume(dir: &Path) -> serde_json::Value {
    json!({
        "volumes": [{"name": "data", "hostPath": {"path": dir.display().to_string()}}],
        "containers": [],
    })
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

#[tokio::test]
async fn job_completes_through_the_job_controller() {
    let env = env().await;
    let ns = env.new_namespace("job-complete").await.unwrap();
    let client = env.admin_client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    jobs.create(&PostParams::default(), &job("ok", &["env"], json!({})))
        .await
        .unwrap();
    let done = wait_for("job ok to complete", TIMEOUT, || {
        job_condition(&jobs, "ok", "Complete")
    })
    .await
    .unwrap();
    assert_eq!(done.status.unwrap().succeeded, Some(1));

    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let pod = pods
        .list(&ListParams::default().labels("job-name=ok"))
        .await
        .unwrap()
        .items
        .remove(0);
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
    let env = env().await;
    let ns = env.new_namespace("pod-env").await.unwrap();
    let client = env.admin_client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
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
    jobs.create(&PostParams::default(), &job("env", &[], extra))
        .await
        .unwrap();
    wait_for("job env to complete", TIMEOUT, || {
        job_condition(&jobs, "env", "Complete")
    })
    .await
    .unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let pod = pods
        .list(&ListParams::default().labels("job-name=env"))
        .await
        .unwrap()
        .items
        .remove(0);
    let name = pod.metadata.name.unwrap();
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
    jobs.create(&PostParams::default(), &job("whoami", &["whoami"], extra))
        .await
        .unwrap();
    wait_for("job whoami to complete", TIMEOUT, || {
        job_condition(&jobs, "whoami", "Complete")
    })
    .await
    .unwrap();
    let pod = pods
        .list(&ListParams::default().labels("job-name=whoami"))
        .await
        .unwrap()
        .items
        .remove(0);
    let logs = env.node().pod_logs(&ns, &pod.metadata.name.unwrap());
    assert!(
        logs.contains(&format!("user: system:serviceaccount:{ns}:default")),
        "{logs}"
    );
}

#[tokio::test]
async fn crashed_pod_is_replaced_within_backoff_limit() {
    let env = env().await;
    let ns = env.new_namespace("job-crash").await.unwrap();
    let client = env.admin_client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let dir = tempfile::tempdir().unwrap();
    let mut extra = host_volume(dir.path());
    extra["containers"] = json!([{
        "name": "main", "image": IMAGE, "args": ["sleep-first-run", "/data"],
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
    }]);
    jobs.create(
        &PostParams::default(),
        &job("crash", &[], json!({"pod": extra})),
    )
    .await
    .unwrap();
    let first = wait_for("the first pod to run", TIMEOUT, || {
        running_pod(&pods, env, &ns, "crash")
    })
    .await
    .unwrap();
    env.node().kill_pod_process(&ns, &first).await.unwrap();

    let done = wait_for("job crash to complete", TIMEOUT, || {
        job_condition(&jobs, "crash", "Complete")
    })
    .await
    .unwrap();
    let status = done.status.unwrap();
    assert_eq!(status.failed, Some(1), "{status:?}");
    assert_eq!(status.succeeded, Some(1), "{status:?}");
    let exits = env.node().pod_exits(&ns, &first);
    assert_eq!(exits.len(), 1, "{exits:?}");
    assert_eq!(exits[0].exit_code, 137);
    assert_eq!(exits[0].signal, Some(9));
}

#[tokio::test]
async fn failed_container_restarts_in_place_with_on_failure() {
    let env = env().await;
    let ns = env.new_namespace("job-restart").await.unwrap();
    let client = env.admin_client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let extra = json!({"pod": {
        "restartPolicy": "OnFailure",
        "volumes": [{"name": "scratch", "emptyDir": {}}],
        "containers": [{"name": "main", "image": IMAGE, "args": ["fail-first-run", "/scratch"],
            "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]}],
    }});
    jobs.create(&PostParams::default(), &job("restart", &[], extra))
        .await
        .unwrap();
    wait_for("job restart to complete", TIMEOUT, || {
        job_condition(&jobs, "restart", "Complete")
    })
    .await
    .unwrap();
    let pod = pods
        .list(&ListParams::default().labels("job-name=restart"))
        .await
        .unwrap()
        .items
        .remove(0);
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
    let env = env().await;
    let ns = env.new_namespace("job-suspend").await.unwrap();
    let client = env.admin_client().await;
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let dir = tempfile::tempdir().unwrap();
    let mut extra = host_volume(dir.path());
    extra["containers"] = json!([{
        "name": "main", "image": IMAGE, "args": ["until-sigterm", "/data/marker"],
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
    }]);
    jobs.create(
        &PostParams::default(),
        &job("suspend", &[], json!({"pod": extra})),
    )
    .await
    .unwrap();
    let pod = wait_for("the pod to run", TIMEOUT, || {
        running_pod(&pods, env, &ns, "suspend")
    })
    .await
    .unwrap();
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
        || async { Some(env.node().pod_exits(&ns, &pod)).filter(|e| !e.is_empty()) },
    )
    .await
    .unwrap();
    assert_eq!(exits[0].exit_code, 0, "{exits:?}");
    let took = exits[0].finished_at.duration_since(suspended_at).unwrap();
    assert!(
        took < Duration::from_secs(10),
        "exit took {took:?}, longer than the grace period"
    );
    wait_for("job suspend to be Suspended", TIMEOUT, || {
        job_condition(&jobs, "suspend", "Suspended")
    })
    .await
    .unwrap();
    wait_for("the suspended job's pod to be deleted", TIMEOUT, || async {
        pods.get_opt(&pod)
            .await
            .ok()
            .and_then(|p| p.is_none().then_some(()))
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn deployment_pod_starts_and_becomes_ready() {
    let env = env().await;
    let ns = env.new_namespace("deploy").await.unwrap();
    let client = env.admin_client().await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
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
    let pods: Api<Pod> = Api::namespaced(client, &ns);
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

async fn pod_phase(pods: &Api<Pod>, name: &str, phase: &str) -> Option<Pod> {
    let pod = pods.get(name).await.ok()?;
    (pod.status.as_ref()?.phase.as_deref() == Some(phase)).then_some(pod)
}

#[tokio::test]
async fn disrupted_pod_gets_sigterm_and_fails_as_evicted() {
    let env = env().await;
    let ns = env.new_namespace("disrupt").await.unwrap();
    let pods: Api<Pod> = Api::namespaced(env.admin_client().await, &ns);
    let dir = tempfile::tempdir().unwrap();
    let mut spec = host_volume(dir.path());
    spec["restartPolicy"] = json!("Always");
    spec["terminationGracePeriodSeconds"] = json!(10);
    spec["containers"] = json!([{
        "name": "main", "image": IMAGE, "args": ["until-sigterm", "/data/marker"],
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
    }]);
    pods.create(&PostParams::default(), &bare_pod("victim", spec))
        .await
        .unwrap();
    wait_for("the pod to run", TIMEOUT, || async {
        env.node().pod_pid(&ns, "victim")
    })
    .await
    .unwrap();
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
    let env = env().await;
    let ns = env.new_namespace("grace").await.unwrap();
    let pods: Api<Pod> = Api::namespaced(env.admin_client().await, &ns);
    let spec = json!({"terminationGracePeriodSeconds": 1, "containers": [{"name": "main", "image": IMAGE, "args": ["ignore-sigterm"]}]});
    pods.create(&PostParams::default(), &bare_pod("stubborn", spec))
        .await
        .unwrap();
    wait_for("the pod to run", TIMEOUT, || async {
        env.node().pod_pid(&ns, "stubborn")
    })
    .await
    .unwrap();
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
    wait_for("the pod object to be gone", TIMEOUT, || async {
        pods.get_opt("stubborn")
            .await
            .ok()
            .and_then(|p| p.is_none().then_some(()))
    })
    .await
    .unwrap();
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
    let env = env().await;
    let ns = env.new_namespace("claims").await.unwrap();
    let client = env.admin_client().await;
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
    Api::<ConfigMap>::namespaced(client.clone(), &ns)
        .create(&PostParams::default(), &cm)
        .await
        .unwrap();
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let writer = json!({
        "restartPolicy": "Never",
        "volumes": [{"name": "state", "persistentVolumeClaim": {"claimName": "data"}}],
        "containers": [{"name": "main", "image": IMAGE, "args": ["write", "/var/lib/cira/state.txt", "kept"],
            "volumeMounts": [{"name": "state", "mountPath": "/var/lib/cira"}]}],
    });
    pods.create(&PostParams::default(), &bare_pod("writer", writer))
        .await
        .unwrap();
    wait_for("the writer to succeed", TIMEOUT, || {
        pod_phase(&pods, "writer", "Succeeded")
    })
    .await
    .unwrap();
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
    pods.create(&PostParams::default(), &bare_pod("reader", reader))
        .await
        .unwrap();
    wait_for("the reader to succeed", TIMEOUT, || {
        pod_phase(&pods, "reader", "Succeeded")
    })
    .await
    .unwrap();
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
    let env = env().await;
    let ns = env.new_namespace("no-image").await.unwrap();
    let pods: Api<Pod> = Api::namespaced(env.admin_client().await, &ns);
    let spec = json!({"restartPolicy": "Never", "containers": [{"name": "main", "image": "cira.dev/not-registered:1", "args": ["exit", "0"]}]});
    pods.create(&PostParams::default(), &bare_pod("waiting", spec))
        .await
        .unwrap();
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
    wait_for("the pod to succeed", TIMEOUT, || {
        pod_phase(&pods, "waiting", "Succeeded")
    })
    .await
    .unwrap();
}
