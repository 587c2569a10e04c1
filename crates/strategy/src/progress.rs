//! The progress of the appendix's tasks, as each concerned agency reports
//! it: a status, how much is done, what was done, and evidence.
//!
//! - [`Status`]: the four statuses and their Vietnamese labels.
//! - [`concerned`]: the agencies a task concerns today (its lead and
//!   coordinating agencies, merged ministries mapped to their successors,
//!   collective names such as *Các bộ, ngành, địa phương* kept as classes
//!   of agencies), and [`role_of`] an organization among them.
//! - [`parse`]: a report as a client sends it, checked field by field.
//! - [`roll_up`]: a task's overall status from its agencies' approved
//!   reports.

use crate::check::{FieldProblem, Problem};
use crate::evidence::{self, Evidence};
use crate::indicators::Scope;
use crate::seed::{Task, seed};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest progress text, in characters.
pub const TEXT_MAX: usize = 10_000;
/// Longest period label (`"6 tháng đầu năm"`), in characters.
pub const PERIOD_MAX: usize = 200;

/// Where a task stands, as an agency reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// *Chưa triển khai*.
    NotStarted,
    /// *Đang triển khai*.
    InProgress,
    /// *Hoàn thành*.
    Completed,
    /// *Chậm tiến độ*.
    Delayed,
}

impl Status {
    /// Every status, in the order forms list them.
    pub const ALL: [Status; 4] = [Status::NotStarted, Status::InProgress, Status::Completed, Status::Delayed];

    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
            Status::Delayed => "delayed",
        }
    }

    /// Parses a wire code.
    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The label in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            Status::NotStarted => "Chưa triển khai",
            Status::InProgress => "Đang triển khai",
            Status::Completed => "Hoàn thành",
            Status::Delayed => "Chậm tiến độ",
        }
    }

    /// The label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Status::NotStarted => "Not started",
            Status::InProgress => "In progress",
            Status::Completed => "Completed",
            Status::Delayed => "Delayed",
        }
    }
}

/// An agency's part in a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyRole {
    /// *Cơ quan chủ trì*.
    Lead,
    /// *Cơ quan phối hợp*.
    Coordinating,
}

impl AgencyRole {
    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            AgencyRole::Lead => "lead",
            AgencyRole::Coordinating => "coordinating",
        }
    }
}

/// Whom a name in the appendix designates today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Named {
    /// One agency, by its Vietnamese name today.
    Agency(String),
    /// Every ministry-level agency (*Các bộ, ngành*).
    Ministries,
    /// Every province (*Ủy ban nhân dân các tỉnh, thành phố*).
    Provinces,
    /// Every ministry-level agency and every province (*Các bộ, ngành, địa
    /// phương*).
    MinistriesAndProvinces,
    /// A class of bodies that are not agencies of the catalog (*Các Hội,
    /// Hiệp hội nghề nghiệp*, *các trường Đại học*): a reviewer adds them.
    Other(String),
}

impl Named {
    /// Reads a name as the appendix prints it (today's where it changed).
    pub fn classify(name: &str) -> Named {
        let lower = name.trim().to_lowercase();
        if lower.starts_with("ủy ban nhân dân các tỉnh") || lower.starts_with("uỷ ban nhân dân các tỉnh")
        {
            Named::Provinces
        } else if lower.starts_with("các bộ") {
            if lower.contains("địa phương") { Named::MinistriesAndProvinces } else { Named::Ministries }
        } else if lower.starts_with("các ") {
            Named::Other(name.trim().to_string())
        } else {
            Named::Agency(name.trim().to_string())
        }
    }

    /// Whether an organization with this Vietnamese title and ranked level
    /// is designated.
    pub fn includes(&self, title: &str, scope: Option<Scope>) -> bool {
        match self {
            Named::Agency(name) => name.to_lowercase() == title.trim().to_lowercase(),
            Named::Ministries => scope == Some(Scope::Ministry),
            Named::Provinces => scope == Some(Scope::Province),
            Named::MinistriesAndProvinces => matches!(scope, Some(Scope::Ministry | Scope::Province)),
            Named::Other(_) => false,
        }
    }
}

/// One agency (or class of agencies) a task concerns today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concerned {
    /// Its part in the task.
    pub role: AgencyRole,
    /// Whom it designates today.
    pub today: Named,
}

