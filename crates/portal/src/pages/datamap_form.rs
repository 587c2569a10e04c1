//! The data map's entry form (`/datamap/new`, `/datamap/database/{name}/edit`):
//! an agency's editors describe a database, or change its description, in
//! the browser instead of the API.
//!
//! The form goes through `datamap_database_create` and
//! `datamap_database_update` as the visitor, so permissions, validation and
//! the review workflow are the API's; each save is a revision awaiting
//! review. Lists that are rows (endpoints, connections) are tables of
//! inputs with a few blank rows; "more rows" posts the form back with more,
//! so no script is needed. Errors come back next to their fields, and row
//! errors name the row.

use crate::i18n::Tr;
use crate::pages::staff::{FieldKind, FormField, field_errors, first, vocab_options};
use crate::{FormResult, Html, Layout, Portal, Visitor, render};
use askama::Template;
use kho_core::authz::{Permission, authorize};
use kho_core::input::Fields;
use kho_core::vocab::{DataImportance, DataSharing, UpdateFrequency};
use kho_core::{Error, Result};
use kho_datamap::DatabaseEntry;
use kho_datamap::vocab::{DatabaseClass, DatabaseStatus, Direction, EndpointKind, Hosting, Platform};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Blank rows offered below the filled ones.
const BLANK_ROWS: usize = 3;
/// Most rows of a table the form offers (the API's list limit is higher).
const MAX_ROWS: usize = 200;

/// The single-valued fields, in form order.
const SCALARS: [&str; 18] = [
    "title",
    "title_en",
    "name",
    "owner_org",
    "sector",
    "class",
    "data_sharing",
    "data_importance",
    "status",
    "hosting",
    "security_level",
    "protection_4_layer",
    "records",
    "size_bytes",
    "update_frequency",
    "purpose",
    "legal_basis",
    "entities",
];

/// One row of the endpoints table.
#[derive(Default, Clone)]
pub struct EndpointRow {
    pub url: String,
    pub kind: String,
    pub title: String,
}

/// One row of the connections table.
#[derive(Default, Clone)]
pub struct ConnectionRow {
    pub database: String,
    pub direction: String,
    pub platform: String,
    pub elements: String,
    pub note: String,
}

/// What the form holds, filled or posted.
#[derive(Default)]
struct FormState {
    values: BTreeMap<String, String>,
    elements: Vec<String>,
    endpoints: Vec<EndpointRow>,
    connections: Vec<ConnectionRow>,
    message: String,
    /// Blank rows to offer below the filled ones.
    blank: usize,
}

