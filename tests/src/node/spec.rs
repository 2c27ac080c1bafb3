//! Turning a pod spec into a local process: volumes, API credentials,
//! environment, args, and the path and port rewriting described in the
//! module docs of `node`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use k8s_openapi::api::authentication::v1::TokenRequest;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, Secret, ServiceAccount};
use kube::api::{Api, PostParams};
use serde_json::json;

use super::Shared;
use crate::controlplane::render_kubeconfig;

/// The folder a pod sees for each of its volumes, and its API credentials.
pub(crate) struct Prepared {
    pub pod_dir: PathBuf,
    pub volumes: HashMap<String, PathBuf>,
    pub kubeconfig: Option<PathBuf>,
    /// containerPort -> host port.
    pub ports: BTreeMap<u16, u16>,
}

/// What to start for one container.
#[derive(Debug)]
pub(crate) struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
}

fn ns_name(pod: &Pod) -> (String, String) {
    (
        pod.metadata.namespace.clone().unwrap_or_default(),
        pod.metadata.name.clone().unwrap_or_default(),
    )
}

fn write_file(path: &Path, data: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("could not create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, data).map_err(|e| format!("could not write {}: {e}", path.display()))
}

fn mkdir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| format!("could not create {}: {e}", path.display()))
}

/// Creates the pod's folders, fetches its token and fills its volumes.
/// Errors are messages for the container's waiting state.
pub(crate) async fn prepare(
    shared: &Shared,
    pod: &Pod,
    ports: BTreeMap<u16, u16>,
) -> Result<Prepared, String> {
    let (namespace, name) = ns_name(pod);
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let spec = pod.spec.clone().unwrap_or_default();
    let pod_dir = shared.pod_dir(&uid);
    mkdir(&pod_dir.join("home"))?;

    let automount = spec.automount_service_account_token != Some(false);
    let sa_dir = pod_dir.join("serviceaccount");
    let mut token = None;
    let mut kubeconfig = None;
    if automount {
        let sa = spec
            .service_account_name
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".to_string());
        let t = request_token(shared, &namespace, &sa, Some((&name, &uid))).await?;
        write_file(&sa_dir.join("token"), t.as_bytes())?;
        write_file(&sa_dir.join("ca.crt"), shared.ca_pem.as_bytes())?;
        write_file(&sa_dir.join("namespace"), namespace.as_bytes())?;
        let path = pod_dir.join("kubeconfig");
        let doc = render_kubeconfig(
            &shared.api_url,
            &shared.ca_pem,
            &format!("system:serviceaccount:{namespace}:{sa}"),
            &t,
            &namespace,
        );
        write_file(&path, doc.as_bytes())?;
        kubeconfig = Some(path);
        token = Some(t);
    }

    let mut volumes = HashMap::new();
    for volume in spec.volumes.unwrap_or_default() {
        let dir = pod_dir.join("volumes").join(&volume.name);
        let path = if let Some(pvc) = &volume.persistent_volume_claim {
            let d = shared.claim_dir(&namespace, &pvc.claim_name);
            mkdir(&d)?;
            d
        } else if let Some(host) = &volume.host_path {
            PathBuf::from(&host.path)
        } else if let Some(cm) = &volume.config_map {
            mkdir(&dir)?;
            let data =
                config_map_data(shared, &namespace, &cm.name, cm.optional.unwrap_or(false)).await?;
            write_items(&dir, &data, cm.items.as_deref())?;
            dir
        } else if let Some(secret) = &volume.secret {
            mkdir(&dir)?;
            let secret_name = secret.secret_name.clone().unwrap_or_default();
            let data = secret_data(
                shared,
                &namespace,
                &secret_name,
                secret.optional.unwrap_or(false),
            )
            .await?;
            write_items(&dir, &data, secret.items.as_deref())?;
            dir
        } else if let Some(projected) = &volume.projected {
            mkdir(&dir)?;
            for source in projected.sources.clone().unwrap_or_default() {
                if let (Some(sat), Some(t)) = (&source.service_account_token, &token) {
                    write_file(&dir.join(&sat.path), t.as_bytes())?;
                }
                if let Some(cm) = &source.config_map {
                    let data = if cm.name == "kube-root-ca.crt" {
                        BTreeMap::from([("ca.crt".to_string(), shared.ca_pem.clone().into_bytes())])
                    } else {
                        config_map_data(shared, &namespace, &cm.name, cm.optional.unwrap_or(false))
                            .await?
                    };
                    write_items(&dir, &data, cm.items.as_deref())?;
                }
                if let Some(secret) = &source.secret {
                    let data = secret_data(
                        shared,
                        &namespace,
                        &secret.name,
                        secret.optional.unwrap_or(false),
                    )
                    .await?;
                    write_items(&dir, &data, secret.items.as_deref())?;
                }
                if let Some(downward) = &source.downward_api {
                    write_field_refs(&dir, pod, downward.items.as_deref())?;
                }
            }
            dir
        } else if let Some(downward) = &volume.downward_api {
            mkdir(&dir)?;
            write_field_refs(&dir, pod, downward.items.as_deref())?;
            dir
        } else {
            if volume.empty_dir.is_none() {
                tracing::warn!(
                    namespace,
                    pod = name,
                    volume = volume.name,
                    "unsupported volume type; using an empty folder"
                );
            }
            mkdir(&dir)?;
            dir
        };
        volumes.insert(volume.name.clone(), path);
    }
    Ok(Prepared {
        pod_dir,
        volumes,
        kubeconfig,
        ports,
    })
}

