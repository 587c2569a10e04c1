//! The data map through the Action API: agencies describe their databases,
//! a reviewer approves each revision, the dictionary flags duplicate
//! collection, published versions differ as they should, and restricted
//! entries never reach outsiders.

use crate::backends;
use crate::support::{TestApp, TestUser};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A ministry and two provinces, each with an editor.
async fn agencies(app: &TestApp) -> (TestUser, TestUser, TestUser) {
    for (name, title, kind, code) in [
        ("bo-y-te", "Bộ Y tế", "ministry", None),
        ("ha-noi", "Thành phố Hà Nội", "province", Some("01")),
        ("da-nang", "Thành phố Đà Nẵng", "province", Some("48")),
    ] {
        app.ok(
            "organization_create",
            json!({"name": name, "title": title, "agency_kind": kind, "agency_code": code}),
            &app.admin,
        )
        .await;
    }
    let byt = app.user("bien-tap-byt").await;
    app.member("bo-y-te", "bien-tap-byt", "editor").await;
    let hn = app.user("bien-tap-hn").await;
    app.member("ha-noi", "bien-tap-hn", "editor").await;
    let dn = app.user("bien-tap-dn").await;
    app.member("da-nang", "bien-tap-dn", "editor").await;
    (byt, hn, dn)
}

fn entry(name: &str, org: &str, class: &str, extra: Value) -> Value {
    let mut v = json!({
        "name": name, "title": format!("Cơ sở dữ liệu {name}"), "owner_org": org, "class": class,
        "data_sharing": "shared", "data_importance": "important", "status": "operating",
        "message": "Khai báo lần đầu",
    });
    for (k, x) in extra.as_object().cloned().unwrap_or_default() {
        v[k] = x;
    }
    v
}

async fn approve(app: &TestApp, id: &str) -> Value {
    app.ok("datamap_database_review", json!({"id": id, "decision": "approve"}), &app.admin).await
}

fn names(list: &Value) -> Vec<String> {
    let mut out: Vec<String> =
        list.as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap_or_default().to_string()).collect();
    out.sort();
    out
}

