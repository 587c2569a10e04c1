//! Access control tested from the outside: a private dataset never leaks
//! to anonymous callers or to members of another organization, writes are
//! refused, and a revoked token stops working at once.

use crate::backends;
use crate::resources::upload;
use crate::support::TestApp;
use kho_core::authz::{Actor, ActorUser, dataset_filter};
use kho_core::vocab::Capacity;
use reqwest::StatusCode;
use serde_json::json;

backends!(private_datasets_do_not_leak, |app| async move {
    app.org("so-y-te").await;
    app.org("so-khac").await;
    let insider = app.user("noi-bo").await;
    app.member("so-y-te", "noi-bo", "member").await;
    let outsider = app.user("nguoi-ngoai").await;
    app.member("so-khac", "nguoi-ngoai", "admin").await;

    app.dataset("so-y-te", "cong-khai", false).await;
    let secret = app
        .ok(
            "package_create",
            json!({"name": "ho-so-benh-an", "title": "Hồ sơ bệnh án", "owner_org": "so-y-te", "private": true,
                   "data_sharing": "private_use", "data_importance": "core", "tags": [{"name": "tag-bi-mat"}]}),
            &app.admin,
        )
        .await;
    let sid = secret["id"].as_str().unwrap().to_string();
    let (_, up) = upload(
        app,
        "resource_create",
        &[("package_id", &sid), ("name", "Bí mật")],
        "bi-mat.csv",
        b"a\n1\n".to_vec(),
        &app.admin,
    )
    .await;
    let rid = up["result"]["id"].as_str().unwrap().to_string();
    let download = up["result"]["url"].as_str().unwrap().to_string();

    for (who, token) in [("anonymous", None), ("outsider", Some(outsider.token.as_str()))] {
        for id in ["ho-so-benh-an", sid.as_str()] {
            let (s, v) = app.get("package_show", &[("id", id)], token).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who} package_show {id}: {v}");
            assert_eq!(TestApp::error_type(&v), "Not Found Error");
        }
        let (_, v) = app.get("package_list", &[], token).await;
        assert!(!v.to_string().contains("ho-so-benh-an"), "{who} package_list");
        let (_, v) = app.get("current_package_list_with_resources", &[], token).await;
        assert!(!v.to_string().contains("ho-so-benh-an"), "{who} current list");
        let (s, _) = app.get("resource_show", &[("id", &rid)], token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who} resource_show");
        let mut req = app.client.get(&download);
        if let Some(t) = token {
            req = req.header("Authorization", t);
        }
        assert_eq!(req.send().await.unwrap().status(), StatusCode::NOT_FOUND, "{who} download");
        let (s, _) = app.get("package_activity_list", &[("id", "ho-so-benh-an")], token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who} package_activity_list");
        let (_, v) = app.get("organization_activity_list", &[("id", "so-y-te")], token).await;
        assert!(!v.to_string().contains("ho-so-benh-an"), "{who} organization_activity_list: {v}");
        let (_, v) = app.get("organization_show", &[("id", "so-y-te"), ("include_datasets", "true")], token).await;
        assert_eq!(v["result"]["package_count"], 1, "{who} package_count");
        assert!(!v.to_string().contains("ho-so-benh-an"), "{who} organization_show");
        let (_, v) = app.get("organization_list", &[("all_fields", "true")], token).await;
        assert!(v["result"].as_array().unwrap().iter().all(|o| o["package_count"].as_i64() <= Some(1)), "{who} counts");
        let (_, v) = app.get("tag_list", &[], token).await;
        assert!(!v.to_string().contains("tag-bi-mat"), "{who} tag_list");
        let (_, v) = app.get("organization_list_for_user", &[("id", "noi-bo"), ("permission", "read")], token).await;
        assert!(v["result"].as_array().map(|a| a.iter().all(|o| o["package_count"] == 1)).unwrap_or(true), "{who}");

        // Writes are refused, and the refusal does not confirm existence.
        for (action, body) in [
            ("package_update", json!({"id": "ho-so-benh-an", "title": "x"})),
            ("package_patch", json!({"id": "ho-so-benh-an", "title": "x"})),
            ("package_delete", json!({"id": "ho-so-benh-an"})),
            ("resource_create", json!({"package_id": "ho-so-benh-an", "url": "https://x.vn"})),
            ("resource_delete", json!({"id": rid})),
        ] {
            let (s, v) = app.post(action, body, token).await;
            assert!(s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN, "{who} {action}: {s} {v}");
        }
        let (s, _) = app.post("package_create", json!({"name": "xam-nhap", "owner_org": "so-y-te"}), token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who} package_create");
        let (s, _) = app.post("package_update", json!({"id": "cong-khai", "title": "x"}), token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who} package_update of a public dataset");
        let (s, _) = app.post("package_delete", json!({"id": "cong-khai"}), token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who} package_delete of a public dataset");
        let (s, _) = app.post("organization_patch", json!({"id": "so-y-te", "title": "x"}), token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who} organization_patch");
    }
    let (_, v) = app.get("package_show", &[("id", "cong-khai")], Some(&app.admin)).await;
    assert_eq!(v["result"]["title"], "Bộ dữ liệu cong-khai", "refused writes changed nothing");

    // The organization's own member sees everything.
    let (s, v) = app.get("package_show", &[("id", "ho-so-benh-an")], Some(&insider.token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["result"]["data_sharing"], "private_use");
    let resp = app.client.get(&download).header("Authorization", &insider.token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, v) = app.get("organization_activity_list", &[("id", "so-y-te")], Some(&insider.token)).await;
    assert!(v.to_string().contains("ho-so-benh-an"));
    let (_, v) = app.get("tag_list", &[], Some(&insider.token)).await;
    assert!(v.to_string().contains("tag-bi-mat"));
    // A member may read but not edit.
    let (s, _) = app.post("package_patch", json!({"id": "ho-so-benh-an", "title": "x"}), Some(&insider.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Making a dataset private takes its history out of public view.
    app.ok("package_patch", json!({"id": "cong-khai", "private": true}), &app.admin).await;
    let (_, v) = app.get("organization_activity_list", &[("id", "so-y-te")], None).await;
    assert!(!v.to_string().contains("cong-khai"), "{v}");
});

backends!(tokens_revoke_and_expire_at_once, |app| async move {
    let lan = app.user("lan").await;
    let (s, _) = app.get("user_show", &[], Some(&lan.token)).await;
    assert_eq!(s, StatusCode::OK);
    let second = app.ok("api_token_create", json!({"user": "lan", "name": "thứ hai"}), &lan.token).await;
    let (_, list) = app.get("api_token_list", &[], Some(&lan.token)).await;
    assert_eq!(list["result"].as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains(lan.token.as_str()), "secrets are never listed");

    app.ok("api_token_revoke", json!({"token": lan.token}), &lan.token).await;
    let (s, v) = app.get("user_show", &[], Some(&lan.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(TestApp::error_type(&v), "Authorization Error");
    let (s, _) = app.get("package_list", &[], Some(&lan.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a dead token is refused even for public reads");
    let second_token = second["token"].as_str().unwrap();
    let (s, _) = app.get("user_show", &[], Some(second_token)).await;
    assert_eq!(s, StatusCode::OK, "other tokens live on");
    app.ok("api_token_revoke", json!({"jti": second["id"]}), &app.admin).await;
    let (s, _) = app.get("user_show", &[], Some(second_token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let other = app.user("minh").await;
    let (s, _) = app.get("api_token_list", &[("user", "admin")], Some(&other.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.post("api_token_create", json!({"user": "admin", "name": "x"}), Some(&other.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, v) = app.get("user_show", &[("id", "admin")], Some(&other.token)).await;
    assert!(v["result"].get("email").is_none(), "e-mails are private: {v}");
    let (s, _) =
        app.get("user_show", &[], Some("kho_0000000000000000000000000000000000000000000000000000000000000000")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let short = app
        .ok("api_token_create", json!({"user": "minh", "name": "ngắn hạn", "expires_in": 1, "unit": 1}), &other.token)
        .await;
    let (s, _) = app.get("user_show", &[], Some(short["token"].as_str().unwrap())).await;
    assert_eq!(s, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (s, v) = app.get("user_show", &[], Some(short["token"].as_str().unwrap())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(v["error"]["message"].as_str().unwrap().contains("expired"));
});

backends!(only_sysadmins_create_users_orgs_and_groups, |app| async move {
    let lan = app.user("lan").await;
    for (action, body) in [
        ("user_create", json!({"name": "moi", "email": "moi@x.vn", "password": "12345678"})),
        ("user_create", json!({"name": "moi", "email": "moi@x.vn", "sysadmin": true})),
        ("organization_create", json!({"name": "moi"})),
        ("group_create", json!({"name": "moi"})),
    ] {
        for token in [None, Some(lan.token.as_str())] {
            let (s, v) = app.post(action, body.clone(), token).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{action}: {v}");
        }
    }
    let (s, v) = app.post("user_create", json!({"name": "lan", "email": "khac@x.vn"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["error"]["name"][0], "That login name is not available.");
    let (s, _) = app.post("user_create", json!({"name": "lan2", "email": "LAN@kho.test"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT, "e-mails are unique, case-insensitively");
});

// The SQL form of the visibility rule and the Rust form must agree on
// every dataset for every kind of actor.
backends!(sql_and_rust_visibility_agree, |app| async move {
    app.org("o1").await;
    let o2 = app.org("o2").await;
    let editor = app.user("bt").await;
    app.member("o1", "bt", "editor").await;
    for (name, private, state, token) in [
        ("pub", false, "active", app.admin.clone()),
        ("priv", true, "active", app.admin.clone()),
        ("draft-admin", false, "draft", app.admin.clone()),
        ("draft-editor", true, "draft", editor.token.clone()),
    ] {
        for org in ["o1", "o2"] {
            app.ok(
                "package_create",
                json!({"name": format!("{name}-{org}"), "owner_org": org, "private": private, "state": state}),
                &token,
            )
            .await;
            if token == editor.token {
                break;
            }
        }
    }
    app.dataset("o2", "gone", false).await;
    app.ok("package_delete", json!({"id": "gone"}), &app.admin).await;
    let o1 = app.get("organization_show", &[("id", "o1")], None).await.1["result"]["id"].as_str().unwrap().to_string();
    let actors = vec![
        Actor::anonymous(),
        Actor::system(),
        Actor {
            user: Some(ActorUser { id: editor.id.clone(), name: "bt".into(), sysadmin: false }),
            memberships: [(o1.clone(), Capacity::Editor)].into(),
        },
        Actor {
            user: Some(ActorUser { id: "x".into(), name: "x".into(), sysadmin: false }),
            memberships: [(o1.clone(), Capacity::Member)].into(),
        },
        Actor {
            user: Some(ActorUser { id: "y".into(), name: "y".into(), sysadmin: false }),
            memberships: [(o2["id"].as_str().unwrap().to_string(), Capacity::Admin)].into(),
        },
    ];
    let mut conn = app.catalog.store().conn().await.unwrap();
    let all = kho_store::packages::all_access(&mut conn).await.unwrap();
    assert_eq!(all.len(), 8);
    for actor in &actors {
        let filter = dataset_filter(actor);
        let by_sql = kho_store::packages::visible_ids(&mut conn, &filter).await.unwrap();
        let mut by_rust: Vec<String> = all.iter().filter(|d| filter.allows(d)).map(|d| d.id.clone()).collect();
        by_rust.sort();
        assert_eq!(by_sql, by_rust, "{actor:?}");
    }
});
