//! What the crawl may fetch: the seed's registrable domain and its
//! subdomains, `allowedDomains`, include/exclude patterns, and the
//! crawler-trap defences (repeated path segments, growing queries, long URLs,
//! per-pattern page budgets).

use std::collections::HashMap;

use regex::RegexSet;
use url::Url;

use crate::error::{Error, Result};

/// Longest URL followed; longer ones are almost always generated traps.
pub const MAX_URL_LEN: usize = 2048;
/// Longest query string followed.
const MAX_QUERY_LEN: usize = 1024;
/// Most query parameters followed.
const MAX_QUERY_PARAMS: usize = 24;
/// A path segment (or query name) repeated more often than this is a loop.
const MAX_REPEATS: usize = 3;

/// Where a URL stands relative to the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// In scope: fetch it.
    Internal,
    /// Outside the scope's hosts: record it, follow only if asked.
    External,
    /// In scope by host but refused, with the reason.
    Refused(ScopeRefusal),
}

/// Why a URL is not fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeRefusal {
    /// Its host is outside the scan's domains and external links are not
    /// followed (a queued URL the current spec no longer covers).
    OutsideDomains,
    NoHost,
    Trap(Trap),
    /// It matches one of `excludePatterns`.
    Excluded,
    /// `includePatterns` are set and it matches none of them.
    NotIncluded,
}

impl std::fmt::Display for ScopeRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScopeRefusal::OutsideDomains => f.write_str("outside the scan's domains"),
            ScopeRefusal::NoHost => f.write_str("no host"),
            ScopeRefusal::Trap(trap) => write!(f, "{trap}"),
            ScopeRefusal::Excluded => f.write_str("matches an exclude pattern"),
            ScopeRefusal::NotIncluded => f.write_str("matches no include pattern"),
        }
    }
}

/// What makes a URL look like a crawler trap, judged on the URL alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trap {
    UrlTooLong,
    RepeatedSegment,
    QueryTooLong,
    RepeatedParameter,
    TooManyParameters,
    /// A link that acts instead of showing a page (log out, add to cart,
    /// check out, reply to a comment, share) or a machine endpoint (feeds,
    /// the WordPress REST API and login): fetching it changes state or
    /// yields no page of the site.
    Action,
}

impl std::fmt::Display for Trap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Trap::UrlTooLong => "URL too long",
            Trap::RepeatedSegment => "path segment repeated",
            Trap::QueryTooLong => "query string too long",
            Trap::RepeatedParameter => "query parameter repeated",
            Trap::TooManyParameters => "too many query parameters",
            Trap::Action => "an action or machine endpoint, not a page",
        })
    }
}

#[derive(Debug, Clone)]
enum DomainRule {
    /// The host itself and its subdomains.
    Suffix(String),
    /// Subdomains only (`*.example.com`).
    SubdomainsOf(String),
}

impl DomainRule {
    fn matches(&self, host: &str) -> bool {
        match self {
            DomainRule::Suffix(d) => host == d || is_subdomain(host, d),
            DomainRule::SubdomainsOf(d) => is_subdomain(host, d),
        }
    }
}

/// A host without a leading `www.` (when something with a dot is left).
fn without_www(host: &str) -> &str {
    match host.strip_prefix("www.") {
        Some(apex) if apex.contains('.') => apex,
        _ => host,
    }
}

fn is_subdomain(host: &str, domain: &str) -> bool {
    host.len() > domain.len()
        && host.ends_with(domain)
        && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
}

/// The registrable domain of a host (`www.acme.co.uk` -> `acme.co.uk`); IP
/// addresses and single labels are their own domain.
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') || !host.contains('.') {
        return host;
    }
    psl::domain_str(&host).unwrap_or(&host).to_string()
}

/// The scan's scope.
#[derive(Debug)]
pub struct Scope {
    /// Tells this scope apart from any other in the process (a clone
    /// included: its set-once parts may be set differently later).
    id: u64,
    seed_key: String,
    /// The seed's port when it is not the scheme's default.
    seed_port: Option<u16>,
    rules: Vec<DomainRule>,
    /// The registrable domain the seed redirected to, when that is another
    /// one (`acme.com` -> `acme-group.com`), with the target's port when it
    /// is not the default: set once, read lock-free.
    adopted: std::sync::OnceLock<(String, Option<u16>)>,
    /// The scheme and host the seed's page was served from, after its
    /// redirects: links to the other http/https and www/apex forms of that
    /// host are fetched in this form.
    preferred: std::sync::OnceLock<(String, String)>,
    include: RegexSet,
    exclude: RegexSet,
}

