//! The streaming tokenizer (`crawler/src/html/tokenizer.rs`) against a subset
//! of the html5lib tokenizer tests, vendored under
//! `tests/fixtures/html5lib-tests/` (MIT, see the LICENSE there; commit in
//! its README).
//!
//! The tokenizer reads pages, it does not build a DOM, so the comparison is
//! of what reading depends on: start tags (lower-cased names, attributes,
//! first of repeated names kept, self-closing flag), end tags and the text
//! between them, with character references decoded by the same function the
//! streaming pass uses. What is not compared, and why:
//!
//! - comments and doctypes: the tokenizer skips them (their text never
//!   reaches the page scan); they are dropped from the expected tokens and
//!   the text around them joined;
//! - parse errors: the tokenizer recovers as the standard says but does not
//!   report them;
//! - tests whose input holds U+0000 or a lone surrogate: the standard
//!   replaces U+0000 with U+FFFD in some states, the tokenizer leaves it;
//! - tests that start in the CDATA section state, which the tokenizer
//!   enters only inside SVG or MathML;
//! - `KNOWN_DIFFERENCES` below, each with its reason.
//!
//! The input is preprocessed as the standard's input stream is (CR LF and
//! CR become LF) before it is tokenized. Tests that start in another state
//! than Data are run behind a start tag that switches to it (`<textarea>`
//! for RCDATA, `<xmp>` for RAWTEXT, `<script>`, `<plaintext>`); the
//! tokenizer ties the state to the element, so a test's `lastStartTag` is
//! renamed to that element throughout its input and expected output.

use std::path::PathBuf;

use cira_crawler::html::charref;
use cira_crawler::html::tokenizer::{Sink, StartTag, TextKind, tokenize};
use serde_json::Value;

/// The vendored files; every test in them runs unless skipped above.
const FILES: &[&str] = &[
    "test1.test",
    "test2.test",
    "test4.test",
    "contentModelFlags.test",
    "escapeFlag.test",
    "domjs.test",
    "entities.test",
];

/// Tests (by file and description) whose expected tokens differ from the
/// tokenizer's for a documented reason.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Start {
        name: String,
        attrs: Vec<(String, String)>,
        self_closing: bool,
    },
    End(String),
    Text(String),
}

#[derive(Default)]
struct Collect {
    tokens: Vec<Token>,
}

impl Collect {
    fn push_text(&mut self, text: &str) {
        if let Some(Token::Text(t)) = self.tokens.last_mut() {
            t.push_str(text);
        } else {
            self.tokens.push(Token::Text(text.to_string()));
        }
    }
}

fn decode(s: &str) -> String {
    charref::decode_text(s).into_owned()
}

impl<'a> Sink<'a> for Collect {
    fn start_tag(&mut self, tag: &StartTag<'a>) {
        let mut attrs: Vec<(String, String)> = Vec::new();
        for (name, value) in tag.attributes() {
            let name = name.to_ascii_lowercase();
            if attrs.iter().any(|(n, _)| *n == name) {
                continue;
            }
            attrs.push((
                name,
                charref::decode_attribute(value.unwrap_or("")).into_owned(),
            ));
        }
        self.tokens.push(Token::Start {
            name: tag.name.to_ascii_lowercase(),
            attrs,
            self_closing: tag.self_closing,
        });
    }

    fn end_tag(&mut self, name: &'a str) {
        self.tokens.push(Token::End(name.to_ascii_lowercase()));
    }

    fn text(&mut self, text: &'a str, kind: TextKind) {
        match kind {
            TextKind::Data | TextKind::RcData => self.push_text(&decode(text)),
            _ => self.push_text(text),
        }
    }
}

/// `\uXXXX` escapes of a `doubleEscaped` test; `None` for a lone surrogate.
fn unescape(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Some(out)
}

/// Replaces `from` with `to` whatever the case of `from`.
fn rename(s: &str, from: &str, to: &str) -> String {
    if from.is_empty() {
        return s.to_string();
    }
    let lower = s.to_ascii_lowercase();
    let from = from.to_ascii_lowercase();
    let mut out = String::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find(&from) {
        out.push_str(&s[at..at + i]);
        out.push_str(to);
        at += i + from.len();
    }
    out.push_str(&s[at..]);
    out
}

