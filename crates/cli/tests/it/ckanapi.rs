//! CKAN clients work unchanged: the Python `ckanapi` library itself drives
//! every action of the API against a running Kho (script:
//! `tests/ckanapi/check_ckanapi.py`). The interpreter is `KHO_TEST_PYTHON`,
//! or `python3`; `scripts/test` installs ckanapi into its virtualenv.

use crate::backends;

backends!(ckanapi_client_works_unchanged, |app| async move {
    let python = std::env::var("KHO_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ckanapi/check_ckanapi.py");
    let base = app.base.clone();
    let admin = app.admin.clone();
    let work = app.data_dir();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&python).arg(script).arg(&base).arg(&admin).arg(&work).output()
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("cannot run Python ({e}); set KHO_TEST_PYTHON or run scripts/test"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ckanapi check failed (is ckanapi installed? scripts/test installs it):\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ALL CKANAPI CHECKS PASSED"), "{stdout}");
});
