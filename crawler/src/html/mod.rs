//! The streaming HTML pass: one run of [`tokenizer`] over a page fills a
//! [`PageScan`] without building a DOM.
//!
//! The tokenizer hands out raw text and attribute values (entities still
//! encoded) as slices of the page; text is decoded where it is kept, by the
//! standard's character reference rules ([`charref`]). End
//! tags close elements the way a browser's open-element stack would for
//! what this pass tracks: `</div>` closes the nearest open `div` and every
//! element opened inside it and left open (an `<a>` without `</a>`), and an
//! end tag with no open element of its name closes nothing.

pub mod charref;
mod embedded;
// Public for the html5lib tokenizer tests; the crate's extractors read it too.
pub mod tokenizer;

use charref::{decode_attribute, decode_text};
pub use embedded::embedded_urls;
use tokenizer::{Sink, StartTag, TextKind, tokenize};

use crate::page::{Link, PageScan};

/// Most bytes of inline script kept for fingerprints.
const INLINE_SCRIPT_SAMPLE_BYTES: usize = 64 * 1024;
/// Longest link text kept (characters); a missing `</a>` must not swallow a page.
const MAX_LINK_TEXT: usize = 512;
/// Longest heading or title kept (characters).
const MAX_HEADING_TEXT: usize = 1024;
/// Most JSON-LD bytes kept per page.
const MAX_JSON_LD_BYTES: usize = 2 * 1024 * 1024;
/// Most bytes of `application/json` script data kept per page.
const MAX_JSON_DATA_BYTES: usize = 2 * 1024 * 1024;
/// Most bytes of one `<noscript>`/`<noframes>` read for links.
const MAX_NOSCRIPT_BYTES: usize = 64 * 1024;
/// Most URLs kept in `more_links`.
const MAX_MORE_LINKS: usize = 1000;
/// Longest tag or attribute name compared; every name this pass looks for
/// is shorter, so a longer one is simply "some other name".
const MAX_NAME: usize = 16;
/// Most elements tracked as open. A page nesting deeper (only a hostile or
/// broken one does) has its innermost elements closed by nothing.
const MAX_OPEN: usize = 4096;

/// Elements whose start and end become line breaks in the visible text.
fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "br"
            | "caption"
            | "dd"
            | "details"
            | "dialog"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "tfoot"
            | "thead"
            | "tr"
            | "ul"
            | "option"
    )
}

/// Elements whose content is never visible text.
fn is_hidden_container(tag: &str) -> bool {
    matches!(
        tag,
        "script" | "style" | "noscript" | "template" | "iframe" | "object" | "svg"
    )
}

/// The whitespace `char::is_whitespace` means, found from byte `from` on:
/// the (start, end) of the next whitespace character. ASCII is decided per
/// byte; only non-ASCII characters are decoded.
fn next_whitespace(s: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = s.as_bytes();
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
                return Some((i, i + 1));
            }
            i += 1;
        } else {
            let c = s.get(i..).and_then(|rest| rest.chars().next())?;
            if c.is_whitespace() {
                return Some((i, i + c.len_utf8()));
            }
            i += c.len_utf8();
        }
    }
    None
}

/// Whitespace-collapsing text accumulator.
#[derive(Default)]
struct Collapser {
    out: String,
    pending_space: bool,
}

impl Collapser {
    /// Appends `text` with runs of whitespace collapsed; copies whole words
    /// rather than single characters.
    fn push_text(&mut self, text: &str) {
        let mut at = 0;
        loop {
            let (word_end, next) = match next_whitespace(text, at) {
                Some((ws_start, ws_end)) => (ws_start, Some(ws_end)),
                None => (text.len(), None),
            };
            if let Some(word) = text.get(at..word_end)
                && !word.is_empty()
            {
                if self.pending_space && !self.out.is_empty() && !self.out.ends_with('\n') {
                    self.out.push(' ');
                }
                self.pending_space = false;
                self.out.push_str(word);
            }
            match next {
                Some(n) => {
                    self.pending_space = true;
                    at = n;
                }
                None => return,
            }
        }
    }

    fn push_space(&mut self) {
        self.pending_space = true;
    }

    fn push_break(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.pending_space = false;
    }

    fn finish(mut self) -> String {
        while self.out.ends_with('\n') {
            self.out.pop();
        }
        self.out
    }
}

