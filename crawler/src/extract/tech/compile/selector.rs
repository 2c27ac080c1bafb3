//! Wappalyzer's `dom` selectors: the compound selectors the streaming pass
//! can test, parsed, and the literal a page must contain for one to match.

use serde_json::Value;

use super::super::model::{AttrOp, AttrTest, Db, DomPart, DomTest, Selector, Signal};

use super::literals::rarity;
use super::{MIN_LITERAL, add_pattern, as_list, scalar, skip};

pub(super) fn add_dom(db: &mut Db, name: &str, tech: u32, dom: &Value) {
    let mut tests: Vec<(String, DomPart, String)> = Vec::new();
    match dom {
        Value::Object(map) => {
            for (selector, spec) in map {
                let Value::Object(spec) = spec else { continue };
                for (kind, v) in spec {
                    match kind.as_str() {
                        "exists" => tests.push((selector.clone(), DomPart::Exists, scalar(v))),
                        "text" => tests.push((selector.clone(), DomPart::Text, scalar(v))),
                        "attributes" => {
                            if let Value::Object(attrs) = v {
                                for (attr, p) in attrs {
                                    tests.push((
                                        selector.clone(),
                                        DomPart::Attribute(attr.to_lowercase()),
                                        scalar(p),
                                    ));
                                }
                            }
                        }
                        // The 6.10.47 data spells two `src` tests where it
                        // means the attribute.
                        "src" => tests.push((
                            selector.clone(),
                            DomPart::Attribute("src".into()),
                            scalar(v),
                        )),
                        other => db.skipped.push(skip(
                            name,
                            &format!("dom.{other}"),
                            selector,
                            "needs a live page (DOM properties)",
                        )),
                    }
                }
            }
        }
        other => {
            for v in as_list(Some(other)) {
                tests.push((scalar(v), DomPart::Exists, String::new()));
            }
        }
    }
    for (selector, part, pattern) in tests {
        let mut ids = Vec::new();
        let mut bad = None;
        for one in selector.split(',') {
            match parse_selector(one.trim()) {
                Ok(sel) => {
                    let at = db
                        .selectors
                        .iter()
                        .position(|s| *s == sel)
                        .unwrap_or_else(|| {
                            db.selectors.push(sel);
                            db.selectors.len() - 1
                        });
                    ids.push(at as u32);
                }
                Err(e) => bad = Some(e),
            }
        }
        // A list with an unsupported member still matches through the
        // others; the member itself is recorded.
        if let Some(reason) = bad {
            db.skipped.push(skip(name, "dom", &selector, &reason));
        }
        if ids.is_empty() {
            continue;
        }
        // The prefilter looks for the selectors in the page, whatever the
        // pattern then asks of the element.
        let mut lits: Vec<String> = ids
            .iter()
            .filter_map(|&i| db.selectors.get(i as usize))
            .map(selector_literal)
            .collect();
        lits.sort();
        lits.dedup();
        if lits.iter().any(|l| l.len() < MIN_LITERAL) {
            db.skipped.push(skip(
                name,
                "dom",
                &selector,
                "no literal for the prefilter (would test every page)",
            ));
            continue;
        }
        let before = db.patterns.len();
        add_pattern(
            db,
            name,
            tech,
            Signal::Dom,
            "",
            Some(DomTest {
                selectors: ids,
                part,
            }),
            &pattern,
        );
        // The selector's literal, or the value's or text's own when that is
        // rarer (`link[href]` testing `wp-content/plugins/rezgo/`): both
        // occur in the raw page when the element does.
        if let Some(p) = db.patterns.get_mut(before) {
            let worst = |l: &[String]| l.iter().map(|x| rarity(x.as_bytes())).min().unwrap_or(0);
            if p.literals.is_empty() || worst(&p.literals) < worst(&lits) {
                p.literals = lits;
                p.before = None;
                p.after = None;
            }
        }
    }
}

