//! `TestEnv`: one control plane plus node agent, shared by the tests of a
//! process or private to one test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{Api, Patch, PatchParams, PostParams};

use crate::controlplane::{self, client_from_kubeconfig, render_kubeconfig};
use crate::node::{NodeAgent, NodeSettings};
use crate::supervisor::{Supervisor, lock};
use crate::workspace::{control_plane_bin_dir, workspace_root};
use crate::{Error, wait_for};

/// A running control plane (etcd, kube-apiserver, kube-controller-manager)
/// with a node agent. See the crate docs.
pub struct TestEnv {
    dir: PathBuf,
    bin_dir: PathBuf,
    kubeconfig_path: PathBuf,
    kubeconfig_yaml: String,
    audited_kubeconfig_path: PathBuf,
    audit_log_path: PathBuf,
    api_url: String,
    ca_pem: String,
    startup: Duration,
    supervisor: Supervisor,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    handle: tokio::runtime::Handle,
    node: NodeAgent,
    crds: tokio::sync::Mutex<bool>,
    controller_manager_pid: u32,
}

static SHARED: OnceLock<Result<TestEnv, String>> = OnceLock::new();

impl TestEnv {
    /// The control plane of this test process, started on first use (this
    /// runs `controlplane/build.sh` if needed). It is torn down by a watchdog
    /// when the process exits, however it exits.
    ///
    /// # Panics
    /// If the control plane cannot start; every test using it then fails with
    /// the reason.
    pub async fn shared() -> &'static TestEnv {
        if SHARED.get().is_none() {
            // Start on a plain thread: startup blocks, and the env's runtime
            // must not be the caller's (tests each have their own runtime).
            let (tx, rx) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                SHARED.get_or_init(|| TestEnv::start_blocking().map_err(|e| e.to_string()));
                let _ = tx.send(());
            });
            let _ = rx.await;
        }
        match SHARED.get() {
            Some(Ok(env)) => env,
            Some(Err(reason)) => panic!("the shared test control plane could not start: {reason}"),
            None => panic!("the shared test control plane could not start: its start thread died"),
        }
    }

    /// A private control plane, torn down when dropped.
    pub async fn start() -> Result<TestEnv, Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(TestEnv::start_blocking());
        });
        rx.await.map_err(|_| Error::Config {
            what: "test control plane".into(),
            reason: "its start thread died".into(),
        })?
    }

    fn start_blocking() -> Result<TestEnv, Error> {
        let begin = Instant::now();
        let bin_dir = control_plane_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("cira-tests-")
            .tempdir()
            .map_err(Error::io("could not create the env folder"))?
            .keep();
        let supervisor = Supervisor::start(&dir)?;
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cira-tests")
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                supervisor.teardown();
                return Err(Error::io("could not start the env runtime")(e));
            }
        };
        let started = runtime.block_on(async {
            let cp = controlplane::start(&supervisor, &bin_dir, &dir).await?;
            let client = client_from_kubeconfig(&cp.kubeconfig_yaml).await?;
            let node = NodeAgent::start(NodeSettings {
                client: client.clone(),
                root: dir.join("node"),
                pgid: supervisor.pgid(),
                api_port: cp.api_port,
                api_url: cp.api_url.clone(),
                ca_pem: cp.pki.ca_pem.clone(),
            })
            .await?;
            // The serviceaccount controller creating `default` shows the
            // controller manager works.
            wait_for_default_service_account(&client, "default", &supervisor).await?;
            Ok::<_, Error>((cp, node))
        });
        let (cp, node) = match started {
            Ok(v) => v,
            Err(e) => {
                runtime.shutdown_background();
                supervisor.teardown();
                return Err(e);
            }
        };
        let startup = begin.elapsed();
        tracing::info!(?startup, api = cp.api_url, dir = %dir.display(), "test control plane is up");
        Ok(TestEnv {
            handle: runtime.handle().clone(),
            runtime: Mutex::new(Some(runtime)),
            dir,
            bin_dir,
            kubeconfig_path: cp.kubeconfig_path,
            kubeconfig_yaml: cp.kubeconfig_yaml,
            audited_kubeconfig_path: cp.audited_kubeconfig_path,
            audit_log_path: cp.audit_log_path,
            api_url: cp.api_url,
            ca_pem: cp.pki.ca_pem,
            startup,
            supervisor,
            node,
            crds: tokio::sync::Mutex::new(false),
            controller_manager_pid: cp.controller_manager_pid,
        })
    }

    /// How long starting this env took (including `build.sh`).
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// The env's private folder (certificates, logs, pod folders).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The apiserver URL, `https://127.0.0.1:<port>`.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The admin kubeconfig (a `system:masters` token).
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig_path
    }

    /// A kubeconfig with admin rights whose every request the apiserver's
    /// audit log ([`TestEnv::audit_log_path`]) records, with its verb and
    /// resource. Give it to one client to count what that client asks for.
    pub fn audited_kubeconfig_path(&self) -> &Path {
        &self.audited_kubeconfig_path
    }

    /// The apiserver's audit log (JSON lines, metadata level): the requests
    /// made with [`TestEnv::audited_kubeconfig_path`], and nothing else.
    pub fn audit_log_path(&self) -> &Path {
        &self.audit_log_path
    }

    /// A client with admin rights.
    ///
    /// # Panics
    /// If the generated kubeconfig cannot be loaded (a bug in this crate).
    pub async fn admin_client(&self) -> Client {
        match client_from_kubeconfig(&self.kubeconfig_yaml).await {
            Ok(c) => c,
            Err(e) => panic!("could not create the admin client: {e}"),
        }
    }

    /// A client authenticating with a real token of that ServiceAccount
    /// (TokenRequest), so RBAC applies.
    pub async fn service_account_client(&self, namespace: &str, sa: &str) -> Result<Client, Error> {
        let admin = self.admin_client().await;
        let token = crate::node::request_token_with(&admin, namespace, sa, None)
            .await
            .map_err(|reason| Error::Config {
                what: format!("service account {namespace}/{sa}"),
                reason,
            })?;
        let user = format!("system:serviceaccount:{namespace}:{sa}");
        client_from_kubeconfig(&render_kubeconfig(
            &self.api_url,
            &self.ca_pem,
            &user,
            &token,
            namespace,
        ))
        .await
    }

    /// Creates a namespace with a unique name starting with `prefix` and
    /// waits for its `default` ServiceAccount (pods need it).
    pub async fn new_namespace(&self, prefix: &str) -> Result<String, Error> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let clean: String = prefix
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let clean = clean.trim_matches('-');
        let clean: String = clean.chars().take(48).collect();
        let clean = if clean.is_empty() {
            "test".to_string()
        } else {
            clean.trim_end_matches('-').to_string()
        };
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!("{clean}-{n}{:x}", nanos % 0xfffff);
        let client = self.admin_client().await;
        let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": name}}))
            .map_err(|e| Error::Config {
                what: "namespace object".into(),
                reason: e.to_string(),
            })?;
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &ns)
            .await
            .map_err(Error::kube(format!("could not create namespace {name}")))?;
        wait_for_default_service_account(&client, &name, &self.supervisor).await?;
        Ok(name)
    }

    /// Applies `crds/companyscan.yaml` (idempotent) and waits until the CRD
    /// is Established.
    pub async fn install_crds(&self) -> Result<(), Error> {
        let mut installed = self.crds.lock().await;
        if *installed {
            return Ok(());
        }
        let path = workspace_root().join("crds/companyscan.yaml");
        let text = std::fs::read_to_string(&path)
            .map_err(Error::io(format!("could not read {}", path.display())))?;
        let crd: CustomResourceDefinition =
            serde_yaml::from_str(&text).map_err(|source| Error::Yaml {
                what: format!("could not parse {}", path.display()),
                source,
            })?;
        let name = crd.metadata.name.clone().unwrap_or_default();
        let api: Api<CustomResourceDefinition> = Api::all(self.admin_client().await);
        api.patch(
            &name,
            &PatchParams::apply("cira-tests").force(),
            &Patch::Apply(&crd),
        )
        .await
        .map_err(Error::kube(format!("could not apply CRD {name}")))?;
        wait_for(
            &format!("CRD {name} to be Established"),
            Duration::from_secs(30),
            || {
                let api = api.clone();
                let name = name.clone();
                async move {
                    let crd = api.get(&name).await.ok()?;
                    crd.status?
                        .conditions?
                        .iter()
                        .any(|c| c.type_ == "Established" && c.status == "True")
                        .then_some(())
                }
            },
        )
        .await?;
        *installed = true;
        Ok(())
    }

    /// The cached kubectl (v1.36.3) with `KUBECONFIG` set to the admin
    /// kubeconfig.
    pub fn kubectl(&self) -> Command {
        let mut cmd = Command::new(self.bin_dir.join("kubectl"));
        cmd.env("KUBECONFIG", &self.kubeconfig_path)
            .env("KUBECACHEDIR", self.dir.join("kubectl-cache"))
            .env("HOME", self.dir.join("home"));
        cmd
    }

    /// The cached helm with `KUBECONFIG` set and its home, cache, config and
    /// data folders inside the env folder.
    pub fn helm(&self) -> Command {
        let mut cmd = Command::new(self.bin_dir.join("helm"));
        let helm = self.dir.join("helm");
        cmd.env("KUBECONFIG", &self.kubeconfig_path)
            .env("HOME", self.dir.join("home"))
            .env("HELM_CACHE_HOME", helm.join("cache"))
            .env("HELM_CONFIG_HOME", helm.join("config"))
            .env("HELM_DATA_HOME", helm.join("data"));
        cmd
    }

    /// The node agent.
    pub fn node(&self) -> &NodeAgent {
        &self.node
    }

    /// Stops kube-controller-manager (SIGSTOP) until the returned guard is
    /// dropped (SIGCONT), as a hung or restarting controller manager would:
    /// no Job controller, no garbage collector. A test that fails while it
    /// holds the guard still lets the controller manager go on. Use it on a
    /// private env ([`TestEnv::start`]): on the shared one it would stall
    /// every other test's Jobs.
    pub fn stop_controller_manager(&self) -> ControllerManagerStopped {
        assert!(
            signal_process(self.controller_manager_pid, "-STOP"),
            "could not stop kube-controller-manager"
        );
        ControllerManagerStopped {
            pid: self.controller_manager_pid,
        }
    }

    /// Every process this env started that is still running: the watchdog,
    /// etcd, kube-apiserver, kube-controller-manager and pod processes.
    pub fn process_ids(&self) -> Vec<u32> {
        let mut pids = self.supervisor.pids();
        pids.extend(self.node.pids());
        pids
    }
}

