//! An agency's annual report as a download
//! (`/strategy/reports/{organization}/{year}.{xlsx,json}`): read with
//! `strategy_report_show` as the viewer, so it is exactly as visible as
//! the report's page (another agency's draft does not exist for them).
//!
//! The workbook has a summary sheet (agency, year, state, dates, review
//! note, narrative), the indicators with their targets, the figures of the
//! map and of open data, and the tasks with their progress. Task fields
//! the workbook does not know by name are added as further columns, so
//! what a report records is never dropped.

use super::{Download, JSON, XLSX, blocking, sheets_error};
use crate::{Catalog, Error, Result};
use kho_core::authz::Actor;
use kho_core::input::Fields;
use kho_sheets::{Cell, Table};
use serde_json::{Value, json};

/// What a report is downloaded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// A workbook.
    Xlsx,
    /// The report as `strategy_report_show` returns it.
    Json,
}

impl ReportFormat {
    /// The format of an extension (`xlsx`, `json`).
    pub fn from_extension(ext: &str) -> Option<ReportFormat> {
        match ext {
            "xlsx" => Some(ReportFormat::Xlsx),
            "json" => Some(ReportFormat::Json),
            _ => None,
        }
    }
}

/// Labels of the summary's and the figures' rows.
const LABELS: &[(&str, &str)] = &[
    ("organization", "Cơ quan (mã)"),
    ("organization_title", "Cơ quan"),
    ("year", "Năm"),
    ("state", "Trạng thái"),
    ("due", "Hạn nộp"),
    ("late", "Nộp muộn"),
    ("created", "Ngày tạo"),
    ("modified", "Ngày sửa"),
    ("submitted", "Ngày gửi"),
    ("reviewed", "Ngày duyệt"),
    ("review_note", "Ý kiến thẩm định"),
    ("narrative", "Thuyết minh"),
    ("datamap.databases", "Cơ sở dữ liệu trên bản đồ"),
    ("datamap.national", "Cơ sở dữ liệu quốc gia"),
    ("datamap.protected_4_layer", "Được bảo vệ theo mô hình 4 lớp"),
    ("open_data.datasets", "Bộ dữ liệu mở"),
    ("open_data.meeting_threshold", "Bộ dữ liệu mở đạt ngưỡng chất lượng"),
];

fn label(key: &str) -> &'static str {
    LABELS.iter().find(|(k, _)| *k == key).map(|(_, l)| *l).unwrap_or("")
}

/// A JSON scalar as a cell (objects and arrays as their JSON text).
fn cell(v: &Value) -> Cell {
    match v {
        Value::Null => Cell::Empty,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => n.as_i64().map(Cell::Int).or_else(|| n.as_f64().map(Cell::Number)).unwrap_or(Cell::Empty),
        Value::String(s) => Cell::Text(s.clone()),
        other => Cell::Text(other.to_string()),
    }
}

/// The report's sheets.
fn tables(r: &Value) -> Vec<Table> {
    let c = &r["content"];
    let mut summary = Table::new("Tóm tắt", &["field", "label", "value"]);
    let scalar = |k: &str| match k {
        "organization" => r["organization"]["name"].clone(),
        "organization_title" => r["organization"]["title"].clone(),
        "narrative" => c["narrative"].clone(),
        other => r[other].clone(),
    };
    for (k, _) in LABELS.iter().filter(|(k, _)| !k.contains('.')) {
        summary.push(vec![(*k).into(), label(k).into(), cell(&scalar(k))]);
    }

    let mut indicators = Table::new(
        "Chỉ tiêu",
        &[
            "indicator",
            "target",
            "target_section",
            "target_text",
            "target_value",
            "numerator",
            "denominator",
            "value_percent",
        ],
    );
    let seed = kho_strategy::seed();
    for x in c["indicators"].as_array().into_iter().flatten() {
        let target = &x["target"];
        let text =
            target["id"].as_str().and_then(|id| seed.targets.iter().find(|t| t.id == id)).map(|t| t.text_vi.as_str());
        indicators.push(vec![
            cell(&x["indicator"]),
            cell(&target["id"]),
            cell(&target["section"]),
            text.into(),
            cell(&target["value"]),
            cell(&x["numerator"]),
            cell(&x["denominator"]),
            cell(&x["value"]),
        ]);
    }

    let mut figures = Table::new("Số liệu", &["figure", "label", "value"]);
    for section in ["datamap", "open_data"] {
        for (k, v) in c[section].as_object().into_iter().flatten() {
            let key = format!("{section}.{k}");
            figures.push(vec![key.as_str().into(), label(&key).into(), cell(v)]);
        }
    }

    // The known columns first, then any other field a task carries.
    let known = ["id", "text_vi", "deadline", "progress"];
    let list = c["tasks"].as_array().cloned().unwrap_or_default();
    let mut extra: Vec<String> = Vec::new();
    for t in &list {
        for k in t.as_object().into_iter().flatten().map(|(k, _)| k) {
            if !known.contains(&k.as_str()) && !extra.contains(k) {
                extra.push(k.clone());
            }
        }
    }
    let mut columns: Vec<&str> = known.to_vec();
    columns.extend(extra.iter().map(String::as_str));
    let mut tasks = Table::new("Nhiệm vụ", &columns);
    for t in &list {
        tasks.push(columns.iter().map(|k| cell(&t[*k])).collect());
    }
    vec![summary, indicators, figures, tasks]
}

