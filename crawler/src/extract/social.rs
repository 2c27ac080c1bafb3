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
    ("fb", "me"),
    ("instagr", "am"),
    ("gitlab", ""),
    ("medium", ""),
    ("dribbble", ""),
    ("behance", ""),
    ("discord", ""),
    ("glassdoor", ""),
    ("whatsapp", ""),
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
/// Second path segments on X/Twitter that are tabs of the account's page;
/// anything else under an account (`status/<id>`) is one of its posts.
const X_TABS: &[&str] = &[
    "with_replies",
    "media",
    "likes",
    "highlights",
    "articles",
    "followers",
    "following",
    "verified_followers",
];
/// First path segments on GitHub and GitLab that are features, not accounts.
const CODE_HOST_RESERVED: &[&str] = &[
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
    "settings",
    "apps",
    "search",
    "new",
    "notifications",
    "issues",
    "pulls",
    "codespaces",
    "solutions",
    "resources",
    "logout",
    "dashboard",
    "users",
    "help",
    "projects",
    "-",
    "blog",
    "signup",
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
    "policy.php",
    "terms",
    "terms.php",
    "legal",
    "about",
    "help",
    "events",
    "watch",
    "hashtag",
    "photo",
    "photo.php",
    "video.php",
    "story.php",
    "permalink.php",
    "reel",
    "reels",
    "stories",
    "live",
    "media",
    "notes",
    "search",
    "settings",
    "messages",
    "bookmarks",
    "friends",
    "marketplace",
    "gaming",
    "fundraisers",
    "careers",
    "recover",
    "r.php",
    "v2.0",
    "v3.0",
    "ads",
    "business",
];
/// What follows a Facebook page's name when the link is one of its items
/// (`/acme/posts/123`), not a tab of the page (`/acme/posts`).
const FACEBOOK_ITEMS: &[&str] = &[
    "posts", "videos", "photos", "photo", "reel", "reels", "story", "notes", "events",
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
    "direct",
    "web",
    "challenge",
    "emails",
    "session",
    "oauth",
];
/// What follows an Instagram handle when the link is a post, not the profile.
const INSTAGRAM_ITEMS: &[&str] = &["p", "reel", "tv"];
const TIKTOK_RESERVED: &[&str] = &["embed", "share", "tag", "music", "discover", "legal"];
/// First path segments on YouTube that are features, not a channel's
/// legacy custom name (`youtube.com/AcmeTV`).
const YOUTUBE_RESERVED: &[&str] = &[
    "watch",
    "embed",
    "playlist",
    "results",
    "shorts",
    "live",
    "about",
    "t",
    "howyoutubeworks",
    "feed",
    "redirect",
    "premium",
    "kids",
    "music",
    "gaming",
    "account",
    "logout",
    "signin",
    "upload",
    "creators",
    "ads",
    "yt",
    "attribution_link",
    "subscription_center",
    "hashtag",
    "post",
    "new",
    "index",
    "iframe_api",
    "player_api",
    "s",
    "v",
    "supported_browsers",
];
/// First path segments on Pinterest that are features, not accounts.
const PINTEREST_RESERVED: &[&str] = &[
    "pin", "search", "ideas", "today", "business", "login", "settings", "_", "explore",
];
/// First path segments of t.me that are features, not channels or users.
const TELEGRAM_RESERVED: &[&str] = &["share", "joinchat", "addstickers", "proxy", "socks", "s"];
/// First path segments on Medium that are features, not publications.
const MEDIUM_RESERVED: &[&str] = &[
    "tag",
    "topic",
    "search",
    "m",
    "about",
    "policy",
    "me",
    "plans",
    "membership",
    "creators",
    "p",
    "new-story",
    "jobs-at-medium",
];
/// Subdomains of medium.com that are Medium's own, not an author's.
const MEDIUM_OWN_SUBDOMAINS: &[&str] = &["www", "m", "help", "policy", "blog", "about", "link"];
const DRIBBBLE_RESERVED: &[&str] = &[
    "shots",
    "jobs",
    "designers",
    "tags",
    "search",
    "session",
    "signup",
    "about",
    "stories",
    "hiring",
    "pro",
    "shop",
    "learn",
    "following",
    "colors",
    "resources",
    "terms",
    "privacy",
];
const BEHANCE_RESERVED: &[&str] = &[
    "gallery",
    "search",
    "galleries",
    "joblist",
    "hire",
    "assets",
    "live",
    "blog",
    "about",
    "misc",
    "onboarding",
    "dev",
    "for_you",
    "pro",
    "moodboard",
    "collection",
];
/// Second path segments on kununu that are features, not employers.
const KUNUNU_RESERVED: &[&str] = &["search", "suche", "login", "user", "info", "registrierung"];

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
/// and, on LinkedIn, Facebook and Pinterest, country and locale hosts
/// (`de.linkedin.com`, `de-de.facebook.com`).
const PLATFORM_DOMAINS: &[&str] = &[
    "linkedin.com",
    "twitter.com",
    "x.com",
    "github.com",
    "gitlab.com",
    "facebook.com",
    "fb.com",
    "fb.me",
    "instagram.com",
    "instagr.am",
    "youtube.com",
    "xing.com",
    "tiktok.com",
    "threads.net",
    "threads.com",
    "pinterest.com",
    "vimeo.com",
    "crunchbase.com",
    "kununu.com",
    "medium.com",
    "dribbble.com",
    "behance.net",
    "discord.gg",
    "discord.com",
    "whatsapp.com",
];
const FRONT_END_LABELS: &[&str] = &["www", "m", "mobile", "web", "touch", "mbasic"];
/// Platforms with a domain per country (`pinterest.de`, `glassdoor.co.uk`):
/// each is the `.com` one.
const COUNTRY_DOMAIN_PLATFORMS: &[(&str, &str)] = &[
    ("pinterest", "pinterest.com"),
    ("glassdoor", "glassdoor.com"),
];