/// A token of a service account from the TokenRequest API, bound to a pod
/// when given, valid for a day (longer than any test run).
pub(crate) async fn request_token(
    shared: &Shared,
    namespace: &str,
    sa: &str,
    pod: Option<(&str, &str)>,
) -> Result<String, String> {
    request_token_with(&shared.client, namespace, sa, pod).await
}

pub(crate) async fn request_token_with(
    client: &kube::Client,
    namespace: &str,
    sa: &str,
    pod: Option<(&str, &str)>,
) -> Result<String, String> {
    let api: Api<ServiceAccount> = Api::namespaced(client.clone(), namespace);
    let mut spec = json!({"audiences": [], "expirationSeconds": 86400});
    if let Some((name, uid)) = pod {
        spec["boundObjectRef"] =
            json!({"apiVersion": "v1", "kind": "Pod", "name": name, "uid": uid});
    }
    let request: TokenRequest = serde_json::from_value(json!({"spec": spec}))
        .map_err(|e| format!("could not build a TokenRequest: {e}"))?;
    let response = api
        .create_token_request(sa, &PostParams::default(), &request)
        .await
        .map_err(|e| format!("could not get a token for service account {namespace}/{sa}: {e}"))?;
    response
        .status
        .and_then(|s| s.token)
        .ok_or_else(|| format!("the TokenRequest for {namespace}/{sa} returned no token"))
}

async fn config_map_data(
    shared: &Shared,
    namespace: &str,
    name: &str,
    optional: bool,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let Some(cm) = object::<ConfigMap>(shared, namespace, name, optional, "configmap").await?
    else {
        return Ok(BTreeMap::new());
    };
    let text = cm.data.unwrap_or_default().into_iter();
    let binary = cm.binary_data.unwrap_or_default().into_iter();
    Ok(text
        .map(|(k, v)| (k, v.into_bytes()))
        .chain(binary.map(|(k, v)| (k, v.0)))
        .collect())
}

async fn secret_data(
    shared: &Shared,
    namespace: &str,
    name: &str,
    optional: bool,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let Some(secret) = object::<Secret>(shared, namespace, name, optional, "secret").await? else {
        return Ok(BTreeMap::new());
    };
    let binary = secret.data.unwrap_or_default().into_iter();
    let text = secret.string_data.unwrap_or_default().into_iter();
    Ok(binary
        .map(|(k, v)| (k, v.0))
        .chain(text.map(|(k, v)| (k, v.into_bytes())))
        .collect())
}

