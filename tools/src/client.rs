//! The CLI's connection to a node: queries, signing and submitting, waiting for blocks, and
//! printing receipts.
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use jsonrpsee::{
    core::client::Error as ClientError,
    http_client::{HeaderMap, HeaderValue, HttpClient, HttpClientBuilder},
};
use scf_interface::{self as api, Method};
use scf_interface::{
    receivables::{parse_date, Day, MS_PER_DAY},
    registry::Member,
};
use scf_primitives::{crypto::Keypair, AccountId, ContractAddress, Payload, QueryAuthorization, Transaction};
use scf_rpc_api::{from_hex, to_hex, Credential, QueryAuth, ReceiptView, ScfApiClient, TxStatus, TxView};

use crate::keystore::KeyStore;

pub fn rpc_err(e: ClientError) -> anyhow::Error {
    match e {
        ClientError::Call(obj) => {
            // The node names the broken rule in `data.kind` (e.g. `not_a_member`): show it, so
            // scripts and people can tell refusals apart without parsing English.
            let kind = obj
                .data()
                .and_then(|d| serde_json::from_str::<scf_rpc_api::ErrorData>(d.get()).ok())
                .map(|d| match d.error_name {
                    Some(name) => format!(" [{}: {name}]", d.kind),
                    None => format!(" [{}]", d.kind),
                })
                .unwrap_or_default();
            anyhow!("{}{kind} (code {})", obj.message(), obj.code())
        }
        ClientError::Transport(t) => anyhow!("cannot reach the node: {t}"),
        other => anyhow!("{other}"),
    }
}

pub fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).expect("JSON values serialize"));
}

/// Options of every command that submits a transaction (signed by `--as`).
#[derive(clap::Args, Clone)]
pub struct TxOpts {
    /// Print the transaction hash without waiting for its block.
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Clone)]
pub struct Ctx {
    /// The node, as this command reads it: signed in as `--as`, or as the node's operator
    /// (cookie), or anonymous (see [`Ctx::connect`]).
    pub client: HttpClient,
    /// The node's JSON-RPC URL.
    url: String,
    pub keys: KeyStore,
    pub json: bool,
    /// The key (`--as`) that signs transactions and queries.
    pub signer: Option<String>,
    viewer: Option<Keypair>,
    chain: tokio::sync::OnceCell<(String, bool)>,
}

/// How long a signed query stays valid: long enough for clock skew, short for a leaked one.
const QUERY_VALIDITY_MS: u64 = 60_000;

/// How long a login the CLI signs stays valid (a command is short; the node allows 10 min).
const LOGIN_VALIDITY_MS: u64 = 5 * 60_000;

/// Where the CLI looks for a node operator's cookie when no `--as` is given: `SCF_RPC_COOKIE`, or
/// the dev chain's data directory (`tools/scripts/dev-chain.sh` keeps it in `data/dev`).
fn operator_cookie() -> Option<String> {
    let path = std::env::var_os("SCF_RPC_COOKIE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new("data/dev").join(scf_rpc_api::OPERATOR_COOKIE_FILE));
    std::fs::read_to_string(path).ok().map(|c| c.trim().to_string()).filter(|c| !c.is_empty())
}

/// A client of `url` signed in as `key` on chain `chain_id`, its login valid for `validity_ms`.
pub fn member_client(url: &str, chain_id: &str, key: &Keypair, validity_ms: u64) -> Result<HttpClient> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
    http_client(url, Some(&Credential::login(key, chain_id, now + validity_ms)))
}

