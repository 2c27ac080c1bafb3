//! Mexican addresses: the street with its kind and number, then units
//! (`Piso 12`, `Int. 4`), the colonia (`Col. Cuauhtémoc`), the five-digit
//! código postal (`C.P. 06500`), the town or alcaldía and the state,
//! comma-separated on one line or run on over up to three:
//! "Av. Paseo de la Reforma 505, Piso 12, Col. Cuauhtémoc, C.P. 06500,
//! Ciudad de México, CDMX", "Av. Lázaro Cárdenas 2400, Col. Valle Oriente,
//! 66269 San Pedro Garza García, N.L.". Spain writes streets and
//! five-digit postcodes too, so an address counts only with a sign of
//! Mexico: a state, the country's name, a colonia, or the site's country.

use super::{Address, country_named, line_parts};

/// Street kinds a Mexican address starts with, as written (capitalised).
const STREET_KINDS: &[&str] = &[
    "Av. ",
    "Ave. ",
    "Avenida ",
    "Calle ",
    "C. ",
    "Blvd. ",
    "Blvd ",
    "Boulevard ",
    "Bulevar ",
    "Calz. ",
    "Calzada ",
    "Paseo ",
    "Periférico ",
    "Anillo Periférico ",
    "Circuito ",
    "Carretera ",
    "Carr. ",
    "Prol. ",
    "Prolongación ",
    "Privada ",
    "Priv. ",
    "Cerrada ",
    "Camino ",
    "Eje ",
    "Insurgentes ",
];

/// The states with their ISO 3166-2:MX codes, by name and by the usual
/// abbreviations, lower-case without the final dot.
const STATES: &[(&str, &str)] = &[
    ("aguascalientes", "AGU"),
    ("ags", "AGU"),
    ("baja california", "BCN"),
    ("b.c", "BCN"),
    ("bc", "BCN"),
    ("baja california sur", "BCS"),
    ("b.c.s", "BCS"),
    ("bcs", "BCS"),
    ("campeche", "CAM"),
    ("camp", "CAM"),
    ("chiapas", "CHP"),
    ("chis", "CHP"),
    ("chihuahua", "CHH"),
    ("chih", "CHH"),
    ("ciudad de méxico", "CMX"),
    ("ciudad de mexico", "CMX"),
    ("cdmx", "CMX"),
    ("cd. de méxico", "CMX"),
    ("d.f", "CMX"),
    ("df", "CMX"),
    ("distrito federal", "CMX"),
    ("méxico d.f", "CMX"),
    ("coahuila", "COA"),
    ("coah", "COA"),
    ("colima", "COL"),
    ("col", "COL"),
    ("durango", "DUR"),
    ("dgo", "DUR"),
    ("guanajuato", "GUA"),
    ("gto", "GUA"),
    ("guerrero", "GRO"),
    ("gro", "GRO"),
    ("hidalgo", "HID"),
    ("hgo", "HID"),
    ("jalisco", "JAL"),
    ("jal", "JAL"),
    ("estado de méxico", "MEX"),
    ("estado de mexico", "MEX"),
    ("edo. de méxico", "MEX"),
    ("edo. méx", "MEX"),
    ("edo. mex", "MEX"),
    ("edomex", "MEX"),
    ("méx", "MEX"),
    ("michoacán", "MIC"),
    ("michoacan", "MIC"),
    ("mich", "MIC"),
    ("morelos", "MOR"),
    ("mor", "MOR"),
    ("nayarit", "NAY"),
    ("nay", "NAY"),
    ("nuevo león", "NLE"),
    ("nuevo leon", "NLE"),
    ("n.l", "NLE"),
    ("nl", "NLE"),
    ("oaxaca", "OAX"),
    ("oax", "OAX"),
    ("puebla", "PUE"),
    ("pue", "PUE"),
    ("querétaro", "QUE"),
    ("queretaro", "QUE"),
    ("qro", "QUE"),
    ("quintana roo", "ROO"),
    ("q. roo", "ROO"),
    ("q.roo", "ROO"),
    ("san luis potosí", "SLP"),
    ("san luis potosi", "SLP"),
    ("s.l.p", "SLP"),
    ("slp", "SLP"),
    ("sinaloa", "SIN"),
    ("sin", "SIN"),
    ("sonora", "SON"),
    ("son", "SON"),
    ("tabasco", "TAB"),
    ("tab", "TAB"),
    ("tamaulipas", "TAM"),
    ("tamps", "TAM"),
    ("tlaxcala", "TLA"),
    ("tlax", "TLA"),
    ("veracruz", "VER"),
    ("ver", "VER"),
    ("yucatán", "YUC"),
    ("yucatan", "YUC"),
    ("yuc", "YUC"),
    ("zacatecas", "ZAC"),
    ("zac", "ZAC"),
];

