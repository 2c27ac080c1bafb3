//! Social profiles, canonicalised (`https://www.linkedin.com/company/acme`,
//! `https://x.com/acme`, ...). Share and intent buttons, tracking pixels,
//! posts and videos are not profiles and are dropped.

use std::cell::RefCell;

use url::Url;

use super::SocialProfile;
use super::memo::Memo;

/// What a link naming a platform contains, ASCII case-insensitively, as
/// (the label before a dot, what follows the dot): `linkedin.`, `x.com`,
/// `t.me`. Looked for at each dot of a link (`names_platform`): most links
/// of a page have one or two dots, and no label ends with the byte before
/// them; a case-insensitive Aho-Corasick search of every link cost about
/// 900 instructions a link.
const PLATFORM_HINTS: &[(&str, &str)] = &[
    ("linkedin", ""),
    ("twitter", ""),
    ("x", "com"),
    ("github", ""),
    ("facebook", ""),
    ("fb", "com"),
    ("instagram", ""),
    ("youtube", ""),
    ("xing", ""),
    ("tiktok", ""),
    ("bsky", "app"),
    ("threads", ""),
    ("pinterest", ""),
    ("t", "me"),
    ("telegram", "me"),
    ("vimeo", ""),
    ("crunchbase", ""),
    ("kununu", ""),
];

/// Whether `href` has a `/@` (a Mastodon-style handle): found at its `@`s,
/// which few links have, without a substring searcher per link.
fn has_handle_path(href: &str) -> bool {
    let b = href.as_bytes();
    memchr::memchr_iter(b'@', b).any(|at| at > 0 && b[at - 1] == b'/')
}

/// Whether `href` contains one of `PLATFORM_HINTS`.
fn names_platform(href: &str) -> bool {
    let b = href.as_bytes();
    memchr::memchr_iter(b'.', b).any(|dot| {
        let (before, after) = (&b[..dot], &b[dot + 1..]);
        let Some(last) = before.last().map(u8::to_ascii_lowercase) else {
            return false;
        };
        PLATFORM_HINTS.iter().any(|(label, suffix)| {
            let (label, suffix) = (label.as_bytes(), suffix.as_bytes());
            label.last() == Some(&last)
                && before.len() >= label.len()
                && before[before.len() - label.len()..].eq_ignore_ascii_case(label)
                && after.len() >= suffix.len()
                && after[..suffix.len()].eq_ignore_ascii_case(suffix)
        })
    })
}

/// Instances whose `/@user` links are Mastodon profiles even without `rel=me`.
const MASTODON_HOSTS: &[&str] = &[
    "mastodon.social",
    "mastodon.online",
    "mstdn.social",
    "fosstodon.org",
    "hachyderm.io",
    "infosec.exchange",
    "chaos.social",
    "social.bund.de",
    "mas.to",
    "mastodon.world",
];

/// First path segments on X/Twitter that are features, not accounts.
const X_RESERVED: &[&str] = &[
    "intent",
    "share",
    "home",
    "search",
    "hashtag",
    "i",
    "explore",
    "settings",
    "login",
    "signup",
    "tos",
    "privacy",
    "messages",
    "notifications",
    "compose",
    "widgets",
    "status",
];
const GITHUB_RESERVED: &[&str] = &[
    "login",
    "join",
    "features",
    "pricing",
    "about",
    "sponsors",
    "marketplace",
    "explore",
    "topics",
    "trending",
    "collections",
    "events",
    "security",
    "enterprise",
    "team",
    "customer-stories",
    "readme",
    "site",
    "contact",
    "orgs",
    "settings",
    "apps",
    "search",
];
const FACEBOOK_RESERVED: &[&str] = &[
    "sharer",
    "sharer.php",
    "share.php",
    "share",
    "dialog",
    "plugins",
    "tr",
    "login",
    "login.php",
    "l.php",
    "home.php",
    "privacy",
    "policies",
    "help",
    "events",
    "watch",
    "hashtag",
    "photo.php",
    "story.php",
    "permalink.php",
    "v2.0",
    "v3.0",
    "ads",
    "business",
];
const INSTAGRAM_RESERVED: &[&str] = &[
    "p",
    "reel",
    "reels",
    "explore",
    "accounts",
    "stories",
    "tv",
    "about",
    "legal",
    "developer",
];
const TIKTOK_RESERVED: &[&str] = &["embed", "share", "tag", "music", "discover", "legal"];
/// First path segments on Pinterest that are features, not accounts.
const PINTEREST_RESERVED: &[&str] = &[
    "pin", "search", "ideas", "today", "business", "login", "settings", "_", "explore",
];
/// First path segments of t.me that are features, not channels or users.
const TELEGRAM_RESERVED: &[&str] = &["share", "joinchat", "addstickers", "proxy", "socks", "s"];

