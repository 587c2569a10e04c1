//! The data map's pages over HTTP: overview, graphs, an entry, the
//! dictionary, versions, the provinces map and the reviewers' queue, in
//! both languages, as anonymous visitors, the owning agency and a
//! reviewer. A restricted entry (core data) must appear on no page an
//! outsider gets; the provinces' figures are checked against hand-counted
//! values. The browser run (`tests/e2e/datamap.mjs`) checks the graph's
//! script and audits the pages with axe-core.

use crate::backends;
use crate::portal::Browser;
use crate::portal_e2e::{tools, workspace};
use crate::support::{TestApp, TestUser, USER_PASSWORD};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// The restricted entry: its name and title must never reach outsiders.
pub const SECRET_NAME: &str = "csdl-benh-an-tuyet-mat";
pub const SECRET_TITLE: &str = "Hồ sơ bệnh án tuyệt mật";

/// The people of the map.
pub struct People {
    /// Hà Nội's editor.
    pub hn: TestUser,
}

fn entry(name: &str, title: &str, org: &str, class: &str, extra: Value) -> Value {
    let mut v = json!({
        "name": name, "title": title, "owner_org": org, "class": class,
        "data_sharing": "shared", "data_importance": "important", "status": "operating",
        "message": "Khai báo lần đầu",
    });
    for (k, x) in extra.as_object().cloned().unwrap_or_default() {
        v[k] = x;
    }
    v
}

async fn create_approved(app: &TestApp, body: Value, token: &str) -> String {
    let created = app.ok("datamap_database_create", body, token).await;
    let id = created["id"].as_str().unwrap().to_string();
    app.ok("datamap_database_review", json!({"id": id, "decision": "approve"}), &app.admin).await;
    id
}

