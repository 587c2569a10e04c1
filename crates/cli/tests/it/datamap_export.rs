//! Downloads of the data map (`/datamap/export.{csv,xlsx,json,ttl,jsonld,rdf,nt}`)
//! and of annual reports (`/strategy/reports/{org}/{year}.{xlsx,json}`):
//! exact contents of each format for a small map, CSV escaping and the
//! formula-injection guard, workbooks read back with calamine, the
//! overview's filters and `version=`, the DCAT-AP export validated with
//! pyshacl against the official shapes (as `dcat.rs` does for the
//! catalog), and, above all, that a core entry and a private-use entry
//! reach no outsider (anonymous, another province's editor by token or by
//! session) in any format, while their agency and a sysadmin get them.

use crate::backends;
use crate::support::{TestApp, TestUser, USER_PASSWORD};
use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Cursor;

/// Hà Nội's core entry and private-use entry: names, titles and an
/// endpoint no outsider may ever get.
const CORE: &str = "csdl-ho-tich-mat";
const CORE_TITLE: &str = "Hồ sơ hộ tịch tuyệt mật";
const PRIVATE: &str = "csdl-noi-bo-hn";
const PRIVATE_TITLE: &str = "Dữ liệu nội bộ Hà Nội";
const PRIVATE_ENDPOINT: &str = "noibo.hanoi.gov.vn";
const SECRETS: [&str; 5] = [CORE, CORE_TITLE, PRIVATE, PRIVATE_TITLE, PRIVATE_ENDPOINT];

/// The national database's texts that a spreadsheet could misread.
const Y_TE_TITLE: &str = "Cơ sở dữ liệu quốc gia về y tế, \"dùng chung\"";
const Y_TE_PURPOSE: &str = "=HYPERLINK(\"http://x.invalid\",\"bấm\") Quản lý hồ sơ sức khỏe";
const Y_TE_LEGAL: &str = "- Luật Dữ liệu số 60/2024/QH15";

const DCT: &str = "http://purl.org/dc/terms/";
const DCAT: &str = "http://www.w3.org/ns/dcat#";
const EU: &str = "http://publications.europa.eu/resource/authority/";

/// The sheets of the map's workbook.
const SHEETS: [&str; 3] = ["Cơ sở dữ liệu", "Kết nối", "Từ điển dữ liệu"];

/// The databases table's header.
const DB_HEADER: [&str; 22] = [
    "name",
    "title",
    "title_en",
    "organization",
    "organization_title",
    "class",
    "data_sharing",
    "data_importance",
    "sector",
    "hosting",
    "security_level",
    "protection_4_layer",
    "status",
    "records",
    "size_bytes",
    "update_frequency",
    "legal_basis",
    "purpose",
    "entities",
    "elements",
    "endpoints",
    "connections",
];

