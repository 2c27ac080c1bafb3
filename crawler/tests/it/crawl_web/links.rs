//! Which links are one page, which are followed, and which are other
//! sites: redirects, session ids, ports, links outside anchors, Refresh and
//! Link headers.

use super::{crawl_site, html, raw, redirect};
use crate::common::{Reply, Site, spec};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailing_slash_redirects_are_followed_not_loops() {
    // WordPress adds the slash (301), Next.js/Vercel remove it (308); the
    // seed itself redirects so. A moved page is recorded where it is now.
    let site = Site::start(|path: &str| match path {
        "/en" => redirect(301, "/en/"),
        "/en/" => html(
            r#"<a href="/kontakt">Kontakt</a> <a href="/about/">About</a> <a href="/old-team">Team</a>"#,
        ),
        "/kontakt" => redirect(301, "/kontakt/"),
        "/kontakt/" => html("<p>Kontakt</p>"),
        "/about/" => redirect(308, "/about"),
        "/about" => html(r#"<p>About</p><a href="/about/">self</a> <a href="/team">Team</a>"#),
        "/old-team" => redirect(301, "/team"),
        "/team" => html(r#"<p>Team</p><a href="/old-team">again</a>"#),
        _ => Reply::NotFound,
    })
    .await;
    let mut s = spec();
    // One at a time: `/team` is queued (linked from `/about`) before
    // `/old-team` turns out to be it.
    s.concurrency = 1;
    let state = crawl_site(&site, "/en", s).await;
    assert_eq!(state.pages_failed, 0);
    assert!(state.skipped.is_empty(), "{:?}", state.skipped);
    for path in [
        "/en",
        "/en/",
        "/kontakt",
        "/kontakt/",
        "/about/",
        "/about",
        "/old-team",
        "/team",
    ] {
        assert_eq!(site.hits(path), 1, "{path}: {:?}", site.page_hits());
    }
    assert_eq!(site.total_page_hits(), 8);
    // Pages are recorded under their final URLs.
    let mut pages: Vec<String> = state
        .entities
        .pages
        .iter()
        .map(|p| p.url.trim_start_matches(&site.url("")).to_string())
        .collect();
    pages.sort();
    assert_eq!(pages, ["/about", "/en/", "/kontakt/", "/team"]);
    // The URL that redirected is visited too: linking it again fetches
    // nothing.
    let old = url::Url::parse(&site.url("/old-team")).unwrap();
    assert!(
        state
            .visited
            .contains(&cira_crawler::url_norm::dedup_key(&old)),
        "{:?}",
        state.visited
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_ids_cookie_checks_and_spellings_are_one_page() {
    let hex = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    let home = format!(
        r#"<a href="/shop;jsessionid=0AF3B2C1D9">Shop</a> <a href="/shop;jsessionid=77EE01">Shop</a>
        <a href="/team?PHPSESSID={hex}">Team</a> <a href="/team?srsltid=AfmB&amp;_kx=a.b&amp;hsa_cam=7">Team</a>
        <a href="/index.html">Home</a> <a href="/about/index.php">About</a> <a href="/about/">About</a>
        <a href="/%7Ejane">Jane</a> <a href="/~jane">Jane</a> <a href="/p?sid={hex}">P</a>"#
    );
    // The home page first sets a cookie and sends the client back to itself
    // to see that cookies work, as load balancers and consent walls do.
    let site = Site::start_with_headers("127.0.0.1", move |path, headers| {
        let has_cookie = headers
            .get_all("cookie")
            .iter()
            .any(|v| v.to_str().unwrap_or("").contains("check=1"));
        match path {
            "/" if !has_cookie => raw(
                302,
                vec![
                    ("location", "/".into()),
                    ("set-cookie", "check=1; Path=/".into()),
                ],
                Vec::new(),
            ),
            "/" => html(&home),
            "/shop" | "/team" | "/about/" | "/about/index.php" | "/~jane" | "/p" => {
                html("<p>page</p>")
            }
            _ => Reply::NotFound,
        }
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(state.pages_failed, 0, "the cookie check is no loop");
    let hits = site.page_hits();
    assert_eq!(hits.get("/"), Some(&2), "{hits:?}");
    for path in ["/shop", "/team", "/~jane", "/p"] {
        assert_eq!(hits.get(path), Some(&1), "{path}: {hits:?}");
    }
    // `/about/index.php` and `/about/` are one page: the first spelling
    // linked is fetched, once.
    let about = hits.get("/about/index.php").unwrap_or(&0) + hits.get("/about/").unwrap_or(&0);
    assert_eq!(about, 1, "{hits:?}");
    assert_eq!(hits.len(), 6, "{hits:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_that_act_are_never_fetched() {
    // A WordPress shop's home page: logging out, the cart, comment replies
    // and feeds are links too, and a GET of one changes state or yields no
    // page.
    let site = Site::start(|path: &str| match path {
        "/" => html(
            r#"<a href="/about/">About</a> <a href="/blog/hello/">Blog</a>
            <a href="/wp-login.php">Log in</a> <a href="/my-account/">Account</a>
            <a href="/?add-to-cart=42">Buy</a> <a href="/cart/">Cart</a>
            <a href="/checkout/">Checkout</a> <a href="/feed/">RSS</a>
            <a href="/account/logout">Log out</a>"#,
        ),
        "/about/" => html("<p>About us</p>"),
        "/blog/hello/" => html(
            r#"<p>Hello</p><a href="/blog/hello/?replytocom=3#respond">Reply</a>
            <a href="/blog/hello/?share=twitter">Share</a> <a href="/blog/hello/feed/">Comments feed</a>"#,
        ),
        _ => html("<p>should not be fetched</p>"),
    })
    .await;
    crawl_site(&site, "/", spec()).await;
    let hits = site.page_hits();
    for path in ["/", "/about/", "/blog/hello/"] {
        assert_eq!(hits.get(path), Some(&1), "{path}: {hits:?}");
    }
    assert_eq!(site.total_page_hits(), 3, "{hits:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_port_is_another_site() {
    let admin = Site::start(|_: &str| html("<p>admin console</p>")).await;
    let admin_url = admin.url("/admin");
    let site = Site::start(move |path: &str| match path {
        "/" => html(&format!(
            r#"<a href="{admin_url}">Admin</a> <a href="/ok">OK</a>"#
        )),
        "/ok" => html("<p>ok</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(admin.total_page_hits(), 0, "{:?}", admin.all_hits());
    assert_eq!(site.hits("/ok"), 1);
    assert!(
        state.external_links.contains(&admin.url("/admin")),
        "{:?}",
        state.external_links
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_outside_anchors_are_followed() {
    // A Next.js-style app shell: navigation is rendered by script, so the
    // pages are linked from `<noscript>`, hreflang alternates, an image map,
    // `__NEXT_DATA__` and JSON-LD only.
    let site = Site::start(|path: &str| match path {
        "/" => Reply::Html(
            r##"<!doctype html><html><head><title>Acme</title>
            <link rel="alternate" hreflang="de" href="/de/">
            <script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization",
              "url":"/kontakt","logo":"/logo.png","sameAs":["https://www.linkedin.com/company/acme"]}</script>
            </head><body><div id="__next"></div>
            <noscript><a href="/impressum">Impressum</a></noscript>
            <img usemap="#m"><map name="m"><area href="/standorte" alt="Map"></map>
            <script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"nav":[{"href":"/team"}]}},"page":"/[slug]"}</script>
            </body></html>"##
                .into(),
        ),
        "/de/" | "/kontakt" | "/impressum" | "/standorte" | "/team" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    crawl_site(&site, "/", spec()).await;
    for path in ["/de/", "/kontakt", "/impressum", "/standorte", "/team"] {
        assert_eq!(site.hits(path), 1, "{path}: {:?}", site.page_hits());
    }
    assert_eq!(site.hits("/[slug]"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_and_inline_frames_of_the_site_are_pages() {
    // A frameset site (its navigation and content are frames), and a page
    // that embeds its team list and imprint as inline frames beside a
    // video and a map from elsewhere.
    let video = Site::start(|_: &str| html("<p>player</p>")).await;
    let video_url = video.url("/embed/x1");
    let site = Site::start(move |path: &str| match path {
        "/" => Reply::Html(
            r#"<html><head><title>Acme</title></head><frameset cols="20%,80%">
            <frame src="nav.html"><frame src="/start.html">
            <noframes>Your browser does not show frames.</noframes></frameset></html>"#
                .into(),
        ),
        "/nav.html" => html(r#"<a href="/about.html" target="main">About</a>"#),
        "/start.html" => html("<p>Welcome</p>"),
        "/about.html" => html(&format!(
            r#"<h1>About</h1><iframe src="/widgets/team.html"></iframe>
            <iframe src="impressum.html" title="Impressum"></iframe>
            <iframe src="{video_url}"></iframe>
            <iframe src="/files/brochure.pdf"></iframe><iframe src="about:blank"></iframe>
            <iframe src="/private/admin.html"></iframe>"#
        )),
        "/widgets/team.html" | "/impressum.html" | "/private/admin.html" => html("<p>frame</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let mut s = spec();
    // Frames follow the same scope rules as links.
    s.exclude_patterns = vec!["/private/".into()];
    let state = crawl_site(&site, "/", s).await;
    for path in [
        "/nav.html",
        "/start.html",
        "/about.html",
        "/widgets/team.html",
        "/impressum.html",
    ] {
        assert_eq!(site.hits(path), 1, "{path}: {:?}", site.page_hits());
    }
    assert_eq!(site.hits("/private/admin.html"), 0);
    // A frame from elsewhere is an embed: neither fetched nor a link.
    assert_eq!(video.total_page_hits(), 0);
    assert!(
        state.external_links.is_empty(),
        "{:?}",
        state.external_links
    );
    // A file in a frame is a document, as a link to it would be.
    assert!(
        state.documents.contains(&site.url("/files/brochure.pdf")),
        "{:?}",
        state.documents
    );
    // A frameset is no app shell.
    assert_eq!(state.pages_without_links, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_and_link_headers_are_followed_like_their_elements() {
    // A language splash answering 200 with `Refresh: 0; url=/de/` and an
    // empty page, as some server configurations do.
    let site = Site::start(|path: &str| match path {
        "/" => raw(
            200,
            vec![
                ("content-type", "text/html".into()),
                ("refresh", "0; URL='/de/'".into()),
            ],
            b"<html><head><title>Acme</title></head><body></body></html>".to_vec(),
        ),
        // Its language versions only in `Link` headers (RFC 8288).
        "/de/" => raw(
            200,
            vec![
                ("content-type", "text/html".into()),
                (
                    "link",
                    r#"</en/>; rel="alternate"; hreflang="en", </s.css>; rel=preload; as=style"#
                        .into(),
                ),
            ],
            br#"<a href="/de/impressum">Impressum</a>"#.to_vec(),
        ),
        "/de/impressum" | "/en/" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    crawl_site(&site, "/", spec()).await;
    assert_eq!(site.hits("/de/"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/de/impressum"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/en/"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/s.css"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_to_non_ascii_locations_are_followed() {
    // PHP's `header("Location: /über uns/")` and many CMS send the path as
    // raw UTF-8 bytes, spaces included; browsers follow it, percent-encoded.
    let site = Site::start(|path: &str| match path {
        "/" => html(r#"<a href="/about">About</a> <a href="/team">Team</a>"#),
        "/about" => redirect(301, "/über uns/"),
        "/team" => redirect(302, "team-ü?name=Jürgen Müller"),
        "/%C3%BCber%20uns/" | "/team-%C3%BC?name=J%C3%BCrgen%20M%C3%BCller" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(state.pages_failed, 0);
    assert!(state.skipped.is_empty(), "{:?}", state.skipped);
    assert_eq!(site.hits("/%C3%BCber%20uns/"), 1, "{:?}", site.page_hits());
    assert_eq!(
        site.hits("/team-%C3%BC?name=J%C3%BCrgen%20M%C3%BCller"),
        1,
        "{:?}",
        site.page_hits()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_nofollow_is_read_by_whole_tokens_and_from_the_header_too() {
    let site = Site::start(|path: &str| match path {
        "/" => html(
            r#"<a href="/a">A</a> <a href="/b">B</a> <a href="/c">C</a> <a href="/impressum">Impressum</a>"#,
        ),
        // Yoast's robots tag with image previews off: no `none`, so links
        // are followed.
        "/a" => Reply::Html(
            r#"<html><head><meta name="robots" content="index, follow, max-image-preview:none, max-snippet:-1"></head>
            <body><a href="/a-child">more</a></body></html>"#
                .into(),
        ),
        // The header stands for the tag.
        "/b" => raw(
            200,
            vec![
                ("content-type", "text/html".into()),
                ("x-robots-tag", "noindex, nofollow".into()),
            ],
            br#"<a href="/b-child">more</a>"#.to_vec(),
        ),
        // Meant for another crawler.
        "/c" => raw(
            200,
            vec![
                ("content-type", "text/html".into()),
                ("x-robots-tag", "googlebot: nofollow".into()),
            ],
            br#"<a href="/c-child">more</a>"#.to_vec(),
        ),
        // German imprints are often kept out of search indexes; the
        // crawler is no index and reads them.
        "/impressum" => Reply::Html(
            r#"<html><head><meta name="robots" content="noindex, follow"></head>
            <body><p>Kontakt: impressum@acme.example</p></body></html>"#
                .into(),
        ),
        "/a-child" | "/b-child" | "/c-child" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    let state = crawl_site(&site, "/", spec()).await;
    assert_eq!(site.hits("/a-child"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/b-child"), 0, "{:?}", site.page_hits());
    assert_eq!(site.hits("/c-child"), 1, "{:?}", site.page_hits());
    assert_eq!(state.pages_nofollow, 1);
    assert!(
        state
            .entities
            .emails
            .keys()
            .any(|e| e == "impressum@acme.example"),
        "{:?}",
        state.entities.emails.keys().collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_headers_resolve_against_the_response_not_the_base_element() {
    // A page whose `<base href>` points at its asset folder: its anchors
    // resolve there, a `Link` header's relative target does not (it is no
    // part of the document, RFC 8288).
    let site = Site::start(|path: &str| match path {
        "/" => raw(
            200,
            vec![
                ("content-type", "text/html".into()),
                ("link", r#"<en/>; rel="alternate"; hreflang="en""#.into()),
            ],
            br#"<html><head><base href="/static/"></head><body><a href="kontakt">Kontakt</a></body></html>"#
                .to_vec(),
        ),
        "/en/" | "/static/kontakt" => html("<p>page</p>"),
        _ => Reply::NotFound,
    })
    .await;
    crawl_site(&site, "/", spec()).await;
    assert_eq!(site.hits("/static/kontakt"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/en/"), 1, "{:?}", site.page_hits());
    assert_eq!(site.hits("/static/en/"), 0, "{:?}", site.page_hits());
}
