//! What the chain records about each installed contract, beside its code: which code it runs,
//! how many times it was upgraded, and which governance decision installed it.
use alloc::vec::Vec;
use borsh::{BorshDeserialize, BorshSerialize};

use crate::{AccountId, Hash, Height};

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct ContractInfo {
    /// SHA-256 of the code it runs now.
    pub code_hash: Hash,
    /// 1 when installed, plus one for every upgrade.
    pub version: u32,
    /// The governance proposal that approved the current code (`None` for genesis contracts).
    pub proposal: Option<u64>,
    /// Consensus keys of the validators that approved it (empty for genesis contracts).
    pub approvers: Vec<AccountId>,
    /// Who sent the deployment or upgrade (the zero account at genesis).
    pub installed_by: AccountId,
    /// Height of the block that installed the current code.
    pub installed_at: Height,
}
