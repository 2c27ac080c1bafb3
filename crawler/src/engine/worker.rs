//! One URL's work, on the worker side: robots.txt, pacing, the fetch, then
//! the streaming pass, extraction and link resolution on the blocking pool.
//! Workers share [`Shared`]; only the coordinator touches the crawl state.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;
use url::Url;

use super::EngineConfig;
use crate::extract::memo::Memo;
use crate::extract::{Extractor, PageEntities};
use crate::fetch::{FetchOutcome, Fetcher, HopCheck, HtmlBody};
use crate::frontier::QueuedUrl;
use crate::page::FetchedPage;
use crate::politeness::Politeness;
use crate::robots::{MAX_ROBOTS_BYTES, RobotsRules};
use crate::scope::{Scope, ScopeRefusal, ScopeStamp, Trap, Verdict, trap_reason, url_pattern};
use crate::skip::SkipReason;
use crate::url_norm::{dedup_key, resolution_base, resolve};

/// A link to queue, with its dedup key and trap pattern worked out on the
/// worker (both cores) so the coordinator never parses it again.
#[derive(Debug, Clone)]
pub(super) struct Link {
    /// Shared, as the key and pattern are, with the worker's memo: a menu
    /// link comes back on every page, and most links reach the crawl loop
    /// only to be found known.
    pub(super) url: Arc<str>,
    pub(super) key: Arc<str>,
    pub(super) pattern: Arc<str>,
    /// It names a company-fact page (ranked from the parsed path).
    pub(super) fact: bool,
}

/// A link's dedup key, trap pattern and whether it names a company-fact
/// page.
type LinkFacts = (Arc<str>, Arc<str>, bool);

thread_local! {
    /// Each link's dedup key, trap pattern and rank, by its URL: they
    /// depend on the URL alone, and a site's menu and footer links come
    /// back on every page (about 3 k instructions a link to work out
    /// again, a hash and a compare from the memo).
    static LINK_MEMO: std::cell::RefCell<Memo<LinkFacts>> =
        std::cell::RefCell::new(Memo::new(crate::extract::memo::LINKS));
}

/// A link's target as far as it depends on the page's base and the href
/// alone: the normalised URL, whether it looks like a trap, whether it names
/// a file rather than a page; and what the scope made of it.
struct Resolved {
    url: Url,
    trap: Option<Trap>,
    document: bool,
    /// The scope's verdict, and for a page of the site the link in the
    /// preferred form, with the stamp of the scope that judged: a memo hit
    /// then costs neither a judgement nor a second lookup for the link.
    judged: std::cell::RefCell<Option<(ScopeStamp, Judged)>>,
}

#[derive(Clone)]
struct Judged {
    verdict: Verdict,
    /// For a page in scope (`Internal`, not a document).
    link: Option<Link>,
}

impl Resolved {
    fn judge(&self, scope: &Scope) -> Judged {
        let stamp = scope.stamp();
        if let Some((judged_by, judged)) = &*self.judged.borrow()
            && *judged_by == stamp
        {
            return judged.clone();
        }
        let verdict = scope.classify_judged(&self.url, self.trap);
        let link = (verdict == Verdict::Internal && !self.document)
            .then(|| Link::new(scope.preferred_form(self.url.clone())));
        let judged = Judged { verdict, link };
        *self.judged.borrow_mut() = Some((stamp, judged.clone()));
        judged
    }
}

thread_local! {
    /// [`Resolved`] by the part of the base it depends on and the href: a
    /// site's menu and footer links come back on every page, and resolving,
    /// normalising and judging one costs about 4 k instructions.
    static RESOLVE_MEMO: std::cell::RefCell<(Memo<Option<Rc<Resolved>>>, String)> =
        std::cell::RefCell::new((Memo::new(crate::extract::memo::LINKS), String::new()));
}

