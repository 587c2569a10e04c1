//! The portal as people use it, in a real browser: headless Chromium driven
//! by playwright-core (script: `tests/e2e/portal.mjs`) searches without
//! diacritics, filters by a facet, opens and downloads, signs in, creates a
//! dataset with a CSV file, switches language, works without JavaScript and
//! passes axe-core's accessibility audit at desktop and phone widths. A
//! dataset of hostile text (a 250-letter title without spaces, a 400-letter
//! word, bidi overrides, zero-width spaces, emoji, CJK, a `<script>`) must
//! neither break the layout nor run anything.
//!
//! Needs Node.js, the npm packages `scripts/test` installs under
//! `target/e2e-node` (or `KHO_TEST_NODE_MODULES`), and Chromium
//! (`KHO_CHROMIUM`, default Debian's `/usr/bin/chromium`, which `.ci/run`
//! installs). Missing any of them fails the test: an acceptance test that
//! quietly skips proves nothing. Full-page screenshots land in
//! `target/e2e-screenshots/<backend>/`.

use crate::backends;
use crate::resources::upload;
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The sysadmin `TestApp` creates, as the login form needs it.
const ADMIN_USER: &str = "admin";
const ADMIN_PASSWORD: &str = "mat-khau-quan-tri";

/// A title only the private dataset has; anonymous pages must never show it.
const PRIVATE_TITLE: &str = "Hồ sơ nhân sự nội bộ";

/// The dataset carrying the uploaded CSV, and the file's bytes.
const CSV_DATASET: &str = "dan-so-theo-tinh-2025";
const CSV: &str = "Tỉnh/thành phố,Dân số (nghìn người),Mật độ (người/km²)\n\
                   Hà Nội,8587,2556\n\
                   Thành phố Hồ Chí Minh,9522,4545\n\
                   Đà Nẵng,1247,971\n";

/// The dataset of hostile text (see [`hostile_dataset`]).
const HOSTILE_DATASET: &str = "kiem-thu-bo-cuc-khac-nghiet";

/// Longest tag the API accepts (`kho_core::names::check_tag`), in characters.
const TAG_MAX: usize = 100;

/// Longest the browser run may take before it counts as hung.
const BROWSER_DEADLINE: Duration = Duration::from_secs(600);

/// The workspace root (this crate is `crates/cli`).
pub(crate) fn workspace() -> PathBuf {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    cli.ancestors().nth(2).unwrap_or(cli).to_path_buf()
}

