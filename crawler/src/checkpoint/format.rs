//! The checkpoint envelope: the bytes of a snapshot or journal record as
//! they are stored, in a folder or a ConfigMap.
//!
//! A checkpoint is self-describing, versioned, checksummed and compressed:
//!
//! ```text
//! "CIRACKPT" | u32 BE header length | header JSON | zstd(payload JSON)
//! ```
//!
//! The header names the format version, the scan, the generation and the
//! SHA-256 and length of the compressed payload, so truncation, corruption and
//! a format from another release are all told apart before anything is
//! decompressed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// Magic bytes at the start of every checkpoint.
pub const MAGIC: &[u8; 8] = b"CIRACKPT";
/// The checkpoint format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// A header larger than this is corrupt, not real.
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Refuse to inflate a payload beyond this, whatever the header claims.
pub const MAX_PAYLOAD_BYTES: u64 = 1024 * 1024 * 1024;
/// zstd level: the fastest of the regular levels. A crawl saves a journal
/// record every page or two at full speed; at level 1 the saves' encoding
/// costs about a tenth less than at level 3, for snapshots 2-4.5 % larger
/// (a realistic crawl, docs/bench-crawler.md, "Session 14: CPU").
const COMPRESSION_LEVEL: i32 = 1;
/// zstd level for journal records: one of the fast negative levels, which
/// leave the literals as they are (no Huffman table per frame). A record is a
/// few kilobytes written every page or two, and building the entropy tables
/// for it cost more than its matching (docs/bench-crawler.md, "Session 16").
pub const RECORD_COMPRESSION_LEVEL: i32 = -3;

/// Which scan a checkpoint belongs to.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ScanIdentity {
    pub namespace: String,
    pub name: String,
    /// The CompanyScan's UID (empty in local mode): a scan deleted and
    /// created again under the same name has another one, so it never
    /// resumes its predecessor's checkpoint.
    #[serde(default)]
    pub uid: String,
    pub scan_version: i64,
}

/// What is known about a checkpoint without decoding its payload.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointHeader {
    pub format_version: u32,
    pub scan: ScanIdentity,
    pub generation: u64,
    pub saved_at: DateTime<Utc>,
    pub pages_visited: u64,
    /// Length of the compressed payload.
    pub payload_bytes: u64,
    /// Length of the payload once decompressed.
    pub raw_bytes: u64,
    /// Hex SHA-256 of the compressed payload.
    pub sha256: String,
}

/// zstd window for checkpoints: 64 KiB. A streaming context holds a window
/// of input and buffers for a block (as large as the window, up to 128 KiB):
/// with 128 KiB it took about 1 MB, as much as the JSON it spares. The
/// state's repeats (URL prefixes, field names) lie near each other: snapshots
/// of realistic crawls come out 4-7 % larger than with zstd's default window
/// (docs/bench-crawler.md, "Session 15: memory").
const WINDOW_LOG: u32 = 16;
/// What serde_json's many small writes are gathered into before each call
/// into zstd.
const WRITE_BUFFER: usize = 32 * 1024;

/// Serialises and compresses `payload` into a checkpoint blob.
///
/// The JSON goes straight into the compressor as it is written, never
/// whole in memory: a full snapshot of a large crawl is a megabyte or more
/// of JSON, and only its compressed form (a tenth of it or less) is kept.
pub fn encode<T: Serialize>(
    scan: &ScanIdentity,
    generation: u64,
    pages_visited: u64,
    saved_at: DateTime<Utc>,
    payload: &T,
) -> Result<(CheckpointHeader, Vec<u8>), Error> {
    encode_at(
        COMPRESSION_LEVEL,
        scan,
        generation,
        pages_visited,
        saved_at,
        payload,
    )
}

