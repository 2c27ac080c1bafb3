//! People and their job titles from team, about, leadership, contact and
//! imprint pages. Layouts covered:
//!
//! - cards and heading + title line: "Jane Doe" / "Chief Executive Officer"
//!   (either order, adjacent lines),
//! - one line: "Jane Doe, CEO", "Jane Doe – Gründerin", "CEO: Jane Doe",
//! - imprint style: "Geschäftsführer: Max Muster, Erika Beispiel",
//! - tables: a row with a name cell and a title cell (DOM),
//! - founders named in a sentence, on any page (`founders`).

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use regex_automata::{Anchored, Input, hybrid};

mod cards;
mod contacts;
mod founders;
mod names;
mod possessive;
mod prose;
mod separated;
mod tables;
mod words;

use cards::*;
pub use contacts::labelled_contacts;
pub use founders::founders;
use names::*;
pub use prose::in_sentences;
pub use tables::table_rows;
use words::*;

use super::Person;
use super::literals::LiteralSet;
use super::memo::Memo;
use super::text::lines_at;

/// Job title vocabulary, several languages, as alternatives of a regex
/// (`TITLE_WORDS`). Matched as whole words,
/// case-insensitively (acronyms in upper case only, see `ACRONYMS`). Only
/// nouns whose plural is itself a title ("Directors", "Founders") take an
/// "s": "leads", "heads", "chairs" and "engineers" are the verbs of a bio
/// sentence.
const TITLE_ALTERNATIVES: &str = concat!(
    // Plural forms that are titles.
    r"(?:director|founder|co-?founder|managing\s+director|manager|officer|owner|executive|board\s+member|advisor|adviser|managing\s+partner|vice[\s\-]president|president)s",
    // English.
    r"|chief\s+\w+(?:\s+\w+)?\s+officer|founder|co-?founder|cofounder|president|vice[\s\-]president|director|managing\s+director|head\s+of|manager|lead|engineer|developer|designer|partner|managing\s+partner|chairman|chairwoman|chairperson|chair|board\s+member|owner|principal|consultant|architect|executive|officer|advisor|adviser|advisory\s+board|accountant|counsel|attorney|lawyer|scientist|analyst|recruiter|specialist|coordinator|assistant|secretary|treasurer",
    // German, with the gendered forms written out or in parentheses.
    r"|geschäftsführer(?:in|innen)?|geschäftsführung|geschäftsführende[rn]?|gesellschafter(?:in|innen)?|gründer(?:in)?|mitgründer(?:in)?|mitbegründer(?:in)?|vorstand(?:svorsitzende[rn]?|smitglied|smitglieder)?|vorständin|vorsitzende[rn]?|inhaber(?:in)?|prokurist(?:in|en|innen)?|aufsichtsrat(?:svorsitzende[rn]?|smitglied)?|verwaltungsrat(?:spräsident(?:in)?|smitglied)?|verwaltungsrätin|mitglied\s+des\s+(?:verwaltungsrat|aufsichtsrat|vorstand|beirat)\w*|beirat(?:smitglied|svorsitzende[rn]?)?|bereichsleiter(?:in)?|teamleiter(?:in)?|entwickler(?:in)?|berater(?:in)?|vertrieb|ansprechpartner(?:in)?",
    // French, Spanish, Dutch, Italian.
    // Swedish, Norwegian, Danish, Finnish, Polish, Czech.
    r"|verkställande\s+direktör|vice\s+vd|styrelseordförande|styrelseledamot|ordförande|grundare|medgrundare|delägare|daglig\s+leder|administrerende\s+direktør|adm\.\s+direktør|direktør|styreleder|styremedlem|styreformand|bestyrelsesformand|bestyrelsesmedlem|stifter|medstifter|indehaver|hallituksen\s+puheenjohtaja|puheenjohtaja|perustaja|osakas|prezes(?:\s+zarządu)?|wiceprezes(?:\s+zarządu)?|członek\s+zarządu|dyrektor|założyciel(?:ka)?|współzałożyciel(?:ka)?|kierownik|jednatel(?:ka)?|ředitel(?:ka)?|zakladatel(?:ka)?|předseda\s+představenstva|vedoucí|konateľ(?:ka)?|riaditeľ(?:ka)?|vedúci|zakladateľ(?:ka)?",
    // Hungarian, Romanian, Turkish, Croatian, Serbian, Slovenian.
    r"|ügyvezető(?:\s+igazgató)?|igazgató|cégvezető|alapító|administrator|fondator|director\s+general",
    r"|genel\s+müdür(?:\s+yardımcısı)?|müdür|kurucu(?:\s+ortak)?|yönetim\s+kurulu\s+(?:başkanı|üyesi)|direktorica|osnivač(?:ica)?|suosnivač(?:ica)?|predsjedni(?:k|ca)\s+uprave|član(?:ica)?\s+uprave|voditelj(?:ica)?|ustanovitelj(?:ica)?|vodja",
    r"|directeur|directrice|président(?:e)?|fondateur|fondatrice|co-?fondat(?:eur|rice)|gérant(?:e)?|responsable|ingénieur(?:e)?|associé(?:e)?|chef(?:fe)?\s+de|chargé(?:e)?\s+de|directeur\s+général|directrice\s+générale|fundador(?:a)?|director(?:a)?|oprichter|medeoprichter|eigenaar|hoofd|directeur-eigenaar|bestuurder|bestuursvoorzitter|commissaris|vennoot|teamleider|amministratore(?:\s+delegato|\s+unico)?|direttore|direttrice|responsabile|consigliere|consigliera|titolare|socio|socia|fondatore|fondatrice|vicepresidente|presidente|gerente|consejer[oa](?:\s+delegad[oa])?|jef[ea]\s+de|administrador(?:a)?(?:\s+únic[oa]|\s+solidari[oa]|\s+mancomunad[oa])?|apoderad[oa]|diretor(?:a)?|sócio|sócia",
    // The legal representative an imprint names, as a role.
    r"|legale\s+rappresentante|rappresentante\s+legale|representante\s+legal|représentante?\s+légale?|wettelijk\s+vertegenwoordiger",
    // Compound words ending in a title word ("Vertriebsleiter", "salgssjef"),
    // under one shared `\w*`: a Unicode `\w` is about 300 NFA states forward
    // and 1,400 in reverse, and every thread that runs the regex keeps
    // caches sized to them (one `\w*` per word made the regex 31,864 states
    // in reverse, 8,877 forward).
    r"|\w*(?:leiter(?:in)?|leitung|manager(?:in)?|entwickler(?:in)?|berater(?:in)?|referent(?:in)?|ingenieur(?:in)?|direktor(?:in)?|beauftragte[rn]?|koordinator(?:in)?|architekt(?:in)?|präsident(?:in)?|chef|sjef|johtaja)",
);

/// The title words' pattern, for the DFA and its fallback alike.
fn title_words_pattern() -> String {
    format!(r"(?i)(?:^|\W)(?:{TITLE_ALTERNATIVES})(?:\W|$)")
}