impl Catalog {
    /// The report of `organization` (name or id) for `year` as a download
    /// for `actor`, under the same rule as its page: approved reports are
    /// public, the others only the agency's and the reviewers' (else Not
    /// Found).
    pub async fn strategy_report_export(
        &self,
        actor: &Actor,
        organization: &str,
        year: &str,
        format: ReportFormat,
    ) -> Result<Download> {
        let f =
            Fields::new(json!({"organization": organization, "year": year}).as_object().cloned().unwrap_or_default());
        let report = self.strategy_report_show(actor, f).await?;
        let name = report["organization"]["name"].as_str().unwrap_or(organization);
        let base = format!(
            "bao-cao-{}-{}",
            kho_files::safe_filename(name).unwrap_or_else(|| "co-quan".into()),
            report["year"]
        );
        blocking(move || match format {
            ReportFormat::Json => Ok(Download {
                bytes: serde_json::to_vec_pretty(&report).map_err(Error::internal)?,
                content_type: JSON.to_string(),
                filename: format!("{base}.json"),
            }),
            ReportFormat::Xlsx => Ok(Download {
                bytes: kho_sheets::xlsx(&tables(&report)).map_err(sheets_error)?,
                content_type: XLSX.to_string(),
                filename: format!("{base}.xlsx"),
            }),
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_fills_four_sheets_and_keeps_unknown_task_fields() {
        let r = json!({
            "organization": {"id": "x", "name": "bo-y-te", "title": "Bộ Y tế"}, "year": 2025, "state": "approved",
            "due": "2025-12-31", "late": false, "created": "2025-03-01T00:00:00.000000", "review_note": null,
            "content": {
                "indicators": [{"indicator": "national_db_connected", "numerator": 1, "denominator": 2, "value": 50.0,
                                "target": {"id": "T2030-1", "section": "III.2.a", "value": 100}}],
                "datamap": {"databases": 2, "national": 1, "protected_4_layer": 1},
                "open_data": {"datasets": 3, "meeting_threshold": 1},
                "tasks": [{"id": "A.I.1", "text_vi": "Xây dựng", "deadline": "2025", "progress": "=xong", "evidence": "QĐ 1"}],
                "narrative": "Đã hoàn thành."
            }
        });
        let t = tables(&r);
        assert_eq!(
            t.iter().map(|t| t.sheet.as_str()).collect::<Vec<_>>(),
            ["Tóm tắt", "Chỉ tiêu", "Số liệu", "Nhiệm vụ"]
        );
        let row = |t: &Table, key: &str| t.rows.iter().find(|r| r[0] == Cell::Text(key.into())).cloned().unwrap();
        assert_eq!(row(&t[0], "organization_title")[2], Cell::Text("Bộ Y tế".into()));
        assert_eq!(row(&t[0], "year")[2], Cell::Int(2025));
        assert_eq!(row(&t[0], "narrative")[2], Cell::Text("Đã hoàn thành.".into()));
        assert_eq!(row(&t[0], "review_note")[2], Cell::Empty);
        assert_eq!(t[1].rows[0][7], Cell::Number(50.0));
        assert_eq!(t[1].rows[0][1], Cell::Text("T2030-1".into()));
        assert_eq!(row(&t[2], "open_data.datasets")[2], Cell::Int(3));
        assert_eq!(t[3].columns, ["id", "text_vi", "deadline", "progress", "evidence"]);
        assert_eq!(t[3].rows[0][4], Cell::Text("QĐ 1".into()));
        assert!(kho_sheets::xlsx(&t).is_ok());
    }
}
