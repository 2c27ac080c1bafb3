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
/// case-insensitively (acronyms in upper case only, see `ACRONYMS`). Only
/// nouns whose plural is itself a title ("Directors", "Founders") take an
/// "s": "leads", "heads", "chairs" and "engineers" are the verbs of a bio
/// sentence.
static TITLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?:",
        // Plural forms that are titles.
        r"(?:director|founder|co-?founder|managing\s+director|manager|officer|owner|executive|board\s+member|advisor|adviser|managing\s+partner|vice[\s\-]president|president)s",
        // English.
        r"|chief\s+\w+(?:\s+\w+)?\s+officer|founder|co-?founder|cofounder|president|vice[\s\-]president|director|managing\s+director|head\s+of|manager|lead|engineer|developer|designer|partner|managing\s+partner|chairman|chairwoman|chairperson|chair|board\s+member|owner|principal|consultant|architect|executive|officer|advisor|adviser|accountant|counsel|attorney|lawyer|scientist|analyst|recruiter|specialist|coordinator|assistant|secretary|treasurer",
        // German, with the gendered forms written out or in parentheses.
        r"|geschäftsführer(?:in|innen)?|geschäftsführung|geschäftsführende[rn]?|gesellschafter(?:in|innen)?|gründer(?:in)?|mitgründer(?:in)?|mitbegründer(?:in)?|vorstand(?:svorsitzende[rn]?|smitglied|smitglieder)?|vorständin|vorsitzende[rn]?|inhaber(?:in)?|\w*leiter(?:in)?|\w*leitung|\w*manager(?:in)?|\w*entwickler(?:in)?|\w*berater(?:in)?|\w*referent(?:in)?|\w*ingenieur(?:in)?|\w*direktor(?:in)?|\w*beauftragte[rn]?|\w*koordinator(?:in)?|\w*architekt(?:in)?|prokurist(?:in|en|innen)?|aufsichtsrat(?:svorsitzende[rn]?|smitglied)?|bereichsleiter(?:in)?|teamleiter(?:in)?|entwickler(?:in)?|berater(?:in)?|vertrieb|ansprechpartner(?:in)?",
        // French, Spanish, Dutch, Italian.
        r"|directeur|directrice|président(?:e)?|fondateur|fondatrice|co-?fondat(?:eur|rice)|gérant(?:e)?|responsable|ingénieur(?:e)?|associé(?:e)?|chef\s+de|chargé(?:e)?\s+de|directeur\s+général|directrice\s+générale|fundador(?:a)?|director(?:a)?|oprichter|eigenaar|directeur-eigenaar|amministratore\s+delegato|fondatore|presidente",
        r")\b",
    ))
    .expect("static regex")
});
static ACRONYMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:CEO|CTO|CFO|COO|CMO|CIO|CPO|CRO|CSO|CISO|CHRO|CDO|VP|SVP|EVP|PDG|DG|MD|GF)\b")
        .expect("static regex")
});

/// "Title: Name[, Name] [und|and|et Name]" — imprint style; a name may
/// carry its own title in parentheses ("Dr. Anna Becker (Geschäftsführerin)").
static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<title>[\p{L}\s\-/()*]+?)\s*:\s*(?P<names>[\p{Lu}][\p{L}\s.,'\-&()]+)$")
        .expect("static regex")
});
/// German gender forms written with a colon, underscore or star
/// ("Geschäftsführer:in"): the colon is not a label's.
static GENDER_MARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\p{Ll})[:_*](in|innen)\b").expect("static regex"));
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

/// Certifications and degrees written in capitals after a name.
const CAPS_SUFFIXES: &[&str] = &[
    "MBA", "CPA", "CFA", "PMP", "ACCA", "FCCA", "ACA", "FCA", "CIPP", "PE", "RA", "StB", "WP",
];

/// Courtesy and academic prefixes beyond the list: abbreviations of two or
/// more letters ending in a dot ("med.", "rer.", "nat.", "Dipl.-Ing.",
/// "Univ.-Prof.", "h.c."), and parenthesised qualifiers ("(FH)", "(TU)").
/// A first name never ends in a dot unless it is an initial ("J.").
fn is_prefix_word(w: &str) -> bool {
    let lower = w.to_lowercase();
    if NAME_PREFIXES.contains(&lower.as_str()) {
        return true;
    }
    if w.starts_with('(') && w.ends_with(')') {
        return true;
    }
    w.ends_with('.') && w.chars().filter(|c| c.is_alphabetic()).count() >= 2
}

