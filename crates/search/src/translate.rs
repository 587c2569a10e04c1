//! From a parsed query ([`crate::query::Expr`]) to a tantivy query.
//!
//! Free text (no field, or `text:`) is searched in every text field, each
//! word required somewhere, with weights title > tags > notes > resources >
//! the rest, an exact-diacritics match above a folded one, and one typo
//! allowed in words of five letters or more. Field clauses use CKAN's Solr
//! field names; an unknown field is a query error, as Solr makes it.

use crate::analysis::{self, EXACT, FOLD, STEM};
use crate::query::{Expr, Occur as QOccur, QueryError, Value};
use crate::schema::{Fields, parse_time};
use std::ops::Bound;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, ExistsQuery, FuzzyTermQuery, Occur, PhraseQuery,
    Query, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime, Term};

/// Weights of the text fields, in [`crate::schema::TEXT_FIELDS`] order (exact match).
const WEIGHTS: [f32; 4] = [10.0, 6.0, 2.0, 1.0];
/// A folded match counts this share of an exact one.
const FOLDED_SHARE: f32 = 0.5;
/// Weight of the catch-all and stemmed fields.
const MINOR: f32 = 0.5;
/// A one-typo match counts this share of a folded one.
const FUZZY_SHARE: f32 = 0.3;
/// Shortest word (in characters) that tolerates a typo.
const FUZZY_MIN_CHARS: usize = 5;

/// Translates parsed queries for one index.
pub struct Translator<'a> {
    fields: &'a Fields,
    exact: TextAnalyzer,
    fold: TextAnalyzer,
    stem: TextAnalyzer,
    /// Folded words and phrases of the free-text part, for highlighting.
    pub highlight_terms: Vec<String>,
    now: DateTime,
    /// Whether a term occurs in the index: typo tolerance is only tried for
    /// words the index does not have (a fuzzy automaton costs far more
    /// than a term lookup).
    exists: Box<dyn Fn(&Term) -> bool + 'a>,
}

impl<'a> Translator<'a> {
    /// A translator; `now` anchors `NOW` in date ranges; `exists` tells
    /// whether a term is in the index.
    pub fn new(fields: &'a Fields, now: DateTime, exists: impl Fn(&Term) -> bool + 'a) -> Self {
        Translator {
            exists: Box::new(exists),
            fields,
            exact: analysis::analyzer(EXACT),
            fold: analysis::analyzer(FOLD),
            stem: analysis::analyzer(STEM),
            highlight_terms: Vec::new(),
            now,
        }
    }

    /// The tantivy query for `expr`.
    pub fn translate(&mut self, expr: &Expr) -> Result<Box<dyn Query>, QueryError> {
        match expr {
            Expr::MatchAll => Ok(Box::new(AllQuery)),
            Expr::Bool(clauses) => {
                let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                let mut positive = false;
                for (occur, e) in clauses {
                    let marked = self.highlight_terms.len();
                    let q = self.translate(e)?;
                    // Words the query excludes are not highlighted.
                    if *occur == QOccur::MustNot {
                        self.highlight_terms.truncate(marked);
                    }
                    let occur = match occur {
                        QOccur::Must => Occur::Must,
                        QOccur::Should => Occur::Should,
                        QOccur::MustNot => Occur::MustNot,
                    };
                    positive |= occur != Occur::MustNot;
                    out.push((occur, q));
                }
                // A purely negative group means "everything but …", as in Solr.
                if !positive {
                    out.push((Occur::Must, Box::new(AllQuery)));
                }
                Ok(Box::new(BooleanQuery::new(out)))
            }
            Expr::Field { field, value } => self.clause(field.as_deref(), value),
        }
    }

