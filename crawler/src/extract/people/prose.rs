//! A contact named in a sentence, with a title: "please contact Sarah Lee
//! (Head of Communications) at press@…", "reach out to Daniel Kim, Chief
//! Financial Officer, at …", "go to our PR lead, Tom Baker", "wenden Sie
//! sich an Dr. Anna Weber (Leiterin Vertrieb)", "contacta a Laura Méndez
//! (Gerente de Comunicación)". Press, investor and product pages name
//! their people this way and often nowhere else. A name without a title
//! is left: after "contact" a bare pair of capitalised words is as often
//! a team or a product.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::{Person, clean_name, person, title_line};

/// What leads to a contact's name in a sentence, lower-case, each ending
/// where the name (or a possessive and a title) begins.
const LEADS: &[&str] = &[
    "contact ",
    "reach out to ",
    "get in touch with ",
    "speak to ",
    "speak with ",
    "talk to ",
    "write to ",
    "to our ",
    "wenden sie sich an ",
    "wenden sie sich bitte an ",
    "kontaktieren sie ",
    "melden sie sich bei ",
    "contactez ",
    "adressez-vous à ",
    "contacta a ",
    "contacte a ",
    "contactar a ",
    "comunícate con ",
    "comuníquese con ",
    "contatta ",
    "contattate ",
    "rivolgersi a ",
    "rivolgetevi a ",
    "neem contact op met ",
];

/// Possessives before a title that comes first ("our PR lead, Tom
/// Baker"), lower-case.
const POSSESSIVES: &[&str] = &[
    "our ",
    "unser ",
    "unsere ",
    "unseren ",
    "notre ",
    "nuestro ",
    "nuestra ",
    "il nostro ",
    "la nostra ",
    "onze ",
];

/// Stems one of which a sentence of [`ROLE_TAKEN`] holds, lower-case:
/// most pages have none, and the regex runs only on those that do.
const ROLE_STEMS: &[&str] = &[
    "ppoint",
    "named",
    "romot",
    "joined",
    "joins",
    "serves as",
    "serve as",
    "served as",
    "welcomes",
    "hires",
    "hired",
];

/// The leads, then the role stems: one pass over a page finds both.
static FINDER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(LEADS.iter().chain(ROLE_STEMS))
        .ok()
});

/// Most characters a name and its title take after the lead.
const REACH: usize = 160;

/// The people `text` names in a sentence: contacts after a lead, with a
/// title, and people taking a role. `lower` is `text` ASCII-lower-cased
/// (the same byte offsets).
pub fn in_sentences(text: &str, lower: &str) -> Vec<Person> {
    let mut out = Vec::new();
    let Some(finder) = FINDER.as_ref() else {
        return out;
    };
    let mut roles = false;
    for m in finder.find_iter(lower) {
        if m.pattern().as_usize() >= LEADS.len() {
            roles = true;
            continue;
        }
        // The lead starts a word: "recontact " or "Kontakt " is none.
        if lower[..m.start()]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let Some(rest) = text.get(m.end()..) else {
            continue;
        };
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let mut cut = line_end.min(REACH);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        // "to our " is the lead itself; after the others, a possessive
        // may come first ("contact our CFO, Daniel Kim").
        let possessive_lead = lower[m.start()..m.end()].ends_with("our ");
        if let Some(p) = after_lead(&rest[..cut], possessive_lead) {
            out.push(p);
        }
    }
    if roles {
        out.extend(roles_taken(text));
    }
    out
}

/// The person of what follows a lead: "Name (Title)", "Name, Title" or,
/// after a possessive, "Title, Name".
fn after_lead(rest: &str, possessive_lead: bool) -> Option<Person> {
    let lower = rest.to_lowercase();
    let skip = if possessive_lead {
        Some(0)
    } else {
        POSSESSIVES
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| p.len())
    };
    if let Some(skip) = skip {
        // "our PR lead, Tom Baker."
        let (title, name) = rest.get(skip..)?.split_once(',')?;
        let title = title_line(title)?;
        let name = clean_name(clause(name))?;
        return Some(person(name, title));
    }
    let stop = rest.find(['(', ',']).unwrap_or(rest.len());
    let name = clean_name(rest[..stop].trim())?;
    let after = &rest[stop..];
    let title = if let Some(inner) = after.strip_prefix('(') {
        title_line(inner.split_once(')')?.0)?
    } else {
        let part = clause(after.strip_prefix(',')?);
        let part_lower = part.to_lowercase();
        let skip = POSSESSIVES
            .iter()
            .find(|p| part_lower.starts_with(*p))
            .map_or(0, |p| p.len());
        title_line(part.get(skip..)?)?
    };
    Some(person(name, title))
}

