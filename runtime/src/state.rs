//! Authenticated state: a flat key/value view for fast reads plus a Jellyfish Merkle tree whose
//! root is committed in every block header. Block `h` (genesis is 0) updates the tree in two
//! versions: its deletions as version `2h`, its other writes as version `2h + 1`, whose root is
//! the state root of block `h` (see `apply_changes`).
use std::{
    collections::BTreeMap,
    sync::{Arc, RwLock},
};

use jmt::{
    storage::{LeafNode, Node, NodeBatch, NodeKey, TreeReader, TreeUpdateBatch},
    JellyfishMerkleTree, KeyHash, OwnedValue, Version,
};
use scf_primitives::Hash;
use sha2::Sha256;

use crate::{RuntimeError, StoreError};

/// Read access to committed state. Implemented by the node's RocksDB store and by
/// [`MemoryStore`]; must reflect exactly the last committed version while a block executes.
pub trait StateStore: Send + Sync {
    /// Latest committed value of a state key.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// A Merkle tree node.
    fn jmt_node(&self, key: &NodeKey) -> Result<Option<Node>, StoreError>;
}

/// Stores keep each value once, in the flat state; the tree's leaves hold only value hashes.
/// jmt asks a reader for values only to answer `get` and proofs, never while updating, so its
/// value lookup is refused rather than served from a second copy of the state.
fn values_not_in_tree() -> anyhow::Error {
    anyhow::Error::msg("the Merkle tree store keeps no values: read them from the state by key")
}

/// Writes of a block (or of genesis), in key order. `None` deletes.
pub type StateChanges = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Layers `newer` over `base` (later writes win). Costs O(m log n) for m newer entries:
/// `BTreeMap::append` would rebuild the whole base, making a block's execution quadratic in
/// its number of writes.
pub fn overlay(base: &mut StateChanges, newer: StateChanges) {
    for (key, value) in newer {
        base.insert(key, value);
    }
}

/// Everything a commit must write besides the block itself.
pub struct StateUpdate {
    pub version: Version,
    pub changes: StateChanges,
    pub root: Hash,
    pub tree_batch: TreeUpdateBatch,
}

// jmt's reader trait speaks `anyhow`; that stays inside this adapter.
struct Reader<'a>(&'a dyn StateStore);

impl TreeReader for Reader<'_> {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        self.0.jmt_node(node_key).map_err(anyhow::Error::msg)
    }

    fn get_value_option(&self, _: Version, _: KeyHash) -> anyhow::Result<Option<OwnedValue>> {
        Err(values_not_in_tree())
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        // Only JMT state-sync restore asks for this; scf-chain does not restore trees yet.
        Err(anyhow::Error::msg("rightmost-leaf lookup is not supported by this store"))
    }
}

/// The tree version holding block `height`'s deletions.
fn deletions_version(height: Version) -> Result<Version, RuntimeError> {
    height.checked_mul(2).ok_or_else(|| RuntimeError::Merkle(format!("height {height} out of range")))
}

/// The tree version whose root is block `height`'s state root.
pub fn tree_version(height: Version) -> Result<Version, RuntimeError> {
    deletions_version(height)?
        .checked_add(1)
        .ok_or_else(|| RuntimeError::Merkle(format!("height {height} out of range")))
}

/// A tree reader that sees a block's deletion phase (not yet committed) over the store.
struct Layered<'a> {
    store: &'a dyn StateStore,
    pending: &'a NodeBatch,
}

impl TreeReader for Layered<'_> {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        match self.pending.get_node(node_key) {
            Some(node) => Ok(Some(node.clone())),
            None => self.store.jmt_node(node_key).map_err(anyhow::Error::msg),
        }
    }

    fn get_value_option(&self, _: Version, _: KeyHash) -> anyhow::Result<Option<OwnedValue>> {
        Err(values_not_in_tree())
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        Err(anyhow::Error::msg("rightmost-leaf lookup is not supported by this store"))
    }
}

