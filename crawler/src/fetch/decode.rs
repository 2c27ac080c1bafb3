//! Response bodies: media types, charset detection and decoding, and
//! the content encodings a page may arrive in.

use std::borrow::Cow;

use super::*;

/// The response's media type (lower-case, empty when none is given) and
/// charset parameter.
pub(super) fn content_type(resp: &Response) -> (String, Option<String>) {
    extract_mime_type(
        resp.headers()
            .get_all(CONTENT_TYPE)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes())),
    )
}

/// The Fetch standard's "extract a MIME type": every `Content-Type` value
/// (a server or proxy may send two, or one joined by commas), split at
/// commas outside quotes; the last one that parses wins (`*/*` does not),
/// with its charset, or the charset of the one before when both name the
/// same type. So `text/html, text/html; charset=utf-8` is HTML in UTF-8.
pub(super) fn extract_mime_type<S: AsRef<str>>(
    values: impl Iterator<Item = S>,
) -> (String, Option<String>) {
    let mut essence = String::new();
    let mut charset: Option<String> = None;
    for value in values {
        for item in split_outside_quotes(value.as_ref(), ',') {
            let mut parts = split_outside_quotes(item, ';');
            let e = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let valid = e.split_once('/').is_some_and(|(t, s)| {
                !t.is_empty() && !s.is_empty() && !e.contains(char::is_whitespace)
            });
            if !valid || e == "*/*" {
                continue;
            }
            let own = parts.find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("charset")
                    .then(|| v.trim().trim_matches(['"', '\'']).to_string())
                    .filter(|v| !v.is_empty())
            });
            if e != essence {
                charset = None;
            }
            if own.is_some() {
                charset = own;
            }
            essence = e;
        }
    }
    (essence, charset)
}

/// `s` split at `sep` where it is not inside double quotes.
fn split_outside_quotes(s: &str, sep: char) -> impl Iterator<Item = &str> {
    let mut quoted = false;
    s.split(move |c: char| {
        if c == '"' {
            quoted = !quoted;
        }
        c == sep && !quoted
    })
}

pub fn is_html_type(t: &str) -> bool {
    matches!(t, "text/html" | "application/xhtml+xml")
}

/// Whether a body sent without a Content-Type is markup: its first
/// character after blanks is `<`. A byte order mark before it (editors
/// save one) is read past, in UTF-8 and in UTF-16, whose `<` is two bytes.
pub(super) fn looks_like_html(bytes: &[u8]) -> bool {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes)
        && encoding != encoding_rs::UTF_8
    {
        let (text, _) =
            encoding.decode_without_bom_handling(&bytes[bom..bytes.len().min(bom + 1024)]);
        return text.trim_start().starts_with('<');
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let head = &bytes[start..bytes.len().min(start + 512)];
    head.first() == Some(&b'<')
}

/// How far into a page a `<meta charset>` is looked for.
pub(super) const META_SNIFF_BYTES: usize = 8 * 1024;

/// Decodes an HTML body: BOM, then the header charset, then a `<meta>`
/// charset in the first 8 KiB, then UTF-8 when the bytes are UTF-8, else
/// windows-1252 (the WHATWG default for unlabelled legacy pages).
/// Malformed bytes become U+FFFD rather than failing the page.
pub fn decode_html(bytes: &[u8], header_charset: Option<&str>) -> String {
    decode_html_cow(bytes, header_charset).into_owned()
}

