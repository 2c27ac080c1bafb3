//! One worker per pod bound to the test node: the kubelet's job for that pod.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use k8s_openapi::api::core::v1::{Container, Pod, Probe};

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{Api, DeleteParams, Patch, PatchParams, Preconditions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Child;
use tokio::sync::{mpsc, oneshot, watch};

use super::spec::{self, Launch, Prepared};
use super::status::{ContainerReport, PodReport, State, now};
use super::{PodCommand, PodInfo, ProcessExit, Shared, agent, pid_t};
use crate::Error;
use crate::controlplane::free_port;
use crate::supervisor::lock;

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

    /// Resolves the program and builds the process, waiting (Pending) while
    /// the image is unknown or a referenced object is missing.
    async fn launch_for(
        &mut self,
        prepared: &Prepared,
        container: &Container,
        init: Option<usize>,
    ) -> Result<Launch, Stop> {
        loop {
            let image = container.image.clone().unwrap_or_default();
            let waiting = match self.shared.program_for(&image) {
                None => State::waiting(
                    "ErrImagePull",
                    format!(
                        "image {image:?} is not registered with the test node agent (NodeAgent::register_image)"
                    ),
                ),
                Some(program) => {
                    match spec::launch(&self.shared, &self.pod, prepared, container, program).await
                    {
                        Ok(launch) => return Ok(launch),
                        Err(message) => State::waiting("CreateContainerConfigError", message),
                    }
                }
            };
            tracing::info!(
                namespace = self.namespace,
                pod = self.name,
                ?waiting,
                "container cannot start yet"
            );
            match init {
                Some(i) => self.report.init[i].state = waiting,
                None => self.report.main.state = waiting,
            }
            self.send_report().await;
            match self
                .wait(None, Some(Instant::now() + Duration::from_secs(1)))
                .await
            {
                Wake::Stop(stop) => return Err(stop),
                _ => continue,
            }
        }
    }

    fn log_file(&self) -> Result<std::fs::File, std::io::Error> {
        let path = self.shared.log_path(&self.namespace, &self.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    }

    /// Runs one process of `container` until it exits (Ok) or the pod is
    /// stopped (Err, after terminating the process).
    async fn run_once(
        &mut self,
        launch: &Launch,
        container: &Container,
        init: Option<usize>,
    ) -> Result<ExitInfo, (Stop, Option<ExitInfo>)> {
        let started = SystemTime::now();
        let started_at = rfc3339(started);
        let spawned = self.log_file().and_then(|out| {
            let err = out.try_clone()?;
            tokio::process::Command::new(&launch.program)
                .args(&launch.args)
                .env_clear()
                .envs(launch.env.iter().map(|(k, v)| (k, v)))
                .current_dir(&launch.cwd)
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .process_group(self.shared.pgid)
                .kill_on_drop(true)
                .spawn()
        });
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) => {
                tracing::warn!(namespace = self.namespace, pod = self.name, program = %launch.program.display(), %error, "could not start container process");
                let exit = ExitInfo {
                    code: 128,
                    signal: None,
                    reason: "StartError".into(),
                    started_at: started_at.clone(),
                    finished_at: now(),
                    ran_for: Duration::ZERO,
                };
                self.record_exit(&container.name, &exit, started);
                return Ok(exit);
            }
        };
        let pid = child.id();
        tracing::info!(namespace = self.namespace, pod = self.name, container = container.name, pid, args = ?launch.args, "started container process");
        if init.is_none() {
            lock(&self.info).pid = pid;
        }
        let running = State::Running {
            started_at: started_at.clone(),
        };
        let probe = container
            .readiness_probe
            .clone()
            .and_then(|p| ProbeTarget::new(&p, container, &lock(&self.info).ports));
        match init {
            Some(i) => self.report.init[i].state = running,
            None => {
                self.report.main.state = running;
                self.report.phase = "Running";
                self.report.main.ready = probe.is_none();
            }
        }
        self.send_report().await;

        let mut next_probe = probe.as_ref().map(|_| Instant::now());
        let mut failures = 0;
        let result = loop {
            match self.wait(Some(&mut child), next_probe).await {
                Wake::Exited(status) => break Ok(self.exit_info(status, &started_at, started)),
                Wake::Timer => {
                    if let Some(p) = &probe {
                        let ok = p.check().await;
                        let was = self.report.main.ready;
                        if ok {
                            failures = 0;
                            self.report.main.ready = true;
                        } else if was {
                            failures += 1;
                            if failures >= p.failure_threshold {
                                self.report.main.ready = false;
                            }
                        }
                        if was != self.report.main.ready {
                            tracing::info!(
                                namespace = self.namespace,
                                pod = self.name,
                                ready = self.report.main.ready,
                                "readiness changed"
                            );
                            self.send_report().await;
                        }
                        let period = if self.report.main.ready {
                            p.period
                        } else {
                            Duration::from_millis(500)
                        };
                        next_probe = Some(Instant::now() + period);
                    }
                }
                Wake::Images => {}
                Wake::Stop(stop) => {
                    let exit = self
                        .stop_process(&mut child, &stop, &started_at, started)
                        .await;
                    break Err((stop, Some(exit)));
                }
            }
        };
        if init.is_none() {
            lock(&self.info).pid = None;
        }
        match result {
            Ok(exit) => {
                tracing::info!(
                    namespace = self.namespace,
                    pod = self.name,
                    container = container.name,
                    code = exit.code,
                    "container process exited"
                );
                self.record_exit(&container.name, &exit, started);
                Ok(exit)
            }
            Err((stop, Some(exit))) => {
                self.record_exit(&container.name, &exit, started);
                Err((stop, Some(exit)))
            }
            Err(other) => Err(other),
        }
    }

    fn exit_info(
        &self,
        status: std::io::Result<std::process::ExitStatus>,
        started_at: &str,
        started: SystemTime,
    ) -> ExitInfo {
        use std::os::unix::process::ExitStatusExt;
        let (code, signal) = match status {
            Ok(s) => match (s.code(), s.signal()) {
                (Some(c), _) => (c, None),
                (None, Some(sig)) => (128 + sig, Some(sig)),
                (None, None) => (255, None),
            },
            Err(error) => {
                tracing::warn!(namespace = self.namespace, pod = self.name, %error, "could not wait for process");
                (255, None)
            }
        };
        ExitInfo {
            code,
            signal,
            reason: if code == 0 {
                "Completed".into()
            } else {
                "Error".into()
            },
            started_at: started_at.to_string(),
            finished_at: now(),
            ran_for: started.elapsed().unwrap_or_default(),
        }
    }

    fn record_exit(&mut self, container: &str, exit: &ExitInfo, started: SystemTime) {
        let record = ProcessExit {
            container: container.to_string(),
            run: self.runs,
            exit_code: exit.code,
            signal: exit.signal,
            started_at: started,
            finished_at: SystemTime::now(),
        };
        self.runs += 1;
        lock(&self.shared.exits)
            .entry((self.namespace.clone(), self.name.clone()))
            .or_default()
            .push(record);
    }

    fn grace_period(&self, deleting: bool) -> Duration {
        let from_delete = if deleting {
            self.pod.metadata.deletion_grace_period_seconds
        } else {
            None
        };
        let secs = from_delete
            .or_else(|| {
                self.pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.termination_grace_period_seconds)
            })
            .unwrap_or(30);
        Duration::from_secs(u64::try_from(secs).unwrap_or(0))
    }

    /// Ends the process as `stop` requires: SIGTERM and the grace period for
    /// deletion and disruption, SIGKILL right away otherwise.
    async fn stop_process(
        &mut self,
        child: &mut Child,
        stop: &Stop,
        started_at: &str,
        started: SystemTime,
    ) -> ExitInfo {
        let grace = match stop {
            Stop::Deleting => Some(self.grace_period(true)),
            Stop::Disrupt(_) => {
                self.report.disruption = Some((
                    "TerminationByKubelet".to_string(),
                    "The test node agent disrupted this pod (NodeAgent::disrupt_pod).".to_string(),
                ));
                self.send_report().await;
                Some(self.grace_period(false))
            }
            Stop::Gone | Stop::Shutdown => None,
        };
        let pid = child.id();
        #[allow(unsafe_code)]
        let signal = |sig: libc::c_int| {
            if let Some(pid) = pid {
                // SAFETY: kill(2) on our own child, not yet reaped (we hold it).
                unsafe {
                    libc::kill(pid_t(pid), sig);
                }
            }
        };
        let Some(grace) = grace else {
            signal(libc::SIGKILL);
            let status = child.wait().await;
            return self.exit_info(status, started_at, started);
        };
        tracing::info!(
            namespace = self.namespace,
            pod = self.name,
            ?grace,
            "terminating container process"
        );
        signal(libc::SIGTERM);
        let deadline = Instant::now() + grace;
        loop {
            match self.wait(Some(child), Some(deadline)).await {
                Wake::Exited(status) => return self.exit_info(status, started_at, started),
                Wake::Timer | Wake::Stop(Stop::Gone | Stop::Shutdown) => {
                    signal(libc::SIGKILL);
                    let status = child.wait().await;
                    return self.exit_info(status, started_at, started);
                }
                Wake::Stop(Stop::Disrupt(tx)) => {
                    let _ = tx.send(Ok(()));
                }
                // Already deleting: `wait` keeps reporting it, so wait for
                // the exit or the deadline only.
                Wake::Stop(Stop::Deleting) => {
                    let status = tokio::select! {
                        status = child.wait() => status,
                        _ = tokio::time::sleep_until(deadline.into()) => {
                            signal(libc::SIGKILL);
                            child.wait().await
                        }
                    };
                    return self.exit_info(status, started_at, started);
                }
                Wake::Images => {}
            }
        }
    }

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