/// What leads from a person to a role they took: "Rachel Adams has been
/// appointed Chief Financial Officer", "Oliver Grant joined in 2021 as
/// Chief Operating Officer", "Priya Shah serves as Head of Product", and
/// the announcement's order, "the appointment of Rachel Adams as Chief
/// Financial Officer", "appoints Rachel Adams as its new CFO". News and
/// about pages tell a company's hires this way.
static ROLE_TAKEN: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(concat!(
        r"(?:(?:has|have)\s+been|was|is|will\s+be)\s+(?:appointed|named|promoted\s+to)(?:\s+as)?",
        r"|(?:joined|joins|rejoined)(?:\s+[\p{L}&'’]+){0,3}?(?:\s+in\s+[0-9]{4})?\s+as",
        r"|(?:serves|will\s+serve|has\s+served)\s+as",
        r"|(?P<lead>(?:the\s+)?appointment\s+of|appoint(?:s|ed)|welcomes|promotes|promoted|hires|hired)\s+",
    ))
    .expect("static regex")
});

/// Words a title may start with that are not part of it ("as its new
/// CFO", "as the company's Head of Sales").
const BEFORE_TITLE: &[&str] = &[
    "the ", "our ", "its ", "their ", "new ", "a ", "an ", "interim ",
];

/// People `text` names as taking a role ([`ROLE_TAKEN`]).
fn roles_taken(text: &str) -> Vec<Person> {
    let mut out = Vec::new();
    for c in ROLE_TAKEN.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let found = if c.name("lead").is_some() {
            // "appointment of Rachel Adams as Chief Financial Officer".
            let rest = &text[m.end()..];
            let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
            rest.split_once(" as ")
                .and_then(|(name, title)| Some(person(clean_name(name)?, role(title)?)))
        } else {
            name_before(&text[..m.start()]).and_then(|name| {
                let rest = &text[m.end()..];
                Some(person(
                    name,
                    role(&rest[..rest.find('\n').unwrap_or(rest.len())])?,
                ))
            })
        };
        out.extend(found);
    }
    out
}

/// The name that ends `before`: its last two to four words, the longest
/// that reads as a name.
fn name_before(before: &str) -> Option<String> {
    let line = &before[before.rfind('\n').map_or(0, |n| n + 1)..];
    let words: Vec<&str> = line.split_whitespace().collect();
    (2..=4.min(words.len()))
        .rev()
        .find_map(|k| clean_name(&words[words.len() - k..].join(" ")))
}

/// The title at the start of `rest`, without the articles and the
/// company's possessive before it, up to the end of its clause.
fn role(rest: &str) -> Option<String> {
    let mut t = rest.trim_start();
    loop {
        let lower = t.to_lowercase();
        if let Some(w) = BEFORE_TITLE.iter().find(|w| lower.starts_with(*w)) {
            t = &t[w.len()..];
            continue;
        }
        // "the company's", "Brightwave's".
        match t.split_once(' ') {
            Some((first, after)) if first.ends_with("'s") || first.ends_with("’s") => t = after,
            _ => break,
        }
    }
    let mut title = clause(t);
    for stop in [
        " effective",
        " with effect",
        " from ",
        " starting",
        " since ",
        " in ",
        " who ",
        " after ",
    ] {
        if let Some(at) = title.find(stop) {
            title = &title[..at];
        }
    }
    title_line(title)
}

