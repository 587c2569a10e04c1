//! The National Data Strategy's targets and key tasks through the Action
//! API, checked against the Decision's appendix (the seed's own tests check
//! it row by row against the vendored text).

use crate::backends;
use reqwest::StatusCode;

backends!(the_decisions_targets_and_tasks_are_served_with_todays_ministries, |app| async move {
    let (_, v) = app.get("strategy_target_list", &[], None).await;
    let r = &v["result"];
    assert_eq!(r["decision"]["number"], "142/QĐ-TTg");
    let targets = r["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 25);
    assert!(targets.iter().all(|t| t["horizon"] == 2030 && !t["text_en"].as_str().unwrap_or("").is_empty()));
    let computed: Vec<(&str, &str)> =
        targets.iter().filter_map(|t| Some((t["section"].as_str()?, t["indicator"].as_str()?))).collect();
    assert_eq!(
        computed,
        vec![
            ("III.2.a", "national_db_connected"),
            ("III.2.b", "shared_db_via_platform"),
            ("III.2.c", "open_data_agencies"),
            ("III.4", "protection_4_layer"),
        ]
    );
    let open = targets.iter().find(|t| t["section"] == "III.2.c").unwrap();
    assert!(
        open["text_vi"]
            .as_str()
            .unwrap()
            .starts_with("100% các cơ quan nhà nước cấp bộ, cấp tỉnh mở và cung cấp dữ liệu mở")
    );
    assert_eq!((open["value"].as_i64(), open["unit"].as_str()), (Some(100), Some("percent")));

    let (_, v) = app.get("strategy_task_list", &[], None).await;
    assert_eq!(v["result"]["count"], 77);
    let per_part = |p: &str| v["result"]["results"].as_array().unwrap().iter().filter(|t| t["part"] == p).count();
    assert_eq!((per_part("A"), per_part("B"), per_part("C")), (21, 14, 42));

    // The first row of the appendix, as printed.
    let (_, v) = app.get("strategy_task_show", &[("id", "A.I.1")], None).await;
    let t = &v["result"];
    assert_eq!(t["text_vi"], "Xây dựng Luật Công nghiệp công nghệ số.");
    assert_eq!(t["lead_vi"], serde_json::json!(["Bộ Thông tin và Truyền thông"]));
    assert_eq!(t["lead_today"], serde_json::json!(["Bộ Khoa học và Công nghệ"]));
    assert_eq!(t["lead_changes"][0]["effective"], "2025-03-01");
    assert_eq!(t["deadline_as_written"], "2024 - 2025");

    // Tasks by the ministry that holds them today: MIC's 18 and MOST's 3.
    let (_, v) = app.get("strategy_task_list", &[("agency", "Bộ Khoa học và Công nghệ")], None).await;
    assert_eq!(v["result"]["count"], 21);
    let (_, v) = app.get("strategy_task_list", &[("agency", "Bộ Thông tin và Truyền thông")], None).await;
    assert_eq!(v["result"]["count"], 18, "the Decision's own names still find its rows");
    let (_, v) = app.get("strategy_task_list", &[("agency", "Bộ Nông nghiệp và Môi trường")], None).await;
    let ids: Vec<&str> = v["result"]["results"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["C.VI.1", "C.VI.2", "C.VII.1", "C.VII.2"]);
    // Labour–Invalids and Social Affairs was split: its vocational-training task went to Education.
    let (_, v) = app.get("strategy_task_show", &[("id", "C.XIV.3")], None).await;
    assert_eq!(v["result"]["lead_today"], serde_json::json!(["Bộ Giáo dục và Đào tạo"]));

    // Overdue means the time ended before this year; ongoing tasks never are.
    let year = time::OffsetDateTime::now_utc().year() as i64;
    let (_, v) = app.get("strategy_task_list", &[("overdue", "true")], None).await;
    for t in v["result"]["results"].as_array().unwrap() {
        assert!(t["deadline"]["end"].as_i64().is_some_and(|e| e < year), "{t}");
    }
    let (_, all) = app.get("strategy_task_list", &[("overdue", "false")], None).await;
    assert_eq!(v["result"]["count"].as_i64().unwrap() + all["result"]["count"].as_i64().unwrap(), 77);

    let (s, v) = app.get("strategy_task_show", &[("id", "Z.9")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = app.get("strategy_task_list", &[("part", "D")], None).await;
    assert_eq!(s, StatusCode::CONFLICT);
});