/// Appends collapsed `text` to `buf`, keeping it under `max` characters.
fn push_collapsed(buf: &mut String, text: &str, max: usize) {
    let mut count = buf.chars().count();
    let mut pending_space = buf.ends_with(' ');
    if pending_space {
        buf.pop();
    }
    for c in text.chars() {
        if count >= max {
            return;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !buf.is_empty() {
            buf.push(' ');
            count += 1;
        }
        pending_space = false;
        buf.push(c);
        count += 1;
    }
    if pending_space && !buf.is_empty() {
        buf.push(' ');
    }
}

#[derive(Clone, Copy, PartialEq)]
enum ScriptKind {
    JsonLd,
    /// `type="application/json"`: framework page data.
    JsonData,
    Inline,
    Other,
}

#[derive(Default)]
struct State {
    scan: PageScan,
    text: Collapser,
    /// Depth inside elements whose content is hidden.
    hidden: u32,
    title: Option<String>,
    link: Option<usize>,
    heading: Option<(u8, String)>,
    script: Option<(ScriptKind, String)>,
    /// The raw text of an open `<noscript>`/`<noframes>`, read for links
    /// when it closes (`None` in a nested scan of such text).
    fallback: Option<String>,
    /// Whether this scan reads `<noscript>` text for links (not inside one).
    read_fallbacks: bool,
    /// Bytes of `application/json` script data kept so far.
    json_data_bytes: usize,
}

/// What to do when an element is closed (bit flags).
type Closing = u8;
const END_BLOCK: Closing = 1;
const CLOSE_LINK: Closing = 2;
const CLOSE_HEADING: Closing = 4;
const CLOSE_TITLE: Closing = 8;
const CLOSE_SCRIPT: Closing = 16;
const LEAVE_HIDDEN: Closing = 32;
const CLOSE_FALLBACK: Closing = 64;

fn tokens_contain(value: &str, token: &str) -> bool {
    value
        .split_ascii_whitespace()
        .any(|t| t.eq_ignore_ascii_case(token))
}

impl State {
    fn on_text(&mut self, raw: &str, kind: TextKind) {
        if raw.is_empty() {
            return;
        }
        match kind {
            TextKind::Script => {
                if let Some((kind, buf)) = &mut self.script {
                    match kind {
                        ScriptKind::JsonLd => {
                            if buf.len() + raw.len() <= MAX_JSON_LD_BYTES {
                                buf.push_str(raw);
                            }
                        }
                        ScriptKind::JsonData => {
                            if self.json_data_bytes + buf.len() + raw.len() <= MAX_JSON_DATA_BYTES {
                                buf.push_str(raw);
                            }
                        }
                        ScriptKind::Inline => {
                            let room = INLINE_SCRIPT_SAMPLE_BYTES
                                .saturating_sub(self.scan.inline_script_sample.len() + buf.len());
                            buf.push_str(truncate_at_char(raw, room));
                        }
                        ScriptKind::Other => {}
                    }
                }
            }
            TextKind::RcData => {
                if let Some(title) = &mut self.title {
                    push_collapsed(title, &decode_text(raw), MAX_HEADING_TEXT);
                }
            }
            TextKind::Data => {
                if self.hidden > 0 {
                    return;
                }
                let text = decode_text(raw);
                self.text.push_text(&text);
                if let Some(i) = self.link
                    && let Some(link) = self.scan.links.get_mut(i)
                {
                    push_collapsed(&mut link.text, &text, MAX_LINK_TEXT);
                }
                if let Some((_, heading)) = &mut self.heading {
                    push_collapsed(heading, &text, MAX_HEADING_TEXT);
                }
            }
            TextKind::RawText => {
                if let Some(buf) = &mut self.fallback
                    && buf.len() + raw.len() <= MAX_NOSCRIPT_BYTES
                {
                    buf.push_str(raw);
                }
            }
            TextKind::PlainText | TextKind::CData => {}
        }
    }

    /// Links of a closed `<noscript>`/`<noframes>`: its text is markup a
    /// browser without scripts (or frames) shows, so its links are real.
    fn close_fallback(&mut self) {
        self.leave_hidden();
        let Some(markup) = self.fallback.take() else {
            return;
        };
        if markup.is_empty() {
            return;
        }
        let inner = scan_markup(&markup, false);
        let room = MAX_MORE_LINKS.saturating_sub(self.scan.more_links.len());
        self.scan.more_links.extend(
            inner
                .links
                .into_iter()
                .map(|l| l.href)
                .chain(inner.more_links)
                .take(room),
        );
    }

    fn add_more_link(&mut self, raw: &str) {
        let href = decode_attribute(raw);
        let href = href.trim();
        if !href.is_empty() && self.scan.more_links.len() < MAX_MORE_LINKS {
            self.scan.more_links.push(href.to_string());
        }
    }

    fn close_link(&mut self) {
        if let Some(i) = self.link.take()
            && let Some(link) = self.scan.links.get_mut(i)
        {
            let trimmed = link.text.trim_end().len();
            link.text.truncate(trimmed);
        }
    }

    fn close_heading(&mut self) {
        if let Some((level, text)) = self.heading.take() {
            let text = text.trim().to_string();
            if !text.is_empty() {
                self.scan.headings.push((level, text));
            }
        }
    }

    fn close_script(&mut self) {
        if let Some((kind, body)) = self.script.take() {
            match kind {
                ScriptKind::JsonLd => {
                    let body = body.trim();
                    if !body.is_empty() {
                        self.scan.json_ld.push(body.to_string());
                    }
                }
                ScriptKind::JsonData => {
                    let body = body.trim();
                    if !body.is_empty() {
                        self.json_data_bytes += body.len();
                        self.scan.json_data.push(body.to_string());
                    }
                }
                ScriptKind::Inline => {
                    let sample = &mut self.scan.inline_script_sample;
                    if !body.trim().is_empty() && sample.len() < INLINE_SCRIPT_SAMPLE_BYTES {
                        if !sample.is_empty() {
                            sample.push('\n');
                        }
                        let room = INLINE_SCRIPT_SAMPLE_BYTES.saturating_sub(sample.len());
                        sample.push_str(truncate_at_char(body.trim(), room));
                    }
                }
                ScriptKind::Other => {}
            }
        }
    }

    fn close_title(&mut self) {
        if let Some(title) = self.title.take() {
            let title = title.trim().to_string();
            if self.scan.title.is_none() && !title.is_empty() {
                self.scan.title = Some(title);
            }
        }
    }

    fn leave_hidden(&mut self) {
        self.hidden = self.hidden.saturating_sub(1);
    }

    fn close_script_element(&mut self) {
        self.close_script();
        self.leave_hidden();
    }

    fn end_block(&mut self) {
        self.text.push_break();
    }

    /// Runs what an element asked for when it closes.
    fn close(&mut self, closing: Closing) {
        type Action = fn(&mut State);
        const ACTIONS: [(Closing, Action); 7] = [
            (END_BLOCK, State::end_block),
            (CLOSE_LINK, State::close_link),
            (CLOSE_HEADING, State::close_heading),
            (CLOSE_TITLE, State::close_title),
            (CLOSE_SCRIPT, State::close_script_element),
            (LEAVE_HIDDEN, State::leave_hidden),
            (CLOSE_FALLBACK, State::close_fallback),
        ];
        for (flag, action) in ACTIONS {
            if closing & flag != 0 {
                action(self);
            }
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes ending on a char boundary.
fn truncate_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// ASCII-lowercases `name` into `buf`; `None` when it is longer than any
/// name this pass looks for.
fn lower_name<'b>(name: &[u8], buf: &'b mut [u8; MAX_NAME]) -> Option<&'b str> {
    let out = buf.get_mut(..name.len())?;
    for (o, b) in out.iter_mut().zip(name) {
        *o = b.to_ascii_lowercase();
    }
    std::str::from_utf8(out).ok()
}

/// The attributes this pass reads, raw (entities still encoded). The first
/// of repeated attributes counts, as in a browser; an attribute without a
/// value reads as empty.
#[derive(Default)]
struct Attrs<'a> {
    itemscope: bool,
    cfemail: Option<&'a str>,
    href: Option<&'a str>,
    rel: Option<&'a str>,
    lang: Option<&'a str>,
    name: Option<&'a str>,
    property: Option<&'a str>,
    http_equiv: Option<&'a str>,
    itemprop: Option<&'a str>,
    content: Option<&'a str>,
    src: Option<&'a str>,
    type_: Option<&'a str>,
    hreflang: Option<&'a str>,
}

impl<'a> Attrs<'a> {
    /// One pass over the tag's attributes.
    fn read(tag: &StartTag<'a>) -> Self {
        let mut attrs = Attrs::default();
        for (raw_name, value) in tag.attributes() {
            let mut buf = [0u8; MAX_NAME];
            let Some(name) = lower_name(raw_name.as_bytes(), &mut buf) else {
                continue;
            };
            let slot = match name {
                "itemscope" => {
                    attrs.itemscope = true;
                    continue;
                }
                "data-cfemail" => &mut attrs.cfemail,
                "href" => &mut attrs.href,
                "rel" => &mut attrs.rel,
                "lang" => &mut attrs.lang,
                "name" => &mut attrs.name,
                "property" => &mut attrs.property,
                "http-equiv" => &mut attrs.http_equiv,
                "itemprop" => &mut attrs.itemprop,
                "content" => &mut attrs.content,
                "src" => &mut attrs.src,
                "type" => &mut attrs.type_,
                "hreflang" => &mut attrs.hreflang,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value.unwrap_or(""));
            }
        }
        attrs
    }
}

