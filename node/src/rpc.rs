//! JSON-RPC over HTTP and WebSocket (one port), implementing `scf_rpc_api::ScfApiServer`.
use std::{net::SocketAddr, sync::Arc};

use jsonrpsee::{
    core::{async_trait, RpcResult, SubscriptionResult},
    server::{Server, ServerConfig, ServerHandle},
    types::{ErrorObjectOwned, Extensions},
    PendingSubscriptionSink, RpcModule,
};
use scf_interface::registry;
use scf_primitives::{
    AccountId, ContractAddress, ExecOutcome, Hash, Payload, QueryAuthorization, Receipt, SignedTransaction,
    TxError, MAX_TX_BYTES, SYSTEM_CONTRACTS,
};
use scf_rpc_api::{
    codes, from_hex, to_hex, AccountView, BlockId, BlockReceipt, BlockSummary, BlockView, ChainHead,
    ContractView, DevTime, ErrorData, EventCursor, EventFilter, EventPage, LogFilter, MemberView, MethodList,
    NodeStatus, PeerView, QueryAuth, QueryResult, ReceiptView, ScfApiServer, Submitted, SystemContracts,
    TransactionsOf, TxCursor, TxPage, TxStatus, TxView, ValidatorView, MAX_CONTRACTS_PAGE, MAX_QUERY_AUTH_MS,
};

use crate::{
    access::{Access, Viewer},
    admission::Admission,
    chain::{Chain, SubmitError},
    network::{Peers, TxAnnouncer},
    rpc_guard::{CallLimits, ClientAddr, ClientLimiter, OriginCheckLayer, RpcLimits},
};

fn error(code: i32, kind: &str, message: impl Into<String>) -> ErrorObjectOwned {
    let data = ErrorData { kind: kind.to_string(), error_code: None, error_name: None };
    ErrorObjectOwned::owned(code, message.into(), Some(data))
}

/// A contract's stable refusal code and, for a system contract's, its name.
fn contract_error_code(e: &TxError) -> (Option<u32>, Option<String>) {
    match e {
        TxError::ContractError { code, .. } => {
            (Some(*code), scf_interface::ErrorCode::from_code(*code).map(|c| c.name().to_string()))
        }
        _ => (None, None),
    }
}

