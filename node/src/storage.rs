//! The only RocksDB user. One column family per kind of record; a block, its receipts, its
//! commit certificate and all its state changes are written in one atomic, synced write batch,
//! so a crash at any instant leaves the database at the last committed block.
use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use crate::bounded::Bounded;
use borsh::{BorshDeserialize, BorshSerialize};
use rocksdb::{BlockBasedOptions, Cache, ColumnFamilyDescriptor, Options, WriteBatch, WriteOptions, DB};
use scf_primitives::{Block, BlockHeader, Hash, Height, Receipt, SignedTransaction};
use scf_runtime::{
    merkle::{Node, NodeKey},
    StateStore, StateUpdate, StoreError,
};

/// Column families. Names are persisted: never rename one, only add.
mod col {
    pub const META: &str = "meta";
    pub const BLOCKS: &str = "blocks";
    pub const BLOCK_BY_HASH: &str = "block_by_hash";
    pub const TX_INDEX: &str = "tx_index";
    pub const RECEIPTS: &str = "receipts";
    pub const CERTIFICATES: &str = "certificates";
    pub const STATE: &str = "state";
    pub const JMT_NODES: &str = "jmt_nodes";
    /// Proposed blocks not yet decided (height ‖ hash → block), so that a decision recorded in
    /// the consensus WAL before a crash can still be applied after restart.
    pub const UNDECIDED: &str = "undecided";
    /// The transaction pool (hash → transaction), so that a transaction RPC acknowledged is
    /// still pending after the node restarts. Added without a schema change: an older database
    /// gets it, empty, when opened. Its memtable is a vector (`column_options`): read it only
    /// at start; a point read or an iterator copies and sorts the whole memtable.
    pub const PENDING: &str = "pending";
    /// The readers' index (`crate::index`): keys only, built behind the head by a background
    /// task, never read by consensus. Added without a schema change: an older database gets
    /// it empty and the task builds it from genesis.
    pub const READER_INDEX: &str = "reader_index";
    pub const ALL: [&str; 11] = [
        META,
        BLOCKS,
        BLOCK_BY_HASH,
        TX_INDEX,
        RECEIPTS,
        CERTIFICATES,
        STATE,
        JMT_NODES,
        UNDECIDED,
        PENDING,
        READER_INDEX,
    ];
}

const HEAD_KEY: &[u8] = b"head";
const SCHEMA_KEY: &[u8] = b"schema_version";
const CHAIN_ID_KEY: &[u8] = b"chain_id";
const DEV_TIME_OFFSET_KEY: &[u8] = b"dev_time_offset_ms";
const INDEXED_HEIGHT_KEY: &[u8] = b"indexed_height";
/// 2: the transaction index also records where each transaction lies in its block's bytes.
/// 3: the Merkle tree takes two versions per block (see `scf_runtime::state`).
/// 4: the tree's values are no longer stored a second time beside the state (`jmt_values`).
/// 5: Merkle node keys put the version first, big-endian (`node_key_bytes`).
/// 6: receipts carry events' parties and subjects and contract error codes (ADR 0008).
const SCHEMA_VERSION: u32 = 6;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("rocksdb: {0}")]
    Db(#[from] rocksdb::Error),
    #[error("corrupt record in column {column}: {detail}")]
    Corrupt { column: &'static str, detail: String },
    #[error(
        "database schema version {found} is not supported (expected {SCHEMA_VERSION}): the data directory \
         was written by another scf-node release; move it aside and let the node sync from its peers \
         (a dev chain starts afresh)"
    )]
    Schema { found: u32 },
    #[error("database belongs to chain {found:?}, not {expected:?}")]
    WrongChain { found: String, expected: String },
}

impl From<StorageError> for StoreError {
    fn from(e: StorageError) -> StoreError {
        StoreError(e.to_string())
    }
}

/// Where a transaction landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxLocation {
    pub height: Height,
    pub index: u32,
    /// Byte range of the transaction within the block's stored encoding, so that reading one
    /// transaction does not decode the whole block.
    pub offset: u32,
    pub len: u32,
}

#[derive(Clone)]
pub struct Storage {
    db: Arc<DB>,
    nodes: Arc<Mutex<NodeCache>>,
    values: Arc<Mutex<ValueCache>>,
}

/// Decoded Merkle nodes recently committed or read. The next block's tree update reads mostly
/// nodes the previous blocks wrote (the upper levels every time), and a RocksDB lookup plus a
/// borsh decode per node was a quarter of the state-root computation. A node key (version,
/// path) names one immutable node once its block is committed, so the cache only ever holds
/// committed nodes (never those of an undecided block) and needs no invalidation while nodes
/// are never deleted; pruning, when it comes, must evict what it deletes.
type NodeCache = Bounded<NodeKey, Arc<Node>, NODE_CACHE_ENTRIES>;

/// Nodes kept: about 100–200 MiB at the size of a full internal node (nodes are at most that
/// size, so the count bounds the bytes).
const NODE_CACHE_ENTRIES: usize = 262_144;

/// Recently read or committed state values (and absences). Execution reads the same keys again
/// and again (member records, lists, counters), and a RocksDB lookup slows as the memtables and
/// level-0 files grow: in the block-path benchmark, Wasm execution went from 75 to 130 ms per
/// 1,000 transfers over 40 blocks without it.
///
/// Coherence: a commit writes the database first, then puts every changed key here and bumps
/// `generation`. A reader that missed inserts what it read only if no commit ran meanwhile, so
/// a value read just before a commit can never outlive it here.
struct ValueCache {
    entries: Bounded<Vec<u8>, Option<Vec<u8>>, VALUE_CACHE_ENTRIES>,
    generation: u64,
}

