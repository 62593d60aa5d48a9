//! The explorer-grade reads behind the RPC methods `scf_getBlocks`, `scf_getEvents`,
//! `scf_getTransactionsOf`, `scf_getValidators`, `scf_getPeers`, `scf_nodeStatus`, and the
//! subscriptions `scf_subscribeNewHeads` and `scf_subscribeEvents`.
//!
//! Owns: paging and cursors, what each access tier sees of these reads, and how a subscription
//! replays stored history and then follows the chain with a bounded buffer.
//!
//! Must not: hold anything a subscriber has not read. A subscription reads from storage at its
//! own pace (the chain is the buffer); the only queue is jsonrpsee's bounded per-connection one,
//! and a client that lets it fill is closed with the cursor to resume from, so nothing is lost
//! or repeated and a slow reader costs the node no memory.
use std::sync::Arc;

use jsonrpsee::{
    core::{server::SubscriptionMessage, SubscriptionResult},
    types::{ErrorObjectOwned, Extensions},
    PendingSubscriptionSink, SubscriptionSink,
};
use scf_primitives::{AccountId, ContractAddress, Event, Height, Payload};
use scf_rpc_api::{
    BlockSummary, EventCursor, EventFilter, EventPage, EventRecord, EventView, NodeStatus, PeerView,
    SubjectView, SubscriptionEnd, TransactionsOf, TxCursor, TxPage, TxSummary, ValidatorView,
    MAX_BLOCKS_PAGE, MAX_EVENTS_PAGE, MAX_TRANSACTIONS_PAGE,
};

use crate::{
    access::{forbidden, Access, Viewer},
    chain::Chain,
    network::Peers,
    rpc::{bad_param, internal},
};

/// How many recent blocks `scf_getValidators` reports signing over.
pub const RECENT_BLOCKS: u64 = 100;

/// Events one subscription reads from storage at a time.
const SUBSCRIPTION_PAGE: usize = 256;

pub fn event_view(e: &Event) -> EventView {
    EventView {
        contract: e.contract.to_hex(),
        topic: e.topic.clone(),
        parties: e.parties.clone(),
        subjects: e.subjects.iter().map(|s| SubjectView { kind: s.kind.clone(), id: s.id.clone() }).collect(),
        data: scf_rpc_api::to_hex(&e.data),
        decoded: crate::decode::decoder().event(e),
    }
}

fn summary(
    storage: &crate::storage::Storage,
    height: Height,
    viewer: &Viewer,
) -> RpcResult<Option<BlockSummary>> {
    let Some((header, count)) = storage.header_and_count(height).map_err(internal)? else { return Ok(None) };
    Ok(Some(BlockSummary {
        height: header.height,
        hash: header.hash().to_hex(),
        parent_hash: header.parent_hash.to_hex(),
        timestamp_ms: header.timestamp_ms,
        proposer: header.proposer.to_hex(),
        transaction_count: (!viewer.is_anonymous()).then_some(count),
    }))
}

type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// `scf_getBlocks`.
pub fn blocks(chain: &Chain, viewer: &Viewer, from: u64, limit: u32) -> RpcResult<Vec<BlockSummary>> {
    if limit == 0 || limit > MAX_BLOCKS_PAGE {
        return Err(bad_param("limit", format!("must be 1 to {MAX_BLOCKS_PAGE}")));
    }
    let head = chain.head_height();
    let last = from.saturating_add(u64::from(limit) - 1).min(head);
    let mut out = Vec::new();
    for height in from..=last {
        match summary(&chain.storage, height, viewer)? {
            Some(s) => out.push(s),
            None => return Err(internal(format!("block {height} below the head is missing"))),
        }
    }
    Ok(out)
}

/// A filter's fields checked (lengths bound the work and the index keys), the contract parsed.
fn checked_filter(filter: &EventFilter) -> RpcResult<Option<ContractAddress>> {
    let too_long = |what: &str| bad_param(what, "longer than 255 bytes");
    for (what, text) in [("topic", &filter.topic), ("party", &filter.party)] {
        if text.as_ref().is_some_and(|t| t.len() > 255) {
            return Err(too_long(what));
        }
    }
    if let Some(s) = &filter.subject {
        if s.kind.len() > 255 || s.id.len() > 255 {
            return Err(too_long("subject"));
        }
    }
    filter
        .contract
        .as_ref()
        .map(|c| ContractAddress::from_hex(c).map_err(|e| bad_param("contract", e)))
        .transpose()
}

