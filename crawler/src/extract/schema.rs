//! schema.org structured data: JSON-LD (objects, arrays, `@graph`, nested
//! values) and microdata (turned into the same JSON shape, then read by the
//! same code). Organization, Person, Product/Service, PostalAddress, sameAs.

use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::sync::LazyLock;

use super::address::Address;
use super::legal::{self, LegalId};
use super::memo::Memo;
use super::text::shorten;
use super::{Person, PhoneKind, Product};

/// What a page's structured data says.
#[derive(Debug, Default, Clone)]
pub struct Structured {
    pub emails: Vec<String>,
    pub phones: Vec<(String, PhoneKind)>,
    pub same_as: Vec<String>,
    pub people: Vec<Person>,
    pub products: Vec<Product>,
    pub addresses: Vec<Address>,
    pub legal: Vec<LegalId>,
    pub facts: Vec<(String, String)>,
}

/// Deepest nesting followed; real documents are shallow.
const MAX_DEPTH: usize = 12;

fn types(obj: &Map<String, Value>) -> Vec<String> {
    let t = obj.get("@type").or_else(|| obj.get("type"));
    let mut out = Vec::new();
    match t {
        Some(Value::String(s)) => out.push(short_type(s)),
        Some(Value::Array(a)) => out.extend(a.iter().filter_map(Value::as_str).map(short_type)),
        _ => {}
    }
    out
}

fn short_type(s: &str) -> String {
    s.rsplit(['/', '#', ':']).next().unwrap_or(s).to_string()
}

fn is_org_type(t: &str) -> bool {
    t.ends_with("Organization")
        || matches!(
            t,
            "Corporation"
                | "LocalBusiness"
                | "Company"
                | "NGO"
                | "Store"
                | "ProfessionalService"
                | "OnlineBusiness"
                | "OnlineStore"
                | "Brand"
                | "LegalService"
                | "FinancialService"
                | "HomeAndConstructionBusiness"
                | "AutomotiveBusiness"
                | "FoodEstablishment"
                | "Restaurant"
                | "MedicalBusiness"
                | "Dentist"
                | "Hotel"
                | "LodgingBusiness"
                | "EmploymentAgency"
                | "RealEstateAgent"
                | "TravelAgency"
        )
}

fn is_product_type(t: &str) -> bool {
    matches!(
        t,
        "Product"
            | "Service"
            | "SoftwareApplication"
            | "WebApplication"
            | "MobileApplication"
            | "ProductModel"
            | "IndividualProduct"
            | "SoftwareSourceCode"
            | "FinancialProduct"
    )
}

/// Plain strings of a value that may be a string, a number, an array or an
/// object with `@value`/`name`.
fn strings(v: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Some(Value::String(s)) => {
            let s = s.trim();
            if !s.is_empty() {
                out.push(s.to_string());
            }
        }
        Some(Value::Number(n)) => out.push(n.to_string()),
        Some(Value::Array(a)) => {
            for x in a {
                out.extend(strings(Some(x)));
            }
        }
        Some(Value::Object(o)) => {
            if let Some(x) = o.get("@value").or_else(|| o.get("name")) {
                out.extend(strings(Some(x)));
            }
        }
        _ => {}
    }
    out
}

fn first_string(v: Option<&Value>) -> Option<String> {
    strings(v).into_iter().next()
}

/// Parses one JSON-LD script body. The site's Organization or WebSite
/// block is usually the same on every page, so what a body yields is kept
/// per worker thread; findings only ever append to `out`, so appending the
/// kept ones is the same as parsing again.
pub fn from_json_ld(body: &str, out: &mut Structured) {
    let found = JSON_LD_MEMO.with(|m| {
        m.borrow_mut().get_or(body, || {
            let mut one = Structured::default();
            parse_json_ld(body, &mut one);
            one
        })
    });
    out.append(found);
}

thread_local! {
    static JSON_LD_MEMO: RefCell<Memo<Structured>> = RefCell::new(Memo::new(crate::extract::memo::LINES));
}

