//! The portal's HTTP side: routes for the pages (Vietnamese at the bare
//! paths, English under `/en`, as CKAN does), session cookies, CSRF
//! checks, caching headers and static assets. Pages themselves are made by
//! `kho-portal`.
//!
//! Sessions: `kho_session` holds a random secret whose hash the database
//! keeps. Forms carry a CSRF token: the session's own for signed-in users,
//! or, before login, the value of the `kho_csrf` cookie (double submit).
//! A POST whose token is missing or wrong is refused with 403 before any
//! work is done.

use crate::AppState;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use kho_catalog::Actor;
use kho_core::Error;
use kho_portal::i18n::Lang;
use kho_portal::{FormResult, Html, Portal, Visitor};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const SESSION_COOKIE: &str = "kho_session";
const CSRF_COOKIE: &str = "kho_csrf";
const CSRF_FIELD: &str = "_csrf";

/// The page routes, in both languages, plus the language-neutral files.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(pages().layer(Extension(Lang::Vi)))
        .nest("/en", pages().layer(Extension(Lang::En)))
        // "/en/" is how people type the English home page.
        .route("/en/", get(|| async { redirect("/en", &[]) }))
        .route("/static/{file}", get(static_file))
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap_index))
        .route("/sitemap/{file}", get(sitemap_file))
}

fn pages() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/dataset", get(dataset_search))
        .route("/dataset/", get(dataset_search))
        .route("/dataset/new", get(dataset_new).post(dataset_new_post))
        .route("/dataset/edit/{name}", get(dataset_edit).post(dataset_edit_post))
        .route("/dataset/{name}", get(dataset_or_dcat))
        .route("/dataset/delete/{name}", get(dataset_delete).post(dataset_delete_post))
        .route("/dataset/{name}/resource/new", get(resource_new).post(resource_new_post))
        .route("/dataset/{name}/resource/{id}/edit", get(resource_edit).post(resource_edit_post))
        .route("/dataset/{name}/resource/{id}/delete", get(resource_delete).post(resource_delete_post))
        .route("/dataset/{name}/resource/{id}", get(resource_page))
        .route("/dataset/{name}/resource/{id}/chart.svg", get(chart_svg))
        .route("/dataset/{name}/datapackage.json", get(datapackage_json))
        .route("/dataset/{name}/resource/{id}/quality", get(resource_quality).post(resource_quality_post))
        .route("/dataset/{name}/resource/{id}/schema", get(schema_edit).post(schema_edit_post))
        .route("/organization", get(organization_list))
        .route("/organization/", get(organization_list))
        .route("/organization/{name}", get(organization_page))
        .route("/organization/{name}/links", get(organization_links).post(organization_links_post))
        .route("/organization/members/{name}", get(members).post(members_post))
        .route("/group", get(group_list))
        .route("/group/", get(group_list))
        .route("/group/{name}", get(group_page))
        .route("/quality", get(quality))
        .route("/admin-units", get(admin_units))
        .route("/admin-units/{code}", get(admin_unit))
        .route("/datamap", get(datamap))
        .route("/datamap/graph", get(datamap_graph))
        .route("/datamap/new", get(datamap_new).post(datamap_new_post))
        .route("/datamap/database/{name}", get(datamap_database))
        .route("/datamap/database/{name}/edit", get(datamap_edit).post(datamap_edit_post))
        .route("/datamap/elements", get(datamap_elements))
        .route("/datamap/versions", get(datamap_versions))
        .route("/datamap/versions/{version}", get(datamap_version))
        .route("/datamap/provinces", get(datamap_provinces))
        .route("/datamap/review", get(datamap_review).post(datamap_review_post))
        .route("/strategy", get(strategy))
        .route("/strategy/tasks", get(strategy_tasks))
        .route("/strategy/tasks/{id}", get(strategy_task).post(strategy_task_post))
        .route("/strategy/review", get(strategy_review).post(strategy_review_post))
        .route("/strategy/ranking", get(strategy_ranking))
        .route("/strategy/reports", get(strategy_reports))
        .route("/strategy/reports/{organization}/{year}", get(strategy_report_or_file))
        .route("/about", get(about))
        .route("/api/docs", get(api_docs))
        .route("/user/login", get(login).post(login_post))
        .route("/user/logout", axum::routing::post(logout))
        .route("/dashboard", get(dashboard))
        .route("/user/{name}/api-tokens", get(tokens).post(tokens_post))
        .route("/harvest", get(harvest).post(harvest_post))
        .route("/harvest/{name}", get(harvest_source).post(harvest_source_post))
}

