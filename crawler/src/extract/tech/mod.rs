//! Technology detection with Wappalyzer's fingerprint database
//! (`assets/wappalyzer/`, MIT, the npm package `wappalyzer@6.10.47`) plus
//! CIRA's overlay.
//!
//! `build.rs` compiles the JSON into a compact form (`compile/`) that is
//! decoded at first use. Every signal that is a string to search (HTML,
//! visible text, inline scripts, script URLs, the page URL) is searched once
//! with one literal filter over the literals the patterns require (`grams.rs`);
//! a pattern's regex is compiled the first time its literal is found, and
//! runs only then, and where its matches reach a bounded distance around the
//! literal (by length, or up to a byte they cannot contain: `[^>]*` ends
//! before a `>`), only in windows around the literal's occurrences, which
//! the filter's pass records. Headers, cookies and meta tags are looked up
//! by name.
//! `dom` selectors and `css` patterns replay the tokens the streaming pass
//! recorded (no second tokenizer pass), only on pages that contain one of
//! their literals.
//!
//! Then, as Wappalyzer resolves (`resolve.rs`): confidences add up (to 100), the longest
//! plausible version wins, `excludes` removes, `implies` adds (marked as
//! implied), and technologies that `requires` another technology or a
//! category count only when that one is on the page too.

#[cfg(test)]
mod compile;
mod dom;
mod freq;
mod grams;
pub(crate) mod model;
mod resolve;

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, OnceLock};
use std::time::{Duration, Instant};

#[cfg(test)]
use regex::bytes::RegexBuilder;
use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind};

use super::Technology;
use super::memo::Memo;
use crate::page::FetchedPage;
use model::{Db, DomPart, Pattern, Reach, Signal, Stretch};
#[cfg(test)]
use resolve::{Found, better_version};
use resolve::{Hits, resolve, resolve_version};

/// The compiled database, written by `build.rs`.
static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/wappalyzer.bin"));

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::load);

#[cfg(test)]
thread_local! {
    /// Set by the tests: every pattern is a candidate, as if each literal
    /// occurred, so the filter's results can be compared with a search
    /// that skips nothing.
    static EXHAUSTIVE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Bound on one compiled pattern; a pattern over it never matches.
const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// A pattern runs over the whole haystack instead of windows around its
/// literal when the windows would cover more than this share of it (in
/// eighths), or when there are more than [`MAX_WINDOWS`]: the result is
/// the same either way, only the cost differs.
const WINDOW_SHARE_EIGHTHS: usize = 4;
const MAX_WINDOWS: usize = 256;

/// Most literal occurrences a haystack's filter records for the windowed
/// patterns; past it they search a lower-cased copy themselves.
const MAX_RECORDED: usize = 4096;

/// A haystack and, once a windowed pattern needs it, its ASCII lower-cased
/// copy, in which the patterns' (lower-case) literals are looked for,
/// unless the filter recorded where they occur.
struct Hay<'h> {
    bytes: &'h [u8],
    lower: OnceCell<Vec<u8>>,
    /// Every occurrence of the filter's literals, `(literal, start)`,
    /// sorted, and which filter's (`Prefilter::id`).
    found: Option<(u8, Vec<(u32, usize)>)>,
}

impl<'h> Hay<'h> {
    fn new(bytes: &'h [u8]) -> Self {
        Self {
            bytes,
            lower: OnceCell::new(),
            found: None,
        }
    }

    /// Where literal `id` of filter `filter` occurs, if the filter
    /// recorded it.
    fn occurrences(&self, filter: u8, id: u32) -> Option<impl Iterator<Item = usize> + '_> {
        let (by, found) = self.found.as_ref()?;
        if *by != filter {
            return None;
        }
        let from = found.partition_point(|&(l, _)| l < id);
        Some(
            found
                .get(from..)
                .unwrap_or_default()
                .iter()
                .take_while(move |&&(l, _)| l == id)
                .map(|&(_, at)| at),
        )
    }

    fn lower(&self) -> &[u8] {
        self.lower.get_or_init(|| self.bytes.to_ascii_lowercase())
    }
}

