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
use crate::io_thread::IoThread;
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
    /// The header of the full snapshot the state was rebuilt from.
    pub header: CheckpointHeader,
    pub state: CrawlState,
    /// The newest generation applied: the snapshot's, or its last journal
    /// record's.
    pub generation: u64,
    /// Journal records replayed on top of the snapshot.
    pub journal_records: u64,
    /// The slot of the snapshot.
    pub slot: u64,
    /// Set when a newer checkpoint was unreadable and this older one is used.
    pub recovered_from_corruption: Option<String>,
}

impl Loaded {
    /// Where the saves of a run resuming from this checkpoint go: a fresh
    /// snapshot first, never into the slot resumed from.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            base: None,
            resumed_slot: Some(self.slot),
        }
    }
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
    /// Bytes of the snapshot plus its journal.
    pub bytes: u64,
    pub saved_at: DateTime<Utc>,
    pub pages_visited: u64,
    /// Whether this save wrote a full snapshot (else a journal record).
    pub full: bool,
}

/// A save encoded by [`Store::prepare`], waiting for [`Store::write`].
#[derive(Debug)]
pub struct PendingSave {
    generation: u64,
    saved_at: DateTime<Utc>,
    pages_visited: u64,
    kind: PendingKind,
}

#[derive(Debug)]
enum PendingKind {
    Record {
        slot: u64,
        blob: Vec<u8>,
    },
    Snapshot {
        slot: u64,
        header: Box<CheckpointHeader>,
        blob: Vec<u8>,
        visited: usize,
    },
}

/// A save that reached storage; [`Cursor::settle`] turns it into [`Saved`].
#[derive(Debug)]
pub struct Written {
    generation: u64,
    saved_at: DateTime<Utc>,
    pages_visited: u64,
    slot: u64,
    full: bool,
    /// Bytes of this snapshot or record.
    bytes: u64,
    /// Visited URLs in a snapshot.
    visited: usize,
}

/// A journal never grows past this (it must fit one ConfigMap).
pub const MAX_JOURNAL_BYTES: u64 = 512 * 1024;
/// A journal may always grow to this, however small its snapshot: a
/// well-compressed state must not be re-encoded every few dozen saves.
const MIN_JOURNAL_BYTES: u64 = 256 * 1024;
/// Most records in one journal (bounds the replay on resume).
pub const MAX_JOURNAL_RECORDS: u64 = 1000;

/// The full snapshot the current journal continues.
#[derive(Debug, Clone)]
struct Base {
    slot: u64,
    generation: u64,
    bytes: u64,
    visited: usize,
    journal_bytes: u64,
    journal_records: u64,
}

/// Where the saves of one run stand. A save appends the changes since the
/// previous save to the journal of the newest full snapshot; a new snapshot
/// (into the other slot, so the previous snapshot and its journal survive)
/// is taken at the first save of a run, when the visited set has doubled
/// since the snapshot, or when the journal outgrows it. Snapshot cost is so
/// paid on a doubling schedule, and a save's cost follows the pages since
/// the previous save, not the size of the state.
#[derive(Debug, Clone, Default)]
pub struct Cursor {
    base: Option<Base>,
    /// The slot of the snapshot this run resumed from, kept intact.
    resumed_slot: Option<u64>,
}

impl Cursor {
    /// The snapshot a journal record may continue, if any.
    fn journal_base(&self, visited: usize) -> Option<&Base> {
        let base = self.base.as_ref()?;
        let limit = base.bytes.clamp(MIN_JOURNAL_BYTES, MAX_JOURNAL_BYTES);
        let fits = base.journal_records < MAX_JOURNAL_RECORDS
            && base.journal_bytes < limit
            && visited < base.visited.saturating_mul(2).max(16);
        fits.then_some(base)
    }

