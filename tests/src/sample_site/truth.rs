//! What a correct scan of the sample site reports.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::facts::{
    DOMAIN, FAX_E164, HAMBURG_PHONE_E164, MAIN_PHONE_E164, PRODUCTS, REGISTRATION, SOCIAL, TEAM,
    VAT_ID,
};

/// A postal address as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TruthAddress {
    pub street: String,
    pub locality: String,
    pub postal_code: String,
    pub country: String,
}

/// The entities a correct scan of the whole site reports, in the report's
/// vocabulary (`report.json` `entities`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Truth {
    /// `emails[].value`.
    pub emails: BTreeSet<String>,
    /// `phones[]`: (value in E.164, kind `phone` or `fax`).
    pub phones: BTreeSet<(String, String)>,
    /// `socialProfiles[]`: (platform, url).
    pub social_profiles: BTreeSet<(String, String)>,
    /// `people[]`: (name, title).
    pub people: BTreeSet<(String, String)>,
    /// `addresses[]`.
    pub addresses: BTreeSet<TruthAddress>,
    /// `legalIdentifiers[]`: (type, value).
    pub legal_identifiers: BTreeSet<(String, String)>,
    /// `products[].name`.
    pub products: BTreeSet<String>,
    /// `technologies[].name`.
    pub technologies: BTreeSet<String>,
}

impl Truth {
    /// The same sets read from a `report.json` document.
    pub fn from_report(report: &Value) -> Truth {
        let e = &report["entities"];
        let items = |key: &str| e[key].as_array().cloned().unwrap_or_default();
        let s = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
        Truth {
            emails: items("emails").iter().map(|v| s(v, "value")).collect(),
            phones: items("phones")
                .iter()
                .map(|v| (s(v, "value"), s(v, "kind")))
                .collect(),
            social_profiles: items("socialProfiles")
                .iter()
                .map(|v| (s(v, "platform"), s(v, "url")))
                .collect(),
            people: items("people")
                .iter()
                .map(|v| (s(v, "name"), s(v, "title")))
                .collect(),
            addresses: items("addresses")
                .iter()
                .map(|v| TruthAddress {
                    street: s(v, "street"),
                    locality: s(v, "locality"),
                    postal_code: s(v, "postalCode"),
                    country: s(v, "country"),
                })
                .collect(),
            legal_identifiers: items("legalIdentifiers")
                .iter()
                .map(|v| (s(v, "type"), s(v, "value")))
                .collect(),
            products: items("products").iter().map(|v| s(v, "name")).collect(),
            technologies: items("technologies").iter().map(|v| s(v, "name")).collect(),
        }
    }

    /// The differences between this truth and what a report says, one line
    /// per missing or unexpected item; empty when they agree.
    pub fn diff(&self, report: &Value) -> Vec<String> {
        let got = Truth::from_report(report);
        let mut out = Vec::new();
        fn compare<T: Ord + std::fmt::Debug>(
            out: &mut Vec<String>,
            what: &str,
            want: &BTreeSet<T>,
            got: &BTreeSet<T>,
        ) {
            for missing in want.difference(got) {
                out.push(format!("{what}: missing {missing:?}"));
            }
            for extra in got.difference(want) {
                out.push(format!("{what}: unexpected {extra:?}"));
            }
        }
        compare(&mut out, "emails", &self.emails, &got.emails);
        compare(&mut out, "phones", &self.phones, &got.phones);
        compare(
            &mut out,
            "socialProfiles",
            &self.social_profiles,
            &got.social_profiles,
        );
        compare(&mut out, "people", &self.people, &got.people);
        compare(&mut out, "addresses", &self.addresses, &got.addresses);
        compare(
            &mut out,
            "legalIdentifiers",
            &self.legal_identifiers,
            &got.legal_identifiers,
        );
        compare(&mut out, "products", &self.products, &got.products);
        compare(
            &mut out,
            "technologies",
            &self.technologies,
            &got.technologies,
        );
        out
    }

    /// Entity counts by report key, as `entityCounts` should read.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let n = |len: usize| len as u64;
        BTreeMap::from([
            ("emails".to_string(), n(self.emails.len())),
            ("phones".to_string(), n(self.phones.len())),
            ("socialProfiles".to_string(), n(self.social_profiles.len())),
            ("people".to_string(), n(self.people.len())),
            ("products".to_string(), n(self.products.len())),
            ("technologies".to_string(), n(self.technologies.len())),
            ("addresses".to_string(), n(self.addresses.len())),
            (
                "legalIdentifiers".to_string(),
                n(self.legal_identifiers.len()),
            ),
        ])
    }
}

/// The ground truth, written out by hand from the content below.
pub(super) fn truth() -> Truth {
    let st = |s: &str| s.to_string();
    Truth {
        emails: [
            "info", "sales", "support", "press", "careers", "jobs", "privacy",
        ]
        .iter()
        .map(|l| format!("{l}@{DOMAIN}"))
        .collect(),
        phones: [
            (MAIN_PHONE_E164, "phone"),
            (FAX_E164, "fax"),
            (HAMBURG_PHONE_E164, "phone"),
        ]
        .iter()
        .map(|(v, k)| (st(v), st(k)))
        .collect(),
        social_profiles: SOCIAL.iter().map(|(p, _, u)| (st(p), st(u))).collect(),
        people: TEAM.iter().map(|m| (st(m.name), st(m.title))).collect(),
        addresses: [
            TruthAddress {
                street: st("Leopoldstraße 12"),
                locality: st("München"),
                postal_code: st("80802"),
                country: st("DE"),
            },
            TruthAddress {
                street: st("Hafenstraße 7"),
                locality: st("Hamburg"),
                postal_code: st("20457"),
                country: st("DE"),
            },
        ]
        .into_iter()
        .collect(),
        legal_identifiers: [("vat", VAT_ID), ("registration", REGISTRATION)]
            .iter()
            .map(|(t, v)| (st(t), st(v)))
            .collect(),
        products: PRODUCTS.iter().map(|(n, _, _)| st(n)).collect(),
        // The generator meta tag, and the og: meta tags every page carries
        // (Wappalyzer's "Open Graph").
        technologies: [st("Hugo"), st("Open Graph")].into_iter().collect(),
    }
}
