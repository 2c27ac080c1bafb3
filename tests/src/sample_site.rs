//! A generated company website for end-to-end tests and the demo: "Nordwind
//! Robotics GmbH", 400+ pages (home, about, team, contact, imprint, privacy,
//! products, careers, a paginated blog), `robots.txt` and `sitemap.xml`,
//! with its ground truth in the vocabulary of `report.json`.
//!
//! The site is deterministic: every call to [`SampleSite::generate`] yields
//! the same pages. [`SampleSite::serve`] serves it on `127.0.0.1` (port 0)
//! and counts hits per path, so tests can see what a crawler fetched and how
//! often.
//!
//! What a correct scan must report is in [`Truth`]; everything in it is
//! plainly visible on the site in a form `crawler/src/extract` is built to
//! read. Some things must *not* be reported: the e-mail on `/internal/`
//! (disallowed by robots.txt), share buttons (not profiles), a broken link.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;

use crate::Error;

/// The company's name, as the report's `company` should read when the scan
/// uses it.
pub const COMPANY_NAME: &str = "Nordwind Robotics GmbH";
/// The company's e-mail domain.
const DOMAIN: &str = "nordwind-robotics.de";

/// Blog posts on the site.
const BLOG_POSTS: usize = 380;
/// Blog posts per index page.
const POSTS_PER_PAGE: usize = 10;

/// Paths that are never pages of the site's content (fetched for crawling
/// itself), left out of [`SampleSite::page_paths`].
pub const NON_PAGE_PATHS: &[&str] = &["/robots.txt", "/sitemap.xml"];
/// A page robots.txt disallows; a scan must never fetch it.
pub const DISALLOWED_PATH: &str = "/internal/dashboard";

/// A person on the team page.
struct TeamMember {
    name: &'static str,
    title: &'static str,
    joined: u32,
}

const TEAM: &[TeamMember] = &[
    TeamMember {
        name: "Anna Berger",
        title: "Chief Executive Officer",
        joined: 2015,
    },
    TeamMember {
        name: "Jonas Keller",
        title: "Chief Technology Officer",
        joined: 2015,
    },
    TeamMember {
        name: "Miriam Hoffmann",
        title: "Chief Financial Officer",
        joined: 2017,
    },
    TeamMember {
        name: "Lukas Brandt",
        title: "Head of Engineering",
        joined: 2016,
    },
    TeamMember {
        name: "Sophie Wagner",
        title: "Head of Marketing",
        joined: 2018,
    },
    TeamMember {
        name: "Felix Schuster",
        title: "Lead Robotics Engineer",
        joined: 2016,
    },
    TeamMember {
        name: "Clara Neumann",
        title: "Product Manager",
        joined: 2019,
    },
    TeamMember {
        name: "David Richter",
        title: "Senior Software Engineer",
        joined: 2019,
    },
    TeamMember {
        name: "Lea Zimmermann",
        title: "UX Designer",
        joined: 2020,
    },
    TeamMember {
        name: "Tobias Krüger",
        title: "Sales Director",
        joined: 2018,
    },
    TeamMember {
        name: "Hannah Lehmann",
        title: "Customer Success Manager",
        joined: 2021,
    },
    TeamMember {
        name: "Niklas Hartmann",
        title: "Hardware Engineer",
        joined: 2020,
    },
    TeamMember {
        name: "Emma Schulz",
        title: "Data Scientist",
        joined: 2021,
    },
    TeamMember {
        name: "Paul Fischer",
        title: "Field Service Engineer",
        joined: 2022,
    },
    TeamMember {
        name: "Marie Lange",
        title: "Office Manager",
        joined: 2017,
    },
    TeamMember {
        name: "Jakob Peters",
        title: "Embedded Software Developer",
        joined: 2023,
    },
];

