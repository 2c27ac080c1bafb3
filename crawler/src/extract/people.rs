//! People and their job titles from team, about, leadership, contact and
//! imprint pages. Layouts covered:
//!
//! - cards and heading + title line: "Jane Doe" / "Chief Executive Officer"
//!   (either order, adjacent lines),
//! - one line: "Jane Doe, CEO", "Jane Doe – Gründerin", "CEO: Jane Doe",
//! - imprint style: "Geschäftsführer: Max Muster, Erika Beispiel",
//! - tables: a row with a name cell and a title cell (DOM).

use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};

use super::Person;

/// Job title vocabulary, several languages. Matched as whole words,
/// case-insensitively (acronyms in upper case only, see `ACRONYMS`).
static TITLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:chief\s+\w+(?:\s+\w+)?\s+officer|founder|co-?founder|cofounder|president|vice[\s\-]president|director|managing\s+director|head\s+of|manager|lead|engineer|developer|designer|partner|managing\s+partner|chairman|chairwoman|chairperson|chair|board\s+member|owner|principal|consultant|architect|executive|officer|advisor|adviser|accountant|counsel|attorney|lawyer|scientist|analyst|recruiter|specialist|coordinator|assistant|secretary|treasurer|geschäftsführer(?:in)?|geschäftsführung|gründer(?:in)?|mitgründer(?:in)?|mitbegründer(?:in)?|vorstand(?:svorsitzende[rn]?)?|vorsitzende[rn]?|inhaber(?:in)?|\w*leiter(?:in)?|\w*leitung|\w*manager(?:in)?|\w*entwickler(?:in)?|\w*berater(?:in)?|\w*referent(?:in)?|\w*ingenieur(?:in)?|\w*direktor(?:in)?|\w*beauftragte[rn]?|\w*koordinator(?:in)?|\w*architekt(?:in)?|prokurist(?:in)?|aufsichtsrat(?:svorsitzende[rn]?)?|bereichsleiter(?:in)?|teamleiter(?:in)?|entwickler(?:in)?|berater(?:in)?|vertrieb|ansprechpartner(?:in)?|directeur|directrice|président(?:e)?|fondateur|fondatrice|co-?fondat(?:eur|rice)|gérant(?:e)?|responsable|ingénieur(?:e)?|associé(?:e)?|chef\s+de|chargé(?:e)?\s+de|directeur\s+général|directrice\s+générale|fundador(?:a)?|director(?:a)?|oprichter|eigenaar|directeur-eigenaar|amministratore\s+delegato|fondatore|presidente)s?\b",
    )
    .expect("static regex")
});
static ACRONYMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:CEO|CTO|CFO|COO|CMO|CIO|CPO|CRO|CSO|CISO|CHRO|CDO|VP|SVP|EVP|PDG|DG|MD|GF)\b")
        .expect("static regex")
});

/// "Title: Name[, Name] [und|and|et Name]" — imprint style; a name may
/// carry its own title in parentheses ("Dr. Anna Becker (Geschäftsführerin)").
static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<title>[\p{L}\s\-/()]+?)\s*:\s*(?P<names>[\p{Lu}][\p{L}\s.,'\-&()]+)$")
        .expect("static regex")
});
/// "Name (Title)" inside a labelled list.
static NAME_WITH_OWN_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>[^()]+?)\s*\((?P<title>[^()]+)\)$").expect("static regex")
});
/// "Name, Title" / "Name – Title" / "Name | Title" / "Name (Title)".
static NAME_SEP_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<a>[^,–—|()]+?)\s*(?P<sep>,|\s[–—\-|]\s|\()\s*(?P<b>[^()]+?)\)?$")
        .expect("static regex")
});

