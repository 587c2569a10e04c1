//! Harvesting between nodes and from bad sources: two `kho serve`
//! processes (a province and the nation) where the national node harvests
//! the provincial one by DCAT and by its Action API, follows its edits and
//! deletions, and changes nothing on a rerun; harvested datasets are
//! read-only, searchable and counted for their agency. Sources that are
//! malformed, slow, failing, looping or huge fail their run with a clear
//! reason and import nothing, without touching other sources.

use crate::support::{Backend, ServerProcess, fresh_database, postgres_base_url};
use crate::{backends, backends_bare};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

fn stat(report: &str, what: &str) -> i64 {
    // "tạo mới / created 3, cập nhật / updated 0, …"
    let at = report.find(&format!("/ {what} ")).unwrap_or_else(|| panic!("no {what} in {report}"));
    report[at + what.len() + 3..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

/// `(created, updated, deleted, unchanged, errors)` of a CLI run report.
fn counts(report: &str) -> (i64, i64, i64, i64, i64) {
    (
        stat(report, "created"),
        stat(report, "updated"),
        stat(report, "deleted"),
        stat(report, "unchanged"),
        stat(report, "errors"),
    )
}

fn run_cli(node: &ServerProcess, source: &str) -> (i64, i64, i64, i64, i64) {
    let (ok, out, err) = node.kho(&["harvest", "run", source], None);
    assert!(ok, "harvest run {source}: {out}\n{err}");
    counts(&out)
}

/// Runs a source through the API (a job on the node's workers) and waits for its report.
async fn run_api(node: &ServerProcess, token: &str, source: &str) -> Value {
    let (status, v) = node.call(token, "harvest_run", json!({"id": source})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let id = v["result"]["id"].as_str().unwrap().to_string();
    let started = Instant::now();
    loop {
        let (_, v) = node.call(token, "harvest_run_show", json!({"id": id})).await;
        let r = &v["result"];
        if matches!(r["status"].as_str(), Some("finished" | "failed")) {
            return r.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the run did not end: {r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn stats(r: &Value) -> (i64, i64, i64, i64, i64) {
    let s = &r["stats"];
    let n = |k: &str| s[k].as_i64().unwrap();
    (n("created"), n("updated"), n("deleted"), n("unchanged"), n("errored"))
}

async fn search(node: &ServerProcess, q: &str) -> Value {
    let r = reqwest::get(format!("{}/api/3/action/package_search?q={q}&rows=100", node.base)).await.unwrap();
    r.json::<Value>().await.unwrap()["result"].clone()
}

backends_bare!(a_national_node_harvests_a_provincial_one_by_dcat_and_by_api, |dir, url| async move {
    // The province: its own data directory and database.
    let province_dir = dir.join("tinh");
    let nation_dir = dir.join("quoc-gia");
    std::fs::create_dir_all(&province_dir).unwrap();
    std::fs::create_dir_all(&nation_dir).unwrap();
    let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
    let (nation_url, nation_schema) = fresh_database(backend, &nation_dir).await;
    let province = ServerProcess::start(&province_dir, &url, &[]).await;
    let p_token = province.sysadmin_token();
    let call = |action: &'static str, body: Value| {
        let (province, token) = (&province, p_token.clone());
        async move {
            let (status, v) = province.call(&token, action, body).await;
            assert_eq!(status, StatusCode::OK, "{action}: {v}");
            v["result"].clone()
        }
    };
    call(
        "organization_create",
        json!({"name": "so-tai-chinh-dong-nai", "title": "Sở Tài chính tỉnh Đồng Nai",
               "title_translated": {"en": "Dong Nai Department of Finance"}, "agency_kind": "department"}),
    )
    .await;
    for (name, title) in [
        ("thu-ngan-sach", "Thu ngân sách 2025"),
        ("chi-dau-tu", "Chi đầu tư công 2025"),
        ("no-cong", "Dư nợ công 2025"),
    ] {
        call(
            "package_create",
            json!({"name": name, "title": title, "owner_org": "so-tai-chinh-dong-nai", "notes": format!("{title}: số liệu tổng hợp."),
                   "license_id": "cc-by-4.0", "tags": [{"name": "ngân sách"}], "spatial": "Đồng Nai", "update_frequency": "annual",
                   "resources": [{"name": "Bảng số liệu", "url": format!("http://127.0.0.1:9/{name}.csv"), "format": "CSV"}]}),
        )
        .await;
    }
    call(
        "package_create",
        json!({"name": "luong-can-bo", "title": "Bảng lương cán bộ (nội bộ)", "owner_org": "so-tai-chinh-dong-nai",
               "private": true, "data_sharing": "private_use"}),
    )
    .await;

    // The nation, allowed to fetch from loopback; two sources over the same province.
    let nation = ServerProcess::start_env(&nation_dir, &nation_url, &[], &[("KHO_FETCH_ALLOW_PRIVATE", "true")]).await;
    let n_token = nation.sysadmin_token();
    let dcat = format!("{}/catalog.ttl?per_page=2", province.base);
    for args in [
        vec!["harvest", "source", "add", "tinh-dcat", "--type", "dcat", "--url", dcat.as_str()],
        vec![
            "harvest",
            "source",
            "add",
            "tinh-api",
            "--type",
            "kho",
            "--url",
            province.base.as_str(),
            "--schedule",
            "0 2 * * *",
        ],
    ] {
        let (ok, out, err) = nation.kho(&args, None);
        assert!(ok, "{out}{err}");
    }
    let (ok, _, err) = nation.kho(
        &["harvest", "source", "add", "sai", "--type", "dcat", "--url", "ftp://x", "--schedule", "0 25 * * *"],
        None,
    );
    assert!(!ok && err.contains("url") && err.contains("schedule"), "{err}");
    // A run that fails as a whole exits non-zero, with the reason.
    let (ok, _, err) =
        nation.kho(&["harvest", "source", "add", "dong-cua", "--type", "kho", "--url", "http://127.0.0.1:9"], None);
    assert!(ok, "{err}");
    let (ok, out, _) = nation.kho(&["harvest", "run", "dong-cua"], None);
    assert!(!ok && out.contains("FAILED") && out.contains("127.0.0.1:9"), "{out}");
    let (ok, _, err) = nation.kho(&["harvest", "source", "delete", "dong-cua"], None);
    assert!(ok, "{err}");

    // First runs: the three public datasets each way (two pages by DCAT), never the private one.
    assert_eq!(run_cli(&nation, "tinh-dcat"), (3, 0, 0, 0, 0));
    assert_eq!(stats(&run_api(&nation, &n_token, "tinh-api").await), (3, 0, 0, 0, 0));
    // Reruns change nothing, not even a dataset's modification time.
    let modified = |node: &ServerProcess| {
        let base = node.base.clone();
        async move {
            let r = reqwest::get(format!("{base}/api/3/action/package_show?id=thu-ngan-sach")).await.unwrap();
            r.json::<Value>().await.unwrap()["result"]["metadata_modified"].clone()
        }
    };
    let before = modified(&nation).await;
    assert_eq!(run_cli(&nation, "tinh-dcat"), (0, 0, 0, 3, 0));
    assert_eq!(modified(&nation).await, before);
    assert_eq!(stats(&run_api(&nation, &n_token, "tinh-api").await), (0, 0, 0, 3, 0));

    let found = search(&nation, "ng%C3%A2n%20s%C3%A1ch").await;
    assert_eq!(found["count"], 6, "harvested datasets are searchable, one copy per source");
    assert_eq!(search(&nation, "l%C6%B0%C6%A1ng").await["count"], 0, "the private dataset never came");
    let a = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "thu-ngan-sach")
        .expect("kept its name")
        .clone();
    // The source agency, created on the national node and counted there.
    assert_eq!(a["organization"]["name"], "so-tai-chinh-dong-nai");
    assert_eq!(a["organization"]["title"], "Sở Tài chính tỉnh Đồng Nai");
    let org = reqwest::get(format!("{}/api/3/action/organization_show?id=so-tai-chinh-dong-nai", nation.base))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(org["result"]["package_count"], 6, "{org}");
    // Provenance, and a link back to the original.
    let extra = |p: &Value, k: &str| {
        p["extras"].as_array().unwrap().iter().find(|e| e["key"] == k).map(|e| e["value"].as_str().unwrap().to_string())
    };
    assert_eq!(extra(&a, "harvest_source_name").as_deref(), Some("tinh-dcat"));
    assert_eq!(extra(&a, "harvest_timestamp").as_deref(), Some(a["metadata_created"].as_str().unwrap()));
    assert_eq!(extra(&a, "harvest_url").unwrap(), format!("{}/dataset/thu-ngan-sach", province.base));
    let original_iri = extra(&a, "uri").unwrap();
    assert!(original_iri.starts_with(&format!("{}/dataset/", province.base)), "{original_iri}");
    assert_eq!(a["resources"][0]["url"], "http://127.0.0.1:9/thu-ngan-sach.csv");
    assert_eq!(a["tags"][0]["name"], "ngân sách");
    assert_eq!(a["update_frequency"], "annual");
    // Re-exported by the nation under the province's IRI.
    let ttl = reqwest::get(format!("{}/dataset/thu-ngan-sach.ttl", nation.base)).await.unwrap().text().await.unwrap();
    assert!(ttl.contains(&format!("<{original_iri}> a dcat:Dataset")), "{ttl}");
    // The page's schema.org names the same dataset.
    let page = reqwest::get(format!("{}/dataset/thu-ngan-sach", nation.base)).await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("\"@id\":\"{original_iri}\"")), "schema.org @id is the DCAT IRI");
    // Read-only here, even for a sysadmin.
    let (status, v) =
        nation.call(&n_token, "package_patch", json!({"id": "thu-ngan-sach", "title": "Sửa tại chỗ"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("harvested"), "{v}");
    let (status, _) = nation.call(&n_token, "package_delete", json!({"id": "thu-ngan-sach"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let resource_before = a["resources"][0]["id"].clone();
    // The province edits one dataset, deletes one and adds one.
    call("package_patch", json!({"id": "thu-ngan-sach", "title": "Thu ngân sách 2025 (điều chỉnh)"})).await;
    call("package_delete", json!({"id": "chi-dau-tu"})).await;
    call(
        "package_create",
        json!({"name": "vay-nuoc-ngoai", "title": "Vay nước ngoài 2025", "owner_org": "so-tai-chinh-dong-nai"}),
    )
    .await;
    assert_eq!(run_cli(&nation, "tinh-dcat"), (1, 1, 1, 1, 0));
    assert_eq!(stats(&run_api(&nation, &n_token, "tinh-api").await), (1, 1, 1, 1, 0));
    assert_eq!(run_cli(&nation, "tinh-dcat"), (0, 0, 0, 3, 0));
    assert_eq!(stats(&run_api(&nation, &n_token, "tinh-api").await), (0, 0, 0, 3, 0));

    let shown = reqwest::get(format!("{}/api/3/action/package_show?id=thu-ngan-sach", nation.base))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(shown["result"]["title"], "Thu ngân sách 2025 (điều chỉnh)");
    assert_eq!(
        shown["result"]["resources"][0]["id"], resource_before,
        "an update keeps the resource (its page, checks, table)"
    );
    let gone = reqwest::get(format!("{}/api/3/action/package_show?id=chi-dau-tu", nation.base)).await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND, "deleted at the source, deleted here");
    assert_eq!(search(&nation, "vay").await["count"], 2);

    // The sources as the API and the CLI list them.
    let list = reqwest::get(format!("{}/api/3/action/harvest_source_list", nation.base))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let sources = list["result"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{list}");
    let api = sources.iter().find(|s| s["name"] == "tinh-api").unwrap();
    assert_eq!(
        (api["type"].as_str(), api["schedule"].as_str(), api["datasets"].as_i64()),
        (Some("kho"), Some("0 2 * * *"), Some(3))
    );
    assert_eq!(api["last_run"]["status"], "finished");
    let (ok, out, _) = nation.kho(&["harvest", "list"], None);
    assert!(ok && out.contains("tinh-dcat") && out.contains("tinh-api") && out.contains("finished"), "{out}");

    drop(nation);
    if let Some(s) = nation_schema {
        let _ = kho_store::scratch::drop(&postgres_base_url(), &s).await;
    }
});

/// A loopback server of good, bad and endless catalogs.
struct Remote {
    base: String,
}

const GOOD: &str = r#"@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://remote.example/dataset/1> a dcat:Dataset ;
    dct:title "Chất lượng không khí"@vi ;
    dct:description "Chỉ số AQI theo giờ."@vi ;
    dct:publisher <http://remote.example/organization/so-tnmt> .
<http://remote.example/organization/so-tnmt> a foaf:Agent ; foaf:name "Sở Tài nguyên và Môi trường"@vi .
_:b a dcat:Dataset ; dct:description "Không có tên, không có định danh." .
"#;

fn page_two(base: &str) -> String {
    format!(
        r#"@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<http://remote.example/dataset/9> a dcat:Dataset ; dct:title "Trang một"@vi ; dct:description "x"@vi .
<{base}/two.ttl> a hydra:PartialCollectionView ; hydra:next <{base}/malformed.ttl> .
"#
    )
}

impl Remote {
    async fn start() -> Remote {
        let base = crate::support::loopback_http(|req, mut sock| async move {
            use crate::support::reply;
            let base = format!("http://{}", sock.local_addr().unwrap());
            match req.target.split('?').next().unwrap_or("") {
                "/good.ttl" => reply(sock, "200 OK", "text/turtle", GOOD).await,
                "/two.ttl" => reply(sock, "200 OK", "text/turtle", &page_two(&base)).await,
                "/malformed.ttl" => {
                    let broken =
                        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<x> a dcat:Dataset ;\n  <y> \"không đóng";
                    reply(sock, "200 OK", "text/turtle", broken).await
                }
                "/error" => reply(sock, "500 Internal Server Error", "text/plain", "").await,
                "/loop" => {
                    // Connection: close, or the client may reuse a connection this side has closed.
                    let head = format!(
                        "HTTP/1.1 302 Found\r\nLocation: {base}/loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.shutdown().await;
                }
                // Never answers.
                "/slow.ttl" => tokio::time::sleep(Duration::from_secs(30)).await,
                "/huge.ttl" => {
                    // Announces 1 GB; sends until the client hangs up.
                    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nContent-Length: 1073741824\r\n\r\n";
                    let _ = sock.write_all(head.as_bytes()).await;
                    let chunk = vec![b'#'; 64 * 1024];
                    while sock.write_all(&chunk).await.is_ok() {}
                }
                "/endless.ttl" => {
                    // No length, a body that never ends.
                    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nTransfer-Encoding: chunked\r\n\r\n";
                    let _ = sock.write_all(head.as_bytes()).await;
                    let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
                    chunk.extend(std::iter::repeat_n(b'#', 64 * 1024));
                    chunk.extend_from_slice(b"\r\n");
                    while sock.write_all(&chunk).await.is_ok() {}
                }
                _ => reply(sock, "404 Not Found", "text/plain", "").await,
            }
        })
        .await;
        Remote { base }
    }
}

backends!(bad_sources_fail_their_run_cleanly_and_import_nothing, |app| async move {
    let remote = Remote::start().await;
    let add = |name: &str, kind: &str, path: &str, config: Value| json!({"name": name, "type": kind, "url": format!("{}{path}", remote.base), "config": config});
    let cases = [
        ("hong", "dcat", "/malformed.ttl", json!({}), "malformed Turtle at line"),
        ("cham", "dcat", "/slow.ttl", json!({"timeout_secs": 1}), "did not answer within 1 seconds"),
        ("loi", "dcat", "/error", json!({}), "500"),
        ("vong", "dcat", "/loop", json!({}), "redirects"),
        ("khong-lo", "dcat", "/huge.ttl", json!({}), "larger than"),
        ("vo-tan", "dcat", "/endless.ttl", json!({"max_page_bytes": 2000000}), "larger than"),
        ("nua-chung", "dcat", "/two.ttl", json!({}), "malformed.ttl"),
    ];
    for (name, kind, path, config, _) in &cases {
        app.ok("harvest_source_create", add(name, kind, path, config.clone()), &app.admin).await;
    }
    app.ok("harvest_source_create", add("tot", "dcat", "/good.ttl", json!({})), &app.admin).await;
    // Only sysadmins manage sources.
    let (status, _) = app.post("harvest_source_create", add("khac", "dcat", "/good.ttl", json!({})), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    for (name, _, _, _, why) in &cases {
        let started = Instant::now();
        let r = app.catalog.harvest_now(name).await.unwrap();
        assert_eq!(r["status"], "failed", "{name}: {r}");
        let error = r["error"].as_str().unwrap_or("");
        assert!(error.contains(why), "{name}: the reason names {why}: {r}");
        assert_eq!(stats(&r), (0, 0, 0, 0, 0), "{name}: nothing imported: {r}");
        assert!(started.elapsed() < Duration::from_secs(20), "{name} took {:?}", started.elapsed());
    }
    let count = || async { app.ok("package_search", json!({"rows": 0}), &app.admin).await["count"].as_i64().unwrap() };
    assert_eq!(count().await, 0, "no dataset half-imported, not even page one of a broken listing");

    // Other sources are unaffected; a broken record is reported and the rest goes in.
    let r = app.catalog.harvest_now("tot").await.unwrap();
    assert_eq!((r["status"].as_str(), stats(&r)), (Some("finished"), (1, 0, 0, 0, 1)), "{r}");
    let why = r["errors"][0]["message"].as_str().unwrap();
    assert!(why.contains("title") || why.contains("identifier"), "{r}");
    assert_eq!(count().await, 1);
    let shown = app.ok("harvest_run_show", json!({"id": r["id"]}), &app.admin).await;
    assert_eq!(shown["stats"], r["stats"]);
    let source = app.ok("harvest_source_show", json!({"id": "tot"}), &app.admin).await;
    assert_eq!((source["datasets"].as_i64(), source["runs"].as_array().map(Vec::len)), (Some(1), Some(1)));
    // The remote agency was created under its own name.
    let org = app.ok("organization_show", json!({"id": "so-tnmt"}), &app.admin).await;
    assert_eq!(org["title"], "Sở Tài nguyên và Môi trường");

    // A stopped source lets its datasets go: editable again, or deleted with clear.
    let name = app.ok("package_search", json!({"rows": 1}), &app.admin).await["results"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = app.post("package_patch", json!({"id": name, "notes": "sửa"}), Some(&app.admin)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "harvested: read-only");
    let r = app.ok("harvest_source_delete", json!({"id": "tot"}), &app.admin).await;
    assert_eq!((r["datasets"].as_i64(), r["deleted"].as_i64()), (Some(1), Some(0)), "{r}");
    app.ok("package_patch", json!({"id": name, "notes": "sửa"}), &app.admin).await;
    let (status, _) = app.post("harvest_source_show", json!({"id": "tot"}), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Its name can be given to a new source.
    app.ok("harvest_source_create", add("tot", "dcat", "/good.ttl", json!({})), &app.admin).await;
    app.ok("harvest_source_delete", json!({"id": "tot"}), &app.admin).await;
    assert!(app.catalog.harvest_now("tot").await.is_err());
    app.ok("harvest_source_create", add("lan-hai", "dcat", "/good.ttl", json!({})), &app.admin).await;
    assert_eq!(stats(&app.catalog.harvest_now("lan-hai").await.unwrap()).0, 1);
    assert_eq!(count().await, 2);
    let r = app.ok("harvest_source_delete", json!({"id": "lan-hai", "clear": true}), &app.admin).await;
    assert_eq!(r["deleted"], 1, "{r}");
    assert_eq!(count().await, 1, "its dataset went with it");
});

backends!(scheduled_sources_are_queued_once_when_due, |app| async move {
    let remote = Remote::start().await;
    let url = format!("{}/good.ttl", remote.base);
    app.ok(
        "harvest_source_create",
        json!({"name": "hang-ngay", "type": "dcat", "url": url, "schedule": "0 2 * * *"}),
        &app.admin,
    )
    .await;
    app.ok("harvest_source_create", json!({"name": "khi-can", "type": "dcat", "url": url}), &app.admin).await;
    let at = |hms: &str| {
        time::OffsetDateTime::parse(&format!("2026-03-01T{hms}Z"), &time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let c = &app.catalog;
    // First seen at 01:00: the schedule starts; nothing is due until 02:00.
    assert!(c.queue_due_harvests(at("01:00:00")).await.unwrap().is_empty());
    assert!(c.queue_due_harvests(at("01:59:00")).await.unwrap().is_empty());
    // Due at 02:00: of several processes asking at once, one queues it.
    let asks = (0..4).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.queue_due_harvests(at("02:00:30")).await.unwrap() })
    });
    let queued: Vec<String> = futures_util::future::join_all(asks).await.into_iter().flat_map(|r| r.unwrap()).collect();
    assert_eq!(queued.len(), 1, "{queued:?}");
    // Not the next minute, and not even at its next time while the run waits.
    assert!(c.queue_due_harvests(at("02:01:00")).await.unwrap().is_empty());
    let next =
        time::OffsetDateTime::parse("2026-03-02T02:00:05Z", &time::format_description::well_known::Rfc3339).unwrap();
    assert!(c.queue_due_harvests(next).await.unwrap().is_empty(), "not beside its unfinished run");
    let workers = crate::support::start_workers(app, kho_catalog::harvest::register_jobs);
    let started = Instant::now();
    let run = loop {
        let r = app.ok("harvest_run_show", json!({"id": queued[0]}), &app.admin).await;
        if r["status"] == "finished" {
            break r;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(stats(&run).0, 1, "{run}");
    // Its next time is tomorrow 02:00; the source without a schedule never runs by itself.
    assert!(c.queue_due_harvests(at("23:59:00")).await.unwrap().is_empty());
    assert_eq!(c.queue_due_harvests(next).await.unwrap().len(), 1);
    let source = app.ok("harvest_source_show", json!({"id": "khi-can"}), &app.admin).await;
    assert!(source["runs"].as_array().unwrap().is_empty());
    workers.stop(Duration::from_secs(5)).await;
});

backends!(a_record_unreadable_for_a_while_is_reported_not_deleted, |app| async move {
    let broken = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let b = broken.clone();
    let base = crate::support::loopback_http(move |_, sock| {
        let broken = b.load(std::sync::atomic::Ordering::SeqCst);
        async move {
            let title = if broken { "" } else { "dct:title \"Giá điện\"@vi ;" };
            let doc = format!(
                "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\
                 <http://remote.example/dataset/gia-dien> a dcat:Dataset ; {title} dct:description \"Giá bán lẻ.\"@vi .\n"
            );
            crate::support::reply(sock, "200 OK", "text/turtle", &doc).await;
        }
    })
    .await;
    app.org("so-cong-thuong").await;
    let source = json!({"name": "cong-thuong", "type": "dcat", "url": format!("{base}/catalog.ttl"), "organization": "so-cong-thuong"});
    app.ok("harvest_source_create", source, &app.admin).await;
    assert_eq!(stats(&app.catalog.harvest_now("cong-thuong").await.unwrap()), (1, 0, 0, 0, 0));
    broken.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = app.catalog.harvest_now("cong-thuong").await.unwrap();
    assert_eq!((r["status"].as_str(), stats(&r)), (Some("finished"), (0, 0, 0, 0, 1)), "{r}");
    let found = app.ok("package_search", json!({"q": "điện"}), &app.admin).await;
    assert_eq!(found["count"], 1, "still listed at the source: kept, not deleted");
    assert_eq!(found["results"][0]["organization"]["name"], "so-cong-thuong", "the source's organization");
});
