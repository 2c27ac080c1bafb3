//! A company's contact for a topic, named on any page after a label:
//! "Contact person: Jennifer Walsh, Sales Director", "Ansprechpartner: Dr.
//! Sabine Krüger, Produktmanagerin", "Pressekontakt: Lena Hoffmann
//! (Leiterin Unternehmenskommunikation)", "Ihr Ansprechpartner für
//! Ersatzteile: Tom Weber". Product, service and news pages name them,
//! not only team pages. Without a title of their own, the label is the
//! title ("Pressekontakt", "Ansprechpartner für Ersatzteile").

use super::*;

/// Labels, lower-cased, with the possessive dropped.
const LABELS: &[&str] = &[
    "contact person",
    "contact",
    "press contact",
    "media contact",
    "sales contact",
    "press and media contact",
    "ansprechpartner",
    "ansprechpartnerin",
    "ansprechpartner/in",
    "kontaktperson",
    "pressekontakt",
    "personne de contact",
    "contact presse",
    "interlocuteur",
    "interlocutrice",
    "persona di contatto",
    "referente",
    "persona de contacto",
    "contacto",
    "contactpersoon",
    "perskontakt",
];

/// Possessives before a label ("Ihr Ansprechpartner", "Your contact").
const POSSESSIVES: &[&str] = &[
    "ihr ",
    "ihre ",
    "unser ",
    "unsere ",
    "your ",
    "our ",
    "votre ",
    "vos ",
    "il vostro ",
    "la vostra ",
    "su ",
    "uw ",
    "jouw ",
];

/// Words of a unit's name that no person's name holds ("Help Desk",
/// "Kundenservice Zentrale"), beyond those `clean_name` refuses already
/// ("Human Resources", "Investor Relations", "Head Office").
const UNIT_WORDS: &[&str] = &[
    "department",
    "dept",
    "desk",
    "center",
    "centre",
    "hotline",
    "helpdesk",
    "abteilung",
    "zentrale",
];

/// Words that join a topic to a label ("Ansprechpartner für Vertrieb").
const TOPIC_JOINS: &[&str] = &[" für ", " for ", " pour ", " per ", " para ", " voor "];

/// Stems, lower-case, one of which every label holds: a test before the
/// label is matched against the list.
const STEMS: &[&str] = &[
    "ontact",
    "ontakt",
    "nsprech",
    "nterlocut",
    "eferente",
    "ontatto",
];

/// The people `text` names after a contact label.
pub fn labelled_contacts(text: &str) -> Vec<Person> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // Only the text before each colon is looked at: a page has a few
    // dozen colons and hundreds of lines.
    let mut next_line = 0;
    for colon in memchr::memchr_iter(b':', bytes) {
        if colon < next_line {
            continue;
        }
        let start = memchr::memrchr(b'\n', &bytes[..colon]).map_or(0, |n| n + 1);
        let end = memchr::memchr(b'\n', &bytes[colon..]).map_or(bytes.len(), |n| colon + n);
        // The label is what comes before the line's first colon.
        next_line = end;
        let (Some(label), Some(value)) = (text.get(start..colon), text.get(colon + 1..end)) else {
            continue;
        };
        let label = label.trim();
        if label.len() > 60 || value.trim().is_empty() {
            continue;
        }
        let lower = label.to_lowercase();
        if !STEMS.iter().any(|s| lower.contains(s)) {
            continue;
        }
        let Some(topic_title) = label_title(label, &lower) else {
            continue;
        };
        out.extend(contact(value.trim(), &topic_title));
    }
    out
}

