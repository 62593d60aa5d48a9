//! Chain specs (`genesis/*.json`) and the genesis state they define.
//!
//! A spec names the chain, its validators, the founding members of the consortium and the system
//! contracts, each pinned by the SHA-256 of its Wasm bytes: a node refuses a spec whose contract
//! bytes differ from the pin, so every node starts from the same state root.
use std::sync::Arc;

use scf_interface::{deposit_token, governance, receivables, registry, trade};
use scf_primitives::{AccountId, BlockHeader, ContractAddress, Hash, TimestampMs};
use serde::{Deserialize, Serialize};

use crate::{
    keys,
    state::{apply_changes, StateChanges, StateUpdate},
    Runtime, RuntimeError, StateStore,
};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisSpec {
    pub chain_id: String,
    /// Timestamp of the genesis header; the first block must be later.
    pub genesis_time_ms: TimestampMs,
    /// A development chain: enables dev-only RPC methods and the public dev keys. Part of the
    /// genesis state (so of the genesis hash): a node whose spec says otherwise than its peers'
    /// cannot follow their chain. A spec without it refuses every built-in dev key.
    #[serde(default)]
    pub dev: bool,
    pub validators: Vec<ValidatorSpec>,
    /// Non-voting nodes admitted to the network from the start.
    #[serde(default)]
    pub full_nodes: Vec<FullNodeSpec>,
    pub members: Vec<MemberSpec>,
    pub contracts: Vec<ContractSpec>,
    /// Credit lines of core enterprises at genesis.
    #[serde(default)]
    pub credit_lines: Vec<CreditLineSpec>,
    /// The height from which transaction signatures are verified under the cofactored rule,
    /// which lets a node verify them in batches (ADR 0011); absent, the strict rule holds at
    /// every height. Not part of the genesis state, so a running chain adopts it by every
    /// operator setting the same future height before it is reached (an upgrade); a node whose
    /// setting differs refuses the first block whose signature only the other rule accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cofactored_signatures_from: Option<scf_primitives::Height>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditLineSpec {
    /// Core enterprise member name.
    pub core: String,
    pub currency: String,
    /// Limit in minor units, as a decimal string (amounts are u128).
    pub limit: String,
    /// Operator or financier member name.
    pub granted_by: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorSpec {
    pub name: String,
    /// ed25519 consensus public key, hex.
    pub consensus_key: String,
    pub power: u64,
    /// ed25519 public key of the validator's libp2p identity, hex: peers admit only listed keys.
    pub node_key: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FullNodeSpec {
    pub name: String,
    /// ed25519 public key of the node's libp2p identity, hex.
    pub node_key: String,
    /// The member that runs the node: peers refuse it while that member is suspended.
    pub member: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    pub name: String,
    #[serde(default)]
    pub legal_name: String,
    #[serde(default)]
    pub registration_id: String,
    /// ed25519 public keys (hex) that act for the member.
    pub accounts: Vec<String>,
    /// `operator`, `core_enterprise`, `supplier`, `financier`, `auditor` or `logistics`.
    pub role: String,
    /// Require a second account's approval for issuance, outgoing transfers and financing
    /// applications (needs two or more accounts).
    #[serde(default)]
    pub maker_checker: bool,
    /// Parent core enterprise of a subsidiary (listed earlier in `members`).
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractSpec {
    /// System contract name: `registry`, `deposit_token`, `receivables`, `governance` or `trade`.
    pub name: String,
    /// Path of the `.wasm`, relative to the spec file.
    pub wasm: String,
    /// SHA-256 of the `.wasm` bytes, hex.
    pub sha256: String,
}

/// A validated spec with its contract bytes.
#[derive(Clone, Debug)]
pub struct Genesis {
    pub spec: GenesisSpec,
    pub validators: Vec<(AccountId, u64)>,
    pub members: Vec<registry::Member>,
    pub nodes: Vec<registry::NetworkNode>,
    pub contracts: Vec<(String, Vec<u8>)>,
    pub credit_lines: Vec<receivables::CreditLine>,
}

use scf_primitives::SYSTEM_CONTRACTS;

fn err(msg: impl Into<String>) -> RuntimeError {
    RuntimeError::Genesis(msg.into())
}

/// A chain that is not a dev chain must not let anyone who can compute a built-in dev key (that
/// is, anyone) act as a member, vote as a validator or connect as a node.
fn refuse_dev_keys(
    members: &[registry::Member],
    validators: &[(AccountId, u64)],
    nodes: &[registry::NetworkNode],
) -> Result<(), RuntimeError> {
    let dev = scf_primitives::crypto::Keypair::dev_key_name;
    for m in members {
        if let Some(name) = m.accounts.iter().find_map(dev) {
            return Err(err(format!(
                "member {}: account is the public dev key {name:?}; a chain that is not a dev chain needs keys \
                 of its own (`scf genesis new` creates them)",
                m.name
            )));
        }
    }
    for (key, _) in validators {
        if let Some(name) = dev(key) {
            return Err(err(format!("validator consensus key {key} is the public dev key {name:?}")));
        }
    }
    for n in nodes {
        if let Some(name) = dev(&n.node_key) {
            return Err(err(format!("node {}: node key is the public dev key {name:?}", n.name)));
        }
    }
    Ok(())
}

impl Genesis {
    /// The execution parameters of the chain this spec starts.
    pub fn runtime_params(&self) -> crate::RuntimeParams {
        let mut params = crate::RuntimeParams::new(self.spec.chain_id.clone());
        params.cofactored_signatures_from = self.spec.cofactored_signatures_from;
        params
    }

    /// Parses and validates a spec; `load_wasm` returns the bytes of a contract's `wasm` path.
    pub fn parse(
        json: &str,
        load_wasm: impl Fn(&str) -> Result<Vec<u8>, String>,
    ) -> Result<Genesis, RuntimeError> {
        let spec: GenesisSpec =
            serde_json::from_str(json).map_err(|e| err(format!("invalid chain spec: {e}")))?;
        if spec.chain_id.is_empty() || spec.chain_id.len() > 64 {
            return Err(err("chain_id must be 1 to 64 characters"));
        }
        if spec.validators.is_empty() {
            return Err(err("at least one validator is required"));
        }
        let mut validators = Vec::new();
        for v in &spec.validators {
            let key = AccountId::from_hex(&v.consensus_key)
                .map_err(|e| err(format!("validator {}: consensus_key: {e}", v.name)))?;
            if v.power == 0 {
                return Err(err(format!("validator {}: power must be positive", v.name)));
            }
            if validators.iter().any(|(k, _)| *k == key) {
                return Err(err(format!("validator {}: duplicate consensus key", v.name)));
            }
            validators.push((key, v.power));
        }
        let mut nodes = Vec::new();
        let listed = spec
            .validators
            .iter()
            .map(|v| (&v.name, &v.node_key, registry::NodeRole::Validator, None))
            .chain(
                spec.full_nodes
                    .iter()
                    .map(|f| (&f.name, &f.node_key, registry::NodeRole::FullNode, Some(&f.member))),
            );
        for (name, node_key, role, member) in listed {
            if let Some(member) = member {
                if !spec.members.iter().any(|m| m.name == *member) {
                    return Err(err(format!("node {name}: member {member:?} is not in the spec")));
                }
            }
            let node_key =
                AccountId::from_hex(node_key).map_err(|e| err(format!("node {name}: node_key: {e}")))?;
            if nodes.iter().any(|n: &registry::NetworkNode| n.name == *name || n.node_key == node_key) {
                return Err(err(format!("node {name}: duplicate name or node key")));
            }
            nodes.push(registry::NetworkNode { name: name.clone(), node_key, role, member: member.cloned() });
        }
        let mut members: Vec<registry::Member> = Vec::new();
        for m in &spec.members {
            let accounts = m
                .accounts
                .iter()
                .map(|a| AccountId::from_hex(a).map_err(|e| err(format!("member {}: account: {e}", m.name))))
                .collect::<Result<Vec<_>, _>>()?;
            let role = registry::Role::parse(&m.role)
                .ok_or_else(|| err(format!("member {}: unknown role {:?}", m.name, m.role)))?;
            if members.iter().any(|x| x.name == m.name || x.accounts.iter().any(|a| accounts.contains(a))) {
                return Err(err(format!("member {}: duplicate name or account", m.name)));
            }
            members.push(registry::Member {
                name: m.name.clone(),
                legal_name: m.legal_name.clone(),
                registration_id: m.registration_id.clone(),
                role,
                active: true,
                accounts,
                maker_checker: m.maker_checker,
                parent: m.parent.clone(),
            });
        }
        let mut credit_lines = Vec::new();
        for c in &spec.credit_lines {
            let limit = c
                .limit
                .parse::<u128>()
                .map_err(|e| err(format!("credit line of {}: limit {:?}: {e}", c.core, c.limit)))?;
            credit_lines.push(receivables::CreditLine {
                core: c.core.clone(),
                currency: c.currency.clone(),
                limit,
                outstanding: 0,
                granted_by: c.granted_by.clone(),
            });
        }
        if !members.iter().any(|m| m.role == registry::Role::Operator) {
            return Err(err("the consortium needs at least one operator member"));
        }
        let mut contracts = Vec::new();
        for name in SYSTEM_CONTRACTS {
            let c = spec
                .contracts
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| err(format!("system contract {name:?} missing from spec")))?;
            let code = load_wasm(&c.wasm).map_err(|e| err(format!("contract {name}: {e}")))?;
            let pinned = Hash::from_hex(&c.sha256)
                .ok_or_else(|| err(format!("contract {name}: sha256 is not 32 hex bytes")))?;
            let actual = scf_primitives::sha256(&code);
            if actual != pinned {
                return Err(err(format!(
                    "contract {name}: {} has SHA-256 {actual}, but the spec pins {pinned}",
                    c.wasm
                )));
            }
            contracts.push((name.to_string(), code));
        }
        if let Some(extra) = spec.contracts.iter().find(|c| !SYSTEM_CONTRACTS.contains(&c.name.as_str())) {
            return Err(err(format!("unknown system contract {:?}", extra.name)));
        }
        if !spec.dev {
            refuse_dev_keys(&members, &validators, &nodes)?;
        }
        Ok(Genesis { spec, validators, members, nodes, contracts, credit_lines })
    }

    /// The genesis validator set as the governance contract keeps it.
    pub fn validator_entries(&self) -> Result<Vec<governance::ValidatorEntry>, RuntimeError> {
        self.spec
            .validators
            .iter()
            .zip(&self.validators)
            .map(|(spec, (consensus_key, power))| {
                let node = self
                    .nodes
                    .iter()
                    .find(|n| n.name == spec.name)
                    .ok_or_else(|| err(format!("validator {}: no node key", spec.name)))?;
                Ok(governance::ValidatorEntry {
                    name: spec.name.clone(),
                    consensus_key: *consensus_key,
                    node_key: node.node_key,
                    power: *power,
                })
            })
            .collect()
    }

    /// Reads a spec file, resolving contract paths relative to it.
    pub fn load(path: &std::path::Path) -> Result<Genesis, RuntimeError> {
        let json =
            std::fs::read_to_string(path).map_err(|e| err(format!("reading {}: {e}", path.display())))?;
        let dir = path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
        Genesis::parse(&json, |rel| std::fs::read(dir.join(rel)).map_err(|e| format!("reading {rel}: {e}")))
    }

    /// Builds the genesis state (version 0) and header on top of an empty store.
    pub fn build(
        &self,
        runtime: &Runtime,
        store: Arc<dyn StateStore>,
    ) -> Result<(StateUpdate, BlockHeader), RuntimeError> {
        let mut writes = StateChanges::new();
        writes.insert(keys::chain_id(), Some(self.spec.chain_id.as_bytes().to_vec()));
        if self.spec.dev {
            writes.insert(keys::dev_chain(), Some(vec![1]));
        }
        let registry_addr = scf_interface::SystemContract::Registry.address();
        for (name, code) in &self.contracts {
            let init = match name.as_str() {
                "registry" => borsh::to_vec(&registry::InitArgs {
                    members: self.members.clone(),
                    nodes: self.nodes.clone(),
                }),
                "deposit_token" => borsh::to_vec(&deposit_token::InitArgs { registry: registry_addr }),
                "governance" => borsh::to_vec(&governance::InitArgs {
                    validators: self.validator_entries()?,
                    registry: registry_addr,
                }),
                "receivables" => borsh::to_vec(&receivables::InitArgs {
                    registry: registry_addr,
                    deposit_token: scf_interface::SystemContract::DepositToken.address(),
                    credit_lines: self.credit_lines.clone(),
                }),
                "trade" => borsh::to_vec(&trade::InitArgs {
                    registry: registry_addr,
                    deposit_token: scf_interface::SystemContract::DepositToken.address(),
                    receivables: scf_interface::SystemContract::Receivables.address(),
                }),
                other => return Err(err(format!("unknown system contract {other:?}"))),
            }
            .map_err(|e| err(e.to_string()))?;
            runtime.genesis_install(
                &store,
                &mut writes,
                ContractAddress::system(name),
                code,
                init,
                self.spec.genesis_time_ms,
            )?;
        }
        let update = apply_changes(store.as_ref(), 0, writes)?;
        let header = BlockHeader {
            height: 0,
            parent_hash: Hash::ZERO,
            timestamp_ms: self.spec.genesis_time_ms,
            proposer: AccountId::default(),
            tx_root: Hash::ZERO,
            state_root: update.root,
            receipts_root: Hash::ZERO,
        };
        Ok((update, header))
    }
}
