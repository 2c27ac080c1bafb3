//! Email addresses: visible text (HTML comments never reach it), `mailto:`
//! links, schema.org `email`, `name [at] domain [dot] com` obfuscation
//! (also `[.]`, full-width `＠`) and,
//! where it cannot be prose, `name at domain dot com`.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::literals::LiteralSet;
use super::text::contains_any;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[a-z0-9._%+\-]{1,64}@[a-z0-9](?:[a-z0-9\-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,62}[a-z0-9])?)*\.[a-z]{2,24}",
    )
    .expect("static regex")
});

/// `name [at] domain [dot] com`, `name(at)domain.com`, `name {at} domain (punkt) de`,
/// `name [at] domain . com`.
static OBFUSCATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([a-z0-9][a-z0-9._%+\-]{0,63})[ \t]*[\[\(\{<][ \t]*(?:at|ät|@)[ \t]*[\]\)\}>][ \t]*([a-z0-9][a-z0-9\-]*(?:(?:[ \t]*[\[\(\{<][ \t]*(?:dot|punkt|point|\.)[ \t]*[\]\)\}>][ \t]*|[ \t]+\.[ \t]*|\.)[a-z0-9][a-z0-9\-]*)+)",
    )
    .expect("static regex")
});
static DOT_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[ \t]*[\[\(\{<][ \t]*(?:dot|punkt|point|\.)[ \t]*[\]\)\}>][ \t]*")
        .expect("static regex")
});
/// Literal gate for the obfuscation regex: an opening bracket before "at".
/// Searched in the ASCII-lowercased text: a case-sensitive set gets a SIMD
/// prefilter, a case-insensitive one walks every byte.
static AT_HINT: LazyLock<LiteralSet> = LazyLock::new(|| {
    LiteralSet::new(
        &[
            "[at", "(at", "{at", "<at", "[ at", "( at", "{ at", "[ät", "(ät", "[@", "(@",
        ],
        true,
    )
});
static AT_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)[\[\(\{<]\s*(?:at|ät|@)\s*[\]\)\}>]").expect("static regex"));

/// `info at acme dot com`: "at" and "dot" as plain words. Prose reads the
/// same way ("find us at acme dot com", "the dot com era"), so the match
/// counts only where it cannot be prose (see [`spelled_is_address`]). The
/// German `info ät acme punkt de` spells the sign as it is said, a word no
/// prose has.
static SPELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b([A-Za-z0-9][A-Za-z0-9._%+\-]{0,63})[ \t]+(at|AT|ät|ÄT)[ \t]+([A-Za-z0-9][A-Za-z0-9\-]*(?:[ \t]+(?:dot|DOT|punkt|PUNKT|point|POINT)[ \t]+[A-Za-z0-9][A-Za-z0-9\-]*)+)\b",
    )
    .expect("static regex")
});
static SPELLED_DOT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[ \t]+(?:dot|DOT|punkt|PUNKT|point|POINT)[ \t]+").expect("static regex")
});
/// Mailbox names companies publish; with the site's own domain these make
/// a spelled-out address (`kontakt at acme dot de`).
const ROLE_MAILBOXES: &[&str] = &[
    "info",
    "contact",
    "kontakt",
    "office",
    "buero",
    "sales",
    "vertrieb",
    "support",
    "service",
    "hello",
    "hallo",
    "mail",
    "post",
    "team",
    "jobs",
    "careers",
    "career",
    "karriere",
    "bewerbung",
    "press",
    "presse",
    "media",
    "marketing",
    "hr",
    "personal",
    "billing",
    "accounts",
    "invoice",
    "rechnung",
    "buchhaltung",
    "privacy",
    "datenschutz",
    "legal",
    "recht",
    "compliance",
    "admin",
    "webmaster",
    "enquiries",
    "inquiries",
    "anfrage",
    "orders",
    "bestellung",
    "shop",
    "help",
    "hilfe",
    "feedback",
    "partner",
    "contact-us",
    "contacto",
    "bonjour",
    "accueil",
    "direction",
];
/// Words that read as the object of a sentence, never as a mailbox.
const PROSE_WORDS: &[&str] = &[
    "us",
    "me",
    "you",
    "him",
    "her",
    "it",
    "them",
    "we",
    "i",
    "they",
    "online",
    "here",
    "there",
    "more",
    "information",
    "details",
    "look",
    "find",
    "visit",
    "see",
    "email",
];

