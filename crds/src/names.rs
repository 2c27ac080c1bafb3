//! Names, labels, annotations and environment variables shared by the
//! operator and the crawler, so both sides agree on where things live.

use sha2::{Digest, Sha256};

/// The API group of CIRA's resources.
pub const GROUP: &str = "cira.dev";
/// The field manager used for every server-side apply.
pub const OPERATOR_FIELD_MANAGER: &str = "cira-operator";
/// The field manager the crawler uses for its own objects.
pub const CRAWLER_FIELD_MANAGER: &str = "cira-crawler";

/// `app.kubernetes.io/name` value on everything CIRA creates.
pub const APP_NAME: &str = "cira";
pub const LABEL_APP_NAME: &str = "app.kubernetes.io/name";
pub const LABEL_COMPONENT: &str = "app.kubernetes.io/component";
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The (possibly shortened) name of the scan an object belongs to.
pub const LABEL_SCAN: &str = "cira.dev/scan";
/// The scan version an object belongs to.
pub const LABEL_SCAN_VERSION: &str = "cira.dev/scan-version";

pub const COMPONENT_CRAWLER: &str = "crawler";
pub const COMPONENT_CHECKPOINT: &str = "checkpoint";
pub const COMPONENT_PROGRESS: &str = "progress";
pub const COMPONENT_REPORT: &str = "report";

/// Checkpoint ConfigMap annotations, readable without decoding the payload.
pub const ANNOTATION_GENERATION: &str = "cira.dev/checkpoint-generation";
pub const ANNOTATION_CHUNK: &str = "cira.dev/checkpoint-chunk";
pub const ANNOTATION_CHUNKS: &str = "cira.dev/checkpoint-chunks";
pub const ANNOTATION_SAVED_AT: &str = "cira.dev/checkpoint-saved-at";
pub const ANNOTATION_PAGES_VISITED: &str = "cira.dev/checkpoint-pages-visited";
pub const ANNOTATION_BYTES: &str = "cira.dev/checkpoint-bytes";
pub const ANNOTATION_SHA256: &str = "cira.dev/checkpoint-sha256";
/// On a checkpoint journal ConfigMap: the snapshot generation it continues.
pub const ANNOTATION_JOURNAL_BASE: &str = "cira.dev/checkpoint-journal-base";

/// Data keys.
pub const KEY_CHECKPOINT: &str = "checkpoint.bin";
pub const KEY_PROGRESS: &str = "progress.json";
pub const KEY_REPORT_JSON: &str = "report.json";
pub const KEY_REPORT_MD: &str = "report.md";

/// Environment the operator gives the crawler pod.
pub const ENV_SCAN_NAMESPACE: &str = "CIRA_SCAN_NAMESPACE";
pub const ENV_SCAN_NAME: &str = "CIRA_SCAN_NAME";
pub const ENV_SCAN_UID: &str = "CIRA_SCAN_UID";
pub const ENV_SCAN_VERSION: &str = "CIRA_SCAN_VERSION";
pub const ENV_SCAN_SPEC: &str = "CIRA_SCAN_SPEC";
pub const ENV_CHECKPOINT_DIR: &str = "CIRA_CHECKPOINT_DIR";
pub const ENV_POD_NAME: &str = "CIRA_POD_NAME";
/// The cluster's DNS domain (the installer's `policy.clusterDomain`): the
/// crawler's address guard refuses names under it.
pub const ENV_CLUSTER_DOMAIN: &str = "CIRA_CLUSTER_DOMAIN";

/// Where the checkpoint claim is mounted in the crawler pod.
pub const CHECKPOINT_MOUNT_PATH: &str = "/var/lib/cira";

/// Number of checkpoint slots; generations alternate between them so the
/// previous good checkpoint survives a failed or corrupt write.
pub const CHECKPOINT_SLOTS: u64 = 2;
/// Most ConfigMaps one checkpoint slot may be split across.
pub const MAX_CHECKPOINT_CHUNKS: usize = 8;
/// Largest payload put in one ConfigMap. The API limit is 1 MiB for the
/// whole object and binaryData is base64 (4/3 larger), so stay well below.
pub const CHECKPOINT_CHUNK_BYTES: usize = 700 * 1024;

/// Crawler exit code for failures that retrying cannot fix (bad spec, seed
/// unreachable, no usable checkpoint): the Job fails at once.
pub const EXIT_PERMANENT: u8 = 3;
/// Crawler exit code for other failures: the Job retries and resumes.
pub const EXIT_RETRIABLE: u8 = 1;
/// Crawler exit code after SIGTERM or Ctrl-C once the checkpoint is saved:
/// the scan is not finished. Never 0, so an evicted or deleted crawler pod
/// cannot complete its Job; the pod failure policy ignores it instead.
pub const EXIT_INTERRUPTED: u8 = 4;

/// Longest name usable where the name also becomes a label value.
const MAX_LABEL_VALUE: usize = 63;

/// Shortens `name` to at most `max` characters, keeping it unique by a hash
/// suffix when it has to be cut.
pub fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let digest = Sha256::digest(name.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let keep = max.saturating_sub(hash.len() + 1);
    let prefix = name[..keep].trim_end_matches(['-', '.']);
    format!("{prefix}-{hash}")
}

