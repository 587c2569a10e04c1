//! The schema reader and the validator never panic, whatever they are given.

use std::io::Write;

use kho_validate::{Schema, ValidateOptions, infer_schema, validate_csv};
use proptest::prelude::*;

/// Schema fragments that exercise every branch of the reader.
fn field_json() -> impl Strategy<Value = String> {
    let types = prop::sample::select(vec![
        "string",
        "number",
        "integer",
        "boolean",
        "date",
        "datetime",
        "time",
        "year",
        "yearmonth",
        "duration",
        "geopoint",
        "geojson",
        "object",
        "array",
        "list",
        "any",
        "money",
        "",
    ]);
    let formats = prop::sample::select(vec![
        "",
        "default",
        "any",
        "email",
        "uri",
        "uuid",
        "binary",
        "vn-admin-unit",
        "vn-admin-unit-commune",
        "vn-admin-unit-any",
        "%d/%m/%Y",
        "%Y-%m-%d %H:%M",
        "%Q",
        "array",
        "object",
        "topojson",
        "fmt:%d/%m/%Y",
        "%",
        "%d%d",
    ]);
    let constraints = prop::sample::select(vec![
        "",
        r#""required": true"#,
        r#""unique": true"#,
        r#""minimum": 1"#,
        r#""maximum": "2026-01-01""#,
        r#""minLength": 2"#,
        r#""maxLength": 0"#,
        r#""pattern": "[0-9]+""#,
        r#""pattern": "(a""#,
        r#""pattern": "(?=x)""#,
        r#""enum": [1, "a", true, null]"#,
        r#""exclusiveMinimum": 0.5"#,
        r#""vnAdminUnit": "province""#,
        r#""vnAdminUnit": "commune""#,
        r#""vnAdminUnit": "any""#,
        r#""minimum": {}"#,
        r#""size": 1"#,
    ]);
    (0u8..4, types, formats, constraints).prop_map(|(name, t, f, c)| {
        let fmt = if f.is_empty() { String::new() } else { format!(r#", "format": "{f}""#) };
        let ty = if t.is_empty() { String::new() } else { format!(r#", "type": "{t}""#) };
        format!(r#"{{"name": "f{name}"{ty}{fmt}, "constraints": {{{c}}}}}"#)
    })
}

fn schema_json() -> impl Strategy<Value = String> {
    let keys = prop::sample::select(vec![
        "",
        r#", "primaryKey": "f0""#,
        r#", "primaryKey": ["f0", "f9"]"#,
        r#", "foreignKeys": [{"fields": "f1", "reference": {"resource": "", "fields": "f0"}}]"#,
        r#", "foreignKeys": [{"fields": ["f0"], "reference": {"fields": ["f0"]}}]"#,
        r#", "foreignKeys": [{"fields": "f0"}]"#,
        r#", "uniqueKeys": [["f0", "f1"]]"#,
        r#", "missingValues": ["", "NA", {"value": "-"}]"#,
        r#", "fieldsMatch": "subset""#,
        r#", "fieldsMatch": "partial""#,
    ]);
    (prop::collection::vec(field_json(), 0..5), keys)
        .prop_map(|(f, k)| format!(r#"{{"fields": [{}]{k}}}"#, f.join(", ")))
}

/// Cells drawn from values that are valid for some type and not others.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "1",
            "-0",
            "1.5",
            "1e3",
            "NaN",
            "inf",
            "1_000",
            "true",
            "có",
            "2026-11-23",
            "23/11/2026",
            "2026-11-23T10:20:30Z",
            "10:20:30",
            "2026-11",
            "P1D",
            "105.8,21.0",
            "{\"a\": 1}",
            "[1, 2]",
            "Hà Nội",
            "\"q\"",
            "NA",
            "-",
            "\u{feff}",
            "a,b",
            "x\ny",
            "ộ",
        ])
        .prop_map(str::to_string),
        "\\PC{0,12}",
    ]
}

fn csv_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::collection::vec(cell(), 0..6), 0..12).prop_map(|rows| {
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        for r in rows {
            let _ = w.write_record(&r);
        }
        String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).into_owned()
    })
}

