//! The National Data Strategy's targets and key tasks through the Action
//! API, checked against the Decision's appendix (the seed's own tests check
//! it row by row against the vendored text).

use crate::backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

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
    assert!(!v["result"]["results"].as_array().unwrap().is_empty(), "tasks due by 2025 are overdue");
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

/// The agencies of the monitoring test: two ministries (one keeps the
/// national repository) and two provinces, each with an editor.
async fn monitored(app: &crate::support::TestApp) -> Vec<crate::support::TestUser> {
    let mut users = Vec::new();
    for (name, title, kind, code) in [
        ("bo-cong-an", "Bộ Công an", "ministry", None),
        ("bo-y-te", "Bộ Y tế", "ministry", None),
        ("ha-noi", "Thành phố Hà Nội", "province", Some("01")),
        ("da-nang", "Thành phố Đà Nẵng", "province", Some("48")),
    ] {
        app.ok(
            "organization_create",
            json!({"name": name, "title": title, "agency_kind": kind, "agency_code": code}),
            &app.admin,
        )
        .await;
        let user = format!("bien-tap-{name}");
        users.push(app.user(&user).await);
        app.member(name, &user, "editor").await;
    }
    users
}

fn db(
    name: &str,
    org: &str,
    class: &str,
    importance: &str,
    protected: bool,
    connections: serde_json::Value,
) -> serde_json::Value {
    json!({"name": name, "title": format!("CSDL {name}"), "owner_org": org, "class": class, "data_sharing": "shared",
           "data_importance": importance, "status": "operating", "protection_4_layer": protected,
           "connections": connections, "message": "Khai báo"})
}

fn figure(values: &serde_json::Value, indicator: &str) -> (i64, i64) {
    let v = values.as_array().unwrap().iter().find(|v| v["indicator"] == indicator).unwrap();
    (v["numerator"].as_i64().unwrap(), v["denominator"].as_i64().unwrap())
}

