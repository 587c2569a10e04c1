//! The web portal over HTTP: pages in both languages, sessions and CSRF,
//! staff forms, caching headers, and access control seen from outside
//! (a private dataset never shows on any page, sitemap or JSON-LD).
//! Browser-driven checks are in `portal_e2e`.

use crate::backends;
use crate::resources::upload;
use crate::support::TestApp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use std::collections::BTreeMap;

/// A browser stand-in: keeps cookies, never follows redirects.
pub struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

/// A response: status, headers, body.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of a hidden `_csrf` field on the page.
    pub fn csrf(&self) -> String {
        let i = self.body.find("name=\"_csrf\" value=\"").expect("a form with a CSRF field");
        let rest = &self.body[i + 20..];
        rest[..rest.find('"').unwrap()].to_string()
    }
    pub fn location(&self) -> String {
        self.headers.get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { base: app.base.clone(), client, cookies: BTreeMap::new() }
    }

    /// The browser's cookies as a `Cookie` header (for requests made
    /// beside it, such as downloads read as bytes).
    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&mut self, resp: reqwest::Response) -> Page {
        for sc in resp.headers().get_all("set-cookie") {
            let s = sc.to_str().unwrap();
            let (kv, attrs) = s.split_once(';').unwrap_or((s, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if v.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        Page { status, headers, body: resp.text().await.unwrap() }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(resp).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish())
            .send()
            .await
            .unwrap();
        self.finish(resp).await
    }

    pub async fn post_multipart(&mut self, path: &str, form: Form) -> Page {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.finish(resp).await
    }

    /// Signs in through the login form.
    pub async fn login(&mut self, user: &str, password: &str) {
        let form = self.get("/user/login").await;
        let csrf = form.csrf();
        let r = self.post("/user/login", &[("_csrf", &csrf), ("login", user), ("password", password)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login failed: {}", r.body);
        assert!(self.cookies.contains_key("kho_session"));
    }
}

backends!(pages_render_in_both_languages, |app| async move {
    app.org("so-y-te").await;
    app.ok("group_create", json!({"name": "y-te", "title": "Y tế"}), &app.admin).await;
    app.ok(
        "package_create",
        json!({"name": "benh-vien", "title": "Bệnh viện công lập", "owner_org": "so-y-te",
               "title_translated": {"en": "Public hospitals"}, "notes": "Danh sách **bệnh viện**.",
               "groups": [{"name": "y-te"}], "tags": [{"name": "y tế"}]}),
        &app.admin,
    )
    .await;
    let mut b = Browser::new(app);
    for (path, lang, needle) in [
        ("/", "vi", "Dữ liệu mới nhất"),
        ("/en", "en", "Newest datasets"),
        ("/dataset", "vi", "Tìm thấy 1 bộ dữ liệu"),
        ("/en/dataset", "en", "1 dataset found"),
        ("/dataset/benh-vien", "vi", "Bệnh viện công lập"),
        ("/en/dataset/benh-vien", "en", "Public hospitals"),
        ("/organization", "vi", "Cơ quan so-y-te"),
        ("/organization/so-y-te", "vi", "Bệnh viện công lập"),
        ("/group", "en", "Y tế"),
        ("/group/y-te", "vi", "Bệnh viện công lập"),
        ("/about", "vi", "Luật Dữ liệu"),
        ("/en/about", "en", "Law on Data"),
        ("/api/docs", "vi", "/api/openapi.json"),
        ("/user/login", "vi", "Mật khẩu"),
    ] {
        let path = if lang == "en" && !path.starts_with("/en") { format!("/en{path}") } else { path.to_string() };
        let p = b.get(&path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        assert!(p.body.contains(&format!("<html lang=\"{lang}\">")), "{path}");
        assert!(p.body.contains(needle), "{path} lacks {needle}");
        assert_eq!(p.headers["content-language"], lang, "{path}");
        assert!(p.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    }
    // Markdown is rendered; the English page falls back to Vietnamese notes.
    let p = b.get("/en/dataset/benh-vien").await;
    assert!(p.body.contains("<strong>bệnh viện</strong>"), "{}", p.body);
    // Dates per language.
    let today = kho_core::timefmt::now();
    let (y, m, d) = (&today[0..4], &today[5..7], &today[8..10]);
    assert!(b.get("/dataset/benh-vien").await.body.contains(&format!("{d}/{m}/{y}")));
    assert_eq!(b.get("/en/").await.location(), "/en");
    // Agencies' English names on English pages: facets, results, the dataset page, the home page.
    app.ok(
        "organization_patch",
        json!({"id": "so-y-te", "title_translated": {"en": "Department of Health"}}),
        &app.admin,
    )
    .await;
    for path in ["/en/dataset", "/en/dataset/benh-vien", "/en", "/en/organization"] {
        let p = b.get(path).await;
        assert!(p.body.contains("Department of Health"), "{path}");
    }
    assert!(!b.get("/dataset").await.body.contains("Department of Health"));
    // Unknown pages: HTML in the path's language; unknown API paths: JSON.
    let p = b.get("/en/no-such-page").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.body.contains("Page not found"));
    let p = b.get("/dataset/khong-co").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.body.contains("Không tìm thấy trang"));
    let p = b.get("/api/3/nothing").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.headers["content-type"].to_str().unwrap().contains("json"));
});

backends!(private_datasets_never_appear_on_pages, |app| async move {
    app.org("so-y-te").await;
    app.org("so-khac").await;
    app.ok("group_create", json!({"name": "y-te", "title": "Y tế"}), &app.admin).await;
    app.user("noi-bo").await;
    app.member("so-y-te", "noi-bo", "member").await;
    app.user("nguoi-ngoai").await;
    app.member("so-khac", "nguoi-ngoai", "admin").await;
    app.ok(
        "package_create",
        json!({"name": "cong-khai", "title": "Dữ liệu công khai", "owner_org": "so-y-te",
               "groups": [{"name": "y-te"}], "tags": [{"name": "chung"}]}),
        &app.admin,
    )
    .await;
    let secret = app
        .ok(
            "package_create",
            json!({"name": "ho-so-mat", "title": "Hồ sơ tuyệt mật XYZ", "owner_org": "so-y-te", "private": true,
                   "data_sharing": "private_use", "groups": [{"name": "y-te"}],
                   "tags": [{"name": "chung"}, {"name": "the-mat"}]}),
            &app.admin,
        )
        .await;
    let sid = secret["id"].as_str().unwrap().to_string();
    let (_, up) = upload(
        app,
        "resource_create",
        &[("package_id", &sid), ("name", "Tệp mật")],
        "mat.csv",
        b"a\n1\n".to_vec(),
        &app.admin,
    )
    .await;
    let rid = up["result"]["id"].as_str().unwrap().to_string();
    app.catalog.record_views(&[(sid.clone(), 50)]).await.unwrap();

    // (The search box and filter chips echo what was typed, so the query
    // words themselves are not evidence.)
    let leaks = |body: &str| {
        body.contains("tuyệt mật") || body.contains("ho-so-mat") || body.contains(">the-mat</a>") || body.contains(&sid)
    };
    let pages = [
        "/",
        "/dataset",
        "/dataset?q=XYZ",
        "/dataset?q=tuyet+mat",
        "/dataset?tags=the-mat",
        "/dataset?tags=chung",
        "/dataset?organization=so-y-te",
        "/dataset?sort=metadata_created+desc",
        "/organization",
        "/organization/so-y-te",
        "/group",
        "/group/y-te",
        "/about",
        "/sitemap.xml",
        "/sitemap/pages.xml",
        "/sitemap/datasets-1.xml",
        "/robots.txt",
    ];
    let mut anon = Browser::new(app);
    let mut outsider = Browser::new(app);
    outsider.login("nguoi-ngoai", crate::support::USER_PASSWORD).await;
    for b in [&mut anon, &mut outsider] {
        for p in pages {
            for path in [p.to_string(), format!("/en{}", if p == "/" { "" } else { p })] {
                if path.starts_with("/en/sitemap") || path.starts_with("/en/robots") {
                    continue;
                }
                let page = b.get(&path).await;
                assert_eq!(page.status, StatusCode::OK, "{path}");
                assert!(!leaks(&page.body), "{path} leaks the private dataset:\n{}", page.body);
            }
        }
        for path in [
            "/dataset/ho-so-mat".to_string(),
            format!("/dataset/{sid}"),
            format!("/en/dataset/ho-so-mat/resource/{rid}"),
            format!("/dataset/ho-so-mat/resource/{rid}"),
            format!("/dataset/{sid}/resource/{rid}/download/mat.csv"),
            "/dataset/edit/ho-so-mat".to_string(),
        ] {
            let page = b.get(&path).await;
            assert!(
                page.status == StatusCode::NOT_FOUND || page.status == StatusCode::SEE_OTHER,
                "{path}: {}",
                page.status
            );
            // The error page echoes the requested path; nothing else.
            assert!(!page.body.contains("tuyệt mật") && !page.body.contains("Tệp mật"), "{path} leaks");
        }
    }
    // The public dataset's JSON-LD and counts show only public data.
    let home = anon.get("/").await;
    assert!(home.body.contains("Dữ liệu công khai"));
    assert!(home.body.contains("<strong>1</strong>"), "the home count must be the public count");
    // A member of the owning agency sees it, marked private, and downloads it.
    let mut insider = Browser::new(app);
    insider.login("noi-bo", crate::support::USER_PASSWORD).await;
    let page = insider.get("/dataset?q=XYZ").await;
    assert!(page.body.contains("Hồ sơ tuyệt mật <mark>XYZ</mark>") && page.body.contains("Riêng tư"), "{}", page.body);
    assert_eq!(insider.get("/dataset/ho-so-mat").await.status, StatusCode::OK);
    let dl = insider.get(&format!("/dataset/{sid}/resource/{rid}/download/mat.csv")).await;
    assert_eq!(dl.status, StatusCode::OK);
    assert_eq!(dl.body, "a\n1\n");
    // Pages that differ per user are never cached as shared.
    let p = insider.get("/dataset").await;
    assert_eq!(p.headers["cache-control"], "private, no-cache");
});

backends!(every_form_rejects_missing_or_wrong_csrf, |app| async move {
    app.org("so-y-te").await;
    app.user("bien-tap").await;
    app.member("so-y-te", "bien-tap", "admin").await;
    app.dataset("so-y-te", "co-san", false).await;
    let mut b = Browser::new(app);
    // Login itself: no token, a wrong one, a token without its cookie.
    let form = b.get("/user/login").await;
    let good = form.csrf();
    for fields in [
        vec![("login", "bien-tap"), ("password", crate::support::USER_PASSWORD)],
        vec![
            ("_csrf", "0".repeat(48).leak() as &str),
            ("login", "bien-tap"),
            ("password", crate::support::USER_PASSWORD),
        ],
    ] {
        let r = b.post("/user/login", &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(!b.cookies.contains_key("kho_session"));
    }
    let mut stranger = Browser::new(app);
    let r = stranger
        .post("/user/login", &[("_csrf", &good), ("login", "bien-tap"), ("password", crate::support::USER_PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a token without its cookie must fail");

    b.login("bien-tap", crate::support::USER_PASSWORD).await;
    let session_csrf = b.get("/dashboard").await.csrf();
    let rid = app.ok("package_show", json!({"id": "co-san"}), &app.admin).await["resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let edit_res = format!("/dataset/co-san/resource/{rid}/edit");
    let delete_res = format!("/dataset/co-san/resource/{rid}/delete");
    let forms: [(&str, Vec<(&str, &str)>); 11] = [
        ("/dataset/delete/co-san", vec![]),
        (&edit_res, vec![("resource_name", "Đổi lén")]),
        (&delete_res, vec![]),
        ("/dataset/new", vec![("title", "Tạo lén"), ("name", "tao-len"), ("owner_org", "so-y-te")]),
        ("/en/dataset/new", vec![("title", "Sneaky"), ("name", "tao-len-2"), ("owner_org", "so-y-te")]),
        ("/dataset/edit/co-san", vec![("title", "Đổi lén"), ("name", "co-san"), ("owner_org", "so-y-te")]),
        ("/dataset/co-san/resource/new", vec![("url", "https://x.vn/lén.csv"), ("resource_name", "lén")]),
        ("/organization/members/so-y-te", vec![("op", "add"), ("username", "admin"), ("role", "member")]),
        ("/user/bien-tap/api-tokens", vec![("op", "create"), ("name", "lén")]),
        ("/user/logout", vec![]),
        ("/en/user/logout", vec![]),
    ];
    for (path, fields) in &forms {
        for token in [None, Some("f".repeat(48)), Some(session_csrf[..47].to_string())] {
            let mut f = fields.clone();
            if let Some(t) = &token {
                f.push(("_csrf", t));
            }
            let r = b.post(path, &f).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} with {token:?}: {}", r.body);
            assert!(r.body.contains("CSRF"), "{path}");
        }
    }
    // Nothing happened: no dataset, no change, no resource, no token, still signed in.
    let (s, _) = app.get("package_show", &[("id", "tao-len")], Some(&app.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let v = app.ok("package_show", json!({"id": "co-san"}), &app.admin).await;
    assert_eq!(v["title"], "Bộ dữ liệu co-san");
    assert_eq!(v["state"], "active");
    assert_eq!(v["num_resources"], 1);
    assert_eq!(v["resources"][0]["name"], "A");
    let tokens = app.ok("api_token_list", json!({"user": "bien-tap"}), &app.admin).await;
    assert_eq!(tokens.as_array().unwrap().len(), 1);
    assert_eq!(b.get("/dashboard").await.status, StatusCode::OK);
    // Multipart forms too, and the uploaded file is not kept.
    let form = Form::new()
        .text("title", "Tải lén")
        .text("name", "tai-len")
        .text("owner_org", "so-y-te")
        .part("upload", Part::bytes(b"x,y\n1,2\n".to_vec()).file_name("len.csv"));
    let r = b.post_multipart("/dataset/new", form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (s, _) = app.get("package_show", &[("id", "tai-len")], Some(&app.admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
});

backends!(staff_work_through_the_forms, |app| async move {
    app.org("so-y-te").await;
    app.user("bien-tap").await;
    app.member("so-y-te", "bien-tap", "admin").await;
    app.user("dong-nghiep").await;
    let mut b = Browser::new(app);
    // Wrong password: the form again, with the error, nothing set.
    let form = b.get("/en/user/login").await;
    let r = b.post("/en/user/login", &[("_csrf", &form.csrf()), ("login", "bien-tap"), ("password", "sai")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Wrong user name or password"));
    assert!(!b.cookies.contains_key("kho_session"));
    // Staff pages send visitors who are not signed in to the login page.
    let r = b.get("/dataset/new").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/user/login?came_from=%2Fdataset%2Fnew"), "{}", r.location());
    // From an English page, back to the English page.
    let r = b.get("/en/dataset/new").await;
    assert!(r.location().starts_with("/en/user/login?came_from=%2Fen%2Fdataset%2Fnew"), "{}", r.location());

    let form = b.get("/user/login").await;
    let r = b
        .post(
            "/user/login",
            &[
                ("_csrf", &form.csrf()),
                ("login", "bien-tap"),
                ("password", crate::support::USER_PASSWORD),
                ("came_from", "/dataset/new"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/dataset/new");
    let set_cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");

    // Validation errors next to the fields, in the page's language.
    let page = b.get("/en/dataset/new").await;
    let csrf = page.csrf();
    let r = b.post("/en/dataset/new", &[("_csrf", &csrf), ("title", ""), ("owner_org", "so-y-te")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("id=\"name-error\">Missing value.</p>"), "{}", r.body);
    let r = b
        .post("/dataset/new", &[("_csrf", &csrf), ("title", "X"), ("name", "Tên Sai"), ("owner_org", "so-y-te")])
        .await;
    assert!(r.body.contains("Chỉ dùng chữ thường không dấu"), "{}", r.body);
    assert!(r.body.contains("value=\"Tên Sai\""), "the form keeps what was typed");

    // Create with an uploaded CSV; the name comes from the title.
    let form = Form::new()
        .text("_csrf", csrf.clone())
        .text("title", "Dân số Đà Nẵng")
        .text("owner_org", "so-y-te")
        .text("tags", "dân số, thống kê")
        .text("data_sharing", "open")
        .text("data_importance", "other")
        .text("license_id", "cc-by")
        .text("title_en", "Population of Da Nang")
        .part("upload", Part::bytes("quan,dan_so\nHải Châu,201522\n".as_bytes().to_vec()).file_name("dan-so.csv"));
    let r = b.post_multipart("/dataset/new", form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/dataset/dan-so-da-nang");
    let pkg = app.ok("package_show", json!({"id": "dan-so-da-nang"}), &app.admin).await;
    assert_eq!(pkg["num_resources"], 1);
    assert_eq!(pkg["title_translated"]["en"], "Population of Da Nang");
    assert_eq!(pkg["tags"].as_array().unwrap().len(), 2);
    let rid = pkg["resources"][0]["id"].as_str().unwrap().to_string();
    let page = b.get(&format!("/dataset/dan-so-da-nang/resource/{rid}")).await;
    assert!(
        page.body.contains("<th scope=\"col\">quan</th>") && page.body.contains("<td>Hải Châu</td>"),
        "{}",
        page.body
    );

    // Edit keeps what the form does not show and changes the title.
    let page = b.get("/dataset/edit/dan-so-da-nang").await;
    assert!(page.body.contains("value=\"Dân số Đà Nẵng\""));
    let r = b
        .post(
            "/dataset/edit/dan-so-da-nang",
            &[
                ("_csrf", &csrf),
                ("title", "Dân số TP Đà Nẵng"),
                ("name", "dan-so-da-nang"),
                ("owner_org", "so-y-te"),
                ("data_sharing", "open"),
                ("data_importance", "other"),
                ("license_id", "cc-by"),
                ("tags", "dân số"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let pkg = app.ok("package_show", json!({"id": "dan-so-da-nang"}), &app.admin).await;
    assert_eq!(pkg["title"], "Dân số TP Đà Nẵng");
    assert_eq!(pkg["num_resources"], 1, "editing metadata keeps resources");

    // A linked resource.
    let r = b
        .post(
            "/dataset/dan-so-da-nang/resource/new",
            &[("_csrf", &csrf), ("url", "https://example.vn/a.json"), ("resource_name", "API"), ("format", "JSON")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.ok("package_show", json!({"id": "dan-so-da-nang"}), &app.admin).await["num_resources"], 2);

    // Members: add with a role, then remove.
    let r = b
        .post(
            "/organization/members/so-y-te",
            &[("_csrf", &csrf), ("op", "add"), ("username", "dong-nghiep"), ("role", "editor")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("dong-nghiep") && r.body.contains("Biên tập viên"));
    let r = b
        .post("/organization/members/so-y-te", &[("_csrf", &csrf), ("op", "remove"), ("username", "dong-nghiep")])
        .await;
    assert!(!r.body.contains("(dong-nghiep)"));

    // Tokens: shown once, usable with the API, revocable.
    let r = b.post("/user/bien-tap/api-tokens", &[("_csrf", &csrf), ("op", "create"), ("name", "may-chu")]).await;
    let i = r.body.find("id=\"new-token\">").unwrap() + 15;
    let token = r.body[i..i + 68].to_string();
    assert!(token.starts_with("kho_"));
    let who = app.ok("user_show", json!({}), &token).await;
    assert_eq!(who["name"], "bien-tap");
    let list = app.ok("api_token_list", json!({"user": "bien-tap"}), &app.admin).await;
    let id =
        list.as_array().unwrap().iter().find(|t| t["name"] == "may-chu").unwrap()["id"].as_str().unwrap().to_string();
    b.post("/user/bien-tap/api-tokens", &[("_csrf", &csrf), ("op", "revoke"), ("id", &id)]).await;
    let (s, _) = app.post("user_show", json!({}), Some(&token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The dashboard lists the agency's datasets.
    let d = b.get("/dashboard").await;
    assert!(d.body.contains("Dân số TP Đà Nẵng"), "{}", d.body);
    // Logout ends the session for good (the old cookie no longer works).
    let old = b.cookies.get("kho_session").cloned().unwrap();
    let r = b.post("/user/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    b.cookies.insert("kho_session".into(), old);
    assert_eq!(b.get("/dashboard").await.status, StatusCode::SEE_OTHER);
});

backends!(hostile_input_is_escaped, |app| async move {
    app.org("so-y-te").await;
    let long = "Rất-dài-".repeat(60);
    app.ok(
        "package_create",
        json!({"name": "doc-hai", "title": "<script>alert('t')</script> Độc hại", "owner_org": "so-y-te",
               "notes": "Xem [liên kết](javascript:alert(1)) và <img src=x onerror=alert(2)> <b>đậm</b>\n\n<script>alert(3)</script>",
               "tags": [{"name": "thẻ-lạ_ǅ"}], "author": long, "version": "\u{202e}\u{200b}x",
               "extras": [{"key": "<i>k</i>", "value": "\"><script>alert(4)</script>"}]}),
        &app.admin,
    )
    .await;
    let mut b = Browser::new(app);
    for path in ["/dataset/doc-hai", "/en/dataset/doc-hai", "/dataset?q=doc", "/", "/organization/so-y-te"] {
        let p = b.get(path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        // Escaped text may mention these; raw markup may not.
        for bad in ["<script>alert", "href=\"javascript:", "<img src=x", "<b>đậm", "<i>k</i>", "\"><script"] {
            assert!(!p.body.contains(bad), "{path} contains {bad}");
        }
    }
    let p = b.get("/dataset/doc-hai").await;
    assert!(p.body.contains("&#60;script&#62;alert(&#39;t&#39;)&#60;/script&#62; Độc hại"), "title is shown escaped");
    assert!(!p.body.contains('\u{202e}'), "a right-to-left override must not reach the page");
    // JSON-LD keeps the text but cannot close its element.
    let ld = &p.body[p.body.find("application/ld+json\">").unwrap()..];
    let ld = &ld[..ld.find("</script>").unwrap()];
    assert!(ld.contains("\\u003cscript\\u003e"), "{ld}");
    // Hostile search input is not an error page.
    for q in ["%22", "title%3A(", "*%3A*+AND+(((", &"a+OR+".repeat(400)] {
        let p = b.get(&format!("/dataset?q={q}")).await;
        assert_eq!(p.status, StatusCode::OK, "q={q}");
    }
    assert_eq!(b.get("/dataset?page=999999&sort=x").await.status, StatusCode::OK);
});

backends!(caching_headers_and_assets, |app| async move {
    app.org("so-y-te").await;
    app.dataset("so-y-te", "mot", false).await;
    let mut b = Browser::new(app);
    let p = b.get("/dataset/mot").await;
    assert_eq!(p.headers["cache-control"], "public, no-cache");
    assert!(p.headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    let etag = p.headers["etag"].to_str().unwrap().to_string();
    let again =
        app.client.get(format!("{}/dataset/mot", app.base)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // Static assets: content-hashed names, cached for a year, built in.
    let i = p.body.find("/static/kho.").unwrap();
    let css = &p.body[i..i + p.body[i..].find('"').unwrap()];
    let r = b.get(css).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/css"));
    assert!(r.body.contains("--brand"));
    assert_eq!(b.get("/static/kho.css").await.status, StatusCode::NOT_FOUND);
    // Most viewed: counted views of public datasets show on the home page.
    let id = app.ok("package_show", json!({"id": "mot"}), &app.admin).await["id"].as_str().unwrap().to_string();
    app.catalog.record_views(&[(id, 3)]).await.unwrap();
    let home = b.get("/").await;
    let popular = &home.body[home.body.find("id=\"popular\"").unwrap()..];
    assert!(popular[..popular.find("</section>").unwrap()].contains("/dataset/mot"), "{popular}");
});

backends!(sitemap_and_robots, |app| async move {
    app.org("so-y-te").await;
    app.dataset("so-y-te", "mot", false).await;
    app.dataset("so-y-te", "hai", false).await;
    let mut b = Browser::new(app);
    let idx = b.get("/sitemap.xml").await;
    assert!(idx.headers["content-type"].to_str().unwrap().starts_with("application/xml"));
    assert!(idx.body.contains(&format!("{}/sitemap/datasets-1.xml", app.base)));
    assert!(!idx.body.contains("datasets-2.xml"));
    let ds = b.get("/sitemap/datasets-1.xml").await;
    assert!(ds.body.contains(&format!("<loc>{}/dataset/hai</loc>", app.base)));
    assert!(ds.body.contains(&format!("hreflang=\"en\" href=\"{}/en/dataset/mot\"", app.base)));
    assert!(b.get("/sitemap/pages.xml").await.body.contains("/organization/so-y-te"));
    assert_eq!(b.get("/sitemap/datasets-2.xml").await.status, StatusCode::NOT_FOUND);
    let robots = b.get("/robots.txt").await;
    assert!(robots.body.contains(&format!("Sitemap: {}/sitemap.xml", app.base)));
    assert!(robots.body.contains("Disallow: /user/"));
});

backends!(cached_home_page_follows_every_change, |app| async move {
    app.org("so-y-te").await;
    app.ok(
        "package_create",
        json!({"name": "cong-bo", "title": "Sắp thành riêng tư", "owner_org": "so-y-te"}),
        &app.admin,
    )
    .await;
    let mut b = Browser::new(app);
    for _ in 0..2 {
        assert!(b.get("/").await.body.contains("Sắp thành riêng tư"));
    }
    // Made private: gone from the (cached) home page at the next request.
    app.ok("package_patch", json!({"id": "cong-bo", "private": true}), &app.admin).await;
    let home = b.get("/").await;
    assert!(!home.body.contains("Sắp thành riêng tư"), "the cached home page still shows a private dataset");
    assert!(home.body.contains("<strong>0</strong>"));
    // A new dataset shows at once, in both languages.
    app.ok("package_create", json!({"name": "moi", "title": "Vừa công bố", "owner_org": "so-y-te"}), &app.admin).await;
    assert!(b.get("/").await.body.contains("Vừa công bố"));
    assert!(b.get("/en").await.body.contains("Vừa công bố"));
});

backends!(staff_edit_and_delete_resources_and_datasets, |app| async move {
    app.org("so-y-te").await;
    app.user("bien-tap").await;
    app.member("so-y-te", "bien-tap", "editor").await;
    app.user("nguoi-ngoai").await;
    let pkg =
        app.ok("package_create", json!({"name": "bang", "title": "Bảng", "owner_org": "so-y-te"}), &app.admin).await;
    let pid = pkg["id"].as_str().unwrap().to_string();
    let (_, up) = upload(
        app,
        "resource_create",
        &[("package_id", &pid), ("name", "Bản 1")],
        "v1.csv",
        b"a\n1\n".to_vec(),
        &app.admin,
    )
    .await;
    let rid = up["result"]["id"].as_str().unwrap().to_string();

    // Someone outside the agency cannot even see the edit forms.
    let mut stranger = Browser::new(app);
    stranger.login("nguoi-ngoai", crate::support::USER_PASSWORD).await;
    for path in [
        format!("/dataset/bang/resource/{rid}/edit"),
        format!("/dataset/bang/resource/{rid}/delete"),
        "/dataset/delete/bang".into(),
    ] {
        assert_eq!(stranger.get(&path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let csrf = stranger.get("/dashboard").await.csrf();
    let r = stranger.post("/dataset/delete/bang", &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let mut b = Browser::new(app);
    b.login("bien-tap", crate::support::USER_PASSWORD).await;
    let page = b.get(&format!("/dataset/bang/resource/{rid}")).await;
    assert!(page.body.contains(&format!("/dataset/bang/resource/{rid}/edit")), "editors see the edit link");
    let form = b.get(&format!("/dataset/bang/resource/{rid}/edit")).await;
    assert!(form.body.contains("value=\"Bản 1\""));
    let csrf = form.csrf();
    // A new file replaces the old one; the name changes.
    let f = Form::new()
        .text("_csrf", csrf.clone())
        .text("resource_name", "Bản 2")
        .part("upload", Part::bytes(b"a\n2\n".to_vec()).file_name("v2.csv"));
    let r = b.post_multipart(&format!("/dataset/bang/resource/{rid}/edit"), f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let res = app.ok("resource_show", json!({"id": rid}), &app.admin).await;
    assert_eq!(res["name"], "Bản 2");
    assert!(res["url"].as_str().unwrap().ends_with("/v2.csv"), "{res}");
    // A resource id from another dataset is refused.
    app.ok("package_create", json!({"name": "khac", "title": "Khác", "owner_org": "so-y-te"}), &app.admin).await;
    assert_eq!(b.get(&format!("/dataset/khac/resource/{rid}/edit")).await.status, StatusCode::NOT_FOUND);

    // Delete the resource, then the dataset, after confirming.
    let confirm = b.get(&format!("/dataset/bang/resource/{rid}/delete")).await;
    assert!(confirm.body.contains("Bản 2"));
    let r = b.post(&format!("/dataset/bang/resource/{rid}/delete"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.location(), "/dataset/bang");
    assert_eq!(app.ok("package_show", json!({"id": "bang"}), &app.admin).await["num_resources"], 0);
    assert!(b.get("/en/dataset/delete/bang").await.body.contains("Delete the dataset “Bảng”?"));
    let r = b.post("/dataset/delete/bang", &[("_csrf", &csrf)]).await;
    assert_eq!(r.location(), "/dashboard");
    assert_eq!(app.ok("package_show", json!({"id": "bang"}), &app.admin).await["state"], "deleted");
    let mut anon = Browser::new(app);
    assert_eq!(anon.get("/dataset/bang").await.status, StatusCode::NOT_FOUND);
});

backends!(expired_sessions_sign_nobody_in, |app| async move {
    let user = app.user("het-han").await;
    let past = kho_core::timefmt::format(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    let mut tx = app.catalog.store().write().await.unwrap();
    let hash = kho_catalog::auth::hash_token("bi-mat-cu");
    kho_store::sessions::create(&mut tx, &hash, &user.id, &"c".repeat(48), &past, &past).await.unwrap();
    tx.commit().await.unwrap();
    let mut b = Browser::new(app);
    b.cookies.insert("kho_session".into(), "bi-mat-cu".into());
    assert_eq!(b.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    assert!(!b.get("/").await.body.contains("het-han"), "an expired session shows no user");
});
