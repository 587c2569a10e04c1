//! A set of 64-bit hashes for uniqueness and key checks: 8 bytes per
//! value, nothing else.
//!
//! The set is split into 256 open-addressing tables chosen by the hash's
//! top byte. Each table is at most 7/8 full, so a value costs 9–18 bytes
//! (about 12 on average), and tables grow one at a time: growing never
//! holds two copies of the whole set, as a single table doubling would.

/// Tables, chosen by the top byte of a hash.
const PARTS: usize = 256;

/// A set of `u64` hashes.
#[derive(Default)]
pub(crate) struct KeySet {
    parts: Vec<Part>,
    /// Zero marks an empty slot, so the value zero is kept aside.
    has_zero: bool,
}

#[derive(Default, Clone)]
struct Part {
    slots: Vec<u64>,
    len: usize,
}

impl Part {
    fn find(&self, h: u64) -> (usize, bool) {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            match self.slots[i] {
                0 => return (i, false),
                x if x == h => return (i, true),
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![0; cap]);
        for h in old.into_iter().filter(|h| *h != 0) {
            let (i, _) = self.find(h);
            self.slots[i] = h;
        }
    }
}

impl KeySet {
    /// Adds `h`; `false` when it was already there.
    pub(crate) fn insert(&mut self, h: u64) -> bool {
        if h == 0 {
            return !std::mem::replace(&mut self.has_zero, true);
        }
        if self.parts.is_empty() {
            self.parts = vec![Part::default(); PARTS];
        }
        let part = &mut self.parts[(h >> 56) as usize];
        if (part.len + 1) * 8 > part.slots.len() * 7 {
            part.grow();
        }
        let (i, found) = part.find(h);
        if !found {
            part.slots[i] = h;
            part.len += 1;
        }
        !found
    }

    /// Whether `h` is in the set.
    pub(crate) fn contains(&self, h: u64) -> bool {
        if h == 0 {
            return self.has_zero;
        }
        match self.parts.get((h >> 56) as usize) {
            Some(part) if !part.slots.is_empty() => part.find(h).1,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, RandomState};

    use super::*;

    #[test]
    fn behaves_as_a_set() {
        let mut s = KeySet::default();
        assert!(!s.contains(0) && !s.contains(42));
        assert!(s.insert(0));
        assert!(!s.insert(0));
        let hasher = RandomState::new();
        let values: Vec<u64> = (0..100_000u64).map(|i| hasher.hash_one(i)).collect();
        for v in &values {
            assert!(s.insert(*v));
        }
        for v in &values {
            assert!(s.contains(*v));
            assert!(!s.insert(*v));
        }
        assert!(!s.contains(hasher.hash_one(100_001u64)));
        assert!(s.contains(0));
    }
}
