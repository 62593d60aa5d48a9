use alloc::vec::Vec;
use borsh::{BorshDeserialize, BorshSerialize};
use sha2::{Digest, Sha256};

/// A SHA-256 digest (see docs/adr/0002-sha256.md for why SHA-256 and not BLAKE3).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "schema", derive(borsh::BorshSchema))]
pub struct Hash(pub [u8; 32]);

impl Hash {
    pub const ZERO: Hash = Hash([0u8; 32]);

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `0x`-prefixed lowercase hex, the form used in RPC and the CLI.
    pub fn to_hex(&self) -> alloc::string::String {
        let mut s = alloc::string::String::from("0x");
        s.push_str(&hex::encode(self.0));
        s
    }

    /// Parses 64 hex digits, with or without `0x`.
    pub fn from_hex(s: &str) -> Option<Hash> {
        let s = s.strip_prefix("0x").unwrap_or(s);
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Hash(out))
    }
}

impl core::fmt::Debug for Hash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl core::fmt::Display for Hash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    Hash(Sha256::digest(data).into())
}

/// Binary Merkle root over leaf hashes. Leaves and inner nodes are domain-separated (0x00 / 0x01
/// prefixes, as in RFC 6962) so a leaf can never be passed off as an inner node; an odd node is
/// promoted unchanged. The empty list has the all-zero root.
pub fn merkle_root(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return Hash::ZERO;
    }
    let mut level: Vec<Hash> = leaves
        .iter()
        .map(|l| {
            let mut h = Sha256::new();
            h.update([0u8]);
            h.update(l.0);
            Hash(h.finalize().into())
        })
        .collect();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        for pair in level.chunks(2) {
            match pair {
                [a, b] => {
                    let mut h = Sha256::new();
                    h.update([1u8]);
                    h.update(a.0);
                    h.update(b.0);
                    next.push(Hash(h.finalize().into()));
                }
                [a] => next.push(*a),
                _ => unreachable!("chunks(2) yields one or two items"),
            }
        }
        level = next;
    }
    level[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_vector() {
        assert_eq!(
            sha256(b"abc").to_hex(),
            "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn merkle_root_depends_on_order_and_content() {
        let a = sha256(b"a");
        let b = sha256(b"b");
        assert_eq!(merkle_root(&[]), Hash::ZERO);
        assert_ne!(merkle_root(&[a]), a, "leaves are domain-separated");
        assert_ne!(merkle_root(&[a, b]), merkle_root(&[b, a]));
        assert_ne!(merkle_root(&[a, b]), merkle_root(&[a, b, b]));
    }

    #[test]
    fn hex_round_trip_and_rejects_garbage() {
        let h = sha256(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(Hash::from_hex("0x1234"), None);
        assert_eq!(Hash::from_hex(&"zz".repeat(32)), None);
    }
}
