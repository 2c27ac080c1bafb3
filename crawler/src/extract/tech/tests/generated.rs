//! Pages generated from every pattern's own regex: each shows its
//! technology, and the prefilters find what running every pattern finds.

use std::collections::BTreeMap;

use regex_syntax::hir::{Class, Hir, HirKind};
use url::Url;

use super::*;
use crate::extract::tech::model::{AttrOp, DomPart, Pattern, Signal};

/// A string a regex matches, with the text of each capture group.
pub(super) struct Generated {
    pub(super) text: String,
    caps: BTreeMap<u32, String>,
}

/// Builds a matching string from the regex's own syntax: the first branch
/// of alternations, one round of optional parts (so optional version
/// groups are exercised), a plain character from each class.
pub(super) fn generate(regex: &str) -> Option<Generated> {
    if regex.is_empty() {
        return Some(Generated {
            text: String::new(),
            caps: BTreeMap::new(),
        });
    }
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(regex)
        .ok()?;
    let mut out = Vec::new();
    let mut caps = BTreeMap::new();
    gen_hir(&hir, &mut out, &mut caps)?;
    Some(Generated {
        text: String::from_utf8(out).ok()?,
        caps,
    })
}

fn gen_hir(h: &Hir, out: &mut Vec<u8>, caps: &mut BTreeMap<u32, String>) -> Option<()> {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(l) => out.extend_from_slice(&l.0),
        HirKind::Class(c) => out.push(pick(c)?),
        HirKind::Repetition(r) => {
            // Optional parts appear once only when they capture (so
            // optional version groups are exercised); other optional
            // filler is left out, as a greedy match would not split it.
            if r.min == 0 && !has_capture(&r.sub) {
                return Some(());
            }
            // Version-like runs of digits and dots read as a version.
            if let HirKind::Class(c) = r.sub.kind()
                && class_has(c, b'1')
                && class_has(c, b'.')
                && !class_has(c, b'z')
                && !class_has(c, b'/')
                && r.max.is_none_or(|m| m >= 5)
            {
                out.extend_from_slice(b"4.5.6");
                return Some(());
            }
            for _ in 0..r.min.max(1) {
                gen_hir(&r.sub, out, caps)?;
            }
        }
        HirKind::Capture(c) => {
            let start = out.len();
            gen_hir(&c.sub, out, caps)?;
            caps.insert(c.index, String::from_utf8_lossy(&out[start..]).into_owned());
        }
        HirKind::Concat(subs) => {
            for s in subs {
                gen_hir(s, out, caps)?;
            }
        }
        HirKind::Alternation(subs) => gen_hir(subs.first()?, out, caps)?,
    }
    Some(())
}

fn has_capture(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Capture(_) => true,
        HirKind::Repetition(r) => has_capture(&r.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().any(has_capture),
        _ => false,
    }
}

fn class_has(c: &Class, b: u8) -> bool {
    match c {
        Class::Bytes(c) => c.ranges().iter().any(|r| r.start() <= b && b <= r.end()),
        Class::Unicode(c) => c
            .ranges()
            .iter()
            .any(|r| r.start() <= char::from(b) && char::from(b) <= r.end()),
    }
}

/// A plain character of the class: a digit, a letter, else the first
/// printable one that no page syntax reads specially.
fn pick(c: &Class) -> Option<u8> {
    // A negated class or `.`: a dot, which the literal it usually stands
    // for in a host or file name (`amazon.com`) also is.
    if class_has(c, b'.') && class_has(c, b'"') && class_has(c, b'z') {
        return Some(b'.');
    }
    for b in [b'1', b'a', b'A', b'-', b'_', b'/', b'.', b' '] {
        if class_has(c, b) {
            return Some(b);
        }
    }
    (0x21..0x7f)
        .find(|&b| class_has(c, b) && !b"<>\"'&;\\".contains(&b))
        .or_else(|| (0x21..0x7f).find(|&b| class_has(c, b)))
}

/// The version Wappalyzer would report for this template and these
/// captures (a plain re-statement of its rules, not the crate's code).
fn expected_version(template: &str, g: &Generated) -> String {
    let mut v = template.to_string();
    // Groups that took no part in the match still count (as empty).
    for i in 0..=9 {
        let m = if i == 0 {
            g.text.clone()
        } else {
            g.caps.get(&i).cloned().unwrap_or_default()
        };
        let tag = format!("\\{i}?");
        if let Some(at) = v.find(&tag) {
            let rest = v[at + tag.len()..].to_string();
            if let Some((a, b)) = rest.split_once(':').filter(|(a, _)| !a.is_empty()) {
                v = format!("{}{}", &v[..at], if m.is_empty() { b } else { a });
            }
        }
        v = v.trim().replace(&format!("\\{i}"), &m);
    }
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    if v.len() > 15 || digits.parse::<u64>().is_ok_and(|n| n >= 10_000) {
        return String::new();
    }
    v
}

