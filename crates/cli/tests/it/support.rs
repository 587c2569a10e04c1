//! Test harness: a real Kho server on loopback over a fresh database, and
//! helpers to call it as different users.
//!
//! Every test body runs twice, once on SQLite and once on PostgreSQL
//! ([`backends!`]). Each run gets its own data directory and its own
//! database (a SQLite file, or a scratch PostgreSQL schema), so tests run
//! in parallel. PostgreSQL is found at `KHO_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`); `.ci/run` starts it.

use kho_catalog::{Actor, Catalog, CatalogOptions};
use kho_core::input::{Fields, UserInput};
use kho_server::{AppState, Limits};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body on both backends:
/// `backends!(name, |app| async move { ... });`
#[macro_export]
macro_rules! backends {
    ($name:ident, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: &$crate::support::TestApp) {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::support::TestApp::start($crate::support::Backend::Sqlite).await;
                body(&app).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::support::TestApp::start($crate::support::Backend::Postgres).await;
                body(&app).await;
                app.finish().await;
            }
        }
    };
}

/// The PostgreSQL server tests use.
pub fn postgres_base_url() -> String {
    std::env::var("KHO_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh database URL for `backend` under `dir`; for PostgreSQL also the schema.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> (String, Option<String>) {
    match backend {
        Backend::Sqlite => (format!("sqlite://{}", dir.join("kho.db").display()), None),
        Backend::Postgres => {
            let (schema, url) = kho_store::scratch::create(&postgres_base_url(), "kho_t").await.unwrap_or_else(|e| {
                panic!("PostgreSQL is needed for the postgres half of the suite ({e}); run .ci/run or start it")
            });
            (url, Some(schema))
        }
    }
}

/// Largest upload the test server accepts.
pub const TEST_UPLOAD_LIMIT: u64 = 2 * 1024 * 1024;
/// Largest JSON body the test server accepts (Kho's default).
pub const TEST_JSON_LIMIT: u64 = 5 * 1024 * 1024;

/// A running server with a sysadmin.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub catalog: Catalog,
    /// The sysadmin's token.
    pub admin: String,
    pub dir: tempfile::TempDir,
    /// The database the server uses (for CLI commands beside it).
    pub database_url: String,
    schema: Option<String>,
    server: tokio::task::JoinHandle<()>,
}

/// The password of every user `TestApp::user` creates.
pub const USER_PASSWORD: &str = "12345678abc";

/// A user created by a test, with a token.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub token: String,
}

impl TestApp {
    /// Starts a server on a fresh database.
    pub async fn start(backend: Backend) -> TestApp {
        let dir = tempfile::Builder::new().prefix("kho-test-").tempdir().expect("temp dir");
        let (database_url, schema) = fresh_database(backend, dir.path()).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let catalog = Catalog::open(CatalogOptions {
            database_url: database_url.clone(),
            data_dir: dir.path().to_path_buf(),
            site_url: Some(base.clone()),
            site_title: "Kho thử nghiệm".into(),
            max_upload_bytes: TEST_UPLOAD_LIMIT,
            db_max_connections: 8,
            db_busy_timeout: Duration::from_secs(10),
            index_dir: Some(dir.path().join("index")),
            datastore: kho_datastore::engine::EngineOptions {
                sql_timeout: Duration::from_secs(2),
                ..Default::default()
            },
            datastore_s3: None,
            // Linked files in the tests are served on loopback.
            fetch: kho_fetch::FetchOptions { allow_private: true, ..Default::default() },
        })
        .await
        .expect("open catalog");
        let state = AppState::new(
            catalog.clone(),
            Limits { max_json_bytes: TEST_JSON_LIMIT, request_timeout_secs: 30, upload_idle_timeout_secs: 5 },
            kho_portal::Branding { title_vi: "Kho thử nghiệm".into(), ..Default::default() },
        );
        let server = tokio::spawn(async move {
            let _ = kho_server::serve(listener, state, std::future::pending(), Duration::from_secs(1)).await;
        });
        let system = Actor::system();
        let input = UserInput::parse(
            Fields::from_value(
                json!({"name": "admin", "email": "admin@kho.test", "sysadmin": true, "password": "mat-khau-quan-tri"}),
            )
            .expect("dict"),
        )
        .expect("input");
        catalog.user_create(&system, input).await.expect("admin");
        let admin = catalog.token_create(&system, "admin", "test", None).await.expect("token").token;
        TestApp { base, client: reqwest::Client::new(), catalog, admin, dir, database_url, schema, server }
    }

