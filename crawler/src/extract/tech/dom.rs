//! Answers `dom` selectors and collects `<style>` text from the tokens the
//! crawler's streaming pass recorded (`PageScan::tokens`), replayed without
//! tokenizing the page again (a page whose tokens were not recorded is
//! tokenized). It runs only on pages where a selector's or a CSS pattern's
//! literal occurs, so most pages never take it.

use std::borrow::Cow;
use std::ops::Range;

use super::model::{AttrOp, Selector};
use crate::html::TokenLog;
use crate::html::tokenizer::{Sink, StartTag, TextKind, tokenize};

/// Most texts kept per selector (Wappalyzer stops at 50 nodes too).
const MAX_NODES: usize = 50;
/// Most bytes of one element's text, and of all `<style>` text.
const MAX_TEXT: usize = 64 * 1024;

/// One selector to answer, and which attributes' values to keep.
pub struct Wanted<'s> {
    pub selector: &'s Selector,
    pub text: bool,
    pub attributes: Vec<&'s str>,
}

/// What the page says about each wanted selector.
#[derive(Default, Debug, PartialEq)]
pub struct Answer {
    pub exists: bool,
    pub texts: Vec<String>,
    /// (attribute, value) of matching elements.
    pub attributes: Vec<(String, String)>,
}

#[derive(Debug, PartialEq)]
pub struct Facts {
    pub answers: Vec<Answer>,
    /// `<style>` contents, for `css` patterns.
    pub css: String,
}

/// Runs the selectors in `wanted` over `html`, from its recorded `tokens`
/// when they are a record of it.
pub fn evaluate(
    html: &str,
    tokens: Option<&TokenLog>,
    wanted: &[Wanted<'_>],
    want_css: bool,
) -> Facts {
    evaluate_with(html, tokens, wanted, want_css, true)
}

/// [`evaluate`], with the raw-text check of [`needle`] on or off (off only
/// in the test that compares the two).
pub(super) fn evaluate_with(
    html: &str,
    tokens: Option<&TokenLog>,
    wanted: &[Wanted<'_>],
    want_css: bool,
    raw_check: bool,
) -> Facts {
    let mut sink = DomSink {
        wanted,
        needles: wanted
            .iter()
            .map(|w| {
                raw_check
                    .then(|| needle(w.selector))
                    .flatten()
                    .map(memchr::memmem::Finder::new)
            })
            .collect(),
        answers: wanted.iter().map(|_| Answer::default()).collect(),
        candidates: Vec::with_capacity(wanted.len()),
        attrs: Vec::new(),
        open: Vec::new(),
        in_style: false,
        want_css,
        css: String::new(),
    };
    // Selectors that read only attributes, each with a needle, can match
    // only where a needle or a character reference lies in a start tag:
    // the log hands over just those tags instead of every token.
    let by_place =
        !want_css && wanted.iter().all(|w| !w.text) && sink.needles.iter().all(Option::is_some);
    let replayed = tokens.is_some_and(|log| {
        if by_place {
            let hits = needle_hits(html.as_bytes(), &sink.needles);
            log.replay_start_tags_at(html, hits, &mut sink)
        } else {
            log.replay(html, &mut sink)
        }
    });
    if !replayed {
        tokenize(html, &mut sink);
    }
    for open in sink.open.drain(..) {
        finish(&mut sink.answers, open);
    }
    Facts {
        answers: sink.answers,
        css: sink.css,
    }
}

/// Every place in `page` where a needle occurs (overlapping ones too) and
/// every `&`, as byte ranges.
fn needle_hits(page: &[u8], needles: &[Option<memchr::memmem::Finder<'_>>]) -> Vec<Range<usize>> {
    let mut hits: Vec<Range<usize>> = memchr::memchr_iter(b'&', page)
        .map(|at| at..at + 1)
        .collect();
    for (i, finder) in needles.iter().enumerate() {
        let Some(finder) = finder else { continue };
        let len = finder.needle().len();
        // Selectors of several patterns often share one.
        let earlier = needles.get(..i).unwrap_or_default();
        if earlier
            .iter()
            .flatten()
            .any(|f| f.needle() == finder.needle())
        {
            continue;
        }
        let mut from = 0;
        while let Some(at) = page.get(from..).and_then(|rest| finder.find(rest)) {
            hits.push(from + at..from + at + len);
            from += at + 1;
        }
    }
    hits
}

/// An element whose text is being collected.
struct Open {
    wanted: usize,
    tag: String,
    depth: usize,
    text: String,
}

struct DomSink<'a, 'w, 's> {
    wanted: &'w [Wanted<'s>],
    /// Per wanted selector, text its element's raw attributes must contain.
    needles: Vec<Option<memchr::memmem::Finder<'s>>>,
    /// Per wanted selector, whether the current element can match it.
    candidates: Vec<bool>,
    answers: Vec<Answer>,
    /// The element's attributes as written (name, raw value), reused from
    /// one element to the next; values are decoded only when a selector
    /// reads them.
    attrs: Vec<(&'a str, &'a str)>,
    open: Vec<Open>,
    in_style: bool,
    want_css: bool,
    css: String,
}

fn finish(answers: &mut [Answer], open: Open) {
    let text = open.text.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(a) = answers.get_mut(open.wanted)
        && !text.is_empty()
        && a.texts.len() < MAX_NODES
    {
        a.texts.push(text);
    }
}

fn decoded(v: &str) -> Cow<'_, str> {
    html_escape::decode_html_entities(v)
}