/// The database and its prefilters, built once per process.
pub struct Engine {
    db: Db,
    regexes: Vec<OnceLock<Option<Regex>>>,
    /// Per pattern: its filter's id and its literals' ids in that filter.
    lit_ids: Vec<(u8, Vec<u32>)>,
    url: Prefilter,
    /// HTML, CSS and `dom` literals: all searched for in the raw page.
    body: Prefilter,
    text: Prefilter,
    scripts: Prefilter,
    script_src: Prefilter,
    meta: HashMap<String, Vec<u32>>,
    headers: HashMap<String, Vec<u32>>,
    cookies: HashMap<String, Vec<u32>>,
    categories: HashMap<u32, (String, u8)>,
    /// Whether `db.techs` is sorted by name, as build.rs writes it.
    sorted: bool,
    load_time: Duration,
    failed: AtomicUsize,
    /// Regexes compiled so far (each at most once per process).
    compiled: AtomicUsize,
}

/// The literals of a signal's patterns, searched for together.
struct Prefilter {
    /// Which filter of the engine this is.
    id: u8,
    grams: grams::Grams,
    /// Patterns per literal.
    owners: Vec<Vec<u32>>,
    /// Patterns without a literal: their regex always runs.
    always: Vec<u32>,
    /// Every pattern of its signals, for the exhaustive reference search
    /// the tests compare the filter with.
    #[cfg(test)]
    every: Vec<u32>,
}

impl Prefilter {
    /// `lit_ids` gets, for each pattern of `signals`, its literals' ids.
    fn build(db: &Db, id: u8, signals: &[Signal], lit_ids: &mut [(u8, Vec<u32>)]) -> Self {
        let mut lits: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        #[cfg(test)]
        let mut every = Vec::new();
        for (i, p) in db.patterns.iter().enumerate() {
            if !signals.contains(&p.signal) {
                continue;
            }
            #[cfg(test)]
            every.push(i as u32);
            if p.literals.is_empty() {
                always.push(i as u32);
            }
            for lit in &p.literals {
                let at = *index.entry(lit.as_str()).or_insert_with(|| {
                    lits.push(lit.as_str());
                    owners.push(Vec::new());
                    owners.len() - 1
                });
                if let Some(o) = owners.get_mut(at) {
                    o.push(i as u32);
                }
                if let Some((by, ids)) = lit_ids.get_mut(i) {
                    *by = id;
                    ids.push(at as u32);
                }
            }
        }
        Self {
            id,
            grams: grams::Grams::new(&lits),
            owners,
            always,
            #[cfg(test)]
            every,
        }
    }

    /// Patterns whose literal occurs in `hay`, and those without one;
    /// sorted, each once. Where the literals occur is kept in `hay` for
    /// the windowed patterns, which then need neither a lower-cased copy
    /// nor a search of their own.
    fn candidates(&self, hay: &mut Hay<'_>, out: &mut Vec<u32>) {
        self.candidates_in(hay, None, out);
    }

    /// [`Self::candidates`] in `page`, whose bytes `hay` holds, a line at
    /// a time: lines that come back on a site's pages are passed over once
    /// per worker thread ([`Grams::for_each_occurrence_by_line`]).
    fn candidates_by_line(&self, page: &str, hay: &mut Hay<'_>, out: &mut Vec<u32>) {
        self.candidates_in(hay, Some(page), out);
    }

