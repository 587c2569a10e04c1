//! Writing Kho's datasets as DCAT-AP 3, one dataset at a time.
//!
//! A [`Writer`] streams triples through an `oxrdfio` serializer, so a
//! catalog of any size is written with memory bounded by one dataset plus
//! the set of shared nodes already described (agencies, themes,
//! vocabulary terms, licences): every object a DCAT-AP shape checks with
//! `sh:class` is typed in the same document, once.

use crate::format::Format;
use crate::vocab::{self, ns};
use kho_core::model::{Package, Resource};
use kho_core::vocab::{AgencyKind, DataSharing, UpdateFrequency, Vocabulary};
use oxrdf::{BlankNode, Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

/// What the catalog says about itself, from the site's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The site's public URL without a trailing slash; every Kho IRI starts with it.
    pub base: String,
    pub title: String,
    pub title_en: Option<String>,
    pub description: Option<String>,
    pub description_en: Option<String>,
    /// The agency operating the portal (the catalog's publisher).
    pub publisher_name: String,
    pub publisher_url: Option<String>,
}

/// The licence of the catalog's own metadata: open to all (CC0), as on
/// data.europa.eu; each dataset's licence is its own.
pub(crate) const CATALOG_LICENSE: &str = "cc-zero";

impl Site {
    /// The IRI of a dataset (see [`crate::iri::dataset`]).
    pub fn dataset_iri(&self, pkg: &Package) -> String {
        crate::iri::dataset(&self.base, pkg)
    }

    /// The IRI of the catalog.
    pub fn catalog_iri(&self) -> String {
        format!("{}/catalog", self.base)
    }
}

/// Where a catalog page sits in the whole (Hydra's partial collection view).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub current: String,
    pub first: String,
    pub last: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub per_page: u64,
}

/// The catalog node's figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogInfo {
    /// Public datasets in the whole catalog (Hydra's `totalItems`).
    pub total: u64,
    /// When the first public dataset was created.
    pub issued: Option<String>,
    /// When a public dataset last changed.
    pub modified: Option<String>,
    /// Set when the document is one page of the catalog.
    pub page: Option<Page>,
}

/// A `Write` whose bytes are taken out while writing goes on, so a
/// document streams in chunks (`Chunks::take` after each dataset).
#[derive(Debug, Clone, Default)]
pub struct Chunks(Arc<Mutex<Vec<u8>>>);

impl Chunks {
    /// The bytes written since the last call.
    pub fn take(&self) -> Vec<u8> {
        self.0.lock().map(|mut b| std::mem::take(&mut *b)).unwrap_or_default()
    }
}

impl Write for Chunks {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.0.lock() {
            Ok(mut b) => {
                b.extend_from_slice(buf);
                Ok(buf.len())
            }
            Err(_) => Err(io::Error::other("chunk buffer poisoned")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(crate) fn own(iri: impl Into<String>) -> NamedNode {
    NamedNode::new_unchecked(iri)
}

pub(crate) fn term(namespace: &str, local: &str) -> NamedNode {
    own(format!("{namespace}{local}"))
}

/// An IRI from outside (a link, an address), if it is one.
pub(crate) fn checked(iri: &str) -> Option<NamedNode> {
    let iri = iri.trim();
    if !(iri.starts_with("http://") || iri.starts_with("https://") || iri.starts_with("mailto:")) {
        return None;
    }
    NamedNode::new(iri).ok()
}

pub(crate) fn text(value: &str, lang: &str) -> Literal {
    // XML 1.0 (RDF/XML) cannot carry other control characters; no format needs them.
    if value.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        let clean: String = value.chars().filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')).collect();
        return Literal::new_language_tagged_literal_unchecked(clean, lang);
    }
    Literal::new_language_tagged_literal_unchecked(value, lang)
}

pub(crate) fn typed(value: impl Into<String>, datatype: &str) -> Literal {
    Literal::new_typed_literal(value, term(ns::XSD, datatype))
}

/// A Kho timestamp (naive UTC, `2024-01-15T10:20:30.123456`) or date as
/// a typed literal: `xsd:dateTime` in UTC, `xsd:date` or `xsd:gYear`.
pub fn date_literal(value: &str) -> Option<Literal> {
    let v = value.trim();
    if v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(typed(v, "gYear"));
    }
    if kho_core::timefmt::parse_date(v).is_some() {
        return Some(typed(v, "date"));
    }
    // A time: Kho's stored form is naive UTC; others as given if they parse.
    let utc = kho_core::timefmt::parse(v).map(|_| format!("{v}Z"));
    let zoned =
        time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).ok().map(|_| v.to_string());
    utc.or(zoned).map(|t| typed(t, "dateTime"))
}

