//! The streaming HTML pass: one `lol_html` run over a page fills a
//! [`PageScan`] without building a DOM.
//!
//! `lol_html` hands out raw text and attribute values (entities still
//! encoded) and may split a text node into several chunks, so text is
//! buffered per text node and decoded once the node is complete.

use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::{Element, EndTag, TextChunk, TextType};
use lol_html::{HtmlRewriter, Settings, doc_text, element};

use crate::page::{Link, PageScan};

/// Most bytes of inline script kept for fingerprints.
const INLINE_SCRIPT_SAMPLE_BYTES: usize = 64 * 1024;
/// Longest link text kept (characters); a missing `</a>` must not swallow a page.
const MAX_LINK_TEXT: usize = 512;
/// Longest heading or title kept (characters).
const MAX_HEADING_TEXT: usize = 1024;
/// Most JSON-LD bytes kept per page.
const MAX_JSON_LD_BYTES: usize = 2 * 1024 * 1024;

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

/// Whitespace-collapsing text accumulator.
#[derive(Default)]
struct Collapser {
    out: String,
    pending_space: bool,
}

impl Collapser {
    fn push_text(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_whitespace() {
                self.pending_space = true;
                continue;
            }
            if self.pending_space && !self.out.is_empty() && !self.out.ends_with('\n') {
                self.out.push(' ');
            }
            self.pending_space = false;
            self.out.push(c);
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
    Inline,
    Other,
}

#[derive(Default)]
struct State {
    scan: PageScan,
    text: Collapser,
    /// Depth inside elements whose content is hidden.
    hidden: u32,
    /// Raw text of the current text node, until its last chunk arrives.
    node: String,
    title: Option<String>,
    link: Option<usize>,
    heading: Option<(u8, String)>,
    script: Option<(ScriptKind, String)>,
}

fn decode(raw: &str) -> String {
    html_escape::decode_html_entities(raw).into_owned()
}

/// Like `decode`, without a copy when there is no entity (the usual case).
fn decode_text(raw: &str) -> std::borrow::Cow<'_, str> {
    html_escape::decode_html_entities(raw)
}

fn tokens_contain(value: &str, token: &str) -> bool {
    value
        .split_ascii_whitespace()
        .any(|t| t.eq_ignore_ascii_case(token))
}

