//! The OpenAPI 3.1 description of the Action API, at `GET /api/openapi.json`.
//!
//! The paths come from [`ACTIONS`], so the document lists exactly the
//! actions the server answers, and the error responses from
//! [`crate::error::CODES`]. What each action takes and returns is the table
//! `SPECS`, which mirrors `actions::dispatch` and the catalog's input
//! parsing: change one, change the other. Types in the tables are written in
//! a small notation (see `schema`) so that the tables stay readable.

use crate::AppState;
use crate::actions::{ACTIONS, ActionDef};
use crate::error::{CODES, json_bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use kho_core::ErrorKind;
use kho_core::input::LANGUAGES;
use kho_core::vocab::{AgencyKind, Capacity, DataImportance, DataSharing, DatasetState, UpdateFrequency, Vocabulary};
use serde_json::{Map, Value, json};

/// An action parameter: name, type (see [`schema`]), required, description.
type Param = (&'static str, &'static str, bool, &'static str);

/// What an action takes and returns.
struct Spec {
    name: &'static str,
    /// Parameter groups, concatenated. A name's first occurrence wins, so an
    /// action can restate a shared field as required in an earlier group.
    params: &'static [&'static [Param]],
    /// The type of `result` in the envelope.
    result: &'static str,
}

const fn spec(name: &'static str, params: &'static [&'static [Param]], result: &'static str) -> Spec {
    Spec { name, params, result }
}

const PAGE: &[Param] = &[
    ("limit", "integer", false, "How many items to return."),
    ("offset", "integer", false, "How many items to skip."),
];
const ID: &[Param] = &[("id", "string", true, "Id or name.")];
const RESOURCE_ID: &[Param] = &[("id", "string", true, "The resource's id.")];
const SHOW_GROUP: &[Param] = &[
    ("include_datasets", "boolean", false, "Include the datasets (default false)."),
    ("include_users", "boolean", false, "Include the members (default true)."),
];
const LIST_GROUPS: &[Param] = &[
    ("all_fields", "boolean", false, "Return records instead of names."),
    ("sort", "string", false, "name, title or package_count, optionally followed by asc or desc."),
    ("q", "string", false, "Only those whose name or title contains this text."),
];
const NEW_NAME: &[Param] = &[("name", "string", true, "URL name: 2–100 lowercase ASCII letters, digits, - and _.")];
const NEW_ID: &[Param] = &[("id", "string", false, "Id of the new object (default: generated).")];
const UPDATE_ID: &[Param] = &[("id", "string", false, "Id or name of the object to change (default: name).")];

const REPORT_ID: &[Param] = &[
    ("id", "string", false, "The report's id."),
    ("organization", "string", false, "Or the agency (with year)."),
    ("year", "integer", false, "With organization (default this year)."),
];
const PROGRESS_ID: &[Param] = &[
    ("id", "string", false, "The progress report's id."),
    ("task", "string", false, "Or the task (with organization and year), e.g. A.I.1."),
    ("organization", "string", false, "With task: the agency."),
    ("year", "integer", false, "With task (default this year)."),
];
const ENTRY_ID: &[Param] = &[
    ("id", "string", false, "The entry's id."),
    ("target", "string", false, "Or the target (with organization and year), e.g. T2030-6."),
    ("organization", "string", false, "With target: the agency; absent for the national value."),
    ("year", "integer", false, "With target (default this year)."),
];
const REVIEW: &[Param] =
    &[("decision", "string", true, "approve or reject."), ("note", "string", false, "Required to reject.")];
const EVIDENCE: &[Param] = &[(
    "evidence",
    "[object]",
    false,
    "Items {title, kind (document|link|dataset), url (http or https; required for a link), dataset (a public dataset's name on this node), number and date (YYYY-MM-DD; required for a document)}; at most 20.",
)];
const MESSAGE: &[Param] = &[("message", "string", true, "Why the entry changes (kept in its history).")];
const MESSAGE_OPTIONAL: &[Param] = &[("message", "string", false, "Why (kept in the entry's history).")];
const DATAMAP_ENTRY_REQUIRED: &[Param] = &[
    ("name", "string", true, "URL name: 2–100 lowercase ASCII letters, digits, - and _."),
    ("title", "string", true, "Title in Vietnamese."),
    ("owner_org", "string", true, "Id or name of the owning agency (organization)."),
    ("class", "=DatabaseClass", true, "National, shared (of a ministry, sector or locality) or specialised."),
    ("data_sharing", "=DataSharing", true, "Classification by sharing (Law on Data)."),
    ("data_importance", "=DataImportance", true, "Classification by importance (Law on Data)."),
    ("status", "=DatabaseStatus", true, ""),
];
const DATAMAP_ENTRY_OPTIONAL: &[Param] = &[
    ("name", "string", false, ""),
    ("title", "string", false, ""),
    ("owner_org", "string", false, ""),
    ("class", "=DatabaseClass", false, ""),
    ("data_sharing", "=DataSharing", false, ""),
    ("data_importance", "=DataImportance", false, ""),
    ("status", "=DatabaseStatus", false, ""),
];
const DATAMAP_ENTRY: &[Param] = &[
    ("title_translated", "#Translated", false, "Title per language."),
    ("purpose", "string", false, "What the database is for."),
    ("legal_basis", "string", false, "The legal documents it is built under."),
    ("sector", "string", false, "Sector (lĩnh vực)."),
    ("hosting", "=Hosting", false, ""),
    ("security_level", "integer", false, "Information-security level, 1–5."),
    ("protection_4_layer", "boolean", false, "The 4-layer protection model is in place."),
    ("records", "integer", false, "Records held."),
    ("size_bytes", "integer", false, "Size in bytes."),
    ("update_frequency", "=UpdateFrequency", false, ""),
    ("endpoints", "[object]", false, "APIs and services: {url, kind (api|service|portal), title}."),
    ("entities", "[string]", false, "What it holds records of."),
    ("elements", "[string]", false, "Names of the data elements it holds (from the dictionary)."),
    (
        "connections",
        "[object]",
        false,
        "{database, direction (out|in|both), platform (ndxp|lgsp|direct), elements, note}.",
    ),
    ("national_repository", "boolean", false, "The national repository at the National Data Center (reviewers only)."),
];
const DATAMAP_ELEMENT: &[Param] = &[
    ("name", "string", true, "URL name of the element."),
    ("title", "string", true, "Title in Vietnamese."),
    ("title_translated", "#Translated", false, "Title per language."),
    ("definition", "string", false, "What it means."),
    ("data_type", "string", false, "A Table Schema type (default string)."),
    ("format", "string", false, "Format or pattern."),
    ("master", "string", false, "Name of its master database (the source of truth)."),
];

const PACKAGE: &[Param] = &[
    ("name", "string", false, "URL name: 2–100 lowercase ASCII letters, digits, - and _."),
    ("owner_org", "string", false, "Id or name of the publishing organization."),
    ("title", "string", false, "Title (default: the name)."),
    ("notes", "string", false, "Description, in Markdown."),
    ("license_id", "string", false, "A licence id from license_list."),
    ("author", "string", false, ""),
    ("author_email", "string", false, ""),
    ("maintainer", "string", false, ""),
    ("maintainer_email", "string", false, ""),
    ("url", "string", false, "The source's web page."),
    ("version", "string", false, ""),
    ("state", "=DatasetState", false, "active or draft; use package_delete to delete."),
    ("private", "boolean", false, "Visible to the organization's members only."),
    ("type", "string", false, "Only \"dataset\"."),
    ("data_sharing", "=DataSharing", false, "Classification by sharing (Law on Data); private_use requires private."),
    ("data_importance", "=DataImportance", false, "Classification by importance (Law on Data)."),
    ("temporal_start", "string", false, "Start of the period covered, YYYY-MM-DD."),
    ("temporal_end", "string", false, "End of the period covered, YYYY-MM-DD."),
    ("spatial", "string", false, "Spatial coverage."),
    ("update_frequency", "=UpdateFrequency", false, ""),
    ("title_translated", "#Translated", false, "Title per language."),
    ("notes_translated", "#Translated", false, "Description per language."),
    ("tags", "[object]", false, "Tags as [{\"name\": ...}]."),
    ("tag_string", "string", false, "Comma-separated tags, instead of tags."),
    ("extras", "[#Extra]", false, "Custom metadata."),
    ("resources", "[object]", false, "Resources, each with the fields of resource_create."),
    ("groups", "[object]", false, "Groups as [{\"name\": ...}] or [{\"id\": ...}]."),
];
const RESOURCE: &[Param] = &[
    ("url", "string", false, "The file's address, unless a file is uploaded."),
    ("name", "string", false, ""),
    ("description", "string", false, ""),
    ("format", "string", false, "File format, such as CSV (normalised)."),
    ("mimetype", "string", false, ""),
    ("mimetype_inner", "string", false, ""),
    ("size", "integer", false, "Size in bytes."),
    ("hash", "string", false, ""),
    ("last_modified", "string", false, "ISO 8601 date-time."),
    ("resource_type", "string", false, ""),
    ("url_type", "string", false, "\"upload\" for uploaded files."),
    ("name_translated", "#Translated", false, "Name per language."),
    ("description_translated", "#Translated", false, "Description per language."),
    (
        "schema",
        "object",
        false,
        "Frictionless Table Schema (v1 or v2) of a tabular resource: fields with types, formats and constraints, primaryKey, foreignKeys (to other resources of the dataset by name), missingValues. A JSON text is accepted too. Checked when written; the file is validated against it in the background.",
    ),
];
const GROUP: &[Param] = &[
    ("name", "string", false, "URL name: 2–100 lowercase ASCII letters, digits, - and _."),
    ("title", "string", false, "Title (default: the name)."),
    ("description", "string", false, ""),
    ("image_url", "string", false, ""),
    ("title_translated", "#Translated", false, "Title per language."),
    ("description_translated", "#Translated", false, "Description per language."),
    ("extras", "[#Extra]", false, "Custom metadata."),
    (
        "users",
        "[object]",
        false,
        "Members to set, as [{\"name\": ..., \"capacity\": \"admin|editor|member\"}]; absent keeps the current ones.",
    ),
];
const ORGANIZATION: &[Param] = &[
    ("agency_kind", "=AgencyKind", false, "What kind of agency."),
    ("agency_code", "string", false, "The agency's official code."),
    ("parent", "string", false, "Id or name of the parent organization."),
    ("parent_id", "string", false, "Same as parent (as organization_show returns it)."),
];
const GROUP_MEMBER: &[Param] = &[
    ("id", "string", true, "Id or name of the organization or group."),
    ("username", "string", true, "Name or id of the user (user_id is accepted too)."),
];

/// Every action's parameters and result, in the order of [`ACTIONS`].
const SPECS: &[Spec] = &[
    spec("status_show", &[], "#Status"),
    spec("site_read", &[], "boolean"),
    spec("help_show", &[&[("name", "string", true, "The action's name.")]], "string"),
    spec(
        "package_show",
        &[&[
            ("id", "string", false, "Id or name of the dataset (required unless name_or_id is given)."),
            ("name_or_id", "string", false, "Same as id."),
        ]],
        "#Package",
    ),
    spec("package_list", &[PAGE], "[string]"),
    spec(
        "package_search",
        &[&[
            ("q", "string", false, "Query: words, \"phrases\", field:value, AND/OR/NOT."),
            ("fq", "string", false, "Filter query, field:value terms."),
            ("fq_list", "list", false, "More filter queries."),
            (
                "facet.field",
                "list",
                false,
                "Fields to count values of: organization, groups, tags, res_format, license_id, data_sharing, data_importance, update_frequency, capacity, state, quality_rating (excellent|good|sufficient|bad), validation_status (success|failure).",
            ),
            ("facet.limit", "integer", false, "Values per facet (default 50, -1 for all)."),
            ("facet.mincount", "integer", false, "Least count of a facet value (default 1)."),
            ("rows", "integer", false, "Results per page (default 10, at most 1000)."),
            ("start", "integer", false, "Results to skip."),
            ("sort", "string", false, "Default \"score desc, metadata_modified desc\"."),
            ("include_private", "boolean", false, "Include private datasets the caller may see."),
            ("include_drafts", "boolean", false, "Include drafts the caller may see."),
            ("fl", "list", false, "Return only these fields of each dataset (\"highlight\" adds highlights)."),
        ]],
        "#SearchResult",
    ),
    spec("current_package_list_with_resources", &[PAGE], "[#Package]"),
    spec("package_activity_list", &[ID, PAGE], "[#Activity]"),
    spec("resource_show", &[RESOURCE_ID], "#Resource"),
    spec("quality_show", &[ID], "object"),
    spec("organization_quality_list", &[], "object"),
    spec(
        "dataset_duplicate_list",
        &[
            &[
                ("id", "string", false, "A dataset (id or name): its likely duplicates."),
                ("organization", "string", false, "An organization (name or id): the groups involving its datasets."),
            ],
            PAGE,
        ],
        "object",
    ),
    spec("resource_link_check_show", &[RESOURCE_ID], "object"),
    spec("organization_link_report", &[&[("id", "string", true, "Id or name of the organization.")]], "object"),
    spec(
        "admin_unit_list",
        &[&[
            ("level", "string", false, "province (default), district (legacy only) or commune."),
            ("legacy", "boolean", false, "The units before 1 July 2025."),
            ("province", "integer", false, "Only units of this province (its code)."),
            ("q", "string", false, "Words of the name, with or without diacritics."),
            ("limit", "integer", false, "Units returned (default 100, at most 5000)."),
            ("offset", "integer", false, "Units skipped."),
        ]],
        "object",
    ),
    spec(
        "admin_unit_show",
        &[&[
            ("id", "string", true, "Code, or name with or without diacritics."),
            ("level", "string", false, "province (default), district (legacy only) or commune."),
            ("legacy", "boolean", false, "A unit before 1 July 2025."),
            ("province", "integer", false, "The province of a name shared across provinces."),
        ]],
        "object",
    ),
    spec(
        "admin_unit_convert",
        &[&[
            ("q", "string", true, "A province, or \"ward, district, province\", of either era."),
            ("from", "string", false, "auto (default), 2025 or legacy: the era of bare codes."),
            ("level", "string", false, "auto (default), province or commune: the level of a single value."),
        ]],
        "object",
    ),
    spec(
        "resource_validation_show",
        &[&[("resource_id", "string", true, "The resource (id also accepted).")]],
        "object",
    ),
    spec("datapackage_show", &[ID], "object"),
    spec("harvest_source_list", &[], "[object]"),
    spec("harvest_source_show", &[&[("id", "string", true, "Id or name of the harvest source.")]], "object"),
    spec("harvest_run_show", &[&[("id", "string", true, "Id of the run.")]], "object"),
    spec(
        "datamap_database_show",
        &[ID, &[("revision", "integer", false, "A revision (outsiders: approved ones only).")]],
        "#DatamapDatabase",
    ),
    spec(
        "datamap_database_list",
        &[
            &[
                ("organization", "string", false, "Only this agency's databases."),
                ("class", "=DatabaseClass", false, ""),
                ("sector", "string", false, "Only this sector."),
                ("data_sharing", "=DataSharing", false, ""),
                ("data_importance", "=DataImportance", false, ""),
                ("status", "=DatabaseStatus", false, ""),
                ("q", "string", false, "Words of the name or title (accents optional)."),
                ("pending", "boolean", false, "List the entries awaiting review instead."),
            ],
            PAGE,
        ],
        "object",
    ),
    spec("datamap_database_revision_list", &[ID], "[object]"),
    spec("datamap_element_show", &[ID], "#DatamapElement"),
    spec("datamap_element_list", &[], "[#DatamapElement]"),
    spec("datamap_duplication_list", &[], "[object]"),
    spec("datamap_version_show", &[&[("version", "string", false, "e.g. 1.0 (default: the latest).")]], "object"),
    spec("datamap_version_list", &[], "[object]"),
    spec(
        "datamap_version_diff",
        &[&[
            ("from", "string", false, "The older version (default: the one before to)."),
            ("to", "string", false, "The newer version (default: the latest)."),
        ]],
        "object",
    ),
    spec("strategy_target_list", &[], "object"),
    spec(
        "strategy_task_list",
        &[&[
            ("part", "string", false, "A, B or C."),
            ("group", "string", false, "A group's Roman numeral, e.g. XIV."),
            ("agency", "string", false, "A lead agency, as the Decision names it or as it is today."),
            ("overdue", "boolean", false, "Only tasks whose time ended before this year (or only the others)."),
        ]],
        "object",
    ),
    spec("strategy_task_show", &[&[("id", "string", true, "The task's id, e.g. C.XIV.3.")]], "object"),
    spec(
        "strategy_indicator_list",
        &[&[
            ("year", "integer", false, "Default this year."),
            ("level", "string", false, "ministry, province or national."),
        ]],
        "object",
    ),
    spec("strategy_method_list", &[], "[object]"),
    spec(
        "strategy_ranking_show",
        &[&[
            ("level", "string", false, "ministry or province (default province)."),
            ("year", "integer", false, "Default the latest ranked year."),
        ]],
        "object",
    ),
    spec("strategy_report_show", &[REPORT_ID], "object"),
    spec(
        "strategy_report_list",
        &[&[
            ("year", "integer", false, "Default this year."),
            ("state", "string", false, "draft, submitted, approved or rejected."),
        ]],
        "[object]",
    ),
    spec("strategy_report_national", &[&[("year", "integer", false, "Default this year.")]], "object"),
    spec("strategy_progress_show", &[PROGRESS_ID], "object"),
    spec(
        "strategy_progress_list",
        &[
            &[
                ("task", "string", false, "A task id."),
                ("organization", "string", false, "Id or name of the agency."),
                ("year", "integer", false, ""),
                ("state", "string", false, "draft, submitted, approved or rejected."),
                ("status", "string", false, "not_started, in_progress, completed or delayed."),
            ],
            PAGE,
        ],
        "object",
    ),
    spec("strategy_indicator_entry_show", &[ENTRY_ID], "object"),
    spec(
        "strategy_indicator_entry_list",
        &[
            &[
                ("target", "string", false, "A target id."),
                ("organization", "string", false, "Id or name of the agency, or national."),
                ("year", "integer", false, ""),
                ("state", "string", false, "draft, submitted, approved or rejected."),
            ],
            PAGE,
        ],
        "object",
    ),
    spec("datastore_info", &[RESOURCE_ID], "object"),
    spec(
        "datastore_search",
        &[&[
            ("resource_id", "string", true, "The resource whose table to search."),
            ("filters", "object", false, "Field -> value, or list of values; a JSON text in GET."),
            ("q", "string|object", false, "Words to find in any text field, or field -> words."),
            ("distinct", "boolean", false, "Return distinct rows of the chosen fields."),
            ("fields", "list", false, "Fields to return (default all)."),
            ("sort", "string", false, "\"field [asc|desc], ...\" (default: table order)."),
            ("limit", "integer", false, "Rows to return (default 100, at most datastore_rows_max)."),
            ("offset", "integer", false, "Rows to skip."),
            ("include_total", "boolean", false, "Count the matching rows (default true)."),
            ("records_format", "string", false, "objects (default), lists, csv or tsv."),
            ("version", "integer", false, "Search an older version of the table."),
        ]],
        "object",
    ),
    spec(
        "datastore_search_sql",
        &[&[("sql", "string", true, "One read-only SELECT; tables are resource ids in double quotes.")]],
        "object",
    ),
    spec("organization_show", &[ID, SHOW_GROUP], "#Group"),
    spec("organization_list", &[LIST_GROUPS, PAGE], "[string]|[#Group]"),
    spec(
        "organization_list_for_user",
        &[&[
            ("id", "string", false, "The user (default: the caller); user is accepted too."),
            (
                "permission",
                "string",
                false,
                "read, create_dataset, update_dataset, delete_dataset or manage_group (default).",
            ),
        ]],
        "[#Group]",
    ),
    spec("organization_activity_list", &[ID, PAGE], "[#Activity]"),
    spec("group_show", &[ID, SHOW_GROUP], "#Group"),
    spec("group_list", &[LIST_GROUPS, PAGE], "[string]|[#Group]"),
    spec("group_activity_list", &[ID, PAGE], "[#Activity]"),
    spec(
        "tag_list",
        &[
            &[
                ("query", "string", false, "Only tags containing this text (q is accepted too)."),
                ("all_fields", "boolean", false, "Return records instead of names."),
            ],
            PAGE,
        ],
        "[string]|[#Tag]",
    ),
    spec(
        "resource_search",
        &[
            &[
                (
                    "query",
                    "list",
                    false,
                    "field:term, or a list of them; fields name, description, format, url, mimetype, hash, resource_type, url_type.",
                ),
                ("order_by", "string", false, "One of the query fields."),
            ],
            PAGE,
        ],
        "#ResourceSearchResult",
    ),
    spec(
        "tag_autocomplete",
        &[
            &[
                ("query", "string", false, "Text the tags contain (q is accepted too)."),
                ("limit", "integer", false, "How many tags to return (default 10)."),
            ],
            PAGE,
        ],
        "[string]",
    ),
    spec(
        "package_autocomplete",
        &[&[
            ("q", "string", false, "What was typed (incomplete is accepted too)."),
            ("limit", "integer", false, "How many datasets to return (default 10)."),
        ]],
        "[#AutocompleteMatch]",
    ),
    spec("license_list", &[], "[#License]"),
    spec("user_show", &[&[("id", "string", false, "Id or name of the user (default: the caller).")]], "#User"),
    spec("user_list", &[PAGE], "[#User]"),
    spec(
        "api_token_list",
        &[&[("user", "string", false, "Id or name of the user (default: the caller); user_id is accepted too.")]],
        "[#ApiToken]",
    ),
    spec(
        "package_create",
        &[NEW_NAME, &[("owner_org", "string", true, "Id or name of the publishing organization.")], NEW_ID, PACKAGE],
        "#Package",
    ),
    spec("package_update", &[UPDATE_ID, PACKAGE], "#Package"),
    spec("package_patch", &[ID, PACKAGE], "#Package"),
    spec("package_delete", &[ID], "null"),
    spec("dataset_purge", &[ID], "null"),
    spec(
        "resource_create",
        &[&[("package_id", "string", true, "Id or name of the dataset.")], NEW_ID, RESOURCE],
        "#Resource",
    ),
    spec("resource_update", &[RESOURCE_ID, RESOURCE], "#Resource"),
    spec("resource_patch", &[RESOURCE_ID, RESOURCE], "#Resource"),
    spec("resource_delete", &[RESOURCE_ID], "null"),
    spec(
        "harvest_source_create",
        &[&[
            ("name", "string", true, "Name of the source (lowercase letters, digits, - and _)."),
            ("url", "string", true, "The remote node or CKAN site (its base URL), or the DCAT document's address."),
            (
                "type",
                "string",
                true,
                "kho, ckan, dcat, or datamap (another Kho node's data map; source_type is accepted too).",
            ),
            ("title", "string", false, "Title shown in reports (default: the name)."),
            (
                "organization",
                "string",
                false,
                "Organization for every dataset (default: one named like the remote agency).",
            ),
            (
                "schedule",
                "string",
                false,
                "When to run: a cron line in UTC, e.g. \"0 2 * * *\" (default: on demand only).",
            ),
            ("config", "object", false, "max_page_bytes, timeout_secs, max_pages, load_tables."),
        ]],
        "object",
    ),
    spec(
        "harvest_source_delete",
        &[&[
            ("id", "string", true, "Id or name of the harvest source."),
            ("clear", "boolean", false, "Delete its datasets too (default: keep them, editable)."),
        ]],
        "object",
    ),
    spec("harvest_run", &[&[("id", "string", true, "Id or name of the harvest source.")]], "object"),
    spec("datamap_database_create", &[DATAMAP_ENTRY_REQUIRED, DATAMAP_ENTRY, MESSAGE_OPTIONAL], "#DatamapDatabase"),
    spec("datamap_database_update", &[ID, MESSAGE, DATAMAP_ENTRY_REQUIRED, DATAMAP_ENTRY], "#DatamapDatabase"),
    spec("datamap_database_patch", &[ID, MESSAGE, DATAMAP_ENTRY_OPTIONAL, DATAMAP_ENTRY], "#DatamapDatabase"),
    spec("datamap_database_delete", &[ID, MESSAGE], "#DatamapDatabase"),
    spec(
        "datamap_database_review",
        &[
            ID,
            &[
                ("decision", "string", true, "approve or reject."),
                ("note", "string", false, "To the agency; required to reject."),
                ("revision", "integer", false, "The revision reviewed (default: the latest)."),
            ],
        ],
        "object",
    ),
    spec("datamap_element_create", &[DATAMAP_ELEMENT], "#DatamapElement"),
    spec("datamap_element_update", &[UPDATE_ID, DATAMAP_ELEMENT], "#DatamapElement"),
    spec(
        "datamap_version_publish",
        &[&[
            ("version", "string", false, "MAJOR.MINOR (default: the next minor; the first is 1.0)."),
            ("notes", "string", false, "What this version brings."),
        ]],
        "object",
    ),
    spec(
        "strategy_method_create",
        &[&[
            ("weights", "{number}", true, "Weight per indicator code."),
            ("normalisation", "string", false, "none (default) or min_max."),
            ("missing", "string", false, "skip (default) or zero."),
            ("notes", "string", false, "Why this method."),
        ]],
        "object",
    ),
    spec(
        "strategy_ranking_run",
        &[&[
            ("year", "integer", false, "Default this year."),
            ("method", "integer", false, "A method version (default the latest)."),
        ]],
        "object",
    ),
    spec(
        "strategy_report_create",
        &[&[
            ("organization", "string", true, "Id or name of the agency."),
            ("year", "integer", false, "Default this year."),
        ]],
        "object",
    ),
    spec(
        "strategy_report_update",
        &[
            REPORT_ID,
            &[
                ("narrative", "string", false, "The report's text."),
                ("tasks", "{string}", false, "Progress per task id."),
            ],
        ],
        "object",
    ),
    spec("strategy_report_submit", &[REPORT_ID], "object"),
    spec(
        "strategy_report_review",
        &[
            REPORT_ID,
            &[("decision", "string", true, "approve or reject."), ("note", "string", false, "Required to reject.")],
        ],
        "object",
    ),
    spec(
        "strategy_progress_update",
        &[
            &[
                ("task", "string", true, "The task's id, e.g. A.I.1."),
                ("organization", "string", true, "Id or name of the agency (a lead or coordinating agency today)."),
                ("year", "integer", false, "Default this year."),
                (
                    "status",
                    "string",
                    false,
                    "not_started, in_progress, completed or delayed (required for a new report).",
                ),
                ("percent", "integer", false, "Share done, 0-100."),
                ("period", "string", false, "The period reported on, e.g. 6 tháng đầu năm."),
                ("text", "string", false, "What was done."),
            ],
            EVIDENCE,
        ],
        "object",
    ),
    spec("strategy_progress_submit", &[PROGRESS_ID], "object"),
    spec("strategy_progress_review", &[PROGRESS_ID, REVIEW], "object"),
    spec(
        "strategy_indicator_entry_update",
        &[
            &[
                ("target", "string", true, "The target's id, e.g. T2030-6."),
                (
                    "organization",
                    "string",
                    false,
                    "Id or name of the agency; absent for the national value (reviewers).",
                ),
                ("year", "integer", false, "Default this year."),
                ("numerator", "integer", false, "With denominator, for a target in percent."),
                ("denominator", "integer", false, "Above 0."),
                ("percent", "number", false, "Instead of numerator and denominator, 0-100."),
                ("count", "integer", false, "For a target counted in units."),
                ("note", "string", false, "How the value was measured."),
            ],
            EVIDENCE,
        ],
        "object",
    ),
    spec("strategy_indicator_entry_submit", &[ENTRY_ID], "object"),
    spec("strategy_indicator_entry_review", &[ENTRY_ID, REVIEW], "object"),
    spec(
        "link_check_run",
        &[&[
            ("id", "string", false, "Id or name of a dataset whose links to check."),
            ("organization", "string", false, "Id or name of an organization whose datasets' links to check."),
        ]],
        "object",
    ),
    spec(
        "datastore_create",
        &[&[
            ("resource_id", "string", false, "The resource whose table to create or extend."),
            ("resource", "object", false, "A new resource (resource_create's fields) instead of resource_id."),
            (
                "fields",
                "[object]",
                false,
                "[{\"id\", \"type\", \"info\"}]; types text, int, numeric, bool, date, timestamp, json.",
            ),
            ("records", "[object]", false, "Rows to insert."),
            ("primary_key", "list", false, "Field or fields that identify a row."),
            ("indexes", "list", false, "Kept for datastore_info."),
        ]],
        "object",
    ),
    spec(
        "resource_validation_run",
        &[&[("resource_id", "string", true, "The resource (id also accepted).")]],
        "object",
    ),
    spec(
        "datastore_upsert",
        &[&[
            ("resource_id", "string", true, "The resource whose table to write."),
            ("records", "[object]", true, "Rows to write."),
            ("method", "string", false, "upsert (default), insert or update."),
        ]],
        "object",
    ),
    spec(
        "datastore_delete",
        &[&[
            ("resource_id", "string", true, "The resource whose table to delete."),
            ("filters", "object", false, "Delete only the matching rows (as a new version)."),
        ]],
        "object",
    ),
    spec("organization_create", &[NEW_NAME, NEW_ID, GROUP, ORGANIZATION], "#Group"),
    spec("organization_update", &[UPDATE_ID, GROUP, ORGANIZATION], "#Group"),
    spec("organization_patch", &[ID, GROUP, ORGANIZATION], "#Group"),
    spec("organization_delete", &[ID], "null"),
    spec("group_create", &[NEW_NAME, NEW_ID, GROUP], "#Group"),
    spec("group_update", &[UPDATE_ID, GROUP], "#Group"),
    spec("group_patch", &[ID, GROUP], "#Group"),
    spec("group_delete", &[ID], "null"),
    spec(
        "member_create",
        &[&[
            ("id", "string", true, "Id or name of the organization or group."),
            ("object", "string", true, "Id or name of the user or dataset."),
            ("object_type", "string", true, "user or package."),
            ("capacity", "=Capacity", false, "The user's role."),
        ]],
        "#Member",
    ),
    spec(
        "member_delete",
        &[&[
            ("id", "string", true, "Id or name of the organization or group."),
            ("object", "string", true, "Id or name of the user or dataset."),
            ("object_type", "string", true, "user or package."),
        ]],
        "null",
    ),
    spec(
        "organization_member_create",
        &[GROUP_MEMBER, &[("role", "=Capacity", false, "The user's role (default member).")]],
        "#Member",
    ),
    spec("organization_member_delete", &[GROUP_MEMBER], "null"),
    spec(
        "group_member_create",
        &[GROUP_MEMBER, &[("role", "=Capacity", false, "The user's role (default member).")]],
        "#Member",
    ),
    spec("group_member_delete", &[GROUP_MEMBER], "null"),
    spec(
        "user_create",
        &[&[
            ("name", "string", true, "Login name: 2–100 lowercase ASCII letters, digits, - and _."),
            ("email", "string", true, ""),
            ("password", "string", false, "At least 8 characters."),
            ("fullname", "string", false, ""),
            ("about", "string", false, ""),
            ("sysadmin", "boolean", false, ""),
        ]],
        "#User",
    ),
    spec(
        "api_token_create",
        &[&[
            ("user", "string", true, "Id or name of the token's user."),
            ("name", "string", true, "A name for the token."),
            ("expires_in", "integer", false, "Lifetime in units (default: no expiry)."),
            ("unit", "integer", false, "Seconds per unit (default 86400)."),
        ]],
        "#NewApiToken",
    ),
    spec(
        "api_token_revoke",
        &[&[
            ("token", "string", false, "The token to revoke."),
            ("jti", "string", false, "The token's id, instead of the token (id is accepted too)."),
        ]],
        "null",
    ),
];

/// A component schema: name, description, fields (name, type) and the
/// fields that may be absent (all others are always present).
type Component = (&'static str, &'static str, &'static [(&'static str, &'static str)], &'static [&'static str]);

const COMPONENTS: &[Component] = &[
    (
        "Package",
        "A dataset, as package_show returns it. Kho's additions to CKAN's fields are extra keys.",
        &[
            ("author", "string?"),
            ("author_email", "string?"),
            ("creator_user_id", "string?"),
            ("id", "string"),
            ("isopen", "boolean"),
            ("license_id", "string?"),
            ("license_title", "string?"),
            ("license_url", "string?"),
            ("maintainer", "string?"),
            ("maintainer_email", "string?"),
            ("metadata_created", "string"),
            ("metadata_modified", "string"),
            ("name", "string"),
            ("notes", "string?"),
            ("num_resources", "integer"),
            ("num_tags", "integer"),
            ("organization", "#OrganizationSummary?"),
            ("owner_org", "string?"),
            ("private", "boolean"),
            ("state", "=DatasetState"),
            ("title", "string"),
            ("type", "string"),
            ("url", "string?"),
            ("version", "string?"),
            ("extras", "[#Extra]"),
            ("groups", "[#GroupSummary]"),
            ("resources", "[#Resource]"),
            ("tags", "[#Tag]"),
            ("relationships_as_object", "[any]"),
            ("relationships_as_subject", "[any]"),
            ("data_sharing", "=DataSharing"),
            ("data_importance", "=DataImportance"),
            ("temporal_start", "string?"),
            ("temporal_end", "string?"),
            ("spatial", "string?"),
            ("update_frequency", "=UpdateFrequency?"),
            ("title_translated", "#Translated"),
            ("notes_translated", "#Translated"),
        ],
        &[],
    ),
    ("Extra", "A custom metadata pair.", &[("key", "string"), ("value", "string")], &[]),
    (
        "DatamapDatabase",
        "A database of the data map, as the caller may see it.",
        &[
            ("id", "string"),
            ("name", "string"),
            ("title", "string"),
            ("title_translated", "#Translated"),
            ("owner_org", "string"),
            ("organization", "object?"),
            ("purpose", "string?"),
            ("legal_basis", "string?"),
            ("sector", "string?"),
            ("class", "=DatabaseClass"),
            ("data_sharing", "=DataSharing"),
            ("data_importance", "=DataImportance"),
            ("hosting", "=Hosting?"),
            ("security_level", "integer?"),
            ("protection_4_layer", "boolean"),
            ("status", "=DatabaseStatus"),
            ("records", "integer?"),
            ("size_bytes", "integer?"),
            ("update_frequency", "=UpdateFrequency?"),
            ("endpoints", "[object]"),
            ("entities", "[string]"),
            ("elements", "[string]"),
            ("connections", "[object]"),
            ("national_repository", "boolean"),
            ("state", "string"),
            ("created", "string"),
            ("modified", "string"),
            ("revision", "integer"),
            ("review_state", "=ReviewState"),
            ("approved_revision", "integer?"),
            ("restricted", "boolean"),
            ("connected", "[object]"),
            ("duplications", "[object]"),
        ],
        &[],
    ),
    (
        "DatamapElement",
        "A data element of the common dictionary.",
        &[
            ("id", "string"),
            ("name", "string"),
            ("title", "string"),
            ("title_translated", "#Translated"),
            ("definition", "string?"),
            ("data_type", "string"),
            ("format", "string?"),
            ("master", "string?"),
            ("created", "string"),
            ("modified", "string"),
            ("databases", "[string]"),
            ("duplications", "[object]"),
        ],
        &[],
    ),
    (
        "Tag",
        "A tag.",
        &[
            ("display_name", "string"),
            ("id", "string"),
            ("name", "string"),
            ("state", "string"),
            ("vocabulary_id", "string?"),
        ],
        &["state"],
    ),
    (
        "OrganizationSummary",
        "The owning organization inside a dataset.",
        &[
            ("id", "string"),
            ("name", "string"),
            ("title", "string"),
            ("type", "string"),
            ("description", "string"),
            ("image_url", "string"),
            ("created", "string"),
            ("is_organization", "boolean"),
            ("approval_status", "string"),
            ("state", "string"),
            ("agency_kind", "=AgencyKind?"),
            ("title_translated", "#Translated"),
        ],
        &[],
    ),
    (
        "GroupSummary",
        "A group inside a dataset.",
        &[
            ("description", "string"),
            ("display_name", "string"),
            ("id", "string"),
            ("image_display_url", "string"),
            ("name", "string"),
            ("title", "string"),
        ],
        &[],
    ),
    (
        "Resource",
        "A file or link of a dataset. Other keys the publisher set appear at the top level, as in CKAN.",
        &[
            ("cache_last_updated", "string?"),
            ("cache_url", "string?"),
            ("created", "string"),
            ("datastore_active", "boolean"),
            ("description", "string?"),
            ("format", "string?"),
            ("hash", "string?"),
            ("id", "string"),
            ("last_modified", "string?"),
            ("metadata_modified", "string"),
            ("mimetype", "string?"),
            ("mimetype_inner", "string?"),
            ("name", "string?"),
            ("package_id", "string"),
            ("position", "integer"),
            ("resource_type", "string?"),
            ("size", "integer?"),
            ("state", "string"),
            ("url", "string"),
            ("url_type", "string?"),
            ("name_translated", "#Translated"),
            ("description_translated", "#Translated"),
        ],
        &["name_translated", "description_translated"],
    ),
    (
        "Group",
        "An organization (agency) or group (theme), as organization_show and group_show return it.",
        &[
            ("approval_status", "string"),
            ("created", "string"),
            ("description", "string"),
            ("display_name", "string"),
            ("id", "string"),
            ("image_display_url", "string"),
            ("image_url", "string"),
            ("is_organization", "boolean"),
            ("name", "string"),
            ("num_followers", "integer"),
            ("package_count", "integer"),
            ("state", "string"),
            ("title", "string"),
            ("type", "string"),
            ("extras", "[#Extra]"),
            ("tags", "[any]"),
            ("groups", "[object]"),
            ("agency_kind", "=AgencyKind?"),
            ("agency_code", "string?"),
            ("parent_id", "string?"),
            ("title_translated", "#Translated"),
            ("description_translated", "#Translated"),
            ("users", "[#MemberUser]"),
            ("packages", "[#Package]"),
            ("children", "[string]"),
            ("capacity", "=Capacity"),
        ],
        &["users", "packages", "children", "capacity"],
    ),
    (
        "MemberUser",
        "A member of an organization or group.",
        &[
            ("id", "string"),
            ("name", "string"),
            ("fullname", "string?"),
            ("display_name", "string"),
            ("capacity", "=Capacity"),
            ("sysadmin", "boolean"),
            ("state", "string"),
        ],
        &[],
    ),
    (
        "User",
        "A user account. The e-mail is shown only to the user and to sysadmins.",
        &[
            ("id", "string"),
            ("name", "string"),
            ("fullname", "string?"),
            ("display_name", "string"),
            ("about", "string?"),
            ("created", "string"),
            ("email", "string"),
            ("sysadmin", "boolean"),
            ("state", "string"),
            ("image_display_url", "string"),
            ("number_created_packages", "integer"),
            ("activity_streams_email_notifications", "boolean"),
        ],
        &["email"],
    ),
    (
        "Member",
        "A membership.",
        &[
            ("id", "string"),
            ("table_name", "string"),
            ("table_id", "string"),
            ("capacity", "string"),
            ("group_id", "string"),
            ("state", "string"),
        ],
        &[],
    ),
    (
        "ApiToken",
        "An API token's metadata (never the token itself).",
        &[
            ("id", "string"),
            ("name", "string"),
            ("user_id", "string"),
            ("created_at", "string"),
            ("last_access", "string?"),
            ("expires_at", "string?"),
        ],
        &[],
    ),
    (
        "NewApiToken",
        "A new API token; the token is shown only this once.",
        &[("token", "string"), ("id", "string"), ("expires_at", "string?")],
        &[],
    ),
    (
        "Activity",
        "One entry of an activity stream.",
        &[
            ("id", "string"),
            ("timestamp", "string"),
            ("user_id", "string?"),
            ("object_id", "string"),
            ("activity_type", "string"),
            ("data", "object"),
        ],
        &[],
    ),
    (
        "SearchResult",
        "package_search's result. Datasets matching the query carry a highlight object.",
        &[
            ("count", "integer"),
            ("results", "[#Package]"),
            ("facets", "{{integer}}"),
            ("search_facets", "{#SearchFacet}"),
            ("sort", "string"),
        ],
        &[],
    ),
    ("SearchFacet", "The values of one facet field.", &[("title", "string"), ("items", "[#FacetItem]")], &[]),
    (
        "FacetItem",
        "One facet value and how many datasets have it.",
        &[("name", "string"), ("display_name", "string"), ("count", "integer")],
        &[],
    ),
    ("ResourceSearchResult", "resource_search's result.", &[("count", "integer"), ("results", "[#Resource]")], &[]),
    (
        "AutocompleteMatch",
        "A dataset suggested by package_autocomplete.",
        &[("match_field", "string"), ("match_displayed", "string"), ("name", "string"), ("title", "string")],
        &[],
    ),
    (
        "License",
        "A licence datasets may use.",
        &[
            ("id", "string"),
            ("title", "string"),
            ("title_vi", "string"),
            ("url", "string"),
            ("status", "string"),
            ("maintainer", "string"),
            ("family", "string"),
            ("od_conformance", "string"),
            ("osd_conformance", "string"),
            ("domain_content", "boolean"),
            ("domain_data", "boolean"),
            ("domain_software", "boolean"),
            ("is_generic", "boolean"),
            ("is_okd_compliant", "boolean"),
            ("is_osi_compliant", "boolean"),
        ],
        &[],
    ),
    (
        "Status",
        "status_show's result.",
        &[
            ("site_title", "string"),
            ("site_description", "string"),
            ("site_url", "string"),
            ("ckan_version", "string"),
            ("kho_version", "string"),
            ("locale_default", "string"),
            ("locales_offered", "[string]"),
            ("error_emails_to", "string?"),
            ("extensions", "[string]"),
        ],
        &[],
    ),
];

/// The codes of a closed vocabulary, by its type's name.
fn vocab_codes(name: &str) -> Option<Vec<&'static str>> {
    Some(match name {
        "AgencyKind" => AgencyKind::codes(),
        "Capacity" => Capacity::codes(),
        "DataImportance" => DataImportance::codes(),
        "DataSharing" => DataSharing::codes(),
        "DatasetState" => DatasetState::codes(),
        "UpdateFrequency" => UpdateFrequency::codes(),
        "DatabaseClass" => kho_datamap::vocab::DatabaseClass::codes(),
        "DatabaseStatus" => kho_datamap::vocab::DatabaseStatus::codes(),
        "Hosting" => kho_datamap::vocab::Hosting::codes(),
        "Platform" => kho_datamap::vocab::Platform::codes(),
        "ReviewState" => kho_datamap::vocab::ReviewState::codes(),
        _ => return None,
    })
}

/// A JSON Schema from the tables' notation: `string`, `integer`,
/// `number`, `boolean`, `object`, `null`, `any`; `#Name` a component; `=Name` a
/// vocabulary's codes; `[T]` a list of T; `{T}` an object of T values;
/// `list` a list of strings that may also come as a JSON string holding one
/// or as comma-separated text; `T?` T or null; `A|B` either. `None` for a
/// typo, which the tests catch.
fn schema(ty: &str) -> Option<Value> {
    if let Some((a, b)) = ty.split_once('|') {
        return Some(json!({"anyOf": [schema(a)?, schema(b)?]}));
    }
    if let Some(inner) = ty.strip_suffix('?') {
        return schema(inner).map(nullable);
    }
    if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return Some(json!({"type": "array", "items": schema(inner)?}));
    }
    if let Some(inner) = ty.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        return Some(json!({"type": "object", "additionalProperties": schema(inner)?}));
    }
    if let Some(name) = ty.strip_prefix('#') {
        return Some(json!({"$ref": format!("#/components/schemas/{name}")}));
    }
    if let Some(name) = ty.strip_prefix('=') {
        return vocab_codes(name).map(|codes| json!({"type": "string", "enum": codes}));
    }
    match ty {
        "string" | "integer" | "number" | "boolean" | "object" | "null" => Some(json!({"type": ty})),
        "any" => Some(json!({})),
        "list" => Some(json!({"type": ["array", "string"], "items": {"type": "string"}})),
        _ => None,
    }
}

/// `schema` for a query parameter: a list is sent as repeated keys there.
fn query_schema(ty: &str) -> Option<Value> {
    if ty == "list" { Some(json!({"type": "array", "items": {"type": "string"}})) } else { schema(ty) }
}

/// Allows null besides what `s` allows.
fn nullable(mut s: Value) -> Value {
    let Some(obj) = s.as_object_mut() else { return s };
    if let Some(Value::String(t)) = obj.get("type").cloned() {
        obj.insert("type".into(), json!([t, "null"]));
        if let Some(Value::Array(values)) = obj.get_mut("enum") {
            values.push(Value::Null);
        }
        return s;
    }
    json!({"anyOf": [s, {"type": "null"}]})
}

fn schema_or_any(ty: &str) -> Value {
    schema(ty).unwrap_or_else(|| json!({}))
}

fn with_description(mut s: Value, description: &str) -> Value {
    if !description.is_empty()
        && let Some(obj) = s.as_object_mut()
    {
        obj.insert("description".into(), Value::String(description.into()));
    }
    s
}

fn find_spec(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.name == name)
}