/// Degrees and certifications after a name: the list, dotted abbreviations
/// ("Ph.D.", "Dipl.-Ing."), capitals ("MBA") and parenthesised ones.
fn is_suffix_word(w: &str) -> bool {
    let lower = w.to_lowercase();
    NAME_SUFFIXES.contains(&lower.as_str())
        || CAPS_SUFFIXES.contains(&w)
        || (w.starts_with('(') && w.ends_with(')'))
        || (w.ends_with('.') && w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
}

/// Words in capitals that are headings, not names, once title-cased.
const COMMON_CAPS_WORDS: &[&str] = &[
    "what", "who", "how", "why", "we", "do", "are", "is", "get", "in", "touch", "to", "for", "of",
    "with", "your", "my", "learn", "see", "more", "sign", "up", "log", "now", "free", "start",
    "started", "here", "one", "by", "on", "at", "from", "wir", "sind", "ist", "was", "wie", "zum",
    "für", "mit", "der", "die", "das", "jetzt", "nous", "qui", "sommes", "pour", "avec", "les",
];

/// "JEAN-PIERRE" as "Jean-Pierre", "O'NEIL" as "O'Neil".
fn title_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, '-' | '\'' | '’');
    }
    out
}

/// A word of two or more letters, all of them capitals.
fn is_all_caps(w: &str) -> bool {
    let mut letters = 0;
    for c in w.chars() {
        if c.is_alphabetic() {
            if !c.is_uppercase() {
                return false;
            }
            letters += 1;
        }
    }
    letters >= 2
}

