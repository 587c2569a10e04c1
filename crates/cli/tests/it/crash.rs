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
                    // Links to a closed loopback port: the loads they queue fail without a DNS lookup.
                    "resources": [{"url": "http://127.0.0.1:9/1.csv"}, {"url": "http://127.0.0.1:9/2.csv"}]});
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

backends_bare!(kill_9_during_a_datastore_load, |dir, url| async move {
    use crate::resources::upload_to;
    // A short lease, so the job runs again soon after the restart.
    let server = ServerProcess::start_env(&dir, &url, &[], &[("KHO_JOB_LEASE_SECS", "3")]).await;
    server.kho(&["user", "add", "qt", "--email", "qt@kho.test", "--sysadmin"], None);
    let (_, token, _) = server.kho(&["token", "issue", "qt"], None);
    let token = token.trim().to_string();
    let client = reqwest::Client::new();
    let call = |action: &'static str, body: serde_json::Value| {
        let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
        async move {
            let r = client
                .post(format!("{base}/api/3/action/{action}"))
                .header("Authorization", &token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    call("organization_create", json!({"name": "co-quan"})).await;
    call("package_create", json!({"name": "bang", "owner_org": "co-quan"})).await;
    let (s, r) = upload_to(
        &client,
        &server.base,
        "resource_create",
        &[("package_id", "bang")],
        "v1.csv",
        b"ma,ten\n1,Ha Noi\n2,Hue\n".to_vec(),
        &token,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let rid = r["result"]["id"].as_str().unwrap().to_string();
    let wait_version = |v: i64| {
        let rid = rid.clone();
        async move {
            for _ in 0..1200 {
                let (_, info) = call("datastore_info", json!({"id": rid})).await;
                if info["result"]["meta"]["version"] == json!(v) {
                    return info;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("version {v} never appeared");
        }
    };
    wait_version(1).await;
    // A big second version; kill the server while it loads.
    let mut big = String::from("ma,ten,so\n");
    for i in 0..600_000 {
        big.push_str(&format!("{i},Tỉnh số {i},{}\n", i * 7));
    }
    let (s, _) =
        upload_to(&client, &server.base, "resource_update", &[("id", &rid)], "v2.csv", big.into_bytes(), &token).await;
    assert_eq!(s, StatusCode::OK);
    let mut running = false;
    for _ in 0..2000 {
        let (_, info) = call("datastore_info", json!({"id": rid})).await;
        let job = &info["result"]["job"];
        if job["state"] == "running" && job["progress"]["done"].as_i64().unwrap_or(0) > 0 {
            running = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(running, "the load never reported progress");
    server.signal(libc::SIGKILL);
    drop(server);
    // The previous version is intact and current; the job resumes.
    let server = ServerProcess::start_env(&dir, &url, &[], &[("KHO_JOB_LEASE_SECS", "3")]).await;
    let base = server.base.clone();
    let r = client
        .post(format!("{base}/api/3/action/datastore_search"))
        .json(&json!({"resource_id": rid}))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["result"]["total"], 2, "{v}");
    let mut loaded = false;
    for _ in 0..1200 {
        let r =
            client.post(format!("{base}/api/3/action/datastore_info")).json(&json!({"id": rid})).send().await.unwrap();
        let info: serde_json::Value = r.json().await.unwrap();
        if info["result"]["meta"]["version"] == json!(2) {
            assert_eq!(info["result"]["meta"]["count"], 600_000);
            loaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(loaded, "the interrupted load did not finish after the restart");
});
