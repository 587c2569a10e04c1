//! The data map harvested between Kho nodes: a national node gathers a
//! province's registry (its public entries, their agencies with their
//! parents, the dictionary elements it lacks), keeps its own entries and
//! the province's copies of them apart, follows edits and deletions,
//! changes nothing on a rerun, and keeps harvested entries read-only.
//! A source that answers garbage fails its run and writes nothing.

use crate::backends;
use crate::support::{Backend, TestApp, loopback_http, reply};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn backend_of(app: &TestApp) -> Backend {
    if app.database_url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite }
}

fn entry(name: &str, org: &str, extra: Value) -> Value {
    let mut v = json!({
        "name": name, "title": format!("Cơ sở dữ liệu {name}"), "owner_org": org, "class": "shared",
        "data_sharing": "shared", "data_importance": "important", "status": "operating",
        "message": "Khai báo lần đầu",
    });
    for (k, x) in extra.as_object().cloned().unwrap_or_default() {
        v[k] = x;
    }
    v
}

/// Creates and approves an entry (as the node's sysadmin).
async fn registered(app: &TestApp, e: Value) -> Value {
    let created = app.ok("datamap_database_create", e, &app.admin).await;
    app.ok("datamap_database_review", json!({"id": created["id"], "decision": "approve"}), &app.admin).await;
    created
}

/// Runs a harvest source in-process and returns its report.
async fn harvest(app: &TestApp, source: &str) -> Value {
    app.catalog.harvest_now(source).await.unwrap_or_else(|e| panic!("harvest {source}: {e}"))
}

fn stats(r: &Value) -> (i64, i64, i64, i64, i64) {
    assert_eq!(r["status"], "finished", "{r}");
    let s = &r["stats"];
    let n = |k: &str| s[k].as_i64().unwrap();
    (n("created"), n("updated"), n("deleted"), n("unchanged"), n("errored"))
}

async fn listed(app: &TestApp) -> Vec<(String, bool)> {
    let v = app.ok("datamap_database_list", json!({"limit": 1000}), &app.admin).await;
    let mut out: Vec<(String, bool)> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap().to_string(), d["harvested"].as_bool().unwrap()))
        .collect();
    out.sort();
    out
}

