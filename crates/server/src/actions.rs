//! The CKAN Action API: `GET|POST /api/3/action/{action}` (and
//! `/api/action/{action}`, the path `ckanapi` calls).
//!
//! A request becomes a dictionary (query string for GETs; JSON, form or
//! multipart body for POSTs), the action runs in the catalog, and the result
//! is wrapped in CKAN's envelope. Read actions accept GET and POST; write
//! actions only POST, as in CKAN.

use crate::AppState;
use crate::error::{error_response, json_bytes};
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::BodyExt;

use kho_catalog::Actor;
use kho_catalog::resources::Upload;
use kho_core::input::{Fields, id_or_name};
use kho_core::licenses::LICENSES;
use kho_core::{Error, Result};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// One action of the API.
pub struct ActionDef {
    pub name: &'static str,
    /// Side-effect free: answers GET as well as POST.
    pub read: bool,
    /// Accepts a file in the multipart field `upload`.
    pub upload: bool,
    /// What `help_show` says.
    pub doc: &'static str,
}

const fn read(name: &'static str, doc: &'static str) -> ActionDef {
    ActionDef { name, read: true, upload: false, doc }
}
const fn write(name: &'static str, doc: &'static str) -> ActionDef {
    ActionDef { name, read: false, upload: false, doc }
}
const fn upload(name: &'static str, doc: &'static str) -> ActionDef {
    ActionDef { name, read: false, upload: true, doc }
}

