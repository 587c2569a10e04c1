//! Staff pages: sign-in, dashboard, dataset and resource forms with
//! uploads, organization members and roles, API tokens.
//!
//! Every form goes through the same catalog actions as the API, as the
//! signed-in user, so permissions and validation are the API's. Validation
//! errors come back per field and are shown next to the field, in the
//! visitor's language where the message is a known one.

use crate::i18n::{Lang, Tr};
use crate::{FormResult, Html, Layout, Portal, Visitor, format, render};
use askama::Template;
use kho_catalog::resources::Upload;
use kho_core::input::Fields;
use kho_core::model::{Group, Package};
use kho_core::vocab::{DataImportance, DataSharing, UpdateFrequency, Vocabulary};
use kho_core::{Error, Result};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The kind of input a form field is.
pub enum FieldKind {
    Text,
    Email,
    Url,
    Date,
    Password,
    Textarea,
    Checkbox,
    File,
    /// Options as (value, label).
    Select(Vec<(String, String)>),
}

/// One field of a form, with its value and error.
pub struct FormField {
    pub name: &'static str,
    pub label: String,
    pub kind: FieldKind,
    pub value: String,
    pub error: Option<String>,
    pub hint: Option<String>,
    pub required: bool,
}

impl FormField {
    /// A field with its label and hint from the catalogs (`f-…`, `h-…`),
    /// its value, and the error the API reported for field `api` (the API's
    /// name for it, where the form's differs).
    #[allow(clippy::too_many_arguments)]
    fn new(
        tr: &Tr,
        name: &'static str,
        api: &str,
        kind: FieldKind,
        required: bool,
        values: &BTreeMap<String, String>,
        errors: &BTreeMap<String, String>,
    ) -> FormField {
        let key = name.replace('_', "-");
        let hint = format!("h-{key}");
        FormField {
            name,
            label: tr.t(&format!("f-{key}")),
            value: values.get(name).cloned().unwrap_or_default(),
            error: errors.get(name).or_else(|| errors.get(api)).cloned(),
            hint: tr.has(&hint).then(|| tr.t(&hint)),
            kind,
            required,
        }
    }

