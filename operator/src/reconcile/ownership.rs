//! Who owns the objects a scan needs: before a crawler Job is created,
//! every fixed name it uses is looked up, and one not created for this
//! scan is a conflict (never adopted).

use cira_crds::CompanyScan;
use cira_crds::names;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::Api;
use kube::runtime::reflector::ObjectRef;
use kube::{Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use super::Context;
use crate::error::{Error, Result};
use crate::resources::{self, ScanRef};
use crate::state::NameConflict;

/// What a look at the names the crawler needs found.
pub(super) enum Found {
    /// None exists, or each is owned by this scan.
    Free,
    /// One is owned by an earlier scan of the same name (being
    /// garbage-collected): wait, never adopt.
    Leftover(String),
    /// One exists without this scan as its owner.
    Conflict(NameConflict),
}

/// Looks up every object the operator or the crawler creates under a fixed
/// name for this scan: the crawler Job, the egress NetworkPolicy, the
/// crawler's ServiceAccount, Role and RoleBinding, the checkpoint claim (PVC
/// storage), the progress and report ConfigMaps and the checkpoint chunks.
pub(super) async fn find_conflict(
    ctx: &Context,
    scan: &CompanyScan,
    scan_ref: &ScanRef,
) -> Result<Found> {
    let client = ctx.client.clone();
    let ns = scan_ref.namespace.as_str();
    // A Job of this name that the cache does not hold (it lacks the
    // crawler's labels): a forced apply would take it over.
    let job_name = names::job_name(&scan_ref.name, scan_ref.version);
    let found = look::<Job>(ctx, &client, scan_ref, &job_name, "Job").await?;
    if !matches!(found, Found::Free) {
        return Ok(found);
    }
    let sa_name = names::crawler_service_account_name(&scan_ref.name);
    let found = look::<ServiceAccount>(ctx, &client, scan_ref, &sa_name, "ServiceAccount").await?;
    if !matches!(found, Found::Free) {
        return Ok(found);
    }
    let found = look::<Role>(ctx, &client, scan_ref, &sa_name, "Role").await?;
    if !matches!(found, Found::Free) {
        return Ok(found);
    }
    let found = look::<RoleBinding>(ctx, &client, scan_ref, &sa_name, "RoleBinding").await?;
    if !matches!(found, Found::Free) {
        return Ok(found);
    }
    if ctx.config.egress.is_some() {
        let found =
            look::<NetworkPolicy>(ctx, &client, scan_ref, &sa_name, "NetworkPolicy").await?;
        if !matches!(found, Found::Free) {
            return Ok(found);
        }
    }
    if resources::checkpoint_pvc(scan_ref, &scan.spec).is_some() {
        let claim = names::checkpoint_pvc_name(&scan_ref.name);
        let found =
            look::<PersistentVolumeClaim>(ctx, &client, scan_ref, &claim, "PersistentVolumeClaim")
                .await?;
        if !matches!(found, Found::Free) {
            return Ok(found);
        }
    }
    // The progress cache holds only labelled ConfigMaps: one found there is
    // judged from the cache, anything else is asked for.
    let cm_name = names::progress_configmap_name(&scan_ref.name);
    let found = match ctx
        .stores
        .progress
        .get(&ObjectRef::new(&cm_name).within(ns))
    {
        Some(cm) => judge(cm.as_ref(), scan_ref, &cm_name, "ConfigMap"),
        None => look::<ConfigMap>(ctx, &client, scan_ref, &cm_name, "ConfigMap").await?,
    };
    if !matches!(found, Found::Free) {
        return Ok(found);
    }
    // The crawler writes its report, and with ConfigMap storage its
    // checkpoint chunks and journals, under fixed names: another team's
    // ConfigMap of such a name must not be overwritten either.
    let mut cm_names = vec![names::report_configmap_name(
        &scan_ref.name,
        scan_ref.version,
    )];
    if scan.spec.checkpoint.storage == cira_crds::CheckpointStorage::ConfigMap {
        cm_names.extend(names::all_checkpoint_configmap_names(&scan_ref.name));
    }
    for cm_name in cm_names {
        let found = look::<ConfigMap>(ctx, &client, scan_ref, &cm_name, "ConfigMap").await?;
        if !matches!(found, Found::Free) {
            return Ok(found);
        }
    }
    Ok(Found::Free)
}

async fn look<K>(
    ctx: &Context,
    client: &Client,
    scan_ref: &ScanRef,
    name: &str,
    kind: &'static str,
) -> Result<Found>
where
    K: Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Resource<Scope = kube::core::NamespaceResourceScope>,
    <K as Resource>::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(client.clone(), &scan_ref.namespace);
    ctx.metrics.read(kind);
    let object = api
        .get_opt(name)
        .await
        .map_err(Error::kube(format!("reading {kind} {name}")))?;
    Ok(match object {
        None => Found::Free,
        Some(o) => judge(&o, scan_ref, name, kind),
    })
}

/// Owned by this scan (by UID) is ours; owned by another CompanyScan of the
/// same name is a leftover; anything else is a conflict.
fn judge<K: Resource>(object: &K, scan_ref: &ScanRef, name: &str, kind: &'static str) -> Found {
    let owners = object.owner_references();
    if owners.iter().any(|o| o.uid == scan_ref.uid) {
        Found::Free
    } else if owners.iter().any(|o| {
        o.kind == "CompanyScan"
            && o.api_version.starts_with(names::GROUP)
            && o.name == scan_ref.name
    }) {
        Found::Leftover(format!("{kind} {name}"))
    } else {
        Found::Conflict(NameConflict {
            kind,
            name: name.to_string(),
        })
    }
}

pub(super) fn owned_by(cm: &ConfigMap, uid: &str) -> bool {
    cm.owner_references().iter().any(|o| o.uid == uid)
}