/// Every action Kho answers.
pub const ACTIONS: &[ActionDef] = &[
    read("status_show", "Return the site's status: title, URL, API version (compatible CKAN version) and Kho version."),
    read("site_read", "Return true: the site can be read."),
    read("help_show", "Return the help text of an action. Parameters: name."),
    read("package_show", "Return a dataset. Parameters: id (id or name)."),
    read("package_list", "Return the names of active public datasets. Parameters: limit, offset."),
    read(
        "package_search",
        "Search datasets. Parameters: q, fq, fq_list, facet.field (JSON list), facet.limit (default 50, -1 for all), facet.mincount (default 1), rows (default 10, at most 1000), start, sort (default \"score desc, metadata_modified desc\"), include_private, include_drafts, fl.",
    ),
    read(
        "current_package_list_with_resources",
        "Return the most recently modified datasets the caller may see, with resources. Parameters: limit (default 10), offset.",
    ),
    read(
        "package_activity_list",
        "Return a dataset's activity stream, newest first. Parameters: id, limit (default 31), offset.",
    ),
    read("resource_show", "Return a resource. Parameters: id."),
    read(
        "quality_show",
        "Return a dataset's quality (docs/QUALITY.md): the metadata points on Kho's point table (score, max, percent, rating excellent|good|sufficient|bad, points per dimension, every check), validity (share of valid rows, per table), availability (share of checked links that answer), duplication (likely duplicates among public datasets) and the overall score. Parameters: id.",
    ),
    read(
        "organization_quality_list",
        "Rank the agencies by the mean overall quality of their public datasets, with their mean metadata score, validity, availability, duplicated datasets and the mean per dimension.",
    ),
    read(
        "dataset_duplicate_list",
        "Likely duplicates among the public datasets: similar titles and notes (reason similar-text, with a score from 0 to 1) or a shared file (reason same-file, with its hash). Parameters: id (a dataset: its likely duplicates), organization (the groups involving its datasets), neither (every group, largest first); limit (default 20, at most 1000), offset.",
    ),
    read(
        "resource_link_check_show",
        "Return whether a resource's link works (availability): status (state ok|broken|unchecked|not_checked (uploads and non-http links), checked, http_status, error_kind, error, consecutive_failures, broken_since, last_ok) and the history of its checks, newest first (the last 30). Parameters: id (resource id).",
    ),
    read(
        "organization_link_report",
        "Return an organization's broken links (its members and sysadmins only): counts of links, checked and ok, the last sweep and check run, and each broken link with its dataset, resource, url, broken_since, consecutive_failures and last error. Parameters: id (organization id or name).",
    ),
    read(
        "admin_unit_list",
        "List Viet Nam's administrative units (master data). Parameters: level (province|district|commune; district only with legacy), legacy (the units before 1 July 2025), province (code), q (words of the name, diacritics optional), limit (default 100, at most 5000), offset.",
    ),
    read(
        "admin_unit_show",
        "Return one administrative unit. Parameters: id (code or name, diacritics optional), level (province|district|commune), legacy, province (code, for names shared across provinces). A province lists its communes and the legacy provinces it was formed from.",
    ),
    read(
        "admin_unit_convert",
        "The 2025 units for a label of either era: status exact|converted|split|unknown, province, commune, candidates (split units are never guessed), note. Parameters: q (a province, or \"ward, district, province\"), from (auto|2025|legacy), level (auto|province|commune).",
    ),
    read(
        "resource_validation_show",
        "Return a tabular resource's latest validation against its Table Schema (as ckanext-validation): status (created|running|success|failure|error), report (frictionless-style errors with rowNumber, fieldName, message, messageVi), rows, invalid_rows, error_count, valid_rows_share, the schema used and schema_source (publisher|inferred). Parameters: resource_id.",
    ),
    read(
        "datapackage_show",
        "Return a dataset as a Frictionless Data Package (v2): its metadata and each resource with path, format, bytes, hash and Table Schema. Also at /dataset/{name}/datapackage.json. Parameters: id.",
    ),
    read(
        "harvest_source_list",
        "List the harvest sources (remote Kho, CKAN or DCAT catalogs kept in step here): id, name, title, type, url, organization, schedule, config, datasets (how many it keeps) and last_run.",
    ),
    read("harvest_source_show", "Return a harvest source with its last 20 runs. Parameters: id (id or name)."),
    read(
        "harvest_run_show",
        "Return a harvest run's report: status (queued|running|finished|failed), created, started, finished, stats {created, updated, deleted, unchanged, errored}, error (why the run failed as a whole) and errors [{remote_id, message}] (per record). Parameters: id.",
    ),
    read(
        "datamap_database_show",
        "Return a database of the data map (registry entry): its fields, organization, revision, review_state, approved_revision, restricted (private-use or core data: shown to its agency and reviewers only), connected (connections on the approved map, whichever side declared them) and duplications (data elements it collects without a link to their master database). Its agency and reviewers see the latest revision; others the approved one. Parameters: id (id or name), revision.",
    ),
    read(
        "datamap_database_list",
        "List databases of the approved data map the caller may see: {count, results}. Parameters: organization, class (national|shared|specialised), sector, data_sharing, data_importance, status (planned|building|operating), q (name or title, accents optional), pending (true: the entries whose latest revision awaits review, of the caller's agencies or, for reviewers, all), limit (default 100, at most 1000), offset.",
    ),
    read(
        "datamap_database_revision_list",
        "Return a database entry's history, newest first: revision, action (create|update|delete), message (why), author, created, review_state, reviewer, reviewed, review_note and changes (field by field against the revision before). Others than its agency and reviewers see approved revisions only. Parameters: id.",
    ),
    read(
        "datamap_element_show",
        "Return a data element of the common dictionary with the databases that hold it and its duplicate collections. Parameters: id (id or name).",
    ),
    read(
        "datamap_element_list",
        "Return the common data dictionary: every data element with its holders and duplicate collections.",
    ),
    read(
        "datamap_duplication_list",
        "Return every duplicate collection on the data map: a database holding a data element without a connection through which its master database provides it (not_linked_to_master), or an element without a master held by several databases (no_master).",
    ),
    read(
        "datamap_version_show",
        "Return a published version of the data map as the caller may see it: version, published, notes, summary, agencies, databases, elements, connections [{a, b, platform, a_to_b, b_to_a}] and duplications. Parameters: version (e.g. 1.0; default the latest).",
    ),
    read("datamap_version_list", "Return the published versions of the data map, newest first, with their counts."),
    read(
        "datamap_version_diff",
        "Return what changed between two published versions of the data map: databases added, removed and changed (field by field), connections and data elements added and removed. Parameters: from (default: the version before to), to (default: the latest).",
    ),
    read(
        "strategy_target_list",
        "Return the National Data Strategy's quantified targets (Decision 142/QĐ-TTg): decision, and targets with id, section, horizon, text_vi, text_en (en_source reference|kho), value, unit (percent|count), comparator (reach|at_least), level (national|ministry|province|all) and indicator (the one Kho computes, or null: entered with evidence).",
    ),
    read(
        "strategy_task_list",
        "Return the key tasks of the Strategy's appendix: {count, results, agency_changes}. Each task has id (part.group.no), text_vi, text_en, lead_vi (as the Decision names them), coordinating_vi, deadline_as_written, deadline {kind ongoing|year|range, start, end}, lead_today (the ministries holding it since the 1 March 2025 restructuring), coordinating_today, lead_changes (original, current, effective, basis), overdue, progress (each agency's latest approved progress: organization, role, year, status, percent) and overall (status not_reported|not_started|in_progress|completed|delayed, percent, agencies). Parameters: part (A|B|C), group (Roman numeral), agency (a lead agency, as named then or now), overdue.",
    ),
    read(
        "strategy_task_show",
        "Return one key task of the Strategy's appendix, as strategy_task_list gives it, with each agency's latest approved progress in full (text, evidence). Parameters: id (e.g. C.XIV.3).",
    ),
    read(
        "strategy_indicator_list",
        "Return the indicators Kho computes (national_db_connected, shared_db_via_platform, open_data_agencies, protection_4_layer; definitions in docs/STRATEGY.md) for the nation and each ministry-level agency and province: numerator, denominator, value (percent, null when nothing is measured) and the target it measures. This year's are computed now; earlier years' as recorded when their ranking ran. Beside them, entered: the approved values entered by hand with evidence (source \"entered\"; they never replace a computed figure). Parameters: year, level (ministry|province|national).",
    ),
    read(
        "strategy_method_list",
        "Return every version of the ranking method: weights per indicator, normalisation (none|min_max), missing (skip|zero), notes.",
    ),
    read(
        "strategy_ranking_show",
        "Return a year's ranking of ministry-level agencies or provinces: rows {rank, score, agency, parts}, the method used, and history (each ranked year's ranks). Parameters: level (ministry|province), year (default the latest ranked).",
    ),
    read(
        "strategy_report_show",
        "Return an agency's annual report (approved ones are public; others only to the agency and reviewers): state (draft|submitted|approved|rejected), due (31 December), late, content (indicators, datamap, open_data, tasks with progress, narrative). Parameters: id, or organization and year.",
    ),
    read("strategy_report_list", "Return a year's annual reports the caller may see. Parameters: year, state."),
    read(
        "strategy_report_national",
        "Return the national consolidation of a year: the nation's indicators, every approved agency report, counts by state, and the ministry-level agencies and provinces without an approved report. Parameters: year.",
    ),
    read(
        "strategy_progress_show",
        "Return an agency's progress report on a task for a year, with its history (approved versions are public; drafts, submissions and rejections only to the agency and reviewers): task, organization, role (lead|coordinating|null), year, state (draft|submitted|approved|rejected), status (not_started|in_progress|completed|delayed) with status_label, percent, period, text, evidence, review_note, approved (the last approved version) and history (seq, at, user, step, state, note, changes, content). Parameters: id, or task, organization and year.",
    ),
    read(
        "strategy_progress_list",
        "Return the progress reports the caller may see: {count, results}. Parameters: task, organization, year, state, status, limit (default 100, at most 1000), offset.",
    ),
    read(
        "strategy_indicator_entry_show",
        "Return an indicator value entered by hand, with its history (approved versions are public; the rest only to its agency, or for national values to reviewers): target, scope (national|organization), organization, year, state, numerator, denominator, percent, count, value, note, evidence, approved, history. Parameters: id, or target, organization (absent for the national value) and year.",
    ),
    read(
        "strategy_indicator_entry_list",
        "Return the indicator values entered by hand that the caller may see: {count, results}. Parameters: target, organization (or national), year, state, limit, offset.",
    ),
    read(
        "datastore_info",
        "Return a datastore table's fields, row count, size, versions and latest load job. Parameters: id (resource id).",
    ),
    read(
        "datastore_search",
        "Search a datastore table. Parameters: resource_id, filters (object: field -> value or list), q (text, or object field -> text), distinct, fields (list or comma-separated), sort (\"field [asc|desc], ...\"), limit (default 100, at most 32000), offset, include_total (default true), records_format (objects|lists|csv|tsv), version (an older version of the table).",
    ),
    read(
        "datastore_search_sql",
        "Run one read-only SQL SELECT over datastore tables, named by resource id in double quotes. Parameters: sql. Results are limited to 32000 rows (records_truncated) and 10 s.",
    ),
    read(
        "organization_show",
        "Return an organization. Parameters: id, include_datasets (default false), include_users (default true).",
    ),
    read(
        "organization_list",
        "Return organization names, or records with all_fields=true. Parameters: all_fields, sort (name|title|package_count [asc|desc]), q, limit, offset.",
    ),
    read(
        "organization_list_for_user",
        "Return the organizations where a user holds a permission. Parameters: id (user, default: caller), permission (read|create_dataset|update_dataset|delete_dataset|manage_group, default manage_group).",
    ),
    read("organization_activity_list", "Return an organization's activity stream. Parameters: id, limit, offset."),
    read("group_show", "Return a group (theme). Parameters: id, include_datasets, include_users."),
    read(
        "group_list",
        "Return group names, or records with all_fields=true. Parameters: all_fields, sort, q, limit, offset.",
    ),
    read("group_activity_list", "Return a group's activity stream. Parameters: id, limit, offset."),
    read("tag_list", "Return tags of datasets the caller may see. Parameters: query, all_fields, limit, offset."),
    read(
        "resource_search",
        "Search resources of public datasets. Parameters: query (\"field:term\" or a list of them; fields name, description, format, url, mimetype, hash, resource_type, url_type), order_by, limit, offset.",
    ),
    read(
        "tag_autocomplete",
        "Return names of tags containing the query. Parameters: query (or q), limit (default 10), offset.",
    ),
    read(
        "package_autocomplete",
        "Return datasets whose title starts words with the query: [{match_field, match_displayed, name, title}]. Parameters: q, limit (default 10).",
    ),
    read("license_list", "Return the licences datasets may use."),
    read(
        "user_show",
        "Return a user. Parameters: id (default: caller). The e-mail is shown only to the user and sysadmins.",
    ),
    read("user_list", "Return users. Parameters: limit, offset."),
    read("api_token_list", "Return a user's API tokens (not the secrets). Parameters: user (default: caller)."),
    write(
        "package_create",
        "Create a dataset. Required: name, owner_org. See package_show for the fields; custom metadata goes in extras.",
    ),
    write(
        "package_update",
        "Replace a dataset's metadata. Parameters: id plus the fields. Absent resources, tags, groups and extras are kept.",
    ),
    write("package_patch", "Change only the given fields of a dataset. Parameters: id plus the fields."),
    write("package_delete", "Mark a dataset deleted. Parameters: id."),
    write("dataset_purge", "Remove a dataset completely (sysadmins). Parameters: id."),
    upload(
        "resource_create",
        "Add a resource to a dataset. Parameters: package_id, url or a file in the multipart field upload, name, format, …",
    ),
    upload("resource_update", "Replace a resource. Parameters: id plus the fields; a new file in upload."),
    upload("resource_patch", "Change only the given fields of a resource. Parameters: id plus the fields."),
    write("resource_delete", "Mark a resource deleted. Parameters: id."),
    write(
        "harvest_source_create",
        "Add a harvest source (sysadmins). Parameters: name, url, type (kho|ckan|dcat; source_type as in ckanext-harvest), title, organization (where its datasets go; default: an organization named like each dataset's remote agency), schedule (cron, UTC, e.g. \"0 2 * * *\"), config (object: max_page_bytes, timeout_secs, max_pages, load_tables).",
    ),
    write(
        "harvest_source_delete",
        "Stop a harvest source (sysadmins). Its datasets stay as ordinary, editable datasets, or are deleted with clear=true. Parameters: id (id or name), clear. Returns datasets (how many it kept) and deleted.",
    ),
    write(
        "harvest_run",
        "Queue a run of a harvest source now (sysadmins); returns the run (an unfinished one if there is one). Parameters: id (source id or name).",
    ),
    write(
        "datamap_database_create",
        "Describe a database of an agency in the data map (the agency's editors); it becomes revision 1, awaiting review. Parameters: name, title, owner_org (organization), class (national|shared|specialised), data_sharing (open|shared|private_use), data_importance (core|important|other), status (planned|building|operating), title_translated, purpose, legal_basis, sector, hosting (national_data_center|agency_data_center|cloud), security_level (1-5), protection_4_layer, records, size_bytes, update_frequency, endpoints [{url, kind (api|service|portal), title}], entities [text], elements [data element names], connections [{database, direction (out|in|both), platform (ndxp|lgsp|direct), elements, note}], national_repository (reviewers only), message (why).",
    ),
    write(
        "datamap_database_update",
        "Replace a database entry's content; a new revision awaiting review. Parameters: id plus the fields of datamap_database_create, and message (why; required).",
    ),
    write(
        "datamap_database_patch",
        "Change only the given fields of a database entry; a new revision awaiting review. Parameters: id, the fields, message (why; required).",
    ),
    write(
        "datamap_database_delete",
        "Ask for a database entry's removal from the data map (a revision awaiting review). Parameters: id, message (why; required).",
    ),
    write(
        "datamap_database_review",
        "Approve or reject the latest revision of a database entry awaiting review (reviewers: sysadmins). Parameters: id, decision (approve|reject), note (required to reject), revision (to name the revision reviewed).",
    ),
    write(
        "datamap_element_create",
        "Add a data element to the common dictionary (reviewers). Parameters: name, title, title_translated, definition, data_type (a Table Schema type), format, master (the master database's name).",
    ),
    write(
        "datamap_element_update",
        "Replace a data element of the dictionary (reviewers). Parameters: id (or name) plus the fields.",
    ),
    write(
        "datamap_version_publish",
        "Publish the approved data map as a new version (reviewers). Parameters: version (MAJOR.MINOR; default the next minor, the first is 1.0), notes.",
    ),
    write(
        "strategy_method_create",
        "Record a new version of the ranking method (reviewers). Parameters: weights ({indicator: weight}), normalisation (none|min_max), missing (skip|zero), notes.",
    ),
    write(
        "strategy_ranking_run",
        "Compute the ranking of a year (reviewers): this year's figures are computed now and recorded; a past year is recomputed from its recorded figures. Parameters: year (default this year), method (a version; default the latest).",
    ),
    write(
        "strategy_report_create",
        "Start an agency's annual report (its editors), drafted from the data: indicators, data map, open data and the tasks it leads, with its approved progress of the year. Parameters: organization, year (default this year).",
    ),
    write(
        "strategy_report_update",
        "Edit a draft or rejected report (the agency's editors). Parameters: id (or organization and year), narrative, tasks ({task id: progress}).",
    ),
    write(
        "strategy_report_submit",
        "Send a report for review (the agency's editors). Parameters: id (or organization and year).",
    ),
    write(
        "strategy_report_review",
        "Approve or reject a submitted report (reviewers). Parameters: id (or organization and year), decision (approve|reject), note (required to reject).",
    ),
    write(
        "strategy_progress_update",
        "Create or edit an agency's draft progress report on a task for a year (the agency's editors; the agency must lead or coordinate the task today, reviewers may name any). Fields not given keep the draft's values; null or empty clears one. A submitted report is frozen until reviewed; editing an approved one starts a new draft while the approved version stays public. Parameters: task, organization, year (default this year), status (not_started|in_progress|completed|delayed), percent (0-100), period, text, evidence ([{title, kind document|link|dataset, url (http/https), dataset (a public dataset's name), number and date (documents)}]; a completed task needs one).",
    ),
    write(
        "strategy_progress_submit",
        "Send a draft or rejected progress report for review (the agency's editors). Parameters: id, or task, organization and year.",
    ),
    write(
        "strategy_progress_review",
        "Approve or reject a submitted progress report (reviewers). Parameters: id (or task, organization and year), decision (approve|reject), note (required to reject).",
    ),
    write(
        "strategy_indicator_entry_update",
        "Create or edit the draft of an indicator value entered by hand for a target and year: an agency's own figure (its editors) or, without organization, the national figure (reviewers). Parameters: target (e.g. T2030-6), organization, year, numerator and denominator or percent (count for a target counted in units), note, evidence (at least one item, as for progress).",
    ),
    write(
        "strategy_indicator_entry_submit",
        "Send an entered indicator value for review. Parameters: id, or target, organization and year.",
    ),
    write(
        "strategy_indicator_entry_review",
        "Approve or reject a submitted indicator value (reviewers). Parameters: id (or target, organization and year), decision (approve|reject), note (required to reject).",
    ),
    write(
        "link_check_run",
        "Check the external links of a dataset (id) or of an organization's datasets (organization) now, in the background; needs the right to edit the dataset or publish in the organization. Returns job_id (null when there are no links) and links. Parameters: id or organization.",
    ),
    write(
        "datastore_create",
        "Create a datastore table, or add fields and records to one. Parameters: resource_id (or resource, to create the resource), fields (list of {id, type, info}; types text, int, numeric, bool, date, timestamp, json), records (list of objects), primary_key (field or list), indexes.",
    ),
    write(
        "resource_validation_run",
        "Validate a tabular resource again, in the background, against its Table Schema (or one inferred from the file). Needs the right to edit its dataset. Parameters: resource_id.",
    ),
    write(
        "datastore_upsert",
        "Write records to a datastore table. Parameters: resource_id, records, method (upsert (default) | insert | update), matched on the primary key (or _id).",
    ),
    write(
        "datastore_delete",
        "Delete a datastore table (every version), or with filters only the matching rows (as a new version). Parameters: resource_id, filters.",
    ),
    write(
        "organization_create",
        "Create an organization (sysadmins). Parameters: name, title, description, image_url, agency_kind, agency_code, parent, title_translated, extras, users.",
    ),
    write("organization_update", "Replace an organization's fields. Parameters: id plus the fields."),
    write("organization_patch", "Change only the given fields of an organization. Parameters: id plus the fields."),
    write("organization_delete", "Delete an organization that owns no datasets. Parameters: id."),
    write("group_create", "Create a group (sysadmins). Parameters: name, title, description, image_url."),
    write("group_update", "Replace a group's fields. Parameters: id plus the fields."),
    write("group_patch", "Change only the given fields of a group. Parameters: id plus the fields."),
    write("group_delete", "Delete a group. Parameters: id."),
    write(
        "member_create",
        "Add a member. Parameters: id (group or organization), object (user or dataset), object_type (user|package), capacity (admin|editor|member).",
    ),
    write("member_delete", "Remove a member. Parameters: id, object, object_type."),
    write("organization_member_create", "Add a user to an organization. Parameters: id, username, role."),
    write("organization_member_delete", "Remove a user from an organization. Parameters: id, username."),
    write("group_member_create", "Add a user to a group. Parameters: id, username, role."),
    write("group_member_delete", "Remove a user from a group. Parameters: id, username."),
    write("user_create", "Create a user (sysadmins). Parameters: name, email, password, fullname, about, sysadmin."),
    write(
        "api_token_create",
        "Create an API token; the result holds the token, shown only this once. Parameters: user, name, expires_in, unit (seconds per unit, default 86400).",
    ),
    write("api_token_revoke", "Revoke an API token. Parameters: token, or jti (the token id)."),
];

