//! Resources: links, uploads (streamed, content-addressed, size-limited),
//! downloads at CKAN's stable URL, updates that keep or replace files.

use crate::backends;
use crate::support::{TEST_UPLOAD_LIMIT, TestApp};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// `resource_create`/`resource_update` as multipart, as ckanapi sends it.
pub async fn upload(
    app: &TestApp,
    action: &str,
    fields: &[(&str, &str)],
    filename: &str,
    bytes: Vec<u8>,
    token: &str,
) -> (StatusCode, Value) {
    upload_to(&app.client, &app.base, action, fields, filename, bytes, token).await
}

/// [`upload`] to any server.
pub async fn upload_to(
    client: &reqwest::Client,
    base: &str,
    action: &str,
    fields: &[(&str, &str)],
    filename: &str,
    bytes: Vec<u8>,
    token: &str,
) -> (StatusCode, Value) {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = form.part("upload", Part::bytes(bytes).file_name(filename.to_string()));
    let resp = client
        .post(format!("{base}/api/3/action/{action}"))
        .header("Authorization", token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")))
}

fn blob_count(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| d.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
            .unwrap_or(0)
    }
    walk(&app.data_dir().join("files").join("sha256"))
}

fn tmp_count(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir().join("files").join("tmp")).map(|d| d.count()).unwrap_or(0)
}

backends!(link_resources_crud, |app| async move {
    app.org("so-a").await;
    app.dataset("so-a", "bo-a", false).await;
    let r = app
        .ok(
            "resource_create",
            json!({"package_id": "bo-a", "url": "https://x.vn/b.json", "name": "B", "format": "application/json"}),
            &app.admin,
        )
        .await;
    assert_eq!(r["format"], "JSON");
    assert_eq!(r["position"], 1);
    let (_, shown) = app.get("resource_show", &[("id", r["id"].as_str().unwrap())], None).await;
    assert_eq!(shown["result"], r);
    let u =
        app.ok("resource_update", json!({"id": r["id"], "url": "https://x.vn/c.json", "name": "C"}), &app.admin).await;
    assert_eq!(
        (u["url"].as_str(), u["name"].as_str(), u["format"].clone()),
        (Some("https://x.vn/c.json"), Some("C"), Value::Null)
    );
    let p = app.ok("resource_patch", json!({"id": r["id"], "description": "Mô tả"}), &app.admin).await;
    assert_eq!((p["name"].as_str(), p["description"].as_str()), (Some("C"), Some("Mô tả")));
    app.ok("resource_delete", json!({"id": r["id"]}), &app.admin).await;
    let (s, _) = app.get("resource_show", &[("id", r["id"].as_str().unwrap())], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, pkg) = app.get("package_show", &[("id", "bo-a")], None).await;
    assert_eq!(pkg["result"]["num_resources"], 1);
    assert_eq!(pkg["result"]["resources"][0]["position"], 0);
});

backends!(upload_and_download, |app| async move {
    app.org("so-a").await;
    app.dataset("so-a", "bo-a", false).await;
    let content = "ma,ten\n01,Hà Nội\n79,Hồ Chí Minh\n".as_bytes().to_vec();
    let (s, v) = upload(
        app,
        "resource_create",
        &[("package_id", "bo-a"), ("name", "Tỉnh thành")],
        "tỉnh thành.csv",
        content.clone(),
        &app.admin,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r = &v["result"];
    assert_eq!(r["url_type"], "upload");
    assert_eq!(r["size"], content.len());
    assert_eq!(r["format"], "CSV");
    assert_eq!(r["mimetype"], "text/csv");
    let expected_hash = {
        use std::process::Command;
        let f = app.data_dir().join("x.csv");
        std::fs::write(&f, &content).unwrap();
        let out = Command::new("sha256sum").arg(&f).output().unwrap();
        String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_string()
    };
    assert_eq!(r["hash"], expected_hash);
    let url = r["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/dataset/", app.base)) && url.ends_with("/download/t%E1%BB%89nh%20th%C3%A0nh.csv"),
        "{url}"
    );
    let resp = app.client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/csv");
    assert!(resp.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(resp.bytes().await.unwrap().to_vec(), content);
    let again = app.client.get(url).header("If-None-Match", etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // The dataset name works in the URL as well as its id.
    let by_name = url.replace(r["package_id"].as_str().unwrap(), "bo-a");
    assert_eq!(app.client.get(by_name).send().await.unwrap().status(), StatusCode::OK);
    // The same bytes twice are stored once.
    let before = blob_count(app);
    upload(app, "resource_create", &[("package_id", "bo-a")], "copy.csv", content.clone(), &app.admin).await;
    assert_eq!(blob_count(app), before);
});

backends!(updates_keep_or_replace_the_file, |app| async move {
    app.org("so-a").await;
    app.dataset("so-a", "bo-a", false).await;
    let (_, v) =
        upload(app, "resource_create", &[("package_id", "bo-a")], "a.csv", b"a,b\n1,2\n".to_vec(), &app.admin).await;
    let rid = v["result"]["id"].as_str().unwrap().to_string();
    let url = v["result"]["url"].as_str().unwrap().to_string();

    // The CKAN idiom: show the dataset, change the title, update. The file stays.
    let (_, p) = app.get("package_show", &[("id", "bo-a")], None).await;
    let mut p = p["result"].clone();
    p["title"] = json!("Tên mới");
    let u = app.ok("package_update", p, &app.admin).await;
    let kept = u["resources"].as_array().unwrap().iter().find(|r| r["id"] == json!(rid)).unwrap();
    assert_eq!(kept["url"], url);
    assert_eq!(kept["url_type"], "upload");
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), StatusCode::OK);

    // Patching metadata keeps the file too.
    let r = app.ok("resource_patch", json!({"id": rid, "name": "Đổi tên"}), &app.admin).await;
    assert_eq!(r["url"], url);

    // A new file replaces it; the old content, now unused, is removed.
    let before = blob_count(app);
    let (s, v) = upload(app, "resource_update", &[("id", &rid)], "b.csv", b"a,b\n3,4\n".to_vec(), &app.admin).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["result"]["url"].as_str().unwrap().ends_with("/download/b.csv"));
    assert_eq!(blob_count(app), before);
    let body = app.client.get(v["result"]["url"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, "a,b\n3,4\n");

    // Turning it into a link drops the file.
    let r = app.ok("resource_update", json!({"id": rid, "url": "https://x.vn/link.csv"}), &app.admin).await;
    assert_eq!(r["url"], "https://x.vn/link.csv");
    assert_eq!(r["url_type"], Value::Null);
    assert_eq!(blob_count(app), before - 1);
});