impl Structured {
    fn append(&mut self, other: Structured) {
        let Structured {
            emails,
            phones,
            same_as,
            people,
            products,
            addresses,
            legal,
            facts,
        } = other;
        self.emails.extend(emails);
        self.phones.extend(phones);
        self.same_as.extend(same_as);
        self.people.extend(people);
        self.products.extend(products);
        self.addresses.extend(addresses);
        self.legal.extend(legal);
        self.facts.extend(facts);
    }
}

fn parse_json_ld(body: &str, out: &mut Structured) {
    // Some sites wrap JSON-LD in CDATA markers or leave trailing semicolons.
    let body = body
        .trim()
        .trim_start_matches("<![CDATA[")
        .trim_end_matches("]]>")
        .trim()
        .trim_end_matches(';');
    if let Some(value) = serde_json::from_str::<Value>(body)
        .ok()
        .or_else(|| lenient(body))
    {
        walk(&value, out, 0, None);
    }
}

/// A JSON-LD body that strict JSON refuses, read leniently: templates
/// leave trailing commas, comments and raw line breaks in strings, and the
/// whole block would otherwise be lost.
fn lenient(body: &str) -> Option<Value> {
    use serde::Deserialize;
    // Invalid UTF-8 cannot occur in a `str`; line breaks and control
    // characters in strings are taken; `\v` and `\x` escapes are not JSON's
    // and stay errors.
    let read =
        serde_json_lenient::de::SliceRead::new(body.as_bytes(), false, true, true, false, false);
    let mut de = serde_json_lenient::Deserializer::new(read);
    de.set_ignore_trailing_commas(true);
    de.set_allow_comments(true);
    let value = Value::deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(value)
}

/// Visits every typed object. `parent_org` is set when the value hangs off an
/// organisation (founder, employee, address, ...).
fn walk(v: &Value, out: &mut Structured, depth: usize, parent: Option<&str>) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Array(a) => {
            for x in a {
                walk(x, out, depth + 1, parent);
            }
        }
        Value::Object(o) => {
            let ts = types(o);
            if ts.iter().any(|t| is_org_type(t)) {
                organization(o, out);
            } else if ts.iter().any(|t| t == "Person") {
                person(o, out, parent);
            } else if ts.iter().any(|t| is_product_type(t)) {
                product(o, out);
            } else if ts.iter().any(|t| t == "PostalAddress") {
                if let Some(a) = postal_address(o) {
                    out.addresses.push(a);
                }
            } else if ts.iter().any(|t| t == "ContactPoint") {
                contact_point(o, out);
            }
            for (k, x) in o {
                if k.starts_with('@') && k != "@graph" {
                    continue;
                }
                let role = match k.as_str() {
                    "founder" | "founders" => Some("Founder"),
                    "employee" | "employees" | "member" | "members" => Some(""),
                    "ceo" => Some("CEO"),
                    _ => parent.filter(|_| k == "@graph").or(None),
                };
                walk(x, out, depth + 1, role);
            }
        }
        _ => {}
    }
}

fn organization(o: &Map<String, Value>, out: &mut Structured) {
    for (key, fact) in [
        ("name", "name"),
        ("legalName", "legalName"),
        ("alternateName", "alternateName"),
        ("foundingDate", "foundingDate"),
        ("slogan", "slogan"),
        ("url", "url"),
    ] {
        for s in strings(o.get(key)) {
            if s.chars().count() <= 200 {
                out.facts.push((fact.to_string(), s));
            }
        }
    }
    if let Some(d) = first_string(o.get("description")) {
        out.facts.push(("description".into(), shorten(&d, 400)));
    }
    if let Some(n) = o.get("numberOfEmployees") {
        let v = match n {
            Value::Object(q) => first_string(q.get("value")).or_else(|| {
                match (
                    first_string(q.get("minValue")),
                    first_string(q.get("maxValue")),
                ) {
                    (Some(a), Some(b)) => Some(format!("{a}-{b}")),
                    (Some(a), None) => Some(format!("{a}+")),
                    _ => None,
                }
            }),
            other => first_string(Some(other)),
        };
        if let Some(v) = v {
            out.facts.push(("numberOfEmployees".into(), v));
        }
    }
    common_contact(o, out);
    for s in strings(o.get("sameAs")) {
        out.same_as.push(s);
    }
    for key in ["vatID", "taxID"] {
        for s in strings(o.get(key)) {
            if let Some(id) = legal::vat_from_structured(&s) {
                out.legal.push(id);
            }
        }
    }
    for s in strings(o.get("address")) {
        // A plain-string address: read as the page's text would be, and
        // kept as a fact as written.
        let s = shorten(&s, 200);
        out.addresses.extend(super::address::from_lines(
            &s,
            &super::lines::Lines::of(&s),
            None,
        ));
        out.facts.push(("addressText".into(), s));
    }
}

