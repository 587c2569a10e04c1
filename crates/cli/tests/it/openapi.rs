//! `GET /api/openapi.json` serves a valid OpenAPI 3.1 description of the
//! Action API, checked by the Python `openapi-spec-validator` (script:
//! `tests/openapi/validate.py`). The interpreter is `KHO_TEST_PYTHON`, or
//! `python3`; `scripts/test` installs the validator into its virtualenv.

use crate::backends;
use reqwest::StatusCode;
use std::io::Write;

backends!(openapi_document_is_valid, |app| async move {
    let resp = app.client.get(format!("{}/api/openapi.json", app.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    let text = resp.text().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], app.base);
    assert!(doc["paths"]["/api/3/action/package_search"]["get"].is_object());

    let python = std::env::var("KHO_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/openapi/validate.py");
    let out = tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new(&python)
            .arg(script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run Python ({e}); set KHO_TEST_PYTHON or run scripts/test"));
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "OpenAPI validation failed (is openapi-spec-validator installed? scripts/test installs it):\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("OPENAPI DOCUMENT VALID"), "{stdout}");
});
