//! Authenticated state: a flat key/value view for fast reads plus a Jellyfish Merkle tree whose
//! root is committed in every block header. Block `h` (genesis is 0) updates the tree in two
//! versions: its deletions as version `2h`, its other writes as version `2h + 1`, whose root is
//! the state root of block `h` (see `apply_changes`).
use std::{
    collections::BTreeMap,
    sync::{Arc, RwLock},
};

use scf_primitives::Hash;

use crate::{
    merkle::{self, KeyChange, KeyHash, Node, NodeKey, ValueHash, Version},
    RuntimeError, StoreError,
};

/// Read access to committed state. Implemented by the node's RocksDB store and by
/// [`MemoryStore`]; must reflect exactly the last committed version while a block executes.
pub trait StateStore: Send + Sync {
    /// Latest committed value of a state key.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// A Merkle tree node. Shared, because a cached node is read by every block that passes
    /// through it and copying the 16 children each time was a large part of the state root.
    fn merkle_node(&self, key: &NodeKey) -> Result<Option<Arc<Node>>, StoreError>;
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
    /// New tree nodes, in key order. The tree's leaves hold only value hashes: stores keep each
    /// value once, in the flat state.
    pub nodes: Vec<(NodeKey, Arc<Node>)>,
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

/// Computes block `height`'s state root = previous tree + `changes`, and the tree nodes to
/// persist.
///
/// A block updates the tree in two versions: its deletions (usually none) as version `2h`, then
/// its other writes as version `2h + 1`. That layout comes from jmt (ADR 0004), whose batched
/// insertion cannot delete; `merkle` keeps it so that stored nodes stay exactly jmt's, which
/// `merkle_update_equals_jmt` checks node by node on random histories. A Jellyfish Merkle
/// tree's root depends only on its final key/value set (node versions are not hashed), so the
/// root is that of applying everything at once.
pub fn apply_changes(
    store: &dyn StateStore,
    height: Version,
    changes: StateChanges,
) -> Result<StateUpdate, RuntimeError> {
    let (mut deletions, mut writes): (Vec<KeyChange>, Vec<KeyChange>) = (Vec::new(), Vec::new());
    for (key, value) in &changes {
        match value {
            None => deletions.push((KeyHash::of(key), None)),
            Some(v) => writes.push((KeyHash::of(key), Some(ValueHash::of(v)))),
        }
    }
    deletions.sort_unstable_by_key(|(key, _)| *key);
    writes.sort_unstable_by_key(|(key, _)| *key);
    let read = |key: &NodeKey| store.merkle_node(key);
    let first = merkle::update_version(&read, deletions_version(height)?, &deletions)?;
    let pending: BTreeMap<NodeKey, Arc<Node>> = first.nodes.iter().cloned().collect();
    let layered = |key: &NodeKey| match pending.get(key) {
        Some(node) => Ok(Some(node.clone())),
        None => store.merkle_node(key),
    };
    let second = merkle::update_version(&layered, tree_version(height)?, &writes)?;
    // Both lists are in key order and every key of the first has the lower version.
    let mut nodes = first.nodes;
    nodes.extend(second.nodes);
    Ok(StateUpdate { version: height, changes, root: Hash(second.root), nodes })
}

/// Block `height`'s state root, read from the store.
pub fn root_at(store: &dyn StateStore, height: Version) -> Result<Hash, RuntimeError> {
    let read = |key: &NodeKey| store.merkle_node(key);
    Ok(Hash(merkle::root_hash(&read, tree_version(height)?)?))
}

#[derive(Default)]
struct MemoryInner {
    flat: BTreeMap<Vec<u8>, Vec<u8>>,
    nodes: BTreeMap<NodeKey, Arc<Node>>,
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
        for (k, n) in &update.nodes {
            inner.nodes.insert(*k, n.clone());
        }
    }
}

