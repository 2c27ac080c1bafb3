//! Start tags: the attributes this pass reads and what each element
//! opens in the page state.

use super::*;

pub(super) fn tokens_contain(value: &str, token: &str) -> bool {
    value
        .split_ascii_whitespace()
        .any(|t| t.eq_ignore_ascii_case(token))
}

/// ASCII-lowercases `name` into `buf`; `None` when it is longer than any
/// name this pass looks for.
pub(super) fn lower_name<'b>(name: &[u8], buf: &'b mut [u8; MAX_NAME]) -> Option<&'b str> {
    std::str::from_utf8(lower_bytes(name, buf)?).ok()
}

/// [`lower_name`] as bytes, for names matched against ASCII ones, where
/// checking each for UTF-8 costs more than the match.
fn lower_bytes<'b>(name: &[u8], buf: &'b mut [u8; MAX_NAME]) -> Option<&'b [u8]> {
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

impl<'a> Attrs<'a> {
    /// One pass over the tag's attributes.
    pub(super) fn read(tag: &StartTag<'a>) -> Self {
        let mut attrs = Attrs::default();
        for (raw_name, value) in tag.attributes() {
            let mut buf = [0u8; MAX_NAME];
            let Some(name) = lower_bytes(raw_name.as_bytes(), &mut buf) else {
                continue;
            };
            let slot = match name {
                b"itemscope" => {
                    attrs.itemscope = true;
                    continue;
                }
                b"data-cfemail" => &mut attrs.cfemail,
                b"href" => &mut attrs.href,
                b"rel" => &mut attrs.rel,
                b"lang" => &mut attrs.lang,
                b"name" => &mut attrs.name,
                b"property" => &mut attrs.property,
                b"http-equiv" => &mut attrs.http_equiv,
                b"itemprop" => &mut attrs.itemprop,
                b"content" => &mut attrs.content,
                b"src" => &mut attrs.src,
                b"type" => &mut attrs.type_,
                b"hreflang" => &mut attrs.hreflang,
                b"class" => &mut attrs.class,
                b"onclick" => &mut attrs.onclick,
                b"onload" => &mut attrs.onload,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value.unwrap_or(""));
            }
        }
        attrs
    }
}

/// An element's tag name and `class` value, hashed (FNV-1a): equal for
/// siblings of one repeated layout item.
pub(super) fn element_kind(name: &str, class: Option<&str>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = name.bytes().chain([0]).chain(class.unwrap_or("").bytes());
    for b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

pub(super) fn decoded(v: Option<&str>) -> Option<String> {
    v.map(|v| decode_attribute(v).into_owned())
}

/// HTML elements that never have content or an end tag.
pub(super) fn is_void(tag: &str) -> bool {
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
pub(super) fn on_element_with(
    st: &mut State,
    tag: &str,
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
    if is_block(tag) && st.hidden == 0 {
        st.text.push_break();
        if has_content {
            closing |= END_BLOCK;
        }
    } else if matches!(tag, "td" | "th" | "img" | "input" | "button") {
        st.text.push_space();
    }
    // A button or card that navigates by script (`onclick="location.href=
    // '/kontakt'"`), as site builders make them, and a page that moves on
    // once loaded (`<body onload="location.href='start.html'">`): links by
    // other means.
    for js in [attrs.onclick, attrs.onload].into_iter().flatten() {
        st.add_onclick_targets(js);
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
        "frame" | "iframe" => {
            if let Some(src) = attrs.src {
                st.add_frame_src(src);
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
            st.heading_from = st.text.out.len();
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

pub(super) fn is_js_type(t: &str) -> bool {
    let t = t.trim().to_ascii_lowercase();
    t.is_empty() || t == "module" || t.contains("javascript") || t.contains("ecmascript")
}
