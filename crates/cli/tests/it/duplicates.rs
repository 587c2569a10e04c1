//! Duplicate datasets (`dataset_duplicate_list`): near-duplicate public
//! datasets and datasets sharing an uploaded file; series per province and
//! year are not duplicates, and private datasets never appear.

use crate::backends;
use crate::resources::upload;
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

const NOTES: &str = "Danh mục các bệnh viện công lập trực thuộc Sở Y tế, gồm tên bệnh viện, địa chỉ, số giường bệnh theo kế hoạch, hạng bệnh viện và số điện thoại liên hệ. Cập nhật sau mỗi đợt xếp hạng.";

async fn create(app: &TestApp, org: &str, name: &str, title: &str, notes: &str, private: bool) {
    app.ok(
        "package_create",
        json!({"name": name, "title": title, "notes": notes, "owner_org": org, "private": private}),
        &app.admin,
    )
    .await;
}

/// Attaches an uploaded file to a dataset; returns the resource's hash.
async fn attach(app: &TestApp, dataset: &str, bytes: &[u8]) -> String {
    let (s, v) = upload(
        app,
        "resource_create",
        &[("package_id", dataset), ("name", "Tệp")],
        "ranh-gioi.csv",
        bytes.to_vec(),
        &app.admin,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["result"]["hash"].as_str().unwrap().to_string()
}

/// `dataset_duplicate_list` as `token` (anonymous when `None`).
async fn list(app: &TestApp, query: &[(&str, &str)], token: Option<&str>) -> Value {
    let (s, v) = app.get("dataset_duplicate_list", query, token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["result"].clone()
}

/// Each group as its dataset names.
fn groups(result: &Value) -> Vec<Vec<String>> {
    result["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["datasets"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_string()).collect())
        .collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

backends!(near_duplicates_and_shared_files_of_public_datasets, |app| async move {
    app.org("so-y-te").await;
    app.org("so-thong-tin").await;
    app.org("cuc-thong-ke").await;
    let member = app.user("bich").await;
    app.member("so-thong-tin", "bich", "editor").await;

    // The same list published three times: once more with a word and a
    // sentence added, once typed without diacritics.
    let title = "Danh mục bệnh viện công lập Thành phố Hà Nội";
    create(app, "so-y-te", "benh-vien-ha-noi", title, NOTES, false).await;
    let edited = format!("{NOTES} Số liệu có giá trị đến hết năm.");
    create(
        app,
        "so-thong-tin",
        "benh-vien-ban-sao",
        "Danh mục các bệnh viện công lập Thành phố Hà Nội",
        &edited,
        false,
    )
    .await;
    let plain = "Danh muc cac benh vien cong lap truc thuoc So Y te, gom ten benh vien, dia chi, so giuong benh theo ke hoach, hang benh vien va so dien thoai lien he. Cap nhat sau moi dot xep hang.";
    create(app, "so-thong-tin", "benh-vien-khong-dau", "DANH MUC BENH VIEN CONG LAP THANH PHO HA NOI", plain, false)
        .await;
    // A private copy: never in any answer.
    create(app, "so-thong-tin", "benh-vien-noi-bo", title, NOTES, true).await;

    // A series per province and year from one template: not duplicates.
    for (name, province, year) in [
        ("dan-so-an-giang-2023", "An Giang", 2023),
        ("dan-so-ca-mau-2023", "Cà Mau", 2023),
        ("dan-so-can-tho-2023", "Cần Thơ", 2023),
        ("dan-so-an-giang-2022", "An Giang", 2022),
    ] {
        let notes = format!(
            "Số liệu dân số của tỉnh {province} năm {year}, do Cục Thống kê tổng hợp từ kết quả điều tra và báo cáo định kỳ của các sở, ngành; được công bố trong niên giám thống kê hằng năm."
        );
        create(app, "cuc-thong-ke", name, &format!("Dân số tỉnh {province} năm {year}"), &notes, false).await;
    }
    // Short generic titles without notes: nothing to go on.
    create(app, "cuc-thong-ke", "du-lieu-1", "Dữ liệu", "", false).await;
    create(app, "so-y-te", "du-lieu-2", "Dữ liệu", "", false).await;

    // One file uploaded to two public datasets with different titles, and
    // to a private one.
    create(app, "so-y-te", "ranh-gioi-xa", "Ranh giới hành chính cấp xã", "", false).await;
    create(app, "so-thong-tin", "ban-do-hanh-chinh", "Bản đồ hành chính thành phố", "", false).await;
    create(app, "so-thong-tin", "ban-do-noi-bo", "Bản đồ nội bộ", "", true).await;
    let bytes = b"ma_xa,ten_xa\n00001,Phuong Ba Dinh\n00004,Phuong Ngoc Ha\n";
    let hash = attach(app, "ranh-gioi-xa", bytes).await;
    assert_eq!(attach(app, "ban-do-hanh-chinh", bytes).await, hash);
    attach(app, "ban-do-noi-bo", bytes).await;

    // Every group, largest first, the same for everyone.
    let all = list(app, &[], None).await;
    assert_eq!(all["count"], 2, "{all}");
    assert_eq!(
        groups(&all),
        vec![
            names(&["benh-vien-ban-sao", "benh-vien-ha-noi", "benh-vien-khong-dau"]),
            names(&["ban-do-hanh-chinh", "ranh-gioi-xa"]),
        ]
    );
    let reasons = all["results"][0]["reasons"].as_array().unwrap();
    assert_eq!(
        reasons[0],
        json!({"reason": "similar-text", "score": 1.0, "datasets": ["benh-vien-ha-noi", "benh-vien-khong-dau"]})
    );
    let edited = &reasons[1];
    assert_eq!(edited["reason"], "similar-text");
    assert_eq!(edited["datasets"], json!(["benh-vien-ban-sao", "benh-vien-ha-noi", "benh-vien-khong-dau"]));
    let score = edited["score"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&score), "{score}");
    assert_eq!(reasons.len(), 2, "{all}");
    assert_eq!(
        all["results"][1]["reasons"],
        json!([{"reason": "same-file", "hash": hash, "datasets": ["ban-do-hanh-chinh", "ranh-gioi-xa"]}])
    );
    assert_eq!(all["results"][1]["datasets"][0]["organization"]["name"], "so-thong-tin");
    assert_eq!(list(app, &[], Some(&member.token)).await, all, "a member of the private datasets' agency");
    assert_eq!(list(app, &[], Some(&app.admin)).await, all, "a sysadmin");
    let text = all.to_string();
    assert!(!text.contains("noi-bo") && !text.contains("dan-so") && !text.contains("du-lieu"), "{text}");

    // One dataset's likely duplicates, best first.
    let one = list(app, &[("id", "benh-vien-ha-noi")], None).await;
    assert_eq!(one["dataset"]["name"], "benh-vien-ha-noi");
    assert_eq!(one["count"], 2);
    assert_eq!(one["results"][0]["dataset"]["name"], "benh-vien-khong-dau");
    assert_eq!(one["results"][0]["reasons"], json!([{"reason": "similar-text", "score": 1.0}]));
    assert_eq!(one["results"][1]["dataset"]["name"], "benh-vien-ban-sao");
    assert_eq!(one["results"][1]["score"].as_f64(), Some(score));
    let paged = list(app, &[("id", "benh-vien-ha-noi"), ("limit", "1"), ("offset", "1")], None).await;
    assert_eq!(
        (paged["count"].clone(), paged["results"][0]["dataset"]["name"].clone()),
        (json!(2), json!("benh-vien-ban-sao"))
    );
    let file = list(app, &[("id", "ranh-gioi-xa")], None).await;
    assert_eq!(
        file["results"],
        json!([{"dataset": {"id": file["results"][0]["dataset"]["id"], "name": "ban-do-hanh-chinh", "title": "Bản đồ hành chính thành phố", "organization": {"name": "so-thong-tin", "title": "Cơ quan so-thong-tin"}}, "score": null, "reasons": [{"reason": "same-file", "hash": hash}]}])
    );
    for name in ["dan-so-an-giang-2023", "dan-so-ca-mau-2023", "du-lieu-1"] {
        assert_eq!(list(app, &[("id", name)], None).await["count"], 0, "{name}");
    }
    // A private dataset: as package_show answers, and without duplicates.
    let (s, _) = app.get("dataset_duplicate_list", &[("id", "benh-vien-noi-bo")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let private = list(app, &[("id", "benh-vien-noi-bo")], Some(&member.token)).await;
    assert_eq!((private["count"].clone(), private["results"].clone()), (json!(0), json!([])));

    // An agency's groups: those involving any of its datasets.
    let so_y_te = list(app, &[("organization", "so-y-te")], None).await;
    assert_eq!(groups(&so_y_te), groups(&all));
    assert_eq!(so_y_te["organization"]["name"], "so-y-te");
    assert_eq!(list(app, &[("organization", "cuc-thong-ke")], None).await["count"], 0);
    let (s, _) = app.get("dataset_duplicate_list", &[("organization", "khong-co")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) =
        app.get("dataset_duplicate_list", &[("organization", "so-y-te"), ("id", "benh-vien-ha-noi")], None).await;
    assert_eq!((s, TestApp::error_type(&v)), (StatusCode::CONFLICT, "Validation Error"), "{v}");

    // The count the quality score reads.
    let mut ids = Vec::new();
    for name in ["benh-vien-ban-sao", "dan-so-ca-mau-2023", "ranh-gioi-xa", "benh-vien-noi-bo"] {
        ids.push(app.ok("package_show", json!({"id": name}), &app.admin).await["id"].as_str().unwrap().to_string());
    }
    assert_eq!(app.catalog.duplicate_counts(&ids).await.unwrap(), vec![2, 0, 1, 0]);

    // Made public, the private copy joins at once (the result is not kept
    // past a change); made private again, it leaves.
    app.ok("package_patch", json!({"id": "benh-vien-noi-bo", "private": false}), &app.admin).await;
    let now = list(app, &[], None).await;
    assert_eq!(
        groups(&now)[0],
        names(&["benh-vien-ban-sao", "benh-vien-ha-noi", "benh-vien-khong-dau", "benh-vien-noi-bo"])
    );
    app.ok("package_patch", json!({"id": "benh-vien-noi-bo", "private": true}), &app.admin).await;
    assert_eq!(list(app, &[], None).await, all);
});
