//! Where checkpoints live: a local folder / PVC ([`DirStore`]) or ConfigMaps
//! ([`ConfigMapStore`]). Both keep two alternating slots (generation `g` goes
//! to slot `g % 2`), so the previous good checkpoint survives a torn or
//! corrupt write, and both use the shared envelope from
//! `cira_crds::checkpoint`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use cira_crds::checkpoint::{self, CheckpointHeader, ScanIdentity};
use cira_crds::names;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::Api;
use kube::api::{Patch, PatchParams};

use crate::error::{Error, Result};
use crate::state::CrawlState;

/// What to do when checkpoints exist but none is usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnUnusable {
    /// Stop with a clear error (local mode: the user decides).
    Refuse,
    /// Warn and start over (in a cluster a crash loop helps nobody).
    StartFresh,
}

/// A checkpoint that was read back.
#[derive(Debug)]
pub struct Loaded {
    pub header: CheckpointHeader,
    pub state: CrawlState,
    /// Set when a newer checkpoint was unreadable and this older one is used.
    pub recovered_from_corruption: Option<String>,
}

/// What one slot held.
#[derive(Debug)]
pub enum SlotRead {
    Absent,
    Blob(Vec<u8>),
    /// The slot is there but incomplete or inconsistent.
    Broken(String),
}

/// The result of a save.
#[derive(Debug, Clone)]
pub struct Saved {
    pub generation: u64,
    pub bytes: u64,
    pub saved_at: DateTime<Utc>,
    pub pages_visited: u64,
}

/// Checkpoint storage.
pub enum Store {
    Dir(DirStore),
    ConfigMap(Box<ConfigMapStore>),
}

impl Store {
    pub fn location(&self) -> String {
        match self {
            Store::Dir(d) => d.dir.display().to_string(),
            Store::ConfigMap(c) => format!(
                "ConfigMaps {}/{}",
                c.object.namespace,
                names::checkpoint_configmap_name(&c.scan, 0, 0)
            ),
        }
    }

    async fn read_slot(&self, slot: u64) -> Result<SlotRead> {
        match self {
            Store::Dir(d) => d.read_slot(slot).await,
            Store::ConfigMap(c) => c.read_slot(slot).await,
        }
    }

    async fn write_slot(&self, slot: u64, header: &CheckpointHeader, blob: Vec<u8>) -> Result<()> {
        match self {
            Store::Dir(d) => d.write_slot(slot, blob).await,
            Store::ConfigMap(c) => c.write_slot(slot, header, blob).await,
        }
    }

    /// Encodes and writes `state` as generation `generation`.
    pub async fn save(
        &self,
        identity: &ScanIdentity,
        generation: u64,
        state: &CrawlState,
    ) -> Result<Saved> {
        let saved_at = Utc::now();
        let (header, blob) = tokio::task::block_in_place(|| {
            checkpoint::encode(identity, generation, state.pages_crawled, saved_at, state)
        })?;
        let bytes = blob.len() as u64;
        self.write_slot(generation % names::CHECKPOINT_SLOTS, &header, blob)
            .await?;
        Ok(Saved {
            generation,
            bytes,
            saved_at,
            pages_visited: state.pages_crawled,
        })
    }

    /// Reads both slots and returns the newest usable checkpoint of this scan.
    pub async fn load(
        &self,
        identity: &ScanIdentity,
        policy: OnUnusable,
    ) -> Result<Option<Loaded>> {
        let mut reads = Vec::new();
        for slot in 0..names::CHECKPOINT_SLOTS {
            reads.push((slot, self.read_slot(slot).await?));
        }
        choose(&self.location(), identity, reads, policy)
    }
}

