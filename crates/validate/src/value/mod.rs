//! Reading one cell as a typed value, comparing values and hashing them,
//! with frictionless' (Python's) semantics: `1.0` equals `1`, dates with
//! different offsets are equal when they are the same instant, `true`
//! equals `1`.

pub(crate) mod geo;
pub(crate) mod number;
pub(crate) mod temporal;
pub(crate) mod text;

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use serde_json::Value as Json;

use self::geo::{GeojsonFormat, GeopointFormat};
use self::number::{Dec, NumberStyle};
use self::temporal::{Date, DateTime, Duration, TemporalFormat, Time};
use crate::schema::VnAdminLevel;

/// How a `string` field's values are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StringFormat {
    Default,
    Email,
    Uri,
    Uuid,
    Binary,
    /// Kho's extension: a Vietnamese administrative unit of a level, by
    /// code or name.
    VnAdminUnit(VnAdminLevel),
}

/// A field type with the options that change how its cells read.
#[derive(Clone, Debug)]
pub(crate) enum Kind {
    String(StringFormat),
    Number(NumberStyle),
    Integer(NumberStyle),
    Boolean {
        truthy: Vec<String>,
        falsy: Vec<String>,
    },
    Date(TemporalFormat),
    DateTime(TemporalFormat),
    Time(TemporalFormat),
    Year,
    YearMonth,
    Duration,
    Geopoint(GeopointFormat),
    Geojson(GeojsonFormat),
    Object,
    Array,
    /// Table Schema v2's `list`: items split on `delimiter`, each read as
    /// `item`.
    List {
        delimiter: String,
        item: Box<Kind>,
    },
    Any,
}

/// A typed cell value.
#[derive(Clone, Debug)]
pub(crate) enum Value<'a> {
    Str(&'a str),
    Num(Dec),
    Bool(bool),
    Date(Date),
    DateTime(DateTime),
    Time(Time),
    YearMonth(i64, u32),
    Duration(Duration),
    Geopoint(Dec, Dec),
    /// A JSON object or array; `None` when only its validity was needed.
    Json(Option<Json>),
    List(Vec<Value<'a>>),
}

/// Reads `s` (not a missing value) as `kind`; `None` is a type error.
/// `need` says whether the value itself will be used (by constraints or
/// keys): JSON cells are then kept parsed. `scratch` is a reusable buffer
/// for number rewriting, so reading allocates nothing on the common paths.
pub(crate) fn parse<'a>(kind: &Kind, s: &'a str, need: bool, scratch: &mut String) -> Option<Value<'a>> {
    Some(match kind {
        Kind::String(f) => {
            let ok = match f {
                StringFormat::Default => true,
                StringFormat::Email => text::email(s),
                StringFormat::Uri => text::uri(s),
                StringFormat::Uuid => text::uuid(s),
                StringFormat::Binary => text::base64(s),
                StringFormat::VnAdminUnit(level) => level.accepts(s),
            };
            if !ok {
                return None;
            }
            Value::Str(s)
        }
        Kind::Any => Value::Str(s),
        Kind::Number(style) => {
            let t = style.rewrite(s.trim(), scratch)?;
            Value::Num(Dec::parse(t)?)
        }
        Kind::Integer(style) => {
            let t = style.rewrite(s.trim(), scratch)?;
            Value::Num(Dec::parse_int(t)?)
        }
        Kind::Boolean { truthy, falsy } => {
            if truthy.iter().any(|t| t == s) {
                Value::Bool(true)
            } else if falsy.iter().any(|f| f == s) {
                Value::Bool(false)
            } else {
                return None;
            }
        }
        Kind::Date(f) => Value::Date(temporal::parse_date(s, f)?),
        Kind::DateTime(f) => Value::DateTime(temporal::parse_datetime(s, f)?),
        Kind::Time(f) => Value::Time(temporal::parse_time(s, f)?),
        Kind::Year => Value::Num(Dec::from_i64(temporal::parse_year(s)?)),
        Kind::YearMonth => {
            let (y, m) = temporal::parse_yearmonth(s)?;
            Value::YearMonth(y, m)
        }
        Kind::Duration => Value::Duration(temporal::parse_duration(s)?),
        Kind::Geopoint(f) => {
            let (lon, lat) = geo::parse_geopoint(s, *f)?;
            Value::Geopoint(lon, lat)
        }
        Kind::Geojson(f) => {
            let v: Json = serde_json::from_str(s).ok()?;
            if !geo::geojson(&v, *f) {
                return None;
            }
            Value::Json(Some(v))
        }
        Kind::Object | Kind::Array => {
            let open = if matches!(kind, Kind::Object) { '{' } else { '[' };
            if !s.trim_start().starts_with(open) {
                return None;
            }
            if need {
                Value::Json(Some(serde_json::from_str::<Json>(s).ok()?))
            } else {
                serde_json::from_str::<serde::de::IgnoredAny>(s).ok()?;
                Value::Json(None)
            }
        }
        Kind::List { delimiter, item } => {
            if s.is_empty() {
                return Some(Value::List(Vec::new()));
            }
            let mut items = Vec::new();
            for part in s.split(delimiter.as_str()) {
                items.push(parse(item, part, true, scratch)?);
            }
            Value::List(items)
        }
    })
}

