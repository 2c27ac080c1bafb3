use url::Url;

use super::compile::{self, translate};
use super::model::Signal;
use super::*;
use crate::html::scan_html;

mod generated;

/// Every HTML fixture page of the crawler's tests.
pub(super) fn fixture_pages() -> Vec<String> {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut pages = Vec::new();
    for dir in std::fs::read_dir(fixtures).expect("fixtures") {
        let dir = dir.expect("entry").path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).expect("fixture dir") {
                let f = f.expect("entry").path();
                if f.extension().is_some_and(|x| x == "html") {
                    pages.push(std::fs::read_to_string(&f).expect("fixture"));
                }
            }
        }
    }
    pages
}

use generated::generate;

fn page(url: &str, html: &str, headers: &[(&str, &str)]) -> FetchedPage {
    FetchedPage {
        url: Url::parse(url).expect("url"),
        depth: 0,
        status: 200,
        content_type: "text/html".into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: html.to_string(),
        scan: scan_html(html),
    }
}

/// Compiles the vendored files as build.rs does.
fn vendored() -> Db {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/wappalyzer");
    let read = |p: String| std::fs::read_to_string(&p).expect(&p);
    let mut texts = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(format!("{dir}/technologies"))
        .expect("technologies dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for f in files {
        texts.push(read(f.display().to_string()));
    }
    compile::compile(
        "wappalyzer@6.10.47",
        &read(format!("{dir}/categories.json")),
        &texts,
        &read(format!("{dir}/overlay.json")),
    )
    .expect("vendored database compiles")
}

#[test]
fn the_embedded_database_is_the_vendored_one() {
    let fresh = vendored();
    let s = stats();
    assert_eq!(s.source, "wappalyzer@6.10.47");
    assert_eq!(s.technologies, fresh.techs.len());
    assert_eq!(s.patterns, fresh.patterns.len());
    assert!(s.technologies >= 3425, "{}", s.technologies);
    assert!(s.categories >= 100, "{}", s.categories);
    for signal in Signal::ALL {
        assert!(
            s.patterns_by_signal
                .get(signal.name())
                .copied()
                .unwrap_or(0)
                > 0,
            "no {} patterns",
            signal.name()
        );
    }
}

#[test]
fn the_embedded_database_round_trips() {
    // What build.rs wrote is what compiling the vendored files gives now,
    // byte for byte, and it decodes to the same database.
    let fresh = postcard::to_allocvec(&vendored()).expect("encodes");
    assert!(fresh.as_slice() == BLOB, "the embedded blob is stale");
    let decoded: Db = postcard::from_bytes(BLOB).expect("decodes");
    assert!(postcard::to_allocvec(&decoded).expect("encodes") == BLOB);
    assert!(decoded.techs.len() >= 3425 && decoded.patterns.len() > 4000);
}

/// A fixture page of the crawler's integration tests.
fn fixture_page(url: &str, file: &str, headers: &[(&str, &str)]) -> FetchedPage {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    page(url, &std::fs::read_to_string(&path).expect(&path), headers)
}

#[test]
fn regexes_compile_once_per_process_and_only_on_a_prefilter_hit() {
    let e = Engine::load();
    assert_eq!(
        e.compiled.load(Ordering::Relaxed),
        0,
        "nothing compiles at load"
    );
    let pages = [
        fixture_page(
            "https://www.harbourlanecoffee.co.uk/",
            "tech/home.html",
            &[
                ("server", "nginx/1.24.0"),
                ("set-cookie", "PHPSESSID=1; path=/"),
            ],
        ),
        fixture_page(
            "https://www.harbourlanecoffee.co.uk/about/",
            "tech/about.html",
            &[],
        ),
        fixture_page("https://www.northwind-robotics.com/", "en/index.html", &[]),
    ];
    let first: Vec<Vec<Technology>> = pages.iter().map(|p| detect_with(&e, p)).collect();
    let compiled = e.compiled.load(Ordering::Relaxed);
    assert!(compiled > 0);
    // Only the candidates the literal filters found: a small share.
    assert!(
        compiled * 10 < e.db.patterns.len(),
        "{compiled} of {} patterns compiled",
        e.db.patterns.len()
    );
    // The same pages again, many times: the same results, nothing new compiled.
    for _ in 0..5 {
        let again: Vec<Vec<Technology>> = pages.iter().map(|p| detect_with(&e, p)).collect();
        assert_eq!(again, first);
    }
    assert_eq!(e.compiled.load(Ordering::Relaxed), compiled);
}