fn attr(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).into_owned()
}

/// A minimal page (or header / cookie set) showing pattern `p`, or `None`
/// when the pattern's own syntax cannot be shown that way (see the test).
fn page_for(e: &Engine, p: &Pattern) -> Option<(FetchedPage, Generated)> {
    let g = generate(&p.regex)?;
    let text = g.text.clone();
    let plain = |s: &str| {
        !s.contains(['<', '>', '&', '"', '\n', '\r']) && !s.trim().is_empty() && s.trim() == s
    };
    let shell = |head: &str, body: &str| {
        format!("<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>")
    };
    let base = "https://acme.test/";
    let anchored = p.regex.starts_with('^') || p.regex.contains("$");
    let page = match p.signal {
        Signal::Html => {
            if anchored || text.contains('\0') {
                return None;
            }
            page(base, &shell("", &text), &[])
        }
        Signal::Text => {
            if anchored || !plain(&text) {
                return None;
            }
            page(base, &shell("", &format!("<p>{text}</p>")), &[])
        }
        Signal::Scripts => {
            if anchored || text.to_ascii_lowercase().contains("</script") {
                return None;
            }
            page(base, &shell(&format!("<script>{text}</script>"), ""), &[])
        }
        Signal::Css => {
            if anchored || text.to_ascii_lowercase().contains("</style") {
                return None;
            }
            page(base, &shell(&format!("<style>{text}</style>"), ""), &[])
        }
        Signal::ScriptSrc => {
            // The page must hand the pattern the URL as written: one that
            // resolving against the page would rewrite cannot be shown.
            let resolved = Url::parse(base).ok()?.join(&text).ok()?;
            if !plain(&text) || (anchored && resolved.as_str() != text) {
                return None;
            }
            if !resolved.as_str().contains(&text) {
                return None;
            }
            page(
                base,
                &shell(&format!("<script src=\"{}\"></script>", attr(&text)), ""),
                &[],
            )
        }
        Signal::Url => {
            let url = Url::parse(&text).ok()?;
            if url.as_str() != text {
                return None;
            }
            page(&text, &shell("", "<p>x</p>"), &[])
        }
        Signal::Meta => {
            if !plain(&text) && !text.is_empty() {
                return None;
            }
            page(
                base,
                &shell(
                    &format!(
                        "<meta name=\"{}\" content=\"{}\">",
                        attr(&p.key),
                        attr(&text)
                    ),
                    "",
                ),
                &[],
            )
        }
        Signal::Headers => {
            if text.contains(['\n', '\r']) {
                return None;
            }
            page(base, &shell("", "<p>x</p>"), &[(&p.key, &text)])
        }
        Signal::Cookies => {
            if text.contains([';', '\n', '\r']) || p.key.contains([';', '=', ' ']) {
                return None;
            }
            let name = if p.key == "_ga_*" {
                "_ga_ABC123".to_string()
            } else {
                p.key.clone()
            };
            page(
                base,
                &shell("", "<p>x</p>"),
                &[("set-cookie", &format!("{name}={text}; Path=/"))],
            )
        }
        Signal::Dom => {
            let test = p.dom.as_ref()?;
            let sel = e.db.selectors.get(*test.selectors.first()? as usize)?;
            let tag = sel.tag.clone().unwrap_or_else(|| "div".into());
            if matches!(
                tag.as_str(),
                "html"
                    | "head"
                    | "body"
                    | "script"
                    | "style"
                    | "title"
                    | "textarea"
                    | "noscript"
                    | "template"
                    | "iframe"
                    | "xmp"
                    | "noembed"
                    | "noframes"
                    | "plaintext"
            ) {
                return None;
            }
            let mut attrs: Vec<(String, String)> = Vec::new();
            if let Some(id) = &sel.id {
                attrs.push(("id".into(), id.clone()));
            }
            if !sel.classes.is_empty() {
                attrs.push(("class".into(), sel.classes.join(" ")));
            }
            for t in &sel.attrs {
                let tested = matches!(&test.part, DomPart::Attribute(a) if *a == t.name);
                let holds = text
                    .to_ascii_lowercase()
                    .contains(&t.value.to_ascii_lowercase());
                let value = match t.op {
                    // The generated value already satisfies the selector.
                    AttrOp::Contains if tested && holds => text.clone(),
                    AttrOp::Contains | AttrOp::Prefix if tested => format!("{}{}", t.value, text),
                    AttrOp::Suffix if tested => format!("{}{}", text, t.value),
                    AttrOp::Exists if tested => text.clone(),
                    _ => t.value.clone(),
                };
                // Two tests of one attribute (`[href*=a][href*=b]`): one
                // attribute holding both values.
                match attrs.iter_mut().find(|(n, _)| *n == t.name) {
                    Some((_, v)) => v.push_str(&value),
                    None => attrs.push((t.name.clone(), value)),
                }
            }
            let mut inner = String::from("x");
            match &test.part {
                DomPart::Exists => {}
                DomPart::Text => {
                    if !plain(&text) {
                        return None;
                    }
                    inner = text.clone();
                }
                DomPart::Attribute(a) => {
                    if !attrs.iter().any(|(n, _)| n == a) {
                        attrs.push((a.clone(), text.clone()));
                    }
                }
            }
            let attrs: String = attrs
                .iter()
                .map(|(n, v)| format!(" {n}=\"{}\"", attr(v)))
                .collect();
            page(
                base,
                &shell("", &format!("<{tag}{attrs}>{inner}</{tag}>")),
                &[],
            )
        }
        Signal::Implies => return None,
    };
    Some((page, g))
}

