//! A resource's quality report (`/dataset/{name}/resource/{id}/quality`:
//! its latest validation, the errors in the visitor's language, a chart of
//! the error types, the Table Schema used) and the publishers' schema
//! editor (`/dataset/{name}/resource/{id}/schema`). The JSON form of the
//! report is the API's `resource_validation_show`.

use crate::format;
use crate::i18n::{Lang, Tr};
use crate::{FormResult, Html, Layout, Portal, Visitor, render};
use askama::Template;
use kho_charts::{Chart, ChartKind};
use kho_core::input::Fields;
use kho_core::{Error, Result};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Errors listed on the page (the API gives up to 1,000).
const LISTED: usize = 200;

/// One error as the page lists it.
pub struct ErrorLine {
    pub row: String,
    pub field: String,
    pub kind: String,
    pub message: String,
}

/// One field of the schema as the page lists it.
pub struct FieldLine {
    pub name: String,
    pub kind: String,
    pub format: String,
    pub rules: String,
}

#[derive(Template)]
#[template(path = "resource_quality.html")]
struct ReportView {
    page: Layout,
    dataset_name: String,
    dataset_title: String,
    resource_id: String,
    resource_name: String,
    /// `none`, `created`, `running`, `success`, `failure`, `error`.
    status: String,
    status_label: String,
    when: String,
    rows: String,
    invalid_rows: String,
    error_count: String,
    /// Share of valid rows, 0–100, when known.
    valid_percent: Option<u32>,
    valid_label: String,
    problem: String,
    chart_svg: Option<String>,
    errors: Vec<ErrorLine>,
    more_errors: bool,
    schema_source: String,
    fields: Vec<FieldLine>,
    keys: Vec<String>,
    can_edit: bool,
    json_url: String,
}

#[derive(Template)]
#[template(path = "schema_form.html")]
struct SchemaFormView {
    page: Layout,
    dataset_name: String,
    dataset_title: String,
    resource_id: String,
    resource_name: String,
    rows: Vec<SchemaRow>,
    types: Vec<&'static str>,
    advanced: String,
    error: Option<String>,
    inferred: bool,
}

/// A field's row in the schema editor.
pub struct SchemaRow {
    pub index: usize,
    pub name: String,
    pub title: String,
    pub kind: String,
    pub format: String,
    pub required: bool,
    pub unique: bool,
    pub minimum: String,
    pub maximum: String,
    pub pattern: String,
    pub values: String,
}

/// The field types the editor offers (Table Schema v1 and v2's `list`).
const TYPES: [&str; 16] = [
    "string",
    "integer",
    "number",
    "boolean",
    "date",
    "time",
    "datetime",
    "year",
    "yearmonth",
    "duration",
    "object",
    "array",
    "list",
    "geopoint",
    "geojson",
    "any",
];

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A constraint list in words: `required, unique, ≥ 0, pattern …`.
fn rules(c: &Map<String, Value>) -> String {
    let mut out = Vec::new();
    for (k, v) in c {
        out.push(match k.as_str() {
            "required" | "unique" if v == &Value::Bool(true) => k.clone(),
            "required" | "unique" => continue,
            "minimum" => format!("≥ {}", text(v)),
            "maximum" => format!("≤ {}", text(v)),
            "exclusiveMinimum" => format!("> {}", text(v)),
            "exclusiveMaximum" => format!("< {}", text(v)),
            "enum" => format!(
                "∈ {{{}}}",
                v.as_array().map(|a| a.iter().map(text).collect::<Vec<_>>().join(", ")).unwrap_or_default()
            ),
            _ => format!("{k}: {}", text(v)),
        });
    }
    out.join("; ")
}

fn key_list(v: &Value) -> String {
    match v {
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(", "),
        other => text(other),
    }
}

