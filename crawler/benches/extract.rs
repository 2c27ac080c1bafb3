//! Per-page extraction cost: the streaming pass alone (`scan_html`) against
//! the streaming pass plus `Extractor::extract`, over the test fixtures and
//! generated pages. Run with `cargo bench -p cira-crawler --bench extract`;
//! results go to docs/bench-extraction.md.
//!
//! With `EXTRACT_BENCH_CALLS=N` set, it instead warms up, then calls
//! `Extractor::extract` N times per selected case inside `measured_extract`,
//! for instruction counts that a busy machine does not disturb:
//! `valgrind --tool=callgrind --toggle-collect='extract::measured_extract' ...`;
//! it then prints the technologies found on each case's first page, so two
//! builds' detection can be compared.
//!
//! With `EXTRACT_BENCH_FILTER=N` set, it compares the technology filter over
//! the raw page (the literals of `html`, `css` and `dom` patterns) with
//! Aho-Corasick automata over the same literals on the generated typical
//! page: that all find the same literals, what building each costs and
//! holds, CPU time per search, and N searches of each inside
//! `measured_grams`, `measured_dfa` and `measured_nfa` for callgrind.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use cira_crawler::extract::{
    Extractor, technology_body_filter_found, technology_body_filter_literals,
};
use cira_crawler::html::scan_html;
use cira_crawler::page::FetchedPage;
use url::Url;

/// A typical company page: navigation, prose, a footer with contact details
/// and social links, analytics and framework scripts, JSON-LD.
fn typical_page(sections: usize) -> String {
    let mut html = String::from(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Solutions for logistics – Example Corp</title>
<meta name="description" content="Example Corp builds software for logistics companies.">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/css/main.3f9a.css">
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter:wght@400;700">
<link rel="canonical" href="https://www.example-corp.com/solutions/logistics">
<script src="/_next/static/chunks/framework-2c79e2a64abdb08b.js" defer></script>
<script src="/_next/static/chunks/main-0ecb9ccfcb6c9b24.js" defer></script>
<script src="https://www.googletagmanager.com/gtag/js?id=G-12345" async></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());gtag('config','G-12345');</script>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization","name":"Example Corp","url":"https://www.example-corp.com","sameAs":["https://www.linkedin.com/company/example-corp","https://twitter.com/examplecorp"]}</script>
</head><body><header><nav><ul>"#,
    );
    for i in 0..40 {
        html.push_str(&format!(
            r#"<li><a href="/section-{i}/page-{i}" class="nav-link">Navigation item {i}</a></li>"#
        ));
    }
    html.push_str("</ul></nav></header><main>");
    for s in 0..sections {
        html.push_str(&format!(
            r#"<section class="block block-{s}"><h2>Why logistics teams choose us, part {s}</h2>"#
        ));
        for p in 0..3 {
            html.push_str(&format!(
                "<p>Our platform connects warehouses, carriers and customers in real time. \
                 Since 2012 we have shipped release 4.{p}.{s} to more than 300 customers, \
                 cutting planning time by 35% and errors by half. Read the <a href=\"/case-studies/{s}-{p}\">case study</a> \
                 or <a href=\"https://partner{s}.example.net/info\">see our partner</a>. \
                 Prices start at $1,299 per month; order 2024-{s}{p}0042 ships in 2–3 days.</p>"
            ));
        }
        html.push_str("</section>");
    }
    html.push_str(
        r#"</main><footer><div class="contact"><p>Example Corp Inc.<br>1600 Market Street, Suite 400<br>Philadelphia, PA 19103</p>
<p>Phone: +1 215-555-0100 · Email: <a href="mailto:info@example-corp.com">info@example-corp.com</a></p></div>
<div class="social"><a href="https://www.linkedin.com/company/example-corp">LinkedIn</a> <a href="https://x.com/examplecorp">X</a>
<a href="https://github.com/example-corp">GitHub</a> <a href="https://twitter.com/intent/tweet?url=x">Tweet this</a></div>
<p>© 2012–2024 Example Corp Inc. All rights reserved. <a href="/privacy">Privacy</a> <a href="/imprint">Imprint</a></p>
</footer></body></html>"#,
    );
    html
}

