//! Evidence: what backs a reported figure or a task's progress. An item is
//! a legal or administrative document (its number and date, and where it
//! can be read), a link to a page, or a dataset published on this node.
//!
//! [`parse`] reads a list sent by a client and reports every problem it
//! finds as a [`FieldProblem`] (which item, which field, what is wrong), so
//! a form can show each error beside its field.

use crate::check::{FieldProblem, Problem};
use kho_core::timefmt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Most items one record may carry.
pub const MAX_ITEMS: usize = 20;
/// Longest title, in characters.
pub const TITLE_MAX: usize = 300;
/// Longest address, in characters.
pub const URL_MAX: usize = 2000;
/// Longest document number (`"142/QĐ-TTg"`), in characters.
pub const NUMBER_MAX: usize = 60;
/// Longest dataset name, as the catalog's names.
pub const DATASET_MAX: usize = kho_core::names::NAME_MAX;

/// What an item of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A legal or administrative document (*văn bản*): numbered and dated.
    Document,
    /// A web page.
    Link,
    /// A dataset published on this node, by name.
    Dataset,
}

impl EvidenceKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [EvidenceKind; 3] = [EvidenceKind::Document, EvidenceKind::Link, EvidenceKind::Dataset];

    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            EvidenceKind::Document => "document",
            EvidenceKind::Link => "link",
            EvidenceKind::Dataset => "dataset",
        }
    }

    /// Parses a wire code.
    pub fn parse(code: &str) -> Option<EvidenceKind> {
        EvidenceKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The label in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            EvidenceKind::Document => "Văn bản",
            EvidenceKind::Link => "Liên kết",
            EvidenceKind::Dataset => "Bộ dữ liệu",
        }
    }

    /// The label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            EvidenceKind::Document => "Document",
            EvidenceKind::Link => "Link",
            EvidenceKind::Dataset => "Dataset",
        }
    }
}

/// One item of evidence, as stored and served. Fields a kind does not use
/// are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What it is, in a few words.
    pub title: String,
    /// Its kind.
    pub kind: EvidenceKind,
    /// Where it can be read (`http` or `https`): required for a link,
    /// optional for a document, never for a dataset.
    pub url: Option<String>,
    /// The dataset's name on this node (datasets only).
    pub dataset: Option<String>,
    /// The document's number and symbol, as printed (documents only).
    pub number: Option<String>,
    /// The date the document was issued, `YYYY-MM-DD` (documents only).
    pub date: Option<String>,
}

const ITEM_FIELDS: [&str; 6] = ["title", "kind", "url", "dataset", "number", "date"];

/// Reads a list of evidence. `today` (`YYYY-MM-DD`) bounds documents'
/// dates. Absent or `null` is an empty list. Every problem is reported,
/// not only the first.
pub fn parse(value: Option<&Value>, today: &str) -> Result<Vec<Evidence>, Vec<FieldProblem>> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(vec![FieldProblem::field("evidence", Problem::NotList)]),
    };
    if items.len() > MAX_ITEMS {
        return Err(vec![FieldProblem::field("evidence", Problem::TooMany)]);
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::Object(map) => match parse_item(i, map, today) {
                Ok(e) => out.push(e),
                Err(mut p) => problems.append(&mut p),
            },
            _ => problems.push(FieldProblem::item(i, "title", Problem::NotObject)),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// An optional text of an item: trimmed, `None` when empty.
fn text(
    i: usize,
    map: &Map<String, Value>,
    field: &'static str,
    max: usize,
    problems: &mut Vec<FieldProblem>,
) -> Option<String> {
    match map.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.chars().count() > max {
                problems.push(FieldProblem::item(i, field, Problem::TooLong(max)));
                None
            } else if s.is_empty() {
                None
            } else {
                Some(s.to_string())
            }
        }
        Some(_) => {
            problems.push(FieldProblem::item(i, field, Problem::NotText));
            None
        }
    }
}

