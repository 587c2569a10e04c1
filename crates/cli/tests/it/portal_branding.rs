//! A node's own branding, from configuration, as the real `kho serve`
//! binary renders it: a province's titles in both languages, its owning
//! agency in the footer, its logo served byte for byte, and its colour made
//! readable under white text. Bad branding settings stop the server at
//! start with a message naming the setting, rather than serving a broken
//! portal.

use crate::backends_bare;
use crate::support::{ServerProcess, kho_bin};
use reqwest::StatusCode;
use std::path::Path;
use std::time::Duration;

const TITLE_VI: &str = "Cổng dữ liệu mở tỉnh Thử Nghiệm";
const TITLE_EN: &str = "Open Data Portal of Thu Nghiem Province";
/// A pale yellow: white text on it is unreadable (about 1.2:1).
const PALE_YELLOW: &str = "#ffee88";
const AGENCY: &str = "UBND tỉnh Thử Nghiệm";
const AGENCY_URL: &str = "https://thunghiem.gov.vn";

/// A 1×1 RGB PNG of one pale-yellow pixel, with valid chunk CRCs (built for
/// this test with zlib), so the server is given a real image.
const LOGO_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xff, 0xae, 0x03, 0x00, 0x05, 0x65, 0x02, 0x76, 0xd7, 0x2d, 0xec, 0xc2,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// How long a server given bad settings may run before the test calls it
/// hung: refusing them happens before the database is even opened.
const REFUSAL_DEADLINE: Duration = Duration::from_secs(60);

