//! One page of the generated bench site's realistic profile: about 24 KB of
//! HTML shaped like a company website's page, as real sites serve them:
//! a head with meta, Open Graph, preloads, an inline stylesheet, analytics
//! and consent scripts and JSON-LD; a mega-menu navigation of 60 links that
//! is the same on every page; several hundred words of body text that differ
//! from page to page, in paragraphs, a list, a quote and a table; related
//! links that tie the site together; a footer with address, phone, email,
//! social profiles and legal links.

use std::fmt::Write as _;

const SECTIONS: [&str; 6] = [
    "products",
    "solutions",
    "industries",
    "services",
    "company",
    "resources",
];

const WORDS: [&str; 64] = [
    "precision",
    "engineering",
    "customers",
    "reliable",
    "delivery",
    "manufacturing",
    "quality",
    "partners",
    "Europe",
    "innovation",
    "sustainable",
    "materials",
    "production",
    "service",
    "solutions",
    "industry",
    "automation",
    "measurement",
    "components",
    "systems",
    "performance",
    "efficiency",
    "logistics",
    "research",
    "development",
    "certified",
    "worldwide",
    "experience",
    "teams",
    "projects",
    "standards",
    "safety",
    "maintenance",
    "operations",
    "digital",
    "platform",
    "integration",
    "energy",
    "lifecycle",
    "support",
    "training",
    "consulting",
    "design",
    "prototypes",
    "testing",
    "sensors",
    "software",
    "hardware",
    "warehouses",
    "suppliers",
    "markets",
    "growth",
    "expertise",
    "specialists",
    "laboratory",
    "assembly",
    "inspection",
    "compliance",
    "durability",
    "tolerances",
    "precision-made",
    "modular",
    "scalable",
    "robust",
];

const FIRST: [&str; 12] = [
    "Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Laura", "Paul", "Julia", "David",
    "Sarah", "Thomas",
];
const LAST: [&str; 12] = [
    "Keller", "Brunner", "Meier", "Schneider", "Fischer", "Weber", "Huber", "Wagner", "Becker",
    "Hoffmann", "Schulz", "Koch",
];
const TITLES: [&str; 6] = [
    "Head of Sales",
    "Chief Technology Officer",
    "Product Manager",
    "Managing Director",
    "Head of Marketing",
    "Lead Engineer",
];

/// A small deterministic generator, so page `i` is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn sentence(rng: &mut Lcg, words: usize) -> String {
    let mut s = String::new();
    for w in 0..words {
        let word = WORDS[rng.next(WORDS.len())];
        if w == 0 {
            let mut c = word.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(word);
        }
    }
    s.push_str(". ");
    s
}

fn paragraph(rng: &mut Lcg, sentences: usize) -> String {
    let mut p = String::from("<p>");
    for _ in 0..sentences {
        let n = 9 + rng.next(9);
        p.push_str(&sentence(rng, n));
    }
    p.push_str("</p>\n");
    p
}

fn page_path(j: usize) -> String {
    format!("/{}/page-{j}.html", SECTIONS[j % SECTIONS.len()])
}