/// The cookies of a request.
fn cookies(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for v in headers.get_all(header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for pair in s.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                out.entry(k.trim().to_string()).or_insert_with(|| v.trim().to_string());
            }
        }
    }
    out
}

/// Who is visiting: from the session cookie, or anonymous.
pub struct Web {
    pub visitor: Visitor,
    /// The session secret, when signed in.
    pub session: Option<String>,
    /// A `Set-Cookie` to send (a new CSRF cookie for an anonymous form).
    pub set_cookie: Option<String>,
    secure: bool,
}

impl Web {
    async fn new(state: &AppState, headers: &HeaderMap, lang: Lang, path: String) -> Result<Web, Error> {
        let jar = cookies(headers);
        let secure = state.catalog.site_url().starts_with("https://");
        if let Some(secret) = jar.get(SESSION_COOKIE).filter(|s| !s.is_empty())
            && let Some((actor, csrf)) = state.catalog.actor_for_session(secret).await?
        {
            return Ok(Web {
                visitor: Visitor { lang, actor, csrf, path },
                session: Some(secret.clone()),
                set_cookie: None,
                secure,
            });
        }
        let csrf = jar.get(CSRF_COOKIE).filter(|c| c.len() == 48).cloned().unwrap_or_default();
        Ok(Web {
            visitor: Visitor { lang, actor: Actor::anonymous(), csrf, path },
            session: None,
            set_cookie: None,
            secure,
        })
    }

    /// Makes sure an anonymous visitor has a CSRF token for a form.
    fn ensure_csrf(&mut self) -> Result<(), Error> {
        if self.visitor.csrf.is_empty() {
            let token = kho_catalog::auth::new_csrf_token()?;
            self.set_cookie = Some(cookie(CSRF_COOKIE, &token, Some(3600 * 24), self.secure));
            self.visitor.csrf = token;
        }
        Ok(())
    }

    /// Checks a submitted CSRF token. Compared in constant time.
    fn check_csrf(&self, submitted: Option<&str>) -> Result<(), Error> {
        let expected = self.visitor.csrf.as_bytes();
        let ok = match submitted {
            Some(s) if !expected.is_empty() && s.len() == expected.len() => {
                s.bytes().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::forbidden(
                "The form's security token is missing or wrong (CSRF). Reload the page and try again.",
            ))
        }
    }
}

fn cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The path of a request without the language prefix, with its query.
fn page_path(req_uri: &axum::http::Uri, lang: Lang) -> String {
    let path = req_uri.path();
    let path = match lang {
        Lang::En => path.strip_prefix("/en").unwrap_or(path),
        Lang::Vi => path,
    };
    let path = if path.is_empty() { "/" } else { path };
    match req_uri.query() {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_string(),
    }
}

/// A rendered page as a response: HTML headers, ETag and conditional GET.
fn html_response(web: &Web, headers: &HeaderMap, status: StatusCode, html: Html) -> Response {
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(html.body.as_bytes()))[..32]);
    let not_modified = status == StatusCode::OK
        && headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == etag));
    let mut resp = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (status, Body::from(html.body)).into_response()
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(web.visitor.lang.code()));
    h.insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Encoding"));
    // Shared caches may keep a page everyone sees alike, but must check
    // back each time (a dataset made private disappears at once).
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if html.public && web.set_cookie.is_none() {
            "public, no-cache"
        } else {
            "private, no-cache"
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
             object-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'",
        ),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    if let Some(c) = &web.set_cookie
        && let Ok(v) = HeaderValue::from_str(c)
    {
        h.append(header::SET_COOKIE, v);
    }
    resp
}