/// Computes block `height`'s state root = previous tree + `changes`, and the tree nodes to
/// persist.
///
/// jmt's key-by-key `put_value_set` rebuilds and rehashes the path from the root for every key;
/// its batched insertion builds each touched node once, but cannot delete. So a block updates
/// the tree twice: its deletions (usually few or none) key by key as version `2h`, then all its
/// other writes in one batch as version `2h + 1`. A Jellyfish Merkle tree's root depends only on
/// its final key/value set (node versions are not hashed), so the root equals that of applying
/// everything key by key; `two_phase_update_equals_key_by_key` checks it on random histories.
pub fn apply_changes(
    store: &dyn StateStore,
    height: Version,
    changes: StateChanges,
) -> Result<StateUpdate, RuntimeError> {
    let merkle = |e: anyhow::Error| RuntimeError::Merkle(e.to_string());
    let (mut deletions, mut writes) = (Vec::new(), Vec::new());
    for (key, value) in &changes {
        match value {
            None => deletions.push((KeyHash::with::<Sha256>(key), None)),
            Some(v) => writes.push((KeyHash::with::<Sha256>(key), v.clone())),
        }
    }
    // Always both versions, even empty (jmt then carries the root over), so that every block
    // finds its predecessor's root at the version it expects.
    let reader = Reader(store);
    let (_, tree_batch) = JellyfishMerkleTree::<_, Sha256>::new(&reader)
        .put_value_set(deletions, deletions_version(height)?)
        .map_err(merkle)?;
    let layered = Layered { store, pending: &tree_batch.node_batch };
    let tree = JellyfishMerkleTree::<_, Sha256>::new(&layered);
    let version = tree_version(height)?;
    let (root, second) = if writes.is_empty() {
        tree.put_value_set(Vec::new(), version).map_err(merkle)?
    } else {
        let (roots, batch) = tree.batch_put_value_sets(vec![writes], None, version).map_err(merkle)?;
        let root = roots.first().copied().ok_or_else(|| RuntimeError::Merkle("no root from batch".into()))?;
        (root, batch)
    };
    // Merge the (usually empty) deletion phase into the batched phase, not the reverse:
    // re-inserting every node of a large block into another map cost a tenth of the root.
    // Node keys carry their version, so the two phases never collide.
    let mut merged = second;
    let TreeUpdateBatch { node_batch, stale_node_index_batch, node_stats } = tree_batch;
    merged.node_batch.merge(node_batch);
    merged.stale_node_index_batch.extend(stale_node_index_batch);
    merged.node_stats.splice(0..0, node_stats);
    Ok(StateUpdate { version: height, changes, root: Hash(root.0), tree_batch: merged })
}

/// The reference: every key inserted one by one. Only for checking `apply_changes`.
#[cfg(test)]
fn apply_changes_key_by_key(
    store: &dyn StateStore,
    version: Version,
    changes: StateChanges,
) -> Result<StateUpdate, RuntimeError> {
    let reader = Reader(store);
    let tree = JellyfishMerkleTree::<_, Sha256>::new(&reader);
    let value_set: Vec<(KeyHash, Option<OwnedValue>)> =
        changes.iter().map(|(k, v)| (KeyHash::with::<Sha256>(k), v.clone())).collect();
    let (root, tree_batch) =
        tree.put_value_set(value_set, version).map_err(|e| RuntimeError::Merkle(e.to_string()))?;
    Ok(StateUpdate { version, changes, root: Hash(root.0), tree_batch })
}

/// Block `height`'s state root, read from the store.
pub fn root_at(store: &dyn StateStore, height: Version) -> Result<Hash, RuntimeError> {
    let reader = Reader(store);
    let tree = JellyfishMerkleTree::<_, Sha256>::new(&reader);
    tree.get_root_hash(tree_version(height)?)
        .map(|r| Hash(r.0))
        .map_err(|e| RuntimeError::Merkle(e.to_string()))
}

#[derive(Default)]
struct MemoryInner {
    flat: BTreeMap<Vec<u8>, Vec<u8>>,
    nodes: BTreeMap<NodeKey, Node>,
}

/// A complete in-memory state store: used by tools that build genesis offline and by tests of
/// the runtime. Not a mock: it runs the same Merkle tree as the RocksDB store.
#[derive(Clone, Default)]
pub struct MemoryStore(Arc<RwLock<MemoryInner>>);

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Applies a state update, as the node's commit does.
    pub fn commit(&self, update: &StateUpdate) {
        let mut inner = self.0.write().unwrap_or_else(|p| p.into_inner());
        for (k, v) in &update.changes {
            match v {
                Some(v) => inner.flat.insert(k.clone(), v.clone()),
                None => inner.flat.remove(k),
            };
        }
        for (k, n) in update.tree_batch.node_batch.nodes() {
            inner.nodes.insert(k.clone(), n.clone());
        }
    }
}

