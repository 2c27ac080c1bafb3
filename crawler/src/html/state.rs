//! The pass's page state and what closing an element does to it: text,
//! link, heading, title, script and `<noscript>` buffers flushed into the
//! [`PageScan`].

use super::*;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum ScriptKind {
    JsonLd,
    /// `type="application/json"`: framework page data.
    JsonData,
    Inline,
    Other,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) scan: PageScan,
    pub(super) text: Collapser,
    /// Depth inside elements whose content is hidden.
    pub(super) hidden: u32,
    pub(super) title: Option<String>,
    pub(super) link: Option<usize>,
    pub(super) heading: Option<(u8, String)>,
    /// Length of the page text when the open heading began.
    pub(super) heading_from: usize,
    pub(super) script: Option<(ScriptKind, String)>,
    /// The raw text of an open `<noscript>`/`<noframes>`, read for links
    /// when it closes (`None` in a nested scan of such text).
    pub(super) fallback: Option<String>,
    /// Whether this scan reads `<noscript>` text for links (not inside one).
    pub(super) read_fallbacks: bool,
    /// Bytes of `application/json` script data kept so far.
    pub(super) json_data_bytes: usize,
}

/// What to do when an element is closed (bit flags).
pub(super) type Closing = u8;
pub(super) const END_BLOCK: Closing = 1;
pub(super) const CLOSE_LINK: Closing = 2;
pub(super) const CLOSE_HEADING: Closing = 4;
pub(super) const CLOSE_TITLE: Closing = 8;
pub(super) const CLOSE_SCRIPT: Closing = 16;
pub(super) const LEAVE_HIDDEN: Closing = 32;
pub(super) const CLOSE_FALLBACK: Closing = 64;
impl State {
    pub(super) fn on_text(&mut self, raw: &str, kind: TextKind) {
        if raw.is_empty() {
            return;
        }
        match kind {
            TextKind::Script => {
                if let Some((kind, buf)) = &mut self.script {
                    match kind {
                        ScriptKind::JsonLd => {
                            if buf.len() + raw.len() <= MAX_JSON_LD_BYTES {
                                buf.push_str(raw);
                            }
                        }
                        ScriptKind::JsonData => {
                            if self.json_data_bytes + buf.len() + raw.len() <= MAX_JSON_DATA_BYTES {
                                buf.push_str(raw);
                            }
                        }
                        ScriptKind::Inline => {
                            let room = INLINE_SCRIPT_SAMPLE_BYTES
                                .saturating_sub(self.scan.inline_script_sample.len() + buf.len());
                            buf.push_str(truncate_at_char(raw, room));
                        }
                        ScriptKind::Other => {}
                    }
                }
            }
            TextKind::RcData => {
                if let Some(title) = &mut self.title {
                    push_collapsed(title, &decode_text(raw), MAX_HEADING_TEXT);
                }
            }
            TextKind::Data => {
                if self.hidden > 0 {
                    return;
                }
                let text = decode_text(raw);
                self.text.push_text(&text);
                if let Some(i) = self.link
                    && let Some(link) = self.scan.links.get_mut(i)
                {
                    push_collapsed(&mut link.text, &text, MAX_LINK_TEXT);
                }
                if let Some((_, heading)) = &mut self.heading {
                    push_collapsed(heading, &text, MAX_HEADING_TEXT);
                }
            }
            TextKind::RawText => {
                if let Some(buf) = &mut self.fallback
                    && buf.len() + raw.len() <= MAX_NOSCRIPT_BYTES
                {
                    buf.push_str(raw);
                }
            }
            TextKind::PlainText | TextKind::CData => {}
        }
    }

    /// Links of a closed `<noscript>`/`<noframes>`: its text is markup a
    /// browser without scripts (or frames) shows, so its links are real.
    pub(super) fn close_fallback(&mut self) {
        self.leave_hidden();
        let Some(markup) = self.fallback.take() else {
            return;
        };
        if markup.is_empty() {
            return;
        }
        let inner = scan_markup(&markup, false);
        let room = MAX_MORE_LINKS.saturating_sub(self.scan.more_links.len());
        self.scan.more_links.extend(
            inner
                .links
                .into_iter()
                .map(|l| l.href)
                .chain(inner.more_links)
                .take(room),
        );
        let room = MAX_MORE_LINKS.saturating_sub(self.scan.frame_srcs.len());
        self.scan
            .frame_srcs
            .extend(inner.frame_srcs.into_iter().take(room));
        let room = MAX_MORE_LINKS.saturating_sub(self.scan.script_links.len());
        self.scan
            .script_links
            .extend(inner.script_links.into_iter().take(room));
    }

