//! Founders named in a sentence: "Founded in 2017 by Jane Smith and Raj
//! Patel", "2009 von Max Muster und Erika Beispiel gegründet", "fondée en
//! 2012 par Claire Martin". About and home pages tell a company's story
//! this way and often list no founder anywhere else.

use std::sync::LazyLock;

use regex::Regex;

use super::super::literals::LiteralSet;
use super::super::text::contains_any;
use super::{Person, clean_name, list_parts, person};

/// The verb, in each language with its title, and the words that lead to
/// the names ("by", "par", "von" before them; German puts the verb last).
static FOUNDED_BY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:(?P<en>(?:[Cc]o-?)?[Ff]ounded)(?:\s+in\s+[0-9]{4})?(?:\s+in\s+[\p{Lu}][\p{L}]+)?\s+by",
        r"|(?P<fr>[Ff]ond[ée]e?s?)(?:\s+en\s+[0-9]{4})?(?:\s+[àa]\s+[\p{Lu}][\p{L}\-]+)?\s+par",
        r"|(?P<es>[Ff]undad[ao]s?)(?:\s+en\s+[0-9]{4})?(?:\s+en\s+[\p{Lu}][\p{L}]+)?\s+por",
        r"|(?P<it>[Ff]ondat[ao])(?:\s+nel\s+[0-9]{4})?(?:\s+a\s+[\p{Lu}][\p{L}]+)?\s+da",
        r"|(?P<nl>[Oo]pgericht)(?:\s+in\s+[0-9]{4})?(?:\s+in\s+[\p{Lu}][\p{L}]+)?\s+door",
        r"|(?P<de>[Gg]egründet)(?:\s+[0-9]{4})?(?:\s+in\s+[\p{Lu}][\p{L}]+)?\s+von",
        r")\s+(?P<names>[^;:!?()]{4,160})",
    ))
    .expect("static regex")
});

/// German's usual order: "… 2009 von Max Muster und Erika Beispiel
/// gegründet", also with the place or year after the names ("von Karl
/// Müller in Aalen gegründet", "von Anna Weber 1998 gegründet").
static VON_GEGRUENDET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bvon\s+(?P<names>[^.;:!?()]{4,120}?)(?:\s+(?:in|im|bei|am|an der)\s+[\p{Lu}][\p{L}\-]+(?:\s+(?:am|an der)\s+[\p{Lu}][\p{L}\-]+)?)?(?:\s+(?:im\s+Jahr(?:e)?\s+)?[0-9]{4})?\s+gegründet").expect("static regex")
});

/// Stems of the verbs, searched before any regex runs: most pages tell
/// no founding story. One multi-literal pass: a search per stem built its
/// searcher on every page and read the text six times.
static STEMS: LazyLock<LiteralSet> = LazyLock::new(|| {
    LiteralSet::new(
        &["ounded", "ondé", "undad", "ondat", "pgericht", "egründet"],
        false,
    )
});

/// The founders a page names in a sentence.
pub fn founders(text: &str) -> Vec<Person> {
    let mut out = Vec::new();
    if !STEMS.is_match(text.as_bytes()) {
        return out;
    }
    for c in FOUNDED_BY.captures_iter(text) {
        let title = if let Some(en) = c.name("en") {
            if en.as_str().to_lowercase().starts_with("co") {
                "Co-Founder"
            } else {
                "Founder"
            }
        } else if c.name("fr").is_some() {
            "Fondateur"
        } else if c.name("es").is_some() {
            "Fundador"
        } else if c.name("it").is_some() {
            "Fondatore"
        } else if c.name("nl").is_some() {
            "Oprichter"
        } else {
            "Gründer"
        };
        push_names(&c["names"], title, &mut out);
    }
    if contains_any(text, &["gegründet"]) {
        for c in VON_GEGRUENDET.captures_iter(text) {
            push_names(&c["names"], "Gründer", &mut out);
        }
    }
    out
}