/// [`encode`] at a compression level of its own: a journal record goes at
/// [`RECORD_COMPRESSION_LEVEL`] (any zstd decoder reads it).
pub fn encode_at<T: Serialize>(
    level: i32,
    scan: &ScanIdentity,
    generation: u64,
    pages_visited: u64,
    saved_at: DateTime<Utc>,
    payload: &T,
) -> Result<(CheckpointHeader, Vec<u8>), Error> {
    let (raw_bytes, mut blob) = compress_json(level, payload)?;
    let header = CheckpointHeader {
        format_version: FORMAT_VERSION,
        scan: scan.clone(),
        generation,
        saved_at,
        pages_visited,
        payload_bytes: blob.len() as u64,
        raw_bytes,
        sha256: hex_sha256(&blob),
    };
    let header_json = serde_json::to_vec(&header).map_err(Error::CheckpointSerialize)?;
    let mut prefix = Vec::with_capacity(MAGIC.len() + 4 + header_json.len());
    prefix.extend_from_slice(MAGIC);
    // The header is a few hundred bytes; it always fits a u32.
    prefix.extend_from_slice(&(header_json.len() as u32).to_be_bytes());
    prefix.extend_from_slice(&header_json);
    // In front of the compressed payload, in its own buffer: no second copy
    // of the payload.
    blob.splice(0..0, prefix);
    Ok((header, blob))
}

/// `payload` as JSON, compressed with zstd at `level` as it is serialised;
/// returns the JSON's length and the compressed bytes. One compression
/// context per thread: a crawl saves small journal records often, and a
/// fresh context costs more than compressing one of them.
fn compress_json<T: Serialize>(level: i32, payload: &T) -> Result<(u64, Vec<u8>), Error> {
    thread_local! {
        static CONTEXT: std::cell::RefCell<Option<zstd::zstd_safe::CCtx<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    CONTEXT.with(|cell| {
        let mut slot = cell.borrow_mut();
        let context = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(new_context()?),
        };
        // Between frames: applies to the next one.
        context
            .set_parameter(zstd::zstd_safe::CParameter::CompressionLevel(level))
            .map_err(compress_error)?;
        let encoder = zstd::stream::write::Encoder::with_context(Vec::new(), context);
        let mut json = std::io::BufWriter::with_capacity(
            WRITE_BUFFER,
            Counting {
                inner: encoder,
                bytes: 0,
            },
        );
        serde_json::to_writer(&mut json, payload).map_err(Error::CheckpointSerialize)?;
        let counting = json
            .into_inner()
            .map_err(|e| Error::CheckpointCompress(e.into_error()))?;
        let compressed = counting.inner.finish().map_err(Error::CheckpointCompress)?;
        Ok((counting.bytes, compressed))
    })
}

fn new_context() -> Result<zstd::zstd_safe::CCtx<'static>, Error> {
    use zstd::zstd_safe::CParameter;
    let mut context = zstd::zstd_safe::CCtx::create();
    for parameter in [
        CParameter::CompressionLevel(COMPRESSION_LEVEL),
        CParameter::WindowLog(WINDOW_LOG),
    ] {
        context.set_parameter(parameter).map_err(compress_error)?;
    }
    Ok(context)
}

fn compress_error(code: zstd::zstd_safe::ErrorCode) -> Error {
    Error::CheckpointCompress(std::io::Error::other(
        zstd::zstd_safe::get_error_name(code).to_string(),
    ))
}