/// Strips courtesy and academic prefixes; returns the bare name if it looks
/// like a person's name (2-4 capitalised words, particles allowed). Names
/// written in capitals ("JANE DOE", "Jean DUPONT") come back title-cased.
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
    while words.first().is_some_and(|w| is_prefix_word(w)) {
        words.remove(0);
    }
    while words.len() > 2 && words.last().is_some_and(|w| is_suffix_word(w)) {
        words.pop();
    }
    if words
        .iter()
        .any(|w| NAME_SUFFIXES.contains(&w.to_lowercase().as_str()) || CAPS_SUFFIXES.contains(w))
    {
        return None;
    }
    let capitalised = words.iter().filter(|w| !PARTICLES.contains(w)).count();
    if !(2..=4).contains(&capitalised) || words.len() > 6 {
        return None;
    }
    let caps = words.iter().filter(|w| is_all_caps(w)).count();
    let all_caps = caps == words.len();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for w in &words {
        if PARTICLES.contains(w) {
            out.push((*w).to_string());
            continue;
        }
        let lower = w.to_lowercase();
        if NOT_NAME_WORDS.contains(&lower.as_str()) {
            return None;
        }
        let word = if is_all_caps(w) {
            // Capitals: the whole name ("JANE DOE"), or a surname in the
            // French way ("Jean DUPONT"); anything else is a heading or an
            // acronym. Particles in capitals ("VON") are particles.
            if all_caps && COMMON_CAPS_WORDS.contains(&lower.as_str()) {
                return None;
            }
            if !all_caps && (caps > 1 || ACRONYMS.is_match(w)) {
                return None;
            }
            if PARTICLES.contains(&lower.as_str()) {
                out.push(lower);
                continue;
            }
            title_case(w)
        } else {
            (*w).to_string()
        };
        let mut chars = word.chars();
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
        out.push(word);
    }
    let name = out.join(" ");
    if is_title(&name) || (all_caps && ACRONYMS.is_match(&words.join(" "))) {
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

/// Words of a sentence (pronouns, auxiliaries), never of a job title: a
/// line with one is a bio, and a name is never paired with it.
const SENTENCE_WORDS: &[&str] = &[
    "he", "she", "they", "we", "i", "you", "his", "her", "hers", "their", "our", "my", "its", "is",
    "are", "was", "were", "has", "have", "had", "joined", "joins", "brings", "will", "would",
    "can", "since", "years", "who", "er", "sie", "ist", "war", "hat", "wird", "seit", "uns",
    "unser", "unsere", "ihr", "ihre", "sein", "seine", "il", "elle", "ils", "elles", "est",
    "était", "sont", "notre", "nos", "depuis", "hij", "zij", "heeft", "lui", "lei",
];

/// Whether a line reads as a sentence rather than a label: a pronoun or an
/// auxiliary, or a full stop, question or exclamation mark after several
/// words.
fn is_sentence(t: &str) -> bool {
    let words = t.split_whitespace().count();
    let t = t.trim_end();
    if (t.ends_with('.') && words >= 4) || t.ends_with('?') || t.ends_with('!') {
        return true;
    }
    t.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .any(|w| SENTENCE_WORDS.contains(&w.to_lowercase().as_str()))
}

/// A title without the degrees written before it in the same cell or line
/// ("Dipl.-Ing. (FH), Technical Director"): they belong to the name.
fn strip_leading_degrees(t: &str) -> &str {
    let mut rest = t.trim_start();
    loop {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = rest[..word_end].trim_end_matches(',');
        let degree = !word.is_empty()
            && (is_prefix_word(word) || is_suffix_word(word))
            && !TITLE_WORDS.is_match(word)
            && !ACRONYMS.is_match(word);
        if !degree || word_end == rest.len() {
            return rest;
        }
        rest = rest[word_end..].trim_start_matches([' ', ',']).trim_start();
    }
}

/// A plausible title line: short, contains a title word, no sentence.
fn title_line(s: &str) -> Option<String> {
    if is_sentence(s) {
        return None;
    }
    let t = strip_leading_degrees(s.trim()).trim_end_matches(['.', ',', ';']);
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

/// Words that start a title written after a name without a separator
/// ("Jane Doe Senior Engineer"), besides the title words themselves.
const TITLE_STARTS: &[&str] = &[
    "senior",
    "junior",
    "head",
    "chief",
    "vice",
    "deputy",
    "assistant",
    "associate",
    "general",
    "executive",
    "managing",
    "technical",
    "technischer",
    "technische",
    "kaufmännischer",
    "kaufmännische",
    "leitender",
    "leitende",
    "stellvertretender",
    "stellvertretende",
];

/// Contact furniture of a card or table row ("E-Mail", "LinkedIn", "vCard"):
/// the cells after a title, never a part of it.
const CARD_FURNITURE: &[&str] = &[
    "e-mail",
    "email",
    "mail",
    "phone",
    "telephone",
    "tel",
    "tel.",
    "telefon",
    "fax",
    "mobile",
    "mobil",
    "durchwahl",
    "linkedin",
    "xing",
    "twitter",
    "contact",
    "kontakt",
    "vcard",
    "profile",
    "profil",
    "more",
    "mehr",
    "bio",
    "courriel",
    "téléphone",
    "call",
    "anrufen",
    "appeler",
    "message",
    "nachricht",
    "website",
    "homepage",
    "web",
];

fn is_card_furniture(w: &str) -> bool {
    let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '.');
    let w = w.trim_end_matches(':').to_lowercase();
    CARD_FURNITURE.contains(&w.as_str())
}

/// "Jane Doe CEO", "Max Mustermann Geschäftsführer": a name followed by a
/// title with no separator. Only when exactly one split works, and the
/// title part starts with a title word. A table row read as one line
/// ("Anna Schmidt Leiterin Vertrieb E-Mail") ends its title at the first
/// contact cell.
fn name_then_title(line: &str) -> Option<Person> {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    // Cheap tests first: most lines start with no capital or hold no title.
    let capital = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    if words.len() < 3
        || words.len() > 16
        || !capital(words[0])
        || !(capital(words[1]) || PARTICLES.contains(&words[1]))
        || !is_title(line)
    {
        return None;
    }
    if let Some(end) = words.iter().position(|w| is_card_furniture(w)) {
        words.truncate(end);
    }
    if words.len() < 3 || words.len() > 12 {
        return None;
    }
    let mut found = None;
    for k in 2..=4.min(words.len() - 1) {
        let title = words[k..].join(" ");
        let first = words[k].trim_matches(|c: char| !c.is_alphanumeric());
        let starts = ACRONYMS.find(&title).is_some_and(|m| m.start() == 0)
            || TITLE_WORDS.find(&title).is_some_and(|m| m.start() == 0)
            || TITLE_STARTS.contains(&first.to_lowercase().as_str());
        // "Lisa Berg Senior" is not a name with "Engineer" after it.
        if !starts
            || words[..k]
                .iter()
                .any(|w| TITLE_STARTS.contains(&w.to_lowercase().as_str()))
        {
            continue;
        }
        let (Some(name), Some(title)) = (clean_name(&words[..k].join(" ")), title_line(&title))
        else {
            continue;
        };
        if found.is_some() {
            return None;
        }
        found = Some(person(name, title));
    }
    found
}

/// People from the visible text of a team-like page; `headings` are the
/// page's h1-h3 (level, text), which tell sections from cards.
pub fn from_text(text: &str, headings: &[(u8, String)]) -> Vec<Person> {
    let normalised: Vec<std::borrow::Cow<'_, str>> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if l.bytes().any(|b| matches!(b, b'*' | b':' | b'_')) {
                GENDER_MARK.replace_all(l, "$1*$2")
            } else {
                std::borrow::Cow::Borrowed(l)
            }
        })
        .collect();
    let lines: Vec<&str> = normalised.iter().map(|l| l.as_ref()).collect();
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
        // A line right after or before a bare name is that card's title
        // line ("Jakob Peters" / "Embedded Software Developer"), not a name
        // and a title of its own.
        let beside_a_name = [i.checked_sub(1), Some(i + 1)]
            .into_iter()
            .flatten()
            .any(|j| lines.get(j).is_some_and(|l| clean_name(l).is_some()));
        if !beside_a_name && let Some(p) = name_then_title(line) {
            out.push(p);
            used[i] = true;
        }
    }
    cards(&lines, headings, &mut used, &mut out);
    out
}

