//! The dataset page and the resource page.

use crate::i18n::{Lang, Tr};
use crate::{Html, Layout, Portal, Visitor, format, markdown, render};
use askama::Template;
use kho_catalog::Actor;
use kho_core::model::{Package, Resource};
use kho_core::vocab::{DataImportance, DataSharing, UpdateFrequency, Vocabulary};
use kho_core::{Error, Result};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

/// A resource as the dataset page lists it.
pub struct ResourceRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub format: String,
    pub size: Option<String>,
    pub url: String,
    pub uploaded: bool,
}

/// An entry of the activity stream.
pub struct ActivityRow {
    pub when: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "dataset.html")]
struct DatasetView {
    page: Layout,
    name: String,
    title: String,
    notes_html: String,
    organization: Option<(String, String)>,
    private: bool,
    resources: Vec<ResourceRow>,
    tags: Vec<String>,
    groups: Vec<(String, String)>,
    metadata: Vec<(String, String)>,
    license: Option<(String, Option<String>)>,
    sharing: String,
    activity: Vec<ActivityRow>,
    citation: String,
    api_url: String,
    can_edit: bool,
    quality: crate::pages::quality::QualityCard,
    /// Harvested from another catalog: the notice, and the original's
    /// address when it is a web link.
    harvested: Option<(String, Option<String>)>,
}

#[derive(Template)]
#[template(path = "resource.html")]
struct ResourceView {
    page: Layout,
    dataset_name: String,
    dataset_title: String,
    resource: ResourceRow,
    metadata: Vec<(String, String)>,
    preview: Preview,
    datastore: Option<crate::pages::table::DatastoreView>,
    has_table: bool,
    can_edit: bool,
    /// The latest validation: `(status, label)`.
    validation: Option<(String, String)>,
}

/// What the resource page shows of a file.
pub enum Preview {
    None,
    /// The first rows of a table: header, rows, and whether there is more.
    Table(Vec<String>, Vec<Vec<String>>, bool),
    Text(String, bool),
    Image(String),
    Pdf(String),
}

/// Rows shown in a table preview.
const PREVIEW_ROWS: usize = 20;
/// Bytes read for a preview.
const PREVIEW_BYTES: usize = 64 * 1024;

fn vocab_label<V: Vocabulary>(lang: Lang, code: &str) -> String {
    V::parse(code)
        .map(|v| match lang {
            Lang::Vi => v.label_vi().to_string(),
            Lang::En => v.label_en().to_string(),
        })
        .unwrap_or_else(|| code.to_string())
}

fn resource_row(lang: Lang, r: &Resource) -> ResourceRow {
    let name = lang.pick(&r.name_translated, r.name.as_deref().unwrap_or("")).to_string();
    ResourceRow {
        id: r.id.clone(),
        name: if name.trim().is_empty() { r.url.rsplit('/').next().unwrap_or(&r.url).to_string() } else { name },
        description: lang.pick(&r.description_translated, r.description.as_deref().unwrap_or("")).to_string(),
        format: r.format.clone().unwrap_or_default(),
        size: r.size.filter(|s| *s > 0).map(|s| format::bytes(lang, s)),
        url: r.url.clone(),
        uploaded: r.url_type.as_deref() == Some("upload"),
    }
}

fn safe_link(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://") || url.starts_with('/')
}

