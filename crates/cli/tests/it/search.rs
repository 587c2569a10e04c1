//! `package_search` from the outside: CKAN's result shape and parameters,
//! Vietnamese text analysis and ranking, permissions inside the index,
//! read-your-writes consistency, other processes' writes (CLI commands, a
//! second server over the same database) and refusal of bad queries.

use crate::support::{ServerProcess, TestApp, run_kho};
use crate::{backends, backends_bare};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// `package_search` through GET; its `result`, or a panic with the body.
async fn search(app: &TestApp, params: &[(&str, &str)], token: Option<&str>) -> Value {
    let (s, v) = app.get("package_search", params, token).await;
    assert_eq!(s, StatusCode::OK, "package_search {params:?}: {v}");
    assert_eq!(v["success"], true, "{v}");
    v["result"].clone()
}

/// The names of the results, in order.
fn names(result: &Value) -> Vec<String> {
    result["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {result}"))
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The names a search finds, sorted; checks `count` agrees with them.
fn sorted_names(result: &Value) -> Vec<String> {
    let mut n = names(result);
    assert_eq!(result["count"], json!(n.len()), "count and results disagree: {result}");
    n.sort();
    n
}

/// What an anonymous free-text / field query finds, sorted by name.
async fn found(app: &TestApp, q: &str) -> Vec<String> {
    sorted_names(&search(app, &[("q", q), ("rows", "100")], None).await)
}

/// What an anonymous filter query finds, sorted by name.
async fn filtered(app: &TestApp, fq: &str) -> Vec<String> {
    sorted_names(&search(app, &[("fq", fq), ("rows", "100")], None).await)
}