struct People {
    byt: TestUser,
    hn: TestUser,
    dn: TestUser,
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

async fn create_approved(app: &TestApp, body: Value, token: &str) {
    let created = app.ok("datamap_database_create", body, token).await;
    app.ok("datamap_database_review", json!({"id": created["id"], "decision": "approve"}), &app.admin).await;
}

/// A ministry and two provinces, each with an editor. Hà Nội owns a core
/// entry (connected to its shared database, master of an element) and a
/// private-use one (connected to the ministry's, with an endpoint).
/// Version 1.0 is published, then Đà Nẵng adds `csdl-moi` (current map
/// only).
///
/// For outsiders the map is csdl-da-nang, csdl-ha-noi, csdl-moi,
/// csdl-y-te; connections da-nang → ha-noi (LGSP) and y-te → ha-noi
/// (NDXP); csdl-da-nang holds `ma-dinh-danh` without a connection from
/// its master (csdl-y-te): a duplicate collection.
async fn seed(app: &TestApp) -> People {
    for (name, title, en, kind, code) in [
        ("bo-y-te", "Bộ Y tế", Some("Ministry of Health"), "ministry", None),
        ("ha-noi", "Thành phố Hà Nội", None, "province", Some("01")),
        ("da-nang", "Thành phố Đà Nẵng", None, "province", Some("48")),
    ] {
        let mut body = json!({"name": name, "title": title, "agency_kind": kind, "agency_code": code});
        if let Some(en) = en {
            body["title_translated"] = json!({"en": en});
        }
        app.ok("organization_create", body, &app.admin).await;
    }
    let byt = app.user("bien-tap-byt").await;
    app.member("bo-y-te", "bien-tap-byt", "editor").await;
    let hn = app.user("bien-tap-hn").await;
    app.member("ha-noi", "bien-tap-hn", "editor").await;
    let dn = app.user("bien-tap-dn").await;
    app.member("da-nang", "bien-tap-dn", "editor").await;
    for (name, title) in [("ma-dinh-danh", "Số định danh cá nhân"), ("ho-so-ho-tich", "Hồ sơ hộ tịch")] {
        app.ok(
            "datamap_element_create",
            json!({"name": name, "title": title, "data_type": "string", "format": "12 chữ số"}),
            &app.admin,
        )
        .await;
    }
    create_approved(
        app,
        entry(
            "csdl-y-te",
            Y_TE_TITLE,
            "bo-y-te",
            "national",
            json!({
                "title_translated": {"en": "National health database"}, "data_sharing": "open", "sector": "Y tế",
                "hosting": "national_data_center", "security_level": 4, "protection_4_layer": true,
                "records": 100_000_000, "size_bytes": 5_000_000_000u64, "update_frequency": "daily",
                "legal_basis": Y_TE_LEGAL, "purpose": Y_TE_PURPOSE, "entities": ["Công dân", "Cơ sở khám bệnh"],
                "elements": ["ma-dinh-danh"],
                "endpoints": [{"url": "https://api.moh.gov.vn/v1", "kind": "api", "title": "API tra cứu"}],
            }),
        ),
        &byt.token,
    )
    .await;
    create_approved(
        app,
        entry(
            PRIVATE,
            PRIVATE_TITLE,
            "ha-noi",
            "specialised",
            json!({"data_sharing": "private_use",
                   "connections": [{"database": "csdl-y-te", "direction": "in", "platform": "lgsp"}],
                   "endpoints": [{"url": format!("https://{PRIVATE_ENDPOINT}/api"), "kind": "api"}]}),
        ),
        &hn.token,
    )
    .await;
    create_approved(
        app,
        entry(CORE, CORE_TITLE, "ha-noi", "shared", json!({"data_importance": "core", "elements": ["ho-so-ho-tich"]})),
        &hn.token,
    )
    .await;
    create_approved(
        app,
        entry(
            "csdl-ha-noi",
            "Cơ sở dữ liệu dùng chung Hà Nội",
            "ha-noi",
            "shared",
            json!({"sector": "Dân cư", "elements": ["ma-dinh-danh", "ho-so-ho-tich"], "connections": [
                {"database": "csdl-y-te", "direction": "in", "platform": "ndxp", "elements": ["ma-dinh-danh"]},
                {"database": CORE, "direction": "in", "platform": "direct", "elements": ["ho-so-ho-tich"]}]}),
        ),
        &hn.token,
    )
    .await;
    create_approved(
        app,
        entry(
            "csdl-da-nang",
            "Cơ sở dữ liệu Đà Nẵng",
            "da-nang",
            "specialised",
            json!({"status": "building", "elements": ["ma-dinh-danh"],
                   "connections": [{"database": "csdl-ha-noi", "direction": "out", "platform": "lgsp"}]}),
        ),
        &dn.token,
    )
    .await;
    // An update replaces the element: every field is given again.
    app.ok(
        "datamap_element_update",
        json!({"id": "ma-dinh-danh", "title": "Số định danh cá nhân", "format": "12 chữ số", "master": "csdl-y-te",
               "title_translated": {"en": "Personal identification number"},
               "definition": "Số do Bộ Công an cấp, duy nhất cho mỗi công dân"}),
        &app.admin,
    )
    .await;
    app.ok(
        "datamap_element_update",
        json!({"id": "ho-so-ho-tich", "title": "Hồ sơ hộ tịch", "format": "12 chữ số", "master": CORE}),
        &app.admin,
    )
    .await;
    app.ok("datamap_version_publish", json!({"notes": "Phiên bản đầu tiên"}), &app.admin).await;
    create_approved(
        app,
        entry("csdl-moi", "Cơ sở dữ liệu mới Đà Nẵng", "da-nang", "specialised", json!({})),
        &dn.token,
    )
    .await;
    People { byt, hn, dn }
}

/// Who asks.
#[derive(Clone, Copy)]
enum Who<'a> {
    Anonymous,
    Token(&'a str),
    Cookie(&'a str),
}

/// A download: status, content type, content disposition, bytes.
struct Got {
    status: StatusCode,
    content_type: String,
    disposition: String,
    body: Vec<u8>,
}

impl Got {
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8")
    }
}

async fn fetch(app: &TestApp, path: &str, who: Who<'_>) -> Got {
    let mut req = app.client.get(format!("{}{path}", app.base));
    match who {
        Who::Anonymous => {}
        Who::Token(t) => req = req.header("Authorization", t),
        Who::Cookie(c) => req = req.header("cookie", c),
    }
    let r = req.send().await.expect("request");
    let header = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (status, content_type, disposition) = (r.status(), header("content-type"), header("content-disposition"));
    Got { status, content_type, disposition, body: r.bytes().await.expect("body").to_vec() }
}

/// A download that must be there.
async fn ok(app: &TestApp, path: &str, who: Who<'_>) -> Got {
    let got = fetch(app, path, who).await;
    assert_eq!(got.status, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&got.body));
    assert!(got.disposition.starts_with("attachment"), "{path}: {}", got.disposition);
    got
}

/// Signs `user` in through the login form; returns the session cookie.
async fn session(app: &TestApp, user: &str) -> String {
    let mut b = crate::portal::Browser::new(app);
    b.login(user, USER_PASSWORD).await;
    b.cookie_header()
}

