//! The RBAC the chart renders: exactly the rules the operator's code uses,
//! in each install mode.

use serde_json::Value;

use super::common::{find, objects, operator_args, template};

/// The operator's rules in the namespaces it manages scans in, as
/// (apiGroup, resource, verb): exactly what the code uses (docs/security.md
/// says why each is there). The same in both install modes.
const OPERATOR_RULES: &[(&str, &[&str], &[&str])] = &[
    ("cira.dev", &["companyscans"], &["get", "list", "watch"]),
    ("cira.dev", &["companyscans/status"], &["patch"]),
    ("cira.dev", &["companyscans/finalizers"], &["update"]),
    (
        "batch",
        &["jobs"],
        &["get", "list", "watch", "create", "patch", "delete"],
    ),
    ("", &["pods"], &["list", "watch"]),
    (
        "",
        &["configmaps"],
        &["get", "list", "watch", "create", "patch", "delete"],
    ),
    (
        "",
        &["serviceaccounts", "persistentvolumeclaims"],
        &["get", "create", "patch"],
    ),
    (
        "rbac.authorization.k8s.io",
        &["roles", "rolebindings"],
        &["get", "create", "patch"],
    ),
    (
        "networking.k8s.io",
        &["networkpolicies"],
        &["get", "create", "patch"],
    ),
    ("events.k8s.io", &["events"], &["create", "patch"]),
    ("", &["events"], &["list"]),
];

/// The leader-election Role's rules, in the release namespace only.
const LEASE_RULES: &[(&str, &[&str], &[&str])] = &[(
    "coordination.k8s.io",
    &["leases"],
    &["get", "create", "patch"],
)];

type Grant = (String, String, String);

/// Every (apiGroup, resource, verb) a rule table grants.
fn grants(rules: &[(&str, &[&str], &[&str])]) -> std::collections::BTreeSet<Grant> {
    let mut out = std::collections::BTreeSet::new();
    for (group, resources, verbs) in rules {
        for resource in *resources {
            for verb in *verbs {
                out.insert((group.to_string(), resource.to_string(), verb.to_string()));
            }
        }
    }
    out
}

/// Every (apiGroup, resource, verb) a rendered Role or ClusterRole grants;
/// fails on anything that would widen a grant beyond a triple (wildcards,
/// resource names, non-resource URLs, several groups in one rule).
fn rendered_grants(role: &Value) -> std::collections::BTreeSet<Grant> {
    let mut out = std::collections::BTreeSet::new();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("a list")
            .iter()
            .map(|s| s.as_str().expect("a string").to_string())
            .collect()
    };
    for rule in role["rules"].as_array().expect("rules") {
        assert!(rule["nonResourceURLs"].is_null(), "{rule}");
        let groups = strings(&rule["apiGroups"]);
        assert_eq!(groups.len(), 1, "{rule}");
        for resource in strings(&rule["resources"]) {
            for verb in strings(&rule["verbs"]) {
                assert!(resource != "*" && verb != "*", "{rule}");
                out.insert((groups[0].clone(), resource.clone(), verb));
            }
        }
    }
    out
}

/// The operator's own RBAC objects (not the console's).
fn operator_rbac<'a>(objs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objs.iter()
        .filter(|o| {
            o["kind"] == kind
                && o["metadata"]["labels"]["app.kubernetes.io/component"] == "operator"
        })
        .collect()
}

