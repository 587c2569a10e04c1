//! Kho's open-data portal: the web pages people use, rendered on the
//! server in Vietnamese and English.
//!
//! [`Portal`] turns a visitor's request (language, identity, path) into a
//! finished HTML page by calling the catalog and filling a template
//! (`templates/`, compiled in by askama, HTML-escaped by default). It knows
//! nothing of HTTP: the server crate parses requests, keeps session cookies
//! and CSRF tokens, and writes responses.
//!
//! - [`i18n`]: languages and Fluent message catalogs (`locales/*.ftl`).
//! - [`format`]: numbers, dates and sizes per language.
//! - [`markdown`]: descriptions rendered without raw HTML or unsafe links.
//! - [`branding`]: a node's title, logo, colours and owning agency.
//! - [`assets`]: the stylesheet, script and logo built into the binary.
//! - [`pages`]: one module per page family.
//!
//! Invariants: every page is complete without JavaScript; everything a
//! page shows about datasets comes from catalog calls made as the visitor,
//! so permission is decided by the catalog, never here.

pub mod assets;
pub mod branding;
pub mod format;
pub mod i18n;
pub mod markdown;
pub mod pages;

use askama::Template;
use i18n::{Lang, Tr};
use kho_catalog::{Actor, Catalog};
use kho_core::Error;
use std::sync::Arc;

pub use assets::{Asset, Assets};
pub use branding::Branding;

/// The portal: the catalog it shows, the node's branding and assets.
#[derive(Clone)]
pub struct Portal {
    inner: Arc<Inner>,
}

struct Inner {
    catalog: Catalog,
    branding: Branding,
    assets: Assets,
    brand_css: String,
    /// Dataset page views not yet written, by dataset id. Counting in
    /// memory keeps a page view free of database writes.
    views: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    /// Bumped each time views are written ("most viewed" may change).
    views_written: std::sync::atomic::AtomicU64,
    /// The home page as anonymous visitors see it, per language, with the
    /// search version and views generation it was made from.
    home_cache: std::sync::Mutex<std::collections::HashMap<Lang, (u64, u64, String)>>,
}

/// Who is asking, in which language, for which page.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub lang: Lang,
    pub actor: Actor,
    /// The CSRF token forms must carry back.
    pub csrf: String,
    /// The requested path without the language prefix, with its query.
    pub path: String,
}

impl Visitor {
    /// An anonymous visitor at `/` (for what every visitor may see).
    pub fn anonymous(lang: Lang) -> Visitor {
        Visitor { lang, actor: Actor::anonymous(), csrf: String::new(), path: "/".into() }
    }

    /// The signed-in user's name, if any.
    pub fn user_name(&self) -> Option<&str> {
        self.actor.user.as_ref().map(|u| u.name.as_str()).filter(|n| !n.is_empty())
    }
}

/// A rendered page.
#[derive(Debug, Clone)]
pub struct Html {
    pub body: String,
    /// Whether the same page is served to every anonymous visitor (the
    /// server then allows shared caching).
    pub public: bool,
}

/// The outcome of a form submission.
#[derive(Debug)]
pub enum FormResult {
    /// Go to this path (language prefix included).
    Redirect(String),
    /// Show the form again, with errors, with this HTTP status.
    Page(u16, Html),
}

impl Portal {
    /// A portal over `catalog` with the node's branding.
    pub fn new(catalog: Catalog, branding: Branding) -> Portal {
        let assets = Assets::new(branding.logo.clone());
        let brand_css = branding.css_vars();
        Portal {
            inner: Arc::new(Inner {
                catalog,
                branding,
                assets,
                brand_css,
                views: Default::default(),
                views_written: Default::default(),
                home_cache: Default::default(),
            }),
        }
    }

    /// Counts a view of a dataset's page.
    pub(crate) fn count_view(&self, dataset_id: &str) {
        if let Ok(mut v) = self.inner.views.lock() {
            *v.entry(dataset_id.to_string()).or_insert(0) += 1;
        }
    }

