//! The site's HTML pages, generated deterministically.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::facts::{
    BLOG_POSTS, DOMAIN, FAX, HAMBURG_PHONE, JOBS, MAIN_PHONE, POSTS_PER_PAGE, PRODUCTS,
    REGISTRATION, SOCIAL, TEAM, VAT_ID,
};
use super::{COMPANY_NAME, DISALLOWED_PATH, Page};

#[derive(Default)]
pub(super) struct Builder {
    pub(super) pages: BTreeMap<String, Page>,
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Builder {
    fn add(&mut self, path: &str, title: &str, description: &str, head_extra: &str, main: &str) {
        let mut social = String::new();
        for (platform, url, _) in SOCIAL {
            let label = match *platform {
                "linkedin" => "LinkedIn",
                "x" => "X",
                "github" => "GitHub",
                "youtube" => "YouTube",
                "instagram" => "Instagram",
                _ => "Mastodon",
            };
            let rel = if *platform == "mastodon" {
                " rel=\"me\""
            } else {
                ""
            };
            let _ = write!(social, " <a href=\"{url}\"{rel}>{label}</a>");
        }
        let body = format!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} | Nordwind Robotics</title>
<meta name="description" content="{description}">
<meta name="generator" content="Hugo 0.128.0">
<meta name="viewport" content="width=device-width, initial-scale=1">
{head_extra}
</head>
<body>
<header>
<nav><ul>
<li><a href="/">Home</a></li>
<li><a href="/about">About</a></li>
<li><a href="/team">Team</a></li>
<li><a href="/products">Products</a></li>
<li><a href="/blog">Blog</a></li>
<li><a href="/careers">Careers</a></li>
<li><a href="/contact">Contact</a></li>
</ul></nav>
</header>
<main>
{main}
</main>
<footer>
<p>Follow us:{social}</p>
<p>© 2025 Nordwind Robotics GmbH · <a href="/imprint">Imprint</a> · <a href="/privacy">Privacy</a> · <a href="{DISALLOWED_PATH}">Staff login</a></p>
</footer>
</body>
</html>
"#,
            title = esc(title),
            description = esc(description),
        );
        self.pages.insert(
            path.to_string(),
            Page {
                content_type: "text/html; charset=utf-8",
                body,
            },
        );
    }

    pub(super) fn home(&mut self) {
        let same_as: Vec<&str> = SOCIAL.iter().map(|(_, u, _)| *u).collect();
        let org = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "Organization",
            "name": COMPANY_NAME,
            "url": "/",
            "email": format!("info@{DOMAIN}"),
            "telephone": MAIN_PHONE,
            "sameAs": same_as,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": "Leopoldstraße 12",
                "postalCode": "80802",
                "addressLocality": "München",
                "addressCountry": "DE"
            }
        });
        let head = format!(
            "<meta property=\"og:site_name\" content=\"Nordwind Robotics\">\n<script type=\"application/ld+json\">{org}</script>"
        );
        let mut main = String::from(
            "<h1>Robots that work with your people</h1>\n<p>Nordwind Robotics builds arms, grippers, mobile robots and the software that ties them together, so that small and mid-sized factories can automate the work their people would rather not do.</p>\n<h2>What we make</h2>\n<ul>\n",
        );
        for (name, slug, _) in PRODUCTS {
            let _ = writeln!(main, "<li><a href=\"/products/{slug}\">{name}</a></li>");
        }
        main.push_str("</ul>\n<h2>Latest from the blog</h2>\n<ul>\n");
        for i in 0..5 {
            let (title, slug) = post_title(i);
            let _ = writeln!(main, "<li><a href=\"/blog/{slug}\">{title}</a></li>");
        }
        main.push_str("</ul>\n<p><a href=\"/old-catalogue\">Download our old catalogue</a></p>\n");
        self.add(
            "/",
            "Home",
            "Nordwind Robotics builds industrial robots and software for small and mid-sized factories.",
            &head,
            &main,
        );
    }

    pub(super) fn about(&mut self) {
        let main = "<h1>About Nordwind Robotics</h1>\n\
<p>We started in a small workshop in Munich with one idea: robots should be as easy to set up as a new printer. Today our machines work in more than three hundred factories across Europe.</p>\n\
<p>Our engineers design every part of the system, from the grippers to the fleet software, and we support our customers for the whole life of a machine.</p>\n\
<p>Want to work with us? See our <a href=\"/careers\">open positions</a> or <a href=\"/team\">meet the team</a>.</p>\n";
        self.add(
            "/about",
            "About us",
            "How Nordwind Robotics started and what we stand for.",
            "",
            main,
        );
    }

    pub(super) fn team(&mut self) {
        let mut main = String::from(
            "<h1>Our team</h1>\n<p>The people who design, build and support Nordwind robots.</p>\n",
        );
        for m in TEAM {
            let _ = writeln!(
                main,
                "<div class=\"person\">\n<h3>{}</h3>\n<p class=\"role\">{}</p>\n<p>Joined Nordwind in {}.</p>\n</div>",
                esc(m.name),
                esc(m.title),
                m.joined
            );
        }
        self.add(
            "/team",
            "Team",
            "Meet the people behind Nordwind Robotics.",
            "",
            &main,
        );
    }

    pub(super) fn contact(&mut self) {
        let main = format!(
            "<h1>Contact</h1>\n\
<h2>Headquarters</h2>\n\
<address>\nNordwind Robotics GmbH<br>\nLeopoldstraße 12<br>\n80802 München<br>\nGermany\n</address>\n\
<p>Phone: {MAIN_PHONE}</p>\n\
<p>Fax: {FAX}</p>\n\
<p>Email: <a href=\"mailto:info@{DOMAIN}\">info@{DOMAIN}</a></p>\n\
<p>Sales enquiries: sales@{DOMAIN}</p>\n\
<p>Customer support: <a href=\"mailto:support@{DOMAIN}?subject=Support\">support@{DOMAIN}</a></p>\n\
<p>Press: press [at] nordwind-robotics [dot] de</p>\n\
<h2>Hamburg office</h2>\n\
<address>\nHafenstraße 7<br>\n20457 Hamburg<br>\nGermany\n</address>\n\
<p>Call us: <a href=\"tel:+494087654321\">{HAMBURG_PHONE}</a></p>\n\
<p>Applications go to <a href=\"mailto:careers@{DOMAIN}\">our recruiting team</a>.</p>\n"
        );
        self.add(
            "/contact",
            "Contact",
            "How to reach Nordwind Robotics in Munich and Hamburg.",
            "",
            &main,
        );
    }

    pub(super) fn imprint(&mut self) {
        let main = format!(
            "<h1>Imprint</h1>\n\
<p>Nordwind Robotics GmbH<br>\nLeopoldstraße 12<br>\n80802 München<br>\nGermany</p>\n\
<p>Vertreten durch die Geschäftsführer: Anna Berger, Jonas Keller</p>\n\
<p>Telefon: {MAIN_PHONE}<br>\nE-Mail: info@{DOMAIN}</p>\n\
<p>Registergericht: Amtsgericht München<br>\nRegisternummer: {REGISTRATION}</p>\n\
<p>Umsatzsteuer-Identifikationsnummer gemäß § 27a UStG: {VAT_ID}</p>\n\
<p>Member of the <a href=\"https://www.ihk-muenchen.de/\">Munich Chamber of Commerce</a>.</p>\n"
        );
        self.add(
            "/imprint",
            "Imprint",
            "Legal information about Nordwind Robotics GmbH.",
            "",
            &main,
        );
    }

    pub(super) fn privacy(&mut self) {
        let main = format!(
            "<h1>Privacy policy</h1>\n\
<p>We only collect the data we need to answer your requests and to run this website. We never sell personal data.</p>\n\
<p>This website does not use tracking cookies. Our web server keeps access logs for fourteen days to keep the site secure.</p>\n\
<p>Questions about your data? Write to privacy@{DOMAIN} and we will answer within a week.</p>\n"
        );
        self.add(
            "/privacy",
            "Privacy",
            "How Nordwind Robotics handles personal data.",
            "",
            &main,
        );
    }

    pub(super) fn products(&mut self) {
        let mut main = String::from(
            "<h1>Products</h1>\n<p>Everything you need to automate a production cell, from the arm to the fleet software.</p>\n",
        );
        for (name, slug, desc) in PRODUCTS {
            let _ = writeln!(
                main,
                "<section>\n<h2>{name}</h2>\n<p>{desc} <a href=\"/products/{slug}\">Details</a></p>\n</section>"
            );
        }
        self.add(
            "/products",
            "Products",
            "Robot arms, grippers, mobile robots and software by Nordwind Robotics.",
            "",
            &main,
        );
        for (i, (name, slug, desc)) in PRODUCTS.iter().enumerate() {
            let next = PRODUCTS[(i + 1) % PRODUCTS.len()];
            let main = format!(
                "<h1>{name}</h1>\n<p>{desc}</p>\n\
<p>Every {name} ships with a two-year warranty, remote diagnostics and on-site commissioning by our service engineers.</p>\n\
<p>Ask our <a href=\"/contact\">sales team</a> for a quote, or have a look at the <a href=\"/products/{next_slug}\">{next_name}</a>.</p>\n",
                next_slug = next.1,
                next_name = next.0,
            );
            self.add(&format!("/products/{slug}"), name, desc, "", &main);
        }
    }

    pub(super) fn careers(&mut self) {
        let mut main =
            String::from("<h1>Careers</h1>\n<p>We are hiring in Munich and Hamburg.</p>\n<ul>\n");
        for (title, slug) in JOBS {
            let _ = writeln!(main, "<li><a href=\"/careers/{slug}\">{title}</a></li>");
        }
        main.push_str("</ul>\n");
        self.add(
            "/careers",
            "Careers",
            "Open positions at Nordwind Robotics.",
            "",
            &main,
        );
        for (title, slug) in JOBS {
            let main = format!(
                "<h1>{title}</h1>\n<p>Join a small team that ships robots to real factories every week. You will work closely with engineering, service and our customers.</p>\n\
<p>Send your application to jobs@{DOMAIN}.</p>\n<p><a href=\"/careers\">All open positions</a></p>\n"
            );
            self.add(
                &format!("/careers/{slug}"),
                title,
                "An open position at Nordwind Robotics.",
                "",
                &main,
            );
        }
    }

    pub(super) fn blog(&mut self) {
        let pages = BLOG_POSTS.div_ceil(POSTS_PER_PAGE);
        for page in 1..=pages {
            let path = if page == 1 {
                "/blog".to_string()
            } else {
                format!("/blog/page/{page}")
            };
            let mut main = format!("<h1>Blog</h1>\n<p>Page {page} of {pages}.</p>\n<ul>\n");
            let first = (page - 1) * POSTS_PER_PAGE;
            for i in first..(first + POSTS_PER_PAGE).min(BLOG_POSTS) {
                let (title, slug) = post_title(i);
                let _ = writeln!(main, "<li><a href=\"/blog/{slug}\">{title}</a></li>");
            }
            main.push_str("</ul>\n<p>");
            if page > 1 {
                let prev = if page == 2 {
                    "/blog".to_string()
                } else {
                    format!("/blog/page/{}", page - 1)
                };
                let _ = write!(main, "<a href=\"{prev}\">Newer posts</a> ");
            }
            if page < pages {
                let _ = write!(main, "<a href=\"/blog/page/{}\">Older posts</a>", page + 1);
            }
            main.push_str("</p>\n");
            self.add(
                &path,
                "Blog",
                "News and notes from Nordwind Robotics.",
                "",
                &main,
            );
        }
        for i in 0..BLOG_POSTS {
            let (title, slug) = post_title(i);
            let author = TEAM[i % TEAM.len()].name;
            let mut main = format!(
                "<article>\n<h1>{title}</h1>\n<p>Written by {author} in {month} {year}.</p>\n",
                month = MONTHS[i % 12],
                year = 2019 + (i / 60),
            );
            for p in 0..3 {
                main.push_str("<p>");
                main.push_str(&paragraph(i * 7 + p));
                main.push_str("</p>\n");
            }
            let url = format!("https://nordwind-robotics.de/blog/{slug}");
            let _ = writeln!(
                main,
                "<p>Share: <a href=\"https://twitter.com/intent/tweet?url={url}\">X</a> · \
<a href=\"https://www.linkedin.com/sharing/share-offsite/?url={url}\">LinkedIn</a> · \
<a href=\"https://www.facebook.com/sharer/sharer.php?u={url}\">Facebook</a></p>"
            );
            main.push_str("<h2>Read next</h2>\n<ul>\n");
            for step in [1, 17] {
                let (t, s) = post_title((i + step) % BLOG_POSTS);
                let _ = writeln!(main, "<li><a href=\"/blog/{s}\">{t}</a></li>");
            }
            let (name, pslug, _) = PRODUCTS[i % PRODUCTS.len()];
            let _ = writeln!(
                main,
                "<li><a href=\"/products/{pslug}\">{name}</a></li>\n</ul>\n</article>"
            );
            self.add(
                &format!("/blog/{slug}"),
                &title,
                "A post on the Nordwind Robotics blog.",
                "",
                &main,
            );
        }
    }

    pub(super) fn internal(&mut self) {
        let main = format!(
            "<h1>Staff dashboard</h1>\n<p>Internal tools. Problems? Ask admin@{DOMAIN}.</p>\n"
        );
        self.add(
            DISALLOWED_PATH,
            "Staff dashboard",
            "Internal.",
            "<meta name=\"robots\" content=\"noindex\">",
            &main,
        );
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const ADJECTIVES: [&str; 12] = [
    "practical",
    "faster",
    "safer",
    "simpler",
    "quieter",
    "cheaper",
    "smarter",
    "leaner",
    "flexible",
    "reliable",
    "modular",
    "honest",
];
const TOPICS: [&str; 10] = [
    "fleet planning",
    "gripper design",
    "cell layout",
    "vision calibration",
    "safety zones",
    "battery care",
    "pallet handling",
    "remote service",
    "operator training",
    "weld inspection",
];
const AUDIENCES: [&str; 8] = [
    "small warehouses",
    "busy workshops",
    "food plants",
    "metal shops",
    "night shifts",
    "growing teams",
    "older machines",
    "tight budgets",
];

/// The title and slug of blog post `i` (distinct for i < 960).
pub(super) fn post_title(i: usize) -> (String, String) {
    let adj = ADJECTIVES[i % ADJECTIVES.len()];
    let topic = TOPICS[(i / ADJECTIVES.len()) % TOPICS.len()];
    let audience = AUDIENCES[(i / (ADJECTIVES.len() * TOPICS.len())) % AUDIENCES.len()];
    let title = format!("{adj} {topic} for {audience}");
    let slug = title.replace(' ', "-");
    let mut chars = title.chars();
    let title = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => title,
    };
    (title, slug)
}

const SENTENCES: [&str; 16] = [
    "Most projects start with a single cell and grow from there.",
    "We measured cycle times before and after the change.",
    "The biggest gains came from the boring parts of the process.",
    "Operators noticed the difference within the first week.",
    "A good layout leaves room for the next machine.",
    "We tried three approaches and kept the simplest one.",
    "Spare parts are cheaper than downtime.",
    "Training took an afternoon instead of a week.",
    "Sensors only help when someone looks at the data.",
    "The robot now runs through the night without supervision.",
    "Small changes to the fixture saved a surprising amount of time.",
    "We publish what went wrong as well as what went right.",
    "Customers asked for fewer buttons and clearer screens.",
    "Maintenance windows moved from monthly to quarterly.",
    "The same software runs on every robot in the hall.",
    "Safety reviews are part of every release.",
];

/// A deterministic paragraph of four sentences.
fn paragraph(seed: usize) -> String {
    (0..4)
        .map(|k| SENTENCES[(seed * 5 + k * 3) % SENTENCES.len()])
        .collect::<Vec<_>>()
        .join(" ")
}