/// An action's parameters, each name once.
fn params(spec: Option<&'static Spec>) -> Vec<&'static Param> {
    let mut out: Vec<&'static Param> = Vec::new();
    for p in spec.map(|s| s.params).unwrap_or_default().iter().flat_map(|group| group.iter()) {
        if !out.iter().any(|q| q.0 == p.0) {
            out.push(p);
        }
    }
    out
}

fn object_schema(params: &[&Param], extra: Option<(&str, Value)>) -> Value {
    let mut props = Map::new();
    for p in params {
        props.insert(p.0.into(), with_description(schema_or_any(p.1), p.3));
    }
    if let Some((name, s)) = extra {
        props.insert(name.into(), s);
    }
    let mut s = json!({"type": "object", "properties": props});
    let required: Vec<&str> = params.iter().filter(|p| p.2).map(|p| p.0).collect();
    if !required.is_empty() {
        s["required"] = json!(required);
    }
    s
}

/// The API documentation's section of an action.
fn tag(name: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("package_", "Datasets"),
        ("dataset_", "Datasets"),
        ("current_package_", "Datasets"),
        ("resource_", "Resources"),
        ("organization_", "Organizations"),
        ("group_", "Groups"),
        ("member_", "Organizations"),
        ("tag_", "Tags"),
        ("user_", "Users"),
        ("api_token_", "Users"),
    ];
    PREFIXES.iter().find(|(p, _)| name.starts_with(p)).map_or("Site", |(_, t)| t)
}

