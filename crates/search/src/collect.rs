//! One pass over the matching documents: the total count, facet counts and
//! the top `k` documents under a multi-key sort.
//!
//! Within a segment, string sort keys are compared by their term ordinal
//! (ordinals follow the sorted term dictionary, so that is string order);
//! only the `k` survivors of each segment have their strings looked up,
//! and segments are merged on the strings themselves.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// What to sort by.
#[derive(Debug, Clone, PartialEq)]
pub enum SortField {
    /// Relevance.
    Score,
    /// A fast numeric or date field, by name.
    Number(String),
    /// A fast string field, by name.
    Text(String),
}

/// One sort key with its direction.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub field: SortField,
    pub descending: bool,
}

/// Most sort keys in one query (CKAN clients send one or two).
pub const MAX_SORT_KEYS: usize = 3;

/// The collector.
pub struct SearchCollector {
    pub sort: Vec<SortKey>,
    /// How many top documents to keep (start + rows).
    pub k: usize,
    /// Keyword fields to count values of.
    pub facets: Vec<String>,
}

/// A sort key component, made comparable as an unsigned integer within a
/// segment, ascending in the wanted order.
type LocalKey = [u64; MAX_SORT_KEYS];

/// The same key across segments.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Num(u64),
    Str(String, bool),
}

impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Part {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Part::Num(a), Part::Num(b)) => a.cmp(b),
            (Part::Str(a, desc), Part::Str(b, _)) => {
                if *desc {
                    b.cmp(a)
                } else {
                    a.cmp(b)
                }
            }
            (Part::Num(_), Part::Str(..)) => Ordering::Less,
            (Part::Str(..), Part::Num(_)) => Ordering::Greater,
        }
    }
}

/// The result of one segment or of the whole search.
#[derive(Debug, Default)]
pub struct Hits {
    pub count: u64,
    /// Top documents, best first.
    pub top: Vec<DocAddress>,
    /// Counts per facet field (in the requested order) and value.
    pub facets: Vec<HashMap<String, u64>>,
    keyed: Vec<(Vec<Part>, DocAddress)>,
}

enum Column_ {
    Score,
    Number(Option<Column<u64>>),
    Text(Option<StrColumn>),
}

/// Per-segment state.
pub struct SegmentHits {
    segment: SegmentOrdinal,
    sort: Vec<SortKey>,
    columns: Vec<Column_>,
    k: usize,
    heap: BinaryHeap<(LocalKey, DocId)>,
    count: u64,
    facet_columns: Vec<Option<StrColumn>>,
    facet_counts: Vec<Vec<u32>>,
}

/// Order-preserving map of a score to u64 (higher score → higher value).
fn score_bits(s: Score) -> u64 {
    let b = s.to_bits();
    let u = if b & 0x8000_0000 != 0 { !b } else { b | 0x8000_0000 };
    u64::from(u)
}

impl Collector for SearchCollector {
    type Fruit = Hits;
    type Child = SegmentHits;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentHits> {
        let ff = reader.fast_fields();
        let mut columns = Vec::new();
        for key in &self.sort {
            columns.push(match &key.field {
                SortField::Score => Column_::Score,
                SortField::Number(name) => Column_::Number(ff.u64_lenient_for_type(None, name)?.map(|(c, _)| c)),
                SortField::Text(name) => Column_::Text(ff.str(name)?),
            });
        }
        let mut facet_columns = Vec::new();
        let mut facet_counts = Vec::new();
        for name in &self.facets {
            let col = ff.str(name)?;
            facet_counts.push(vec![0u32; col.as_ref().map_or(0, |c| c.num_terms())]);
            facet_columns.push(col);
        }
        Ok(SegmentHits {
            segment,
            sort: self.sort.clone(),
            columns,
            k: self.k.min(reader.max_doc() as usize),
            heap: BinaryHeap::new(),
            count: 0,
            facet_columns,
            facet_counts,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.sort.iter().any(|k| k.field == SortField::Score)
    }

    fn merge_fruits(&self, fruits: Vec<Hits>) -> tantivy::Result<Hits> {
        let mut out = Hits { facets: vec![HashMap::new(); self.facets.len()], ..Default::default() };
        let mut keyed = Vec::new();
        for f in fruits {
            out.count += f.count;
            for (i, counts) in f.facets.into_iter().enumerate() {
                for (v, n) in counts {
                    *out.facets[i].entry(v).or_insert(0) += n;
                }
            }
            keyed.extend(f.keyed);
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        keyed.truncate(self.k);
        out.top = keyed.into_iter().map(|(_, d)| d).collect();
        Ok(out)
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Hits;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.count += 1;
        for (col, counts) in self.facet_columns.iter().zip(self.facet_counts.iter_mut()) {
            if let Some(col) = col {
                for ord in col.term_ords(doc) {
                    if let Some(c) = counts.get_mut(ord as usize) {
                        *c += 1;
                    }
                }
            }
        }
        if self.k == 0 {
            return;
        }
        let mut key = [0u64; MAX_SORT_KEYS];
        for (i, (k, col)) in self.sort.iter().zip(&self.columns).enumerate() {
            let v = match col {
                Column_::Score => score_bits(score),
                Column_::Number(c) => c.as_ref().and_then(|c| c.first(doc)).unwrap_or(0),
                Column_::Text(c) => c.as_ref().and_then(|c| c.ords().first(doc)).unwrap_or(0),
            };
            key[i] = if k.descending { !v } else { v };
        }
        if self.heap.len() < self.k {
            self.heap.push((key, doc));
        } else if let Some(worst) = self.heap.peek()
            && (key, doc) < *worst
        {
            self.heap.pop();
            self.heap.push((key, doc));
        }
    }

    fn harvest(self) -> Hits {
        let mut facets = Vec::with_capacity(self.facet_columns.len());
        for (col, counts) in self.facet_columns.iter().zip(&self.facet_counts) {
            let mut m = HashMap::new();
            if let Some(col) = col {
                let mut s = String::new();
                for (ord, n) in counts.iter().enumerate() {
                    if *n > 0 && col.ord_to_str(ord as u64, &mut s).unwrap_or(false) {
                        m.insert(s.clone(), u64::from(*n));
                    }
                }
            }
            facets.push(m);
        }
        let mut keyed = Vec::with_capacity(self.heap.len());
        let mut s = String::new();
        for (key, doc) in self.heap.into_vec() {
            let mut parts = Vec::with_capacity(self.sort.len());
            for (i, (k, col)) in self.sort.iter().zip(&self.columns).enumerate() {
                parts.push(match col {
                    Column_::Text(Some(c)) => {
                        let ord = if k.descending { !key[i] } else { key[i] };
                        s.clear();
                        let _ = c.ord_to_str(ord, &mut s);
                        Part::Str(s.clone(), k.descending)
                    }
                    _ => Part::Num(key[i]),
                });
            }
            keyed.push((parts, DocAddress::new(self.segment, doc)));
        }
        Hits { count: self.count, top: Vec::new(), facets, keyed }
    }
}
