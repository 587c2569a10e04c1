//! Reading a DCAT(-AP) document, one page of a remote catalog, into the
//! dataset dictionaries Kho's `package_create` accepts (harvesting).
//!
//! The mapping is the inverse of [`crate::export`], tolerant of what other
//! producers write: ckanext-dcat's untagged literals, `owl:versionInfo`,
//! `schema:startDate`, literal `dct:format` and decimal `dcat:byteSize`,
//! and both Hydra paging designs (`hydra:PartialCollectionView` with
//! `hydra:next`, `hydra:PagedCollection` with `hydra:nextPage`).
//!
//! A malformed document is an error; a document without datasets is an
//! empty page; a dataset Kho cannot take (no identity, no title) is listed
//! in [`ReadPage::skipped`] and the rest of the page is read.
//!
//! The whole page is held in memory as its triples indexed by subject, so
//! memory is proportional to the page.

use crate::format::Format;
use crate::vocab::{self, ns};
use kho_core::input::{LANGUAGES, NOTES_MAX, SHORT_MAX, TITLE_MAX, URL_MAX};
use kho_core::vocab::{DataSharing, UpdateFrequency, Vocabulary};
use oxrdf::{Literal, NamedNode, NamedOrBlankNode, Term};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// One page of a remote DCAT catalog, read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadPage {
    /// The datasets Kho can take, in document order.
    pub datasets: Vec<Remote>,
    /// The next page's URL (`hydra:next`, else `hydra:nextPage`), resolved
    /// against the document's base IRI.
    pub next: Option<String>,
    /// The number of datasets in the whole catalog (`hydra:totalItems`).
    pub total: Option<u64>,
    /// Datasets left out: what (an IRI, identifier or title) and why.
    pub skipped: Vec<(String, String)>,
}

/// A remote dataset: who it is at the source and what Kho would store.
#[derive(Debug, Clone, PartialEq)]
pub struct Remote {
    /// Its IRI if it has one (not a blank node), else its `dct:identifier`.
    pub remote_id: String,
    /// `dct:modified` as given.
    pub modified: Option<String>,
    /// Its publisher (`dct:publisher`).
    pub publisher: Option<Agent>,
    /// The `package_create` dictionary, without `name` and `owner_org` (the
    /// harvester decides those).
    pub dict: Value,
    /// A name candidate: the IRI's or landing page's last path segment,
    /// else the title.
    pub name_hint: String,
    /// `dcat:landingPage`, to link back to the original.
    pub landing_page: Option<String>,
}

/// A publisher as the source describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Agent {
    /// Its IRI, unless it is a blank node.
    pub iri: Option<String>,
    /// Its names (`foaf:name`) by language tag; an untagged name is under `""`.
    pub names: BTreeMap<String, String>,
    /// The Kho agency kind its ADMS publisher type (`dct:type`) maps to
    /// without ambiguity: `LocalAuthority` → `commune`, non-governmental
    /// types → `other`. National and regional authorities are left unset:
    /// each covers two Kho kinds (ministry or government agency, province
    /// or department).
    pub agency_kind: Option<&'static str>,
}

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The document is not well-formed in its format.
    #[error("malformed {format}{}: {message}", position(.line, .column))]
    Syntax {
        /// The format's name (`Turtle`, `JSON-LD`, `RDF/XML`, `N-Triples`).
        format: &'static str,
        /// 1-based line and column, where the parser knows them.
        line: Option<u64>,
        column: Option<u64>,
        message: String,
    },
    /// The base IRI given is not an absolute IRI.
    #[error("invalid base IRI <{iri}>: {message}")]
    BaseIri { iri: String, message: String },
}

fn position(line: &Option<u64>, column: &Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Turtle => "Turtle",
        Format::JsonLd => "JSON-LD",
        Format::RdfXml => "RDF/XML",
        Format::NTriples => "N-Triples",
    }
}

const OWL: &str = "http://www.w3.org/2002/07/owl#";
const LOCN: &str = "http://www.w3.org/ns/locn#";
const SCHEMA: [&str; 2] = ["http://schema.org/", "https://schema.org/"];
const SPDX_HTTPS: &str = "https://spdx.org/rdf/terms#";

/// Reads one DCAT document. `base_iri` (the URL it was fetched from)
/// resolves relative IRIs, in the document and in `hydra:nextPage`.
pub fn read(bytes: &[u8], format: Format, base_iri: Option<&str>) -> Result<ReadPage, ReadError> {
    let graph = Graph::parse(bytes, format, base_iri)?;
    let mut page = ReadPage { datasets: Vec::new(), next: None, total: None, skipped: Vec::new() };
    // `order` holds each subject once.
    for s in &graph.order {
        if graph.has_type(s, ns::DCAT, "Dataset") {
            match dataset(&graph, s) {
                Ok(d) => page.datasets.push(d),
                Err(skip) => page.skipped.push(skip),
            }
        }
    }
    let pagers = graph.order.iter().filter(|s| {
        graph.has_type(s, ns::HYDRA, "PartialCollectionView") || graph.has_type(s, ns::HYDRA, "PagedCollection")
    });
    for s in pagers {
        let next = graph.value(s, ns::HYDRA, "next").or_else(|| graph.value(s, ns::HYDRA, "nextPage"));
        if let Some(n) = next {
            page.next = Some(resolve(base_iri, n));
            break;
        }
    }
    page.total = graph
        .triples()
        .filter(|(p, _)| p.as_str().strip_prefix(ns::HYDRA) == Some("totalItems"))
        .find_map(|(_, o)| literal(o).and_then(|l| number(l.value())));
    Ok(page)
}

/// The triples of a document, by subject, and the subjects in order of
/// first appearance.
struct Graph {
    by_subject: HashMap<NamedOrBlankNode, Vec<(NamedNode, Term)>>,
    order: Vec<NamedOrBlankNode>,
}

impl Graph {
    fn parse(bytes: &[u8], format: Format, base_iri: Option<&str>) -> Result<Graph, ReadError> {
        let mut parser = oxrdfio::RdfParser::from_format(format.oxrdfio());
        if let Some(base) = base_iri {
            parser = parser
                .with_base_iri(base)
                .map_err(|e| ReadError::BaseIri { iri: base.to_string(), message: e.to_string() })?;
        }
        let mut graph = Graph { by_subject: HashMap::new(), order: Vec::new() };
        for quad in parser.for_slice(bytes) {
            let quad = quad.map_err(|e| syntax_error(format, &e))?;
            let entry = graph.by_subject.entry(quad.subject.clone()).or_insert_with(|| {
                graph.order.push(quad.subject.clone());
                Vec::new()
            });
            entry.push((quad.predicate, quad.object));
        }
        Ok(graph)
    }

    fn triples(&self) -> impl Iterator<Item = &(NamedNode, Term)> {
        self.order.iter().filter_map(|s| self.by_subject.get(s)).flatten()
    }

    /// The objects of `s ns:local`, in document order.
    fn objects<'a>(
        &'a self,
        s: &NamedOrBlankNode,
        namespace: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Term> {
        self.by_subject
            .get(s)
            .into_iter()
            .flatten()
            .filter(move |(p, _)| p.as_str().strip_prefix(namespace) == Some(local))
            .map(|(_, o)| o)
    }

    fn has_type(&self, s: &NamedOrBlankNode, namespace: &str, local: &str) -> bool {
        let class = format!("{namespace}{local}");
        self.objects(s, ns::RDF, "type").any(|t| matches!(t, Term::NamedNode(n) if n.as_str() == class))
    }