const TAGS: &[&str] = &["Site", "Datasets", "Resources", "Organizations", "Groups", "Tags", "Users"];

fn responses(result: &str) -> Value {
    let mut out = Map::new();
    let envelope = json!({"allOf": [
        {"$ref": "#/components/schemas/Envelope"},
        {"properties": {"result": schema_or_any(result)}},
    ]});
    out.insert(
        "200".into(),
        json!({"description": "The action's result in CKAN's envelope.", "content": {"application/json": {"schema": envelope}}}),
    );
    for (_, status, _) in CODES {
        out.insert(status.to_string(), json!({"$ref": format!("#/components/responses/Error{status}")}));
    }
    Value::Object(out)
}

fn path_item(def: &ActionDef) -> Value {
    let spec = find_spec(def.name);
    let params = params(spec);
    let result = spec.map_or("any", |s| s.result);
    let summary = def.doc.split(". ").next().unwrap_or(def.doc).trim_end_matches('.');
    let operation = |operation_id: String| {
        json!({
            "operationId": operation_id,
            "summary": summary,
            "description": def.doc,
            "tags": [tag(def.name)],
            "responses": responses(result),
        })
    };
    let mut post = operation(def.name.to_string());
    let mut content = Map::new();
    content.insert("application/json".into(), json!({"schema": object_schema(&params, None)}));
    if def.upload {
        // `format: binary` besides `contentMediaType` because Swagger UI
        // still needs it to offer a file picker.
        let file = json!({"type": "string", "format": "binary", "contentMediaType": "application/octet-stream",
            "description": "The file to store as the resource."});
        content.insert("multipart/form-data".into(), json!({"schema": object_schema(&params, Some(("upload", file)))}));
    }
    post["requestBody"] = json!({"required": params.iter().any(|p| p.2), "content": content});
    let mut item = Map::new();
    if def.read {
        let mut get = operation(format!("{}_get", def.name));
        let query: Vec<Value> = params
            .iter()
            .map(|p| {
                let s = query_schema(p.1).unwrap_or_else(|| json!({}));
                json!({"name": p.0, "in": "query", "required": p.2, "description": p.3, "schema": s})
            })
            .collect();
        if !query.is_empty() {
            get["parameters"] = Value::Array(query);
        }
        item.insert("get".into(), get);
    }
    item.insert("post".into(), post);
    Value::Object(item)
}