/// Whether a spelled-out match is an address rather than a sentence: "AT"
/// and "DOT" written in capitals, as obfuscations are; or the site's own
/// domain with a mailbox-like name (a role such as `info`, or a name joined
/// by `.`, `_` or `-` such as `anna.becker`).
fn spelled_is_address(local: &str, at: &str, dots: &str, domain: &str, site: Option<&str>) -> bool {
    let local = local.to_ascii_lowercase();
    if PROSE_WORDS.contains(&local.as_str()) {
        return false;
    }
    let capitals = at == "AT" && !dots.contains("dot") && dots.contains("DOT");
    if matches!(at, "ät" | "ÄT") {
        return true;
    }
    let own_domain = site.is_some_and(|site| on_domain(domain, site));
    let mailbox_like = ROLE_MAILBOXES.contains(&local.as_str())
        || local
            .trim_matches(['.', '_', '-'])
            .contains(['.', '_', '-']);
    capitals || (own_domain && mailbox_like)
}

/// `press @ acme.com`: an at sign set off by spaces, as pages write it to
/// fool harvesters (or by accident). Prose uses a lone "@" too ("email us
/// @ acme.com", "@acme on X"), so one counts only under the rule of
/// [`spaced_is_address`]. Read around each "@" rather than by a regex over
/// the text: a pattern whose only literal is the "@" in its middle scanned
/// every word of a page that had one.
fn spaced_at_signs(text: &str, host: Option<&str>, own: Option<&str>, out: &mut BTreeSet<String>) {
    let is_local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let mut site = None;
    for at in memchr::memchr_iter(b'@', text.as_bytes()) {
        let before = &text[..at];
        let after = &text[at + 1..];
        let left = before.trim_end_matches([' ', '\t']);
        let right = after.trim_start_matches([' ', '\t']);
        // Not set off (the plain form is read above), or set off by more
        // than a couple of spaces.
        let gap = (before.len() - left.len()) + (after.len() - right.len());
        if gap == 0 || gap > 4 {
            continue;
        }
        let local = &left[left.rfind(|c: char| !is_local(c)).map_or(0, |i| i + 1)..];
        let end = right
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .unwrap_or(right.len());
        let domain = right[..end]
            .trim_end_matches(['.', '-'])
            .to_ascii_lowercase();
        if local.is_empty() || domain.is_empty() {
            continue;
        }
        let candidate = format!("{local}@{domain}");
        let whole = EMAIL
            .find(&candidate)
            .is_some_and(|m| m.start() == 0 && m.end() == candidate.len());
        let site = site.get_or_insert_with(|| host.map(crate::scope::registrable_domain));
        if whole && spaced_is_address(local, &domain, site.as_deref()) {
            push_candidate(&candidate, own, out);
        }
    }
}

/// Whether a spaced match (`press @ acme.com`) is an address: a mailbox
/// name that is no word of a sentence, on the site's own domain, or a role
/// mailbox (`info`, `press`) on any domain.
fn spaced_is_address(local: &str, domain: &str, site: Option<&str>) -> bool {
    let local = local.to_ascii_lowercase();
    if PROSE_WORDS.contains(&local.as_str()) {
        return false;
    }
    site.is_some_and(|site| on_domain(domain, site)) || ROLE_MAILBOXES.contains(&local.as_str())
}

/// File extensions that make `logo@2x.png` look like an address.
const FILE_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "bmp", "ico", "css", "js", "mjs", "json",
    "xml", "pdf", "zip", "mp4", "webm", "woff", "woff2", "ttf", "eot", "map", "php", "html", "htm",
];

