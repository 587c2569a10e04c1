//! The IRIs Kho gives its datasets, agencies, licences and places, shared
//! by the DCAT export and the schema.org markup of dataset pages, so both
//! name the same things the same way.

use kho_core::model::Package;

/// A dataset's IRI: the one it was harvested with (its `uri` extra), else
/// `{base}/dataset/{id}`, stable across renames.
pub fn dataset(base: &str, pkg: &Package) -> String {
    pkg.extras
        .iter()
        .find(|e| e.key == "uri")
        .filter(|e| oxrdf::NamedNode::new(e.value.as_str()).is_ok())
        .map(|e| e.value.clone())
        .unwrap_or_else(|| format!("{base}/dataset/{}", pkg.id))
}

/// An agency's IRI (its page).
pub fn agency(base: &str, name: &str) -> String {
    format!("{base}/organization/{name}")
}

/// A licence's IRI: its official URL, else Kho's page of it; none for
/// "not specified".
pub fn license(base: &str, license_id: &str) -> Option<String> {
    if license_id.is_empty() || license_id == "notspecified" {
        return None;
    }
    match kho_core::licenses::find(license_id) {
        Some(l) if !l.url.is_empty() => Some(l.url.to_string()),
        _ => Some(format!("{base}/license/{license_id}")),
    }
}

/// What a dataset's spatial coverage names.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Its IRI, if it has one (a province, the country, or a link given).
    pub iri: Option<String>,
    /// Its name in Vietnamese (the text given, when unknown).
    pub name: String,
    pub name_en: Option<&'static str>,
    /// Its official code (a province's two digits).
    pub code: Option<String>,
    /// The scheme its IRI belongs to.
    pub scheme: Option<&'static str>,
    /// Extent and centre as WKT, where known.
    pub bbox: Option<&'static str>,
    pub centroid: Option<&'static str>,
    /// Kho recognised it (not free text or a bare link).
    pub known: bool,
}

/// The place a dataset's `spatial` text names: the country (`VN`), a
/// province since 1 July 2025 (by code or name, an `/admin-units/{code}`
/// page), a link, or free text.
pub fn place(base: &str, spatial: &str) -> Option<Place> {
    let v = spatial.trim();
    if v.is_empty() {
        return None;
    }
    let unknown = Place {
        iri: None,
        name: v.to_string(),
        name_en: None,
        code: None,
        scheme: None,
        bbox: None,
        centroid: None,
        known: false,
    };
    if matches!(kho_admin_units::fold(v).as_str(), "vn" | "vnm" | "viet nam" | "vietnam") {
        return Some(Place {
            iri: Some(format!("{}country/VNM", crate::vocab::ns::EU)),
            name: "Việt Nam".into(),
            name_en: Some("Viet Nam"),
            scheme: Some("http://publications.europa.eu/resource/authority/country"),
            // The mainland's extent, roughly (the islands lie beyond it).
            bbox: Some("POLYGON((102.14 8.18,109.47 8.18,109.47 23.39,102.14 23.39,102.14 8.18))"),
            centroid: Some("POINT(105.8 16.0)"),
            known: true,
            ..unknown
        });
    }
    if let Some(p) = kho_admin_units::find_province(v) {
        return Some(Place {
            iri: Some(format!("{base}/admin-units/{}", p.code)),
            name: p.name.clone(),
            code: Some(format!("{:02}", p.code)),
            known: true,
            ..unknown
        });
    }
    if v.starts_with("http://") || v.starts_with("https://") {
        return Some(Place { iri: Some(v.to_string()), ..unknown });
    }
    Some(unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_named_once() {
        let hn = place("https://k.vn", "01").unwrap();
        assert_eq!((hn.iri.as_deref(), hn.name.as_str()), (Some("https://k.vn/admin-units/1"), "Thành phố Hà Nội"));
        assert_eq!(place("https://k.vn", "Hà Nội").unwrap().iri, hn.iri);
        let vn = place("https://k.vn", "VN").unwrap();
        assert!(vn.iri.unwrap().ends_with("/country/VNM") && vn.bbox.is_some());
        let free = place("https://k.vn", "Lưu vực sông Mê Kông").unwrap();
        assert!(free.iri.is_none() && !free.known);
        assert!(place("https://k.vn", "  ").is_none());
        assert_eq!(license("https://k.vn", "vn-odl-1.0").as_deref(), Some("https://k.vn/license/vn-odl-1.0"));
        assert_eq!(license("https://k.vn", "notspecified"), None);
    }
}
