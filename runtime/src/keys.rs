//! Layout of the state key space. Every key starts with a one-byte namespace so that the spaces
//! can never collide; contract storage is scoped by the contract's address, so a contract can
//! only touch its own keys.
use scf_primitives::{AccountId, ContractAddress, Hash};

const NONCE: u8 = 0x01;
const CONTRACT_CODE_HASH: u8 = 0x02;
const CODE: u8 = 0x03;
const CONTRACT_STORAGE: u8 = 0x04;
// 0x05 and 0x06 are retired (0x06 held the validator set, now the governance contract's).
const CHAIN_ID: u8 = 0x07;
const CONTRACT_INFO: u8 = 0x08;
const CONTRACT_COUNT: u8 = 0x09;
const CONTRACT_INDEX: u8 = 0x0a;
const DEV_CHAIN: u8 = 0x0b;

pub fn nonce(account: &AccountId) -> Vec<u8> {
    prefixed(NONCE, &account.0)
}

pub fn contract_code_hash(contract: &ContractAddress) -> Vec<u8> {
    prefixed(CONTRACT_CODE_HASH, &contract.0)
}

pub fn code(code_hash: &Hash) -> Vec<u8> {
    prefixed(CODE, &code_hash.0)
}

pub fn contract_storage(contract: &ContractAddress, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(33 + key.len());
    k.push(CONTRACT_STORAGE);
    k.extend_from_slice(&contract.0);
    k.extend_from_slice(key);
    k
}

pub fn chain_id() -> Vec<u8> {
    vec![CHAIN_ID]
}

/// `ContractInfo` of an installed contract.
pub fn contract_info(contract: &ContractAddress) -> Vec<u8> {
    prefixed(CONTRACT_INFO, &contract.0)
}

/// How many contracts were ever installed (u64, little-endian); they are listed by
/// `contract_index(0..count)` in installation order.
pub fn contract_count() -> Vec<u8> {
    vec![CONTRACT_COUNT]
}

pub fn contract_index(index: u64) -> Vec<u8> {
    prefixed(CONTRACT_INDEX, &index.to_be_bytes())
}

/// Present (`[1]`) on a development chain: written at genesis, so the dev flag is part of the
/// genesis state root and no node can turn dev-only behaviour on for a chain that is not one.
pub fn dev_chain() -> Vec<u8> {
    vec![DEV_CHAIN]
}

fn prefixed(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + body.len());
    k.push(tag);
    k.extend_from_slice(body);
    k
}