    fn candidates_in(&self, hay: &mut Hay<'_>, page: Option<&str>, out: &mut Vec<u32>) {
        #[cfg(test)]
        if EXHAUSTIVE.get() {
            out.extend_from_slice(&self.every);
            return;
        }
        out.extend_from_slice(&self.always);
        let mut found = Vec::new();
        let f = |l: usize, at: usize, first: bool| {
            found.push((l as u32, at));
            if first {
                out.extend(self.owners.get(l).into_iter().flatten());
            }
        };
        let complete = match page {
            Some(page) => LINE_MEMO.with_borrow_mut(|memo| {
                self.grams
                    .for_each_occurrence_by_line(page, MAX_RECORDED, memo, f)
            }),
            None => self.grams.for_each_occurrence(hay.bytes, MAX_RECORDED, f),
        };
        if complete {
            found.sort_unstable();
            hay.found = Some((self.id, found));
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Figures about the loaded database.
#[derive(Debug, Clone)]
pub struct DbStats {
    pub source: String,
    pub technologies: usize,
    pub categories: usize,
    pub patterns: usize,
    pub patterns_by_signal: BTreeMap<&'static str, usize>,
    /// Patterns left out when the database was built, by reason.
    pub skipped: BTreeMap<String, usize>,
    /// Patterns that failed to compile at run time so far.
    pub failed_at_run_time: usize,
    /// Decoding the database and building the prefilters.
    pub load_time: Duration,
}

/// Loads the database if not yet loaded, and describes it.
pub fn stats() -> DbStats {
    let e = &*ENGINE;
    let mut by_signal = BTreeMap::new();
    for p in &e.db.patterns {
        *by_signal.entry(p.signal.name()).or_default() += 1;
    }
    let mut skipped = BTreeMap::new();
    for s in &e.db.skipped {
        *skipped.entry(s.reason.clone()).or_default() += 1;
    }
    DbStats {
        source: e.db.source.clone(),
        technologies: e.db.techs.len(),
        categories: e.db.categories.len(),
        patterns: e.db.patterns.len(),
        patterns_by_signal: by_signal,
        skipped,
        failed_at_run_time: e.failed.load(Ordering::Relaxed),
        load_time: e.load_time,
    }
}

/// Loads the database now (the crawler calls this before its first page
/// so the cost is not in a page's time).
pub fn warm_up() {
    LazyLock::force(&ENGINE);
}

/// Starts loading the database on a thread of its own, once per process,
/// and returns at once. A scan starts with one core busy (the HTTP
/// client's TLS roots, the seed's fetch, the first page's pattern
/// compilation) and the other idle; the first detection that finds the
/// load unfinished waits for it on the `LazyLock`.
pub fn warm_up_in_background() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("tech-db".into())
            .spawn(warm_up);
        if spawned.is_err() {
            // No thread to be had: load now, as before.
            warm_up();
        }
    });
}