/// For a sample of technologies across every signal, a page built from
/// one of the technology's own patterns shows it, with that pattern's
/// version.
#[test]
fn generated_pages_show_their_technology() {
    let e = &*ENGINE;
    let mut tried: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut techs = std::collections::BTreeSet::new();
    let mut with_version = 0;
    let by_signal = stats().patterns_by_signal;
    for (i, p) in e.db.patterns.iter().enumerate() {
        let tech = &e.db.techs[p.tech as usize];
        // Technologies that need another one are tested above; of the
        // signals with many patterns, every fourth keeps the test quick.
        let many = by_signal.get(p.signal.name()).copied().unwrap_or(0) > 400;
        if !tech.requires.is_empty() || !tech.requires_category.is_empty() || (many && i % 4 != 0) {
            continue;
        }
        let Some((page, g)) = page_for(e, p) else {
            continue;
        };
        *tried.entry(p.signal.name()).or_default() += 1;
        techs.insert(tech.name.as_str());
        let want = expected_version(&p.version, &g);
        let got = detect(&page);
        match got.iter().find(|t| t.name == tech.name) {
            None => failures.push(format!(
                "{} {}:{} {:?} not detected from {:?}",
                tech.name,
                p.signal.name(),
                p.key,
                p.regex,
                g.text
            )),
            Some(t) if !want.is_empty() && t.version.as_deref() != Some(want.as_str()) => {
                failures.push(format!(
                    "{} {} version {:?}, want {want:?} from {:?}",
                    tech.name,
                    p.signal.name(),
                    t.version,
                    g.text
                ));
            }
            Some(_) => with_version += usize::from(!want.is_empty()),
        }
    }
    eprintln!(
        "tried per signal: {tried:?}; technologies: {}; with a version: {with_version}",
        techs.len()
    );
    for f in &failures {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} failures", failures.len());
    assert!(techs.len() >= 200, "{}", techs.len());
    for signal in Signal::ALL {
        assert!(
            tried.get(signal.name()).copied().unwrap_or(0) > 0,
            "{}",
            signal.name()
        );
    }
    assert!(with_version >= 50, "{with_version}");
}

/// Detection with every pattern a candidate: what the literal filters must
/// never change.
pub(super) fn detect_exhaustive(e: &Engine, page: &FetchedPage) -> Vec<Technology> {
    EXHAUSTIVE.set(true);
    let got = detect_with(e, page);
    EXHAUSTIVE.set(false);
    got
}