/// Page `i` of an `n`-page site in the realistic profile (about 24 KB).
pub fn page(i: usize, n: usize) -> String {
    let mut rng = Lcg(i as u64 * 0x9E37_79B9_7F4A_7C15 + 1);
    let section = SECTIONS[i % SECTIONS.len()];
    let mut h = String::with_capacity(26_000);

    // Head: what a CMS and a marketing team put there.
    let _ = write!(
        h,
        r##"<!DOCTYPE html>
<html lang="en-GB" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nordlicht Instruments | {section} | page {i}</title>
<meta name="description" content="Nordlicht Instruments AG builds precision measurement systems for industry and research. Page {i} of our {section} section.">
<meta name="robots" content="index, follow, max-image-preview:large">
<meta name="generator" content="WordPress 6.4.2">
<meta property="og:type" content="website">
<meta property="og:site_name" content="Nordlicht Instruments">
<meta property="og:title" content="Nordlicht Instruments | {section} {i}">
<meta property="og:description" content="Precision measurement systems, engineered in Switzerland.">
<meta property="og:url" content="https://www.nordlicht.example{path}">
<meta property="og:image" content="https://www.nordlicht.example/wp-content/uploads/2025/03/og-{i}.jpg">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:site" content="@nordlicht">
<link rel="canonical" href="https://www.nordlicht.example{path}">
<link rel="preconnect" href="https://fonts.googleapis.com">
<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter:wght@400;600;700&display=swap">
<link rel="stylesheet" id="theme-css" href="/wp-content/themes/nordlicht/style.css?ver=3.2.1" media="all">
<link rel="stylesheet" id="blocks-css" href="/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2" media="all">
<link rel="icon" href="/wp-content/uploads/2024/01/favicon-32x32.png" sizes="32x32">
<style id="theme-inline-css">
:root{{--brand:#0b3d91;--accent:#f2a900;--text:#1c1c1c;--muted:#6b7280;--radius:6px}}
body{{margin:0;font-family:Inter,system-ui,sans-serif;color:var(--text);line-height:1.6}}
.site-header{{position:sticky;top:0;background:#fff;box-shadow:0 1px 0 rgba(0,0,0,.08);z-index:20}}
.site-header .inner{{max-width:1200px;margin:0 auto;display:flex;align-items:center;justify-content:space-between;padding:12px 24px}}
.mega{{display:grid;grid-template-columns:repeat(6,1fr);gap:24px;padding:24px}}
.mega h3{{font-size:.8rem;text-transform:uppercase;letter-spacing:.08em;color:var(--muted)}}
.mega a{{display:block;padding:4px 0;color:var(--text);text-decoration:none}}
.mega a:hover{{color:var(--brand)}}
.hero{{background:linear-gradient(120deg,var(--brand),#1e5bc6);color:#fff;padding:64px 24px}}
.content{{max-width:860px;margin:0 auto;padding:48px 24px}}
.content table{{width:100%;border-collapse:collapse;margin:24px 0}}
.content th,.content td{{border-bottom:1px solid #e5e7eb;padding:8px;text-align:left}}
.quote{{border-left:4px solid var(--accent);padding:8px 24px;margin:32px 0;font-style:italic}}
.related{{display:grid;grid-template-columns:repeat(3,1fr);gap:16px;list-style:none;padding:0}}
.site-footer{{background:#0f172a;color:#cbd5e1;padding:48px 24px;font-size:.9rem}}
.site-footer a{{color:#e2e8f0}}
@media (max-width:800px){{.mega{{grid-template-columns:1fr 1fr}}.related{{grid-template-columns:1fr}}}}
</style>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-NORDLICHT1"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}gtag('js',new Date());gtag('config','G-NORDLICHT1',{{anonymize_ip:true}});</script>
<script src="https://consent.cookiebot.com/uc.js" data-cbid="3f1c2a7e-0000-4d2b-9a55-6b1d0c9e1f00" data-blockingmode="auto" type="text/javascript"></script>
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"Organization","name":"Nordlicht Instruments AG","url":"https://www.nordlicht.example","logo":"https://www.nordlicht.example/logo.svg","telephone":"+41 44 512 77 00","email":"info@nordlicht.example","address":{{"@type":"PostalAddress","streetAddress":"Seestrasse 120","postalCode":"8002","addressLocality":"Zürich","addressCountry":"CH"}},"sameAs":["https://www.linkedin.com/company/nordlicht-instruments","https://x.com/nordlicht"]}}</script>
</head>
<body class="page-template-default page page-id-{i} wp-custom-logo">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header class="site-header"><div class="inner">
<a href="/" class="custom-logo-link" rel="home"><img src="/wp-content/uploads/2024/01/logo.svg" alt="Nordlicht Instruments" width="180" height="40"></a>
<nav class="main-navigation" aria-label="Main"><div class="mega">
"##,
        path = page_path(i),
    );

    // Navigation: 6 groups of 10 links, the same on every page.
    for (g, name) in SECTIONS.iter().enumerate() {
        let _ = write!(h, "<div class=\"mega-col\"><h3>{name}</h3>");
        for k in 0..10 {
            let j = (g * 131 + k * 17 + 1) % n;
            let _ = write!(
                h,
                "<a href=\"{}\" class=\"menu-item menu-item-type-post_type\">{} {} {}</a>",
                page_path(j),
                WORDS[(g * 10 + k) % WORDS.len()],
                name,
                k + 1
            );
        }
        h.push_str("</div>\n");
    }
    h.push_str(
        "</div></nav>\n<ul class=\"utility\"><li><a href=\"/company/page-4.html\">Careers</a></li>\
         <li><a href=\"/contact.html\">Contact</a></li><li><a href=\"/impressum.html\">Impressum</a></li>\
         <li><a href=\"https://portal.nordlicht.example/login\">Customer login</a></li></ul>\n</div></header>\n",
    );

    // Main content: several hundred words that differ from page to page.
    let _ = write!(
        h,
        "<main id=\"content\"><section class=\"hero\"><nav class=\"breadcrumb\"><a href=\"/\">Home</a> / \
         <a href=\"/{section}/page-{s}.html\">{section}</a> / page {i}</nav>\
         <h1>{}</h1><p class=\"lead\">{}</p></section>\n<div class=\"content\">\n",
        sentence(&mut rng, 6).trim_end_matches(". "),
        sentence(&mut rng, 18),
        s = i % SECTIONS.len(),
    );
    for _ in 0..3 {
        h.push_str(&paragraph(&mut rng, 4));
    }
    let _ = write!(h, "<h2>{}</h2>\n<ul class=\"features\">\n", sentence(&mut rng, 4).trim_end_matches(". "));
    for _ in 0..6 {
        let _ = writeln!(h, "<li>{}</li>", sentence(&mut rng, 8).trim_end());
    }
    h.push_str("</ul>\n");
    h.push_str(&paragraph(&mut rng, 5));
    let (f, l, t) = (
        FIRST[rng.next(FIRST.len())],
        LAST[rng.next(LAST.len())],
        TITLES[rng.next(TITLES.len())],
    );
    let _ = write!(
        h,
        "<blockquote class=\"quote\"><p>{}</p><footer>{f} {l}, {t}</footer></blockquote>\n",
        sentence(&mut rng, 20).trim_end()
    );
    h.push_str("<h2>Technical data</h2>\n<table><thead><tr><th>Model</th><th>Range</th><th>Accuracy</th><th>Interface</th><th>Price (CHF)</th></tr></thead><tbody>\n");
    for r in 0..6 {
        let _ = writeln!(
            h,
            "<tr><td>NL-{}{r}</td><td>0 to {} mm</td><td>±{}.{} µm</td><td>{}</td><td>{},{:03}.00</td></tr>",
            i % 90 + 10,
            (r + 1) * 250,
            rng.next(4),
            rng.next(10),
            ["USB-C", "Ethernet", "EtherCAT", "PROFINET"][rng.next(4)],
            1 + rng.next(40),
            rng.next(1000)
        );
    }
    h.push_str("</tbody></table>\n");
    for _ in 0..2 {
        h.push_str(&paragraph(&mut rng, 4));
    }

    // Related pages: what ties a site's pages together beyond the menu.
    h.push_str("<h2>Related</h2>\n<ul class=\"related\">\n");
    for k in 1..=12usize {
        let j = (i * 31 + k * 97 + k * k + k) % n;
        let _ = writeln!(
            h,
            "<li><a href=\"{}\"><img src=\"/wp-content/uploads/2025/0{}/thumb-{j}-300x200.jpg\" alt=\"\" loading=\"lazy\" width=\"300\" height=\"200\">{}</a></li>",
            page_path(j),
            1 + k % 9,
            sentence(&mut rng, 5).trim_end_matches(". ")
        );
    }
    h.push_str("</ul>\n</div></main>\n");

    // Footer: company facts, as on every page of a real site.
    let _ = write!(
        h,
        r##"<footer class="site-footer"><div class="footer-grid">
<div class="footer-about"><img src="/wp-content/uploads/2024/01/logo-white.svg" alt="Nordlicht Instruments" width="160" height="36">
<p>Precision measurement systems for industry and research, engineered and built in Switzerland since 1987.</p></div>
<div class="footer-contact"><h4>Contact</h4>
<address>Nordlicht Instruments AG<br>Seestrasse 120<br>8002 Zürich<br>Switzerland</address>
<p>Phone: <a href="tel:+41445127700">+41 44 512 77 00</a><br>Fax: +41 44 512 77 01<br>
E-Mail: <a href="mailto:info@nordlicht.example">info@nordlicht.example</a><br>
Sales: <a href="mailto:sales@nordlicht.example">sales@nordlicht.example</a></p></div>
<div class="footer-links"><h4>Company</h4><ul>
<li><a href="/company/page-4.html">About us</a></li><li><a href="/company/page-10.html">Management</a></li>
<li><a href="/company/page-16.html">Careers</a></li><li><a href="/resources/page-5.html">News</a></li>
<li><a href="/resources/page-11.html">Downloads</a></li><li><a href="/resources/brochure-2025.pdf">Brochure (PDF)</a></li></ul></div>
<div class="footer-social"><h4>Follow us</h4><ul class="social">
<li><a href="https://www.linkedin.com/company/nordlicht-instruments" rel="noopener" target="_blank">LinkedIn</a></li>
<li><a href="https://x.com/nordlicht" rel="noopener" target="_blank">X</a></li>
<li><a href="https://www.youtube.com/@nordlicht" rel="noopener" target="_blank">YouTube</a></li>
<li><a href="https://www.instagram.com/nordlicht.instruments/" rel="noopener" target="_blank">Instagram</a></li>
<li><a href="https://www.facebook.com/nordlichtinstruments" rel="noopener" target="_blank">Facebook</a></li></ul></div>
</div>
<div class="footer-legal"><p>&copy; 2026 Nordlicht Instruments AG &middot; UID CHE-109.322.551 MWST &middot; Handelsregister des Kantons Zürich</p>
<ul><li><a href="/impressum.html">Impressum</a></li><li><a href="/privacy.html">Privacy policy</a></li>
<li><a href="/terms.html">Terms and conditions</a></li><li><a href="#" class="cookie-settings">Cookie settings</a></li></ul></div>
</footer>
<script src="/wp-content/themes/nordlicht/js/navigation.js?ver=3.2.1" id="nordlicht-navigation-js"></script>
<script id="wp-emoji-settings" type="application/json">{{"baseUrl":"https:\/\/s.w.org\/images\/core\/emoji\/14.0.0\/72x72\/","ext":".png"}}</script>
</body>
</html>
"##
    );
    h
}