/// Parses one compound selector (`tag#id.class[attr*='v']`); combinators
/// and pseudo-classes are not supported by the streaming pass.
pub fn parse_selector(s: &str) -> Result<Selector, String> {
    let b = s.as_bytes();
    let mut sel = Selector::default();
    let mut i = 0;
    let ident = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && (b[*i].is_ascii_alphanumeric() || matches!(b[*i], b'-' | b'_')) {
            *i += 1;
        }
        s[start..*i].to_string()
    };
    if b.first() == Some(&b'*') {
        i = 1;
    } else {
        let tag = ident(&mut i);
        if !tag.is_empty() {
            sel.tag = Some(tag.to_ascii_lowercase());
        }
    }
    while i < b.len() {
        match b[i] {
            b'#' => {
                i += 1;
                sel.id = Some(ident(&mut i));
            }
            b'.' => {
                i += 1;
                sel.classes.push(ident(&mut i));
            }
            b'[' => {
                let end = s[i..]
                    .find(']')
                    .map(|e| i + e)
                    .ok_or("unclosed attribute selector")?;
                let inner = &s[i + 1..end];
                i = end + 1;
                let mut fold = false;
                let (name, op, value) = match inner.find('=') {
                    None => (inner.trim(), AttrOp::Exists, ""),
                    Some(eq) => {
                        let (name, op) = match inner[..eq].chars().last() {
                            Some('*') => (&inner[..eq - 1], AttrOp::Contains),
                            Some('^') => (&inner[..eq - 1], AttrOp::Prefix),
                            Some('$') => (&inner[..eq - 1], AttrOp::Suffix),
                            Some('~') => (&inner[..eq - 1], AttrOp::Word),
                            Some('|') => (&inner[..eq - 1], AttrOp::DashPrefix),
                            _ => (&inner[..eq], AttrOp::Equals),
                        };
                        let v = inner[eq + 1..].trim();
                        // A closing ` i` or ` s` after a quoted value asks
                        // for case-insensitive or -sensitive comparison.
                        let flagged = |flag: char| {
                            let rest = v.strip_suffix(flag)?.trim_end();
                            rest.ends_with(['\'', '"']).then_some(rest)
                        };
                        let (v, folded) =
                            match (flagged('i').or(flagged('I')), flagged('s').or(flagged('S'))) {
                                (Some(rest), _) => (rest, true),
                                (None, Some(rest)) => (rest, false),
                                (None, None) => (v, false),
                            };
                        fold = folded;
                        let v = v
                            .strip_prefix('\'')
                            .and_then(|v| v.strip_suffix('\''))
                            .or_else(|| v.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
                            .unwrap_or(v);
                        (name.trim(), op, v)
                    }
                };
                if name.is_empty() || name.contains(|c: char| c.is_whitespace()) {
                    return Err(format!("attribute selector [{inner}]"));
                }
                sel.attrs.push(AttrTest {
                    name: name.to_ascii_lowercase(),
                    op,
                    value: if fold {
                        value.to_ascii_lowercase()
                    } else {
                        value.to_string()
                    },
                    fold,
                });
            }
            _ => return Err("combinator or pseudo-class".into()),
        }
    }
    if sel.id.as_deref() == Some("") || sel.classes.iter().any(String::is_empty) {
        return Err("empty id or class".into());
    }
    if sel == Selector::default() {
        return Err("matches every element".into());
    }
    Ok(sel)
}

/// The literal a page must contain for the selector to match anything:
/// the longest of its id, classes, attribute values and names, or `<tag`.
pub fn selector_literal(sel: &Selector) -> String {
    // (literal, is a name): ids, classes and values before attribute and
    // tag names, which nearly every page has (`alt`, `<img`).
    let mut cands: Vec<(String, bool)> = Vec::new();
    cands.extend(sel.id.clone().map(|i| (i, false)));
    cands.extend(sel.classes.iter().map(|c| (c.clone(), false)));
    for a in &sel.attrs {
        cands.push((a.name.clone(), true));
        if a.op != AttrOp::Exists {
            cands.push((a.value.clone(), false));
        }
    }
    if let Some(tag) = &sel.tag {
        cands.push((format!("<{tag}"), true));
    }
    cands
        .into_iter()
        // Entity-encoded in the page, they would not be found as written.
        .filter(|(c, _)| !c.contains(['&', '<', '>', '"', '\'']) || c.starts_with('<'))
        .filter(|(c, _)| c.len() >= MIN_LITERAL || c.starts_with('<'))
        .max_by_key(|(c, name)| (rarity(c.as_bytes()) + if *name { 0 } else { 4 }, c.len()))
        .map(|(c, _)| c)
        .unwrap_or_default()
        .to_ascii_lowercase()
}
