//! People an about or team page names in a sentence with the company's own
//! possessive: "Our CEO, Jane Smith, founded…", "Meet Tom Baker, our Head
//! of Sales", "Unser Geschäftsführer Thomas Müller…", "Claire Martin, notre
//! directrice,…". "Our" says the person is the company's, where "Jane
//! Smith, CEO of Beta Corp" in a testimonial would not.

use std::sync::LazyLock;

use regex::Regex;

use super::super::literals::LiteralSet;
use super::{Person, clean_name, is_prefix_word, is_title, person, singular, title_line};

/// The possessive and the words after it up to a sentence's end.
static OUR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|[^\p{L}])(?:our|unser(?:e|em|en|er)?|notre|nuestr[oa]|(?:il|la)\s+nostr[oa]|onze)\s+",
    )
    .expect("static regex")
});

/// The possessives' stems in the cases pages write them, searched before
/// any regex: most lines have none.
static STEMS: LazyLock<LiteralSet> = LazyLock::new(|| {
    LiteralSet::new(
        &[
            "our ", "Our ", "unser", "Unser", "notre ", "Notre ", "nuestr", "Nuestr", "nostr",
            "onze ", "Onze ",
        ],
        false,
    )
});

/// Words a title runs to at most, and a name's words.
const MAX_TITLE_WORDS: usize = 6;
const NAME_WORDS: std::ops::RangeInclusive<usize> = 2..=3;

/// People named with "our <title>" in `line`.
pub(super) fn possessive(line: &str) -> Vec<Person> {
    let mut out = Vec::new();
    if !STEMS.is_match(line.as_bytes()) {
        return out;
    }
    for m in OUR.find_iter(line) {
        let before = &line[..m.start()];
        let after = sentence_end(&line[m.end()..]);
        if let Some(p) = title_then_name(after).or_else(|| name_then_title(before, after)) {
            out.push(p);
        }
    }
    out
}