/// A title word anywhere: `\b(?:…)\b` written with the boundary
/// characters consumed (`(?:^|\W)`, `(?:\W|$)`), which is the same test
/// for a yes or no, since every alternative begins and ends with a word
/// character. A Unicode `\b` stops the lazy DFA at the first non-ASCII
/// byte and the search falls back to a slower engine: on a cell such as
/// "±2.3 µm" that cost about 28 k instructions a call.
///
/// Only ever asked yes or no, on a line or a word, so it is a forward lazy
/// DFA alone: `Regex` would also compile the pattern in reverse (to find
/// where a match starts) and set up engines a yes or no never uses. The
/// pattern's compilation was the most of any one pattern of the crawler:
/// 4.4 ms against 2.5 ms (`benches`-style timing of ten compilations,
/// release build), and the one DFA also answers "a title word at the
/// start" by an anchored search, where a second regex took another
/// 4.4 ms.
struct TitleWords {
    dfa: hybrid::dfa::DFA,
}

static TITLE_WORDS: LazyLock<TitleWords> = LazyLock::new(|| TitleWords {
    dfa: hybrid::dfa::DFA::new(&title_words_pattern()).expect("static regex"),
});

thread_local! {
    /// Each thread's states of [`TITLE_WORDS`]' lazy DFA.
    static TITLE_CACHE: std::cell::RefCell<Option<hybrid::dfa::Cache>> =
        const { std::cell::RefCell::new(None) };
}

/// The same pattern as a `Regex`, for a search the lazy DFA gives up on
/// (it has no quit bytes and never gives up under its default settings;
/// this is a guard, never compiled in practice).
static TITLE_FALLBACK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&title_words_pattern()).expect("static regex"));

impl TitleWords {
    /// A title word anywhere in `s`.
    fn is_match(&self, s: &str) -> bool {
        self.search(Input::new(s).earliest(true))
            .unwrap_or_else(|| TITLE_FALLBACK.is_match(s))
    }

    /// A title word at the start of `s` (what the leftmost `\b` match
    /// starting at 0 said). Every alternative begins with a word
    /// character, so with a word character first the pattern's `\W`
    /// branch cannot match at 0 and an anchored search answers exactly;
    /// with any other character first there is none.
    fn at_start(&self, s: &str) -> bool {
        s.chars()
            .next()
            .is_some_and(regex_syntax::is_word_character)
            && self
                .search(Input::new(s).anchored(Anchored::Yes).earliest(true))
                .unwrap_or_else(|| TITLE_FALLBACK.find(s).is_some_and(|m| m.start() == 0))
    }

    /// Whether the DFA matches `input`; `None` if it gave up.
    fn search(&self, input: Input<'_>) -> Option<bool> {
        TITLE_CACHE.with(|cell| {
            let mut slot = cell.borrow_mut();
            let cache = slot.get_or_insert_with(|| self.dfa.create_cache());
            self.dfa
                .try_search_fwd(cache, &input)
                .ok()
                .map(|m| m.is_some())
        })
    }
}

static ACRONYMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:CEO|CTO|CFO|COO|CMO|CIO|CPO|CRO|CSO|CISO|CHRO|CDO|VP|SVP|EVP|PDG|DG|MD|GF|VD|CEO/VD)\b")
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
/// Whether `line` holds a separator `separated::split` needs: a comma, an
/// opening parenthesis, or a hyphen, bar or dash (the dashes' UTF-8 begins
/// with 0xE2).
fn may_separate(line: &str) -> bool {
    line.bytes()
        .any(|b| matches!(b, b',' | b'(' | b'-' | b'|' | 0xE2))
}

static LEADERSHIP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:CEO|CTO|CFO|COO|CMO|CIO|CPO|PDG|chief|founder|co-?founder|gründer(?:in)?|mitgründer(?:in)?|fondat(?:eur|rice)|fundador(?:a)?|geschäftsführer(?:in)?|managing director|president|président(?:e)?|owner|inhaber(?:in)?|vorstand\w*|directeur général|directrice générale|director(?:a)? general|direttore generale|amministratore delegato|amministratore unico|consejer[oa] delegad[oa]|fondat(?:ore|rice)|titolare|oprichter|eigenaar|algemeen directeur|presidente|VD|verkställande direktör|grundare|daglig leder|administrerende direktør|adm\. direktør|toimitusjohtaja|perustaja|prezes zarządu|założyciel(?:ka)?|jednatel(?:ka)?|generální ředitel(?:ka)?|konateľ(?:ka)?|administrador(?:a)? únic[oa]|ügyvezető)\b",
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
        .any(|w| SENTENCE.contains_lowercased(w))
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
    // Every test refuses on its own, so the cheap ones go first: table
    // cells of figures and prices fail at the digits.
    let t = strip_leading_degrees(s.trim()).trim_end_matches(['.', ',', ';']);
    if t.bytes().filter(u8::is_ascii_digit).count() > 2 {
        return None;
    }
    let words = t.split_whitespace().count();
    if words == 0 || words > 10 || t.chars().count() > 90 || t.contains('@') || t.contains("http") {
        return None;
    }
    if is_sentence(s) {
        return None;
    }
    // "Vertreten durch: Anna Becker (Geschäftsführerin)" names people; it
    // is not itself a title line to pair with a neighbour.
    if let Some((_, after)) = t.split_once(':')
        && after.split([',', '(']).any(|p| clean_name(p).is_some())
    {
        return None;
    }
    // "Former CTO, Honeywell" is a career, not the person's title here
    // (tested last: few lines are titles).
    (is_title(t) && !is_former(t)).then(|| t.to_string())
}

/// Whether a title is one held before ("Former CTO", "ex-CEO").
fn is_former(t: &str) -> bool {
    FORMER.iter().any(|f| {
        t.get(..f.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(f))
    })
}

/// Words that make a title one held before, lower-case, with what
/// follows them.
const FORMER: &[&str] = &[
    "former ",
    "formerly ",
    "ex-",
    "ex ",
    "previously ",
    "ehemaliger ",
    "ehemalige ",
    "ehem. ",
    "ancien ",
    "ancienne ",
    "antiguo ",
    "antigua ",
    "già ",
    "voormalig ",
];

fn person(name: String, title: String) -> Person {
    Person { name, title }
}

/// People of a list of names: each with the title it carries, else `title`.
fn titled(names: Vec<(String, Option<String>)>, title: &str) -> Vec<Person> {
    names
        .into_iter()
        .map(|(n, own)| person(n, own.unwrap_or_else(|| title.to_string())))
        .collect()
}

/// Splits "Max Muster, Erika Beispiel (Prokuristin) und Hans Dampf" into
/// names, each with the title it carries in parentheses, if any.
fn split_names(s: &str) -> Vec<(String, Option<String>)> {
    list_parts(s).filter_map(name_with_own_title).collect()
}

/// "Sabine Kühn (Geschäftsführerin) und Markus Öztürk (Geschäftsführer)":
/// a line that is only a list of names, each with its title in
/// parentheses. Every part must be one, or the line is prose.
fn names_with_own_titles(line: &str) -> Option<Vec<Person>> {
    if !line.contains('(') || line.contains(':') {
        return None;
    }
    let mut people = Vec::new();
    for part in list_parts(line) {
        let (name, title) = name_with_own_title(part)?;
        people.push(person(name, title?));
    }
    (people.len() >= 2).then_some(people)
}

