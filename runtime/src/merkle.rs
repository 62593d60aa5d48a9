//! The state tree's nodes and its batched update (ADR 0006).
//!
//! The tree is a Jellyfish Merkle tree, bit for bit the one the `jmt` crate defines (ADR 0004):
//! the same node hashing, the same shape (a leaf sits at the shortest nibble prefix that no other
//! key shares; an internal node with a single leaf child collapses into that leaf), the same node
//! keys (version, nibble path) and the same stored encoding, so that jmt can still read our nodes
//! and build proofs from them. Tests check every stored node byte for byte against jmt.
//!
//! Why not jmt's own update: it keeps a block's nodes in a SipHash map keyed by heap-allocated
//! paths, clones every node into and out of that map, then re-sorts them into a `BTreeMap`; that
//! bookkeeping, not hashing, was most of the state-root time (ADR 0006). Here a block's sorted
//! keys walk the tree once: each touched node is read once (shared, not copied, from the store's
//! cache), rebuilt once, hashed once, and appended to a list.
use std::{io, sync::Arc};

use borsh::{BorshDeserialize, BorshSerialize};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// Tree versions. Block `h` writes versions `2h` and `2h + 1` (see `state::apply_changes`).
pub type Version = u64;

/// Nibbles in a key hash: the tree's greatest depth.
const MAX_NIBBLES: usize = 64;

/// The hash of an empty subtree, as jmt defines it.
pub const PLACEHOLDER_HASH: [u8; 32] = *b"SPARSE_MERKLE_PLACEHOLDER_HASH__";
const LEAF_DOMAIN: &[u8] = b"JMT::LeafNode";
const INTERNAL_DOMAIN: &[u8] = b"JMT::IntrnalNode";

/// SHA-256 of a state key: where the key lives in the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct KeyHash(pub [u8; 32]);

/// SHA-256 of a state value: what a leaf commits to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub struct ValueHash(pub [u8; 32]);

impl KeyHash {
    pub fn of(key: &[u8]) -> KeyHash {
        KeyHash(scf_primitives::sha256(key).0)
    }

    fn nibble(&self, index: usize) -> u8 {
        let byte = self.0[index / 2];
        if index.is_multiple_of(2) {
            byte >> 4
        } else {
            byte & 0x0f
        }
    }
}

impl ValueHash {
    pub fn of(value: &[u8]) -> ValueHash {
        ValueHash(scf_primitives::sha256(value).0)
    }
}

/// A node's position: the first `len` nibbles of the key hashes below it. Nibbles past `len`
/// are always zero, so derived equality, ordering and hashing see only the path.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NibblePath {
    len: u8,
    bytes: [u8; 32],
}

impl NibblePath {
    pub const ROOT: NibblePath = NibblePath { len: 0, bytes: [0; 32] };

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The path one level down, through `nibble` (< 16). Callers never go below a full key hash.
    fn child(&self, nibble: u8) -> NibblePath {
        let mut child = *self;
        let index = self.len as usize;
        if index.is_multiple_of(2) {
            child.bytes[index / 2] = nibble << 4;
        } else {
            child.bytes[index / 2] |= nibble;
        }
        child.len += 1;
        child
    }

    /// The nibbles packed two to a byte, high nibble first (an odd path's last low nibble is 0).
    pub fn packed(&self) -> &[u8] {
        &self.bytes[..(self.len as usize).div_ceil(2)]
    }
}

impl std::fmt::Debug for NibblePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex = hex::encode(self.packed());
        f.write_str(&hex[..self.len as usize])
    }
}

/// jmt's encoding: the nibble count as a u64, then the packed bytes as a borsh `Vec<u8>`.
impl BorshSerialize for NibblePath {
    fn serialize<W: io::Write>(&self, writer: &mut W) -> io::Result<()> {
        (self.len as u64).serialize(writer)?;
        let bytes = self.packed();
        (bytes.len() as u32).serialize(writer)?;
        writer.write_all(bytes)
    }
}

