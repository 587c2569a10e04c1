//! The pages, one module per family, and what they share: dataset lists,
//! search with facets, pagination.

pub mod admin_units;
pub mod datamap;
pub mod datamap_form;
pub mod dataset;
pub mod harvest;
pub mod links;
pub mod public;
pub mod quality;
pub mod resource_quality;
pub mod seo;
pub mod staff;
pub mod strategy;
pub mod strategy_progress;
pub mod table;

use crate::i18n::{Lang, Tr};
use crate::{Layout, Portal, Visitor, markdown};
use askama::Template;
use kho_core::input::Fields;
use kho_core::vocab::{DataSharing, UpdateFrequency, Vocabulary};
use kho_core::{Error, Result};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// A page that only says what went wrong.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorView {
    pub page: Layout,
    pub heading: String,
    pub message: String,
    /// The error as the API states it (English), for the curious and for
    /// reports to the administrators.
    pub detail: Option<String>,
}

/// The facets the search page offers, in order: CKAN's Solr field names.
pub const FACETS: [&str; 9] = [
    "organization",
    "groups",
    "tags",
    "res_format",
    "license_id",
    "data_sharing",
    "update_frequency",
    "quality_rating",
    "validation_status",
];

/// Results per page.
pub const ROWS: usize = 20;

/// A dataset in a list.
pub struct DatasetCard {
    pub name: String,
    pub title_html: String,
    pub excerpt_html: String,
    pub organization: Option<String>,
    pub formats: Vec<String>,
    pub private: bool,
    pub modified: String,
}

/// One facet with its values.
pub struct FacetView {
    pub key: &'static str,
    pub title: String,
    pub items: Vec<FacetItem>,
}

/// One value of a facet: a link that adds or removes the filter.
pub struct FacetItem {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

/// A filter in force, with the link that removes it.
pub struct ActiveFilter {
    pub label: String,
    pub href: String,
}

/// A link of the pager.
pub struct PageLink {
    pub label: String,
    pub href: Option<String>,
    pub current: bool,
    pub rel: &'static str,
}

/// The search parameters of a dataset list, from a query string, in
/// CKAN's URL form (`/dataset?q=…&tags=a&tags=b&page=2`).
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    pub q: String,
    pub filters: Vec<(String, String)>,
    pub sort: String,
    pub page: usize,
}

/// The sort orders the search page offers: (value, message id).
pub const SORTS: [(&str, &str); 5] = [
    ("", "sort-relevance"),
    ("metadata_modified desc", "sort-modified"),
    ("metadata_created desc", "sort-created"),
    ("title_string asc", "sort-title-asc"),
    ("title_string desc", "sort-title-desc"),
];

