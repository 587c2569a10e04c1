//! The curated seed of Decision 142/QĐ-TTg and the types that read it.
//!
//! [`seed()`] is the compiled-in seed, parsed once. [`parse`] reads any text
//! of the same shape, which is how the seed itself is read.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The seed as shipped: `seed/decision-142.json`, pretty-printed UTF-8.
pub const SEED_JSON: &str = include_str!("../seed/decision-142.json");

/// Why a seed text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The text is not JSON of the seed's shape (a missing or unknown field,
    /// a wrong type, a deadline whose years do not fit its kind, …).
    #[error("the seed does not have the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    /// Two targets, two tasks or two agency changes share an id.
    #[error("the seed has the id {0:?} twice")]
    DuplicateId(String),
}

/// Reads a seed text and checks that ids are unique within each list.
pub fn parse(text: &str) -> Result<Seed, SeedError> {
    let seed: Seed = serde_json::from_str(text)?;
    unique(seed.agency_changes.iter().map(|c| c.id.as_str()))?;
    unique(seed.targets.iter().map(|t| t.id.as_str()))?;
    unique(seed.tasks.iter().map(|t| t.id.as_str()))?;
    Ok(seed)
}

fn unique<'a>(ids: impl Iterator<Item = &'a str>) -> Result<(), SeedError> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(SeedError::DuplicateId(id.to_owned()));
        }
    }
    Ok(())
}

/// The compiled-in seed, parsed on first use.
///
/// # Panics
///
/// Never in practice: [`SEED_JSON`] is a constant and this crate's tests
/// parse it, so a failure here means the crate was built from a seed that
/// its own tests reject.
pub fn seed() -> &'static Seed {
    static SEED: OnceLock<Seed> = OnceLock::new();
    SEED.get_or_init(|| parse(SEED_JSON).unwrap_or_else(|e| panic!("seed/decision-142.json: {e}")))
}

/// The whole seed: the Decision, the 2025 agency changes, its targets and
/// its appendix tasks, each list in the Decision's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Which Decision this is.
    pub decision: Decision,
    /// Agencies named in the Decision that have since been merged or split.
    pub agency_changes: Vec<AgencyChange>,
    /// The quantified goals for 2030.
    pub targets: Vec<Target>,
    /// The rows of the appendix (*danh mục các nhiệm vụ trọng tâm*).
    pub tasks: Vec<Task>,
}

impl Seed {
    /// The task with this id (`"C.XIV.3"`), if any.
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// The target with this id (`"T2030-5"`), if any.
    pub fn target(&self, id: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.id == id)
    }

    /// The change that applies to an agency named as in the Decision, if any.
    pub fn change_for(&self, name: &str) -> Option<&AgencyChange> {
        self.agency_changes.iter().find(|c| c.applies_to(name))
    }
}

/// The Decision itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Its number as written: `"142/QĐ-TTg"`.
    pub number: String,
    /// The date it was signed (and took effect), ISO 8601: `"2024-02-02"`.
    pub date: String,
    /// Its title in Vietnamese, as Article 1 words it.
    pub title_vi: String,
    /// Its title in English.
    pub title_en: String,
}

/// An agency the Decision names that the restructuring of the Government
/// (effective 1 March 2025) merged into, or split among, other ministries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyChange {
    /// A short stable id: `"mic"`, `"molisa"`, ….
    pub id: String,
    /// The agency's name as the Decision writes it.
    pub original_vi: String,
    /// The agency's name in English.
    pub original_en: String,
    /// Other spellings of the name found in the Decision.
    pub aliases_vi: Vec<String>,
    /// The ministries that took the agency over as a whole.
    pub current_vi: Vec<String>,
    /// [`Self::current_vi`] in English, in the same order.
    pub current_en: Vec<String>,
    /// Ministries that took over only some of its functions (see the notes);
    /// a task's current lead may name one of these when its subject is theirs.
    pub partial_successors_vi: Vec<String>,
    /// [`Self::partial_successors_vi`] in English, in the same order.
    pub partial_successors_en: Vec<String>,
    /// When the change took effect, ISO 8601: `"2025-03-01"`.
    pub effective: String,
    /// The legal basis of the change.
    pub basis: String,
    /// What happened to the agency, in Vietnamese.
    pub note_vi: String,
    /// What happened to the agency, in English.
    pub note_en: String,
}

impl AgencyChange {
    /// Whether `name` (as written in the Decision) is this agency: its
    /// original name or one of its aliases, exactly.
    pub fn applies_to(&self, name: &str) -> bool {
        self.original_vi == name || self.aliases_vi.iter().any(|a| a == name)
    }
}

/// Where an English text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnSource {
    /// The reference English translation of the Decision, verbatim.
    Reference,
    /// Kho's own translation of the Vietnamese, where the reference
    /// translation is masked or partial.
    Kho,
}

/// What a target's [`Target::value`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A percentage (`"100%"`).
    Percent,
    /// A number of things (`"05"` data exchanges).
    Count,
}

/// How a target's value is to be met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparator {
    /// Written *tối thiểu* ("at least").
    AtLeast,
    /// Written as a plain figure to be reached.
    Reach,
}

/// Whom a target is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// One nation-wide or sector-wide figure.
    National,
    /// Each ministry-level agency.
    Ministry,
    /// Each province.
    Province,
    /// Each ministry, sector and province alike (*bộ, ngành, địa phương*).
    All,
}

