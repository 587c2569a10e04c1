//! Near-duplicate datasets and identical files across a catalog (issue 7's
//! "duplication" measure; Decision 142: the same data is collected once).
//!
//! [`find`] takes every dataset's title, notes and resource hashes and
//! returns [`Group`]s of datasets that look like the same data published
//! more than once, each with its [`Evidence`]:
//!
//! - `similar-text`, with a score from 0 to 1: the titles and notes say the
//!   same thing, possibly reworded a little;
//! - `same-file`, with the hash: the datasets have a resource with the same
//!   content hash (uploads carry their SHA-256 as `hash`).
//!
//! # Comparing text
//!
//! Text is folded (lower case, diacritics removed, Đ/đ as d, so NFC and NFD
//! input and text typed without diacritics compare equal) and split into
//! words; numbers lose leading zeros.
//!
//! - A **title** is a *set* of words compared by weighted Jaccard
//!   similarity, each word weighted by the square root of its inverse
//!   document frequency over the catalog's titles, `√ln(1 + N/df)`. Titles
//!   are short, so word order says little ("Hà Nội: dân số 2023" is "Dân số
//!   Hà Nội 2023"), and shingles of several words would make each inserted
//!   or moved word cost a large share of the similarity. The weights make
//!   the words every member of a series shares ("dân số", "tỉnh", "năm")
//!   count for less than those that tell members apart; the square root
//!   keeps one inserted rare word from sinking a light edit (telling series
//!   members apart is the rules' job, below). Boilerplate ("dữ liệu",
//!   "danh sách", "của", …) is dropped.
//! - **Notes** are longer. Their similarity is the mean of two Jaccard
//!   similarities: of their word sets (what they are about; a rephrased
//!   sentence keeps most words) and of their word 3-grams (w-shingling: how
//!   they say it; text that only shares vocabulary shares few 3-grams, and a
//!   changed word touches at most three). Only the first [`NOTES_MAX_WORDS`]
//!   words count; notes shorter than [`Options::min_notes_words`] say too
//!   little and are treated as absent.
//!
//! A pair's score is the mean of its title and notes similarities when both
//! have notes, and the title similarity when either has none. A title of
//! fewer than [`Options::min_title_words`] distinct words is no evidence: two
//! datasets called "Dữ liệu", "Danh sách" or "Dữ liệu dân cư" prove nothing,
//! so when both titles are that short only their notes can make them
//! duplicates, and without notes nothing can.
//!
//! # What is never a duplicate
//!
//! A national catalog holds thousands of series published per province and
//! per year from one template of title and notes. Those are different data,
//! so three rules reject a pair whatever its score:
//!
//! 1. **numbers**: the titles hold different numbers (years, periods,
//!    document numbers). A title with a year and one without differ too.
//! 2. **places**: each dataset's text names a place ([`Options::places`],
//!    the provinces) that the other's does not.
//! 3. **subjects**: each title has a word, not in more than half of the
//!    catalog's titles nor part of a place name, that the other dataset's
//!    title and notes never use ("Dân số nam" and "Dân số nữ"). Here
//!    diacritics count ("nam" is not "năm") unless a text has none at all;
//!    tone marks may sit on either vowel ("hoà" is "hòa").
//!
//! The rules only ever remove pairs. Their price is recall: a title reworded
//! on both sides, or misspelt, trips rule 3. That is deliberate, since being
//! listed as a duplicate is a public mark against a publisher; republished
//! files are still caught by their hash. A title that only adds a word
//! ("Dân số nữ" beside "Dân số") is not rejected: an added word is the most
//! common light edit, so such pairs are left to the score.
//!
//! # Finding candidates in near-linear time
//!
//! Comparing every pair of 100,000 datasets is 5·10⁹ comparisons. Instead:
//!
//! 1. datasets with the same folded title and notes collapse into one text;
//! 2. each text gets a MinHash signature of [`SIGNATURE`] hashes over its
//!    weighted title words (a weight becomes proportionally many copies of
//!    the word, so the signature estimates the *weighted* similarity), cut
//!    into [`BANDS`] bands of [`ROWS`]; texts sharing a band, and the numbers
//!    of their titles (rule 1), are candidates. A pair of weighted title
//!    similarity `s` becomes a candidate with probability `1 − (1 − s⁴)³²`:
//!    0.99 at 0.6, the least a title can reach in a duplicate when the
//!    threshold is 0.8 (`(t + n)/2 ≥ 0.8` needs `t ≥ 0.6`), 0.38 at 0.35.
//!    Texts with short titles are also banded on their notes' 3-grams.
//!    Buckets of more than [`MAX_BUCKET`] texts are skipped and counted
//!    ([`Stats::oversized_buckets`]);
//! 3. every candidate pair is verified exactly with the scores and rules
//!    above.
//!
//! On one core in release mode, 100,000 synthetic datasets take about 2.5 s
//! (the ignored test `hundred_thousand_datasets`).
//!
//! Words and shingles are identified by 64-bit hashes; a collision (odds
//! about 10⁻⁸ over a whole catalog's vocabulary) would merely merge two
//! words. The result depends only on the items, never on their order.

use std::collections::HashMap;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Words of notes that count; the rest of a long description adds cost, not
/// evidence.
pub const NOTES_MAX_WORDS: usize = 200;
/// MinHash signature length.
pub const SIGNATURE: usize = BANDS * ROWS;
/// LSH bands.
pub const BANDS: usize = 32;
/// Hashes per LSH band.
pub const ROWS: usize = 4;
/// Largest LSH bucket whose pairs are compared; a bigger one means
/// thousands of near-identical texts, which a catalog does not have.
pub const MAX_BUCKET: usize = 1000;

/// Boilerplate dropped from titles before they are compared (folded).
/// Longer phrases first. Only words that stay unambiguous without their
/// diacritics: "tai" (tại, tài, tái) or "nam" (năm, Nam) are kept.
const STOP_PHRASES: &[&[&str]] = &[
    &["co", "so", "du", "lieu"],
    &["tren", "dia", "ban"],
    &["bo", "du", "lieu"],
    &["tap", "du", "lieu"],
    &["du", "lieu"],
    &["so", "lieu"],
    &["danh", "sach"],
    &["thong", "tin"],
    &["dia", "ban"],
    &["cua"],
    &["va"],
    &["cac"],
    &["nhung"],
    &["theo"],
    &["the"],
    &["of"],
    &["and"],
    &["in"],
    &["for"],
    &["data"],
    &["dataset"],
    &["list"],
];

/// Digests of the empty file (MD5, SHA-1, SHA-256, SHA-512): two empty
/// files are not the same data.
const EMPTY_DIGESTS: &[&str] = &[
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
];

