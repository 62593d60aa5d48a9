//! A bounded map for the node's caches (state values, Merkle nodes, verified logins): it owns
//! eviction by count and weight, and must not know what it caches.
use std::collections::{HashMap, VecDeque};

/// A map that forgets its oldest entries beyond `CAPACITY` entries or `max_bytes` of weight
/// (first in, first out; replacing a value keeps its place): the shape of every cache of the node.
///
/// Hashing is foldhash with a per-process random seed: a cache lookup is in every tree node and
/// state read of execution, where SipHash was a third of the cache's time, and the seed keeps
/// keys chosen by contracts from being ground into collisions.
pub struct Bounded<K, V, const CAPACITY: usize> {
    map: HashMap<K, (V, usize), foldhash::fast::RandomState>,
    order: VecDeque<K>,
    /// Total weight of the entries, and the most it may be.
    bytes: usize,
    max_bytes: usize,
}

impl<K, V, const CAPACITY: usize> Default for Bounded<K, V, CAPACITY> {
    fn default() -> Self {
        Bounded { map: HashMap::default(), order: VecDeque::new(), bytes: 0, max_bytes: usize::MAX }
    }
}

impl<K: std::hash::Hash + Eq + Clone, V, const CAPACITY: usize> Bounded<K, V, CAPACITY> {
    /// A map bounded by `max_bytes` of weight as well as by `CAPACITY` entries.
    pub fn with_max_bytes(max_bytes: usize) -> Self {
        Bounded { max_bytes, ..Bounded::default() }
    }

    pub fn get<Q: std::hash::Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map.get(key).map(|(v, _)| v)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The total weight of the entries.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Inserts `value`, which weighs `weight` against `max_bytes`.
    pub fn insert(&mut self, key: K, value: V, weight: usize) {
        match self.map.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                let (_, old) = e.insert((value, weight));
                self.bytes = self.bytes - old + weight;
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                self.order.push_back(e.key().clone());
                e.insert((value, weight));
                self.bytes += weight;
            }
        }
        while self.order.len() > CAPACITY || self.bytes > self.max_bytes {
            let Some(old) = self.order.pop_front() else { break };
            if let Some((_, w)) = self.map.remove(&old) {
                self.bytes -= w;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_entries_go_first_beyond_the_count_or_the_weight() {
        let mut by_count: Bounded<u32, (), 3> = Bounded::default();
        for k in 0..10 {
            by_count.insert(k, (), 0);
        }
        assert_eq!(by_count.len(), 3);
        assert!(by_count.get(&9).is_some() && by_count.get(&6).is_none(), "the oldest go first");

        let mut by_weight: Bounded<u32, (), 100> = Bounded::with_max_bytes(10);
        for k in 0..10 {
            by_weight.insert(k, (), 3);
        }
        assert_eq!((by_weight.len(), by_weight.bytes()), (3, 9));
        by_weight.insert(9, (), 1);
        assert_eq!((by_weight.len(), by_weight.bytes()), (3, 7), "a replaced value weighs anew");
        let sum: usize = by_weight.map.values().map(|(_, w)| w).sum();
        assert_eq!(sum, by_weight.bytes());
    }
}
