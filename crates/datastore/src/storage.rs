//! Where table files live: a local directory (the default), or an
//! S3-compatible object store (AWS S3, Garage, MinIO, Ceph…) with the local
//! directory as a read-through cache.
//!
//! Table files are immutable and every version has a new name, so a cached
//! copy can never be stale: a node that lacks a file fetches it once, and
//! nodes sharing one database and one bucket see the same tables. A file
//! is written locally first (under its final name, by the writer), then
//! [`TableFiles::publish`] uploads it; only then is its version recorded,
//! so a version row always names a file the bucket holds whole.

use crate::error::{DatastoreError, Result};
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// An S3-compatible bucket for table files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    /// `s3://bucket` or `s3://bucket/prefix`.
    pub url: String,
    /// The service's address, for anything but AWS itself
    /// (`http://127.0.0.1:3900` for a local Garage).
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Permit an `http://` endpoint (loopback and private networks).
    pub allow_http: bool,
}

/// The table files of a datastore.
#[derive(Clone)]
pub struct TableFiles {
    dir: PathBuf,
    remote: Option<Remote>,
}

#[derive(Clone)]
struct Remote {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    url: String,
}

impl std::fmt::Debug for TableFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

fn storage_error(what: &str, e: impl std::fmt::Display) -> DatastoreError {
    DatastoreError::Internal(format!("object storage: {what}: {e}"))
}

