//! Technology fingerprints: a data table matched against the generator
//! meta, script and stylesheet URLs, inline scripts, a few HTML markers,
//! response headers and cookie names. Each source is scanned once with a
//! literal set over all its patterns (`super::literals`), built once.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::Technology;
use super::literals::LiteralSet;
use crate::page::FetchedPage;

/// One technology and where it shows.
#[derive(Debug)]
pub struct Fingerprint {
    pub name: &'static str,
    pub category: &'static str,
    /// Lower-case substrings of `<meta name=generator>`.
    pub generator: &'static [&'static str],
    /// Lower-case substrings of script `src` URLs.
    pub script: &'static [&'static str],
    /// Lower-case substrings of stylesheet URLs.
    pub stylesheet: &'static [&'static str],
    /// Substrings of inline scripts (case-sensitive).
    pub inline: &'static [&'static str],
    /// Substrings of the HTML that do not occur by chance (case-sensitive).
    pub html: &'static [&'static str],
    /// (lower-case header name, lower-case value substring; "" = present).
    pub headers: &'static [(&'static str, &'static str)],
    /// Cookie name prefixes (case-sensitive).
    pub cookies: &'static [&'static str],
    /// Technologies this one implies.
    pub implies: &'static [&'static str],
}

const fn fp(name: &'static str, category: &'static str) -> Fingerprint {
    Fingerprint {
        name,
        category,
        generator: &[],
        script: &[],
        stylesheet: &[],
        inline: &[],
        html: &[],
        headers: &[],
        cookies: &[],
        implies: &[],
    }
}