/// The names at the start of `list` ("Jane Smith and Raj Patel, Brightline
/// is backed by …"), up to the first part that is not a name.
fn push_names(list: &str, title: &str, out: &mut Vec<Person>) {
    for part in list_parts(first_sentence(list)).take(6) {
        // A name stands alone in its part; one followed by a place or a
        // time ("Mia Wolf in 2014", "Jane Smith in her garage") ends the
        // list.
        match clean_name(part) {
            Some(name) => out.push(person(name, title.to_string())),
            None => {
                if let Some(name) = before_adverbial(part).and_then(clean_name) {
                    out.push(person(name, title.to_string()));
                }
                break;
            }
        }
    }
}

/// The words of `part` before a preposition that starts a place or a
/// time: "Mia Wolf" of "Mia Wolf in 2014".
fn before_adverbial(part: &str) -> Option<&str> {
    [
        " in ",
        " im ",
        " at ",
        " back in ",
        " during ",
        " à ",
        " en ",
        " nel ",
        " a ",
        " em ",
    ]
    .iter()
    .filter_map(|p| part.find(p))
    .min()
    .map(|at| &part[..at])
}

/// `text` up to its first sentence end: a dot after a word of five or
/// more letters ("Patel. Today …"); shorter ones are abbreviations ("Dr.",
/// "Prof.", "med.").
fn first_sentence(text: &str) -> &str {
    for (at, _) in text.match_indices('.') {
        let word = text[..at]
            .rsplit(|c: char| !c.is_alphabetic())
            .next()
            .unwrap_or("");
        if word.chars().count() >= 5 {
            return &text[..at];
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String)> {
        founders(text)
            .into_iter()
            .map(|p| (p.name, p.title))
            .collect()
    }

    fn want(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn founders_in_a_sentence() {
        for (text, expected) in [
            (
                "Founded in 2017 by Jane Smith and Raj Patel, Brightline is backed by Sequoia.",
                want(&[("Jane Smith", "Founder"), ("Raj Patel", "Founder")]),
            ),
            (
                "The company was co-founded by Dr. Anna Berger, Jonas Keller and Mia Wolf in 2014.",
                want(&[
                    ("Anna Berger", "Co-Founder"),
                    ("Jonas Keller", "Co-Founder"),
                    ("Mia Wolf", "Co-Founder"),
                ]),
            ),
            (
                "Das Familienunternehmen wurde 1962 von Karl Müller in Aalen gegründet.",
                want(&[("Karl Müller", "Gründer")]),
            ),
            (
                "Acme was founded by Jane Smith in her garage in Ohio.",
                want(&[("Jane Smith", "Founder")]),
            ),
            (
                "Die Firma wurde 1962 von Karl Brandt gegründet und ist bis heute in Familienhand.",
                want(&[("Karl Brandt", "Gründer")]),
            ),
            (
                "Gegründet 2009 von Max Muster und Erika Beispiel.",
                want(&[("Max Muster", "Gründer"), ("Erika Beispiel", "Gründer")]),
            ),
            (
                "Fondée en 2009 à Paris par Claire Martin et Julien Lefèvre, Nuvalis compte 45 collaborateurs.",
                want(&[
                    ("Claire Martin", "Fondateur"),
                    ("Julien Lefèvre", "Fondateur"),
                ]),
            ),
            (
                "Tulpdata werd in 2015 opgericht door Pieter de Vries en Sanne Jansen.",
                want(&[
                    ("Pieter de Vries", "Oprichter"),
                    ("Sanne Jansen", "Oprichter"),
                ]),
            ),
        ] {
            assert_eq!(found(text), expected, "{text}");
        }
    }

    #[test]
    fn no_founders_where_none_are_named() {
        for text in [
            "Founded by two engineers from Munich, the company grew fast.",
            "Founded in 1998, we serve 300 customers.",
            "We were founded by the Fraunhofer Institute for Applied Research.",
            "Our founders believe in open source.",
            "Founded by a team in Berlin, Acme grew fast.",
            "The product was founded on three principles.",
            "",
        ] {
            assert_eq!(found(text), Vec::new(), "{text}");
        }
    }
}
