//! What agencies report on the Strategy, under review: each task's progress
//! per agency (with evidence) and indicator values entered by hand. Checks
//! the workflow with exact values and its history, evidence errors field by
//! field, a task's roll-up, that entered values appear only once approved,
//! that other agencies and anonymous visitors see only what was approved
//! and can change nothing, and the pages' forms (POST with CSRF).

use crate::backends;
use crate::portal::Browser;
use crate::support::{TestApp, TestUser, USER_PASSWORD};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Lead: Bộ Công an; coordinating: Bộ Thông tin và Truyền thông (Bộ Khoa
/// học và Công nghệ today) and every ministry and province. Due 2024–2030.
const TASK: &str = "A.II.1";

fn year() -> i64 {
    i64::from(time::OffsetDateTime::now_utc().year())
}

/// Agencies (a ministry, today's successor of a merged one, a province and
/// a department), each with an editor named `bien-tap-{name}`.
async fn agencies(app: &TestApp) -> Vec<TestUser> {
    let mut users = Vec::new();
    for (name, title, kind) in [
        ("bo-cong-an", "Bộ Công an", "ministry"),
        ("bo-khcn", "Bộ Khoa học và Công nghệ", "ministry"),
        ("ha-noi", "Thành phố Hà Nội", "province"),
        ("so-tt-hn", "Sở Thông tin và Truyền thông Hà Nội", "department"),
    ] {
        app.ok("organization_create", json!({"name": name, "title": title, "agency_kind": kind}), &app.admin).await;
        let user = format!("bien-tap-{name}");
        users.push(app.user(&user).await);
        app.member(name, &user, "editor").await;
    }
    users
}

fn evidence() -> Value {
    json!([
        {"title": "Kế hoạch triển khai", "kind": "document", "number": "12/KH-BCA", "date": "2025-01-15",
         "url": "https://bocongan.gov.vn/ke-hoach-12"},
        {"title": "Báo cáo tiến độ", "kind": "dataset", "dataset": "bao-cao-tien-do"},
    ])
}

fn steps(record: &Value) -> Vec<(String, String, String)> {
    record["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["step"].as_str().unwrap().to_string(),
                h["state"].as_str().unwrap().to_string(),
                h["user"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

backends!(progress_goes_through_review_with_history_evidence_checks_and_roll_up, |app| async move {
    let users = agencies(app).await;
    let (bca, khcn, hn, so) = (&users[0], &users[1], &users[2], &users[3]);
    app.dataset("bo-cong-an", "bao-cao-tien-do", false).await;
    app.dataset("bo-cong-an", "noi-bo", true).await;
    let y = year();

    // Evidence is checked field by field, item by item.
    let (s, v) = app
        .post(
            "strategy_progress_update",
            json!({"task": TASK, "organization": "bo-cong-an", "status": "completed", "percent": 90, "evidence": [
                {"title": "Kế hoạch", "kind": "document", "number": "12/KH-BCA", "date": "2025-01-15"},
                {"title": "Cổng", "kind": "link", "url": "ftp://bocongan.gov.vn"},
                {"kind": "document", "date": "2025-02-30"},
                {"title": "Dữ liệu", "kind": "dataset", "url": "https://x.vn"},
            ]}),
            Some(&bca.token),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["percent"], json!(["A completed task is 100 % complete"]));
    assert_eq!(
        v["error"]["evidence"],
        json!([
            {},
            {"url": ["Must be a web address starting with http:// or https://"]},
            {"title": ["Missing value"], "date": ["Must be a date in the form YYYY-MM-DD"], "number": ["Missing value"]},
            {"dataset": ["Missing value"], "url": ["Not used for evidence of kind dataset"]},
        ])
    );
    // A dataset named as evidence must be public here: it will be shown to everyone.
    for name in ["noi-bo", "khong-co"] {
        let (s, v) = app
            .post(
                "strategy_progress_update",
                json!({"task": TASK, "organization": "bo-cong-an", "status": "in_progress",
                       "evidence": [{"title": "x", "kind": "dataset", "dataset": name}]}),
                Some(&bca.token),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"]["evidence"], json!([{"dataset": ["No public dataset of this name on this node"]}]));
    }
    let (_, v) = app
        .post(
            "strategy_progress_update",
            json!({"task": TASK, "organization": "bo-cong-an", "status": "completed"}),
            Some(&bca.token),
        )
        .await;
    assert_eq!(v["error"]["evidence"], json!(["A completed task needs at least one item of evidence"]));
    let (_, v) = app
        .post("strategy_progress_update", json!({"task": TASK, "organization": "bo-cong-an"}), Some(&bca.token))
        .await;
    assert_eq!(v["error"]["status"], json!(["Missing value"]));

    // The lead agency's draft.
    let draft = app
        .ok(
            "strategy_progress_update",
            json!({"task": TASK, "organization": "bo-cong-an", "status": "in_progress", "percent": 30,
                   "period": "Quý I", "text": "Đã xây dựng kế hoạch", "evidence": evidence()}),
            &bca.token,
        )
        .await;
    let id = draft["id"].as_str().unwrap().to_string();
    assert_eq!(
        (&draft["state"], &draft["status"], &draft["status_label"], &draft["percent"], &draft["role"], &draft["year"]),
        (&json!("draft"), &json!("in_progress"), &json!("Đang triển khai"), &json!(30), &json!("lead"), &json!(y))
    );
    assert_eq!(draft["evidence"][0]["number"], "12/KH-BCA");
    assert_eq!(draft["evidence"][1]["dataset"], "bao-cao-tien-do");
    assert_eq!(draft["approved"], Value::Null);

    // Outsiders: another agency, a stranger, a department the task does not concern.
    for (action, body, token, status) in [
        ("strategy_progress_show", json!({"id": id}), None, StatusCode::NOT_FOUND),
        ("strategy_progress_show", json!({"id": id}), Some(&khcn.token), StatusCode::NOT_FOUND),
        (
            "strategy_progress_show",
            json!({"task": TASK, "organization": "bo-cong-an"}),
            Some(&hn.token),
            StatusCode::NOT_FOUND,
        ),
        ("strategy_progress_submit", json!({"id": id}), Some(&khcn.token), StatusCode::NOT_FOUND),
        ("strategy_progress_submit", json!({"id": id}), None, StatusCode::NOT_FOUND),
        (
            "strategy_progress_update",
            json!({"task": TASK, "organization": "bo-cong-an", "status": "delayed"}),
            Some(&khcn.token),
            StatusCode::FORBIDDEN,
        ),
        (
            "strategy_progress_update",
            json!({"task": TASK, "organization": "bo-cong-an", "status": "delayed"}),
            None,
            StatusCode::FORBIDDEN,
        ),
        ("strategy_progress_review", json!({"id": id, "decision": "approve"}), Some(&bca.token), StatusCode::FORBIDDEN),
        (
            "strategy_progress_review",
            json!({"id": id, "decision": "approve"}),
            Some(&khcn.token),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let (s, v) = app.post(action, body, token.map(|t| t.as_str())).await;
        assert_eq!(s, status, "{action}: {v}");
    }
    let (s, v) = app
        .post(
            "strategy_progress_update",
            json!({"task": TASK, "organization": "so-tt-hn", "status": "in_progress"}),
            Some(&so.token),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        v["error"]["organization"][0].as_str().unwrap().contains("not a lead or coordinating agency of task A.II.1")
    );
    let (_, v) = app.get("strategy_progress_list", &[("task", TASK)], None).await;
    assert_eq!(v["result"]["count"], 0, "a draft is not public");
    let (_, v) = app.get("strategy_progress_list", &[("task", TASK)], Some(&khcn.token)).await;
    assert_eq!(v["result"]["count"], 0, "nor shown to another agency");

    // Submitted, frozen, rejected with a note, edited, approved.
    let sent =
        app.ok("strategy_progress_submit", json!({"task": TASK, "organization": "bo-cong-an"}), &bca.token).await;
    assert_eq!(sent["state"], "submitted");
    let (s, v) = app
        .post(
            "strategy_progress_update",
            json!({"task": TASK, "organization": "bo-cong-an", "percent": 35}),
            Some(&bca.token),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a submitted report is frozen: {v}");
    let (s, v) = app.post("strategy_progress_review", json!({"id": id, "decision": "reject"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["error"]["note"][0].as_str().unwrap().starts_with("Missing value"));
    let rejected = app
        .ok(
            "strategy_progress_review",
            json!({"id": id, "decision": "reject", "note": "Thiếu số liệu kết quả"}),
            &app.admin,
        )
        .await;
    assert_eq!((&rejected["state"], &rejected["review_note"]), (&json!("rejected"), &json!("Thiếu số liệu kết quả")));
    let (s, _) = app.post("strategy_progress_review", json!({"id": id, "decision": "approve"}), Some(&app.admin)).await;
    assert_eq!(s, StatusCode::CONFLICT, "only a submitted report is reviewed");
    // Only the fields sent change.
    let edited = app
        .ok("strategy_progress_update", json!({"task": TASK, "organization": "bo-cong-an", "percent": 50}), &bca.token)
        .await;
    assert_eq!(
        (&edited["state"], &edited["percent"], &edited["text"], &edited["period"]),
        (&json!("draft"), &json!(50), &json!("Đã xây dựng kế hoạch"), &json!("Quý I"))
    );
    assert_eq!(edited["evidence"].as_array().unwrap().len(), 2);
    app.ok("strategy_progress_submit", json!({"id": id}), &bca.token).await;
    let approved = app.ok("strategy_progress_review", json!({"id": id, "decision": "approve"}), &app.admin).await;
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["approved"]["percent"], 50);

    // The history: who did what, and the state each step left.
    let (_, v) = app.get("strategy_progress_show", &[("id", &id)], Some(&bca.token)).await;
    let shown = &v["result"];
    let who = "bien-tap-bo-cong-an";
    let expected: Vec<(String, String, String)> = [
        ("edit", "draft", who),
        ("submit", "submitted", who),
        ("reject", "rejected", "admin"),
        ("edit", "draft", who),
        ("submit", "submitted", who),
        ("approve", "approved", "admin"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(steps(shown), expected);
    assert_eq!(shown["history"][2]["note"], "Thiếu số liệu kết quả");
    assert_eq!(shown["history"][3]["changes"], json!(["percent"]));
    assert_eq!(shown["history"][0]["content"]["percent"], 30);
    // Everyone else sees the approved version and only its approval.
    let (_, v) = app.get("strategy_progress_show", &[("id", &id)], None).await;
    let public = &v["result"];
    assert_eq!(
        (&public["state"], &public["percent"], &public["review_note"]),
        (&json!("approved"), &json!(50), &Value::Null)
    );
    assert_eq!(steps(public), vec![("approve".into(), "approved".into(), "admin".into())]);

    // A new draft over an approved report: the approved one stays public.
    app.ok(
        "strategy_progress_update",
        json!({"task": TASK, "organization": "bo-cong-an", "status": "delayed", "text": "Chưa bố trí được kinh phí"}),
        &bca.token,
    )
    .await;
    let (_, v) = app.get("strategy_progress_show", &[("id", &id)], None).await;
    assert_eq!((&v["result"]["status"], &v["result"]["text"]), (&json!("in_progress"), &json!("Đã xây dựng kế hoạch")));
    let (_, v) = app.get("strategy_progress_show", &[("id", &id)], Some(&bca.token)).await;
    assert_eq!((&v["result"]["state"], &v["result"]["status"]), (&json!("draft"), &json!("delayed")));
    assert_eq!(v["result"]["approved"]["status"], "in_progress");

    // Today's successor of a merged coordinating ministry reports too.
    let k = app
        .ok(
            "strategy_progress_update",
            json!({"task": TASK, "organization": "bo-khcn", "status": "completed", "text": "Đã hoàn thành phần việc",
                   "evidence": [{"title": "Thông báo", "kind": "link", "url": "https://most.gov.vn/tb"}]}),
            &khcn.token,
        )
        .await;
    assert_eq!((&k["role"], &k["percent"]), (&json!("coordinating"), &Value::Null));
    app.ok("strategy_progress_submit", json!({"id": k["id"]}), &khcn.token).await;
    app.ok("strategy_progress_review", json!({"id": k["id"], "decision": "approve"}), &app.admin).await;
    // A province concerned as one of "the ministries, sectors and localities": a draft only.
    let h = app
        .ok(
            "strategy_progress_update",
            json!({"task": TASK, "organization": "ha-noi", "status": "not_started", "text": "Bản nháp riêng"}),
            &hn.token,
        )
        .await;
    assert_eq!(h["role"], "coordinating");

    // The task's roll-up: the lead's report decides; the draft does not count.
    let (_, v) = app.get("strategy_task_show", &[("id", TASK)], None).await;
    let t = &v["result"];
    let orgs: Vec<(&str, &str, &str)> = t["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (p["organization"]["name"].as_str().unwrap(), p["role"].as_str().unwrap(), p["status"].as_str().unwrap())
        })
        .collect();
    assert_eq!(orgs.len(), 2);
    assert!(
        orgs.contains(&("bo-cong-an", "lead", "in_progress"))
            && orgs.contains(&("bo-khcn", "coordinating", "completed"))
    );
    assert_eq!(
        t["overall"],
        json!({"status": "in_progress", "label": "Đang triển khai", "label_en": "In progress",
                                   "percent": 50, "agencies": 1})
    );
    assert!(t["coordinating_today"].as_array().unwrap().contains(&json!("Bộ Khoa học và Công nghệ")));
    let bca_line =
        t["progress"].as_array().unwrap().iter().find(|p| p["organization"]["name"] == "bo-cong-an").unwrap();
    assert_eq!(bca_line["text"], "Đã xây dựng kế hoạch");
    assert_eq!(bca_line["evidence"][0]["url"], "https://bocongan.gov.vn/ke-hoach-12");
    let (_, v) = app.get("strategy_task_list", &[("agency", "Bộ Công an")], None).await;
    let listed = v["result"]["results"].as_array().unwrap().iter().find(|x| x["id"] == TASK).unwrap().clone();
    assert_eq!(listed["overall"]["status"], "in_progress");
    assert_eq!(listed["progress"].as_array().unwrap().len(), 2);
    assert!(listed["progress"][0].get("text").is_none(), "lists carry no texts");
    let (_, v) = app.get("strategy_task_show", &[("id", "A.I.1")], None).await;
    assert_eq!(v["result"]["overall"]["status"], "not_reported");

    // Lists: what each may see.
    let (_, v) = app.get("strategy_progress_list", &[("task", TASK)], None).await;
    assert_eq!(v["result"]["count"], 2);
    let (_, v) = app.get("strategy_progress_list", &[("status", "completed")], None).await;
    assert_eq!(v["result"]["results"][0]["organization"]["name"], "bo-khcn");
    assert_eq!(v["result"]["count"], 1);
    let (_, v) = app.get("strategy_progress_list", &[("state", "draft")], Some(&bca.token)).await;
    assert_eq!(v["result"]["count"], 1, "its own draft only: {v}");
    assert_eq!(v["result"]["results"][0]["status"], "delayed");
    let (_, v) = app.get("strategy_progress_list", &[("state", "draft")], Some(&app.admin)).await;
    assert_eq!(v["result"]["count"], 2, "reviewers see every draft");
    let (_, v) = app.get("strategy_progress_list", &[("organization", "ha-noi")], None).await;
    assert_eq!(v["result"]["count"], 0);
    let (s, _) = app.get("strategy_progress_list", &[("status", "done")], None).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // A reviewer may add an agency the Decision does not name.
    let extra = app
        .ok(
            "strategy_progress_update",
            json!({"task": TASK, "organization": "so-tt-hn", "status": "in_progress"}),
            &app.admin,
        )
        .await;
    assert_eq!(extra["role"], Value::Null);

    // The annual report takes the approved progress of the tasks the agency leads.
    let report = app.ok("strategy_report_create", json!({"organization": "bo-cong-an"}), &bca.token).await;
    let line = report["content"]["tasks"].as_array().unwrap().iter().find(|t| t["id"] == TASK).unwrap().clone();
    assert_eq!(
        (&line["progress"], &line["status"], &line["percent"]),
        (&json!("Đã xây dựng kế hoạch"), &json!("in_progress"), &json!(50))
    );
    assert_eq!(line["evidence"].as_array().unwrap().len(), 2);
});

backends!(entered_indicator_values_appear_once_approved_and_only_to_whom_they_may, |app| async move {
    for (name, title, kind) in [("bo-y-te", "Bộ Y tế", "ministry"), ("ha-noi", "Thành phố Hà Nội", "province")]
    {
        app.ok("organization_create", json!({"name": name, "title": title, "agency_kind": kind}), &app.admin).await;
    }
    let byt = app.user("bien-tap-byt").await;
    app.member("bo-y-te", "bien-tap-byt", "editor").await;
    let hn = app.user("bien-tap-hn").await;
    app.member("ha-noi", "bien-tap-hn", "editor").await;
    let ev =
        json!([{"title": "Báo cáo thống kê y tế 2025", "kind": "link", "url": "https://moh.gov.vn/thong-ke-2025"}]);
    // T2030-23: 95% of healthcare data structured (a percentage); T2030-24: five data exchanges (a count).
    for (body, field, message) in [
        (
            json!({"target": "T2030-23", "organization": "bo-y-te", "count": 3, "evidence": ev}),
            "count",
            "Only for targets counted in units; this target is measured in percent",
        ),
        (
            json!({"target": "T2030-23", "organization": "bo-y-te", "percent": 40, "numerator": 1, "denominator": 2, "evidence": ev}),
            "percent",
            "Give either numerator and denominator, or percent, not both",
        ),
        (
            json!({"target": "T2030-23", "organization": "bo-y-te", "numerator": 7, "denominator": 5, "evidence": ev}),
            "numerator",
            "Must not be greater than the denominator",
        ),
        (
            json!({"target": "T2030-23", "organization": "bo-y-te", "percent": 40}),
            "evidence",
            "An entered value needs at least one item of evidence",
        ),
        (
            json!({"target": "T2030-24", "organization": "bo-y-te", "percent": 40, "evidence": ev}),
            "percent",
            "Only for targets measured in percent; this target counts units",
        ),
        (
            json!({"target": "T2030-99", "organization": "bo-y-te", "percent": 40, "evidence": ev}),
            "target",
            "No target \"T2030-99\" in the Strategy (T2030-1 … T2030-25)",
        ),
    ] {
        let (s, v) = app.post("strategy_indicator_entry_update", body.clone(), Some(&byt.token)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}: {v}");
        assert_eq!(v["error"][field], json!([message]), "{body}: {v}");
    }
    let e = app
        .ok(
            "strategy_indicator_entry_update",
            json!({"target": "T2030-23", "organization": "bo-y-te", "numerator": 45, "denominator": 60,
                   "note": "Số cơ sở y tế có dữ liệu có cấu trúc", "evidence": ev}),
            &byt.token,
        )
        .await;
    let id = e["id"].as_str().unwrap().to_string();
    assert_eq!(
        (&e["state"], &e["value"], &e["source"], &e["scope"]),
        (&json!("draft"), &json!(75.0), &json!("entered"), &json!("organization"))
    );
    // The national figure is the reviewers'.
    let (s, _) = app
        .post(
            "strategy_indicator_entry_update",
            json!({"target": "T2030-23", "percent": 62.5, "evidence": ev}),
            Some(&byt.token),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let national = app
        .ok(
            "strategy_indicator_entry_update",
            json!({"target": "T2030-23", "percent": "62,5", "note": "Tổng hợp từ các bộ", "evidence": ev}),
            &app.admin,
        )
        .await;
    assert_eq!(
        (&national["scope"], &national["value"], &national["organization"]),
        (&json!("national"), &json!(62.5), &Value::Null)
    );
    // A supplement to a computed indicator, never a replacement.
    let supplement = app
        .ok("strategy_indicator_entry_update", json!({"target": "T2030-5", "percent": 10, "evidence": ev}), &app.admin)
        .await;

    // Nothing shows before approval.
    let (_, v) = app.get("strategy_indicator_list", &[], None).await;
    assert_eq!(v["result"]["entered"], json!([]));
    let (_, _, html) = app.page("/strategy").await;
    assert!(!html.contains("62,5") && !html.contains("Nhập tay</span>"), "no entered value yet");
    // Other agencies and strangers can neither see nor touch the drafts.
    for token in [None, Some(hn.token.as_str())] {
        let (_, v) = app.get("strategy_indicator_entry_list", &[], token).await;
        assert_eq!(v["result"]["count"], 0, "{v}");
        let (s, _) = app.get("strategy_indicator_entry_show", &[("id", &id)], token).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.post("strategy_indicator_entry_submit", json!({"id": id}), token).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .post(
                "strategy_indicator_entry_update",
                json!({"target": "T2030-23", "organization": "bo-y-te", "percent": 1, "evidence": ev}),
                token,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, _) =
        app.get("strategy_indicator_entry_show", &[("id", national["id"].as_str().unwrap())], Some(&byt.token)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a national draft is the reviewers' own");
    let (_, v) = app.get("strategy_indicator_entry_list", &[], Some(&byt.token)).await;
    assert_eq!(v["result"]["count"], 1);

    app.ok("strategy_indicator_entry_submit", json!({"id": id}), &byt.token).await;
    let (s, _) =
        app.post("strategy_indicator_entry_review", json!({"id": id, "decision": "approve"}), Some(&byt.token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an agency does not approve its own figure");
    let (_, v) = app.get("strategy_indicator_list", &[], None).await;
    assert_eq!(v["result"]["entered"], json!([]), "submitted is not approved");
    app.ok("strategy_indicator_entry_review", json!({"id": id, "decision": "approve"}), &app.admin).await;
    for e in [&national, &supplement] {
        app.ok("strategy_indicator_entry_submit", json!({"id": e["id"]}), &app.admin).await;
        app.ok("strategy_indicator_entry_review", json!({"id": e["id"], "decision": "approve"}), &app.admin).await;
    }

    let (_, v) = app.get("strategy_indicator_list", &[], None).await;
    let r = &v["result"];
    let entered: Vec<(&str, &str, f64)> = r["entered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["target"]["id"].as_str().unwrap(), e["scope"].as_str().unwrap(), e["value"].as_f64().unwrap()))
        .collect();
    assert_eq!(entered.len(), 3, "{entered:?}");
    for want in [("T2030-23", "national", 62.5), ("T2030-23", "organization", 75.0), ("T2030-5", "national", 10.0)] {
        assert!(entered.contains(&want), "{want:?} in {entered:?}");
    }
    assert!(r["entered"].as_array().unwrap().iter().all(|e| e["source"] == "entered" && e["state"] == "approved"));
    assert_eq!(r["national"].as_array().unwrap().len(), 4, "the computed figures are all still there");
    let computed = r["national"].as_array().unwrap().iter().find(|x| x["indicator"] == "open_data_agencies").unwrap();
    assert_ne!(computed["value"], json!(10.0), "the entered supplement replaces nothing");
    let (_, v) = app.get("strategy_indicator_list", &[("level", "ministry")], None).await;
    let only: Vec<&str> = v["result"]["entered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["organization"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(only, vec!["bo-y-te"]);
    let (_, v) = app.get("strategy_indicator_entry_list", &[("organization", "national")], None).await;
    assert_eq!(v["result"]["count"], 2);
    let (_, v) = app.get("strategy_indicator_entry_show", &[("id", &id)], None).await;
    assert_eq!(steps(&v["result"]), vec![("approve".into(), "approved".into(), "admin".into())]);

    // The targets page shows them beside the computed figures, marked as entered.
    let (_, _, html) = app.page("/strategy").await;
    assert!(html.contains("<span class=\"badge\">Nhập tay</span> <strong>62,5 %</strong>"), "{html}");
    assert!(html.contains("href=\"https://moh.gov.vn/thong-ke-2025\""));
    assert!(html.contains("<strong>10 %</strong>") || html.contains("<strong>10,0 %</strong>"));
    let (_, _, html) = app.page("/en/strategy").await;
    assert!(html.contains("<span class=\"badge\">Entered</span> <strong>62.5 %</strong>"), "{html}");
});

backends!(task_page_shows_approved_progress_only_and_its_form_works_with_csrf, |app| async move {
    let users = agencies(app).await;
    let (bca, hn) = (&users[0], &users[2]);
    let y = year();
    let approved = app
        .ok(
            "strategy_progress_update",
            json!({"task": TASK, "organization": "bo-cong-an", "status": "in_progress", "percent": 40,
                   "text": "Đã ban hành kế hoạch triển khai",
                   "evidence": [{"title": "Kế hoạch 12", "kind": "link", "url": "https://bocongan.gov.vn/kh-12"}]}),
            &bca.token,
        )
        .await;
    app.ok("strategy_progress_submit", json!({"id": approved["id"]}), &bca.token).await;
    app.ok("strategy_progress_review", json!({"id": approved["id"], "decision": "approve"}), &app.admin).await;
    app.ok(
        "strategy_progress_update",
        json!({"task": TASK, "organization": "ha-noi", "status": "not_started", "text": "Bản nháp riêng của Hà Nội"}),
        &hn.token,
    )
    .await;

    // Anonymous: the approved progress, no draft, no form.
    let mut anon = Browser::new(app);
    let p = anon.get(&format!("/strategy/tasks/{TASK}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Đã ban hành kế hoạch triển khai") && p.body.contains("Đang triển khai"), "{}", p.body);
    assert!(p.body.contains("href=\"https://bocongan.gov.vn/kh-12\""));
    assert!(p.body.contains("Bộ Khoa học và Công nghệ"), "the coordinating ministry as it is today");
    assert!(!p.body.contains("Bản nháp riêng của Hà Nội"));
    assert!(!p.body.contains("st-progress-form"));
    let p = anon.get("/strategy/tasks").await;
    assert!(p.body.contains(&format!("href=\"/strategy/tasks/{TASK}\"")));
    let p = anon.get("/en/strategy/tasks/A.II.1").await;
    assert!(p.body.contains("In progress"), "{}", p.body);
    assert_eq!(anon.get("/strategy/tasks/Z.9").await.status, StatusCode::NOT_FOUND);
    let r = anon.get("/strategy/review").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "strangers are sent to log in");

    // Another agency's editor: no sight of Hà Nội's draft.
    let mut b = Browser::new(app);
    b.login("bien-tap-bo-cong-an", USER_PASSWORD).await;
    let p = b.get(&format!("/strategy/tasks/{TASK}")).await;
    assert!(p.body.contains("st-progress-form") && !p.body.contains("Bản nháp riêng của Hà Nội"));
    assert_eq!(b.get("/strategy/review").await.status, StatusCode::FORBIDDEN);

    // Hà Nội's editor: its draft in the form; errors beside their fields; then submitted.
    let mut h = Browser::new(app);
    h.login("bien-tap-ha-noi", USER_PASSWORD).await;
    let page = h.get(&format!("/strategy/tasks/{TASK}")).await;
    assert!(page.body.contains(">Bản nháp riêng của Hà Nội</textarea>"), "{}", page.body);
    let csrf = page.csrf();
    let path = format!("/strategy/tasks/{TASK}");
    let y_text = y.to_string();
    let mut form: Vec<(&str, &str)> = vec![
        ("organization", "ha-noi"),
        ("year", &y_text),
        ("status", "completed"),
        ("percent", "90"),
        ("text", "Đã kết nối dữ liệu dân cư"),
        ("ev-0-title", "Công văn 15"),
        ("ev-0-kind", "link"),
        ("ev-0-url", "ftp://hanoi.gov.vn/cv15"),
        ("ev-1-title", ""),
        ("ev-1-kind", ""),
        ("do", "submit"),
    ];
    let r = h.post(&path, &form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no token, nothing happens");
    form.push(("_csrf", &csrf));
    let r = h.post(&path, &form).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Nhiệm vụ đã hoàn thành thì đạt 100 %"), "{}", r.body);
    assert!(r.body.contains("Phải là địa chỉ web bắt đầu bằng http:// hoặc https://"));
    assert!(
        r.body.contains("id=\"ev-0-url\" name=\"ev-0-url\" value=\"ftp://hanoi.gov.vn/cv15\" aria-invalid=\"true\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("href=\"#pf-percent\""), "the summary links the field");
    let (_, v) =
        app.get("strategy_progress_show", &[("task", TASK), ("organization", "ha-noi")], Some(&hn.token)).await;
    assert_eq!(v["result"]["text"], "Bản nháp riêng của Hà Nội", "a failed form changes nothing");
    for (k, val) in form.iter_mut() {
        match *k {
            "percent" => *val = "100",
            "ev-0-url" => *val = "https://hanoi.gov.vn/cv15",
            _ => {}
        }
    }
    let r = h.post(&path, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/strategy/tasks/{TASK}?organization=ha-noi&year={y}&done=submitted"));
    let p = h.get(&r.location()).await;
    assert!(p.body.contains("Đã gửi báo cáo để thẩm định.") && p.body.contains("Chờ thẩm định"), "{}", p.body);
    let (_, v) =
        app.get("strategy_progress_show", &[("task", TASK), ("organization", "ha-noi")], Some(&hn.token)).await;
    let sent = &v["result"];
    assert_eq!(
        (&sent["state"], &sent["status"], &sent["percent"]),
        (&json!("submitted"), &json!("completed"), &json!(100))
    );
    assert_eq!(
        sent["evidence"],
        json!([{"title": "Công văn 15", "kind": "link", "url": "https://hanoi.gov.vn/cv15",
                                        "dataset": null, "number": null, "date": null}])
    );

    // The reviewer's queue: a return needs a note; an approval publishes.
    let mut admin = Browser::new(app);
    admin.login("admin", "mat-khau-quan-tri").await;
    assert!(admin.get("/dashboard").await.body.contains("href=\"/strategy/review\""));
    let q = admin.get("/strategy/review").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.body.contains("Đã kết nối dữ liệu dân cư") && q.body.contains("Thành phố Hà Nội"), "{}", q.body);
    let csrf = q.csrf();
    let id = sent["id"].as_str().unwrap();
    let r = admin.post("/strategy/review", &[("kind", "progress"), ("id", id), ("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no token");
    let r = admin
        .post("/strategy/review", &[("_csrf", &csrf), ("kind", "progress"), ("id", id), ("decision", "reject")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Hãy ghi lý do trả lại."), "{}", r.body);
    let r = admin
        .post("/strategy/review", &[("_csrf", &csrf), ("kind", "progress"), ("id", id), ("decision", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/strategy/review?done=approve");
    let p = admin.get("/strategy/review?done=approve").await;
    assert!(p.body.contains("Đã duyệt.") && p.body.contains("Không có gì chờ thẩm định."));
    let p = anon.get(&format!("/strategy/tasks/{TASK}")).await;
    assert!(p.body.contains("Đã kết nối dữ liệu dân cư") && p.body.contains("href=\"https://hanoi.gov.vn/cv15\""));
    // Its history, seen by everyone as approvals only.
    let history = &p.body[p.body.find("id=\"history-h\"").expect("a history")..];
    let steps: Vec<&str> = history.split("<td>").skip(1).filter_map(|c| c.split("</td>").next()).collect();
    assert!(steps.contains(&"Duyệt"), "{history}");
    assert!(
        !steps.iter().any(|s| ["Sửa bản nháp", "Gửi thẩm định", "Trả lại"].contains(s)),
        "approvals only: {history}"
    );
    let p = h.get(&format!("/strategy/tasks/{TASK}")).await;
    assert!(p.body.contains("Sửa bản nháp") && p.body.contains("Gửi thẩm định"));
    // A reviewer's form for any agency, by name.
    let p = admin.get(&format!("/strategy/tasks/{TASK}?organization=so-tt-hn")).await;
    assert!(p.body.contains("name=\"organization\" value=\"so-tt-hn\""), "{}", p.body);
});