/// [`decode_html`] of a body the caller gives up: UTF-8 text keeps its
/// buffer instead of being copied.
pub fn decode_html_owned(bytes: Vec<u8>, header_charset: Option<&str>) -> String {
    let skip = match decode_html_cow(&bytes, header_charset) {
        Cow::Owned(text) => return text,
        // Borrowed text is the bytes' tail (a byte order mark left off).
        Cow::Borrowed(text) => bytes.len() - text.len(),
    };
    let mut bytes = bytes;
    bytes.drain(..skip);
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`decode_html`], borrowing the bytes where they are the text.
fn decode_html_cow<'b>(bytes: &'b [u8], header_charset: Option<&str>) -> Cow<'b, str> {
    let meta = || sniff_meta_charset(&bytes[..bytes.len().min(META_SNIFF_BYTES)]);
    let declared = match header_charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())) {
        // A server's default `charset=utf-8` over a legacy page that says
        // in its own `<meta>` what it is (`iso-8859-1`) and whose bytes are
        // not UTF-8: the page knows better. Browsers follow the header and
        // show "J�rgen M�ller"; the crawler reads the names.
        Some(header)
            if header == encoding_rs::UTF_8
                && Encoding::for_bom(bytes).is_none()
                && std::str::from_utf8(bytes).is_err_and(|e| e.error_len().is_some()) =>
        {
            meta().filter(|m| *m != encoding_rs::UTF_8).or(Some(header))
        }
        Some(header) => Some(header),
        None => meta(),
    };
    let encoding = match declared {
        Some(e) => e,
        None if Encoding::for_bom(bytes).is_some() => encoding_rs::UTF_8,
        None => match std::str::from_utf8(bytes) {
            Ok(text) => return Cow::Borrowed(text),
            // Cut inside a character at `maxPageBytes`: still UTF-8.
            Err(e) if e.error_len().is_none() => encoding_rs::UTF_8,
            Err(_) => encoding_rs::WINDOWS_1252,
        },
    };
    // `decode` lets a BOM override the label, as browsers do.
    let (text, _, _) = encoding.decode(bytes);
    text
}

/// The encoding a `<meta charset=…>` or `<meta http-equiv=Content-Type
/// content="…; charset=…">` in `head` names. As in the WHATWG prescan, a
/// UTF-16 label there means UTF-8 (the bytes being read are ASCII-based),
/// and x-user-defined means windows-1252.
pub(super) fn sniff_meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let mut at = 0;
    while let Some(lt) = memchr::memchr(b'<', &head[at..]) {
        let tag_start = at + lt;
        at = tag_start + 1;
        let Some(name) = head.get(tag_start + 1..tag_start + 5) else {
            break;
        };
        if !name.eq_ignore_ascii_case(b"meta") {
            continue;
        }
        let tag_end =
            memchr::memchr(b'>', &head[tag_start..]).map_or(head.len(), |e| tag_start + e);
        if let Some(label) = charset_in(&head[tag_start + 5..tag_end])
            && let Some(encoding) = Encoding::for_label(label)
        {
            return Some(match encoding.name() {
                "UTF-16LE" | "UTF-16BE" => encoding_rs::UTF_8,
                "x-user-defined" => encoding_rs::WINDOWS_1252,
                _ => encoding,
            });
        }
        at = tag_end;
    }
    None
}

