//! A private env leaves nothing behind when dropped.

use std::path::Path;
use std::time::Duration;

use cira_tests::{TestEnv, wait_for};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::PostParams;
use serde_json::json;

fn alive(pid: u32) -> bool {
    // A zombie still has a /proc entry; only count processes not yet reaped
    // *and* still running.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Runs a pod that sleeps for ten minutes in a new namespace of `env`;
/// returns the pod's process id once it runs.
async fn start_sleeper(env: &TestEnv, namespace_prefix: &str) -> u32 {
    env.node()
        .register_image("testprog", env!("CARGO_BIN_EXE_cira-testprog").into());
    let ns = env.new_namespace(namespace_prefix).await.unwrap();
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "sleeper"},
        "spec": {"containers": [{"name": "main", "image": "testprog", "args": ["sleep", "600"]}]},
    }))
    .unwrap();
    Api::<Pod>::namespaced(env.admin_client().await, &ns)
        .create(&PostParams::default(), &pod)
        .await
        .unwrap();
    wait_for("the pod process", Duration::from_secs(30), || async {
        env.node().pod_pid(&ns, "sleeper")
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn dropped_private_env_leaves_no_processes_or_files() {
    cira_tests::init_tracing();
    let env = TestEnv::start().await.unwrap();
    eprintln!(
        "private control plane startup took {:?}",
        env.startup_time()
    );
    let pod_pid = start_sleeper(&env, "teardown").await;

    let pids = env.process_ids();
    assert!(pids.contains(&pod_pid));
    assert!(
        pids.len() >= 5,
        "watchdog, etcd, apiserver, controller manager, pod: {pids:?}"
    );
    assert!(pids.iter().all(|p| alive(*p)), "{pids:?}");
    let dir = env.dir().to_path_buf();
    assert!(dir.join("admin.kubeconfig").is_file());

    drop(env);

    let still: Vec<u32> = pids
        .iter()
        .copied()
        .filter(|p| Path::new(&format!("/proc/{p}")).exists())
        .collect();
    assert!(still.is_empty(), "processes left after drop: {still:?}");
    assert!(!dir.exists(), "{} left after drop", dir.display());
}

const KILL_REPORT: &str = "CIRA_TESTENV_KILL_REPORT";

/// Run only as a child of `shared_env_is_torn_down_when_the_test_process_is_killed`.
#[tokio::test]
#[ignore = "helper process for the SIGKILL teardown test"]
async fn helper_shared_env_for_kill_test() {
    let Some(report) = std::env::var_os(KILL_REPORT) else {
        return;
    };
    let env = TestEnv::shared().await;
    start_sleeper(env, "killed").await;
    let pids: Vec<String> = env.process_ids().iter().map(u32::to_string).collect();
    let text = format!("{}\n{}\n", env.dir().display(), pids.join(" "));
    let tmp = Path::new(&report).with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, &report).unwrap();
    // Wait to be killed.
    std::future::pending::<()>().await;
}

#[tokio::test]
async fn shared_env_is_torn_down_when_the_test_process_is_killed() {
    let scratch = tempfile::tempdir().unwrap();
    let report = scratch.path().join("report");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "controlplane_teardown::helper_shared_env_for_kill_test",
            "--nocapture",
        ])
        .env(KILL_REPORT, &report)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let text = wait_for(
        "the helper to start its env",
        Duration::from_secs(120),
        || async { std::fs::read_to_string(&report).ok() },
    )
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let text = text.unwrap();
    let mut lines = text.lines();
    let dir = std::path::PathBuf::from(lines.next().unwrap());
    let pids: Vec<u32> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert!(pids.len() >= 5, "{pids:?}");
    assert!(dir.is_dir());
    // The processes are not our children, so once killed they are reaped by
    // init and vanish from /proc.
    wait_for(
        "every env process to exit and the env folder to go",
        Duration::from_secs(20),
        || async {
            let left: Vec<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
            (left.is_empty() && !dir.exists()).then_some(())
        },
    )
    .await
    .unwrap();
}