fn decoded(v: Option<&str>) -> Option<String> {
    v.map(|v| decode_attribute(v).into_owned())
}

/// HTML elements that never have content or an end tag.
fn is_void(tag: &str) -> bool {
    matches!(
        tag,
        "area"
            | "base"
            | "basefont"
            | "bgsound"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Handles a start tag (`tag` lower-cased); returns what to do when the
/// element closes. `has_content` is false for elements that cannot have
/// content or an end tag (`<br>`, a self-closing SVG element).
fn on_element_with(st: &mut State, tag: &str, attrs: &Attrs<'_>, has_content: bool) -> Closing {
    let mut closing = 0;
    if attrs.itemscope {
        st.scan.has_microdata = true;
    }
    if st.scan.cf_emails.len() < 100
        && let Some(v) = attrs.cfemail
    {
        st.scan.cf_emails.push(v.to_string());
    }
    if is_block(tag) && st.hidden == 0 {
        st.text.push_break();
        if has_content {
            closing |= END_BLOCK;
        }
    } else if matches!(tag, "td" | "th" | "img" | "input" | "button") {
        st.text.push_space();
    }
    match tag {
        "html" if st.scan.lang.is_none() => {
            st.scan.lang = decoded(attrs.lang).filter(|l| !l.trim().is_empty());
        }
        "title" if st.hidden == 0 && st.title.is_none() => {
            st.title = Some(String::new());
            return closing | CLOSE_TITLE;
        }
        "base" if st.scan.base_href.is_none() => {
            st.scan.base_href = decoded(attrs.href);
        }
        "link" => {
            if let (Some(rel), Some(href)) = (attrs.rel, decoded(attrs.href)) {
                if tokens_contain(rel, "canonical") && st.scan.canonical.is_none() {
                    st.scan.canonical = Some(href.clone());
                }
                // Language versions: on sites whose language switcher is a
                // script, these are the only links to them. Likewise the
                // next and previous pages of a paginated list (a team or
                // news list rendered page by page).
                let pages = (tokens_contain(rel, "alternate") && attrs.hreflang.is_some())
                    || ["next", "prev", "previous"]
                        .iter()
                        .any(|t| tokens_contain(rel, t));
                if pages && let Some(raw) = attrs.href {
                    st.add_more_link(raw);
                }
                if tokens_contain(rel, "stylesheet") {
                    st.scan.stylesheet_hrefs.push(href);
                }
            }
        }
        "frame" => {
            if let Some(src) = attrs.src {
                st.add_more_link(src);
            }
        }
        "noscript" | "noframes" if has_content && st.read_fallbacks && st.fallback.is_none() => {
            st.fallback = Some(String::new());
            st.hidden += 1;
            return closing | CLOSE_FALLBACK;
        }
        "meta" => {
            let key = attrs
                .name
                .or(attrs.property)
                .or(attrs.http_equiv)
                .or(attrs.itemprop);
            if let (Some(key), Some(content)) = (key, decoded(attrs.content)) {
                let key = decode_attribute(key).trim().to_ascii_lowercase();
                if key == "robots" {
                    let c = content.to_ascii_lowercase();
                    if c.contains("noindex") || c.contains("none") {
                        st.scan.robots_noindex = true;
                    }
                    if c.contains("nofollow") || c.contains("none") {
                        st.scan.robots_nofollow = true;
                    }
                }
                st.scan.meta.push((key, content));
            }
        }
        "a" | "area" => {
            if let Some(href) = attrs.href {
                st.close_link();
                let rel = attrs
                    .rel
                    .map(|r| decode_attribute(r).trim().to_ascii_lowercase())
                    .filter(|r| !r.is_empty());
                st.scan.links.push(Link {
                    href: decode_attribute(href).trim().to_string(),
                    text: String::new(),
                    rel,
                });
                if tag == "a" {
                    st.link = Some(st.scan.links.len() - 1);
                    return closing | CLOSE_LINK;
                }
            }
        }
        "h1" | "h2" | "h3" if st.hidden == 0 => {
            st.close_heading();
            let level = tag.as_bytes()[1] - b'0';
            st.heading = Some((level, String::new()));
            return closing | CLOSE_HEADING;
        }
        "script" => {
            if let Some(src) = attrs.src {
                st.scan
                    .script_srcs
                    .push(decode_attribute(src).trim().to_string());
            }
            let kind = match attrs.type_ {
                Some(t) if t.trim().eq_ignore_ascii_case("application/ld+json") => {
                    ScriptKind::JsonLd
                }
                Some(t) if t.trim().eq_ignore_ascii_case("application/json") => {
                    ScriptKind::JsonData
                }
                _ if attrs.src.is_some() => ScriptKind::Other,
                Some(t) if !is_js_type(t) => ScriptKind::Other,
                _ => ScriptKind::Inline,
            };
            st.close_script();
            st.script = Some((kind, String::new()));
            if !has_content {
                return closing;
            }
            st.hidden += 1;
            return closing | CLOSE_SCRIPT;
        }
        _ => {}
    }
    if is_hidden_container(tag) && has_content {
        st.hidden += 1;
        closing |= LEAVE_HIDDEN;
    }
    closing
}

fn is_js_type(t: &str) -> bool {
    let t = t.trim().to_ascii_lowercase();
    t.is_empty() || t == "module" || t.contains("javascript") || t.contains("ecmascript")
}

/// An element that may still be closed by an end tag.
struct Open<'a> {
    /// The name as written.
    name: &'a str,
    closing: Closing,
}

/// The pass: page state plus the stack of open elements.
struct Pass<'a> {
    st: State,
    open: Vec<Open<'a>>,
    /// Open elements an end tag may still look through. A page of stray
    /// end tags under a deep stack would otherwise cost depth x tags; once
    /// spent, end tags close nothing.
    search_budget: usize,
}