/// Imprint labels that introduce people but are not job titles themselves.
const REPRESENTED_BY: &[&str] = &[
    "vertreten durch",
    "vertretungsberechtigt",
    "vertretungsberechtigte geschäftsführer",
    "represented by",
    "représentée par",
    "représenté par",
    "directeur de la publication",
    "responsable de la publication",
    "verantwortlich",
    "inhaltlich verantwortlich",
    "verantwortlich für den inhalt",
    "v.i.s.d.p.",
];

/// Capitalised words that look like names but are page furniture.
const NOT_NAME_WORDS: &[&str] = &[
    "team",
    "our",
    "meet",
    "the",
    "us",
    "about",
    "contact",
    "company",
    "services",
    "products",
    "home",
    "news",
    "blog",
    "privacy",
    "policy",
    "terms",
    "imprint",
    "impressum",
    "gmbh",
    "ag",
    "inc",
    "ltd",
    "llc",
    "sas",
    "sarl",
    "kg",
    "co",
    "und",
    "and",
    "et",
    "read",
    "more",
    "view",
    "profile",
    "linkedin",
    "email",
    "phone",
    "telefon",
    "fax",
    "street",
    "straße",
    "berlin",
    "münchen",
    "paris",
    "london",
    "management",
    "leadership",
    "board",
    "directors",
    "unser",
    "unsere",
    "notre",
    "nos",
    "équipe",
    "geschäftsführung",
    "vorstand",
    "kontakt",
    "mehr",
    "erfahren",
    "all",
    "rights",
    "reserved",
    "copyright",
    "cookie",
    "cookies",
    "settings",
    "customer",
    "support",
    "sales",
    "marketing",
    "engineering",
    "office",
    "headquarters",
    "service",
    "group",
    "holding",
    "international",
    "germany",
    "deutschland",
    "france",
    "europe",
    "new",
    "york",
    "san",
    "francisco",
    "mission",
    "vision",
    "values",
    "history",
    "careers",
    "jobs",
    "join",
    "open",
    "positions",
    "welcome",
    "hello",
    "thank",
    "you",
    "name",
    "names",
    "role",
    "roles",
    "position",
    "title",
    "function",
    "funktion",
    "nom",
    "poste",
    "fonction",
    "photo",
    "bild",
    // Registry and court wording of imprints ("Registergericht: Amtsgericht
    // Hamburg").
    "amtsgericht",
    "registergericht",
    "handelsregister",
    "registry",
    "register",
    "tribunal",
    "greffe",
];
const NAME_PREFIXES: &[&str] = &[
    "dr.",
    "dr",
    "prof.",
    "prof",
    "mr.",
    "mrs.",
    "ms.",
    "mr",
    "mrs",
    "ms",
    "herr",
    "frau",
    "m.",
    "mme",
    "mme.",
    "dipl.-ing.",
    "dipl.-kfm.",
    "ing.",
    "mag.",
    "mag.a",
    "dr.in",
    "di",
    "dkfm.",
];
/// Degrees written after a name ("Julia Gruber, MSc").
const NAME_SUFFIXES: &[&str] = &[
    "msc", "m.sc.", "bsc", "b.sc.", "mba", "phd", "ph.d.", "m.a.", "b.a.", "llm", "ll.m.", "meng",
    "m.eng.", "beng", "jr.", "jr", "sr.", "sr", "ii", "iii",
];
const PARTICLES: &[&str] = &[
    "von", "van", "de", "der", "den", "da", "di", "du", "le", "la", "zu", "del", "dos", "ter",
];