/// The platform domain a host serves, or the host itself.
fn canonical_host(host: &str) -> &str {
    for domain in PLATFORM_DOMAINS {
        if host == *domain {
            return domain;
        }
        let Some(label) = host.strip_suffix(domain).and_then(|h| h.strip_suffix('.')) else {
            continue;
        };
        let locale = matches!(*domain, "linkedin.com" | "facebook.com" | "pinterest.com")
            && is_locale(label);
        if FRONT_END_LABELS.contains(&label) || locale {
            return domain;
        }
    }
    for (name, domain) in COUNTRY_DOMAIN_PLATFORMS {
        if country_domain_of(host, name) {
            return domain;
        }
    }
    host
}

/// Whether `host` is `name` under a country's domain (`pinterest.de`,
/// `www.pinterest.co.uk`, `de.pinterest.com.au`): one or two short labels
/// after the name, a front-end or locale label or none before it.
fn country_domain_of(host: &str, name: &str) -> bool {
    let (before, after) = match host.strip_prefix(name) {
        Some(after) => ("", after),
        None => match host.find(&format!(".{name}.")) {
            Some(at) => (&host[..at], &host[at + 1 + name.len()..]),
            None => return false,
        },
    };
    let Some(suffix) = after.strip_prefix('.') else {
        return false;
    };
    let labels: Vec<&str> = suffix.split('.').collect();
    let short = |l: &&str| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase());
    (1..=2).contains(&labels.len())
        && labels.iter().all(short)
        && (before.is_empty() || FRONT_END_LABELS.contains(&before) || is_locale(before))
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
        // `www.linkedin.com/company/acme` without a scheme: a browser
        // resolves it on the site, to a page that does not exist; the
        // profile is what the company meant.
        if let Some(p) = schemeless_profile(href, rel_me) {
            return Some(p);
        }
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

