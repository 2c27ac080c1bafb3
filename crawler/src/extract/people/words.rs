//! Word lists: what is not a name, name prefixes and suffixes, sentence
//! words, title starts, card furniture and team headings.

use crate::wordset::WordSet;

/// Imprint labels that introduce people but are not job titles themselves.
pub(super) const REPRESENTED_BY: &[&str] = &[
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
    "vertegenwoordigd door",
    "rappresentata da",
    "rappresentato da",
    "representada por",
    "representado por",
];

/// Capitalised words that look like names but are page furniture.
pub(super) const NOT_NAME_WORDS: &[&str] = &[
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
pub(super) const NAME_PREFIXES: &[&str] = &[
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
    "mx",
    "sir",
    "dame",
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
    // Spanish: "D. Javier Martínez", "Dña. Lucía" (the dotted words of two
    // letters or more are prefixes already).
    "d.",
    "dª",
    "doña",
];
/// Degrees written after a name ("Julia Gruber, MSc").
pub(super) const NAME_SUFFIXES: &[&str] = &[
    "msc", "m.sc.", "bsc", "b.sc.", "mba", "phd", "ph.d.", "m.a.", "b.a.", "llm", "ll.m.", "meng",
    "m.eng.", "beng", "jr.", "jr", "sr.", "sr", "ii", "iii", "dphil", "mphil", "mres", "llb",
    "ll.b.", "freng", "ceng", "ieng", "mbchb", "esq", "esq.", "p.eng.", "p.eng", "dipl.",
];
pub(super) const PARTICLES: &[&str] = &[
    "von", "van", "de", "der", "den", "da", "di", "du", "le", "la", "zu", "del", "dos", "ter",
];

/// Certifications, memberships, honours and degrees written in capitals
/// after a name ("Jane Smith BSc (Hons) MRICS", "Robert Jones FRICS",
/// "Sir John Doe KBE"): British chartered bodies, US and Canadian
/// professional designations, German Steuerberater and Wirtschaftsprüfer.
pub(super) const CAPS_SUFFIXES: &[&str] = &[
    "MBA",
    "CPA",
    "CFA",
    "PMP",
    "ACCA",
    "FCCA",
    "ACA",
    "FCA",
    "CIPP",
    "PE",
    "RA",
    "StB",
    "WP",
    "MRICS",
    "FRICS",
    "AssocRICS",
    "OBE",
    "MBE",
    "CBE",
    "KBE",
    "DBE",
    "QC",
    "KC",
    "FRS",
    "FREng",
    "CEng",
    "IEng",
    "MIET",
    "FIET",
    "MICE",
    "FICE",
    "MIStructE",
    "FIStructE",
    "MIMechE",
    "FIMechE",
    "CIPD",
    "MCIPD",
    "FCIPD",
    "CMgr",
    "MCMI",
    "FCMI",
    "ACIB",
    "FCIB",
    "CIMA",
    "ACMA",
    "FCMA",
    "CGMA",
    "FRSA",
    "RIBA",
    "ARB",
    "MRTPI",
    "MCIOB",
    "FCIOB",
    "MCIPS",
    "FCIPS",
    "ACIS",
    "FCIS",
    "CTA",
    "ATT",
    "FCIArb",
    "MCIArb",
    "FRCS",
    "FRCP",
    "MRCP",
    "MRCS",
    "FRCGP",
    "MRCGP",
    "CFP",
    "CMA",
    "CIA",
    "CISA",
    "CISSP",
    "CISM",
    "CISO",
    "SPHR",
    "PHR",
    "AIA",
    "FAIA",
    "LEED",
    "MD",
    "DDS",
    "DMD",
    "LLB",
    "LLM",
    "BSc",
    "MSc",
    "PhD",
    "DPhil",
    "MPhil",
    "MEng",
    "BEng",
    "MBChB",
    "FIA",
    "FFA",
    "CFIRM",
    "FInstP",
    "MInstP",
    "CPhys",
    "CSci",
    "CChem",
    "MRSC",
    "FRSC",
];

/// Words in capitals that are headings, not names, once title-cased.
pub(super) const COMMON_CAPS_WORDS: &[&str] = &[
    "what", "who", "how", "why", "we", "do", "are", "is", "get", "in", "touch", "to", "for", "of",
    "with", "your", "my", "learn", "see", "more", "sign", "up", "log", "now", "free", "start",
    "started", "here", "one", "by", "on", "at", "from", "wir", "sind", "ist", "was", "wie", "zum",
    "für", "mit", "der", "die", "das", "jetzt", "nous", "qui", "sommes", "pour", "avec", "les",
];

/// Words of a sentence (pronouns, auxiliaries), never of a job title: a
/// line with one is a bio, and a name is never paired with it.
pub(super) const SENTENCE_WORDS: &[&str] = &[
    "he", "she", "they", "we", "i", "you", "his", "her", "hers", "their", "our", "my", "its", "is",
    "are", "was", "were", "has", "have", "had", "joined", "joins", "brings", "will", "would",
    "can", "since", "years", "who", "er", "sie", "ist", "war", "hat", "wird", "seit", "uns",
    "unser", "unsere", "ihr", "ihre", "sein", "seine", "il", "elle", "ils", "elles", "est",
    "était", "sont", "notre", "nos", "depuis", "hij", "zij", "heeft", "lui", "lei", "è", "ha",
    "nostro", "nostra", "es", "nuestro", "nuestra", "ele", "ela", "é",
];

/// Words that start a title written after a name without a separator
/// ("Jane Doe Senior Engineer"), besides the title words themselves.
pub(super) const TITLE_STARTS: &[&str] = &[
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
pub(super) const CARD_FURNITURE: &[&str] = &[
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

/// Headings that open a section listing people, on any page ("Our team"
/// on a home page, "Vorstand" on an investor page).
pub(super) const TEAM_HEADINGS: &[&str] = &[
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
    "supervisory board",
    "advisory board",
    "executive committee",
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
    "der aufsichtsrat",
    "verwaltungsrat",
    "der verwaltungsrat",
    "geschäftsleitung",
    "die geschäftsleitung",
    "beirat",
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
    "il team",
    "la direzione",
    "consiglio di amministrazione",
    "nuestro equipo",
    "el equipo",
    "equipo directivo",
    "consejo de administración",
    "a nossa equipa",
    "a nossa equipe",
    "het team",
    "directie",
    "de directie",
    "raad van bestuur",
    "raad van commissarissen",
    "conseil d'administration",
    "conseil d’administration",
    "comité exécutif",
    "ledning",
    "ledningsgrupp",
    "ledningsgruppen",
    "företagsledning",
    "styrelse",
    "styrelsen",
    "vårt team",
    "ledelse",
    "ledelsen",
    "styret",
    "bestyrelse",
    "bestyrelsen",
    "direktion",
    "vores team",
    "vårt team",
    "johto",
    "johtoryhmä",
    "hallitus",
    "tiimimme",
    "zarząd",
    "nasz zespół",
    "zespół",
    "vedení společnosti",
    "náš tým",
];

/// The lists as hash sets (`crate::wordset::WordSet`): they are looked
/// up for every word of every line of people pages, where a scan of a
/// slice compared each entry in turn (`NOT_NAME_WORDS` has over a
/// hundred) after lower-casing the word into a new `String`.
macro_rules! lookups {
    ($($set:ident = $list:ident;)*) => {
        $(
            pub(super) static $set: std::sync::LazyLock<WordSet> =
                std::sync::LazyLock::new(|| WordSet::new($list));
        )*
        #[cfg(test)]
        const ALL_LOOKUPS: &[(&std::sync::LazyLock<WordSet>, &[&str])] = &[$((&$set, $list)),*];
    };
}

lookups! {
    NOT_NAME = NOT_NAME_WORDS;
    PREFIX = NAME_PREFIXES;
    SUFFIX = NAME_SUFFIXES;
    PARTICLE = PARTICLES;
    CAPS_SUFFIX = CAPS_SUFFIXES;
    COMMON_CAPS = COMMON_CAPS_WORDS;
    SENTENCE = SENTENCE_WORDS;
    TITLE_START = TITLE_STARTS;
    FURNITURE = CARD_FURNITURE;
}

#[cfg(test)]
mod lookup_tests {
    use super::*;

    /// Each set answers as the slice's `contains` did, on every entry as
    /// written, lower-cased, upper-cased and capitalised, and on words
    /// outside the lists (non-ASCII capitals among them).
    #[test]
    fn sets_answer_as_the_lists_did() {
        let others = [
            "",
            "Jane",
            "ÉQUIPE",
            "Équipe",
            "GESCHÄFTSFÜHRER",
            "Straße",
            "İstanbul",
            "x".repeat(80).leak(),
        ];
        for (set, list) in ALL_LOOKUPS {
            let mut words: Vec<String> = others.iter().map(|w| w.to_string()).collect();
            for w in *list {
                let mut cap = w.chars();
                let capitalised = cap
                    .next()
                    .map(|c| c.to_uppercase().chain(cap).collect::<String>())
                    .unwrap_or_default();
                words.extend([
                    w.to_string(),
                    w.to_lowercase(),
                    w.to_uppercase(),
                    capitalised,
                ]);
            }
            for w in &words {
                assert_eq!(set.contains(w), list.contains(&w.as_str()), "{w}");
                assert_eq!(
                    set.contains_lowercased(w),
                    list.contains(&w.to_lowercase().as_str()),
                    "{w}"
                );
            }
        }
    }
}