/// Strips courtesy and academic prefixes; returns the bare name if it looks
/// like a person's name (2-4 capitalised words, particles allowed).
pub fn clean_name(raw: &str) -> Option<String> {
    // "Label: value" is a labelled line, never a bare name.
    if raw.trim_end().trim_end_matches(':').contains(':') {
        return None;
    }
    let mut words: Vec<&str> = raw
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| c == ',' || c == ';' || c == ':'))
        .filter(|w| !w.is_empty())
        .collect();
    while words
        .first()
        .is_some_and(|w| NAME_PREFIXES.contains(&w.to_lowercase().as_str()))
    {
        words.remove(0);
    }
    while words.len() > 2
        && words
            .last()
            .is_some_and(|w| NAME_SUFFIXES.contains(&w.to_lowercase().as_str()))
    {
        words.pop();
    }
    if words
        .iter()
        .any(|w| NAME_SUFFIXES.contains(&w.to_lowercase().as_str()))
    {
        return None;
    }
    let capitalised = words.iter().filter(|w| !PARTICLES.contains(w)).count();
    if !(2..=4).contains(&capitalised) || words.len() > 6 {
        return None;
    }
    for w in &words {
        if PARTICLES.contains(w) {
            continue;
        }
        let mut chars = w.chars();
        let first = chars.next()?;
        if !first.is_uppercase() {
            return None;
        }
        // "J." initials are fine; otherwise letters, apostrophes, hyphens.
        let rest: Vec<char> = chars.collect();
        let initial = rest == ['.'];
        if !initial
            && (rest.is_empty()
                || !rest
                    .iter()
                    .all(|c| c.is_alphabetic() || *c == '\'' || *c == '-' || *c == '’'))
        {
            return None;
        }
        // ALL CAPS words are headings or acronyms, not names.
        if rest.len() > 1 && rest.iter().all(|c| c.is_uppercase()) {
            return None;
        }
        if NOT_NAME_WORDS.contains(&w.to_lowercase().as_str()) {
            return None;
        }
    }
    let name = words.join(" ");
    if is_title(&name) {
        return None;
    }
    Some(name)
}

static LEADERSHIP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:CEO|CTO|CFO|COO|CMO|CIO|CPO|PDG|chief|founder|co-?founder|gründer(?:in)?|mitgründer(?:in)?|fondat(?:eur|rice)|fundador(?:a)?|geschäftsführer(?:in)?|managing director|president|président(?:e)?|owner|inhaber(?:in)?|vorstand\w*|directeur général|directrice générale)\b",
    )
    .expect("static regex")
});

/// True for titles that name the company's leadership.
pub fn is_leadership(title: &str) -> bool {
    LEADERSHIP.is_match(title)
}

/// True if the text is (or contains) a job title.
pub fn is_title(s: &str) -> bool {
    TITLE_WORDS.is_match(s) || ACRONYMS.is_match(s)
}

/// A plausible title line: short, contains a title word, no sentence.
fn title_line(s: &str) -> Option<String> {
    let t = s.trim().trim_end_matches(['.', ',', ';']);
    let words = t.split_whitespace().count();
    if words == 0 || words > 10 || t.chars().count() > 90 || t.contains('@') || t.contains("http") {
        return None;
    }
    if t.chars().filter(char::is_ascii_digit).count() > 2 {
        return None;
    }
    // "Vertreten durch: Anna Becker (Geschäftsführerin)" names people; it
    // is not itself a title line to pair with a neighbour.
    if let Some((_, after)) = t.split_once(':')
        && after.split([',', '(']).any(|p| clean_name(p).is_some())
    {
        return None;
    }
    is_title(t).then(|| t.to_string())
}

fn person(name: String, title: String) -> Person {
    Person { name, title }
}

/// Splits "Max Muster, Erika Beispiel (Prokuristin) und Hans Dampf" into
/// names, each with the title it carries in parentheses, if any.
fn split_names(s: &str) -> Vec<(String, Option<String>)> {
    s.split([',', '&', ';'])
        .flat_map(|p| {
            p.split(" und ")
                .flat_map(|q| q.split(" and "))
                .flat_map(|q| q.split(" et "))
        })
        .filter_map(|part| match NAME_WITH_OWN_TITLE.captures(part.trim()) {
            Some(c) => Some((clean_name(&c["name"])?, title_line(&c["title"]))),
            None => Some((clean_name(part)?, None)),
        })
        .collect()
}