impl FormState {
    fn from_entry(e: &DatabaseEntry) -> FormState {
        let mut values = BTreeMap::new();
        let json = e.to_json();
        for k in SCALARS {
            let v = match &json[k] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => String::new(),
            };
            values.insert(k.to_string(), v);
        }
        values.insert("title_en".into(), e.title_translated.get("en").cloned().unwrap_or_default());
        values.insert("entities".into(), e.entities.join("\n"));
        FormState {
            values,
            elements: e.elements.clone(),
            endpoints: e
                .endpoints
                .iter()
                .map(|p| EndpointRow {
                    url: p.url.clone(),
                    kind: json!(p.kind).as_str().unwrap_or_default().to_string(),
                    title: p.title.clone().unwrap_or_default(),
                })
                .collect(),
            connections: e
                .connections
                .iter()
                .map(|c| ConnectionRow {
                    database: c.database.clone(),
                    direction: json!(c.direction).as_str().unwrap_or_default().to_string(),
                    platform: json!(c.platform).as_str().unwrap_or_default().to_string(),
                    elements: c.elements.join(", "),
                    note: c.note.clone().unwrap_or_default(),
                })
                .collect(),
            message: String::new(),
            blank: BLANK_ROWS,
        }
    }

    fn from_posted(posted: &BTreeMap<String, Vec<String>>) -> FormState {
        let values = SCALARS.iter().map(|k| (k.to_string(), first(posted, k))).collect();
        let cell = |prefix: &str, i: usize, k: &str| first(posted, &format!("{prefix}_{k}_{i}")).trim().to_string();
        let rows = first(posted, "_rows").parse::<usize>().unwrap_or(0).min(MAX_ROWS);
        let endpoints = (0..rows)
            .map(|i| EndpointRow {
                url: cell("ep", i, "url"),
                kind: cell("ep", i, "kind"),
                title: cell("ep", i, "title"),
            })
            .filter(|r| !r.url.is_empty() || !r.title.is_empty())
            .collect();
        let connections = (0..rows)
            .map(|i| ConnectionRow {
                database: cell("cn", i, "database"),
                direction: cell("cn", i, "direction"),
                platform: cell("cn", i, "platform"),
                elements: cell("cn", i, "elements"),
                note: cell("cn", i, "note"),
            })
            .filter(|r| !r.database.is_empty() || !r.elements.is_empty() || !r.note.is_empty())
            .collect();
        let more = posted.contains_key("_more");
        FormState {
            values,
            elements: posted
                .get("elements")
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|e| !e.is_empty())
                .collect(),
            endpoints,
            connections,
            message: first(posted, "message"),
            blank: if more { BLANK_ROWS * 2 } else { BLANK_ROWS },
        }
    }

    /// The request dictionary of the API's create or update.
    fn to_dict(&self) -> Map<String, Value> {
        let mut d = Map::new();
        for k in SCALARS {
            let v = self.values.get(k).map(|s| s.trim()).unwrap_or_default();
            match k {
                "title_en" => {
                    let mut tr = Map::new();
                    if !v.is_empty() {
                        tr.insert("en".into(), json!(v));
                    }
                    d.insert("title_translated".into(), Value::Object(tr));
                }
                "entities" => {
                    let list: Vec<&str> = v.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
                    d.insert(k.into(), json!(list));
                }
                "protection_4_layer" => {
                    d.insert(k.into(), json!(matches!(v, "true" | "on" | "1")));
                }
                // Numbers as numbers; anything else as typed, for the API's error.
                "security_level" | "records" | "size_bytes" if !v.is_empty() => {
                    let n: Option<i64> = v.replace(['.', ',', ' '], "").parse().ok();
                    d.insert(k.into(), n.map(Value::from).unwrap_or_else(|| json!(v)));
                }
                _ if v.is_empty() => {}
                _ => {
                    d.insert(k.into(), json!(v));
                }
            }
        }
        d.insert("elements".into(), json!(self.elements));
        let endpoints: Vec<Value> = self
            .endpoints
            .iter()
            .map(|r| {
                let mut m = Map::new();
                m.insert("url".into(), json!(r.url));
                if !r.kind.is_empty() {
                    m.insert("kind".into(), json!(r.kind));
                }
                if !r.title.is_empty() {
                    m.insert("title".into(), json!(r.title));
                }
                Value::Object(m)
            })
            .collect();
        d.insert("endpoints".into(), Value::Array(endpoints));
        let connections: Vec<Value> = self
            .connections
            .iter()
            .map(|r| {
                let elements: Vec<&str> =
                    r.elements.split([',', ';', '\n']).map(str::trim).filter(|e| !e.is_empty()).collect();
                let mut m = Map::new();
                m.insert("database".into(), json!(r.database));
                m.insert("direction".into(), json!(r.direction));
                m.insert("platform".into(), json!(r.platform));
                m.insert("elements".into(), json!(elements));
                if !r.note.is_empty() {
                    m.insert("note".into(), json!(r.note));
                }
                Value::Object(m)
            })
            .collect();
        d.insert("connections".into(), Value::Array(connections));
        d.insert("message".into(), json!(self.message.trim()));
        d
    }
}

/// The reason a new entry's form starts with.
fn tr_first(lang: crate::i18n::Lang) -> String {
    Tr::new(lang).t("dm-form-first-message")
}

/// A validation error's messages for a list of rows (`connections`,
/// `endpoints`), one line per row: "Row 2 (platform): Missing value".
fn row_errors(tr: &Tr, v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        for (field, msgs) in m {
                            let text = flat(tr, msgs);
                            out.push(format!("{} {} ({field}): {text}", tr.t("dm-form-row"), i + 1));
                        }
                    }
                    Value::String(s) => out.push(crate::pages::staff::translate_validation(tr, s)),
                    _ => {}
                }
            }
        }
        other => out.push(flat(tr, other)),
    }
    out
}