backends!(agencies_register_databases_a_reviewer_approves_and_versions_differ, |app| async move {
    let (byt, hn, _dn) = agencies(app).await;
    for (name, title) in [("ma-dinh-danh", "Số định danh cá nhân"), ("ma-bhyt", "Mã số bảo hiểm y tế")]
    {
        app.ok(
            "datamap_element_create",
            json!({"name": name, "title": title, "data_type": "string", "format": "12 chữ số"}),
            &app.admin,
        )
        .await;
    }
    // An editor of the ministry describes its national database.
    let created = app
        .ok(
            "datamap_database_create",
            entry(
                "csdl-y-te",
                "bo-y-te",
                "national",
                json!({
                    "sector": "Y tế", "hosting": "national_data_center", "security_level": 4,
                    "protection_4_layer": true, "records": 100_000_000, "update_frequency": "daily",
                    "elements": ["ma-dinh-danh", "ma-bhyt"], "title_translated": {"en": "National health database"},
                    "endpoints": [{"url": "https://api.moh.gov.vn/v1", "kind": "api", "title": "API tra cứu"}],
                }),
            ),
            &byt.token,
        )
        .await;
    assert_eq!(created["revision"], 1);
    assert_eq!(created["review_state"], "pending");
    assert_eq!(created["approved_revision"], Value::Null);
    assert_eq!(created["organization"]["name"], "bo-y-te");
    let id = created["id"].as_str().unwrap().to_string();

    // Not on the map before review: the public sees nothing of it.
    let (s, _) = app.get("datamap_database_show", &[("id", "csdl-y-te")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = app.get("datamap_database_list", &[], None).await;
    assert_eq!(v["result"]["count"], 0);
    // The reviewers' queue has it.
    let (_, v) = app.get("datamap_database_list", &[("pending", "true")], Some(&app.admin)).await;
    assert_eq!(names(&v["result"]["results"]), vec!["csdl-y-te"]);
    let (_, v) = app.get("datamap_database_list", &[("pending", "true")], Some(&hn.token)).await;
    assert_eq!(v["result"]["count"], 0, "another agency's queue is its own");

    // An editor may not approve; a reviewer does.
    let (s, _) = app.post("datamap_database_review", json!({"id": id, "decision": "approve"}), Some(&byt.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.post("datamap_database_review", json!({"id": id, "decision": "reject"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT, "a rejection needs a note: {v}");
    approve(app, &id).await;
    let (_, v) = app.get("datamap_database_show", &[("id", "csdl-y-te")], None).await;
    let shown = &v["result"];
    assert_eq!(shown["title_translated"]["en"], "National health database");
    assert_eq!(shown["approved_revision"], 1);
    assert_eq!(shown["restricted"], false);

    // A province's shared database, fed by the ministry's through NDXP.
    let hn_db = app
        .ok(
            "datamap_database_create",
            entry("csdl-dan-cu-ha-noi", "ha-noi", "shared", json!({
                "sector": "Dân cư", "elements": ["ma-dinh-danh", "ma-bhyt"],
                "connections": [{"database": "csdl-y-te", "direction": "in", "platform": "ndxp", "elements": ["ma-bhyt"]}],
            })),
            &hn.token,
        )
        .await;
    let hn_id = hn_db["id"].as_str().unwrap().to_string();
    approve(app, &hn_id).await;
    // The connection shows on both ends, declared by one.
    let (_, v) = app.get("datamap_database_show", &[("id", "csdl-y-te")], None).await;
    let connected = v["result"]["connected"].as_array().unwrap().clone();
    assert_eq!(connected.len(), 1, "{connected:?}");
    assert_eq!(connected[0]["database"], "csdl-dan-cu-ha-noi");
    assert_eq!(connected[0]["direction"], "out");
    assert_eq!(connected[0]["platform"], "ndxp");
    // No element has a master yet: both collect both, flagged.
    let (_, v) = app.get("datamap_duplication_list", &[], None).await;
    assert_eq!(v["result"].as_array().unwrap().len(), 4, "{v}");
    // Naming the master of the insurance number: Hà Nội receives it from
    // the ministry through NDXP, so only the element without a master
    // stays flagged.
    app.ok(
        "datamap_element_update",
        json!({"id": "ma-bhyt", "title": "Mã số bảo hiểm y tế", "master": "csdl-y-te"}),
        &app.admin,
    )
    .await;
    let (_, v) = app.get("datamap_element_show", &[("id", "ma-bhyt")], None).await;
    assert_eq!(v["result"]["master"], "csdl-y-te");
    assert_eq!(v["result"]["databases"], json!(["csdl-dan-cu-ha-noi", "csdl-y-te"]));
    assert_eq!(v["result"]["duplications"], json!([]), "Hà Nội receives it from its master");
    let (_, v) = app.get("datamap_duplication_list", &[], None).await;
    let dups: Vec<(String, String, String)> = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["element"].as_str().unwrap().into(),
                d["database"].as_str().unwrap().into(),
                d["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        dups,
        vec![
            ("ma-dinh-danh".to_string(), "csdl-dan-cu-ha-noi".to_string(), "no_master".to_string()),
            ("ma-dinh-danh".to_string(), "csdl-y-te".to_string(), "no_master".to_string()),
        ]
    );

    let v1 = app.ok("datamap_version_publish", json!({"notes": "Phiên bản đầu tiên"}), &app.admin).await;
    assert_eq!(v1["version"], "1.0");
    assert_eq!(v1["summary"]["databases"], 2);
    assert_eq!(v1["summary"]["connections"], 1);

    // A change waits for review; the map keeps the approved content.
    let (s, v) =
        app.post("datamap_database_patch", json!({"id": "csdl-y-te", "status": "building"}), Some(&byt.token)).await;
    assert_eq!(s, StatusCode::CONFLICT, "why is required: {v}");
    let patched = app
        .ok(
            "datamap_database_patch",
            json!({"id": "csdl-y-te", "title": "CSDL quốc gia về y tế", "message": "Đổi tên theo quyết định mới"}),
            &byt.token,
        )
        .await;
    assert_eq!(patched["revision"], 2);
    assert_eq!(patched["review_state"], "pending");
    assert_eq!(patched["records"], 100_000_000, "patch keeps the other fields");
    let (_, v) = app.get("datamap_database_show", &[("id", "csdl-y-te")], None).await;
    assert_eq!(v["result"]["title"], "Cơ sở dữ liệu csdl-y-te", "outsiders see the approved revision");
    approve(app, &id).await;
    // Hà Nội stops receiving; Đà Nẵng is not there yet.
    app.ok(
        "datamap_database_delete",
        json!({"id": "csdl-dan-cu-ha-noi", "message": "Hợp nhất vào hệ thống mới"}),
        &hn.token,
    )
    .await;
    approve(app, &hn_id).await;
    let (s, _) = app.get("datamap_database_show", &[("id", "csdl-dan-cu-ha-noi")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a deleted entry leaves the map");

    // History: who, when, why, the review and what changed.
    let (_, v) = app.get("datamap_database_revision_list", &[("id", "csdl-y-te")], Some(&byt.token)).await;
    let revs = v["result"].as_array().unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[0]["revision"], 2);
    assert_eq!(revs[0]["message"], "Đổi tên theo quyết định mới");
    assert_eq!(revs[0]["author"], "bien-tap-byt");
    assert_eq!(revs[0]["reviewer"], "admin");
    assert_eq!(revs[0]["review_state"], "approved");
    assert_eq!(
        revs[0]["changes"],
        json!([{"field": "title", "old": "Cơ sở dữ liệu csdl-y-te", "new": "CSDL quốc gia về y tế"}])
    );
    assert_eq!(revs[1]["message"], "Khai báo lần đầu");

    let v2 = app.ok("datamap_version_publish", json!({}), &app.admin).await;
    assert_eq!(v2["version"], "1.1");
    let (s, _) = app.post("datamap_version_publish", json!({"version": "1.1"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT, "versions only move forward");
    let (_, v) = app.get("datamap_version_diff", &[], None).await;
    let d = &v["result"];
    assert_eq!((d["from"].as_str(), d["to"].as_str()), (Some("1.0"), Some("1.1")));
    assert_eq!(d["diff"]["removed"], json!(["csdl-dan-cu-ha-noi"]));
    assert_eq!(d["diff"]["added"], json!([]));
    assert_eq!(d["diff"]["changed"][0]["name"], "csdl-y-te");
    assert_eq!(d["diff"]["changed"][0]["changes"][0]["field"], "title");
    assert_eq!(d["diff"]["connections_removed"], json!([["csdl-dan-cu-ha-noi", "csdl-y-te", "ndxp"]]));
    let (_, v) = app.get("datamap_version_show", &[("version", "1.0")], None).await;
    assert_eq!(names(&v["result"]["databases"]), vec!["csdl-dan-cu-ha-noi", "csdl-y-te"], "1.0 stays as published");
    let (_, v) = app.get("datamap_version_list", &[], None).await;
    assert_eq!(
        v["result"].as_array().unwrap().iter().map(|x| x["version"].clone()).collect::<Vec<_>>(),
        vec![json!("1.1"), json!("1.0")]
    );

    // Bad input gets field errors.
    let (s, v) = app
        .post(
            "datamap_database_create",
            json!({"name": "x y", "class": "galactic", "owner_org": "ha-noi",
            "security_level": 7, "connections": [{"database": "khong-co", "direction": "out", "platform": "ndxp"}]}),
            Some(&hn.token),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    for key in ["name", "title", "class", "security_level", "data_sharing"] {
        assert!(v["error"][key].is_array(), "{key}: {v}");
    }
    let (s, v) = app
        .post(
            "datamap_database_create",
            entry(
                "csdl-moi",
                "ha-noi",
                "shared",
                json!({
            "elements": ["khong-co-phan-tu"],
            "connections": [{"database": "khong-co", "direction": "out", "platform": "ndxp"}]}),
            ),
            Some(&hn.token),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["error"]["connections"].to_string().contains("khong-co"), "{v}");
    assert!(v["error"]["elements"].to_string().contains("khong-co-phan-tu"), "{v}");
    let (s, v) = app
        .post(
            "datamap_database_create",
            entry("csdl-kho", "ha-noi", "national", json!({"national_repository": true})),
            Some(&hn.token),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "only reviewers mark the national repository: {v}");
});

backends!(restricted_entries_and_other_agencies_records_stay_out_of_reach, |app| async move {
    let (byt, hn, dn) = agencies(app).await;
    app.ok(
        "datamap_element_create",
        json!({"name": "ho-so-benh-an", "title": "Hồ sơ bệnh án", "master": null}),
        &app.admin,
    )
    .await;
    // The ministry's core database and an open one.
    let secret = app
        .ok(
            "datamap_database_create",
            entry(
                "csdl-benh-an",
                "bo-y-te",
                "national",
                json!({
            "data_importance": "core", "elements": ["ho-so-benh-an"], "purpose": "bí-mật-nghiệp-vụ"}),
            ),
            &byt.token,
        )
        .await;
    let secret_id = secret["id"].as_str().unwrap().to_string();
    approve(app, &secret_id).await;
    let open = app
        .ok(
            "datamap_database_create",
            entry(
                "csdl-co-so-y-te",
                "bo-y-te",
                "shared",
                json!({
            "data_sharing": "open", "data_importance": "other",
            "connections": [{"database": "csdl-benh-an", "direction": "in", "platform": "direct"}]}),
            ),
            &byt.token,
        )
        .await;
    approve(app, open["id"].as_str().unwrap()).await;
    let private_use = app
        .ok(
            "datamap_database_create",
            entry(
                "csdl-noi-bo-hn",
                "ha-noi",
                "specialised",
                json!({
            "data_sharing": "private_use", "data_importance": "other", "elements": ["ho-so-benh-an"]}),
            ),
            &hn.token,
        )
        .await;
    approve(app, private_use["id"].as_str().unwrap()).await;
    app.ok("datamap_version_publish", json!({}), &app.admin).await;

    let anon = None;
    for (who, token, sees_moh, sees_hn) in [
        ("anonymous", anon, false, false),
        ("Đà Nẵng's editor", Some(dn.token.as_str()), false, false),
        ("Hà Nội's editor", Some(hn.token.as_str()), false, true),
        ("the ministry's editor", Some(byt.token.as_str()), true, false),
        ("a reviewer", Some(app.admin.as_str()), true, true),
    ] {
        let (s, _) = app.get("datamap_database_show", &[("id", "csdl-benh-an")], token).await;
        assert_eq!(s == StatusCode::OK, sees_moh, "{who}: show by name");
        let (s, _) = app.get("datamap_database_show", &[("id", &secret_id)], token).await;
        assert_eq!(s == StatusCode::OK, sees_moh, "{who}: show by id");
        let (s, _) = app.get("datamap_database_revision_list", &[("id", "csdl-benh-an")], token).await;
        assert_eq!(s == StatusCode::OK, sees_moh, "{who}: history");
        let (_, v) = app.get("datamap_database_list", &[("limit", "1000")], token).await;
        let listed = names(&v["result"]["results"]);
        assert_eq!(listed.contains(&"csdl-benh-an".to_string()), sees_moh, "{who}: list {listed:?}");
        assert_eq!(listed.contains(&"csdl-noi-bo-hn".to_string()), sees_hn, "{who}: list {listed:?}");
        assert_eq!(v["result"]["count"], 1 + sees_moh as i64 + sees_hn as i64, "{who}: count");
        // Everything else built from the map.
        let mut texts = Vec::new();
        for (action, q) in [
            ("datamap_database_show", vec![("id", "csdl-co-so-y-te")]),
            ("datamap_version_show", vec![]),
            ("datamap_element_list", vec![]),
            ("datamap_element_show", vec![("id", "ho-so-benh-an")]),
            ("datamap_duplication_list", vec![]),
            ("datamap_version_list", vec![]),
            ("datamap_database_list", vec![("q", "benh an")]),
        ] {
            let (s, v) = app.get(action, &q, token).await;
            assert_eq!(s, StatusCode::OK, "{who} {action}: {v}");
            texts.push((action, v.to_string()));
        }
        let moh = |t: &str| t.contains("csdl-benh-an") || t.contains("bí-mật-nghiệp-vụ");
        for (action, text) in &texts {
            assert!(sees_moh || !moh(text), "{who}: {action} {text}");
            assert!(sees_hn || !text.contains("csdl-noi-bo-hn"), "{who}: {action} {text}");
        }
        // Those allowed find them there (so the checks above could fail).
        // (Its duplicate collection needs Hà Nội's entry too.)
        let expected = match (sees_moh, sees_hn) {
            (false, _) => 0,
            (true, false) => 5,
            (true, true) => 6,
        };
        assert_eq!(texts.iter().filter(|(_, t)| moh(t)).count(), expected, "{who}");
        assert_eq!(texts.iter().any(|(_, t)| t.contains("csdl-noi-bo-hn")), sees_hn, "{who}");
        // Counts do not give them away either.
        let (_, v) = app.get("datamap_version_show", &[], token).await;
        assert_eq!(v["result"]["summary"]["databases"], 1 + sees_moh as i64 + sees_hn as i64, "{who}: version counts");
    }

    // Writing to another agency's records: refused, and nothing changed.
    let revisions = |v: &Value| v.as_array().unwrap().len();
    let before = app.ok("datamap_database_revision_list", json!({"id": "csdl-co-so-y-te"}), &app.admin).await;
    for (action, body) in [
        ("datamap_database_create", entry("csdl-gia", "bo-y-te", "shared", json!({}))),
        ("datamap_database_patch", json!({"id": "csdl-co-so-y-te", "title": "x", "message": "x"})),
        (
            "datamap_database_update",
            json!({"id": "csdl-co-so-y-te", "message": "x", "title": "x", "class": "shared",
            "data_sharing": "open", "data_importance": "other", "status": "operating"}),
        ),
        ("datamap_database_delete", json!({"id": "csdl-co-so-y-te", "message": "x"})),
        ("datamap_database_review", json!({"id": "csdl-co-so-y-te", "decision": "approve"})),
        ("datamap_element_create", json!({"name": "phan-tu", "title": "x"})),
        ("datamap_version_publish", json!({})),
    ] {
        let (s, v) = app.post(action, body, Some(&dn.token)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{action}: {v}");
    }
    let after = app.ok("datamap_database_revision_list", json!({"id": "csdl-co-so-y-te"}), &app.admin).await;
    assert_eq!(revisions(&after), revisions(&before), "no revision was written");
    let (s, _) = app.post("datamap_element_show", json!({"id": "phan-tu"}), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no element was created");
    let (_, v) = app.post("datamap_version_list", json!({}), None).await;
    assert_eq!(v["result"].as_array().unwrap().len(), 1, "no version was published: {v}");
    // A restricted entry answers as a missing one, even to writes.
    for (action, body) in [
        ("datamap_database_patch", json!({"id": "csdl-benh-an", "title": "x", "message": "x"})),
        ("datamap_database_delete", json!({"id": "csdl-benh-an", "message": "x"})),
    ] {
        let (s, v) = app.post(action, body, Some(&dn.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{action}: {v}");
    }
    // Nor can another agency connect to it by name.
    let (s, v) = app
        .post(
            "datamap_database_create",
            entry(
                "csdl-dn",
                "da-nang",
                "shared",
                json!({
            "connections": [{"database": "csdl-benh-an", "direction": "in", "platform": "ndxp"}]}),
            ),
            Some(&dn.token),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["error"]["connections"].to_string().contains("No database"), "{v}");
    // Moving an entry to an agency one does not edit is refused.
    let (s, _) = app
        .post(
            "datamap_database_patch",
            json!({"id": "csdl-co-so-y-te", "owner_org": "da-nang", "message": "chuyển"}),
            Some(&byt.token),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Anonymous writes are refused outright.
    let (s, _) = app.post("datamap_database_create", entry("csdl-x", "da-nang", "shared", json!({})), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // An entry that was core for a while: outsiders' history skips that
    // time (its content, field by field, would tell what it held).
    let e = app
        .ok(
            "datamap_database_create",
            entry("csdl-tam-mat", "bo-y-te", "shared", json!({"sector": "Y tế"})),
            &byt.token,
        )
        .await;
    approve(app, e["id"].as_str().unwrap()).await;
    for (patch, why) in [
        (json!({"data_importance": "core", "purpose": "giai-doan-mat"}), "Tạm thời là dữ liệu cốt lõi"),
        (json!({"data_importance": "important", "purpose": null}), "Hết thời hạn"),
    ] {
        let mut body = patch;
        body["id"] = json!("csdl-tam-mat");
        body["message"] = json!(why);
        let p = app.ok("datamap_database_patch", body, &byt.token).await;
        approve(app, p["id"].as_str().unwrap()).await;
    }
    for (who, token, revisions) in [
        ("anonymous", None, vec![3, 1]),
        ("Đà Nẵng's editor", Some(dn.token.as_str()), vec![3, 1]),
        ("the ministry", Some(byt.token.as_str()), vec![3, 2, 1]),
    ] {
        let (s, v) = app.post("datamap_database_revision_list", json!({"id": "csdl-tam-mat"}), token).await;
        assert_eq!(s, StatusCode::OK, "{who}: {v}");
        let got: Vec<i64> = v["result"].as_array().unwrap().iter().map(|r| r["revision"].as_i64().unwrap()).collect();
        assert_eq!(got, revisions, "{who}");
        assert_eq!(v.to_string().contains("giai-doan-mat"), revisions.len() == 3, "{who}: {v}");
    }

    // A pending entry does not name a database that became restricted
    // after it was written.
    let mo = app.ok("datamap_database_create", entry("csdl-dn-mo", "da-nang", "shared", json!({})), &dn.token).await;
    approve(app, mo["id"].as_str().unwrap()).await;
    app.ok(
        "datamap_database_create",
        entry(
            "csdl-hn-cho",
            "ha-noi",
            "shared",
            json!({"connections": [{"database": "csdl-dn-mo", "direction": "in", "platform": "lgsp"}]}),
        ),
        &hn.token,
    )
    .await;
    let p = app
        .ok(
            "datamap_database_patch",
            json!({"id": "csdl-dn-mo", "data_sharing": "private_use", "message": "Chỉ dùng nội bộ"}),
            &dn.token,
        )
        .await;
    approve(app, p["id"].as_str().unwrap()).await;
    let (_, v) = app.post("datamap_database_list", json!({"pending": true}), Some(&hn.token)).await;
    let mine = v["result"]["results"].as_array().unwrap().iter().find(|e| e["name"] == "csdl-hn-cho").unwrap();
    assert_eq!(mine["connections"], json!([]), "{mine}");
});

/// `kho bench datamap` (the scale benchmark) runs end to end on a
/// small map: it generates the map, computes the indicators and both
/// rankings, and serves the overview and the other map pages. Timings are
/// the benchmark's business, not the test's.
#[test]
fn the_scale_benchmark_runs_on_a_small_map() {
    let out = std::process::Command::new(crate::support::kho_bin())
        .args(["bench", "datamap", "--databases", "300", "--connections", "1500", "--datasets", "50"])
        .args(["--requests", "3", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(v["databases"], 300);
    let connections = v["connections"].as_u64().unwrap();
    assert!((1000..=1500).contains(&connections), "distinct pairs of 1,500 declared: {connections}");
    assert_eq!(v["overview_status"], 200);
    assert!(v["overview_bytes"].as_u64().unwrap() > 10_000);
    assert!(v["agencies_ranked"].as_u64().unwrap() > 10, "{v}");
    assert_eq!(v["pass"], out.status.code() == Some(0));
    let pages: Vec<&str> = v["pages"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert_eq!(pages, ["/datamap/graph", "/datamap/elements", "/datamap/provinces", "/strategy/ranking"]);
    assert!(v["pages"].as_array().unwrap().iter().all(|p| p["bytes"].as_u64().unwrap() > 1000), "{v}");
}
