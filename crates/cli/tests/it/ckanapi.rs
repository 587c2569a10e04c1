//! CKAN clients work unchanged: the Python `ckanapi` library itself drives
//! every action of the API against a running Kho (script:
//! `tests/ckanapi/check_ckanapi.py`). The interpreter is `KHO_TEST_PYTHON`,
//! or `python3`; `scripts/test` installs ckanapi into its virtualenv.

use crate::backends;

backends!(ckanapi_client_works_unchanged, |app| async move {
    let args = vec![app.base.clone().into(), app.admin.clone().into(), app.data_dir().into()];
    crate::support::python_check("tests/ckanapi/check_ckanapi.py", args, "ALL CKANAPI CHECKS PASSED").await;
});
