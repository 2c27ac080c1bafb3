//! Patterns run only near their literal (`Engine::test_near`) find what
//! running them over the whole haystack finds: whether they match and the
//! first match's version, for every pattern of the vendored database that
//! has a bounded reach, on haystacks built from random matches of the
//! pattern itself, decoys of its literal, and the fixtures.

use regex_syntax::hir::{Class, Hir, HirKind};

use super::compile::{Literals, literals_around};
use super::model::{Signal, Stretch};
use super::*;

/// A small deterministic generator (xorshift64*), so a failure repeats.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// A random string the regex's syntax describes: random branches, random
/// repetition counts (optional parts present or not), random class bytes.
/// Look-arounds are left out, so it may not match; either way both
/// searches must agree on it.
fn random_match(h: &Hir, rng: &mut Rng, out: &mut Vec<u8>) {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(l) => {
            // Random case: the patterns fold it.
            for &b in l.0.iter() {
                out.push(if rng.below(2) == 0 {
                    b.to_ascii_uppercase()
                } else {
                    b
                });
            }
        }
        HirKind::Class(Class::Bytes(c)) => {
            let ranges = c.ranges();
            if let Some(r) = ranges.get(rng.below(ranges.len())) {
                let span = usize::from(r.end() - r.start()) + 1;
                out.push(r.start() + rng.below(span) as u8);
            }
        }
        HirKind::Class(Class::Unicode(c)) => {
            if let Some(ch) = c.ranges().first().map(|r| r.start()).filter(char::is_ascii) {
                out.push(ch as u8);
            }
        }
        HirKind::Repetition(r) => {
            let max = r.max.unwrap_or(r.min + 4).min(r.min + 4);
            let n = r.min + rng.below((max - r.min + 1) as usize) as u32;
            for _ in 0..n {
                random_match(&r.sub, rng, out);
            }
        }
        HirKind::Capture(c) => random_match(&c.sub, rng, out),
        HirKind::Concat(subs) => {
            for s in subs {
                random_match(s, rng, out);
            }
        }
        HirKind::Alternation(subs) => {
            if let Some(s) = subs.get(rng.below(subs.len())) {
                random_match(s, rng, out);
            }
        }
    }
}

fn parse(regex: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(regex)
        .ok()
}

/// Filler bytes: prose, markup, and pieces of the pattern's literals.
fn filler(rng: &mut Rng, lits: &[String], len: usize, out: &mut Vec<u8>) {
    const BITS: [&str; 8] = [
        " the ",
        "<div class=\"x\">",
        "</p>\n",
        "1.2.3",
        "/",
        "\"",
        "=",
        "a-b_c",
    ];
    let end = out.len() + len;
    while out.len() < end {
        match rng.below(6) {
            0 => {
                // A decoy: the literal alone, without the rest of a match.
                if let Some(l) = lits.get(rng.below(lits.len())) {
                    out.extend_from_slice(l.as_bytes());
                }
            }
            1 => {
                // Half a literal.
                if let Some(l) = lits.get(rng.below(lits.len())) {
                    out.extend_from_slice(&l.as_bytes()[..l.len() / 2]);
                }
            }
            _ => out.extend_from_slice(BITS[rng.below(BITS.len())].as_bytes()),
        }
    }
}

/// Haystacks for one pattern: matches alone, at the very start and end,
/// among decoys and filler, and many occurrences (more than the window
/// limit, so the whole-haystack path is taken too).
fn haystacks(hir: &Hir, lits: &[String], rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut m = || {
        let mut v = Vec::new();
        random_match(hir, rng, &mut v);
        v
    };
    let (a, b, c) = (m(), m(), m());
    let many: Vec<Vec<u8>> = (0..MAX_WINDOWS + 3).map(|_| m()).collect();
    let mut out = vec![a.clone(), [a.as_slice(), b"\n", b.as_slice()].concat()];
    for layout in 0..6 {
        let mut h = Vec::new();
        let pad = [0, 1, 7, 40, 300, 2000][layout];
        if layout % 2 == 0 {
            h.extend_from_slice(&a);
        }
        filler(rng, lits, pad, &mut h);
        h.extend_from_slice(&b);
        filler(rng, lits, pad, &mut h);
        h.extend_from_slice(&c);
        if layout % 3 == 0 {
            filler(rng, lits, pad, &mut h);
        }
        out.push(h);
    }
    let mut decoys = Vec::new();
    filler(rng, lits, 600, &mut decoys);
    out.push(decoys);
    let mut crowd = Vec::new();
    for x in &many {
        crowd.extend_from_slice(x);
        filler(rng, lits, 30, &mut crowd);
    }
    out.push(crowd);
    out
}

/// The analysis's reach holds for the matches themselves: in every random
/// string the regex matches as a whole, some occurrence of a literal has at
/// most `before` bytes before it and `after` after it.
fn reach_holds(l: &Literals, whole_match: &[u8]) -> bool {
    let lower = whole_match.to_ascii_lowercase();
    l.set.iter().any(|lit| {
        memchr::memmem::find_iter(&lower, lit.as_bytes()).any(|at| {
            l.before
                .as_ref()
                .is_none_or(|side| reach_back(whole_match, at, side) == 0)
                && l.after.as_ref().is_none_or(|side| {
                    reach_on(whole_match, at + lit.len(), side) >= whole_match.len()
                })
        })
    })
}