/// One dataset as the comparison sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    /// The dataset's id; ids are expected to be unique.
    pub id: String,
    pub title: String,
    pub notes: String,
    /// Its resources' `hash` values; empty and non-digest values are ignored.
    pub hashes: Vec<String>,
}

/// Settings of [`find`].
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Least score of a similar-text pair (default 0.8). Candidate search is
    /// tuned for thresholds of about 0.7 and above; lower ones still work,
    /// with less certainty of finding every pair.
    pub threshold: f64,
    /// Least distinct title words (after boilerplate) for a title to count
    /// as evidence (default 4): when both titles are shorter the notes
    /// decide, and a pair without notes needs both titles this long.
    pub min_title_words: usize,
    /// Least words for notes to count (default 8).
    pub min_notes_words: usize,
    /// Place names (provinces, as written: "An Giang", "Thừa Thiên Huế")
    /// for rule 2. Empty disables it.
    pub places: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options { threshold: 0.8, min_title_words: 4, min_notes_words: 8, places: Vec::new() }
    }
}

/// Why datasets are in a group.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// Every two of `datasets` have similar titles and notes, with at least
    /// this score (1.0: the same text once folded).
    SimilarText { score: f64, datasets: Vec<String> },
    /// Each of `datasets` has a resource with this content hash (lower
    /// case, without an algorithm prefix).
    SameFile { hash: String, datasets: Vec<String> },
}

impl Evidence {
    /// The datasets it links, by id, ascending.
    pub fn datasets(&self) -> &[String] {
        match self {
            Evidence::SimilarText { datasets, .. } | Evidence::SameFile { datasets, .. } => datasets,
        }
    }

    /// `similar-text` or `same-file`, as the API names the reasons.
    pub fn reason(&self) -> &'static str {
        match self {
            Evidence::SimilarText { .. } => "similar-text",
            Evidence::SameFile { .. } => "same-file",
        }
    }
}

/// Datasets connected by evidence (a connected component: two members may
/// be linked only through a third).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Ids, ascending.
    pub datasets: Vec<String>,
    /// Similar-text evidence by score, highest first, then same-file
    /// evidence by hash.
    pub evidence: Vec<Evidence>,
}

/// What the search did, for logs and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Items given.
    pub datasets: usize,
    /// Distinct texts after folding.
    pub texts: usize,
    /// Candidate pairs of texts verified.
    pub candidates: usize,
    /// LSH buckets skipped for exceeding [`MAX_BUCKET`].
    pub oversized_buckets: usize,
}

/// Another dataset that looks like a duplicate of a given one.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub id: String,
    /// The best similar-text score linking the two, if any.
    pub score: Option<f64>,
    /// Content hashes they share, ascending.
    pub files: Vec<String>,
}

/// The result of [`find`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Largest first, then by first id.
    pub groups: Vec<Group>,
    pub stats: Stats,
    /// Dataset id → its group's index.
    index: HashMap<String, usize>,
}

impl Report {
    /// The group a dataset is in, if any.
    pub fn group_of(&self, id: &str) -> Option<&Group> {
        self.index.get(id).and_then(|i| self.groups.get(*i))
    }

    /// The datasets with direct evidence against `id` (not those linked only
    /// through a third), best score first, then by id.
    pub fn matches(&self, id: &str) -> Vec<Match> {
        let Some(group) = self.group_of(id) else { return Vec::new() };
        let mut by: HashMap<&str, Match> = HashMap::new();
        for e in &group.evidence {
            if e.datasets().binary_search_by(|d| d.as_str().cmp(id)).is_err() {
                continue;
            }
            for other in e.datasets().iter().filter(|d| *d != id) {
                let m = by.entry(other).or_insert_with(|| Match { id: other.clone(), score: None, files: Vec::new() });
                match e {
                    Evidence::SimilarText { score, .. } => {
                        m.score = Some(m.score.map_or(*score, |s| s.max(*score)));
                    }
                    Evidence::SameFile { hash, .. } => m.files.push(hash.clone()),
                }
            }
        }
        let mut out: Vec<Match> = by.into_values().collect();
        for m in &mut out {
            m.files.sort();
        }
        out.sort_by(|a, b| b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)).then_with(|| a.id.cmp(&b.id)));
        out
    }

    /// How many datasets have direct evidence against `id` (0 for none).
    pub fn count(&self, id: &str) -> usize {
        self.matches(id).len()
    }
}

/// Finds near-duplicate datasets and datasets sharing a file.
pub fn find(items: &[Item], opts: &Options) -> Report {
    let ctx = Context::new(opts);
    let mut stats = Stats { datasets: items.len(), ..Stats::default() };

    // 1. One analysed text per distinct folded title + notes.
    let mut texts: Vec<Text> = Vec::new();
    let mut by_key: HashMap<(u64, u64), usize> = HashMap::new();
    let mut tok = Tokenizer::default();
    let mut seqs = Sequences::default();
    for (i, item) in items.iter().enumerate() {
        let key = seqs.read(&item.title, &item.notes, &mut tok);
        match by_key.get(&key) {
            Some(&t) => texts[t].members.push(i),
            None => {
                by_key.insert(key, texts.len());
                texts.push(Text::new(i, &seqs, &ctx, opts));
            }
        }
    }
    stats.texts = texts.len();

    // 2. Title word weights over the whole catalog.
    let mut df: HashMap<u64, usize> = HashMap::new();
    for t in &texts {
        for w in &t.title {
            *df.entry(w.hash).or_default() += t.members.len();
        }
    }
    let n = items.len().max(1);
    let df_of = |h: &u64| df.get(h).copied().unwrap_or(1).max(1);
    for t in &mut texts {
        for w in &mut t.title {
            w.weight = (1.0 + n as f64 / df_of(&w.hash) as f64).ln().sqrt();
        }
        for s in &mut t.subjects {
            s.specific = 2 * df_of(&s.folded) <= n;
        }
    }

    // 3. Candidates from LSH, verified.
    let (candidates, oversized) = candidates(&texts, opts.min_title_words);
    stats.candidates = candidates.len();
    stats.oversized_buckets = oversized;
    let mut similar: Vec<(f64, Vec<usize>)> = Vec::new();
    for t in &texts {
        if t.members.len() > 1
            && let Some(score) = decide(t, t, opts)
        {
            similar.push((score, t.members.clone()));
        }
    }
    for (a, b) in candidates {
        let (ta, tb) = (&texts[a], &texts[b]);
        if let Some(score) = decide(ta, tb, opts) {
            similar.push((score, ta.members.iter().chain(&tb.members).copied().collect()));
        }
    }

    // 4. Same files.
    let mut files: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        for h in item.hashes.iter().filter_map(|h| file_key(h)) {
            files.entry(h).or_default().push(i);
        }
    }

    // 5. Evidence in ids, grouped by connected components.
    let ids = |members: &[usize]| -> Vec<String> {
        let mut v: Vec<&str> = members.iter().map(|&i| items[i].id.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v.into_iter().map(str::to_string).collect()
    };
    let mut evidence: Vec<(Vec<usize>, Evidence)> = Vec::new();
    for (score, members) in similar {
        let datasets = ids(&members);
        if datasets.len() > 1 {
            evidence.push((members, Evidence::SimilarText { score, datasets }));
        }
    }
    for (hash, members) in files {
        let datasets = ids(&members);
        if datasets.len() > 1 {
            evidence.push((members, Evidence::SameFile { hash, datasets }));
        }
    }
    let mut sets = DisjointSets::new(items.len());
    for (members, _) in &evidence {
        for w in members.windows(2) {
            sets.union(w[0], w[1]);
        }
    }
    let mut by_root: HashMap<usize, (Vec<usize>, Vec<Evidence>)> = HashMap::new();
    for (members, e) in evidence {
        let Some(&first) = members.first() else { continue };
        let entry = by_root.entry(sets.find(first)).or_default();
        entry.0.extend(members);
        entry.1.push(e);
    }
    let mut groups: Vec<Group> = by_root
        .into_values()
        .map(|(members, mut evidence)| {
            evidence.sort_by(evidence_order);
            evidence.dedup();
            Group { datasets: ids(&members), evidence }
        })
        .collect();
    groups.sort_by(|a, b| b.datasets.len().cmp(&a.datasets.len()).then_with(|| a.datasets.cmp(&b.datasets)));
    let mut index = HashMap::new();
    for (g, group) in groups.iter().enumerate() {
        for d in &group.datasets {
            index.insert(d.clone(), g);
        }
    }
    Report { groups, stats, index }
}

