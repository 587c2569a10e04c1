//! Tabular resources are validated in the background after every upload
//! and on demand, against the publisher's Table Schema or one inferred
//! from the file (issue 7): `resource.schema`, `resource_validation_show`,
//! `resource_validation_run`, `datapackage_show` and
//! `/dataset/{name}/datapackage.json`. A private dataset's reports never
//! reach outsiders.

use crate::backends;
use crate::datastore::workers;
use crate::resources::upload;
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CSV: &str = "mã,tỉnh,dân số,năm\n\
01,Hà Nội,8587100,2024\n\
79,TP. Hồ Chí Minh,9521886,2024\n\
48,Đà Nẵng,1340000,2024\n\
92,Cần Thơ,,2024\n\
99,Nơi nào đó,-5,2024\n\
46,Huế,1236393,2024,thừa\n";

/// Waits until the resource's validation is over (after `after`, the
/// `finished` time of an earlier one) and returns it.
pub async fn wait_validated(app: &TestApp, rid: &str, after: Option<&str>) -> Value {
    let started = Instant::now();
    loop {
        let (s, v) = app.post("resource_validation_show", json!({"resource_id": rid}), Some(&app.admin)).await;
        if s == StatusCode::OK {
            let r = &v["result"];
            let done = matches!(r["status"].as_str(), Some("success" | "failure" | "error"));
            let newer = after.is_none_or(|t| r["finished"].as_str().is_some_and(|f| f > t));
            if done && newer {
                return r.clone();
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "not validated: {s} {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn setup(app: &TestApp, dataset: &str, private: bool) -> String {
    if app.post("organization_show", json!({"id": "so-tk"}), None).await.0 != StatusCode::OK {
        app.org("so-tk").await;
    }
    app.dataset("so-tk", dataset, private).await;
    let (s, r) = upload(
        app,
        "resource_create",
        &[("package_id", dataset), ("name", "Dân số các tỉnh"), ("format", "CSV")],
        "dan-so.csv",
        CSV.as_bytes().to_vec(),
        &app.admin,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r["result"]["id"].as_str().unwrap().to_string()
}

fn kinds(report: &Value) -> Vec<(String, Option<u64>, Option<String>)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["rowNumber"].as_u64(),
                e["fieldName"].as_str().map(str::to_string),
            )
        })
        .collect()
}