/// Picks the newest good checkpoint among the slots.
pub fn choose(
    location: &str,
    identity: &ScanIdentity,
    reads: Vec<(u64, SlotRead)>,
    policy: OnUnusable,
) -> Result<Option<Loaded>> {
    let mut good: Vec<(CheckpointHeader, CrawlState, u64)> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut newest_bad: Option<u64> = None;
    for (slot, read) in reads {
        let blob = match read {
            SlotRead::Absent => continue,
            SlotRead::Broken(why) => {
                problems.push(format!("slot {slot}: {why}"));
                continue;
            }
            SlotRead::Blob(b) => b,
        };
        let header_generation = checkpoint::read_header(&blob)
            .ok()
            .map(|(h, _)| h.generation);
        match checkpoint::decode::<CrawlState>(&blob) {
            Ok((header, state)) => {
                if header.scan.scan_version != identity.scan_version {
                    tracing::info!(
                        slot,
                        found = header.scan.scan_version,
                        expected = identity.scan_version,
                        "ignoring a checkpoint of another scan version"
                    );
                    continue;
                }
                if header.scan.namespace != identity.namespace || header.scan.name != identity.name
                {
                    return Err(Error::OtherScan {
                        location: location.to_string(),
                        found: format!("{}/{}", header.scan.namespace, header.scan.name),
                        expected: format!("{}/{}", identity.namespace, identity.name),
                    });
                }
                if state.state_version != crate::state::STATE_VERSION {
                    problems.push(format!(
                        "slot {slot}: state layout {} is not the {} this build reads",
                        state.state_version,
                        crate::state::STATE_VERSION
                    ));
                    continue;
                }
                good.push((header, state, slot));
            }
            Err(e) => {
                if let Some(g) = header_generation {
                    newest_bad = Some(newest_bad.map_or(g, |b: u64| b.max(g)));
                }
                problems.push(format!("slot {slot}: {e}"));
            }
        }
    }
    good.sort_by_key(|(h, _, _)| h.generation);
    match good.pop() {
        Some((header, state, slot)) => {
            let recovered = if problems.is_empty() {
                None
            } else {
                let msg = format!(
                    "using generation {} from slot {slot} because {}",
                    header.generation,
                    problems.join("; ")
                );
                // A broken slot older than the one used is harmless; only
                // say "recovered" when something newer may have been lost.
                let newer_lost = newest_bad.is_none_or(|g| g > header.generation);
                if newer_lost {
                    tracing::warn!(%location, generation = header.generation, problems = %problems.join("; "), "newest checkpoint is unreadable; recovered from the previous one");
                    Some(msg)
                } else {
                    tracing::info!(%location, problems = %problems.join("; "), "an older checkpoint slot is unreadable");
                    None
                }
            };
            Ok(Some(Loaded {
                header,
                state,
                recovered_from_corruption: recovered,
            }))
        }
        None if problems.is_empty() => Ok(None),
        None => {
            let reason = problems.join("; ");
            match policy {
                OnUnusable::Refuse => Err(Error::NoUsableCheckpoint {
                    location: location.to_string(),
                    reason,
                }),
                OnUnusable::StartFresh => {
                    tracing::warn!(%location, %reason, "no usable checkpoint; starting the scan over");
                    Ok(None)
                }
            }
        }
    }
}

/// Checkpoint files in a folder: `checkpoint-<slot>.bin`, each written as a
/// temp file, fsynced, renamed over the old one, then the folder fsynced.
pub struct DirStore {
    dir: PathBuf,
}

impl DirStore {
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            action: "creating the state directory",
            path: dir.clone(),
            source,
        })?;
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn slot_path(&self, slot: u64) -> PathBuf {
        self.dir.join(format!("checkpoint-{slot}.bin"))
    }

    async fn read_slot(&self, slot: u64) -> Result<SlotRead> {
        let path = self.slot_path(slot);
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(SlotRead::Blob(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SlotRead::Absent),
            Err(source) => Err(Error::Io {
                action: "reading checkpoint",
                path,
                source,
            }),
        }
    }

    async fn write_slot(&self, slot: u64, blob: Vec<u8>) -> Result<()> {
        let path = self.slot_path(slot);
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &path, &blob))
            .await
            .map_err(|e| Error::Task(e.to_string()))?
    }
}

/// Writes `bytes` to `path` so that a crash leaves either the old or the new
/// file, never a torn one.
pub fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io {
            action,
            path: p,
            source,
        }
    };
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(io("creating", &tmp))?;
    f.write_all(bytes).map_err(io("writing", &tmp))?;
    f.sync_all().map_err(io("syncing", &tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io("renaming into place", path))?;
    let d = std::fs::File::open(dir).map_err(io("opening", dir))?;
    d.sync_all().map_err(io("syncing", dir))?;
    Ok(())
}

