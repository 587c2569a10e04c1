//! Converting a label written for the units of either era (a province, or
//! a ward with its district and province: "Phường Phúc Xá, Quận Ba Đình,
//! Hà Nội") to the units in force since 1 July 2025, with the official
//! tables. A unit whose territory went to several new units is reported
//! as split, with the candidates, never guessed.

use crate::communes::{Commune, Found, LegacyWard, commune, find_commune, find_legacy_district, find_legacy_ward};
use crate::{LegacyProvince, Province, find_legacy_province, find_province, provinces};

/// How a label relates to the 2025 units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// It names a unit in force since 1 July 2025.
    Exact,
    /// It names a legacy unit that went whole into one 2025 unit.
    Converted,
    /// It names a legacy unit divided between several 2025 units.
    Split,
    /// It names nothing known, or several units alike.
    Unknown,
}

impl Status {
    /// `exact`, `converted`, `split` or `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Exact => "exact",
            Status::Converted => "converted",
            Status::Split => "split",
            Status::Unknown => "unknown",
        }
    }
}

/// Which era a label's codes belong to (names tell by themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Era {
    /// 2025 units first, then legacy ones. A number that is both a 2025
    /// and a legacy code reads as 2025.
    #[default]
    Auto,
    /// Only units in force since 1 July 2025.
    Current,
    /// Only units before 1 July 2025.
    Legacy,
}

/// The 2025 units a label stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    /// Exact, converted, split or unknown.
    pub status: Status,
    /// The 2025 province, when certain (also for a ward split within one
    /// province).
    pub province: Option<&'static Province>,
    /// The commune, when the label named one (or a ward that went to one).
    pub commune: Option<&'static Commune>,
    /// For a split unit, the 2025 units its territory went to:
    /// `(code, name)`, communes or provinces.
    pub candidates: Vec<(u32, String)>,
    /// Why, when the status alone does not say.
    pub note: Option<String>,
}

impl Conversion {
    fn unknown(note: impl Into<String>) -> Conversion {
        Conversion {
            status: Status::Unknown,
            province: None,
            commune: None,
            candidates: Vec::new(),
            note: Some(note.into()),
        }
    }

    fn exact_province(p: &'static Province) -> Conversion {
        Conversion { status: Status::Exact, province: Some(p), commune: None, candidates: Vec::new(), note: None }
    }

    fn exact_commune(c: &'static Commune) -> Conversion {
        Conversion {
            status: Status::Exact,
            province: province(c.province_code),
            commune: Some(c),
            candidates: Vec::new(),
            note: None,
        }
    }

    fn from_legacy_province(p: &'static LegacyProvince) -> Conversion {
        match p.new_codes.as_slice() {
            [one] => Conversion {
                status: Status::Converted,
                province: province(*one),
                commune: None,
                candidates: Vec::new(),
                note: None,
            },
            many => Conversion {
                status: Status::Split,
                province: None,
                commune: None,
                candidates: many.iter().filter_map(|&c| province(c)).map(|p| (p.code, p.name.clone())).collect(),
                note: Some(format!("{} was divided between {} provinces", p.name, many.len())),
            },
        }
    }

    fn from_legacy_ward(w: &'static LegacyWard) -> Conversion {
        match w.new_codes.as_slice() {
            [] => Conversion::unknown(format!("{} is not in the official conversion table", w.name)),
            [one] => {
                let c = commune(*one);
                Conversion {
                    status: Status::Converted,
                    province: c.and_then(|c| province(c.province_code)),
                    commune: c,
                    candidates: Vec::new(),
                    note: None,
                }
            }
            many => {
                let candidates: Vec<&Commune> = many.iter().filter_map(|&c| commune(c)).collect();
                // All parts in one province: that much is certain.
                let first = candidates.first().map(|c| c.province_code);
                let same = candidates.iter().all(|c| Some(c.province_code) == first);
                Conversion {
                    status: Status::Split,
                    province: if same { first.and_then(province) } else { None },
                    commune: None,
                    candidates: candidates.iter().map(|c| (c.code, c.name.clone())).collect(),
                    note: Some(format!("{} was divided between {} communes", w.name, many.len())),
                }
            }
        }
    }
}

