//! One worker per pod bound to the test node: the kubelet's job for that pod.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use k8s_openapi::api::core::v1::{Container, Pod};

use kube::api::{Api, DeleteParams, Patch, PatchParams, Preconditions};
use tokio::process::Child;
use tokio::sync::{mpsc, oneshot, watch};

use super::spec::{self};
use super::status::{ContainerReport, PodReport, State, now};
use super::{PodCommand, PodInfo, Shared, agent};
use crate::Error;
use crate::controlplane::free_port;
use crate::supervisor::lock;

mod probe;
mod process;

/// Why a worker stops what it is doing.
enum Stop {
    /// `deletionTimestamp` is set: terminate gracefully, then the final delete.
    Deleting,
    /// The pod object no longer exists.
    Gone,
    /// The env is shutting down.
    Shutdown,
    /// `NodeAgent::disrupt_pod`.
    Disrupt(oneshot::Sender<Result<(), Error>>),
}

/// How a wait ended.
enum Wake {
    Exited(std::io::Result<std::process::ExitStatus>),
    Stop(Stop),
    Timer,
    Images,
}

struct ExitInfo {
    code: i32,
    signal: Option<i32>,
    reason: String,
    started_at: String,
    finished_at: String,
    ran_for: Duration,
}

struct Worker {
    shared: Arc<Shared>,
    uid: String,
    namespace: String,
    name: String,
    pod: Pod,
    pod_rx: watch::Receiver<Option<Pod>>,
    cmd_rx: mpsc::UnboundedReceiver<PodCommand>,
    images_rx: watch::Receiver<u64>,
    info: Arc<Mutex<PodInfo>>,
    report: PodReport,
    runs: u32,
    deleted_final: bool,
}

pub(super) async fn run(
    shared: Arc<Shared>,
    uid: String,
    pod_rx: watch::Receiver<Option<Pod>>,
    cmd_rx: mpsc::UnboundedReceiver<PodCommand>,
    info: Arc<Mutex<PodInfo>>,
) {
    let Some(pod) = pod_rx.borrow().clone() else {
        return;
    };
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let spec = pod.spec.clone().unwrap_or_default();
    let Some(main) = spec.containers.first().cloned() else {
        tracing::warn!(namespace, pod = name, "pod has no containers");
        return;
    };
    let init: Vec<ContainerReport> = init_containers(&pod)
        .iter()
        .map(|c| ContainerReport::new(&c.name, c.image.as_deref().unwrap_or_default()))
        .collect();
    let report = PodReport::new(
        ContainerReport::new(&main.name, main.image.as_deref().unwrap_or_default()),
        init,
    );
    let images_rx = shared.images_changed.subscribe();
    let mut worker = Worker {
        shared: shared.clone(),
        uid: uid.clone(),
        namespace: namespace.clone(),
        name: name.clone(),
        pod,
        pod_rx,
        cmd_rx,
        images_rx,
        info,
        report,
        runs: 0,
        deleted_final: false,
    };
    tracing::debug!(namespace, pod = name, "pod worker started");
    worker.lifecycle(main).await;
    agent::forget(&shared, &uid, &namespace, &name);
    let _ = std::fs::remove_dir_all(shared.pod_dir(&uid));
    tracing::debug!(namespace, pod = name, "pod worker finished");
}

/// Init containers that run to completion (native sidecars are skipped).
fn init_containers(pod: &Pod) -> Vec<Container> {
    pod.spec
        .as_ref()
        .and_then(|s| s.init_containers.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.restart_policy.as_deref() != Some("Always"))
        .collect()
}

fn backoff(restarts: u32) -> Duration {
    let ms = 500u64.saturating_mul(1u64 << restarts.min(4));
    Duration::from_millis(ms.min(5000))
}

fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Worker {
    fn restart_policy(&self) -> String {
        self.pod
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.clone())
            .unwrap_or_else(|| "Always".to_string())
    }

    fn api(&self) -> Api<Pod> {
        Api::namespaced(self.shared.client.clone(), &self.namespace)
    }

    /// The Stop the current pod object asks for, if any.
    fn pod_stop(&self) -> Option<Stop> {
        match self.pod_rx.borrow().as_ref() {
            None => Some(Stop::Gone),
            Some(p) if p.metadata.deletion_timestamp.is_some() => Some(Stop::Deleting),
            Some(_) => None,
        }
    }

    /// Waits for the child (if any) to exit, the pod to change in a way that
    /// stops it, a command, the deadline or an image registration.
    async fn wait(&mut self, child: Option<&mut Child>, deadline: Option<Instant>) -> Wake {
        if !self.deleted_final
            && let Some(stop) = self.pod_stop()
        {
            return Wake::Stop(stop);
        }
        let mut child = child;
        loop {
            tokio::select! {
                r = async {
                    match child.as_deref_mut() {
                        Some(c) => c.wait().await,
                        None => std::future::pending().await,
                    }
                } => return Wake::Exited(r),
                changed = self.pod_rx.changed() => {
                    if changed.is_err() {
                        return Wake::Stop(Stop::Gone);
                    }
                    let latest = self.pod_rx.borrow_and_update().clone();
                    match latest {
                        None => return Wake::Stop(Stop::Gone),
                        Some(p) => {
                            let deleting = p.metadata.deletion_timestamp.is_some();
                            self.pod = p;
                            if deleting && !self.deleted_final {
                                return Wake::Stop(Stop::Deleting);
                            }
                        }
                    }
                }
                cmd = self.cmd_rx.recv() => match cmd {
                    Some(PodCommand::Disrupt(tx)) => return Wake::Stop(Stop::Disrupt(tx)),
                    Some(PodCommand::Shutdown) | None => return Wake::Stop(Stop::Shutdown),
                },
                _ = async {
                    match deadline {
                        Some(d) => tokio::time::sleep_until(d.into()).await,
                        None => std::future::pending().await,
                    }
                } => return Wake::Timer,
                r = self.images_rx.changed() => {
                    if r.is_ok() {
                        return Wake::Images;
                    }
                }
            }
        }
    }

    async fn send_report(&mut self) {
        let patch = self.report.build_patch(&self.uid);
        for attempt in 0..3 {
            match self
                .api()
                .patch_status(
                    &self.name,
                    &PatchParams::default(),
                    &Patch::Strategic(&patch),
                )
                .await
            {
                Ok(_) => return,
                // Gone, or replaced by a pod of the same name.
                Err(kube::Error::Api(s)) if s.code == 404 || s.code == 422 => return,
                Err(error) => {
                    tracing::warn!(namespace = self.namespace, pod = self.name, attempt, %error, "could not report pod status");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }

    async fn lifecycle(&mut self, main: Container) {
        self.send_report().await;

        // Ports are chosen once and kept across restarts.
        let mut ports = BTreeMap::new();
        for port in main.ports.clone().unwrap_or_default() {
            if let (Ok(cp), Ok(hp)) = (u16::try_from(port.container_port), free_port()) {
                ports.insert(cp, hp);
            }
        }
        lock(&self.info).ports = ports.clone().into_iter().collect();

        let prepared = loop {
            match spec::prepare(&self.shared, &self.pod, ports.clone()).await {
                Ok(p) => break p,
                Err(message) => {
                    tracing::info!(
                        namespace = self.namespace,
                        pod = self.name,
                        message,
                        "pod not ready to start"
                    );
                    self.report.main.state = State::waiting("CreateContainerConfigError", message);
                    self.send_report().await;
                    match self
                        .wait(None, Some(Instant::now() + Duration::from_secs(1)))
                        .await
                    {
                        Wake::Stop(stop) => return self.finish(stop, None).await,
                        _ => continue,
                    }
                }
            }
        };
        self.report.sandbox_ready = true;

        for (index, container) in init_containers(&self.pod).into_iter().enumerate() {
            let mut restarts = 0;
            loop {
                let launch = match self.launch_for(&prepared, &container, Some(index)).await {
                    Ok(l) => l,
                    Err(stop) => return self.finish(stop, None).await,
                };
                self.report.init[index].state = State::waiting("PodInitializing", "");
                match self.run_once(&launch, &container, Some(index)).await {
                    Err((stop, exit)) => return self.finish(stop, exit).await,
                    Ok(exit) if exit.code == 0 => {
                        self.report.init[index].state = terminated(&exit);
                        break;
                    }
                    Ok(exit) => {
                        self.report.init[index].state = terminated(&exit);
                        if self.restart_policy() == "Never" {
                            self.report.phase = "Failed";
                            self.send_report().await;
                            return self.terminal().await;
                        }
                        restarts += 1;
                        self.report.init[index].restart_count = restarts;
                        self.report.init[index].last_state = Some(terminated(&exit));
                        self.report.init[index].state = State::waiting(
                            "CrashLoopBackOff",
                            "back-off restarting failed init container",
                        );
                        self.send_report().await;
                        if let Some(stop) = self.sleep(backoff(restarts as u32)).await {
                            return self.finish(stop, None).await;
                        }
                    }
                }
            }
        }
        self.report.initialized = true;

        let mut restarts: u32 = 0;
        loop {
            let launch = match self.launch_for(&prepared, &main, None).await {
                Ok(l) => l,
                Err(stop) => return self.finish(stop, None).await,
            };
            let exit = match self.run_once(&launch, &main, None).await {
                Ok(exit) => exit,
                Err((stop, exit)) => return self.finish(stop, exit).await,
            };
            self.report.main.ready = false;
            let restart = match self.restart_policy().as_str() {
                "Never" => false,
                "OnFailure" => exit.code != 0,
                _ => true,
            };
            if !restart {
                self.report.main.state = terminated(&exit);
                self.report.phase = if exit.code == 0 {
                    "Succeeded"
                } else {
                    "Failed"
                };
                self.send_report().await;
                return self.terminal().await;
            }
            if exit.ran_for > Duration::from_secs(10) {
                restarts = 0;
            }
            restarts += 1;
            let delay = backoff(restarts - 1);
            self.report.main.restart_count += 1;
            self.report.main.last_state = Some(terminated(&exit));
            self.report.main.state = State::waiting(
                "CrashLoopBackOff",
                format!(
                    "back-off {delay:?} restarting failed container={} pod={}",
                    main.name, self.name
                ),
            );
            self.send_report().await;
            if let Some(stop) = self.sleep(delay).await {
                return self.finish(stop, None).await;
            }
        }
    }

    /// Sleeps, unless something stops the pod.
    async fn sleep(&mut self, delay: Duration) -> Option<Stop> {
        let deadline = Instant::now() + delay;
        loop {
            match self.wait(None, Some(deadline)).await {
                Wake::Stop(stop) => return Some(stop),
                Wake::Timer => return None,
                _ => {}
            }
        }
    }
}

impl Worker {
    /// Handles a stop outside a running process (and after one).
    async fn finish(&mut self, stop: Stop, exit: Option<ExitInfo>) {
        if let Some(exit) = &exit {
            self.report.main.state = terminated(exit);
        }
        self.report.main.ready = false;
        match stop {
            Stop::Gone | Stop::Shutdown => {}
            Stop::Deleting => {
                let succeeded = exit.as_ref().is_some_and(|e| e.code == 0);
                if !matches!(self.report.phase, "Succeeded" | "Failed") {
                    self.report.phase = if succeeded { "Succeeded" } else { "Failed" };
                }
                if matches!(self.report.main.state, State::Waiting { .. }) {
                    self.report.main.state = State::Terminated {
                        exit_code: 137,
                        signal: None,
                        reason: "ContainerStatusUnknown".into(),
                        started_at: now(),
                        finished_at: now(),
                    };
                }
                self.send_report().await;
                self.final_delete().await;
                self.terminal().await;
            }
            Stop::Disrupt(tx) => {
                self.report.phase = "Failed";
                self.report.reason = Some("Evicted".into());
                self.report.message = Some("The test node agent disrupted this pod.".into());
                if self.report.disruption.is_none() {
                    self.report.disruption = Some((
                        "TerminationByKubelet".to_string(),
                        "The test node agent disrupted this pod (NodeAgent::disrupt_pod)."
                            .to_string(),
                    ));
                }
                self.send_report().await;
                let _ = tx.send(Ok(()));
                self.terminal().await;
            }
        }
    }

    /// The kubelet's final delete, with grace 0 and the pod's uid as a
    /// precondition. Finalizers keep the object until their owners act.
    async fn final_delete(&mut self) {
        if self.deleted_final {
            return;
        }
        self.deleted_final = true;
        let params = DeleteParams {
            grace_period_seconds: Some(0),
            preconditions: Some(Preconditions {
                uid: Some(self.uid.clone()),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        match self.api().delete(&self.name, &params).await {
            Ok(_) => tracing::debug!(namespace = self.namespace, pod = self.name, "final delete"),
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => {}
            Err(error) => {
                tracing::warn!(namespace = self.namespace, pod = self.name, %error, "final delete failed")
            }
        }
    }

    /// A terminal pod: nothing runs any more; do the final delete when it is
    /// deleted and stop once it is gone.
    async fn terminal(&mut self) {
        loop {
            match self.wait(None, None).await {
                Wake::Stop(Stop::Gone | Stop::Shutdown) => return,
                Wake::Stop(Stop::Deleting) => self.final_delete().await,
                Wake::Stop(Stop::Disrupt(tx)) => {
                    let _ = tx.send(Ok(()));
                }
                Wake::Exited(_) | Wake::Timer | Wake::Images => {}
            }
        }
    }
}

fn terminated(exit: &ExitInfo) -> State {
    State::Terminated {
        exit_code: exit.code,
        signal: exit.signal,
        reason: exit.reason.clone(),
        started_at: exit.started_at.clone(),
        finished_at: exit.finished_at.clone(),
    }
}
