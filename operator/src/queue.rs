//! The crawler-slot queue: at most `max_concurrent_scans` scans crawl at once,
//! and at most `max_concurrent_scans_per_namespace` of one namespace; the
//! others wait, oldest (creationTimestamp, then namespace and name) first.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use cira_crds::{CompanyScan, DesiredState, ScanPhase};
use kube::ResourceExt;

use crate::state::{Admission, UtcTime};

/// A scan's place in the queue: namespace and name.
pub type ScanKey = (String, String);

/// What the queue needs to know about one scan.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: ScanKey,
    pub created: Option<UtcTime>,
    /// It has a crawler slot (an active phase).
    pub holds: bool,
    /// It wants a slot (new, queued, or resuming).
    pub wants: bool,
    /// It gave its slot back because its crawler could not start (Queued
    /// with Degraded True): it waits behind every other scan.
    pub requeued: bool,
}

/// True while the scan occupies a crawler slot.
pub fn holds_slot(scan: &CompanyScan) -> bool {
    scan.status
        .as_ref()
        .and_then(|s| s.phase)
        .is_some_and(ScanPhase::is_active)
}

/// True when the scan waits for a slot: new, queued, asked to resume from
/// Paused or TimedOut with time left, or stopped while paused, queued or
/// timed out (its crawler runs once more to write the report).
pub fn wants_slot(scan: &CompanyScan) -> bool {
    let status = scan.status.clone().unwrap_or_default();
    if !crate::state::wants_crawler(&scan.spec, &status)
        || scan.metadata.deletion_timestamp.is_some()
    {
        return false;
    }
    match status.phase {
        None | Some(ScanPhase::Pending | ScanPhase::Queued | ScanPhase::Paused) => true,
        Some(ScanPhase::TimedOut) if scan.spec.desired_state == DesiredState::Stopped => true,
        Some(ScanPhase::TimedOut) => crate::validate::timeout(&scan.spec)
            .is_ok_and(|t| (t.as_secs() as i64) > status.active_seconds),
        Some(_) => false,
    }
}

/// True when the scan gave its slot back because its crawler could not
/// start: Queued while its Degraded condition is True.
pub fn requeued(scan: &CompanyScan) -> bool {
    scan.status.as_ref().is_some_and(|s| {
        s.phase == Some(ScanPhase::Queued)
            && s.conditions
                .iter()
                .any(|c| c.type_ == crate::status::CONDITION_DEGRADED && c.status == "True")
    })
}

/// The queue entry of a scan.
pub fn entry(scan: &CompanyScan) -> Entry {
    Entry {
        key: (scan.namespace().unwrap_or_default(), scan.name_any()),
        created: scan
            .metadata
            .creation_timestamp
            .as_ref()
            .map(crate::state::from_time),
        holds: holds_slot(scan),
        wants: wants_slot(scan),
        requeued: requeued(scan),
    }
}

/// The slot limits: all scans together, and (optionally) the scans of one
/// namespace, so one team cannot hold every slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_concurrent: u32,
    pub per_namespace: Option<u32>,
}

/// Whether `me` may take a slot now. `in_flight` are scans admitted by this
/// operator whose new phase the watch has not shown yet; they count as
/// holding a slot.
///
/// Waiting scans are served oldest first. A scan whose namespace already
/// holds its limit (counting the scans of that namespace ahead of it in the
/// queue) is passed over: it neither takes a slot nor a place in the line,
/// so scans of other namespaces behind it are not held up.
pub fn admission(
    entries: &[Entry],
    me: &Entry,
    in_flight: &HashSet<ScanKey>,
    limits: Limits,
) -> Admission {
    let mut holding: HashSet<&ScanKey> = entries
        .iter()
        .filter(|e| e.holds && e.key != me.key)
        .map(|e| &e.key)
        .collect();
    holding.extend(in_flight.iter().filter(|k| **k != me.key));
    let mut waiting: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.wants && e.key != me.key && !in_flight.contains(&e.key) && !e.holds)
        .collect();
    waiting.push(me);
    waiting.sort_by(|a, b| (a.requeued, a.created, &a.key).cmp(&(b.requeued, b.created, &b.key)));
    // Slots per namespace: held, then claimed by those ahead in the line.
    let mut per_namespace: HashMap<&str, u32> = HashMap::new();
    for key in &holding {
        *per_namespace.entry(key.0.as_str()).or_default() += 1;
    }
    let mut position = 0u32;
    for entry in waiting {
        let namespace = entry.key.0.as_str();
        let taken = per_namespace.entry(namespace).or_default();
        if let Some(limit) = limits.per_namespace
            && *taken >= limit
        {
            if entry.key == me.key {
                return Admission::NamespaceFull { limit };
            }
            continue;
        }
        *taken += 1;
        position += 1;
        if entry.key == me.key {
            break;
        }
    }
    let free = limits.max_concurrent.saturating_sub(holding.len() as u32);
    if position <= free {
        Admission::Admitted
    } else {
        Admission::Waiting {
            position: position.saturating_sub(free),
        }
    }
}