/// The label after `charset` `=` in a tag's attribute text.
pub(super) fn charset_in(attrs: &[u8]) -> Option<&[u8]> {
    let mut from = 0;
    while from + 7 <= attrs.len() {
        let pos = attrs[from..]
            .windows(7)
            .position(|w| w.eq_ignore_ascii_case(b"charset"))?;
        let after = from + pos + 7;
        from = after;
        let rest = &attrs[after..];
        let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
        let rest = rest
            .strip_prefix(b"\"")
            .or_else(|| rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
            .unwrap_or(rest.len());
        if end > 0 {
            return Some(&rest[..end]);
        }
    }
    None
}

/// What is asked for: deflate included, which is inflated here.
pub(super) const ACCEPT_ENCODING: &str = "gzip, deflate, br";

/// Inflates a `Content-Encoding: deflate` body, at most `max` bytes, with
/// or without the zlib wrapper RFC 9110 asks for (many servers send raw
/// deflate, and browsers take both). A stream cut short keeps what it
/// gave; `None` when nothing at all inflates.
pub fn inflate(body: &[u8], max: usize) -> Option<(Vec<u8>, bool)> {
    use std::io::Read as _;
    let zlib = body.len() >= 2
        && body[0] & 0x0f == 8
        && (u16::from(body[0]) << 8 | u16::from(body[1])) % 31 == 0;
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    let read = if zlib {
        flate2::read::ZlibDecoder::new(body)
            .take(limit)
            .read_to_end(&mut out)
    } else {
        flate2::read::DeflateDecoder::new(body)
            .take(limit)
            .read_to_end(&mut out)
    };
    if read.is_err() && out.is_empty() && !body.is_empty() {
        return None;
    }
    let truncated = out.len() > max;
    out.truncate(max);
    Some((out, truncated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_as_the_fetch_standard_extracts_them() {
        let mime = |values: &[&str]| {
            let (e, c) = extract_mime_type(values.iter());
            (e, c.unwrap_or_default())
        };
        let table: &[(&[&str], &str, &str)] = &[
            (&["text/html"], "text/html", ""),
            (&["Text/HTML; Charset=\"UTF-8\""], "text/html", "UTF-8"),
            (&["text/html;charset=ISO-8859-1"], "text/html", "ISO-8859-1"),
            // One header joined by a proxy, or two header lines.
            (
                &["text/html, text/html; charset=utf-8"],
                "text/html",
                "utf-8",
            ),
            (
                &["text/html; charset=windows-1252", "text/html"],
                "text/html",
                "windows-1252",
            ),
            (&["text/plain; charset=utf-8", "text/html"], "text/html", ""),
            (
                &["application/xhtml+xml", "*/*"],
                "application/xhtml+xml",
                "",
            ),
            (&["text/html; charset=\"a,b\""], "text/html", "a,b"),
            // Nothing that parses: no type, as when the header is missing.
            (&["html"], "", ""),
            (&[], "", ""),
        ];
        for (values, essence, charset) in table {
            assert_eq!(
                mime(values),
                (essence.to_string(), charset.to_string()),
                "{values:?}"
            );
        }
    }

    #[test]
    fn an_owned_body_decodes_as_a_borrowed_one() {
        let inputs: [&[u8]; 9] = [
            b"<p>plain</p>",
            "<p>J\u{fc}rgen M\u{fc}ller</p>".as_bytes(),
            b"\xef\xbb\xbf<p>bom</p>",
            b"\xff\xfe<\x00p\x00>\x00",
            b"<html><body>Z\xfcrich</body></html>",
            b"<meta charset=\"windows-1252\"><p>caf\xe9</p>",
            b"<p>ok \xff\xfe broken</p>",
            b"<p>M\xc3\xbc\xc3",
            b"",
        ];
        for bytes in inputs {
            for charset in [
                None,
                Some("utf-8"),
                Some("iso-8859-1"),
                Some("shift_jis"),
                Some("x"),
            ] {
                assert_eq!(
                    decode_html_owned(bytes.to_vec(), charset),
                    decode_html(bytes, charset),
                    "{bytes:?} {charset:?}"
                );
            }
        }
    }

    #[test]
    fn charset_decoding() {
        let latin1 = b"<html><body>Z\xfcrich</body></html>";
        assert!(decode_html(latin1, Some("iso-8859-1")).contains("Zürich"));
        let meta = b"<meta charset=\"windows-1252\"><p>caf\xe9</p>";
        assert!(decode_html(meta, None).contains("café"));
        // Undeclared bytes that are not UTF-8 read as windows-1252.
        let bad = b"<p>ok \xff\xfe broken</p>";
        assert_eq!(decode_html(bad, None), "<p>ok \u{ff}\u{fe} broken</p>");
        // Declared UTF-8 with bad bytes keeps U+FFFD rather than guessing.
        let s = decode_html(bad, Some("utf-8"));
        assert!(s.contains("ok") && s.contains('\u{fffd}'));
        let bom = b"\xef\xbb\xbf<p>bom</p>";
        assert_eq!(decode_html(bom, Some("iso-8859-1")), "<p>bom</p>");
    }

    #[test]
    fn charset_sniffing_and_the_legacy_default() {
        // A meta charset after 1 KiB of head (scripts, styles) still counts.
        let mut late = b"<html><head><style>".to_vec();
        late.extend(std::iter::repeat_n(b' ', 4000));
        late.extend(
            b"</style><meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">",
        );
        late.extend(b"<p>J\xfcrgen M\xfcller</p>");
        assert!(decode_html(&late, None).contains("Jürgen Müller"));
        // Undeclared and not UTF-8: windows-1252, not U+FFFD.
        let legacy = b"<p>J\xfcrgen M\xfcller \x80 \x93quoted\x94</p>";
        assert_eq!(decode_html(legacy, None), "<p>Jürgen Müller € “quoted”</p>");
        // Undeclared UTF-8 stays UTF-8, also when cut inside a character.
        assert_eq!(
            decode_html("<p>Jürgen Müller</p>".as_bytes(), None),
            "<p>Jürgen Müller</p>"
        );
        let cut = "<p>Müller ü".as_bytes();
        assert!(decode_html(&cut[..cut.len() - 1], None).starts_with("<p>Müller"));
        // A charset word in a script is not a declaration; a meta one is.
        let script = b"<script>var charset='koi8-r'</script><p>M\xfcller</p>";
        assert!(decode_html(script, None).contains("Müller"));
        let spaced = b"<META CHARSET = 'windows-1251'><p>\xcf\xf0\xe8</p>";
        assert!(decode_html(spaced, None).contains("При"));
        // UTF-16 named in a meta tag means UTF-8 (WHATWG prescan).
        let utf16 = "<meta charset=utf-16><p>Müller</p>".as_bytes();
        assert!(decode_html(utf16, None).contains("Müller"));
    }

    #[test]
    fn a_server_default_utf8_yields_to_the_page_own_legacy_charset() {
        let legacy = b"<meta charset=iso-8859-1><p>J\xfcrgen M\xfcller</p>";
        assert!(decode_html(legacy, Some("utf-8")).contains("Jürgen Müller"));
        let http_equiv = b"<meta http-equiv=Content-Type content='text/html; charset=windows-1252'><p>M\xfcller \x80</p>";
        assert!(decode_html(http_equiv, Some("UTF-8")).contains("Müller €"));
        // Valid UTF-8 keeps the header's word, whatever the meta says.
        let fine = "<meta charset=iso-8859-1><p>Müller</p>".as_bytes();
        assert!(decode_html(fine, Some("utf-8")).contains("<p>Müller</p>"));
        // No meta to yield to: U+FFFD as before, not a guess.
        let bare = b"<p>M\xfcller</p>";
        assert_eq!(decode_html(bare, Some("utf-8")), "<p>M\u{fffd}ller</p>");
        // A header naming a legacy charset is not overridden.
        let named = b"<meta charset=utf-8><p>M\xfcller</p>";
        assert!(decode_html(named, Some("iso-8859-1")).contains("Müller"));
    }

    #[test]
    fn deflate_with_and_without_zlib_header() {
        use std::io::Write as _;
        // Varied text, so that half of the compressed stream holds whole
        // blocks of output.
        let text: Vec<u8> = (0..3000u32)
            .flat_map(|i| {
                format!("<p>Jane Doe {}, CEO</p>", i.wrapping_mul(7919) % 10007).into_bytes()
            })
            .collect();
        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(&text).unwrap();
        let raw = raw.finish().unwrap();
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(&text).unwrap();
        let zlib = zlib.finish().unwrap();
        assert_eq!(inflate(&raw, 1 << 20), Some((text.clone(), false)));
        assert_eq!(inflate(&zlib, 1 << 20), Some((text.clone(), false)));
        // The limit applies to what comes out.
        assert_eq!(inflate(&raw, 100), Some((text[..100].to_vec(), true)));
        // A stream cut short keeps what it gave.
        let (part, _) = inflate(&raw[..raw.len() / 2], 1 << 20).unwrap();
        assert!(!part.is_empty() && text.starts_with(&part));
        assert_eq!(inflate(&[0xff, 0xff, 0xff], 100), None);
    }

    #[test]
    fn html_sniffing() {
        assert!(looks_like_html(b"  \n<!doctype html>"));
        assert!(!looks_like_html(b"%PDF-1.4"));
        assert!(looks_like_html(b"\xef\xbb\xbf\r\n<html>"));
        assert!(looks_like_html(b"\xff\xfe<\0h\0"));
        assert!(looks_like_html(b"\xfe\xff\0 \0<\0h"));
        assert!(!looks_like_html(b"\xef\xbb\xbfplain text"));
        assert!(!looks_like_html(b""));
    }
}