impl Engine {
    fn load() -> Engine {
        let started = Instant::now();
        let db: Db = match postcard::from_bytes(BLOB) {
            Ok(db) => db,
            Err(e) => {
                // Written by our own build script: cannot happen short of a
                // broken build; detection then finds nothing.
                tracing::error!(error = %e, "technology database does not decode");
                Db::default()
            }
        };
        let mut lit_ids = vec![(0, Vec::new()); db.patterns.len()];
        let url = Prefilter::build(&db, 0, &[Signal::Url], &mut lit_ids);
        let text = Prefilter::build(&db, 1, &[Signal::Text], &mut lit_ids);
        let scripts = Prefilter::build(&db, 2, &[Signal::Scripts], &mut lit_ids);
        let script_src = Prefilter::build(&db, 3, &[Signal::ScriptSrc], &mut lit_ids);
        let body = Prefilter::build(
            &db,
            4,
            &[Signal::Html, Signal::Css, Signal::Dom],
            &mut lit_ids,
        );
        let mut meta: HashMap<String, Vec<u32>> = HashMap::new();
        let mut headers: HashMap<String, Vec<u32>> = HashMap::new();
        let mut cookies: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, p) in db.patterns.iter().enumerate() {
            let map = match p.signal {
                Signal::Meta => &mut meta,
                Signal::Headers => &mut headers,
                Signal::Cookies => &mut cookies,
                _ => continue,
            };
            map.entry(p.key.clone()).or_default().push(i as u32);
        }
        let categories = db
            .categories
            .iter()
            .map(|c| (c.id, (c.name.clone(), c.priority)))
            .collect();
        // build.rs writes the technologies sorted by name.
        let sorted = db.techs.is_sorted_by(|a, b| a.name < b.name);
        let regexes = db.patterns.iter().map(|_| OnceLock::new()).collect();
        let mut engine = Engine {
            db,
            regexes,
            lit_ids,
            url,
            body,
            text,
            scripts,
            script_src,
            meta,
            headers,
            cookies,
            categories,
            sorted,
            load_time: Duration::ZERO,
            failed: AtomicUsize::new(0),
            compiled: AtomicUsize::new(0),
        };
        engine.load_time = started.elapsed();
        tracing::debug!(
            technologies = engine.db.techs.len(),
            patterns = engine.db.patterns.len(),
            ms = engine.load_time.as_secs_f64() * 1e3,
            "technology database loaded"
        );
        engine
    }

    fn pattern(&self, p: u32) -> Option<&Pattern> {
        self.db.patterns.get(p as usize)
    }

    /// The pattern's regex, compiled on first use; `None` if it does not
    /// compile (counted, never fatal).
    fn regex(&self, p: u32) -> Option<&Regex> {
        let pattern = self.pattern(p)?;
        self.regexes
            .get(p as usize)?
            .get_or_init(|| {
                self.compiled.fetch_add(1, Ordering::Relaxed);
                // What `regex::bytes::RegexBuilder` builds with Unicode off
                // and case folded, from the engine under it, whose searches
                // can be limited to a window that still sees the bytes
                // around it (for `^`, `$` and `\b`).
                match meta::Builder::new()
                    .configure(
                        meta::Config::new()
                            .match_kind(MatchKind::LeftmostFirst)
                            .utf8_empty(false)
                            .nfa_size_limit(Some(REGEX_SIZE_LIMIT)),
                    )
                    .syntax(
                        syntax::Config::new()
                            .unicode(false)
                            .utf8(false)
                            .case_insensitive(true),
                    )
                    .build(&pattern.regex)
                {
                    Ok(r) => Some(r),
                    Err(e) => {
                        self.failed.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(pattern = %pattern.regex, error = %e, "fingerprint pattern skipped");
                        None
                    }
                }
            })
            .as_ref()
    }

    /// Runs pattern `p` on `value`: `Some(version)` (maybe empty) on a match.
    fn test(&self, p: u32, value: &[u8]) -> Option<String> {
        self.test_in(p, value, std::iter::once(0..value.len()))
    }

    /// Runs pattern `p` on `hay`, only near its literal's occurrences when
    /// the pattern's matches reach a bounded distance around the literal:
    /// every match contains one, so it lies in the window around one, and
    /// the first window with a match holds the haystack's first match.
    fn test_near(&self, p: u32, hay: &Hay<'_>) -> Option<String> {
        match self.windows(p, hay) {
            Some(windows) => self.test_in(p, hay.bytes, windows.into_iter()),
            None => self.test(p, hay.bytes),
        }
    }

    /// The windows in which pattern `p`'s matches in `hay` lie, disjoint and
    /// in order; `None` when the whole haystack should be searched.
    fn windows(&self, p: u32, hay: &Hay<'_>) -> Option<Vec<Range<usize>>> {
        #[cfg(test)]
        if EXHAUSTIVE.get() {
            return None;
        }
        let pattern = self.pattern(p)?;
        if pattern.literals.is_empty() || (pattern.before.is_none() && pattern.after.is_none()) {
            return None;
        }
        let len = hay.bytes.len();
        let (before, after) = (
            self.stretches(pattern.before),
            self.stretches(pattern.after),
        );
        let mut found: Vec<Range<usize>> = Vec::new();
        let (filter, ids) = self.lit_ids.get(p as usize)?;
        for (k, lit) in pattern.literals.iter().enumerate() {
            let recorded = ids.get(k).and_then(|&id| hay.occurrences(*filter, id));
            let searched = match recorded {
                Some(_) => None,
                None => Some(memchr::memmem::find_iter(hay.lower(), lit.as_bytes())),
            };
            for at in recorded
                .into_iter()
                .flatten()
                .chain(searched.into_iter().flatten())
            {
                let from = before.map_or(0, |side| reach_back(hay.bytes, at, side));
                let to = after.map_or(len, |side| {
                    reach_on(hay.bytes, at.saturating_add(lit.len()), side)
                });
                found.push(from..to.min(len));
                if found.len() > MAX_WINDOWS * 4 {
                    return None;
                }
            }
        }
        found.sort_unstable_by_key(|w| w.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(found.len());
        for w in found {
            match merged.last_mut() {
                Some(last) if w.start < last.end => last.end = last.end.max(w.end),
                _ => merged.push(w),
            }
        }
        let covered: usize = merged.iter().map(ExactSizeIterator::len).sum();
        if merged.len() > MAX_WINDOWS || covered * 8 > len * WINDOW_SHARE_EIGHTHS {
            return None;
        }
        Some(merged)
    }

    /// A side's stretches; `None` for a side without a reach.
    fn stretches(&self, side: Option<Reach>) -> Option<&[Stretch]> {
        let r = side?;
        let from = usize::try_from(r.from).ok()?;
        let len = usize::try_from(r.len).ok()?;
        self.db.stretches.get(from..from.checked_add(len)?)
    }

    /// Runs pattern `p` on the `windows` of `hay`, in order, up to the
    /// first match; the regex sees the bytes around a window for its
    /// look-around (`^`, `$`, `\b`), so a match there is one in `hay`.
    fn test_in(
        &self,
        p: u32,
        hay: &[u8],
        mut windows: impl Iterator<Item = Range<usize>>,
    ) -> Option<String> {
        let pattern = self.pattern(p)?;
        if pattern.regex.is_empty() {
            // Wappalyzer's empty pattern matches anything, and a version
            // template such as `1` still applies.
            return Some(resolve_version(&pattern.version, &[Some(b"")]));
        }
        let re = self.regex(p)?;
        if pattern.version.is_empty() {
            return windows
                .any(|w| re.is_match(Input::new(hay).range(w)))
                .then(String::new);
        }
        let mut caps = re.create_captures();
        for w in windows {
            re.search_captures(&Input::new(hay).range(w), &mut caps);
            if caps.is_match() {
                let groups: Vec<Option<&[u8]>> = (0..caps.group_len())
                    .map(|i| caps.get_group(i).and_then(|s| hay.get(s.range())))
                    .collect();
                return Some(resolve_version(&pattern.version, &groups));
            }
        }
        None
    }

    /// Keyed patterns (meta, headers, cookies): a cheap literal check on the
    /// value before the regex is compiled or run.
    /// `bytes` is the value's [`ByteSet`].
    fn test_keyed(&self, p: u32, value: &str, bytes: &ByteSet) -> Option<String> {
        let pattern = self.pattern(p)?;
        #[cfg(test)]
        let exhaustive = EXHAUSTIVE.get();
        #[cfg(not(test))]
        let exhaustive = false;
        if !exhaustive
            && !pattern.literals.is_empty()
            && !pattern.literals.iter().any(|l| {
                l.len() <= value.len()
                    && bytes.has_all(l.as_bytes())
                    && contains_folded(value.as_bytes(), l.as_bytes())
            })
        {
            return None;
        }
        self.test(p, value.as_bytes())
    }
}