/// A measure Kho can compute for a target from what it catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// Ministry- and province-level agencies that open and provide open data.
    OpenDataAgencies,
    /// National databases connected with the repository at the National Data
    /// Center.
    NationalDbConnected,
    /// Shared and specialised databases connected through the integration
    /// and sharing platforms.
    SharedDbViaPlatform,
    /// Databases protected under the four-layer protection model.
    #[serde(rename = "protection_4_layer")]
    Protection4Layer,
}

impl Indicator {
    /// Every indicator Kho computes, in the targets' order.
    pub const ALL: [Indicator; 4] = [
        Indicator::NationalDbConnected,
        Indicator::SharedDbViaPlatform,
        Indicator::OpenDataAgencies,
        Indicator::Protection4Layer,
    ];

    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            Indicator::OpenDataAgencies => "open_data_agencies",
            Indicator::NationalDbConnected => "national_db_connected",
            Indicator::SharedDbViaPlatform => "shared_db_via_platform",
            Indicator::Protection4Layer => "protection_4_layer",
        }
    }

    /// Parses a wire code.
    pub fn parse(code: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.code() == code)
    }
}

/// A quantified goal for 2030.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// `"T2030-1"` … in the Decision's order.
    pub id: String,
    /// Where it is: `"III.2.c"` (section III, point 2, item c), or `"III.4"`.
    pub section: String,
    /// The year it is due: 2030.
    pub horizon: i32,
    /// The heading of its point, verbatim (`"Phát triển hạ tầng dữ liệu"`).
    pub area_vi: String,
    /// That heading in the reference English.
    pub area_en: String,
    /// The goal, verbatim: its item, or the clause of the item with its figure.
    pub text_vi: String,
    /// The goal in English.
    pub text_en: String,
    /// Where [`Self::text_en`] comes from.
    pub en_source: EnSource,
    /// The figure: 100 for `"100%"`, 5 for `"05"`.
    pub value: u32,
    /// The figure as written in [`Self::text_vi`] (`"tối thiểu 80%"`).
    pub value_as_written: String,
    /// What the figure counts.
    pub unit: Unit,
    /// How the figure is to be met.
    pub comparator: Comparator,
    /// Whom the figure is measured on.
    pub level: Level,
    /// The measure Kho computes for it, when it can.
    pub indicator: Option<Indicator>,
    /// Kho's remark on how the target was read, if any.
    pub note: Option<String>,
}

/// A part of the appendix. The letters are Kho's: the extracted Vietnamese
/// text has no part headings (see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Part {
    /// National key tasks (the Decision's section IV), groups I–VII.
    A,
    /// Key tasks of ministries, sectors and localities (section V), groups I–IV.
    B,
    /// Tasks of each named ministry or body, groups I–XVI.
    C,
}

impl Part {
    /// The letter, as used in task ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::A => "A",
            Part::B => "B",
            Part::C => "C",
        }
    }
}

/// One row of the appendix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// `part.group.number`: `"A.I.1"`, `"C.XIV.3"`.
    pub id: String,
    /// The part of the appendix.
    pub part: Part,
    /// The group's Roman numeral as printed: `"XIV"`.
    pub group: String,
    /// The TT cell as printed: `"3"`; empty for the one row printed without.
    pub no: String,
    /// The group's heading as printed (in part C, the ministry's name).
    pub group_title_vi: String,
    /// The group's heading in English.
    pub group_title_en: String,
    /// The task (*Nhiệm vụ, giải pháp*), verbatim.
    pub text_vi: String,
    /// The task in English.
    pub text_en: String,
    /// Where [`Self::text_en`] comes from.
    pub en_source: EnSource,
    /// The lead agencies (*Cơ quan chủ trì*) as the Decision names them.
    pub lead_vi: Vec<String>,
    /// [`Self::lead_vi`] in English, in the same order.
    pub lead_en: Vec<String>,
    /// The coordinating agencies (*Cơ quan phối hợp*) as the Decision names
    /// them; empty where the cell is empty.
    pub coordinating_vi: Vec<String>,
    /// [`Self::coordinating_vi`] in English, in the same order.
    pub coordinating_en: Vec<String>,
    /// The *Thời gian* cell as printed (`"2024 - 2025"`, `"Thường xuyên"`).
    pub deadline_as_written: String,
    /// [`Self::deadline_as_written`] read.
    pub deadline: Deadline,
    /// The sub-items of a row printed as several rows with their own
    /// deadlines (only A.I.3); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_items: Vec<SubItem>,
    /// The lead agencies today, when a lead agency has changed since the
    /// Decision; `None` when none has.
    pub lead_current_vi: Option<Vec<String>>,
    /// [`Self::lead_current_vi`] in English, in the same order.
    pub lead_current_en: Option<Vec<String>>,
    /// Kho's remark on how the row was read, if any.
    pub note: Option<String>,
}

impl Task {
    /// The lead agencies today, in Vietnamese: [`Self::lead_current_vi`]
    /// where a lead agency has changed, [`Self::lead_vi`] otherwise.
    pub fn lead_today(&self) -> Vec<&str> {
        self.lead_current_vi.as_ref().unwrap_or(&self.lead_vi).iter().map(String::as_str).collect()
    }

