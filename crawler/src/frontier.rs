//! The crawl frontier: queued URLs by depth, always handing out the
//! shallowest first (breadth-first), plus compact serialisation of URL lists.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A URL waiting to be fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedUrl {
    pub url: String,
    pub depth: u32,
}

/// Queued URLs by depth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frontier {
    levels: BTreeMap<u32, VecDeque<String>>,
    len: usize,
}

impl Frontier {
    pub fn push(&mut self, url: String, depth: u32) {
        self.levels.entry(depth).or_default().push_back(url);
        self.len += 1;
    }

    /// Puts a URL back at the front of its depth (an interrupted fetch).
    pub fn push_front(&mut self, url: String, depth: u32) {
        self.levels.entry(depth).or_default().push_front(url);
        self.len += 1;
    }

    /// The next URL, shallowest depth first.
    pub fn pop(&mut self) -> Option<QueuedUrl> {
        let (&depth, level) = self.levels.iter_mut().next()?;
        let url = level.pop_front();
        if level.is_empty() {
            self.levels.remove(&depth);
        }
        let url = url?;
        self.len -= 1;
        Some(QueuedUrl { url, depth })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The shallowest queued depth.
    pub fn min_depth(&self) -> Option<u32> {
        self.levels.keys().next().copied()
    }

    /// Drops every queued URL in `urls` (replaying a journal record).
    pub fn remove_all(&mut self, urls: &std::collections::HashSet<String>) {
        if urls.is_empty() {
            return;
        }
        for level in self.levels.values_mut() {
            level.retain(|u| !urls.contains(u));
        }
        self.levels.retain(|_, level| !level.is_empty());
        self.len = self.levels.values().map(VecDeque::len).sum();
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        self.levels
            .iter()
            .flat_map(|(d, urls)| urls.iter().map(move |u| (u.as_str(), *d)))
    }
}

impl Serialize for Frontier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Order inside one depth is not significant for a breadth-first
        // crawl, so each level is stored sorted and front-coded.
        let levels: BTreeMap<u32, String> = self
            .levels
            .iter()
            .map(|(d, urls)| (*d, front_code(urls.iter().map(String::as_str))))
            .collect();
        levels.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Frontier {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let levels = BTreeMap::<u32, String>::deserialize(d)?;
        let mut f = Frontier::default();
        for (depth, coded) in levels {
            for url in front_decode(&coded).map_err(serde::de::Error::custom)? {
                f.push(url, depth);
            }
        }
        Ok(f)
    }
}

/// Encodes strings without spaces (normalised URLs never contain one) as a
/// sorted, front-coded list: `<shared prefix length> <rest>` pairs, separated
/// by spaces. Sorted URLs share long prefixes, so this is several times
/// smaller than the plain list before compression, and compresses better.
pub fn front_code<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut sorted: Vec<&str> = items.collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::with_capacity(sorted.iter().map(|s| s.len() / 3 + 4).sum());
    let mut prev = "";
    for item in sorted {
        let mut shared = prev
            .bytes()
            .zip(item.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        while !item.is_char_boundary(shared) {
            shared -= 1;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&shared.to_string());
        out.push(' ');
        out.push_str(&item[shared..]);
        prev = item;
    }
    out
}

/// Decodes [`front_code`] output.
pub fn front_decode(coded: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    let mut parts = coded.split(' ');
    while let Some(len) = parts.next() {
        if len.is_empty() && out.is_empty() {
            break;
        }
        let shared: usize = len
            .parse()
            .map_err(|_| format!("bad prefix length {len:?} in URL list"))?;
        let rest = parts
            .next()
            .ok_or_else(|| "URL list ends after a prefix length".to_string())?;
        let prev = out.last().map(String::as_str).unwrap_or("");
        if shared > prev.len() || !prev.is_char_boundary(shared) {
            return Err(format!("prefix length {shared} exceeds the previous URL"));
        }
        let mut s = String::with_capacity(shared + rest.len());
        s.push_str(&prev[..shared]);
        s.push_str(rest);
        out.push(s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breadth_first() {
        let mut f = Frontier::default();
        f.push("b1".into(), 1);
        f.push("a0".into(), 0);
        f.push("c2".into(), 2);
        f.push("b2".into(), 1);
        f.push_front("a1".into(), 0);
        let order: Vec<_> = std::iter::from_fn(|| f.pop()).map(|q| q.url).collect();
        assert_eq!(order, ["a1", "a0", "b1", "b2", "c2"]);
        assert!(f.is_empty());
    }

    #[test]
    fn front_coding_round_trips() {
        let urls = [
            "https://acme.test/products/anvil",
            "https://acme.test/products/anvil-2",
            "https://acme.test/",
            "https://acme.test/über",
            "https://acme.test/überall",
            "https://other.test/x",
        ];
        let coded = front_code(urls.iter().copied());
        let mut expected: Vec<String> = urls.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(front_decode(&coded).unwrap(), expected);
        assert!(coded.len() < urls.iter().map(|u| u.len()).sum::<usize>());
        assert_eq!(front_decode("").unwrap(), Vec::<String>::new());
        assert!(front_decode("99 x").is_err());
        assert!(front_decode("0").is_err());
    }

    #[test]
    fn frontier_serialises() {
        let mut f = Frontier::default();
        for i in 0..50 {
            f.push(format!("https://acme.test/p/{i}"), i % 3);
        }
        let json = serde_json::to_string(&f).unwrap();
        let back: Frontier = serde_json::from_str(&json).unwrap();
        assert_eq!(back.len(), 50);
        assert_eq!(back.min_depth(), Some(0));
    }
}
