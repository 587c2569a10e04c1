//! The background job queue on both databases: jobs run once, report
//! progress, retry with backoff, fail for good after their last attempt,
//! survive a worker that died (its lease expires and another worker runs
//! the job), and concurrent workers never share a job.

use crate::backends;
use kho_catalog::jobs::{JobFailure, JobFuture, JobSpec, Registry, WorkerOptions, Workers};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn fast() -> WorkerOptions {
    WorkerOptions {
        workers: 3,
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
        backoff: Duration::ZERO,
    }
}

async fn wait_for(app: &crate::support::TestApp, ids: &[String], states: &[&str]) -> Vec<kho_core::model::Job> {
    let started = Instant::now();
    loop {
        let mut jobs = Vec::new();
        for id in ids {
            jobs.push(app.catalog.job_show(id).await.unwrap());
        }
        if jobs.iter().all(|j| states.contains(&j.state.as_str())) {
            return jobs;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "jobs did not finish: {jobs:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

backends!(jobs_run_once_and_report_progress, |app| async move {
    let runs: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let mut registry = Registry::default();
    let seen = runs.clone();
    registry.register(
        "dem",
        Arc::new(move |ctx| -> JobFuture {
            let seen = seen.clone();
            Box::pin(async move {
                assert!(ctx.progress(1, Some(2), Some("một nửa")).await.unwrap());
                assert!(ctx.progress(2, Some(2), Some("xong")).await.unwrap());
                *seen.lock().unwrap().entry(ctx.payload["n"].to_string()).or_default() += 1;
                Ok(())
            })
        }),
    );
    // Two sets of workers, as two server processes would have.
    let a = Workers::start(&app.catalog, registry.clone(), fast());
    let b = Workers::start(&app.catalog, registry, fast());
    let mut ids = Vec::new();
    for n in 0..40 {
        ids.push(app.catalog.enqueue_job(&JobSpec::new("dem", Some("tai-nguyen-1"), json!({"n": n}))).await.unwrap());
    }
    let jobs = wait_for(app, &ids, &["done"]).await;
    a.stop(Duration::from_secs(5)).await;
    b.stop(Duration::from_secs(5)).await;
    let runs = runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 40);
    assert!(runs.values().all(|n| *n == 1), "a job ran twice: {runs:?}");
    for j in &jobs {
        assert_eq!((j.attempts, j.progress.done, j.progress.total), (1, 2, Some(2)));
        assert_eq!(j.progress.note.as_deref(), Some("xong"));
        assert!(j.finished.is_some() && j.error.is_none());
    }
    let latest = app.catalog.latest_job("dem", "tai-nguyen-1").await.unwrap().unwrap();
    assert!(ids.contains(&latest.id));
    assert_eq!(app.catalog.job_list(Some("done"), 100).await.unwrap().len(), 40);
});

backends!(failing_jobs_retry_then_fail_for_good, |app| async move {
    let mut registry = Registry::default();
    registry.register(
        "retry",
        Arc::new(|_| -> JobFuture {
            Box::pin(async { Err(JobFailure::Retry("máy chủ xa không trả lời".into())) })
        }),
    );
    registry.register(
        "fatal",
        Arc::new(|_| -> JobFuture { Box::pin(async { Err(JobFailure::Fatal("tệp hỏng".into())) }) }),
    );
    registry.register(
        "panic",
        Arc::new(|ctx| -> JobFuture {
            Box::pin(async move {
                if ctx.attempt == 1 {
                    panic!("lỗi lập trình");
                }
                Ok(())
            })
        }),
    );
    let workers = Workers::start(&app.catalog, registry, fast());
    let retry =
        app.catalog.enqueue_job(&JobSpec { max_attempts: 3, ..JobSpec::new("retry", None, json!({})) }).await.unwrap();
    let fatal = app.catalog.enqueue_job(&JobSpec::new("fatal", None, json!({}))).await.unwrap();
    let panics = app.catalog.enqueue_job(&JobSpec::new("panic", None, json!({}))).await.unwrap();
    let jobs = wait_for(app, &[retry, fatal, panics], &["done", "failed"]).await;
    workers.stop(Duration::from_secs(5)).await;
    assert_eq!((jobs[0].state.as_str(), jobs[0].attempts), ("failed", 3), "{:?}", jobs[0]);
    assert_eq!(jobs[0].error.as_deref(), Some("máy chủ xa không trả lời"));
    assert_eq!((jobs[1].state.as_str(), jobs[1].attempts), ("failed", 1), "fatal errors are not retried");
    assert_eq!(jobs[1].error.as_deref(), Some("tệp hỏng"));
    assert_eq!((jobs[2].state.as_str(), jobs[2].attempts), ("done", 2), "a panic fails the attempt, not the worker");
});

backends!(a_dead_workers_job_runs_again, |app| async move {
    // A worker that claimed jobs and died: its leases are already over.
    let again = app.catalog.enqueue_job(&JobSpec::new("dem", Some("r1"), json!({}))).await.unwrap();
    let last = app
        .catalog
        .enqueue_job(&JobSpec { max_attempts: 1, ..JobSpec::new("dem", Some("r2"), json!({})) })
        .await
        .unwrap();
    let soon = kho_core::timefmt::format(time::OffsetDateTime::now_utc() + time::Duration::milliseconds(500));
    for _ in 0..2 {
        let claimed = kho_store::jobs::claim(
            app.catalog.store(),
            "da-chet",
            &["dem".to_string()],
            &kho_core::timefmt::now(),
            &soon,
        )
        .await
        .unwrap();
        assert!(claimed.is_some());
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    let mut registry = Registry::default();
    registry.register("dem", Arc::new(|_| -> JobFuture { Box::pin(async { Ok(()) }) }));
    let workers = Workers::start(&app.catalog, registry, fast());
    let jobs = wait_for(app, &[again, last], &["done", "failed"]).await;
    workers.stop(Duration::from_secs(5)).await;
    assert_eq!((jobs[0].state.as_str(), jobs[0].attempts), ("done", 2), "{:?}", jobs[0]);
    assert_eq!(jobs[1].state, "failed", "its only attempt died with its worker");
    assert!(jobs[1].error.as_deref().unwrap_or("").contains("worker stopped"), "{:?}", jobs[1]);
    // The dead worker cannot report on a job it lost.
    let mut tx = app.catalog.store().write().await.unwrap();
    let now = kho_core::timefmt::now();
    assert!(!kho_store::jobs::complete(&mut tx, &jobs[0].id, "da-chet", &now).await.unwrap());
    let progress = kho_store::jobs::Progress { done: 1, total: None, note: None };
    assert!(!kho_store::jobs::heartbeat(&mut tx, &jobs[0].id, "da-chet", &soon, progress, &now).await.unwrap());
    tx.commit().await.unwrap();
});

backends!(kho_jobs_list_shows_the_queue, |app| async move {
    let id = app.catalog.enqueue_job(&JobSpec::new("tai-bang", Some("tai-nguyen-9"), json!({}))).await.unwrap();
    let dir = app.data_dir();
    let url = app.database_url.clone();
    let (ok, out, err) = tokio::task::spawn_blocking(move || {
        crate::support::run_kho(&dir, &url, &["jobs", "list", "--state", "queued"], None)
    })
    .await
    .unwrap();
    assert!(ok, "{err}");
    assert!(
        out.contains(&id) && out.contains("tai-bang") && out.contains("queued") && out.contains("tai-nguyen-9"),
        "{out}"
    );
    let (dir, url) = (app.data_dir(), app.database_url.clone());
    let (ok, out, _) = tokio::task::spawn_blocking(move || {
        crate::support::run_kho(&dir, &url, &["jobs", "list", "--state", "done", "--json"], None)
    })
    .await
    .unwrap();
    assert!(ok && out.trim().is_empty(), "{out}");
    let (dir, url) = (app.data_dir(), app.database_url.clone());
    let (ok, _, err) = tokio::task::spawn_blocking(move || {
        crate::support::run_kho(&dir, &url, &["jobs", "list", "--state", "lost"], None)
    })
    .await
    .unwrap();
    assert!(!ok && err.contains("possible values"), "{err}");
});

backends!(retries_wait_longer_each_time, |app| async move {
    let times: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = times.clone();
    let mut registry = Registry::default();
    registry.register(
        "ban",
        Arc::new(move |_| -> JobFuture {
            seen.lock().unwrap().push(Instant::now());
            Box::pin(async { Err(JobFailure::Retry("bận".into())) })
        }),
    );
    let backoff = Duration::from_millis(300);
    let workers = Workers::start(&app.catalog, registry, WorkerOptions { backoff, ..fast() });
    let id =
        app.catalog.enqueue_job(&JobSpec { max_attempts: 3, ..JobSpec::new("ban", None, json!({})) }).await.unwrap();
    wait_for(app, &[id], &["failed"]).await;
    workers.stop(Duration::from_secs(5)).await;
    let t = times.lock().unwrap().clone();
    assert_eq!(t.len(), 3);
    // Lower bounds only: a busy machine can only make the waits longer.
    assert!(t[1] - t[0] >= backoff, "first retry after {:?}", t[1] - t[0]);
    assert!(t[2] - t[1] >= backoff * 2, "second retry after {:?}, the backoff doubles", t[2] - t[1]);
});
