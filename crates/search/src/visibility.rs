//! Who may see what, as an index filter: the index form of
//! [`DatasetFilter::allows`], plus CKAN's `include_private` and
//! `include_drafts` switches (both off by default, as in CKAN).
//!
//! A dataset matches when it is visible to the caller *and* the switches
//! let it through: private ones only with `include_private`, drafts only
//! with `include_drafts`. Deleted datasets are never indexed.

use crate::schema::Fields;
use kho_core::authz::DatasetFilter;
use kho_core::model::DatasetAccess;
use kho_core::vocab::DatasetState;
use tantivy::query::{BooleanQuery, EmptyQuery, Occur, Query, TermQuery, TermSetQuery};
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

/// The same rule on one dataset: visible to the caller and let through by
/// the switches. `package_search` re-checks every hit with it against the
/// database, which has the last word.
/// A deleted dataset is never a search result, even for sysadmins (whom
/// `allows` lets read it): the index drops it, and the database, read
/// before the index catches up, must not bring it back.
pub fn admits(f: &DatasetFilter, d: &DatasetAccess, include_private: bool, include_drafts: bool) -> bool {
    let state_ok = match d.state {
        DatasetState::Active => true,
        DatasetState::Draft => include_drafts,
        DatasetState::Deleted => false,
    };
    f.allows(d) && (include_private || !d.private) && state_ok
}

/// The filter every search is ANDed with. Only the ways of seeing a
/// dataset that the switches allow are built, so the common case (no
/// private datasets, no drafts) is one intersection of two terms.
pub fn filter(fields: &Fields, f: &DatasetFilter, include_private: bool, include_drafts: bool) -> Box<dyn Query> {
    let mut ways = vec![all(vec![term(fields, "state", "active"), term(fields, "capacity", "public")])];
    if include_private {
        let mut private = vec![term(fields, "state", "active"), term(fields, "capacity", "private")];
        if !f.all {
            private.push(any_of(fields, "owner_org", &f.member_orgs));
        }
        if f.all || !f.member_orgs.is_empty() {
            ways.push(all(private));
        }
    }
    if include_drafts {
        let mut whose = Vec::new();
        if let Some(uid) = &f.user_id {
            whose.push(term(fields, "creator_user_id", uid));
        }
        if !f.editor_orgs.is_empty() {
            whose.push(any_of(fields, "owner_org", &f.editor_orgs));
        }
        if f.all || !whose.is_empty() {
            let mut draft = vec![term(fields, "state", "draft")];
            if !include_private {
                draft.push(term(fields, "capacity", "public"));
            }
            if !f.all {
                draft.push(any(whose));
            }
            ways.push(all(draft));
        }
    }
    if ways.len() == 1 { ways.remove(0) } else { any(ways) }
}

#[cfg(test)]
mod tests {
    use super::{DatasetFilter, Fields};
    use kho_core::model::DatasetAccess;
    use kho_core::vocab::{DatasetState, Vocabulary};
    use proptest::prelude::*;
    use tantivy::collector::DocSetCollector;
    use tantivy::schema::Value;
    use tantivy::{Index, TantivyDocument};

    fn org(i: u8) -> Option<String> {
        (i < 3).then(|| format!("o{i}"))
    }

    fn user(i: u8) -> Option<String> {
        (i < 2).then(|| format!("u{i}"))
    }

    #[test]
    fn deleted_datasets_are_never_admitted() {
        let all = DatasetFilter { all: true, member_orgs: vec![], editor_orgs: vec![], user_id: None };
        let mut d = DatasetAccess {
            id: "x".into(),
            name: "x".into(),
            owner_org: None,
            private: false,
            state: DatasetState::Deleted,
            creator_user_id: None,
            harvest_source_id: None,
        };
        assert!(!super::admits(&all, &d, true, true), "not even for a sysadmin with every switch on");
        d.state = DatasetState::Draft;
        assert!(super::admits(&all, &d, true, true) && !super::admits(&all, &d, true, false));
    }

    proptest! {
        /// The index filter admits exactly what `DatasetFilter::allows` and
        /// CKAN's two switches admit: one rule, two forms.
        #[test]
        fn filter_agrees_with_allows(
            docs in proptest::collection::vec((0u8..4, any::<bool>(), any::<bool>(), 0u8..3), 1..40),
            all_ in any::<bool>(),
            members in proptest::collection::btree_set(0u8..3, 0..3),
            editors in proptest::collection::btree_set(0u8..3, 0..3),
            uid in 0u8..3,
            include_private in any::<bool>(),
            include_drafts in any::<bool>(),
        ) {
            let fields = Fields::default();
            let index = Index::create_in_ram(fields.schema.clone());
            crate::analysis::register(index.tokenizers());
            let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
            let mut access = Vec::new();
            for (i, (o, private, draft, creator)) in docs.iter().enumerate() {
                let a = DatasetAccess {
                    id: format!("d{i}"),
                    name: format!("d{i}"),
                    owner_org: org(*o),
                    private: *private,
                    state: if *draft { DatasetState::Draft } else { DatasetState::Active },
                    creator_user_id: user(*creator),
                    harvest_source_id: None,
                };
                let mut d = TantivyDocument::default();
                d.add_text(fields.keyword("id").unwrap(), &a.id);
                for (k, v) in [
                    ("state", Some(a.state.code().to_string())),
                    ("capacity", Some(if a.private { "private" } else { "public" }.to_string())),
                    ("owner_org", a.owner_org.clone()),
                    ("creator_user_id", a.creator_user_id.clone()),
                ] {
                    if let Some(v) = v {
                        d.add_text(fields.kw, format!("{k}:{v}"));
                    }
                }
                writer.add_document(d).unwrap();
                access.push(a);
            }
            writer.commit().unwrap();
            let filter = DatasetFilter {
                all: all_,
                member_orgs: members.iter().filter_map(|o| org(*o)).collect(),
                // Editors are members too, as dataset_filter makes them.
                editor_orgs: editors.intersection(&members).filter_map(|o| org(*o)).collect(),
                user_id: user(uid),
            };
            let searcher = index.reader().unwrap().searcher();
            let q = super::filter(&fields, &filter, include_private, include_drafts);
            let mut found: Vec<String> = searcher
                .search(&q, &DocSetCollector)
                .unwrap()
                .into_iter()
                .map(|addr| {
                    let d: TantivyDocument = searcher.doc(addr).unwrap();
                    d.get_first(fields.id()).and_then(|v| v.as_str()).unwrap().to_string()
                })
                .collect();
            found.sort();
            let mut expected: Vec<String> = access
                .iter()
                .filter(|a| super::admits(&filter, a, include_private, include_drafts))
                .map(|a| a.id.clone())
                .collect();
            expected.sort();
            prop_assert_eq!(found, expected);
        }
    }
}