/// The bytes of a keyed value, ASCII lower-cased: a key such as `server`
/// has a hundred patterns, and most of their literals have a byte the
/// value does not, which this tells without a scan of the value per
/// literal.
struct ByteSet([u64; 4]);

impl ByteSet {
    fn of(value: &[u8]) -> Self {
        let mut set = [0u64; 4];
        for &b in value {
            let b = b.to_ascii_lowercase();
            if let Some(w) = set.get_mut(usize::from(b >> 6)) {
                *w |= 1 << (b & 63);
            }
        }
        Self(set)
    }

    /// Whether every byte of the lower-case `l` is in the set.
    fn has_all(&self, l: &[u8]) -> bool {
        l.iter().all(|&b| {
            self.0
                .get(usize::from(b >> 6))
                .is_some_and(|w| w & (1 << (b & 63)) != 0)
        })
    }
}

/// Whether the lower-case literal `l` occurs in `hay`, ASCII
/// case-insensitively. Keyed values are short (a header, a cookie, a meta
/// tag's content) and each is checked against dozens of literals: a plain
/// scan beats building a searcher or a lower-cased copy per value.
fn contains_folded(hay: &[u8], l: &[u8]) -> bool {
    let Some(&first) = l.first() else {
        return true;
    };
    hay.windows(l.len())
        .any(|w| w.first().map(u8::to_ascii_lowercase) == Some(first) && w.eq_ignore_ascii_case(l))
}

/// Where a match that has the literal ending at `at` can end at the
/// latest: each stretch ends within its length and before its first stop
/// byte.
fn reach_on(hay: &[u8], mut at: usize, side: &[Stretch]) -> usize {
    for st in side {
        let rest = hay.get(at..).unwrap_or_default();
        let by_stop = match st.stops {
            [0, ..] => None,
            [a, 0, _] => Some(memchr::memchr(a, rest).unwrap_or(rest.len())),
            [a, b, 0] => Some(memchr::memchr2(a, b, rest).unwrap_or(rest.len())),
            [a, b, c] => Some(memchr::memchr3(a, b, c, rest).unwrap_or(rest.len())),
        };
        let by_len = st.max.and_then(|m| usize::try_from(m).ok());
        match by_stop.into_iter().chain(by_len).min() {
            Some(n) => at = at.saturating_add(n),
            None => return hay.len(),
        }
    }
    at
}