    /// The first non-blank value (literal text or IRI) of `s ns:local`.
    fn value<'a>(&'a self, s: &NamedOrBlankNode, namespace: &'a str, local: &'a str) -> Option<&'a str> {
        self.objects(s, namespace, local).filter_map(text_or_iri).find(|v| !v.trim().is_empty())
    }

    /// The nodes `s ns:local` points at, in document order, once each.
    fn nodes(&self, s: &NamedOrBlankNode, namespace: &str, local: &str) -> Vec<NamedOrBlankNode> {
        let mut out: Vec<NamedOrBlankNode> = Vec::new();
        for n in self.objects(s, namespace, local).filter_map(node) {
            if !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }

    /// The literals of `s ns:local` as a main text and its translations.
    fn texts(&self, s: &NamedOrBlankNode, namespace: &str, local: &str, max: usize) -> Texts {
        let mut untagged = None;
        let mut by_lang: BTreeMap<String, String> = BTreeMap::new();
        for l in self.objects(s, namespace, local).filter_map(literal) {
            let Some(v) = clean(l.value(), max).filter(|v| !v.trim().is_empty()) else { continue };
            match l.language() {
                Some(tag) => {
                    by_lang.entry(primary_language(tag)).or_insert(v);
                }
                None => {
                    untagged.get_or_insert(v);
                }
            }
        }
        let main = by_lang
            .get("vi")
            .cloned()
            .or(untagged)
            .or_else(|| by_lang.get("en").cloned())
            .or_else(|| by_lang.values().next().cloned());
        let translated =
            by_lang.into_iter().filter(|(lang, _)| lang != "vi" && LANGUAGES.contains(&lang.as_str())).collect();
        Texts { main, translated }
    }

    /// A node's labels, for places and agents: `vi`, untagged, `en`, any.
    fn label(&self, s: &NamedOrBlankNode, properties: &[(&str, &str)], max: usize) -> Option<String> {
        properties.iter().find_map(|(namespace, local)| self.texts(s, namespace, local, max).main)
    }
}

/// A text and its translations (`*_translated`).
struct Texts {
    main: Option<String>,
    translated: BTreeMap<String, String>,
}

fn syntax_error(format: Format, e: &oxrdfio::RdfSyntaxError) -> ReadError {
    let location = e.location();
    let full = e.to_string();
    // The parsers' own text starts "Parser error at line … column …: ";
    // the position is given once, from the location.
    let message = match (&location, full.strip_prefix("Parser error ")) {
        (Some(_), Some(rest)) => rest.split_once(": ").map_or(full.clone(), |(_, m)| m.to_string()),
        _ => full,
    };
    ReadError::Syntax {
        format: format_name(format),
        line: location.as_ref().map(|l| l.start.line + 1),
        column: location.as_ref().map(|l| l.start.column + 1),
        message,
    }
}

fn literal(t: &Term) -> Option<&Literal> {
    if let Term::Literal(l) = t { Some(l) } else { None }
}

fn node(t: &Term) -> Option<NamedOrBlankNode> {
    if let Term::NamedNode(n) = t {
        Some(n.clone().into())
    } else if let Term::BlankNode(b) = t {
        Some(b.clone().into())
    } else {
        None
    }
}

/// A literal's text or an IRI (producers give links either way).
fn text_or_iri(t: &Term) -> Option<&str> {
    if let Term::NamedNode(n) = t { Some(n.as_str()) } else { literal(t).map(Literal::value) }
}

fn iri_of(s: &NamedOrBlankNode) -> Option<&str> {
    if let NamedOrBlankNode::NamedNode(n) = s { Some(n.as_str()) } else { None }
}

/// `en-GB` → `en`.
fn primary_language(tag: &str) -> String {
    tag.split('-').next().unwrap_or(tag).to_ascii_lowercase()
}

/// Text as Kho accepts it: no NUL characters, at most `max` characters.
fn clean(value: &str, max: usize) -> Option<String> {
    let v: String = value.chars().filter(|c| *c != '\0').take(max).collect();
    if v.is_empty() { None } else { Some(v) }
}

/// A number however typed (`283`, `"1234.0"^^xsd:decimal`, `1.2E3`):
/// non-negative and whole after rounding.
fn number(value: &str) -> Option<u64> {
    let v = value.trim();
    if let Ok(n) = v.parse::<u64>() {
        return Some(n);
    }
    let f = v.parse::<f64>().ok().filter(|f| f.is_finite() && *f >= 0.0)?;
    let r = f.round();
    // u64::MAX as f64 rounds up; stay below it.
    if r < 18_446_744_073_709_549_568.0 { Some(r as u64) } else { None }
}

/// The last segment of an IRI's path (`…/frequency/DAILY` → `DAILY`), or
/// its fragment (`…/terms#daily` → `daily`).
fn last_segment(iri: &str) -> &str {
    if let Some((_, fragment)) = iri.split_once('#').filter(|(_, f)| !f.is_empty()) {
        return fragment;
    }
    let path = iri.split(['?', '#']).next().unwrap_or(iri).trim_end_matches('/');
    path.rsplit('/').next().unwrap_or(path)
}

/// An IRI or literal relative to `base`, made absolute (RFC 3986, through
/// the Turtle parser's resolution); as given when it cannot be.
fn resolve(base: Option<&str>, reference: &str) -> String {
    let reference = reference.trim();
    if NamedNode::new(reference).is_ok() {
        return reference.to_string();
    }
    let Some(base) = base else { return reference.to_string() };
    if reference.chars().any(|c| c.is_control() || "<>\"{}|^`\\ ".contains(c)) {
        return reference.to_string();
    }
    let doc = format!("<urn:kho:s> <urn:kho:p> <{reference}> .");
    let Ok(parser) = oxrdfio::RdfParser::from_format(oxrdfio::RdfFormat::Turtle).with_base_iri(base) else {
        return reference.to_string();
    };
    match parser.for_slice(doc.as_bytes()).next() {
        Some(Ok(q)) => match q.object {
            Term::NamedNode(n) => n.into_string(),
            _ => reference.to_string(),
        },
        _ => reference.to_string(),
    }
}