/// A ministry (with a restricted core database), Hà Nội (code "01") with a
/// department under it, Đà Nẵng (code "48"); six databases connected
/// across agencies; version 1.0 published.
///
/// Hand-counted for outsiders (the restricted entry left out):
/// - Hà Nội: 2 databases (csdl-ha-noi, csdl-so-y-te-hn); 3 connections
///   (y-te–ha-noi NDXP, so-y-te-hn–ha-noi LGSP, so-y-te-hn–da-nang
///   direct); both through a sharing platform (2/2); 1/2 protected.
/// - Đà Nẵng: 2 databases; 2 connections (y-te–da-nang LGSP,
///   so-y-te-hn–da-nang direct); 1/2 through a platform; 1/2 protected.
///
/// The restricted entry also connects to csdl-ha-noi, so Hà Nội has 4
/// connections for the ministry's members and reviewers.
pub async fn seed(app: &TestApp) -> People {
    for (name, title, en, kind, code, parent) in [
        ("bo-y-te", "Bộ Y tế", Some("Ministry of Health"), "ministry", None, None),
        ("ha-noi", "Thành phố Hà Nội", Some("Ha Noi City"), "province", Some("01"), None),
        ("so-y-te-ha-noi", "Sở Y tế Hà Nội", None, "department", None, Some("ha-noi")),
        ("da-nang", "Thành phố Đà Nẵng", None, "province", Some("48"), None),
    ] {
        let mut body =
            json!({"name": name, "title": title, "agency_kind": kind, "agency_code": code, "parent": parent});
        if let Some(en) = en {
            body["title_translated"] = json!({"en": en});
        }
        app.ok("organization_create", body, &app.admin).await;
    }
    let byt = app.user("bien-tap-byt").await;
    app.member("bo-y-te", "bien-tap-byt", "editor").await;
    let hn = app.user("bien-tap-hn").await;
    app.member("ha-noi", "bien-tap-hn", "editor").await;
    for (name, title) in [("ma-dinh-danh", "Số định danh cá nhân"), ("ho-so-kham-benh", "Hồ sơ khám bệnh")]
    {
        app.ok("datamap_element_create", json!({"name": name, "title": title, "data_type": "string"}), &app.admin)
            .await;
    }
    // The ministry's core database: restricted.
    create_approved(
        app,
        entry(
            SECRET_NAME,
            SECRET_TITLE,
            "bo-y-te",
            "national",
            json!({"data_importance": "core", "elements": ["ho-so-kham-benh"], "protection_4_layer": true}),
        ),
        &byt.token,
    )
    .await;
    // The ministry's public national database, which at first also
    // declares a connection to the restricted one.
    create_approved(
        app,
        entry(
            "csdl-y-te",
            "Cơ sở dữ liệu quốc gia về y tế",
            "bo-y-te",
            "national",
            json!({
                "title_translated": {"en": "National health database"}, "sector": "Y tế",
                "hosting": "national_data_center", "security_level": 4, "protection_4_layer": true,
                "records": 100_000_000, "update_frequency": "daily", "entities": ["Công dân", "Cơ sở khám bệnh"],
                "elements": ["ma-dinh-danh", "ho-so-kham-benh"],
                "endpoints": [{"url": "https://api.moh.gov.vn/v1", "kind": "api", "title": "API tra cứu"}],
                "connections": [{"database": SECRET_NAME, "direction": "in", "platform": "direct"}],
            }),
        ),
        &byt.token,
    )
    .await;
    // The connection to it is then dropped (its history must not tell).
    let patched = app
        .ok(
            "datamap_database_patch",
            json!({"id": "csdl-y-te", "connections": [], "message": "Bỏ kết nối nội bộ"}),
            &byt.token,
        )
        .await;
    app.ok("datamap_database_review", json!({"id": patched["id"], "decision": "approve"}), &app.admin).await;
    // The ministry's element master is the restricted database.
    app.ok(
        "datamap_element_update",
        json!({"id": "ho-so-kham-benh", "title": "Hồ sơ khám bệnh", "master": SECRET_NAME}),
        &app.admin,
    )
    .await;
    create_approved(
        app,
        entry(
            "csdl-ha-noi",
            "Cơ sở dữ liệu dùng chung Hà Nội",
            "ha-noi",
            "shared",
            json!({"sector": "Dân cư", "protection_4_layer": true, "elements": ["ma-dinh-danh"],
                   "connections": [{"database": "csdl-y-te", "direction": "in", "platform": "ndxp", "elements": ["ma-dinh-danh"]}]}),
        ),
        &hn.token,
    )
    .await;
    create_approved(
        app,
        entry(
            "csdl-da-nang",
            "Cơ sở dữ liệu dùng chung Đà Nẵng",
            "da-nang",
            "shared",
            json!({
            "protection_4_layer": true,
            "connections": [{"database": "csdl-y-te", "direction": "in", "platform": "lgsp"}]}),
        ),
        &app.admin,
    )
    .await;
    create_approved(
        app,
        entry("csdl-da-nang-2", "Cơ sở dữ liệu chuyên ngành Đà Nẵng", "da-nang", "specialised", json!({})),
        &app.admin,
    )
    .await;
    // The department's database (Hà Nội's editor edits it through the hierarchy).
    create_approved(
        app,
        entry(
            "csdl-so-y-te-hn",
            "Cơ sở dữ liệu Sở Y tế Hà Nội",
            "so-y-te-ha-noi",
            "specialised",
            json!({"sector": "Y tế", "elements": ["ma-dinh-danh"], "connections": [
                {"database": "csdl-ha-noi", "direction": "both", "platform": "lgsp"},
                {"database": "csdl-da-nang", "direction": "out", "platform": "direct"}]}),
        ),
        &hn.token,
    )
    .await;
    // The restricted database also feeds Hà Nội's.
    let secret = app
        .ok(
            "datamap_database_patch",
            json!({"id": SECRET_NAME, "message": "Kết nối Hà Nội",
                   "connections": [{"database": "csdl-ha-noi", "direction": "out", "platform": "ndxp"}]}),
            &byt.token,
        )
        .await;
    app.ok("datamap_database_review", json!({"id": secret["id"], "decision": "approve"}), &app.admin).await;
    app.ok("datamap_version_publish", json!({"notes": "Phiên bản đầu tiên"}), &app.admin).await;
    People { hn }
}