fn resolve_link(base: &Url, href: &str) -> Option<Rc<Resolved>> {
    let compute = || {
        resolve(base, href).map(|url| {
            Rc::new(Resolved {
                trap: trap_reason(&url),
                document: crate::url_norm::non_page_extension(&url).is_some(),
                url,
                judged: std::cell::RefCell::new(None),
            })
        })
    };
    let Some(part) = resolution_base(base, href) else {
        return compute();
    };
    RESOLVE_MEMO.with(|cell| {
        let (memo, key) = &mut *cell.borrow_mut();
        // A URL never holds a raw newline, so the first one ends the base.
        key.clear();
        key.push_str(part);
        key.push('\n');
        key.push_str(href);
        memo.get_or(key, compute)
    })
}

impl Link {
    pub(super) fn new(url: Url) -> Self {
        let (key, pattern, fact) = LINK_MEMO.with(|memo| {
            memo.borrow_mut().get_or(url.as_str(), || {
                (
                    Arc::from(dedup_key(&url)),
                    Arc::from(url_pattern(&url)),
                    crate::frontier::is_company_fact_path(url.path()),
                )
            })
        });
        Self {
            key,
            pattern,
            fact,
            url: Arc::from(url.as_str()),
        }
    }
}

/// The links taken from one page: at most `max` distinct ones. Past that a
/// link to a company-fact page (imprint, contact, team) takes the place of
/// the newest other link taken; every link left out is counted.
#[derive(Debug)]
pub(super) struct LinkCap {
    max: usize,
    links: Vec<Link>,
    /// foldhash rather than SipHash: it runs for every link of every page.
    /// Its seed is random per process, so a page cannot choose colliding
    /// keys ahead of time.
    keys: HashSet<Arc<str>, foldhash::fast::RandomState>,
    /// Indices in `links` of links to other pages, oldest first.
    others: Vec<usize>,
    dropped: u64,
}

impl LinkCap {
    pub(super) fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            links: Vec::new(),
            // A typical page's links without regrowing.
            keys: HashSet::with_capacity_and_hasher(
                max.clamp(1, 128),
                foldhash::fast::RandomState::default(),
            ),
            others: Vec::new(),
            dropped: 0,
        }
    }

    pub(super) fn offer(&mut self, link: Link) {
        let fact = link.fact;
        if self.links.len() < self.max {
            // One hash and probe for a new link as for a repeated one.
            if !self.keys.insert(link.key.clone()) {
                return;
            }
            if !fact {
                self.others.push(self.links.len());
            }
            self.links.push(link);
            return;
        }
        if self.keys.contains(&link.key) {
            return;
        }
        self.dropped += 1;
        if fact && let Some(i) = self.others.pop() {
            self.keys.insert(link.key.clone());
            let out = std::mem::replace(&mut self.links[i], link);
            self.keys.remove(&out.key);
        }
    }

    /// The links taken, in page order except for replacements, and how
    /// many were left out.
    pub(super) fn finish(self) -> (Vec<Link>, u64) {
        (self.links, self.dropped)
    }
}

/// What a worker hands back for one URL.
#[derive(Debug)]
pub(super) enum PageResult {
    Fetched {
        final_key: String,
        canonical_key: Option<String>,
        internal: Vec<Link>,
        external: Vec<String>,
        /// In-scope links to files that are not pages (PDFs, images).
        documents: Vec<String>,
        /// The page has no link at all, only scripts (an app shell).
        app_shell: bool,
        /// The page asked crawlers not to follow its links (robots
        /// `nofollow`), and they were not.
        nofollow: bool,
        entities: Option<Box<PageEntities>>,
        /// Links left out for `maxLinksPerPage` (in-scope, external and
        /// document links past the cap).
        links_dropped: u64,
        /// The seed's page sends the visitor to another domain (a refresh,
        /// a script): where.
        redirects_to: Option<String>,
        /// The seed's page, with no link of its own, sends the visitor on
        /// within the site: where (queued at the seed's depth).
        seed_moves_to: Option<Link>,
    },
    /// A redirect left the scope.
    RedirectedOut { target: String },
    /// No page, and why. `final_key` is the URL that answered, if one did.
    Skipped {
        final_key: Option<String>,
        reason: SkipReason,
    },
}

impl PageResult {
    fn skipped(reason: SkipReason) -> Self {
        PageResult::Skipped {
            final_key: None,
            reason,
        }
    }
}