/// Reads one dataset, or says why it is skipped.
fn dataset(g: &Graph, s: &NamedOrBlankNode) -> Result<Remote, (String, String)> {
    let iri = iri_of(s);
    let identifier = g.value(s, ns::DCT, "identifier").map(|v| v.trim().to_string());
    let title = g.texts(s, ns::DCT, "title", TITLE_MAX);
    let Some(remote_id) = iri.map(str::to_string).or_else(|| identifier.clone()) else {
        let what = match &title.main {
            Some(t) => format!("dataset \"{t}\""),
            None => "an untitled dataset".to_string(),
        };
        return Err((what, "a blank node without dct:identifier: no identity to harvest it by".to_string()));
    };
    let Some(title_text) = title.main else {
        return Err((remote_id, "no dct:title".to_string()));
    };

    let mut d = Map::new();
    d.insert("title".into(), json!(title_text));
    if !title.translated.is_empty() {
        d.insert("title_translated".into(), json!(title.translated));
    }
    let notes = g.texts(s, ns::DCT, "description", NOTES_MAX);
    if let Some(n) = notes.main {
        d.insert("notes".into(), json!(n));
    }
    if !notes.translated.is_empty() {
        d.insert("notes_translated".into(), json!(notes.translated));
    }

    let tags = keywords(g.objects(s, ns::DCAT, "keyword").filter_map(literal).map(Literal::value));
    if !tags.is_empty() {
        d.insert("tags".into(), Value::Array(tags.into_iter().map(|t| json!({ "name": t })).collect()));
    }

    let version = g.value(s, ns::DCAT, "version").or_else(|| g.value(s, OWL, "versionInfo"));
    if let Some(v) = version.and_then(|v| clean(v.trim(), 100)) {
        d.insert("version".into(), json!(v));
    }
    if let Some(page) = g.value(s, ns::FOAF, "page").map(str::trim).filter(|u| u.chars().count() <= URL_MAX) {
        d.insert("url".into(), json!(page));
    }
    if let Some(c) = g.nodes(s, ns::DCAT, "contactPoint").first() {
        if let Some(name) = g.label(c, &[(ns::VCARD, "fn"), (ns::VCARD, "organization-name")], SHORT_MAX) {
            d.insert("maintainer".into(), json!(name));
        }
        if let Some(email) = g.objects(c, ns::VCARD, "hasEmail").filter_map(text_or_iri).find_map(email) {
            d.insert("maintainer_email".into(), json!(email));
        }
    }
    if let Some(c) = g.nodes(s, ns::DCT, "creator").first() {
        if let Some(name) = g.label(c, &[(ns::FOAF, "name"), (ns::VCARD, "fn")], SHORT_MAX) {
            d.insert("author".into(), json!(name));
        }
        if let Some(email) = g.objects(c, ns::FOAF, "mbox").filter_map(text_or_iri).find_map(email) {
            d.insert("author_email".into(), json!(email));
        }
    }

    if let Some(place) = g.objects(s, ns::DCT, "spatial").find_map(|t| spatial(g, t)) {
        d.insert("spatial".into(), json!(place));
    }
    let (start, end) = temporal(g, s);
    if let Some(v) = start {
        d.insert("temporal_start".into(), json!(v));
    }
    if let Some(v) = end {
        d.insert("temporal_end".into(), json!(v));
    }
    if let Some(f) = g.objects(s, ns::DCT, "accrualPeriodicity").filter_map(text_or_iri).find_map(frequency) {
        d.insert("update_frequency".into(), json!(f.code()));
    }
    let sharing = g
        .objects(s, ns::DCT, "accessRights")
        .filter_map(text_or_iri)
        .find_map(|v| vocab::sharing_from_eu(last_segment(v).trim()))
        .unwrap_or(DataSharing::Open);
    d.insert("data_sharing".into(), json!(sharing.code()));
    if sharing != DataSharing::Open {
        // The Law on Data: shared data is never public.
        d.insert("private".into(), json!(true));
    }

    let distributions = g.nodes(s, ns::DCAT, "distribution");
    let licence = distributions
        .iter()
        .chain(std::iter::once(s))
        .find_map(|n| g.objects(n, ns::DCT, "license").find_map(|t| licence_value(g, t)));
    let mut extras = Vec::new();
    if let Some(iri) = iri {
        extras.push(("uri", iri.to_string()));
    }
    // Kho writes its IRI as the identifier too; once is enough.
    if let Some(id) = identifier.filter(|i| !i.is_empty() && Some(i.as_str()) != iri) {
        extras.push(("identifier", id));
    }
    if let Some(l) = licence {
        match licence_id(&l) {
            Some(id) => {
                d.insert("license_id".into(), json!(id));
            }
            None => extras.push(("license_uri", l)),
        }
    }
    if !extras.is_empty() {
        let extras = extras.into_iter().filter_map(|(k, v)| Some(json!({ "key": k, "value": clean(&v, NOTES_MAX)? })));
        d.insert("extras".into(), Value::Array(extras.collect()));
    }
    d.insert("resources".into(), Value::Array(distributions.iter().map(|n| distribution(g, n)).collect()));

    let landing_page = g.value(s, ns::DCAT, "landingPage").map(|v| v.trim().to_string());
    let name_hint = name_hint(iri, landing_page.as_deref(), &title_text, &remote_id);

    let publisher = g.objects(s, ns::DCT, "publisher").next().map(|t| agent(g, t));
    let modified = g.value(s, ns::DCT, "modified").map(|v| v.trim().to_string());
    Ok(Remote { remote_id, modified, publisher, dict: Value::Object(d), name_hint, landing_page })
}

/// `dcat:keyword`s as Kho tags: split at commas, characters a tag may not
/// hold replaced by spaces, trimmed, at most 100 characters, at least 2,
/// each once. A keyword that is already a valid tag is kept as it is.
fn keywords<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    // Combining diacritics: decomposed Vietnamese becomes valid once
    // package_create composes it (NFC).
    let allowed =
        |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.') || ('\u{300}'..='\u{36f}').contains(&c);
    let mut out: Vec<String> = Vec::new();
    for piece in values.flat_map(|v| v.split(',')) {
        let tag = if piece.chars().all(allowed) {
            piece.trim().to_string()
        } else {
            let mut t = String::new();
            for c in piece.chars() {
                let c = if allowed(c) { c } else { ' ' };
                if !(c == ' ' && t.ends_with(' ')) {
                    t.push(c);
                }
            }
            t.trim().to_string()
        };
        let tag: String = tag.chars().take(100).collect::<String>().trim_end().to_string();
        if tag.chars().count() >= 2 && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// An address from `vcard:hasEmail` or `foaf:mbox`, if it is one.
fn email(value: &str) -> Option<String> {
    let v = value.trim();
    let v = v.strip_prefix("mailto:").or_else(|| v.strip_prefix("MAILTO:")).unwrap_or(v).trim();
    kho_core::names::check_email(v).then(|| v.to_string())
}

/// Kho's `spatial` for a `dct:spatial` value: a province's code
/// (`…/admin-units/1` → `01`), `VN` for the country, else the place's
/// name, else its IRI.
fn spatial(g: &Graph, t: &Term) -> Option<String> {
    if let Some(l) = literal(t) {
        return clean(l.value().trim(), 100_000);
    }
    let n = node(t)?;
    if let Some(iri) = iri_of(&n) {
        if let Some((_, rest)) = iri.split_once("/admin-units/") {
            let code = rest.split(['/', '?', '#']).next().unwrap_or("");
            if (1..=6).contains(&code.len())
                && let Ok(c) = code.parse::<u32>()
            {
                return Some(format!("{c:02}"));
            }
        }
        let eu = iri.strip_prefix("http://").or_else(|| iri.strip_prefix("https://")).unwrap_or(iri);
        if eu.trim_end_matches('/').eq_ignore_ascii_case("publications.europa.eu/resource/authority/country/VNM") {
            return Some("VN".to_string());
        }
    }
    g.label(&n, &[(ns::SKOS, "prefLabel"), (LOCN, "geographicName"), (ns::RDFS, "label")], 100_000)
        .or_else(|| iri_of(&n).map(str::to_string))
}

/// `dct:temporal`: the first period's start and end dates.
fn temporal(g: &Graph, s: &NamedOrBlankNode) -> (Option<String>, Option<String>) {
    for period in g.nodes(s, ns::DCT, "temporal") {
        let bound = |local: &str, end: bool| {
            let mut candidates = vec![g.value(&period, ns::DCAT, local)];
            candidates.extend(SCHEMA.iter().map(|schema| g.value(&period, schema, local)));
            candidates.into_iter().flatten().find_map(|v| date(v, end))
        };
        let (start, end) = (bound("startDate", false), bound("endDate", true));
        if start.is_some() || end.is_some() {
            return (start, end);
        }
    }
    (None, None)
}

/// A date as Kho keeps it (`YYYY-MM-DD`): a date or a date-time's date
/// part as given; a year or year-month as its first day, or its last for
/// the end of a period.
fn date(value: &str, end: bool) -> Option<String> {
    let v = value.trim();
    if !v.is_ascii() {
        return None;
    }
    let valid = |d: &str| kho_core::timefmt::parse_date(d).map(kho_core::timefmt::format_date);
    if let Some(d) = v.get(..10).filter(|_| v.len() == 10 || v[10..].starts_with(['T', 'Z', '+', '-', ' '])) {
        return valid(d);
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if v.len() == 4 && digits(v) {
        return valid(&format!("{v}-{}", if end { "12-31" } else { "01-01" }));
    }
    if v.len() == 7 && digits(&v[..4]) && &v[4..5] == "-" && digits(&v[5..]) {
        if !end {
            return valid(&format!("{v}-01"));
        }
        return ["31", "30", "29", "28"].iter().find_map(|day| valid(&format!("{v}-{day}")));
    }
    None
}

/// Kho's update frequency for an EU frequency IRI (or a code, or a
/// Dublin Core collection frequency such as `…/cld/freq/semiannual`).
fn frequency(value: &str) -> Option<UpdateFrequency> {
    let code = last_segment(value).trim();
    let upper = code.to_ascii_uppercase();
    vocab::frequency_from_eu(&upper).or_else(|| UpdateFrequency::parse(&code.to_ascii_lowercase())).or(
        match upper.as_str() {
            "SEMIANNUAL" => Some(UpdateFrequency::Biannual),
            "CONTINUOUS" => Some(UpdateFrequency::Continuous),
            "IRREGULAR" => Some(UpdateFrequency::Irregular),
            _ => None,
        },
    )
}

/// A licence's IRI or text; a blank node by its label.
fn licence_value(g: &Graph, t: &Term) -> Option<String> {
    if let Some(v) = text_or_iri(t).map(str::trim).filter(|v| !v.is_empty()) {
        return Some(v.to_string());
    }
    let n = node(t)?;
    g.label(&n, &[(ns::RDFS, "label"), (ns::DCT, "title"), (ns::SKOS, "prefLabel")], URL_MAX)
}

/// The EU licence table's codes Kho has a licence for.
const EU_LICENCES: &[(&str, &str)] = &[
    ("CC0", "cc-zero"),
    ("CC_BY_4_0", "cc-by-4.0"),
    ("CC_BYSA_4_0", "cc-by-sa-4.0"),
    ("ODC_BL", "odc-odbl"),
    ("ODC_BY", "odc-by"),
];

/// A Kho licence id for a licence IRI: by its URL (scheme, `www.`, a
/// trailing slash, `legalcode` and `deed.*` ignored), an EU licence table
/// code, a Kho licence page (`…/license/{id}`) or a bare Kho id.
pub fn licence_id(value: &str) -> Option<&'static str> {
    let licences = kho_core::licenses::LICENSES.iter().filter(|l| l.id != "notspecified");
    if let Some(l) = licences.clone().find(|l| l.id.eq_ignore_ascii_case(value.trim())) {
        return Some(l.id);
    }
    let key = |u: &str| {
        let u = u.trim().to_ascii_lowercase();
        let u = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://")).unwrap_or(&u).to_string();
        let u = u.strip_prefix("www.").unwrap_or(&u).trim_end_matches('/').to_string();
        let last = last_segment(&u).to_string();
        if last.starts_with("legalcode") || last.starts_with("deed.") {
            u[..u.len() - last.len()].trim_end_matches('/').to_string()
        } else {
            u
        }
    };
    let wanted = key(value);
    if let Some(l) = licences.clone().filter(|l| !l.url.is_empty()).find(|l| key(l.url) == wanted) {
        return Some(l.id);
    }
    if let Some(code) = wanted.strip_prefix("publications.europa.eu/resource/authority/licence/") {
        return EU_LICENCES.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)).map(|(_, id)| *id);
    }
    let (path, id) = value.trim().trim_end_matches('/').rsplit_once('/')?;
    if path.ends_with("/license") { licences.clone().find(|l| l.id == id).map(|l| l.id) } else { None }
}