/// Similar text first, highest score first; then files by hash.
fn evidence_order(a: &Evidence, b: &Evidence) -> std::cmp::Ordering {
    match (a, b) {
        (Evidence::SimilarText { score: x, datasets: d }, Evidence::SimilarText { score: y, datasets: e }) => {
            y.total_cmp(x).then_with(|| d.cmp(e))
        }
        (Evidence::SimilarText { .. }, Evidence::SameFile { .. }) => std::cmp::Ordering::Less,
        (Evidence::SameFile { .. }, Evidence::SimilarText { .. }) => std::cmp::Ordering::Greater,
        (Evidence::SameFile { hash: x, .. }, Evidence::SameFile { hash: y, .. }) => x.cmp(y),
    }
}

/// The comparable form of a resource hash: lower case, without an
/// `algorithm:` prefix, at least 32 hex digits (an MD5), not the empty
/// file's, not one digit repeated. Anything else (free text, "abc", "0",
/// "000…0") identifies no content.
pub fn file_key(hash: &str) -> Option<String> {
    let h = hash.trim().to_ascii_lowercase();
    let digest = match h.split_once(':') {
        Some((algo, rest)) if algo.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => rest.trim(),
        _ => h.as_str(),
    };
    let placeholder = digest.bytes().all(|b| Some(b) == digest.bytes().next());
    if digest.len() < 32
        || !digest.bytes().all(|b| b.is_ascii_hexdigit())
        || EMPTY_DIGESTS.contains(&digest)
        || placeholder
    {
        return None;
    }
    Some(digest.to_string())
}

/// Folds `text` into `out`: lower case, diacritics removed, Đ/đ as d, every
/// other character that is not a letter or digit as a space.
pub fn fold_into(text: &str, out: &mut String) {
    for c in text.chars() {
        if c.is_ascii() {
            out.push(if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { ' ' });
        } else if c == 'đ' || c == 'Đ' {
            out.push('d');
        } else {
            decompose_canonical(c, |d| {
                if is_combining_mark(d) {
                } else if d.is_alphanumeric() {
                    out.extend(d.to_lowercase());
                } else {
                    out.push(' ');
                }
            });
        }
    }
}

/// The words of `text`, folded (see [`fold_into`]), numbers without
/// leading zeros.
pub fn words(text: &str) -> Vec<String> {
    let mut buf = String::new();
    fold_into(text, &mut buf);
    buf.split_ascii_whitespace().map(|w| normalize_number(w).to_string()).collect()
}

fn normalize_number(w: &str) -> &str {
    if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) {
        let t = w.trim_start_matches('0');
        if t.is_empty() { "0" } else { t }
    } else {
        w
    }
}

/// A title word with its weight.
#[derive(Debug, Clone, Copy)]
struct Term {
    hash: u64,
    weight: f64,
}

/// A title word as rule 3 sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Subject {
    marked: u64,
    folded: u64,
    /// Not shared by more than half the titles: it can tell a subject apart.
    specific: bool,
}

/// One distinct text and the items that have it.
struct Text {
    members: Vec<usize>,
    /// Title words without boilerplate, by hash.
    title: Vec<Term>,
    /// The same words with their diacritics, for rule 3.
    subjects: Vec<Subject>,
    /// Hashes of the title's numbers, ascending.
    numbers: Vec<u64>,
    /// Every word of title and notes outside place names, folded, ascending.
    folded: Vec<u64>,
    /// The same words with their diacritics, ascending.
    marked: Vec<u64>,
    /// Written without any diacritic (typed on a keyboard without them).
    unaccented: bool,
    /// Places named, ascending.
    places: Vec<u32>,
    /// The notes, when long enough to count.
    notes: Option<Notes>,
}

/// Notes as compared: their distinct words and word 3-grams, ascending.
struct Notes {
    words: Vec<u64>,
    shingles: Vec<u64>,
}

/// A word, by hash.
#[derive(Debug, Clone, Copy)]
struct Word {
    /// Folded (see [`fold_into`]), numbers without leading zeros.
    folded: u64,
    /// Folded, plus the diacritics it had: "năm" is not "nam", "hòa" is
    /// "hoà" (tone marks are placed either way in practice).
    marked: u64,
    /// Has a digit: a year, a period, a document number.
    number: bool,
    /// Had no diacritic.
    plain: bool,
}

/// The words of a title and of notes.
#[derive(Default)]
struct Sequences {
    title: Vec<Word>,
    notes: Vec<Word>,
}

impl Sequences {
    /// Reads title and notes into `self`; returns their identity (two
    /// independent hashes of both word sequences, folded).
    fn read(&mut self, title: &str, notes: &str, tok: &mut Tokenizer) -> (u64, u64) {
        tok.words(title, usize::MAX, &mut self.title);
        tok.words(notes, NOTES_MAX_WORDS, &mut self.notes);
        let (mut a, mut b) = (0x243f_6a88_85a3_08d3u64, 0x1319_8a2e_0370_7344u64);
        let separator = 0x5851_f42d_4c95_7f2d;
        for h in self.title.iter().map(|w| w.folded).chain([separator]).chain(self.notes.iter().map(|w| w.folded)) {
            a = mix(a ^ h);
            b = mix(b.rotate_left(17) ^ h ^ 0x9e37_79b9_7f4a_7c15);
        }
        (a, b)
    }
}