impl<'a> Sink<'a> for Pass<'a> {
    fn start_tag(&mut self, tag: &StartTag<'a>) {
        let mut buf = [0u8; MAX_NAME];
        let name = lower_name(tag.name.as_bytes(), &mut buf).unwrap_or("");
        let has_content = if tag.foreign {
            !tag.self_closing
        } else {
            !is_void(name)
        };
        let attrs = Attrs::read(tag);
        let closing = on_element_with(&mut self.st, name, &attrs, has_content);
        if has_content && self.open.len() < MAX_OPEN {
            self.open.push(Open {
                name: tag.name,
                closing,
            });
        }
    }

    fn end_tag(&mut self, name: &'a str) {
        let mut found = None;
        for (i, open) in self.open.iter().enumerate().rev() {
            if self.search_budget == 0 {
                return;
            }
            self.search_budget -= 1;
            if open.name.eq_ignore_ascii_case(name) {
                found = Some(i);
                break;
            }
        }
        let Some(at) = found else {
            return;
        };
        for open in self.open.drain(at..) {
            self.st.close(open.closing);
        }
    }

    fn text(&mut self, text: &'a str, kind: TextKind) {
        self.st.on_text(text, kind);
    }
}

/// Runs the streaming pass over one page.
pub fn scan_html(html: &str) -> PageScan {
    scan_markup(html, true)
}