/// Whether an attribute named `name` as written is `wanted` (lower-case as
/// the selector compiler leaves it): HTML attribute names fold case.
fn is_named(name: &str, wanted: &str) -> bool {
    name.len() == wanted.len()
        && name
            .bytes()
            .zip(wanted.bytes())
            .all(|(n, w)| n.to_ascii_lowercase() == w)
}

/// The decoded value of the first attribute named `name` (as parsers keep
/// the first of a repeated attribute).
fn value<'v>(attrs: &[(&'v str, &'v str)], name: &str) -> Option<Cow<'v, str>> {
    attrs
        .iter()
        .find(|(n, _)| is_named(n, name))
        .map(|(_, v)| decoded(v))
}

/// Text that the raw attributes of every element the selector matches
/// contain, when their values hold no character reference: the longest of
/// the id, the classes and the values its tests compare exactly. Most
/// elements of a page lack it, and finding that out costs a substring
/// search instead of reading and decoding every attribute.
pub(super) fn needle(sel: &Selector) -> Option<&[u8]> {
    let exact = sel.attrs.iter().filter_map(|t| match t.op {
        // A folded test compares a lower-cased value: the raw one may
        // differ in case.
        _ if t.fold => None,
        AttrOp::Exists => None,
        AttrOp::Equals
        | AttrOp::Contains
        | AttrOp::Prefix
        | AttrOp::Suffix
        | AttrOp::Word
        | AttrOp::DashPrefix => Some(t.value.as_str()),
    });
    sel.id
        .as_deref()
        .into_iter()
        .chain(sel.classes.iter().map(String::as_str))
        .chain(exact)
        .filter(|v| !v.is_empty())
        .max_by_key(|v| v.len())
        .map(str::as_bytes)
}

