//! The readers' index: what explorers and applications look up without walking the chain —
//! the transactions of an account or a member, and events by party, subject or contract — and
//! the reads that use it (`scf_getEvents`, `scf_getTransactionsOf`, the event subscriptions).
//!
//! Owns: the index's key layout, the background task that builds it block by block behind the
//! head (`run`), and paged reads with cursors in chain order.
//!
//! Must not: be read by consensus or execution, or slow the commit path: it is built after a
//! block is committed, by its own task, and a node that lost it (or an older database without
//! it) rebuilds it from the stored blocks. Nothing here decides what a reader may see; callers
//! pass each result through the access tiers (`access::Viewer`).
//!
//! Keys (numbers big-endian, so key order is chain order; the value is the transaction's hash):
//!
//! | key | one per |
//! |---|---|
//! | `a` ‖ sender account (32) ‖ height ‖ tx | transaction |
//! | `m` ‖ len ‖ member ‖ height ‖ tx | transaction with an event naming the member as a party |
//! | `p` ‖ len ‖ member ‖ height ‖ tx ‖ event | event, per party (`len` 0: an event naming no member) |
//! | `s` ‖ len ‖ kind ‖ len ‖ id ‖ height ‖ tx ‖ event | event, per subject |
//! | `c` ‖ contract (32) ‖ height ‖ tx ‖ event | event |
use std::{collections::BTreeMap, sync::Arc};

use scf_primitives::{AccountId, BlockHeader, Event, Hash, Height, Receipt, SignedTransaction};
use scf_rpc_api::{EventCursor, EventFilter, TxCursor};

use crate::{
    chain::Chain,
    storage::{Storage, StorageError},
};

const SENDER: u8 = b'a';
const MEMBER_TX: u8 = b'm';
const PARTY: u8 = b'p';
const SUBJECT: u8 = b's';
const CONTRACT: u8 = b'c';

/// The party key of events that name no member (they concern the whole consortium). No member
/// has the empty name (`scf_primitives::is_member_name`).
pub const CONSORTIUM: &str = "";

/// Most candidates (index entries or events of scanned blocks) one read examines: a filter that
/// matches rarely costs a bounded amount per call and returns where it stopped.
pub const MAX_EXAMINED: usize = 20_000;

/// A length-prefixed name, or `None` if it is too long to index (names are bounded far below).
fn named(out: &mut Vec<u8>, name: &str) -> Option<()> {
    out.push(u8::try_from(name.len()).ok()?);
    out.extend_from_slice(name.as_bytes());
    Some(())
}

fn sender_prefix(account: &AccountId) -> Vec<u8> {
    let mut k = vec![SENDER];
    k.extend_from_slice(&account.0);
    k
}

fn member_tx_prefix(member: &str) -> Option<Vec<u8>> {
    let mut k = vec![MEMBER_TX];
    named(&mut k, member)?;
    Some(k)
}

fn party_prefix(member: &str) -> Option<Vec<u8>> {
    let mut k = vec![PARTY];
    named(&mut k, member)?;
    Some(k)
}

fn subject_prefix(kind: &str, id: &str) -> Option<Vec<u8>> {
    let mut k = vec![SUBJECT];
    named(&mut k, kind)?;
    named(&mut k, id)?;
    Some(k)
}

fn contract_prefix(contract: &scf_primitives::ContractAddress) -> Vec<u8> {
    let mut k = vec![CONTRACT];
    k.extend_from_slice(&contract.0);
    k
}

fn tx_position(prefix: &[u8], at: TxCursor) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(&at.height.to_be_bytes());
    k.extend_from_slice(&at.tx_index.to_be_bytes());
    k
}

fn event_position(prefix: &[u8], at: EventCursor) -> Vec<u8> {
    let mut k = tx_position(prefix, TxCursor { height: at.height, tx_index: at.tx_index });
    k.extend_from_slice(&at.event_index.to_be_bytes());
    k
}

fn parse_tx_position(prefix_len: usize, key: &[u8]) -> Option<TxCursor> {
    let rest = key.get(prefix_len..)?;
    Some(TxCursor {
        height: u64::from_be_bytes(rest.get(..8)?.try_into().ok()?),
        tx_index: u32::from_be_bytes(rest.get(8..12)?.try_into().ok()?),
    })
}