/// Where the browser and the npm packages are, or why the test cannot run.
pub(crate) fn tools() -> (String, PathBuf, PathBuf) {
    let hint = "run scripts/test (it installs the npm packages; .ci/run installs Chromium)";
    let node = std::env::var("KHO_TEST_NODE").unwrap_or_else(|_| "node".into());
    let version = std::process::Command::new(&node).arg("--version").output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "Node.js (`{node}`) is needed for the browser tests: {version:?}; {hint}"
    );
    let modules = std::env::var_os("KHO_TEST_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target").join("e2e-node").join("node_modules"));
    for package in ["playwright-core", "axe-core"] {
        assert!(
            modules.join(package).join("package.json").is_file(),
            "the npm package {package} is missing from {}; {hint}",
            modules.display()
        );
    }
    let chromium = PathBuf::from(std::env::var("KHO_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    assert!(chromium.is_file(), "Chromium is missing at {} (set KHO_CHROMIUM); {hint}", chromium.display());
    (node, modules, chromium)
}

/// `pattern` repeated and cut to exactly `chars` characters.
fn repeat_to(pattern: &str, chars: usize) -> String {
    pattern.chars().cycle().take(chars).collect()
}

/// Title, notes and tag of a dataset written to break layouts and escape
/// markup: what publishers paste from spreadsheets and PDFs, and what an
/// attacker would try. The notes' first word is what the browser script
/// searches for, so it is a word found in no other dataset.
fn hostile_dataset() -> (String, String, String) {
    // One 250-letter word: nothing to wrap at unless the CSS allows
    // breaking inside words.
    let title = repeat_to("Dữliệu", 250);
    // A URL-like word of 400 characters with no hyphen or space after the
    // host, so a browser finds no ordinary break opportunity in it.
    let prefix = "https://dulieu.example.vn/";
    let long_word = format!("{prefix}{}", repeat_to("taive0123456789duongdan", 400 - prefix.chars().count()));
    let notes = format!(
        "Thửthách bố cục và bảo mật của trang.\n\n\
         Dấu tổ hợp: Vie\u{0323}\u{0302}t Nam; đảo chiều giữa từ: dữ\u{202E}liệu; \
         khoảng trắng rộng không: không\u{200B}gian\u{200B}\u{200B}rỗng; \
         emoji: 👩🏽\u{200D}💻; tiếng Trung: 数据.\n\n\
         {long_word}\n\n\
         | Cột | Giá trị |\n\
         | --- | --- |\n\
         | Emoji | 👩🏽\u{200D}💻 |\n\
         | CJK | 数据 |\n\n\
         <script>alert(1)</script>\n"
    );
    // Letters, digits, `_` and `.` only: the longest tag the API takes,
    // with no space or hyphen to wrap at.
    let tag = repeat_to("Thẻdữliệu_2025.", TAG_MAX);
    (title, notes, tag)
}

/// Public datasets in three organizations, one with an uploaded CSV, one of
/// hostile text, and one private dataset.
async fn seed(app: &TestApp) {
    for (name, title) in
        [("so-y-te", "Sở Y tế"), ("so-giao-duc", "Sở Giáo dục và Đào tạo"), ("cuc-thong-ke", "Cục Thống kê")]
    {
        app.ok("organization_create", json!({"name": name, "title": title}), &app.admin).await;
    }
    let (hostile_title, hostile_notes, hostile_tag) = hostile_dataset();
    // The tag is the longest allowed: one character more is refused, so
    // the browser sees the worst tag a publisher can actually save.
    let (status, v) = app
        .post(
            "package_create",
            json!({"name": "the-qua-dai", "owner_org": "so-giao-duc", "tags": [{"name": format!("{hostile_tag}x")}]}),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a {}-character tag was accepted: {v}", TAG_MAX + 1);
    let datasets = [
        (
            CSV_DATASET,
            "Dân số theo tỉnh năm 2025",
            "cuc-thong-ke",
            "Dân số trung bình và mật độ dân số của các tỉnh, thành phố.",
            json!([{"name": "dân số"}, {"name": "thống kê"}]),
            false,
        ),
        (
            "truong-hoc-ha-noi",
            "Trường học Hà Nội",
            "so-giao-duc",
            "Danh sách trường mầm non, tiểu học và trung học trên địa bàn Hà Nội.",
            json!([{"name": "giáo dục"}, {"name": "trường học"}]),
            false,
        ),
        (
            "benh-vien-cong-lap",
            "Bệnh viện công lập",
            "so-y-te",
            "Các bệnh viện công lập, số giường bệnh và chuyên khoa.",
            json!([{"name": "y tế"}, {"name": "bệnh viện"}]),
            false,
        ),
        (HOSTILE_DATASET, &hostile_title, "so-giao-duc", &hostile_notes, json!([{"name": hostile_tag}]), false),
        ("ho-so-nhan-su", PRIVATE_TITLE, "so-y-te", "Chỉ dùng trong nội bộ Sở.", json!([{"name": "y tế"}]), true),
    ];
    for (name, title, org, notes, tags, private) in datasets {
        let mut body = json!({"name": name, "title": title, "owner_org": org, "notes": notes, "tags": tags,
                              "private": private, "license_id": "cc-by"});
        if name != CSV_DATASET {
            body["resources"] =
                json!([{"url": format!("https://du-lieu.example.vn/{name}.json"), "format": "JSON", "name": "API"}]);
        }
        app.ok("package_create", body, &app.admin).await;
    }
    let (status, v) = upload(
        app,
        "resource_create",
        &[("package_id", CSV_DATASET), ("name", "Dân số các tỉnh 2025"), ("format", "CSV")],
        "dan-so-2025.csv",
        CSV.as_bytes().to_vec(),
        &app.admin,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "CSV upload: {v}");
    // Its table, for the resource page's table view and chart.
    let workers = crate::datastore::workers(app);
    let rid = v["result"]["id"].as_str().unwrap_or_default();
    crate::datastore::wait_loaded(app, rid, 1).await;
    // And its validation, for the quality report.
    crate::validation::wait_validated(app, rid, None).await;
    workers.stop(Duration::from_secs(5)).await;

    // The API keeps the hostile text whole (only normalised to NFC), so the
    // browser checks see exactly what was meant to be hostile.
    let (status, v) = app.get("package_show", &[("id", HOSTILE_DATASET)], None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["title"], hostile_title.as_str());
    assert_eq!(v["result"]["tags"][0]["name"], hostile_tag.as_str());
    let stored_notes = v["result"]["notes"].as_str().unwrap_or_default();
    assert!(stored_notes.contains("Việt Nam") && stored_notes.contains("<script>alert(1)</script>"), "{stored_notes}");
}

backends!(portal_in_a_browser, |app| async move {
    let (node, modules, chromium) = tools();
    seed(app).await;
    let backend = match app.catalog.store().backend() {
        kho_store::Backend::Sqlite => "sqlite",
        kho_store::Backend::Postgres => "postgres",
    };
    let shots = workspace().join("target").join("e2e-screenshots").join(backend);
    std::fs::create_dir_all(&shots).unwrap();
    let csv_file = app.data_dir().join("e2e-upload.csv");
    std::fs::write(&csv_file, CSV).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("e2e").join("portal.mjs");

    let started = Instant::now();
    let mut command = tokio::process::Command::new(&node);
    command
        .arg(&script)
        .args([&app.base, ADMIN_USER, ADMIN_PASSWORD])
        .arg(&shots)
        .arg(&modules)
        .args([PRIVATE_TITLE, CSV_DATASET])
        .arg(&csv_file)
        .arg(HOSTILE_DATASET)
        .env("KHO_CHROMIUM", &chromium)
        // A hung browser must not hang the suite: the deadline drops the child.
        .kill_on_drop(true);
    let out = tokio::time::timeout(BROWSER_DEADLINE, command.output())
        .await
        .unwrap_or_else(|_| panic!("the browser run took over {BROWSER_DEADLINE:?}"))
        .unwrap_or_else(|e| panic!("cannot run {node} {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("[{backend}] browser checks in {:.1?}:\n{stdout}{stderr}", started.elapsed());
    // stdout, the passed checks, is printed above; the failure is on stderr.
    assert!(out.status.success(), "[{backend}] the browser checks failed:\n{stderr}");
    assert!(stdout.contains("ALL E2E CHECKS PASSED"), "{stdout}");
});
