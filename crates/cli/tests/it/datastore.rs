//! The datastore over HTTP on both databases: an uploaded table is loaded
//! in the background, then searched, queried with SQL and dumped in every
//! format, as CKAN's DataStore API does; private tables never leak; a
//! re-upload keeps the previous version readable, and a bad one leaves it
//! current.

use crate::backends;
use crate::resources::upload;
use crate::support::TestApp;
use kho_catalog::jobs::Workers;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Datastore and validation workers for a test app.
pub fn workers(app: &TestApp) -> Workers {
    crate::support::start_workers(app, |r| {
        kho_catalog::datastore::register_jobs(r);
        kho_catalog::validation::register_jobs(r);
    })
}

/// Waits until the resource's table has `version` (or its load job failed).
pub async fn wait_loaded(app: &TestApp, resource_id: &str, version: i64) -> Value {
    let started = Instant::now();
    loop {
        let (s, v) = app.post("datastore_info", json!({"id": resource_id}), Some(&app.admin)).await;
        if s == StatusCode::OK && v["result"]["meta"]["version"] == json!(version) {
            return v["result"].clone();
        }
        if s == StatusCode::OK && v["result"]["job"]["state"] == "failed" {
            return v["result"].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "table not loaded: {s} {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const CSV: &str = "Tỉnh;Mã;Dân số;Diện tích;Ngày;Đô thị\n\
Hà Nội;01;8.587.100;3.359,8;01/07/2025;có\n\
Huế;46;1.236.393;4.947,1;01/07/2025;có\n\
Lai Châu;12;482.100;9.068,8;;không\n\
Đà Nẵng;48;3.065.628;11.859,6;01/07/2025;có\n";

async fn table(app: &TestApp, dataset: &str, private: bool) -> String {
    if app.post("organization_show", json!({"id": "so-tk"}), None).await.0 != StatusCode::OK {
        app.org("so-tk").await;
    }
    app.dataset("so-tk", dataset, private).await;
    let (s, r) = upload(
        app,
        "resource_create",
        &[("package_id", dataset), ("name", "Dân số tỉnh")],
        "dan-so.csv",
        CSV.as_bytes().to_vec(),
        &app.admin,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r["result"]["id"].as_str().unwrap().to_string()
}

async fn search(app: &TestApp, body: Value, token: Option<&str>) -> (StatusCode, Value) {
    app.post("datastore_search", body, token).await
}

backends!(an_uploaded_table_is_loaded_searched_queried_and_dumped, |app| async move {
    let w = workers(app);
    let rid = table(app, "dan-so", false).await;
    let info = wait_loaded(app, &rid, 1).await;
    assert_eq!(info["meta"]["count"], 4, "{info}");
    let types: Vec<(String, String)> = info["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().into(), f["type"].as_str().unwrap().into()))
        .collect();
    let expect = [
        ("Tỉnh", "text"),
        ("Mã", "int"),
        ("Dân số", "int"),
        ("Diện tích", "numeric"),
        ("Ngày", "date"),
        ("Đô thị", "bool"),
    ];
    assert_eq!(types, expect.map(|(a, b)| (a.to_string(), b.to_string())));
    assert_eq!(info["meta"]["report"]["delimiter"], ";");
    assert_eq!(info["job"]["state"], "done");
    let (_, r) = app.post("resource_show", json!({"id": rid}), None).await;
    assert_eq!(r["result"]["datastore_active"], true);

    // Anonymous readers of a public table, CKAN's shapes.
    let (s, v) = search(app, json!({"resource_id": rid, "filters": {"Tỉnh": "Huế"}}), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r = &v["result"];
    assert_eq!(r["total"], 1);
    assert_eq!(
        r["records"][0],
        json!({"_id": 2, "Tỉnh": "Huế", "Mã": 46, "Dân số": 1236393, "Diện tích": 4947.1, "Ngày": "2025-07-01", "Đô thị": true})
    );
    assert_eq!(r["fields"][0], json!({"id": "_id", "type": "int"}));
    assert_eq!(r["limit"], 100);
    assert!(r["_links"]["next"].as_str().unwrap().contains("offset=100"));
    // Filters as a JSON string (GET), a list of values, sort, paging.
    let (_, v) = app
        .get(
            "datastore_search",
            &[
                ("resource_id", &rid),
                ("filters", r#"{"Đô thị": true}"#),
                ("sort", "\"Dân số\" desc"),
                ("limit", "2"),
                ("offset", "1"),
                ("fields", "Tỉnh,Dân số"),
            ],
            None,
        )
        .await;
    assert_eq!(v["result"]["total"], 3, "{v}");
    assert_eq!(
        v["result"]["records"],
        json!([{"Tỉnh": "Đà Nẵng", "Dân số": 3065628}, {"Tỉnh": "Huế", "Dân số": 1236393}])
    );
    let (_, v) = search(app, json!({"resource_id": rid, "filters": {"Mã": [1, 12]}, "records_format": "lists", "fields": ["Mã"], "sort": "Mã"}), None).await;
    assert_eq!(v["result"]["records"], json!([[1], [12]]));
    let (_, v) =
        search(app, json!({"resource_id": rid, "q": "nẵng", "records_format": "csv", "fields": "Tỉnh,Mã"}), None).await;
    assert_eq!(v["result"]["records"], "Đà Nẵng,48\n");
    let (_, v) = search(app, json!({"resource_id": rid, "q": {"Tỉnh": "hà"}, "include_total": false}), None).await;
    assert_eq!(v["result"]["records"].as_array().unwrap().len(), 1);
    assert!(v["result"].get("total").is_none());
    let (_, v) =
        search(app, json!({"resource_id": rid, "fields": ["Ngày"], "distinct": true, "sort": "Ngày"}), None).await;
    assert_eq!(v["result"]["records"], json!([{"Ngày": "2025-07-01"}, {"Ngày": null}]));
    // Mistakes get CKAN's validation errors, naming the problem.
    let (s, v) = search(app, json!({"resource_id": rid, "filters": {"không có": 1}}), None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["error"]["query"][0].as_str().unwrap().contains("không có"), "{v}");
    let (s, v) = search(app, json!({"resource_id": rid, "filters": {"Mã": "abc"}}), None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, _) = search(app, json!({"resource_id": "khong-ton-tai"}), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // SQL over the table, by resource id.
    let sql = format!(
        r#"SELECT "Đô thị" AS urban, SUM("Dân số") AS people, COUNT(*) AS n FROM "{rid}" GROUP BY 1 ORDER BY 1"#
    );
    let (s, v) = app.get("datastore_search_sql", &[("sql", &sql)], None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["result"]["records"],
        json!([{"urban": false, "people": 482100, "n": 1}, {"urban": true, "people": 12889121, "n": 3}])
    );
    assert_eq!(v["result"]["fields"][1]["id"], "people");
    let sub = format!(r#"SELECT "Tỉnh" FROM "{rid}" WHERE "Mã" IN (SELECT MAX("Mã") FROM "{rid}")"#);
    let (_, v) = app.post("datastore_search_sql", json!({"sql": sub}), None).await;
    assert_eq!(v["result"]["records"], json!([{"Tỉnh": "Đà Nẵng"}]));
    for bad in [
        format!(r#"DELETE FROM "{rid}""#),
        format!(r#"UPDATE "{rid}" SET "Mã" = 1"#),
        format!(r#"DROP TABLE "{rid}""#),
        format!(r#"SELECT 1; DELETE FROM "{rid}""#),
        format!(r#"COPY "{rid}" TO '/tmp/x.csv'"#),
        "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'".to_string(),
        "SELECT pg_read_file('/etc/passwd')".to_string(),
        "SELECT * FROM information_schema.tables".to_string(),
        "SELECT * FROM '/etc/passwd'".to_string(),
    ] {
        let (s, v) = app.post("datastore_search_sql", json!({"sql": bad}), Some(&app.admin)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{bad}: {v}");
        assert!(!v["error"]["query"][0].as_str().unwrap_or("").is_empty(), "{bad}: {v}");
    }
    // A query past the time limit is stopped with a clear message.
    let slow = "SELECT COUNT(*) FROM generate_series(1, 100000000000) a";
    let (s, v) = app.post("datastore_search_sql", json!({"sql": slow}), None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["error"]["query"][0].as_str().unwrap().contains("longer than the limit"), "{v}");

    // Dumps, streamed, in every format.
    let dump = |fmt: &str| {
        let url = format!("{}/datastore/dump/{rid}?format={fmt}", app.base);
        let client = app.client.clone();
        async move {
            let r = client.get(url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            (ct, r.bytes().await.unwrap().to_vec())
        }
    };
    let (ct, body) = dump("csv").await;
    assert!(ct.starts_with("text/csv"));
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.starts_with("_id,Tỉnh,Mã,Dân số,Diện tích,Ngày,Đô thị\n1,Hà Nội,1,8587100,3359.8,2025-07-01,true\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 5);
    let (_, body) = dump("tsv").await;
    assert!(String::from_utf8(body).unwrap().contains("3\tLai Châu\t12\t482100\t9068.8\t\tfalse\n"));
    let (_, body) = dump("json").await;
    let j: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(j["fields"][1], json!({"id": "Tỉnh", "type": "text"}));
    assert_eq!(j["records"][3], json!([4, "Đà Nẵng", 48, 3065628, 11859.6, "2025-07-01", true]));
    let (ct, body) = dump("parquet").await;
    assert_eq!(ct, "application/vnd.apache.parquet");
    assert!(body.starts_with(b"PAR1") && body.ends_with(b"PAR1"));
    let (_, body) = dump("xlsx").await;
    assert!(body.starts_with(b"PK"));
    let path = app.data_dir().join("dump.xlsx");
    std::fs::write(&path, &body).unwrap();
    let rows: Vec<Vec<String>> =
        kho_datastore::sheets::open_sheet(&path, None, Default::default()).unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(rows[0][1], "Tỉnh");
    assert_eq!(rows[2], ["2", "Huế", "46", "1236393", "4947.1", "2025-07-01", "true"]);
    // With a filter, and a format that does not exist.
    let r =
        app.client.get(format!("{}/datastore/dump/{rid}?format=csv&q=Huế&fields=Tỉnh", app.base)).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "Tỉnh\nHuế\n");
    let r = app.client.get(format!("{}/datastore/dump/{rid}?format=docx", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    w.stop(Duration::from_secs(5)).await;
});

backends!(private_tables_never_leak, |app| async move {
    let w = workers(app);
    let rid = table(app, "bi-mat", true).await;
    wait_loaded(app, &rid, 1).await;
    let outsider = app.user("nguoi-ngoai").await;
    let member = app.user("thanh-vien").await;
    app.member("so-tk", "thanh-vien", "member").await;
    for token in [None, Some(outsider.token.as_str())] {
        let (s, _) = search(app, json!({"resource_id": rid}), token).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.post("datastore_info", json!({"id": rid}), token).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        for sql in [
            format!(r#"SELECT * FROM "{rid}""#),
            format!(r#"SELECT COUNT(*) FROM "{rid}""#),
            format!(r#"SELECT 1 WHERE EXISTS (SELECT 1 FROM "{rid}")"#),
            format!(r#"WITH t AS (SELECT * FROM "{rid}") SELECT * FROM t"#),
            format!(r#"SELECT a.x FROM (SELECT 1 AS x) a JOIN "{rid}" b ON true"#),
        ] {
            let (s, v) = app.post("datastore_search_sql", json!({"sql": sql}), token).await;
            assert_eq!(s, StatusCode::CONFLICT, "{sql}: {v}");
            let msg = v["error"]["query"][0].as_str().unwrap();
            // The same words as for a table that does not exist.
            assert!(msg.contains("does not exist or you may not read it"), "{msg}");
            assert!(!v.to_string().contains("Hà Nội"));
        }
        let mut req = app.client.get(format!("{}/datastore/dump/{rid}", app.base));
        if let Some(t) = token {
            req = req.header("Authorization", t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(!r.text().await.unwrap().contains("Hà Nội"));
    }
    let (s, v) = search(app, json!({"resource_id": rid}), Some(&member.token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["total"], 4);
    let (s, _) = app
        .post("datastore_search_sql", json!({"sql": format!(r#"SELECT * FROM "{rid}""#)}), Some(&member.token))
        .await;
    assert_eq!(s, StatusCode::OK);
    // Members may read but not delete.
    let (s, _) = app.post("datastore_delete", json!({"resource_id": rid}), Some(&member.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    w.stop(Duration::from_secs(5)).await;
});

backends!(versions_survive_reuploads_bad_files_and_deletes, |app| async move {
    let w = workers(app);
    let rid = table(app, "phien-ban", false).await;
    wait_loaded(app, &rid, 1).await;
    // A new file: version 2, with the old one still readable.
    let v2 = "Tỉnh;Mã;Dân số\nHà Nội;01;8.700.000\nHuế;46;1.250.000\nCao Bằng;04;543.000\n";
    let (s, _) =
        upload(app, "resource_update", &[("id", &rid)], "dan-so-2026.csv", v2.as_bytes().to_vec(), &app.admin).await;
    assert_eq!(s, StatusCode::OK);
    let info = wait_loaded(app, &rid, 2).await;
    assert_eq!(info["meta"]["count"], 3);
    assert_eq!(info["versions"].as_array().unwrap().len(), 2);
    // What the new file changed: three columns gone; Hà Nội's and Huế's
    // rows are other rows now, two provinces went and one came.
    let changes = &info["versions"][0]["changes"];
    assert_eq!(changes["compared_with"], 1, "{changes}");
    assert_eq!(changes["columns_removed"], json!(["Diện tích", "Ngày", "Đô thị"]));
    assert_eq!(changes["columns_added"], json!([]));
    assert_eq!((changes["rows_before"].as_u64(), changes["rows_after"].as_u64()), (Some(4), Some(3)));
    assert_eq!((changes["rows_added"].as_u64(), changes["rows_removed"].as_u64()), (Some(3), Some(4)));
    assert_eq!(info["versions"][1]["changes"], Value::Null, "a first version has nothing to compare with");
    let (_, v) = search(app, json!({"resource_id": rid, "version": 1, "filters": {"Tỉnh": "Huế"}}), None).await;
    assert_eq!(v["result"]["records"][0]["Dân số"], 1236393, "{v}");
    let (_, v) = search(app, json!({"resource_id": rid, "filters": {"Tỉnh": "Huế"}}), None).await;
    assert_eq!(v["result"]["records"][0]["Dân số"], 1250000);
    // A bad file fails its job with a clear error; version 2 stays current.
    let (s, _) = upload(app, "resource_update", &[("id", &rid)], "rong.csv", b"\n\n\n".to_vec(), &app.admin).await;
    assert_eq!(s, StatusCode::OK);
    let started = Instant::now();
    let info = loop {
        let (_, v) = app.post("datastore_info", json!({"id": rid}), Some(&app.admin)).await;
        if v["result"]["job"]["state"] == "failed" {
            break v["result"].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(info["job"]["error"].as_str().unwrap().contains("blank"), "{info}");
    assert_eq!(info["meta"]["version"], 2);
    let (_, v) = search(app, json!({"resource_id": rid}), None).await;
    assert_eq!(v["result"]["total"], 3);
    // Deleting rows makes version 3; deleting the table drops them all.
    let (s, v) =
        app.post("datastore_delete", json!({"resource_id": rid, "filters": {"Tỉnh": "Huế"}}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["deleted"], 1);
    let (_, v) = search(app, json!({"resource_id": rid}), None).await;
    assert_eq!(v["result"]["total"], 2);
    assert_eq!(v["result"]["records"][1]["_id"], 3, "row ids stay as they were");
    let (_, info) = app.post("datastore_info", json!({"id": rid}), None).await;
    let changes = &info["result"]["versions"][0]["changes"];
    assert_eq!((changes["compared_with"].as_i64(), changes["rows_removed"].as_u64()), (Some(2), Some(1)), "{changes}");
    assert_eq!((changes["rows_added"].as_u64(), changes["rows_unchanged"].as_u64()), (Some(0), Some(2)));
    let (s, _) = app.post("datastore_delete", json!({"resource_id": rid}), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.post("datastore_delete", json!({"resource_id": rid}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = search(app, json!({"resource_id": rid}), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, r) = app.post("resource_show", json!({"id": rid}), None).await;
    assert_eq!(r["result"]["datastore_active"], false);
    w.stop(Duration::from_secs(5)).await;
});

backends!(ckanapi_pyarrow_and_duckdb_work_unchanged, |app| async move {
    let w = workers(app);
    let rid = table(app, "khach-hang", false).await;
    wait_loaded(app, &rid, 1).await;
    let args = vec![app.base.clone().into(), app.admin.clone().into(), rid.into(), app.data_dir().into()];
    crate::support::python_check("tests/datastore/check_clients.py", args, "ALL DATASTORE CLIENT CHECKS PASSED").await;
    w.stop(Duration::from_secs(5)).await;
});

backends!(datastore_create_and_upsert_as_ckan_clients_use_them, |app| async move {
    app.org("so-tk").await;
    app.dataset("so-tk", "api-table", false).await;
    // A table made through the API, with a new resource and a primary key.
    let (s, v) = app
        .post(
            "datastore_create",
            json!({"resource": {"package_id": "api-table", "name": "Trường học"},
                   "fields": [{"id": "ma", "type": "text"}, {"id": "ten", "type": "text"}, {"id": "hoc_sinh", "type": "int"},
                              {"id": "mo_cua", "type": "date", "info": {"label": "Ngày mở cửa"}}],
                   "primary_key": "ma",
                   "records": [{"ma": "A1", "ten": "Trường Chu Văn An", "hoc_sinh": 1200, "mo_cua": "1908-05-15"},
                               {"ma": "B2", "ten": "Trường Quốc Học", "hoc_sinh": 900}]}),
            Some(&app.admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rid = v["result"]["resource_id"].as_str().unwrap().to_string();
    assert_eq!(v["result"]["primary_key"], json!(["ma"]));
    let (_, r) = app.post("resource_show", json!({"id": rid}), None).await;
    assert_eq!(r["result"]["datastore_active"], true);
    // Upsert: one update (partial: the date stays), one insert.
    let (s, v) = app
        .post(
            "datastore_upsert",
            json!({"resource_id": rid, "records": [{"ma": "A1", "hoc_sinh": 1300}, {"ma": "C3", "ten": "Trường Lê Quý Đôn", "hoc_sinh": 700}]}),
            Some(&app.admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["result"]["updated"].clone(), v["result"]["inserted"].clone()), (json!(1), json!(1)));
    let (_, v) = search(app, json!({"resource_id": rid, "sort": "ma"}), None).await;
    assert_eq!(
        v["result"]["records"],
        json!([
            {"_id": 1, "ma": "A1", "ten": "Trường Chu Văn An", "hoc_sinh": 1300, "mo_cua": "1908-05-15"},
            {"_id": 2, "ma": "B2", "ten": "Trường Quốc Học", "hoc_sinh": 900, "mo_cua": null},
            {"_id": 3, "ma": "C3", "ten": "Trường Lê Quý Đôn", "hoc_sinh": 700, "mo_cua": null}
        ])
    );
    // insert of an existing key, update of a missing one, a bad value, an
    // unknown field: clear errors, and the table unchanged.
    for (method, records, words) in [
        ("insert", json!([{"ma": "A1"}]), "already exists"),
        ("update", json!([{"ma": "Z9", "hoc_sinh": 1}]), "no row has its key"),
        ("upsert", json!([{"ma": "B2", "hoc_sinh": "nhiều"}]), "does not fit"),
        ("upsert", json!([{"ma": "B2", "khong_co": 1}]), "not in the table"),
        ("upsert", json!([{"ten": "không khóa"}]), "needs the key"),
    ] {
        let (s, v) = app
            .post(
                "datastore_upsert",
                json!({"resource_id": rid, "method": method, "records": records}),
                Some(&app.admin),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{method}: {v}");
        assert!(v["error"]["records"][0].as_str().unwrap().contains(words), "{method}: {v}");
    }
    let (_, v) = app.post("datastore_info", json!({"id": rid}), None).await;
    assert_eq!(v["result"]["meta"]["count"], 3);
    assert_eq!(v["result"]["meta"]["version"], 2);
    assert_eq!(v["result"]["fields"][3]["info"]["label"], "Ngày mở cửa");
    // The upsert's version says what it did, by key.
    let changes = &v["result"]["versions"][0]["changes"];
    assert_eq!(changes["key"], json!(["ma"]), "{changes}");
    assert_eq!(
        (changes["rows_added"].as_u64(), changes["rows_changed"].as_u64(), changes["rows_unchanged"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    // A new field through datastore_create; a type change is refused.
    let (s, v) = app
        .post("datastore_create", json!({"resource_id": rid, "fields": [{"id": "quan", "type": "text"}], "records": [{"ma": "D4", "quan": "Ba Đình"}]}), Some(&app.admin))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app
        .post(
            "datastore_create",
            json!({"resource_id": rid, "fields": [{"id": "hoc_sinh", "type": "text"}]}),
            Some(&app.admin),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, v) = search(app, json!({"resource_id": rid, "filters": {"ma": "D4"}}), None).await;
    assert_eq!(v["result"]["records"][0]["quan"], "Ba Đình");
    assert_eq!(v["result"]["records"][0]["_id"], 4);
    // Writers need the dataset's update permission.
    let outsider = app.user("khach").await;
    let (s, _) = app
        .post(
            "datastore_upsert",
            json!({"resource_id": rid, "records": [{"ma": "A1", "hoc_sinh": 1}]}),
            Some(&outsider.token),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
});

/// The text of each `<td>` of the first column of the table view.
fn first_column(html: &str) -> Vec<String> {
    let body = html.split("<table class=\"datatable\">").nth(1).and_then(|t| t.split("</table>").next()).unwrap_or("");
    body.split("<tr>")
        .skip(2)
        .filter_map(|row| row.split("<td").nth(1))
        .filter_map(|cell| cell.split_once('>').map(|(_, rest)| rest.split("</td>").next().unwrap_or("").to_string()))
        .collect()
}

backends!(resource_page_shows_sorts_filters_and_charts_the_table, |app| async move {
    // Before any worker runs, the page says the table is waiting to load
    // (and previews the file meanwhile).
    let rid = table(app, "bang-xem-truoc", false).await;
    let page = format!("/dataset/bang-xem-truoc/resource/{rid}");
    let (s, _, html) = app.page(&page).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Bảng dữ liệu đang chờ nạp") && html.contains("role=\"status\""), "load progress");
    assert!(html.contains("preview-h"), "the file's own preview until the table exists");
    let w = workers(app);
    wait_loaded(app, &rid, 1).await;
    let (s, _, html) = app.page(&page).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(first_column(&html), ["Hà Nội", "Huế", "Lai Châu", "Đà Nẵng"], "table order");
    assert!(html.contains("aria-sort=\"none\""), "sortable headers");
    // Sorted by population, largest first; filtered to one province.
    let (_, _, html) = app.page(&format!("{page}?sort=D%C3%A2n+s%E1%BB%91&dir=desc")).await;
    assert_eq!(first_column(&html), ["Hà Nội", "Đà Nẵng", "Huế", "Lai Châu"]);
    assert!(html.contains("aria-sort=\"descending\""));
    let (_, _, html) = app.page(&format!("{page}?fcol=%C4%90%C3%B4+th%E1%BB%8B&fval=kh%C3%B4ng")).await;
    assert_eq!(first_column(&html), ["Lai Châu"]);
    // A bad filter value is said, not a failed page.
    let (s, _, html) = app.page(&format!("{page}?fcol=D%C3%A2n+s%E1%BB%91&fval=nhi%E1%BB%81u")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("does not fit"), "the filter's error is shown");
    // The default chart sums population by province, inline and accessible.
    let (_, _, html) = app.page(&page).await;
    assert!(html.contains("<svg") && html.contains("role=\"img\""), "inline chart");
    assert!(html.contains("Tổng Dân số theo Tỉnh"), "default chart title");
    assert!(html.contains("chart.svg?"), "embeddable URL");
    // The SVG URL: bar, pie, line and province map; English under /en.
    for kind in ["bar", "pie", "line", "map"] {
        let (s, ct, svg) =
            app.page(&format!("{page}/chart.svg?chart={kind}&x=T%E1%BB%89nh&y=D%C3%A2n+s%E1%BB%91")).await;
        assert_eq!(s, StatusCode::OK, "{kind}: {svg}");
        assert!(ct.starts_with("image/svg+xml"), "{kind}: {ct}");
        assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{kind}");
        assert!(svg.contains("<title") && svg.contains("<desc"), "{kind}: title and description");
        assert!(svg.contains("Hà Nội"), "{kind}: labels");
    }
    let (_, _, svg) = app.page(&format!("{page}/chart.svg?chart=map&x=M%C3%A3&agg=count")).await;
    assert!(svg.contains("Huế") && svg.contains("Đà Nẵng"), "province codes match provinces");
    let (_, _, svg) = app.page(&format!("/en{page}/chart.svg?x=T%E1%BB%89nh&agg=count")).await;
    assert!(svg.contains("Rows by Tỉnh"), "English title: {svg}");
    // A bad chart is a 4xx image that says why.
    let (s, ct, svg) = app.page(&format!("{page}/chart.svg?x=kh%C3%B4ng-c%C3%B3")).await;
    assert!(s.is_client_error() && ct.starts_with("image/svg+xml"), "{s} {ct}");
    assert!(svg.contains("không-có"), "{svg}");
    let (s, _, svg) = app.page(&format!("{page}/chart.svg?x=T%E1%BB%89nh&y=T%E1%BB%89nh&agg=sum")).await;
    assert!(s.is_client_error() && svg.contains("needs numbers"), "{s} {svg}");
    w.stop(Duration::from_secs(5)).await;
});

backends!(private_tables_never_show_in_pages_or_charts, |app| async move {
    let w = workers(app);
    let rid = table(app, "bang-rieng", true).await;
    wait_loaded(app, &rid, 1).await;
    let page = format!("/dataset/bang-rieng/resource/{rid}");
    let (s, _, html) = app.page(&page).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!html.contains("Lai Châu"));
    for q in ["", "?chart=map&x=T%E1%BB%89nh&y=D%C3%A2n+s%E1%BB%91", "?chart=pie&x=T%E1%BB%89nh"] {
        let (s, ct, svg) = app.page(&format!("{page}/chart.svg{q}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{q}");
        assert!(ct.starts_with("image/svg+xml"));
        assert!(!svg.contains("Lai Châu") && !svg.contains("482"), "{q}: {svg}");
    }
    // Named under another, public dataset, the resource is not found either.
    app.dataset("so-tk", "bang-cong-khai", false).await;
    let (s, _, svg) = app.page(&format!("/dataset/bang-cong-khai/resource/{rid}/chart.svg?x=T%E1%BB%89nh")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!svg.contains("Lai Châu"));
    w.stop(Duration::from_secs(5)).await;
});

/// A loopback HTTP server answering `GET /name` with `files[name]` (and
/// 500 for anything else); returns its base URL.
async fn file_server(files: Vec<(&'static str, &'static str)>) -> String {
    crate::support::loopback_http(move |req, sock| {
        let found = files.iter().find(|(name, _)| *name == req.target.trim_start_matches('/')).map(|(_, b)| *b);
        async move {
            match found {
                Some(body) => crate::support::reply(sock, "200 OK", "text/csv", body).await,
                None => crate::support::reply(sock, "500 Internal Server Error", "text/plain", "").await,
            }
        }
    })
    .await
}

backends!(linked_files_load_and_load_again_when_the_link_changes, |app| async move {
    let w = workers(app);
    let base = file_server(vec![
        ("v1.csv", "Tỉnh,Dân số\nHà Nội,8587100\nHuế,1236393\n"),
        ("v2.csv", "Tỉnh,Dân số\nHà Nội,8700000\nHuế,1250000\nCà Mau,2606672\n"),
    ])
    .await;
    app.org("so-tk").await;
    app.dataset("so-tk", "bang-lien-ket", false).await;
    let (s, v) = app
        .post(
            "resource_create",
            json!({"package_id": "bang-lien-ket", "name": "Dân số (liên kết)", "url": format!("{base}/v1.csv")}),
            Some(&app.admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rid = v["result"]["id"].as_str().unwrap().to_string();
    let info = wait_loaded(app, &rid, 1).await;
    assert_eq!(info["meta"]["count"], 2);
    // A new link loads again, as a new version with its changes.
    let (s, v) =
        app.post("resource_patch", json!({"id": rid, "url": format!("{base}/v2.csv")}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let info = wait_loaded(app, &rid, 2).await;
    assert_eq!(info["meta"]["count"], 3);
    assert_eq!(info["versions"][0]["changes"]["rows_added"], 3);
    // A link that answers 500 fails its job with the reason; version 2 stays.
    let (s, _) =
        app.post("resource_patch", json!({"id": rid, "url": format!("{base}/mat.csv")}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::OK);
    let started = Instant::now();
    let info = loop {
        let (_, v) = app.post("datastore_info", json!({"id": rid}), Some(&app.admin)).await;
        let job = &v["result"]["job"];
        // 5xx is retried (the server may come back): wait for the first error.
        if job["error"].as_str().is_some_and(|e| e.contains("500")) {
            break v["result"].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(info["job"]["error"].as_str().unwrap().contains("cannot fetch the linked file"), "{info}");
    assert_eq!(info["meta"]["version"], 2);
    let (_, v) = search(app, json!({"resource_id": rid, "filters": {"Tỉnh": "Cà Mau"}}), None).await;
    assert_eq!(v["result"]["records"][0]["Dân số"], 2606672);
    // A link that is not a table format is left alone.
    let (_, v) = app
        .post(
            "resource_create",
            json!({"package_id": "bang-lien-ket", "name": "Trang giới thiệu", "url": format!("{base}/gioi-thieu.html")}),
            Some(&app.admin),
        )
        .await;
    let page_id = v["result"]["id"].as_str().unwrap().to_string();
    let (s, _) = app.post("datastore_info", json!({"id": page_id}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    w.stop(Duration::from_secs(5)).await;
});

/// An XLSX workbook with one sheet (`sheet_xml`) and `extra` parts.
fn xlsx(sheet_xml: &str, extra: &[(&str, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let parts: Vec<(&str, Vec<u8>)> = vec![
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_vec(),
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec(),
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Bang" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_vec(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_vec(),
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml.as_bytes().to_vec()),
    ];
    for (name, body) in parts.iter().chain(extra) {
        w.start_file(*name, opts).unwrap();
        w.write_all(body).unwrap();
    }
    w.finish().unwrap().into_inner()
}

backends!(bad_files_over_http_fail_clearly_or_load_as_documented, |app| async move {
    let w = workers(app);
    let rid = table(app, "tep-xau", false).await;
    wait_loaded(app, &rid, 1).await;
    let mut version = 1;
    // Each file is a new upload of the same resource; the job's outcome is
    // checked, and the last good version stays readable.
    let upload_version = |name: &'static str, bytes: Vec<u8>| {
        let rid = rid.clone();
        async move {
            let (s, v) = upload(app, "resource_update", &[("id", &rid)], name, bytes, &app.admin).await;
            assert_eq!(s, StatusCode::OK, "{name}: {v}");
        }
    };
    let failed = |name: &'static str| {
        let rid = rid.clone();
        async move {
            let started = Instant::now();
            loop {
                let (_, v) = app.post("datastore_info", json!({"id": rid}), Some(&app.admin)).await;
                if v["result"]["job"]["state"] == "failed" {
                    return v["result"]["job"]["error"].as_str().unwrap_or_default().to_string();
                }
                assert!(started.elapsed() < Duration::from_secs(60), "{name}: {v}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    // A ZIP bomb: 20 MB of blanks packed a thousandfold, beside a sheet.
    let bomb = vec![b' '; 20_000_000];
    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row></sheetData></worksheet>"#;
    let file = xlsx(sheet, &[("xl/media/bom.xml", bomb)]);
    assert!(file.len() < 1_000_000, "the bomb is {} bytes", file.len());
    upload_version("bom.xlsx", file).await;
    let error = failed("bom.xlsx").await;
    assert!(error.contains("xl/media/bom.xml"), "the bomb is named: {error}");
    // The previous version is still the table.
    let (_, v) = search(app, json!({"resource_id": rid, "filters": {"Tỉnh": "Huế"}}), None).await;
    assert_eq!(v["result"]["records"][0]["Dân số"], 1236393, "{v}");
    // Formula cells give their stored values.
    let formulas = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>Tỉnh</t></is></c><c r="B1" t="inlineStr"><is><t>Dân số</t></is></c><c r="C1" t="inlineStr"><is><t>Gấp đôi</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>Huế</t></is></c><c r="B2"><v>1236393</v></c><c r="C2"><f>B2*2</f><v>2472786</v></c></row>
<row r="3"><c r="A3" t="inlineStr"><is><t>Cà Mau</t></is></c><c r="B3"><v>2606672</v></c><c r="C3"><f>B3*2</f><v>5213344</v></c></row>
</sheetData></worksheet>"#;
    upload_version("cong-thuc.xlsx", xlsx(formulas, &[])).await;
    version += 1;
    wait_loaded(app, &rid, version).await;
    let (_, v) = search(app, json!({"resource_id": rid, "filters": {"Tỉnh": "Cà Mau"}}), None).await;
    assert_eq!(v["result"]["records"][0]["Gấp đôi"], 5213344, "{v}");
    // 10,000 columns load.
    let header = (0..10_000).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
    let row = (0..10_000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    upload_version("rong.csv", format!("{header}\n{row}\n{row}\n").into_bytes()).await;
    version += 1;
    let info = wait_loaded(app, &rid, version).await;
    assert_eq!(info["fields"].as_array().unwrap().len(), 10_000);
    // Invalid UTF-8 and ragged rows load, as documented.
    upload_version("hong.csv", b"a,b\n1,\xff\xfe\n2,x,extra\n3\n".to_vec()).await;
    version += 1;
    let info = wait_loaded(app, &rid, version).await;
    assert_eq!(info["meta"]["count"], 3);
    let report = &info["meta"]["report"];
    let names: Vec<&str> = info["fields"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b", "column_3"], "a longer row adds a column: {info}");
    // Bytes that are not UTF-8 are read as Windows-1258 (ÿ, ₫), and the report says so.
    assert_eq!(report["encoding"], "windows-1258", "{report}");
    let (_, v) = search(app, json!({"resource_id": rid, "filters": {"a": 1}}), None).await;
    assert_eq!(v["result"]["records"][0]["b"], "ÿ₫", "{v}");
    // A table with no rows at all is an error, and the table stays.
    upload_version("trong.csv", Vec::new()).await;
    let error = failed("trong.csv").await;
    assert!(error.contains("empty"), "{error}");
    let (s, v) = search(app, json!({"resource_id": rid}), None).await;
    assert_eq!((s, v["result"]["total"].clone()), (StatusCode::OK, json!(3)));
    w.stop(Duration::from_secs(5)).await;
});