impl StateStore for MemoryStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.0.read().unwrap_or_else(|p| p.into_inner()).flat.get(key).cloned())
    }

    fn merkle_node(&self, key: &NodeKey) -> Result<Option<Arc<Node>>, StoreError> {
        Ok(self.0.read().unwrap_or_else(|p| p.into_inner()).nodes.get(key).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jmt::{
        storage::{LeafNode as JmtLeaf, Node as JmtNode, NodeKey as JmtKey, TreeReader, TreeUpdateBatch},
        JellyfishMerkleTree, OwnedValue,
    };
    use proptest::prelude::*;
    use sha2::Sha256;

    /// Random blocks: small keys so that updates hit existing leaves and deep shared prefixes,
    /// deletions (some of absent keys) so that leaves move up and subtrees empty out.
    fn block_strategy() -> impl Strategy<Value = Vec<(Vec<u8>, Option<Vec<u8>>)>> {
        prop::collection::vec(
            (
                prop::collection::vec(0u8..8, 1..4),
                prop::option::weighted(0.8, prop::collection::vec(any::<u8>(), 0..6)),
            ),
            0..40,
        )
    }

    /// jmt over an in-memory node map, updated the way scf-chain used jmt before ADR 0006:
    /// deletions key by key at version `2h`, other writes batched at `2h + 1`. The reference.
    #[derive(Default)]
    struct JmtStore {
        nodes: BTreeMap<JmtKey, JmtNode>,
        values: BTreeMap<jmt::KeyHash, OwnedValue>,
    }

    impl TreeReader for JmtStore {
        fn get_node_option(&self, key: &JmtKey) -> anyhow::Result<Option<JmtNode>> {
            Ok(self.nodes.get(key).cloned())
        }
        fn get_value_option(&self, _: u64, key_hash: jmt::KeyHash) -> anyhow::Result<Option<OwnedValue>> {
            Ok(self.values.get(&key_hash).cloned())
        }
        fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(JmtKey, JmtLeaf)>> {
            unreachable!("not used")
        }
    }

    struct Layered<'a>(&'a JmtStore, &'a TreeUpdateBatch);

    impl TreeReader for Layered<'_> {
        fn get_node_option(&self, key: &JmtKey) -> anyhow::Result<Option<JmtNode>> {
            match self.1.node_batch.get_node(key) {
                Some(node) => Ok(Some(node.clone())),
                None => self.0.get_node_option(key),
            }
        }
        fn get_value_option(&self, _: u64, _: jmt::KeyHash) -> anyhow::Result<Option<OwnedValue>> {
            unreachable!("updates read no values")
        }
        fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(JmtKey, JmtLeaf)>> {
            unreachable!("not used")
        }
    }

    impl JmtStore {
        /// Applies a block; returns its root and every node written, as (key, node) encodings.
        fn apply(&mut self, height: u64, changes: &StateChanges) -> ([u8; 32], BTreeMap<Vec<u8>, Vec<u8>>) {
            let (mut deletions, mut writes) = (Vec::new(), Vec::new());
            for (key, value) in changes {
                let key_hash = jmt::KeyHash::with::<Sha256>(key);
                match value {
                    None => deletions.push((key_hash, None)),
                    Some(v) => writes.push((key_hash, v.clone())),
                }
            }
            let (_, first) =
                JellyfishMerkleTree::<_, Sha256>::new(&*self).put_value_set(deletions, 2 * height).unwrap();
            let layered = Layered(self, &first);
            let tree = JellyfishMerkleTree::<_, Sha256>::new(&layered);
            let (root, second) = if writes.is_empty() {
                tree.put_value_set(Vec::new(), 2 * height + 1).unwrap()
            } else {
                let (roots, batch) = tree.batch_put_value_sets(vec![writes], None, 2 * height + 1).unwrap();
                (roots[0], batch)
            };
            let mut written = BTreeMap::new();
            for batch in [first, second] {
                for (key, node) in batch.node_batch.nodes() {
                    written.insert(borsh::to_vec(key).unwrap(), borsh::to_vec(node).unwrap());
                    self.nodes.insert(key.clone(), node.clone());
                }
            }
            for (key, value) in changes {
                let key_hash = jmt::KeyHash::with::<Sha256>(key);
                match value {
                    Some(v) => self.values.insert(key_hash, v.clone()),
                    None => self.values.remove(&key_hash),
                };
            }
            (root.0, written)
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
        /// Same roots and the same stored bytes as jmt, block after block; and jmt, reading only
        /// what `merkle` stored, proves every live key present and every deleted key absent.
        #[test]
        fn merkle_update_equals_jmt(blocks in prop::collection::vec(block_strategy(), 1..10)) {
            let (ours, mut reference) = (MemoryStore::new(), JmtStore::default());
            for (height, writes) in blocks.into_iter().enumerate() {
                let height = height as Version;
                let changes: StateChanges = writes.into_iter().collect();
                let update = apply_changes(&ours, height, changes.clone()).unwrap();
                let (root, jmt_nodes) = reference.apply(height, &changes);
                prop_assert_eq!(update.root.0, root);
                let our_nodes: BTreeMap<Vec<u8>, Vec<u8>> = update
                    .nodes
                    .iter()
                    .map(|(key, node)| (borsh::to_vec(key).unwrap(), borsh::to_vec(&**node).unwrap()))
                    .collect();
                prop_assert_eq!(update.nodes.len(), our_nodes.len(), "no node written twice");
                prop_assert!(update.nodes.windows(2).all(|w| w[0].0 < w[1].0), "nodes in key order");
                prop_assert_eq!(&our_nodes, &jmt_nodes);
                ours.commit(&update);
                prop_assert_eq!(root_at(&ours, height).unwrap(), update.root);

                let decoded = JmtStore {
                    nodes: ours.0.read().unwrap().nodes.iter().map(|(key, node)| {
                        (borsh::from_slice(&borsh::to_vec(key).unwrap()).unwrap(),
                         borsh::from_slice(&borsh::to_vec(&**node).unwrap()).unwrap())
                    }).collect(),
                    values: reference.values.clone(),
                };
                let tree = JellyfishMerkleTree::<_, Sha256>::new(&decoded);
                let (version, root) = (tree_version(height).unwrap(), jmt::RootHash(update.root.0));
                for (key, value) in changes.iter() {
                    let key_hash = jmt::KeyHash::with::<Sha256>(key);
                    let (got, proof) = tree.get_with_proof(key_hash, version).unwrap();
                    prop_assert_eq!(&got, value);
                    match value {
                        Some(value) => prop_assert!(proof.verify(root, key_hash, Some(value)).is_ok()),
                        None => prop_assert!(proof.verify_nonexistence(root, key_hash).is_ok()),
                    }
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