/// Does the start tag match the compound selector?
fn matches(sel: &Selector, tag: &StartTag<'_>, attrs: &[(&str, &str)]) -> bool {
    if let Some(name) = &sel.tag
        && !tag.name.eq_ignore_ascii_case(name)
    {
        return false;
    }
    if let Some(id) = &sel.id
        && value(attrs, "id").as_deref() != Some(id.as_str())
    {
        return false;
    }
    if !sel.classes.is_empty() {
        let class = value(attrs, "class").unwrap_or_default();
        if !sel
            .classes
            .iter()
            .all(|c| class.split_ascii_whitespace().any(|x| x == c))
        {
            return false;
        }
    }
    sel.attrs.iter().all(|t| {
        let Some(v) = value(attrs, &t.name) else {
            return false;
        };
        let v = v.as_ref();
        // `value` is lower-case already when the selector folds case.
        let folded;
        let v = if t.fold {
            folded = v.to_ascii_lowercase();
            folded.as_str()
        } else {
            v
        };
        let want = t.value.as_str();
        match t.op {
            AttrOp::Exists => true,
            AttrOp::Equals => v == want,
            AttrOp::Contains => !want.is_empty() && v.contains(want),
            AttrOp::Prefix => !want.is_empty() && v.starts_with(want),
            AttrOp::Suffix => !want.is_empty() && v.ends_with(want),
            AttrOp::Word => v.split_ascii_whitespace().any(|w| w == want),
            AttrOp::DashPrefix => {
                v == want || v.strip_prefix(want).is_some_and(|r| r.starts_with('-'))
            }
        }
    })
}

impl<'a> Sink<'a> for DomSink<'a, '_, '_> {
    fn start_tag(&mut self, tag: &StartTag<'a>) {
        if tag.name.eq_ignore_ascii_case("style") {
            self.in_style = true;
        }
        for open in &mut self.open {
            if tag.name.eq_ignore_ascii_case(&open.tag) && !tag.self_closing {
                open.depth += 1;
            }
        }
        // Attributes are read only for elements some selector can match:
        // of the right name, and holding the selector's needle (or a
        // character reference, which could spell it).
        // Each selector's test once per element, kept for the loop below.
        let raw = tag.raw_attributes().as_bytes();
        let encoded = memchr::memchr(b'&', raw).is_some();
        self.candidates.clear();
        self.candidates
            .extend(self.wanted.iter().zip(&self.needles).map(|(w, needle)| {
                w.selector
                    .tag
                    .as_deref()
                    .is_none_or(|t| tag.name.eq_ignore_ascii_case(t))
                    && (encoded || needle.as_ref().is_none_or(|n| n.find(raw).is_some()))
            }));
        if !self.candidates.contains(&true) {
            return;
        }
        self.attrs.clear();
        self.attrs
            .extend(tag.attributes().map(|(n, v)| (n, v.unwrap_or_default())));
        for (i, w) in self.wanted.iter().enumerate() {
            if self.candidates.get(i) != Some(&true) || !matches(w.selector, tag, &self.attrs) {
                continue;
            }
            let Some(answer) = self.answers.get_mut(i) else {
                continue;
            };
            answer.exists = true;
            for want in &w.attributes {
                if answer.attributes.len() < MAX_NODES
                    && let Some(v) = value(&self.attrs, want)
                {
                    answer
                        .attributes
                        .push(((*want).to_string(), v.into_owned()));
                }
            }
            if w.text && !tag.self_closing {
                self.open.push(Open {
                    wanted: i,
                    tag: tag.name.to_ascii_lowercase(),
                    depth: 1,
                    text: String::new(),
                });
            }
        }
    }

    fn end_tag(&mut self, name: &'a str) {
        if name.eq_ignore_ascii_case("style") {
            self.in_style = false;
        }
        let mut i = 0;
        while i < self.open.len() {
            let Some(open) = self.open.get_mut(i) else {
                break;
            };
            if name.eq_ignore_ascii_case(&open.tag) {
                open.depth -= 1;
                if open.depth == 0 {
                    let open = self.open.remove(i);
                    finish(&mut self.answers, open);
                    continue;
                }
            }
            i += 1;
        }
    }

    fn text(&mut self, text: &'a str, kind: TextKind) {
        match kind {
            TextKind::Data | TextKind::RcData | TextKind::CData if !self.open.is_empty() => {
                let text = decoded(text);
                for open in &mut self.open {
                    if open.text.len() < MAX_TEXT {
                        open.text.push_str(&text);
                    }
                }
            }
            TextKind::RawText
                if self.in_style && self.want_css && self.css.len() < MAX_TEXT * 4 =>
            {
                self.css.push_str(text);
                self.css.push('\n');
            }
            _ => {}
        }
    }
}
