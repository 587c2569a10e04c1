//! Files beyond the in-process test server's small upload limit, against
//! a real `kho serve` with its default limits: a single line longer than
//! the loader's 64 MiB line limit fails its load with a clear error, the
//! server stays up and the previous version stays the table.

use crate::backends_bare;
use crate::resources::upload_to;
use crate::support::ServerProcess;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backends_bare!(a_line_longer_than_64_mib_fails_its_load_and_loses_nothing, |dir, url| async move {
    let server = ServerProcess::start(&dir, &url, &[]).await;
    let token = server.sysadmin_token();
    server.call(&token, "organization_create", json!({"name": "co-quan"})).await;
    server.call(&token, "package_create", json!({"name": "dong-dai", "owner_org": "co-quan"})).await;
    let client = reqwest::Client::new();
    let (s, r) = upload_to(
        &client,
        &server.base,
        "resource_create",
        &[("package_id", "dong-dai")],
        "v1.csv",
        b"ma,ten\n1,Ha Noi\n".to_vec(),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let rid = r["result"]["id"].as_str().unwrap().to_string();
    let job = |want: &'static str| {
        let (server, token, rid) = (&server, &token, rid.clone());
        async move {
            for _ in 0..1200 {
                let (_, info) = server.call(token, "datastore_info", json!({"id": rid})).await;
                if info["result"]["job"]["state"] == want {
                    return info["result"].clone();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("the load job never became {want}");
        }
    };
    job("done").await;
    // 70 MB in one line: a header, then one cell that never ends.
    let mut long = b"ma,ten\n1,".to_vec();
    long.resize(70 << 20, b'x');
    long.push(b'\n');
    let (s, r) =
        upload_to(&client, &server.base, "resource_update", &[("id", rid.as_str())], "dai.csv", long, &token).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let info: Value = job("failed").await;
    let error = info["job"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("64 MiB"), "{error}");
    assert_eq!(info["meta"]["version"], 1);
    let (s, v) = server.call(&token, "datastore_search", json!({"resource_id": rid})).await;
    assert_eq!((s, v["result"]["records"][0]["ten"].clone()), (StatusCode::OK, json!("Ha Noi")), "{v}");
});
