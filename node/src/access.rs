//! RPC access tiers: who a request speaks for, and what each tier may read (issue 20).
//!
//! - The node's **operator** presents the secret of the cookie file the node writes into its data
//!   directory at every start (`rpc.cookie`, mode 0600): it reads everything.
//! - A **member** presents a login its account signed (`scf_primitives::LoginAuthorization`,
//!   valid at most `MAX_LOGIN_MS`): it reads block headers, its own transactions, and the
//!   receipts and events where it is a party; auditors and operators (roles on chain) read
//!   everything. Membership is read from committed state per request, so a suspension or a
//!   removed account takes effect with its block.
//! - An **anonymous** request reads the chain head, block headers and the validator set, and may
//!   submit transactions (they are signed and admitted by membership); a node can refuse
//!   anonymous requests altogether (`rpc_anonymous = false`).
//!
//! What node operators themselves see (every transaction in full) is ADR 0009.
use std::{io::Write, path::Path};

use jsonrpsee::{
    server::HttpRequest,
    types::{ErrorObjectOwned, Extensions},
};
use scf_interface::registry::{Member, Role};
use scf_primitives::{sha256, AccountId, Event, Hash, LoginAuthorization, Receipt};
use scf_rpc_api::{codes, Credential, ErrorData, MAX_LOGIN_MS};

use crate::chain::Chain;

/// What the HTTP layer found in a request's `Authorization` header (an extension of the request).
#[derive(Clone, Debug)]
pub enum Presented {
    None,
    Credential(Credential),
    Malformed(&'static str),
}

/// The request's viewer once resolved: every call of an HTTP batch shares it.
#[derive(Clone, Debug, Default)]
pub struct Resolved(std::sync::Arc<std::sync::OnceLock<Result<Viewer, ErrorObjectOwned>>>);

/// A login's signed content and signature: what a verification decides.
type LoginKey = (AccountId, u64, [u8; 64]);

/// Logins whose signature was checked, and the verdict. A client keeps one login for up to
/// `MAX_LOGIN_MS` and sends it with every request: verifying it on every request was a second
/// ed25519 verification per submitted transaction. The verdict is a pure function of the key
/// (the chain id is the node's own), so it never goes stale; expiry and membership are checked
/// on every request. Bounded: a flood of fresh logins only evicts verdicts, which cost one
/// verification each to find again.
type VerifiedLogins = crate::bounded::Bounded<LoginKey, bool, VERIFIED_LOGINS>;

/// Verdicts kept: far more than the members who sign in within a login's lifetime.
const VERIFIED_LOGINS: usize = 16_384;

/// Reads the `Authorization` header of an HTTP request (or of a WebSocket's upgrade request) into
/// a [`Presented`] extension for the methods.
pub fn read_credential<B>(mut request: HttpRequest<B>) -> HttpRequest<B> {
    let presented = match request.headers().get(http::header::AUTHORIZATION) {
        None => Presented::None,
        Some(value) => match value.to_str().map_err(|_| "the Authorization header is not ASCII") {
            Ok(text) => match Credential::parse(text) {
                Ok(c) => Presented::Credential(c),
                Err(reason) => Presented::Malformed(reason),
            },
            Err(reason) => Presented::Malformed(reason),
        },
    };
    request.extensions_mut().insert(presented);
    // A connection that may become a WebSocket lives on: its calls re-resolve (expiry and
    // membership), so that a suspension reaches it. Any `Upgrade` header at all counts: the
    // WebSocket handshake accepts more spellings than one exact value.
    if !request.headers().contains_key(http::header::UPGRADE) {
        request.extensions_mut().insert(Resolved::default());
    }
    request
}

/// Who a request speaks for.
#[derive(Clone, Debug)]
pub enum Viewer {
    Operator,
    /// A member, signed in with `account`.
    Member {
        member: Member,
        account: AccountId,
    },
    /// A validator's consensus key (no member account): it reads its own transactions and the
    /// consortium-wide events (governance), nothing of members' business.
    Validator(AccountId),
    Anonymous,
}

impl Viewer {
    /// Operators of the node, and members whose role oversees the consortium (auditors, the
    /// platform operator), read everything.
    pub fn sees_everything(&self) -> bool {
        match self {
            Viewer::Operator => true,
            Viewer::Member { member: m, .. } => matches!(m.role, Role::Auditor | Role::Operator),
            Viewer::Validator(_) | Viewer::Anonymous => false,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self, Viewer::Anonymous)
    }

    /// Refuses an anonymous request to a method for members.
    pub fn require_login(&self, what: &str) -> Result<(), ErrorObjectOwned> {
        if self.is_anonymous() {
            return Err(forbidden(
                "login_required",
                format!("{what} is for members: sign in with a member's account (`scf --as KEY`)"),
            ));
        }
        Ok(())
    }

    /// Whether the viewer may see a transaction sent by `sender` whose receipt is `receipt`
    /// (`None` while it is pending): its sender's member, the parties of its events, overseers.
    pub fn sees_transaction(&self, sender: &AccountId, receipt: Option<&Receipt>) -> bool {
        match self {
            _ if self.sees_everything() => true,
            Viewer::Member { member: m, .. } => {
                m.accounts.contains(sender)
                    || receipt.is_some_and(|r| r.events.iter().any(|e| e.parties.contains(&m.name)))
            }
            Viewer::Validator(account) => account == sender,
            _ => false,
        }
    }

