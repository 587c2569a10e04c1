//! Metadata quality of a dataset, scored on Kho's point table: the five
//! dimensions of the data.europa.eu Metadata Quality Assessment
//! (findability, accessibility, interoperability, reusability,
//! contextuality), adapted to what Kho records, plus openness and
//! timeliness, which the Decision's "đúng, đủ, sạch, sống" asks about.
//! The table is [`CRITERIA`]; `docs/QUALITY.md` publishes it (a test keeps
//! the two in step).
//!
//! Pure functions of a dataset as `package_show` returns it and today's
//! date: no I/O, so the same dataset always scores the same.

use crate::model::{Package, Resource};
use crate::vocab::{DataSharing, UpdateFrequency, Vocabulary};
use serde::Serialize;

/// A dimension of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Findability,
    Accessibility,
    Interoperability,
    Reusability,
    Contextuality,
    Openness,
    Timeliness,
}

impl Dimension {
    /// Every dimension, in the order pages show them.
    pub const ALL: [Dimension; 7] = [
        Dimension::Findability,
        Dimension::Accessibility,
        Dimension::Interoperability,
        Dimension::Reusability,
        Dimension::Contextuality,
        Dimension::Openness,
        Dimension::Timeliness,
    ];

    /// Its name in the API.
    pub fn code(self) -> &'static str {
        match self {
            Dimension::Findability => "findability",
            Dimension::Accessibility => "accessibility",
            Dimension::Interoperability => "interoperability",
            Dimension::Reusability => "reusability",
            Dimension::Contextuality => "contextuality",
            Dimension::Openness => "openness",
            Dimension::Timeliness => "timeliness",
        }
    }
}

/// One line of the point table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Criterion {
    pub id: &'static str,
    pub dimension: Dimension,
    pub points: u32,
    pub label_vi: &'static str,
    pub label_en: &'static str,
}

const fn c(
    id: &'static str,
    dimension: Dimension,
    points: u32,
    label_vi: &'static str,
    label_en: &'static str,
) -> Criterion {
    Criterion { id, dimension, points, label_vi, label_en }
}

use Dimension::*;

/// Kho's point table (600 points).
pub const CRITERIA: &[Criterion] = &[
    c("keywords", Findability, 30, "Có từ khóa", "Has keywords"),
    c("themes", Findability, 30, "Thuộc ít nhất một chủ đề", "Belongs to a theme"),
    c("spatial", Findability, 20, "Có phạm vi không gian (địa bàn)", "Has spatial coverage"),
    c("temporal", Findability, 20, "Có phạm vi thời gian", "Has temporal coverage"),
    c("access_url", Accessibility, 50, "Mọi tài nguyên có địa chỉ truy cập", "Every resource has an access URL"),
    c("download", Accessibility, 50, "Có tệp tải về trực tiếp", "Has a direct download"),
    c("format", Interoperability, 20, "Mọi tài nguyên khai báo định dạng", "Every resource declares its format"),
    c(
        "media_type",
        Interoperability,
        10,
        "Mọi tài nguyên khai báo kiểu nội dung",
        "Every resource declares its media type",
    ),
    c("known_format", Interoperability, 10, "Định dạng thuộc danh mục đã biết", "Formats are from the known list"),
    c("non_proprietary", Interoperability, 20, "Có định dạng không độc quyền", "Has a non-proprietary format"),
    c("machine_readable", Interoperability, 20, "Có định dạng máy đọc được", "Has a machine-readable format"),
    c(
        "bilingual",
        Interoperability,
        30,
        "Tiêu đề và mô tả có cả tiếng Việt và tiếng Anh",
        "Title and description in Vietnamese and English",
    ),
    c("license", Reusability, 20, "Khai báo giấy phép", "Declares a licence"),
    c("known_license", Reusability, 10, "Giấy phép thuộc danh mục", "The licence is from the register"),
    c(
        "access_rights",
        Reusability,
        10,
        "Khai báo mức chia sẻ (Luật Dữ liệu)",
        "Declares its sharing level (Law on Data)",
    ),
    c("contact_point", Reusability, 20, "Có đầu mối liên hệ (thư điện tử)", "Has a contact point (email)"),
    c("publisher", Reusability, 10, "Có cơ quan công bố", "Has a publisher"),
    c("description", Contextuality, 10, "Có mô tả đủ dài (≥ 100 ký tự)", "Has a description (≥ 100 characters)"),
    c("byte_size", Contextuality, 5, "Mọi tài nguyên khai báo dung lượng", "Every resource declares its size"),
    c("update_frequency", Contextuality, 5, "Khai báo tần suất cập nhật", "Declares its update frequency"),
    c("open_license", Openness, 40, "Giấy phép mở", "Open licence"),
    c("open_format", Openness, 30, "Có định dạng mở, máy đọc được", "Has an open, machine-readable format"),
    c("public", Openness, 30, "Dữ liệu mở (công khai)", "Open data (public)"),
    c("current", Timeliness, 50, "Được cập nhật đúng tần suất đã khai báo", "Updated as often as declared"),
    c("recent", Timeliness, 50, "Cập nhật trong vòng một năm", "Updated within a year"),
];

