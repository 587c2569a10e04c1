//! What changed between two versions of a table: columns added, removed
//! or retyped, and rows added, removed and (with a primary key) changed.
//!
//! Rows are compared by a 64-bit hash of their values in the columns both
//! versions have, so memory is 8 bytes a row per version (16 with a key)
//! whatever the width of the table, and each version is read once, as a
//! stream. Two different rows share a hash with odds of about n²/2⁶⁵
//! (one in 300,000 for two 10-million-row versions); such a pair would
//! count as unchanged. A column whose type changed is compared as text.

use crate::engine::{Engine, TableRef};
use crate::error::{DatastoreError, Result};
use crate::types::{Field, arrow_schema};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::row::{RowConverter, SortField};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};

/// A column whose type changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retyped {
    pub id: String,
    pub from: String,
    pub to: String,
}

/// The changes from one version to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// The version compared with (filled in by the caller, who knows
    /// version numbers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared_with: Option<i64>,
    pub rows_before: u64,
    pub rows_after: u64,
    pub rows_added: u64,
    pub rows_removed: u64,
    /// Rows whose key stayed and whose values changed; only with a key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_changed: Option<u64>,
    pub rows_unchanged: u64,
    pub columns_added: Vec<String>,
    pub columns_removed: Vec<String>,
    pub columns_retyped: Vec<Retyped>,
    /// The key rows were matched by (empty: whole rows were matched).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
}

/// Versions larger than this are compared by columns and row counts only.
pub const MAX_COMPARED_ROWS: u64 = 100_000_000;

/// Column changes between two field lists, in the newer list's order.
pub fn column_changes(old: &[Field], new: &[Field]) -> (Vec<String>, Vec<String>, Vec<Retyped>) {
    let added = new.iter().filter(|n| !old.iter().any(|o| o.id == n.id)).map(|f| f.id.clone()).collect();
    let removed = old.iter().filter(|o| !new.iter().any(|n| n.id == o.id)).map(|f| f.id.clone()).collect();
    let retyped = new
        .iter()
        .filter_map(|n| {
            let o = old.iter().find(|o| o.id == n.id)?;
            (o.ty != n.ty).then(|| Retyped { id: n.id.clone(), from: o.ty.name().into(), to: n.ty.name().into() })
        })
        .collect();
    (added, removed, retyped)
}

impl Engine {
    /// Compares `old` with `new`. With `key` (columns both versions have),
    /// rows are matched by key and a row with the same key but other
    /// values is changed; without, rows are matched whole, as multisets.
    pub async fn compare(&self, old: &TableRef, new: &TableRef, key: &[String]) -> Result<Changes> {
        let (columns_added, columns_removed, columns_retyped) = column_changes(&old.fields, &new.fields);
        // Compared columns, in the new version's order, with the type both
        // sides are cast to.
        let common: Vec<(String, DataType)> = new
            .fields
            .iter()
            .filter_map(|n| {
                let o = old.fields.iter().find(|o| o.id == n.id)?;
                let ty = if o.ty == n.ty { n.ty.arrow() } else { DataType::Utf8 };
                Some((n.id.clone(), ty))
            })
            .collect();
        let key: Vec<String> = key.iter().filter(|k| common.iter().any(|(c, _)| c == *k)).cloned().collect();
        let mut changes =
            Changes { columns_added, columns_removed, columns_retyped, key: key.clone(), ..Changes::default() };
        let too_big = old.rows.unwrap_or(0).max(new.rows.unwrap_or(0)) > MAX_COMPARED_ROWS;
        if common.is_empty() || too_big {
            // Nothing to match rows on: every row is new.
            changes.rows_before = self.count_rows(old).await?;
            changes.rows_after = self.count_rows(new).await?;
            if !too_big {
                changes.rows_removed = changes.rows_before;
                changes.rows_added = changes.rows_after;
            }
            return Ok(changes);
        }
        let before = self.row_hashes(old, &common, &key).await?;
        let after = self.row_hashes(new, &common, &key).await?;
        changes.rows_before = before.len() as u64;
        changes.rows_after = after.len() as u64;
        let (mut i, mut j) = (0, 0);
        let mut changed = 0u64;
        let mut same = 0u64;
        // Both lists are sorted by (key hash, row hash); without a key the
        // key hash is the row hash.
        while i < before.len() && j < after.len() {
            let (a, b) = (before[i], after[j]);
            if a.0 == b.0 {
                if a.1 == b.1 {
                    same += 1;
                } else {
                    changed += 1;
                }
                i += 1;
                j += 1;
            } else if a.0 < b.0 {
                i += 1;
            } else {
                j += 1;
            }
        }
        let matched = same + changed;
        changes.rows_removed = changes.rows_before - matched;
        changes.rows_added = changes.rows_after - matched;
        changes.rows_unchanged = same;
        if !key.is_empty() {
            changes.rows_changed = Some(changed);
        }
        Ok(changes)
    }

    async fn count_rows(&self, t: &TableRef) -> Result<u64> {
        if let Some(n) = t.rows {
            return Ok(n);
        }
        let mut stream = self.scan(t).await?;
        let mut n = 0u64;
        while let Some(b) = stream.try_next().await? {
            n += b.num_rows() as u64;
        }
        Ok(n)
    }