/// The agencies a task concerns today: its lead agencies as they are today
/// ([`Task::lead_today`]), then its coordinating agencies, a merged ministry
/// replaced by the ministries that took it over as a whole.
pub fn concerned(task: &Task) -> Vec<Concerned> {
    let s = seed();
    let mut out: Vec<Concerned> = Vec::new();
    let mut push = |role: AgencyRole, name: &str| {
        let today = Named::classify(name);
        if !out.iter().any(|c| c.today == today) {
            out.push(Concerned { role, today });
        }
    };
    for name in task.lead_today() {
        push(AgencyRole::Lead, name);
    }
    for name in &task.coordinating_vi {
        match s.change_for(name) {
            Some(change) => change.current_vi.iter().for_each(|n| push(AgencyRole::Coordinating, n)),
            None => push(AgencyRole::Coordinating, name),
        }
    }
    out
}

/// The coordinating agencies' names as they are today, in the Decision's
/// order: a merged ministry replaced by its successors, others as printed.
pub fn coordinating_today(task: &Task) -> Vec<String> {
    let s = seed();
    let mut out: Vec<String> = Vec::new();
    for name in &task.coordinating_vi {
        let today = s.change_for(name).map(|c| c.current_vi.clone()).unwrap_or_else(|| vec![name.clone()]);
        for n in today {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// An organization's part in a task, if the task concerns it: lead before
/// coordinating when both apply.
pub fn role_of(task: &Task, title: &str, scope: Option<Scope>) -> Option<AgencyRole> {
    let all = concerned(task);
    [AgencyRole::Lead, AgencyRole::Coordinating]
        .into_iter()
        .find(|role| all.iter().any(|c| c.role == *role && c.today.includes(title, scope)))
}

/// An agency's report on a task, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Where the task stands.
    pub status: Status,
    /// How much is done, 0–100, when the agency says.
    pub percent: Option<u8>,
    /// The period reported on, within the year (`"6 tháng đầu năm"`).
    pub period: Option<String>,
    /// What was done.
    pub text: String,
    /// What backs it.
    pub evidence: Vec<Evidence>,
}

/// The fields of a report.
pub const FIELDS: [&str; 5] = ["status", "percent", "period", "text", "evidence"];

/// Reads a report (the [`FIELDS`] of `map`; others are the caller's).
/// `today` (`YYYY-MM-DD`) bounds the evidence's dates. Every problem is
/// reported.
pub fn parse(map: &Map<String, Value>, today: &str) -> Result<Progress, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let status = match map.get("status") {
        None | Some(Value::Null) => {
            problems.push(FieldProblem::field("status", Problem::Missing));
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            problems.push(FieldProblem::field("status", Problem::Missing));
            None
        }
        Some(Value::String(s)) => {
            let st = Status::parse(s.trim());
            if st.is_none() {
                problems.push(FieldProblem::field("status", Problem::Status));
            }
            st
        }
        Some(_) => {
            problems.push(FieldProblem::field("status", Problem::Status));
            None
        }
    };
    let percent = whole_number(map.get("percent"), "percent", &mut problems).and_then(|n| {
        if n > 100 {
            problems.push(FieldProblem::field("percent", Problem::Range(0, 100)));
            None
        } else {
            u8::try_from(n).ok()
        }
    });
    let period = text_field(map, "period", PERIOD_MAX, &mut problems);
    let text = text_field(map, "text", TEXT_MAX, &mut problems).unwrap_or_default();
    let evidence = match evidence::parse(map.get("evidence"), today) {
        Ok(e) => Some(e),
        Err(mut p) => {
            problems.append(&mut p);
            None
        }
    };
    match (status, percent) {
        (Some(Status::Completed), Some(p)) if p != 100 => {
            problems.push(FieldProblem::field("percent", Problem::CompletedNot100))
        }
        (Some(Status::NotStarted), Some(p)) if p > 0 => {
            problems.push(FieldProblem::field("percent", Problem::NotStartedAbove0))
        }
        _ => {}
    }
    if status == Some(Status::Completed) && evidence.as_ref().is_some_and(Vec::is_empty) {
        problems.push(FieldProblem::field("evidence", Problem::CompletedWithoutEvidence));
    }
    match (status, evidence) {
        (Some(status), Some(evidence)) if problems.is_empty() => {
            Ok(Progress { status, percent, period, text, evidence })
        }
        _ => Err(problems),
    }
}

/// An optional text field: trimmed, `None` when empty.
pub(crate) fn text_field(
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
                problems.push(FieldProblem::field(field, Problem::TooLong(max)));
                None
            } else {
                (!s.is_empty()).then(|| s.to_string())
            }
        }
        Some(_) => {
            problems.push(FieldProblem::field(field, Problem::NotText));
            None
        }
    }
}