/// `minLength`/`maxLength`'s measure: characters of a string, items of
/// an array or list, keys of an object.
pub(crate) fn length(v: &Value) -> Option<usize> {
    match v {
        Value::Str(s) => Some(s.chars().count()),
        Value::Json(Some(Json::Array(a))) => Some(a.len()),
        Value::Json(Some(Json::Object(o))) => Some(o.len()),
        Value::List(items) => Some(items.len()),
        _ => None,
    }
}

/// Python's order between two values of one field; `None` when they are
/// not ordered (NaN, naive against aware, different kinds).
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.partial_cmp_num(y),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::DateTime(x), Value::DateTime(y)) => x.partial_cmp_py(y),
        (Value::Time(x), Value::Time(y)) => x.partial_cmp_py(y),
        (Value::YearMonth(y1, m1), Value::YearMonth(y2, m2)) => Some((y1, m1).cmp(&(y2, m2))),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Whether a value can never equal anything (NaN, also inside a list or
/// point): such values are left out of uniqueness checks, as in Python.
pub(crate) fn never_equal(v: &Value) -> bool {
    match v {
        Value::Num(d) => d.is_nan(),
        Value::Geopoint(a, b) => a.is_nan() || b.is_nan(),
        Value::List(items) => items.iter().any(never_equal),
        _ => false,
    }
}

/// Feeds a cell's value (or `None` for an empty cell) to a hasher so that
/// values Python finds equal hash equal: numbers, years and booleans share
/// one domain, strings another, and so on.
pub(crate) fn hash_value<H: Hasher>(v: Option<&Value>, h: &mut H) {
    let Some(v) = v else {
        0u8.hash(h);
        return;
    };
    match v {
        Value::Str(s) => {
            1u8.hash(h);
            s.hash(h);
        }
        Value::Num(d) => {
            2u8.hash(h);
            d.hash_into(h);
        }
        Value::Bool(b) => {
            2u8.hash(h);
            Dec::from_i64(i64::from(*b)).hash_into(h);
        }
        Value::Date(d) => {
            3u8.hash(h);
            d.hash(h);
        }
        Value::DateTime(d) => {
            4u8.hash(h);
            d.hash_into(h);
        }
        Value::Time(t) => {
            5u8.hash(h);
            t.hash_into(h);
        }
        Value::YearMonth(y, m) => {
            6u8.hash(h);
            (y, m).hash(h);
        }
        Value::Duration(d) => {
            7u8.hash(h);
            d.hash_into(h);
        }
        Value::Geopoint(a, b) => {
            8u8.hash(h);
            a.hash_into(h);
            b.hash_into(h);
        }
        Value::Json(j) => {
            9u8.hash(h);
            if let Some(j) = j {
                hash_json(j, h);
            }
        }
        Value::List(items) => {
            10u8.hash(h);
            items.len().hash(h);
            for i in items {
                hash_value(Some(i), h);
            }
        }
    }
}

/// JSON hashed with object keys in sorted order, whatever order the map
/// keeps them in, so equal objects hash equal.
fn hash_json<H: Hasher>(v: &Json, h: &mut H) {
    match v {
        Json::Null => 0u8.hash(h),
        Json::Bool(b) => (1u8, b).hash(h),
        Json::Number(n) => {
            2u8.hash(h);
            match Dec::parse(&n.to_string()) {
                Some(d) => d.hash_into(h),
                None => n.to_string().hash(h),
            }
        }
        Json::String(s) => (3u8, s).hash(h),
        Json::Array(a) => {
            (4u8, a.len()).hash(h);
            for x in a {
                hash_json(x, h);
            }
        }
        Json::Object(o) => {
            (5u8, o.len()).hash(h);
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            for k in keys {
                k.hash(h);
                if let Some(x) = o.get(k) {
                    hash_json(x, h);
                }
            }
        }
    }
}

/// The hash of one value alone, as stored for `enum` checks.
pub(crate) fn value_hash(v: &Value) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    hash_value(Some(v), &mut h);
    h.finish()
}

