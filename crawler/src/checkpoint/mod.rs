//! Where checkpoints live: a local folder / PVC ([`DirStore`]) or ConfigMaps
//! ([`ConfigMapStore`]). Both keep two alternating slots (generation `g` goes
//! to slot `g % 2`), so the previous good checkpoint survives a torn or
//! corrupt write, and both use the envelope of [`format`].
//!
//! [`cursor`] decides where each save goes and which checkpoint a resume
//! uses, without I/O; the stores only read and write bytes.

mod configmap;
mod cursor;
mod dir;
pub mod format;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use cira_crds::names;

pub use configmap::{ConfigMapStore, ScanObject};
pub use cursor::{
    Cursor, JournalLimits, JournalRead, Loaded, MAX_JOURNAL_BYTES, MAX_JOURNAL_RECORDS, OnUnusable,
    Saved, SlotRead, Written, choose, replay,
};
pub use dir::{DirStore, SYNC_INTERVAL, parse_journal_file};
pub use format::{CheckpointHeader, ScanIdentity};

use crate::error::Result;
use crate::state::CrawlState;

/// How soon a save must be on disk, not only written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Fsynced before the save counts as done: phase changes, a stop or
    /// pause, completion.
    Now,
    /// Written at once (a killed process loses nothing), fsynced within
    /// about a second (see [`dir::SYNC_INTERVAL`]): the saves at the page
    /// cadence while crawling. Only the folder store makes the difference;
    /// a ConfigMap write is durable when the API server answers.
    WithinASecond,
}

/// A save encoded by [`Store::prepare`], waiting for [`Store::write`].
#[derive(Debug)]
pub struct PendingSave {
    durability: Durability,
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

/// Checkpoint storage.
pub enum Store {
    Dir(DirStore),
    ConfigMap(Box<ConfigMapStore>),
}

impl Store {
    pub fn location(&self) -> String {
        match self {
            Store::Dir(d) => d.dir().display().to_string(),
            Store::ConfigMap(c) => format!(
                "ConfigMaps {}/{}",
                c.object().namespace,
                names::checkpoint_configmap_name(&c.object().name, 0, 0)
            ),
        }
    }

    /// How far a journal may grow before the next snapshot.
    pub fn journal_limits(&self) -> JournalLimits {
        match self {
            Store::Dir(_) => JournalLimits::FOLDER,
            Store::ConfigMap(_) => JournalLimits::CONFIG_MAP,
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

    async fn append_journal(
        &self,
        slot: u64,
        generation: u64,
        blob: Vec<u8>,
        durability: Durability,
    ) -> Result<()> {
        match self {
            Store::Dir(d) => d.append_journal(slot, blob, durability).await,
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
        let written = match self.prepare(cursor, identity, generation, state, Durability::Now) {
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
        durability: Durability,
    ) -> Result<PendingSave> {
        let saved_at = Utc::now();
        let pages_visited = state.pages_crawled;
        let visited = state.visited.len();
        let pending = |kind| PendingSave {
            durability,
            generation,
            saved_at,
            pages_visited,
            kind,
        };
        let limits = self.journal_limits();
        if let Some(base) = cursor.journal_base(visited, limits) {
            let delta = state.take_delta(base.generation);
            let (_, blob) = format::encode_at(
                format::RECORD_COMPRESSION_LEVEL,
                identity,
                generation,
                pages_visited,
                saved_at,
                &delta,
            )?;
            if base.journal_bytes + blob.len() as u64 <= limits.max_bytes {
                return Ok(pending(PendingKind::Record {
                    slot: base.slot,
                    blob,
                }));
            }
            // Too big for the journal: the snapshot below holds it all.
        }
        // Milliseconds for a large state: let the runtime move other tasks
        // off this thread meanwhile.
        let (header, blob) = crate::blocking::in_place(|| {
            format::encode(identity, generation, pages_visited, saved_at, &*state)
        })?;
        state.clear_changes();
        Ok(pending(PendingKind::Snapshot {
            slot: cursor.next_slot(generation),
            header: Box::new(header),
            blob,
            visited,
        }))
    }

    /// Stores what [`Store::prepare`] encoded at once, on the calling
    /// thread, when that needs no more than a write into the page cache: a
    /// journal record for the folder store, at the page cadence, with no
    /// fsync due. Otherwise hands the save back for [`Store::write`].
    ///
    /// A record of a few kilobytes is written in microseconds; through the
    /// writer thread the hand-off cost more than the write (two thread
    /// wake-ups per save, a save every page or two at `everyPages=10`).
    pub fn write_now(
        &self,
        pending: PendingSave,
    ) -> std::result::Result<Result<Written>, PendingSave> {
        let Store::Dir(dir) = self else {
            return Err(pending);
        };
        let PendingKind::Record { slot, blob } = &pending.kind else {
            return Err(pending);
        };
        if pending.durability != Durability::WithinASecond {
            return Err(pending);
        }
        let bytes = blob.len() as u64;
        match dir.append_journal_now(*slot, blob) {
            None => Err(pending),
            Some(result) => Ok(result.map(|()| Written {
                generation: pending.generation,
                saved_at: pending.saved_at,
                pages_visited: pending.pages_visited,
                slot: *slot,
                full: false,
                bytes,
                visited: 0,
            })),
        }
    }

    /// The second half of a save: stores what [`Store::prepare`] encoded.
    pub async fn write(&self, pending: PendingSave) -> Result<Written> {
        let PendingSave {
            durability,
            generation,
            saved_at,
            pages_visited,
            kind,
        } = pending;
        let (slot, full, bytes, visited) = match kind {
            PendingKind::Record { slot, blob } => {
                let bytes = blob.len() as u64;
                self.append_journal(slot, generation, blob, durability)
                    .await?;
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