impl Portal {
    async fn validation_of(&self, v: &Visitor, resource_id: &str) -> Result<Option<Value>> {
        let mut m = Map::new();
        m.insert("resource_id".into(), json!(resource_id));
        match self.catalog().resource_validation_show(&v.actor, Fields::new(m)).await {
            Ok(r) => Ok(Some(r)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `/dataset/{name}/resource/{id}/quality`.
    pub async fn resource_quality_page(&self, v: &Visitor, name: &str, resource_id: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let (pkg, res) = self.dataset_resource(v, name, resource_id).await?;
        let report = self.validation_of(v, &res.id).await?;
        let r = report.clone().unwrap_or(Value::Null);
        let status = r["status"].as_str().unwrap_or("none").to_string();
        let count = |k: &str| r[k].as_i64().map(|n| format::int(lang, n)).unwrap_or_else(|| "—".into());
        let valid_percent = r["valid_rows_share"].as_f64().map(|s| (s * 100.0).floor() as u32);
        let errors_json = r["report"]["errors"].as_array().cloned().unwrap_or_default();
        let errors: Vec<ErrorLine> = errors_json
            .iter()
            .take(LISTED)
            .map(|e| ErrorLine {
                row: e["rowNumber"].as_u64().map(|n| n.to_string()).unwrap_or_else(|| tr.t("vr-header")),
                field: e["fieldName"].as_str().unwrap_or("").to_string(),
                kind: e["type"].as_str().unwrap_or("").to_string(),
                message: e[if lang == Lang::Vi { "messageVi" } else { "message" }].as_str().unwrap_or("").to_string(),
            })
            .collect();
        let mut by_type: BTreeMap<String, f64> = BTreeMap::new();
        for e in &errors_json {
            *by_type.entry(e["type"].as_str().unwrap_or("?").to_string()).or_default() += 1.0;
        }
        let chart_svg = (by_type.len() > 1).then(|| {
            let mut c = Chart::new(ChartKind::Bar, tr.t("vr-chart-title"));
            c.description = tr.t("vr-chart-desc");
            c.x_label = tr.t("vr-col-type");
            c.y_label = tr.t("vr-errors");
            c.locale = lang.into();
            c.id_prefix = "vr-chart".into();
            let mut points: Vec<(String, f64)> = by_type.into_iter().collect();
            points.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            c.points = points;
            kho_charts::render(&c)
        });
        let schema = &r["schema"];
        let fields = schema["fields"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .map(|f| FieldLine {
                        name: text(&f["name"]),
                        kind: f["type"].as_str().unwrap_or("any").to_string(),
                        format: f["format"].as_str().unwrap_or("").to_string(),
                        rules: f["constraints"].as_object().map(rules).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut keys = Vec::new();
        if !schema["primaryKey"].is_null() {
            keys.push(format!("{}: {}", tr.t("vr-primary-key"), key_list(&schema["primaryKey"])));
        }
        for fk in schema["foreignKeys"].as_array().into_iter().flatten() {
            let target = fk["reference"]["resource"].as_str().filter(|s| !s.is_empty()).unwrap_or("—");
            keys.push(format!(
                "{}: {} → {} ({})",
                tr.t("vr-foreign-key"),
                key_list(&fk["fields"]),
                target,
                key_list(&fk["reference"]["fields"])
            ));
        }
        let when =
            r["finished"].as_str().or(r["created"].as_str()).map(|t| format::datetime(lang, t)).unwrap_or_default();
        let resource_name = res.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| res.id.clone());
        let dataset_title = lang.pick(&pkg.title_translated, &pkg.title).to_string();
        let can_edit = self.may_edit(v, &pkg.id).await;
        let mut page = self.layout(v, format!("{} · {resource_name}", tr.t("vr-title")), "datasets");
        page.robots_noindex = true;
        let view = ReportView {
            page,
            dataset_name: pkg.name.clone(),
            dataset_title,
            resource_id: res.id.clone(),
            resource_name,
            status_label: tr.t(&format!("vr-status-{status}")),
            status,
            when,
            rows: count("rows"),
            invalid_rows: count("invalid_rows"),
            error_count: count("error_count"),
            valid_label: valid_percent.map(|p| format!("{p} %")).unwrap_or_default(),
            valid_percent,
            problem: r["error"].as_str().unwrap_or("").to_string(),
            chart_svg,
            more_errors: errors_json.len() > LISTED || r["error_count"].as_u64().unwrap_or(0) > errors.len() as u64,
            errors,
            schema_source: tr.t(&format!("vr-schema-{}", r["schema_source"].as_str().unwrap_or("none"))),
            fields,
            keys,
            can_edit,
            json_url: format!("/api/3/action/resource_validation_show?resource_id={}", res.id),
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() && !pkg.private })
    }

    /// The "validate again" button.
    pub async fn resource_validate_submit(&self, v: &Visitor, name: &str, resource_id: &str) -> Result<FormResult> {
        let (pkg, res) = self.dataset_resource(v, name, resource_id).await?;
        let mut m = Map::new();
        m.insert("resource_id".into(), json!(res.id));
        self.catalog().resource_validation_run(&v.actor, Fields::new(m)).await?;
        Ok(FormResult::Redirect(crate::lang_url(v.lang, &format!("/dataset/{}/resource/{}/quality", pkg.name, res.id))))
    }

    /// `/dataset/{name}/resource/{id}/schema`: the schema editor.
    pub async fn schema_form(&self, v: &Visitor, name: &str, resource_id: &str) -> Result<Html> {
        let (pkg, res) = self.dataset_resource(v, name, resource_id).await?;
        let access = self.catalog().dataset_access(&v.actor, &pkg.id).await?;
        kho_core::authz::authorize(&v.actor, kho_core::authz::Permission::UpdateDataset(&access))?;
        let schema = res.extras.get("schema").cloned().unwrap_or(Value::Null);
        let inferred = res.extras.get("schema_source").and_then(Value::as_str) == Some("inferred");
        Ok(self.schema_form_page(v, &pkg, &res, &schema, inferred, None))
    }

    fn schema_form_page(
        &self,
        v: &Visitor,
        pkg: &kho_core::model::Package,
        res: &kho_core::model::Resource,
        schema: &Value,
        inferred: bool,
        error: Option<String>,
    ) -> Html {
        let tr = Tr::new(v.lang);
        let rows = schema["fields"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .enumerate()
                    .map(|(index, f)| {
                        let c = &f["constraints"];
                        SchemaRow {
                            index,
                            name: text(&f["name"]),
                            title: text(&f["title"]),
                            kind: f["type"].as_str().unwrap_or("string").to_string(),
                            format: text(&f["format"]),
                            required: c["required"] == Value::Bool(true),
                            unique: c["unique"] == Value::Bool(true),
                            minimum: text(&c["minimum"]),
                            maximum: text(&c["maximum"]),
                            pattern: text(&c["pattern"]),
                            values: c["enum"]
                                .as_array()
                                .map(|a| a.iter().map(text).collect::<Vec<_>>().join(" | "))
                                .unwrap_or_default(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let resource_name = res.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| res.id.clone());
        let mut page = self.layout(v, format!("{} · {resource_name}", tr.t("schema-title")), "datasets");
        page.robots_noindex = true;
        let view = SchemaFormView {
            page,
            dataset_name: pkg.name.clone(),
            dataset_title: v.lang.pick(&pkg.title_translated, &pkg.title).to_string(),
            resource_id: res.id.clone(),
            resource_name,
            rows,
            types: TYPES.to_vec(),
            advanced: if schema.is_null() {
                String::new()
            } else {
                serde_json::to_string_pretty(schema).unwrap_or_default()
            },
            error,
            inferred,
        };
        Html { body: render(&view), public: false }
    }

    /// Saves the schema editor: the advanced JSON when it was changed,
    /// otherwise the fields' rows applied to the current schema (so keys,
    /// missing values and other properties are kept).
    pub async fn schema_submit(
        &self,
        v: &Visitor,
        name: &str,
        resource_id: &str,
        posted: BTreeMap<String, Vec<String>>,
    ) -> Result<FormResult> {
        let (pkg, res) = self.dataset_resource(v, name, resource_id).await?;
        let first = |k: &str| posted.get(k).and_then(|v| v.first()).cloned().unwrap_or_default();
        let current = res.extras.get("schema").cloned().unwrap_or(Value::Null);
        let shown =
            if current.is_null() { String::new() } else { serde_json::to_string_pretty(&current).unwrap_or_default() };
        // Browsers send text areas with CRLF line ends.
        let advanced = first("advanced").replace("\r\n", "\n");
        let schema = if advanced.trim() != shown.trim() {
            if advanced.trim().is_empty() {
                Value::Null
            } else {
                match serde_json::from_str::<Value>(&advanced) {
                    Ok(v) => v,
                    Err(e) => {
                        let tr = Tr::new(v.lang);
                        let msg = format!("{}: {e}", tr.t("schema-bad-json"));
                        let html = self.schema_form_page(v, &pkg, &res, &current, false, Some(msg));
                        return Ok(FormResult::Page(400, html));
                    }
                }
            }
        } else {
            let mut schema = if current.is_object() { current.clone() } else { json!({"fields": []}) };
            if let Some(fields) = schema["fields"].as_array_mut() {
                for (i, f) in fields.iter_mut().enumerate() {
                    apply_row(
                        f,
                        &|k: &str| first(&format!("f{i}_{k}")),
                        posted.contains_key(&format!("f{i}_required")),
                        posted.contains_key(&format!("f{i}_unique")),
                    );
                }
            }
            schema
        };
        let mut m = Map::new();
        m.insert("id".into(), json!(res.id));
        m.insert("schema".into(), schema.clone());
        match self.catalog().resource_patch(&v.actor, Fields::new(m), None).await {
            Ok(_) => Ok(FormResult::Redirect(crate::lang_url(
                v.lang,
                &format!("/dataset/{}/resource/{}/quality", pkg.name, res.id),
            ))),
            Err(Error::Validation(errors)) => {
                let msg = errors.to_map().values().map(key_list).collect::<Vec<_>>().join("; ");
                let html = self.schema_form_page(v, &pkg, &res, &schema, false, Some(msg));
                Ok(FormResult::Page(409, html))
            }
            Err(e) => Err(e),
        }
    }
}

/// Applies one row of the editor to a schema field.
fn apply_row(f: &mut Value, get: &dyn Fn(&str) -> String, required: bool, unique: bool) {
    let Some(obj) = f.as_object_mut() else { return };
    let set = |o: &mut Map<String, Value>, k: &str, val: String| {
        if val.trim().is_empty() {
            o.remove(k);
        } else {
            o.insert(k.into(), Value::String(val.trim().to_string()));
        }
    };
    set(obj, "title", get("title"));
    set(obj, "type", get("type"));
    set(obj, "format", get("format"));
    let mut c = obj.get("constraints").and_then(Value::as_object).cloned().unwrap_or_default();
    for (k, on) in [("required", required), ("unique", unique)] {
        if on {
            c.insert(k.into(), Value::Bool(true));
        } else {
            c.remove(k);
        }
    }
    for k in ["minimum", "maximum"] {
        let raw = get(k);
        let t = raw.trim();
        if t.is_empty() {
            c.remove(k);
        } else {
            // Numbers as numbers; dates and times stay text, as Table Schema writes them.
            let v = serde_json::from_str::<Value>(t).ok().filter(Value::is_number).unwrap_or(Value::String(t.into()));
            c.insert(k.into(), v);
        }
    }
    let pattern = get("pattern");
    if pattern.trim().is_empty() {
        c.remove("pattern");
    } else {
        c.insert("pattern".into(), Value::String(pattern.trim().to_string()));
    }
    let values: Vec<Value> =
        get("values").split('|').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.into())).collect();
    if values.is_empty() {
        c.remove("enum");
    } else {
        c.insert("enum".into(), Value::Array(values));
    }
    if c.is_empty() {
        obj.remove("constraints");
    } else {
        obj.insert("constraints".into(), Value::Object(c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_rows_change_only_what_they_show() {
        let mut f = json!({"name": "dân số", "type": "string", "constraints": {"maxLength": 5, "required": true}, "rdfType": "x"});
        let form: BTreeMap<&str, &str> =
            [("type", "integer"), ("minimum", "0"), ("maximum", ""), ("values", "1 | 2 |"), ("pattern", "")].into();
        apply_row(&mut f, &|k| form.get(k).unwrap_or(&"").to_string(), false, true);
        assert_eq!(
            f,
            json!({"name": "dân số", "type": "integer", "rdfType": "x",
                   "constraints": {"maxLength": 5, "unique": true, "minimum": 0, "enum": ["1", "2"]}})
        );
        let mut d = json!({"name": "ngày", "type": "date"});
        let form: BTreeMap<&str, &str> = [("type", "date"), ("minimum", "2025-07-01")].into();
        apply_row(&mut d, &|k| form.get(k).unwrap_or(&"").to_string(), false, false);
        assert_eq!(d["constraints"]["minimum"], "2025-07-01");
    }

    #[test]
    fn constraints_in_words() {
        let c = json!({"required": true, "unique": false, "minimum": 0, "enum": ["a", "b"]});
        assert_eq!(rules(c.as_object().unwrap()), "∈ {a, b}; ≥ 0; required");
    }
}