/// A distribution as a Kho resource dictionary.
fn distribution(g: &Graph, n: &NamedOrBlankNode) -> Value {
    let mut r = Map::new();
    let name = g.texts(n, ns::DCT, "title", TITLE_MAX);
    if let Some(v) = name.main {
        r.insert("name".into(), json!(v));
    }
    if !name.translated.is_empty() {
        r.insert("name_translated".into(), json!(name.translated));
    }
    let description = g.texts(n, ns::DCT, "description", NOTES_MAX);
    if let Some(v) = description.main {
        r.insert("description".into(), json!(v));
    }
    if !description.translated.is_empty() {
        r.insert("description_translated".into(), json!(description.translated));
    }
    let url = g.value(n, ns::DCAT, "downloadURL").or_else(|| g.value(n, ns::DCAT, "accessURL"));
    r.insert("url".into(), json!(url.map(str::trim).filter(|u| u.chars().count() <= URL_MAX).unwrap_or("")));
    let mimetype = g.objects(n, ns::DCAT, "mediaType").find_map(|t| media_type(g, t));
    let format = g.objects(n, ns::DCT, "format").find_map(|t| file_format(g, t));
    if let Some(f) = format.or_else(|| mimetype.as_deref().and_then(vocab::format_from).map(str::to_string)) {
        r.insert("format".into(), json!(f));
    }
    if let Some(m) = mimetype {
        r.insert("mimetype".into(), json!(m));
    }
    let size = g.objects(n, ns::DCAT, "byteSize").filter_map(literal).find_map(|l| number(l.value()));
    if let Some(s) = size.filter(|s| i64::try_from(*s).is_ok()) {
        r.insert("size".into(), json!(s));
    }
    if let Some(h) = g.nodes(n, ns::SPDX, "checksum").iter().find_map(|c| sha256(g, c)) {
        r.insert("hash".into(), json!(h));
    }
    if let Some(iri) = iri_of(n) {
        r.insert("uri".into(), json!(iri));
    }
    Value::Object(r)
}

/// A media type from an IANA IRI or a literal (`text/csv`).
fn media_type(g: &Graph, t: &Term) -> Option<String> {
    let v = match node(t) {
        Some(n @ NamedOrBlankNode::BlankNode(_)) => g.value(&n, ns::RDF, "value")?.to_string(),
        _ => text_or_iri(t)?.trim().to_string(),
    };
    let v = ["http://", "https://"]
        .iter()
        .find_map(|scheme| v.strip_prefix(scheme).and_then(|r| r.strip_prefix("www.iana.org/assignments/media-types/")))
        .unwrap_or(&v)
        .to_string();
    let mut parts = v.split('/');
    let ok = matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty())
        && !v.contains(char::is_whitespace)
        && v.len() <= 200;
    ok.then_some(v)
}

/// Kho's format for a `dct:format`: an EU file-type IRI, an IANA IRI, a
/// literal (`CSV`, `text/csv`), or a node with a label (DCAT-AP 1.1's
/// `dct:IMT`).
fn file_format(g: &Graph, t: &Term) -> Option<String> {
    let v = match node(t) {
        Some(n @ NamedOrBlankNode::BlankNode(_)) => {
            g.value(&n, ns::RDFS, "label").or_else(|| g.value(&n, ns::RDF, "value"))?.trim().to_string()
        }
        Some(NamedOrBlankNode::NamedNode(iri)) => {
            if let Some(mt) = media_type(g, t).filter(|_| iri.as_str().contains("iana.org/assignments/media-types/")) {
                return vocab::format_from(&mt).map(str::to_string).or(Some(mt));
            }
            last_segment(iri.as_str()).to_string()
        }
        None => literal(t)?.value().trim().to_string(),
    };
    if v.is_empty() || v.chars().count() > 100 {
        return None;
    }
    Some(vocab::format_from(&v).map(str::to_string).unwrap_or(v))
}

/// A SHA-256 checksum's value, lower-case hex.
fn sha256(g: &Graph, c: &NamedOrBlankNode) -> Option<String> {
    let algorithm = g.objects(c, ns::SPDX, "algorithm").chain(g.objects(c, SPDX_HTTPS, "algorithm"));
    let is_sha256 = algorithm.filter_map(text_or_iri).any(|a| {
        let a = a.trim();
        a.strip_prefix(ns::SPDX)
            .or_else(|| a.strip_prefix(SPDX_HTTPS))
            .unwrap_or(a)
            .eq_ignore_ascii_case("checksumAlgorithm_sha256")
    });
    if !is_sha256 {
        return None;
    }
    let value = g.value(c, ns::SPDX, "checksumValue").or_else(|| g.value(c, SPDX_HTTPS, "checksumValue"))?;
    let h = value.trim().to_ascii_lowercase();
    (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).then_some(h)
}

/// A publisher: its IRI, names by language and agency kind.
fn agent(g: &Graph, t: &Term) -> Agent {
    let Some(n) = node(t) else {
        let names = literal(t).map(|l| BTreeMap::from([(String::new(), l.value().trim().to_string())]));
        return Agent { names: names.unwrap_or_default(), ..Agent::default() };
    };
    let mut names = BTreeMap::new();
    for (namespace, local) in [(ns::FOAF, "name"), (ns::SKOS, "prefLabel"), (ns::RDFS, "label")] {
        for l in g.objects(&n, namespace, local).filter_map(literal) {
            let Some(v) = clean(l.value().trim(), SHORT_MAX) else { continue };
            names.entry(l.language().map(primary_language).unwrap_or_default()).or_insert(v);
        }
        if !names.is_empty() {
            break;
        }
    }
    let agency_kind = g
        .objects(&n, ns::DCT, "type")
        .filter_map(text_or_iri)
        .find_map(|v| publisher_kind(v.trim().strip_prefix(ns::ADMS_PUBLISHER_TYPE)?));
    Agent { iri: iri_of(&n).map(str::to_string), names, agency_kind }
}

