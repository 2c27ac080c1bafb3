//! Checkpoints in a local folder or on a PersistentVolumeClaim.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use super::cursor::{JournalRead, SlotRead};
use crate::atomic_file::write_atomically;
use crate::error::{Error, Result};
use crate::io_thread::IoThread;

use super::Durability;

/// The longest a journal record written with [`Durability::WithinASecond`]
/// stays in the page cache before it is fsynced.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// Checkpoint files in a folder: `checkpoint-<slot>.bin`, each written as a
/// temp file, fsynced, renamed over the old one, then the folder fsynced;
/// and a journal per slot, appended once per save.
///
/// Journal appends follow Redis's `appendfsync everysec`: every save is
/// written at once (so a killed process, whose writes the kernel keeps,
/// loses nothing saved), and fsynced at most once a second by the next
/// append or by a background thread, unless the save asks for
/// [`Durability::Now`]. A lost node loses at most about a second more.
pub struct DirStore {
    dir: PathBuf,
    io: IoThread,
    sync: Arc<Mutex<JournalSync>>,
    /// The journal that [`DirStore::append_journal_now`] appends to, kept
    /// open between saves; a journal reset closes it (the reset replaces
    /// the file).
    appending: Mutex<Option<(u64, std::fs::File)>>,
    /// Dropping it stops the background flusher.
    _stop_flusher: mpsc::Sender<()>,
}

/// A journal written but not yet fsynced, and when the last fsync was.
#[derive(Debug)]
struct JournalSync {
    unsynced: Option<PathBuf>,
    last_sync: Instant,
}