/// A search refused as CKAN refuses invalid input: 409, `Validation Error`.
async fn refused(app: &TestApp, params: &[(&str, &str)]) -> Value {
    let (s, v) = app.get("package_search", params, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{params:?} should be refused: {v}");
    assert_eq!(v["success"], false, "{v}");
    assert_eq!(TestApp::error_type(&v), "Validation Error", "{params:?}: {v}");
    v["error"].clone()
}

/// The same, with the parameters in a JSON body (for queries too long for a URL).
async fn refused_post(app: &TestApp, body: Value) -> Value {
    let (s, v) = app.post("package_search", body.clone(), None).await;
    assert_eq!(s, StatusCode::CONFLICT, "should be refused: {v}");
    assert_eq!(TestApp::error_type(&v), "Validation Error", "{v}");
    v["error"].clone()
}

/// Creates a dataset as the sysadmin.
async fn create(app: &TestApp, body: Value) -> Value {
    app.ok("package_create", body, &app.admin).await
}

fn list(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// `items` sorted, to compare with [`found`], [`filtered`] and [`sorted_names`].
fn set(items: &[&str]) -> Vec<String> {
    let mut v = list(items);
    v.sort();
    v
}

/// Two agencies, a theme and three datasets with every searchable field set.
async fn catalogue(app: &TestApp) {
    app.ok("organization_create", json!({"name": "so-gtvt", "title": "Sở Giao thông Vận tải"}), &app.admin).await;
    app.ok("organization_create", json!({"name": "so-tnmt", "title": "Sở Tài nguyên và Môi trường"}), &app.admin).await;
    app.ok("group_create", json!({"name": "giao-thong", "title": "Chủ đề giao thông"}), &app.admin).await;
    create(
        app,
        json!({"name": "tuyen-xe-buyt", "title": "Tuyến xe buýt Hà Nội", "notes": "Danh sách tuyến và điểm dừng",
               "owner_org": "so-gtvt", "license_id": "cc-by-4.0", "author": "Nguyễn Văn An",
               "tags": [{"name": "giao thông"}, {"name": "xe buýt"}], "groups": [{"name": "giao-thong"}],
               "extras": [{"key": "nguon", "value": "so-gtvt"}],
               "resources": [
                   {"url": "https://example.vn/tuyen.csv", "format": "csv", "name": "Bảng tuyến"},
                   {"url": "https://example.vn/tuyen.geojson", "format": "GeoJSON", "name": "Bản đồ tuyến"}]}),
    )
    .await;
    create(
        app,
        json!({"name": "chat-luong-khong-khi", "title": "Chất lượng không khí Đà Nẵng",
               "notes": "Chỉ số AQI hằng giờ", "owner_org": "so-tnmt", "license_id": "odc-odbl",
               "author": "Trần Thị Bình", "tags": [{"name": "môi trường"}],
               "extras": [{"key": "nguon", "value": "quan-trac"}],
               "resources": [{"url": "https://example.vn/aqi.json", "format": "JSON", "name": "Chỉ số AQI"}]}),
    )
    .await;
    create(
        app,
        json!({"name": "luong-mua", "title": "Lượng mưa Huế", "notes": "Số liệu đo mưa", "owner_org": "so-tnmt",
               "license_id": "cc-by-4.0", "tags": [{"name": "môi trường"}, {"name": "khí tượng"}]}),
    )
    .await;
}

const BUS: &str = "tuyen-xe-buyt";
const AIR: &str = "chat-luong-khong-khi";
const RAIN: &str = "luong-mua";

backends!(result_has_ckan_shape, |app| async move {
    catalogue(app).await;
    let facets = r#"["organization","groups","license_id","tags"]"#;
    let r = search(app, &[("facet.field", facets)], None).await;
    let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["count", "facets", "results", "search_facets", "sort"]), "{r}");
    assert_eq!(r["count"], 3);
    assert_eq!(r["sort"], "score desc, metadata_modified desc", "the default sort is echoed");

    // Results are package_show's dictionaries, and without `q` nothing is highlighted.
    for pkg in r["results"].as_array().unwrap() {
        let (_, shown) = app.get("package_show", &[("id", pkg["name"].as_str().unwrap())], None).await;
        assert_eq!(*pkg, shown["result"], "a result is the package_show dictionary");
    }

    // facets: {field: {value: count}}.
    assert_eq!(r["facets"]["organization"], json!({"so-tnmt": 2, "so-gtvt": 1}));
    assert_eq!(r["facets"]["groups"], json!({"giao-thong": 1}));
    assert_eq!(r["facets"]["license_id"], json!({"cc-by-4.0": 2, "odc-odbl": 1}));
    assert_eq!(r["facets"]["tags"], json!({"môi trường": 2, "giao thông": 1, "xe buýt": 1, "khí tượng": 1}));

    // search_facets: titles of agencies, themes and licences, most frequent first.
    let sf = &r["search_facets"];
    let sf_keys: BTreeSet<&str> = sf.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(sf_keys, BTreeSet::from(["groups", "license_id", "organization", "tags"]));
    assert_eq!(sf["organization"]["title"], "organization");
    assert_eq!(
        sf["organization"]["items"],
        json!([
            {"name": "so-tnmt", "display_name": "Sở Tài nguyên và Môi trường", "count": 2},
            {"name": "so-gtvt", "display_name": "Sở Giao thông Vận tải", "count": 1}
        ])
    );
    assert_eq!(
        sf["groups"],
        json!({"title": "groups", "items": [{"name": "giao-thong", "display_name": "Chủ đề giao thông", "count": 1}]})
    );
    assert_eq!(
        sf["license_id"]["items"],
        json!([
            {"name": "cc-by-4.0", "display_name": "Creative Commons Attribution 4.0", "count": 2},
            {"name": "odc-odbl", "display_name": "Open Data Commons Open Database License (ODbL)", "count": 1}
        ])
    );
    let tag_items = sf["tags"]["items"].as_array().unwrap();
    assert_eq!(tag_items.len(), 4);
    assert_eq!(tag_items[0], json!({"name": "môi trường", "display_name": "môi trường", "count": 2}));

    // Without facet.field the facet objects are empty; a given sort is echoed as sent.
    let r = search(app, &[("sort", "name asc")], None).await;
    assert_eq!(r["facets"], json!({}));
    assert_eq!(r["search_facets"], json!({}));
    assert_eq!(r["sort"], "name asc");
    assert_eq!(names(&r), list(&[AIR, RAIN, BUS]));
    // By id, as ckanext-harvest pages through a CKAN.
    let r = search(app, &[("sort", "id asc")], None).await;
    let ids: Vec<&str> = r["results"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!((ids.len(), &ids), (3, &sorted));
    let r = search(app, &[("sort", "id desc")], None).await;
    let first = r["results"][0]["id"].as_str().unwrap();
    assert_eq!(first, *sorted.last().unwrap());
});

backends!(matched_words_are_highlighted_and_escaped, |app| async move {
    app.org("so-gtvt").await;
    let created = create(
        app,
        json!({"name": "ban-do-duong-pho", "title": "Giao thông <Hà Nội> & vùng lân cận",
               "notes": "Bản đồ \"đường\" phố Hà Nội", "owner_org": "so-gtvt"}),
    )
    .await;
    let r = search(app, &[("q", "Hà Nội")], None).await;
    assert_eq!(r["count"], 1);
    let hit = &r["results"][0];
    assert_eq!(
        hit["highlight"],
        json!({
            "title": "Giao thông &lt;<mark>Hà</mark> <mark>Nội</mark>&gt; &amp; vùng lân cận",
            "notes": "Bản đồ &quot;đường&quot; phố <mark>Hà</mark> <mark>Nội</mark>"
        })
    );
    let mut plain = hit.clone();
    plain.as_object_mut().unwrap().remove("highlight");
    assert_eq!(plain, created, "apart from the highlight, a result is the dataset");
    // Folded query words mark the original spelling; only the matching field is highlighted.
    let r = search(app, &[("q", "duong")], None).await;
    assert_eq!(r["results"][0]["highlight"], json!({"notes": "Bản đồ &quot;<mark>đường</mark>&quot; phố Hà Nội"}));
    // A filter-only search has nothing to highlight.
    let r = search(app, &[("q", "organization:so-gtvt")], None).await;
    assert_eq!(r["count"], 1);
    assert!(r["results"][0].get("highlight").is_none(), "{r}");
});

backends!(free_text_and_field_clauses, |app| async move {
    catalogue(app).await;
    assert_eq!(found(app, "xe buýt").await, set(&[BUS]));
    assert_eq!(found(app, "khí").await, set(&[AIR, RAIN]), "title of one, tag of the other");
    assert_eq!(found(app, "title:khí").await, set(&[AIR]), "title: searches only titles");
    assert_eq!(found(app, "notes:AQI").await, set(&[AIR]));
    assert_eq!(found(app, "notes:Huế").await, Vec::<String>::new(), "Huế is in a title, not in notes");
    assert_eq!(found(app, "tags:\"môi trường\"").await, set(&[AIR, RAIN]));
    assert_eq!(found(app, "tags:\"khí tượng\"").await, set(&[RAIN]));
    assert_eq!(found(app, "organization:so-tnmt").await, set(&[AIR, RAIN]));
    assert_eq!(found(app, "name:luong-mua").await, set(&[RAIN]));
    assert_eq!(found(app, "res_format:CSV").await, set(&[BUS]), "formats are normalised: csv → CSV");
    assert_eq!(found(app, "res_format:JSON").await, set(&[AIR]));
    assert_eq!(found(app, "license_id:cc-by-4.0").await, set(&[BUS, RAIN]));
    assert_eq!(found(app, "groups:giao-thong").await, set(&[BUS]));
    assert_eq!(found(app, "res_name:\"Bản đồ\"").await, set(&[BUS]));
    assert_eq!(found(app, "author:Bình").await, set(&[AIR]));
    assert_eq!(found(app, "author:\"Nguyễn Văn An\"").await, set(&[BUS]));
    assert_eq!(found(app, "extras_nguon:quan-trac").await, set(&[AIR]));
    assert_eq!(found(app, "extras_nguon:so-gtvt").await, set(&[BUS]));
    assert_eq!(found(app, "metadata_modified:[2024-01-01T00:00:00Z TO *]").await, set(&[AIR, RAIN, BUS]));
    assert_eq!(found(app, "metadata_modified:[* TO 2020-01-01T00:00:00Z]").await, Vec::<String>::new());
    assert_eq!(found(app, "metadata_created:[NOW-1DAY TO *]").await, set(&[AIR, RAIN, BUS]));
    assert_eq!(found(app, "num_resources:[1 TO *]").await, set(&[AIR, BUS]));
    assert_eq!(found(app, "num_resources:[2 TO 2]").await, set(&[BUS]));
    assert_eq!(found(app, "num_resources:0").await, set(&[RAIN]));
    assert_eq!(found(app, "*:*").await, set(&[AIR, RAIN, BUS]));
    assert_eq!(found(app, "").await, set(&[AIR, RAIN, BUS]), "an empty q is everything");

    // Words are ANDed by default; OR, NOT, +/- and groups work as in Solr.
    assert_eq!(found(app, "xe buýt Đà Nẵng").await, Vec::<String>::new(), "every word must match");
    assert_eq!(found(app, "xe AND Nẵng").await, Vec::<String>::new());
    assert_eq!(found(app, "xe OR Nẵng").await, set(&[AIR, BUS]));
    assert_eq!(found(app, "môi -mưa").await, set(&[AIR]));
    assert_eq!(found(app, "môi NOT mưa").await, set(&[AIR]));
    assert_eq!(found(app, "+organization:so-tnmt -tags:\"khí tượng\"").await, set(&[AIR]));
    assert_eq!(found(app, "-organization:so-tnmt").await, set(&[BUS]), "a purely negative query");
    assert_eq!(found(app, "(title:Huế OR title:buýt) AND license_id:cc-by-4.0").await, set(&[RAIN, BUS]));
    assert_eq!(found(app, "tags:(\"xe buýt\" OR \"khí tượng\")").await, set(&[RAIN, BUS]));
    assert_eq!(found(app, "name:luong*").await, set(&[RAIN]), "a trailing * is a prefix");
    assert_eq!(found(app, "Nẵn*").await, set(&[AIR]));
    assert_eq!(found(app, "dataset_type:dataset organization:so-gtvt").await, set(&[BUS]));
});

backends!(filter_queries_in_solr_syntax, |app| async move {
    catalogue(app).await;
    assert_eq!(filtered(app, "organization:so-tnmt").await, set(&[AIR, RAIN]));
    assert_eq!(filtered(app, "tags:\"giao thông\"").await, set(&[BUS]));
    assert_eq!(filtered(app, "tags:giao").await, Vec::<String>::new(), "tags are exact values");
    assert_eq!(filtered(app, "res_format:CSV").await, set(&[BUS]));
    assert_eq!(filtered(app, "groups:giao-thong").await, set(&[BUS]));
    assert_eq!(filtered(app, "license_id:cc-by-4.0").await, set(&[BUS, RAIN]));
    assert_eq!(filtered(app, "+organization:so-tnmt +tags:\"khí tượng\"").await, set(&[RAIN]));
    assert_eq!(filtered(app, "organization:so-tnmt AND tags:\"khí tượng\"").await, set(&[RAIN]));
    assert_eq!(filtered(app, "-organization:so-tnmt").await, set(&[BUS]));
    assert_eq!(filtered(app, "organization:so-gtvt OR tags:\"khí tượng\"").await, set(&[RAIN, BUS]));
    assert_eq!(
        filtered(app, "(organization:so-gtvt OR license_id:odc-odbl) AND num_resources:[1 TO *]").await,
        set(&[AIR, BUS])
    );
    assert_eq!(filtered(app, "metadata_modified:[NOW-1DAY TO *]").await, set(&[AIR, RAIN, BUS]));
    assert_eq!(filtered(app, "metadata_modified:[* TO NOW-1DAY]").await, Vec::<String>::new());
    assert_eq!(filtered(app, "metadata_modified:[NOW-7DAYS/DAY TO NOW+1DAY]").await, set(&[AIR, RAIN, BUS]));
    assert_eq!(filtered(app, "+dataset_type:dataset").await, set(&[AIR, RAIN, BUS]), "CKAN's own fq");

    // q and fq together.
    let r = search(app, &[("q", "môi trường"), ("fq", "organization:so-tnmt")], None).await;
    assert_eq!(sorted_names(&r), set(&[AIR, RAIN]));
    let r = search(app, &[("q", "Đà Nẵng"), ("fq", "tags:\"khí tượng\"")], None).await;
    assert_eq!(sorted_names(&r), Vec::<String>::new());

    // fq_list, as a JSON-list string in a GET and as a list in a POST body, ANDed with fq.
    let r = search(app, &[("fq_list", r#"["organization:so-tnmt", "tags:\"khí tượng\""]"#)], None).await;
    assert_eq!(sorted_names(&r), set(&[RAIN]));
    let (s, v) = app
        .post(
            "package_search",
            json!({"fq_list": ["organization:so-tnmt", "num_resources:[1 TO *]"], "rows": 100}),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(sorted_names(&v["result"]), set(&[AIR]));
    let r = search(app, &[("fq", "license_id:cc-by-4.0"), ("fq_list", r#"["organization:so-tnmt"]"#)], None).await;
    assert_eq!(sorted_names(&r), set(&[RAIN]));
});

backends!(facet_parameters, |app| async move {
    catalogue(app).await;
    let tags = |r: &Value| r["facets"]["tags"].clone();
    let r = search(app, &[("facet.field", r#"["tags"]"#), ("facet.limit", "1")], None).await;
    assert_eq!(tags(&r), json!({"môi trường": 2}), "facet.limit keeps the most frequent");
    assert_eq!(r["search_facets"]["tags"]["items"].as_array().unwrap().len(), 1);
    let r = search(app, &[("facet.field", r#"["tags"]"#), ("facet.mincount", "2")], None).await;
    assert_eq!(tags(&r), json!({"môi trường": 2}));
    let r = search(app, &[("facet.field", r#"["tags","res_format"]"#), ("fq", "organization:so-tnmt")], None).await;
    assert_eq!(tags(&r), json!({"môi trường": 2, "khí tượng": 1}), "facets count what matched");
    assert_eq!(r["facets"]["res_format"], json!({"JSON": 1}));
    let r = search(app, &[("facet.field", r#"["tags"]"#), ("q", "Đà Nẵng")], None).await;
    assert_eq!(tags(&r), json!({"môi trường": 1}));
    let r = search(app, &[("facet.field", r#"["organization"]"#), ("rows", "0")], None).await;
    assert_eq!(r["results"], json!([]), "rows=0: facets only");
    assert_eq!(r["facets"]["organization"], json!({"so-tnmt": 2, "so-gtvt": 1}));

    // facet.field as a real list in a JSON body.
    let (s, v) =
        app.post("package_search", json!({"facet.field": ["license_id", "res_format"], "facet.limit": -1}), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["facets"]["license_id"], json!({"cc-by-4.0": 2, "odc-odbl": 1}));
    assert_eq!(v["result"]["facets"]["res_format"], json!({"CSV": 1, "GeoJSON": 1, "JSON": 1}));

    // facet.limit defaults to 50; -1 lifts the limit.
    let many: Vec<Value> = (0..60).map(|i| json!({"name": format!("nhan-{i:02}")})).collect();
    create(app, json!({"name": "nhieu-nhan", "owner_org": "so-gtvt", "tags": many})).await;
    let r = search(app, &[("facet.field", r#"["tags"]"#), ("fq", "name:nhieu-nhan")], None).await;
    let got = r["facets"]["tags"].as_object().unwrap();
    assert_eq!(got.len(), 50, "default facet.limit is 50");
    assert!(got.contains_key("nhan-00") && got.contains_key("nhan-49") && !got.contains_key("nhan-50"));
    let r =
        search(app, &[("facet.field", r#"["tags"]"#), ("fq", "name:nhieu-nhan"), ("facet.limit", "-1")], None).await;
    assert_eq!(r["facets"]["tags"].as_object().unwrap().len(), 60);
    assert_eq!(r["search_facets"]["tags"]["items"].as_array().unwrap().len(), 60);
});

backends!(rows_and_start_page_through_results, |app| async move {
    app.org("so-noi-vu").await;
    for i in 1..=12 {
        create(app, json!({"name": format!("ho-so-{i:02}"), "owner_org": "so-noi-vu"})).await;
    }
    let page = |rows: &'static str, start: &'static str| [("sort", "name asc"), ("rows", rows), ("start", start)];
    let r = search(app, &[("sort", "name asc")], None).await;
    assert_eq!(r["count"], 12);
    assert_eq!(names(&r).len(), 10, "rows defaults to 10");
    assert_eq!(names(&r)[0], "ho-so-01");
    let r = search(app, &page("3", "3"), None).await;
    assert_eq!(names(&r), list(&["ho-so-04", "ho-so-05", "ho-so-06"]));
    assert_eq!(r["count"], 12, "count is the total, not the page");
    let r = search(app, &page("5", "10"), None).await;
    assert_eq!(names(&r), list(&["ho-so-11", "ho-so-12"]));
    let r = search(app, &page("5", "12"), None).await;
    assert_eq!((r["count"].clone(), names(&r).len()), (json!(12), 0));
    let r = search(app, &page("0", "0"), None).await;
    assert_eq!((r["count"].clone(), names(&r).len()), (json!(12), 0));
    let r = search(app, &page("5000", "0"), None).await;
    assert_eq!(names(&r).len(), 12, "rows above the maximum is capped, not refused");
    let r = search(app, &page("1000000", "1000000000"), None).await;
    assert_eq!((r["count"].clone(), names(&r).len()), (json!(12), 0), "a start past the end is an empty page");
    // Numbers in a JSON body.
    let (s, v) = app.post("package_search", json!({"rows": 2, "start": 1, "sort": "name desc"}), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(names(&v["result"]), list(&["ho-so-11", "ho-so-10"]));
});

backends!(sort_orders, |app| async move {
    app.org("so-noi-vu").await;
    let res = |n: usize| -> Vec<Value> {
        (0..n).map(|i| json!({"url": format!("https://example.vn/{i}.csv"), "format": "CSV"})).collect()
    };
    // Created in name order; titles, resource counts and modification times in other orders.
    for (name, title, n) in [
        ("ds-1", "Cà Mau", 1),
        ("ds-2", "An Giang", 3),
        ("ds-3", "Đà Nẵng", 0),
        ("ds-4", "Bình Dương", 2),
        ("ds-5", "Huế", 2),
    ] {
        create(app, json!({"name": name, "title": title, "owner_org": "so-noi-vu", "resources": res(n)})).await;
    }
    app.ok("package_patch", json!({"id": "ds-1", "notes": "Cập nhật"}), &app.admin).await;
    let sorted = |r: &Value| names(r);
    for (sort, expected) in [
        ("", ["ds-1", "ds-5", "ds-4", "ds-3", "ds-2"]),
        ("name asc", ["ds-1", "ds-2", "ds-3", "ds-4", "ds-5"]),
        ("name desc", ["ds-5", "ds-4", "ds-3", "ds-2", "ds-1"]),
        ("title_string asc", ["ds-2", "ds-4", "ds-1", "ds-3", "ds-5"]),
        ("title_string desc", ["ds-5", "ds-3", "ds-1", "ds-4", "ds-2"]),
        ("metadata_modified desc", ["ds-1", "ds-5", "ds-4", "ds-3", "ds-2"]),
        ("metadata_modified asc", ["ds-2", "ds-3", "ds-4", "ds-5", "ds-1"]),
        ("metadata_created asc", ["ds-1", "ds-2", "ds-3", "ds-4", "ds-5"]),
        ("metadata_created desc", ["ds-5", "ds-4", "ds-3", "ds-2", "ds-1"]),
        ("num_resources desc, name asc", ["ds-2", "ds-4", "ds-5", "ds-1", "ds-3"]),
        ("num_resources asc, title_string desc", ["ds-3", "ds-1", "ds-5", "ds-4", "ds-2"]),
        ("num_resources desc,name desc", ["ds-2", "ds-5", "ds-4", "ds-1", "ds-3"]),
    ] {
        let r = search(app, &[("sort", sort)], None).await;
        assert_eq!(sorted(&r), list(&expected), "sort {sort:?}");
        let echoed = if sort.is_empty() { "score desc, metadata_modified desc" } else { sort };
        assert_eq!(r["sort"], echoed);
    }
    // Relevance first, then the tie-break: every dataset matches the
    // agency (a constant score), ds-5 matches "Huế" too.
    for (sort, expected) in [
        ("score desc, name asc", ["ds-5", "ds-1", "ds-2", "ds-3", "ds-4"]),
        ("score desc, name desc", ["ds-5", "ds-4", "ds-3", "ds-2", "ds-1"]),
    ] {
        let r = search(app, &[("q", "Huế OR organization:so-noi-vu"), ("sort", sort)], None).await;
        assert_eq!(names(&r), list(&expected), "sort {sort:?}");
    }
});

backends!(fl_limits_the_keys_of_results, |app| async move {
    catalogue(app).await;
    let r = search(app, &[("fl", "name,title"), ("sort", "name asc")], None).await;
    assert_eq!(
        r["results"],
        json!([
            {"name": AIR, "title": "Chất lượng không khí Đà Nẵng"},
            {"name": RAIN, "title": "Lượng mưa Huế"},
            {"name": BUS, "title": "Tuyến xe buýt Hà Nội"}
        ])
    );
    assert_eq!(r["count"], 3);
    let r = search(app, &[("fl", r#"["name","num_resources"]"#), ("q", "Hà Nội")], None).await;
    assert_eq!(r["results"], json!([{"name": BUS, "num_resources": 2}]), "only the listed keys, no highlight");
    let (s, v) = app.post("package_search", json!({"fl": ["id"], "q": "name:luong-mua"}), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let keys: Vec<&String> = v["result"]["results"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["id"]);
});

backends!(vietnamese_with_and_without_diacritics, |app| async move {
    app.org("so-du-lich").await;
    create(
        app,
        json!({"name": "giao-thong-thu-do", "title": "Bản đồ giao thông Hà Nội",
               "notes": "Các tuyến đường chính của thủ đô.", "owner_org": "so-du-lich"}),
    )
    .await;
    create(
        app,
        json!({"name": "du-lich-mien-trung", "title": "Điểm du lịch Đà Nẵng", "notes": "Bãi biển và danh thắng.",
               "owner_org": "so-du-lich"}),
    )
    .await;
    let capital = list(&["giao-thong-thu-do"]);
    let coast = list(&["du-lich-mien-trung"]);
    for q in ["ha noi", "Hà Nội", "HA NOI", "hà nội", "HÀ NỘI", "Ha Noi", "Ha\u{300} No\u{323}\u{302}i"] {
        assert_eq!(found(app, q).await, capital, "{q:?}");
    }
    for q in ["duong", "đường", "ĐƯỜNG", "thu do", "Thủ đô"] {
        assert_eq!(found(app, q).await, capital, "{q:?}");
    }
    for q in ["Đà Nẵng", "da nang", "DA NANG", "Da\u{300} Na\u{306}\u{303}ng", "dia diem du lich", "bai bien"] {
        let expected = if q == "dia diem du lich" { vec![] } else { coast.clone() };
        assert_eq!(found(app, q).await, expected, "{q:?}");
    }
    assert_eq!(found(app, "title:ha noi").await, capital, "field clauses fold too");
    assert_eq!(found(app, "notes:duong").await, capital);
});

backends!(ranking_prefers_exact_spelling_and_important_fields, |app| async move {
    app.org("so-nong-nghiep").await;
    // In each pair the dataset that should rank first is the older one, so
    // the tie-break (newest first) cannot be what puts it there.
    let pairs = [
        (
            "Hà Nội",
            json!({"name": "ban-do-mot", "title": "Bản đồ Hà Nội"}),
            json!({"name": "ban-do-hai", "title": "Bản đồ Hạ Nổi"}),
        ),
        (
            "Mekong",
            json!({"name": "tieu-de-mekong", "title": "Đồng bằng Mekong", "notes": "Số liệu thủy văn hằng năm"}),
            json!({"name": "mo-ta-mekong", "title": "Đồng bằng phía nam", "notes": "Số liệu Mekong hằng năm"}),
        ),
        (
            "xoài",
            json!({"name": "the-xoai", "title": "Nông sản miền Tây một", "tags": [{"name": "xoài"}],
                   "notes": "Sản lượng trái cây năm nay"}),
            json!({"name": "mo-ta-xoai", "title": "Nông sản miền Tây hai", "tags": [{"name": "trái cây"}],
                   "notes": "Sản lượng xoài năm nay"}),
        ),
        (
            "radar",
            json!({"name": "mo-ta-radar", "title": "Thời tiết một", "notes": "Ảnh radar thời tiết miền Bắc",
                   "resources": [{"url": "https://example.vn/a.png", "name": "Tệp ảnh thời tiết"}]}),
            json!({"name": "tep-radar", "title": "Thời tiết hai", "notes": "Ảnh mây thời tiết miền Bắc",
                   "resources": [{"url": "https://example.vn/b.png", "name": "Tệp radar thời tiết"}]}),
        ),
    ];
    for (_, first, second) in &pairs {
        for d in [first, second] {
            let mut d = d.clone();
            d["owner_org"] = json!("so-nong-nghiep");
            create(app, d).await;
        }
    }
    for (q, first, second) in &pairs {
        let r = search(app, &[("q", q)], None).await;
        assert_eq!(
            names(&r),
            vec![first["name"].as_str().unwrap().to_string(), second["name"].as_str().unwrap().to_string()],
            "{q:?}: exact beats folded; title > tags > notes > resources"
        );
    }
    // The other spelling reverses the first pair.
    let r = search(app, &[("q", "Hạ Nổi")], None).await;
    assert_eq!(names(&r), list(&["ban-do-hai", "ban-do-mot"]));
});

backends!(phrases_typos_and_stemming, |app| async move {
    app.org("so-thong-tin").await;
    for (name, title) in [
        ("cong-thong-tin", "Cổng dữ liệu mở quốc gia"),
        ("mo-cua-kho", "Mở cửa kho dữ liệu"),
        ("dan-so", "Population statistics"),
        ("mang-luoi", "Road network"),
        ("ban-do-lu", "Flood risk map"),
    ] {
        create(app, json!({"name": name, "title": title, "owner_org": "so-thong-tin"})).await;
    }
    assert_eq!(found(app, "\"dữ liệu mở\"").await, set(&["cong-thong-tin"]), "a phrase needs adjacent words");
    assert_eq!(found(app, "\"du lieu mo\"").await, set(&["cong-thong-tin"]));
    assert_eq!(found(app, "dữ liệu mở").await, set(&["cong-thong-tin", "mo-cua-kho"]), "words anywhere");
    assert_eq!(found(app, "title:\"mở cửa\"").await, set(&["mo-cua-kho"]));

    // One typo in words of five letters or more; none in shorter words.
    assert_eq!(found(app, "statistcs").await, set(&["dan-so"]));
    assert_eq!(found(app, "Populaton").await, set(&["dan-so"]));
    assert_eq!(found(app, "netwrok").await, set(&["mang-luoi"]), "a transposition is one edit");
    assert_eq!(found(app, "rood").await, Vec::<String>::new(), "four letters: no typo allowed");
    assert_eq!(found(app, "statisticsxx").await, Vec::<String>::new(), "two edits are too many");

    // English stemming.
    assert_eq!(found(app, "roads").await, set(&["mang-luoi"]));
    assert_eq!(found(app, "networks").await, set(&["mang-luoi"]));
    assert_eq!(found(app, "flooding").await, set(&["ban-do-lu"]));
    assert_eq!(found(app, "maps").await, set(&["ban-do-lu"]));
});

/// What `token` finds with the given switches, and the result.
async fn visible(app: &TestApp, token: Option<&str>, private: bool, drafts: bool) -> (Vec<String>, Value) {
    let p = if private { "true" } else { "false" };
    let d = if drafts { "true" } else { "false" };
    let r = search(
        app,
        &[
            ("include_private", p),
            ("include_drafts", d),
            ("rows", "100"),
            ("facet.field", r#"["organization","tags","capacity"]"#),
        ],
        token,
    )
    .await;
    (sorted_names(&r), r)
}

backends!(private_and_draft_datasets_never_leak_into_search, |app| async move {
    app.org("so-y-te").await;
    app.org("so-khac").await;
    let member = app.user("thanh-vien").await;
    app.member("so-y-te", "thanh-vien", "member").await;
    let writer = app.user("bien-tap").await;
    app.member("so-y-te", "bien-tap", "editor").await;
    let colleague = app.user("dong-nghiep").await;
    app.member("so-y-te", "dong-nghiep", "admin").await;
    let outsider = app.user("nguoi-ngoai").await;
    app.member("so-khac", "nguoi-ngoai", "admin").await;

    app.dataset("so-y-te", "a-cong-khai", false).await;
    create(
        app,
        json!({"name": "a-rieng-tu", "title": "Hồ sơ bệnh án", "owner_org": "so-y-te", "private": true,
               "tags": [{"name": "bí mật"}]}),
    )
    .await;
    app.ok(
        "package_create",
        json!({"name": "a-ban-nhap", "title": "Bản nháp", "owner_org": "so-y-te", "state": "draft",
               "tags": [{"name": "nháp"}]}),
        &writer.token,
    )
    .await;
    app.dataset("so-khac", "b-cong-khai", false).await;
    create(
        app,
        json!({"name": "b-rieng-tu", "title": "Hồ sơ nội bộ", "owner_org": "so-khac", "private": true,
               "tags": [{"name": "bí mật"}]}),
    )
    .await;
    app.dataset("so-y-te", "a-da-xoa", false).await;
    app.ok("package_delete", json!({"id": "a-da-xoa"}), &app.admin).await;

    let public = list(&["a-cong-khai", "b-cong-khai"]);
    let public_facets = |r: &Value| {
        assert_eq!(r["facets"]["capacity"], json!({"public": 2}), "{r}");
        assert_eq!(r["facets"]["organization"], json!({"so-y-te": 1, "so-khac": 1}), "{r}");
        assert_eq!(r["facets"]["tags"], json!({"thử nghiệm": 2}), "{r}");
    };
    for (private, drafts) in [(false, false), (true, false), (false, true), (true, true)] {
        let (seen, r) = visible(app, None, private, drafts).await;
        assert_eq!(seen, public, "anonymous, include_private={private} include_drafts={drafts}");
        public_facets(&r);
        // Searching for them by name finds nothing either.
        let r = search(
            app,
            &[("q", "Hồ sơ"), ("include_private", "true"), ("include_drafts", "true"), ("facet.field", r#"["tags"]"#)],
            None,
        )
        .await;
        assert_eq!((r["count"].clone(), r["facets"]["tags"].clone()), (json!(0), json!({})));
    }

    // A plain member of so-y-te: its private datasets only when asked, never drafts.
    let m = Some(member.token.as_str());
    assert_eq!(visible(app, m, false, false).await.0, public, "include_private defaults to false");
    let with_private = list(&["a-cong-khai", "a-rieng-tu", "b-cong-khai"]);
    assert_eq!(visible(app, m, true, false).await.0, with_private);
    let (seen, r) = visible(app, m, true, true).await;
    assert_eq!(seen, with_private, "a member does not see others' drafts");
    assert_eq!(r["facets"]["capacity"], json!({"public": 2, "private": 1}));
    assert_eq!(r["facets"]["organization"], json!({"so-y-te": 2, "so-khac": 1}));
    assert_eq!(r["facets"]["tags"], json!({"thử nghiệm": 2, "bí mật": 1}));

    // An admin of another organization sees that one's private datasets, not so-y-te's.
    let (seen, r) = visible(app, Some(&outsider.token), true, true).await;
    assert_eq!(seen, list(&["a-cong-khai", "b-cong-khai", "b-rieng-tu"]));
    assert_eq!(r["facets"]["organization"], json!({"so-y-te": 1, "so-khac": 2}));
    assert_eq!(r["facets"]["tags"], json!({"thử nghiệm": 2, "bí mật": 1}));
    assert_eq!(visible(app, Some(&outsider.token), false, false).await.0, public);

    // Drafts: with include_drafts, to their creator and the organization's editors and admins.
    let drafts = list(&["a-ban-nhap", "a-cong-khai", "b-cong-khai"]);
    for (who, token) in [("creator", &writer.token), ("admin of the organization", &colleague.token)] {
        assert_eq!(visible(app, Some(token), false, false).await.0, public, "{who}: include_drafts defaults to false");
        let (seen, r) = visible(app, Some(token), false, true).await;
        assert_eq!(seen, drafts, "{who}");
        assert_eq!(r["facets"]["tags"], json!({"thử nghiệm": 2, "nháp": 1}), "{who}");
        assert_eq!(
            visible(app, Some(token), true, true).await.0,
            list(&["a-ban-nhap", "a-cong-khai", "a-rieng-tu", "b-cong-khai"]),
            "{who}"
        );
    }

    // A sysadmin sees everything asked for, but never a deleted dataset.
    let admin = Some(app.admin.as_str());
    assert_eq!(visible(app, admin, false, false).await.0, public);
    assert_eq!(
        visible(app, admin, true, false).await.0,
        list(&["a-cong-khai", "a-rieng-tu", "b-cong-khai", "b-rieng-tu"])
    );
    let (seen, r) = visible(app, admin, true, true).await;
    assert_eq!(seen, list(&["a-ban-nhap", "a-cong-khai", "a-rieng-tu", "b-cong-khai", "b-rieng-tu"]));
    assert_eq!(r["facets"]["capacity"], json!({"public": 3, "private": 2}));
    assert_eq!(r["facets"]["organization"], json!({"so-y-te": 3, "so-khac": 2}));
    let r =
        search(app, &[("q", "name:a-da-xoa"), ("include_private", "true"), ("include_drafts", "true")], admin).await;
    assert_eq!(r["count"], 0, "deleted datasets are never found: {r}");

    // Making a public dataset private hides it from anonymous search at once.
    app.ok("package_patch", json!({"id": "a-cong-khai", "private": true}), &app.admin).await;
    let (seen, r) = visible(app, None, true, true).await;
    assert_eq!(seen, list(&["b-cong-khai"]));
    assert_eq!(r["facets"]["organization"], json!({"so-khac": 1}));
    assert_eq!(visible(app, m, true, false).await.0, with_private, "still visible to its members");
});

backends!(search_reflects_each_write_at_once, |app| async move {
    app.org("so-xay-dung").await;
    let q = |text: &'static str| [("q", text), ("facet.field", r#"["organization","res_format"]"#)];
    assert_eq!(search(app, &q("nhà ở xã hội"), None).await["count"], 0);
    create(app, json!({"name": "nha-o", "title": "Nhà ở xã hội", "owner_org": "so-xay-dung"})).await;
    assert_eq!(names(&search(app, &q("nhà ở xã hội"), None).await), list(&["nha-o"]), "after package_create");

    app.ok("package_patch", json!({"id": "nha-o", "title": "Công trình nhà ở"}), &app.admin).await;
    assert_eq!(names(&search(app, &q("công trình"), None).await), list(&["nha-o"]), "after package_patch");
    assert_eq!(search(app, &q("xã hội"), None).await["count"], 0, "the old title is gone");

    app.ok(
        "resource_create",
        json!({"package_id": "nha-o", "url": "https://example.vn/nha-o.xlsx", "format": "XLSX", "name": "Danh mục"}),
        &app.admin,
    )
    .await;
    let r = search(app, &[("fq", "res_format:XLSX"), ("facet.field", r#"["res_format"]"#)], None).await;
    assert_eq!(names(&r), list(&["nha-o"]), "after resource_create");
    assert_eq!(r["facets"]["res_format"], json!({"XLSX": 1}));
    assert_eq!(r["results"][0]["num_resources"], 1);
    assert_eq!(search(app, &q("res_name:\"Danh mục\""), None).await["count"], 1);

    app.ok("organization_patch", json!({"id": "so-xay-dung", "title": "Sở Xây dựng Thủ đô"}), &app.admin).await;
    let r = search(app, &q("công trình"), None).await;
    assert_eq!(r["search_facets"]["organization"]["items"][0]["display_name"], "Sở Xây dựng Thủ đô");
    assert_eq!(r["results"][0]["organization"]["title"], "Sở Xây dựng Thủ đô", "results carry the new title");
    assert_eq!(names(&search(app, &q("Thủ đô"), None).await), list(&["nha-o"]), "agency titles are searchable");

    app.ok("package_delete", json!({"id": "nha-o"}), &app.admin).await;
    let all = [("q", "công trình"), ("include_private", "true"), ("include_drafts", "true")];
    assert_eq!(search(app, &all, Some(&app.admin)).await["count"], 0, "after package_delete");

    create(app, json!({"name": "tam-thoi", "title": "Dữ liệu tạm thời", "owner_org": "so-xay-dung"})).await;
    assert_eq!(search(app, &q("tạm thời"), None).await["count"], 1);
    app.ok("dataset_purge", json!({"id": "tam-thoi"}), &app.admin).await;
    let all = [("q", "tạm thời"), ("include_private", "true"), ("include_drafts", "true")];
    assert_eq!(search(app, &all, Some(&app.admin)).await["count"], 0, "after dataset_purge");
});

backends!(bad_input_is_a_validation_error, |app| async move {
    catalogue(app).await;
    let deep = format!("{}ha{}", "(".repeat(50), ")".repeat(50));
    let many_or = (0..300).map(|i| format!("t{i}")).collect::<Vec<_>>().join(" OR ");
    let long = "a".repeat(100 * 1024);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("q", "(Hà Nội", "q"),
        ("q", "Hà Nội)", "q"),
        ("q", "\"dữ liệu", "q"),
        ("q", "nosuchfield:x", "q"),
        ("q", "/a+b/", "q"),
        ("q", &deep, "q"),
        ("q", &many_or, "q"),
        ("q", "metadata_modified:[hôm-qua TO *]", "q"),
        ("q", "num_resources:[một TO *]", "q"),
        ("q", "metadata_modified:[2024-01-01T00:00:00Z TO ", "q"),
        ("q", "tags:(a", "q"),
        ("q", "a AND", "q"),
        ("sort", "nosuchfield asc", "sort"),
        ("sort", "name sideways", "sort"),
        ("facet.field", r#"["nosuchfield"]"#, "facet.field"),
        ("facet.limit", "-2", "facet.limit"),
        ("facet.mincount", "-1", "facet.mincount"),
        ("rows", "-1", "rows"),
        ("rows", "mười", "rows"),
        ("start", "-5", "start"),
        ("include_private", "có lẽ", "include_private"),
        ("nosuchparam", "1", "nosuchparam"),
    ];
    for (key, value, field) in &cases {
        let e = refused(app, &[(key, value)]).await;
        let msgs = e[*field].as_array().unwrap_or_else(|| panic!("{key}={value:.80}: no error for {field}: {e}"));
        assert!(!msgs.is_empty() && msgs.iter().all(|m| m.as_str().is_some_and(|s| !s.is_empty())), "{e}");
    }
    // The same checks apply to fq.
    for fq in ["(organization:so-tnmt", "tags:\"môi trường", "nosuchfield:x", "/a+b/", &deep, &many_or] {
        refused(app, &[("fq", fq)]).await;
        refused(app, &[("fq_list", &serde_json::to_string(&[fq]).unwrap())]).await;
    }
    refused(app, &[("fq", "metadata_modified:[NOW-1FORTNIGHT TO *]")]).await;
    refused(app, &[("fq", "metadata_modified:[2024-13-45 TO *]")]).await;
    // The messages say what is wrong.
    let e = refused(app, &[("q", "(Hà Nội")]).await;
    assert!(e["q"][0].as_str().unwrap().contains("parenthes"), "{e}");
    let e = refused(app, &[("q", "nosuchfield:x")]).await;
    assert!(e["q"][0].as_str().unwrap().contains("nosuchfield"), "{e}");
    // 100 KB does not fit in a URL; clients POST such queries.
    let e = refused_post(app, json!({"q": long})).await;
    assert!(e["q"][0].as_str().unwrap().contains("characters"), "{e}");
    let e = refused_post(app, json!({"fq": long})).await;
    assert!(e["fq"][0].as_str().unwrap().contains("characters"), "{e}");
    let e = refused(app, &[("q", &many_or)]).await;
    assert!(e["q"][0].as_str().unwrap().contains("too many"), "{e}");

    // Solr's behaviour for a start past the end: an empty page, not an error.
    let r = search(app, &[("start", "1000000000")], None).await;
    assert_eq!((r["count"].clone(), r["results"].clone()), (json!(3), json!([])));
    // Limits on the edge are accepted.
    let ok_many = (0..200).map(|i| format!("t{i}")).collect::<Vec<_>>().join(" OR ");
    assert_eq!(search(app, &[("q", &ok_many)], None).await["count"], 0);
    let ok_deep = format!("{}Huế{}", "(".repeat(10), ")".repeat(10));
    assert_eq!(names(&search(app, &[("q", &ok_deep)], None).await), list(&[RAIN]));
    // CKAN's extension parameters are accepted.
    assert_eq!(search(app, &[("ext_bbox", "1,2,3,4"), ("q", "Huế")], None).await["count"], 1);
    // A body that is not an object is a bad request, not a server error.
    let resp = app
        .client
        .post(format!("{}/api/3/action/package_search", app.base))
        .header("Content-Type", "application/json")
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
});

// ---------------------------------------------------------------------
// Behaviour that needs exact CKAN/Solr semantics; kept apart so that one
// divergence does not hide the others.

backends!(filters_do_not_change_the_order_of_results, |app| async move {
    // In Solr, fq never scores and q=*:* scores every document alike, so
    // the default sort (score desc, metadata_modified desc) is newest first
    // whatever the filters and whoever asks.
    app.org("so-a").await;
    app.org("so-b").await;
    let member = app.user("thanh-vien").await;
    app.member("so-a", "thanh-vien", "member").await;
    create(app, json!({"name": "cu-mot-nhan", "owner_org": "so-a", "tags": [{"name": "nông nghiệp"}]})).await;
    let tags: Vec<Value> =
        ["nông nghiệp", "lúa gạo", "thủy sản", "cà phê", "hồ tiêu"].iter().map(|t| json!({"name": t})).collect();
    create(app, json!({"name": "moi-nhieu-nhan", "owner_org": "so-b", "tags": tags})).await;
    let newest_first = list(&["moi-nhieu-nhan", "cu-mot-nhan"]);
    let r = search(app, &[], None).await;
    assert_eq!(names(&r), newest_first, "no filter");
    let r = search(app, &[("fq", "tags:\"nông nghiệp\"")], None).await;
    assert_eq!(names(&r), newest_first, "an fq on tags must not rank datasets with fewer tags first");
    let r = search(app, &[("q", "tags:\"nông nghiệp\"")], None).await;
    assert_eq!(names(&r), newest_first, "tags are exact values: matching one scores alike, whatever the others");
    let r = search(app, &[], Some(&member.token)).await;
    assert_eq!(names(&r), newest_first, "a member's own organization must not rank first");
});

backends!(now_in_date_ranges_includes_the_current_second, |app| async move {
    app.org("so-a").await;
    create(app, json!({"name": "vua-tao", "owner_org": "so-a"})).await;
    // Modified a few milliseconds ago, so before NOW.
    assert_eq!(filtered(app, "metadata_modified:[* TO NOW]").await, set(&["vua-tao"]));
    assert_eq!(filtered(app, "metadata_modified:[NOW-1HOUR TO NOW]").await, set(&["vua-tao"]));
    assert_eq!(filtered(app, "metadata_created:{* TO NOW}").await, set(&["vua-tao"]));
});

backends!(author_and_res_name_clauses_search_only_their_field, |app| async move {
    app.org("so-a").await;
    create(
        app,
        json!({"name": "tac-gia", "owner_org": "so-a", "author": "Lê Văn Tám",
               "resources": [{"url": "https://example.vn/a.csv", "name": "Bảng tổng hợp"}]}),
    )
    .await;
    create(
        app,
        json!({"name": "bao-tri", "owner_org": "so-a", "author": "Phạm Thị Hoa", "maintainer": "Lê Văn Tám",
               "resources": [{"url": "https://example.vn/b.csv", "name": "Tệp", "description": "Bảng tổng hợp"}]}),
    )
    .await;
    assert_eq!(found(app, "author:\"Lê Văn Tám\"").await, set(&["tac-gia"]), "author: is not maintainer:");
    assert_eq!(found(app, "maintainer:\"Lê Văn Tám\"").await, set(&["bao-tri"]));
    assert_eq!(found(app, "author:\"Cơ quan so-a\"").await, Vec::<String>::new(), "nor the agency's title");
    assert_eq!(found(app, "author:Hoa").await, set(&["bao-tri"]));
    assert_eq!(found(app, "res_name:\"tổng hợp\"").await, set(&["tac-gia"]), "res_name: is not res_description:");
    assert_eq!(found(app, "res_description:\"tổng hợp\"").await, set(&["bao-tri"]));
});

backends!(an_overlong_query_is_refused_with_the_real_limit, |app| async move {
    // kho_search::query::MAX_QUERY_CHARS, as `help_show` documents it.
    let limit = 10_000;
    let (s, v) = app.post("package_search", json!({"q": "a".repeat(limit)}), None).await;
    assert_eq!((s, v["result"]["count"].clone()), (StatusCode::OK, json!(0)), "the limit itself is accepted: {v}");
    for n in [limit + 1, limit + 2, 100 * 1024] {
        let e = refused_post(app, json!({"q": "a".repeat(n)})).await;
        let msg = e["q"][0].as_str().unwrap_or_default();
        assert!(msg.contains(&limit.to_string()), "{n} characters: the message should state the limit {limit}: {msg}");
    }
});

// ---------------------------------------------------------------------
// Other processes.

/// `package_search` on a running server; (status, body).
async fn search_at(base: &str, params: &[(&str, &str)], token: Option<&str>) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().get(format!("{base}/api/3/action/package_search")).query(params);
    if let Some(t) = token {
        req = req.header("Authorization", t);
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap())
}

/// Polls a server's search, as the sysadmin, every 100 ms for up to 10 s
/// until `done` holds; the last result.
async fn poll_search(base: &str, token: &str, params: &[(&str, &str)], done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (s, v) = search_at(base, params, Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if done(&v["result"]) || Instant::now() > deadline {
            return v["result"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A sysadmin made with the CLI; their token.
fn cli_sysadmin(dir: &std::path::Path, url: &str) -> String {
    let (ok, _, err) = run_kho(dir, url, &["user", "add", "quan-tri", "--email", "qt@kho.test", "--sysadmin"], None);
    assert!(ok, "{err}");
    let (ok, out, err) = run_kho(dir, url, &["token", "issue", "quan-tri"], None);
    assert!(ok, "{err}");
    out.trim().to_string()
}

const EVERYTHING: [(&str, &str); 4] =
    [("include_private", "true"), ("include_drafts", "true"), ("rows", "1000"), ("sort", "name asc")];

backends_bare!(datasets_made_by_the_cli_become_searchable, |dir, url| async move {
    let server = ServerProcess::start(&dir, &url, &["--demo"]).await;
    let token = cli_sysadmin(&dir, &url);
    let (s, before) = search_at(&server.base, &EVERYTHING, Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{before}");
    let before_names: BTreeSet<String> = names(&before["result"]).into_iter().collect();
    let baseline = before["result"]["count"].as_u64().unwrap();
    assert!(baseline >= 12, "the demo catalogue is indexed at start: {baseline}");

    let (ok, _, err) = server.kho(&["demo", "generate", "--datasets", "5"], None);
    assert!(ok, "{err}");
    let after = poll_search(&server.base, &token, &EVERYTHING, |r| r["count"].as_u64() == Some(baseline + 5)).await;
    assert_eq!(after["count"].as_u64(), Some(baseline + 5), "the CLI's datasets are searchable within 10 s");
    let new: Vec<String> = names(&after).into_iter().filter(|n| !before_names.contains(n)).collect();
    assert_eq!(new.len(), 5, "{new:?}");
    // Each is found by its own title, too.
    for name in &new {
        let (_, shown) =
            search_at(&server.base, &[("q", &format!("name:{name}")), ("include_private", "true")], Some(&token)).await;
        let title = shown["result"]["results"][0]["title"].as_str().unwrap().to_string();
        let (_, by_title) = search_at(
            &server.base,
            &[("q", &format!("\"{title}\"")), ("include_private", "true"), ("rows", "1000")],
            Some(&token),
        )
        .await;
        assert!(names(&by_title["result"]).contains(name), "{name} by its title {title:?}");
    }
});

backends_bare!(a_second_server_over_the_same_database_follows_writes, |dir, url| async move {
    let token = cli_sysadmin(&dir, &url);
    let dir_a = dir.join("a");
    let dir_b = dir.join("b");
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    // The database URL is shared (for SQLite, the same file); each server
    // keeps its own index under its own data directory.
    let a = ServerProcess::start(&dir_a, &url, &[]).await;
    let b = ServerProcess::start(&dir_b, &url, &[]).await;
    let call = |base: String, action: &'static str, body: Value| {
        let token = token.clone();
        async move {
            let r = reqwest::Client::new()
                .post(format!("{base}/api/3/action/{action}"))
                .header("Authorization", token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let s = r.status();
            let v: Value = r.json().await.unwrap();
            assert_eq!(s, StatusCode::OK, "{action}: {v}");
            v["result"].clone()
        }
    };
    call(a.base.clone(), "organization_create", json!({"name": "so-a", "title": "Sở A"})).await;
    call(
        a.base.clone(),
        "package_create",
        json!({"name": "tu-may-a", "title": "Dữ liệu từ máy chủ A", "owner_org": "so-a", "tags": [{"name": "hai máy"}]}),
    )
    .await;
    let (_, on_a) = search_at(&a.base, &[("q", "máy chủ")], None).await;
    assert_eq!(names(&on_a["result"]), list(&["tu-may-a"]), "server A reads its own write at once");
    let q = [("q", "máy chủ"), ("facet.field", r#"["tags"]"#)];
    let on_b = poll_search(&b.base, &token, &q, |r| r["count"] == 1).await;
    assert_eq!(names(&on_b), list(&["tu-may-a"]), "server B sees A's dataset within 10 s");
    assert_eq!(on_b["facets"]["tags"], json!({"hai máy": 1}));

    // Changes and deletions travel the same way, in both directions.
    call(b.base.clone(), "package_patch", json!({"id": "tu-may-a", "title": "Sửa trên máy B"})).await;
    let on_a = poll_search(&a.base, &token, &[("q", "máy B")], |r| r["count"] == 1).await;
    assert_eq!(names(&on_a), list(&["tu-may-a"]), "server A sees B's change");
    call(a.base.clone(), "package_delete", json!({"id": "tu-may-a"})).await;
    let on_b = poll_search(&b.base, &token, &[("q", "máy B"), ("include_drafts", "true")], |r| r["count"] == 0).await;
    assert_eq!(on_b["count"], 0, "server B drops A's deleted dataset");
});

backends_bare!(rows_are_capped_at_1000, |dir, url| async move {
    let (ok, _, err) = run_kho(&dir, &url, &["demo", "generate", "--datasets", "1005"], None);
    assert!(ok, "{err}");
    let token = cli_sysadmin(&dir, &url);
    // The index is built from the database when the server starts.
    let server = ServerProcess::start(&dir, &url, &[]).await;
    let (s, v) = search_at(&server.base, &[("rows", "5000"), ("include_private", "true")], Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["count"], 1005);
    assert_eq!(v["result"]["results"].as_array().unwrap().len(), 1000, "rows is capped at 1000 without an error");
    let (_, v) =
        search_at(&server.base, &[("rows", "1000"), ("start", "1000"), ("include_private", "true")], Some(&token))
            .await;
    assert_eq!(v["result"]["results"].as_array().unwrap().len(), 5);
});

backends_bare!(reindex_beside_a_running_server_and_repair_at_start, |dir, url| async move {
    let server = ServerProcess::start(&dir, &url, &["--demo"]).await;
    let token = cli_sysadmin(&dir, &url);
    let (_, before) = search_at(&server.base, &EVERYTHING, Some(&token)).await;
    let expected = names(&before["result"]);
    assert!(expected.len() >= 12, "{before}");
    let generation = |dir: &std::path::Path| std::fs::read_to_string(dir.join("index/CURRENT")).unwrap();
    let old_generation = generation(&dir);

    // A rebuild by the CLI while the server runs: the server moves to it.
    let (ok, _, err) = server.kho(&["search", "reindex"], None);
    assert!(ok, "{err}");
    assert!(err.contains("indexed") && err.contains("Đã lập chỉ mục"), "the summary says what was done: {err}");
    let new_generation = generation(&dir);
    assert_ne!(new_generation, old_generation);
    let deadline = Instant::now() + Duration::from_secs(10);
    while dir.join("index").join(old_generation.trim()).exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!dir.join("index").join(old_generation.trim()).exists(), "the server switched and removed the old index");
    let (_, after) = search_at(&server.base, &EVERYTHING, Some(&token)).await;
    assert_eq!(names(&after["result"]), expected, "the rebuilt index answers the same");
    // Writes after the switch are indexed by the new generation.
    let r = reqwest::Client::new()
        .post(format!("{}/api/3/action/package_patch", server.base))
        .header("Authorization", &token)
        .json(&json!({"id": "tuyen-xe-buyt-ha-noi", "title": "Tuyến xe buýt Thủ đô sau lập chỉ mục"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, found) = search_at(&server.base, &[("q", "\"sau lập chỉ mục\"")], Some(&token)).await;
    assert_eq!(names(&found["result"]), ["tuyen-xe-buyt-ha-noi"], "{found}");
    drop(server);

    // A damaged index (every file of the current generation truncated) is
    // noticed at start and rebuilt from the database.
    let current = dir.join("index").join(generation(&dir).trim());
    for entry in std::fs::read_dir(&current).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        std::fs::write(entry.path(), b"broken").unwrap();
    }
    let server = ServerProcess::start(&dir, &url, &[]).await;
    let (s, repaired) = search_at(&server.base, &EVERYTHING, Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{repaired}");
    assert_eq!(names(&repaired["result"]), expected, "rebuilt from the database after damage");
    drop(server);

    // A missing index likewise.
    std::fs::remove_dir_all(dir.join("index")).unwrap();
    let server = ServerProcess::start(&dir, &url, &[]).await;
    let (_, rebuilt) = search_at(&server.base, &EVERYTHING, Some(&token)).await;
    assert_eq!(names(&rebuilt["result"]), expected, "rebuilt from the database when missing");

    // Two servers on one index directory: the second refuses and says why.
    let (ok, _, err) = server.kho(&["serve", "--bind", "127.0.0.1:0"], None);
    assert!(!ok && err.contains("KHO_INDEX_DIR"), "{err}");
});

backends!(autocomplete_and_resource_search, |app| async move {
    catalogue(app).await;
    create(
        app,
        json!({"name": "mat-tuyen", "title": "Tuyến xe buýt nội bộ", "owner_org": "so-gtvt", "private": true,
               "tags": [{"name": "giao thông nội bộ"}],
               "resources": [{"url": "https://example.vn/bi-mat.csv", "format": "CSV", "name": "Bảng bí mật"}]}),
    )
    .await;

    // package_autocomplete: words of the title as typed, the last one as a prefix, diacritics optional.
    for typed in ["tuyen xe b", "Tuyến xe", "TUYEN"] {
        let (s, v) = app.get("package_autocomplete", &[("q", typed)], None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            v["result"],
            json!([{"match_field": "title", "match_displayed": "Tuyến xe buýt Hà Nội", "name": BUS,
                    "title": "Tuyến xe buýt Hà Nội"}]),
            "{typed}: the private dataset is not offered to anonymous callers"
        );
    }
    let (_, v) = app.get("package_autocomplete", &[("q", "tuyen"), ("limit", "5")], Some(&app.admin)).await;
    assert_eq!(v["result"].as_array().unwrap().len(), 1, "private datasets need include_private, as in search");
    let (_, v) = app.get("package_autocomplete", &[("q", "khong co gi")], None).await;
    assert_eq!(v["result"], json!([]));
    let (s, v) = app.get("package_autocomplete", &[("q", "tuyen"), ("limit", "-1")], None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // tag_autocomplete: names containing the query, of visible datasets only.
    let (_, v) = app.get("tag_autocomplete", &[("query", "giao")], None).await;
    assert_eq!(v["result"], json!(["giao thông"]), "the private dataset's tag stays hidden");
    let (_, v) = app.get("tag_autocomplete", &[("q", "môi")], None).await;
    assert_eq!(v["result"], json!(["môi trường"]));
    // Case folds for Vietnamese capitals on both backends (SQLite's own lower() is ASCII-only).
    app.ok("package_patch", json!({"id": RAIN, "tags": [{"name": "Đường Thủy"}]}), &app.admin).await;
    let (_, v) = app.get("tag_autocomplete", &[("q", "ĐƯỜNG thủy")], None).await;
    assert_eq!(v["result"], json!(["Đường Thủy"]), "{v}");

    // resource_search: field:term, case-insensitive, public datasets only, CKAN's {count, results}.
    let (s, v) = app.get("resource_search", &[("query", "format:csv")], None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["count"], 1, "the private dataset's CSV is not found: {v}");
    assert_eq!(v["result"]["results"][0]["name"], "Bảng tuyến");
    let (_, v) =
        app.post("resource_search", json!({"query": ["name:tuyến", "format:geojson"]}), Some(&app.admin)).await;
    assert_eq!(v["result"]["count"], 1, "{v}");
    assert_eq!(v["result"]["results"][0]["name"], "Bản đồ tuyến");
    let (_, v) = app.get("resource_search", &[("query", "name:tuy"), ("order_by", "name"), ("limit", "1")], None).await;
    assert_eq!(v["result"]["results"].as_array().unwrap().len(), 1);
    assert_eq!(v["result"]["count"], 2, "{v}");
    assert_eq!(v["result"]["results"][0]["name"], "Bản đồ tuyến", "ordered by name");
    for bad in ["nosuchfield:x", "no colon"] {
        let (s, v) = app.get("resource_search", &[("query", bad)], None).await;
        assert_eq!(s, StatusCode::CONFLICT, "{bad}: {v}");
        assert_eq!(TestApp::error_type(&v), "Validation Error");
    }
});

backends_bare!(an_index_behind_the_pruned_feed_is_rebuilt, |dir, url| async move {
    let server = ServerProcess::start(&dir, &url, &["--demo"]).await;
    let token = cli_sysadmin(&dir, &url);
    let (_, before) = search_at(&server.base, &EVERYTHING, Some(&token)).await;
    let expected = names(&before["result"]);
    drop(server);

    // Pruning drops old feed entries and reports the highest one dropped.
    let store = kho_store::Store::connect(&url, &Default::default()).await.unwrap();
    let mut tx = store.write().await.unwrap();
    let pruned = kho_store::search_feed::prune(&mut tx, "9999-12-31T00:00:00").await.unwrap();
    assert!(pruned >= 12, "the demo's changes were in the feed: {pruned}");
    assert!(kho_store::search_feed::since(&mut tx, 0, 10).await.unwrap().is_empty());
    use kho_store::search_feed::pruned_through;
    assert_eq!(pruned_through(&mut tx).await.unwrap(), pruned, "pruning records how far it went");
    // One more change, written and pruned while this server was away: the
    // index has now applied less than the feed has lost.
    kho_store::search_feed::record(&mut tx, "an-unseen-dataset").await.unwrap();
    let later = kho_store::search_feed::prune(&mut tx, "9999-12-31T00:00:00").await.unwrap();
    assert!(later > pruned);
    assert_eq!(pruned_through(&mut tx).await.unwrap(), later);
    assert_eq!(kho_store::search_feed::prune(&mut tx, "9999-12-31T00:00:00").await.unwrap(), 0, "nothing left");
    assert_eq!(pruned_through(&mut tx).await.unwrap(), later, "an empty prune keeps the mark");
    tx.commit().await.unwrap();
    store.close().await;

    // The index has applied less than was pruned, so it may have missed
    // changes: the server rebuilds it from the database at start.
    let generation = std::fs::read_to_string(dir.join("index/CURRENT")).unwrap();
    let server = ServerProcess::start(&dir, &url, &[]).await;
    assert_ne!(std::fs::read_to_string(dir.join("index/CURRENT")).unwrap(), generation, "a new generation");
    let (_, after) = search_at(&server.base, &EVERYTHING, Some(&token)).await;
    assert_eq!(names(&after["result"]), expected);
    drop(server);

    // The rebuilt index counts the pruned entries as applied: the next start keeps it.
    let rebuilt = std::fs::read_to_string(dir.join("index/CURRENT")).unwrap();
    let server = ServerProcess::start(&dir, &url, &[]).await;
    assert_eq!(std::fs::read_to_string(dir.join("index/CURRENT")).unwrap(), rebuilt, "no second rebuild");
    let (_, again) = search_at(&server.base, &EVERYTHING, Some(&token)).await;
    assert_eq!(names(&again["result"]), expected);
});

backends!(facet_titles_follow_renamed_agencies, |app| async move {
    app.org("so-y-te").await;
    app.dataset("so-y-te", "mot", false).await;
    let titles = |v: serde_json::Value| {
        v["search_facets"]["organization"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["display_name"].clone())
            .collect::<Vec<_>>()
    };
    let q = serde_json::json!({"facet.field": ["organization"]});
    assert_eq!(titles(app.ok("package_search", q.clone(), &app.admin).await), ["Cơ quan so-y-te"]);
    // Titles are cached per index version; a rename must show at once.
    app.ok("organization_patch", serde_json::json!({"id": "so-y-te", "title": "Sở Y tế Hà Nội"}), &app.admin).await;
    assert_eq!(titles(app.ok("package_search", q, &app.admin).await), ["Sở Y tế Hà Nội"]);
});
