//! Indicator values entered by hand, with evidence, for the targets Kho
//! cannot compute from what it holds (21 of the 25), and beside a computed
//! figure as a supplement (an entered value never replaces one).
//!
//! A target measured in percent takes a numerator and a denominator, or a
//! percentage; a target counted in units (the five data exchanges of
//! III.3.l) takes a count. Every entered value needs evidence.

use crate::check::{FieldProblem, Problem};
use crate::evidence::{self, Evidence};
use crate::progress::{text_field, whole_number};
use crate::seed::Unit;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest note, in characters.
pub const NOTE_MAX: usize = 5000;

/// The fields of an entry.
pub const FIELDS: [&str; 6] = ["numerator", "denominator", "percent", "count", "note", "evidence"];

/// An entered figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EnteredValue {
    /// What counts out of how many.
    Ratio {
        /// What counts.
        numerator: u64,
        /// Out of how many (above 0).
        denominator: u64,
    },
    /// A share given directly, 0–100.
    Percent {
        /// The share.
        percent: f64,
    },
    /// A number of things.
    Count {
        /// How many.
        count: u64,
    },
}

impl EnteredValue {
    /// The share in percent, for a ratio or a percentage.
    pub fn percent(&self) -> Option<f64> {
        match *self {
            EnteredValue::Ratio { numerator, denominator } if denominator > 0 => {
                Some(100.0 * numerator as f64 / denominator as f64)
            }
            EnteredValue::Percent { percent } => Some(percent),
            _ => None,
        }
    }

    /// The figure to show against the target: the share rounded to 0.01,
    /// or the count.
    pub fn value(&self) -> f64 {
        match *self {
            EnteredValue::Count { count } => count as f64,
            _ => self.percent().map(|p| (p * 100.0).round() / 100.0).unwrap_or(0.0),
        }
    }
}

/// An entered value, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The figure.
    pub value: EnteredValue,
    /// How it was measured, where it comes from.
    pub note: Option<String>,
    /// What backs it (at least one item).
    pub evidence: Vec<Evidence>,
}

/// A percentage: a JSON number or its text (with `.` or the Vietnamese
/// decimal comma), 0–100, kept to 0.01.
fn percentage(value: Option<&Value>, problems: &mut Vec<FieldProblem>) -> Option<f64> {
    let parsed = match value {
        None | Some(Value::Null) => return None,
        Some(Value::String(s)) if s.trim().is_empty() => return None,
        Some(Value::String(s)) => s.trim().trim_end_matches('%').trim().replace(',', ".").parse::<f64>().ok(),
        Some(Value::Number(n)) => n.as_f64(),
        Some(_) => None,
    };
    match parsed {
        Some(p) if p.is_finite() && (0.0..=100.0).contains(&p) => Some((p * 100.0).round() / 100.0),
        Some(p) if p.is_finite() => {
            problems.push(FieldProblem::field("percent", Problem::Range(0, 100)));
            None
        }
        _ => {
            problems.push(FieldProblem::field("percent", Problem::Number));
            None
        }
    }
}