// Page `i` of an `n`-page generated site, the one `benches/peer-spider`'s
// `bench-site` serves (header, prose, a contact line that varies a little
// from page to page, related links, a footer). Timed as a run of distinct
// pages, so what repeats across a site's pages repeats here too.
#[path = "../../benches/peer-spider/src/site_page.rs"]
mod site_page;
use site_page::page as site_page;

/// Distinct pages in the generated-site case.
const SITE_PAGES: usize = 500;

struct Case {
    name: String,
    url: String,
    /// Timed in turn, one per call (one page for most cases).
    pages: Vec<String>,
    headers: Vec<(String, String)>,
}

fn fixtures() -> Vec<Case> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for (file, url) in [
        ("en/index.html", "https://www.northwind-robotics.com/"),
        ("en/team.html", "https://www.northwind-robotics.com/team"),
        (
            "en/products.html",
            "https://www.northwind-robotics.com/products/",
        ),
        (
            "en/contact.html",
            "https://www.northwind-robotics.com/contact",
        ),
        ("de/index.html", "https://www.musterwerk.de/"),
        ("de/impressum.html", "https://www.musterwerk.de/impressum/"),
        (
            "fr/mentions-legales.html",
            "https://www.atelier-lumiere.fr/mentions-legales",
        ),
        // A WordPress page of 24 KB with a typical plugin stack.
        ("tech/home.html", "https://www.harbourlanecoffee.co.uk/"),
    ] {
        let html = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        out.push(Case {
            name: file.to_string(),
            url: url.to_string(),
            pages: vec![html],
            headers: vec![("server".into(), "nginx/1.24.0".into())],
        });
    }
    out
}

/// CPU time this thread has used, from /proc (Linux); wall-clock timing
/// would charge other processes' load to the code under test.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// The process's resident memory in KiB, from /proc (Linux).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// (CPU, wall) time per call: the best of several rounds, each repeating `f`
/// for at least `budget`. The minimum is what the code costs; the other
/// rounds measure the neighbours' load.
fn time_per_call(budget: Duration, mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..20 {
        f();
    }
    let mut best = (Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        let cpu_start = thread_cpu();
        let start = Instant::now();
        let mut n = 0u32;
        while start.elapsed() < budget || n < 20 {
            f();
            n += 1;
        }
        let wall = start.elapsed() / n;
        let cpu = match (cpu_start, thread_cpu()) {
            (Some(a), Some(b)) => (b - a) / n,
            _ => wall,
        };
        best = (best.0.min(cpu), best.1.min(wall));
    }
    best
}

/// The calls an instruction count covers (see the module comment).
#[inline(never)]
fn measured_extract(extractor: &Extractor, pages: &[FetchedPage], calls: usize) {
    for i in 0..calls {
        if let Some(page) = pages.get(i % pages.len().max(1)) {
            black_box(extractor.extract(black_box(page)));
        }
    }
}

/// N searches of the raw page's technology filter.
#[inline(never)]
fn measured_grams(hay: &[u8], calls: usize) -> usize {
    (0..calls)
        .map(|_| technology_body_filter_found(black_box(hay)).len())
        .sum()
}

/// Which literals `ac` finds in `hay`, each once, in the order found (what
/// the filter reports).
fn ac_found(ac: &AhoCorasick, seen: &mut [u64], hay: &[u8]) -> Vec<usize> {
    seen.fill(0);
    let mut found = Vec::new();
    for m in ac.find_overlapping_iter(hay) {
        let l = m.pattern().as_usize();
        if let Some(w) = seen.get_mut(l / 64)
            && *w & (1 << (l % 64)) == 0
        {
            *w |= 1 << (l % 64);
            found.push(l);
        }
    }
    found
}

#[inline(never)]
fn measured_dfa(ac: &AhoCorasick, hay: &[u8], calls: usize) -> usize {
    let mut seen = vec![0u64; ac.patterns_len().div_ceil(64)];
    (0..calls)
        .map(|_| ac_found(ac, &mut seen, black_box(hay)).len())
        .sum()
}

