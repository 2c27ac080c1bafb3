//! The compact fingerprint database `build.rs` writes (postcard) from
//! Wappalyzer's JSON files and the crawler reads at first use. Shared by the
//! build script and the crate, so it depends on serde alone.

use serde::{Deserialize, Serialize};

/// Where a pattern looks; the names are Wappalyzer's.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Signal {
    Url,
    Html,
    Text,
    Scripts,
    Css,
    ScriptSrc,
    Meta,
    Headers,
    Cookies,
    Dom,
    /// Only through another technology's `implies`.
    Implies,
}

impl Signal {
    #[cfg(test)]
    pub const ALL: [Signal; 10] = [
        Signal::Url,
        Signal::Html,
        Signal::Text,
        Signal::Scripts,
        Signal::Css,
        Signal::ScriptSrc,
        Signal::Meta,
        Signal::Headers,
        Signal::Cookies,
        Signal::Dom,
    ];

    /// The database's key for this signal.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Url => "url",
            Signal::Html => "html",
            Signal::Text => "text",
            Signal::Scripts => "scripts",
            Signal::Css => "css",
            Signal::ScriptSrc => "scriptSrc",
            Signal::Meta => "meta",
            Signal::Headers => "headers",
            Signal::Cookies => "cookies",
            Signal::Dom => "dom",
            Signal::Implies => "implies",
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct Db {
    /// The npm package the data came from, e.g. "wappalyzer@6.10.47".
    pub source: String,
    pub categories: Vec<Category>,
    pub techs: Vec<Tech>,
    pub patterns: Vec<Pattern>,
    pub selectors: Vec<Selector>,
    /// The stretches of every pattern's reach (see `Pattern::before`).
    pub stretches: Vec<Stretch>,
    /// Patterns left out, with the reason (kept for docs and tests).
    pub skipped: Vec<Skipped>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Category {
    pub id: u32,
    pub name: String,
    pub priority: u8,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct Tech {
    pub name: String,
    /// Category ids.
    pub cats: Vec<u32>,
    pub implies: Vec<Implied>,
    /// Technology indices.
    pub excludes: Vec<u32>,
    /// Technology indices: detected only if one of them is present.
    pub requires: Vec<u32>,
    /// Category ids: detected only if a technology of one is present.
    pub requires_category: Vec<u32>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Implied {
    pub tech: u32,
    pub confidence: u8,
    pub version: String,
}

/// What a `dom` pattern tests on the elements its selectors match.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum DomPart {
    Exists,
    Text,
    Attribute(String),
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct DomTest {
    /// Selector indices: a selector list matches if any of them does.
    pub selectors: Vec<u32>,
    pub part: DomPart,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Pattern {
    pub tech: u32,
    pub signal: Signal,
    /// Lower-case header, cookie or meta name; empty for other signals.
    pub key: String,
    pub dom: Option<DomTest>,
    /// The Rust regex (ASCII, case-insensitive); empty matches anything.
    pub regex: String,
    /// One of these (ASCII case-insensitive) occurs in every match; empty
    /// when no literal is required, and then the regex always runs.
    pub literals: Vec<String>,
    /// How far a match reaches before its literal, and after it, outward
    /// from it (`None`: no bound): the regex then needs to run only near
    /// the literal's occurrences.
    pub before: Option<Reach>,
    pub after: Option<Reach>,
    /// Wappalyzer's version template (`\1`, `\1?a:b`), or empty.
    pub version: String,
    pub confidence: u8,
}

/// A side's stretches, outward from the literal: `Db::stretches[from..][..len]`
/// (one array for all, so decoding allocates nothing per pattern).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub from: u32,
    pub len: u32,
}

/// One stretch of a match beside its literal.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Stretch {
    /// At most this many bytes (`None`: no bound by length).
    pub max: Option<u32>,
    /// Bytes it never contains, at most three (zeros after the last; a
    /// fixed array so decoding allocates nothing): it ends before the
    /// nearest of them.
    pub stops: [u8; 3],
}

/// One compound CSS selector: `tag#id.class[attr op value]`.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// Lower-case; `None` = any element.
    pub tag: Option<String>,
    pub id: Option<String>,
    pub classes: Vec<String>,
    pub attrs: Vec<AttrTest>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AttrTest {
    /// Lower-case.
    pub name: String,
    pub op: AttrOp,
    pub value: String,
    /// `[attr op 'value' i]`: compared ASCII case-insensitively (`value`
    /// is then lower-case).
    pub fold: bool,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrOp {
    Exists,
    Equals,
    Contains,
    Prefix,
    Suffix,
    Word,
    DashPrefix,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Skipped {
    pub tech: String,
    pub signal: String,
    pub pattern: String,
    pub reason: String,
}