async fn wait_for_default_service_account(
    client: &Client,
    namespace: &str,
    sup: &Supervisor,
) -> Result<(), Error> {
    let api: Api<ServiceAccount> = Api::namespaced(client.clone(), namespace);
    wait_for(
        &format!("the default ServiceAccount of namespace {namespace}"),
        Duration::from_secs(60),
        || {
            let api = api.clone();
            async move {
                if let Err(e) = sup.check_alive() {
                    return Some(Err(e));
                }
                api.get_opt("default").await.ok().flatten().map(|_| Ok(()))
            }
        },
    )
    .await?
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        // Stop pod processes first so they are reaped, on a plain thread
        // because drop may run inside a test's runtime.
        let node = self.node.clone();
        let handle = self.handle.clone();
        let _ = std::thread::spawn(move || handle.block_on(node.shutdown())).join();
        if let Some(rt) = lock(&self.runtime).take() {
            rt.shutdown_background();
        }
        self.supervisor.teardown();
    }
}

/// kube-controller-manager is stopped while this lives; see
/// [`TestEnv::stop_controller_manager`].
pub struct ControllerManagerStopped {
    pid: u32,
}

impl Drop for ControllerManagerStopped {
    fn drop(&mut self) {
        // No panic here: this also runs while a failed test unwinds.
        if !signal_process(self.pid, "-CONT") {
            eprintln!(
                "could not continue kube-controller-manager (pid {})",
                self.pid
            );
        }
    }
}

/// `kill(1)` with a signal option, so the crate needs no unsafe `kill(2)`.
fn signal_process(pid: u32, signal: &str) -> bool {
    std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success())
}
