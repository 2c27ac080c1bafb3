//! The literals a pattern requires, which the crawler's prefilter searches
//! for before it runs the pattern's regex, and how far a match can reach
//! on either side of them, so the regex can run near the literal only.

use regex_syntax::hir::{Class, Hir, HirKind};

use super::super::model::Stretch;

use super::MAX_LITERALS;

/// Shortest literal a pattern's regex waits for: two bytes still keep it
/// off most pages (`\bDX\b` ran over the text of every page while `dx`
/// was too short); a pattern without one runs on every page.
const MIN_LITERAL: usize = 2;

/// A pattern's literals and the reach of its matches around them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literals {
    /// One of these (lower-cased) occurs in every match; empty when there
    /// are none worth a prefilter.
    pub set: Vec<String>,
    /// How far a match reaches before the literal, outward from it
    /// (`None`: no bound, or no literals).
    pub before: Option<Vec<Stretch>>,
    /// How far it reaches after the literal.
    pub after: Option<Vec<Stretch>>,
}

/// Bytes that end a stretch: the first that a stretch cannot contain (up
/// to three of them, the commonest in pages first) bound it.
const STOPS: &[u8] = b"><\"'\n =;";
/// Most stretches kept for one side; the rest are joined into one.
const MAX_STRETCHES: usize = 6;

/// The literals one of which every match contains, lower-cased; empty when
/// there are none worth a prefilter. Errors when the regex does not parse.
pub fn literals(regex: &str) -> Result<Vec<String>, String> {
    literals_around(regex).map(|l| l.set)
}

/// [`literals`], with how far a match can reach before and after the
/// literal it contains.
pub fn literals_around(regex: &str) -> Result<Literals, String> {
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
    let none = Literals {
        set: Vec::new(),
        before: None,
        after: None,
    };
    let Some(req) = required(&hir) else {
        return Ok(none);
    };
    if req.set.iter().any(|l| l.len() < MIN_LITERAL) {
        return Ok(none);
    }
    let mut set: Vec<String> = req
        .set
        .into_iter()
        .map(|l| String::from_utf8_lossy(&l).to_ascii_lowercase())
        .collect();
    set.sort();
    set.dedup();
    Ok(Literals {
        set,
        before: stretches(req.before),
        after: stretches(req.after),
    })
}

/// A side's parts as the crawler reads them, or `None` when one of them
/// has neither a length bound nor a byte it cannot contain.
fn stretches(side: Vec<Part>) -> Option<Vec<Stretch>> {
    // Adjacent bounded parts join (their stop bytes matter less than
    // their joint length); so does everything past the last one kept.
    let mut joined: Vec<Part> = Vec::new();
    for part in side {
        let full = joined.len() >= MAX_STRETCHES;
        match joined.last_mut() {
            Some(last) if (last.max.is_some() && part.max.is_some()) || full => {
                last.max = add(last.max, part.max);
                last.bytes.union(&part.bytes);
            }
            _ => joined.push(part),
        }
    }
    joined
        .into_iter()
        .filter(|p| p.max != Some(0))
        .map(|p| {
            let mut stops = [0u8; 3];
            for (slot, b) in stops
                .iter_mut()
                .zip(STOPS.iter().copied().filter(|&b| !p.bytes.has(b)))
            {
                *slot = b;
            }
            let max = p.max.and_then(|m| u32::try_from(m).ok());
            (max.is_some() || stops[0] != 0).then_some(Stretch { max, stops })
        })
        .collect()
}

/// The bytes a part of a regex can match.
#[derive(Clone, Default)]
pub(super) struct Bytes([u64; 4]);

impl Bytes {
    fn set(&mut self, b: u8) {
        if let Some(w) = self.0.get_mut(usize::from(b >> 6)) {
            *w |= 1 << (b & 63);
        }
    }

    fn has(&self, b: u8) -> bool {
        self.0
            .get(usize::from(b >> 6))
            .is_some_and(|w| w & (1 << (b & 63)) != 0)
    }

    fn union(&mut self, other: &Bytes) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    /// Every byte `hir` can match (in either ASCII case, as the crawler
    /// folds case).
    fn of(hir: &Hir) -> Bytes {
        let mut out = Bytes::default();
        out.add(hir);
        out
    }

    fn add(&mut self, hir: &Hir) {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(l) => {
                for &b in l.0.iter() {
                    self.set(b.to_ascii_lowercase());
                    self.set(b.to_ascii_uppercase());
                }
            }
            HirKind::Class(Class::Bytes(c)) => {
                for r in c.ranges() {
                    for b in r.start()..=r.end() {
                        self.set(b.to_ascii_lowercase());
                        self.set(b.to_ascii_uppercase());
                    }
                }
            }
            HirKind::Class(Class::Unicode(c)) => {
                // Not made with Unicode off; if it were, any non-ASCII
                // byte may occur.
                for b in 0x80..=0xFF {
                    self.set(b);
                }
                for r in c.ranges() {
                    for ch in r.start()..=r.end().min('\x7F') {
                        self.set((ch as u8).to_ascii_lowercase());
                        self.set((ch as u8).to_ascii_uppercase());
                    }
                }
            }
            HirKind::Repetition(r) => self.add(&r.sub),
            HirKind::Capture(c) => self.add(&c.sub),
            HirKind::Concat(subs) | HirKind::Alternation(subs) => {
                for s in subs {
                    self.add(s);
                }
            }
        }
    }
}

/// One part of a match beside its literal: at most `max` bytes, all of
/// them in `bytes`.
#[derive(Clone)]
pub(super) struct Part {
    max: Option<usize>,
    bytes: Bytes,
}