/// The schema.org Dataset description of a dataset, consistent with the
/// DCAT export: name, description, identifier, license, publisher,
/// keywords, temporal and spatial coverage, and one DataDownload per
/// resource.
pub fn schema_org(pkg: &Package, site_url: &str, lang: Lang) -> Value {
    let url = format!("{site_url}/dataset/{}", pkg.name);
    let name = lang.pick(&pkg.title_translated, &pkg.title).to_string();
    let notes = lang.pick(&pkg.notes_translated, pkg.notes.as_deref().unwrap_or(""));
    let description = if notes.trim().is_empty() { name.clone() } else { markdown::excerpt(notes, 5000) };
    let distribution: Vec<Value> = pkg
        .resources
        .iter()
        .filter(|r| safe_link(&r.url))
        .map(|r| {
            let mut d =
                json!({"@type": "DataDownload", "contentUrl": r.url, "name": r.name.clone().unwrap_or_default()});
            // The media type the DCAT export gives (dcat:mediaType), else the format.
            let media_type = kho_dcat::vocab::media_type(r.mimetype.as_deref(), r.format.as_deref());
            if let Some(f) = media_type.or(r.format.as_deref()).filter(|f| !f.is_empty()) {
                d["encodingFormat"] = json!(f);
            }
            if let Some(s) = r.size.filter(|s| *s > 0) {
                d["contentSize"] = json!(format!("{s} B"));
            }
            d
        })
        .collect();
    let keywords: Vec<&str> = pkg.tags.iter().map(|t| t.name.as_str()).collect();
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": "Dataset",
        // The same IRI as the dataset's in the DCAT export; the page is its url.
        "@id": kho_dcat::iri::dataset(site_url, pkg),
        "url": url,
        "identifier": pkg.id,
        "name": name,
        "description": description,
        "inLanguage": lang.code(),
        "dateCreated": pkg.metadata_created,
        "dateModified": pkg.metadata_modified,
        "keywords": keywords,
        "isAccessibleForFree": true,
        "includedInDataCatalog": {"@type": "DataCatalog", "url": site_url},
        "distribution": distribution,
    });
    // A licence with an official page: the IRI the DCAT export gives it too;
    // others by name (the export's IRI for them is an identifier, not a page).
    if let Some(l) = pkg.license_url.as_deref().filter(|u| !u.is_empty()) {
        v["license"] = json!(l);
    } else if let Some(t) = pkg.license_title.as_deref() {
        v["license"] = json!(t);
    }
    if let Some(org) = &pkg.organization {
        let agency = kho_dcat::iri::agency(site_url, &org.name);
        v["publisher"] = json!({"@type": "GovernmentOrganization", "@id": agency, "name": org.title, "url": agency});
        v["creator"] = v["publisher"].clone();
    }
    match (&pkg.temporal_start, &pkg.temporal_end) {
        (Some(a), Some(b)) => v["temporalCoverage"] = json!(format!("{a}/{b}")),
        (Some(a), None) => v["temporalCoverage"] = json!(format!("{a}/..")),
        _ => {}
    }
    if let Some(place) = pkg.spatial.as_deref().and_then(|s| kho_dcat::iri::place(site_url, s)) {
        v["spatialCoverage"] = json!({"@type": "Place", "name": place.name});
        if let Some(iri) = place.iri {
            v["spatialCoverage"]["@id"] = json!(iri);
        }
    }
    if let Some(ver) = pkg.version.as_deref().filter(|s| !s.is_empty()) {
        v["version"] = json!(ver);
    }
    v
}

