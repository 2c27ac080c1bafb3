//! The text of each table row's cells, read from the tokens the streaming
//! pass recorded (`PageScan::tokens`) instead of a DOM parse: a parse of a
//! 24 KB page costs several times the whole streaming pass, and people
//! pages were most of the pages that took one. A page whose tokens were
//! not recorded is tokenized again.
//!
//! The rows and cells are those a DOM parse gives for the tables people
//! pages have (the differential test below compares with `scraper` on
//! every fixture and on malformed tables): cells close at the next cell,
//! row or table boundary as the HTML parser's implied end tags close
//! them; a cell of a nested table is also a cell of the rows around it,
//! as a descendant `td` is; rows and cells outside any `<table>` are
//! ignored, as the parser ignores their tags; text directly inside a
//! table but outside a cell belongs to no cell. Script and style text is
//! not a cell's text (the DOM's would be).

use crate::html::TokenLog;
use crate::html::charref::decode_text;
use crate::html::tokenizer::{Sink, StartTag, TextKind, tokenize};

/// Most rows read from one page, and most bytes of one cell's text: a
/// hostile page cannot make extraction hold more.
const MAX_ROWS: usize = 2_000;
const MAX_CELL: usize = 4 * 1024;
/// Most rows open at once (tables nested in cells), and most cells kept
/// per row: each cell is also a cell of the rows around it, so without
/// these a page of nested tables would make work and memory grow with the
/// square of its length. A people table is one or two levels deep and a
/// few cells wide.
const MAX_OPEN_ROWS: usize = 8;
const MAX_CELLS: usize = 256;
/// Most bytes of cell text kept from one page, all cells together.
const MAX_TEXT: usize = 256 * 1024;