/// The text of the cells of the table row whose header cell holds `label`.
fn row_cells(body: &str, label: &str) -> Vec<String> {
    let i = body
        .find(&format!(">{label}</a></th>"))
        .or_else(|| body.find(&format!(">{label}</th>")))
        .unwrap_or_else(|| panic!("no row for {label}"));
    let row = &body[i..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td").skip(1).map(|c| strip_tags(&c[c.find('>').unwrap() + 1..])).collect()
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut tag = false;
    for c in s.chars() {
        match c {
            '<' => tag = true,
            '>' => tag = false,
            c if !tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// Every page an outsider may open, in both languages.
const PUBLIC_PAGES: [&str; 17] = [
    "/datamap",
    "/datamap?agency=bo-y-te",
    "/datamap?q=benh+an",
    "/datamap/graph",
    "/datamap/graph?agency=bo-y-te",
    "/datamap/graph?agency=ha-noi",
    "/datamap/provinces",
    "/datamap/provinces?measure=connections",
    "/datamap/provinces?measure=via_platform",
    "/datamap/elements",
    "/datamap/versions",
    "/datamap/versions/1.0",
    "/datamap/database/csdl-y-te",
    "/datamap/database/csdl-ha-noi",
    // Built from the whole map (shares, never names).
    "/strategy",
    "/strategy/ranking",
    "/strategy/reports",
];

backends!(datamap_pages_show_the_map_and_hide_restricted_entries, |app| async move {
    let people = seed(app).await;
    let mut anon = Browser::new(app);

    // Every page, both languages: found, and nothing of the restricted entry.
    for path in PUBLIC_PAGES {
        for prefix in ["", "/en"] {
            let p = anon.get(&format!("{prefix}{path}")).await;
            assert_eq!(p.status, StatusCode::OK, "{prefix}{path}: {}", p.body);
            for secret in [SECRET_NAME, SECRET_TITLE] {
                assert!(!p.body.contains(secret), "{prefix}{path} shows {secret} to an anonymous visitor");
            }
        }
    }
    for path in [
        format!("/datamap/database/{SECRET_NAME}"),
        "/datamap/database/khong-co".into(),
        "/datamap/versions/9.9".into(),
    ] {
        let p = anon.get(&path).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
        assert!(p.body.contains("Không tìm thấy trang"), "{path}");
        assert!(!p.body.contains(SECRET_TITLE));
    }

    // The overview: counts, the agencies' graph, the list.
    let p = anon.get("/datamap").await;
    assert!(p.body.contains("<strong>5</strong> cơ sở dữ liệu"), "{}", p.body);
    assert!(p.body.contains("<strong>4</strong> cơ quan"));
    assert!(p.body.contains("<strong>4</strong> kết nối"));
    assert!(p.body.contains("id=\"dm-agencies\"") && p.body.contains("data-node=\"0\""));
    assert!(
        p.body.contains("<title>Bộ Y tế · Bộ, cơ quan trung ương · Bộ Y tế · 1 cơ sở dữ liệu</title>"),
        "{}",
        p.body
    );
    assert!(p.body.contains("href=\"/datamap/database/csdl-da-nang-2\""));
    assert!(p.body.contains("aria-current=\"page\">Bản đồ dữ liệu</a>"), "the site navigation marks the data map");
    let p = anon.get("/datamap?agency=da-nang").await;
    assert!(p.body.contains("<strong>2</strong> cơ sở dữ liệu"));
    assert!(!p.body.contains("href=\"/datamap/database/csdl-ha-noi\""));
    let p = anon.get("/datamap?agency=khong-co").await;
    assert!(p.body.contains("Không tìm thấy cơ quan đã chọn"));
    // The graph of databases, with its script.
    let p = anon.get("/datamap/graph?agency=da-nang").await;
    assert!(p.body.contains("data-dm-graph"));
    // Đà Nẵng's two, and the two connected to them.
    assert_eq!(p.body.matches("<path class=\"node ").count(), 4, "{}", p.body);
    let script = p.body.split("<script src=\"").nth(2).and_then(|s| s.split('"').next()).unwrap().to_string();
    assert!(script.starts_with("/static/datamap."), "{script}");
    let (s, ct, js) = app.page(&script).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/javascript") && js.contains("data-from"));

    // An entry: labelled fields, endpoints, elements, connections, history.
    let p = anon.get("/datamap/database/csdl-y-te").await;
    for needle in [
        "Cơ sở dữ liệu quốc gia về y tế",
        "Trung tâm dữ liệu quốc gia",
        "Cấp độ 4",
        "100.000.000",
        "https://api.moh.gov.vn/v1",
        "Cơ sở khám bệnh",
        "href=\"/datamap/elements#el-ma-dinh-danh\"",
        "href=\"/datamap/database/csdl-ha-noi\"",
        "Bỏ kết nối nội bộ",
        "Đã duyệt",
        "Cung cấp cho",
    ] {
        assert!(p.body.contains(needle), "the entry's page lacks {needle}");
    }
    assert!(!p.body.contains("Hạn chế"));
    let p = anon.get("/en/datamap/database/csdl-y-te").await;
    for needle in
        ["National health database", "Owning agency", "National Data Center", "Ministry of Health", "Provides to"]
    {
        assert!(p.body.contains(needle), "the English page lacks {needle}");
    }
    // The dictionary: the restricted master is not named.
    let p = anon.get("/datamap/elements").await;
    let start = p.body.find("id=\"el-ho-so-kham-benh\"").expect("the element's row");
    let row = &p.body[start..start + p.body[start..].find("</tr>").unwrap()];
    assert!(row.contains("Chưa xác định"), "its master shows as unknown: {row}");
    let p = anon.get("/en/datamap").await;
    assert!(p.body.contains("Data map") && p.body.contains("<strong>5</strong> databases"), "{}", p.body);

    // The provinces, by hand.
    let p = anon.get("/datamap/provinces").await;
    assert_eq!(row_cells(&p.body, "Thành phố Hà Nội"), ["2", "3", "100 % (2/2)", "50 % (1/2)"]);
    assert_eq!(row_cells(&p.body, "Thành phố Đà Nẵng"), ["2", "2", "50 % (1/2)", "50 % (1/2)"]);
    assert_eq!(row_cells(&p.body, "Thành phố Huế"), ["—", "—", "—", "—"]);
    assert!(p.body.contains("<title>Thành phố Hà Nội: 2</title>"), "the map's tile");
    let p = anon.get("/datamap/provinces?measure=via_platform").await;
    assert!(
        p.body.contains("<title>Thành phố Hà Nội: 100</title>")
            && p.body.contains("<title>Thành phố Đà Nẵng: 50</title>")
    );
    let p = anon.get("/en/datamap/provinces?measure=protection_4_layer").await;
    assert_eq!(row_cells(&p.body, "Thành phố Hà Nội"), ["2", "3", "100 % (2/2)", "50 % (1/2)"]);
    assert!(p.body.contains("<title>Thành phố Hà Nội: 50</title>"));

    // The ministry's member sees its restricted entry everywhere.
    let mut byt = Browser::new(app);
    byt.login("bien-tap-byt", USER_PASSWORD).await;
    for path in ["/datamap", "/datamap/graph", "/datamap/elements", &format!("/datamap/database/{SECRET_NAME}")] {
        let p = byt.get(path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        assert!(p.body.contains(SECRET_TITLE), "the owning agency does not see its entry on {path}");
    }
    let p = byt.get(&format!("/datamap/database/{SECRET_NAME}")).await;
    assert!(p.body.contains("class=\"badge restricted\">Hạn chế"));
    let p = byt.get("/datamap").await;
    assert!(p.body.contains("<strong>6</strong> cơ sở dữ liệu"));
    let p = byt.get("/datamap/provinces").await;
    assert_eq!(row_cells(&p.body, "Thành phố Hà Nội"), ["2", "4", "100 % (2/2)", "50 % (1/2)"]);
    // Hà Nội's editor does not.
    let mut hn = Browser::new(app);
    hn.login("bien-tap-hn", USER_PASSWORD).await;
    for path in ["/datamap", "/datamap/graph", "/datamap/provinces", "/datamap/versions/1.0"] {
        let p = hn.get(path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        assert!(!p.body.contains(SECRET_TITLE) && !p.body.contains(SECRET_NAME), "{path}");
    }
    assert_eq!(hn.get(&format!("/datamap/database/{SECRET_NAME}")).await.status, StatusCode::NOT_FOUND);

    // A change and a new entry await review.
    app.ok(
        "datamap_database_patch",
        json!({"id": "csdl-ha-noi", "title": "Cơ sở dữ liệu dùng chung thành phố Hà Nội", "message": "Đổi tên"}),
        &people.hn.token,
    )
    .await;
    app.ok(
        "datamap_database_create",
        entry("csdl-moi-hn", "Cơ sở dữ liệu mới Hà Nội", "ha-noi", "shared", json!({})),
        &people.hn.token,
    )
    .await;
    // The agency sees its pending revision, with a notice.
    let p = hn.get("/datamap/database/csdl-ha-noi").await;
    assert!(
        p.body.contains("Cơ sở dữ liệu dùng chung thành phố Hà Nội") && p.body.contains("phiên bản đã duyệt 1"),
        "{}",
        p.body
    );
    // The queue: strangers are sent to log in, others refused.
    let r = anon.get("/datamap/review").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/user/login?came_from="));
    let r = hn.get("/datamap/review").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Không có quyền truy cập"), "{}", r.body);
    let csrf = hn.get("/dashboard").await.csrf();
    let r = hn.post("/datamap/review", &[("_csrf", &csrf), ("id", "csdl-moi-hn"), ("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "an agency does not approve its own entries");
    let mut admin = Browser::new(app);
    admin.login("admin", "mat-khau-quan-tri").await;
    let dash = admin.get("/dashboard").await;
    assert!(dash.body.contains("href=\"/datamap/review\""), "the dashboard links the review queue");
    let q = admin.get("/datamap/review").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.body.contains("2 bản khai chờ thẩm định"), "{}", q.body);
    assert!(q.body.contains("Đổi tên") && q.body.contains("Cơ sở dữ liệu mới Hà Nội"));
    assert!(
        q.body.contains("Tên: Cơ sở dữ liệu dùng chung Hà Nội → Cơ sở dữ liệu dùng chung thành phố Hà Nội"),
        "{}",
        q.body
    );
    let csrf = q.csrf();
    let id_of = |name: &str| {
        let i = q.body.find(&format!("id=\"entry-{name}\"")).unwrap();
        let rest = &q.body[i..];
        let j = rest.find("name=\"id\" value=\"").unwrap() + 17;
        rest[j..j + rest[j..].find('"').unwrap()].to_string()
    };
    let (new_id, hn_id) = (id_of("csdl-moi-hn"), id_of("csdl-ha-noi"));
    // Without the token, nothing happens.
    let r = admin.post("/datamap/review", &[("id", &new_id), ("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A rejection needs a note.
    let r = admin
        .post("/datamap/review", &[("_csrf", &csrf), ("id", &new_id), ("revision", "1"), ("decision", "reject")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Hãy ghi lý do từ chối") && r.body.contains("aria-invalid=\"true\""), "{}", r.body);
    let r = admin
        .post(
            "/datamap/review",
            &[
                ("_csrf", &csrf),
                ("id", &new_id),
                ("revision", "1"),
                ("decision", "reject"),
                ("note", "Thiếu căn cứ pháp lý"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/datamap/review?done=reject");
    let r = admin
        .post("/en/datamap/review", &[("_csrf", &csrf), ("id", &hn_id), ("revision", "2"), ("decision", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/en/datamap/review?done=approve");
    let p = admin.get("/en/datamap/review?done=approve").await;
    assert!(p.body.contains("The entry was approved.") && p.body.contains("No entry awaits review."), "{}", p.body);
    let (_, v) = app.get("datamap_database_show", &[("id", "csdl-ha-noi")], None).await;
    assert_eq!(v["result"]["title"], "Cơ sở dữ liệu dùng chung thành phố Hà Nội");
    let (_, v) = app.get("datamap_database_revision_list", &[("id", "csdl-moi-hn")], Some(&people.hn.token)).await;
    assert_eq!(v["result"][0]["review_state"], "rejected");
    assert_eq!(v["result"][0]["review_note"], "Thiếu căn cứ pháp lý");
    let p = hn.get("/datamap/database/csdl-moi-hn").await;
    assert!(p.body.contains("Bị từ chối") && p.body.contains("Thiếu căn cứ pháp lý"), "{}", p.body);

    // The next version and its differences: a connection added, the
    // department's database removed (with its connections).
    let p = app
        .ok(
            "datamap_database_patch",
            json!({"id": "csdl-da-nang-2", "message": "Kết nối Hà Nội",
                   "connections": [{"database": "csdl-ha-noi", "direction": "in", "platform": "lgsp"}]}),
            &app.admin,
        )
        .await;
    app.ok("datamap_database_review", json!({"id": p["id"], "decision": "approve"}), &app.admin).await;
    let p = app
        .ok("datamap_database_delete", json!({"id": "csdl-so-y-te-hn", "message": "Hợp nhất"}), &people.hn.token)
        .await;
    app.ok("datamap_database_review", json!({"id": p["id"], "decision": "approve"}), &app.admin).await;
    app.ok("datamap_version_publish", json!({}), &app.admin).await;
    let p = anon.get("/datamap/versions").await;
    assert!(p.body.contains("href=\"/datamap/versions/1.1\"") && p.body.contains("Phiên bản đầu tiên"));
    let p = anon.get("/datamap/versions/1.1").await;
    assert!(p.body.contains("Thay đổi so với phiên bản 1.0"), "{}", p.body);
    assert!(p.body.contains("Tên: Cơ sở dữ liệu dùng chung Hà Nội → Cơ sở dữ liệu dùng chung thành phố Hà Nội"));
    let section = |heading: &str| {
        let i = p.body.find(&format!("<h3>{heading}")).unwrap_or_else(|| panic!("no {heading}: {}", p.body));
        let rest = &p.body[i..];
        rest[..rest.find("</ul>").unwrap()].to_string()
    };
    assert!(section("Cơ sở dữ liệu bị gỡ (1)").contains("Cơ sở dữ liệu Sở Y tế Hà Nội"));
    let added = section("Kết nối mới (1)");
    assert!(
        added.contains("Cơ sở dữ liệu chuyên ngành Đà Nẵng — Cơ sở dữ liệu dùng chung thành phố Hà Nội"),
        "{added}"
    );
    let removed = section("Kết nối bị gỡ (2)");
    assert!(removed.matches("Cơ sở dữ liệu Sở Y tế Hà Nội").count() == 2, "{removed}");
    assert!(!p.body.contains(SECRET_NAME) && !p.body.contains(SECRET_TITLE));
    // The provinces follow the map: Hà Nội lost its department's database.
    let p = anon.get("/datamap/provinces").await;
    assert_eq!(row_cells(&p.body, "Thành phố Hà Nội"), ["1", "2", "100 % (1/1)", "100 % (1/1)"]);
    assert_eq!(row_cells(&p.body, "Thành phố Đà Nẵng"), ["2", "2", "100 % (2/2)", "50 % (1/2)"]);
    let p = anon.get("/en/datamap/versions/1.0").await;
    assert!(p.body.contains("This is the first version."));
});

/// How long the browser run may take before it counts as hung.
const BROWSER_DEADLINE: Duration = Duration::from_secs(300);

backends!(datamap_in_a_browser, |app| async move {
    let (node, modules, chromium) = tools();
    seed(app).await;
    // The ranking page needs a ranking.
    app.ok("strategy_ranking_run", serde_json::json!({}), &app.admin).await;
    let backend = match app.catalog.store().backend() {
        kho_store::Backend::Sqlite => "sqlite",
        kho_store::Backend::Postgres => "postgres",
    };
    let shots = workspace().join("target").join("e2e-screenshots").join(backend);
    std::fs::create_dir_all(&shots).unwrap();
    // The acceptance asks for these; stale ones must not pass for new.
    let required = ["datamap-graph.png", "datamap-provinces.png", "datamap-ranking.png"];
    for f in required {
        let _ = std::fs::remove_file(shots.join(f));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("e2e").join("datamap.mjs");
    let started = Instant::now();
    let mut command = tokio::process::Command::new(&node);
    command
        .arg(&script)
        .arg(&app.base)
        .arg(&shots)
        .arg(&modules)
        .arg(SECRET_TITLE)
        .env("KHO_CHROMIUM", &chromium)
        .kill_on_drop(true);
    let out = tokio::time::timeout(BROWSER_DEADLINE, command.output())
        .await
        .unwrap_or_else(|_| panic!("the browser run took over {BROWSER_DEADLINE:?}"))
        .unwrap_or_else(|e| panic!("cannot run {node} {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("[{backend}] data map browser checks in {:.1?}:\n{stdout}{stderr}", started.elapsed());
    assert!(out.status.success(), "[{backend}] the data map browser checks failed:\n{stderr}");
    assert!(stdout.contains("ALL DATAMAP E2E CHECKS PASSED"), "{stdout}");
    for f in required {
        let size = std::fs::metadata(shots.join(f)).map(|m| m.len()).unwrap_or(0);
        assert!(size > 10_000, "[{backend}] screenshot {f} missing or blank ({size} bytes)");
    }
});

backends!(agencies_describe_databases_through_the_entry_form, |app| async move {
    let people = seed(app).await;
    let anon_form = Browser::new(app).get("/datamap/new").await;
    assert_eq!(anon_form.status, StatusCode::SEE_OTHER, "strangers are sent to log in");
    let mut hn = Browser::new(app);
    hn.login("bien-tap-hn", USER_PASSWORD).await;
    let form = hn.get("/datamap/new").await;
    assert_eq!(form.status, StatusCode::OK);
    // Hà Nội's editor chooses among Hà Nội's agencies only, and may name
    // the databases they can see (never the restricted one).
    assert!(form.body.contains("<option value=\"ha-noi\"") && !form.body.contains("<option value=\"bo-y-te\""));
    assert!(form.body.contains("<option value=\"csdl-y-te\">") && !form.body.contains(SECRET_NAME));
    let csrf = form.csrf();

    // Mistakes come back next to their fields, with what was typed kept.
    let bad = hn
        .post(
            "/datamap/new",
            &[
                ("_csrf", &csrf),
                ("_rows", "3"),
                ("title", "Cơ sở dữ liệu giao thông Hà Nội"),
                ("owner_org", "ha-noi"),
                ("class", "shared"),
                ("data_sharing", "shared"),
                ("data_importance", "other"),
                ("status", "building"),
                ("records", "nhiều"),
                ("cn_database_0", "csdl-y-te"),
                ("cn_direction_0", "out"),
                ("cn_platform_0", ""),
                ("ep_url_1", "ftp://giao-thong.hanoi.gov.vn"),
                ("message", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("id=\"error-summary\""));
    assert!(bad.body.contains("id=\"records-error\""), "the number's error is beside it");
    assert!(bad.body.contains("Dòng 1 (platform)"), "a row's error names its row: {}", bad.body);
    assert!(bad.body.contains("Dòng 1 (url)") || bad.body.contains("Dòng 2 (url)"), "{}", bad.body);
    assert!(bad.body.contains("value=\"Cơ sở dữ liệu giao thông Hà Nội\""), "what was typed is kept");
    // Nothing was written.
    let (status, _) =
        app.post("datamap_database_show", json!({"id": "co-so-du-lieu-giao-thong-ha-noi"}), Some(&app.admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // More rows, without a script.
    let more = hn.post("/datamap/new", &[("_csrf", &csrf), ("_rows", "3"), ("_more", "1"), ("title", "X")]).await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(more.body.contains("name=\"cn_database_5\"") && !more.body.contains("name=\"cn_database_6\""));

    // A good entry: saved as a revision awaiting review.
    let ok = hn
        .post(
            "/datamap/new",
            &[
                ("_csrf", &csrf),
                ("_rows", "3"),
                ("title", "Cơ sở dữ liệu giao thông Hà Nội"),
                ("title_en", "Ha Noi transport database"),
                ("owner_org", "ha-noi"),
                ("sector", "Giao thông"),
                ("class", "shared"),
                ("data_sharing", "shared"),
                ("data_importance", "other"),
                ("status", "building"),
                ("security_level", "3"),
                ("protection_4_layer", "true"),
                ("records", "250000"),
                ("entities", "Phương tiện\nNgười lái xe"),
                ("elements", "ma-dinh-danh"),
                ("cn_database_0", "csdl-y-te"),
                ("cn_direction_0", "out"),
                ("cn_platform_0", "ndxp"),
                ("cn_elements_0", "ma-dinh-danh"),
                ("ep_url_1", "https://giao-thong.hanoi.gov.vn/api"),
                ("ep_kind_1", "api"),
                ("ep_title_1", "Tra cứu phương tiện"),
                ("message", "Khai báo lần đầu"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), "/datamap/database/co-so-du-lieu-giao-thong-ha-noi");
    let e = app.ok("datamap_database_show", json!({"id": "co-so-du-lieu-giao-thong-ha-noi"}), &people.hn.token).await;
    assert_eq!(e["review_state"], "pending");
    assert_eq!(e["title_translated"]["en"], "Ha Noi transport database");
    assert_eq!((e["security_level"].as_i64(), e["records"].as_i64()), (Some(3), Some(250_000)));
    assert_eq!(e["protection_4_layer"], true);
    assert_eq!(e["entities"], json!(["Phương tiện", "Người lái xe"]));
    assert_eq!(e["elements"], json!(["ma-dinh-danh"]));
    assert_eq!(
        e["connections"],
        json!([{"database": "csdl-y-te", "direction": "out", "platform": "ndxp", "elements": ["ma-dinh-danh"], "note": null}])
    );
    assert_eq!(
        e["endpoints"],
        json!([{"url": "https://giao-thong.hanoi.gov.vn/api", "kind": "api", "title": "Tra cứu phương tiện"}])
    );
    let revs = app.ok("datamap_database_revision_list", json!({"id": e["id"]}), &people.hn.token).await;
    assert_eq!(revs[0]["message"], "Khai báo lần đầu");

    // Editing: the form comes filled; a save is the next revision.
    let page = hn.get("/datamap/database/csdl-ha-noi").await;
    assert!(page.body.contains("href=\"/datamap/database/csdl-ha-noi/edit\""), "its editors get the form's link");
    let edit = hn.get("/datamap/database/csdl-ha-noi/edit").await;
    assert_eq!(edit.status, StatusCode::OK);
    let before = app.ok("datamap_database_show", json!({"id": "csdl-ha-noi"}), &people.hn.token).await;
    assert!(edit.body.contains(&format!("value=\"{}\"", before["title"].as_str().unwrap())));
    let mut fields: Vec<(String, String)> = form_values(&edit.body);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let no_reason = hn.post("/datamap/database/csdl-ha-noi/edit", &pairs).await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(no_reason.body.contains("id=\"message-error\""), "a change needs its reason");
    fields.retain(|(k, _)| k != "sector" && k != "message");
    fields.push(("sector".into(), "Hành chính".into()));
    fields.push(("message".into(), "Bổ sung lĩnh vực".into()));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = hn.post("/datamap/database/csdl-ha-noi/edit", &pairs).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = app.ok("datamap_database_show", json!({"id": "csdl-ha-noi"}), &people.hn.token).await;
    assert_eq!(after["revision"].as_i64(), Some(before["revision"].as_i64().unwrap() + 1));
    assert_eq!(after["sector"], "Hành chính");
    // Only the sector changed: the filled form round-trips everything else.
    let revs = app.ok("datamap_database_revision_list", json!({"id": "csdl-ha-noi"}), &people.hn.token).await;
    let changed: Vec<&str> =
        revs[0]["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(changed, ["sector"], "{}", revs[0]);

    // Another agency's entries: no link, no form, no save.
    let mut byt = Browser::new(app);
    byt.login("bien-tap-byt", USER_PASSWORD).await;
    let page = byt.get("/datamap/database/csdl-ha-noi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("/edit\""));
    assert_eq!(byt.get("/datamap/database/csdl-ha-noi/edit").await.status, StatusCode::FORBIDDEN);
    let csrf = byt.get("/datamap/new").await.csrf();
    let r =
        byt.post("/datamap/database/csdl-ha-noi/edit", &[("_csrf", &csrf), ("title", "Chiếm"), ("message", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = byt
        .post(
            "/datamap/new",
            &[
                ("_csrf", &csrf),
                ("title", "Của người khác"),
                ("owner_org", "ha-noi"),
                ("class", "shared"),
                ("data_sharing", "shared"),
                ("data_importance", "other"),
                ("status", "planned"),
                ("message", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // A restricted entry of another agency is not found, even by its form.
    assert_eq!(hn.get(&format!("/datamap/database/{SECRET_NAME}/edit")).await.status, StatusCode::NOT_FOUND);
    // Without the CSRF token nothing is saved.
    let r = hn.post("/datamap/database/csdl-ha-noi/edit", &[("title", "Không token"), ("message", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
});

/// The named inputs of a form page with their values (selected options,
/// ticked boxes, textareas), as a browser would post them.
fn form_values(body: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..at + tag[at..].find('"')?].to_string())
    };
    let unescape = |s: &str| {
        s.replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap_or(rest.len() - 1);
        let tag = &rest[..=end];
        if tag.starts_with("<input") {
            if let Some(name) = attr(tag, "name") {
                let kind = attr(tag, "type").unwrap_or_default();
                if kind != "checkbox" || tag.contains(" checked") {
                    out.push((name, unescape(&attr(tag, "value").unwrap_or_default())));
                }
            }
        } else if tag.starts_with("<textarea")
            && let Some(name) = attr(tag, "name")
        {
            let close = rest.find("</textarea>").unwrap();
            out.push((name, unescape(&rest[end + 1..close])));
        } else if tag.starts_with("<select")
            && let Some(name) = attr(tag, "name")
        {
            {
                let close = rest.find("</select>").unwrap();
                let inner = &rest[..close];
                let mut opts = inner;
                let mut chosen = Vec::new();
                while let Some(o) = opts.find("<option") {
                    opts = &opts[o..];
                    let oend = opts.find('>').unwrap();
                    let otag = &opts[..=oend];
                    if otag.contains(" selected") {
                        chosen.push(unescape(&attr(otag, "value").unwrap_or_default()));
                    }
                    opts = &opts[oend..];
                }
                if chosen.is_empty() && !tag.contains(" multiple") {
                    // A browser posts the first option of a plain select.
                    if let Some(o) = inner.find("<option") {
                        let otag = &inner[o..o + inner[o..].find('>').unwrap() + 1];
                        chosen.push(unescape(&attr(otag, "value").unwrap_or_default()));
                    }
                }
                for c in chosen {
                    out.push((name.clone(), c));
                }
            }
        }
        rest = &rest[end + 1..];
    }
    out
}