/// The profile a relative href names when its first part is a platform's
/// host (`www.facebook.com/acme`, `instagram.com/acme`).
fn schemeless_profile(href: &str, rel_me: bool) -> Option<SocialProfile> {
    let host = href.split(['/', '?', '#']).next()?;
    if !host.contains('.') || host.starts_with('.') || host.contains(':') {
        return None;
    }
    let url = Url::parse(&format!("https://{href}")).ok()?;
    let canonical = canonical_host(url.host_str()?.trim_start_matches("www."));
    let known = PLATFORM_DOMAINS.contains(&canonical)
        || COUNTRY_DOMAIN_PLATFORMS
            .iter()
            .any(|(_, d)| *d == canonical)
        || matches!(canonical, "t.me" | "telegram.me" | "bsky.app" | "wa.me");
    if known { from_url(&url, rel_me) } else { None }
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
    let mut segs: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).map(decode_segment).collect())
        .unwrap_or_default();
    // Links from before 2012 put the path after `#!` (`twitter.com/#!/acme`).
    if segs.is_empty()
        && let Some(path) = url.fragment().and_then(|f| f.strip_prefix("!/"))
    {
        let path = path.split('?').next().unwrap_or(path);
        segs = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode_segment)
            .collect();
    }
    let seg = |i: usize| segs.get(i).map(String::as_str);
    let lower0 = seg(0).map(str::to_ascii_lowercase);
    let first = lower0.as_deref();
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };

    match host {
        "linkedin.com" => {
            let kind = first?;
            match kind {
                // Slugs are case-insensitive: `/in/Jane-Doe` is `/in/jane-doe`.
                "company" | "in" | "school" | "showcase" => {
                    let slug = clean_handle(seg(1)?)?.to_lowercase();
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
                && let Some(name) = query("screen_name")
            {
                return x_profile(&name);
            }
            let tab = seg(1).is_none_or(|t| X_TABS.contains(&t) && segs.len() == 2);
            if X_RESERVED.contains(&handle)
                || !tab
                || url.query().is_some_and(|q| q.contains("text="))
            {
                return None;
            }
            x_profile(seg(0)?)
        }
        // An account (an organisation or a user) and its pages; a
        // repository is a project, which a page may link whoever owns it
        // (the libraries a site credits), so it is not taken.
        "github.com" | "gitlab.com" => {
            let platform = host.split('.').next()?;
            let (org, rest) = if first? == "orgs" {
                (seg(1)?, 2)
            } else {
                (seg(0)?, 1)
            };
            if CODE_HOST_RESERVED.contains(&org.to_ascii_lowercase().as_str())
                || (first? != "orgs" && segs.len() > rest)
            {
                return None;
            }
            let org = clean_handle(org)?;
            profile(platform, format!("https://{host}/{}", org.to_lowercase()))
        }
        "facebook.com" | "fb.com" | "fb.me" => facebook(url, &segs, first?),
        "instagram.com" | "instagr.am" => {
            let h = first?;
            if INSTAGRAM_RESERVED.contains(&h)
                || seg(1).is_some_and(|s| INSTAGRAM_ITEMS.contains(&s) && segs.len() > 2)
            {
                return None;
            }
            let h = clean_handle(seg(0)?)?;
            if h.contains('-') {
                return None;
            }
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
                // A subscribe button names the channel it subscribes to.
                "subscription_center" => {
                    let name = clean_handle(&query("add_user")?)?;
                    profile(
                        "youtube",
                        format!("https://www.youtube.com/user/{}", name.to_lowercase()),
                    )
                }
                // A legacy custom name (`youtube.com/AcmeTV`, also with a
                // tab such as `/videos`).
                name if !YOUTUBE_RESERVED.contains(&name) && segs.len() <= 2 => {
                    let name = clean_handle(name)?;
                    profile("youtube", format!("https://www.youtube.com/{name}"))
                }
                _ => None,
            }
        }
        "xing.com" => match first? {
            // `company` is the older form of a company's page.
            "pages" | "companies" | "company" | "profile" => {
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
            let h = seg(1)?;
            // A handle, or the account's permanent id (`did:plc:…`).
            let h = if is_did(h) {
                h.to_ascii_lowercase()
            } else {
                clean_handle(h)?.to_lowercase()
            };
            profile("bluesky", format!("https://bsky.app/profile/{h}"))
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
            // An account, its boards (`/acme/spring-collection`) and tabs.
            let h = first?;
            if PINTEREST_RESERVED.contains(&h) || segs.len() > 2 {
                return None;
            }
            let h = clean_handle(h)?;
            profile("pinterest", format!("https://www.pinterest.com/{h}"))
        }
        "t.me" | "telegram.me" => {
            // `t.me/s/<channel>` is the channel's web preview.
            let (h, len) = if first? == "s" {
                (seg(1)?, 2)
            } else {
                (first?, 1)
            };
            if TELEGRAM_RESERVED.contains(&h) || h.starts_with('+') || segs.len() > len {
                return None;
            }
            let h = clean_handle(h)?.to_lowercase();
            profile("telegram", format!("https://t.me/{h}"))
        }
        // A channel is a company's broadcast account, as on Telegram; a
        // `wa.me/<number>` chat link is a phone number, not a profile.
        "whatsapp.com" => {
            if first? != "channel" || segs.len() != 2 {
                return None;
            }
            let id = clean_handle(seg(1)?)?;
            profile("whatsapp", format!("https://whatsapp.com/channel/{id}"))
        }
        "vimeo.com" => {
            // A number is a video; a name is an account; a channel is a
            // collection an account curates.
            let (h, prefix) = if first? == "channels" && segs.len() == 2 {
                (seg(1)?, "channels/")
            } else {
                (seg(0)?, "")
            };
            let len = if prefix.is_empty() { 1 } else { 2 };
            if segs.len() > len || h.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let h = clean_handle(h)?;
            profile(
                "vimeo",
                format!("https://vimeo.com/{prefix}{}", h.to_lowercase()),
            )
        }
        "crunchbase.com" => {
            let kind = first?;
            if kind != "organization" && kind != "person" {
                return None;
            }
            let slug = clean_handle(seg(1)?)?;
            profile(
                "crunchbase",
                format!("https://www.crunchbase.com/{kind}/{}", slug.to_lowercase()),
            )
        }
        "kununu.com" => {
            // kununu.com/<country>/<company>: the employer's profile.
            let country = first?;
            if country.len() != 2 || segs.len() < 2 {
                return None;
            }
            let slug = clean_handle(seg(1)?)?.to_lowercase();
            if KUNUNU_RESERVED.contains(&slug.as_str()) {
                return None;
            }
            profile("kununu", format!("https://www.kununu.com/{country}/{slug}"))
        }
        "glassdoor.com" => {
            // The employer's id is in the page name, whatever the page
            // (`Working-at-Acme-EI_IE12345.11,15.htm`, `Acme-Reviews-E12345.htm`).
            let id = glassdoor_employer(seg(segs.len().checked_sub(1)?)?)?;
            profile(
                "glassdoor",
                format!("https://www.glassdoor.com/Overview/EI_IE{id}.htm"),
            )
        }
        "medium.com" => {
            // `medium.com/@author` or a publication; anything deeper is a story.
            let h = seg(0)?;
            if segs.len() > 1 || MEDIUM_RESERVED.contains(&first?) {
                return None;
            }
            let h = match h.strip_prefix('@') {
                Some(author) => format!("@{}", clean_handle(author)?),
                None => clean_handle(h)?,
            };
            profile("medium", format!("https://medium.com/{}", h.to_lowercase()))
        }
        "dribbble.com" | "behance.net" => {
            let (platform, reserved) = if host == "dribbble.com" {
                ("dribbble", DRIBBBLE_RESERVED)
            } else {
                ("behance", BEHANCE_RESERVED)
            };
            let h = first?;
            if reserved.contains(&h) || segs.len() > 2 {
                return None;
            }
            let h = clean_handle(h)?;
            let host = if platform == "behance" {
                "www.behance.net"
            } else {
                host
            };
            profile(platform, format!("https://{host}/{h}"))
        }
        // An invite to the company's server; its code is case-sensitive.
        "discord.gg" | "discord.com" => {
            let code = if host == "discord.gg" {
                (segs.len() == 1).then(|| seg(0))??
            } else {
                (first? == "invite" && segs.len() == 2).then(|| seg(1))??
            };
            let code = clean_handle(code)?;
            profile("discord", format!("https://discord.gg/{code}"))
        }
        h => {
            // Medium authors' and publications' own subdomains.
            if let Some(name) = h.strip_suffix(".medium.com")
                && !name.contains('.')
                && !MEDIUM_OWN_SUBDOMAINS.contains(&name)
                && segs.is_empty()
            {
                return profile("medium", format!("https://{h}"));
            }
            mastodon(h, &segs, rel_me)
        }
    }
}

/// `https://x.com/<handle>`: up to 15 letters, digits or underscores.
fn x_profile(handle: &str) -> Option<SocialProfile> {
    let handle = clean_handle(handle)?;
    if !handle
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        || handle.len() > 15
    {
        return None;
    }
    profile("x", format!("https://x.com/{}", handle.to_lowercase()))
}

fn facebook(url: &Url, segs: &[String], page: &str) -> Option<SocialProfile> {
    let seg = |i: usize| segs.get(i).map(String::as_str);
    let numeric = |s: &&str| s.chars().all(|c| c.is_ascii_digit());
    if FACEBOOK_RESERVED.contains(&page) {
        return None;
    }
    if page == "profile.php" {
        let id = url
            .query_pairs()
            .find(|(k, _)| k == "id")
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))?;
        return profile(
            "facebook",
            format!("https://www.facebook.com/profile.php?id={id}"),
        );
    }
    // A personal or business page without a user name:
    // /people/<Name>/<id>/, both parts kept.
    if page == "people" {
        let name = clean_handle(seg(1)?)?;
        let id = seg(2).filter(numeric)?;
        return profile(
            "facebook",
            format!("https://www.facebook.com/people/{name}/{id}"),
        );
    }
    // The newer form of a page without a user name,
    // /pages/category/<Category>/<Name-id>/: the page is /<Name-id>.
    if page == "pages" && seg(1) == Some("category") {
        let name = clean_handle(seg(3)?)?;
        return profile(
            "facebook",
            format!("https://www.facebook.com/{}", name.to_lowercase()),
        );
    }
    if page == "pages" || page == "groups" {
        let name = clean_handle(seg(1)?)?;
        let mut u = format!("https://www.facebook.com/{page}/{name}");
        if page == "pages"
            && let Some(id) = seg(2).filter(numeric)
        {
            u.push('/');
            u.push_str(id);
        }
        return profile("facebook", u);
    }
    // `/pg/<page>/about/`: the page's tabs of before 2019.
    let (name, rest) = if page == "pg" {
        (seg(1)?, 2)
    } else {
        (seg(0)?, 1)
    };
    if seg(rest).is_some_and(|s| FACEBOOK_ITEMS.contains(&s) && segs.len() > rest + 1) {
        return None;
    }
    let name = clean_handle(name)?;
    profile(
        "facebook",
        format!("https://www.facebook.com/{}", name.to_lowercase()),
    )
}

