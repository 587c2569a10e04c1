//! A tiny query builder that numbers `$N` placeholders itself.
//!
//! sqlx's `QueryBuilder` asks the database type for its placeholder syntax;
//! through the `Any` driver that is not `$N`, which PostgreSQL requires and
//! SQLite accepts. This builder always writes `$N`.

use crate::StoreError;
use kho_core::authz::DatasetFilter;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, FromRow};

enum Arg {
    Text(String),
    Int(i64),
}

/// SQL text with its bound arguments.
#[derive(Default)]
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Sql { text: text.to_string(), args: Vec::new() }
    }

    pub(crate) fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    fn placeholder(&mut self) {
        self.text.push('$');
        self.text.push_str(&(self.args.len()).to_string());
    }

    pub(crate) fn text(&mut self, v: impl Into<String>) -> &mut Self {
        self.args.push(Arg::Text(v.into()));
        self.placeholder();
        self
    }

    pub(crate) fn int(&mut self, v: i64) -> &mut Self {
        self.args.push(Arg::Int(v));
        self.placeholder();
        self
    }

    /// Writes `(v1, v2, …)`, or `(NULL)` for an empty list (matches nothing).
    pub(crate) fn in_list(&mut self, values: &[String]) -> &mut Self {
        if values.is_empty() {
            return self.push("(NULL)");
        }
        self.push("(");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.text(v.clone());
        }
        self.push(")")
    }

    /// Appends the SQL form of a [`DatasetFilter`] over the packages table
    /// aliased `p`. It must say exactly what [`DatasetFilter::allows`] says;
    /// `tests::filter_sql_agrees_with_rust` checks that.
    pub(crate) fn visible(&mut self, f: &DatasetFilter) -> &mut Self {
        if f.all {
            return self.push("1 = 1");
        }
        self.push("((p.state = 'active' AND (p.private = 0 OR p.owner_org IN ");
        self.in_list(&f.member_orgs);
        self.push(")) OR (p.state = 'draft' AND (p.owner_org IN ");
        self.in_list(&f.editor_orgs);
        if let Some(u) = &f.user_id {
            self.push(" OR p.creator_user_id = ");
            self.text(u.clone());
        }
        self.push(")))")
    }

    fn bind<'q, O>(
        self,
        mut q: sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments>,
    ) -> sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments> {
        for a in self.args {
            q = match a {
                Arg::Text(s) => q.bind(s),
                Arg::Int(i) => q.bind(i),
            };
        }
        q
    }

    pub(crate) async fn fetch_all<T>(self, conn: &mut AnyConnection) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let sql = sqlx::AssertSqlSafe(self.text.clone());
        let q = self.bind(sqlx::query_as::<_, T>(sql));
        Ok(q.fetch_all(conn).await?)
    }

    pub(crate) async fn fetch_one<T>(self, conn: &mut AnyConnection) -> Result<T, StoreError>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let sql = sqlx::AssertSqlSafe(self.text.clone());
        let q = self.bind(sqlx::query_as::<_, T>(sql));
        Ok(q.fetch_one(conn).await?)
    }
}