fn redirect(to: &str, set_cookies: &[String]) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    for c in set_cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// An error as an HTML page in the visitor's language, with the status
/// the one error table gives its kind.
fn error_page(portal: &Portal, web: &Web, headers: &HeaderMap, err: &Error) -> Response {
    let (status, _) = crate::error::code(err.kind());
    let html = portal.error_page(&web.visitor, err);
    html_response(web, headers, status, html)
}

/// Runs a page: builds the visitor (one session look-up), sends strangers
/// to the login page when the page needs a signed-in user, renders, and
/// maps errors to pages.
async fn page<F, Fut>(state: &AppState, lang: Lang, req: &Parts, login: bool, f: F) -> Response
where
    F: FnOnce(Portal, Visitor) -> Fut,
    Fut: std::future::Future<Output = Result<Html, Error>>,
{
    let path = page_path(&req.uri, lang);
    let web = match Web::new(state, &req.headers, lang, path).await {
        Ok(w) => w,
        Err(e) => return crate::error::error_response(&e, None),
    };
    if login && web.session.is_none() {
        return to_login(lang, &kho_portal::lang_url(lang, &web.visitor.path));
    }
    match f(state.portal.clone(), web.visitor.clone()).await {
        Ok(html) => html_response(&web, &req.headers, StatusCode::OK, html),
        Err(e) => error_page(&state.portal, &web, &req.headers, &e),
    }
}

/// `/dataset/{name}/resource/{id}/chart.svg?chart=…&x=…&y=…&agg=…`: a
/// chart of a resource's table as an SVG image, for `<img>` elsewhere.
/// Errors are SVG images too (with the error's status), so an embedded
/// chart that cannot be drawn says why instead of showing a broken image.
async fn chart_svg(State(s): State<AppState>, Extension(lang): Extension<Lang>, path: Params, req: Parts) -> Response {
    let a = params(path);
    let web = match Web::new(&s, &req.headers, lang, page_path(&req.uri, lang)).await {
        Ok(w) => w,
        Err(e) => return crate::error::error_response(&e, None),
    };
    let (status, body, public) = match s.portal.chart(&web.visitor, &a[0], &a[1], &query(&req)).await {
        Ok(d) => (StatusCode::OK, d.svg, d.public && web.visitor.user_name().is_none()),
        Err(e) => (crate::error::code(e.kind()).0, s.portal.error_svg(lang, &e), false),
    };
    let mut resp = (status, Body::from(body)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml; charset=utf-8"));
    h.insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Encoding"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public { "public, max-age=300" } else { "private, no-cache" }),
    );
    // Opened on its own, the image runs nothing and loads nothing.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    resp
}

/// `/dataset/{name}/datapackage.json`: the dataset as a Frictionless Data
/// Package (what `datapackage_show` returns), for frictionless and other
/// Data Package tools; a dataset the visitor may not read is a 404.
async fn datapackage_json(State(s): State<AppState>, path: Params, req: Parts) -> Response {
    let a = params(path);
    let actor = session_actor(&s, &req.headers).await;
    let name = a.first().map(String::as_str).unwrap_or_default();
    match s.catalog.datapackage_show(&actor, name).await {
        Ok(v) => {
            let body = serde_json::to_string_pretty(&v).unwrap_or_default();
            let mut resp = (StatusCode::OK, Body::from(body)).into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            h.insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Encoding"));
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            resp
        }
        Err(e) => crate::error::error_response(&e, None),
    }
}

fn query(req: &Parts) -> String {
    req.uri.query().unwrap_or("").to_string()
}

/// The path parameters of a route, in order (none for most pages).
type Params = Option<Path<Vec<String>>>;

