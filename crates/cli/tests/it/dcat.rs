//! The catalog as DCAT-AP 3 over HTTP: `/catalog.{ttl,jsonld,rdf,xml,nt}`
//! with Hydra paging, `/catalog` and `/dataset/{name}` by `Accept`, and
//! `/dataset/{name}.{ext}`. The documents are validated against the
//! official DCAT-AP 3.0.1 SHACL shapes by pyshacl (`tests/shacl/validate.py`;
//! `KHO_TEST_PYTHON`, scripts/test installs pyshacl); private, draft and
//! deleted datasets are never exported, to anyone.

use crate::backends;
use crate::resources::upload;
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const DCT: &str = "http://purl.org/dc/terms/";
const DCAT: &str = "http://www.w3.org/ns/dcat#";
const SPDX: &str = "http://spdx.org/rdf/terms#";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const EU: &str = "http://publications.europa.eu/resource/authority/";
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// A response: status, the headers the tests look at, body.
#[derive(Debug)]
struct Resp {
    status: StatusCode,
    content_type: String,
    vary: String,
    location: String,
    body: String,
}

/// `GET path` with extra headers, never following redirects.
async fn fetch(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Resp {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut req = client.get(format!("{}{path}", app.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.expect("request");
    let header =
        |name: &str| r.headers().get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(", ");
    let (status, content_type, vary, location) =
        (r.status(), header("content-type"), header("vary"), header("location"));
    Resp { status, content_type, vary, location, body: r.text().await.expect("body") }
}

/// A document that must be there: 200 and the media type.
async fn document(app: &TestApp, path: &str, media_type: &str) -> String {
    let r = fetch(app, path, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    assert!(r.content_type.starts_with(media_type), "{path}: {}", r.content_type);
    r.body
}

/// The triples of an N-Triples document, terms as written there
/// (`<iri>`, `_:b0`, `"v"^^<datatype>`, `"v"@vi`).
fn ntriples(doc: &str) -> Vec<(String, String, String)> {
    doc.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let l = l.strip_suffix('.').unwrap_or_else(|| panic!("not an N-Triples line: {l}")).trim_end();
            let (s, rest) = l.split_once(' ').unwrap_or_else(|| panic!("no predicate: {l}"));
            let (p, o) = rest.split_once(' ').unwrap_or_else(|| panic!("no object: {l}"));
            (s.to_string(), p.to_string(), o.trim().to_string())
        })
        .collect()
}

/// Objects of `subject predicate` (both given as N-Triples terms).
fn objects<'a>(triples: &'a [(String, String, String)], subject: &str, predicate: &str) -> Vec<&'a str> {
    triples.iter().filter(|(s, p, _)| s == subject && p == predicate).map(|(_, _, o)| o.as_str()).collect()
}

fn iri(s: &str) -> String {
    format!("<{s}>")
}

/// The IRI of a dataset in Kho's export.
fn dataset_iri(app: &TestApp, id: &str) -> String {
    format!("{}/dataset/{id}", app.base)
}

/// The IRIs written after `key <` in a Turtle document (`hydra:next <…>`).
fn turtle_iris(doc: &str, key: &str) -> Vec<String> {
    let needle = format!("{key} <");
    doc.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &doc[i + needle.len()..];
            rest[..rest.find('>').expect("closing >")].to_string()
        })
        .collect()
}

/// The values of `hydra:totalItems` in an N-Triples document.
fn total_items(nt: &str) -> Vec<u64> {
    ntriples(nt)
        .iter()
        .filter(|(_, p, _)| *p == iri(&format!("{HYDRA}totalItems")))
        .map(|(_, _, o)| {
            let v = o.strip_suffix(&format!("^^<{XSD}integer>")).unwrap_or_else(|| panic!("not an xsd:integer: {o}"));
            v.trim_matches('"').parse().unwrap()
        })
        .collect()
}