    /// Writes the counted views to the database (the server calls this
    /// every few seconds and at shutdown). Views that fail to write are
    /// counted again next time.
    pub async fn flush_views(&self) {
        let counts: Vec<(String, i64)> = match self.inner.views.lock() {
            Ok(mut v) => v.drain().collect(),
            Err(_) => return,
        };
        if counts.is_empty() {
            return;
        }
        let result = self.inner.catalog.record_views(&counts).await;
        self.inner.views_written.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not record page views; keeping them for the next try");
            if let Ok(mut v) = self.inner.views.lock() {
                for (id, n) in counts {
                    *v.entry(id).or_insert(0) += n;
                }
            }
        }
    }

    /// The catalog behind the portal.
    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    /// The node's branding.
    pub fn branding(&self) -> &Branding {
        &self.inner.branding
    }

    /// The static assets.
    pub fn assets(&self) -> &Assets {
        &self.inner.assets
    }

    /// The cached anonymous home page for `lang`, if still current.
    pub(crate) fn cached_home(&self, lang: Lang, version: u64) -> Option<String> {
        let views = self.inner.views_written.load(std::sync::atomic::Ordering::SeqCst);
        let cache = self.inner.home_cache.lock().ok()?;
        cache.get(&lang).filter(|(v, w, _)| *v == version && *w == views).map(|(_, _, body)| body.clone())
    }

    /// Keeps an anonymous home page made at search version `version`.
    pub(crate) fn cache_home(&self, lang: Lang, version: u64, views: u64, body: &str) {
        if let Ok(mut cache) = self.inner.home_cache.lock() {
            cache.insert(lang, (version, views, body.to_string()));
        }
    }

    /// The views generation (see `cache_home`).
    pub(crate) fn views_generation(&self) -> u64 {
        self.inner.views_written.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The frame of every page for a visitor.
    pub(crate) fn layout(&self, v: &Visitor, title: impl Into<String>, nav: &'static str) -> Layout {
        let b = &self.inner.branding;
        let site = self.inner.catalog.site_url().to_string();
        let path_only = v.path.split('?').next().unwrap_or("/").to_string();
        Layout {
            tr: Tr::new(v.lang),
            lang: v.lang,
            site_title: b.title(v.lang).to_string(),
            title: title.into(),
            description: b.description(v.lang).unwrap_or("").to_string(),
            canonical: format!(
                "{site}{}{}",
                v.lang.prefix(),
                if path_only == "/" && v.lang != Lang::Vi { "" } else { &path_only }
            ),
            switch_url: lang_url(v.lang.other(), &v.path),
            alternates: Lang::ALL.iter().map(|l| (l.code(), format!("{site}{}", lang_url(*l, &path_only)))).collect(),
            feeds: dcat_links(&site, "/catalog"),
            css_url: self.inner.assets.css.url(),
            js_url: self.inner.assets.js.url(),
            logo_url: self.inner.assets.logo.url(),
            brand_css: self.inner.brand_css.clone(),
            user: v.user_name().map(str::to_string),
            csrf: v.csrf.clone(),
            nav,
            agency: b.agency.clone(),
            agency_url: b.agency_url.clone(),
            jsonld: None,
            og_type: "website",
            robots_noindex: false,
            site_url: site,
        }
    }

    /// An error page (not found, forbidden, …) for a visitor.
    pub fn error_page(&self, v: &Visitor, err: &Error) -> Html {
        let tr = Tr::new(v.lang);
        let mut detail = None;
        let (title, message) = match err.kind() {
            kho_core::ErrorKind::NotFound => (tr.t("error-not-found"), tr.t("error-not-found-text")),
            kho_core::ErrorKind::Forbidden => {
                detail = Some(err.to_string());
                (tr.t("error-forbidden"), tr.t("error-forbidden-text"))
            }
            kho_core::ErrorKind::BadRequest | kho_core::ErrorKind::Validation | kho_core::ErrorKind::TooLarge => {
                (tr.t("error-bad-request"), err.to_string())
            }
            kho_core::ErrorKind::Unavailable => (tr.t("error-unavailable"), tr.t("error-unavailable-text")),
            kho_core::ErrorKind::Internal => {
                tracing::error!(error = %err, "page failed");
                (tr.t("error-internal"), tr.t("error-internal-text"))
            }
        };
        let mut layout = self.layout(v, title.clone(), "");
        layout.robots_noindex = true;
        let page = pages::ErrorView { page: layout, heading: title, message, detail };
        Html { body: render(&page), public: false }
    }
}

/// `path` (with query) in language `lang`.
pub fn lang_url(lang: Lang, path: &str) -> String {
    match lang {
        Lang::Vi => path.to_string(),
        Lang::En if path == "/" => "/en".to_string(),
        Lang::En if path.starts_with("/?") => format!("/en{}", &path[1..]),
        Lang::En => format!("/en{path}"),
    }
}