fn params(p: Params) -> Vec<String> {
    p.map(|Path(v)| v).unwrap_or_default()
}

/// Page handlers: `name(login required) => |portal, visitor, path params,
/// query string| the page`. Each builds the visitor, renders, and maps
/// errors to pages; staff pages first send strangers to the login page.
macro_rules! page_handlers {
    ($($name:ident($login:literal) => |$p:ident, $v:ident, $a:ident, $q:ident| $body:expr;)*) => {$(
        async fn $name(
            State(s): State<AppState>,
            Extension(lang): Extension<Lang>,
            path: Params,
            req: Parts,
        ) -> Response {
            let ($a, $q) = (params(path), query(&req));
            page(&s, lang, &req, $login, |$p, $v| async move {
                let _ = (&$a, &$q);
                $body
            })
            .await
        }
    )*};
}

page_handlers! {
    home(false) => |p, v, a, q| p.home(&v).await;
    dataset_search(false) => |p, v, a, q| p.dataset_search(&v, &q).await;
    dataset_page(false) => |p, v, a, q| p.dataset_page(&v, &a[0]).await;
    resource_page(false) => |p, v, a, q| p.resource_page(&v, &a[0], &a[1], &q).await;
    resource_quality(false) => |p, v, a, q| p.resource_quality_page(&v, &a[0], &a[1]).await;
    schema_edit(true) => |p, v, a, q| p.schema_form(&v, &a[0], &a[1]).await;
    organization_list(false) => |p, v, a, q| p.group_list_page(&v, true).await;
    group_list(false) => |p, v, a, q| p.group_list_page(&v, false).await;
    organization_page(false) => |p, v, a, q| p.group_page(&v, &a[0], true, &q).await;
    group_page(false) => |p, v, a, q| p.group_page(&v, &a[0], false, &q).await;
    about(false) => |p, v, a, q| p.about(&v).await;
    quality(false) => |p, v, a, q| p.quality_page(&v).await;
    admin_units(false) => |p, v, a, q| p.admin_units_page(&v, &q).await;
    admin_unit(false) => |p, v, a, q| p.admin_unit_page(&v, &a[0], &q).await;
    datamap(false) => |p, v, a, q| p.datamap_page(&v, &q).await;
    datamap_graph(false) => |p, v, a, q| p.datamap_graph_page(&v, &q).await;
    datamap_database(false) => |p, v, a, q| p.datamap_database_page(&v, &a[0], &q).await;
    datamap_elements(false) => |p, v, a, q| p.datamap_elements_page(&v).await;
    datamap_versions(false) => |p, v, a, q| p.datamap_versions_page(&v).await;
    datamap_version(false) => |p, v, a, q| p.datamap_version_page(&v, &a[0]).await;
    datamap_provinces(false) => |p, v, a, q| p.datamap_provinces_page(&v, &q).await;
    datamap_review(true) => |p, v, a, q| p.datamap_review_page(&v, &q).await;
    datamap_new(true) => |p, v, a, q| p.datamap_entry_form(&v, None).await;
    datamap_edit(true) => |p, v, a, q| p.datamap_entry_form(&v, Some(&a[0])).await;
    strategy(false) => |p, v, a, q| p.strategy_page(&v).await;
    strategy_tasks(false) => |p, v, a, q| p.strategy_tasks_page(&v, &q).await;
    strategy_task(false) => |p, v, a, q| p.strategy_task_page(&v, &a[0], &q).await;
    strategy_review(true) => |p, v, a, q| p.strategy_review_page(&v, &q).await;
    strategy_ranking(false) => |p, v, a, q| p.strategy_ranking_page(&v, &q).await;
    strategy_reports(false) => |p, v, a, q| p.strategy_reports_page(&v, &q).await;
    strategy_report(false) => |p, v, a, q| p.strategy_report_page(&v, &a[0], &a[1]).await;
    api_docs(false) => |p, v, a, q| p.api_docs(&v).await;
    dashboard(true) => |p, v, a, q| p.dashboard(&v).await;
    tokens(true) => |p, v, a, q| p.tokens_page(&v, &a[0], None).await;
    members(true) => |p, v, a, q| p.members_page(&v, &a[0], None).await;
    organization_links(true) => |p, v, a, q| p.links_page(&v, &a[0], None).await;
    harvest(true) => |p, v, a, q| p.harvest_page(&v).await;
    harvest_source(true) => |p, v, a, q| p.harvest_source_page(&v, &a[0]).await;
    dataset_new(true) => |p, v, a, q| p.dataset_form(&v, None).await;
    dataset_edit(true) => |p, v, a, q| p.dataset_form(&v, Some(&a[0])).await;
    resource_new(true) => |p, v, a, q| p.resource_form(&v, &a[0], None).await;
    resource_edit(true) => |p, v, a, q| p.resource_form(&v, &a[0], Some(&a[1])).await;
    resource_delete(true) => |p, v, a, q| p.delete_form(&v, &a[0], Some(&a[1])).await;
    dataset_delete(true) => |p, v, a, q| p.delete_form(&v, &a[0], None).await;
}