/// The text up to the end of its clause: a full stop after a word of more
/// than two letters or not capitalised ("Dr.", "Mr." and initials go on),
/// or `;`, `!`, `?`, `:` or a parenthesis.
fn sentence_end(s: &str) -> &str {
    let mut end = s.len();
    for (i, c) in s.char_indices() {
        match c {
            ';' | '!' | '?' | '(' | ')' | ':' => {
                end = i;
                break;
            }
            '.' => {
                let word = s[..i].rsplit(char::is_whitespace).next().unwrap_or("");
                let letters = word.chars().filter(|c| c.is_alphabetic()).count();
                if letters > 2 || !word.starts_with(char::is_uppercase) {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    &s[..end]
}

/// A title that is one ("CEO"), not a group ("partners", "directors").
fn one_title(t: &str) -> Option<String> {
    let t = title_line(t.trim())?;
    (singular(&t) == t).then_some(t)
}

/// "our CEO, Jane Smith, …" and "our CEO Jane Smith …": the title, then
/// the name. Without a comma between them, only when exactly one split
/// into a title and a name works.
fn title_then_name(after: &str) -> Option<Person> {
    if let Some((t, rest)) = after.split_once(',') {
        let name = rest
            .split([',', '–', '—'])
            .next()
            .unwrap_or("")
            .split(" and ")
            .next()
            .unwrap_or("");
        if t.split_whitespace().count() <= MAX_TITLE_WORDS
            && let (Some(t), Some(n)) = (one_title(t), clean_name(name.trim()))
        {
            return Some(person(n, t));
        }
    }
    let clause = after.split([',', '–', '—']).next().unwrap_or("");
    let words: Vec<&str> = clause.split_whitespace().collect();
    // Most "our" start no title ("our customers", "our products"): one
    // search over the words a title could take, before trying splits.
    let reach = words.len().min(MAX_TITLE_WORDS);
    if reach == 0 || !is_title(&words[..reach].join(" ")) {
        return None;
    }
    let mut found = None;
    for k in 1..=MAX_TITLE_WORDS.min(words.len()) {
        // A name starts with a capital ("Jane", "Dr.").
        if !words
            .get(k)
            .is_some_and(|w| w.starts_with(char::is_uppercase))
        {
            continue;
        }
        for m in NAME_WORDS {
            let Some(name_words) = words.get(k..k + m) else {
                continue;
            };
            // The name ends the clause or a lower-case word follows it.
            let ends = words
                .get(k + m)
                .is_none_or(|w| w.starts_with(char::is_lowercase));
            if !ends {
                continue;
            }
            // "founder Dr." is the title and the name's prefix.
            if is_prefix_word(words[k - 1]) {
                continue;
            }
            let (Some(t), Some(n)) = (
                one_title(&words[..k].join(" ")),
                clean_name(&name_words.join(" ")),
            ) else {
                continue;
            };
            if found.is_some() {
                return None;
            }
            found = Some(person(n, t));
        }
    }
    found
}

/// "Jane Smith, our CEO", "Jane Smith is our CEO", "Meet Tom Baker, our
/// Head of Sales": the name before the possessive, the title after it.
fn name_then_title(before: &str, after: &str) -> Option<Person> {
    let before = before.trim_end();
    let before = before
        .strip_suffix(',')
        .or_else(|| {
            [" is", " ist", " est", " es", " è", " blijft", " bleibt"]
                .iter()
                .find_map(|v| before.strip_suffix(v))
        })?
        .trim_end();
    let title = after.split([',', '–', '—']).next().unwrap_or("");
    if title.split_whitespace().count() > MAX_TITLE_WORDS {
        return None;
    }
    let title = one_title(title)?;
    let words: Vec<&str> = before.split_whitespace().collect();
    // The longest name that ends there: "Meet Tom Baker" is Tom Baker.
    let name = NAME_WORDS.rev().find_map(|m| {
        let start = words.len().checked_sub(m)?;
        clean_name(&words[start..].join(" "))
    })?;
    Some(person(name, title))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(line: &str) -> Vec<(String, String)> {
        possessive(line)
            .into_iter()
            .map(|p| (p.name, p.title))
            .collect()
    }

    fn one(name: &str, title: &str) -> Vec<(String, String)> {
        vec![(name.to_string(), title.to_string())]
    }

    #[test]
    fn people_named_with_the_companys_possessive() {
        for (line, name, title) in [
            (
                "Our CEO, Jane Smith, founded the company in 2010.",
                "Jane Smith",
                "CEO",
            ),
            (
                "Our CEO Jane Smith founded the company in 2010.",
                "Jane Smith",
                "CEO",
            ),
            (
                "Meet Tom Baker, our Head of Sales.",
                "Tom Baker",
                "Head of Sales",
            ),
            (
                "Jane Smith is our Chief Executive Officer.",
                "Jane Smith",
                "Chief Executive Officer",
            ),
            (
                "Questions? Ask our Office Manager, Nora Lindqvist, at the desk.",
                "Nora Lindqvist",
                "Office Manager",
            ),
            (
                "Unser Geschäftsführer Thomas Müller gründete die Firma 1998.",
                "Thomas Müller",
                "Geschäftsführer",
            ),
            (
                "Anna Schmidt ist unsere Vertriebsleiterin.",
                "Anna Schmidt",
                "Vertriebsleiterin",
            ),
            (
                "Claire Martin, notre directrice, vous accueille.",
                "Claire Martin",
                "directrice",
            ),
            (
                "Hable con nuestra gerente, Lucía Fernández.",
                "Lucía Fernández",
                "gerente",
            ),
            (
                "Our founder Dr. Anna Becker started in a garage.",
                "Anna Becker",
                "founder",
            ),
        ] {
            assert_eq!(pairs(line), one(name, title), "{line}");
        }
    }

    #[test]
    fn what_is_no_person_of_the_company() {
        for line in [
            // Groups, things and other companies' people.
            "Our partners, Acme Solutions and Beta Labs, supply the parts.",
            "Our customers love Acme Insight.",
            "Jane Smith, CEO of Beta Corp, says the product is great.",
            "Our team has grown to 85 people.",
            "Read our Privacy Policy.",
            // Two ways to split a title from a name: none taken.
            "Our Head of Sales Tom Baker Smith Jones",
        ] {
            assert_eq!(pairs(line), vec![], "{line}");
        }
    }
}
