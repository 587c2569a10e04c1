//! Kho's outbound HTTP: files that resources link to (loaded into the
//! datastore) and, later, remote catalogs (harvesting). Other people's
//! servers are untrusted input, so every fetch has limits:
//!
//! - **Size**: the body is streamed to disk and cut off past `max_bytes`
//!   (also refused at once when `Content-Length` says so).
//! - **Time**: a connect timeout and a whole-request deadline, so a
//!   server that trickles bytes cannot hold a worker forever.
//! - **Redirects**: at most `max_redirects`; loops end there.
//! - **Addresses**: unless `allow_private` is set, no request reaches a
//!   loopback, private, link-local (cloud metadata), shared or multicast
//!   address, whether named literally or through DNS, first or after a
//!   redirect (server-side request forgery). The check sits in the DNS
//!   resolver, so it sees exactly the addresses the connection uses.
//!   Environment proxies are ignored for the same reason.
//!
//! A fetch writes to a temporary file beside the destination and renames
//! it only when complete, so a cut-off download never looks whole.
//!
//! [`Fetcher::check`] asks whether a link works without downloading it (the
//! availability checks): a `HEAD`, or a `GET` that reads a few kilobytes
//! when the server will not answer `HEAD` properly, under the same guard,
//! redirect limit and one deadline, given by the caller, for both requests.

use futures_util::StreamExt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Why a fetch failed, in words a publisher can act on.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("\"{0}\" is not an http:// or https:// address")]
    BadUrl(String),
    #[error("{0} is a private or local address; Kho does not fetch from those (set fetch_allow_private to allow it)")]
    Forbidden(String),
    #[error("the server answered {status} for {url}")]
    Status {
        status: u16,
        url: String,
        /// The answer's body when short (at most 4 kB), for callers whose
        /// servers explain errors there (catalog APIs).
        body: Option<String>,
    },
    #[error("the file is larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
    #[error("the server did not answer within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("more than {0} redirects (a redirect loop?)")]
    TooManyRedirects(usize),
    #[error("cannot reach {url}: {message}")]
    Network { url: String, message: String },
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Limits of the fetcher.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub max_bytes: u64,
    /// Deadline of a whole request, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_redirects: usize,
    /// Permit loopback and private addresses (intranet sources, tests).
    pub allow_private: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            max_bytes: 2 << 30,
            timeout: Duration::from_secs(600),
            connect_timeout: Duration::from_secs(10),
            max_redirects: 5,
            allow_private: false,
        }
    }
}

/// What a fetch brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub bytes: u64,
    pub content_type: Option<String>,
    /// The address after redirects.
    pub final_url: String,
}

/// What a link check found: the server's final answer (after redirects).
/// Any status is a finding; [`Checked::ok`] says whether the link works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub status: u16,
    /// The address after redirects.
    pub final_url: String,
    pub content_type: Option<String>,
    /// As the server announced it (`Content-Length`), if it did.
    pub content_length: Option<u64>,
    pub elapsed: Duration,
    /// `HEAD`, or `GET` when the server would not answer `HEAD` properly.
    pub method: &'static str,
}

impl Checked {
    /// Whether the link works: the final answer is not an error (4xx, 5xx).
    pub fn ok(&self) -> bool {
        self.status < 400
    }
}

/// Why a link check got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckErrorKind {
    /// Not an http(s) address.
    BadUrl,
    /// A private or local address (see `allow_private`).
    Forbidden,
    /// No answer before the deadline.
    Timeout,
    /// The name does not resolve.
    Dns,
    /// Nothing listens there.
    Refused,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    TooManyRedirects,
    /// Anything else on the way (reset, closed, malformed answer).
    Network,
}

impl CheckErrorKind {
    /// Every kind, for labels and tests.
    pub const ALL: [CheckErrorKind; 8] = [
        CheckErrorKind::BadUrl,
        CheckErrorKind::Forbidden,
        CheckErrorKind::Timeout,
        CheckErrorKind::Dns,
        CheckErrorKind::Refused,
        CheckErrorKind::Tls,
        CheckErrorKind::TooManyRedirects,
        CheckErrorKind::Network,
    ];

