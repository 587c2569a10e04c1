//! The namespaces DCAT-AP uses, and Kho's codes mapped to the controlled
//! vocabularies it recommends (the EU Publications Office's authority
//! tables, IANA media types, ADMS types). Each table is the one place its
//! mapping is decided; `docs/DCAT.md` lists them for people.

use kho_core::vocab::{AgencyKind, DataSharing, UpdateFrequency};

/// Namespace IRIs.
pub mod ns {
    pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
    pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
    pub const DCAT: &str = "http://www.w3.org/ns/dcat#";
    pub const DCT: &str = "http://purl.org/dc/terms/";
    pub const DCATAP: &str = "http://data.europa.eu/r5r/";
    pub const FOAF: &str = "http://xmlns.com/foaf/0.1/";
    pub const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
    pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
    pub const SPDX: &str = "http://spdx.org/rdf/terms#";
    pub const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
    pub const ADMS: &str = "http://www.w3.org/ns/adms#";
    pub const GSP: &str = "http://www.opengis.net/ont/geosparql#";
    /// The EU Publications Office's authority tables.
    pub const EU: &str = "http://publications.europa.eu/resource/authority/";
    pub const IANA_MEDIA: &str = "http://www.iana.org/assignments/media-types/";
    pub const ADMS_PUBLISHER_TYPE: &str = "http://purl.org/adms/publishertype/";
    pub const ADMS_LICENCE_TYPE: &str = "http://purl.org/adms/licencetype/";
}

/// Prefixes written at the top of Turtle, RDF/XML and JSON-LD documents.
pub const PREFIXES: &[(&str, &str)] = &[
    ("rdf", ns::RDF),
    ("rdfs", ns::RDFS),
    ("xsd", ns::XSD),
    ("dcat", ns::DCAT),
    ("dct", ns::DCT),
    ("dcatap", ns::DCATAP),
    ("foaf", ns::FOAF),
    ("vcard", ns::VCARD),
    ("skos", ns::SKOS),
    ("spdx", ns::SPDX),
    ("hydra", ns::HYDRA),
    ("adms", ns::ADMS),
    ("gsp", ns::GSP),
];

/// The EU frequency authority table's code for an update frequency.
/// Kho's codes are not the table's lower-cased: twice a year is
/// `ANNUAL_2` (`BIENNIAL` is every two years), "continuously updated" is
/// `UPDATE_CONT` (`CONT` describes continuous data), irregular is `IRREG`.
pub fn frequency(f: UpdateFrequency) -> &'static str {
    match f {
        UpdateFrequency::Continuous => "UPDATE_CONT",
        UpdateFrequency::Hourly => "HOURLY",
        UpdateFrequency::Daily => "DAILY",
        UpdateFrequency::Weekly => "WEEKLY",
        UpdateFrequency::Monthly => "MONTHLY",
        UpdateFrequency::Quarterly => "QUARTERLY",
        UpdateFrequency::Biannual => "ANNUAL_2",
        UpdateFrequency::Annual => "ANNUAL",
        UpdateFrequency::Irregular => "IRREG",
        UpdateFrequency::Never => "NEVER",
        UpdateFrequency::Unknown => "UNKNOWN",
    }
}

/// Kho's update frequency for an EU frequency code (harvesting): the
/// nearest Kho code for the table's finer steps.
pub fn frequency_from_eu(code: &str) -> Option<UpdateFrequency> {
    Some(match code {
        "UPDATE_CONT" | "CONT" | "1MIN" | "10MIN" | "15MIN" | "30MIN" => UpdateFrequency::Continuous,
        "HOURLY" | "BIHOURLY" | "TRIHOURLY" | "12HRS" => UpdateFrequency::Hourly,
        "DAILY" | "DAILY_2" => UpdateFrequency::Daily,
        "WEEKLY" | "WEEKLY_2" | "WEEKLY_3" | "BIWEEKLY" => UpdateFrequency::Weekly,
        "MONTHLY" | "MONTHLY_2" | "MONTHLY_3" | "BIMONTHLY" => UpdateFrequency::Monthly,
        "QUARTERLY" | "ANNUAL_3" => UpdateFrequency::Quarterly,
        "ANNUAL_2" => UpdateFrequency::Biannual,
        "ANNUAL" | "BIENNIAL" | "TRIENNIAL" | "QUADRENNIAL" | "QUINQUENNIAL" | "DECENNIAL" => UpdateFrequency::Annual,
        "IRREG" | "AS_NEEDED" | "OTHER" => UpdateFrequency::Irregular,
        "NEVER" => UpdateFrequency::Never,
        "UNKNOWN" | "OP_DATPRO" => UpdateFrequency::Unknown,
        _ => return None,
    })
}