backends!(uploads_are_validated_against_inferred_and_publisher_schemas, |app| async move {
    let w = workers(app);
    let rid = setup(app, "dan-so", false).await;

    // No schema: one is inferred from the file, and the last row's extra
    // cell is an error whatever the schema.
    let v = wait_validated(app, &rid, None).await;
    assert_eq!(v["status"], "failure", "{v}");
    assert_eq!(v["schema_source"], "inferred");
    assert_eq!(v["rows"], 6);
    assert_eq!(v["invalid_rows"], 1, "{v}");
    assert_eq!(kinds(&v["report"]), [("extra-cell".into(), Some(7), None)], "{v}");
    let share = v["valid_rows_share"].as_f64().unwrap();
    assert!((share - 5.0 / 6.0).abs() < 1e-9, "{share}");
    // package_show carries the state and the inferred schema.
    let pkg = app.ok("package_show", json!({"id": "dan-so"}), &app.admin).await;
    let res = pkg["resources"].as_array().unwrap().iter().find(|r| r["id"] == json!(rid)).unwrap();
    assert_eq!(res["validation_status"], "failure", "{res}");
    assert_eq!(res["schema_source"], "inferred");
    let inferred = res["schema"].clone();
    let names: Vec<&str> = inferred["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["mã", "tỉnh", "dân số", "năm"]);

    // Search facets: the dataset has errors; filtering on it finds it.
    let facets = |q: Value| async move { app.ok("package_search", q, &app.admin).await };
    let r = facets(json!({"facet.field": ["validation_status", "quality_rating"], "rows": 0})).await;
    let items = r["search_facets"]["validation_status"]["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{r}");
    assert_eq!((items[0]["name"].as_str(), items[0]["count"].as_u64()), (Some("failure"), Some(1)));
    // The dataset's band is the rating quality_show gives it.
    let rating = app.ok("quality_show", json!({"id": "dan-so"}), &app.admin).await["rating"].clone();
    assert_eq!(
        r["search_facets"]["quality_rating"]["items"],
        json!([{"name": rating, "display_name": rating, "count": 1}]),
        "{r}"
    );
    let r = facets(json!({"fq": "validation_status:failure"})).await;
    assert_eq!(r["results"][0]["name"], "dan-so", "{r}");
    // The search page offers both facets with their words and filter links.
    let (_, _, html) = app.page("/dataset").await;
    assert!(html.contains("Kiểm tra dữ liệu") && html.contains("Chất lượng siêu dữ liệu"), "the facets' titles");
    assert!(
        html.contains("validation_status=failure") && html.contains("data-facet=\"validation_status\""),
        "a filter link"
    );
    assert!(html.contains("Có lỗi"), "the value in words, not its code");
    // The dashboard charts the ratings and the validation results.
    let (_, _, html) = app.page("/quality").await;
    assert!(
        html.contains("Số bộ dữ liệu theo xếp loại siêu dữ liệu") && html.contains("Kết quả kiểm tra dữ liệu bảng"),
        "{html}"
    );

    // Sending the dictionary back unchanged keeps the schema an inferred one.
    let mut echo = res.clone();
    echo["description"] = json!("Dân số trung bình");
    let (s, r) = app.post("resource_update", echo, Some(&app.admin)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["result"]["schema_source"], "inferred", "{r}");

    // The publisher's schema: constraints, a province column, a key.
    let schema = json!({
        "fields": [
            {"name": "mã", "type": "string", "constraints": {"required": true, "pattern": "[0-9]{2}"}},
            {"name": "tỉnh", "type": "string", "constraints": {"vnAdminUnit": "province"}},
            {"name": "dân số", "type": "integer", "constraints": {"required": true, "minimum": 0}},
            {"name": "năm", "type": "string"}
        ],
        "primaryKey": ["mã"]
    });
    let before = v["finished"].as_str().unwrap().to_string();
    let r = app.ok("resource_patch", json!({"id": rid, "schema": schema.to_string()}), &app.admin).await;
    assert_eq!(r["schema_source"], "publisher", "{r}");
    assert_eq!(r["schema"], schema, "a JSON text is stored as the object");
    let v = wait_validated(app, &rid, Some(&before)).await;
    assert_eq!(v["status"], "failure", "{v}");
    assert_eq!(v["schema_source"], "publisher");
    let mut got = kinds(&v["report"]);
    got.sort();
    let mut want = vec![
        ("constraint-error".to_string(), Some(5), Some("dân số".to_string())),
        ("constraint-error".to_string(), Some(6), Some("tỉnh".to_string())),
        ("constraint-error".to_string(), Some(6), Some("dân số".to_string())),
        ("extra-cell".to_string(), Some(7), None),
    ];
    want.sort();
    assert_eq!(got, want, "{v}");
    assert_eq!(v["invalid_rows"], 3);
    for e in v["report"]["errors"].as_array().unwrap() {
        assert!(!e["message"].as_str().unwrap().is_empty() && !e["messageVi"].as_str().unwrap().is_empty(), "{e}");
    }

    // An invalid schema is refused with the field named, and nothing changes.
    for bad in [
        json!({"fields": [{"name": "a", "type": "số"}]}),
        json!("{not json"),
        json!({"fields": [{"name": "a", "constraints": {"pattern": "(a"}}]}),
        json!({"fields": [{"name": "a"}, {"name": "b"}], "foreignKeys": [
            {"fields": "a", "reference": {"resource": "", "fields": "b"}},
            {"fields": "b", "reference": {"resource": "", "fields": "a"}}]}),
    ] {
        let (s, r) = app.post("resource_patch", json!({"id": rid, "schema": bad}), Some(&app.admin)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{bad}: {r}");
        assert!(r["error"]["schema"].is_array(), "{r}");
    }
    let shown = app.ok("resource_show", json!({"id": rid}), &app.admin).await;
    assert_eq!(shown["schema"], schema);

    // On demand: a run after fixing the file's rows through a new upload.
    let fixed = "mã,tỉnh,dân số,năm\n01,Hà Nội,8587100,2024\n79,Hồ Chí Minh,9521886,2024\n";
    let (s, r) =
        upload(app, "resource_patch", &[("id", &rid)], "dan-so.csv", fixed.as_bytes().to_vec(), &app.admin).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let v = wait_validated(app, &rid, Some(v["finished"].as_str().unwrap())).await;
    assert_eq!(v["status"], "success", "{v}");
    assert_eq!(v["valid_rows_share"], 1.0);
    let r = app.ok("resource_validation_run", json!({"resource_id": rid}), &app.admin).await;
    assert_eq!(r["status"], "created", "{r}");
    let again = wait_validated(app, &rid, Some(v["finished"].as_str().unwrap())).await;
    assert_eq!(again["status"], "success");
    let r = app.ok("package_search", json!({"fq": "validation_status:success"}), &app.admin).await;
    assert_eq!(r["count"], 1, "{r}");

    // Validity in the scores: all rows valid now.
    let q = app.ok("quality_show", json!({"id": "dan-so"}), &app.admin).await;
    assert_eq!(q["validity"]["percent"], 100.0, "{q}");
    // And on the dataset page's card.
    let (_, _, html) = app.page("/dataset/dan-so").await;
    assert!(html.contains("Hợp lệ (%): 100"), "the card shows validity");
    assert!(q["overall"].as_f64().unwrap() > q["percent"].as_f64().unwrap(), "{q}");

    // The Data Package: the dataset with each resource's schema.
    let dp = app.ok("datapackage_show", json!({"id": "dan-so"}), &app.admin).await;
    assert_eq!(dp["$schema"], "https://datapackage.org/profiles/2.0/datapackage.json");
    assert_eq!(dp["name"], "dan-so");
    let r0 = dp["resources"].as_array().unwrap().iter().find(|r| r["id"] == json!(rid)).unwrap();
    assert_eq!(r0["name"], "dan-so-cac-tinh");
    assert_eq!(r0["type"], "table");
    assert_eq!(r0["schema"], schema);
    assert!(r0["hash"].as_str().unwrap().starts_with("sha256:"));
    assert!(r0["path"].as_str().unwrap().starts_with(&app.base));
    let (s, _, body) = app.page("/dataset/dan-so/datapackage.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), dp);
    w.stop(Duration::from_secs(5)).await;
});

backends!(non_csv_tables_are_validated_from_the_datastore, |app| async move {
    let w = workers(app);
    app.org("so-tk").await;
    app.dataset("so-tk", "json-bang", false).await;
    let rows = json!([{"mã": "01", "số": 3}, {"mã": "79", "số": 4}]).to_string();
    let (s, r) = upload(
        app,
        "resource_create",
        &[("package_id", "json-bang"), ("format", "JSON")],
        "bang.json",
        rows.into_bytes(),
        &app.admin,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let rid = r["result"]["id"].as_str().unwrap().to_string();
    let v = wait_validated(app, &rid, None).await;
    assert_eq!(v["status"], "success", "{v}");
    assert!(v["source"].as_str().unwrap().starts_with("datastore:"), "{v}");
    assert_eq!(v["rows"], 2);
    let fields: Vec<&str> =
        v["schema"]["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(fields, ["mã", "số"], "the datastore's _id is not part of the data");
    w.stop(Duration::from_secs(5)).await;
});

backends!(validation_of_private_datasets_does_not_leak, |app| async move {
    let w = workers(app);
    let rid = setup(app, "bi-mat", true).await;
    wait_validated(app, &rid, None).await;
    let outsider = app.user("nguoi-ngoai").await;
    // The private dataset's validation is not counted in anyone else's facets.
    let (_, r) = app.post("package_search", json!({"facet.field": ["validation_status"], "rows": 0}), None).await;
    assert_eq!(r["result"]["search_facets"]["validation_status"]["items"], json!([]), "{r}");
    let (_, r) = app.post("package_search", json!({"fq": "validation_status:failure"}), Some(&outsider.token)).await;
    assert_eq!(r["result"]["count"], 0, "{r}");
    for token in [None, Some(outsider.token.as_str())] {
        let (s, r) = app.post("resource_validation_show", json!({"resource_id": rid}), token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{r}");
        let (s, r) = app.post("datapackage_show", json!({"id": "bi-mat"}), token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{r}");
    }
    let (s, r) = app.post("resource_validation_run", json!({"resource_id": rid}), Some(&outsider.token)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{r}");
    let (s, _, body) = app.page("/dataset/bi-mat/datapackage.json").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!body.contains("Hà Nội"));
    // A member who may read but not edit cannot run validations.
    app.member("so-tk", "nguoi-ngoai", "member").await;
    let (s, r) = app.post("resource_validation_show", json!({"resource_id": rid}), Some(&outsider.token)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r) = app.post("resource_validation_run", json!({"resource_id": rid}), Some(&outsider.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
    w.stop(Duration::from_secs(5)).await;
});

backends!(foreign_keys_reach_other_resources_of_the_dataset, |app| async move {
    let w = workers(app);
    app.org("so-tk").await;
    app.dataset("so-tk", "tinh-va-dan-so", false).await;
    let up = |name: &'static str, file: &'static str, body: &'static str| async move {
        let (s, r) = upload(
            app,
            "resource_create",
            &[("package_id", "tinh-va-dan-so"), ("name", name), ("format", "CSV")],
            file,
            body.as_bytes().to_vec(),
            &app.admin,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        r["result"]["id"].as_str().unwrap().to_string()
    };
    let provinces = up("Tỉnh thành", "tinh.csv", "mã,tên\n01,Hà Nội\n79,Hồ Chí Minh\n").await;
    let people = up("Dân số", "dan-so.csv", "mã tỉnh,dân số\n01,8587100\n79,9521886\n48,1340000\n").await;
    let v1 = wait_validated(app, &provinces, None).await;
    let v2 = wait_validated(app, &people, None).await;
    // Each references the other (by Data Package name and by id): a cycle
    // between resources, which must neither hang nor recurse.
    let people_schema = json!({"fields": [{"name": "mã tỉnh", "type": "string"}, {"name": "dân số", "type": "integer"}],
        "foreignKeys": [{"fields": "mã tỉnh", "reference": {"resource": "tinh-thanh", "fields": "mã"}}]});
    let province_schema = json!({"fields": [{"name": "mã", "type": "string"}, {"name": "tên", "type": "string"}],
        "foreignKeys": [{"fields": "mã", "reference": {"resource": people.clone(), "fields": "mã tỉnh"}}]});
    // The provinces' schema first: its check reads the population table
    // typed by its inferred schema (codes as integers), so it may fail now.
    app.ok("resource_patch", json!({"id": provinces, "schema": province_schema}), &app.admin).await;
    let v1 = wait_validated(app, &provinces, v1["finished"].as_str()).await;
    app.ok("resource_patch", json!({"id": people, "schema": people_schema}), &app.admin).await;
    let v2 = wait_validated(app, &people, v2["finished"].as_str()).await;
    // A row error, as frictionless reports it (no single field).
    assert_eq!(kinds(&v2["report"]), [("foreign-key".into(), Some(4), None)], "{v2}");
    // The population table's new schema makes the provinces be checked
    // again (codes are text on both sides now): every province has people.
    let v1 = wait_validated(app, &provinces, v1["finished"].as_str()).await;
    assert_eq!(v1["status"], "success", "every province has a population row: {v1}");

    // The missing province arrives: the population table is checked again
    // by itself, and passes.
    let (s, r) = upload(
        app,
        "resource_patch",
        &[("id", &provinces)],
        "tinh.csv",
        "mã,tên\n01,Hà Nội\n79,Hồ Chí Minh\n48,Đà Nẵng\n".as_bytes().to_vec(),
        &app.admin,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let v2 = wait_validated(app, &people, v2["finished"].as_str()).await;
    assert_eq!(v2["status"], "success", "{v2}");

    // A reference to a resource the dataset does not have is a clear error.
    let bad = json!({"fields": [{"name": "mã tỉnh"}, {"name": "dân số"}],
        "foreignKeys": [{"fields": "mã tỉnh", "reference": {"resource": "khong-co", "fields": "mã"}}]});
    app.ok("resource_patch", json!({"id": people, "schema": bad}), &app.admin).await;
    let v2 = wait_validated(app, &people, v2["finished"].as_str()).await;
    assert_eq!(v2["status"], "error", "{v2}");
    assert!(v2["error"].as_str().unwrap().contains("khong-co"), "{v2}");
    w.stop(Duration::from_secs(5)).await;
});

backends!(publishers_edit_schemas_and_validate_again_through_forms, |app| async move {
    let w = workers(app);
    let rid = setup(app, "bieu-mau", false).await;
    let first = wait_validated(app, &rid, None).await;
    app.user("bien-tap").await;
    app.member("so-tk", "bien-tap", "editor").await;
    let base = format!("/dataset/bieu-mau/resource/{rid}");
    // Strangers are sent to log in; the editor sees the inferred schema's fields.
    let mut anon = crate::portal::Browser::new(app);
    let page = anon.get(&format!("{base}/schema")).await;
    assert!(page.status.is_redirection(), "{}", page.status);
    let mut b = crate::portal::Browser::new(app);
    b.login("bien-tap", crate::support::USER_PASSWORD).await;
    let form = b.get(&format!("{base}/schema")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("f2_minimum") && form.body.contains("dân số"), "{}", form.body);
    let csrf = form.csrf();
    // The advanced JSON as shown (unchanged), and rows: population ≥ 0 and required.
    let start = form.body.find("name=\"advanced\"").unwrap();
    let open = start + form.body[start..].find('>').unwrap() + 1;
    let close = open + form.body[open..].find("</textarea>").unwrap();
    let mut shown = form.body[open..close].to_string();
    for (entity, c) in [
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ] {
        shown = shown.replace(entity, c);
    }
    let r = b
        .post(
            &format!("{base}/schema"),
            &[
                ("_csrf", &csrf),
                ("advanced", &shown),
                ("f0_type", "integer"),
                ("f1_type", "string"),
                ("f1_format", "vn-admin-unit"),
                ("f2_type", "integer"),
                ("f2_required", "1"),
                ("f2_minimum", "0"),
                ("f3_type", "integer"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}: {}", r.status, r.body);
    assert!(r.location().ends_with(&format!("{base}/quality")), "{}", r.location());
    let v = wait_validated(app, &rid, first["finished"].as_str()).await;
    assert_eq!(v["schema_source"], "publisher", "{v}");
    assert_eq!(v["schema"]["fields"][2]["constraints"], json!({"required": true, "minimum": 0}), "{v}");
    assert_eq!(v["schema"]["fields"][1]["format"], "vn-admin-unit");
    let mut got: Vec<_> = kinds(&v["report"]).into_iter().map(|(t, r, _)| (t, r)).collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("constraint-error".to_string(), Some(5)),
            ("constraint-error".to_string(), Some(6)),
            ("extra-cell".to_string(), Some(7)),
            ("type-error".to_string(), Some(6)),
        ],
        "{v}"
    );
    // The report page lists them; "validate again" queues a run.
    let page = b.get(&format!("{base}/quality")).await;
    assert!(page.body.contains("Có lỗi") && page.body.contains("constraint-error"), "{}", page.body);
    let r = b.post(&format!("{base}/quality"), &[("_csrf", &page.csrf())]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    wait_validated(app, &rid, v["finished"].as_str()).await;
    // Bad JSON in the advanced part: the form again, with the error, and nothing saved.
    let form = b.get(&format!("{base}/schema")).await;
    let r = b.post(&format!("{base}/schema"), &[("_csrf", &form.csrf()), ("advanced", "{\"fields\": [")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("không phải JSON hợp lệ"), "{}", r.body);
    let shown = app.ok("resource_show", json!({"id": rid}), &app.admin).await;
    assert_eq!(shown["schema"]["fields"][2]["constraints"]["minimum"], 0);
    w.stop(Duration::from_secs(5)).await;
});

backends!(resources_written_through_package_actions_are_loaded_and_validated, |app| async move {
    let w = workers(app);
    // A table reached by a link (here: another dataset's upload on this
    // server), given through package_create as CKAN clients do.
    let source = setup(app, "nguon", false).await;
    let v = wait_validated(app, &source, None).await;
    let link = app.ok("resource_show", json!({"id": source}), &app.admin).await["url"].as_str().unwrap().to_string();
    let pkg = app
        .ok(
            "package_create",
            json!({"name": "qua-goi", "owner_org": "so-tk", "resources": [{"name": "Bảng", "url": link, "format": "CSV"}]}),
            &app.admin,
        )
        .await;
    let rid = pkg["resources"][0]["id"].as_str().unwrap().to_string();
    let linked = wait_validated(app, &rid, None).await;
    assert_eq!(linked["rows"], v["rows"], "{linked}");
    assert_eq!(linked["schema_source"], "inferred");
    // The package_show dictionary sent back through package_update keeps
    // the schema an inferred one, and queues nothing new.
    let mut doc = app.ok("package_show", json!({"id": "qua-goi"}), &app.admin).await;
    doc["notes"] = json!("Bảng lấy từ bộ dữ liệu nguồn.");
    let jobs_before = app.catalog.job_list(None, 1000).await.unwrap().len();
    let updated = app.ok("package_update", doc, &app.admin).await;
    assert_eq!(app.catalog.job_list(None, 1000).await.unwrap().len(), jobs_before, "no load or validation queued");
    assert_eq!(updated["resources"][0]["schema_source"], "inferred", "{updated}");
    let again = app.ok("resource_validation_show", json!({"resource_id": rid}), &app.admin).await;
    assert_eq!(again["finished"], linked["finished"], "no new validation: {again}");
    // A schema given through package_patch validates again.
    let mut doc = app.ok("package_show", json!({"id": "qua-goi"}), &app.admin).await;
    doc["resources"][0]["schema"] =
        json!({"fields": [{"name": "mã"}, {"name": "tỉnh"}, {"name": "dân số"}, {"name": "năm"}]});
    app.ok("package_patch", json!({"id": "qua-goi", "resources": doc["resources"]}), &app.admin).await;
    let patched = wait_validated(app, &rid, linked["finished"].as_str()).await;
    assert_eq!(patched["schema_source"], "publisher", "{patched}");
    w.stop(Duration::from_secs(5)).await;
});

backends!(only_the_latest_validation_request_runs, |app| async move {
    // No workers: the queue's bookkeeping alone.
    let rid = setup(app, "xep-hang", false).await;
    let store = app.catalog.store();
    let mut tx = store.write().await.unwrap();
    kho_store::validations::queue(&mut tx, &rid, "2026-11-25T01:00:00.000001").await.unwrap();
    kho_store::validations::queue(&mut tx, &rid, "2026-11-25T01:00:00.000002").await.unwrap();
    assert!(!kho_store::validations::start(&mut tx, &rid, "2026-11-25T01:00:00.000001").await.unwrap(), "superseded");
    assert!(kho_store::validations::start(&mut tx, &rid, "2026-11-25T01:00:00.000002").await.unwrap(), "the latest");
    tx.commit().await.unwrap();
    let v = app.ok("resource_validation_show", json!({"resource_id": rid}), &app.admin).await;
    assert_eq!(v["status"], "running", "{v}");
});
