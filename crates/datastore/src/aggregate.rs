//! Grouped summaries of a table, the data behind charts: one value per
//! group of a column (`SUM(dân_số)` by `tỉnh`, or how many rows each group
//! has), built with DataFusion's DataFrame API, never from SQL text, so a
//! column name can hold any character.

use crate::engine::{Engine, RowQuery, TableRef, col_of, field, predicate, with_id};
use crate::error::{DatastoreError, Result};
use crate::types::FieldType;
use datafusion::arrow::array::{Array, Float64Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::functions_aggregate::expr_fn::{avg, count, max, min, sum};
use datafusion::logical_expr::{cast, lit};
use futures_util::TryStreamExt;

/// How the rows of a group become one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    /// Rows in the group (no value column needed).
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl Agg {
    /// Reads `count`, `sum`, `avg` (or `mean`), `min`, `max`.
    pub fn parse(s: &str) -> Option<Agg> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "count" => Agg::Count,
            "sum" => Agg::Sum,
            "avg" | "mean" => Agg::Avg,
            "min" => Agg::Min,
            "max" => Agg::Max,
            _ => return None,
        })
    }

    /// Its name in parameters.
    pub fn name(self) -> &'static str {
        match self {
            Agg::Count => "count",
            Agg::Sum => "sum",
            Agg::Avg => "avg",
            Agg::Min => "min",
            Agg::Max => "max",
        }
    }
}

/// The order groups come back in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupOrder {
    /// Largest value first (bar and pie charts), ties by label.
    ValueDesc,
    /// By the group column's own order: numbers as numbers, dates as
    /// dates (line charts over time).
    Label,
}

/// What to summarise.
#[derive(Debug, Clone)]
pub struct Aggregation {
    /// The column whose values make the groups.
    pub group: String,
    /// The column summarised; `None` only with [`Agg::Count`].
    pub value: Option<String>,
    pub agg: Agg,
    pub order: GroupOrder,
    /// Groups returned at most (the first ones in `order`).
    pub limit: usize,
}

/// Summarised groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Groups {
    /// `(label, value)`; the label is `None` for the group of empty cells,
    /// the value `None` when every value in the group was empty.
    pub points: Vec<(Option<String>, Option<f64>)>,
    /// Groups there are in all (more than `points` when cut at `limit`).
    pub groups: u64,
}

/// Groups returned at most, whatever is asked.
pub const MAX_GROUPS: usize = 5_000;

impl Engine {
    /// Summarises the rows of `table` that `q` matches (its filters and
    /// full-text words; its fields, sort and distinct are ignored) into
    /// one value per group.
    pub async fn aggregate(&self, table: &TableRef, q: &RowQuery, a: &Aggregation) -> Result<Groups> {
        let all = with_id(table);
        let group = field(&all, &a.group)?;
        let value_expr = match (&a.value, a.agg) {
            (_, Agg::Count) => count(lit(1i64)),
            (None, agg) => {
                return Err(DatastoreError::Invalid(format!(
                    "\"{}\" needs a value column; choose one, or count rows",
                    agg.name()
                )));
            }
            (Some(v), agg) => {
                let f = field(&all, v)?;
                if !matches!(f.ty, FieldType::Int | FieldType::Numeric) {
                    return Err(DatastoreError::Invalid(format!(
                        "Column \"{v}\" holds {} values; \"{}\" needs numbers: choose a numeric column, or count rows",
                        f.ty.name(),
                        agg.name()
                    )));
                }
                let c = cast(col_of(v), DataType::Float64);
                match agg {
                    Agg::Sum => sum(c),
                    Agg::Avg => avg(c),
                    Agg::Min => min(c),
                    Agg::Max => max(c),
                    Agg::Count => count(lit(1i64)),
                }
            }
        };
        let ctx = self.session(std::slice::from_ref(table), self.options().partitions).await?;
        let mut df = ctx.table(datafusion::common::TableReference::bare(table.name.as_str())).await?;
        if let Some(p) = predicate(table, q)? {
            df = df.filter(p)?;
        }
        let grouped = df.aggregate(vec![col_of(&group.id).alias("g")], vec![value_expr.alias("v")])?;
        let groups = grouped.clone().count().await? as u64;
        let order = match a.order {
            GroupOrder::ValueDesc => vec![col_of("v").sort(false, false), col_of("g").sort(true, false)],
            GroupOrder::Label => vec![col_of("g").sort(true, false)],
        };
        let limit = a.limit.clamp(1, MAX_GROUPS);
        let page = grouped.sort(order)?.limit(0, Some(limit))?.select(vec![
            cast(col_of("g"), DataType::Utf8).alias("label"),
            cast(col_of("v"), DataType::Float64).alias("value"),
        ])?;
        let batches: Vec<_> = page.execute_stream().await?.try_collect().await?;
        let mut points = Vec::new();
        for b in &batches {
            let labels = b
                .column(0)
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| DatastoreError::Internal("group labels are not text".into()))?;
            let values = b
                .column(1)
                .as_any()
                .downcast_ref::<Float64Array>()
                .ok_or_else(|| DatastoreError::Internal("group values are not numbers".into()))?;
            for i in 0..b.num_rows() {
                let label = labels.is_valid(i).then(|| labels.value(i).to_string());
                let value = values.is_valid(i).then(|| values.value(i));
                points.push((label, value));
            }
        }
        Ok(Groups { points, groups })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineOptions;
    use crate::ingest::{LoadOptions, LoadProgress, SourceFormat, load_file};