/// What a client may take an error status to mean.
fn kind_meaning(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "The object does not exist, or the caller may not know that it does.",
        ErrorKind::Forbidden => "The caller is not allowed, or the API token is unknown, revoked or expired.",
        ErrorKind::Validation => "The input is wrong: the error maps each field to its messages.",
        ErrorKind::BadRequest => "The request is malformed: bad JSON, unknown action, GET for a write action.",
        ErrorKind::TooLarge => "The body, query string or upload exceeds a configured limit.",
        ErrorKind::Unavailable => "The server is busy or the request took too long; retry later.",
        ErrorKind::Internal => "Kho failed; the details are in the server's log.",
    }
}

fn component_schemas() -> Map<String, Value> {
    let mut types: Vec<&str> = Vec::new();
    for (_, _, t) in CODES {
        if !types.contains(t) {
            types.push(t);
        }
    }
    let languages: Map<String, Value> =
        LANGUAGES.iter().map(|l| ((*l).to_string(), json!({"type": "string"}))).collect();
    let mut out = Map::new();
    out.insert(
        "Envelope".into(),
        json!({
            "type": "object",
            "description": "CKAN's envelope of a successful action.",
            "required": ["help", "success", "result"],
            "properties": {
                "help": {"type": "string", "description": "URL of help_show for the action."},
                "success": {"const": true},
                "result": {},
            },
        }),
    );
    out.insert(
        "ErrorEnvelope".into(),
        json!({
            "type": "object",
            "description": "CKAN's envelope of a failed action.",
            "required": ["success", "error"],
            "properties": {
                "help": {"type": "string", "description": "URL of help_show for the action."},
                "success": {"const": false},
                "error": {"$ref": "#/components/schemas/Error"},
            },
        }),
    );
    out.insert(
        "Error".into(),
        json!({
            "type": "object",
            "description": "What went wrong. Validation errors map each field to a list of messages instead of giving a message.",
            "required": ["__type"],
            "properties": {
                "__type": {"type": "string", "enum": types},
                "message": {"type": "string"},
            },
        }),
    );
    out.insert(
        "Translated".into(),
        json!({"type": "object", "description": "Text per language code.", "properties": languages}),
    );
    for (name, description, fields, optional) in COMPONENTS {
        let props: Map<String, Value> = fields.iter().map(|(f, t)| ((*f).to_string(), schema_or_any(t))).collect();
        let required: Vec<&str> = fields.iter().map(|(f, _)| *f).filter(|f| !optional.contains(f)).collect();
        out.insert(
            (*name).to_string(),
            json!({"type": "object", "description": description, "properties": props, "required": required}),
        );
    }
    out
}