    /// Records how a prepared save ended. After a failure the changes taken
    /// into it may be half written, so only a snapshot is safe next.
    pub fn settle(&mut self, written: Result<Written>) -> Result<Saved> {
        let w = match written {
            Ok(w) => w,
            Err(e) => {
                self.abandon();
                return Err(e);
            }
        };
        let bytes = match (w.full, self.base.as_mut()) {
            (false, Some(base)) if base.slot == w.slot => {
                base.journal_bytes += w.bytes;
                base.journal_records += 1;
                base.bytes + base.journal_bytes
            }
            _ => {
                self.base = Some(Base {
                    slot: w.slot,
                    generation: w.generation,
                    bytes: w.bytes,
                    visited: w.visited,
                    journal_bytes: 0,
                    journal_records: 0,
                });
                w.bytes
            }
        };
        Ok(Saved {
            generation: w.generation,
            bytes,
            saved_at: w.saved_at,
            pages_visited: w.pages_visited,
            full: w.full,
        })
    }

    /// Makes the next save a full snapshot that spares the slot of the
    /// last good one (changes taken out of the state were not written).
    pub fn abandon(&mut self) {
        if let Some(b) = self.base.take() {
            self.resumed_slot = Some(b.slot);
        }
    }

    /// The slot for the next full snapshot: never the one holding the
    /// snapshot the newest state depends on.
    fn next_slot(&self, generation: u64) -> u64 {
        let avoid = self.base.as_ref().map(|b| b.slot).or(self.resumed_slot);
        match avoid {
            Some(slot) => (slot + 1) % names::CHECKPOINT_SLOTS,
            None => generation % names::CHECKPOINT_SLOTS,
        }
    }
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

    async fn read_journal(&self, slot: u64) -> Result<JournalRead> {
        match self {
            Store::Dir(d) => d.read_journal(slot).await,
            Store::ConfigMap(c) => c.read_journal(slot).await,
        }
    }

    async fn reset_journal(&self, slot: u64, base_generation: u64) -> Result<()> {
        match self {
            Store::Dir(d) => d.reset_journal(slot).await,
            Store::ConfigMap(c) => c.reset_journal(slot, base_generation).await,
        }
    }

    async fn append_journal(&self, slot: u64, generation: u64, blob: Vec<u8>) -> Result<()> {
        match self {
            Store::Dir(d) => d.append_journal(slot, blob).await,
            Store::ConfigMap(c) => c.append_journal(slot, generation, blob).await,
        }
    }

    /// Saves `state` as generation `generation`: a journal record of the
    /// changes since the previous save, or a full snapshot (see [`Cursor`]).
    pub async fn save(
        &self,
        cursor: &mut Cursor,
        identity: &ScanIdentity,
        generation: u64,
        state: &mut CrawlState,
    ) -> Result<Saved> {
        let written = match self.prepare(cursor, identity, generation, state) {
            Ok(pending) => self.write(pending).await,
            Err(e) => Err(e),
        };
        cursor.settle(written)
    }

    /// The first half of a save, without I/O: takes the changes since the
    /// previous save out of `state` and encodes them as a journal record, or
    /// the whole state as a snapshot. The crawl goes on while [`Store::write`]
    /// stores the result; [`Cursor::settle`] then records the outcome. At
    /// most one save may be between `prepare` and `settle`.
    pub fn prepare(
        &self,
        cursor: &Cursor,
        identity: &ScanIdentity,
        generation: u64,
        state: &mut CrawlState,
    ) -> Result<PendingSave> {
        let saved_at = Utc::now();
        let pages_visited = state.pages_crawled;
        let visited = state.visited.0.len();
        let pending = |kind| PendingSave {
            generation,
            saved_at,
            pages_visited,
            kind,
        };
        if let Some(base) = cursor.journal_base(visited) {
            let delta = state.take_delta(base.generation);
            let (_, blob) =
                checkpoint::encode(identity, generation, pages_visited, saved_at, &delta)?;
            if base.journal_bytes + blob.len() as u64 <= MAX_JOURNAL_BYTES {
                return Ok(pending(PendingKind::Record {
                    slot: base.slot,
                    blob,
                }));
            }
            // Too big for the journal: the snapshot below holds it all.
        }
        // Milliseconds for a large state: let the runtime move other tasks
        // off this thread meanwhile.
        let (header, blob) = tokio::task::block_in_place(|| {
            checkpoint::encode(identity, generation, pages_visited, saved_at, &*state)
        })?;
        state.clear_changes();
        Ok(pending(PendingKind::Snapshot {
            slot: cursor.next_slot(generation),
            header: Box::new(header),
            blob,
            visited,
        }))
    }