#[test]
fn windows_find_what_the_whole_haystack_finds() {
    let e = &*ENGINE;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let fixtures: Vec<String> = ["tech/home.html", "tech/about.html", "en/index.html"]
        .iter()
        .map(|f| {
            let path = format!("{}/tests/fixtures/{f}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read_to_string(&path).expect(&path)
        })
        .collect();
    let (mut windowed, mut matched, mut versions, mut patterns) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for (i, p) in e.db.patterns.iter().enumerate() {
        let i = i as u32;
        if matches!(
            p.signal,
            Signal::Meta | Signal::Headers | Signal::Cookies | Signal::Dom | Signal::Implies
        ) || p.literals.is_empty()
            || (p.before.is_none() && p.after.is_none())
        {
            continue;
        }
        let Some(hir) = parse(&p.regex) else {
            continue;
        };
        let Some(re) = e.regex(i) else { continue };
        patterns += 1;
        let mut hays = haystacks(&hir, &p.literals, &mut rng);
        hays.extend(fixtures.iter().map(|f| f.as_bytes().to_vec()));
        for hay in &hays {
            let h = Hay::new(hay);
            windowed += usize::from(e.windows(i, &h).is_some());
            let near = e.test_near(i, &h);
            let whole = e.test(i, hay);
            matched += usize::from(whole.is_some());
            versions += usize::from(whole.as_ref().is_some_and(|v| !v.is_empty()));
            if near != whole {
                failures.push(format!(
                    "{:?} (before {:?}, after {:?}) on {:?}: near {near:?}, whole {whole:?}",
                    p.regex,
                    p.before,
                    p.after,
                    String::from_utf8_lossy(hay.get(..300.min(hay.len())).unwrap_or_default()),
                ));
            }
        }
        // The reach itself, on strings the regex matches end to end.
        let lits = Literals {
            set: p.literals.clone(),
            before: e.stretches(p.before).map(<[Stretch]>::to_vec),
            after: e.stretches(p.after).map(<[Stretch]>::to_vec),
        };
        for _ in 0..4 {
            let mut m = Vec::new();
            random_match(&hir, &mut rng, &mut m);
            let whole_match = re
                .search(&Input::new(&m).anchored(regex_automata::Anchored::Yes))
                .is_some_and(|found| found.end() == m.len());
            if whole_match && !reach_holds(&lits, &m) {
                failures.push(format!(
                    "{:?}: reach {:?}/{:?} does not hold for {:?}",
                    p.regex,
                    p.before,
                    p.after,
                    String::from_utf8_lossy(&m)
                ));
            }
        }
    }
    for f in failures.iter().take(20) {
        eprintln!("{f}");
    }
    eprintln!(
        "{patterns} patterns with a bounded reach; {windowed} searches in windows, \
         {matched} matches, {versions} with a version"
    );
    assert!(failures.is_empty(), "{} differences", failures.len());
    // The comparison covered real work on both paths.
    assert!(patterns > 500, "{patterns}");
    assert!(windowed > patterns * 4, "{windowed}");
    assert!(matched > patterns * 4, "{matched}");
    assert!(versions > 300, "{versions}");
}

#[test]
fn the_reach_around_a_literal_is_bounded_where_the_regex_is() {
    let reach = |re: &str| {
        let l = literals_around(re).expect("parses");
        (l.set, l.before, l.after)
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let st = |max: Option<u32>, stops: &str| {
        let mut s = [0; 3];
        for (slot, b) in s.iter_mut().zip(stops.bytes()) {
            *slot = b;
        }
        Stretch { max, stops: s }
    };
    // The literal is the whole match.
    assert_eq!(
        reach(r"/wp-content/(?:themes|plugins)/"),
        (
            s(&["/wp-content/plugins/", "/wp-content/themes/"]),
            Some(vec![]),
            Some(vec![])
        )
    );
    // `[^>]*` has no length bound, but ends before a `>`.
    assert_eq!(
        reach(r"<script[^>]*wp-content"),
        (
            s(&["wp-content"]),
            Some(vec![st(None, ">"), st(Some(7), ">\"'")]),
            Some(vec![])
        )
    );
    assert_eq!(
        reach(r"wp-content/plugins/([a-z]{1,5})\.js"),
        (
            s(&["wp-content/plugins/"]),
            Some(vec![]),
            Some(vec![st(Some(8), "><\"")])
        )
    );
    assert_eq!(
        reach(r"ver=([\d.]+).{0,3}jquery"),
        (
            s(&["jquery"]),
            Some(vec![
                st(Some(3), "\n"),
                st(None, "><\""),
                st(Some(4), "><\"")
            ]),
            Some(vec![])
        )
    );
    // The literal in one round of a repetition: the other rounds count.
    assert_eq!(
        reach(r"x(?:abcd){1,3}y"),
        (
            s(&["abcd"]),
            Some(vec![st(Some(9), "><\"")]),
            Some(vec![st(Some(9), "><\"")])
        )
    );
    // Branches reach as far as the farthest.
    assert_eq!(
        reach(r"(?:ab?cdef|gh\d{0,4}ijkl)"),
        (
            s(&["abcdef", "acdef", "ijkl"]),
            Some(vec![st(Some(6), "><\"")]),
            Some(vec![])
        )
    );
    // Neither a bound nor a byte it cannot contain: no reach on that side.
    assert_eq!(
        reach(r"jquery(?:.|\n)*end"),
        (s(&["jquery"]), Some(vec![]), None)
    );
    // An optional part joins the literal in both forms; an end tag is
    // as common as its start tag, so a rarer literal is chosen.
    assert_eq!(reach(r"wss?://x").0, s(&["ws://x", "wss://x"]));
    assert_eq!(
        reach(r"<title>XAMPP(?: Version ([\d\.]+))?</title>").0,
        s(&["<title>xampp"])
    );
    // No literal: no reach either.
    assert_eq!(reach(r"^\d+$"), (Vec::new(), None, None));
}