fn clean_handle(s: &str) -> Option<String> {
    let s = s.trim().trim_start_matches('@');
    if s.is_empty()
        || s.len() > 100
        || !s
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return None;
    }
    Some(s.to_string())
}

/// Platforms' own domains, and the subdomains that serve the same profiles:
/// mobile and web front ends (`m.`, `mobile.`, `web.`, `touch.`, `mbasic.`)
/// and, on LinkedIn and Facebook, country and locale hosts (`de.linkedin.com`,
/// `de-de.facebook.com`).
const PLATFORM_DOMAINS: &[&str] = &[
    "linkedin.com",
    "twitter.com",
    "x.com",
    "github.com",
    "facebook.com",
    "fb.com",
    "instagram.com",
    "youtube.com",
    "xing.com",
    "tiktok.com",
    "threads.net",
    "threads.com",
    "pinterest.com",
    "vimeo.com",
    "crunchbase.com",
    "kununu.com",
];
const FRONT_END_LABELS: &[&str] = &["www", "m", "mobile", "web", "touch", "mbasic"];

/// The platform domain a host serves, or the host itself.
fn canonical_host(host: &str) -> &str {
    for domain in PLATFORM_DOMAINS {
        if host == *domain {
            return domain;
        }
        let Some(label) = host.strip_suffix(domain).and_then(|h| h.strip_suffix('.')) else {
            continue;
        };
        let locale = matches!(*domain, "linkedin.com" | "facebook.com") && is_locale(label);
        if FRONT_END_LABELS.contains(&label) || locale {
            return domain;
        }
    }
    host
}

/// `de`, `de-de`, `pt-br`: a language or locale label.
fn is_locale(label: &str) -> bool {
    let b = label.as_bytes();
    let letters = |s: &[u8]| s.iter().all(u8::is_ascii_lowercase);
    match b.len() {
        2 => letters(b),
        5 => letters(&b[..2]) && b[2] == b'-' && letters(&b[3..]),
        _ => false,
    }
}

/// A path segment percent-decoded (`j%C3%BCrgen` is `jürgen`); the raw
/// segment when the bytes are not UTF-8.
fn decode_segment(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8()
        .map_or_else(|_| seg.to_string(), |s| s.into_owned())
}

fn profile(platform: &str, url: String) -> Option<SocialProfile> {
    Some(SocialProfile {
        platform: platform.to_string(),
        url,
    })
}

/// Canonical profile for a link, resolved against `base`.
pub fn from_href(base: &Url, href: &str, rel: Option<&str>) -> Option<SocialProfile> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    // Most links point elsewhere; skip URL parsing unless the raw href can
    // name a platform (or is a rel=me / Mastodon-style link).
    let rel_me = rel.is_some_and(|r| r.split_whitespace().any(|t| t == "me"));
    if !rel_me && !has_handle_path(href) && !names_platform(href) {
        return None;
    }
    // An absolute link resolves alike on every page: footers repeat the
    // same few profile links on each.
    let absolute = href
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
        || href
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("http://"));
    if !absolute {
        return from_url(&base.join(href).ok()?, rel_me);
    }
    MEMO.with(|m| {
        let (memo, key) = &mut *m.borrow_mut();
        // The mark, then the href: an href may hold a newline (URL parsing
        // drops it), so the mark goes before the first one.
        key.clear();
        key.push_str(if rel_me { "me\n" } else { "\n" });
        key.push_str(href);
        memo.get_or(key, || from_url(&Url::parse(href).ok()?, rel_me))
    })
}