/// Splits text into [`Word`]s, reusing its buffers.
#[derive(Default)]
struct Tokenizer {
    folded: String,
    marks: Vec<char>,
}

impl Tokenizer {
    /// The first `max` words of `text` into `out` (cleared first).
    fn words(&mut self, text: &str, max: usize, out: &mut Vec<Word>) {
        out.clear();
        self.folded.clear();
        self.marks.clear();
        for c in text.chars() {
            if out.len() >= max {
                return;
            }
            if c.is_ascii() {
                if c.is_ascii_alphanumeric() {
                    self.folded.push(c.to_ascii_lowercase());
                } else {
                    self.flush(out);
                }
            } else if c == 'đ' || c == 'Đ' {
                self.folded.push('d');
                self.marks.push('đ');
            } else {
                let mut boundary = false;
                decompose_canonical(c, |d| {
                    if is_combining_mark(d) {
                        self.marks.push(d);
                    } else if d.is_alphanumeric() {
                        self.folded.extend(d.to_lowercase());
                    } else {
                        boundary = true;
                    }
                });
                if boundary {
                    self.flush(out);
                }
            }
        }
        if out.len() < max {
            self.flush(out);
        }
        self.folded.clear();
        self.marks.clear();
    }

    fn flush(&mut self, out: &mut Vec<Word>) {
        if self.folded.is_empty() {
            self.marks.clear();
            return;
        }
        let w = normalize_number(&self.folded);
        let folded = hash_str(w);
        let number = w.bytes().any(|b| b.is_ascii_digit());
        self.marks.sort_unstable();
        let plain = self.marks.is_empty();
        let marked = self.marks.iter().fold(folded, |h, &m| mix(h ^ u64::from(u32::from(m))));
        out.push(Word { folded, marked, number, plain });
        self.folded.clear();
        self.marks.clear();
    }
}

impl Text {
    fn new(member: usize, s: &Sequences, ctx: &Context, opts: &Options) -> Text {
        // Words of place names are rule 2's business, not subjects.
        let title_hashes: Vec<u64> = s.title.iter().map(|w| w.folded).collect();
        let notes_hashes: Vec<u64> = s.notes.iter().map(|w| w.folded).collect();
        let mut places = Vec::new();
        let mut in_title_place = vec![false; title_hashes.len()];
        let mut in_notes_place = vec![false; notes_hashes.len()];
        ctx.gazetteer.find(&title_hashes, &mut places, &mut in_title_place);
        ctx.gazetteer.find(&notes_hashes, &mut places, &mut in_notes_place);
        places.sort_unstable();
        places.dedup();

        let mut title: Vec<Term> = Vec::new();
        let mut subjects = Vec::new();
        let mut numbers = Vec::new();
        let mut i = 0;
        'words: while i < s.title.len() {
            let rest = &s.title[i..];
            for phrase in &ctx.stop_phrases {
                if rest.len() >= phrase.len() && rest.iter().zip(phrase).all(|(w, h)| w.folded == *h) {
                    i += phrase.len();
                    continue 'words;
                }
            }
            let w = s.title[i];
            title.push(Term { hash: w.folded, weight: 0.0 });
            if !in_title_place[i] {
                subjects.push(Subject { marked: w.marked, folded: w.folded, specific: false });
            }
            if w.number {
                numbers.push(w.folded);
            }
            i += 1;
        }
        title.sort_by_key(|t| t.hash);
        title.dedup_by_key(|t| t.hash);
        subjects.sort_unstable();
        subjects.dedup();
        numbers.sort_unstable();
        numbers.dedup();
        let sorted = |mut v: Vec<u64>| {
            v.sort_unstable();
            v.dedup();
            v
        };
        let mentions = || {
            let title = s.title.iter().zip(&in_title_place);
            title.chain(s.notes.iter().zip(&in_notes_place)).filter(|(_, place)| !**place).map(|(w, _)| w)
        };
        let folded = sorted(mentions().map(|w| w.folded).collect());
        let marked = sorted(mentions().map(|w| w.marked).collect());
        let unaccented = s.title.iter().chain(&s.notes).all(|w| w.plain);
        let notes = (notes_hashes.len() >= opts.min_notes_words.max(3)).then(|| Notes {
            shingles: sorted(notes_hashes.windows(3).map(|w| mix(mix(mix(w[0]) ^ w[1]) ^ w[2])).collect()),
            words: sorted(notes_hashes),
        });
        Text { members: vec![member], title, subjects, numbers, folded, marked, unaccented, places, notes }
    }
}

/// What text analysis needs beside the text: boilerplate and places.
struct Context {
    /// [`STOP_PHRASES`] as word hashes.
    stop_phrases: Vec<Vec<u64>>,
    gazetteer: Gazetteer,
}

impl Context {
    fn new(opts: &Options) -> Context {
        Context {
            stop_phrases: STOP_PHRASES.iter().map(|p| p.iter().map(|w| hash_str(w)).collect()).collect(),
            gazetteer: Gazetteer::new(&opts.places),
        }
    }
}

/// The verdict on two texts: their score if they are duplicates.
fn decide(a: &Text, b: &Text, opts: &Options) -> Option<f64> {
    // Rule 1: different numbers in the titles.
    if a.numbers != b.numbers {
        return None;
    }
    // Rule 2: each names a place the other does not.
    if !is_subset(&a.places, &b.places) && !is_subset(&b.places, &a.places) {
        return None;
    }
    // Rule 3: each title names a subject the other never mentions.
    if names_other_subject(a, b) && names_other_subject(b, a) {
        return None;
    }
    // Words say what the notes are about, 3-grams how they put it: a
    // rephrased sentence keeps most words, a shared template keeps both.
    let notes = match (&a.notes, &b.notes) {
        (Some(x), Some(y)) => Some((jaccard(&x.words, &y.words) + jaccard(&x.shingles, &y.shingles)) / 2.0),
        _ => None,
    };
    let informative = |t: &Text| t.title.len() >= opts.min_title_words;
    let score = match (informative(a) || informative(b), notes) {
        // Titles too short to identify anything ("Dữ liệu dân cư"): only
        // the notes can show the data is the same.
        (false, notes) => notes?,
        (true, Some(n)) => (weighted_jaccard(&a.title, &b.title) + n) / 2.0,
        (true, None) if informative(a) && informative(b) => weighted_jaccard(&a.title, &b.title),
        (true, None) => return None,
    };
    (score >= opts.threshold).then_some(score)
}