/// What `viewer`'s event reads may walk: everything for those who see everything; otherwise the
/// events naming its member and the consortium-wide ones (a validator: those alone).
fn scope(viewer: &Viewer) -> crate::index::Scope {
    use crate::index::{Scope, CONSORTIUM};
    match viewer {
        _ if viewer.sees_everything() => Scope::Everything,
        Viewer::Member { member, .. } => Scope::Parties(vec![member.name.clone(), CONSORTIUM.to_string()]),
        _ => Scope::Parties(vec![CONSORTIUM.to_string()]),
    }
}

/// Reads of stored history for subscriptions, at once across the node: replays run at the pace
/// the node allows, whatever the number of subscribers.
static REPLAY_READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

fn record(found: crate::index::Found) -> EventRecord {
    EventRecord {
        cursor: found.cursor,
        tx_hash: found.tx_hash.to_hex(),
        timestamp_ms: found.timestamp_ms,
        event: event_view(&found.event),
    }
}

/// `scf_getEvents`: the events `viewer` may see.
pub fn events(
    chain: &Chain,
    viewer: &Viewer,
    filter: &EventFilter,
    after: Option<EventCursor>,
    limit: u32,
) -> RpcResult<EventPage> {
    viewer.require_login("scf_getEvents")?;
    if limit == 0 || limit > MAX_EVENTS_PAGE {
        return Err(bad_param("limit", format!("must be 1 to {MAX_EVENTS_PAGE}")));
    }
    let contract = checked_filter(filter)?;
    let indexed_height = chain.indexed_height();
    let read = crate::index::read_events(
        &chain.storage,
        filter,
        contract.as_ref(),
        after,
        indexed_height,
        limit as usize,
        &scope(viewer),
        &|e| viewer.sees_event(e),
    )
    .map_err(internal)?;
    Ok(EventPage {
        events: read.found.into_iter().map(record).collect(),
        next: read.next,
        complete: read.complete,
        indexed_height,
    })
}

fn kind_of(payload: &Payload) -> (&'static str, Option<String>, Option<String>) {
    match payload {
        Payload::Deploy { .. } => ("deploy", None, None),
        Payload::Upgrade { contract, .. } => ("upgrade", Some(contract.to_hex()), None),
        Payload::Call { contract, method, .. } => ("call", Some(contract.to_hex()), Some(method.clone())),
    }
}

/// `scf_getTransactionsOf`: those `viewer` may see, newest first.
pub fn transactions_of(
    chain: &Chain,
    viewer: &Viewer,
    of: &TransactionsOf,
    before: Option<TxCursor>,
    limit: u32,
) -> RpcResult<TxPage> {
    viewer.require_login("scf_getTransactionsOf")?;
    if limit == 0 || limit > MAX_TRANSACTIONS_PAGE {
        return Err(bad_param("limit", format!("must be 1 to {MAX_TRANSACTIONS_PAGE}")));
    }
    let storage = &chain.storage;
    // Only lists the reader may see in full: otherwise the positions of the entries it may not
    // see would show through the paging cursor.
    let not_yours = || {
        forbidden(
            "not_visible",
            "the transactions of another account or member are for that member and overseers (auditors, operators)",
        )
    };
    let (accounts, member) = match of {
        TransactionsOf::Account(a) => {
            let account = AccountId::from_hex(a).map_err(|e| bad_param("account", e))?;
            if !viewer.is_sender(&account) {
                return Err(not_yours());
            }
            (vec![account], None)
        }
        TransactionsOf::Member(name) => {
            if !scf_primitives::is_member_name(name) {
                return Err(bad_param("member", "not a member name"));
            }
            let own = matches!(viewer, Viewer::Member { member, .. } if member.name == *name);
            if !viewer.sees_everything() && !own {
                return Err(not_yours());
            }
            let accounts = scf_runtime::member_by_name(storage, name)
                .map_err(internal)?
                .map(|m| m.accounts)
                .unwrap_or_default();
            (accounts, Some(name.as_str()))
        }
    };
    let positions = crate::index::read_transactions(storage, &accounts, member, before, limit as usize)
        .map_err(internal)?;
    let next = (positions.len() == limit as usize).then(|| positions.last().map(|(at, _)| *at)).flatten();
    let mut transactions = Vec::with_capacity(positions.len());
    for (at, hash) in positions {
        let loc = storage
            .tx_location(&hash)
            .map_err(internal)?
            .ok_or_else(|| internal("indexed transaction missing"))?;
        let tx =
            storage.transaction(&loc).map_err(internal)?.ok_or_else(|| internal("indexed block missing"))?;
        let receipt = storage.receipt(&hash).map_err(internal)?.ok_or_else(|| internal("receipt missing"))?;
        // Each transaction as the viewer may see it: others' stay out of the list.
        if !viewer.sees_transaction(&tx.tx.sender, Some(&receipt)) {
            continue;
        }
        let (kind, contract, method) = kind_of(&tx.tx.payload);
        let timestamp_ms = storage
            .header(at.height)
            .map_err(internal)?
            .map(|h| h.timestamp_ms)
            .ok_or_else(|| internal("indexed block missing"))?;
        transactions.push(TxSummary {
            cursor: at,
            hash: hash.to_hex(),
            sender: tx.tx.sender.to_hex(),
            kind: kind.to_string(),
            contract,
            method,
            timestamp_ms,
            success: viewer.is_sender(&tx.tx.sender).then(|| receipt.is_success()),
        });
    }
    Ok(TxPage { transactions, next })
}

