//! Who may send a transaction: the consortium's membership, read from the registry's and the
//! governance contract's storage (their layouts are public API, `scf_interface`).
//!
//! The same rule runs at admission (RPC and gossip: nothing from an outsider enters the pool) and
//! during execution, where it reads state as of the transaction's position in its block, so a
//! member suspended by an earlier transaction of the same block is refused identically on every
//! validator. See ADR 0007.
use scf_interface::{governance, registry};
use scf_primitives::{AccountId, ContractAddress, Height, Payload, TxError};

use crate::{keys, RuntimeError};

/// The registry's and governance's addresses, hashed once: every transaction's check needs them.
pub(crate) static REGISTRY: std::sync::LazyLock<ContractAddress> =
    std::sync::LazyLock::new(|| scf_interface::SystemContract::Registry.address());
pub(crate) static GOVERNANCE: std::sync::LazyLock<ContractAddress> =
    std::sync::LazyLock::new(|| scf_interface::SystemContract::Governance.address());

/// Reads one state key as of the point being checked.
pub(crate) type Read<'a> = dyn FnMut(&[u8]) -> Result<Option<Vec<u8>>, RuntimeError> + 'a;

/// The member `account` acts for, if any: the registry's account index, then the member record.
pub(crate) fn member_of(
    read: &mut Read<'_>,
    account: &AccountId,
) -> Result<Option<registry::Member>, RuntimeError> {
    let registry = *REGISTRY;
    let Some(name) = read(&keys::contract_storage(&registry, &registry::account_key(account)))? else {
        return Ok(None);
    };
    // The registry writes both records together; one that does not decode is treated as absent
    // (the sender is refused), never as a member.
    let Ok(name) = borsh::from_slice::<String>(&name) else {
        return Ok(None);
    };
    let Some(member) = read(&keys::contract_storage(&registry, &registry::member_key(&name)))? else {
        return Ok(None);
    };
    Ok(borsh::from_slice(&member).ok())
}

/// The member `account` acts for in the committed state `store`, active or not (RPC access
/// tiers read it per request, so a suspension or a removed account takes effect with its block).
pub fn member_of_account(
    store: &dyn crate::StateStore,
    account: &AccountId,
) -> Result<Option<registry::Member>, RuntimeError> {
    member_of(&mut |key| Ok(store.get(key)?), account)
}

/// The member registered as `name` in the committed state `store` (RPC reads list a member's
/// transactions by its accounts).
pub fn member_by_name(
    store: &dyn crate::StateStore,
    name: &str,
) -> Result<Option<registry::Member>, RuntimeError> {
    let registry = *REGISTRY;
    let Some(bytes) = store.get(&keys::contract_storage(&registry, &registry::member_key(name)))? else {
        return Ok(None);
    };
    Ok(borsh::from_slice(&bytes).ok())
}

/// Whether `account` is the consensus key of a validator deciding `height` or scheduled to (RPC
/// access tiers let validators read their own governance transactions).
pub fn is_validator_key(
    store: &dyn crate::StateStore,
    account: &AccountId,
    height: Height,
) -> Result<bool, RuntimeError> {
    is_validator(&mut |key| Ok(store.get(key)?), account, height)
}

/// The nodes the committed state admits to the peer-to-peer networks: the registry's node list
/// without the full nodes whose member is suspended (or whose member record is missing or does
/// not decode: a node is refused, never admitted, on doubt). Both of the node's swarms follow it.
pub fn admitted_nodes(store: &dyn crate::StateStore) -> Result<Vec<registry::NetworkNode>, RuntimeError> {
    let registry = *REGISTRY;
    let Some(bytes) = store.get(&keys::contract_storage(&registry, registry::NODES_KEY))? else {
        return Ok(Vec::new());
    };
    let nodes: Vec<registry::NetworkNode> = borsh::from_slice(&bytes)
        .map_err(|e| RuntimeError::Corrupt(format!("the registry's node list does not decode: {e}")))?;
    let mut admitted = Vec::with_capacity(nodes.len());
    for node in nodes {
        let active = match &node.member {
            None => true,
            Some(name) => store
                .get(&keys::contract_storage(&registry, &registry::member_key(name)))?
                .and_then(|b| borsh::from_slice::<registry::Member>(&b).ok())
                .is_some_and(|m| m.active),
        };
        if active {
            admitted.push(node);
        }
    }
    Ok(admitted)
}

/// Whether `account` is the consensus key of a validator that decides `height` or is scheduled
/// to decide a later one (a validator about to join votes on governance before its first height).
fn is_validator(read: &mut Read<'_>, account: &AccountId, height: Height) -> Result<bool, RuntimeError> {
    let governance = *GOVERNANCE;
    let Some(bytes) = read(&keys::contract_storage(&governance, governance::SCHEDULE_KEY))? else {
        return Ok(false);
    };
    let Ok(schedule) = borsh::from_slice::<Vec<governance::ScheduledSet>>(&bytes) else {
        return Ok(false);
    };
    let current = governance::set_at(&schedule, height).map(|s| s.from_height).unwrap_or(0);
    Ok(schedule
        .iter()
        .filter(|s| s.from_height >= current)
        .any(|s| s.validators.iter().any(|v| v.consensus_key == *account)))
}

/// Refuses a transaction whose sender may not send it: senders are accounts of active members;
/// a validator's consensus key may also send calls to the governance contract.
pub(crate) fn check_sender(
    read: &mut Read<'_>,
    sender: &AccountId,
    payload: &Payload,
    height: Height,
) -> Result<Result<(), TxError>, RuntimeError> {
    match member_of(read, sender)? {
        Some(m) if m.active => return Ok(Ok(())),
        Some(m) => return Ok(Err(TxError::MemberSuspended { member: m.name })),
        None => {}
    }
    if let Payload::Call { contract, .. } = payload {
        if *contract == *GOVERNANCE && is_validator(read, sender, height)? {
            return Ok(Ok(()));
        }
    }
    Ok(Err(TxError::NotAMember { account: *sender }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_registry_is_the_only_public_storage() {
        // The VM's `foreign_storage_read` compares against `REGISTRY` alone.
        assert_eq!(scf_primitives::abi::PUBLIC_STORAGE_CONTRACTS, ["registry"]);
        assert_eq!(*super::REGISTRY, scf_interface::SystemContract::Registry.address());
    }
}