/// The records of a CSV download (the header first), without a BOM.
fn csv_rows(body: &[u8]) -> Vec<Vec<String>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_string).collect())
        .collect()
}

/// The first column of every row after the header.
fn first_column(rows: &[Vec<String>]) -> Vec<&str> {
    rows.iter().skip(1).map(|r| r[0].as_str()).collect()
}

fn row<'a>(rows: &'a [Vec<String>], first: &str) -> &'a [String] {
    rows.iter().find(|r| r[0] == first).unwrap_or_else(|| panic!("no row {first} in {rows:?}"))
}

fn workbook(body: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(body.to_vec())).expect("an XLSX workbook")
}

fn sheet(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<Data>> {
    book.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e}")).rows().map(|r| r.to_vec()).collect()
}

/// Every cell of a workbook as text, for looking for names.
fn workbook_text(body: &[u8]) -> String {
    let mut book = workbook(body);
    let mut out = String::new();
    for name in book.sheet_names() {
        for r in sheet(&mut book, &name) {
            for c in r {
                out.push_str(&c.to_string());
                out.push('\t');
            }
            out.push('\n');
        }
    }
    out
}

fn s(v: &str) -> Data {
    Data::String(v.to_string())
}

/// The triples of an N-Triples document, terms as written there.
fn ntriples(doc: &str) -> Vec<(String, String, String)> {
    doc.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let l = l.strip_suffix('.').unwrap().trim_end();
            let (s, rest) = l.split_once(' ').unwrap();
            let (p, o) = rest.split_once(' ').unwrap();
            (s.to_string(), p.to_string(), o.to_string())
        })
        .collect()
}

fn objects(t: &[(String, String, String)], s: &str, p: &str) -> Vec<String> {
    let mut out: Vec<String> =
        t.iter().filter(|(a, b, _)| *a == format!("<{s}>") && *b == format!("<{p}>")).map(|x| x.2.clone()).collect();
    out.sort();
    out
}

fn iri(s: &str) -> String {
    format!("<{s}>")
}