/// Cards: a name line next to a title line. A card lists its name and
/// title in one order, the same for every card of a page. That order is
/// read from the names with a title on one side only: firmly where that
/// title cannot be another card's (no unpaired name on its far side),
/// else by majority, else from the names being headings (a heading's
/// content follows it). A title line that could be the next card's goes to
/// a name only in that order, and a name with titles on both sides takes
/// the one the order says. Without an order such names stay unpaired: a
/// name paired with another card's title is worse than a miss. Section
/// headings (h1, h2, or a team heading) are never a card's title.
fn cards(lines: &[&str], headings: &[(u8, String)], used: &mut [bool], out: &mut Vec<Person>) {
    let heading_level = |line: &str| {
        headings
            .iter()
            .find(|(_, h)| h.trim() == line)
            .map(|(level, _)| *level)
    };
    let not_title: Vec<bool> = lines
        .iter()
        .map(|l| match heading_level(l) {
            Some(level) => level <= 2 || is_team_heading(l),
            None => false,
        })
        .collect();
    let title_at = |used: &[bool], j: usize| -> Option<String> {
        if used.get(j).copied().unwrap_or(true) || not_title.get(j).copied().unwrap_or(true) {
            return None;
        }
        let line = lines.get(j)?;
        let t = title_line(line)?;
        // A name line is not a title line (two names in a row).
        clean_name(line).is_none().then_some(t)
    };
    let is_name: Vec<bool> = lines.iter().map(|l| clean_name(l).is_some()).collect();
    let names: Vec<(usize, String)> = (0..lines.len())
        .filter(|&i| !used[i])
        .filter_map(|i| clean_name(lines[i]).map(|n| (i, n)))
        .collect();
    #[derive(PartialEq, Clone, Copy)]
    enum Side {
        Before,
        After,
    }
    // The title line on one side of a name, and whether an unpaired name on
    // its far side could own it instead.
    let side = |used: &[bool], i: usize, side: Side| -> Option<(String, usize, bool)> {
        let (j, far) = match side {
            Side::After => (i + 1, i.checked_add(2)),
            Side::Before => (i.checked_sub(1)?, i.checked_sub(2)),
        };
        let t = title_at(used, j)?;
        let contested = far.is_some_and(|f| {
            is_name.get(f).copied().unwrap_or(false) && !used.get(f).copied().unwrap_or(true)
        });
        Some((t, j, contested))
    };
    // Votes: [firm, weak] for after and before.
    let (mut after, mut before) = ([0, 0], [0, 0]);
    for (i, _) in &names {
        match (side(used, *i, Side::Before), side(used, *i, Side::After)) {
            (None, Some((_, _, contested))) => after[usize::from(contested)] += 1,
            (Some((_, _, contested)), None) => before[usize::from(contested)] += 1,
            _ => {}
        }
    }
    let majority = |a: i32, b: i32| match a.cmp(&b) {
        std::cmp::Ordering::Greater => Some(Side::After),
        std::cmp::Ordering::Less => Some(Side::Before),
        std::cmp::Ordering::Equal => None,
    };
    let name_headings = names
        .iter()
        .filter(|(i, _)| heading_level(lines[*i]).is_some())
        .count();
    let order = if after[0] + before[0] > 0 {
        majority(after[0], before[0])
    } else if after[1] + before[1] > 0 && after[1] != before[1] {
        majority(after[1], before[1])
    } else if !names.is_empty() && name_headings * 2 > names.len() {
        Some(Side::After)
    } else {
        None
    };
    for (i, name) in names {
        if used[i] {
            continue;
        }
        let b = side(used, i, Side::Before).map(|(t, j, c)| (t, j, c, Side::Before));
        let a = side(used, i, Side::After).map(|(t, j, c)| (t, j, c, Side::After));
        let pick = match (b, a) {
            (Some(b), Some(a)) => match order {
                Some(Side::After) => Some(a),
                Some(Side::Before) => Some(b),
                None => None,
            },
            (Some(one), None) | (None, Some(one)) => {
                (!one.2 || order == Some(one.3)).then_some(one)
            }
            (None, None) => None,
        };
        if let Some((t, j, _, _)) = pick {
            out.push(person(name, t));
            used[i] = true;
            used[j] = true;
        }
    }
}