/// The named object, or None when it is missing and `optional`; `kind`
/// names it in the errors.
async fn object<K>(
    shared: &Shared,
    namespace: &str,
    name: &str,
    optional: bool,
    kind: &str,
) -> Result<Option<K>, String>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(shared.client.clone(), namespace);
    match api.get_opt(name).await {
        Ok(None) if !optional => Err(format!("{kind} \"{name}\" not found")),
        Ok(object) => Ok(object),
        Err(e) => Err(format!("could not read {kind} \"{name}\": {e}")),
    }
}

/// Writes the downward API files that name a pod field.
fn write_field_refs(
    dir: &Path,
    pod: &Pod,
    items: Option<&[k8s_openapi::api::core::v1::DownwardAPIVolumeFile]>,
) -> Result<(), String> {
    for item in items.unwrap_or_default() {
        if let Some(f) = &item.field_ref {
            write_file(
                &dir.join(&item.path),
                field_value(pod, &f.field_path).as_bytes(),
            )?;
        }
    }
    Ok(())
}

fn write_items(
    dir: &Path,
    data: &BTreeMap<String, Vec<u8>>,
    items: Option<&[k8s_openapi::api::core::v1::KeyToPath]>,
) -> Result<(), String> {
    match items {
        Some(items) if !items.is_empty() => {
            for item in items {
                if let Some(value) = data.get(&item.key) {
                    write_file(&dir.join(&item.path), value)?;
                }
            }
        }
        _ => {
            for (key, value) in data {
                write_file(&dir.join(key), value)?;
            }
        }
    }
    Ok(())
}

/// A downward-API field of the pod.
fn field_value(pod: &Pod, path: &str) -> String {
    let spec = pod.spec.as_ref();
    let from_map = |map: Option<&BTreeMap<String, String>>, key: &str| {
        map.and_then(|m| m.get(key)).cloned().unwrap_or_default()
    };
    let bracket_key = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix("']"))
            .map(str::to_string)
    };
    match path {
        "metadata.name" => pod.metadata.name.clone().unwrap_or_default(),
        "metadata.namespace" => pod.metadata.namespace.clone().unwrap_or_default(),
        "metadata.uid" => pod.metadata.uid.clone().unwrap_or_default(),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
        "spec.serviceAccountName" => spec
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_else(|| "default".to_string()),
        "status.podIP" | "status.hostIP" | "status.podIPs" | "status.hostIPs" => {
            "127.0.0.1".to_string()
        }
        _ => {
            if let Some(key) = bracket_key("metadata.labels['") {
                from_map(pod.metadata.labels.as_ref(), &key)
            } else if let Some(key) = bracket_key("metadata.annotations['") {
                from_map(pod.metadata.annotations.as_ref(), &key)
            } else {
                tracing::warn!(path, "unsupported downward-API field; using an empty value");
                String::new()
            }
        }
    }
}

/// The environment variable a mapped port is announced in.
fn port_env_name(key: &str) -> String {
    format!(
        "CIRA_TEST_PORT_{}",
        key.to_uppercase().replace(['-', '.'], "_")
    )
}