/// Whether `a`'s title has a specific word that `b`'s text never uses.
/// Diacritics count ("nam" is not "năm") unless either text has none.
fn names_other_subject(a: &Text, b: &Text) -> bool {
    let loose = a.unaccented || b.unaccented;
    a.subjects.iter().any(|s| {
        s.specific
            && b.marked.binary_search(&s.marked).is_err()
            && (!loose || b.folded.binary_search(&s.folded).is_err())
    })
}

fn is_subset(a: &[u32], b: &[u32]) -> bool {
    a.iter().all(|x| b.binary_search(x).is_ok())
}

/// Weighted Jaccard of two word sets sorted by hash; the sums run in hash
/// order, so the result is the same bit for bit whatever the input order.
fn weighted_jaccard(a: &[Term], b: &[Term]) -> f64 {
    let (mut i, mut j) = (0, 0);
    let (mut shared, mut union) = (0.0, 0.0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.hash == y.hash => {
                shared += x.weight;
                union += x.weight;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.hash < y.hash => {
                union += x.weight;
                i += 1;
            }
            (Some(x), None) => {
                union += x.weight;
                i += 1;
            }
            (_, Some(y)) => {
                union += y.weight;
                j += 1;
            }
            (None, None) => break,
        }
    }
    if union > 0.0 { shared / union } else { 0.0 }
}

/// Jaccard of two sorted sets.
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    let union = a.len() + b.len() - shared;
    if union == 0 { 0.0 } else { shared as f64 / union as f64 }
}