fn validate_bytes(bytes: &[u8], schema: Option<&Schema>) {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(bytes).expect("write");
    let opts = ValidateOptions { limit_errors: 50, ..ValidateOptions::default() };
    if let Ok(report) = validate_csv(f.path(), schema, &opts) {
        assert!(report.errors.len() <= 50);
        assert_eq!(report.valid, report.stats.errors == 0);
        assert!(report.stats.errors as usize >= report.errors.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn schema_reader_never_panics_on_text(text in "\\PC{0,200}") {
        let _ = Schema::from_json(&text);
    }

    #[test]
    fn schema_reader_never_panics_on_schemas(json in schema_json()) {
        if let Ok(s) = Schema::from_json(&json) {
            // What is accepted writes back to an equal schema.
            let again = Schema::from_json(&s.to_json());
            prop_assert!(again.is_ok(), "{json} → {}", s.to_json());
            prop_assert_eq!(again.ok(), Some(s));
        }
    }

    #[test]
    fn validator_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        validate_bytes(&bytes, None);
        let _ = infer_schema(&bytes[..], &Default::default());
    }

    #[test]
    fn validator_never_panics_on_tables(text in csv_text(), json in schema_json()) {
        validate_bytes(text.as_bytes(), None);
        if let Ok(schema) = Schema::from_json(&json) {
            validate_bytes(text.as_bytes(), Some(&schema));
        }
    }

    #[test]
    fn validator_never_panics_on_encodings(text in csv_text(), which in 0u8..3) {
        let bytes: Vec<u8> = match which {
            0 => { let mut b = vec![0xFF, 0xFE]; b.extend(text.encode_utf16().flat_map(u16::to_le_bytes)); b }
            1 => { let mut b = vec![0xEF, 0xBB, 0xBF]; b.extend(text.as_bytes()); b }
            _ => text.replace('\n', "\r\n").into_bytes(),
        };
        validate_bytes(&bytes, None);
    }
}

#[test]
fn every_type_and_constraint_on_hostile_cells() {
    let schema = Schema::from_json(
        r#"{"fields": [
            {"name": "a", "type": "string", "format": "email", "constraints": {"pattern": "[a-z]+@.*", "minLength": 3, "unique": true}},
            {"name": "b", "type": "number", "decimalChar": ",", "groupChar": ".", "constraints": {"minimum": 0, "exclusiveMaximum": 10, "enum": [1, 2.5]}},
            {"name": "c", "type": "date", "format": "%d/%m/%Y", "constraints": {"minimum": "01/01/2020"}},
            {"name": "d", "type": "geopoint", "format": "array"},
            {"name": "e", "type": "list", "itemType": "datetime", "constraints": {"maxLength": 2}},
            {"name": "f", "type": "string", "format": "vn-admin-unit", "constraints": {"vnAdminUnit": "province"}},
            {"name": "g", "type": "object", "constraints": {"enum": [{"a": 1}], "minLength": 1}}
        ], "primaryKey": ["a", "b"], "uniqueKeys": [["c", "d"]],
           "foreignKeys": [{"fields": ["f"], "reference": {"resource": "", "fields": ["a"]}}]}"#,
    )
    .expect("schema");
    let rows = [
        "a,b,c,d,e,f,g",
        "x@y.vn,\"1,5\",01/01/2021,\"[1, 2]\",\"2026-01-01T00:00:00,2026-01-02T00:00:00\",Hà Nội,\"{\"\"a\"\": 1}\"",
        "\u{0}\u{1},NaN,31/02/2020,\"[\"\"x\"\"]\",\",,\",\u{10FFFF},{",
        ",,,,,,",
        "\"unterminated",
    ];
    validate_bytes(rows.join("\n").as_bytes(), Some(&schema));
    let mut invalid_utf8 = b"a,b\n\xff\xfe,\xc3\n".to_vec();
    invalid_utf8.extend(std::iter::repeat_n(b'x', 100_000));
    validate_bytes(&invalid_utf8, Some(&schema));
    validate_bytes(&invalid_utf8, None);
}