impl Default for ValueCache {
    fn default() -> Self {
        ValueCache { entries: Bounded::with_max_bytes(VALUE_CACHE_BYTES), generation: 0 }
    }
}

/// Values kept: tens of MiB at typical value sizes; values can be up to 64 KiB (contract
/// storage) or 1 MiB (code), so their keys and values are also bounded in bytes.
const VALUE_CACHE_ENTRIES: usize = 262_144;
const VALUE_CACHE_BYTES: usize = 128 << 20;

/// What a cached value weighs.
fn value_weight(key: &[u8], value: &Option<Vec<u8>>) -> usize {
    key.len() + value.as_ref().map_or(0, Vec::len) + 64
}

fn height_key(h: Height) -> [u8; 8] {
    h.to_be_bytes()
}

fn decode<T: BorshDeserialize>(column: &'static str, bytes: &[u8]) -> Result<T, StorageError> {
    borsh::from_slice(bytes).map_err(|e| StorageError::Corrupt { column, detail: e.to_string() })
}

fn encode<T: borsh::BorshSerialize>(value: &T) -> Vec<u8> {
    borsh::to_vec(value).expect("borsh into Vec is infallible")
}

/// A Merkle node's RocksDB key: the version (the block that wrote the node) big-endian, then the
/// nibble count and the packed nibbles. Versions only grow, so every block's nodes sort after all
/// earlier ones: flushed files never overlap older data and RocksDB moves them down the levels
/// without rewriting them. Borsh's little-endian version scattered each block across the whole
/// key space, and every compaction rewrote the level below (0.9 s of CPU per node for one
/// 240 MB compaction, started on all four validators of a localnet at once).
fn node_key_bytes(key: &NodeKey, out: &mut Vec<u8>) {
    out.extend_from_slice(&key.version.to_be_bytes());
    out.push(key.path.len() as u8);
    out.extend_from_slice(key.path.packed());
}

/// About what `commit_block` writes for `block` and `update`: an estimate, since encoding
/// everything twice to measure it would cost more than a last doubling of the batch.
fn estimated_batch_bytes(block: &Block, update: &StateUpdate) -> usize {
    // A block's tree nodes average about 500 bytes (a full internal node is 800, a leaf 70);
    // a transfer is about 250 bytes in the block, its receipt and index as much again.
    let changes: usize =
        update.changes.iter().map(|(k, v)| k.len() + v.as_ref().map_or(0, Vec::len) + 16).sum();
    changes + update.nodes.len() * 560 + block.transactions.len() * 600 + 4096
}

/// RocksDB's block cache, shared by all column families.
const BLOCK_CACHE_BYTES: usize = 256 << 20;

/// Most write-ahead log kept on disk. A log file can go only once every column family has
/// flushed what it holds, and the small ones (meta, certificates) fill their memtables slowly, so
/// RocksDB's default (four times all memtables: gigabytes here) let a minute of load leave 2 GB
/// of logs behind, all replayed at the next start. Past this, RocksDB flushes the column families
/// that pin the oldest log.
const MAX_TOTAL_WAL_BYTES: u64 = 256 << 20;

/// Every read of execution is a point lookup (state keys, Merkle nodes, receipts by hash). Bloom
/// filters let a lookup skip the SST files that cannot hold the key; without them each miss in
/// the memtable probed every level-0 file, and sustained runs slowed as files accumulated.
/// Index and filter blocks live in the shared cache, so memory stays bounded by it.
///
/// Compression: flushing memtables took 5–7 % of the machine with four validators, about half
/// of it LZ4. Merkle nodes are mostly hashes, which do not compress, so that column family is stored
/// as is; the others are compressed only below level 1, where data settles, not in the level-0
/// and level-1 files that compaction soon rewrites.
fn column_options(cache: &Cache, name: &str) -> Options {
    use rocksdb::DBCompressionType::{Lz4, None as Plain};
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(cache);
    table.set_bloom_filter(10.0, false);
    table.set_cache_index_and_filter_blocks(true);
    table.set_pin_l0_filter_and_index_blocks_in_cache(true);
    let mut opts = Options::default();
    opts.set_block_based_table_factory(&table);
    if name == col::JMT_NODES {
        opts.set_compression_type(Plain);
    } else {
        opts.set_compression_per_level(&[Plain, Plain, Lz4, Lz4, Lz4, Lz4, Lz4]);
    }
    if name == col::PENDING {
        // The pool's records are written (one per admitted transaction, deleted once committed)
        // and read back only at start. A skip-list memtable paid a random-key insertion into
        // hundreds of thousands of entries for each; a vector memtable appends, and sorts once
        // when it is flushed or read.
        opts.set_memtable_factory(rocksdb::MemtableFactory::Vector);
    }
    opts
}

impl Storage {
    /// Opens (creating if needed) the database at `path` for chain `chain_id`.
    pub fn open(path: &Path, chain_id: &str) -> Result<Storage, StorageError> {
        Storage::open_with_wal_limit(path, chain_id, MAX_TOTAL_WAL_BYTES)
    }