/// Attempts at an unavailable robots.txt before the host counts as
/// disallowed.
const ROBOTS_ATTEMPTS: u32 = 3;

pub(super) struct Shared {
    pub(super) cfg: EngineConfig,
    pub(super) fetcher: Fetcher,
    pub(super) scope: Scope,
    pub(super) extractor: Extractor,
    pub(super) politeness: Arc<Politeness>,
    pub(super) robots: Mutex<HashMap<String, Arc<OnceCell<Arc<RobotsRules>>>>>,
    /// Hosts whose robots.txt asked for a longer `Crawl-delay` than the
    /// crawler honours, with the delays asked and used (seconds), not yet
    /// taken into the crawl state.
    pub(super) capped_delays: Mutex<Vec<(String, (f64, f64))>>,
    /// The product token robots rules name this crawler by.
    pub(super) robots_agent: String,
}

impl Shared {
    pub(super) async fn robots_for(&self, url: &Url) -> Arc<RobotsRules> {
        let origin = url.origin().ascii_serialization();
        let cell = {
            let mut map = self.robots.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(map.entry(origin.clone()).or_default())
        };
        Arc::clone(
            cell.get_or_init(|| async {
                let rules = match Url::parse(&format!("{origin}/robots.txt")) {
                    Ok(robots_url) => self.fetch_robots(&origin, &robots_url).await,
                    Err(_) => RobotsRules::AllowAll,
                };
                tracing::debug!(%origin, ?rules, "robots.txt");
                if let (Some(asked), Some(host)) = (rules.crawl_delay(), url.host_str()) {
                    self.note_crawl_delay(host, asked);
                }
                Arc::new(rules)
            })
            .await,
        )
    }

    /// Paces `host` by its robots.txt `Crawl-delay`; one longer than
    /// `max_crawl_delay` is cut to it, logged at warn and noted for the
    /// report's warnings.
    fn note_crawl_delay(&self, host: &str, asked: f64) {
        let used = self.politeness.set_crawl_delay(host, asked);
        if asked > used.as_secs_f64() {
            tracing::warn!(
                host,
                asked_s = asked,
                used_s = used.as_secs_f64(),
                "robots.txt asks for a Crawl-delay that would stall the scan; the host is paced at the longest delay the crawler honours"
            );
            self.capped_delays
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((host.to_string(), (asked, used.as_secs_f64())));
        }
    }