/// The parts of a list of names: split at commas, ampersands, semicolons
/// and middle dots or bullets, and at "and" in English, German, French,
/// Spanish, Italian and Dutch.
pub(super) fn list_parts(s: &str) -> impl Iterator<Item = &str> {
    s.split([',', '&', ';', '·', '•'])
        .flat_map(|p| {
            p.split(" and ")
                .flat_map(|q| q.split(" und "))
                .flat_map(|q| q.split(" et "))
                .flat_map(|q| q.split(" y "))
                .flat_map(|q| q.split(" e "))
                .flat_map(|q| q.split(" en "))
        })
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

/// A name with the title it carries in parentheses, if any ("Dr. Anna
/// Becker (Geschäftsführerin)").
fn name_with_own_title(part: &str) -> Option<(String, Option<String>)> {
    match NAME_WITH_OWN_TITLE.captures(part) {
        Some(c) => Some((clean_name(&c["name"])?, title_line(&c["title"]))),
        None => Some((clean_name(part)?, None)),
    }
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
        || !(capital(words[1]) || PARTICLE.contains(words[1]))
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
            || TITLE_WORDS.at_start(&title)
            || TITLE_START.contains_lowercased(first);
        // "Lisa Berg Senior" is not a name with "Engineer" after it.
        if !starts
            || words[..k]
                .iter()
                .any(|w| TITLE_START.contains_lowercased(w))
        {
            continue;
        }
        let Some(name) = clean_name(&words[..k].join(" ")) else {
            continue;
        };
        let Some(title) = title_line(&title) else {
            continue;
        };
        if found.is_some() {
            return None;
        }
        found = Some(person(name, title));
    }
    found
}

/// What one line of a team-like page yields on its own; the neighbour and
/// card rules in [`from_text`] decide the rest.
#[derive(Clone)]
struct LineFacts {
    /// The line as a bare name (a card's name line).
    name: Option<String>,
    /// People the line names with their titles: "Geschäftsführer: Max
    /// Muster, Erika Beispiel", "Jane Doe, CEO", "CEO – Jane Doe".
    own: Option<Vec<Person>>,
    /// "Jane Doe CEO": taken unless the line sits beside a name line.
    name_then_title: Option<Person>,
}

thread_local! {
    /// Per worker thread: lines repeat across a site's pages.
    static LINE_MEMO: std::cell::RefCell<Memo<LineFacts>> =
        std::cell::RefCell::new(Memo::new(crate::extract::memo::LINES));
}

fn line_facts(line: &str) -> LineFacts {
    let mut facts = LineFacts {
        name: clean_name(line),
        own: None,
        name_then_title: None,
    };
    if line.chars().count() > 200 {
        return facts;
    }
    facts.own = labelled(line)
        .or_else(|| names_with_own_titles(line))
        .or_else(|| separated_pair(line).map(|p| vec![p]))
        .or_else(|| represented_in_prose(line));
    if facts.own.is_none() {
        facts.name_then_title = name_then_title(line);
    }
    facts
}

/// "Geschäftsführer: Max Muster, Erika Beispiel"
fn labelled(line: &str) -> Option<Vec<Person>> {
    // The byte tests are what each regex needs to match at all (a colon; a
    // comma, parenthesis, dash or bar): most lines have none, and a
    // capture search costs thousands of instructions a line.
    if !line.contains(':') {
        return None;
    }
    let c = LABELLED.captures(line)?;
    let label = c["title"].trim();
    let lower = label.to_lowercase();
    let represented = REPRESENTED_BY.iter().any(|r| lower.starts_with(r));
    if !represented && title_line(label).is_none() {
        return None;
    }
    let names = split_names(&c["names"]);
    if names.is_empty() {
        return None;
    }
    let title = if represented {
        represented_title(&lower)
    } else {
        singular(label).to_string()
    };
    Some(titled(names, &title))
}

/// Phrases that introduce a company's representatives inside a line or a
/// sentence, without a label's colon.
const REPRESENTED_IN_PROSE: &[&str] = &[
    "vertreten durch",
    "represented by",
    "représentée par",
    "représenté par",
    "rappresentata da",
    "rappresentato da",
    "representada por",
    "representado por",
    "vertegenwoordigd door",
];
/// The phrases' stems, a case-blind test before any lower-casing
/// ("Vertreten"/"vertreten").
static REPRESENTED_STEMS: LazyLock<LiteralSet> = LazyLock::new(|| {
    LiteralSet::new(
        &[
            "ertreten durch",
            "epresented by",
            "eprésenté",
            "appresentat",
            "epresentad",
            "ertegenwoordigd door",
        ],
        false,
    )
});

/// Articles and possessives between the phrase and a title or the names
/// ("vertreten durch *die* Geschäftsführer", "represented by *its* CEO").
const REPRESENTED_FILLER: &[&str] = &[
    "den", "die", "der", "dem", "ihre", "ihren", "seinen", "its", "the", "our", "le", "la", "les",
    "son", "sa", "ses", "il", "lo", "i", "gli", "el", "los", "las", "su", "sus", "o", "os", "a",
    "de", "het", "haar", "zijn",
];

/// "Holzmann Verwaltungs GmbH, vertreten durch die Geschäftsführer Thomas
/// Holzmann und Katrin Weber", "The company is represented by its CEO Jane
/// Doe.", "Représentée par M. Julien Moreau, en qualité de Président": the
/// people a representation phrase names inside a line, with the title
/// written before their names or after "en qualité de"/"in qualità di",
/// else the phrase's own ("Vertretungsberechtigt").
fn represented_in_prose(line: &str) -> Option<Vec<Person>> {
    // The stems' test before any lower-casing: most lines name no
    // representative.
    if !REPRESENTED_STEMS.is_match(line.as_bytes()) {
        return None;
    }
    let lower = line.to_lowercase();
    // Offsets in the lower-cased copy must be the line's.
    if lower.len() != line.len() {
        return None;
    }
    let (phrase, at) = REPRESENTED_IN_PROSE
        .iter()
        .find_map(|p| lower.find(p).map(|at| (*p, at)))?;
    let rest = line.get(at + phrase.len()..)?;
    // Italian writes the preposition with the article: "rappresentata dal
    // Presidente", "dalla".
    let rest = rest.trim_start_matches(|c: char| c.is_alphabetic());
    let rest = rest
        .trim_start_matches([':', ' '])
        .trim_end_matches(['.', ';', ' ']);
    // A title after the names: "…, en qualité de Président".
    let rest_lower = rest.to_lowercase();
    let (rest, title_after) = match ["en qualité de", "in qualità di", "en calidad de", " als "]
        .iter()
        .find_map(|m| rest_lower.find(m).map(|i| (i, m.len())))
    {
        Some((i, len)) => (
            rest.get(..i)?.trim_end_matches([',', ' ']),
            rest.get(i + len..).map(str::trim).and_then(title_line),
        ),
        None => (rest, None),
    };
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    while words
        .first()
        .is_some_and(|w| REPRESENTED_FILLER.iter().any(|f| f.eq_ignore_ascii_case(w)))
    {
        words.remove(0);
    }
    // The shortest run of words before the names that is a title, if any.
    let mut found = None;
    for k in 0..words.len().min(5) {
        let title = words[..k].join(" ");
        let title = if k == 0 { None } else { title_line(&title) };
        if k > 0 && title.is_none() {
            continue;
        }
        let names = leading_names(&words[k..].join(" "));
        if !names.is_empty() {
            found = Some((title, names));
            break;
        }
    }
    let (title_before, names) = found?;
    let title = title_before
        .map(|t| singular(&t).to_string())
        .or(title_after)
        .unwrap_or_else(|| represented_title(phrase));
    Some(titled(names, &title))
}

/// The names a text starts with, as [`split_names`] splits them, up to the
/// first part that is not a name: prose may follow ("Thomas Holzmann und
/// Katrin Weber, die seit 1990 …").
fn leading_names(s: &str) -> Vec<(String, Option<String>)> {
    list_parts(s).map_while(name_with_own_title).collect()
}