    fn open_with_wal_limit(path: &Path, chain_id: &str, max_wal_bytes: u64) -> Result<Storage, StorageError> {
        let mut opts = Options::default();
        opts.set_max_total_wal_size(max_wal_bytes);
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        // A damaged record in the middle of the write-ahead log is an error at open. RocksDB's
        // default (point-in-time recovery) replays up to the damage and opens a database that
        // silently lacks every block committed after it: a node then served a shorter chain as
        // the truth (test `a_corrupted_database_log_is_refused_not_replayed_in_part`). Only a
        // record cut short at the very end (a crash mid-write of an unsynced pool record) is
        // tolerated.
        opts.set_wal_recovery_mode(rocksdb::DBRecoveryMode::TolerateCorruptedTailRecords);
        opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
        // Required by the pool records' vector memtable (`column_options`). Each write group's
        // leader inserts its group's batches alone; commits are one batch from one thread.
        opts.set_allow_concurrent_memtable_write(false);
        let cache = Cache::new_lru_cache(BLOCK_CACHE_BYTES);
        // Column families of another schema are opened too (RocksDB refuses to open a database
        // without all of them), so that the schema check below can say what is wrong.
        let mut names: Vec<String> = col::ALL.iter().map(|n| n.to_string()).collect();
        for existing in DB::list_cf(&opts, path).unwrap_or_default() {
            if !names.contains(&existing) {
                names.push(existing);
            }
        }
        let cfs = names.iter().map(|name| ColumnFamilyDescriptor::new(name, column_options(&cache, name)));
        let db = DB::open_cf_descriptors(&opts, path, cfs)?;
        let storage = Storage { db: Arc::new(db), nodes: Default::default(), values: Default::default() };
        match storage.meta(SCHEMA_KEY)? {
            Some(v) => {
                let found = u32::from_le_bytes(v.as_slice().try_into().map_err(|_| {
                    StorageError::Corrupt { column: col::META, detail: "schema version".into() }
                })?);
                if found != SCHEMA_VERSION {
                    return Err(StorageError::Schema { found });
                }
            }
            None => {
                let mut batch = WriteBatch::default();
                batch.put_cf(storage.cf(col::META), SCHEMA_KEY, SCHEMA_VERSION.to_le_bytes());
                batch.put_cf(storage.cf(col::META), CHAIN_ID_KEY, chain_id.as_bytes());
                storage.write(batch)?;
            }
        }
        if let Some(found) = storage.meta(CHAIN_ID_KEY)? {
            let found = String::from_utf8_lossy(&found).into_owned();
            if found != chain_id {
                return Err(StorageError::WrongChain { found, expected: chain_id.to_string() });
            }
        }
        Ok(storage)
    }