    /// The id of the field's error message (for `aria-describedby`).
    pub fn error_id(&self) -> String {
        format!("{}-error", self.name)
    }
    /// Whether the checkbox is ticked.
    pub fn checked(&self) -> bool {
        matches!(self.value.as_str(), "true" | "on" | "1")
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginView {
    page: Layout,
    login: String,
    came_from: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "dataset_form.html")]
struct DatasetFormView {
    page: Layout,
    heading: String,
    action: String,
    fields: Vec<FormField>,
    errors: Vec<(String, String, String)>,
    multipart: bool,
    submit: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmView {
    page: Layout,
    question: String,
    action: String,
    back: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardView {
    page: Layout,
    user: String,
    /// Sysadmins also get the site's staff pages (harvesting).
    sysadmin: bool,
    orgs: Vec<(String, String, bool)>,
    datasets: Vec<super::DatasetCard>,
    activity: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersView {
    page: Layout,
    org_name: String,
    org_title: String,
    members: Vec<(String, String, String)>,
    roles: Vec<(&'static str, String)>,
    message: Option<(bool, String)>,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensView {
    page: Layout,
    user: String,
    tokens: Vec<(String, String, String, String)>,
    new_token: Option<String>,
    message: Option<(bool, String)>,
}

/// Known validation messages and their catalog ids; others are shown as
/// the API gives them (English).
const VALIDATION_MESSAGES: [(&str, &str); 11] = [
    ("Missing value", "v-missing"),
    ("That URL is already in use.", "v-url-in-use"),
    ("Must be purely lowercase alphanumeric", "v-name-chars"),
    ("Must be at least 2 characters long", "v-too-short"),
    ("Must be at most", "v-too-long"),
    ("Name must be a maximum of", "v-too-long"),
    ("Organization does not exist", "v-org-missing"),
    ("Must be a date in the form YYYY-MM-DD", "v-date"),
    ("Must not be before temporal_start", "v-temporal-order"),
    ("Unknown licence", "v-license"),
    ("Value must be one of", "v-choice"),
];

/// A validation message in the visitor's language.
pub fn translate_validation(tr: &Tr, message: &str) -> String {
    match VALIDATION_MESSAGES.iter().find(|(en, _)| message.starts_with(en)) {
        Some((_, key)) => tr.t(key),
        None => message.to_string(),
    }
}

/// The per-field messages of a validation error.
pub(crate) fn field_errors(tr: &Tr, err: &Error) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Error::Validation(v) = err {
        for (field, msgs) in v.to_map() {
            let text = match msgs {
                Value::Array(list) => list
                    .iter()
                    .map(|m| match m {
                        Value::String(s) => translate_validation(tr, s),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                Value::String(s) => translate_validation(tr, &s),
                other => other.to_string(),
            };
            out.insert(field, text);
        }
    }
    out
}

pub(crate) fn vocab_options<V: Vocabulary>(lang: Lang, empty: Option<String>) -> Vec<(String, String)> {
    empty
        .into_iter()
        .map(|e| (String::new(), e))
        .chain(V::ALL.iter().map(|v| {
            (
                v.code().to_string(),
                match lang {
                    Lang::Vi => v.label_vi().to_string(),
                    Lang::En => v.label_en().to_string(),
                },
            )
        }))
        .collect()
}

/// The posted value of a field (first one).
pub(crate) fn first(fields: &BTreeMap<String, Vec<String>>, k: &str) -> String {
    fields.get(k).and_then(|v| v.first()).cloned().unwrap_or_default()
}

const DATASET_FIELDS: [&str; 20] = [
    "title",
    "name",
    "notes",
    "title_en",
    "notes_en",
    "owner_org",
    "private",
    "data_sharing",
    "data_importance",
    "license_id",
    "tags",
    "update_frequency",
    "temporal_start",
    "temporal_end",
    "spatial",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "version",
];

impl Portal {
    /// `/user/login`.
    pub fn login_page(&self, v: &Visitor, login: &str, came_from: &str, error: Option<&str>) -> Html {
        let tr = Tr::new(v.lang);
        let mut page = self.layout(v, tr.t("login-title"), "login");
        page.robots_noindex = true;
        let view = LoginView {
            page,
            login: login.to_string(),
            came_from: came_from.to_string(),
            error: error.map(|k| tr.t(k)),
        };
        Html { body: render(&view), public: false }
    }

    /// Organizations where the visitor holds `permission`: (name, title).
    async fn my_orgs(&self, v: &Visitor, permission: &str) -> Result<Vec<(String, String)>> {
        let list = self.catalog().organization_list_for_user(&v.actor, None, Some(permission)).await?;
        Ok(list
            .into_iter()
            .filter_map(|g| serde_json::from_value::<Group>(g).ok())
            .map(|g| {
                let title = v.lang.pick(&g.title_translated, &g.title).to_string();
                (g.name, title)
            })
            .collect())
    }

    /// `/dashboard`: the visitor's agencies, their datasets, recent activity.
    pub async fn dashboard(&self, v: &Visitor) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let user = v.user_name().ok_or_else(|| Error::forbidden("Not signed in"))?.to_string();
        let orgs = self.my_orgs(v, "read").await?;
        let admin_of: Vec<String> = self.my_orgs(v, "manage_group").await?.into_iter().map(|(n, _)| n).collect();
        let mut params = super::SearchParams { page: 1, sort: "metadata_modified desc".into(), ..Default::default() };
        let datasets = if orgs.is_empty() && !v.actor.user.as_ref().is_some_and(|u| u.sysadmin) {
            Vec::new()
        } else {
            for (name, _) in orgs.iter().take(10) {
                params.filters.push(("organization".into(), name.clone()));
            }
            // Several agencies: any of them.
            let q = if params.filters.len() > 1 {
                let any = params
                    .filters
                    .drain(..)
                    .map(|(_, n)| format!("organization:\"{}\"", n.replace('"', "")))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                format!("({any})")
            } else {
                String::new()
            };
            params.q = q;
            self.search(v, &params, "/dataset", None, None, 20).await?.results
        };
        let mut activity = Vec::new();
        for (name, title) in orgs.iter().take(5) {
            if let Ok(list) = self.catalog().group_activity_list(&v.actor, name, true, Some(5), None).await {
                for a in list {
                    let what = tr.activity(&a.activity_type);
                    let label =
                        a.data.get("package").and_then(|p| p.get("title")).and_then(Value::as_str).unwrap_or(title);
                    activity.push((a.timestamp.clone(), what, label.to_string()));
                }
            }
        }
        activity.sort_by(|a, b| b.0.cmp(&a.0));
        activity.truncate(15);
        let activity = activity.into_iter().map(|(t, w, l)| (format::datetime(v.lang, &t), w, l)).collect();
        let mut page = self.layout(v, tr.t("nav-dashboard"), "dashboard");
        page.robots_noindex = true;
        let view = DashboardView {
            page,
            user,
            sysadmin: v.actor.is_sysadmin(),
            orgs: orgs.into_iter().map(|(n, t)| (admin_of.contains(&n), n, t)).map(|(a, n, t)| (n, t, a)).collect(),
            datasets,
            activity,
        };
        Ok(Html { body: render(&view), public: false })
    }

    fn dataset_fields(
        &self,
        lang: Lang,
        values: &BTreeMap<String, String>,
        errors: &BTreeMap<String, String>,
        orgs: Vec<(String, String)>,
        with_upload: bool,
    ) -> Vec<FormField> {
        let tr = Tr::new(lang);
        let licenses: Vec<(String, String)> = kho_core::licenses::LICENSES
            .iter()
            .map(|l| {
                (
                    l.id.to_string(),
                    if lang == Lang::Vi && !l.title_vi.is_empty() {
                        l.title_vi.to_string()
                    } else {
                        l.title.to_string()
                    },
                )
            })
            .collect();
        let mk = |name, kind, required| {
            let api = match name {
                "title_en" => "title_translated",
                "notes_en" => "notes_translated",
                other => other,
            };
            FormField::new(&tr, name, api, kind, required, values, errors)
        };
        let mut fields = vec![
            mk("title", FieldKind::Text, true),
            mk("name", FieldKind::Text, false),
            mk("notes", FieldKind::Textarea, false),
            mk("title_en", FieldKind::Text, false),
            mk("notes_en", FieldKind::Textarea, false),
            mk("owner_org", FieldKind::Select(orgs), true),
            mk("private", FieldKind::Checkbox, false),
            mk("data_sharing", FieldKind::Select(vocab_options::<DataSharing>(lang, None)), false),
            mk("data_importance", FieldKind::Select(vocab_options::<DataImportance>(lang, None)), false),
            mk("license_id", FieldKind::Select(licenses), false),
            mk("tags", FieldKind::Text, false),
            mk(
                "update_frequency",
                FieldKind::Select(vocab_options::<UpdateFrequency>(lang, Some(tr.t("choose-none")))),
                false,
            ),
            mk("temporal_start", FieldKind::Date, false),
            mk("temporal_end", FieldKind::Date, false),
            mk("spatial", FieldKind::Text, false),
            mk("author", FieldKind::Text, false),
            mk("author_email", FieldKind::Email, false),
            mk("maintainer", FieldKind::Text, false),
            mk("maintainer_email", FieldKind::Email, false),
            mk("version", FieldKind::Text, false),
        ];
        if with_upload {
            fields.push(mk("upload", FieldKind::File, false));
            fields.push(mk("resource_name", FieldKind::Text, false));
        }
        fields
    }

    fn dataset_form_page(&self, v: &Visitor, editing: Option<&str>, fields: Vec<FormField>) -> Html {
        let tr = Tr::new(v.lang);
        let (heading, action, submit) = match editing {
            Some(name) => {
                (tr.t("edit-dataset"), crate::lang_url(v.lang, &format!("/dataset/edit/{name}")), tr.t("save"))
            }
            None => (tr.t("new-dataset"), crate::lang_url(v.lang, "/dataset/new"), tr.t("create-dataset")),
        };
        let errors =
            fields.iter().filter_map(|f| f.error.clone().map(|e| (f.name.to_string(), f.label.clone(), e))).collect();
        let mut page = self.layout(v, heading.clone(), "datasets");
        page.robots_noindex = true;
        let multipart = fields.iter().any(|f| matches!(f.kind, FieldKind::File));
        let view = DatasetFormView { page, heading, action, fields, errors, multipart, submit };
        Html { body: render(&view), public: false }
    }

    /// `/dataset/new` and `/dataset/edit/{name}`: the empty or filled form.
    pub async fn dataset_form(&self, v: &Visitor, editing: Option<&str>) -> Result<Html> {
        let orgs = self.my_orgs(v, "create_dataset").await?;
        let mut values = BTreeMap::new();
        match editing {
            Some(name) => {
                let pkg = self.catalog().package_show(&v.actor, name).await?;
                let access = self.catalog().dataset_access(&v.actor, &pkg.id).await?;
                kho_core::authz::authorize(&v.actor, kho_core::authz::Permission::UpdateDataset(&access))?;
                values = package_values(&pkg);
            }
            None => {
                if orgs.is_empty() {
                    return Err(Error::forbidden("You are not an editor of any agency, so you cannot create datasets"));
                }
                values.insert("data_sharing".into(), "open".into());
                values.insert("data_importance".into(), "other".into());
                values.insert("license_id".into(), "cc-by".into());
            }
        }
        let fields = self.dataset_fields(v.lang, &values, &BTreeMap::new(), orgs, editing.is_none());
        Ok(self.dataset_form_page(v, editing, fields))
    }

    /// A submitted dataset form: creates or updates the dataset (and, when
    /// creating with a file, its first resource), or shows the form again
    /// with the errors.
    pub async fn dataset_submit(
        &self,
        v: &Visitor,
        editing: Option<&str>,
        posted: BTreeMap<String, Vec<String>>,
        upload: Option<Upload>,
    ) -> Result<FormResult> {
        let tr = Tr::new(v.lang);
        let mut values: BTreeMap<String, String> =
            DATASET_FIELDS.iter().map(|k| (k.to_string(), first(&posted, k))).collect();
        values.insert("resource_name".into(), first(&posted, "resource_name"));
        if values["name"].trim().is_empty() && editing.is_none() {
            values.insert("name".into(), kho_core::names::slugify(&values["title"]));
        }
        let mut dict = Map::new();
        for k in DATASET_FIELDS {
            let val = values[k].trim().to_string();
            match k {
                "title_en" | "notes_en" | "tags" => {}
                "private" => {
                    dict.insert(k.into(), Value::Bool(matches!(val.as_str(), "true" | "on" | "1")));
                }
                _ if val.is_empty() => {
                    if editing.is_some() && !matches!(k, "title" | "name" | "owner_org") {
                        dict.insert(k.into(), Value::Null);
                    }
                }
                _ => {
                    dict.insert(k.into(), Value::String(val));
                }
            }
        }
        let tags: Vec<Value> =
            values["tags"].split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| json!({"name": t})).collect();
        dict.insert("tags".into(), Value::Array(tags));
        let mut title_tr = Map::new();
        if !values["title_en"].trim().is_empty() {
            title_tr.insert("en".into(), Value::String(values["title_en"].trim().into()));
        }
        let mut notes_tr = Map::new();
        if !values["notes_en"].trim().is_empty() {
            notes_tr.insert("en".into(), Value::String(values["notes_en"].trim().into()));
        }
        dict.insert("title_translated".into(), Value::Object(title_tr));
        dict.insert("notes_translated".into(), Value::Object(notes_tr));
        let result = match editing {
            Some(name) => {
                dict.insert("id".into(), Value::String(name.to_string()));
                self.catalog().package_patch(&v.actor, Fields::new(dict)).await
            }
            None => self.catalog().package_create(&v.actor, Fields::new(dict)).await,
        };
        let pkg = match result {
            Ok(p) => p,
            Err(e @ Error::Validation(_)) => {
                if let Some(up) = &upload {
                    self.catalog().discard_upload(up).await;
                }
                let errors = field_errors(&tr, &e);
                let orgs = self.my_orgs(v, "create_dataset").await?;
                let fields = self.dataset_fields(v.lang, &values, &errors, orgs, editing.is_none());
                return Ok(FormResult::Page(400, self.dataset_form_page(v, editing, fields)));
            }
            Err(e) => {
                if let Some(up) = &upload {
                    self.catalog().discard_upload(up).await;
                }
                return Err(e);
            }
        };
        if let Some(up) = upload {
            let mut r = Map::new();
            r.insert("package_id".into(), Value::String(pkg.id.clone()));
            let name = values["resource_name"].trim();
            r.insert("name".into(), Value::String(if name.is_empty() { up.filename.clone() } else { name.into() }));
            self.catalog().resource_create(&v.actor, Fields::new(r), Some(up)).await?;
        }
        Ok(FormResult::Redirect(crate::lang_url(v.lang, &format!("/dataset/{}", pkg.name))))
    }

    fn resource_fields(
        &self,
        lang: Lang,
        values: &BTreeMap<String, String>,
        errors: &BTreeMap<String, String>,
    ) -> Vec<FormField> {
        let tr = Tr::new(lang);
        let mk = |name, kind| {
            let api = if name == "resource_name" { "name" } else { name };
            FormField::new(&tr, name, api, kind, false, values, errors)
        };
        vec![
            mk("upload", FieldKind::File),
            mk("url", FieldKind::Url),
            mk("resource_name", FieldKind::Text),
            mk("description", FieldKind::Textarea),
            mk("format", FieldKind::Text),
        ]
    }

    fn resource_form_page(&self, v: &Visitor, dataset: &str, editing: Option<&str>, fields: Vec<FormField>) -> Html {
        let tr = Tr::new(v.lang);
        let (heading, action, submit) = match editing {
            Some(id) => (
                tr.t("edit-resource"),
                crate::lang_url(v.lang, &format!("/dataset/{dataset}/resource/{id}/edit")),
                tr.t("save"),
            ),
            None => (
                tr.t("add-resource"),
                crate::lang_url(v.lang, &format!("/dataset/{dataset}/resource/new")),
                tr.t("add-resource"),
            ),
        };
        let errors =
            fields.iter().filter_map(|f| f.error.clone().map(|e| (f.name.to_string(), f.label.clone(), e))).collect();
        let mut page = self.layout(v, heading.clone(), "datasets");
        page.robots_noindex = true;
        let view = DatasetFormView { page, heading, action, fields, errors, multipart: true, submit };
        Html { body: render(&view), public: false }
    }

    /// The dataset, checked to be one the visitor may edit.
    async fn editable(&self, v: &Visitor, dataset: &str) -> Result<kho_core::model::DatasetAccess> {
        let access = self.catalog().dataset_access(&v.actor, dataset).await?;
        kho_core::authz::authorize(&v.actor, kho_core::authz::Permission::UpdateDataset(&access))?;
        Ok(access)
    }

    /// `/dataset/{name}/resource/new` and `/dataset/{name}/resource/{id}/edit`.
    pub async fn resource_form(&self, v: &Visitor, dataset: &str, editing: Option<&str>) -> Result<Html> {
        let access = self.editable(v, dataset).await?;
        let mut values = BTreeMap::new();
        if let Some(id) = editing {
            let r = self.catalog().resource_show(&v.actor, id).await?;
            if r.package_id != access.id {
                return Err(Error::not_found("Resource was not found."));
            }
            if r.url_type.as_deref() != Some("upload") {
                values.insert("url".to_string(), r.url.clone());
            }
            values.insert("resource_name".to_string(), r.name.clone().unwrap_or_default());
            values.insert("description".to_string(), r.description.clone().unwrap_or_default());
            values.insert("format".to_string(), r.format.clone().unwrap_or_default());
        }
        let fields = self.resource_fields(v.lang, &values, &BTreeMap::new());
        Ok(self.resource_form_page(v, &access.name, editing, fields))
    }

    /// A submitted resource form: adds a resource, or changes one (a new
    /// file replaces the old; without one the file or link is kept).
    pub async fn resource_submit(
        &self,
        v: &Visitor,
        dataset: &str,
        editing: Option<&str>,
        posted: BTreeMap<String, Vec<String>>,
        upload: Option<Upload>,
    ) -> Result<FormResult> {
        let tr = Tr::new(v.lang);
        let values: BTreeMap<String, String> = ["url", "resource_name", "description", "format"]
            .iter()
            .map(|k| (k.to_string(), first(&posted, k)))
            .collect();
        let mut r = Map::new();
        match editing {
            Some(id) => {
                r.insert("id".into(), Value::String(id.to_string()));
            }
            None => {
                r.insert("package_id".into(), Value::String(dataset.to_string()));
            }
        }
        for (form_key, key) in
            [("url", "url"), ("resource_name", "name"), ("description", "description"), ("format", "format")]
        {
            let val = values[form_key].trim();
            if !val.is_empty() {
                r.insert(key.into(), Value::String(val.into()));
            } else if editing.is_some() && form_key != "url" {
                r.insert(key.into(), Value::Null);
            }
        }
        if editing.is_none() && upload.is_none() && values["url"].trim().is_empty() {
            let mut errors = BTreeMap::new();
            errors.insert("upload".to_string(), tr.t("v-file-or-link"));
            let fields = self.resource_fields(v.lang, &values, &errors);
            return Ok(FormResult::Page(400, self.resource_form_page(v, dataset, editing, fields)));
        }
        let had_upload = upload.clone();
        let result = match editing {
            Some(id) => {
                // The resource must belong to the dataset in the URL.
                let access = self.editable(v, dataset).await?;
                let current = self.catalog().resource_show(&v.actor, id).await?;
                if current.package_id != access.id {
                    if let Some(up) = &had_upload {
                        self.catalog().discard_upload(up).await;
                    }
                    return Err(Error::not_found("Resource was not found."));
                }
                self.catalog().resource_patch(&v.actor, Fields::new(r), upload).await
            }
            None => self.catalog().resource_create(&v.actor, Fields::new(r), upload).await,
        };
        match result {
            Ok(res) => {
                let pkg = self.catalog().package_show(&v.actor, &res.package_id).await?;
                Ok(FormResult::Redirect(crate::lang_url(v.lang, &format!("/dataset/{}/resource/{}", pkg.name, res.id))))
            }
            Err(e @ Error::Validation(_)) => {
                if let Some(up) = &had_upload {
                    self.catalog().discard_upload(up).await;
                }
                let errors = field_errors(&tr, &e);
                let fields = self.resource_fields(v.lang, &values, &errors);
                Ok(FormResult::Page(400, self.resource_form_page(v, dataset, editing, fields)))
            }
            Err(e) => Err(e),
        }
    }

    /// `/dataset/delete/{name}` and `/dataset/{name}/resource/{id}/delete`:
    /// a confirmation page.
    pub async fn delete_form(&self, v: &Visitor, dataset: &str, resource: Option<&str>) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let pkg = self.catalog().package_show(&v.actor, dataset).await?;
        let access = self.editable(v, &pkg.id).await?;
        kho_core::authz::authorize(&v.actor, kho_core::authz::Permission::DeleteDataset(&access))?;
        let title = v.lang.pick(&pkg.title_translated, &pkg.title).to_string();
        let (question, action, back) = match resource {
            Some(id) => {
                let r = pkg
                    .resources
                    .iter()
                    .find(|r| r.id == id)
                    .ok_or_else(|| Error::not_found("Resource was not found."))?;
                let name = r.name.clone().unwrap_or_else(|| r.url.clone());
                (
                    tr.args("delete-resource-question", &[("name", crate::i18n::Arg::Str(name))]),
                    crate::lang_url(v.lang, &format!("/dataset/{}/resource/{id}/delete", pkg.name)),
                    crate::lang_url(v.lang, &format!("/dataset/{}/resource/{id}", pkg.name)),
                )
            }
            None => (
                tr.args("delete-dataset-question", &[("name", crate::i18n::Arg::Str(title))]),
                crate::lang_url(v.lang, &format!("/dataset/delete/{}", pkg.name)),
                crate::lang_url(v.lang, &format!("/dataset/{}", pkg.name)),
            ),
        };
        let mut page = self.layout(v, tr.t("delete"), "datasets");
        page.robots_noindex = true;
        Ok(Html { body: render(&ConfirmView { page, question, action, back }), public: false })
    }

    /// A confirmed deletion.
    pub async fn delete_submit(&self, v: &Visitor, dataset: &str, resource: Option<&str>) -> Result<FormResult> {
        let pkg = self.catalog().package_show(&v.actor, dataset).await?;
        match resource {
            Some(id) => {
                if !pkg.resources.iter().any(|r| r.id == id) {
                    return Err(Error::not_found("Resource was not found."));
                }
                self.catalog().resource_delete(&v.actor, id).await?;
                Ok(FormResult::Redirect(crate::lang_url(v.lang, &format!("/dataset/{}", pkg.name))))
            }
            None => {
                self.catalog().package_delete(&v.actor, &pkg.id).await?;
                Ok(FormResult::Redirect(crate::lang_url(v.lang, "/dashboard")))
            }
        }
    }

    /// `/organization/members/{name}`.
    pub async fn members_page(&self, v: &Visitor, org: &str, message: Option<(bool, String)>) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let g = self.catalog().group_show(&v.actor, org, true, false, true).await?;
        kho_core::authz::authorize(&v.actor, kho_core::authz::Permission::ManageOrganizationMembers { id: &g.id })?;
        let members = g
            .users
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|u| {
                let role = tr.t(&format!("role-{}", u.capacity));
                (u.name, u.display_name, role)
            })
            .collect();
        let org_title = v.lang.pick(&g.title_translated, &g.title).to_string();
        let mut page = self.layout(v, format!("{} · {org_title}", tr.t("members")), "organizations");
        page.robots_noindex = true;
        let view = MembersView {
            page,
            org_name: g.name,
            org_title,
            members,
            roles: ["member", "editor", "admin"].into_iter().map(|r| (r, tr.t(&format!("role-{r}")))).collect(),
            message,
        };
        Ok(Html { body: render(&view), public: false })
    }

    /// A submitted members form: `op=add` (username, role) or `op=remove` (username).
    pub async fn members_submit(
        &self,
        v: &Visitor,
        org: &str,
        posted: BTreeMap<String, Vec<String>>,
    ) -> Result<FormResult> {
        let tr = Tr::new(v.lang);
        let user = first(&posted, "username").trim().to_string();
        let outcome = match first(&posted, "op").as_str() {
            "add" => {
                let role = first(&posted, "role");
                self.catalog().member_create(&v.actor, org, &user, "user", &role).await.map(|_| tr.t("member-saved"))
            }
            "remove" => {
                self.catalog().member_delete(&v.actor, org, &user, "user").await.map(|_| tr.t("member-removed"))
            }
            _ => Err(Error::BadRequest("unknown operation".into())),
        };
        let message = match outcome {
            Ok(m) => (true, m),
            Err(e @ (Error::Validation(_) | Error::NotFound(_) | Error::BadRequest(_))) => {
                let fe = field_errors(&tr, &e);
                (false, if fe.is_empty() { e.to_string() } else { fe.into_values().collect::<Vec<_>>().join(" ") })
            }
            Err(e) => return Err(e),
        };
        let status = if message.0 { 200 } else { 400 };
        Ok(FormResult::Page(status, self.members_page(v, org, Some(message)).await?))
    }

    /// `/user/{name}/api-tokens`.
    pub async fn tokens_page(
        &self,
        v: &Visitor,
        user: &str,
        shown: Option<(Option<String>, (bool, String))>,
    ) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let list = self.catalog().token_list(&v.actor, user).await?;
        let tokens = list
            .into_iter()
            .map(|t| {
                (
                    t.id,
                    t.name,
                    format::date(v.lang, &t.created_at),
                    t.expires_at.map(|e| format::date(v.lang, &e)).unwrap_or_else(|| tr.t("never")),
                )
            })
            .collect();
        let (new_token, message) = match shown {
            Some((t, m)) => (t, Some(m)),
            None => (None, None),
        };
        let mut page = self.layout(v, tr.t("tokens-title"), "dashboard");
        page.robots_noindex = true;
        let view = TokensView { page, user: user.to_string(), tokens, new_token, message };
        Ok(Html { body: render(&view), public: false })
    }