#[inline(never)]
fn measured_nfa(ac: &AhoCorasick, hay: &[u8], calls: usize) -> usize {
    let mut seen = vec![0u64; ac.patterns_len().div_ceil(64)];
    (0..calls)
        .map(|_| ac_found(ac, &mut seen, black_box(hay)).len())
        .sum()
}

#[inline(never)]
fn build_automaton(lits: &[Vec<u8>], kind: AhoCorasickKind) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .byte_classes(true)
        .kind(Some(kind))
        .build(lits)
        .unwrap_or_else(|e| panic!("automaton: {e}"))
}

/// The comparison `EXTRACT_BENCH_FILTER=N` asks for (see the module comment).
fn compare_filters(calls: usize) {
    let page = typical_page(12);
    let hay = page.as_bytes();
    let lits = technology_body_filter_literals();
    let sorted = |mut v: Vec<usize>| {
        v.sort_unstable();
        v
    };
    let want = sorted(technology_body_filter_found(hay));
    println!(
        "raw page filter: {} literals; typical page {} bytes, {} literals found",
        lits.len(),
        hay.len(),
        want.len()
    );
    let mut automata = Vec::new();
    for (name, kind) in [
        ("contiguous NFA", AhoCorasickKind::ContiguousNFA),
        ("DFA", AhoCorasickKind::DFA),
    ] {
        let rss = rss_kib().unwrap_or(0);
        let start = Instant::now();
        let ac = build_automaton(&lits, kind);
        let built = start.elapsed();
        let mut seen = vec![0u64; lits.len().div_ceil(64)];
        let got = sorted(ac_found(&ac, &mut seen, hay));
        assert_eq!(got, want, "{name} finds other literals than the filter");
        println!(
            "{name}: built in {:.1} ms (wall clock), holds {} KiB (memory_usage), resident +{} KiB",
            built.as_secs_f64() * 1e3,
            ac.memory_usage() / 1024,
            rss_kib().unwrap_or(0).saturating_sub(rss)
        );
        automata.push((name, ac));
    }
    let budget = Duration::from_millis(150);
    let (cpu, _) = time_per_call(budget, || {
        black_box(measured_grams(hay, 1));
    });
    println!("filter: {:.1} µs CPU per search", cpu.as_secs_f64() * 1e6);
    for (name, ac) in &automata {
        let (cpu, _) = time_per_call(budget, || {
            black_box(measured_dfa(ac, hay, 1));
        });
        println!("{name}: {:.1} µs CPU per search", cpu.as_secs_f64() * 1e6);
    }
    black_box(measured_grams(hay, calls));
    if let [(_, nfa), (_, dfa)] = automata.as_slice() {
        black_box(measured_nfa(nfa, hay, calls));
        black_box(measured_dfa(dfa, hay, calls));
    }
}

/// Measurement rounds per case.
const ROUNDS: usize = 7;