    /// Whether the task's time ended before `year`. An ongoing task never
    /// is; a task with sub-items is once the last of them has ended.
    pub fn is_overdue(&self, year: i32) -> bool {
        self.deadline.end_year().is_some_and(|end| end < year)
    }
}

/// A sub-item of a row printed as several rows (see [`Task::sub_items`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubItem {
    /// The sub-item's cell, verbatim.
    pub text_vi: String,
    /// The sub-item in English.
    pub text_en: String,
    /// Where [`Self::text_en`] comes from.
    pub en_source: EnSource,
    /// The sub-item's *Thời gian* cell as printed.
    pub deadline_as_written: String,
    /// [`Self::deadline_as_written`] read.
    pub deadline: Deadline,
}

/// When a task is due. In JSON: `{"kind": "ongoing" | "year" | "range",
/// "start": …, "end": …}`, with null years for an ongoing task and equal
/// years for a single year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawDeadline", into = "RawDeadline")]
pub enum Deadline {
    /// Written *Thường xuyên*: ongoing, with no end.
    Ongoing,
    /// Within one year (`"2024"`).
    Year(i32),
    /// From `start` to `end`, both years included (`"2024 - 2030"`).
    Range {
        /// The first year.
        start: i32,
        /// The last year.
        end: i32,
    },
}

impl Deadline {
    /// The first year, unless ongoing.
    pub fn start_year(self) -> Option<i32> {
        match self {
            Deadline::Ongoing => None,
            Deadline::Year(year) => Some(year),
            Deadline::Range { start, .. } => Some(start),
        }
    }