/// Domains that only ever appear as placeholders or tracking endpoints.
const PLACEHOLDER_DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "example.de",
    "example.fr",
    "example.co.uk",
    "domain.com",
    "domain.tld",
    "email.com",
    "yourdomain.com",
    "your-domain.com",
    "yourcompany.com",
    "company.com",
    "test.com",
    "mustermann.de",
    "musterfirma.de",
    "beispiel.de",
    "localhost",
    "sentry.io",
    "sentry.wixpress.com",
    "sentry-next.wixpress.com",
    "wixpress.com",
];
const PLACEHOLDER_LOCALS: &[&str] = &[
    "name",
    "your.name",
    "yourname",
    "your-name",
    "you",
    "your.email",
    "youremail",
    "your-email",
    "email",
    "user",
    "username",
    "vorname.nachname",
    "max.mustermann",
    "prenom.nom",
    "john.doe",
    "jane.doe",
    "firstname.lastname",
    "first.last",
    "firstname",
    "lastname",
    "ihr.name",
    "ihrname",
    "nachname",
    "vorname",
    "name.nachname",
    "nome.cognome",
    "nombre.apellido",
    "someone",
];

/// The words of a placeholder domain after a possessive (`yourcompany`,
/// `ihre-domain`, `votre-site`): templates and form hints, in any language.
const PLACEHOLDER_POSSESSIVES: &[&str] = &[
    "your", "ihre", "ihr", "deine", "dein", "votre", "tu", "su", "tuo", "vostro", "uw", "jouw",
];
const PLACEHOLDER_NOUNS: &[&str] = &[
    "domain",
    "domaine",
    "dominio",
    "company",
    "companyname",
    "firma",
    "unternehmen",
    "website",
    "webseite",
    "site",
    "business",
    "email",
    "mail",
    "url",
    "empresa",
    "entreprise",
    "societe",
    "azienda",
    "bedrijf",
    "shop",
];

/// Whether the domain's first label is a possessive and a generic noun
/// (`yourcompany.com`, `ihre-domain.de`, `votre_site.fr`).
fn placeholder_domain(domain: &str) -> bool {
    let label = domain.split('.').next().unwrap_or("");
    PLACEHOLDER_POSSESSIVES.iter().any(|p| {
        label.strip_prefix(p).is_some_and(|rest| {
            let rest = rest.trim_start_matches(['-', '_']);
            PLACEHOLDER_NOUNS.contains(&rest)
        })
    })
}

/// Mailboxes that only send (`noreply`, `no-reply`, `do_not_reply`,
/// `noreply-shop`): no way to reach the company, so not taken.
fn sends_only(local: &str) -> bool {
    let mut squeezed = [0u8; 12];
    let mut n = 0;
    for b in local.bytes().filter(|b| !matches!(b, b'-' | b'_' | b'.')) {
        if n == squeezed.len() {
            break;
        }
        squeezed[n] = b;
        n += 1;
    }
    let s = &squeezed[..n];
    s.starts_with(b"noreply") || s.starts_with(b"donotreply")
}

/// Whether `domain` is `own` (a registrable domain) or one of its subdomains.
pub fn on_domain(domain: &str, own: &str) -> bool {
    // Compared as bytes: a domain of other scripts ("bäckerei.example") has
    // no character boundary where `own`'s length puts the cut.
    let (domain, own) = (domain.as_bytes(), own.as_bytes());
    !own.is_empty()
        && domain.len() >= own.len()
        && domain[domain.len() - own.len()..].eq_ignore_ascii_case(own)
        && (domain.len() == own.len() || domain[domain.len() - own.len() - 1] == b'.')
}

/// Lower-cases and validates a candidate; pushes it if it is a real address.
/// `own` is the company's registrable domain: an address on it counts even
/// when that domain is on the placeholder list (`company.com`, `test.com`
/// and `sentry.io` are real companies).
pub fn push_candidate(raw: &str, own: Option<&str>, out: &mut BTreeSet<String>) {
    let candidate = raw
        .trim()
        .trim_start_matches("mailto:")
        .trim_matches(|c: char| c == '.' || c == '-' || c == '_' || c.is_whitespace())
        .to_lowercase();
    let Some((local, domain)) = candidate.split_once('@') else {
        return;
    };
    if local.is_empty()
        || local.len() > 64
        || domain.len() > 253
        || local.starts_with('.')
        || local.contains("..")
        || !domain.contains('.')
        || PLACEHOLDER_LOCALS.contains(&local)
        || sends_only(local)
    {
        return;
    }
    // What a link or decoded text hands over may hold anything (a mailto's
    // "%0d%0aBcc:", spaces, quotes): only an address's own characters
    // pass, letters of any script included (RFC 6531).
    if !local
        .chars()
        .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        || local.ends_with('.')
        // An empty label is a doubled or an end dot.
        || !domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
    {
        return;
    }
    let tld = domain.rsplit('.').next().unwrap_or("");
    if FILE_TLDS.contains(&tld) || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return;
    }
    let own_domain = own.is_some_and(|own| on_domain(domain, own));
    if !own_domain
        && (PLACEHOLDER_DOMAINS.iter().any(|d| on_domain(domain, d)) || placeholder_domain(domain))
    {
        return;
    }
    // Retina image names such as "hero@2x.webp" have a numeric "domain".
    if domain
        .split('.')
        .next()
        .is_some_and(|l| l.chars().all(|c| c.is_ascii_digit() || c == 'x'))
    {
        return;
    }
    out.insert(candidate);
}

