//! Refuses to start on a damaged consensus write-ahead log.
//!
//! Why not leave it to Malachite: on an entry whose checksum fails, Malachite logs it, truncates
//! the log there and replays what came before. The entries cut off may be the votes this
//! validator already signed and sent for the height in progress; restarted without them it may
//! sign a different vote for the same height and round, which is equivocation. The only safe
//! ways on are to repair the disk or to wait until the network has finalized past that height
//! (the log then no longer matters) and remove the file: an operator's decision, so the node
//! stops and says so.
//!
//! A record cut short at the very end (the process died mid-write) is not damage: Malachite
//! never counted it, never acted on it, and overwrites it.
use std::path::Path;

use malachitebft_wal::Log;

/// Reads every complete entry of the log at `path` (if there is one) and checks its checksum.
pub fn refuse_damaged(path: &Path) -> eyre::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let advice = |what: String, height: Option<u64>| {
        let wait = match height {
            Some(h) => format!("the network has finalized height {h} or later"),
            None => "the network has finalized past the height this node was at".into(),
        };
        eyre::eyre!(
            "the consensus write-ahead log {} is damaged ({what}); this node stops rather than risk \
             signing a second, different vote for a height it already voted on. Restore the file \
             from a backup, or wait until {wait} (`scf chain status` against another node), then \
             move the file aside and start again: the node catches up from its peers",
            path.display()
        )
    };
    let mut log = Log::open(path).map_err(|e| advice(format!("its header: {e}"), None))?;
    let height = log.sequence();
    let entries = log.len();
    let iter = log.iter().map_err(|e| advice(e.to_string(), Some(height)))?;
    for (index, entry) in iter.enumerate().take(entries) {
        if let Err(e) = entry {
            return Err(advice(format!("entry {index} of {entries}, height {height}: {e}"), Some(height)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log with three entries as Malachite writes them, for height 7.
    fn written(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("consensus.wal");
        let mut log = Log::open(&path).unwrap();
        log.reset(7).unwrap();
        for entry in [b"first vote".as_slice(), b"a proposal".as_slice(), b"second vote".as_slice()] {
            log.append(entry).unwrap();
        }
        log.flush().unwrap();
        path
    }

    #[test]
    fn an_intact_log_and_a_missing_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        assert!(refuse_damaged(&dir.path().join("absent.wal")).is_ok());
        assert!(refuse_damaged(&written(dir.path())).is_ok());
    }

    #[test]
    fn a_flipped_byte_in_an_entry_is_refused_with_the_height_and_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path());
        let mut bytes = std::fs::read(&path).unwrap();
        // The header (version, height) is 12 bytes, an entry's own header 13: this is a byte of
        // the first entry's data.
        bytes[12 + 13 + 2] ^= 0x40;
        std::fs::write(&path, bytes).unwrap();
        let err = refuse_damaged(&path).unwrap_err().to_string();
        assert!(err.contains("entry 0 of 3, height 7: CRC mismatch"), "{err}");
        assert!(err.contains("finalized height 7 or later"), "{err}");
    }

    #[test]
    fn a_damaged_header_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path());
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[0] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
        let err = refuse_damaged(&path).unwrap_err().to_string();
        assert!(err.contains("its header"), "{err}");
    }

    #[test]
    fn a_record_cut_short_at_the_end_is_a_crash_not_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path());
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 4]).unwrap();
        assert!(refuse_damaged(&path).is_ok());
    }
}