/// `s` up to where its clause ends: a comma, a parenthesis, a semicolon,
/// a full stop before a space, or a preposition that leads to how to
/// reach someone ("at press@…", "via email", "on +44 …").
fn clause(s: &str) -> &str {
    let mut end = s.find([',', '(', ';', '!', '?']).unwrap_or(s.len());
    for stop in [
        ". ", " at ", " via ", " on ", " by ", " unter ", " per ", " en ", " au ", " al ",
    ] {
        if let Some(at) = s[..end].find(stop) {
            end = at;
        }
    }
    let s = s[..end].trim();
    s.strip_suffix('.').unwrap_or(s).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        in_sentences(text, &text.to_ascii_lowercase())
            .into_iter()
            .map(|p| (p.name, p.title))
            .collect()
    }

    #[test]
    fn a_contact_in_a_sentence_with_a_title() {
        for (line, name, title) in [
            (
                "For press inquiries, please contact Sarah Lee (Head of Communications) at press@acme.example.",
                "Sarah Lee",
                "Head of Communications",
            ),
            (
                "Investors should reach out to Daniel Kim, Chief Financial Officer, at ir@acme.example.",
                "Daniel Kim",
                "Chief Financial Officer",
            ),
            (
                "Media requests can also go to our PR lead, Tom Baker.",
                "Tom Baker",
                "PR lead",
            ),
            (
                "Please contact our Head of Sales, Maria Rossi, for a quote.",
                "Maria Rossi",
                "Head of Sales",
            ),
            (
                "Get in touch with Priya Nair, our Key Account Manager, on +44 20 7946 0000.",
                "Priya Nair",
                "Key Account Manager",
            ),
            (
                "Bei Fragen wenden Sie sich an Dr. Anna Weber (Leiterin Vertrieb).",
                "Anna Weber",
                "Leiterin Vertrieb",
            ),
            (
                "Para prensa, contacta a Laura Méndez (Gerente de Comunicación) en prensa@acme.mx.",
                "Laura Méndez",
                "Gerente de Comunicación",
            ),
            (
                "Pour toute question, contactez Julien Moreau, directeur commercial, au 01 23 45 67 89.",
                "Julien Moreau",
                "directeur commercial",
            ),
        ] {
            assert_eq!(
                pairs(line),
                vec![(name.to_string(), title.to_string())],
                "{line}"
            );
        }
    }

    #[test]
    fn roles_taken_in_news_and_about_pages() {
        for (text, name, title) in [
            (
                "Brightwave today announced the appointment of Rachel Adams as Chief Financial Officer.",
                "Rachel Adams",
                "Chief Financial Officer",
            ),
            (
                "Oliver Grant joined in 2021 as Chief Operating Officer.",
                "Oliver Grant",
                "Chief Operating Officer",
            ),
            (
                "Priya Shah serves as Head of Product, and leads design.",
                "Priya Shah",
                "Head of Product",
            ),
            (
                "Dr. Lena Vogel has been appointed Chief Technology Officer with effect from 1 April.",
                "Lena Vogel",
                "Chief Technology Officer",
            ),
            (
                "Acme appoints Tom Reed as its new Head of Sales",
                "Tom Reed",
                "Head of Sales",
            ),
            (
                "Sam Patel joined the company as the company's VP Engineering.",
                "Sam Patel",
                "VP Engineering",
            ),
        ] {
            assert_eq!(
                pairs(text),
                vec![(name.to_string(), title.to_string())],
                "{text}"
            );
        }
        for text in [
            "The product was named Best Tool of 2024.",
            "Our team joined forces with partners as a result.",
            "We were appointed as the official supplier.",
            "She joined as a volunteer.",
            "Customers who hired us as consultants say so.",
        ] {
            assert_eq!(pairs(text), vec![], "{text}");
        }
    }

    #[test]
    fn leads_without_a_titled_person_name_no_one() {
        for line in [
            "Contact us today for a free consultation.",
            "Please contact Jane Doe at jane@acme.example.",
            "Contact Sales (Monday to Friday)",
            "Please contact our sales team, available 9 to 5.",
            "Welcome to our website, the home of Acme Widgets.",
            "Contact Support, we answer within a day.",
            "Please contact your local dealer, Müller Technik GmbH.",
            "Recontact Jane Doe (Head of Sales)",
            "Talk to an expert (Head of Sales will call back)",
        ] {
            assert_eq!(pairs(line), vec![], "{line}");
        }
    }
}
