//! From a page's pattern hits to its technologies, as Wappalyzer resolves
//! them: versions from capture templates (the longest plausible one wins),
//! confidences that add up, then `excludes`, `implies` and `requires`.

use std::collections::{BTreeMap, BTreeSet};

use super::Engine;
use super::model::Signal;
use crate::extract::Technology;

/// Wappalyzer ignores versions longer than this, and numbers from 10000 on
/// (timestamps, build numbers).
const MAX_VERSION_LEN: usize = 15;

/// Wappalyzer's `resolveVersion`: `\N` becomes capture N, and `\N?a:b`
/// becomes `a` if capture N matched something, else `b`.
/// `groups` are the match and its capture groups (`None` = did not take
/// part).
pub(super) fn resolve_version(template: &str, groups: &[Option<&[u8]>]) -> String {
    if template.is_empty() {
        return String::new();
    }
    let mut v = template.to_string();
    for (i, g) in groups.iter().enumerate() {
        let m = g
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .unwrap_or_default();
        let tag = format!("\\{i}?");
        if let Some(at) = v.find(&tag) {
            let rest = &v[at + tag.len()..];
            if let Some(colon) = rest.find(':').filter(|&c| c > 0) {
                let chosen = if m.is_empty() {
                    &rest[colon + 1..]
                } else {
                    &rest[..colon]
                };
                v = format!("{}{}", &v[..at], chosen);
            }
        }
        v = v.trim().replace(&format!("\\{i}"), &m);
    }
    // A group that captured its leading space (`( [\d.]+)`).
    v.trim().to_string()
}

/// Wappalyzer keeps the longer version, up to 15 characters and below
/// 10000 as a number.
pub(super) fn better_version(new: &str, old: &str) -> bool {
    let leading: String = new.chars().take_while(char::is_ascii_digit).collect();
    new.len() > old.len()
        && new.len() <= MAX_VERSION_LEN
        && leading.parse::<u64>().map_or(true, |n| n < 10_000)
}

/// What one page shows of one technology before resolution.
#[derive(Default)]
pub(super) struct Found {
    pub(super) confidence: u32,
    pub(super) version: String,
    pub(super) signals: BTreeSet<Signal>,
    pub(super) patterns: BTreeSet<u32>,
    pub(super) implied_by: BTreeSet<u32>,
    pub(super) implied: bool,
}

#[derive(Default)]
pub(super) struct Hits {
    pub(super) by_tech: BTreeMap<u32, Found>,
}

impl Hits {
    pub(super) fn add(&mut self, e: &Engine, p: u32, version: String) {
        let Some(pattern) = e.pattern(p) else { return };
        let f = self.by_tech.entry(pattern.tech).or_default();
        if f.patterns.insert(p) {
            f.confidence += u32::from(pattern.confidence);
        }
        f.signals.insert(pattern.signal);
        if better_version(&version, &f.version) {
            f.version = version;
        }
    }
}

/// Wappalyzer's resolution: excludes, implies, then the technologies that
/// require one already present, until nothing changes.
pub(super) fn resolve(e: &Engine, hits: Hits) -> Vec<Technology> {
    let needs = |t: u32| {
        e.db.techs
            .get(t as usize)
            .is_some_and(|t| !t.requires.is_empty() || !t.requires_category.is_empty())
    };
    let (mut pending, base): (BTreeMap<u32, Found>, BTreeMap<u32, Found>) =
        hits.by_tech.into_iter().partition(|(t, _)| needs(*t));
    let mut resolved = base;
    loop {
        for f in resolved.values_mut() {
            f.confidence = f.confidence.min(100);
        }
        // In order, as Wappalyzer removes them: one already excluded
        // excludes nothing, so of two that exclude each other the first
        // stays.
        let mut excluded: BTreeSet<u32> = BTreeSet::new();
        for (t, f) in &resolved {
            if f.implied || excluded.contains(t) {
                continue;
            }
            if let Some(tech) = e.db.techs.get(*t as usize) {
                excluded.extend(tech.excludes.iter().copied().filter(|x| x != t));
            }
        }
        resolved.retain(|t, _| !excluded.contains(t));
        imply(e, &mut resolved);
        // Requirements met by what is resolved so far.
        let present_cats: BTreeSet<u32> = resolved
            .keys()
            .filter_map(|t| e.db.techs.get(*t as usize))
            .flat_map(|t| t.cats.iter().copied())
            .collect();
        let ready: Vec<u32> = pending
            .keys()
            .copied()
            .filter(|t| {
                e.db.techs.get(*t as usize).is_some_and(|tech| {
                    tech.requires.iter().any(|r| resolved.contains_key(r))
                        || tech
                            .requires_category
                            .iter()
                            .any(|c| present_cats.contains(c))
                })
            })
            .collect();
        if ready.is_empty() {
            break;
        }
        for t in ready {
            if let Some(f) = pending.remove(&t) {
                // Seen directly: no longer only implied.
                resolved.insert(t, f);
            }
        }
    }
    resolved
        .into_iter()
        .filter_map(|(t, f)| {
            let tech = e.db.techs.get(t as usize)?;
            let mut categories: Vec<(u8, String)> = tech
                .cats
                .iter()
                .filter_map(|c| e.categories.get(c))
                .map(|(name, prio)| (*prio, name.clone()))
                .collect();
            // Most specific (lowest priority number) first, as Wappalyzer
            // ranks; equal ones in the database's order (WordPress: CMS,
            // then Blogs).
            categories.sort_by_key(|(prio, _)| *prio);
            Some((
                tech.name.clone(),
                Technology {
                    name: tech.name.clone(),
                    categories: categories.into_iter().map(|(_, n)| n).collect(),
                    version: (!f.version.is_empty()).then_some(f.version),
                    confidence: u8::try_from(f.confidence.min(100)).unwrap_or(100),
                    signals: f.signals.iter().map(|s| s.name().to_string()).collect(),
                    implied: f.implied,
                    implied_by: f
                        .implied_by
                        .iter()
                        .filter_map(|i| e.db.techs.get(*i as usize))
                        .map(|t| t.name.clone())
                        .collect(),
                },
            ))
        })
        .collect::<BTreeMap<String, Technology>>()
        .into_values()
        .collect()
}

/// Adds what the resolved technologies imply, transitively.
fn imply(e: &Engine, resolved: &mut BTreeMap<u32, Found>) {
    loop {
        let mut added: Vec<(u32, u32, u32, String)> = Vec::new();
        for (t, f) in resolved.iter() {
            let Some(tech) = e.db.techs.get(*t as usize) else {
                continue;
            };
            for imp in &tech.implies {
                added.push((
                    imp.tech,
                    *t,
                    f.confidence.min(u32::from(imp.confidence)),
                    imp.version.clone(),
                ));
            }
        }
        let mut changed = false;
        for (to, from, confidence, version) in added {
            match resolved.get_mut(&to) {
                Some(f) if f.implied => {
                    changed |= f.implied_by.insert(from);
                }
                Some(_) => {}
                None => {
                    let mut f = Found {
                        confidence,
                        version,
                        implied: true,
                        ..Found::default()
                    };
                    f.implied_by.insert(from);
                    f.signals.insert(Signal::Implies);
                    resolved.insert(to, f);
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}
