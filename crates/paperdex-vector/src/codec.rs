//! Bytes: a whole [`VectorIndex`] as a cache file, and one vector as a
//! database BLOB.
//!
//! The index format, version 1, all integers and floats little-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `PDXVECT\0` |
//! | 4 | version `u32` = 1 |
//! | 4 | dim `u32` (≥ 1) |
//! | 8 | count `u64` |
//! | 4 · dim | the center of the binary codes, `f32` |
//! | 8 · count | ids, `i64`, in slot order |
//! | 4 · dim · count | vectors, `f32`, in slot order |
//! | 8 | checksum `u64` of everything before it |
//!
//! The binary codes are not stored: they are recomputed from the vectors and
//! the center, which gives the same codes, so a decoded index answers every
//! search exactly as the encoded one did. The format records no model: the
//! caller keeps the model id (and anything else) beside these bytes.

use crate::index::check_vector;
use crate::{VectorError, VectorIndex};

const MAGIC: &[u8; 8] = b"PDXVECT\0";
const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 4 + 8;
const CHECKSUM: usize = 8;

impl VectorIndex {
    /// The index as bytes (see the module docs for the format), for a cache
    /// file. [`from_bytes`](Self::from_bytes) reads them back.
    pub fn to_bytes(&self) -> Vec<u8> {
        let dim = self.dim();
        let total = HEADER + 4 * dim + self.len() * (8 + 4 * dim) + CHECKSUM;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(dim as u32).to_le_bytes());
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        push_f32s(&mut out, self.center());
        for id in self.ids() {
            out.extend_from_slice(&id.to_le_bytes());
        }
        push_f32s(&mut out, self.vectors());
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        debug_assert_eq!(out.len(), total);
        out
    }

    /// Reads what [`to_bytes`](Self::to_bytes) wrote. Wrong magic, an
    /// unknown version, a length that disagrees with the header, a checksum
    /// mismatch, a duplicate id or a non-finite number is an error; no input
    /// makes it panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VectorError> {
        if !MAGIC.starts_with(&bytes[..bytes.len().min(MAGIC.len())]) {
            return Err(VectorError::decode(
                "not a paperdex vector index (bad magic)",
            ));
        }
        if bytes.len() < HEADER + CHECKSUM {
            return Err(VectorError::decode(format!(
                "truncated: {} bytes is shorter than the header",
                bytes.len()
            )));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if version != VERSION {
            return Err(VectorError::decode(format!(
                "unsupported version {version} (this build reads version {VERSION})"
            )));
        }
        let dim = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")) as usize;
        if dim == 0 || dim >= 1 << 24 {
            return Err(VectorError::decode(format!("invalid dimension {dim}")));
        }
        let count = u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes"));
        let expected = usize::try_from(count)
            .ok()
            .and_then(|n| n.checked_mul(8 + 4 * dim))
            .and_then(|b| b.checked_add(HEADER + 4 * dim + CHECKSUM));
        if expected != Some(bytes.len()) {
            return Err(VectorError::decode(format!(
                "length {} does not match {count} vectors of {dim} components (truncated or corrupt)",
                bytes.len()
            )));
        }
        let count = count as usize;
        let (body, stored) = bytes.split_at(bytes.len() - CHECKSUM);
        let stored = u64::from_le_bytes(stored.try_into().expect("8 bytes"));
        if checksum(body) != stored {
            return Err(VectorError::decode("checksum mismatch (corrupt)"));
        }

        let mut at = HEADER;
        let center = read_f32s(&body[at..at + 4 * dim]);
        at += 4 * dim;
        check_vector(&center, dim).map_err(|e| VectorError::decode(format!("center: {e}")))?;
        let ids: Vec<i64> = body[at..at + 8 * count]
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        at += 8 * count;
        let vectors = read_f32s(&body[at..]);
        if let Some(i) = vectors.iter().position(|x| !x.is_finite()) {
            return Err(VectorError::decode(format!(
                "vector {} holds a non-finite number",
                ids[i / dim]
            )));
        }
        VectorIndex::from_parts(dim, center, ids, vectors)
    }
}

/// One vector as bytes, for a database BLOB: its components as
/// little-endian `f32`, nothing else (the column knows the model and so the
/// dimension). [`decode_f32`] reads them back.
pub fn encode_f32(v: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 * v.len());
    push_f32s(&mut out, v);
    out
}

/// Reads what [`encode_f32`] wrote, checking that it holds exactly `dim`
/// finite components.
pub fn decode_f32(bytes: &[u8], dim: usize) -> Result<Vec<f32>, VectorError> {
    if !bytes.chunks_exact(4).remainder().is_empty() {
        return Err(VectorError::decode(format!(
            "{} bytes is not a whole number of f32s",
            bytes.len()
        )));
    }
    let v = read_f32s(bytes);
    check_vector(&v, dim)?;
    Ok(v)
}

fn push_f32s(out: &mut Vec<u8>, v: &[f32]) {
    out.reserve(4 * v.len());
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn read_f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect()
}