    /// The second half of a save: stores what [`Store::prepare`] encoded.
    pub async fn write(&self, pending: PendingSave) -> Result<Written> {
        let PendingSave {
            generation,
            saved_at,
            pages_visited,
            kind,
        } = pending;
        let (slot, full, bytes, visited) = match kind {
            PendingKind::Record { slot, blob } => {
                let bytes = blob.len() as u64;
                self.append_journal(slot, generation, blob).await?;
                (slot, false, bytes, 0)
            }
            PendingKind::Snapshot {
                slot,
                header,
                blob,
                visited,
            } => {
                let bytes = blob.len() as u64;
                self.write_slot(slot, &header, blob).await?;
                // After the snapshot: records of an older snapshot in this
                // slot's journal name another base generation, so a crash in
                // between leaves nothing that could be replayed wrongly.
                self.reset_journal(slot, generation).await?;
                (slot, true, bytes, visited)
            }
        };
        Ok(Written {
            generation,
            saved_at,
            pages_visited,
            slot,
            full,
            bytes,
            visited,
        })
    }

    /// Reads both slots, takes the newest usable snapshot of this scan and
    /// replays its journal.
    pub async fn load(
        &self,
        identity: &ScanIdentity,
        policy: OnUnusable,
    ) -> Result<Option<Loaded>> {
        let mut reads = Vec::new();
        for slot in 0..names::CHECKPOINT_SLOTS {
            reads.push((slot, self.read_slot(slot).await?));
        }
        let Some(mut loaded) = choose(&self.location(), identity, reads, policy)? else {
            return Ok(None);
        };
        let journal = self.read_journal(loaded.slot).await?;
        let replayed = replay(&mut loaded, identity, journal);
        if let Some(problem) = replayed {
            tracing::warn!(location = %self.location(), generation = loaded.generation, %problem, "checkpoint journal is damaged; resuming from the last good record");
            let note = format!("{problem}; resumed from generation {}", loaded.generation);
            loaded.recovered_from_corruption =
                Some(match loaded.recovered_from_corruption.take() {
                    Some(earlier) => format!("{earlier}; {note}"),
                    None => note,
                });
        }
        Ok(Some(loaded))
    }
}

/// The records of one journal, oldest first.
#[derive(Debug, Default)]
pub struct JournalRead {
    pub records: Vec<Vec<u8>>,
    /// Set when the journal ends in an unfinished write (a crash while
    /// appending): that record was never acknowledged, so it is dropped
    /// without counting as corruption.
    pub torn_tail: bool,
}

/// Replays the journal records that continue `loaded`'s snapshot, in order,
/// stopping at the first one that does not. Returns a problem worth
/// reporting (a damaged record), if any.
pub fn replay(
    loaded: &mut Loaded,
    identity: &ScanIdentity,
    journal: JournalRead,
) -> Option<String> {
    let base_generation = loaded.header.generation;
    if journal.torn_tail {
        tracing::info!("dropping an unfinished journal record (the writer stopped mid-write)");
    }
    for (i, blob) in journal.records.iter().enumerate() {
        let delta = match checkpoint::decode::<crate::state::StateDelta>(blob) {
            Ok((header, delta)) => {
                if header.scan != *identity
                    || delta.base_generation != base_generation
                    || header.generation != loaded.generation + 1
                {
                    // Left over from an earlier snapshot in this slot.
                    tracing::debug!(
                        record = i,
                        generation = header.generation,
                        "journal record does not continue the snapshot"
                    );
                    break;
                }
                delta
            }
            Err(e) => {
                return Some(format!(
                    "journal record {} after generation {} is unreadable: {e}",
                    i + 1,
                    loaded.generation
                ));
            }
        };
        loaded.state.apply_delta(delta);
        loaded.generation += 1;
        loaded.journal_records += 1;
    }
    None
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
                generation: header.generation,
                header,
                state,
                journal_records: 0,
                slot,
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
    io: IoThread,
}