backends!(each_format_holds_the_map_as_an_outsider_sees_it, |app| async move {
    seed(app).await;
    // CSV: the databases, exactly; text a spreadsheet would run is quoted.
    let got = ok(app, "/datamap/export.csv", Who::Anonymous).await;
    assert_eq!(got.content_type, "text/csv; charset=utf-8");
    assert!(got.disposition.contains("filename=\"ban-do-du-lieu.csv\""), "{}", got.disposition);
    assert!(!got.body.starts_with(b"\xEF\xBB\xBF"), "no BOM unless asked");
    let rows = csv_rows(&got.body);
    assert_eq!(rows[0], DB_HEADER);
    assert_eq!(first_column(&rows), ["csdl-da-nang", "csdl-ha-noi", "csdl-moi", "csdl-y-te"]);
    assert_eq!(
        row(&rows, "csdl-y-te"),
        [
            "csdl-y-te",
            Y_TE_TITLE,
            "National health database",
            "bo-y-te",
            "Bộ Y tế",
            "national",
            "open",
            "important",
            "Y tế",
            "national_data_center",
            "4",
            "true",
            "operating",
            "100000000",
            "5000000000",
            "daily",
            format!("'{Y_TE_LEGAL}").as_str(),
            format!("'{Y_TE_PURPOSE}").as_str(),
            "Công dân; Cơ sở khám bệnh",
            "ma-dinh-danh",
            "https://api.moh.gov.vn/v1",
            "csdl-ha-noi",
        ]
    );
    // The raw text: RFC 4180 quoting of commas, quotes.
    let text = got.text();
    assert!(
        text.contains("csdl-y-te,\"Cơ sở dữ liệu quốc gia về y tế, \"\"dùng chung\"\"\",National health database,"),
        "{text}"
    );
    assert!(text.contains(",\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"bấm\"\") Quản lý hồ sơ sức khỏe\","), "{text}");
    assert_eq!(
        row(&rows, "csdl-da-nang")[5..14],
        ["specialised", "shared", "important", "", "", "", "false", "building", ""]
    );
    assert_eq!(row(&rows, "csdl-ha-noi")[21], "csdl-da-nang; csdl-y-te");
    // With bom=true, Excel's UTF-8 mark comes first.
    let got = ok(app, "/datamap/export.csv?bom=true", Who::Anonymous).await;
    assert!(got.body.starts_with(b"\xEF\xBB\xBFname,title,"));

    // The connections: each once, the providing side first.
    let got = ok(app, "/datamap/export.csv?table=connections", Who::Anonymous).await;
    assert!(got.disposition.contains("ban-do-du-lieu-connections.csv"), "{}", got.disposition);
    assert_eq!(
        csv_rows(&got.body),
        [
            vec![
                "from",
                "from_organization",
                "to",
                "to_organization",
                "direction",
                "platform",
                "elements",
                "declared_by"
            ],
            vec!["csdl-da-nang", "da-nang", "csdl-ha-noi", "ha-noi", "out", "lgsp", "", "csdl-da-nang"],
            vec!["csdl-y-te", "bo-y-te", "csdl-ha-noi", "ha-noi", "out", "ndxp", "ma-dinh-danh", "csdl-ha-noi"],
        ]
    );
    // The dictionary: holders, and the duplicate collection flagged.
    let got = ok(app, "/datamap/export.csv?table=elements", Who::Anonymous).await;
    assert_eq!(
        csv_rows(&got.body),
        [
            vec![
                "element",
                "title",
                "title_en",
                "data_type",
                "format",
                "definition",
                "master",
                "holders",
                "duplicated",
                "duplicated_in",
                "duplication"
            ],
            // Its master is the core entry: not named to outsiders.
            vec!["ho-so-ho-tich", "Hồ sơ hộ tịch", "", "string", "12 chữ số", "", "", "csdl-ha-noi", "false", "", ""],
            vec![
                "ma-dinh-danh",
                "Số định danh cá nhân",
                "Personal identification number",
                "string",
                "12 chữ số",
                "Số do Bộ Công an cấp, duy nhất cho mỗi công dân",
                "csdl-y-te",
                "csdl-da-nang; csdl-ha-noi; csdl-y-te",
                "true",
                "csdl-da-nang",
                "not_linked_to_master"
            ],
        ]
    );

    // XLSX: three sheets, bold frozen headers, numbers as numbers, text as text.
    let got = ok(app, "/datamap/export.xlsx", Who::Anonymous).await;
    assert_eq!(got.content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let mut book = workbook(&got.body);
    assert_eq!(book.sheet_names(), SHEETS);
    let dbs = sheet(&mut book, SHEETS[0]);
    assert_eq!(dbs[0], DB_HEADER.map(s));
    assert_eq!(dbs.len(), 5);
    let y_te = dbs.iter().find(|r| r[0] == s("csdl-y-te")).unwrap();
    assert_eq!(y_te[1], s(Y_TE_TITLE));
    assert_eq!(y_te[10], Data::Float(4.0));
    assert_eq!(y_te[11], Data::Bool(true));
    assert_eq!(y_te[13], Data::Float(100_000_000.0), "records is a number");
    assert_eq!(y_te[14], Data::Float(5_000_000_000.0));
    assert_eq!(y_te[16], s(Y_TE_LEGAL), "no quote in a workbook: the cell is text");
    assert_eq!(y_te[17], s(Y_TE_PURPOSE), "a text starting with = stays text");
    let formulas = book.worksheet_formula(SHEETS[0]).unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no formula anywhere");
    let conns = sheet(&mut book, SHEETS[1]);
    assert_eq!(conns.len(), 3);
    assert_eq!(conns[2][..6], [s("csdl-y-te"), s("bo-y-te"), s("csdl-ha-noi"), s("ha-noi"), s("out"), s("ndxp")]);
    let els = sheet(&mut book, SHEETS[2]);
    assert_eq!(els[2][8], Data::Bool(true));
    let xml = {
        use std::io::Read;
        let mut z = zip::ZipArchive::new(Cursor::new(got.body.clone())).unwrap();
        let mut x = String::new();
        z.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut x).unwrap();
        x
    };
    assert!(
        xml.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"),
        "{xml}"
    );

    // JSON: the same rows as objects, databases as datamap_database_show shapes them.
    let got = ok(app, "/datamap/export.json", Who::Anonymous).await;
    assert_eq!(got.content_type, "application/json; charset=utf-8");
    let doc: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(doc["version"], Value::Null);
    assert!(doc["generated"].as_str().is_some_and(|g| g.len() >= 19), "{}", doc["generated"]);
    let names: Vec<&str> = doc["databases"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["csdl-da-nang", "csdl-ha-noi", "csdl-moi", "csdl-y-te"]);
    let (_, shown) = app.get("datamap_database_show", &[("id", "csdl-y-te")], None).await;
    let shown = &shown["result"];
    let y_te = &doc["databases"][3];
    for key in [
        "id",
        "name",
        "title",
        "title_translated",
        "owner_org",
        "purpose",
        "legal_basis",
        "records",
        "size_bytes",
        "endpoints",
        "elements",
        "connections",
        "restricted",
        "harvested",
        "organization",
        "connected",
        "duplications",
    ] {
        assert_eq!(y_te[key], shown[key], "{key}");
    }
    assert_eq!(y_te["purpose"], Y_TE_PURPOSE, "JSON keeps the text exactly");
    assert_eq!(
        y_te["connected"],
        json!([{"database": "csdl-ha-noi", "title": "Cơ sở dữ liệu dùng chung Hà Nội", "direction": "out",
                "platform": "ndxp", "organization": y_te["connected"][0]["organization"]}])
    );
    assert_eq!(
        doc["connections"],
        json!([
            {"from": "csdl-da-nang", "to": "csdl-ha-noi", "direction": "out", "platform": "lgsp", "elements": [],
             "declared_by": ["csdl-da-nang"]},
            {"from": "csdl-y-te", "to": "csdl-ha-noi", "direction": "out", "platform": "ndxp",
             "elements": ["ma-dinh-danh"], "declared_by": ["csdl-ha-noi"]},
        ])
    );
    assert_eq!(doc["elements"][1]["databases"], json!(["csdl-da-nang", "csdl-ha-noi", "csdl-y-te"]));
    assert_eq!(doc["elements"][1]["duplications"][0]["kind"], "not_linked_to_master");
    assert_eq!(doc["elements"][0]["master"], Value::Null);
});

