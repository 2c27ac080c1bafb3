//! The write side of a reconcile: server-side apply with one field
//! manager, the status subresource, and carrying out a decision.

use std::time::{Duration, Instant};

use cira_crds::names;
use cira_crds::{CompanyScan, CompanyScanStatus, ScanPhase};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PropagationPolicy};
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;
use kube::runtime::reflector::ObjectRef;
use kube::{Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::cleanup::{delete_stale_checkpoints, delete_unwritten_report, prune_reports};
use super::events::{event_type_for, publish};
use super::{Context, Observed};
use crate::error::{Error, Result};
use crate::queue::{self};
use crate::resources::{self, ScanRef};
use crate::state::{self, JobAction, reason};
use crate::status;
use crate::stuck;

/// Apply parameters: one field manager, forced (the operator owns these).
fn apply_params() -> PatchParams {
    PatchParams::apply(names::OPERATOR_FIELD_MANAGER).force()
}

async fn apply<K>(ctx: &Context, api: &Api<K>, name: &str, object: &K, what: &str) -> Result<K>
where
    K: Clone + DeserializeOwned + Serialize + std::fmt::Debug + Resource,
{
    ctx.metrics.wrote(what);
    api.patch(name, &apply_params(), &Patch::Apply(object))
        .await
        .map_err(Error::kube(format!("applying {what} {name}")))
}

pub(super) fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

pub(super) async fn delete_ignoring_absent<K>(
    ctx: &Context,
    api: &Api<K>,
    name: &str,
    dp: &DeleteParams,
    what: &str,
) -> Result<()>
where
    K: Clone + DeserializeOwned + std::fmt::Debug + Resource,
{
    ctx.metrics.wrote(what);
    match api.delete(name, dp).await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(Error::kube(format!("deleting {what} {name}"))(e)),
    }
}

/// Writes the status with server-side apply; the resourceVersion makes it
/// fail with a conflict when the scan changed since it was read.
pub(super) async fn write_status(
    ctx: &Context,
    api: &Api<CompanyScan>,
    scan: &CompanyScan,
    status: &CompanyScanStatus,
) -> Result<CompanyScan> {
    let name = scan.name_any();
    let patch = serde_json::json!({
        "apiVersion": CompanyScan::api_version(&()),
        "kind": CompanyScan::kind(&()),
        "metadata": { "resourceVersion": scan.resource_version() },
        "status": status,
    });
    let updated = api
        .patch_status(&name, &apply_params(), &Patch::Apply(&patch))
        .await
        .map_err(Error::kube(format!(
            "writing the status of CompanyScan {name}"
        )))?;
    ctx.metrics.status_writes.inc();
    ctx.metrics.wrote("CompanyScan/status");
    if let Some(uid) = scan.uid() {
        ctx.wrote(&uid);
    }
    Ok(updated)
}