backends!(indicators_match_hand_computed_values_the_ranking_orders_and_reports_are_consolidated, |app| async move {
    let users = monitored(app).await;
    // users[0] is Bộ Công an's editor: the ministry registers nothing here.
    let (byt, hn, dn) = (&users[1], &users[2], &users[3]);
    // The map. The national repository is marked by a reviewer.
    let mut repo = db("kho-tong-hop", "bo-cong-an", "national", "important", true, json!([]));
    repo["national_repository"] = json!(true);
    let entries = [
        (repo, &app.admin),
        (
            db(
                "csdl-y-te",
                "bo-y-te",
                "national",
                "important",
                true,
                json!([{"database": "kho-tong-hop", "direction": "out", "platform": "ndxp"}]),
            ),
            &byt.token,
        ),
        (db("csdl-bhyt", "bo-y-te", "national", "important", false, json!([])), &byt.token),
        (
            db(
                "hn-dan-cu",
                "ha-noi",
                "shared",
                "other",
                true,
                json!([{"database": "csdl-y-te", "direction": "in", "platform": "lgsp"}]),
            ),
            &hn.token,
        ),
        (
            db(
                "hn-noi-bo",
                "ha-noi",
                "specialised",
                "other",
                false,
                json!([{"database": "hn-dan-cu", "direction": "in", "platform": "direct"}]),
            ),
            &hn.token,
        ),
        (
            db(
                "dn-dat-dai",
                "da-nang",
                "shared",
                "important",
                false,
                json!([{"database": "csdl-y-te", "direction": "in", "platform": "ndxp"}]),
            ),
            &dn.token,
        ),
    ];
    for (body, token) in entries {
        let e = app.ok("datamap_database_create", body, token).await;
        app.ok("datamap_database_review", json!({"id": e["id"], "decision": "approve"}), &app.admin).await;
    }
    // Open data: the ministry's complete dataset meets the threshold, its
    // bare one and Hà Nội's do not.
    app.ok("package_create", json!({
        "name": "co-so-kham-chua-benh", "title": "Danh sách cơ sở khám chữa bệnh", "owner_org": "bo-y-te",
        "notes": "Danh sách các cơ sở khám bệnh, chữa bệnh được cấp phép trên toàn quốc, cập nhật hằng tháng từ hệ thống cấp phép của Bộ Y tế; gồm tên, địa chỉ, loại hình và số giấy phép.",
        "license_id": "cc-by-4.0", "tags": [{"name": "y tế"}, {"name": "cơ sở khám chữa bệnh"}],
        "maintainer": "Cục Quản lý Khám chữa bệnh", "maintainer_email": "kcb@moh.gov.vn", "author": "Bộ Y tế",
        "update_frequency": "monthly", "temporal_start": "2024-01-01", "temporal_end": "2025-12-31", "spatial": "Việt Nam",
        "data_sharing": "open", "data_importance": "other", "version": "2025.1", "url": "https://moh.gov.vn",
        "title_translated": {"en": "Licensed health facilities"},
        "notes_translated": {"en": "Licensed health facilities across the country, updated monthly."},
        "resources": [{"url": "https://moh.gov.vn/co-so.csv", "format": "CSV", "name": "Danh sách", "description": "Tệp CSV", "mimetype": "text/csv"}]}),
        &app.admin).await;
    app.ok("package_create", json!({"name": "bang-tho-byt", "owner_org": "bo-y-te"}), &app.admin).await;
    app.ok("package_create", json!({"name": "bang-tho-hn", "owner_org": "ha-noi"}), &app.admin).await;
    let overall = |name: &'static str| async move {
        let (_, v) = app.get("quality_show", &[("id", name)], None).await;
        v["result"]["overall"].as_f64().unwrap()
    };
    assert!(overall("co-so-kham-chua-benh").await >= 55.0, "precondition: the complete dataset is good");
    assert!(overall("bang-tho-byt").await < 55.0, "precondition: a bare dataset is not");
    assert!(overall("bang-tho-hn").await < 55.0);

    let (_, v) = app.get("strategy_indicator_list", &[], None).await;
    let r = &v["result"];
    // By hand (see docs/STRATEGY.md for the definitions):
    let national = &r["national"];
    assert_eq!(figure(national, "national_db_connected"), (1, 2), "csdl-y-te of csdl-y-te, csdl-bhyt");
    assert_eq!(figure(national, "shared_db_via_platform"), (1, 3), "dn-dat-dai of hn-dan-cu, hn-noi-bo, dn-dat-dai");
    assert_eq!(
        figure(national, "protection_4_layer"),
        (3, 5),
        "kho-tong-hop, csdl-y-te, hn-dan-cu of those and csdl-bhyt, dn-dat-dai"
    );
    assert_eq!(figure(national, "open_data_agencies"), (1, 4), "Bộ Y tế of the four ranked agencies");
    let t = national.as_array().unwrap().iter().find(|x| x["indicator"] == "open_data_agencies").unwrap();
    assert_eq!((t["value"].as_f64(), t["target"]["section"].as_str()), (Some(25.0), Some("III.2.c")));
    let agency =
        |name: &str| r["agencies"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap()["values"].clone();
    for (name, expected) in [
        ("bo-cong-an", [(0, 0), (0, 0), (0, 0), (1, 1)]),
        ("bo-y-te", [(1, 2), (0, 0), (1, 2), (1, 2)]),
        ("ha-noi", [(0, 0), (0, 2), (0, 1), (1, 1)]),
        ("da-nang", [(0, 0), (1, 1), (0, 0), (0, 1)]),
    ] {
        let vals = agency(name);
        let got: Vec<(i64, i64)> =
            ["national_db_connected", "shared_db_via_platform", "open_data_agencies", "protection_4_layer"]
                .iter()
                .map(|i| figure(&vals, i))
                .collect();
        assert_eq!(got, expected, "{name}");
    }

    // The ranking, by method 1 (equal weights, missing left out):
    // Đà Nẵng (100 + 0) / 2 = 50 over Hà Nội (0 + 0 + 100) / 3 = 33.33;
    // Bộ Công an 100 over Bộ Y tế (50 + 50 + 50) / 3 = 50.
    let (s, _) = app.post("strategy_ranking_run", json!({}), Some(&hn.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let run = app.ok("strategy_ranking_run", json!({}), &app.admin).await;
    let order = |v: &serde_json::Value| -> Vec<(String, i64, f64)> {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["agency"]["name"].as_str().unwrap().to_string(),
                    r["rank"].as_i64().unwrap(),
                    r["score"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(order(&run["province"]), vec![("da-nang".into(), 1, 50.0), ("ha-noi".into(), 2, 33.33)]);
    assert_eq!(order(&run["ministry"]), vec![("bo-cong-an".into(), 1, 100.0), ("bo-y-te".into(), 2, 50.0)]);
    assert_eq!(run["province"]["method"]["version"], 1);
    // A new method (open data and protection only, missing counted as 0)
    // turns the provinces round; the year recomputed by method 1 is as before.
    let m = app
        .ok(
            "strategy_method_create",
            json!({"weights": {"open_data_agencies": 1, "protection_4_layer": 1},
        "missing": "zero", "notes": "Thử nghiệm"}),
            &app.admin,
        )
        .await;
    assert_eq!(m["version"], 2);
    let run2 = app.ok("strategy_ranking_run", json!({"method": 2}), &app.admin).await;
    assert_eq!(order(&run2["province"]), vec![("ha-noi".into(), 1, 50.0), ("da-nang".into(), 2, 0.0)]);
    let again = app.ok("strategy_ranking_run", json!({"method": 1}), &app.admin).await;
    assert_eq!(order(&again["province"]), order(&run["province"]));
    let (_, v) = app.get("strategy_ranking_show", &[("level", "province")], None).await;
    assert_eq!(v["result"]["history"][0]["ranks"]["da-nang"]["rank"], 1);
    let (s, _) =
        app.post("strategy_method_create", json!({"weights": {"open_data_agencies": -1}}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The ministry's annual report: drafted from the data, edited,
    // submitted, approved, consolidated.
    let report = app.ok("strategy_report_create", json!({"organization": "bo-y-te"}), &byt.token).await;
    assert_eq!(report["state"], "draft");
    assert_eq!(figure(&report["content"]["indicators"], "national_db_connected"), (1, 2));
    assert_eq!(report["content"]["datamap"]["databases"], 2);
    assert_eq!(report["content"]["open_data"], json!({"datasets": 2, "meeting_threshold": 1}));
    let tasks: Vec<&str> =
        report["content"]["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    // Led by name (C.IV, C.XIV) and as one of "các bộ, ngành, địa phương"
    // (A.III.1–2, A.IV.1, A.VII.2 and every task of part B).
    assert_eq!(
        tasks,
        vec![
            "A.III.1", "A.III.2", "A.IV.1", "A.VII.2", "B.I.1", "B.I.2", "B.I.3", "B.II.1", "B.II.2", "B.II.3",
            "B.III.1", "B.III.2", "B.III.3", "B.III.4", "B.IV.1", "B.IV.2", "B.IV.3", "C.IV.1", "C.IV.2", "C.IV.3",
            "C.XIV.1", "C.XIV.2"
        ],
        "the tasks Bộ Y tế leads today"
    );
    let id = report["id"].as_str().unwrap().to_string();
    // Another agency can neither see nor touch the draft.
    for (action, body, status) in [
        ("strategy_report_show", json!({"id": id}), StatusCode::NOT_FOUND),
        ("strategy_report_update", json!({"id": id, "narrative": "x"}), StatusCode::NOT_FOUND),
        ("strategy_report_submit", json!({"id": id}), StatusCode::NOT_FOUND),
        ("strategy_report_create", json!({"organization": "bo-y-te"}), StatusCode::FORBIDDEN),
    ] {
        let (s, v) = app.post(action, body, Some(&hn.token)).await;
        assert_eq!(s, status, "{action}: {v}");
    }
    let (s, _) = app.get("strategy_report_show", &[("id", &id)], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a draft is not public");
    app.ok(
        "strategy_report_update",
        json!({"id": id, "narrative": "Năm 2026, Bộ Y tế hoàn thành kết nối CSDL y tế.",
        "tasks": {"C.IV.1": "Đã trình Chính phủ dự thảo Nghị định"}}),
        &byt.token,
    )
    .await;
    let sent = app.ok("strategy_report_submit", json!({"id": id}), &byt.token).await;
    assert_eq!(sent["state"], "submitted");
    assert_eq!(sent["late"], false);
    let (s, _) = app.post("strategy_report_update", json!({"id": id, "narrative": "y"}), Some(&byt.token)).await;
    assert_eq!(s, StatusCode::CONFLICT, "a submitted report is frozen");
    let (s, _) = app.post("strategy_report_review", json!({"id": id, "decision": "approve"}), Some(&byt.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an agency does not approve its own report");
    // Sent back with a reason, mended, sent again.
    let (s, _) = app.post("strategy_report_review", json!({"id": id, "decision": "reject"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT, "a report is sent back with a reason");
    let back = app
        .ok("strategy_report_review", json!({"id": id, "decision": "reject", "note": "Bổ sung số liệu"}), &app.admin)
        .await;
    assert_eq!((back["state"].as_str(), back["review_note"].as_str()), (Some("rejected"), Some("Bổ sung số liệu")));
    let mended = app
        .ok(
            "strategy_report_update",
            json!({"id": id, "narrative": "Năm 2026, Bộ Y tế hoàn thành kết nối CSDL y tế."}),
            &byt.token,
        )
        .await;
    assert_eq!(mended["state"], "draft", "a mended report is a draft again");
    let (s, _) = app.post("strategy_report_review", json!({"id": id, "decision": "approve"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT, "only a submitted report is reviewed");
    assert_eq!(app.ok("strategy_report_submit", json!({"id": id}), &byt.token).await["state"], "submitted");
    let approved = app.ok("strategy_report_review", json!({"id": id, "decision": "approve"}), &app.admin).await;
    assert_eq!(approved["state"], "approved");
    let (_, v) = app.get("strategy_report_show", &[("organization", "bo-y-te")], None).await;
    assert_eq!(v["result"]["content"]["narrative"], "Năm 2026, Bộ Y tế hoàn thành kết nối CSDL y tế.");
    let c_iv_1 = v["result"]["content"]["tasks"].as_array().unwrap().iter().find(|t| t["id"] == "C.IV.1").unwrap();
    assert_eq!(c_iv_1["progress"], "Đã trình Chính phủ dự thảo Nghị định");
    let (_, v) = app.get("strategy_report_national", &[], None).await;
    let n = &v["result"];
    assert_eq!(n["reports"].as_array().unwrap().len(), 1);
    assert_eq!(n["reports"][0]["organization"]["name"], "bo-y-te");
    assert_eq!(n["states"]["approved"], 1);
    let mut missing: Vec<&str> = n["missing"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    missing.sort();
    assert_eq!(missing, vec!["bo-cong-an", "da-nang", "ha-noi"]);
    assert_eq!(figure(&n["indicators"], "protection_4_layer"), (3, 5));

    // Last year's report, drafted before anyone ranked that year: no
    // figures yet, and a province's tasks are those the Decision gives
    // "the provinces" (C.XV) and "ministries, sectors and localities".
    let past = time::OffsetDateTime::now_utc().year() - 1;
    let old = app.ok("strategy_report_create", json!({"organization": "da-nang", "year": past}), &app.admin).await;
    assert_eq!(old["content"]["indicators"], Value::Null);
    let tasks: Vec<&str> =
        old["content"]["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert!(tasks.contains(&"C.XV.1") && tasks.contains(&"B.I.1") && tasks.contains(&"A.III.1"), "{tasks:?}");
    assert!(!tasks.contains(&"C.IV.1"), "a ministry's own task is not a province's");
    assert_eq!(tasks.len(), 19, "{tasks:?}");

    // The pages say the same.
    let (s, _, html) = app.page("/strategy").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("III.2.c") && html.contains("<strong>25 %</strong>") && html.contains("(1 / 4)"),
        "targets with the nation's figures"
    );
    let (_, _, html) = app.page("/en/strategy/tasks?agency=B%E1%BB%99+Y+t%E1%BA%BF").await;
    assert!(
        !html.contains("C.XIV.3") && html.contains("C.IV.1") && html.contains("Ministry of Health"),
        "tasks by today's lead"
    );
    let (s, _, html) = app.page("/strategy/ranking?level=province").await;
    assert_eq!(s, StatusCode::OK);
    let (dn_at, hn_at) = (html.find("Thành phố Đà Nẵng").unwrap(), html.find("Thành phố Hà Nội").unwrap());
    assert!(dn_at < hn_at, "Đà Nẵng ranks first");
    assert!(html.contains("<svg") && html.contains("33,33"), "chart, map and scores");
    let this_year = time::OffsetDateTime::now_utc().year();
    let (s, _, html) = app.page(&format!("/strategy/reports/bo-y-te/{this_year}")).await;
    assert_eq!(s, StatusCode::OK, "an approved report is public");
    assert!(html.contains("Năm 2026, Bộ Y tế hoàn thành kết nối CSDL y tế.") && html.contains("Đã duyệt"));
    let (_, _, html) = app.page("/strategy/reports").await;
    assert!(
        html.contains("Thành phố Đà Nẵng") && html.contains("/strategy/reports/bo-y-te/"),
        "missing agencies and approved reports"
    );
    // A draft is not shown to outsiders.
    app.ok("strategy_report_create", json!({"organization": "ha-noi"}), &hn.token).await;
    let (s, _, _) = app.page(&format!("/strategy/reports/ha-noi/{this_year}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
});
