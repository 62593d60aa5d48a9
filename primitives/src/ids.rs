use alloc::string::String;
use borsh::{BorshDeserialize, BorshSerialize};

use crate::hash::sha256;

/// An account: the 32 bytes of an ed25519 public key. Whoever holds the secret key acts as it.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct AccountId(pub [u8; 32]);

/// A deployed contract. Derived, never chosen: see [`ContractAddress::derive`].
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct ContractAddress(pub [u8; 32]);

/// A string that is not 64 hex digits (optionally `0x`-prefixed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIdError;

impl core::fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("expected 32 bytes as 64 hex digits (optionally 0x-prefixed)")
    }
}

fn parse32(s: &str) -> Result<[u8; 32], ParseIdError> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| ParseIdError)?;
    Ok(out)
}

macro_rules! hex_id {
    ($t:ident) => {
        impl $t {
            pub fn to_hex(&self) -> String {
                let mut s = String::from("0x");
                s.push_str(&hex::encode(self.0));
                s
            }
            pub fn from_hex(s: &str) -> Result<Self, ParseIdError> {
                parse32(s).map($t)
            }
        }
        impl core::fmt::Display for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(&self.to_hex())
            }
        }
        impl core::fmt::Debug for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(&self.to_hex())
            }
        }
        impl core::str::FromStr for $t {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_hex(s)
            }
        }
    };
}
hex_id!(AccountId);
hex_id!(ContractAddress);

impl ContractAddress {
    /// Address of a contract deployed by `deployer` in its transaction with `nonce`: unique
    /// because an account never reuses a nonce, and unpredictable to nobody (so tools can print
    /// it before the block is final).
    pub fn derive(deployer: &AccountId, nonce: u64) -> ContractAddress {
        let mut buf = [0u8; 18 + 32 + 8];
        buf[..18].copy_from_slice(b"scf/contract/v1/\0\0");
        buf[18..50].copy_from_slice(&deployer.0);
        buf[50..].copy_from_slice(&nonce.to_le_bytes());
        ContractAddress(sha256(&buf).0)
    }

    /// Address of a system contract installed by genesis under a well-known name.
    pub fn system(name: &str) -> ContractAddress {
        let mut buf = alloc::vec::Vec::from(&b"scf/system-contract/v1/"[..]);
        buf.extend_from_slice(name.as_bytes());
        ContractAddress(sha256(&buf).0)
    }
}

/// The system contracts every chain installs at genesis (at `ContractAddress::system(name)`), in
/// installation order.
pub const SYSTEM_CONTRACTS: [&str; 5] = ["registry", "deposit_token", "receivables", "governance", "trade"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_addresses_differ_by_deployer_and_nonce() {
        let a = AccountId([1; 32]);
        let b = AccountId([2; 32]);
        assert_ne!(ContractAddress::derive(&a, 0), ContractAddress::derive(&a, 1));
        assert_ne!(ContractAddress::derive(&a, 0), ContractAddress::derive(&b, 0));
        assert_ne!(ContractAddress::system("registry"), ContractAddress::system("receivables"));
    }

    #[test]
    fn hex_parse_errors() {
        assert_eq!(AccountId::from_hex("0xabc"), Err(ParseIdError));
        let a = AccountId([7; 32]);
        assert_eq!(a.to_hex().parse::<AccountId>(), Ok(a));
    }
}
