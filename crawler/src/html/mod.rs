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
mod element;
mod state;
mod targets;
mod text;
pub mod tokenizer;
mod tokens;

use charref::{decode_attribute, decode_text};
use element::*;
pub use embedded::embedded_urls;
use state::*;
pub use targets::{link_header_targets, meta_refresh_target, script_redirect_targets};
use text::*;
use tokenizer::{Sink, StartTag, TextKind, tokenize};
use tokens::Recorder;
pub use tokens::TokenLog;

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

/// An element that may still be closed by an end tag.
struct Open<'a> {
    /// Its name as written, and its class.
    kind: Kind<'a>,
    closing: Closing,
    /// Whether a block element was opened inside it.
    holds_blocks: bool,
    /// The last child element closed in it: its `kind` and `holds_blocks`.
    last_child: Option<(Kind<'a>, bool)>,
}

/// An element's tag name (as written) and `class` value: siblings alike in
/// both are repeated items of one layout (cards of a grid, entries of a
/// list).
#[derive(Clone, Copy)]
struct Kind<'a> {
    name: &'a str,
    class: &'a str,
}

impl Kind<'_> {
    /// Names alike in any case, and every name longer than any this pass
    /// looks for counts as one; classes alike as written.
    fn same(&self, other: &Kind<'_>) -> bool {
        let (a, b) = (self.name, other.name);
        let names = match (a.len() > MAX_NAME, b.len() > MAX_NAME) {
            (false, false) => a.eq_ignore_ascii_case(b),
            (true, true) => true,
            (true, false) => b.is_empty(),
            (false, true) => a.is_empty(),
        };
        names && self.class == other.class
    }
}

/// The pass: page state plus the stack of open elements.
struct Pass<'a> {
    st: State,
    open: Vec<Open<'a>>,
    /// Open elements an end tag may still look through. A page of stray
    /// end tags under a deep stack would otherwise cost depth x tags; once
    /// spent, end tags close nothing.
    search_budget: usize,
    /// `last_child` of the document itself (a fragment, or a page whose
    /// `<body>` was closed early).
    top_last_child: Option<(Kind<'a>, bool)>,
    /// The page's tokens, for readers of its elements after this pass
    /// (`None` in a nested scan of `<noscript>` text).
    rec: Option<Recorder>,
}

impl<'a> Sink<'a> for Pass<'a> {
    fn start_tag(&mut self, tag: &StartTag<'a>) {
        if let Some(rec) = &mut self.rec {
            rec.start_tag(tag);
        }
        let mut buf = [0u8; MAX_NAME];
        let name = lower_bytes(tag.name.as_bytes(), &mut buf).unwrap_or_default();
        let info = tag_info(name);
        let has_content = if tag.foreign {
            !tag.self_closing
        } else {
            !info.is(VOID)
        };
        let attrs = Attrs::read(tag);
        let kind = Kind {
            name: tag.name,
            class: attrs.class.unwrap_or(""),
        };
        let last_sibling = match self.open.last_mut() {
            Some(parent) => {
                parent.holds_blocks |= info.is(BLOCK);
                parent.last_child
            }
            None => self.top_last_child,
        };
        // A sibling like the last one, which held blocks of its own: the
        // next card begins, and its lines are not the last card's.
        if has_content && last_sibling.is_some_and(|(last, blocks)| blocks && last.same(&kind)) {
            self.st.scan.card_breaks.push(self.st.text.out.len());
        }
        let closing = on_element_with(&mut self.st, info, &attrs, has_content);
        if has_content && self.open.len() < MAX_OPEN {
            self.open.push(Open {
                kind,
                closing,
                holds_blocks: false,
                last_child: None,
            });
        }
    }

    fn end_tag(&mut self, name: &'a str) {
        if let Some(rec) = &mut self.rec {
            rec.end_tag(name);
        }
        let mut found = None;
        for (i, open) in self.open.iter().enumerate().rev() {
            if self.search_budget == 0 {
                return;
            }
            self.search_budget -= 1;
            if open.kind.name.eq_ignore_ascii_case(name) {
                found = Some(i);
                break;
            }
        }
        let Some(at) = found else {
            return;
        };
        // The element found, then those opened inside it, in order.
        let closed = self.open.get(at).map(|o| (o.kind, o.holds_blocks));
        for open in self.open.get(at..).unwrap_or_default() {
            self.st.close(open.closing);
        }
        self.open.truncate(at);
        match self.open.last_mut() {
            Some(parent) => parent.last_child = closed,
            None => self.top_last_child = closed,
        }
    }

    fn text(&mut self, text: &'a str, kind: TextKind) {
        if let Some(rec) = &mut self.rec {
            rec.text(text, kind);
        }
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
        top_last_child: None,
        rec: read_fallbacks.then(|| Recorder::new(html)),
    };
    tokenize(html, &mut pass);
    let tokens = pass.rec.take().map(|r| r.log);
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
    scan.tokens = tokens;
    scan
}