/// `helm template` in each install mode: the operator's rules are exactly
/// the ones the code uses, as a ClusterRole (cluster-wide) or as a Role in
/// each watched namespace and no ClusterRole at all (namespaced); leases
/// only in the release namespace.
#[test]
fn operator_rbac_is_exactly_what_the_code_uses_in_each_mode() {
    let expected = grants(OPERATOR_RULES);
    let leases = grants(LEASE_RULES);
    let check_lease_role = |objs: &[Value]| {
        let roles = operator_rbac(objs, "Role");
        let lease_role = roles
            .iter()
            .find(|r| r["metadata"]["name"] == "cira-cira-operator-leader-election")
            .expect("the leader-election Role");
        assert_eq!(lease_role["metadata"]["namespace"], "cira-system");
        assert_eq!(rendered_grants(lease_role), leases);
    };

    // Cluster-wide: one ClusterRole, bound once, to the operator's account.
    let objs = objects(&template(&[]).expect("renders"));
    let cluster_roles = operator_rbac(&objs, "ClusterRole");
    assert_eq!(cluster_roles.len(), 1, "{cluster_roles:#?}");
    assert_eq!(rendered_grants(cluster_roles[0]), expected);
    let bindings = operator_rbac(&objs, "ClusterRoleBinding");
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0]["roleRef"]["name"], "cira-cira-operator");
    assert_eq!(bindings[0]["subjects"][0]["name"], "cira-cira-operator");
    assert_eq!(bindings[0]["subjects"][0]["namespace"], "cira-system");
    let roles = operator_rbac(&objs, "Role");
    assert_eq!(roles.len(), 1, "only the leader-election Role");
    check_lease_role(&objs);
    assert!(
        !operator_args(&objs)
            .iter()
            .any(|a| a.starts_with("--watch-namespace"))
    );

    // Namespaced: a Role and RoleBinding in each watched namespace, no
    // ClusterRole or ClusterRoleBinding of the operator at all. The single
    // namespace of earlier releases joins the list.
    for sets in [
        &["operator.watchNamespaces={team-a,team-b}"][..],
        &[
            "operator.watchNamespace=team-a",
            "operator.watchNamespaces={team-b,team-a}",
        ][..],
    ] {
        let objs = objects(&template(sets).expect("renders"));
        assert!(operator_rbac(&objs, "ClusterRole").is_empty(), "{sets:?}");
        assert!(operator_rbac(&objs, "ClusterRoleBinding").is_empty());
        let roles = operator_rbac(&objs, "Role");
        let mut namespaces = Vec::new();
        for role in roles
            .iter()
            .filter(|r| r["metadata"]["name"] == "cira-cira-operator")
        {
            namespaces.push(role["metadata"]["namespace"].as_str().expect("ns"));
            assert_eq!(rendered_grants(role), expected, "{sets:?}");
        }
        namespaces.sort();
        assert_eq!(namespaces, ["team-a", "team-b"], "{sets:?}");
        assert_eq!(roles.len(), 3, "two namespaces and the Lease");
        check_lease_role(&objs);
        let bindings = operator_rbac(&objs, "RoleBinding");
        let mut bound = Vec::new();
        for b in bindings
            .iter()
            .filter(|b| b["roleRef"]["name"] == "cira-cira-operator")
        {
            assert_eq!(b["roleRef"]["kind"], "Role");
            assert_eq!(b["subjects"][0]["name"], "cira-cira-operator");
            assert_eq!(b["subjects"][0]["namespace"], "cira-system");
            bound.push(b["metadata"]["namespace"].as_str().expect("ns"));
        }
        bound.sort();
        assert_eq!(bound, ["team-a", "team-b"]);
        let args = operator_args(&objs);
        assert!(
            args.iter().any(|a| a == "--watch-namespaces=team-a,team-b")
                || args.iter().any(|a| a == "--watch-namespaces=team-b,team-a"),
            "{args:?}"
        );
        // The admission policy and the crawler NetworkPolicies follow.
        let binding = find(&objs, "ValidatingAdmissionPolicyBinding", "-scan-policy")
            .expect("the admission binding");
        let mut admitted: Vec<&str> =
            binding["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|v| v.as_str().expect("ns"))
                .collect();
        admitted.sort();
        assert_eq!(admitted, ["team-a", "team-b"]);
        let mut policies: Vec<&str> = objs
            .iter()
            .filter(|o| {
                o["kind"] == "NetworkPolicy"
                    && o["metadata"]["name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with("-crawler"))
            })
            .map(|o| o["metadata"]["namespace"].as_str().expect("ns"))
            .collect();
        policies.sort();
        assert_eq!(policies, ["team-a", "team-b"]);
    }
}

#[test]
fn watch_namespace_uses_a_role_instead_of_a_cluster_role() {
    let objs = objects(&template(&["operator.watchNamespace=scans"]).expect("renders"));
    assert!(
        operator_args(&objs)
            .iter()
            .any(|a| a == "--watch-namespaces=scans")
    );
    let role = find(&objs, "Role", "cira-operator").expect("the operator Role");
    assert_eq!(role["metadata"]["namespace"], "scans");
    let binding = find(&objs, "RoleBinding", "cira-operator").expect("RoleBinding");
    assert_eq!(binding["subjects"][0]["namespace"], "cira-system");
    // Nothing cluster-wide is left for the operator (the console's user
    // roles are ClusterRoles to bind per namespace).
    let cluster_roles: Vec<&Value> = objs
        .iter()
        .filter(|o| {
            o["kind"] == "ClusterRole"
                && o["metadata"]["labels"]["app.kubernetes.io/component"] != "console"
        })
        .collect();
    assert!(cluster_roles.is_empty(), "{cluster_roles:#?}");
    // The crawler policy follows the scans into the watched namespace.
    let policy = find(&objs, "NetworkPolicy", "-crawler").expect("policy");
    assert_eq!(policy["metadata"]["namespace"], "scans");
}