/// Counts the bytes written through it (the payload's uncompressed length).
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: std::io::Write> std::io::Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads and checks the header of a checkpoint blob, without decompressing.
pub fn read_header(blob: &[u8]) -> Result<(CheckpointHeader, &[u8]), Error> {
    if blob.len() < MAGIC.len() + 4 {
        return Err(Error::CheckpointCorrupt(format!(
            "only {} bytes, too short for a checkpoint",
            blob.len()
        )));
    }
    if &blob[..MAGIC.len()] != MAGIC {
        return Err(Error::CheckpointCorrupt(
            "it does not start with the checkpoint magic bytes".into(),
        ));
    }
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(&blob[MAGIC.len()..MAGIC.len() + 4]);
    let header_len = u32::from_be_bytes(len_bytes) as usize;
    let body = &blob[MAGIC.len() + 4..];
    if header_len > MAX_HEADER_BYTES || header_len > body.len() {
        return Err(Error::CheckpointCorrupt(format!(
            "header length {header_len} does not fit the {} bytes present",
            body.len()
        )));
    }
    // Read the version first so a future format is reported as such, not as
    // a parse error of fields this build does not know.
    let version_probe: serde_json::Value = serde_json::from_slice(&body[..header_len])
        .map_err(|e| Error::CheckpointCorrupt(format!("header is not valid JSON: {e}")))?;
    let version = version_probe
        .get("formatVersion")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| Error::CheckpointCorrupt("header has no formatVersion".into()))?;
    if version != u64::from(FORMAT_VERSION) {
        return Err(Error::CheckpointVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let header: CheckpointHeader = serde_json::from_value(version_probe)
        .map_err(|e| Error::CheckpointCorrupt(format!("header is malformed: {e}")))?;
    let payload = &body[header_len..];
    if payload.len() as u64 != header.payload_bytes {
        return Err(Error::CheckpointCorrupt(format!(
            "payload is {} bytes but the header says {} (truncated or padded)",
            payload.len(),
            header.payload_bytes
        )));
    }
    let actual = hex_sha256(payload);
    if actual != header.sha256 {
        return Err(Error::CheckpointCorrupt(format!(
            "payload checksum {actual} does not match the header's {}",
            header.sha256
        )));
    }
    Ok((header, payload))
}

/// Checks and decodes a checkpoint blob.
pub fn decode<T: DeserializeOwned>(blob: &[u8]) -> Result<(CheckpointHeader, T), Error> {
    let (header, payload) = read_header(blob)?;
    if header.raw_bytes > MAX_PAYLOAD_BYTES {
        return Err(Error::CheckpointCorrupt(format!(
            "claims {} bytes uncompressed, more than the {MAX_PAYLOAD_BYTES} allowed",
            header.raw_bytes
        )));
    }
    let raw = zstd::bulk::decompress(payload, header.raw_bytes as usize)
        .map_err(|e| Error::CheckpointCorrupt(format!("payload does not decompress: {e}")))?;
    let value = serde_json::from_slice(&raw)
        .map_err(|e| Error::CheckpointCorrupt(format!("payload is not a valid state: {e}")))?;
    Ok((header, value))
}

/// Splits a blob into pieces of at most `max_chunk` bytes (at least one).
pub fn split(blob: &[u8], max_chunk: usize) -> Vec<&[u8]> {
    if blob.is_empty() {
        return vec![blob];
    }
    blob.chunks(max_chunk.max(1)).collect()
}

/// Lower-case hex of the SHA-256 of `bytes`. Every save hashes its payload,
/// and a crawl at the default cadence saves every page or two: one buffer,
/// not a formatted string per byte.
fn hex_sha256(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(2 * digest.len());
    for b in digest {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn sample() -> (ScanIdentity, BTreeMap<String, u32>) {
        let scan = ScanIdentity {
            namespace: "ns".into(),
            name: "acme".into(),
            uid: "u-1".into(),
            scan_version: 2,
        };
        let payload = (0..1000)
            .map(|i| (format!("https://acme.test/p/{i}"), i))
            .collect();
        (scan, payload)
    }

    #[test]
    fn round_trip() {
        let (scan, payload) = sample();
        let (header, blob) = encode(&scan, 7, 1000, Utc::now(), &payload).unwrap();
        assert!(blob.len() < header.raw_bytes as usize, "compressed");
        assert_eq!(
            header.raw_bytes,
            serde_json::to_vec(&payload).unwrap().len() as u64
        );
        let (h2, back): (_, BTreeMap<String, u32>) = decode(&blob).unwrap();
        assert_eq!(h2, header);
        assert_eq!(back, payload);
    }

    /// Larger than the write buffer and the window: several blocks, and the
    /// thread's context reused from the encode before.
    #[test]
    fn large_payload_round_trips_after_a_small_one() {
        let (scan, small) = sample();
        encode(&scan, 1, 1, Utc::now(), &small).unwrap();
        let large: BTreeMap<String, u32> = (0..40_000)
            .map(|i| (format!("https://acme.test/{}/{i}", i % 97), i))
            .collect();
        let (header, blob) = encode(&scan, 2, 2, Utc::now(), &large).unwrap();
        assert!(header.raw_bytes > 1_000_000, "{}", header.raw_bytes);
        let (_, back): (_, BTreeMap<String, u32>) = decode(&blob).unwrap();
        assert_eq!(back, large);
    }

    /// Records and snapshots take turns on one context at two levels.
    #[test]
    fn records_and_snapshots_round_trip_in_turn() {
        let (scan, payload) = sample();
        for generation in 1..4 {
            let (_, record) = encode_at(
                RECORD_COMPRESSION_LEVEL,
                &scan,
                generation,
                1,
                Utc::now(),
                &payload,
            )
            .unwrap();
            let (_, snapshot) = encode(&scan, generation, 1, Utc::now(), &payload).unwrap();
            for blob in [record, snapshot] {
                let (header, back): (_, BTreeMap<String, u32>) = decode(&blob).unwrap();
                assert_eq!(header.generation, generation);
                assert_eq!(back, payload);
            }
        }
    }

    #[test]
    fn every_truncation_is_detected() {
        let (scan, payload) = sample();
        let (_, blob) = encode(&scan, 1, 1, Utc::now(), &payload).unwrap();
        for cut in [0, 3, 8, 12, 40, blob.len() / 2, blob.len() - 1] {
            let err = decode::<BTreeMap<String, u32>>(&blob[..cut]).unwrap_err();
            assert!(
                matches!(err, Error::CheckpointCorrupt(_)),
                "cut at {cut}: {err}"
            );
        }
    }

    #[test]
    fn flipped_payload_byte_fails_checksum() {
        let (scan, payload) = sample();
        let (_, mut blob) = encode(&scan, 1, 1, Utc::now(), &payload).unwrap();
        let last = blob.len() - 5;
        blob[last] ^= 0xff;
        let err = decode::<BTreeMap<String, u32>>(&blob).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
    }

    #[test]
    fn other_format_version_is_named() {
        let (scan, payload) = sample();
        let (_, blob) = encode(&scan, 1, 1, Utc::now(), &payload).unwrap();
        let text =
            String::from_utf8_lossy(&blob).replace("\"formatVersion\":1", "\"formatVersion\":9");
        let err = decode::<BTreeMap<String, u32>>(text.as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::CheckpointVersion {
                    found: 9,
                    supported: 1
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn garbage_is_refused_not_panicking() {
        for junk in [
            &b""[..],
            b"hello world",
            b"CIRACKPT\xff\xff\xff\xff{}",
            b"CIRACKPT\0\0\0\x02{}",
        ] {
            assert!(decode::<serde_json::Value>(junk).is_err());
        }
    }

    #[test]
    fn split_covers_blob() {
        let blob: Vec<u8> = (0..2500u32).map(|i| i as u8).collect();
        let parts = split(&blob, 1000);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.concat(), blob);
        assert_eq!(split(&[], 10).len(), 1);
    }

    #[test]
    fn hex_sha256_is_the_formatted_digest() {
        for input in [&b""[..], b"abc", &[0xff; 300]] {
            let expected: String = Sha256::digest(input)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(hex_sha256(input), expected);
        }
        // The SHA-256 of "abc" (FIPS 180-2, appendix B.1).
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