backends!(a_national_node_harvests_a_provincial_data_map, |nation| async move {
    let province = TestApp::start(backend_of(nation)).await;

    // The nation: its national population database and an element.
    nation
        .ok(
            "organization_create",
            json!({"name": "bo-cong-an", "title": "Bộ Công an", "agency_kind": "ministry"}),
            &nation.admin,
        )
        .await;
    nation
        .ok(
            "datamap_element_create",
            json!({"name": "ma-dinh-danh", "title": "Số định danh cá nhân (quốc gia)", "data_type": "string"}),
            &nation.admin,
        )
        .await;
    registered(nation, entry("csdl-dan-cu", "bo-cong-an", json!({"class": "national", "elements": ["ma-dinh-danh"]})))
        .await;

    // The province: a city and a department under it.
    province
        .ok(
            "organization_create",
            json!({"name": "da-nang", "title": "Thành phố Đà Nẵng", "agency_kind": "province", "agency_code": "48"}),
            &province.admin,
        )
        .await;
    province
        .ok(
            "organization_create",
            json!({"name": "so-y-te-da-nang", "title": "Sở Y tế Đà Nẵng", "agency_kind": "department", "parent": "da-nang"}),
            &province.admin,
        )
        .await;
    // It first harvests the nation's map, so it can name the national
    // database in its connections.
    province
        .ok(
            "harvest_source_create",
            json!({"name": "quoc-gia", "type": "datamap", "url": nation.base}),
            &province.admin,
        )
        .await;
    assert_eq!(stats(&harvest(&province, "quoc-gia").await), (1, 0, 0, 0, 0));
    // A name the province happens to use too, registered on the nation later.
    registered(nation, entry("csdl-trung-ten", "bo-cong-an", json!({}))).await;
    let copy = province.ok("datamap_database_show", json!({"id": "csdl-dan-cu"}), &province.admin).await;
    assert_eq!(copy["harvested"], true);
    assert_eq!(
        copy["harvest_source"]["original"],
        format!("{}/datamap/database/{}", nation.base, {
            let own = nation.ok("datamap_database_show", json!({"id": "csdl-dan-cu"}), &nation.admin).await;
            own["id"].as_str().unwrap().to_string()
        })
    );
    // Read-only where it was harvested, even for a sysadmin.
    let (status, v) = province
        .post(
            "datamap_database_patch",
            json!({"id": "csdl-dan-cu", "title": "Đổi", "message": "thử"}),
            Some(&province.admin),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("harvested"), "{v}");

    province
        .ok(
            "datamap_element_create",
            json!({"name": "ma-benh-an", "title": "Mã bệnh án điện tử", "data_type": "string"}),
            &province.admin,
        )
        .await;
    // An element whose master is the national database, which no
    // harvested entry connects to.
    province
        .ok(
            "datamap_element_create",
            json!({"name": "ma-can-cuoc", "title": "Số căn cước", "data_type": "string", "master": "csdl-dan-cu"}),
            &province.admin,
        )
        .await;
    registered(&province, entry("csdl-ho-tich-da-nang", "da-nang", json!({"sector": "Tư pháp"}))).await;
    registered(
        &province,
        entry(
            "csdl-benh-an-da-nang",
            "so-y-te-da-nang",
            json!({"sector": "Y tế", "elements": ["ma-dinh-danh", "ma-benh-an"],
                   "connections": [
                       {"database": "csdl-dan-cu", "direction": "in", "platform": "ndxp", "elements": ["ma-dinh-danh"]},
                       {"database": "csdl-ho-tich-da-nang", "direction": "both", "platform": "lgsp"}]}),
        ),
    )
    .await;
    registered(&province, entry("csdl-trung-ten", "da-nang", json!({}))).await;
    // Restricted entries stay on their node.
    registered(
        &province,
        entry(
            "csdl-noi-bo-da-nang",
            "da-nang",
            json!({"data_sharing": "private_use", "connections": [{"database": "csdl-ho-tich-da-nang", "direction": "in", "platform": "direct"}]}),
        ),
    )
    .await;
    registered(&province, entry("csdl-cot-loi-da-nang", "da-nang", json!({"data_importance": "core"}))).await;

    // The nation harvests the province.
    nation
        .ok(
            "harvest_source_create",
            json!({"name": "tinh-dn", "title": "Đà Nẵng", "type": "datamap", "url": province.base}),
            &nation.admin,
        )
        .await;
    let first = harvest(nation, "tinh-dn").await;
    assert_eq!(stats(&first), (3, 0, 0, 0, 0), "{first}");
    assert_eq!(
        listed(nation).await,
        vec![
            ("csdl-benh-an-da-nang".to_string(), true),
            ("csdl-dan-cu".to_string(), false),
            ("csdl-ho-tich-da-nang".to_string(), true),
            ("csdl-trung-ten".to_string(), false),
            ("csdl-trung-ten-tinh-dn".to_string(), true),
        ],
        "the province's copy of the national database is not brought back; a taken name gets the source's"
    );
    let source = nation.ok("harvest_source_show", json!({"id": "tinh-dn"}), &nation.admin).await;
    assert_eq!((source["type"].as_str(), source["databases"].as_i64()), (Some("datamap"), Some(3)));

    // The entry as harvested: its agency (created with its parent), its
    // elements, its connections to the national database and its sibling.
    let e = nation.ok("datamap_database_show", json!({"id": "csdl-benh-an-da-nang"}), &nation.admin).await;
    assert_eq!(e["organization"]["name"], "so-y-te-da-nang");
    assert_eq!(e["sector"], "Y tế");
    assert_eq!(e["elements"], json!(["ma-dinh-danh", "ma-benh-an"]));
    let mut conns: Vec<(String, String)> = e["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["database"].as_str().unwrap().into(), c["platform"].as_str().unwrap().into()))
        .collect();
    conns.sort();
    assert_eq!(conns, [("csdl-dan-cu".into(), "ndxp".into()), ("csdl-ho-tich-da-nang".into(), "lgsp".into())]);
    assert_eq!(e["harvest_source"]["name"], "tinh-dn");
    assert_eq!(e["review_state"], "approved");
    let dept = nation.ok("organization_show", json!({"id": "so-y-te-da-nang"}), &nation.admin).await;
    let city = nation.ok("organization_show", json!({"id": "da-nang"}), &nation.admin).await;
    assert_eq!(dept["parent_id"], city["id"], "{dept}");
    assert_eq!((city["agency_kind"].as_str(), city["agency_code"].as_str()), (Some("province"), Some("48")));
    // The national copy of the dictionary wins; what it lacked is added.
    let el = nation.ok("datamap_element_show", json!({"id": "ma-dinh-danh"}), &nation.admin).await;
    assert_eq!(el["title"], "Số định danh cá nhân (quốc gia)");
    let el = nation.ok("datamap_element_show", json!({"id": "ma-benh-an"}), &nation.admin).await;
    assert_eq!(el["title"], "Mã bệnh án điện tử");
    let el = nation.ok("datamap_element_show", json!({"id": "ma-can-cuoc"}), &nation.admin).await;
    assert_eq!(el["master"], "csdl-dan-cu", "a master kept here stays the master");
    // The national database now shows the province's connection to it.
    let national = nation.ok("datamap_database_show", json!({"id": "csdl-dan-cu"}), &nation.admin).await;
    assert!(
        national["connected"].as_array().unwrap().iter().any(|c| c["database"] == "csdl-benh-an-da-nang"),
        "{national}"
    );
    // Nothing restricted came across, by any name.
    let (_, _, page) = nation.page("/datamap").await;
    assert!(!page.contains("noi-bo") && !page.contains("cot-loi"));
    let all = nation.ok("datamap_database_list", json!({"q": "da nang"}), &nation.admin).await;
    assert!(!all.to_string().contains("noi-bo") && !all.to_string().contains("cot-loi"), "{all}");

    // Harvested entries are read-only on the nation too, and say where
    // they are edited.
    let (status, _) = nation
        .post(
            "datamap_database_patch",
            json!({"id": "csdl-ho-tich-da-nang", "sector": "Khác", "message": "x"}),
            Some(&nation.admin),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = nation
        .post("datamap_database_delete", json!({"id": "csdl-ho-tich-da-nang", "message": "x"}), Some(&nation.admin))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, page) = nation.page("/datamap/database/csdl-benh-an-da-nang").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("dm-harvested-note") && page.contains(&format!("{}/datamap/database/", province.base)),
        "{page}"
    );

    // A rerun changes nothing.
    assert_eq!(stats(&harvest(nation, "tinh-dn").await), (0, 0, 0, 3, 0));

    // The province edits one entry and removes another.
    let patched = province
        .ok(
            "datamap_database_patch",
            json!({"id": "csdl-ho-tich-da-nang", "title": "Cơ sở dữ liệu hộ tịch Đà Nẵng", "message": "Đặt lại tên"}),
            &province.admin,
        )
        .await;
    province.ok("datamap_database_review", json!({"id": patched["id"], "decision": "approve"}), &province.admin).await;
    let gone = province.ok("datamap_database_show", json!({"id": "csdl-trung-ten"}), &province.admin).await;
    province.ok("datamap_database_delete", json!({"id": gone["id"], "message": "Hợp nhất"}), &province.admin).await;
    province.ok("datamap_database_review", json!({"id": gone["id"], "decision": "approve"}), &province.admin).await;
    assert_eq!(stats(&harvest(nation, "tinh-dn").await), (0, 1, 1, 1, 0));
    let e = nation.ok("datamap_database_show", json!({"id": "csdl-ho-tich-da-nang"}), &nation.admin).await;
    assert_eq!(e["title"], "Cơ sở dữ liệu hộ tịch Đà Nẵng");
    let history =
        nation.ok("datamap_database_revision_list", json!({"id": "csdl-ho-tich-da-nang"}), &nation.admin).await;
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[0]["message"].as_str().unwrap().contains("Harvested from Đà Nẵng"), "{history:?}");
    assert_eq!(history[0]["changes"][0]["field"], "title", "{history:?}");
    let (status, _) = nation.post("datamap_database_show", json!({"id": "csdl-trung-ten-tinh-dn"}), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The nation's own entry of that name is untouched.
    nation.ok("datamap_database_show", json!({"id": "csdl-trung-ten"}), &nation.admin).await;

    // A published version holds the harvested entries.
    let v = nation.ok("datamap_version_publish", json!({"notes": "Tổng hợp"}), &nation.admin).await;
    assert_eq!(v["summary"]["databases"], 4, "{v}");

    // Deleting the source hands its entries to their agencies: editable again.
    let released = nation.ok("harvest_source_delete", json!({"id": "tinh-dn"}), &nation.admin).await;
    assert_eq!((released["databases"].as_i64(), released["deleted"].as_i64()), (Some(2), Some(0)), "{released}");
    let e = nation.ok("datamap_database_show", json!({"id": "csdl-ho-tich-da-nang"}), &nation.admin).await;
    assert_eq!(e["harvested"], false);
    nation
        .ok(
            "datamap_database_patch",
            json!({"id": "csdl-ho-tich-da-nang", "sector": "Tư pháp", "message": "Nhận lại"}),
            &nation.admin,
        )
        .await;
    // Deleting with clear removes a source's entries from the map.
    let cleared = province.ok("harvest_source_delete", json!({"id": "quoc-gia", "clear": true}), &province.admin).await;
    assert_eq!((cleared["databases"].as_i64(), cleared["deleted"].as_i64()), (Some(0), Some(1)), "{cleared}");
    let (status, _) = province.post("datamap_database_show", json!({"id": "csdl-dan-cu"}), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    province.finish().await;
});

backends!(a_data_map_source_answering_garbage_fails_and_writes_nothing, |app| async move {
    let remote = loopback_http(|req, sock| async move {
        if req.target.contains("organization_list") || req.target.contains("datamap_element_list") {
            reply(sock, "200 OK", "application/json", r#"{"success": true, "result": []}"#).await;
        } else if req.target.contains("offset=0") {
            // A first page that promises more than it gives.
            let e = json!({"id": "r1", "name": "csdl-mot", "title": "Một", "owner_org": "x", "class": "shared",
                           "data_sharing": "shared", "data_importance": "other", "status": "operating"});
            let body = json!({"success": true, "result": {"count": 2000, "results": [e]}}).to_string();
            reply(sock, "200 OK", "application/json", &body).await;
        } else {
            reply(sock, "200 OK", "application/json", "{\"success\": true, \"result\": {\"count\": 20").await;
        }
    })
    .await;
    app.ok("organization_create", json!({"name": "co-quan", "title": "Cơ quan"}), &app.admin).await;
    app.ok(
        "harvest_source_create",
        json!({"name": "hong", "type": "datamap", "url": remote, "organization": "co-quan"}),
        &app.admin,
    )
    .await;
    let r = harvest(app, "hong").await;
    assert_eq!(r["status"], "failed", "{r}");
    assert!(r["error"].as_str().unwrap().contains("not a JSON answer"), "{r}");
    let v = app.ok("datamap_database_list", json!({}), &app.admin).await;
    assert_eq!(v["count"], 0, "nothing of a failed run is written: {v}");
});