/// An RPC error for a refused transaction or failed query, with its kind and any contract code.
fn tx_error(code: i32, e: &TxError) -> ErrorObjectOwned {
    let (error_code, error_name) = contract_error_code(e);
    let data = ErrorData { kind: e.kind().to_string(), error_code, error_name };
    ErrorObjectOwned::owned(code, e.to_string(), Some(data))
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ErrorObjectOwned {
    tracing::error!(target: "scf::rpc", error = %e, "internal error");
    error(codes::INTERNAL, "internal", format!("internal error: {e}"))
}

pub(crate) fn bad_param(what: &str, e: impl std::fmt::Display) -> ErrorObjectOwned {
    error(codes::INVALID_PARAMS, "invalid_params", format!("invalid {what}: {e}"))
}

fn parse_hash(s: &str) -> RpcResult<Hash> {
    Hash::from_hex(s).ok_or_else(|| bad_param("hash", "expected 32 bytes as 64 hex digits"))
}

fn parse_account(s: &str) -> RpcResult<AccountId> {
    AccountId::from_hex(s).map_err(|e| bad_param("account", e))
}

/// Where submitted transactions go: admitted by the admission workers, then announced to the
/// transaction network (none on a node served without one, as in some tests).
#[derive(Clone)]
pub struct Intake {
    pub admission: Admission,
    pub announcer: Option<TxAnnouncer>,
}

pub struct RpcServer {
    chain: Arc<Chain>,
    intake: Intake,
    access: Arc<Access>,
    peers: Peers,
}

impl RpcServer {
    fn viewer(&self, ext: &Extensions) -> RpcResult<Viewer> {
        self.access.viewer(&self.chain, ext)
    }

    /// A finalized block by height or hash, or a NOT_FOUND error.
    fn block(&self, id: &BlockId) -> RpcResult<scf_primitives::Block> {
        let storage = &self.chain.storage;
        let height = match id {
            BlockId::Height(h) => Some(*h),
            BlockId::Hash(s) => storage.height_of(&parse_hash(s)?).map_err(internal)?,
        };
        let block = match height {
            Some(h) => storage.block(h).map_err(internal)?,
            None => None,
        };
        block.ok_or_else(|| error(codes::NOT_FOUND, "not_found", format!("no block {id:?}")))
    }

    /// The account a signed query speaks for, once its signature and expiry check out. Expiry
    /// uses this node's wall clock: queries never decide state, so no determinism is at stake.
    fn authorize_query(
        &self,
        contract: &ContractAddress,
        method: &str,
        args: &[u8],
        auth: &QueryAuth,
    ) -> RpcResult<AccountId> {
        let account = parse_account(&auth.account)?;
        let signature: [u8; 64] = from_hex(&auth.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad_param("signature", "expected 64 bytes as 128 hex digits"))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        if auth.expires_at_ms < now {
            return Err(error(codes::UNAUTHORIZED, "expired", "the query's authorization has expired"));
        }
        if auth.expires_at_ms > now.saturating_add(MAX_QUERY_AUTH_MS) {
            return Err(error(
                codes::UNAUTHORIZED,
                "expiry_too_far",
                format!("a query authorization may be valid for at most {} s", MAX_QUERY_AUTH_MS / 1000),
            ));
        }
        let query = QueryAuthorization {
            chain_id: self.chain.runtime.params().chain_id.clone(),
            contract: *contract,
            method: method.to_string(),
            args: args.to_vec(),
            account,
            expires_at_ms: auth.expires_at_ms,
        };
        if !query.verify_signature(&signature) {
            return Err(error(
                codes::UNAUTHORIZED,
                "bad_signature",
                format!(
                    "the query is not signed by {account} for this chain, contract, method and arguments"
                ),
            ));
        }
        // A suspended member's signature reads nothing more than its login would.
        if let Some(m) = scf_runtime::member_of_account(&self.chain.storage, &account).map_err(internal)? {
            if !m.active {
                return Err(crate::access::forbidden(
                    "member_suspended",
                    format!("member {} is suspended: its accounts read nothing", m.name),
                ));
            }
        }
        Ok(account)
    }
}

/// Queries an anonymous reader may make: the validator set.
fn anonymous_query(contract: &ContractAddress, method: &str) -> bool {
    use scf_interface::governance as gv;
    *contract == scf_interface::SystemContract::Governance.address()
        && [gv::VALIDATORS_AT.name, gv::SCHEDULE.name].contains(&method)
}

/// `r` as `viewer` may see it, or `None`: the events it may see; the return data and error only
/// for its sender (and overseers).
fn visible_receipt(viewer: &Viewer, sender: &AccountId, r: &Receipt) -> Option<ReceiptView> {
    if viewer.sees_everything() {
        return Some(receipt_view(r));
    }
    if !viewer.sees_transaction(sender, Some(r)) {
        return None;
    }
    let mut shown = r.clone();
    shown.events.retain(|e| viewer.sees_event(e));
    let mut view = receipt_view(&shown);
    if !viewer.is_sender(sender) {
        // What the call returned or why it failed is its sender's.
        view.return_data = None;
        view.error = None;
        view.error_kind = None;
        view.error_code = None;
        view.error_name = None;
    }
    Some(view)
}

pub fn receipt_view(r: &Receipt) -> ReceiptView {
    let (success, return_data, error_kind, error, (error_code, error_name)) = match &r.outcome {
        ExecOutcome::Success { return_data } => (true, Some(to_hex(return_data)), None, None, (None, None)),
        ExecOutcome::Failure { error } => {
            (false, None, Some(error.kind().to_string()), Some(error.to_string()), contract_error_code(error))
        }
    };
    ReceiptView {
        success,
        return_data,
        error_kind,
        error,
        error_code,
        error_name,
        events: r.events.iter().map(crate::explorer::event_view).collect(),
        fuel_used: r.fuel_used,
    }
}

fn tx_view(tx: &SignedTransaction, status: TxStatus) -> TxView {
    let (kind, contract, method) = match &tx.tx.payload {
        Payload::Deploy { .. } => ("deploy", None, None),
        Payload::Upgrade { contract, .. } => ("upgrade", Some(contract.to_hex()), None),
        Payload::Call { contract, method, .. } => ("call", Some(contract.to_hex()), Some(method.clone())),
    };
    let (args, call) = match &tx.tx.payload {
        Payload::Call { contract, method, args } => {
            (Some(to_hex(args)), crate::decode::decoder().call(contract, method, args))
        }
        _ => (None, None),
    };
    TxView {
        hash: tx.hash().to_hex(),
        status,
        sender: tx.tx.sender.to_hex(),
        nonce: tx.tx.nonce,
        kind: kind.to_string(),
        contract,
        method,
        block_height: None,
        index: None,
        receipt: None,
        args,
        call,
        timestamp_ms: None,
    }
}

#[async_trait]
impl ScfApiServer for RpcServer {
    async fn submit_transaction(&self, ext: &Extensions, tx: String) -> RpcResult<Submitted> {
        // Anyone admitted to ask may submit: a transaction is signed, and admitted by membership.
        self.viewer(ext)?;
        let bytes = from_hex(&tx).map_err(|e| bad_param("transaction hex", e))?;
        if bytes.len() > MAX_TX_BYTES {
            return Err(error(
                codes::INVALID_TRANSACTION,
                "payload_too_large",
                format!("transaction of {} bytes exceeds the limit of {MAX_TX_BYTES}", bytes.len()),
            ));
        }
        let signed: SignedTransaction = borsh::from_slice(&bytes).map_err(|e| {
            error(codes::INVALID_TRANSACTION, "malformed", format!("transaction does not decode: {e}"))
        })?;
        let gossiped = signed.clone();
        let result = self.intake.admission.submit(signed).await.map_err(internal)?;
        match result {
            Ok(hash) => {
                if let Some(a) = &self.intake.announcer {
                    a.announce(gossiped);
                }
                Ok(Submitted { hash: hash.to_hex() })
            }
            Err(SubmitError::Invalid(e)) => Err(tx_error(codes::INVALID_TRANSACTION, &e)),
            Err(SubmitError::Pool(e @ crate::mempool::PoolError::Full { .. })) => {
                Err(error(codes::POOL_FULL, "pool_full", e.to_string()))
            }
            Err(SubmitError::Pool(e @ crate::mempool::PoolError::SenderQuota { .. })) => {
                Err(error(codes::SENDER_QUOTA, "sender_quota", e.to_string()))
            }
            Err(SubmitError::Pool(e)) => Err(error(codes::ALREADY_PENDING, "already_pending", e.to_string())),
            Err(SubmitError::Node(e)) => Err(internal(e)),
        }
    }

    async fn chain_head(&self, ext: &Extensions) -> RpcResult<ChainHead> {
        self.viewer(ext)?;
        let head = self.chain.head();
        Ok(ChainHead {
            chain_id: self.chain.runtime.params().chain_id.clone(),
            height: head.height,
            hash: head.hash().to_hex(),
            state_root: head.state_root.to_hex(),
            timestamp_ms: head.timestamp_ms,
            genesis_hash: self.chain.genesis_hash.to_hex(),
            dev: self.chain.dev,
        })
    }

    async fn get_block(&self, ext: &Extensions, id: BlockId) -> RpcResult<BlockView> {
        let viewer = self.viewer(ext)?;
        let b = self.block(&id)?;
        let h = &b.header;
        Ok(BlockView {
            height: h.height,
            hash: h.hash().to_hex(),
            parent_hash: h.parent_hash.to_hex(),
            timestamp_ms: h.timestamp_ms,
            proposer: h.proposer.to_hex(),
            tx_root: h.tx_root.to_hex(),
            state_root: h.state_root.to_hex(),
            receipts_root: h.receipts_root.to_hex(),
            // Anonymous readers get the header alone.
            transactions: if viewer.is_anonymous() {
                Vec::new()
            } else {
                b.transactions.iter().map(|t| t.hash().to_hex()).collect()
            },
        })
    }

    async fn get_block_receipts(&self, ext: &Extensions, id: BlockId) -> RpcResult<Vec<BlockReceipt>> {
        let viewer = self.viewer(ext)?;
        viewer.require_login("scf_getBlockReceipts")?;
        let b = self.block(&id)?;
        let mut out = Vec::with_capacity(b.transactions.len());
        for tx in &b.transactions {
            let hash = tx.hash();
            let receipt = self
                .chain
                .storage
                .receipt(&hash)
                .map_err(internal)?
                .ok_or_else(|| internal("receipt of a committed transaction missing"))?;
            // Only the receipts the viewer may see, with only the events it may see.
            if let Some(view) = visible_receipt(&viewer, &tx.tx.sender, &receipt) {
                out.push(BlockReceipt { tx_hash: hash.to_hex(), receipt: view });
            }
        }
        Ok(out)
    }

    async fn get_transaction(&self, ext: &Extensions, hash: String) -> RpcResult<TxView> {
        let viewer = self.viewer(ext)?;
        viewer.require_login("scf_getTransaction")?;
        let hash = parse_hash(&hash)?;
        // A transaction the viewer may not see is answered exactly like one that does not exist.
        let not_found = || {
            error(
                codes::NOT_FOUND,
                "not_found",
                format!(
                    "transaction {hash} is neither pending nor committed at this node: if it was acknowledged, it \
                     left the pool unexecuted (expired behind a nonce gap, evicted, or its nonce used); send it again"
                ),
            )
        };
        let storage = &self.chain.storage;
        if let Some(loc) = storage.tx_location(&hash).map_err(internal)? {
            let tx = storage
                .transaction(&loc)
                .map_err(internal)?
                .ok_or_else(|| internal("indexed block missing"))?;
            let tx = &tx;
            let receipt =
                storage.receipt(&hash).map_err(internal)?.ok_or_else(|| internal("receipt missing"))?;
            let Some(receipt_view) = visible_receipt(&viewer, &tx.tx.sender, &receipt) else {
                return Err(not_found());
            };
            let mut view = tx_view(tx, TxStatus::Committed);
            if !viewer.is_sender(&tx.tx.sender) {
                // What a call was given is its sender's, like what it returned.
                view.args = None;
                view.call = None;
            }
            view.block_height = Some(loc.height);
            view.index = Some(loc.index);
            view.timestamp_ms = storage.header(loc.height).map_err(internal)?.map(|h| h.timestamp_ms);
            view.receipt = Some(receipt_view);
            return Ok(view);
        }
        if let Some(tx) = self.chain.mempool.get(&hash) {
            if viewer.sees_transaction(&tx.tx.sender, None) {
                return Ok(tx_view(&tx, TxStatus::Pending));
            }
        }
        Err(not_found())
    }

    async fn query(
        &self,
        ext: &Extensions,
        contract: String,
        method: String,
        args: String,
        auth: Option<QueryAuth>,
    ) -> RpcResult<QueryResult> {
        let contract = ContractAddress::from_hex(&contract).map_err(|e| bad_param("contract", e))?;
        let args = from_hex(&args).map_err(|e| bad_param("args hex", e))?;
        if args.len() > MAX_TX_BYTES {
            return Err(bad_param("args", "too large"));
        }
        let viewer = self.viewer(ext)?;
        if viewer.is_anonymous() && !anonymous_query(&contract, &method) {
            return Err(crate::access::forbidden(
                "login_required",
                "queries are for members (anonymous readers get the validator set only): sign in with a member's account",
            ));
        }
        // A signed query speaks for its signer; otherwise a member's query for the member's
        // account that signed in.
        let caller = match (auth, &viewer) {
            (Some(auth), _) => Some(self.authorize_query(&contract, &method, &args, &auth)?),
            (None, viewer) => viewer.account(),
        };
        let chain = self.chain.clone();
        let queried = method.clone();
        let result = tokio::task::spawn_blocking(move || {
            chain.runtime.query(chain.state(), chain.query_context(), contract, &queried, args, caller)
        })
        .await
        .map_err(internal)?
        .map_err(internal)?;
        match result {
            Ok(data) => Ok(QueryResult {
                decoded: crate::decode::decoder().returned(&contract, &method, &data),
                data: to_hex(&data),
            }),
            Err(e) => Err(tx_error(codes::QUERY_FAILED, &e)),
        }
    }

    async fn get_account(&self, ext: &Extensions, account: String) -> RpcResult<AccountView> {
        let viewer = self.viewer(ext)?;
        viewer.require_login("scf_getAccount")?;
        let account = parse_account(&account)?;
        // An account's nonce measures its activity: its own member and overseers read it.
        if !viewer.is_sender(&account) {
            return Err(crate::access::forbidden(
                "not_visible",
                format!("account {account} is not one of yours: its member and overseers read it"),
            ));
        }
        let nonce = self.chain.nonce(&account).map_err(internal)?;
        let args = borsh::to_vec(&account).map_err(internal)?;
        let chain = self.chain.clone();
        let member = tokio::task::spawn_blocking(move || {
            chain.runtime.query(
                chain.state(),
                chain.query_context(),
                scf_interface::SystemContract::Registry.address(),
                "get",
                args,
                None,
            )
        })
        .await
        .map_err(internal)?
        .map_err(internal)?
        .map_err(|e| internal(format!("registry query failed: {e}")))?;
        let member: Option<registry::Member> = borsh::from_slice(&member).map_err(internal)?;
        Ok(AccountView {
            account: account.to_hex(),
            nonce,
            member: member.map(|m| MemberView {
                name: m.name,
                role: m.role.as_str().to_string(),
                active: m.active,
                maker_checker: m.maker_checker,
            }),
        })
    }

    async fn dev_advance_time(&self, ext: &Extensions, seconds: u64) -> RpcResult<DevTime> {
        // Dev chains only, whose keys are public anyway: no login needed.
        self.viewer(ext)?;
        let ms = seconds.checked_mul(1000).ok_or_else(|| bad_param("seconds", "too large"))?;
        match self.chain.advance_time(ms).map_err(internal)? {
            Some(offset_ms) => Ok(DevTime { offset_ms, chain_now_ms: self.chain.now_ms() }),
            None if !self.chain.dev => {
                Err(error(codes::DEV_ONLY, "dev_only", "dev_advanceTime exists only on development chains"))
            }
            None => Err(bad_param(
                "seconds",
                format!(
                    "the total shift may not exceed {} days",
                    crate::chain::MAX_DEV_TIME_OFFSET_MS / 86_400_000
                ),
            )),
        }
    }

    async fn get_blocks(&self, ext: &Extensions, from: u64, limit: u32) -> RpcResult<Vec<BlockSummary>> {
        let viewer = self.viewer(ext)?;
        let chain = self.chain.clone();
        tokio::task::spawn_blocking(move || crate::explorer::blocks(&chain, &viewer, from, limit))
            .await
            .map_err(internal)?
    }

    async fn get_events(
        &self,
        ext: &Extensions,
        filter: EventFilter,
        after: Option<EventCursor>,
        limit: u32,
    ) -> RpcResult<EventPage> {
        let viewer = self.viewer(ext)?;
        let chain = self.chain.clone();
        tokio::task::spawn_blocking(move || crate::explorer::events(&chain, &viewer, &filter, after, limit))
            .await
            .map_err(internal)?
    }

    async fn get_transactions_of(
        &self,
        ext: &Extensions,
        of: TransactionsOf,
        before: Option<TxCursor>,
        limit: u32,
    ) -> RpcResult<TxPage> {
        let viewer = self.viewer(ext)?;
        let chain = self.chain.clone();
        tokio::task::spawn_blocking(move || {
            crate::explorer::transactions_of(&chain, &viewer, &of, before, limit)
        })
        .await
        .map_err(internal)?
    }

    async fn get_validators(&self, ext: &Extensions) -> RpcResult<Vec<ValidatorView>> {
        // The validator set is public to every tier (anonymous readers may query it too).
        self.viewer(ext)?;
        let chain = self.chain.clone();
        tokio::task::spawn_blocking(move || crate::explorer::validators(&chain)).await.map_err(internal)?
    }

    async fn get_peers(&self, ext: &Extensions) -> RpcResult<Vec<PeerView>> {
        crate::explorer::peers(&self.viewer(ext)?, &self.peers)
    }

    async fn node_status(&self, ext: &Extensions) -> RpcResult<NodeStatus> {
        let viewer = self.viewer(ext)?;
        Ok(crate::explorer::status(&self.chain, &viewer, &self.peers))
    }

    async fn subscribe_new_heads(
        &self,
        pending: PendingSubscriptionSink,
        ext: &Extensions,
        from_height: Option<u64>,
    ) -> SubscriptionResult {
        crate::explorer::follow_heads(
            self.chain.clone(),
            self.access.clone(),
            ext.clone(),
            pending,
            from_height,
        )
        .await
    }

    async fn subscribe_events(
        &self,
        pending: PendingSubscriptionSink,
        ext: &Extensions,
        filter: EventFilter,
        after: Option<EventCursor>,
    ) -> SubscriptionResult {
        crate::explorer::follow_events(
            self.chain.clone(),
            self.access.clone(),
            ext.clone(),
            pending,
            filter,
            after,
        )
        .await
    }

    async fn set_log_filter(&self, ext: &Extensions, filter: String) -> RpcResult<LogFilter> {
        // Logging is the node's own business: its operator only, not members who oversee the chain.
        if !matches!(self.viewer(ext)?, Viewer::Operator) {
            return Err(crate::access::forbidden(
                "operator_only",
                "admin_setLogFilter is for the node's operator (its cookie credential)",
            ));
        }
        if filter.len() > scf_rpc_api::MAX_LOG_FILTER_LEN {
            return Err(bad_param(
                "filter",
                format!("longer than {} bytes", scf_rpc_api::MAX_LOG_FILTER_LEN),
            ));
        }
        match crate::logging::set_filter(&filter) {
            Ok(previous) => Ok(LogFilter { previous, current: filter }),
            Err(e @ crate::logging::LogFilterError::Invalid(_)) => Err(bad_param("filter", e)),
            Err(e @ crate::logging::LogFilterError::Fixed) => {
                Err(error(codes::INTERNAL, "fixed", e.to_string()))
            }
        }
    }

    async fn system_contracts(&self, ext: &Extensions) -> RpcResult<SystemContracts> {
        self.viewer(ext)?.require_login("scf_systemContracts")?;
        Ok(SystemContracts {
            registry: scf_interface::SystemContract::Registry.address().to_hex(),
            deposit_token: scf_interface::SystemContract::DepositToken.address().to_hex(),
            receivables: scf_interface::SystemContract::Receivables.address().to_hex(),
            governance: scf_interface::SystemContract::Governance.address().to_hex(),
            trade: scf_interface::SystemContract::Trade.address().to_hex(),
        })
    }

    async fn list_contracts(&self, ext: &Extensions, from: u64, limit: u32) -> RpcResult<Vec<ContractView>> {
        self.viewer(ext)?.require_login("scf_listContracts")?;
        if limit == 0 || limit > MAX_CONTRACTS_PAGE {
            return Err(bad_param("limit", format!("must be 1 to {MAX_CONTRACTS_PAGE}")));
        }
        let installed =
            scf_runtime::installed_contracts(&self.chain.storage, from, limit as u64).map_err(internal)?;
        let mut out = Vec::with_capacity(installed.len());
        for (address, info) in installed {
            out.push(ContractView {
                address: address.to_hex(),
                name: SYSTEM_CONTRACTS
                    .iter()
                    .find(|n| ContractAddress::system(n) == address)
                    .map(|n| n.to_string()),
                code_hash: info.code_hash.to_hex(),
                version: info.version,
                proposal: info.proposal,
                approvers: info.approvers.iter().map(AccountId::to_hex).collect(),
                installed_by: info.installed_by.to_hex(),
                installed_at: info.installed_at,
            });
        }
        Ok(out)
    }
}

/// The OpenRPC document of this interface (`docs/schema/openrpc.json`), served by `rpc.discover`.
pub const OPENRPC_DOCUMENT: &str = include_str!("../../docs/schema/openrpc.json");

/// Subscriptions one WebSocket connection may hold.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: u32 = 64;

/// Messages queued for one WebSocket connection before its subscriptions count as too slow.
pub const MESSAGE_BUFFER: u32 = 1024;

/// Concurrent HTTP/WebSocket connections the RPC server accepts.
pub const MAX_RPC_CONNECTIONS: u32 = 4096;

/// Every method the server serves: the API's, `rpc_methods` and `rpc.discover`.
pub fn methods(
    chain: Arc<Chain>,
    intake: Intake,
    access: Access,
    peers: Peers,
) -> anyhow::Result<RpcModule<()>> {
    let mut module = RpcModule::new(());
    module.merge(RpcServer { chain, intake, access: Arc::new(access), peers }.into_rpc())?;
    let mut methods: Vec<String> = module.method_names().map(String::from).collect();
    methods.extend(["rpc_methods".to_string(), "rpc.discover".to_string()]);
    methods.sort();
    module.register_method("rpc_methods", move |_, _, _| {
        Ok::<_, ErrorObjectOwned>(MethodList { methods: methods.clone() })
    })?;
    // The committed OpenRPC document, as built into this binary (its tests keep it in step).
    let openrpc: serde_json::Value = serde_json::from_str(OPENRPC_DOCUMENT)?;
    module.register_method("rpc.discover", move |_, _, _| Ok::<_, ErrorObjectOwned>(openrpc.clone()))?;
    Ok(module)
}

/// Starts the server; it runs until the handle is stopped.
pub async fn start(
    chain: Arc<Chain>,
    intake: Intake,
    peers: Peers,
    addr: SocketAddr,
    access: Access,
    tls: Option<Arc<rustls::ServerConfig>>,
    limits: RpcLimits,
) -> anyhow::Result<(ServerHandle, SocketAddr)> {
    // Hex doubles a transaction's size; leave room for the JSON around it.
    // Applications and load generators keep many requests in flight; the default of 100
    // connections answers the rest with HTTP 429.
    let config = ServerConfig::builder()
        .max_request_body_size(4 * MAX_TX_BYTES as u32)
        .max_connections(MAX_RPC_CONNECTIONS)
        .set_batch_request_config(jsonrpsee::server::BatchRequestConfig::Limit(scf_rpc_api::MAX_BATCH_LEN))
        .max_subscriptions_per_connection(MAX_SUBSCRIPTIONS_PER_CONNECTION)
        // A WebSocket's outgoing queue: a subscriber that lets it fill is closed with its cursor.
        .set_message_buffer_capacity(MESSAGE_BUFFER)
        .build();
    let limiter = ClientLimiter::new(limits);
    // HTTP: browsers' origins are checked, then every request's Authorization header becomes a
    // `Presented` extension the methods read. RPC: every call is counted against its client.
    // `/health`, `/ready` and the explorer's files are answered before anything else reads the
    // request.
    let http = tower::ServiceBuilder::new()
        .layer(OriginCheckLayer::new(&limiter.limits().allowed_origins))
        .layer(crate::probes::GetEndpointsLayer::new(chain.clone(), peers.clone(), access.anonymous))
        .layer(tower::util::MapRequestLayer::new(crate::access::read_credential));
    let module = methods(chain, intake, access, peers)?;
    let names = crate::metrics::MethodNames::new(module.method_names().map(String::from));
    let call_limiter = limiter.clone();
    let rpc = jsonrpsee::server::middleware::rpc::RpcServiceBuilder::new()
        .layer_fn(move |service| CallLimits::new(service, call_limiter.clone(), names.clone()));
    // Connections are accepted here (not by jsonrpsee) so that each is counted against its
    // address, its requests carry that address, and TLS can be put in between.
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let (stop, handle) = jsonrpsee::server::stop_channel();
    let services = Server::builder()
        .set_config(config)
        .set_http_middleware(http)
        .set_rpc_middleware(rpc)
        .to_service_builder();
    let methods: jsonrpsee::Methods = module.into();
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let secure = acceptor.is_some();
    // Handshakes in progress are bounded (the connections they become are bounded by jsonrpsee's
    // connection guard).
    let handshakes = Arc::new(tokio::sync::Semaphore::new(MAX_TLS_HANDSHAKES));
    tokio::spawn(async move {
        loop {
            let (socket, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, say: wait instead of spinning.
                        tracing::warn!(target: "scf::rpc", error = %e, "accepting an RPC connection failed");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                },
                _ = stop.clone().shutdown() => break,
            };
            let Some(slot) = limiter.connect(peer.ip()) else {
                tracing::debug!(target: "scf::rpc", %peer, "too many connections from this address; closed");
                continue;
            };
            let _ = socket.set_nodelay(true);
            let client = ClientAddr(peer.ip());
            let service = tower::ServiceBuilder::new()
                .map_request(move |mut request: jsonrpsee::server::HttpRequest<hyper::body::Incoming>| {
                    request.extensions_mut().insert(client);
                    request
                })
                .service(services.clone().build(methods.clone(), stop.clone()));
            let stopped = stop.clone();
            match &acceptor {
                None => {
                    tokio::spawn(async move {
                        let _ = jsonrpsee::server::serve_with_graceful_shutdown(
                            socket,
                            service,
                            stopped.shutdown(),
                        )
                        .await;
                        drop(slot);
                    });
                }
                Some(acceptor) => {
                    let Ok(permit) = handshakes.clone().try_acquire_owned() else {
                        continue; // too many handshakes at once: the connection is dropped
                    };
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        // A client that never finishes its handshake holds nothing for long.
                        let handshake =
                            tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(socket)).await;
                        drop(permit);
                        let Ok(Ok(stream)) = handshake else {
                            return;
                        };
                        let _ = jsonrpsee::server::serve_with_graceful_shutdown(
                            stream,
                            service,
                            stopped.shutdown(),
                        )
                        .await;
                        drop(slot);
                    });
                }
            }
        }
    });
    if secure {
        tracing::info!(target: "scf::rpc", %local, "JSON-RPC listening (HTTPS and WebSocket over TLS)");
    } else {
        tracing::info!(target: "scf::rpc", %local, "JSON-RPC listening (HTTP and WebSocket)");
    }
    Ok((handle, local))
}

/// Most TLS handshakes in progress at once.
const MAX_TLS_HANDSHAKES: usize = 256;

/// How long a client has to complete its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The TLS configuration of `cert` (PEM chain) and `key` (PEM private key).
pub fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("reading the RPC certificate {}: {e}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("the RPC certificate file {} holds no certificate", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| anyhow::anyhow!("reading the RPC private key {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| anyhow::anyhow!("the RPC certificate and key do not match: {e}"))?;
    Ok(Arc::new(config))
}
