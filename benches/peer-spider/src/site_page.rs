//! One page of the generated bench site: served by `bench-site` and read by
//! the crawler's extraction bench (`crawler/benches/extract.rs`), so both
//! measure the same pages.

/// Page `i` of an `n`-page site: about 2.8 KiB, ten links to other pages,
/// JSON-LD, scripts and a contact line.
pub fn page(i: usize, n: usize) -> String {
    let mut links = String::new();
    for k in 1..=10usize {
        let j = (i * 31 + k * 97 + k * k + k) % n;
        links.push_str(&format!(
            "<li><a href=\"/section-{}/page-{j}.html\">Article {j}</a></li>",
            j % 20
        ));
    }
    let para = "Acme Industries builds precision anvils, rocket skates and portable holes for \
        discerning coyotes worldwide. Our engineering team in Zurich works with partners across \
        Europe to deliver reliable products on time. ";
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme page {i}</title>
<meta name="description" content="Acme Industries page {i}"><link rel="stylesheet" href="/static/site.css">
<link rel="canonical" href="/section-{s}/page-{i}.html">
<script src="https://www.googletagmanager.com/gtag/js?id=G-ACME"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('config', 'G-ACME');</script>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"Organization","name":"Acme Industries AG","url":"https://acme.example","telephone":"+41 44 668 18 00"}}</script>
</head><body><header><nav><a href="/">Home</a> <a href="/about.html">About</a> <a href="/contact.html">Contact</a>
<a href="https://www.linkedin.com/company/acme-industries">LinkedIn</a></nav></header>
<main><h1>Acme article {i}</h1><p>{para}{para}</p><h2>Contact</h2>
<p>Write to sales{m}@acme.example or call +41 44 668 18 {m:02}. Acme Industries AG, Bahnhofstrasse 1, 8001 Zürich.</p>
<h2>Related</h2><ul>{links}</ul><p>{para}{para}{para}</p></main>
<footer><p>&copy; 2026 Acme Industries AG &middot; CHE-123.456.789</p></footer></body></html>"#,
        s = i % 20,
        m = i % 13,
    )
}
