//! Availability: external links checked on request and on schedule against
//! a loopback server of the test's own (200, 404, 500, a redirect loop, a
//! server refusing HEAD, one that never answers), with their history and
//! runs of failures; broken links reported to the organization's members
//! (API and page); uploads never checked; private datasets' links never
//! shown to outsiders; one sweep at a time however many processes ask; a
//! job run again after a crash skips the links it had checked.

use crate::backends;
use crate::portal::Browser;
use crate::resources::upload;
use crate::support::TestApp;
use kho_catalog::jobs::{Scheduler, Workers};
use kho_catalog::links::{LinkCheckOptions, SWEEP_JOB, sweep_job};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plain HTTP/1.1 server on loopback that answers by path, logs every
/// request and measures how many it was answering at once.
struct LinkServer {
    port: u16,
    /// `(method, path)` of every request, in order.
    log: Arc<Mutex<Vec<(String, String)>>>,
    /// Most requests being handled at once (the never-answering path aside).
    max_in_flight: Arc<AtomicUsize>,
    /// Whether `/flaky.csv` works yet.
    flaky_ok: Arc<AtomicBool>,
}

impl LinkServer {
    async fn start() -> LinkServer {
        let log: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let (max_in_flight, flaky_ok) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let (l, m, f) = (log.clone(), max_in_flight.clone(), flaky_ok.clone());
        let base = crate::support::loopback_http(move |req, mut sock| {
            let (log, max, flaky, in_flight) = (l.clone(), m.clone(), f.clone(), in_flight.clone());
            async move {
                log.lock().unwrap().push((req.method.clone(), req.target.clone()));
                if req.target == "/hang.csv" {
                    // Never answer; wait for the client to give up.
                    let mut buf = [0u8; 256];
                    while let Ok(n) = sock.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                    }
                    return;
                }
                let port = sock.local_addr().unwrap().port();
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                // Long enough that overlapping requests would be seen.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let reply = answer(&req.method, &req.target, port, flaky.load(Ordering::SeqCst));
                in_flight.fetch_sub(1, Ordering::SeqCst);
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        })
        .await;
        let port = base.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
        LinkServer { port, log, max_in_flight, flaky_ok }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn requests_for(&self, path: &str) -> Vec<String> {
        self.log.lock().unwrap().iter().filter(|(_, p)| p == path).map(|(m, _)| m.clone()).collect()
    }
}

fn answer(method: &str, path: &str, port: u16, flaky_ok: bool) -> String {
    let status = |s: &str| format!("HTTP/1.1 {s}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let ok = || {
        let body = if method == "HEAD" { "" } else { "ma,ten\n1,Hà Nội\n" };
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            "ma,ten\n1,Hà Nội\n".len()
        )
    };
    match path {
        "/ok.csv" | "/private-ok.csv" => ok(),
        "/missing.csv" | "/private-missing.csv" => status("404 Not Found"),
        "/error.csv" => status("500 Internal Server Error"),
        "/loop.csv" => format!(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/loop.csv\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        "/no-head.csv" if method == "HEAD" => status("405 Method Not Allowed"),
        "/no-head.csv" => ok(),
        "/flaky.csv" if flaky_ok => ok(),
        "/flaky.csv" => status("503 Service Unavailable"),
        _ => status("404 Not Found"),
    }
}

/// Link-check workers with a short deadline (the silent server times out).
fn workers(app: &TestApp) -> Workers {
    crate::support::start_workers(app, |r| {
        kho_catalog::links::register_jobs(r, LinkCheckOptions { timeout: Duration::from_millis(700), concurrency: 4 })
    })
}

async fn wait_done(app: &TestApp, job: &str) -> kho_core::model::Job {
    let started = Instant::now();
    loop {
        let j = app.catalog.job_show(job).await.unwrap();
        if j.state == "done" || j.state == "failed" {
            assert_eq!(j.state, "done", "{j:?}");
            return j;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "job did not finish: {j:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `link_check_run` as `token`, then waits for its job; returns the result.
async fn run_checks(app: &TestApp, body: Value, token: &str) -> Value {
    let r = app.ok("link_check_run", body, token).await;
    let job = r["job_id"].as_str().expect("a job").to_string();
    wait_done(app, &job).await;
    r
}

async fn show(app: &TestApp, id: &str, token: &str) -> Value {
    app.ok("resource_link_check_show", json!({"id": id}), token).await
}

/// The resource ids of a dataset, by name.
async fn resource_ids(app: &TestApp, dataset: &str) -> std::collections::HashMap<String, String> {
    let pkg = app.ok("package_show", json!({"id": dataset}), &app.admin).await;
    pkg["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().to_string(), r["id"].as_str().unwrap().to_string()))
        .collect()
}

backends!(links_are_checked_recorded_and_reported_to_members, |app| async move {
    let web = LinkServer::start().await;
    let _workers = workers(app);
    app.org("so-tai-chinh").await;
    let editor = app.user("bien-tap").await;
    let member = app.user("thanh-vien").await;
    let outsider = app.user("nguoi-ngoai").await;
    app.member("so-tai-chinh", "bien-tap", "editor").await;
    app.member("so-tai-chinh", "thanh-vien", "member").await;
    let links = ["ok", "missing", "error", "loop", "no-head", "hang", "flaky"];
    let resources: Vec<Value> =
        links.iter().map(|n| json!({"name": n, "url": web.url(&format!("/{n}.csv")), "format": "CSV"})).collect();
    app.ok(
        "package_create",
        json!({"name": "ngan-sach", "title": "Ngân sách", "owner_org": "so-tai-chinh", "resources": resources}),
        &app.admin,
    )
    .await;
    // Not checked: an upload, and a link that is not http(s).
    let (s, up) = upload(
        app,
        "resource_create",
        &[("package_id", "ngan-sach"), ("name", "tep-tai-len")],
        "du-toan.csv",
        b"nam,tong\n2025,10\n".to_vec(),
        &app.admin,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{up}");
    app.ok(
        "resource_create",
        json!({"package_id": "ngan-sach", "name": "ftp", "url": "ftp://so-tai-chinh.vn/a.csv"}),
        &app.admin,
    )
    .await;
    app.ok(
        "package_create",
        json!({"name": "bi-mat", "owner_org": "so-tai-chinh", "private": true, "resources": [
            {"name": "private-missing", "url": web.url("/private-missing.csv")},
            {"name": "private-ok", "url": web.url("/private-ok.csv")}]}),
        &app.admin,
    )
    .await;
    let ids = resource_ids(app, "ngan-sach").await;
    let private_ids = resource_ids(app, "bi-mat").await;

    // Before any check.
    let v = show(app, &ids["missing"], &app.admin).await;
    assert_eq!((v["status"]["state"].as_str(), v["history"].as_array().unwrap().len()), (Some("unchecked"), 0));

    // Who may run checks: editors of the dataset's organization.
    let (s, _) = app.post("link_check_run", json!({"id": "ngan-sach"}), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.post("link_check_run", json!({"id": "ngan-sach"}), Some(&member.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "members read, editors check");
    let (s, _) = app.post("link_check_run", json!({"id": "ngan-sach"}), Some(&outsider.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.post("link_check_run", json!({"id": "bi-mat"}), Some(&outsider.token)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a private dataset is not confirmed to outsiders");
    let (s, _) = app.post("link_check_run", json!({"organization": "so-tai-chinh"}), Some(&outsider.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // First run, by the editor: the seven links, not the upload or the ftp link.
    let r = run_checks(app, json!({"id": "ngan-sach"}), &editor.token).await;
    assert_eq!(r["links"], 7, "{r}");
    let expect = [
        ("ok", "ok", Some(200), None),
        ("no-head", "ok", Some(200), None),
        ("missing", "broken", Some(404), Some("http")),
        ("error", "broken", Some(500), Some("http")),
        ("flaky", "broken", Some(503), Some("http")),
        ("loop", "broken", None, Some("too_many_redirects")),
        ("hang", "broken", None, Some("timeout")),
    ];
    let mut first_failure = std::collections::HashMap::new();
    for (name, state, status, kind) in expect {
        let v = show(app, &ids[name], &app.admin).await;
        let st = &v["status"];
        assert_eq!(st["state"].as_str(), Some(state), "{name}: {v}");
        assert_eq!(st["http_status"].as_i64(), status, "{name}: {v}");
        assert_eq!(st["error_kind"].as_str(), kind, "{name}: {v}");
        assert_eq!(st["consecutive_failures"], json!(i64::from(state == "broken")), "{name}: {v}");
        let history = v["history"].as_array().unwrap();
        assert_eq!(history.len(), 1, "{name}: {v}");
        assert_eq!(history[0]["url"], web.url(&format!("/{name}.csv")));
        if state == "broken" {
            assert!(st["error"].as_str().is_some_and(|e| !e.is_empty()), "{name}: {v}");
            assert_eq!(st["broken_since"], history[0]["checked"]);
            first_failure.insert(name, st["broken_since"].clone());
        } else {
            assert_eq!(st["last_ok"], history[0]["checked"], "{name}: {v}");
        }
    }
    // The server refusing HEAD was asked with GET, and its GET stands.
    assert_eq!(web.requests_for("/no-head.csv"), ["HEAD", "GET"]);
    assert_eq!(show(app, &ids["no-head"], &app.admin).await["history"][0]["method"], "GET");
    assert_eq!(web.requests_for("/ok.csv"), ["HEAD"]);
    let v = show(app, &ids["ok"], &app.admin).await;
    assert_eq!(
        (v["history"][0]["content_type"].as_str(), v["history"][0]["method"].as_str()),
        (Some("text/csv"), Some("HEAD"))
    );
    // Uploads and other schemes are not checked.
    let v = show(app, up["result"]["id"].as_str().unwrap(), &app.admin).await;
    assert_eq!((v["external"].as_bool(), v["status"]["state"].as_str()), (Some(false), Some("not_checked")), "{v}");
    assert!(v["history"].as_array().unwrap().is_empty());
    let v = show(app, &ids["ftp"], &app.admin).await;
    assert_eq!(v["status"]["state"], "not_checked");
    let log = web.log.lock().unwrap().clone();
    assert!(log.iter().all(|(_, p)| !p.contains("du-toan") && !p.starts_with("/private")), "{log:?}");

    // Second run: the failures go on, since the same time; the flaky link recovers on the third.
    run_checks(app, json!({"id": "ngan-sach"}), &editor.token).await;
    for name in ["missing", "error", "loop", "hang", "flaky"] {
        let v = show(app, &ids[name], &app.admin).await;
        assert_eq!(v["status"]["consecutive_failures"], 2, "{name}: {v}");
        assert_eq!(v["status"]["broken_since"], first_failure[name], "{name}: {v}");
        let h = v["history"].as_array().unwrap();
        assert_eq!(h.len(), 2);
        assert!(h[0]["checked"].as_str() > h[1]["checked"].as_str(), "newest first: {v}");
    }
    web.flaky_ok.store(true, Ordering::SeqCst);
    run_checks(app, json!({"organization": "so-tai-chinh"}), &editor.token).await;
    let v = show(app, &ids["flaky"], &app.admin).await;
    assert_eq!(
        (v["status"]["state"].as_str(), v["status"]["consecutive_failures"].as_i64()),
        (Some("ok"), Some(0)),
        "{v}"
    );
    assert!(v["status"]["broken_since"].is_null());
    let h = v["history"].as_array().unwrap();
    assert_eq!((h.len(), h[0]["ok"].as_bool(), h[1]["ok"].as_bool()), (3, Some(true), Some(false)));
    assert_eq!(show(app, &ids["missing"], &app.admin).await["status"]["consecutive_failures"], 3);
    // One host, one request at a time.
    assert_eq!(web.max_in_flight.load(Ordering::SeqCst), 1);

    // The organization's report: broken links of all its datasets, private ones too, for members.
    let report = app.ok("organization_link_report", json!({"id": "so-tai-chinh"}), &member.token).await;
    assert_eq!(
        (report["links"].as_i64(), report["checked"].as_i64(), report["ok"].as_i64()),
        (Some(9), Some(9), Some(4)),
        "{report}"
    );
    let broken: Vec<&str> =
        report["results"].as_array().unwrap().iter().map(|b| b["resource"]["name"].as_str().unwrap()).collect();
    let mut sorted = broken.clone();
    sorted.sort();
    assert_eq!(sorted, ["error", "hang", "loop", "missing", "private-missing"], "{report}");
    assert_eq!(report["broken"], 5);
    let missing = report["results"].as_array().unwrap().iter().find(|b| b["resource"]["name"] == "missing").unwrap();
    assert_eq!(missing["dataset"]["name"], "ngan-sach");
    assert_eq!(missing["url"], web.url("/missing.csv"));
    assert_eq!((missing["consecutive_failures"].as_i64(), missing["http_status"].as_i64()), (Some(3), Some(404)));
    assert_eq!(missing["broken_since"], first_failure["missing"]);
    assert_eq!(missing["error_kind"], "http");
    assert!(report["last_run"]["state"] == "done", "{report}");
    let private =
        report["results"].as_array().unwrap().iter().find(|b| b["resource"]["name"] == "private-missing").unwrap();
    assert_eq!(private["dataset"]["name"], "bi-mat");

    // Outsiders: no report, no private dataset's links.
    for token in [Some(outsider.token.as_str()), None] {
        let (s, v) = app.post("organization_link_report", json!({"id": "so-tai-chinh"}), token).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(!v.to_string().contains("private-missing"));
        let (s, v) = app.post("resource_link_check_show", json!({"id": private_ids["private-missing"]}), token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        // A public dataset's link status is as public as the dataset.
        let (s, v) = app.post("resource_link_check_show", json!({"id": ids["missing"]}), token).await;
        assert_eq!((s, v["result"]["status"]["state"].as_str()), (StatusCode::OK, Some("broken")));
    }
    let (s, _) = app.post("organization_link_report", json!({"id": "khong-co"}), Some(&member.token)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let v = show(app, &private_ids["private-missing"], &member.token).await;
    assert_eq!(v["status"]["http_status"], 404);

    // A deleted resource is gone from the report and answers as not found.
    app.ok("resource_delete", json!({"id": ids["error"]}), &app.admin).await;
    let report = app.ok("organization_link_report", json!({"id": "so-tai-chinh"}), &app.admin).await;
    assert_eq!(report["broken"], 4, "{report}");
    let (s, _) = app.post("resource_link_check_show", json!({"id": ids["error"]}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The page: for members, in both languages; linked from the organization page for them only.
    let mut m = Browser::new(app);
    m.login("thanh-vien", crate::support::USER_PASSWORD).await;
    let p = m.get("/organization/so-tai-chinh/links").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("Liên kết hỏng") && p.body.contains(&web.url("/missing.csv")), "{}", p.body);
    assert!(p.body.contains("private-missing") && p.body.contains("Máy chủ không trả lời kịp"));
    assert!(p.body.contains("<th scope=\"col\">") && !p.body.contains("Kiểm tra ngay"), "members cannot run checks");
    let p = m.get("/en/organization/so-tai-chinh/links").await;
    assert!(p.body.contains("Broken links") && p.body.contains("The server answered with error 404"), "{}", p.body);
    assert!(m.get("/organization/so-tai-chinh").await.body.contains("/organization/so-tai-chinh/links"));
    let mut o = Browser::new(app);
    o.login("nguoi-ngoai", crate::support::USER_PASSWORD).await;
    let p = o.get("/organization/so-tai-chinh/links").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(!p.body.contains("private-missing") && !p.body.contains("/missing.csv"));
    assert!(!o.get("/organization/so-tai-chinh").await.body.contains("/links"));
    let mut anon = Browser::new(app);
    let p = anon.get("/organization/so-tai-chinh/links").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "to the login page");
    assert!(!anon.get("/organization/so-tai-chinh").await.body.contains("/links"));
    // An editor checks again from the page.
    let mut e = Browser::new(app);
    e.login("bien-tap", crate::support::USER_PASSWORD).await;
    let p = e.get("/organization/so-tai-chinh/links").await;
    assert!(p.body.contains("Kiểm tra ngay"));
    let p = e.post("/organization/so-tai-chinh/links", &[("_csrf", &p.csrf())]).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    // The organization's six remaining links and the private dataset's two.
    assert!(p.body.contains("Đã xếp lịch kiểm tra 8 liên kết"), "{}", p.body);
    let job = app.catalog.latest_job("link_check", report["organization"]["id"].as_str().unwrap()).await.unwrap();
    wait_done(app, &job.unwrap().id).await;
});

backends!(sweeps_check_every_link_on_schedule_once_at_a_time, |app| async move {
    let web = LinkServer::start().await;
    app.org("so-xay-dung").await;
    app.ok(
        "package_create",
        json!({"name": "cong-trinh", "owner_org": "so-xay-dung", "resources": [
            {"name": "ok", "url": web.url("/ok.csv")}, {"name": "missing", "url": web.url("/missing.csv")}]}),
        &app.admin,
    )
    .await;
    app.ok(
        "package_create",
        json!({"name": "da-xoa", "owner_org": "so-xay-dung", "resources": [{"name": "gone", "url": web.url("/error.csv")}]}),
        &app.admin,
    )
    .await;
    app.ok("package_delete", json!({"id": "da-xoa"}), &app.admin).await;
    let ids = resource_ids(app, "cong-trinh").await;
    let interval = Duration::from_millis(1500);

    // The database decides: the first call starts the schedule, then of
    // several processes asking when a sweep is due, exactly one enqueues it.
    assert_eq!(app.catalog.enqueue_scheduled_if_due(SWEEP_JOB, &sweep_job(), interval).await.unwrap(), None);
    tokio::time::sleep(interval + Duration::from_millis(200)).await;
    let asks = (0..8).map(|_| {
        let c = app.catalog.clone();
        tokio::spawn(async move { c.enqueue_scheduled_if_due(SWEEP_JOB, &sweep_job(), interval).await.unwrap() })
    });
    let got: Vec<Option<String>> = futures_util::future::join_all(asks).await.into_iter().map(|r| r.unwrap()).collect();
    let sweeps: Vec<&String> = got.iter().flatten().collect();
    assert_eq!(sweeps.len(), 1, "{got:?}");
    let first = sweeps[0].clone();
    // Not again while that sweep waits for a worker, even when an interval has passed.
    tokio::time::sleep(interval + Duration::from_millis(200)).await;
    assert_eq!(app.catalog.enqueue_scheduled_if_due(SWEEP_JOB, &sweep_job(), interval).await.unwrap(), None);
    assert_eq!(app.catalog.job_show(&first).await.unwrap().state, "queued");

    let _workers = workers(app);
    let job = wait_done(app, &first).await;
    assert_eq!((job.progress.done, job.progress.total), (2, Some(2)), "{job:?}");
    assert!(job.progress.note.as_deref().is_some_and(|n| n.contains("2 of 2 links checked, 1 broken")), "{job:?}");
    assert_eq!(show(app, &ids["ok"], &app.admin).await["status"]["state"], "ok");
    assert_eq!(show(app, &ids["missing"], &app.admin).await["status"]["state"], "broken");
    assert!(web.requests_for("/error.csv").is_empty(), "a deleted dataset's links are not checked");

    // Two schedulers, as two server processes would run: sweeps go on, one at a time.
    let a = Scheduler::start(&app.catalog, SWEEP_JOB, sweep_job(), interval);
    let b = Scheduler::start(&app.catalog, SWEEP_JOB, sweep_job(), interval);
    let started = Instant::now();
    loop {
        let jobs = app.catalog.job_list(None, 1000).await.unwrap();
        let sweeps: Vec<_> = jobs.iter().filter(|j| j.kind == "link_sweep").collect();
        let active = sweeps.iter().filter(|j| j.state == "queued" || j.state == "running").count();
        assert!(active <= 1, "two sweeps at once: {sweeps:?}");
        let history = show(app, &ids["missing"], &app.admin).await["history"].as_array().unwrap().len();
        if sweeps.iter().filter(|j| j.state == "done").count() >= 3 && history >= 3 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "sweeps did not run: {sweeps:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop((a, b));
    // Let a sweep enqueued just before finish, so nothing checks behind the next steps.
    loop {
        let jobs = app.catalog.job_list(None, 1000).await.unwrap();
        if !jobs.iter().any(|j| j.kind == "link_sweep" && (j.state == "queued" || j.state == "running")) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "a sweep did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let v = show(app, &ids["missing"], &app.admin).await;
    assert!(v["status"]["consecutive_failures"].as_i64().unwrap() >= 3, "{v}");
    assert!(web.requests_for("/error.csv").is_empty());
    let report = app.ok("organization_link_report", json!({"id": "so-xay-dung"}), &app.admin).await;
    assert_eq!((report["links"].as_i64(), report["broken"].as_i64()), (Some(2), Some(1)), "{report}");
    assert!(report["last_sweep"]["id"].is_string(), "{report}");

    // Availability for the quality score: share of checked links that work.
    let dataset_id =
        app.ok("package_show", json!({"id": "cong-trinh"}), &app.admin).await["id"].as_str().unwrap().to_string();
    let other =
        app.ok("package_create", json!({"name": "khong-lien-ket", "owner_org": "so-xay-dung"}), &app.admin).await;
    let other_id = other["id"].as_str().unwrap().to_string();
    let a = app.catalog.link_availability(&[dataset_id.clone(), other_id.clone()]).await.unwrap();
    assert_eq!((a[&dataset_id].links, a[&dataset_id].checked, a[&dataset_id].ok), (2, 2, 1));
    assert_eq!(a[&dataset_id].share(), Some(0.5));
    assert_eq!(a[&other_id].share(), None, "no external links");
    // The same figure in the dataset's quality score.
    let q = app.ok("quality_show", json!({"id": "cong-trinh"}), &app.admin).await;
    assert_eq!(q["availability"]["percent"], 50.0, "{q}");
    let (_, _, html) = app.page("/dataset/cong-trinh").await;
    assert!(html.contains("Liên kết hoạt động (%): 50"), "the card shows availability");
    assert!(
        app.ok("quality_show", json!({"id": "khong-lien-ket"}), &app.admin).await["availability"]["percent"].is_null()
    );
    let rank = app.ok("organization_quality_list", json!({}), &app.admin).await;
    assert_eq!(rank["results"][0]["availability"], 50.0, "{rank}");
    // A changed link is unchecked until checked again, not broken.
    app.ok("resource_patch", json!({"id": ids["missing"], "url": web.url("/ok.csv?moi")}), &app.admin).await;
    let a = app.catalog.link_availability(std::slice::from_ref(&dataset_id)).await.unwrap();
    assert_eq!((a[&dataset_id].links, a[&dataset_id].checked, a[&dataset_id].share()), (2, 1, Some(1.0)));
    assert_eq!(show(app, &ids["missing"], &app.admin).await["status"]["state"], "unchecked");
});

backends!(history_is_bounded, |app| async move {
    let web = LinkServer::start().await;
    let _workers = workers(app);
    app.org("so-gd").await;
    app.ok(
        "package_create",
        json!({"name": "truong-hoc", "owner_org": "so-gd", "resources": [{"name": "missing", "url": web.url("/missing.csv")}]}),
        &app.admin,
    )
    .await;
    let ids = resource_ids(app, "truong-hoc").await;
    for _ in 0..32 {
        run_checks(app, json!({"id": "truong-hoc"}), &app.admin).await;
    }
    let v = show(app, &ids["missing"], &app.admin).await;
    assert_eq!(v["history"].as_array().unwrap().len(), 30, "the newest 30 checks are kept");
    assert_eq!(v["status"]["consecutive_failures"], 32, "the run of failures is counted beyond the history");
});

backends!(a_rerun_after_a_crash_skips_the_links_the_job_checked, |app| async move {
    let web = LinkServer::start().await;
    app.org("so-y-te").await;
    let resources: Vec<Value> = ["ok", "missing", "error", "no-head"]
        .iter()
        .map(|n| json!({"name": n, "url": web.url(&format!("/{n}.csv"))}))
        .collect();
    app.ok("package_create", json!({"name": "benh-vien", "owner_org": "so-y-te", "resources": resources}), &app.admin)
        .await;
    let ids = resource_ids(app, "benh-vien").await;
    let r = app.ok("link_check_run", json!({"id": "benh-vien"}), &app.admin).await;
    let job = r["job_id"].as_str().expect("a job").to_string();

    // A worker takes the job, records two findings as the job does, and dies.
    let now = kho_core::timefmt::now();
    let lease = kho_core::timefmt::format(time::OffsetDateTime::now_utc() + time::Duration::milliseconds(500));
    let claimed = kho_store::jobs::claim(app.catalog.store(), "da-chet", &["link_check".to_string()], &now, &lease)
        .await
        .unwrap();
    assert_eq!(claimed.map(|j| j.id), Some(job.clone()));
    let mut tx = app.catalog.store().write().await.unwrap();
    for (name, ok, status) in [("ok", true, 200), ("missing", false, 404)] {
        let url = web.url(&format!("/{name}.csv"));
        let checked = kho_core::timefmt::now();
        let finding = kho_store::link_checks::NewCheck {
            resource_id: &ids[name],
            url: &url,
            checked: &checked,
            ok,
            status: Some(status),
            error_kind: (!ok).then_some("http"),
            error_message: (!ok).then_some("the server answered 404"),
            method: Some("HEAD"),
            job_id: Some(&job),
            ..Default::default()
        };
        kho_store::link_checks::record(&mut tx, &finding, kho_store::link_checks::HISTORY_KEEP).await.unwrap();
    }
    tx.commit().await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;

    // Its lease over, a live worker runs the job again: only the two links
    // not checked yet reach the server, and the job counts all four.
    let _workers = workers(app);
    let j = wait_done(app, &job).await;
    assert_eq!(j.attempts, 2, "{j:?}");
    assert_eq!((j.progress.done, j.progress.total), (4, Some(4)), "{j:?}");
    assert!(web.requests_for("/ok.csv").is_empty() && web.requests_for("/missing.csv").is_empty());
    assert_eq!(web.requests_for("/error.csv"), ["HEAD", "GET"]);
    assert_eq!(web.requests_for("/no-head.csv"), ["HEAD", "GET"]);
    for (name, state) in [("ok", "ok"), ("missing", "broken"), ("error", "broken"), ("no-head", "ok")] {
        let v = show(app, &ids[name], &app.admin).await;
        assert_eq!(v["status"]["state"], state, "{name}: {v}");
        assert_eq!(v["history"].as_array().unwrap().len(), 1, "checked once: {name}: {v}");
    }

    // What an earlier job found is no reason to skip: a new run checks every link.
    run_checks(app, json!({"id": "benh-vien"}), &app.admin).await;
    assert_eq!(web.requests_for("/ok.csv"), ["HEAD"]);
    assert_eq!(web.requests_for("/missing.csv"), ["HEAD", "GET"]);
    assert_eq!(show(app, &ids["missing"], &app.admin).await["status"]["consecutive_failures"], 2);
});
