//! Cards: a name and a title on adjacent lines, either order, or with a
//! short bio between them, under a team heading or among other cards.

use super::*;

pub(super) fn is_card_furniture(w: &str) -> bool {
    let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '.');
    FURNITURE.contains_lowercased(w.trim_end_matches(':'))
}

/// Cards: a name line next to a title line. A card lists its name and
/// title in one order, the same for every card of a page. That order is
/// read from the names with a title on one side only: firmly where that
/// title cannot be another card's (no unpaired name on its far side),
/// else by majority, else from the names being headings (a heading's
/// content follows it). A title line that could be the next card's goes to
/// a name only in that order, and a name with titles on both sides takes
/// the one the order says. Without an order such names stay unpaired: a
/// name paired with another card's title is worse than a miss. Section
/// headings (h1, h2, or a team heading) are never a card's title, nor is
/// a line of another layout item (`card[i]` numbers the item of line `i`).
/// `line_names[i]` is `clean_name(lines[i])`.
pub(super) fn cards(
    lines: &[&str],
    line_names: &[Option<String>],
    card: &[usize],
    headings: &[(u8, String)],
    used: &mut [bool],
    out: &mut Vec<Person>,
) {
    let heading_level = |line: &str| {
        headings
            .iter()
            .find(|(_, h)| h.trim() == line)
            .map(|(level, _)| *level)
    };
    let not_title: Vec<bool> = lines
        .iter()
        .map(|l| match heading_level(l) {
            Some(level) => level <= 2 || is_team_heading(l),
            None => false,
        })
        .collect();
    let is_name: Vec<bool> = line_names.iter().map(Option::is_some).collect();
    let title_at = |used: &[bool], j: usize| -> Option<String> {
        if used.get(j).copied().unwrap_or(true) || not_title.get(j).copied().unwrap_or(true) {
            return None;
        }
        let line = lines.get(j)?;
        // A name line is not a title line (two names in a row).
        if is_name.get(j).copied().unwrap_or(true) {
            return None;
        }
        title_line(line).or_else(|| department_line(line))
    };
    let names: Vec<(usize, String)> = line_names
        .iter()
        .enumerate()
        .filter(|&(i, _)| !used[i])
        .filter_map(|(i, n)| n.clone().map(|n| (i, n)))
        .collect();
    #[derive(PartialEq, Clone, Copy)]
    enum Side {
        Before,
        After,
    }
    // The title line on one side of a name, and whether an unpaired name on
    // its far side could own it instead.
    let side = |used: &[bool], i: usize, side: Side| -> Option<(String, usize, bool)> {
        let (j, far) = match side {
            Side::After => (i + 1, i.checked_add(2)),
            Side::Before => (i.checked_sub(1)?, i.checked_sub(2)),
        };
        if card.get(j) != card.get(i) {
            return None;
        }
        let t = title_at(used, j)?;
        let contested = far.is_some_and(|f| {
            card.get(f) == card.get(j)
                && is_name.get(f).copied().unwrap_or(false)
                && !used.get(f).copied().unwrap_or(true)
        });
        Some((t, j, contested))
    };
    // Votes: [firm, weak] for after and before.
    let (mut after, mut before) = ([0, 0], [0, 0]);
    for (i, _) in &names {
        match (side(used, *i, Side::Before), side(used, *i, Side::After)) {
            (None, Some((_, _, contested))) => after[usize::from(contested)] += 1,
            (Some((_, _, contested)), None) => before[usize::from(contested)] += 1,
            _ => {}
        }
    }
    let majority = |a: i32, b: i32| match a.cmp(&b) {
        std::cmp::Ordering::Greater => Some(Side::After),
        std::cmp::Ordering::Less => Some(Side::Before),
        std::cmp::Ordering::Equal => None,
    };
    let name_headings = names
        .iter()
        .filter(|(i, _)| heading_level(lines[*i]).is_some())
        .count();
    let order = if after[0] + before[0] > 0 {
        majority(after[0], before[0])
    } else if after[1] + before[1] > 0 && after[1] != before[1] {
        majority(after[1], before[1])
    } else if !names.is_empty() && name_headings * 2 > names.len() {
        Some(Side::After)
    } else {
        None
    };
    // The line after one or two sentences that follow name `i` in its
    // card, when that line is not another card's: no unpaired name after it.
    let title_past_bio = |i: usize| -> Option<usize> {
        let same_card = |k: usize| card.get(k).is_some() && card.get(k) == card.get(i);
        let bio = |k: usize| same_card(k) && !is_name[k] && is_sentence(lines[k]);
        let j = (i + 2..=i + 3).find(|&j| (i + 1..j).all(bio) && !bio(j))?;
        let next_is_name = same_card(j + 1) && is_name[j + 1];
        (same_card(j) && !next_is_name).then_some(j)
    };
    for (i, name) in names {
        if used[i] {
            continue;
        }
        let b = side(used, i, Side::Before).map(|(t, j, c)| (t, j, c, Side::Before));
        let a = side(used, i, Side::After).map(|(t, j, c)| (t, j, c, Side::After));
        let beside = b.is_some() || a.is_some();
        let pick = match (b, a) {
            (Some(b), Some(a)) => match order {
                Some(Side::After) => Some(a),
                Some(Side::Before) => Some(b),
                None => None,
            },
            (Some(one), None) | (None, Some(one)) => {
                (!one.2 || order == Some(one.3)).then_some(one)
            }
            (None, None) => None,
        };
        if let Some((t, j, _, _)) = pick {
            out.push(person(name, t));
            used[i] = true;
            used[j] = true;
        } else if !beside && order != Some(Side::Before) {
            // A card with a short bio between the name and the title
            // ("Sarah Chen" / "Sarah has led…" / "Managing Partner").
            if let Some(j) = title_past_bio(i)
                && let Some(t) = title_at(used, j)
            {
                out.push(person(name, t));
                used[i] = true;
                used[j] = true;
            }
        }
    }
}

/// A department given in a card's title place ("Vertriebsinnendienst",
/// "Technischer Support", "Sales & Marketing"): up to four capitalised
/// words, one a department's or a German compound ending in one.
pub(super) fn department_line(line: &str) -> Option<String> {
    let line = line.trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty()
        || words.len() > 4
        || line.bytes().any(|b| b.is_ascii_digit() || b == b'@')
        || is_sentence(line)
    {
        return None;
    }
    let joins = ["&", "/", "und", "and", "et", "e", "y", "en", "-"];
    let capitalised =
        |w: &&str| joins.contains(w) || w.chars().next().is_some_and(char::is_uppercase);
    let department = |w: &&str| {
        let w = w.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase();
        DEPARTMENT.contains(&w)
            || DEPARTMENT_ENDINGS
                .iter()
                .any(|e| w.len() > e.len() + 2 && w.ends_with(e))
    };
    (words.iter().all(capitalised) && words.iter().any(department)).then(|| line.to_string())
}
