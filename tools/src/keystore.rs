//! Local keys: `$SCF_HOME/keys/<name>.key` (default `~/.scf`), plus the well-known dev keys
//! (`operator`, `core`, `supplier1`, ..., `validator0`) that sign on dev chains only. Dev keys
//! are public and insecure by design.
//!
//! A key file is JSON: `{"format": "scf-key/1", "account": "0x…", "age": "<armored age file>"}`.
//! The account is public (so `keys list` needs no passphrase); the seed (64 hex digits) is inside
//! an age file encrypted under a passphrase (scrypt), the format of age/rage, readable by their
//! tools and JavaScript port. The passphrase comes from `SCF_PASSPHRASE`, else the file named by
//! `SCF_PASSPHRASE_FILE`, else a prompt on the terminal. Files are created with mode 0600 before
//! any byte is written, and never overwritten.
//!
//! Must not: write a seed unencrypted, or print one.
use std::path::PathBuf;

use age::secrecy::SecretString;
use scf_primitives::crypto::{Keypair, DEV_KEY_NAMES};

/// The `format` of key files written here.
const KEY_FORMAT: &str = "scf-key/1";

/// scrypt work factor (log2 N) of a network's own key store (`scf genesis new`): a test
/// network's keys are opened by every command of its scripts, and age's default (about a second
/// per key on this machine) would make each take that long. `scf keys new|import` use age's
/// default, calibrated to this machine.
pub const NETWORK_KEY_WORK_FACTOR: u8 = 12;

#[derive(serde::Serialize, serde::Deserialize)]
struct KeyFile {
    format: String,
    account: String,
    age: String,
}

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
    #[error("key file {0} is not an scf key file (`{KEY_FORMAT}`)")]
    Format(PathBuf),
    #[error("cannot decrypt key file {0}: {1} (wrong passphrase?)")]
    Decrypt(PathBuf, String),
    #[error("key file {0} holds the key of {1}, not of the account it names")]
    Mismatch(PathBuf, String),
    #[error(
        "no passphrase for the key store: set SCF_PASSPHRASE (or SCF_PASSPHRASE_FILE to a file \
         holding it), or run on a terminal to be asked"
    )]
    NoPassphrase,
}

#[derive(Clone)]
pub struct KeyStore {
    dir: PathBuf,
    /// Given by the caller (tests, `genesis new`), else read from the environment or asked.
    passphrase: Option<String>,
    /// scrypt work factor for keys written from now on; `None`: age's calibrated default.
    work_factor: Option<u8>,
}

