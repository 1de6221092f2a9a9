//! The stored form of a source record's text: its verbatim `raw` text and
//! its parsed `fields`, compressed together in one zstd frame.
//!
//! Why: those two texts are most of the bytes an ingest writes, and the
//! fields repeat most of the raw text (the abstract, a BibTeX entry). On the
//! 11k-paper conference corpus one frame over both is 3.6x smaller than the
//! plain texts, where a frame each would be 2.4x. Packing is pure, so the
//! ingest does it on its parser threads, not on the single writer.
//!
//! Layout of the compressed bytes: the length of `raw` in bytes (u32 little
//! endian), `raw`, then `fields` as JSON.

use paperdex_model::RecordFields;
use std::cell::RefCell;

/// zstd's fastest level: the frame is written once per record ingested and
/// read only to show or re-merge a paper, so speed beats the last few percent.
const LEVEL: i32 = 1;

/// A source record's `raw` text and `fields`, packed by [`PackedRecord::pack`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedRecord(Vec<u8>);

/// Why packed bytes could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// The bytes are not a zstd frame.
    #[error("not a compressed record: {0}")]
    Decompress(#[source] std::io::Error),
    /// The frame is too short for its length prefix, or the prefix points
    /// past its end or into a UTF-8 sequence.
    #[error("malformed record layout")]
    Layout,
    /// The fields are not valid JSON of [`RecordFields`].
    #[error("record fields: {0}")]
    Fields(#[source] serde_json::Error),
}

thread_local! {
    // A compression context holds hundreds of KiB of tables; one per thread
    // spares allocating them for every record.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { RefCell::new(None) };
    // Likewise for reading: a candidate paper's sources are unpacked for
    // every record that might match it, and creating a decompression context
    // each time cost more than the decompression.
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

/// The largest frame content unpacked into one exactly sized buffer; a frame
/// claiming more (only a damaged one could) is streamed instead.
const MAX_SIZED_FRAME: u64 = 1 << 30;

impl PackedRecord {
    /// Packs a record's verbatim text and its parsed fields.
    pub fn pack(raw: &str, fields: &RecordFields) -> PackedRecord {
        let raw_len = u32::try_from(raw.len()).expect("records are far below 4 GiB");
        let mut plain = Vec::with_capacity(4 + raw.len() + raw.len() / 2);
        plain.extend_from_slice(&raw_len.to_le_bytes());
        plain.extend_from_slice(raw.as_bytes());
        serde_json::to_writer(&mut plain, fields).expect("RecordFields serializes to JSON");
        let packed = COMPRESSOR.with(|cell| {
            let mut cell = cell.borrow_mut();
            let compressor = match cell.as_mut() {
                Some(c) => c,
                None => {
                    cell.insert(zstd::bulk::Compressor::new(LEVEL).expect("zstd accepts level 1"))
                }
            };
            compressor
                .compress(&plain)
                .expect("compressing into a growable buffer cannot fail")
        });
        PackedRecord(packed)
    }

    /// Wraps bytes read back from a store.
    pub fn from_bytes(bytes: Vec<u8>) -> PackedRecord {
        PackedRecord(bytes)
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn decompress(&self) -> std::io::Result<Vec<u8>> {
        let size = zstd::zstd_safe::get_frame_content_size(&self.0)
            .ok()
            .flatten();
        match size {
            Some(size) if size <= MAX_SIZED_FRAME => DECOMPRESSOR.with(|cell| {
                let mut cell = cell.borrow_mut();
                let decompressor = match cell.as_mut() {
                    Some(d) => d,
                    None => cell.insert(zstd::bulk::Decompressor::new()?),
                };
                decompressor.decompress(&self.0, size as usize)
            }),
            _ => zstd::stream::decode_all(self.0.as_slice()),
        }
    }

    /// The record's `raw` text and `fields`.
    pub fn unpack(&self) -> Result<(String, RecordFields), UnpackError> {
        let plain = self.decompress().map_err(UnpackError::Decompress)?;
        let (prefix, rest) = plain.split_first_chunk::<4>().ok_or(UnpackError::Layout)?;
        let raw_len = u32::from_le_bytes(*prefix) as usize;
        if raw_len > rest.len() {
            return Err(UnpackError::Layout);
        }
        let (raw, fields) = rest.split_at(raw_len);
        let raw = std::str::from_utf8(raw).map_err(|_| UnpackError::Layout)?;
        let fields = serde_json::from_slice(fields).map_err(UnpackError::Fields)?;
        Ok((raw.to_string(), fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> RecordFields {
        RecordFields {
            title: Some("Attention Is All You Need".into()),
            abstract_text: Some("The dominant sequence transduction models … ".repeat(20)),
            ..Default::default()
        }
    }

    #[test]
    fn unpacks_what_it_packed() {
        let raw = "{\"title\": \"Attention Is All You Need\", \"abstract\": \"é ü ß\"}";
        let packed = PackedRecord::pack(raw, &fields());
        let (raw_back, fields_back) = packed.unpack().unwrap();
        assert_eq!(raw_back, raw);
        assert_eq!(fields_back, fields());
    }

    #[test]
    fn empty_raw_text_round_trips() {
        let packed = PackedRecord::pack("", &RecordFields::default());
        let (raw, fields) = packed.unpack().unwrap();
        assert_eq!(raw, "");
        assert_eq!(fields, RecordFields::default());
    }

    #[test]
    fn repeated_text_is_stored_about_once() {
        let fields = fields();
        let raw = serde_json::to_string(&fields).unwrap();
        let packed = PackedRecord::pack(&raw, &fields);
        // Raw and fields are the same text here: together they must take
        // less than either alone.
        assert!(
            packed.as_bytes().len() < raw.len() / 2,
            "{} packed bytes for {} raw bytes",
            packed.as_bytes().len(),
            raw.len()
        );
    }

    #[test]
    fn refuses_bytes_that_are_not_a_packed_record() {
        let not_zstd = PackedRecord::from_bytes(b"plain text".to_vec());
        assert!(matches!(not_zstd.unpack(), Err(UnpackError::Decompress(_))));
        let too_short = PackedRecord::from_bytes(zstd::bulk::compress(b"ab", 1).unwrap());
        assert!(matches!(too_short.unpack(), Err(UnpackError::Layout)));
        let mut past_end = 100u32.to_le_bytes().to_vec();
        past_end.extend_from_slice(b"short");
        let past_end = PackedRecord::from_bytes(zstd::bulk::compress(&past_end, 1).unwrap());
        assert!(matches!(past_end.unpack(), Err(UnpackError::Layout)));
    }
}
