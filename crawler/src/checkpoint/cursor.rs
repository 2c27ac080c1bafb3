//! The pure side of checkpointing: where the next save goes (a journal
//! record or a full snapshot, and into which slot), which slot a resume
//! reads, and how a journal replays onto its snapshot. No I/O here.

use chrono::{DateTime, Utc};
use cira_crds::names;

use super::format::{self, CheckpointHeader, ScanIdentity};
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

/// A save that reached storage; [`Cursor::settle`] turns it into [`Saved`].
#[derive(Debug)]
pub struct Written {
    pub(super) generation: u64,
    pub(super) saved_at: DateTime<Utc>,
    pub(super) pages_visited: u64,
    pub(super) slot: u64,
    pub(super) full: bool,
    /// Bytes of this snapshot or record.
    pub(super) bytes: u64,
    /// Visited URLs in a snapshot.
    pub(super) visited: usize,
}

/// A journal never grows past this (it must fit one ConfigMap).
pub const MAX_JOURNAL_BYTES: u64 = 512 * 1024;
/// A journal may always grow to this, however small its snapshot: a
/// well-compressed state must not be re-encoded every few dozen saves.
const MIN_JOURNAL_BYTES: u64 = 256 * 1024;
/// Most records in one journal (bounds the replay on resume).
pub const MAX_JOURNAL_RECORDS: u64 = 1000;

/// How far a journal may grow before the next save is a full snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalLimits {
    /// The journal may always grow to this many bytes...
    pub min_bytes: u64,
    /// ...and to the size of its snapshot, up to this many...
    pub max_bytes: u64,
    /// ...and this many records.
    pub max_records: u64,
}

impl JournalLimits {
    /// ConfigMaps: a journal must fit one object (1 MiB at most).
    pub const CONFIG_MAP: Self = Self {
        min_bytes: MIN_JOURNAL_BYTES,
        max_bytes: MAX_JOURNAL_BYTES,
        max_records: MAX_JOURNAL_RECORDS,
    };
    /// A folder has no object limit: the journal may grow to 4 MiB or 4000
    /// records, whatever the snapshot's size. With the ConfigMap's limits a
    /// 20k-page crawl at `everyPages=10` wrote a snapshot every 155 saves
    /// (99 in all, a quarter of what its saves cost). Replaying the largest
    /// journal allowed takes about half a second on resume
    /// (docs/bench-crawler.md, "Session 16").
    pub const FOLDER: Self = Self {
        min_bytes: 4 * 1024 * 1024,
        max_bytes: 4 * 1024 * 1024,
        max_records: 4000,
    };
}

/// The full snapshot the current journal continues.
#[derive(Debug, Clone)]
pub(super) struct Base {
    pub(super) slot: u64,
    pub(super) generation: u64,
    pub(super) bytes: u64,
    pub(super) visited: usize,
    pub(super) journal_bytes: u64,
    pub(super) journal_records: u64,
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
    pub(super) fn journal_base(&self, visited: usize, limits: JournalLimits) -> Option<&Base> {
        let base = self.base.as_ref()?;
        let limit = base.bytes.clamp(limits.min_bytes, limits.max_bytes);
        let fits = base.journal_records < limits.max_records
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
    pub(super) fn next_slot(&self, generation: u64) -> u64 {
        let avoid = self.base.as_ref().map(|b| b.slot).or(self.resumed_slot);
        match avoid {
            Some(slot) => (slot + 1) % names::CHECKPOINT_SLOTS,
            None => generation % names::CHECKPOINT_SLOTS,
        }
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
        let delta = match format::decode::<crate::state::StateDelta>(blob) {
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
        let header_generation = format::read_header(&blob).ok().map(|(h, _)| h.generation);
        match format::decode::<CrawlState>(&blob) {
            Ok((header, state)) => {
                if header.scan.namespace == identity.namespace
                    && header.scan.name == identity.name
                    && header.scan.uid != identity.uid
                {
                    // The scan was deleted and created again under the
                    // same name: its predecessor's crawl (another spec,
                    // perhaps another owner) must not carry over.
                    tracing::warn!(
                        %location,
                        slot,
                        found_uid = %header.scan.uid,
                        expected_uid = %identity.uid,
                        "ignoring the checkpoint of an earlier scan of the same name; this scan starts over and overwrites it"
                    );
                    continue;
                }
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