    /// Reads robots.txt. A server error, 429 or no answer is tried again
    /// (with backoff) before the host is treated as disallowed, as RFC 9309
    /// §2.3.1.4 asks; that outcome is logged at warn.
    async fn fetch_robots(&self, origin: &str, robots_url: &Url) -> RobotsRules {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let got = self
                .fetcher
                .fetch_raw(robots_url, MAX_ROBOTS_BYTES as u64)
                .await;
            // Only answers that leave the rules unknown (5xx, 429) are
            // tried again here; a failed request was retried by the fetcher
            // already, and a refused address stays refused.
            let unavailable = match &got {
                Ok((status, _)) => RobotsRules::is_unavailable_status(*status),
                Err(_) => false,
            };
            if unavailable && attempt < ROBOTS_ATTEMPTS {
                let backoff = self.cfg.fetch.backoff_base * 2u32.saturating_pow(attempt);
                tracing::debug!(%origin, attempt, "robots.txt unavailable; trying again");
                tokio::time::sleep(backoff).await;
                continue;
            }
            let rules = match got {
                Ok((status, body)) => {
                    RobotsRules::from_response(&self.cfg.crawl.user_agent, status, &body)
                }
                Err(reason) => RobotsRules::Unreachable(reason),
            };
            match &rules {
                RobotsRules::DisallowAll { reason } => {
                    tracing::warn!(%origin, attempts = attempt, %reason, "robots.txt unavailable; the host is treated as disallowed (RFC 9309)");
                }
                RobotsRules::Unreachable(reason) => {
                    tracing::warn!(%origin, attempts = attempt, %reason, "robots.txt unreachable; the host is treated as disallowed");
                }
                _ => {}
            }
            return rules;
        }
    }

    /// Whether the current spec's scope takes a URL to fetch: every queued
    /// URL is judged again right before its fetch, whatever queued it.
    pub(super) fn in_scope(&self, url: &Url) -> Result<(), ScopeRefusal> {
        if *url == self.cfg.seed {
            return Ok(());
        }
        match self.scope.classify(url) {
            Verdict::Internal => Ok(()),
            Verdict::External if self.cfg.crawl.follow_external_links => Ok(()),
            Verdict::External => Err(ScopeRefusal::OutsideDomains),
            Verdict::Refused(refusal) => Err(refusal),
        }
    }

    pub(super) async fn work(self: Arc<Self>, item: QueuedUrl) -> PageResult {
        let Ok(url) = Url::parse(&item.url) else {
            return PageResult::skipped(SkipReason::UnparsableUrl);
        };
        if let Err(refusal) = self.in_scope(&url) {
            // Links are judged before they are queued, so this is a URL
            // from a checkpoint written under an older, wider spec.
            tracing::warn!(url = %item.url, %refusal, "a queued URL is outside the scan's scope; not fetched");
            return PageResult::skipped(SkipReason::Scope {
                url: Box::new(url),
                refusal,
            });
        }
        if self.cfg.crawl.respect_robots_txt {
            let rules = self.robots_for(&url).await;
            if !rules.allowed(url.as_str()) {
                return PageResult::skipped(robots_refusal(&rules));
            }
        }
        // The fetcher waits on the host's politeness limiter before each
        // request it sends.
        let outcome = self
            .fetcher
            .fetch_page(
                &url,
                &self.scope,
                self.cfg.crawl.follow_external_links,
                self.as_ref(),
            )
            .await;
        match outcome {
            FetchOutcome::Html(body) => {
                let shared = Arc::clone(&self);
                let depth = item.depth;
                tokio::task::spawn_blocking(move || shared.process(body, depth))
                    .await
                    .unwrap_or_else(|e| {
                        PageResult::skipped(SkipReason::Internal {
                            detail: format!("processing the page failed: {e}"),
                        })
                    })
            }
            FetchOutcome::Answered { final_url, reason } => PageResult::Skipped {
                final_key: Some(dedup_key(&final_url)),
                reason,
            },
            FetchOutcome::RedirectedOut { target, .. } => PageResult::RedirectedOut {
                target: target.to_string(),
            },
            FetchOutcome::NotFetched(reason) => PageResult::skipped(reason),
        }
    }

    /// The CPU side of a page: streaming pass, extraction, link resolution.
    fn process(&self, body: HtmlBody, depth: u32) -> PageResult {
        let scan = crate::html::scan_html(&body.body);
        let base = scan
            .base_href
            .as_deref()
            .and_then(|b| body.final_url.join(b).ok())
            .unwrap_or_else(|| body.final_url.clone());
        // A bot defence's challenge served as a page (often with 200) is
        // no page of the site, like one its headers name.
        if let Some(by) = crate::fetch::challenge_page(&body.body, &scan.text, || {
            scan.links.iter().any(|l| {
                resolve(&base, &l.href).is_some_and(|u| {
                    u.host_str() == body.final_url.host_str() && u.path() != body.final_url.path()
                })
            })
        }) {
            return PageResult::Skipped {
                final_key: Some(dedup_key(&body.final_url)),
                reason: SkipReason::BotChallenge {
                    status: body.status,
                    by,
                },
            };
        }
        let external_page = self.scope.classify(&body.final_url) == Verdict::External;
        // A hostile page may hold hundreds of thousands of links: only
        // `maxLinksPerPage` of each kind are taken.
        let max_links = self.cfg.crawl.max_links_per_page.max(1) as usize;
        let mut internal = LinkCap::new(max_links);
        let mut external = Vec::new();
        let mut other_dropped = 0u64;
        // A page's `nofollow` (meta tag or `X-Robots-Tag`) is honoured as
        // robots.txt is; `noindex` is for search indexes and changes nothing.
        let nofollow = self.cfg.crawl.respect_robots_txt
            && crate::robots::PageDirectives::of_page(
                scan.meta.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                body.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                &self.robots_agent,
            )
            .nofollow;
        let follow = !nofollow && !external_page;
        // `<meta http-equiv=refresh>` and the HTTP `Refresh` header it
        // stands for: browsers follow both.
        let refresh = scan
            .meta
            .iter()
            .filter(|(key, _)| key == "refresh")
            .chain(
                body.headers
                    .iter()
                    .filter(|(key, _)| key.eq_ignore_ascii_case("refresh")),
            )
            .filter_map(|(_, content)| crate::html::meta_refresh_target(content))
            .collect::<Vec<_>>();
        // A script that sends the visitor on (`location.href = "/de/"`):
        // pages of the site only, as a script names many addresses.
        let scripted = crate::html::script_redirect_targets(&scan.inline_script_sample);
        let mut redirects_to = None;
        let mut seed_moves_to = None;
        if depth == 0 && !external_page {
            // The seed's page shows which form of its host the site uses.
            self.scope.prefer_form_of(&body.final_url);
            // Where the page sends the visitor: its refresh, then what its
            // scripts and handlers name.
            let moves: Vec<(Url, bool)> = refresh
                .iter()
                .map(|t| (*t, true))
                .chain(scripted.iter().map(|t| (*t, false)))
                .chain(scan.script_links.iter().map(|t| (t.as_str(), false)))
                .filter_map(|(t, refresh)| resolve(&base, t).map(|u| (u, refresh)))
                .collect();
            // A stub: no link of its own but to where it sends the visitor
            // ("not redirected? click here").
            let stub = !moves.is_empty()
                && scan.links.iter().all(|l| {
                    resolve(&base, &l.href).is_none_or(|u| moves.iter().any(|(m, _)| *m == u))
                });
            // A seed page that sends the visitor to another domain, by a
            // refresh or (a stub) by script, is a redirect there as an
            // HTTP one is: a brand domain parked on the group's site.
            redirects_to = moves
                .iter()
                .filter(|(_, refresh)| *refresh || stub)
                .find(|(u, _)| self.scope.classify(u) == Verdict::External)
                .map(|(u, _)| u.to_string());
            // A stub that sends the visitor on within the site (a language
            // splash: `/` -> `/de/`) is a redirect too: its target is the
            // seed's page, at the seed's depth, as after an HTTP redirect.
            if stub && redirects_to.is_none() {
                seed_moves_to = moves
                    .into_iter()
                    .map(|(u, _)| u)
                    .find(|u| {
                        self.scope.classify(u) == Verdict::Internal
                            && crate::url_norm::non_page_extension(u).is_none()
                    })
                    .map(|u| Link::new(self.scope.preferred_form(u)));
            }
        }
        let embedded = crate::html::embedded_urls(&scan);
        // `Link` response headers stand for `<link>` elements.
        let link_headers = body
            .headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case("link"))
            .flat_map(|(_, value)| crate::html::link_header_targets(value));
        // Markup resolves against the page's base (`<base href>`); a
        // `Link` header against the URL that answered (RFC 8288 §3.2), as
        // it is no part of the document.
        let hrefs = scan
            .links
            .iter()
            .map(|l| l.href.as_str())
            .chain(refresh.iter().copied())
            .chain(scan.more_links.iter().map(String::as_str))
            .map(|h| (h, false, &base))
            .chain(link_headers.map(|h| (h, false, &body.final_url)))
            .chain(embedded.iter().map(|h| (h.as_str(), true, &base)))
            .chain(scripted.iter().map(|h| (*h, true, &base)))
            .chain(scan.script_links.iter().map(|h| (h.as_str(), true, &base)))
            // A frame of the site is a page of it; one from elsewhere is an
            // embed (a video, a map, a tag manager), not a link.
            .chain(scan.frame_srcs.iter().map(|h| (h.as_str(), true, &base)));
        let mut documents = Vec::new();
        for (href, only_internal, base) in hrefs {
            let Some(resolved) = resolve_link(base, href) else {
                continue;
            };
            let Judged { verdict, link } = resolved.judge(&self.scope);
            let u = &resolved.url;
            match verdict {
                Verdict::Internal if resolved.document => {
                    if documents.len() < max_links {
                        documents.push(u.to_string());
                    } else {
                        other_dropped += 1;
                    }
                }
                Verdict::Internal if follow => {
                    if let Some(link) = link {
                        internal.offer(link);
                    }
                }
                // Script data and frames name addresses of the site
                // itself; other URLs in them (images, partners, embedded
                // videos and maps) are not links.
                Verdict::External if only_internal => {}
                // Where the seed sends its visitors is the site, once
                // adopted (the coordinator records it as external if not).
                Verdict::External if redirects_to.as_deref() == Some(u.as_str()) => {}
                Verdict::External => {
                    if follow && self.cfg.crawl.follow_external_links {
                        internal.offer(Link::new(u.clone()));
                    }
                    if external.len() < max_links {
                        external.push(u.to_string());
                    } else {
                        other_dropped += 1;
                    }
                }
                _ => {}
            }
        }
        // A canonical URL is taken as this page only when it differs from
        // it in the query alone (`/team?ref=nav` -> `/team`): canonicals
        // copied by templates or plugins often name another page (every
        // page -> the home page, `/` -> `/de/`, `/team` -> `/about`), and
        // trusting those would leave that page unfetched.
        let canonical_key = scan
            .canonical
            .as_deref()
            .and_then(|c| resolve(&base, c))
            .filter(|c| self.scope.classify(c) == Verdict::Internal)
            .filter(|c| same_page_but_query(c, &body.final_url))
            .map(|c| dedup_key(&c));
        let (internal, internal_dropped) = internal.finish();
        let final_key = dedup_key(&body.final_url);
        // A page whose script only sends the visitor on is a redirect, not
        // an app that renders its content.
        let app_shell = scan.links.is_empty()
            && scan.more_links.is_empty()
            && scan.frame_srcs.is_empty()
            && scan.script_links.is_empty()
            && scripted.is_empty()
            && (!scan.script_srcs.is_empty() || !scan.inline_script_sample.is_empty());
        let entities = if external_page {
            None
        } else {
            let page = FetchedPage {
                url: body.final_url,
                depth,
                status: body.status,
                content_type: body.content_type,
                headers: body.headers,
                body: body.body,
                scan,
            };
            // A page at the seed's depth runs alone: every other page waits
            // for its links, so the other cores are idle, and its extraction
            // compiles most of the patterns (tens of milliseconds).
            Some(Box::new(if depth == 0 {
                self.extractor.extract_on_two_threads(&page)
            } else {
                self.extractor.extract(&page)
            }))
        };
        PageResult::Fetched {
            final_key,
            canonical_key,
            internal,
            external,
            documents,
            app_shell,
            nofollow: nofollow && !external_page,
            entities,
            links_dropped: internal_dropped + other_dropped,
            redirects_to,
            seed_moves_to,
        }
    }
}