#[test]
fn untranslatable_patterns_are_few_and_listed() {
    let db = vendored();
    let regex_skips: Vec<_> = db
        .skipped
        .iter()
        .filter(|s| !s.reason.starts_with("needs a live page"))
        .collect();
    for s in &regex_skips {
        eprintln!("{} {} {:?}: {}", s.tech, s.signal, s.pattern, s.reason);
    }
    // Out of about 4,000 string patterns.
    assert!(regex_skips.len() < 60, "{}", regex_skips.len());
    // Every kept pattern compiles with the crate's own settings.
    let mut failed = 0;
    for p in &db.patterns {
        if !p.regex.is_empty()
            && RegexBuilder::new(&p.regex)
                .unicode(false)
                .case_insensitive(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .is_err()
        {
            eprintln!("does not compile: {}", p.regex);
            failed += 1;
        }
    }
    assert_eq!(failed, 0);
}

#[test]
fn javascript_regexes_are_rewritten_or_refused() {
    for (js, want) in [
        (r"jquery[.-]([\d.]+)\.js", Ok(r"jquery[.-]([\d.]+)\.js")),
        (r"\/wp-content\/", Ok(r"/wp-content/")),
        (r"a{", Ok(r"a\{")),
        (r"x{2}y{1,3}z{2,}", Ok(r"x{2}y{1,3}z{2,}")),
        (r"{{ x }}", Ok(r"\{\{ x \}\}")),
        (r"[[\]a]", Ok(r"[\[\]a]")),
        (r"[a&&b~~c]", Ok(r"[a\&\&b\~\~c]")),
        (r"caf\u00e9", Ok(r"caf\xC3\xA9")),
        (r"\x41", Ok(r"A")),
        (r"(?<v>\d)", Ok(r"(?<v>\d)")),
        (r"foo(?=bar)", Err("lookaround")),
        (r"(?<!x)y", Err("lookaround")),
        (r"(a)\1", Err("backreference")),
        (r"[^]", Err("empty class")),
    ] {
        assert_eq!(
            translate(js).map_err(|e| e.to_string()),
            want.map(String::from).map_err(String::from),
            "{js}"
        );
    }
}

#[test]
fn literals_are_what_every_match_contains() {
    assert_eq!(
        compile::literals(r"/wp-content/(?:themes|plugins)/").expect("parses"),
        vec![
            "/wp-content/plugins/".to_string(),
            "/wp-content/themes/".to_string()
        ]
    );
    assert_eq!(
        compile::literals(r"(?:googletagmanager|google-analytics)\.com").expect("parses"),
        vec![
            "google-analytics.com".to_string(),
            "googletagmanager.com".to_string()
        ]
    );
    // Too short or optional: the regex always runs.
    assert!(
        compile::literals(r"^x?([\d.]+)")
            .expect("parses")
            .is_empty()
    );
    assert!(compile::literals(r"\bj\b").expect("parses").is_empty());
    // Two bytes are enough to keep a regex off most pages.
    assert_eq!(
        compile::literals(r"\bDX\b").expect("parses"),
        vec!["dx".to_string()]
    );
}

fn version(template: &str, re: &str, hay: &str) -> String {
    let re = RegexBuilder::new(&translate(re).expect("translates"))
        .unicode(false)
        .case_insensitive(true)
        .build()
        .expect("compiles");
    let caps = re.captures(hay.as_bytes()).expect("matches");
    let groups: Vec<Option<&[u8]>> = caps.iter().map(|m| m.map(|m| m.as_bytes())).collect();
    resolve_version(template, &groups)
}

#[test]
fn versions_resolve_as_wappalyzer_does() {
    assert_eq!(
        version(r"\1", r"nginx(?:/([\d.]+))?", "nginx/1.25.3"),
        "1.25.3"
    );
    assert_eq!(version(r"\1", r"nginx(?:/([\d.]+))?", "nginx"), "");
    assert_eq!(version(r"\1?Next:", r"x(-next)?", "x-next"), "Next");
    assert_eq!(version(r"\1?Next:", r"x(-next)?", "x"), "");
    assert_eq!(
        version(r"\1?Enterprise:Community", r"v(ee)?", "vee"),
        "Enterprise"
    );
    assert_eq!(version(r"\1?4:5", r"a(b)?", "a"), "5");
    assert_eq!(version(r"\1.\2", r"(\d+)_(\d+)", "7_12"), "7.12");
    assert_eq!(version("GA4", r"", "anything"), "GA4");
    assert!(better_version("6.4.2", ""));
    assert!(!better_version("20240101", ""), "a date is not a version");
    assert!(!better_version("1.2.3.4.5.6.7.8.9", ""), "longer than 15");
    assert!(!better_version("1.2", "1.2.3"));
}

#[test]
fn confidence_adds_up_and_implied_ones_are_marked() {
    // WordPress by meta and a theme path; it implies PHP and MySQL.
    let html = r#"<html><head><meta name="generator" content="WordPress 6.4.2">
        <link rel="stylesheet" href="/wp-content/themes/x/style.css"></head><body>hi</body></html>"#;
    let got = detect(&page("https://acme.test/", html, &[]));
    let wp = got
        .iter()
        .find(|t| t.name == "WordPress")
        .expect("WordPress");
    assert_eq!(wp.version.as_deref(), Some("6.4.2"));
    assert_eq!(wp.confidence, 100);
    assert!(!wp.implied);
    assert!(wp.signals.contains(&"meta".to_string()), "{:?}", wp.signals);
    assert!(
        wp.categories.contains(&"CMS".to_string()),
        "{:?}",
        wp.categories
    );
    let php = got.iter().find(|t| t.name == "PHP").expect("PHP implied");
    assert!(php.implied);
    assert_eq!(php.implied_by, vec!["WordPress".to_string()]);
    assert_eq!(php.signals, vec!["implies".to_string()]);
}

#[test]
fn requires_and_excludes_are_honoured() {
    let e = &*ENGINE;
    // A technology that requires another is reported only with it.
    let (t, needed) =
        e.db.techs
            .iter()
            .enumerate()
            .find_map(|(i, t)| {
                let needed = *t.requires.first()?;
                e.db.patterns
                    .iter()
                    .any(|p| p.tech == i as u32 && p.signal == Signal::Headers)
                    .then_some((i as u32, needed))
            })
            .expect("a requiring technology with a header pattern");
    let p =
        e.db.patterns
            .iter()
            .find(|p| p.tech == t && p.signal == Signal::Headers)
            .expect("header pattern");
    let value = generate(&p.regex).map(|g| g.text).unwrap_or_default();
    let name = &e.db.techs[t as usize].name;
    let alone = detect(&page("https://acme.test/", "<p>x</p>", &[(&p.key, &value)]));
    assert!(
        !alone.iter().any(|x| &x.name == name),
        "{name} without its requirement"
    );

    // With the required technology present (through its own generated
    // evidence, or implied), it counts.
    let req = &e.db.techs[needed as usize].name;
    let mut hits = Hits::default();
    hits.by_tech.insert(
        needed,
        Found {
            confidence: 100,
            ..Found::default()
        },
    );
    hits.by_tech.insert(
        t,
        Found {
            confidence: 100,
            ..Found::default()
        },
    );
    let got = resolve(e, hits);
    assert!(
        got.iter().any(|x| &x.name == name),
        "{name} with {req}: {got:?}"
    );

    // Excludes: the excluding technology wins.
    let (a, b) = e
        .db
        .techs
        .iter()
        .enumerate()
        .find_map(|(i, t)| {
            let b = *t.excludes.first()?;
            let free = |t: &model::Tech| t.requires.is_empty() && t.requires_category.is_empty();
            (free(t) && e.db.techs.get(b as usize).is_some_and(free)).then_some((i as u32, b))
        })
        .expect("an excluding technology");
    let mut hits = Hits::default();
    for t in [a, b] {
        hits.by_tech.insert(
            t,
            Found {
                confidence: 100,
                ..Found::default()
            },
        );
    }
    let got = resolve(e, hits);
    assert!(got.iter().any(|x| x.name == e.db.techs[a as usize].name));
    assert!(!got.iter().any(|x| x.name == e.db.techs[b as usize].name));
}

#[test]
fn prose_mentions_are_not_detections() {
    let html = "<html><body><h1>Our blog</h1><p>We retired our old WordPress blog last year. \
        Before that we ran Drupal, Joomla and Magento, tried Shopify and Wix, and our team \
        loves React, Vue.js, Angular, jQuery and Bootstrap. The servers ran nginx and Apache \
        behind Cloudflare; PHP, Python and Node.js did the work. We track with Google \
        Analytics and HubSpot.</p></body></html>";
    let got = detect(&page("https://acme.test/blog/retired", html, &[]));
    assert!(got.is_empty(), "{got:?}");

    // Every name in the database, in prose, several to a sentence.
    let names = names();
    let mut prose = String::from("<html><body><main>");
    for chunk in names.chunks(5) {
        prose.push_str("<p>We compared ");
        prose.push_str(&html_escape::encode_text(&chunk.join(", ")));
        prose.push_str(" last year and retired them all.</p>\n");
    }
    prose.push_str("</main></body></html>");
    let got = detect(&page("https://acme.test/blog/compare", &prose, &[]));
    let names: Vec<&str> = got.iter().map(|t| t.name.as_str()).collect();
    eprintln!("detected from names in prose: {names:?}");
    // Wappalyzer's own `text` patterns for a few products are phrases a
    // list of names contains; everything else stays silent.
    assert!(got.len() <= 10, "{names:?}");
}

/// A script's URL taken as written or put after the page's origin is the
/// one `Url::join` gives, for sources of every kind the shortcut takes or
/// leaves to the parser.
#[test]
fn script_urls_are_what_joining_gives() {
    let pages = [
        "https://www.example-corp.com/solutions/logistics",
        "http://user:pw@acme.test:8080/a/b/?q=1#top",
        "https://acme.test",
    ];
    let srcs = [
        "/_next/static/chunks/main-0ecb9ccfcb6c9b24.js",
        "https://www.googletagmanager.com/gtag/js?id=G-12345",
        "http://cdn.example.com/x.js",
        "  /padded.js ",
        "/",
        "//cdn.example.com/x.js",
        "relative/x.js",
        "./x.js",
        "../x.js",
        "/a/./b.js",
        "/a/../b.js",
        "/a/%2e%2e/b.js",
        "/a/%2E./b.js",
        "/a b.js",
        "/a\\b.js",
        "/a.js#frag",
        "/a.js?x='y'",
        "/a.js?x=<y>",
        "/é.js",
        "/a.js?x=1&y=2;z=3,4+5!$*@:~",
        "https://WWW.Example.COM/x.js",
        "https://example.com",
        "https://example.com?x=/y",
        "https://example.com:443/x.js",
        "https://example.com:8443/x.js",
        "https://user@example.com/x.js",
        "https://127.1/x.js",
        "https://0x7f.1/x.js",
        "https://example.123/x.js",
        "https://example.com./x.js",
        "https://exa..mple.com/x.js",
        "https://xn--bcher-kva.example/x.js",
        "https://xn--a.example/x.js",
        "https://b\u{fc}cher.example/x.js",
        "https://ex_ample.com/x.js",
        "https://-example-.com/x.js",
        "https:///x.js",
        "HTTPS://example.com/x.js",
        "https://example.com/a/../b.js",
        "https://example.com/a\tb.js",
        "http://[::1]/x.js",
        "javascript:void(0)",
        "",
    ];
    for base in pages {
        let base = Url::parse(base).expect("page URL");
        for src in srcs {
            let want = base
                .join(src.trim())
                .map_or_else(|_| src.to_string(), String::from);
            assert_eq!(script_url(&base, src), want, "{src:?} on {base}");
        }
        // Taken as written, without a parse.
        for src in [srcs[1], srcs[2]] {
            assert!(matches!(
                script_url(&base, src),
                std::borrow::Cow::Borrowed(_)
            ));
        }
    }
}

/// A keyed value's byte set rules out a literal only when the value lacks
/// one of its bytes, in either case.
#[test]
fn a_byte_set_rules_out_only_literals_the_value_cannot_hold() {
    let set = ByteSet::of(b"CloudFlare-nginx/1.2");
    for l in ["cloudflare", "nginx", "/1.2", "flare-n", "", "ccc"] {
        assert!(set.has_all(l.as_bytes()), "{l}");
    }
    for l in ["apache", "iis", "nginx 1", "\u{e9}"] {
        assert!(!set.has_all(l.as_bytes()), "{l}");
    }
    assert!(ByteSet::of("Caf\u{e9}".as_bytes()).has_all("caf\u{e9}".as_bytes()));
}

/// Script URLs, headers, cookies and meta tags answered from the per-thread
/// memo (from their second sighting on) give what running their patterns
/// gives: every fixture page detected three times over, in turn with the
/// others, with its headers given as meta tags too (a header and a tag of
/// one name and value must not share an answer).
#[test]
fn remembered_signals_detect_as_running_them_does() {
    let pages: Vec<FetchedPage> = fixture_pages()
        .iter()
        .enumerate()
        .map(|(i, html)| {
            let mut p = page(
                &format!("https://site{i}.example/p"),
                html,
                &[("server", "nginx/1.25.3"), ("x-powered-by", "PHP/8.2.1")],
            );
            p.scan
                .meta
                .push(("x-powered-by".into(), "PHP/8.2.1".into()));
            p
        })
        .collect();
    let first: Vec<Vec<Technology>> = pages.iter().map(detect).collect();
    assert!(first.iter().any(|t| t.iter().any(|t| t.name == "PHP")));
    for round in 0..2 {
        for (p, want) in pages.iter().zip(&first) {
            assert_eq!(&detect(p), want, "round {round}: {}", p.url);
        }
    }
    for (p, want) in pages.iter().zip(&first) {
        assert_eq!(&generated::detect_exhaustive(&ENGINE, p), want, "{}", p.url);
    }
}