/// The EU access-right code for a sharing class: open data is `PUBLIC`;
/// data shared among state agencies is `RESTRICTED` (available under
/// conditions). Private-use data is never exported, and has none.
pub fn access_right(s: DataSharing) -> Option<&'static str> {
    match s {
        DataSharing::Open => Some("PUBLIC"),
        DataSharing::Shared => Some("RESTRICTED"),
        DataSharing::PrivateUse => None,
    }
}

/// The EU access-right code for a database of the data map. Unlike a
/// catalog dataset, a private-use database is exported (to its own agency
/// and reviewers only, who may see it): `NON_PUBLIC`.
pub fn registry_access_right(s: DataSharing) -> &'static str {
    access_right(s).unwrap_or("NON_PUBLIC")
}

/// The sharing class of an EU access-right code (harvesting).
pub fn sharing_from_eu(code: &str) -> Option<DataSharing> {
    match code {
        "PUBLIC" => Some(DataSharing::Open),
        "RESTRICTED" | "NON_PUBLIC" => Some(DataSharing::Shared),
        _ => None,
    }
}

/// A file format: its EU file-type code and IANA media type, where known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    /// The EU file-type authority table's code (`CSV`).
    pub eu: Option<&'static str>,
    /// The IANA media type (`text/csv`).
    pub media_type: Option<&'static str>,
}

/// Formats as Kho normalises them (`kho_core::input::normalize_format`),
/// with their EU file-type code and IANA media type.
const FILE_TYPES: &[(&str, Option<&str>, Option<&str>)] = &[
    ("CSV", Some("CSV"), Some("text/csv")),
    ("TSV", Some("TSV"), Some("text/tab-separated-values")),
    ("XLSX", Some("XLSX"), Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    ("XLS", Some("XLS"), Some("application/vnd.ms-excel")),
    ("ODS", Some("ODS"), Some("application/vnd.oasis.opendocument.spreadsheet")),
    ("JSON", Some("JSON"), Some("application/json")),
    ("GEOJSON", Some("GEOJSON"), Some("application/geo+json")),
    // No EU code and no registered media type.
    ("NDJSON", None, None),
    ("XML", Some("XML"), Some("application/xml")),
    ("PDF", Some("PDF"), Some("application/pdf")),
    ("ZIP", Some("ZIP"), Some("application/zip")),
    ("TXT", Some("TXT"), Some("text/plain")),
    ("HTML", Some("HTML"), Some("text/html")),
    ("PARQUET", Some("PARQUET"), Some("application/vnd.apache.parquet")),
    ("DOCX", Some("DOCX"), Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
    ("DOC", Some("DOC"), Some("application/msword")),
    ("SHP", Some("SHP"), None),
    ("KML", Some("KML"), Some("application/vnd.google-earth.kml+xml")),
    ("KMZ", Some("KMZ"), Some("application/vnd.google-earth.kmz")),
    ("GPKG", Some("GPKG"), Some("application/geopackage+sqlite3")),
    ("TTL", Some("RDF_TURTLE"), Some("text/turtle")),
    ("RDF", Some("RDF_XML"), Some("application/rdf+xml")),
    ("JSONLD", Some("JSON_LD"), Some("application/ld+json")),
    ("NT", Some("RDF_N_TRIPLES"), Some("application/n-triples")),
    ("API", Some("REST"), None),
];

/// The file type of a Kho format (case-insensitive), if Kho knows it.
pub fn file_type(format: &str) -> Option<FileType> {
    let f = format.trim().to_ascii_uppercase().replace(['-', '_', ' '], "");
    FILE_TYPES.iter().find(|(k, _, _)| *k == f).map(|(_, eu, mt)| FileType { eu: *eu, media_type: *mt })
}

/// A resource's IANA media type: the one it declares (`type/subtype`), else
/// its format's. The DCAT export and the pages' schema.org both use this.
pub fn media_type<'a>(mimetype: Option<&'a str>, format: Option<&str>) -> Option<&'a str> {
    let declared = mimetype.map(str::trim).filter(|m| {
        let mut parts = m.split('/');
        matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None)
            if !a.is_empty() && !b.is_empty() && !m.contains(' '))
    });
    declared.or_else(|| format.and_then(file_type).and_then(|f| f.media_type))
}