    fn clause(&mut self, field: Option<&str>, value: &Value) -> Result<Box<dyn Query>, QueryError> {
        let f = self.fields;
        match field {
            None | Some("text") => self.free_text(value),
            Some(name @ ("title" | "notes")) => {
                let Some((x, fo)) = f.text(name) else { return Err(unknown(name)) };
                self.text_in(&[(x, fo, 1.0)], value, true)
            }
            Some(name) if f.named(name).is_some() => match f.named(name) {
                Some(field) => self.folded_only(field, value),
                None => Err(unknown(name)),
            },
            Some("dataset_type" | "type" | "entity_type") => Ok(match value {
                Value::Word(w) | Value::Phrase(w) if w == "dataset" || w == "package" => Box::new(AllQuery),
                Value::Any => Box::new(AllQuery),
                _ => Box::new(EmptyQuery),
            }),
            Some("site_id") => Ok(Box::new(AllQuery)),
            Some("license") => self.keyword("license_id", value),
            Some(name) if name.starts_with("extras_") => {
                let key = &name["extras_".len()..];
                match value {
                    Value::Word(w) | Value::Phrase(w) => self.keyword("extras", &Value::Word(format!("{key}={w}"))),
                    Value::Prefix(p) => self.keyword("extras", &Value::Prefix(format!("{key}={p}"))),
                    Value::Any => self.keyword("extras", &Value::Prefix(format!("{key}="))),
                    Value::Range { .. } => Err(QueryError { message: format!("Field {name} does not take ranges") }),
                }
            }
            Some(name) if f.keyword(name).is_some() => self.keyword(name, value),
            Some(name) if f.int(name).is_some() || f.date(name).is_some() => self.numeric(name, value),
            Some(name) => Err(unknown(name)),
        }
    }

    fn keyword(&self, name: &str, value: &Value) -> Result<Box<dyn Query>, QueryError> {
        let term = |v: &str| self.fields.kw_term(name, v).ok_or_else(|| unknown(name));
        Ok(match value {
            // Exact values match or not; how many a dataset has must not rank it.
            Value::Word(w) | Value::Phrase(w) => Box::new(ConstScoreQuery::new(term_query(term(w)?), 1.0)),
            Value::Prefix(p) => {
                term(p)?;
                Box::new(prefix_query(self.fields.kw, &format!("{name}:{p}"))?)
            }
            Value::Any => Box::new(ExistsQuery::new(name.to_string(), false)),
            Value::Range { .. } => {
                return Err(QueryError { message: format!("Field {name} does not take ranges") });
            }
        })
    }

    fn numeric(&self, name: &str, value: &Value) -> Result<Box<dyn Query>, QueryError> {
        let (lower, upper) = match value {
            Value::Range { lower, upper } => (lower.clone(), upper.clone()),
            Value::Word(w) | Value::Phrase(w) => (Bound::Included(w.clone()), Bound::Included(w.clone())),
            Value::Any => return Ok(Box::new(ExistsQuery::new(name.to_string(), false))),
            Value::Prefix(_) => {
                return Err(QueryError { message: format!("Field {name} does not take wildcards") });
            }
        };
        let term = |s: &str| -> Result<Option<Term>, QueryError> {
            if s == "*" {
                return Ok(None);
            }
            if let Some(f) = self.fields.int(name) {
                let v: i64 = s
                    .parse()
                    .map_err(|_| QueryError { message: format!("Field {name} takes whole numbers, not \"{s}\"") })?;
                return Ok(Some(Term::from_field_i64(f, v)));
            }
            let f = self.fields.date(name).ok_or_else(|| unknown(name))?;
            let t = date_value(s, self.now).ok_or_else(|| QueryError {
                message: format!("Field {name} takes dates like 2024-01-01T00:00:00Z or NOW-1DAY, not \"{s}\""),
            })?;
            Ok(Some(Term::from_field_date(f, t)))
        };
        let bound = |b: Bound<String>| -> Result<Bound<Term>, QueryError> {
            Ok(match b {
                Bound::Unbounded => Bound::Unbounded,
                Bound::Included(s) => term(&s)?.map_or(Bound::Unbounded, Bound::Included),
                Bound::Excluded(s) => term(&s)?.map_or(Bound::Unbounded, Bound::Excluded),
            })
        };
        let (lo, hi) = (bound(lower)?, bound(upper)?);
        if matches!((&lo, &hi), (Bound::Unbounded, Bound::Unbounded)) {
            return Ok(Box::new(ExistsQuery::new(name.to_string(), false)));
        }
        Ok(Box::new(RangeQuery::new(lo, hi)))
    }

