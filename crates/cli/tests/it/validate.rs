//! `kho validate`, offline: exit codes, JSON with frictionless' error
//! types, Vietnamese and English messages, a bad schema.

use crate::support::kho_bin;

fn kho(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(kho_bin()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn validate_reports_errors_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("dan-so.csv");
    std::fs::write(&csv, "tỉnh,năm,dân số\nHà Nội,2025,8587100\nHuế,2025,12a\n,,\nHuế,2025,1236393,thừa\n").unwrap();
    let schema = dir.path().join("schema.json");
    std::fs::write(
        &schema,
        r#"{"fields": [{"name": "tỉnh", "type": "string", "constraints": {"required": true}},
                       {"name": "năm", "type": "integer"}, {"name": "dân số", "type": "integer"}]}"#,
    )
    .unwrap();
    let file = csv.to_str().unwrap();
    let schema_path = schema.to_str().unwrap();
    let (code, out, _) = kho(&["validate", file, "--schema", schema_path, "--format", "json"]);
    assert_eq!(code, 1, "errors in the data: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], false);
    let types: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["type-error", "blank-row", "extra-cell"], "{out}");
    assert_eq!(v["errors"][0]["rowNumber"], 3);
    assert_eq!(v["errors"][0]["fieldName"], "dân số");
    assert_eq!(v["stats"]["errors"], 3);
    let (code, out, _) = kho(&["validate", file, "--schema", schema_path]);
    assert_eq!(code, 1);
    assert!(out.contains("Không hợp lệ") && out.contains("không phải số nguyên"), "{out}");
    let (_, out, _) = kho(&["validate", file, "--schema", schema_path, "--lang", "en"]);
    assert!(out.contains("Invalid: 3 errors"), "{out}");
    // Valid data exits 0; an unusable schema exits 2 and says why.
    std::fs::write(&csv, "tỉnh,năm,dân số\nHà Nội,2025,8587100\n").unwrap();
    let (code, out, _) = kho(&["validate", file, "--schema", schema_path]);
    assert_eq!(code, 0, "{out}");
    std::fs::write(&schema, r#"{"fields": [{"name": "tỉnh", "type": "string", "constraints": {"pattern": "(a"}}]}"#)
        .unwrap();
    let (code, _, err) = kho(&["validate", file, "--schema", schema_path]);
    assert_eq!(code, 2);
    assert!(err.contains("pattern"), "{err}");
    // Without a schema one is inferred; --print-schema shows it.
    let (code, out, _) = kho(&["validate", file, "--print-schema"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"dân số\"") && out.contains("integer"), "{out}");
}