/// "Jane Doe, CEO" / "Jane Doe – Gründerin" / "CEO – Jane Doe"
fn separated_pair(line: &str) -> Option<Person> {
    if !may_separate(line) {
        return None;
    }
    let c = separated::split(line)?;
    let (a, b) = (c.a.trim(), c.b.trim());
    // The name first: most lines split at a comma are prose, whose first
    // part is no name, and the title's pattern is the dearer test.
    if let Some(n) = clean_name(a)
        && let Some(t) = title_line(b)
    {
        return Some(person(n, t));
    }
    // "CEO – Jane Doe"; with a comma the order is too ambiguous.
    if c.sep.trim() != ","
        && let Some(n) = clean_name(b)
        && let Some(t) = title_line(a)
    {
        return Some(person(n, t));
    }
    None
}

/// People from the visible text of a team-like page; `headings` are the
/// page's h1-h3 (level, text), which tell sections from cards, and
/// `card_breaks` the offsets in `text` where a repeated layout item begins
/// ([`crate::page::PageScan::card_breaks`]): a name and a title line with
/// a break between them are never paired.
pub fn from_text(text: &str, headings: &[(u8, String)], card_breaks: &[usize]) -> Vec<Person> {
    let mut normalised: Vec<std::borrow::Cow<'_, str>> = Vec::new();
    let mut card: Vec<usize> = Vec::new();
    for (start, raw) in lines_at(text) {
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        card.push(card_breaks.partition_point(|&b| b <= start));
        normalised.push(if l.bytes().any(|b| matches!(b, b'*' | b':' | b'_')) {
            GENDER_MARK.replace_all(l, "$1*$2")
        } else {
            std::borrow::Cow::Borrowed(l)
        });
    }
    let lines: Vec<&str> = normalised.iter().map(|l| l.as_ref()).collect();
    // What each line says on its own, from the memo when the line was seen
    // before: navigation, footer and card furniture repeat on every page.
    let facts: Vec<LineFacts> = LINE_MEMO.with(|m| {
        let mut m = m.borrow_mut();
        lines
            .iter()
            .map(|l| m.get_or(l, || line_facts(l)))
            .collect()
    });
    let mut out = Vec::new();
    let mut used = vec![false; lines.len()];
    for (i, f) in facts.iter().enumerate() {
        if let Some(people) = &f.own {
            out.extend(people.iter().cloned());
            used[i] = true;
        } else if f.name.is_none()
            && let found = possessive::possessive(lines[i])
            && !found.is_empty()
        {
            // "Our CEO, Jane Smith, founded…": a sentence, never a card's
            // name or title line.
            out.extend(found);
            used[i] = true;
        } else if let Some(p) = &f.name_then_title {
            // A line right after or before a bare name is that card's title
            // line ("Jakob Peters" / "Embedded Software Developer"), not a
            // name and a title of its own.
            let beside_a_name = [i.checked_sub(1), Some(i + 1)]
                .into_iter()
                .flatten()
                .filter(|&j| card.get(j) == Some(&card[i]))
                .any(|j| facts.get(j).is_some_and(|f| f.name.is_some()));
            if !beside_a_name {
                out.push(p.clone());
                used[i] = true;
            }
        }
    }
    let sections = SectionTitles::new(&lines, headings);
    name_lists_under_titles(&lines, &sections, &mut used, &mut out);
    let line_names: Vec<Option<String>> = facts.into_iter().map(|f| f.name).collect();
    cards(&lines, &line_names, &card, headings, &mut used, &mut out);
    names_alone_under_titles(&lines, &line_names, &sections, &mut used, &mut out);
    out
}

/// A line that is only a list of names under a heading that is a title
/// ("Aufsichtsrat" / "Prof. Dr. Heinz Albrecht (Vorsitzender), Claudia
/// Roth, Peter Lang"): each person holds the heading's title, or the one
/// in parentheses after their name. Every part must be a name, so a list
/// of towns or products under such a heading names nobody.
fn name_lists_under_titles(
    lines: &[&str],
    sections: &SectionTitles,
    used: &mut [bool],
    out: &mut Vec<Person>,
) {
    for (i, line) in lines.iter().enumerate() {
        let Some(title) = sections.of(i) else {
            continue;
        };
        if used[i] || list_parts(line).nth(1).is_none() {
            continue;
        }
        let names = split_names(line);
        if names.len() >= 2 && names.len() == list_parts(line).count() {
            out.extend(titled(names, title));
            used[i] = true;
        }
    }
}

/// For each line, the title of the section it is in when the section's
/// heading is a title ("Advisors", "Board of Directors", "Aufsichtsrat"),
/// none for that heading's own line. A deeper heading that is no title
/// (a card's name as an `h3`) is a line of the section; one at the title
/// heading's level or above ends it.
struct SectionTitles {
    titles: Vec<String>,
    /// Per line, an index into `titles`.
    of_line: Vec<Option<usize>>,
}

impl SectionTitles {
    fn new(lines: &[&str], headings: &[(u8, String)]) -> Self {
        let mut titles = Vec::new();
        let mut of_line = Vec::with_capacity(lines.len());
        if headings.is_empty() {
            of_line.resize(lines.len(), None);
            return SectionTitles { titles, of_line };
        }
        // Each heading's level by its text (the first of the same text).
        // foldhash rather than SipHash: every line of the page is looked up.
        let mut level_of: HashMap<&str, u8, foldhash::fast::RandomState> =
            HashMap::with_capacity_and_hasher(headings.len(), Default::default());
        for (level, h) in headings {
            level_of.entry(h.trim()).or_insert(*level);
        }
        let mut current: Option<(u8, usize)> = None;
        for line in lines {
            let Some(&level) = level_of.get(line) else {
                of_line.push(current.map(|(_, t)| t));
                continue;
            };
            if let Some(t) = title_line(line) {
                // "Directors" names each a Director; "Board of Directors"
                // is the board's name, kept whole.
                let t = if t.contains(' ') {
                    t
                } else {
                    singular(&t).to_string()
                };
                titles.push(t);
                current = Some((level, titles.len() - 1));
                of_line.push(None);
            } else if current.is_some_and(|(l, _)| level <= l) {
                current = None;
                of_line.push(None);
            } else {
                of_line.push(current.map(|(_, t)| t));
            }
        }
        SectionTitles { titles, of_line }
    }

    /// The title of line `i`'s section, if its heading is one.
    fn of(&self, i: usize) -> Option<&str> {
        let t = (*self.of_line.get(i)?)?;
        self.titles.get(t).map(String::as_str)
    }
}

/// Names no rule paired, alone on their line in a section whose heading is
/// a title ("Advisory Board" / "Alan Turing-Smith" / "Professor, Stanford
/// University"): each holds the heading's title.
fn names_alone_under_titles(
    lines: &[&str],
    line_names: &[Option<String>],
    sections: &SectionTitles,
    used: &mut [bool],
    out: &mut Vec<Person>,
) {
    for (i, name) in line_names.iter().enumerate() {
        // A name alone has no comma: "Professor, Stanford University" is
        // an affiliation.
        if let (Some(name), Some(title)) = (name, sections.of(i))
            && !used[i]
            && !lines[i].contains(',')
        {
            out.push(person(name.clone(), title.to_string()));
            used[i] = true;
        }
    }
}

fn is_team_heading(h: &str) -> bool {
    let h = h.trim().trim_end_matches([':', '.', '!']).to_lowercase();
    TEAM_HEADINGS.contains(&h.as_str())
}