    /// A submitted tokens form: `op=create` (name, days) or `op=revoke` (id).
    pub async fn tokens_submit(
        &self,
        v: &Visitor,
        user: &str,
        posted: BTreeMap<String, Vec<String>>,
    ) -> Result<FormResult> {
        let tr = Tr::new(v.lang);
        let shown = match first(&posted, "op").as_str() {
            "create" => {
                let name = first(&posted, "name");
                let days = first(&posted, "days").trim().parse::<i64>().ok().filter(|d| *d > 0);
                match self.catalog().token_create(&v.actor, user, name.trim(), days.map(|d| d * 86_400)).await {
                    Ok(issued) => (Some(issued.token), (true, tr.t("token-created"))),
                    Err(e @ (Error::Validation(_) | Error::BadRequest(_))) => {
                        let fe = field_errors(&tr, &e);
                        (
                            None,
                            (
                                false,
                                if fe.is_empty() {
                                    e.to_string()
                                } else {
                                    fe.into_values().collect::<Vec<_>>().join(" ")
                                },
                            ),
                        )
                    }
                    Err(e) => return Err(e),
                }
            }
            "revoke" => {
                let id = first(&posted, "id");
                self.catalog().token_revoke(&v.actor, None, Some(&id)).await?;
                (None, (true, tr.t("token-revoked")))
            }
            _ => return Err(Error::BadRequest("unknown operation".into())),
        };
        let status = if shown.1.0 { 200 } else { 400 };
        Ok(FormResult::Page(status, self.tokens_page(v, user, Some(shown)).await?))
    }
}

/// A dataset's values as the form shows them.
fn package_values(pkg: &Package) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: Option<&str>| {
        m.insert(k.to_string(), v.unwrap_or("").to_string());
    };
    put("title", Some(&pkg.title));
    put("name", Some(&pkg.name));
    put("notes", pkg.notes.as_deref());
    put("title_en", pkg.title_translated.get("en").map(String::as_str));
    put("notes_en", pkg.notes_translated.get("en").map(String::as_str));
    put("owner_org", pkg.organization.as_ref().map(|o| o.name.as_str()));
    put("private", Some(if pkg.private { "true" } else { "" }));
    put("data_sharing", Some(&pkg.data_sharing));
    put("data_importance", Some(&pkg.data_importance));
    put("license_id", pkg.license_id.as_deref());
    let tags = pkg.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");
    put("tags", Some(&tags));
    put("update_frequency", pkg.update_frequency.as_deref());
    put("temporal_start", pkg.temporal_start.as_deref());
    put("temporal_end", pkg.temporal_end.as_deref());
    put("spatial", pkg.spatial.as_deref());
    put("author", pkg.author.as_deref());
    put("author_email", pkg.author_email.as_deref());
    put("maintainer", pkg.maintainer.as_deref());
    put("maintainer_email", pkg.maintainer_email.as_deref());
    put("version", pkg.version.as_deref());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_validation_messages_are_translated() {
        let vi = Tr::new(Lang::Vi);
        assert_eq!(translate_validation(&vi, "Missing value"), vi.t("v-missing"));
        assert_eq!(translate_validation(&vi, "Something new"), "Something new");
    }
}