    /// Whether the viewer may see `event`: its parties (an event without parties concerns the
    /// whole consortium), overseers.
    pub fn sees_event(&self, event: &Event) -> bool {
        match self {
            _ if self.sees_everything() => true,
            Viewer::Member { member: m, .. } => event.parties.is_empty() || event.parties.contains(&m.name),
            Viewer::Validator(_) => event.parties.is_empty(),
            Viewer::Operator | Viewer::Anonymous => false,
        }
    }

    /// The account a member or validator signed in with: its queries run as that account.
    pub fn account(&self) -> Option<AccountId> {
        match self {
            Viewer::Member { account, .. } | Viewer::Validator(account) => Some(*account),
            Viewer::Operator | Viewer::Anonymous => None,
        }
    }

    /// Whether the viewer sent a transaction from `sender` (it sees its return data and error).
    pub fn is_sender(&self, sender: &AccountId) -> bool {
        match self {
            _ if self.sees_everything() => true,
            Viewer::Member { member: m, .. } => m.accounts.contains(sender),
            Viewer::Validator(account) => account == sender,
            _ => false,
        }
    }
}

pub fn forbidden(kind: &str, message: impl Into<String>) -> ErrorObjectOwned {
    let data = ErrorData { kind: kind.to_string(), error_code: None, error_name: None };
    ErrorObjectOwned::owned(codes::FORBIDDEN, message.into(), Some(data))
}

/// How the node decides who a request speaks for.
pub struct Access {
    /// SHA-256 of the operator cookie: compared by digest, so the comparison's timing says
    /// nothing about the secret.
    cookie_digest: Hash,
    /// Whether requests without a credential are answered at all.
    pub anonymous: bool,
    verified_logins: std::sync::Mutex<VerifiedLogins>,
}

impl Access {
    /// Writes a fresh operator cookie into `data_dir` (mode 0600 before any byte is written).
    pub fn create(data_dir: &Path, anonymous: bool) -> std::io::Result<Access> {
        let mut secret = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
        let cookie = hex::encode(secret);
        let path = data_dir.join(scf_rpc_api::OPERATOR_COOKIE_FILE);
        let _ = std::fs::remove_file(&path);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path)?.write_all(cookie.as_bytes())?;
        Ok(Access {
            cookie_digest: sha256(cookie.as_bytes()),
            anonymous,
            verified_logins: Default::default(),
        })
    }

    /// The viewer of a request, from its extensions and the committed membership: resolved once
    /// per HTTP request (a batch's calls share it), on every call of a WebSocket connection.
    pub fn viewer(&self, chain: &Chain, ext: &Extensions) -> Result<Viewer, ErrorObjectOwned> {
        match ext.get::<Resolved>() {
            Some(resolved) => resolved.0.get_or_init(|| self.resolve(chain, ext)).clone(),
            None => self.resolve(chain, ext),
        }
    }

    /// Whether a login's signature verifies for this chain, from the verdicts kept when known.
    fn login_verifies(&self, chain: &Chain, key: LoginKey) -> bool {
        let lock = || self.verified_logins.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(verdict) = lock().get(&key) {
            return *verdict;
        }
        let (account, expires_at_ms, signature) = key;
        let login =
            LoginAuthorization { chain_id: chain.runtime.params().chain_id.clone(), account, expires_at_ms };
        let verdict = login.verify_signature(&signature);
        lock().insert(key, verdict, 1);
        verdict
    }

    fn resolve(&self, chain: &Chain, ext: &Extensions) -> Result<Viewer, ErrorObjectOwned> {
        let presented = ext.get::<Presented>().cloned().unwrap_or(Presented::None);
        match presented {
            Presented::None if self.anonymous => Ok(Viewer::Anonymous),
            Presented::None => Err(forbidden(
                "anonymous_refused",
                "this node answers authenticated requests only: sign in with a member's account",
            )),
            Presented::Malformed(reason) => Err(forbidden("bad_credential", reason)),
            Presented::Credential(Credential::Operator { cookie }) => {
                if sha256(cookie.as_bytes()) == self.cookie_digest {
                    Ok(Viewer::Operator)
                } else {
                    Err(forbidden(
                        "bad_credential",
                        "the operator credential does not match this node's cookie",
                    ))
                }
            }
            Presented::Credential(Credential::Member { account, expires_at_ms, signature }) => {
                // The node's wall clock (not a dev chain's shifted one): logins never decide state.
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0);
                if expires_at_ms < now {
                    return Err(forbidden("expired", "the login has expired: sign in again"));
                }
                if expires_at_ms > now.saturating_add(MAX_LOGIN_MS) {
                    return Err(forbidden(
                        "expiry_too_far",
                        format!("a login may be valid for at most {} s", MAX_LOGIN_MS / 1000),
                    ));
                }
                if !self.login_verifies(chain, (account, expires_at_ms, signature)) {
                    return Err(forbidden(
                        "bad_signature",
                        "the login's signature does not verify for this chain",
                    ));
                }
                match scf_runtime::member_of_account(&chain.storage, &account) {
                    Ok(Some(m)) if m.active => Ok(Viewer::Member { member: m, account }),
                    Ok(Some(m)) => Err(forbidden(
                        "member_suspended",
                        format!("member {} is suspended: its accounts read nothing", m.name),
                    )),
                    Ok(None) => {
                        let next = chain.head().height + 1;
                        match scf_runtime::is_validator_key(&chain.storage, &account, next) {
                            Ok(true) => Ok(Viewer::Validator(account)),
                            Ok(false) => Err(forbidden(
                                "not_a_member",
                                format!("account {account} acts for no member"),
                            )),
                            Err(e) => Err(crate::rpc::internal(e)),
                        }
                    }
                    Err(e) => Err(crate::rpc::internal(e)),
                }
            }
        }
    }
}