/// The title a label gives its person: the label without its possessive,
/// with its topic ("Ansprechpartner für Ersatzteile"), or `None` when the
/// text before the colon is no contact label.
fn label_title(label: &str, lower: &str) -> Option<String> {
    let skip = POSSESSIVES
        .iter()
        .find(|p| lower.starts_with(*p))
        .map_or(0, |p| p.len());
    let (rest, rest_lower) = (label.get(skip..)?, lower.get(skip..)?);
    let known = LABELS.iter().any(|l| {
        rest_lower == *l
            || rest_lower
                .strip_prefix(l)
                .is_some_and(|after| TOPIC_JOINS.iter().any(|j| after.starts_with(j)))
    });
    if !known {
        return None;
    }
    let mut chars = rest.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// "Jennifer Walsh, Sales Director", "Lena Hoffmann (Leiterin …)",
/// "Mark Ellis – Head of Communications", "Tom Weber": a name, then
/// perhaps a title; what follows the title (an email, a phone) is left.
fn contact(value: &str, label_title: &str) -> Option<Person> {
    if let Some((name, Some(title))) = name_with_own_title(value) {
        return Some(person(name, title));
    }
    let mut parts = value
        .split([',', '|', '–', '—', '/'])
        .flat_map(|p| p.split(" - "))
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let name = clean_name(parts.next()?)?;
    // "Contact: Human Resources" names a department, not a person.
    if name.split_whitespace().any(|w| {
        let w = w.to_lowercase();
        DEPARTMENT.contains(&w) || UNIT_WORDS.contains(&w.as_str())
    }) {
        return None;
    }
    let title = parts
        .next()
        .and_then(|p| title_line(p).or_else(|| plain_role(p)))
        .unwrap_or_else(|| label_title.to_string());
    Some(person(name, title))
}

/// A short role with no title word ("Produktmanagerin", "Vertrieb
/// Süddeutschland"): a few capitalised words, no number, address or
/// sentence, and not a name.
fn plain_role(part: &str) -> Option<String> {
    let words = part.split_whitespace().count();
    let plain = (1..=6).contains(&words)
        && part.chars().count() <= 60
        && part.chars().next().is_some_and(char::is_uppercase)
        && !part.bytes().any(|b| b.is_ascii_digit() || b == b'@')
        && !part.contains("http")
        && !is_sentence(part)
        && clean_name(part).is_none();
    plain.then(|| part.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        labelled_contacts(text)
            .into_iter()
            .map(|p| (p.name, p.title))
            .collect()
    }

    #[test]
    fn contacts_after_a_label_with_or_without_a_title() {
        for (line, name, title) in [
            (
                "Contact person: Jennifer Walsh, Sales Director",
                "Jennifer Walsh",
                "Sales Director",
            ),
            (
                "Ansprechpartner: Dr. Sabine Krüger, Produktmanagerin",
                "Sabine Krüger",
                "Produktmanagerin",
            ),
            (
                "Pressekontakt: Lena Hoffmann (Leiterin Unternehmenskommunikation)",
                "Lena Hoffmann",
                "Leiterin Unternehmenskommunikation",
            ),
            (
                "Media contact: Mark Ellis, Head of Communications, press@acme.example",
                "Mark Ellis",
                "Head of Communications",
            ),
            (
                "Ihr Ansprechpartner für Ersatzteile: Tom Weber",
                "Tom Weber",
                "Ansprechpartner für Ersatzteile",
            ),
            (
                "Your contact: Priya Nair – Key Account Manager",
                "Priya Nair",
                "Key Account Manager",
            ),
            (
                "Votre interlocuteur : Julien Moreau, Responsable commercial",
                "Julien Moreau",
                "Responsable commercial",
            ),
            (
                "Contactpersoon: Daan de Vries",
                "Daan de Vries",
                "Contactpersoon",
            ),
            (
                "Pressekontakt: Lena Hoffmann, Tel. +49 89 123 456",
                "Lena Hoffmann",
                "Pressekontakt",
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
    fn other_labels_and_values_name_no_one() {
        for line in [
            "Contact: info@acme.example",
            "Kontakt: +49 89 123 456",
            "Contact: Sales Team",
            "Contact: Human Resources",
            "Contact: Investor Relations",
            "Your contact: Help Desk",
            "Contact us: Monday to Friday, 9 to 5",
            "Contact form: fill in the fields below",
            "Kontaktformular: Max Mustermann",
            "Produktmanager: Jane Doe",
        ] {
            assert_eq!(pairs(line), vec![], "{line}");
        }
    }
}
