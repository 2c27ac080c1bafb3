//! Page classification and small text helpers shared by the extractors.

use serde::{Deserialize, Serialize};

use super::{PageSummary, Product};
use crate::page::FetchedPage;

/// What a page is about, judged from its URL, title and headings.
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    Home,
    Team,
    About,
    Contact,
    Imprint,
    /// A privacy or cookie policy: it names the company as controller and
    /// many other companies as processors (see `parties`).
    Privacy,
    Products,
    #[default]
    Other,
}

impl PageKind {
    /// Pages where people and their titles are listed.
    pub fn is_people_page(self) -> bool {
        matches!(
            self,
            PageKind::Team | PageKind::About | PageKind::Imprint | PageKind::Contact
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::Home => "home",
            PageKind::Team => "team",
            PageKind::About => "about",
            PageKind::Contact => "contact",
            PageKind::Imprint => "imprint",
            PageKind::Privacy => "privacy",
            PageKind::Products => "products",
            PageKind::Other => "other",
        }
    }
}

const TEAM_WORDS: &[&str] = &[
    "team",
    "teams",
    "our-team",
    "unser-team",
    "leadership",
    "management",
    "people",
    "our-people",
    "founders",
    "board",
    "vorstand",
    "geschaeftsfuehrung",
    "geschäftsführung",
    "equipe",
    "équipe",
    "l-equipe",
    "notre-equipe",
    "direction",
    "executives",
    "staff",
    "mitarbeiter",
    "ansprechpartner",
    "equipo",
    "nuestro-equipo",
    "el-equipo",
    "equipa",
    "a-nossa-equipa",
    "il-team",
    "il-nostro-team",
    "squadra",
    "direzione",
    "direccion",
    "dirección",
    "directie",
    "het-team",
    "ons-team",
    "ledning",
    "ledningsgrupp",
    "ledelse",
    "ledelsen",
    "styrelse",
    "bestyrelse",
    "medarbetare",
    "medarbejdere",
    "ansatte",
    "johto",
    "tiimi",
    "henkilosto",
    "zarzad",
    "zespol",
    "tym",
    "csapat",
    "csapatunk",
    "vezetoseg",
    "vezetőség",
    "echipa",
    "echipa-noastra",
    "conducere",
    "ekip",
    "ekibimiz",
    "yonetim",
    "yönetim",
    "yonetim-kurulu",
    "tim",
    "nas-tim",
    "naš-tim",
    "uprava",
    "vodstvo",
    "vedenie",
    "nasa-ekipa",
    "nossa-equipe",
    "equipe-de-direcao",
];
const ABOUT_WORDS: &[&str] = &[
    "about",
    "about-us",
    "aboutus",
    "ueber-uns",
    "uber-uns",
    "über-uns",
    "unternehmen",
    "company",
    "a-propos",
    "à-propos",
    "qui-sommes-nous",
    "who-we-are",
    "wir",
    "over-ons",
    "chi-siamo",
    "azienda",
    "sobre-nosotros",
    "quienes-somos",
    "empresa",
    "quem-somos",
    "sobre-nos",
    "om-oss",
    "om-os",
    "om-foretaget",
    "yritys",
    "meista",
    "o-nas",
    "o-firmie",
    "o-spolecnosti",
    "rolunk",
    "rólunk",
    "cegunkrol",
    "cégünkről",
    "despre-noi",
    "despre",
    "hakkimizda",
    "hakkımızda",
    "kurumsal",
    "o-nama",
    "o-podjetju",
    "o-spolocnosti",
    "a-empresa",
    "la-empresa",
    "institucional",
    "firmenprofil",
    "unternehmensprofil",
    "wir-ueber-uns",
    "company-profile",
];
const CONTACT_WORDS: &[&str] = &[
    "contact",
    "contact-us",
    "contactez-nous",
    "kontakt",
    "contacto",
    "contatti",
    "contattaci",
    "contactos",
    "contato",
    "contacten",
    "get-in-touch",
    "kontakta-oss",
    "kontakt-oss",
    "kontakt-os",
    "yhteystiedot",
    "ota-yhteytta",
    "kontakty",
    "kapcsolat",
    "iletisim",
    "iletişim",
    "bize-ulasin",
    "contactanos",
    "contactenos",
    "contáctenos",
    "fale-conosco",
    "nous-contacter",
    "kontaktformular",
];
const IMPRINT_WORDS: &[&str] = &[
    "imprint",
    "impressum",
    "legal",
    "legal-notice",
    "legal-notices",
    "mentions-legales",
    "mentions-légales",
    "colofon",
    "note-legali",
    "informazioni-legali",
    "aviso-legal",
    "nota-legal",
    "informacion-legal",
    "terms",
    "agb",
    "cgv",
    "disclaimer",
    "impresszum",
    "impresum",
    "kunye",
    "künye",
    "yasal-uyari",
    "aviso-legal-y-politica-de-privacidad",
    "pravne-informacije",
    "mentions",
];
/// Words of a path segment, alone or in a compound (`/privacy-policy`,
/// `/politique-de-confidentialite`), that make a privacy policy.
const PRIVACY_WORDS: &[&str] = &[
    "privacy",
    "datenschutz",
    "datenschutzerklaerung",
    "datenschutzerklärung",
    "datenschutzhinweise",
    "confidentialite",
    "confidentialité",
    "privacidad",
    "privacidade",
    "riservatezza",
    "privacybeleid",
    "privacyverklaring",
    "gdpr",
    "dsgvo",
    "rgpd",
];