/// The rows of every table of `html` in document order, each as the text
/// of its cells, whitespace-collapsed.
pub fn table_rows(html: &str, tokens: Option<&TokenLog>) -> Vec<Vec<String>> {
    let mut sink = Rows {
        budget: MAX_TEXT,
        depth: 0,
        sections: Vec::new(),
        open: Vec::new(),
        out: Vec::new(),
    };
    if !tokens.is_some_and(|log| log.replay(html, &mut sink)) {
        tokenize(html, &mut sink);
    }
    while let Some(row) = sink.open.pop() {
        sink.finish(row);
    }
    sink.out
        .into_iter()
        .map(|cells| cells.into_iter().map(|c| collapse(&c)).collect())
        .collect()
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

const SECTIONS: [&str; 3] = ["tbody", "thead", "tfoot"];

/// A row being read.
struct Row {
    /// Table nesting depth of the row's `<tr>`.
    depth: usize,
    /// Its place in `Rows::out`.
    slot: usize,
    cells: Vec<Cell>,
}

struct Cell {
    /// Table nesting depth of the cell's `<td>`/`<th>`; a deeper one is a
    /// nested table's cell, counted in this row as a DOM descendant is.
    depth: usize,
    open: bool,
    text: String,
}

struct Rows {
    /// Bytes of cell text still allowed (`MAX_TEXT`).
    budget: usize,
    /// Open tables.
    depth: usize,
    /// The open section (`tbody`, `thead`, `tfoot`) of each open table,
    /// outermost first: an end tag of a section that is not open is
    /// ignored, as the parser ignores it.
    sections: Vec<Option<&'static str>>,
    /// Open rows, outermost first.
    open: Vec<Row>,
    out: Vec<Vec<String>>,
}

impl Rows {
    fn finish(&mut self, row: Row) {
        if let Some(slot) = self.out.get_mut(row.slot) {
            *slot = row.cells.into_iter().map(|c| c.text).collect();
        }
    }

    /// Whether a cell of the current table is open.
    fn in_cell(&self) -> bool {
        self.open.last().is_some_and(|r| {
            r.depth == self.depth && r.cells.iter().any(|c| c.open && c.depth == self.depth)
        })
    }

    /// Ends the row of the current table, if one is open.
    fn end_row(&mut self) {
        self.end_cell();
        if self.open.last().is_some_and(|r| r.depth == self.depth)
            && let Some(row) = self.open.pop()
        {
            self.finish(row);
        }
    }

    /// Closes the cells of the current table in every open row.
    fn end_cell(&mut self) {
        let depth = self.depth;
        for row in &mut self.open {
            for cell in row.cells.iter_mut().filter(|c| c.depth == depth) {
                cell.open = false;
            }
        }
    }

    fn start_row(&mut self) {
        // A row straight inside a table has an implied body.
        if let Some(open @ None) = self.sections.last_mut() {
            *open = Some("tbody");
        }
        if self.out.len() >= MAX_ROWS || self.open.len() >= MAX_OPEN_ROWS {
            return;
        }
        self.open.push(Row {
            depth: self.depth,
            slot: self.out.len(),
            cells: Vec::new(),
        });
        self.out.push(Vec::new());
    }

    fn start_cell(&mut self) {
        self.end_cell();
        // A cell straight inside a table or its body has an implied row.
        if self.open.last().is_none_or(|r| r.depth != self.depth) {
            self.start_row();
        }
        let depth = self.depth;
        for row in self.open.iter_mut().filter(|r| r.cells.len() < MAX_CELLS) {
            row.cells.push(Cell {
                depth,
                open: true,
                text: String::new(),
            });
        }
    }
}

impl<'a> Sink<'a> for Rows {
    fn start_tag(&mut self, tag: &StartTag<'a>) {
        let name = tag.name;
        if name.eq_ignore_ascii_case("table") {
            // Inside a cell a table nests; straight inside a table's
            // structure the parser ends the open table first.
            if self.depth > 0 && !self.in_cell() {
                self.end_row();
                self.depth -= 1;
                self.sections.pop();
            }
            self.depth += 1;
            self.sections.push(None);
        } else if self.depth == 0 {
            // Table parts outside any table are ignored by the parser.
        } else if name.eq_ignore_ascii_case("tr") {
            self.end_row();
            self.start_row();
        } else if name.eq_ignore_ascii_case("td") || name.eq_ignore_ascii_case("th") {
            self.start_cell();
        } else if let Some(section) = SECTIONS.iter().find(|t| name.eq_ignore_ascii_case(t)) {
            self.end_row();
            if let Some(open) = self.sections.last_mut() {
                *open = Some(section);
            }
        } else if name.eq_ignore_ascii_case("caption") || name.eq_ignore_ascii_case("colgroup") {
            self.end_row();
            if let Some(open) = self.sections.last_mut() {
                *open = None;
            }
        }
    }

    fn end_tag(&mut self, name: &'a str) {
        if self.depth == 0 {
            return;
        }
        if name.eq_ignore_ascii_case("table") {
            self.end_row();
            self.depth -= 1;
            self.sections.pop();
        } else if name.eq_ignore_ascii_case("tr") {
            self.end_row();
        } else if let Some(section) = SECTIONS.iter().find(|t| name.eq_ignore_ascii_case(t)) {
            if self.sections.last() == Some(&Some(*section)) {
                self.end_row();
                if let Some(open) = self.sections.last_mut() {
                    *open = None;
                }
            }
        } else if name.eq_ignore_ascii_case("td") || name.eq_ignore_ascii_case("th") {
            self.end_cell();
        }
    }

    fn text(&mut self, text: &'a str, kind: TextKind) {
        if !matches!(kind, TextKind::Data | TextKind::RcData | TextKind::CData)
            || !self.open.iter().any(|r| r.cells.iter().any(|c| c.open))
        {
            return;
        }
        let text = if kind == TextKind::CData {
            text.into()
        } else {
            decode_text(text)
        };
        let budget = &mut self.budget;
        for row in &mut self.open {
            for cell in row.cells.iter_mut().filter(|c| c.open) {
                // Text nodes are joined with a space, as the DOM version
                // joined them.
                let room = MAX_CELL
                    .saturating_sub(cell.text.len() + 1)
                    .min(budget.saturating_sub(1));
                if room > 0 {
                    let mut end = text.len().min(room);
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    cell.text.push(' ');
                    cell.text.push_str(&text[..end]);
                    *budget -= end + 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    /// What a DOM parse gives: every `tr`, the text of its `td`/`th`
    /// descendants, as `from_tables` read them before.
    fn dom_rows(html: &str) -> Vec<Vec<String>> {
        let dom = Html::parse_document(html);
        let rows = Selector::parse("tr").expect("selector");
        let cells = Selector::parse("td, th").expect("selector");
        dom.select(&rows)
            .map(|r| {
                r.select(&cells)
                    .map(|c| collapse(&c.text().collect::<Vec<_>>().join(" ")))
                    .collect()
            })
            .collect()
    }

    fn both(html: &str) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let scan = crate::html::scan_html(html);
        let replayed = table_rows(html, scan.tokens.as_ref());
        let tokenized = table_rows(html, None);
        assert_eq!(replayed, tokenized, "replay and tokenizer differ on {html}");
        (replayed, dom_rows(html))
    }

    #[test]
    fn rows_and_cells_as_a_dom_parse_gives_them() {
        let cases = [
            "<table><tr><td>Jane Doe</td><td>CEO</td></tr><tr><th>John Roe</th><td>CFO</td></tr></table>",
            // Implied end tags: cells and rows closed by the next one.
            "<table><tr><td>Jane Doe<td>CEO<tr><td>John Roe<td>CFO</table>",
            // A cell straight in the body: the parser implies its row.
            "<table><tbody><td>Jane</td><td>Doe</td></tbody></table>",
            "<table><thead><tr><th>Name<th>Role</thead><tbody><tr><td>A B<td>C</tbody></table>",
            // Markup, references and comments inside a cell.
            "<table><tr><td><b>Jane</b> <i>Doe</i></td><td>Head&nbsp;of&#32;Sales &amp; Marketing<!-- x -->, EMEA</td></tr></table>",
            "<table><tr><td>Dr. Anna<br>Schmidt</td><td><p>Gesch&auml;ftsf&uuml;hrerin</p></td></tr></table>",
            // A nested table: its cells are cells of the outer row too.
            "<table><tr><td>Outer<table><tr><td>In 1</td><td>In 2</td></tr></table>tail</td><td>Last</td></tr></table>",
            // Text in the table but in no cell is moved out by the parser.
            "<table>stray<tr>also stray<td>cell</td></tr></table>",
            // Table parts outside a table are ignored.
            "<tr><td>no table</td></tr><p>after</p>",
            "<div><td>x</td></div><table><tr><td>y</td></tr></table>",
            // Unclosed at the end of the page.
            "<table><tr><td>Jane Doe<td>CEO",
            "<table><caption>Team</caption><tr><td>a</td></tr></table>",
            "<table><tr><td>a</td></tr></table><table><tr><td>b</td><td>c</td></tr></table>",
            "<p>no tables at all</p>",
            // An end tag of a section that is not open is ignored.
            "<table><thead><tr><th>Name</th><th>Role</th></tbody><th>More</th></tr></table>",
            // A table straight inside a table ends the first one.
            "<table><tr><td>a</td></tr><table><tr><td>b</td></tr></table>",
        ];
        for html in cases {
            let (ours, dom) = both(html);
            assert_eq!(ours, dom, "{html}");
        }
    }

    /// Tables as people pages write them, with every end tag the parser
    /// implies left out at random, header and body sections, inline
    /// markup, references, comments and nested tables in cells.
    fn generated_table(seed: u64) -> String {
        let mut rng = crate::testgen::Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut next = move |n: u64| rng.next_u64() % n;
        let words = [
            "Jane Doe",
            "CEO",
            "Dr. Anna Schmidt",
            "Head of Sales &amp; Marketing",
            "Gesch&auml;ftsf&uuml;hrer",
            "M&uuml;ller",
            "+49 30 1234",
            "Q&amp;A",
            "&nbsp;",
        ];
        let mut h = String::from("<p>intro</p>");
        fn table(h: &mut String, next: &mut impl FnMut(u64) -> u64, words: &[&str], nest: bool) {
            h.push_str("<table class=\"t\">");
            if next(3) == 0 {
                h.push_str("<caption>Team</caption>");
            }
            let sections = 1 + next(2);
            for s in 0..sections {
                if next(2) == 0 {
                    h.push_str(if s == 0 { "<thead>" } else { "<tbody>" });
                }
                for _ in 0..1 + next(4) {
                    if next(5) != 0 {
                        h.push_str("<tr>");
                    }
                    for _ in 0..1 + next(4) {
                        h.push_str(if next(4) == 0 { "<th>" } else { "<td>" });
                        for _ in 0..1 + next(3) {
                            let w = words[next(words.len() as u64) as usize];
                            match next(6) {
                                0 => h.push_str(&format!("<b>{w}</b>")),
                                1 => h.push_str(&format!("{w}<br>")),
                                2 => h.push_str(&format!("<!-- c -->{w}")),
                                3 if nest => table(h, next, words, false),
                                _ => h.push_str(&format!("{w} ")),
                            }
                        }
                        if next(2) == 0 {
                            h.push_str("</td>");
                        }
                    }
                    if next(2) == 0 {
                        h.push_str("</tr>");
                    }
                }
                if next(3) == 0 {
                    h.push_str("</tbody>");
                }
            }
            h.push_str("</table>");
        }
        for _ in 0..1 + next(2) {
            table(&mut h, &mut next, &words, true);
            h.push_str("<p>between</p>");
        }
        h
    }

    #[test]
    fn generated_tables_give_the_rows_a_dom_parse_gives() {
        for seed in 0..400 {
            let html = generated_table(seed);
            let (ours, dom) = both(&html);
            assert_eq!(ours, dom, "{html}");
        }
    }

    #[test]
    fn fixture_pages_give_the_rows_a_dom_parse_gives() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut pages = 0;
        let mut rows = 0;
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "html" || x == "htm")
                    && let Ok(html) = std::fs::read_to_string(&p)
                {
                    let (ours, dom) = both(&html);
                    assert_eq!(ours, dom, "{}", p.display());
                    pages += 1;
                    rows += ours.len();
                }
            }
        }
        assert!(pages >= 10, "fixtures found: {pages}");
        assert!(rows > 0, "no fixture has a table row");
    }

    #[test]
    fn a_hostile_page_is_bounded() {
        let html = format!(
            "<table>{}</table><table><tr><td>{}</td></tr></table>",
            "<tr><td>x</td></tr>".repeat(MAX_ROWS + 10),
            "y ".repeat(MAX_CELL)
        );
        let rows = table_rows(&html, None);
        assert_eq!(rows.len(), MAX_ROWS);
        // Tables nested in cells, thousands deep and wide: bounded.
        let nested = format!(
            "{}{}",
            "<table><tr><td>x".repeat(5_000),
            "<td>y".repeat(5_000)
        );
        let rows = table_rows(&nested, None);
        assert!(rows.len() <= MAX_OPEN_ROWS, "{}", rows.len());
        assert!(rows.iter().all(|r| r.len() <= MAX_CELLS));
        // Much text in many cells: a quarter of a MiB in all.
        let wide = format!(
            "<table><tr>{}</tr></table>",
            format!("<td>{}", "z".repeat(4_000)).repeat(200)
        );
        let total: usize = table_rows(&wide, None)
            .iter()
            .flatten()
            .map(String::len)
            .sum();
        assert!(total <= MAX_TEXT, "{total}");
        let big = table_rows(
            &format!("<table><tr><td>{}</td></tr></table>", "y ".repeat(MAX_CELL)),
            None,
        );
        assert!(big[0][0].len() <= MAX_CELL, "{}", big[0][0].len());
        let wide = table_rows(
            &format!("<table><tr><td>{}</td></tr></table>", "ü".repeat(MAX_CELL)),
            None,
        );
        assert!(wide[0][0].len() <= MAX_CELL && wide[0][0].starts_with("üü"));
    }
}
