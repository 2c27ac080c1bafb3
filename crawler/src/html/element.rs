//! Start tags: the attributes this pass reads and what each element
//! opens in the page state.

use super::*;

pub(super) fn tokens_contain(value: &str, token: &str) -> bool {
    value
        .split_ascii_whitespace()
        .any(|t| t.eq_ignore_ascii_case(token))
}

/// ASCII-lowercases `name` into `buf`; `None` when it is longer than any
/// name this pass looks for. Bytes, for names matched against ASCII ones,
/// where checking each for UTF-8 costs more than the match.
pub(super) fn lower_bytes<'b>(name: &[u8], buf: &'b mut [u8; MAX_NAME]) -> Option<&'b [u8]> {
    let out = buf.get_mut(..name.len())?;
    for (o, b) in out.iter_mut().zip(name) {
        *o = b.to_ascii_lowercase();
    }
    Some(out)
}

/// The attributes this pass reads, raw (entities still encoded). The first
/// of repeated attributes counts, as in a browser; an attribute without a
/// value reads as empty.
#[derive(Default)]
pub(super) struct Attrs<'a> {
    pub(super) itemscope: bool,
    pub(super) cfemail: Option<&'a str>,
    pub(super) href: Option<&'a str>,
    pub(super) rel: Option<&'a str>,
    pub(super) lang: Option<&'a str>,
    pub(super) name: Option<&'a str>,
    pub(super) property: Option<&'a str>,
    pub(super) http_equiv: Option<&'a str>,
    pub(super) itemprop: Option<&'a str>,
    pub(super) content: Option<&'a str>,
    pub(super) src: Option<&'a str>,
    pub(super) type_: Option<&'a str>,
    pub(super) hreflang: Option<&'a str>,
    pub(super) class: Option<&'a str>,
    pub(super) onclick: Option<&'a str>,
    pub(super) onload: Option<&'a str>,
}

/// The attributes [`Attrs`] keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AttrName {
    Itemscope,
    Cfemail,
    Href,
    Rel,
    Lang,
    Name,
    Property,
    HttpEquiv,
    Itemprop,
    Content,
    Src,
    Type,
    Hreflang,
    Class,
    Onclick,
    Onload,
}

/// Whether `name` is `lower` (lower-case ASCII) in any case. `lower` is a
/// constant, so the comparison folds into a few word-wide ones.
#[inline(always)]
fn is_name<const N: usize>(name: &[u8], lower: &[u8; N]) -> bool {
    let Some(name) = name.first_chunk::<N>().filter(|_| name.len() == N) else {
        return false;
    };
    let mut same = true;
    for (&b, &l) in name.iter().zip(lower) {
        // Letters match in either case, anything else exactly.
        let case = if l.is_ascii_lowercase() { 0x20 } else { 0 };
        same &= b | case == l;
    }
    same
}

/// Which kept attribute `name` is, whatever its case. Length and first
/// letter leave one candidate, compared without copying the name: this
/// runs for every attribute of every tag, and most are none of these.
pub(super) fn attr_name(name: &[u8]) -> Option<AttrName> {
    use AttrName as A;
    let first = name.first()? | 0x20;
    Some(match (name.len(), first) {
        (3, b'r') if is_name(name, b"rel") => A::Rel,
        (3, b's') if is_name(name, b"src") => A::Src,
        (4, b'h') if is_name(name, b"href") => A::Href,
        (4, b'l') if is_name(name, b"lang") => A::Lang,
        (4, b'n') if is_name(name, b"name") => A::Name,
        (4, b't') if is_name(name, b"type") => A::Type,
        (5, b'c') if is_name(name, b"class") => A::Class,
        (6, b'o') if is_name(name, b"onload") => A::Onload,
        (7, b'c') if is_name(name, b"content") => A::Content,
        (7, b'o') if is_name(name, b"onclick") => A::Onclick,
        (8, b'h') if is_name(name, b"hreflang") => A::Hreflang,
        (8, b'i') if is_name(name, b"itemprop") => A::Itemprop,
        (8, b'p') if is_name(name, b"property") => A::Property,
        (9, b'i') if is_name(name, b"itemscope") => A::Itemscope,
        (10, b'h') if is_name(name, b"http-equiv") => A::HttpEquiv,
        (12, b'd') if is_name(name, b"data-cfemail") => A::Cfemail,
        _ => return None,
    })
}

