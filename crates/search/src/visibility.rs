//! Who may see what, as an index filter: the index form of
//! [`DatasetFilter::allows`], plus CKAN's `include_private` and
//! `include_drafts` switches (both off by default, as in CKAN).
//!
//! A dataset matches when it is visible to the caller *and* the switches
//! let it through: private ones only with `include_private`, drafts only
//! with `include_drafts`. Deleted datasets are never indexed.

use crate::schema::Fields;
use kho_core::authz::DatasetFilter;
use tantivy::query::{AllQuery, BooleanQuery, EmptyQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::IndexRecordOption;

fn term(fields: &Fields, field: &str, value: &str) -> Box<dyn Query> {
    match fields.kw_term(field, value) {
        Some(t) => Box::new(TermQuery::new(t, IndexRecordOption::Basic)),
        None => Box::new(EmptyQuery),
    }
}

fn any_of(fields: &Fields, field: &str, values: &[String]) -> Box<dyn Query> {
    let terms: Vec<_> = values.iter().filter_map(|v| fields.kw_term(field, v)).collect();
    if terms.is_empty() {
        return Box::new(EmptyQuery);
    }
    Box::new(TermSetQuery::new(terms))
}

fn all(qs: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(qs.into_iter().map(|q| (Occur::Must, q)).collect()))
}

fn any(qs: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(qs.into_iter().map(|q| (Occur::Should, q)).collect()))
}

/// The filter every search is ANDed with.
pub fn filter(fields: &Fields, f: &DatasetFilter, include_private: bool, include_drafts: bool) -> Box<dyn Query> {
    let visible: Box<dyn Query> = if f.all {
        Box::new(AllQuery)
    } else {
        let mut ways = vec![all(vec![term(fields, "state", "active"), term(fields, "capacity", "public")])];
        if !f.member_orgs.is_empty() {
            ways.push(all(vec![term(fields, "state", "active"), any_of(fields, "owner_org", &f.member_orgs)]));
        }
        let mut draft_ways = Vec::new();
        if let Some(uid) = &f.user_id {
            draft_ways.push(term(fields, "creator_user_id", uid));
        }
        if !f.editor_orgs.is_empty() {
            draft_ways.push(any_of(fields, "owner_org", &f.editor_orgs));
        }
        if !draft_ways.is_empty() {
            ways.push(all(vec![term(fields, "state", "draft"), any(draft_ways)]));
        }
        any(ways)
    };
    let mut parts = vec![visible];
    if !include_private {
        parts.push(term(fields, "capacity", "public"));
    }
    if !include_drafts {
        parts.push(term(fields, "state", "active"));
    }
    all(parts)
}
