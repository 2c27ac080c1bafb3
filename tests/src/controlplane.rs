//! Starting etcd, kube-apiserver and kube-controller-manager on free loopback
//! ports.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::certs::{self, Pki};
use crate::supervisor::Supervisor;
use crate::{Error, wait_for};

/// The controllers the tests need; canonical names from
/// cmd/kube-controller-manager/names.
const CONTROLLERS: &str = "job-controller,deployment-controller,replicaset-controller,\
garbage-collector-controller,namespace-controller,serviceaccount-controller,\
serviceaccount-token-controller";

pub(crate) const SERVICE_ACCOUNT_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

pub(crate) struct ControlPlane {
    pub api_url: String,
    pub api_port: u16,
    pub kubeconfig_path: PathBuf,
    pub kubeconfig_yaml: String,
    pub audited_kubeconfig_path: PathBuf,
    pub audit_log_path: PathBuf,
    pub pki: Pki,
    pub controller_manager_pid: u32,
}

/// Audit policy: metadata of every request of the audited user, nothing of
/// anyone else (so the log costs the other tests nothing).
fn audit_policy() -> String {
    format!(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [\"RequestReceived\"]\nrules:\n\
         - level: Metadata\n  users: [\"{}\"]\n- level: None\n",
        certs::AUDITED_USER
    )
}

/// A loopback port nobody listens on right now.
pub(crate) fn free_port() -> Result<u16, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(Error::io("could not bind a free loopback port"))?;
    let port = listener
        .local_addr()
        .map_err(Error::io("could not read a bound port"))?
        .port();
    Ok(port)
}