backends!(exports_take_the_overviews_filters_and_published_versions, |app| async move {
    let p = seed(app).await;
    let names = |body: &[u8]| first_column(&csv_rows(body)).iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for (query, expected) in [
        ("agency=ha-noi", vec!["csdl-ha-noi"]),
        ("class=national", vec!["csdl-y-te"]),
        ("status=building", vec!["csdl-da-nang"]),
        ("data_sharing=open", vec!["csdl-y-te"]),
        ("q=da+nang", vec!["csdl-da-nang", "csdl-moi"]),
        ("sector=y+te", vec!["csdl-y-te"]),
        ("agency=da-nang&class=specialised&status=operating", vec!["csdl-moi"]),
        // An agency not on the map keeps nothing, as on the overview.
        ("agency=khong-co", vec![]),
        // The overview's own page number is no filter.
        ("agency=da-nang&page=2", vec!["csdl-da-nang", "csdl-moi"]),
        ("version=1.0", vec!["csdl-da-nang", "csdl-ha-noi", "csdl-y-te"]),
        ("version=1.0&agency=da-nang", vec!["csdl-da-nang"]),
    ] {
        let got = ok(app, &format!("/datamap/export.csv?{query}"), Who::Anonymous).await;
        assert_eq!(names(&got.body), expected, "{query}");
    }
    // The agency's own editors see its restricted entries in the filtered map.
    let got = ok(app, "/datamap/export.csv?agency=ha-noi", Who::Token(&p.hn.token)).await;
    assert_eq!(names(&got.body), ["csdl-ha-noi", CORE, PRIVATE]);
    // By organization id, as the API names it.
    let (_, org) = app.get("organization_show", &[("id", "ha-noi")], None).await;
    let id = org["result"]["id"].as_str().unwrap().to_string();
    let got = ok(app, &format!("/datamap/export.csv?organization={id}"), Who::Anonymous).await;
    assert_eq!(names(&got.body), ["csdl-ha-noi"]);
    // Connections touching the kept databases; elements they hold.
    let got = ok(app, "/datamap/export.csv?agency=da-nang&table=connections", Who::Anonymous).await;
    assert_eq!(names(&got.body), ["csdl-da-nang"]);
    let got = ok(app, "/datamap/export.csv?agency=da-nang&table=elements", Who::Anonymous).await;
    assert_eq!(names(&got.body), ["ma-dinh-danh"]);
    let got = ok(app, "/datamap/export.csv?agency=khong-co&table=elements", Who::Anonymous).await;
    assert_eq!(csv_rows(&got.body).len(), 1, "the header only");

    // Every format follows the same filters.
    let got = ok(app, "/datamap/export.xlsx?agency=da-nang", Who::Anonymous).await;
    let mut book = workbook(&got.body);
    let dbs = sheet(&mut book, SHEETS[0]);
    assert_eq!(dbs.iter().skip(1).map(|r| r[0].to_string()).collect::<Vec<_>>(), ["csdl-da-nang", "csdl-moi"]);
    assert_eq!(sheet(&mut book, SHEETS[1]).len(), 2);
    let got = ok(app, "/datamap/export.json?agency=da-nang&version=1.0", Who::Anonymous).await;
    let doc: Value = serde_json::from_slice(&got.body).unwrap();
    assert!(got.disposition.contains("ban-do-du-lieu-1.0.json"), "{}", got.disposition);
    assert_eq!(doc["version"], "1.0");
    assert!(doc["published"].is_string());
    assert_eq!(doc["filters"], json!({"organization": "da-nang"}));
    assert_eq!(doc["databases"].as_array().unwrap().len(), 1);
    assert_eq!(doc["databases"][0]["name"], "csdl-da-nang");
    assert!(doc["databases"][0].get("harvested").is_none(), "a version's entries are as published");
    let got = ok(app, "/datamap/export.nt?agency=da-nang", Who::Anonymous).await;
    let t = ntriples(&got.text());
    let catalog = format!("{}/datamap/catalog", app.base);
    assert_eq!(
        objects(&t, &catalog, &format!("{DCAT}dataset")),
        [
            iri(&format!("{}/datamap/database/csdl-da-nang", app.base)),
            iri(&format!("{}/datamap/database/csdl-moi", app.base))
        ]
    );
    let got = ok(app, "/datamap/export.ttl?version=1.0", Who::Anonymous).await;
    assert!(got.text().contains(&format!("{}/datamap/versions/1.0/catalog", app.base)));
    assert!(!got.text().contains("csdl-moi"), "not in version 1.0");

    // Mistakes are told, not guessed.
    let got = fetch(app, "/datamap/export.csv?version=9.9", Who::Anonymous).await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    let got = fetch(app, "/datamap/export.csv?table=khac", Who::Anonymous).await;
    assert_eq!(got.status, StatusCode::CONFLICT);
    let v: Value = serde_json::from_slice(&got.body).unwrap();
    assert!(v["error"]["table"].is_array(), "{v}");
    let got = fetch(app, "/datamap/export.csv?bom=maybe", Who::Anonymous).await;
    assert_eq!(got.status, StatusCode::CONFLICT);
    let got = fetch(app, "/datamap/export.pdf", Who::Anonymous).await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);

    // The overview offers the downloads with its filters.
    let (s, _, html) = app.page("/datamap?agency=da-nang&class=specialised").await;
    assert_eq!(s, StatusCode::OK);
    let html = html.replace("&#38;", "&").replace("&amp;", "&");
    assert!(html.contains("Tải xuống"), "the download block");
    for link in [
        "href=\"/datamap/export.xlsx?agency=da-nang&class=specialised\"",
        "href=\"/datamap/export.csv?agency=da-nang&class=specialised&table=connections&bom=true\"",
        "href=\"/datamap/export.ttl?agency=da-nang&class=specialised\"",
        "href=\"/datamap/export.json?agency=da-nang&class=specialised\"",
    ] {
        assert!(html.contains(link), "{link} missing");
    }
    let (_, _, html) = app.page("/en/datamap").await;
    assert!(html.contains("Download") && html.contains("href=\"/datamap/export.xlsx\""), "the English page");
});