impl BorshDeserialize for NibblePath {
    fn deserialize_reader<R: io::Read>(reader: &mut R) -> io::Result<Self> {
        let len = u64::deserialize_reader(reader)?;
        let byte_len = u32::deserialize_reader(reader)? as usize;
        if len > MAX_NIBBLES as u64 || byte_len != (len as usize).div_ceil(2) {
            return Err(invalid(format!("nibble path of {len} nibbles in {byte_len} bytes")));
        }
        let mut path = NibblePath { len: len as u8, bytes: [0; 32] };
        reader.read_exact(&mut path.bytes[..byte_len])?;
        if len % 2 == 1 && path.bytes[byte_len - 1] & 0x0f != 0 {
            return Err(invalid("nibble path with a stray trailing nibble".into()));
        }
        Ok(path)
    }
}

fn invalid(detail: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, detail)
}

/// Names one immutable node: the version that wrote it and its position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct NodeKey {
    pub version: Version,
    pub path: NibblePath,
}

impl NodeKey {
    pub fn root(version: Version) -> NodeKey {
        NodeKey { version, path: NibblePath::ROOT }
    }
}

/// What an internal node records of a child: enough to hash the parent and find the child.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Child {
    pub hash: [u8; 32],
    /// The version that wrote the child; with the parent's path and the child's nibble, its key.
    pub version: Version,
    pub kind: ChildKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum ChildKind {
    Leaf,
    Internal { leaf_count: u64 },
}

impl Child {
    fn leaf_count(&self) -> u64 {
        match self.kind {
            ChildKind::Leaf => 1,
            ChildKind::Internal { leaf_count } => leaf_count,
        }
    }

    fn is_leaf(&self) -> bool {
        self.kind == ChildKind::Leaf
    }
}

/// Up to 16 children, by nibble. Invariant (checked when decoding): at least one child, and a
/// single child is never a leaf (it would have taken this node's place).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InternalNode {
    /// Boxed so that a leaf, half of all nodes, does not take an internal node's 900 bytes.
    children: Box<[Option<Child>; 16]>,
    leaf_count: u64,
}

impl InternalNode {
    /// Saturates rather than overflows: decoding refuses counts whose sum overflows, so only a
    /// node built from a tree of more than 2^64 leaves could reach the limit.
    fn new(children: Box<[Option<Child>; 16]>) -> InternalNode {
        let leaf_count = sum_leaf_counts(&children).unwrap_or(u64::MAX);
        InternalNode { children, leaf_count }
    }

    pub fn child(&self, nibble: u8) -> Option<&Child> {
        self.children[nibble as usize].as_ref()
    }

    pub fn leaf_count(&self) -> u64 {
        self.leaf_count
    }

    /// jmt's hash: the 16 children as the bottom of a 4-level binary tree, where an empty range
    /// hashes to the placeholder and a range holding a single leaf is that leaf's hash.
    pub fn hash(&self) -> [u8; 32] {
        let (mut present, mut leaves) = (0u16, 0u16);
        for (nibble, child) in self.children.iter().enumerate() {
            if let Some(child) = child {
                present |= 1 << nibble;
                if child.is_leaf() {
                    leaves |= 1 << nibble;
                }
            }
        }
        self.range_hash(0, 16, present, leaves)
    }

    fn range_hash(&self, start: u8, width: u8, present: u16, leaves: u16) -> [u8; 32] {
        let mask = (((1u32 << width) - 1) << start) as u16;
        let (present, leaves) = (present & mask, leaves & mask);
        if present == 0 {
            PLACEHOLDER_HASH
        } else if width == 1 || (present.count_ones() == 1 && leaves != 0) {
            // Present bits always name children.
            self.children[present.trailing_zeros() as usize].as_ref().map_or(PLACEHOLDER_HASH, |c| c.hash)
        } else {
            let half = width / 2;
            let left = self.range_hash(start, half, present, leaves);
            let right = self.range_hash(start + half, half, present, leaves);
            let mut hasher = Sha256::new();
            hasher.update(INTERNAL_DOMAIN);
            hasher.update(left);
            hasher.update(right);
            hasher.finalize().into()
        }
    }
}

/// jmt's encoding: 16 borsh `Option<Child>`, the child count as a u64, the leaf count as a u64.
impl BorshSerialize for InternalNode {
    fn serialize<W: io::Write>(&self, writer: &mut W) -> io::Result<()> {
        for child in self.children.iter() {
            child.serialize(writer)?;
        }
        (self.children.iter().flatten().count() as u64).serialize(writer)?;
        self.leaf_count.serialize(writer)
    }
}

