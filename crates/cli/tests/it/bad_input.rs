//! Bad input gets a clear 4xx error in CKAN's envelope and leaves nothing
//! half-written.

use crate::backends;
use crate::support::{TEST_JSON_LIMIT, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn raw_post(app: &TestApp, action: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let resp = app
        .client
        .post(format!("{}/api/3/action/{action}", app.base))
        .header("Authorization", &app.admin)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not a JSON envelope ({status}): {text}")))
}

async fn dataset_count(app: &TestApp) -> usize {
    let (_, v) = app.get("current_package_list_with_resources", &[("limit", "1000")], Some(&app.admin)).await;
    v["result"].as_array().unwrap().len()
}

backends!(malformed_bodies, |app| async move {
    app.org("so-a").await;
    for (body, what) in [
        (b"{\"name\": \"x\",".to_vec(), "truncated JSON"),
        (b"[1, 2, 3]".to_vec(), "a list"),
        (b"\"just a string\"".to_vec(), "a string"),
        (vec![0xff, 0xfe, 0x00], "binary garbage"),
    ] {
        let (s, v) = raw_post(app, "package_create", "application/json", body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{what}: {v}");
        assert_eq!(v["success"], false);
        assert_eq!(TestApp::error_type(&v), "Bad request", "{what}");
        assert!(v["error"]["message"].as_str().unwrap().contains("JSON"), "{what}: {v}");
    }
    assert_eq!(dataset_count(app).await, 0);
});

backends!(wrong_types_and_unknown_fields, |app| async move {
    app.org("so-a").await;
    let (s, v) = app
        .post(
            "package_create",
            json!({"name": "kieu-sai", "owner_org": "so-a", "private": "có lẽ", "tags": "không phải danh sách",
                   "resources": [{"url": "https://x.vn", "size": "lớn"}, 42], "extras": [{"key": "a", "value": "b", "x": 1}],
                   "title": {"vi": "object"}, "nguon_goc": "x"}),
            Some(&app.admin),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let e = &v["error"];
    assert_eq!(TestApp::error_type(&v), "Validation Error");
    assert!(e["private"][0].as_str().unwrap().contains("boolean"));
    assert!(e["tags"][0].as_str().unwrap().contains("list"));
    assert_eq!(e["resources"][0], json!({"size": ["Invalid integer"]}));
    assert_eq!(e["resources"][1]["message"], "Each resource must be an object");
    assert!(e["extras"][0]["x"][0].as_str().unwrap().contains("Unknown field"));
    assert!(e["title"][0].as_str().unwrap().contains("string"));
    assert!(e["nguon_goc"][0].as_str().unwrap().contains("extras"));
    assert_eq!(dataset_count(app).await, 0);
    let (s, v) = app.get("package_list", &[("limit", "-1")], None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = app.get("package_list", &[("offset", "abc")], None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = app
        .post("package_create", json!({"name": "nul", "owner_org": "so-a", "notes": "a\u{0}b"}), Some(&app.admin))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = app
        .post(
            "package_create",
            json!({"name": "dai", "owner_org": "so-a", "title": "x".repeat(1001)}),
            Some(&app.admin),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
});

backends!(bad_names, |app| async move {
    app.org("so-a").await;
    for name in ["có dấu", "Chu-Hoa", "co khoang trang", "a", "dấu/gạch", "new", &"x".repeat(101)] {
        let (s, v) = app.post("package_create", json!({"name": name, "owner_org": "so-a"}), Some(&app.admin)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{name}: {v}");
        assert!(v["error"]["name"].is_array(), "{name}: {v}");
        let (s, _) = app.post("organization_create", json!({"name": name}), Some(&app.admin)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{name}");
        let (s, _) = app.post("user_create", json!({"name": name, "email": "a@b.vn"}), Some(&app.admin)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{name}");
    }
});

backends!(huge_json_is_refused_without_writing, |app| async move {
    app.org("so-a").await;
    let notes = "x".repeat(10 * 1024 * 1024);
    let body = serde_json::to_vec(&json!({"name": "qua-lon", "owner_org": "so-a", "notes": notes})).unwrap();
    assert!(body.len() as u64 > TEST_JSON_LIMIT);
    let (s, v) = raw_post(app, "package_create", "application/json", body).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(v["success"], false);
    assert!(v["error"]["message"].as_str().unwrap().contains("max_json_bytes"));
    let (s, _) = app.get("package_show", &[("id", "qua-lon")], Some(&app.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The server is still fine.
    let (s, _) = app.get("status_show", &[], None).await;
    assert_eq!(s, StatusCode::OK);
});

backends!(failed_writes_roll_back_completely, |app| async move {
    app.org("so-a").await;
    let p = app.dataset("so-a", "da-co", false).await;
    let taken = p["resources"][0]["id"].clone();
    // The resource id clash is found after the dataset row was written in
    // the transaction; the whole create must roll back.
    let (s, v) = app
        .post(
            "package_create",
            json!({"name": "nua-voi", "owner_org": "so-a", "tags": [{"name": "nửa vời"}],
                   "resources": [{"url": "https://x.vn/1"}, {"id": taken, "url": "https://x.vn/2"}]}),
            Some(&app.admin),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, _) = app.get("package_show", &[("id", "nua-voi")], Some(&app.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, tags) = app.get("tag_list", &[], Some(&app.admin)).await;
    assert!(!tags.to_string().contains("nửa vời"));
    let (_, acts) = app.get("organization_activity_list", &[("id", "so-a")], Some(&app.admin)).await;
    assert!(!acts.to_string().contains("nua-voi"));
    let (_, shown) = app.get("package_show", &[("id", "da-co")], None).await;
    assert_eq!(shown["result"], p, "the other dataset is untouched");
    assert!(app.catalog.store().check_integrity().await.unwrap().is_empty());
});