fn parse_item(i: usize, map: &Map<String, Value>, today: &str) -> Result<Evidence, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    for key in map.keys() {
        if !ITEM_FIELDS.contains(&key.as_str()) {
            // The first field names the item in forms; an unknown key has no field of its own.
            problems.push(FieldProblem::item(i, "title", Problem::UnknownField));
        }
    }
    let title = text(i, map, "title", TITLE_MAX, &mut problems);
    if title.is_none() && !problems.iter().any(|p| p.field == "title" && p.problem != Problem::UnknownField) {
        problems.push(FieldProblem::item(i, "title", Problem::Missing));
    }
    let kind = match text(i, map, "kind", 20, &mut problems) {
        Some(k) => {
            let kind = EvidenceKind::parse(&k);
            if kind.is_none() {
                problems.push(FieldProblem::item(i, "kind", Problem::Kind));
            }
            kind
        }
        None => {
            if !problems.iter().any(|p| p.field == "kind") {
                problems.push(FieldProblem::item(i, "kind", Problem::Missing));
            }
            None
        }
    };
    let url = text(i, map, "url", URL_MAX, &mut problems);
    let dataset = text(i, map, "dataset", DATASET_MAX, &mut problems);
    let number = text(i, map, "number", NUMBER_MAX, &mut problems);
    let date = text(i, map, "date", 10, &mut problems);
    if let Some(u) = &url
        && let Err(p) = check_url(u)
    {
        problems.push(FieldProblem::item(i, "url", p));
    }
    if let Some(d) = &dataset
        && kho_core::names::check_name(d).is_err()
    {
        problems.push(FieldProblem::item(i, "dataset", Problem::DatasetName));
    }
    let date = match date {
        Some(d) => match timefmt::parse_date(&d) {
            Some(parsed) => {
                let d = timefmt::format_date(parsed);
                // Fixed-width ISO dates compare as text.
                if d.as_str() > today {
                    problems.push(FieldProblem::item(i, "date", Problem::FutureDate));
                }
                Some(d)
            }
            None => {
                problems.push(FieldProblem::item(i, "date", Problem::Date));
                None
            }
        },
        None => None,
    };
    if let Some(kind) = kind {
        let given =
            |f: &str| map.get(f).is_some_and(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()));
        let mut require = |field: &'static str, present: bool| {
            if !present && !problems.iter().any(|p| p.field == field) {
                problems.push(FieldProblem::item(i, field, Problem::Missing));
            }
        };
        match kind {
            EvidenceKind::Document => {
                require("number", number.is_some());
                require("date", date.is_some() || given("date"));
            }
            EvidenceKind::Link => require("url", url.is_some() || given("url")),
            EvidenceKind::Dataset => require("dataset", dataset.is_some() || given("dataset")),
        }
        let unused: &[&'static str] = match kind {
            EvidenceKind::Document => &["dataset"],
            EvidenceKind::Link => &["dataset", "number", "date"],
            EvidenceKind::Dataset => &["url", "number", "date"],
        };
        for field in unused {
            if given(field) {
                problems.push(FieldProblem::item(i, field, Problem::NotForKind(kind)));
            }
        }
    }
    match (title, kind) {
        (Some(title), Some(kind)) if problems.is_empty() => Ok(Evidence { title, kind, url, dataset, number, date }),
        _ => Err(problems),
    }
}