impl DirStore {
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            action: "creating the state directory",
            path: dir.clone(),
            source,
        })?;
        let io = IoThread::spawn("checkpoint-io").map_err(|source| Error::Io {
            action: "starting the checkpoint writer thread for",
            path: dir.clone(),
            source,
        })?;
        Ok(Self { dir, io })
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
        self.io
            .run(move || write_atomically(&dir, &path, &blob))
            .await?
    }

    /// The journal of the snapshot in `slot`: `<u32 LE length><record>`
    /// frames, appended and fsynced one per save.
    pub fn journal_path(&self, slot: u64) -> PathBuf {
        self.dir.join(format!("journal-{slot}.log"))
    }

    async fn read_journal(&self, slot: u64) -> Result<JournalRead> {
        let path = self.journal_path(slot);
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(parse_journal_file(&b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(JournalRead::default()),
            Err(source) => Err(Error::Io {
                action: "reading checkpoint journal",
                path,
                source,
            }),
        }
    }

    async fn reset_journal(&self, slot: u64) -> Result<()> {
        let path = self.journal_path(slot);
        let dir = self.dir.clone();
        self.io
            .run(move || write_atomically(&dir, &path, &[]))
            .await?
    }

    async fn append_journal(&self, slot: u64, blob: Vec<u8>) -> Result<()> {
        let path = self.journal_path(slot);
        self.io
            .run(move || {
                let io = |action: &'static str| {
                    let path = path.clone();
                    move |source| Error::Io {
                        action,
                        path,
                        source,
                    }
                };
                let len = u32::try_from(blob.len()).map_err(|_| Error::CheckpointTooLarge {
                    bytes: blob.len(),
                    chunks: 1,
                    max: 1,
                })?;
                let mut frame = Vec::with_capacity(4 + blob.len());
                frame.extend_from_slice(&len.to_le_bytes());
                frame.extend_from_slice(&blob);
                // The journal exists: the snapshot before it created it.
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .map_err(io("opening checkpoint journal"))?;
                f.write_all(&frame)
                    .map_err(io("appending to checkpoint journal"))?;
                f.sync_data().map_err(io("syncing checkpoint journal"))
            })
            .await?
    }
}

/// Splits a journal file into its records; an unfinished last frame (a
/// crash while appending) is dropped.
pub fn parse_journal_file(bytes: &[u8]) -> JournalRead {
    let mut read = JournalRead::default();
    let mut rest = bytes;
    while !rest.is_empty() {
        let Some((len, body)) = rest.split_first_chunk::<4>() else {
            read.torn_tail = true;
            break;
        };
        let len = u32::from_le_bytes(*len) as usize;
        if body.len() < len {
            read.torn_tail = true;
            break;
        }
        let (record, after) = body.split_at(len);
        read.records.push(record.to_vec());
        rest = after;
    }
    read
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

    async fn read_journal(&self, slot: u64) -> Result<JournalRead> {
        let name = names::checkpoint_journal_configmap_name(&self.scan, slot);
        let Some(cm) = self.get(&name).await? else {
            return Ok(JournalRead::default());
        };
        let mut records: Vec<(u64, Vec<u8>)> = cm
            .binary_data
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(key, data)| Some((journal_key_generation(&key)?, data.0)))
            .collect();
        records.sort_by_key(|(generation, _)| *generation);
        Ok(JournalRead {
            records: records.into_iter().map(|(_, blob)| blob).collect(),
            torn_tail: false,
        })
    }

    fn patch_params() -> PatchParams {
        PatchParams {
            field_manager: Some(names::CRAWLER_FIELD_MANAGER.to_string()),
            ..PatchParams::default()
        }
    }

    /// Empties the journal of `slot` for the snapshot just written there.
    async fn reset_journal(&self, slot: u64, base_generation: u64) -> Result<()> {
        let name = names::checkpoint_journal_configmap_name(&self.scan, slot);
        let mut meta = self
            .object
            .configmap_meta(&name, names::COMPONENT_CHECKPOINT);
        let annotations = BTreeMap::from([(
            names::ANNOTATION_JOURNAL_BASE.to_string(),
            base_generation.to_string(),
        )]);
        // A JSON merge patch: `binaryData: null` drops every record, which
        // a server-side apply would not do for keys added by merge patches.
        let reset = serde_json::json!({
            "metadata": {"labels": meta.labels, "annotations": annotations},
            "binaryData": null,
        });
        match self
            .api
            .patch(&name, &Self::patch_params(), &Patch::Merge(&reset))
            .await
        {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(e)) if e.code == 404 => {
                meta.annotations = Some(annotations);
                let cm = ConfigMap {
                    metadata: meta,
                    ..ConfigMap::default()
                };
                self.object.apply(&self.api, &cm).await
            }
            Err(source) => Err(Error::Kube {
                action: "resetting checkpoint journal",
                name,
                source,
            }),
        }
    }

    /// Adds one record: only the new key travels, whatever the journal
    /// holds already.
    async fn append_journal(&self, slot: u64, generation: u64, blob: Vec<u8>) -> Result<()> {
        let name = names::checkpoint_journal_configmap_name(&self.scan, slot);
        let patch = serde_json::json!({
            "binaryData": {journal_key(generation): ByteString(blob)},
        });
        self.api
            .patch(&name, &Self::patch_params(), &Patch::Merge(&patch))
            .await
            .map_err(|source| Error::Kube {
                action: "appending to checkpoint journal",
                name,
                source,
            })?;
        Ok(())
    }
}

