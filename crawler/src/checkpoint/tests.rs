//! Saves and resumes through the folder store, journal replay and
//! recovery from damaged slots.

use super::configmap::{journal_key, journal_key_generation};
use super::*;
use crate::error::Error;
use crate::state::CrawlState;

fn id() -> ScanIdentity {
    ScanIdentity {
        namespace: "local".into(),
        name: "acme.test".into(),
        uid: String::new(),
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
        if s.count_pattern(format!("/p{}", j), 1000, usize::MAX) {
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

#[tokio::test(flavor = "multi_thread")]
async fn a_capped_queue_and_pattern_table_replay_to_the_live_state() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::Dir(DirStore::new(tmp.path()).unwrap());
    let mut live = state(0);
    live.enqueue("https://acme.test/".into(), 0);
    let mut cursor = Cursor::default();
    const CAP: usize = 40;
    const PATTERNS: usize = 24;
    for generation in 1..=30u64 {
        for i in 0..4u64 {
            let n = generation * 4 + i;
            if let Some(item) = live.dequeue() {
                live.mark_visited(item.url);
            }
            live.pages_crawled += 1;
            // Ten links a page, a few of them to shapes seen before.
            for j in 0..10u64 {
                let pattern = format!("/s{}", if j < 3 { j } else { n * 10 + j });
                if live.count_pattern(pattern, 1000, PATTERNS) {
                    live.enqueue(format!("https://acme.test/p{n}/{j}"), 1 + (n % 3) as u32);
                }
            }
            live.drop_overflow(CAP);
        }
        assert!(live.queue.len() <= CAP);
        assert!(live.pattern_counts.len() <= PATTERNS);
        store
            .save(&mut cursor, &id(), generation, &mut live)
            .await
            .unwrap();
        let back = store
            .load(&id(), OnUnusable::Refuse)
            .await
            .unwrap()
            .unwrap()
            .state;
        assert_eq!(image(&back), image(&live), "generation {generation}");
    }
    assert!(live.queue_dropped > 0 && live.pattern_counts.len() <= PATTERNS);
    // The three shapes seen on every page are never forgotten.
    for j in 0..3 {
        assert!(live.pattern_counts.contains_key(&format!("/s{j}")));
    }
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

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_created_again_under_the_same_name_starts_over() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::Dir(DirStore::new(tmp.path()).unwrap());
    let old = ScanIdentity {
        uid: "uid-of-the-deleted-scan".into(),
        ..id()
    };
    let new = ScanIdentity {
        uid: "uid-of-the-new-scan".into(),
        ..id()
    };
    // The deleted scan left a snapshot and journal in slot 1, after a
    // checkpoint without a UID (an older release) in slot 0.
    let mut s = state(7);
    s.enqueue("https://acme.test/old-queue".into(), 1);
    let mut cursor = Cursor::default();
    for generation in 1..=3 {
        store
            .save(&mut cursor, &old, generation, &mut s)
            .await
            .unwrap();
    }
    save_full(&store, 4, state(8)).await;
    let mut s4 = state(9);
    store
        .save(&mut Cursor::default(), &old, 5, &mut s4)
        .await
        .unwrap();
    // Not an error, not resumed, whatever the policy: a fresh start.
    for policy in [OnUnusable::Refuse, OnUnusable::StartFresh] {
        assert!(store.load(&new, policy).await.unwrap().is_none());
    }
    assert!(
        store
            .load(&old, OnUnusable::Refuse)
            .await
            .unwrap()
            .is_some()
    );
    // The new scan's saves win from then on, journal included.
    let mut fresh = state(1);
    fresh.enqueue("https://acme.test/".into(), 0);
    let mut cursor = Cursor::default();
    for generation in 1..=3 {
        fresh.pages_crawled += 1;
        store
            .save(&mut cursor, &new, generation, &mut fresh)
            .await
            .unwrap();
    }
    let loaded = store.load(&new, OnUnusable::Refuse).await.unwrap().unwrap();
    assert_eq!(loaded.generation, 3);
    assert_eq!(loaded.state.pages_crawled, 4);
    assert_eq!(loaded.header.scan, new);
    assert!(
        loaded
            .state
            .queue
            .iter()
            .all(|(u, _)| !u.contains("old-queue"))
    );
}
