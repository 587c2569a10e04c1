//! Communes (xã, phường, đặc khu) in force since 1 July 2025, the wards and
//! districts before it, and the official conversion from old wards to new
//! communes.
//!
//! Commune names repeat across the country (243 names belong to more than
//! one commune; "Phường 1" to dozens of legacy wards), so a name is matched
//! within its province (2025) or district (legacy) when the label or the
//! caller gives one, and is ambiguous otherwise. Codes are unique.

use crate::{DataError, compact, fold_with, records};
use std::collections::HashMap;
use std::sync::LazyLock;

const WARDS_2025_CSV: &str = include_str!("../data/wards_2025.csv");
const WARDS_LEGACY_CSV: &str = include_str!("../data/wards_legacy.csv");
const DISTRICTS_LEGACY_CSV: &str = include_str!("../data/districts_legacy.csv");
const WARD_CONVERSION_CSV: &str = include_str!("../data/ward_conversion_2025.csv");

/// The date the 2025 units came into force (ISO 8601).
pub const VALID_FROM_2025: &str = "2025-07-01";
/// The last day the legacy units were in force.
pub const LEGACY_VALID_UNTIL: &str = "2025-06-30";

/// A commune-level unit in force since 1 July 2025.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commune {
    /// The official code, unique nationwide.
    pub code: u32,
    /// "Phường Ba Đình", "Xã Tân Phú", "Đặc khu Phú Quốc".
    pub name: String,
    /// `phường`, `xã` or `đặc khu`.
    pub division_type: String,
    /// The ASCII identifier of the official list.
    pub codename: String,
    /// The 2025 province it belongs to.
    pub province_code: u32,
    /// The name without its type ("Ba Đình").
    pub short_name: String,
}

/// A district before 1 July 2025 (districts were abolished then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyDistrict {
    /// The official code before the reform.
    pub code: u32,
    /// "Quận Ba Đình", "Huyện Mê Linh", "Thị xã Sơn Tây".
    pub name: String,
    /// `quận`, `huyện`, `thị xã` or `thành phố`.
    pub division_type: String,
    /// The legacy province it belonged to.
    pub province_code: u32,
    /// The name without its type ("Ba Đình").
    pub short_name: String,
}

/// A ward or commune before 1 July 2025.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyWard {
    /// The official code before the reform, unique nationwide.
    pub code: u32,
    /// "Phường Phúc Xá", "Xã Tân Phú", "Thị trấn Đông Anh".
    pub name: String,
    /// `phường`, `xã` or `thị trấn`.
    pub division_type: String,
    /// The legacy district it belonged to.
    pub district_code: u32,
    /// The legacy province (through its district).
    pub province_code: u32,
    /// The name without its type ("Phúc Xá").
    pub short_name: String,
    /// The 2025 communes its territory went to, ascending (empty for the
    /// few wards the official table leaves out).
    pub new_codes: Vec<u32>,
    /// The official table marks it as partly merged: its territory was
    /// divided between several new communes.
    pub partly_merged: bool,
}

/// The result of matching a label against communes or wards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<T: 'static> {
    /// Exactly one unit.
    One(&'static T),
    /// Several units share the name; give a province (or district).
    Ambiguous(Vec<&'static T>),
    /// None.
    None,
}

impl<T> Found<T> {
    /// The unit, if exactly one matched.
    pub fn one(&self) -> Option<&'static T> {
        match self {
            Found::One(t) => Some(t),
            _ => None,
        }
    }
}

struct Data {
    communes: Vec<Commune>,
    commune_by_code: HashMap<u32, usize>,
    /// Name key → positions (several across provinces).
    commune_by_name: HashMap<String, Vec<usize>>,
    districts: Vec<LegacyDistrict>,
    district_by_code: HashMap<u32, usize>,
    district_by_name: HashMap<String, Vec<usize>>,
    wards: Vec<LegacyWard>,
    ward_by_code: HashMap<u32, usize>,
    ward_by_name: HashMap<String, Vec<usize>>,
}

// Parsed by `tests::commune_data_loads`, so this cannot fail in a build
// whose tests pass.
static DATA: LazyLock<Data> =
    LazyLock::new(|| load().expect("embedded commune CSV files are valid (checked by tests)"));

/// Type words that open a unit's name, longest first.
const TYPES: &[&str] = &[
    "thanh pho",
    "thi tran",
    "thi xa",
    "dac khu",
    "phuong",
    "huyen",
    "quan",
    "xa",
    "tx",
    "tt",
    "tp",
    "p",
    "x",
    "q",
    "h",
];

/// The name without its type word ("Phường Ba Đình" → "Ba Đình").
fn strip_type(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    for n in [2, 1] {
        if words.len() > n {
            let head = fold_with(&words[..n].join(" "), false);
            if TYPES.contains(&head.as_str()) {
                return words[n..].join(" ");
            }
        }
    }
    name.to_string()
}