impl Portal {
    /// `/dataset/{name}`.
    pub async fn dataset_page(&self, v: &Visitor, name: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let pkg = self.catalog().package_show(&v.actor, name).await?;
        self.count_view(&pkg.id);
        let lang = v.lang;
        let title = lang.pick(&pkg.title_translated, &pkg.title).to_string();
        let title = if title.trim().is_empty() { pkg.name.clone() } else { title };
        let notes = lang.pick(&pkg.notes_translated, pkg.notes.as_deref().unwrap_or("")).to_string();
        let site = self.catalog().site_url().to_string();
        let activity = self
            .catalog()
            .package_activity_list(&v.actor, &pkg.id, Some(10), None)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|a| ActivityRow { when: format::datetime(lang, &a.timestamp), what: tr.activity(&a.activity_type) })
            .collect();
        let mut metadata = Vec::new();
        let mut row = |key: &str, value: Option<String>| {
            if let Some(val) = value.filter(|s| !s.trim().is_empty()) {
                metadata.push((tr.t(key), val));
            }
        };
        row("meta-importance", Some(vocab_label::<DataImportance>(lang, &pkg.data_importance)));
        row("meta-frequency", pkg.update_frequency.as_deref().map(|f| vocab_label::<UpdateFrequency>(lang, f)));
        row(
            "meta-temporal",
            match (&pkg.temporal_start, &pkg.temporal_end) {
                (Some(a), Some(b)) => Some(format!("{} – {}", format::date(lang, a), format::date(lang, b))),
                (Some(a), None) => Some(format!("{} –", format::date(lang, a))),
                (None, Some(b)) => Some(format!("– {}", format::date(lang, b))),
                _ => None,
            },
        );
        row("meta-spatial", pkg.spatial.clone());
        row("meta-author", pkg.author.clone());
        row("meta-maintainer", pkg.maintainer.clone());
        row("meta-version", pkg.version.clone());
        row("meta-source", pkg.url.clone());
        row("meta-created", Some(format::date(lang, &pkg.metadata_created)));
        row("meta-modified", Some(format::date(lang, &pkg.metadata_modified)));
        for e in &pkg.extras {
            metadata.push((e.key.clone(), e.value.clone()));
        }
        let license = pkg.license_id.as_deref().map(|id| {
            let l = kho_core::licenses::find(id);
            let title = match (lang, l) {
                (Lang::Vi, Some(l)) if !l.title_vi.is_empty() => l.title_vi.to_string(),
                _ => pkg.license_title.clone().unwrap_or_else(|| id.to_string()),
            };
            (title, pkg.license_url.clone().filter(|u| safe_link(u)))
        });
        let org_title = pkg.organization.as_ref().map(|o| o.title.clone());
        let citation = format!(
            "{}({}). {} [{}]. {}. {site}/dataset/{}",
            org_title.clone().map(|o| format!("{o} ")).unwrap_or_default(),
            format::year(&pkg.metadata_created),
            title,
            tr.t("citation-dataset"),
            self.branding().title(lang),
            pkg.name
        );
        let mut page = self.layout(v, title.clone(), "datasets");
        // Only public datasets are exported as DCAT.
        page.feeds = if pkg.private || pkg.state != "active" {
            Vec::new()
        } else {
            crate::dcat_links(&site, &format!("/dataset/{}", pkg.name))
        };
        page.description = markdown::excerpt(&notes, 200);
        page.og_type = "article";
        page.canonical = format!("{site}{}/dataset/{}", lang.prefix(), pkg.name);
        page.jsonld = Some(crate::script_json(&schema_org(&pkg, &site, lang)));
        // A harvested dataset follows its source: read-only for everyone.
        let extra = |k: &str| pkg.extras.iter().find(|e| e.key == k).map(|e| e.value.trim()).filter(|s| !s.is_empty());
        let harvested = extra("harvest_source_name").map(|source| {
            let source = extra("harvest_source_title").unwrap_or(source);
            let original = extra("harvest_url")
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .map(str::to_string);
            (tr.args("ds-harvested", &[("source", crate::i18n::Arg::Str(source.to_string()))]), original)
        });
        let can_edit = harvested.is_none() && self.may_edit(v, &pkg.id).await;
        let named = pkg.organization.iter().map(|o| o.name.clone()).chain(pkg.groups.iter().map(|g| g.name.clone()));
        let names = self.english_names(lang, named.collect()).await?;
        let view = DatasetView {
            page,
            api_url: format!("{site}/api/3/action/package_show?id={}", pkg.name),
            name: pkg.name.clone(),
            title,
            notes_html: markdown::render(&notes),
            organization: pkg.organization.as_ref().map(|o| {
                let title = names.as_ref().and_then(|n| n.get(&o.name)).cloned().unwrap_or_else(|| o.title.clone());
                (o.name.clone(), title)
            }),
            private: pkg.private,
            resources: pkg.resources.iter().map(|r| resource_row(lang, r)).collect(),
            tags: pkg.tags.iter().map(|t| t.name.clone()).collect(),
            groups: pkg
                .groups
                .iter()
                .map(|g| {
                    let title = names.as_ref().and_then(|n| n.get(&g.name)).cloned().unwrap_or_else(|| g.title.clone());
                    (g.name.clone(), title)
                })
                .collect(),
            metadata,
            license,
            sharing: vocab_label::<DataSharing>(lang, &pkg.data_sharing),
            activity,
            citation,
            can_edit,
            quality: self.quality_card(v, &pkg).await,
            harvested,
        };
        Ok(Html { body: render(&view), public: !pkg.private && v.user_name().is_none() })
    }

    /// `/dataset/{name}/resource/{id}`: the resource and a preview.
    pub async fn resource_page(&self, v: &Visitor, name: &str, resource_id: &str, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let (pkg, res) = self.dataset_resource(v, name, resource_id).await?;
        let res = &res;
        let row = resource_row(lang, res);
        let page_path = crate::lang_url(
            lang,
            &format!(
                "/dataset/{}/resource/{}",
                pkg.name,
                percent_encoding::utf8_percent_encode(&res.id, percent_encoding::NON_ALPHANUMERIC)
            ),
        );
        let datastore = self.datastore_view(v, &page_path, &res.id, query).await?;
        let has_table = datastore.as_ref().is_some_and(|d| d.table.is_some());
        let preview = if has_table { Preview::None } else { self.preview(&v.actor, &pkg, res).await };
        let mut metadata = Vec::new();
        let mut add = |k: &str, val: Option<String>| {
            if let Some(val) = val.filter(|s| !s.trim().is_empty()) {
                metadata.push((tr.t(k), val));
            }
        };
        add("res-format", res.format.clone());
        add("res-mimetype", res.mimetype.clone());
        add("res-size", res.size.filter(|s| *s > 0).map(|s| format::bytes(lang, s)));
        add("res-hash", res.hash.clone());
        add("meta-created", Some(format::date(lang, &res.created)));
        add("meta-modified", Some(format::date(lang, &res.metadata_modified)));
        let dataset_title = lang.pick(&pkg.title_translated, &pkg.title).to_string();
        let can_edit = self.may_edit(v, &pkg.id).await;
        let validation = res
            .extras
            .get("validation_status")
            .and_then(|s| s.as_str())
            .map(|s| (s.to_string(), tr.t(&format!("vr-status-{s}"))));
        let mut page = self.layout(v, format!("{} · {dataset_title}", row.name), "datasets");
        page.description = markdown::excerpt(&row.description, 200);
        let view = ResourceView {
            page,
            dataset_name: pkg.name.clone(),
            dataset_title,
            resource: row,
            metadata,
            preview,
            datastore,
            has_table,
            can_edit,
            validation,
        };
        Ok(Html { body: render(&view), public: !pkg.private && v.user_name().is_none() })
    }

    /// A dataset the visitor may read and one of its resources (a
    /// resource of another dataset is not found).
    pub(crate) async fn dataset_resource(
        &self,
        v: &Visitor,
        name: &str,
        resource_id: &str,
    ) -> Result<(Package, Resource)> {
        let pkg = self.catalog().package_show(&v.actor, name).await?;
        let res = pkg
            .resources
            .iter()
            .find(|r| r.id == resource_id)
            .cloned()
            .ok_or_else(|| Error::not_found("Resource was not found."))?;
        Ok((pkg, res))
    }

    /// Whether the visitor is signed in and may edit the dataset.
    pub(crate) async fn may_edit(&self, v: &Visitor, id: &str) -> bool {
        v.user_name().is_some()
            && match self.catalog().dataset_access(&v.actor, id).await {
                Ok(access) => {
                    kho_core::authz::authorize(&v.actor, kho_core::authz::Permission::UpdateDataset(&access)).is_ok()
                }
                Err(_) => false,
            }
    }

    /// Reads the start of an uploaded file for the resource page.
    async fn preview(&self, actor: &Actor, pkg: &Package, res: &Resource) -> Preview {
        let format = res.format.as_deref().unwrap_or("").to_ascii_lowercase();
        let mime = res.mimetype.as_deref().unwrap_or("").to_ascii_lowercase();
        let url = res.url.clone();
        if !safe_link(&url) {
            return Preview::None;
        }
        if mime.starts_with("image/") || ["png", "jpg", "jpeg", "gif", "webp", "svg"].contains(&format.as_str()) {
            return Preview::Image(url);
        }
        if mime == "application/pdf" || format == "pdf" {
            return Preview::Pdf(url);
        }
        let textual = ["csv", "tsv", "txt", "json", "geojson", "xml", "ndjson", "md"].contains(&format.as_str())
            || mime.starts_with("text/")
            || mime.contains("json");
        if res.url_type.as_deref() != Some("upload") || !textual {
            return Preview::None;
        }
        let Ok(dl) = self.catalog().resource_download(actor, &pkg.id, &res.id).await else { return Preview::None };
        let Ok((mut file, _)) = self.catalog().files().open_file(&dl.sha256).await else { return Preview::None };
        let mut buf = vec![0u8; PREVIEW_BYTES];
        let mut filled = 0;
        while filled < buf.len() {
            match file.read(&mut buf[filled..]).await {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(_) => return Preview::None,
            }
        }
        buf.truncate(filled);
        let truncated = filled == PREVIEW_BYTES;
        let text = String::from_utf8_lossy(buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf)).into_owned();
        let tabular = ["csv", "tsv"].contains(&format.as_str())
            || ["text/csv", "text/tab-separated-values"].contains(&mime.as_str());
        if tabular && let Some((header, rows, more)) = table_preview(&text, truncated) {
            return Preview::Table(header, rows, more);
        }
        let json = format == "json" || format == "geojson" || mime.contains("json");
        if json && let Ok(v) = serde_json::from_str::<Value>(&text) {
            let pretty = serde_json::to_string_pretty(&v).unwrap_or(text);
            return Preview::Text(pretty, false);
        }
        Preview::Text(text, truncated)
    }
}