/// Words of a compound segment that make a cookie policy with "cookie"
/// (`/cookie-policy`, `/cookie-richtlinie`; `/cookies` alone may sell them).
const COOKIE_POLICY_WORDS: &[&str] = &[
    "policy",
    "richtlinie",
    "richtlinien",
    "hinweise",
    "erklaerung",
    "politique",
    "politica",
    "notice",
];

/// Titles of privacy policies.
const PRIVACY_TITLES: &[&str] = &[
    "privacy policy",
    "privacy notice",
    "privacy statement",
    "cookie policy",
    "datenschutzerklärung",
    "datenschutzhinweise",
    "datenschutz",
    "politique de confidentialité",
    "política de privacidad",
    "informativa sulla privacy",
    "informativa privacy",
    "privacyverklaring",
    "privacybeleid",
];

/// A path segment naming a privacy or cookie policy.
fn privacy_segment(segment: &str) -> bool {
    let words = || segment.split(['-', '_', '.']);
    let cookie = segment.contains("cookie");
    // `/impressum-datenschutz` holds the imprint too: it is read as one.
    !words().any(|w| w == "impressum" || w == "imprint")
        && words()
            .any(|w| PRIVACY_WORDS.contains(&w) || (cookie && COOKIE_POLICY_WORDS.contains(&w)))
}

const PRODUCT_WORDS: &[&str] = &[
    "products",
    "product",
    "produkte",
    "produkt",
    "services",
    "service",
    "leistungen",
    "solutions",
    "loesungen",
    "lösungen",
    "produits",
    "offres",
    "angebot",
    "features",
    "platform",
];

fn words_match(segment: &str, words: &[&str]) -> bool {
    words.contains(&segment)
}

/// Words of a compound path segment that make it a team page on their own
/// (`/our-leadership-team`, `/vorstand-und-aufsichtsrat`).
const TEAM_SEGMENT_WORDS: &[&str] = &[
    "team",
    "leadership",
    "founders",
    "executives",
    "vorstand",
    "aufsichtsrat",
    "geschaeftsfuehrung",
    "geschäftsführung",
    "equipe",
    "équipe",
];
/// Words that make a team page only with a second such word
/// (`/management-board`, `/board-of-directors`, `/executive-committee`).
const TEAM_PAIR_WORDS: &[&str] = &[
    "management",
    "board",
    "directors",
    "executive",
    "committee",
    "people",
    "our",
];

