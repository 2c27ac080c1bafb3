//! An HTML tokenizer for reading pages, not rewriting them: start tags with
//! their raw attributes, end tags and raw text, handed to a [`Sink`] as
//! slices of the page.
//!
//! It follows the WHATWG tokenizer where reading a page depends on it:
//! attribute quoting (a `>` inside a quoted value does not end the tag),
//! comments, CDATA in SVG and MathML, and the text states the tree builder
//! switches to (`<title>` and `<textarea>` as RCDATA; `<style>`, `<iframe>`,
//! `<xmp>`, `<noembed>`, `<noframes>`, `<noscript>` as raw text; `<script>`
//! with its escaped forms; `<plaintext>`). The switches are simulated with a
//! namespace stack rather than a tree, the way `lol_html` does it. Errors
//! are recovered from as the standard says, except that a tag cut off by the
//! end of the page is dropped with everything after it.
//!
//! It exists because a crawl runs it on every page: `lol_html`'s rewriting
//! machinery (selector matching, token objects, output serialisation) cost
//! more than half of the streaming pass, which itself was the largest share
//! of a crawl's CPU time.

use memchr::{memchr, memmem};

/// What kind of text a [`Sink::text`] slice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// Ordinary content; character references still encoded.
    Data,
    /// `<title>` and `<textarea>` content; character references still encoded.
    RcData,
    /// `<script>` content, verbatim.
    Script,
    /// `<style>` and the other raw-text elements, verbatim.
    RawText,
    /// Everything after `<plaintext>`.
    PlainText,
    /// A `<![CDATA[...]]>` section in SVG or MathML.
    CData,
}

/// A start tag: its name and attributes as written in the page.
pub struct StartTag<'a> {
    /// The name as written (not lower-cased).
    pub name: &'a str,
    /// Between the name and the closing `>` (or `/>`).
    attributes: &'a str,
    pub self_closing: bool,
    /// Whether the element is in SVG or MathML content.
    pub foreign: bool,
    /// The attributes as the tokenizer read them while finding the tag's
    /// end, so that sinks do not read them a second time.
    spans: Spans,
}

/// How many attributes a tag carries as read; a tag with more (rare) is
/// read again when asked, which keeps a start tag small.
const SPANS: usize = 8;

/// `Span::value.0` of an attribute without a value.
const NO_VALUE: u32 = u32::MAX;

/// One attribute's byte ranges within [`StartTag::attributes`].
#[derive(Clone, Copy, Default)]
struct Span {
    name: (u32, u32),
    value: (u32, u32),
}

/// A tag's attributes as read by [`tag_end`]; `len` is `None` when they
/// were not all recorded (too many, or a tag replayed from a record).
#[derive(Clone, Copy, Default)]
struct Spans {
    list: [Span; SPANS],
    len: Option<u8>,
}

impl Spans {
    /// Records `attr`, read at `base` + its ranges; gives up (for good)
    /// once the list is full. Only used on pages shorter than `NO_VALUE`,
    /// so that every offset fits.
    fn push(&mut self, attr: &Attr, base: usize) {
        let Some(len) = self.len else {
            return;
        };
        let Some(slot) = self.list.get_mut(usize::from(len)) else {
            self.len = None;
            return;
        };
        let off = |i: usize| (i - base) as u32;
        slot.name = (off(attr.name.0), off(attr.name.1));
        slot.value = attr
            .value
            .map_or((NO_VALUE, NO_VALUE), |(from, to)| (off(from), off(to)));
        self.len = Some(len + 1);
    }

    /// The attributes recorded, when they all were.
    fn recorded(&self) -> Option<&[Span]> {
        self.list.get(..usize::from(self.len?))
    }
}

impl Span {
    /// The attribute's name and value within `src`; `None` when the name
    /// is no slice of it (never seen), which ends the attributes.
    #[inline]
    fn read<'a>(&self, src: &'a str) -> Option<(&'a str, Option<&'a str>)> {
        let range = |(from, to): (u32, u32)| src.get(from as usize..to as usize);
        let value = if self.value.0 == NO_VALUE {
            None
        } else {
            range(self.value)
        };
        Some((range(self.name)?, value))
    }
}

impl<'a> StartTag<'a> {
    /// A tag as the tokenizer read it, from its name and the raw text
    /// between the name and the closing `>` (for replaying a recorded page).
    pub(crate) fn from_raw(
        name: &'a str,
        attributes: &'a str,
        self_closing: bool,
        foreign: bool,
    ) -> Self {
        Self {
            name,
            attributes,
            self_closing,
            foreign,
            spans: Spans::default(),
        }
    }

