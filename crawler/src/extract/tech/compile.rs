//! Turns Wappalyzer's JSON files into the compact [`Db`]: runs in `build.rs`
//! (so the crawler never parses 3,400 JSON entries or regex syntax at run
//! time) and in this crate's unit tests.
//!
//! Wappalyzer's patterns are JavaScript regexes, always matched
//! case-insensitively. They are rewritten for the `regex` crate (ASCII
//! classes, bytes haystacks); what that crate cannot express (lookaround,
//! backreferences) is left out and listed in `Db::skipped`, as are `dom`
//! selectors with combinators and `dom` properties, which need a live page.

use std::collections::{BTreeMap, HashMap};

use regex_syntax::hir::{Hir, HirKind};
use serde_json::Value;

use super::model::{
    AttrOp, AttrTest, Category, Db, DomPart, DomTest, Implied, Pattern, Selector, Signal, Skipped,
    Tech,
};

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
        (String::new(), Vec::new())
    } else {
        match translate(&value).and_then(|r| literals(&r).map(|l| (r, l))) {
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
        literals,
        version: attrs.version,
        confidence: attrs.confidence,
    });
}

/// Rewrites a JavaScript regex for the `regex` crate with Unicode off
/// (ASCII `\d \w \s`, byte haystacks), or says why it cannot be.
pub fn translate(js: &str) -> Result<String, String> {
    let chars: Vec<char> = js.chars().collect();
    let mut out = String::with_capacity(js.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        match c {
            '\\' => {
                let Some(&n) = chars.get(i) else {
                    return Err("ends with a backslash".into());
                };
                i += 1;
                match n {
                    'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                        // In a class, JS reads `\w-.` with a literal '-'.
                        if in_class && out.ends_with('-') && !out.ends_with("\\-") {
                            out.pop();
                            out.push_str("\\-");
                        }
                        out.push('\\');
                        out.push(n);
                        if in_class && chars.get(i) == Some(&'-') && chars.get(i + 1) != Some(&']')
                        {
                            out.push_str("\\-");
                            i += 1;
                        }
                    }
                    'n' | 'r' | 't' | 'f' | 'v' => {
                        out.push('\\');
                        out.push(n);
                    }
                    'b' | 'B' if !in_class => {
                        out.push('\\');
                        out.push(n);
                    }
                    'b' => out.push_str("\\x08"),
                    '1'..='9' => return Err("backreference".into()),
                    'k' => return Err("named backreference".into()),
                    'c' => return Err("control escape".into()),
                    '0' => out.push_str("\\x00"),
                    'x' | 'u' => {
                        let len = if n == 'x' { 2 } else { 4 };
                        let hex: String = chars.iter().skip(i).take(len).collect();
                        let code = (hex.len() == len)
                            .then(|| u32::from_str_radix(&hex, 16).ok())
                            .flatten()
                            .and_then(char::from_u32);
                        match code {
                            Some(ch) => {
                                i += len;
                                push_literal(&mut out, ch, in_class)?;
                            }
                            // JS reads a bad \x or \u as the letter.
                            None => out.push(n),
                        }
                    }
                    n if n.is_ascii_alphanumeric() => out.push(n),
                    n => push_literal(&mut out, n, in_class)?,
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    return Err("empty class".into());
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '{' if !in_class => {
                // A quantifier only when the whole {n}, {n,} or {n,m} is there
                // and follows something; otherwise JS reads a literal brace.
                let rest: String = chars.iter().skip(i).take(24).collect();
                let quant = rest.find('}').map(|end| &rest[..end]).filter(|q| {
                    let mut parts = q.splitn(2, ',');
                    let a = parts.next().unwrap_or_default();
                    let b = parts.next();
                    !a.is_empty()
                        && a.bytes().all(|b| b.is_ascii_digit())
                        && b.is_none_or(|b| b.bytes().all(|b| b.is_ascii_digit()))
                });
                let after_atom = !out.is_empty() && !out.ends_with('(') && !out.ends_with('|');
                match quant {
                    Some(q) if after_atom => {
                        out.push('{');
                        out.push_str(q);
                        out.push('}');
                        i += q.chars().count() + 1;
                    }
                    _ => out.push_str("\\{"),
                }
            }
            '}' if !in_class => out.push_str("\\}"),
            '(' if !in_class && chars.get(i) == Some(&'?') => {
                let next: String = chars.iter().skip(i + 1).take(2).collect();
                if next.starts_with('=') || next.starts_with('!') || next == "<=" || next == "<!" {
                    return Err("lookaround".into());
                }
                out.push('(');
            }
            c if !c.is_ascii() => push_literal(&mut out, c, in_class)?,
            c => out.push(c),
        }
    }
    if in_class {
        return Err("unclosed class".into());
    }
    Ok(out)
}

/// A literal character: escaped when the regex crate would read it as
/// syntax; non-ASCII as its UTF-8 bytes (Unicode is off).
fn push_literal(out: &mut String, c: char, in_class: bool) -> Result<(), String> {
    if c.is_ascii() {
        if regex_syntax::is_meta_character(c) || (in_class && matches!(c, '&' | '~' | '-')) {
            out.push('\\');
        }
        if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        } else {
            out.push_str(&format!("\\x{:02X}", c as u32));
        }
        return Ok(());
    }
    if in_class {
        return Err("non-ASCII character in a class".into());
    }
    let mut buf = [0; 4];
    for b in c.encode_utf8(&mut buf).bytes() {
        out.push_str(&format!("\\x{b:02X}"));
    }
    Ok(())
}

