//! Realistic company pages for extraction tests: the page under test's own
//! content inside 20-30 KB of what company sites carry around it (navigation,
//! a cookie banner, product cards with prices, SKUs and dates, news teasers,
//! scripts, a footer), with digit runs, at-signs and capitalised words that
//! must not become findings.

/// A page of `lang` whose main content is `main`, padded with site chrome
/// and bait to at least 20 KB.
pub fn company_page(lang: &str, title: &str, main: &str) -> String {
    let mut page = format!(
        r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/site.4f9a2c.css">
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}gtag('js',new Date());gtag('config','G-4711XYZ');
var support = "support@tracker-example.com"; var hotline = "Tel: 030 9999999";</script>
<style>.card{{margin:0 0 12px}} .price:after{{content:"EUR"}}</style>
</head>
<body>
<!-- old footer: Tel. 030 8888888, mail old@legacy-agency.de -->
<div id="cookie-banner" class="banner"><p>We use cookies. Cookie ID 2024-0815-4711. <a href="/privacy">Privacy</a> <button>Accept all</button> <button>Settings</button></p></div>
<header class="site-header"><nav><ul>
<li><a href="/">Home</a></li><li><a href="/products/">Products</a></li><li><a href="/solutions/">Solutions</a></li>
<li><a href="/about/">About</a></li><li><a href="/careers/">Careers</a></li><li><a href="/contact/">Contact</a></li>
</ul></nav></header>
<main>
{main}
</main>
<section class="products"><h2>Products</h2>
"#
    );
    let mut i = 0u32;
    while page.len() < 21_000 {
        i += 1;
        page.push_str(&format!(
            r#"<div class="card"><h3>Model X-{i}00 Pro</h3>
<p>SKU 4{i:03}-2211-{i:04} · Art.-Nr. 100{i:04} · EAN 4006381{i:06}</p>
<p class="price">From 1.{i:03},00 € per month (order no. 2024/{i:07}), delivery 12.03.2024 - 15.03.2024, release v{i}.4.2.1234.</p>
<p>Rated 4.{i} of 5 by 1{i:03} customers in 2009–2024. Load 1{i:02}0 kg, speed 2.{i} m/s, size 120 x 80 x 1{i:02} cm.</p>
<p>Support case #2024{i:04}12 closed on 2024-03-{d:02} at 08:00-18:00; ticket 0{i}-{i:05}-2024.</p>
</div>
"#,
            d = i % 28 + 1
        ));
    }
    page.push_str(
        r#"</section>
<section class="news"><h2>News</h2>
<article><h3>Record quarter</h3><p>Revenue rose 12.5 % to 4,711,000 in Q3 2024. Read more from our CEO.</p></article>
<article><h3>Trade fair</h3><p>Visit us at hall 4, booth 4711, 12.-15.03.2025, Frankfurt am Main 069 Messe.</p></article>
</section>
<footer class="site-footer">
<p>© 2009–2024 · All rights reserved · <a href="/imprint">Imprint</a> · <a href="/privacy">Privacy</a></p>
<p>Follow us: <a href="https://www.linkedin.com/sharing/share-offsite/?url=x">Share</a></p>
</footer>
<script type="application/json" id="__STATE__">{"phone":"+49 30 7777777","email":"state@json-blob.de"}</script>
</body>
</html>
"#,
    );
    page
}
