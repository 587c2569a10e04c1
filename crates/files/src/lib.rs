//! Content-addressed storage for uploaded files.
//!
//! An upload streams into `tmp/` under a random name while its SHA-256 is
//! computed and its size checked against a limit; only a complete, synced
//! file is renamed to `sha256/ab/cd/<digest>`. So:
//! - a crash or a refused upload never leaves a half file where readers look;
//! - the same bytes uploaded twice are stored once;
//! - memory use is one chunk, whatever the file size.
//!
//! Architecture invariant: this crate knows files and bytes, not datasets.
//! Which resource points at which digest is the catalog's business.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// What can go wrong storing or reading a file.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("upload interrupted: {0}")]
    Interrupted(String),
    #[error("no stored file with digest {0}")]
    Missing(String),
    #[error("invalid digest {0:?}")]
    BadDigest(String),
    #[error("file store I/O error at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<FilesError> for kho_core::Error {
    fn from(e: FilesError) -> Self {
        match e {
            FilesError::TooLarge { limit } => kho_core::Error::TooLarge(format!(
                "the upload exceeds the limit of {limit} bytes (setting max_upload_bytes)"
            )),
            FilesError::Interrupted(m) => kho_core::Error::BadRequest(format!("upload interrupted: {m}")),
            FilesError::Missing(d) => kho_core::Error::not_found(format!("stored file {d}")),
            other => kho_core::Error::internal(other),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FilesError + '_ {
    move |source| FilesError::Io { path: path.to_path_buf(), source }
}

/// A file now in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// The file store rooted at a directory.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// Opens (creating if needed) a store under `root`, and clears partial
    /// uploads left by a crash.
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self, FilesError> {
        let root = root.into();
        let tmp = root.join("tmp");
        tokio::fs::create_dir_all(&tmp).await.map_err(io(&tmp))?;
        tokio::fs::create_dir_all(root.join("sha256")).await.map_err(io(&root))?;
        let store = FileStore { root };
        store.clear_partials().await;
        Ok(store)
    }

    async fn clear_partials(&self) {
        let tmp = self.root.join("tmp");
        let Ok(mut dir) = tokio::fs::read_dir(&tmp).await else { return };
        let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600);
        while let Ok(Some(entry)) = dir.next_entry().await {
            // Only old partials: a second process may be uploading right now.
            let old = entry.metadata().await.ok().and_then(|m| m.modified().ok()).is_some_and(|t| t < cutoff);
            if old {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
    }

    /// The directory the store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file with this digest lives.
    pub fn path_of(&self, sha256: &str) -> Result<PathBuf, FilesError> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
            return Err(FilesError::BadDigest(sha256.to_string()));
        }
        Ok(self.root.join("sha256").join(&sha256[..2]).join(&sha256[2..4]).join(sha256))
    }

    /// Streams `body` into the store, refusing more than `limit` bytes.
    pub async fn put_stream<S, E>(&self, mut body: S, limit: u64) -> Result<StoredFile, FilesError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let tmp_path = self.root.join("tmp").join(format!("{}.part", uuid::Uuid::new_v4()));
        let mut file = tokio::fs::File::create(&tmp_path).await.map_err(io(&tmp_path))?;
        let result = async {
            let mut hasher = Sha256::new();
            let mut size: u64 = 0;
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| FilesError::Interrupted(e.to_string()))?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(FilesError::TooLarge { limit });
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await.map_err(io(&tmp_path))?;
            }
            file.sync_all().await.map_err(io(&tmp_path))?;
            Ok(StoredFile { sha256: hex::encode(hasher.finalize()), size })
        }
        .await;
        drop(file);
        let stored = match result {
            Ok(s) => s,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp_path).await;
                return Err(e);
            }
        };
        let final_path = self.path_of(&stored.sha256)?;
        if tokio::fs::try_exists(&final_path).await.unwrap_or(false) {
            let _ = tokio::fs::remove_file(&tmp_path).await;
            return Ok(stored);
        }
        if let Some(dir) = final_path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io(dir))?;
        }
        tokio::fs::rename(&tmp_path, &final_path).await.map_err(io(&final_path))?;
        if let Some(dir) = final_path.parent() {
            // Make the rename itself durable.
            if let Ok(d) = tokio::fs::File::open(dir).await {
                let _ = d.sync_all().await;
            }
        }
        tracing::debug!(sha256 = %stored.sha256, size = stored.size, "stored file");
        Ok(stored)
    }

    /// Stores bytes already in memory (demo content, tests).
    pub async fn put_bytes(&self, bytes: Bytes, limit: u64) -> Result<StoredFile, FilesError> {
        self.put_stream(futures_util::stream::iter([Ok::<_, std::io::Error>(bytes)]), limit).await
    }

    /// Opens a stored file for reading, with its length.
    pub async fn open_file(&self, sha256: &str) -> Result<(tokio::fs::File, u64), FilesError> {
        let path = self.path_of(sha256)?;
        let file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(FilesError::Missing(sha256.into())),
            Err(e) => return Err(FilesError::Io { path, source: e }),
        };
        let len = file.metadata().await.map_err(io(&path))?.len();
        Ok((file, len))
    }

    /// Removes a stored file (when no resource refers to it any more).
    pub async fn remove(&self, sha256: &str) -> Result<(), FilesError> {
        let path = self.path_of(sha256)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(FilesError::Io { path, source: e }),
        }
    }

    /// Checks the directories can be written (for `/readyz`).
    pub async fn check_writable(&self) -> Result<(), FilesError> {
        let probe = self.root.join("tmp").join(format!(".probe-{}", uuid::Uuid::new_v4()));
        tokio::fs::write(&probe, b"ok").await.map_err(io(&probe))?;
        tokio::fs::remove_file(&probe).await.map_err(io(&probe))?;
        Ok(())
    }
}

/// Makes an uploaded file name safe to store and serve: the last path
/// component only, no control or path characters, at most 200 characters.
/// Returns `None` when nothing usable is left.
pub fn safe_filename(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|' | '%') { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return None;
    }
    Some(cleaned.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_by_content_and_refuses_oversize() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).await.unwrap();
        let a = store.put_bytes(Bytes::from_static(b"hello"), 100).await.unwrap();
        assert_eq!(a.sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        let b = store.put_bytes(Bytes::from_static(b"hello"), 100).await.unwrap();
        assert_eq!(a, b);
        let (_, len) = store.open_file(&a.sha256).await.unwrap();
        assert_eq!(len, 5);

        let err = store.put_bytes(Bytes::from(vec![0u8; 101]), 100).await.unwrap_err();
        assert!(matches!(err, FilesError::TooLarge { limit: 100 }));
        let leftovers = std::fs::read_dir(dir.path().join("tmp")).unwrap().count();
        assert_eq!(leftovers, 0, "a refused upload leaves nothing behind");
        assert!(store.path_of("../../etc/passwd").is_err());
    }

    #[test]
    fn filenames_are_made_safe() {
        assert_eq!(safe_filename("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(safe_filename("C:\\Users\\a\\dân số.csv").as_deref(), Some("dân số.csv"));
        assert_eq!(safe_filename(".."), None);
        assert_eq!(safe_filename("..\u{0}hidden").as_deref(), Some("hidden"));
        assert_eq!(safe_filename("a<b>.csv").as_deref(), Some("a_b_.csv"));
    }
}