/// Equal stamps judge every URL alike: [`Scope::stamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeStamp {
    id: u64,
    adopted: bool,
    preferred: bool,
}

fn next_scope_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Clone for Scope {
    fn clone(&self) -> Self {
        Self {
            id: next_scope_id(),
            seed_key: self.seed_key.clone(),
            seed_port: self.seed_port,
            rules: self.rules.clone(),
            adopted: self.adopted.clone(),
            preferred: self.preferred.clone(),
            include: self.include.clone(),
            exclude: self.exclude.clone(),
        }
    }
}

impl Scope {
    /// What [`Scope::classify_judged`] and [`Scope::preferred_form`] depend
    /// on besides the URL: which scope, and whether its two set-once parts
    /// (the adopted domain, the preferred form) are set. A worker may keep
    /// a link's verdict for as long as the stamp stays the same.
    pub fn stamp(&self) -> ScopeStamp {
        ScopeStamp {
            id: self.id,
            adopted: self.adopted.get().is_some(),
            preferred: self.preferred.get().is_some(),
        }
    }

    pub fn new(
        seed: &Url,
        allowed_domains: &[String],
        include: &[String],
        exclude: &[String],
    ) -> Result<Self> {
        let host = seed.host_str().ok_or_else(|| Error::InvalidSeed {
            url: seed.to_string(),
            reason: "it has no host".into(),
        })?;
        let mut rules = vec![DomainRule::Suffix(registrable_domain(host))];
        for d in allowed_domains {
            let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
            match d.strip_prefix("*.") {
                Some(rest) => rules.push(DomainRule::SubdomainsOf(rest.to_string())),
                None => rules.push(DomainRule::Suffix(d)),
            }
        }
        Ok(Self {
            id: next_scope_id(),
            seed_key: crate::url_norm::dedup_key(seed),
            seed_port: seed.port(),
            rules,
            adopted: std::sync::OnceLock::new(),
            preferred: std::sync::OnceLock::new(),
            include: regex_set("include", include)?,
            exclude: regex_set("exclude", exclude)?,
        })
    }

