//! Local keys: `$SCF_HOME/keys/<name>.key` (default `~/.scf`), each holding a hex seed, plus the
//! well-known dev keys (`operator`, `core`, `supplier1`, `supplier2`, `bank`, `auditor`,
//! `validator0`) that sign on the dev chain. Dev keys are public and insecure by design.
use std::path::PathBuf;

use scf_primitives::crypto::Keypair;

use scf_primitives::crypto::DEV_KEY_NAMES;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key name {0:?} must be 1-32 characters of a-z, 0-9, '_' or '-'")]
    BadName(String),
    #[error("a key named {0:?} already exists")]
    Exists(String),
    #[error("no key named {0:?} (see `scf keys list`)")]
    Missing(String),
    #[error("key file {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("key file {0} does not hold a 32-byte hex seed")]
    Corrupt(PathBuf),
}

#[derive(Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl KeyStore {
    /// `$SCF_HOME/keys`, or `~/.scf/keys`.
    pub fn default_location() -> KeyStore {
        let home = std::env::var_os("SCF_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".scf")))
            .unwrap_or_else(|| PathBuf::from(".scf"));
        KeyStore { dir: home.join("keys") }
    }

    pub fn at(dir: PathBuf) -> KeyStore {
        KeyStore { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.key"))
    }

    /// Creates a key from OS randomness.
    pub fn create(&self, name: &str) -> Result<Keypair, KeyError> {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        self.store(name, seed)
    }

    /// Stores the key in a seed file (32 bytes as hex, e.g. a node's `consensus.key`) under `name`.
    pub fn import(&self, name: &str, file: &std::path::Path) -> Result<Keypair, KeyError> {
        let text = std::fs::read_to_string(file).map_err(|e| KeyError::Io(file.into(), e))?;
        let text = text.trim();
        let mut seed = [0u8; 32];
        hex::decode_to_slice(text.strip_prefix("0x").unwrap_or(text), &mut seed)
            .map_err(|_| KeyError::Corrupt(file.into()))?;
        self.store(name, seed)
    }

    fn store(&self, name: &str, seed: [u8; 32]) -> Result<Keypair, KeyError> {
        if DEV_KEY_NAMES.contains(&name) {
            return Err(KeyError::Exists(name.into()));
        }
        self.store_any(name, seed)
    }

    /// Stores a key under any valid name, a dev key's name included: a network's own keystore
    /// (`scf genesis new`) holds fresh keys under the names its members and validators go by,
    /// and a stored key always wins over the built-in dev key of the same name.
    pub fn store_any(&self, name: &str, seed: [u8; 32]) -> Result<Keypair, KeyError> {
        if !valid_name(name) {
            return Err(KeyError::BadName(name.into()));
        }
        let path = self.path(name);
        if path.exists() {
            return Err(KeyError::Exists(name.into()));
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| KeyError::Io(self.dir.clone(), e))?;
        write_private(&path, &hex::encode(seed)).map_err(|e| KeyError::Io(path.clone(), e))?;
        Ok(Keypair::from_seed(seed))
    }

    /// A stored key, else a dev key of that name.
    pub fn get(&self, name: &str) -> Result<Keypair, KeyError> {
        let path = self.path(name);
        if valid_name(name) && path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|e| KeyError::Io(path.clone(), e))?;
            let mut seed = [0u8; 32];
            hex::decode_to_slice(text.trim(), &mut seed).map_err(|_| KeyError::Corrupt(path.clone()))?;
            return Ok(Keypair::from_seed(seed));
        }
        if DEV_KEY_NAMES.contains(&name) {
            return Ok(Keypair::dev(name));
        }
        Err(KeyError::Missing(name.into()))
    }

    /// Stored key names, sorted.
    pub fn list(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".key")).map(String::from))
            .collect();
        names.sort();
        names
    }
}

/// Creates `path` with mode 0600 before writing a byte, and never over an existing file.
pub fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_get_list_and_refuse_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::at(dir.path().join("keys"));
        let k = store.create("alice").unwrap();
        assert_eq!(store.get("alice").unwrap().account_id(), k.account_id());
        assert!(matches!(store.create("alice"), Err(KeyError::Exists(_))));
        assert!(matches!(store.create("core"), Err(KeyError::Exists(_))), "dev names are reserved");
        assert!(matches!(store.create("../x"), Err(KeyError::BadName(_))));
        assert!(matches!(store.get("nobody"), Err(KeyError::Missing(_))));
        assert_eq!(store.get("core").unwrap().account_id(), Keypair::dev("core").account_id());
        assert_eq!(store.list(), vec!["alice".to_string()]);
    }
}