/// The literal filters only skip work: on the fixtures, on a page of every
/// technology's name in prose, and on pages built from many patterns at
/// once, detection finds exactly what running every pattern finds.
#[test]
fn the_filters_find_what_running_every_pattern_finds() {
    let e = &*ENGINE;
    let mut pages = Vec::new();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(fixtures).expect("fixtures") {
        let dir = dir.expect("entry").path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).expect("fixture dir") {
                files.push(f.expect("entry").path());
            }
        }
    }
    files.sort();
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "html"))
    {
        let html = std::fs::read_to_string(f).expect("fixture");
        pages.push(page(
            "https://www.harbourlanecoffee.co.uk/",
            &html,
            &[
                ("server", "nginx/1.24.0"),
                ("set-cookie", "PHPSESSID=1; path=/"),
            ],
        ));
    }
    assert!(pages.len() >= 10, "{} fixtures", pages.len());
    // Generated pages, many patterns to a page (so one pattern's literal
    // sits next to others' markup), every kind of signal.
    let mut bodies: Vec<String> = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut urls = Vec::new();
    let flush = |bodies: &mut Vec<String>,
                 headers: &mut Vec<(String, String)>,
                 pages: &mut Vec<FetchedPage>| {
        let body = bodies.join("\n");
        let hs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pages.push(page("https://acme.test/", &body, &hs));
        bodies.clear();
        headers.clear();
    };
    for (i, p) in e.db.patterns.iter().enumerate() {
        if i % 3 != 0 {
            continue;
        }
        let Some((g, _)) = page_for(e, p) else {
            continue;
        };
        if p.signal == Signal::Url {
            urls.push(g);
            continue;
        }
        bodies.push(g.body.clone());
        headers.extend(g.headers.iter().cloned());
        if bodies.len() == 150 {
            flush(&mut bodies, &mut headers, &mut pages);
        }
    }
    flush(&mut bodies, &mut headers, &mut pages);
    pages.extend(urls);
    let mut prose = String::from("<html><body><main>");
    for chunk in names().chunks(5) {
        prose.push_str("<p>We compared ");
        prose.push_str(&html_escape::encode_text(&chunk.join(", ")));
        prose.push_str(" last year.</p>\n");
    }
    pages.push(page("https://acme.test/blog", &prose, &[]));

    let mut found = 0;
    for p in &pages {
        let filtered = detect_with(e, p);
        let all = detect_exhaustive(e, p);
        assert_eq!(filtered, all, "{} ({} bytes)", p.url, p.body.len());
        found += filtered.len();
    }
    // The comparison saw real detections, not empty lists.
    assert!(
        found > 1000,
        "{found} technologies on {} pages",
        pages.len()
    );
}

/// Every selector of the database, asking for its elements' text and
/// every attribute any `dom` pattern reads.
fn every_selector(e: &Engine) -> Vec<crate::extract::tech::dom::Wanted<'_>> {
    let mut names: Vec<&str> =
        e.db.patterns
            .iter()
            .filter_map(|p| match p.dom.as_ref().map(|d| &d.part) {
                Some(DomPart::Attribute(a)) => Some(a.as_str()),
                _ => None,
            })
            .collect();
    names.sort_unstable();
    names.dedup();
    e.db.selectors
        .iter()
        .map(|selector| crate::extract::tech::dom::Wanted {
            selector,
            text: true,
            attributes: names.clone(),
        })
        .collect()
}

/// `dom` selectors and `<style>` text answered from the tokens the
/// streaming pass recorded are what a second tokenizer pass over the page
/// answers: every selector of the database, on the fixtures, on pages built
/// from every `dom` and `css` pattern, and on markup whose tokens are easy
/// to get wrong.
/// Pages for the selector tests: the fixtures, pages built from every
/// `dom` and `css` pattern (alone and forty to a page) and markup whose
/// tokens are easy to get wrong.
fn selector_pages(e: &Engine) -> Vec<String> {
    let mut bodies: Vec<String> = super::fixture_pages();
    let mut batch = Vec::new();
    for p in &e.db.patterns {
        if !matches!(p.signal, Signal::Dom | Signal::Css) {
            continue;
        }
        if let Some((g, _)) = page_for(e, p) {
            bodies.push(g.body.clone());
            batch.push(g.body);
            if batch.len() == 40 {
                bodies.push(batch.join("\n"));
                batch.clear();
            }
        }
    }
    bodies.push(batch.join("\n"));
    bodies.extend(
        [
            // Nested elements of one name, text across them, entities.
            "<div class='x'>a <div>b &amp; c</div> d</div><div>e</div>",
            // `<noscript>` and `<noframes>` are raw text; `<style>` is CSS.
            "<noscript><a href='https://x.test/' class='y'>n</a></noscript><style>.a{b:c}</style><STYLE>d{}</STYLE>",
            // SVG with CDATA and a self-closing element, MathML.
            "<svg><style>s{}</style><text><![CDATA[cd]]></text><a href='/s'/></svg><math><mi>x</mi></math>",
            // Title and textarea as RCDATA, script text, a comment.
            "<title>T &lt; U</title><textarea><b>no</b></textarea><script>var a='<div id=q>';</script><!-- <img src=x> -->",
            // Unclosed elements and stray end tags, upper case.
            "<P CLASS=z>open<SPAN>s</span></div></P><a href=/b>b",
            // A tag cut off by the end of the page.
            "<div id='k'>k</div><img src='/x.png' alt=\"cut",
            // `<plaintext>` swallows the rest.
            "<p>a</p><plaintext><div class=x>not a tag",
        ]
        .map(String::from),
    );
    bodies
}