/// Formats read by machines without a proprietary program.
const OPEN_MACHINE: &[&str] = &[
    "csv", "tsv", "json", "geojson", "ndjson", "jsonl", "xml", "rdf", "ttl", "jsonld", "parquet", "ods", "txt", "gpkg",
    "kml", "gml", "api",
];
/// Machine-readable but proprietary.
const PROPRIETARY_MACHINE: &[&str] = &["xlsx", "xls", "shp", "mdb", "accdb", "sav", "dta"];
/// Known, but meant for people.
const HUMAN: &[&str] =
    &["pdf", "doc", "docx", "odt", "html", "htm", "png", "jpg", "jpeg", "gif", "svg", "zip", "ppt", "pptx"];

/// A rating band, as the MQA names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Excellent,
    Good,
    Sufficient,
    Bad,
}

impl Rating {
    /// Every rating, best first.
    pub const ALL: [Rating; 4] = [Rating::Excellent, Rating::Good, Rating::Sufficient, Rating::Bad];

    /// The band of a share of the points (0–1): ≥ 85 % excellent, ≥ 55 %
    /// good, ≥ 30 % sufficient (the MQA's 351/221/121 of 405, rounded).
    pub fn of(share: f64) -> Rating {
        if share >= 0.85 {
            Rating::Excellent
        } else if share >= 0.55 {
            Rating::Good
        } else if share >= 0.30 {
            Rating::Sufficient
        } else {
            Rating::Bad
        }
    }

    /// Its name in the API.
    pub fn code(self) -> &'static str {
        match self {
            Rating::Excellent => "excellent",
            Rating::Good => "good",
            Rating::Sufficient => "sufficient",
            Rating::Bad => "bad",
        }
    }
}

/// One criterion's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub dimension: Dimension,
    pub points: u32,
    pub passed: bool,
}

/// A dimension's points.
#[derive(Debug, Clone, Serialize)]
pub struct DimensionScore {
    pub dimension: Dimension,
    pub score: u32,
    pub max: u32,
}

/// A dataset's assessment.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub score: u32,
    pub max: u32,
    /// `score / max`, 0–100, rounded.
    pub percent: u32,
    pub rating: Rating,
    pub dimensions: Vec<DimensionScore>,
    pub checks: Vec<Check>,
}

fn format_of(r: &Resource) -> String {
    let f = r.format.as_deref().unwrap_or("").trim().to_ascii_lowercase();
    if !f.is_empty() {
        return f;
    }
    let path = r.url.split(['?', '#']).next().unwrap_or("");
    path.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).filter(|e| e.len() <= 7).unwrap_or_default()
}

/// Days between two ISO dates or timestamps (`b - a`), if both parse.
fn days_between(a: &str, b: &str) -> Option<i64> {
    let day = |s: &str| -> Option<i64> {
        let d = s.get(..10)?;
        let date = time::Date::parse(d, &time::macros::format_description!("[year]-[month]-[day]")).ok()?;
        Some(i64::from(date.to_julian_day()))
    };
    Some(day(b)? - day(a)?)
}

/// How many days an update frequency allows between updates (`None`:
/// no promise to keep).
fn period_days(f: UpdateFrequency) -> Option<i64> {
    Some(match f {
        UpdateFrequency::Continuous | UpdateFrequency::Hourly | UpdateFrequency::Daily => 2,
        UpdateFrequency::Weekly => 8,
        UpdateFrequency::Monthly => 32,
        UpdateFrequency::Quarterly => 93,
        UpdateFrequency::Biannual => 184,
        UpdateFrequency::Annual => 366,
        UpdateFrequency::Irregular | UpdateFrequency::Never | UpdateFrequency::Unknown => return None,
    })
}

/// The last time the dataset or any of its resources changed.
pub fn last_update(pkg: &Package) -> &str {
    pkg.resources
        .iter()
        .filter_map(|r| r.last_modified.as_deref())
        .chain(std::iter::once(pkg.metadata_modified.as_str()))
        .max()
        .unwrap_or(pkg.metadata_modified.as_str())
}