/// Where a match that has the literal starting at `at` can start at the
/// earliest (see [`reach_on`]).
fn reach_back(hay: &[u8], mut at: usize, side: &[Stretch]) -> usize {
    for st in side {
        let before = hay.get(..at).unwrap_or_default();
        let by_stop = match st.stops {
            [0, ..] => None,
            [a, 0, _] => Some(memchr::memrchr(a, before).map_or(0, |i| i + 1)),
            [a, b, 0] => Some(memchr::memrchr2(a, b, before).map_or(0, |i| i + 1)),
            [a, b, c] => Some(memchr::memrchr3(a, b, c, before).map_or(0, |i| i + 1)),
        };
        let by_len = st
            .max
            .and_then(|m| usize::try_from(m).ok())
            .map(|m| at.saturating_sub(m));
        match by_stop.into_iter().chain(by_len).max() {
            Some(n) => at = n,
            None => return 0,
        }
    }
    at
}

/// `(lower-case name, value)` of each cookie the response sets.
fn cookies(page: &FetchedPage) -> Vec<(String, String)> {
    page.headers
        .iter()
        .filter(|(h, _)| h == "set-cookie")
        .filter_map(|(_, v)| {
            let pair = v.split(';').next()?;
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let mut name = name.trim().to_lowercase();
            // Google Analytics 4 names its cookie per property: Wappalyzer
            // writes it `_ga_*`.
            if name.starts_with("_ga_") && name.len() > 4 {
                name = "_ga_*".to_string();
            }
            (!name.is_empty()).then(|| (name, value.trim().to_string()))
        })
        .collect()
}

/// A script's `src` resolved against the page's URL, as `Url::join`
/// writes it. Most are a path from the root or an absolute URL that
/// parsing would leave as written; those are taken as they are (or put
/// after the page's origin), which spares a URL parse per script.
fn script_url<'s>(page: &url::Url, raw: &'s str) -> std::borrow::Cow<'s, str> {
    use std::borrow::Cow;
    let src = raw.trim();
    // Bytes the parser keeps as they are in a path and a query: not `\`,
    // which it reads as `/`, nor `#`, `'`, space and the like, which it
    // escapes, nor `%` (`%2e` is a dot); and no dot segments, which it
    // removes.
    let plain = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/?=&:;,+!$*@".contains(&b))
            && !s.contains("/.")
    };
    if let Some(rest) = src.strip_prefix('/')
        && !rest.starts_with('/')
        && plain(src)
        && page.has_host()
    {
        return Cow::Owned(format!("{}{src}", &page[..url::Position::BeforePath]));
    }
    for scheme in ["https://", "http://"] {
        let Some(rest) = src.strip_prefix(scheme) else {
            continue;
        };
        // A host of lower-case labels, the last one a name (not a number
        // the parser would rewrite as an IPv4 address), then a path.
        let Some((host, _)) = rest.split_once('/') else {
            break;
        };
        let last = host.rsplit('.').next().unwrap_or_default();
        if !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && last.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && !host.split('.').any(str::is_empty)
            && !host.contains("xn--")
            && plain(rest)
        {
            return Cow::Borrowed(src);
        }
        break;
    }
    match page.join(src) {
        Ok(u) => Cow::Owned(u.into()),
        Err(_) => Cow::Borrowed(raw),
    }
}

/// Technologies one page shows, sorted by name.
pub fn detect(page: &FetchedPage) -> Vec<Technology> {
    detect_with(&ENGINE, page)
}