/// Candidate pairs of texts (by index, smaller first, each once) and how
/// many buckets were too large to expand.
fn candidates(texts: &[Text], min_title_words: usize) -> (Vec<(usize, usize)>, usize) {
    let (mul, add) = permutations();
    let mut bands: Vec<Vec<(u64, u32)>> = (0..BANDS).map(|_| Vec::with_capacity(texts.len())).collect();
    let mut features: Vec<u64> = Vec::new();
    let mut sig = [u64::MAX; SIGNATURE];
    let mut sign = |ti: usize, kind: u64, features: &[u64], numbers: &[u64]| {
        sig.fill(u64::MAX);
        for &f in features {
            for (k, s) in sig.iter_mut().enumerate() {
                let v = mul[k].wrapping_mul(f).wrapping_add(add[k]);
                if v < *s {
                    *s = v;
                }
            }
        }
        let numbers = numbers.iter().fold(kind, |acc, &h| mix(acc ^ h));
        for (b, band) in bands.iter_mut().enumerate() {
            let key = sig[b * ROWS..(b + 1) * ROWS].iter().fold(mix(numbers ^ b as u64), |acc, &v| mix(acc ^ v));
            band.push((key, ti as u32));
        }
    };
    for (ti, t) in texts.iter().enumerate() {
        if !t.title.is_empty() {
            features.clear();
            for w in &t.title {
                // Weights become repeated features (quarter-unit steps), so
                // MinHash estimates the weighted similarity.
                let copies = (w.weight * 4.0).round().clamp(1.0, 16.0) as u64;
                features.extend((0..copies).map(|k| mix(w.hash ^ k.wrapping_mul(0x9e37_79b9_7f4a_7c15))));
            }
            sign(ti, 1, &features, &t.numbers);
        }
        // Pairs of short titles are judged on their notes.
        if t.title.len() < min_title_words
            && let Some(notes) = &t.notes
        {
            sign(ti, 2, &notes.shingles, &t.numbers);
        }
    }
    let mut pairs: Vec<u64> = Vec::new();
    let mut oversized = 0;
    for band in &mut bands {
        band.sort_unstable();
        for run in band.chunk_by(|x, y| x.0 == y.0) {
            if run.len() < 2 {
                continue;
            }
            if run.len() > MAX_BUCKET {
                oversized += 1;
                continue;
            }
            for (i, x) in run.iter().enumerate() {
                for y in &run[i + 1..] {
                    let (a, b) = if x.1 < y.1 { (x.1, y.1) } else { (y.1, x.1) };
                    pairs.push((u64::from(a) << 32) | u64::from(b));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    (pairs.into_iter().map(|p| ((p >> 32) as usize, (p & 0xffff_ffff) as usize)).collect(), oversized)
}

/// The MinHash permutations `h ↦ a·h + b (mod 2⁶⁴)`, `a` odd: fixed, so
/// results are repeatable.
fn permutations() -> ([u64; SIGNATURE], [u64; SIGNATURE]) {
    let mut state = 0x6b68_6f2d_6475_7073u64;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(state)
    };
    let mut mul = [0u64; SIGNATURE];
    let mut add = [0u64; SIGNATURE];
    for k in 0..SIGNATURE {
        mul[k] = next() | 1;
        add[k] = next();
    }
    (mul, add)
}

/// Place names as word-hash sequences, indexed by their first word.
struct Gazetteer {
    by_first: HashMap<u64, Vec<(Vec<u64>, u32)>>,
}

impl Gazetteer {
    fn new(places: &[String]) -> Gazetteer {
        let mut names: Vec<Vec<String>> = places.iter().map(|p| words(p)).filter(|w| !w.is_empty()).collect();
        // Ids in name order, so they do not depend on the order given.
        names.sort();
        names.dedup();
        let mut by_first: HashMap<u64, Vec<(Vec<u64>, u32)>> = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            let seq: Vec<u64> = name.iter().map(|w| hash_str(w)).collect();
            by_first.entry(seq[0]).or_default().push((seq, i as u32));
        }
        Gazetteer { by_first }
    }

    /// Adds the places named in a word sequence to `out` and marks their
    /// words in `covered`.
    fn find(&self, seq: &[u64], out: &mut Vec<u32>, covered: &mut [bool]) {
        if self.by_first.is_empty() {
            return;
        }
        for i in 0..seq.len() {
            if let Some(names) = self.by_first.get(&seq[i]) {
                for (name, id) in names {
                    if seq[i..].starts_with(name) {
                        out.push(*id);
                        for c in covered.iter_mut().skip(i).take(name.len()) {
                            *c = true;
                        }
                    }
                }
            }
        }
    }
}

/// Union–find with path halving.
struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        DisjointSets { parent: (0..n).collect() }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// FNV-1a, then mixed: a stable 64-bit hash of a word.
fn hash_str(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// SplitMix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PROVINCES: &[&str] = &[
        "Hà Nội",
        "Huế",
        "Thừa Thiên Huế",
        "Đà Nẵng",
        "An Giang",
        "Cà Mau",
        "Cần Thơ",
        "Kiên Giang",
        "Tiền Giang",
        "Bắc Giang",
        "Hà Giang",
        "Nghệ An",
    ];

    fn opts() -> Options {
        Options { places: PROVINCES.iter().map(|p| p.to_string()).collect(), ..Options::default() }
    }

    fn item(id: &str, title: &str, notes: &str) -> Item {
        Item { id: id.into(), title: title.into(), notes: notes.into(), hashes: Vec::new() }
    }

    fn with_hashes(mut i: Item, hashes: &[&str]) -> Item {
        i.hashes = hashes.iter().map(|h| h.to_string()).collect();
        i
    }

    /// Unrelated datasets, so word weights are those of a small catalog.
    fn background() -> Vec<Item> {
        [
            ("bg-1", "Chất lượng nước mặt sông Hồng", "Kết quả quan trắc chất lượng nước mặt tại các điểm trên sông Hồng, đo hằng tháng theo các chỉ tiêu pH, DO, COD và BOD5."),
            ("bg-2", "Tuyến xe buýt nội thành", "Lộ trình, giờ chạy và giá vé của các tuyến xe buýt có trợ giá, cập nhật khi doanh nghiệp vận tải thay đổi lịch trình."),
            ("bg-3", "Doanh nghiệp đăng ký thành lập mới", "Số doanh nghiệp đăng ký thành lập mới theo ngành kinh tế và loại hình, tổng hợp từ hệ thống đăng ký doanh nghiệp quốc gia."),
            ("bg-4", "Điểm Wi-Fi công cộng miễn phí", "Vị trí các điểm phát Wi-Fi công cộng miễn phí do thành phố đầu tư, kèm tọa độ và giờ hoạt động của từng điểm."),
            ("bg-5", "Giá đất ở đô thị", "Bảng giá đất ở tại đô thị áp dụng cho giai đoạn hiện hành, theo từng tuyến đường và vị trí thửa đất."),
            ("bg-6", "Trạm sạc xe điện", "Danh mục trạm sạc xe điện công cộng với công suất, số cổng sạc, đơn vị vận hành và địa chỉ."),
        ]
        .iter()
        .map(|(id, t, n)| item(id, t, n))
        .collect()
    }

    fn run(extra: Vec<Item>) -> Report {
        let mut items = background();
        items.extend(extra);
        find(&items, &opts())
    }

    /// The groups as lists of ids.
    fn groups(r: &Report) -> Vec<Vec<&str>> {
        r.groups.iter().map(|g| g.datasets.iter().map(String::as_str).collect()).collect()
    }

    fn score(r: &Report, a: &str, b: &str) -> Option<f64> {
        r.matches(a).into_iter().find(|m| m.id == b).and_then(|m| m.score)
    }

    const NOTES: &str = "Danh mục các bệnh viện công lập trực thuộc Sở Y tế, gồm tên bệnh viện, địa chỉ, số giường bệnh theo kế hoạch, hạng bệnh viện và số điện thoại liên hệ. Cập nhật sau mỗi đợt xếp hạng.";

    #[test]
    fn exact_copies_are_duplicates() {
        let r = run(vec![
            item("a", "Danh mục bệnh viện công lập Thành phố Hà Nội", NOTES),
            item("b", "Danh mục bệnh viện công lập Thành phố Hà Nội", NOTES),
        ]);
        assert_eq!(groups(&r), vec![vec!["a", "b"]]);
        assert_eq!(
            r.groups[0].evidence,
            vec![Evidence::SimilarText { score: 1.0, datasets: vec!["a".into(), "b".into()] }]
        );
        assert_eq!(r.count("a"), 1);
        assert_eq!(r.count("bg-1"), 0);
        assert_eq!(r.stats.datasets, 8);
        assert_eq!(r.stats.texts, 7, "the copies are one text");
    }

    #[test]
    fn copies_without_diacritics_or_in_other_forms_are_the_same_text() {
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd(NOTES).collect();
        let r = run(vec![
            item("a", "Danh mục bệnh viện công lập Thành phố Hà Nội", NOTES),
            item("b", "DANH MUC BENH VIEN CONG LAP THANH PHO HA NOI", &words(NOTES).join(" ")),
            item("c", "Danh mục bệnh viện công lập – Thành phố Hà Nội", &nfd),
        ]);
        assert_eq!(groups(&r), vec![vec!["a", "b", "c"]]);
        assert_eq!(score(&r, "b", "c"), Some(1.0));
        assert_eq!(r.stats.texts, 7);
    }

    #[test]
    fn reordered_title_words_are_duplicates() {
        let r = run(vec![
            item("a", "Danh mục bệnh viện công lập Thành phố Hà Nội", NOTES),
            item("b", "Thành phố Hà Nội: bệnh viện công lập (danh mục)", NOTES),
        ]);
        assert_eq!(groups(&r), vec![vec!["a", "b"]]);
        assert_eq!(score(&r, "a", "b"), Some(1.0), "same words, same notes");
    }

    #[test]
    fn small_edits_are_still_duplicates() {
        let edited = NOTES.replace("số điện thoại liên hệ", "điện thoại").replace("Cập nhật", "Dữ liệu được cập nhật");
        let r = run(vec![
            item("a", "Danh mục bệnh viện công lập Thành phố Hà Nội", NOTES),
            item("b", "Danh mục các bệnh viện công lập tại Thành phố Hà Nội", &edited),
        ]);
        assert_eq!(groups(&r), vec![vec!["a", "b"]]);
        let s = score(&r, "a", "b").unwrap();
        assert!((0.8..1.0).contains(&s), "{s}");
        // Without notes the titles alone decide, when they say enough.
        let r = run(vec![
            item("a", "Dân số tỉnh An Giang năm 2023", ""),
            item("b", "Dân số toàn tỉnh An Giang năm 2023", ""),
        ]);
        assert_eq!(groups(&r), vec![vec!["a", "b"]]);
    }

    /// Title and notes of one member of a per-province, per-year series.
    fn series(topic: &str, province: &str, year: u32) -> (String, String) {
        (
            format!("{topic} tỉnh {province} năm {year}"),
            format!(
                "Số liệu {} của tỉnh {province} năm {year}, do Cục Thống kê tỉnh tổng hợp từ kết quả điều tra và báo cáo định kỳ của các sở, ngành; số liệu được công bố trong niên giám thống kê hằng năm.",
                topic.to_lowercase()
            ),
        )
    }

    #[test]
    fn members_of_a_series_are_not_duplicates() {
        let provinces =
            ["An Giang", "Cà Mau", "Cần Thơ", "Kiên Giang", "Tiền Giang", "Hà Giang", "Bắc Giang", "Nghệ An"];
        // The series published with notes, then without.
        for with_notes in [true, false] {
            let mut items = background();
            for topic in ["Dân số", "Lao động có việc làm", "Sản lượng lúa"] {
                for p in provinces {
                    for year in [2022, 2023] {
                        let (title, notes) = series(topic, p, year);
                        let notes = if with_notes { notes } else { String::new() };
                        items.push(item(&format!("{topic}/{p}/{year}"), &title, &notes));
                    }
                }
            }
            let r = find(&items, &opts());
            assert_eq!(groups(&r), Vec::<Vec<&str>>::new(), "{:?}", r.groups);
            assert!(r.stats.candidates > 0, "LSH proposed pairs that the rules rejected");
            // With one real duplicate in it, only that is found.
            let (title, notes) = series("Dân số", "An Giang", 2023);
            let (title, notes) = if with_notes {
                (title.replace("Dân số", "Dân số toàn"), format!("{notes} Đơn vị: người."))
            } else {
                ("Dân số năm 2023 của tỉnh An Giang".to_string(), String::new())
            };
            items.push(item("copy", &title, &notes));
            let r = find(&items, &opts());
            assert_eq!(groups(&r), vec![vec!["Dân số/An Giang/2023", "copy"]]);
            assert!(r.matches("copy")[0].score.unwrap() >= 0.8);
        }
    }

    #[test]
    fn the_closest_series_members_are_kept_apart_by_the_rules() {
        let (t1, n1) = series("Dân số", "An Giang", 2023);
        let (t2, n2) = series("Dân số", "Cà Mau", 2023);
        let (t3, n3) = series("Dân số", "An Giang", 2022);
        let r = run(vec![item("ag", &t1, &n1), item("cm", &t2, &n2), item("ag22", &t3, &n3)]);
        assert_eq!(groups(&r), Vec::<Vec<&str>>::new());
        // A province named only in the notes is still a different province.
        let notes = |p: &str| {
            format!(
                "Danh sách các trường trung học phổ thông trên địa bàn tỉnh {p}, gồm tên trường, địa chỉ, loại hình công lập hay tư thục và số học sinh."
            )
        };
        let r = run(vec![
            item("ag", "Danh sách trường trung học phổ thông", &notes("An Giang")),
            item("cm", "Danh sách trường trung học phổ thông", &notes("Cà Mau")),
        ]);
        assert_eq!(groups(&r), Vec::<Vec<&str>>::new());
        // One word apart, and that word is the subject.
        let r = run(vec![
            item("nam", "Dân số nam theo nhóm tuổi tỉnh An Giang", &n1),
            item("nu", "Dân số nữ theo nhóm tuổi tỉnh An Giang", &n1),
        ]);
        assert_eq!(groups(&r), Vec::<Vec<&str>>::new());
        // A year in one title only: a single year is not the whole series.
        let r = run(vec![item("all", "Dân số tỉnh An Giang", &n1), item("y", "Dân số tỉnh An Giang 2023", &n1)]);
        assert_eq!(groups(&r), Vec::<Vec<&str>>::new());
        // Leading zeros do not make a number different.
        let r = run(vec![
            item("q1", "Chỉ số giá tiêu dùng quý 01 năm 2024", &n1),
            item("q1b", "Chỉ số giá tiêu dùng quý 1 năm 2024", &n1),
        ]);
        assert_eq!(groups(&r), vec![vec!["q1", "q1b"]]);
    }

    #[test]
    fn short_generic_titles_do_not_flood() {
        let mut extra = Vec::new();
        for i in 0..30 {
            let title = ["Dữ liệu", "Danh sách", "Dữ liệu dân cư", "Số liệu thống kê", "Dữ liệu 2024"][i % 5];
            extra.push(item(&format!("g{i:02}"), title, ""));
            extra.push(item(&format!("h{i:02}"), title, &format!("Tệp số {i} gửi kèm công văn, chưa mô tả.")));
        }
        let r = run(extra.clone());
        assert_eq!(groups(&r), Vec::<Vec<&str>>::new(), "{:?}", r.groups);
        // Boilerplate titles with the same long notes are the same data.
        extra.push(item("x1", "Dữ liệu", NOTES));
        extra.push(item("x2", "Danh sách", NOTES));
        let r = run(extra);
        assert_eq!(groups(&r), vec![vec!["x1", "x2"]]);
    }

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn datasets_sharing_a_file_are_grouped() {
        let r = run(vec![
            with_hashes(item("a", "Bản đồ hành chính", ""), &[SHA]),
            with_hashes(item("b", "Ranh giới các xã", ""), &["", &format!("sha256:{}", SHA.to_uppercase())]),
            with_hashes(item("c", "Quy hoạch sử dụng đất", ""), &["abc", "0"]),
            with_hashes(item("d", "Kế hoạch đầu tư công", ""), &["abc", "0"]),
            // The empty file's digest says nothing.
            with_hashes(
                item("e", "Tệp trống 1", ""),
                &[
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    "d41d8cd98f00b204e9800998ecf8427e",
                ],
            ),
            with_hashes(
                item("f", "Tệp trống 2", ""),
                &["E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"],
            ),
            // One dataset with the same file twice is not a duplicate of itself.
            with_hashes(
                item("g", "Hai bản một tệp", ""),
                &["0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"],
            ),
        ]);
        assert_eq!(groups(&r), vec![vec!["a", "b"]]);
        assert_eq!(
            r.groups[0].evidence,
            vec![Evidence::SameFile { hash: SHA.into(), datasets: vec!["a".into(), "b".into()] }]
        );
        assert_eq!(r.matches("b"), vec![Match { id: "a".into(), score: None, files: vec![SHA.into()] }]);
        assert_eq!(file_key(" MD5:D41D8CD98F00B204E9800998ECF8427F "), Some("d41d8cd98f00b204e9800998ecf8427f".into()));
        assert_eq!(file_key("not a hash"), None);
        assert_eq!(file_key(&"0".repeat(64)), None);
    }

    #[test]
    fn evidence_of_both_kinds_joins_one_group() {
        let r = run(vec![
            item("a", "Danh mục bệnh viện công lập Thành phố Hà Nội", NOTES),
            with_hashes(item("b", "Danh mục bệnh viện công lập Thành phố Hà Nội", NOTES), &[SHA]),
            with_hashes(item("c", "Bảng kê cơ sở y tế", ""), &[SHA]),
            with_hashes(item("d", "Lộ trình các tuyến buýt", ""), &["5d41402abc4b2a76b9719d911017c592"]),
            with_hashes(item("e", "Lộ trình xe buýt", ""), &["5d41402abc4b2a76b9719d911017c592"]),
        ]);
        assert_eq!(groups(&r), vec![vec!["a", "b", "c"], vec!["d", "e"]], "largest first");
        assert_eq!(
            r.groups[0].evidence.iter().map(Evidence::reason).collect::<Vec<_>>(),
            ["similar-text", "same-file"]
        );
        // Direct evidence only: a and c are linked through b.
        assert_eq!(r.matches("a").iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["b"]);
        assert_eq!(r.count("b"), 2);
        assert_eq!(r.group_of("c").map(|g| g.datasets.len()), Some(3));
    }

    #[test]
    fn empty_input() {
        let r = find(&[], &Options::default());
        assert!(r.groups.is_empty());
        assert_eq!(r.stats, Stats::default());
        assert!(r.matches("x").is_empty());
    }

    #[test]
    fn folding() {
        assert_eq!(words("Đường  Điện Biên Phủ, năm 2023!"), ["duong", "dien", "bien", "phu", "nam", "2023"]);
        assert_eq!(words("Quý 01/2024"), ["quy", "1", "2024"]);
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd("Thừa Thiên Huế").collect();
        assert_eq!(words(&nfd), ["thua", "thien", "hue"]);
    }

    /// A small pool of texts that collide a lot: copies, edits, series.
    fn pool_item(i: usize, pick: (u8, u8, u8, u8)) -> Item {
        let (topic, place, year, variant) = pick;
        let topic = ["Dân số", "Sản lượng lúa", "Danh sách trường học", "Dữ liệu"][topic as usize % 4];
        let place = ["An Giang", "Cà Mau", "Hà Nội"][place as usize % 3];
        let year = 2022 + u32::from(year % 2);
        let (mut title, mut notes) = series(topic, place, year);
        match variant % 5 {
            0 => {}
            1 => title = title.replace(" năm ", " "),
            2 => notes.push_str(" Đơn vị tính theo quy định."),
            3 => notes.clear(),
            _ => title = words(&title).join(" "),
        }
        let hashes =
            if variant % 3 == 0 { vec![format!("{:064x}", u64::from(year) * 7 + topic.len() as u64)] } else { vec![] };
        Item { id: format!("d{i:03}"), title, notes, hashes }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn the_result_does_not_depend_on_input_order(
            (items, shuffled) in prop::collection::vec((0u8..4, 0u8..3, 0u8..2, 0u8..5), 0..40)
                .prop_map(|picks| picks.into_iter().enumerate().map(|(i, p)| pool_item(i, p)).collect::<Vec<_>>())
                .prop_flat_map(|items| (Just(items.clone()), Just(items).prop_shuffle()))
        ) {
            let a = find(&items, &opts());
            let b = find(&shuffled, &opts());
            prop_assert_eq!(a, b);
        }
    }

    /// A synthetic national catalog: series per topic, province and year,
    /// free-form datasets, and a few edited copies.
    fn synthetic(n: usize) -> Vec<Item> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |m: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m as u64) as usize
        };
        let syllables: Vec<String> = {
            let onsets = [
                "b", "c", "ch", "d", "đ", "g", "h", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "s", "t", "th", "tr",
                "v", "x",
            ];
            let rimes = [
                "a", "à", "an", "ăng", "âm", "ê", "iên", "inh", "o", "ôi", "ơn", "u", "ư", "ương", "uyên", "ai", "ao",
                "ốc", "ất", "ữu",
            ];
            onsets.iter().flat_map(|o| rimes.iter().map(move |r| format!("{o}{r}"))).collect()
        };
        // Huế was Thừa Thiên Huế: one place, so not two series members.
        let provinces: Vec<&str> = PROVINCES.iter().copied().filter(|p| *p != "Thừa Thiên Huế").collect();
        let phrase = |len: usize, next: &mut dyn FnMut(usize) -> usize| {
            (0..len).map(|_| syllables[next(syllables.len())].as_str()).collect::<Vec<_>>().join(" ")
        };
        let topics: Vec<String> = (0..300).map(|_| phrase(2 + next(3), &mut next)).collect();
        let mut items: Vec<Item> = Vec::with_capacity(n);
        while items.len() < n {
            let i = items.len();
            let r = next(100);
            let it = if r < 60 {
                let topic = &topics[next(topics.len())];
                let (title, notes) = series(topic, provinces[next(provinces.len())], 2010 + next(16) as u32);
                item(&format!("s{i}"), &title, &notes)
            } else if r < 95 || i == 0 {
                let title = phrase(3 + next(6), &mut next);
                let notes = phrase(10 + next(60), &mut next);
                item(&format!("f{i}"), &title, &notes)
            } else {
                let orig = items[next(i)].clone();
                let id = format!("c{i}={}", orig.id);
                Item {
                    id,
                    title: format!("{} mới", orig.title),
                    notes: format!("{} Cập nhật.", orig.notes),
                    hashes: orig.hashes,
                }
            };
            items.push(it);
        }
        items
    }

    /// Checks a report on [`synthetic`]: series members are never paired
    /// with another member, and most edited copies are found. Returns the
    /// share of copies found.
    fn check_synthetic(items: &[Item], r: &Report) -> f64 {
        let title: HashMap<&str, &str> = items.iter().map(|i| (i.id.as_str(), i.title.as_str())).collect();
        for g in &r.groups {
            for e in &g.evidence {
                let series: Vec<&str> =
                    e.datasets().iter().filter(|d| d.starts_with('s')).map(|d| title[d.as_str()]).collect();
                assert!(series.windows(2).all(|w| w[0] == w[1]), "different series members paired: {e:?} {series:?}");
            }
        }
        let copies: Vec<&Item> = items.iter().filter(|i| i.id.starts_with('c')).collect();
        let found = copies
            .iter()
            .filter(|c| {
                let orig = c.id.split_once('=').map_or("", |(_, o)| o);
                r.matches(&c.id).iter().any(|m| m.id == orig)
            })
            .count();
        found as f64 / copies.len().max(1) as f64
    }

    #[test]
    fn synthetic_catalog() {
        let items = synthetic(4000);
        let r = find(&items, &opts());
        let recall = check_synthetic(&items, &r);
        assert!(recall > 0.95, "{recall}");
    }

    /// Run with `cargo test -p kho-core --release duplicates -- --ignored --nocapture`.
    #[test]
    #[ignore = "benchmark: prints the time for 100,000 datasets"]
    fn hundred_thousand_datasets() {
        let items = synthetic(100_000);
        let start = std::time::Instant::now();
        let r = find(&items, &opts());
        let took = start.elapsed();
        let recall = check_synthetic(&items, &r);
        println!(
            "{} datasets: {:?}; {:?}; {} groups, largest {}; edited copies found: {:.1}%",
            items.len(),
            took,
            r.stats,
            r.groups.len(),
            r.groups.first().map_or(0, |g| g.datasets.len()),
            recall * 100.0
        );
        assert!(recall > 0.95, "{recall}");
    }
}