/// Products: (name, slug, one-line description).
const PRODUCTS: &[(&str, &str, &str)] = &[
    (
        "Atlas Arm",
        "atlas-arm",
        "A six-axis industrial arm for payloads up to twelve kilograms.",
    ),
    (
        "Boreas Gripper",
        "boreas-gripper",
        "An adaptive gripper that handles fragile and irregular parts.",
    ),
    (
        "Cirrus Vision Kit",
        "cirrus-vision-kit",
        "Stereo cameras and software that let robots see bins and pallets.",
    ),
    (
        "Drift AMR",
        "drift-amr",
        "An autonomous mobile robot that moves carts through busy halls.",
    ),
    (
        "Eddy Conveyor Module",
        "eddy-conveyor-module",
        "A modular conveyor segment with built-in sensing.",
    ),
    (
        "Fjord Control Suite",
        "fjord-control-suite",
        "Cell control software with a visual programming editor.",
    ),
    (
        "Gale Safety Scanner",
        "gale-safety-scanner",
        "A certified laser scanner that slows robots near people.",
    ),
    (
        "Halo Cobot",
        "halo-cobot",
        "A collaborative robot that works beside people without a fence.",
    ),
    (
        "Isobar Fleet Manager",
        "isobar-fleet-manager",
        "Traffic control and task planning for fleets of mobile robots.",
    ),
    (
        "Jetstream Welding Cell",
        "jetstream-welding-cell",
        "A compact welding cell that is set up in a single day.",
    ),
    (
        "Kestrel Inspection Drone",
        "kestrel-inspection-drone",
        "An indoor drone that inspects racks and ceilings.",
    ),
    (
        "Lull Charging Dock",
        "lull-charging-dock",
        "A fast charging dock for every Nordwind mobile robot.",
    ),
];

/// Open positions: (title, slug).
const JOBS: &[(&str, &str)] = &[
    ("Senior Robotics Engineer", "senior-robotics-engineer"),
    ("Embedded Linux Developer", "embedded-linux-developer"),
    ("Computer Vision Researcher", "computer-vision-researcher"),
    ("Technical Writer", "technical-writer"),
    ("Field Service Technician", "field-service-technician"),
    (
        "Sales Representative Nordics",
        "sales-representative-nordics",
    ),
    ("Working Student Marketing", "working-student-marketing"),
    (
        "Quality Assurance Specialist",
        "quality-assurance-specialist",
    ),
];

/// Social profiles linked from every page's footer: (platform in the
/// report, URL on the page, canonical URL in the report).
const SOCIAL: &[(&str, &str, &str)] = &[
    (
        "linkedin",
        "https://www.linkedin.com/company/nordwind-robotics/",
        "https://www.linkedin.com/company/nordwind-robotics",
    ),
    (
        "x",
        "https://twitter.com/NordwindRobots",
        "https://x.com/nordwindrobots",
    ),
    (
        "github",
        "https://github.com/nordwind-robotics",
        "https://github.com/nordwind-robotics",
    ),
    (
        "youtube",
        "https://www.youtube.com/@NordwindRobotics",
        "https://www.youtube.com/@nordwindrobotics",
    ),
    (
        "instagram",
        "https://www.instagram.com/nordwind.robotics/",
        "https://www.instagram.com/nordwind.robotics",
    ),
    (
        "mastodon",
        "https://mastodon.social/@nordwind",
        "https://mastodon.social/@nordwind",
    ),
];

const MAIN_PHONE: &str = "+49 89 12345678";
const MAIN_PHONE_E164: &str = "+498912345678";
const FAX: &str = "+49 89 12345679";
const FAX_E164: &str = "+498912345679";
const HAMBURG_PHONE: &str = "+49 40 87654321";
const HAMBURG_PHONE_E164: &str = "+494087654321";
const VAT_ID: &str = "DE136695976";
const REGISTRATION: &str = "HRB 234567";

/// A postal address as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TruthAddress {
    pub street: String,
    pub locality: String,
    pub postal_code: String,
    pub country: String,
}

/// The entities a correct scan of the whole site reports, in the report's
/// vocabulary (`report.json` `entities`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Truth {
    /// `emails[].value`.
    pub emails: BTreeSet<String>,
    /// `phones[]`: (value in E.164, kind `phone` or `fax`).
    pub phones: BTreeSet<(String, String)>,
    /// `socialProfiles[]`: (platform, url).
    pub social_profiles: BTreeSet<(String, String)>,
    /// `people[]`: (name, title).
    pub people: BTreeSet<(String, String)>,
    /// `addresses[]`.
    pub addresses: BTreeSet<TruthAddress>,
    /// `legalIdentifiers[]`: (type, value).
    pub legal_identifiers: BTreeSet<(String, String)>,
    /// `products[].name`.
    pub products: BTreeSet<String>,
    /// `technologies[].name`.
    pub technologies: BTreeSet<String>,
}

