//! `geopoint` and `geojson` cells.

use serde_json::Value as Json;

use super::number::Dec;

/// How a `geopoint` field writes its points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GeopointFormat {
    /// `"lon, lat"`.
    Default,
    /// `[lon, lat]`.
    Array,
    /// `{"lon": …, "lat": …}`.
    Object,
}

/// How a `geojson` field's objects are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GeojsonFormat {
    /// A GeoJSON object (geometry, feature or collection).
    Default,
    /// A TopoJSON object (checked loosely: its `type` only).
    Topojson,
}

/// A JSON scalar as Python's `Decimal(x)` reads it.
fn json_decimal(v: &Json) -> Option<Dec> {
    match v {
        Json::Number(n) => Dec::parse(&n.to_string()),
        Json::String(s) => Dec::parse(s.trim()),
        Json::Bool(b) => Some(Dec::from_i64(i64::from(*b))),
        _ => None,
    }
}

/// Reads a `geopoint` cell; longitude must lie in [-180, 180] and latitude
/// in [-90, 90].
pub(crate) fn parse_geopoint(s: &str, f: GeopointFormat) -> Option<(Dec, Dec)> {
    let (lon, lat) = match f {
        GeopointFormat::Default => {
            let (a, b) = s.split_once(',')?;
            if b.contains(',') {
                return None;
            }
            (Dec::parse(a.trim())?, Dec::parse(b.trim())?)
        }
        GeopointFormat::Array => match serde_json::from_str::<Json>(s).ok()? {
            Json::Array(v) if v.len() == 2 => (json_decimal(&v[0])?, json_decimal(&v[1])?),
            _ => return None,
        },
        GeopointFormat::Object => match serde_json::from_str::<Json>(s).ok()? {
            Json::Object(m) if m.len() == 2 => (json_decimal(m.get("lon")?)?, json_decimal(m.get("lat")?)?),
            _ => return None,
        },
    };
    (lon.within(180) && lat.within(90)).then_some((lon, lat))
}

fn is_number(v: &Json) -> bool {
    matches!(v, Json::Number(_))
}

fn position(v: &Json) -> bool {
    matches!(v, Json::Array(a) if a.len() == 2 && a.iter().all(is_number))
}

fn positions(v: &Json, min: usize) -> bool {
    matches!(v, Json::Array(a) if a.len() >= min && a.iter().all(position))
}

fn polygon(v: &Json) -> bool {
    matches!(v, Json::Array(rings) if rings.iter().all(|r| positions(r, 4)))
}

fn geometry(v: &Json) -> bool {
    let Json::Object(m) = v else { return false };
    let Some(coords) = m.get("coordinates") else { return false };
    match m.get("type").and_then(Json::as_str) {
        Some("Point") => position(coords),
        Some("MultiPoint") => positions(coords, 0),
        Some("LineString") => positions(coords, 2),
        Some("MultiLineString") => matches!(coords, Json::Array(a) if a.iter().all(|l| positions(l, 2))),
        Some("Polygon") => polygon(coords),
        Some("MultiPolygon") => matches!(coords, Json::Array(a) if a.iter().all(polygon)),
        _ => false,
    }
}

fn feature(v: &Json) -> bool {
    let Json::Object(m) = v else { return false };
    if m.get("type").and_then(Json::as_str) != Some("Feature") {
        return false;
    }
    let geometry_ok = match m.get("geometry") {
        Some(Json::Null) => true,
        Some(g) => geometry(g),
        None => false,
    };
    let properties_ok = matches!(m.get("properties"), Some(Json::Object(_) | Json::Null));
    geometry_ok && properties_ok
}

/// Whether `v` is a GeoJSON object by the structure of the GeoJSON JSON
/// Schema frictionless uses (positions of exactly two numbers, line strings
/// of two or more positions, rings of four or more); `bbox`, if present,
/// must be an array of numbers; `crs` is not checked.
pub(crate) fn geojson(v: &Json, f: GeojsonFormat) -> bool {
    let Json::Object(m) = v else { return false };
    let Some(t) = m.get("type").and_then(Json::as_str) else { return false };
    if f == GeojsonFormat::Topojson {
        return matches!(
            t,
            "Topology"
                | "Point"
                | "MultiPoint"
                | "LineString"
                | "MultiLineString"
                | "Polygon"
                | "MultiPolygon"
                | "GeometryCollection"
        );
    }
    if let Some(b) = m.get("bbox")
        && !matches!(b, Json::Array(a) if a.iter().all(is_number))
    {
        return false;
    }
    match t {
        "GeometryCollection" => matches!(m.get("geometries"), Some(Json::Array(g)) if g.iter().all(geometry)),
        "Feature" => feature(v),
        "FeatureCollection" => matches!(m.get("features"), Some(Json::Array(f)) if f.iter().all(feature)),
        _ => geometry(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geopoints() {
        assert!(parse_geopoint("105.85, 21.03", GeopointFormat::Default).is_some());
        assert!(parse_geopoint("181,0", GeopointFormat::Default).is_none());
        assert!(parse_geopoint("0,91", GeopointFormat::Default).is_none());
        assert!(parse_geopoint("1,2,3", GeopointFormat::Default).is_none());
        assert!(parse_geopoint("nan,0", GeopointFormat::Default).is_none());
        assert!(parse_geopoint("[105.85, 21.03]", GeopointFormat::Array).is_some());
        assert!(parse_geopoint("[\"105.85\", 21]", GeopointFormat::Array).is_some());
        assert!(parse_geopoint("[1, 2, 3]", GeopointFormat::Array).is_none());
        assert!(parse_geopoint("{\"lon\": 105.8, \"lat\": 21}", GeopointFormat::Object).is_some());
        assert!(parse_geopoint("{\"lon\": 105.8, \"lat\": 21, \"x\": 1}", GeopointFormat::Object).is_none());
    }

    #[test]
    fn geojson_shapes() {
        let ok = |s: &str| geojson(&serde_json::from_str(s).unwrap(), GeojsonFormat::Default);
        assert!(ok(r#"{"type": "Point", "coordinates": [105.8, 21.0]}"#));
        assert!(ok(r#"{"type": "LineString", "coordinates": [[1, 2], [3, 4]]}"#));
        assert!(!ok(r#"{"type": "LineString", "coordinates": [[1, 2]]}"#));
        assert!(ok(r#"{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}"#));
        assert!(ok(r#"{"type": "Feature", "geometry": null, "properties": {"tên": "Hà Nội"}}"#));
        assert!(!ok(r#"{"type": "Feature", "geometry": null}"#));
        assert!(ok(r#"{"type": "FeatureCollection", "features": []}"#));
        assert!(!ok(r#"{"type": "Point", "coordinates": [1, 2, 3]}"#));
        assert!(!ok(r#"{"type": "Circle", "coordinates": [1, 2]}"#));
        assert!(!ok(r#"[1, 2]"#));
    }
}
