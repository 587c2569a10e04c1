//! The index schema: which fields exist, how each is analysed, and how a
//! dataset document (`package_show`'s dictionary) becomes an index entry.

use crate::analysis::{self, EXACT, FOLD, STEM};
use kho_core::model::Package;
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::{DateTime, TantivyDocument, Term};

/// Version of the schema and of what goes into it. Bump it when either
/// changes: an index built by another version is rebuilt at start.
pub const SCHEMA_VERSION: u32 = 5;

/// Text fields searched by free text, each indexed twice (exact and folded).
pub const TEXT_FIELDS: [&str; 4] = ["title", "tags", "notes", "res"];

/// Keyword fields: exact values, filterable and facetable. The names are
/// CKAN's Solr field names. Each is a fast (columnar) field for facets and
/// sorting; for filtering, all of them share one indexed field, `kw`, whose
/// terms are `name:value`. One term dictionary instead of fifteen makes
/// every new segment (each index commit) and every merge much cheaper.
pub const KEYWORD_FIELDS: [&str; 17] = [
    "id",
    "name",
    "organization",
    "owner_org",
    "groups",
    "tags",
    "res_format",
    "license_id",
    "data_sharing",
    "data_importance",
    "update_frequency",
    "state",
    "capacity",
    "creator_user_id",
    "extras",
    // Kho's quality fields (issue 7): the metadata rating (excellent, good,
    // sufficient, bad) and whether the tables passed validation (success,
    // failure; absent when none was validated).
    "quality_rating",
    "validation_status",
];

/// Fields searchable by name only (`author:…`), folded; free text reaches
/// them through the catch-all field.
pub const NAMED_TEXT_FIELDS: [&str; 7] =
    ["author", "maintainer", "version", "url", "spatial", "res_name", "res_description"];

/// Numeric fields (filterable by range, sortable).
pub const INT_FIELDS: [&str; 2] = ["num_resources", "num_tags"];
/// Date fields (filterable by range, sortable).
pub const DATE_FIELDS: [&str; 2] = ["metadata_modified", "metadata_created"];

/// Handles of every field.
#[derive(Debug, Clone)]
pub struct Fields {
    pub schema: Schema,
    /// `title_x`, `title_f`, `tags_x`, … for each of [`TEXT_FIELDS`].
    pub exact: Vec<Field>,
    pub folded: Vec<Field>,
    /// Author, maintainer, extras' values, agency and theme titles…: folded only.
    pub other: Field,
    /// Everything, folded and stemmed.
    pub stem: Field,
    /// Everything, folded: what free text must match. One posting list per
    /// word keeps matching cheap; the per-field clauses only rank.
    pub all: Field,
    /// One folded field for each of [`NAMED_TEXT_FIELDS`].
    pub named: Vec<Field>,
    pub keywords: Vec<Field>,
    /// The indexed `name:value` terms of every keyword field.
    pub kw: Field,
    pub ints: Vec<Field>,
    pub dates: Vec<Field>,
    /// Folded lower-case title, for `title_string` sorting.
    pub title_sort: Field,
}

impl Default for Fields {
    /// Builds the schema.
    fn default() -> Fields {
        let mut b = Schema::builder();
        let text = |analyzer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let mut exact = Vec::new();
        let mut folded = Vec::new();
        for f in TEXT_FIELDS {
            exact.push(b.add_text_field(&format!("{f}_x"), text(EXACT)));
            folded.push(b.add_text_field(&format!("{f}_f"), text(FOLD)));
        }
        let other = b.add_text_field("other_f", text(FOLD));
        let stem = b.add_text_field("all_stem", text(STEM));
        let all = b.add_text_field("all_f", text(FOLD));
        let named = NAMED_TEXT_FIELDS.iter().map(|f| b.add_text_field(&format!("{f}_f"), text(FOLD))).collect();
        let keywords = KEYWORD_FIELDS
            .iter()
            .map(|f| {
                let fast = TextOptions::from(FAST);
                b.add_text_field(f, if *f == "id" { fast | STORED } else { fast })
            })
            .collect();
        let kw = b.add_text_field("kw", STRING);
        let ints =
            INT_FIELDS.iter().map(|f| b.add_i64_field(f, NumericOptions::default().set_indexed().set_fast())).collect();
        let dates = DATE_FIELDS
            .iter()
            .map(|f| {
                b.add_date_field(
                    f,
                    DateOptions::from(INDEXED).set_fast().set_precision(DateTimePrecision::Microseconds),
                )
            })
            .collect();
        let title_sort = b.add_text_field("title_string", TextOptions::from(FAST));
        Fields { schema: b.build(), exact, folded, other, stem, all, named, keywords, kw, ints, dates, title_sort }
    }
}

