//! Foreign keys to other resources: the values a referenced table holds,
//! kept as hashes.
//!
//! Data Package foreign keys name another resource of the package
//! (`"reference": {"resource": "tinh", "fields": ["mã"]}`). To check them,
//! a caller supplies each referenced table as a [`ReferenceTable`], read
//! once for all the keys that reference it, and puts it in
//! [`ReferenceTables`] (given to [`crate::validate_csv`] through
//! [`crate::ValidateOptions::references`]). Values are read with the
//! referenced table's own schema and compared as frictionless compares
//! them — typed, so `1.0` in a `number` column matches `1` in an
//! `integer` one — by the same 64-bit hashes as the same-file checks, so a
//! table of any size costs about 12 bytes per distinct key value. A cell
//! that is not of its field's type counts as empty, as in frictionless.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::keyset::KeySet;
use crate::schema::Schema;
use crate::validate::{KeyCollector, ValidateError, ValidateOptions, collect_csv_keys};

/// The values of one referenced table, for one or more keys (lists of its
/// field names).
pub struct ReferenceTable {
    keys: Vec<(Vec<String>, Arc<KeySet>)>,
}

impl std::fmt::Debug for ReferenceTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceTable").field("keys", &self.keys.iter().map(|(k, _)| k).collect::<Vec<_>>()).finish()
    }
}

impl ReferenceTable {
    /// Reads a CSV file once, streamed, and keeps the hashes of the values
    /// of each key in `keys`. The cells are typed with `schema`, the
    /// referenced resource's schema; without one, a schema is inferred
    /// from the file, as [`crate::validate_csv`] infers one. `opts` gives
    /// the encoding, delimiter and inference options (its limits and
    /// references are not used).
    pub fn from_csv(
        path: &Path,
        schema: Option<&Schema>,
        keys: &[Vec<String>],
        opts: &ValidateOptions,
    ) -> Result<ReferenceTable, ValidateError> {
        let sets = collect_csv_keys(path, schema, keys, opts)?;
        Ok(ReferenceTable::with(keys, sets))
    }

    /// Builds the table from rows of cell texts in `schema`'s field order
    /// (for a table that is not a CSV file, such as a loaded datastore
    /// table). Missing values and types follow `schema`.
    pub fn from_rows<I, R, S>(schema: &Schema, keys: &[Vec<String>], rows: I) -> Result<ReferenceTable, ValidateError>
    where
        I: IntoIterator<Item = R>,
        R: AsRef<[S]>,
        S: AsRef<str>,
    {
        let labels: Vec<String> = schema.fields.iter().map(|f| f.name.clone()).collect();
        let mut c = KeyCollector::new(schema, &labels, keys)?;
        for row in rows {
            c.add_row(row.as_ref());
        }
        Ok(ReferenceTable::with(keys, c.finish()))
    }

    fn with(keys: &[Vec<String>], sets: Vec<KeySet>) -> ReferenceTable {
        ReferenceTable { keys: keys.iter().cloned().zip(sets.into_iter().map(Arc::new)).collect() }
    }

    /// The keys this table holds values for.
    pub fn keys(&self) -> impl Iterator<Item = &[String]> {
        self.keys.iter().map(|(k, _)| k.as_slice())
    }

    /// The value hashes of `fields` (in that order), if collected.
    pub(crate) fn key(&self, fields: &[String]) -> Option<Arc<KeySet>> {
        self.keys.iter().find(|(k, _)| k.as_slice() == fields).map(|(_, set)| Arc::clone(set))
    }
}

/// Referenced tables by resource name. Cloning is cheap (the tables are
/// shared).
#[derive(Debug, Clone, Default)]
pub struct ReferenceTables {
    tables: HashMap<String, Arc<ReferenceTable>>,
}

impl ReferenceTables {
    /// No tables.
    pub fn new() -> ReferenceTables {
        ReferenceTables::default()
    }

    /// Adds (or replaces) the table of resource `name`.
    pub fn insert(&mut self, name: impl Into<String>, table: impl Into<Arc<ReferenceTable>>) {
        self.tables.insert(name.into(), table.into());
    }

    /// The table of resource `name`.
    pub fn get(&self, name: &str) -> Option<&ReferenceTable> {
        self.tables.get(name).map(Arc::as_ref)
    }