#[test]
fn validate_refuses_unusable_schemas_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    let schema = dir.path().join("schema.json");
    let file = csv.to_str().unwrap();
    let schema_path = schema.to_str().unwrap();
    let cases = [
        ("{\"fields\": [", "not valid JSON"),
        (r#"{"fields": [{"name": "a", "type": "money"}]}"#, "unknown type \"money\""),
        (
            r#"{"fields": [{"name": "a"}, {"name": "b"}], "foreignKeys": [
                {"fields": "a", "reference": {"resource": "", "fields": "b"}},
                {"fields": "b", "reference": {"resource": "", "fields": "a"}}]}"#,
            "foreign keys form a cycle",
        ),
        (r#"{"fields": [{"name": "a", "constraints": {"vnAdminUnit": "district"}}]}"#, "\"commune\""),
    ];
    for (text, reason) in cases {
        std::fs::write(&schema, text).unwrap();
        let (code, out, err) = kho(&["validate", file, "--schema", schema_path]);
        assert_eq!(code, 2, "{text}: {out}{err}");
        assert!(err.contains(reason), "{text}: {err}");
    }
    // A foreign key to another resource cannot be checked on one file.
    std::fs::write(
        &schema,
        r#"{"fields": [{"name": "a"}, {"name": "b"}], "foreignKeys": [{"fields": "a", "reference": {"resource": "tinh", "fields": "mã"}}]}"#,
    )
    .unwrap();
    let (code, _, err) = kho(&["validate", file, "--schema", schema_path]);
    assert_eq!(code, 2);
    assert!(err.contains("\"tinh\", whose values were not supplied") && err.contains("datapackage.json"), "{err}");
    // A binary file is one clear encoding error, not pages of noise.
    let bin = dir.path().join("ảnh.csv");
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    bytes.extend((0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    std::fs::write(&bin, bytes).unwrap();
    let (code, out, _) = kho(&["validate", bin.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["errors"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(v["errors"][0]["type"], "encoding-error");
}

/// A package with a cycle of foreign keys between two tables (and a
/// document): JSON in frictionless' layout, per-resource human output,
/// exit codes.
#[test]
fn validate_checks_a_data_package_across_resources() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("tinh.csv"), "mã,tên,thủ phủ\n1,Hà Nội,4\n79,Hồ Chí Minh,26740\n").unwrap();
    std::fs::write(d.join("xa.csv"), "mã,tên,tỉnh\n4,Phường Ba Đình,1\n26740,Phường Sài Gòn,79.0\n5,Xã Lạ,80\n")
        .unwrap();
    std::fs::write(d.join("ghi-chu.md"), "Ghi chú\n").unwrap();
    std::fs::write(
        d.join("xa.schema.json"),
        r#"{"fields": [{"name": "mã", "type": "integer"}, {"name": "tên", "format": "vn-admin-unit-commune"},
                       {"name": "tỉnh", "type": "number"}],
            "primaryKey": "mã", "foreignKeys": [{"fields": "tỉnh", "reference": {"resource": "tinh", "fields": "mã"}}]}"#,
    )
    .unwrap();
    let descriptor = d.join("datapackage.json");
    std::fs::write(
        &descriptor,
        r#"{"name": "hanh-chinh", "resources": [
            {"name": "tinh", "path": "tinh.csv", "schema": {
                "fields": [{"name": "mã", "type": "integer"}, {"name": "tên", "format": "vn-admin-unit"}, {"name": "thủ phủ", "type": "integer"}],
                "foreignKeys": [{"fields": "thủ phủ", "reference": {"resource": "xa", "fields": "mã"}}]}},
            {"name": "xa", "path": "xa.csv", "schema": "xa.schema.json"},
            {"name": "ghi-chu", "path": "ghi-chu.md"}]}"#,
    )
    .unwrap();
    let pkg = descriptor.to_str().unwrap();
    let (code, out, err) = kho(&["validate", pkg, "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in ["valid", "stats", "warnings", "errors", "tasks"] {
        assert!(v.get(key).is_some(), "{key} in {out}");
    }
    assert_eq!(v["valid"], false);
    assert_eq!(v["stats"]["tasks"], 3);
    assert_eq!(v["stats"]["errors"], 2);
    let tasks = v["tasks"].as_array().unwrap();
    let names: Vec<&str> = tasks.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["tinh", "xa", "ghi-chu"]);
    assert_eq!(tasks[0]["valid"], true, "4 and 26740 are communes of xa");
    assert_eq!(tasks[0]["place"], "tinh.csv");
    // 80 is no province of tinh (79.0 is 79); "Xã Lạ" is no commune.
    let xa: Vec<(&str, u64)> = tasks[1]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["rowNumber"].as_u64().unwrap()))
        .collect();
    assert_eq!(xa, [("type-error", 4), ("foreign-key", 4)], "{out}");
    assert_eq!(tasks[1]["stats"]["invalidRows"], 1);
    assert_eq!(tasks[2]["type"], "file");
    let (code, out, _) = kho(&["validate", pkg]);
    assert_eq!(code, 1);
    assert!(out.contains("✓ tinh (tinh.csv): hợp lệ"), "{out}");
    assert!(out.contains("không có trong cột \"mã\" của bảng \"tinh\""), "{out}");
    assert!(out.contains("Gói hanh-chinh không hợp lệ: 2 lỗi trong 1/2 bảng"), "{out}");
    let (_, out, _) = kho(&["validate", pkg, "--lang", "en"]);
    assert!(out.contains("not found in the lookup table \"tinh\" as \"mã\""), "{out}");
    // Fixed, the package is valid.
    std::fs::write(d.join("xa.csv"), "mã,tên,tỉnh\n4,Phường Ba Đình,1\n26740,Phường Sài Gòn,79.0\n").unwrap();
    let (code, out, _) = kho(&["validate", pkg]);
    assert_eq!(code, 0, "{out}");
    // A missing table cannot be validated, nor the table referencing it.
    std::fs::remove_file(d.join("xa.csv")).unwrap();
    let (code, out, _) = kho(&["validate", pkg, "--format", "json"]);
    assert_eq!(code, 2, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tasks"][0]["errors"][0]["type"], "resource-error");
    assert_eq!(v["tasks"][1]["errors"][0]["type"], "scheme-error");
    // A descriptor naming a resource it lacks is refused before reading.
    std::fs::write(
        &descriptor,
        r#"{"resources": [{"name": "xa", "path": "xa.csv", "schema": {"fields": [{"name": "tỉnh"}],
            "foreignKeys": [{"fields": "tỉnh", "reference": {"resource": "tinh", "fields": "mã"}}]}}]}"#,
    )
    .unwrap();
    let (code, _, err) = kho(&["validate", pkg]);
    assert_eq!(code, 2);
    assert!(err.contains("references the resource \"tinh\", which the package lacks"), "{err}");
    let (code, _, err) = kho(&["validate", pkg, "--schema", "s.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("carry their own schemas"), "{err}");
}

/// `kho bench validate` on a 1 MiB file: Kho's figures and errors, then
/// frictionless beside it (KHO_TEST_PYTHON's virtualenv, or
/// target/test-venv), agreeing on every error.
#[test]
fn bench_validate_compares_with_frictionless() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = kho(&["bench", "validate", "--mb", "1", "--dir", d, "--no-frictionless", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v["file"]["rows"].as_u64().unwrap();
    assert!(v["file"]["bytes"].as_u64().unwrap() >= 1 << 20);
    // One type error in 1,000 rows, one duplicate key in 10,000 (at 5,001).
    let planted = rows / 1000 + u64::from(rows >= 5001);
    assert_eq!(v["file"]["errors_planted"], planted);
    assert_eq!(v["kho"]["errors"], planted);
    assert!(v["kho"]["peak_rss_mib"].as_f64().unwrap() > 0.0);
    assert!(v["frictionless"].is_null() && v["errors_agree"].is_null());
    let python = std::env::var("KHO_TEST_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python"));
    let frictionless = python.with_file_name("frictionless");
    assert!(
        frictionless.is_file(),
        "{} is missing: install frictionless 5.18.1 beside KHO_TEST_PYTHON (see README)",
        frictionless.display()
    );
    // The file is reused; frictionless runs on it.
    let (code, out, err) = kho(&[
        "bench",
        "validate",
        "--mb",
        "1",
        "--dir",
        d,
        "--frictionless",
        frictionless.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["file"]["rows"], rows);
    assert_eq!(v["frictionless"]["version"], "5.18.1");
    assert_eq!(v["frictionless"]["errors"], planted);
    assert_eq!(v["errors_agree"], true);
    let (code, out, _) =
        kho(&["bench", "validate", "--mb", "1", "--dir", d, "--frictionless", frictionless.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("errors agree: có / yes"), "{out}");
    assert!(out.contains("frictionless 5.18.1"), "{out}");
}
