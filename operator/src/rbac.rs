//! The operator's own least-privilege RBAC rules, as the Helm chart must
//! grant them in its ClusterRole.

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
/// ConfigMaps need create/update/patch although the operator never writes
/// them: it creates per-scan Roles granting those verbs, and RBAC only lets
/// a subject grant permissions it holds itself.
pub fn operator_rbac_rules() -> Vec<PolicyRule> {
    vec![
        rule("cira.dev", &["companyscans"], &["get", "list", "watch"]),
        rule(
            "cira.dev",
            &["companyscans/status"],
            &["get", "patch", "update"],
        ),
        rule(
            "batch",
            &["jobs"],
            &["get", "list", "watch", "create", "patch", "delete"],
        ),
        rule("", &["pods"], &["get", "list", "watch"]),
        rule(
            "",
            &["configmaps"],
            &[
                "get", "list", "watch", "create", "update", "patch", "delete",
            ],
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
        rule(
            "coordination.k8s.io",
            &["leases"],
            &["get", "list", "watch", "create", "update", "patch"],
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