impl Truth {
    /// The same sets read from a `report.json` document.
    pub fn from_report(report: &Value) -> Truth {
        let e = &report["entities"];
        let items = |key: &str| e[key].as_array().cloned().unwrap_or_default();
        let s = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
        Truth {
            emails: items("emails").iter().map(|v| s(v, "value")).collect(),
            phones: items("phones")
                .iter()
                .map(|v| (s(v, "value"), s(v, "kind")))
                .collect(),
            social_profiles: items("socialProfiles")
                .iter()
                .map(|v| (s(v, "platform"), s(v, "url")))
                .collect(),
            people: items("people")
                .iter()
                .map(|v| (s(v, "name"), s(v, "title")))
                .collect(),
            addresses: items("addresses")
                .iter()
                .map(|v| TruthAddress {
                    street: s(v, "street"),
                    locality: s(v, "locality"),
                    postal_code: s(v, "postalCode"),
                    country: s(v, "country"),
                })
                .collect(),
            legal_identifiers: items("legalIdentifiers")
                .iter()
                .map(|v| (s(v, "type"), s(v, "value")))
                .collect(),
            products: items("products").iter().map(|v| s(v, "name")).collect(),
            technologies: items("technologies").iter().map(|v| s(v, "name")).collect(),
        }
    }

    /// The differences between this truth and what a report says, one line
    /// per missing or unexpected item; empty when they agree.
    pub fn diff(&self, report: &Value) -> Vec<String> {
        let got = Truth::from_report(report);
        let mut out = Vec::new();
        fn compare<T: Ord + std::fmt::Debug>(
            out: &mut Vec<String>,
            what: &str,
            want: &BTreeSet<T>,
            got: &BTreeSet<T>,
        ) {
            for missing in want.difference(got) {
                out.push(format!("{what}: missing {missing:?}"));
            }
            for extra in got.difference(want) {
                out.push(format!("{what}: unexpected {extra:?}"));
            }
        }
        compare(&mut out, "emails", &self.emails, &got.emails);
        compare(&mut out, "phones", &self.phones, &got.phones);
        compare(
            &mut out,
            "socialProfiles",
            &self.social_profiles,
            &got.social_profiles,
        );
        compare(&mut out, "people", &self.people, &got.people);
        compare(&mut out, "addresses", &self.addresses, &got.addresses);
        compare(
            &mut out,
            "legalIdentifiers",
            &self.legal_identifiers,
            &got.legal_identifiers,
        );
        compare(&mut out, "products", &self.products, &got.products);
        compare(
            &mut out,
            "technologies",
            &self.technologies,
            &got.technologies,
        );
        out
    }

    /// Entity counts by report key, as `entityCounts` should read.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let n = |len: usize| len as u64;
        BTreeMap::from([
            ("emails".to_string(), n(self.emails.len())),
            ("phones".to_string(), n(self.phones.len())),
            ("socialProfiles".to_string(), n(self.social_profiles.len())),
            ("people".to_string(), n(self.people.len())),
            ("products".to_string(), n(self.products.len())),
            ("technologies".to_string(), n(self.technologies.len())),
            ("addresses".to_string(), n(self.addresses.len())),
            (
                "legalIdentifiers".to_string(),
                n(self.legal_identifiers.len()),
            ),
        ])
    }
}

/// One generated response.
#[derive(Debug, Clone)]
struct Page {
    content_type: &'static str,
    body: String,
}

/// The generated site and its truth.
#[derive(Debug, Clone)]
pub struct SampleSite {
    pages: BTreeMap<String, Page>,
    truth: Truth,
}

impl SampleSite {
    /// Generates the site (deterministic).
    pub fn generate() -> SampleSite {
        let mut b = Builder::default();
        b.home();
        b.about();
        b.team();
        b.contact();
        b.imprint();
        b.privacy();
        b.products();
        b.careers();
        b.blog();
        b.internal();
        SampleSite {
            pages: b.pages,
            truth: truth(),
        }
    }