backends!(the_map_as_dcat_ap_conforms_to_the_shapes, |app| async move {
    let p = seed(app).await;
    let dir = tempfile::Builder::new().prefix("kho-dm-dcat-").tempdir().unwrap();
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    let report = dir.path().join("report.json");
    args.extend(["--json".into(), report.clone().into_os_string()]);
    let mut nt = String::new();
    for (path, who, media, shacl, file) in [
        ("/datamap/export.ttl", Who::Anonymous, "text/turtle", "turtle", "map.ttl"),
        ("/datamap/export.jsonld", Who::Anonymous, "application/ld+json", "json-ld", "map.jsonld"),
        ("/datamap/export.rdf", Who::Anonymous, "application/rdf+xml", "xml", "map.rdf"),
        ("/datamap/export.nt", Who::Token(&app.admin), "application/n-triples", "nt", "map-all.nt"),
        ("/datamap/export.ttl?version=1.0", Who::Token(&p.hn.token), "text/turtle", "turtle", "map-1.0.ttl"),
        ("/datamap/export.ttl?agency=khong-co", Who::Anonymous, "text/turtle", "turtle", "map-empty.ttl"),
    ] {
        let got = ok(app, path, who).await;
        assert!(got.content_type.starts_with(media), "{path}: {}", got.content_type);
        let f = dir.path().join(file);
        std::fs::write(&f, &got.body).unwrap();
        if file == "map-all.nt" {
            nt = got.text();
        }
        args.extend([f.into_os_string(), shacl.into()]);
    }
    crate::support::python_check("tests/shacl/validate.py", args, "SHACL OK").await;
    // No violation anywhere (the script fails on one); a complete entry
    // and its service miss only what the map does not record (docs/DCAT.md).
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let complete = format!("{}/datamap/database/csdl-y-te", app.base);
    for f in report["files"].as_array().unwrap() {
        assert_eq!((f["A_results"].as_u64(), f["B_violations"].as_u64()), (Some(0), Some(0)), "{f}");
        let warned: std::collections::BTreeSet<(String, String)> = f["B_warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|w| {
                let focus = w["focus"].as_str()?.strip_prefix(&complete)?;
                Some((focus.to_string(), w["path"].as_str().unwrap_or_default().to_string()))
            })
            .collect();
        let file = f["file"].as_str().unwrap();
        if file.ends_with("map-empty.ttl") {
            assert!(warned.is_empty(), "{file}: {warned:?}");
            continue;
        }
        let expected: std::collections::BTreeSet<(String, String)> = [
            ("", format!("{DCT}temporal")),
            ("", format!("{DCAT}distribution")),
            ("", format!("{DCAT}theme")),
            ("/endpoint/1", format!("{DCT}conformsTo")),
            ("/endpoint/1", format!("{DCAT}endpointDescription")),
            ("/endpoint/1", format!("{DCAT}theme")),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b))
        .collect();
        assert_eq!(warned, expected, "{file}");
    }

    // The values, read from the sysadmin's whole map.
    let t = ntriples(&nt);
    let db = |n: &str| format!("{}/datamap/database/{n}", app.base);
    let dct = |p: &str| format!("{DCT}{p}");
    let catalog = format!("{}/datamap/catalog", app.base);
    let datasets = objects(&t, &catalog, &format!("{DCAT}dataset"));
    assert_eq!(datasets.len(), 6, "{datasets:?}");
    assert_eq!(
        objects(&t, &db("csdl-y-te"), &dct("title")),
        [format!("{Y_TE_TITLE:?}@vi"), "\"National health database\"@en".to_string()]
    );
    assert_eq!(objects(&t, &db("csdl-y-te"), &dct("description")).len(), 1);
    assert_eq!(objects(&t, &db("csdl-y-te"), &dct("publisher")), [iri(&format!("{}/organization/bo-y-te", app.base))]);
    assert_eq!(objects(&t, &db("csdl-y-te"), &dct("accessRights")), [iri(&format!("{EU}access-right/PUBLIC"))]);
    assert_eq!(objects(&t, &db("csdl-ha-noi"), &dct("accessRights")), [iri(&format!("{EU}access-right/RESTRICTED"))]);
    assert_eq!(objects(&t, &db(PRIVATE), &dct("accessRights")), [iri(&format!("{EU}access-right/NON_PUBLIC"))]);
    assert_eq!(objects(&t, &db("csdl-y-te"), &dct("accrualPeriodicity")), [iri(&format!("{EU}frequency/DAILY"))]);
    assert_eq!(
        objects(&t, &db("csdl-y-te"), &format!("{DCAT}keyword")),
        ["\"Công dân\"@vi", "\"Cơ sở khám bệnh\"@vi", "\"Y tế\"@vi"]
    );
    assert_eq!(objects(&t, &db("csdl-y-te"), &dct("relation")), [iri(&db("csdl-ha-noi")), iri(&db(PRIVATE))]);
    assert_eq!(
        objects(&t, &db("csdl-ha-noi"), &dct("relation")),
        [iri(&db("csdl-da-nang")), iri(&db(CORE)), iri(&db("csdl-y-te"))]
    );
    let api = format!("{}/endpoint/1", db("csdl-y-te"));
    assert_eq!(objects(&t, &catalog, &format!("{DCAT}service")).len(), 2, "one service per endpoint");
    assert_eq!(objects(&t, &api, &format!("{DCAT}endpointURL")), [iri("https://api.moh.gov.vn/v1")]);
    assert_eq!(objects(&t, &api, &format!("{DCAT}servesDataset")), [iri(&db("csdl-y-te"))]);
    assert_eq!(objects(&t, &api, &dct("title")), ["\"API tra cứu\"@vi"]);
});

