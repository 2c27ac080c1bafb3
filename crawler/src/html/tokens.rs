//! A record of the streaming pass's tokens as byte offsets into the page,
//! so that a later reader of the page's elements (technology detection's
//! `dom` selectors) can have them again without a second tokenizer pass.

use super::tokenizer::{Sink, StartTag, TextKind};

/// Most tokens recorded for one page (16 bytes each); a page with more is
/// not recorded (`TokenLog::complete` is false) and its reader tokenizes
/// it again.
const MAX_TOKENS: usize = 1 << 16;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    /// `page[name..attrs]` is the name, `page[attrs..end]` the attributes.
    Start {
        name: u32,
        attrs: u32,
        end: u32,
        self_closing: bool,
        foreign: bool,
    },
    End {
        from: u32,
        to: u32,
    },
    Text {
        from: u32,
        to: u32,
        kind: TextKind,
    },
}

impl Token {
    /// Where the token's text begins in the page.
    fn start(&self) -> u32 {
        match *self {
            Token::Start { name, .. } => name,
            Token::End { from, .. } | Token::Text { from, .. } => from,
        }
    }
}

/// The tokens of one page, in order. Script and `<plaintext>` text is left
/// out (nothing that replays the log reads it).
#[derive(Clone, Default, PartialEq)]
pub struct TokenLog {
    /// Length of the page the offsets are into.
    page_len: usize,
    tokens: Vec<Token>,
    /// False when the page had more tokens than are recorded.
    complete: bool,
}

impl std::fmt::Debug for TokenLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenLog")
            .field("page_len", &self.page_len)
            .field("tokens", &self.tokens.len())
            .field("complete", &self.complete)
            .finish()
    }
}

impl TokenLog {
    fn new(page: &str) -> Self {
        Self {
            page_len: page.len(),
            // About one token per 25 bytes of markup on ordinary pages.
            tokens: Vec::with_capacity((page.len() / 24).min(MAX_TOKENS)),
            complete: true,
        }
    }

    /// Hands `sink` only the start tags of `page` whose attributes (as
    /// written, between the name and the `>`) take in one of the byte
    /// ranges `hits`, in page order, each once; false (and nothing handed)
    /// when this log is not a whole record of `page`. For readers that look
    /// at nothing but start tags' attributes and know where what they look
    /// for lies.
    pub fn replay_start_tags_at<'a>(
        &self,
        page: &'a str,
        hits: impl IntoIterator<Item = std::ops::Range<usize>>,
        sink: &mut impl Sink<'a>,
    ) -> bool {
        if !self.complete || page.len() != self.page_len {
            return false;
        }
        let mut chosen: Vec<usize> = hits
            .into_iter()
            .filter_map(|hit| {
                // The last token starting at or before the hit (tokens
                // are in page order, each a slice after the one before).
                let i = self
                    .tokens
                    .partition_point(|t| t.start() as usize <= hit.start)
                    .checked_sub(1)?;
                match self.tokens.get(i)? {
                    Token::Start { attrs, end, .. }
                        if *attrs as usize <= hit.start && hit.end <= *end as usize =>
                    {
                        Some(i)
                    }
                    _ => None,
                }
            })
            .collect();
        chosen.sort_unstable();
        chosen.dedup();
        let at = |from: u32, to: u32| page.get(from as usize..to as usize);
        for i in chosen {
            if let Some(&Token::Start {
                name,
                attrs,
                end,
                self_closing,
                foreign,
            }) = self.tokens.get(i)
                && let (Some(n), Some(a)) = (at(name, attrs), at(attrs, end))
            {
                sink.start_tag(&StartTag::from_raw(n, a, self_closing, foreign));
            }
        }
        true
    }

    /// Hands the recorded tokens of `page` to `sink` as the tokenizer did;
    /// false (and nothing handed) when this log is not a whole record of
    /// `page`, and the caller must tokenize it.
    pub fn replay<'a>(&self, page: &'a str, sink: &mut impl Sink<'a>) -> bool {
        if !self.complete || page.len() != self.page_len {
            return false;
        }
        let at = |from: u32, to: u32| page.get(from as usize..to as usize);
        for t in &self.tokens {
            match *t {
                Token::Start {
                    name,
                    attrs,
                    end,
                    self_closing,
                    foreign,
                } => {
                    if let (Some(n), Some(a)) = (at(name, attrs), at(attrs, end)) {
                        sink.start_tag(&StartTag::from_raw(n, a, self_closing, foreign));
                    }
                }
                Token::End { from, to } => {
                    if let Some(n) = at(from, to) {
                        sink.end_tag(n);
                    }
                }
                Token::Text { from, to, kind } => {
                    if let Some(t) = at(from, to) {
                        sink.text(t, kind);
                    }
                }
            }
        }
        true
    }
}

/// Records tokens of one page: each is a slice of it, so its place is its
/// address less the page's. Cheap per token: it runs on every page.
pub(super) struct Recorder {
    base: usize,
    /// Tokens recorded before the log is given up: `MAX_TOKENS`, or 0 once
    /// given up (a page over `u32::MAX` bytes is never recorded).
    limit: usize,
    pub(super) log: TokenLog,
}

impl Recorder {
    pub(super) fn new(page: &str) -> Self {
        let log = TokenLog::new(page);
        let limit = if u32::try_from(page.len()).is_ok() {
            MAX_TOKENS
        } else {
            0
        };
        Self {
            base: page.as_ptr() as usize,
            limit,
            log,
        }
    }

    /// Where `s` starts in the page, if it lies in it (the page is shorter
    /// than `u32::MAX` bytes while `limit` is not 0).
    fn at(&self, s: &str) -> Option<u32> {
        let from = (s.as_ptr() as usize).wrapping_sub(self.base);
        (from <= self.log.page_len && s.len() <= self.log.page_len - from).then_some(from as u32)
    }

    fn push(&mut self, t: Option<Token>) {
        match t {
            Some(t) if self.log.tokens.len() < self.limit => self.log.tokens.push(t),
            _ => self.give_up(),
        }
    }

    #[cold]
    fn give_up(&mut self) {
        self.limit = 0;
        self.log.complete = false;
        self.log.tokens = Vec::new();
    }

    pub(super) fn start_tag(&mut self, tag: &StartTag<'_>) {
        let name = self.at(tag.name);
        let attrs = tag.raw_attributes();
        let t = match (name, self.at(attrs)) {
            // The attributes follow the name.
            (Some(name), Some(a)) if a == name + tag.name.len() as u32 => Some(Token::Start {
                name,
                attrs: a,
                end: a + attrs.len() as u32,
                self_closing: tag.self_closing,
                foreign: tag.foreign,
            }),
            _ => None,
        };
        self.push(t);
    }

    pub(super) fn end_tag(&mut self, name: &str) {
        let t = self.at(name).map(|from| Token::End {
            from,
            to: from + name.len() as u32,
        });
        self.push(t);
    }

    pub(super) fn text(&mut self, text: &str, kind: TextKind) {
        if matches!(kind, TextKind::Script | TextKind::PlainText) {
            return;
        }
        let t = self.at(text).map(|from| Token::Text {
            from,
            to: from + text.len() as u32,
            kind,
        });
        self.push(t);
    }
}