    /// What a correct scan reports.
    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    /// Every HTML page path a full crawl fetches (sitemap order), without
    /// robots.txt, the sitemap and the disallowed page.
    pub fn page_paths(&self) -> Vec<String> {
        self.pages
            .keys()
            .filter(|p| p.as_str() != DISALLOWED_PATH)
            .cloned()
            .collect()
    }

    /// Number of HTML pages a full crawl fetches.
    pub fn page_count(&self) -> usize {
        self.page_paths().len()
    }

    /// Serves the site on `127.0.0.1` at a free port until the returned
    /// server is dropped.
    pub async fn serve(&self) -> Result<SiteServer, Error> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(Error::io("could not bind the sample site's port"))?;
        let addr = listener
            .local_addr()
            .map_err(Error::io("could not read the sample site's address"))?;
        let base = format!("http://{addr}");
        let mut pages: HashMap<String, Page> = self
            .pages
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pages.insert(
            "/robots.txt".into(),
            Page {
                content_type: "text/plain; charset=utf-8",
                body: format!(
                    "# Nordwind Robotics\nUser-agent: *\nAllow: /\nDisallow: /internal/\n\nSitemap: {base}/sitemap.xml\n"
                ),
            },
        );
        let mut sitemap = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for path in self.page_paths() {
            let _ = writeln!(sitemap, "  <url><loc>{base}{path}</loc></url>");
        }
        sitemap.push_str("</urlset>\n");
        pages.insert(
            "/sitemap.xml".into(),
            Page {
                content_type: "application/xml",
                body: sitemap,
            },
        );
        let state = Arc::new(ServerState {
            pages,
            hits: Mutex::new(BTreeMap::new()),
        });
        let app = axum::Router::new()
            .fallback(serve_page)
            .with_state(state.clone());
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stop_rx.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(error = %e, "the sample site server stopped");
            }
        });
        tracing::info!(%addr, pages = self.pages.len(), "serving the sample site");
        Ok(SiteServer {
            addr,
            state,
            stop: Some(stop_tx),
            task,
        })
    }
}

struct ServerState {
    pages: HashMap<String, Page>,
    hits: Mutex<BTreeMap<String, u64>>,
}

async fn serve_page(
    axum::extract::State(state): axum::extract::State<Arc<ServerState>>,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = uri.path().to_string();
    *crate::supervisor::lock(&state.hits)
        .entry(path.clone())
        .or_default() += 1;
    match state.pages.get(&path) {
        Some(page) => (
            [(axum::http::header::CONTENT_TYPE, page.content_type)],
            page.body.clone(),
        )
            .into_response(),
        None => (
            axum::http::StatusCode::NOT_FOUND,
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><title>Not found</title><p>This page does not exist.</p>",
        )
            .into_response(),
    }
}

/// The running sample site; stops serving when dropped.
pub struct SiteServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl SiteServer {
    /// `http://127.0.0.1:<port>/`, the seed URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The address served on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests per path so far (any status).
    pub fn hits(&self) -> BTreeMap<String, u64> {
        crate::supervisor::lock(&self.state.hits).clone()
    }