/// A path segment of several words naming a team page.
fn team_compound(segment: &str) -> bool {
    let words: Vec<&str> = segment.split(['-', '_', '.']).collect();
    if words.len() < 2 {
        return false;
    }
    words.iter().any(|w| TEAM_SEGMENT_WORDS.contains(w))
        || words.iter().filter(|w| TEAM_PAIR_WORDS.contains(w)).count() >= 2
}

/// Classifies a page from its URL path, then its title and first heading.
pub fn classify(page: &FetchedPage) -> PageKind {
    let path = page.url.path().to_lowercase();
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches(".html").trim_end_matches(".php"))
        .collect();
    if segments.is_empty() || (segments.len() == 1 && segments[0].len() == 2) {
        // "/" or a language root such as "/de/".
        if page.depth == 0 || segments.is_empty() {
            return PageKind::Home;
        }
    }
    let by_segment = |words: &[&str]| segments.iter().any(|s| words_match(s, words));
    // The most specific kind wins: a team page under /about/ is a team page.
    if by_segment(TEAM_WORDS) || segments.iter().any(|s| team_compound(s)) {
        return PageKind::Team;
    }
    // Before the imprint's words: `/legal/privacy-policy` is a privacy policy.
    if segments.iter().any(|s| privacy_segment(s)) {
        return PageKind::Privacy;
    }
    if by_segment(IMPRINT_WORDS) {
        return PageKind::Imprint;
    }
    if by_segment(CONTACT_WORDS) {
        return PageKind::Contact;
    }
    if by_segment(ABOUT_WORDS) {
        return PageKind::About;
    }
    if segments
        .first()
        .is_some_and(|s| words_match(s, PRODUCT_WORDS))
        || (segments.len() >= 2 && words_match(segments[1], PRODUCT_WORDS))
    {
        return PageKind::Products;
    }
    // Fall back to the title and the first h1.
    let mut label = page.scan.title.clone().unwrap_or_default().to_lowercase();
    if let Some((_, h)) = page.scan.headings.iter().find(|(l, _)| *l == 1) {
        label.push(' ');
        label.push_str(&h.to_lowercase());
    }
    let has = |ws: &[&str]| {
        label
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .any(|w| ws.contains(&w))
    };
    if has(&[
        "impressum",
        "imprint",
        "impresszum",
        "impresum",
        "colofon",
        "künye",
    ]) || ["mentions légales", "aviso legal", "note legali"]
        .iter()
        .any(|t| label.contains(t))
    {
        PageKind::Imprint
    } else if PRIVACY_TITLES.iter().any(|t| label.contains(t)) {
        PageKind::Privacy
    } else if has(&[
        "team",
        "leadership",
        "équipe",
        "equipe",
        "founders",
        "equipo",
        "equipa",
        "squadra",
        "directie",
        "csapatunk",
        "echipa",
        "ekibimiz",
    ]) {
        PageKind::Team
    } else if has(&[
        "kontakt",
        "contact",
        "contacto",
        "contatti",
        "kontakty",
        "kapcsolat",
        "iletişim",
    ]) {
        PageKind::Contact
    } else if label.contains("about us") || label.contains("über uns") || label.contains("à propos")
    {
        PageKind::About
    } else {
        PageKind::Other
    }
}

/// The lines of `text` with the offset each starts at (the line break
/// kept at its end), so a line can be placed against byte offsets such as
/// `card_breaks`.
pub(crate) fn lines_at(text: &str) -> impl Iterator<Item = (usize, &str)> {
    // `memchr` rather than `split_inclusive('\n')`: std's byte search goes
    // a word at a time, this one a vector at a time, over every page's text.
    let mut start = 0;
    memchr::memchr_iter(b'\n', text.as_bytes())
        .map(Some)
        .chain(std::iter::once(None))
        .filter_map(move |newline| {
            let at = start;
            match newline {
                Some(end) => {
                    start = end + 1;
                    Some((at, &text[at..=end]))
                }
                None => (at < text.len()).then(|| (at, &text[at..])),
            }
        })
}