    /// The stable code stored and shown by the API.
    pub fn code(self) -> &'static str {
        match self {
            CheckErrorKind::BadUrl => "bad_url",
            CheckErrorKind::Forbidden => "forbidden",
            CheckErrorKind::Timeout => "timeout",
            CheckErrorKind::Dns => "dns",
            CheckErrorKind::Refused => "refused",
            CheckErrorKind::Tls => "tls",
            CheckErrorKind::TooManyRedirects => "too_many_redirects",
            CheckErrorKind::Network => "network",
        }
    }
}

/// A link check that got no answer, with why and after how long.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct CheckError {
    pub kind: CheckErrorKind,
    pub message: String,
    pub elapsed: Duration,
}

/// How much of a body a checking `GET` reads before hanging up.
const CHECK_READ_BYTES: usize = 4096;

/// An HTTP client with the limits above.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    opts: FetchOptions,
}

/// Whether an address is public (routable on the internet).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link local
                || first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
        }
    }
}

/// A name that does not resolve, told apart from other network failures.
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {host}: {message}")]
struct DnsFailure {
    host: String,
    message: String,
}

/// Resolves names, keeping only the addresses the fetcher may reach.
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let looked_up = tokio::net::lookup_host((host.as_str(), 0)).await.map(|a| a.collect::<Vec<_>>());
            let addrs: Vec<SocketAddr> = match looked_up {
                Ok(a) => a,
                Err(e) => {
                    let failure = DnsFailure { host, message: e.to_string() };
                    return Err(Box::new(failure) as Box<dyn std::error::Error + Send + Sync>);
                }
            };
            if addrs.is_empty() {
                let failure = DnsFailure { host, message: "no addresses".into() };
                return Err(Box::new(failure) as Box<dyn std::error::Error + Send + Sync>);
            }
            let allowed: Vec<SocketAddr> =
                addrs.iter().copied().filter(|a| allow_private || is_public(a.ip())).collect();
            if allowed.is_empty() {
                return Err(Box::new(FetchError::Forbidden(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A literal IP address in a URL's host, if any.
fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    url.host_str()?.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

impl Fetcher {
    /// A fetcher with `opts`.
    pub fn new(opts: FetchOptions) -> Result<Fetcher, FetchError> {
        let allow_private = opts.allow_private;
        let max_redirects = opts.max_redirects;
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                return attempt.error(FetchError::TooManyRedirects(max_redirects));
            }
            let url = attempt.url();
            if !matches!(url.scheme(), "http" | "https") {
                let bad = FetchError::BadUrl(url.to_string());
                return attempt.error(bad);
            }
            // Names are checked by the resolver; literal addresses here.
            if !allow_private && literal_ip(url).is_some_and(|ip| !is_public(ip)) {
                let bad = FetchError::Forbidden(url.host_str().unwrap_or_default().to_string());
                return attempt.error(bad);
            }
            attempt.follow()
        });
        let client = reqwest::Client::builder()
            .user_agent(concat!("Kho/", env!("CARGO_PKG_VERSION"), " (+https://github.com/kho-data/kho)"))
            .redirect(policy)
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .build()
            .map_err(|e| FetchError::Network { url: String::new(), message: e.to_string() })?;
        Ok(Fetcher { client, opts })
    }

    fn check_url(&self, url: &str) -> Result<reqwest::Url, FetchError> {
        let parsed = reqwest::Url::parse(url).map_err(|_| FetchError::BadUrl(url.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(FetchError::BadUrl(url.to_string()));
        }
        if !self.opts.allow_private && literal_ip(&parsed).is_some_and(|ip| !is_public(ip)) {
            return Err(FetchError::Forbidden(parsed.host_str().unwrap_or_default().to_string()));
        }
        Ok(parsed)
    }

    /// Checks that `url` answers: a `HEAD`, then a `GET` reading at most a
    /// few kilobytes if the server refuses `HEAD` (405, 501) or answers it
    /// with an error some servers give only to `HEAD` (other 4xx and 5xx
    /// but 401, 407 and 429, which a `GET` would get too; or a dropped
    /// connection). The `GET`'s answer then stands. One `deadline` (at
    /// most the fetcher's `timeout`) covers both requests; redirects are
    /// followed under the fetcher's limit and address guard.
    pub async fn check(&self, url: &str, deadline: Duration) -> Result<Checked, CheckError> {
        let started = std::time::Instant::now();
        let deadline = deadline.min(self.opts.timeout);
        let fail = |kind: CheckErrorKind, message: String| CheckError { kind, message, elapsed: started.elapsed() };
        let failed = |e: reqwest::Error| {
            let (kind, error) = diagnose(url, &e, deadline);
            fail(kind, error.to_string())
        };
        let parsed = self.check_url(url).map_err(|e| {
            let kind =
                if matches!(e, FetchError::Forbidden(_)) { CheckErrorKind::Forbidden } else { CheckErrorKind::BadUrl };
            fail(kind, e.to_string())
        })?;
        let head = self.client.head(parsed.clone()).timeout(deadline).send().await.map_err(failed);
        let head_failed = match &head {
            Ok(resp) => {
                let s = resp.status().as_u16();
                s >= 400 && !matches!(s, 401 | 407 | 429)
            }
            Err(e) => e.kind == CheckErrorKind::Network,
        };
        let remaining = deadline.saturating_sub(started.elapsed());
        if !head_failed || remaining.is_zero() {
            return head.map(|resp| self.checked(&resp, started, "HEAD"));
        }
        drop(head);
        let resp = self.client.get(parsed).timeout(remaining).send().await.map_err(failed)?;
        let mut found = self.checked(&resp, started, "GET");
        // A few kilobytes show the body flows; the rest is not wanted.
        let mut resp = resp;
        let mut read = 0usize;
        while read < CHECK_READ_BYTES {
            match resp.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) => break,
                Err(e) => return Err(failed(e)),
            }
        }
        found.elapsed = started.elapsed();
        Ok(found)
    }

    fn checked(&self, resp: &reqwest::Response, started: std::time::Instant, method: &'static str) -> Checked {
        let header = |name| resp.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok());
        Checked {
            status: resp.status().as_u16(),
            final_url: resp.url().to_string(),
            content_type: header(reqwest::header::CONTENT_TYPE).map(str::to_string),
            content_length: header(reqwest::header::CONTENT_LENGTH).and_then(|v| v.trim().parse().ok()),
            elapsed: started.elapsed(),
            method,
        }
    }

    /// Fetches `url` into memory (a remote catalog page): at most
    /// `max_bytes` (and the fetcher's own limit), within `deadline` for the
    /// whole request, asking for `accept`. A non-success status, a body too
    /// large or too slow is an error, and nothing of the body is returned.
    pub async fn get(
        &self,
        url: &str,
        accept: &str,
        max_bytes: u64,
        deadline: Duration,
    ) -> Result<(Vec<u8>, Fetched), FetchError> {
        let mut answer = self.open(url, Some(accept), max_bytes, deadline).await?;
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk(url).await? {
            body.extend_from_slice(&chunk);
        }
        Ok((body, answer.fetched()))
    }

    /// Fetches `url` into `dest` (replaced only when the whole body came).
    pub async fn to_file(&self, url: &str, dest: &Path) -> Result<Fetched, FetchError> {
        let mut answer = self.open(url, None, self.opts.max_bytes, self.opts.timeout).await?;
        let tmp = dest.with_extension("fetch.tmp");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| FetchError::Io { path, source }
        };
        let written = async {
            let mut out = tokio::fs::File::create(&tmp).await.map_err(io(&tmp))?;
            while let Some(chunk) = answer.chunk(url).await? {
                out.write_all(&chunk).await.map_err(io(&tmp))?;
            }
            out.sync_all().await.map_err(io(&tmp))?;
            tokio::fs::rename(&tmp, dest).await.map_err(io(dest))
        }
        .await;
        match written {
            Ok(()) => Ok(answer.fetched()),
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Err(e)
            }
        }
    }

    /// Sends the request and checks the answer's head: a success status
    /// (else the error, with a short body), a length within `max_bytes`.
    async fn open(
        &self,
        url: &str,
        accept: Option<&str>,
        max_bytes: u64,
        deadline: Duration,
    ) -> Result<Answer, FetchError> {
        let parsed = self.check_url(url)?;
        let deadline = deadline.min(self.opts.timeout);
        let mut request = self.client.get(parsed).timeout(deadline);
        if let Some(a) = accept {
            request = request.header(reqwest::header::ACCEPT, a);
        }
        let resp = request.send().await.map_err(|e| diagnose(url, &e, deadline).1)?;
        let status = resp.status();
        let final_url = resp.url().to_string();
        if !status.is_success() {
            let body = short_body(resp).await;
            return Err(FetchError::Status { status: status.as_u16(), url: final_url, body });
        }
        let limit = max_bytes.min(self.opts.max_bytes);
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let content_type =
            resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        Ok(Answer { resp, content_type, final_url, limit, deadline, bytes: 0 })
    }
}

