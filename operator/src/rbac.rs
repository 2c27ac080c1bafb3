//! The operator's own least-privilege RBAC rules, as the Helm chart grants
//! them: a ClusterRole cluster-wide, or a Role in each watched namespace
//! (leases in the release namespace only).

use k8s_openapi::api::rbac::v1::PolicyRule;

fn rule(group: &str, resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(vec![group.to_string()]),
        resources: Some(resources.iter().map(|s| s.to_string()).collect()),
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    }
}

/// Every permission the operator uses, and nothing more.
///
/// Some verbs are held only because the operator grants them to each scan's
/// crawler Role, and RBAC only lets a subject grant permissions it holds
/// itself: `get` on companyscans and jobs. ConfigMaps: the operator creates
/// (server-side apply) the ones each crawler writes, deletes stale
/// checkpoints and old reports, and grants the crawler get/patch on them.
/// `update` on companyscans/finalizers is what owner references with
/// `blockOwnerDeletion` need where the OwnerReferencesPermissionEnforcement
/// admission plugin is on.
pub fn operator_rbac_rules() -> Vec<PolicyRule> {
    vec![
        rule("cira.dev", &["companyscans"], &["get", "list", "watch"]),
        // Status is written by server-side apply only.
        rule("cira.dev", &["companyscans/status"], &["patch"]),
        rule("cira.dev", &["companyscans/finalizers"], &["update"]),
        rule(
            "batch",
            &["jobs"],
            &["get", "list", "watch", "create", "patch", "delete"],
        ),
        // The pod cache only: the operator never gets or deletes pods.
        rule("", &["pods"], &["list", "watch"]),
        rule(
            "",
            &["configmaps"],
            &["get", "list", "watch", "create", "patch", "delete"],
        ),
        rule("", &["serviceaccounts"], &["get", "create", "patch"]),
        rule("", &["persistentvolumeclaims"], &["get", "create", "patch"]),
        rule(
            "rbac.authorization.k8s.io",
            &["roles", "rolebindings"],
            &["get", "create", "patch"],
        ),
        // The per-scan crawler egress policy.
        rule(
            "networking.k8s.io",
            &["networkpolicies"],
            &["get", "create", "patch"],
        ),
        rule("events.k8s.io", &["events"], &["create", "patch"]),
        // A crawler Job without pods: the Job controller's FailedCreate
        // Events say why (a quota, Pod Security).
        rule("", &["events"], &["list"]),
        // Leader election (kube-lease-manager reads, creates and patches
        // its Lease).
        rule(
            "coordination.k8s.io",
            &["leases"],
            &["get", "create", "patch"],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_wildcards_and_no_secrets() {
        for r in operator_rbac_rules() {
            assert!(!r.verbs.iter().any(|v| v == "*"));
            let res = r.resources.unwrap();
            assert!(!res.iter().any(|x| x == "*" || x == "secrets"));
        }
    }
}
