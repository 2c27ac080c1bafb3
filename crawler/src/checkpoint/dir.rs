//! Checkpoints in a local folder or on a PersistentVolumeClaim.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::cursor::{JournalRead, SlotRead};
use crate::atomic_file::write_atomically;
use crate::error::{Error, Result};
use crate::io_thread::IoThread;

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

    pub(super) async fn read_slot(&self, slot: u64) -> Result<SlotRead> {
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

    pub(super) async fn write_slot(&self, slot: u64, blob: Vec<u8>) -> Result<()> {
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

    pub(super) async fn read_journal(&self, slot: u64) -> Result<JournalRead> {
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

    pub(super) async fn reset_journal(&self, slot: u64) -> Result<()> {
        let path = self.journal_path(slot);
        let dir = self.dir.clone();
        self.io
            .run(move || write_atomically(&dir, &path, &[]))
            .await?
    }

    pub(super) async fn append_journal(&self, slot: u64, blob: Vec<u8>) -> Result<()> {
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
