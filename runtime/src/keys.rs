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

fn prefixed(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + body.len());
    k.push(tag);
    k.extend_from_slice(body);
    k
}
