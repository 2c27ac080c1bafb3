//! Whose text is it: the parts of an imprint or a privacy policy that
//! describe other companies.
//!
//! An imprint names the company, then often its web host ("Hosting:
//! Hetzner Online GmbH, Industriestr. 25, 91710 Gunzenhausen, HRB 6089"),
//! the agency that built the site and the photographers, each with an
//! address, a phone and register numbers. A privacy policy names every
//! processor it sends data to (Google Ireland, Google LLC in Mountain View,
//! the newsletter service, an external data protection officer). None of
//! these is the company's address, phone or register entry, so addresses,
//! phones, legal ids and legal names are read from [`own_text`], where
//! those parts are blanked; emails keep the whole text (each says whether
//! it is on the company's own domain).

use std::borrow::Cow;

use super::text::{PageKind, lines_at};

/// Stems of a heading (or a line's label) that introduces another party:
/// the host, the site's makers, image credits, an external data protection
/// officer. Matched against the start of each word of the heading.
const THIRD_PARTY_STEMS: &[&str] = &[
    // Hosting, in the imprint languages the extractor knows.
    "hosting",
    "hoster",
    "webhost",
    "héberg",
    "heberg",
    "alojamiento",
    "alojado",
    "ospitat",
    // The site's makers.
    "design",
    "webdesign",
    "gestaltung",
    "konzept",
    "realisierung",
    "umsetzung",
    "programmierung",
    "webentwicklung",
    "conception",
    "réalisation",
    "realisation",
    "realizzazione",
    "realizzato",
    "diseño",
    "ontwerp",
    "realisatie",
    // Image credits.
    "credit",
    "crédit",
    "bildnachweis",
    "bildquelle",
    "bildrechte",
    "fotonachweis",
    "fotos",
    "fotografie",
    "photos",
    "photographie",
    "immagini",
    // An external data protection officer.
    "datenschutzbeauftragte",
    "dpo",
    "délégué",
    "delegado",
];

/// Phrases inside a line that hand it to the host ("Le site est hébergé
/// par OVH SAS, 2 rue Kellermann…", "This website is hosted by…").
const HOSTED_PHRASES: &[&str] = &[
    "hébergé par",
    "heberge par",
    "hébergé chez",
    "hosted by",
    "hosted at",
    "gehostet",
    "alojado en",
    "alojada en",
    "ospitato",
    "gehost door",
    "website by",
    "designed by",
    "realizzato da",
    "réalisé par",
    "realise par",
];

/// Stems of a privacy policy's heading (or label) for the controller, the
/// one part of the policy about the company itself.
const CONTROLLER_STEMS: &[&str] = &[
    "verantwortlich",
    "controller",
    "responsable",
    "titolare",
    "verwerkingsverantwoordelijke",
    "kontakt",
    "contact",
    "contatti",
    "contacto",
    "anbieter",
    "diensteanbieter",
];

/// A privacy policy's heading of several words for the controller ("Who we
/// are", "Name und Anschrift des Verantwortlichen" is caught by its stem).
const CONTROLLER_PHRASES: &[&str] = &["who we are", "wer wir sind", "qui sommes-nous"];

/// Labels that carry on a party's block rather than start another:
/// "Hosting: Strato AG … Telefon: 030 …" is still the host's phone.
const CONTACT_LABEL_STEMS: &[&str] = &[
    "tel", "phone", "fax", "mail", "e-mail", "web", "internet", "www", "site", "mobil",
];

/// A labelled line's span ends after this many lines at the latest: a
/// host's name, street, city and register line, with room for a phone.
const MAX_LABEL_SPAN: usize = 6;

/// Whether the words of `label` start with one of `stems`.
fn has_stem(label: &str, stems: &[&str]) -> bool {
    label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(|w| stems.iter().any(|s| w.starts_with(s)))
}

fn normalised(heading: &str) -> String {
    heading
        .trim()
        .trim_end_matches([':', '.', '!'])
        .to_lowercase()
}

fn is_third_party(label: &str) -> bool {
    has_stem(label, THIRD_PARTY_STEMS)
}

fn is_controller(label: &str) -> bool {
    has_stem(label, CONTROLLER_STEMS) || CONTROLLER_PHRASES.iter().any(|p| label.contains(p))
}