/// Scores `pkg` on [`CRITERIA`] as of `today` (`YYYY-MM-DD`).
pub fn assess(pkg: &Package, today: &str) -> Assessment {
    let resources: Vec<&Resource> = pkg.resources.iter().filter(|r| r.state != "deleted").collect();
    let formats: Vec<String> = resources.iter().map(|r| format_of(r)).collect();
    let all = |f: &dyn Fn(&Resource) -> bool| !resources.is_empty() && resources.iter().all(|r| f(r));
    let any_format = |list: &[&str]| formats.iter().any(|f| list.contains(&f.as_str()));
    let text = |s: &Option<String>| s.as_deref().is_some_and(|v| !v.trim().is_empty());
    let notes_vi = pkg.notes.as_deref().unwrap_or("");
    let has_en = |m: &std::collections::BTreeMap<String, String>| m.get("en").is_some_and(|v| !v.trim().is_empty());
    let license = pkg.license_id.as_deref().filter(|l| !l.trim().is_empty() && *l != "notspecified");
    let frequency = pkg.update_frequency.as_deref().and_then(UpdateFrequency::parse);
    let age = days_between(last_update(pkg), today);
    let passed = |id: &str| -> bool {
        match id {
            "keywords" => !pkg.tags.is_empty(),
            "themes" => !pkg.groups.is_empty(),
            "spatial" => text(&pkg.spatial),
            "temporal" => text(&pkg.temporal_start) || text(&pkg.temporal_end),
            "access_url" => all(&|r| !r.url.trim().is_empty()),
            "download" => resources.iter().any(|r| {
                r.url_type.as_deref() == Some("upload")
                    || !format_of(r).is_empty() && format_of(r) != "api" && format_of(r) != "html"
            }),
            "format" => all(&|r| text(&r.format)),
            "media_type" => all(&|r| text(&r.mimetype)),
            "known_format" => {
                !formats.is_empty()
                    && formats.iter().all(|f| {
                        OPEN_MACHINE.contains(&f.as_str())
                            || PROPRIETARY_MACHINE.contains(&f.as_str())
                            || HUMAN.contains(&f.as_str())
                    })
            }
            "non_proprietary" => any_format(OPEN_MACHINE) || any_format(&["pdf", "html", "htm", "odt", "png", "svg"]),
            "machine_readable" => any_format(OPEN_MACHINE) || any_format(PROPRIETARY_MACHINE),
            "bilingual" => {
                has_en(&pkg.title_translated) && (notes_vi.trim().is_empty() || has_en(&pkg.notes_translated))
            }
            "license" => license.is_some(),
            "known_license" => license.is_some_and(|l| crate::licenses::find(l).is_some()),
            "access_rights" => !pkg.data_sharing.trim().is_empty(),
            "contact_point" => text(&pkg.maintainer_email) || text(&pkg.author_email),
            "publisher" => pkg.organization.is_some(),
            "description" => notes_vi.trim().chars().count() >= 100,
            "byte_size" => all(&|r| r.size.is_some_and(|s| s > 0)),
            "update_frequency" => frequency.is_some_and(|f| f != UpdateFrequency::Unknown),
            "open_license" => pkg.isopen,
            "open_format" => any_format(OPEN_MACHINE),
            "public" => !pkg.private && DataSharing::parse(&pkg.data_sharing).is_some_and(|s| s.code() == "open"),
            "current" => match (frequency.and_then(period_days), age) {
                (Some(p), Some(a)) => a <= p,
                // Irregular or never updated: nothing promised, nothing broken.
                (None, Some(_)) => {
                    frequency.is_some_and(|f| matches!(f, UpdateFrequency::Irregular | UpdateFrequency::Never))
                }
                _ => false,
            },
            "recent" => age.is_some_and(|a| a <= 366),
            _ => false,
        }
    };
    let checks: Vec<Check> = CRITERIA
        .iter()
        .map(|c| Check { id: c.id, dimension: c.dimension, points: c.points, passed: passed(c.id) })
        .collect();
    let dimensions: Vec<DimensionScore> = Dimension::ALL
        .iter()
        .map(|&d| DimensionScore {
            dimension: d,
            score: checks.iter().filter(|c| c.dimension == d && c.passed).map(|c| c.points).sum(),
            max: checks.iter().filter(|c| c.dimension == d).map(|c| c.points).sum(),
        })
        .collect();
    let score: u32 = dimensions.iter().map(|d| d.score).sum();
    let max: u32 = dimensions.iter().map(|d| d.max).sum();
    let share = if max == 0 { 0.0 } else { f64::from(score) / f64::from(max) };
    Assessment { score, max, percent: (share * 100.0).round() as u32, rating: Rating::of(share), dimensions, checks }
}