fn detect_with(e: &Engine, page: &FetchedPage) -> Vec<Technology> {
    let scan = &page.scan;
    let mut hits = Hits::default();
    let mut cand = Vec::new();

    one_to_one(
        e,
        &e.url,
        page.url.as_str().as_bytes(),
        &mut hits,
        &mut cand,
    );
    one_to_one(e, &e.text, scan.text.as_bytes(), &mut hits, &mut cand);
    one_to_one(
        e,
        &e.scripts,
        scan.inline_script_sample.as_bytes(),
        &mut hits,
        &mut cand,
    );
    for src in &scan.script_srcs {
        if src.starts_with("data:") {
            continue;
        }
        // Wappalyzer sees the resolved URL.
        let src = script_url(&page.url, src);
        remembered(&["script\n", &src], &mut hits, e, |found| {
            found_in(e, &e.script_src, src.as_bytes(), &mut cand, found);
        });
    }

    // The raw page: HTML patterns now, CSS and DOM ones from its tokens.
    cand.clear();
    let mut body = Hay::new(page.body.as_bytes());
    e.body.candidates_by_line(&page.body, &mut body, &mut cand);
    let mut dom_patterns = Vec::new();
    let mut css_patterns = Vec::new();
    for &p in &cand {
        match e.pattern(p).map(|p| p.signal) {
            Some(Signal::Html) => {
                if let Some(v) = e.test_near(p, &body) {
                    hits.add(e, p, v);
                }
            }
            Some(Signal::Dom) => dom_patterns.push(p),
            Some(Signal::Css) => css_patterns.push(p),
            _ => {}
        }
    }
    if !dom_patterns.is_empty() || !css_patterns.is_empty() {
        dom_and_css(e, page, &dom_patterns, &css_patterns, &mut hits);
    }

    keyed(e, "meta\n", &e.meta, &scan.meta, &mut hits);
    keyed(e, "header\n", &e.headers, &page.headers, &mut hits);
    keyed(e, "cookie\n", &e.cookies, &cookies(page), &mut hits);

    resolve(e, hits)
}

/// Runs the candidates among `pre`'s patterns on one haystack.
fn one_to_one(e: &Engine, pre: &Prefilter, hay: &[u8], hits: &mut Hits, cand: &mut Vec<u32>) {
    let mut found = Vec::new();
    found_in(e, pre, hay, cand, &mut found);
    for (p, v) in found {
        hits.add(e, p, v);
    }
}

/// [`one_to_one`]'s (pattern, version) pairs, in its order.
fn found_in(e: &Engine, pre: &Prefilter, hay: &[u8], cand: &mut Vec<u32>, found: &mut PatternHits) {
    cand.clear();
    let mut hay = Hay::new(hay);
    pre.candidates(&mut hay, cand);
    for &p in cand.iter() {
        if let Some(v) = e.test_near(p, &hay) {
            found.push((p, v));
        }
    }
}

/// Runs the patterns filed under each (name, value)'s name; `kind` (a
/// word and a newline) tells the memo's keys of headers, cookies and meta
/// tags apart.
fn keyed(
    e: &Engine,
    kind: &str,
    map: &HashMap<String, Vec<u32>>,
    items: &[(String, String)],
    hits: &mut Hits,
) {
    for (name, value) in items {
        let Some(list) = map.get(name) else { continue };
        // Only names filed in the database reach here, and none holds a
        // newline: the first one in the key ends the name.
        remembered(&[kind, name, "\n", value], hits, e, |found| {
            let bytes = ByteSet::of(value.as_bytes());
            for &p in list {
                if let Some(v) = e.test_keyed(p, value, &bytes) {
                    found.push((p, v));
                }
            }
        });
    }
}

/// (pattern, version) pairs, in the order a haystack's patterns found them.
type PatternHits = Vec<(u32, String)>;

thread_local! {
    /// Where the raw-page filter's literals lie in each line of a page,
    /// per worker thread (only the raw page's filter uses it).
    static LINE_MEMO: std::cell::RefCell<Memo<grams::LineHits>> =
        std::cell::RefCell::new(Memo::with_max_key(
            crate::extract::memo::PAGE_LINES,
            crate::extract::memo::PAGE_LINE_BYTES,
        ));
    /// What a script URL, header, cookie or meta tag yielded, per worker
    /// thread: a site's pages load the same scripts and send the same
    /// headers and tags, and running their patterns again cost about 10 k
    /// instructions a script.
    static HITS_MEMO: std::cell::RefCell<(Memo<PatternHits>, String)> =
        std::cell::RefCell::new((Memo::new(crate::extract::memo::LINES), String::new()));
}