/// `/dataset/{name}`: the page, or the dataset as DCAT when the name ends
/// in an RDF extension (`.ttl`, `.jsonld`, `.rdf`) or the client asks for
/// RDF. The page then says it varies by `Accept`, for shared caches.
async fn dataset_or_dcat(state: State<AppState>, lang: Extension<Lang>, path: Params, req: Parts) -> Response {
    let name = path.as_ref().and_then(|Path(v)| v.first().cloned()).unwrap_or_default();
    if let Some((name, format)) = crate::dcat::dataset_format(&name, &req) {
        return crate::dcat::dataset(&state.0, name, format).await;
    }
    let mut resp = dataset_page(state, lang, path, req).await;
    resp.headers_mut().append(header::VARY, HeaderValue::from_static("Accept"));
    resp
}

/// `/strategy/reports/{organization}/{year}`: the report's page, or the
/// report as a file when the year ends in `.xlsx` or `.json`.
async fn strategy_report_or_file(state: State<AppState>, lang: Extension<Lang>, path: Params, req: Parts) -> Response {
    if let Some(Path(a)) = path.as_ref()
        && let [org, year] = a.as_slice()
        && let Some(resp) = crate::exports::report(&state.0, &req.headers, org, year).await
    {
        return resp;
    }
    strategy_report(state, lang, path, req).await
}

/// The login page, coming back to `came_from` (a path in the page's language) after.
fn to_login(lang: Lang, came_from: &str) -> Response {
    let target = format!(
        "{}?came_from={}",
        kho_portal::lang_url(lang, "/user/login"),
        percent_encoding::utf8_percent_encode(came_from, percent_encoding::NON_ALPHANUMERIC)
    );
    redirect(&target, &[])
}

async fn login(State(s): State<AppState>, Extension(lang): Extension<Lang>, req: Parts) -> Response {
    let path = page_path(&req.uri, lang);
    let mut web = match Web::new(&s, &req.headers, lang, path).await {
        Ok(w) => w,
        Err(e) => return crate::error::error_response(&e, None),
    };
    if let Err(e) = web.ensure_csrf() {
        return error_page(&s.portal, &web, &req.headers, &e);
    }
    let came_from = came_from(&query(&req));
    let html = s.portal.login_page(&web.visitor, "", &came_from, None);
    html_response(&web, &req.headers, StatusCode::OK, html)
}

/// A safe local path to return to after login (never another site).
fn came_from(query: &str) -> String {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "came_from")
        .map(|(_, v)| v.into_owned())
        .filter(|v| v.starts_with('/') && !v.starts_with("//") && !v.contains('\\'))
        .unwrap_or_default()
}

