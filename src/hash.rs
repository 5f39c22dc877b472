//! Stable hashes: the hashes written out, or compared across runs.
//!
//! Every signature, band key and story term id is derived from these
//! functions, so changing one changes every result ever written. They are
//! pinned by tests with literal values. In-memory maps use `ahash`, whose
//! output may change between versions; nothing from it leaves a run.

/// The finaliser of SplitMix64: a bijective 64-bit mix with full avalanche.
#[inline]
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Hash of one normalised (lowercase) word: a seeded multiply-xor fold of
/// its UTF-8 bytes in 8-byte little-endian chunks. Stable across versions,
/// platforms and runs (it decides every signature ever written).
#[inline]
pub fn word_hash(word: &[u8]) -> u64 {
    fold_word(word, 0)
}

/// [`word_hash`] of an ASCII alphanumeric word given in any case: for such
/// bytes, lowercasing is setting bit 0x20, done here eight bytes at a time.
#[inline]
pub(crate) fn ascii_word_hash(word: &[u8]) -> u64 {
    fold_word(word, 0x2020_2020_2020_2020)
}

#[inline]
fn fold_word(word: &[u8], or: u64) -> u64 {
    let mut h = (word.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut chunks = word.chunks_exact(8);
    for c in &mut chunks {
        let v = u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) | or;
        h = mix64(h ^ v);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        let mask = u64::MAX >> (64 - 8 * rest.len());
        h = mix64(h ^ (u64::from_le_bytes(buf) | (or & mask)));
    }
    h
}

/// Hash of a line from the hashes of its words (stable).
#[inline]
pub fn line_hash(words: &[u64]) -> u64 {
    words.iter().fold(words.len() as u64, |h, &w| {
        (h.rotate_left(29) ^ w).wrapping_mul(0xD6E8_FEB8_6659_FD93)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_hash_is_stable_and_case_blind_for_ascii() {
        assert_eq!(ascii_word_hash(b"KherSON"), word_hash(b"kherson"));
        assert_eq!(ascii_word_hash(b"Ab12Cd34Ef56"), word_hash(b"ab12cd34ef56"));
        assert_ne!(word_hash(b"ab"), word_hash(b"ab\0"));
        // Changing this value changes every signature ever written.
        assert_eq!(word_hash(b"news"), 0xb2e2_80e5_71b2_9749);
    }

    #[test]
    fn mix_and_line_hash_are_pinned() {
        // Changing these values changes every band key, term id and
        // boilerplate line key ever computed.
        assert_eq!(mix64(0), 0);
        assert_eq!(mix64(1), 0x5692_161d_100b_05e5);
        assert_eq!(
            line_hash(&[word_hash(b"source"), word_hash(b"link")]),
            0xbe34_0266_8960_1f85
        );
        assert_eq!(line_hash(&[]), 0);
    }
}
