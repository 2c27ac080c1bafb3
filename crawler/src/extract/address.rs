//! Postal addresses: schema.org `PostalAddress` (see `schema`) and the
//! common written forms of Europe and the US:
//!
//! ```text
//! Musterstraße 12            12 rue de la Paix          1600 Main Street, Suite 4
//! 10115 Berlin               75002 Paris                Springfield, IL 62701
//! ```
//!
//! A postcode line counts only right after (or on the same line as) a street
//! line, so years and prices followed by a capitalised word do not.

use std::cell::RefCell;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::capitals;
use super::lines::Lines;
use super::memo::Memo;
use super::street_gate as gate;

mod india;
mod japan;
mod maps;
mod mexico;

pub(crate) use maps::from_map_links;

/// A postal address; `country` is ISO 3166 alpha-2.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Address {
    /// Merge key: street and postcode normalised (so "Hauptstr. 1" and
    /// "Hauptstraße 1" in 10115 are one address).
    pub fn key(&self) -> String {
        let norm = |s: &Option<String>| {
            let lower = s.as_deref().unwrap_or("").to_lowercase();
            // Every spelling replaced begins with "st": without one, the
            // replacements change nothing (and cost a search each).
            let short = if lower.contains("st") {
                std::borrow::Cow::Owned(
                    lower
                        .replace("straße", "str")
                        .replace("strasse", "str")
                        .replace("str.", "str")
                        .replace("street", "st")
                        .replace("st.", "st"),
                )
            } else {
                std::borrow::Cow::Borrowed(lower.as_str())
            };
            short
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        };
        let locality = if self.postal_code.is_some() {
            String::new()
        } else {
            norm(&self.locality)
        };
        format!(
            "{}|{}|{}",
            norm(&self.postal_code),
            norm(&self.street),
            locality
        )
    }

    /// Fills gaps from another spelling of the same address; where both have
    /// a value the smaller wins, so merge order does not matter.
    pub fn absorb(&mut self, other: &Address) {
        fn pick(a: &mut Option<String>, b: &Option<String>) {
            match (a.as_ref(), b) {
                (None, Some(_)) => *a = b.clone(),
                (Some(x), Some(y)) if y < x => *a = b.clone(),
                _ => {}
            }
        }
        pick(&mut self.street, &other.street);
        pick(&mut self.locality, &other.locality);
        pick(&mut self.postal_code, &other.postal_code);
        pick(&mut self.region, &other.region);
        pick(&mut self.country, &other.country);
    }

    /// One line, for the Markdown report, in the country's own order:
    /// `10115 Berlin` in most of Europe, `Springfield, IL 62701` in the US,
    /// Canada, Australia and Brazil, `London EC1A 1BB` in the UK and Ireland.
    pub fn one_line(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.street {
            parts.push(s.clone());
        }
        let code = self.postal_code.as_deref();
        let locality = self.locality.as_deref();
        match self.country.as_deref() {
            Some("US" | "CA" | "AU" | "BR" | "IN") => {
                parts.extend(locality.map(str::to_string));
                let region_code = [self.region.as_deref(), code]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                if !region_code.is_empty() {
                    parts.push(region_code);
                }
            }
            country => {
                // The town first where the postcode follows it.
                let city = if matches!(country, Some("GB" | "IE" | "SG" | "NZ" | "ZA")) {
                    [locality, code]
                } else {
                    [code, locality]
                };
                let city = city.into_iter().flatten().collect::<Vec<_>>().join(" ");
                if !city.is_empty() {
                    parts.push(city);
                }
                parts.extend(self.region.clone());
            }
        }
        if let Some(c) = &self.country {
            parts.push(c.clone());
        }
        parts.join(", ")
    }
}

/// Country names and codes as written in addresses -> alpha-2.
pub fn country_code(raw: &str) -> Option<String> {
    let t = raw.trim().trim_end_matches('.').to_lowercase();
    let code = match t.as_str() {
        "de" | "deu" | "germany" | "deutschland" | "allemagne" => "DE",
        "at" | "aut" | "austria" | "österreich" | "oesterreich" | "autriche" => "AT",
        "ch" | "che" | "switzerland" | "schweiz" | "suisse" | "svizzera" => "CH",
        "fr" | "fra" | "france" | "frankreich" => "FR",
        "gb" | "gbr" | "uk" | "united kingdom" | "great britain" | "england" | "scotland"
        | "wales" | "royaume-uni" | "großbritannien" => "GB",
        "us"
        | "usa"
        | "u.s.a"
        | "u.s"
        | "united states"
        | "united states of america"
        | "états-unis"
        | "vereinigte staaten" => "US",
        "nl" | "nld" | "netherlands" | "the netherlands" | "nederland" | "niederlande"
        | "pays-bas" => "NL",
        "be" | "bel" | "belgium" | "belgique" | "belgië" | "belgien" => "BE",
        "lu" | "lux" | "luxembourg" | "luxemburg" => "LU",
        "it" | "ita" | "italy" | "italia" | "italien" | "italie" => "IT",
        "es" | "esp" | "spain" | "españa" | "spanien" | "espagne" => "ES",
        "ie" | "irl" | "ireland" | "irland" | "irlande" => "IE",
        "dk" | "dnk" | "denmark" | "danmark" | "dänemark" => "DK",
        "se" | "swe" | "sweden" | "sverige" | "schweden" => "SE",
        "pl" | "pol" | "poland" | "polska" | "polen" => "PL",
        "pt" | "prt" | "portugal" => "PT",
        "ca" | "can" | "canada" | "kanada" => "CA",
        "fi" | "fin" | "finland" | "suomi" => "FI",
        "no" | "nor" | "norway" | "norge" => "NO",
        "cz"
        | "cze"
        | "czech republic"
        | "czechia"
        | "tschechien"
        | "česká republika"
        | "česko"
        | "tschechische republik"
        | "république tchèque"
        | "tchéquie" => "CZ",
        "sk"
        | "svk"
        | "slovakia"
        | "slovak republic"
        | "slovensko"
        | "slovenská republika"
        | "slowakei"
        | "slovaquie" => "SK",
        "gr" | "grc" | "greece" | "hellas" | "ελλάδα" | "ελλάς" | "griechenland" | "grèce" => {
            "GR"
        }
        "au" | "aus" | "australia" | "australien" | "australie" => "AU",
        "nz" | "nzl" | "new zealand" | "aotearoa" | "neuseeland" | "nouvelle-zélande" => "NZ",
        "sg" | "sgp" | "singapore" | "singapur" | "singapour" => "SG",
        "ind" | "india" | "indien" | "inde" | "bharat" => "IN",
        "mex" | "mexico" | "méxico" | "mexiko" | "mexique" | "messico" => "MX",
        "jpn" | "japan" | "日本" | "japon" | "giappone" | "japón" | "nippon" => "JP",
        "zaf"
        | "south africa"
        | "republic of south africa"
        | "rsa"
        | "suid-afrika"
        | "südafrika"
        | "afrique du sud" => "ZA",
        other if other.len() == 2 && other.chars().all(|c| c.is_ascii_alphabetic()) => {
            return Some(other.to_ascii_uppercase());
        }
        _ => return None,
    };
    Some(code.to_string())
}

/// German/Austrian/Swiss street: "Musterstraße 12a", "Am Markt 3", "Hauptstr. 5",
/// "Gewerbepark Süd 3" (an estate's part after the kind), "Industriestraße
/// 12–14" (a range, with a hyphen or, as typeset pages write it, an en dash),
/// "Mariahilfer Straße 1/3/12" (Austrian stair and door numbers).
static STREET_DE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^((?:(?:[\p{{Lu}}][\p{{L}}\-]*\s+){{0,3}}[\p{{L}}\-]*(?i:{})|(?:{})\s+[\p{{Lu}}][\p{{L}}\-]+)(?:\s+(?:{}))?)\s+([0-9]{{1,4}}\s?[a-zA-Z]?(?:\s?[\-–/]\s?[0-9]{{1,4}}[a-zA-Z]?){{0,2}})$",
        gate::alternatives(gate::DE_KINDS),
        gate::alternatives(gate::DE_PREPOSITIONS),
        gate::alternatives(gate::DE_PARTS),
    ))
    .expect("static regex")
});
/// French/Belgian: "12 rue de la Paix", "3bis avenue Foch".
static STREET_FR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^([0-9]{{1,4}}(?:\s?(?:bis|ter|[a-c]))?,?\s+(?:{})(?-u:\b)([\p{{L}}\s'\-\.]{{2,}}))$",
        gate::alternatives(gate::FR_KINDS),
    ))
    .expect("static regex")
});
/// French with the kind first and the number last, as Belgium,
/// Switzerland and Luxembourg write it: "Rue de la Loi 16", "Avenue Louise
/// 54", "Chaussée de Charleroi 112", "Route de Genève 12A".
static STREET_FR_NUMBER_LAST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^((?:{})(?-u:\b)\s*[\p{{L}}][\p{{L}}\s'’\-\.]{{1,60}}?),?\s+([0-9]{{1,4}}(?:\s?(?:bis|ter|[a-z]))?(?:\s?[\-/]\s?[0-9]{{1,4}}[a-z]?)?)$",
        gate::alternatives(gate::FR_KINDS),
    ))
    .expect("static regex")
});
/// English: "1600 Main Street", "10 Downing St, Suite 4", "20-22 Wenlock
/// Road" (a building over several numbers).
static STREET_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^([0-9]{{1,6}}[A-Za-z]?(?:[\-–][0-9]{{1,6}}[A-Za-z]?)?\s+(?:[\p{{Lu}}0-9][\p{{L}}0-9\.'\-]*\s+){{1,4}}(?:{})(?:\s+(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West))?(?:,?\s+(?:Suite|Ste\.?|Floor|Unit|#)\s*[A-Za-z0-9_\-]+)?)$",
        gate::en_alternatives(),
    ))
    .expect("static regex")
});
/// "1585 Broadway", "1 Broadway, Suite 200": a street named without a
/// kind, common enough in American cities to be looked for by name.
static STREET_BROADWAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([0-9]{1,6}[A-Za-z]?(?:[\-–][0-9]{1,6}[A-Za-z]?)?\s+Broadway(?:\s+(?:East|West|E|W))?(?:,?\s+(?:Suite|Ste\.?|Floor|Unit|#)\s*[A-Za-z0-9_\-]+)?)$",
    )
    .expect("static regex")
});
/// House numbers written as words, as some American and British office
/// buildings' are ("One Market Plaza", "Two Embarcadero Center", "One
/// Canada Square").
const SPELLED_NUMBERS: &[&str] = &[
    "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
];

/// The number word `line` starts with, and the rest after its space.
fn spelled_number(line: &str) -> Option<(&str, &str)> {
    // Most lines fail at their first byte: this runs on every line without
    // a digit.
    if !matches!(
        line.as_bytes().first(),
        Some(b'O' | b'T' | b'F' | b'S' | b'E' | b'N')
    ) {
        return None;
    }
    let (word, rest) = line.split_once(' ')?;
    SPELLED_NUMBERS.contains(&word).then_some((word, rest))
}

/// Italian, Spanish and Portuguese: the street's kind first, the number
/// last: "Via Roma 12", "Corso Vittorio Emanuele II 15", "C/ Mayor, 5",
/// "Paseo de la Castellana 259", "Rua Augusta 25"; Polish streets are
/// written the same way ("ul. Marszałkowska 10", "al. Jerozolimskie 65").
/// The kind's word says the country (see [`romance_country`]).
static STREET_ROMANCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^((?:(?i:{})\s+|(?i:c/)\s*)[\p{{L}}0-9][\p{{L}}0-9\.'\-]*(?:\s+[\p{{L}}0-9\.'\-]+)*?),?\s+(?:(?i:n\.?º|nº|n°|n\.|núm\.|no\.)\s?)?([0-9]{{1,4}}[a-zA-Z]?(?:\s?(?:bis|ter))?(?:/[0-9A-Za-z]{{1,4}})?)$",
        gate::alternatives(gate::ROMANCE_KINDS),
    ))
    .expect("static regex")
});

/// Dutch, Flemish and Nordic streets: one compound word (or words) ending
/// in the street's kind, then the number: "Keizersgracht 123", "Coolsingel
/// 42", "Kerkstraat 12 bus 3", "Drottninggatan 5", "Karl Johans gate 22",
/// "Vesterbrogade 10", "Mannerheimintie 12 A". The kind says the country
/// (see [`northern_country`]).
static STREET_NORTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^((?:[\p{{Lu}}][\p{{L}}\.'\-]*\s+){{0,3}}[\p{{L}}\.'\-]*(?i:{}))\s+([0-9]{{1,5}}\s?[a-zA-Z]?(?:\s?[\-–]\s?[0-9]{{1,4}}[a-zA-Z]?)?(?:\s+(?:bus|hs|huis)\s+[0-9A-Za-z]{{1,4}})?)$",
        gate::alternatives(gate::NORTH_KINDS),
    ))
    .expect("static regex")
});

/// Czech and Slovak streets, which have no kind: the name, then the house
/// number, perhaps the descriptive and the orientation number: "Vinohradská
/// 1511/230", "Na Příkopě 33", "náměstí Míru 9", "28. října 5", "Mlynské
/// nivy 5", "Vajnorská 100/B". Such a line is as much a product or a
/// heading ("Model 300"), so it is tried only before a postcode of the
/// shape (see [`czech_street_at`]) and kept only for a Czech, Slovak or
/// Greek city (see [`czech_city`]).
static STREET_CS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^((?:[0-9]{{1,2}}\.\s?\p{{L}}|\p{{Lu}}|{})[\p{{L}}'’\.\-]*(?:\s+(?:[0-9]{{1,2}}\.\s+)?\p{{L}}[\p{{L}}'’\.\-]*)*)\s+([0-9]{{1,4}}[a-zA-Z]?(?:\s?/\s?[0-9]{{1,4}}[a-zA-Z]?|/[a-zA-Z])?)$",
        gate::alternatives(gate::CS_LEADS),
    ))
    .expect("static regex")
});

/// A Czech or Slovak postcode and city: "100 00 Praha 10", "CZ-602 00
/// Brno-střed", "400 01 Ústí nad Labem", "821 09 Bratislava"; Greek ones
/// share the shape ("105 63 Αθήνα").
static CS_CITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:(CZ|SK|GR)[\-\s]?)?([0-9]{3}\s?[0-9]{2})\s+(\p{Lu}[\p{L}\.\-]*(?:\s+(?:\p{Lu}[\p{L}\.\-]*|nad|pod|na|u|v|ve|[0-9]{1,2}))*)$",
    )
    .expect("static regex")
});

