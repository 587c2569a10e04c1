//! Actions over Viet Nam's administrative units (master data shipped in
//! `kho-admin-units`): `admin_unit_list`, `admin_unit_show` and
//! `admin_unit_convert`. Public facts: no permission is needed, and no
//! database is read.

use crate::{Catalog, Error, Result};
use kho_admin_units::communes::{
    Found, LEGACY_VALID_UNTIL, LegacyDistrict, LegacyWard, VALID_FROM_2025, commune, find_legacy_district,
    find_legacy_ward, legacy_district, legacy_districts,
};
use kho_admin_units::{
    Commune, Conversion, Era, LegacyProvince, Level, Options, Province, communes, convert, find_commune,
    find_legacy_province, find_province, legacy_provinces, legacy_wards, provinces,
};
use kho_core::input::Fields;
use serde_json::{Value, json};

fn province_json(p: &Province) -> Value {
    json!({
        "code": p.code, "name": p.name, "short_name": p.short_name, "level": "province",
        "division_type": p.division_type.label(), "codename": p.codename,
        "valid_from": VALID_FROM_2025, "valid_until": null, "legacy": false,
    })
}

fn commune_json(c: &Commune) -> Value {
    let province = provinces().iter().find(|p| p.code == c.province_code);
    json!({
        "code": c.code, "name": c.name, "short_name": c.short_name, "level": "commune",
        "division_type": c.division_type, "codename": c.codename,
        "province_code": c.province_code, "province_name": province.map(|p| p.name.as_str()),
        "valid_from": VALID_FROM_2025, "valid_until": null, "legacy": false,
    })
}

fn brief(code: u32, name: &str) -> Value {
    json!({"code": code, "name": name})
}

fn legacy_province_json(p: &LegacyProvince) -> Value {
    let to: Vec<Value> = p
        .new_codes
        .iter()
        .filter_map(|c| provinces().iter().find(|n| n.code == *c))
        .map(|n| brief(n.code, &n.name))
        .collect();
    json!({
        "code": p.code, "name": p.name, "short_name": p.short_name, "level": "province",
        "division_type": p.division_type.label(), "valid_from": null, "valid_until": LEGACY_VALID_UNTIL,
        "legacy": true, "converted_to": to,
    })
}

fn legacy_district_json(d: &LegacyDistrict) -> Value {
    json!({
        "code": d.code, "name": d.name, "short_name": d.short_name, "level": "district",
        "division_type": d.division_type, "province_code": d.province_code,
        "valid_from": null, "valid_until": LEGACY_VALID_UNTIL, "legacy": true,
    })
}

fn legacy_ward_json(w: &LegacyWard) -> Value {
    let to: Vec<Value> = w.new_codes.iter().filter_map(|c| commune(*c)).map(|c| brief(c.code, &c.name)).collect();
    json!({
        "code": w.code, "name": w.name, "short_name": w.short_name, "level": "commune",
        "division_type": w.division_type, "district_code": w.district_code, "province_code": w.province_code,
        "valid_from": null, "valid_until": LEGACY_VALID_UNTIL, "legacy": true,
        "converted_to": to, "partly_merged": w.partly_merged,
    })
}

/// The conversion of a label, as the API returns it.
pub fn conversion_json(c: &Conversion) -> Value {
    json!({
        "status": c.status.name(),
        "province": c.province.map(|p| brief(p.code, &p.name)),
        "commune": c.commune.map(|x| brief(x.code, &x.name)),
        "candidates": c.candidates.iter().map(|(code, name)| brief(*code, name)).collect::<Vec<_>>(),
        "note": c.note,
    })
}

/// The level a request names: `province` (default), `district` (legacy
/// only) or `commune`.
fn level(f: &mut Fields) -> Result<&'static str> {
    match f.text("level", 20).as_deref().unwrap_or("province") {
        "province" | "tinh" => Ok("province"),
        "district" | "huyen" => Ok("district"),
        "commune" | "ward" | "xa" => Ok("commune"),
        other => Err(Error::field("level", format!("\"{other}\" is not province, district or commune"))),
    }
}

fn ambiguous<T>(hits: &[&T], name: impl Fn(&T) -> String) -> Error {
    let names: Vec<String> = hits.iter().take(10).map(|h| name(h)).collect();
    Error::field(
        "id",
        format!("{} units have this name ({}); give the code, or the province", hits.len(), names.join("; ")),
    )
}