/// Checks a web address ([`kho_core::names::check_http_url`]) and its length.
pub fn check_url(url: &str) -> Result<(), Problem> {
    use kho_core::names::UrlProblem;
    if url.chars().count() > URL_MAX {
        return Err(Problem::TooLong(URL_MAX));
    }
    kho_core::names::check_http_url(url).map_err(|p| match p {
        UrlProblem::Scheme => Problem::UrlScheme,
        UrlProblem::Spaces => Problem::UrlSpaces,
        UrlProblem::Host => Problem::UrlHost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const TODAY: &str = "2026-06-30";

    fn problems(v: Value) -> Vec<(Option<usize>, &'static str, Problem)> {
        parse(Some(&v), TODAY).unwrap_err().into_iter().map(|p| (p.index, p.field, p.problem)).collect()
    }

    #[test]
    fn each_kind_reads_its_fields() {
        let list = json!([
            {"title": "Quyết định phê duyệt", "kind": "document", "number": "142/QĐ-TTg", "date": "2024-02-02",
             "url": "https://vanban.chinhphu.vn/?docid=209524"},
            {"title": "Cổng dữ liệu", "kind": "link", "url": "HTTP://data.gov.vn/"},
            {"title": "Danh mục", "kind": "dataset", "dataset": "co-so-kham-chua-benh", "url": null, "number": ""},
        ]);
        let got = parse(Some(&list), TODAY).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].number.as_deref(), Some("142/QĐ-TTg"));
        assert_eq!(got[0].date.as_deref(), Some("2024-02-02"));
        assert_eq!(got[1].url.as_deref(), Some("HTTP://data.gov.vn/"));
        assert_eq!((got[2].dataset.as_deref(), got[2].number.as_deref()), (Some("co-so-kham-chua-benh"), None));
        assert_eq!(parse(None, TODAY), Ok(vec![]));
        assert_eq!(parse(Some(&Value::Null), TODAY), Ok(vec![]));
    }

    #[test]
    fn problems_are_reported_field_by_field() {
        let got = problems(json!([
            {"title": "Ổn", "kind": "link", "url": "https://a.vn"},
            {"kind": "link", "url": "ftp://a.vn/x"},
            {"title": "x", "kind": "document", "date": "2024-02-30"},
            {"title": "y", "kind": "dataset", "dataset": "Tên Có Dấu", "date": "2025-01-01"},
            {"title": "z", "kind": "report"},
            "not an object",
            {"title": "w", "kind": "document", "number": "1/KH", "date": "2027-01-01", "colour": "red"},
            {"title": "v", "kind": "link", "url": "https:///path only"},
        ]));
        assert_eq!(
            got,
            vec![
                (Some(1), "title", Problem::Missing),
                (Some(1), "url", Problem::UrlScheme),
                (Some(2), "date", Problem::Date),
                (Some(2), "number", Problem::Missing),
                (Some(3), "dataset", Problem::DatasetName),
                (Some(3), "date", Problem::NotForKind(EvidenceKind::Dataset)),
                (Some(4), "kind", Problem::Kind),
                (Some(5), "title", Problem::NotObject),
                (Some(6), "title", Problem::UnknownField),
                (Some(6), "date", Problem::FutureDate),
                (Some(7), "url", Problem::UrlSpaces),
            ]
        );
        assert_eq!(problems(json!({"title": "x"})), vec![(None, "evidence", Problem::NotList)]);
        let many: Vec<Value> =
            (0..=MAX_ITEMS).map(|_| json!({"title": "x", "kind": "link", "url": "https://a.vn"})).collect();
        assert_eq!(problems(Value::Array(many)), vec![(None, "evidence", Problem::TooMany)]);
        assert_eq!(
            problems(
                json!([{"title": "x".repeat(TITLE_MAX + 1), "kind": "link", "url": "https://a.vn", "number": "1"}])
            ),
            vec![
                (Some(0), "title", Problem::TooLong(TITLE_MAX)),
                (Some(0), "number", Problem::NotForKind(EvidenceKind::Link))
            ]
        );
    }

    #[test]
    fn addresses() {
        for ok in ["https://a.vn", "http://a.vn:8080/x?y=1#z", "https://user@data.gov.vn/", "https://[::1]/x"] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        for (bad, p) in [
            ("javascript:alert(1)", Problem::UrlScheme),
            ("data.gov.vn", Problem::UrlScheme),
            ("ftp://a.vn", Problem::UrlScheme),
            ("https://", Problem::UrlHost),
            ("https://:80/x", Problem::UrlHost),
            ("https://a..vn", Problem::UrlHost),
            ("https://a.vn/x y", Problem::UrlSpaces),
            ("https://a.vn/\u{7}", Problem::UrlSpaces),
        ] {
            assert_eq!(check_url(bad), Err(p), "{bad}");
        }
    }

    fn host() -> impl Strategy<Value = String> {
        "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\\.[a-z0-9]{1,10}){1,3}"
    }

    proptest! {
        /// Whatever a client sends, the parser answers without panicking,
        /// and every problem points at a field items have and an item the
        /// list has.
        #[test]
        fn never_panics_and_points_at_real_fields(
            items in proptest::collection::vec(
                proptest::collection::btree_map(
                    prop_oneof![Just("title".to_string()), Just("kind".to_string()), Just("url".to_string()),
                                Just("dataset".to_string()), Just("number".to_string()), Just("date".to_string()),
                                "[a-z]{1,6}"],
                    prop_oneof![".{0,40}".prop_map(Value::String), Just(Value::Null), any::<i64>().prop_map(Value::from),
                                prop_oneof![Just("document"), Just("link"), Just("dataset")].prop_map(Value::from)],
                    0..7),
                0..6),
        ) {
            let list = Value::Array(items.into_iter().map(|m| Value::Object(m.into_iter().collect())).collect());
            let n = list.as_array().map_or(0, Vec::len);
            match parse(Some(&list), TODAY) {
                Ok(parsed) => prop_assert_eq!(parsed.len(), n),
                Err(problems) => {
                    prop_assert!(!problems.is_empty());
                    for p in problems {
                        prop_assert!(p.index.is_some_and(|i| i < n));
                        prop_assert!(ITEM_FIELDS.contains(&p.field));
                    }
                }
            }
        }

        /// A web address on a host is accepted as given, whatever its path.
        #[test]
        fn http_addresses_pass(scheme in prop_oneof![Just("http"), Just("https"), Just("HTTPS")], host in host(),
                               path in "(/[A-Za-z0-9._~%-]{0,12}){0,4}(\\?[a-z]=[0-9]{1,3})?") {
            let url = format!("{scheme}://{host}{path}");
            prop_assert_eq!(check_url(&url), Ok(()));
            let item = serde_json::json!([{"title": "t", "kind": "link", "url": url.clone()}]);
            let parsed = parse(Some(&item), TODAY).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(parsed[0].url.as_deref(), Some(url.as_str()));
        }

        /// Nothing but http and https gets through, whatever follows.
        #[test]
        fn other_schemes_fail(scheme in "[a-z][a-z0-9+.-]{0,8}", rest in "[^ ]{0,30}") {
            prop_assume!(scheme != "http" && scheme != "https");
            prop_assert_eq!(check_url(&format!("{scheme}:{rest}")), Err(Problem::UrlScheme));
        }
    }
}