/// "10115 Berlin", "D-80331 München", "1010 Wien", "75002 Paris Cedex 02", "1012 AB Amsterdam".
static POSTCODE_CITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:(?:D|DE|A|AT|CH|F|FR|B|BE|L|LU|NL|I|IT|E|ES|P|PT|SE|DK|FI|NO|PL|CZ|SK|GR)[\-\s])?([0-9]{4}\s?[A-Z]{2}|[0-9]{4}-[0-9]{3}|[0-9]{2}-[0-9]{3}|[0-9]{3}\s[0-9]{2}|[0-9]{4,5})\s+([\p{Lu}][\p{L}\.\-']*(?:\s+(?:[\p{Lu}][\p{L}\.\-']*|am|an|der|im|bei|sur|sous|en|de|la|le|del|di|do|da|Cedex|[0-9]{1,2}))*)(?:\s*\([\p{Lu}][\p{L}\s\.]*\))?$",
    )
    .expect("static regex")
});
/// "Springfield, IL 62701", "San Francisco, California 94105",
/// "Austin, TX, 78701" (US).
static US_CITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([\p{Lu}][\p{L}\.\- ]+),\s*([A-Z]{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?),?\s+([0-9]{5}(?:-[0-9]{4})?)$")
        .expect("static regex")
});
/// "Melbourne VIC 3000", "Sydney, NSW 2000" (Australia: the state's
/// abbreviation, then four digits).
static AU_CITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([\p{Lu}][\p{L}\.\- ]+?),?\s+(NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s+([0-9]{4})$")
        .expect("static regex")
});
/// "Toronto, ON M5V 2T6", "Montréal (Québec) H3B 4W8" (Canada: the
/// province's abbreviation or name, then the letter-digit postcode).
static CA_CITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([\p{Lu}][\p{L}\.\-' ]+?),?\s+\(?(AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT|Ontario|Québec|Quebec|Alberta|British Columbia|Manitoba|Nova Scotia|New Brunswick|Saskatchewan)\)?,?\s+([A-Z][0-9][A-Z]\s?[0-9][A-Z][0-9])$",
    )
    .expect("static regex")
});
/// An Irish Eircode, the town (with its postal district) before it:
/// "Dublin 2, D02 A342", "Cork T12 X8N2", "D02 A342" alone.
static IE_CITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:([\p{Lu}][\p{L}\.\-' ]+?(?:\s+(?:[0-9]{1,2}|6W))?),?\s+)?((?:[AC-FHKNPRTV-Y][0-9]{2}|D6W)\s?[0-9AC-FHKNPRTV-Y]{4})$",
    )
    .expect("static regex")
});
/// "Singapore 048616": the city-state and its six-digit postcode.
static SG_CITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Singapore,?\s+([0-9]{6})$").expect("static regex"));
/// "Auckland 1010" (New Zealand: the town, then four digits), a shape
/// other countries share: taken only with a sign of New Zealand.
static NZ_CITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([\p{Lu}][\p{L}\.\- ]+?),?\s+([0-9]{4})$").expect("static regex")
});
/// "London EC1A 1BB" or "EC1A 1BB London" (UK).
static UK_CITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:([\p{Lu}][\p{L}\- ]+),?\s+)?([A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2})(?:,?\s+([\p{Lu}][\p{L}\- ]+))?$",
    )
    .expect("static regex")
});

/// A British unit on an estate or business park, which has no street
/// number of its own: "Unit 5" then "Riverside Business Park".
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:Unit|Units|Suite|Building|Block|Office)\s+[0-9][0-9A-Za-z\-/]{0,5}$")
        .expect("static regex")
});
static ESTATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[\p{Lu}][\p{L}'\-]*\s+){1,4}(?:Business Park|Industrial Estate|Trading Estate|Enterprise Park|Science Park|Technology Park|Business Centre|Enterprise Centre|Park|Estate|Centre|House|Court|Works|Mill|Quay|Wharf)$",
    )
    .expect("static regex")
});

/// The shape of a UK postcode, shared by the patterns below.
macro_rules! uk_postcode {
    () => {
        r"[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}"
    };
}

/// A UK postcode anywhere (the address gate of a page without four digits
/// in a row: "20-22 Wenlock Road, London N1 7GU").
static UK_POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(r"(?-u:\b)", uk_postcode!(), r"(?-u:\b)")).expect("static regex")
});
/// A UK, Canadian or Irish postcode anywhere: the same gate for all.
static LETTER_POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?-u:\b)(?:",
        uk_postcode!(),
        r"|[A-Z][0-9][A-Z]\s?[0-9][A-Z][0-9]|(?:[AC-FHKNPRTV-Y][0-9]{2}|D6W)\s?[0-9AC-FHKNPRTV-Y]{4})(?-u:\b)"
    ))
    .expect("static regex")
});
/// A post office box in place of a street: "Postbus 1234", "Postfach 10 01
/// 23", "P.O. Box 1234", "BP 123", "Apartado 123", "Casella postale 45".
/// Imprints and footers give it with the postcode and city of the box.
static PO_BOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?i:(postbus|postfach|p\.\s?o\.\s?box|po\s?box|post\s+office\s+box|boîte\s+postale|bp|b\.p\.|apartado(?:\s+de\s+correos)?|casella\s+postale|c\.p\.))\s+[0-9](?:[0-9 ]{0,8}[0-9])?$",
    )
    .expect("static regex")
});
/// Whether `line` starts with a word of [`PO_BOX`]: most lines do not, and
/// a case-insensitive regex per line cost more than the rest of the street
/// test.
fn po_box_word(line: &str) -> bool {
    let first = line.split([' ', '\u{a0}']).next().unwrap_or("");
    first.len() <= 8
        && matches!(
            first.to_ascii_lowercase().as_str(),
            "postbus"
                | "postfach"
                | "p.o."
                | "p.o.box"
                | "po"
                | "pobox"
                | "post"
                | "boîte"
                | "bp"
                | "b.p."
                | "apartado"
                | "casella"
                | "c.p."
        )
}

/// A Brazilian address, on one line or run on over two: the street's kind
/// and name, a comma and the number, then the neighbourhood, the city and
/// the state after dashes or a slash, and the CEP: "Av. Paulista, 1578 -
/// Bela Vista, São Paulo - SP, 01310-200", "Rua das Flores, 123 - Centro -
/// Curitiba/PR - CEP 80010-000".
static BR_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^((?:Rua|R\.|Avenida|Av\.|Alameda|Al\.|Travessa|Tv\.|Praça|Rodovia|Rod\.|Estrada|Largo)\s[^,\n]+?,\s*(?:n[º°o]\.?\s*)?[0-9]{1,5}[A-Za-z]?)(?:,?\s+[^\-–\n]{1,40}?)?\s*[\-–,\n]\s*(?:(?:Bairro\s+)?[\p{Lu}][^,\-–/\n]{1,40}?\s*[,\-–\n]\s*)?([\p{Lu}][\p{L}\s'.]{1,40}?)\s*[\-–/]\s*(AC|AL|AP|AM|BA|CE|DF|ES|GO|MA|MT|MS|MG|PA|PB|PR|PE|PI|RJ|RN|RS|RO|RR|SC|SP|SE|TO)(?-u:\b)(?:\s*[,\-–\n]?\s*(?:CEP:?\s*)?([0-9]{5})-?([0-9]{3}))?",
    )
    .expect("static regex")
});
/// The street kinds a Brazilian address starts with ([`BR_ADDRESS`]).
const BR_STREET_KINDS: &[&str] = &[
    "Rua ",
    "R. ",
    "Avenida ",
    "Av. ",
    "Alameda ",
    "Al. ",
    "Travessa ",
    "Tv. ",
    "Praça ",
    "Rodovia ",
    "Rod. ",
    "Estrada ",
    "Largo ",
];

/// The Brazilian address that starts on line `i`, if any.
fn brazilian_address(lines: &[&str], i: usize) -> Option<Address> {
    let line = lines.get(i)?;
    let text = match lines.get(i + 1) {
        Some(next) => format!("{line}\n{next}"),
        None => (*line).to_string(),
    };
    let c = BR_ADDRESS.captures(&text)?;
    Some(Address {
        street: Some(c[1].trim().to_string()),
        locality: Some(c[2].trim().to_string()),
        postal_code: c
            .get(4)
            .zip(c.get(5))
            .map(|(a, b)| format!("{}-{}", a.as_str(), b.as_str())),
        region: Some(c[3].to_string()),
        country: Some("BR".into()),
    })
}

/// A unit within a building, written as a part or line of its own between
/// the street and the city ("Suite 300", "Level 5", "2. OG"): kept with
/// the street.
static UNIT_PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:(?:Suite|Ste\.?|Floor|Fl\.|Level|Unit|Room|Rm\.?|Apt\.?|Building|Bldg\.?|Office|Etage|Stock|Büro|Bureau|Piso|Planta|Piano|Interno|Scala)\s*#?\s*[0-9A-Za-z][0-9A-Za-z\-]{0,5}|#\s?[0-9][0-9A-Za-z\-]{0,5}|[0-9]{1,2}(?:\.|st|nd|rd|th)\s?(?:Floor|OG|Etage|Stock|étage))$",
    )
    .expect("static regex")
});

const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC",
];

/// The states written out, as many sites do after the city.
const US_STATE_NAMES: &[(&str, &str)] = &[
    ("Alabama", "AL"),
    ("Alaska", "AK"),
    ("Arizona", "AZ"),
    ("Arkansas", "AR"),
    ("California", "CA"),
    ("Colorado", "CO"),
    ("Connecticut", "CT"),
    ("Delaware", "DE"),
    ("Florida", "FL"),
    ("Georgia", "GA"),
    ("Hawaii", "HI"),
    ("Idaho", "ID"),
    ("Illinois", "IL"),
    ("Indiana", "IN"),
    ("Iowa", "IA"),
    ("Kansas", "KS"),
    ("Kentucky", "KY"),
    ("Louisiana", "LA"),
    ("Maine", "ME"),
    ("Maryland", "MD"),
    ("Massachusetts", "MA"),
    ("Michigan", "MI"),
    ("Minnesota", "MN"),
    ("Mississippi", "MS"),
    ("Missouri", "MO"),
    ("Montana", "MT"),
    ("Nebraska", "NE"),
    ("Nevada", "NV"),
    ("New Hampshire", "NH"),
    ("New Jersey", "NJ"),
    ("New Mexico", "NM"),
    ("New York", "NY"),
    ("North Carolina", "NC"),
    ("North Dakota", "ND"),
    ("Ohio", "OH"),
    ("Oklahoma", "OK"),
    ("Oregon", "OR"),
    ("Pennsylvania", "PA"),
    ("Rhode Island", "RI"),
    ("South Carolina", "SC"),
    ("South Dakota", "SD"),
    ("Tennessee", "TN"),
    ("Texas", "TX"),
    ("Utah", "UT"),
    ("Vermont", "VT"),
    ("Virginia", "VA"),
    ("Washington", "WA"),
    ("West Virginia", "WV"),
    ("Wisconsin", "WI"),
    ("Wyoming", "WY"),
];

/// A US state's two letters, from them or from its name.
fn us_state(s: &str) -> Option<&'static str> {
    US_STATES.iter().find(|c| **c == s).copied().or_else(|| {
        US_STATE_NAMES
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, code)| *code)
    })
}

#[derive(Clone, Copy, PartialEq)]
enum StreetStyle {
    German,
    French,
    English,
    /// The country its kind's word names, if only one.
    Romance(Option<&'static str>),
    /// Dutch, Flemish or Nordic; the country its kind's word names.
    Northern(Option<&'static str>),
    /// Czech or Slovak (Greek is written alike), with no kind
    /// ([`STREET_CS`]).
    Czech,
}

fn street(line: &str) -> Option<(String, StreetStyle)> {
    // Drop a label such as "Adresse:" or "Siège :".
    let line = label_free(line).trim_end_matches(',');
    // Cheap checks first: this runs on every short line of every page.
    if line.len() > 120
        || line.chars().count() > 80
        || !(super::digits::has_digit(line.as_bytes()) || spelled_number(line).is_some())
    {
        return None;
    }
    // The same footer or contact address comes back on every page of a
    // site; capturing its parts once per worker thread is enough.
    STREET_MEMO.with(|m| m.borrow_mut().get_or(line, || street_uncached(line)))
}

thread_local! {
    /// What `street_uncached` found in a line.
    static STREET_MEMO: RefCell<Memo<Option<(String, StreetStyle)>>> =
        RefCell::new(Memo::new(crate::extract::memo::LINES));
}

fn street_uncached(line: &str) -> Option<(String, StreetStyle)> {
    // A German street starts with a letter (or a hyphen), a French or
    // English one with its house number: one regex in three can match, and
    // a quick `is_match` spares the capture work on the many lines that fail.
    let first = line.chars().next()?;
    if po_box_word(line)
        && let Some(c) = PO_BOX.captures(line)
    {
        // The box's word says how the city line is written.
        let style = match c[1].to_lowercase().as_str() {
            "postbus" => StreetStyle::Northern(Some("NL")),
            "postfach" => StreetStyle::German,
            "boîte postale" | "bp" | "b.p." => StreetStyle::French,
            "apartado" | "apartado de correos" => StreetStyle::Romance(Some("ES")),
            "casella postale" | "c.p." => StreetStyle::Romance(Some("IT")),
            _ => StreetStyle::English,
        };
        return Some((line.trim().to_string(), style));
    }
    if (first.is_alphabetic() || first == '-')
        && gate::de(line)
        && STREET_DE.is_match(line)
        && let Some(c) = STREET_DE.captures(line)
    {
        return Some((format!("{} {}", &c[1], &c[2]), StreetStyle::German));
    }
    if first.is_numeric() {
        if gate::fr(line)
            && STREET_FR.is_match(line)
            && let Some(c) = STREET_FR.captures(line)
            && at_most(c.get(2), 60)
        {
            return Some((c[1].trim().to_string(), StreetStyle::French));
        }
        if gate::en(line)
            && STREET_EN.is_match(line)
            && let Some(c) = STREET_EN.captures(line)
        {
            return Some((c[1].trim().to_string(), StreetStyle::English));
        }
        if line.contains("Broadway")
            && let Some(c) = STREET_BROADWAY.captures(line)
        {
            return Some((c[1].trim().to_string(), StreetStyle::English));
        }
    }
    // "One Market Plaza": read as "1 Market Plaza", kept as written.
    if let Some((word, rest)) = spelled_number(line)
        && !rest.starts_with(|c: char| c.is_ascii_digit())
    {
        let pattern = if rest.starts_with("Broadway") {
            Some(&STREET_BROADWAY)
        } else {
            gate::en(rest).then_some(&STREET_EN)
        };
        let numbered = format!("1 {rest}");
        if let Some(c) = pattern.and_then(|p| p.captures(&numbered)) {
            let street = c[1].trim();
            return Some((format!("{word}{}", &street[1..]), StreetStyle::English));
        }
    }
    if first.is_alphabetic()
        && gate::fr_kind_first(line)
        && STREET_FR_NUMBER_LAST.is_match(line)
        && let Some(c) = STREET_FR_NUMBER_LAST.captures(line)
    {
        return Some((format!("{} {}", c[1].trim(), &c[2]), StreetStyle::French));
    }
    if first.is_alphabetic()
        && gate::north(line)
        && STREET_NORTH.is_match(line)
        && let Some(c) = STREET_NORTH.captures(line)
        && at_most(c.get(1), 60)
    {
        let name = c[1].trim();
        let style = StreetStyle::Northern(northern_country(name));
        return Some((format!("{name} {}", &c[2]), style));
    }
    if first.is_alphabetic()
        && gate::romance(line)
        && STREET_ROMANCE.is_match(line)
        && let Some(c) = STREET_ROMANCE.captures(line)
        && at_most(c.get(1), 60)
    {
        let name = c[1].trim();
        let style = StreetStyle::Romance(romance_country(name));
        return Some((format!("{name} {}", &c[2]), style));
    }
    None
}

/// The country a Romance street's kind names: Italian `Via`, Spanish
/// `Calle`, Portuguese `Rua`; `Avenida` and the like are shared.
fn romance_country(street: &str) -> Option<&'static str> {
    let kind = street
        .split(|c: char| c.is_whitespace() || c == '/')
        .next()
        .unwrap_or("")
        .to_lowercase();
    match kind.as_str() {
        "via" | "viale" | "piazza" | "piazzale" | "corso" | "vicolo" | "strada" | "contrada" => {
            Some("IT")
        }
        "c" | "calle" | "avda." | "paseo" | "pza." | "carrer" | "carretera" | "rambla"
        | "travesía" => Some("ES"),
        "rua" | "travessa" | "praça" => Some("PT"),
        "ul." | "al." | "ulica" | "aleja" | "plac" => Some("PL"),
        _ => None,
    }
}

/// The country a Dutch or Nordic street's kind names: `-straat` is Dutch
/// (the Netherlands or Flanders; the postcode tells), `-gatan` Swedish,
/// `gate`/`veien` Norwegian, `-gade`/`-vej` Danish, `-tie`/`-katu` Finnish.
fn northern_country(street: &str) -> Option<&'static str> {
    let last = street.rsplit(' ').next().unwrap_or("").to_lowercase();
    let ends = |kinds: &[&str]| kinds.iter().any(|k| last.ends_with(k));
    if ends(&["gatan", "vägen", "väg", "torget"]) {
        Some("SE")
    } else if ends(&["gade", "vej"]) {
        Some("DK")
    } else if ends(&["tie", "katu", "kuja", "tori"]) {
        Some("FI")
    } else if ends(&["gate", "gaten", "gata", "veien", "vei", "vegen"]) {
        Some("NO")
    } else if ends(&[
        "straat", "gracht", "kade", "laan", "plein", "singel", "steeg", "dreef", "dijk", "burgwal",
    ]) {
        Some("NL")
    } else {
        None
    }
}

