//! A file through the whole datastore: load, search, SQL.

use kho_datastore::engine::{Engine, EngineOptions, RecordsFormat, RowQuery, TableRef};
use kho_datastore::ingest::{LoadOptions, LoadProgress, SourceFormat, load_file};
use kho_datastore::types::FieldType;
use serde_json::{Value, json};
use std::path::Path;

fn load(dir: &Path, name: &str, body: &[u8], format: SourceFormat) -> (TableRef, kho_datastore::ingest::LoadReport) {
    let src = dir.join(name);
    std::fs::write(&src, body).unwrap();
    let dest = dir.join(format!("{name}.parquet"));
    let report = load_file(&src, format, &LoadOptions::default(), &dest, &LoadProgress::default()).unwrap();
    (TableRef { name: name.into(), path: dest, fields: report.fields.clone(), rows: Some(report.rows) }, report)
}

#[tokio::test]
async fn csv_in_vietnamese_formats_is_typed_searched_and_queried() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "Tỉnh;Dân số;Diện tích;Ngày;Đô thị\nHà Nội;8.587.100;3.359,8;01/07/2025;có\nHuế;1.236.393;4.947,1;01/07/2025;có\nLai Châu;482.100;9.068,8;;không\n";
    let (t, report) = load(dir.path(), "dan-so", csv.as_bytes(), SourceFormat::Csv);
    assert_eq!(report.rows, 3);
    assert_eq!(report.delimiter.as_deref(), Some(";"));
    let types: Vec<(&str, FieldType)> = report.fields.iter().map(|f| (f.id.as_str(), f.ty)).collect();
    assert_eq!(
        types,
        [
            ("Tỉnh", FieldType::Text),
            ("Dân số", FieldType::Int),
            ("Diện tích", FieldType::Numeric),
            ("Ngày", FieldType::Date),
            ("Đô thị", FieldType::Bool)
        ]
    );
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let q = RowQuery { filters: vec![("Tỉnh".into(), vec![json!("Huế")])], ..Default::default() };
    let out = engine.search(&t, &q, 0, 100, true, RecordsFormat::Objects).await.unwrap();
    let records: Value = serde_json::from_str(&out.records).unwrap();
    assert_eq!(
        records,
        json!([{"_id": 2, "Tỉnh": "Huế", "Dân số": 1236393, "Diện tích": 4947.1, "Ngày": "2025-07-01", "Đô thị": true}])
    );
    assert_eq!(out.total, Some(1));
    // A column with a missing value: the null row is no match (twice, so
    // the second answer comes from the columns in memory).
    for _ in 0..2 {
        let q = RowQuery { filters: vec![("Ngày".into(), vec![json!("2025-07-01")])], ..Default::default() };
        let out = engine.search(&t, &q, 1, 10, true, RecordsFormat::Lists).await.unwrap();
        assert_eq!(out.total, Some(2));
        assert_eq!(out.returned, 1, "offset 1 of 2 matches");
        assert!(out.records.contains("Huế"), "{}", out.records);
    }
    let q = RowQuery { sort: vec![("Dân số".into(), false)], fields: vec!["Tỉnh".into()], ..Default::default() };
    let out = engine.search(&t, &q, 1, 1, true, RecordsFormat::Csv).await.unwrap();
    assert_eq!(out.records, "Huế\n");
    assert_eq!(out.total, Some(3));
    let q = RowQuery { q: Some("châu".into()), ..Default::default() };
    let out = engine.search(&t, &q, 0, 10, true, RecordsFormat::Lists).await.unwrap();
    assert_eq!(out.total, Some(1), "{}", out.records);
    let sql = r#"SELECT "Đô thị" AS urban, SUM("Dân số") AS people FROM "dan-so" GROUP BY 1 ORDER BY 1"#;
    let checked = kho_datastore::sql_guard::check(sql).unwrap();
    assert_eq!(checked.tables(), ["dan-so"]);
    let out = engine.sql(&checked, std::slice::from_ref(&t)).await.unwrap();
    let records: Value = serde_json::from_str(&out.records).unwrap();
    assert_eq!(records, json!([{"urban": false, "people": 482100}, {"urban": true, "people": 9823493}]));
    let other = kho_datastore::sql_guard::check(r#"SELECT * FROM "other""#).unwrap();
    let err = engine.sql(&other, &[t]).await.unwrap_err();
    assert!(err.to_string().contains("other"), "{err}");
}

#[tokio::test]
async fn a_late_surprise_widens_the_column_in_a_second_pass() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,value,when\n");
    for i in 0..25_000 {
        csv.push_str(&format!("{i},{i},2026-01-02\n"));
    }
    csv.push_str("25000,12a,2026-01-02 10:00\n25001,7,2026-01-03,extra\n");
    let (t, report) = load(dir.path(), "wide", csv.as_bytes(), SourceFormat::Csv);
    assert_eq!(report.passes, 2);
    assert_eq!(report.rows, 25_002);
    let types: Vec<FieldType> = report.fields.iter().map(|f| f.ty).collect();
    assert_eq!(types, [FieldType::Int, FieldType::Text, FieldType::Timestamp, FieldType::Text]);
    assert_eq!(report.fields[3].id, "column_4");
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let q = RowQuery { filters: vec![("value".into(), vec![json!("12a")])], ..Default::default() };
    let out = engine.search(&t, &q, 0, 10, true, RecordsFormat::Objects).await.unwrap();
    let records: Value = serde_json::from_str(&out.records).unwrap();
    assert_eq!(records[0]["when"], "2026-01-02T10:00:00");
    assert_eq!(records[0]["_id"], 25_001);
}