/// The fingerprint table.
pub static FINGERPRINTS: &[Fingerprint] = &[
    Fingerprint {
        generator: &["wordpress"],
        script: &["/wp-content/", "/wp-includes/"],
        stylesheet: &["/wp-content/", "/wp-includes/"],
        html: &["/wp-content/themes/", "/wp-content/plugins/"],
        headers: &[("link", "api.w.org"), ("x-pingback", "xmlrpc.php")],
        cookies: &["wordpress_", "wp-settings-"],
        ..fp("WordPress", "cms")
    },
    Fingerprint {
        script: &["/plugins/woocommerce/"],
        stylesheet: &["/plugins/woocommerce/"],
        cookies: &["woocommerce_", "wp_woocommerce_session"],
        implies: &["WordPress"],
        ..fp("WooCommerce", "ecommerce")
    },
    Fingerprint {
        stylesheet: &["/plugins/elementor/"],
        script: &["/plugins/elementor/"],
        implies: &["WordPress"],
        ..fp("Elementor", "page-builder")
    },
    Fingerprint {
        generator: &["drupal"],
        script: &[
            "/core/misc/drupal.js",
            "/misc/drupal.js",
            "/sites/all/modules/",
        ],
        inline: &["drupalSettings", "Drupal.settings"],
        headers: &[
            ("x-drupal-cache", ""),
            ("x-generator", "drupal"),
            ("x-drupal-dynamic-cache", ""),
        ],
        ..fp("Drupal", "cms")
    },
    Fingerprint {
        generator: &["joomla"],
        script: &["/media/jui/js/", "/media/system/js/"],
        inline: &["Joomla.optionsStorage"],
        ..fp("Joomla", "cms")
    },
    Fingerprint {
        generator: &["typo3"],
        script: &["/typo3temp/", "/typo3conf/"],
        stylesheet: &["/typo3temp/", "/typo3conf/"],
        ..fp("TYPO3", "cms")
    },
    Fingerprint {
        generator: &["ghost"],
        ..fp("Ghost", "cms")
    },
    Fingerprint {
        generator: &["hubspot"],
        script: &[
            "js.hs-scripts.com",
            "js.hsforms.net",
            "js.hs-analytics.net",
            "js.hubspot.com",
            "js.hs-banner.com",
        ],
        inline: &["_hsq.push", "js.hs-scripts.com"],
        cookies: &["hubspotutk", "__hstc", "__hssc"],
        ..fp("HubSpot", "marketing")
    },
    Fingerprint {
        script: &["cdn.shopify.com"],
        stylesheet: &["cdn.shopify.com"],
        inline: &["Shopify.shop", "Shopify.theme"],
        headers: &[("x-shopify-stage", ""), ("x-shopid", "")],
        cookies: &["_shopify_"],
        ..fp("Shopify", "ecommerce")
    },
    Fingerprint {
        generator: &["wix.com"],
        script: &["static.parastorage.com"],
        html: &["static.wixstatic.com", "static.parastorage.com"],
        headers: &[("x-wix-request-id", "")],
        ..fp("Wix", "cms")
    },
    Fingerprint {
        generator: &["squarespace"],
        script: &["static1.squarespace.com", "assets.squarespace.com"],
        html: &["static1.squarespace.com"],
        ..fp("Squarespace", "cms")
    },
    Fingerprint {
        generator: &["webflow"],
        script: &["/webflow.", "website-files.com"],
        html: &["data-wf-site=", "data-wf-page="],
        ..fp("Webflow", "cms")
    },
    Fingerprint {
        script: &["/static/version", "/mage/", "requirejs-config.js"],
        html: &["data-mage-init", "text/x-magento-init"],
        cookies: &["mage-cache-", "form_key"],
        ..fp("Magento", "ecommerce")
    },
    Fingerprint {
        generator: &["prestashop"],
        cookies: &["PrestaShop-"],
        inline: &["prestashop = "],
        ..fp("PrestaShop", "ecommerce")
    },
    Fingerprint {
        script: &[
            "react.production.min.js",
            "react-dom.production",
            "/react@",
            "/react-dom@",
        ],
        html: &["data-reactroot", "data-reactid"],
        ..fp("React", "javascript-framework")
    },
    Fingerprint {
        script: &["/_next/static/"],
        html: &["id=\"__NEXT_DATA__\"", "/_next/static/"],
        headers: &[
            ("x-powered-by", "next.js"),
            ("x-nextjs-cache", ""),
            ("x-nextjs-prerender", ""),
        ],
        implies: &["React"],
        ..fp("Next.js", "javascript-framework")
    },
    Fingerprint {
        generator: &["gatsby"],
        html: &["id=\"___gatsby\""],
        implies: &["React"],
        ..fp("Gatsby", "static-site-generator")
    },
    Fingerprint {
        script: &[
            "vue.min.js",
            "vue.global",
            "vue.runtime",
            "/vue@",
            "/vue.js",
        ],
        html: &[" data-v-app", "data-v-"],
        ..fp("Vue.js", "javascript-framework")
    },
    Fingerprint {
        script: &["/_nuxt/"],
        inline: &["window.__NUXT__"],
        html: &["id=\"__nuxt\"", "window.__NUXT__"],
        implies: &["Vue.js"],
        ..fp("Nuxt", "javascript-framework")
    },
    Fingerprint {
        html: &["ng-version=\""],
        ..fp("Angular", "javascript-framework")
    },
    Fingerprint {
        script: &["angular.min.js", "angular.js", "/angular@1"],
        html: &[" ng-app=", " ng-app "],
        ..fp("AngularJS", "javascript-framework")
    },
    Fingerprint {
        script: &["/_app/immutable/"],
        html: &["class=\"svelte-", "data-sveltekit-"],
        ..fp("Svelte", "javascript-framework")
    },
    Fingerprint {
        script: &["alpinejs", "/alpine.min.js"],
        ..fp("Alpine.js", "javascript-framework")
    },
    Fingerprint {
        script: &["jquery"],
        ..fp("jQuery", "javascript-library")
    },
    Fingerprint {
        script: &[
            "bootstrap.min.js",
            "bootstrap.bundle",
            "/bootstrap@",
            "/bootstrap.js",
        ],
        stylesheet: &["bootstrap.min.css", "/bootstrap.css", "/bootstrap@"],
        ..fp("Bootstrap", "css-framework")
    },
    Fingerprint {
        stylesheet: &["tailwind"],
        script: &["cdn.tailwindcss.com"],
        html: &["--tw-"],
        ..fp("Tailwind CSS", "css-framework")
    },
    Fingerprint {
        stylesheet: &["font-awesome", "fontawesome"],
        script: &["kit.fontawesome.com", "fontawesome"],
        ..fp("Font Awesome", "font")
    },
    Fingerprint {
        stylesheet: &["fonts.googleapis.com"],
        html: &["fonts.googleapis.com"],
        ..fp("Google Fonts", "font")
    },
    Fingerprint {
        script: &[
            "google-analytics.com/analytics.js",
            "google-analytics.com/ga.js",
            "googletagmanager.com/gtag/js",
        ],
        inline: &[
            "gtag('config'",
            "gtag(\"config\"",
            "ga('create'",
            "GoogleAnalyticsObject",
        ],
        cookies: &["_ga", "_gid"],
        ..fp("Google Analytics", "analytics")
    },
    Fingerprint {
        script: &["googletagmanager.com/gtm.js"],
        inline: &[
            "googletagmanager.com/gtm.js",
            "'gtm.start'",
            "\"gtm.start\"",
        ],
        html: &["googletagmanager.com/ns.html"],
        ..fp("Google Tag Manager", "tag-manager")
    },
    Fingerprint {
        script: &["static.hotjar.com"],
        inline: &["_hjSettings", "static.hotjar.com"],
        cookies: &["_hjSession", "_hjid", "_hjSessionUser"],
        ..fp("Hotjar", "analytics")
    },
    Fingerprint {
        script: &["matomo.js", "piwik.js", "/matomo/"],
        inline: &["_paq.push", "matomo.js", "piwik.js"],
        cookies: &["_pk_id", "_pk_ses"],
        ..fp("Matomo", "analytics")
    },
    Fingerprint {
        script: &["plausible.io/js"],
        ..fp("Plausible", "analytics")
    },
    Fingerprint {
        script: &["cdn.segment.com"],
        inline: &["cdn.segment.com", "analytics.load("],
        cookies: &["ajs_anonymous_id", "ajs_user_id"],
        ..fp("Segment", "analytics")
    },
    Fingerprint {
        script: &["connect.facebook.net"],
        inline: &["fbq('init'", "fbq(\"init\"", "connect.facebook.net"],
        cookies: &["_fbp"],
        ..fp("Facebook Pixel", "advertising")
    },
    Fingerprint {
        script: &["snap.licdn.com"],
        inline: &["_linkedin_partner_id", "snap.licdn.com"],
        ..fp("LinkedIn Insight Tag", "advertising")
    },
    Fingerprint {
        script: &["widget.intercom.io", "js.intercomcdn.com"],
        inline: &["intercomSettings", "widget.intercom.io"],
        cookies: &["intercom-id-", "intercom-session-"],
        ..fp("Intercom", "chat")
    },
    Fingerprint {
        script: &["static.zdassets.com", "zopim.com"],
        ..fp("Zendesk", "chat")
    },
    Fingerprint {
        script: &["js.stripe.com"],
        ..fp("Stripe", "payments")
    },
    Fingerprint {
        script: &["www.paypal.com/sdk", "paypalobjects.com"],
        ..fp("PayPal", "payments")
    },
    Fingerprint {
        script: &[
            "google.com/recaptcha",
            "recaptcha/api.js",
            "gstatic.com/recaptcha",
        ],
        ..fp("reCAPTCHA", "security")
    },
    Fingerprint {
        script: &["consent.cookiebot.com"],
        cookies: &["CookieConsent"],
        ..fp("Cookiebot", "consent")
    },
    Fingerprint {
        script: &["cdn.cookielaw.org", "optanon"],
        cookies: &["OptanonConsent"],
        ..fp("OneTrust", "consent")
    },
    Fingerprint {
        script: &["maps.googleapis.com", "maps.google.com/maps/api"],
        ..fp("Google Maps", "maps")
    },
    Fingerprint {
        script: &["browser.sentry-cdn.com", "js.sentry-cdn.com"],
        inline: &["Sentry.init("],
        ..fp("Sentry", "monitoring")
    },
    Fingerprint {
        script: &["chimpstatic.com", "list-manage.com"],
        ..fp("Mailchimp", "marketing")
    },
    Fingerprint {
        headers: &[
            ("server", "cloudflare"),
            ("cf-ray", ""),
            ("cf-cache-status", ""),
        ],
        cookies: &["__cf_bm", "__cfduid", "cf_clearance", "__cflb"],
        html: &["/cdn-cgi/"],
        ..fp("Cloudflare", "cdn")
    },
    Fingerprint {
        headers: &[
            ("x-fastly-request-id", ""),
            ("fastly-debug-digest", ""),
            ("x-served-by", "cache-"),
        ],
        ..fp("Fastly", "cdn")
    },
    Fingerprint {
        headers: &[
            ("x-akamai-transformed", ""),
            ("akamai-grn", ""),
            ("server", "akamaighost"),
            ("x-akamai-request-id", ""),
        ],
        ..fp("Akamai", "cdn")
    },
    Fingerprint {
        headers: &[
            ("x-amz-cf-id", ""),
            ("x-amz-cf-pop", ""),
            ("via", "cloudfront"),
        ],
        ..fp("Amazon CloudFront", "cdn")
    },
    Fingerprint {
        headers: &[("server", "amazons3"), ("x-amz-bucket-region", "")],
        ..fp("Amazon S3", "hosting")
    },
    Fingerprint {
        headers: &[("via", "varnish"), ("x-varnish", "")],
        ..fp("Varnish", "cache")
    },
    Fingerprint {
        headers: &[("server", "nginx")],
        ..fp("nginx", "web-server")
    },
    Fingerprint {
        headers: &[("server", "apache")],
        ..fp("Apache HTTP Server", "web-server")
    },
    Fingerprint {
        headers: &[("server", "microsoft-iis")],
        ..fp("Microsoft IIS", "web-server")
    },
    Fingerprint {
        headers: &[("server", "litespeed")],
        ..fp("LiteSpeed", "web-server")
    },
    Fingerprint {
        headers: &[("server", "caddy")],
        ..fp("Caddy", "web-server")
    },
    Fingerprint {
        headers: &[
            ("server", "vercel"),
            ("x-vercel-id", ""),
            ("x-vercel-cache", ""),
        ],
        ..fp("Vercel", "hosting")
    },
    Fingerprint {
        headers: &[("server", "netlify"), ("x-nf-request-id", "")],
        ..fp("Netlify", "hosting")
    },
    Fingerprint {
        headers: &[("server", "github.com"), ("x-github-request-id", "")],
        ..fp("GitHub Pages", "hosting")
    },
    Fingerprint {
        headers: &[("x-powered-by", "php"), ("server", "php/")],
        cookies: &["PHPSESSID"],
        ..fp("PHP", "language")
    },
    Fingerprint {
        headers: &[
            ("x-powered-by", "asp.net"),
            ("x-aspnet-version", ""),
            ("x-aspnetmvc-version", ""),
        ],
        cookies: &["ASP.NET_SessionId", ".AspNetCore."],
        html: &["id=\"__VIEWSTATE\""],
        ..fp("ASP.NET", "framework")
    },
    Fingerprint {
        headers: &[("x-powered-by", "express")],
        ..fp("Express", "framework")
    },
    Fingerprint {
        cookies: &["laravel_session"],
        implies: &["PHP"],
        ..fp("Laravel", "framework")
    },
    Fingerprint {
        cookies: &["csrftoken", "django_language"],
        ..fp("Django", "framework")
    },
    Fingerprint {
        cookies: &["JSESSIONID"],
        ..fp("Java", "language")
    },
    Fingerprint {
        generator: &["hugo"],
        ..fp("Hugo", "static-site-generator")
    },
    Fingerprint {
        generator: &["jekyll"],
        ..fp("Jekyll", "static-site-generator")
    },
];

