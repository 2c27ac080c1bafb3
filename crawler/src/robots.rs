//! robots.txt rules for one host, parsed with `texting_robots`, following
//! RFC 9309 for unavailable files: a 4xx means no rules, a 5xx or an
//! unreachable server means "disallow everything" for this run.

use texting_robots::Robot;

use crate::skip::SkipReason;

/// Largest robots.txt read (RFC 9309 asks crawlers to read at least 500 KiB).
pub const MAX_ROBOTS_BYTES: usize = 512 * 1024;

/// The rules that apply to this crawler on one host.
#[derive(Debug)]
pub enum RobotsRules {
    AllowAll,
    DisallowAll {
        reason: String,
    },
    /// robots.txt could not be requested or answered at all (the guard
    /// refused the address, the network failed, it timed out): everything
    /// is disallowed, and the reason is the site's, not the file's.
    Unreachable(SkipReason),
    Parsed(Box<Robot>),
}

impl RobotsRules {
    /// Rules from a fetched robots.txt response.
    pub fn from_response(user_agent: &str, status: u16, body: &[u8]) -> Self {
        match status {
            200..=299 => match Robot::new(&agent_token(user_agent), &agent_lines_as_tokens(body)) {
                Ok(robot) => RobotsRules::Parsed(Box::new(robot)),
                // A file that does not parse is treated as no rules, as the
                // major crawlers do.
                Err(_) => RobotsRules::AllowAll,
            },
            // 429 asks to slow down; it says nothing about the rules.
            400..=499 if status != 429 => RobotsRules::AllowAll,
            _ => RobotsRules::DisallowAll {
                reason: format!("robots.txt answered HTTP {status}"),
            },
        }
    }

    /// A status that leaves the rules unknown: a server error or 429.
    pub fn is_unavailable_status(status: u16) -> bool {
        status == 429 || !(200..500).contains(&status)
    }

    pub fn allowed(&self, url: &str) -> bool {
        match self {
            RobotsRules::AllowAll => true,
            RobotsRules::DisallowAll { .. } | RobotsRules::Unreachable(_) => false,
            RobotsRules::Parsed(robot) => robot.allowed(url),
        }
    }

    /// The crawl-delay in seconds, if the file sets one.
    pub fn crawl_delay(&self) -> Option<f64> {
        match self {
            RobotsRules::Parsed(robot) => robot.delay.map(f64::from).filter(|d| *d > 0.0),
            _ => None,
        }
    }

    pub fn sitemaps(&self) -> &[String] {
        match self {
            RobotsRules::Parsed(robot) => &robot.sitemaps,
            _ => &[],
        }
    }
}