/// Identity of the scan whose ConfigMaps are written.
#[derive(Debug, Clone)]
pub struct ScanObject {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub version: i64,
}

impl ScanObject {
    /// Labels, owner reference and field manager every crawler ConfigMap gets.
    pub fn configmap_meta(&self, name: &str, component: &str) -> ObjectMeta {
        let labels: BTreeMap<String, String> = [
            (names::LABEL_APP_NAME, names::APP_NAME.to_string()),
            (names::LABEL_COMPONENT, component.to_string()),
            (names::LABEL_SCAN, names::scan_label_value(&self.name)),
            (names::LABEL_SCAN_VERSION, self.version.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(self.namespace.clone()),
            labels: Some(labels),
            owner_references: Some(vec![OwnerReference {
                api_version: "cira.dev/v1alpha1".into(),
                kind: "CompanyScan".into(),
                name: self.name.clone(),
                uid: self.uid.clone(),
                controller: Some(false),
                block_owner_deletion: None,
            }]),
            ..ObjectMeta::default()
        }
    }

    /// Server-side applies a ConfigMap as the crawler.
    pub async fn apply(&self, api: &Api<ConfigMap>, cm: &ConfigMap) -> Result<()> {
        let name = cm.metadata.name.clone().unwrap_or_default();
        let params = PatchParams::apply(names::CRAWLER_FIELD_MANAGER).force();
        api.patch(&name, &params, &Patch::Apply(cm))
            .await
            .map_err(|source| Error::Kube {
                action: "applying ConfigMap",
                name,
                source,
            })?;
        Ok(())
    }
}

/// Checkpoints in ConfigMaps, per the operator/crawler protocol.
pub struct ConfigMapStore {
    api: Api<ConfigMap>,
    scan: String,
    object: ScanObject,
}

impl ConfigMapStore {
    pub fn new(client: kube::Client, object: ScanObject) -> Self {
        Self {
            api: Api::namespaced(client, &object.namespace),
            scan: object.name.clone(),
            object,
        }
    }

    async fn get(&self, name: &str) -> Result<Option<ConfigMap>> {
        self.api.get_opt(name).await.map_err(|source| Error::Kube {
            action: "reading ConfigMap",
            name: name.to_string(),
            source,
        })
    }

    async fn read_slot(&self, slot: u64) -> Result<SlotRead> {
        let first_name = names::checkpoint_configmap_name(&self.scan, slot, 0);
        let Some(first) = self.get(&first_name).await? else {
            return Ok(SlotRead::Absent);
        };
        let ann = |cm: &ConfigMap, key: &str| {
            cm.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(key))
                .cloned()
        };
        let Some(generation) = ann(&first, names::ANNOTATION_GENERATION) else {
            return Ok(SlotRead::Broken(format!(
                "{first_name} has no generation annotation"
            )));
        };
        let chunks: usize = match ann(&first, names::ANNOTATION_CHUNKS).and_then(|c| c.parse().ok())
        {
            Some(c) if (1..=names::MAX_CHECKPOINT_CHUNKS).contains(&c) => c,
            _ => {
                return Ok(SlotRead::Broken(format!(
                    "{first_name} has no valid chunk count"
                )));
            }
        };
        let mut blob = Vec::new();
        for i in 0..chunks {
            let name = names::checkpoint_configmap_name(&self.scan, slot, i);
            let cm = if i == 0 {
                first.clone()
            } else {
                match self.get(&name).await? {
                    Some(cm) => cm,
                    None => return Ok(SlotRead::Broken(format!("chunk {name} is missing"))),
                }
            };
            if ann(&cm, names::ANNOTATION_GENERATION).as_deref() != Some(generation.as_str()) {
                return Ok(SlotRead::Broken(format!(
                    "chunk {name} belongs to another generation (a write was interrupted)"
                )));
            }
            match cm
                .binary_data
                .as_ref()
                .and_then(|d| d.get(names::KEY_CHECKPOINT))
            {
                Some(data) => blob.extend_from_slice(&data.0),
                None => {
                    return Ok(SlotRead::Broken(format!(
                        "chunk {name} has no {}",
                        names::KEY_CHECKPOINT
                    )));
                }
            }
        }
        Ok(SlotRead::Blob(blob))
    }