/// A fast 64-bit checksum against truncation and bit rot (not against
/// tampering): four independent multiply-xor lanes over 8-byte words, so a
/// gigabyte takes a fraction of a second.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut lanes = [
        0x243F_6A88_85A3_08D3u64,
        0x1319_8A2E_0370_7344,
        0xA409_3822_299F_31D0,
        0x082E_FA98_EC4E_6C89,
    ];
    let mut chunks = bytes.chunks_exact(32);
    for chunk in &mut chunks {
        for (lane, w) in lanes.iter_mut().zip(chunk.chunks_exact(8)) {
            let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            *lane = (*lane ^ w).wrapping_mul(K).rotate_left(29);
        }
    }
    let mut tail = [0u8; 32];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    for (lane, w) in lanes.iter_mut().zip(tail.chunks_exact(8)) {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        *lane = (*lane ^ w).wrapping_mul(K).rotate_left(29);
    }
    let mut h = bytes.len() as u64;
    for lane in lanes {
        h = (h ^ lane).wrapping_mul(K);
        h ^= h >> 32;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::ClusteredVectors;
    use crate::VectorError;

    fn sample_index(n: usize, dim: usize) -> VectorIndex {
        let mut data = ClusteredVectors::new(dim, 11);
        let mut index = VectorIndex::new(dim);
        for id in 0..n as i64 {
            index.upsert(id * 7 - 100, &data.sample()).unwrap();
        }
        index.remove(-100); // a swap-remove, so slots are not in id order
        index
    }

    #[test]
    fn index_round_trips() {
        let index = sample_index(1000, 48);
        let bytes = index.to_bytes();
        let back = VectorIndex::from_bytes(&bytes).unwrap();
        assert_eq!(back.dim(), 48);
        assert_eq!(back.len(), index.len());
        for &id in index.ids() {
            assert_eq!(back.get(id), index.get(id));
        }
        assert_eq!(back.to_bytes(), bytes, "encoding is stable");
        let q = ClusteredVectors::new(48, 12).sample();
        assert_eq!(
            back.search_exact(&q, 10, None),
            index.search_exact(&q, 10, None)
        );
        let params = crate::ApproxParams {
            shortlist: 100,
            rerank: 20,
        };
        assert_eq!(
            back.search_approx_with(&q, 10, None, params),
            index.search_approx_with(&q, 10, None, params),
            "same center, same codes, same candidates"
        );
    }

    #[test]
    fn empty_index_round_trips() {
        let index = VectorIndex::new(3);
        let back = VectorIndex::from_bytes(&index.to_bytes()).unwrap();
        assert_eq!((back.dim(), back.len()), (3, 0));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample_index(5, 16).to_bytes();
        for len in 0..bytes.len() {
            let err = VectorIndex::from_bytes(&bytes[..len]).unwrap_err();
            assert!(matches!(err, VectorError::Decode { .. }), "{len}: {err}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(VectorIndex::from_bytes(&longer).is_err());
    }

    #[test]
    fn corruption_is_an_error() {
        let bytes = sample_index(5, 16).to_bytes();
        // Flip one bit in every byte in turn: header fields, ids, floats,
        // the checksum itself.
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(VectorIndex::from_bytes(&bad).is_err(), "byte {i}");
        }
        let err = VectorIndex::from_bytes(b"not an index at all, just text").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot decode vector bytes: not a paperdex vector index (bad magic)"
        );
    }

    #[test]
    fn huge_count_in_header_is_an_error_not_an_allocation() {
        let mut bytes = sample_index(2, 4).to_bytes();
        bytes[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(VectorIndex::from_bytes(&bytes).is_err());
        bytes[16..24].copy_from_slice(&(1u64 << 61).to_le_bytes());
        assert!(VectorIndex::from_bytes(&bytes).is_err());
    }

    /// An index with a duplicate id or a NaN, checksummed correctly, so only
    /// the content checks can catch it.
    fn forged(ids: &[i64], value: f32) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&(ids.len() as u64).to_le_bytes());
        out.extend_from_slice(&0f32.to_le_bytes());
        for id in ids {
            out.extend_from_slice(&id.to_le_bytes());
        }
        for _ in ids {
            out.extend_from_slice(&value.to_le_bytes());
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    #[test]
    fn duplicate_ids_and_nan_are_errors() {
        assert_eq!(
            VectorIndex::from_bytes(&forged(&[1, 2], 1.0))
                .unwrap()
                .len(),
            2
        );
        let dup = VectorIndex::from_bytes(&forged(&[1, 1], 1.0)).unwrap_err();
        assert_eq!(
            dup.to_string(),
            "cannot decode vector bytes: duplicate id 1"
        );
        assert!(VectorIndex::from_bytes(&forged(&[1, 2], f32::NAN)).is_err());
    }

    #[test]
    fn blob_round_trips_and_checks_length() {
        let v = vec![0.5, -0.25, 1e-30, -0.0];
        let b = encode_f32(&v);
        assert_eq!(b.len(), 16);
        assert_eq!(b[..4], 0.5f32.to_le_bytes());
        assert_eq!(decode_f32(&b, 4).unwrap(), v);
        assert_eq!(
            decode_f32(&b, 3).unwrap_err(),
            VectorError::DimensionMismatch {
                expected: 3,
                found: 4
            }
        );
        assert!(matches!(
            decode_f32(&b[..15], 4),
            Err(VectorError::Decode { .. })
        ));
        assert_eq!(
            decode_f32(&encode_f32(&[f32::INFINITY]), 1).unwrap_err(),
            VectorError::NonFinite { index: 0 }
        );
    }
}
