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
    Status { status: u16, url: String },
    #[error("the file is larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
    #[error("the server did not answer within {0} seconds")]
    Timeout(u64),
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

/// Resolves names, keeping only the addresses the fetcher may reach.
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                addrs.iter().copied().filter(|a| allow_private || is_public(a.ip())).collect();
            if allowed.is_empty() && !addrs.is_empty() {
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

    /// The error a failed request stands for, found in its source chain
    /// (the resolver's and redirect policy's own errors travel inside).
    fn classify(&self, url: &str, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            return FetchError::Timeout(self.opts.timeout.as_secs());
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if let Some(f) = s.downcast_ref::<FetchError>() {
                return match f {
                    FetchError::Forbidden(h) => FetchError::Forbidden(h.clone()),
                    FetchError::TooManyRedirects(n) => FetchError::TooManyRedirects(*n),
                    FetchError::BadUrl(u) => FetchError::BadUrl(u.clone()),
                    other => FetchError::Network { url: url.to_string(), message: other.to_string() },
                };
            }
            source = s.source();
        }
        let mut message = e.to_string();
        let mut s = std::error::Error::source(&e);
        while let Some(inner) = s {
            message = format!("{message}: {inner}");
            s = inner.source();
        }
        FetchError::Network { url: url.to_string(), message }
    }

    /// Fetches `url` into `dest` (replaced only when the whole body came).
    pub async fn to_file(&self, url: &str, dest: &Path) -> Result<Fetched, FetchError> {
        let parsed = self.check_url(url)?;
        let resp = self.client.get(parsed).send().await.map_err(|e| self.classify(url, e))?;
        let status = resp.status();
        let final_url = resp.url().to_string();
        if !status.is_success() {
            return Err(FetchError::Status { status: status.as_u16(), url: final_url });
        }
        let limit = self.opts.max_bytes;
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let content_type =
            resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let tmp = dest.with_extension("fetch.tmp");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| FetchError::Io { path, source }
        };
        let written = async {
            let mut out = tokio::fs::File::create(&tmp).await.map_err(io(&tmp))?;
            let mut body = resp.bytes_stream();
            let mut bytes = 0u64;
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| self.classify(url, e))?;
                bytes += chunk.len() as u64;
                if bytes > limit {
                    return Err(FetchError::TooLarge { limit });
                }
                out.write_all(&chunk).await.map_err(io(&tmp))?;
            }
            out.sync_all().await.map_err(io(&tmp))?;
            tokio::fs::rename(&tmp, dest).await.map_err(io(dest))?;
            Ok(bytes)
        }
        .await;
        match written {
            Ok(bytes) => Ok(Fetched { bytes, content_type, final_url }),
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Err(e)
            }
        }
    }
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

    /// A one-shot HTTP server answering each connection with `reply(path)`.
    async fn server(reply: fn(&str, u16) -> Vec<u8>) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else { return };
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).to_string();
                    let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let _ = s.write_all(&reply(&path, port)).await;
                    let _ = s.shutdown().await;
                });
            }
        });
        port
    }

    fn answer(path: &str, port: u16) -> Vec<u8> {
        match path {
            "/ok.csv" => b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 8\r\n\r\na,b\n1,2\n".to_vec(),
            "/loop" => {
                format!("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/loop\r\nContent-Length: 0\r\n\r\n")
                    .into_bytes()
            }
            "/big" => {
                b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".iter().chain(&[b'x'; 100_000]).copied().collect()
            }
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
            _ => b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".to_vec(),
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
}