/// Finds an action by name.
pub fn find(name: &str) -> Option<&'static ActionDef> {
    ACTIONS.iter().find(|a| a.name == name)
}

/// What an action returns: a value, or stored JSON passed through unparsed.
pub enum Reply {
    Value(Value),
    Raw(String),
    RawList(Vec<String>),
}

impl From<Value> for Reply {
    fn from(v: Value) -> Self {
        Reply::Value(v)
    }
}

fn to_reply<T: serde::Serialize>(v: T) -> Result<Reply> {
    serde_json::to_value(v).map(Reply::Value).map_err(Error::internal)
}

/// The help URL CKAN puts in every envelope.
pub fn help_url(site_url: &str, action: &str) -> String {
    format!("{site_url}/api/3/action/help_show?name={action}")
}

fn success(help: &str, reply: Reply) -> Response {
    let mut body = Vec::with_capacity(256);
    body.extend_from_slice(b"{\"help\":");
    body.extend_from_slice(&json_bytes(&Value::String(help.to_string())));
    body.extend_from_slice(b",\"success\":true,\"result\":");
    match reply {
        Reply::Value(v) => body.extend_from_slice(&json_bytes(&v)),
        Reply::Raw(s) => body.extend_from_slice(s.as_bytes()),
        Reply::RawList(items) => {
            body.push(b'[');
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(s.as_bytes());
            }
            body.push(b']');
        }
    }
    body.push(b'}');
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=utf-8"));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// `GET|POST /api/3/action/{action}`.
pub async fn handle(State(state): State<AppState>, Path(action): Path<String>, req: Request) -> Response {
    let help = help_url(state.catalog.site_url(), &action);
    let Some(def) = find(&action) else {
        let err = Error::BadRequest(format!("Action name not known: {action}"));
        return error_response(&err, Some(&help));
    };
    match run(&state, def, req).await {
        Ok(reply) => success(&help, reply),
        Err(e) => error_response(&e, Some(&help)),
    }
}