backends!(oversized_uploads_are_refused_and_leave_nothing, |app| async move {
    app.org("so-a").await;
    app.dataset("so-a", "bo-a", false).await;
    let blobs = blob_count(app);
    let big = vec![b'x'; TEST_UPLOAD_LIMIT as usize + 1];
    let (s, v) =
        upload(app, "resource_create", &[("package_id", "bo-a"), ("name", "Quá lớn")], "big.csv", big, &app.admin)
            .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(v["success"], false);
    assert!(v["error"]["message"].as_str().unwrap().contains("max_upload_bytes"), "{v}");
    assert_eq!(blob_count(app), blobs);
    assert_eq!(tmp_count(app), 0);
    let (_, p) = app.get("package_show", &[("id", "bo-a")], None).await;
    assert_eq!(p["result"]["num_resources"], 1, "no resource was created");
});

backends!(hostile_file_names_are_neutralised, |app| async move {
    app.org("so-a").await;
    app.dataset("so-a", "bo-a", false).await;
    let (s, v) =
        upload(app, "resource_create", &[("package_id", "bo-a")], "../../../etc/passwd", b"root".to_vec(), &app.admin)
            .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["result"]["url"].as_str().unwrap().ends_with("/download/passwd"));
    assert!(!app.data_dir().join("etc").exists());
    let (s, v) = upload(app, "resource_create", &[("package_id", "bo-a")], "..", b"x".to_vec(), &app.admin).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // Files go only to `upload`, and only on resource actions.
    let form = Form::new().text("name", "x").part("upload", Part::bytes(b"x".to_vec()).file_name("a.csv"));
    let resp = app
        .client
        .post(format!("{}/api/3/action/package_create", app.base))
        .header("Authorization", &app.admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(tmp_count(app), 0);
});

backends!(upload_flag_without_file_is_an_error, |app| async move {
    app.org("so-a").await;
    app.dataset("so-a", "bo-a", false).await;
    let (s, v) =
        app.post("resource_create", json!({"package_id": "bo-a", "url_type": "upload"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["error"]["upload"].is_array(), "{v}");
    let (s, v) = app.post("resource_create", json!({"url": "https://x.vn"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["error"]["package_id"][0], "Missing value");
});

backends!(a_stalled_upload_is_cut_off_and_leaves_nothing, |app| async move {
    app.org("so-a").await;
    app.dataset("so-a", "bo-a", false).await;
    let blobs = blob_count(app);
    // A client that sends a first chunk and then nothing for longer than
    // upload_idle_timeout_secs (5 s on the test server).
    let chunks = futures_util::stream::unfold(0u32, |i| async move {
        match i {
            0 => Some((Ok::<_, std::io::Error>(b"ma,ten\n01,Ha Noi\n".to_vec()), 1)),
            1 => {
                tokio::time::sleep(std::time::Duration::from_secs(8)).await;
                Some((Ok(b"79,HCM\n".to_vec()), 2))
            }
            _ => None,
        }
    });
    let part = Part::stream(reqwest::Body::wrap_stream(chunks)).file_name("cham.csv");
    let form = Form::new().text("package_id", "bo-a").text("name", "Tải dừng").part("upload", part);
    let resp = app
        .client
        .post(format!("{}/api/3/action/resource_create", app.base))
        .header("Authorization", &app.admin)
        .multipart(form)
        .send()
        .await;
    // The server answers (or drops the connection) once the idle limit passes.
    if let Ok(r) = resp {
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        assert!(v["error"]["message"].as_str().unwrap_or("").contains("upload_idle_timeout_secs"), "{v}");
    }
    assert_eq!(blob_count(app), blobs, "no file kept");
    assert_eq!(tmp_count(app), 0, "no partial file left");
    let (_, p) = app.get("package_show", &[("id", "bo-a")], None).await;
    assert_eq!(p["result"]["num_resources"], 1, "no resource was created");
});
