//! Shared Kubernetes watches. Every page and every Server-Sent-Events stream
//! of one identity and namespace scope reads from the same reflector stores
//! (one watch of CompanyScans, one of their Events), so fifty open browsers
//! cost the API server two watches, not fifty requests a second.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use cira_crds::CompanyScan;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Event;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher;
use kube::runtime::{WatchStreamExt, watcher::Event as WatchEvent};
use kube::{Api, Client};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// How long a feed nobody has used is kept before its watches stop.
const IDLE: Duration = Duration::from_secs(60);
/// Activity lines remembered per scan.
const ACTIVITY_LINES: usize = 50;

/// Which feed: whose view of which namespace (`None`: all namespaces).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FeedKey {
    pub identity: String,
    pub namespace: Option<String>,
}

/// What changed, for the live streams.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A scan was created or changed.
    Scan { namespace: String, name: String },
    /// A scan is gone.
    Removed { namespace: String, name: String },
    /// An Event about a scan arrived.
    Event { namespace: String, name: String },
    /// The watch started over: redraw everything.
    Resync,
}

/// Why a watch is not serving, if it is not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    Starting,
    Ready,
    /// The API server refused or failed: its HTTP status (0 when the
    /// failure was not an API answer) and message.
    Failed {
        code: u16,
        message: String,
    },
}

/// One timestamped change of a crawler's `currentActivity`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityLine {
    pub at: DateTime<Utc>,
    pub text: String,
}

type ActivityLog = HashMap<(String, String), VecDeque<ActivityLine>>;

/// The watches of one key.
pub struct Feed {
    pub scans: Store<CompanyScan>,
    pub events: Store<Event>,
    changes: broadcast::Sender<Change>,
    scans_health: watch::Receiver<Health>,
    events_health: watch::Receiver<Health>,
    activity: Arc<Mutex<ActivityLog>>,
    last_used: Mutex<Instant>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Feed {
    fn start(client: Client, namespace: Option<&str>) -> Feed {
        let (changes, _) = broadcast::channel(1024);
        let activity: Arc<Mutex<ActivityLog>> = Arc::default();

        let scans_api: Api<CompanyScan> = match namespace {
            Some(ns) => Api::namespaced(client.clone(), ns),
            None => Api::all(client.clone()),
        };
        let (scans, writer) = reflector::store();
        let (scans_tx, scans_health) = watch::channel(Health::Starting);
        let tx = changes.clone();
        let log = activity.clone();
        let scan_task = tokio::spawn(async move {
            let stream = reflector::reflector(
                writer,
                watcher(scans_api, watcher::Config::default()).default_backoff(),
            );
            futures::pin_mut!(stream);
            while let Some(item) = stream.next().await {
                match item {
                    Ok(ev) => on_scan_event(&ev, &tx, &scans_tx, &log),
                    Err(e) => report_failure(&scans_tx, &e),
                }
            }
        });

        let events_api: Api<Event> = match namespace {
            Some(ns) => Api::namespaced(client, ns),
            None => Api::all(client),
        };
        let (events, writer) = reflector::store();
        let (events_tx, events_health) = watch::channel(Health::Starting);
        let tx = changes.clone();
        let event_task = tokio::spawn(async move {
            let config = watcher::Config::default().fields("involvedObject.kind=CompanyScan");
            let stream =
                reflector::reflector(writer, watcher(events_api, config).default_backoff());
            futures::pin_mut!(stream);
            while let Some(item) = stream.next().await {
                match item {
                    Ok(WatchEvent::Apply(e)) | Ok(WatchEvent::Delete(e)) => {
                        let _ = tx.send(Change::Event {
                            namespace: e.involved_object.namespace.clone().unwrap_or_default(),
                            name: e.involved_object.name.clone().unwrap_or_default(),
                        });
                    }
                    Ok(WatchEvent::InitDone) => {
                        events_tx.send_replace(Health::Ready);
                        let _ = tx.send(Change::Resync);
                    }
                    Ok(_) => {}
                    Err(e) => report_failure(&events_tx, &e),
                }
            }
        });

        Feed {
            scans,
            events,
            changes,
            scans_health,
            events_health,
            activity,
            last_used: Mutex::new(Instant::now()),
            tasks: vec![scan_task, event_task],
        }
    }

    /// A receiver of changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.touch();
        self.changes.subscribe()
    }