    async fn table(csv: &str) -> (tempfile::TempDir, TableRef) {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("t.csv");
        std::fs::write(&src, csv).unwrap();
        let dest = dir.path().join("t.parquet");
        let report =
            load_file(&src, SourceFormat::Csv, &LoadOptions::default(), &dest, &LoadProgress::default()).unwrap();
        let t = TableRef { name: "t".into(), path: dest, fields: report.fields, rows: Some(report.rows) };
        (dir, t)
    }

    fn agg(group: &str, value: Option<&str>, agg: Agg, order: GroupOrder) -> Aggregation {
        Aggregation { group: group.into(), value: value.map(str::to_string), agg, order, limit: 10 }
    }

    #[tokio::test]
    async fn sums_counts_and_orders_groups() {
        let (_d, t) = table("tỉnh,năm,dân số\nHà Nội,2024,10\nHuế,2024,3\nHà Nội,2025,12\n,2025,1\nHuế,2025,\n").await;
        let e = Engine::new(EngineOptions::default()).unwrap();
        let q = RowQuery::default();
        let g = e.aggregate(&t, &q, &agg("tỉnh", Some("dân số"), Agg::Sum, GroupOrder::ValueDesc)).await.unwrap();
        assert_eq!(g.groups, 3);
        assert_eq!(
            g.points,
            vec![(Some("Hà Nội".into()), Some(22.0)), (Some("Huế".into()), Some(3.0)), (None, Some(1.0))]
        );
        let g = e.aggregate(&t, &q, &agg("năm", None, Agg::Count, GroupOrder::Label)).await.unwrap();
        assert_eq!(g.points, vec![(Some("2024".into()), Some(2.0)), (Some("2025".into()), Some(3.0))]);
        let mut filtered = RowQuery::default();
        filtered.filters.push(("năm".into(), vec![serde_json::json!(2025)]));
        let g = e.aggregate(&t, &filtered, &agg("tỉnh", Some("dân số"), Agg::Max, GroupOrder::Label)).await.unwrap();
        // Text sorts by code point ("Hu" before "Hà"), empty cells last.
        assert_eq!(g.points, vec![(Some("Huế".into()), None), (Some("Hà Nội".into()), Some(12.0)), (None, Some(1.0))]);
    }

    #[tokio::test]
    async fn numbers_sort_as_numbers_and_limits_cut() {
        let (_d, t) = table("n,v\n10,1\n9,2\n100,3\n").await;
        let e = Engine::new(EngineOptions::default()).unwrap();
        let mut a = agg("n", Some("v"), Agg::Sum, GroupOrder::Label);
        let g = e.aggregate(&t, &RowQuery::default(), &a).await.unwrap();
        let labels: Vec<_> = g.points.iter().map(|p| p.0.clone().unwrap()).collect();
        assert_eq!(labels, ["9", "10", "100"]);
        a.limit = 2;
        a.order = GroupOrder::ValueDesc;
        let g = e.aggregate(&t, &RowQuery::default(), &a).await.unwrap();
        assert_eq!((g.points.len(), g.groups), (2, 3));
        assert_eq!(g.points[0], (Some("100".into()), Some(3.0)));
    }

    #[tokio::test]
    async fn refuses_text_values_and_unknown_columns() {
        let (_d, t) = table("a,b\nx,y\n").await;
        let e = Engine::new(EngineOptions::default()).unwrap();
        let err = e.aggregate(&t, &RowQuery::default(), &agg("a", Some("b"), Agg::Sum, GroupOrder::Label)).await;
        assert!(matches!(err, Err(DatastoreError::Invalid(m)) if m.contains("needs numbers")));
        let err = e.aggregate(&t, &RowQuery::default(), &agg("zz", None, Agg::Count, GroupOrder::Label)).await;
        assert!(matches!(err, Err(DatastoreError::Invalid(m)) if m.contains("zz")));
        let err = e.aggregate(&t, &RowQuery::default(), &agg("a", None, Agg::Avg, GroupOrder::Label)).await;
        assert!(matches!(err, Err(DatastoreError::Invalid(m)) if m.contains("value column")));
    }
}