backends!(restricted_entries_reach_no_outsider_in_any_format, |app| async move {
    let p = seed(app).await;
    let cookie = session(app, "bien-tap-dn").await;
    let hn_cookie = session(app, "bien-tap-hn").await;
    let formats = [
        "/datamap/export.csv",
        "/datamap/export.csv?table=connections",
        "/datamap/export.csv?table=elements",
        "/datamap/export.xlsx",
        "/datamap/export.json",
        "/datamap/export.ttl",
        "/datamap/export.jsonld",
        "/datamap/export.rdf",
        "/datamap/export.nt",
    ];
    let text = |path: &str, got: &Got| {
        if path.contains(".xlsx") { workbook_text(&got.body) } else { got.text() }
    };
    for version in ["", "version=1.0"] {
        for base in formats {
            let sep = if base.contains('?') { '&' } else { '?' };
            let path = if version.is_empty() { base.to_string() } else { format!("{base}{sep}{version}") };
            for (who, label) in [
                (Who::Anonymous, "anonymous"),
                (Who::Token(&p.dn.token), "Đà Nẵng's editor (token)"),
                (Who::Cookie(&cookie), "Đà Nẵng's editor (session)"),
                (Who::Token(&p.byt.token), "the ministry's editor"),
            ] {
                let got = ok(app, &path, who).await;
                let body = text(&path, &got);
                for secret in SECRETS {
                    assert!(!body.contains(secret), "{path} shows {secret} to {label}:\n{body}");
                }
                // The rest of the map is there.
                assert!(body.contains("csdl-ha-noi"), "{path} for {label}");
            }
            // The owning agency and a sysadmin get both entries, and
            // whatever links to them.
            for (who, label) in [
                (Who::Token(&p.hn.token), "Hà Nội's editor"),
                (Who::Cookie(&hn_cookie), "Hà Nội's editor (session)"),
                (Who::Token(&app.admin), "the sysadmin"),
            ] {
                let got = ok(app, &path, who).await;
                let body = text(&path, &got);
                let expected: &[&str] = if base.ends_with("table=elements") { &[CORE] } else { &[CORE, PRIVATE] };
                for name in expected {
                    assert!(body.contains(name), "{path} lacks {name} for {label}:\n{body}");
                }
            }
        }
    }
    // As connection targets too: the insider's connections list both.
    let got = ok(app, "/datamap/export.csv?table=connections", Who::Token(&p.hn.token)).await;
    let rows = csv_rows(&got.body);
    assert!(rows.iter().any(|r| r[0] == CORE && r[2] == "csdl-ha-noi"), "{rows:?}");
    assert!(rows.iter().any(|r| r[0] == "csdl-y-te" && r[2] == PRIVATE), "{rows:?}");
    // And never as a filter's answer to an outsider.
    let got = ok(app, &format!("/datamap/export.json?q={CORE}"), Who::Token(&p.dn.token)).await;
    let doc: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(doc["databases"], json!([]));
});

