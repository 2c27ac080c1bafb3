//! The test node agent: plays scheduler and kubelet for one Ready Node,
//! running each pod's first container as a local process.
//!
//! What it honours, and how it maps a pod onto one shared host:
//!
//! - **Scheduling.** Pods with an empty `spec.nodeName` and no scheduling
//!   gates are bound to [`NODE_NAME`] through `pods/binding` when their
//!   `nodeSelector` matches the node's labels (`kubernetes.io/hostname`,
//!   `kubernetes.io/os=linux`, `kubernetes.io/arch`); otherwise `PodScheduled`
//!   is set to False/Unschedulable. Affinity and taints are ignored.
//! - **Images.** A container runs the program registered for its image with
//!   [`NodeAgent::register_image`]. An image registered *without* a tag or
//!   digest matches that repository with any tag or digest; one registered
//!   with a tag only matches exactly. Until an image is registered the pod
//!   stays Pending with the container waiting in `ErrImagePull`. Only the
//!   first container runs; init containers run before it, in order
//!   (native sidecars, i.e. init containers with `restartPolicy: Always`, are
//!   skipped).
//! - **Command and args.** If the container has a `command`, its first
//!   element is replaced by the program and the rest become leading args;
//!   `$(VAR)` references are expanded as the kubelet does.
//! - **Environment.** Cleared, then `PATH`, `HOME` (a per-pod folder),
//!   `HOSTNAME`, `KUBERNETES_SERVICE_HOST=127.0.0.1`, `KUBERNETES_SERVICE_PORT`,
//!   `KUBECONFIG`, `CIRA_TEST_PORT_*`, then `envFrom` and `env` with literal
//!   values, downward-API `fieldRef`s (name, namespace, uid, labels,
//!   annotations, nodeName, serviceAccountName, podIP/hostIP = 127.0.0.1),
//!   and `configMapKeyRef`/`secretKeyRef`.
//! - **API access.** Every pod shares one filesystem, so nothing can live at
//!   `/var/run/secrets`. Instead the agent requests a bound token for the
//!   pod's service account (TokenRequest, bound to the pod) and writes a
//!   per-pod kubeconfig, pointed to by `KUBECONFIG` (kube-rs
//!   `Config::infer()` reads it first), plus `token`, `ca.crt` and `namespace`
//!   files in a per-pod `serviceaccount` folder that the auto-added
//!   service-account volume maps to. With `automountServiceAccountToken:
//!   false` neither is provided.
//! - **Volumes and paths.** emptyDir, configMap, secret, projected and
//!   downwardAPI volumes become per-pod folders; a persistentVolumeClaim
//!   becomes a per-(namespace, claim) folder ([`NodeAgent::claim_dir`]) that
//!   outlives pods and is removed when the claim is deleted; hostPath is used
//!   as is. Since `/var/lib/...` cannot be mounted, **every env value (from
//!   the pod spec), arg and workingDir that equals or starts with a
//!   volumeMount's `mountPath`** (also after a `--flag=` prefix) is rewritten
//!   to the local folder; note that this also applies to host paths a test
//!   passes in, e.g. anything under `/tmp` when the pod mounts `/tmp`. A
//!   mount at `/tmp` also sets `TMPDIR`. Claims are bound to a hostPath
//!   PersistentVolume the agent creates.
//! - **Ports.** Pods share the host network. For each `containerPort` the
//!   agent picks a free loopback port, sets `CIRA_TEST_PORT_<number>` (and
//!   `CIRA_TEST_PORT_<NAME>` for named ports, upper-cased, `-` as `_`), and
//!   rewrites every `:<port>` (not followed by a digit) in args and env values,
//!   so `--metrics-addr 0.0.0.0:8080` listens on the free port. Tests find it
//!   with [`NodeAgent::pod_port`].
//! - **Readiness.** An httpGet (or tcpSocket) readinessProbe is tried on
//!   127.0.0.1 at the rewritten port every 500 ms until it passes, then every
//!   `periodSeconds` (at most 2 s); without one the pod is Ready once running.
//!   Liveness and startup probes are ignored.
//! - **Status and restarts.** Reported through `pods/status`: Pending ->
//!   Running -> Succeeded/Failed, container states with exit codes, restart
//!   counts and the standard conditions. `Always`/`OnFailure` restart in place
//!   after a back-off of 0.5 s doubling to at most 5 s.
//! - **Deletion.** On `deletionTimestamp`: SIGTERM, wait the pod's
//!   `deletionGracePeriodSeconds`, SIGKILL, report the terminal phase, then the
//!   kubelet's final delete with grace 0. Finalizers of others are left alone.
//! - **Logs.** stdout and stderr of every run go to one file per
//!   (namespace, pod name): [`NodeAgent::pod_logs`]. `kubectl logs` does not
//!   work (there is no kubelet API).

mod agent;
mod pod;
mod spec;

pub(crate) use spec::request_token_with;
mod status;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use kube::Client;
use tokio::sync::{mpsc, oneshot, watch};

