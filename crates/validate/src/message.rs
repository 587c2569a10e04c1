//! Error messages in English (worded as frictionless words them) and in
//! Vietnamese.

use crate::schema::FieldType;

/// A value quoted for a message, cut to 80 characters so a huge cell does
/// not make a huge report.
pub(crate) fn shown(cell: &str) -> String {
    const MAX: usize = 80;
    if cell.chars().count() <= MAX {
        cell.to_string()
    } else {
        let cut: String = cell.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// What a value of this type is, for "… không phải {phrase}".
pub(crate) fn type_phrase_vi(t: FieldType, format: Option<&str>) -> String {
    let base = match (t, format) {
        (FieldType::String, Some("email")) => "địa chỉ email hợp lệ",
        (FieldType::String, Some("uri")) => "địa chỉ URI hợp lệ",
        (FieldType::String, Some("uuid")) => "mã UUID hợp lệ",
        (FieldType::String, Some("binary")) => "dữ liệu base64 hợp lệ",
        (FieldType::String, Some("vn-admin-unit")) => "tên hoặc mã tỉnh, thành phố của Việt Nam",
        (FieldType::String, Some("vn-admin-unit-commune")) => "tên hoặc mã xã, phường, đặc khu của Việt Nam",
        (FieldType::String, Some("vn-admin-unit-any")) => "tên hoặc mã tỉnh, thành phố, xã, phường của Việt Nam",
        (FieldType::String, _) => "chuỗi ký tự hợp lệ",
        (FieldType::Number, _) => "số",
        (FieldType::Integer, _) => "số nguyên",
        (FieldType::Boolean, _) => "giá trị đúng/sai hợp lệ",
        (FieldType::Date, _) => "ngày hợp lệ",
        (FieldType::Datetime, _) => "ngày giờ hợp lệ",
        (FieldType::Time, _) => "giờ hợp lệ",
        (FieldType::Year, _) => "năm hợp lệ",
        (FieldType::Yearmonth, _) => "tháng hợp lệ (năm-tháng)",
        (FieldType::Duration, _) => "khoảng thời gian ISO 8601 hợp lệ",
        (FieldType::Geopoint, _) => "tọa độ địa lý hợp lệ",
        (FieldType::Geojson, _) => "đối tượng GeoJSON hợp lệ",
        (FieldType::Object, _) => "đối tượng JSON",
        (FieldType::Array, _) => "mảng JSON",
        (FieldType::List, _) => "danh sách hợp lệ",
        (FieldType::Any, _) => "giá trị hợp lệ",
    };
    match (t, format) {
        (FieldType::Date | FieldType::Datetime | FieldType::Time, Some(f)) if f != "any" => {
            format!("{base} theo định dạng {f}")
        }
        (FieldType::Date, _) => format!("{base} (định dạng YYYY-MM-DD)"),
        (FieldType::Datetime, _) if format.is_none() => format!("{base} (định dạng ISO 8601)"),
        _ => base.to_string(),
    }
}

/// The Vietnamese reason a constraint failed.
pub(crate) fn constraint_vi(name: &str, shown: &str) -> String {
    match name {
        "required" => "bị để trống nhưng cột này bắt buộc phải có giá trị".into(),
        "minLength" => format!("ngắn hơn độ dài tối thiểu {shown}"),
        "maxLength" => format!("dài hơn độ dài tối đa {shown}"),
        "pattern" => format!("không khớp mẫu {shown}"),
        "minimum" => format!("nhỏ hơn giá trị tối thiểu {shown}"),
        "maximum" => format!("lớn hơn giá trị tối đa {shown}"),
        "exclusiveMinimum" => format!("phải lớn hơn {shown}"),
        "exclusiveMaximum" => format!("phải nhỏ hơn {shown}"),
        "enum" => format!("không thuộc các giá trị cho phép {shown}"),
        "vnAdminUnit" => match shown {
            "commune" => "không phải tên hoặc mã xã, phường, đặc khu của Việt Nam".into(),
            "any" => "không phải tên hoặc mã tỉnh, thành phố, xã, phường của Việt Nam".into(),
            _ => "không phải tên hoặc mã tỉnh, thành phố của Việt Nam".into(),
        },
        other => format!("không thỏa ràng buộc {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases() {
        assert_eq!(type_phrase_vi(FieldType::Integer, None), "số nguyên");
        assert_eq!(type_phrase_vi(FieldType::Date, Some("%d/%m/%Y")), "ngày hợp lệ theo định dạng %d/%m/%Y");
        assert!(constraint_vi("maximum", "10").contains("tối đa 10"));
        assert_eq!(shown(&"x".repeat(100)).chars().count(), 81);
    }
}
