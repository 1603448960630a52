//! `Tally`: how many holders each key has, keeping no entry for a key nobody
//! holds any more (so its length is the number of keys in use).
//!
//! Owns only the counting. The session counters (`state.rs`), the bound-port
//! registry (`policy/bound.rs`) and the labs' client slots (`labs/client_slots.rs`)
//! count with it; each keeps its own lock, limits and release-on-drop guard.

use std::collections::HashMap;
use std::hash::Hash;

/// A count per key; a key is present only while its count is above zero.
#[derive(Debug)]
pub(crate) struct Tally<K> {
    counts: HashMap<K, usize>,
}

impl<K> Default for Tally<K> {
    fn default() -> Self {
        Tally {
            counts: HashMap::new(),
        }
    }
}

impl<K: Eq + Hash> Tally<K> {
    /// One more holder of `key`.
    pub(crate) fn add(&mut self, key: K) {
        *self.counts.entry(key).or_default() += 1;
    }

    /// One holder of `key` fewer; the entry goes when none is left.
    pub(crate) fn release(&mut self, key: &K) {
        if let Some(n) = self.counts.get_mut(key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.counts.remove(key);
            }
        }
    }

    /// How many hold `key`.
    pub(crate) fn count(&self, key: &K) -> usize {
        self.counts.get(key).copied().unwrap_or(0)
    }

    /// Does anyone hold `key`?
    pub(crate) fn holds(&self, key: &K) -> bool {
        self.counts.contains_key(key)
    }

    /// How many keys are held.
    pub(crate) fn len(&self) -> usize {
        self.counts.len()
    }

    /// No key is held.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Holders of every key together.
    pub(crate) fn total(&self) -> usize {
        self.counts.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_leaves_with_its_last_holder() {
        let mut t = Tally::default();
        t.add("a");
        t.add("a");
        t.add("b");
        assert_eq!((t.count(&"a"), t.len(), t.total()), (2, 2, 3));
        t.release(&"a");
        assert!(t.holds(&"a"));
        t.release(&"a");
        assert!(!t.holds(&"a"));
        t.release(&"a");
        assert_eq!((t.count(&"a"), t.len(), t.total()), (0, 1, 1));
        t.release(&"b");
        assert!(t.is_empty());
    }
}
