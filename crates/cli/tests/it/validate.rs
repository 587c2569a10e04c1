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