/// Whether a captured name is at most `chars` characters long. The patterns
/// say `+` and the length is checked here: a bounded repeat of a Unicode
/// letter class (`[\p{L} ]{1,40}`) compiles into forty copies of that class,
/// which cost about 12 ms on a crawl's first page.
fn at_most(m: Option<regex::Match<'_>>, chars: usize) -> bool {
    m.is_none_or(|m| m.as_str().chars().count() <= chars)
}

/// City line after a street; fills postcode, locality, region and country.
/// A footer often runs on after the city in the same part ("London EC1A
/// 1BB. VAT Reg No. …", "69007 Lyon – Tél. …"): the part up to the first
/// sentence end or dash is tried when the whole fails.
fn city(line: &str, style: StreetStyle, hint: Option<&str>, a: &mut Address) -> bool {
    let line = line.trim().trim_end_matches([',', '.']);
    city_exact(line, style, hint, a)
        || [". ", " – ", " — ", " - ", " | "]
            .iter()
            .filter_map(|sep| line.find(sep))
            .min()
            .is_some_and(|end| city_exact(&line[..end], style, hint, a))
}

fn city_exact(line: &str, style: StreetStyle, hint: Option<&str>, a: &mut Address) -> bool {
    // A street with no kind needs a city that says Czech, Slovak or Greek.
    if style == StreetStyle::Czech {
        return czech_city(line, hint, true, a);
    }
    // Its postcode ends the line, after a comma: most city lines (and
    // sites) have neither, and the pattern is not compiled for them.
    if line.contains(',')
        && line.as_bytes().last().is_some_and(u8::is_ascii_digit)
        && let Some(c) = US_CITY.captures(line)
        && at_most(c.get(1), 41)
        && let Some(state) = us_state(&c[2])
    {
        a.locality = Some(c[1].trim().to_string());
        a.region = Some(state.to_string());
        a.postal_code = Some(c[3].to_string());
        a.country = Some("US".into());
        return true;
    }
    // "Wilmington DE 19801": the Postal Service's own form has no comma.
    if let Some((town, state, zip)) = us_city_without_comma(line)
        && let Some(state) = us_state(state)
    {
        a.locality = Some(town.to_string());
        a.region = Some(state.to_string());
        a.postal_code = Some(zip.to_string());
        a.country = Some("US".into());
        return true;
    }
    if let Some(c) = POSTCODE_CITY.captures(line) {
        let code = c[1].to_string();
        let prefix = line
            .split(['-', ' '])
            .next()
            .filter(|p| p.chars().all(|c| c.is_ascii_uppercase()))
            .unwrap_or("");
        let digits = code.chars().filter(char::is_ascii_digit).count();
        let dutch = code.chars().any(|c| c.is_ascii_uppercase());
        let country = match prefix {
            "D" | "DE" => Some("DE"),
            "A" | "AT" => Some("AT"),
            "CH" => Some("CH"),
            "F" | "FR" => Some("FR"),
            "B" | "BE" => Some("BE"),
            "L" | "LU" => Some("LU"),
            "NL" => Some("NL"),
            "SE" => Some("SE"),
            "DK" => Some("DK"),
            "FI" => Some("FI"),
            "NO" => Some("NO"),
            "PL" => Some("PL"),
            "CZ" => Some("CZ"),
            "SK" => Some("SK"),
            "GR" => Some("GR"),
            _ if dutch => Some("NL"),
            // A Dutch street with a postcode of four digits only: Flanders.
            _ if digits == 4 && style == StreetStyle::Northern(Some("NL")) => Some("BE"),
            // Swedish, Czech, Slovak and Greek postcodes share the shape;
            // a Swedish street, or no sign of the others, says Sweden.
            _ if code.contains(char::is_whitespace) && digits == 5 => match style {
                StreetStyle::Northern(Some("SE")) => Some("SE"),
                _ => split_postcode_country(&code, &c[2], a.street.as_deref(), hint, false)
                    .or(Some("SE")),
            },
            _ if let StreetStyle::Northern(Some(country)) = style
                && matches!((country, digits), ("DK" | "NO", 4) | ("FI", 5)) =>
            {
                Some(country)
            }
            _ if digits == 5 && style == StreetStyle::French => Some("FR"),
            _ if digits == 5 && style == StreetStyle::German => Some("DE"),
            _ if digits == 4 && style == StreetStyle::German => {
                // Austria or Switzerland: a well-known city says which,
                // else trust the site, else leave it open.
                alpine_country(&c[2]).or(hint.filter(|h| *h == "AT" || *h == "CH"))
            }
            _ if code.contains('-') && code.len() == 8 => Some("PT"),
            _ if code.contains('-') => Some("PL"),
            "I" | "IT" => Some("IT"),
            "E" | "ES" => Some("ES"),
            "P" | "PT" => Some("PT"),
            _ if digits == 5
                && let StreetStyle::Romance(Some(country)) = style =>
            {
                Some(country)
            }
            _ if digits == 4 && style == StreetStyle::French => {
                // Belgium, Switzerland or Luxembourg: a well-known city says
                // which, else trust the site, else leave it open.
                french_speaking_country(&c[2]).or(hint.filter(|h| matches!(*h, "BE" | "CH" | "LU")))
            }
            _ => hint.filter(|h| {
                (digits == 5 && matches!(*h, "DE" | "FR" | "IT" | "ES" | "FI"))
                    || (digits == 4 && matches!(*h, "AT" | "CH" | "BE" | "DK" | "NO" | "LU"))
            }),
        };
        a.postal_code = Some(one_space(&code));
        a.locality = Some(c[2].trim().to_string());
        a.country = country.map(str::to_string);
        return true;
    }
    // "400 01 Ústí nad Labem" after a street of another kind ("Zámecký
    // park 5"): only with a sign of the country beyond the site's.
    if czech_postcode_first(line) {
        let mut found = a.clone();
        if czech_city(line, hint, false, &mut found) && found.country.is_some() {
            *a = found;
            return true;
        }
    }
    if style == StreetStyle::English {
        for (pattern, country) in [(&*AU_CITY, "AU"), (&*CA_CITY, "CA")] {
            if let Some(c) = pattern.captures(line)
                && at_most(c.get(1), 41)
            {
                a.locality = Some(c[1].trim().to_string());
                a.region = Some(province_code(&c[2]).to_string());
                a.postal_code = Some(c[3].to_string());
                a.country = Some(country.into());
                return true;
            }
        }
    }
    if style == StreetStyle::English
        && let Some(c) = IE_CITY.captures(line)
        && at_most(c.get(1), 41)
    {
        a.locality = c.get(1).map(|m| m.as_str().trim().to_string());
        a.postal_code = Some(c[2].to_string());
        a.country = Some("IE".into());
        return true;
    }
    if style == StreetStyle::English
        && let Some(c) = SG_CITY.captures(line)
    {
        a.locality = Some("Singapore".into());
        a.postal_code = Some(c[1].to_string());
        a.country = Some("SG".into());
        return true;
    }
    if style == StreetStyle::English
        && let Some(country) = hint.filter(|h| FOUR_DIGIT_TOWNS.contains(h))
        && town_then_four_digits(line, country, a)
    {
        return true;
    }
    if style == StreetStyle::English
        && let Some(c) = UK_CITY.captures(line)
        && (c.get(1).is_some() || c.get(3).is_some())
        && at_most(c.get(1), 41)
        && at_most(c.get(3), 41)
    {
        a.postal_code = Some(c[2].to_string());
        a.locality = c.get(1).or(c.get(3)).map(|m| m.as_str().trim().to_string());
        a.country = Some("GB".into());
        return true;
    }
    false
}

/// "Wilmington DE 19801": a town, a state's two capitals and a ZIP code
/// with no comma, as the town, the state and the code. Read by hand: it
/// runs on every line after a street.
fn us_city_without_comma(line: &str) -> Option<(&str, &str, &str)> {
    let (rest, zip) = line.rsplit_once(' ')?;
    let (five, four) = zip.split_once('-').unwrap_or((zip, "0000"));
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(five, 5) || !digits(four, 4) {
        return None;
    }
    let (town, state) = rest.trim_end().rsplit_once(' ')?;
    let town = town.trim_end();
    let is_town = town.chars().next().is_some_and(char::is_uppercase)
        && town.chars().count() <= 41
        && town
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '-' | '\''));
    (state.len() == 2 && state.bytes().all(|b| b.is_ascii_uppercase()) && is_town)
        .then_some((town, state, zip))
}

/// The countries whose English addresses end in a town and a four-digit
/// postcode with no state ([`NZ_CITY`]): New Zealand ("Auckland 1010")
/// and South Africa ("Cape Town, 8001"). Other countries share the shape,
/// so it counts only for the site's country or with the country named
/// after it.
const FOUR_DIGIT_TOWNS: &[&str] = &["NZ", "ZA"];

/// A town and a four-digit postcode ([`NZ_CITY`]) in `country`.
fn town_then_four_digits(line: &str, country: &str, a: &mut Address) -> bool {
    let Some(c) = NZ_CITY.captures(line).filter(|c| at_most(c.get(1), 41)) else {
        return false;
    };
    a.locality = Some(c[1].trim().to_string());
    a.postal_code = Some(c[2].to_string());
    a.country = Some(country.into());
    true
}

/// A postcode as written, any space in it a plain one ("111\u{a0}51" ->
/// "111 51").
fn one_space(code: &str) -> String {
    code.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A Czech, Slovak or Greek city line ([`CS_CITY`]): fills the postcode
/// (as written, without a country prefix), the locality with its district
/// ("Praha 10", "Brno-střed": the post's name for the postcode's area) and
/// the country if something says which (see [`split_postcode_country`];
/// `hint_is_enough` lets the site's country or language say it). True when
/// the line has the shape; the caller decides whether a missing country
/// keeps the address.
fn czech_city(line: &str, hint: Option<&str>, hint_is_enough: bool, a: &mut Address) -> bool {
    let Some(c) = CS_CITY.captures(line) else {
        return false;
    };
    let locality = c[3].trim();
    // "Model 300, 120 00 Kč" is a price.
    if !at_most(c.get(3), 41) || is_currency(locality) {
        return false;
    }
    let code = one_space(&c[2]);
    let country = match c.get(1).map(|m| m.as_str()) {
        Some(prefix @ ("CZ" | "SK" | "GR")) => Some(match prefix {
            "CZ" => "CZ",
            "SK" => "SK",
            _ => "GR",
        }),
        _ => split_postcode_country(&code, locality, a.street.as_deref(), hint, hint_is_enough),
    };
    a.postal_code = Some(code);
    a.locality = Some(locality.to_string());
    a.country = country.map(str::to_string);
    true
}

/// A currency or unit a price or quantity ends with, which a city's place
/// may hold after a number of the postcode's shape.
fn is_currency(word: &str) -> bool {
    let word = word.to_lowercase();
    let first = word.split([' ', ',', '.', '-']).next().unwrap_or("");
    matches!(
        first,
        "kč" | "kc" | "czk" | "sk" | "skk" | "eur" | "euro" | "eura" | "usd" | "ks" | "tis" | "mil"
    )
}

/// The country of a five-digit postcode that Czech, Slovak, Swedish and
/// Greek addresses share the shape of ("100 00", "821 09", "111 51", "105
/// 63"), or `None` when nothing tells. Greek script or a well-known Greek
/// city says Greece; a well-known Czech or Slovak city, a letter only
/// Czech and Slovak write (`ě ř ů ň ť ď ľ ĺ ŕ ý`, or a háček with an acute
/// accent: "Školní") in the street or city, or a leading zero (no Swedish
/// or Greek postcode has one) say Czechia or Slovakia, and the postcode
/// says which: Czech ones run from 100 00 to 799 99, Slovak ones start
/// with 0, 8 or 9. With `hint_is_enough`, the site's country or language
/// tells a postcode written in two parts.
fn split_postcode_country(
    code: &str,
    locality: &str,
    street: Option<&str>,
    hint: Option<&str>,
    hint_is_enough: bool,
) -> Option<&'static str> {
    if locality
        .chars()
        .any(|c| ('\u{370}'..='\u{3ff}').contains(&c))
        || greek_city(locality)
    {
        return Some("GR");
    }
    let by_code = if matches!(code.as_bytes().first(), Some(b'1'..=b'7')) {
        "CZ"
    } else {
        "SK"
    };
    let split = code.contains(' ');
    let czech_or_slovak = czech_or_slovak_city(locality)
        || czech_letters(locality)
        || street.is_some_and(czech_letters)
        || (split && code.starts_with('0'));
    if czech_or_slovak {
        return Some(by_code);
    }
    match hint {
        Some("CZ" | "SK") if hint_is_enough && split => Some(by_code),
        Some("GR") if hint_is_enough && split => Some("GR"),
        _ => None,
    }
}

/// Whether `text` has a letter only Czech and Slovak write among the
/// languages of Europe, or a háček and an acute accent together (Croatian
/// and Slovene have the one, Hungarian and Spanish the other).
fn czech_letters(text: &str) -> bool {
    let mut hacek = false;
    let mut acute = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'ě' | 'ř' | 'ů' | 'ň' | 'ť' | 'ď' | 'ľ' | 'ĺ' | 'ŕ' | 'ý' => return true,
            'č' | 'š' | 'ž' => hacek = true,
            'á' | 'é' | 'í' | 'ó' | 'ú' => acute = true,
            _ => {}
        }
    }
    hacek && acute
}

/// `text` in lower case without Czech and Slovak accents, so that "Plzen"
/// finds "Plzeň".
fn without_accents(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'ä' => 'a',
            'č' => 'c',
            'ď' => 'd',
            'é' | 'ě' => 'e',
            'í' => 'i',
            'ľ' | 'ĺ' => 'l',
            'ň' => 'n',
            'ó' | 'ô' => 'o',
            'ř' | 'ŕ' => 'r',
            'š' => 's',
            'ť' => 't',
            'ú' | 'ů' => 'u',
            'ý' => 'y',
            'ž' => 'z',
            c => c,
        })
        .collect()
}

/// Whether `locality` is one of the larger Czech or Slovak cities, perhaps
/// with a district after it ("Praha 10", "Brno-střed", "Košice - Staré
/// Mesto").
fn czech_or_slovak_city(locality: &str) -> bool {
    let city = without_accents(locality);
    let city = city.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    let first = city.split(['-', ' ']).next().unwrap_or("");
    [city, first].iter().any(|name| {
        matches!(
            *name,
            "praha"
                | "prague"
                | "brno"
                | "ostrava"
                | "plzen"
                | "liberec"
                | "olomouc"
                | "ceske budejovice"
                | "hradec kralove"
                | "usti nad labem"
                | "pardubice"
                | "zlin"
                | "havirov"
                | "kladno"
                | "most"
                | "opava"
                | "frydek-mistek"
                | "karvina"
                | "jihlava"
                | "teplice"
                | "decin"
                | "karlovy vary"
                | "chomutov"
                | "jablonec nad nisou"
                | "mlada boleslav"
                | "prostejov"
                | "prerov"
                | "ceska lipa"
                | "trebic"
                | "trinec"
                | "tabor"
                | "znojmo"
                | "kolin"
                | "pribram"
                | "cheb"
                | "pisek"
                | "kromeriz"
                | "bratislava"
                | "kosice"
                | "presov"
                | "zilina"
                | "nitra"
                | "banska bystrica"
                | "trnava"
                | "trencin"
                | "martin"
                | "poprad"
                | "prievidza"
                | "zvolen"
                | "povazska bystrica"
                | "michalovce"
                | "nove zamky"
                | "spisska nova ves"
                | "komarno"
                | "levice"
                | "piestany"
                | "ruzomberok"
                | "liptovsky mikulas"
                | "dunajska streda"
                | "pezinok"
                | "senec"
                | "malacky"
        )
    })
}