impl Catalog {
    /// `admin_unit_list`: the units of a level (`province`, `district`,
    /// `commune`), current or `legacy`, optionally in one `province` (its
    /// code) and matching `q` (words of the name, with or without
    /// diacritics); `limit` (default 100, at most 5,000) and `offset`.
    pub fn admin_unit_list(&self, mut f: Fields) -> Result<Value> {
        let level = level(&mut f)?;
        let legacy = f.bool("legacy").unwrap_or(false);
        let province = f.int("province");
        let q = f.text("q", 200).map(|q| kho_admin_units::fold(&q));
        let limit = f.int("limit").unwrap_or(100).clamp(0, 5000) as usize;
        let offset = f.int("offset").unwrap_or(0).max(0) as usize;
        f.take_errors().into_result()?;
        let in_province = |code: u32| province.is_none_or(|p| i64::from(code) == p);
        let named = |name: &str| q.as_deref().is_none_or(|q| kho_admin_units::fold(name).contains(q));
        let all: Vec<Value> = match (level, legacy) {
            ("province", false) => provinces().iter().filter(|p| named(&p.name)).map(province_json).collect(),
            ("province", true) => {
                legacy_provinces().iter().filter(|p| named(&p.name)).map(legacy_province_json).collect()
            }
            ("district", true) => legacy_districts()
                .iter()
                .filter(|d| in_province(d.province_code) && named(&d.name))
                .map(legacy_district_json)
                .collect(),
            ("district", false) => {
                return Err(Error::field("level", "Districts were abolished on 1 July 2025: ask with legacy=true"));
            }
            ("commune", false) => {
                communes().iter().filter(|c| in_province(c.province_code) && named(&c.name)).map(commune_json).collect()
            }
            _ => legacy_wards()
                .iter()
                .filter(|w| in_province(w.province_code) && named(&w.name))
                .map(legacy_ward_json)
                .collect(),
        };
        let count = all.len();
        let results: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
        Ok(json!({"count": count, "results": results}))
    }

    /// `admin_unit_show`: one unit by `id` (its code, or its name with or
    /// without diacritics), at `level`, current or `legacy`; a province
    /// lists its communes and the legacy provinces it was formed from.
    pub fn admin_unit_show(&self, mut f: Fields) -> Result<Value> {
        let level = level(&mut f)?;
        let legacy = f.bool("legacy").unwrap_or(false);
        let province = f.int("province").map(|p| p as u32);
        let id = f.text("id", 300).ok_or_else(|| Error::field("id", "Missing value"))?;
        f.take_errors().into_result()?;
        let missing = || {
            Error::not_found(format!(
                "No {}administrative unit \"{id}\" at level {level}",
                if legacy { "legacy " } else { "" }
            ))
        };
        Ok(match (level, legacy) {
            ("province", false) => {
                let p = find_province(&id).ok_or_else(missing)?;
                let mut v = province_json(p);
                v["communes"] = communes().iter().filter(|c| c.province_code == p.code).map(commune_json).collect();
                v["formed_from"] = legacy_provinces()
                    .iter()
                    .filter(|l| l.new_codes.contains(&p.code))
                    .map(|l| brief(l.code, &l.name))
                    .collect();
                v
            }
            ("province", true) => legacy_province_json(find_legacy_province(&id).ok_or_else(missing)?),
            ("district", true) => match find_legacy_district(&id, province) {
                Found::One(d) => legacy_district_json(d),
                Found::Ambiguous(h) => {
                    return Err(ambiguous(&h, |d: &LegacyDistrict| format!("{} {}", d.code, d.name)));
                }
                Found::None => return Err(missing()),
            },
            ("district", false) => {
                return Err(Error::field("level", "Districts were abolished on 1 July 2025: ask with legacy=true"));
            }
            ("commune", false) => match find_commune(&id, province) {
                Found::One(c) => {
                    let mut v = commune_json(c);
                    v["formed_from"] = legacy_wards()
                        .iter()
                        .filter(|w| w.new_codes.contains(&c.code))
                        .map(|w| {
                            let mut b = brief(w.code, &w.name);
                            b["partly"] = json!(w.new_codes.len() > 1);
                            b["district"] = json!(legacy_district(w.district_code).map(|d| d.name.as_str()));
                            b
                        })
                        .collect();
                    v
                }
                Found::Ambiguous(h) => return Err(ambiguous(&h, |c: &Commune| format!("{} {}", c.code, c.name))),
                Found::None => return Err(missing()),
            },
            _ => match find_legacy_ward(&id, None, province) {
                Found::One(w) => legacy_ward_json(w),
                Found::Ambiguous(h) => return Err(ambiguous(&h, |w: &LegacyWard| format!("{} {}", w.code, w.name))),
                Found::None => return Err(missing()),
            },
        })
    }

    /// `admin_unit_convert`: what the 2025 units are for a label of either
    /// era (`q`: a province, or "ward, district, province"), with `from`
    /// (`auto`, `2025`, `legacy`) and `level` (`auto`, `province`,
    /// `commune`) to read bare codes.
    pub fn admin_unit_convert(&self, mut f: Fields) -> Result<Value> {
        let q = f.text("q", 300).or_else(|| f.text("id", 300)).ok_or_else(|| Error::field("q", "Missing value"))?;
        let era = match f.text("from", 10).as_deref().unwrap_or("auto") {
            "auto" => Era::Auto,
            "2025" => Era::Current,
            "legacy" => Era::Legacy,
            other => return Err(Error::field("from", format!("\"{other}\" is not auto, 2025 or legacy"))),
        };
        let level = match f.text("level", 10).as_deref().unwrap_or("auto") {
            "auto" => Level::Auto,
            "province" => Level::Province,
            "commune" => Level::Commune,
            other => return Err(Error::field("level", format!("\"{other}\" is not auto, province or commune"))),
        };
        f.take_errors().into_result()?;
        let mut v = conversion_json(&convert(&q, Options { era, level }));
        v["q"] = Value::String(q);
        Ok(v)
    }
}