    async fn write_slot(&self, slot: u64, header: &CheckpointHeader, blob: Vec<u8>) -> Result<()> {
        let parts = checkpoint::split(&blob, names::CHECKPOINT_CHUNK_BYTES);
        if parts.len() > names::MAX_CHECKPOINT_CHUNKS {
            return Err(Error::CheckpointTooLarge {
                bytes: blob.len(),
                chunks: parts.len(),
                max: names::MAX_CHECKPOINT_CHUNKS,
            });
        }
        let count = parts.len();
        // Chunk 0 names the generation and count readers trust, so it is
        // written last: a write cut short leaves chunks that do not match.
        for i in (0..count).rev() {
            let name = names::checkpoint_configmap_name(&self.scan, slot, i);
            let mut meta = self
                .object
                .configmap_meta(&name, names::COMPONENT_CHECKPOINT);
            meta.annotations = Some(
                [
                    (names::ANNOTATION_GENERATION, header.generation.to_string()),
                    (names::ANNOTATION_CHUNK, i.to_string()),
                    (names::ANNOTATION_CHUNKS, count.to_string()),
                    (names::ANNOTATION_SAVED_AT, header.saved_at.to_rfc3339()),
                    (
                        names::ANNOTATION_PAGES_VISITED,
                        header.pages_visited.to_string(),
                    ),
                    (names::ANNOTATION_BYTES, blob.len().to_string()),
                    (names::ANNOTATION_SHA256, header.sha256.clone()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            );
            let cm = ConfigMap {
                metadata: meta,
                binary_data: Some(BTreeMap::from([(
                    names::KEY_CHECKPOINT.to_string(),
                    ByteString(parts[i].to_vec()),
                )])),
                ..ConfigMap::default()
            };
            self.object.apply(&self.api, &cm).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> ScanIdentity {
        ScanIdentity {
            namespace: "local".into(),
            name: "acme.test".into(),
            scan_version: 1,
        }
    }

    fn state(pages: u64) -> CrawlState {
        let mut s = CrawlState::new("https://acme.test/", 1);
        s.pages_crawled = pages;
        s
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn dir_store_alternates_and_recovers() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::Dir(DirStore::new(tmp.path()).unwrap());
        assert!(
            store
                .load(&id(), OnUnusable::Refuse)
                .await
                .unwrap()
                .is_none()
        );
        store.save(&id(), 1, &state(10)).await.unwrap();
        store.save(&id(), 2, &state(20)).await.unwrap();
        let l = store
            .load(&id(), OnUnusable::Refuse)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((l.header.generation, l.state.pages_crawled), (2, 20));
        assert!(l.recovered_from_corruption.is_none());

        // Corrupt the newest (slot 0): the older one is used, and it says so.
        let p0 = tmp.path().join("checkpoint-0.bin");
        let mut b = std::fs::read(&p0).unwrap();
        let n = b.len();
        b[n - 3] ^= 0x55;
        std::fs::write(&p0, &b).unwrap();
        let l = store
            .load(&id(), OnUnusable::Refuse)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l.header.generation, 1);
        assert!(l.recovered_from_corruption.unwrap().contains("checksum"));

        // Truncate the other one too: refused with a clear error, or fresh.
        let p1 = tmp.path().join("checkpoint-1.bin");
        let b = std::fs::read(&p1).unwrap();
        std::fs::write(&p1, &b[..b.len() / 2]).unwrap();
        let err = store.load(&id(), OnUnusable::Refuse).await.unwrap_err();
        assert!(err.to_string().contains("no usable checkpoint"), "{err}");
        assert!(
            store
                .load(&id(), OnUnusable::StartFresh)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn other_scan_and_version() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::Dir(DirStore::new(tmp.path()).unwrap());
        store.save(&id(), 1, &state(1)).await.unwrap();
        let other = ScanIdentity {
            name: "other.test".into(),
            ..id()
        };
        assert!(matches!(
            store.load(&other, OnUnusable::Refuse).await,
            Err(Error::OtherScan { .. })
        ));
        let next_version = ScanIdentity {
            scan_version: 2,
            ..id()
        };
        assert!(
            store
                .load(&next_version, OnUnusable::Refuse)
                .await
                .unwrap()
                .is_none()
        );
    }
}