/// A posted form: its text fields and, for uploads, the stored file.
pub struct Posted {
    pub fields: BTreeMap<String, Vec<String>>,
    pub upload: Option<kho_catalog::resources::Upload>,
}

impl Posted {
    fn get(&self, k: &str) -> Option<&str> {
        self.fields.get(k).and_then(|v| v.first()).map(String::as_str)
    }
}

/// Reads a urlencoded or multipart form (files only in the field `upload`).
async fn read_form(s: &AppState, req: Request) -> Result<Posted, Error> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| Error::BadRequest(format!("invalid multipart body: {e}")))?;
        let mut upload = None;
        let mut text_bytes = 0u64;
        while let Some(field) =
            mp.next_field().await.map_err(|e| Error::BadRequest(format!("invalid multipart body: {e}")))?
        {
            let name = field.name().unwrap_or("").to_string();
            if let Some(filename) = field.file_name().map(str::to_string) {
                if name != "upload" || upload.is_some() || filename.is_empty() {
                    // An empty file input sends a part with no name; skip it.
                    let mut field = field;
                    while let Ok(Some(_)) = field.chunk().await {}
                    continue;
                }
                let content_type = field.content_type().map(str::to_string);
                let stream = Box::pin(futures_util::stream::unfold(Some(field), |f| async move {
                    let mut f = f?;
                    match f.chunk().await {
                        Ok(Some(b)) => Some((Ok(b), Some(f))),
                        Ok(None) => None,
                        Err(e) => Some((Err(e.to_string()), None)),
                    }
                }));
                upload = Some(s.catalog.store_upload(stream, &filename, content_type).await?);
                continue;
            }
            let text = field.text().await.map_err(|e| Error::BadRequest(format!("invalid form field: {e}")))?;
            text_bytes += text.len() as u64;
            if text_bytes > s.max_json_bytes {
                if let Some(up) = &upload {
                    s.catalog.discard_upload(up).await;
                }
                return Err(Error::TooLarge("the form is too large".into()));
            }
            fields.entry(name).or_default().push(text);
        }
        return Ok(Posted { fields, upload });
    }
    let body = axum::body::to_bytes(req.into_body(), s.max_json_bytes as usize)
        .await
        .map_err(|_| Error::TooLarge("the form is too large".into()))?;
    for (k, v) in form_urlencoded::parse(&body) {
        fields.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    Ok(Posted { fields, upload: None })
}

/// Runs a form submission: visitor, CSRF check, then the portal's handler.
async fn form<F, Fut>(s: &AppState, lang: Lang, req: Request, f: F) -> Response
where
    F: FnOnce(Portal, Web, Posted) -> Fut,
    Fut: std::future::Future<Output = (Web, Result<FormResult, Error>)>,
{
    let headers = req.headers().clone();
    let path = page_path(req.uri(), lang);
    let web = match Web::new(s, &headers, lang, path).await {
        Ok(w) => w,
        Err(e) => return crate::error::error_response(&e, None),
    };
    // The token is checked before the body is used; a multipart body's
    // upload is stored while reading, so it is dropped if the check fails.
    let posted = match read_form(s, req).await {
        Ok(p) => p,
        Err(e) => return error_page(&s.portal, &web, &headers, &e),
    };
    if let Err(e) = web.check_csrf(posted.get(CSRF_FIELD)) {
        if let Some(up) = &posted.upload {
            s.catalog.discard_upload(up).await;
        }
        return error_page(&s.portal, &web, &headers, &e);
    }
    let (web, result) = f(s.portal.clone(), web, posted).await;
    match result {
        Ok(FormResult::Redirect(to)) => redirect(&to, web.set_cookie.as_slice()),
        Ok(FormResult::Page(status, html)) => {
            html_response(&web, &headers, StatusCode::from_u16(status).unwrap_or(StatusCode::OK), html)
        }
        Err(e) => error_page(&s.portal, &web, &headers, &e),
    }
}