#[test]
fn recorded_tokens_answer_selectors_as_a_second_pass_does() {
    let e = &*ENGINE;
    let wanted = every_selector(e);
    let bodies = selector_pages(e);
    let mut answered = 0;
    for body in &bodies {
        let scan = scan_html(body);
        let log = scan
            .tokens
            .as_ref()
            .expect("the streaming pass records its tokens");
        let replayed = crate::extract::tech::dom::evaluate(body, Some(log), &wanted, true);
        let tokenized = crate::extract::tech::dom::evaluate(body, None, &wanted, true);
        assert_eq!(replayed, tokenized, "{body}");
        answered += replayed.answers.iter().filter(|a| a.exists).count();
    }
    // The comparison saw selectors that matched, not only empty answers.
    assert!(answered > 500, "{answered} selectors matched");

    // A page with more tokens than are recorded is tokenized again.
    let big = "<p class=a>x</p>".repeat(40_000);
    let scan = scan_html(&big);
    let log = scan.tokens.as_ref().expect("a log");
    struct Count(usize);
    impl<'a> crate::html::tokenizer::Sink<'a> for Count {
        fn start_tag(&mut self, _: &crate::html::tokenizer::StartTag<'a>) {
            self.0 += 1;
        }
        fn end_tag(&mut self, _: &'a str) {}
        fn text(&mut self, _: &'a str, _: crate::html::tokenizer::TextKind) {}
    }
    assert!(
        !log.replay(&big, &mut Count(0)),
        "an incomplete log is not replayed"
    );
    let replayed = crate::extract::tech::dom::evaluate(&big, Some(log), &wanted, true);
    let tokenized = crate::extract::tech::dom::evaluate(&big, None, &wanted, true);
    assert_eq!(replayed, tokenized);
    // A log is never replayed over another page.
    let small = scan_html("<p class=a>x</p>");
    let mut n = Count(0);
    assert!(!small.tokens.expect("a log").replay(&big, &mut n));
    assert_eq!(n.0, 0);
}

/// The check of a selector's needle in an element's raw attributes only
/// skips elements the selector cannot match: every selector answers alike
/// with and without it, on the selector pages as written, with their dots,
/// hyphens, slashes and colons written as character references (which the
/// check must see through), and upper-cased (which folded tests and names
/// must see through); and, for selectors that read only attributes, alike
/// from just the start tags where a needle or a character reference lies.
#[test]
fn the_raw_needle_check_skips_only_elements_that_cannot_match() {
    let e = &*ENGINE;
    let wanted = every_selector(e);
    let attributes_only: Vec<_> = every_selector(e)
        .into_iter()
        .filter(|w| crate::extract::tech::dom::needle(w.selector).is_some())
        .map(|w| crate::extract::tech::dom::Wanted { text: false, ..w })
        .collect();
    let (mut answered, mut answered_by_place) = (0, 0);
    for body in selector_pages(e) {
        let encoded = body
            .replace('.', "&#46;")
            .replace('-', "&#x2D;")
            .replace('/', "&sol;")
            .replace(':', "&#58;");
        let upper = body.to_uppercase();
        for body in [body, encoded, upper] {
            let checked =
                crate::extract::tech::dom::evaluate_with(&body, None, &wanted, true, true);
            let exhaustive =
                crate::extract::tech::dom::evaluate_with(&body, None, &wanted, true, false);
            assert_eq!(checked, exhaustive, "{body}");
            answered += checked.answers.iter().filter(|a| a.exists).count();
            // Selectors that read only attributes and have a needle are
            // answered from the start tags where a needle or a `&` lies.
            let log = scan_html(&body).tokens.expect("a log");
            let by_place = crate::extract::tech::dom::evaluate_with(
                &body,
                Some(&log),
                &attributes_only,
                false,
                true,
            );
            let every_tag = crate::extract::tech::dom::evaluate_with(
                &body,
                None,
                &attributes_only,
                false,
                false,
            );
            assert_eq!(by_place, every_tag, "{body}");
            answered_by_place += by_place.answers.iter().filter(|a| a.exists).count();
        }
    }
    assert!(answered > 1500, "{answered} selectors matched");
    assert!(
        answered_by_place > 1000,
        "{answered_by_place} selectors matched by place"
    );
}