/// The pass over `html`; `read_fallbacks` is false for the text of a
/// `<noscript>` itself, so nesting never recurses further.
fn scan_markup(html: &str, read_fallbacks: bool) -> PageScan {
    let mut pass = Pass {
        st: State {
            text: Collapser {
                // Visible text is typically a fraction of the markup;
                // reserving some of it up front saves most regrowth copies.
                out: String::with_capacity(html.len() / 4),
                pending_space: false,
            },
            read_fallbacks,
            ..State::default()
        },
        open: Vec::with_capacity(64),
        // Far more than any real page needs: a few open elements looked
        // through per byte.
        search_budget: html.len().saturating_mul(4).max(1 << 16),
    };
    tokenize(html, &mut pass);
    let mut st = pass.st;
    st.close_link();
    st.close_heading();
    st.close_script();
    st.close_title();
    if st.fallback.is_some() {
        st.close_fallback();
    }
    let text = std::mem::take(&mut st.text).finish();
    let mut scan = std::mem::take(&mut st.scan);
    scan.text = text;
    scan
}

/// Targets of an HTTP `Link` header (RFC 8288) that name other pages of
/// the site the way `<link>` elements do: `rel` `alternate` with an
/// `hreflang` (language versions), `next`, `prev`/`previous`. Entries are
/// `<uri>; param=value; ...`, separated by commas outside `<>` and quotes.
pub fn link_header_targets(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            break;
        };
        let target = rest[open + 1..close].trim();
        // The parameters run to the next comma outside a quoted string.
        let params_start = close + 1;
        let mut quoted = false;
        let mut end = rest.len();
        for (i, c) in rest[params_start..].char_indices() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    end = params_start + i;
                    break;
                }
                _ => {}
            }
        }
        let (mut alternate, mut hreflang, mut paged) = (false, false, false);
        for param in rest[params_start..end].split(';') {
            let Some((name, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match name.trim().to_ascii_lowercase().as_str() {
                "rel" => {
                    alternate |= tokens_contain(value, "alternate");
                    paged |= ["next", "prev", "previous"]
                        .iter()
                        .any(|t| tokens_contain(value, t));
                }
                "hreflang" => hreflang = !value.is_empty(),
                _ => {}
            }
        }
        if !target.is_empty() && ((alternate && hreflang) || paged) {
            out.push(target);
        }
        rest = &rest[end..];
    }
    out
}

