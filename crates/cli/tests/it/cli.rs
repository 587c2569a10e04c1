//! The `kho` binary: its help, and administration commands run beside a
//! running server on the same data, which sees their effect at once.

use crate::backends_bare;
use crate::support::{ServerProcess, kho_bin};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

#[test]
fn help_explains_every_command() {
    let out = std::process::Command::new(kho_bin()).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "migrate", "user", "token", "demo", "check", "search", "bench"] {
        assert!(text.contains(cmd), "`kho --help` does not mention {cmd}:\n{text}");
    }
    let out = std::process::Command::new(kho_bin()).args(["serve", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--data-dir",
        "--bind",
        "--database-url",
        "--index-dir",
        "--demo",
        "KHO_DATA_DIR",
        "KHO_BIND",
        "KHO_DATABASE_URL",
        "KHO_INDEX_DIR",
    ] {
        assert!(text.contains(flag), "`kho serve --help` does not mention {flag}:\n{text}");
    }
    let out = std::process::Command::new(kho_bin()).args(["user", "add", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--password-stdin"));
    let out = std::process::Command::new(kho_bin()).args(["search", "reindex", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("running server"));
    let out = std::process::Command::new(kho_bin()).args(["token", "issue", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--label"));
}

async fn call(base: &str, action: &str, body: Value, token: Option<&str>) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().post(format!("{base}/api/3/action/{action}")).json(&body);
    if let Some(t) = token {
        req = req.header("Authorization", t);
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap())
}

backends_bare!(commands_beside_a_running_server, |dir, url| async move {
    let server = ServerProcess::start(&dir, &url, &["--demo"]).await;
    let (_, list) = call(&server.base, "package_list", json!({}), None).await;
    assert_eq!(list["result"].as_array().unwrap().len(), 11, "demo: 12 datasets, one private");

    let (ok, _, err) = server.kho(
        &["user", "add", "lan", "--email", "lan@kho.test", "--fullname", "Nguyễn Thị Lan", "--password-stdin"],
        Some("mat-khau-dai-1\n"),
    );
    assert!(ok, "{err}");
    let (ok, out, err) = server.kho(&["token", "issue", "lan", "--label", "máy chủ"], None);
    assert!(ok, "{err}");
    let token = out.trim().to_string();
    assert_eq!(out, format!("{token}\n"), "only the token is printed on stdout");
    assert!(token.starts_with("kho_"));
    let (s, v) = call(&server.base, "user_show", json!({}), Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["fullname"], "Nguyễn Thị Lan");

    let (ok, _, err) = server.kho(&["user", "add", "quan-tri", "--email", "qt@kho.test", "--sysadmin"], None);
    assert!(ok, "{err}");
    let (_, admin_token, _) = server.kho(&["token", "issue", "quan-tri"], None);
    let admin_token = admin_token.trim().to_string();
    let (s, v) = call(
        &server.base,
        "package_create",
        json!({"name": "tu-cli", "owner_org": "bo-tai-chinh"}),
        Some(&admin_token),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (ok, out, _) = server.kho(&["token", "list", "lan"], None);
    assert!(ok && out.contains("máy chủ"));

    let (ok, _, err) = server.kho(&["token", "revoke", &token], None);
    assert!(ok, "{err}");
    let (s, _) = call(&server.base, "user_show", json!({}), Some(&token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the running server refuses a token revoked by the CLI at once");

    let (ok, out, err) = server.kho(&["user", "add", "lan", "--email", "x@kho.test"], None);
    assert!(!ok && err.contains("That login name is not available"), "{out}{err}");
    let (ok, _, err) = server.kho(&["user", "add", "ten-khong-hop-le!", "--email", "x@kho.test"], None);
    assert!(!ok && err.contains("name"), "{err}");
    let (ok, _, err) = server.kho(&["migrate"], None);
    assert!(ok, "{err}");
    let (ok, _, err) = server.kho(&["check"], None);
    assert!(ok, "{err}");
    let (ok, _, err) = server.kho(&["demo", "load"], None);
    assert!(ok && err.contains("already"), "{err}");
    let (ok, _, err) = server.kho(&["demo", "generate", "--datasets", "5"], None);
    assert!(ok, "{err}");
    let (_, list) = call(&server.base, "package_list", json!({}), None).await;
    assert!(list["result"].as_array().unwrap().len() >= 12 + 3, "generated datasets show at once: {list}");
});

backends_bare!(graceful_shutdown_finishes_in_flight_requests, |dir, url| async move {
    let server = ServerProcess::start(&dir, &url, &["--demo"]).await;
    server.kho(&["user", "add", "qt", "--email", "qt@kho.test", "--sysadmin"], None);
    let (_, token, _) = server.kho(&["token", "issue", "qt"], None);
    let token = token.trim().to_string();
    let (_, pkg) = call(&server.base, "package_show", json!({"id": "tuyen-xe-buyt-ha-noi"}), None).await;
    let package_id = pkg["result"]["id"].as_str().unwrap().to_string();

    // An upload that trickles in over about two seconds.
    let chunks = futures_util::stream::unfold(0u32, |i| async move {
        if i >= 20 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((Ok::<_, std::io::Error>(bytes_of(i)), i + 1))
    });
    let part = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(chunks)).file_name("cham.csv");
    let form =
        reqwest::multipart::Form::new().text("package_id", package_id).text("name", "Tải chậm").part("upload", part);
    let base = server.base.clone();
    let upload = tokio::spawn(async move {
        reqwest::Client::new()
            .post(format!("{base}/api/3/action/resource_create"))
            .header("Authorization", token)
            .multipart(form)
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.signal(libc::SIGTERM);
    let resp = upload.await.unwrap().expect("the in-flight upload completes");
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["result"]["size"], 20 * 10);
    let mut server = server;
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = server.child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(exited.expect("the server exits after SIGTERM").success());
});

fn bytes_of(i: u32) -> Vec<u8> {
    format!("{i:09}\n").into_bytes()
}
