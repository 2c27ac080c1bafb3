//! The agent's watch loops: node registration, binding (the scheduler's job),
//! dispatching bound pods to per-pod workers, and binding claims to hostPath
//! volumes (the PV controller's job).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde_json::json;
use tokio::sync::{mpsc, watch};

use super::{NODE_NAME, PodEntry, PodInfo, Shared, pod};
use crate::Error;
use crate::supervisor::lock;

pub(crate) fn node_labels() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("kubernetes.io/hostname".to_string(), NODE_NAME.to_string()),
        ("kubernetes.io/os".to_string(), "linux".to_string()),
        (
            "kubernetes.io/arch".to_string(),
            std::env::consts::ARCH
                .replace("x86_64", "amd64")
                .replace("aarch64", "arm64"),
        ),
    ])
}

pub(super) async fn start(shared: Arc<Shared>) -> Result<(), Error> {
    register_node(&shared).await?;
    let pods = tokio::spawn(watch_pods(shared.clone()));
    let claims = tokio::spawn(watch_claims(shared.clone()));
    lock(&shared.tasks).extend([pods, claims]);
    Ok(())
}

async fn register_node(shared: &Shared) -> Result<(), Error> {
    let api: Api<Node> = Api::all(shared.client.clone());
    let node: Node = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": NODE_NAME, "labels": node_labels()},
        "spec": {},
    }))
    .map_err(|e| Error::Config {
        what: "node object".into(),
        reason: e.to_string(),
    })?;
    match api.create(&PostParams::default(), &node).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => return Err(Error::kube("could not register the test node")(e)),
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let resources =
        json!({"cpu": "16", "memory": "64Gi", "pods": "250", "ephemeral-storage": "100Gi"});
    let condition = |type_: &str, status: &str, reason: &str, message: &str| {
        json!({"type": type_, "status": status, "reason": reason, "message": message,
               "lastHeartbeatTime": now, "lastTransitionTime": now})
    };
    let status = json!({"status": {
        "capacity": resources,
        "allocatable": resources,
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": NODE_NAME}],
        "conditions": [
            condition("Ready", "True", "KubeletReady", "the cira test node agent is running pods as local processes"),
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "no pressure"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "no pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "no pressure"),
        ],
        "nodeInfo": {
            "machineID": "cira-test", "systemUUID": "cira-test", "bootID": "cira-test",
            "kernelVersion": "", "osImage": "cira test node", "containerRuntimeVersion": "cira-tests://0",
            "kubeletVersion": "v1.36.3", "kubeProxyVersion": "", "operatingSystem": "linux",
            "architecture": node_labels()["kubernetes.io/arch"],
        },
    }});
    api.patch_status(NODE_NAME, &PatchParams::default(), &Patch::Merge(&status))
        .await
        .map_err(Error::kube("could not mark the test node Ready"))?;
    Ok(())
}

async fn watch_pods(shared: Arc<Shared>) {
    let api: Api<Pod> = Api::all(shared.client.clone());
    let binding: Arc<Mutex<HashSet<String>>> = Default::default();
    let mut init_seen: Option<HashSet<String>> = None;
    let mut stream = watcher::watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    while let Some(event) = stream.next().await {
        match event {
            Ok(Event::Init) => init_seen = Some(HashSet::new()),
            Ok(Event::InitApply(pod)) => {
                if let (Some(seen), Some(uid)) = (init_seen.as_mut(), pod.metadata.uid.clone()) {
                    seen.insert(uid);
                }
                handle_pod(&shared, &binding, pod);
            }
            Ok(Event::InitDone) => {
                // Pods deleted while the watch was down never produce a Delete.
                if let Some(seen) = init_seen.take() {
                    let gone: Vec<String> = lock(&shared.pods)
                        .keys()
                        .filter(|uid| !seen.contains(*uid))
                        .cloned()
                        .collect();
                    for uid in gone {
                        pod_gone(&shared, &uid);
                    }
                }
            }
            Ok(Event::Apply(pod)) => handle_pod(&shared, &binding, pod),
            Ok(Event::Delete(pod)) => {
                if let Some(uid) = pod.metadata.uid.as_deref() {
                    pod_gone(&shared, uid);
                }
            }
            Err(error) => tracing::warn!(%error, "pod watch failed; retrying"),
        }
    }
}

