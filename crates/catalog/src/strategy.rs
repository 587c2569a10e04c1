//! Monitoring the National Data Strategy (Decision 142/QĐ-TTg): its 2030
//! targets and the key tasks of its appendix, from the curated seed in
//! `kho-strategy`, with the ministries that hold each task today.

use crate::{Error, Result};
use kho_core::input::Fields;
use kho_strategy::{Task, seed};
use serde_json::{Value, json};

/// A task as the API gives it: the seed's fields, today's lead agencies
/// and the changes that moved it (with their date and legal basis).
fn task_json(t: &Task, year: i32) -> Value {
    let s = seed();
    let mut v = json!(t);
    let changes: Vec<Value> = t
        .lead_vi
        .iter()
        .filter_map(|a| s.change_for(a))
        .map(
            |c| json!({"original": c.original_vi, "current": c.current_vi, "effective": c.effective, "basis": c.basis}),
        )
        .collect();
    v["lead_today"] = json!(t.lead_today());
    v["lead_changes"] = Value::Array(changes);
    v["overdue"] = json!(t.is_overdue(year));
    v
}

fn this_year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

impl crate::Catalog {
    /// `strategy_target_list`: the Decision's quantified targets, with the
    /// indicator Kho computes for each where it has the data.
    pub fn strategy_target_list(&self) -> Value {
        let s = seed();
        json!({"decision": s.decision, "targets": s.targets})
    }

    /// `strategy_task_list`: the appendix's key tasks, filtered by `part`
    /// (A|B|C), `group` (Roman numeral), `agency` (a lead agency as the
    /// Decision names it or as it is today), `overdue` (true: the time
    /// ended before this year).
    pub fn strategy_task_list(&self, mut f: Fields) -> Result<Value> {
        let part = f.text("part", 2).map(|p| p.to_ascii_uppercase());
        let group = f.text("group", 10).map(|g| g.to_ascii_uppercase());
        let agency = f.text("agency", 300);
        let overdue = f.bool("overdue");
        f.reject_unknown("strategy_task_list takes part, group, agency and overdue.");
        f.finish()?;
        if let Some(p) = &part
            && !["A", "B", "C"].contains(&p.as_str())
        {
            return Err(Error::field("part", "Value must be one of A, B, C"));
        }
        let year = this_year();
        let tasks: Vec<Value> = seed()
            .tasks
            .iter()
            .filter(|t| part.as_ref().is_none_or(|p| t.part.as_str() == p))
            .filter(|t| group.as_ref().is_none_or(|g| &t.group == g))
            .filter(|t| {
                agency.as_ref().is_none_or(|a| t.lead_vi.iter().any(|l| l == a) || t.lead_today().contains(&a.as_str()))
            })
            .filter(|t| overdue.is_none_or(|o| t.is_overdue(year) == o))
            .map(|t| task_json(t, year))
            .collect();
        Ok(json!({"count": tasks.len(), "results": tasks, "agency_changes": seed().agency_changes}))
    }

    /// `strategy_task_show`: one task by id (e.g. `C.XIV.3`).
    pub fn strategy_task_show(&self, id: &str) -> Result<Value> {
        let t =
            seed().task(id).ok_or_else(|| Error::not_found(format!("No task \"{id}\" in the Strategy's appendix")))?;
        Ok(task_json(t, this_year()))
    }
}