/// People from the visible text of a team-like page.
pub fn from_text(text: &str) -> Vec<Person> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut used = vec![false; lines.len()];
    for i in 0..lines.len() {
        let line = lines[i];
        if line.chars().count() > 200 {
            continue;
        }
        // "Geschäftsführer: Max Muster, Erika Beispiel"
        if let Some(c) = LABELLED.captures(line) {
            let label = c["title"].trim();
            let lower = label.to_lowercase();
            let represented = REPRESENTED_BY.iter().any(|r| lower.starts_with(r));
            if represented || title_line(label).is_some() {
                let names = split_names(&c["names"]);
                if !names.is_empty() {
                    let title = if represented {
                        represented_title(&lower)
                    } else {
                        label.to_string()
                    };
                    for (n, own) in names {
                        out.push(person(n, own.unwrap_or_else(|| title.clone())));
                    }
                    used[i] = true;
                    continue;
                }
            }
        }
        // "Jane Doe, CEO" / "Jane Doe – Gründerin" / "CEO – Jane Doe"
        if let Some(c) = NAME_SEP_TITLE.captures(line) {
            let (a, b) = (c["a"].trim(), c["b"].trim());
            if let (Some(n), Some(t)) = (clean_name(a), title_line(b)) {
                out.push(person(n, t));
                used[i] = true;
                continue;
            }
            // "CEO – Jane Doe"; with a comma the order is too ambiguous.
            if c["sep"].trim() != ","
                && let (Some(t), Some(n)) = (title_line(a), clean_name(b))
            {
                out.push(person(n, t));
                used[i] = true;
                continue;
            }
        }
    }
    // Cards: a name line next to a title line.
    for i in 0..lines.len() {
        if used[i] {
            continue;
        }
        let Some(name) = clean_name(lines[i]) else {
            continue;
        };
        let next = lines
            .get(i + 1)
            .filter(|_| !used.get(i + 1).copied().unwrap_or(true));
        let prev = i
            .checked_sub(1)
            .filter(|&p| !used[p])
            .and_then(|p| lines.get(p));
        let title = next
            .and_then(|l| title_line(l).map(|t| (t, i + 1)))
            .or_else(|| prev.and_then(|l| title_line(l).map(|t| (t, i - 1))));
        if let Some((t, j)) = title {
            // The title line must not itself be a name (two names in a row).
            if clean_name(lines[j]).is_none() {
                out.push(person(name, t));
                used[i] = true;
                used[j] = true;
            }
        }
    }
    out
}

fn represented_title(label: &str) -> String {
    if label.contains("publication") {
        "Directeur de la publication".into()
    } else if label.contains("verantwortlich") || label.contains("v.i.s.d.p") {
        "Verantwortlich für den Inhalt".into()
    } else if label.contains("geschäftsführer") {
        "Geschäftsführer".into()
    } else if label.starts_with("repr") && label.contains("par") {
        "Représentant légal".into()
    } else if label.starts_with("represented") {
        "Legal representative".into()
    } else {
        "Vertretungsberechtigt".into()
    }
}

static ROWS: LazyLock<Selector> = LazyLock::new(|| Selector::parse("tr").expect("static selector"));
static CELLS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("td, th").expect("static selector"));

/// Table rows with a name cell and a title cell.
pub fn from_tables(dom: &Html) -> Vec<Person> {
    let mut out = Vec::new();
    for row in dom.select(&ROWS) {
        let cells: Vec<String> = row
            .select(&CELLS)
            .map(|c| c.text().collect::<Vec<_>>().join(" "))
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let name = cells.iter().find_map(|c| clean_name(c));
        let title = cells.iter().find_map(|c| title_line(c));
        if let (Some(n), Some(t)) = (name, title) {
            out.push(person(n, t));
        }
    }
    out
}