/// Whether `locality` is a well-known Greek city written in Latin letters.
fn greek_city(locality: &str) -> bool {
    let city = locality.trim().to_lowercase();
    matches!(
        city.as_str(),
        "athens"
            | "athina"
            | "athína"
            | "thessaloniki"
            | "piraeus"
            | "pireas"
            | "patras"
            | "patra"
            | "heraklion"
            | "iraklio"
            | "larissa"
            | "volos"
            | "ioannina"
            | "chania"
            | "marousi"
            | "maroussi"
            | "kifisia"
            | "kifissia"
            | "glyfada"
            | "chalandri"
            | "kallithea"
    )
}

/// A Canadian province written out, as its two-letter code; a code stays.
fn province_code(name: &str) -> &str {
    match name {
        "Ontario" => "ON",
        "Québec" | "Quebec" => "QC",
        "Alberta" => "AB",
        "British Columbia" => "BC",
        "Manitoba" => "MB",
        "Nova Scotia" => "NS",
        "New Brunswick" => "NB",
        "Saskatchewan" => "SK",
        code => code,
    }
}

/// Austria and Switzerland both use four-digit postcodes; their larger
/// cities tell them apart.
fn alpine_country(locality: &str) -> Option<&'static str> {
    let city = locality.trim().to_lowercase();
    let city = city.split([' ', '-']).next().unwrap_or("");
    match city {
        "wien" | "vienna" | "graz" | "linz" | "salzburg" | "innsbruck" | "klagenfurt"
        | "villach" | "wels" | "dornbirn" | "bregenz" | "leoben" | "feldkirch" | "steyr" => {
            Some("AT")
        }
        "zürich" | "zurich" | "genève" | "geneve" | "genf" | "basel" | "bern" | "lausanne"
        | "winterthur" | "luzern" | "lucerne" | "lugano" | "biel" | "zug" | "schaffhausen"
        | "chur" | "fribourg" | "neuchâtel" | "baar" | "thun" | "aarau" => Some("CH"),
        _ => None,
    }
}

/// The country of a well-known French-speaking city outside France whose
/// postcodes have four digits.
fn french_speaking_country(locality: &str) -> Option<&'static str> {
    let city = locality.trim().to_lowercase();
    match city.as_str() {
        "bruxelles"
        | "brussel"
        | "brussels"
        | "liège"
        | "liege"
        | "namur"
        | "charleroi"
        | "mons"
        | "louvain-la-neuve"
        | "wavre"
        | "nivelles"
        | "tournai"
        | "arlon"
        | "waterloo"
        | "ixelles"
        | "uccle"
        | "etterbeek"
        | "anderlecht"
        | "schaerbeek"
        | "woluwe-saint-lambert"
        | "woluwe-saint-pierre"
        | "braine-l'alleud"
        | "verviers"
        | "mouscron" => Some("BE"),
        "luxembourg" | "esch-sur-alzette" | "differdange" | "dudelange" | "strassen"
        | "bertrange" | "munsbach" | "capellen" => Some("LU"),
        _ => alpine_country(&city)
            .filter(|c| *c == "CH")
            .or(match city.as_str() {
                "sion" | "montreux" | "vevey" | "nyon" | "yverdon-les-bains" | "delémont"
                | "la chaux-de-fonds" | "morges" | "renens" | "carouge" | "meyrin" => Some("CH"),
                _ => None,
            }),
    }
}

/// A country named as the label of an address line ("Schweiz: ACME AG,
/// …") or alone on the line before it.
fn country_label(line: &str, previous: Option<&&str>) -> Option<String> {
    line.split_once(':')
        .and_then(|(label, _)| country_code(label).filter(|_| label.trim().len() > 2))
        .or_else(|| {
            previous
                .map(|p| p.trim().trim_end_matches(':'))
                .filter(|p| p.len() > 2)
                .and_then(country_code)
        })
}

/// The country a page's language names for the address reader: only the
/// languages whose streets have no kind and need a sign of the country
/// (Czech, Slovak, Greek); others leave the hint to the site's domain.
pub(crate) fn language_country(lang: &str) -> Option<&'static str> {
    let lang = lang.trim().to_ascii_lowercase();
    let mut subtags = lang.split(['-', '_']);
    let language = subtags.next().unwrap_or("");
    // An Indian page says so by its region ("en-IN", "hi-IN"): Indian
    // addresses are taken without a state's name with it.
    match subtags.next() {
        Some("in") => return Some("IN"),
        // "es-MX": Mexican streets share Spain's kinds and postcodes.
        Some("mx") => return Some("MX"),
        Some("jp") => return Some("JP"),
        _ => {}
    }
    match language {
        "cs" => Some("CZ"),
        "sk" => Some("SK"),
        "el" => Some("GR"),
        // Japanese streets have no kind either.
        "ja" => Some("JP"),
        _ => None,
    }
}

/// Addresses written in visible text.
#[cfg(test)]
pub fn from_text(text: &str, hint: Option<&str>) -> Vec<Address> {
    from_lines_of(text, hint)
}

/// Addresses in a text of its own, split into its lines here.
fn from_lines_of(text: &str, hint: Option<&str>) -> Vec<Address> {
    from_lines(text, &Lines::of(text), hint)
}

/// Addresses in `text`, whose lines are `shared`.
pub(crate) fn from_lines(text: &str, shared: &Lines<'_>, hint: Option<&str>) -> Vec<Address> {
    let mut out = Vec::new();
    // Cheap gate: an address needs a run of 4+ digits, a postcode split in
    // two or a UK postcode.
    if !has_digit_run(text.as_bytes(), 4)
        && !has_split_postcode(text.as_bytes())
        && !LETTER_POSTCODE.is_match(text)
    {
        return out;
    }
    let trimmed: Vec<&str> = shared.all().iter().map(|l| l.trim()).collect();
    // Mailing labels in capitals ("1000 N WEST ST STE 1200"): read in the
    // case the patterns know, when a line with a digit is written so.
    let calmed: Vec<Option<String>> = if (0..trimmed.len())
        .any(|i| shared.has_digit(i) && capitals::is_in_capitals(trimmed[i]))
    {
        trimmed.iter().map(|l| capitals::calmed(l)).collect()
    } else {
        Vec::new()
    };
    let lines: std::borrow::Cow<'_, [&str]> = if calmed.is_empty() {
        std::borrow::Cow::Borrowed(&trimmed)
    } else {
        trimmed
            .iter()
            .enumerate()
            .map(|(i, l)| calmed.get(i).and_then(Option::as_deref).unwrap_or(l))
            .collect()
    };
    for (i, line) in lines.iter().enumerate() {
        // A street needs a house number, in digits or as a word; prose
        // lines are too long to be one.
        if line.len() > 240 || !(shared.has_digit(i) || spelled_number(line).is_some()) {
            continue;
        }
        if BR_STREET_KINDS.iter().any(|k| line.starts_with(k))
            && let Some(a) = brazilian_address(&lines, i)
        {
            out.push(a);
            continue;
        }
        if mexico::may_start(line)
            && let Some(a) = mexico::address(&lines, i, hint)
        {
            out.push(a);
            continue;
        }
        // Most lines with a digit hold no street, and whether one does
        // depends on the line alone; navigation, prose and footer lines
        // repeat across a site's pages. Only a line with a street goes on
        // to the city and country lines around it.
        let has_street = LINE_MEMO.with(|m| {
            m.borrow_mut().get_or(line, || {
                let parts: Vec<&str> = line_parts(line).collect();
                (0..parts.len()).any(|j| street_at(&parts, j, None).is_some())
            })
        }) || {
            // A Czech street counts before a postcode on the next line,
            // which the memo's key does not hold.
            let next = lines
                .get(i + 1)
                .copied()
                .filter(|n| czech_postcode_first(n));
            next.is_some() && {
                let parts: Vec<&str> = line_parts(line).collect();
                (0..parts.len()).any(|j| czech_street_at(&parts, j, next).is_some())
            }
        };
        let found = out.len();
        if has_street {
            out.extend(line_address(&lines, i, hint));
        } else if may_hold_uk_postcode(line.as_bytes()) {
            out.extend(unnumbered_uk_address(&lines, i));
        }
        if out.len() == found && india::may_hold_pin(line.as_bytes()) {
            out.extend(india::address(&lines, i, hint));
        }
        if out.len() == found && japan::may_hold_postcode(line.as_bytes()) {
            out.extend(japan::address(&lines, i, hint));
        }
    }
    out
}

/// Whether `line` may hold a UK postcode: its inward part (a digit and two
/// capital letters) ends a word somewhere. A byte test before the
/// patterns, on the lines with a digit and no numbered street.
fn may_hold_uk_postcode(line: &[u8]) -> bool {
    line.windows(3).enumerate().any(|(k, w)| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_uppercase()
            && w[2].is_ascii_uppercase()
            && line.get(k + 3).is_none_or(|b| !b.is_ascii_alphanumeric())
    })
}

/// A British address whose street has no number, as many have: a
/// building's name or none, then a street of a kind, then the town and its
/// postcode ("Elm House, Station Road, Cambridge CB1 2JD"; or one part per
/// line: "The Old Mill" / "High Street" / "Bath" / "BA1 1AA"). `i` is the
/// line with the postcode. Without a number the street is only taken
/// right before a British town and postcode, which no other country's
/// address has.
fn unnumbered_uk_address(lines: &[&str], i: usize) -> Option<Address> {
    let line = lines.get(i)?;
    let parts: Vec<&str> = line_parts(line).collect();
    for k in 1..parts.len() {
        let mut a = Address::default();
        let street = label_free(parts[k - 1]);
        if unnumbered_street(street)
            && city(parts[k], StreetStyle::English, None, &mut a)
            && a.country.as_deref() == Some("GB")
        {
            let building = k.checked_sub(2).and_then(|b| parts.get(b)).copied();
            a.street = Some(with_building(street, building));
            country_after(&parts[k + 1..], lines.get(i + 1), &mut a);
            return Some(a);
        }
    }
    // One part per line: the town and the postcode on lines of their own,
    // or together on this one.
    let mut a = Address::default();
    let street_line = if i >= 2 && uk_town_then_postcode(lines, i - 1, &mut a) {
        i - 2
    } else if i >= 1
        && parts.len() == 1
        && city(line, StreetStyle::English, None, &mut a)
        && a.country.as_deref() == Some("GB")
    {
        country_after(&[], lines.get(i + 1), &mut a);
        i - 1
    } else {
        return None;
    };
    let street = label_free(lines.get(street_line)?);
    if !unnumbered_street(street) {
        return None;
    }
    let building = street_line
        .checked_sub(1)
        .and_then(|b| lines.get(b))
        .copied();
    a.street = Some(with_building(street, building));
    Some(a)
}

/// A street named by capitalised words ending in an English kind ("High
/// Street", "Station Road", "Old Kent Rd."), with no number.
fn unnumbered_street(part: &str) -> bool {
    let words: Vec<&str> = part.split_whitespace().collect();
    (2..=5).contains(&words.len())
        && part.len() <= 50
        && part
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.' | '’'))
        && words
            .first()
            .is_some_and(|w| w.starts_with(char::is_uppercase))
        && words.iter().all(|w| {
            w.starts_with(char::is_uppercase) || matches!(*w, "of" | "the" | "upon" | "on" | "le")
        })
        && words.last().is_some_and(|w| {
            let bare = w.trim_end_matches('.');
            gate::EN_KINDS
                .iter()
                .any(|(kind, abbreviated)| *kind == bare && (*abbreviated || bare == *w))
        })
}

/// What names a building in a British address ("Elm House", "The Old
/// Mill", "Riverside Works").
const BUILDING_WORDS: &[&str] = &[
    "House",
    "Mill",
    "Mills",
    "Court",
    "Building",
    "Buildings",
    "Centre",
    "Center",
    "Barn",
    "Farm",
    "Lodge",
    "Hall",
    "Tower",
    "Works",
    "Chambers",
    "Cottage",
    "Manor",
    "Studios",
    "Studio",
    "Exchange",
    "Mansions",
    "Arcade",
    "Warehouse",
    "Maltings",
    "Granary",
    "Forge",
];

/// `street` with the building's name before it when `before` names one.
fn with_building(street: &str, before: Option<&str>) -> String {
    let building = before.map(label_free).filter(|b| {
        let words: Vec<&str> = b.split_whitespace().collect();
        (1..=5).contains(&words.len())
            && b.len() <= 50
            && b.chars()
                .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’'))
            && words.iter().all(|w| w.starts_with(char::is_uppercase))
            && ((words.len() >= 2 && words[0] == "The")
                || words.last().is_some_and(|w| BUILDING_WORDS.contains(w)))
    });
    match building {
        Some(b) => format!("{b}, {street}"),
        None => street.to_string(),
    }
}

/// True when `bytes` holds `n` ASCII digits in a row. One pass with a run
/// counter; checking every window of `n` bytes looked at each byte `n` times.
fn has_digit_run(bytes: &[u8], n: usize) -> bool {
    let mut run = 0;
    for b in bytes {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= n {
            return true;
        }
    }
    false
}

/// True when `bytes` holds a postcode split in two without four digits in
/// a row: Swedish "111 51" or Polish "00-697".
fn has_split_postcode(bytes: &[u8]) -> bool {
    let digits = |w: &[u8]| w.iter().all(u8::is_ascii_digit);
    bytes.windows(6).any(|w| {
        (w[3] == b' ' && digits(&w[..3]) && digits(&w[4..]))
            || (w[2] == b'-' && digits(&w[..2]) && digits(&w[3..]))
    })
}

thread_local! {
    /// Whether a text line holds a street (see `from_text`).
    static LINE_MEMO: RefCell<Memo<bool>> = RefCell::new(Memo::new(crate::extract::memo::LINES));
}

/// The comma- or dot-separated parts of a line, where a street may stand.
fn line_parts(line: &str) -> impl Iterator<Item = &str> {
    // A dash set off by spaces separates too ("Rossi S.r.l. – Via Roma, 45 –
    // 20121 Milano", "C/ Mayor, 5 - 28013 Madrid"), except in a range of
    // house numbers ("12 - 14").
    line.split([',', '·', '|', '•'])
        .flat_map(split_spaced_hyphens)
        .map(str::trim)
}

/// `part` split at each dash set off by spaces (" - ", " – ", " — ") that
/// is not in a range of house numbers (a digit before it and a bare number
/// of up to four digits after it).
fn split_spaced_hyphens(part: &str) -> SpacedHyphens<'_> {
    SpacedHyphens {
        part,
        start: 0,
        from: 0,
        done: false,
    }
}

/// The pieces of [`split_spaced_hyphens`], found as they are asked for.
/// Dashes are found by a byte search (a hyphen, or the lead byte of an en
/// or em dash): a substring search per separator and part cost more than
/// the rest of the address test.
struct SpacedHyphens<'a> {
    part: &'a str,
    start: usize,
    from: usize,
    done: bool,
}

/// The next dash set off by spaces at or after `from`: where its leading
/// space starts and where the text after its trailing space starts.
fn next_spaced_dash(s: &str, mut from: usize) -> Option<(usize, usize)> {
    let bytes = s.as_bytes();
    while let Some(i) = memchr::memchr2(b'-', 0xE2, bytes.get(from..)?).map(|i| i + from) {
        let len = match bytes.get(i..i + 3) {
            Some([0xE2, 0x80, 0x93 | 0x94]) => 3,
            _ if bytes[i] == b'-' => 1,
            _ => 0,
        };
        if len > 0 && i > 0 && bytes[i - 1] == b' ' && bytes.get(i + len) == Some(&b' ') {
            return Some((i - 1, i + len + 1));
        }
        from = i + 1;
    }
    None
}