    /// Text searched in the given `(exact, folded, weight)` fields.
    fn text_in(
        &mut self,
        fields: &[(Field, Field, f32)],
        value: &Value,
        typos: bool,
    ) -> Result<Box<dyn Query>, QueryError> {
        let text = match value {
            Value::Word(w) | Value::Phrase(w) => w.clone(),
            Value::Prefix(p) => {
                let folded = self.words(FOLD, p);
                let Some(last) = folded.last() else { return Ok(Box::new(AllQuery)) };
                let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (_, fo, w) in fields {
                    any.push((Occur::Should, Box::new(BoostQuery::new(Box::new(prefix_query(*fo, last)?), *w))));
                }
                self.highlight_terms.push(last.clone());
                return Ok(Box::new(BooleanQuery::new(any)));
            }
            Value::Any => return Ok(Box::new(AllQuery)),
            Value::Range { .. } => return Err(QueryError { message: "Text fields do not take ranges".into() }),
        };
        let exact = self.words(EXACT, &text);
        let folded = self.words(FOLD, &text);
        if folded.is_empty() {
            // Only punctuation: matches like an empty query.
            return Ok(Box::new(AllQuery));
        }
        self.highlight_terms.extend(folded.iter().cloned());
        let fuzzy = typos
            && folded.len() == 1
            && matches!(value, Value::Word(_))
            && folded[0].chars().count() >= FUZZY_MIN_CHARS
            && !fields.iter().any(|(_, fo, _)| (self.exists)(&Term::from_field_text(*fo, &folded[0])));
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Without diacritics in the query the exact fields add nothing but
        // cost: every document they match, the folded fields match too.
        let has_marks = exact.len() == folded.len() && exact != folded;
        for (x, fo, w) in fields {
            if has_marks {
                any.push((Occur::Should, boost(words_query(*x, &exact), *w)));
            }
            let share = if has_marks { FOLDED_SHARE } else { 1.0 };
            any.push((Occur::Should, boost(words_query(*fo, &folded), w * share)));
            if fuzzy {
                let t = Term::from_field_text(*fo, &folded[0]);
                any.push((
                    Occur::Should,
                    boost(Box::new(FuzzyTermQuery::new(t, 1, true)), w * FOLDED_SHARE * FUZZY_SHARE),
                ));
            }
        }
        Ok(Box::new(BooleanQuery::new(any)))
    }

    fn free_text(&mut self, value: &Value) -> Result<Box<dyn Query>, QueryError> {
        let f = self.fields;
        let text = match value {
            Value::Word(w) | Value::Phrase(w) => w.clone(),
            Value::Prefix(p) => {
                let folded = self.words(FOLD, p);
                let Some(last) = folded.last() else { return Ok(Box::new(AllQuery)) };
                self.highlight_terms.push(last.clone());
                return Ok(Box::new(prefix_query(f.all, last)?));
            }
            _ => return Ok(Box::new(AllQuery)),
        };
        let folded = self.words(FOLD, &text);
        if folded.is_empty() {
            return Ok(Box::new(AllQuery));
        }
        let stemmed = self.words(STEM, &text);
        // What must match: the word (or phrase) anywhere, folded; or its
        // English stem; or, for a long word the index lacks, one typo away.
        let mut required: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, words_query(f.all, &folded))];
        if !stemmed.is_empty() && stemmed != folded {
            required.push((Occur::Should, boost(words_query(f.stem, &stemmed), MINOR)));
        }
        let single_word = folded.len() == 1 && matches!(value, Value::Word(_));
        if single_word
            && folded[0].chars().count() >= FUZZY_MIN_CHARS
            && !(self.exists)(&Term::from_field_text(f.all, &folded[0]))
        {
            let t = Term::from_field_text(f.all, &folded[0]);
            required.push((Occur::Should, boost(Box::new(FuzzyTermQuery::new(t, 1, true)), FUZZY_SHARE)));
        }
        // How it ranks: which fields it is in, and whether the diacritics match.
        let fields: Vec<(Field, Field, f32)> =
            (0..f.exact.len()).map(|i| (f.exact[i], f.folded[i], WEIGHTS[i])).collect();
        let ranking = self.text_in(&fields, value, false)?;
        let required: Box<dyn Query> =
            if required.len() == 1 { required.remove(0).1 } else { Box::new(BooleanQuery::new(required)) };
        Ok(Box::new(BooleanQuery::new(vec![(Occur::Must, required), (Occur::Should, ranking)])))
    }

    fn folded_only(&mut self, field: Field, value: &Value) -> Result<Box<dyn Query>, QueryError> {
        match value {
            Value::Word(w) | Value::Phrase(w) => {
                let folded = self.words(FOLD, w);
                if folded.is_empty() {
                    return Ok(Box::new(AllQuery));
                }
                Ok(words_query(field, &folded))
            }
            Value::Prefix(p) => match self.words(FOLD, p).last() {
                Some(last) => Ok(Box::new(prefix_query(field, last)?)),
                None => Ok(Box::new(AllQuery)),
            },
            Value::Any => Ok(Box::new(AllQuery)),
            Value::Range { .. } => Err(QueryError { message: "Text fields do not take ranges".into() }),
        }
    }

    fn words(&mut self, analyzer: &str, text: &str) -> Vec<String> {
        let a = match analyzer {
            EXACT => &mut self.exact,
            FOLD => &mut self.fold,
            _ => &mut self.stem,
        };
        analysis::tokens(a, &analysis::nfc(text)).into_iter().map(|t| t.text).collect()
    }
}

