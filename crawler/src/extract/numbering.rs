//! Phone-number metadata, made into a `phonenumber::Database` one country
//! calling code at a time.
//!
//! The library's built-in database checks the syntax of every pattern of
//! every region when it first loads: about 85 ms of a core, more than a
//! small site's whole crawl spends on its first pages. A site's numbers come
//! from a few calling codes, so the same metadata (`assets/`, the file the
//! library is built from, split per code by `build.rs`) is loaded per code on
//! first use, for about 0.1–2 ms each. Results equal the built-in database's:
//! a code's database holds every region that shares the code, and a number
//! that turns out to name another code (after an international prefix such
//! as the US `011`) is parsed again with the built-in database.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use phonenumber::country::Id;
use phonenumber::metadata::{DATABASE, Database, loader};
use phonenumber::{ParseError, PhoneNumber};

/// `(calling code, its region ids, postcard of its regions' metadata)`.
type Blob = Vec<(u16, Vec<String>, Vec<u8>)>;

static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/numbering.bin"));

struct Code {
    metadata: Vec<u8>,
    database: OnceLock<Option<Database>>,
}

struct Index {
    codes: HashMap<u16, Code>,
    region_code: HashMap<String, u16>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let entries: Blob = postcard::from_bytes(BLOB).unwrap_or_else(|e| {
        // Only a broken build gets here; the built-in database still works.
        tracing::error!(error = %e, "phone metadata built into the binary is unreadable; using the library's own");
        Vec::new()
    });
    let mut index = Index {
        codes: HashMap::with_capacity(entries.len()),
        region_code: HashMap::new(),
    };
    for (code, regions, metadata) in entries {
        for region in regions {
            index.region_code.insert(region, code);
        }
        index.codes.insert(
            code,
            Code {
                metadata,
                database: OnceLock::new(),
            },
        );
    }
    index
});

/// The database of one calling code, built on first use.
fn database(code: u16) -> Option<&'static Database> {
    let entry = INDEX.codes.get(&code)?;
    entry
        .database
        .get_or_init(|| {
            let regions: Vec<loader::Metadata> = postcard::from_bytes(&entry.metadata)
                .map_err(|e| tracing::error!(code, error = %e, "phone metadata unreadable"))
                .ok()?;
            Database::from(regions)
                .map_err(|e| tracing::error!(code, error = %e, "phone metadata refused"))
                .ok()
        })
        .as_ref()
}

/// What an international number ("+49 (30) 123…") says its calling code is.
enum Guess {
    Code(u16),
    /// No code has the number's first digits: the library refuses it too.
    None,
    /// Letters or other scripts' digits, which the library reads in ways
    /// not reproduced here.
    Unsure,
}

/// The first one to three digits after the `+` that are a calling code, as
/// the library finds them (codes are prefix-free, so the shortest is it).
fn guess_code(text: &str) -> Guess {
    let Some(plus) = text.find('+') else {
        return Guess::Unsure;
    };
    let mut code = 0u16;
    let mut len = 0;
    for c in text[plus + 1..].chars() {
        match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => {
                code = code * 10 + d as u16;
                len += 1;
                if INDEX.codes.contains_key(&code) {
                    return Guess::Code(code);
                }
                if len == 3 {
                    return Guess::None;
                }
            }
            _ if c.is_ascii_punctuation() || c.is_whitespace() => {}
            _ => return Guess::Unsure,
        }
    }
    Guess::None
}

/// Parses `text` as `phonenumber::parse(region, text)` does, and returns the
/// database to validate and format the number with.
pub fn parse(region: Option<Id>, text: &str) -> Option<(&'static Database, PhoneNumber)> {
    let guess = if text.contains('+') {
        guess_code(text)
    } else if let Some(region) = region {
        match INDEX.region_code.get(region.as_ref()) {
            Some(code) => Guess::Code(*code),
            // Neither database has the region (the library would panic).
            None => Guess::None,
        }
    } else {
        Guess::Unsure
    };
    let db = match guess {
        Guess::Code(code) => database(code),
        Guess::None => return None,
        Guess::Unsure => None,
    };
    let Some(db) = db else {
        return built_in(region, text);
    };
    match phonenumber::parse_with(db, region, text) {
        Ok(number) => Some((db, number)),
        // The number names another code, after an international prefix.
        Err(ParseError::InvalidCountryCode) => built_in(region, text),
        Err(_) => None,
    }
}

fn built_in(region: Option<Id>, text: &str) -> Option<(&'static Database, PhoneNumber)> {
    let db: &'static Database = &DATABASE;
    if region.is_some_and(|r| db.by_id(r.as_ref()).is_none()) {
        return None;
    }
    phonenumber::parse_with(db, region, text)
        .ok()
        .map(|number| (db, number))
}

/// "+4930123456". The library's own formatter is not used because it loads
/// its built-in database whichever database it is given.
pub fn e164(number: &PhoneNumber) -> String {
    format!("+{}{}", number.code().value(), number.national())
}