/// Adds to `hits` the (pattern, version) pairs `compute` finds, from the
/// memo when the key `parts` spell (a kind, then the text) was seen before.
fn remembered(parts: &[&str], hits: &mut Hits, e: &Engine, compute: impl FnOnce(&mut PatternHits)) {
    #[cfg(test)]
    if EXHAUSTIVE.get() {
        // The exhaustive comparison must run every pattern.
        let mut found = Vec::new();
        compute(&mut found);
        for (p, v) in found {
            hits.add(e, p, v);
        }
        return;
    }
    let found = HITS_MEMO.with(|m| {
        let (memo, key) = &mut *m.borrow_mut();
        key.clear();
        key.extend(parts.iter().copied());
        memo.get_or(key, || {
            let mut found = Vec::new();
            compute(&mut found);
            found
        })
    });
    for (p, v) in found {
        hits.add(e, p, v);
    }
}

/// `dom` selectors and `css` patterns whose literal occurs in the page.
fn dom_and_css(e: &Engine, page: &FetchedPage, dom: &[u32], css: &[u32], hits: &mut Hits) {
    // Each distinct selector once, with the parts its patterns ask for.
    let mut wanted: Vec<dom::Wanted<'_>> = Vec::new();
    let mut slot: HashMap<u32, usize> = HashMap::new();
    for &p in dom {
        let Some(test) = e.pattern(p).and_then(|p| p.dom.as_ref()) else {
            continue;
        };
        for &s in &test.selectors {
            let Some(selector) = e.db.selectors.get(s as usize) else {
                continue;
            };
            let at = *slot.entry(s).or_insert_with(|| {
                wanted.push(dom::Wanted {
                    selector,
                    text: false,
                    attributes: Vec::new(),
                });
                wanted.len() - 1
            });
            if let Some(w) = wanted.get_mut(at) {
                match &test.part {
                    DomPart::Exists => {}
                    DomPart::Text => w.text = true,
                    DomPart::Attribute(a) => w.attributes.push(a.as_str()),
                }
            }
        }
    }
    let facts = dom::evaluate(
        &page.body,
        page.scan.tokens.as_ref(),
        &wanted,
        !css.is_empty(),
    );
    for &p in dom {
        let Some(test) = e.pattern(p).and_then(|p| p.dom.as_ref()) else {
            continue;
        };
        for s in &test.selectors {
            let Some(answer) = slot.get(s).and_then(|&i| facts.answers.get(i)) else {
                continue;
            };
            if !answer.exists {
                continue;
            }
            let found = match &test.part {
                DomPart::Exists => e.test(p, b""),
                DomPart::Text => answer.texts.iter().find_map(|t| e.test(p, t.as_bytes())),
                DomPart::Attribute(a) => answer
                    .attributes
                    .iter()
                    .filter(|(n, _)| n == a)
                    .find_map(|(_, v)| e.test(p, v.as_bytes())),
            };
            if let Some(v) = found {
                hits.add(e, p, v);
                break;
            }
        }
    }
    if !facts.css.is_empty() {
        let hay = Hay::new(facts.css.as_bytes());
        for &p in css {
            if let Some(v) = e.test_near(p, &hay) {
                hits.add(e, p, v);
            }
        }
    }
}

/// The lower-cased literals of the raw page's filter (`html`, `css` and
/// `dom` patterns), for the extraction bench's comparison with an
/// Aho-Corasick automaton over the same literals.
#[doc(hidden)]
pub fn body_filter_literals() -> Vec<Vec<u8>> {
    ENGINE.body.grams.literals().to_vec()
}

/// Indices (into [`body_filter_literals`]) of the literals occurring in
/// `hay`, as the raw page's filter finds them, in the order found.
#[doc(hidden)]
pub fn body_filter_found(hay: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    ENGINE.body.grams.for_each(hay, |l| found.push(l));
    found
}

/// The technology names in the database (the overlay's included).
#[cfg(test)]
pub fn names() -> Vec<String> {
    ENGINE.db.techs.iter().map(|t| t.name.clone()).collect()
}

/// Whether the database knows a technology of this name.
pub fn knows(name: &str) -> bool {
    let techs = &ENGINE.db.techs;
    if ENGINE.sorted {
        techs
            .binary_search_by(|t| t.name.as_str().cmp(name))
            .is_ok()
    } else {
        techs.iter().any(|t| t.name == name)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tests_window;

#[cfg(test)]
mod tests_selector;