/// The label of a line such as "Hosting: Strato AG" or "Registergericht:
/// Amtsgericht Ulm", lower-cased; none for prose and URLs.
fn line_label(line: &str) -> Option<String> {
    let (label, _) = line.split_once(':')?;
    let label = label.trim();
    let short = (2..=40).contains(&label.chars().count());
    (short && label.chars().any(char::is_alphabetic) && !label.contains("http"))
        .then(|| label.to_lowercase())
}

/// Who a line or section speaks for.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Party {
    Company,
    Other,
}

/// `text` with the lines that describe other parties blanked (each line's
/// break kept, so line structure and offsets of the rest hold). On an
/// imprint, the sections and labelled lines of the host, the site's makers,
/// image credits and an external data protection officer; on a privacy
/// policy, everything but the controller's section or labelled lines. Other
/// pages are returned as they are, at no cost.
pub fn own_text<'t>(
    text: &'t str,
    headings: &[(u8, String)],
    heading_at: &[usize],
    kind: PageKind,
) -> Cow<'t, str> {
    let privacy = match kind {
        PageKind::Privacy => true,
        PageKind::Imprint => false,
        _ => return Cow::Borrowed(text),
    };
    // Outside a labelled span, a line belongs to its section's party.
    let base = if privacy {
        Party::Other
    } else {
        Party::Company
    };
    let mut section = base;
    // The section's heading level, so a sub-heading stays inside it.
    let mut section_level = u8::MAX;
    let mut label_span: Option<(Party, usize)> = None;
    let mut next_heading = 0;
    let mut out = String::new();
    let mut blanked = false;
    for (start, raw) in lines_at(text) {
        let line = raw.trim();
        // The last heading that starts on this line, if any.
        let mut heading = None;
        while let Some(&at) = heading_at.get(next_heading)
            && at < start + raw.len()
        {
            heading = Some(next_heading);
            next_heading += 1;
        }
        let party = if let Some(at) = heading.filter(|at| *at < headings.len()) {
            label_span = None;
            let (level, h) = &headings[at];
            let h = normalised(h);
            let own = if privacy {
                is_controller(&h)
            } else {
                !is_third_party(&h)
            };
            if *level <= section_level || section == base {
                section = if own { Party::Company } else { Party::Other };
                section_level = if section == base { u8::MAX } else { *level };
            }
            section
        } else {
            let label = line_label(line);
            let lower = || line.to_lowercase();
            let opens = match &label {
                Some(l) if is_third_party(l) && !privacy => Some(Party::Other),
                Some(l) if privacy && is_controller(l) => Some(Party::Company),
                Some(_) => None,
                None if !privacy && HOSTED_PHRASES.iter().any(|p| lower().contains(p)) => {
                    Some(Party::Other)
                }
                None => None,
            };
            if let Some(party) = opens {
                label_span = Some((party, 0));
            } else if label
                .as_deref()
                .is_some_and(|l| !l.is_empty() && !has_stem(l, CONTACT_LABEL_STEMS))
            {
                // Another label ("Vertreten durch:", "USt-IdNr.:") ends a span.
                label_span = None;
            }
            match &mut label_span {
                Some((party, lines)) if *lines < MAX_LABEL_SPAN => {
                    *lines += 1;
                    *party
                }
                _ => {
                    label_span = None;
                    section
                }
            }
        };
        if party == Party::Other {
            blanked = true;
            if raw.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(raw);
        }
    }
    if blanked {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(level: u8, text: &str) -> (u8, String) {
        (level, text.to_string())
    }

    /// Where each heading's line starts (the headings in order of the text).
    fn at(text: &str, headings: &[(u8, String)]) -> Vec<usize> {
        let mut from = 0;
        headings
            .iter()
            .map(|(_, h)| {
                let i = from
                    + text[from..]
                        .find(&format!("{h}\n"))
                        .or(text[from..].find(h.as_str()))
                        .unwrap();
                from = i + h.len();
                i
            })
            .collect()
    }

    fn kept(text: &str, headings: &[(u8, String)], kind: PageKind) -> Vec<String> {
        own_text(text, headings, &at(text, headings), kind)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn an_imprint_keeps_the_company_and_drops_its_host_and_makers() {
        let text = "Impressum\nMuster GmbH\nHauptstraße 1\n10115 Berlin\n\
                    Hosting\nHetzner Online GmbH\nIndustriestr. 25\n91710 Gunzenhausen\n\
                    Konzept & Design\nPixelfabrik GmbH, Marktplatz 3, 73430 Aalen\n\
                    Umsatzsteuer-ID\nDE 812 345 673";
        let headings = [
            h(1, "Impressum"),
            h(2, "Hosting"),
            h(2, "Konzept & Design"),
            h(2, "Umsatzsteuer-ID"),
        ];
        assert_eq!(
            kept(text, &headings, PageKind::Imprint),
            [
                "Impressum",
                "Muster GmbH",
                "Hauptstraße 1",
                "10115 Berlin",
                "Umsatzsteuer-ID",
                "DE 812 345 673"
            ]
        );
    }

    #[test]
    fn labelled_lines_and_hosting_sentences_are_the_hosts() {
        let text = "Mentions légales\nNuvalis SAS, 12 rue de la Paix, 75002 Paris\n\
                    Le site est hébergé par OVH SAS, 2 rue Kellermann, 59100 Roubaix.\n\
                    SIRET : 123 456 782 00010\n\
                    Hoster:\nStrato AG\nOtto-Ostrowski-Straße 7\n10249 Berlin\n\
                    Vertreten durch: Max Muster";
        let headings = [h(1, "Mentions légales")];
        assert_eq!(
            kept(text, &headings, PageKind::Imprint),
            [
                "Mentions légales",
                "Nuvalis SAS, 12 rue de la Paix, 75002 Paris",
                "SIRET : 123 456 782 00010",
                "Vertreten durch: Max Muster"
            ]
        );
    }

    #[test]
    fn a_labelled_span_ends_after_a_few_lines() {
        let mut text = String::from("Hosting: Example Host Ltd\n");
        for i in 0..10 {
            text.push_str(&format!("line {i}\n"));
        }
        let got = kept(&text, &[], PageKind::Imprint);
        assert_eq!(got.first().map(String::as_str), Some("line 5"));
        assert_eq!(got.len(), 5);
    }

    #[test]
    fn a_privacy_policy_keeps_only_its_controller() {
        let text = "Datenschutzerklärung\n1. Verantwortliche Stelle\nMuster GmbH\nHauptstraße 1\n\
                    10115 Berlin\n2. Google Analytics\nGoogle LLC, 1600 Amphitheatre Parkway, \
                    Mountain View, CA 94043, USA\nKontakt\nTelefon: 030 123456\n\
                    Newsletter\nWir nutzen Brevo (Sendinblue GmbH, Köpenicker Straße 126, 10179 Berlin).";
        let headings = [
            h(1, "Datenschutzerklärung"),
            h(2, "1. Verantwortliche Stelle"),
            h(2, "2. Google Analytics"),
            h(2, "Kontakt"),
            h(2, "Newsletter"),
        ];
        assert_eq!(
            kept(text, &headings, PageKind::Privacy),
            [
                "1. Verantwortliche Stelle",
                "Muster GmbH",
                "Hauptstraße 1",
                "10115 Berlin",
                "Kontakt",
                "Telefon: 030 123456"
            ]
        );
        // A controller named by a label, with no heading of its own.
        let text = "Privacy policy\nThe controller: Acme Ltd\n1 High Street\nLondon EC1A 1BB\n\
                    Analytics: Google LLC";
        assert_eq!(
            kept(text, &[h(1, "Privacy policy")], PageKind::Privacy),
            [
                "The controller: Acme Ltd",
                "1 High Street",
                "London EC1A 1BB"
            ]
        );
    }

    #[test]
    fn other_pages_are_left_alone() {
        let text = "Hosting: our managed hosting plans\nHosted by us, 1 Main Street";
        assert!(matches!(
            own_text(text, &[], &[], PageKind::Products),
            Cow::Borrowed(_)
        ));
        // An imprint with nobody else in it is not copied either.
        assert!(matches!(
            own_text(
                "Impressum\nMuster GmbH",
                &[h(1, "Impressum")],
                &[0],
                PageKind::Imprint
            ),
            Cow::Borrowed(_)
        ));
    }
}