impl Fields {
    /// The keyword field called `name`.
    pub fn keyword(&self, name: &str) -> Option<Field> {
        KEYWORD_FIELDS.iter().position(|f| *f == name).map(|i| self.keywords[i])
    }

    /// The indexed term for `value` of keyword field `name`.
    pub fn kw_term(&self, name: &str, value: &str) -> Option<Term> {
        self.keyword(name).map(|_| Term::from_field_text(self.kw, &format!("{name}:{value}")))
    }

    /// The `(exact, folded)` pair of text field `name` (one of [`TEXT_FIELDS`]).
    pub fn text(&self, name: &str) -> Option<(Field, Field)> {
        TEXT_FIELDS.iter().position(|f| *f == name).map(|i| (self.exact[i], self.folded[i]))
    }

    /// The folded field of one of [`NAMED_TEXT_FIELDS`].
    pub fn named(&self, name: &str) -> Option<Field> {
        NAMED_TEXT_FIELDS.iter().position(|f| *f == name).map(|i| self.named[i])
    }

    /// The integer field called `name`.
    pub fn int(&self, name: &str) -> Option<Field> {
        INT_FIELDS.iter().position(|f| *f == name).map(|i| self.ints[i])
    }

    /// The date field called `name`.
    pub fn date(&self, name: &str) -> Option<Field> {
        DATE_FIELDS.iter().position(|f| *f == name).map(|i| self.dates[i])
    }

    /// The id field.
    pub fn id(&self) -> Field {
        self.keywords[0]
    }

    /// The index entry for a dataset. Deleted datasets are not indexed.
    pub fn document(&self, p: &Package) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        let kw = |d: &mut TantivyDocument, name: &str, value: &str| {
            if let Some(f) = self.keyword(name)
                && !value.is_empty()
            {
                d.add_text(f, value);
                d.add_text(self.kw, format!("{name}:{value}"));
            }
        };
        kw(&mut d, "id", &p.id);
        kw(&mut d, "name", &p.name);
        if let Some(o) = &p.organization {
            kw(&mut d, "organization", &o.name);
            d.add_text(self.other, &o.title);
            d.add_text(self.all, &o.title);
        }
        if let Some(o) = &p.owner_org {
            kw(&mut d, "owner_org", o);
        }
        for g in &p.groups {
            kw(&mut d, "groups", &g.name);
            d.add_text(self.other, &g.title);
            d.add_text(self.all, &g.title);
        }
        for t in &p.tags {
            kw(&mut d, "tags", &t.name);
        }
        for r in &p.resources {
            if let Some(f) = r.format.as_deref().filter(|f| !f.is_empty()) {
                kw(&mut d, "res_format", f);
            }
        }
        kw(&mut d, "license_id", p.license_id.as_deref().unwrap_or(""));
        kw(&mut d, "data_sharing", &p.data_sharing);
        kw(&mut d, "data_importance", &p.data_importance);
        kw(&mut d, "update_frequency", p.update_frequency.as_deref().unwrap_or(""));
        kw(&mut d, "state", &p.state);
        kw(&mut d, "capacity", if p.private { "private" } else { "public" });
        kw(&mut d, "creator_user_id", p.creator_user_id.as_deref().unwrap_or(""));
        // The rating as of indexing: timeliness moves with the calendar, so
        // a dataset's band can lag until its next write or index rebuild.
        kw(&mut d, "quality_rating", kho_core::quality::assess(p, &kho_core::timefmt::today()).rating.code());
        kw(&mut d, "validation_status", validation_status(p));
        for e in &p.extras {
            kw(&mut d, "extras", &format!("{}={}", e.key, e.value));
            d.add_text(self.other, &e.value);
            d.add_text(self.all, &e.value);
        }