/// The `cira.dev/scan` label value for a scan.
pub fn scan_label_value(scan: &str) -> String {
    shorten(scan, MAX_LABEL_VALUE)
}

/// The crawler Job of one scan version. Deterministic so that two operator
/// replicas or a restarted operator always agree on it.
pub fn job_name(scan: &str, version: i64) -> String {
    let suffix = format!("-v{version}");
    // The Job controller copies the Job name into a pod label.
    format!("{}{suffix}", shorten(scan, MAX_LABEL_VALUE - suffix.len()))
}

/// One chunk of one checkpoint slot.
pub fn checkpoint_configmap_name(scan: &str, slot: u64, chunk: usize) -> String {
    format!("{}-ckpt-{slot}-{chunk}", shorten(scan, 230))
}

/// The journal of the snapshot in one checkpoint slot: the changes saved
/// since that snapshot, one data key per save.
pub fn checkpoint_journal_configmap_name(scan: &str, slot: u64) -> String {
    format!("{}-ckpt-{slot}-journal", shorten(scan, 230))
}

/// All checkpoint ConfigMap names a scan may use (snapshot chunks and
/// journals).
pub fn all_checkpoint_configmap_names(scan: &str) -> Vec<String> {
    (0..CHECKPOINT_SLOTS)
        .flat_map(|slot| (0..MAX_CHECKPOINT_CHUNKS).map(move |chunk| (slot, chunk)))
        .map(|(slot, chunk)| checkpoint_configmap_name(scan, slot, chunk))
        .chain((0..CHECKPOINT_SLOTS).map(|slot| checkpoint_journal_configmap_name(scan, slot)))
        .collect()
}

/// Every ConfigMap the crawler of one scan version writes: the progress
/// ConfigMap, the version's report and, with ConfigMap storage, every
/// checkpoint chunk and journal name. The operator creates exactly these
/// before the crawler starts and the crawler's Role names exactly these, so
/// the crawler never creates an object. The checkpoint names are bounded:
/// `CHECKPOINT_SLOTS` x (`MAX_CHECKPOINT_CHUNKS` + 1 journal).
pub fn crawler_configmap_names(
    scan: &str,
    version: i64,
    storage: crate::CheckpointStorage,
) -> Vec<String> {
    let mut names = vec![
        progress_configmap_name(scan),
        report_configmap_name(scan, version),
    ];
    if storage == crate::CheckpointStorage::ConfigMap {
        names.extend(all_checkpoint_configmap_names(scan));
    }
    names
}

/// The ConfigMap the crawler publishes progress and its heartbeat in.
pub fn progress_configmap_name(scan: &str) -> String {
    format!("{}-progress", shorten(scan, 240))
}

/// The ConfigMap holding the report of one scan version.
pub fn report_configmap_name(scan: &str, version: i64) -> String {
    format!("{}-report-v{version}", shorten(scan, 230))
}

/// The PersistentVolumeClaim for PVC checkpoint storage.
pub fn checkpoint_pvc_name(scan: &str) -> String {
    format!("{}-checkpoint", shorten(scan, 240))
}

/// The per-scan ServiceAccount, Role and RoleBinding of the crawler.
pub fn crawler_service_account_name(scan: &str) -> String {
    format!("{}-crawler", shorten(scan, 240))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept() {
        assert_eq!(job_name("acme", 3), "acme-v3");
        assert_eq!(checkpoint_configmap_name("acme", 1, 0), "acme-ckpt-1-0");
    }

    #[test]
    fn long_names_are_shortened_uniquely() {
        let a = "a".repeat(200);
        let b = format!("{}b", "a".repeat(199));
        let (ja, jb) = (job_name(&a, 12), job_name(&b, 12));
        assert!(ja.len() <= 63 && jb.len() <= 63);
        assert_ne!(ja, jb);
        assert!(ja.ends_with("-v12"));
        assert!(scan_label_value(&a).len() <= 63);
    }

    #[test]
    fn checkpoint_names_cover_all_slots_and_chunks() {
        let names = all_checkpoint_configmap_names("x");
        assert_eq!(
            names.len(),
            CHECKPOINT_SLOTS as usize * (MAX_CHECKPOINT_CHUNKS + 1)
        );
        assert!(names.contains(&"x-ckpt-1-7".to_string()));
        assert!(names.contains(&"x-ckpt-0-journal".to_string()));
        let long = "s".repeat(253);
        assert!(checkpoint_journal_configmap_name(&long, 1).len() <= 253);
    }

    #[test]
    fn the_crawler_writes_a_bounded_set_of_names() {
        use crate::CheckpointStorage;
        let cm = crawler_configmap_names("x", 3, CheckpointStorage::ConfigMap);
        assert_eq!(cm.len(), 2 + 2 * 9);
        assert_eq!(&cm[..2], ["x-progress", "x-report-v3"]);
        assert!(cm.contains(&"x-ckpt-1-7".to_string()));
        let pvc = crawler_configmap_names("x", 3, CheckpointStorage::PersistentVolumeClaim);
        assert_eq!(pvc, ["x-progress", "x-report-v3"]);
    }
}
