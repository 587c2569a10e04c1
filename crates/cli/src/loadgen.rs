//! A small HTTP/1.1 load generator for `kho bench`: N keep-alive
//! connections, each sending its next request as soon as the previous
//! answer is read (closed loop, like wrk). It runs on one thread of its own
//! so it takes at most one core from the server under test.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Builds request number `n`.
pub type MakeRequest = Arc<dyn Fn(u64) -> Request<Full<Bytes>> + Send + Sync>;

/// What a load run measured.
#[derive(Debug, Clone)]
pub struct LoadResult {
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// Sorted latencies in microseconds.
    pub latencies_us: Vec<u32>,
}

impl LoadResult {
    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Latency percentile in milliseconds.
    pub fn pct_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let idx = ((p / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        self.latencies_us[idx.min(self.latencies_us.len() - 1)] as f64 / 1000.0
    }
}

/// Runs `connections` closed-loop connections against `addr` for `duration`.
pub fn run(addr: SocketAddr, connections: usize, duration: Duration, make: MakeRequest) -> anyhow::Result<LoadResult> {
    let handle = std::thread::spawn(move || -> anyhow::Result<LoadResult> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        rt.block_on(async move {
            let counter = Arc::new(AtomicU64::new(0));
            let start = Instant::now();
            let deadline = start + duration;
            let mut tasks = Vec::new();
            for _ in 0..connections {
                let make = make.clone();
                let counter = counter.clone();
                tasks.push(tokio::spawn(async move { connection(addr, deadline, make, counter).await }));
            }
            let mut result =
                LoadResult { ok: 0, errors: 0, first_error: None, elapsed: Duration::ZERO, latencies_us: Vec::new() };
            for t in tasks {
                let r = t.await?;
                result.ok += r.ok;
                result.errors += r.errors;
                if result.first_error.is_none() {
                    result.first_error = r.first_error;
                }
                result.latencies_us.extend(r.latencies_us);
            }
            result.elapsed = start.elapsed();
            result.latencies_us.sort_unstable();
            Ok(result)
        })
    });
    handle.join().map_err(|_| anyhow::anyhow!("load generator thread panicked"))?
}

async fn connection(addr: SocketAddr, deadline: Instant, make: MakeRequest, counter: Arc<AtomicU64>) -> LoadResult {
    let mut r = LoadResult {
        ok: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latencies_us: Vec::with_capacity(100_000),
    };
    let fail = |r: &mut LoadResult, msg: String| {
        r.errors += 1;
        if r.first_error.is_none() {
            r.first_error = Some(msg);
        }
    };
    'outer: while Instant::now() < deadline {
        let stream = match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(e) => {
                fail(&mut r, format!("connect: {e}"));
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (mut sender, conn) = match http1::handshake(TokioIo::new(stream)).await {
            Ok(x) => x,
            Err(e) => {
                fail(&mut r, format!("handshake: {e}"));
                continue;
            }
        };
        tokio::spawn(conn);
        while Instant::now() < deadline {
            if sender.ready().await.is_err() {
                continue 'outer;
            }
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let req = make(n);
            let t0 = Instant::now();
            match sender.send_request(req).await {
                Ok(resp) => {
                    let status = resp.status();
                    let body = resp.into_body().collect().await;
                    let us = t0.elapsed().as_micros().min(u32::MAX as u128) as u32;
                    match body {
                        Ok(b) if status.is_success() => {
                            r.ok += 1;
                            r.latencies_us.push(us);
                            drop(b);
                        }
                        Ok(b) => {
                            let text = String::from_utf8_lossy(&b.to_bytes()).chars().take(300).collect::<String>();
                            fail(&mut r, format!("HTTP {status}: {text}"));
                        }
                        Err(e) => fail(&mut r, format!("body: {e}")),
                    }
                }
                Err(e) => {
                    fail(&mut r, format!("request: {e}"));
                    continue 'outer;
                }
            }
        }
        break;
    }
    r
}