/// A value read from a schema (a constraint's bound), owned.
#[derive(Clone, Debug)]
pub(crate) enum Owned {
    Num(Dec),
    Date(Date),
    DateTime(DateTime),
    Time(Time),
    YearMonth(i64, u32),
}

impl Owned {
    /// The value as a [`Value`], to compare with cells.
    pub(crate) fn as_value(&self) -> Value<'static> {
        match self {
            Owned::Num(d) => Value::Num(d.clone()),
            Owned::Date(d) => Value::Date(*d),
            Owned::DateTime(d) => Value::DateTime(*d),
            Owned::Time(t) => Value::Time(*t),
            Owned::YearMonth(y, m) => Value::YearMonth(*y, *m),
        }
    }

    /// Converts a value read from a schema; `None` for kinds without order.
    pub(crate) fn from_value(v: &Value) -> Option<Owned> {
        Some(match v {
            Value::Num(d) => Owned::Num(d.clone()),
            Value::Bool(b) => Owned::Num(Dec::from_i64(i64::from(*b))),
            Value::Date(d) => Owned::Date(*d),
            Value::DateTime(d) => Owned::DateTime(*d),
            Value::Time(t) => Owned::Time(*t),
            Value::YearMonth(y, m) => Owned::YearMonth(*y, *m),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<'a>(kind: &Kind, s: &'a str) -> Option<Value<'a>> {
        parse(kind, s, true, &mut String::new())
    }

    #[test]
    fn cells_read_like_frictionless() {
        let int = Kind::Integer(NumberStyle::default());
        assert!(read(&int, " 42 ").is_some());
        assert!(read(&int, "4.0").is_none());
        let num = Kind::Number(NumberStyle::default());
        assert!(read(&num, "1e3").is_some());
        assert!(read(&num, "1,5").is_none());
        let b = Kind::Boolean { truthy: vec!["có".into()], falsy: vec!["không".into()] };
        assert!(matches!(read(&b, "có"), Some(Value::Bool(true))));
        assert!(read(&b, "Có").is_none());
        assert!(read(&Kind::Object, "{\"a\": 1}").is_some());
        assert!(read(&Kind::Object, "[1]").is_none());
        assert!(read(&Kind::Array, "[1, 2]").is_some());
        assert!(parse(&Kind::Array, "[1, 2", false, &mut String::new()).is_none());
        let list = Kind::List { delimiter: ";".into(), item: Box::new(int.clone()) };
        assert!(matches!(read(&list, "1;2;3"), Some(Value::List(v)) if v.len() == 3));
        assert!(read(&list, "1;x").is_none());
        let vn = Kind::String(StringFormat::VnAdminUnit(VnAdminLevel::Province));
        assert!(read(&vn, "Hà Nội").is_some());
        assert!(read(&vn, "ha noi").is_some());
        assert!(read(&vn, "79").is_some());
        assert!(read(&vn, "Atlantis").is_none());
    }

    #[test]
    fn hashing_follows_python_equality() {
        let num = Kind::Number(NumberStyle::default());
        let int = Kind::Integer(NumberStyle::default());
        let a = read(&num, "1.0").unwrap();
        let b = read(&int, "1").unwrap();
        assert_eq!(value_hash(&a), value_hash(&b));
        assert_eq!(value_hash(&Value::Bool(true)), value_hash(&b));
        assert_ne!(value_hash(&Value::Str("1")), value_hash(&b));
        let o1 = read(&Kind::Object, "{\"a\": 1, \"b\": [2]}").unwrap();
        let o2 = read(&Kind::Object, "{\"b\": [2.0], \"a\": 1}").unwrap();
        assert_eq!(value_hash(&o1), value_hash(&o2));
        assert!(never_equal(&read(&num, "NaN").unwrap()));
    }

    fn every_kind() -> Vec<Kind> {
        let t = |f: Option<&str>| TemporalFormat::parse(f).unwrap();
        let style = NumberStyle {
            strip_non_digits: true,
            group_char: Some(".".into()),
            decimal_char: Some(",".into()),
            active: true,
        };
        let mut kinds = vec![
            Kind::Number(NumberStyle::default()),
            Kind::Number(style.clone()),
            Kind::Integer(style),
            Kind::Year,
            Kind::YearMonth,
            Kind::Duration,
            Kind::Geopoint(GeopointFormat::Default),
            Kind::Geopoint(GeopointFormat::Array),
            Kind::Geopoint(GeopointFormat::Object),
            Kind::Geojson(GeojsonFormat::Default),
            Kind::Geojson(GeojsonFormat::Topojson),
            Kind::Object,
            Kind::Array,
            Kind::Any,
            Kind::List { delimiter: ";".into(), item: Box::new(Kind::Date(t(Some("%d/%m/%Y")))) },
        ];
        for f in [
            StringFormat::Default,
            StringFormat::Email,
            StringFormat::Uri,
            StringFormat::Uuid,
            StringFormat::Binary,
            StringFormat::VnAdminUnit(VnAdminLevel::Province),
            StringFormat::VnAdminUnit(VnAdminLevel::Commune),
            StringFormat::VnAdminUnit(VnAdminLevel::Any),
        ] {
            kinds.push(Kind::String(f));
        }
        for f in [None, Some("any"), Some("%d/%m/%Y %H:%M:%S.%f%z"), Some("%j %y %I %p %a %B")] {
            kinds.push(Kind::Date(t(f)));
            kinds.push(Kind::DateTime(t(f)));
            kinds.push(Kind::Time(t(f)));
        }
        kinds
    }

    proptest::proptest! {
        #[test]
        fn no_reader_panics(s in "\\PC{0,40}|[0-9:T .,/+-]{0,30}") {
            let mut scratch = String::new();
            for kind in every_kind() {
                if let Some(v) = parse(&kind, &s, true, &mut scratch) {
                    let _ = value_hash(&v);
                    let _ = length(&v);
                    let _ = compare(&v, &v);
                }
            }
        }
    }

    #[test]
    fn order_and_length() {
        let num = Kind::Number(NumberStyle::default());
        assert_eq!(compare(&read(&num, "2").unwrap(), &read(&num, "10").unwrap()), Some(Ordering::Less));
        assert_eq!(length(&Value::Str("Đà Nẵng")), Some(7));
        assert_eq!(length(&read(&Kind::Object, "{\"a\": 1, \"b\": 2}").unwrap()), Some(2));
    }
}