    /// Whether no table was given.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate_csv;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    fn key(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    const TINH: &str =
        r#"{"fields": [{"name": "mã", "type": "integer"}, {"name": "tên"}], "missingValues": ["", "-"]}"#;
    const DAN_SO: &str = r#"{"fields": [{"name": "tỉnh", "type": "number"}, {"name": "tên tỉnh"}, {"name": "dân số", "type": "integer"}],
        "foreignKeys": [{"fields": "tỉnh", "reference": {"resource": "tinh", "fields": "mã"}},
                        {"fields": ["tỉnh", "tên tỉnh"], "reference": {"resource": "tinh", "fields": ["mã", "tên"]}}]}"#;

    /// (row, message) of each foreign-key error.
    fn fk_errors(data: &str, refs: &ReferenceTables) -> Vec<(u64, String)> {
        let f = file(data);
        let schema = Schema::from_json(DAN_SO).unwrap();
        let opts = ValidateOptions { references: refs.clone(), ..ValidateOptions::default() };
        let r = validate_csv(f.path(), Some(&schema), &opts).unwrap();
        assert!(r.errors.iter().all(|e| e.type_ == "foreign-key"), "{:?}", r.errors);
        r.errors.iter().map(|e| (e.row_number.unwrap(), e.message.clone())).collect()
    }

    #[test]
    fn typed_values_of_another_table() {
        // "x" is not an integer: read as empty, so it references nothing;
        // "-" is a missing value.
        let tinh = file("mã,tên\n1,Hà Nội\n79,Hồ Chí Minh\nx,Atlantis\n-,Huế\n");
        let schema = Schema::from_json(TINH).unwrap();
        let keys = [key(&["mã"]), key(&["mã", "tên"])];
        let table = ReferenceTable::from_csv(tinh.path(), Some(&schema), &keys, &ValidateOptions::default()).unwrap();
        assert_eq!(table.keys().count(), 2);
        let mut refs = ReferenceTables::new();
        refs.insert("tinh", table);
        let data = "tỉnh,tên tỉnh,dân số\n1,Hà Nội,8587100\n1.0,Hà Nội,1\n79.00,Hồ Chí Minh,2\n80,Hồ Chí Minh,3\n,,4\n1,Huế,5\n,Huế,6\n";
        let got = fk_errors(data, &refs);
        let rows: Vec<u64> = got.iter().map(|(r, _)| *r).collect();
        // Row 5: 80 is no code (both keys); row 7: (1, Huế) is no pair;
        // row 8: the pair (empty, Huế) matches "-,Huế" (frictionless
        // keeps rows with one key cell empty in its lookup).
        assert_eq!(rows, [5, 5, 7], "{got:?}");
        assert!(got[0].1.contains("not found in the lookup table \"tinh\" as \"mã\""), "{}", got[0].1);
        assert!(got[1].1.contains("as \"mã, tên\""), "{}", got[1].1);
    }

    #[test]
    fn rows_and_files_give_the_same_table() {
        let schema = Schema::from_json(TINH).unwrap();
        let keys = [key(&["mã"]), key(&["mã", "tên"])];
        let rows = [["1", "Hà Nội"], ["79", "Hồ Chí Minh"], ["x", "Atlantis"], ["-", "Huế"]];
        let table = ReferenceTable::from_rows(&schema, &keys, rows).unwrap();
        let mut refs = ReferenceTables::new();
        refs.insert("tinh", table);
        let data = "tỉnh,tên tỉnh,dân số\n1.0,Hà Nội,1\n80,Hồ Chí Minh,3\n1,Huế,5\n,Huế,6\n";
        let rows: Vec<u64> = fk_errors(data, &refs).into_iter().map(|(r, _)| r).collect();
        assert_eq!(rows, [3, 3, 4]);
    }

    #[test]
    fn inferred_schema_types_the_referenced_table() {
        // Without a schema "mã" is inferred as an integer, so "01" and
        // "1.0" match 1.
        let tinh = file("mã,tên\n1,Hà Nội\n79,Hồ Chí Minh\n");
        let keys = [key(&["mã"])];
        let table = ReferenceTable::from_csv(tinh.path(), None, &keys, &ValidateOptions::default()).unwrap();
        let mut refs = ReferenceTables::new();
        refs.insert("tinh", table);
        let f = file("tỉnh\n1.0\n79\n7\n");
        let schema = Schema::from_json(
            r#"{"fields": [{"name": "tỉnh", "type": "number"}], "foreignKeys": [{"fields": "tỉnh", "reference": {"resource": "tinh", "fields": "mã"}}]}"#,
        )
        .unwrap();
        let opts = ValidateOptions { references: refs, ..ValidateOptions::default() };
        let r = validate_csv(f.path(), Some(&schema), &opts).unwrap();
        assert_eq!(r.errors.iter().map(|e| e.row_number).collect::<Vec<_>>(), [Some(4)]);
        assert!(
            r.errors[0].message_vi.contains("không có trong cột \"mã\" của bảng \"tinh\""),
            "{}",
            r.errors[0].message_vi
        );
    }

    #[test]
    fn missing_tables_keys_and_fields_are_errors() {
        let schema = Schema::from_json(TINH).unwrap();
        let e = ReferenceTable::from_rows(&schema, &[key(&["mã số"])], [["1", "a"]]).unwrap_err();
        assert!(matches!(&e, ValidateError::ReferenceField { field } if field == "mã số"), "{e}");
        // Supplied, but only for one of the two keys.
        let mut refs = ReferenceTables::new();
        refs.insert("tinh", ReferenceTable::from_rows(&schema, &[key(&["mã"])], [["1", "a"]]).unwrap());
        let f = file("tỉnh,tên tỉnh,dân số\n1,a,1\n");
        let s = Schema::from_json(DAN_SO).unwrap();
        let opts = ValidateOptions { references: refs, ..ValidateOptions::default() };
        let e = validate_csv(f.path(), Some(&s), &opts).unwrap_err();
        assert!(matches!(&e, ValidateError::MissingReferenceKey { index: 2, .. }), "{e}");
        assert!(e.to_string().contains("(mã, tên)"), "{e}");
        let e = validate_csv(f.path(), Some(&s), &ValidateOptions::default()).unwrap_err();
        assert!(matches!(&e, ValidateError::MissingReference { index: 1, .. }), "{e}");
        let binary = file("mã,tên\n1,\0\0\0\n");
        let e =
            ReferenceTable::from_csv(binary.path(), None, &[key(&["mã"])], &ValidateOptions::default()).unwrap_err();
        assert!(e.to_string().contains("not a text table"), "{e}");
        let e = ReferenceTable::from_csv(
            Path::new("/nonexistent/tinh.csv"),
            None,
            &[key(&["mã"])],
            &ValidateOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(e, ValidateError::Io { .. }));
    }
}
