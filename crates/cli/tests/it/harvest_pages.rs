//! The harvesting pages: a sysadmin adds a source through the form (errors
//! next to the fields, in Vietnamese), runs it with "Run now" and reads the
//! run's counts and failed records; nobody else gets in. A harvested
//! dataset's page says where it came from, links the original (web links
//! only) and offers no edit or delete.

use crate::backends;
use crate::portal::{Browser, Page};
use crate::support::TestApp;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// A DCAT catalog: a good dataset with a web landing page, one whose
/// "landing page" is a script, and one without a title (a failed record).
const CATALOG: &str = r#"@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://remote.example/dataset/khong-khi> a dcat:Dataset ;
    dct:title "Chất lượng không khí Hà Nội"@vi ;
    dct:description "Chỉ số AQI theo giờ."@vi ;
    dcat:landingPage <http://remote.example/du-lieu/khong-khi> ;
    dct:publisher <http://remote.example/organization/so-tnmt> .
<http://remote.example/dataset/nguy-hiem> a dcat:Dataset ;
    dct:title "Liên kết lạ"@vi ;
    dcat:landingPage "javascript:alert(1)" ;
    dct:publisher <http://remote.example/organization/so-tnmt> .
<http://remote.example/organization/so-tnmt> a foaf:Agent ; foaf:name "Sở Tài nguyên và Môi trường"@vi .
<http://remote.example/dataset/khong-ten> a dcat:Dataset ; dct:description "Không có tiêu đề." .
"#;

/// Serves `CATALOG` at `/catalog.ttl` on loopback; returns its address.
async fn remote() -> String {
    crate::support::loopback_http(|req, sock| async move {
        if req.target == "/catalog.ttl" {
            crate::support::reply(sock, "200 OK", "text/turtle", CATALOG).await;
        } else {
            crate::support::reply(sock, "404 Not Found", "text/plain", "").await;
        }
    })
    .await
}

/// The part of `body` from the element with id `id` to the end of the
/// element named `until` after it.
fn element<'a>(body: &'a str, id: &str, until: &str) -> &'a str {
    let start = body.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in {body}"));
    let rest = &body[start..];
    let end = rest.find(until).unwrap_or_else(|| panic!("no {until} after #{id}"));
    &rest[..end + until.len()]
}

/// The source's runs, as the API keeps them.
async fn runs(app: &TestApp, name: &str) -> Vec<serde_json::Value> {
    let s = app.catalog.harvest_source_show(name).await.unwrap();
    s["runs"].as_array().cloned().unwrap_or_default()
}

fn assert_no_edit(p: &Page, name: &str) {
    assert!(!p.body.contains(&format!("/dataset/edit/{name}")), "an edit link on a harvested dataset: {}", p.body);
    assert!(!p.body.contains(&format!("/dataset/delete/{name}")), "a delete link on a harvested dataset");
    assert!(!p.body.contains(&format!("/dataset/{name}/resource/new")), "an add-resource link on a harvested dataset");
}