    fn lock_nodes(&self) -> std::sync::MutexGuard<'_, NodeCache> {
        self.nodes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_values(&self) -> std::sync::MutexGuard<'_, ValueCache> {
        self.values.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cf(&self, name: &str) -> &rocksdb::ColumnFamily {
        // Every column family in col::ALL is created at open.
        self.db.cf_handle(name).expect("column family created at open")
    }

    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get_cf(self.cf(col::META), key)?)
    }

    /// Writes every column family's memtable to its table files. At a clean shutdown: the next
    /// start then replays no write-ahead log, and what the node committed sits in table files,
    /// where RocksDB checks a checksum on every block it reads.
    pub fn flush(&self) -> Result<(), StorageError> {
        let cfs: Vec<_> = col::ALL.iter().map(|name| self.cf(name)).collect();
        Ok(self.db.flush_cfs_opt(&cfs, &rocksdb::FlushOptions::default())?)
    }

    fn write(&self, batch: WriteBatch) -> Result<(), StorageError> {
        let mut wo = WriteOptions::default();
        // fsync the WAL: a decided block must survive power loss, not only a process kill.
        wo.set_sync(true);
        Ok(self.db.write_opt(batch, &wo)?)
    }

    /// Records admitted transactions (their encodings) as pending. Not synced, unlike commits: it
    /// survives the process dying at any point (the write is in RocksDB's log when this returns),
    /// not a power failure; a client that saw no block resends, and the nonce makes that safe.
    pub fn put_pending<'a>(
        &self,
        records: impl IntoIterator<Item = (&'a Hash, &'a [u8])>,
    ) -> Result<(), StorageError> {
        // One write for a whole admitted batch: each write is a trip through RocksDB's write
        // group and WAL, which cost more than the record itself.
        let mut batch = WriteBatch::default();
        for (hash, encoded) in records {
            batch.put_cf(self.cf(col::PENDING), hash.0, encoded);
        }
        if batch.is_empty() {
            return Ok(());
        }
        Ok(self.db.write(batch)?)
    }

    /// Forgets pending transactions (committed, expired, evicted or refused).
    pub fn delete_pending(&self, hashes: &[Hash]) -> Result<(), StorageError> {
        if hashes.is_empty() {
            return Ok(());
        }
        let mut batch = WriteBatch::default();
        for hash in hashes {
            batch.delete_cf(self.cf(col::PENDING), hash.0);
        }
        Ok(self.db.write(batch)?)
    }

    /// Every recorded pending transaction. A record that does not decode is skipped and deleted
    /// (it can only be a damaged one: nothing else writes there).
    pub fn pending(&self) -> Result<Vec<(Hash, SignedTransaction)>, StorageError> {
        let mut out = Vec::new();
        let mut damaged = Vec::new();
        for item in self.db.iterator_cf(self.cf(col::PENDING), rocksdb::IteratorMode::Start) {
            let (key, value) = item?;
            let hash = <[u8; 32]>::try_from(key.as_ref()).map(Hash);
            match (hash, borsh::from_slice::<SignedTransaction>(&value)) {
                (Ok(hash), Ok(tx)) => out.push((hash, tx)),
                (Ok(hash), Err(_)) => damaged.push(hash),
                (Err(_), _) => {
                    self.db.delete_cf(self.cf(col::PENDING), &key)?;
                }
            }
        }
        if !damaged.is_empty() {
            tracing::warn!(target: "scf::storage", count = damaged.len(), "damaged pending-transaction records dropped");
            self.delete_pending(&damaged)?;
        }
        Ok(out)
    }

    /// The dev chain's clock shift (see `dev_advanceTime`), kept across restarts.
    pub fn dev_time_offset(&self) -> Result<u64, StorageError> {
        match self.meta(DEV_TIME_OFFSET_KEY)? {
            Some(v) => Ok(decode(col::META, &v)?),
            None => Ok(0),
        }
    }

    pub fn set_dev_time_offset(&self, offset_ms: u64) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(col::META), DEV_TIME_OFFSET_KEY, encode(&offset_ms));
        self.write(batch)
    }

    /// Height of the last committed block (`None` before genesis is written).
    pub fn head_height(&self) -> Result<Option<Height>, StorageError> {
        match self.meta(HEAD_KEY)? {
            Some(v) => Ok(Some(decode(col::META, &v)?)),
            None => Ok(None),
        }
    }

    pub fn block(&self, height: Height) -> Result<Option<Block>, StorageError> {
        match self.db.get_cf(self.cf(col::BLOCKS), height_key(height))? {
            Some(v) => Ok(Some(decode(col::BLOCKS, &v)?)),
            None => Ok(None),
        }
    }

    /// A block's header alone (borsh lays the header out first).
    pub fn header(&self, height: Height) -> Result<Option<BlockHeader>, StorageError> {
        Ok(self.header_and_count(height)?.map(|(header, _)| header))
    }

    /// A block's header and how many transactions it holds, without decoding them (borsh lays
    /// a block out as header, u32 count, transactions).
    pub fn header_and_count(&self, height: Height) -> Result<Option<(BlockHeader, u32)>, StorageError> {
        // Pinned: the header is read in place, not after copying a block of megabytes.
        let Some(bytes) = self.db.get_pinned_cf(self.cf(col::BLOCKS), height_key(height))? else {
            return Ok(None);
        };
        let mut rest: &[u8] = &bytes;
        let corrupt =
            |e: std::io::Error| StorageError::Corrupt { column: col::BLOCKS, detail: e.to_string() };
        let header = BlockHeader::deserialize(&mut rest).map_err(corrupt)?;
        let count = u32::deserialize(&mut rest).map_err(corrupt)?;
        Ok(Some((header, count)))
    }

    pub fn block_bytes(&self, height: Height) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get_cf(self.cf(col::BLOCKS), height_key(height))?)
    }

    pub fn head_header(&self) -> Result<Option<BlockHeader>, StorageError> {
        match self.head_height()? {
            Some(h) => Ok(self.block(h)?.map(|b| b.header)),
            None => Ok(None),
        }
    }

    pub fn height_of(&self, hash: &Hash) -> Result<Option<Height>, StorageError> {
        match self.db.get_cf(self.cf(col::BLOCK_BY_HASH), hash.0)? {
            Some(v) => Ok(Some(decode(col::BLOCK_BY_HASH, &v)?)),
            None => Ok(None),
        }
    }

    pub fn tx_location(&self, tx_hash: &Hash) -> Result<Option<TxLocation>, StorageError> {
        match self.db.get_cf(self.cf(col::TX_INDEX), tx_hash.0)? {
            Some(v) => {
                let (height, index, offset, len): (Height, u32, u32, u32) = decode(col::TX_INDEX, &v)?;
                Ok(Some(TxLocation { height, index, offset, len }))
            }
            None => Ok(None),
        }
    }

    /// A committed transaction, decoded alone from its block's bytes.
    pub fn transaction(&self, loc: &TxLocation) -> Result<Option<SignedTransaction>, StorageError> {
        let Some(block) = self.block_bytes(loc.height)? else { return Ok(None) };
        let range = loc.offset as usize..(loc.offset as usize + loc.len as usize);
        match block.get(range) {
            Some(bytes) => Ok(Some(decode(col::BLOCKS, bytes)?)),
            None => Err(StorageError::Corrupt {
                column: col::TX_INDEX,
                detail: "location outside its block".into(),
            }),
        }
    }

    pub fn receipt(&self, tx_hash: &Hash) -> Result<Option<Receipt>, StorageError> {
        match self.db.get_cf(self.cf(col::RECEIPTS), tx_hash.0)? {
            Some(v) => Ok(Some(decode(col::RECEIPTS, &v)?)),
            None => Ok(None),
        }
    }

    /// The consensus commit certificate of `height`, as encoded by the consensus layer.
    pub fn certificate(&self, height: Height) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get_cf(self.cf(col::CERTIFICATES), height_key(height))?)
    }

    fn put_state(&self, batch: &mut WriteBatch, update: &StateUpdate) {
        for (k, v) in &update.changes {
            match v {
                Some(v) => batch.put_cf(self.cf(col::STATE), k, v),
                None => batch.delete_cf(self.cf(col::STATE), k),
            }
        }
        // Two buffers reused for every node: a block writes thousands.
        let (mut key_bytes, mut node_bytes) = (Vec::with_capacity(64), Vec::with_capacity(1024));
        for (key, node) in &update.nodes {
            key_bytes.clear();
            node_bytes.clear();
            node_key_bytes(key, &mut key_bytes);
            node.serialize(&mut node_bytes).expect("borsh into Vec is infallible");
            batch.put_cf(self.cf(col::JMT_NODES), &key_bytes, &node_bytes);
        }
    }

    fn put_block(&self, batch: &mut WriteBatch, block: &Block) {
        let h = block.header.height;
        batch.put_cf(self.cf(col::BLOCKS), height_key(h), encode(block));
        batch.put_cf(self.cf(col::BLOCK_BY_HASH), block.hash().0, encode(&h));
        batch.put_cf(self.cf(col::META), HEAD_KEY, encode(&h));
    }

    /// Writes the genesis header and state (height 0).
    pub fn commit_genesis(&self, header: BlockHeader, update: &StateUpdate) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        self.put_state(&mut batch, update);
        self.put_block(&mut batch, &Block { header, transactions: Vec::new() });
        self.write(batch)?;
        self.cache_values(update);
        self.cache_nodes(update);
        Ok(())
    }

    /// A state value through the cache, `read` fetching it from the database on a miss.
    fn read_through(
        &self,
        key: &[u8],
        read: impl FnOnce() -> Result<Option<Vec<u8>>, StoreError>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let generation = {
            let values = self.lock_values();
            if let Some(v) = values.entries.get(key) {
                return Ok(v.clone());
            }
            values.generation
        };
        let value = read()?;
        let mut values = self.lock_values();
        if values.generation == generation {
            values.entries.insert(key.to_vec(), value.clone(), value_weight(key, &value));
        }
        Ok(value)
    }

    /// After a commit's write, before anything reads state again: its values into the value
    /// cache (see `ValueCache` for why this cannot wait).
    fn cache_values(&self, update: &StateUpdate) {
        let mut values = self.lock_values();
        values.generation += 1;
        for (key, value) in &update.changes {
            values.entries.insert(key.clone(), value.clone(), value_weight(key, value));
        }
    }

    /// A committed update's tree nodes into the node cache. May run any time after the commit
    /// (nodes are immutable; a miss meanwhile reads the same node from the database), which is
    /// why `Chain::commit` leaves it to a background thread.
    pub fn cache_nodes(&self, update: &StateUpdate) {
        let mut nodes = self.lock_nodes();
        for (key, node) in &update.nodes {
            nodes.insert(*key, node.clone(), 0);
        }
    }

    /// The height up to which the readers' index is built (0: nothing yet; genesis has no
    /// transactions).
    pub fn indexed_height(&self) -> Result<Height, StorageError> {
        match self.meta(INDEXED_HEIGHT_KEY)? {
            Some(v) => decode(col::META, &v),
            None => Ok(0),
        }
    }

    /// Adds blocks' reader-index entries (key → transaction hash) and records them indexed up to
    /// `height`, atomically. Not synced, unlike commits: the index is rebuilt from the blocks, so
    /// a power failure costs a rebuild of its tail, and the commit path pays no second fsync.
    pub fn put_index(&self, height: Height, entries: &mut [(Vec<u8>, Hash)]) -> Result<(), StorageError> {
        // In key order: the memtable's skip list then finds each entry's place from the previous
        // one's instead of from its top (a block's entries otherwise land all over the keys).
        entries.sort_unstable();
        let mut batch = WriteBatch::default();
        for (key, hash) in entries.iter() {
            batch.put_cf(self.cf(col::READER_INDEX), key, hash.0);
        }
        batch.put_cf(self.cf(col::META), INDEXED_HEIGHT_KEY, encode(&height));
        Ok(self.db.write(batch)?)
    }

    /// Up to `limit` reader-index entries whose key starts with `prefix`, in key order from
    /// `from` (inclusive; at least `prefix`), or in reverse order from just below `from` when
    /// `reverse`.
    pub fn index_entries(
        &self,
        prefix: &[u8],
        from: &[u8],
        reverse: bool,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Hash)>, StorageError> {
        let mode = if reverse {
            rocksdb::IteratorMode::From(from, rocksdb::Direction::Reverse)
        } else {
            rocksdb::IteratorMode::From(from, rocksdb::Direction::Forward)
        };
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(col::READER_INDEX), mode) {
            let (key, value) = item?;
            if reverse && key.as_ref() >= from {
                // A reverse seek lands on `from` itself when it exists: strictly below it.
                continue;
            }
            if !key.starts_with(prefix) || out.len() >= limit {
                break;
            }
            let hash = <[u8; 32]>::try_from(value.as_ref()).map(Hash).map_err(|_| StorageError::Corrupt {
                column: col::READER_INDEX,
                detail: "an entry's value is not a transaction hash".into(),
            })?;
            out.push((key.to_vec(), hash));
        }
        Ok(out)
    }

    /// Atomically commits a decided block with everything it produced. Fills the value cache;
    /// the caller fills the node cache (`cache_nodes`).
    pub fn commit_block(
        &self,
        block: &Block,
        receipts: &[Receipt],
        update: &StateUpdate,
        certificate: &[u8],
    ) -> Result<(), StorageError> {
        // Sized up front: grown by doubling, a batch of megabytes was copied several times over
        // into fresh pages, each faulted in and zeroed.
        let mut batch = WriteBatch::with_capacity_bytes(estimated_batch_bytes(block, update));
        let h = block.header.height;
        self.put_state(&mut batch, update);
        self.put_block(&mut batch, block);
        // Borsh lays a block out as header, u32 count, then each transaction.
        let mut offset = borsh::object_length(&block.header)
            .map_err(|e| StorageError::Corrupt { column: col::BLOCKS, detail: e.to_string() })?
            + 4;
        for (tx, receipt) in block.transactions.iter().zip(receipts) {
            let bytes = encode(tx);
            let hash = scf_primitives::sha256(&bytes);
            let loc = (h, receipt.index, offset as u32, bytes.len() as u32);
            offset += bytes.len();
            batch.put_cf(self.cf(col::TX_INDEX), hash.0, encode(&loc));
            batch.put_cf(self.cf(col::RECEIPTS), hash.0, encode(receipt));
        }
        batch.put_cf(self.cf(col::CERTIFICATES), height_key(h), certificate);
        // Undecided proposals of this height are settled now (those of lower heights were
        // settled by their own commit, or at start: `settle_undecided`). Deleted one by one,
        // not as a range: a range tombstone stays in the memtable until it is flushed, and
        // every new iterator over the column (one per height, to recover this node's own
        // proposal) sorted them all again, a fifteenth of a validator's CPU under load.
        for key in self.undecided_keys(h)? {
            batch.delete_cf(self.cf(col::UNDECIDED), key);
        }
        self.write(batch)?;
        self.cache_values(update);
        Ok(())
    }

    /// Durably records a proposed block before this node votes for it or proposes it.
    pub fn put_undecided(&self, block: &Block) -> Result<(), StorageError> {
        let mut key = height_key(block.header.height).to_vec();
        key.extend_from_slice(&block.hash().0);
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(col::UNDECIDED), key, encode(block));
        self.write(batch)
    }

    /// An undecided block of `height` by hash.
    pub fn undecided(&self, height: Height, hash: &Hash) -> Result<Option<Block>, StorageError> {
        let mut key = height_key(height).to_vec();
        key.extend_from_slice(&hash.0);
        match self.db.get_cf(self.cf(col::UNDECIDED), key)? {
            Some(v) => Ok(Some(decode(col::UNDECIDED, &v)?)),
            None => Ok(None),
        }
    }

    /// The keys of the undecided blocks of `height`.
    fn undecided_keys(&self, height: Height) -> Result<Vec<Box<[u8]>>, StorageError> {
        let mut options = rocksdb::ReadOptions::default();
        options.set_iterate_upper_bound(height_key(height + 1));
        let start = height_key(height);
        let mode = rocksdb::IteratorMode::From(&start, rocksdb::Direction::Forward);
        let mut keys = Vec::new();
        for item in self.db.iterator_cf_opt(self.cf(col::UNDECIDED), options, mode) {
            keys.push(item?.0);
        }
        Ok(keys)
    }

    /// Deletes every undecided block of a height up to `height` (the committed head), at start:
    /// a node stopped between storing a proposal and committing its height leaves them behind.
    pub fn settle_undecided(&self, height: Height) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        batch.delete_range_cf(self.cf(col::UNDECIDED), height_key(0), height_key(height + 1));
        self.write(batch)
    }

    /// All undecided blocks of `height`.
    pub fn undecided_at(&self, height: Height) -> Result<Vec<Block>, StorageError> {
        let prefix = height_key(height);
        let mut out = Vec::new();
        for item in self.db.prefix_iterator_cf(self.cf(col::UNDECIDED), prefix) {
            let (k, v) = item?;
            if !k.starts_with(&prefix) {
                break;
            }
            out.push(decode(col::UNDECIDED, &v)?);
        }
        Ok(out)
    }
}