fn pod_gone(shared: &Shared, uid: &str) {
    if let Some(entry) = lock(&shared.pods).get(uid) {
        let _ = entry.pod_tx.send(None);
    }
}

fn handle_pod(shared: &Arc<Shared>, binding: &Arc<Mutex<HashSet<String>>>, pod: Pod) {
    let Some(uid) = pod.metadata.uid.clone() else {
        return;
    };
    let spec = pod.spec.as_ref();
    let node_name = spec
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or_default();
    if node_name == NODE_NAME {
        lock(binding).remove(&uid);
        dispatch(shared, uid, pod);
        return;
    }
    if !node_name.is_empty() || pod.metadata.deletion_timestamp.is_some() {
        return;
    }
    let gated = spec
        .and_then(|s| s.scheduling_gates.as_ref())
        .is_some_and(|g| !g.is_empty());
    if gated || !lock(binding).insert(uid.clone()) {
        return;
    }
    let shared = shared.clone();
    let binding = binding.clone();
    tokio::spawn(async move {
        if let Err(error) = schedule(&shared, &pod).await {
            tracing::warn!(%error, "could not schedule pod");
            // Allow a retry on the next event for this pod.
            lock(&binding).remove(&uid);
        }
    });
}

async fn schedule(shared: &Shared, pod: &Pod) -> Result<(), Error> {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let api: Api<Pod> = Api::namespaced(shared.client.clone(), &namespace);
    let labels = node_labels();
    let selector_ok = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_selector.as_ref())
        .is_none_or(|sel| sel.iter().all(|(k, v)| labels.get(k) == Some(v)));
    if !selector_ok {
        tracing::info!(
            namespace,
            pod = name,
            "node selector does not match the test node"
        );
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let patch = json!({"status": {"conditions": [{
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
            "lastTransitionTime": now,
        }]}});
        api.patch_status(&name, &PatchParams::default(), &Patch::Strategic(&patch))
            .await
            .map_err(Error::kube(format!(
                "could not mark pod {namespace}/{name} unschedulable"
            )))?;
        return Ok(());
    }
    let body = json!({
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": name, "uid": pod.metadata.uid},
        "target": {"apiVersion": "v1", "kind": "Node", "name": NODE_NAME},
    });
    match api
        .create_subresource::<_, serde_json::Value>("binding", &name, &PostParams::default(), &body)
        .await
    {
        Ok(_) => {
            tracing::debug!(namespace, pod = name, "bound pod");
            Ok(())
        }
        // Already bound, or gone: the watch will tell.
        Err(kube::Error::Api(s)) if s.code == 409 || s.code == 404 => Ok(()),
        Err(e) => Err(Error::kube(format!(
            "could not bind pod {namespace}/{name}"
        ))(e)),
    }
}

fn dispatch(shared: &Arc<Shared>, uid: String, pod: Pod) {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let mut pods = lock(&shared.pods);
    if let Some(entry) = pods.get(&uid) {
        let _ = entry.pod_tx.send(Some(pod));
        return;
    }
    lock(&shared.names).insert((namespace, name), uid.clone());
    let (pod_tx, pod_rx) = watch::channel(Some(pod));
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let info = Arc::new(Mutex::new(PodInfo::default()));
    let task = tokio::spawn(pod::run(
        shared.clone(),
        uid.clone(),
        pod_rx,
        cmd_rx,
        info.clone(),
    ));
    pods.insert(
        uid,
        PodEntry {
            pod_tx,
            cmd_tx,
            info,
            task: Some(task),
        },
    );
}