    /// Requests for one path so far.
    pub fn hits_for(&self, path: &str) -> u64 {
        crate::supervisor::lock(&self.state.hits)
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Distinct pages of `site` fetched at least once.
    pub fn pages_fetched(&self, site: &SampleSite) -> usize {
        let hits = self.hits();
        site.page_paths()
            .iter()
            .filter(|p| hits.get(p.as_str()).copied().unwrap_or(0) > 0)
            .count()
    }

    /// Fetches beyond the first, summed over the pages of `site`.
    pub fn refetches(&self, site: &SampleSite) -> u64 {
        let hits = self.hits();
        site.page_paths()
            .iter()
            .map(|p| hits.get(p.as_str()).copied().unwrap_or(0).saturating_sub(1))
            .sum()
    }

    /// Forgets all counted hits.
    pub fn reset_hits(&self) {
        crate::supervisor::lock(&self.state.hits).clear();
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Open keep-alive connections would hold graceful shutdown; the
        // abort ends the server task either way.
        self.task.abort();
    }
}

/// The ground truth, written out by hand from the content below.
fn truth() -> Truth {
    let st = |s: &str| s.to_string();
    Truth {
        emails: [
            "info", "sales", "support", "press", "careers", "jobs", "privacy",
        ]
        .iter()
        .map(|l| format!("{l}@{DOMAIN}"))
        .collect(),
        phones: [
            (MAIN_PHONE_E164, "phone"),
            (FAX_E164, "fax"),
            (HAMBURG_PHONE_E164, "phone"),
        ]
        .iter()
        .map(|(v, k)| (st(v), st(k)))
        .collect(),
        social_profiles: SOCIAL.iter().map(|(p, _, u)| (st(p), st(u))).collect(),
        people: TEAM.iter().map(|m| (st(m.name), st(m.title))).collect(),
        addresses: [
            TruthAddress {
                street: st("Leopoldstraße 12"),
                locality: st("München"),
                postal_code: st("80802"),
                country: st("DE"),
            },
            TruthAddress {
                street: st("Hafenstraße 7"),
                locality: st("Hamburg"),
                postal_code: st("20457"),
                country: st("DE"),
            },
        ]
        .into_iter()
        .collect(),
        legal_identifiers: [("vat", VAT_ID), ("registration", REGISTRATION)]
            .iter()
            .map(|(t, v)| (st(t), st(v)))
            .collect(),
        products: PRODUCTS.iter().map(|(n, _, _)| st(n)).collect(),
        // The generator meta tag, and the og: meta tags every page carries
        // (Wappalyzer's "Open Graph").
        technologies: [st("Hugo"), st("Open Graph")].into_iter().collect(),
    }
}

#[derive(Default)]
struct Builder {
    pages: BTreeMap<String, Page>,
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

    fn home(&mut self) {
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

    fn about(&mut self) {
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

    fn team(&mut self) {
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

    fn contact(&mut self) {
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

    fn imprint(&mut self) {
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

    fn privacy(&mut self) {
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

    fn products(&mut self) {
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

    fn careers(&mut self) {
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

    fn blog(&mut self) {
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

    fn internal(&mut self) {
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
fn post_title(i: usize) -> (String, String) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_is_large_and_deterministic() {
        let a = SampleSite::generate();
        let b = SampleSite::generate();
        assert!(a.page_count() >= 400, "{} pages", a.page_count());
        assert_eq!(a.page_paths(), b.page_paths());
        assert_eq!(a.pages["/team"].body, b.pages["/team"].body);
        let slugs: BTreeSet<String> = (0..BLOG_POSTS).map(|i| post_title(i).1).collect();
        assert_eq!(slugs.len(), BLOG_POSTS, "blog slugs are distinct");
    }

    #[test]
    fn truth_matches_its_own_report_form() {
        let site = SampleSite::generate();
        let truth = site.truth();
        let report = serde_json::json!({"entities": {
            "emails": truth.emails.iter().map(|e| serde_json::json!({"value": e})).collect::<Vec<_>>(),
        }});
        let diff = truth.diff(&report);
        assert!(diff.iter().all(|d| !d.starts_with("emails")), "{diff:?}");
        assert!(diff.iter().any(|d| d.starts_with("people: missing")));
    }

    #[tokio::test]
    async fn server_serves_and_counts() {
        let site = SampleSite::generate();
        let server = site.serve().await.expect("serves");
        let url = server.url();
        let body = get(&format!("{url}robots.txt")).await;
        assert!(body.contains("Disallow: /internal/"), "{body}");
        let sitemap = get(&format!("{url}sitemap.xml")).await;
        assert_eq!(sitemap.matches("<loc>").count(), site.page_count());
        let team = get(&format!("{url}team")).await;
        assert!(team.contains("Anna Berger"));
        get(&format!("{url}team")).await;
        assert_eq!(server.hits_for("/team"), 2);
        assert_eq!(server.refetches(&site), 1);
    }

    /// A minimal HTTP/1.0 GET over a plain socket (only loopback).
    async fn get(url: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rest = url.trim_start_matches("http://");
        let (host, path) = rest.split_once('/').expect("a path");
        let mut s = tokio::net::TcpStream::connect(host)
            .await
            .expect("connects");
        s.write_all(format!("GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
            .await
            .expect("writes");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("reads");
        out
    }
}