fn flat(tr: &Tr, v: &Value) -> String {
    match v {
        Value::String(s) => crate::pages::staff::translate_validation(tr, s),
        Value::Array(a) => a.iter().map(|x| flat(tr, x)).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" "),
        Value::Object(m) => m.iter().map(|(k, x)| format!("{k}: {}", flat(tr, x))).collect::<Vec<_>>().join("; "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[derive(Template)]
#[template(path = "datamap_form.html")]
struct FormView {
    page: Layout,
    heading: String,
    action: String,
    /// The entry's page (editing), to go back to.
    back: Option<String>,
    intro: String,
    fields: Vec<FormField>,
    /// (name, label, message) for the error summary.
    errors: Vec<(String, String, String)>,
    /// Dictionary elements: (name, title, selected).
    elements: Vec<(String, String, bool)>,
    elements_error: Option<String>,
    endpoints: Vec<EndpointRow>,
    endpoints_errors: Vec<String>,
    connections: Vec<ConnectionRow>,
    connections_errors: Vec<String>,
    /// Rows of both tables (filled and blank).
    rows: usize,
    /// Databases of the map the visitor may name: (name, title).
    databases: Vec<(String, String)>,
    directions: Vec<(String, String)>,
    platforms: Vec<(String, String)>,
    endpoint_kinds: Vec<(String, String)>,
    message: String,
    message_error: Option<String>,
    /// A change needs its reason; a first description has one written in.
    message_required: bool,
}

impl Portal {
    /// `/datamap/new` and `/datamap/database/{name}/edit`: the empty or
    /// filled form. Only an agency's editors reach it; a harvested entry
    /// is edited at its source.
    pub async fn datamap_entry_form(&self, v: &Visitor, editing: Option<&str>) -> Result<Html> {
        let state = match editing {
            Some(name) => {
                let (entry, _) = self.editable_entry(v, name).await?;
                FormState::from_entry(&entry)
            }
            None => {
                let orgs = self.editable_orgs(v).await?;
                if orgs.is_empty() {
                    return Err(Error::forbidden(
                        "You are not an editor of any agency, so you cannot describe databases",
                    ));
                }
                let mut s = FormState { blank: BLANK_ROWS, message: tr_first(v.lang), ..FormState::default() };
                for (k, val) in [
                    ("class", "specialised"),
                    ("data_sharing", "shared"),
                    ("data_importance", "other"),
                    ("status", "operating"),
                ] {
                    s.values.insert(k.into(), val.into());
                }
                if let [(only, _)] = orgs.as_slice() {
                    s.values.insert("owner_org".into(), only.clone());
                }
                s
            }
        };
        self.datamap_form_page(v, editing, state, None).await
    }

    /// A submitted entry form: saved as a revision awaiting review (then
    /// the entry's page), or the form again with its errors, or with more
    /// blank rows when asked.
    pub async fn datamap_entry_submit(
        &self,
        v: &Visitor,
        editing: Option<&str>,
        posted: BTreeMap<String, Vec<String>>,
    ) -> Result<FormResult> {
        let mut state = FormState::from_posted(&posted);
        if posted.contains_key("_more") {
            let html = self.datamap_form_page(v, editing, state, None).await?;
            return Ok(FormResult::Page(200, html));
        }
        let mut dict = state.to_dict();
        let result = match editing {
            Some(name) => {
                let (previous, id) = self.editable_entry(v, name).await?;
                dict.insert("id".into(), json!(id));
                dict.insert("name".into(), json!(previous.name));
                // Set by reviewers only: kept as it is.
                dict.insert("national_repository".into(), json!(previous.national_repository));
                self.catalog().datamap_database_update(&v.actor, Fields::new(dict), false).await
            }
            None => {
                if dict.get("name").is_none()
                    && let Some(t) = dict.get("title").and_then(Value::as_str)
                {
                    let slug = kho_core::names::slugify(t);
                    state.values.insert("name".into(), slug.clone());
                    dict.insert("name".into(), json!(slug));
                }
                self.catalog().datamap_database_create(&v.actor, Fields::new(dict)).await
            }
        };
        match result {
            Ok(saved) => {
                let name = saved["name"].as_str().unwrap_or_default();
                Ok(FormResult::Redirect(crate::lang_url(v.lang, &format!("/datamap/database/{name}"))))
            }
            Err(e @ Error::Validation(_)) => {
                let html = self.datamap_form_page(v, editing, state, Some(&e)).await?;
                Ok(FormResult::Page(400, html))
            }
            Err(e) => Err(e),
        }
    }

    /// Agencies whose records the visitor edits: (name, title).
    async fn editable_orgs(&self, v: &Visitor) -> Result<Vec<(String, String)>> {
        // An organization's editors edit its records, datasets and map entries alike.
        let list = self.catalog().organization_list_for_user(&v.actor, None, Some("create_dataset")).await?;
        Ok(list
            .into_iter()
            .filter_map(|g| serde_json::from_value::<kho_core::model::Group>(g).ok())
            .map(|g| {
                let title = v.lang.pick(&g.title_translated, &g.title).to_string();
                (g.name, title)
            })
            .collect())
    }

    /// The latest revision of an entry the visitor may edit, with its id.
    async fn editable_entry(&self, v: &Visitor, name: &str) -> Result<(DatabaseEntry, String)> {
        let doc = self.catalog().datamap_database_show(&v.actor, name, None).await?;
        if doc["harvested"] == true {
            return Err(Error::forbidden(
                "This entry is harvested from another node and is read-only here; change it at its source",
            ));
        }
        let entry: DatabaseEntry = serde_json::from_value(doc.clone())
            .map_err(|e| Error::internal(format!("data-map entry unreadable: {e}")))?;
        authorize(&v.actor, Permission::EditAgencyRecords { org_id: &entry.owner_org })?;
        Ok((entry, doc["id"].as_str().unwrap_or_default().to_string()))
    }

    async fn datamap_form_page(
        &self,
        v: &Visitor,
        editing: Option<&str>,
        state: FormState,
        error: Option<&Error>,
    ) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let (raw, errors) = match error {
            Some(e @ Error::Validation(ve)) => (ve.to_map(), field_errors(&tr, e)),
            _ => (Map::new(), BTreeMap::new()),
        };
        let view = self.catalog().datamap_view(&v.actor).await?;
        let mut orgs = self.editable_orgs(v).await?;
        // The entry's own agency stays a choice (a sysadmin's, a parent's).
        if let Some(o) = state.values.get("owner_org").filter(|o| !o.is_empty())
            && !orgs.iter().any(|(n, _)| n == o)
        {
            let title = view
                .snapshot
                .agencies
                .iter()
                .find(|a| &a.name == o || &a.id == o)
                .map(|a| (a.name.clone(), a.title.clone()));
            if let Some((n, t)) = title {
                orgs.insert(0, (n, t));
            }
        }
        let mut values = state.values.clone();
        // Shown by name, whichever the entry holds.
        if let Some(o) = values.get("owner_org").cloned()
            && let Some(a) = view.snapshot.agencies.iter().find(|a| a.id == o)
        {
            values.insert("owner_org".into(), a.name.clone());
        }
        let none = Some(tr.t("choose-none"));
        let mk = |name: &'static str, kind: FieldKind, required: bool| {
            let key = name.replace('_', "-");
            let label_key = if name == "title_en" { "dm-form-title-en".to_string() } else { format!("dm-field-{key}") };
            let hint = format!("dm-form-h-{key}");
            let api = if name == "title_en" { "title_translated" } else { name };
            FormField {
                name,
                label: tr.t(&label_key),
                kind,
                value: values.get(name).cloned().unwrap_or_default(),
                error: errors.get(name).or_else(|| errors.get(api)).cloned(),
                hint: tr.has(&hint).then(|| tr.t(&hint)),
                required,
            }
        };
        let levels: Vec<(String, String)> = std::iter::once((String::new(), tr.t("choose-none")))
            .chain((1..=5).map(|n| (n.to_string(), n.to_string())))
            .collect();
        let mut fields = vec![mk("title", FieldKind::Text, true), mk("title_en", FieldKind::Text, false)];
        if editing.is_none() {
            fields.push(mk("name", FieldKind::Text, false));
        }
        fields.extend([
            mk("owner_org", FieldKind::Select(orgs), true),
            mk("sector", FieldKind::Text, false),
            mk("class", FieldKind::Select(vocab_options::<DatabaseClass>(lang, None)), true),
            mk("data_sharing", FieldKind::Select(vocab_options::<DataSharing>(lang, None)), true),
            mk("data_importance", FieldKind::Select(vocab_options::<DataImportance>(lang, None)), true),
            mk("status", FieldKind::Select(vocab_options::<DatabaseStatus>(lang, None)), true),
            mk("hosting", FieldKind::Select(vocab_options::<Hosting>(lang, none.clone())), false),
            mk("security_level", FieldKind::Select(levels), false),
            mk("protection_4_layer", FieldKind::Checkbox, false),
            mk("records", FieldKind::Text, false),
            mk("size_bytes", FieldKind::Text, false),
            mk("update_frequency", FieldKind::Select(vocab_options::<UpdateFrequency>(lang, none)), false),
            mk("purpose", FieldKind::Textarea, false),
            mk("legal_basis", FieldKind::Textarea, false),
            mk("entities", FieldKind::Textarea, false),
        ]);
        let mut summary: Vec<(String, String, String)> =
            fields.iter().filter_map(|f| f.error.clone().map(|e| (f.name.to_string(), f.label.clone(), e))).collect();
        let elements_error = errors.get("elements").cloned();
        if let Some(e) = &elements_error {
            summary.push(("elements".into(), tr.t("dm-field-elements"), e.clone()));
        }
        let endpoints_errors = raw.get("endpoints").map(|x| row_errors(&tr, x)).unwrap_or_default();
        for e in &endpoints_errors {
            summary.push(("ep_url_0".into(), tr.t("dm-field-endpoints"), e.clone()));
        }
        let connections_errors = raw.get("connections").map(|x| row_errors(&tr, x)).unwrap_or_default();
        for e in &connections_errors {
            summary.push(("cn_database_0".into(), tr.t("dm-field-connections"), e.clone()));
        }
        let message_error = errors.get("message").cloned();
        if let Some(e) = &message_error {
            summary.push(("message".into(), tr.t("dm-form-message"), e.clone()));
        }
        // Errors the form has no field for (the API's own checks).
        for (k, msg) in &errors {
            let shown = fields.iter().any(|f| f.name == k || (f.name == "title_en" && k == "title_translated"))
                || matches!(k.as_str(), "elements" | "endpoints" | "connections" | "message");
            if !shown {
                summary.push((String::new(), k.clone(), msg.clone()));
            }
        }

        let elements: Vec<(String, String, bool)> = view
            .snapshot
            .elements
            .iter()
            .map(|e| {
                (e.name.clone(), lang.pick(&e.title_translated, &e.title).to_string(), state.elements.contains(&e.name))
            })
            .chain(
                // Names posted that the dictionary lacks stay visible (and the API says why).
                state
                    .elements
                    .iter()
                    .filter(|n| !view.snapshot.elements.iter().any(|e| &e.name == *n))
                    .map(|n| (n.clone(), n.clone(), true)),
            )
            .collect();
        let own = editing.unwrap_or_default();
        let databases: Vec<(String, String)> = view
            .snapshot
            .databases
            .iter()
            .filter(|d| d.name != own)
            .map(|d| (d.name.clone(), lang.pick(&d.title_translated, &d.title).to_string()))
            .collect();
        let rows = state.endpoints.len().max(state.connections.len()) + state.blank;
        let mut endpoints = state.endpoints.clone();
        endpoints.resize(rows, EndpointRow::default());
        let mut connections = state.connections.clone();
        connections.resize(rows, ConnectionRow::default());

        let (heading, action, back) = match editing {
            Some(name) => (
                tr.t("dm-form-edit"),
                crate::lang_url(lang, &format!("/datamap/database/{name}/edit")),
                Some(crate::lang_url(lang, &format!("/datamap/database/{name}"))),
            ),
            None => (tr.t("dm-form-new"), crate::lang_url(lang, "/datamap/new"), None),
        };
        let mut page = self.layout(v, heading.clone(), "datamap");
        page.robots_noindex = true;
        let form = FormView {
            page,
            heading,
            action,
            back,
            intro: tr.t("dm-form-intro"),
            fields,
            errors: summary,
            elements,
            elements_error,
            endpoints,
            endpoints_errors,
            connections,
            connections_errors,
            rows,
            databases,
            directions: vocab_options::<Direction>(lang, Some(String::new())),
            platforms: vocab_options::<Platform>(lang, Some(String::new())),
            endpoint_kinds: vocab_options::<EndpointKind>(lang, None),
            message: state.message,
            message_error,
            message_required: editing.is_some(),
        };
        Ok(Html { body: render(&form), public: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn posted(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            m.entry(k.to_string()).or_default().push(v.to_string());
        }
        m
    }

    #[test]
    fn a_posted_form_becomes_the_apis_dictionary() {
        let s = FormState::from_posted(&posted(&[
            ("title", " Cơ sở dữ liệu hộ tịch "),
            ("title_en", "Civil status"),
            ("owner_org", "da-nang"),
            ("class", "shared"),
            ("records", "1.234.567"),
            ("security_level", "3"),
            ("protection_4_layer", "true"),
            ("entities", "công dân\n\n  hộ gia đình "),
            ("elements", "ma-dinh-danh"),
            ("elements", "ma-ho-tich"),
            ("_rows", "4"),
            ("cn_database_0", "csdl-dan-cu"),
            ("cn_direction_0", "in"),
            ("cn_platform_0", "ndxp"),
            ("cn_elements_0", "ma-dinh-danh, ma-ho-tich"),
            ("cn_database_2", ""),
            ("ep_url_1", "https://api.example.vn"),
            ("ep_kind_1", "api"),
            ("message", "Khai báo"),
        ]));
        let d = s.to_dict();
        assert_eq!(d["title"], "Cơ sở dữ liệu hộ tịch");
        assert_eq!(d["title_translated"], json!({"en": "Civil status"}));
        assert_eq!(d["records"], 1_234_567);
        assert_eq!(d["security_level"], 3);
        assert_eq!(d["protection_4_layer"], true);
        assert_eq!(d["entities"], json!(["công dân", "hộ gia đình"]));
        assert_eq!(d["elements"], json!(["ma-dinh-danh", "ma-ho-tich"]));
        assert_eq!(
            d["connections"],
            json!([{"database": "csdl-dan-cu", "direction": "in", "platform": "ndxp", "elements": ["ma-dinh-danh", "ma-ho-tich"]}])
        );
        assert_eq!(d["endpoints"], json!([{"url": "https://api.example.vn", "kind": "api"}]));
        assert!(d.get("hosting").is_none(), "an empty choice is left out");
        let e = kho_datamap::DatabaseEntry::parse(Fields::new({
            let mut m = d.clone();
            m.remove("message");
            m.insert("name".into(), json!("csdl-ho-tich"));
            m.insert("data_sharing".into(), json!("shared"));
            m.insert("data_importance".into(), json!("other"));
            m.insert("status".into(), json!("operating"));
            m
        }))
        .unwrap();
        // And back: the filled form holds what was posted.
        let again = FormState::from_entry(&e);
        assert_eq!(again.values["title_en"], "Civil status");
        assert_eq!(again.values["entities"], "công dân\nhộ gia đình");
        assert_eq!(again.connections[0].elements, "ma-dinh-danh, ma-ho-tich");
        assert_eq!(again.endpoints[0].kind, "api");
    }

    #[test]
    fn a_number_that_is_not_one_reaches_the_api_as_typed() {
        let s = FormState::from_posted(&posted(&[("records", "nhiều")]));
        assert_eq!(s.to_dict()["records"], "nhiều");
    }

    #[test]
    fn row_errors_name_their_row() {
        let tr = Tr::new(Lang::En);
        let errs = row_errors(&tr, &json!([{}, {"platform": ["Missing value"]}]));
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains('2') && errs[0].contains("platform"), "{errs:?}");
    }
}