/// Streams DCAT-AP 3 for a catalog or one dataset.
pub struct Writer<W: Write> {
    out: oxrdfio::WriterQuadSerializer<W>,
    pub(crate) site: Arc<Site>,
    /// Shared nodes already described in this document.
    described: HashSet<String>,
    catalog: Option<(NamedNode, NamedNode)>,
    buf: Vec<Triple>,
}

impl<W: Write> Writer<W> {
    /// A writer of `format` into `out`.
    pub fn new(format: Format, site: Arc<Site>, out: W) -> Writer<W> {
        let mut s = oxrdfio::RdfSerializer::from_format(format.oxrdfio());
        for (p, iri) in vocab::PREFIXES {
            // The prefixes are constants known to be valid.
            if let Ok(with) = s.clone().with_prefix(*p, *iri) {
                s = with;
            }
        }
        Writer { out: s.for_writer(out), site, described: HashSet::new(), catalog: None, buf: Vec::new() }
    }

    pub(crate) fn add(&mut self, s: impl Into<NamedOrBlankNode>, p: NamedNode, o: impl Into<Term>) {
        self.buf.push(Triple::new(s, p, o));
    }

    /// Writes what was added, grouped by subject in order of first
    /// appearance, so each node reads as one block.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        let mut order: HashMap<NamedOrBlankNode, usize> = HashMap::new();
        for t in &self.buf {
            let next = order.len();
            order.entry(t.subject.clone()).or_insert(next);
        }
        self.buf.sort_by_key(|t| order.get(&t.subject).copied().unwrap_or(0));
        for t in self.buf.drain(..) {
            self.out.serialize_triple(&t)?;
        }
        Ok(())
    }

    /// True the first time `key` is met in this document.
    pub(crate) fn first(&mut self, key: &str) -> bool {
        !self.described.contains(key) && self.described.insert(key.to_string())
    }

    pub(crate) fn is_a(&mut self, s: &NamedNode, class_ns: &str, class: &str) {
        self.add(s.clone(), term(ns::RDF, "type"), term(class_ns, class));
    }

    /// A term of an EU authority table, typed as `class` and in its scheme.
    pub(crate) fn eu_term(&mut self, table: &str, code: &str, class: (&str, &str), label: Option<&str>) -> NamedNode {
        let iri = term(ns::EU, &format!("{table}/{code}"));
        if self.first(iri.as_str()) {
            self.is_a(&iri, class.0, class.1);
            if let Some(l) = label {
                self.add(iri.clone(), term(ns::SKOS, "prefLabel"), text(l, "en"));
            }
            self.add(iri.clone(), term(ns::SKOS, "inScheme"), term(ns::EU, table));
        }
        iri
    }

    pub(crate) fn language(&mut self, code: &str) -> NamedNode {
        self.eu_term("language", code, (ns::DCT, "LinguisticSystem"), None)
    }

    /// A SKOS concept with its label, in a scheme with a title.
    pub(crate) fn concept(
        &mut self,
        iri: NamedNode,
        labels: &[(&str, &str)],
        scheme: (&str, &[(&str, &str)]),
    ) -> NamedNode {
        if self.first(iri.as_str()) {
            self.is_a(&iri, ns::SKOS, "Concept");
            for (l, lang) in labels {
                self.add(iri.clone(), term(ns::SKOS, "prefLabel"), text(l, lang));
            }
            let scheme_iri = own(scheme.0);
            self.add(iri.clone(), term(ns::SKOS, "inScheme"), scheme_iri.clone());
            if self.first(scheme_iri.as_str()) {
                self.is_a(&scheme_iri, ns::SKOS, "ConceptScheme");
                for (t, lang) in scheme.1 {
                    self.add(scheme_iri.clone(), term(ns::DCT, "title"), text(t, lang));
                }
            }
        }
        iri
    }

    pub(crate) fn document(&mut self, iri: NamedNode) -> NamedNode {
        self.add(iri.clone(), term(ns::RDF, "type"), term(ns::FOAF, "Document"));
        iri
    }

    /// An address as the target of `dcat:accessURL` and the like.
    pub(crate) fn resource(&mut self, iri: NamedNode) -> NamedNode {
        // The 3.0.1 range shapes still name rdfs:Resource for these paths.
        self.add(iri.clone(), term(ns::RDF, "type"), term(ns::RDFS, "Resource"));
        iri
    }

    pub(crate) fn licence(&mut self, license_id: &str) -> Option<NamedNode> {
        let iri = own(crate::iri::license(&self.site.base, license_id)?);
        if self.first(iri.as_str()) {
            self.is_a(&iri, ns::DCT, "LicenseDocument");
            if let Some(l) = kho_core::licenses::find(license_id) {
                self.add(iri.clone(), term(ns::RDFS, "label"), text(l.title, "en"));
                self.add(iri.clone(), term(ns::RDFS, "label"), text(l.title_vi, "vi"));
            }
            let (code, label) = vocab::licence_type(license_id);
            let kind = self.concept(
                term(ns::ADMS_LICENCE_TYPE, code),
                &[(label, "en")],
                ("http://purl.org/adms/licencetype/1.0", &[("Licence type", "en")]),
            );
            self.add(iri.clone(), term(ns::DCT, "type"), kind);
        }
        Some(iri)
    }

    /// The agency behind a dataset, described once.
    fn agency(&mut self, pkg: &Package) -> Option<NamedNode> {
        let org = pkg.organization.as_ref()?;
        let vi = org.title_translated.get("vi").unwrap_or(&org.title);
        let mut names = vec![(vi.as_str(), "vi")];
        names.extend(
            org.title_translated.iter().filter(|(l, _)| l.as_str() != "vi").map(|(l, t)| (t.as_str(), l.as_str())),
        );
        Some(self.agent(&org.name, &names, org.agency_kind.as_deref()))
    }

    /// An agency (`{site}/organization/{name}`) with its names (text,
    /// language) and its kind's ADMS publisher type, described once.
    pub(crate) fn agent(&mut self, name: &str, names: &[(&str, &str)], kind: Option<&str>) -> NamedNode {
        let iri = own(crate::iri::agency(&self.site.base, name));
        if self.first(iri.as_str()) {
            self.is_a(&iri, ns::FOAF, "Agent");
            self.is_a(&iri, ns::FOAF, "Organization");
            for (t, lang) in names {
                self.add(iri.clone(), term(ns::FOAF, "name"), text(t, lang));
            }
            let kind = kind.and_then(AgencyKind::parse).and_then(vocab::publisher_type);
            if let Some((code, label)) = kind {
                let t = self.concept(
                    term(ns::ADMS_PUBLISHER_TYPE, code),
                    &[(label, "en")],
                    ("http://purl.org/adms/publishertype/1.0", &[("Publisher type", "en")]),
                );
                self.add(iri.clone(), term(ns::DCT, "type"), t);
            }
        }
        iri
    }

    /// The catalog's own agent: the operating agency.
    pub(crate) fn operator(&mut self) -> NamedNode {
        let site = self.site.clone();
        let iri =
            site.publisher_url.as_deref().and_then(checked).unwrap_or_else(|| own(format!("{}/#operator", site.base)));
        if self.first(iri.as_str()) {
            self.is_a(&iri, ns::FOAF, "Agent");
            self.is_a(&iri, ns::FOAF, "Organization");
            self.add(iri.clone(), term(ns::FOAF, "name"), text(&site.publisher_name, "vi"));
            let t = self.concept(
                term(ns::ADMS_PUBLISHER_TYPE, "NationalAuthority"),
                &[("National authority", "en")],
                ("http://purl.org/adms/publishertype/1.0", &[("Publisher type", "en")]),
            );
            self.add(iri.clone(), term(ns::DCT, "type"), t);
        }
        iri
    }

    fn themes_scheme(&self) -> String {
        format!("{}/group", self.site.base)
    }

    pub(crate) fn spatial(&mut self, value: &str) -> Option<NamedOrBlankNode> {
        let place = crate::iri::place(&self.site.base, value)?;
        let Some(iri) = place.iri.as_deref().and_then(checked) else {
            // Free text: a place known only by its name.
            let node = BlankNode::default();
            self.add(node.clone(), term(ns::RDF, "type"), term(ns::DCT, "Location"));
            self.add(node.clone(), term(ns::SKOS, "prefLabel"), text(&place.name, "vi"));
            return Some(node.into());
        };
        if self.first(iri.as_str()) {
            self.is_a(&iri, ns::DCT, "Location");
            if place.known {
                self.add(iri.clone(), term(ns::SKOS, "prefLabel"), text(&place.name, "vi"));
            }
            if let Some(en) = place.name_en {
                self.add(iri.clone(), term(ns::SKOS, "prefLabel"), text(en, "en"));
            }
            if let Some(code) = &place.code {
                self.add(iri.clone(), term(ns::SKOS, "notation"), Literal::new_simple_literal(code));
            }
            if let Some(scheme) = place.scheme {
                self.add(iri.clone(), term(ns::SKOS, "inScheme"), own(scheme));
            }
            let wkt = |v: &str| Literal::new_typed_literal(v, term(ns::GSP, "wktLiteral"));
            if let Some(b) = place.bbox {
                self.add(iri.clone(), term(ns::DCAT, "bbox"), wkt(b));
            }
            if let Some(c) = place.centroid {
                self.add(iri.clone(), term(ns::DCAT, "centroid"), wkt(c));
            }
        }
        Some(iri.into())
    }

    /// The catalog node, its data service and, for a page, the Hydra view.
    /// Datasets written after it are listed in it.
    pub fn catalog(&mut self, info: &CatalogInfo) -> io::Result<()> {
        let site = self.site.clone();
        let c = own(site.catalog_iri());
        let service = own(format!("{}/api/3/action", site.base));
        self.is_a(&c, ns::DCAT, "Catalog");
        self.add(c.clone(), term(ns::DCT, "title"), text(&site.title, "vi"));
        if let Some(t) = &site.title_en {
            self.add(c.clone(), term(ns::DCT, "title"), text(t, "en"));
        }
        let description = site.description.clone().unwrap_or_else(|| format!("Danh mục dữ liệu của {}.", site.title));
        self.add(c.clone(), term(ns::DCT, "description"), text(&description, "vi"));
        let description_en =
            site.description_en.clone().or_else(|| site.title_en.as_ref().map(|t| format!("The data catalog of {t}.")));
        if let Some(d) = description_en {
            self.add(c.clone(), term(ns::DCT, "description"), text(&d, "en"));
        }
        let publisher = self.operator();
        self.add(c.clone(), term(ns::DCT, "publisher"), publisher.clone());
        let home = self.document(own(format!("{}/", site.base)));
        self.add(c.clone(), term(ns::FOAF, "homepage"), home);
        for code in ["VIE", "ENG"] {
            let l = self.language(code);
            self.add(c.clone(), term(ns::DCT, "language"), l);
        }
        if let Some(l) = self.licence(CATALOG_LICENSE) {
            self.add(c.clone(), term(ns::DCT, "license"), l);
        }
        if let Some(d) = info.issued.as_deref().and_then(date_literal) {
            self.add(c.clone(), term(ns::DCT, "issued"), d);
        }
        if let Some(d) = info.modified.as_deref().and_then(date_literal) {
            self.add(c.clone(), term(ns::DCT, "modified"), d);
        }
        if let Some(vn) = self.spatial("VN") {
            self.add(c.clone(), term(ns::DCT, "spatial"), vn);
        }
        let scheme = own(self.themes_scheme());
        if self.first(scheme.as_str()) {
            self.is_a(&scheme, ns::SKOS, "ConceptScheme");
            self.add(scheme.clone(), term(ns::DCT, "title"), text("Chủ đề dữ liệu", "vi"));
            self.add(scheme.clone(), term(ns::DCT, "title"), text("Data themes", "en"));
        }
        self.add(c.clone(), term(ns::DCAT, "themeTaxonomy"), scheme);
        self.add(c.clone(), term(ns::DCAT, "service"), service.clone());

        // The Action API, as a data service serving every dataset listed.
        self.is_a(&service, ns::DCAT, "DataService");
        self.add(service.clone(), term(ns::DCT, "title"), text(&format!("API của {}", site.title), "vi"));
        self.add(service.clone(), term(ns::DCT, "title"), text("CKAN-compatible Action API", "en"));
        let endpoint = self.resource(own(format!("{}/api/3/action/", site.base)));
        self.add(service.clone(), term(ns::DCAT, "endpointURL"), endpoint);
        let description = self.resource(own(format!("{}/api/openapi.json", site.base)));
        self.add(service.clone(), term(ns::DCAT, "endpointDescription"), description);
        let standard = own("https://docs.ckan.org/en/2.11/api/");
        self.add(standard.clone(), term(ns::RDF, "type"), term(ns::DCT, "Standard"));
        self.add(service.clone(), term(ns::DCT, "conformsTo"), standard);
        self.add(service.clone(), term(ns::DCT, "publisher"), publisher);
        let contact = BlankNode::default();
        self.add(contact.clone(), term(ns::RDF, "type"), term(ns::VCARD, "Kind"));
        self.add(contact.clone(), term(ns::RDF, "type"), term(ns::VCARD, "Organization"));
        self.add(contact.clone(), term(ns::VCARD, "fn"), text(&site.publisher_name, "vi"));
        self.add(contact.clone(), term(ns::VCARD, "hasURL"), own(format!("{}/", site.base)));
        self.add(service.clone(), term(ns::DCAT, "contactPoint"), contact);
        self.add(service.clone(), term(ns::DCAT, "keyword"), text("API", "en"));
        let gove = self.concept(
            term(ns::EU, "data-theme/GOVE"),
            &[("Government and public sector", "en"), ("Chính phủ và khu vực công", "vi")],
            ("http://publications.europa.eu/resource/authority/data-theme", &[("Data theme", "en")]),
        );
        self.add(service.clone(), term(ns::DCAT, "theme"), gove);

        if let Some(p) = &info.page {
            self.is_a(&c, ns::HYDRA, "Collection");
            self.add(c.clone(), term(ns::HYDRA, "totalItems"), typed(info.total.to_string(), "integer"));
            let view = own(p.current.clone());
            self.add(c.clone(), term(ns::HYDRA, "view"), view.clone());
            // PartialCollectionView with IRIs (Hydra today, ckanext-dcat ≥ 2024,
            // piveau); PagedCollection with literals for older ckanext-dcat.
            self.is_a(&view, ns::HYDRA, "PartialCollectionView");
            self.is_a(&view, ns::HYDRA, "PagedCollection");
            self.add(view.clone(), term(ns::HYDRA, "totalItems"), typed(info.total.to_string(), "integer"));
            self.add(view.clone(), term(ns::HYDRA, "itemsPerPage"), typed(p.per_page.to_string(), "integer"));
            let links = [
                ("first", "firstPage", Some(&p.first)),
                ("last", "lastPage", Some(&p.last)),
                ("previous", "previousPage", p.previous.as_ref()),
                ("next", "nextPage", p.next.as_ref()),
            ];
            for (new, old, target) in links {
                if let Some(t) = target {
                    self.add(view.clone(), term(ns::HYDRA, new), own(t.clone()));
                    self.add(view.clone(), term(ns::HYDRA, old), Literal::new_simple_literal(t.clone()));
                }
            }
        }
        self.catalog = Some((c, service));
        self.flush()
    }

    /// A dataset and its distributions (active resources), listed in the
    /// catalog if [`Writer::catalog`] was written.
    pub fn dataset(&mut self, pkg: &Package) -> io::Result<()> {
        let site = self.site.clone();
        let d = own(site.dataset_iri(pkg));
        if let Some((c, service)) = self.catalog.clone() {
            self.add(c, term(ns::DCAT, "dataset"), d.clone());
            self.add(service, term(ns::DCAT, "servesDataset"), d.clone());
        }
        self.is_a(&d, ns::DCAT, "Dataset");
        self.add(d.clone(), term(ns::DCT, "identifier"), Literal::new_simple_literal(d.as_str()));
        let title_vi = pkg.title_translated.get("vi").unwrap_or(&pkg.title).clone();
        let title_vi = if title_vi.trim().is_empty() { pkg.name.clone() } else { title_vi };
        self.add(d.clone(), term(ns::DCT, "title"), text(&title_vi, "vi"));
        for (lang, t) in pkg.title_translated.iter().filter(|(l, t)| l.as_str() != "vi" && !t.trim().is_empty()) {
            self.add(d.clone(), term(ns::DCT, "title"), text(t, lang));
        }
        // A description is mandatory; the title stands in for a missing one.
        let notes = pkg.notes_translated.get("vi").or(pkg.notes.as_ref()).filter(|n| !n.trim().is_empty());
        self.add(d.clone(), term(ns::DCT, "description"), text(notes.unwrap_or(&title_vi), "vi"));
        for (lang, n) in pkg.notes_translated.iter().filter(|(l, n)| l.as_str() != "vi" && !n.trim().is_empty()) {
            self.add(d.clone(), term(ns::DCT, "description"), text(n, lang));
        }
        let publisher = self.agency(pkg);
        if let Some(p) = &publisher {
            self.add(d.clone(), term(ns::DCT, "publisher"), p.clone());
        }
        self.contact(&d, pkg, publisher.is_some());
        for tag in &pkg.tags {
            self.add(d.clone(), term(ns::DCAT, "keyword"), text(&tag.display_name, "vi"));
        }
        let scheme = self.themes_scheme();
        for g in &pkg.groups {
            let theme = self.concept(
                own(format!("{}/group/{}", site.base, g.name)),
                &[(&g.title, "vi")],
                (&scheme, &[("Chủ đề dữ liệu", "vi"), ("Data themes", "en")]),
            );
            self.add(d.clone(), term(ns::DCAT, "theme"), theme);
        }
        if let Some(place) = pkg.spatial.as_deref().and_then(|s| self.spatial(s)) {
            self.add(d.clone(), term(ns::DCT, "spatial"), place);
        }
        let start = pkg.temporal_start.as_deref().and_then(date_literal);
        let end = pkg.temporal_end.as_deref().and_then(date_literal);
        if start.is_some() || end.is_some() {
            let period = BlankNode::default();
            self.add(period.clone(), term(ns::RDF, "type"), term(ns::DCT, "PeriodOfTime"));
            if let Some(s) = start {
                self.add(period.clone(), term(ns::DCAT, "startDate"), s);
            }
            if let Some(e) = end {
                self.add(period.clone(), term(ns::DCAT, "endDate"), e);
            }
            self.add(d.clone(), term(ns::DCT, "temporal"), period);
        }
        if let Some(f) = pkg.update_frequency.as_deref().and_then(UpdateFrequency::parse) {
            let label = f.label_en();
            let iri = self.eu_term("frequency", vocab::frequency(f), (ns::DCT, "Frequency"), Some(label));
            self.add(d.clone(), term(ns::DCT, "accrualPeriodicity"), iri);
        }
        if let Some(code) = DataSharing::parse(&pkg.data_sharing).and_then(vocab::access_right) {
            let iri = self.eu_term("access-right", code, (ns::DCT, "RightsStatement"), None);
            self.add(d.clone(), term(ns::DCT, "accessRights"), iri);
        }
        let vie = self.language("VIE");
        self.add(d.clone(), term(ns::DCT, "language"), vie);
        if pkg.title_translated.contains_key("en") {
            let eng = self.language("ENG");
            self.add(d.clone(), term(ns::DCT, "language"), eng);
        }
        if let Some(t) = date_literal(&pkg.metadata_created) {
            self.add(d.clone(), term(ns::DCT, "issued"), t);
        }
        if let Some(t) = date_literal(&pkg.metadata_modified) {
            self.add(d.clone(), term(ns::DCT, "modified"), t);
        }
        if let Some(v) = pkg.version.as_deref().filter(|v| !v.trim().is_empty()) {
            self.add(d.clone(), term(ns::DCAT, "version"), Literal::new_simple_literal(v));
        }
        let landing = self.document(own(format!("{}/dataset/{}", site.base, pkg.name)));
        self.add(d.clone(), term(ns::DCAT, "landingPage"), landing);
        if let Some(page) = pkg.url.as_deref().and_then(checked) {
            let page = self.document(page);
            self.add(d.clone(), term(ns::FOAF, "page"), page);
        }
        for r in pkg.resources.iter().filter(|r| r.state == "active") {
            let dist = self.distribution(pkg, r);
            self.add(d.clone(), term(ns::DCAT, "distribution"), dist);
        }
        self.flush()
    }

    fn contact(&mut self, d: &NamedNode, pkg: &Package, has_agency: bool) {
        let nonempty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let name = nonempty(&pkg.maintainer)
            .or_else(|| nonempty(&pkg.author))
            .or_else(|| pkg.organization.as_ref().map(|o| o.title.clone()));
        let email = nonempty(&pkg.maintainer_email).or_else(|| nonempty(&pkg.author_email));
        if name.is_none() && email.is_none() && !has_agency {
            return;
        }
        let contact = BlankNode::default();
        self.add(contact.clone(), term(ns::RDF, "type"), term(ns::VCARD, "Kind"));
        self.add(contact.clone(), term(ns::RDF, "type"), term(ns::VCARD, "Organization"));
        if let Some(n) = name {
            self.add(contact.clone(), term(ns::VCARD, "fn"), text(&n, "vi"));
        }
        if let Some(mail) = email.and_then(|e| checked(&format!("mailto:{}", e.trim_start_matches("mailto:")))) {
            self.add(contact.clone(), term(ns::VCARD, "hasEmail"), mail);
        }
        if let Some(org) = &pkg.organization {
            self.add(contact.clone(), term(ns::VCARD, "hasURL"), own(crate::iri::agency(&self.site.base, &org.name)));
        }
        self.add(d.clone(), term(ns::DCAT, "contactPoint"), contact);
    }

    fn distribution(&mut self, pkg: &Package, r: &Resource) -> NamedNode {
        let site = self.site.clone();
        let dist = own(format!("{}/dataset/{}/resource/{}", site.base, pkg.id, r.id));
        self.is_a(&dist, ns::DCAT, "Distribution");
        let name = r.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = r.name_translated.get("vi").map(String::as_str).or(name) {
            self.add(dist.clone(), term(ns::DCT, "title"), text(n, "vi"));
        }
        for (lang, n) in r.name_translated.iter().filter(|(l, n)| l.as_str() != "vi" && !n.trim().is_empty()) {
            self.add(dist.clone(), term(ns::DCT, "title"), text(n, lang));
        }
        let description = r.description.as_deref().map(str::trim).filter(|s| !s.is_empty()).or(name);
        if let Some(desc) = r.description_translated.get("vi").map(String::as_str).or(description) {
            self.add(dist.clone(), term(ns::DCT, "description"), text(desc, "vi"));
        }
        for (lang, desc) in r.description_translated.iter().filter(|(l, d)| l.as_str() != "vi" && !d.trim().is_empty())
        {
            self.add(dist.clone(), term(ns::DCT, "description"), text(desc, lang));
        }
        let page = own(format!("{}/dataset/{}/resource/{}", site.base, pkg.name, r.id));
        let upload = r.url_type.as_deref() == Some("upload");
        let link = checked(&r.url);
        let access = if upload { page } else { link.clone().unwrap_or(page) };
        let access = self.resource(access);
        self.add(dist.clone(), term(ns::DCAT, "accessURL"), access);
        if let Some(download) = link.filter(|_| upload) {
            let download = self.resource(download);
            self.add(dist.clone(), term(ns::DCAT, "downloadURL"), download);
        }
        let ft = r.format.as_deref().and_then(vocab::file_type);
        if let Some(code) = ft.and_then(|f| f.eu) {
            let iri = self.eu_term("file-type", code, (ns::DCT, "MediaTypeOrExtent"), None);
            self.add(dist.clone(), term(ns::DCT, "format"), iri);
        }
        let media_type = vocab::media_type(r.mimetype.as_deref(), r.format.as_deref());
        if let Some(mt) = media_type.and_then(|m| checked(&format!("{}{m}", ns::IANA_MEDIA))) {
            if self.first(mt.as_str()) {
                self.is_a(&mt, ns::DCT, "MediaType");
            }
            self.add(dist.clone(), term(ns::DCAT, "mediaType"), mt);
        }
        if let Some(size) = r.size.filter(|s| *s >= 0) {
            self.add(dist.clone(), term(ns::DCAT, "byteSize"), typed(size.to_string(), "nonNegativeInteger"));
        }
        let hash = r.hash.as_deref().map(|h| h.trim().trim_start_matches("sha256:"));
        if let Some(h) = hash.filter(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))) {
            let algorithm = term(ns::SPDX, "checksumAlgorithm_sha256");
            if self.first(algorithm.as_str()) {
                self.is_a(&algorithm, ns::SPDX, "ChecksumAlgorithm");
            }
            let sum = BlankNode::default();
            self.add(sum.clone(), term(ns::RDF, "type"), term(ns::SPDX, "Checksum"));
            self.add(sum.clone(), term(ns::SPDX, "algorithm"), algorithm);
            self.add(sum.clone(), term(ns::SPDX, "checksumValue"), typed(h, "hexBinary"));
            self.add(dist.clone(), term(ns::SPDX, "checksum"), sum);
        }
        if let Some(l) = pkg.license_id.as_deref().and_then(|id| self.licence(id)) {
            self.add(dist.clone(), term(ns::DCT, "license"), l);
        }
        let (code, label) = if upload { ("STABLE", "Stable") } else { ("AVAILABLE", "Available") };
        let availability = self.eu_term("planned-availability", code, (ns::SKOS, "Concept"), Some(label));
        self.add(dist.clone(), term(ns::DCATAP, "availability"), availability);
        if let Some(t) = date_literal(&r.created) {
            self.add(dist.clone(), term(ns::DCT, "issued"), t);
        }
        if let Some(t) = date_literal(r.last_modified.as_deref().unwrap_or(&r.metadata_modified)) {
            self.add(dist.clone(), term(ns::DCT, "modified"), t);
        }
        dist
    }

    /// Ends the document.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush()?;
        self.out.finish()
    }
}