    /// True if `host` is one of the scan's hosts.
    pub fn host_in_scope(&self, host: &str) -> bool {
        // `url` already lower-cases the hosts of http(s) URLs: copy only when
        // there is something to lower.
        let host: std::borrow::Cow<'_, str> = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            host.to_ascii_lowercase().into()
        } else {
            host.into()
        };
        let host = host.as_ref();
        self.rules.iter().any(|r| r.matches(host))
            || self
                .adopted
                .get()
                .is_some_and(|(d, _)| host == d || is_subdomain(host, d))
    }

    /// True if a URL on a non-default `port` belongs to the site: only the
    /// seed's port (or the one the seed redirected to) does. Another port on
    /// the same host is another server (an admin console, a dev server).
    fn port_in_scope(&self, port: Option<u16>) -> bool {
        port.is_none()
            || port == self.seed_port
            || self.adopted.get().is_some_and(|(_, p)| port == *p)
    }

    /// Takes the registrable domain of `target` into the scope: the seed
    /// redirected there, so that is where the company's site lives. Only
    /// the first adoption counts; returns the domain when it was new.
    pub fn adopt_redirect_target(&self, target: &Url) -> Option<String> {
        let host = target.host_str()?;
        if self.host_in_scope(host) && self.port_in_scope(target.port()) {
            return None;
        }
        let domain = registrable_domain(&host.to_ascii_lowercase());
        self.adopt_origin(&domain, target.port()).then_some(domain)
    }

    /// Takes `domain` (and its subdomains) into the scope, as restored from
    /// a checkpoint; false when a domain was adopted already.
    pub fn adopt_domain(&self, domain: &str) -> bool {
        self.adopt_origin(domain, None)
    }

    /// Takes `domain` and its subdomains on `port` (`None`: the default
    /// ports) into the scope; false when a domain was adopted already.
    pub fn adopt_origin(&self, domain: &str, port: Option<u16>) -> bool {
        self.adopted.set((domain.to_string(), port)).is_ok()
    }

    /// Takes the scheme and host of the seed's page (its final URL) as the
    /// form links to the same host are fetched in; only the first counts.
    pub fn prefer_form_of(&self, seed_page: &Url) {
        if seed_page.port().is_none()
            && let Some(host) = seed_page.host_str()
        {
            let _ = self
                .preferred
                .set((seed_page.scheme().to_string(), host.to_string()));
        }
    }

    /// `url` in the preferred form when it is another form (http/https,
    /// www/apex) of the preferred host on a default port: a site serves the
    /// same paths under all of them, and the seed showed which one it uses.
    pub fn preferred_form(&self, mut url: Url) -> Url {
        let Some((scheme, host)) = self.preferred.get() else {
            return url;
        };
        let differs = url.scheme() != scheme || url.host_str() != Some(host.as_str());
        if differs
            && url.port().is_none()
            && url
                .host_str()
                .is_some_and(|h| without_www(h) == without_www(host))
            && url.set_scheme(scheme).is_ok()
        {
            let _ = url.set_host(Some(host));
        }
        url
    }

    /// The domain adopted from the seed's redirect, if any.
    pub fn adopted_domain(&self) -> Option<&str> {
        self.adopted.get().map(|(d, _)| d.as_str())
    }

    /// The non-default port of the adopted domain, if any.
    pub fn adopted_port(&self) -> Option<u16> {
        self.adopted.get().and_then(|(_, p)| *p)
    }

    /// Judges a normalised URL.
    pub fn classify(&self, url: &Url) -> Verdict {
        self.classify_judged(url, trap_reason(url))
    }

    /// [`Scope::classify`] with the URL's [`trap_reason`] already known.
    pub fn classify_judged(&self, url: &Url, trap: Option<Trap>) -> Verdict {
        let Some(host) = url.host_str() else {
            return Verdict::Refused(ScopeRefusal::NoHost);
        };
        if !self.host_in_scope(host) || !self.port_in_scope(url.port()) {
            return Verdict::External;
        }
        if let Some(trap) = trap {
            return Verdict::Refused(ScopeRefusal::Trap(trap));
        }
        // The seed is exempt from the patterns; its dedup key (a String per
        // call, and this runs for every link) is only worth building when
        // there are patterns.
        if (!self.exclude.is_empty() || !self.include.is_empty())
            && crate::url_norm::dedup_key(url) != self.seed_key
        {
            if self.exclude.is_match(url.as_str()) {
                return Verdict::Refused(ScopeRefusal::Excluded);
            }
            if !self.include.is_empty() && !self.include.is_match(url.as_str()) {
                return Verdict::Refused(ScopeRefusal::NotIncluded);
            }
        }
        Verdict::Internal
    }
}

fn regex_set(what: &'static str, patterns: &[String]) -> Result<RegexSet> {
    for p in patterns {
        if let Err(source) = regex::Regex::new(p) {
            return Err(Error::InvalidPattern {
                what,
                pattern: p.clone(),
                source,
            });
        }
    }
    RegexSet::new(patterns).map_err(|source| Error::InvalidPattern {
        what,
        pattern: patterns.join(" | "),
        source,
    })
}

/// True once some item occurs more than `MAX_REPEATS` times. This runs for
/// every link, so the usual handful of items is counted on the stack; only a
/// long list moves to a map.
fn repeated<'a>(items: impl Iterator<Item = &'a str>) -> bool {
    let mut small: [(&str, usize); 16] = [("", 0); 16];
    let mut len = 0;
    let mut map: Option<HashMap<&str, usize>> = None;
    for item in items {
        let count = if let Some(map) = &mut map {
            let c = map.entry(item).or_insert(0);
            *c += 1;
            *c
        } else if let Some(entry) = small.iter_mut().take(len).find(|(k, _)| *k == item) {
            entry.1 += 1;
            entry.1
        } else if let Some(slot) = small.get_mut(len) {
            *slot = (item, 1);
            len += 1;
            1
        } else {
            let mut m: HashMap<&str, usize> = small.iter().copied().collect();
            m.insert(item, 1);
            map = Some(m);
            1
        };
        if count > MAX_REPEATS {
            return true;
        }
    }
    false
}