fn main() {
    if let Some(calls) = std::env::var("EXTRACT_BENCH_FILTER")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        compare_filters(calls);
        return;
    }
    // `cargo bench` passes "--bench"; a filter argument selects cases.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut cases = fixtures();
    for (name, sections) in [("generated typical page", 12), ("generated long page", 60)] {
        let html = typical_page(sections);
        cases.push(Case {
            name: format!("{name} ({} KiB)", html.len() / 1024),
            url: "https://www.example-corp.com/solutions/logistics".into(),
            pages: vec![html],
            headers: vec![
                ("server".into(), "cloudflare".into()),
                ("cf-ray".into(), "8a1b2c3d4e5f-FRA".into()),
                ("set-cookie".into(), "__cf_bm=abc; path=/".into()),
            ],
        });
    }
    let html = typical_page(12);
    cases.push(Case {
        name: "generated team page (people rules, tables from tokens)".into(),
        url: "https://www.example-corp.com/about/team".into(),
        pages: vec![html],
        headers: vec![],
    });
    cases.push(Case {
        name: format!("generated site, {SITE_PAGES} distinct pages in turn"),
        url: "https://www.example-corp.com/section-3/page-42.html".into(),
        pages: (0..SITE_PAGES).map(|i| site_page(i, 2000)).collect(),
        headers: vec![("server".into(), "nginx".into())],
    });

    let seed = Url::parse("https://www.example-corp.com/").unwrap_or_else(|_| unreachable!());
    let rss_before = rss_kib();
    let extractor = Extractor::new(&seed, "Example Corp");
    // `new` starts the load in the background; wait for it here.
    cira_crawler::extract::load_technologies();
    let rss_loaded = rss_kib();
    let tech = cira_crawler::extract::technology_db_stats();
    println!(
        "technology database {}: {} technologies, {} patterns, loaded in {:.1} ms (wall clock)\n",
        tech.source,
        tech.technologies,
        tech.patterns,
        tech.load_time.as_secs_f64() * 1e3
    );
    println!(
        "resident memory (VmRSS): {} KiB before Extractor::new, {} KiB after it\n",
        rss_before.unwrap_or(0),
        rss_loaded.unwrap_or(0)
    );
    if let Some(calls) = std::env::var("EXTRACT_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        for case in &cases {
            if filter
                .as_ref()
                .is_some_and(|f| !case.name.contains(f.as_str()))
            {
                continue;
            }
            let url = Url::parse(&case.url).unwrap_or_else(|_| seed.clone());
            let pages: Vec<FetchedPage> = case
                .pages
                .iter()
                .map(|html| FetchedPage {
                    url: url.clone(),
                    depth: 1,
                    status: 200,
                    content_type: "text/html".into(),
                    headers: case.headers.clone(),
                    body: html.clone(),
                    scan: scan_html(html),
                })
                .collect();
            // Warm-up: databases loaded, patterns compiled, memos filled.
            for page in &pages {
                black_box(extractor.extract(page));
            }
            measured_extract(&extractor, &pages, calls);
            println!("{}: {calls} calls measured", case.name);
            // What detection found on the first page, to compare builds by.
            if let Some(page) = pages.first() {
                let found: Vec<String> = extractor
                    .extract(page)
                    .technologies
                    .iter()
                    .map(|t| format!("{} {:?} {}", t.name, t.version, t.confidence))
                    .collect();
                println!("  technologies: {}", found.join(", "));
            }
        }
        println!(
            "resident memory (VmRSS) after the cases: {} KiB",
            rss_kib().unwrap_or(0)
        );
        return;
    }
    let budget = Duration::from_millis(150);
    println!(
        "| page | bytes | scan_html CPU µs | scan_html + extract CPU µs | extract CPU µs | extract share | wall µs (scan / both) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for case in cases {
        if let Some(f) = &filter
            && !case.name.contains(f.as_str())
        {
            continue;
        }
        let url = Url::parse(&case.url).unwrap_or_else(|_| seed.clone());
        let mut next = 0usize;
        let mut html = || {
            next = (next + 1) % case.pages.len();
            &case.pages[next]
        };
        let scan_only = time_per_call(budget, || {
            black_box(scan_html(black_box(html())));
        });
        let both = time_per_call(budget, || {
            let html = html();
            let page = FetchedPage {
                url: url.clone(),
                depth: 1,
                status: 200,
                content_type: "text/html".into(),
                headers: case.headers.clone(),
                body: html.clone(),
                scan: scan_html(html),
            };
            black_box(extractor.extract(black_box(&page)));
        });
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let (scan_cpu, scan_wall) = scan_only;
        let (both_cpu, both_wall) = both;
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.0}% | {:.0} / {:.0} |",
            case.name,
            case.pages.iter().map(String::len).sum::<usize>() / case.pages.len(),
            us(scan_cpu),
            us(both_cpu),
            us(both_cpu) - us(scan_cpu),
            100.0 * (us(both_cpu) - us(scan_cpu)) / us(both_cpu),
            us(scan_wall),
            us(both_wall),
        );
    }
}
