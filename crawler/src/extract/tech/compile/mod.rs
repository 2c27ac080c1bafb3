//! Turns Wappalyzer's JSON files into the compact [`Db`]: runs in `build.rs`
//! (so the crawler never parses 3,400 JSON entries or regex syntax at run
//! time) and in this crate's unit tests.
//!
//! Wappalyzer's patterns are JavaScript regexes, always matched
//! case-insensitively. They are rewritten for the `regex` crate (ASCII
//! classes, bytes haystacks); what that crate cannot express (lookaround,
//! backreferences) is left out and listed in `Db::skipped`, as are `dom`
//! selectors with combinators and `dom` properties, which need a live page.

mod literals;
mod selector;
mod translate;

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::model::{
    Category, Db, DomTest, Implied, Pattern, Reach, Signal, Skipped, Stretch, Tech,
};

#[cfg(test)]
pub use literals::literals;
pub use literals::{Literals, literals_around};
use selector::add_dom;
#[cfg(test)]
pub use selector::parse_selector;
pub use translate::translate;

/// Shortest literal worth a prefilter: shorter ones hit nearly every page.
const MIN_LITERAL: usize = 3;
/// Most literals kept for one pattern (an alternation of names).
const MAX_LITERALS: usize = 24;

/// Builds the database from `categories.json`, the `technologies/*.json`
/// texts (in any order) and an overlay in the same format, whose entries
/// add patterns to a technology of the same name or define a new one.
pub fn compile(
    source: &str,
    categories: &str,
    technologies: &[String],
    overlay: &str,
) -> Result<Db, String> {
    let cats: BTreeMap<String, Value> =
        serde_json::from_str(categories).map_err(|e| format!("categories.json: {e}"))?;
    let mut db = Db {
        source: source.to_string(),
        ..Db::default()
    };
    for (id, c) in cats {
        db.categories.push(Category {
            id: id.parse().map_err(|_| format!("category id {id:?}"))?,
            name: c["name"].as_str().unwrap_or_default().to_string(),
            priority: u8::try_from(c["priority"].as_u64().unwrap_or(0)).unwrap_or(u8::MAX),
        });
    }
    let mut entries: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    for text in technologies {
        let file: BTreeMap<String, Value> =
            serde_json::from_str(text).map_err(|e| format!("technologies: {e}"))?;
        for (name, v) in file {
            if let Value::Object(o) = v {
                entries.insert(name, o);
            }
        }
    }
    let overlay: BTreeMap<String, Value> =
        serde_json::from_str(overlay).map_err(|e| format!("overlay: {e}"))?;
    for (name, v) in overlay {
        let Value::Object(add) = v else {
            return Err(format!("overlay: {name} is not an object"));
        };
        let entry = entries.entry(name).or_default();
        for (k, v) in add {
            merge_field(entry, k, v);
        }
    }

    let index: HashMap<String, u32> = entries
        .keys()
        .enumerate()
        .map(|(i, n)| (n.clone(), i as u32))
        .collect();
    for (i, (name, e)) in entries.iter().enumerate() {
        let tech = i as u32;
        let mut t = Tech {
            name: name.clone(),
            cats: as_list(e.get("cats"))
                .iter()
                .filter_map(|v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
                .collect(),
            ..Tech::default()
        };
        for (field, out) in [("excludes", &mut t.excludes), ("requires", &mut t.requires)] {
            for v in as_list(e.get(field)) {
                let (value, _) = split_attrs(&scalar(v));
                match index.get(&value) {
                    Some(j) => out.push(*j),
                    None => db
                        .skipped
                        .push(skip(name, field, &value, "no such technology")),
                }
            }
        }
        for v in as_list(e.get("requiresCategory")) {
            if let Ok(id) = scalar(v).parse() {
                t.requires_category.push(id);
            }
        }
        for v in as_list(e.get("implies")) {
            let (value, attrs) = split_attrs(&scalar(v));
            match index.get(&value) {
                Some(j) => t.implies.push(Implied {
                    tech: *j,
                    confidence: attrs.confidence,
                    version: attrs.version,
                }),
                None => db
                    .skipped
                    .push(skip(name, "implies", &value, "no such technology")),
            }
        }
        for signal in [
            Signal::Url,
            Signal::Html,
            Signal::Text,
            Signal::Scripts,
            Signal::Css,
            Signal::ScriptSrc,
        ] {
            for v in as_list(e.get(signal.name())) {
                add_pattern(&mut db, name, tech, signal, "", None, &scalar(v));
            }
        }
        for signal in [Signal::Meta, Signal::Headers, Signal::Cookies] {
            if let Some(Value::Object(map)) = e.get(signal.name()) {
                for (key, v) in map {
                    for v in as_list(Some(v)) {
                        let key = key.to_lowercase();
                        add_pattern(&mut db, name, tech, signal, &key, None, &scalar(v));
                    }
                }
            }
        }
        if let Some(dom) = e.get("dom") {
            add_dom(&mut db, name, tech, dom);
        }
        for signal in ["js", "xhr", "dns", "certIssuer", "robots", "magento"] {
            let n = count(e.get(signal));
            if n > 0 {
                db.skipped.push(skip(
                    name,
                    signal,
                    &format!("{n} pattern(s)"),
                    "needs a live page, other requests or DNS",
                ));
            }
        }
        db.techs.push(t);
    }
    Ok(db)
}

/// Appends an overlay field to an entry: lists and maps grow, scalars
/// become lists.
fn merge_field(entry: &mut serde_json::Map<String, Value>, key: String, add: Value) {
    match (entry.remove(&key), add) {
        (None, add) => {
            entry.insert(key, add);
        }
        (Some(Value::Object(mut old)), Value::Object(add)) => {
            for (k, v) in add {
                merge_field(&mut old, k, v);
            }
            entry.insert(key, Value::Object(old));
        }
        (Some(old), add) => {
            let mut list = as_list(Some(&old)).into_iter().cloned().collect::<Vec<_>>();
            list.extend(as_list(Some(&add)).into_iter().cloned());
            entry.insert(key, Value::Array(list));
        }
    }
}

fn as_list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn count(v: Option<&Value>) -> usize {
    match v {
        None | Some(Value::Null) => 0,
        Some(Value::Array(a)) => a.len(),
        Some(Value::Object(o)) => o.values().map(|v| count(Some(v))).sum(),
        Some(_) => 1,
    }
}

fn skip(tech: &str, signal: &str, pattern: &str, reason: &str) -> Skipped {
    Skipped {
        tech: tech.to_string(),
        signal: signal.to_string(),
        pattern: pattern.to_string(),
        reason: reason.to_string(),
    }
}

pub struct Attrs {
    pub version: String,
    pub confidence: u8,
}

/// Splits `pattern\;version:\1\;confidence:50` as Wappalyzer does.
pub fn split_attrs(raw: &str) -> (String, Attrs) {
    let mut parts = raw.split("\\;");
    let value = parts.next().unwrap_or_default().to_string();
    let mut attrs = Attrs {
        version: String::new(),
        confidence: 100,
    };
    for part in parts {
        if let Some((k, v)) = part.split_once(':') {
            match k {
                "version" => attrs.version = v.to_string(),
                "confidence" => {
                    attrs.confidence = v
                        .trim()
                        .parse::<u32>()
                        .map_or(100, |c| u8::try_from(c.min(100)).unwrap_or(100));
                }
                _ => {}
            }
        }
    }
    (value, attrs)
}

/// Files a side's stretches in the database's one array.
fn reach(all: &mut Vec<Stretch>, side: Vec<Stretch>) -> Reach {
    let from = u32::try_from(all.len()).unwrap_or(u32::MAX);
    let len = u32::try_from(side.len()).unwrap_or(0);
    all.extend(side);
    Reach { from, len }
}

fn add_pattern(
    db: &mut Db,
    name: &str,
    tech: u32,
    signal: Signal,
    key: &str,
    dom: Option<DomTest>,
    raw: &str,
) {
    let (value, attrs) = split_attrs(raw);
    let label = if key.is_empty() {
        signal.name().to_string()
    } else {
        format!("{}:{key}", signal.name())
    };
    let (regex, literals) = if value.is_empty() {
        (
            String::new(),
            Literals {
                set: Vec::new(),
                before: None,
                after: None,
            },
        )
    } else {
        match translate(&value).and_then(|r| literals_around(&r).map(|l| (r, l))) {
            Ok(ok) => ok,
            Err(reason) => {
                db.skipped.push(skip(name, &label, &value, &reason));
                return;
            }
        }
    };
    db.patterns.push(Pattern {
        tech,
        signal,
        key: key.to_string(),
        dom,
        regex,
        literals: literals.set,
        before: literals.before.map(|side| reach(&mut db.stretches, side)),
        after: literals.after.map(|side| reach(&mut db.stretches, side)),
        version: attrs.version,
        confidence: attrs.confidence,
    });
}