/// An optional whole number ≥ 0, from a JSON number or the text of one (a
/// form's field); `None` when absent or empty.
pub(crate) fn whole_number(
    value: Option<&Value>,
    field: &'static str,
    problems: &mut Vec<FieldProblem>,
) -> Option<u64> {
    let parsed: Result<i128, Problem> = match value {
        None | Some(Value::Null) => return None,
        Some(Value::String(s)) if s.trim().is_empty() => return None,
        Some(Value::String(s)) => s.trim().parse::<i128>().map_err(|_| Problem::Integer),
        Some(Value::Number(n)) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Ok(i128::from(u)),
            (None, Some(i)) => Ok(i128::from(i)),
            _ => Err(Problem::Integer),
        },
        Some(_) => Err(Problem::Integer),
    };
    match parsed {
        Ok(n) if n < 0 => {
            problems.push(FieldProblem::field(field, Problem::Negative));
            None
        }
        Ok(n) => match u64::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                problems.push(FieldProblem::field(field, Problem::Integer));
                None
            }
        },
        Err(p) => {
            problems.push(FieldProblem::field(field, p));
            None
        }
    }
}

/// A task's standing over all its agencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overall {
    /// No agency's report is approved yet.
    NotReported,
    /// Nobody has started.
    NotStarted,
    /// Under way.
    InProgress,
    /// Done.
    Completed,
    /// Behind: an agency says so, or the task's time is over and it is not done.
    Delayed,
}

impl Overall {
    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            Overall::NotReported => "not_reported",
            Overall::NotStarted => "not_started",
            Overall::InProgress => "in_progress",
            Overall::Completed => "completed",
            Overall::Delayed => "delayed",
        }
    }

    /// The label in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            Overall::NotReported => "Chưa có báo cáo",
            Overall::NotStarted => Status::NotStarted.label_vi(),
            Overall::InProgress => Status::InProgress.label_vi(),
            Overall::Completed => Status::Completed.label_vi(),
            Overall::Delayed => Status::Delayed.label_vi(),
        }
    }

    /// The label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Overall::NotReported => "Not reported",
            Overall::NotStarted => Status::NotStarted.label_en(),
            Overall::InProgress => Status::InProgress.label_en(),
            Overall::Completed => Status::Completed.label_en(),
            Overall::Delayed => Status::Delayed.label_en(),
        }
    }
}

/// One agency's approved report, as the roll-up weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported {
    /// Its part in the task; `None` for an agency a reviewer added.
    pub role: Option<AgencyRole>,
    /// Its status.
    pub status: Status,
    /// Its share done, if given.
    pub percent: Option<u8>,
}

impl Reported {
    /// The share done: as given, else 100 when completed and 0 when not
    /// started; unknown otherwise.
    pub fn share(&self) -> Option<u8> {
        self.percent.or(match self.status {
            Status::Completed => Some(100),
            Status::NotStarted => Some(0),
            _ => None,
        })
    }
}

/// A task's overall standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollUp {
    /// The overall status.
    pub status: Overall,
    /// The mean share done of the agencies weighed, rounded; `None` when
    /// none is known.
    pub percent: Option<u8>,
    /// How many agencies' reports were weighed.
    pub agencies: usize,
}

