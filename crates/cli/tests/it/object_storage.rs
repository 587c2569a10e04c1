//! Table files in S3-compatible object storage, against a real S3 server
//! on loopback (moto's server, from PyPI; `scripts/test` installs it):
//! loads land in the bucket, a node with an empty cache (another process
//! on the same database) reads them, and dropping a table empties the
//! bucket of it.

use crate::backends_bare;
use crate::resources::upload_to;
use crate::support::ServerProcess;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// A moto S3 server on a free loopback port, stopped on drop.
pub struct S3Server {
    child: std::process::Child,
    pub endpoint: String,
}

impl S3Server {
    /// Starts `moto_server` (`$KHO_TEST_MOTO_SERVER`, else the test venv's)
    /// and creates `bucket`.
    pub async fn start(bucket: &str) -> S3Server {
        let bin = std::env::var("KHO_TEST_MOTO_SERVER")
            .unwrap_or_else(|_| format!("{}/../../target/test-venv/bin/moto_server", env!("CARGO_MANIFEST_DIR")));
        assert!(
            std::path::Path::new(&bin).exists(),
            "{bin} is missing: run scripts/test (it installs moto[server] into target/test-venv), \
             or set KHO_TEST_MOTO_SERVER"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let server = S3Server { child, endpoint: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        for _ in 0..400 {
            if let Ok(r) = client.put(format!("{}/{bucket}", server.endpoint)).send().await
                && r.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("moto_server did not start on {}", server.endpoint);
    }

    /// The keys under `prefix` in `bucket`.
    pub async fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let xml = reqwest::Client::new()
            .get(format!("{}/{bucket}", self.endpoint))
            .query(&[("list-type", "2"), ("prefix", prefix)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        xml.split("<Key>").skip(1).filter_map(|s| s.split_once("</Key>").map(|(k, _)| k.to_string())).collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

backends_bare!(tables_live_in_object_storage_and_any_node_reads_them, |dir, url| async move {
    let s3 = S3Server::start("kho-bang").await;
    let env = [
        ("KHO_S3_URL", "s3://kho-bang/tables"),
        ("KHO_S3_ENDPOINT", s3.endpoint.as_str()),
        ("KHO_S3_ACCESS_KEY_ID", "kho"),
        ("KHO_S3_SECRET_ACCESS_KEY", "bi-mat"),
    ];
    let server = ServerProcess::start_env(&dir, &url, &[], &env).await;
    let token = server.sysadmin_token();
    let client = reqwest::Client::new();
    let base = server.base.clone();
    server.call(&token, "organization_create", json!({"name": "so-tc"})).await;
    server.call(&token, "package_create", json!({"name": "thu-ngan-sach", "owner_org": "so-tc"})).await;
    let csv = "Tỉnh,Năm,Thu (tỷ đồng)\nHà Nội,2025,512300\nHuế,2025,14200\nCà Mau,2025,9800\n";
    let (s, r) = upload_to(
        &client,
        &base,
        "resource_create",
        &[("package_id", "thu-ngan-sach")],
        "thu.csv",
        csv.as_bytes().to_vec(),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let rid = r["result"]["id"].as_str().unwrap().to_string();
    let mut loaded = false;
    for _ in 0..1200 {
        let (_, info) = server.call(&token, "datastore_info", json!({"id": rid})).await;
        assert_ne!(info["result"]["job"]["state"], "failed", "{info}");
        if info["result"]["meta"]["version"] == 1 {
            loaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(loaded, "the table never loaded");
    // The version's file is in the bucket, under the prefix.
    let keys = s3.keys("kho-bang", "tables/").await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].starts_with(&format!("tables/{rid}/")) && keys[0].ends_with(".parquet"), "{keys:?}");

    // Another node on the same database with an empty cache serves it.
    let other_dir = tempfile::tempdir().unwrap();
    let other = ServerProcess::start_env(other_dir.path(), &url, &[], &env).await;
    let (s, v) = other.call(&token, "datastore_search", json!({"resource_id": rid, "filters": {"Tỉnh": "Huế"}})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["records"][0]["Thu (tỷ đồng)"], 14200, "{v}");
    let (s, v) = other
        .call(
            &token,
            "datastore_search_sql",
            json!({"sql": format!("SELECT SUM(\"Thu (tỷ đồng)\") AS s FROM \"{rid}\"")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["records"][0]["s"], 536300);
    let cached: Vec<_> = walk(&other_dir.path().join("datastore"));
    assert_eq!(cached.len(), 1, "the other node keeps one cached copy: {cached:?}");

    // A second version goes to the bucket too; dropping the table removes both.
    let (s, v) =
        server.call(&token, "datastore_delete", json!({"resource_id": rid, "filters": {"Tỉnh": "Cà Mau"}})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(s3.keys("kho-bang", "tables/").await.len(), 2);
    let (s, v) = other.call(&token, "datastore_search", json!({"resource_id": rid})).await;
    assert_eq!(v["result"]["total"], 2, "{s} {v}");
    let (s, _) = server.call(&token, "datastore_delete", json!({"resource_id": rid})).await;
    assert_eq!(s, StatusCode::OK);
    assert!(s3.keys("kho-bang", "tables/").await.is_empty(), "dropped table files stay in the bucket");
});

/// Files under a directory, recursively.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
