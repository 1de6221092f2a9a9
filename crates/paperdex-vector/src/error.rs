//! [`VectorError`]: what can go wrong when vectors go in or bytes come back.

/// An error from [`VectorIndex`](crate::VectorIndex) or the byte codecs.
///
/// All of these are caused by the caller's input (a vector of the wrong
/// length, or bytes that are not what [`VectorIndex::to_bytes`](crate::VectorIndex::to_bytes)
/// or [`encode_f32`](crate::encode_f32) wrote); the index itself has no IO
/// and no internal failure mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VectorError {
    /// A vector's length is not the index's dimension.
    #[error("vector has {found} components, the index holds vectors of {expected}")]
    DimensionMismatch {
        /// The index's dimension.
        expected: usize,
        /// The length of the vector given.
        found: usize,
    },
    /// A vector holds a NaN or an infinity, which would make every score
    /// against it meaningless.
    #[error("vector component {index} is not a finite number")]
    NonFinite {
        /// The position of the first bad component.
        index: usize,
    },
    /// Bytes that do not decode: wrong magic or version, truncated, a bad
    /// checksum, or contents that contradict the header.
    #[error("cannot decode vector bytes: {reason}")]
    Decode {
        /// What was wrong, in lowercase words.
        reason: String,
    },
}

impl VectorError {
    pub(crate) fn decode(reason: impl Into<String>) -> Self {
        VectorError::Decode {
            reason: reason.into(),
        }
    }
}
