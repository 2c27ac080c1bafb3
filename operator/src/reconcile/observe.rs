//! The read side of a reconcile: the Job's state, its pods and the
//! crawler's progress, as the caches hold them.

use cira_crds::names;
use cira_crds::progress::CrawlerProgress;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::ResourceExt;

use crate::resources::{self};
use crate::state::{self, JobState, PodsView};

/// The observable state of a Job.
pub fn job_state(job: Option<&Job>) -> JobState {
    let Some(job) = job else {
        return JobState::Absent;
    };
    let conditions = job
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    let is_true = |t: &str| {
        conditions
            .iter()
            .find(|c| c.type_ == t && c.status == "True")
    };
    if is_true("Complete").is_some() {
        return JobState::Complete;
    }
    if let Some(failed) = is_true("Failed") {
        let reason = failed.reason.clone().unwrap_or_default();
        let message = failed.message.clone().unwrap_or_default();
        return JobState::Failed {
            message: format!("{reason}: {message}")
                .trim_matches([' ', ':'])
                .to_string(),
        };
    }
    JobState::Running {
        suspended: job.spec.as_ref().and_then(|s| s.suspend).unwrap_or(false),
    }
}

/// The label the Job controller puts on the pods of a Job.
pub(super) const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";

pub(super) fn pods_view<'a>(pods: impl IntoIterator<Item = &'a Pod>) -> PodsView {
    let mut view = PodsView::default();
    for pod in pods {
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .unwrap_or("Pending");
        if matches!(phase, "Succeeded" | "Failed") {
            continue;
        }
        view.active += 1;
        if pod.metadata.deletion_timestamp.is_none() {
            view.live += 1;
            // Staleness counts from when the crawler process started; a pod
            // still starting up is never stale.
            let running_since = pod
                .status
                .as_ref()
                .and_then(|s| s.container_statuses.as_ref())
                .and_then(|cs| cs.iter().find(|c| c.name == resources::CRAWLER_CONTAINER))
                .and_then(|c| c.state.as_ref())
                .and_then(|s| s.running.as_ref())
                .and_then(|r| r.started_at.as_ref())
                .map(state::from_time);
            match running_since {
                Some(t) => view.newest_live_start = view.newest_live_start.max(Some(t)),
                None => view.starting += 1,
            }
        }
    }
    view
}

pub(super) fn parse_progress(cm: &ConfigMap, version: i64) -> Option<CrawlerProgress> {
    let text = cm.data.as_ref()?.get(names::KEY_PROGRESS)?;
    match serde_json::from_str::<CrawlerProgress>(text) {
        Ok(p) if p.scan_version == version => Some(p),
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(configmap = %cm.name_any(), %error, "ignoring unreadable progress.json");
            None
        }
    }
}
