//! Service-account clients authenticate with real tokens, so RBAC applies.

use cira_tests::TestEnv;
use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::Api;
use kube::api::{ListParams, PostParams};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn service_account_is_refused_until_rbac_grants_access() {
    cira_tests::init_tracing();
    let env = TestEnv::shared().await;
    let ns = env.new_namespace("rbac").await.unwrap();
    let admin = env.admin_client().await;
    let sa: ServiceAccount =
        serde_json::from_value(json!({"metadata": {"name": "reader"}})).unwrap();
    Api::<ServiceAccount>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &sa)
        .await
        .unwrap();

    let client = env.service_account_client(&ns, "reader").await.unwrap();
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let err = configmaps
        .list(&ListParams::default())
        .await
        .expect_err("no RBAC grants yet");
    let kube::Error::Api(status) = err else {
        panic!("unexpected error: {err}")
    };
    assert_eq!(status.code, 403);
    assert!(
        status.message.contains(&format!(
            "User \"system:serviceaccount:{ns}:reader\" cannot list resource \"configmaps\""
        )),
        "{}",
        status.message
    );

    let role: Role = serde_json::from_value(json!({
        "metadata": {"name": "read-configmaps"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}],
    }))
    .unwrap();
    Api::<Role>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &role)
        .await
        .unwrap();
    let binding: RoleBinding = serde_json::from_value(json!({
        "metadata": {"name": "reader"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "read-configmaps"},
        "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": ns}],
    }))
    .unwrap();
    Api::<RoleBinding>::namespaced(admin, &ns)
        .create(&PostParams::default(), &binding)
        .await
        .unwrap();

    // RBAC changes reach the authorizer's cache within moments.
    let listed = cira_tests::wait_for(
        "the reader to list configmaps",
        Duration::from_secs(20),
        || {
            let configmaps = configmaps.clone();
            async move { configmaps.list(&ListParams::default()).await.ok() }
        },
    )
    .await
    .unwrap();
    // The root CA publisher is not running, so the namespace has no configmaps.
    assert!(
        listed
            .items
            .iter()
            .all(|c| c.metadata.namespace.as_deref() == Some(ns.as_str()))
    );

    // Still nothing beyond the grant: creating is refused.
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap();
    let err = configmaps
        .create(&PostParams::default(), &cm)
        .await
        .expect_err("create is not granted");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 403),
        "{err}"
    );
}