    pub(super) fn add_onclick_targets(&mut self, raw: &str) {
        if !raw.contains("location") {
            return;
        }
        let js = decode_attribute(raw);
        for target in script_redirect_targets(&js) {
            if self.scan.script_links.len() >= MAX_MORE_LINKS {
                return;
            }
            self.scan.script_links.push(target.to_string());
        }
    }

    pub(super) fn add_frame_src(&mut self, raw: &str) {
        let src = decode_attribute(raw);
        let src = src.trim();
        if !src.is_empty() && self.scan.frame_srcs.len() < MAX_MORE_LINKS {
            self.scan.frame_srcs.push(src.to_string());
        }
    }

    pub(super) fn add_more_link(&mut self, raw: &str) {
        let href = decode_attribute(raw);
        let href = href.trim();
        if !href.is_empty() && self.scan.more_links.len() < MAX_MORE_LINKS {
            self.scan.more_links.push(href.to_string());
        }
    }

    pub(super) fn close_link(&mut self) {
        if let Some(i) = self.link.take()
            && let Some(link) = self.scan.links.get_mut(i)
        {
            let trimmed = link.text.trim_end().len();
            link.text.truncate(trimmed);
        }
    }

    pub(super) fn close_heading(&mut self) {
        if let Some((level, text)) = self.heading.take() {
            let text = text.trim().to_string();
            if !text.is_empty() {
                self.scan.headings.push((level, text));
                // Where its words start: past the block break and space
                // written before the first of them.
                let out = &self.text.out;
                let from = self.heading_from.min(out.len());
                let skipped = out[from..].len() - out[from..].trim_start_matches(['\n', ' ']).len();
                self.scan.heading_at.push(from + skipped);
            }
        }
    }

    pub(super) fn close_script(&mut self) {
        if let Some((kind, body)) = self.script.take() {
            match kind {
                ScriptKind::JsonLd => {
                    let body = body.trim();
                    if !body.is_empty() {
                        self.scan.json_ld.push(body.to_string());
                    }
                }
                ScriptKind::JsonData => {
                    let body = body.trim();
                    if !body.is_empty() {
                        self.json_data_bytes += body.len();
                        self.scan.json_data.push(body.to_string());
                    }
                }
                ScriptKind::Inline => {
                    let sample = &mut self.scan.inline_script_sample;
                    if !body.trim().is_empty() && sample.len() < INLINE_SCRIPT_SAMPLE_BYTES {
                        if !sample.is_empty() {
                            sample.push('\n');
                        }
                        let room = INLINE_SCRIPT_SAMPLE_BYTES.saturating_sub(sample.len());
                        sample.push_str(truncate_at_char(body.trim(), room));
                    }
                }
                ScriptKind::Other => {}
            }
        }
    }

    pub(super) fn close_title(&mut self) {
        if let Some(title) = self.title.take() {
            let title = title.trim().to_string();
            if self.scan.title.is_none() && !title.is_empty() {
                self.scan.title = Some(title);
            }
        }
    }

    pub(super) fn leave_hidden(&mut self) {
        self.hidden = self.hidden.saturating_sub(1);
    }

    pub(super) fn close_script_element(&mut self) {
        self.close_script();
        self.leave_hidden();
    }

    pub(super) fn end_block(&mut self) {
        self.text.push_break();
    }

    /// Runs what an element asked for when it closes. Most ask for nothing
    /// or a line break: those are decided here without the table.
    #[inline]
    pub(super) fn close(&mut self, closing: Closing) {
        match closing {
            0 => {}
            END_BLOCK => self.end_block(),
            _ => self.close_each(closing),
        }
    }

    /// [`close`](Self::close), one action after the other.
    fn close_each(&mut self, closing: Closing) {
        type Action = fn(&mut State);
        const ACTIONS: [(Closing, Action); 7] = [
            (END_BLOCK, State::end_block),
            (CLOSE_LINK, State::close_link),
            (CLOSE_HEADING, State::close_heading),
            (CLOSE_TITLE, State::close_title),
            (CLOSE_SCRIPT, State::close_script_element),
            (LEAVE_HIDDEN, State::leave_hidden),
            (CLOSE_FALLBACK, State::close_fallback),
        ];
        for (flag, action) in ACTIONS {
            if closing & flag != 0 {
                action(self);
            }
        }
    }
}