backends!(sysadmins_add_and_run_harvest_sources_from_the_pages, |app| async move {
    let base = remote().await;
    app.org("so-tai-chinh").await;
    app.user("bien-tap").await;
    app.member("so-tai-chinh", "bien-tap", "editor").await;

    // Strangers are sent to the login page; editors are refused.
    let mut anon = Browser::new(app);
    for path in ["/harvest", "/harvest/khong-khi-ha-noi", "/en/harvest"] {
        let p = anon.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert!(p.location().contains("/user/login?came_from="), "{path}: {}", p.location());
    }
    let p = anon.post("/harvest", &[("name", "x"), ("type", "dcat"), ("url", "http://x.example")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let mut editor = Browser::new(app);
    editor.login("bien-tap", "12345678abc").await;
    let p = editor.get("/harvest").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(!p.body.contains("harvest_source_create"), "an editor sees the harvest page");
    let dash = editor.get("/dashboard").await;
    assert!(!dash.body.contains("href=\"/harvest\""), "only sysadmins are offered the harvest pages");
    let csrf = dash.csrf();
    let url = format!("{base}/catalog.ttl");
    let p =
        editor.post("/harvest", &[("_csrf", &csrf), ("name", "cua-bien-tap"), ("type", "dcat"), ("url", &url)]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(app.catalog.harvest_source_list().await.unwrap().is_empty(), "an editor added a source");

    // The sysadmin's empty list and form.
    let mut admin = Browser::new(app);
    admin.login("admin", "mat-khau-quan-tri").await;
    assert!(admin.get("/dashboard").await.body.contains("href=\"/harvest\""), "the dashboard links the harvest pages");
    let p = admin.get("/harvest").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("Chưa có nguồn thu thập nào."), "{}", p.body);
    let select = element(&p.body, "type", "</select>");
    for t in ["value=\"dcat\" selected", "value=\"ckan\"", "value=\"kho\""] {
        assert!(select.contains(t), "{t}: {select}");
    }
    let orgs = element(&p.body, "organization", "</select>");
    assert!(orgs.contains("<option value=\"\" selected>Cơ quan công bố ở nguồn</option>"), "{orgs}");
    assert!(orgs.contains("<option value=\"so-tai-chinh\">Cơ quan so-tai-chinh</option>"), "{orgs}");
    assert!(p.body.contains("0 2 * * * = 02:00 UTC mỗi ngày"), "the schedule's help");

    // A bad address and schedule: the errors next to their fields, in Vietnamese; nothing added.
    let csrf = p.csrf();
    let p = admin
        .post(
            "/harvest",
            &[
                ("_csrf", &csrf),
                ("name", "khong-khi-ha-noi"),
                ("title", "Không khí Hà Nội"),
                ("type", "dcat"),
                ("url", "ftp://remote.example/catalog.ttl"),
                ("organization", ""),
                ("schedule", "0 25 * * *"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.body);
    let url_field = element(&p.body, "url", "</div>");
    assert!(url_field.contains("aria-invalid=\"true\" aria-describedby=\"url-error\""), "{url_field}");
    assert!(url_field.contains("value=\"ftp://remote.example/catalog.ttl\""), "the value is kept: {url_field}");
    assert!(
        url_field
            .contains("<p class=\"error\" id=\"url-error\">Phải là địa chỉ bắt đầu bằng http:// hoặc https://.</p>"),
        "{url_field}"
    );
    let schedule_field = element(&p.body, "schedule", "</div>");
    assert!(
        schedule_field.contains("id=\"schedule-error\">Trường 2 (giờ): giá trị “25” nằm ngoài khoảng 0–23."),
        "{schedule_field}"
    );
    assert!(!element(&p.body, "name", "</div>").contains("class=\"error\""), "the name was fine");
    assert!(p.body.contains("Biểu mẫu có lỗi"), "the error summary");
    assert!(app.catalog.harvest_source_list().await.unwrap().is_empty());

    // A good one: back to the list, where it is.
    let p = admin
        .post(
            "/harvest",
            &[
                ("_csrf", &csrf),
                ("name", "khong-khi-ha-noi"),
                ("title", "Không khí Hà Nội"),
                ("type", "dcat"),
                ("url", &url),
                ("organization", ""),
                ("schedule", "0 2 * * *"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/harvest#source-khong-khi-ha-noi");
    let p = admin.get("/harvest").await;
    let row = element(&p.body, "source-khong-khi-ha-noi", "</tr>");
    for needle in [
        "href=\"/harvest/khong-khi-ha-noi\">Không khí Hà Nội</a>",
        "DCAT (Turtle, JSON-LD hoặc RDF/XML)",
        url.as_str(),
        "Cơ quan công bố ở nguồn",
        "<code style=\"white-space:nowrap\">0 2 * * *</code>",
        "Chưa chạy lần nào",
    ] {
        assert!(row.contains(needle), "{needle}: {row}");
    }
    // The same name twice: refused, next to the name.
    let p = admin
        .post("/harvest", &[("_csrf", &csrf), ("name", "khong-khi-ha-noi"), ("type", "ckan"), ("url", &base)])
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(
        element(&p.body, "name", "</div>").contains("id=\"name-error\">Đã có nguồn thu thập mang tên này.</p>"),
        "{}",
        p.body
    );

    // Its page; "Run now" needs the form's token, then queues a run and comes back.
    let p = admin.get("/harvest/khong-khi-ha-noi").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Nguồn này chưa chạy lần nào."), "{}", p.body);
    let csrf = p.csrf();
    let r = admin.post("/harvest/khong-khi-ha-noi", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let editor_csrf = editor.get("/dashboard").await.csrf();
    let r = editor.post("/harvest/khong-khi-ha-noi", &[("_csrf", &editor_csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(runs(app, "khong-khi-ha-noi").await.is_empty(), "a run without the sysadmin's token");
    assert_eq!(admin.get("/harvest/khong-co").await.status, StatusCode::NOT_FOUND);

    let workers = crate::support::start_workers(app, kho_catalog::harvest::register_jobs);
    let r = admin.post("/harvest/khong-khi-ha-noi", &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/harvest/khong-khi-ha-noi");
    let started = Instant::now();
    let run = loop {
        let list = runs(app, "khong-khi-ha-noi").await;
        assert_eq!(list.len(), 1, "one run queued: {list:?}");
        if matches!(list[0]["status"].as_str(), Some("finished" | "failed")) {
            break list[0].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the run did not end: {:?}", list[0]);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    workers.stop(Duration::from_secs(5)).await;
    assert_eq!(run["status"], "finished", "{run}");
    let id = run["id"].as_str().unwrap();

    // The run on the source's page: status, the five counts, the failed record.
    let p = admin.get("/harvest/khong-khi-ha-noi").await;
    let row = element(&p.body, &format!("run-{id}"), "</tr>");
    assert!(row.contains("<span class=\"status status-success\">Hoàn tất</span>"), "{row}");
    let counts: Vec<&str> = row.split("<td class=\"num\">").skip(1).map(|c| c.split("</td>").next().unwrap()).collect();
    assert_eq!(
        counts,
        [
            "2",
            "0",
            "0",
            "0",
            &format!(
                "<a href=\"#errors-{id}\">1<span class=\"visually-hidden\"> bản ghi lỗi, xem danh sách</span></a>"
            )
        ],
        "{row}"
    );
    let failed = element(&p.body, &format!("errors-{id}"), "</section>");
    assert!(
        failed.contains("<code>http://remote.example/dataset/khong-ten</code></td><td>no dct:title</td>"),
        "{failed}"
    );
    assert!(!p.body.contains("Đang có một lần chạy"), "the run has ended");
    let en = admin.get("/en/harvest/khong-khi-ha-noi").await;
    assert!(en.body.contains("<span class=\"status status-success\">Finished</span>"), "{}", en.body);
    // And in the list: its status, time and counts, and the datasets kept.
    let p = admin.get("/harvest").await;
    let row = element(&p.body, "source-khong-khi-ha-noi", "</tr>");
    assert!(row.contains("Hoàn tất") && row.contains("2 mới, 0 cập nhật, 0 xóa, 0 không đổi, 1 lỗi"), "{row}");
    assert!(row.contains("<td class=\"num\">2</td>"), "two datasets kept: {row}");
    assert!(row.contains(" UTC</span>"), "the run's time: {row}");

    // The harvested dataset's page: where it came from, the original, no editing, for anyone.
    let ordinary = app.dataset("so-tai-chinh", "thu-chi", false).await;
    let p = admin.get(&format!("/dataset/{}", ordinary["name"].as_str().unwrap())).await;
    assert!(p.body.contains("/dataset/edit/thu-chi"), "a sysadmin may edit an ordinary dataset");
    assert!(!p.body.contains("id=\"harvested\""), "no notice on an ordinary dataset");
    for b in [&mut admin, &mut anon] {
        let p = b.get("/dataset/khong-khi").await;
        assert_eq!(p.status, StatusCode::OK);
        let notice = element(&p.body, "harvested", "</p>");
        assert!(
            notice.contains(
                "Thu thập từ nguồn Không khí Hà Nội; <a href=\"http://remote.example/du-lieu/khong-khi\" rel=\"noopener noreferrer\">xem bản gốc</a>."
            ),
            "{notice}"
        );
        assert_no_edit(&p, "khong-khi");
        let p = b.get("/dataset/nguy-hiem").await;
        let notice = element(&p.body, "harvested", "</p>");
        assert!(notice.contains("Thu thập từ nguồn Không khí Hà Nội."), "{notice}");
        assert!(!notice.contains("href") && !p.body.contains("href=\"javascript:"), "{notice}");
        assert_no_edit(&p, "nguy-hiem");
    }
    let p = admin.get("/en/dataset/khong-khi").await;
    assert!(element(&p.body, "harvested", "</p>").contains("Harvested from the source Không khí Hà Nội; <a"));
});