impl StateStore for MemoryStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.0.read().unwrap_or_else(|p| p.into_inner()).flat.get(key).cloned())
    }

    fn jmt_node(&self, key: &NodeKey) -> Result<Option<Node>, StoreError> {
        Ok(self.0.read().unwrap_or_else(|p| p.into_inner()).nodes.get(key).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Random blocks: small keys so that updates hit existing leaves and deep shared prefixes,
    /// occasional deletions so that both paths of `apply_changes` run.
    fn block_strategy() -> impl Strategy<Value = Vec<(Vec<u8>, Option<Vec<u8>>)>> {
        prop::collection::vec(
            (
                prop::collection::vec(0u8..8, 1..4),
                prop::option::weighted(0.9, prop::collection::vec(any::<u8>(), 0..6)),
            ),
            0..40,
        )
    }

    /// Answers the tree's value lookups from the latest flat state, as a proof service would.
    struct ProofReader<'a> {
        store: &'a MemoryStore,
        values: BTreeMap<KeyHash, Vec<u8>>,
    }

    impl TreeReader for ProofReader<'_> {
        fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
            Ok(self.store.jmt_node(node_key)?)
        }
        fn get_value_option(&self, _: Version, key_hash: KeyHash) -> anyhow::Result<Option<OwnedValue>> {
            Ok(self.values.get(&key_hash).cloned())
        }
        fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
            unreachable!("not used by proofs")
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        #[test]
        fn two_phase_update_equals_key_by_key(blocks in prop::collection::vec(block_strategy(), 1..8)) {
            let (fast, reference) = (MemoryStore::new(), MemoryStore::new());
            for (height, writes) in blocks.into_iter().enumerate() {
                let changes: StateChanges = writes.into_iter().collect();
                let deleted: Vec<Vec<u8>> = changes.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| k.clone()).collect();
                let a = apply_changes(&fast, height as Version, changes.clone()).unwrap();
                let b = apply_changes_key_by_key(&reference, height as Version, changes).unwrap();
                prop_assert_eq!(a.root, b.root);
                fast.commit(&a);
                reference.commit(&b);
                prop_assert_eq!(root_at(&fast, height as Version).unwrap(), a.root);
                // Every live key is proven present with its value, and every deleted key proven
                // absent, against the block's root.
                let flat = fast.0.read().unwrap().flat.clone();
                let values = flat.iter().map(|(k, v)| (KeyHash::with::<Sha256>(k), v.clone())).collect();
                let tree_reader = ProofReader { store: &fast, values };
                let tree = JellyfishMerkleTree::<_, Sha256>::new(&tree_reader);
                let version = tree_version(height as Version).unwrap();
                let root = jmt::RootHash(a.root.0);
                for (key, value) in flat.iter() {
                    let key_hash = KeyHash::with::<Sha256>(key);
                    let (got, proof) = tree.get_with_proof(key_hash, version).unwrap();
                    prop_assert_eq!(got.as_ref(), Some(value));
                    prop_assert!(proof.verify(root, key_hash, Some(value)).is_ok());
                }
                for key in &deleted {
                    let key_hash = KeyHash::with::<Sha256>(key);
                    let (got, proof) = tree.get_with_proof(key_hash, version).unwrap();
                    prop_assert_eq!(got, None);
                    prop_assert!(proof.verify_nonexistence(root, key_hash).is_ok());
                }
            }
        }
    }

    fn changes(pairs: &[(&[u8], Option<&[u8]>)]) -> StateChanges {
        pairs.iter().map(|(k, v)| (k.to_vec(), v.map(|v| v.to_vec()))).collect()
    }

    #[test]
    fn root_tracks_content_and_empty_blocks_keep_the_root() {
        let store = MemoryStore::new();
        let g = apply_changes(&store, 0, changes(&[(b"a", Some(b"1"))])).unwrap();
        store.commit(&g);
        let b1 = apply_changes(&store, 1, changes(&[(b"b", Some(b"2"))])).unwrap();
        store.commit(&b1);
        assert_ne!(g.root, b1.root);
        let empty = apply_changes(&store, 2, StateChanges::new()).unwrap();
        store.commit(&empty);
        assert_eq!(empty.root, b1.root, "a block without writes keeps the root");
        assert_eq!(root_at(&store, 2).unwrap(), b1.root);

        // Same content reached along another path gives the same root.
        let other = MemoryStore::new();
        let u = apply_changes(&other, 0, changes(&[(b"b", Some(b"2")), (b"a", Some(b"1"))])).unwrap();
        assert_eq!(u.root, b1.root);

        let del = apply_changes(&store, 3, changes(&[(b"b", None)])).unwrap();
        assert_eq!(del.root, g.root, "deleting restores the earlier root");
        store.commit(&del);
        assert_eq!(store.get(b"b").unwrap(), None);
        assert_eq!(store.get(b"a").unwrap(), Some(b"1".to_vec()));
    }
}