fn error_responses() -> Map<String, Value> {
    CODES
        .iter()
        .map(|(kind, status, ty)| {
            let description = format!("{ty}: {}", kind_meaning(*kind));
            let content = json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}});
            (format!("Error{status}"), json!({"description": description, "content": content}))
        })
        .collect()
}

/// The OpenAPI 3.1 document of the Action API of the site at `site_url`.
pub fn document(site_url: &str) -> Value {
    let paths: Map<String, Value> =
        ACTIONS.iter().map(|def| (format!("/api/3/action/{}", def.name), path_item(def))).collect();
    let ckan = crate::CKAN_API_VERSION;
    let description = format!(
        "Kho's Action API follows CKAN {ckan}'s, so clients written for CKAN (such as ckanapi) work unchanged. \
         Every answer is CKAN's envelope: {{\"help\", \"success\", \"result\"}} or, on failure, {{\"help\", \"success\": false, \"error\"}}.\n\n\
         Action API của Kho tuân theo Action API của CKAN {ckan}, nên các ứng dụng viết cho CKAN (như ckanapi) dùng được ngay. \
         Mọi phản hồi đều theo khuôn của CKAN: {{\"help\", \"success\", \"result\"}} hoặc, khi lỗi, {{\"help\", \"success\": false, \"error\"}}."
    );
    let token_doc = "An API token from api_token_create, raw or as `Bearer <token>`. Without one the caller is \
                     anonymous; an unknown, revoked or expired token is refused.";
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Kho Action API", "version": env!("CARGO_PKG_VERSION"), "description": description},
        "servers": [{"url": if site_url.is_empty() { "/" } else { site_url }}],
        // `{}` last: every action can be called anonymously; the token decides what the caller may do.
        "security": [{"ApiToken": []}, {"CkanApiKey": []}, {}],
        "tags": TAGS.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "securitySchemes": {
                "ApiToken": {"type": "apiKey", "in": "header", "name": "Authorization", "description": token_doc},
                "CkanApiKey": {"type": "apiKey", "in": "header", "name": "X-CKAN-API-Key",
                    "description": "The API token, in the header ckanapi sends."},
            },
            "schemas": component_schemas(),
            "responses": error_responses(),
        },
    })
}