/// A TOML basic string (the temp-dir paths and titles hold no control
/// characters, but a quote or backslash must not end the string early).
fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// WCAG 2 relative luminance of `#rrggbb`.
fn luminance(color: &str) -> f64 {
    let hex = color.strip_prefix('#').unwrap_or_else(|| panic!("{color:?} is not #rrggbb"));
    assert_eq!(hex.len(), 6, "{color:?} is not #rrggbb");
    let channel = |i: usize| {
        let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

/// WCAG contrast ratio of white text on `color`.
fn contrast_with_white(color: &str) -> f64 {
    1.05 / (luminance(color) + 0.05)
}

/// The text between the first `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

/// The few entities askama writes in attribute values and text, decoded so
/// assertions compare what a browser would show.
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn get_page(client: &reqwest::Client, base: &str, path: &str) -> String {
    let resp = client.get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    resp.text().await.unwrap()
}

backends_bare!(branding_from_config, |dir, url| async move {
    let logo = dir.join("logo-tinh.png");
    std::fs::write(&logo, LOGO_PNG).unwrap();
    let config = dir.join("kho.toml");
    std::fs::write(
        &config,
        format!(
            "site_title = {}\nsite_title_en = {}\nbrand_color = {}\nsite_logo = {}\n\
             owner_agency = {}\nowner_agency_url = {}\n",
            toml_string(TITLE_VI),
            toml_string(TITLE_EN),
            toml_string(PALE_YELLOW),
            toml_string(&logo.display().to_string()),
            toml_string(AGENCY),
            toml_string(AGENCY_URL),
        ),
    )
    .unwrap();
    let config_arg = config.display().to_string();
    let server = ServerProcess::start(&dir, &url, &["--config", &config_arg]).await;
    let client = reqwest::Client::new();

    for (path, title) in [("/", TITLE_VI), ("/en", TITLE_EN)] {
        let html = get_page(&client, &server.base, path).await;
        let head_title = unescape(between(&html, "<title>", "</title>").unwrap_or_default());
        assert!(head_title.contains(title), "GET {path}: <title>{head_title}</title> does not name {title:?}");
        let site_name =
            unescape(between(&html, "<meta property=\"og:site_name\" content=\"", "\"").unwrap_or_default());
        assert_eq!(site_name, title, "GET {path}: og:site_name");

        let footer = between(&html, "<footer", "</footer>").unwrap_or_else(|| panic!("GET {path}: no <footer>"));
        // `<a href="URL">TEXT</a>`: the part after `<a href="` splits at `">`.
        let link = between(footer, "<a href=\"", "</a>")
            .and_then(|link| link.split_once("\">"))
            .map(|(href, text)| (unescape(href), unescape(text)));
        assert_eq!(
            link,
            Some((AGENCY_URL.to_string(), AGENCY.to_string())),
            "GET {path}: the footer's first link should be the owning agency:\n{footer}"
        );
    }

    let html = get_page(&client, &server.base, "/").await;
    let style = between(&html, "<style>", "</style>").unwrap_or_else(|| panic!("no inline <style> on /:\n{html}"));
    let brand = between(style, "--brand:", ";")
        .or_else(|| between(style, "--brand:", "}"))
        .unwrap_or_else(|| panic!("the inline <style> sets no --brand: {style}"))
        .trim()
        .to_ascii_lowercase();
    // The configured colour itself would fail: the test guards that premise.
    assert!(contrast_with_white(PALE_YELLOW) < 4.5);
    assert_ne!(brand, PALE_YELLOW, "the pale brand colour is used as is: {style}");
    assert!(luminance(&brand) < luminance(PALE_YELLOW), "--brand:{brand} is not darker than {PALE_YELLOW}");
    let ratio = contrast_with_white(&brand);
    assert!(ratio >= 4.5, "white text on --brand:{brand} has contrast {ratio:.2}:1, under WCAG AA's 4.5:1");

    let src = between(&html, "<a class=\"brand\"", "</a>")
        .and_then(|brand_link| between(brand_link, "<img src=\"", "\""))
        .map(unescape)
        .unwrap_or_else(|| panic!("no logo <img> in the header of /:\n{html}"));
    assert!(src.starts_with("/static/logo.") && src.ends_with(".png"), "the logo is served at {src}");
    let resp = client.get(format!("{}{src}", server.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "GET {src}");
    let media_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(media_type, "image/png", "GET {src}");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), LOGO_PNG, "GET {src} differs from the configured logo file");
});

/// Runs `kho serve` with bad settings; returns whether it succeeded and its
/// stderr. A server that starts anyway is killed at the deadline.
async fn serve_refused(dir: &Path, url: &str, extra: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut command = tokio::process::Command::new(kho_bin());
    command
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--database-url", url])
        .arg("--data-dir")
        .arg(dir)
        .args(extra)
        .env("KHO_LOG", "warn")
        .env_remove("KHO_CONFIG")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(REFUSAL_DEADLINE, command.output())
        .await
        .unwrap_or_else(|_| panic!("kho serve {extra:?} with {env:?} kept running instead of refusing the settings"))
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

backends_bare!(bad_branding_stops_the_server, |dir, url| async move {
    let config = dir.join("kho.toml");
    std::fs::write(&config, "brand_color = \"blue\"\n").unwrap();
    let config_arg = config.display().to_string();
    let (ok, err) = serve_refused(&dir, &url, &["--config", &config_arg], &[]).await;
    assert!(!ok && err.contains("brand_color") && err.contains("blue"), "brand_color = \"blue\" in kho.toml:\n{err}");

    let (ok, err) = serve_refused(&dir, &url, &[], &[("KHO_BRAND_COLOR", "blue")]).await;
    assert!(!ok && err.contains("brand_color"), "KHO_BRAND_COLOR=blue:\n{err}");

    // A real GIF, so the refusal is about the format, not a missing file.
    let gif = dir.join("logo.gif");
    std::fs::write(&gif, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap();
    let gif_path = gif.display().to_string();
    let (ok, err) = serve_refused(&dir, &url, &[], &[("KHO_SITE_LOGO", &gif_path)]).await;
    assert!(!ok && err.contains("site_logo") && err.contains("logo.gif"), "KHO_SITE_LOGO={gif_path}:\n{err}");
});