impl<'a> Iterator for SpacedHyphens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        let part = self.part;
        while let Some((at, after_at)) = next_spaced_dash(part, self.from) {
            let after = &part[after_at..];
            let next = next_spaced_dash(after, 0).map_or(after, |(i, _)| &after[..i]);
            let range = part[..at].ends_with(|c: char| c.is_ascii_digit()) && bare_number(next);
            self.from = after_at;
            if !range {
                let piece = &part[self.start..at];
                self.start = after_at;
                return Some(piece);
            }
        }
        self.done = true;
        part.get(self.start..)
    }
}

/// A house number alone: up to four digits and at most one letter.
fn bare_number(s: &str) -> bool {
    let s = s.trim();
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    (1..=4).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && s.len() - digits.len() <= 1
}

/// The street that starts at part `j` of a line, and the part where its
/// city may start. "Via Roma, 12": the number may be a part of its own. A
/// street of no kind (Czech or Slovak) counts only before a postcode of
/// its shape, on the line or `next_line`.
fn street_at(
    parts: &[&str],
    j: usize,
    next_line: Option<&str>,
) -> Option<((String, StreetStyle), usize)> {
    kind_street_at(parts, j).or_else(|| czech_street_at(parts, j, next_line))
}

/// A street of a kind at part `j` (see [`street_at`]).
fn kind_street_at(parts: &[&str], j: usize) -> Option<((String, StreetStyle), usize)> {
    let part = parts.get(j)?;
    if let Some(found) = street(part) {
        return Some((found, j + 1));
    }
    let next = parts.get(j + 1)?;
    let bare = label_free(part);
    // "Unit 5, Riverside Business Park, Manchester M1 2AB".
    // A numbered street right after the estate is the address's street:
    // "Building 7, Chiswick Park, 566 Chiswick High Road, London W4 5YG".
    if UNIT.is_match(bare)
        && next.chars().count() <= 60
        && ESTATE.is_match(next)
        && parts.get(j + 2).is_none_or(|after| street(after).is_none())
    {
        return Some(((format!("{bare}, {next}"), StreetStyle::English), j + 2));
    }
    let is_number = |s: &str| {
        s.len() <= 8
            && s.starts_with(|c: char| c.is_ascii_digit())
            && (!s.contains(' ') || s.ends_with(" bis") || s.ends_with(" ter"))
    };
    // "12, rue de la Paix": a French number may stand before a comma.
    if is_number(bare) {
        let found = street(&format!("{bare} {next}"))?;
        return (found.1 == StreetStyle::French).then_some((found, j + 2));
    }
    if !is_number(next) {
        return None;
    }
    let found = street(&format!("{part} {next}"))?;
    // Only the kinds that put the number last write it after a comma.
    matches!(found.1, StreetStyle::Romance(_)).then_some((found, j + 2))
}

/// A Czech or Slovak street at part `j`, followed (after at most one
/// part, as a floor) by a postcode of the shape, or last on its line with
/// one on the next line. Most lines ending in a number are no street, and
/// only a postcode after them makes the pattern worth running.
fn czech_street_at(
    parts: &[&str],
    j: usize,
    next_line: Option<&str>,
) -> Option<((String, StreetStyle), usize)> {
    let rest = parts.get(j + 1..)?;
    let before_postcode = rest.iter().take(2).any(|p| czech_postcode_first(p))
        || (rest.len() <= 1 && next_line.is_some_and(czech_postcode_first));
    if !before_postcode {
        return None;
    }
    let part = label_free(parts[j]).trim_end_matches(',');
    if part.len() > 120 || !gate::cs(part) {
        return None;
    }
    let c = STREET_CS.captures(part)?;
    let name = c.get(1)?;
    // The pattern says `*` and the length is checked here (see `at_most`).
    if !at_most(Some(name), 60) || name.as_str().split_whitespace().count() > 6 {
        return None;
    }
    let street = format!("{} {}", name.as_str(), &c[2]);
    Some(((street, StreetStyle::Czech), j + 1))
}

/// Whether `text` starts with a postcode of the Czech and Slovak shape
/// ("100 00 ", "10000 ", "CZ-100 00 ") and a space after it: a byte test
/// before [`CS_CITY`] is compiled or run.
fn czech_postcode_first(text: &str) -> bool {
    let text = text.trim_start();
    let text = ["CZ-", "SK-", "GR-", "CZ ", "SK ", "GR "]
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .unwrap_or(text);
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !digits(0..3) {
        return false;
    }
    // Two digits after the first three, directly or after a space (a
    // no-break space is two bytes).
    let after = match b.get(3) {
        Some(b' ') => 4,
        Some(0xC2) if b.get(4) == Some(&0xA0) => 5,
        _ => 3,
    };
    digits(after..after + 2)
        && b.get(after + 2)
            .is_some_and(|c| c.is_ascii_whitespace() || *c == 0xC2)
}

/// A line or part without its label ("Adresse : 12" -> "12"), trimmed.
fn label_free(part: &str) -> &str {
    part.rsplit(':').next().unwrap_or(part).trim()
}

/// The address whose street is on line `i`, if any.
fn line_address(lines: &[&str], i: usize, hint: Option<&str>) -> Option<Address> {
    let line = lines.get(i)?;
    // Same line: "Musterstraße 12, 10115 Berlin, Germany".
    let parts: Vec<&str> = line_parts(line).collect();
    let next_line = lines.get(i + 1).copied();
    for j in 0..parts.len() {
        let Some(((s, style), city_from)) = street_at(&parts, j, next_line) else {
            continue;
        };
        let mut a = Address {
            street: Some(s),
            ..Address::default()
        };
        let rest = parts.get(city_from..).unwrap_or_default();
        let same_line = find_city(rest, lines.get(i + 1), style, hint, &mut a);
        let later = !same_line
            && (city_on_line(lines, i + 1, style, hint, &mut a)
                || (style == StreetStyle::English && uk_town_then_postcode(lines, i + 1, &mut a))
                || (style == StreetStyle::English && town_then_eircode(lines, i + 1, &mut a))
                // A district on a line of its own before the town, as
                // British contact pages write one part per line ("1 Canada
                // Square" / "Canary Wharf" / "London" / "E14 5AB").
                || (style == StreetStyle::English
                    && lines.get(i + 1).is_some_and(|d| is_place_line(d))
                    && (city_on_line(lines, i + 2, style, hint, &mut a)
                        || uk_town_then_postcode(lines, i + 2, &mut a)))
                // A unit on a line of its own ("Suite 300", "Spear Tower,
                // Suite 3600") before the city.
                || (lines.get(i + 1).is_some_and(|u| unit_line(u))
                    && city_on_line(lines, i + 2, style, hint, &mut a)
                    && {
                        keep_units(line_parts(lines[i + 1]), &mut a);
                        true
                    }));
        if later && rest.iter().all(|p| unit_or_building(p)) {
            // "1200 Harbor Blvd., Suite 300" or "One Market Plaza, Spear
            // Tower, Suite 3600" with the city below.
            keep_units(rest.iter().copied(), &mut a);
        }
        if same_line || later {
            if a.country.is_none() {
                a.country = country_label(line, i.checked_sub(1).and_then(|p| lines.get(p)));
            }
            // A street of no kind is no address without its country.
            if style == StreetStyle::Czech
                && !matches!(a.country.as_deref(), Some("CZ" | "SK" | "GR"))
            {
                continue;
            }
            return Some(a);
        }
    }
    None
}

/// The city on line `at`, read as the rest of a street's line is.
fn city_on_line(
    lines: &[&str],
    at: usize,
    style: StreetStyle,
    hint: Option<&str>,
    a: &mut Address,
) -> bool {
    lines.get(at).is_some_and(|line| {
        let parts: Vec<&str> = line.split(',').map(str::trim).collect();
        find_city(&parts, lines.get(at + 1), style, hint, a)
    })
}

/// A line that is only a place's name: a town, or a district between the
/// street and the town ("Canary Wharf", "Downtown").
fn is_place_line(line: &str) -> bool {
    let line = line.trim().trim_end_matches(',');
    line.chars().count() <= 40
        && line.chars().next().is_some_and(char::is_uppercase)
        && line
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-')
}

/// A British town and its postcode on lines of their own ("Manchester" /
/// "M1 2AB"), as contact pages list them; a country may follow.
fn uk_town_then_postcode(lines: &[&str], at: usize, a: &mut Address) -> bool {
    town_then_code(lines, at, a, |town, code| {
        // The postcode starts its line: "London E14 5AB" is a town line itself.
        is_place_line(town) && UK_POSTCODE.find(code).is_some_and(|m| m.start() == 0)
    })
}

/// An Irish town (with its postal district) and its Eircode on lines of
/// their own ("Dublin 2" / "D02 A342"); a country may follow.
fn town_then_eircode(lines: &[&str], at: usize, a: &mut Address) -> bool {
    town_then_code(lines, at, a, |town, code| {
        // The town's words, then perhaps a district number.
        let name = town
            .trim_end_matches(|c: char| c.is_ascii_digit() || c == 'W')
            .trim_end();
        is_place_line(name) && IE_CITY.captures(code).is_some_and(|c| c.get(1).is_none())
    })
}

/// A town on line `at` and its postcode on the next, when `fits` takes the
/// pair (both trimmed) and they read as a city together; a country may
/// follow on the line after.
fn town_then_code(
    lines: &[&str],
    at: usize,
    a: &mut Address,
    fits: impl Fn(&str, &str) -> bool,
) -> bool {
    let (Some(town), Some(code)) = (lines.get(at), lines.get(at + 1)) else {
        return false;
    };
    let (town, code) = (town.trim().trim_end_matches(','), code.trim());
    if !(fits(town, code) && city(&format!("{town} {code}"), StreetStyle::English, None, a)) {
        return false;
    }
    country_after(&[], lines.get(at + 2), a);
    true
}

/// Looks for the city among `parts` (the rest of a line); a US city line
/// spans two comma-separated parts. Then reads a country after it.
fn find_city(
    parts: &[&str],
    next_line: Option<&&str>,
    style: StreetStyle,
    hint: Option<&str>,
    a: &mut Address,
) -> bool {
    // Skip at most one part between street and city, such as "Suite 4" /
    // "2. OG"; a unit is kept with the street.
    // "Austin, TX, 78701": the ZIP code after a comma of its own.
    let zip_part = |p: &str| {
        let p = p.trim();
        (p.len() == 5 || p.len() == 10) && p.as_bytes()[0].is_ascii_digit()
    };
    for k in 0..parts.len().min(2) {
        let found = if k + 2 < parts.len()
            && zip_part(parts[k + 2])
            && city(
                &format!("{}, {}, {}", parts[k], parts[k + 1], parts[k + 2]),
                style,
                hint,
                a,
            ) {
            country_after(&parts[k + 3..], next_line, a);
            true
        } else if k + 1 < parts.len()
            && city(&format!("{}, {}", parts[k], parts[k + 1]), style, hint, a)
        {
            country_after(&parts[k + 2..], next_line, a);
            true
        } else if city(parts[k], style, hint, a) {
            country_after(&parts[k + 1..], next_line, a);
            true
        } else if style == StreetStyle::English
            // "Auckland 1010, New Zealand", "Cape Town, 8001, South
            // Africa": the shape is taken only when the country named
            // after it writes its addresses so.
            && let Some((town, country)) = town_before_country(&parts[k..], next_line)
        {
            town_then_four_digits(&town, &country, a)
        } else {
            false
        };
        if found {
            if k == 1 {
                keep_unit(parts[0], a);
            }
            return true;
        }
    }
    false
}

/// "Auckland 1010" / "New Zealand", or "Cape Town" / "8001" / "South
/// Africa": the town with its postcode, and the country named after them
/// when it is one of [`FOUR_DIGIT_TOWNS`].
fn town_before_country(parts: &[&str], next_line: Option<&&str>) -> Option<(String, String)> {
    let first = parts.first()?;
    let code_part = parts
        .get(1)
        .filter(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()));
    let (town, rest) = match code_part {
        Some(code) => (format!("{first} {code}"), parts.get(2..)?),
        None => ((*first).to_string(), parts.get(1..)?),
    };
    let country =
        country_named(rest, next_line).filter(|c| FOUR_DIGIT_TOWNS.contains(&c.as_str()))?;
    Some((town, country))
}

/// A part between a street and its city: a unit ("Suite 300") or a
/// building's name ("Spear Tower").
fn unit_or_building(part: &str) -> bool {
    let part = part.trim();
    UNIT_PART.is_match(part) || {
        let words: Vec<&str> = part.split_whitespace().collect();
        (1..=4).contains(&words.len())
            && words.iter().all(|w| w.starts_with(char::is_uppercase))
            && words.last().is_some_and(|w| BUILDING_WORDS.contains(w))
    }
}

/// A line of units and buildings' names with at least one unit: "Suite
/// 300", "Spear Tower, Suite 3600". (A building's name alone is a line of
/// a place, read as a district.)
fn unit_line(line: &str) -> bool {
    line_parts(line).all(unit_or_building) && line_parts(line).any(|p| UNIT_PART.is_match(p))
}

/// Adds the units among `parts` to the street they followed.
fn keep_units<'p>(parts: impl Iterator<Item = &'p str>, a: &mut Address) {
    for part in parts {
        keep_unit(part, a);
    }
}

/// Adds a unit part ("Suite 300") to the street it followed.
fn keep_unit(part: &str, a: &mut Address) {
    let unit = part.trim();
    if let Some(street) = &mut a.street
        && UNIT_PART.is_match(unit)
    {
        street.push_str(", ");
        street.push_str(unit);
    }
}

/// A country written after the city ("…, Germany" or on the next line).
fn country_after(rest: &[&str], next_line: Option<&&str>, a: &mut Address) {
    if let Some(c) = country_named(rest, next_line) {
        a.country = Some(c);
    }
}

/// The country the part after a city, or else the next line, names.
fn country_named(rest: &[&str], next_line: Option<&&str>) -> Option<String> {
    let candidate = rest.first().copied().or(next_line.copied());
    candidate.filter(|c| c.len() > 2).and_then(country_code)
}

