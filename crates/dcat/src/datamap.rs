//! The data map (the registry of government databases) as DCAT-AP 3.
//!
//! The map is its own catalog, `{site}/datamap/catalog` (a published
//! version's is `{site}/datamap/versions/{version}/catalog`): each
//! database is a `dcat:Dataset` at `{site}/datamap/database/{name}` (its
//! page), described by its agency; each endpoint a `dcat:DataService`
//! serving it. The mapping (the table for people is in `docs/DCAT.md`):
//!
//! | Data map | DCAT-AP |
//! |---|---|
//! | title, `title_translated` | `dct:title` (vi, other languages) |
//! | purpose (else the title) | `dct:description` |
//! | agency | `dct:publisher` (`foaf:Agent`), `dcat:contactPoint` |
//! | agency's province (ministries: the country) | `dct:spatial` |
//! | class | `dct:type`, a concept of `{site}/datamap/class` |
//! | `data_sharing` | `dct:accessRights`: EU access-right `PUBLIC`, `RESTRICTED`, `NON_PUBLIC` |
//! | `update_frequency` | `dct:accrualPeriodicity`: EU frequency table |
//! | sector, entities | `dcat:keyword` (vi) |
//! | connections (either side's) | `dct:relation` to the other database |
//! | endpoint | `dcat:DataService`: `dcat:endpointURL`, `dcat:servesDataset`, the database's publisher and contact |
//!
//! What the document holds is what the caller passes: the catalog passes
//! the map as the viewer may see it, so a restricted entry of another
//! agency is neither a dataset nor a relation here.

use crate::export::{self, Site, Writer, checked, own, term, text};
use crate::format::Format;
use crate::vocab::{self, ns};
use kho_core::vocab::Vocabulary;
use kho_datamap::{Agency, DatabaseEntry, View};
use oxrdf::{BlankNode, Literal, NamedNode};
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};
use std::sync::Arc;

/// What a data-map document covers.
#[derive(Debug, Clone, Copy)]
pub struct MapDocument<'a> {
    /// The map as the reader may see it.
    pub view: &'a View,
    /// Which databases are written, by position in the snapshot (the
    /// filters); all of them when `None`. Relations still name databases
    /// left out.
    pub keep: Option<&'a [bool]>,
    /// The published version written, or `None` for the current map.
    pub version: Option<&'a str>,
    /// When the map last changed or the version was published (a Kho
    /// timestamp).
    pub modified: Option<&'a str>,
}

/// A database's IRI: its page.
pub fn database_iri(base: &str, name: &str) -> String {
    format!("{base}/datamap/database/{name}")
}

/// The IRI of the map's catalog (of a published version, when given).
pub fn catalog_iri(base: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{base}/datamap/versions/{v}/catalog"),
        None => format!("{base}/datamap/catalog"),
    }
}

/// Writes the map as DCAT-AP 3 in `format` to `out`.
pub fn write<W: Write>(format: Format, site: Arc<Site>, doc: &MapDocument<'_>, out: W) -> io::Result<W> {
    let mut w = Writer::new(format, site, out);
    w.datamap(doc)?;
    w.finish()
}

/// The agencies of a snapshot by id.
fn agencies(view: &View) -> HashMap<&str, &Agency> {
    view.snapshot.agencies.iter().map(|a| (a.id.as_str(), a)).collect()
}