/// Parts that say which unit of a building ("Piso 12", "Int. 4", "Torre
/// B"), kept with the street.
const UNIT_WORDS: &[&str] = &[
    "Piso ",
    "Int. ",
    "Int ",
    "Interior ",
    "Ext. ",
    "Local ",
    "Despacho ",
    "Oficina ",
    "Of. ",
    "Torre ",
    "Edificio ",
    "Edif. ",
    "Depto. ",
    "Departamento ",
    "Nivel ",
    "Suite ",
    "Planta ",
    "Mezzanine",
    "PB",
];

/// Words that start a colonia's part ("Col. Cuauhtémoc", "Fracc. Las
/// Américas").
const COLONIA_WORDS: &[&str] = &[
    "Col. ",
    "Col ",
    "Colonia ",
    "Fracc. ",
    "Fraccionamiento ",
    "Barrio ",
    "Alcaldía ",
    "Delegación ",
    "Deleg. ",
    "Mpio. ",
    "Municipio ",
];

/// Whether `line` may start a Mexican address where [`address`] looks:
/// it, or a part after a comma, begins with a street kind. A byte test
/// per line before any kind is compared: this runs on every line with a
/// digit.
pub(super) fn may_start(line: &str) -> bool {
    let kind_at = |part: &str| {
        matches!(
            part.as_bytes().first(),
            Some(b'A' | b'B' | b'C' | b'P' | b'E' | b'I')
        ) && STREET_KINDS.iter().any(|k| part.starts_with(k))
    };
    kind_at(line)
        || memchr::memchr_iter(b',', line.as_bytes()).any(|at| kind_at(line[at + 1..].trim_start()))
}

/// The state `part` names, as its ISO code.
fn state(part: &str) -> Option<&'static str> {
    let key = part.trim().trim_end_matches('.').to_lowercase();
    STATES
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, code)| *code)
}

/// The postcode a part holds and what follows it: "C.P. 06500" ->
/// ("06500", ""), "66269 San Pedro Garza García" -> ("66269", "San Pedro
/// Garza García"), "CP 45010 Zapopan" -> ("45010", "Zapopan").
fn postcode(part: &str) -> Option<(&str, &str)> {
    let rest = ["C.P. ", "C.P.", "CP ", "C. P. ", "Código Postal "]
        .iter()
        .find_map(|l| part.strip_prefix(l))
        .unwrap_or(part)
        .trim_start();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits != 5 {
        return None;
    }
    let after = &rest[5..];
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    Some((&rest[..5], after.trim()))
}

/// Whether `part` is a street: a kind, a name and a house number (or
/// `S/N`, "sin número").
fn street(part: &str) -> bool {
    STREET_KINDS.iter().any(|k| part.starts_with(k))
        && (part.bytes().any(|b| b.is_ascii_digit())
            || part.contains("S/N")
            || part.contains("s/n"))
        && part.chars().count() <= 80
}