/// The subjects typed `dcat:Dataset` in a Turtle document as Kho writes
/// it (`<iri> a dcat:Dataset ;`), in order, repeats kept.
fn datasets_in(ttl: &str) -> Vec<String> {
    ttl.lines()
        .filter_map(|l| {
            let (subject, rest) = l.strip_prefix('<')?.split_once("> ")?;
            let class = rest.strip_prefix("a ")?.split([' ', ';', ',']).next()?;
            (class == "dcat:Dataset").then(|| subject.to_string())
        })
        .collect()
}

/// Signs `user` in through the login form; returns the session cookie.
async fn session(app: &TestApp, user: &str, password: &str) -> String {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = client.get(format!("{}/user/login", app.base)).send().await.unwrap();
    let csrf_cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let page = form.text().await.unwrap();
    let i = page.find("name=\"_csrf\" value=\"").expect("a CSRF field");
    let csrf = &page[i + 20..][..page[i + 20..].find('"').unwrap()];
    let resp = client
        .post(format!("{}/user/login", app.base))
        .header("cookie", csrf_cookie)
        .form(&[("_csrf", csrf), ("login", user), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "login failed");
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kho_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("a session cookie")
}

/// The SHA-256 of `bytes`, computed apart from Kho (coreutils).
fn sha256(app: &TestApp, bytes: &[u8]) -> String {
    let f = app.data_dir().join("sha256-input");
    std::fs::write(&f, bytes).unwrap();
    let out = std::process::Command::new("sha256sum").arg(&f).output().expect("sha256sum");
    String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_string()
}

/// An organization with an agency kind and an English title.
async fn agency(app: &TestApp, name: &str, title: &str, kind: &str, title_en: &str) {
    app.ok(
        "organization_create",
        json!({"name": name, "title": title, "agency_kind": kind, "title_translated": {"en": title_en}}),
        &app.admin,
    )
    .await;
}

/// A public dataset with a title only.
async fn plain(app: &TestApp, org: &str, name: &str) -> Value {
    app.ok("package_create", json!({"name": name, "title": format!("Dữ liệu {name}"), "owner_org": org}), &app.admin)
        .await
}

backends!(export_conforms_to_dcat_ap_3, |app| async move {
    agency(app, "bo-tai-chinh", "Bộ Tài chính", "ministry", "Ministry of Finance").await;
    agency(app, "ubnd-ha-noi", "UBND Thành phố Hà Nội", "province", "Ha Noi People's Committee").await;
    app.ok("group_create", json!({"name": "tai-chinh", "title": "Tài chính"}), &app.admin).await;
    let complete = app
        .ok(
            "package_create",
            json!({
                "name": "thu-chi-ngan-sach-2024",
                "title": "Thu chi ngân sách Hà Nội 2024",
                "title_translated": {"en": "Ha Noi budget revenue and expenditure 2024"},
                "notes": "Số liệu thu, chi ngân sách năm 2024 theo quý.",
                "notes_translated": {"en": "Budget revenue and expenditure in 2024, by quarter."},
                "owner_org": "bo-tai-chinh",
                "tags": [{"name": "ngân sách"}, {"name": "tài chính công"}],
                "groups": [{"name": "tai-chinh"}],
                "spatial": "01",
                "temporal_start": "2024-01-01", "temporal_end": "2024-12-31",
                "update_frequency": "biannual",
                "license_id": "cc-by-4.0",
                "maintainer": "Vụ Ngân sách nhà nước", "maintainer_email": "ngansach@mof.gov.vn",
                "version": "2024.2",
                "url": "https://mof.gov.vn/ngan-sach",
                "resources": [{"url": "https://mof.gov.vn/thu-chi-2024.xlsx", "format": "XLSX", "name": "Bản Excel"}]
            }),
            &app.admin,
        )
        .await;
    let csv = "quy,thu,chi\n1,1200,1100\n2,1300,1250\n3,1250,1300\n4,1400,1350\n".as_bytes().to_vec();
    let (s, v) = upload(
        app,
        "resource_create",
        &[("package_id", "thu-chi-ngan-sach-2024"), ("name", "Bảng thu chi"), ("format", "CSV")],
        "thu-chi-2024.csv",
        csv.clone(),
        &app.admin,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let upload_res = &v["result"];
    let hash = upload_res["hash"].as_str().expect("an upload has a hash").to_string();
    assert_eq!(hash, sha256(app, &csv));
    assert_eq!(upload_res["size"], csv.len());
    let minimal = app
        .ok(
            "package_create",
            json!({"name": "diem-wifi", "title": "Điểm wifi công cộng", "owner_org": "ubnd-ha-noi"}),
            &app.admin,
        )
        .await;
    // Shared data (Law on Data, art. 18) must be private in Kho, so it is
    // never exported: the export's RESTRICTED access right has no dataset
    // to go to (Kho refuses `data_sharing: shared` with `private: false`).
    let (s, v) = app
        .post(
            "package_create",
            json!({"name": "danh-ba-noi-bo", "title": "Danh bạ nội bộ", "owner_org": "ubnd-ha-noi",
                   "data_sharing": "shared"}),
            Some(&app.admin),
        )
        .await;
    assert_eq!((s, v["error"]["private"].is_array()), (StatusCode::CONFLICT, true), "{v}");
    let hidden = app
        .ok(
            "package_create",
            json!({"name": "ho-so-mat", "title": "Hồ sơ mật", "owner_org": "ubnd-ha-noi", "private": true,
                   "data_sharing": "shared"}),
            &app.admin,
        )
        .await;
    let (complete_id, minimal_id) = (complete["id"].as_str().unwrap(), minimal["id"].as_str().unwrap());
    let hidden_id = hidden["id"].as_str().unwrap();

    let dir = tempfile::Builder::new().prefix("kho-dcat-").tempdir().unwrap();
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    let report = dir.path().join("report.json");
    args.extend(["--json".into(), report.clone().into_os_string()]);
    let mut files = BTreeMap::new();
    for (path, media_type, shacl_format, file) in [
        ("/catalog.ttl", "text/turtle", "turtle", "catalog.ttl"),
        ("/catalog.jsonld", "application/ld+json", "json-ld", "catalog.jsonld"),
        ("/catalog.rdf", "application/rdf+xml", "xml", "catalog.rdf"),
        ("/catalog.nt?all=true", "application/n-triples", "nt", "catalog-all.nt"),
        ("/dataset/thu-chi-ngan-sach-2024.ttl", "text/turtle", "turtle", "dataset.ttl"),
        ("/dataset/thu-chi-ngan-sach-2024.jsonld", "application/ld+json", "json-ld", "dataset.jsonld"),
        ("/dataset/thu-chi-ngan-sach-2024.rdf", "application/rdf+xml", "xml", "dataset.rdf"),
    ] {
        let body = document(app, path, media_type).await;
        assert!(body.contains(complete_id), "{path} lacks the complete dataset:\n{body}");
        assert!(!body.contains(hidden_id) && !body.contains("ho-so-mat"), "{path} shows the private dataset");
        if path.starts_with("/catalog") {
            assert!(body.contains(minimal_id), "{path} lacks the minimal dataset");
        }
        let f = dir.path().join(file);
        std::fs::write(&f, &body).unwrap();
        files.insert(file, body);
        args.extend([f.into_os_string(), shacl_format.into()]);
    }
    crate::support::python_check("tests/shacl/validate.py", args, "SHACL OK").await;

    // What pyshacl found: the complete dataset's own document misses only
    // the geometry of its province (Kho has none), in every format.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let found = report["files"].as_array().unwrap();
    assert_eq!(found.len(), files.len(), "{report}");
    let location = format!("{}/admin-units/1", app.base);
    let expected: BTreeSet<(String, String)> =
        ["bbox", "centroid"].iter().map(|p| (location.clone(), format!("{DCAT}{p}"))).collect();
    for f in found {
        assert_eq!((f["A_results"].as_u64(), f["B_violations"].as_u64()), (Some(0), Some(0)), "{f}");
        let warnings: Vec<(String, String)> = f["B_warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| (w["focus"].as_str().unwrap_or("").to_string(), w["path"].as_str().unwrap_or("").to_string()))
            .collect();
        let name = f["file"].as_str().unwrap();
        let file = std::path::Path::new(name).file_name().unwrap().to_string_lossy();
        if file.starts_with("dataset.") {
            assert_eq!(warnings.iter().cloned().collect::<BTreeSet<_>>(), expected, "{name}: {f}");
            assert_eq!(warnings.len(), 2, "{name}: {f}");
        } else {
            // The minimal dataset does miss recommended properties: the
            // warnings are computed, and the complete dataset has none of its own.
            let minimal_iri = dataset_iri(app, minimal_id);
            assert!(warnings.iter().any(|(focus, _)| *focus == minimal_iri), "{name}: {f}");
            assert!(!warnings.iter().any(|(focus, _)| *focus == dataset_iri(app, complete_id)), "{name}: {f}");
        }
    }

    // The values, read from the whole catalog as N-Triples.
    let t = ntriples(&files["catalog-all.nt"]);
    let (d, m) = (iri(&dataset_iri(app, complete_id)), iri(&dataset_iri(app, minimal_id)));
    let dct = |p: &str| iri(&format!("{DCT}{p}"));
    assert_eq!(objects(&t, &d, &dct("accrualPeriodicity")), [iri(&format!("{EU}frequency/ANNUAL_2"))]);
    assert_eq!(objects(&t, &d, &dct("accessRights")), [iri(&format!("{EU}access-right/PUBLIC"))]);
    assert_eq!(objects(&t, &m, &dct("accessRights")), [iri(&format!("{EU}access-right/PUBLIC"))]);
    assert_eq!(objects(&t, &d, &dct("spatial")), [iri(&location)]);
    let rid = upload_res["id"].as_str().unwrap();
    let dist = iri(&format!("{}/dataset/{complete_id}/resource/{rid}", app.base));
    assert!(objects(&t, &d, &iri(&format!("{DCAT}distribution"))).contains(&dist.as_str()));
    assert_eq!(
        objects(&t, &dist, &iri(&format!("{DCAT}byteSize"))),
        [format!("\"{}\"^^<{XSD}nonNegativeInteger>", csv.len())]
    );
    let sums = objects(&t, &dist, &iri(&format!("{SPDX}checksum")));
    assert_eq!(sums.len(), 1, "one checksum");
    assert_eq!(objects(&t, sums[0], &iri(&format!("{SPDX}checksumValue"))), [format!("\"{hash}\"^^<{XSD}hexBinary>")]);
    assert_eq!(
        objects(&t, sums[0], &iri(&format!("{SPDX}algorithm"))),
        [iri(&format!("{SPDX}checksumAlgorithm_sha256"))]
    );
    let link = complete["resources"][0]["id"].as_str().unwrap();
    let link = iri(&format!("{}/dataset/{complete_id}/resource/{link}", app.base));
    assert_eq!(objects(&t, &link, &dct("format")), [iri(&format!("{EU}file-type/XLSX"))]);
    assert!(objects(&t, &link, &iri(&format!("{SPDX}checksum"))).is_empty(), "a link has no checksum");
    // The agencies: their kind as an ADMS publisher type, their names in both languages.
    for (dataset, org, kind, name_en) in [
        (&d, "bo-tai-chinh", "NationalAuthority", "Ministry of Finance"),
        (&m, "ubnd-ha-noi", "RegionalAuthority", "Ha Noi People's Committee"),
    ] {
        let agent = iri(&format!("{}/organization/{org}", app.base));
        assert_eq!(objects(&t, dataset, &dct("publisher")), [agent.as_str()]);
        assert_eq!(objects(&t, &agent, &dct("type")), [iri(&format!("http://purl.org/adms/publishertype/{kind}"))]);
        let names = objects(&t, &agent, "<http://xmlns.com/foaf/0.1/name>");
        assert!(names.contains(&format!("\"{name_en}\"@en").as_str()), "{org}: {names:?}");
    }
    // The dataset page's schema.org names the same dataset, agency, licence
    // and place as the export; its page links the DCAT forms.
    let (_, _, html) = app.page("/dataset/thu-chi-ngan-sach-2024").await;
    let start = html.find("application/ld+json\">").expect("schema.org") + "application/ld+json\">".len();
    let ld: serde_json::Value =
        serde_json::from_str(&html[start..start + html[start..].find("</script>").unwrap()]).unwrap();
    let bare = |t: &str| t.trim_start_matches('<').trim_end_matches('>').to_string();
    assert_eq!(ld["@id"], bare(&d));
    assert_eq!(ld["publisher"]["@id"], format!("{}/organization/bo-tai-chinh", app.base));
    assert_eq!(ld["spatialCoverage"]["@id"], location);
    let licences = objects(&t, &iri(&format!("{}/dataset/{complete_id}/resource/{rid}", app.base)), &dct("license"));
    assert_eq!(licences.iter().map(|l| bare(l)).collect::<Vec<_>>(), [ld["license"].as_str().unwrap()]);
    assert!(html.contains("type=\"text/turtle\" href=\"") && html.contains("/dataset/thu-chi-ngan-sach-2024.ttl\""));
});

backends!(private_datasets_are_never_exported, |app| async move {
    app.org("so-noi-vu").await;
    let public = plain(app, "so-noi-vu", "to-chuc-bo-may").await;
    let private = app
        .ok(
            "package_create",
            json!({"name": "ho-so-can-bo", "title": "Hồ sơ cán bộ", "owner_org": "so-noi-vu", "private": true,
                   "data_sharing": "private_use"}),
            &app.admin,
        )
        .await;
    let draft = app
        .ok(
            "package_create",
            json!({"name": "ban-nhap-quy-che", "title": "Bản nháp quy chế", "owner_org": "so-noi-vu", "state": "draft"}),
            &app.admin,
        )
        .await;
    assert_eq!(draft["state"], "draft");
    let deleted = plain(app, "so-noi-vu", "da-xoa-bien-che").await;
    app.ok("package_delete", json!({"id": "da-xoa-bien-che"}), &app.admin).await;
    let hidden: Vec<(&str, &str)> =
        [&private, &draft, &deleted].iter().map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap())).collect();
    // The sysadmin does reach them elsewhere, so the 404s below are the export's rule.
    let cookie = session(app, "admin", "mat-khau-quan-tri").await;
    for (id, name) in &hidden[..2] {
        let (s, _) = app.get("package_show", &[("id", id)], Some(&app.admin)).await;
        assert_eq!(s, StatusCode::OK, "{name}");
        let page = fetch(app, &format!("/dataset/{name}"), &[("cookie", &cookie), ("accept", BROWSER)]).await;
        assert_eq!(page.status, StatusCode::OK, "the sysadmin sees {name}'s page");
        assert!(!page.body.contains(&format!("/dataset/{name}.ttl")), "{name}'s page links no DCAT form");
    }

    let public_id = public["id"].as_str().unwrap();
    let mut paths: Vec<String> = Vec::new();
    for ext in ["ttl", "jsonld", "rdf", "xml", "nt"] {
        paths.push(format!("/catalog.{ext}"));
        paths.push(format!("/catalog.{ext}?all=true"));
        paths.push(format!("/catalog.{ext}?per_page=1&page=1"));
        paths.push(format!("/catalog.{ext}?per_page=1&page=2"));
    }
    for path in &paths {
        for headers in [vec![], vec![("authorization", app.admin.as_str()), ("cookie", cookie.as_str())]] {
            let r = fetch(app, path, &headers).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
            let on_page_one = !path.contains("page=2");
            assert_eq!(r.body.contains(public_id), on_page_one, "{path}: the public dataset");
            assert!(r.body.contains("to-chuc-bo-may") == on_page_one, "{path}: the public dataset's name");
            for (id, name) in &hidden {
                assert!(!r.body.contains(id), "{path} exports {name} by id");
                assert!(!r.body.contains(name), "{path} exports {name} by name");
            }
        }
    }
    for path in ["/catalog.nt", "/catalog.nt?per_page=1&page=1"] {
        let nt = document(app, path, "application/n-triples").await;
        assert_eq!(total_items(&nt), [1, 1], "{path}: the catalog's and the view's count");
    }
    // Through /catalog's negotiation as well.
    let r = fetch(app, "/catalog", &[("accept", "text/turtle"), ("authorization", &app.admin)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(public_id));
    assert!(hidden.iter().all(|(id, name)| !r.body.contains(id) && !r.body.contains(name)));

    for (id, name) in &hidden {
        for who in [vec![], vec![("authorization", app.admin.as_str()), ("cookie", cookie.as_str())]] {
            for target in [name, id] {
                for ext in ["ttl", "jsonld", "rdf", "nt"] {
                    let r = fetch(app, &format!("/dataset/{target}.{ext}"), &who).await;
                    assert_eq!(r.status, StatusCode::NOT_FOUND, "/dataset/{target}.{ext} ({} headers)", who.len());
                    assert!(!r.body.contains("dcat"), "{}", r.body);
                }
                let mut with_accept = who.clone();
                with_accept.push(("accept", "text/turtle"));
                let r = fetch(app, &format!("/dataset/{target}"), &with_accept).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "/dataset/{target} as Turtle ({} headers)", who.len());
            }
        }
    }
    // The public one answers, by name and by id.
    for target in ["to-chuc-bo-may", public_id] {
        let r = fetch(app, &format!("/dataset/{target}"), &[("accept", "text/turtle")]).await;
        assert_eq!(r.status, StatusCode::OK, "{target}");
        assert!(r.body.contains(&dataset_iri(app, public_id)));
    }
});

backends!(hydra_pages_walk_the_whole_catalog, |app| async move {
    app.org("so-xay-dung").await;
    let mut created = Vec::new();
    for i in 1..=7 {
        created.push(plain(app, "so-xay-dung", &format!("cong-trinh-{i}")).await);
    }
    app.ok("package_create", json!({"name": "an-di", "owner_org": "so-xay-dung", "private": true}), &app.admin).await;
    let mut all: Vec<String> = created.iter().map(|p| dataset_iri(app, p["id"].as_str().unwrap())).collect();
    all.sort();

    /// A page read by following links: where it was, its datasets, its Turtle.
    struct Seen {
        url: String,
        datasets: Vec<String>,
        ttl: String,
    }

    /// Follows `hydra:next` from `start` to the page without one.
    async fn walk(app: &TestApp, start: &str) -> Vec<Seen> {
        let mut pages: Vec<Seen> = Vec::new();
        let mut url = Some(format!("{}{start}", app.base));
        while let Some(u) = url.take() {
            assert!(pages.len() < 10, "hydra:next never ends");
            let path = u.strip_prefix(&app.base).expect("a link on this site");
            let ttl = document(app, path, "text/turtle").await;
            let next = turtle_iris(&ttl, "hydra:next");
            assert!(next.len() <= 1, "{ttl}");
            url = next.into_iter().next();
            pages.push(Seen { url: u, datasets: datasets_in(&ttl), ttl });
        }
        pages
    }
    /// Every dataset met on `pages`, sorted, repeats kept.
    fn union(pages: &[Seen]) -> Vec<String> {
        let mut v: Vec<String> = pages.iter().flat_map(|p| p.datasets.iter().cloned()).collect();
        v.sort();
        v
    }

    let pages = walk(app, "/catalog.ttl?per_page=3").await;
    assert_eq!(pages.iter().map(|p| p.datasets.len()).collect::<Vec<_>>(), [3, 3, 1], "7 datasets, 3 a page");
    assert_eq!(union(&pages), all, "each public dataset exactly once");
    for (i, p) in pages.iter().enumerate() {
        let first = format!("{}/catalog.ttl?page=1&per_page=3", app.base);
        assert_eq!(turtle_iris(&p.ttl, "hydra:first"), [first.as_str()], "{}", p.url);
        assert_eq!(turtle_iris(&p.ttl, "hydra:last"), [format!("{}/catalog.ttl?page=3&per_page=3", app.base)]);
        assert_eq!(turtle_iris(&p.ttl, "hydra:previous").len(), usize::from(i > 0), "{}", p.url);
        assert!(p.ttl.contains("a hydra:PartialCollectionView , hydra:PagedCollection"), "{}", p.url);
        let view = if i == 0 { first } else { p.url.clone() };
        assert_eq!(turtle_iris(&p.ttl, "hydra:view"), [view], "the view is the page read");
        assert!(p.ttl.contains("hydra:totalItems 7 ;") && p.ttl.contains("hydra:itemsPerPage 3 ;"), "{}", p.ttl);
        if i > 0 {
            assert!(p.url.contains(&format!("page={}", i + 1)) && p.url.contains("after="), "{}", p.url);
        }
    }
    assert!(turtle_iris(&pages[2].ttl, "hydra:next").is_empty(), "the last page has no next");
    for path in ["/catalog.nt?per_page=3", "/catalog.nt?per_page=3&page=3"] {
        let nt = document(app, path, "application/n-triples").await;
        assert_eq!(total_items(&nt), [7, 7], "{path}");
    }
    // Numbered pages (the first and last links have no cursor) agree with the walk.
    for (n, p) in pages.iter().enumerate() {
        let numbered = document(app, &format!("/catalog.ttl?per_page=3&page={}", n + 1), "text/turtle").await;
        assert_eq!(datasets_in(&numbered), p.datasets, "page {}", n + 1);
    }
    let beyond = document(app, "/catalog.ttl?per_page=3&page=4", "text/turtle").await;
    assert!(datasets_in(&beyond).is_empty() && turtle_iris(&beyond, "hydra:next").is_empty());

    // Nonsense is refused, naming the field.
    for (query, field) in [
        ("page=0", "page"),
        ("page=eins", "page"),
        ("per_page=5000", "per_page"),
        ("per_page=0", "per_page"),
        ("modified_since=nonsense", "modified_since"),
    ] {
        let r = fetch(app, &format!("/catalog.ttl?{query}"), &[]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{query}: {}", r.body);
        assert!(r.content_type.starts_with("application/json"), "{query}: {}", r.content_type);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["success"], false);
        assert_eq!(v["error"]["__type"], "Validation Error", "{v}");
        assert!(v["error"][field][0].as_str().is_some_and(|m| !m.is_empty()), "{query}: {v}");
    }
    let r = fetch(app, "/catalog.ttl?per_page=1000", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "the largest page is allowed");

    // modified_since: the last dataset created, and one changed since.
    let since = created[6]["metadata_modified"].as_str().unwrap().to_string();
    app.ok("package_patch", json!({"id": "cong-trinh-2", "notes": "Đã cập nhật"}), &app.admin).await;
    let query = form_urlencoded::Serializer::new(String::new()).append_pair("modified_since", &since).finish();
    let recent = document(app, &format!("/catalog.ttl?{query}"), "text/turtle").await;
    let mut expected: Vec<String> =
        [1, 6].iter().map(|i| dataset_iri(app, created[*i]["id"].as_str().unwrap())).collect();
    expected.sort();
    let mut got = datasets_in(&recent);
    got.sort();
    assert_eq!(got, expected, "changed at or after {since}");
    let nt = document(app, &format!("/catalog.nt?{query}"), "application/n-triples").await;
    assert_eq!(total_items(&nt), [2, 2]);
    assert!(turtle_iris(&recent, "hydra:first")[0].contains("modified_since="), "links keep the filter");
    let later = document(app, "/catalog.ttl?modified_since=2999-01-01", "text/turtle").await;
    assert!(datasets_in(&later).is_empty() && later.contains("hydra:totalItems 0 ;"));

    // A dataset on page 1 is deleted while a harvester walks: the next
    // links (keyset cursor) still give every remaining dataset once.
    let first = document(app, "/catalog.ttl?per_page=3", "text/turtle").await;
    let on_first = datasets_in(&first);
    let gone = on_first[0].clone();
    app.ok("package_delete", json!({"id": gone.rsplit('/').next().unwrap()}), &app.admin).await;
    let next = turtle_iris(&first, "hydra:next");
    let rest = walk(app, next[0].strip_prefix(&app.base).unwrap()).await;
    let mut seen = union(&rest);
    seen.extend(on_first.iter().cloned());
    seen.sort();
    let read: Vec<(&str, usize)> = rest.iter().map(|p| (p.url.as_str(), p.datasets.len())).collect();
    assert_eq!(seen, all, "every dataset once: the deleted one on the page read before, the rest after {read:?}");
    let remaining: Vec<String> = all.iter().filter(|d| **d != gone).cloned().collect();
    assert_eq!(union(&walk(app, "/catalog.ttl?per_page=3").await), remaining, "a fresh walk skips the deleted one");
});

backends!(content_negotiation, |app| async move {
    app.org("so-giao-duc").await;
    let p = plain(app, "so-giao-duc", "truong-hoc").await;
    let d = dataset_iri(app, p["id"].as_str().unwrap());
    let catalog = format!("{}/catalog", app.base);

    let r = fetch(app, "/catalog", &[("accept", "text/turtle")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type.starts_with("text/turtle"), "{}", r.content_type);
    assert!(r.vary.to_ascii_lowercase().contains("accept"), "{}", r.vary);
    assert!(r.body.contains(&format!("<{catalog}>")) && r.body.contains("dcat:Catalog") && r.body.contains(&d));

    let r = fetch(app, "/catalog", &[("accept", "application/ld+json")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type.starts_with("application/ld+json"), "{}", r.content_type);
    let doc: Value = serde_json::from_str(&r.body).expect("JSON-LD is JSON");
    let text = doc.to_string();
    assert!(text.contains(&catalog) && text.contains(&d), "{doc}");

    let r = fetch(app, "/catalog", &[("accept", "application/rdf+xml")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type.starts_with("application/rdf+xml"), "{}", r.content_type);
    assert!(r.body.trim_start().starts_with("<?xml") && r.body.contains("rdf:RDF") && r.body.contains(&d));

    let r = fetch(app, "/catalog", &[("accept", "application/ld+json, text/turtle;q=0.5")]).await;
    assert!(r.content_type.starts_with("application/ld+json"), "the preferred one: {}", r.content_type);

    for accept in [BROWSER, "text/html", "*/*"] {
        let r = fetch(app, "/catalog", &[("accept", accept)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{accept}");
        assert_eq!(r.location, "/dataset", "{accept}");
        assert!(r.vary.to_ascii_lowercase().contains("accept"), "{accept}: {}", r.vary);
    }

    let page = fetch(app, "/dataset/truong-hoc", &[("accept", BROWSER)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
    assert!(page.vary.to_ascii_lowercase().contains("accept"), "{}", page.vary);
    assert!(page.body.contains("Dữ liệu truong-hoc"));
    for (accept, media_type) in [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
    ] {
        let r = fetch(app, "/dataset/truong-hoc", &[("accept", accept)]).await;
        assert_eq!(r.status, StatusCode::OK, "{accept}");
        assert!(r.content_type.starts_with(media_type), "{accept}: {}", r.content_type);
        assert!(r.vary.to_ascii_lowercase().contains("accept"), "{accept}: {}", r.vary);
        assert!(r.body.contains(&d), "{accept}: {}", r.body);
        assert!(!r.body.contains("<html"), "{accept}");
    }
    let ext = fetch(app, "/dataset/truong-hoc.ttl", &[("accept", BROWSER)]).await;
    assert_eq!(ext.status, StatusCode::OK);
    assert!(ext.content_type.starts_with("text/turtle"), "the extension wins: {}", ext.content_type);
    assert!(ext.body.contains(&format!("<{d}>")) && ext.body.contains("dcat:Dataset"));
});
