//! Datasets: the full model, CKAN's update semantics, deletion and activity.

use crate::backends;
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn full_dataset(org: &str) -> Value {
    json!({
        "name": "dan-so-ha-noi-2024",
        "title": "Dân số Thành phố Hà Nội năm 2024",
        "title_translated": {"en": "Population of Ha Noi, 2024"},
        "notes": "Số liệu **dân số** theo phường, xã.",
        "notes_translated": {"en": "Population by ward."},
        "license_id": "cc-by-4.0",
        "author": "Cục Thống kê", "author_email": "thongke@example.gov.vn",
        "maintainer": "Phòng Dữ liệu", "maintainer_email": "dulieu@example.gov.vn",
        "url": "https://example.gov.vn/dan-so", "version": "2024.1",
        "owner_org": org,
        "private": false,
        "data_sharing": "open", "data_importance": "important",
        "temporal_start": "2024-01-01", "temporal_end": "2024-12-31",
        "spatial": "01", "update_frequency": "annual",
        "tags": [{"name": "dân số"}, {"name": "thống kê"}],
        "extras": [{"key": "nguon", "value": "Tổng điều tra"}],
        "groups": [{"name": "xa-hoi"}],
        "resources": [
            {"url": "https://example.gov.vn/dan-so.csv", "format": "csv", "name": "Bảng dân số", "size": 1234},
            {"url": "https://example.gov.vn/dan-so.xlsx", "format": "XLSX", "name": "Bản Excel", "custom_field": "giữ lại"}
        ]
    })
}

backends!(create_and_show_full_model, |app| async move {
    app.org("thong-ke").await;
    app.ok("group_create", json!({"name": "xa-hoi", "title": "Xã hội"}), &app.admin).await;
    let created = app.ok("package_create", full_dataset("thong-ke"), &app.admin).await;
    let (_, by_name) = app.get("package_show", &[("id", "dan-so-ha-noi-2024")], None).await;
    let (_, by_id) = app.get("package_show", &[("id", created["id"].as_str().unwrap())], None).await;
    assert_eq!(by_name["result"], by_id["result"]);
    assert_eq!(by_name["result"], created);
    let p = &created;
    assert_eq!(p["title"], "Dân số Thành phố Hà Nội năm 2024");
    assert_eq!(p["title_translated"]["en"], "Population of Ha Noi, 2024");
    assert_eq!(p["license_title"], "Creative Commons Attribution 4.0");
    assert_eq!(p["isopen"], true);
    assert_eq!(p["data_sharing"], "open");
    assert_eq!(p["data_importance"], "important");
    assert_eq!(p["temporal_start"], "2024-01-01");
    assert_eq!(p["update_frequency"], "annual");
    assert_eq!(p["organization"]["name"], "thong-ke");
    assert_eq!(p["num_resources"], 2);
    assert_eq!(p["num_tags"], 2);
    assert_eq!(p["tags"][0]["name"], "dân số");
    assert_eq!(p["extras"], json!([{"key": "nguon", "value": "Tổng điều tra"}]));
    assert_eq!(p["groups"][0]["name"], "xa-hoi");
    assert_eq!(p["resources"][0]["format"], "CSV");
    assert_eq!(p["resources"][0]["position"], 0);
    assert_eq!(p["resources"][1]["custom_field"], "giữ lại");
    assert_eq!(p["type"], "dataset");
    assert_eq!(p["state"], "active");
    assert_eq!(p["metadata_created"].as_str().unwrap().len(), 26);
    let admin = app.ok("user_show", json!({"id": "admin"}), &app.admin).await;
    assert_eq!(p["creator_user_id"], admin["id"]);
    for key in ["relationships_as_object", "relationships_as_subject", "maintainer_email", "author", "url", "version"] {
        assert!(p.get(key).is_some(), "{key}");
    }
});

backends!(show_edit_update_round_trip_keeps_everything, |app| async move {
    app.org("thong-ke").await;
    app.ok("group_create", json!({"name": "xa-hoi", "title": "Xã hội"}), &app.admin).await;
    let mut p = app.ok("package_create", full_dataset("thong-ke"), &app.admin).await;
    p["title"] = json!("Dân số Hà Nội 2024 (cập nhật)");
    let updated = app.ok("package_update", p.clone(), &app.admin).await;
    assert_eq!(updated["title"], "Dân số Hà Nội 2024 (cập nhật)");
    for key in ["resources", "tags", "extras", "groups", "organization", "title_translated", "temporal_end"] {
        assert_eq!(updated[key], p[key], "{key} changed by a round trip");
    }
    assert!(updated["metadata_modified"].as_str() > p["metadata_modified"].as_str());
    assert_eq!(updated["metadata_created"], p["metadata_created"]);
});

