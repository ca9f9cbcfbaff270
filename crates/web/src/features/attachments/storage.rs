//! The attachments folder (`--attachments-dir`): files named by the SHA-256 of their content, in
//! subfolders by its first two hex digits. A file is written to a temporary name and renamed into place,
//! so a reader never sees half a file; the same content uploaded twice is one file. Files are never deleted
//! (a removal is recorded in the database). What is read back is checked against the digest the database
//! keeps.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where an attachment's content goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Storage {
    /// In the database row (`bytea` / BLOB).
    #[default]
    Database,
    /// In this folder, by SHA-256.
    Folder(PathBuf),
}

fn path_of(dir: &Path, sha256: &str) -> Option<PathBuf> {
    // The digest comes from the database: still, nothing but 64 hex digits becomes a path.
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(dir.join(&sha256[..2]).join(sha256))
}

/// Writes `bytes` under their digest (nothing to do when the file is there already).
pub fn save(dir: &Path, sha256: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = path_of(dir, sha256)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad digest"))?;
    if path.exists() {
        return Ok(());
    }
    let parent = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent)?;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let tmp = parent.join(format!(
        ".{sha256}.{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Reads the file of `sha256` and checks its content against the digest.
pub fn load(dir: &Path, sha256: &str) -> std::io::Result<Vec<u8>> {
    let path = path_of(dir, sha256)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad digest"))?;
    let bytes = std::fs::read(&path)?;
    if jingzhun_store::sha256_hex(&bytes) != sha256 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} does not match its digest", path.display()),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_round_trip_by_digest_and_tampering_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = b"%PDF-1.4 test".to_vec();
        let sha = jingzhun_store::sha256_hex(&bytes);
        save(dir.path(), &sha, &bytes).unwrap();
        save(dir.path(), &sha, &bytes).unwrap();
        assert_eq!(load(dir.path(), &sha).unwrap(), bytes);
        std::fs::write(dir.path().join(&sha[..2]).join(&sha), b"changed").unwrap();
        assert!(load(dir.path(), &sha).is_err());
        assert!(load(dir.path(), "../../etc/passwd").is_err());
    }
}