/// Drops repeats within one page.
pub fn dedupe(addresses: Vec<Address>) -> Vec<Address> {
    // Each key once: `sort_by_key` would make it at every comparison.
    let mut keyed: Vec<(String, Address)> = addresses.into_iter().map(|a| (a.key(), a)).collect();
    keyed.sort_by(|x, y| x.0.cmp(&y.0));
    let mut out: Vec<(String, Address)> = Vec::new();
    for (key, a) in keyed {
        match out.last_mut() {
            Some((last_key, last)) if *last_key == key => last.absorb(&a),
            _ => out.push((key, a)),
        }
    }
    out.into_iter().map(|(_, a)| a).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parts = (String, String, String, String);

    /// The one address in `text` as (street, postcode, locality, country).
    fn one(text: &str) -> Parts {
        let got = from_text(text, None);
        assert_eq!(got.len(), 1, "{text}: {got:?}");
        let a = &got[0];
        (
            a.street.clone().unwrap_or_default(),
            a.postal_code.clone().unwrap_or_default(),
            a.locality.clone().unwrap_or_default(),
            a.country.clone().unwrap_or_default(),
        )
    }

    /// The one address in `text`, read with `hint`, on one line.
    fn one_line(text: &str, hint: Option<&str>) -> String {
        let got = from_text(text, hint);
        assert_eq!(got.len(), 1, "{text:?}: {got:?}");
        got[0].one_line()
    }

    fn want(street: &str, code: &str, locality: &str, country: &str) -> Parts {
        (
            street.to_string(),
            code.to_string(),
            locality.to_string(),
            country.to_string(),
        )
    }

    #[test]
    fn german_two_lines() {
        let got = from_text(
            "ACME GmbH\nMusterstraße 12\n10115 Berlin\nDeutschland",
            None,
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].street.as_deref(), Some("Musterstraße 12"));
        assert_eq!(got[0].postal_code.as_deref(), Some("10115"));
        assert_eq!(got[0].locality.as_deref(), Some("Berlin"));
        assert_eq!(got[0].country.as_deref(), Some("DE"));
    }

    #[test]
    fn mailing_labels_in_capitals_and_without_the_comma() {
        for (text, want) in [
            (
                "ACME ROBOTICS INC\n1000 N WEST ST STE 1200\nWILMINGTON DE 19801",
                "1000 N West St Ste 1200, Wilmington, DE 19801, US",
            ),
            (
                "500 E MAIN ST, SUITE 300\nCOLUMBUS, OH 43215",
                "500 E Main St, Suite 300, Columbus, OH 43215, US",
            ),
            (
                "1200 Harbor Blvd\nWeehawken NJ 07086-6728",
                "1200 Harbor Blvd, Weehawken, NJ 07086-6728, US",
            ),
            (
                "MUSTERSTRASSE 12\n80331 MÜNCHEN",
                "Musterstrasse 12, 80331 München, DE",
            ),
            (
                "10 DOWNING STREET\nLONDON SW1A 2AA",
                "10 Downing Street, London SW1A 2AA, GB",
            ),
        ] {
            assert_eq!(one_line(text, None), want, "{text}");
        }
        // Two capitals that are no state's code are no US city.
        assert!(from_text("1200 Harbor Blvd\nWeehawken XX 07086", None).is_empty());
    }

    #[test]
    fn one_line_french_and_us() {
        let fr = from_text("Siège : 12 rue de la Paix, 75002 Paris, France", None);
        assert_eq!(fr[0].country.as_deref(), Some("FR"));
        assert_eq!(fr[0].street.as_deref(), Some("12 rue de la Paix"));
        let us = from_text("1600 Main Street, Suite 4\nSpringfield, IL 62701", None);
        assert_eq!(us[0].region.as_deref(), Some("IL"));
        assert_eq!(us[0].country.as_deref(), Some("US"));
    }

    #[test]
    fn french_streets_with_the_number_last() {
        assert_eq!(
            one("Rue de la Loi 16, 1000 Bruxelles"),
            want("Rue de la Loi 16", "1000", "Bruxelles", "BE")
        );
        assert_eq!(
            one("Avenue Louise 54\n1050 Ixelles"),
            want("Avenue Louise 54", "1050", "Ixelles", "BE")
        );
        assert_eq!(
            one("Chaussée de Charleroi 112, B-1060 Saint-Gilles"),
            want("Chaussée de Charleroi 112", "1060", "Saint-Gilles", "BE")
        );
        assert_eq!(
            one("Route de Genève 12A, 1004 Lausanne"),
            want("Route de Genève 12A", "1004", "Lausanne", "CH")
        );
        assert_eq!(
            one("Boulevard Royal 26, L-2449 Luxembourg"),
            want("Boulevard Royal 26", "2449", "Luxembourg", "LU")
        );
        // A city the list does not know: the site's country, if it is one of
        // the three, else none.
        let got = from_text("Rue du Marché 3, 4000 Bellevue", Some("BE"));
        assert_eq!(got[0].country.as_deref(), Some("BE"));
        let got = from_text("Rue du Marché 3, 4000 Bellevue", None);
        assert_eq!(got[0].country, None);
        // A French-first number still reads as before.
        assert_eq!(
            one("12 rue de la Paix, 75002 Paris"),
            want("12 rue de la Paix", "75002", "Paris", "FR")
        );
    }

    #[test]
    fn alpine_addresses() {
        let at = from_text(
            "Alpenblick Software GmbH, Mariahilfer Straße 1/3/12, 1060 Wien, Österreich",
            None,
        );
        assert_eq!(at.len(), 1, "{at:?}");
        assert_eq!(at[0].street.as_deref(), Some("Mariahilfer Straße 1/3/12"));
        assert_eq!(
            (at[0].postal_code.as_deref(), at[0].locality.as_deref()),
            (Some("1060"), Some("Wien"))
        );
        assert_eq!(at[0].country.as_deref(), Some("AT"));
        // Four digits and no country written: the city tells.
        let ch = from_text("Alpenblick AG, Bahnhofstrasse 10, 8001 Zürich", None);
        assert_eq!(ch[0].country.as_deref(), Some("CH"));
        // Or the line's label does.
        let ch = from_text("Schweiz: Alpenblick AG, Seestrasse 4, 8810 Horgen", None);
        assert_eq!(ch[0].country.as_deref(), Some("CH"));
        // An estate's part after the street's kind.
        let de = from_text("Gewerbepark Süd 3, 73447 Oberkochen", None);
        assert_eq!(de[0].street.as_deref(), Some("Gewerbepark Süd 3"));
        assert_eq!(de[0].country.as_deref(), Some("DE"));
        let de = from_text("Frankfurter Allee 77\n10247 Berlin", None);
        assert_eq!(de[0].street.as_deref(), Some("Frankfurter Allee 77"));
        assert_eq!(de[0].country.as_deref(), Some("DE"));
        // An unknown town with no hint stays open rather than guessed.
        let open = from_text("Dorfstrasse 1\n3999 Irgendwo", None);
        assert_eq!(open[0].country, None);
    }

    #[test]
    fn a_footer_line_running_on_after_the_city() {
        let uk = from_text(
            "Acme Widgets Ltd, Registered in England and Wales, Company No. 01234567. \
             Registered office: 1 High Street, London EC1A 1BB. VAT Reg No. GB 123 4567 89",
            None,
        );
        assert_eq!(uk.len(), 1, "{uk:?}");
        assert_eq!(uk[0].street.as_deref(), Some("1 High Street"));
        assert_eq!(uk[0].postal_code.as_deref(), Some("EC1A 1BB"));
        assert_eq!(uk[0].locality.as_deref(), Some("London"));
        let de = from_text(
            "Muster GmbH · Hauptstr. 5 · 10115 Berlin. Alle Rechte vorbehalten.",
            None,
        );
        assert_eq!(de.len(), 1, "{de:?}");
        assert_eq!(de[0].locality.as_deref(), Some("Berlin"));
        assert_eq!(de[0].street.as_deref(), Some("Hauptstr. 5"));
    }

    #[test]
    fn an_english_street_over_several_numbers() {
        let got = from_text(
            "Brightline Analytics Ltd\n20-22 Wenlock Road\nLondon N1 7GU\nUnited Kingdom",
            None,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].street.as_deref(), Some("20-22 Wenlock Road"));
        assert_eq!(got[0].postal_code.as_deref(), Some("N1 7GU"));
        assert_eq!(got[0].country.as_deref(), Some("GB"));
    }

    #[test]
    fn a_unit_on_a_british_business_park() {
        let got = from_text(
            "Harbour & Pike Consulting Ltd · Unit 5, Riverside Business Park, Manchester M1 2AB",
            None,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].street.as_deref(),
            Some("Unit 5, Riverside Business Park")
        );
        assert_eq!(got[0].locality.as_deref(), Some("Manchester"));
        assert_eq!(got[0].postal_code.as_deref(), Some("M1 2AB"));
        assert_eq!(got[0].country.as_deref(), Some("GB"));
        // On lines of their own, as a contact page lists them.
        let got = from_text(
            "Harbour & Pike Consulting Ltd\nUnit 5, Riverside Business Park\nManchester\nM1 2AB\nUnited Kingdom",
            None,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].locality.as_deref(), Some("Manchester"));
        assert_eq!(got[0].postal_code.as_deref(), Some("M1 2AB"));
        // A unit with no estate after it is no address.
        assert!(from_text("Unit 5, Manchester M1 2AB", None).is_empty());
    }

    #[test]
    fn british_streets_without_a_number() {
        for (text, street, code, town) in [
            (
                "Head office: Elm House, Station Road, Cambridge CB1 2JD, United Kingdom",
                "Elm House, Station Road",
                "CB1 2JD",
                "Cambridge",
            ),
            (
                "Acme Widgets Ltd, The Old Mill, High Street, Bath BA1 1AA",
                "The Old Mill, High Street",
                "BA1 1AA",
                "Bath",
            ),
            (
                "Old Kent Rd., London SE1 5AA",
                "Old Kent Rd.",
                "SE1 5AA",
                "London",
            ),
            (
                "Acme Widgets Ltd\nThe Old Mill\nHigh Street\nBath\nBA1 1AA\nUnited Kingdom",
                "The Old Mill, High Street",
                "BA1 1AA",
                "Bath",
            ),
            (
                "Acme Widgets Ltd\nMarket Square\nYork YO1 8SS",
                "Market Square",
                "YO1 8SS",
                "York",
            ),
        ] {
            assert_eq!(one(text), want(street, code, town, "GB"), "{text}");
        }
        // A company's name before the street is no building.
        assert_eq!(
            one("Harbour & Pike Ltd, Station Road, Leeds LS1 4AP").0,
            "Station Road"
        );
        // A numbered street is read as before, once.
        assert_eq!(
            one("Elm House\n14 Station Road\nCambridge\nCB1 2JD"),
            want("14 Station Road", "CB1 2JD", "Cambridge", "GB")
        );
        // Words before a town that are no street of a kind; a street
        // without a British postcode.
        for text in [
            "Visit our shop on the High Street, Bath BA1 1AA",
            "Unit 5, Manchester M1 2AB",
            "Opening Hours, Bath BA1 1AA",
            "Station Road, Cambridge",
            "High Street\n10115 Berlin",
        ] {
            assert!(from_text(text, None).is_empty(), "{text}");
        }
    }

    #[test]
    fn dutch_flemish_and_nordic_streets() {
        assert_eq!(
            one("Keizersgracht 123\n1015 CJ Amsterdam"),
            want("Keizersgracht 123", "1015 CJ", "Amsterdam", "NL")
        );
        assert_eq!(
            one("Vestiging Rotterdam: Coolsingel 42, 3011 AD Rotterdam"),
            want("Coolsingel 42", "3011 AD", "Rotterdam", "NL")
        );
        assert_eq!(
            one("Kerkstraat 12 bus 3, 2000 Antwerpen"),
            want("Kerkstraat 12 bus 3", "2000", "Antwerpen", "BE")
        );
        assert_eq!(
            one("Drottninggatan 5\n111 51 Stockholm"),
            want("Drottninggatan 5", "111 51", "Stockholm", "SE")
        );
        assert_eq!(
            one("Karl Johans gate 22, 0159 Oslo"),
            want("Karl Johans gate 22", "0159", "Oslo", "NO")
        );
        assert_eq!(
            one("Vesterbrogade 10, 1620 København V"),
            want("Vesterbrogade 10", "1620", "København V", "DK")
        );
        assert_eq!(
            one("Mannerheimintie 12 A\n00100 Helsinki"),
            want("Mannerheimintie 12 A", "00100", "Helsinki", "FI")
        );
        assert_eq!(
            one("Al. Jerozolimskie 65, PL-00-697 Warszawa"),
            want("Al. Jerozolimskie 65", "00-697", "Warszawa", "PL")
        )
    }

    #[test]
    fn a_french_number_before_a_comma_and_a_city_before_a_dash() {
        for text in [
            "12, rue de la Paix\n75002 Paris\nFrance",
            "Adresse : 12, rue de la Paix, 75002 Paris",
            "12 bis, rue de la Paix, 75002 Paris",
        ] {
            let got = from_text(text, None);
            assert_eq!(got.len(), 1, "{text}: {got:?}");
            assert!(
                got[0]
                    .street
                    .as_deref()
                    .is_some_and(|s| s.ends_with("rue de la Paix")),
                "{text}: {got:?}"
            );
            assert_eq!(got[0].postal_code.as_deref(), Some("75002"), "{text}");
            assert_eq!(got[0].country.as_deref(), Some("FR"), "{text}");
        }
        let lyon = from_text(
            "Agence de Lyon : 45 avenue Jean Jaurès, 69007 Lyon – Tél. 04 78 12 34 56",
            None,
        );
        assert_eq!(lyon.len(), 1, "{lyon:?}");
        assert_eq!(lyon[0].locality.as_deref(), Some("Lyon"));
        // A number before a comma is a French street's only: "12, Main
        // Street" is no English one, and a price list is no address.
        assert!(from_text("Order 12, 4500 items, 10115 Berlin", None).is_empty());
    }

    #[test]
    fn italian_spanish_and_portuguese_streets() {
        assert_eq!(
            one("Rossi S.r.l. – Sede legale: Via Roma 12, 20121 Milano (MI)"),
            want("Via Roma 12", "20121", "Milano", "IT")
        );
        assert_eq!(
            one("Corso Vittorio Emanuele II, 15\n00186 Roma"),
            want("Corso Vittorio Emanuele II 15", "00186", "Roma", "IT")
        );
        assert_eq!(
            one("C/ Mayor, 5 · 28013 Madrid"),
            want("C/ Mayor 5", "28013", "Madrid", "ES")
        );
        assert_eq!(
            one("Paseo de la Castellana 259, 28046 Madrid, España"),
            want("Paseo de la Castellana 259", "28046", "Madrid", "ES")
        );
        assert_eq!(
            one("Avenida da Liberdade 110, 1250-146 Lisboa"),
            want("Avenida da Liberdade 110", "1250-146", "Lisboa", "PT")
        );
        // Prose with a kind's word and a number is no street.
        assert!(from_text("Via email 24 hours a day", None).is_empty());
        assert!(from_text("Corso di formazione 2024\n12 partecipanti", None).is_empty());
    }

    #[test]
    fn one_line_in_the_countrys_order() {
        let line = |text: &str| from_text(text, None)[0].one_line();
        assert_eq!(
            line("500 Market Street, San Francisco, CA 94105"),
            "500 Market Street, San Francisco, CA 94105, US"
        );
        assert_eq!(
            line("1 High Street\nLondon EC1A 1BB"),
            "1 High Street, London EC1A 1BB, GB"
        );
        assert_eq!(
            line("Musterstraße 1, 80331 München"),
            "Musterstraße 1, 80331 München, DE"
        );
    }

    #[test]
    fn a_district_on_its_own_line_before_the_town() {
        let line = |text: &str| from_text(text, None)[0].one_line();
        assert_eq!(
            line("1 Canada Square\nCanary Wharf\nLondon\nE14 5AB\nUnited Kingdom"),
            "1 Canada Square, London E14 5AB, GB"
        );
        assert_eq!(
            line("1 Canada Square\nCanary Wharf\nLondon E14 5AB"),
            "1 Canada Square, London E14 5AB, GB"
        );
        assert_eq!(
            line("123 Main Street\nDowntown\nSpringfield, IL 62701"),
            "123 Main Street, Springfield, IL 62701, US"
        );
        // A numbered street after a unit on an estate is the street.
        assert_eq!(
            line("Floor 2, Building 7, Chiswick Park, 566 Chiswick High Road, London W4 5YG"),
            "566 Chiswick High Road, London W4 5YG, GB"
        );
        // A sentence between a street and a city is no district.
        assert!(from_text("12 Baker Street\nWe moved in 2019.\nLondon NW1 6XE", None).is_empty());
    }

    #[test]
    fn us_states_written_out_or_with_a_comma_before_the_zip() {
        let line = |text: &str| from_text(text, None)[0].one_line();
        assert_eq!(
            line("555 Mission Street, Suite 3600, San Francisco, California 94105"),
            "555 Mission Street, Suite 3600, San Francisco, CA 94105, US"
        );
        assert_eq!(
            line("100 Congress Avenue\nAustin, TX, 78701"),
            "100 Congress Avenue, Austin, TX 78701, US"
        );
        assert_eq!(
            line("1 Main Street\nBuffalo, New York 14202"),
            "1 Main Street, Buffalo, NY 14202, US"
        );
        // A capitalised word that is no state, before five digits.
        assert!(from_text("12 Baker Street\nLondon, Heathrow 12345", None).is_empty());
    }

    #[test]
    fn units_ranges_and_commonwealth_cities() {
        // A unit between street and city stays with the street.
        assert_eq!(
            one("1200 Harbor Blvd., Suite 300, Weehawken, NJ 07086"),
            want("1200 Harbor Blvd., Suite 300", "07086", "Weehawken", "US")
        );
        assert_eq!(
            one("350 Fifth Avenue\nSuite 4100\nNew York, NY 10118"),
            want("350 Fifth Avenue, Suite 4100", "10118", "New York", "US")
        );
        assert_eq!(
            one("Northwind, Inc.\n1200 Harbor Blvd., Suite 300\nWeehawken, NJ 07086\nUSA"),
            want("1200 Harbor Blvd., Suite 300", "07086", "Weehawken", "US")
        );
        // A part that is no unit is skipped, not kept.
        assert_eq!(
            one("10 Main Street, Riverside, Springfield, IL 62701").0,
            "10 Main Street"
        );
        // A house number range with an en dash, as typeset imprints write it.
        assert_eq!(
            one("Müller GmbH\nIndustriestraße 12–14\nD-73430 Aalen"),
            want("Industriestraße 12–14", "73430", "Aalen", "DE")
        );
        assert_eq!(
            one("Keizersgracht 121–123, 1015 CJ Amsterdam"),
            want("Keizersgracht 121–123", "1015 CJ", "Amsterdam", "NL")
        );
        // Australia and Canada: state or province, then the postcode.
        let au = from_text("Level 5, 120 Collins Street, Melbourne VIC 3000", None);
        assert_eq!(au.len(), 1, "{au:?}");
        assert_eq!(
            au[0].one_line(),
            "120 Collins Street, Melbourne, VIC 3000, AU"
        );
        assert_eq!(
            one("Unit 2, 45 George St\nSydney, NSW 2000\nAustralia"),
            want("45 George St", "2000", "Sydney", "AU")
        );
        let ca = from_text(
            "100 King Street West, Suite 5700\nToronto, ON M5X 1C7",
            None,
        );
        assert_eq!(ca.len(), 1, "{ca:?}");
        assert_eq!(
            ca[0].one_line(),
            "100 King Street West, Suite 5700, Toronto, ON M5X 1C7, CA"
        );
        assert_eq!(
            one("1250 René-Lévesque Boulevard West\nMontréal (Québec) H3B 4W8").3,
            "CA"
        );
    }

    /// American streets of the Postal Service's other suffixes, named
    /// without a kind (Broadway), or numbered in words; a building's name
    /// and a unit between street and city.
    #[test]
    fn american_kinds_spelled_numbers_and_buildings() {
        for (text, want) in [
            (
                "1 Rockefeller Plaza\nNew York, NY 10020",
                "1 Rockefeller Plaza, New York, NY 10020, US",
            ),
            (
                "3 World Trade Center, New York, NY 10007",
                "3 World Trade Center, New York, NY 10007, US",
            ),
            (
                "1 Infinite Loop\nCupertino, CA 95014",
                "1 Infinite Loop, Cupertino, CA 95014, US",
            ),
            (
                "500 Tech Circle\nAustin, TX 78701",
                "500 Tech Circle, Austin, TX 78701, US",
            ),
            (
                "12 Oak Trail, Boulder, CO 80302",
                "12 Oak Trail, Boulder, CO 80302, US",
            ),
            (
                "100 Overlook Center, 2nd Floor\nPrinceton, NJ 08540",
                "100 Overlook Center, 2nd Floor, Princeton, NJ 08540, US",
            ),
            (
                "1585 Broadway\nNew York, NY 10036",
                "1585 Broadway, New York, NY 10036, US",
            ),
            (
                "One Broadway, Cambridge, MA 02142",
                "One Broadway, Cambridge, MA 02142, US",
            ),
            (
                "One Apple Park Way\nCupertino, CA 95014",
                "One Apple Park Way, Cupertino, CA 95014, US",
            ),
            (
                "Two Embarcadero Center, Suite 1500\nSan Francisco, CA 94111",
                "Two Embarcadero Center, Suite 1500, San Francisco, CA 94111, US",
            ),
            // A building's name and a unit, on the street's line or a line
            // of their own.
            (
                "One Market Plaza, Spear Tower, Suite 3600\nSan Francisco, CA 94105",
                "One Market Plaza, Suite 3600, San Francisco, CA 94105, US",
            ),
            (
                "One Market Plaza\nSpear Tower, Suite 3600\nSan Francisco, CA 94105\nUnited States",
                "One Market Plaza, Suite 3600, San Francisco, CA 94105, US",
            ),
        ] {
            assert_eq!(one_line(text, None), want, "{text:?}");
        }
        for text in [
            // A number word or a kind without a city is no address.
            "One Drive\nTwo Ways to Save\nCall 1-800-555-0142",
            "Ten Reasons Park\nSince 1998",
            // A number word that is no house number.
            "Founded in 1998, One Team Place serves 12000 customers",
            // The other kinds need a house number: in Britain "Innovation
            // Centre" or "Science Park" names a building or an estate.
            "Science Park\nCambridge CB4 0WS",
        ] {
            assert!(from_text(text, None).is_empty(), "{text:?}");
        }
    }

    /// Irish Eircodes (with the town's postal district), Singapore's
    /// six-digit postcodes, and New Zealand's town and four digits, which
    /// count only with a sign of the country.
    #[test]
    fn irish_singaporean_and_new_zealand_cities() {
        for (text, hint, want) in [
            (
                "2 Grand Canal Square\nDublin 2\nD02 A342\nIreland",
                None,
                "2 Grand Canal Square, Dublin 2 D02 A342, IE",
            ),
            (
                "70 Sir John Rogerson's Quay, Dublin 2, D02 R296, Ireland",
                None,
                "70 Sir John Rogerson's Quay, Dublin 2 D02 R296, IE",
            ),
            (
                "1 Albert Quay\nCork T12 X8N2",
                None,
                "1 Albert Quay, Cork T12 X8N2, IE",
            ),
            (
                "1 Raffles Place, #20-61\nSingapore 048616",
                None,
                "1 Raffles Place, #20-61, Singapore 048616, SG",
            ),
            (
                "Level 2, 11 Britomart Place\nAuckland 1010\nNew Zealand",
                None,
                "11 Britomart Place, Auckland 1010, NZ",
            ),
            (
                "11 Britomart Place, Auckland 1010, New Zealand",
                None,
                "11 Britomart Place, Auckland 1010, NZ",
            ),
            (
                "11 Britomart Place\nAuckland 1010",
                Some("NZ"),
                "11 Britomart Place, Auckland 1010, NZ",
            ),
            // South Africa writes the town and four digits too, the
            // postcode also as a part of its own.
            (
                "12 Main Road, Claremont, Cape Town, 7708, South Africa",
                None,
                "12 Main Road, Cape Town 7708, ZA",
            ),
            (
                "144 Katherine Street\nSandton 2196\nSouth Africa",
                None,
                "144 Katherine Street, Sandton 2196, ZA",
            ),
            (
                "1 Dock Road, Cape Town, 8001",
                Some("ZA"),
                "1 Dock Road, Cape Town 8001, ZA",
            ),
        ] {
            assert_eq!(one_line(text, hint), want, "{text:?}");
        }
        // A town and four digits with no sign of New Zealand.
        for text in [
            "11 Britomart Place\nAuckland 1010",
            "12 Main Street\nSpringfield 1010\nUnited States",
        ] {
            assert!(from_text(text, None).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn post_office_boxes_and_dashes_between_parts() {
        assert_eq!(
            one("Van Dijk B.V.\nPostbus 1234\n3500 AA Utrecht"),
            want("Postbus 1234", "3500 AA", "Utrecht", "NL")
        );
        assert_eq!(
            one("Postfach 10 01 23\n80001 München"),
            want("Postfach 10 01 23", "80001", "München", "DE")
        );
        assert_eq!(
            one("P.O. Box 1234, Springfield, IL 62701"),
            want("P.O. Box 1234", "62701", "Springfield", "US")
        );
        assert_eq!(
            one("BP 123, 69002 Lyon"),
            want("BP 123", "69002", "Lyon", "FR")
        );
        assert_eq!(
            one("Rossi Arredamenti S.r.l. – Via Giuseppe Garibaldi, 45 – 20121 Milano (MI)"),
            want("Via Giuseppe Garibaldi 45", "20121", "Milano", "IT")
        );
        assert_eq!(
            one("C/ Mayor, 5 - 28013 Madrid - Tel. 91 123 45 67"),
            want("C/ Mayor 5", "28013", "Madrid", "ES")
        );
        assert_eq!(
            one("Hauptstraße 12 - 14 - 10115 Berlin"),
            want("Hauptstraße 12 - 14", "10115", "Berlin", "DE")
        );
        // A box number alone, or prose with the word, is no address.
        assert!(from_text("Postbus 1234", None).is_empty());
        assert!(from_text("Put it in the PO box 2024 edition", None).is_empty());
    }

    #[test]
    fn brazilian_addresses() {
        assert_eq!(
            one("Av. Paulista, 1578 - Bela Vista, São Paulo - SP, 01310-200"),
            want("Av. Paulista, 1578", "01310-200", "São Paulo", "BR")
        );
        assert_eq!(
            one("Rua das Flores, 123 - Centro - Curitiba/PR - CEP 80010-000"),
            want("Rua das Flores, 123", "80010-000", "Curitiba", "BR")
        );
        assert_eq!(
            one("Rua Augusta, 1500, 5º andar - Consolação\nSão Paulo/SP - CEP: 01304-001"),
            want("Rua Augusta, 1500", "01304-001", "São Paulo", "BR")
        );
        assert_eq!(
            one("Avenida Rio Branco, 1560 - Rio de Janeiro - RJ"),
            want("Avenida Rio Branco, 1560", "", "Rio de Janeiro", "BR")
        );
        assert_eq!(
            from_text(
                "Av. Paulista, 1578 - Bela Vista, São Paulo - SP, 01310-200",
                None
            )[0]
            .one_line(),
            "Av. Paulista, 1578, São Paulo, SP 01310-200, BR"
        );
        // Portugal's "Rua Augusta 25, 1100-048 Lisboa" is still Portuguese.
        assert_eq!(one("Rua Augusta 25, 1100-048 Lisboa").3, "PT");
        // A street without a state is no Brazilian address.
        assert!(from_text("Rua nova, 2024 - lançamento em breve", None).is_empty());
    }

    #[test]
    fn czech_and_slovak_streets_of_no_kind() {
        for (text, street, code, locality, country) in [
            (
                "Strojírny Novák s.r.o., Vinohradská 1511/230, 100 00 Praha 10",
                "Vinohradská 1511/230",
                "100 00",
                "Praha 10",
                "CZ",
            ),
            (
                "Sídlo společnosti:\nVinohradská 1511/230\n100 00 Praha 10",
                "Vinohradská 1511/230",
                "100 00",
                "Praha 10",
                "CZ",
            ),
            (
                "Provozovna: Průmyslová 12, 602 00 Brno",
                "Průmyslová 12",
                "602 00",
                "Brno",
                "CZ",
            ),
            (
                "Mlynské nivy 5, 821 09 Bratislava",
                "Mlynské nivy 5",
                "821 09",
                "Bratislava",
                "SK",
            ),
            (
                "Hlavná 25, 040 01 Košice",
                "Hlavná 25",
                "040 01",
                "Košice",
                "SK",
            ),
            (
                "Na Příkopě 33 · 110 00 Praha 1 – Nové Město",
                "Na Příkopě 33",
                "110 00",
                "Praha 1",
                "CZ",
            ),
            (
                "náměstí Míru 9, CZ-120 00 Praha 2",
                "náměstí Míru 9",
                "120 00",
                "Praha 2",
                "CZ",
            ),
            (
                "Karlovo náměstí 13\n12000 Praha",
                "Karlovo náměstí 13",
                "12000",
                "Praha",
                "CZ",
            ),
            (
                "třída Kpt. Jaroše 1922/3, 602 00 Brno-střed",
                "třída Kpt. Jaroše 1922/3",
                "602 00",
                "Brno-střed",
                "CZ",
            ),
            (
                "28. října 117, 702 00 Ostrava",
                "28. října 117",
                "702 00",
                "Ostrava",
                "CZ",
            ),
            (
                "Masarykova 5, 400 01 Ústí nad Labem",
                "Masarykova 5",
                "400 01",
                "Ústí nad Labem",
                "CZ",
            ),
            (
                "Husova 12a, 2. patro, 370 01 Ceske Budejovice, Česká republika",
                "Husova 12a",
                "370 01",
                "Ceske Budejovice",
                "CZ",
            ),
            (
                "Vajnorská 100/B\n831 04 Bratislava\nSlovensko",
                "Vajnorská 100/B",
                "831 04",
                "Bratislava",
                "SK",
            ),
            // A town the list does not know: letters only Czech writes.
            (
                "Lázeňská 4, 543 51 Špindlerův Mlýn",
                "Lázeňská 4",
                "543 51",
                "Špindlerův Mlýn",
                "CZ",
            ),
            // A leading zero is Slovak only.
            (
                "Družstevná 7, 071 01 Michalovce",
                "Družstevná 7",
                "071 01",
                "Michalovce",
                "SK",
            ),
        ] {
            assert_eq!(one(text), want(street, code, locality, country), "{text}");
        }
        // A street of a German kind with a Czech city.
        assert_eq!(
            one("Zámecký park 5, 400 01 Ústí nad Labem"),
            want("Zámecký park 5", "400 01", "Ústí nad Labem", "CZ")
        );
        assert_eq!(one("Zámecký park 5\n415 01 Teplice").3, "CZ");
        // No accent, no city the list knows: the site's country or
        // language tells, for a postcode written as the post writes it.
        let text = "Husova 5, 530 02 Lhotka";
        assert!(from_text(text, None).is_empty());
        let got = from_text(text, Some("CZ"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].country.as_deref(), Some("CZ"));
        // The postcode, not the hint, tells Czech from Slovak.
        let got = from_text("Husova 5, 930 02 Lhotka", Some("CZ"));
        assert_eq!(got[0].country.as_deref(), Some("SK"));
        assert_eq!(
            from_text("Vinohradská 1511/230, 100 00 Praha 10", None)[0].one_line(),
            "Vinohradská 1511/230, 100 00 Praha 10, CZ"
        );
    }

    #[test]
    fn no_czech_address_without_a_sign_of_the_country() {
        // Swedish and Greek postcodes have the shape too.
        assert_eq!(
            one("Drottninggatan 5, 111 51 Stockholm"),
            want("Drottninggatan 5", "111 51", "Stockholm", "SE")
        );
        assert_eq!(
            one("Kungsgatan 12\n411 19 Göteborg"),
            want("Kungsgatan 12", "411 19", "Göteborg", "SE")
        );
        assert_eq!(
            one("Ερμού 25, 105 63 Αθήνα"),
            want("Ερμού 25", "105 63", "Αθήνα", "GR")
        );
        assert_eq!(
            one("Λεωφόρος Κηφισίας 44\n151 25 Μαρούσι\nΕλλάδα"),
            want("Λεωφόρος Κηφισίας 44", "151 25", "Μαρούσι", "GR")
        );
        // A Swedish street on a Czech site is still Swedish.
        let se = from_text("Drottninggatan 5, 111 51 Stockholm", Some("CZ"));
        assert_eq!(se[0].country.as_deref(), Some("SE"));
        // An English street with a Greek city is no longer taken for Swedish.
        assert_eq!(one("44 Kifisias Avenue, 151 25 Marousi").3, "GR");
        // A name and a number before a postcode of the shape, with nothing
        // Czech about them, is no address.
        for text in [
            "Model 300, 120 00 Stockholm",
            "Ilica 25, 10000 Zagreb",
            "Release 12, 12345 Downloads",
            "Savska cesta 32\n10000 Zagreb",
        ] {
            assert!(from_text(text, None).is_empty(), "{text}");
        }
        // Prices, phone numbers and dates on a Czech site.
        for text in [
            "Model 300, 120 00 Kč",
            "Cena 12\n100 00 Kč",
            "Tel. 267 123 456",
            "Tel.: +420 267 123 456, 100 00 Praha",
            "Vydáno 12. 5. 2024",
            "Objednávka 4711, 120 00 Kč bez DPH",
            "Sleva 20, 15000 Kč",
        ] {
            assert!(from_text(text, Some("CZ")).is_empty(), "{text}");
        }
        // A kindless street before a postcode of five digits in a row, with
        // only the site's country to go by, could be Croatian or German.
        assert!(from_text("Husova 5, 53002 Lhotka", Some("CZ")).is_empty());
    }

    #[test]
    fn years_and_prices_are_not_addresses() {
        assert!(
            from_text(
                "Founded 2009\n2019 Annual Report\n1299 Euro Bundle",
                Some("DE")
            )
            .is_empty()
        );
    }
}

/// The street gates (`street_gate`) against the patterns they keep from
/// running: a gate may pass a line its pattern refuses, never the reverse.
#[cfg(test)]
mod gate_tests {
    use super::*;

    /// The patterns as they were written before they were built from the
    /// gates' kind lists: the built ones parse to the same expression.
    #[test]
    fn built_patterns_are_the_written_ones() {
        let written = [
            (
                &*STREET_DE,
                r"^((?:(?:[\p{Lu}][\p{L}\-]*\s+){0,3}[\p{L}\-]*(?i:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|markt|steig|pfad|hof|berg|feld|park|promenade|kai|brücke|graben|tor|wall|anger|stieg)|(?:Am|An der|Auf der|Im|In der|Zum|Zur|Unter den)\s+[\p{Lu}][\p{L}\-]+)(?:\s+(?:Nord|Süd|Ost|West|Mitte))?)\s+([0-9]{1,4}\s?[a-zA-Z]?(?:\s?[\-–/]\s?[0-9]{1,4}[a-zA-Z]?){0,2})$",
            ),
            (
                &*STREET_FR,
                r"(?i)^([0-9]{1,4}(?:\s?(?:bis|ter|[a-c]))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|allee|impasse|quai|route|cours|square|passage|voie|rond-point|esplanade|chaussée|chaussee|drève)(?-u:\b)([\p{L}\s'\-\.]{2,}))$",
            ),
            (
                &*STREET_FR_NUMBER_LAST,
                r"(?i)^((?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|allee|impasse|quai|route|cours|square|passage|voie|rond-point|esplanade|chaussée|chaussee|drève)(?-u:\b)\s*[\p{L}][\p{L}\s'’\-\.]{1,60}?),?\s+([0-9]{1,4}(?:\s?(?:bis|ter|[a-z]))?(?:\s?[\-/]\s?[0-9]{1,4}[a-z]?)?)$",
            ),
            (
                &*STREET_EN,
                r"^([0-9]{1,6}[A-Za-z]?(?:[\-–][0-9]{1,6}[A-Za-z]?)?\s+(?:[\p{Lu}0-9][\p{L}0-9\.'\-]*\s+){1,4}(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Drive|Dr\.?|Lane|Ln\.?|Way|Place|Pl\.?|Court|Ct\.?|Square|Sq\.?|Terrace|Parkway|Pkwy\.?|Highway|Hwy\.?|Row|Close|Crescent|Gardens|Hill|Wharf|Yard|Mews|Plaza|Plz\.?|Center|Centre|Ctr\.?|Circle|Cir\.?|Loop|Trail|Trl\.?|Pike|Alley|Walk|Crossing|Commons|Park|Turnpike|Tpke\.?|Expressway|Expy\.?|Freeway|Fwy\.?|Causeway|Cove|Ridge|Harbor|Landing|Heights|Grove|Point|Pass|Trace|Quay)(?:\s+(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West))?(?:,?\s+(?:Suite|Ste\.?|Floor|Unit|#)\s*[A-Za-z0-9_\-]+)?)$",
            ),
            (
                &*STREET_ROMANCE,
                r"^((?:(?i:via|viale|piazza|piazzale|corso|largo|vicolo|strada|contrada|calle|avenida|avda\.|paseo|plaza|pza\.|carrer|camino|carretera|ronda|rambla|travesía|rua|travessa|praça|alameda|ul\.|al\.|ulica|aleja|plac)\s+|(?i:c/)\s*)[\p{L}0-9][\p{L}0-9\.'\-]*(?:\s+[\p{L}0-9\.'\-]+)*?),?\s+(?:(?i:n\.?º|nº|n°|n\.|núm\.|no\.)\s?)?([0-9]{1,4}[a-zA-Z]?(?:\s?(?:bis|ter))?(?:/[0-9A-Za-z]{1,4})?)$",
            ),
            (
                &*STREET_NORTH,
                r"^((?:[\p{Lu}][\p{L}\.'\-]*\s+){0,3}[\p{L}\.'\-]*(?i:straat|gracht|kade|laan|plein|singel|steeg|dreef|dijk|burgwal|weg|gatan|vägen|väg|torget|gata|gate|gaten|veien|vei|vegen|gade|vej|tie|katu|kuja|tori))\s+([0-9]{1,5}\s?[a-zA-Z]?(?:\s?[\-–]\s?[0-9]{1,4}[a-zA-Z]?)?(?:\s+(?:bus|hs|huis)\s+[0-9A-Za-z]{1,4})?)$",
            ),
            (
                &*STREET_CS,
                r"^((?:[0-9]{1,2}\.\s?\p{L}|\p{Lu}|náměstí|nám\.|třída|tř\.|ulice|nábřeží|nábř\.|sídliště|námestie|trieda|nábrežie|sídlisko)[\p{L}'’\.\-]*(?:\s+(?:[0-9]{1,2}\.\s+)?\p{L}[\p{L}'’\.\-]*)*)\s+([0-9]{1,4}[a-zA-Z]?(?:\s?/\s?[0-9]{1,4}[a-zA-Z]?|/[a-zA-Z])?)$",
            ),
        ];
        for (built, written) in written {
            let parse = |p: &str| regex_syntax::Parser::new().parse(p).expect("pattern");
            assert_eq!(parse(built.as_str()), parse(written), "{written}");
        }
    }

    /// The kind words of the gates that fold case (all but the English).
    fn every_gated_kind() -> impl Iterator<Item = &'static &'static str> {
        gate::DE_KINDS
            .iter()
            .chain(gate::FR_KINDS)
            .chain(gate::ROMANCE_KINDS)
            .chain(gate::NORTH_KINDS)
    }

    /// Every character the patterns' `(?i)` equates with a letter of a
    /// case-insensitive kind folds onto that letter (all of Unicode, from
    /// the parser's own case folding).
    #[test]
    fn fold_covers_case_insensitive_matching() {
        use regex_syntax::hir::{Class, HirKind};
        let kinds = every_gated_kind().chain(&["c/"]);
        let mut checked = 0;
        for letter in kinds.flat_map(|k| k.chars()) {
            let hir = regex_syntax::Parser::new()
                .parse(&format!("(?i){}", regex::escape(&letter.to_string())))
                .expect("pattern");
            match hir.kind() {
                HirKind::Class(Class::Unicode(class)) => {
                    for range in class.ranges() {
                        for c in range.start()..=range.end() {
                            assert_eq!(gate::fold(c), letter, "{c:?} for {letter:?}");
                            checked += 1;
                        }
                    }
                }
                HirKind::Literal(_) => assert_eq!(gate::fold(letter), letter),
                other => panic!("{letter:?}: {other:?}"),
            }
        }
        assert!(checked > 100, "{checked}");
    }

    /// The gates fold only a word's first or last few characters.
    #[test]
    fn kinds_fit_the_folded_part() {
        let longest = every_gated_kind().map(|k| k.chars().count()).max();
        assert_eq!(longest, Some(gate::KIND_CHARS));
        // The English gate skips words without an ASCII capital first.
        assert!(gate::every_en_kind().all(|(k, _)| k.as_bytes()[0].is_ascii_uppercase()));
    }

    /// The German house number at its longest, spaces and dashes of three
    /// bytes: the gate still looks far enough back.
    #[test]
    fn the_longest_german_number_is_within_reach() {
        let number = "1234\u{3000}a\u{3000}–\u{3000}5678b\u{3000}–\u{3000}9012c";
        assert_eq!(number.len(), gate::DE_NUMBER_BYTES);
        let line = format!("Musterstraße {number}");
        assert!(STREET_DE.is_match(&line));
        assert!(gate::de(&line));
        // One byte more and the pattern refuses it.
        assert!(!STREET_DE.is_match(&format!("Musterstraße 1{number}")));
    }

    /// The same for the Czech house number: a descriptive and an
    /// orientation number, letters and wide spaces.
    #[test]
    fn the_longest_czech_number_is_within_reach() {
        let number = "1234a\u{3000}/\u{3000}5678b";
        assert_eq!(number.len(), gate::CS_NUMBER_BYTES);
        let line = format!("Vinohradská {number}");
        assert!(STREET_CS.is_match(&line));
        assert!(gate::cs(&line));
        assert!(!STREET_CS.is_match(&format!("Vinohradská 1{number}")));
    }

    /// Lines of the fixture pages, the street examples of the tests above,
    /// and generated variants (case, long s, Kelvin sign, Unicode spaces,
    /// estates' parts, units): whenever a pattern matches, its gate passes.
    #[test]
    fn gates_pass_every_line_their_pattern_matches() {
        let mut lines: Vec<String> = Vec::new();
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let tags = regex::Regex::new(r"<[^>]*>").expect("tags");
        for lang in ["de", "en", "fr"] {
            for entry in std::fs::read_dir(fixtures.join(lang)).expect("fixtures") {
                let html = std::fs::read_to_string(entry.expect("entry").path()).expect("page");
                let text = tags.replace_all(&html, "\n");
                lines.extend(text.lines().map(|l| l.trim().to_string()));
            }
        }
        let examples = [
            "Musterstraße 12",
            "Musterstrasse 12a",
            "Hauptstr. 5",
            "Am Markt 3",
            "An der Alster 1",
            "Unter den Linden 77",
            "Gewerbepark Süd 3",
            "Industriestraße 12–14",
            "Mariahilfer Straße 1/3/12",
            "Alte Berg-Allee 4 - 6",
            "12 rue de la Paix",
            "3bis avenue Foch",
            "12 bis, rue de la Paix",
            "12, rue de la Paix",
            "7 b rond-point des Champs",
            "Rue de la Loi 16",
            "Avenue Louise 54",
            "Chaussée de Charleroi 112",
            "Route de Genève 12A",
            "Drève de Lorraine 3-5",
            "1600 Main Street",
            "10 Downing St, Suite 4",
            "20-22 Wenlock Road",
            "1 High St.",
            "500 Market Street N, Floor 3",
            "Via Roma 12",
            "Corso Vittorio Emanuele II 15",
            "C/ Mayor, 5",
            "Paseo de la Castellana 259",
            "Rua Augusta 25",
            "ul. Marszałkowska 10",
            "Avda. de América, nº 3",
            "Keizersgracht 123",
            "Coolsingel 42",
            "Kerkstraat 12 bus 3",
            "Drottninggatan 5",
            "Karl Johans gate 22",
            "Vesterbrogade 10",
            "Mannerheimintie 12 A",
            "Storgata 1-3",
            "Vinohradská 1511/230",
            "Na Příkopě 33",
            "náměstí Míru 9",
            "nám. Republiky 1a",
            "třída Kpt. Jaroše 1922/3",
            "Karlovo náměstí 13",
            "28. října 117",
            "Nám. 14. října 3",
            "Mlynské nivy 5",
            "Vajnorská 100/B",
            "Ερμού 25",
        ];
        let spaces = [" ", "\u{a0}", "\u{2003}", "  "];
        let variants = |l: &str| {
            let mut out = vec![
                l.to_string(),
                l.to_uppercase(),
                l.to_lowercase(),
                l.replace('s', "ſ"),
                l.replace(['k', 'K'], "\u{212a}"),
                l.replace("ß", "ẞ"),
            ];
            for s in spaces {
                out.push(l.replace(' ', s));
            }
            out.push(format!("{l},"));
            out.push(format!("{l} "));
            out.push(format!(
                "{l} a\u{3000}–\u{3000}12b\u{2003}/\u{2003}3c\u{3000}"
            ));
            out.push(format!("Firma {l}"));
            out.push(format!("{l} Nord"));
            out
        };
        for l in examples {
            lines.extend(variants(l));
        }
        // Random lines of street-like tokens: many match a pattern.
        let tokens = [
            "Haupt",
            "Main",
            "de",
            "la",
            "Karl",
            "Johans",
            "straße",
            "STRASSE",
            "Str.",
            "weg",
            "Allee",
            "Platz",
            "park",
            "Süd",
            "Nord",
            "Am",
            "An der",
            "rue",
            "Avenue",
            "av.",
            "bis",
            "b",
            "Street",
            "St",
            "St.",
            "Rd.",
            "Road",
            "N",
            "Suite",
            "#",
            "Via",
            "calle",
            "C/",
            "nº",
            "n.",
            "ul.",
            "gracht",
            "straat",
            "gatan",
            "gate",
            "vej",
            "tie",
            "bus",
            "12",
            "5a",
            "3-5",
            "1/3",
            "12–14",
            "2000",
            ",",
            "ſtraße",
            "KAI",
            "Kelvin\u{212a}ai",
            "Brücke",
            "BRÜCKE",
            "Ähren",
            "Österreich",
            "ü",
            "-",
            // Czech and Slovak: no kind, numbers with a slash, ordinals.
            "Vinohradská",
            "náměstí",
            "nám.",
            "Na",
            "Příkopě",
            "28.",
            "října",
            "1511/230",
            "100/B",
            "Tel.",
            "12a",
        ];
        let mut rng = crate::testgen::Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..40_000 {
            let words = 1 + next(5);
            let mut line = String::new();
            for w in 0..words {
                if w > 0 {
                    line.push_str(spaces[next(spaces.len())]);
                }
                line.push_str(tokens[next(tokens.len())]);
            }
            // A number first or last, as the patterns want it.
            match next(3) {
                0 => line = format!("{} {line}", tokens[43 + next(6)]),
                1 => line = format!("{line} {}", tokens[43 + next(6)]),
                _ => {}
            }
            lines.push(line);
        }
        type Case<'a> = (&'a str, &'a Regex, fn(&str) -> bool);
        let cases: [Case<'_>; 7] = [
            ("de", &STREET_DE, gate::de),
            ("fr", &STREET_FR, gate::fr),
            (
                "fr, number last",
                &STREET_FR_NUMBER_LAST,
                gate::fr_kind_first,
            ),
            ("en", &STREET_EN, gate::en),
            ("romance", &STREET_ROMANCE, gate::romance),
            ("north", &STREET_NORTH, gate::north),
            ("cs", &STREET_CS, gate::cs),
        ];
        for (name, pattern, gate) in cases {
            let mut matched = 0;
            let mut refused = 0;
            for line in &lines {
                if pattern.is_match(line) {
                    matched += 1;
                    assert!(gate(line), "{name} gate refused {line:?}");
                } else if !gate(line) {
                    refused += 1;
                }
            }
            // The test shows something: matches to keep and lines to skip.
            assert!(matched >= 20, "{name}: {matched} matches");
            assert!(refused > lines.len() / 2, "{name}: {refused} refused");
        }
        for line in &lines {
            if US_CITY.is_match(line) {
                assert!(
                    line.contains(',') && line.as_bytes().last().is_some_and(u8::is_ascii_digit)
                );
            }
        }
    }
}