    /// The last year, unless ongoing.
    pub fn end_year(self) -> Option<i32> {
        match self {
            Deadline::Ongoing => None,
            Deadline::Year(year) => Some(year),
            Deadline::Range { end, .. } => Some(end),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum DeadlineKind {
    Ongoing,
    Year,
    Range,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    kind: DeadlineKind,
    start: Option<i32>,
    end: Option<i32>,
}

impl TryFrom<RawDeadline> for Deadline {
    type Error = String;

    fn try_from(raw: RawDeadline) -> Result<Self, Self::Error> {
        match (raw.kind, raw.start, raw.end) {
            (DeadlineKind::Ongoing, None, None) => Ok(Deadline::Ongoing),
            (DeadlineKind::Year, Some(start), Some(end)) if start == end => Ok(Deadline::Year(start)),
            (DeadlineKind::Range, Some(start), Some(end)) if start < end => Ok(Deadline::Range { start, end }),
            (_, start, end) => Err(format!("deadline years {start:?}–{end:?} do not fit its kind")),
        }
    }
}

impl From<Deadline> for RawDeadline {
    fn from(deadline: Deadline) -> Self {
        let kind = match deadline {
            Deadline::Ongoing => DeadlineKind::Ongoing,
            Deadline::Year(_) => DeadlineKind::Year,
            Deadline::Range { .. } => DeadlineKind::Range,
        };
        RawDeadline { kind, start: deadline.start_year(), end: deadline.end_year() }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// The Decision's Vietnamese appendix and goals, vendored verbatim.
    const APPENDIX_VI: &str = include_str!("../seed/decision-142-appendix-vi.txt");
    const GOALS_VI: &str = include_str!("../seed/decision-142-targets-vi.txt");

    /// A vendored text without its `#` header lines.
    fn body(text: &str) -> String {
        text.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n")
    }

    fn task(id: &str) -> &'static Task {
        seed().task(id).unwrap_or_else(|| panic!("no task {id}"))
    }

    // ---- the printed appendix, read from its cells, independently of the JSON ----

    /// One numbered row (TT) of the printed appendix.
    #[derive(Debug)]
    struct PrintedRow {
        part: Part,
        group: String,
        group_title: String,
        no: String,
        /// The printed rows it spans: one, or one per sub-item.
        lines: Vec<PrintedLine>,
    }

    #[derive(Debug)]
    struct PrintedLine {
        text: String,
        lead: String,
        coordinating: String,
        deadline: String,
    }

    impl PrintedLine {
        fn new(cells: &[&str]) -> Self {
            let [text, lead, coordinating, deadline] = cells else { panic!("four cells: {cells:?}") };
            PrintedLine {
                text: text.to_string(),
                lead: lead.to_string(),
                coordinating: coordinating.to_string(),
                deadline: deadline.to_string(),
            }
        }
    }

    fn is_roman(cell: &str) -> bool {
        !cell.is_empty() && cell.chars().all(|c| matches!(c, 'I' | 'V' | 'X'))
    }

    /// The appendix as printed rows. In the extraction every cell ends with
    /// `|`; a group heading is its numeral, its title and three empty cells;
    /// a row is TT (digits, or empty), task, lead, coordinating, deadline. A
    /// cell that is none of these starts a second printed row of the same TT
    /// (its task, lead, coordinating and deadline, then one empty cell).
    fn printed_rows() -> Vec<PrintedRow> {
        let text = body(APPENDIX_VI);
        let (_, table) = text.split_once("Thời gian |").expect("the header row");
        let mut cells: Vec<&str> = table.split('|').map(str::trim).collect();
        assert_eq!(cells.pop(), Some(""), "the table ends with a cell marker");
        let parts = [Part::A, Part::B, Part::C];
        let mut part = None;
        let mut group: Option<(String, String)> = None;
        let mut rows: Vec<PrintedRow> = Vec::new();
        let mut rest = cells.as_slice();
        while let Some(&first) = rest.first() {
            if is_roman(first) {
                assert_eq!(&rest[2..5], &["", "", ""], "group heading {first}");
                if first == "I" {
                    part = Some(part.map_or(0, |p| p + 1));
                }
                group = Some((first.to_owned(), rest[1].to_owned()));
            } else if first.chars().all(|c| c.is_ascii_digit()) {
                let (group, group_title) = group.clone().expect("a row under a group heading");
                rows.push(PrintedRow {
                    part: parts[part.expect("a part")],
                    group,
                    group_title,
                    no: first.to_owned(),
                    lines: vec![PrintedLine::new(&rest[1..5])],
                });
            } else {
                assert_eq!(rest[4], "", "a continued row ends with an empty cell");
                rows.last_mut().expect("a row to continue").lines.push(PrintedLine::new(&rest[..4]));
            }
            rest = &rest[5..];
        }
        rows
    }

    fn skip_separators(mut s: &str) -> &str {
        loop {
            s = s.trim_start_matches([',', ' ', '.']);
            match s.strip_prefix("và ") {
                Some(rest) => s = rest,
                None => return s,
            }
        }
    }

    /// Whether `names`, in order, are all the printed cell holds, apart from
    /// separators (commas, spaces, "và", a final full stop).
    fn names_cover(cell: &str, names: &[String]) -> bool {
        let mut rest = cell;
        for name in names {
            match skip_separators(rest).strip_prefix(name.as_str()) {
                Some(after) if after.is_empty() || after.starts_with([',', ' ', '.']) => rest = after,
                _ => return false,
            }
        }
        skip_separators(rest).is_empty()
    }

    /// A *Thời gian* cell read without the JSON.
    fn read_deadline(written: &str) -> Deadline {
        if written == "Thường xuyên" {
            return Deadline::Ongoing;
        }
        let years: Vec<i32> =
            written.split(['-', '–']).map(|y| y.trim().parse().unwrap_or_else(|_| panic!("{written:?}"))).collect();
        match years[..] {
            [year] => Deadline::Year(year),
            [start, end] => Deadline::Range { start, end },
            _ => panic!("{written:?}"),
        }
    }

    #[test]
    fn counts() {
        let s = seed();
        assert_eq!(s.targets.len(), 25);
        assert_eq!(s.tasks.len(), 77);
        assert_eq!(s.agency_changes.len(), 6);
        for (part, n) in [(Part::A, 21), (Part::B, 14), (Part::C, 42)] {
            assert_eq!(s.tasks.iter().filter(|t| t.part == part).count(), n, "{part:?}");
        }
        let mut groups: Vec<(String, usize)> = Vec::new();
        for t in &s.tasks {
            let key = format!("{}.{}", t.part.as_str(), t.group);
            match groups.last_mut() {
                Some((last, n)) if *last == key => *n += 1,
                _ => groups.push((key, 1)),
            }
        }
        let expected = [
            ("A.I", 7),
            ("A.II", 2),
            ("A.III", 4),
            ("A.IV", 2),
            ("A.V", 2),
            ("A.VI", 2),
            ("A.VII", 2),
            ("B.I", 4),
            ("B.II", 3),
            ("B.III", 4),
            ("B.IV", 3),
            ("C.I", 4),
            ("C.II", 3),
            ("C.III", 2),
            ("C.IV", 3),
            ("C.V", 4),
            ("C.VI", 2),
            ("C.VII", 2),
            ("C.VIII", 4),
            ("C.IX", 2),
            ("C.X", 3),
            ("C.XI", 2),
            ("C.XII", 2),
            ("C.XIII", 3),
            ("C.XIV", 3),
            ("C.XV", 2),
            ("C.XVI", 1),
        ];
        let expected: Vec<(String, usize)> = expected.iter().map(|(g, n)| (g.to_string(), *n)).collect();
        assert_eq!(groups, expected);
        let ongoing = s.tasks.iter().filter(|t| t.deadline == Deadline::Ongoing).count();
        assert_eq!(ongoing, 46);
        assert_eq!(s.tasks.iter().filter(|t| t.coordinating_vi.is_empty()).count(), 17);
        assert_eq!(s.tasks.iter().filter(|t| t.lead_current_vi.is_some()).count(), 30);
    }

    #[test]
    fn every_printed_row_is_a_task_in_order() {
        let rows = printed_rows();
        let tasks = &seed().tasks;
        assert_eq!(rows.len(), tasks.len(), "printed rows and tasks");
        let mut numbers: HashMap<(Part, &str), usize> = HashMap::new();
        for (row, task) in rows.iter().zip(tasks) {
            let id = task.id.as_str();
            assert_eq!(
                (task.part, &task.group, &task.group_title_vi),
                (row.part, &row.group, &row.group_title),
                "{id}"
            );
            assert_eq!(task.no, row.no, "{id}");
            let n = numbers.entry((row.part, &row.group)).or_default();
            *n += 1;
            if !row.no.is_empty() {
                assert_eq!(row.no, n.to_string(), "{id}: rows are numbered in order");
            }
            assert_eq!(id, format!("{}.{}.{n}", row.part.as_str(), row.group));

            let first = &row.lines[0];
            assert!(names_cover(&first.lead, &task.lead_vi), "{id}: lead {:?} vs {:?}", first.lead, task.lead_vi);
            assert!(
                names_cover(&first.coordinating, &task.coordinating_vi),
                "{id}: coordinating {:?} vs {:?}",
                first.coordinating,
                task.coordinating_vi
            );
            assert!(!task.lead_vi.is_empty(), "{id}: every row has a lead");
            if let [line] = &row.lines[..] {
                assert_eq!(task.text_vi, line.text, "{id}");
                assert_eq!(task.deadline_as_written, line.deadline, "{id}");
                assert!(task.sub_items.is_empty(), "{id}");
            } else {
                // The later printed rows of one TT leave the agency cells
                // empty: they share the first row's agencies.
                for line in &row.lines[1..] {
                    assert!(line.lead.is_empty() && line.coordinating.is_empty(), "{id}");
                }
                let texts: Vec<&str> = row.lines.iter().map(|l| l.text.as_str()).collect();
                let deadlines: Vec<&str> = row.lines.iter().map(|l| l.deadline.as_str()).collect();
                let sub_texts: Vec<&str> = task.sub_items.iter().map(|s| s.text_vi.as_str()).collect();
                let sub_deadlines: Vec<&str> = task.sub_items.iter().map(|s| s.deadline_as_written.as_str()).collect();
                assert_eq!(sub_texts, texts, "{id}");
                assert_eq!(sub_deadlines, deadlines, "{id}");
                assert_eq!(task.text_vi, texts.join(" "), "{id}");
                assert_eq!(task.deadline_as_written, deadlines.join("; "), "{id}");
                assert!(task.note.is_some(), "{id}: the reading is explained");
            }
        }
        // The rows Kho reads in a particular way.
        let multi: Vec<&str> = tasks.iter().filter(|t| !t.sub_items.is_empty()).map(|t| t.id.as_str()).collect();
        assert_eq!(multi, ["A.I.3"]);
        let unnumbered: Vec<&str> = tasks.iter().filter(|t| t.no.is_empty()).map(|t| t.id.as_str()).collect();
        assert_eq!(unnumbered, ["C.XVI.1"]);
        assert!(task("C.XVI.1").note.is_some());
        assert_eq!(task("A.II.1").coordinating_vi, ["Bộ Thông tin và Truyền thông", "Các bộ ngành, địa phương"]);
        assert_eq!(task("A.II.1").lead_vi, ["Bộ Công an", "các Hội đồng điều phối vùng"]);
    }

    #[test]
    fn deadlines_read_as_written() {
        for task in &seed().tasks {
            let id = &task.id;
            if task.sub_items.is_empty() {
                assert_eq!(task.deadline, read_deadline(&task.deadline_as_written), "{id}");
                continue;
            }
            for sub in &task.sub_items {
                assert_eq!(sub.deadline, read_deadline(&sub.deadline_as_written), "{id}");
            }
            // A row with sub-items spans all of them.
            let start = task.sub_items.iter().filter_map(|s| s.deadline.start_year()).min();
            let end = task.sub_items.iter().filter_map(|s| s.deadline.end_year()).max();
            assert!(matches!(task.deadline, Deadline::Range { .. }), "{id}");
            assert_eq!((task.deadline.start_year(), task.deadline.end_year()), (start, end), "{id}");
        }
        assert_eq!(task("A.I.3").deadline, Deadline::Range { start: 2024, end: 2030 });
        assert_eq!(task("A.VI.1").deadline, Deadline::Year(2024));
    }

    /// The goals text as items: (section, heading of its point, text).
    fn goal_items() -> Vec<(String, String, String)> {
        let mut point: Option<(String, String)> = None;
        let mut items = Vec::new();
        for line in body(GOALS_VI).lines() {
            if let Some((n, heading)) = line.split_once(". ").filter(|(n, _)| n.parse::<u32>().is_ok()) {
                point = Some((n.to_owned(), heading.to_owned()));
                continue;
            }
            let (n, heading) = point.clone().expect("an item under a point");
            match line.split_once(") ") {
                Some((letter, text)) if letter.chars().count() == 1 => {
                    items.push((format!("III.{n}.{letter}"), heading, text.to_owned()))
                }
                _ => items.push((format!("III.{n}"), heading, line.to_owned())),
            }
        }
        items
    }

    #[test]
    fn targets_are_verbatim_clauses_of_the_goals() {
        let items = goal_items();
        assert_eq!(items.len(), 20);
        let targets = &seed().targets;
        let mut previous = None;
        for (n, t) in targets.iter().enumerate() {
            let id = &t.id;
            assert_eq!(*id, format!("T2030-{}", n + 1));
            assert_eq!(t.horizon, 2030, "{id}");
            let (index, (_, heading, text)) =
                items.iter().enumerate().find(|(_, (s, _, _))| *s == t.section).unwrap_or_else(|| panic!("{id}"));
            assert_eq!(t.area_vi, *heading, "{id}");
            let at = text.find(&t.text_vi).unwrap_or_else(|| panic!("{id}: not a verbatim part of {}", t.section));
            assert!(previous < Some((index, at)), "{id}: targets follow the text");
            previous = Some((index, at));

            assert!(t.text_vi.contains(&t.value_as_written), "{id}: {:?} is in the text", t.value_as_written);
            let digits: String = t.value_as_written.chars().filter(char::is_ascii_digit).collect();
            assert_eq!(digits.parse::<u32>(), Ok(t.value), "{id}");
            assert_eq!(t.unit == Unit::Percent, t.value_as_written.ends_with('%'), "{id}");
            assert_eq!(t.comparator == Comparator::AtLeast, t.value_as_written.starts_with("tối thiểu "), "{id}");
        }
        // Every figure of the goals is a target: one percentage target per
        // "%" of an item, and a count target for the item without one.
        for (section, _, text) in &items {
            let of_item: Vec<&Target> = targets.iter().filter(|t| t.section == *section).collect();
            let percents = of_item.iter().filter(|t| t.unit == Unit::Percent).count();
            assert_eq!(percents, text.matches('%').count(), "{section}");
            if percents == 0 {
                assert!(matches!(&of_item[..], [t] if t.unit == Unit::Count), "{section}");
            }
        }
        let count: Vec<(&str, u32)> =
            targets.iter().filter(|t| t.unit == Unit::Count).map(|t| (t.section.as_str(), t.value)).collect();
        assert_eq!(count, [("III.3.l", 5)]);
    }

    #[test]
    fn indicators_are_set_only_where_kho_computes_them() {
        let with: Vec<(&str, Indicator)> =
            seed().targets.iter().filter_map(|t| t.indicator.map(|i| (t.section.as_str(), i))).collect();
        assert_eq!(
            with,
            [
                ("III.2.a", Indicator::NationalDbConnected),
                ("III.2.b", Indicator::SharedDbViaPlatform),
                ("III.2.c", Indicator::OpenDataAgencies),
                ("III.4", Indicator::Protection4Layer),
            ]
        );
        let says = |indicator: Indicator, words: &str| {
            let t = seed().targets.iter().find(|t| t.indicator == Some(indicator)).expect("a target");
            assert!(t.text_vi.contains(words), "{}: {words}", t.id);
        };
        says(
            Indicator::NationalDbConnected,
            "kết nối, chia sẻ với kho dữ liệu tổng hợp tại Trung tâm dữ liệu quốc gia",
        );
        says(Indicator::SharedDbViaPlatform, "thông qua các nền tảng tích hợp, chia sẻ dữ liệu");
        says(Indicator::OpenDataAgencies, "các cơ quan nhà nước cấp bộ, cấp tỉnh mở và cung cấp dữ liệu mở");
        says(Indicator::Protection4Layer, "mô hình bảo vệ 4 lớp");
    }

    #[test]
    fn lead_current_is_set_exactly_where_a_lead_changed() {
        let s = seed();
        for task in &s.tasks {
            let id = &task.id;
            let changes: Vec<&AgencyChange> = task.lead_vi.iter().filter_map(|a| s.change_for(a)).collect();
            assert_eq!(task.lead_current_vi.is_some(), !changes.is_empty(), "{id}");
            assert_eq!(
                task.lead_current_en.as_ref().map(Vec::len),
                task.lead_current_vi.as_ref().map(Vec::len),
                "{id}"
            );
            let Some(current) = &task.lead_current_vi else { continue };
            assert!(!current.is_empty(), "{id}");
            for (i, name) in current.iter().enumerate() {
                assert!(!current[..i].contains(name), "{id}: {name} twice");
            }
            // Each lead replaced by the ministries that took it over whole.
            let mut merged: Vec<&str> = Vec::new();
            for lead in &task.lead_vi {
                let successors: Vec<&str> = match s.change_for(lead) {
                    Some(c) => c.current_vi.iter().map(String::as_str).collect(),
                    None => vec![lead.as_str()],
                };
                for name in successors {
                    if !merged.contains(&name) {
                        merged.push(name);
                    }
                }
            }
            // Where an agency was split, the row says which part it follows.
            if changes.iter().any(|c| !c.partial_successors_vi.is_empty()) {
                assert!(task.note.is_some(), "{id}: the choice of successor is explained");
            }
            if *current != merged {
                assert!(task.note.is_some(), "{id}: a reading other than the merger is explained");
                for name in current {
                    let successor =
                        changes.iter().any(|c| c.current_vi.contains(name) || c.partial_successors_vi.contains(name));
                    let unchanged = task.lead_vi.contains(name) && s.change_for(name).is_none();
                    assert!(successor || unchanged, "{id}: {name} is not a successor of its leads");
                }
            }
        }
        // The per-row decisions for the ministry that was split.
        assert_eq!(task("A.III.4").lead_today(), ["Bộ Giáo dục và Đào tạo"]);
        assert_eq!(task("C.XIV.1").lead_today(), ["Bộ Nội vụ", "Bộ Y tế"]);
        assert_eq!(task("C.XIV.2").lead_today(), ["Bộ Nội vụ", "Bộ Y tế"]);
        assert_eq!(task("C.XIV.3").lead_today(), ["Bộ Giáo dục và Đào tạo"]);
    }

    #[test]
    fn every_spelling_of_a_changed_agency_is_matched() {
        let s = seed();
        let keys = [
            ("mic", "Thông tin và Truyền thông"),
            ("mpi", "Kế hoạch và Đầu tư"),
            ("mard", "Phát triển nông thôn"),
            ("monre", "Tài nguyên và Môi trường"),
            ("mot", "Giao thông vận tải"),
            ("molisa", "Thương binh"),
        ];
        let ids: Vec<&str> = s.agency_changes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, keys.map(|(id, _)| id));
        let mut matched = 0;
        for task in &s.tasks {
            let group = (task.part == Part::C).then_some(&task.group_title_vi);
            for name in task.lead_vi.iter().chain(&task.coordinating_vi).chain(group) {
                for (id, key) in keys {
                    if name.contains(key) {
                        assert_eq!(s.change_for(name).map(|c| c.id.as_str()), Some(id), "{}: {name}", task.id);
                        matched += 1;
                    }
                }
            }
        }
        assert!(matched > 0);
        let appendix = body(APPENDIX_VI);
        for c in &s.agency_changes {
            for name in std::iter::once(&c.original_vi).chain(&c.aliases_vi) {
                assert!(appendix.contains(name.as_str()), "{}: {name} is spelt as in the Decision", c.id);
                assert!(c.applies_to(name));
            }
            assert!(!c.current_vi.is_empty(), "{}", c.id);
            assert_eq!(c.current_vi.len(), c.current_en.len(), "{}", c.id);
            assert_eq!(c.partial_successors_vi.len(), c.partial_successors_en.len(), "{}", c.id);
            assert_eq!(c.effective, "2025-03-01");
            assert!(c.basis.starts_with("Nghị quyết 176/2025/QH15 ngày 18/02/2025"), "{}", c.id);
        }
        let molisa = s.agency_changes.iter().find(|c| c.id == "molisa").expect("molisa");
        assert!(molisa.applies_to("Bộ Lao động - Thương binh và Xã hội"));
        assert!(molisa.applies_to("Bộ Lao động Thương binh và Xã hội"));
        assert!(!molisa.applies_to("Bộ Nội vụ"));
        assert_eq!(molisa.current_vi, ["Bộ Nội vụ"]);
        for ministry in ["Bộ Giáo dục và Đào tạo", "Bộ Y tế"] {
            assert!(molisa.partial_successors_vi.iter().any(|m| m == ministry), "{ministry}");
            assert!(molisa.note_vi.contains(ministry), "{ministry}");
        }
    }

    fn pair<'a>(names: &mut HashMap<&'a str, &'a str>, vi: &'a [String], en: &'a [String], at: &str) {
        assert_eq!(vi.len(), en.len(), "{at}: {vi:?} / {en:?}");
        for (vi, en) in vi.iter().zip(en) {
            let before = names.insert(vi, en);
            assert!(before.is_none_or(|b| b == en), "{at}: {vi} is {before:?} elsewhere, {en} here");
        }
    }

    #[test]
    fn each_agency_has_one_english_name() {
        let s = seed();
        let mut names = HashMap::new();
        for c in &s.agency_changes {
            pair(&mut names, std::slice::from_ref(&c.original_vi), std::slice::from_ref(&c.original_en), &c.id);
            for alias in &c.aliases_vi {
                pair(&mut names, std::slice::from_ref(alias), std::slice::from_ref(&c.original_en), &c.id);
            }
            pair(&mut names, &c.current_vi, &c.current_en, &c.id);
            pair(&mut names, &c.partial_successors_vi, &c.partial_successors_en, &c.id);
        }
        for t in &s.tasks {
            pair(&mut names, &t.lead_vi, &t.lead_en, &t.id);
            pair(&mut names, &t.coordinating_vi, &t.coordinating_en, &t.id);
            if let (Some(vi), Some(en)) = (&t.lead_current_vi, &t.lead_current_en) {
                pair(&mut names, vi, en, &t.id);
            }
            if t.part == Part::C {
                let (vi, en) = (std::slice::from_ref(&t.group_title_vi), std::slice::from_ref(&t.group_title_en));
                pair(&mut names, vi, en, &t.id);
            }
        }
    }

    #[test]
    fn every_english_field_is_filled() {
        let s = seed();
        let filled = |text: &str, at: &str| {
            let text = text.trim();
            assert!(!text.is_empty() && text != "..." && !text.contains('\n'), "{at}: {text:?}");
        };
        filled(&s.decision.title_en, "decision");
        for c in &s.agency_changes {
            for en in [&c.original_en, &c.note_en].into_iter().chain(&c.current_en).chain(&c.partial_successors_en) {
                filled(en, &c.id);
            }
        }
        for t in &s.targets {
            filled(&t.area_en, &t.id);
            filled(&t.text_en, &t.id);
        }
        for t in &s.tasks {
            filled(&t.group_title_en, &t.id);
            filled(&t.text_en, &t.id);
            let current = t.lead_current_en.iter().flatten();
            for en in t.lead_en.iter().chain(&t.coordinating_en).chain(current) {
                filled(en, &t.id);
            }
            for sub in &t.sub_items {
                filled(&sub.text_en, &t.id);
            }
        }
    }

    #[test]
    fn the_decision_is_the_one_vendored() {
        let d = &seed().decision;
        assert_eq!((d.number.as_str(), d.date.as_str()), ("142/QĐ-TTg", "2024-02-02"));
        let appendix = body(APPENDIX_VI).replace('\n', " ");
        assert!(
            appendix.starts_with("DANH MỤC CÁC NHIỆM VỤ TRỌNG TÂM THỰC HIỆN CHIẾN LƯỢC DỮ LIỆU QUỐC GIA ĐẾN NĂM 2030")
        );
        assert!(
            appendix.contains("Kèm theo Quyết định số 142/QĐ-TTg ngày 02 tháng 02 năm 2024 của Thủ tướng Chính phủ")
        );
        let title = d.title_vi.strip_prefix("Phê duyệt ").expect("the title of Article 1");
        assert!(appendix.contains(&title.to_uppercase()), "{title}");
        assert!(APPENDIX_VI.trim_end().ends_with("Thường xuyên |"));
    }

    #[test]
    fn texts_are_precomposed() {
        // Vietnamese in NFC has no combining marks: every letter is precomposed.
        for (name, text) in [("seed", SEED_JSON), ("appendix", APPENDIX_VI), ("goals", GOALS_VI)] {
            assert!(!text.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)), "{name} is not NFC");
        }
    }

    #[test]
    fn the_json_is_the_pretty_print_of_the_types() {
        let printed = serde_json::to_string_pretty(seed()).expect("serialises");
        for (n, (ours, file)) in printed.lines().zip(SEED_JSON.lines()).enumerate() {
            assert_eq!(ours, file, "line {}", n + 1);
        }
        assert_eq!(printed.lines().count(), SEED_JSON.lines().count());
        assert!(SEED_JSON.ends_with("}\n"));
    }

    #[test]
    fn lookups_and_lead_today() {
        let s = seed();
        assert_eq!(s.task("C.XIV.3").map(|t| t.no.as_str()), Some("3"));
        assert!(s.task("C.XVII.1").is_none());
        assert_eq!(s.target("T2030-5").map(|t| t.section.as_str()), Some("III.2.c"));
        assert!(s.target("T2025-1").is_none());
        assert_eq!(s.change_for("Bộ Giao thông vận tải").map(|c| c.id.as_str()), Some("mot"));
        assert!(s.change_for("Bộ Y tế").is_none());

        assert_eq!(task("A.I.1").lead_vi, ["Bộ Thông tin và Truyền thông"]);
        assert_eq!(task("A.I.1").lead_today(), ["Bộ Khoa học và Công nghệ"]);
        assert_eq!(task("C.IV.1").lead_today(), ["Bộ Y tế"]);
        assert_eq!(task("C.XI.1").lead_today(), ["Bộ Tài chính"]);
        assert_eq!(task("C.VI.1").lead_today(), ["Bộ Nông nghiệp và Môi trường"]);
        assert_eq!(task("C.VII.1").lead_today(), ["Bộ Nông nghiệp và Môi trường"]);
        assert_eq!(task("C.IX.1").lead_today(), ["Bộ Xây dựng"]);
        assert_eq!(task("A.II.1").lead_today(), ["Bộ Công an", "các Hội đồng điều phối vùng"]);
    }

    #[test]
    fn overdue_after_the_last_year() {
        assert!(!task("A.I.2").is_overdue(2024));
        assert!(task("A.I.2").is_overdue(2025));
        assert!(!task("A.I.1").is_overdue(2025));
        assert!(task("A.I.1").is_overdue(2026));
        assert!(!task("A.I.3").is_overdue(2030), "until its last sub-item ends");
        assert!(task("A.I.3").is_overdue(2031));
        assert!(!task("C.II.1").is_overdue(9999), "ongoing");
    }

    #[test]
    fn parse_rejects_what_is_not_a_seed() {
        assert!(matches!(parse("{}"), Err(SeedError::Json(_))));
        let mut value: serde_json::Value = serde_json::from_str(SEED_JSON).expect("JSON");
        value["tasks"][0]["surprise"] = serde_json::Value::Bool(true);
        assert!(matches!(parse(&value.to_string()), Err(SeedError::Json(_))), "unknown field");

        let mut value: serde_json::Value = serde_json::from_str(SEED_JSON).expect("JSON");
        let first = value["tasks"][0].clone();
        value["tasks"].as_array_mut().expect("tasks").push(first);
        assert!(matches!(parse(&value.to_string()), Err(SeedError::DuplicateId(id)) if id == "A.I.1"));
    }

    #[test]
    fn deadline_json() {
        let read = |json: &str| serde_json::from_str::<Deadline>(json).ok();
        assert_eq!(read(r#"{"kind":"ongoing","start":null,"end":null}"#), Some(Deadline::Ongoing));
        assert_eq!(read(r#"{"kind":"year","start":2024,"end":2024}"#), Some(Deadline::Year(2024)));
        assert_eq!(
            read(r#"{"kind":"range","start":2024,"end":2030}"#),
            Some(Deadline::Range { start: 2024, end: 2030 })
        );
        assert_eq!(read(r#"{"kind":"year","start":2024,"end":2025}"#), None);
        assert_eq!(read(r#"{"kind":"range","start":2030,"end":2024}"#), None);
        assert_eq!(read(r#"{"kind":"ongoing","start":2024,"end":null}"#), None);
        let json = serde_json::to_string(&Deadline::Year(2024)).expect("serialises");
        assert_eq!(json, r#"{"kind":"year","start":2024,"end":2024}"#);
    }
}
