//! Administrative units: `kho admin-units convert` offline (a table of
//! legacy and current units, in UTF-16 with semicolons, gains the 2025
//! units and a status), and the `admin_unit_*` actions.

use crate::backends;
use crate::support::kho_bin;
use reqwest::StatusCode;
use serde_json::json;

#[test]
fn convert_adds_the_2025_units_and_a_status() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("don-vi.csv");
    let text = "stt;Địa bàn\n\
                1;Hà Giang\n\
                2;Tỉnh Tiền Giang\n\
                3;TP. Hồ Chí Minh\n\
                4;Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội\n\
                5;Atlantis\n\
                6;ha giang\n";
    // UTF-16 with its BOM, as spreadsheet programs export "Unicode text".
    let bytes: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    std::fs::write(&input, &bytes).unwrap();
    let output = dir.path().join("ket-qua.csv");
    let out = std::process::Command::new(kho_bin())
        .args(["admin-units", "convert"])
        .arg(&input)
        .args(["--column", "Địa bàn", "--output"])
        .arg(&output)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("6 dòng / rows: 1 exact, 3 converted, 1 split, 1 unknown"), "{stderr}");
    let mut rows = csv::Reader::from_path(&output).unwrap();
    let header: Vec<String> = rows.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        [
            "stt",
            "Địa bàn",
            "province_code_2025",
            "province_name_2025",
            "commune_code_2025",
            "commune_name_2025",
            "status",
            "candidates",
            "note"
        ]
    );
    let rows: Vec<Vec<String>> = rows.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    let pick = |i: usize, cols: &[usize]| cols.iter().map(|&c| rows[i][c].as_str()).collect::<Vec<_>>();
    assert_eq!(pick(0, &[2, 3, 6]), ["8", "Tỉnh Tuyên Quang", "converted"]);
    assert_eq!(pick(1, &[2, 6, 7]), ["", "split", "80 Tỉnh Tây Ninh; 82 Tỉnh Đồng Tháp"]);
    assert_eq!(pick(2, &[2, 6]), ["79", "exact"]);
    assert_eq!(pick(3, &[2, 4, 5, 6]), ["1", "97", "Phường Hồng Hà", "converted"]);
    assert_eq!(pick(4, &[6]), ["unknown"]);
    assert_eq!(pick(5, &[2, 6]), ["8", "converted"], "without diacritics");

    // A column that is not there: a clear error listing the columns.
    let out = std::process::Command::new(kho_bin())
        .args(["admin-units", "convert"])
        .arg(&input)
        .args(["--column", "tỉnh"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no column \"tỉnh\"") && stderr.contains("Địa bàn"), "{stderr}");
}

backends!(admin_unit_actions_list_show_and_convert, |app| async move {
    let (s, v) = app.get("admin_unit_list", &[], None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["count"], 34);
    assert_eq!(v["result"]["results"][0]["name"], "Thành phố Hà Nội");
    assert_eq!(v["result"]["results"][0]["valid_from"], "2025-07-01");
    let (_, v) = app.get("admin_unit_list", &[("legacy", "true")], None).await;
    assert_eq!(v["result"]["count"], 63);
    let (_, v) = app.get("admin_unit_list", &[("level", "commune"), ("limit", "5000")], None).await;
    assert_eq!(v["result"]["count"], 3321);
    let (_, v) = app.get("admin_unit_list", &[("level", "commune"), ("legacy", "true"), ("limit", "1")], None).await;
    assert_eq!(v["result"]["count"], 10051);
    assert_eq!(v["result"]["results"][0]["valid_until"], "2025-06-30");
    let (_, v) = app.get("admin_unit_list", &[("level", "district"), ("legacy", "true"), ("limit", "0")], None).await;
    assert_eq!(v["result"]["count"], 696);
    let (_, v) = app.get("admin_unit_list", &[("level", "commune"), ("province", "1"), ("q", "ba dinh")], None).await;
    assert_eq!(v["result"]["results"][0]["name"], "Phường Ba Đình", "{v}");
    let (s, v) = app.get("admin_unit_list", &[("level", "district")], None).await;
    assert_eq!(s, StatusCode::CONFLICT, "districts are gone since 2025: {v}");
    // A province by name without diacritics: its communes and where it came from.
    let (_, v) = app.get("admin_unit_show", &[("id", "ho chi minh")], None).await;
    assert_eq!(v["result"]["code"], 79);
    let from: Vec<&str> =
        v["result"]["formed_from"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(from, ["Tỉnh Bình Dương", "Tỉnh Bà Rịa - Vũng Tàu", "Thành phố Hồ Chí Minh"], "by legacy code");
    assert!(v["result"]["communes"].as_array().unwrap().len() > 100);
    // A commune name shared across provinces asks for the province.
    let (s, v) = app.get("admin_unit_show", &[("id", "Xã Tân Phú"), ("level", "commune")], None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["error"]["id"][0].as_str().unwrap().contains("give the code, or the province"), "{v}");
    let (s, _) = app.get("admin_unit_show", &[("id", "Atlantis")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Conversion: split units list their candidates.
    let (_, v) = app.get("admin_unit_convert", &[("q", "Tỉnh Tiền Giang")], None).await;
    assert_eq!(v["result"]["status"], "split");
    assert_eq!(v["result"]["candidates"].as_array().unwrap().len(), 2);
    let (_, v) = app.get("admin_unit_convert", &[("q", "Phường Phúc Xá, Quận Ba Đình, Hà Nội")], None).await;
    assert_eq!(
        (v["result"]["status"].clone(), v["result"]["commune"]["code"].clone()),
        (json!("converted"), json!(97))
    );
});

backends!(admin_unit_pages_show_provinces_communes_and_legacy_units, |app| async move {
    let (s, _, html) = app.page("/admin-units").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(html.matches("<a href=\"/admin-units/").count(), 34, "a link per province");
    let map = &html[html.find("<svg").expect("the tile map")..html.find("</svg>").expect("the map's end")];
    assert!(map.contains("role=\"img\"") && map.contains("Hồ Chí Minh"), "the tile map names the provinces");
    let (_, _, html) = app.page("/admin-units?legacy=1").await;
    assert!(
        html.contains("Tỉnh Tiền Giang") && html.contains("Tỉnh Tây Ninh, Tỉnh Đồng Tháp"),
        "what a split province became"
    );
    let (_, _, html) = app.page("/en/admin-units/ho-chi-minh?q=tan+dinh").await;
    assert!(html.contains("Phường Tân Định") && html.contains("Formed from"), "English, by name, filtered");
    assert!(!html.contains("Phường Bến Thành"), "the filter keeps only matching communes");
    let (s, _, _) = app.page("/admin-units/999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
});