impl BorshDeserialize for InternalNode {
    fn deserialize_reader<R: io::Read>(reader: &mut R) -> io::Result<Self> {
        let mut children = Box::new([None; 16]);
        for child in children.iter_mut() {
            *child = Option::<Child>::deserialize_reader(reader)?;
        }
        let count = u64::deserialize_reader(reader)?;
        let leaf_count = u64::deserialize_reader(reader)?;
        let summed = sum_leaf_counts(&children)
            .ok_or_else(|| invalid("internal node whose children's leaf counts overflow".into()))?;
        let node = InternalNode { children, leaf_count: summed };
        let actual = node.children.iter().flatten().count() as u64;
        if count != actual || leaf_count != summed {
            return Err(invalid(format!(
                "internal node says {count} children and {leaf_count} leaves, holds {actual} and {summed}"
            )));
        }
        let single_leaf = actual == 1 && node.children.iter().flatten().all(Child::is_leaf);
        if actual == 0 || single_leaf {
            return Err(invalid(format!(
                "internal node with {actual} children (a lone leaf: {single_leaf})"
            )));
        }
        Ok(node)
    }
}

fn sum_leaf_counts(children: &[Option<Child>; 16]) -> Option<u64> {
    children.iter().flatten().try_fold(0u64, |sum, child| sum.checked_add(child.leaf_count()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct LeafNode {
    pub key_hash: KeyHash,
    pub value_hash: ValueHash,
}

impl LeafNode {
    pub fn hash(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(LEAF_DOMAIN);
        hasher.update(self.key_hash.0);
        hasher.update(self.value_hash.0);
        hasher.finalize().into()
    }
}

/// A tree node, encoded as jmt encodes its `Node` (variant 0 empty tree, 1 internal, 2 leaf).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum Node {
    /// The root of an empty tree.
    Null,
    Internal(InternalNode),
    Leaf(LeafNode),
}

impl Node {
    pub fn hash(&self) -> [u8; 32] {
        match self {
            Node::Null => PLACEHOLDER_HASH,
            Node::Internal(n) => n.hash(),
            Node::Leaf(l) => l.hash(),
        }
    }
}

/// One key's change: a new value's hash, or `None` to delete.
pub type KeyChange = (KeyHash, Option<ValueHash>);

/// The nodes one version wrote, and its root hash.
pub struct VersionUpdate {
    pub root: [u8; 32],
    /// In key order, which is also the order of their stored keys (version, then nibble count,
    /// then path): RocksDB inserts a batch into its memtable fastest in that order.
    pub nodes: Vec<(NodeKey, Arc<Node>)>,
}

/// A subtree after an update.
enum Outcome {
    Unchanged,
    Removed,
    /// A new node for the subtree's position, not yet placed: its parent decides where it goes
    /// (a lone leaf moves up into its parent's place).
    Written {
        node: Arc<Node>,
        hash: [u8; 32],
    },
}

impl Outcome {
    fn leaf(leaf: LeafNode) -> Outcome {
        Outcome::Written { hash: leaf.hash(), node: Arc::new(Node::Leaf(leaf)) }
    }
}

type ReadNode<'a> = dyn Fn(&NodeKey) -> Result<Option<Arc<Node>>, StoreError> + 'a;

struct Update<'a> {
    read: &'a ReadNode<'a>,
    version: Version,
    /// New nodes by depth. The walk goes left to right, so each depth's list is in path order,
    /// and depth after depth the lists are in key order (see `VersionUpdate::nodes`).
    written: Vec<Vec<(NodeKey, Arc<Node>)>>,
}

impl Update<'_> {
    fn write(&mut self, key: NodeKey, node: Arc<Node>) {
        let depth = key.path.len();
        if self.written.len() <= depth {
            self.written.resize_with(depth + 1, Vec::new);
        }
        self.written[depth].push((key, node));
    }
}

