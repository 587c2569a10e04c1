//! What `datastore_search_sql` accepts: one read-only query.
//!
//! The check runs on the parsed statement, before planning:
//! - exactly one statement, and it is a query (`SELECT`, `WITH … SELECT`,
//!   `VALUES`, set operations); not `SELECT … INTO`, not `FOR UPDATE`;
//! - tables are named by resource id alone (no schema or catalog, so no
//!   `information_schema` or `pg_catalog`); the caller authorises each;
//! - no function that reaches outside the query or can exhaust memory in
//!   one call (a deny list: `pg_*`, `lo_*`, `dblink*`, file and sleep
//!   functions, `repeat`, `lpad`, `rpad`).
//!
//! The engine adds the rest: only the authorised tables exist in the
//! session, DDL, DML and `SET` are refused by DataFusion's SQL options,
//! and a time, row and memory limit bound every query.

use crate::error::{DatastoreError, Result};
use datafusion::sql::parser::{DFParserBuilder, Statement as DFStatement};
use datafusion::sql::sqlparser::ast::{Expr, SetExpr, Statement, TableFactor, Visit, Visitor, visit_expressions};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use std::ops::ControlFlow;

/// Longest SQL text accepted.
pub const MAX_SQL_BYTES: usize = 64 * 1024;

/// Function name prefixes refused (case-insensitive).
const DENIED_PREFIXES: [&str; 6] = ["pg_", "lo_", "dblink", "read_", "copy", "set_config"];

/// Table functions allowed (they read no table): DataFusion's generators.
const TABLE_FUNCTIONS: [&str; 2] = ["generate_series", "range"];

/// Collects the names of table functions called in `FROM`.
#[derive(Default)]
struct TableFunctions {
    names: Vec<String>,
    denied: Option<String>,
}

impl Visitor for TableFunctions {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, args: Some(_), .. } = factor {
            let n = name.to_string().to_lowercase();
            if TABLE_FUNCTIONS.contains(&n.as_str()) {
                self.names.push(n);
            } else {
                self.denied = Some(n);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// Function names refused (case-insensitive).
const DENIED: [&str; 8] = ["repeat", "lpad", "rpad", "sleep", "current_setting", "query_to_xml", "load_file", "file"];

/// SQL that passed [`check`], with the tables it reads: the only thing
/// the engine runs, so no query skips the check (and none is parsed twice
/// for it).
#[derive(Debug, Clone)]
pub struct CheckedSql {
    text: String,
    tables: Vec<String>,
}

impl CheckedSql {
    /// The query.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The table names it reads (without CTE names), for the caller to
    /// resolve and authorise.
    pub fn tables(&self) -> &[String] {
        &self.tables
    }
}

/// Checks `sql`.
pub fn check(sql: &str) -> Result<CheckedSql> {
    if sql.len() > MAX_SQL_BYTES {
        return Err(DatastoreError::TooLarge(format!("The SQL is longer than {} kB", MAX_SQL_BYTES / 1024)));
    }
    let dialect = PostgreSqlDialect {};
    let mut statements = DFParserBuilder::new(sql)
        .with_dialect(&dialect)
        .with_recursion_limit(64)
        .build()
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| DatastoreError::Query(format!("The SQL does not parse: {}", strip(&e.to_string()))))?;
    if statements.len() != 1 {
        return Err(DatastoreError::Forbidden(format!(
            "Send exactly one SELECT statement (got {}); datastore_search_sql is read-only",
            statements.len()
        )));
    }
    let Some(statement) = statements.pop_front() else {
        return Err(DatastoreError::Forbidden("The SQL is empty".into()));
    };
    let query = match &statement {
        DFStatement::Statement(s) => match s.as_ref() {
            Statement::Query(q) => q,
            other => return Err(not_read_only(first_word(&other.to_string()))),
        },
        DFStatement::CopyTo(_) => return Err(not_read_only("COPY")),
        DFStatement::CreateExternalTable(_) => return Err(not_read_only("CREATE EXTERNAL TABLE")),
        DFStatement::Explain(_) => return Err(not_read_only("EXPLAIN")),
        DFStatement::Reset(_) => return Err(not_read_only("RESET")),
    };
    if !query.locks.is_empty() {
        return Err(not_read_only("SELECT … FOR UPDATE"));
    }
    check_set_expr(&query.body)?;
    let denied = visit_expressions(query, |e: &Expr| {
        if let Expr::Function(f) = e {
            let name = f.name.to_string().to_lowercase();
            let base = name.rsplit('.').next().unwrap_or(&name).trim_matches('"').to_string();
            if name.contains('.')
                || DENIED.contains(&base.as_str())
                || DENIED_PREFIXES.iter().any(|p| base.starts_with(p))
            {
                return ControlFlow::Break(base);
            }
        }
        ControlFlow::Continue(())
    });
    if let ControlFlow::Break(name) = denied {
        return Err(DatastoreError::Forbidden(format!("The function {name}() is not allowed in datastore_search_sql")));
    }
    let mut functions = TableFunctions::default();
    let _ = query.visit(&mut functions);
    if let Some(name) = functions.denied {
        return Err(DatastoreError::Forbidden(format!(
            "The table function {name}() is not allowed in datastore_search_sql (only generate_series and range are)"
        )));
    }
    let (tables, _ctes) = datafusion::sql::resolve::resolve_table_references(&statement, true)
        .map_err(|e| DatastoreError::Query(strip(&e.to_string())))?;
    let mut names = Vec::with_capacity(tables.len());
    for t in tables {
        if t.schema().is_some() || t.catalog().is_some() {
            return Err(DatastoreError::Forbidden(format!(
                "Table \"{t}\" is not allowed: name tables by their resource id only, as \"<resource id>\""
            )));
        }
        // Generators share the relation list; they read no table.
        if functions.names.iter().any(|f| f == t.table()) {
            continue;
        }
        names.push(t.table().to_string());
    }
    names.sort();
    names.dedup();
    Ok(CheckedSql { text: sql.to_string(), tables: names })
}

fn check_set_expr(body: &SetExpr) -> Result<()> {
    match body {
        SetExpr::Select(s) if s.into.is_some() => Err(not_read_only("SELECT … INTO")),
        SetExpr::SetOperation { left, right, .. } => {
            check_set_expr(left)?;
            check_set_expr(right)
        }
        SetExpr::Query(q) => check_set_expr(&q.body),
        SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
            Err(not_read_only("a write"))
        }
        _ => Ok(()),
    }
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or("")
}

