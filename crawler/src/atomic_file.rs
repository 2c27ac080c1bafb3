//! Crash-safe file writes: a reader finds the old file or the new one,
//! never a torn one.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` so that a crash leaves either the old or the new
/// file, never a torn one.
pub fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io {
            action,
            path: p,
            source,
        }
    };
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(io("creating", &tmp))?;
    f.write_all(bytes).map_err(io("writing", &tmp))?;
    f.sync_all().map_err(io("syncing", &tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io("renaming into place", path))?;
    let d = std::fs::File::open(dir).map_err(io("opening", dir))?;
    d.sync_all().map_err(io("syncing", dir))?;
    Ok(())
}