/// The key store's passphrase: `SCF_PASSPHRASE`, else the contents of `SCF_PASSPHRASE_FILE`, else
/// a prompt (not echoed) when a person is at the terminal.
pub fn passphrase_from_environment(purpose: &str) -> Result<String, KeyError> {
    if let Ok(p) = std::env::var("SCF_PASSPHRASE") {
        return Ok(p);
    }
    if let Some(file) = std::env::var_os("SCF_PASSPHRASE_FILE") {
        let file = PathBuf::from(file);
        let text = std::fs::read_to_string(&file).map_err(|e| KeyError::Io(file.clone(), e))?;
        return Ok(text.trim_end_matches(['\n', '\r']).to_string());
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return rpassword::prompt_password(format!("passphrase ({purpose}): "))
            .map_err(|e| KeyError::Io(PathBuf::from("/dev/tty"), e));
    }
    Err(KeyError::NoPassphrase)
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
        KeyStore::at(home.join("keys"))
    }

    pub fn at(dir: PathBuf) -> KeyStore {
        KeyStore { dir, passphrase: None, work_factor: None }
    }

    /// The same store, opened with `passphrase` instead of asking the environment.
    pub fn with_passphrase(mut self, passphrase: impl Into<String>) -> KeyStore {
        self.passphrase = Some(passphrase.into());
        self
    }

    /// The same store, writing keys with scrypt work factor `log_n` (see `NETWORK_KEY_WORK_FACTOR`).
    pub fn with_work_factor(mut self, log_n: u8) -> KeyStore {
        self.work_factor = Some(log_n);
        self
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
        let key = Keypair::from_seed(seed);
        let mut recipient = age::scrypt::Recipient::new(SecretString::from(self.passphrase(name)?));
        if let Some(log_n) = self.work_factor {
            recipient.set_work_factor(log_n);
        }
        let sealed = age::encrypt_and_armor(&recipient, hex::encode(seed).as_bytes())
            .map_err(|e| KeyError::Decrypt(path.clone(), e.to_string()))?;
        let file = KeyFile { format: KEY_FORMAT.into(), account: key.account_id().to_hex(), age: sealed };
        let json = serde_json::to_string_pretty(&file).expect("a key file serializes") + "\n";
        std::fs::create_dir_all(&self.dir).map_err(|e| KeyError::Io(self.dir.clone(), e))?;
        write_private(&path, &json).map_err(|e| KeyError::Io(path.clone(), e))?;
        Ok(key)
    }

    fn passphrase(&self, purpose: &str) -> Result<String, KeyError> {
        match &self.passphrase {
            Some(p) => Ok(p.clone()),
            None => passphrase_from_environment(purpose),
        }
    }

    fn read_file(&self, name: &str) -> Result<Option<(PathBuf, KeyFile)>, KeyError> {
        let path = self.path(name);
        if !valid_name(name) || !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| KeyError::Io(path.clone(), e))?;
        let file: KeyFile = serde_json::from_str(&text).map_err(|_| KeyError::Format(path.clone()))?;
        if file.format != KEY_FORMAT {
            return Err(KeyError::Format(path));
        }
        Ok(Some((path, file)))
    }

    /// The public account of a stored key (no passphrase needed), else of a dev key.
    pub fn account(&self, name: &str) -> Result<scf_primitives::AccountId, KeyError> {
        if let Some((path, file)) = self.read_file(name)? {
            return scf_primitives::AccountId::from_hex(&file.account).map_err(|_| KeyError::Format(path));
        }
        if DEV_KEY_NAMES.contains(&name) {
            return Ok(Keypair::dev(name).account_id());
        }
        Err(KeyError::Missing(name.into()))
    }

    /// A stored key (decrypted with the passphrase), else a dev key of that name.
    pub fn get(&self, name: &str) -> Result<Keypair, KeyError> {
        if let Some((path, file)) = self.read_file(name)? {
            let identity = age::scrypt::Identity::new(SecretString::from(self.passphrase(name)?));
            let seed_hex = age::decrypt(&identity, file.age.as_bytes())
                .map_err(|e| KeyError::Decrypt(path.clone(), e.to_string()))?;
            let mut seed = [0u8; 32];
            hex::decode_to_slice(&seed_hex, &mut seed).map_err(|_| KeyError::Corrupt(path.clone()))?;
            let key = Keypair::from_seed(seed);
            if key.account_id().to_hex() != file.account {
                return Err(KeyError::Mismatch(path, key.account_id().to_hex()));
            }
            return Ok(key);
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

    fn store(dir: &std::path::Path) -> KeyStore {
        KeyStore::at(dir.join("keys")).with_passphrase("correct horse").with_work_factor(10)
    }

    #[test]
    fn create_get_list_and_refuse_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let k = store.create("alice").unwrap();
        assert_eq!(store.get("alice").unwrap().account_id(), k.account_id());
        assert_eq!(store.account("alice").unwrap(), k.account_id());
        assert!(matches!(store.create("alice"), Err(KeyError::Exists(_))));
        assert!(matches!(store.create("core"), Err(KeyError::Exists(_))), "dev names are reserved");
        assert!(matches!(store.create("../x"), Err(KeyError::BadName(_))));
        assert!(matches!(store.get("nobody"), Err(KeyError::Missing(_))));
        assert_eq!(store.get("core").unwrap().account_id(), Keypair::dev("core").account_id());
        assert_eq!(store.list(), vec!["alice".to_string()]);
    }

    #[test]
    fn seeds_are_encrypted_at_rest_and_files_private_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let k = store(dir.path()).create("alice").unwrap();
        let path = dir.path().join("keys/alice.key");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&hex::encode(k.seed())), "the seed is not in the file in clear");
        assert!(text.contains("BEGIN AGE ENCRYPTED FILE"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let wrong = KeyStore::at(dir.path().join("keys")).with_passphrase("wrong");
        assert!(matches!(wrong.get("alice"), Err(KeyError::Decrypt(..))));
        assert_eq!(wrong.account("alice").unwrap(), k.account_id(), "the account is public");
        // A file whose seed does not match the account it names is refused.
        let other = store(dir.path()).create("bob").unwrap();
        let bob = std::fs::read_to_string(dir.path().join("keys/bob.key")).unwrap();
        let forged = bob.replace(&other.account_id().to_hex(), &k.account_id().to_hex());
        std::fs::write(dir.path().join("keys/carol.key"), forged).unwrap();
        assert!(matches!(store(dir.path()).get("carol"), Err(KeyError::Mismatch(..))));
    }
}
