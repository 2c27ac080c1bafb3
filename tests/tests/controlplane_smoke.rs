use std::time::Duration;

use cira_testenv::TestEnv;
use k8s_openapi::api::core::v1::Node;
use kube::Api;

#[tokio::test]
async fn control_plane_starts_with_a_ready_node() {
    cira_testenv::init_tracing();
    let env = TestEnv::shared().await;
    eprintln!("control plane startup took {:?}", env.startup_time());
    let client = env.admin_client().await;
    let node = Api::<Node>::all(client)
        .get(cira_testenv::NODE_NAME)
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