fn parse_event_position(prefix_len: usize, key: &[u8]) -> Option<EventCursor> {
    let tx = parse_tx_position(prefix_len, key)?;
    let rest = key.get(prefix_len + 12..)?;
    Some(EventCursor {
        height: tx.height,
        tx_index: tx.tx_index,
        event_index: u32::from_be_bytes(rest.get(..4)?.try_into().ok()?),
    })
}

/// The index entries of one committed block.
pub fn block_entries(height: Height, txs: &[(Hash, &SignedTransaction, &Receipt)]) -> Vec<(Vec<u8>, Hash)> {
    let mut out = Vec::new();
    for (tx_index, (hash, tx, receipt)) in txs.iter().enumerate() {
        let at = TxCursor { height, tx_index: tx_index as u32 };
        out.push((tx_position(&sender_prefix(&tx.tx.sender), at), *hash));
        let mut members = std::collections::BTreeSet::new();
        for (event_index, event) in receipt.events.iter().enumerate() {
            let at = EventCursor { height, tx_index: tx_index as u32, event_index: event_index as u32 };
            out.push((event_position(&contract_prefix(&event.contract), at), *hash));
            for party in &event.parties {
                if let Some(prefix) = party_prefix(party) {
                    out.push((event_position(&prefix, at), *hash));
                }
                members.insert(party.as_str());
            }
            if event.parties.is_empty() {
                // Consortium-wide: every member's scoped reads walk these too.
                if let Some(prefix) = party_prefix(CONSORTIUM) {
                    out.push((event_position(&prefix, at), *hash));
                }
            }
            for subject in &event.subjects {
                if let Some(prefix) = subject_prefix(&subject.kind, &subject.id) {
                    out.push((event_position(&prefix, at), *hash));
                }
            }
        }
        for member in members {
            if let Some(prefix) = member_tx_prefix(member) {
                out.push((tx_position(&prefix, TxCursor { height, tx_index: tx_index as u32 }), *hash));
            }
        }
    }
    out
}

/// Most blocks indexed in one write: a node that rebuilds the index of a long chain publishes
/// its progress (and lets reads see it) every this many blocks.
const BLOCKS_PER_WRITE: u64 = 256;

/// Indexes committed blocks above the index's height, at most [`BLOCKS_PER_WRITE`] of them in
/// one write; returns the height indexed and whether the head is reached.
pub fn catch_up(chain: &Chain) -> Result<(Height, bool), StorageError> {
    let storage = &chain.storage;
    let indexed = storage.indexed_height()?;
    let head = chain.head_height();
    let last = head.min(indexed + BLOCKS_PER_WRITE);
    let mut entries = Vec::new();
    for height in indexed + 1..=last {
        let Some(block) = storage.block(height)? else {
            return Err(StorageError::Corrupt {
                column: "blocks",
                detail: format!("block {height} missing"),
            });
        };
        let mut receipts = Vec::with_capacity(block.transactions.len());
        for tx in &block.transactions {
            let hash = tx.hash();
            let receipt = storage.receipt(&hash)?.ok_or_else(|| StorageError::Corrupt {
                column: "receipts",
                detail: format!("receipt of {hash} missing"),
            })?;
            receipts.push((hash, receipt));
        }
        let txs: Vec<_> = block
            .transactions
            .iter()
            .zip(&receipts)
            .map(|(tx, (hash, receipt))| (*hash, tx, receipt))
            .collect();
        entries.extend(block_entries(height, &txs));
    }
    if last > indexed {
        storage.put_index(last, &mut entries)?;
    }
    Ok((last, last >= head))
}

/// Builds the index behind the head for as long as the node runs; publishes the indexed height
/// (reads and subscriptions wait on it).
pub async fn run(chain: Arc<Chain>) {
    let mut heads = chain.subscribe_heads();
    loop {
        let c = chain.clone();
        let caught_up = match tokio::task::spawn_blocking(move || catch_up(&c)).await {
            Ok(Ok((height, caught_up))) => {
                chain.indexed.send_if_modified(|h| std::mem::replace(h, height) != height);
                caught_up
            }
            Ok(Err(e)) => {
                tracing::error!(target: "scf::index", error = %e, "indexing committed blocks failed; retrying at the next block");
                true
            }
            Err(e) => {
                tracing::error!(target: "scf::index", error = %e, "the indexing task panicked; retrying at the next block");
                true
            }
        };
        if caught_up && heads.changed().await.is_err() {
            return;
        }
    }
}