/// Kho's agency kind for an ADMS publisher type, where only one fits.
fn publisher_kind(code: &str) -> Option<&'static str> {
    match code {
        "LocalAuthority" => Some("commune"),
        "Academia-ScientificOrganisation"
        | "Company"
        | "IndustryConsortium"
        | "NonGovernmentalOrganisation"
        | "NonProfitOrganisation"
        | "PrivateIndividual"
        | "PrivateIndividual(s)"
        | "StandardisationBody"
        | "SupraNationalAuthority" => Some("other"),
        _ => None,
    }
}

/// A name candidate: the IRI's last path segment, else a landing page's
/// `/dataset/{name}` segment (Kho and CKAN pages), else the title, each
/// made a valid Kho name; UUIDs are passed over.
fn name_hint(iri: Option<&str>, landing_page: Option<&str>, title: &str, remote_id: &str) -> String {
    let uuid = |s: &str| {
        s.len() == 36
            && s.char_indices()
                .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
    };
    let segment = |u: &str| {
        let path = u.split(['?', '#']).next().unwrap_or(u);
        let path = path.split_once("://").map_or(path, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
        Some(last_segment(path).to_string()).filter(|s| !s.is_empty() && !uuid(s))
    };
    let from_landing = landing_page.and_then(|l| {
        let (_, rest) = l.split_once("/dataset/")?;
        let name = rest.split(['/', '?', '#']).next()?;
        Some(name.to_string()).filter(|s| !s.is_empty() && !uuid(s))
    });
    [iri.and_then(segment), from_landing, Some(title.to_string()), Some(remote_id.to_string())]
        .into_iter()
        .flatten()
        .map(|c| kho_core::names::slugify(&c))
        .find(|c| kho_core::names::check_name(c).is_ok())
        .unwrap_or_else(|| "dataset".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{CatalogInfo, Page, Site, Writer};
    use kho_core::model::Package;
    use proptest::prelude::*;
    use std::sync::Arc;

    const BASE: &str = "https://kho.example.vn";
    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn site() -> Arc<Site> {
        Arc::new(Site {
            base: BASE.into(),
            title: "Cổng dữ liệu".into(),
            title_en: Some("Data portal".into()),
            description: None,
            description_en: None,
            publisher_name: "Cục Chuyển đổi số".into(),
            publisher_url: None,
        })
    }

    /// A complete dataset; `edit` changes the JSON before it is read.
    fn package(i: usize, edit: impl FnOnce(&mut Value)) -> Package {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let resource = |rid: &str, format: &str, url: String| {
            json!({
                "cache_last_updated": null, "cache_url": null, "created": "2024-01-15T10:20:30.123456",
                "datastore_active": false, "description": null, "format": format, "hash": null,
                "id": rid, "last_modified": null, "metadata_modified": "2024-01-15T10:20:30.123456",
                "mimetype": null, "mimetype_inner": null, "name": null, "package_id": id, "position": 0,
                "resource_type": null, "size": null, "state": "active", "url": url, "url_type": null
            })
        };
        let mut upload = resource("r-up", "CSV", format!("{BASE}/dataset/{id}/resource/r-up/download/dan-so.csv"));
        for (k, val) in [
            ("description", json!("Bảng số liệu")),
            ("name", json!("Số liệu")),
            ("hash", json!(SHA)),
            ("size", json!(1234)),
            ("url_type", json!("upload")),
            ("name_translated", json!({"en": "Figures"})),
            ("description_translated", json!({"en": "The table"})),
        ] {
            upload[k] = val;
        }
        let mut link = resource("r-link", "XLSX", "https://example.gov.vn/files/dan-so.xlsx".into());
        link["name"] = json!("Excel");
        link["description"] = json!("Bản Excel");
        link["position"] = json!(1);
        let organization = json!({
            "id": "org-1", "name": "so-ke-hoach", "title": "Sở Kế hoạch", "type": "organization",
            "description": "", "image_url": "", "created": "2024-01-01T00:00:00.000000", "is_organization": true,
            "approval_status": "approved", "state": "active", "agency_kind": "commune",
            "title_translated": {"en": "Planning Department"}
        });
        let tag = |t: &str| json!({"display_name": t, "id": t, "name": t, "state": "active", "vocabulary_id": null});
        let mut v = json!({
            "author": "Nguyễn Văn A", "author_email": "a@example.gov.vn", "creator_user_id": null,
            "id": id, "isopen": true, "license_id": "cc-by-4.0", "license_title": null, "license_url": null,
            "maintainer": "Phòng Thống kê", "maintainer_email": "thongke@example.gov.vn",
            "metadata_created": "2024-01-15T10:20:30.123456", "metadata_modified": "2024-02-01T08:00:00.000000",
            "name": format!("dan-so-{i}"), "notes": "Dân số theo \"tỉnh\",\nnăm 2024.",
            "num_resources": 2, "num_tags": 2, "organization": organization,
            "owner_org": "org-1", "private": false, "state": "active",
            "title": format!("Dân số {i}"), "type": "dataset", "url": "https://example.gov.vn/dan-so",
            "version": "1.2", "extras": [], "groups": [], "relationships_as_object": [], "relationships_as_subject": [],
            "tags": [tag("dân số"), tag("thống-kê_2024.v1")],
            "resources": [upload, link],
            "data_sharing": "open", "data_importance": "core",
            "temporal_start": "2020-01-01", "temporal_end": "2024-12-31", "spatial": "01",
            "update_frequency": "monthly",
            "title_translated": {"en": format!("Population {i}")},
            "notes_translated": {"en": "Population by \"province\",\n2024."}
        });
        edit(&mut v);
        serde_json::from_value(v).expect("a valid package")
    }

    /// Eleven datasets, one per update frequency, open and shared in turn,
    /// with every kind of place and of translation.
    fn packages() -> Vec<Package> {
        let places = ["01", "VN", "Lưu vực sông Mê Kông", "https://example.org/places/mekong", "79"];
        UpdateFrequency::ALL
            .iter()
            .enumerate()
            .map(|(i, f)| {
                package(i, |v| {
                    v["update_frequency"] = json!(f.code());
                    v["data_sharing"] = json!(if i % 2 == 0 { "open" } else { "shared" });
                    v["spatial"] = json!(places[i % places.len()]);
                    if i % 3 == 1 {
                        v["title_translated"] = json!({"vi": format!("Dân số (vi) {i}")});
                        v["notes_translated"] = json!({});
                    }
                    if i == 4 {
                        v["extras"] = json!([{"key": "uri", "value": "https://source.example.org/ds/harvested-4"}]);
                    }
                })
            })
            .collect()
    }

    fn page_info() -> CatalogInfo {
        let url = |q: &str| format!("{BASE}/catalog.ttl?{q}");
        CatalogInfo {
            total: 42,
            issued: None,
            modified: None,
            page: Some(Page {
                current: url("page=1"),
                first: url("page=1"),
                last: url("page=4"),
                previous: None,
                next: Some(url("page=2&after=00000000-0000-4000-8000-000000000010")),
                per_page: 11,
            }),
        }
    }

    fn export(format: Format, pkgs: &[Package], info: Option<&CatalogInfo>) -> Vec<u8> {
        let mut w = Writer::new(format, site(), Vec::new());
        if let Some(info) = info {
            w.catalog(info).unwrap();
        }
        for p in pkgs {
            w.dataset(p).unwrap();
        }
        w.finish().unwrap()
    }

    fn text(v: &Value, key: &str) -> Option<String> {
        v.get(key).and_then(Value::as_str).map(str::to_string)
    }

    fn without_vi(m: &BTreeMap<String, String>) -> Value {
        json!(m.iter().filter(|(l, t)| l.as_str() != "vi" && !t.is_empty()).collect::<BTreeMap<_, _>>())
    }

    /// What reading the export must give back for `pkg`.
    fn assert_round_trip(pkg: &Package, r: &Remote, format: Format) {
        let at = format!("{format:?} {}", pkg.name);
        let iri = site().dataset_iri(pkg);
        let d = &r.dict;
        assert_eq!(r.remote_id, iri, "{at}");
        let title = pkg.title_translated.get("vi").unwrap_or(&pkg.title);
        assert_eq!(text(d, "title").as_ref(), Some(title), "{at}");
        assert_eq!(d.get("title_translated").cloned().unwrap_or(json!({})), without_vi(&pkg.title_translated), "{at}");
        let notes = pkg.notes_translated.get("vi").or(pkg.notes.as_ref());
        assert_eq!(text(d, "notes").as_ref(), notes, "{at}");
        assert_eq!(d.get("notes_translated").cloned().unwrap_or(json!({})), without_vi(&pkg.notes_translated), "{at}");
        let tags: Vec<Value> = pkg.tags.iter().map(|t| json!({"name": t.display_name})).collect();
        assert_eq!(d["tags"], json!(tags), "{at}");
        assert_eq!(text(d, "update_frequency"), pkg.update_frequency, "{at}");
        assert_eq!(text(d, "data_sharing").as_deref(), Some(pkg.data_sharing.as_str()), "{at}");
        assert_eq!(d.get("private").is_some(), pkg.data_sharing == "shared", "{at}");
        assert_eq!(text(d, "spatial"), pkg.spatial, "{at}");
        assert_eq!(text(d, "temporal_start"), pkg.temporal_start, "{at}");
        assert_eq!(text(d, "temporal_end"), pkg.temporal_end, "{at}");
        assert_eq!(text(d, "version"), pkg.version, "{at}");
        assert_eq!(text(d, "url"), pkg.url, "{at}");
        assert_eq!(text(d, "maintainer"), pkg.maintainer, "{at}");
        assert_eq!(text(d, "maintainer_email"), pkg.maintainer_email, "{at}");
        assert_eq!(text(d, "license_id"), pkg.license_id, "{at}");
        let extras = d["extras"].as_array().unwrap();
        assert!(extras.contains(&json!({"key": "uri", "value": iri})), "{at}: {extras:?}");
        // A Kho IRI ends in the id, a UUID: the landing page names it.
        let hint = if pkg.extras.is_empty() { pkg.name.as_str() } else { last_segment(&iri) };
        assert_eq!(r.name_hint, hint, "{at}");
        assert_eq!(r.landing_page, Some(format!("{BASE}/dataset/{}", pkg.name)), "{at}");
        assert_eq!(r.modified.as_deref(), Some("2024-02-01T08:00:00.000000Z"), "{at}");
        let org = pkg.organization.as_ref().unwrap();
        let publisher = r.publisher.as_ref().unwrap();
        assert_eq!(publisher.iri, Some(format!("{BASE}/organization/{}", org.name)), "{at}");
        assert_eq!(publisher.names.get("vi"), Some(&org.title), "{at}");
        assert_eq!(publisher.names.get("en").map(String::as_str), Some("Planning Department"), "{at}");
        assert_eq!(publisher.agency_kind, Some("commune"), "{at}");

        let resources = d["resources"].as_array().unwrap();
        assert_eq!(resources.len(), pkg.resources.len(), "{at}");
        for (res, got) in pkg.resources.iter().zip(resources) {
            assert_eq!(text(got, "url").as_deref(), Some(res.url.as_str()), "{at} {}", res.id);
            assert_eq!(text(got, "format"), res.format, "{at} {}", res.id);
            assert_eq!(got.get("size").and_then(Value::as_i64), res.size, "{at} {}", res.id);
            assert_eq!(text(got, "hash"), res.hash, "{at} {}", res.id);
            assert_eq!(text(got, "name"), res.name, "{at} {}", res.id);
            assert_eq!(text(got, "description"), res.description, "{at} {}", res.id);
            let mt = res.format.as_deref().and_then(vocab::file_type).and_then(|f| f.media_type);
            assert_eq!(text(got, "mimetype").as_deref(), mt, "{at} {}", res.id);
            assert_eq!(
                got.get("name_translated").cloned().unwrap_or(json!({})),
                without_vi(&res.name_translated),
                "{at} {}",
                res.id
            );
            let uri = format!("{BASE}/dataset/{}/resource/{}", pkg.id, res.id);
            assert_eq!(text(got, "uri"), Some(uri), "{at}");
        }
    }

    #[test]
    fn kho_export_reads_back_in_every_format() {
        let pkgs = packages();
        let info = page_info();
        for format in Format::ALL {
            let doc = export(format, &pkgs, Some(&info));
            let page = read(&doc, format, Some(&format!("{BASE}/catalog.{}", format.extension())))
                .unwrap_or_else(|e| panic!("{format:?}: {e}\n{}", String::from_utf8_lossy(&doc)));
            assert!(page.skipped.is_empty(), "{format:?}: {:?}", page.skipped);
            assert_eq!(page.datasets.len(), pkgs.len(), "{format:?}");
            assert_eq!(page.next, info.page.as_ref().unwrap().next, "{format:?}");
            assert_eq!(page.total, Some(42), "{format:?}");
            for pkg in &pkgs {
                let iri = site().dataset_iri(pkg);
                let r = page.datasets.iter().find(|r| r.remote_id == iri).unwrap_or_else(|| panic!("{iri}"));
                assert_round_trip(pkg, r, format);
            }
        }
    }

    #[test]
    fn one_dataset_without_catalog_has_no_paging() {
        let pkg = package(1, |_| {});
        let page = read(&export(Format::Turtle, std::slice::from_ref(&pkg), None), Format::Turtle, None).unwrap();
        assert_eq!((page.next, page.total, page.datasets.len()), (None, None, 1));
        assert_round_trip(&pkg, &page.datasets[0], Format::Turtle);
    }

    const CKAN_STYLE: &str = r#"
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix schema: <http://schema.org/> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://ckan.example.org/catalog.ttl?page=1> a hydra:PagedCollection ;
    hydra:firstPage "https://ckan.example.org/catalog.ttl?page=1" ;
    hydra:itemsPerPage 100 ;
    hydra:lastPage "https://ckan.example.org/catalog.ttl?page=3" ;
    hydra:nextPage "https://ckan.example.org/catalog.ttl?page=2" ;
    hydra:totalItems 283 .

<https://ckan.example.org/dataset/6f0c1a52-3c2a-4b7e-9d1e-0a1b2c3d4e5f> a dcat:Dataset ;
    dct:title "Air quality 2023" ;
    dct:description "Hourly measurements.\nFrom \"station\" A." ;
    dct:identifier "6f0c1a52-3c2a-4b7e-9d1e-0a1b2c3d4e5f" ;
    dcat:keyword "air", "quality", "air", "PM2.5/PM10", " x " ;
    owl:versionInfo "2.0" ;
    dcat:landingPage <https://environment.example.org/air> ;
    dct:publisher <https://ckan.example.org/organization/env> ;
    dcat:contactPoint [ a vcard:Organization ; vcard:fn "Env office" ; vcard:hasEmail <mailto:env@example.org> ] ;
    dct:temporal [ a dct:PeriodOfTime ;
        schema:startDate "2023-01-01T00:00:00"^^xsd:dateTime ;
        schema:endDate "2023-12-31"^^xsd:date ] ;
    dct:spatial [ a dct:Location ; locn:geographicName "Hà Nội region" ] ;
    dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/WEEKLY_2> ;
    dct:modified "2024-03-01T12:00:00"^^xsd:dateTime ;
    dcat:distribution <https://ckan.example.org/dataset/6f0c1a52-3c2a-4b7e-9d1e-0a1b2c3d4e5f/resource/r1> .

<https://ckan.example.org/dataset/6f0c1a52-3c2a-4b7e-9d1e-0a1b2c3d4e5f/resource/r1> a dcat:Distribution ;
    dct:title "Measurements" ;
    dcat:accessURL <https://ckan.example.org/dataset/air/resource/r1> ;
    dcat:downloadURL <https://ckan.example.org/download/air.csv> ;
    dct:format "CSV" ;
    dcat:mediaType "text/csv" ;
    dcat:byteSize "1234.0"^^xsd:decimal ;
    dct:license <http://creativecommons.org/licenses/by/4.0/> ;
    spdx:checksum [ a spdx:Checksum ;
        spdx:algorithm spdx:checksumAlgorithm_sha1 ;
        spdx:checksumValue "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3" ] .

<https://ckan.example.org/organization/env> a foaf:Organization ;
    foaf:name "Environment Agency" ;
    dct:type <http://purl.org/adms/publishertype/LocalAuthority> .

<https://ckan.example.org/dataset/roads> a dcat:Dataset ;
    dct:title "Roads"@en, "Đường bộ"@vi-VN ;
    dct:description "Road network"@en ;
    dct:license <https://opendatacommons.org/licenses/unknown/> ;
    dct:accessRights <http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC> ;
    dct:spatial <http://publications.europa.eu/resource/authority/country/VNM> ;
    dct:temporal [ dcat:startDate "2019"^^xsd:gYear ; dcat:endDate "2020-02"^^xsd:gYearMonth ] ;
    dcat:distribution [ a dcat:Distribution ;
        dcat:accessURL <https://roads.example.org/api> ;
        dct:format <http://publications.europa.eu/resource/authority/file-type/GEOJSON> ;
        dcat:byteSize "5"^^xsd:nonNegativeInteger ] .
"#;

    #[test]
    fn ckanext_dcat_style_turtle_reads() {
        let page = read(CKAN_STYLE.as_bytes(), Format::Turtle, None).unwrap();
        assert_eq!(page.next.as_deref(), Some("https://ckan.example.org/catalog.ttl?page=2"));
        assert_eq!(page.total, Some(283));
        assert!(page.skipped.is_empty(), "{:?}", page.skipped);
        assert_eq!(page.datasets.len(), 2);

        let air = &page.datasets[0];
        assert_eq!(air.remote_id, "https://ckan.example.org/dataset/6f0c1a52-3c2a-4b7e-9d1e-0a1b2c3d4e5f");
        assert_eq!(air.modified.as_deref(), Some("2024-03-01T12:00:00"));
        assert_eq!(air.landing_page.as_deref(), Some("https://environment.example.org/air"));
        let d = &air.dict;
        assert_eq!(d["title"], "Air quality 2023");
        assert_eq!(d["notes"], "Hourly measurements.\nFrom \"station\" A.");
        assert!(d.get("title_translated").is_none());
        assert_eq!(d["tags"], json!([{"name": "air"}, {"name": "quality"}, {"name": "PM2.5 PM10"}]));
        assert_eq!(d["version"], "2.0");
        assert_eq!((&d["temporal_start"], &d["temporal_end"]), (&json!("2023-01-01"), &json!("2023-12-31")));
        assert_eq!(d["spatial"], "Hà Nội region");
        assert_eq!(d["update_frequency"], "weekly");
        assert_eq!(d["data_sharing"], "open");
        assert_eq!((&d["maintainer"], &d["maintainer_email"]), (&json!("Env office"), &json!("env@example.org")));
        assert_eq!(d["license_id"], "cc-by-4.0");
        assert_eq!(page.datasets[0].name_hint, "air-quality-2023");
        assert_eq!(
            d["extras"],
            json!([
                {"key": "uri", "value": air.remote_id},
                {"key": "identifier", "value": "6f0c1a52-3c2a-4b7e-9d1e-0a1b2c3d4e5f"}
            ])
        );
        let r = &d["resources"][0];
        assert_eq!(r["url"], "https://ckan.example.org/download/air.csv");
        assert_eq!((&r["format"], &r["mimetype"], &r["size"]), (&json!("CSV"), &json!("text/csv"), &json!(1234)));
        assert!(r.get("hash").is_none(), "only SHA-256 is a Kho hash");
        let publisher = air.publisher.as_ref().unwrap();
        assert_eq!(publisher.iri.as_deref(), Some("https://ckan.example.org/organization/env"));
        assert_eq!(publisher.names, BTreeMap::from([(String::new(), "Environment Agency".to_string())]));
        assert_eq!(publisher.agency_kind, Some("commune"));

        let roads = &page.datasets[1];
        let d = &roads.dict;
        assert_eq!(d["title"], "Đường bộ", "the vi title wins");
        assert_eq!(d["title_translated"], json!({"en": "Roads"}));
        assert_eq!(d["notes"], "Road network", "only English: it is the main text");
        assert_eq!(roads.name_hint, "roads");
        assert_eq!((&d["data_sharing"], &d["private"]), (&json!("shared"), &json!(true)));
        assert_eq!(d["spatial"], "VN");
        assert_eq!((&d["temporal_start"], &d["temporal_end"]), (&json!("2019-01-01"), &json!("2020-02-29")));
        assert!(d.get("license_id").is_none());
        assert!(
            d["extras"]
                .as_array()
                .unwrap()
                .contains(&json!({"key": "license_uri", "value": "https://opendatacommons.org/licenses/unknown/"}))
        );
        let r = &d["resources"][0];
        assert_eq!(
            (&r["url"], &r["format"], &r["size"]),
            (&json!("https://roads.example.org/api"), &json!("GeoJSON"), &json!(5))
        );
        assert!(r.get("uri").is_none() && r.get("name").is_none());
        assert!(roads.publisher.is_none());
    }

    #[test]
    fn compacted_json_ld_reads() {
        let doc = r#"{
  "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
               "hydra": "http://www.w3.org/ns/hydra/core#"},
  "@graph": [
    {"@id": "https://c.example.org/dataset/x", "@type": "dcat:Dataset",
     "dct:title": [{"@value": "Dữ liệu X", "@language": "vi"}, {"@value": "Data X", "@language": "en"}],
     "dcat:keyword": ["a b", "cd"],
     "dcat:distribution": {"@id": "https://c.example.org/dataset/x/resource/1"}},
    {"@id": "https://c.example.org/dataset/x/resource/1", "@type": "dcat:Distribution",
     "dcat:accessURL": {"@id": "https://c.example.org/x.json"}, "dct:format": "JSON"},
    {"@id": "https://c.example.org/catalog.jsonld?page=1", "@type": "hydra:PartialCollectionView",
     "hydra:next": {"@id": "https://c.example.org/catalog.jsonld?page=2"}, "hydra:totalItems": 2}
  ]
}"#;
        let page = read(doc.as_bytes(), Format::JsonLd, None).unwrap();
        assert_eq!(page.next.as_deref(), Some("https://c.example.org/catalog.jsonld?page=2"));
        assert_eq!(page.total, Some(2));
        let d = &page.datasets[0].dict;
        assert_eq!((&d["title"], &d["title_translated"]), (&json!("Dữ liệu X"), &json!({"en": "Data X"})));
        assert_eq!(d["tags"], json!([{"name": "a b"}, {"name": "cd"}]));
        assert_eq!(d["extras"], json!([{"key": "uri", "value": "https://c.example.org/dataset/x"}]));
        assert_eq!(
            (&d["resources"][0]["url"], &d["resources"][0]["format"]),
            (&json!("https://c.example.org/x.json"), &json!("JSON"))
        );
    }

    #[test]
    fn partial_collection_views_and_relative_links() {
        let doc = r#"
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<catalog> a <http://www.w3.org/ns/dcat#Catalog>, hydra:Collection ; hydra:totalItems "7" ; hydra:view <?page=1> .
<?page=1> a hydra:PartialCollectionView ; hydra:next <?page=2> ; hydra:nextPage "?page=3" .
"#;
        let page = read(doc.as_bytes(), Format::Turtle, Some("https://k.example.vn/catalog.ttl")).unwrap();
        assert_eq!(page.next.as_deref(), Some("https://k.example.vn/catalog.ttl?page=2"));
        assert_eq!(page.total, Some(7));
        assert!(page.datasets.is_empty());

        let doc = r#"
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<https://c.example.org/catalog.ttl> a hydra:PagedCollection ; hydra:nextPage "catalog.ttl?page=2" .
"#;
        let page = read(doc.as_bytes(), Format::Turtle, Some("https://c.example.org/dcat/catalog.ttl")).unwrap();
        assert_eq!(page.next.as_deref(), Some("https://c.example.org/dcat/catalog.ttl?page=2"));
        assert_eq!(page.total, None);
        assert_eq!(resolve(None, "?page=2"), "?page=2");
        assert_eq!(resolve(Some("https://a.example/x/y"), "../z"), "https://a.example/z");
    }

    #[test]
    fn malformed_documents_are_errors_with_a_position() {
        let turtle = "@prefix dct: <http://purl.org/dc/terms/> .\n<https://a.example/d> dct:title \"A\" .\n<https://a.example/e> dct:title \"unterminated .\n";
        let e = read(turtle.as_bytes(), Format::Turtle, None).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("malformed Turtle at line 3, column "), "{msg}");
        assert!(matches!(e, ReadError::Syntax { line: Some(3), .. }), "{e:?}");
        assert!(!msg.contains("Parser error"), "{msg}");

        let e = read(br#"{"@id": "https://a.example/d", "http://purl.org/dc/terms/title": "#, Format::JsonLd, None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("malformed JSON-LD at line 1, column "), "{e}");

        let xml = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="https://a.example/d"></rdf:RDF>"#;
        let e = read(xml.as_bytes(), Format::RdfXml, None).unwrap_err().to_string();
        assert!(e.starts_with("malformed RDF/XML"), "{e}");

        let e =
            read(b"<https://a.example/s> <https://a.example/p> .\n", Format::NTriples, None).unwrap_err().to_string();
        assert!(e.starts_with("malformed N-Triples at line 1, column "), "{e}");

        let e = read(b"", Format::Turtle, Some("not a base")).unwrap_err().to_string();
        assert!(e.starts_with("invalid base IRI <not a base>"), "{e}");
    }

    #[test]
    fn datasets_without_identity_or_title_are_skipped() {
        let doc = r#"
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
[] a dcat:Dataset ; dct:title "Nameless" .
[] a dcat:Dataset ; dct:title "Identified" ; dct:identifier "ds-42" .
<https://a.example/untitled> a dcat:Dataset ; dct:title "   " .
<https://a.example/ok> a dcat:Dataset ; dct:title "OK"@vi .
"#;
        let page = read(doc.as_bytes(), Format::Turtle, None).unwrap();
        let ids: Vec<_> = page.datasets.iter().map(|d| d.remote_id.as_str()).collect();
        assert_eq!(ids, ["ds-42", "https://a.example/ok"]);
        assert_eq!(page.datasets[0].dict["extras"], json!([{"key": "identifier", "value": "ds-42"}]));
        assert_eq!(page.datasets[0].name_hint, "identified");
        assert_eq!(page.skipped.len(), 2);
        assert_eq!(page.skipped[0].0, "dataset \"Nameless\"");
        assert!(page.skipped[0].1.contains("dct:identifier"), "{:?}", page.skipped);
        assert_eq!(page.skipped[1], ("https://a.example/untitled".to_string(), "no dct:title".to_string()));
    }

    #[test]
    fn documents_without_datasets_are_empty_pages() {
        let catalog_only = export(Format::Turtle, &[], Some(&CatalogInfo::default()));
        for (doc, format) in [
            (&b""[..], Format::Turtle),
            (&catalog_only[..], Format::Turtle),
            (&b"{}"[..], Format::JsonLd),
            (&b"<https://a.example/s> <https://a.example/p> \"o\" .\n"[..], Format::NTriples),
        ] {
            let page = read(doc, format, None).unwrap();
            assert!(page.datasets.is_empty() && page.skipped.is_empty() && page.next.is_none(), "{format:?}");
        }
    }

    #[test]
    fn keywords_licences_and_values_are_made_acceptable() {
        let tags =
            keywords(["Kinh tế, Xã hội", "a", "x/y & z", "giáo dục", "gia\u{301}o", &"dài".repeat(40)].into_iter());
        assert_eq!(tags[..5], ["Kinh tế", "Xã hội", "x y z", "giáo dục", "gia\u{301}o"]);
        assert_eq!(tags[5].chars().count(), 100);
        for t in &tags[..4] {
            assert!(kho_core::names::check_tag(t).is_ok(), "{t}");
        }
        assert_eq!(licence_id("https://creativecommons.org/licenses/by/4.0/legalcode"), Some("cc-by-4.0"));
        assert_eq!(licence_id("http://www.opendefinition.org/licenses/cc-by"), Some("cc-by"));
        assert_eq!(licence_id("http://publications.europa.eu/resource/authority/licence/CC0"), Some("cc-zero"));
        assert_eq!(licence_id("https://kho.example.vn/license/vn-odl-1.0"), Some("vn-odl-1.0"));
        assert_eq!(licence_id("odc-odbl"), Some("odc-odbl"));
        assert_eq!(licence_id("https://example.org/licence"), None);
        assert_eq!(number("1234.0"), Some(1234));
        assert_eq!(number("1.5E3"), Some(1500));
        assert_eq!(number("-1"), None);
        assert_eq!(date("2024-05-06T23:00:00-05:00", false).as_deref(), Some("2024-05-06"));
        assert_eq!(date("2024-02-30", false), None);
        assert_eq!(date("2023-02", true).as_deref(), Some("2023-02-28"));
        assert_eq!(frequency("http://purl.org/cld/freq/semiannual"), Some(UpdateFrequency::Biannual));
        assert_eq!(frequency("https://example.org/frequencies#Daily"), Some(UpdateFrequency::Daily));
        assert_eq!(
            frequency("http://publications.europa.eu/resource/authority/frequency/ANNUAL_2"),
            Some(UpdateFrequency::Biannual)
        );
        assert_eq!(email("mailto:bad address"), None);
        assert_eq!(name_hint(Some("https://a.example/dataset/Dân-số"), None, "x", "y"), "dan-so");
        assert_eq!(name_hint(None, Some("https://a.example/dataset/roads?x=1"), "Title", "y"), "roads");
        assert_eq!(name_hint(Some("https://a.example/"), None, "数据", "urn:x"), "urn-x");
    }

    /// Texts as Kho holds them, not blank, without the control characters
    /// the export drops (all but tab and line ends: XML cannot carry them;
    /// `control_characters_are_dropped` covers those).
    fn kho_text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]{1,60}",
            "[a-zA-Z àáảãạăằắẳẵặâđêôơưỳýỷỹỵĐ\"'\\\\\n\r\t<>&{}@#]{1,60}",
        ]
        .prop_filter("not blank", |s| !s.trim().is_empty())
    }

    /// Tags as Kho holds them (they passed `check_tag`).
    fn kho_tag() -> impl Strategy<Value = String> {
        "[\\pL\\pN _.-]{2,40}"
            .prop_map(|s| s.trim().to_string())
            .prop_filter("a valid tag", |t| kho_core::names::check_tag(t).is_ok())
    }

    #[test]
    fn control_characters_are_dropped() {
        let pkg = package(8, |v| {
            v["title"] = json!("Dân\u{7}số\u{1b} 2025\tnăm");
            v["title_translated"] = json!({"en": "\u{7f}"});
        });
        for format in [Format::Turtle, Format::RdfXml, Format::JsonLd] {
            let doc = export(format, std::slice::from_ref(&pkg), None);
            let d = &read(&doc, format, None).unwrap().datasets[0].dict;
            assert_eq!(d["title"], "Dânsố 2025\tnăm", "{format:?}");
            assert!(d.get("title_translated").is_none_or(|t| t.get("en").is_none()), "{format:?}: {d}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_text_survives_turtle(
            title in kho_text(),
            title_en in kho_text(),
            notes in kho_text(),
            tags in prop::collection::vec(kho_tag(), 0..6),
        ) {
            let mut unique: Vec<String> = Vec::new();
            for t in tags {
                if !unique.contains(&t) {
                    unique.push(t);
                }
            }
            let pkg = package(7, |v| {
                v["title"] = json!(title);
                v["title_translated"] = json!({"en": title_en});
                v["notes"] = json!(notes);
                v["notes_translated"] = json!({});
                v["tags"] = json!(unique.iter().map(|t| json!({
                    "display_name": t, "id": t, "name": t, "state": "active", "vocabulary_id": null
                })).collect::<Vec<_>>());
            });
            let doc = export(Format::Turtle, std::slice::from_ref(&pkg), None);
            let page = read(&doc, Format::Turtle, None).unwrap();
            prop_assert_eq!(page.datasets.len(), 1);
            let d = &page.datasets[0].dict;
            prop_assert_eq!(&d["title"], &json!(title));
            prop_assert_eq!(&d["title_translated"], &json!({"en": title_en}));
            prop_assert_eq!(&d["notes"], &json!(notes));
            let expected: Vec<Value> = unique.iter().map(|t| json!({"name": t})).collect();
            prop_assert_eq!(d.get("tags").cloned().unwrap_or(json!([])), json!(expected));
        }
    }
}