/// Forgets a pod whose worker finished.
pub(super) fn forget(shared: &Shared, uid: &str, namespace: &str, name: &str) {
    lock(&shared.pods).remove(uid);
    let mut names = lock(&shared.names);
    let key = (namespace.to_string(), name.to_string());
    if names.get(&key).is_some_and(|u| u == uid) {
        names.remove(&key);
    }
}

async fn watch_claims(shared: Arc<Shared>) {
    let api: Api<PersistentVolumeClaim> = Api::all(shared.client.clone());
    let mut stream = watcher::watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    while let Some(event) = stream.next().await {
        match event {
            Ok(Event::Apply(pvc) | Event::InitApply(pvc)) => {
                let unbound = pvc.spec.as_ref().is_none_or(|s| s.volume_name.is_none());
                if unbound
                    && pvc.metadata.deletion_timestamp.is_none()
                    && let Err(error) = bind_claim(&shared, &pvc).await
                {
                    tracing::warn!(%error, "could not bind claim");
                }
            }
            Ok(Event::Delete(pvc)) => {
                let namespace = pvc.metadata.namespace.clone().unwrap_or_default();
                let name = pvc.metadata.name.clone().unwrap_or_default();
                // Reclaim policy Delete: a new claim of the same name starts empty.
                let _ = std::fs::remove_dir_all(shared.claim_dir(&namespace, &name));
                if let Some(volume) = pvc.spec.and_then(|s| s.volume_name) {
                    let pvs: Api<PersistentVolume> = Api::all(shared.client.clone());
                    let _ = pvs.delete(&volume, &Default::default()).await;
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "claim watch failed; retrying"),
        }
    }
}

async fn bind_claim(shared: &Shared, pvc: &PersistentVolumeClaim) -> Result<(), Error> {
    let namespace = pvc.metadata.namespace.clone().unwrap_or_default();
    let name = pvc.metadata.name.clone().unwrap_or_default();
    let uid = pvc.metadata.uid.clone().unwrap_or_default();
    let spec = pvc.spec.clone().unwrap_or_default();
    let size = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .map(|q| q.0.clone())
        .unwrap_or_else(|| "1Gi".to_string());
    let access_modes = spec
        .access_modes
        .clone()
        .unwrap_or_else(|| vec!["ReadWriteOnce".to_string()]);
    let dir = shared.claim_dir(&namespace, &name);
    super::ensure_dir(&dir)?;
    let pv_name = format!("cira-tests-{uid}");
    let pv: PersistentVolume = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": pv_name, "labels": {"cira.dev/testenv": "true"}},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": access_modes,
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": spec.storage_class_name.clone().unwrap_or_default(),
            "hostPath": {"path": dir.display().to_string(), "type": "DirectoryOrCreate"},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": namespace, "name": name, "uid": uid},
        },
    }))
    .map_err(|e| Error::Config { what: "volume object".into(), reason: e.to_string() })?;
    let pvs: Api<PersistentVolume> = Api::all(shared.client.clone());
    match pvs.create(&PostParams::default(), &pv).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => {
            return Err(Error::kube(format!(
                "could not create a volume for claim {namespace}/{name}"
            ))(e));
        }
    }
    pvs.patch_status(
        &pv_name,
        &PatchParams::default(),
        &Patch::Merge(&json!({"status": {"phase": "Bound"}})),
    )
    .await
    .map_err(Error::kube(format!(
        "could not mark volume {pv_name} Bound"
    )))?;
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(shared.client.clone(), &namespace);
    claims
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"volumeName": pv_name}})),
        )
        .await
        .map_err(Error::kube(format!(
            "could not bind claim {namespace}/{name}"
        )))?;
    claims
        .patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(&json!({"status": {"phase": "Bound", "accessModes": access_modes, "capacity": {"storage": size}}})),
        )
        .await
        .map_err(Error::kube(format!("could not mark claim {namespace}/{name} Bound")))?;
    tracing::debug!(namespace, claim = name, "bound claim");
    Ok(())
}
