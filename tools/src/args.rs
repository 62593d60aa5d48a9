//! Generic contract arguments from JSON. Borsh encodes a struct as the concatenation of its
//! fields, so a JSON array of typed values encodes any argument struct:
//! `["account:0xab..", "u128:100000", "string:CNY", "some:hash:0x..", "none"]`.
use scf_primitives::{AccountId, ContractAddress, Hash};

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    #[error("--args must be a JSON array of \"type:value\" strings: {0}")]
    Json(String),
    #[error("argument {index} ({text:?}): {reason}")]
    Bad { index: usize, text: String, reason: String },
}

/// Encodes one typed value; `resolve` turns a name into an account (for `account:supplier1`).
fn encode_one(
    text: &str,
    out: &mut Vec<u8>,
    resolve: &dyn Fn(&str) -> Option<AccountId>,
) -> Result<(), String> {
    if text == "none" {
        out.push(0);
        return Ok(());
    }
    if text == "unit" {
        return Ok(());
    }
    let (ty, value) = text.split_once(':').ok_or("expected type:value, 'none' or 'unit'")?;
    let num = |e: std::num::ParseIntError| e.to_string();
    match ty {
        "some" => {
            out.push(1);
            encode_one(value, out, resolve)?;
        }
        "u8" => out.extend(value.parse::<u8>().map_err(num)?.to_le_bytes()),
        "u32" => out.extend(value.parse::<u32>().map_err(num)?.to_le_bytes()),
        "u64" => out.extend(value.parse::<u64>().map_err(num)?.to_le_bytes()),
        "u128" => out.extend(value.parse::<u128>().map_err(num)?.to_le_bytes()),
        "i64" => out.extend(value.parse::<i64>().map_err(num)?.to_le_bytes()),
        "bool" => out.push(match value {
            "true" => 1,
            "false" => 0,
            _ => return Err("bool must be true or false".into()),
        }),
        "string" => {
            out.extend((value.len() as u32).to_le_bytes());
            out.extend(value.as_bytes());
        }
        "account" => {
            let a = AccountId::from_hex(value)
                .ok()
                .or_else(|| resolve(value))
                .ok_or("unknown account or name")?;
            out.extend(a.0);
        }
        "address" => out.extend(ContractAddress::from_hex(value).map_err(|e| e.to_string())?.0),
        "hash" => out.extend(Hash::from_hex(value).ok_or("expected 32 bytes of hex")?.0),
        "bytes" => {
            let b = hex::decode(value.strip_prefix("0x").unwrap_or(value)).map_err(|e| e.to_string())?;
            out.extend((b.len() as u32).to_le_bytes());
            out.extend(b);
        }
        other => return Err(format!("unknown type {other:?}")),
    }
    Ok(())
}

pub fn encode(json: &str, resolve: &dyn Fn(&str) -> Option<AccountId>) -> Result<Vec<u8>, ArgsError> {
    let items: Vec<String> = serde_json::from_str(json).map_err(|e| ArgsError::Json(e.to_string()))?;
    let mut out = Vec::new();
    for (index, text) in items.iter().enumerate() {
        encode_one(text, &mut out, resolve).map_err(|reason| ArgsError::Bad {
            index,
            text: text.clone(),
            reason,
        })?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_borsh_of_the_struct() {
        let to = AccountId([3; 32]);
        let json = format!(r#"["u64:7", "account:{}", "u128:40000"]"#, to.to_hex());
        let bytes = encode(&json, &|_| None).unwrap();
        // Borsh of a struct is the concatenation of its fields, as of this tuple.
        assert_eq!(bytes, borsh::to_vec(&(7u64, to, 40_000u128)).unwrap());
        let named = encode(r#"["account:bob"]"#, &|n| (n == "bob").then_some(to)).unwrap();
        assert_eq!(named, to.0.to_vec());
        assert_eq!(
            encode(r#"["some:u8:5", "none", "string:ab"]"#, &|_| None).unwrap(),
            vec![1, 5, 0, 2, 0, 0, 0, b'a', b'b']
        );
    }

    #[test]
    fn errors_name_the_bad_argument() {
        assert!(matches!(encode("{}", &|_| None), Err(ArgsError::Json(_))));
        let e = encode(r#"["u64:1", "u8:300"]"#, &|_| None).unwrap_err();
        assert!(matches!(e, ArgsError::Bad { index: 1, .. }), "{e}");
        assert!(encode(r#"["float:1.5"]"#, &|_| None).is_err());
        assert!(encode(r#"["account:nobody"]"#, &|_| None).is_err());
    }
}
