//! What a page is: legacy charsets and compressed bodies, company pages
//! before bulk pages, files as documents.

use std::io::Write as _;

use cira_crawler::state::CrawlState;

use super::{crawl_site, html, raw};
use crate::common::{Reply, Site, spec};

fn title_of(state: &CrawlState, path_end: &str) -> Option<String> {
    state
        .entities
        .pages
        .iter()
        .find(|p| p.url.ends_with(path_end))
        .and_then(|p| p.title.clone())
}

fn deflate_raw(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_charsets_and_raw_deflate_decode_as_in_a_browser() {
    let site = Site::start(|path: &str| match path {
        // No charset anywhere, windows-1252 bytes.
        "/" => raw(
            200,
            vec![("content-type", "text/html".into())],
            b"<html><head><title>J\xfcrgen M\xfcller GmbH</title></head><body>\
              <a href=\"/late\">late</a> <a href=\"/deflated\">deflated</a></body></html>"
                .to_vec(),
        ),
        // The declaration comes after 4 KiB of inline style.
        "/late" => {
            let mut body = b"<html><head><style>".to_vec();
            body.extend(std::iter::repeat_n(b' ', 4096));
            body.extend(b"</style><meta charset=\"iso-8859-15\"><title>\xa4 J\xfcrgen</title></head></html>");
            raw(200, vec![("content-type", "text/html".into())], body)
        }
        // Raw deflate without the zlib header, as some servers send it.
        "/deflated" => raw(
            200,
            vec![
                ("content-type", "text/html; charset=utf-8".into()),
                ("content-encoding", "deflate".into()),
            ],
            deflate_raw(
                "<html><head><title>Müller deflated</title></head><body><a href=\"/after\">x</a></body></html>"
                    .as_bytes(),
            ),
        ),
        "/after" => html("<p>after</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(title_of(&state, "/").as_deref(), Some("Jürgen Müller GmbH"));
    assert_eq!(title_of(&state, "/late").as_deref(), Some("€ Jürgen"));
    assert_eq!(
        title_of(&state, "/deflated").as_deref(),
        Some("Müller deflated")
    );
    assert_eq!(site.hits("/after"), 1, "the inflated page's links are read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn national_numbers_of_pages_naming_no_country_take_the_sites() {
    // No country domain and no language anywhere: the home page's numbers
    // are placed in the country of the address on the contact page.
    let page = |body: &str| {
        Reply::Html(format!(
            "<html><head><title>Acme</title></head><body>{body}</body></html>"
        ))
    };
    let site = Site::start(move |path: &str| match path {
        "/" => page(
            "<p>Call us at (415) 555-0199 or 415.555.0123.</p>\
             <p><a href=\"tel:800-555-0100\">Toll free</a></p>\
             <p>Fax: 12.03.2024</p><a href=\"/contact\">Contact</a>",
        ),
        "/contact" => page(
            "<p>Acme Widgets Inc.<br>1600 Main Street, Suite 4<br>Springfield, IL 62701</p>\
             <p>Phone: (217) 555-0142</p>",
        ),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    let phones = &state.entities.phones;
    let mut got: Vec<&str> = phones.keys().map(String::as_str).collect();
    got.sort();
    assert_eq!(
        got,
        [
            "+12175550142",
            "+14155550123",
            "+14155550199",
            "+18005550100"
        ]
    );
    assert!(
        phones["+14155550199"]
            .seen
            .sources
            .iter()
            .all(|u| !u.ends_with("/contact"))
    );
    assert!(state.entities.unplaced_phones.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_fact_pages_come_before_bulk_pages() {
    // A blog-heavy site: with a budget of 10 pages, the imprint and team
    // page linked (last) from the home page are fetched, not blog posts.
    let site = Site::start(|path: &str| {
        let blog: String = (0..30)
            .map(|i| format!("<url><loc>/blog/post-{i}</loc></url>"))
            .collect();
        match path {
            "/" => {
                let posts: String = (0..3)
                    .map(|i| format!(r#"<a href="/blog/post-{i}">Post {i}</a> "#))
                    .collect();
                html(&format!(
                    r#"{posts}<a href="/impressum">Impressum</a> <a href="/ueber-uns/team">Team</a> <a href="/ueber-uns">Über uns</a>"#
                ))
            }
            "/sitemap.xml" => raw(
                200,
                vec![("content-type", "application/xml".into())],
                format!("<urlset>{blog}</urlset>"),
            ),
            "/impressum" | "/ueber-uns/team" => html("<p>facts</p>"),
            // Linked from the home page: its own links (depth 2) come
            // before sitemap-only posts.
            "/ueber-uns" => html(r#"<a href="/ueber-uns/vorstand">Vorstand</a>"#),
            "/ueber-uns/vorstand" => html("<p>board</p>"),
            p if p.starts_with("/blog/post-") => html("<p>post</p>"),
            _ => Reply::NotFound,
        }
    })
    .await;
    let mut s = spec();
    s.max_pages = 10;
    s.concurrency = 1;
    crawl_site(&site, "/", s).await;
    assert_eq!(site.hits("/impressum"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/ueber-uns/team"), 1, "{:?}", site.page_hits());
    assert_eq!(
        site.hits("/ueber-uns/vorstand"),
        1,
        "{:?}",
        site.page_hits()
    );
    assert_eq!(site.total_page_hits(), 10);
    // Home, three fact pages, three linked posts and the board page (a
    // link at depth 2) leave two for posts only the sitemap lists.
    let posts = (0..30)
        .filter(|i| site.hits(&format!("/blog/post-{i}")) == 1)
        .count();
    assert_eq!(posts, 5, "{:?}", site.page_hits());
    for i in 0..3 {
        assert_eq!(
            site.hits(&format!("/blog/post-{i}")),
            1,
            "{:?}",
            site.page_hits()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_documents_not_pages() {
    let site = Site::start(|path: &str| match path {
        "/" => html(
            r#"<a href="/files/Brochure.PDF">Brochure</a> <img src="/logo.png"><a href="/logo.png">Logo</a>
            <a href="/download?id=7">Price list</a> <a href="/about">About</a>
            <a href="/catalog.ZIP">Catalog</a> <a href="/products">Products</a>"#,
        ),
        // A file behind a URL without an extension: fetched, not a page.
        "/download?id=7" => raw(
            200,
            vec![("content-type", "application/pdf".into())],
            b"%PDF-1.4".to_vec(),
        ),
        "/about" | "/products" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let mut s = spec();
    // Room for the three pages only: files must not use it up.
    s.max_pages = 3;
    let state = crawl_site(&site, "/", s).await;
    for file in ["/files/Brochure.PDF", "/logo.png", "/catalog.ZIP"] {
        assert_eq!(site.hits(file), 0, "{file}");
    }
    assert_eq!(site.hits("/download?id=7"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/about"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/products"), 1, "{:?}", site.page_hits());
    assert_eq!(state.pages_crawled, 3);
    assert_eq!(state.pages_failed, 0);
    let documents: Vec<&str> = state.documents.iter().map(String::as_str).collect();
    assert_eq!(
        documents,
        [
            site.url("/catalog.ZIP"),
            site.url("/download?id=7"),
            site.url("/files/Brochure.PDF"),
            site.url("/logo.png")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_type_lists_and_repeated_headers_are_read_as_browsers_do() {
    // A PHP page behind a proxy: the header arrives twice, or joined by a
    // comma; the last type counts, with the charset said for it.
    let latin1 = |path: &str| -> Vec<u8> {
        let mut b = format!(r#"<p>Team</p><a href="{path}"#).into_bytes();
        b.extend_from_slice(b"/m\xfcller\">M\xfcller</a>");
        b
    };
    let site = Site::start(move |path: &str| match path {
        "/" => html(r#"<a href="/joined">A</a> <a href="/twice">B</a>"#),
        "/joined" => raw(
            200,
            vec![(
                "content-type",
                "text/html, text/html; charset=iso-8859-1".into(),
            )],
            latin1("/joined"),
        ),
        "/twice" => raw(
            200,
            vec![
                ("content-type", "text/html; charset=windows-1252".into()),
                ("content-type", "text/html".into()),
            ],
            latin1("/twice"),
        ),
        "/joined/m%C3%BCller" | "/twice/m%C3%BCller" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert!(state.skipped.is_empty(), "{:?}", state.skipped);
    assert!(state.documents.is_empty(), "{:?}", state.documents);
    assert_eq!(
        site.hits("/joined/m%C3%BCller"),
        1,
        "{:?}",
        site.page_hits()
    );
    assert_eq!(site.hits("/twice/m%C3%BCller"), 1, "{:?}", site.page_hits());
}

/// A server that writes each answer as given, byte for byte, then closes
/// the connection: bodies shorter than their `Content-Length` cannot be
/// sent through a well-behaved HTTP library. Answers by request path.
async fn raw_server(
    answers: Vec<(&'static str, Vec<u8>)>,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answers = std::sync::Arc::new(answers);
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let answers = std::sync::Arc::clone(&answers);
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&req);
                let path = line.split(' ').nth(1).unwrap_or("").to_string();
                let answer = answers
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, a)| a.clone())
                    .unwrap_or_else(|| {
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            .to_vec()
                    });
                let _ = sock.write_all(&answer).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_cut_short_is_read_as_far_as_it_came() {
    // An app server dying mid-page, or a proxy whose Content-Length lies:
    // the connection closes before the body is whole. Browsers show what
    // arrived; its links and text are used.
    let page = |body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let cut = b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 50000\r\nconnection: close\r\n\r\n<html><body><p>Impressum</p><a href=\"/after-cut\">Team</a><p>Acme GmbH, Musterstr"
        .to_vec();
    // A gzip stream cut in the middle, with a length that matches the cut.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(
        format!(
            "<html><body><a href=\"/after-gz-cut\">Jobs</a>{}</body></html>",
            "<p>lorem ipsum dolor sit amet</p>".repeat(2000)
        )
        .as_bytes(),
    )
    .unwrap();
    let gz = gz.finish().unwrap();
    let half = &gz[..gz.len() / 2];
    let mut gz_cut = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        half.len()
    )
    .into_bytes();
    gz_cut.extend_from_slice(half);
    let (addr, task) = raw_server(vec![
        (
            "/",
            page(r#"<a href="/cut">Impressum</a> <a href="/gz-cut">Jobs</a>"#),
        ),
        ("/cut", cut),
        ("/gz-cut", gz_cut),
        ("/after-cut", page("<p>team</p>")),
        ("/after-gz-cut", page("<p>jobs</p>")),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = crate::common::config(&format!("http://{addr}/"), spec(), &[addr.ip()]);
    let (outcome, state) = crate::common::crawl(cfg, dir.path()).await;
    task.abort();
    assert!(outcome.is_ok(), "{outcome:?}");
    let state = state.unwrap();
    assert_eq!(state.pages_failed, 0, "{:?}", state.skipped);
    // The pages cut short were read, and the links in the part that
    // arrived were followed (`/after-*` are linked from nowhere else).
    assert_eq!(state.pages_crawled, 5, "{:?}", state.visited);
    for path in ["/after-cut", "/after-gz-cut"] {
        let url = url::Url::parse(&format!("http://{addr}{path}")).unwrap();
        let key = cira_crawler::url_norm::dedup_key(&url);
        assert!(state.visited.contains(&key), "{path}: {:?}", state.visited);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlabelled_pages_with_a_bom_are_pages_and_no_content_is_no_document() {
    // A static page saved by an editor with a byte order mark, served
    // without a Content-Type; and a 204 answer, which has no body at all.
    let mut bom_page = b"\xef\xbb\xbf\r\n".to_vec();
    bom_page.extend_from_slice(br#"<html><body><a href="/from-bom">Team</a></body></html>"#);
    let mut utf16_page = vec![0xff, 0xfe];
    for unit in r#"<html><body><a href="/from-utf16">Jobs</a></body></html>"#.encode_utf16() {
        utf16_page.extend_from_slice(&unit.to_le_bytes());
    }
    let site = Site::start(move |path: &str| match path {
        "/" => html(r#"<a href="/bom">A</a> <a href="/utf16">B</a> <a href="/ping">C</a>"#),
        "/bom" => raw(200, vec![], bom_page.clone()),
        "/utf16" => raw(200, vec![], utf16_page.clone()),
        "/ping" => raw(204, vec![], Vec::new()),
        "/from-bom" | "/from-utf16" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(site.hits("/from-bom"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/from-utf16"), 1, "{:?}", site.page_hits());
    assert!(state.documents.is_empty(), "{:?}", state.documents);
    assert_eq!(
        state.skipped.get(&cira_crawler::skip::SkipKind::HttpStatus),
        Some(&1),
        "{:?}",
        state.skipped
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_page_under_a_server_default_utf8_header_is_read_in_its_own_charset() {
    // Apache's `AddDefaultCharset UTF-8` over an old page saved in
    // ISO-8859-1 that says so in its `<meta>`.
    let mut legacy = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><title>Team</title></head><body>".to_vec();
    legacy.extend_from_slice(b"<a href=\"/team/m\xfcller\">J\xfcrgen M\xfcller</a></body></html>");
    let site = Site::start(move |path: &str| match path {
        "/" => raw(
            200,
            vec![("content-type", "text/html; charset=utf-8".into())],
            legacy.clone(),
        ),
        "/team/m%C3%BCller" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(site.hits("/team/m%C3%BCller"), 1, "{:?}", site.page_hits());
    assert!(state.skipped.is_empty(), "{:?}", state.skipped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_in_sentences_advisors_and_an_address_only_in_a_map_link() {
    // A press page names its contact and a hire in sentences; the team
    // page has an advisory board of names with affiliations; the contact
    // page shows its address only in a map link, and its phone in the
    // North American way with no label.
    let site = Site::start(|path: &str| match path {
        "/" => html(
            r#"<a href="/press">Press</a> <a href="/team">Team</a> <a href="/contact">Contact</a>"#,
        ),
        "/press" => html(
            "<h1>Press</h1><p>For press inquiries, please contact Sarah Lee (Head of Communications) at press@acme.example.</p>\
             <p>Acme today announced the appointment of Rachel Adams as Chief Financial Officer.</p>\
             <p>Please contact Jane Doe at jane@acme.example.</p>",
        ),
        "/team" => html(
            "<h1>Team</h1><h2>Management</h2><h3>Hannah Cole</h3><p>CEO</p>\
             <h2>Advisory Board</h2><h3>Alan Turing-Smith</h3><p>Professor, Stanford University</p>\
             <h3>Mei Lin</h3><p>Former CTO, Honeywell</p>\
             <h2>Locations</h2><p>Seattle</p>",
        ),
        "/contact" => html(
            r#"<h1>Visit us</h1><img src="/map.png" alt="Map">
               <a href="https://www.google.com/maps/place/400+Pine+Street,+Seattle,+WA+98101/@47.61,-122.33,17z">Directions</a>
               <p>Acme Inc. · (206) 555-0142</p>"#,
        ),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    let people: Vec<(String, Vec<String>)> = state
        .entities
        .people
        .values()
        .map(|p| (p.name.clone(), p.titles.iter().cloned().collect()))
        .collect();
    let want = |name: &str, title: &str| (name.to_string(), vec![title.to_string()]);
    assert_eq!(
        people,
        [
            want("Alan Turing-Smith", "Advisory Board"),
            want("Hannah Cole", "CEO"),
            want("Mei Lin", "Advisory Board"),
            want("Rachel Adams", "Chief Financial Officer"),
            want("Sarah Lee", "Head of Communications"),
        ]
    );
    let addresses: Vec<_> = state
        .entities
        .addresses
        .values()
        .map(|a| {
            (
                a.address.street.clone(),
                a.address.locality.clone(),
                a.address.postal_code.clone(),
                a.address.country.clone(),
            )
        })
        .collect();
    assert_eq!(
        addresses,
        [(
            Some("400 Pine Street".to_string()),
            Some("Seattle".to_string()),
            Some("98101".to_string()),
            Some("US".to_string())
        )]
    );
    let phones: Vec<&str> = state.entities.phones.keys().map(String::as_str).collect();
    assert_eq!(phones, ["+12065550142"]);
}