async fn login_post(State(s): State<AppState>, Extension(lang): Extension<Lang>, req: Request) -> Response {
    let state = s.clone();
    form(&s, lang, req, |portal, mut web, posted| async move {
        let name = posted.get("login").unwrap_or("").trim().to_string();
        let password = posted.get("password").unwrap_or("").to_string();
        let back = came_from(&format!("came_from={}", posted.get("came_from").unwrap_or("")));
        let back = if back.is_empty() { kho_portal::lang_url(lang, "/dashboard") } else { back };
        match state.catalog.actor_for_password(&name, &password).await {
            Ok(actor) => match state.catalog.session_start(&actor).await {
                Ok(session) => {
                    let secure = web.secure;
                    web.set_cookie =
                        Some(cookie(SESSION_COOKIE, &session.secret, Some(kho_catalog::auth::SESSION_SECS), secure));
                    (web, Ok(FormResult::Redirect(back)))
                }
                Err(e) => (web, Err(e)),
            },
            Err(Error::Forbidden(_)) => {
                let html = portal.login_page(&web.visitor, &name, &back, Some("login-failed"));
                (web, Ok(FormResult::Page(403, html)))
            }
            Err(e) => (web, Err(e)),
        }
    })
    .await
}

async fn logout(State(s): State<AppState>, Extension(lang): Extension<Lang>, req: Request) -> Response {
    let state = s.clone();
    form(&s, lang, req, |_portal, mut web, _posted| async move {
        if let Some(secret) = web.session.clone()
            && let Err(e) = state.catalog.session_end(&secret).await
        {
            return (web, Err(e));
        }
        web.set_cookie = Some(cookie(SESSION_COOKIE, "", Some(0), web.secure));
        (web, Ok(FormResult::Redirect(kho_portal::lang_url(lang, "/"))))
    })
    .await
}

/// Form handlers: `name => |portal, visitor, posted form, path params|
/// the outcome`, run after the CSRF check.
macro_rules! form_handlers {
    ($($name:ident => |$p:ident, $v:ident, $f:ident, $a:ident| $body:expr;)*) => {$(
        async fn $name(
            State(s): State<AppState>,
            Extension(lang): Extension<Lang>,
            path: Params,
            req: Request,
        ) -> Response {
            let $a = params(path);
            form(&s, lang, req, |$p, web, $f| async move {
                let _ = (&$a, &$f);
                let $v = &web.visitor;
                let result = $body;
                (web, result)
            })
            .await
        }
    )*};
}

form_handlers! {
    dataset_new_post => |p, v, f, a| p.dataset_submit(v, None, f.fields, f.upload).await;
    dataset_edit_post => |p, v, f, a| p.dataset_submit(v, Some(&a[0]), f.fields, f.upload).await;
    dataset_delete_post => |p, v, f, a| p.delete_submit(v, &a[0], None).await;
    resource_new_post => |p, v, f, a| p.resource_submit(v, &a[0], None, f.fields, f.upload).await;
    resource_edit_post => |p, v, f, a| p.resource_submit(v, &a[0], Some(&a[1]), f.fields, f.upload).await;
    resource_delete_post => |p, v, f, a| p.delete_submit(v, &a[0], Some(&a[1])).await;
    resource_quality_post => |p, v, f, a| p.resource_validate_submit(v, &a[0], &a[1]).await;
    schema_edit_post => |p, v, f, a| p.schema_submit(v, &a[0], &a[1], f.fields).await;
    members_post => |p, v, f, a| p.members_submit(v, &a[0], f.fields).await;
    organization_links_post => |p, v, f, a| p.links_submit(v, &a[0]).await;
    tokens_post => |p, v, f, a| p.tokens_submit(v, &a[0], f.fields).await;
    harvest_post => |p, v, f, a| p.harvest_submit(v, f.fields).await;
    harvest_source_post => |p, v, f, a| p.harvest_run_submit(v, &a[0]).await;
    datamap_review_post => |p, v, f, a| p.datamap_review_submit(v, f.fields).await;
    strategy_task_post => |p, v, f, a| p.strategy_task_submit(v, &a[0], f.fields).await;
    strategy_review_post => |p, v, f, a| p.strategy_review_submit(v, f.fields).await;
    datamap_new_post => |p, v, f, a| p.datamap_entry_submit(v, None, f.fields).await;
    datamap_edit_post => |p, v, f, a| p.datamap_entry_submit(v, Some(&a[0]), f.fields).await;
}