/// `GET /api/openapi.json`.
pub async fn serve(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi.clone()).into_response()
}

/// The document as bytes, built once per server (it is a quarter of a
/// megabyte and changes only with the site URL).
pub fn bytes(site_url: &str) -> Bytes {
    Bytes::from(json_bytes(&document(site_url)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        document("https://data.example.vn")
    }

    #[test]
    fn every_action_has_its_methods() {
        let d = doc();
        for def in ACTIONS {
            let item = &d["paths"][format!("/api/3/action/{}", def.name)];
            assert!(item.is_object(), "{} has no path", def.name);
            assert!(item["post"]["requestBody"]["content"]["application/json"].is_object(), "{}", def.name);
            assert_eq!(item["get"].is_object(), def.read, "{}", def.name);
            let multipart = &item["post"]["requestBody"]["content"]["multipart/form-data"];
            assert_eq!(multipart.is_object(), def.upload, "{}", def.name);
            if def.upload {
                assert_eq!(multipart["schema"]["properties"]["upload"]["format"], "binary", "{}", def.name);
            }
        }
        assert_eq!(d["paths"].as_object().map(Map::len), Some(ACTIONS.len()));
    }

    #[test]
    fn specs_match_the_actions() {
        let names: Vec<&str> = ACTIONS.iter().map(|a| a.name).collect();
        let specs: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
        assert_eq!(names, specs);
    }

    #[test]
    fn every_type_is_understood() {
        for s in SPECS {
            assert!(schema(s.result).is_some(), "{}: {}", s.name, s.result);
            for p in params(Some(s)) {
                assert!(schema(p.1).is_some(), "{}.{}: {}", s.name, p.0, p.1);
            }
        }
        for (name, _, fields, optional) in COMPONENTS {
            for (f, t) in *fields {
                assert!(schema(t).is_some(), "{name}.{f}: {t}");
            }
            for f in *optional {
                assert!(fields.iter().any(|(g, _)| g == f), "{name}: optional {f} is no field");
            }
        }
    }

    #[test]
    fn notation() {
        assert_eq!(schema("string?"), Some(json!({"type": ["string", "null"]})));
        assert_eq!(schema("[#Tag]"), Some(json!({"type": "array", "items": {"$ref": "#/components/schemas/Tag"}})));
        assert_eq!(schema("=Capacity?").map(|s| s["enum"].clone()), Some(json!(["member", "editor", "admin", null])));
        assert_eq!(schema("#Tag?"), Some(json!({"anyOf": [{"$ref": "#/components/schemas/Tag"}, {"type": "null"}]})));
        assert_eq!(schema("strng"), None);
        assert_eq!(schema("=Nope"), None);
    }

    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    out.push(r);
                }
                o.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn every_ref_resolves() {
        let d = doc();
        let mut all = Vec::new();
        refs(&d, &mut all);
        assert!(all.len() > 100);
        for r in all {
            let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {r}"));
            assert!(d.pointer(pointer).is_some(), "{r} does not resolve");
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let d = doc();
        let mut ids: Vec<&str> = d["paths"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.values())
            .flat_map(|item| item.as_object().into_iter().flat_map(|o| o.values()))
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(n, ids.len());
        assert_eq!(n, ACTIONS.len() + ACTIONS.iter().filter(|a| a.read).count());
    }

    #[test]
    fn errors_follow_the_codes() {
        let d = doc();
        let responses = &d["paths"]["/api/3/action/package_create"]["post"]["responses"];
        for status in ["200", "400", "403", "404", "409", "413"] {
            assert!(responses[status].is_object(), "{status}");
        }
        assert_eq!(d["servers"][0]["url"], "https://data.example.vn");
        assert_eq!(d["openapi"], "3.1.0");
    }
}