/// Headings that open a section listing people, on any page ("Our team"
/// on a home page, "Vorstand" on an investor page).
const TEAM_HEADINGS: &[&str] = &[
    "team",
    "our team",
    "the team",
    "meet the team",
    "meet our team",
    "leadership",
    "our leadership",
    "leadership team",
    "management",
    "management team",
    "management board",
    "executive team",
    "executive board",
    "board of directors",
    "our board",
    "the board",
    "founders",
    "our founders",
    "our people",
    "unser team",
    "das team",
    "unsere geschäftsführung",
    "geschäftsführung",
    "vorstand",
    "der vorstand",
    "aufsichtsrat",
    "unternehmensleitung",
    "ansprechpartner",
    "ihre ansprechpartner",
    "notre équipe",
    "l'équipe",
    "l’équipe",
    "équipe",
    "équipe dirigeante",
    "direction",
    "comité de direction",
    "ons team",
    "il nostro team",
    "nuestro equipo",
];

fn is_team_heading(h: &str) -> bool {
    let h = h.trim().trim_end_matches([':', '.', '!']).to_lowercase();
    TEAM_HEADINGS.contains(&h.as_str())
}

/// The lines of the page's team section: from a heading in
/// `TEAM_HEADINGS` to the next heading of its level or above. `None` when
/// the page has no such heading.
pub fn team_section(text: &str, headings: &[(u8, String)]) -> Option<String> {
    let (at, (level, heading)) = headings
        .iter()
        .enumerate()
        .find(|(_, (_, h))| is_team_heading(h))?;
    let end_heading = headings
        .get(at + 1..)
        .unwrap_or_default()
        .iter()
        .find(|(l, _)| l <= level)
        .map(|(_, h)| h.trim());
    let mut lines = text.lines().map(str::trim);
    lines.by_ref().find(|l| *l == heading.trim())?;
    let mut section = String::new();
    for line in lines {
        if Some(line) == end_heading {
            break;
        }
        section.push_str(line);
        section.push('\n');
    }
    Some(section)
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
            &[],
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
            &[],
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
            &[],
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