/// The target of a `<meta http-equiv="refresh" content="5; url=/en/">`:
/// the part after the delay, without `url=` and quotes. Language splash
/// pages often link nowhere else, so the crawl follows it like a link.
pub fn meta_refresh_target(content: &str) -> Option<&str> {
    let rest = content.trim_start();
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix(';')
        .or_else(|| rest.strip_prefix(','))
        .unwrap_or(rest)
        .trim_start();
    let rest = match rest.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("url") => {
            let after = rest[3..].trim_start();
            after.strip_prefix('=').map(str::trim_start).unwrap_or(rest)
        }
        _ => rest,
    };
    let rest = match rest.chars().next() {
        Some(q @ ('\'' | '"')) => {
            let inner = &rest[1..];
            inner.find(q).map_or(inner, |end| &inner[..end])
        }
        _ => rest,
    };
    let target = rest.trim();
    (!target.is_empty()).then_some(target)
}

#[cfg(test)]
mod tests {

    #[test]
    fn meta_refresh_targets() {
        assert_eq!(meta_refresh_target("0; url=/en/"), Some("/en/"));
        assert_eq!(
            meta_refresh_target("5;URL='https://acme.test/de/'"),
            Some("https://acme.test/de/")
        );
        assert_eq!(
            meta_refresh_target(" 0 , url = \"/start\" "),
            Some("/start")
        );
        assert_eq!(meta_refresh_target("3; /welcome"), Some("/welcome"));
        assert_eq!(meta_refresh_target("0.5;url=/x"), Some("/x"));
        // A plain reload names no target.
        assert_eq!(meta_refresh_target("30"), None);
        assert_eq!(meta_refresh_target("30; "), None);
        assert_eq!(meta_refresh_target(""), None);
    }
    use super::*;