    /// `(key hash, row hash)` of every row, sorted.
    async fn row_hashes(&self, t: &TableRef, common: &[(String, DataType)], key: &[String]) -> Result<Vec<(u64, u64)>> {
        let stored = arrow_schema(&t.fields);
        let positions: Vec<usize> = common
            .iter()
            .map(|(c, _)| stored.index_of(c).map_err(|e| DatastoreError::Internal(e.to_string())))
            .collect::<Result<_>>()?;
        let key_at: Vec<usize> = key.iter().filter_map(|k| common.iter().position(|(c, _)| c == k)).collect();
        let converter = RowConverter::new(common.iter().map(|(_, ty)| SortField::new(ty.clone())).collect())?;
        let mut out = Vec::with_capacity(t.rows.unwrap_or(0).min(MAX_COMPARED_ROWS) as usize);
        let mut stream = self.scan(t).await?;
        while let Some(batch) = stream.try_next().await? {
            // Positions are in the stored schema, which the scan keeps.
            let columns = positions
                .iter()
                .zip(common)
                .map(|(&p, (_, ty))| datafusion::arrow::compute::cast(batch.column(p), ty))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let rows = converter.convert_columns(&columns)?;
            let key_rows = if key_at.is_empty() {
                None
            } else {
                let key_columns: Vec<_> = key_at.iter().map(|&k| columns[k].clone()).collect();
                let key_converter =
                    RowConverter::new(key_at.iter().map(|&k| SortField::new(common[k].1.clone())).collect())?;
                Some(key_converter.convert_columns(&key_columns)?)
            };
            for r in 0..batch.num_rows() {
                let row = hash(rows.row(r).as_ref());
                let k = match &key_rows {
                    Some(kr) => hash(kr.row(r).as_ref()),
                    None => row,
                };
                out.push((k, row));
            }
        }
        out.sort_unstable();
        Ok(out)
    }
}

/// A hash that is the same in every process (SipHash with fixed keys).
fn hash(bytes: &[u8]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineOptions;
    use crate::ingest::{LoadOptions, LoadProgress, SourceFormat, load_file};

    fn table(dir: &tempfile::TempDir, name: &str, csv: &str) -> TableRef {
        let src = dir.path().join(format!("{name}.csv"));
        std::fs::write(&src, csv).unwrap();
        let dest = dir.path().join(format!("{name}.parquet"));
        let r = load_file(&src, SourceFormat::Csv, &LoadOptions::default(), &dest, &LoadProgress::default()).unwrap();
        TableRef { name: name.into(), path: dest, fields: r.fields, rows: Some(r.rows) }
    }

    #[tokio::test]
    async fn whole_rows_are_matched_as_multisets() {
        let dir = tempfile::tempdir().unwrap();
        let old = table(&dir, "a", "id,name,n\n1,Hà Nội,10\n2,Huế,3\n2,Huế,3\n3,Cà Mau,7\n");
        let new = table(&dir, "b", "id,name,n\n1,Hà Nội,10\n2,Huế,3\n3,Cà Mau,8\n4,Cần Thơ,1\n");
        let e = Engine::new(EngineOptions::default()).unwrap();
        let c = e.compare(&old, &new, &[]).await.unwrap();
        assert_eq!((c.rows_before, c.rows_after), (4, 4));
        // One of the two "Huế" rows went, Cà Mau's row is another row now.
        assert_eq!((c.rows_unchanged, c.rows_removed, c.rows_added, c.rows_changed), (2, 2, 2, None));
        assert!(c.columns_added.is_empty() && c.columns_removed.is_empty() && c.columns_retyped.is_empty());
    }

    #[tokio::test]
    async fn keys_tell_changed_rows_from_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let old = table(&dir, "a", "id,name,n\n1,Hà Nội,10\n2,Huế,3\n3,Cà Mau,7\n");
        let new = table(&dir, "b", "id,name,n\n1,Hà Nội,10\n3,Cà Mau,8\n4,Cần Thơ,1\n5,An Giang,2\n");
        let e = Engine::new(EngineOptions::default()).unwrap();
        let c = e.compare(&old, &new, &["id".to_string()]).await.unwrap();
        assert_eq!((c.rows_unchanged, c.rows_changed, c.rows_removed, c.rows_added), (1, Some(1), 1, 2));
        assert_eq!(c.key, ["id"]);
    }

    #[tokio::test]
    async fn column_changes_are_named_and_retyped_columns_compare_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let old = table(&dir, "a", "id,code,gone\n1,10,x\n2,20,y\n");
        let new = table(&dir, "b", "id,code,added\n1,10,p\n2,B20,q\n");
        let e = Engine::new(EngineOptions::default()).unwrap();
        let c = e.compare(&old, &new, &[]).await.unwrap();
        assert_eq!(c.columns_added, ["added"]);
        assert_eq!(c.columns_removed, ["gone"]);
        assert_eq!(c.columns_retyped, [Retyped { id: "code".into(), from: "int".into(), to: "text".into() }]);
        assert_eq!((c.rows_unchanged, c.rows_removed, c.rows_added), (1, 1, 1));
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["rows_added"], 1);
        assert!(json.get("rows_changed").is_none());
    }

    #[tokio::test]
    async fn no_common_column_means_every_row_is_new() {
        let dir = tempfile::tempdir().unwrap();
        let old = table(&dir, "a", "x\n1\n2\n");
        let new = table(&dir, "b", "y\n1\n");
        let e = Engine::new(EngineOptions::default()).unwrap();
        let c = e.compare(&old, &new, &[]).await.unwrap();
        assert_eq!((c.rows_removed, c.rows_added, c.rows_unchanged), (2, 1, 0));
    }
}