impl JournalSync {
    /// Fsyncs the unsynced journal, if any.
    fn flush(sync: &Mutex<JournalSync>) -> std::io::Result<()> {
        let path = lock(sync).unsynced.take();
        if let Some(path) = path {
            // Any descriptor of the file flushes all of its dirty pages.
            let result = std::fs::File::open(&path).and_then(|f| f.sync_data());
            let mut state = lock(sync);
            state.last_sync = Instant::now();
            if let Err(e) = result {
                // Kept for the next attempt; a journal replaced meanwhile
                // (a snapshot resets it, synced) needs no more.
                if e.kind() != std::io::ErrorKind::NotFound {
                    state.unsynced.get_or_insert(path);
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

fn lock(sync: &Mutex<JournalSync>) -> std::sync::MutexGuard<'_, JournalSync> {
    sync.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Fsyncs what appends left unsynced, once per [`SYNC_INTERVAL`], until
/// `stop`'s sender is dropped.
fn run_flusher(sync: Arc<Mutex<JournalSync>>, stop: mpsc::Receiver<()>) {
    loop {
        match stop.recv_timeout(SYNC_INTERVAL) {
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let due = {
                    let state = lock(&sync);
                    state.unsynced.is_some() && state.last_sync.elapsed() >= SYNC_INTERVAL
                };
                if due && let Err(error) = JournalSync::flush(&sync) {
                    tracing::warn!(%error, "could not fsync the checkpoint journal; trying again in a second");
                }
            }
            // The store is gone (or sent a stop): a last flush.
            _ => {
                if let Err(error) = JournalSync::flush(&sync) {
                    tracing::warn!(%error, "could not fsync the checkpoint journal");
                }
                return;
            }
        }
    }
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
        let sync = Arc::new(Mutex::new(JournalSync {
            unsynced: None,
            last_sync: Instant::now(),
        }));
        let (stop_flusher, stop) = mpsc::channel();
        {
            let sync = Arc::clone(&sync);
            std::thread::Builder::new()
                .name("checkpoint-fsync".into())
                .spawn(move || run_flusher(sync, stop))
                .map_err(|source| Error::Io {
                    action: "starting the checkpoint fsync thread for",
                    path: dir.clone(),
                    source,
                })?;
        }
        Ok(Self {
            dir,
            io,
            sync,
            appending: Mutex::new(None),
            _stop_flusher: stop_flusher,
        })
    }

    /// Fsyncs a journal append that is still only in the page cache.
    pub async fn flush(&self) -> Result<()> {
        let sync = Arc::clone(&self.sync);
        let dir = self.dir.clone();
        self.io
            .run(move || {
                JournalSync::flush(&sync).map_err(|source| Error::Io {
                    action: "syncing checkpoint journal in",
                    path: dir,
                    source,
                })
            })
            .await?
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
        // The open journal would go on appending to the replaced file.
        *self
            .appending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        let path = self.journal_path(slot);
        let dir = self.dir.clone();
        self.io
            .run(move || write_atomically(&dir, &path, &[]))
            .await?
    }

    pub(super) async fn append_journal(
        &self,
        slot: u64,
        blob: Vec<u8>,
        durability: Durability,
    ) -> Result<()> {
        let path = self.journal_path(slot);
        let sync = Arc::clone(&self.sync);
        self.io
            .run(move || {
                let io = |action| io_error(action, &path);
                let frame = journal_frame(&blob)?;
                // The journal exists: the snapshot before it created it.
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .map_err(io("opening checkpoint journal"))?;
                f.write_all(&frame)
                    .map_err(io("appending to checkpoint journal"))?;
                let mut state = lock(&sync);
                if durability == Durability::Now || state.last_sync.elapsed() >= SYNC_INTERVAL {
                    drop(state);
                    f.sync_data().map_err(io("syncing checkpoint journal"))?;
                    let mut state = lock(&sync);
                    state.last_sync = Instant::now();
                    // This file is synced; an older one left unsynced was
                    // another slot's journal, superseded by the snapshot
                    // that began this one.
                    state.unsynced = None;
                } else {
                    state.unsynced = Some(path.clone());
                }
                Ok(())
            })
            .await?
    }

    /// Appends a record written [`Durability::WithinASecond`] on the calling
    /// thread, into the page cache only, when no fsync is due (the last one
    /// was less than [`SYNC_INTERVAL`] ago; the flusher syncs it in time).
    /// `None` when one is due: [`DirStore::append_journal`] then writes and
    /// syncs it on the writer thread.
    pub(super) fn append_journal_now(&self, slot: u64, blob: &[u8]) -> Option<Result<()>> {
        if lock(&self.sync).last_sync.elapsed() >= SYNC_INTERVAL {
            return None;
        }
        let path = self.journal_path(slot);
        let io = |action| io_error(action, &path);
        let write = || -> Result<()> {
            let frame = journal_frame(blob)?;
            let mut appending = self
                .appending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let file = match appending.as_mut() {
                Some((open_slot, file)) if *open_slot == slot => file,
                _ => {
                    // The journal exists: the snapshot before it created it.
                    let file = std::fs::OpenOptions::new()
                        .append(true)
                        .open(&path)
                        .map_err(io("opening checkpoint journal"))?;
                    &mut appending.insert((slot, file)).1
                }
            };
            if let Err(e) = file.write_all(&frame) {
                // Reopened next time, in case the descriptor is at fault.
                *appending = None;
                return Err(io("appending to checkpoint journal")(e));
            }
            Ok(())
        };
        let written = write();
        if written.is_ok() {
            lock(&self.sync).unsynced = Some(path);
        }
        Some(written)
    }
}

/// Makes an I/O error into the crate's, naming what was done to `path`.
fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error + use<> {
    let path = path.to_path_buf();
    move |source| Error::Io {
        action,
        path,
        source,
    }
}

/// A record as it is appended: `<u32 LE length><record>`, in one write.
fn journal_frame(blob: &[u8]) -> Result<Vec<u8>> {
    let len = u32::try_from(blob.len()).map_err(|_| Error::CheckpointTooLarge {
        bytes: blob.len(),
        chunks: 1,
        max: 1,
    })?;
    let mut frame = Vec::with_capacity(4 + blob.len());
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(blob);
    Ok(frame)
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

#[cfg(test)]
mod tests {
    use super::*;

    impl DirStore {
        fn has_unsynced(&self) -> bool {
            lock(&self.sync).unsynced.is_some()
        }
    }

    async fn store_with_journal() -> (tempfile::TempDir, DirStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = DirStore::new(dir.path()).unwrap();
        store.reset_journal(0).await.unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn a_relaxed_append_is_written_at_once_and_synced_by_the_flusher() {
        let (_dir, store) = store_with_journal().await;
        // The reset above was a synced write: the next append within a
        // second is left to the flusher.
        lock(&store.sync).last_sync = Instant::now();
        store
            .append_journal(0, b"one".to_vec(), Durability::WithinASecond)
            .await
            .unwrap();
        // Written: a killed process would leave it to the next one.
        assert_eq!(
            store.read_journal(0).await.unwrap().records,
            vec![b"one".to_vec()]
        );
        assert!(store.has_unsynced(), "not fsynced yet");
        let deadline = Instant::now() + 10 * SYNC_INTERVAL;
        while store.has_unsynced() {
            assert!(Instant::now() < deadline, "the flusher never synced");
            tokio::task::yield_now().await;
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }

    #[tokio::test]
    async fn a_durable_append_or_a_flush_leaves_nothing_unsynced() {
        let (_dir, store) = store_with_journal().await;
        lock(&store.sync).last_sync = Instant::now();
        store
            .append_journal(0, b"one".to_vec(), Durability::WithinASecond)
            .await
            .unwrap();
        assert!(store.has_unsynced());
        store
            .append_journal(0, b"two".to_vec(), Durability::Now)
            .await
            .unwrap();
        assert!(!store.has_unsynced(), "a durable append syncs the file");

        lock(&store.sync).last_sync = Instant::now();
        store
            .append_journal(0, b"three".to_vec(), Durability::WithinASecond)
            .await
            .unwrap();
        assert!(store.has_unsynced());
        store.flush().await.unwrap();
        assert!(!store.has_unsynced());
        assert_eq!(store.read_journal(0).await.unwrap().records.len(), 3);
    }

    #[tokio::test]
    async fn an_append_on_the_calling_thread_is_written_and_left_to_the_flusher() {
        let (_dir, store) = store_with_journal().await;
        lock(&store.sync).last_sync = Instant::now();
        store.append_journal_now(0, b"one").unwrap().unwrap();
        store.append_journal_now(0, b"two").unwrap().unwrap();
        assert_eq!(
            store.read_journal(0).await.unwrap().records,
            vec![b"one".to_vec(), b"two".to_vec()]
        );
        assert!(store.has_unsynced());
        // A reset replaces the file: later appends go to the new one.
        store.reset_journal(0).await.unwrap();
        lock(&store.sync).last_sync = Instant::now();
        store.append_journal_now(0, b"three").unwrap().unwrap();
        assert_eq!(
            store.read_journal(0).await.unwrap().records,
            vec![b"three".to_vec()]
        );
        // An fsync is due: left to the writer thread, nothing written here.
        lock(&store.sync).last_sync = Instant::now() - 2 * SYNC_INTERVAL;
        assert!(store.append_journal_now(0, b"four").is_none());
        assert_eq!(store.read_journal(0).await.unwrap().records.len(), 1);
    }

    #[tokio::test]
    async fn an_append_a_second_after_the_last_sync_syncs_itself() {
        let (_dir, store) = store_with_journal().await;
        lock(&store.sync).last_sync = Instant::now() - 2 * SYNC_INTERVAL;
        store
            .append_journal(0, b"one".to_vec(), Durability::WithinASecond)
            .await
            .unwrap();
        assert!(!store.has_unsynced());
    }
}
