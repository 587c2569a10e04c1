//! A crash (kill -9) in the middle of a burst of writes loses no
//! acknowledged write and leaves the database consistent.

use crate::backends_bare;
use crate::support::ServerProcess;
use reqwest::StatusCode;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

backends_bare!(kill_9_during_a_burst_of_package_create, |dir, url| async move {
    let server = ServerProcess::start(&dir, &url, &[]).await;
    server.kho(&["user", "add", "qt", "--email", "qt@kho.test", "--sysadmin"], None);
    let (_, token, _) = server.kho(&["token", "issue", "qt"], None);
    let token = token.trim().to_string();
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/api/3/action/organization_create", server.base))
        .header("Authorization", &token)
        .json(&json!({"name": "co-quan"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, base, token, acked) = (client.clone(), server.base.clone(), token.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let name = format!("ghi-{w}-{i}");
                let body = json!({"name": name, "owner_org": "co-quan", "tags": [{"name": "đợt ghi"}],
                    "extras": [{"key": "k", "value": "v"}],
                    "resources": [{"url": "https://x.vn/1.csv"}, {"url": "https://x.vn/2.csv"}]});
                let sent = client
                    .post(format!("{base}/api/3/action/package_create"))
                    .header("Authorization", &token)
                    .json(&body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == StatusCode::OK => acked.lock().unwrap().push(name),
                    _ => break,
                }
            }
        }));
    }
    // Let the burst run, then pull the plug.
    for _ in 0..200 {
        if acked.lock().unwrap().len() >= 60 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.signal(libc::SIGKILL);
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 20, "the burst wrote too little to be a test: {}", acked.len());
    drop(server);

    let (ok, out, err) = crate::support::run_kho(&dir, &url, &["check"], None);
    assert!(ok, "database inconsistent after kill -9:\n{out}{err}");
    let server = ServerProcess::start(&dir, &url, &[]).await;
    for name in &acked {
        let r = client
            .get(format!("{}/api/3/action/package_show", server.base))
            .query(&[("id", name)])
            .header("Authorization", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "acknowledged {name} was lost");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["result"]["num_resources"], 2, "{name} is half-written");
        assert_eq!(v["result"]["tags"][0]["name"], "đợt ghi");
        assert_eq!(v["result"]["extras"][0]["key"], "k");
    }
    let r = client
        .get(format!("{}/api/3/action/package_activity_list", server.base))
        .query(&[("id", &acked[0])])
        .header("Authorization", &token)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["result"][0]["activity_type"], "new package", "the activity committed with its write");

    // The search index, killed mid-commit too, catches up from the change
    // feed at start: every acknowledged dataset is searchable, none twice.
    let r = client
        .get(format!("{}/api/3/action/package_search", server.base))
        .query(&[("fq", "organization:co-quan"), ("rows", "1000"), ("fl", "name")])
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    let found: std::collections::BTreeSet<&str> =
        v["result"]["results"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(v["result"]["count"].as_u64(), Some(found.len() as u64), "no dataset indexed twice: {v}");
    for name in &acked {
        assert!(found.contains(name.as_str()), "acknowledged {name} is missing from search");
    }
});
