//! Organizations (agencies with a hierarchy), groups (themes) and members.

use crate::backends;
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::json;

backends!(agency_hierarchy_and_inherited_roles, |app| async move {
    app.ok(
        "organization_create",
        json!({"name": "tinh-x", "title": "UBND Tỉnh X", "agency_kind": "province", "agency_code": "01",
               "title_translated": {"en": "Province X"}}),
        &app.admin,
    )
    .await;
    let dept = app
        .ok(
            "organization_create",
            json!({"name": "so-tai-chinh-x", "title": "Sở Tài chính", "agency_kind": "department", "parent": "tinh-x"}),
            &app.admin,
        )
        .await;
    let province = app.get("organization_show", &[("id", "tinh-x")], None).await.1["result"].clone();
    assert_eq!(dept["parent_id"], province["id"]);
    assert_eq!(dept["groups"][0]["name"], "tinh-x");
    assert_eq!(province["children"], json!(["so-tai-chinh-x"]));
    assert_eq!(province["agency_kind"], "province");
    assert_eq!(province["title_translated"]["en"], "Province X");

    // An admin of the province manages its department's datasets.
    let officer = app.user("can-bo-tinh").await;
    app.member("tinh-x", "can-bo-tinh", "admin").await;
    let p = app
        .ok(
            "package_create",
            json!({"name": "du-lieu-so", "owner_org": "so-tai-chinh-x", "private": true}),
            &officer.token,
        )
        .await;
    assert_eq!(p["organization"]["name"], "so-tai-chinh-x");
    let (_, orgs) =
        app.get("organization_list_for_user", &[("permission", "create_dataset")], Some(&officer.token)).await;
    let names: Vec<&str> = orgs["result"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["so-tai-chinh-x", "tinh-x"]);
    assert_eq!(orgs["result"][0]["capacity"], "admin");
    // A department editor has no rights over the province.
    let clerk = app.user("can-bo-so").await;
    app.member("so-tai-chinh-x", "can-bo-so", "editor").await;
    let (s, _) =
        app.post("package_create", json!({"name": "khong-duoc", "owner_org": "tinh-x"}), Some(&clerk.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, orgs) = app
        .get("organization_list_for_user", &[("id", "can-bo-so"), ("permission", "manage_group")], Some(&app.admin))
        .await;
    assert_eq!(orgs["result"], json!([]));

    // No cycles, and only sysadmins move agencies.
    let (s, v) =
        app.post("organization_patch", json!({"id": "tinh-x", "parent": "so-tai-chinh-x"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, _) =
        app.post("organization_patch", json!({"id": "so-tai-chinh-x", "parent": null}), Some(&officer.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
});

backends!(org_update_list_and_delete, |app| async move {
    app.org("co-quan-a").await;
    app.org("co-quan-b").await;
    app.dataset("co-quan-a", "bo-1", false).await;
    app.dataset("co-quan-a", "bo-2", true).await;
    let (_, names) = app.get("organization_list", &[], None).await;
    assert_eq!(names["result"], json!(["co-quan-a", "co-quan-b"]));
    let (_, all) = app.get("organization_list", &[("all_fields", "true"), ("sort", "package_count desc")], None).await;
    assert_eq!(all["result"][0]["name"], "co-quan-a");
    assert_eq!(all["result"][0]["package_count"], 1, "the private dataset is not counted for anonymous");
    let (_, all) = app.get("organization_list", &[("all_fields", "true")], Some(&app.admin)).await;
    assert_eq!(all["result"][0]["package_count"], 2);
    let (s, v) = app.get("organization_list", &[("sort", "bogus")], None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // A new title shows in the datasets' documents at once.
    app.ok("organization_patch", json!({"id": "co-quan-a", "title": "Cơ quan A mới"}), &app.admin).await;
    let (_, p) = app.get("package_show", &[("id", "bo-1")], None).await;
    assert_eq!(p["result"]["organization"]["title"], "Cơ quan A mới");
    let u = app.ok("organization_update", json!({"id": "co-quan-a", "description": "Mô tả"}), &app.admin).await;
    assert_eq!(u["title"], "co-quan-a", "organization_update replaces fields not given");
    assert_eq!(u["description"], "Mô tả");

    let (s, v) = app.post("organization_delete", json!({"id": "co-quan-a"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["error"]["message"], "Organization cannot be deleted while it still has datasets");
    app.ok("organization_delete", json!({"id": "co-quan-b"}), &app.admin).await;
    let (s, _) = app.get("organization_show", &[("id", "co-quan-b")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, names) = app.get("organization_list", &[], None).await;
    assert_eq!(names["result"], json!(["co-quan-a"]));
    let (s, v) = app.post("organization_create", json!({"name": "co-quan-a"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["error"]["name"][0], "Group name already exists in database");
});

backends!(members_and_roles, |app| async move {
    app.org("co-quan").await;
    let lan = app.user("lan").await;
    let m = app
        .ok(
            "member_create",
            json!({"id": "co-quan", "object": "lan", "object_type": "user", "capacity": "editor"}),
            &app.admin,
        )
        .await;
    assert_eq!((m["table_name"].as_str(), m["capacity"].as_str()), (Some("user"), Some("editor")));
    let (_, org) = app.get("organization_show", &[("id", "co-quan")], None).await;
    let users = org["result"]["users"].as_array().unwrap();
    assert!(users.iter().any(|u| u["name"] == "lan" && u["capacity"] == "editor"));
    assert!(users.iter().all(|u| u.get("email").is_none()));
    // An editor cannot manage members; an admin can.
    let (s, _) = app
        .post(
            "organization_member_create",
            json!({"id": "co-quan", "username": "admin", "role": "member"}),
            Some(&lan.token),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.member("co-quan", "lan", "admin").await;
    let minh = app.user("minh").await;
    app.ok("organization_member_create", json!({"id": "co-quan", "username": "minh", "role": "member"}), &lan.token)
        .await;
    let (s, v) = app
        .post(
            "organization_member_create",
            json!({"id": "co-quan", "username": "minh", "role": "boss"}),
            Some(&lan.token),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    app.ok("organization_member_delete", json!({"id": "co-quan", "username": "minh"}), &lan.token).await;
    let (s, _) =
        app.post("package_create", json!({"name": "sau-khi-xoa", "owner_org": "co-quan"}), Some(&minh.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post("member_delete", json!({"id": "co-quan", "object": "minh", "object_type": "user"}), Some(&lan.token))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "removing a non-member");
});

backends!(groups_are_themes, |app| async move {
    app.org("co-quan").await;
    app.dataset("co-quan", "bo-1", false).await;
    app.dataset("co-quan", "bo-2", true).await;
    let g = app.ok("group_create", json!({"name": "giao-duc", "title": "Giáo dục"}), &app.admin).await;
    assert_eq!((g["is_organization"].clone(), g["type"].as_str()), (json!(false), Some("group")));
    for ds in ["bo-1", "bo-2"] {
        app.ok(
            "member_create",
            json!({"id": "giao-duc", "object": ds, "object_type": "package", "capacity": "public"}),
            &app.admin,
        )
        .await;
    }
    let (_, p) = app.get("package_show", &[("id", "bo-1")], None).await;
    assert_eq!(p["result"]["groups"][0]["name"], "giao-duc");
    let (_, g) = app.get("group_show", &[("id", "giao-duc"), ("include_datasets", "true")], None).await;
    assert_eq!(g["result"]["package_count"], 1);
    assert_eq!(g["result"]["packages"].as_array().unwrap().len(), 1);
    let (_, list) = app.get("group_list", &[("all_fields", "true")], None).await;
    assert_eq!(list["result"][0]["name"], "giao-duc");
    let (_, names) = app.get("organization_list", &[], None).await;
    assert_eq!(names["result"], json!(["co-quan"]), "groups are not organizations");
    app.ok("member_delete", json!({"id": "giao-duc", "object": "bo-1", "object_type": "package"}), &app.admin).await;
    let (_, p) = app.get("package_show", &[("id", "bo-1")], None).await;
    assert_eq!(p["result"]["groups"], json!([]));
    let (s, _) = app.post("group_create", json!({"name": "khac"}), Some(&app.user("thuong").await.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let _ = TestApp::error_type(&json!({}));
});

backends!(show_then_update_round_trips_keep_everything, |app| async move {
    app.org("tinh").await;
    app.ok("organization_create", json!({"name": "so-con", "parent": "tinh"}), &app.admin).await;
    let (_, shown) = app.get("organization_show", &[("id", "so-con")], None).await;
    let mut org = shown["result"].clone();
    org["title"] = json!("Sở con (sửa)");
    let updated = app.ok("organization_update", org, &app.admin).await;
    assert_eq!(updated["title"], "Sở con (sửa)");
    assert_eq!(updated["parent_id"], shown["result"]["parent_id"], "show → update keeps the parent");

    app.ok("group_create", json!({"name": "chu-de", "title": "Chủ đề"}), &app.admin).await;
    let patched = app.ok("group_patch", json!({"id": "chu-de", "description": "Mô tả"}), &app.admin).await;
    assert_eq!((patched["title"].as_str(), patched["description"].as_str()), (Some("Chủ đề"), Some("Mô tả")));
    let (_, g) = app.get("group_show", &[("id", "chu-de")], None).await;
    let mut g = g["result"].clone();
    g["title"] = json!("Chủ đề mới");
    assert_eq!(app.ok("group_update", g, &app.admin).await["title"], "Chủ đề mới");
    let (s, v) = app.post("group_patch", json!({"id": "chu-de", "agency_kind": "province"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["error"]["agency_kind"].is_array(), "{v}");
});