pub(crate) async fn start(sup: &Supervisor, bin: &Path, dir: &Path) -> Result<ControlPlane, Error> {
    let pki = certs::generate(dir)?;
    let etcd_port = free_port()?;
    let peer_port = free_port()?;
    let api_port = free_port()?;
    let etcd_url = format!("http://127.0.0.1:{etcd_port}");
    let audit_policy_path = dir.join("audit-policy.yaml");
    let audit_log_path = dir.join("audit.log");
    std::fs::write(&audit_policy_path, audit_policy())
        .map_err(Error::io("could not write the audit policy"))?;
    let peer_url = format!("http://127.0.0.1:{peer_port}");

    sup.spawn(
        "etcd",
        Command::new(bin.join("etcd"))
            .arg("--name=default")
            .arg(format!("--data-dir={}", dir.join("etcd").display()))
            .arg(format!("--listen-client-urls={etcd_url}"))
            .arg(format!("--advertise-client-urls={etcd_url}"))
            .arg(format!("--listen-peer-urls={peer_url}"))
            .arg(format!("--initial-advertise-peer-urls={peer_url}"))
            .arg(format!("--initial-cluster=default={peer_url}"))
            .arg("--unsafe-no-fsync")
            .arg("--log-level=warn"),
        &dir.join("etcd.log"),
    )?;

    sup.spawn(
        "kube-apiserver",
        Command::new(bin.join("kube-apiserver"))
            .arg(format!("--etcd-servers={etcd_url}"))
            .arg("--bind-address=127.0.0.1")
            .arg("--advertise-address=127.0.0.1")
            .arg(format!("--secure-port={api_port}"))
            .arg(format!(
                "--cert-dir={}",
                dir.join("apiserver-certs").display()
            ))
            .arg(format!("--tls-cert-file={}", pki.serving_cert.display()))
            .arg(format!(
                "--tls-private-key-file={}",
                pki.serving_key.display()
            ))
            .arg(format!("--client-ca-file={}", pki.ca_cert.display()))
            .arg(format!("--token-auth-file={}", pki.token_file.display()))
            .arg("--authorization-mode=RBAC")
            .arg("--service-cluster-ip-range=10.0.0.0/24")
            .arg("--allow-privileged=true")
            .arg(format!("--service-account-issuer={SERVICE_ACCOUNT_ISSUER}"))
            .arg(format!(
                "--service-account-key-file={}",
                pki.sa_public_key.display()
            ))
            .arg(format!(
                "--service-account-signing-key-file={}",
                pki.sa_private_key.display()
            ))
            // No pvc-protection controller runs, so its finalizers would never go.
            .arg("--disable-admission-plugins=StorageObjectInUseProtection")
            .arg("--endpoint-reconciler-type=none")
            .arg("--profiling=false")
            .arg(format!(
                "--audit-policy-file={}",
                audit_policy_path.display()
            ))
            .arg(format!("--audit-log-path={}", audit_log_path.display()))
            .arg("--v=1"),
        &dir.join("kube-apiserver.log"),
    )?;

    let api_url = format!("https://127.0.0.1:{api_port}");
    let kubeconfig_yaml = render_kubeconfig(
        &api_url,
        &pki.ca_pem,
        "cira-admin",
        &pki.admin_token,
        "default",
    );
    let kubeconfig_path = dir.join("admin.kubeconfig");
    std::fs::write(&kubeconfig_path, &kubeconfig_yaml)
        .map_err(Error::io("could not write the admin kubeconfig"))?;
    let audited_kubeconfig_path = dir.join("audited.kubeconfig");
    std::fs::write(
        &audited_kubeconfig_path,
        render_kubeconfig(
            &api_url,
            &pki.ca_pem,
            certs::AUDITED_USER,
            &pki.audited_token,
            "default",
        ),
    )
    .map_err(Error::io("could not write the audited kubeconfig"))?;
    // Polled with kubectl rather than a kube client: the client logs every
    // 500 from a not-yet-ready apiserver at ERROR level.
    wait_for("kube-apiserver /readyz", Duration::from_secs(90), || {
        let mut cmd = tokio::process::Command::new(bin.join("kubectl"));
        cmd.arg(format!("--kubeconfig={}", kubeconfig_path.display()))
            .args(["get", "--raw=/readyz", "--request-timeout=2s"])
            .env("KUBECACHEDIR", dir.join("kubectl-cache"))
            .kill_on_drop(true);
        async move {
            if let Err(e) = sup.check_alive() {
                return Some(Err(e));
            }
            let out = cmd.output().await.ok()?;
            (out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok")
                .then_some(Ok(()))
        }
    })
    .await??;

    let controller_manager_pid = sup.spawn(
        "kube-controller-manager",
        Command::new(bin.join("kube-controller-manager"))
            .arg(format!("--kubeconfig={}", kubeconfig_path.display()))
            .arg("--leader-elect=false")
            .arg(format!("--controllers={CONTROLLERS}"))
            .arg(format!(
                "--service-account-private-key-file={}",
                pki.sa_private_key.display()
            ))
            .arg(format!("--root-ca-file={}", pki.ca_cert.display()))
            .arg("--bind-address=127.0.0.1")
            .arg("--secure-port=0")
            .arg("--concurrent-job-syncs=10")
            .arg("--v=1"),
        &dir.join("kube-controller-manager.log"),
    )?;

    Ok(ControlPlane {
        api_url,
        api_port,
        kubeconfig_path,
        kubeconfig_yaml,
        audited_kubeconfig_path,
        audit_log_path,
        pki,
        controller_manager_pid,
    })
}

/// A kubeconfig with a bearer token, trusting the env's CA.
pub(crate) fn render_kubeconfig(
    server: &str,
    ca_pem: &str,
    user: &str,
    token: &str,
    namespace: &str,
) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let doc = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "cira-test", "cluster": {"server": server, "certificate-authority-data": ca}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "cira-test", "context": {"cluster": "cira-test", "user": user, "namespace": namespace}}],
        "current-context": "cira-test",
    });
    // JSON is valid YAML, and every kubeconfig reader accepts it.
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// A client for a kubeconfig document.
pub(crate) async fn client_from_kubeconfig(yaml: &str) -> Result<Client, Error> {
    let kubeconfig = Kubeconfig::from_yaml(yaml).map_err(|e| Error::Config {
        what: "could not parse a generated kubeconfig".into(),
        reason: e.to_string(),
    })?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|e| Error::Config {
            what: "could not load a generated kubeconfig".into(),
            reason: e.to_string(),
        })?;
    Client::try_from(config).map_err(Error::kube("could not create a client"))
}
