//! The background job queue on both databases: jobs run once, report
//! progress, retry with backoff, fail for good after their last attempt,
//! survive a worker that died (its lease expires and another worker runs
//! the job), and concurrent workers never share a job; named schedules
//! enqueue a periodic job once per interval and never while it is unfinished.

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

backends!(schedules_enqueue_once_per_interval_and_never_twice_at_once, |app| async move {
    let spec = JobSpec::new("dinh-ky", None, json!({}));
    let hour = Duration::from_secs(3600);
    let c = &app.catalog;
    // The first call only starts the schedule, however short the interval.
    assert_eq!(c.enqueue_scheduled_if_due("a", &spec, Duration::ZERO).await.unwrap(), None);
    assert!(c.last_scheduled_job("a").await.unwrap().is_none());
    assert_eq!(c.enqueue_scheduled_if_due("a", &spec, hour).await.unwrap(), None, "not due for an hour");
    let first = c.enqueue_scheduled_if_due("a", &spec, Duration::ZERO).await.unwrap().expect("due");
    assert_eq!(c.job_show(&first).await.unwrap().kind, "dinh-ky");
    // Not again while that job waits, even when an interval has passed.
    assert_eq!(c.enqueue_scheduled_if_due("a", &spec, Duration::ZERO).await.unwrap(), None);
    assert_eq!(
        c.last_scheduled_job("a").await.unwrap().map(|j| (j.id, j.state)),
        Some((first.clone(), "queued".into()))
    );

    // Another name is another schedule; of several processes asking at once, one enqueues.
    assert_eq!(c.enqueue_scheduled_if_due("b", &spec, Duration::ZERO).await.unwrap(), None);
    let asks = (0..8).map(|_| {
        let (c, spec) = (c.clone(), spec.clone());
        tokio::spawn(async move { c.enqueue_scheduled_if_due("b", &spec, Duration::ZERO).await.unwrap() })
    });
    let got: Vec<Option<String>> = futures_util::future::join_all(asks).await.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(got.iter().flatten().count(), 1, "{got:?}");
    let b = got.into_iter().flatten().next().unwrap();
    assert_ne!(b, first);

    // Once the job is over, the next run is due after the interval.
    let mut registry = Registry::default();
    registry.register("dinh-ky", Arc::new(|_| -> JobFuture { Box::pin(async { Ok(()) }) }));
    let workers = Workers::start(c, registry, fast());
    wait_for(app, &[first.clone(), b], &["done"]).await;
    assert_eq!(c.enqueue_scheduled_if_due("a", &spec, hour).await.unwrap(), None, "enqueued less than an hour ago");
    let second = c.enqueue_scheduled_if_due("a", &spec, Duration::ZERO).await.unwrap().expect("due again");
    assert_ne!(second, first);
    assert_eq!(c.last_scheduled_job("a").await.unwrap().map(|j| j.id), Some(second.clone()));
    wait_for(app, &[second], &["done"]).await;
    workers.stop(Duration::from_secs(5)).await;
    let runs = c.job_list(None, 100).await.unwrap().into_iter().filter(|j| j.kind == "dinh-ky").count();
    assert_eq!(runs, 3, "two runs of a, one of b");
});

backends!(synthetic_catalogs_queue_no_loads_of_their_made_up_links, |app| async move {
    kho_catalog::synthetic::generate(&app.catalog, 20, 3, |_| {}).await.unwrap();
    let csv =
        app.ok("package_search", json!({"fq": "res_format:CSV", "rows": 0, "include_private": true}), &app.admin).await;
    assert!(csv["count"].as_i64().unwrap() > 0, "the catalog has CSV links that could have been loaded");
    let jobs = app.catalog.job_list(None, 1000).await.unwrap();
    assert!(jobs.is_empty(), "{jobs:?}");
    // The same dictionaries through package_create queue their tables' loads.
    let agencies = vec![kho_catalog::synthetic::province_org_name(1)];
    let mut rng = kho_catalog::synthetic::Rng::new(3);
    let dict = (0..20)
        .map(|i| kho_catalog::synthetic::dataset_dict(1000 + i, &agencies, &mut rng))
        .find(|d| d["resources"].as_array().unwrap().iter().any(|r| r["format"] == "CSV"))
        .expect("a dataset with a CSV link");
    app.ok("package_create", dict, &app.admin).await;
    let jobs = app.catalog.job_list(None, 1000).await.unwrap();
    assert!(!jobs.is_empty() && jobs.iter().all(|j| j.kind == "datastore_load"), "{jobs:?}");
});