/// What one read examines: stored events, with their block's timestamp and transaction hash.
pub struct Found {
    pub cursor: EventCursor,
    pub tx_hash: Hash,
    pub timestamp_ms: u64,
    pub event: Event,
}

/// A page of events and where the read stopped.
pub struct EventsRead {
    pub found: Vec<Found>,
    /// The last position examined (the `after` given, if none).
    pub next: EventCursor,
    /// Whether the read reached its end (the indexed height or `to_height`).
    pub complete: bool,
}

/// Reads through storage with small caches: a page names the same transaction and block often.
struct Reader<'a> {
    storage: &'a Storage,
    receipts: BTreeMap<Hash, Arc<Receipt>>,
    headers: BTreeMap<Height, BlockHeader>,
}

impl<'a> Reader<'a> {
    fn new(storage: &'a Storage) -> Reader<'a> {
        Reader { storage, receipts: BTreeMap::new(), headers: BTreeMap::new() }
    }

    fn receipt(&mut self, hash: &Hash) -> Result<Option<Arc<Receipt>>, StorageError> {
        if let Some(r) = self.receipts.get(hash) {
            return Ok(Some(r.clone()));
        }
        let Some(r) = self.storage.receipt(hash)? else { return Ok(None) };
        if self.receipts.len() > 256 {
            self.receipts.clear();
        }
        let r = Arc::new(r);
        self.receipts.insert(*hash, r.clone());
        Ok(Some(r))
    }

    fn timestamp(&mut self, height: Height) -> Result<u64, StorageError> {
        if let Some(h) = self.headers.get(&height) {
            return Ok(h.timestamp_ms);
        }
        let header = self.storage.header(height)?.ok_or_else(|| StorageError::Corrupt {
            column: "blocks",
            detail: format!("block {height} missing"),
        })?;
        if self.headers.len() > 256 {
            self.headers.clear();
        }
        let ts = header.timestamp_ms;
        self.headers.insert(height, header);
        Ok(ts)
    }
}

/// Whether `event` matches every field `filter` gives (the contract as parsed by the caller).
pub fn matches(
    filter: &EventFilter,
    contract: Option<&scf_primitives::ContractAddress>,
    event: &Event,
) -> bool {
    contract.is_none_or(|c| *c == event.contract)
        && filter.topic.as_ref().is_none_or(|t| *t == event.topic)
        && filter.party.as_ref().is_none_or(|p| event.parties.contains(p))
        && filter
            .subject
            .as_ref()
            .is_none_or(|s| event.subjects.iter().any(|e| e.kind == s.kind && e.id == s.id))
}

/// The last position of block `height`: resuming after it starts at the next block.
fn end_of(height: Height) -> EventCursor {
    EventCursor { height, tx_index: u32::MAX, event_index: u32::MAX }
}

/// The first position strictly after `after`.
fn successor(after: Option<EventCursor>) -> EventCursor {
    match after {
        None => EventCursor { height: 0, tx_index: 0, event_index: 0 },
        Some(c) => match c.event_index.checked_add(1) {
            Some(e) => EventCursor { event_index: e, ..c },
            None => match c.tx_index.checked_add(1) {
                Some(t) => EventCursor { height: c.height, tx_index: t, event_index: 0 },
                None => EventCursor { height: c.height.saturating_add(1), tx_index: 0, event_index: 0 },
            },
        },
    }
}

/// Which events a read may examine at all: every event (the node's operator and overseers), or
/// only those naming one of `parties` — a member's own name, and `""` for the consortium-wide
/// events that name no member. A scoped read walks only entries its reader may see, so the
/// cursor it returns never points at an event hidden from that reader.
pub enum Scope {
    Everything,
    Parties(Vec<String>),
}

/// One prefix's entries being merged: the prefix, the entries read ahead, whether none are left.
type Stream = (Vec<u8>, std::collections::VecDeque<(EventCursor, Hash)>, bool);

/// Most blocks one read walks when its filter names no indexed field.
pub const MAX_BLOCKS_WALKED: u64 = 1_000;

/// Events matching `filter` strictly after `after`, up to `up_to` (the indexed height), at most
/// `limit` of those `visible` accepts, examining at most [`MAX_EXAMINED`] candidates.
#[allow(clippy::too_many_arguments)]
pub fn read_events(
    storage: &Storage,
    filter: &EventFilter,
    contract: Option<&scf_primitives::ContractAddress>,
    after: Option<EventCursor>,
    up_to: Height,
    limit: usize,
    scope: &Scope,
    visible: &dyn Fn(&Event) -> bool,
) -> Result<EventsRead, StorageError> {
    let mut start = successor(after);
    if let Some(from) = filter.from_height {
        if start.height < from {
            start = EventCursor { height: from, tx_index: 0, event_index: 0 };
        }
    }
    let end = filter.to_height.map_or(up_to, |t| t.min(up_to));
    let fallback = after.unwrap_or(EventCursor { height: 0, tx_index: 0, event_index: 0 });
    let mut read = EventsRead { found: Vec::new(), next: fallback, complete: false };
    if start.height > end {
        read.complete = true;
        return Ok(read);
    }
    let prefixes: Vec<Vec<u8>> = match scope {
        Scope::Parties(parties) => parties.iter().filter_map(|p| party_prefix(p)).collect(),
        Scope::Everything => match (&filter.subject, &filter.party, contract) {
            (Some(s), _, _) => subject_prefix(&s.kind, &s.id).into_iter().collect(),
            (None, Some(p), _) => party_prefix(p).into_iter().collect(),
            (None, None, Some(c)) => vec![contract_prefix(c)],
            (None, None, None) => {
                return walk_blocks(storage, filter, contract, start, end, limit, visible, read)
            }
        },
    };
    let mut reader = Reader::new(storage);
    // One ordered stream per prefix, merged by position.
    let mut streams: Vec<Stream> = prefixes.into_iter().map(|p| (p, Default::default(), false)).collect();
    let mut resume: Vec<Vec<u8>> = streams.iter().map(|(p, _, _)| event_position(p, start)).collect();
    let mut examined = 0;
    loop {
        for (i, (prefix, buffer, exhausted)) in streams.iter_mut().enumerate() {
            if buffer.is_empty() && !*exhausted {
                let batch = storage.index_entries(prefix, &resume[i], false, 512)?;
                *exhausted = batch.len() < 512;
                if let Some((last, _)) = batch.last() {
                    resume[i] = last.clone();
                    resume[i].push(0);
                }
                buffer.extend(
                    batch.iter().filter_map(|(k, h)| Some((parse_event_position(prefix.len(), k)?, *h))),
                );
            }
        }
        let next = streams
            .iter()
            .enumerate()
            .filter_map(|(i, (_, buffer, _))| buffer.front().map(|(at, _)| (*at, i)))
            .min();
        let Some((at, i)) = next else {
            // Nothing more is indexed for this read: later reads resume after `end`.
            read.complete = true;
            read.next = read.next.max(end_of(end));
            return Ok(read);
        };
        let (_, hash) = streams[i].1.pop_front().expect("the stream's front was just read");
        if at.height > end {
            read.complete = true;
            read.next = read.next.max(end_of(end));
            return Ok(read);
        }
        examined += 1;
        read.next = at;
        if let Some(receipt) = reader.receipt(&hash)? {
            if let Some(event) = receipt.events.get(at.event_index as usize) {
                if matches(filter, contract, event) && visible(event) {
                    read.found.push(Found {
                        cursor: at,
                        tx_hash: hash,
                        timestamp_ms: reader.timestamp(at.height)?,
                        event: event.clone(),
                    });
                }
            }
        }
        if read.found.len() >= limit || examined >= MAX_EXAMINED {
            return Ok(read);
        }
    }
}

/// Events matching `filter` from `start` to `end` by walking the blocks (a filter that names no
/// indexed field, read by a reader who sees everything). Blocks and transactions count toward the
/// work bound as events do, so empty blocks cost a read its budget too.
#[allow(clippy::too_many_arguments)]
fn walk_blocks(
    storage: &Storage,
    filter: &EventFilter,
    contract: Option<&scf_primitives::ContractAddress>,
    start: EventCursor,
    end: Height,
    limit: usize,
    visible: &dyn Fn(&Event) -> bool,
    mut read: EventsRead,
) -> Result<EventsRead, StorageError> {
    let mut reader = Reader::new(storage);
    let mut examined = 0;
    let last = end.min(start.height.saturating_add(MAX_BLOCKS_WALKED - 1));
    for height in start.height..=last {
        let Some(block) = storage.block(height)? else {
            return Err(StorageError::Corrupt {
                column: "blocks",
                detail: format!("block {height} missing"),
            });
        };
        examined += 1;
        let first_tx = if height == start.height { start.tx_index as usize } else { 0 };
        for (tx_index, tx) in block.transactions.iter().enumerate().skip(first_tx) {
            examined += 1;
            let hash = tx.hash();
            let Some(receipt) = reader.receipt(&hash)? else { continue };
            let first_event = if height == start.height && tx_index == start.tx_index as usize {
                start.event_index as usize
            } else {
                0
            };
            for (event_index, event) in receipt.events.iter().enumerate().skip(first_event) {
                let at = EventCursor { height, tx_index: tx_index as u32, event_index: event_index as u32 };
                examined += 1;
                read.next = at;
                if matches(filter, contract, event) && visible(event) {
                    read.found.push(Found {
                        cursor: at,
                        tx_hash: hash,
                        timestamp_ms: block.header.timestamp_ms,
                        event: event.clone(),
                    });
                }
                if read.found.len() >= limit || examined >= MAX_EXAMINED {
                    return Ok(read);
                }
            }
        }
        // The whole block is read: the next read starts at the next block.
        read.next = read.next.max(end_of(height));
        if examined >= MAX_EXAMINED {
            return Ok(read);
        }
    }
    read.complete = last == end;
    Ok(read)
}

/// Transaction positions (with hashes) of an account or a member, newest first, strictly before
/// `before`, at most `limit`. A member's are those its `accounts` sent and those with an event
/// naming it.
pub fn read_transactions(
    storage: &Storage,
    accounts: &[AccountId],
    member: Option<&str>,
    before: Option<TxCursor>,
    limit: usize,
) -> Result<Vec<(TxCursor, Hash)>, StorageError> {
    let mut prefixes: Vec<Vec<u8>> = accounts.iter().map(sender_prefix).collect();
    if let Some(m) = member {
        prefixes.extend(member_tx_prefix(m));
    }
    let mut merged: BTreeMap<std::cmp::Reverse<TxCursor>, Hash> = BTreeMap::new();
    for prefix in &prefixes {
        let from = match before {
            Some(b) => tx_position(prefix, b),
            None => {
                let mut end = prefix.clone();
                end.extend_from_slice(&[0xFF; 13]);
                end
            }
        };
        for (key, hash) in storage.index_entries(prefix, &from, true, limit)? {
            if let Some(at) = parse_tx_position(prefix.len(), &key) {
                merged.insert(std::cmp::Reverse(at), hash);
            }
        }
    }
    Ok(merged.into_iter().take(limit).map(|(std::cmp::Reverse(at), hash)| (at, hash)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_order_as_the_chain_and_round_trip() {
        let prefix = party_prefix("supplier1").unwrap();
        let a = EventCursor { height: 9, tx_index: 300, event_index: 2 };
        let b = EventCursor { height: 10, tx_index: 0, event_index: 0 };
        assert!(event_position(&prefix, a) < event_position(&prefix, b));
        assert_eq!(parse_event_position(prefix.len(), &event_position(&prefix, a)), Some(a));
        // A longer name does not interleave with a shorter one that it extends.
        let other = party_prefix("supplier10").unwrap();
        assert!(!event_position(&other, a).starts_with(&prefix));
        assert_eq!(
            successor(Some(EventCursor { height: 1, tx_index: 2, event_index: u32::MAX })),
            EventCursor { height: 1, tx_index: 3, event_index: 0 }
        );
        assert!(named(&mut Vec::new(), &"x".repeat(300)).is_none(), "an over-long name is not indexed");
    }
}