use crate::Error;
use crate::supervisor::lock;

/// The name of the node the agent registers.
pub const NODE_NAME: &str = "cira-test-node";

/// One finished run of a pod's container process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessExit {
    /// The container the process ran for.
    pub container: String,
    /// 0 for the first run, then one more per restart.
    pub run: u32,
    /// The exit code as the kubelet reports it (128 + signal when killed).
    pub exit_code: i32,
    /// The signal that ended the process, if any.
    pub signal: Option<i32>,
    pub started_at: SystemTime,
    pub finished_at: SystemTime,
}

/// The node agent of a [`crate::TestEnv`]. Cheap to clone.
#[derive(Clone)]
pub struct NodeAgent {
    shared: Arc<Shared>,
}

pub(crate) struct NodeSettings {
    pub client: Client,
    pub root: PathBuf,
    pub pgid: i32,
    pub api_port: u16,
    pub api_url: String,
    pub ca_pem: String,
}

pub(crate) struct Shared {
    client: Client,
    root: PathBuf,
    pgid: i32,
    api_port: u16,
    api_url: String,
    ca_pem: String,
    images: Mutex<HashMap<String, PathBuf>>,
    images_changed: watch::Sender<u64>,
    pods: Mutex<HashMap<String, PodEntry>>,
    /// (namespace, name) -> uid of the newest pod with that name.
    names: Mutex<HashMap<(String, String), String>>,
    exits: Mutex<HashMap<(String, String), Vec<ProcessExit>>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

struct PodEntry {
    pod_tx: watch::Sender<Option<k8s_openapi::api::core::v1::Pod>>,
    cmd_tx: mpsc::UnboundedSender<PodCommand>,
    info: Arc<Mutex<PodInfo>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// What tests can see of a running pod.
#[derive(Default)]
pub(crate) struct PodInfo {
    pid: Option<u32>,
    ports: HashMap<u16, u16>,
}

pub(crate) enum PodCommand {
    Disrupt(oneshot::Sender<Result<(), Error>>),
    Shutdown,
}

impl NodeAgent {
    /// Registers the node and starts watching pods and claims. Must run on
    /// the env's runtime.
    pub(crate) async fn start(settings: NodeSettings) -> Result<NodeAgent, Error> {
        let (images_changed, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            client: settings.client,
            root: settings.root,
            pgid: settings.pgid,
            api_port: settings.api_port,
            api_url: settings.api_url,
            ca_pem: settings.ca_pem,
            images: Mutex::new(HashMap::new()),
            images_changed,
            pods: Mutex::new(HashMap::new()),
            names: Mutex::new(HashMap::new()),
            exits: Mutex::new(HashMap::new()),
            tasks: Mutex::new(Vec::new()),
        });
        agent::start(shared.clone()).await?;
        Ok(NodeAgent { shared })
    }

    /// The node's name.
    pub fn node_name(&self) -> &str {
        NODE_NAME
    }

    /// Pods whose container image is `image` run `program`. Registering an
    /// image without a tag or digest matches any tag or digest of it.
    pub fn register_image(&self, image: &str, program: PathBuf) {
        tracing::info!(image, program = %program.display(), "registered image");
        lock(&self.shared.images).insert(image.to_string(), program);
        self.shared.images_changed.send_modify(|n| *n += 1);
    }

    /// SIGKILLs the process of a running pod, like a crash; the agent then
    /// reports it per restartPolicy (exit code 137).
    #[allow(unsafe_code)]
    pub async fn kill_pod_process(&self, namespace: &str, pod: &str) -> Result<(), Error> {
        let pid = self
            .pod_pid(namespace, pod)
            .ok_or_else(|| Error::pod(namespace, pod, "has no running process on the test node"))?;
        tracing::info!(namespace, pod, pid, "killing pod process");
        // SAFETY: kill(2) on a pid we started and have not reaped yet.
        let rc = unsafe { libc::kill(pid_t(pid), libc::SIGKILL) };
        if rc != 0 {
            return Err(Error::pod(
                namespace,
                pod,
                format!(
                    "could not kill process {pid}: {}",
                    std::io::Error::last_os_error()
                ),
            ));
        }
        Ok(())
    }

    /// Marks the pod disrupted the way the kubelet does when it evicts a pod:
    /// a `DisruptionTarget` condition (reason `TerminationByKubelet`), SIGTERM
    /// with the pod's grace period, then phase Failed with reason `Evicted`.
    /// Returns once that status is written.
    pub async fn disrupt_pod(&self, namespace: &str, pod: &str) -> Result<(), Error> {
        let cmd_tx = {
            let uid = lock(&self.shared.names)
                .get(&(namespace.to_string(), pod.to_string()))
                .cloned()
                .ok_or_else(|| Error::pod(namespace, pod, "is not running on the test node"))?;
            let pods = lock(&self.shared.pods);
            let entry = pods
                .get(&uid)
                .ok_or_else(|| Error::pod(namespace, pod, "is not running on the test node"))?;
            entry.cmd_tx.clone()
        };
        let (tx, rx) = oneshot::channel();
        cmd_tx
            .send(PodCommand::Disrupt(tx))
            .map_err(|_| Error::pod(namespace, pod, "its node agent worker has stopped"))?;
        rx.await.map_err(|_| {
            Error::pod(
                namespace,
                pod,
                "its node agent worker stopped before disrupting it",
            )
        })?
    }

