//! Metadata quality: a dataset's score (`quality_show`), the agencies'
//! ranking (`organization_quality_list`, public datasets only) and their
//! pages.

use crate::backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn check<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["result"]["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

backends!(scores_rank_agencies_by_their_public_datasets, |app| async move {
    app.org("so-tot").await;
    app.org("so-thuong").await;
    app.ok("group_create", json!({"name": "dan-cu", "title": "Dân cư"}), &app.admin).await;
    // A complete dataset and a bare one.
    app.ok(
        "package_create",
        json!({"name": "day-du", "title": "Dân số các tỉnh", "owner_org": "so-tot", "license_id": "cc-by",
               "tags": [{"name": "dân số"}], "groups": [{"name": "dan-cu"}], "spatial": "Việt Nam",
               "temporal_start": "2025-01-01", "maintainer_email": "tk@so-tot.gov.vn", "update_frequency": "annual",
               "notes": "Dân số trung bình của 34 tỉnh, thành phố theo năm, do Sở tổng hợp từ số liệu điều tra dân số và đăng ký hộ tịch.",
               "title_translated": {"en": "Population by province"}, "notes_translated": {"en": "Mean population by province and year."},
               "resources": [{"url": "https://so-tot.gov.vn/dan-so.csv", "format": "CSV", "mimetype": "text/csv", "size": 2048}]}),
        &app.admin,
    )
    .await;
    app.ok("package_create", json!({"name": "so-sai", "owner_org": "so-thuong"}), &app.admin).await;
    // A private dataset of the second agency scores well but is not counted.
    app.ok(
        "package_create",
        json!({"name": "rieng", "owner_org": "so-thuong", "private": true, "license_id": "cc-by", "tags": [{"name": "bí mật"}]}),
        &app.admin,
    )
    .await;
    let (s, full) = app.get("quality_show", &[("id", "day-du")], None).await;
    assert_eq!(s, StatusCode::OK, "{full}");
    assert_eq!(
        (full["result"]["percent"].clone(), full["result"]["rating"].clone()),
        (json!(100), json!("excellent")),
        "{full}"
    );
    let (_, bare) = app.get("quality_show", &[("id", "so-sai")], None).await;
    assert_eq!(bare["result"]["rating"], "bad", "{bare}");
    assert_eq!(check(&bare, "keywords")["passed"], false);
    assert_eq!(check(&bare, "keywords")["label_vi"], "Có từ khóa");
    assert_eq!(bare["result"]["max"], 600);
    // Private datasets stay private here too.
    let (s, _) = app.get("quality_show", &[("id", "rieng")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "as package_show answers it");
    let (_, rank) = app.get("organization_quality_list", &[], None).await;
    let rows = rank["result"]["results"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rank}");
    assert_eq!((rows[0]["name"].clone(), rows[0]["rank"].clone()), (json!("so-tot"), json!(1)));
    assert_eq!(rows[1]["datasets"], 1, "the private dataset is not counted: {rank}");
    assert_eq!(rows[0]["dimensions"]["findability"], 100.0);
    // Pages: the card on the dataset page, the ranking with its chart.
    let (_, _, html) = app.page("/dataset/day-du").await;
    assert!(html.contains("Chất lượng siêu dữ liệu") && html.contains("<strong>100%</strong>"), "the score card");
    let (_, _, html) = app.page("/en/dataset/so-sai").await;
    assert!(html.contains("To improve") && html.contains("Has keywords (+30)"), "what to add");
    let (s, _, html) = app.page("/quality").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("role=\"img\"") && html.contains("/organization/so-tot"), "chart and ranking");
    assert!(!html.contains("rieng"));
    // Each agency's page shows its line of the ranking.
    for row in rows {
        let (_, _, html) = app.page(&format!("/organization/{}", row["name"].as_str().unwrap())).await;
        // As the page writes numbers: a decimal comma, no trailing zeros.
        let overall = format!("{:.1}", row["overall"].as_f64().unwrap());
        let overall = overall.trim_end_matches('0').trim_end_matches('.').replace('.', ",");
        assert!(
            html.contains("Chất lượng dữ liệu của cơ quan") && html.contains(&format!("<strong>{overall}</strong>")),
            "{overall}: {html}"
        );
    }
});

backends!(duplicates_lower_the_overall_score_of_public_datasets_only, |app| async move {
    app.org("so-a").await;
    app.org("so-b").await;
    let notes = "Danh sách các trường trung học phổ thông công lập trên địa bàn, kèm địa chỉ, số lớp và số học sinh theo năm học.";
    for (name, org, private) in
        [("truong-thpt", "so-a", false), ("truong-thpt-ban-sao", "so-b", false), ("truong-thpt-noi-bo", "so-b", true)]
    {
        app.ok(
            "package_create",
            json!({"name": name, "owner_org": org, "private": private, "title": "Trường trung học phổ thông công lập năm học 2025",
                   "notes": notes, "license_id": "cc-by"}),
            &app.admin,
        )
        .await;
    }
    app.ok("package_create", json!({"name": "khac-han", "owner_org": "so-a", "title": "Giá đất nông nghiệp các huyện", "license_id": "cc-by"}), &app.admin).await;
    // Uniqueness is computed in the background after a write; poll for it.
    let mut q = Value::Null;
    for _ in 0..200 {
        q = app.ok("quality_show", json!({"id": "truong-thpt"}), &app.admin).await;
        if !q["duplication"]["duplicates"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(q["duplication"]["duplicates"], 1, "the public copy only: {q}");
    assert_eq!(q["duplication"]["uniqueness"], 0.0);
    let metadata = q["percent"].as_f64().unwrap();
    let expected = (0.6 * metadata) / (0.6 + 0.1);
    assert!((q["overall"].as_f64().unwrap() - (expected * 10.0).round() / 10.0).abs() < 0.051, "{q}");
    let other = app.ok("quality_show", json!({"id": "khac-han"}), &app.admin).await;
    assert_eq!(other["duplication"]["duplicates"], 0, "{other}");
    assert_eq!(other["duplication"]["uniqueness"], 100.0);
    // A private dataset is not compared: no uniqueness part at all.
    let private = app.ok("quality_show", json!({"id": "truong-thpt-noi-bo"}), &app.admin).await;
    assert!(private["duplication"]["duplicates"].is_null(), "{private}");
    let rank = app.ok("organization_quality_list", json!({}), &app.admin).await;
    let row = |n: &str| rank["results"].as_array().unwrap().iter().find(|r| r["name"] == n).unwrap().clone();
    assert_eq!(row("so-a")["duplicated"], 1, "{rank}");
    assert_eq!(row("so-b")["duplicated"], 1, "{rank}");
    assert_eq!(row("so-b")["datasets"], 1, "the private dataset is not counted: {rank}");
});
