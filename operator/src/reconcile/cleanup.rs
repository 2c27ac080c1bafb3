//! Removing what a scan no longer needs: checkpoints of earlier
//! versions, reports beyond the history limit, and the empty report of a
//! version that ended without one.

use std::collections::BTreeMap;

use cira_crds::names;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Preconditions};

use super::Context;
use super::apply::{delete_ignoring_absent, is_not_found};
use super::ownership::owned_by;
use crate::error::{Error, Result};
use crate::resources::ScanRef;

fn scan_selector(scan_ref: &ScanRef, component: &str) -> String {
    format!(
        "{}={},{}={}",
        names::LABEL_SCAN,
        names::scan_label_value(&scan_ref.name),
        names::LABEL_COMPONENT,
        component
    )
}

fn version_label(cm: &ConfigMap) -> Option<i64> {
    cm.labels().get(names::LABEL_SCAN_VERSION)?.parse().ok()
}

/// Deletes checkpoint ConfigMaps of earlier scan versions, so a rescan starts
/// fresh. The uid and resourceVersion preconditions make sure a checkpoint
/// the new crawler just wrote is never deleted.
pub(super) async fn delete_stale_checkpoints(ctx: &Context, scan_ref: &ScanRef) -> Result<()> {
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &scan_ref.namespace);
    for cm in owned_configmaps(ctx, &cms, scan_ref, names::COMPONENT_CHECKPOINT).await? {
        if version_label(&cm) != Some(scan_ref.version) {
            delete_if_unchanged(ctx, &cms, &cm).await?;
        }
    }
    Ok(())
}

/// The scan's ConfigMaps of one component (checkpoint, report) that carry
/// its UID as owner.
async fn owned_configmaps(
    ctx: &Context,
    cms: &Api<ConfigMap>,
    scan_ref: &ScanRef,
    component: &str,
) -> Result<Vec<ConfigMap>> {
    let lp = ListParams::default().labels(&scan_selector(scan_ref, component));
    ctx.metrics.read("ConfigMap");
    let list = cms
        .list(&lp)
        .await
        .map_err(Error::kube(format!("listing {component} ConfigMaps")))?;
    Ok(list
        .items
        .into_iter()
        .filter(|cm| owned_by(cm, &scan_ref.uid))
        .collect())
}

/// Deletes `cm` only as it was read: the uid and resourceVersion
/// preconditions turn a ConfigMap written meanwhile (409) or already gone
/// (404) into nothing to do. True when it was deleted.
async fn delete_if_unchanged(ctx: &Context, cms: &Api<ConfigMap>, cm: &ConfigMap) -> Result<bool> {
    let name = cm.name_any();
    let dp = DeleteParams {
        preconditions: Some(Preconditions {
            uid: cm.uid(),
            resource_version: cm.resource_version(),
        }),
        ..DeleteParams::default()
    };
    ctx.metrics.wrote("ConfigMap");
    match cms.delete(&name, &dp).await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
        Err(e) => Err(Error::kube(format!("deleting ConfigMap {name}"))(e)),
    }
}

/// Deletes the version's report ConfigMap while it is as the operator
/// created it (no report in it), once the version ended without one
/// (cancelled, failed): no empty report is left behind. Any later run of
/// this version creates it again with its Job. The uid and resourceVersion
/// preconditions keep a report written meanwhile.
pub(super) async fn delete_unwritten_report(ctx: &Context, scan_ref: &ScanRef) -> Result<()> {
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &scan_ref.namespace);
    let name = names::report_configmap_name(&scan_ref.name, scan_ref.version);
    ctx.metrics.read("ConfigMap");
    let Some(cm) = cms
        .get_opt(&name)
        .await
        .map_err(Error::kube(format!("reading ConfigMap {name}")))?
    else {
        return Ok(());
    };
    let written = cm.data.as_ref().is_some_and(|d| {
        d.contains_key(names::KEY_REPORT_JSON) || d.contains_key(names::KEY_REPORT_MD)
    });
    if written || !owned_by(&cm, &scan_ref.uid) {
        return Ok(());
    }
    if delete_if_unchanged(ctx, &cms, &cm).await? {
        tracing::info!(configmap = %name, "deleted the unwritten report ConfigMap");
    }
    Ok(())
}

/// Deletes report ConfigMaps that are neither the newest report nor in its
/// history.
pub(super) async fn prune_reports(
    ctx: &Context,
    scan_ref: &ScanRef,
    report: &cira_crds::ReportStatus,
) -> Result<()> {
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &scan_ref.namespace);
    let reports = owned_configmaps(ctx, &cms, scan_ref, names::COMPONENT_REPORT).await?;
    let keep: BTreeMap<&str, ()> = std::iter::once(report.config_map.as_str())
        .chain(report.history.iter().map(|h| h.config_map.as_str()))
        .map(|n| (n, ()))
        .collect();
    for cm in reports {
        let cm_name = cm.name_any();
        if keep.contains_key(cm_name.as_str()) {
            continue;
        }
        // Never touch a report of the version being written right now.
        if version_label(&cm).is_some_and(|v| v >= scan_ref.version) {
            continue;
        }
        delete_ignoring_absent(ctx, &cms, &cm_name, &DeleteParams::default(), "ConfigMap").await?;
        tracing::info!(scan = %scan_ref.name, configmap = %cm_name, "deleted a report beyond the history limit");
    }
    Ok(())
}