    /// The folder backing a PersistentVolumeClaim (shared by every pod that
    /// mounts it, kept until the claim is deleted).
    pub fn claim_dir(&self, namespace: &str, claim: &str) -> PathBuf {
        self.shared.claim_dir(namespace, claim)
    }

    /// Captured stdout and stderr of the pod's container processes (every
    /// run, init containers included, in order). Empty if it never ran.
    pub fn pod_logs(&self, namespace: &str, pod: &str) -> String {
        std::fs::read(self.shared.log_path(namespace, pod))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Every finished process run of the pod, oldest first.
    pub fn pod_exits(&self, namespace: &str, pod: &str) -> Vec<ProcessExit> {
        lock(&self.shared.exits)
            .get(&(namespace.to_string(), pod.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    /// The process id of the pod's running container process.
    pub fn pod_pid(&self, namespace: &str, pod: &str) -> Option<u32> {
        self.with_info(namespace, pod, |info| info.pid)
    }

    /// The loopback port that the pod's `containerPort` was mapped to.
    pub fn pod_port(&self, namespace: &str, pod: &str, container_port: u16) -> Option<u16> {
        self.with_info(namespace, pod, |info| {
            info.ports.get(&container_port).copied()
        })
    }

    /// Process ids of all running pod processes.
    pub fn pids(&self) -> Vec<u32> {
        lock(&self.shared.pods)
            .values()
            .filter_map(|e| lock(&e.info).pid)
            .collect()
    }

    fn with_info<T>(
        &self,
        namespace: &str,
        pod: &str,
        f: impl FnOnce(&PodInfo) -> Option<T>,
    ) -> Option<T> {
        let uid = lock(&self.shared.names)
            .get(&(namespace.to_string(), pod.to_string()))
            .cloned()?;
        let pods = lock(&self.shared.pods);
        let entry = pods.get(&uid)?;
        let info = lock(&entry.info);
        f(&info)
    }

    /// Kills every pod process and waits for it, then stops the watchers.
    pub(crate) async fn shutdown(&self) {
        let handles: Vec<_> = {
            let mut pods = lock(&self.shared.pods);
            pods.values_mut()
                .filter_map(|e| {
                    let _ = e.cmd_tx.send(PodCommand::Shutdown);
                    e.task.take()
                })
                .collect()
        };
        for task in lock(&self.shared.tasks).drain(..) {
            task.abort();
        }
        let all = futures::future::join_all(handles);
        if tokio::time::timeout(std::time::Duration::from_secs(10), all)
            .await
            .is_err()
        {
            tracing::warn!("some pod workers did not stop within 10s");
        }
    }
}

impl Shared {
    fn claim_dir(&self, namespace: &str, claim: &str) -> PathBuf {
        self.root.join("claims").join(namespace).join(claim)
    }

    fn log_path(&self, namespace: &str, pod: &str) -> PathBuf {
        self.root
            .join("logs")
            .join(namespace)
            .join(format!("{pod}.log"))
    }

    fn pod_dir(&self, uid: &str) -> PathBuf {
        self.root.join("pods").join(uid)
    }

    /// The program registered for `image`, exact match first, then by
    /// repository with tag and digest stripped.
    fn program_for(&self, image: &str) -> Option<PathBuf> {
        let images = lock(&self.images);
        images
            .get(image)
            .or_else(|| images.get(strip_tag(image)))
            .cloned()
    }
}

/// `repo:tag@digest` -> `repo` (a `:` before the last `/` is a registry port).
fn strip_tag(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map(|i| i + 1).unwrap_or(0);
    match image[last_slash..].find(':') {
        Some(colon) => &image[..last_slash + colon],
        None => image,
    }
}

pub(crate) fn pid_t(pid: u32) -> libc::pid_t {
    libc::pid_t::try_from(pid).unwrap_or(libc::pid_t::MAX)
}

pub(crate) fn ensure_dir(path: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(Error::io(format!("could not create {}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::strip_tag;

    #[test]
    fn tags_and_digests_are_stripped() {
        assert_eq!(strip_tag("cira/crawler:0.1"), "cira/crawler");
        assert_eq!(
            strip_tag("localhost:5000/cira/crawler"),
            "localhost:5000/cira/crawler"
        );
        assert_eq!(
            strip_tag("localhost:5000/cira/crawler:1@sha256:ab"),
            "localhost:5000/cira/crawler"
        );
        assert_eq!(strip_tag("crawler"), "crawler");
    }
}