/// Renders a template; a template error becomes a short plain page (it
/// means a bug, logged, never a blank response).
pub(crate) fn render<T: Template>(t: &T) -> String {
    let page = t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "template failed");
        "<!doctype html><title>Error</title><p>Internal error / Lỗi hệ thống</p>".to_string()
    });
    strip_bidi_controls(page)
}

/// Whether `c` is an explicit bidirectional embedding, override or
/// isolate control (U+202A–U+202E, U+2066–U+2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Removes explicit bidi controls from a page. An unclosed override in a
/// publisher's text would reverse the rest of its paragraph and can make
/// text read differently from what it is ("Trojan Source"); neither
/// language of the portal needs them. The API keeps the text as stored.
fn strip_bidi_controls(page: String) -> String {
    if page.contains(is_bidi_control) { page.chars().filter(|c| !is_bidi_control(*c)).collect() } else { page }
}

/// What every page's frame needs (the `page` of each template).
pub struct Layout {
    pub tr: Tr,
    pub lang: Lang,
    pub site_title: String,
    pub site_url: String,
    pub title: String,
    pub description: String,
    pub canonical: String,
    pub switch_url: String,
    pub alternates: Vec<(&'static str, String)>,
    /// Machine-readable forms of the page (`<link rel="alternate" type=…>`):
    /// the catalog's DCAT, or a dataset's.
    pub feeds: Vec<(&'static str, String)>,
    pub css_url: String,
    pub js_url: String,
    pub logo_url: String,
    pub brand_css: String,
    pub user: Option<String>,
    pub csrf: String,
    /// Which main navigation entry is current.
    pub nav: &'static str,
    pub agency: Option<String>,
    pub agency_url: Option<String>,
    /// schema.org JSON-LD, already made safe for a `<script>` element.
    pub jsonld: Option<String>,
    pub og_type: &'static str,
    pub robots_noindex: bool,
}

impl Layout {
    /// A message.
    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }
    /// A count with its noun.
    pub fn count(&self, key: &str, n: &u64) -> String {
        self.tr.count(key, *n)
    }
    /// A site path in the page's language.
    pub fn url(&self, path: &str) -> String {
        lang_url(self.lang, path)
    }
    /// A whole number.
    pub fn num(&self, n: &u64) -> String {
        format::int(self.lang, *n as i64)
    }
    /// A date.
    pub fn date(&self, iso: &str) -> String {
        format::date(self.lang, iso)
    }
    /// A date and time.
    pub fn datetime(&self, iso: &str) -> String {
        format::datetime(self.lang, iso)
    }
    /// The full `<title>`.
    pub fn full_title(&self) -> String {
        if self.title.is_empty() { self.site_title.clone() } else { format!("{} · {}", self.title, self.site_title) }
    }
    /// Whether `nav` is the current entry (for `aria-current`).
    pub fn is(&self, nav: &str) -> bool {
        self.nav == nav
    }
}

/// Makes JSON safe inside `<script type="application/ld+json">`: no `</`,
/// no HTML comment openers, no line separators that break old parsers.
pub fn script_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The DCAT documents of `path` (`/catalog`, `/dataset/{name}`) in the
/// formats people's tools read most: Turtle, JSON-LD, RDF/XML.
pub fn dcat_links(site: &str, path: &str) -> Vec<(&'static str, String)> {
    [kho_dcat::Format::Turtle, kho_dcat::Format::JsonLd, kho_dcat::Format::RdfXml]
        .into_iter()
        .map(|f| (f.media_type(), format!("{site}{path}.{}", f.extension())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_urls() {
        assert_eq!(lang_url(Lang::En, "/"), "/en");
        assert_eq!(lang_url(Lang::En, "/?q=x"), "/en?q=x");
        assert_eq!(lang_url(Lang::En, "/dataset?q=x"), "/en/dataset?q=x");
        assert_eq!(lang_url(Lang::Vi, "/dataset"), "/dataset");
    }

    #[test]
    fn bidi_controls_are_removed_from_pages() {
        assert_eq!(strip_bidi_controls("ab\u{202E}cd\u{2066}e".into()), "abcde");
        assert_eq!(strip_bidi_controls("Hà Nội".into()), "Hà Nội");
    }

    #[test]
    fn script_json_cannot_close_the_element() {
        let s = script_json(&serde_json::json!({"name": "</script><script>alert(1)</script>"}));
        assert!(!s.contains("</"), "{s}");
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script>");
    }
}