/// Applies `changes` (sorted by key hash, each key once) to the tree whose root is at
/// `version - 1` (the empty tree for version 0), writing `version`. Matches what jmt writes:
/// key-by-key for deletions, `batch_put_value_sets` for insertions (the two are only ever mixed
/// across versions, see `state::apply_changes`), and a copy of the root when nothing changed,
/// so that every version has a root.
pub fn update_version(
    read: &ReadNode<'_>,
    version: Version,
    changes: &[KeyChange],
) -> Result<VersionUpdate, StoreError> {
    debug_assert!(changes.windows(2).all(|w| w[0].0 < w[1].0), "changes sorted and unique");
    let root_key = NodeKey::root(version);
    let base = match version.checked_sub(1) {
        None => Arc::new(Node::Null),
        Some(previous) => read(&NodeKey::root(previous))?
            .ok_or_else(|| StoreError(format!("the state tree has no root at version {previous}")))?,
    };
    let mut update = Update { read, version, written: Vec::new() };
    let outcome = update.subtree(&base, NibblePath::ROOT, changes)?;
    let (root, node) = match outcome {
        Outcome::Written { node, hash } => (hash, node),
        Outcome::Removed => (PLACEHOLDER_HASH, Arc::new(Node::Null)),
        Outcome::Unchanged => (base.hash(), base),
    };
    update.write(root_key, node);
    let nodes: Vec<_> = update.written.into_iter().flatten().collect();
    debug_assert!(nodes.windows(2).all(|w| w[0].0 < w[1].0), "nodes in key order");
    Ok(VersionUpdate { root, nodes })
}

impl Update<'_> {
    /// The subtree at `path`, now `node`, after `changes` (all of whose keys start with `path`).
    fn subtree(
        &mut self,
        node: &Node,
        path: NibblePath,
        changes: &[KeyChange],
    ) -> Result<Outcome, StoreError> {
        match node {
            Node::Null if !path.is_empty() => {
                Err(StoreError(format!("an empty-tree node below the root, at {path:?}")))
            }
            Node::Null if changes.iter().all(|(_, value)| value.is_none()) => Ok(Outcome::Unchanged),
            Node::Null => self.create(path, &inserts(changes)),
            Node::Leaf(leaf) => self.at_leaf(leaf, path, changes),
            Node::Internal(internal) => self.at_internal(internal, path, changes),
        }
    }

    fn at_leaf(
        &mut self,
        leaf: &LeafNode,
        path: NibblePath,
        changes: &[KeyChange],
    ) -> Result<Outcome, StoreError> {
        let mut entries = inserts(changes);
        let own_change = changes.iter().find(|(key, _)| *key == leaf.key_hash);
        if own_change.is_none() {
            if entries.is_empty() {
                // Only deletions of keys that are not here.
                return Ok(Outcome::Unchanged);
            }
            let at = entries.partition_point(|(key, _)| *key < leaf.key_hash);
            entries.insert(at, (leaf.key_hash, leaf.value_hash));
        }
        // A split rewrites the existing leaf at its new, deeper place, as jmt does.
        self.create(path, &entries)
    }

    fn at_internal(
        &mut self,
        internal: &InternalNode,
        path: NibblePath,
        changes: &[KeyChange],
    ) -> Result<Outcome, StoreError> {
        let depth = path.len();
        if depth >= MAX_NIBBLES {
            return Err(StoreError(format!("an internal node below the deepest level, at {path:?}")));
        }
        let mut children = internal.children.clone();
        let mut new_nodes: [Option<Arc<Node>>; 16] = Default::default();
        let mut changed = false;
        for (nibble, group) in by_nibble(changes, depth) {
            let child_path = path.child(nibble);
            let outcome = match internal.child(nibble) {
                Some(child) => {
                    let child_node = self.read_node(&NodeKey { version: child.version, path: child_path })?;
                    self.subtree(&child_node, child_path, group)?
                }
                // Deleting an absent key changes nothing.
                None if group.iter().all(|(_, value)| value.is_none()) => Outcome::Unchanged,
                None => self.create(child_path, &inserts(group))?,
            };
            match outcome {
                Outcome::Unchanged => {}
                Outcome::Removed => {
                    children[nibble as usize] = None;
                    changed = true;
                }
                Outcome::Written { node, hash } => {
                    children[nibble as usize] =
                        Some(Child { hash, version: self.version, kind: kind_of(&node) });
                    new_nodes[nibble as usize] = Some(node);
                    changed = true;
                }
            }
        }
        if !changed {
            return Ok(Outcome::Unchanged);
        }
        let mut remaining = children.iter().enumerate().filter_map(|(n, c)| c.map(|c| (n, c)));
        let only = match (remaining.next(), remaining.next()) {
            (None, _) => return Ok(Outcome::Removed),
            (Some(only), None) => Some(only),
            _ => None,
        };
        if let Some((nibble, child)) = only {
            if child.is_leaf() {
                // A lone leaf takes this node's place, as after a deletion in jmt.
                let leaf = match new_nodes[nibble].take() {
                    Some(node) => node,
                    None => {
                        self.read_node(&NodeKey { version: child.version, path: path.child(nibble as u8) })?
                    }
                };
                if !matches!(*leaf, Node::Leaf(_)) {
                    return Err(StoreError(format!("a child at {path:?} recorded as a leaf is not one")));
                }
                return Ok(Outcome::Written { node: leaf, hash: child.hash });
            }
        }
        for (nibble, node) in new_nodes.into_iter().enumerate() {
            if let Some(node) = node {
                self.write(NodeKey { version: self.version, path: path.child(nibble as u8) }, node);
            }
        }
        let node = InternalNode::new(children);
        Ok(Outcome::Written { hash: node.hash(), node: Arc::new(Node::Internal(node)) })
    }

    /// A new subtree at `path` holding exactly `entries` (sorted, all below `path`).
    fn create(&mut self, path: NibblePath, entries: &[(KeyHash, ValueHash)]) -> Result<Outcome, StoreError> {
        match entries {
            [] => Ok(Outcome::Removed),
            [(key_hash, value_hash)] => {
                Ok(Outcome::leaf(LeafNode { key_hash: *key_hash, value_hash: *value_hash }))
            }
            _ => {
                let depth = path.len();
                if depth >= MAX_NIBBLES {
                    return Err(StoreError("two entries for one key hash in a tree update".into()));
                }
                let mut children = Box::new([None; 16]);
                for (nibble, group) in by_nibble(entries, depth) {
                    let child_path = path.child(nibble);
                    if let Outcome::Written { node, hash } = self.create(child_path, group)? {
                        children[nibble as usize] =
                            Some(Child { hash, version: self.version, kind: kind_of(&node) });
                        self.write(NodeKey { version: self.version, path: child_path }, node);
                    }
                }
                let node = InternalNode::new(children);
                Ok(Outcome::Written { hash: node.hash(), node: Arc::new(Node::Internal(node)) })
            }
        }
    }

    fn read_node(&self, key: &NodeKey) -> Result<Arc<Node>, StoreError> {
        (self.read)(key)?.ok_or_else(|| StoreError(format!("the state tree lacks node {key:?}")))
    }
}

