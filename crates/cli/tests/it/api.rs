//! The Action API's envelope, routing and meta actions.

use crate::backends;
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::json;

backends!(envelope_and_help, |app| async move {
    for path in ["/api/3/action/status_show", "/api/action/status_show"] {
        let v: serde_json::Value =
            app.client.get(format!("{}{path}", app.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["success"], true);
        assert_eq!(v["help"], format!("{}/api/3/action/help_show?name=status_show", app.base));
        assert_eq!(v["result"]["site_url"], app.base);
        assert_eq!(v["result"]["ckan_version"], "2.11.0");
    }
    let (s, v) = app.get("site_read", &[], None).await;
    assert_eq!((s, v["result"].clone()), (StatusCode::OK, json!(true)));
    let (_, v) = app.get("help_show", &[("name", "package_create")], None).await;
    assert!(v["result"].as_str().unwrap().contains("owner_org"));
    let v: serde_json::Value =
        app.client.get(format!("{}/api/3", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v, json!({"version": 3}));
});

backends!(unknown_action_and_wrong_method, |app| async move {
    let (s, v) = app.get("frobnicate", &[], None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["success"], false);
    assert_eq!(TestApp::error_type(&v), "Bad request");
    assert!(v["error"]["message"].as_str().unwrap().contains("Action name not known: frobnicate"));

    let (s, v) = app.get("package_create", &[("name", "x")], Some(&app.admin)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"].as_str().unwrap().contains("POST"));

    let resp = app.client.get(format!("{}/no/such/page", app.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
});

backends!(license_list_has_the_required_licences, |app| async move {
    let (_, v) = app.get("license_list", &[], None).await;
    let ids: Vec<&str> = v["result"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    for id in ["cc-by-4.0", "cc-zero", "odc-odbl", "vn-odl-1.0", "other-open", "other-closed"] {
        assert!(ids.contains(&id), "{id} missing");
    }
    let vn = v["result"].as_array().unwrap().iter().find(|l| l["id"] == "vn-odl-1.0").unwrap();
    assert_eq!(vn["title_vi"], "Giấy phép dữ liệu mở Việt Nam (tạm thời)");
});

backends!(health_and_readiness, |app| async move {
    let v: serde_json::Value =
        app.client.get(format!("{}/healthz", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], "ok");
    let r = app.client.get(format!("{}/readyz", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("x-request-id").is_some());
});

backends!(get_and_post_and_form_bodies_are_equivalent, |app| async move {
    app.org("so-a").await;
    app.dataset("so-a", "du-lieu-a", false).await;
    let (_, by_get) = app.get("package_show", &[("id", "du-lieu-a")], None).await;
    let (_, by_post) = app.post("package_show", json!({"id": "du-lieu-a"}), None).await;
    assert_eq!(by_get["result"], by_post["result"]);
    let form: serde_json::Value = app
        .client
        .post(format!("{}/api/3/action/package_show", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("id=du-lieu-a")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(form["result"], by_get["result"]);
    // CKAN's quirk: a form whose single key is the JSON dictionary.
    let quirk: serde_json::Value = app
        .client
        .post(format!("{}/api/3/action/package_show", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%7B%22id%22%3A%22du-lieu-a%22%7D=1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(quirk["result"]["name"], "du-lieu-a");
    // Bearer and X-CKAN-API-Key both authenticate; behind a proxy with Basic
    // auth, the CKAN header still carries the token.
    let bearer = format!("Bearer {}", app.admin);
    for headers in [
        vec![("Authorization", bearer.as_str())],
        vec![("X-CKAN-API-Key", app.admin.as_str())],
        vec![("Authorization", "Basic dXNlcjpwYXNz"), ("X-CKAN-API-Key", app.admin.as_str())],
    ] {
        let mut req = app.client.get(format!("{}/api/3/action/user_show", app.base));
        for (h, v) in &headers {
            req = req.header(*h, *v);
        }
        let r: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
        assert_eq!(r["result"]["name"], "admin", "{headers:?}: {r}");
        assert_eq!(r["result"]["email"], "admin@kho.test");
    }
});