/// One literal set per source, and which fingerprint each pattern belongs to.
struct Matcher {
    set: LiteralSet,
    owner: Vec<usize>,
}

impl Matcher {
    fn build(select: impl Fn(&Fingerprint) -> &'static [&'static str], lower: bool) -> Matcher {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        for (i, f) in FINGERPRINTS.iter().enumerate() {
            for p in select(f) {
                patterns.push(if lower {
                    p.to_lowercase()
                } else {
                    p.to_string()
                });
                owner.push(i);
            }
        }
        Matcher {
            set: LiteralSet::new(&patterns, false),
            owner,
        }
    }

    fn scan(&self, haystack: &str, hits: &mut [bool]) {
        self.set.for_each(haystack.as_bytes(), |p| {
            if let Some(&i) = self.owner.get(p)
                && let Some(hit) = hits.get_mut(i)
            {
                *hit = true;
            }
        });
    }
}

static GENERATOR: LazyLock<Matcher> = LazyLock::new(|| Matcher::build(|f| f.generator, true));
static SCRIPT: LazyLock<Matcher> = LazyLock::new(|| Matcher::build(|f| f.script, true));
static STYLESHEET: LazyLock<Matcher> = LazyLock::new(|| Matcher::build(|f| f.stylesheet, true));
static INLINE: LazyLock<Matcher> = LazyLock::new(|| Matcher::build(|f| f.inline, false));
static HTML: LazyLock<Matcher> = LazyLock::new(|| Matcher::build(|f| f.html, false));
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+(?:\.\d+){1,3})").expect("static regex"));

