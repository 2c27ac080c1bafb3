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
            200..=299 => match Robot::new(&agent_token(user_agent), body) {
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

/// The product token of a User-Agent (`CIRA-crawler/0.1 (+url)` ->
/// `CIRA-crawler`), which robots.txt groups are matched against.
pub fn agent_token(user_agent: &str) -> String {
    user_agent
        .split(['/', ' '])
        .next()
        .unwrap_or(user_agent)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

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