/// A WebSocket client (subscriptions) of the node at `url` (its `http(s)://` JSON-RPC URL),
/// presenting `credential`, which never goes out in the clear to another machine.
pub async fn ws_client(url: &str, credential: Option<&Credential>) -> Result<jsonrpsee::ws_client::WsClient> {
    let url = match url.split_once("://") {
        Some(("https", rest)) => format!("wss://{rest}"),
        Some(("http", rest)) => format!("ws://{rest}"),
        _ => url.to_string(),
    };
    if credential.is_some() && url.starts_with("ws://") && !is_loopback_url(&url) {
        bail!("refusing to send a login over plain WebSocket to {url}: use https://");
    }
    let mut headers = HeaderMap::new();
    if let Some(c) = credential {
        headers.insert("authorization", HeaderValue::from_str(&c.header_value())?);
    }
    let mut builder = jsonrpsee::ws_client::WsClientBuilder::default()
        .request_timeout(Duration::from_secs(30))
        .set_headers(headers);
    if let Some(ca) = std::env::var_os("SCF_RPC_CA") {
        builder = builder.with_custom_cert_store(private_ca(std::path::Path::new(&ca))?);
    }
    builder.build(&url).await.with_context(|| format!("connecting to {url}"))
}

/// Whether `url` names this machine (`localhost`, `127.0.0.0/8`, `::1`).
fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map(|(_, a)| a).unwrap_or(authority);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn http_client(url: &str, credential: Option<&Credential>) -> Result<HttpClient> {
    // A credential is a bearer secret: it travels over TLS, or stays on this machine.
    if credential.is_some() && url.starts_with("http://") && !is_loopback_url(url) {
        bail!(
            "refusing to send a login over plain HTTP to {url}: use https:// (nodes serve RPC beyond \
             loopback over TLS)"
        );
    }
    let mut headers = HeaderMap::new();
    if let Some(c) = credential {
        headers.insert("authorization", HeaderValue::from_str(&c.header_value())?);
    }
    let mut builder =
        HttpClientBuilder::default().request_timeout(Duration::from_secs(30)).set_headers(headers);
    // A node whose certificate the consortium's own CA signed: trust that CA (PEM file).
    if let Some(ca) = std::env::var_os("SCF_RPC_CA") {
        builder = builder.with_custom_cert_store(private_ca(std::path::Path::new(&ca))?);
    }
    builder.build(url).with_context(|| format!("invalid node URL {url}"))
}