/// Whether `text` holds any of `needles`, tested in their order.
/// `memchr`'s substring search rather than `str::contains`: the extractors'
/// gates run over the whole text of every page, and most pages hold none
/// of their words.
pub(crate) fn contains_any(text: &str, needles: &[&str]) -> bool {
    needles
        .iter()
        .any(|n| memchr::memmem::find(text.as_bytes(), n.as_bytes()).is_some())
}

/// The lines `str::lines` gives (a `\n` or `\r\n` ends one), found as
/// [`lines_at`] finds them.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    lines_at(text).map(|(_, raw)| match raw.strip_suffix('\n') {
        Some(line) => line.strip_suffix('\r').unwrap_or(line),
        None => raw,
    })
}

/// Shortens `s` to at most `max` characters on a word boundary.
pub fn shorten(s: &str, max: usize) -> String {
    let s = s.trim();
    // The byte where the `max`-th character ends, found in one pass
    // without copying the characters one by one.
    let Some((end, _)) = s.char_indices().nth(max) else {
        return s.to_string();
    };
    let cut = &s[..end];
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// The summary kept for the overview, for shallow and telling pages only.
pub fn summary(page: &FetchedPage, kind: PageKind) -> Option<PageSummary> {
    if page.depth > 1 && kind == PageKind::Other {
        return None;
    }
    let scan = &page.scan;
    let description = scan
        .meta
        .iter()
        .find(|(k, _)| k == "description" || k == "og:description")
        .map(|(_, v)| shorten(v, 300))
        .filter(|v| !v.is_empty());
    let lead = scan
        .text
        .lines()
        .map(str::trim)
        .find(|l| is_lead(l))
        .map(|l| shorten(l, 300));
    Some(PageSummary {
        url: page.url.to_string(),
        depth: page.depth,
        kind,
        title: scan.title.as_deref().map(|t| shorten(t, 160)),
        description,
        lead,
    })
}

/// Words of a footer's legal line or a consent banner: such a line is never
/// what a page says about the company.
const BOILERPLATE: &[&str] = &[
    "©",
    "copyright",
    "all rights reserved",
    "alle rechte",
    "tous droits",
    "cookie",
    "javascript",
    "registered in",
    "registered office",
    "company no",
    "company number",
    "handelsregister",
    "registergericht",
    "privacy",
    "datenschutz",
];

/// A line that can stand for what a page says: a sentence of some length,
/// not an address list, a legal footer or a cookie banner.
fn is_lead(line: &str) -> bool {
    if line.len() < 80 || line.split_whitespace().count() < 12 || line.contains('@') {
        return false;
    }
    // A register or account number (a run of 7 digits or more); prose
    // with years, prices and order numbers has shorter runs.
    let mut run = 0;
    for b in line.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 7 {
            return false;
        }
    }
    // The words are ASCII (or caseless, "©"): ASCII lowering finds them,
    // one multi-literal pass over the line.
    let lower = line.to_ascii_lowercase();
    !BOILERPLATE_SET.is_match(lower.as_bytes())
}

static BOILERPLATE_SET: std::sync::LazyLock<super::literals::LiteralSet> =
    std::sync::LazyLock::new(|| super::literals::LiteralSet::new(BOILERPLATE, true));

/// Headings that are navigation or boilerplate, never product names.
const GENERIC_HEADINGS: &[&str] = &[
    "products",
    "our products",
    "services",
    "our services",
    "solutions",
    "our solutions",
    "features",
    "pricing",
    "contact",
    "contact us",
    "about",
    "about us",
    "newsletter",
    "faq",
    "menu",
    "navigation",
    "search",
    "follow us",
    "related products",
    "leistungen",
    "unsere leistungen",
    "produkte",
    "unsere produkte",
    "kontakt",
    "nos services",
    "nos produits",
    "produits",
    "why us",
    "testimonials",
    "get started",
    "learn more",
];