thread_local! {
    static MEMO: RefCell<(Memo<Option<SocialProfile>>, String)> =
        RefCell::new((Memo::new(crate::extract::memo::LINES), String::new()));
}

/// The canonical profile `url` names, if any; `rel_me` when its link was
/// marked `rel="me"`.
fn from_url(url: &Url, rel_me: bool) -> Option<SocialProfile> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = canonical_host(host.trim_start_matches("www."));
    let segs: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).map(decode_segment).collect())
        .unwrap_or_default();
    let seg = |i: usize| segs.get(i).map(String::as_str);
    let lower0 = seg(0).map(str::to_ascii_lowercase);
    let first = lower0.as_deref();

    match host {
        "linkedin.com" => {
            let kind = first?;
            match kind {
                "company" | "in" | "school" | "showcase" => {
                    let slug = clean_handle(seg(1)?)?;
                    let slug = if kind == "in" {
                        slug
                    } else {
                        slug.to_lowercase()
                    };
                    profile(
                        "linkedin",
                        format!("https://www.linkedin.com/{kind}/{slug}"),
                    )
                }
                _ => None,
            }
        }
        "twitter.com" | "x.com" => {
            let handle = first?;
            // A follow button names the profile it follows:
            // `/intent/follow?screen_name=acme`, `/intent/user?screen_name=`.
            if handle == "intent"
                && matches!(seg(1), Some("follow" | "user"))
                && let Some((_, name)) = url.query_pairs().find(|(k, _)| k == "screen_name")
            {
                let name = clean_handle(&name)?;
                let valid =
                    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && name.len() <= 15;
                return valid
                    .then(|| profile("x", format!("https://x.com/{}", name.to_lowercase())))
                    .flatten();
            }
            if X_RESERVED.contains(&handle)
                || segs.len() > 1
                || url.query().is_some_and(|q| q.contains("text="))
            {
                return None;
            }
            let handle = clean_handle(seg(0)?)?;
            if !handle
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                || handle.len() > 15
            {
                return None;
            }
            profile("x", format!("https://x.com/{}", handle.to_lowercase()))
        }
        "github.com" => {
            let org = first?;
            if GITHUB_RESERVED.contains(&org) {
                return None;
            }
            let org = clean_handle(seg(0)?)?;
            profile(
                "github",
                format!("https://github.com/{}", org.to_lowercase()),
            )
        }
        "facebook.com" | "fb.com" => {
            let page = first?;
            if FACEBOOK_RESERVED.contains(&page) {
                return None;
            }
            if page == "profile.php" {
                let id = url
                    .query_pairs()
                    .find(|(k, _)| k == "id")
                    .map(|(_, v)| v.into_owned())
                    .filter(|v| v.chars().all(|c| c.is_ascii_digit()))?;
                return profile(
                    "facebook",
                    format!("https://www.facebook.com/profile.php?id={id}"),
                );
            }
            // A personal or business page without a user name:
            // /people/<Name>/<id>/, both parts kept.
            if page == "people" {
                let name = clean_handle(seg(1)?)?;
                let id = seg(2).filter(|s| s.chars().all(|c| c.is_ascii_digit()))?;
                return profile(
                    "facebook",
                    format!("https://www.facebook.com/people/{name}/{id}"),
                );
            }
            if page == "pages" || page == "groups" {
                let name = clean_handle(seg(1)?)?;
                let mut u = format!("https://www.facebook.com/{page}/{name}");
                if page == "pages"
                    && let Some(id) = seg(2).filter(|s| s.chars().all(|c| c.is_ascii_digit()))
                {
                    u.push('/');
                    u.push_str(id);
                }
                return profile("facebook", u);
            }
            let name = clean_handle(seg(0)?)?;
            profile(
                "facebook",
                format!("https://www.facebook.com/{}", name.to_lowercase()),
            )
        }
        "instagram.com" => {
            let h = first?;
            if INSTAGRAM_RESERVED.contains(&h) {
                return None;
            }
            let h = clean_handle(seg(0)?)?;
            profile(
                "instagram",
                format!("https://www.instagram.com/{}", h.to_lowercase()),
            )
        }
        "youtube.com" => {
            let s0 = seg(0)?;
            if let Some(handle) = s0.strip_prefix('@') {
                let h = clean_handle(handle)?;
                return profile(
                    "youtube",
                    format!("https://www.youtube.com/@{}", h.to_lowercase()),
                );
            }
            match first? {
                "channel" => {
                    let id = clean_handle(seg(1)?)?;
                    profile("youtube", format!("https://www.youtube.com/channel/{id}"))
                }
                "c" | "user" => {
                    let name = clean_handle(seg(1)?)?;
                    profile(
                        "youtube",
                        format!("https://www.youtube.com/{}/{}", first?, name.to_lowercase()),
                    )
                }
                _ => None,
            }
        }
        "xing.com" => match first? {
            "pages" | "companies" | "profile" => {
                let slug = clean_handle(seg(1)?)?;
                profile(
                    "xing",
                    format!("https://www.xing.com/{}/{}", first?, slug.to_lowercase()),
                )
            }
            _ => None,
        },
        "tiktok.com" => {
            let s0 = seg(0)?;
            if TIKTOK_RESERVED.contains(&s0) || segs.len() > 1 {
                return None;
            }
            let h = clean_handle(s0.strip_prefix('@')?)?;
            profile(
                "tiktok",
                format!("https://www.tiktok.com/@{}", h.to_lowercase()),
            )
        }
        "bsky.app" => {
            if first? != "profile" || segs.len() != 2 {
                return None;
            }
            let h = clean_handle(seg(1)?)?;
            profile(
                "bluesky",
                format!("https://bsky.app/profile/{}", h.to_lowercase()),
            )
        }
        "threads.net" | "threads.com" => {
            if segs.len() != 1 {
                return None;
            }
            let h = clean_handle(seg(0)?.strip_prefix('@')?)?;
            profile(
                "threads",
                format!("https://www.threads.net/@{}", h.to_lowercase()),
            )
        }
        "pinterest.com" => {
            let h = first?;
            if PINTEREST_RESERVED.contains(&h) || segs.len() > 1 {
                return None;
            }
            let h = clean_handle(h)?;
            profile("pinterest", format!("https://www.pinterest.com/{h}"))
        }
        "t.me" | "telegram.me" => {
            let h = first?;
            if TELEGRAM_RESERVED.contains(&h) || h.starts_with('+') || segs.len() > 1 {
                return None;
            }
            let h = clean_handle(h)?;
            profile("telegram", format!("https://t.me/{h}"))
        }
        "vimeo.com" => {
            // A number is a video; a name is an account.
            let h = seg(0)?;
            if segs.len() > 1 || h.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let h = clean_handle(h)?;
            profile("vimeo", format!("https://vimeo.com/{}", h.to_lowercase()))
        }
        "crunchbase.com" => {
            if first? != "organization" {
                return None;
            }
            let slug = clean_handle(seg(1)?)?;
            profile(
                "crunchbase",
                format!(
                    "https://www.crunchbase.com/organization/{}",
                    slug.to_lowercase()
                ),
            )
        }
        "kununu.com" => {
            // kununu.com/<country>/<company>: the employer's profile.
            let country = first?;
            if country.len() != 2 || segs.len() < 2 {
                return None;
            }
            let slug = clean_handle(seg(1)?)?;
            profile(
                "kununu",
                format!("https://www.kununu.com/{country}/{}", slug.to_lowercase()),
            )
        }
        h => {
            // Mastodon: https://instance/@user, on a known instance or
            // marked rel=me (the fediverse's own verification convention).
            let known = MASTODON_HOSTS.contains(&h);
            if (rel_me || known) && segs.len() == 1 {
                let user = clean_handle(seg(0)?.strip_prefix('@')?)?;
                return profile("mastodon", format!("https://{h}/@{}", user.to_lowercase()));
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Absolute links are answered from the per-thread memo once seen
    /// twice: the answer stays what resolving gives, whatever the page,
    /// and a `rel="me"` link is not answered with its plain twin's result.
    #[test]
    fn remembered_links_answer_as_resolving_does() {
        let bases = [
            "https://acme.example/",
            "https://acme.example/a/b/c.html",
            "http://other.example/x?y",
        ]
        .map(|b| Url::parse(b).expect("base"));
        let hrefs = [
            "https://www.linkedin.com/company/Acme-GmbH/",
            "https://x.com/acme?lang=de",
            "https://social.example/@jane",
            "HTTPS://WWW.FACEBOOK.COM/acme",
            "http://github.com/acme",
            "https://www.youtube.com/@acme",
        ];
        for round in 0..4 {
            for base in &bases {
                for href in hrefs {
                    for rel in [None, Some("me"), Some("noopener me")] {
                        let rel_me = rel.is_some();
                        let fresh = from_url(&base.join(href).expect("join"), rel_me);
                        assert_eq!(
                            from_href(base, href, rel),
                            fresh,
                            "round {round}, {href} on {base}, rel {rel:?}"
                        );
                    }
                }
            }
        }
        // The memo's key tells the two apart: a Mastodon-style link on an
        // unknown instance is a profile only when marked, also when another
        // href spells the marked one's key with a newline.
        let base = &bases[0];
        for _ in 0..3 {
            assert!(from_href(base, "https://social.example/@jane", Some("me")).is_some());
            assert_eq!(from_href(base, "https://social.example/@jane", None), None);
            assert_eq!(
                from_href(base, "https://social.example/@jane\nme", None),
                from_url(
                    &base.join("https://social.example/@jane\nme").expect("join"),
                    false
                )
            );
        }
    }

    #[test]
    fn a_handle_path_is_what_contains_finds() {
        for href in [
            "",
            "@",
            "/@",
            "@/",
            "a/@b",
            "@@",
            "/x@y",
            "\u{e9}@x",
            "/\u{e9}/@x",
            "https://m.test/@jo",
            "mailto:jo@acme.test",
            "//@",
            "@/@",
        ] {
            assert_eq!(
                super::has_handle_path(href),
                href.contains("/@"),
                "{href:?}"
            );
        }
    }

    /// `names_platform` answers as the case-insensitive Aho-Corasick search
    /// of the hints it replaced, on hrefs with every hint in every position
    /// and case, cut short, and among other dots.
    #[test]
    fn platform_hint_as_aho_corasick_finds_it() {
        use aho_corasick::AhoCorasickBuilder;
        let hints: Vec<String> = super::PLATFORM_HINTS
            .iter()
            .map(|(l, s)| format!("{l}.{s}"))
            .collect();
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(&hints)
            .expect("automaton");
        let mut hrefs: Vec<String> = vec![
            String::new(),
            ".".into(),
            "/products/page-3.html".into(),
            "https://www.example.com/a.b.c".into(),
            "mailto:info@acme.example".into(),
            "https://ex.com".into(),
            "https://t.m".into(),
            "fb.co".into(),
            "Ünïcode.ß.x.cöm".into(),
        ];
        for h in &hints {
            for cased in [h.clone(), h.to_uppercase(), h[..1].to_uppercase() + &h[1..]] {
                for (pre, post) in [
                    ("", ""),
                    ("https://www.", "/acme"),
                    ("/go?u=", "x"),
                    ("a", ""),
                    ("1.", ".2"),
                ] {
                    hrefs.push(format!("{pre}{cased}{post}"));
                }
                for cut in 1..cased.len() {
                    hrefs.push(format!("https://{}", &cased[..cut]));
                    hrefs.push(format!("https://{}/", &cased[cut..]));
                }
            }
        }
        for h in &hrefs {
            assert_eq!(super::names_platform(h), ac.is_match(h), "{h:?}");
        }
    }

    fn canon(href: &str) -> Option<(String, String)> {
        let base = Url::parse("https://acme.example/").unwrap();
        from_href(&base, href, None).map(|p| (p.platform, p.url))
    }

    #[test]
    fn profiles_are_canonical() {
        assert_eq!(
            canon("https://de.linkedin.com/company/Acme-GmbH/?trk=foo"),
            Some((
                "linkedin".into(),
                "https://www.linkedin.com/company/acme-gmbh".into()
            ))
        );
        assert_eq!(
            canon("http://twitter.com/AcmeCorp"),
            Some(("x".into(), "https://x.com/acmecorp".into()))
        );
        assert_eq!(
            canon("https://github.com/acme/widgets"),
            Some(("github".into(), "https://github.com/acme".into()))
        );
        assert_eq!(
            canon("https://www.youtube.com/@AcmeTV/videos"),
            Some(("youtube".into(), "https://www.youtube.com/@acmetv".into()))
        );
    }

    #[test]
    fn newer_networks_and_company_profiles() {
        for (href, platform, url) in [
            (
                "https://bsky.app/profile/Acme.bsky.social",
                "bluesky",
                "https://bsky.app/profile/acme.bsky.social",
            ),
            (
                "https://www.threads.net/@AcmeCorp",
                "threads",
                "https://www.threads.net/@acmecorp",
            ),
            (
                "https://www.threads.com/@acmecorp",
                "threads",
                "https://www.threads.net/@acmecorp",
            ),
            (
                "https://www.pinterest.com/acmecorp/",
                "pinterest",
                "https://www.pinterest.com/acmecorp",
            ),
            ("https://t.me/acmecorp", "telegram", "https://t.me/acmecorp"),
            (
                "https://vimeo.com/AcmeFilms",
                "vimeo",
                "https://vimeo.com/acmefilms",
            ),
            (
                "https://www.crunchbase.com/organization/acme-corp",
                "crunchbase",
                "https://www.crunchbase.com/organization/acme-corp",
            ),
            (
                "https://www.kununu.com/de/acme-gmbh/kommentare",
                "kununu",
                "https://www.kununu.com/de/acme-gmbh",
            ),
            (
                "https://twitter.com/intent/follow?screen_name=Acme_HQ",
                "x",
                "https://x.com/acme_hq",
            ),
            (
                "https://x.com/intent/user?screen_name=acme_hq",
                "x",
                "https://x.com/acme_hq",
            ),
        ] {
            assert_eq!(canon(href), Some((platform.into(), url.into())), "{href}");
        }
    }

    #[test]
    fn share_buttons_are_not_profiles() {
        for href in [
            "https://twitter.com/intent/tweet?url=x",
            "https://twitter.com/share?text=hi",
            "https://www.facebook.com/sharer/sharer.php?u=x",
            "https://www.facebook.com/tr?id=123&ev=PageView",
            "https://www.linkedin.com/shareArticle?mini=true",
            "https://www.linkedin.com/sharing/share-offsite/?url=x",
            "https://www.xing.com/spi/shares/new?url=x",
            "https://www.instagram.com/p/Bx12/",
            "https://www.youtube.com/watch?v=abc",
            "https://x.com/acme/status/123",
            "https://www.tiktok.com/embed/123",
            "https://www.pinterest.com/pin/create/button/?url=x",
            "https://t.me/share/url?url=x",
            "https://t.me/+AbCdEf",
            "https://vimeo.com/123456789",
            "https://bsky.app/intent/compose?text=x",
            "https://www.threads.net/intent/post?text=x",
        ] {
            assert_eq!(canon(href), None, "{href}");
        }
    }
}