fn expected(output: &[Value], text: &dyn Fn(&str) -> Option<String>) -> Option<Vec<Token>> {
    let mut out: Vec<Token> = Vec::new();
    for t in output {
        let t = t.as_array()?;
        match t.first()?.as_str()? {
            "StartTag" => {
                let mut attrs: Vec<(String, String)> = t
                    .get(2)?
                    .as_object()?
                    .iter()
                    .map(|(k, v)| Some((text(k)?, text(v.as_str()?)?)))
                    .collect::<Option<_>>()?;
                // The JSON object loses the order; compare sorted.
                attrs.sort();
                out.push(Token::Start {
                    name: text(t.get(1)?.as_str()?)?,
                    attrs,
                    self_closing: t.get(3).and_then(Value::as_bool).unwrap_or(false),
                });
            }
            "EndTag" => out.push(Token::End(text(t.get(1)?.as_str()?)?)),
            "Character" => {
                let data = text(t.get(1)?.as_str()?)?;
                if let Some(Token::Text(prev)) = out.last_mut() {
                    prev.push_str(&data);
                } else {
                    out.push(Token::Text(data));
                }
            }
            // Skipped by the tokenizer (see the module docs).
            "Comment" | "DOCTYPE" => {}
            other => panic!("unknown token type {other}"),
        }
    }
    Some(out)
}

fn normalise_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Runs one test in one initial state; `Err` describes a mismatch.
fn run(test: &Value, state: &str) -> Result<(), String> {
    let double = test
        .get("doubleEscaped")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let last = test
        .get("lastStartTag")
        .and_then(Value::as_str)
        .unwrap_or("");
    let element = match state {
        "Data state" => "",
        "PLAINTEXT state" => "plaintext",
        "RCDATA state" => "textarea",
        "RAWTEXT state" => "xmp",
        "Script data state" => "script",
        other => return Err(format!("no way into {other}")),
    };
    let text = |s: &str| -> Option<String> {
        let s = if double { unescape(s)? } else { s.to_string() };
        Some(
            if element.is_empty() || last.is_empty() || last == element {
                s
            } else {
                rename(&s, last, element)
            },
        )
    };
    let raw_input =
        text(test["input"].as_str().unwrap_or("")).ok_or("a lone surrogate in the input")?;
    let input = normalise_newlines(&raw_input);
    let want = expected(test["output"].as_array().ok_or("no output")?, &text)
        .ok_or("a lone surrogate in the output")?;
    // The expected text is the tokenizer's of the raw input; its CRs come
    // from the input stream (normalised above) unless the input has none,
    // when they come from references ("&#013;"), which the standard keeps.
    let has_raw_cr = raw_input.contains('\r');
    let want: Vec<Token> = want
        .into_iter()
        .map(|t| match t {
            Token::Text(s) if has_raw_cr => Token::Text(normalise_newlines(&s)),
            t => t,
        })
        .collect();
    let prefix = if element.is_empty() {
        String::new()
    } else {
        format!("<{element}>")
    };
    let html = format!("{prefix}{input}");
    let mut got = Collect::default();
    tokenize(&html, &mut got);
    let mut got = got.tokens;
    if !prefix.is_empty() {
        got.remove(0);
    }
    for t in &mut got {
        if let Token::Start { attrs, .. } = t {
            attrs.sort();
        }
    }
    if got == want {
        Ok(())
    } else {
        Err(format!("input {input:?}\n  want {want:?}\n  got  {got:?}"))
    }
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html5lib-tests/tokenizer")
}

#[test]
fn html5lib_tokenizer_subset() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for file in FILES {
        let path = fixture_dir().join(file);
        let json: Value = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display())),
        )
        .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
        let tests = json["tests"].as_array().expect("a tests array");
        for test in tests {
            let description = test["description"].as_str().unwrap_or("");
            let input = test["input"].as_str().unwrap_or("");
            if input.contains('\u{0}')
                || (!test["doubleEscaped"].is_null() && input.contains("\\u0000"))
            {
                continue;
            }
            if KNOWN_DIFFERENCES
                .iter()
                .any(|(f, d, _)| f == file && *d == description)
            {
                continue;
            }
            let states: Vec<&str> = test
                .get("initialStates")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_else(|| vec!["Data state"]);
            for state in states {
                if state == "CDATA section state" {
                    continue;
                }
                match run(test, state) {
                    Ok(()) => ran += 1,
                    Err(e) if e.contains("lone surrogate") => {}
                    Err(e) => failures.push(format!("{file}: {description} ({state}):\n  {e}")),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} html5lib tokenizer tests fail:\n{}",
        failures.len(),
        ran + failures.len(),
        failures.join("\n")
    );
    assert!(ran > 300, "only {ran} tests ran");
}