#[cfg(test)]
mod tests {

    #[test]
    fn card_breaks_fall_between_repeated_items_that_hold_blocks() {
        let breaks_before = |html: &str| -> Vec<String> {
            let scan = scan_html(html);
            scan.card_breaks
                .iter()
                .map(|&b| {
                    scan.text[b..]
                        .trim()
                        .lines()
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        };
        // A grid of cards: a break before every card but the first.
        assert_eq!(
            breaks_before(
                r#"<div class="team"><div class="card"><h3>A</h3><p>x</p></div>
                <div class="card"><h3>B</h3></div><div class="card"><p>y</p></div></div>"#
            ),
            ["B", "y"]
        );
        // Other classes, leaf paragraphs and inline elements are no cards.
        assert!(
            breaks_before(r#"<div class="a"><h3>A</h3></div><div class="b"><h3>B</h3></div>"#)
                .is_empty()
        );
        assert!(
            breaks_before("<p>A</p><p>B</p><span><b>C</b></span><span><b>D</b></span>").is_empty()
        );
        // Names alike in any case; long names (longer than any this pass
        // looks for) all count as one, as when the kind was a hash of the
        // lower-cased name.
        assert_eq!(
            breaks_before(
                r#"<DIV class="card"><p>A</p></DIV><div class="card"><p>B</p></div>
                <custom-element-one class="c"><p>C</p></custom-element-one>
                <custom-element-two class="c"><p>D</p></custom-element-two>
                <custom-element-two class="C"><p>E</p></custom-element-two>"#
            ),
            ["B", "D"]
        );
        // A sibling of another kind in between resets the run.
        assert!(breaks_before(r#"<div class="c"><p>A</p></div><hr><section></section><div class="c"><p>B</p></div>"#).is_empty());
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
            <iframe src="/widgets/team.html" title="Team">fallback</iframe>
            <iframe srcdoc="<p>inline</p>"></iframe><iframe src=" "></iframe>
            <noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-X"></iframe></noscript>
            <button onclick="window.location.href='/angebot'">Angebot</button>
            <div class="card" onclick="track(); location.assign(&quot;/team/jane&quot;)">Jane</div>
            <button onclick="history.back()">Back</button>
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
                "/noframes"
            ]
        );
        // Where `onclick` handlers send the visitor.
        assert_eq!(s.script_links, ["/angebot", "/team/jane"]);
        // Frames and inline frames, also those a `<noscript>` holds; the
        // worker follows only those of the site.
        assert_eq!(
            s.frame_srcs,
            [
                "menu.html",
                "/widgets/team.html",
                "https://www.googletagmanager.com/ns.html?id=GTM-X"
            ]
        );
        // The anchors proper are what a browser's DOM has.
        let hrefs: Vec<_> = s.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(hrefs, ["/visible"]);
        // The text of a `<noscript>` stays out of the visible text.
        assert_eq!(s.text, "Angebot\nJane\nBack Visible");
        assert_eq!(s.json_data, [r#"{"props":{"href":"/team"}}"#]);
        assert_eq!(embedded_urls(&s), ["/team"]);
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
