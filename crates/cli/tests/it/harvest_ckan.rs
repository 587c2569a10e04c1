//! Harvesting from CKAN 2.11, against a corpus of its Action API answers
//! (`tests/harvest/ckan-2.11`, whose README says where each shape comes
//! from). A loopback replay server answers `package_search` over the
//! corpus' datasets as CKAN's search does (active and public ones only;
//! `rows`, `start` and `sort=id asc`; `rows` capped at
//! `ckan.search.rows_max`) and `status_show`, in state 1 or state 2 of the
//! site. The harvester follows the site from one state to the other: edits,
//! deletions, a dataset made private, a rename, an addition; it pages
//! through a site that caps `rows`, and an error answer mid-listing fails
//! the run with nothing imported.

use crate::backends;
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

/// The `ckan.site_url` the corpus was built with. The replay server puts
/// its own address in its place, since a CKAN's source URL is its site URL.
const SITE_URL: &str = "https://dulieumo.example";
const STATE_1: &str = include_str!("../harvest/ckan-2.11/state-1.json");
const STATE_2: &str = include_str!("../harvest/ckan-2.11/state-2.json");
const STATUS_SHOW: &str = include_str!("../harvest/ckan-2.11/status_show.json");
const ERROR_SEARCH: &str = include_str!("../harvest/ckan-2.11/error-search.json");
const ERROR_CONNECTION: &str = include_str!("../harvest/ckan-2.11/error-search-connection.json");

/// CKAN 2.11's default sort when a search names none (`ckan.search.default_package_sort`).
const DEFAULT_SORT: &str = "score desc, metadata_modified desc";

/// An error answer given instead of the page that starts at `start`.
#[derive(Clone, Copy)]
struct Failure {
    start: u64,
    /// The HTTP status CKAN 2.11 answers this error with (`ckan/views/api.py`, `action`).
    status: &'static str,
    envelope: &'static str,
}

struct Settings {
    state: u8,
    rows_max: u64,
    fail: Option<Failure>,
    /// Every request's path and query, in order.
    requests: Vec<String>,
}

/// A CKAN 2.11 site replayed from the corpus.
struct Ckan {
    base: String,
    settings: Arc<Mutex<Settings>>,
}

impl Ckan {
    async fn start() -> Ckan {
        // CKAN's own default for ckan.search.rows_max.
        let settings = Arc::new(Mutex::new(Settings { state: 1, rows_max: 1000, fail: None, requests: Vec::new() }));
        let s = settings.clone();
        let base = crate::support::loopback_http(move |req, sock| {
            let settings = s.clone();
            async move {
                let base = format!("http://{}", sock.local_addr().unwrap());
                let (status, content_type, body) = answer(&base, &settings, &req.target);
                crate::support::reply(sock, status, content_type, &body).await;
            }
        })
        .await;
        Ckan { base, settings }
    }

    fn set_state(&self, state: u8) {
        self.settings.lock().unwrap().state = state;
    }

    /// As a CKAN configured with `ckan.search.rows_max = n`.
    fn cap_rows(&self, n: u64) {
        self.settings.lock().unwrap().rows_max = n;
    }

    fn fail(&self, f: Option<Failure>) {
        self.settings.lock().unwrap().fail = f;
    }

    /// The `package_search` requests since the last call, as query maps.
    fn take_searches(&self) -> Vec<HashMap<String, String>> {
        let requests = std::mem::take(&mut self.settings.lock().unwrap().requests);
        requests
            .iter()
            .filter_map(|t| t.strip_prefix("/api/3/action/package_search"))
            .map(|q| query_map(q.trim_start_matches('?')))
            .collect()
    }

    /// Every dataset of a state, as `package_show` gives it to a sysadmin.
    fn all(&self, state: u8) -> Vec<Value> {
        datasets(&self.base, state)
    }

    /// What `package_search` finds in a state: active, public datasets, by id.
    fn public(&self, state: u8) -> Vec<Value> {
        let mut v: Vec<Value> = self.all(state).into_iter().filter(searchable).collect();
        v.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        v
    }
}

fn datasets(base: &str, state: u8) -> Vec<Value> {
    let text = if state == 1 { STATE_1 } else { STATE_2 };
    serde_json::from_str(&text.replace(SITE_URL, base)).expect("corpus state file")
}