/// `did:plc:…` or `did:web:…`, a Bluesky account's permanent id.
fn is_did(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("did:plc:")
        .or_else(|| lower.strip_prefix("did:web:"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest.len() <= 100
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// The employer id in a Glassdoor page name: the digits after `EI_IE` or
/// after `-E`.
fn glassdoor_employer(name: &str) -> Option<&str> {
    let at = name
        .find("EI_IE")
        .map(|i| i + 5)
        .or_else(|| name.rfind("-E").map(|i| i + 2))?;
    let digits = &name[at..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let id = &digits[..end];
    let ends_well = digits[end..].starts_with(['.', '_']) || end == digits.len();
    (!id.is_empty() && ends_well).then_some(id)
}

/// Mastodon: `https://instance/@user` (also `/users/user`, and
/// `/@user@home` for an account of another instance seen from this one),
/// on a known instance or marked rel=me (the fediverse's own verification
/// convention). A status (`/@user/<id>`) is a post.
fn mastodon(host: &str, segs: &[String], rel_me: bool) -> Option<SocialProfile> {
    if !(rel_me || MASTODON_HOSTS.contains(&host)) {
        return None;
    }
    let user = match segs {
        [one] => one.strip_prefix('@')?,
        [users, user] if users == "users" => user.as_str(),
        _ => return None,
    };
    let (user, home) = match user.split_once('@') {
        Some((user, home)) => {
            let home = home.to_ascii_lowercase();
            let valid = home.contains('.')
                && !home.starts_with('.')
                && home
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            (user, valid.then_some(home)?)
        }
        None => (user, host.to_string()),
    };
    let user = clean_handle(user)?;
    profile(
        "mastodon",
        format!("https://{home}/@{}", user.to_lowercase()),
    )
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
            canon("https://github.com/Acme?tab=repositories"),
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
            (
                "https://www.xing.com/pages/Acme-GmbH",
                "xing",
                "https://www.xing.com/pages/acme-gmbh",
            ),
            (
                "https://www.xing.com/company/acme",
                "xing",
                "https://www.xing.com/company/acme",
            ),
            (
                "https://www.xing.com/profile/Max_Mustermann/cv",
                "xing",
                "https://www.xing.com/profile/max_mustermann",
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

    /// Each platform's profile links as company footers write them: every
    /// host, path and decoration of one profile gives its one canonical URL.
    #[test]
    fn footer_links_of_every_platform_are_canonical() {
        for (want, hrefs) in [
            (
                "linkedin https://www.linkedin.com/company/acme-gmbh",
                &[
                    "https://de.linkedin.com/company/Acme-GmbH/?trk=public_profile",
                    "https://linkedin.com/company/acme-gmbh/about/?originalSubdomain=de",
                    "https://www.linkedin.com/company/acme-gmbh/posts/?feedView=all",
                    "www.linkedin.com/company/acme-gmbh",
                    "//www.linkedin.com/company/acme-gmbh#main",
                ][..],
            ),
            (
                "linkedin https://www.linkedin.com/in/jane-doe",
                &[
                    "https://de.linkedin.com/in/Jane-Doe/",
                    "https://www.linkedin.com/in/jane-doe",
                ],
            ),
            (
                "x https://x.com/acmecorp",
                &[
                    "https://twitter.com/#!/AcmeCorp",
                    "http://twitter.com/#!/acmecorp/",
                    "https://mobile.twitter.com/acmecorp?ref_src=twsrc%5Etfw",
                    "https://x.com/AcmeCorp/with_replies",
                    "https://twitter.com/@acmecorp",
                ],
            ),
            (
                "facebook https://www.facebook.com/acmegmbh",
                &[
                    "https://www.facebook.com/pg/AcmeGmbH/about/",
                    "https://fb.me/AcmeGmbH",
                    "https://fb.com/acmegmbh",
                    "https://www.facebook.com/#!/AcmeGmbH",
                    "https://www.facebook.com/acmegmbh/posts/",
                    "https://www.facebook.com/acmegmbh?locale=de_DE",
                ],
            ),
            (
                "facebook https://www.facebook.com/acme-gmbh-123456",
                &[
                    "https://www.facebook.com/pages/category/Company/Acme-GmbH-123456/",
                    "https://www.facebook.com/Acme-GmbH-123456/",
                ],
            ),
            (
                "instagram https://www.instagram.com/acme.gmbh",
                &[
                    "https://instagr.am/acme.gmbh",
                    "https://www.instagram.com/acme.gmbh/reels/",
                    "https://instagram.com/Acme.GmbH?igshid=abc",
                ],
            ),
            (
                "youtube https://www.youtube.com/user/acmetv",
                &[
                    "https://www.youtube.com/subscription_center?add_user=AcmeTV",
                    "https://www.youtube.com/user/AcmeTV/videos",
                ],
            ),
            (
                "youtube https://www.youtube.com/acmetv",
                &[
                    "https://www.youtube.com/AcmeTV",
                    "https://m.youtube.com/acmetv/videos",
                ],
            ),
            (
                "pinterest https://www.pinterest.com/acmegmbh",
                &[
                    "https://www.pinterest.de/acmegmbh/",
                    "https://de.pinterest.com/acmegmbh/boards/",
                    "https://pinterest.co.uk/acmegmbh/spring-collection/",
                    "https://www.pinterest.com.au/acmegmbh",
                ],
            ),
            (
                "github https://github.com/acme",
                &[
                    "https://github.com/orgs/acme/people",
                    "https://github.com/Acme/",
                ],
            ),
            (
                "gitlab https://gitlab.com/acme",
                &["https://gitlab.com/Acme"],
            ),
            (
                "mastodon https://acme.social/@news",
                &[
                    "https://acme.social/@News",
                    "https://fosstodon.org/@news@acme.social",
                ],
            ),
            (
                "bluesky https://bsky.app/profile/did:plc:abc234",
                &["https://bsky.app/profile/did:plc:abc234"],
            ),
            (
                "telegram https://t.me/acmegmbh",
                &["https://t.me/s/acmegmbh", "https://telegram.me/AcmeGmbH"],
            ),
            (
                "whatsapp https://whatsapp.com/channel/0029VaAbc",
                &["https://www.whatsapp.com/channel/0029VaAbc"],
            ),
            (
                "vimeo https://vimeo.com/channels/acme",
                &["https://vimeo.com/channels/Acme"],
            ),
            (
                "medium https://medium.com/@acme",
                &[
                    "https://medium.com/@Acme",
                    "https://medium.com/@acme?source=footer",
                ],
            ),
            (
                "medium https://medium.com/acme-engineering",
                &["https://medium.com/acme-engineering/"],
            ),
            (
                "medium https://acme.medium.com",
                &["https://acme.medium.com/"],
            ),
            (
                "dribbble https://dribbble.com/acme",
                &["https://dribbble.com/acme/about"],
            ),
            (
                "behance https://www.behance.net/acme",
                &["https://behance.net/acme"],
            ),
            (
                "discord https://discord.gg/AbC123",
                &[
                    "https://discord.gg/AbC123",
                    "https://discord.com/invite/AbC123",
                ],
            ),
            (
                "glassdoor https://www.glassdoor.com/Overview/EI_IE12345.htm",
                &[
                    "https://www.glassdoor.com/Overview/Working-at-Acme-EI_IE12345.11,15.htm",
                    "https://www.glassdoor.de/Bewertungen/Acme-Bewertungen-E12345.htm",
                ],
            ),
            (
                "crunchbase https://www.crunchbase.com/person/jane-doe",
                &["https://www.crunchbase.com/person/Jane-Doe"],
            ),
        ] {
            for href in hrefs {
                let rel = href.contains("acme.social/@").then_some("me");
                let base = Url::parse("https://acme.example/de/").unwrap();
                let got = from_href(&base, href, rel).map(|p| format!("{} {}", p.platform, p.url));
                assert_eq!(got.as_deref(), Some(want), "{href}");
            }
        }
    }

    /// Posts, repositories, chats and the platforms' own pages name no
    /// profile: a page links them whoever wrote or owns them.
    #[test]
    fn posts_repositories_and_platform_pages_are_not_profiles() {
        for href in [
            // Posts, videos, stories.
            "https://www.facebook.com/AcmeGmbH/posts/123456",
            "https://www.facebook.com/AcmeGmbH/videos/123",
            "https://www.facebook.com/AcmeGmbH/photos/a.1/2/",
            "https://www.facebook.com/reel/123",
            "https://www.facebook.com/photo/?fbid=1",
            "https://www.instagram.com/acme/p/Cx12/",
            "https://www.instagram.com/acme/reel/Cx12/",
            "https://x.com/acme/status/123",
            "https://twitter.com/acme/lists/x",
            "https://www.linkedin.com/posts/acme_launch-activity-123",
            "https://www.linkedin.com/feed/update/urn:li:activity:123",
            "https://www.tiktok.com/@acme/video/123",
            "https://www.threads.com/@acme/post/abc",
            "https://bsky.app/profile/acme.com/post/abc",
            "https://chaos.social/@acme/1234567",
            "https://t.me/acmegmbh/123",
            "https://medium.com/acme-engineering/a-story-abc123",
            "https://acme.medium.com/a-story-abc123",
            "https://dribbble.com/shots/123-abc",
            "https://www.behance.net/gallery/123/x",
            // Repositories.
            "https://github.com/acme/widgets",
            "https://github.com/twbs/bootstrap/blob/main/LICENSE",
            "https://gitlab.com/acme/widgets",
            // Chats, invites by phone, servers' channels.
            "https://wa.me/4989123456",
            "https://api.whatsapp.com/send?phone=4989123456",
            "https://chat.whatsapp.com/AbC",
            "https://discord.com/channels/1/2",
            // The platforms' own pages.
            "https://www.facebook.com/legal/terms",
            "https://www.facebook.com/about/privacy",
            "https://www.facebook.com/marketplace/",
            "https://www.instagram.com/direct/inbox/",
            "https://twitter.com/en/tos",
            "https://www.linkedin.com/legal/privacy-policy",
            "https://www.youtube.com/t/terms",
            "https://www.youtube.com/howyoutubeworks",
            "https://www.youtube.com/shorts/abc",
            "https://medium.com/tag/acme",
            "https://gitlab.com/users/sign_in",
            "https://www.kununu.com/de/search",
            "https://www.glassdoor.com/Reviews/index.htm",
            "https://developers.pinterest.com/docs",
            "https://pinterest.example.com/acme",
            "https://help.medium.com/hc",
            // A relative link that only looks like a host.
            "linkedin.html",
            "/www.linkedin.com/company/acme",
        ] {
            assert_eq!(canon(href), None, "{href}");
        }
    }
}