impl TableFiles {
    /// Table files in `dir`, or in `s3` with `dir` as the cache.
    pub fn open(dir: PathBuf, s3: Option<&S3Config>) -> Result<TableFiles> {
        std::fs::create_dir_all(&dir).map_err(|e| DatastoreError::io(&dir, e))?;
        let remote = match s3 {
            None => None,
            Some(c) => {
                let rest = c.url.strip_prefix("s3://").ok_or_else(|| {
                    DatastoreError::Invalid(format!("\"{}\" is not an s3://bucket/prefix address", c.url))
                })?;
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(DatastoreError::Invalid(format!("\"{}\" names no bucket", c.url)));
                }
                let mut b = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(&c.region)
                    .with_allow_http(c.allow_http);
                if let Some(e) = &c.endpoint {
                    // Self-hosted services address buckets by path.
                    b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
                }
                if let Some(k) = &c.access_key_id {
                    b = b.with_access_key_id(k);
                }
                if let Some(s) = &c.secret_access_key {
                    b = b.with_secret_access_key(s);
                }
                let store = b.build().map_err(|e| DatastoreError::Invalid(format!("object storage settings: {e}")))?;
                Some(Remote {
                    store: Arc::new(store),
                    prefix: ObjectPath::from(prefix.trim_matches('/')),
                    url: c.url.trim_end_matches('/').to_string(),
                })
            }
        };
        Ok(TableFiles { dir, remote })
    }

    /// The local directory (all files, or the cache).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where files live (its `Debug` form, in logs).
    pub fn describe(&self) -> String {
        match &self.remote {
            None => format!("{}", self.dir.display()),
            Some(r) => format!("{} (cached in {})", r.url, self.dir.display()),
        }
    }

    fn key(r: &Remote, file: &str) -> ObjectPath {
        let mut key = r.prefix.clone();
        for part in file.split('/').filter(|p| !p.is_empty()) {
            key = key.clone().join(part);
        }
        key
    }

    /// Makes the finished local file `file` durable: on object storage,
    /// uploads it (in parts, streamed from disk). Locally there is
    /// nothing to do: the writer synced and renamed it.
    pub async fn publish(&self, file: &str) -> Result<()> {
        let Some(r) = &self.remote else { return Ok(()) };
        let local = self.dir.join(file);
        let mut src = tokio::fs::File::open(&local).await.map_err(|e| DatastoreError::io(&local, e))?;
        let mut dest = object_store::buffered::BufWriter::new(r.store.clone(), Self::key(r, file));
        let copied = tokio::io::copy(&mut src, &mut dest).await;
        let closed = match copied {
            Ok(_) => dest.shutdown().await,
            Err(e) => {
                let _ = dest.abort().await;
                Err(e)
            }
        };
        closed.map_err(|e| storage_error(&format!("cannot upload {file}"), e))
    }

    /// A local path holding `file`: the file itself, or the cached copy
    /// of the object, fetched first if this node has none.
    pub async fn local(&self, file: &str) -> Result<PathBuf> {
        let path = self.dir.join(file);
        let Some(r) = &self.remote else { return Ok(path) };
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(path);
        }
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(|e| DatastoreError::io(parent, e))?;
        }
        // A unique temporary name: two requests may fetch the same file.
        let tmp = path.with_extension(format!("fetch-{}.tmp", std::process::id() as u64 * 1_000_003 + nonce()));
        let fetched = async {
            let got =
                r.store.get(&Self::key(r, file)).await.map_err(|e| storage_error(&format!("cannot read {file}"), e))?;
            let mut out = tokio::fs::File::create(&tmp).await.map_err(|e| DatastoreError::io(&tmp, e))?;
            let mut stream = got.into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| storage_error(&format!("cannot read {file}"), e))?;
                out.write_all(&chunk).await.map_err(|e| DatastoreError::io(&tmp, e))?;
            }
            out.sync_all().await.map_err(|e| DatastoreError::io(&tmp, e))?;
            tokio::fs::rename(&tmp, &path).await.map_err(|e| DatastoreError::io(&path, e))
        }
        .await;
        if fetched.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        fetched.map(|()| path)
    }

    /// Removes `file` everywhere it is (missing is fine).
    pub async fn remove(&self, file: &str) -> Result<()> {
        let path = self.dir.join(file);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(DatastoreError::io(&path, e)),
        }
        if let Some(r) = &self.remote {
            match r.store.delete(&Self::key(r, file)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(storage_error(&format!("cannot remove {file}"), e)),
            }
        }
        Ok(())
    }

    /// Every table file (relative names) last written more than `age`
    /// ago: in the bucket, or locally. Younger files may belong to a
    /// write still in flight on another node.
    pub async fn list_older_than(&self, age: Duration) -> Result<Vec<String>> {
        match &self.remote {
            Some(r) => {
                // Cached copies of dropped files go too.
                let mut out = TableFiles { dir: self.dir.clone(), remote: None }.local_older_than(age)?;
                let cutoff = chrono_cutoff(age);
                let prefix = (!r.prefix.as_ref().is_empty()).then_some(&r.prefix);
                let metas: Vec<_> =
                    r.store.list(prefix).try_collect().await.map_err(|e| storage_error("cannot list", e))?;
                let strip = if r.prefix.as_ref().is_empty() { String::new() } else { format!("{}/", r.prefix) };
                out.extend(
                    metas
                        .into_iter()
                        .filter(|m| m.last_modified.timestamp() < cutoff)
                        .filter_map(|m| m.location.as_ref().strip_prefix(&strip).map(str::to_string))
                        .filter(|name| name.ends_with(".parquet")),
                );
                out.sort();
                out.dedup();
                Ok(out)
            }
            None => self.local_older_than(age),
        }
    }

    /// Local files (relative names) older than `age`, with leftovers of
    /// interrupted writes (`.tmp`).
    fn local_older_than(&self, age: Duration) -> Result<Vec<String>> {
        let now = std::time::SystemTime::now();
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&self.dir).map_err(|e| DatastoreError::io(&self.dir, e))?;
        for dir in entries.flatten() {
            let Ok(files) = std::fs::read_dir(dir.path()) else { continue };
            for f in files.flatten() {
                let old = f
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| now.duration_since(t).ok())
                    .is_some_and(|d| d >= age);
                let name = f.file_name().to_string_lossy().into_owned();
                if old && (name.ends_with(".parquet") || name.ends_with(".tmp")) {
                    out.push(format!("{}/{name}", dir.file_name().to_string_lossy()));
                }
            }
        }
        Ok(out)
    }
}

/// Seconds since the epoch `age` ago.
fn chrono_cutoff(age: Duration) -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    now.saturating_sub(age.as_secs()) as i64
}

/// A number that differs between calls in one process.
fn nonce() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