/// The header and first rows of delimited text (delimiter guessed from
/// the first line among comma, semicolon, tab and pipe).
pub fn table_preview(text: &str, truncated: bool) -> Option<(Vec<String>, Vec<Vec<String>>, bool)> {
    let first = text.lines().next()?;
    let delimiter = [b',', b';', b'\t', b'|'].into_iter().max_by_key(|d| first.bytes().filter(|b| b == d).count())?;
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = records.next()?.ok()?.iter().map(|c| c.chars().take(200).collect()).collect();
    let mut rows = Vec::new();
    let mut more = false;
    for rec in records {
        let Ok(rec) = rec else { break };
        if rows.len() == PREVIEW_ROWS {
            more = true;
            break;
        }
        rows.push(rec.iter().take(50).map(|c| c.chars().take(200).collect()).collect());
    }
    // The last row of a cut-off read may itself be cut.
    if truncated && !more {
        rows.pop();
        more = true;
    }
    Some((header.into_iter().take(50).collect(), rows, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_guess_the_delimiter() {
        let (h, rows, more) = table_preview("tỉnh;dân số\nHà Nội;8.587.100\n\"Huế; TT\";1.236.393\n", false).unwrap();
        assert_eq!(h, ["tỉnh", "dân số"]);
        assert_eq!(rows[1], ["Huế; TT", "1.236.393"]);
        assert!(!more);
        let many: String = std::iter::once("a,b\n".to_string()).chain((0..30).map(|i| format!("{i},x\n"))).collect();
        let (_, rows, more) = table_preview(&many, false).unwrap();
        assert_eq!(rows.len(), PREVIEW_ROWS);
        assert!(more);
    }
}