/// The Mexican address whose street is on line `i`, if any; `hint` is the
/// site's country.
pub(super) fn address(lines: &[&str], i: usize, hint: Option<&str>) -> Option<Address> {
    // The line and up to two more, read as one run of parts.
    let mut parts: Vec<&str> = Vec::new();
    let mut last_line = i;
    for (k, line) in lines.iter().enumerate().skip(i).take(3) {
        parts.extend(line_parts(line).filter(|p| !p.is_empty()));
        last_line = k;
        // Enough once a part follows the postcode (the town, at least).
        if parts
            .iter()
            .position(|p| postcode(p).is_some())
            .is_some_and(|at| at + 1 < parts.len())
        {
            break;
        }
    }
    let start = parts.iter().position(|p| street(p))?;
    let mut street_parts = vec![parts[start]];
    let mut colonia = false;
    let mut code = None;
    let mut locality: Option<String> = None;
    let mut region = None;
    let mut mexico = false;
    for part in &parts[start + 1..] {
        let part = part.trim_end_matches('.');
        if part.is_empty() {
            continue;
        }
        if code.is_none() {
            if let Some((c, after)) = postcode(part) {
                code = Some(c.to_string());
                if !after.is_empty() {
                    locality = Some(after.to_string());
                }
                continue;
            }
            if COLONIA_WORDS.iter().any(|w| part.starts_with(w)) {
                colonia = true;
                street_parts.push(part);
                continue;
            }
            if UNIT_WORDS.iter().any(|w| part.starts_with(w)) || part.starts_with('#') {
                street_parts.push(part);
                continue;
            }
            // A colonia or a town before the postcode ("Lomas de
            // Chapultepec", "Centro"): a few capitalised words.
            if part.chars().next().is_some_and(char::is_uppercase)
                && part.split_whitespace().count() <= 5
                && !part
                    .bytes()
                    .any(|b| b.is_ascii_digit() || b == b'@' || b == b':')
                && state(part).is_none()
            {
                street_parts.push(part);
                continue;
            }
            return None;
        }
        // After the postcode: the town, the state, the country.
        if country_named(&[part], None).as_deref() == Some("MX") {
            mexico = true;
            break;
        }
        if let Some(s) = state(part) {
            region = Some(s);
            if locality.is_none() && s == "CMX" {
                locality = Some(part.to_string());
            }
            continue;
        }
        if locality.is_none()
            && part.chars().next().is_some_and(char::is_uppercase)
            && part.split_whitespace().count() <= 5
            && !part
                .bytes()
                .any(|b| b.is_ascii_digit() || b == b'@' || b == b':')
        {
            locality = Some(part.to_string());
            continue;
        }
        break;
    }
    let code = code?;
    let locality = locality?;
    // A country written on the line after the address.
    if !mexico {
        mexico = lines
            .get(last_line + 1)
            .is_some_and(|l| country_named(&[l], None).as_deref() == Some("MX"));
    }
    if region.is_none() && state(&locality) == Some("CMX") {
        region = Some("CMX");
    }
    if !(mexico || region.is_some() || colonia || hint == Some("MX")) {
        return None;
    }
    Some(Address {
        street: Some(street_parts.join(", ")),
        locality: Some(locality),
        postal_code: Some(code),
        region: region.map(str::to_string),
        country: Some("MX".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::from_text;
    use super::*;

    fn one(text: &str, hint: Option<&str>) -> Address {
        let found = from_text(text, hint);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.into_iter().next().expect("one")
    }

    #[test]
    fn mexican_addresses_on_one_line_or_several() {
        for (text, street, locality, code, region) in [
            (
                "Av. Paseo de la Reforma 505, Piso 12, Col. Cuauhtémoc, C.P. 06500, Ciudad de México, CDMX, México",
                "Av. Paseo de la Reforma 505, Piso 12, Col. Cuauhtémoc",
                "Ciudad de México",
                "06500",
                Some("CMX"),
            ),
            (
                "Av. Paseo de la Reforma 505, Piso 12\nCol. Cuauhtémoc, C.P. 06500\nCiudad de México, CDMX",
                "Av. Paseo de la Reforma 505, Piso 12, Col. Cuauhtémoc",
                "Ciudad de México",
                "06500",
                Some("CMX"),
            ),
            (
                "Av. Lázaro Cárdenas 2400, Col. Valle Oriente, 66269 San Pedro Garza García, N.L.",
                "Av. Lázaro Cárdenas 2400, Col. Valle Oriente",
                "San Pedro Garza García",
                "66269",
                Some("NLE"),
            ),
            (
                "Av. Vallarta 6503, Col. Ciudad Granja, C.P. 45010 Zapopan, Jalisco",
                "Av. Vallarta 6503, Col. Ciudad Granja",
                "Zapopan",
                "45010",
                Some("JAL"),
            ),
            (
                "Blvd. Manuel Ávila Camacho 40, Lomas de Chapultepec, 11000 Miguel Hidalgo, CDMX",
                "Blvd. Manuel Ávila Camacho 40, Lomas de Chapultepec",
                "Miguel Hidalgo",
                "11000",
                Some("CMX"),
            ),
            (
                "Calle 60 No. 491-A, Centro, 97000 Mérida, Yuc.",
                "Calle 60 No. 491-A, Centro",
                "Mérida",
                "97000",
                Some("YUC"),
            ),
            (
                "Insurgentes Sur 1602, Piso 4, Crédito Constructor, 03940 Ciudad de México",
                "Insurgentes Sur 1602, Piso 4, Crédito Constructor",
                "Ciudad de México",
                "03940",
                Some("CMX"),
            ),
        ] {
            let a = one(text, None);
            assert_eq!(a.street.as_deref(), Some(street), "{text}");
            assert_eq!(a.locality.as_deref(), Some(locality), "{text}");
            assert_eq!(a.postal_code.as_deref(), Some(code), "{text}");
            assert_eq!(a.region.as_deref(), region, "{text}");
            assert_eq!(a.country.as_deref(), Some("MX"), "{text}");
        }
    }

    #[test]
    fn the_site_country_or_a_country_line_is_a_sign_of_mexico() {
        let text = "Av. Juárez 100, 44100 Guadalajara";
        assert!(
            from_text(text, None)
                .iter()
                .all(|a| a.country.as_deref() != Some("MX"))
        );
        assert_eq!(
            one(text, Some("MX")).locality.as_deref(),
            Some("Guadalajara")
        );
        assert_eq!(
            one(&format!("{text}\nMéxico"), None).country.as_deref(),
            Some("MX")
        );
    }

    #[test]
    fn a_street_at_the_start_or_after_a_comma_may_start_one() {
        assert!(may_start("Av. Juárez 100"));
        assert!(may_start("Acme S.A. de C.V., Calle 60 No. 491-A"));
        assert!(!may_start("Order 12345, shipped"));
        assert!(!may_start("Tel. 55 1234 5678"));
    }

    #[test]
    fn spanish_addresses_stay_spanish() {
        for text in [
            "Calle Mayor 5, 28013 Madrid",
            "Avenida Diagonal 640, 08017 Barcelona, España",
        ] {
            assert!(
                from_text(text, None)
                    .iter()
                    .all(|a| a.country.as_deref() != Some("MX")),
                "{text}"
            );
        }
    }
}