async fn run(state: &AppState, def: &ActionDef, req: Request) -> Result<Reply> {
    if req.method() != Method::POST && !(def.read && (req.method() == Method::GET || req.method() == Method::HEAD)) {
        return Err(Error::BadRequest(format!(
            "JSON Error: Invalid request. Please use the POST method for {}",
            def.name
        )));
    }
    let actor = crate::auth::actor(&state.catalog, req.headers()).await?;
    let is_multipart = content_type(&req).starts_with("multipart/form-data");
    if is_multipart {
        // Uploads may take long; they are bounded by an idle timeout instead.
        let (fields, upload) = read_multipart(state, def, req).await?;
        return dispatch(state, def, &actor, fields, upload).await;
    }
    let limit = Duration::from_secs(state.request_timeout_secs);
    let work = async {
        let fields = read_dict(state, req).await?;
        dispatch(state, def, &actor, fields, None).await
    };
    match tokio::time::timeout(limit, work).await {
        Ok(r) => r,
        Err(_) => Err(Error::Unavailable(format!(
            "the request took longer than {} s (setting request_timeout_secs)",
            state.request_timeout_secs
        ))),
    }
}

fn content_type(req: &Request) -> String {
    req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase()
}

/// Query-string or form pairs into a dictionary; repeated keys become lists.
fn pairs_to_map(pairs: impl Iterator<Item = (String, String)>) -> Map<String, Value> {
    let mut map = Map::new();
    for (k, v) in pairs {
        match map.get_mut(&k) {
            Some(Value::Array(list)) => list.push(Value::String(v)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(v)]);
            }
            None => {
                map.insert(k, Value::String(v));
            }
        }
    }
    map
}