impl StateStore for Storage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.read_through(key, || {
            self.db.get_cf(self.cf(col::STATE), key).map_err(|e| StoreError(e.to_string()))
        })
    }

    fn merkle_node(&self, key: &NodeKey) -> Result<Option<Arc<Node>>, StoreError> {
        if let Some(node) = self.lock_nodes().get(key) {
            return Ok(Some(node.clone()));
        }
        let mut key_bytes = Vec::with_capacity(48);
        node_key_bytes(key, &mut key_bytes);
        match self.db.get_cf(self.cf(col::JMT_NODES), &key_bytes) {
            Ok(Some(v)) => {
                let node: Arc<Node> = Arc::new(decode(col::JMT_NODES, &v)?);
                self.lock_nodes().insert(*key, node.clone(), 0);
                Ok(Some(node))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(StoreError(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scf_primitives::AccountId;
    use scf_runtime::{apply_changes, StateChanges};

    /// A path of `nibbles`, built through the decoder (the only public way to name a path).
    fn nibble_path(nibbles: &[u8]) -> scf_runtime::merkle::NibblePath {
        let mut packed = vec![0u8; nibbles.len().div_ceil(2)];
        for (i, n) in nibbles.iter().enumerate() {
            packed[i / 2] |= if i % 2 == 0 { n << 4 } else { *n };
        }
        let mut bytes = borsh::to_vec(&(nibbles.len() as u64)).unwrap();
        bytes.extend(borsh::to_vec(&packed).unwrap());
        borsh::from_slice(&bytes).unwrap()
    }

    /// Node keys must sort by version first, so that each block's nodes follow all earlier ones
    /// in RocksDB (see `node_key_bytes`), and must name one node each. Borsh's little-endian
    /// version put version 256 before version 255.
    #[test]
    fn node_keys_sort_by_version_then_path() {
        let paths = [
            nibble_path(&[]),
            nibble_path(&[0]),
            nibble_path(&[15]),
            nibble_path(&[0, 1]),
            nibble_path(&[15, 15, 15]),
        ];
        let versions = [0, 1, 2, 255, 256, 257, 65_535, 65_536, 1 << 40, u64::MAX];
        let keys: Vec<NodeKey> = versions
            .iter()
            .flat_map(|&version| paths.iter().map(move |&path| NodeKey { version, path }))
            .collect();
        let bytes = |k: &NodeKey| {
            let mut out = Vec::new();
            node_key_bytes(k, &mut out);
            out
        };
        for a in &keys {
            for b in &keys {
                let expected = (a.version, a.path.len(), a.path.packed()).cmp(&(
                    b.version,
                    b.path.len(),
                    b.path.packed(),
                ));
                assert_eq!(bytes(a).cmp(&bytes(b)), expected, "{a:?} vs {b:?}");
            }
        }
    }

    fn block(height: Height, state_root: Hash) -> Block {
        let header = BlockHeader {
            height,
            parent_hash: Hash::ZERO,
            timestamp_ms: height,
            proposer: AccountId::default(),
            tx_root: Hash::ZERO,
            state_root,
            receipts_root: Hash::ZERO,
        };
        Block { header, transactions: Vec::new() }
    }

    #[test]
    fn a_database_of_another_schema_is_refused_with_what_to_do() {
        // 4 is the release before node keys put the version first: its nodes cannot be found;
        // 5 stored receipts without event indexes and error codes.
        for old in [2u32, 4, 5] {
            let dir = tempfile::tempdir().unwrap();
            {
                let storage = Storage::open(dir.path(), "t").unwrap();
                storage.db.put_cf(storage.cf(col::META), SCHEMA_KEY, old.to_le_bytes()).unwrap();
            }
            let err = Storage::open(dir.path(), "t").err().expect("an old schema is refused").to_string();
            assert!(
                err.contains(&format!("schema version {old} is not supported (expected {SCHEMA_VERSION})")),
                "{err}"
            );
            assert!(err.contains("move it aside"), "{err}");
        }
    }

    /// A schema-3 directory still has the column family schema 4 dropped; RocksDB alone would
    /// refuse it with "column families not opened", which tells an operator nothing.
    #[test]
    fn a_database_with_a_dropped_column_family_is_refused_by_schema() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut opts = Options::default();
            opts.create_if_missing(true);
            opts.create_missing_column_families(true);
            let db = DB::open_cf(&opts, dir.path(), [col::META, "jmt_values"]).unwrap();
            db.put_cf(db.cf_handle(col::META).unwrap(), SCHEMA_KEY, 3u32.to_le_bytes()).unwrap();
        }
        let err = Storage::open(dir.path(), "t").err().expect("schema 3 is refused").to_string();
        assert!(
            err.contains(&format!("schema version 3 is not supported (expected {SCHEMA_VERSION})")),
            "{err}"
        );
    }

    /// The value cache answers what the database holds, including after a read that raced a
    /// commit: the value read before the commit is returned to that reader but never kept.
    #[test]
    fn the_value_cache_is_bounded_in_bytes() {
        let mut values = ValueCache::default();
        let big = Some(vec![0u8; 1 << 20]);
        for k in 0u32..1_000 {
            let key = k.to_be_bytes().to_vec();
            let weight = value_weight(&key, &big);
            values.entries.insert(key, big.clone(), weight);
        }
        assert!(values.entries.bytes() <= VALUE_CACHE_BYTES);
        assert!(values.entries.len() < 130, "a gigabyte of values does not stay: {}", values.entries.len());
    }

    #[test]
    fn cached_values_never_outlive_a_commit() {
        let dir = tempfile::tempdir().unwrap();
        let key = b"k".to_vec();
        let commit = |storage: &Storage, h: u64, value: Option<&[u8]>| {
            let update =
                apply_changes(storage, h, StateChanges::from([(key.clone(), value.map(<[u8]>::to_vec))]))
                    .unwrap();
            if h == 0 {
                storage.commit_genesis(block(0, update.root).header, &update).unwrap();
            } else {
                storage.commit_block(&block(h, update.root), &[], &update, b"cert").unwrap();
            }
        };
        {
            let storage = Storage::open(dir.path(), "t").unwrap();
            commit(&storage, 0, Some(b"v1"));
            assert_eq!(storage.get(&key).unwrap(), Some(b"v1".to_vec()));
            commit(&storage, 1, Some(b"v2"));
            assert_eq!(storage.get(&key).unwrap(), Some(b"v2".to_vec()));
        }
        // A fresh cache: the read misses, and a commit lands between its database read and
        // its insertion.
        let storage = Storage::open(dir.path(), "t").unwrap();
        let raced = storage
            .read_through(&key, || {
                let before =
                    storage.db.get_cf(storage.cf(col::STATE), &key).map_err(|e| StoreError(e.to_string()));
                commit(&storage, 2, Some(b"v3"));
                before
            })
            .unwrap();
        assert_eq!(raced, Some(b"v2".to_vec()), "the racing reader sees the value it read");
        assert_eq!(storage.get(&key).unwrap(), Some(b"v3".to_vec()), "the cache does not keep it");
        commit(&storage, 3, None);
        assert_eq!(storage.get(&key).unwrap(), None, "a deletion reaches the cache");
        drop(storage);
        assert_eq!(Storage::open(dir.path(), "t").unwrap().get(&key).unwrap(), None);
    }

    fn wal_bytes(dir: &Path) -> u64 {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
            .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
            .sum()
    }

    /// Write-ahead logs stay near their limit under sustained writes instead of piling up until
    /// the small column families happen to flush (40 MiB of logs here without the limit).
    #[test]
    fn write_ahead_logs_stay_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let limit = 4 << 20;
        let storage = Storage::open_with_wal_limit(dir.path(), "t", limit).unwrap();
        let genesis = apply_changes(&storage, 0, StateChanges::new()).unwrap();
        storage.commit_genesis(block(0, genesis.root).header, &genesis).unwrap();
        for h in 1..=40u64 {
            let changes: StateChanges = (0..64u64)
                .map(|i| ((h * 1000 + i).to_be_bytes().to_vec(), Some(vec![h as u8; 16 << 10])))
                .collect();
            let update = apply_changes(&storage, h, changes).unwrap();
            storage.commit_block(&block(h, update.root), &[], &update, b"cert").unwrap();
        }
        // Obsolete logs are deleted once the flushes they wait for finish, in the background;
        // on a loaded machine (parallel builds, other test binaries) that can take a while.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        while wal_bytes(dir.path()) > 3 * limit && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let kept = wal_bytes(dir.path());
        assert!(kept <= 3 * limit, "{kept} bytes of write-ahead log for a limit of {limit}");
        assert_eq!(storage.get(&40_000u64.to_be_bytes()).unwrap(), Some(vec![40; 16 << 10]));
    }

    /// The Merkle-node cache answers exactly what the database holds: every node of committed
    /// blocks reads the same through the cache and, after reopening, from RocksDB alone; and
    /// the tree's next update computes the same root either way.
    #[test]
    fn cached_merkle_nodes_equal_stored_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut written = Vec::new();
        let (root_cached, next_changes) = {
            let storage = Storage::open(dir.path(), "t").unwrap();
            let genesis =
                apply_changes(&storage, 0, StateChanges::from([(b"g".to_vec(), Some(b"0".to_vec()))]))
                    .unwrap();
            storage.commit_genesis(block(0, genesis.root).header, &genesis).unwrap();
            for h in 1..=3u64 {
                let changes: StateChanges = (0..50u64)
                    .map(|i| ((i * h).to_le_bytes().to_vec(), Some(h.to_le_bytes().to_vec())))
                    .collect();
                let update = apply_changes(&storage, h, changes).unwrap();
                storage.commit_block(&block(h, update.root), &[], &update, b"cert").unwrap();
                storage.cache_nodes(&update);
                written.extend(update.nodes.iter().cloned());
            }
            for (key, node) in &written {
                assert_eq!(storage.merkle_node(key).unwrap().as_ref(), Some(node));
            }
            let next: StateChanges = (0..20u64).map(|i| (i.to_be_bytes().to_vec(), Some(vec![7]))).collect();
            (apply_changes(&storage, 4, next.clone()).unwrap().root, next)
        };
        let reopened = Storage::open(dir.path(), "t").unwrap();
        for (key, node) in &written {
            assert_eq!(reopened.merkle_node(key).unwrap().as_ref(), Some(node));
        }
        assert_eq!(apply_changes(&reopened, 4, next_changes).unwrap().root, root_cached);
    }

    /// A commit settles the undecided proposals of its height and keeps the next height's; a
    /// start settles whatever a stopped node left at or below its head.
    #[test]
    fn undecided_proposals_are_settled_by_their_commit_and_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path(), "t").unwrap();
        let genesis = apply_changes(&storage, 0, StateChanges::new()).unwrap();
        storage.commit_genesis(block(0, genesis.root).header, &genesis).unwrap();
        let proposal = |h: u64, tag: u8| block(h, Hash([tag; 32]));
        for (h, tag) in [(1, 1), (1, 2), (2, 3), (3, 4)] {
            storage.put_undecided(&proposal(h, tag)).unwrap();
        }
        assert_eq!(storage.undecided_at(1).unwrap().len(), 2);
        let update = apply_changes(&storage, 1, StateChanges::new()).unwrap();
        storage.commit_block(&block(1, update.root), &[], &update, b"cert").unwrap();
        assert!(storage.undecided_at(1).unwrap().is_empty(), "height 1 is settled by its commit");
        assert_eq!(storage.undecided_at(2).unwrap(), vec![proposal(2, 3)], "height 2 is still open");
        assert!(storage.undecided(2, &proposal(2, 3).hash()).unwrap().is_some());
        // A node stopped with proposals of heights it then committed elsewhere (or not at all).
        storage.put_undecided(&proposal(1, 5)).unwrap();
        storage.settle_undecided(2).unwrap();
        for h in 1..=2 {
            assert!(storage.undecided_at(h).unwrap().is_empty(), "height {h} is settled at start");
        }
        assert_eq!(storage.undecided_at(3).unwrap(), vec![proposal(3, 4)], "above the head stays");
    }
}