#[tokio::test]
async fn json_ndjson_and_geojson_load() {
    let dir = tempfile::tempdir().unwrap();
    let (_, r) = load(
        dir.path(),
        "a.json",
        r#"[{"ma": 1, "ten": "Hà Nội"}, {"ma": 79, "ten": "Hồ Chí Minh", "cu": [1, 2]}]"#.as_bytes(),
        SourceFormat::Json,
    );
    assert_eq!(r.rows, 2);
    assert_eq!(r.fields.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["ma", "ten", "cu"]);
    let (_, r) = load(dir.path(), "b.ndjson", b"{\"a\": true}\n\n{\"a\": false, \"b\": null}\n", SourceFormat::Ndjson);
    assert_eq!((r.rows, r.fields[0].ty), (2, FieldType::Bool));
    let geo = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"Huế"},"geometry":{"type":"Point","coordinates":[107.6,16.5]}}]}"#.as_bytes();
    let (_, r) = load(dir.path(), "c.geojson", geo, SourceFormat::GeoJson);
    assert_eq!(r.fields.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["ten", "geometry"]);
}

#[test]
fn bad_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let try_load = |name: &str, body: &[u8], format: SourceFormat, opts: LoadOptions| {
        let src = dir.path().join(name);
        std::fs::write(&src, body).unwrap();
        load_file(&src, format, &opts, &dir.path().join("out.parquet"), &LoadProgress::default())
    };
    let e = try_load("empty.csv", b"", SourceFormat::Csv, LoadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    let mut opts = LoadOptions::default();
    opts.limits.max_row_bytes = 1 << 20;
    let long = vec![b'x'; 3 << 20];
    let e = try_load("long.csv", &long, SourceFormat::Csv, opts).unwrap_err();
    assert!(e.to_string().contains("longer than 1 MiB"), "{e}");
    let e = try_load("obj.json", br#"{"a": 1}"#, SourceFormat::Json, LoadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("array"), "{e}");
    let e = try_load("bad.parquet", b"PAR1 not really", SourceFormat::Parquet, LoadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("Parquet"), "{e}");
    // Invalid UTF-8 in an otherwise UTF-8 file: replaced and reported.
    // (Past the first megabyte: bytes that are not UTF-8 there make the
    // file Windows-1258.)
    let mut body = "tên,số\n".as_bytes().to_vec();
    for i in 0..200_000 {
        body.extend_from_slice(format!("Huế,{i}\n").as_bytes());
    }
    body.extend_from_slice(b"H\xff,1\n");
    let src = dir.path().join("bad-utf8.csv");
    std::fs::write(&src, &body).unwrap();
    let r = load_file(
        &src,
        SourceFormat::Csv,
        &LoadOptions::default(),
        &dir.path().join("o.parquet"),
        &LoadProgress::default(),
    )
    .unwrap();
    assert!(r.notes.iter().any(|n| n.contains("U+FFFD")), "{:?}", r.notes);
}

#[test]
fn legacy_vietnamese_encodings_are_converted() {
    let dir = tempfile::tempdir().unwrap();
    // "Tỉnh,Dân số\nHà Nội,1\nĐà Nẵng,2\n" in TCVN3 (ABC): ỉ=0xD8, © is â
    // (0xA9), µ is à (0xB5), é is ộ (0xE9), ® is đ (0xAE)/§ is Đ (0xA7),
    // ½ is ẵ (0xBD).
    let tcvn3: &[u8] = b"T\xd8nh,D\xa9n s\xe8\nH\xb5 N\xe9i,1\n\xa7\xb5 N\xbdng,2\n";
    let src = dir.path().join("t.csv");
    std::fs::write(&src, tcvn3).unwrap();
    let r = load_file(
        &src,
        SourceFormat::Csv,
        &LoadOptions::default(),
        &dir.path().join("t.parquet"),
        &LoadProgress::default(),
    )
    .unwrap();
    assert_eq!(r.encoding.as_deref(), Some("TCVN3"));
    assert_eq!(r.fields[0].id, "Tỉnh");
    assert_eq!(r.fields[1].id, "Dân số");
}

#[tokio::test]
async fn ten_thousand_columns_and_duplicate_headers_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv =
        (0..10_000).map(|i| if i == 5 { "c1".to_string() } else { format!("c{i}") }).collect::<Vec<_>>().join(",");
    csv.push('\n');
    for r in 0..20 {
        csv.push_str(&(0..10_000).map(|i| (r * i).to_string()).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    let (t, report) = load(dir.path(), "wide", csv.as_bytes(), SourceFormat::Csv);
    assert_eq!((report.rows, report.fields.len()), (20, 10_000));
    assert_eq!(report.fields[5].id, "c1_2", "a duplicate header is renamed");
    assert!(report.notes.iter().any(|n| n.contains("changed")), "{:?}", report.notes);
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let q = RowQuery {
        filters: vec![("c9999".into(), vec![json!(9999 * 3)])],
        fields: vec!["c2".into()],
        ..Default::default()
    };
    let out = engine.search(&t, &q, 0, 10, true, RecordsFormat::Lists).await.unwrap();
    assert_eq!(out.records, "[[6]]");
}