/// A name with its diacritics (lowercase, NFC, without spaces and
/// punctuation), marked apart from folded keys: "Văn Lang" and "Vân Lăng"
/// share a folded key in one province, so spellings with diacritics are
/// matched exactly first.
fn exact_key(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut k = String::from("=");
    k.extend(
        s.nfc().flat_map(char::to_lowercase).filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '_' | ',')),
    );
    k
}

/// The keys a unit is found under: its name and its name without the
/// type, with diacritics and folded.
fn keys(name: &str) -> Vec<String> {
    let short = strip_type(name);
    let mut out = Vec::new();
    for k in [exact_key(name), exact_key(&short), compact(&fold_with(name, true)), compact(&fold_with(&short, true))] {
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// The keys of a label, most specific first: the whole label with its
/// diacritics, then folded; then without its type word ("Xã"), with
/// diacritics, then folded. (A type word that is there is kept as long as
/// anything matches with it: "xa thanh an" is the xã, not the thị trấn.)
fn label_keys(label: &str) -> Vec<String> {
    let mut out = vec![exact_key(label), compact(&fold_with(label, true))];
    let words: Vec<&str> = label.split_whitespace().collect();
    for n in [2, 1] {
        if words.len() > n && TYPES.contains(&fold_with(&words[..n].join(" "), false).as_str()) {
            let rest = words[n..].join(" ");
            out.push(exact_key(&rest));
            out.push(compact(&fold_with(&rest, true)));
            break;
        }
    }
    out
}

fn num(file: &'static str, record: usize, field: &str, v: &str) -> Result<u32, DataError> {
    v.parse().map_err(|_| DataError::Record { file, record, message: format!("bad {field} {v:?}") })
}

fn load() -> Result<Data, DataError> {
    let mut communes = Vec::new();
    for (record, row) in records(WARDS_2025_CSV)?.into_iter().enumerate() {
        let file = "wards_2025.csv";
        let [code, name, division_type, codename, province_code] = row.as_slice() else {
            return Err(DataError::Record { file, record, message: format!("expected 5 fields, found {}", row.len()) });
        };
        communes.push(Commune {
            code: num(file, record, "code", code)?,
            short_name: strip_type(name),
            name: name.clone(),
            division_type: division_type.clone(),
            codename: codename.clone(),
            province_code: num(file, record, "province code", province_code)?,
        });
    }
    communes.sort_by_key(|c| c.code);
    let mut districts = Vec::new();
    for (record, row) in records(DISTRICTS_LEGACY_CSV)?.into_iter().enumerate() {
        let file = "districts_legacy.csv";
        let [code, name, division_type, province_code] = row.as_slice() else {
            return Err(DataError::Record { file, record, message: format!("expected 4 fields, found {}", row.len()) });
        };
        districts.push(LegacyDistrict {
            code: num(file, record, "code", code)?,
            short_name: strip_type(name),
            name: name.clone(),
            division_type: division_type.clone(),
            province_code: num(file, record, "province code", province_code)?,
        });
    }
    districts.sort_by_key(|d| d.code);
    let district_by_code: HashMap<u32, usize> = districts.iter().enumerate().map(|(i, d)| (d.code, i)).collect();
    let mut conversion: HashMap<u32, (Vec<u32>, bool)> = HashMap::new();
    for (record, row) in records(WARD_CONVERSION_CSV)?.into_iter().enumerate() {
        let file = "ward_conversion_2025.csv";
        let [old, _district, _province, partly, new, _new_province] = row.as_slice() else {
            return Err(DataError::Record { file, record, message: format!("expected 6 fields, found {}", row.len()) });
        };
        let entry = conversion.entry(num(file, record, "old ward code", old)?).or_default();
        entry.0.push(num(file, record, "new ward code", new)?);
        entry.1 |= partly == "1";
    }
    let mut wards = Vec::new();
    for (record, row) in records(WARDS_LEGACY_CSV)?.into_iter().enumerate() {
        let file = "wards_legacy.csv";
        let [code, name, division_type, district_code] = row.as_slice() else {
            return Err(DataError::Record { file, record, message: format!("expected 4 fields, found {}", row.len()) });
        };
        let code = num(file, record, "code", code)?;
        let district_code = num(file, record, "district code", district_code)?;
        let province_code = district_by_code
            .get(&district_code)
            .map(|&i| districts[i].province_code)
            .ok_or_else(|| DataError::Record { file, record, message: format!("unknown district {district_code}") })?;
        let (mut new_codes, partly_merged) = conversion.remove(&code).unwrap_or_default();
        new_codes.sort_unstable();
        new_codes.dedup();
        wards.push(LegacyWard {
            code,
            short_name: strip_type(name),
            name: name.clone(),
            division_type: division_type.clone(),
            district_code,
            province_code,
            new_codes,
            partly_merged,
        });
    }
    wards.sort_by_key(|w| w.code);
    let index = |names: Vec<&String>| {
        let mut by: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, name) in names.into_iter().enumerate() {
            for k in keys(name) {
                let v = by.entry(k).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        by
    };
    Ok(Data {
        commune_by_code: communes.iter().enumerate().map(|(i, c)| (c.code, i)).collect(),
        commune_by_name: index(communes.iter().map(|c| &c.name).collect()),
        district_by_name: index(districts.iter().map(|d| &d.name).collect()),
        ward_by_code: wards.iter().enumerate().map(|(i, w)| (w.code, i)).collect(),
        ward_by_name: index(wards.iter().map(|w| &w.name).collect()),
        communes,
        districts,
        district_by_code,
        wards,
    })
}

/// The 3,321 communes in force since 1 July 2025, by code.
pub fn communes() -> &'static [Commune] {
    &DATA.communes
}

/// The 696 districts before 1 July 2025, by code.
pub fn legacy_districts() -> &'static [LegacyDistrict] {
    &DATA.districts
}

/// The 10,051 wards and communes before 1 July 2025, by code.
pub fn legacy_wards() -> &'static [LegacyWard] {
    &DATA.wards
}

