//! The page model handed from the crawl engine to extraction.

use url::Url;

/// What the streaming HTML pass pulls out of a page without building a DOM.
/// Produced by `crate::html::scan_html`; everything in it is already
/// entity-decoded. Text from `<script>`, `<style>`, `<noscript>`, `<template>`
/// and HTML comments never appears in `text`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageScan {
    /// `<title>` text, whitespace-collapsed.
    pub title: Option<String>,
    /// `<html lang>`.
    pub lang: Option<String>,
    /// `<base href>`, if any.
    pub base_href: Option<String>,
    /// `<link rel=canonical href>`, raw.
    pub canonical: Option<String>,
    /// Raw `href` values of `<a>` and `<area>` in document order (including
    /// `mailto:` and `tel:` links), not yet resolved or normalised.
    pub links: Vec<Link>,
    /// Raw URLs to crawl found outside `<a>`/`<area>`: `<link rel=alternate
    /// hreflang>`, `<link rel=next|prev>`, and `<a>`/`<area>` inside
    /// `<noscript>` or `<noframes>` (raw text to the tokenizer, as to a
    /// browser running scripts, so they are not in `links`).
    pub more_links: Vec<String>,
    /// Raw `src` of `<frame>` and `<iframe>`: pages shown inside this one
    /// (a frameset's parts, an embedded team or imprint page). Only those
    /// of the site are pages to crawl; others are embeds (videos, maps).
    pub frame_srcs: Vec<String>,
    /// Addresses `onclick` and `onload` handlers send the visitor to
    /// (`onclick="location.href='/kontakt'"`), raw: pages of the site are
    /// links; others are not.
    pub script_links: Vec<String>,
    /// Bodies of `<script type="application/json">`: framework page data
    /// such as Next.js `__NEXT_DATA__` or Nuxt `__NUXT_DATA__` (bounded).
    pub json_data: Vec<String>,
    /// `<meta>` tags: (lower-cased name / property / http-equiv, content).
    pub meta: Vec<(String, String)>,
    /// Bodies of `<script type="application/ld+json">`.
    pub json_ld: Vec<String>,
    /// `src` of `<script>` elements, raw.
    pub script_srcs: Vec<String>,
    /// A bounded prefix (at most 64 KiB in total) of inline script bodies,
    /// for technology fingerprints such as `gtag(` or `_hsq`.
    pub inline_script_sample: String,
    /// `href` of `<link rel=stylesheet>`, raw.
    pub stylesheet_hrefs: Vec<String>,
    /// Visible text; block elements and `<br>` become line breaks, runs of
    /// spaces collapse to one.
    pub text: String,
    /// Byte offsets in `text` where a repeated layout item begins: an
    /// element with the tag and `class` of its previous sibling, which held
    /// block elements (the next card of a team grid, the next entry of a
    /// list of blocks). Lines on either side belong to different items.
    pub card_breaks: Vec<usize>,
    /// Headings `h1`..`h3` as (level, text).
    pub headings: Vec<(u8, String)>,
    /// Byte offset in `text` where each heading of `headings` starts, so a
    /// section is found by place rather than by matching its words (a nav
    /// link "Products" is not the heading "Products").
    pub heading_at: Vec<usize>,
    /// True if any element carries `itemscope` (microdata needs a DOM parse).
    pub has_microdata: bool,
    /// `data-cfemail` values: addresses hidden by Cloudflare's email
    /// obfuscation (hex, XOR-keyed by the first byte).
    pub cf_emails: Vec<String>,
    /// `<meta name=robots>` says noindex / nofollow.
    pub robots_noindex: bool,
    pub robots_nofollow: bool,
    /// The page's tokens as offsets into it, so that technology detection
    /// answers `dom` selectors and reads `<style>` text without a second
    /// tokenizer pass (`None` when not made by `scan_html`; then it does).
    pub tokens: Option<crate::html::TokenLog>,
}

/// One link found on a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Link {
    /// The raw `href`.
    pub href: String,
    /// The link's visible text, whitespace-collapsed (may be empty).
    pub text: String,
    /// `rel` attribute, lower-cased (e.g. "nofollow", "me").
    pub rel: Option<String>,
}

/// A fetched, decoded HTML page.
#[derive(Debug, Clone)]
pub struct FetchedPage {
    /// The final URL after redirects, normalised.
    pub url: Url,
    /// Link depth from the seed (0 for the seed).
    pub depth: u32,
    /// HTTP status.
    pub status: u16,
    /// Media type without parameters, lower-cased (e.g. "text/html").
    pub content_type: String,
    /// Response headers with lower-cased names, in order (repeated names such
    /// as `set-cookie` appear several times).
    pub headers: Vec<(String, String)>,
    /// The body decoded to UTF-8 (charset from headers / meta / sniffing).
    pub body: String,
    /// The streaming pass over `body`.
    pub scan: PageScan,
}