/// Addresses in visible text, plain and obfuscated. `host` is the page's
/// host: a spelled-out address must name its registrable domain unless
/// written in capitals. `own` as for [`push_candidate`].
pub fn from_text(text: &str, host: Option<&str>, own: Option<&str>, out: &mut BTreeSet<String>) {
    // Full-width and small at signs and full stops ("info＠acme.com") read
    // as an address to a person and are one to a spam harvester.
    let text: std::borrow::Cow<'_, str> = if contains_any(text, &["＠", "﹫"]) {
        std::borrow::Cow::Owned(text.replace(['＠', '﹫'], "@").replace(['．', '﹒'], "."))
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let text = text.as_ref();
    if memchr::memchr(b'@', text.as_bytes()).is_some() {
        for m in EMAIL.find_iter(text) {
            if in_url(&text[..m.start()]) || is_remote(&text[m.end()..]) {
                continue;
            }
            push_candidate(m.as_str(), own, out);
        }
        spaced_at_signs(text, host, own, out);
    }
    let lower = text.to_ascii_lowercase();
    // `to_ascii_lowercase` leaves the `Ä` of an `ÄT` as it is.
    if contains_any(&lower, &[" at ", " ät ", " Ät "])
        && contains_any(&lower, &[" dot ", " punkt ", " point "])
    {
        // Looked up only here: most pages spell out no address.
        let site = host.map(crate::scope::registrable_domain);
        for caps in SPELLED.captures_iter(text) {
            let (Some(local), Some(at), Some(domain)) = (caps.get(1), caps.get(2), caps.get(3))
            else {
                continue;
            };
            let spelled = domain.as_str();
            let domain = SPELLED_DOT.replace_all(spelled, ".").to_ascii_lowercase();
            if spelled_is_address(
                local.as_str(),
                at.as_str(),
                spelled,
                &domain,
                site.as_deref(),
            ) {
                push_candidate(&format!("{}@{}", local.as_str(), domain), own, out);
            }
        }
    }
    if AT_HINT.is_match(lower.as_bytes()) && AT_TOKEN.is_match(text) {
        for caps in OBFUSCATED.captures_iter(text) {
            let (Some(local), Some(domain)) = (caps.get(1), caps.get(2)) else {
                continue;
            };
            // "acme [dot] de", and "acme . de" (a dot set off by spaces;
            // a sentence's full stop has none before it).
            let domain: String = DOT_TOKEN
                .replace_all(domain.as_str(), ".")
                .split_whitespace()
                .collect();
            push_candidate(&format!("{}@{}", local.as_str(), domain), own, out);
        }
    }
}

/// `<meta>` names whose content may hold an address (`<meta name="email"
/// content="info@acme.de">`, `reply-to`, an author's or designer's credit).
const EMAIL_META: &[&str] = &[
    "email",
    "e-mail",
    "mail",
    "reply-to",
    "contact",
    "og:email",
    "author",
    "designer",
    "publisher",
    "owner",
    "copyright",
    "dc.creator",
];

/// Addresses in a `<meta>` element's content (`key` lower-cased).
pub fn from_meta(key: &str, content: &str, own: Option<&str>, out: &mut BTreeSet<String>) {
    if !content.contains('@') || !EMAIL_META.contains(&key) {
        return;
    }
    for m in EMAIL.find_iter(content) {
        if !in_url(&content[..m.start()]) {
            push_candidate(m.as_str(), own, out);
        }
    }
}