fn common_contact(o: &Map<String, Value>, out: &mut Structured) {
    out.emails.extend(strings(o.get("email")));
    for s in strings(o.get("telephone")) {
        out.phones.push((s, PhoneKind::Phone));
    }
    for s in strings(o.get("faxNumber")) {
        out.phones.push((s, PhoneKind::Fax));
    }
}

fn contact_point(o: &Map<String, Value>, out: &mut Structured) {
    common_contact(o, out);
}

fn person(o: &Map<String, Value>, out: &mut Structured, role: Option<&str>) {
    let Some(name) = first_string(o.get("name")).or_else(|| {
        let given = first_string(o.get("givenName"))?;
        let family = first_string(o.get("familyName"))?;
        Some(format!("{given} {family}"))
    }) else {
        return;
    };
    let title = first_string(o.get("jobTitle"))
        .or_else(|| first_string(o.get("roleName")))
        .or_else(|| role.filter(|r| !r.is_empty()).map(str::to_string));
    // A Person without a role is usually an article's author; only people
    // tied to the organisation are kept.
    let tied = title.is_some() || role.is_some() || o.contains_key("worksFor");
    if !tied {
        return;
    }
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > 80 {
        return;
    }
    out.people.push(Person {
        name,
        title: title.map(|t| shorten(&t, 120)).unwrap_or_default(),
    });
    common_contact(o, out);
}

fn product(o: &Map<String, Value>, out: &mut Structured) {
    let Some(name) = first_string(o.get("name")) else {
        return;
    };
    let description = first_string(o.get("description")).map(|d| shorten(&d, 200));
    out.products.push(Product {
        name: shorten(&name, 100),
        description,
    });
}

fn postal_address(o: &Map<String, Value>) -> Option<Address> {
    let street = first_string(o.get("streetAddress"));
    let locality = first_string(o.get("addressLocality"));
    let postal_code = first_string(o.get("postalCode"));
    let region = first_string(o.get("addressRegion"));
    let country =
        first_string(o.get("addressCountry")).and_then(|c| super::address::country_code(&c));
    if street.is_none() && locality.is_none() && postal_code.is_none() {
        return None;
    }
    Some(Address {
        street: street.map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")),
        locality,
        postal_code,
        region,
        country,
    })
}

static ITEMSCOPE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("[itemscope]").expect("static selector"));

/// Reads microdata into JSON-LD-shaped values and walks them.
pub fn from_microdata(dom: &Html, out: &mut Structured) {
    for el in dom.select(&ITEMSCOPE) {
        // Only top-level items; nested ones are reached through their parent.
        if el.value().attr("itemprop").is_some() {
            continue;
        }
        let v = item_value(el, 0);
        walk(&v, out, 0, None);
    }
}

fn item_value(el: ElementRef<'_>, depth: usize) -> Value {
    let mut obj = Map::new();
    if let Some(t) = el.value().attr("itemtype") {
        let ts: Vec<Value> = t
            .split_whitespace()
            .map(|s| Value::String(s.to_string()))
            .collect();
        obj.insert("@type".into(), Value::Array(ts));
    }
    if depth < MAX_DEPTH {
        collect_props(el, &mut obj, depth);
    }
    Value::Object(obj)
}

/// Properties of the item `el`, stopping at nested items.
fn collect_props(el: ElementRef<'_>, obj: &mut Map<String, Value>, depth: usize) {
    for child in el.children().filter_map(ElementRef::wrap) {
        let e = child.value();
        if let Some(props) = e.attr("itemprop") {
            let value = if e.attr("itemscope").is_some() {
                item_value(child, depth + 1)
            } else {
                Value::String(prop_text(child))
            };
            for p in props.split_whitespace() {
                match obj.get_mut(p) {
                    Some(Value::Array(a)) => a.push(value.clone()),
                    Some(existing) => {
                        let prev = existing.take();
                        *existing = Value::Array(vec![prev, value.clone()]);
                    }
                    None => {
                        obj.insert(p.to_string(), value.clone());
                    }
                }
            }
            if e.attr("itemscope").is_some() {
                continue;
            }
        } else if e.attr("itemscope").is_some() {
            continue;
        }
        collect_props(child, obj, depth);
    }
}