/// `scf_getValidators`: the set deciding the next height, and who signed and proposed the last
/// [`RECENT_BLOCKS`] blocks.
pub fn validators(chain: &Chain) -> RpcResult<Vec<ValidatorView>> {
    let head = chain.head_height();
    let set = crate::consensus::app::scheduled_validators(chain, head + 1).map_err(internal)?;
    let first = head.saturating_sub(RECENT_BLOCKS - 1).max(1);
    let recent_blocks = if head == 0 { 0 } else { (head - first + 1) as u32 };
    let mut views: Vec<ValidatorView> = set
        .iter()
        .map(|(key, power)| ValidatorView {
            address: key.to_hex(),
            voting_power: *power,
            signed_recent: 0,
            recent_blocks,
            last_signed_height: None,
            proposed_recent: 0,
        })
        .collect();
    for height in first..=head {
        let Some(certificate) = chain.storage.certificate(height).map_err(internal)? else { continue };
        let Ok(certificate) = borsh::from_slice::<crate::consensus::codec::WireCertificate>(&certificate)
        else {
            continue;
        };
        let signers = certificate.signers();
        let proposer = chain.storage.header(height).map_err(internal)?.map(|h| h.proposer);
        for (view, (key, _)) in views.iter_mut().zip(&set) {
            if signers.contains(key) {
                view.signed_recent += 1;
                view.last_signed_height = Some(height);
            }
            if proposer == Some(*key) {
                view.proposed_recent += 1;
            }
        }
    }
    Ok(views)
}

/// `scf_getPeers`: the node's operator and overseers only (addresses are the network's layout).
pub fn peers(viewer: &Viewer, peers: &Peers) -> RpcResult<Vec<PeerView>> {
    if !viewer.sees_everything() {
        return Err(forbidden("not_visible", "the node's peers are for its operator and overseers"));
    }
    Ok(peers.list().into_iter().map(|(peer_id, address)| PeerView { peer_id, address }).collect())
}

/// `scf_nodeStatus`.
pub fn status(chain: &Chain, viewer: &Viewer, peers: &Peers) -> NodeStatus {
    let readiness = crate::probes::readiness(chain, peers);
    NodeStatus {
        chain_id: chain.runtime.params().chain_id.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        height: readiness.height,
        earliest_height: 0,
        head_age_ms: readiness.head_age_ms,
        syncing: readiness.head_age_ms > crate::probes::READY_MAX_HEAD_AGE_MS,
        peers: readiness.peers as u32,
        indexed_height: chain.indexed_height(),
        pool_transactions: (!viewer.is_anonymous()).then(|| chain.mempool.len() as u32),
    }
}

/// How a subscription ended: `complete` (the filter's height range is sent), `too_slow` (the
/// reader let its buffer fill), `access_ended` (its login expired or its member was suspended).
fn end(kind: &str, cursor: Option<EventCursor>, height: Option<u64>) -> SubscriptionResult {
    let end = SubscriptionEnd { kind: kind.to_string(), cursor, height };
    let json = serde_json::value::to_raw_value(&end).map_err(|e| e.to_string())?;
    Err(jsonrpsee::core::SubscriptionError::from_json(json))
}