/// Path segments of links that act or serve machines, in the languages of
/// shop and CMS software: log out, log in to the back office, the cart,
/// the checkout, the customer account, feeds and API endpoints.
const ACTION_SEGMENTS: &[&str] = &[
    "logout",
    "log-out",
    "signout",
    "sign-out",
    "abmelden",
    "wp-login.php",
    "wp-admin",
    "wp-json",
    "xmlrpc.php",
    "feed",
    "trackback",
    "cart",
    "checkout",
    "basket",
    "warenkorb",
    "kasse",
    "panier",
    "carrello",
    "carrito",
    "my-account",
    "mein-konto",
    "mon-compte",
];

/// [`ACTION_SEGMENTS`] as a set: every link's every segment is looked up.
static ACTION_SEGMENT_SET: std::sync::LazyLock<crate::wordset::WordSet> =
    std::sync::LazyLock::new(|| crate::wordset::WordSet::new(ACTION_SEGMENTS));

/// Query parameters that make a link act: WooCommerce's cart and wishlist
/// links, WordPress's comment replies, sharing redirects and feed switches,
/// and `action=` with a verb that changes or leaves a session.
fn is_action_parameter(pair: &str) -> bool {
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    const NAMES: &[&str] = &[
        "add-to-cart",
        "add_to_cart",
        "add-to-wishlist",
        "add_to_wishlist",
        "remove_item",
        "replytocom",
        "share",
        "wc-ajax",
        "feed",
        "logout",
    ];
    const ACTION_VERBS: &[&str] = &[
        "logout",
        "log-out",
        "delete",
        "edit",
        "lostpassword",
        "register",
    ];
    NAMES.iter().any(|n| name.eq_ignore_ascii_case(n))
        || (name.eq_ignore_ascii_case("action")
            && ACTION_VERBS.iter().any(|v| value.eq_ignore_ascii_case(v)))
        || (name.eq_ignore_ascii_case("format") && value.eq_ignore_ascii_case("feed"))
}

/// Why a URL looks like a crawler trap, judged on the URL alone.
pub fn trap_reason(url: &Url) -> Option<Trap> {
    if url.as_str().len() > MAX_URL_LEN {
        return Some(Trap::UrlTooLong);
    }
    if repeated(url.path().split('/').filter(|s| !s.is_empty())) {
        return Some(Trap::RepeatedSegment);
    }
    if url
        .path()
        .split('/')
        .any(|s| ACTION_SEGMENT_SET.contains_ignore_ascii_case(s))
    {
        return Some(Trap::Action);
    }
    if let Some(q) = url.query() {
        if q.split('&').any(is_action_parameter) {
            return Some(Trap::Action);
        }
        if q.len() > MAX_QUERY_LEN {
            return Some(Trap::QueryTooLong);
        }
        if repeated(
            q.split('&')
                .map(|pair| pair.split('=').next().unwrap_or("")),
        ) {
            return Some(Trap::RepeatedParameter);
        }
        let total = q.split('&').count();
        if total > MAX_QUERY_PARAMS {
            return Some(Trap::TooManyParameters);
        }
    }
    None
}