/// Product names from a products/services page: the h1 of a product detail
/// page, or the h2/h3 headings of an overview page.
pub fn product_headings(page: &FetchedPage) -> Vec<Product> {
    let segments: Vec<&str> = page
        .url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let is_detail =
        segments.len() >= 2 && !words_match(segments[segments.len() - 1], PRODUCT_WORDS);
    let description = page
        .scan
        .meta
        .iter()
        .find(|(k, _)| k == "description")
        .map(|(_, v)| shorten(v, 200))
        .filter(|v| !v.is_empty());
    let wanted: &[u8] = if is_detail { &[1] } else { &[2, 3] };
    let mut out = Vec::new();
    for (i, (level, text)) in page.scan.headings.iter().enumerate() {
        if !wanted.contains(level) {
            continue;
        }
        let t = text.trim().trim_end_matches(':');
        let words = t.split_whitespace().count();
        let lower = t.to_lowercase();
        if words == 0
            || words > 6
            || t.ends_with('?')
            || t.ends_with('!')
            || GENERIC_HEADINGS.contains(&lower.as_str())
            || !t
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        {
            continue;
        }
        out.push(Product {
            name: t.to_string(),
            description: if is_detail {
                description.clone()
            } else {
                text_after_heading(&page.scan, i)
            },
        });
        if is_detail {
            break;
        }
    }
    out
}

/// The line of text right after heading `i` on an overview page (a
/// product card's blurb: `<h3>VisionKit</h3><p>Machine-vision camera kit
/// …</p>`), if it reads as one: a few words or more, not the next heading,
/// not a link's label such as "Learn more".
fn text_after_heading(scan: &crate::page::PageScan, i: usize) -> Option<String> {
    let at = *scan.heading_at.get(i)?;
    let rest = scan.text.get(at..)?;
    let start = at + rest.find('\n')? + 1;
    if scan.heading_at.get(i + 1) == Some(&start) {
        return None;
    }
    let line = scan.text.get(start..)?.lines().next()?.trim();
    let words = line.split_whitespace().count();
    let lower = line.to_lowercase();
    (words >= 3 && line.len() <= 600 && !GENERIC_HEADINGS.contains(&lower.as_str()))
        .then(|| shorten(line, 200))
}

#[cfg(test)]
mod tests {
    use super::{is_lead, lines, lines_at};

    #[test]
    fn lines_split_as_std_splits_them() {
        for text in [
            "",
            "\n",
            "\n\n",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "a\r",
            "a\rb\n\r\n",
            "\r\n\r",
            "Müller\n\n  Straße 1 \r\n10115 Berlin",
        ] {
            let at: Vec<(usize, &str)> = lines_at(text).collect();
            let std_at: Vec<(usize, &str)> = text
                .split_inclusive('\n')
                .scan(0, |offset, raw| {
                    let start = *offset;
                    *offset += raw.len();
                    Some((start, raw))
                })
                .collect();
            assert_eq!(at, std_at, "{text:?}");
            assert_eq!(
                lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn leads_are_sentences_not_footers_or_banners() {
        assert!(is_lead(
            "Since 2012 we have shipped release 4.1 to more than 300 customers, cutting planning time by 35%; order 2024-000042 ships in 2 days."
        ));
        assert!(is_lead(
            "Northwind Robotics builds autonomous mobile robots for warehouses and factories across Europe."
        ));
        for line in [
            "Acme Widgets Ltd, Registered in England and Wales, Company No. 01234567. Registered office: 1 High Street, London",
            "We use cookies to give you the best experience on our website. By continuing you agree to our use of cookies.",
            "© 2024 Acme Widgets Ltd. All rights reserved. Terms of use, privacy policy and the imprint of this website.",
            "Muster GmbH · Musterstraße 1 · 80331 München · Telefon +49 89 1234567 · Telefax +49 89 1234568 · Sitz München",
            "Short line.",
            "COPYRIGHT 2024 ACME WIDGETS LTD, A COMPANY THAT MAKES WIDGETS FOR THE WHOLE WORLD AND MORE",
            "Diese Seite verwendet JavaScript und speichert Daten gemäß unserer Datenschutzerklärung auf Ihrem Gerät.",
        ] {
            assert!(!is_lead(line), "{line}");
        }
    }
}