impl SearchParams {
    /// Reads a query string. Unknown keys are ignored; at most 20 filters.
    pub fn parse(query: &str) -> SearchParams {
        let mut p = SearchParams { page: 1, ..Default::default() };
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "q" => p.q = v.chars().take(500).collect(),
                "sort" if SORTS.iter().any(|(s, _)| *s == v) => p.sort = v.into_owned(),
                "page" => p.page = v.parse::<usize>().unwrap_or(1).clamp(1, 500),
                key if FACETS.contains(&key) && !v.is_empty() && p.filters.len() < 20 => {
                    let pair = (key.to_string(), v.chars().take(200).collect::<String>());
                    if !p.filters.contains(&pair) {
                        p.filters.push(pair);
                    }
                }
                _ => {}
            }
        }
        p
    }

    /// The query string of these parameters (without `?`).
    pub fn query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            s.append_pair("q", &self.q);
        }
        for (k, v) in &self.filters {
            s.append_pair(k, v);
        }
        if !self.sort.is_empty() {
            s.append_pair("sort", &self.sort);
        }
        if self.page > 1 {
            s.append_pair("page", &self.page.to_string());
        }
        s.finish()
    }

    fn href(&self, base: &str) -> String {
        let q = self.query();
        if q.is_empty() { base.to_string() } else { format!("{base}?{q}") }
    }

    /// The same search with filter `(key, value)` toggled, from page 1.
    fn toggled(&self, key: &str, value: &str) -> SearchParams {
        let mut p = self.clone();
        p.page = 1;
        if let Some(i) = p.filters.iter().position(|(k, v)| k == key && v == value) {
            p.filters.remove(i);
        } else {
            p.filters.push((key.to_string(), value.to_string()));
        }
        p
    }

    /// The Solr filter query of the filters.
    fn fq(&self, fixed: Option<(&str, &str)>) -> String {
        self.filters
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(fixed)
            .map(|(k, v)| format!("{k}:\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}

/// The lean view of a search hit the lists need.
#[derive(Deserialize)]
struct Hit {
    name: String,
    title: String,
    #[serde(default)]
    title_translated: BTreeMap<String, String>,
    notes: Option<String>,
    #[serde(default)]
    notes_translated: BTreeMap<String, String>,
    organization: Option<HitOrg>,
    #[serde(default)]
    resources: Vec<HitResource>,
    #[serde(default)]
    private: bool,
    metadata_modified: String,
    highlight: Option<HitHighlight>,
}

#[derive(Deserialize)]
struct HitOrg {
    #[serde(default)]
    name: String,
    title: String,
}

/// English titles of agencies and themes by name (those that have one).
pub type EnglishNames = std::collections::HashMap<String, String>;

#[derive(Deserialize)]
struct HitResource {
    format: Option<String>,
}

#[derive(Deserialize)]
struct HitHighlight {
    title: Option<String>,
    notes: Option<String>,
}

/// What a search returns to a page.
pub struct SearchOutcome {
    pub count: u64,
    pub results: Vec<DatasetCard>,
    pub facets: Vec<FacetView>,
    pub active: Vec<ActiveFilter>,
    pub pages: Vec<PageLink>,
    /// Facet values as the index counted them: (value, display name, count).
    pub raw_facets: BTreeMap<String, Vec<(String, String, u64)>>,
}

/// The label of a facet value in a language.
fn facet_label(lang: Lang, key: &str, value: &str, display: &str, names: Option<&EnglishNames>) -> String {
    if matches!(key, "organization" | "groups")
        && let Some(t) = names.and_then(|n| n.get(value))
    {
        return t.clone();
    }
    let vocab = |label_vi: &str, label_en: &str| match lang {
        Lang::Vi => label_vi.to_string(),
        Lang::En => label_en.to_string(),
    };
    match key {
        "data_sharing" => DataSharing::parse(value).map(|d| vocab(d.label_vi(), d.label_en())),
        "update_frequency" => UpdateFrequency::parse(value).map(|d| vocab(d.label_vi(), d.label_en())),
        // Values named by the page's own messages (the quality bands and
        // validation states the pages already show).
        "quality_rating" | "validation_status" => {
            let key = format!("{}-{value}", if key == "quality_rating" { "q-rating" } else { "vr-status" });
            let tr = Tr::new(lang);
            tr.has(&key).then(|| tr.t(&key))
        }
        "license_id" => kho_core::licenses::find(value).map(|l| match lang {
            Lang::Vi if !l.title_vi.is_empty() => l.title_vi.to_string(),
            _ => l.title.to_string(),
        }),
        _ => None,
    }
    .unwrap_or_else(|| display.to_string())
}

impl Portal {
    /// Runs a dataset search for a list page. `base` is the page's path
    /// (for links); `fixed` is a filter the page itself imposes (an
    /// agency's or theme's page); `facets` asks for facet counts.
    pub(crate) async fn search(
        &self,
        v: &Visitor,
        params: &SearchParams,
        base: &str,
        fixed: Option<(&str, &str)>,
        facets: Option<(&[&str], i64)>,
        rows: usize,
    ) -> Result<SearchOutcome> {
        let tr = Tr::new(v.lang);
        let mut f = Map::new();
        f.insert("q".into(), Value::String(params.q.clone()));
        let fq = params.fq(fixed);
        if !fq.is_empty() {
            f.insert("fq".into(), Value::String(fq));
        }
        if let Some((fields, limit)) = facets {
            f.insert("facet.field".into(), json!(fields));
            f.insert("facet.limit".into(), json!(limit));
        }
        f.insert("rows".into(), json!(rows));
        f.insert("start".into(), json!((params.page - 1) * rows));
        if !params.sort.is_empty() {
            f.insert("sort".into(), Value::String(params.sort.clone()));
        } else if params.q.trim().is_empty() {
            f.insert("sort".into(), Value::String("metadata_modified desc".into()));
        }
        f.insert("include_private".into(), Value::Bool(true));
        let found = match self.catalog().package_search_results(&v.actor, Fields::new(f)).await {
            Ok(r) => r,
            // A query the parser refuses is the visitor's typo: show no
            // results and say so, rather than an error page.
            Err(Error::Validation(_)) | Err(Error::BadRequest(_)) => {
                return Ok(SearchOutcome {
                    count: 0,
                    results: Vec::new(),
                    facets: Vec::new(),
                    active: Vec::new(),
                    pages: Vec::new(),
                    raw_facets: BTreeMap::new(),
                });
            }
            Err(e) => return Err(e),
        };
        let count = found.count;
        let hits: Vec<Hit> = found.results.iter().filter_map(|d| serde_json::from_str(d).ok()).collect();
        let found_facets: BTreeMap<String, Vec<kho_catalog::search::FacetItem>> =
            found.facets.into_iter().map(|f| (f.field, f.items)).collect();
        let prefix = v.lang.prefix();
        let named = hits
            .iter()
            .filter_map(|h| h.organization.as_ref().map(|o| o.name.clone()))
            .chain(
                ["organization", "groups"]
                    .iter()
                    .filter_map(|k| found_facets.get(*k))
                    .flat_map(|items| items.iter().map(|i| i.name.clone())),
            )
            .collect();
        let names = self.english_names(v.lang, named).await?;
        let names = names.as_ref();
        let results = hits.into_iter().map(|h| card(v.lang, h, names)).collect();
        let mut facet_views = Vec::new();
        let mut labels: BTreeMap<(String, String), String> = BTreeMap::new();
        if let Some((fields, _)) = facets {
            for key in FACETS.iter().copied().filter(|k| fields.contains(k)) {
                let Some(found_items) = found_facets.get(key) else { continue };
                let items: Vec<FacetItem> = found_items
                    .iter()
                    .map(|it| {
                        let label = facet_label(v.lang, key, &it.name, &it.display_name, names);
                        labels.insert((key.to_string(), it.name.clone()), label.clone());
                        FacetItem {
                            active: params.filters.iter().any(|(k, val)| k == key && *val == it.name),
                            href: format!("{prefix}{}", params.toggled(key, &it.name).href(base)),
                            label,
                            count: it.count,
                        }
                    })
                    .collect();
                if !items.is_empty() {
                    facet_views.push(FacetView { key, title: tr.t(&format!("facet-{key}")), items });
                }
            }
        }
        let active = params
            .filters
            .iter()
            .map(|(k, val)| {
                let label = labels
                    .get(&(k.clone(), val.clone()))
                    .cloned()
                    .unwrap_or_else(|| facet_label(v.lang, k, val, val, names));
                ActiveFilter {
                    label: format!("{}: {label}", tr.t(&format!("facet-{k}"))),
                    href: format!("{prefix}{}", params.toggled(k, val).href(base)),
                }
            })
            .collect();
        let pages = search_pager(&tr, params, count, base, prefix);
        let raw_facets = found_facets
            .into_iter()
            .map(|(k, items)| {
                let items = items
                    .into_iter()
                    .map(|i| {
                        let label = facet_label(v.lang, &k, &i.name, &i.display_name, names);
                        (i.name, label, i.count)
                    })
                    .collect();
                (k, items)
            })
            .collect();
        Ok(SearchOutcome { count, results, facets: facet_views, active, pages, raw_facets })
    }
}

/// A list entry from a stored `package_show` document.
impl Portal {
    /// List entries from stored `package_show` documents.
    pub(crate) async fn cards_from_docs(&self, lang: Lang, docs: &[String]) -> Result<Vec<DatasetCard>> {
        let hits: Vec<Hit> = docs.iter().filter_map(|d| serde_json::from_str(d).ok()).collect();
        let named = hits.iter().filter_map(|h| h.organization.as_ref().map(|o| o.name.clone())).collect();
        let names = self.english_names(lang, named).await?;
        Ok(hits.into_iter().map(|h| card(lang, h, names.as_ref())).collect())
    }
}

impl Portal {
    /// On English pages, the English titles of the agencies and themes
    /// named (their Vietnamese titles where they have none); `None` on
    /// Vietnamese pages, which show the default titles.
    pub(crate) async fn english_names(&self, lang: Lang, names: Vec<String>) -> Result<Option<EnglishNames>> {
        if lang != Lang::En || names.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.catalog().group_titles(names, Some("en")).await?))
    }

    /// The number of datasets the visitor may see and, for each facet in
    /// `keys` (`organization`, `groups`, `quality_rating`, …), how many of
    /// them have each value, counted in the search index.
    pub(crate) async fn counts(
        &self,
        v: &Visitor,
        keys: &[&str],
    ) -> Result<(u64, BTreeMap<String, BTreeMap<String, u64>>)> {
        let params = SearchParams { page: 1, ..Default::default() };
        let facets = (!keys.is_empty()).then_some((keys, -1));
        let out = self.search(v, &params, "/dataset", None, facets, 0).await?;
        let per = keys
            .iter()
            .map(|k| {
                let items = out.raw_facets.get(*k).map(|i| i.iter().map(|(n, _, c)| (n.clone(), *c)).collect());
                (k.to_string(), items.unwrap_or_default())
            })
            .collect();
        Ok((out.count, per))
    }
}

fn card(lang: Lang, h: Hit, names: Option<&EnglishNames>) -> DatasetCard {
    let title = lang.pick(&h.title_translated, &h.title).to_string();
    let notes = lang.pick(&h.notes_translated, h.notes.as_deref().unwrap_or("")).to_string();
    // The highlight marks the default-language text; use it only when that
    // is the text shown.
    let (hl_title, hl_notes) = match h.highlight {
        Some(hl) => (hl.title.filter(|_| title == h.title), hl.notes.filter(|_| Some(&notes) == h.notes.as_ref())),
        None => (None, None),
    };
    let mut formats: Vec<String> =
        h.resources.into_iter().filter_map(|r| r.format).filter(|f| !f.trim().is_empty()).collect();
    formats.sort();
    formats.dedup();
    formats.truncate(6);
    let title = if title.trim().is_empty() { h.name.clone() } else { title };
    DatasetCard {
        title_html: hl_title.unwrap_or_else(|| kho_core::html::escape(&title)),
        excerpt_html: match hl_notes {
            // The highlighter escapes and cuts to a window already.
            Some(n) => n,
            None => kho_core::html::escape(&markdown::excerpt(&notes, 240)),
        },
        name: h.name,
        organization: h.organization.map(|o| names.and_then(|n| n.get(&o.name)).cloned().unwrap_or(o.title)),
        formats,
        private: h.private,
        modified: crate::format::date(lang, &h.metadata_modified),
    }
}

/// Page links for `total` items, `per` a page, on page `page` (first,
/// last, the current one and its neighbours, "…" between, previous and
/// next); `link` writes page `n`'s address. None for a single page.
pub(crate) fn pager(tr: &Tr, total: usize, per: usize, page: usize, link: impl Fn(usize) -> String) -> Vec<PageLink> {
    let last = total.div_ceil(per.max(1)).max(1);
    if last == 1 {
        return Vec::new();
    }
    let cur = page.clamp(1, last);
    let mut out = Vec::new();
    if cur > 1 {
        out.push(PageLink { label: tr.t("pager-previous"), href: Some(link(cur - 1)), current: false, rel: "prev" });
    }
    let mut shown: Vec<usize> = vec![1, cur.saturating_sub(1), cur, cur + 1, last];
    shown.retain(|n| (1..=last).contains(n));
    shown.sort();
    shown.dedup();
    let mut prev = 0;
    for n in shown {
        if n > prev + 1 {
            out.push(PageLink { label: "…".into(), href: None, current: false, rel: "" });
        }
        out.push(PageLink {
            label: crate::format::int(tr.lang, n as i64),
            href: Some(link(n)),
            current: n == cur,
            rel: "",
        });
        prev = n;
    }
    if cur < last {
        out.push(PageLink { label: tr.t("pager-next"), href: Some(link(cur + 1)), current: false, rel: "next" });
    }
    out
}

/// The search results' pages (at most 500: deeper pages cost the index
/// more than anyone reads).
fn search_pager(tr: &Tr, params: &SearchParams, count: u64, base: &str, prefix: &str) -> Vec<PageLink> {
    let total = (count as usize).min(500 * ROWS);
    pager(tr, total, ROWS, params.page, |n| {
        let mut p = params.clone();
        p.page = n;
        format!("{prefix}{}", p.href(base))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_params_round_trip() {
        let p = SearchParams::parse("q=d%C3%A2n+s%E1%BB%91&tags=a&tags=b&organization=x&page=3&sort=bogus&evil=1");
        assert_eq!(p.q, "dân số");
        assert_eq!(p.filters.len(), 3);
        assert_eq!(p.page, 3);
        assert_eq!(p.sort, "");
        let again = SearchParams::parse(&p.query());
        assert_eq!(again.filters, p.filters);
        let t = p.toggled("tags", "a");
        assert_eq!(t.filters.len(), 2);
        assert_eq!(t.page, 1);
        assert_eq!(
            p.fq(Some(("groups", "y\"z"))),
            "tags:\"a\" AND tags:\"b\" AND organization:\"x\" AND groups:\"y\\\"z\""
        );
    }

    #[test]
    fn pager_elides() {
        let tr = Tr::new(Lang::En);
        let p = SearchParams { page: 10, ..Default::default() };
        let links = search_pager(&tr, &p, 1000, "/dataset", "/en");
        let labels: Vec<_> = links.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["Previous", "1", "…", "9", "10", "11", "…", "50", "Next"]);
        assert!(links.iter().find(|l| l.current).unwrap().href.as_deref().unwrap().starts_with("/en/dataset?page=10"));
    }
}