    fn touch(&self) {
        *self.last_used.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// Waits until the scan list is loaded or the watch failed, at most
    /// `limit`; the state then.
    pub async fn scans_ready(&self, limit: Duration) -> Health {
        ready(self.scans_health.clone(), limit).await
    }

    /// Like `scans_ready`, for the Events watch.
    pub async fn events_ready(&self, limit: Duration) -> Health {
        ready(self.events_health.clone(), limit).await
    }

    /// The Events watch's state now.
    pub fn events_health(&self) -> Health {
        self.events_health.borrow().clone()
    }

    pub fn scan(&self, namespace: &str, name: &str) -> Option<Arc<CompanyScan>> {
        self.scans
            .get(&reflector::ObjectRef::new(name).within(namespace))
    }

    /// Events about one scan, newest first.
    pub fn events_of(&self, namespace: &str, name: &str) -> Vec<Arc<Event>> {
        let mut events = self.events.state_filter(|e| {
            e.involved_object.name.as_deref() == Some(name)
                && e.involved_object.namespace.as_deref() == Some(namespace)
        });
        events.sort_by_key(|e| std::cmp::Reverse(event_time(e)));
        events
    }

    /// The crawler's activity changes this console saw, newest first.
    pub fn activity_of(&self, namespace: &str, name: &str) -> Vec<ActivityLine> {
        let log = self.activity.lock().unwrap_or_else(|p| p.into_inner());
        log.get(&(namespace.to_string(), name.to_string()))
            .map(|lines| lines.iter().rev().cloned().collect())
            .unwrap_or_default()
    }
}

/// When an Event last happened.
pub fn event_time(e: &Event) -> Option<DateTime<Utc>> {
    let t = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0))?;
    Some(crate::model::chrono_of(t))
}

async fn ready(mut rx: watch::Receiver<Health>, limit: Duration) -> Health {
    let _ = tokio::time::timeout(limit, rx.wait_for(|h| !matches!(h, Health::Starting))).await;
    rx.borrow().clone()
}

fn report_failure(health: &watch::Sender<Health>, error: &watcher::Error) {
    let (code, message) = match error {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchError(s) => (s.code, s.message.clone()),
        other => (0, other.to_string()),
    };
    tracing::debug!(%message, code, "a console watch failed; retrying");
    health.send_replace(Health::Failed { code, message });
}

fn on_scan_event(
    ev: &WatchEvent<CompanyScan>,
    tx: &broadcast::Sender<Change>,
    health: &watch::Sender<Health>,
    activity: &Mutex<ActivityLog>,
) {
    let key = |s: &CompanyScan| {
        (
            s.metadata.namespace.clone().unwrap_or_default(),
            s.metadata.name.clone().unwrap_or_default(),
        )
    };
    match ev {
        WatchEvent::Apply(scan) | WatchEvent::InitApply(scan) => {
            let (namespace, name) = key(scan);
            let current = scan
                .status
                .as_ref()
                .and_then(|s| s.progress.as_ref())
                .and_then(|p| p.current_activity.clone());
            if let Some(text) = current {
                let mut log = activity.lock().unwrap_or_else(|p| p.into_inner());
                let lines = log.entry((namespace.clone(), name.clone())).or_default();
                if lines.back().is_none_or(|l| l.text != text) {
                    lines.push_back(ActivityLine {
                        at: Utc::now(),
                        text,
                    });
                    if lines.len() > ACTIVITY_LINES {
                        lines.pop_front();
                    }
                }
            }
            if matches!(ev, WatchEvent::Apply(_)) {
                let _ = tx.send(Change::Scan { namespace, name });
            }
        }
        WatchEvent::Delete(scan) => {
            let (namespace, name) = key(scan);
            activity
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&(namespace.clone(), name.clone()));
            let _ = tx.send(Change::Removed { namespace, name });
        }
        WatchEvent::Init => {}
        WatchEvent::InitDone => {
            health.send_replace(Health::Ready);
            let _ = tx.send(Change::Resync);
        }
    }
}

/// Every feed of this console.
#[derive(Default)]
pub struct Hub {
    feeds: Mutex<HashMap<FeedKey, Arc<Feed>>>,
}

impl Hub {
    /// The feed of `key`, started with `client` (the first requester's) if
    /// there is none. A feed whose watch was refused as unauthenticated (401) is
    /// replaced, so an expired token of one session does not break another.
    pub fn feed(&self, key: FeedKey, client: &Client) -> Arc<Feed> {
        let mut feeds = self.feeds.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(feed) = feeds.get(&key) {
            let stale = matches!(
                &*feed.scans_health.borrow(),
                Health::Failed { code: 401, .. }
            );
            if !stale {
                feed.touch();
                return feed.clone();
            }
        }
        let feed = Arc::new(Feed::start(client.clone(), key.namespace.as_deref()));
        feeds.insert(key, feed.clone());
        feed
    }

    /// Stops the feeds nobody used for a while and nobody holds.
    pub fn sweep(&self) {
        let mut feeds = self.feeds.lock().unwrap_or_else(|p| p.into_inner());
        feeds.retain(|_, f| {
            Arc::strong_count(f) > 1
                || f.last_used
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .elapsed()
                    < IDLE
        });
    }

    /// How many watches are open: two per feed.
    pub fn watches(&self) -> usize {
        self.feeds.lock().unwrap_or_else(|p| p.into_inner()).len() * 2
    }
}