/// A table's latest validation, for the validity score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableValidation {
    /// `true` when the file could be validated (`success` or `failure`);
    /// `false` when it could not be read as a table at all (`error`).
    pub readable: bool,
    /// Data rows read.
    pub rows: u64,
    /// Rows with at least one error.
    pub invalid_rows: u64,
}

/// Validity: the mean, over a dataset's validated tables, of each table's
/// share of valid rows (0–100). A table that cannot be read counts 0; an
/// empty table counts 100. `None` when no table was validated.
pub fn validity(tables: &[TableValidation]) -> Option<f64> {
    if tables.is_empty() {
        return None;
    }
    let sum: f64 = tables
        .iter()
        .map(|t| match (t.readable, t.rows) {
            (false, _) => 0.0,
            (true, 0) => 100.0,
            (true, n) => 100.0 * n.saturating_sub(t.invalid_rows) as f64 / n as f64,
        })
        .sum();
    Some(sum / tables.len() as f64)
}

/// The weights of the overall score (`docs/QUALITY.md`): metadata (which
/// holds openness and timeliness), validity, availability, uniqueness.
pub const OVERALL_WEIGHTS: [(&str, f64); 4] =
    [("metadata", 0.6), ("validity", 0.2), ("availability", 0.1), ("uniqueness", 0.1)];

/// Whether a dataset counts as open data "meeting the quality threshold"
/// for the Strategy's indicator (target III.2.c: quality open data, without
/// duplication): an overall score of at least 55 (the "good" band) and no
/// likely duplicate in the catalog.
pub fn meets_open_data_threshold(overall: f64, uniqueness: Option<f64>) -> bool {
    overall >= 55.0 && uniqueness != Some(0.0)
}