/// Sends one notification without waiting: `Ok(false)` if the client's buffer is full.
fn offer<T: serde::Serialize>(sink: &mut SubscriptionSink, item: &T) -> Result<bool, ()> {
    let json = serde_json::value::to_raw_value(item).map_err(|_| ())?;
    match sink.try_send(SubscriptionMessage::from(json)) {
        Ok(()) => Ok(true),
        Err(jsonrpsee::core::server::TrySendError::Full(_)) => Ok(false),
        Err(jsonrpsee::core::server::TrySendError::Closed(_)) => Err(()),
    }
}

/// `scf_subscribeNewHeads`.
pub async fn follow_heads(
    chain: Arc<Chain>,
    access: Arc<Access>,
    ext: Extensions,
    pending: PendingSubscriptionSink,
    from_height: Option<u64>,
) -> SubscriptionResult {
    let viewer = match access.viewer(&chain, &ext) {
        Ok(v) => v,
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let mut heads = chain.subscribe_heads();
    let mut next = from_height.unwrap_or_else(|| chain.head_height() + 1);
    let mut sink = pending.accept().await?;
    let mut viewer = Some(viewer);
    loop {
        let head = *heads.borrow_and_update();
        let viewer = match viewer.take() {
            Some(v) => v,
            None => match access.viewer(&chain, &ext) {
                Ok(v) => v,
                Err(_) => return end("access_ended", None, Some(next)),
            },
        };
        while next <= head {
            if sink.is_closed() {
                return Ok(());
            }
            let permit = REPLAY_READS.acquire().await.map_err(|e| e.to_string())?;
            let (c, v) = (chain.clone(), viewer.clone());
            let block = tokio::task::spawn_blocking(move || summary(&c.storage, next, &v))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.message().to_string())?;
            drop(permit);
            let Some(block) = block else { break };
            match offer(&mut sink, &block) {
                Ok(true) => next += 1,
                Ok(false) => return end("too_slow", None, Some(next)),
                Err(()) => return Ok(()),
            }
        }
        tokio::select! {
            changed = heads.changed() => if changed.is_err() { return Ok(()) },
            _ = sink.closed() => return Ok(()),
        }
    }
}

/// `scf_subscribeEvents`.
pub async fn follow_events(
    chain: Arc<Chain>,
    access: Arc<Access>,
    ext: Extensions,
    pending: PendingSubscriptionSink,
    filter: EventFilter,
    after: Option<EventCursor>,
) -> SubscriptionResult {
    let checked = access
        .viewer(&chain, &ext)
        .and_then(|v| v.require_login("scf_subscribeEvents").map(|()| v))
        .and_then(|v| checked_filter(&filter).map(|c| (v, c)));
    let contract = match checked {
        Ok((_, contract)) => contract,
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let mut indexed = chain.indexed.subscribe();
    // Without a cursor: live from the end of what is indexed now.
    let mut after = after.unwrap_or(EventCursor {
        height: chain.indexed_height(),
        tx_index: u32::MAX,
        event_index: u32::MAX,
    });
    let mut sink = pending.accept().await?;
    let filter = Arc::new(filter);
    loop {
        let up_to = *indexed.borrow_and_update();
        loop {
            if sink.is_closed() {
                return Ok(());
            }
            // Membership is read again for every page: a suspension or an expired login ends a
            // replay too, not only the live part.
            let viewer = match access.viewer(&chain, &ext) {
                Ok(v) => v,
                Err(_) => return end("access_ended", Some(after), None),
            };
            let permit = REPLAY_READS.acquire().await.map_err(|e| e.to_string())?;
            let (c, f) = (chain.clone(), filter.clone());
            let read = tokio::task::spawn_blocking(move || {
                crate::index::read_events(
                    &c.storage,
                    &f,
                    contract.as_ref(),
                    Some(after),
                    up_to,
                    SUBSCRIPTION_PAGE,
                    &scope(&viewer),
                    &|e| viewer.sees_event(e),
                )
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
            drop(permit);
            for found in read.found {
                let cursor = found.cursor;
                match offer(&mut sink, &record(found)) {
                    Ok(true) => after = cursor,
                    Ok(false) => return end("too_slow", Some(after), None),
                    Err(()) => return Ok(()),
                }
            }
            after = after.max(read.next);
            if read.complete {
                break;
            }
        }
        if filter.to_height.is_some_and(|last| up_to >= last) {
            // Everything up to the filter's last height is sent. The end is said (a clean return
            // sends nothing, and the client would wait for ever).
            return end("complete", Some(after), None);
        }
        tokio::select! {
            changed = indexed.changed() => if changed.is_err() { return Ok(()) },
            _ = sink.closed() => return Ok(()),
        }
    }
}