/// The page's team sections: the bytes of `text` from the line after each
/// heading in `TEAM_HEADINGS` to the next heading of its level or above,
/// as their offset and text ("Management", then "Supervisory board").
/// Empty when the page has no such heading.
pub fn team_sections<'t>(
    text: &'t str,
    headings: &[(u8, String)],
    heading_at: &[usize],
) -> Vec<(usize, &'t str)> {
    sections_under(text, headings, heading_at, is_team_heading)
        .into_iter()
        .map(|(start, end)| (start, &text[start..end]))
        .collect()
}

/// `text` with the lines under a testimonials heading ("What our
/// customers say", "Kundenstimmen", "Témoignages") blanked, byte for
/// byte, so offsets into it still hold: a customer quoted with their
/// title ("Maria Garcia, Head of IT, Initech") is no one of the company.
pub fn without_testimonials<'t>(
    text: &'t str,
    headings: &[(u8, String)],
    heading_at: &[usize],
) -> std::borrow::Cow<'t, str> {
    let sections = sections_under(text, headings, heading_at, is_testimonials_heading);
    if sections.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for (start, end) in sections {
        for b in &mut bytes[start..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Whole lines of any bytes became spaces: still UTF-8.
    String::from_utf8(bytes).map_or(std::borrow::Cow::Borrowed(text), std::borrow::Cow::Owned)
}

fn is_testimonials_heading(h: &str) -> bool {
    let h = h.trim().trim_end_matches([':', '.', '!']).to_lowercase();
    TESTIMONIAL_HEADINGS.iter().any(|t| {
        h.strip_prefix(t)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    })
}

/// The byte ranges of `text` under each heading `is_section` accepts: from
/// the line after the heading to the next heading of its level or above,
/// or to the next heading it accepts.
fn sections_under(
    text: &str,
    headings: &[(u8, String)],
    heading_at: &[usize],
    is_section: fn(&str) -> bool,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // Most pages have none: no walk over their lines.
    if !headings.iter().any(|(_, h)| is_section(h)) {
        return out;
    }
    // Each heading's line: from the heading's start to the end of its line.
    let line_end = |at: usize| {
        text.get(at..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |n| at + n + 1)
    };
    // The open section: where it starts and the level that ends it.
    let mut open: Option<(usize, u8)> = None;
    for ((level, h), &at) in headings.iter().zip(heading_at) {
        let Some(line_start) = text
            .get(..at.min(text.len()))
            .map(|before| before.rfind('\n').map_or(0, |n| n + 1))
        else {
            continue;
        };
        let section = is_section(h);
        if let Some((start, end_level)) = open
            && (*level <= end_level || section)
        {
            out.push((start, line_start.max(start)));
            open = None;
        }
        if section {
            open = Some((line_end(at), *level));
        }
    }
    if let Some((start, _)) = open {
        out.push((start, text.len().max(start)));
    }
    out
}

/// A list's label names each person in the singular: "Directors: J.
/// Smith, A. Jones" makes each a "Director".
fn singular(label: &str) -> &str {
    const PLURALS: &[&str] = &[
        "directors",
        "founders",
        "managers",
        "officers",
        "owners",
        "executives",
        "members",
        "advisors",
        "advisers",
        "partners",
        "presidents",
    ];
    let lower = label.to_ascii_lowercase();
    if PLURALS.iter().any(|p| lower.ends_with(p)) {
        &label[..label.len() - 1]
    } else {
        label
    }
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
    } else if label.starts_with("rappresentat") {
        "Legale rappresentante".into()
    } else if label.starts_with("representad") {
        "Representante legal".into()
    } else if label.starts_with("vertegenwoordigd") {
        "Wettelijk vertegenwoordiger".into()
    } else {
        "Vertretungsberechtigt".into()
    }
}