/// A TLS client configuration trusting the certificates of the PEM file `ca` (and nothing else).
fn private_ca(ca: &std::path::Path) -> Result<rustls::ClientConfig> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore::empty();
    for cert in
        CertificateDer::pem_file_iter(ca).with_context(|| format!("reading SCF_RPC_CA {}", ca.display()))?
    {
        roots.add(cert.with_context(|| format!("SCF_RPC_CA {}", ca.display()))?)?;
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl Ctx {
    /// A connection to the node at `url` that reads as `signer` (signed in with its key), or
    /// without one as the node's operator when its cookie is at hand (`SCF_RPC_COOKIE`, or
    /// `data/dev/rpc.cookie`), or else anonymously: headers, the validator set, submissions.
    pub async fn connect(url: &str, keys: KeyStore, json: bool, signer: Option<String>) -> Result<Ctx> {
        let viewer = signer.as_deref().map(|s| keys.get(s)).transpose()?;
        // The operator's cookie is for the node on this machine only.
        let credential = (viewer.is_none() && is_loopback_url(url))
            .then(operator_cookie)
            .flatten()
            .map(|cookie| Credential::Operator { cookie });
        let client = http_client(url, credential.as_ref())?;
        let mut ctx =
            Ctx { client, url: url.to_string(), keys, json, signer, viewer, chain: Default::default() };
        if let Some(key) = ctx.viewer.clone() {
            ctx.client = ctx.client_as(&key).await?;
        }
        Ok(ctx)
    }

    /// A context for commands that never reach a node (keys, schemas, new genesis files).
    pub fn offline(url: &str, keys: KeyStore, json: bool, signer: Option<String>) -> Result<Ctx> {
        let client = http_client(url, None)?;
        Ok(Ctx { client, url: url.to_string(), keys, json, signer, viewer: None, chain: Default::default() })
    }

    /// A client signed in as `key` (a login valid for a few minutes).
    pub async fn client_as(&self, key: &Keypair) -> Result<HttpClient> {
        let chain_id = self.chain().await?.0.clone();
        self.login_client(chain_id, key)
    }

    fn login_client(&self, chain_id: String, key: &Keypair) -> Result<HttpClient> {
        member_client(&self.url, &chain_id, key, LOGIN_VALIDITY_MS)
    }

    /// A client reading as this command reads, with a fresh login when it signs in (for commands
    /// that outlive a login, like `scf watch`).
    pub async fn fresh_client(&self) -> Result<HttpClient> {
        match &self.viewer {
            Some(key) => self.client_as(key).await,
            None => Ok(self.client.clone()),
        }
    }

    /// A login of `key` for this node's chain, valid for `validity_ms`.
    pub async fn login(&self, key: &Keypair, validity_ms: u64) -> Result<Credential> {
        let chain_id = self.chain().await?.0.clone();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
        Ok(Credential::login(key, &chain_id, now + validity_ms))
    }

    /// A WebSocket client of the node (for subscriptions), reading as this command reads: signed
    /// in as `--as` (a fresh login), as the operator (its cookie, on this machine), or anonymously.
    pub async fn ws_client(&self) -> Result<jsonrpsee::ws_client::WsClient> {
        let credential = match &self.viewer {
            Some(key) => Some(self.login(key, LOGIN_VALIDITY_MS).await?),
            None if is_loopback_url(&self.url) => {
                operator_cookie().map(|cookie| Credential::Operator { cookie })
            }
            None => None,
        };
        ws_client(&self.url, credential.as_ref()).await
    }

    /// The same node, reading, signing queries and transactions as `key`.
    pub async fn acting_as(&self, key: &str) -> Result<Ctx> {
        let viewer = self.keys.get(key)?;
        let client = self.client_as(&viewer).await?;
        Ok(Ctx {
            client,
            url: self.url.clone(),
            keys: self.keys.clone(),
            json: self.json,
            signer: Some(key.to_string()),
            viewer: Some(viewer),
            chain: self.chain.clone(),
        })
    }

    /// The `--as` key, which commands that submit a transaction need.
    pub fn signer(&self) -> Result<&str> {
        self.signer.as_deref().ok_or_else(|| {
            anyhow!(
                "this command signs a transaction: pass --as KEY (a stored key or a dev key such as core)"
            )
        })
    }

    /// The chain's id and whether it is a dev chain (asked once per command; a node that refuses
    /// anonymous requests is asked signed in, with `SCF_CHAIN_ID` naming the chain).
    async fn chain(&self) -> Result<&(String, bool)> {
        self.chain
            .get_or_try_init(|| async {
                match self.client.chain_head().await {
                    Ok(h) => Ok((h.chain_id, h.dev)),
                    Err(e) => match (std::env::var("SCF_CHAIN_ID"), &self.viewer) {
                        (Ok(chain_id), Some(key)) => {
                            let client = self.login_client(chain_id, key)?;
                            client.chain_head().await.map(|h| (h.chain_id, h.dev)).map_err(rpc_err)
                        }
                        _ => Err(rpc_err(e)),
                    },
                }
            })
            .await
    }

    /// Refuses to sign with a built-in dev key for a chain that is not a dev chain: those keys
    /// are public, so nothing they sign may count on a real network (the chain refuses them as
    /// members too; this stops the CLI from even trying, with a clearer message).
    async fn check_signing_key(&self, key: &Keypair) -> Result<()> {
        let (chain_id, dev) = self.chain().await?;
        if let Some(name) = Keypair::dev_key_name(&key.account_id()) {
            if !dev {
                bail!(
                    "refusing to sign with the public dev key {name:?}: chain {chain_id} is not a dev chain; \
                     use a key of your own (`scf keys new|import`, or the keys `scf genesis new` wrote: \
                     SCF_HOME=<network dir>)"
                );
            }
        }
        Ok(())
    }

    /// A calendar day from the command line: `YYYY-MM-DD`, or `+Nd` for N days after the chain's
    /// current day. The relative form is what scripts and tests use: the contracts judge dates by
    /// block time, so a date fixed in a script stops working once the chain passes it.
    ///
    /// The chain's current day is that of the next block: the proposer stamps it with its clock,
    /// never earlier than the head. So it is the later of the head's time (a dev chain's clock may
    /// run ahead) and this machine's (a new chain's head is its genesis, which may be long past).
    pub async fn day(&self, s: &str, what: &str) -> Result<Day> {
        if let Some(days) = s.strip_prefix('+') {
            let days: u32 = days
                .strip_suffix('d')
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| anyhow!("{what} {s:?} is not a date YYYY-MM-DD or +DAYSd (e.g. +90d)"))?;
            let head = self.client.chain_head().await.map_err(rpc_err)?;
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
            let today = (head.timestamp_ms.max(now) / MS_PER_DAY) as Day;
            return today.checked_add(days).ok_or_else(|| anyhow!("{what} {s:?} is too far ahead"));
        }
        parse_date(s).ok_or_else(|| anyhow!("{what} {s:?} is not a date YYYY-MM-DD or +DAYSd (e.g. +90d)"))
    }

    /// Runs a read-only contract method; signed by the `--as` key when there is one, so that
    /// contracts reveal what that member may see.
    pub async fn query_raw(&self, contract: ContractAddress, method: &str, args: Vec<u8>) -> Result<Vec<u8>> {
        let auth = match &self.viewer {
            None => None,
            Some(key) => {
                self.check_signing_key(key).await?;
                let now =
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
                let query = QueryAuthorization {
                    chain_id: self.chain().await?.0.clone(),
                    contract,
                    method: method.to_string(),
                    args: args.clone(),
                    account: key.account_id(),
                    expires_at_ms: now + QUERY_VALIDITY_MS,
                };
                Some(QueryAuth {
                    account: key.account_id().to_hex(),
                    expires_at_ms: query.expires_at_ms,
                    signature: to_hex(&key.sign_query(&query)),
                })
            }
        };
        let r = self.client.query(contract.to_hex(), method.to_string(), to_hex(&args), auth).await.map_err(
            |e| match (&self.viewer, rpc_err(e)) {
                (None, e) if e.to_string().contains("sign it with a member's account") => {
                    anyhow!("{e}\n  pass --as KEY to sign the query with a member's key")
                }
                (_, e) => e,
            },
        )?;
        Ok(from_hex(&r.data)?)
    }

    /// Runs a read-only contract method and decodes its borsh result.
    pub async fn query<A: borsh::BorshSerialize, R: borsh::BorshDeserialize>(
        &self,
        method: Method<A, R>,
        args: &A,
    ) -> Result<R> {
        let data = self.query_raw(method.address(), method.name, borsh::to_vec(args)?).await?;
        borsh::from_slice(&data).map_err(|e| anyhow!("unexpected result from {method:?}: {e}"))
    }

    /// A member by name, or the member an account (hex) or local key acts for.
    pub async fn member(&self, who: &str) -> Result<Member> {
        if let Some(m) = self.query::<_, Option<Member>>(api::registry::GET_BY_NAME, &who.to_string()).await?
        {
            return Ok(m);
        }
        let account = match AccountId::from_hex(who) {
            Ok(a) => a,
            Err(_) => self
                .keys
                .get(who)
                .map(|k| k.account_id())
                .map_err(|_| anyhow!("{who:?} is neither a member name, an account, nor a key"))?,
        };
        self.query::<_, Option<Member>>(api::registry::GET, &account)
            .await?
            .ok_or_else(|| anyhow!("{who:?} ({account}) is not a member"))
    }

    /// The member name for `who` (name, account or key).
    pub async fn member_name(&self, who: &str) -> Result<String> {
        Ok(self.member(who).await?.name)
    }

    /// An account from hex, a member name (its first account), or a local key name.
    pub async fn resolve_account(&self, who: &str) -> Result<AccountId> {
        if let Ok(a) = AccountId::from_hex(who) {
            return Ok(a);
        }
        if let Ok(account) = self.keys.account(who) {
            return Ok(account);
        }
        self.member(who)
            .await?
            .accounts
            .first()
            .copied()
            .ok_or_else(|| anyhow!("member {who} has no account"))
    }

    /// Signs, submits and (unless `no_wait`) waits for the transaction's block.
    pub async fn submit(&self, signer: &str, no_wait: bool, payload: Payload) -> Result<TxView> {
        // The `--as` key was opened (decrypted) once already, for signed queries.
        let key: Keypair = match &self.viewer {
            Some(key) if self.signer.as_deref() == Some(signer) => key.clone(),
            _ => self.keys.get(signer)?,
        };
        self.check_signing_key(&key).await?;
        // The signer reads its own transaction, whoever this command reads as.
        let client = self.client_as(&key).await?;
        let head = client.chain_head().await.map_err(rpc_err)?;
        let account = client.get_account(key.account_id().to_hex()).await.map_err(rpc_err)?;
        let tx = key.sign_transaction(Transaction {
            chain_id: head.chain_id,
            sender: key.account_id(),
            nonce: account.nonce,
            payload,
        });
        let hash = tx.hash();
        client.submit_transaction(to_hex(&borsh::to_vec(&tx)?)).await.map_err(rpc_err)?;
        if no_wait {
            return Ok(TxView::submitted(hash.to_hex(), key.account_id().to_hex(), tx.tx.nonce));
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let view = client.get_transaction(hash.to_hex()).await.map_err(rpc_err)?;
            if view.status == TxStatus::Committed {
                return Ok(view);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("transaction {hash} is still pending after 60 s (check with `scf tx show {hash}`)");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Calls a system contract method in a transaction; fails if the transaction failed.
    pub async fn call<A: borsh::BorshSerialize, R>(
        &self,
        signer: &str,
        no_wait: bool,
        method: Method<A, R>,
        args: &A,
    ) -> Result<TxView> {
        let payload = Payload::Call {
            contract: method.address(),
            method: method.name.into(),
            args: borsh::to_vec(args)?,
        };
        self.submit(signer, no_wait, payload).await
    }

    /// Calls a system contract method in a transaction, waits for its block and returns the
    /// method's value: `ctx.call_value("core", receivables::ISSUE, &args)` is the new voucher's id.
    /// Fails if the transaction failed.
    pub async fn call_value<A: borsh::BorshSerialize, R: borsh::BorshDeserialize>(
        &self,
        signer: &str,
        method: Method<A, R>,
        args: &A,
    ) -> Result<R> {
        returned(&self.call(signer, false, method, args).await?)
    }

    /// Calls `method` as the signer (`--as`) and reports the result with `done` as the line.
    pub async fn send<A: borsh::BorshSerialize, R>(
        &self,
        tx: &TxOpts,
        method: Method<A, R>,
        args: &A,
        done: impl FnOnce(&[u8]) -> String,
    ) -> Result<()> {
        let view = self.call(self.signer()?, tx.no_wait, method, args).await?;
        self.report(&view, done)
    }

    /// [`Ctx::send`] for a call whose value names what it created (see [`Ctx::report_value`]).
    pub async fn send_value<A: borsh::BorshSerialize, R: borsh::BorshDeserialize>(
        &self,
        tx: &TxOpts,
        method: Method<A, R>,
        args: &A,
        fields: impl FnOnce(&R) -> serde_json::Value,
        line: impl FnOnce(&R) -> String,
    ) -> Result<()> {
        let view = self.call(self.signer()?, tx.no_wait, method, args).await?;
        self.report_value(&view, method, fields, line)
    }

    /// Prints a transaction result; fails (non-zero exit) if the transaction failed.
    pub fn report(&self, view: &TxView, success_line: impl FnOnce(&[u8]) -> String) -> Result<()> {
        self.report_with(view, serde_json::Map::new(), success_line)
    }

    /// As `report`, for a call of `method` whose value names what it created: `fields` gives the
    /// `--json` fields naming it (`voucher_id`, `order_id`, ...), beside the receipt; `line` the
    /// human line. Neither runs unless the transaction committed successfully.
    pub fn report_value<A, R: borsh::BorshDeserialize>(
        &self,
        view: &TxView,
        _method: Method<A, R>,
        fields: impl FnOnce(&R) -> serde_json::Value,
        line: impl FnOnce(&R) -> String,
    ) -> Result<()> {
        let value: Option<R> = match &view.receipt {
            Some(r) if r.success => Some(returned(view)?),
            _ => None,
        };
        let extra = match value.as_ref().map(fields) {
            Some(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        self.report_with(view, extra, |_| value.as_ref().map(line).unwrap_or_default())
    }

    /// As `report`, with `extra` fields added to the JSON object (`--json` only).
    pub fn report_with(
        &self,
        view: &TxView,
        extra: serde_json::Map<String, serde_json::Value>,
        success_line: impl FnOnce(&[u8]) -> String,
    ) -> Result<()> {
        let receipt = view.receipt.as_ref();
        if self.json {
            let mut value = serde_json::to_value(view)?;
            if let Some(object) = value.as_object_mut() {
                object.extend(extra);
            }
            print_json(&value);
        } else {
            match (&view.status, receipt) {
                (TxStatus::Pending, _) => println!("submitted {}", view.hash),
                (_, Some(r)) if r.success => {
                    println!("{}", success_line(&return_data(view)?));
                    println!("  tx {} in block {}", view.hash, view.block_height.unwrap_or(0));
                    for e in &r.events {
                        let subjects: Vec<String> =
                            e.subjects.iter().map(|s| format!("{} {}", s.kind, s.id)).collect();
                        let parties = if e.parties.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", e.parties.join(", "))
                        };
                        println!("  event {} {}{parties}", e.topic, subjects.join(", "));
                    }
                }
                (_, Some(r)) => println!(
                    "FAILED: {} [{}{}]\n  tx {} in block {}",
                    r.error.as_deref().unwrap_or("?"),
                    r.error_kind.as_deref().unwrap_or("?"),
                    r.error_name.as_deref().map(|n| format!(": {n}")).unwrap_or_default(),
                    view.hash,
                    view.block_height.unwrap_or(0)
                ),
                (_, None) => println!("{}", view.hash),
            }
        }
        if let Some(ReceiptView { success: false, error, .. }) = receipt {
            bail!("transaction failed: {}", error.as_deref().unwrap_or("unknown error"));
        }
        Ok(())
    }
}

/// The return data of a committed, successful transaction.
pub fn return_data(view: &TxView) -> Result<Vec<u8>> {
    match &view.receipt {
        Some(r) if r.success => Ok(r.return_data.as_deref().map(from_hex).transpose()?.unwrap_or_default()),
        Some(r) => bail!("transaction failed: {}", r.error.as_deref().unwrap_or("unknown error")),
        None => bail!("transaction {} is not committed yet", view.hash),
    }
}

/// Decodes a successful transaction's return value.
pub fn returned<T: borsh::BorshDeserialize>(view: &TxView) -> Result<T> {
    Ok(borsh::from_slice(&return_data(view)?)?)
}

#[cfg(test)]
mod tests {
    use super::is_loopback_url;

    #[test]
    fn only_this_machine_is_loopback() {
        for url in
            ["http://127.0.0.1:9944", "http://localhost:9944/", "https://[::1]:9944", "http://127.1.2.3"]
        {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://10.0.0.2:9944",
            "https://node.bank.example:9944",
            "http://127.0.0.1.evil.example",
            "http://[::2]:1",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