/// Reads an entry for a target counted in `unit` (the [`FIELDS`] of `map`).
/// `today` bounds the evidence's dates. Every problem is reported.
pub fn parse(map: &Map<String, Value>, unit: Unit, today: &str) -> Result<Entry, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let numerator = whole_number(map.get("numerator"), "numerator", &mut problems);
    let denominator = whole_number(map.get("denominator"), "denominator", &mut problems);
    let percent = percentage(map.get("percent"), &mut problems);
    let count = whole_number(map.get("count"), "count", &mut problems);
    let note = text_field(map, "note", NOTE_MAX, &mut problems);
    let evidence = match evidence::parse(map.get("evidence"), today) {
        Ok(e) => {
            if e.is_empty() {
                problems.push(FieldProblem::field("evidence", Problem::EvidenceRequired));
            }
            e
        }
        Err(mut p) => {
            problems.append(&mut p);
            Vec::new()
        }
    };
    // A field given but unreadable is already reported; it still counts as given.
    let given = |f: &str| map.get(f).is_some_and(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()));
    let value = match unit {
        Unit::Count => {
            for f in ["numerator", "denominator", "percent"] {
                if given(f) {
                    problems.push(FieldProblem::field(f, Problem::PercentTargetOnly));
                }
            }
            if !given("count") {
                problems.push(FieldProblem::field("count", Problem::Missing));
            }
            count.map(|count| EnteredValue::Count { count })
        }
        Unit::Percent => {
            if given("count") {
                problems.push(FieldProblem::field("count", Problem::CountTargetOnly));
            }
            let ratio = given("numerator") || given("denominator");
            if ratio && given("percent") {
                problems.push(FieldProblem::field("percent", Problem::RatioAndPercent));
            } else if !ratio && !given("percent") {
                problems.push(FieldProblem::field("numerator", Problem::NoValue));
            } else if ratio && !given("numerator") {
                problems.push(FieldProblem::field("numerator", Problem::HalfRatio));
            } else if ratio && !given("denominator") {
                problems.push(FieldProblem::field("denominator", Problem::HalfRatio));
            }
            match (numerator, denominator, percent) {
                (Some(_), Some(0), _) => {
                    problems.push(FieldProblem::field("denominator", Problem::ZeroDenominator));
                    None
                }
                (Some(n), Some(d), _) if n > d => {
                    problems.push(FieldProblem::field("numerator", Problem::AboveDenominator));
                    None
                }
                (Some(numerator), Some(denominator), None) => Some(EnteredValue::Ratio { numerator, denominator }),
                (None, None, Some(percent)) => Some(EnteredValue::Percent { percent }),
                _ => None,
            }
        }
    };
    match value {
        Some(value) if problems.is_empty() => Ok(Entry { value, note, evidence }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TODAY: &str = "2026-06-30";

    fn ev() -> Value {
        json!([{"title": "Báo cáo số liệu", "kind": "link", "url": "https://mic.gov.vn/bao-cao"}])
    }

    fn entry(mut v: Value, unit: Unit) -> Result<Entry, Vec<(&'static str, Problem)>> {
        if v.get("evidence").is_none() {
            v["evidence"] = ev();
        }
        parse(v.as_object().unwrap(), unit, TODAY).map_err(|e| e.into_iter().map(|p| (p.field, p.problem)).collect())
    }

    #[test]
    fn values_are_read() {
        let e =
            entry(json!({"numerator": 45, "denominator": "60", "note": "Theo báo cáo quý IV"}), Unit::Percent).unwrap();
        assert_eq!(e.value, EnteredValue::Ratio { numerator: 45, denominator: 60 });
        assert_eq!(e.value.value(), 75.0);
        assert_eq!(e.note.as_deref(), Some("Theo báo cáo quý IV"));
        let e = entry(json!({"percent": "62,345"}), Unit::Percent).unwrap();
        assert_eq!(e.value, EnteredValue::Percent { percent: 62.35 });
        let e = entry(json!({"percent": 40, "numerator": "", "denominator": null}), Unit::Percent).unwrap();
        assert_eq!(e.value.percent(), Some(40.0));
        let e = entry(json!({"count": 2}), Unit::Count).unwrap();
        assert_eq!((e.value, e.value.value(), e.value.percent()), (EnteredValue::Count { count: 2 }, 2.0, None));
        let e = entry(json!({"numerator": 1, "denominator": 3}), Unit::Percent).unwrap();
        assert_eq!(e.value.value(), 33.33);
    }

    #[test]
    fn problems_field_by_field() {
        use Problem::*;
        for (input, unit, want) in [
            (json!({}), Unit::Percent, vec![("numerator", NoValue)]),
            (json!({"numerator": 5}), Unit::Percent, vec![("denominator", HalfRatio)]),
            (json!({"denominator": 5}), Unit::Percent, vec![("numerator", HalfRatio)]),
            (json!({"numerator": 5, "denominator": 0}), Unit::Percent, vec![("denominator", ZeroDenominator)]),
            (json!({"numerator": 6, "denominator": 5}), Unit::Percent, vec![("numerator", AboveDenominator)]),
            (
                json!({"numerator": 1, "denominator": 5, "percent": 20}),
                Unit::Percent,
                vec![("percent", RatioAndPercent)],
            ),
            (json!({"percent": 101}), Unit::Percent, vec![("percent", Range(0, 100))]),
            (json!({"percent": "nhiều"}), Unit::Percent, vec![("percent", Number)]),
            (json!({"percent": 5, "count": 2}), Unit::Percent, vec![("count", CountTargetOnly)]),
            (json!({"count": -2}), Unit::Count, vec![("count", Negative)]),
            (json!({}), Unit::Count, vec![("count", Missing)]),
            (json!({"count": 1, "percent": 5}), Unit::Count, vec![("percent", PercentTargetOnly)]),
            (json!({"count": 1, "evidence": []}), Unit::Count, vec![("evidence", EvidenceRequired)]),
            (json!({"count": 1, "evidence": null}), Unit::Count, vec![("evidence", EvidenceRequired)]),
            (json!({"count": 1, "note": "x".repeat(NOTE_MAX + 1)}), Unit::Count, vec![("note", TooLong(NOTE_MAX))]),
        ] {
            assert_eq!(entry(input.clone(), unit), Err(want), "{input}");
        }
    }
}