/// Decodes Cloudflare's email obfuscation: hex bytes, the first is a key
/// XOR-ed into the rest. Company sites behind Cloudflare show only
/// "[email protected]" in the text and keep the address in
/// `data-cfemail="..."` or a `/cdn-cgi/l/email-protection#...` link.
pub fn decode_cloudflare(hex: &str) -> Option<String> {
    let hex = hex.trim();
    if hex.len() < 4 || !hex.len().is_multiple_of(2) || hex.len() > 512 {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let key = byte(0)?;
    let bytes: Option<Vec<u8>> = (2..hex.len())
        .step_by(2)
        .map(|i| byte(i).map(|b| b ^ key))
        .collect();
    String::from_utf8(bytes?).ok()
}

/// A `mailto:` link (query and multiple recipients handled), or a
/// Cloudflare `email-protection#hex` link.
pub fn from_href(href: &str, own: Option<&str>, out: &mut BTreeSet<String>) {
    let href = href.trim();
    // The `#` test is a memchr; it keeps the substring search off the many
    // links without a fragment.
    if href.contains('#')
        && let Some((path, hex)) = href.split_once("email-protection#")
        && path.ends_with("/cdn-cgi/l/")
    {
        if let Some(decoded) = decode_cloudflare(hex) {
            // The decoded text may itself be a mailto: target.
            let decoded = decoded
                .strip_prefix("mailto:")
                .unwrap_or(&decoded)
                .to_string();
            push_candidate(&decoded, own, out);
        }
        return;
    }
    let Some(rest) = href
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("mailto:"))
        .map(|_| &href[7..])
    else {
        return;
    };
    let (addresses, query) = rest.split_once('?').unwrap_or((rest, ""));
    let decoded = percent_decode(addresses);
    for a in decoded.split([',', ';']) {
        push_recipient(a, own, out);
    }
    // RFC 6068: `mailto:?to=press@acme.de` and `&cc=`, `&bcc=` name
    // recipients too (a subject or body does not).
    for pair in query.split('&') {
        if let Some((key, value)) = pair.split_once('=')
            && ["to", "cc", "bcc"]
                .iter()
                .any(|k| key.eq_ignore_ascii_case(k))
        {
            for a in percent_decode(value).split([',', ';']) {
                push_recipient(a, own, out);
            }
        }
    }
}

/// Whether an address starting after `before` is part of a URL: glued to a
/// path (`/@user`) or the user part of `scheme://user:pass@host`. A label
/// glued on with a colon (`E-Mail:info@…`, `mailto:info@…`) is not.
fn in_url(before: &str) -> bool {
    match before.chars().next_back() {
        Some('/') => true,
        Some(':') => {
            let token = before
                .rfind(char::is_whitespace)
                .map_or(before, |at| &before[at..]);
            token.contains("//")
        }
        _ => false,
    }
}

/// Whether what follows an address makes it an SSH remote
/// (`git@github.com:acme/widgets.git`): a colon glued to a path.
fn is_remote(after: &str) -> bool {
    let b = after.as_bytes();
    b.first() == Some(&b':')
        && b.get(1)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'/')
}