/// How much of an oversized body is read and discarded before answering,
/// so the client (still sending) gets the error instead of a reset
/// connection. Past this the connection is simply closed.
const DRAIN_CAP: u64 = 64 * 1024 * 1024;

async fn read_limited(body: Body, limit: u64) -> Result<Bytes> {
    let mut body = body;
    let mut buf = bytes::BytesMut::new();
    let mut seen: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Error::BadRequest(format!("could not read the request body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            seen += data.len() as u64;
            if seen <= limit {
                buf.extend_from_slice(&data);
            } else if seen > limit + DRAIN_CAP {
                break;
            }
        }
    }
    if seen > limit {
        return Err(Error::TooLarge(format!("the request body exceeds {limit} bytes (setting max_json_bytes)")));
    }
    Ok(buf.freeze())
}

/// Reads and discards the rest of a multipart body after an error.
async fn drain_multipart(mp: &mut Multipart) {
    let mut seen: u64 = 0;
    while let Ok(Some(mut field)) = mp.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            seen += chunk.len() as u64;
            if seen > DRAIN_CAP {
                return;
            }
        }
    }
}

async fn read_dict(state: &AppState, req: Request) -> Result<Fields> {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        let query = req.uri().query().unwrap_or("");
        if query.len() as u64 > state.max_json_bytes {
            return Err(Error::TooLarge("the query string is too long".into()));
        }
        let pairs = form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()));
        return Ok(Fields::new(pairs_to_map(pairs)));
    }
    let ct = content_type(&req);
    let bytes = read_limited(req.into_body(), state.max_json_bytes).await?;
    if ct.starts_with("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(&bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        // CKAN quirk: a form whose only key is JSON and whose value is "" or
        // "1" carries the dictionary in the key.
        if pairs.len() == 1 && (pairs[0].1.is_empty() || pairs[0].1 == "1") && pairs[0].0.trim_start().starts_with('{')
        {
            return parse_json(pairs[0].0.as_bytes());
        }
        return Ok(Fields::new(pairs_to_map(pairs.into_iter())));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Fields::new(Map::new()));
    }
    parse_json(&bytes)
}

fn parse_json(bytes: &[u8]) -> Result<Fields> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::BadRequest(format!("JSON Error: Error decoding JSON data: {e}")))?;
    match value {
        Value::Object(map) => Ok(Fields::new(map)),
        other => Err(Error::BadRequest(format!(
            "JSON Error: Request data JSON decoded to {} but it needs to be a dictionary",
            kho_core::input::json_kind(&other)
        ))),
    }
}

async fn read_multipart(state: &AppState, def: &ActionDef, req: Request) -> Result<(Fields, Option<Upload>)> {
    let mut mp = Multipart::from_request(req, &())
        .await
        .map_err(|e| Error::BadRequest(format!("invalid multipart body: {e}")))?;
    let result = read_multipart_fields(state, def, &mut mp).await;
    if result.is_err() {
        drain_multipart(&mut mp).await;
    }
    result
}

async fn read_multipart_fields(
    state: &AppState,
    def: &ActionDef,
    mp: &mut Multipart,
) -> Result<(Fields, Option<Upload>)> {
    let idle = Duration::from_secs(state.upload_idle_timeout_secs);
    let mut map = Map::new();
    let mut text_bytes: u64 = 0;
    let mut upload: Option<Upload> = None;
    loop {
        let field = match tokio::time::timeout(idle, mp.next_field()).await {
            Ok(Ok(Some(f))) => f,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                return Err(cleanup(state, upload, Error::BadRequest(format!("invalid multipart body: {e}"))).await);
            }
            Err(_) => return Err(cleanup(state, upload, idle_error(idle)).await),
        };
        let name = field.name().unwrap_or("").to_string();
        if let Some(filename) = field.file_name().map(str::to_string) {
            if !def.upload || name != "upload" {
                let e = Error::BadRequest(format!(
                    "file field \"{name}\" is not accepted; send files as \"upload\" to resource_create, resource_update or resource_patch"
                ));
                return Err(cleanup(state, upload, e).await);
            }
            if upload.is_some() {
                return Err(cleanup(state, upload, Error::BadRequest("only one file may be uploaded".into())).await);
            }
            let content_type = field.content_type().map(str::to_string);
            let stream = Box::pin(futures_util::stream::unfold(Some(field), move |f| async move {
                let mut f = f?;
                match tokio::time::timeout(idle, f.chunk()).await {
                    Ok(Ok(Some(b))) => Some((Ok(b), Some(f))),
                    Ok(Ok(None)) => None,
                    Ok(Err(e)) => Some((Err(e.to_string()), None)),
                    Err(_) => Some((Err(idle_message(idle)), None)),
                }
            }));
            upload = Some(state.catalog.store_upload(stream, &filename, content_type).await?);
            continue;
        }
        let mut field = field;
        let mut buf = Vec::new();
        loop {
            match tokio::time::timeout(idle, field.chunk()).await {
                Ok(Ok(Some(b))) => {
                    text_bytes += b.len() as u64;
                    if text_bytes > state.max_json_bytes {
                        let e = Error::TooLarge(format!(
                            "form fields exceed {} bytes (setting max_json_bytes)",
                            state.max_json_bytes
                        ));
                        return Err(cleanup(state, upload, e).await);
                    }
                    buf.extend_from_slice(&b);
                }
                Ok(Ok(None)) => break,
                Ok(Err(e)) => {
                    return Err(cleanup(state, upload, Error::BadRequest(format!("invalid multipart body: {e}"))).await);
                }
                Err(_) => return Err(cleanup(state, upload, idle_error(idle)).await),
            }
        }
        let text = String::from_utf8(buf)
            .map_err(|_| Error::BadRequest(format!("form field \"{name}\" is not valid UTF-8")))?;
        map.insert(name, Value::String(text));
    }
    Ok((Fields::new(map), upload))
}

