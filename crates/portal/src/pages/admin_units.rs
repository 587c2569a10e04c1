//! `/admin-units`: Viet Nam's administrative units as master data — the 34
//! provinces since 1 July 2025 on a map and in a table, each province's
//! communes, and the 63 legacy provinces with what they became. Facts
//! from `kho-admin-units`; nothing here is private.

use crate::i18n::Tr;
use crate::{Html, Layout, Portal, Visitor, render};
use askama::Template;
use kho_admin_units::communes::{VALID_FROM_2025, legacy_districts};
use kho_admin_units::{communes, legacy_provinces, legacy_wards, provinces};
use kho_charts::{Chart, ChartKind};
use kho_core::{Error, Result};

/// A row of the provinces table.
pub struct ProvinceRow {
    pub code: u32,
    pub name: String,
    pub kind: String,
    pub communes: usize,
    /// Legacy provinces it was formed from (or, for a legacy province,
    /// the 2025 provinces it went to).
    pub related: String,
}

#[derive(Template)]
#[template(path = "admin_units.html")]
struct ListView {
    page: Layout,
    legacy: bool,
    map_svg: String,
    rows: Vec<ProvinceRow>,
    communes: usize,
    legacy_counts: (usize, usize, usize),
    valid_from: &'static str,
}

#[derive(Template)]
#[template(path = "admin_unit.html")]
struct ProvinceView {
    page: Layout,
    code: u32,
    name: String,
    kind: String,
    formed_from: String,
    /// `(code, name, type)`.
    communes: Vec<(u32, String, String)>,
    q: String,
    valid_from: &'static str,
}

impl Portal {
    /// `/admin-units` (with `?legacy=1`, the provinces before 1 July 2025).
    pub async fn admin_units_page(&self, v: &Visitor, query: &str) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let legacy = form_urlencoded::parse(query.as_bytes()).any(|(k, val)| k == "legacy" && val != "0");
        let rows: Vec<ProvinceRow> = if legacy {
            legacy_provinces()
                .iter()
                .map(|p| ProvinceRow {
                    code: p.code,
                    name: p.name.clone(),
                    kind: p.division_type.label().to_string(),
                    communes: legacy_wards().iter().filter(|w| w.province_code == p.code).count(),
                    related: p
                        .new_codes
                        .iter()
                        .filter_map(|c| provinces().iter().find(|n| n.code == *c))
                        .map(|n| n.name.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
                .collect()
        } else {
            provinces()
                .iter()
                .map(|p| ProvinceRow {
                    code: p.code,
                    name: p.name.clone(),
                    kind: p.division_type.label().to_string(),
                    communes: communes().iter().filter(|c| c.province_code == p.code).count(),
                    related: legacy_provinces()
                        .iter()
                        .filter(|l| l.new_codes.contains(&p.code))
                        .map(|l| l.short_name.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
                .collect()
        };
        let mut map = Chart::new(ChartKind::Map, tr.t("au-map-title"));
        map.description = tr.t("au-map-desc");
        map.y_label = tr.t("au-communes");
        map.x_label = tr.t("au-province");
        map.locale = v.lang.into();
        map.id_prefix = "au-map".into();
        map.points = provinces()
            .iter()
            .map(|p| (p.code.to_string(), communes().iter().filter(|c| c.province_code == p.code).count() as f64))
            .collect();
        let title = tr.t(if legacy { "au-title-legacy" } else { "au-title" });
        let view = ListView {
            page: self.layout(v, title, "admin-units"),
            legacy,
            map_svg: kho_charts::render(&map),
            rows,
            communes: communes().len(),
            legacy_counts: (legacy_provinces().len(), legacy_districts().len(), legacy_wards().len()),
            valid_from: VALID_FROM_2025,
        };
        Ok(Html { body: render(&view), public: true })
    }

    /// `/admin-units/{code}`: a province and its communes (`?q=` filters
    /// them by name, with or without diacritics).
    pub async fn admin_unit_page(&self, v: &Visitor, code: &str, query: &str) -> Result<Html> {
        let p = kho_admin_units::find_province(code)
            .ok_or_else(|| Error::not_found(format!("No province \"{code}\" since 1 July 2025")))?;
        let q: String = form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "q")
            .map(|(_, val)| val.trim().chars().take(100).collect())
            .unwrap_or_default();
        let folded = kho_admin_units::fold(&q);
        let list = communes()
            .iter()
            .filter(|c| c.province_code == p.code)
            .filter(|c| folded.is_empty() || kho_admin_units::fold(&c.name).contains(&folded))
            .map(|c| (c.code, c.name.clone(), c.division_type.clone()))
            .collect();
        let formed_from = legacy_provinces()
            .iter()
            .filter(|l| l.new_codes.contains(&p.code))
            .map(|l| l.name.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let view = ProvinceView {
            page: self.layout(v, p.name.clone(), "admin-units"),
            code: p.code,
            name: p.name.clone(),
            kind: p.division_type.label().to_string(),
            formed_from,
            communes: list,
            q,
            valid_from: VALID_FROM_2025,
        };
        Ok(Html { body: render(&view), public: true })
    }
}