/// The overall score (0–100): the weighted mean of the parts a dataset
/// has, each 0–100 (`None` parts are left out and the weights of the rest
/// scaled up, so a dataset without tables or links is not punished).
/// Uniqueness is 100 without likely duplicates in the catalog, else 0.
pub fn overall(metadata: f64, validity: Option<f64>, availability: Option<f64>, uniqueness: Option<f64>) -> f64 {
    let parts = [Some(metadata), validity, availability, uniqueness];
    let (mut sum, mut weight) = (0.0, 0.0);
    for ((_, w), p) in OVERALL_WEIGHTS.iter().zip(parts) {
        if let Some(p) = p {
            sum += w * p.clamp(0.0, 100.0);
            weight += w;
        }
    }
    if weight > 0.0 { sum / weight } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn package(v: serde_json::Value) -> Package {
        let mut base = json!({
            "id": "1", "name": "d", "title": "Dân số", "metadata_created": "2026-01-01T00:00:00.000000",
            "metadata_modified": "2026-11-01T00:00:00.000000", "state": "active", "private": false,
            "isopen": false, "num_resources": 0, "num_tags": 0, "type": "dataset",
            "data_sharing": "open", "data_importance": "other", "extras": [], "groups": [], "resources": [], "tags": [],
            "relationships_as_object": [], "relationships_as_subject": [], "title_translated": {}, "notes_translated": {},
        });
        if let (Some(b), Some(o)) = (base.as_object_mut(), v.as_object()) {
            for (k, val) in o {
                b.insert(k.clone(), val.clone());
            }
        }
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn the_point_table_adds_up_and_ids_are_unique() {
        let total: u32 = CRITERIA.iter().map(|c| c.points).sum();
        assert_eq!(total, 600);
        let mut ids: Vec<&str> = CRITERIA.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CRITERIA.len());
    }

    #[test]
    fn the_published_table_matches_the_code() {
        let doc = include_str!("../../../docs/QUALITY.md");
        for c in CRITERIA {
            let row = format!("| `{}` | {} |", c.id, c.points);
            assert!(doc.contains(&row), "docs/QUALITY.md lacks the row {row}");
        }
    }

    #[test]
    fn an_empty_dataset_is_bad_and_a_complete_one_excellent() {
        let bare = package(json!({"data_sharing": ""}));
        let a = assess(&bare, "2026-11-24");
        assert_eq!(a.rating, Rating::Bad, "{a:?}");
        assert!(!a.checks.iter().find(|c| c.id == "keywords").unwrap().passed);
        let full = package(json!({
            "tags": [{"id": "t", "name": "dân số", "display_name": "dân số", "state": "active"}],
            "groups": [{"id": "g", "name": "xa-hoi", "title": "Xã hội", "display_name": "Xã hội", "description": "", "image_display_url": ""}],
            "spatial": "Thành phố Hà Nội", "temporal_start": "2025-01-01",
            "license_id": "cc-by", "isopen": true, "maintainer_email": "tk@hanoi.gov.vn",
            "organization": {"id": "o", "name": "so-tk", "title": "Sở Thống kê", "type": "organization", "description": "", "image_url": "", "created": "2026-01-01T00:00:00", "is_organization": true, "approval_status": "approved", "state": "active", "title_translated": {}},
            "notes": "Dân số trung bình của các tỉnh, thành phố theo năm, do Sở Thống kê tổng hợp từ số liệu điều tra và đăng ký hộ tịch.",
            "title_translated": {"vi": "Dân số", "en": "Population"},
            "notes_translated": {"en": "Average population by province and year."},
            "update_frequency": "annual",
            "resources": [{"id": "r", "package_id": "1", "url": "https://x.vn/dan-so.csv", "format": "CSV", "mimetype": "text/csv", "size": 1200,
                           "created": "2026-01-01T00:00:00", "metadata_modified": "2026-11-01T00:00:00", "position": 0, "state": "active", "datastore_active": false}]
        }));
        let a = assess(&full, "2026-11-24");
        let failed: Vec<&str> = a.checks.iter().filter(|c| !c.passed).map(|c| c.id).collect();
        assert!(failed.is_empty(), "failed: {failed:?}");
        assert_eq!((a.score, a.max, a.percent, a.rating), (600, 600, 100, Rating::Excellent));
        // Two years later it is late for an annual dataset.
        let late = assess(&full, "2028-11-24");
        assert!(!late.checks.iter().find(|c| c.id == "current").unwrap().passed);
        assert!(!late.checks.iter().find(|c| c.id == "recent").unwrap().passed);
        assert_eq!(late.score, 500);
    }

    #[test]
    fn formats_are_told_apart() {
        let with = |fmt: &str| {
            package(json!({"resources": [{"id": "r", "package_id": "1", "url": "https://x.vn/f", "format": fmt,
                "created": "2026-01-01T00:00:00", "metadata_modified": "2026-11-01T00:00:00", "position": 0, "state": "active", "datastore_active": false}]}))
        };
        let ids = |p: &Package| -> Vec<&'static str> {
            assess(p, "2026-11-24")
                .checks
                .into_iter()
                .filter(|c| c.passed && c.dimension != Dimension::Timeliness)
                .map(|c| c.id)
                .collect()
        };
        let csv = ids(&with("CSV"));
        assert!(csv.contains(&"open_format") && csv.contains(&"machine_readable") && csv.contains(&"non_proprietary"));
        let xlsx = ids(&with("XLSX"));
        assert!(
            xlsx.contains(&"machine_readable") && !xlsx.contains(&"open_format") && !xlsx.contains(&"non_proprietary")
        );
        let pdf = ids(&with("PDF"));
        assert!(!pdf.contains(&"machine_readable") && pdf.contains(&"known_format"));
        let odd = ids(&with("XYZ"));
        assert!(!odd.contains(&"known_format"));
    }

    #[test]
    fn validity_is_the_mean_share_of_valid_rows() {
        let t = |readable, rows, invalid_rows| TableValidation { readable, rows, invalid_rows };
        assert_eq!(validity(&[]), None);
        assert_eq!(validity(&[t(true, 0, 0)]), Some(100.0));
        assert_eq!(validity(&[t(true, 10, 1), t(false, 0, 0)]), Some(45.0));
        assert_eq!(validity(&[t(true, 4, 9)]), Some(0.0), "more errors than rows never goes negative");
    }

    #[test]
    fn the_overall_score_leaves_out_missing_parts() {
        assert_eq!(overall(80.0, None, None, None), 80.0);
        assert!((overall(80.0, Some(50.0), None, None) - (0.6 * 80.0 + 0.2 * 50.0) / 0.8).abs() < 1e-9);
        assert!((overall(100.0, Some(100.0), Some(0.0), Some(0.0)) - 80.0).abs() < 1e-9);
        let w: f64 = OVERALL_WEIGHTS.iter().map(|(_, w)| w).sum();
        assert!((w - 1.0).abs() < 1e-9);
    }
}