fn unknown(name: &str) -> QueryError {
    QueryError { message: format!("Unknown field \"{name}\" in the search query") }
}

fn boost(q: Box<dyn Query>, w: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, w))
}

fn term_query(t: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs))
}

/// One word as a term, several as a phrase.
fn words_query(field: Field, words: &[String]) -> Box<dyn Query> {
    if words.len() == 1 {
        return term_query(Term::from_field_text(field, &words[0]));
    }
    Box::new(PhraseQuery::new(words.iter().map(|w| Term::from_field_text(field, w)).collect()))
}

/// Terms of `field` starting with `prefix`; the prefix is matched literally.
fn prefix_query(field: Field, prefix: &str) -> Result<RegexQuery, QueryError> {
    let mut pattern = String::with_capacity(prefix.len() * 2 + 2);
    for c in prefix.chars() {
        if !c.is_alphanumeric() {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push_str(".*");
    RegexQuery::from_pattern(&pattern, field)
        .map_err(|e| QueryError { message: format!("Bad prefix \"{prefix}\": {e}") })
}

/// A date bound: an ISO time or Solr date math on `NOW` (`NOW-1DAY`,
/// `NOW+2HOURS`, `NOW/DAY`, `NOW-7DAYS/DAY`).
fn date_value(s: &str, now: DateTime) -> Option<DateTime> {
    const NANOS: i64 = 1_000_000_000;
    let Some(rest) = s.strip_prefix("NOW") else { return parse_time(s) };
    let mut t = now.into_timestamp_nanos();
    let mut rest = rest;
    while !rest.is_empty() {
        let (op, tail) = rest.split_at(1);
        let unit_len = tail.find(['+', '-', '/']).unwrap_or(tail.len());
        let (arg, next) = tail.split_at(unit_len);
        rest = next;
        match op {
            "+" | "-" => {
                let digits = arg.find(|c: char| !c.is_ascii_digit()).unwrap_or(arg.len());
                let n: i64 = arg[..digits].parse().ok()?;
                let span = n.checked_mul(unit_secs(&arg[digits..])?)?.checked_mul(NANOS)?;
                t = if op == "+" { t.checked_add(span)? } else { t.checked_sub(span)? };
            }
            "/" => {
                let unit = unit_secs(arg)?.min(86_400) * NANOS;
                t = t.div_euclid(unit) * unit;
            }
            _ => return None,
        }
    }
    Some(DateTime::from_timestamp_nanos(t))
}

fn unit_secs(unit: &str) -> Option<i64> {
    Some(match unit.trim_end_matches('S') {
        "SECOND" => 1,
        "MINUTE" => 60,
        "HOUR" => 3_600,
        "DAY" => 86_400,
        "WEEK" => 7 * 86_400,
        "MONTH" => 30 * 86_400,
        "YEAR" => 365 * 86_400,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excluded_words_are_not_highlighted() {
        let fields = Fields::default();
        let mut tr = Translator::new(&fields, DateTime::from_timestamp_secs(0), |_| true);
        tr.translate(&crate::query::parse("Hà -Nội đường").unwrap()).unwrap();
        assert_eq!(tr.highlight_terms, ["ha", "duong"]);
    }

    #[test]
    fn date_math() {
        let now = DateTime::from_timestamp_secs(1_700_000_000);
        assert_eq!(date_value("NOW", now), Some(now));
        assert_eq!(date_value("NOW-1DAY", now), Some(DateTime::from_timestamp_secs(1_700_000_000 - 86_400)));
        assert_eq!(date_value("NOW+2HOURS", now), Some(DateTime::from_timestamp_secs(1_700_000_000 + 7_200)));
        let day = date_value("NOW/DAY", now).unwrap().into_timestamp_secs();
        assert_eq!(day % 86_400, 0);
        assert!(date_value("NOW-1FORTNIGHT", now).is_none());
        assert!(date_value("NOW-99999999999999999999DAY", now).is_none());
        assert!(date_value("2024-01-01T00:00:00Z", now).is_some());
    }
}