backends!(update_keeps_absent_lists_and_patch_changes_one_field, |app| async move {
    app.org("thong-ke").await;
    let p = app.dataset("thong-ke", "du-lieu", false).await;
    let u = app.ok("package_update", json!({"id": p["id"], "title": "Tên mới", "notes": "Mô tả"}), &app.admin).await;
    assert_eq!(u["title"], "Tên mới");
    assert_eq!(u["resources"], p["resources"], "absent resources are kept");
    assert_eq!(u["tags"], p["tags"], "absent tags are kept");
    assert_eq!(u["name"], "du-lieu", "absent name is kept");

    let patched = app.ok("package_patch", json!({"id": "du-lieu", "version": "2.0"}), &app.admin).await;
    assert_eq!(patched["version"], "2.0");
    assert_eq!(patched["title"], "Tên mới");
    assert_eq!(patched["notes"], "Mô tả");

    let replaced =
        app.ok("package_update", json!({"id": "du-lieu", "title": "T", "resources": [], "tags": []}), &app.admin).await;
    assert_eq!(replaced["num_resources"], 0);
    assert_eq!(replaced["num_tags"], 0);
    assert_eq!(replaced["notes"], Value::Null, "package_update replaces fields not given");

    let renamed = app.ok("package_patch", json!({"id": "du-lieu", "name": "du-lieu-moi"}), &app.admin).await;
    assert_eq!(renamed["name"], "du-lieu-moi");
    let (s, _) = app.get("package_show", &[("id", "du-lieu")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
});

backends!(partial_update_never_publishes_private_data, |app| async move {
    app.org("cong-an").await;
    app.ok(
        "package_create",
        json!({"name": "ho-tich", "owner_org": "cong-an", "private": true, "data_sharing": "private_use"}),
        &app.admin,
    )
    .await;
    let u = app.ok("package_update", json!({"id": "ho-tich", "title": "Hộ tịch"}), &app.admin).await;
    assert_eq!((u["private"].clone(), u["data_sharing"].as_str()), (json!(true), Some("private_use")));
    let (s, _) = app.get("package_show", &[("id", "ho-tich")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "still hidden from the public");
    let (s, v) = app.post("package_update", json!({"id": "ho-tich", "private": false}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT, "private-use data cannot be made public: {v}");
});

backends!(delete_purge_and_name_reuse, |app| async move {
    app.org("thong-ke").await;
    let editor = app.user("bien-tap").await;
    app.member("thong-ke", "bien-tap", "editor").await;
    let p = app.dataset("thong-ke", "se-xoa", false).await;
    app.ok("package_delete", json!({"id": "se-xoa"}), &editor.token).await;
    for token in [None, Some(editor.token.as_str())] {
        let (s, v) = app.get("package_show", &[("id", "se-xoa")], token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "deleted datasets are hidden: {v}");
    }
    let (_, v) = app.get("package_show", &[("id", "se-xoa")], Some(&app.admin)).await;
    assert_eq!(v["result"]["state"], "deleted");
    let (_, list) = app.get("package_list", &[], None).await;
    assert!(!list["result"].as_array().unwrap().contains(&json!("se-xoa")));

    // The name is free again; the deleted dataset keeps its id.
    let again = app.dataset("thong-ke", "se-xoa", false).await;
    assert_ne!(again["id"], p["id"]);
    let (_, old) = app.get("package_show", &[("id", p["id"].as_str().unwrap())], Some(&app.admin)).await;
    assert_eq!(old["result"]["state"], "deleted");

    let (s, v) = app.post("dataset_purge", json!({"id": "se-xoa"}), Some(&editor.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    app.ok("dataset_purge", json!({"id": "se-xoa"}), &app.admin).await;
    let (s, _) = app.get("package_show", &[("id", "se-xoa")], Some(&app.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
});

backends!(listings, |app| async move {
    app.org("thong-ke").await;
    for n in ["a-cong-khai", "b-cong-khai", "c-cong-khai"] {
        app.dataset("thong-ke", n, false).await;
    }
    app.dataset("thong-ke", "d-rieng-tu", true).await;
    app.ok("package_create", json!({"name": "e-nhap", "owner_org": "thong-ke", "state": "draft"}), &app.admin).await;
    let (_, v) = app.get("package_list", &[], None).await;
    assert_eq!(v["result"], json!(["a-cong-khai", "b-cong-khai", "c-cong-khai"]));
    let (_, v) = app.get("package_list", &[("limit", "1"), ("offset", "1")], None).await;
    assert_eq!(v["result"], json!(["b-cong-khai"]));
    let (_, v) = app.get("current_package_list_with_resources", &[("limit", "10")], None).await;
    let names: Vec<&str> = v["result"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["c-cong-khai", "b-cong-khai", "a-cong-khai"]);
    assert_eq!(v["result"][0]["resources"][0]["name"], "A");
    let (_, v) = app.get("current_package_list_with_resources", &[], Some(&app.admin)).await;
    assert_eq!(v["result"].as_array().unwrap().len(), 4, "sysadmin sees the private one, drafts are not listed");
    let (_, tags) = app.get("tag_list", &[], None).await;
    assert_eq!(tags["result"], json!(["thử nghiệm"]));
    let (_, tags) = app.get("tag_list", &[("query", "nghi"), ("all_fields", "true")], None).await;
    assert_eq!(tags["result"][0]["name"], "thử nghiệm");
});

backends!(activity_stream_records_who_changed_what, |app| async move {
    app.org("thong-ke").await;
    let editor = app.user("bien-tap").await;
    app.member("thong-ke", "bien-tap", "editor").await;
    app.ok("package_create", json!({"name": "hoat-dong", "title": "Trước", "owner_org": "thong-ke"}), &editor.token)
        .await;
    app.ok("package_patch", json!({"id": "hoat-dong", "title": "Sau"}), &editor.token).await;
    app.ok(
        "resource_create",
        json!({"package_id": "hoat-dong", "url": "https://x.vn/a.csv", "name": "Tệp"}),
        &editor.token,
    )
    .await;
    app.ok("package_delete", json!({"id": "hoat-dong"}), &editor.token).await;
    let (_, v) = app.get("package_activity_list", &[("id", "hoat-dong")], Some(&app.admin)).await;
    let acts = v["result"].as_array().unwrap();
    let types: Vec<&str> = acts.iter().map(|a| a["activity_type"].as_str().unwrap()).collect();
    assert_eq!(types, vec!["deleted package", "changed package", "changed package", "new package"]);
    assert!(acts.iter().all(|a| a["user_id"] == json!(editor.id)));
    let title_change = &acts[2]["data"]["diff"];
    assert!(
        title_change
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["field"] == "title" && d["old"] == "Trước" && d["new"] == "Sau"),
        "{title_change}"
    );
    assert!(
        acts[1]["data"]["diff"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["field"] == "resources" && d.get("added").is_some())
    );
    assert_eq!(acts[3]["data"]["package"]["title"], "Trước");
    let (_, v) = app
        .get("package_activity_list", &[("id", "hoat-dong"), ("limit", "1"), ("offset", "1")], Some(&app.admin))
        .await;
    assert_eq!(v["result"].as_array().unwrap().len(), 1);
    assert_eq!(v["result"][0]["activity_type"], "changed package");

    let (_, v) = app.get("organization_activity_list", &[("id", "thong-ke")], Some(&app.admin)).await;
    let types: Vec<&str> =
        v["result"].as_array().unwrap().iter().map(|a| a["activity_type"].as_str().unwrap()).collect();
    assert!(
        types.contains(&"new organization") && types.contains(&"new package") && types.contains(&"changed member"),
        "{types:?}"
    );
});

backends!(drafts_are_visible_to_creator_and_editors_only, |app| async move {
    app.org("thong-ke").await;
    let editor = app.user("bien-tap").await;
    let member = app.user("thanh-vien").await;
    app.member("thong-ke", "bien-tap", "editor").await;
    app.member("thong-ke", "thanh-vien", "member").await;
    app.ok("package_create", json!({"name": "ban-nhap", "owner_org": "thong-ke", "state": "draft"}), &editor.token)
        .await;
    let (s, _) = app.get("package_show", &[("id", "ban-nhap")], Some(&editor.token)).await;
    assert_eq!(s, StatusCode::OK);
    for token in [None, Some(member.token.as_str())] {
        let (s, _) = app.get("package_show", &[("id", "ban-nhap")], token).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let published = app.ok("package_patch", json!({"id": "ban-nhap", "state": "active"}), &editor.token).await;
    assert_eq!(published["state"], "active");
    let (s, _) = app.get("package_show", &[("id", "ban-nhap")], None).await;
    assert_eq!(s, StatusCode::OK);
    // An update without `state` keeps the state.
    let kept = app.ok("package_update", json!({"id": "ban-nhap", "title": "x"}), &editor.token).await;
    assert_eq!(kept["state"], "active");
});

backends!(validation_errors_match_ckan, |app| async move {
    app.org("thong-ke").await;
    app.dataset("thong-ke", "da-co", false).await;
    let cases = [
        (json!({"name": "da-co", "owner_org": "thong-ke"}), "name", "That URL is already in use."),
        (
            json!({"name": "Co Chu Hoa", "owner_org": "thong-ke"}),
            "name",
            "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_",
        ),
        (json!({"name": "x", "owner_org": "thong-ke"}), "name", "Must be at least 2 characters long"),
        (json!({"owner_org": "thong-ke"}), "name", "Missing value"),
        (json!({"name": "khong-to-chuc"}), "owner_org", "Missing value"),
        (json!({"name": "to-chuc-sai", "owner_org": "khong-ton-tai"}), "owner_org", "Organization does not exist"),
    ];
    for (body, field, message) in cases {
        let (s, v) = app.post("package_create", body.clone(), Some(&app.admin)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}: {v}");
        assert_eq!(TestApp::error_type(&v), "Validation Error");
        assert_eq!(v["error"][field][0], message, "{body}: {v}");
    }
    let (_, v) = app
        .post(
            "package_create",
            json!({"name": "nhieu-loi", "owner_org": "thong-ke", "license_id": "khong-co", "data_sharing": "shared",
                   "temporal_start": "2024-05-01", "temporal_end": "2024-01-01", "update_frequency": "sometimes",
                   "author_email": "not-an-email", "tieu_de": "x"}),
            Some(&app.admin),
        )
        .await;
    for field in ["license_id", "private", "temporal_end", "update_frequency", "author_email", "tieu_de"] {
        assert!(v["error"].get(field).is_some(), "{field} not reported: {v}");
    }
});