    /// Stops the server and drops the scratch schema.
    pub async fn finish(self) {
        self.server.abort();
        self.catalog.close().await;
        if let Some(schema) = &self.schema {
            let _ = kho_store::scratch::drop(&postgres_base_url(), schema).await;
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// `POST /api/3/action/{name}` with a JSON body.
    pub async fn post(&self, action: &str, body: Value, token: Option<&str>) -> (StatusCode, Value) {
        let mut req = self.client.post(format!("{}/api/3/action/{action}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.header("Authorization", t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")))
    }

    /// `GET /api/3/action/{name}?{query}`.
    /// A page or file at `path`, as an anonymous visitor gets it: status,
    /// content type and body.
    pub async fn page(&self, path: &str) -> (StatusCode, String, String) {
        let r = self.client.get(format!("{}{path}", self.base)).send().await.expect("request");
        let status = r.status();
        let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        (status, ct, r.text().await.expect("body"))
    }

    pub async fn get(&self, action: &str, query: &[(&str, &str)], token: Option<&str>) -> (StatusCode, Value) {
        let mut req = self.client.get(format!("{}/api/3/action/{action}", self.base)).query(query);
        if let Some(t) = token {
            req = req.header("Authorization", t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")))
    }

    /// A successful POST's `result`; panics with the body otherwise.
    pub async fn ok(&self, action: &str, body: Value, token: &str) -> Value {
        let (status, v) = self.post(action, body, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{action} failed: {v}");
        assert_eq!(v["success"], true, "{v}");
        v["result"].clone()
    }

    /// Creates a user with a token; their password is [`USER_PASSWORD`].
    pub async fn user(&self, name: &str) -> TestUser {
        let u = self
            .ok(
                "user_create",
                json!({"name": name, "email": format!("{name}@kho.test"), "password": USER_PASSWORD}),
                &self.admin,
            )
            .await;
        let t = self.ok("api_token_create", json!({"user": name, "name": "test"}), &self.admin).await;
        TestUser {
            id: u["id"].as_str().unwrap_or_default().into(),
            token: t["token"].as_str().unwrap_or_default().into(),
        }
    }

    /// Creates an organization (as the sysadmin).
    pub async fn org(&self, name: &str) -> Value {
        self.ok("organization_create", json!({"name": name, "title": format!("Cơ quan {name}")}), &self.admin).await
    }

    /// Gives a user a role in an organization.
    pub async fn member(&self, org: &str, user: &str, role: &str) {
        self.ok("organization_member_create", json!({"id": org, "username": user, "role": role}), &self.admin).await;
    }

    /// Creates a dataset (as the sysadmin).
    pub async fn dataset(&self, org: &str, name: &str, private: bool) -> Value {
        self.ok(
            "package_create",
            json!({"name": name, "title": format!("Bộ dữ liệu {name}"), "owner_org": org, "private": private,
                   "tags": [{"name": "thử nghiệm"}],
                   "resources": [{"url": "https://example.vn/a.csv", "format": "csv", "name": "A"}]}),
            &self.admin,
        )
        .await
    }

    /// The error `__type` of a failed call.
    pub fn error_type(v: &Value) -> &str {
        v["error"]["__type"].as_str().unwrap_or("")
    }
}

/// The `kho` binary under test.
pub fn kho_bin() -> &'static str {
    env!("CARGO_BIN_EXE_kho")
}

/// A `kho serve` child process.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub base: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// The environment the server was started with, also given to `kho` commands.
    pub env: Vec<(String, String)>,
}

impl ServerProcess {
    /// Starts `kho serve` on a free port and waits until `/readyz` answers.
    pub async fn start(data_dir: &std::path::Path, database_url: &str, extra: &[&str]) -> ServerProcess {
        Self::start_env(data_dir, database_url, extra, &[]).await
    }

    /// [`ServerProcess::start`] with extra environment variables.
    pub async fn start_env(
        data_dir: &std::path::Path,
        database_url: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let bind = format!("127.0.0.1:{port}");
        let child = std::process::Command::new(kho_bin())
            .args(["serve", "--bind", &bind, "--database-url", database_url])
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env("KHO_LOG", "warn")
            .envs(env.iter().copied())
            .env_remove("KHO_CONFIG")
            .stdin(std::process::Stdio::null())
            .spawn()
            .expect("spawn kho serve");
        let server = ServerProcess {
            child,
            base: format!("http://{bind}"),
            data_dir: data_dir.to_path_buf(),
            database_url: database_url.to_string(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = client.get(format!("{}/readyz", server.base)).send().await
                && r.status() == StatusCode::OK
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("kho serve did not become ready");
    }

    /// Runs a `kho` command against the same data; returns (status, stdout, stderr).
    pub fn kho(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        run_kho_env(&self.data_dir, &self.database_url, args, stdin, &self.env)
    }

    /// Adds a sysadmin `qt` with the CLI and returns an API token of theirs.
    pub fn sysadmin_token(&self) -> String {
        self.kho(&["user", "add", "qt", "--email", "qt@kho.test", "--sysadmin"], None);
        let (_, token, _) = self.kho(&["token", "issue", "qt"], None);
        token.trim().to_string()
    }

    /// Calls an action with `token` (POST, JSON).
    pub async fn call(&self, token: &str, action: &str, body: Value) -> (StatusCode, Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/api/3/action/{action}", self.base))
            .header("Authorization", token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    }

    /// Sends a signal to the server.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, sig);
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a `kho` command on a data directory and database.
pub fn run_kho(
    data_dir: &std::path::Path,
    database_url: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> (bool, String, String) {
    run_kho_env(data_dir, database_url, args, stdin, &[])
}

/// [`run_kho`] with extra environment variables.
pub fn run_kho_env(
    data_dir: &std::path::Path,
    database_url: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(String, String)],
) -> (bool, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(kho_bin())
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--database-url", database_url])
        .env("KHO_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env_remove("KHO_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn kho");
    if let (Some(mut input), Some(s)) = (child.stdin.take(), stdin) {
        let _ = input.write_all(s.as_bytes());
    }
    let out = child.wait_with_output().expect("kho output");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs an async body on both backends with a bare data directory and
/// database (no in-process server): for tests of the `kho` binary itself.
#[macro_export]
macro_rules! backends_bare {
    ($name:ident, |$dir:ident, $url:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($dir: std::path::PathBuf, $url: String) {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::Builder::new().prefix("kho-bin-").tempdir().unwrap();
                let (url, _) = $crate::support::fresh_database($crate::support::Backend::Sqlite, dir.path()).await;
                body(dir.path().to_path_buf(), url).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let dir = tempfile::Builder::new().prefix("kho-bin-").tempdir().unwrap();
                let (url, schema) =
                    $crate::support::fresh_database($crate::support::Backend::Postgres, dir.path()).await;
                body(dir.path().to_path_buf(), url).await;
                if let Some(s) = schema {
                    let _ = kho_store::scratch::drop(&$crate::support::postgres_base_url(), &s).await;
                }
            }
        }
    };
}

/// Runs a Python check script (`KHO_TEST_PYTHON`, or `python3`; scripts/test
/// installs its packages into target/test-venv) and asserts that it passed
/// and printed `done`.
pub async fn python_check(script: &str, args: Vec<std::ffi::OsString>, done: &str) {
    let python = std::env::var("KHO_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let path = format!("{}/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = tokio::task::spawn_blocking(move || std::process::Command::new(&python).arg(path).args(args).output())
        .await
        .expect("python task")
        .unwrap_or_else(|e| panic!("cannot run Python ({e}); set KHO_TEST_PYTHON or run scripts/test"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} failed (scripts/test installs its packages):\n{stdout}\n{stderr}");
    assert!(stdout.contains(done), "{stdout}");
}

/// Background workers for a test app (the in-process server runs none)
/// with the handlers `register` adds, polling every 50 ms, retrying at once.
pub fn start_workers(
    app: &TestApp,
    register: impl FnOnce(&mut kho_catalog::jobs::Registry),
) -> kho_catalog::jobs::Workers {
    let mut registry = kho_catalog::jobs::Registry::default();
    register(&mut registry);
    kho_catalog::jobs::Workers::start(
        &app.catalog,
        registry,
        kho_catalog::jobs::WorkerOptions {
            workers: 2,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(50),
            backoff: Duration::ZERO,
        },
    )
}

/// A request as a loopback test server sees it.
pub struct Request {
    pub method: String,
    /// The path with its query.
    pub target: String,
}

/// Serves HTTP/1.1 on loopback, one request per connection: the request
/// head is read and `handle` answers on the socket as it likes (a whole
/// reply, a stream, or nothing at all). Returns the base URL
/// (`http://127.0.0.1:PORT`). Every fake remote server of the tests.
pub async fn loopback_http<F, Fut>(handle: F) -> String
where
    F: Fn(Request, tokio::net::TcpStream) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let handle = handle.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 2048];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let mut words = text.split_whitespace();
                let method = words.next().unwrap_or("").to_string();
                let target = words.next().unwrap_or("").to_string();
                handle(Request { method, target }, sock).await;
            });
        }
    });
    base
}

/// Writes a whole HTTP/1.1 reply and closes the connection.
pub async fn reply(mut sock: tokio::net::TcpStream, status: &str, content_type: &str, body: &str) {
    use tokio::io::AsyncWriteExt;
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = sock.write_all(head.as_bytes()).await;
    let _ = sock.write_all(body.as_bytes()).await;
    let _ = sock.shutdown().await;
}