/// Carries out a decision: the Job, then the status (rate-limited for
/// progress-only changes), Events and queue advancement.
pub(super) async fn apply_decision(
    ctx: &Context,
    observed: &Observed,
    decision: &state::Decision,
) -> Result<Action> {
    let Observed {
        scan,
        scan_ref,
        status,
        job,
        progress,
        now,
        generation,
        stuck: stuck_context,
    } = observed;
    let ns = scan_ref.namespace.as_str();
    let jobs: Api<Job> = Api::namespaced(ctx.client.clone(), ns);
    let job_name = names::job_name(&scan_ref.name, scan_ref.version);

    // 6. Apply: the crawler's credentials and the Job.
    let mut job_exists = job.is_some();
    let mut rejected = None;
    match decision.job {
        JobAction::Create => {
            ensure_crawler_access(ctx, scan, scan_ref).await?;
            if scan_ref.version > 1 {
                delete_stale_checkpoints(ctx, scan_ref).await?;
            }
            create_crawler_configmaps(ctx, scan, scan_ref).await?;
            let desired = resources::crawler_job(scan_ref, &scan.spec, &ctx.config)?;
            match apply(ctx, &jobs, &job_name, &desired, "Job").await {
                Ok(_) => {
                    job_exists = true;
                    tracing::info!(job = %job_name, "crawler Job created");
                }
                Err(Error::Kube {
                    source: kube::Error::Api(answer),
                    ..
                }) if stuck::from_rejected_job(answer.code, &answer.message).is_some() => {
                    // The Job itself is invalid: shown as Degraded, and the
                    // scan fails once the pending timeout is over.
                    tracing::warn!(job = %job_name, reason = %answer.message, "the API server refused the crawler Job");
                    let seen = stuck::from_rejected_job(answer.code, &answer.message);
                    rejected = Some(stuck::judge(
                        decision.clone(),
                        &stuck_context.judge(*now, seen.as_ref(), ctx.config.pending_timeout),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        JobAction::Suspend(suspend) => {
            let current = job
                .as_ref()
                .and_then(|j| j.spec.as_ref())
                .and_then(|s| s.suspend)
                .unwrap_or(false);
            if let Some(existing) = job.as_ref().filter(|_| current != suspend) {
                let patch = resources::job_suspend_patch(existing, suspend);
                let pp = PatchParams {
                    field_manager: Some(names::OPERATOR_FIELD_MANAGER.to_string()),
                    ..PatchParams::default()
                };
                ctx.metrics.wrote("Job");
                jobs.patch(&job_name, &pp, &Patch::Merge(&patch))
                    .await
                    .map_err(Error::kube(format!(
                        "setting suspend={suspend} on Job {job_name}"
                    )))?;
                tracing::info!(job = %job_name, suspend, "crawler Job suspend changed");
            }
        }
        JobAction::Delete => {
            // Foreground: the Job stays (being deleted) until its pods are
            // gone, so nothing reads a missing Job as "never started".
            if job
                .as_ref()
                .is_some_and(|j| j.metadata.deletion_timestamp.is_none())
            {
                let dp = DeleteParams {
                    propagation_policy: Some(PropagationPolicy::Foreground),
                    ..DeleteParams::default()
                };
                delete_ignoring_absent(ctx, &jobs, &job_name, &dp, "Job").await?;
                tracing::info!(job = %job_name, "crawler Job deleted");
            }
        }
        JobAction::None => {}
    }

    let decision = rejected.as_ref().unwrap_or(decision);

    // 7. The new status.
    let new = status::next(&status::Next {
        old: status,
        decision,
        progress: progress.as_ref(),
        job: job_exists.then_some(job_name.as_str()),
        storage: scan.spec.checkpoint.storage,
        history_limit: scan.spec.report.history_limit,
        now: *now,
        generation: *generation,
    });
    // A completion brings a new report: drop those beyond the history.
    if decision.phase == ScanPhase::Completed
        && decision.report.is_some()
        && let Some(report) = &new.report
    {
        prune_reports(ctx, scan_ref, report).await?;
    }
    // A version that ends without a report leaves no empty report behind.
    if matches!(decision.phase, ScanPhase::Cancelled | ScanPhase::Failed)
        && status.phase != Some(decision.phase)
    {
        delete_unwritten_report(ctx, scan_ref).await?;
    }

    // 8. Write it, at a bounded rate for progress-only changes.
    let change = status::classify(status, &new);
    let mut requeue = decision.requeue;
    match status::write_due(
        change,
        ctx.since_last_write(&scan_ref.uid),
        ctx.config.progress_interval,
        ctx.config.clock_interval,
    ) {
        Ok(true) => {
            let scans: Api<CompanyScan> = Api::namespaced(ctx.client.clone(), ns);
            let updated = write_status(ctx, &scans, scan, &new).await?;
            let old_phase = status.phase.unwrap_or_default();
            let old_reason = status::last_reason(status).unwrap_or_default();
            if old_phase != decision.phase || old_reason != decision.reason {
                publish(
                    ctx,
                    &updated,
                    event_type_for(decision.phase, &decision.reason),
                    &decision.reason,
                    &decision.message,
                )
                .await;
                tracing::info!(
                    from = %old_phase, to = %decision.phase, reason = %decision.reason,
                    "phase changed"
                );
            }
            // A crawler that cannot start: one Warning when it is first seen
            // (the phase does not change then).
            if let Some(stuck) = &decision.degraded
                && old_phase == decision.phase
                && !status.conditions.iter().any(|c| {
                    c.type_ == status::CONDITION_DEGRADED
                        && c.status == "True"
                        && c.reason == stuck.reason
                })
            {
                publish(
                    ctx,
                    &updated,
                    EventType::Warning,
                    &stuck.reason,
                    &stuck.message,
                )
                .await;
                tracing::warn!(reason = %stuck.reason, message = %stuck.message, "the crawler cannot start");
            }
            if let Some(note) = status::checkpoint_fallback_note(status, &new) {
                publish(
                    ctx,
                    &updated,
                    EventType::Warning,
                    reason::CHECKPOINT_RECOVERED,
                    &note,
                )
                .await;
                tracing::warn!("crawler fell back to an older checkpoint");
            }
            if old_phase.is_active() && !decision.phase.is_active() {
                advance_queue(ctx, scan_ref);
            }
        }
        Ok(false) => {}
        Err(wait) => requeue = Some(requeue.map_or(wait, |r| r.min(wait))),
    }
    Ok(match requeue {
        Some(after) => Action::requeue(after),
        None => Action::await_change(),
    })
}

/// Creates (or re-asserts) the scan's egress NetworkPolicy (unless switched
/// off) and the crawler's ServiceAccount, Role, RoleBinding
/// and, for PVC storage, the checkpoint claim.
async fn ensure_crawler_access(
    ctx: &Context,
    scan: &CompanyScan,
    scan_ref: &ScanRef,
) -> Result<()> {
    let client = ctx.client.clone();
    let ns = scan_ref.namespace.as_str();
    let sa_name = names::crawler_service_account_name(&scan_ref.name);
    // The egress policy goes first, so no crawler pod runs without it.
    if let Some(egress) = &ctx.config.egress {
        let policies: Api<NetworkPolicy> = Api::namespaced(client.clone(), ns);
        let desired = crate::network_policy::crawler_network_policy(
            &scan_ref.name,
            ns,
            scan_ref.owner_reference(),
            egress,
        );
        apply(ctx, &policies, &sa_name, &desired, "NetworkPolicy").await?;
    }
    let sas: Api<ServiceAccount> = Api::namespaced(client.clone(), ns);
    apply(
        ctx,
        &sas,
        &sa_name,
        &resources::service_account(scan_ref),
        "ServiceAccount",
    )
    .await?;
    let roles: Api<Role> = Api::namespaced(client.clone(), ns);
    let role = resources::role(scan_ref, scan.spec.checkpoint.storage);
    apply(ctx, &roles, &sa_name, &role, "Role").await?;
    let bindings: Api<RoleBinding> = Api::namespaced(client.clone(), ns);
    apply(
        ctx,
        &bindings,
        &sa_name,
        &resources::role_binding(scan_ref),
        "RoleBinding",
    )
    .await?;
    if let Some(pvc) = resources::checkpoint_pvc(scan_ref, &scan.spec) {
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(client, ns);
        let claim_name = names::checkpoint_pvc_name(&scan_ref.name);
        // A claim's spec is mostly immutable: create it once, never update.
        ctx.metrics.read("PersistentVolumeClaim");
        if claims
            .get_opt(&claim_name)
            .await
            .map_err(Error::kube(format!(
                "reading PersistentVolumeClaim {claim_name}"
            )))?
            .is_none()
        {
            apply(ctx, &claims, &claim_name, &pvc, "PersistentVolumeClaim").await?;
        }
    }
    Ok(())
}

/// Creates every ConfigMap the crawler writes (progress, the version's
/// report and, with ConfigMap storage, each checkpoint chunk and journal),
/// empty and owned by the scan, so the crawler needs no `create`. Applying
/// again (a Job created anew for the same version) re-asserts only their
/// metadata and keeps what the crawler wrote. The name conflict check has
/// already made sure none of them belongs to anyone else.
async fn create_crawler_configmaps(
    ctx: &Context,
    scan: &CompanyScan,
    scan_ref: &ScanRef,
) -> Result<()> {
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &scan_ref.namespace);
    let wanted = resources::crawler_configmaps(scan_ref, scan.spec.checkpoint.storage);
    futures::stream::iter(wanted)
        .map(|cm| {
            let cms = cms.clone();
            async move {
                let name = cm.name_any();
                apply(ctx, &cms, &name, &cm, "ConfigMap").await.map(|_| ())
            }
        })
        .buffer_unordered(4)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// A slot became free: once the cache shows it, reconcile the waiting scans.
fn advance_queue(ctx: &Context, freed: &ScanRef) {
    let store = ctx.stores.scans.clone();
    let trigger = ctx.trigger.clone();
    let key = (freed.namespace.clone(), freed.name.clone());
    tokio::spawn(async move {
        let deadline = Instant::now() + Duration::from_secs(10);
        // Wait (briefly) until the watch shows the freed slot, so the waiting
        // scans do not decide on a stale cache.
        loop {
            let still_holding = store
                .state()
                .iter()
                .any(|s| queue::entry(s).key == key && queue::holds_slot(s));
            if !still_holding || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for scan in store.state() {
            if queue::wants_slot(&scan) {
                let _ = trigger.unbounded_send(ObjectRef::from_obj(scan.as_ref()));
            }
        }
    });
}