/// The shape of a URL for per-pattern budgets: host, path with digit runs
/// replaced, query parameter names only. An endless calendar or a growing
/// query keeps one shape, so it runs out of budget.
pub fn url_pattern(url: &Url) -> String {
    let mut out = String::with_capacity(url.as_str().len());
    out.push_str(url.host_str().unwrap_or(""));
    let mut in_digits = false;
    for c in url.path().chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    if let Some(q) = url.query() {
        let mut names: Vec<&str> = q
            .split('&')
            .map(|p| p.split('=').next().unwrap_or(""))
            .collect();
        names.sort_unstable();
        names.dedup();
        out.push('?');
        out.push_str(&names.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn action_segments_fit_the_set_lookup() {
        assert!(crate::wordset::WordSet::fits(ACTION_SEGMENTS));
        assert_eq!(
            trap_reason(&u("https://a.test/shop/Warenkorb/")),
            Some(Trap::Action)
        );
        assert_eq!(trap_reason(&u("https://a.test/shop/warenkorbs/")), None);
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable_domain("www.acme.co.uk"), "acme.co.uk");
        assert_eq!(registrable_domain("shop.eu.acme.com"), "acme.com");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
        assert_eq!(registrable_domain("localhost"), "localhost");
    }

    #[test]
    fn a_seed_redirect_to_another_domain_is_adopted_once() {
        let seed = Url::parse("https://acme.com/").unwrap();
        let s = Scope::new(&seed, &[], &[], &[]).unwrap();
        let target = Url::parse("https://www.acme-group.de/en/").unwrap();
        assert_eq!(s.classify(&target), Verdict::External);
        assert_eq!(
            s.adopt_redirect_target(&target).as_deref(),
            Some("acme-group.de")
        );
        assert_eq!(s.classify(&target), Verdict::Internal);
        assert!(s.host_in_scope("shop.acme-group.de"));
        assert!(s.host_in_scope("acme.com"));
        // A second, different target is not adopted.
        let other = Url::parse("https://login.example.net/").unwrap();
        assert_eq!(s.adopt_redirect_target(&other), None);
        assert_eq!(s.classify(&other), Verdict::External);
        assert_eq!(s.adopted_domain(), Some("acme-group.de"));
    }

    #[test]
    fn hosts_and_allowed_domains() {
        let scope = Scope::new(
            &u("https://www.acme.com/"),
            &["acme-cdn.net".into(), "*.acme.io".into()],
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(scope.classify(&u("https://acme.com/x")), Verdict::Internal);
        assert_eq!(
            scope.classify(&u("https://blog.acme.com/x")),
            Verdict::Internal
        );
        assert_eq!(
            scope.classify(&u("https://img.acme-cdn.net/x")),
            Verdict::Internal
        );
        assert_eq!(
            scope.classify(&u("https://docs.acme.io/x")),
            Verdict::Internal
        );
        assert_eq!(scope.classify(&u("https://acme.io/x")), Verdict::External);
        assert_eq!(
            scope.classify(&u("https://notacme.com/x")),
            Verdict::External
        );
        assert_eq!(
            scope.classify(&u("https://acme.com.evil.test/")),
            Verdict::External
        );
    }

    #[test]
    fn include_exclude_but_seed_always() {
        let scope = Scope::new(
            &u("https://acme.com/start"),
            &[],
            &["/products/".into()],
            &["\\.pdf$".into(), "/products/old".into()],
        )
        .unwrap();
        assert_eq!(
            scope.classify(&u("https://acme.com/start")),
            Verdict::Internal
        );
        assert_eq!(
            scope.classify(&u("https://acme.com/products/a")),
            Verdict::Internal
        );
        assert!(matches!(
            scope.classify(&u("https://acme.com/about")),
            Verdict::Refused(_)
        ));
        assert!(matches!(
            scope.classify(&u("https://acme.com/products/old/1")),
            Verdict::Refused(_)
        ));
        assert!(Scope::new(&u("https://acme.com/"), &[], &["(".into()], &[]).is_err());
    }

    #[test]
    fn traps() {
        assert!(trap_reason(&u("https://a.com/x/x/x/x/y")).is_some());
        assert!(trap_reason(&u("https://a.com/a/b/a/b/a/b/a/b")).is_some());
        assert!(trap_reason(&u("https://a.com/docs/v1/docs/api")).is_none());
        assert!(trap_reason(&u("https://a.com/p?a=1&a=2&a=3&a=4")).is_some());
        let long = format!("https://a.com/?q={}", "x".repeat(2000));
        assert!(trap_reason(&u(&long)).is_some());
        assert!(trap_reason(&u("https://a.com/products/item-42?color=red")).is_none());
    }

    #[test]
    fn links_that_act_are_not_pages() {
        for url in [
            "https://a.com/logout",
            "https://a.com/account/Sign-Out/",
            "https://a.com/wp-login.php?redirect_to=x",
            "https://a.com/wp-admin/",
            "https://a.com/wp-json/wp/v2/pages",
            "https://a.com/feed/",
            "https://a.com/blog/post/feed/",
            "https://a.com/cart/",
            "https://a.com/de/warenkorb",
            "https://a.com/checkout/",
            "https://a.com/my-account/",
            "https://a.com/shop/?add-to-cart=42",
            "https://a.com/?add_to_wishlist=7&x=1",
            "https://a.com/blog/post/?replytocom=3#respond",
            "https://a.com/blog/post/?share=twitter",
            "https://a.com/index.php?action=logout",
            "https://a.com/?format=feed&type=rss",
        ] {
            assert_eq!(trap_reason(&u(url)), Some(Trap::Action), "{url}");
        }
        for url in [
            "https://a.com/",
            "https://a.com/shop/",
            "https://a.com/products/cart-systems",
            "https://a.com/feedback",
            "https://a.com/blog/post/?page=2",
            "https://a.com/index.php?action=view",
            "https://a.com/login-info",
        ] {
            assert_eq!(trap_reason(&u(url)), None, "{url}");
        }
    }

    #[test]
    fn repeats_counted_like_a_map() {
        fn reference(items: &[&str]) -> bool {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            items.iter().any(|i| {
                let c = counts.entry(i).or_insert(0);
                *c += 1;
                *c > MAX_REPEATS
            })
        }
        let many: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
        let mut lists: Vec<Vec<&str>> = vec![
            vec![],
            vec!["a", "a", "a"],
            vec!["a", "b", "a", "a", "a"],
            vec!["a", "", "", "", ""],
        ];
        // Past the 16 counted on the stack, with a repeat before and after.
        let mut long: Vec<&str> = many.iter().map(String::as_str).collect();
        lists.push(long.clone());
        long.extend(["s3", "s3", "s3"]);
        lists.push(long.clone());
        long.extend(["s39", "s39", "s39"]);
        lists.push(long);
        for list in lists {
            assert_eq!(repeated(list.iter().copied()), reference(&list), "{list:?}");
        }
    }

    #[test]
    fn patterns_fold_numbers_and_values() {
        assert_eq!(
            url_pattern(&u("https://a.com/cal/2024/05?day=3&view=m")),
            url_pattern(&u("https://a.com/cal/1999/12?view=w&day=30"))
        );
        assert_ne!(
            url_pattern(&u("https://a.com/cal/2024")),
            url_pattern(&u("https://a.com/news/2024"))
        );
    }

    #[test]
    fn ports_other_than_the_seeds_are_other_sites() {
        let s = Scope::new(&u("http://127.0.0.1:8080/"), &[], &[], &[]).unwrap();
        assert_eq!(s.classify(&u("http://127.0.0.1:8080/x")), Verdict::Internal);
        assert_eq!(
            s.classify(&u("http://127.0.0.1:9/admin")),
            Verdict::External
        );
        // Default ports stay the site's (http and https of one host).
        assert_eq!(s.classify(&u("https://127.0.0.1/x")), Verdict::Internal);
        let s = Scope::new(&u("https://acme.com/"), &[], &[], &[]).unwrap();
        assert_eq!(s.classify(&u("http://www.acme.com/x")), Verdict::Internal);
        assert_eq!(s.classify(&u("https://acme.com:8443/x")), Verdict::External);
        assert_eq!(
            s.classify(&u("https://shop.acme.com:9000/")),
            Verdict::External
        );
        // A seed redirect to another port on the same host adopts that port.
        let s = Scope::new(&u("http://127.0.0.1:8080/"), &[], &[], &[]).unwrap();
        assert_eq!(
            s.adopt_redirect_target(&u("http://127.0.0.1:8443/en/"))
                .as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            s.classify(&u("http://127.0.0.1:8443/en/a")),
            Verdict::Internal
        );
        assert_eq!(s.classify(&u("http://127.0.0.1:9/")), Verdict::External);
        assert_eq!(s.adopted_port(), Some(8443));
    }

    #[test]
    fn links_take_the_form_the_seed_settled_on() {
        let s = Scope::new(&u("http://acme.com/"), &[], &[], &[]).unwrap();
        // Before the seed's page is known, links stay as written.
        assert_eq!(
            s.preferred_form(u("http://acme.com/a")).as_str(),
            "http://acme.com/a"
        );
        s.prefer_form_of(&u("https://www.acme.com/"));
        for from in [
            "http://acme.com/a?x=1",
            "https://acme.com/a?x=1",
            "http://www.acme.com/a?x=1",
        ] {
            assert_eq!(
                s.preferred_form(u(from)).as_str(),
                "https://www.acme.com/a?x=1",
                "{from}"
            );
        }
        // Other hosts and ports keep their form.
        assert_eq!(
            s.preferred_form(u("http://shop.acme.com/a")).as_str(),
            "http://shop.acme.com/a"
        );
        assert_eq!(
            s.preferred_form(u("http://acme.com:8080/a")).as_str(),
            "http://acme.com:8080/a"
        );
    }
}