fn prop_text(el: ElementRef<'_>) -> String {
    let e = el.value();
    let attr = match e.name() {
        "meta" => e.attr("content"),
        "a" | "link" | "area" => e.attr("href"),
        "img" | "audio" | "video" | "source" | "iframe" | "embed" => e.attr("src"),
        "time" => e.attr("datetime"),
        "data" | "meter" => e.attr("value"),
        _ => e.attr("content"),
    };
    match attr {
        Some(a) => a.trim().to_string(),
        None => el
            .text()
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_as_templates_write_it() {
        // Trailing commas, a comment and a line break inside a string: strict
        // JSON refuses each, and the whole block would be lost.
        let mut s = Structured::default();
        from_json_ld(
            "{\"@context\": \"https://schema.org\", // the organisation\n\
             \"@graph\": [{\"@type\": \"Organization\", \"name\": \"Acme Widgets Ltd\",\n\
             \"description\": \"Widgets\nand more\", \"email\": \"hello@acme.example\",\n\
             \"address\": {\"@type\": \"PostalAddress\", \"streetAddress\": \"5 Market Street\",\n\
             \"addressLocality\": \"Leeds\", \"postalCode\": \"LS1 6DT\", \"addressCountry\": \"GB\",},\n\
             \"vatID\": \"GB980780684\",},]}",
            &mut s,
        );
        assert_eq!(s.emails, ["hello@acme.example"]);
        assert_eq!(s.addresses.len(), 1);
        assert_eq!(s.legal.len(), 1);
        // Still nothing from what is no JSON at all.
        let mut none = Structured::default();
        from_json_ld("{\"@type\": \"Organization\", \"email\": ", &mut none);
        from_json_ld("var x = {a: 1};", &mut none);
        // A hostile nesting, invalid so that the lenient reader runs too:
        // refused at the readers' depth limit, not a stack overflow.
        let deep = format!("{},", "[".repeat(100_000));
        from_json_ld(&deep, &mut none);
        assert!(none.emails.is_empty() && none.addresses.is_empty());
    }

    #[test]
    fn an_address_written_as_one_string_is_read() {
        let mut s = Structured::default();
        from_json_ld(
            r#"{"@context":"https://schema.org","@type":"LocalBusiness","name":"Acme Shop",
                "address":"5 Market Street, Leeds LS1 6DT"}"#,
            &mut s,
        );
        let a = s.addresses.first().expect("an address");
        assert_eq!(a.street.as_deref(), Some("5 Market Street"));
        assert_eq!(a.postal_code.as_deref(), Some("LS1 6DT"));
    }

    #[test]
    fn graph_and_arrays() {
        let mut s = Structured::default();
        from_json_ld(
            r#"{"@context":"https://schema.org","@graph":[
                {"@type":"Organization","name":"Acme GmbH","sameAs":["https://twitter.com/acme"],
                 "founder":{"@type":"Person","name":"Erika Muster"},
                 "address":{"@type":"PostalAddress","streetAddress":"Hauptstr. 1","postalCode":"10115","addressLocality":"Berlin","addressCountry":"DE"}},
                {"@type":"BlogPosting","author":{"@type":"Person","name":"Guest Writer"}},
                [{"@type":"Product","name":"Widget Pro","description":"A widget."}]
            ]}"#,
            &mut s,
        );
        assert_eq!(
            s.people,
            vec![Person {
                name: "Erika Muster".into(),
                title: "Founder".into()
            }]
        );
        assert_eq!(s.products.len(), 1);
        assert_eq!(s.addresses[0].country.as_deref(), Some("DE"));
        assert_eq!(s.same_as, vec!["https://twitter.com/acme"]);
        assert!(s.facts.contains(&("name".into(), "Acme GmbH".into())));
    }
}