/// `User-agent:` lines cut to their product token, as Google's parser
/// reads them: `User-agent: CIRA-crawler/0.1` names the group of
/// `CIRA-crawler` (RFC 9309 matches product tokens, and sites copy the
/// whole User-Agent string into the line). Other lines are left alone; a
/// file without such a line is not copied.
fn agent_lines_as_tokens(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let lines = || body.split(|b| *b == b'\n');
    if !lines().any(|line| cut_agent_line(line).is_some()) {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = Vec::with_capacity(body.len());
    for (i, line) in lines().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        match cut_agent_line(line) {
            Some((head, token)) => {
                out.extend_from_slice(head);
                out.push(b' ');
                out.extend_from_slice(token);
            }
            None => out.extend_from_slice(line),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A `User-agent:` line whose value runs on past its product token: the
/// line up to its colon, and the token.
fn cut_agent_line(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &line[start..];
    let key = b"user-agent";
    if rest.len() <= key.len() || !rest[..key.len()].eq_ignore_ascii_case(key) {
        return None;
    }
    let colon = rest[key.len()..].iter().position(|b| *b == b':')?;
    if !rest[key.len()..key.len() + colon]
        .iter()
        .all(u8::is_ascii_whitespace)
    {
        return None;
    }
    let at = start + key.len() + colon + 1;
    let value = line[at..].trim_ascii();
    let token = value
        .iter()
        .take_while(|b| b.is_ascii_alphabetic() || matches!(b, b'-' | b'_' | b'*'))
        .count();
    (token > 0 && token < value.len()).then(|| (&line[..at], &value[..token]))
}

/// The product token of a User-Agent (`CIRA-crawler/0.1 (+url)` ->
/// `CIRA-crawler`), which robots.txt groups are matched against.
pub fn agent_token(user_agent: &str) -> String {
    user_agent
        .split(['/', ' '])
        .next()
        .unwrap_or(user_agent)
        .to_string()
}

/// What a page asks of crawlers in its robots `<meta>` tags and
/// `X-Robots-Tag` headers. `noindex` concerns search indexes, which the
/// crawler is not: a noindex imprint is read like any page. `nofollow` asks
/// not to follow the page's links, which the crawler honours as it honours
/// robots.txt.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PageDirectives {
    pub noindex: bool,
    pub nofollow: bool,
}

/// Directives written `name: value`: a header value that starts with another
/// name and a colon names the user agent it is for (`googlebot: nofollow`).
const VALUED_DIRECTIVES: &[&str] = &[
    "max-snippet",
    "max-image-preview",
    "max-video-preview",
    "unavailable_after",
];

impl PageDirectives {
    /// Reads a comma-separated directive list by whole tokens:
    /// `max-image-preview:none` is no `none`, and `none` is noindex and
    /// nofollow.
    pub fn add_list(&mut self, list: &str) {
        for token in list.split(',').map(str::trim) {
            let none = token.eq_ignore_ascii_case("none");
            self.noindex |= none || token.eq_ignore_ascii_case("noindex");
            self.nofollow |= none || token.eq_ignore_ascii_case("nofollow");
        }
    }

    /// The directives of a page for the crawler whose robots.txt product
    /// token is `agent`: `<meta name=robots>` and `<meta name=<agent>>`
    /// (`meta` keys lower-cased), and every `X-Robots-Tag` header, which
    /// stands for the tag, unless it names another user agent.
    pub fn of_page<'a>(
        meta: impl IntoIterator<Item = (&'a str, &'a str)>,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        agent: &str,
    ) -> Self {
        let mut d = Self::default();
        for (name, content) in meta {
            if name == "robots" || name.eq_ignore_ascii_case(agent) {
                d.add_list(content);
            }
        }
        for (name, value) in headers {
            if !name.eq_ignore_ascii_case("x-robots-tag") {
                continue;
            }
            match value.split_once(':') {
                Some((scope, rest)) if is_agent_scope(scope) => {
                    if scope.trim().eq_ignore_ascii_case(agent) {
                        d.add_list(rest);
                    }
                }
                _ => d.add_list(value),
            }
        }
        d
    }
}

/// `googlebot` in `googlebot: nofollow`: one word before the colon that is
/// no directive of its own.
fn is_agent_scope(scope: &str) -> bool {
    let scope = scope.trim();
    !scope.is_empty()
        && !scope.contains([',', ' '])
        && !VALUED_DIRECTIVES
            .iter()
            .any(|d| d.eq_ignore_ascii_case(scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_lines_with_a_version_name_the_product() {
        let ua = "CIRA-crawler/0.1 (+https://example.org/bot)";
        for body in [
            "User-agent: CIRA-crawler/0.1\nDisallow: /private\n",
            "User-agent: cira-crawler/0.1 (+https://example.org/bot)\nDisallow: /private\n",
            "user-agent:CIRA-crawler/2.0\r\nDisallow: /private\r\n",
            "User-agent: *\nAllow: /\n\nUser-agent: CIRA-crawler/0.1\nDisallow: /private\n",
        ] {
            let rules = RobotsRules::from_response(ua, 200, body.as_bytes());
            assert!(!rules.allowed("http://acme.test/private/x"), "{body:?}");
            assert!(rules.allowed("http://acme.test/public"), "{body:?}");
        }
        // Another crawler's versioned group is still another's.
        let rules = RobotsRules::from_response(ua, 200, b"User-agent: OtherBot/1.0\nDisallow: /\n");
        assert!(rules.allowed("http://acme.test/x"));
        // A file with plain tokens is read as it is.
        assert!(matches!(
            agent_lines_as_tokens(b"User-agent: *\nDisallow: /a\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn page_directives_by_whole_tokens_and_agent() {
        let d = |meta: &[(&str, &str)], headers: &[(&str, &str)]| {
            let d = PageDirectives::of_page(
                meta.iter().copied(),
                headers.iter().copied(),
                "CIRA-crawler",
            );
            (d.noindex, d.nofollow)
        };
        type Pairs = &'static [(&'static str, &'static str)];
        let table: &[(Pairs, Pairs, (bool, bool))] = &[
            (&[("robots", "noindex, nofollow")], &[], (true, true)),
            (&[("robots", "NONE")], &[], (true, true)),
            (&[("robots", "noindex,follow")], &[], (true, false)),
            // Yoast's defaults and image previews turned off are no `none`.
            (
                &[(
                    "robots",
                    "index, follow, max-image-preview:none, max-snippet:-1",
                )],
                &[],
                (false, false),
            ),
            (
                &[("robots", "noimageindex, nosnippet")],
                &[],
                (false, false),
            ),
            // Another crawler's tag is not ours; ours is.
            (&[("googlebot", "nofollow")], &[], (false, false)),
            (&[("cira-crawler", "nofollow")], &[], (false, true)),
            // The header stands for the tag.
            (&[], &[("x-robots-tag", "nofollow")], (false, true)),
            (&[], &[("X-Robots-Tag", "none")], (true, true)),
            (
                &[],
                &[("x-robots-tag", "googlebot: nofollow")],
                (false, false),
            ),
            (
                &[],
                &[("x-robots-tag", "CIRA-crawler: noindex, nofollow")],
                (true, true),
            ),
            (
                &[],
                &[(
                    "x-robots-tag",
                    "unavailable_after: 25 Jun 2030 15:00:00 PST",
                )],
                (false, false),
            ),
            (
                &[],
                &[("x-robots-tag", "noindex, max-snippet: 20")],
                (true, false),
            ),
            (&[], &[("link", "</x>; rel=nofollow")], (false, false)),
        ];
        for (meta, headers, want) in table {
            assert_eq!(d(meta, headers), *want, "{meta:?} {headers:?}");
        }
    }

    const TXT: &[u8] = b"User-agent: *\nDisallow: /private\nAllow: /private/ok\n\n\
        User-agent: CIRA-crawler\nDisallow: /no-cira\nCrawl-delay: 2\n\
        Sitemap: https://acme.test/sitemap-a.xml\n";

    #[test]
    fn specific_group_wins() {
        let r = RobotsRules::from_response("CIRA-crawler/0.1 (+https://cira.dev/bot)", 200, TXT);
        assert!(!r.allowed("https://acme.test/no-cira/x"));
        assert!(r.allowed("https://acme.test/private"));
        assert_eq!(r.crawl_delay(), Some(2.0));
        assert_eq!(
            r.sitemaps(),
            ["https://acme.test/sitemap-a.xml".to_string()]
        );
        let other = RobotsRules::from_response("OtherBot/1", 200, TXT);
        assert!(!other.allowed("https://acme.test/private/x"));
        assert!(other.allowed("https://acme.test/private/ok"));
    }

    #[test]
    fn unavailable_files() {
        assert!(RobotsRules::from_response("a", 404, b"").allowed("https://x.test/y"));
        assert!(!RobotsRules::from_response("a", 503, b"").allowed("https://x.test/y"));
        assert!(!RobotsRules::from_response("a", 429, b"").allowed("https://x.test/y"));
        assert!(RobotsRules::is_unavailable_status(503) && RobotsRules::is_unavailable_status(429));
        assert!(
            !RobotsRules::is_unavailable_status(404) && !RobotsRules::is_unavailable_status(200)
        );
        let junk = RobotsRules::from_response("a", 200, &[0xff, 0xfe, 0x00, 0x41]);
        assert!(junk.allowed("https://x.test/"));
    }
}