        // Free text, in both languages where translations exist.
        let mut titles = vec![p.title.as_str()];
        titles.extend(p.title_translated.values().map(String::as_str));
        let tags: Vec<&str> = p.tags.iter().map(|t| t.name.as_str()).collect();
        let mut notes: Vec<&str> = p.notes.iter().map(String::as_str).collect();
        notes.extend(p.notes_translated.values().map(String::as_str));
        let mut res: Vec<&str> = Vec::new();
        for r in &p.resources {
            res.extend(r.name.as_deref());
            res.extend(r.description.as_deref());
        }
        for (i, values) in [titles, tags, notes, res].iter().enumerate() {
            for v in values.iter().filter(|v| !v.is_empty()) {
                d.add_text(self.exact[i], v);
                d.add_text(self.folded[i], v);
                d.add_text(self.stem, v);
                d.add_text(self.all, v);
            }
        }
        for (name, v) in [
            ("author", &p.author),
            ("maintainer", &p.maintainer),
            ("version", &p.version),
            ("spatial", &p.spatial),
            ("url", &p.url),
        ] {
            if let Some(v) = v {
                d.add_text(self.other, v);
                d.add_text(self.all, v);
                if let Some(f) = self.named(name) {
                    d.add_text(f, v);
                }
            }
        }
        for r in &p.resources {
            for (name, v) in [("res_name", &r.name), ("res_description", &r.description)] {
                if let (Some(f), Some(v)) = (self.named(name), v) {
                    d.add_text(f, v);
                }
            }
        }
        d.add_text(self.other, &p.name);
        d.add_text(self.all, &p.name);

        for (name, value) in [("num_resources", p.num_resources), ("num_tags", p.num_tags)] {
            if let Some(f) = self.int(name) {
                d.add_i64(f, i64::try_from(value).unwrap_or(i64::MAX));
            }
        }
        for (name, value) in [("metadata_modified", &p.metadata_modified), ("metadata_created", &p.metadata_created)] {
            if let (Some(f), Some(t)) = (self.date(name), parse_time(value)) {
                d.add_date(f, t);
            }
        }
        let mut sort = analysis::fold(&p.title);
        sort.push('\u{1}');
        sort.push_str(&p.title);
        d.add_text(self.title_sort, &sort);
        d
    }
}

/// Reads a time as Kho and CKAN write them (`2026-11-23T08:00:00.123456`,
/// optionally with `Z` or an offset) or a bare date (`2026-11-23`).
pub fn parse_time(s: &str) -> Option<DateTime> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::{Date, OffsetDateTime, PrimitiveDateTime};
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(DateTime::from_timestamp_nanos(to_nanos(t)?));
    }
    let fmt = format_description!(
        version = 2,
        "[year]-[month]-[day][first [T] [ ]][hour]:[minute][optional [:[second][optional [.[subsecond]]]]]"
    );
    if let Ok(t) = PrimitiveDateTime::parse(s.trim_end_matches('Z'), &fmt) {
        return Some(DateTime::from_timestamp_nanos(to_nanos(t.assume_utc())?));
    }
    let day = format_description!("[year]-[month]-[day]");
    let d = Date::parse(s, &day).ok()?;
    Some(DateTime::from_timestamp_nanos(to_nanos(d.midnight().assume_utc())?))
}

fn to_nanos(t: time::OffsetDateTime) -> Option<i64> {
    i64::try_from(t.unix_timestamp_nanos()).ok()
}

/// A dataset's validation state for the facet: `failure` when any table
/// has errors (or could not be validated), `success` when every validated
/// table passed, empty when none was validated.
fn validation_status(p: &Package) -> &'static str {
    let states = p.resources.iter().filter_map(|r| r.extras.get("validation_status").and_then(|v| v.as_str()));
    let mut out = "";
    for s in states {
        match s {
            "failure" | "error" => return "failure",
            "success" => out = "success",
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_form() {
        let a = parse_time("2026-11-23T08:00:00.123456").unwrap();
        let b = parse_time("2026-11-23T08:00:00.123456Z").unwrap();
        assert_eq!(a, b);
        assert!(parse_time("2026-11-23").unwrap() < a);
        assert!(parse_time("2026-11-23T08:00:00+07:00").unwrap() < a);
        assert!(parse_time("not a time").is_none());
    }
}