/// Builds the process for `container`.
pub(crate) async fn launch(
    shared: &Shared,
    pod: &Pod,
    prepared: &Prepared,
    container: &Container,
    program: PathBuf,
) -> Result<Launch, String> {
    let (namespace, name) = ns_name(pod);

    // mountPath -> local folder, longest first so nested mounts win.
    let mut mounts: Vec<(String, PathBuf)> = Vec::new();
    for mount in container.volume_mounts.clone().unwrap_or_default() {
        let base = prepared
            .volumes
            .get(&mount.name)
            .ok_or_else(|| format!("volume mount refers to unknown volume \"{}\"", mount.name))?;
        let local = match mount.sub_path.as_deref().filter(|s| !s.is_empty()) {
            Some(sub) => base.join(sub),
            None => base.clone(),
        };
        let mount_path = mount.mount_path.trim_end_matches('/').to_string();
        mounts.push((
            if mount_path.is_empty() {
                "/".into()
            } else {
                mount_path
            },
            local,
        ));
    }
    mounts.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let rewrite = |value: &str| rewrite_ports(&rewrite_paths(value, &mounts), &prepared.ports);

    let mut env: Vec<(String, String)> = vec![
        (
            "PATH".into(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        ),
        (
            "HOME".into(),
            prepared.pod_dir.join("home").display().to_string(),
        ),
        ("HOSTNAME".into(), name.clone()),
        ("KUBERNETES_SERVICE_HOST".into(), "127.0.0.1".into()),
        (
            "KUBERNETES_SERVICE_PORT".into(),
            shared.api_port.to_string(),
        ),
        (
            "KUBERNETES_SERVICE_PORT_HTTPS".into(),
            shared.api_port.to_string(),
        ),
    ];
    if let Some(kc) = &prepared.kubeconfig {
        env.push(("KUBECONFIG".into(), kc.display().to_string()));
    }
    for port in container.ports.clone().unwrap_or_default() {
        let Ok(cp) = u16::try_from(port.container_port) else {
            continue;
        };
        if let Some(hp) = prepared.ports.get(&cp) {
            env.push((port_env_name(&cp.to_string()), hp.to_string()));
            if let Some(n) = &port.name {
                env.push((port_env_name(n), hp.to_string()));
            }
        }
    }
    // A container that mounts a volume at /tmp expects its temp files there.
    if let Some((_, local)) = mounts.iter().find(|(m, _)| m == "/tmp") {
        env.push(("TMPDIR".into(), local.display().to_string()));
    }
    // Only values from the pod spec are rewritten: the agent's own values
    // (HOME, KUBECONFIG, ...) are host paths already, which may well lie
    // under a mount path such as /tmp.
    let mut from_spec: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut set = |env: &mut Vec<(String, String)>, key: String, value: String| {
        env.retain(|(k, _)| *k != key);
        from_spec.insert(key.clone());
        env.push((key, value));
    };
    for from in container.env_from.clone().unwrap_or_default() {
        let prefix = from.prefix.clone().unwrap_or_default();
        let data = if let Some(cm) = &from.config_map_ref {
            config_map_data(shared, &namespace, &cm.name, cm.optional.unwrap_or(false)).await?
        } else if let Some(s) = &from.secret_ref {
            secret_data(shared, &namespace, &s.name, s.optional.unwrap_or(false)).await?
        } else {
            BTreeMap::new()
        };
        for (k, v) in data {
            set(
                &mut env,
                format!("{prefix}{k}"),
                String::from_utf8_lossy(&v).into_owned(),
            );
        }
    }
    for var in container.env.clone().unwrap_or_default() {
        let value = if let Some(value) = &var.value {
            let vars: HashMap<String, String> = env.iter().cloned().collect();
            expand(value, &vars)
        } else if let Some(from) = &var.value_from {
            if let Some(f) = &from.field_ref {
                field_value(pod, &f.field_path)
            } else if let Some(r) = &from.config_map_key_ref {
                let data =
                    config_map_data(shared, &namespace, &r.name, r.optional.unwrap_or(false))
                        .await?;
                match data.get(&r.key) {
                    Some(v) => String::from_utf8_lossy(v).into_owned(),
                    None if r.optional.unwrap_or(false) => continue,
                    None => {
                        return Err(format!(
                            "couldn't find key {} in ConfigMap {namespace}/{}",
                            r.key, r.name
                        ));
                    }
                }
            } else if let Some(r) = &from.secret_key_ref {
                let data =
                    secret_data(shared, &namespace, &r.name, r.optional.unwrap_or(false)).await?;
                match data.get(&r.key) {
                    Some(v) => String::from_utf8_lossy(v).into_owned(),
                    None if r.optional.unwrap_or(false) => continue,
                    None => {
                        return Err(format!(
                            "couldn't find key {} in Secret {namespace}/{}",
                            r.key, r.name
                        ));
                    }
                }
            } else {
                String::new()
            }
        } else {
            String::new()
        };
        set(&mut env, var.name.clone(), value);
    }
    let env: Vec<(String, String)> = env
        .into_iter()
        .map(|(k, v)| {
            let v = if from_spec.contains(&k) {
                rewrite(&v)
            } else {
                v
            };
            (k, v)
        })
        .collect();
    let vars: HashMap<String, String> = env.iter().cloned().collect();

    let command = container.command.clone().unwrap_or_default();
    let mut args: Vec<String> = command.into_iter().skip(1).collect();
    args.extend(container.args.clone().unwrap_or_default());
    let args = args.iter().map(|a| rewrite(&expand(a, &vars))).collect();

    let cwd = match container.working_dir.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(rewrite_paths(d, &mounts)),
        None => prepared.pod_dir.clone(),
    };
    mkdir(&cwd)?;
    Ok(Launch {
        program,
        args,
        env,
        cwd,
    })
}

