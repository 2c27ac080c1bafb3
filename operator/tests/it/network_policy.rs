//! The per-scan egress NetworkPolicy. The test control plane runs no
//! network plugin, so nothing enforces it here: these tests check the
//! object the operator writes; the crawler's address guard is the layer the
//! end-to-end tests exercise.

use crate::common::*;
use cira_crds::{ScanPhase, names};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::Api;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scan_gets_an_egress_policy_it_owns_selecting_its_crawler_pods() {
    let (env, ns, client) = namespace("op-netpol").await;
    let mut cfg = config(&ns);
    let egress = cfg.egress.get_or_insert_with(Default::default);
    egress.denied_cidrs = vec!["10.244.0.0/16".into(), "203.0.113.0/24".into()];
    let _op = Operator::start(env, cfg).await;
    let scan = create(&client, &ns, &scan("acme", json!({}))).await;
    wait_phase(&client, &ns, "acme", ScanPhase::Crawling).await;

    let policies: Api<NetworkPolicy> = Api::namespaced(client.clone(), &ns);
    let np = policies
        .get(&names::crawler_service_account_name("acme"))
        .await
        .expect("the scan's NetworkPolicy exists");
    let owners = np.metadata.owner_references.clone().unwrap_or_default();
    assert_eq!(owners.len(), 1);
    assert_eq!(Some(&owners[0].uid), scan.metadata.uid.as_ref());
    assert_eq!(owners[0].kind, "CompanyScan");
    assert_eq!(owners[0].controller, Some(true));
    let managers: Vec<_> = np
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter_map(|m| m.manager.clone())
        .collect();
    assert_eq!(managers, [names::OPERATOR_FIELD_MANAGER]);

    // It selects the pods of this scan's Job and no others.
    let job = get_job(&client, &ns, "acme-v1").await.expect("the Job");
    let pod_labels = job
        .spec
        .and_then(|s| s.template.metadata)
        .and_then(|m| m.labels)
        .unwrap();
    let spec = np.spec.unwrap();
    let selector = spec.pod_selector.unwrap().match_labels.unwrap();
    for (k, v) in &selector {
        assert_eq!(pod_labels.get(k), Some(v), "pod label {k}");
    }
    assert_eq!(selector[names::LABEL_SCAN], "acme");
    assert_eq!(spec.policy_types.unwrap_or_default(), ["Ingress", "Egress"]);
    assert_eq!(spec.ingress.unwrap_or_default().len(), 0, "no ingress");

    // Internet egress minus the refused ranges and the installer's ones.
    let egress = spec.egress.unwrap();
    let v4 = egress[0].to.as_ref().unwrap()[0].ip_block.clone().unwrap();
    assert_eq!(v4.cidr, "0.0.0.0/0");
    let except = v4.except.unwrap_or_default();
    for range in [
        "10.0.0.0/8",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "10.244.0.0/16",
        "203.0.113.0/24",
    ] {
        assert!(except.iter().any(|c| c == range), "{range}: {except:?}");
    }
    let dns_ports: Vec<_> = egress[2]
        .ports
        .iter()
        .flatten()
        .map(|p| p.protocol.clone().unwrap_or_default())
        .collect();
    assert_eq!(dns_ports, ["UDP", "TCP"]);
}
