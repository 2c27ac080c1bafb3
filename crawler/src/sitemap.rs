//! Sitemap files: inflating `.xml.gz` and reading `<loc>` values. The
//! engine decides which sitemaps to read and what to queue.

/// Sitemaps are often served as `sitemap.xml.gz` files (gzip bytes, not a
/// Content-Encoding the client undoes): inflate those, at most `max` bytes
/// so a bomb stops early. `None` when the gzip stream is broken.
pub fn gunzip_if_gzipped(body: Vec<u8>, max: u64) -> Option<Vec<u8>> {
    use std::io::Read as _;
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Some(body);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body.as_slice())
        .take(max)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

/// Page URLs of a sitemap, and whether it is a sitemap index. Only a `<loc>`
/// directly inside `<url>` or `<sitemap>` names a page (or a sitemap); the
/// `<loc>` of an image, video or other extension element names a file.
/// `<xhtml:link rel="alternate" href>` inside `<url>` names the page's
/// other language versions, which are pages too. A `<loc>` may be written
/// as CDATA. A file that is not XML is a text sitemap (one absolute URL a
/// line, which the sitemaps protocol allows beside XML).
pub fn parse_sitemap(xml: &[u8]) -> (Vec<String>, bool) {
    use quick_xml::events::Event;
    /// Deeper nesting than any sitemap has: a hostile file stops here.
    const MAX_DEPTH: usize = 64;
    if let Some(text) = text_sitemap(xml) {
        return (text, false);
    }
    let mut reader = quick_xml::Reader::from_reader(xml);
    // Sitemaps are often written by hand or by plugins that do not escape:
    // a bare `&` in a URL or an end tag in other case must not end the
    // reading (and lose every URL after it), as XML's rules would.
    let config = reader.config_mut();
    config.allow_dangling_amp = true;
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    let mut locs = Vec::new();
    let mut is_index = false;
    let mut loc: Option<String> = None;
    // Local names of the open elements.
    let mut open: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    let alternate_href = |e: &quick_xml::events::BytesStart<'_>| -> Option<String> {
        let mut rel_alternate = false;
        let mut href = None;
        for attr in e.attributes().flatten() {
            let key = attr.key.local_name();
            let key: &str = key.as_ref();
            match key {
                "rel" => rel_alternate = attr.value.trim().eq_ignore_ascii_case("alternate"),
                "href" => href = Some(attr.value.into_owned()),
                _ => {}
            }
        }
        href.filter(|_| rel_alternate)
            .map(|h| html_escape::decode_html_entities(h.trim()).into_owned())
            .filter(|h| !h.is_empty())
    };
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name();
                let name: &str = name.as_ref();
                let parent = open.last().map(String::as_str);
                if name == "sitemapindex" {
                    is_index = true;
                }
                loc =
                    (name == "loc" && matches!(parent, Some("url" | "sitemap"))).then(String::new);
                if name == "link"
                    && parent == Some("url")
                    && let Some(href) = alternate_href(&e)
                {
                    locs.push(href);
                }
                if open.len() >= MAX_DEPTH {
                    break;
                }
                open.push(name.to_owned());
            }
            Ok(Event::Empty(e)) => {
                let name = e.local_name();
                let name: &str = name.as_ref();
                if name == "link"
                    && open.last().map(String::as_str) == Some("url")
                    && let Some(href) = alternate_href(&e)
                {
                    locs.push(href);
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(l) = &mut loc {
                    let raw: &str = t.as_ref();
                    l.push_str(raw);
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(l) = &mut loc {
                    l.push_str(&t.into_inner());
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(l) = &mut loc {
                    let raw: &str = r.as_ref();
                    l.push('&');
                    l.push_str(raw);
                    l.push(';');
                }
            }
            Ok(Event::End(_)) => {
                open.pop();
                if let Some(l) = loc.take() {
                    let s = html_escape::decode_html_entities(l.trim()).into_owned();
                    if !s.is_empty() {
                        locs.push(s);
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
        if locs.len() > MAX_LOCS {
            break;
        }
    }
    (locs, is_index)
}

/// Most URLs read from one sitemap file.
const MAX_LOCS: usize = 100_000;

/// The URLs of a text sitemap: a file whose first character (after a BOM
/// and blanks) is no `<`, read line by line; lines that are not absolute
/// http(s) URLs are skipped. `None` for XML.
fn text_sitemap(body: &[u8]) -> Option<Vec<String>> {
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first == b'<' {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    Some(
        text.lines()
            .map(str::trim)
            .filter(|l| {
                ["http://", "https://"]
                    .iter()
                    .any(|p| l.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)))
            })
            .take(MAX_LOCS)
            .map(str::to_string)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemaps() {
        let (locs, idx) = parse_sitemap(
            br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc> https://acme.test/a?x=1&amp;y=2 </loc></url><url><loc>https://acme.test/b</loc></url></urlset>"#,
        );
        assert_eq!(locs, ["https://acme.test/a?x=1&y=2", "https://acme.test/b"]);
        assert!(!idx);
        let (locs, idx) = parse_sitemap(
            b"<sitemapindex><sitemap><loc>https://acme.test/s1.xml</loc></sitemap></sitemapindex>",
        );
        assert_eq!(locs, ["https://acme.test/s1.xml"]);
        assert!(idx);
        assert!(parse_sitemap(b"\xff\xfe garbage <<<").0.is_empty());
    }

    #[test]
    fn sloppy_sitemaps_keep_their_urls() {
        let (locs, _) = parse_sitemap(
            b"<urlset><url><loc>https://acme.test/p?a=1&b=2</loc></url>\
              <url><loc>https://acme.test/AT&T & co</loc></uRL></url>\
              <url><loc>https://acme.test/after</loc></url></urlset>",
        );
        assert_eq!(
            locs,
            [
                "https://acme.test/p?a=1&b=2",
                "https://acme.test/AT&T & co",
                "https://acme.test/after"
            ]
        );
    }

    #[test]
    fn cdata_locs_and_text_sitemaps() {
        let (locs, _) = parse_sitemap(
            br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc><![CDATA[ https://acme.test/a?x=1&y=2 ]]></loc></url></urlset>"#,
        );
        assert_eq!(locs, ["https://acme.test/a?x=1&y=2"]);
        let (locs, idx) = parse_sitemap(
            b"\xef\xbb\xbfhttps://acme.test/\r\n  HTTP://acme.test/team  \n# comment\n/relative\nmailto:x@acme.test\n\n",
        );
        assert_eq!(locs, ["https://acme.test/", "HTTP://acme.test/team"]);
        assert!(!idx);
        // An HTML page where a sitemap was expected (a catch-all route) is
        // no text sitemap.
        assert!(
            parse_sitemap(b"  <!doctype html><a href='https://acme.test/x'>x</a>")
                .0
                .is_empty()
        );
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzipped_sitemaps_are_inflated_within_the_limit() {
        let xml = b"<urlset><url><loc>/a</loc></url></urlset>".to_vec();
        assert_eq!(gunzip_if_gzipped(xml.clone(), 1024), Some(xml.clone()));
        assert_eq!(gunzip_if_gzipped(gzip(&xml), 1024), Some(xml));
        // A bomb stops at the limit.
        let bomb = gzip(&vec![b'x'; 5_000_000]);
        assert!(bomb.len() < 20_000);
        assert_eq!(gunzip_if_gzipped(bomb, 4096).map(|b| b.len()), Some(4096));
        // Gzip magic followed by garbage is refused, not a panic.
        assert_eq!(gunzip_if_gzipped(vec![0x1f, 0x8b, 0, 1, 2, 3], 1024), None);
    }

    #[test]
    fn image_video_and_news_locs_are_not_pages() {
        let (locs, idx) = parse_sitemap(
            br#"<?xml version="1.0"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
              xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
              xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"
              xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
              xmlns:xhtml="http://www.w3.org/1999/xhtml">
            <url><loc>https://acme.test/team</loc>
              <image:image><image:loc>https://acme.test/img/team.jpg</image:loc></image:image>
              <video:video><video:content_loc>https://acme.test/v.mp4</video:content_loc>
                <video:player_loc>https://acme.test/player</video:player_loc></video:video>
              <news:news><news:title>x</news:title></news:news>
              <xhtml:link rel="alternate" hreflang="de" href="https://acme.test/de/team"/>
              <xhtml:link rel="stylesheet" href="https://acme.test/s.css"/>
            </url>
            <loc>https://acme.test/stray</loc>
            </urlset>"#,
        );
        assert_eq!(
            locs,
            ["https://acme.test/team", "https://acme.test/de/team"]
        );
        assert!(!idx);
    }
}