impl Part {
    fn of(hir: &Hir) -> Part {
        Part {
            max: hir.properties().maximum_len(),
            bytes: Bytes::of(hir),
        }
    }

    /// One part standing for a whole side.
    fn joined(side: &[Part]) -> Part {
        let mut out = Part {
            max: Some(0),
            bytes: Bytes::default(),
        };
        for p in side {
            out.max = add(out.max, p.max);
            out.bytes.union(&p.bytes);
        }
        out
    }

    /// Either of two parts.
    fn either(mut self, other: &Part) -> Part {
        self.max = self.max.zip(other.max).map(|(a, b)| a.max(b));
        self.bytes.union(&other.bytes);
        self
    }
}

/// Byte strings one of which occurs in every match, and the parts of the
/// match before and after the one it contains, outward from it.
pub(super) struct Required {
    pub set: Vec<Vec<u8>>,
    pub before: Vec<Part>,
    pub after: Vec<Part>,
}

impl Required {
    /// A set that is the whole of what its part matches.
    fn whole(set: Vec<Vec<u8>>) -> Self {
        Self {
            set,
            before: Vec::new(),
            after: Vec::new(),
        }
    }

    /// The same set, with more parts outside those it has.
    fn widened(
        mut self,
        before: impl IntoIterator<Item = Part>,
        after: impl IntoIterator<Item = Part>,
    ) -> Self {
        self.before.extend(before);
        self.after.extend(after);
        self
    }
}

fn add(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    a?.checked_add(b?)
}

/// A set of byte strings one of which occurs in every match, and the
/// reach of the match around it.
pub(super) fn required(hir: &Hir) -> Option<Required> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(Required::whole(vec![lit.0.to_vec()])),
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => {
            let inner = required(&r.sub)?;
            if r.max == Some(1) {
                return Some(inner);
            }
            // The literal lies in one round; the others may come before
            // or after it.
            let others = Part {
                max: r.max.and_then(|m| {
                    let rounds = usize::try_from(m.checked_sub(1)?).ok()?;
                    r.sub.properties().maximum_len()?.checked_mul(rounds)
                }),
                bytes: Bytes::of(&r.sub),
            };
            Some(inner.widened([others.clone()], [others]))
        }
        HirKind::Concat(subs) => {
            // Adjacent parts that match exactly a few strings join into
            // longer literals (`(?:a|b)\.com` gives `a.com`, `b.com`); the
            // set whose shortest member is longest wins. Each candidate
            // notes the parts it spans, for its reach.
            let mut best: Option<Required> = None;
            let consider = |set: Required, best: &mut Option<Required>| {
                let score = |s: &Required| s.set.iter().map(|l| rarity(l)).min().unwrap_or(0);
                if best.as_ref().is_none_or(|b| score(&set) > score(b)) {
                    *best = Some(set);
                }
            };
            // Parts `from..to` matched exactly by `set`.
            let outside = |from: usize, to: usize| {
                let before = subs.get(..from).unwrap_or_default().iter().rev();
                let after = subs.get(to..).unwrap_or_default().iter();
                (before.map(Part::of), after.map(Part::of))
            };
            let spanning = |set: Vec<Vec<u8>>, from: usize, to: usize| {
                let (before, after) = outside(from, to);
                Required::whole(set).widened(before, after)
            };
            let mut run: Option<(Vec<Vec<u8>>, usize)> = None;
            for (k, sub) in subs.iter().enumerate() {
                match exact(sub) {
                    Some(set) => {
                        run = Some(match run.take() {
                            None => (set, k),
                            Some((prefixes, from)) => match cross(&prefixes, &set) {
                                Some(joined) => (joined, from),
                                None => {
                                    consider(spanning(prefixes, from, k), &mut best);
                                    (set, k)
                                }
                            },
                        });
                    }
                    None => {
                        if let Some((r, from)) = run.take() {
                            consider(spanning(r, from, k), &mut best);
                        }
                        if let Some(inner) = required(sub) {
                            let (before, after) = outside(k, k + 1);
                            consider(inner.widened(before, after), &mut best);
                        }
                    }
                }
            }
            if let Some((r, from)) = run {
                consider(spanning(r, from, subs.len()), &mut best);
            }
            best
        }
        HirKind::Alternation(subs) => {
            // The literal of any branch, with the farthest reach of any.
            let mut set = Vec::new();
            let mut sides: Option<(Part, Part)> = None;
            for sub in subs {
                let branch = required(sub)?;
                set.extend(branch.set);
                if set.len() > MAX_LITERALS {
                    return None;
                }
                let (before, after) = (Part::joined(&branch.before), Part::joined(&branch.after));
                sides = Some(match sides {
                    None => (before, after),
                    Some((b, a)) => (b.either(&before), a.either(&after)),
                });
            }
            let (before, after) = sides?;
            Some(Required::whole(set).widened([before], [after]))
        }
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
        // A tag's end tag is as common as its start (`</title>`).
        if let Some(tag) = c.strip_prefix('<')
            && tag.starts_with(|ch: char| ch.is_ascii_alphabetic())
        {
            rest = rest.replace(&format!("</{tag}"), " ");
        }
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
        // `s?`: the part's strings, or nothing (`wss?://` is `ws://` or
        // `wss://`).
        HirKind::Repetition(r) if r.min == 0 && r.max == Some(1) => {
            let mut set = exact(&r.sub)?;
            set.push(Vec::new());
            (set.len() <= MAX_LITERALS).then_some(set)
        }
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