fn not_read_only(what: &str) -> DatastoreError {
    DatastoreError::Forbidden(format!(
        "Only SELECT queries are allowed: datastore_search_sql is read-only, and {what} is not a SELECT"
    ))
}

fn strip(m: &str) -> String {
    m.trim_start_matches("SQL error: ").trim_start_matches("ParserError(\"").trim_end_matches("\")").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_allowed_and_tables_listed() {
        let t = check(r#"SELECT "tỉnh", SUM(x) FROM "abc-1" JOIN "def" USING (id) GROUP BY 1"#).unwrap();
        assert_eq!(t.tables(), ["abc-1", "def"]);
        let t = check(r#"WITH a AS (SELECT * FROM "r1") SELECT * FROM a WHERE id IN (SELECT id FROM "r2")"#).unwrap();
        assert_eq!(t.tables(), ["r1", "r2"], "CTE names are not tables; sub-queries' tables are");
        assert!(check("SELECT 1").unwrap().tables().is_empty());
        assert!(check("SELECT * FROM generate_series(1, 3)").unwrap().tables().is_empty());
        assert_eq!(check(r#"SELECT * FROM "r1", generate_series(1, 3)"#).unwrap().tables(), ["r1"]);
    }

    #[test]
    fn writes_and_escapes_are_refused() {
        for sql in [
            r#"DELETE FROM "r1""#,
            r#"INSERT INTO "r1" VALUES (1)"#,
            r#"UPDATE "r1" SET a = 1"#,
            r#"DROP TABLE "r1""#,
            r#"CREATE TABLE x AS SELECT 1"#,
            r#"SELECT 1; DELETE FROM "r1""#,
            r#"COPY "r1" TO '/tmp/x.csv'"#,
            r#"CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'"#,
            r#"SELECT * INTO t2 FROM "r1""#,
            r#"SELECT * FROM "r1" FOR UPDATE"#,
            r#"SET datafusion.execution.batch_size = 1"#,
            r#"SELECT pg_read_file('/etc/passwd')"#,
            r#"SELECT pg_sleep(100)"#,
            r#"SELECT repeat('x', 2000000000)"#,
            r#"SELECT * FROM information_schema.tables"#,
            r#"SELECT * FROM pg_catalog.pg_tables"#,
            r#"EXPLAIN SELECT 1"#,
            r#"SELECT * FROM read_parquet('/etc/passwd')"#,
        ] {
            let e = check(sql).expect_err(sql);
            assert!(matches!(e, DatastoreError::Forbidden(_) | DatastoreError::Query(_)), "{sql}: {e:?}");
        }
        assert!(matches!(check("SELEC 1"), Err(DatastoreError::Query(_))));
        assert!(matches!(check(&"x".repeat(MAX_SQL_BYTES + 1)), Err(DatastoreError::TooLarge(_))));
    }
}
