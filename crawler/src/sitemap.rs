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

/// `<loc>` values of a sitemap, and whether it is a sitemap index.
pub fn parse_sitemap(xml: &[u8]) -> (Vec<String>, bool) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut locs = Vec::new();
    let mut is_index = false;
    let mut loc: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name();
                let name: &str = name.as_ref();
                if name == "sitemapindex" {
                    is_index = true;
                }
                loc = (name == "loc").then(String::new);
            }
            Ok(Event::Text(t)) => {
                if let Some(l) = &mut loc {
                    let raw: &str = t.as_ref();
                    l.push_str(raw);
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
        if locs.len() > 100_000 {
            break;
        }
    }
    (locs, is_index)
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
}