/// The data key of one journal record in a ConfigMap.
fn journal_key(generation: u64) -> String {
    format!("r{generation}")
}

fn journal_key_generation(key: &str) -> Option<u64> {
    key.strip_prefix('r')?.parse().ok()
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

    /// A save with a fresh cursor: always a full snapshot into slot
    /// `generation % 2`.
    async fn save_full(store: &Store, generation: u64, mut s: CrawlState) {
        let saved = store
            .save(&mut Cursor::default(), &id(), generation, &mut s)
            .await
            .unwrap();
        assert!(saved.full);
    }

    /// One crawled page's worth of changes, made through the mutators.
    fn crawl_page(s: &mut CrawlState, i: u32) {
        if let Some(item) = s.dequeue() {
            s.mark_visited(item.url.clone());
        }
        s.pages_crawled += 1;
        for j in 0..3 {
            let url = format!("https://acme.test/p{}", i * 3 + j);
            if s.count_pattern(format!("/p{}", j), 1000) {
                s.enqueue(url, 1 + i % 4);
            }
        }
        s.add_external_link(format!("https://ext{}.test/", i % 7));
        s.merge_page(crate::extract::PageEntities {
            url: format!("https://acme.test/p{i}"),
            emails: vec![format!("x{}@acme.test", i % 5)],
            tokens: 10,
            ..Default::default()
        });
    }

    /// The state as saved (the queue sorted per depth), for comparisons.
    fn image(s: &CrawlState) -> serde_json::Value {
        serde_json::to_value(s).unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn journal_replays_to_the_live_state() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::Dir(DirStore::new(tmp.path()).unwrap());
        let mut live = state(0);
        live.enqueue("https://acme.test/".into(), 0);
        let mut cursor = Cursor::default();
        let (mut full, mut journal) = (0, 0);
        for generation in 1..=60u64 {
            for i in 0..5 {
                crawl_page(&mut live, generation as u32 * 5 + i);
            }
            // An interrupted fetch goes back to the queue between saves.
            if let Some(item) = live.dequeue() {
                live.in_flight.push(item);
            }
            let saved = store
                .save(&mut cursor, &id(), generation, &mut live)
                .await
                .unwrap();
            live.requeue_in_flight();
            if saved.full {
                full += 1
            } else {
                journal += 1
            }
            let loaded = store
                .load(&id(), OnUnusable::Refuse)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(loaded.generation, generation);
            assert!(loaded.recovered_from_corruption.is_none());
            let mut back = loaded.state;
            back.requeue_in_flight();
            assert_eq!(image(&back), image(&live), "generation {generation}");
        }
        // Snapshots on a doubling schedule, the rest journal records.
        assert!((3..=12).contains(&full), "{full} snapshots");
        assert!(journal >= 48, "{journal} journal records");
        assert!(tmp.path().join("journal-0.log").exists());
        assert!(tmp.path().join("journal-1.log").exists());
    }

    /// Builds a journaled checkpoint; returns the live state at the end.
    async fn journaled(store: &Store, saves: u64) -> CrawlState {
        let mut live = state(0);
        live.enqueue("https://acme.test/".into(), 0);
        let mut cursor = Cursor::default();
        for generation in 1..=saves {
            for i in 0..5 {
                crawl_page(&mut live, generation as u32 * 5 + i);
            }
            store
                .save(&mut cursor, &id(), generation, &mut live)
                .await
                .unwrap();
        }
        live
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn torn_and_damaged_journal_records() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::Dir(DirStore::new(tmp.path()).unwrap());
        let live = journaled(&store, 40).await;
        let loaded = store
            .load(&id(), OnUnusable::Refuse)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(loaded.generation, 40);
        let records = loaded.journal_records;
        assert!(records >= 2, "{records}");
        let slot = loaded.slot;
        let path = tmp.path().join(format!("journal-{slot}.log"));

        // A crash while appending leaves half a frame: dropped quietly.
        let good = std::fs::read(&path).unwrap();
        let mut torn = good.clone();
        torn.extend_from_slice(&[200, 0, 0, 0, 1, 2, 3]);
        std::fs::write(&path, &torn).unwrap();
        let l = store
            .load(&id(), OnUnusable::Refuse)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l.generation, 40);
        assert!(l.recovered_from_corruption.is_none());
        assert_eq!(image(&l.state), image(&live));

        // A damaged record: replay stops before it and says so.
        let frames = parse_journal_file(&good);
        let first = 4 + frames.records[0].len();
        let mut damaged = good.clone();
        let at = first + 4 + frames.records[1].len() - 3;
        damaged[at] ^= 0x5a;
        std::fs::write(&path, &damaged).unwrap();
        let l = store
            .load(&id(), OnUnusable::Refuse)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l.generation, l.header.generation + 1);
        let note = l.recovered_from_corruption.unwrap();
        assert!(note.contains("journal record 2"), "{note}");
        assert!(note.contains("checksum"), "{note}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn corrupt_snapshot_falls_back_to_the_other_slot_and_its_journal() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::Dir(DirStore::new(tmp.path()).unwrap());
        journaled(&store, 40).await;
        let newest = store
            .load(&id(), OnUnusable::Refuse)
            .await
            .unwrap()
            .unwrap();
        let slot = newest.slot;
        let p = tmp.path().join(format!("checkpoint-{slot}.bin"));
        let mut b = std::fs::read(&p).unwrap();
        let n = b.len();
        b[n - 3] ^= 0x55;
        std::fs::write(&p, &b).unwrap();
        let l = store
            .load(&id(), OnUnusable::Refuse)
            .await
            .unwrap()
            .unwrap();
        // The older snapshot's journal runs up to the newer snapshot.
        assert!(l.header.generation < newest.header.generation);
        assert_eq!(l.generation, newest.header.generation - 1);
        assert!(l.journal_records > 0);
        assert!(l.recovered_from_corruption.unwrap().contains("checksum"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_journal_left_from_an_older_snapshot_is_not_replayed() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::Dir(DirStore::new(tmp.path()).unwrap());
        journaled(&store, 40).await;
        let l = store
            .load(&id(), OnUnusable::Refuse)
            .await
            .unwrap()
            .unwrap();
        let slot = l.slot;
        let journal = std::fs::read(tmp.path().join(format!("journal-{slot}.log"))).unwrap();
        // A new snapshot lands in that slot, and the process dies before
        // emptying its journal.
        let mut s = l.state.clone();
        s.pages_crawled += 1;
        save_full(&store, slot + 100, s).await;
        std::fs::write(tmp.path().join(format!("journal-{slot}.log")), journal).unwrap();
        let back = store
            .load(&id(), OnUnusable::Refuse)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.generation, slot + 100);
        assert_eq!(back.journal_records, 0);
        assert!(back.recovered_from_corruption.is_none());
    }

    #[test]
    fn journal_keys_round_trip() {
        assert_eq!(journal_key_generation(&journal_key(17)), Some(17));
        assert_eq!(journal_key_generation("checkpoint.bin"), None);
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
        save_full(&store, 1, state(10)).await;
        save_full(&store, 2, state(20)).await;
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
        save_full(&store, 1, state(1)).await;
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
