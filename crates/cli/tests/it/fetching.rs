//! Linked files are fetched by a real server with its default settings:
//! requests to loopback, private and link-local (cloud metadata) addresses
//! are refused, and the load job says why (server-side request forgery).

use crate::backends_bare;
use crate::support::ServerProcess;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backends_bare!(linked_files_on_private_addresses_are_refused, |dir, url| async move {
    // A real server with the default settings: no fetching from loopback.
    let server = ServerProcess::start(&dir, &url, &[]).await;
    let token = server.sysadmin_token();
    let call = |action: &'static str, body: Value| server.call(&token, action, body);
    call("organization_create", json!({"name": "co-quan"})).await;
    call("package_create", json!({"name": "lien-ket", "owner_org": "co-quan"})).await;
    // The server's own API, and the cloud metadata address.
    for target in [
        format!("{}/api/3/action/status_show?x=.csv", server.base),
        "http://169.254.169.254/latest/meta-data.csv".into(),
    ] {
        let (s, r) = call("resource_create", json!({"package_id": "lien-ket", "url": target, "format": "CSV"})).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let rid = r["result"]["id"].as_str().unwrap().to_string();
        let mut error = String::new();
        for _ in 0..400 {
            let (_, info) = call("datastore_info", json!({"id": rid})).await;
            if let Some(m) = info["error"]["message"].as_str().filter(|m| m.contains("failed")) {
                error = m.to_string();
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(error.contains("private or local address"), "{target}: {error}");
    }
});