/// A task's overall status from its agencies' approved reports (one per
/// agency, `overdue` when the task's time ended before this year):
///
/// 1. no report: not reported;
/// 2. an agency reports delay: delayed;
/// 3. the lead agencies' reports are weighed when there are any, else
///    everyone's: all completed is completed;
/// 4. otherwise an overdue task is delayed;
/// 5. all not started is not started; anything else is in progress.
pub fn roll_up(reports: &[Reported], overdue: bool) -> RollUp {
    let leads: Vec<&Reported> = reports.iter().filter(|r| r.role == Some(AgencyRole::Lead)).collect();
    let basis: Vec<&Reported> = if leads.is_empty() { reports.iter().collect() } else { leads };
    let shares: Vec<u32> = basis.iter().filter_map(|r| r.share()).map(u32::from).collect();
    let percent = (!shares.is_empty())
        .then(|| {
            let n = shares.len() as u32;
            u8::try_from((shares.iter().sum::<u32>() + n / 2) / n).ok()
        })
        .flatten();
    let all = |s: Status| basis.iter().all(|r| r.status == s);
    let status = if reports.is_empty() {
        Overall::NotReported
    } else if reports.iter().any(|r| r.status == Status::Delayed) {
        Overall::Delayed
    } else if all(Status::Completed) {
        Overall::Completed
    } else if overdue {
        Overall::Delayed
    } else if all(Status::NotStarted) {
        Overall::NotStarted
    } else {
        Overall::InProgress
    };
    RollUp { status, percent, agencies: basis.len() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TODAY: &str = "2026-06-30";

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn problems(v: Value) -> Vec<(&'static str, Problem)> {
        parse(&map(v), TODAY).unwrap_err().into_iter().map(|p| (p.field, p.problem)).collect()
    }

    #[test]
    fn statuses() {
        let labels: Vec<&str> = Status::ALL.iter().map(|s| s.label_vi()).collect();
        assert_eq!(labels, vec!["Chưa triển khai", "Đang triển khai", "Hoàn thành", "Chậm tiến độ"]);
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), json!(s.code()));
        }
        assert_eq!(Status::parse("done"), None);
    }

    #[test]
    fn a_report_is_read() {
        let p = parse(
            &map(json!({"status": "in_progress", "percent": "40", "period": " 6 tháng đầu năm ",
                        "text": "Đã trình dự thảo", "evidence": [{"title": "Tờ trình", "kind": "document",
                        "number": "12/TTr-BKHCN", "date": "2026-03-01"}]})),
            TODAY,
        )
        .unwrap();
        assert_eq!(p.status, Status::InProgress);
        assert_eq!(p.percent, Some(40));
        assert_eq!(p.period.as_deref(), Some("6 tháng đầu năm"));
        assert_eq!(p.evidence.len(), 1);
        let bare = parse(&map(json!({"status": "not_started", "percent": ""})), TODAY).unwrap();
        assert_eq!((bare.percent, bare.text.as_str(), bare.evidence.len()), (None, "", 0));
    }

    #[test]
    fn problems_field_by_field() {
        assert_eq!(problems(json!({})), vec![("status", Problem::Missing)]);
        assert_eq!(
            problems(json!({"status": "done", "percent": 140, "text": 5})),
            vec![("status", Problem::Status), ("percent", Problem::Range(0, 100)), ("text", Problem::NotText)]
        );
        assert_eq!(
            problems(json!({"status": "completed", "percent": 90})),
            vec![("percent", Problem::CompletedNot100), ("evidence", Problem::CompletedWithoutEvidence)]
        );
        assert_eq!(
            problems(json!({"status": "not_started", "percent": 5})),
            vec![("percent", Problem::NotStartedAbove0)]
        );
        assert_eq!(problems(json!({"status": "in_progress", "percent": -1})), vec![("percent", Problem::Negative)]);
        assert_eq!(problems(json!({"status": "in_progress", "percent": 12.5})), vec![("percent", Problem::Integer)]);
        assert_eq!(problems(json!({"status": "in_progress", "percent": "mười"})), vec![("percent", Problem::Integer)]);
        let got = parse(
            &map(json!({"status": "completed", "evidence": [{"title": "x", "kind": "link", "url": "gov.vn"}]})),
            TODAY,
        )
        .unwrap_err();
        assert_eq!(got, vec![FieldProblem::item(0, "url", Problem::UrlScheme)], "evidence problems keep their item");
    }

    #[test]
    fn concerned_agencies_today() {
        let s = seed();
        // Led by the former Ministry of Information and Communications.
        let t = s.task("A.I.1").unwrap();
        let c = concerned(t);
        assert_eq!(c[0], Concerned { role: AgencyRole::Lead, today: Named::Agency("Bộ Khoa học và Công nghệ".into()) });
        assert_eq!(role_of(t, "Bộ Khoa học và Công nghệ", Some(Scope::Ministry)), Some(AgencyRole::Lead));
        assert_eq!(role_of(t, "bộ khoa học và công nghệ ", None), Some(AgencyRole::Lead), "titles as typed");
        assert_eq!(role_of(t, "Bộ Thông tin và Truyền thông", None), None, "merged away");
        assert_eq!(t.coordinating_vi, vec!["Các bộ ngành"]);
        assert_eq!(role_of(t, "Bộ Y tế", Some(Scope::Ministry)), Some(AgencyRole::Coordinating), "every ministry");
        // Every task: leads first, no designation twice.
        for t in &s.tasks {
            let c = concerned(t);
            assert!(c.first().is_some_and(|x| x.role == AgencyRole::Lead), "{}", t.id);
            for (i, x) in c.iter().enumerate() {
                assert!(!c[..i].iter().any(|y| y.today == x.today), "{}: {x:?} twice", t.id);
            }
        }
        // Collective names.
        assert_eq!(Named::classify("Các bộ, ngành, địa phương"), Named::MinistriesAndProvinces);
        assert_eq!(Named::classify("Các bộ ngành liên quan"), Named::Ministries);
        assert_eq!(Named::classify("Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương"), Named::Provinces);
        assert_eq!(
            Named::classify("các trường Đại học, Cao đẳng"),
            Named::Other("các trường Đại học, Cao đẳng".into())
        );
        assert_eq!(Named::classify("Văn phòng Chính phủ"), Named::Agency("Văn phòng Chính phủ".into()));
        let all = s.tasks.iter().find(|t| t.lead_vi.iter().any(|l| l == "Các bộ, ngành, địa phương")).unwrap();
        assert_eq!(role_of(all, "Thành phố Hà Nội", Some(Scope::Province)), Some(AgencyRole::Lead));
        assert_eq!(role_of(all, "Sở Y tế Hà Nội", None), None, "a department is not a province");
        // A merged coordinating agency maps to its successor.
        let mic_coord =
            s.tasks.iter().find(|t| t.coordinating_vi.iter().any(|c| c == "Bộ Thông tin và Truyền thông")).unwrap();
        assert!(coordinating_today(mic_coord).iter().any(|n| n == "Bộ Khoa học và Công nghệ"), "{mic_coord:?}");
        assert!(!coordinating_today(mic_coord).iter().any(|n| n == "Bộ Thông tin và Truyền thông"));
    }

    fn r(role: Option<AgencyRole>, status: Status, percent: Option<u8>) -> Reported {
        Reported { role, status, percent }
    }

    #[test]
    fn roll_up_rules() {
        use AgencyRole::*;
        use Status::*;
        let lead = Some(Lead);
        let coord = Some(Coordinating);
        // Reports, overdue, then the expected status, share and agencies weighed.
        type Case = (Vec<Reported>, bool, Overall, Option<u8>, usize);
        let cases: Vec<Case> = vec![
            (vec![], false, Overall::NotReported, None, 0),
            (vec![], true, Overall::NotReported, None, 0),
            (vec![r(lead, Completed, None)], false, Overall::Completed, Some(100), 1),
            (vec![r(lead, Completed, None)], true, Overall::Completed, Some(100), 1),
            (vec![r(lead, InProgress, Some(40)), r(coord, Completed, None)], false, Overall::InProgress, Some(40), 1),
            (vec![r(lead, Completed, None), r(coord, Delayed, Some(30))], false, Overall::Delayed, Some(100), 1),
            (vec![r(lead, InProgress, Some(40))], true, Overall::Delayed, Some(40), 1),
            (vec![r(lead, NotStarted, None), r(lead, NotStarted, Some(0))], false, Overall::NotStarted, Some(0), 2),
            (vec![r(lead, NotStarted, None), r(lead, InProgress, Some(50))], false, Overall::InProgress, Some(25), 2),
            (vec![r(lead, InProgress, None)], false, Overall::InProgress, None, 1),
            // Without a lead's report, everyone's counts.
            (vec![r(coord, Completed, None), r(None, InProgress, Some(33))], false, Overall::InProgress, Some(67), 2),
            (vec![r(coord, Completed, None), r(None, Completed, None)], false, Overall::Completed, Some(100), 2),
        ];
        for (reports, overdue, status, percent, n) in cases {
            let got = roll_up(&reports, overdue);
            assert_eq!(got, RollUp { status, percent, agencies: n }, "{reports:?} overdue {overdue}");
        }
    }
}