/// Admissions made by this process that the watch may not show yet.
#[derive(Debug, Default)]
pub struct InFlight {
    admitted: HashMap<ScanKey, Instant>,
}

/// How long an admission is remembered without the watch confirming it.
const IN_FLIGHT_TTL: Duration = Duration::from_secs(30);

impl InFlight {
    /// The keys still counted, after dropping those the store now shows
    /// holding a slot (or that are too old).
    pub fn current(&mut self, entries: &[Entry]) -> HashSet<ScanKey> {
        let confirmed: HashSet<&ScanKey> = entries
            .iter()
            .filter(|e| e.holds || !e.wants)
            .map(|e| &e.key)
            .collect();
        self.admitted
            .retain(|k, at| at.elapsed() < IN_FLIGHT_TTL && !confirmed.contains(k));
        self.admitted.keys().cloned().collect()
    }

    pub fn insert(&mut self, key: ScanKey) {
        self.admitted.insert(key, Instant::now());
    }

    pub fn remove(&mut self, key: &ScanKey) {
        self.admitted.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn global(max_concurrent: u32) -> Limits {
        Limits {
            max_concurrent,
            per_namespace: None,
        }
    }

    fn e(name: &str, minute: u32, holds: bool, wants: bool) -> Entry {
        in_ns("ns", name, minute, holds, wants)
    }

    fn in_ns(namespace: &str, name: &str, minute: u32, holds: bool, wants: bool) -> Entry {
        Entry {
            key: (namespace.into(), name.into()),
            created: Some(
                chrono::Utc
                    .with_ymd_and_hms(2026, 1, 1, 0, minute, 0)
                    .unwrap(),
            ),
            holds,
            wants,
            requeued: false,
        }
    }

    #[test]
    fn oldest_first_then_name() {
        let entries = vec![
            e("c", 1, false, true),
            e("b", 2, false, true),
            e("a", 2, false, true),
            e("z", 0, true, false),
        ];
        let none = HashSet::new();
        // One slot is held, two are free: c (oldest) and a (same time as b,
        // earlier name) get them.
        assert_eq!(
            admission(&entries, &entries[0], &none, global(3)),
            Admission::Admitted
        );
        assert_eq!(
            admission(&entries, &entries[2], &none, global(3)),
            Admission::Admitted
        );
        assert_eq!(
            admission(&entries, &entries[1], &none, global(3)),
            Admission::Waiting { position: 1 }
        );
        assert_eq!(
            admission(&entries, &entries[1], &none, global(1)),
            Admission::Waiting { position: 3 }
        );
    }

    #[test]
    fn in_flight_admissions_count_as_holding() {
        let entries = vec![e("a", 1, false, true), e("b", 2, false, true)];
        let mut in_flight = HashSet::new();
        in_flight.insert(("ns".to_string(), "a".to_string()));
        // a was just admitted but the store still shows it queued.
        assert_eq!(
            admission(&entries, &entries[1], &in_flight, global(1)),
            Admission::Waiting { position: 1 }
        );
        assert_eq!(
            admission(&entries, &entries[1], &in_flight, global(2)),
            Admission::Admitted
        );
    }

    #[test]
    fn a_scan_holding_a_slot_keeps_it_out_of_the_count() {
        let entries = vec![e("a", 1, true, false), e("b", 2, true, false)];
        let none = HashSet::new();
        assert_eq!(
            admission(&entries, &entries[0], &none, global(2)),
            Admission::Admitted
        );
    }

    #[test]
    fn in_flight_forgets_confirmed_admissions() {
        let mut f = InFlight::default();
        f.insert(("ns".into(), "a".into()));
        f.insert(("ns".into(), "b".into()));
        let entries = vec![e("a", 1, true, false), e("b", 2, false, true)];
        let left = f.current(&entries);
        assert_eq!(left.len(), 1);
        assert!(left.contains(&("ns".to_string(), "b".to_string())));
    }

    #[test]
    fn a_namespace_over_its_limit_waits_and_does_not_hold_up_others() {
        // Team a created its scans first; b and c came later.
        let entries = vec![
            in_ns("a", "a1", 0, true, false),
            in_ns("a", "a2", 1, true, false),
            in_ns("a", "a3", 2, false, true),
            in_ns("a", "a4", 3, false, true),
            in_ns("b", "b1", 4, false, true),
            in_ns("b", "b2", 5, false, true),
            in_ns("c", "c1", 6, false, true),
        ];
        let limits = |max_concurrent, per_namespace| Limits {
            max_concurrent,
            per_namespace,
        };
        let full = |limit| Admission::NamespaceFull { limit };
        /// (scan, limits, in flight, expected)
        type Row = (
            usize,
            Limits,
            &'static [(&'static str, &'static str)],
            Admission,
        );
        let rows: Vec<Row> = vec![
            // Unlimited per namespace: strictly oldest first.
            (2, limits(4, None), &[], Admission::Admitted),
            (3, limits(4, None), &[], Admission::Admitted),
            (4, limits(4, None), &[], Admission::Waiting { position: 1 }),
            // a holds its 2: a3 and a4 wait whatever is free; b and c get
            // the free slots in their own order.
            (2, limits(4, Some(2)), &[], full(2)),
            (3, limits(4, Some(2)), &[], full(2)),
            (4, limits(4, Some(2)), &[], Admission::Admitted),
            (5, limits(4, Some(2)), &[], Admission::Admitted),
            (
                6,
                limits(4, Some(2)),
                &[],
                Admission::Waiting { position: 1 },
            ),
            (6, limits(5, Some(2)), &[], Admission::Admitted),
            // Limit 1: b2 waits for b1, who is ahead of it; c1 passes both.
            (4, limits(5, Some(1)), &[], Admission::Admitted),
            (5, limits(5, Some(1)), &[], full(1)),
            (6, limits(5, Some(1)), &[], Admission::Admitted),
            // Limit 3: a3 takes a's third slot, a4 is over.
            (2, limits(10, Some(3)), &[], Admission::Admitted),
            (3, limits(10, Some(3)), &[], full(3)),
            // An admission of b1 the watch has not shown yet counts for b.
            (5, limits(10, Some(1)), &[("b", "b1")], full(1)),
            (6, limits(10, Some(1)), &[("b", "b1")], Admission::Admitted),
            // The global limit still applies to namespaces under theirs.
            (
                6,
                limits(2, Some(2)),
                &[],
                Admission::Waiting { position: 3 },
            ),
        ];
        for (i, (me, limits, in_flight, expected)) in rows.into_iter().enumerate() {
            let in_flight: HashSet<ScanKey> = in_flight
                .iter()
                .map(|(ns, n)| (ns.to_string(), n.to_string()))
                .collect();
            let got = admission(&entries, &entries[me], &in_flight, limits);
            assert_eq!(
                got, expected,
                "row {i}: {:?} with {limits:?}",
                entries[me].key
            );
        }
    }

    #[test]
    fn a_scan_that_gave_its_slot_back_waits_behind_the_others() {
        let mut stuck = e("a", 0, false, true);
        stuck.requeued = true;
        let entries = vec![stuck, e("b", 5, false, true), e("c", 6, false, true)];
        let none = HashSet::new();
        assert_eq!(
            admission(&entries, &entries[1], &none, global(1)),
            Admission::Admitted
        );
        assert_eq!(
            admission(&entries, &entries[0], &none, global(1)),
            Admission::Waiting { position: 2 }
        );
        // With nobody else waiting it gets the slot again.
        assert_eq!(
            admission(&entries[..1], &entries[0], &none, global(1)),
            Admission::Admitted
        );
    }
}
