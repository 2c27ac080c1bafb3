//! Builds the phone-number metadata into one blob per country calling code
//! (see `src/extract/numbering.rs` for why it is loaded a code at a time),
//! and Wappalyzer's technology fingerprints into a compact database
//! (`src/extract/tech/`).

use std::collections::BTreeMap;
use std::path::PathBuf;

// The same code the crate's unit tests run.
#[allow(dead_code)]
#[path = "src/extract/tech/compile/mod.rs"]
mod compile;
#[allow(dead_code)]
#[path = "src/extract/tech/model.rs"]
mod model;

const METADATA: &str = "assets/PhoneNumberMetadata.xml";
const WAPPALYZER: &str = "assets/wappalyzer";
/// The npm package the vendored files come from (see its README).
const WAPPALYZER_SOURCE: &str = "wappalyzer@6.10.47";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    technologies()?;
    println!("cargo:rerun-if-changed={METADATA}");
    let xml = std::fs::read(METADATA).map_err(|e| format!("reading {METADATA}: {e}"))?;
    let regions = phonenumber::metadata::loader::load(std::io::Cursor::new(xml))
        .map_err(|e| format!("parsing {METADATA}: {e}"))?;

    // Calling code -> its regions, in the file's order (the library keeps
    // the main region for a code first itself).
    let mut by_code: BTreeMap<u16, Vec<_>> = BTreeMap::new();
    for region in regions {
        let code = region
            .country_code
            .ok_or_else(|| format!("{METADATA}: a territory without countryCode"))?;
        by_code.entry(code).or_default().push(region);
    }
    let mut index: Vec<(u16, Vec<String>, Vec<u8>)> = Vec::with_capacity(by_code.len());
    for (code, regions) in by_code {
        let ids = regions.iter().filter_map(|r| r.id.clone()).collect();
        index.push((code, ids, postcard::to_allocvec(&regions)?));
    }
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("numbering.bin");
    std::fs::write(&out, postcard::to_allocvec(&index)?)?;
    Ok(())
}

/// `assets/wappalyzer/` → `$OUT_DIR/wappalyzer.bin`.
fn technologies() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={WAPPALYZER}");
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("reading {p}: {e}"));
    let categories = read(&format!("{WAPPALYZER}/categories.json"))?;
    let overlay = read(&format!("{WAPPALYZER}/overlay.json"))?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(format!("{WAPPALYZER}/technologies"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut texts = Vec::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        texts.push(read(&f.display().to_string())?);
    }
    let db = compile::compile(WAPPALYZER_SOURCE, &categories, &texts, &overlay)?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("wappalyzer.bin");
    std::fs::write(&out, postcard::to_allocvec(&db)?)?;
    Ok(())
}