backends!(report_downloads_are_as_visible_as_the_report, |app| async move {
    let p = seed(app).await;
    let report = app.ok("strategy_report_create", json!({"organization": "bo-y-te"}), &p.byt.token).await;
    let year = report["year"].as_i64().unwrap();
    let id = report["id"].as_str().unwrap().to_string();
    let narrative = "=SUM(A1) Bộ Y tế đã kết nối cơ sở dữ liệu y tế.";
    app.ok(
        "strategy_report_update",
        json!({"id": id, "narrative": narrative, "tasks": {"C.IV.1": "Đã xong, 100%"}}),
        &p.byt.token,
    )
    .await;
    let xlsx = format!("/strategy/reports/bo-y-te/{year}.xlsx");
    let json_path = format!("/strategy/reports/bo-y-te/{year}.json");
    // A draft: another agency, another province's session and the public get nothing.
    for path in [&xlsx, &json_path] {
        for who in [Who::Anonymous, Who::Token(&p.hn.token), Who::Token(&p.dn.token)] {
            let got = fetch(app, path, who).await;
            assert_eq!(got.status, StatusCode::NOT_FOUND, "{path}: {}", String::from_utf8_lossy(&got.body));
            assert!(!String::from_utf8_lossy(&got.body).contains("SUM(A1)"));
        }
        ok(app, path, Who::Token(&p.byt.token)).await;
        ok(app, path, Who::Token(&app.admin)).await;
    }
    let got = fetch(app, &format!("/strategy/reports/bo-y-te/{year}.pdf"), Who::Token(&p.byt.token)).await;
    assert_ne!(got.status, StatusCode::OK, "no such download");
    app.ok("strategy_report_submit", json!({"id": id}), &p.byt.token).await;
    app.ok("strategy_report_review", json!({"id": id, "decision": "approve"}), &app.admin).await;

    // Approved: anyone reads it, in the same words as the API.
    let got = ok(app, &json_path, Who::Anonymous).await;
    assert!(got.disposition.contains(&format!("bao-cao-bo-y-te-{year}.json")), "{}", got.disposition);
    let doc: Value = serde_json::from_slice(&got.body).unwrap();
    let (_, shown) =
        app.get("strategy_report_show", &[("organization", "bo-y-te"), ("year", &year.to_string())], None).await;
    assert_eq!(doc, shown["result"]);
    assert_eq!(doc["content"]["narrative"], narrative);

    let got = ok(app, &xlsx, Who::Anonymous).await;
    let mut book = workbook(&got.body);
    assert_eq!(book.sheet_names(), ["Tóm tắt", "Chỉ tiêu", "Số liệu", "Nhiệm vụ"]);
    let summary = sheet(&mut book, "Tóm tắt");
    assert_eq!(summary[0], [s("field"), s("label"), s("value")]);
    let value = |key: &str| summary.iter().find(|r| r[0] == s(key)).map(|r| r[2].clone()).unwrap();
    assert_eq!(value("organization"), s("bo-y-te"));
    assert_eq!(value("organization_title"), s("Bộ Y tế"));
    assert_eq!(value("year"), Data::Float(year as f64));
    assert_eq!(value("state"), s("approved"));
    assert_eq!(value("due"), s(&format!("{year}-12-31")));
    assert_eq!(value("late"), Data::Bool(false));
    assert_eq!(value("narrative"), s(narrative), "a text starting with = stays text");
    let indicators = sheet(&mut book, "Chỉ tiêu");
    assert_eq!(indicators[0][0], s("indicator"));
    assert_eq!(indicators.len(), 1 + report["content"]["indicators"].as_array().map_or(0, Vec::len));
    let figures = sheet(&mut book, "Số liệu");
    let figure = |key: &str| figures.iter().find(|r| r[0] == s(key)).map(|r| r[2].clone()).unwrap();
    assert_eq!(figure("datamap.databases"), Data::Float(1.0), "the ministry's one database");
    assert_eq!(figure("datamap.national"), Data::Float(1.0));
    assert_eq!(figure("datamap.protected_4_layer"), Data::Float(1.0));
    let tasks = sheet(&mut book, "Nhiệm vụ");
    assert_eq!(tasks[0][..4], [s("id"), s("text_vi"), s("deadline"), s("progress")]);
    let first = tasks.iter().find(|r| r[0] == s("C.IV.1")).expect("the ministry's task");
    assert_eq!(first[3], s("Đã xong, 100%"));
    assert_eq!(tasks.len(), 1 + report["content"]["tasks"].as_array().unwrap().len());

    // The report's page links its downloads.
    let (s, _, html) = app.page(&format!("/strategy/reports/bo-y-te/{year}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&format!("href=\"/strategy/reports/bo-y-te/{year}.xlsx\"")), "the XLSX link");
    assert!(html.contains(&format!("href=\"/strategy/reports/bo-y-te/{year}.json\"")), "the JSON link");
});