/// `package_search` without `include_private`/`include_drafts`/`include_deleted`
/// filters on `+capacity:public +state:(active)` (`ckan/logic/action/get.py`).
fn searchable(p: &Value) -> bool {
    p["state"] == "active" && p["private"] == false
}

/// Decodes a query string as a WSGI server does (`+` is a space).
fn query_map(q: &str) -> HashMap<String, String> {
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                        Ok(v) => {
                            out.push(v);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// JSON as CKAN's `simplejson.dumps` writes it by default: every
/// non-ASCII character escaped as `\uXXXX`.
fn ckan_json(v: &Value) -> String {
    let mut out = String::new();
    for c in v.to_string().chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

const JSON: &str = "application/json;charset=utf-8";

fn answer(base: &str, settings: &Mutex<Settings>, target: &str) -> (&'static str, &'static str, String) {
    let mut s = settings.lock().unwrap();
    s.requests.push(target.to_string());
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query_map(query);
    let help = |action: &str| format!("{base}/api/3/action/help_show?name={action}");
    let Some(action) = path.strip_prefix("/api/3/action/") else {
        return ("404 Not Found", "text/html; charset=utf-8", "<h1>Not Found</h1>".into());
    };
    match action {
        "status_show" => {
            ("200 OK", JSON, ckan_json(&serde_json::from_str(&STATUS_SHOW.replace(SITE_URL, base)).unwrap()))
        }
        "package_search" => {
            let num =
                |k: &str, default: u64| query.get(k).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(default);
            // rows: default(10), then limit_to_configured_maximum('ckan.search.rows_max', 1000).
            let rows = num("rows", 10).min(s.rows_max);
            let start = num("start", 0);
            if let Some(f) = s.fail.filter(|f| f.start == start) {
                let v: Value = serde_json::from_str(&f.envelope.replace(SITE_URL, base)).unwrap();
                return (f.status, JSON, ckan_json(&v));
            }
            let mut found: Vec<Value> = datasets(base, s.state).into_iter().filter(searchable).collect();
            let sort = query.get("sort").map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
            match sort.as_deref() {
                Some("id asc") => found.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str())),
                Some("id desc") => found.sort_by(|a, b| b["id"].as_str().cmp(&a["id"].as_str())),
                // For q=*:* every score is equal: newest first.
                _ => found.sort_by(|a, b| b["metadata_modified"].as_str().cmp(&a["metadata_modified"].as_str())),
            }
            let count = found.len();
            let results: Vec<Value> = found.into_iter().skip(start as usize).take(rows as usize).collect();
            let envelope = json!({
                "help": help("package_search"),
                "success": true,
                "result": {
                    "count": count,
                    "facets": {},
                    "results": results,
                    "sort": sort.as_deref().unwrap_or(DEFAULT_SORT),
                    "search_facets": {},
                },
            });
            ("200 OK", JSON, ckan_json(&envelope))
        }
        // `_finish_bad_request`: a JSON string, not an envelope.
        other => ("400 Bad Request", JSON, ckan_json(&json!(format!("Bad request - Action name not known: {other}")))),
    }
}

fn stats(r: &Value) -> (i64, i64, i64, i64, i64) {
    let s = &r["stats"];
    let n = |k: &str| s[k].as_i64().unwrap();
    (n("created"), n("updated"), n("deleted"), n("unchanged"), n("errored"))
}

async fn harvest(app: &TestApp, source: &str) -> Value {
    app.catalog.harvest_now(source).await.unwrap()
}

/// A finished run's counts.
async fn run(app: &TestApp, source: &str) -> (i64, i64, i64, i64, i64) {
    let r = harvest(app, source).await;
    assert_eq!(r["status"], "finished", "{r}");
    stats(&r)
}

async fn create_source(app: &TestApp, name: &str, ckan: &Ckan) -> String {
    let s = app.ok("harvest_source_create", json!({"name": name, "type": "ckan", "url": ckan.base}), &app.admin).await;
    s["id"].as_str().unwrap().to_string()
}

async fn local_count(app: &TestApp) -> i64 {
    app.ok("package_search", json!({"rows": 0}), &app.admin).await["count"].as_i64().unwrap()
}

/// The dataset as anyone sees it, or `None` when it is not there.
async fn shown(app: &TestApp, id: &str) -> Option<Value> {
    let (status, v) = app.get("package_show", &[("id", id)], None).await;
    match status {
        StatusCode::OK => Some(v["result"].clone()),
        StatusCode::NOT_FOUND => None,
        other => panic!("package_show {id}: {other} {v}"),
    }
}

fn extras(p: &Value) -> BTreeMap<String, String> {
    p["extras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["key"].as_str().unwrap().to_string(), e["value"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn tag_names(p: &Value) -> BTreeSet<String> {
    p["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect()
}

/// Text fields CKAN gives as `""` when left empty in its form, and Kho as null.
fn text(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

/// Checks a local dataset against the remote one it was harvested from.
fn assert_harvested(local: &Value, remote: &Value, ckan: &Ckan, source_id: &str) {
    let name = remote["name"].as_str().unwrap();
    for k in
        ["title", "notes", "license_id", "author", "author_email", "maintainer", "maintainer_email", "url", "version"]
    {
        assert_eq!(text(&local[k]), text(&remote[k]), "{name}: {k}");
    }
    assert_eq!(tag_names(local), tag_names(remote), "{name}: tags");
    assert_eq!(local["organization"]["name"], remote["organization"]["name"], "{name}: organization");
    assert_eq!(local["private"], false, "{name}");

    let (lr, rr) = (local["resources"].as_array().unwrap(), remote["resources"].as_array().unwrap());
    assert_eq!(lr.len(), rr.len(), "{name}: resources");
    for (l, r) in lr.iter().zip(rr) {
        assert_eq!(l["url"], r["url"], "{name}: the resource's address is kept");
        assert_eq!(text(&l["name"]), text(&r["name"]), "{name}: resource name");
        assert_eq!(text(&l["description"]), text(&r["description"]), "{name}: resource description");
        assert_eq!(
            l["format"].as_str().map(str::to_ascii_lowercase),
            r["format"].as_str().map(str::to_ascii_lowercase),
            "{name}: resource format"
        );
        assert_eq!(l["size"], r["size"], "{name}: resource size");
        assert_ne!(l["url_type"], "upload", "{name}: a CKAN upload is a link here");
        if r["url_type"] == "upload" {
            let url = l["url"].as_str().unwrap();
            assert!(
                url.starts_with(&format!("{}/dataset/{}/resource/", ckan.base, remote["id"].as_str().unwrap())),
                "{url}"
            );
        }
    }

    let mut expected: BTreeMap<String, String> =
        extras(remote).into_iter().filter(|(k, _)| !k.starts_with("harvest_")).collect();
    let provenance = [
        ("uri", format!("{}/dataset/{}", ckan.base, remote["id"].as_str().unwrap())),
        ("harvest_source_id", source_id.to_string()),
        ("harvest_source_name", "ckan".to_string()),
        ("harvest_source_title", "ckan".to_string()),
        ("harvest_remote_id", remote["id"].as_str().unwrap().to_string()),
        ("harvest_url", format!("{}/dataset/{name}", ckan.base)),
        // Harvested when this version was written.
        ("harvest_timestamp", local["metadata_modified"].as_str().unwrap().to_string()),
    ];
    expected.extend(provenance.into_iter().map(|(k, v)| (k.to_string(), v)));
    assert_eq!(extras(local), expected, "{name}: extras, the remote's own harvest_* replaced by ours");
}

backends!(a_ckan_site_is_followed_from_one_state_to_the_next, |app| async move {
    let ckan = Ckan::start().await;
    // The replay server answers as CKAN 2.11 does, with its own site URL.
    let status = reqwest::get(format!("{}/api/3/action/status_show", ckan.base)).await.unwrap();
    assert_eq!(status.headers()["content-type"], JSON);
    let raw = status.text().await.unwrap();
    assert!(raw.is_ascii(), "simplejson escapes non-ASCII: {raw}");
    let status: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(
        (&status["success"], &status["result"]["ckan_version"], status["result"]["site_url"].as_str()),
        (&json!(true), &json!("2.11.5"), Some(ckan.base.as_str()))
    );

    let source_id = create_source(app, "ckan", &ckan).await;

    // State 1: every public, active dataset; never the private or the deleted one.
    let public1 = ckan.public(1);
    assert_eq!(public1.len(), 5);
    assert_eq!(ckan.all(1).len(), 7);
    assert_eq!(run(app, "ckan").await, (5, 0, 0, 0, 0));
    let searches = ckan.take_searches();
    assert!(!searches.is_empty());
    for q in &searches {
        assert_eq!(q.get("sort").map(String::as_str), Some("id asc"), "paged by id as ckanext-harvest does: {q:?}");
    }
    assert_eq!(local_count(app).await, 5);
    let mut local_ids = HashMap::new();
    for remote in &public1 {
        let name = remote["name"].as_str().unwrap();
        let local = shown(app, name).await.unwrap_or_else(|| panic!("{name} was not harvested"));
        assert_harvested(&local, remote, &ckan, &source_id);
        local_ids.insert(remote["id"].as_str().unwrap().to_string(), local["id"].as_str().unwrap().to_string());
    }
    for p in ckan.all(1).iter().filter(|p| !searchable(p)) {
        assert!(shown(app, p["name"].as_str().unwrap()).await.is_none(), "{} is not public at the source", p["name"]);
    }
    // The remote organizations, created here under their names and titles.
    for (name, title) in
        [("so-tai-nguyen-moi-truong", "Sở Tài nguyên và Môi trường"), ("da-nang-transport", "Department of Transport")]
    {
        let org = app.ok("organization_show", json!({"id": name}), &app.admin).await;
        assert_eq!(org["title"], title, "{org}");
    }
    let source = app.ok("harvest_source_show", json!({"id": "ckan"}), &app.admin).await;
    assert_eq!(source["datasets"], 5, "{source}");

    // Nothing changed at the source: nothing changes here.
    assert_eq!(run(app, "ckan").await, (0, 0, 0, 5, 0));

    // State 2: one edited, one deleted, one made private, one renamed, one added, one untouched.
    ckan.set_state(2);
    let r2 = harvest(app, "ckan").await;
    let r3 = harvest(app, "ckan").await;
    assert_eq!(r2["status"], "finished", "{r2}");
    let public2 = ckan.public(2);
    assert_eq!(public2.len(), 4);
    assert_eq!(local_count(app).await, 4);
    let by_name = |list: &[Value], name: &str| list.iter().find(|p| p["name"] == name).unwrap().clone();

    let edited = by_name(&public2, "chat-luong-khong-khi-2024");
    assert_ne!(edited["metadata_modified"], by_name(&public1, "chat-luong-khong-khi-2024")["metadata_modified"]);
    let local = shown(app, "chat-luong-khong-khi-2024").await.unwrap();
    assert_eq!(local["id"].as_str(), local_ids.get(edited["id"].as_str().unwrap()).map(String::as_str));
    assert_harvested(&local, &edited, &ckan, &source_id);
    assert!(local["title"].as_str().unwrap().ends_with("số liệu đã hiệu chỉnh"), "{}", local["title"]);

    let added = by_name(&public2, "chat-luong-nuoc-song-han");
    assert_harvested(&shown(app, "chat-luong-nuoc-song-han").await.unwrap(), &added, &ckan, &source_id);
    let untouched = by_name(&public2, "danh-muc-don-vi-hanh-chinh");
    assert_harvested(&shown(app, "danh-muc-don-vi-hanh-chinh").await.unwrap(), &untouched, &ckan, &source_id);

    for gone in ["luong-mua-hang-thang", "mat-do-giao-thong-gio-cao-diem"] {
        let remote = by_name(&ckan.all(2), gone);
        assert!(remote["state"] == "deleted" || remote["private"] == true);
        assert!(shown(app, gone).await.is_none(), "{gone}: deleted or made private at the source, deleted here");
    }
    assert_eq!((r3["status"].as_str(), stats(&r3)), (Some("finished"), (0, 0, 0, 4, 0)), "the rerun: {r3}");

    // The renamed dataset: the same local dataset, pointing at its new name.
    let renamed = by_name(&public2, "tram-dung-xe-buyt");
    let before = by_name(&public1, "diem-dung-xe-buyt");
    assert_eq!(renamed["id"], before["id"]);
    let local_id = &local_ids[renamed["id"].as_str().unwrap()];
    let local = shown(app, local_id).await.expect("the renamed dataset is kept");
    assert_eq!(&local["id"], local_id);
    assert_eq!(
        extras(&local).get("harvest_url").map(String::as_str),
        Some(format!("{}/dataset/tram-dung-xe-buyt", ckan.base).as_str()),
        "the link back follows the rename; the run: {r2}"
    );
    assert_harvested(&local, &renamed, &ckan, &source_id);
    // Planned: created 1 (added), updated 2 (edited, renamed), deleted 2
    // (deleted, made private), unchanged 1.
    assert_eq!(stats(&r2), (1, 2, 2, 1, 0), "{r2}");
});

backends!(a_ckan_capping_rows_is_paged_to_the_end, |app| async move {
    let ckan = Ckan::start().await;
    // As a CKAN with ckan.search.rows_max = 2: the harvester asks for more
    // and gets two a page.
    ckan.cap_rows(2);
    create_source(app, "ckan", &ckan).await;
    assert_eq!(run(app, "ckan").await, (5, 0, 0, 0, 0));
    let searches = ckan.take_searches();
    let starts: Vec<&str> = searches.iter().map(|q| q.get("start").map(String::as_str).unwrap_or("0")).collect();
    assert_eq!(starts, ["0", "2", "4"], "{searches:?}");
    for q in &searches {
        let rows: u64 = q["rows"].parse().unwrap();
        assert!(rows > 2, "the harvester asks for more than the site gives: {q:?}");
        assert_eq!(q["sort"], "id asc");
    }
    assert_eq!(local_count(app).await, 5);
    for remote in ckan.public(1) {
        assert!(shown(app, remote["name"].as_str().unwrap()).await.is_some(), "{} came", remote["name"]);
    }
    assert_eq!(run(app, "ckan").await, (0, 0, 0, 5, 0));
    ckan.take_searches();

    // State 2 through the same narrow pages: 4 datasets, 2 pages.
    ckan.set_state(2);
    let (created, _, deleted, _, errored) = run(app, "ckan").await;
    assert_eq!((created, deleted, errored), (1, 2, 0));
    let starts: Vec<String> = ckan.take_searches().iter().map(|q| q["start"].clone()).collect();
    assert_eq!(starts, ["0", "2"]);
    assert_eq!(local_count(app).await, 4);
    let found = app.ok("package_search", json!({"rows": 100}), &app.admin).await;
    let by_remote: HashMap<String, Value> = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (extras(p)["harvest_remote_id"].clone(), p.clone()))
        .collect();
    for remote in ckan.public(2) {
        let local = &by_remote[remote["id"].as_str().unwrap()];
        assert_eq!(local["title"], remote["title"], "{}", remote["name"]);
    }
});

backends!(an_error_answer_mid_listing_fails_the_run_and_imports_nothing, |app| async move {
    let ckan = Ckan::start().await;
    ckan.cap_rows(2);
    create_source(app, "ckan", &ckan).await;
    // The second page fails, as CKAN 2.11 answers a search it cannot run.
    let failures = [
        Failure { start: 2, status: "500 Internal Server Error", envelope: ERROR_CONNECTION },
        Failure { start: 2, status: "409 Conflict", envelope: ERROR_SEARCH },
    ];
    let mut errors = Vec::new();
    for f in failures {
        ckan.fail(Some(f));
        let r = harvest(app, "ckan").await;
        assert_eq!(r["status"], "failed", "{r}");
        assert_eq!(stats(&r), (0, 0, 0, 0, 0), "{r}");
        assert_eq!(local_count(app).await, 0, "not even the first page was imported");
        let searches = ckan.take_searches();
        assert_eq!(searches.len(), 2, "the run stopped at the failing page: {searches:?}");
        let error = r["error"].as_str().unwrap().to_string();
        assert!(error.contains("start=2"), "the reason names the page: {error}");
        let envelope: Value = serde_json::from_str(f.envelope).unwrap();
        assert_eq!(envelope["success"], false);
        errors.push((error, envelope["error"]["message"].as_str().unwrap().to_string()));
    }
    // Once the site answers again, everything comes.
    ckan.fail(None);
    assert_eq!(run(app, "ckan").await, (5, 0, 0, 0, 0));

    // The run's reason carries CKAN's own message, not only the HTTP status.
    for (error, message) in errors {
        let short: String = message.chars().take(40).collect();
        assert!(error.contains(&short), "the reason gives CKAN's message \"{message}\": {error}");
    }
});
