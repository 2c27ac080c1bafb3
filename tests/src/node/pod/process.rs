//! Starting a container's process, watching it run, and stopping it the
//! way the kubelet does (grace period, then SIGKILL).

use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use k8s_openapi::api::core::v1::Container;

use tokio::process::Child;

use super::probe::ProbeTarget;
use super::{ExitInfo, Stop, Wake, Worker, rfc3339};
use crate::node::spec::{self, Launch, Prepared};
use crate::node::status::{State, now};
use crate::node::{ProcessExit, pid_t};
use crate::supervisor::lock;

impl Worker {
    /// Resolves the program and builds the process, waiting (Pending) while
    /// the image is unknown or a referenced object is missing.
    pub(super) async fn launch_for(
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
    pub(super) async fn run_once(
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
}