/// Whether two URLs name one page up to their queries (and what dedup keys
/// ignore: scheme, `www.`, a trailing slash).
fn same_page_but_query(a: &Url, b: &Url) -> bool {
    let without_query = |u: &Url| {
        let mut u = u.clone();
        u.set_query(None);
        dedup_key(&u)
    };
    without_query(a) == without_query(b)
}

/// Why robots.txt keeps a URL from being fetched.
fn robots_refusal(rules: &RobotsRules) -> SkipReason {
    match rules {
        RobotsRules::DisallowAll { reason } => SkipReason::RobotsUnavailable {
            detail: reason.clone(),
        },
        // The reason robots.txt could not be read is the reason the page
        // cannot be: it decides whether a seed leaves the site unreachable.
        RobotsRules::Unreachable(reason) => reason.clone(),
        _ => SkipReason::RobotsDisallowed,
    }
}

/// Each redirect's target is judged by robots.txt of its host, as the URL
/// a link names is.
impl HopCheck for Shared {
    async fn check(&self, url: &Url) -> Result<(), SkipReason> {
        if !self.cfg.crawl.respect_robots_txt {
            return Ok(());
        }
        let rules = self.robots_for(url).await;
        if rules.allowed(url.as_str()) {
            Ok(())
        } else {
            Err(robots_refusal(&rules))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(path: &str) -> Link {
        Link::new(Url::parse(&format!("https://a.test{path}")).unwrap())
    }

    /// A link seen again (from the memo) carries what working it out
    /// gives, for links that differ only where the key or rank would.
    #[test]
    fn links_from_the_memo_are_worked_out_alike() {
        let paths = [
            "/impressum",
            "/Impressum",
            "/products/page-3.html",
            "/team?ref=nav",
            "/team#x",
        ];
        for round in 0..4 {
            for path in paths {
                let url = Url::parse(&format!("https://a.test{path}")).unwrap();
                let got = Link::new(url.clone());
                assert_eq!(*got.key, dedup_key(&url), "{path} round {round}");
                assert_eq!(*got.pattern, url_pattern(&url), "{path} round {round}");
                assert_eq!(
                    got.fact,
                    crate::frontier::is_company_fact_path(url.path()),
                    "{path} round {round}"
                );
                assert_eq!(&*got.url, url.as_str());
            }
        }
    }

    /// A remembered verdict holds only for the scope that gave it, in the
    /// state it gave it in: adopting a domain or learning the preferred
    /// form of the host judges the link again.
    #[test]
    fn a_remembered_verdict_is_judged_again_when_the_scope_changes() {
        let resolved = Resolved {
            url: Url::parse("http://www.acme.test/team").unwrap(),
            trap: None,
            document: false,
            judged: std::cell::RefCell::new(None),
        };
        let url_of = |j: &Judged| j.link.as_ref().map(|l| l.url.to_string());

        let scope = Scope::new(&Url::parse("https://acme.test/").unwrap(), &[], &[], &[]).unwrap();
        let first = resolved.judge(&scope);
        assert_eq!(first.verdict, Verdict::Internal);
        assert_eq!(url_of(&first).as_deref(), Some("http://www.acme.test/team"));
        assert_eq!(url_of(&resolved.judge(&scope)), url_of(&first));
        scope.prefer_form_of(&Url::parse("https://acme.test/").unwrap());
        assert_eq!(
            url_of(&resolved.judge(&scope)).as_deref(),
            Some("https://acme.test/team")
        );

        let elsewhere =
            Scope::new(&Url::parse("https://brand.test/").unwrap(), &[], &[], &[]).unwrap();
        let judged = resolved.judge(&elsewhere);
        assert_eq!(judged.verdict, Verdict::External);
        assert!(judged.link.is_none());
        // A clone is another scope: what it adopts is its own.
        let clone = elsewhere.clone();
        assert!(
            clone
                .adopt_redirect_target(&Url::parse("https://acme.test/").unwrap())
                .is_some()
        );
        assert_eq!(resolved.judge(&clone).verdict, Verdict::Internal);
        assert_eq!(resolved.judge(&elsewhere).verdict, Verdict::External);
    }

    fn paths(links: &[Link]) -> Vec<String> {
        links
            .iter()
            .map(|l| Url::parse(&l.url).unwrap().path().to_string())
            .collect()
    }

    #[test]
    fn a_page_gives_at_most_max_distinct_links_fact_pages_first() {
        let mut cap = LinkCap::new(3);
        for p in [
            "/a",
            "/b",
            "/a",
            "/c",
            "/d",
            "/impressum",
            "/e",
            "/kontakt",
            "/team",
            "/about",
        ] {
            cap.offer(link(p));
        }
        let (links, dropped) = cap.finish();
        // /d and /e are left out; /impressum, /kontakt and /team take the
        // places of /c, /b and /a, newest first; /about finds no other
        // link left to replace.
        assert_eq!(paths(&links), ["/team", "/kontakt", "/impressum"]);
        assert_eq!(dropped, 6);
    }

    #[test]
    fn duplicates_are_taken_once_and_not_counted() {
        let mut cap = LinkCap::new(2);
        for p in ["/a", "/b", "/a", "/b", "/a"] {
            cap.offer(link(p));
        }
        let (links, dropped) = cap.finish();
        assert_eq!(paths(&links), ["/a", "/b"]);
        assert_eq!(dropped, 0);
    }
}