fn kind_of(node: &Node) -> ChildKind {
    match node {
        Node::Internal(n) => ChildKind::Internal { leaf_count: n.leaf_count },
        // A child is never the empty tree.
        Node::Leaf(_) | Node::Null => ChildKind::Leaf,
    }
}

fn inserts(changes: &[KeyChange]) -> Vec<(KeyHash, ValueHash)> {
    changes.iter().filter_map(|(key, value)| value.map(|v| (*key, v))).collect()
}

/// Splits key-sorted items into runs sharing the nibble at `depth`.
fn by_nibble<T>(items: &[(KeyHash, T)], depth: usize) -> impl Iterator<Item = (u8, &[(KeyHash, T)])> {
    let mut rest = items;
    std::iter::from_fn(move || {
        let (first, _) = rest.first()?;
        let nibble = first.nibble(depth);
        let end = rest.partition_point(|(key, _)| key.nibble(depth) <= nibble);
        let (group, tail) = rest.split_at(end);
        rest = tail;
        Some((nibble, group))
    })
}

/// The root hash of `version`, from its root node.
pub fn root_hash(read: &ReadNode<'_>, version: Version) -> Result<[u8; 32], StoreError> {
    let root = read(&NodeKey::root(version))?
        .ok_or_else(|| StoreError(format!("the state tree has no root at version {version}")))?;
    Ok(root.hash())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_grow_nibble_by_nibble_and_encode_as_jmt_does() {
        let path = NibblePath::ROOT.child(0xa).child(0xb).child(0xa);
        assert_eq!(path.len(), 3);
        assert_eq!(format!("{path:?}"), "aba");
        assert_eq!(
            borsh::to_vec(&path).unwrap(),
            [&3u64.to_le_bytes()[..], &2u32.to_le_bytes(), &[0xab, 0xa0]].concat()
        );
        assert_eq!(borsh::from_slice::<NibblePath>(&borsh::to_vec(&path).unwrap()).unwrap(), path);
    }

    /// A store missing a node the tree refers to, or holding an empty-tree node below the
    /// root, makes the update fail with an error naming it, never panic or invent a root.
    #[test]
    fn a_damaged_tree_is_an_error() {
        use std::collections::BTreeMap;
        let mut nodes: BTreeMap<NodeKey, Arc<Node>> = BTreeMap::new();
        let changes: Vec<KeyChange> = {
            let mut c: Vec<KeyChange> =
                (0u8..40).map(|i| (KeyHash::of(&[i]), Some(ValueHash::of(&[i, i])))).collect();
            c.sort_by_key(|(k, _)| *k);
            c
        };
        for version in 0..2 {
            let read = |k: &NodeKey| Ok(nodes.get(k).cloned());
            let update = update_version(&read, version, if version == 1 { &changes } else { &[] }).unwrap();
            nodes.extend(update.nodes);
        }
        let clean = nodes.clone();
        let read = |k: &NodeKey| Ok(clean.get(k).cloned());
        let fine = update_version(&read, 2, &changes[..1]).unwrap();
        assert_ne!(fine.root, PLACEHOLDER_HASH);

        // Drop every node below the root: the update must say what is missing.
        let root_only: BTreeMap<NodeKey, Arc<Node>> =
            nodes.iter().filter(|(k, _)| k.path.is_empty()).map(|(k, n)| (*k, n.clone())).collect();
        let read = |k: &NodeKey| Ok(root_only.get(k).cloned());
        let err = update_version(&read, 2, &changes[..1]).err().expect("a missing node is an error");
        assert!(err.0.contains("lacks node"), "{err}");

        // An empty-tree node where an internal node's child should be.
        let mut null_child = nodes.clone();
        for (key, node) in null_child.iter_mut() {
            if key.path.len() == 1 {
                *node = Arc::new(Node::Null);
            }
        }
        let read = |k: &NodeKey| Ok(null_child.get(k).cloned());
        let err = update_version(&read, 2, &changes[..1]).err().expect("a misplaced empty node is an error");
        assert!(err.0.contains("below the root"), "{err}");

        // No root at the version below.
        let read = |_: &NodeKey| Ok(None);
        assert!(update_version(&read, 5, &changes).is_err());
        assert!(root_hash(&read, 5).is_err());
    }

    #[test]
    fn hostile_encodings_are_refused() {
        let stray = [&1u64.to_le_bytes()[..], &1u32.to_le_bytes(), &[0xab]].concat();
        assert!(borsh::from_slice::<NibblePath>(&stray).is_err());
        let too_long = [&65u64.to_le_bytes()[..], &33u32.to_le_bytes(), &[0; 33]].concat();
        assert!(borsh::from_slice::<NibblePath>(&too_long).is_err());
        let wrong_len = [&2u64.to_le_bytes()[..], &2u32.to_le_bytes(), &[0, 0]].concat();
        assert!(borsh::from_slice::<NibblePath>(&wrong_len).is_err());
        // An internal node with no children, and one whose counts lie.
        let empty = [&[1u8][..], &[0; 16], &0u64.to_le_bytes(), &0u64.to_le_bytes()].concat();
        assert!(borsh::from_slice::<Node>(&empty).is_err());
        let child = Child { hash: [7; 32], version: 3, kind: ChildKind::Internal { leaf_count: 2 } };
        let mut lying = vec![1u8];
        lying.extend(borsh::to_vec(&Some(child)).unwrap());
        lying.extend([0; 15]);
        lying.extend(1u64.to_le_bytes());
        lying.extend(5u64.to_le_bytes());
        assert!(borsh::from_slice::<Node>(&lying).is_err());
        // Leaf counts whose sum overflows: an error, not an arithmetic panic.
        let huge = Child { hash: [7; 32], version: 3, kind: ChildKind::Internal { leaf_count: u64::MAX } };
        let mut overflowing = vec![1u8];
        overflowing.extend(borsh::to_vec(&Some(huge)).unwrap());
        overflowing.extend(borsh::to_vec(&Some(huge)).unwrap());
        overflowing.extend([0; 14]);
        overflowing.extend(2u64.to_le_bytes());
        overflowing.extend(u64::MAX.to_le_bytes());
        assert!(borsh::from_slice::<Node>(&overflowing).is_err());
        assert!(borsh::from_slice::<Node>(&[9]).is_err());
        assert!(borsh::from_slice::<Node>(&[2, 1, 2]).is_err());
    }
}