/// An answer being read, within its size limit.
struct Answer {
    resp: reqwest::Response,
    content_type: Option<String>,
    final_url: String,
    limit: u64,
    deadline: Duration,
    bytes: u64,
}

impl Answer {
    /// The next piece of the body; an error past the limit.
    async fn chunk(&mut self, url: &str) -> Result<Option<bytes::Bytes>, FetchError> {
        let Some(chunk) = self.resp.chunk().await.map_err(|e| diagnose(url, &e, self.deadline).1)? else {
            return Ok(None);
        };
        self.bytes += chunk.len() as u64;
        if self.bytes > self.limit {
            return Err(FetchError::TooLarge { limit: self.limit });
        }
        Ok(Some(chunk))
    }

    fn fetched(self) -> Fetched {
        Fetched { bytes: self.bytes, content_type: self.content_type, final_url: self.final_url }
    }
}

/// An answer's body if it is short text (at most 4 kB), else `None`.
async fn short_body(resp: reqwest::Response) -> Option<String> {
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.ok()?);
        if body.len() > 4096 {
            return None;
        }
    }
    String::from_utf8(body).ok()
}

/// What a failed request stands for, from one walk of its source chain
/// (the resolver's and redirect policy's own errors travel inside): the
/// kind a link check records, and the error a fetch reports. A time-out
/// is told in terms of `deadline`, the limit the request ran under.
fn diagnose(url: &str, e: &reqwest::Error, deadline: Duration) -> (CheckErrorKind, FetchError) {
    if e.is_timeout() {
        return (CheckErrorKind::Timeout, FetchError::Timeout(deadline));
    }
    // While connecting to an https address, an I/O error that is not the
    // operating system's comes from the TLS layer (rustls: certificate,
    // protocol); its own type is not visible through reqwest.
    let tls_connect = e.is_connect() && e.url().is_some_and(|u| u.scheme() == "https");
    let mut kind = None;
    let mut tls = false;
    let mut message = String::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(f) = s.downcast_ref::<FetchError>() {
            return match f {
                FetchError::Forbidden(h) => (CheckErrorKind::Forbidden, FetchError::Forbidden(h.clone())),
                FetchError::TooManyRedirects(n) => (CheckErrorKind::TooManyRedirects, FetchError::TooManyRedirects(*n)),
                FetchError::BadUrl(u) => (CheckErrorKind::BadUrl, FetchError::BadUrl(u.clone())),
                other => {
                    let error = FetchError::Network { url: url.to_string(), message: other.to_string() };
                    (CheckErrorKind::Network, error)
                }
            };
        }
        if s.is::<DnsFailure>() {
            kind = kind.or(Some(CheckErrorKind::Dns));
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => kind = kind.or(Some(CheckErrorKind::Refused)),
                std::io::ErrorKind::TimedOut => kind = kind.or(Some(CheckErrorKind::Timeout)),
                _ if tls_connect && io.raw_os_error().is_none() && io.get_ref().is_some() => tls = true,
                _ => {}
            }
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&s.to_string());
        source = s.source();
    }
    let kind = kind.unwrap_or(if tls { CheckErrorKind::Tls } else { CheckErrorKind::Network });
    (kind, FetchError::Network { url: url.to_string(), message })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["1.1.1.1", "203.162.4.190", "2001:4860:4860::8888", "::ffff:8.8.8.8"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    fn fetcher(allow_private: bool) -> Fetcher {
        Fetcher::new(FetchOptions {
            max_bytes: 10_000,
            timeout: Duration::from_secs(5),
            allow_private,
            ..FetchOptions::default()
        })
        .unwrap()
    }

    #[tokio::test]
    async fn fetches_within_limits_and_says_why_not() {
        let port = server(answer).await;
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("f.csv");
        let f = fetcher(true);
        let got = f.to_file(&format!("http://127.0.0.1:{port}/ok.csv"), &dest).await.unwrap();
        assert_eq!((got.bytes, got.content_type.as_deref()), (8, Some("text/csv")));
        assert_eq!(std::fs::read(&dest).unwrap(), b"a,b\n1,2\n");
        let e = f.to_file(&format!("http://127.0.0.1:{port}/nope"), &dest).await.unwrap_err();
        assert!(matches!(e, FetchError::Status { status: 500, .. }), "{e}");
        let e = f.to_file(&format!("http://127.0.0.1:{port}/loop"), &dest).await.unwrap_err();
        assert!(matches!(e, FetchError::TooManyRedirects(5)), "{e}");
        let e = f.to_file(&format!("http://127.0.0.1:{port}/big"), &dest).await.unwrap_err();
        assert!(matches!(e, FetchError::TooLarge { .. }), "{e}");
        // Without a length, the stream is cut off at the limit.
        let e = f.to_file(&format!("http://127.0.0.1:{port}/chunked"), &dest).await.unwrap_err();
        assert!(matches!(e, FetchError::TooLarge { .. }), "{e}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"a,b\n1,2\n", "a failed fetch leaves the old file");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        let e = f.to_file("ftp://example.vn/x.csv", &dest).await.unwrap_err();
        assert!(matches!(e, FetchError::BadUrl(_)), "{e}");
    }

    #[tokio::test]
    async fn private_addresses_are_refused_by_literal_and_by_name() {
        let port = server(answer).await;
        let dir = tempfile::tempdir().unwrap();
        let f = fetcher(false);
        for url in [
            format!("http://127.0.0.1:{port}/ok.csv"),
            format!("http://localhost:{port}/ok.csv"),
            "http://169.254.169.254/latest/meta-data/".to_string(),
            format!("http://[::1]:{port}/ok.csv"),
        ] {
            let e = f.to_file(&url, &dir.path().join("x")).await.unwrap_err();
            assert!(matches!(e, FetchError::Forbidden(_)), "{url}: {e}");
            assert!(e.to_string().contains("fetch_allow_private"), "{e}");
        }
    }

    /// An HTTP server answering each connection with `reply(method, path,
    /// port)`; `None` never answers (the connection stays open).
    async fn server(reply: fn(&str, &str, u16) -> Option<Vec<u8>>) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else { return };
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).to_string();
                    let mut words = req.split_whitespace();
                    let method = words.next().unwrap_or("").to_string();
                    let path = words.next().unwrap_or("/").to_string();
                    match reply(&method, &path, port) {
                        Some(bytes) => {
                            let _ = s.write_all(&bytes).await;
                            let _ = s.shutdown().await;
                        }
                        None => tokio::time::sleep(Duration::from_secs(600)).await,
                    }
                });
            }
        });
        port
    }

    fn answer(method: &str, path: &str, port: u16) -> Option<Vec<u8>> {
        let head = method == "HEAD";
        let status = |code: &str| format!("HTTP/1.1 {code}\r\nContent-Length: 0\r\n\r\n").into_bytes();
        let ok = |body: &[u8]| {
            let mut r = format!("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\n\r\n", body.len())
                .into_bytes();
            if !head {
                r.extend_from_slice(body);
            }
            r
        };
        let redirect = |code: &str, to: &str| {
            format!("HTTP/1.1 {code}\r\nLocation: http://127.0.0.1:{port}{to}\r\nContent-Length: 0\r\n\r\n")
                .into_bytes()
        };
        Some(match path {
            "/ok.csv" => ok(b"a,b\n1,2\n"),
            "/big" => ok(&[b'x'; 100_000]),
            "/chunked" => {
                let mut r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                for _ in 0..50 {
                    r.extend_from_slice(b"3e8\r\n");
                    r.extend_from_slice(&[b'y'; 1000]);
                    r.extend_from_slice(b"\r\n");
                }
                r.extend_from_slice(b"0\r\n\r\n");
                r
            }
            "/nohead" if head => status("405 Method Not Allowed"),
            "/nohead" => ok(b"a,b\n1,2\n"),
            "/head-404" if head => status("404 Not Found"),
            "/head-404" => ok(b"a,b\n1,2\n"),
            "/big-nohead" if head => status("501 Not Implemented"),
            "/big-nohead" => ok(&vec![b'x'; 1_000_000]),
            "/gone" => status("404 Not Found"),
            "/private" => status("401 Unauthorized"),
            "/moved" => redirect("301 Moved", "/ok.csv"),
            "/loop" => redirect("302 Found", "/loop"),
            "/hang" => return None,
            _ => status("500 Internal Server Error"),
        })
    }

    #[tokio::test]
    async fn checks_say_what_answered_and_fall_back_to_get() {
        let port = server(answer).await;
        let f = fetcher(true);
        let deadline = Duration::from_millis(800);
        let url = |p: &str| format!("http://127.0.0.1:{port}{p}");

        let c = f.check(&url("/ok.csv"), deadline).await.unwrap();
        assert!(c.ok());
        assert_eq!(
            (c.status, c.method, c.content_type.as_deref(), c.content_length),
            (200, "HEAD", Some("text/csv"), Some(8))
        );
        let c = f.check(&url("/moved"), deadline).await.unwrap();
        assert_eq!((c.status, c.final_url.as_str()), (200, url("/ok.csv").as_str()));
        // HEAD refused (405) or failing only for HEAD: the GET's answer stands.
        for p in ["/nohead", "/head-404"] {
            let c = f.check(&url(p), deadline).await.unwrap();
            assert_eq!((c.status, c.method, c.ok()), (200, "GET", true), "{p}");
        }
        // A GET reads a few kilobytes, not the whole (1 MB) body, which the
        // size limit (10 kB) would refuse.
        let c = f.check(&url("/big-nohead"), deadline).await.unwrap();
        assert_eq!((c.status, c.method, c.content_length), (200, "GET", Some(1_000_000)));
        // Errors are findings, not failures of the check.
        let c = f.check(&url("/gone"), deadline).await.unwrap();
        assert_eq!((c.status, c.method, c.ok()), (404, "GET", false));
        let c = f.check(&url("/err"), deadline).await.unwrap();
        assert_eq!((c.status, c.ok()), (500, false));
        let c = f.check(&url("/private"), deadline).await.unwrap();
        assert_eq!((c.status, c.method, c.ok()), (401, "HEAD", false), "a GET would be refused too");

        let e = f.check(&url("/loop"), deadline).await.unwrap_err();
        assert_eq!(e.kind, CheckErrorKind::TooManyRedirects, "{e}");
        let e = f.check(&url("/hang"), deadline).await.unwrap_err();
        assert_eq!(e.kind, CheckErrorKind::Timeout, "{e}");
        assert!(e.to_string().contains("0.8 seconds"), "{e}");
        let e = f.check("ftp://example.vn/a.csv", deadline).await.unwrap_err();
        assert_eq!(e.kind, CheckErrorKind::BadUrl, "{e}");
        // TLS spoken to a plain HTTP server: the handshake fails.
        let e = f.check(&format!("https://127.0.0.1:{port}/ok.csv"), deadline).await.unwrap_err();
        assert_eq!(e.kind, CheckErrorKind::Tls, "{e}");
        // Nothing listens on a port just released.
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = f.check(&format!("http://127.0.0.1:{free}/"), deadline).await.unwrap_err();
        assert_eq!(e.kind, CheckErrorKind::Refused, "{e}");
    }

    #[tokio::test]
    async fn checks_keep_the_address_guard() {
        let port = server(answer).await;
        let f = fetcher(false);
        let deadline = Duration::from_secs(5);
        for url in [format!("http://127.0.0.1:{port}/ok.csv"), format!("http://localhost:{port}/ok.csv")] {
            let e = f.check(&url, deadline).await.unwrap_err();
            assert_eq!(e.kind, CheckErrorKind::Forbidden, "{url}: {e}");
        }
        let codes: std::collections::HashSet<_> = CheckErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes.len(), CheckErrorKind::ALL.len());
    }
}