    /// The raw text between the name and the closing `>`.
    pub(crate) fn raw_attributes(&self) -> &'a str {
        self.attributes
    }

    /// `(name, value)` pairs as written: names not lower-cased, values
    /// without their quotes and with character references still encoded.
    pub fn attributes(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + '_ {
        Attributes {
            src: self.attributes,
            spans: self.spans.recorded().map(<[Span]>::iter),
            at: 0,
        }
    }
    /// [`attributes`](Self::attributes) handed to `f` one at a time, names
    /// as bytes: for the streaming pass, which reads the attributes of every
    /// tag and matches their names against ASCII ones, without an
    /// iterator's state between them.
    #[inline]
    pub(crate) fn for_each_attribute(&self, mut f: impl FnMut(&'a [u8], Option<&'a str>)) {
        let Some(spans) = self.spans.recorded() else {
            for (name, value) in self.attributes() {
                f(name.as_bytes(), value);
            }
            return;
        };
        for span in spans {
            let Some((name, value)) = span.read(self.attributes) else {
                return;
            };
            f(name.as_bytes(), value);
        }
    }
}

/// The iterator of [`StartTag::attributes`]: over the recorded attributes,
/// or reading them from the raw text when there are none.
struct Attributes<'a, 't> {
    src: &'a str,
    spans: Option<std::slice::Iter<'t, Span>>,
    /// Where reading the raw text goes on.
    at: usize,
}

impl<'a> Iterator for Attributes<'a, '_> {
    type Item = (&'a str, Option<&'a str>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let src = self.src;
        match &mut self.spans {
            Some(spans) => spans.next()?.read(src),
            None => {
                let (attr, next) = next_attribute(src.as_bytes(), self.at)?;
                self.at = next;
                let name = src.get(attr.name.0..attr.name.1)?;
                let value = attr.value.and_then(|(s, e)| src.get(s..e));
                Some((name, value))
            }
        }
    }
}