/// Merge key for a person: lower-case name without punctuation.
pub fn key(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One entry per person and title within a page.
pub fn dedupe(mut people: Vec<Person>) -> Vec<Person> {
    people.sort_by(|a, b| key(&a.name).cmp(&key(&b.name)).then(a.title.cmp(&b.title)));
    people.dedup_by(|a, b| key(&a.name) == key(&b.name) && a.title == b.title);
    // A titled entry makes an untitled one for the same person redundant.
    let titled: std::collections::BTreeSet<String> = people
        .iter()
        .filter(|p| !p.title.is_empty())
        .map(|p| key(&p.name))
        .collect();
    people.retain(|p| !p.title.is_empty() || !titled.contains(&key(&p.name)));
    people
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(people: &[Person]) -> Vec<(&str, &str)> {
        people
            .iter()
            .map(|p| (p.name.as_str(), p.title.as_str()))
            .collect()
    }

    #[test]
    fn names() {
        assert_eq!(clean_name("Dr. Jane Doe").as_deref(), Some("Jane Doe"));
        assert_eq!(
            clean_name("Ludwig van Beethoven").as_deref(),
            Some("Ludwig van Beethoven")
        );
        assert_eq!(clean_name("Our Team"), None);
        assert_eq!(clean_name("Chief Executive Officer"), None);
        assert_eq!(clean_name("ACME GMBH"), None);
        assert_eq!(clean_name("Jane"), None);
    }

    #[test]
    fn degrees_and_german_compound_titles() {
        let got = from_text(
            "Unser Team\nDI Julia Gruber, MSc\nLeiterin Entwicklung\nIng. Peter Wagner\n\
             Projektleiter\nMag. Stefan Huber\nVertriebsleiterin\nSarah Lee, PhD\nSoftwareentwicklerin",
        );
        let pairs = pairs(&got);
        assert_eq!(
            pairs,
            [
                ("Julia Gruber", "Leiterin Entwicklung"),
                ("Peter Wagner", "Projektleiter"),
                ("Stefan Huber", "Vertriebsleiterin"),
                ("Sarah Lee", "Softwareentwicklerin")
            ]
        );
        // A degree alone does not make a name; a short surname is one.
        assert_eq!(clean_name("Lee MSc"), None);
        assert_eq!(clean_name("Jack Ma").as_deref(), Some("Jack Ma"));
    }

    #[test]
    fn imprint_representatives_with_their_own_titles() {
        let got = from_text(
            "Nordwind Robotics GmbH\nHandelsregister: HRB 123456\n\
             Registergericht: Amtsgericht Hamburg\n\
             Vertreten durch: Dr. Anna Becker (Geschäftsführerin), Lars Petersen\n\
             Kontakt",
        );
        let pairs = pairs(&got);
        assert_eq!(
            pairs,
            [
                ("Anna Becker", "Geschäftsführerin"),
                ("Lars Petersen", "Vertretungsberechtigt")
            ],
            "the court line is not a person, the representation line not a title"
        );
        assert_eq!(clean_name("Registergericht: Amtsgericht Hamburg"), None);
        assert_eq!(clean_name("Amtsgericht Hamburg"), None);
    }

    #[test]
    fn layouts() {
        let got = from_text(
            "Meet the team\nJane Doe\nChief Executive Officer\nCTO\nJohn Smith\n\
             Anna Schmidt, Geschäftsführerin\nGeschäftsführer: Max Muster, Erika Beispiel\n\
             Pierre Martin – Directeur technique",
        );
        let pairs = pairs(&got);
        assert!(
            pairs.contains(&("Jane Doe", "Chief Executive Officer")),
            "{pairs:?}"
        );
        assert!(pairs.contains(&("John Smith", "CTO")), "{pairs:?}");
        assert!(
            pairs.contains(&("Anna Schmidt", "Geschäftsführerin")),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("Max Muster", "Geschäftsführer")),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("Erika Beispiel", "Geschäftsführer")),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("Pierre Martin", "Directeur technique")),
            "{pairs:?}"
        );
        assert_eq!(pairs.len(), 6, "{pairs:?}");
    }
}