impl<'a> Attrs<'a> {
    /// One pass over the tag's attributes.
    #[inline]
    pub(super) fn read(tag: &StartTag<'a>) -> Self {
        let mut attrs = Attrs::default();
        tag.for_each_attribute(|name, value| {
            let slot = match attr_name(name) {
                None => return,
                Some(AttrName::Itemscope) => {
                    attrs.itemscope = true;
                    return;
                }
                Some(AttrName::Cfemail) => &mut attrs.cfemail,
                Some(AttrName::Href) => &mut attrs.href,
                Some(AttrName::Rel) => &mut attrs.rel,
                Some(AttrName::Lang) => &mut attrs.lang,
                Some(AttrName::Name) => &mut attrs.name,
                Some(AttrName::Property) => &mut attrs.property,
                Some(AttrName::HttpEquiv) => &mut attrs.http_equiv,
                Some(AttrName::Itemprop) => &mut attrs.itemprop,
                Some(AttrName::Content) => &mut attrs.content,
                Some(AttrName::Src) => &mut attrs.src,
                Some(AttrName::Type) => &mut attrs.type_,
                Some(AttrName::Hreflang) => &mut attrs.hreflang,
                Some(AttrName::Class) => &mut attrs.class,
                Some(AttrName::Onclick) => &mut attrs.onclick,
                Some(AttrName::Onload) => &mut attrs.onload,
            };
            if slot.is_none() {
                *slot = Some(value.unwrap_or(""));
            }
        });
        attrs
    }
}

pub(super) fn decoded(v: Option<&str>) -> Option<String> {
    v.map(|v| decode_attribute(v).into_owned())
}

/// What a start tag asks of this pass beyond its flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Special {
    None,
    Html,
    Title,
    Base,
    Link,
    /// `frame` and `iframe`.
    Frame,
    /// `noscript` and `noframes`.
    Fallback,
    Meta,
    A,
    Area,
    /// `h1` to `h3`, with the level.
    Heading(u8),
    Script,
}

/// Its start and end become line breaks in the visible text.
pub(super) const BLOCK: u8 = 1;
/// It never has content or an end tag.
pub(super) const VOID: u8 = 2;
/// It stands apart from the text beside it (a space, not a break).
pub(super) const SPACED: u8 = 4;
/// Its content is never visible text.
pub(super) const HIDDEN: u8 = 8;

/// What this pass does with an element, from its lower-cased name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct TagInfo {
    /// `BLOCK`, `VOID`, `SPACED` and `HIDDEN` bits.
    pub(super) flags: u8,
    pub(super) special: Special,
}