/// Expands `$(VAR)` like the kubelet: known variables are substituted,
/// `$$(` escapes, unknown references stay as written.
pub(crate) fn expand(input: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(escaped) = after.strip_prefix('$') {
            out.push('$');
            rest = escaped;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match vars.get(name) {
                Some(v) => out.push_str(v),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Rewrites a value that is, or starts with, a mount path (also after a
/// `--flag=` prefix) to the local folder.
pub(crate) fn rewrite_paths(value: &str, mounts: &[(String, PathBuf)]) -> String {
    let one = |v: &str| -> Option<String> {
        for (mount, local) in mounts {
            if v == mount {
                return Some(local.display().to_string());
            }
            let prefix = if mount == "/" {
                "/".to_string()
            } else {
                format!("{mount}/")
            };
            if let Some(rest) = v.strip_prefix(&prefix) {
                return Some(local.join(rest).display().to_string());
            }
        }
        None
    };
    if let Some(v) = one(value) {
        return v;
    }
    if let Some((flag, v)) = value.split_once('=')
        && let Some(v) = one(v)
    {
        return format!("{flag}={v}");
    }
    value.to_string()
}

/// Rewrites every `:<containerPort>` not followed by a digit to the mapped
/// host port, in one pass.
pub(crate) fn rewrite_ports(value: &str, ports: &BTreeMap<u16, u16>) -> String {
    if ports.is_empty() {
        return value.to_string();
    }
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if end > start
                && let Ok(port) = value[start..end].parse::<u16>()
                && let Some(mapped) = ports.get(&port)
            {
                out.push(':');
                out.push_str(&mapped.to_string());
                i = end;
                continue;
            }
        }
        let ch = value[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_the_kubelet() {
        let vars = HashMap::from([("A".to_string(), "x".to_string())]);
        assert_eq!(expand("$(A)-$(B)-$$(A)-$", &vars), "x-$(B)-$(A)-$");
    }

    #[test]
    fn rewrites_mount_paths() {
        let mounts = vec![
            ("/var/lib/cira/sub".to_string(), PathBuf::from("/tmp/b")),
            ("/var/lib/cira".to_string(), PathBuf::from("/tmp/a")),
        ];
        assert_eq!(rewrite_paths("/var/lib/cira", &mounts), "/tmp/a");
        assert_eq!(rewrite_paths("/var/lib/cira/x/y", &mounts), "/tmp/a/x/y");
        assert_eq!(rewrite_paths("/var/lib/cira/sub/z", &mounts), "/tmp/b/z");
        assert_eq!(
            rewrite_paths("--dir=/var/lib/cira", &mounts),
            "--dir=/tmp/a"
        );
        assert_eq!(rewrite_paths("/var/lib/ciral", &mounts), "/var/lib/ciral");
    }

    #[test]
    fn rewrites_ports() {
        let ports = BTreeMap::from([(8080, 41000), (80, 8080)]);
        assert_eq!(rewrite_ports("0.0.0.0:8080", &ports), "0.0.0.0:41000");
        assert_eq!(
            rewrite_ports("http://h:80/x :80800", &ports),
            "http://h:8080/x :80800"
        );
    }
}
