//! Builds the phone-number metadata into one blob per country calling code
//! (see `src/extract/numbering.rs` for why it is loaded a code at a time).

use std::collections::BTreeMap;
use std::path::PathBuf;

const METADATA: &str = "assets/PhoneNumberMetadata.xml";

fn main() -> Result<(), Box<dyn std::error::Error>> {
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
