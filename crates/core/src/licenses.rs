//! The licence register, in CKAN's `license_list` shape.
//!
//! CKAN's default identifiers are kept so CKAN clients and harvested records
//! keep their meaning; Kho adds the versioned Creative Commons 4.0 identifiers
//! and a placeholder for the Vietnamese open data licence, whose text the
//! Government has not yet issued.

use serde::Serialize;

/// One licence as `license_list` returns it.
#[derive(Debug, Clone, Serialize)]
pub struct License {
    pub id: &'static str,
    pub title: &'static str,
    /// Vietnamese title (Kho extension).
    pub title_vi: &'static str,
    pub url: &'static str,
    pub status: &'static str,
    pub maintainer: &'static str,
    pub family: &'static str,
    pub od_conformance: &'static str,
    pub osd_conformance: &'static str,
    pub domain_content: bool,
    pub domain_data: bool,
    pub domain_software: bool,
    pub is_generic: bool,
    pub is_okd_compliant: bool,
    pub is_osi_compliant: bool,
}

const fn open(
    id: &'static str,
    title: &'static str,
    title_vi: &'static str,
    url: &'static str,
    generic: bool,
) -> License {
    License {
        id,
        title,
        title_vi,
        url,
        status: "active",
        maintainer: "",
        family: "",
        od_conformance: "approved",
        osd_conformance: "not reviewed",
        domain_content: true,
        domain_data: true,
        domain_software: false,
        is_generic: generic,
        is_okd_compliant: true,
        is_osi_compliant: false,
    }
}

const fn closed(id: &'static str, title: &'static str, title_vi: &'static str, url: &'static str) -> License {
    License {
        od_conformance: "not reviewed",
        is_okd_compliant: false,
        is_generic: true,
        ..open(id, title, title_vi, url, true)
    }
}

/// Every licence Kho knows, in display order.
pub static LICENSES: &[License] = &[
    open(
        "cc-by-4.0",
        "Creative Commons Attribution 4.0",
        "Creative Commons Ghi công 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
        false,
    ),
    open(
        "cc-by-sa-4.0",
        "Creative Commons Attribution Share-Alike 4.0",
        "Creative Commons Ghi công – Chia sẻ tương tự 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
        false,
    ),
    open(
        "cc-zero",
        "Creative Commons CCZero",
        "Creative Commons CC0 (từ bỏ quyền)",
        "https://creativecommons.org/publicdomain/zero/1.0/",
        false,
    ),
    open(
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL)",
        "Giấy phép cơ sở dữ liệu mở (ODbL)",
        "https://opendatacommons.org/licenses/odbl/1-0/",
        false,
    ),
    open(
        "vn-odl-1.0",
        "Viet Nam Open Data Licence (placeholder)",
        "Giấy phép dữ liệu mở Việt Nam (tạm thời)",
        "",
        true,
    ),
    open(
        "cc-by",
        "Creative Commons Attribution",
        "Creative Commons Ghi công",
        "http://www.opendefinition.org/licenses/cc-by",
        false,
    ),
    open(
        "cc-by-sa",
        "Creative Commons Attribution Share-Alike",
        "Creative Commons Ghi công – Chia sẻ tương tự",
        "http://www.opendefinition.org/licenses/cc-by-sa",
        false,
    ),
    open(
        "odc-by",
        "Open Data Commons Attribution License",
        "Giấy phép ghi công Open Data Commons",
        "http://www.opendefinition.org/licenses/odc-by",
        false,
    ),
    open(
        "odc-pddl",
        "Open Data Commons Public Domain Dedication and License (PDDL)",
        "Giấy phép phạm vi công cộng Open Data Commons (PDDL)",
        "http://www.opendefinition.org/licenses/odc-pddl",
        false,
    ),
    open("other-open", "Other (Open)", "Giấy phép mở khác", "", true),
    open("other-pd", "Other (Public Domain)", "Phạm vi công cộng khác", "", true),
    open("other-at", "Other (Attribution)", "Giấy phép ghi công khác", "", true),
    closed(
        "cc-nc",
        "Creative Commons Non-Commercial (Any)",
        "Creative Commons Phi thương mại",
        "http://creativecommons.org/licenses/by-nc/2.0/",
    ),
    closed("other-nc", "Other (Non-Commercial)", "Giấy phép phi thương mại khác", ""),
    closed("other-closed", "Other (Not Open)", "Giấy phép không mở khác", ""),
    closed("notspecified", "License not specified", "Chưa xác định giấy phép", ""),
];

/// Looks up a licence by id.
pub fn find(id: &str) -> Option<&'static License> {
    LICENSES.iter().find(|l| l.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_required_ones_exist() {
        let mut ids: Vec<_> = LICENSES.iter().map(|l| l.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), LICENSES.len());
        for id in ["cc-by-4.0", "cc-zero", "odc-odbl", "vn-odl-1.0", "other-open", "other-closed"] {
            assert!(find(id).is_some(), "{id}");
        }
        assert!(find("cc-by-4.0").unwrap().is_okd_compliant);
        assert!(!find("other-closed").unwrap().is_okd_compliant);
    }
}