/// The literals one of which every match contains, lower-cased; empty when
/// there are none worth a prefilter. Errors when the regex does not parse.
pub fn literals(regex: &str) -> Result<Vec<String>, String> {
    // Parsed case-sensitively so literals stay literals; matching folds case.
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(regex)
        .map_err(|e| format!("regex: {}", e.to_string().lines().last().unwrap_or("")))?;
    // The form the crawler compiles must parse too.
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(true)
        .build()
        .parse(regex)
        .map_err(|e| format!("regex: {e}"))?;
    let Some(set) = required(&hir) else {
        return Ok(Vec::new());
    };
    if set.iter().any(|l| l.len() < MIN_LITERAL) {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = set
        .into_iter()
        .map(|l| String::from_utf8_lossy(&l).to_ascii_lowercase())
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// A set of byte strings one of which occurs in every match.
fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(vec![lit.0.to_vec()]),
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Concat(subs) => {
            // Adjacent parts that match exactly a few strings join into
            // longer literals (`(?:a|b)\.com` gives `a.com`, `b.com`); the
            // set whose shortest member is longest wins.
            let mut best: Option<Vec<Vec<u8>>> = None;
            let consider = |set: Vec<Vec<u8>>, best: &mut Option<Vec<Vec<u8>>>| {
                let score = |s: &Vec<Vec<u8>>| s.iter().map(|l| rarity(l)).min().unwrap_or(0);
                if best.as_ref().is_none_or(|b| score(&set) > score(b)) {
                    *best = Some(set);
                }
            };
            let mut run: Option<Vec<Vec<u8>>> = None;
            for sub in subs {
                match exact(sub) {
                    Some(set) => {
                        run = Some(match run.take() {
                            None => set,
                            Some(prefixes) => match cross(&prefixes, &set) {
                                Some(joined) => joined,
                                None => {
                                    consider(prefixes, &mut best);
                                    set
                                }
                            },
                        });
                    }
                    None => {
                        if let Some(r) = run.take() {
                            consider(r, &mut best);
                        }
                        if let Some(set) = required(sub) {
                            consider(set, &mut best);
                        }
                    }
                }
            }
            if let Some(r) = run {
                consider(r, &mut best);
            }
            best
        }
        HirKind::Alternation(subs) => {
            let mut all = Vec::new();
            for sub in subs {
                all.extend(required(sub)?);
                if all.len() > MAX_LITERALS {
                    return None;
                }
            }
            Some(all)
        }
        _ => None,
    }
}

/// Markup that nearly every page contains: a literal made of these finds
/// every page, so it is a poor prefilter.
const COMMON: &[&str] = &[
    "<script",
    "<link",
    "<div",
    "<span",
    "<img",
    "<meta",
    "<html",
    "<body",
    "<section",
    "<title",
    "<style",
    "<input",
    "<form",
    "<iframe",
    "<a ",
    "<!--",
    "class=",
    "href=",
    "src=",
    "rel=",
    "id=",
    "type=",
    "name=",
    "content=",
    "property",
    "stylesheet",
    "text/javascript",
    "javascript",
    "application",
    "aria-label",
    "data-",
    "http://",
    "https://",
    "www.",
    ".com",
    ".js",
    ".css",
    ".min",
    "script",
    "true",
    "false",
];

/// How selective a literal is likely to be: its length without the common
/// markup in it, plus a little for the length itself to break ties.
pub fn rarity(literal: &[u8]) -> usize {
    let mut rest = String::from_utf8_lossy(literal).to_ascii_lowercase();
    for c in COMMON {
        rest = rest.replace(c, " ");
    }
    let rare = rest
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'.' | b':'))
        .count();
    rare * 4 + literal.len().min(3)
}

/// The strings `hir` matches, when they are few.
fn exact(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Empty => Some(vec![Vec::new()]),
        HirKind::Literal(lit) => Some(vec![lit.0.to_vec()]),
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Class(regex_syntax::hir::Class::Bytes(c)) => match c.ranges() {
            [r] if r.start() == r.end() => Some(vec![vec![r.start()]]),
            _ => None,
        },
        HirKind::Repetition(r) if r.min == 1 && r.max == Some(1) => exact(&r.sub),
        HirKind::Concat(subs) => subs
            .iter()
            .try_fold(vec![Vec::new()], |acc, sub| cross(&acc, &exact(sub)?)),
        HirKind::Alternation(subs) => {
            let mut all = Vec::new();
            for sub in subs {
                all.extend(exact(sub)?);
                if all.len() > MAX_LITERALS {
                    return None;
                }
            }
            Some(all)
        }
        _ => None,
    }
}

/// Every `a` followed by every `b`, unless that makes too many.
fn cross(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len() * b.len() > MAX_LITERALS {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| [x.as_slice(), y.as_slice()].concat()))
            .collect(),
    )
}

fn add_dom(db: &mut Db, name: &str, tech: u32, dom: &Value) {
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
                    value: value.to_string(),
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