impl State {
    fn on_text(&mut self, chunk: &TextChunk<'_>) {
        if !chunk.last_in_text_node() {
            self.node.push_str(chunk.as_str());
            return;
        }
        // Most text nodes arrive in one chunk: use it in place rather than
        // copying it into `node` first.
        let joined;
        let raw: &str = if self.node.is_empty() {
            chunk.as_str()
        } else {
            self.node.push_str(chunk.as_str());
            joined = std::mem::take(&mut self.node);
            &joined
        };
        if raw.is_empty() {
            return;
        }
        match chunk.text_type() {
            TextType::ScriptData => {
                if let Some((kind, buf)) = &mut self.script {
                    match kind {
                        ScriptKind::JsonLd => {
                            if buf.len() + raw.len() <= MAX_JSON_LD_BYTES {
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
            TextType::RCData => {
                if let Some(title) = &mut self.title {
                    push_collapsed(title, &decode_text(raw), MAX_HEADING_TEXT);
                }
            }
            TextType::Data => {
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
            TextType::RawText | TextType::PlainText | TextType::CDataSection => {}
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

type Shared = Rc<RefCell<State>>;

fn on_end(state: &Shared, el: &mut Element<'_, '_>, f: impl FnOnce(&mut State) + 'static) {
    let state = Rc::clone(state);
    if let Some(handlers) = el.end_tag_handlers() {
        handlers.push(Box::new(move |_: &mut EndTag<'_>| {
            f(&mut state.borrow_mut());
            Ok(())
        }));
    }
}

fn attr(el: &Element<'_, '_>, name: &str) -> Option<String> {
    el.get_attribute(name).map(|v| decode(&v))
}

fn on_element(state: &Shared, el: &mut Element<'_, '_>) {
    let tag = el.tag_name();
    let mut st = state.borrow_mut();
    if !st.scan.has_microdata && el.has_attribute("itemscope") {
        st.scan.has_microdata = true;
    }
    if st.scan.cf_emails.len() < 100
        && let Some(v) = el.get_attribute("data-cfemail")
    {
        st.scan.cf_emails.push(v);
    }
    if is_block(&tag) && st.hidden == 0 {
        st.text.push_break();
        drop(st);
        if tag != "br" && tag != "hr" {
            on_end(state, el, |s| s.text.push_break());
        }
        st = state.borrow_mut();
    } else if matches!(tag.as_str(), "td" | "th" | "img" | "input" | "button") {
        st.text.push_space();
    }
    match tag.as_str() {
        "html" if st.scan.lang.is_none() => {
            st.scan.lang = attr(el, "lang").filter(|l| !l.trim().is_empty());
        }
        "title" if st.hidden == 0 && st.title.is_none() => {
            st.title = Some(String::new());
            drop(st);
            on_end(state, el, State::close_title);
            return;
        }
        "base" if st.scan.base_href.is_none() => {
            st.scan.base_href = attr(el, "href");
        }
        "link" => {
            if let (Some(rel), Some(href)) = (el.get_attribute("rel"), attr(el, "href")) {
                if tokens_contain(&rel, "canonical") && st.scan.canonical.is_none() {
                    st.scan.canonical = Some(href.clone());
                }
                if tokens_contain(&rel, "stylesheet") {
                    st.scan.stylesheet_hrefs.push(href);
                }
            }
        }
        "meta" => {
            let key = el
                .get_attribute("name")
                .or_else(|| el.get_attribute("property"))
                .or_else(|| el.get_attribute("http-equiv"))
                .or_else(|| el.get_attribute("itemprop"));
            if let (Some(key), Some(content)) = (key, attr(el, "content")) {
                let key = decode(&key).trim().to_ascii_lowercase();
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
            if let Some(href) = attr(el, "href") {
                st.close_link();
                let rel = el
                    .get_attribute("rel")
                    .map(|r| decode(&r).trim().to_ascii_lowercase())
                    .filter(|r| !r.is_empty());
                st.scan.links.push(Link {
                    href: href.trim().to_string(),
                    text: String::new(),
                    rel,
                });
                if tag == "a" {
                    st.link = Some(st.scan.links.len() - 1);
                    drop(st);
                    on_end(state, el, State::close_link);
                    return;
                }
            }
        }
        "h1" | "h2" | "h3" if st.hidden == 0 => {
            st.close_heading();
            let level = tag.as_bytes()[1] - b'0';
            st.heading = Some((level, String::new()));
            drop(st);
            on_end(state, el, State::close_heading);
            return;
        }
        "script" => {
            if let Some(src) = attr(el, "src") {
                st.scan.script_srcs.push(src.trim().to_string());
            }
            let kind = match el.get_attribute("type") {
                Some(t) if t.trim().eq_ignore_ascii_case("application/ld+json") => {
                    ScriptKind::JsonLd
                }
                _ if el.has_attribute("src") => ScriptKind::Other,
                Some(t) if !is_js_type(&t) => ScriptKind::Other,
                _ => ScriptKind::Inline,
            };
            st.close_script();
            st.script = Some((kind, String::new()));
            st.hidden += 1;
            drop(st);
            on_end(state, el, |s| {
                s.close_script();
                s.hidden = s.hidden.saturating_sub(1);
            });
            return;
        }
        _ => {}
    }
    if is_hidden_container(&tag) && el.end_tag_handlers().is_some() {
        st.hidden += 1;
        drop(st);
        on_end(state, el, |s| s.hidden = s.hidden.saturating_sub(1));
    }
}

fn is_js_type(t: &str) -> bool {
    let t = t.trim().to_ascii_lowercase();
    t.is_empty() || t == "module" || t.contains("javascript") || t.contains("ecmascript")
}

/// Runs the streaming pass over one page.
pub fn scan_html(html: &str) -> PageScan {
    let state: Shared = Rc::new(RefCell::new(State::default()));
    {
        let on_el = Rc::clone(&state);
        let on_txt = Rc::clone(&state);
        let settings = Settings::new()
            .with_strict(false)
            .append_element_content_handler(element!("*", move |el| {
                on_element(&on_el, el);
                Ok(())
            }))
            .append_document_content_handler(doc_text!(move |chunk| {
                on_txt.borrow_mut().on_text(chunk);
                Ok(())
            }));
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        // A failed write (only possible on internal limits) leaves what was
        // gathered so far, which is the best a broken page can give.
        let ok = rewriter.write(html.as_bytes()).is_ok();
        if ok && let Err(e) = rewriter.end() {
            tracing::debug!(error = %e, "html pass ended early");
        }
    }
    let mut st = state.borrow_mut();
    st.close_link();
    st.close_heading();
    st.close_script();
    st.close_title();
    let text = std::mem::take(&mut st.text).finish();
    let mut scan = std::mem::take(&mut st.scan);
    scan.text = text;
    scan
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
}