/// The signed-in user of a browser request, from its session cookie, for
/// reads outside the pages (file downloads); anonymous without one.
pub async fn session_actor(state: &AppState, headers: &HeaderMap) -> Actor {
    match Web::new(state, headers, Lang::Vi, String::new()).await {
        Ok(web) => web.visitor.actor,
        Err(_) => Actor::anonymous(),
    }
}

/// Any other path: the API answers in JSON, pages with an HTML page in
/// the language of the path.
pub async fn not_found(State(s): State<AppState>, req: Parts) -> Response {
    let path = req.uri.path();
    let err = Error::not_found("No such page");
    if path.starts_with("/api/") || path == "/api" {
        return crate::error::error_response(&err, None);
    }
    let lang = if path == "/en" || path.starts_with("/en/") { Lang::En } else { Lang::Vi };
    let web = match Web::new(&s, &req.headers, lang, page_path(&req.uri, lang)).await {
        Ok(w) => w,
        Err(e) => return crate::error::error_response(&e, None),
    };
    error_page(&s.portal, &web, &req.headers, &err)
}

/// `/static/{file}`: built-in assets under content-hashed names.
async fn static_file(State(s): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = s.portal.assets().find(&file) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mut resp = if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(asset.etag.as_str()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Body::from(asset.bytes.clone()).into_response()
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&asset.media_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&asset.etag) {
        h.insert(header::ETAG, v);
    }
    // The name changes with the content, so the file never goes stale.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    resp
}

fn text(body: String, media_type: &'static str) -> Response {
    let mut resp = Body::from(body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    resp
}

async fn robots(State(s): State<AppState>) -> Response {
    text(s.portal.robots(), "text/plain; charset=utf-8")
}

async fn sitemap_index(State(s): State<AppState>) -> Response {
    match s.portal.sitemap_index().await {
        Ok(x) => text(x, "application/xml; charset=utf-8"),
        Err(e) => crate::error::error_response(&e, None),
    }
}

async fn sitemap_file(State(s): State<AppState>, Path(file): Path<String>) -> Response {
    let result = if file == "pages.xml" {
        s.portal.sitemap_pages().await
    } else if let Some(n) =
        file.strip_prefix("datasets-").and_then(|f| f.strip_suffix(".xml")).and_then(|n| n.parse::<i64>().ok())
    {
        s.portal.sitemap_datasets(n).await
    } else {
        Err(Error::not_found("No such sitemap"))
    };
    match result {
        Ok(x) => text(x, "application/xml; charset=utf-8"),
        Err(e) => crate::error::error_response(&e, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn came_from_stays_on_site() {
        assert_eq!(came_from("came_from=%2Fdataset%2Fx"), "/dataset/x");
        assert_eq!(came_from("came_from=https%3A%2F%2Fevil.example"), "");
        assert_eq!(came_from("came_from=%2F%2Fevil.example"), "");
        assert_eq!(came_from("came_from=%2F%5Cevil.example"), "");
    }

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; kho_session=abc ; b=2"));
        assert_eq!(cookies(&h).get("kho_session").map(String::as_str), Some("abc"));
    }

    #[test]
    fn paths_drop_the_language_prefix() {
        let uri: axum::http::Uri = "/en/dataset?q=x".parse().unwrap();
        assert_eq!(page_path(&uri, Lang::En), "/dataset?q=x");
        let uri: axum::http::Uri = "/en".parse().unwrap();
        assert_eq!(page_path(&uri, Lang::En), "/");
    }
}