/// The 2025 commune with `code`.
pub fn commune(code: u32) -> Option<&'static Commune> {
    DATA.commune_by_code.get(&code).and_then(|&i| DATA.communes.get(i))
}

/// The legacy ward with `code`.
pub fn legacy_ward(code: u32) -> Option<&'static LegacyWard> {
    DATA.ward_by_code.get(&code).and_then(|&i| DATA.wards.get(i))
}

/// The legacy district with `code`.
pub fn legacy_district(code: u32) -> Option<&'static LegacyDistrict> {
    DATA.district_by_code.get(&code).and_then(|&i| DATA.districts.get(i))
}

fn digits(label: &str) -> Option<u32> {
    let t = label.trim();
    (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten()
}

fn pick<T>(
    all: &'static [T],
    by_name: &HashMap<String, Vec<usize>>,
    label: &str,
    keep: impl Fn(&T) -> bool,
) -> Found<T> {
    for key in label_keys(label) {
        if let Some(positions) = by_name.get(&key) {
            let hits: Vec<&'static T> = positions.iter().filter_map(|&i| all.get(i)).filter(|t| keep(t)).collect();
            match hits.len() {
                0 => continue,
                1 => return Found::One(hits[0]),
                _ => return Found::Ambiguous(hits),
            }
        }
    }
    Found::None
}

/// The 2025 commune `label` names: its code, or its name with or without
/// diacritics and type word ("Phường Ba Đình", "ba dinh"), within
/// `province` when given.
pub fn find_commune(label: &str, province: Option<u32>) -> Found<Commune> {
    if let Some(code) = digits(label) {
        return match commune(code) {
            Some(c) if province.is_none_or(|p| p == c.province_code) => Found::One(c),
            _ => Found::None,
        };
    }
    pick(&DATA.communes, &DATA.commune_by_name, label, |c| province.is_none_or(|p| p == c.province_code))
}

/// The legacy district `label` names, within legacy `province` when given.
pub fn find_legacy_district(label: &str, province: Option<u32>) -> Found<LegacyDistrict> {
    if let Some(code) = digits(label) {
        return legacy_district(code)
            .filter(|d| province.is_none_or(|p| p == d.province_code))
            .map_or(Found::None, Found::One);
    }
    pick(&DATA.districts, &DATA.district_by_name, label, |d| province.is_none_or(|p| p == d.province_code))
}

/// The legacy ward `label` names, within a legacy district and/or
/// province when given.
pub fn find_legacy_ward(label: &str, district: Option<u32>, province: Option<u32>) -> Found<LegacyWard> {
    let keep =
        |w: &LegacyWard| district.is_none_or(|d| d == w.district_code) && province.is_none_or(|p| p == w.province_code);
    if let Some(code) = digits(label) {
        return legacy_ward(code).filter(|w| keep(w)).map_or(Found::None, Found::One);
    }
    pick(&DATA.wards, &DATA.ward_by_name, label, keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold;

    /// Without diacritics a name may stand for several units ("Văn Lang"
    /// and "Vân Lăng" in one province): the unit is among those found, or
    /// the one found is spelled that way.
    fn matches_folded<T: PartialEq>(found: &Found<T>, want: &T, name: impl Fn(&T) -> &String) -> bool {
        match found {
            Found::One(x) => *x == want || fold(name(x)) == fold(name(want)),
            Found::Ambiguous(h) => h.contains(&want),
            Found::None => false,
        }
    }

    #[test]
    fn commune_data_loads() {
        let d = load().unwrap();
        assert_eq!((d.communes.len(), d.districts.len(), d.wards.len()), (3321, 696, 10051));
        // Every commune is in a 2025 province, every ward in a legacy one.
        assert!(d.communes.iter().all(|c| crate::provinces().iter().any(|p| p.code == c.province_code)));
        assert!(d.wards.iter().all(|w| crate::legacy_provinces().iter().any(|p| p.code == w.province_code)));
        // Every converted ward points at existing communes.
        assert!(d.wards.iter().flat_map(|w| &w.new_codes).all(|c| d.commune_by_code.contains_key(c)));
        let listed: std::collections::HashSet<String> =
            records(WARD_CONVERSION_CSV).unwrap().into_iter().map(|r| r[0].clone()).collect();
        let left_out = d.wards.iter().filter(|w| !listed.contains(&w.code.to_string())).count();
        assert_eq!(d.wards.iter().filter(|w| w.new_codes.is_empty()).count(), left_out);
        assert!(left_out < 50, "{left_out} wards left out of the table");
        assert_eq!(d.communes.iter().filter(|c| c.division_type == "đặc khu").count(), 13);
    }

    #[test]
    fn every_commune_is_found_by_code_and_by_name_in_its_province() {
        for c in communes() {
            assert_eq!(find_commune(&c.code.to_string(), None).one(), Some(c));
            for label in [c.name.clone(), c.short_name.clone(), c.name.to_uppercase()] {
                assert_eq!(find_commune(&label, Some(c.province_code)).one(), Some(c), "{label}");
            }
            for label in [fold(&c.name), fold(&c.short_name)] {
                assert!(matches_folded(&find_commune(&label, Some(c.province_code)), c, |x| &x.name), "{label}");
            }
        }
    }

    #[test]
    fn names_shared_across_provinces_are_ambiguous_without_one() {
        let hits = match find_commune("Xã Tân Phú", None) {
            Found::Ambiguous(h) => h,
            other => panic!("{other:?}"),
        };
        assert!(hits.len() > 1);
        let p = hits[0].province_code;
        assert_eq!(find_commune("tan phu", Some(p)).one().map(|c| c.province_code), Some(p));
        assert_eq!(find_commune("Atlantis", None), Found::None);
        assert_eq!(find_commune("4", Some(79)), Found::None, "a code outside the given province");
    }

    #[test]
    fn every_legacy_ward_is_found_by_code_and_by_name_in_its_district() {
        for w in legacy_wards() {
            assert_eq!(find_legacy_ward(&w.code.to_string(), None, None).one(), Some(w));
            // The legacy list has a few names twice in one district
            // (16387 and 16408, "Xã Đông Khê"): those stay ambiguous.
            let twins =
                legacy_wards().iter().filter(|x| x.district_code == w.district_code && x.name == w.name).count();
            if twins > 1 {
                assert!(matches!(find_legacy_ward(&w.name, Some(w.district_code), None), Found::Ambiguous(_)));
                continue;
            }
            assert_eq!(find_legacy_ward(&w.name, Some(w.district_code), None).one(), Some(w), "{}", w.name);
            let folded = fold(&w.name);
            assert!(
                matches_folded(&find_legacy_ward(&folded, Some(w.district_code), None), w, |x| &x.name),
                "{folded}"
            );
        }
        for d in legacy_districts() {
            assert_eq!(find_legacy_district(&d.name, Some(d.province_code)).one(), Some(d), "{}", d.name);
        }
    }

    #[test]
    fn conversion_follows_the_official_table() {
        // Every row of the table is reflected, split wards included.
        let mut rows = 0;
        let mut split = 0;
        let mut unlisted = 0;
        for r in records(WARD_CONVERSION_CSV).unwrap() {
            rows += 1;
            let (old, new): (u32, u32) = (r[0].parse().unwrap(), r[4].parse().unwrap());
            // The table names a few old codes the legacy list lacks.
            let Some(w) = legacy_ward(old) else {
                unlisted += 1;
                continue;
            };
            assert!(w.new_codes.contains(&new), "{old} → {new}");
            if w.new_codes.len() > 1 {
                split += 1;
            }
        }
        assert_eq!(rows, 10_565);
        assert!(unlisted < 20, "{unlisted} rows name unknown old wards");
        assert!(split > 0);
        // Phúc Xá (Ba Đình, Hà Nội) went whole to one commune of Hà Nội.
        let phuc_xa = legacy_ward(1).unwrap();
        assert_eq!(phuc_xa.name, "Phường Phúc Xá");
        assert_eq!(phuc_xa.new_codes.len(), 1);
        assert_eq!(commune(phuc_xa.new_codes[0]).unwrap().province_code, 1);
    }
}