/// What a stalled upload is told, whichever part of the body stalled.
fn idle_message(idle: Duration) -> String {
    format!("no data received for {} s (setting upload_idle_timeout_secs)", idle.as_secs())
}

fn idle_error(idle: Duration) -> Error {
    Error::BadRequest(format!("upload interrupted: {}", idle_message(idle)))
}

/// Drops an upload stored before the request failed.
async fn cleanup(state: &AppState, upload: Option<Upload>, err: Error) -> Error {
    if let Some(up) = upload {
        state.catalog.discard_upload(&up).await;
    }
    err
}

/// An optional integer parameter; a malformed one fails the call at once.
fn int(f: &mut Fields, key: &str) -> Result<Option<i64>> {
    let v = f.int(key);
    f.take_errors().into_result()?;
    Ok(v)
}

fn opt_text(f: &mut Fields, key: &str) -> Option<String> {
    f.text(key, 10_000)
}

async fn dispatch(
    state: &AppState,
    def: &ActionDef,
    actor: &Actor,
    mut f: Fields,
    upload: Option<Upload>,
) -> Result<Reply> {
    let c = &state.catalog;
    if upload.is_some() && !def.upload {
        return Err(Error::BadRequest("this action does not accept files".into()));
    }
    let reply = match def.name {
        "status_show" => json!({
            "site_title": c.site_title(),
            "site_description": "",
            "site_url": c.site_url(),
            "ckan_version": crate::CKAN_API_VERSION,
            "kho_version": env!("CARGO_PKG_VERSION"),
            "locale_default": "vi",
            "locales_offered": ["vi", "en"],
            "error_emails_to": null,
            "extensions": ["activity"],
        })
        .into(),
        "site_read" => Value::Bool(true).into(),
        "help_show" => {
            let name = id_or_name(&mut f, "name")?;
            let def = find(&name).ok_or_else(|| Error::not_found(format!("Action {name}")))?;
            Value::String(def.doc.to_string()).into()
        }
        "package_show" => {
            let id = match opt_text(&mut f, "id") {
                Some(id) => id,
                None => id_or_name(&mut f, "name_or_id").or_else(|_| id_or_name(&mut f, "id"))?,
            };
            Reply::Raw(c.package_show_raw(actor, &id).await?)
        }
        "package_search" => {
            Reply::Raw(c.package_search(actor, std::mem::replace(&mut f, Fields::new(serde_json::Map::new()))).await?)
        }
        "package_list" => to_reply(c.package_list(int(&mut f, "limit")?, int(&mut f, "offset")?).await?)?,
        "current_package_list_with_resources" => Reply::RawList(
            c.current_package_list_with_resources(actor, int(&mut f, "limit")?, int(&mut f, "offset")?).await?,
        ),
        "package_activity_list" => {
            let id = id_or_name(&mut f, "id")?;
            to_reply(c.package_activity_list(actor, &id, int(&mut f, "limit")?, int(&mut f, "offset")?).await?)?
        }
        "resource_show" => to_reply(c.resource_show(actor, &id_or_name(&mut f, "id")?).await?)?,
        "quality_show" => c.quality_show(actor, &id_or_name(&mut f, "id")?).await?.into(),
        "organization_quality_list" => c.organization_quality_list().await?.into(),
        "dataset_duplicate_list" => c.dataset_duplicate_list(actor, f).await?.into(),
        "resource_link_check_show" => c.resource_link_check_show(actor, &id_or_name(&mut f, "id")?).await?.into(),
        "organization_link_report" => c.organization_link_report(actor, &id_or_name(&mut f, "id")?).await?.into(),
        "link_check_run" => c.link_check_run(actor, f).await?.into(),
        "harvest_source_create" => c.harvest_source_create(actor, f).await?.into(),
        "harvest_source_list" => Value::Array(c.harvest_source_list().await?).into(),
        "harvest_source_show" => c.harvest_source_show(&id_or_name(&mut f, "id")?).await?.into(),
        "harvest_run" => c.harvest_run(actor, &id_or_name(&mut f, "id")?).await?.into(),
        "harvest_source_delete" => {
            let clear = f.bool("clear").unwrap_or(false);
            c.harvest_source_delete(actor, &id_or_name(&mut f, "id")?, clear).await?.into()
        }
        "harvest_run_show" => c.harvest_run_show(&id_or_name(&mut f, "id")?).await?.into(),
        "datamap_database_create" => c.datamap_database_create(actor, f).await?.into(),
        "datamap_database_update" => c.datamap_database_update(actor, f, false).await?.into(),
        "datamap_database_patch" => c.datamap_database_update(actor, f, true).await?.into(),
        "datamap_database_delete" => {
            let message = opt_text(&mut f, "message").unwrap_or_default();
            c.datamap_database_delete(actor, &id_or_name(&mut f, "id")?, &message).await?.into()
        }
        "datamap_database_review" => c.datamap_database_review(actor, f).await?.into(),
        "datamap_database_show" => {
            let revision = int(&mut f, "revision")?;
            c.datamap_database_show(actor, &id_or_name(&mut f, "id")?, revision).await?.into()
        }
        "datamap_database_list" => c.datamap_database_list(actor, f).await?.into(),
        "datamap_database_revision_list" => {
            Value::Array(c.datamap_database_revision_list(actor, &id_or_name(&mut f, "id")?).await?).into()
        }
        "datamap_element_create" => c.datamap_element_save(actor, f, true).await?.into(),
        "datamap_element_update" => c.datamap_element_save(actor, f, false).await?.into(),
        "datamap_element_show" => c.datamap_element_show(actor, &id_or_name(&mut f, "id")?).await?.into(),
        "datamap_element_list" => Value::Array(c.datamap_element_list(actor).await?).into(),
        "datamap_duplication_list" => Value::Array(c.datamap_duplication_list(actor).await?).into(),
        "datamap_version_publish" => c.datamap_version_publish(actor, f).await?.into(),
        "datamap_version_list" => Value::Array(c.datamap_version_list(actor).await?).into(),
        "datamap_version_show" => c.datamap_version_show(actor, opt_text(&mut f, "version").as_deref()).await?.into(),
        "datamap_version_diff" => {
            let (from, to) = (opt_text(&mut f, "from"), opt_text(&mut f, "to"));
            c.datamap_version_diff(actor, from.as_deref(), to.as_deref()).await?.into()
        }
        "strategy_target_list" => c.strategy_target_list().into(),
        "strategy_task_list" => c.strategy_task_list(f).await?.into(),
        "strategy_task_show" => c.strategy_task_show(&id_or_name(&mut f, "id")?).await?.into(),
        "strategy_indicator_list" => c.strategy_indicator_list(f).await?.into(),
        "strategy_method_list" => Value::Array(c.strategy_method_list().await?).into(),
        "strategy_method_create" => c.strategy_method_create(actor, f).await?.into(),
        "strategy_ranking_run" => c.strategy_ranking_run(actor, f).await?.into(),
        "strategy_ranking_show" => c.strategy_ranking_show(f).await?.into(),
        "strategy_report_create" => c.strategy_report_create(actor, f).await?.into(),
        "strategy_report_update" => c.strategy_report_update(actor, f).await?.into(),
        "strategy_report_submit" => c.strategy_report_submit(actor, f).await?.into(),
        "strategy_report_review" => c.strategy_report_review(actor, f).await?.into(),
        "strategy_report_show" => c.strategy_report_show(actor, f).await?.into(),
        "strategy_report_list" => Value::Array(c.strategy_report_list(actor, f).await?).into(),
        "strategy_report_national" => c.strategy_report_national(f).await?.into(),
        "strategy_progress_update" => c.strategy_progress_update(actor, f).await?.into(),
        "strategy_progress_submit" => c.strategy_progress_submit(actor, f).await?.into(),
        "strategy_progress_review" => c.strategy_progress_review(actor, f).await?.into(),
        "strategy_progress_show" => c.strategy_progress_show(actor, f).await?.into(),
        "strategy_progress_list" => c.strategy_progress_list(actor, f).await?.into(),
        "strategy_indicator_entry_update" => c.strategy_indicator_entry_update(actor, f).await?.into(),
        "strategy_indicator_entry_submit" => c.strategy_indicator_entry_submit(actor, f).await?.into(),
        "strategy_indicator_entry_review" => c.strategy_indicator_entry_review(actor, f).await?.into(),
        "strategy_indicator_entry_show" => c.strategy_indicator_entry_show(actor, f).await?.into(),
        "strategy_indicator_entry_list" => c.strategy_indicator_entry_list(actor, f).await?.into(),
        "admin_unit_list" => c.admin_unit_list(f)?.into(),
        "admin_unit_show" => c.admin_unit_show(f)?.into(),
        "admin_unit_convert" => c.admin_unit_convert(f)?.into(),
        "resource_validation_show" => c.resource_validation_show(actor, f).await?.into(),
        "resource_validation_run" => c.resource_validation_run(actor, f).await?.into(),
        "datapackage_show" => c.datapackage_show(actor, &id_or_name(&mut f, "id")?).await?.into(),
        "datastore_info" => c.datastore_info(actor, f).await?.into(),
        "datastore_search" => Reply::Raw(c.datastore_search(actor, f).await?),
        "datastore_search_sql" => Reply::Raw(c.datastore_search_sql(actor, f).await?),
        "datastore_delete" => c.datastore_delete(actor, f).await?.into(),
        "datastore_create" => c.datastore_create(actor, f).await?.into(),
        "datastore_upsert" => c.datastore_upsert(actor, f).await?.into(),
        "organization_show" | "group_show" => {
            let is_org = def.name == "organization_show";
            let id = id_or_name(&mut f, "id")?;
            let include_datasets = f.bool("include_datasets").unwrap_or(false);
            let include_users = f.bool("include_users").unwrap_or(true);
            to_reply(c.group_show(actor, &id, is_org, include_datasets, include_users).await?)?
        }
        "organization_list" | "group_list" => {
            let is_org = def.name == "organization_list";
            let all = f.bool("all_fields").unwrap_or(false);
            let sort = opt_text(&mut f, "sort");
            let q = opt_text(&mut f, "q");
            let (limit, offset) = (int(&mut f, "limit")?, int(&mut f, "offset")?);
            f.take_errors().into_result()?;
            Value::Array(c.group_list(actor, is_org, all, sort.as_deref(), q.as_deref(), limit, offset).await?).into()
        }
        "organization_list_for_user" => {
            let user = opt_text(&mut f, "id").or_else(|| opt_text(&mut f, "user"));
            let perm = opt_text(&mut f, "permission");
            Value::Array(c.organization_list_for_user(actor, user.as_deref(), perm.as_deref()).await?).into()
        }
        "organization_activity_list" | "group_activity_list" => {
            let id = id_or_name(&mut f, "id")?;
            let is_org = def.name == "organization_activity_list";
            to_reply(c.group_activity_list(actor, &id, is_org, int(&mut f, "limit")?, int(&mut f, "offset")?).await?)?
        }
        "resource_search" => {
            c.resource_search(std::mem::replace(&mut f, Fields::new(serde_json::Map::new()))).await?.into()
        }
        "tag_autocomplete" => {
            let q = opt_text(&mut f, "query").or_else(|| opt_text(&mut f, "q")).unwrap_or_default();
            let limit = int(&mut f, "limit")?.or(Some(10));
            let tags = c.tag_list(actor, Some(&q), limit, int(&mut f, "offset")?).await?;
            Value::Array(tags.into_iter().map(|(_, name)| Value::String(name)).collect()).into()
        }
        "package_autocomplete" => {
            let q = opt_text(&mut f, "q").or_else(|| opt_text(&mut f, "incomplete")).unwrap_or_default();
            c.package_autocomplete(actor, &q, int(&mut f, "limit")?).await?.into()
        }
        "tag_list" => {
            let q = opt_text(&mut f, "query").or_else(|| opt_text(&mut f, "q"));
            let all = f.bool("all_fields").unwrap_or(false);
            let tags = c.tag_list(actor, q.as_deref(), int(&mut f, "limit")?, int(&mut f, "offset")?).await?;
            Value::Array(
                tags.into_iter()
                    .map(|(id, name)| {
                        if all {
                            json!({"id": id, "name": name, "display_name": name, "vocabulary_id": null})
                        } else {
                            Value::String(name)
                        }
                    })
                    .collect(),
            )
            .into()
        }
        "license_list" => to_reply(LICENSES)?,
        "user_show" => to_reply(c.user_show_dict(actor, f).await?)?,
        "user_list" => to_reply(c.user_list(actor, int(&mut f, "limit")?, int(&mut f, "offset")?).await?)?,
        "api_token_list" => {
            let user = opt_text(&mut f, "user").or_else(|| opt_text(&mut f, "user_id"));
            let user = match user.or_else(|| actor.user_id().map(str::to_string)) {
                Some(u) => u,
                None => return Err(Error::forbidden("Action api_token_list requires an authenticated user")),
            };
            to_reply(c.token_list(actor, &user).await?)?
        }
        "package_create" => to_reply(c.package_create(actor, f).await?)?,
        "package_update" => to_reply(c.package_update(actor, f).await?)?,
        "package_patch" => to_reply(c.package_patch(actor, f).await?)?,
        "package_delete" => {
            c.package_delete(actor, &id_or_name(&mut f, "id")?).await?;
            Value::Null.into()
        }
        "dataset_purge" => {
            c.dataset_purge(actor, &id_or_name(&mut f, "id")?).await?;
            Value::Null.into()
        }
        "resource_create" => to_reply(c.resource_create(actor, f, upload).await?)?,
        "resource_update" => to_reply(c.resource_update(actor, f, upload).await?)?,
        "resource_patch" => to_reply(c.resource_patch(actor, f, upload).await?)?,
        "resource_delete" => {
            c.resource_delete(actor, &id_or_name(&mut f, "id")?).await?;
            Value::Null.into()
        }
        "organization_create" => to_reply(c.group_create(actor, f, true).await?)?,
        "organization_update" => to_reply(c.group_update(actor, f, true).await?)?,
        "organization_patch" => to_reply(c.group_patch(actor, f, true).await?)?,
        "organization_delete" => {
            c.group_delete(actor, &id_or_name(&mut f, "id")?, true).await?;
            Value::Null.into()
        }
        "group_create" => to_reply(c.group_create(actor, f, false).await?)?,
        "group_update" => to_reply(c.group_update(actor, f, false).await?)?,
        "group_patch" => to_reply(c.group_patch(actor, f, false).await?)?,
        "group_delete" => {
            c.group_delete(actor, &id_or_name(&mut f, "id")?, false).await?;
            Value::Null.into()
        }
        "member_create" => {
            let group = id_or_name(&mut f, "id")?;
            let object = id_or_name(&mut f, "object")?;
            let object_type = id_or_name(&mut f, "object_type")?;
            let capacity = opt_text(&mut f, "capacity").unwrap_or_default();
            to_reply(c.member_create(actor, &group, &object, &object_type, &capacity).await?)?
        }
        "member_delete" => {
            let group = id_or_name(&mut f, "id")?;
            let object = id_or_name(&mut f, "object")?;
            let object_type = id_or_name(&mut f, "object_type")?;
            c.member_delete(actor, &group, &object, &object_type).await?;
            Value::Null.into()
        }
        "organization_member_create" | "group_member_create" => {
            let group = id_or_name(&mut f, "id")?;
            let user = opt_text(&mut f, "username").or_else(|| opt_text(&mut f, "user_id"));
            let user = user.ok_or_else(|| Error::field("username", "Missing value"))?;
            let role = opt_text(&mut f, "role").unwrap_or_else(|| "member".into());
            to_reply(c.member_create(actor, &group, &user, "user", &role).await?)?
        }
        "organization_member_delete" | "group_member_delete" => {
            let group = id_or_name(&mut f, "id")?;
            let user = opt_text(&mut f, "username").or_else(|| opt_text(&mut f, "user_id"));
            let user = user.ok_or_else(|| Error::field("username", "Missing value"))?;
            c.member_delete(actor, &group, &user, "user").await?;
            Value::Null.into()
        }
        "user_create" => to_reply(c.user_create_dict(actor, f).await?)?,
        "api_token_create" => {
            let user = id_or_name(&mut f, "user")?;
            let name = id_or_name(&mut f, "name")?;
            let expires_in = int(&mut f, "expires_in")?;
            let unit = int(&mut f, "unit")?.unwrap_or(86_400);
            f.take_errors().into_result()?;
            let secs = expires_in.map(|n| n.saturating_mul(unit));
            let issued = c.token_create(actor, &user, &name, secs).await?;
            json!({"token": issued.token, "id": issued.record.id, "expires_at": issued.record.expires_at}).into()
        }
        "api_token_revoke" => {
            let token = opt_text(&mut f, "token");
            let jti = opt_text(&mut f, "jti").or_else(|| opt_text(&mut f, "id"));
            c.token_revoke(actor, token.as_deref(), jti.as_deref()).await?;
            Value::Null.into()
        }
        other => return Err(Error::internal(format!("action {other} is listed but not dispatched"))),
    };
    Ok(reply)
}

/// `GET /api/3` and `/api`: the API version, as CKAN.
pub async fn api_root() -> Response {
    (StatusCode::OK, axum::Json(json!({"version": 3}))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_unique() {
        let mut names: Vec<_> = ACTIONS.iter().map(|a| a.name).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
    }

    #[test]
    fn repeated_query_keys_become_lists() {
        let m = pairs_to_map([("a", "1"), ("b", "2"), ("a", "3")].into_iter().map(|(k, v)| (k.into(), v.into())));
        assert_eq!(Value::Object(m), json!({"a": ["1", "3"], "b": "2"}));
    }
}