/// One recipient of a `mailto:` link: `Jane Doe <jane@acme.de>` is
/// `jane@acme.de` (mail clients take the display-name form), a `//` before
/// the address is a slip for `mailto://`, and an encoded `?` ends it.
/// `info(at)acme.de` is decoded as in text.
fn push_recipient(raw: &str, own: Option<&str>, out: &mut BTreeSet<String>) {
    let mut a = raw.trim();
    if let Some(open) = a.rfind('<')
        && let Some(inner) = a[open + 1..].strip_suffix('>')
    {
        // A name, not smuggled headers (`%0d%0aBcc: <x@…>`).
        if a[..open].chars().any(|c| c.is_control() || c == ':') {
            return;
        }
        a = inner;
    }
    let a = a.trim_start_matches("//");
    let a = a.split('?').next().unwrap_or(a);
    if !a.contains('@') && AT_TOKEN.is_match(a) {
        if let Some(caps) = OBFUSCATED.captures(a)
            && let (Some(local), Some(domain)) = (caps.get(1), caps.get(2))
        {
            // "acme [dot] de", and "acme . de" (a dot set off by spaces;
            // a sentence's full stop has none before it).
            let domain: String = DOT_TOKEN
                .replace_all(domain.as_str(), ".")
                .split_whitespace()
                .collect();
            push_candidate(&format!("{}@{}", local.as_str(), domain), own, out);
        }
        return;
    }
    push_candidate(a, own, out);
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<String> {
        found_on(text, None)
    }

    fn found_on(text: &str, host: Option<&str>) -> Vec<String> {
        let mut out = BTreeSet::new();
        from_text(text, host, None, &mut out);
        out.into_iter().collect()
    }

    #[test]
    fn spelled_out_on_the_sites_own_domain_or_in_capitals() {
        let acme = Some("www.acme.de");
        assert_eq!(
            found_on("Schreiben Sie an kontakt at acme dot de", acme),
            ["kontakt@acme.de"]
        );
        assert_eq!(
            found_on("anna.becker at team dot acme dot de", acme),
            ["anna.becker@team.acme.de"]
        );
        assert_eq!(
            found_on("Mail: info AT othergroup DOT co DOT uk", acme),
            ["info@othergroup.co.uk"]
        );
        assert_eq!(
            found_on("kontakt at acme punkt de", acme),
            ["kontakt@acme.de"]
        );
        // Spelled as said in German: deliberate on any domain.
        assert_eq!(
            found_on("Presse: presse ät othergroup punkt de", acme),
            ["presse@othergroup.de"]
        );
        assert_eq!(
            found_on("INFO ÄT OTHERGROUP PUNKT DE", acme),
            ["info@othergroup.de"]
        );
        assert!(found_on("presse ät othergroup", acme).is_empty());
        // Prose, another domain, or a word that is no mailbox.
        assert!(found_on("Find us at acme dot de for more", acme).is_empty());
        assert!(found_on("info at othergroup dot com", acme).is_empty());
        assert!(found_on("money at the dot com boom", acme).is_empty());
        assert!(found_on("Visit us AT acme DOT de", acme).is_empty());
        assert!(found_on("kontakt at acme dot de", None).is_empty());
        // A capitalised AT with a lower-case dot is not the deliberate form.
        assert!(found_on("info AT othergroup dot com", acme).is_empty());
    }

    #[test]
    fn an_at_sign_set_off_by_spaces() {
        let acme = Some("www.acme-robotics.com");
        assert_eq!(
            found_on("Press: press @ acme-robotics.com", acme),
            ["press@acme-robotics.com"]
        );
        assert_eq!(
            found_on("Anna Becker – anna.becker @acme-robotics.com", acme),
            ["anna.becker@acme-robotics.com"]
        );
        assert_eq!(
            found_on("jobs@ acme-robotics.com", acme),
            ["jobs@acme-robotics.com"]
        );
        // A role mailbox on another domain is an address too.
        assert_eq!(
            found_on("info @ othergroup.co.uk", acme),
            ["info@othergroup.co.uk"]
        );
        // Prose: a pronoun before the sign, a handle, another domain's
        // non-role name.
        assert!(found_on("Email us @ acme-robotics.com", acme).is_empty());
        assert!(found_on("Follow @acmerobotics on X", acme).is_empty());
        assert!(found_on("Tickets @ eventbrite.com", acme).is_empty());
        // The plain form is read once.
        assert_eq!(
            found_on("info@acme-robotics.com", acme),
            ["info@acme-robotics.com"]
        );
    }

    #[test]
    fn plain_and_obfuscated() {
        assert_eq!(found("Mail: Info@Acme.DE."), vec!["info@acme.de"]);
        assert_eq!(
            found("write to jobs [at] acme [dot] com or press(at)acme.co.uk"),
            vec!["jobs@acme.com", "press@acme.co.uk"]
        );
        assert_eq!(
            found("kontakt {at} firma (punkt) de"),
            vec!["kontakt@firma.de"]
        );
    }

    #[test]
    fn junk_is_dropped() {
        assert!(found("logo@2x.png hero@3x.webp").is_empty());
        assert!(found("john.doe@example.com you@yourdomain.com").is_empty());
        assert!(found("meet us at the fair (at) booth 5").is_empty());
        assert_eq!(found("info [at] acme . de"), ["info@acme.de"]);
        assert_eq!(
            found("Kontakt: info (at) acme . co . uk"),
            ["info@acme.co.uk"]
        );
        // A full stop after the domain ends the sentence, not the address.
        assert!(found("Write to info [at] acme. We reply within a day").is_empty());
    }

    #[test]
    fn cloudflare_obfuscation() {
        // "info@acme.test" XOR 0x42, key first.
        let key = 0x42u8;
        let hex: String = std::iter::once(key)
            .chain(b"info@acme.test".iter().map(|b| b ^ key))
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(decode_cloudflare(&hex).as_deref(), Some("info@acme.test"));
        let mut out = BTreeSet::new();
        from_href(
            &format!("/cdn-cgi/l/email-protection#{hex}"),
            None,
            &mut out,
        );
        assert_eq!(out.into_iter().collect::<Vec<_>>(), ["info@acme.test"]);
        // Broken input: odd length, not hex, too short.
        assert_eq!(decode_cloudflare("abc"), None);
        assert_eq!(decode_cloudflare("zz11"), None);
        assert_eq!(decode_cloudflare("42"), None);
        // A look-alike path elsewhere is not decoded.
        let mut out = BTreeSet::new();
        from_href(&format!("/blog/email-protection#{hex}"), None, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_link_smuggling_more_than_an_address_gives_none() {
        let mut out = BTreeSet::new();
        for href in [
            "mailto:a%0d%0aBcc:x@evil.example",
            "mailto:info%20@acme.com",
            "mailto:%22quoted%22@acme.com",
            "mailto:info@acme.com%0d%0a",
            "mailto:info@acme..com",
            "mailto:info@-acme.com",
            "mailto:info@acme.com/path",
            "mailto:a%0d%0aBcc:<x@evil.example>",
            "mailto:Bcc: x <x@evil.example>",
        ] {
            from_href(href, None, &mut out);
        }
        // Only the one whose extra characters are the trimmed line break.
        assert_eq!(out.into_iter().collect::<Vec<_>>(), ["info@acme.com"]);
        // Letters of other scripts are an address's own (RFC 6531), and a
        // domain of them is compared with the placeholder domains without
        // cutting a character.
        assert!(!on_domain("bäckerei.example", "ckerei.example"));
        assert!(on_domain("shop.bäckerei.example", "bäckerei.example"));
        let mut out = BTreeSet::new();
        from_href("mailto:jürgen.müller@bäckerei.example", None, &mut out);
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            ["jürgen.müller@bäckerei.example"]
        );
    }

    /// Links and candidates built from the pieces that steer the checks
    /// (percent escapes, line breaks, separators, letters whose lower case
    /// is longer, other scripts): no panic, and only addresses of an
    /// address's characters come out.
    #[test]
    fn generated_links_give_only_addresses() {
        let pieces = [
            "info", "a.b", "@", "@", "acme", "bäcker", "日本", "İ", "ß", ".example", ".com", ".",
            "..", "-", "%0d%0a", "%40", "%", "%c3%a4", "%ff", " ", "\r\n", ":", "bcc:", "?", "cc=",
            "&", "\"", "<", ">", "/", ",", ";",
        ];
        let mut rng = crate::testgen::Rng::new(0x0e3a_11ed);
        let mut kept = 0;
        for _ in 0..20_000 {
            let s: String = (0..1 + rng.below(8))
                .map(|_| pieces[rng.below(pieces.len())])
                .collect();
            let mut out = BTreeSet::new();
            from_href(&format!("mailto:{s}"), None, &mut out);
            from_href(&format!("mailto:?cc={s}"), Some("bäcker.example"), &mut out);
            push_candidate(&s, Some("acme.com"), &mut out);
            for a in &out {
                let (local, domain) = a.split_once('@').expect("an at sign");
                assert!(
                    !local.is_empty() && domain.contains('.'),
                    "{a:?} from {s:?}"
                );
                assert!(
                    !a.chars()
                        .any(|c| c.is_whitespace() || c.is_control() || "\"<>:,;".contains(c)),
                    "{a:?} from {s:?}"
                );
                assert_eq!(a.matches('@').count(), 1, "{a:?} from {s:?}");
            }
            kept += out.len();
        }
        // The test shows something: some inputs do make addresses.
        assert!(kept > 20, "{kept} addresses");
    }

    #[test]
    fn mailto() {
        let mut out = BTreeSet::new();
        from_href("mailto:Sales@Acme.com?subject=Hi", None, &mut out);
        from_href("MAILTO:a@acme.com,b@acme.com", None, &mut out);
        from_href(
            "mailto:?to=press%40acme.com&cc=c@acme.com&subject=x@y.com",
            None,
            &mut out,
        );
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            vec![
                "a@acme.com",
                "b@acme.com",
                "c@acme.com",
                "press@acme.com",
                "sales@acme.com"
            ]
        );
    }

    fn from_links(hrefs: &[&str]) -> Vec<String> {
        let mut out = BTreeSet::new();
        for h in hrefs {
            from_href(h, Some("acme.de"), &mut out);
        }
        out.into_iter().collect()
    }

    /// `mailto:` links as sites write them: each gives its one address.
    #[test]
    fn mailto_variants_give_the_address() {
        for href in [
            "MailTo:Info@Acme.de",
            "mailto:Info%40acme.de",
            "mailto:?TO=info%40acme.de&subject=x",
            "mailto:Info Desk <info@acme.de>",
            "mailto:%22Info%20Desk%22%20%3Cinfo@acme.de%3E",
            "mailto://info@acme.de",
            "mailto:info@acme.de%3Fsubject=Anfrage",
            "mailto:info(at)acme.de",
            "mailto:info [at] acme [dot] de",
        ] {
            assert_eq!(from_links(&[href]), ["info@acme.de"], "{href}");
        }
        // Scripts that assemble an address are not run.
        assert!(from_links(&["javascript:location.href='mailto:'+'info'+'@acme.de'"]).is_empty());
        assert!(from_links(&["mailto:info(at)acme"]).is_empty());
    }

    /// What only looks like an address: remotes, placeholders in any
    /// language, and mailboxes that cannot be written to.
    #[test]
    fn remotes_placeholders_and_senders_are_not_addresses() {
        let acme = Some("www.acme.de");
        for text in [
            "git clone git@github.com:acme/widgets.git",
            "ssh deploy@build.acme.de:/srv/app",
            "info@yourcompany.com",
            "kontakt@ihre-domain.de",
            "contact@votre_site.fr",
            "firstname.lastname@acme.de",
            "someone@somewhere.com",
            "noreply@acme.de",
            "no-reply@shop.acme.de",
            "do_not_reply@acme.de",
            "NoReply.Jobs@acme.de",
        ] {
            assert!(found_on(text, acme).is_empty(), "{text}");
        }
        // An address before a colon and a space, a company whose name
        // starts like a possessive, a mailbox that only starts like one.
        for (text, want) in [
            ("Mail info@acme.de: we answer in a day", "info@acme.de"),
            ("info@yourstory.com", "info@yourstory.com"),
            ("info@ihre-apotheke.de", "info@ihre-apotheke.de"),
            ("nora.reply@acme.de", "nora.reply@acme.de"),
            ("replies@acme.de", "replies@acme.de"),
        ] {
            assert_eq!(found_on(text, acme), [want], "{text}");
        }
    }

    #[test]
    fn addresses_in_meta_elements() {
        let mut out = BTreeSet::new();
        from_meta("email", "Info@Acme.de", None, &mut out);
        from_meta("reply-to", "Jane <jane@acme.de>", None, &mut out);
        from_meta(
            "designer",
            "Pixel Agentur, hallo@pixel-agentur.de",
            None,
            &mut out,
        );
        // Other metadata is not read: a share image, a page URL.
        from_meta(
            "og:image",
            "https://cdn.example/hero@2x.jpg",
            None,
            &mut out,
        );
        from_meta("description", "Write to sales@acme.de", None, &mut out);
        from_meta("author", "https://user@cdn.acme.de/", None, &mut out);
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            ["hallo@pixel-agentur.de", "info@acme.de", "jane@acme.de"]
        );
    }
}