/// Receives the tokens of a page in order.
pub trait Sink<'a> {
    fn start_tag(&mut self, tag: &StartTag<'a>);
    /// An end tag's name as written.
    fn end_tag(&mut self, name: &'a str);
    /// A run of text, never empty. Text between two tags can come in more
    /// than one run (around a comment, for instance).
    fn text(&mut self, text: &'a str, kind: TextKind);
}

/// Where `needle` first occurs in `hay`, as `memchr` finds it. The first
/// sixteen bytes are looked at here, eight at a time, and only the rest is
/// handed to `memchr`: most searches on a page (the next `<` after a tag,
/// the end of a quoted value, an `&` in a short text) end within them, and
/// a call into `memchr` costs more than such a search.
#[inline]
pub(super) fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(needle);
    for at in [0, 8] {
        let Some(eight) = hay.get(at..).and_then(|r| r.first_chunk::<8>()) else {
            let rest = hay.get(at..).unwrap_or_default();
            return rest.iter().position(|&b| b == needle).map(|i| at + i);
        };
        let x = u64::from_le_bytes(*eight) ^ pattern;
        // Zero bytes of `x`: the lowest one flagged is exact (a borrow only
        // reaches the bytes above it).
        let zero = x.wrapping_sub(ONES) & !x & HIGH;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
    }
    memchr(needle, hay.get(16..)?).map(|i| 16 + i)
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

/// One attribute: byte ranges of its name and value.
struct Attr {
    name: (usize, usize),
    value: Option<(usize, usize)>,
}

/// The next attribute in `s` from `at` and where reading goes on after it;
/// `None` when the attributes are over (the tag's end or the end of `s`).
fn next_attribute(s: &[u8], mut at: usize) -> Option<(Attr, usize)> {
    // Before attribute name: spaces and stray slashes are skipped.
    while let Some(&b) = s.get(at) {
        if is_space(b) || b == b'/' {
            at += 1;
        } else if b == b'>' {
            return None;
        } else {
            break;
        }
    }
    s.get(at)?;
    // The name: a leading '=' belongs to it.
    let start = at;
    at += 1;
    while let Some(&b) = s.get(at) {
        if is_space(b) || matches!(b, b'/' | b'>' | b'=') {
            break;
        }
        at += 1;
    }
    let name = (start, at);
    while s.get(at).is_some_and(|&b| is_space(b)) {
        at += 1;
    }
    if s.get(at) != Some(&b'=') {
        return Some((Attr { name, value: None }, at));
    }
    at += 1;
    while s.get(at).is_some_and(|&b| is_space(b)) {
        at += 1;
    }
    let value = match s.get(at) {
        Some(&q @ (b'"' | b'\'')) => {
            let from = at + 1;
            let end = find_byte(q, s.get(from..)?).map_or(s.len(), |i| from + i);
            at = (end + 1).min(s.len());
            Some((from, end))
        }
        // `a=>`: an empty value, and the tag ends.
        Some(b'>') | None => Some((at, at)),
        Some(_) => {
            let from = at;
            while let Some(&b) = s.get(at) {
                if is_space(b) || b == b'>' {
                    break;
                }
                at += 1;
            }
            Some((from, at))
        }
    };
    Some((Attr { name, value }, at))
}

/// Where a tag name that starts at `from` ends: at a space, '/' or '>'.
fn name_end(s: &[u8], from: usize) -> usize {
    let mut at = from;
    while s
        .get(at)
        .is_some_and(|&b| !(is_space(b) || b == b'/' || b == b'>'))
    {
        at += 1;
    }
    at
}

/// From just after a tag's name: where its attributes end, whether it is
/// self-closing and where the text after it starts. `None` when the page
/// ends inside the tag. The attributes read on the way go to `spans`.
fn tag_end(s: &[u8], mut at: usize, spans: &mut Spans) -> Option<(usize, bool, usize)> {
    let base = at;
    // A '/' right before the '>' marks a self-closing tag; one that ends an
    // unquoted value (`href=/>`) is part of the value.
    let mut slash = false;
    loop {
        match *s.get(at)? {
            b'>' => return Some((at, slash, at + 1)),
            b'/' => {
                slash = true;
                at += 1;
            }
            b if is_space(b) => {
                slash = false;
                at += 1;
            }
            _ => {
                slash = false;
                let (attr, next) = next_attribute(s, at)?;
                // An attribute running to the end of the page (an open quote).
                if next >= s.len() {
                    return None;
                }
                spans.push(&attr, base);
                at = next;
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ns {
    Html,
    Svg,
    MathMl,
}

/// The text state a start tag switches to.
enum Switch {
    None,
    RcData,
    RawText,
    Script,
    PlainText,
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| eq(name, n))
}

fn text_switch(name: &str) -> Switch {
    if one_of(name, &["title", "textarea"]) {
        Switch::RcData
    } else if eq(name, "script") {
        Switch::Script
    } else if one_of(
        name,
        &["style", "iframe", "xmp", "noembed", "noframes", "noscript"],
    ) {
        Switch::RawText
    } else if eq(name, "plaintext") {
        Switch::PlainText
    } else {
        Switch::None
    }
}

/// HTML start tags that end SVG or MathML content.
const LEAVES_FOREIGN: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];
const MATHML_TEXT_POINTS: &[&str] = &["mi", "mo", "mn", "ms", "mtext"];
const SVG_HTML_POINTS: &[&str] = &["desc", "title", "foreignobject"];

/// The namespace stack that decides the text states (see the module docs).
struct Namespaces {
    stack: Vec<Ns>,
}

impl Namespaces {
    fn current(&self) -> Ns {
        self.stack.last().copied().unwrap_or(Ns::Html)
    }

    fn leave(&mut self) {
        if self.stack.len() > 1 {
            self.stack.pop();
        }
    }

    /// Updates the namespace for a start tag; the element's own namespace
    /// (foreign or not) and the text state it switches to.
    fn start(&mut self, tag: &StartTag<'_>) -> (bool, Switch) {
        let name = tag.name;
        if eq(name, "svg") || eq(name, "math") {
            if !tag.self_closing {
                self.stack
                    .push(if eq(name, "svg") { Ns::Svg } else { Ns::MathMl });
            }
            return (true, Switch::None);
        }
        match self.current() {
            Ns::Html => (false, text_switch(name)),
            ns => {
                if one_of(name, LEAVES_FOREIGN) {
                    self.leave();
                    return (self.current() != Ns::Html, Switch::None);
                }
                let enters_html = !tag.self_closing
                    && match ns {
                        Ns::Svg => one_of(name, SVG_HTML_POINTS),
                        _ => {
                            one_of(name, MATHML_TEXT_POINTS)
                                || (eq(name, "annotation-xml")
                                    && tag.attributes().any(|(n, v)| {
                                        eq(n, "encoding")
                                            && v.is_some_and(|v| {
                                                eq(v, "text/html") || eq(v, "application/xhtml+xml")
                                            })
                                    }))
                        }
                    };
                if enters_html {
                    self.stack.push(Ns::Html);
                } else if eq(name, "font")
                    && tag
                        .attributes()
                        .any(|(n, _)| one_of(n, &["color", "size", "face"]))
                {
                    self.leave();
                    return (self.current() != Ns::Html, Switch::None);
                }
                (true, Switch::None)
            }
        }
    }

    fn end(&mut self, name: &str) {
        match self.current() {
            Ns::Html => {
                let len = self.stack.len();
                if len < 2 {
                    return;
                }
                let leaves = match self.stack[len - 2] {
                    Ns::MathMl => one_of(name, MATHML_TEXT_POINTS) || eq(name, "annotation-xml"),
                    Ns::Svg => one_of(name, SVG_HTML_POINTS),
                    Ns::Html => false,
                };
                if leaves {
                    self.leave();
                }
            }
            ns => {
                if (ns == Ns::Svg && eq(name, "svg"))
                    || (ns == Ns::MathMl && eq(name, "math"))
                    || one_of(name, &["p", "br"])
                {
                    self.leave();
                }
            }
        }
    }
}

/// Where `</name` followed by a space, '/' or '>' starts in `s` from `from`
/// (the end tag that closes raw text, script or RCDATA content).
fn find_end_tag(s: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(i) = memmem::find(s.get(at..)?, b"</") {
        let start = at + i;
        let name_at = start + 2;
        let matches = s
            .get(name_at..name_at + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name));
        if matches
            && s.get(name_at + name.len())
                .is_some_and(|&b| is_space(b) || b == b'/' || b == b'>')
        {
            return Some(start);
        }
        at = start + 2;
    }
    None
}

/// Whether `s[at..]` starts with `<script` or `</script` (by `prefix`) and a
/// space, '/' or '>'.
fn script_tag_at(s: &[u8], at: usize, prefix: &[u8]) -> bool {
    let name_at = at + prefix.len();
    s.get(at..name_at) == Some(prefix)
        && s.get(name_at..name_at + 6)
            .is_some_and(|n| n.eq_ignore_ascii_case(b"script"))
        && s.get(name_at + 6)
            .is_some_and(|&b| is_space(b) || b == b'/' || b == b'>')
}

/// Where a script's content ends: its `</script>`, skipping ones inside a
/// `<!-- <script> ... </script> -->` escape as the standard does.
fn find_script_end(s: &[u8], from: usize) -> Option<usize> {
    #[derive(PartialEq)]
    enum Escape {
        None,
        Escaped,
        Double,
    }
    let mut state = Escape::None;
    let mut at = from;
    loop {
        // Without another '<' nothing can end the script.
        let i = at + memchr(b'<', s.get(at..)?)?;
        // "-->" between `at` and this '<' leaves an escape.
        if state != Escape::None
            && let Some(d) = memmem::find(&s[at..i], b"-->")
        {
            state = Escape::None;
            at += d + 3;
            continue;
        }
        match state {
            Escape::None => {
                if script_tag_at(s, i, b"</") {
                    return Some(i);
                }
                if s.get(i..i + 4) == Some(b"<!--") {
                    // "<!-->" and "<!--->" close at once.
                    let rest = s.get(i + 4..).unwrap_or_default();
                    if rest.starts_with(b">") || rest.starts_with(b"->") {
                        at = i + 4;
                        continue;
                    }
                    state = Escape::Escaped;
                    at = i + 4;
                    continue;
                }
            }
            Escape::Escaped => {
                if script_tag_at(s, i, b"</") {
                    return Some(i);
                }
                if script_tag_at(s, i, b"<") {
                    state = Escape::Double;
                }
            }
            Escape::Double => {
                if script_tag_at(s, i, b"</") {
                    state = Escape::Escaped;
                }
            }
        }
        at = i + 1;
    }
}

/// The end of a comment whose text starts at `from` (just after `<!--`):
/// the index after its closing `-->` or `--!>`, or the page's end. Looks no
/// further than the first close, so many comments on a page cost one pass.
fn comment_end(s: &[u8], from: usize) -> usize {
    let rest = s.get(from..).unwrap_or_default();
    if rest.starts_with(b">") {
        return from + 1;
    }
    if rest.starts_with(b"->") {
        return from + 2;
    }
    let mut at = from;
    while let Some(i) = s.get(at..).and_then(|r| memmem::find(r, b"--")) {
        let dashes = at + i;
        match s.get(dashes + 2) {
            Some(b'>') => return dashes + 3,
            Some(b'!') if s.get(dashes + 3) == Some(&b'>') => return dashes + 4,
            _ => at = dashes + 1,
        }
    }
    s.len()
}

/// The index after the next '>' from `from`, or the page's end.
fn bogus_comment_end(s: &[u8], from: usize) -> usize {
    s.get(from..)
        .and_then(|r| memchr(b'>', r))
        .map_or(s.len(), |i| from + i + 1)
}

/// Hands `html[from..to]` to the sink unless it is empty.
fn emit<'a>(html: &'a str, sink: &mut impl Sink<'a>, from: usize, to: usize, kind: TextKind) {
    if from < to
        && let Some(t) = html.get(from..to)
    {
        sink.text(t, kind);
    }
}

/// Reads `html` and hands its tokens to `sink`.
pub fn tokenize<'a>(html: &'a str, sink: &mut impl Sink<'a>) {
    let s = html.as_bytes();
    let mut ns = Namespaces {
        stack: vec![Ns::Html],
    };
    // Attribute offsets are kept as `u32`: on a (never seen) page longer
    // than that, sinks read the attributes again instead.
    let record = (s.len() < NO_VALUE as usize).then_some(0);
    // Start of the text not yet handed out, and where to look for '<'.
    let mut text_from = 0;
    let mut at = 0;
    while let Some(i) = s.get(at..).and_then(|r| find_byte(b'<', r)).map(|i| at + i) {
        let next = s.get(i + 1).copied();
        match next {
            Some(b) if b.is_ascii_alphabetic() => {
                let name_from = i + 1;
                let name_to = name_end(s, name_from);
                emit(html, sink, text_from, i, TextKind::Data);
                let mut tag = StartTag {
                    name: html.get(name_from..name_to).unwrap_or_default(),
                    attributes: "",
                    self_closing: false,
                    foreign: false,
                    spans: Spans {
                        len: record,
                        ..Spans::default()
                    },
                };
                let Some((attrs_to, self_closing, after)) = tag_end(s, name_to, &mut tag.spans)
                else {
                    // Cut off inside the tag: the tag and the rest are lost.
                    return;
                };
                tag.attributes = html.get(name_to..attrs_to).unwrap_or_default();
                tag.self_closing = self_closing;
                let (foreign, switch) = ns.start(&tag);
                tag.foreign = foreign;
                sink.start_tag(&tag);
                let content = after;
                let (kind, end) = match switch {
                    Switch::None => {
                        text_from = after;
                        at = after;
                        continue;
                    }
                    Switch::PlainText => {
                        emit(html, sink, content, s.len(), TextKind::PlainText);
                        return;
                    }
                    Switch::Script => (TextKind::Script, find_script_end(s, content)),
                    Switch::RcData => (
                        TextKind::RcData,
                        find_end_tag(s, content, tag.name.as_bytes()),
                    ),
                    Switch::RawText => (
                        TextKind::RawText,
                        find_end_tag(s, content, tag.name.as_bytes()),
                    ),
                };
                match end {
                    Some(end) => {
                        emit(html, sink, content, end, kind);
                        // The end tag itself is read by the loop.
                        text_from = end;
                        at = end;
                    }
                    None => {
                        emit(html, sink, content, s.len(), kind);
                        return;
                    }
                }
            }
            Some(b'/') => match s.get(i + 2).copied() {
                Some(b) if b.is_ascii_alphabetic() => {
                    let name_from = i + 2;
                    let name_to = name_end(s, name_from);
                    emit(html, sink, text_from, i, TextKind::Data);
                    // An end tag's attributes are not kept.
                    let Some((_, _, after)) = tag_end(s, name_to, &mut Spans::default()) else {
                        return;
                    };
                    let name = html.get(name_from..name_to).unwrap_or_default();
                    ns.end(name);
                    sink.end_tag(name);
                    text_from = after;
                    at = after;
                }
                Some(b'>') => {
                    emit(html, sink, text_from, i, TextKind::Data);
                    text_from = i + 3;
                    at = i + 3;
                }
                None => break,
                Some(_) => {
                    emit(html, sink, text_from, i, TextKind::Data);
                    let end = bogus_comment_end(s, i + 2);
                    text_from = end;
                    at = end;
                }
            },
            Some(b'!') => {
                emit(html, sink, text_from, i, TextKind::Data);
                let end = if s.get(i + 2..i + 4) == Some(b"--") {
                    comment_end(s, i + 4)
                } else if ns.current() != Ns::Html && s.get(i + 2..i + 9) == Some(b"[CDATA[") {
                    let from = i + 9;
                    match s.get(from..).and_then(|r| memmem::find(r, b"]]>")) {
                        Some(len) => {
                            emit(html, sink, from, from + len, TextKind::CData);
                            from + len + 3
                        }
                        None => {
                            emit(html, sink, from, s.len(), TextKind::CData);
                            s.len()
                        }
                    }
                } else {
                    bogus_comment_end(s, i + 2)
                };
                text_from = end;
                at = end;
            }
            Some(b'?') => {
                emit(html, sink, text_from, i, TextKind::Data);
                let end = bogus_comment_end(s, i + 2);
                text_from = end;
                at = end;
            }
            // A '<' that starts no tag is text.
            _ => at = i + 1,
        }
    }
    emit(html, sink, text_from, s.len(), TextKind::Data);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens as short strings: `<a href="x" />`, `</a>`, `data:"…"`.
    /// Adjacent runs of one kind of text read as one, like a text node.
    #[derive(Default)]
    struct Record {
        out: Vec<String>,
        text: Option<(TextKind, String)>,
    }

    impl Record {
        fn flush(&mut self) {
            if let Some((kind, text)) = self.text.take() {
                let kind = format!("{kind:?}").to_lowercase();
                self.out.push(format!("{kind}:{text:?}"));
            }
        }
    }

    impl<'a> Sink<'a> for Record {
        fn start_tag(&mut self, tag: &StartTag<'a>) {
            self.flush();
            let mut s = format!("<{}", tag.name);
            for (n, v) in tag.attributes() {
                match v {
                    Some(v) => s.push_str(&format!(" {n}={v:?}")),
                    None => s.push_str(&format!(" {n}")),
                }
            }
            if tag.self_closing {
                s.push_str(" /");
            }
            if tag.foreign {
                s.push_str(" foreign");
            }
            s.push('>');
            self.out.push(s);
        }
        fn end_tag(&mut self, name: &'a str) {
            self.flush();
            self.out.push(format!("</{name}>"));
        }
        fn text(&mut self, text: &'a str, kind: TextKind) {
            assert!(!text.is_empty());
            match &mut self.text {
                Some((k, buf)) if *k == kind => buf.push_str(text),
                _ => {
                    self.flush();
                    self.text = Some((kind, text.to_string()));
                }
            }
        }
    }

    fn tokens(html: &str) -> Vec<String> {
        let mut r = Record::default();
        tokenize(html, &mut r);
        r.flush();
        r.out
    }

    #[test]
    fn find_byte_finds_what_memchr_finds() {
        let mut rng = crate::testgen::Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = move |n: usize| rng.below(n);
        // Few byte values, so that the needle turns up anywhere, next to
        // values one apart from it (borrows) and to bytes above 0x80.
        let alphabet = [
            b'<', b'&', b'"', b';', b'=', b'a', 0x00, 0x01, 0x7f, 0x80, 0xff, 0xbb,
        ];
        for _ in 0..50_000 {
            let hay: Vec<u8> = (0..next(40))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let needle = alphabet[next(alphabet.len())];
            assert_eq!(
                find_byte(needle, &hay),
                memchr(needle, &hay),
                "{needle:#x} in {hay:x?}"
            );
        }
    }

    #[test]
    fn tags_and_attributes() {
        assert_eq!(
            tokens(r#"<A HREF="/x?a=1&amp;b=2" data-x='>' checked id=main>go</A>"#),
            vec![
                r#"<A HREF="/x?a=1&amp;b=2" data-x=">" checked id="main">"#,
                r#"data:"go""#,
                "</A>",
            ]
        );
        // Missing and empty values, a stray quote in a name, slashes.
        assert_eq!(
            tokens(r#"<img src= alt="" a=>x<br/><br /><p/ class=c>"#),
            vec![
                r#"<img src="alt=\"\"" a="">"#,
                r#"data:"x""#,
                "<br />",
                "<br />",
                r#"<p class="c">"#,
            ]
        );
        // A '/' ending an unquoted value is part of it, not self-closing.
        assert_eq!(tokens("<a href=/x/>"), vec![r#"<a href="/x/">"#]);
        assert_eq!(tokens(r#"<a href="/x"/>"#), vec![r#"<a href="/x" />"#]);
        // A quoted '>' and quotes inside values.
        assert_eq!(
            tokens(r#"<meta content="a > b" name='it"s'>"#),
            vec![r#"<meta content="a > b" name="it\"s">"#]
        );
    }

    #[test]
    fn text_that_starts_no_tag() {
        assert_eq!(
            tokens("1 < 2 <3 <> </> x</ y>z"),
            vec![r#"data:"1 < 2 <3 <>  xz""#]
        );
    }

    #[test]
    fn comments_and_declarations() {
        assert_eq!(
            tokens("a<!-- <p>hidden</p> -->b<!---->c<!-->d<!--->e<!-- x --!>f"),
            vec![r#"data:"abcdef""#]
        );
        assert_eq!(
            tokens("<!DOCTYPE html><?xml version='1.0'?>x<!-- open"),
            vec![r#"data:"x""#]
        );
        // CDATA is a bogus comment (to the first '>') in HTML, text in SVG.
        assert_eq!(tokens("<![CDATA[x>]]>y"), vec![r#"data:"]]>y""#]);
        assert_eq!(
            tokens("<svg><![CDATA[a<b]]></svg>"),
            vec!["<svg foreign>", r#"cdata:"a<b""#, "</svg>"]
        );
    }

    #[test]
    fn text_states() {
        assert_eq!(
            tokens("<title>A <b>&amp; B</title ><p>"),
            vec!["<title>", r#"rcdata:"A <b>&amp; B""#, "</title>", "<p>"]
        );
        assert_eq!(
            tokens("<STYLE>a</styles> b</Style>c"),
            vec![
                "<STYLE>",
                r#"rawtext:"a</styles> b""#,
                "</Style>",
                r#"data:"c""#
            ]
        );
        assert_eq!(
            tokens("<noscript><a href=x>y</a></noscript>"),
            vec!["<noscript>", r#"rawtext:"<a href=x>y</a>""#, "</noscript>"]
        );
        assert_eq!(
            tokens("<plaintext></plaintext><b>"),
            vec!["<plaintext>", r#"plaintext:"</plaintext><b>""#]
        );
        // Unclosed raw text runs to the end of the page.
        assert_eq!(
            tokens("<textarea>a<b>"),
            vec!["<textarea>", r#"rcdata:"a<b>""#]
        );
    }

    #[test]
    fn script_content_and_its_escapes() {
        assert_eq!(
            tokens("<script>if (a<b) x='</scrip>';</script>z"),
            vec![
                "<script>",
                r#"script:"if (a<b) x='</scrip>';""#,
                "</script>",
                r#"data:"z""#
            ]
        );
        // Inside "<!-- <script>", a "</script>" does not end the script.
        let html = "<script><!-- document.write('<script>x</script>'); --></script>z";
        assert_eq!(
            tokens(html),
            vec![
                "<script>",
                r#"script:"<!-- document.write('<script>x</script>'); -->""#,
                "</script>",
                r#"data:"z""#
            ]
        );
        // In a plain escape it does.
        assert_eq!(
            tokens("<script><!-- a </script>b"),
            vec![
                "<script>",
                r#"script:"<!-- a ""#,
                "</script>",
                r#"data:"b""#
            ]
        );
        assert_eq!(
            tokens("<script><!--></script>b"),
            vec!["<script>", r#"script:"<!-->""#, "</script>", r#"data:"b""#]
        );
    }

    #[test]
    fn foreign_content() {
        // Style in SVG is not raw text; SVG's title is HTML inside.
        assert_eq!(
            tokens(
                "<svg><style>a<tspan>c</tspan></style><title>t<i>x</i></title></svg><style>d<e></style>"
            ),
            vec![
                "<svg foreign>",
                "<style foreign>",
                r#"data:"a""#,
                "<tspan foreign>",
                r#"data:"c""#,
                "</tspan>",
                "</style>",
                "<title foreign>",
                r#"data:"t""#,
                "<i>",
                r#"data:"x""#,
                "</i>",
                "</title>",
                "</svg>",
                "<style>",
                r#"rawtext:"d<e>""#,
                "</style>",
            ]
        );
        // An HTML block element ends SVG content; a self-closing svg opens none.
        assert_eq!(
            tokens("<svg><path/><div><title>x</title>"),
            vec![
                "<svg foreign>",
                "<path / foreign>",
                "<div>",
                "<title>",
                r#"rcdata:"x""#,
                "</title>",
            ]
        );
        assert_eq!(
            tokens("<svg/><title>x</title>"),
            vec!["<svg / foreign>", "<title>", r#"rcdata:"x""#, "</title>"]
        );
    }

    #[test]
    fn a_page_cut_inside_a_tag_loses_the_tag() {
        assert_eq!(
            tokens("a<b>c<a href=\"/x"),
            vec![r#"data:"a""#, "<b>", r#"data:"c""#]
        );
        assert_eq!(tokens("a<img src=x"), vec![r#"data:"a""#]);
        assert_eq!(tokens("a</b"), vec![r#"data:"a""#]);
        assert_eq!(tokens("a</"), vec![r#"data:"a</""#]);
        assert_eq!(tokens("a<"), vec![r#"data:"a<""#]);
        assert_eq!(tokens(""), Vec::<String>::new());
    }

    #[test]
    fn multibyte_text_and_attributes() {
        assert_eq!(
            tokens("<p title='Zürich – ☎'>Grüße</p>"),
            vec![r#"<p title="Zürich – ☎">"#, r#"data:"Grüße""#, "</p>"]
        );
    }

    #[test]
    fn any_input_is_read_to_the_end() {
        // Random markup-heavy strings: no panic, no empty text, and text
        // runs never overlap or go backwards.
        struct Order<'a> {
            html: &'a str,
            last_end: usize,
        }
        impl<'a> Sink<'a> for Order<'a> {
            fn start_tag(&mut self, _: &StartTag<'a>) {}
            fn end_tag(&mut self, _: &'a str) {}
            fn text(&mut self, text: &'a str, _: TextKind) {
                assert!(!text.is_empty());
                let start = text.as_ptr() as usize - self.html.as_ptr() as usize;
                assert!(start >= self.last_end);
                self.last_end = start + text.len();
            }
        }
        let pieces = [
            "<",
            ">",
            "/",
            "</",
            "=",
            "\"",
            "'",
            " ",
            "\n",
            "x",
            "é☎",
            "<!--",
            "-->",
            "--!>",
            "<!-->",
            "<!",
            "<?",
            "<a href=",
            "<a",
            "</a>",
            "/>",
            "<script>",
            "</script>",
            "<script",
            "<style>",
            "</style>",
            "<title>",
            "</TITLE>",
            "<textarea>",
            "<svg>",
            "</svg>",
            "<svg/>",
            "<math>",
            "<mi>",
            "</mi>",
            "<desc>",
            "<![CDATA[",
            "]]>",
            "<p>",
            "<font color=red>",
            "<plaintext>",
            "<noscript>",
            "&amp;",
        ];
        let mut rng = crate::testgen::Rng::new(0x2545_f491_4f6c_dd1d);
        let mut next = move || rng.next_u64() as usize;
        for _ in 0..5000 {
            let mut html = String::new();
            for _ in 0..next() % 80 {
                html.push_str(pieces[next() % pieces.len()]);
            }
            let mut order = Order {
                html: &html,
                last_end: 0,
            };
            tokenize(&html, &mut order);
            assert!(order.last_end <= html.len());
        }
    }

    #[test]
    fn many_comments_are_read_in_one_pass() {
        // Each comment ends at its own "-->": none looks ahead for "--!>"
        // through the rest of the page.
        let html = "<!-- c -->x".repeat(200_000);
        let mut r = Record::default();
        tokenize(&html, &mut r);
        r.flush();
        assert_eq!(r.out, vec![format!("data:{:?}", "x".repeat(200_000))]);
        assert_eq!(
            tokens("a<!-- x --- y -- z ---->b<!-- --!>c"),
            vec![r#"data:"abc""#]
        );
    }

    #[test]
    fn recorded_attributes_read_as_the_raw_text_does() {
        // The attributes the tokenizer records while finding a tag's end
        // are the ones a replayed tag reads from its raw text, for every
        // form of quoting and for tags with more than are recorded.
        #[derive(Default)]
        struct Both(Vec<(String, bool)>);
        type Pairs<'a> = Vec<(&'a str, Option<&'a str>)>;
        impl<'a> Sink<'a> for Both {
            fn start_tag(&mut self, tag: &StartTag<'a>) {
                let recorded: Pairs<'a> = tag.attributes().collect();
                let raw = StartTag::from_raw(
                    tag.name,
                    tag.raw_attributes(),
                    tag.self_closing,
                    tag.foreign,
                );
                let reread: Pairs<'a> = raw.attributes().collect();
                assert_eq!(recorded, reread, "<{}{}>", tag.name, tag.raw_attributes());
                for t in [tag, &raw] {
                    let mut each: Pairs<'a> = Vec::new();
                    t.for_each_attribute(|n, v| {
                        each.push((std::str::from_utf8(n).unwrap(), v));
                    });
                    assert_eq!(each, recorded, "<{}{}>", tag.name, tag.raw_attributes());
                }
                self.0.push((tag.name.to_string(), tag.spans.len.is_some()));
            }
            fn end_tag(&mut self, _: &'a str) {}
            fn text(&mut self, _: &'a str, _: TextKind) {}
        }
        let many: String = (0..SPANS + 1).map(|i| format!(" a{i}=v{i}")).collect();
        let html = format!(
            "<a href=\"x>y\" b='q\"' c=d/ e f = g =h/><br/><p\tclass=a=b>\
             <i x=>t</i foo=\"bar\"><img src=/> <div{many}> <b é=\"ü\" / >"
        );
        let mut both = Both::default();
        tokenize(&html, &mut both);
        let names: Vec<_> = both.0.iter().map(|(n, r)| (n.as_str(), *r)).collect();
        assert_eq!(
            names,
            vec![
                ("a", true),
                ("br", true),
                ("p", true),
                ("i", true),
                ("img", true),
                ("div", false),
                ("b", true)
            ]
        );
    }
}