/// Technologies one page shows.
pub fn detect(page: &FetchedPage) -> Vec<Technology> {
    let scan = &page.scan;
    let mut hits = vec![false; FINGERPRINTS.len()];
    let mut versions: BTreeMap<usize, String> = BTreeMap::new();

    for (k, v) in &scan.meta {
        if k == "generator" {
            let lower = v.to_lowercase();
            let mut local = vec![false; FINGERPRINTS.len()];
            GENERATOR.scan(&lower, &mut local);
            for (i, hit) in local.iter().enumerate() {
                if *hit {
                    hits[i] = true;
                    if let Some(c) = VERSION.captures(v) {
                        versions.insert(i, c[1].to_string());
                    }
                }
            }
        }
    }
    for src in &scan.script_srcs {
        SCRIPT.scan(&src.to_lowercase(), &mut hits);
    }
    for href in &scan.stylesheet_hrefs {
        STYLESHEET.scan(&href.to_lowercase(), &mut hits);
    }
    if !scan.inline_script_sample.is_empty() {
        INLINE.scan(&scan.inline_script_sample, &mut hits);
    }
    HTML.scan(&page.body, &mut hits);

    for (i, f) in FINGERPRINTS.iter().enumerate() {
        for (name, needle) in f.headers {
            for (h, value) in &page.headers {
                if h != name {
                    continue;
                }
                let lower = value.to_lowercase();
                if needle.is_empty() || lower.contains(needle) {
                    hits[i] = true;
                    // "nginx/1.25.3", "Apache/2.4.57": the version follows.
                    if !needle.is_empty()
                        && *name == "server"
                        && let Some(rest) = lower.split(needle).nth(1)
                        && let Some(c) = rest.strip_prefix('/').and_then(|r| VERSION.captures(r))
                    {
                        versions.insert(i, c[1].to_string());
                    }
                }
            }
        }
        if !f.cookies.is_empty() {
            for (h, value) in &page.headers {
                if h != "set-cookie" {
                    continue;
                }
                let cookie_name = value.split('=').next().unwrap_or("").trim();
                if f.cookies.iter().any(|p| cookie_name.starts_with(p)) {
                    hits[i] = true;
                }
            }
        }
    }
    // Implications, one level deep is all the table needs.
    for i in 0..FINGERPRINTS.len() {
        if hits[i] {
            for implied in FINGERPRINTS[i].implies {
                if let Some(j) = FINGERPRINTS.iter().position(|f| f.name == *implied) {
                    hits[j] = true;
                }
            }
        }
    }
    FINGERPRINTS
        .iter()
        .enumerate()
        .filter(|(i, _)| hits[*i])
        .map(|(i, f)| Technology {
            name: f.name.to_string(),
            category: f.category.to_string(),
            version: versions.get(&i).cloned(),
        })
        .collect()
}