    #[test]
    fn head_fields() {
        let html = r#"<!doctype html><html lang="de-CH"><head>
            <title> Acme  &amp; Co
            — Home </title>
            <base href="https://acme.test/base/">
            <link rel="Canonical" href="https://acme.test/?a=1&amp;b=2">
            <link rel="preload stylesheet" href="/s.css">
            <meta name="Description" content="We make &quot;anvils&quot;">
            <meta property="og:title" content="Acme">
            <meta name="robots" content="NOINDEX, follow">
            <script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
            <script>window.dataLayer=[]; gtag('config','G-1'); if (a < b && c) {}</script>
            <script type="application/ld+json">{"@type":"Organization","name":"Acme &amp; Co"}</script>
            <style>body{color:red}</style>
            </head><body><p>x</p></body></html>"#;
        let s = scan_html(html);
        assert_eq!(s.title.as_deref(), Some("Acme & Co — Home"));
        assert_eq!(s.lang.as_deref(), Some("de-CH"));
        assert_eq!(s.base_href.as_deref(), Some("https://acme.test/base/"));
        assert_eq!(s.canonical.as_deref(), Some("https://acme.test/?a=1&b=2"));
        assert_eq!(s.stylesheet_hrefs, vec!["/s.css".to_string()]);
        assert!(
            s.meta
                .contains(&("description".into(), "We make \"anvils\"".into()))
        );
        assert!(s.meta.contains(&("og:title".into(), "Acme".into())));
        assert!(s.robots_noindex);
        assert!(!s.robots_nofollow);
        assert_eq!(
            s.script_srcs,
            vec!["https://www.googletagmanager.com/gtag/js?id=G-1".to_string()]
        );
        assert!(
            s.inline_script_sample
                .contains("gtag('config','G-1'); if (a < b && c) {}")
        );
        // JSON-LD is script data: entities are not decoded.
        assert_eq!(
            s.json_ld,
            vec![r#"{"@type":"Organization","name":"Acme &amp; Co"}"#.to_string()]
        );
        assert_eq!(s.text, "x");
    }

    #[test]
    fn links_with_text_and_rel() {
        let html = r#"<body><nav><a href="/about?x=1&amp;y=2" rel="NoFollow">About <b>us</b></a>
            <a href="mailto:info@acme.test">Mail</a> <a href='tel:+41 44 000 00 00'>Call</a>
            <map><area href="/map" alt="m"></map><a name="anchor">no href</a>
            <a href="https://twitter.com/acme" rel="me"><img src=x alt="tw"></a></nav></body>"#;
        let s = scan_html(html);
        let hrefs: Vec<_> = s.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(
            hrefs,
            vec![
                "/about?x=1&y=2",
                "mailto:info@acme.test",
                "tel:+41 44 000 00 00",
                "/map",
                "https://twitter.com/acme"
            ]
        );
        assert_eq!(s.links[0].text, "About us");
        assert_eq!(s.links[0].rel.as_deref(), Some("nofollow"));
        assert_eq!(s.links[1].text, "Mail");
        assert_eq!(s.links[4].rel.as_deref(), Some("me"));
        assert_eq!(s.links[4].text, "");
    }

    #[test]
    fn visible_text_excludes_hidden_and_breaks_blocks() {
        let html = "<html><head><title>T</title><style>.a{}</style></head><body>\
            <h1>Hello   <i>World</i></h1><!-- secret comment -->\
            <p>First&nbsp;para with <b>bold</b>text.</p><div>Second<br>line</div>\
            <script>var hidden = 1;</script><noscript>Enable JS</noscript>\
            <template><p>tmpl</p></template><ul><li>one</li><li>two</li></ul>\
            <h2>Sub &amp; more</h2><h4>not kept</h4>\
            <table><tr><td>a</td><td>b</td></tr></table></body></html>";
        let s = scan_html(html);
        assert_eq!(
            s.text,
            "Hello World\nFirst para with boldtext.\nSecond\nline\none\ntwo\nSub & more\nnot kept\na b"
        );
        assert!(!s.text.contains("secret"));
        assert!(!s.text.contains("hidden"));
        assert!(!s.text.contains("Enable JS"));
        assert!(!s.text.contains("tmpl"));
        assert_eq!(
            s.headings,
            vec![
                (1, "Hello World".to_string()),
                (2, "Sub & more".to_string())
            ]
        );
        assert_eq!(s.title.as_deref(), Some("T"));
    }

    #[test]
    fn microdata_and_robots_none() {
        let s = scan_html(
            r#"<meta name="robots" content="none"><div itemscope itemtype="https://schema.org/Organization"><span itemprop="name">Acme</span></div>"#,
        );
        assert!(s.has_microdata);
        assert!(s.robots_noindex && s.robots_nofollow);
        assert_eq!(s.text, "Acme");
    }

    #[test]
    fn inline_script_sample_is_bounded() {
        let big = "x".repeat(50_000);
        let html = format!("<script>{big}</script><script>{big}</script><script>{big}</script>");
        let s = scan_html(&html);
        assert!(s.inline_script_sample.len() <= INLINE_SCRIPT_SAMPLE_BYTES);
        assert!(s.inline_script_sample.len() > 60_000);
    }

    #[test]
    fn broken_markup_does_not_run_away() {
        let html = format!(
            "<a href='/x'>{}<p>after</p><h1>unclosed <a href='/y'>y</a>",
            "word ".repeat(1000)
        );
        let s = scan_html(&html);
        assert_eq!(s.links.len(), 2);
        assert!(s.links[0].text.chars().count() <= MAX_LINK_TEXT);
        assert_eq!(s.links[1].text, "y");
        assert!(s.text.contains("after"));
        assert_eq!(s.headings, vec![(1, "unclosed y".to_string())]);
    }

    #[test]
    fn garbage_is_fine() {
        let s = scan_html("\u{0}<<<>>>&&&;<//a></p></div><a href=\"");
        assert!(s.links.is_empty());
        let _ = scan_html("");
    }

    #[test]
    fn end_tags_close_what_is_open() {
        // `</span>` closes the `<a>` left open inside it; a stray `</div>`
        // closes nothing.
        let s = scan_html(
            "<h2>Title</div> more</h2><p>a <span><a href='/x'>link <b>text</span> after</p>",
        );
        assert_eq!(s.headings, vec![(2, "Title more".to_string())]);
        assert_eq!(s.links[0].text, "link text");
        assert_eq!(s.text, "Title more\na link text after");
        // End tag names match whatever their case.
        let s = scan_html("<DIV><A HREF='/x'>X</a></Div>y");
        assert_eq!(s.links[0].text, "X");
        assert_eq!(s.text, "X\ny");
    }

    #[test]
    fn foreign_and_void_elements_close_nothing_later() {
        // A self-closing script in SVG hides nothing after the SVG, and a
        // `<br>` never waits for an end tag.
        let s = scan_html("<svg><script/><text>icon</text></svg><p>visible<br>line</p>");
        assert_eq!(s.text, "visible\nline");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let depth = MAX_OPEN * 3;
        let html = format!(
            "{}<a href='/deep'>deep</a>{}<p>end</p>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let s = scan_html(&html);
        // Past `MAX_OPEN` elements are not tracked, so this `<a>` is closed
        // by nothing and its text runs on; everything is still read.
        assert_eq!(s.links.len(), 1);
        assert_eq!(s.links[0].href, "/deep");
        assert!(s.links[0].text.starts_with("deep"));
        assert!(s.text.ends_with("end"));
    }

    #[test]
    fn stray_end_tags_under_a_deep_stack_stay_cheap() {
        // Every stray end tag would look through the whole stack; the
        // search budget stops that, and the page is still read.
        let html = format!(
            "{}{}<a href='/z'>z</a><p>end</p>",
            "<div>".repeat(MAX_OPEN),
            "</span>".repeat(300_000)
        );
        let s = scan_html(&html);
        assert_eq!(s.links.len(), 1);
        assert_eq!(s.links[0].href, "/z");
        assert!(s.text.ends_with("end"));
    }

    #[test]
    fn links_outside_anchors() {
        let html = r#"<html><head>
            <link rel="alternate" hreflang="de" href="/de/">
            <link rel="alternate" hreflang="x-default" href="https://acme.test/">
            <link rel="alternate" type="application/rss+xml" href="/feed.xml">
            <link rel="next" href="/team?page=2"><link rel="Prev" href="/team?page=0">
            <link rel="prefetch" href="/prefetched">
            <noscript><img src="https://www.facebook.com/tr?id=1"></noscript>
            <script id="__NEXT_DATA__" type="application/json">{"props":{"href":"/team"}}</script>
            <script type="application/json">   </script>
            </head><body><div id="__next"></div>
            <noscript><p>Enable JS</p><nav><a href="/impressum">Impressum</a>
            <map><area href="/kontakt"></map></nav></noscript>
            <frameset><frame src="menu.html"><noframes><a href="/noframes">x</a></noframes></frameset>
            <a href="/visible">Visible</a></body></html>"#;
        let s = scan_html(html);
        assert_eq!(
            s.more_links,
            [
                "/de/",
                "https://acme.test/",
                "/team?page=2",
                "/team?page=0",
                "/impressum",
                "/kontakt",
                "menu.html",
                "/noframes"
            ]
        );
        // The anchors proper are what a browser's DOM has.
        let hrefs: Vec<_> = s.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(hrefs, ["/visible"]);
        // The text of a `<noscript>` stays out of the visible text.
        assert_eq!(s.text, "Visible");
        assert_eq!(s.json_data, [r#"{"props":{"href":"/team"}}"#]);
        assert_eq!(embedded_urls(&s), ["/team"]);
    }

    #[test]
    fn link_headers_name_language_versions_and_list_pages() {
        let table: &[(&str, &[&str])] = &[
            (
                r#"<https://acme.test/de/>; rel="alternate"; hreflang="de", <https://acme.test/fr/>; rel=alternate; hreflang=fr"#,
                &["https://acme.test/de/", "https://acme.test/fr/"],
            ),
            (
                r#"</team?page=2>; rel="next", </team?a=1,2>; rel="prev""#,
                &["/team?page=2", "/team?a=1,2"],
            ),
            // Not pages of the site: a preload, a canonical (marked seen
            // elsewhere), an alternate without a language, an API root.
            (
                r#"</app.css>; rel=preload; as=style, </x>; rel=canonical, </feed>; rel="alternate"; type="application/rss+xml", <https://acme.test/wp-json/>; rel="https://api.w.org/""#,
                &[],
            ),
            (r#"<>; rel=next, </broken"#, &[]),
            (r#"</a>; title="x, y"; rel="next nofollow""#, &["/a"]),
        ];
        for (header, want) in table {
            assert_eq!(link_header_targets(header), *want, "{header}");
        }
    }

    #[test]
    fn noscript_reading_is_bounded() {
        let html = format!(
            "<noscript>{}</noscript><noscript>{}</noscript><a href=/after>a</a>",
            "<a href=/x>x</a>".repeat(10_000),
            "<noscript>".repeat(10_000)
        );
        let s = scan_html(&html);
        assert!(s.more_links.len() <= MAX_MORE_LINKS);
        assert_eq!(s.links.len(), 1);
        assert_eq!(s.text, "a");
    }
}