/// "+49 30 123456", by the region's international format as the library
/// picks it (its formatter would load the built-in database, see `e164`).
pub fn international(db: &Database, number: &PhoneNumber) -> String {
    let code = number.code().value();
    let national = number.national().to_string();
    let Some(meta) = db.by_code(&code).and_then(|m| m.into_iter().next()) else {
        return e164(number);
    };
    let formats = if meta.international_formats().is_empty() {
        meta.formats()
    } else {
        meta.international_formats()
    };
    let starts = |re: &regex_cache::CachedRegex| re.find(&national).is_some_and(|m| m.start() == 0);
    let whole = |re: &regex_cache::CachedRegex| {
        re.find(&national)
            .is_some_and(|m| m.start() == 0 && m.end() == national.len())
    };
    // As in the library: a format without leading digits applies to any
    // number; one with them must match its last and its whole pattern.
    let format = formats.iter().find(|f| match f.leading_digits().last() {
        None => true,
        Some(leading) => starts(leading) && whole(f.pattern()),
    });
    let body = match format {
        Some(f) => f.pattern().replace(&national, f.format()).into_owned(),
        None => national.clone(),
    };
    let mut out = format!("+{code} {body}");
    if let Some(ext) = number.extension() {
        out.push_str(meta.preferred_extension_prefix().unwrap_or(" ext. "));
        out.push_str(ext.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonenumber::Mode;
    use std::str::FromStr;

    type Outcome = Option<(bool, String, String)>;

    /// (valid, E.164, international) as this module gives them and as the
    /// library's own database and formatter give them.
    fn both(region: Option<Id>, text: &str) -> (Outcome, Outcome) {
        let ours = parse(region, text).map(|(db, n)| {
            (
                phonenumber::is_valid_with(db, &n),
                e164(&n),
                international(db, &n),
            )
        });
        let theirs = phonenumber::parse(region, text).ok().map(|n| {
            (
                phonenumber::is_valid(&n),
                n.format().mode(Mode::E164).to_string(),
                n.format().mode(Mode::International).to_string(),
            )
        });
        (ours, theirs)
    }

    /// (region id, general pattern) of each region of a calling code.
    fn regions(db: &Database, code: u16) -> Vec<(String, String)> {
        let mut out: Vec<_> = db
            .by_code(&code)
            .into_iter()
            .flatten()
            .map(|m| {
                let pattern = m.descriptors().general().national_number().as_str();
                (m.id().to_string(), pattern.to_string())
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn metadata_is_the_library_s_own() {
        // The asset must be the file the library was built from: the same
        // codes, each with the same regions and number patterns.
        for meta in DATABASE.iter() {
            assert!(
                INDEX.codes.contains_key(&meta.country_code()),
                "+{} ({}) is missing",
                meta.country_code(),
                meta.id()
            );
        }
        assert!(INDEX.codes.len() > 200);
        for code in INDEX.codes.keys() {
            let db = database(*code).unwrap_or_else(|| panic!("no database for +{code}"));
            assert_eq!(regions(db, *code), regions(&DATABASE, *code), "+{code}");
        }
    }

    #[test]
    fn example_numbers_parse_as_with_the_built_in_database() {
        let mut checked = 0;
        for meta in DATABASE.iter() {
            let region = Id::from_str(meta.id()).ok();
            let d = meta.descriptors();
            let examples = [
                Some(d.general()),
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.personal_number(),
                d.voip(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ]
            .into_iter()
            .flatten()
            .filter_map(|desc| desc.example());
            for example in examples {
                let international = format!("+{} {example}", meta.country_code());
                let (ours, theirs) = both(None, &international);
                assert_eq!(ours, theirs, "{international}");
                if region.is_some() {
                    let (ours, theirs) = both(region, example);
                    assert_eq!(ours, theirs, "{example} in {}", meta.id());
                }
                checked += 1;
            }
        }
        assert!(checked > 1000, "only {checked} examples");
    }

    #[test]
    fn awkward_inputs_match_the_built_in_database() {
        for (region, text, valid) in [
            // An international prefix other than 00 names a foreign code.
            (Some(Id::US), "011 49 30 1234567", true),
            (Some(Id::AU), "0011 44 20 7946 0958", true),
            (Some(Id::DE), "+1 (212) 555-0100", true),
            (Some(Id::DE), "030 1234567", true),
            (Some(Id::GB), "020 7946 0958", true),
            (None, "+44 (0)20 7946 0958", true),
            (None, "+49-89-123456-0", true),
            (None, "+800 1234 5678", true),
            (None, "+1-800-FLOWERS", true),
            (None, "+999 123 4567", false),
            (None, "+0 123 4567", false),
            (None, "030 1234567", false),
        ] {
            let (ours, theirs) = both(region, text);
            assert_eq!(ours, theirs, "{text} in {region:?}");
            assert_eq!(ours.is_some_and(|o| o.0), valid, "{text} in {region:?}");
        }
    }
}