impl TagInfo {
    pub(super) fn is(self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// The one table of the tags this pass knows, looked up once per start tag
/// (it runs for every tag of every page).
pub(super) fn tag_info(name: &[u8]) -> TagInfo {
    use Special as S;
    let (flags, special) = match name {
        b"a" => (0, S::A),
        b"area" => (VOID, S::Area),
        b"base" => (VOID, S::Base),
        b"br" | b"hr" => (BLOCK | VOID, S::None),
        b"button" | b"td" | b"th" => (SPACED, S::None),
        b"img" | b"input" => (VOID | SPACED, S::None),
        b"frame" => (0, S::Frame),
        b"h1" => (BLOCK, S::Heading(1)),
        b"h2" => (BLOCK, S::Heading(2)),
        b"h3" => (BLOCK, S::Heading(3)),
        b"html" => (0, S::Html),
        b"iframe" => (HIDDEN, S::Frame),
        b"link" => (VOID, S::Link),
        b"meta" => (VOID, S::Meta),
        b"noframes" => (0, S::Fallback),
        b"noscript" => (HIDDEN, S::Fallback),
        b"script" => (HIDDEN, S::Script),
        b"title" => (0, S::Title),
        b"address" | b"article" | b"aside" | b"blockquote" | b"body" | b"caption" | b"dd"
        | b"details" | b"dialog" | b"div" | b"dl" | b"dt" | b"fieldset" | b"figcaption"
        | b"figure" | b"footer" | b"form" | b"h4" | b"h5" | b"h6" | b"header" | b"li" | b"main"
        | b"nav" | b"ol" | b"p" | b"pre" | b"section" | b"summary" | b"table" | b"tbody"
        | b"tfoot" | b"thead" | b"tr" | b"ul" | b"option" => (BLOCK, S::None),
        b"basefont" | b"bgsound" | b"col" | b"embed" | b"keygen" | b"param" | b"source"
        | b"track" | b"wbr" => (VOID, S::None),
        b"style" | b"template" | b"object" | b"svg" => (HIDDEN, S::None),
        _ => (0, S::None),
    };
    TagInfo { flags, special }
}

/// Handles a start tag (`tag` from [`tag_info`]); returns what to do when
/// the element closes. `has_content` is false for elements that cannot have
/// content or an end tag (`<br>`, a self-closing SVG element).
pub(super) fn on_element_with(
    st: &mut State,
    tag: TagInfo,
    attrs: &Attrs<'_>,
    has_content: bool,
) -> Closing {
    let mut closing = 0;
    if attrs.itemscope {
        st.scan.has_microdata = true;
    }
    if st.scan.cf_emails.len() < 100
        && let Some(v) = attrs.cfemail
    {
        st.scan.cf_emails.push(v.to_string());
    }
    if tag.is(BLOCK) && st.hidden == 0 {
        st.text.push_break();
        if has_content {
            closing |= END_BLOCK;
        }
    } else if tag.is(SPACED) {
        st.text.push_space();
    }
    // A button or card that navigates by script (`onclick="location.href=
    // '/kontakt'"`), as site builders make them, and a page that moves on
    // once loaded (`<body onload="location.href='start.html'">`): links by
    // other means.
    for js in [attrs.onclick, attrs.onload].into_iter().flatten() {
        st.add_onclick_targets(js);
    }
    match tag.special {
        Special::Html if st.scan.lang.is_none() => {
            st.scan.lang = decoded(attrs.lang).filter(|l| !l.trim().is_empty());
        }
        Special::Title if st.hidden == 0 && st.title.is_none() => {
            st.title = Some(String::new());
            return closing | CLOSE_TITLE;
        }
        Special::Base if st.scan.base_href.is_none() => {
            st.scan.base_href = decoded(attrs.href);
        }
        Special::Link => {
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
        Special::Frame => {
            if let Some(src) = attrs.src {
                st.add_frame_src(src);
            }
        }
        Special::Fallback if has_content && st.read_fallbacks && st.fallback.is_none() => {
            st.fallback = Some(String::new());
            st.hidden += 1;
            return closing | CLOSE_FALLBACK;
        }
        Special::Meta => {
            let key = attrs
                .name
                .or(attrs.property)
                .or(attrs.http_equiv)
                .or(attrs.itemprop);
            if let (Some(key), Some(content)) = (key, decoded(attrs.content)) {
                let key = decode_attribute(key).trim().to_ascii_lowercase();
                if key == "robots" {
                    let mut d = crate::robots::PageDirectives {
                        noindex: st.scan.robots_noindex,
                        nofollow: st.scan.robots_nofollow,
                    };
                    d.add_list(&content);
                    st.scan.robots_noindex = d.noindex;
                    st.scan.robots_nofollow = d.nofollow;
                }
                st.scan.meta.push((key, content));
            }
        }
        Special::A | Special::Area => {
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
                if tag.special == Special::A {
                    st.link = Some(st.scan.links.len() - 1);
                    return closing | CLOSE_LINK;
                }
            }
        }
        Special::Heading(level) if st.hidden == 0 => {
            st.close_heading();
            st.heading = Some((level, String::new()));
            st.heading_from = st.text.out.len();
            return closing | CLOSE_HEADING;
        }
        Special::Script => {
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
    if tag.is(HIDDEN) && has_content {
        st.hidden += 1;
        closing |= LEAVE_HIDDEN;
    }
    closing
}

pub(super) fn is_js_type(t: &str) -> bool {
    let t = t.trim().to_ascii_lowercase();
    t.is_empty() || t == "module" || t.contains("javascript") || t.contains("ecmascript")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The lists `tag_info` replaced, one lookup each, as they were.

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

    fn is_spaced(tag: &str) -> bool {
        matches!(tag, "td" | "th" | "img" | "input" | "button")
    }

    fn is_hidden_container(tag: &str) -> bool {
        matches!(
            tag,
            "script" | "style" | "noscript" | "template" | "iframe" | "object" | "svg"
        )
    }

    fn special(tag: &str) -> Special {
        match tag {
            "html" => Special::Html,
            "title" => Special::Title,
            "base" => Special::Base,
            "link" => Special::Link,
            "frame" | "iframe" => Special::Frame,
            "noscript" | "noframes" => Special::Fallback,
            "meta" => Special::Meta,
            "a" => Special::A,
            "area" => Special::Area,
            "h1" | "h2" | "h3" => Special::Heading(tag.as_bytes()[1] - b'0'),
            "script" => Special::Script,
            _ => Special::None,
        }
    }

    #[test]
    fn the_tag_table_says_what_the_lists_said() {
        let known = "a abbr address area article aside audio b base basefont bdi bgsound \
            blockquote body br button canvas caption cite code col colgroup data datalist dd \
            del details dfn dialog div dl dt em embed fieldset figcaption figure font footer \
            form frame frameset h1 h2 h3 h4 h5 h6 h7 h0 head header hgroup hr html i iframe img \
            input ins kbd keygen label legend li link main map mark math menu meta meter nav \
            noframes noscript object ol optgroup option output p param picture pre progress q \
            rp rt ruby s samp script section select slot small source span strong style sub \
            summary sup svg table tbody td template textarea tfoot th thead time title tr \
            track u ul var video wbr x xmp";
        let mut names: Vec<String> = known.split_whitespace().map(String::from).collect();
        // Near misses: a letter more or less, other case, one too long.
        for n in known.split_whitespace() {
            names.push(n.to_ascii_uppercase());
            names.push(format!("{n}x"));
            names.push(n[..n.len() - 1].to_string());
            let mut mixed = n.to_string();
            mixed.replace_range(..1, &n[..1].to_ascii_uppercase());
            names.push(mixed);
        }
        names.extend(["", "a-b", "ü", "divdivdivdivdivdiv", "scrıpt"].map(String::from));
        for n in &names {
            let mut buf = [0u8; MAX_NAME];
            let lower = lower_bytes(n.as_bytes(), &mut buf).unwrap_or_default();
            let info = tag_info(lower);
            let l = std::str::from_utf8(lower).unwrap();
            assert_eq!(info.is(BLOCK), is_block(l), "{n}");
            assert_eq!(info.is(VOID), is_void(l), "{n}");
            assert_eq!(info.is(SPACED), is_spaced(l), "{n}");
            assert_eq!(info.is(HIDDEN), is_hidden_container(l), "{n}");
            assert_eq!(info.special, special(l), "{n}");
        }
    }

    /// The lookup `attr_name` replaced: the name lower-cased into a buffer,
    /// then matched.
    fn attr_name_by_lowering(raw: &[u8]) -> Option<AttrName> {
        let mut buf = [0u8; MAX_NAME];
        Some(match lower_bytes(raw, &mut buf)? {
            b"itemscope" => AttrName::Itemscope,
            b"data-cfemail" => AttrName::Cfemail,
            b"href" => AttrName::Href,
            b"rel" => AttrName::Rel,
            b"lang" => AttrName::Lang,
            b"name" => AttrName::Name,
            b"property" => AttrName::Property,
            b"http-equiv" => AttrName::HttpEquiv,
            b"itemprop" => AttrName::Itemprop,
            b"content" => AttrName::Content,
            b"src" => AttrName::Src,
            b"type" => AttrName::Type,
            b"hreflang" => AttrName::Hreflang,
            b"class" => AttrName::Class,
            b"onclick" => AttrName::Onclick,
            b"onload" => AttrName::Onload,
            _ => return None,
        })
    }

    #[test]
    fn attribute_names_are_found_as_by_lowering_them() {
        let known = "itemscope data-cfemail href rel lang name property http-equiv itemprop \
            content src type hreflang class onclick onload id alt width height loading target \
            style title role srcset sizes media charset crossorigin aria-label data-id rev \
            hrefs lan names typo clas onloadx contents srx hreflanx itempropx propertz \
            itemscopf http_equiv data-cfemaix value action method for tabindex";
        let mut names: Vec<String> = known.split_whitespace().map(String::from).collect();
        for n in known.split_whitespace() {
            names.push(n.to_ascii_uppercase());
            let mut mixed = n.to_string();
            mixed.replace_range(..1, &n[..1].to_ascii_uppercase());
            names.push(mixed);
            names.push(format!("{n}{n}"));
            names.push(n[1..].to_string());
        }
        names.extend(["", "=", "\"", "ü", "hréf", "h\u{0}ef", "ĸlass"].map(String::from));
        for n in &names {
            assert_eq!(
                attr_name(n.as_bytes()),
                attr_name_by_lowering(n.as_bytes()),
                "{n:?}"
            );
        }
    }
}