/// Table rows with a name cell and a title cell (`tables::table_rows`).
pub fn from_tables(rows: &[Vec<String>]) -> Vec<Person> {
    let mut out = Vec::new();
    for cells in rows {
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
    let folded = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>();
    let words: Vec<&str> = folded.split_whitespace().collect();
    // A middle initial is left out: a team page's "Jane A. Doe" is the
    // "Jane Doe" of the founders' sentence. Only between the first and the
    // last word: a one-letter first or last name stays.
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .filter(|&(i, w)| i == 0 || i == last || w.chars().nth(1).is_some())
        .map(|(_, w)| *w)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One entry per person and title within a page.
pub fn dedupe(mut people: Vec<Person>) -> Vec<Person> {
    for p in &mut people {
        if let Some(calm) = calm_title(&p.title) {
            p.title = calm;
        }
    }
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

/// Abbreviations a title in capitals keeps as they are.
const KEEP_CAPS: &[&str] = &[
    "CEO", "CTO", "CFO", "COO", "CMO", "CIO", "CPO", "CRO", "CSO", "CISO", "CHRO", "CDO", "VP",
    "SVP", "EVP", "AVP", "PDG", "DG", "MD", "GF", "VD", "HR", "IT", "PR", "IR", "QA", "UX", "UI",
    "R&D", "EMEA", "APAC", "DACH", "LATAM", "US", "USA", "UK", "EU", "ESG", "B2B", "B2C", "AI",
    "ML", "SAP", "CRM", "ERP",
];

/// Small words a title in capitals writes in lower case after its first
/// word ("HEAD OF DESIGN" is "Head of Design").
const SMALL_WORDS: &[&str] = &[
    "of", "and", "for", "the", "to", "in", "at", "on", "de", "du", "des", "la", "le", "et", "der",
    "die", "das", "und", "für", "von", "y", "e", "di", "del", "da", "do", "van", "voor", "en",
];

/// A title written in capitals, as a card's styling may print it ("HEAD OF
/// DESIGN"), in ordinary case ("Head of Design"), abbreviations kept
/// ("VP OF SALES" is "VP of Sales"); `None` when it is not in capitals or
/// is only abbreviations ("CEO").
fn calm_title(title: &str) -> Option<String> {
    let bare = |w: &str| -> String {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '&')
            .to_string()
    };
    let kept = |w: &str| KEEP_CAPS.contains(&bare(w).as_str());
    let words: Vec<&str> = title.split(' ').collect();
    let calm_needed = !title.chars().any(char::is_lowercase)
        && words
            .iter()
            .flat_map(|w| w.split(['/', '-']))
            .any(|part| part.chars().filter(|c| c.is_alphabetic()).count() >= 4 && !kept(part));
    if !calm_needed {
        return None;
    }
    let calm: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            if i > 0 && SMALL_WORDS.contains(&lower.as_str()) {
                return lower;
            }
            w.split('/')
                .map(|part| {
                    if kept(part) {
                        part.to_string()
                    } else {
                        title_case(part)
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    Some(calm.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_in_capitals_in_ordinary_case() {
        for (title, calm) in [
            ("HEAD OF DESIGN", Some("Head of Design")),
            ("VP OF SALES", Some("VP of Sales")),
            ("CO-FOUNDER & CEO", Some("Co-Founder & CEO")),
            ("GESCHÄFTSFÜHRER", Some("Geschäftsführer")),
            ("DIRECTEUR DES VENTES", Some("Directeur des Ventes")),
            ("CEO", None),
            ("CEO/CTO", None),
            ("FOUNDER/CEO", Some("Founder/CEO")),
            ("Head of Design", None),
            ("VP Sales", None),
        ] {
            assert_eq!(calm_title(title).as_deref(), calm, "{title}");
        }
    }

    /// The byte count of words is `split_whitespace`'s on ASCII text and
    /// never more than it on any text.
    #[test]
    fn word_count_gate_is_a_lower_bound() {
        for t in [
            "",
            " ",
            "a",
            "a b",
            " a  b\tc\nd ",
            "Jane\u{a0}Doe is here",
            "ä ö ü",
            "x\u{2003}y z",
            "one two three four five six seven eight nine ten eleven twelve",
        ] {
            let words = t.split_whitespace().count();
            for n in 0..14 {
                if more_words_than(t, n) {
                    assert!(words > n, "{t:?} {n}");
                }
                if t.is_ascii() {
                    assert_eq!(more_words_than(t, n), words > n, "{t:?} {n}");
                }
            }
        }
    }

    /// The title regexes answer as `\b(?:…)\b` did (a yes or no, and
    /// whether its leftmost match starts at 0), on every line of the
    /// fixture pages and on title words among non-ASCII letters, digits
    /// and punctuation.
    #[test]
    fn title_regexes_answer_as_word_boundaries_did() {
        let old = Regex::new(&format!(r"(?i)\b(?:{TITLE_ALTERNATIVES})\b")).expect("regex");
        let mut texts = crate::testgen::fixture_text_lines();
        assert!(texts.len() > 200, "{}", texts.len());
        let words = [
            "CEO",
            "lead",
            "Leiter",
            "Bereichsleiterin",
            "Geschäftsführer",
            "Geschäftsführerin",
            "président",
            "Présidente",
            "directør",
            "Direktør",
            "chef",
            "Försäljningschef",
            "toimitusjohtaja",
            "ředitelka",
            "Managing Director",
            "head of",
            "Chief Technology Officer",
            "adm. direktør",
            "Prezes Zarządu",
            "sócio",
            "Partners",
        ];
        let around = [
            "", " ", "ä", "Ö", "é", "ß", "µ", "±", "1", "-", "(", ")", "_", "x", "’", "\u{a0}",
            "😀",
        ];
        for w in words {
            for a in around {
                for b in around {
                    texts.push(format!("{a}{w}{b}"));
                    texts.push(format!("x {a}{w}{b} y"));
                    texts.push(format!("{a}{}{b}", w.to_uppercase()));
                }
            }
        }
        for t in &texts {
            assert_eq!(TITLE_WORDS.is_match(t), old.is_match(t), "{t:?}");
            assert_eq!(
                TITLE_WORDS.at_start(t),
                old.find(t).is_some_and(|m| m.start() == 0),
                "{t:?}"
            );
        }
    }

    /// The byte-wise count of capitalised words answers as the
    /// `split_whitespace` count it replaced, over the fixture pages' lines
    /// and random lines of every ASCII byte and some non-ASCII characters.
    #[test]
    fn capitalised_words_counted_as_split_whitespace_did() {
        let mut texts = crate::testgen::fixture_text_lines();
        assert!(texts.len() > 200, "{}", texts.len());
        let pieces = [
            "Jane", "doe", "A", "b", ",", ";", ":", ",Jane", ":Doe", ",;:", " ", "\t", "\n",
            "\u{b}", "\u{c}", "\r", "\u{1c}", "\u{a0}", "\u{2003}", "Ärger", "élan", "Éa", "ß",
            "Dr.", "(FH)", "x",
        ];
        let mut rng = crate::testgen::Rng::new(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..20_000 {
            let mut line = String::new();
            for _ in 0..1 + next(8) {
                if next(4) == 0 {
                    line.push(char::from(next(128) as u8));
                } else {
                    line.push_str(pieces[next(pieces.len())]);
                }
            }
            texts.push(line);
        }
        let mut yes = 0;
        for t in &texts {
            assert_eq!(
                two_capitalised_words(t),
                two_capitalised_words_by_chars(t),
                "{t:?}"
            );
            yes += usize::from(two_capitalised_words_by_chars(t));
        }
        assert!(yes > 1_000 && yes < texts.len() - 1_000, "{yes}");
    }

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
    fn companies_with_a_legal_form_are_no_people() {
        for company in [
            "Officine Meccaniche Bellini S.r.l.",
            "Acme Widgets Inc.",
            "Acme Widgets Ltd.",
            "Acme Widgets Corp.",
            "Dupont Conseil S.A.",
            "Bouwbedrijf Jansen B.V.",
            "Construcciones Garcia S.L.",
            "Meier Handel e.K.",
            "Volvo Personvagnar AB",
            "Fjord Data AS",
            "Kone Oyj",
            "Nokia Oy",
            "Nordlicht Software GmbH",
        ] {
            assert_eq!(clean_name(company), None, "{company}");
        }
        // Degrees after a name are still stripped, and short name parts
        // that spell a form in lower case are names.
        assert_eq!(clean_name("Jane Doe, Ph.D.").as_deref(), Some("Jane Doe"));
        assert_eq!(clean_name("Jane Doe MBA").as_deref(), Some("Jane Doe"));
        assert_eq!(clean_name("Ana Sa Silva").as_deref(), Some("Ana Sa Silva"));
        // An imprint's labelled owner that is a company names nobody.
        let got = from_text(
            "Titolare del sito: Officine Meccaniche Bellini S.r.l.\n\
             Owner: Acme Widgets Inc.\nInhaber: Meier Handel e.K.\n\
             Legale rappresentante: Marco Bellini",
            &[],
            &[],
        );
        assert_eq!(pairs(&got), [("Marco Bellini", "Legale rappresentante")]);
    }

    #[test]
    fn representatives_named_inside_a_line() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "Holzmann Verwaltungs GmbH, vertreten durch die Geschäftsführer Thomas \
                 Holzmann und Katrin Holzmann-Weber",
                &[
                    ("Thomas Holzmann", "Geschäftsführer"),
                    ("Katrin Holzmann-Weber", "Geschäftsführer"),
                ],
            ),
            (
                "Die Gesellschaft wird vertreten durch den Geschäftsführer Thomas Holzmann.",
                &[("Thomas Holzmann", "Geschäftsführer")],
            ),
            (
                "The company is represented by its CEO Jane Smith and its CFO Tom Baker.",
                &[("Jane Smith", "CEO")],
            ),
            (
                "Représentée par M. Julien Moreau, en qualité de Président",
                &[("Julien Moreau", "Président")],
            ),
            (
                "Società rappresentata dal Presidente Marco Bellini",
                &[("Marco Bellini", "Presidente")],
            ),
            (
                "Die Gesellschaft wird vertreten durch Thomas Holzmann als Geschäftsführer.",
                &[("Thomas Holzmann", "Geschäftsführer")],
            ),
            (
                "Acme B.V., vertegenwoordigd door Sanne de Vries",
                &[("Sanne de Vries", "Wettelijk vertegenwoordiger")],
            ),
            // A company as the representative names nobody.
            (
                "Vertreten durch die Komplementärin Holzmann Verwaltungs GmbH",
                &[],
            ),
            ("represented by Baker McKenzie LLP", &[]),
        ];
        for (line, want) in cases {
            let got = from_text(line, &[], &[]);
            assert_eq!(pairs(&got), *want, "{line}");
        }
    }

    /// The (name, title) pairs of a text, sorted, are `want`.
    fn assert_sorted_pairs(text: &str, want: &[(&str, &str)]) {
        assert_sorted_pairs_under(text, &[], want);
    }

    /// The (name, title) pairs of a text under `headings`, sorted, are
    /// `want`.
    fn assert_sorted_pairs_under(text: &str, headings: &[(u8, String)], want: &[(&str, &str)]) {
        let people = from_text(text, headings, &[]);
        let mut got = pairs(&people);
        got.sort();
        assert_eq!(got, want, "{text}");
    }

    #[test]
    fn lists_of_names_under_a_title_heading_take_it() {
        let text = "Aufsichtsrat\nProf. Dr. Heinz Albrecht (Vorsitzender), Claudia Roth, Peter Lang\n\
                    Standorte\nHamburg, Berlin, München\n\
                    Directors\nJane Smith and John Roe\n\
                    Vorstand\nBerlin, Hamburg und Jane Doe";
        let headings: Vec<(u8, String)> = ["Aufsichtsrat", "Standorte", "Directors", "Vorstand"]
            .iter()
            .map(|h| (2, h.to_string()))
            .collect();
        assert_sorted_pairs_under(
            text,
            &headings,
            &[
                ("Claudia Roth", "Aufsichtsrat"),
                ("Heinz Albrecht", "Vorsitzender"),
                ("Jane Smith", "Director"),
                ("John Roe", "Director"),
                ("Peter Lang", "Aufsichtsrat"),
            ],
        );
    }

    #[test]
    fn names_alone_under_a_title_heading_take_it_and_former_titles_are_none() {
        let text = "Team\nManagement\nHannah Cole\nCEO\n\
                    Advisory Board\nAlan Turing-Smith\nProfessor, Stanford University\n\
                    Mei Lin\nFormer CTO, Honeywell\n\
                    Advisors\nProf. Rita Gomez (MIT) · Dr. Ken Ito (Sony) · Sara Blum\n\
                    Locations\nJane Roe\n";
        let headings: Vec<(u8, String)> = [
            (1, "Team"),
            (2, "Management"),
            (3, "Hannah Cole"),
            (2, "Advisory Board"),
            (3, "Alan Turing-Smith"),
            (3, "Mei Lin"),
            (2, "Advisors"),
            (2, "Locations"),
        ]
        .iter()
        .map(|(l, h)| (*l, h.to_string()))
        .collect();
        assert_sorted_pairs_under(
            text,
            &headings,
            &[
                ("Alan Turing-Smith", "Advisory Board"),
                ("Hannah Cole", "CEO"),
                ("Ken Ito", "Advisor"),
                ("Mei Lin", "Advisory Board"),
                ("Rita Gomez", "Advisor"),
                ("Sara Blum", "Advisor"),
            ],
        );
    }

    #[test]
    fn customers_quoted_under_a_testimonials_heading_and_bylines_are_no_one() {
        let text = "About Acme\nWhat our customers say\n\
                    Acme cut our build times in half.\nMaria Garcia, Head of IT, Initech\n\
                    Our team\nJane Doe, Chief Executive Officer\n\
                    By Emily Blunt, Content Marketing Manager\n";
        let headings: Vec<(u8, String)> = [
            (1, "About Acme"),
            (2, "What our customers say"),
            (2, "Our team"),
        ]
        .iter()
        .map(|(l, h)| (*l, h.to_string()))
        .collect();
        let heading_at: Vec<usize> = headings
            .iter()
            .map(|(_, h)| text.find(h.as_str()).expect("present"))
            .collect();
        let masked = without_testimonials(text, &headings, &heading_at);
        assert_eq!(masked.len(), text.len(), "offsets hold");
        let people = from_text(&masked, &headings, &[]);
        assert_eq!(pairs(&people), [("Jane Doe", "Chief Executive Officer")]);
        // Without such a heading the text is the page's own.
        assert!(matches!(
            without_testimonials(text, &headings[..1], &heading_at[..1]),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    /// One person with and without a middle initial; a one-letter first
    /// or last name still tells people apart.
    #[test]
    fn keys_leave_out_middle_initials_only() {
        assert_eq!(key("Jane A. Doe"), key("Jane Doe"));
        assert_eq!(key("John F. Kennedy"), "john kennedy");
        assert_eq!(key("Seán Ó Briain"), "seán briain");
        assert_eq!(key("Maria de la Cruz"), "maria de la cruz");
        assert_eq!(key("A. Smith"), "a smith");
        assert_ne!(key("Nguyen Van A"), key("Nguyen Van B"));
        assert_ne!(key("J. Doe"), key("Jane Doe"));
    }

    #[test]
    fn labelled_lists_joined_by_and_in_more_languages() {
        assert_sorted_pairs(
            "Titolare: Marco Rossi e Giulia Bianchi\n\
             Gerente: Ana López y Luis Gómez\nOprichter: Sanne de Vries en Pieter Bakker",
            &[
                ("Ana López", "Gerente"),
                ("Giulia Bianchi", "Titolare"),
                ("Luis Gómez", "Gerente"),
                ("Marco Rossi", "Titolare"),
                ("Pieter Bakker", "Oprichter"),
                ("Sanne de Vries", "Oprichter"),
            ],
        );
    }

    #[test]
    fn imprint_representatives_in_more_languages() {
        assert_sorted_pairs(
            "Rappresentata da: Giulia Conti\nRepresentada por: Lucía Martín\n\
             Vertegenwoordigd door: Sanne de Vries\nRepresentante legal: João Pereira",
            &[
                ("Giulia Conti", "Legale rappresentante"),
                ("João Pereira", "Representante legal"),
                ("Lucía Martín", "Representante legal"),
                ("Sanne de Vries", "Wettelijk vertegenwoordiger"),
            ],
        );
    }

    #[test]
    fn a_list_of_names_with_their_titles_in_parentheses() {
        assert_sorted_pairs(
            "Sabine Kühn (Geschäftsführerin) und Markus Öztürk (Geschäftsführer)\n\
             Jane Doe (CEO), John Roe (CTO) and Ann Poe (CFO)",
            &[
                ("Ann Poe", "CFO"),
                ("Jane Doe", "CEO"),
                ("John Roe", "CTO"),
                ("Markus Öztürk", "Geschäftsführer"),
                ("Sabine Kühn", "Geschäftsführerin"),
            ],
        );
        // Prose with a parenthesis, or a part without a title: nobody.
        assert_sorted_pairs(
            "Our founders (Jane and John) started in 2015\nJane Doe (CEO) and the team",
            &[],
        );
    }

    #[test]
    fn a_bio_between_a_cards_name_and_its_title() {
        // Three cards, each its own layout item.
        let text = "Sarah Chen\nSarah has 20 years of experience in strategy consulting.\n\
                    Managing Partner\nMaria Lopez\nDirector, Product Marketing\nAisha Patel\nPrincipal";
        let breaks = [
            text.find("Maria").expect("present"),
            text.find("Aisha").expect("present"),
        ];
        let people = from_text(text, &[], &breaks);
        let mut got = pairs(&people);
        got.sort();
        assert_eq!(
            got,
            [
                ("Aisha Patel", "Principal"),
                ("Maria Lopez", "Director, Product Marketing"),
                ("Sarah Chen", "Managing Partner"),
            ]
        );
        // The title after the bio belongs to the next name (title-first
        // cards), or another name comes first: no pair for the first name.
        assert_sorted_pairs(
            "Tom Becker\nTom has built our platform since 2019.\nSenior Engineer\nAnna Ross",
            &[("Anna Ross", "Senior Engineer")],
        );
        assert_sorted_pairs(
            "Tom Becker\nTom has built our platform since 2019.\nAnna Ross\nSenior Engineer",
            &[("Anna Ross", "Senior Engineer")],
        );
        // Lines of other cards are never a card's title.
        let text = "Sarah Chen\nSarah has 20 years of experience in consulting.\nManaging Partner";
        let second_card = text.find("Managing").expect("present");
        assert!(from_text(text, &[], &[second_card]).is_empty());
    }

    #[test]
    fn cards_giving_a_department_for_a_title() {
        let text = "Anna Schmidt\nVertriebsinnendienst\nPeter Wolf\nBuchhaltung\n\
                    Julia Becker\nSales & Marketing\nSarah Lang\nTechnischer Support\n\
                    Tobias Braun\nGeschäftsführer\nMark Ellis\nHuman Resources";
        let breaks: Vec<usize> = ["Peter", "Julia", "Sarah", "Tobias", "Mark"]
            .iter()
            .map(|n| text.find(n).expect("present"))
            .collect();
        let people = from_text(text, &[], &breaks);
        let mut got = pairs(&people);
        got.sort();
        assert_eq!(
            got,
            [
                ("Anna Schmidt", "Vertriebsinnendienst"),
                ("Julia Becker", "Sales & Marketing"),
                ("Mark Ellis", "Human Resources"),
                ("Peter Wolf", "Buchhaltung"),
                ("Sarah Lang", "Technischer Support"),
                ("Tobias Braun", "Geschäftsführer"),
            ]
        );
        // A place or a word of no department is no title.
        for line in [
            "Berlin",
            "Mehr erfahren",
            "Wir suchen Verstärkung für den Vertrieb.",
        ] {
            assert_eq!(cards::department_line(line), None, "{line}");
        }
    }

    #[test]
    fn imprint_and_team_titles_of_central_and_southern_europe() {
        assert_sorted_pairs(
            "Administrador único: D. Javier Martínez López\n\
             Administradora solidaria: Dña. Carmen Ruiz\n\
             Jana Dvořáková – vedoucí výroby\n\
             Konateľ: Ing. Marek Horváth\n\
             Ügyvezető igazgató: Kovács Péter\n\
             Apoderado: Sr. Luis Gómez",
            &[
                ("Carmen Ruiz", "Administradora solidaria"),
                ("Jana Dvořáková", "vedoucí výroby"),
                ("Javier Martínez López", "Administrador único"),
                ("Kovács Péter", "Ügyvezető igazgató"),
                ("Luis Gómez", "Apoderado"),
                ("Marek Horváth", "Konateľ"),
            ],
        );
        // Spanish "D." (don) is an honorific, not part of the name.
        assert_eq!(
            clean_name("D. Javier Martínez").as_deref(),
            Some("Javier Martínez")
        );
    }

    #[test]
    fn degrees_and_german_compound_titles() {
        let got = from_text(
            "Unser Team\nDI Julia Gruber, MSc\nLeiterin Entwicklung\nIng. Peter Wagner\n\
             Projektleiter\nMag. Stefan Huber\nVertriebsleiterin\nSarah Lee, PhD\nSoftwareentwicklerin",
            &[],
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
        assert_eq!(clean_name("JACK MA").as_deref(), Some("Jack Ma"));
    }

    #[test]
    fn nordic_polish_and_czech_titles() {
        let got = from_text(
            "Ledning\nAnna Lindqvist\nVD\nErik Johansson\nTeknisk chef\nSara Nilsson\nEkonomichef\n\
             Ole Hansen\nDaglig leder\nMette Jensen\nAdministrerende direktør\nMatti Virtanen\n\
             Toimitusjohtaja\nPiotr Kowalski\nPrezes Zarządu\nJana Nováková\nJednatelka",
            &[],
            &[],
        );
        assert_eq!(
            pairs(&got),
            [
                ("Anna Lindqvist", "VD"),
                ("Erik Johansson", "Teknisk chef"),
                ("Sara Nilsson", "Ekonomichef"),
                ("Ole Hansen", "Daglig leder"),
                ("Mette Jensen", "Administrerende direktør"),
                ("Matti Virtanen", "Toimitusjohtaja"),
                ("Piotr Kowalski", "Prezes Zarządu"),
                ("Jana Nováková", "Jednatelka")
            ]
        );
        assert!(is_leadership("VD"));
        assert!(is_leadership("Toimitusjohtaja"));
        assert!(!is_leadership("Ekonomichef"));
    }

    #[test]
    fn post_nominal_letters_are_not_part_of_the_name() {
        let got = from_text(
            "Our people\nJane Smith BSc (Hons) MRICS\nManaging Director\nRobert Jones FRICS\n\
             Senior Partner\nDr Sam Patel MBA\nHead of Valuation\nSir John Doe KBE\nChairman\n\
             Priya Raman, PhD, FREng\nChief Technology Officer",
            &[],
            &[],
        );
        assert_eq!(
            pairs(&got),
            [
                ("Jane Smith", "Managing Director"),
                ("Robert Jones", "Senior Partner"),
                ("Sam Patel", "Head of Valuation"),
                ("John Doe", "Chairman"),
                ("Priya Raman", "Chief Technology Officer")
            ]
        );
        // A surname in capitals, the French way, stays.
        assert_eq!(clean_name("Jean DUPONT").as_deref(), Some("Jean Dupont"));
    }

    #[test]
    fn imprint_representatives_with_their_own_titles() {
        let got = from_text(
            "Nordwind Robotics GmbH\nHandelsregister: HRB 123456\n\
             Registergericht: Amtsgericht Hamburg\n\
             Vertreten durch: Dr. Anna Becker (Geschäftsführerin), Lars Petersen\n\
             Kontakt",
            &[],
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
    fn a_plural_label_names_each_in_the_singular() {
        let got = from_text(
            "Directors: James Smith, Alison Jones\nManaging Directors: Tom Baker",
            &[],
            &[],
        );
        assert_eq!(
            pairs(&got),
            [
                ("James Smith", "Director"),
                ("Alison Jones", "Director"),
                ("Tom Baker", "Managing Director")
            ]
        );
    }

    #[test]
    fn swiss_and_german_boards() {
        let got = from_text(
            "Verwaltungsrat\nHans-Peter Keller\nPräsident des Verwaltungsrates\n\
             Dr. iur. Monika Frei\nMitglied des Verwaltungsrates\nBeirat\nKarl Huber\nBeiratsvorsitzender",
            &[(2, "Verwaltungsrat".into()), (2, "Beirat".into())],
            &[],
        );
        let pairs = pairs(&got);
        assert_eq!(
            pairs,
            [
                ("Hans-Peter Keller", "Präsident des Verwaltungsrates"),
                ("Monika Frei", "Mitglied des Verwaltungsrates"),
                ("Karl Huber", "Beiratsvorsitzender")
            ]
        );
    }

    #[test]
    fn layouts() {
        let got = from_text(
            "Meet the team\nJane Doe\nChief Executive Officer\nCTO\nJohn Smith\n\
             Anna Schmidt, Geschäftsführerin\nGeschäftsführer: Max Muster, Erika Beispiel\n\
             Pierre Martin – Directeur technique\nLéa Petit – Cheffe de projet\n\
             Daan van den Berg\nHoofd Marketing",
            &[],
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
        assert!(
            pairs.contains(&("Léa Petit", "Cheffe de projet")),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("Daan van den Berg", "Hoofd Marketing")),
            "{pairs:?}"
        );
        assert_eq!(pairs.len(), 8, "{pairs:?}");
    }
}
