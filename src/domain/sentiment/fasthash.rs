//! A fast hash for the classifier's word maps.
//!
//! Lookups of short word keys are most of the classifier's work (several per token), and the
//! standard library's SipHash is built to resist collision attacks on untrusted keys, which costs
//! more than the rest of a lookup for a five-letter word. These maps are keyed by the shipped
//! lexicons and the user's own lists, so the multiply-rotate hash of rustc's `FxHasher` (Firefox's)
//! is enough: written out here rather than adding a crate for twenty lines.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_behave_like_maps() {
        let mut m: FastMap<String, f64> = FastMap::default();
        for (i, w) in ["bra", "dålig", "not", "supercalifragilistic", ""]
            .iter()
            .enumerate()
        {
            m.insert(w.to_string(), i as f64);
        }
        assert_eq!(m.get("dålig"), Some(&1.0));
        assert_eq!(m.get("supercalifragilistic"), Some(&3.0));
        assert_eq!(m.get(""), Some(&4.0));
        assert_eq!(m.get("bad"), None);
    }
}