/// A readiness probe the agent can run.
struct ProbeTarget {
    port: u16,
    http_path: Option<String>,
    period: Duration,
    failure_threshold: u32,
    timeout: Duration,
}

impl ProbeTarget {
    fn new(
        probe: &Probe,
        container: &Container,
        ports: &std::collections::HashMap<u16, u16>,
    ) -> Option<ProbeTarget> {
        let (port, path) = if let Some(http) = &probe.http_get {
            (
                &http.port,
                Some(http.path.clone().unwrap_or_else(|| "/".into())),
            )
        } else if let Some(tcp) = &probe.tcp_socket {
            (&tcp.port, None)
        } else {
            // exec and gRPC probes are not run; the pod is Ready once running.
            return None;
        };
        let container_port = match port {
            IntOrString::Int(n) => u16::try_from(*n).ok()?,
            IntOrString::String(name) => container
                .ports
                .as_ref()?
                .iter()
                .find(|p| p.name.as_deref() == Some(name))
                .and_then(|p| u16::try_from(p.container_port).ok())?,
        };
        Some(ProbeTarget {
            port: ports
                .get(&container_port)
                .copied()
                .unwrap_or(container_port),
            http_path: path,
            period: Duration::from_secs(
                u64::try_from(probe.period_seconds.unwrap_or(10)).unwrap_or(10),
            )
            .min(Duration::from_secs(2)),
            failure_threshold: u32::try_from(probe.failure_threshold.unwrap_or(3)).unwrap_or(3),
            timeout: Duration::from_secs(
                u64::try_from(probe.timeout_seconds.unwrap_or(1)).unwrap_or(1),
            )
            .min(Duration::from_secs(2)),
        })
    }

    async fn check(&self) -> bool {
        let attempt = async {
            let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .ok()?;
            let Some(path) = &self.http_path else {
                return Some(true);
            };
            let request = format!(
                "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUser-Agent: cira-tests-probe\r\nConnection: close\r\n\r\n",
                self.port
            );
            stream.write_all(request.as_bytes()).await.ok()?;
            let mut buf = [0u8; 64];
            let mut read = 0;
            while read < 12 {
                let n = stream.read(&mut buf[read..]).await.ok()?;
                if n == 0 {
                    break;
                }
                read += n;
            }
            let head = String::from_utf8_lossy(&buf[..read]).into_owned();
            let code: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
            Some((200..400).contains(&code))
        };
        matches!(
            tokio::time::timeout(self.timeout, attempt).await,
            Ok(Some(true))
        )
    }
}
