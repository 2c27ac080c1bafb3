//! "Name, Title" / "Name – Title" / "Name | Title" / "Name (Title)": a line
//! split at its separator exactly as the regex
//!
//! ```text
//! ^(?P<a>[^,–—|()]+?)\s*(?P<sep>,|\s[–—\-|]\s|\()\s*(?P<b>[^()]+?)\)?$
//! ```
//!
//! splits it (leftmost-first: the lazy parts as short, the greedy ones as
//! long, the alternatives in the order written), without a regex engine.
//! The regex's captures need its backtracker, about 18 k instructions a
//! line, on every line of a people page with a comma, dash, bar or
//! parenthesis; this walks the line once. A test compares the two on
//! generated lines.

/// The parts of a separated line, as the regex's groups.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Separated<'l> {
    pub a: &'l str,
    pub sep: &'l str,
    pub b: &'l str,
}

/// Characters the first part cannot hold.
fn ends_first_part(c: char) -> bool {
    matches!(c, ',' | '–' | '—' | '|' | '(' | ')')
}

pub(super) fn split(line: &str) -> Option<Separated<'_>> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let n = chars.len();
    let offset = |i: usize| chars.get(i).map_or(line.len(), |(at, _)| *at);
    let char_at = |i: usize| chars.get(i).map(|(_, c)| *c);
    let is_space = |i: usize| char_at(i).is_some_and(char::is_whitespace);
    let spaces_end = |mut i: usize| {
        while is_space(i) {
            i += 1;
        }
        i
    };
    // The first parenthesis at or after each index (`n` for none).
    let mut first_paren = vec![n; n + 1];
    for i in (0..n).rev() {
        first_paren[i] = if matches!(chars[i].1, '(' | ')') {
            i
        } else {
            first_paren[i + 1]
        };
    }
    // The end of `b` when it starts at `r`: it holds no parenthesis and at
    // least one character, and only a closing one may follow it, last.
    let b_end = |r: usize| -> Option<usize> {
        let p = first_paren.get(r).copied().unwrap_or(n);
        let end = if p == n {
            n
        } else if p + 1 == n && char_at(p) == Some(')') {
            p
        } else {
            return None;
        };
        (end > r).then_some(end)
    };
    // `\s*` (greedy) then `b`, after a separator ending at `q`.
    let rest = |q: usize| -> Option<(usize, usize)> {
        (q..=spaces_end(q))
            .rev()
            .find_map(|r| b_end(r).map(|e| (r, e)))
    };
    let parts = |k: usize, p: usize, q: usize, (r, e): (usize, usize)| Separated {
        a: &line[..offset(k)],
        sep: &line[offset(p)..offset(q)],
        b: &line[offset(r)..offset(e)],
    };
    // `a` is as short as the rest allows: one character, then two, ...
    for k in 1..=n {
        if ends_first_part(chars[k - 1].1) {
            return None;
        }
        // `\s*` (greedy), then the separators in the order written.
        for p in (k..=spaces_end(k)).rev() {
            if char_at(p) == Some(',')
                && let Some(r) = rest(p + 1)
            {
                return Some(parts(k, p, p + 1, r));
            }
            if is_space(p)
                && char_at(p + 1).is_some_and(|c| matches!(c, '–' | '—' | '-' | '|'))
                && is_space(p + 2)
                && let Some(r) = rest(p + 3)
            {
                return Some(parts(k, p, p + 3, r));
            }
            if char_at(p) == Some('(')
                && let Some(r) = rest(p + 1)
            {
                return Some(parts(k, p, p + 1, r));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_regex(line: &str) -> Option<Separated<'_>> {
        static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"^(?P<a>[^,–—|()]+?)\s*(?P<sep>,|\s[–—\-|]\s|\()\s*(?P<b>[^()]+?)\)?$",
            )
            .expect("static regex")
        });
        RE.captures(line).map(|c| Separated {
            a: c.name("a").map_or("", |m| m.as_str()),
            sep: c.name("sep").map_or("", |m| m.as_str()),
            b: c.name("b").map_or("", |m| m.as_str()),
        })
    }

    #[test]
    fn lines_split_as_the_regex_splits_them() {
        let mut lines: Vec<String> = [
            "Jane Doe, Chief Executive Officer",
            "Dr. Anna Schmidt – Head of Research and Development",
            "CEO – Jane Doe",
            "Maria Rossi (Head of Sales)",
            "Maria Rossi (Head of Sales",
            "Jean-Paul Martin - Directeur général",
            "Jean-Paul Martin-CEO",
            "Lisa Berg | Partner",
            "Lisa Berg  ,  Partner  ",
            "Lisa Berg,",
            "Lisa Berg, )",
            "Lisa Berg, x)",
            "A (B) C",
            "(CEO) Jane",
            "Jane\u{a0}–\u{a0}CEO",
            "We build precision measurement systems, for industry and research.",
            "Products - Solutions - Services",
            "",
            ",",
            " , x",
        ]
        .iter()
        .map(|l| l.to_string())
        .collect();
        // Every short line over the characters that steer the regex.
        let alphabet = [
            'J', 'a', ' ', '\u{a0}', '\t', ',', '–', '—', '-', '|', '(', ')', 'é', '.',
        ];
        lines.extend(crate::testgen::strings(
            &alphabet,
            40_000,
            12,
            0x2545_f491_4f6c_dd1d,
        ));
        let mut matched = 0;
        for line in &lines {
            let want = by_regex(line);
            matched += usize::from(want.is_some());
            assert_eq!(split(line), want, "{line:?}");
        }
        assert!(matched > 1_000, "only {matched} lines matched");
    }
}