/// Kho's format name for an EU file-type code or a media type (harvesting).
pub fn format_from(code_or_media_type: &str) -> Option<&'static str> {
    let v = code_or_media_type.trim();
    FILE_TYPES
        .iter()
        .find(|(_, eu, mt)| eu.is_some_and(|e| e.eq_ignore_ascii_case(v)) || mt.is_some_and(|m| m == v))
        .map(|(k, _, _)| match *k {
            "GEOJSON" => "GeoJSON",
            "PARQUET" => "Parquet",
            other => other,
        })
}

/// The ADMS publisher type of an agency kind.
pub fn publisher_type(kind: AgencyKind) -> Option<(&'static str, &'static str)> {
    match kind {
        AgencyKind::Ministry | AgencyKind::GovernmentAgency => Some(("NationalAuthority", "National authority")),
        AgencyKind::Province | AgencyKind::Department => Some(("RegionalAuthority", "Regional authority")),
        AgencyKind::Commune => Some(("LocalAuthority", "Local authority")),
        AgencyKind::Other => None,
    }
}

/// The ADMS licence type of a Kho licence id, with its English label.
pub fn licence_type(license_id: &str) -> (&'static str, &'static str) {
    match license_id {
        "cc-zero" | "odc-pddl" | "other-pd" => ("PublicDomain", "Public domain"),
        "cc-by-sa" | "cc-by-sa-4.0" | "odc-odbl" => ("ShareAlike", "Share-alike"),
        "cc-by" | "cc-by-4.0" | "odc-by" | "other-at" | "vn-odl-1.0" => ("Attribution", "Attribution"),
        "cc-nc" | "other-nc" => ("NonCommercialUseOnly", "Non-commercial use only"),
        _ => ("UnknownIPR", "Unknown IPR"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_core::vocab::Vocabulary;

    #[test]
    fn every_frequency_maps_and_comes_back() {
        for f in UpdateFrequency::ALL {
            assert_eq!(frequency_from_eu(frequency(*f)), Some(*f), "{f:?}");
        }
        assert_eq!(frequency(UpdateFrequency::Biannual), "ANNUAL_2", "twice a year is not BIENNIAL");
        assert_eq!(frequency_from_eu("BIENNIAL"), Some(UpdateFrequency::Annual));
        assert_eq!(frequency_from_eu("nonsense"), None);
    }

    #[test]
    fn media_types_are_declared_or_from_the_format() {
        assert_eq!(media_type(Some("text/csv; x"), Some("XLSX")), file_type("XLSX").unwrap().media_type);
        assert_eq!(media_type(Some("application/geo+json"), Some("CSV")), Some("application/geo+json"));
        assert_eq!(media_type(Some("csv"), Some("CSV")), Some("text/csv"));
        assert_eq!(media_type(None, Some("unheard-of")), None);
    }

    #[test]
    fn formats_map_both_ways() {
        let csv = file_type("csv").unwrap();
        assert_eq!((csv.eu, csv.media_type), (Some("CSV"), Some("text/csv")));
        assert_eq!(file_type("GeoJSON").unwrap().eu, Some("GEOJSON"));
        assert_eq!(file_type("NDJSON").unwrap().eu, None);
        assert!(file_type("unheard-of").is_none());
        assert_eq!(format_from("CSV"), Some("CSV"));
        assert_eq!(format_from("application/geo+json"), Some("GeoJSON"));
        assert_eq!(format_from("RDF_TURTLE"), Some("TTL"));
        for (k, eu, _) in FILE_TYPES {
            if let Some(eu) = eu {
                assert_eq!(file_type(format_from(eu).unwrap()).unwrap().eu, Some(*eu), "{k}");
            }
        }
    }

    #[test]
    fn sharing_and_access_rights() {
        assert_eq!(access_right(DataSharing::Open), Some("PUBLIC"));
        assert_eq!(access_right(DataSharing::PrivateUse), None);
        for s in [DataSharing::Open, DataSharing::Shared] {
            assert_eq!(sharing_from_eu(access_right(s).unwrap()), Some(s));
        }
    }
}