impl<W: Write> Writer<W> {
    /// The map's catalog, then each database kept with its services.
    fn datamap(&mut self, doc: &MapDocument<'_>) -> io::Result<()> {
        let site = self.site.clone();
        let c = own(catalog_iri(&site.base, doc.version));
        self.is_a(&c, ns::DCAT, "Catalog");
        let title_en = site.title_en.as_deref().unwrap_or(&site.title);
        let (mut vi, mut en) = (format!("Bản đồ dữ liệu của {}", site.title), format!("Data map of {title_en}"));
        if let Some(v) = doc.version {
            vi.push_str(&format!(" (phiên bản {v})"));
            en.push_str(&format!(" (version {v})"));
        }
        self.add(c.clone(), term(ns::DCT, "title"), text(&vi, "vi"));
        self.add(c.clone(), term(ns::DCT, "title"), text(&en, "en"));
        let about_vi = format!(
            "Các cơ sở dữ liệu của cơ quan nhà nước, kết nối và dịch vụ cung cấp dữ liệu của chúng, theo bản đồ dữ liệu của {}.",
            site.title
        );
        let about_en =
            format!("The government databases, their connections and data services, from the data map of {title_en}.");
        self.add(c.clone(), term(ns::DCT, "description"), text(&about_vi, "vi"));
        self.add(c.clone(), term(ns::DCT, "description"), text(&about_en, "en"));
        let publisher = self.operator();
        self.add(c.clone(), term(ns::DCT, "publisher"), publisher);
        let page = match doc.version {
            Some(v) => format!("{}/datamap/versions/{v}", site.base),
            None => format!("{}/datamap", site.base),
        };
        let home = self.document(own(page));
        self.add(c.clone(), term(ns::FOAF, "homepage"), home);
        for code in ["VIE", "ENG"] {
            let l = self.language(code);
            self.add(c.clone(), term(ns::DCT, "language"), l);
        }
        if let Some(l) = self.licence(export::CATALOG_LICENSE) {
            self.add(c.clone(), term(ns::DCT, "license"), l);
        }
        if let Some(d) = doc.modified.and_then(export::date_literal) {
            self.add(c.clone(), term(ns::DCT, "modified"), d);
        }
        if let Some(vn) = self.spatial("VN") {
            self.add(c.clone(), term(ns::DCT, "spatial"), vn);
        }
        self.flush()?;
        let by_id = agencies(doc.view);
        let snap = &doc.view.snapshot;
        let mut related: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); snap.databases.len()];
        for e in &doc.view.edges {
            related[e.a].insert(e.b);
            related[e.b].insert(e.a);
        }
        for (i, d) in snap.databases.iter().enumerate() {
            if doc.keep.is_some_and(|k| !k.get(i).copied().unwrap_or(false)) {
                continue;
            }
            let agency = by_id.get(d.owner_org.as_str()).copied();
            let others: Vec<&str> = related[i].iter().map(|j| snap.databases[*j].name.as_str()).collect();
            self.database(&c, d, agency, &others)?;
        }
        Ok(())
    }

    /// One database as a dataset, its endpoints as data services.
    fn database(
        &mut self,
        catalog: &NamedNode,
        d: &DatabaseEntry,
        agency: Option<&Agency>,
        related: &[&str],
    ) -> io::Result<()> {
        let site = self.site.clone();
        let ds = own(database_iri(&site.base, &d.name));
        self.add(catalog.clone(), term(ns::DCAT, "dataset"), ds.clone());
        self.is_a(&ds, ns::DCAT, "Dataset");
        self.add(ds.clone(), term(ns::DCT, "identifier"), Literal::new_simple_literal(&d.name));
        let title = if d.title.trim().is_empty() { d.name.as_str() } else { d.title.as_str() };
        self.add(ds.clone(), term(ns::DCT, "title"), text(title, "vi"));
        for (lang, t) in d.title_translated.iter().filter(|(l, t)| l.as_str() != "vi" && !t.trim().is_empty()) {
            self.add(ds.clone(), term(ns::DCT, "title"), text(t, lang));
        }
        // A description is mandatory; the title stands in for a missing purpose.
        let purpose = d.purpose.as_deref().map(str::trim).filter(|p| !p.is_empty());
        self.add(ds.clone(), term(ns::DCT, "description"), text(purpose.unwrap_or(title), "vi"));
        let publisher = agency.map(|a| {
            let mut names = vec![(a.title.as_str(), "vi")];
            if let Some(en) = a.title_en.as_deref().filter(|t| !t.trim().is_empty()) {
                names.push((en, "en"));
            }
            self.agent(&a.name, &names, a.kind.as_deref())
        });
        let contact = match (&publisher, agency) {
            (Some(p), Some(a)) => {
                self.add(ds.clone(), term(ns::DCT, "publisher"), p.clone());
                let contact = BlankNode::default();
                self.add(contact.clone(), term(ns::RDF, "type"), term(ns::VCARD, "Kind"));
                self.add(contact.clone(), term(ns::RDF, "type"), term(ns::VCARD, "Organization"));
                self.add(contact.clone(), term(ns::VCARD, "fn"), text(&a.title, "vi"));
                self.add(contact.clone(), term(ns::VCARD, "hasURL"), p.clone());
                self.add(ds.clone(), term(ns::DCAT, "contactPoint"), contact.clone());
                Some(contact)
            }
            _ => None,
        };
        // What an agency's databases cover: its province, or the country
        // for central agencies; departments and others are left unsaid.
        let area = agency.and_then(|a| match a.kind.as_deref() {
            Some("province") => a.code.clone(),
            Some("ministry" | "government_agency") => Some("VN".to_string()),
            _ => None,
        });
        if let Some(place) = area.and_then(|code| self.spatial(&code)) {
            self.add(ds.clone(), term(ns::DCT, "spatial"), place);
        }
        for k in d.sector.iter().chain(&d.entities).map(|k| k.trim()).filter(|k| !k.is_empty()) {
            self.add(ds.clone(), term(ns::DCAT, "keyword"), text(k, "vi"));
        }
        let scheme = format!("{}/datamap/class", site.base);
        let class = self.concept(
            own(format!("{scheme}/{}", d.class.code())),
            &[(d.class.label_vi(), "vi"), (d.class.label_en(), "en")],
            (&scheme, &[("Loại cơ sở dữ liệu", "vi"), ("Kinds of database", "en")]),
        );
        self.add(ds.clone(), term(ns::DCT, "type"), class);
        let rights = vocab::registry_access_right(d.data_sharing);
        let rights = self.eu_term("access-right", rights, (ns::DCT, "RightsStatement"), None);
        self.add(ds.clone(), term(ns::DCT, "accessRights"), rights.clone());
        if let Some(f) = d.update_frequency {
            let iri = self.eu_term("frequency", vocab::frequency(f), (ns::DCT, "Frequency"), Some(f.label_en()));
            self.add(ds.clone(), term(ns::DCT, "accrualPeriodicity"), iri);
        }
        let vie = self.language("VIE");
        self.add(ds.clone(), term(ns::DCT, "language"), vie);
        if d.title_translated.get("en").is_some_and(|t| !t.trim().is_empty()) {
            let eng = self.language("ENG");
            self.add(ds.clone(), term(ns::DCT, "language"), eng);
        }
        for other in related {
            let r = self.resource(own(database_iri(&site.base, other)));
            self.add(ds.clone(), term(ns::DCT, "relation"), r);
        }
        let landing = self.document(ds.clone());
        self.add(ds.clone(), term(ns::DCAT, "landingPage"), landing);
        for (n, e) in d.endpoints.iter().enumerate() {
            // Endpoints are checked as http(s) addresses when entered; one
            // that is still not an IRI is left out rather than written wrong.
            let Some(url) = checked(&e.url) else { continue };
            let service = own(format!("{}/endpoint/{}", ds.as_str(), n + 1));
            self.add(catalog.clone(), term(ns::DCAT, "service"), service.clone());
            self.is_a(&service, ns::DCAT, "DataService");
            let name = e
                .title
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}: {title}", e.kind.label_vi()));
            self.add(service.clone(), term(ns::DCT, "title"), text(&name, "vi"));
            let url = self.resource(url);
            self.add(service.clone(), term(ns::DCAT, "endpointURL"), url);
            self.add(service.clone(), term(ns::DCAT, "servesDataset"), ds.clone());
            self.add(service.clone(), term(ns::DCAT, "keyword"), text(e.kind.label_vi(), "vi"));
            if let Some(p) = &publisher {
                self.add(service.clone(), term(ns::DCT, "publisher"), p.clone());
            }
            if let Some(c) = &contact {
                self.add(service.clone(), term(ns::DCAT, "contactPoint"), c.clone());
            }
            self.add(service.clone(), term(ns::DCT, "accessRights"), rights.clone());
        }
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_core::input::Fields;
    use kho_datamap::Snapshot;
    use serde_json::{Value, json};

    const BASE: &str = "https://kho.gov.vn";

    fn site() -> Arc<Site> {
        Arc::new(Site {
            base: BASE.into(),
            title: "Kho dữ liệu".into(),
            title_en: Some("Data store".into()),
            description: None,
            description_en: None,
            publisher_name: "Trung tâm Dữ liệu quốc gia".into(),
            publisher_url: None,
        })
    }

    fn entry(v: Value) -> DatabaseEntry {
        let mut base = json!({"title": "CSDL", "owner_org": "org-byt", "class": "shared", "data_sharing": "shared",
                              "data_importance": "important", "status": "operating"});
        for (k, x) in v.as_object().unwrap() {
            base[k] = x.clone();
        }
        DatabaseEntry::parse(Fields::from_value(base).unwrap()).unwrap()
    }

    fn view() -> View {
        let agency = |id: &str, name: &str, title: &str, en: Option<&str>, kind: &str| Agency {
            id: id.into(),
            name: name.into(),
            title: title.into(),
            title_en: en.map(str::to_string),
            kind: Some(kind.into()),
            parent: None,
            code: None,
        };
        View::new(Snapshot {
            agencies: vec![
                agency("org-byt", "bo-y-te", "Bộ Y tế", Some("Ministry of Health"), "ministry"),
                agency("org-hn", "ha-noi", "Thành phố Hà Nội", None, "province"),
            ],
            databases: vec![
                entry(json!({"name": "csdl-y-te", "title": "Cơ sở dữ liệu y tế", "class": "national",
                    "title_translated": {"en": "Health database"}, "purpose": "Quản lý hồ sơ sức khỏe",
                    "sector": "Y tế", "entities": ["Công dân"], "update_frequency": "biannual", "data_sharing": "open",
                    "endpoints": [{"url": "https://api.moh.gov.vn/v1", "kind": "api", "title": "API tra cứu"},
                                  {"url": "https://moh.gov.vn/cong", "kind": "portal"}]})),
                entry(json!({"name": "csdl-ha-noi", "owner_org": "org-hn", "data_sharing": "private_use",
                    "connections": [{"database": "csdl-y-te", "direction": "in", "platform": "ndxp"}]})),
                entry(json!({"name": "csdl-khac", "owner_org": "org-missing",
                    "connections": [{"database": "csdl-ha-noi", "direction": "out", "platform": "lgsp"}]})),
            ],
            elements: vec![],
        })
    }

    fn ntriples(doc: &MapDocument<'_>) -> Vec<(String, String, String)> {
        let out = write(Format::NTriples, site(), doc, Vec::new()).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let l = l.trim().strip_suffix('.').unwrap().trim_end();
                let (s, rest) = l.split_once(' ').unwrap();
                let (p, o) = rest.split_once(' ').unwrap();
                (s.to_string(), p.to_string(), o.to_string())
            })
            .collect()
    }

    fn objects(t: &[(String, String, String)], s: &str, p: &str) -> Vec<String> {
        let mut out: Vec<String> = t
            .iter()
            .filter(|(a, b, _)| a == &format!("<{s}>") && b == &format!("<{p}>"))
            .map(|x| x.2.clone())
            .collect();
        out.sort();
        out
    }

    fn iri(s: &str) -> String {
        format!("<{s}>")
    }

    #[test]
    fn databases_map_to_dcat_ap_terms() {
        let v = view();
        let t = ntriples(&MapDocument {
            view: &v,
            keep: None,
            version: None,
            modified: Some("2025-07-01T08:00:00.000000"),
        });
        let (dct, dcat, eu) = (ns::DCT, ns::DCAT, ns::EU);
        let y = format!("{BASE}/datamap/database/csdl-y-te");
        let hn = format!("{BASE}/datamap/database/csdl-ha-noi");
        let other = format!("{BASE}/datamap/database/csdl-khac");
        let catalog = format!("{BASE}/datamap/catalog");
        assert_eq!(objects(&t, &catalog, &format!("{dcat}dataset")), [iri(&hn), iri(&other), iri(&y)]);
        assert_eq!(
            objects(&t, &y, &format!("{dct}title")),
            ["\"Cơ sở dữ liệu y tế\"@vi".to_string(), "\"Health database\"@en".into()]
        );
        assert_eq!(objects(&t, &y, &format!("{dct}description")), ["\"Quản lý hồ sơ sức khỏe\"@vi"]);
        assert_eq!(objects(&t, &hn, &format!("{dct}description")), ["\"CSDL\"@vi"], "the title stands in");
        assert_eq!(objects(&t, &y, &format!("{dct}publisher")), [iri(&format!("{BASE}/organization/bo-y-te"))]);
        assert_eq!(
            objects(&t, &format!("{BASE}/organization/bo-y-te"), &format!("{}name", ns::FOAF)),
            ["\"Bộ Y tế\"@vi".to_string(), "\"Ministry of Health\"@en".into()]
        );
        assert!(objects(&t, &other, &format!("{dct}publisher")).is_empty(), "an unknown agency is not invented");
        assert_eq!(objects(&t, &y, &format!("{dct}accessRights")), [iri(&format!("{eu}access-right/PUBLIC"))]);
        assert_eq!(objects(&t, &hn, &format!("{dct}accessRights")), [iri(&format!("{eu}access-right/NON_PUBLIC"))]);
        assert_eq!(objects(&t, &other, &format!("{dct}accessRights")), [iri(&format!("{eu}access-right/RESTRICTED"))]);
        assert_eq!(objects(&t, &y, &format!("{dct}accrualPeriodicity")), [iri(&format!("{eu}frequency/ANNUAL_2"))]);
        assert_eq!(objects(&t, &y, &format!("{dcat}keyword")), ["\"Công dân\"@vi", "\"Y tế\"@vi"]);
        assert_eq!(objects(&t, &y, &format!("{dct}type")), [iri(&format!("{BASE}/datamap/class/national"))]);
        // A ministry's database covers the country; a province's without a
        // code, nothing said.
        assert_eq!(objects(&t, &y, &format!("{dct}spatial")), [iri(&format!("{eu}country/VNM"))]);
        assert!(objects(&t, &hn, &format!("{dct}spatial")).is_empty());
        // Connections, whichever side declared them.
        assert_eq!(objects(&t, &y, &format!("{dct}relation")), [iri(&hn)]);
        assert_eq!(objects(&t, &hn, &format!("{dct}relation")), [iri(&other), iri(&y)]);
        // Endpoints as data services.
        let api = format!("{y}/endpoint/1");
        assert_eq!(objects(&t, &catalog, &format!("{dcat}service")), [iri(&api), iri(&format!("{y}/endpoint/2"))]);
        assert_eq!(objects(&t, &api, &format!("{}type", ns::RDF)), [iri(&format!("{dcat}DataService"))]);
        assert_eq!(objects(&t, &api, &format!("{dcat}endpointURL")), [iri("https://api.moh.gov.vn/v1")]);
        assert_eq!(objects(&t, &api, &format!("{dcat}servesDataset")), [iri(&y)]);
        assert_eq!(objects(&t, &api, &format!("{dct}title")), ["\"API tra cứu\"@vi"]);
        assert_eq!(
            objects(&t, &format!("{y}/endpoint/2"), &format!("{dct}title")),
            ["\"Cổng thông tin: Cơ sở dữ liệu y tế\"@vi"]
        );
        assert_eq!(
            objects(&t, &catalog, &format!("{dct}modified")),
            [format!("\"2025-07-01T08:00:00.000000Z\"^^<{}dateTime>", ns::XSD)]
        );
    }

    #[test]
    fn objects_checked_by_class_are_typed() {
        let v = view();
        let t = ntriples(&MapDocument { view: &v, keep: None, version: None, modified: None });
        let typed = |s: &str, class: &str| {
            t.iter().any(|(a, p, o)| a == s && p == &iri(&format!("{}type", ns::RDF)) && o == &iri(class))
        };
        let checks = [
            (format!("{}relation", ns::DCT), format!("{}Resource", ns::RDFS)),
            (format!("{}endpointURL", ns::DCAT), format!("{}Resource", ns::RDFS)),
            (format!("{}servesDataset", ns::DCAT), format!("{}Dataset", ns::DCAT)),
            (format!("{}accessRights", ns::DCT), format!("{}RightsStatement", ns::DCT)),
            (format!("{}accrualPeriodicity", ns::DCT), format!("{}Frequency", ns::DCT)),
            (format!("{}publisher", ns::DCT), format!("{}Agent", ns::FOAF)),
            (format!("{}type", ns::DCT), format!("{}Concept", ns::SKOS)),
            (format!("{}landingPage", ns::DCAT), format!("{}Document", ns::FOAF)),
            (format!("{}spatial", ns::DCT), format!("{}Location", ns::DCT)),
        ];
        for (p, class) in checks {
            let objs: Vec<&String> = t.iter().filter(|(_, q, _)| q == &iri(&p)).map(|x| &x.2).collect();
            assert!(!objs.is_empty(), "{p} unused");
            for o in objs {
                assert!(typed(o, &class), "{o} ({p}) is not typed {class}");
            }
        }
    }

    #[test]
    fn filters_and_versions_change_what_is_listed() {
        let v = view();
        let keep = [true, false, false];
        let t = ntriples(&MapDocument { view: &v, keep: Some(&keep), version: Some("1.2"), modified: None });
        let catalog = format!("{BASE}/datamap/versions/1.2/catalog");
        // csdl-ha-noi sorts first: kept is the first by name.
        let kept = &v.snapshot.databases[0].name;
        assert_eq!(
            objects(&t, &catalog, &format!("{}dataset", ns::DCAT)),
            [iri(&format!("{BASE}/datamap/database/{kept}"))]
        );
        assert!(
            objects(&t, &catalog, &format!("{}title", ns::DCT))
                .contains(&"\"Bản đồ dữ liệu của Kho dữ liệu (phiên bản 1.2)\"@vi".to_string())
        );
        let datasets = t
            .iter()
            .filter(|(_, p, o)| p == &iri(&format!("{}type", ns::RDF)) && o == &iri(&format!("{}Dataset", ns::DCAT)))
            .count();
        assert_eq!(datasets, 1);
    }

    #[test]
    fn every_format_writes() {
        let v = view();
        for f in [Format::Turtle, Format::JsonLd, Format::RdfXml, Format::NTriples] {
            let out =
                write(f, site(), &MapDocument { view: &v, keep: None, version: None, modified: None }, Vec::new())
                    .unwrap();
            let s = String::from_utf8(out).unwrap();
            assert!(s.contains("csdl-y-te") && s.contains("api.moh.gov.vn"), "{f:?}: {s}");
        }
    }
}