fn province(code: u32) -> Option<&'static Province> {
    provinces().iter().find(|p| p.code == code)
}

fn ambiguous<T>(what: &str, hits: &[&T]) -> Conversion {
    Conversion::unknown(format!("{} {what} share this name; add the province", hits.len()))
}

/// Which level a label names, when its form does not tell: a bare number
/// may be a province code and a commune code alike ("4" is Cao Bằng and
/// Phường Ba Đình).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// Provinces first, then communes and wards.
    #[default]
    Auto,
    /// Provinces only.
    Province,
    /// Communes and wards only (a single part is never read as a province).
    Commune,
}

/// How to read labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Which era's codes a number is.
    pub era: Era,
    /// Which level a single part names.
    pub level: Level,
}

/// Converts one label. Parts separated by commas (or semicolons) are read
/// smallest first, as Vietnamese addresses are written: commune or ward,
/// [district,] province.
pub fn convert(label: &str, opts: Options) -> Conversion {
    let parts: Vec<&str> = label.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()).collect();
    let current = opts.era != Era::Legacy;
    let legacy = opts.era != Era::Current;
    let provinces_too = opts.level != Level::Commune;
    let communes_too = opts.level != Level::Province;
    match parts.as_slice() {
        [] => Conversion::unknown("empty"),
        [one] => {
            if current
                && provinces_too
                && let Some(p) = find_province(one)
            {
                return Conversion::exact_province(p);
            }
            if current && communes_too {
                match find_commune(one, None) {
                    Found::One(c) => return Conversion::exact_commune(c),
                    Found::Ambiguous(h) if !legacy => return ambiguous("communes", &h),
                    _ => {}
                }
            }
            if legacy
                && provinces_too
                && let Some(p) = find_legacy_province(one)
            {
                return Conversion::from_legacy_province(p);
            }
            if legacy && communes_too {
                match find_legacy_ward(one, None, None) {
                    Found::One(w) => return Conversion::from_legacy_ward(w),
                    Found::Ambiguous(h) => return ambiguous("wards", &h),
                    Found::None => {}
                }
            }
            if current
                && communes_too
                && let Found::Ambiguous(h) = find_commune(one, None)
            {
                return ambiguous("communes", &h);
            }
            Conversion::unknown("no unit has this name or code")
        }
        [first, rest @ ..] => {
            let Some(last) = rest.last() else { return Conversion::unknown("empty") };
            // A 2025 province with one of its communes.
            if current && let Some(p) = find_province(last) {
                match find_commune(first, Some(p.code)) {
                    Found::One(c) => return Conversion::exact_commune(c),
                    Found::Ambiguous(h) => return ambiguous("communes", &h),
                    Found::None if !legacy => {
                        return Conversion::unknown(format!("{} has no commune \"{first}\"", p.name));
                    }
                    Found::None => {}
                }
            }
            // A legacy province, with a district and a ward in it.
            if legacy && let Some(lp) = find_legacy_province(last) {
                let district = match rest {
                    [d, _] => match find_legacy_district(d, Some(lp.code)) {
                        Found::One(d) => Some(d.code),
                        _ => return Conversion::unknown(format!("{} had no district \"{d}\"", lp.name)),
                    },
                    _ => None,
                };
                return match find_legacy_ward(first, district, Some(lp.code)) {
                    Found::One(w) => Conversion::from_legacy_ward(w),
                    Found::Ambiguous(h) => ambiguous("wards", &h),
                    // "Quận Ba Đình, Hà Nội": a district; its province is certain.
                    Found::None if district.is_none() && find_legacy_district(first, Some(lp.code)).one().is_some() => {
                        let mut c = Conversion::from_legacy_province(lp);
                        c.note = Some(format!("districts were abolished; {first} is converted to its province"));
                        c
                    }
                    Found::None => Conversion::unknown(format!("{} had no ward \"{first}\"", lp.name)),
                };
            }
            if current && let Some(p) = find_province(last) {
                return Conversion::unknown(format!("{} has no commune \"{first}\"", p.name));
            }
            Conversion::unknown(format!("\"{last}\" is not a province"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::communes::{communes, legacy_wards};
    use crate::{fold, legacy_provinces};

    #[test]
    fn current_units_are_exact() {
        for p in provinces() {
            for label in [p.name.clone(), p.short_name.clone(), fold(&p.short_name), p.code.to_string()] {
                let c = convert(&label, Options::default());
                assert_eq!((c.status, c.province.map(|p| p.code)), (Status::Exact, Some(p.code)), "{label}");
            }
        }
        for c in communes() {
            let p = province(c.province_code).unwrap();
            let label = format!("{}, {}", c.name, p.name);
            let got = convert(&label, Options::default());
            assert_eq!((got.status, got.commune), (Status::Exact, Some(c)), "{label}");
            let got = convert(&c.code.to_string(), Options { era: Era::Current, level: Level::Commune });
            assert_eq!(got.commune, Some(c));
        }
    }

    #[test]
    fn legacy_provinces_convert_or_split() {
        for lp in legacy_provinces() {
            let c = convert(&lp.name, Options { era: Era::Legacy, ..Options::default() });
            if lp.new_codes.len() == 1 {
                assert_eq!((c.status, c.province.map(|p| p.code)), (Status::Converted, Some(lp.new_codes[0])));
            } else {
                assert_eq!(c.status, Status::Split, "{}", lp.name);
                assert_eq!(c.candidates.iter().map(|(code, _)| *code).collect::<Vec<_>>(), lp.new_codes);
            }
        }
        // Names that are 2025 provinces too read as exact in auto mode.
        assert_eq!(convert("Hà Nội", Options::default()).status, Status::Exact);
        assert_eq!(convert("Hà Giang", Options::default()).status, Status::Converted);
        assert_eq!(convert("Tỉnh Tiền Giang", Options::default()).status, Status::Split);
        assert_eq!(convert("Tỉnh Bà Rịa - Vũng Tàu", Options::default()).province.map(|p| p.code), Some(79));
    }

    #[test]
    fn every_legacy_ward_converts_as_the_table_says() {
        let mut split = 0;
        for w in legacy_wards() {
            let district = crate::communes::legacy_district(w.district_code).unwrap();
            let lp = legacy_provinces().iter().find(|p| p.code == w.province_code).unwrap();
            let legacy = Options { era: Era::Legacy, level: Level::Commune };
            let by_code = convert(&w.code.to_string(), legacy);
            let by_name = convert(&format!("{}, {}, {}", w.name, district.name, lp.name), legacy);
            let twins =
                legacy_wards().iter().filter(|x| x.district_code == w.district_code && x.name == w.name).count();
            if twins > 1 {
                assert_eq!(by_name.status, Status::Unknown, "{} is named twice in its district", w.name);
            }
            let checked: &[&Conversion] = if twins > 1 { &[&by_code] } else { &[&by_code, &by_name] };
            for c in checked {
                match w.new_codes.len() {
                    0 => assert_eq!(c.status, Status::Unknown),
                    1 => {
                        assert_eq!(c.status, Status::Converted, "{}", w.name);
                        assert_eq!(c.commune.map(|c| c.code), Some(w.new_codes[0]));
                    }
                    _ => {
                        assert_eq!(c.status, Status::Split, "{}", w.name);
                        assert_eq!(c.candidates.len(), w.new_codes.len());
                        assert!(c.commune.is_none(), "a split ward is never guessed");
                    }
                }
            }
            split += usize::from(w.new_codes.len() > 1);
        }
        assert!(split > 400, "{split} split wards");
    }

    #[test]
    fn unknown_and_ambiguous_labels_say_why() {
        let c = convert("Atlantis", Options::default());
        assert_eq!(c.status, Status::Unknown);
        let c = convert("Xã Tân Phú", Options { era: Era::Current, ..Options::default() });
        assert_eq!(c.status, Status::Unknown);
        assert!(c.note.unwrap().contains("add the province"));
        let c = convert("Phường Không Có, Hà Nội", Options::default());
        assert_eq!(c.status, Status::Unknown);
        assert_eq!(convert("", Options::default()).status, Status::Unknown);
        let c = convert("Quận Ba Đình, Thành phố Hà Nội", Options { era: Era::Legacy, ..Options::default() });
        assert_eq!((c.status, c.province.map(|p| p.code)), (Status::Converted, Some(1)));
    }
}
