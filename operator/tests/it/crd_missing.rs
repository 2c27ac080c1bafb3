//! Start-up without the CompanyScan CRD fails with a message that says what
//! to do. The other tests install the CRD on the shared control plane, so
//! this one starts a private control plane that never gets it.

use std::time::Duration;

use cira_tests::TestEnv;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_crd_is_a_clear_startup_error() {
    cira_tests::init_tracing();
    let env = TestEnv::start()
        .await
        .expect("a private control plane starts");
    let client = env.admin_client().await;
    let err = cira_operator::controller::check_crd(&client, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, cira_operator::Error::CrdNotInstalled),
        "{err}"
    );

    let binary = cira_tests::workspace_binary("cira-operator", "cira-operator")
        .expect("build cira-operator");
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(binary)
            .env_clear()
            .env("KUBECONFIG", env.kubeconfig_path())
            .args(["--metrics-addr", "127.0.0.1:0"])
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the operator exits at once")
    .expect("run cira-operator");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("CustomResourceDefinition (companyscans.cira.dev) is not installed"),
        "{stderr}"
    );
    assert!(stderr.contains("kubectl apply"), "{stderr}");
}
