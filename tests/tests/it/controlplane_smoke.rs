use std::time::Duration;

use cira_tests::TestEnv;
use k8s_openapi::api::core::v1::Node;
use kube::Api;

#[tokio::test]
async fn control_plane_starts_with_a_ready_node() {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    eprintln!("control plane startup took {:?}", env.startup_time());
    let client = env.admin_client().await;
    let node = Api::<Node>::all(client)
        .get(cira_tests::NODE_NAME)
        .await
        .unwrap();
    let ready = node
        .status
        .unwrap()
        .conditions
        .unwrap()
        .into_iter()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    assert!(ready);
    let ns = env.new_namespace("smoke").await.unwrap();
    assert!(ns.starts_with("smoke-"));
    let _ = Duration::ZERO;
}

/// Ignored by default: the nested `cargo build` waits for the target-dir lock
/// and builds a second feature variant of the package (no dev-dependencies),
/// which took minutes on a busy machine.
#[test]
#[ignore = "slow: runs a nested cargo build"]
fn workspace_binary_builds_in_the_test_profile() {
    let path = cira_tests::workspace_binary("cira-tests", "cira-testprog").unwrap();
    assert_eq!(
        path,
        std::path::PathBuf::from(env!("CARGO_BIN_EXE_cira-testprog"))
    );
    let out = std::process::Command::new(&path)
        .args(["exit", "3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    // Cached: the second call does not build again.
    let again = cira_tests::workspace_binary("cira-tests", "cira-testprog").unwrap();
    assert_eq!(again, path);
}
