//! The literals a pattern requires, which the crawler's prefilter searches
//! for before it runs the pattern's regex.

use regex_syntax::hir::{Hir, HirKind};

use super::{MAX_LITERALS, MIN_LITERAL};

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
pub(super) fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
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
        HirKind::Alternation(subs) => union(subs, required),
        _ => None,
    }
}

/// Markup that nearly every page contains: a literal made of these finds
/// every page, so it is a poor prefilter.
pub(super) const COMMON: &[&str] = &[
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
pub(super) fn exact(hir: &Hir) -> Option<Vec<Vec<u8>>> {
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
        HirKind::Alternation(subs) => union(subs, exact),
        _ => None,
    }
}

/// The literals of every branch (`of` each), unless that makes too many.
fn union(subs: &[Hir], of: fn(&Hir) -> Option<Vec<Vec<u8>>>) -> Option<Vec<Vec<u8>>> {
    let mut all = Vec::new();
    for sub in subs {
        all.extend(of(sub)?);
        if all.len() > MAX_LITERALS {
            return None;
        }
    }
    Some(all)
}

/// Every `a` followed by every `b`, unless that makes too many.
pub(super) fn cross(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len() * b.len() > MAX_LITERALS {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| b.iter().map(move |y| [x.as_slice(), y.as_slice()].concat()))
            .collect(),
    )
}
