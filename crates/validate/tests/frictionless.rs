//! Kho's validator against the reference, frictionless (Python), on the
//! corpus in `tests/corpus/`.
//!
//! Each `NAME.csv` is validated by both, with `NAME.schema.json` when it
//! exists (otherwise both infer a schema). Optional `NAME.options.json`:
//! - `"encoding"`, `"delimiter"`: passed to frictionless only
//!   (`--encoding`, `--dialect`), where its own sniffing gets the file
//!   wrong (`"note"` says how); Kho sniffs them itself.
//! - `"khoOnly"`: `[type, row, field]` errors only Kho reports, because
//!   the schema uses Kho's `vn-admin-unit` extension; frictionless then
//!   gets `NAME.frictionless.json`, the schema without the extension.
//! - `"frictionless": "skip: …"`: a file frictionless cannot check (Table
//!   Schema v2); `NAME.expect.json` alone pins Kho's result.
//!
//! Errors are compared as multisets of (type, row number, field name).
//!
//! The Python tool: `$KHO_TEST_PYTHON`, else
//! `target/test-venv/bin/python`, with `frictionless==5.18.1` installed.
//! The test fails (never skips) when it is missing.
//!
//! `NAME.expect.json` (written when `KHO_CORPUS_BLESS=1`) pins Kho's own
//! errors, checked by `corpus_matches_expectations` without Python.
//!
//! Data packages live in `tests/corpus/packages/NAME/datapackage.json`.
//! Each table resource's errors are compared with frictionless' on the
//! whole package (`frictionless validate --json datapackage.json`) and on
//! that resource alone (`--resource-name`, a fresh package); the package's
//! `options.json` may list, per resource, `"khoOnly"` errors the whole-
//! package run misses (with a `"note"` saying why). `expect.json` pins
//! Kho's errors per resource.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use kho_validate::{Package, Schema, TaskOutcome, ValidateOptions, validate_csv, validate_package};
use serde_json::Value;

/// The frictionless version the corpus was checked against.
const FRICTIONLESS_VERSION: &str = "5.18.1";

type Key = (String, Option<u64>, Option<String>);

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("corpus directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    v.sort();
    v
}

fn sidecar(csv: &Path, suffix: &str) -> PathBuf {
    let stem = csv.file_stem().and_then(|s| s.to_str()).expect("file name");
    csv.with_file_name(format!("{stem}.{suffix}"))
}

fn options(csv: &Path) -> Value {
    let p = sidecar(csv, "options.json");
    if p.exists() {
        serde_json::from_str(&std::fs::read_to_string(p).expect("options")).expect("options JSON")
    } else {
        Value::Null
    }
}

fn kho_errors(csv: &Path) -> Vec<Key> {
    let schema_path = sidecar(csv, "schema.json");
    let schema = schema_path
        .exists()
        .then(|| Schema::from_json(&std::fs::read_to_string(&schema_path).expect("schema")).expect("schema is valid"));
    let opts = ValidateOptions::default();
    let report = validate_csv(csv, schema.as_ref(), &opts).expect("validation runs");
    assert_eq!(report.stats.errors as usize, report.errors.len(), "{}: all errors listed", csv.display());
    assert_eq!(report.valid, report.errors.is_empty());
    let mut keys: Vec<Key> = report.errors.into_iter().map(|e| (e.type_, e.row_number, e.field_name)).collect();
    keys.sort();
    keys
}

fn python() -> PathBuf {
    std::env::var_os("KHO_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python"))
}

fn install_hint() -> String {
    format!(
        "frictionless {FRICTIONLESS_VERSION} is needed for this test. Install it with:\n  \
         python3 -m venv target/test-venv && target/test-venv/bin/python -m pip install \"frictionless=={FRICTIONLESS_VERSION}\"\n\
         (from the workspace root), or point KHO_TEST_PYTHON at a Python that has it."
    )
}

fn check_python() {
    let py = python();
    let out = Command::new(&py).args(["-c", "import frictionless; print(frictionless.__version__)"]).output();
    match out {
        Ok(o) if o.status.success() => {
            let v = String::from_utf8_lossy(&o.stdout).trim().to_string();
            assert_eq!(v, FRICTIONLESS_VERSION, "{} has frictionless {v}.\n{}", py.display(), install_hint());
        }
        Ok(o) => panic!(
            "{} cannot import frictionless: {}\n{}",
            py.display(),
            String::from_utf8_lossy(&o.stderr),
            install_hint()
        ),
        Err(e) => panic!("cannot run {}: {e}\n{}", py.display(), install_hint()),
    }
}

fn frictionless_errors(csv: &Path) -> Vec<Key> {
    let opts = options(csv);
    // Frictionless refuses absolute paths as unsafe: run it in the corpus.
    let name = |p: &Path| p.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    let mut cmd = Command::new(python());
    cmd.current_dir(corpus()).args(["-m", "frictionless", "validate", "--json"]).arg(name(csv));
    let fl_schema = sidecar(csv, "frictionless.json");
    let schema = sidecar(csv, "schema.json");
    if fl_schema.exists() {
        cmd.arg("--schema").arg(name(&fl_schema));
    } else if schema.exists() {
        cmd.arg("--schema").arg(name(&schema));
    }
    if let Some(enc) = opts["encoding"].as_str() {
        cmd.args(["--encoding", enc]);
    }
    if let Some(d) = opts["delimiter"].as_str() {
        cmd.args(["--dialect", &serde_json::json!({ "delimiter": d }).to_string()]);
    }
    let out = cmd.output().expect("run frictionless");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: frictionless printed no JSON ({e}): {}{}",
            csv.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        report["errors"].as_array().is_none_or(Vec::is_empty),
        "{}: frictionless refused the input: {}",
        csv.display(),
        report["errors"]
    );
    let mut keys: Vec<Key> = report["tasks"][0]["errors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let field = e["fieldName"].as_str().filter(|s| !s.is_empty()).map(str::to_string);
            (e["type"].as_str().unwrap_or("?").to_string(), e["rowNumber"].as_u64(), field)
        })
        .collect();
    keys.sort();
    keys
}

fn kho_only(csv: &Path) -> Vec<Key> {
    options(csv)["khoOnly"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|k| (k[0].as_str().unwrap_or("?").to_string(), k[1].as_u64(), k[2].as_str().map(str::to_string)))
        .collect()
}

fn counts(keys: &[Key]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for k in keys {
        *m.entry(k.0.clone()).or_default() += 1;
    }
    m
}

fn diff(a: &[Key], b: &[Key]) -> Vec<Key> {
    let mut rest = b.to_vec();
    let mut out = Vec::new();
    for k in a {
        match rest.iter().position(|x| x == k) {
            Some(i) => {
                rest.remove(i);
            }
            None => out.push(k.clone()),
        }
    }
    out
}

#[test]
fn corpus_agrees_with_frictionless() {
    check_python();
    let files = files();
    assert!(files.len() >= 15, "the corpus has {} files", files.len());
    // frictionless starts slowly (~0.5 s); run the files on four threads.
    let results: Vec<(PathBuf, Option<Vec<Key>>)> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(files.len().div_ceil(4))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|f| {
                            let skip = options(f)["frictionless"].as_str().is_some_and(|v| v.starts_with("skip"));
                            (f.clone(), (!skip).then(|| frictionless_errors(f)))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("frictionless thread")).collect()
    });
    let mut failures = Vec::new();
    let mut agreed = 0;
    for (f, theirs) in results {
        let Some(theirs) = theirs else { continue };
        let ours = diff(&kho_errors(&f), &kho_only(&f));
        if ours == theirs {
            agreed += 1;
        } else {
            failures.push(format!(
                "{}:\n  only Kho:          {:?}\n  only frictionless: {:?}\n  counts Kho {:?} / frictionless {:?}",
                f.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
                diff(&ours, &theirs),
                diff(&theirs, &ours),
                counts(&ours),
                counts(&theirs),
            ));
        }
    }
    assert!(failures.is_empty(), "disagreements with frictionless:\n{}", failures.join("\n"));
    assert!(agreed >= 15, "only {agreed} files compared");
}

#[test]
fn corpus_matches_expectations() {
    let bless = std::env::var_os("KHO_CORPUS_BLESS").is_some();
    let mut failures = Vec::new();
    for f in files() {
        let ours = kho_errors(&f);
        let path = sidecar(&f, "expect.json");
        let as_json: Vec<Value> = ours.iter().map(|(t, r, n)| serde_json::json!([t, r, n])).collect();
        if bless {
            let text = format!("[\n{}\n]\n", as_json.iter().map(|v| format!("  {v}")).collect::<Vec<_>>().join(",\n"));
            std::fs::write(&path, text.replace("[\n\n]", "[]")).expect("write expectation");
            continue;
        }
        let expected: Vec<Value> = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("{} is missing; run with KHO_CORPUS_BLESS=1", path.display())),
        )
        .expect("expectation JSON");
        if expected != as_json {
            failures.push(format!("{}: expected {expected:?}, got {as_json:?}", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn packages() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus().join("packages"))
        .expect("packages directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("datapackage.json").exists())
        .collect();
    v.sort();
    v
}

/// Kho's errors per table resource of a package.
fn kho_package_errors(dir: &Path) -> BTreeMap<String, Vec<Key>> {
    let pkg = Package::from_path(&dir.join("datapackage.json")).expect("the package is usable");
    let report = validate_package(&pkg, &ValidateOptions::default());
    assert!(!report.incomplete(), "{}: every table validated: {}", dir.display(), report.to_json());
    let mut out = BTreeMap::new();
    for t in report.tasks.into_iter().filter(|t| t.outcome == TaskOutcome::Validated) {
        assert_eq!(t.stats.errors as usize, t.errors.len(), "{}: all errors listed", t.name);
        let mut keys: Vec<Key> = t.errors.into_iter().map(|e| (e.type_, e.row_number, e.field_name)).collect();
        keys.sort();
        out.insert(t.name, keys);
    }
    out
}

/// Frictionless' errors per table resource: of the whole package, or of
/// the resource `name` alone.
fn frictionless_package_errors(dir: &Path, name: Option<&str>) -> BTreeMap<String, Vec<Key>> {
    let mut cmd = Command::new(python());
    cmd.current_dir(dir).args(["-m", "frictionless", "validate", "--json", "datapackage.json"]);
    if let Some(n) = name {
        cmd.args(["--resource-name", n]);
    }
    let out = cmd.output().expect("run frictionless");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{}: frictionless printed no JSON ({e}): {}", dir.display(), String::from_utf8_lossy(&out.stderr))
    });
    assert!(report["errors"].as_array().is_none_or(Vec::is_empty), "{}: {}", dir.display(), report["errors"]);
    let mut m = BTreeMap::new();
    for t in report["tasks"].as_array().map(Vec::as_slice).unwrap_or_default() {
        if t["type"] != "table" {
            continue;
        }
        let mut keys: Vec<Key> = t["errors"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|e| {
                let field = e["fieldName"].as_str().filter(|s| !s.is_empty()).map(str::to_string);
                (e["type"].as_str().unwrap_or("?").to_string(), e["rowNumber"].as_u64(), field)
            })
            .collect();
        keys.sort();
        m.insert(t["name"].as_str().unwrap_or("?").to_string(), keys);
    }
    m
}

#[test]
fn packages_agree_with_frictionless() {
    check_python();
    let mut failures = Vec::new();
    let mut compared = 0;
    for dir in packages() {
        let ours = kho_package_errors(&dir);
        assert!(ours.len() >= 2, "{}: {} tables", dir.display(), ours.len());
        let opts_path = dir.join("options.json");
        let opts: Value = if opts_path.exists() {
            serde_json::from_str(&std::fs::read_to_string(opts_path).expect("options")).expect("options JSON")
        } else {
            Value::Null
        };
        let whole = frictionless_package_errors(&dir, None);
        assert_eq!(whole.keys().collect::<Vec<_>>(), ours.keys().collect::<Vec<_>>(), "{}: tables", dir.display());
        for (name, keys) in &ours {
            let alone = frictionless_package_errors(&dir, Some(name)).remove(name).unwrap_or_default();
            if *keys != alone {
                failures.push(format!(
                    "{} / {name} alone:\n  only Kho:          {:?}\n  only frictionless: {:?}",
                    dir.display(),
                    diff(keys, &alone),
                    diff(&alone, keys)
                ));
            }
            let only: Vec<Key> = opts["khoOnly"][name.as_str()]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|k| (k[0].as_str().unwrap_or("?").to_string(), k[1].as_u64(), k[2].as_str().map(str::to_string)))
                .collect();
            assert_eq!(diff(&only, keys), Vec::<Key>::new(), "{name}: khoOnly errors Kho does not report");
            let theirs = &whole[name];
            let ours_in_package = diff(keys, &only);
            if ours_in_package != *theirs {
                failures.push(format!(
                    "{} / {name} in the package:\n  only Kho:          {:?}\n  only frictionless: {:?}",
                    dir.display(),
                    diff(&ours_in_package, theirs),
                    diff(theirs, &ours_in_package)
                ));
            }
            compared += 1;
        }
    }
    assert!(failures.is_empty(), "disagreements with frictionless:\n{}", failures.join("\n"));
    assert!(compared >= 3, "only {compared} tables compared");
}

#[test]
fn packages_match_expectations() {
    let bless = std::env::var_os("KHO_CORPUS_BLESS").is_some();
    for dir in packages() {
        let ours: BTreeMap<String, Vec<Value>> = kho_package_errors(&dir)
            .into_iter()
            .map(|(name, keys)| (name, keys.iter().map(|(t, r, n)| serde_json::json!([t, r, n])).collect()))
            .collect();
        let path = dir.join("expect.json");
        if bless {
            let body: Vec<String> = ours
                .iter()
                .map(|(name, keys)| {
                    let list: Vec<String> = keys.iter().map(|k| format!("    {k}")).collect();
                    if list.is_empty() {
                        format!("  {name:?}: []")
                    } else {
                        format!("  {name:?}: [\n{}\n  ]", list.join(",\n"))
                    }
                })
                .collect();
            std::fs::write(&path, format!("{{\n{}\n}}\n", body.join(",\n"))).expect("write expectation");
            continue;
        }
        let expected: BTreeMap<String, Vec<Value>> = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("{} is missing; run with KHO_CORPUS_BLESS=1", path.display())),
        )
        .expect("expectation JSON");
        assert_eq!(expected, ours, "{}", dir.display());
    }
}

/// A small deterministic generator (xorshift), so a failing case can be
/// replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Cell values per type: valid ones, near misses, and shared oddities.
fn tokens(t: &str) -> &'static [&'static str] {
    match t {
        "integer" => &["1", "2", "-3", "007", "+5", " 8 ", "1_000", "1.0", "1e3", "12a", "2"],
        "number" => &["1.5", "2", "-0.25", ".5", "5.", "1e-3", "NaN", "inf", "1,5", "abc", "2.0", "1_0"],
        "boolean" => &["true", "false", "True", "FALSE", "1", "0", "yes", "có"],
        "date" => &["2026-11-23", "2026-1-5", "2024-02-29", "2023-02-29", "23/11/2026", "2026-13-01", "1/2/2026"],
        "datetime" => &[
            "2026-11-23T10:20:30",
            "2026-11-23 10:20:30Z",
            "2026-11-23T10:20:30.5+07:00",
            "2026-11-23T10:20",
            "2026-11-23T24:00:00",
            "23/11/2026 10:20",
        ],
        "time" => &["10:20:30", "23:59:59.9", "10:20:30+07:00", "24:00:00", "10:20", "1:20:30", "25:00:00"],
        "year" => &["2026", "1900", "0999", "20261", "26", "+123"],
        "yearmonth" => &["2026-11", "2026-1", "2026-13", "2026/11", "0-1"],
        "duration" => &["P1Y2M", "PT1.5S", "P2W", "P", "1D", "-P1D"],
        "geopoint" => &["\"105.8,21.0\"", "\"181,0\"", "\"0, 91\"", "\"1,2,3\"", "x"],
        "object" => &["\"{\"\"a\"\": 1}\"", "{}", "[1]", "\"{bad\"", "null"],
        "array" => &["\"[1, 2]\"", "[]", "{}", "\"[1\""],
        _ => &["Hà Nội", "Huế", "Đà Nẵng", "HN", "x", "Hà Nội", "a b", "\"Cần Thơ, Việt Nam\""],
    }
}

const SHARED: [&str; 4] = ["", "", "NA", "-"];

fn random_case(rng: &mut Rng, name: &str, dir: &Path) {
    let types = [
        "string",
        "integer",
        "number",
        "boolean",
        "date",
        "datetime",
        "time",
        "year",
        "yearmonth",
        "duration",
        "geopoint",
        "object",
        "array",
        "any",
    ];
    let nfields = 2 + rng.below(4);
    let mut fields = Vec::new();
    let mut kinds = Vec::new();
    for i in 0..nfields {
        let t = rng.pick(&types);
        let mut c = serde_json::Map::new();
        if rng.chance(25) {
            c.insert("required".into(), true.into());
        }
        // Frictionless crashes on unique JSON values (unhashable in Python).
        if rng.chance(20) && !matches!(t, "object" | "array") {
            c.insert("unique".into(), true.into());
        }
        match t {
            "integer" | "number" if rng.chance(40) => {
                c.insert("minimum".into(), 0.into());
                c.insert("maximum".into(), 100.into());
            }
            "date" if rng.chance(40) => {
                c.insert("minimum".into(), "2025-01-01".into());
            }
            "string" if rng.chance(50) => {
                match rng.below(4) {
                    0 => c.insert("pattern".into(), "[A-ZĐ][^,]*".into()),
                    1 => c.insert("maxLength".into(), 3.into()),
                    2 => c.insert("enum".into(), serde_json::json!(["Hà Nội", "Huế"])),
                    _ => c.insert("minLength".into(), 2.into()),
                };
            }
            _ => {}
        }
        let mut f = serde_json::json!({"name": format!("cột {i}"), "type": t});
        if !c.is_empty() {
            f["constraints"] = serde_json::Value::Object(c);
        }
        fields.push(f);
        kinds.push(t);
    }
    let mut schema = serde_json::json!({"fields": fields});
    if rng.chance(30) && !matches!(kinds[0], "object" | "array") {
        schema["primaryKey"] = serde_json::json!(["cột 0"]);
    }
    if rng.chance(15) {
        schema["missingValues"] = serde_json::json!(["", "NA"]);
    }
    let with_schema = rng.chance(75);
    let mut labels: Vec<String> = (0..nfields).map(|i| format!("cột {i}")).collect();
    if rng.chance(20) {
        let i = rng.below(nfields);
        labels[i] = rng.pick(&["", "cột 0", "khác", "Cột 1"]).to_string();
    }
    if rng.chance(10) {
        labels.pop();
    }
    if rng.chance(10) {
        labels.push("thêm".into());
    }
    let mut text = labels.join(",") + "\n";
    if rng.chance(10) {
        text = format!("Báo cáo số liệu\n{text}");
    }
    let most = if rng.chance(30) { 40 } else { 10 };
    for _ in 0..3 + rng.below(most) {
        if rng.chance(5) {
            text.push('\n');
            continue;
        }
        let mut width = nfields;
        if rng.chance(8) {
            width = rng.below(nfields + 2);
        }
        let cells: Vec<&str> = (0..width)
            .map(|i| {
                let t = kinds.get(i).copied().unwrap_or("string");
                match rng.below(100) {
                    0..12 => rng.pick(&SHARED),
                    12..14 => rng.pick(&["\"hai\ndòng\"", "\"a \"\"b\"\"\"", "x\"y"]),
                    _ => rng.pick(tokens(t)),
                }
            })
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    if rng.chance(20) {
        text = text.replace('\n', "\r\n");
    }
    std::fs::write(dir.join(format!("{name}.csv")), text).expect("write csv");
    if with_schema {
        std::fs::write(dir.join(format!("{name}.schema.json")), schema.to_string()).expect("write schema");
    }
}

/// Random tables and schemas, validated by Kho and by frictionless.
/// `KHO_FUZZ_SEED` and `KHO_FUZZ_FILES` (default 60) choose the cases.
#[test]
#[ignore]
fn differential_fuzz() {
    check_python();
    let seed: u64 = std::env::var("KHO_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x9E37_79B9_7F4A_7C15);
    let n: usize = std::env::var("KHO_FUZZ_FILES").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("kho-validate-fuzz-{seed}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("fuzz dir");
    let mut rng = Rng(seed | 1);
    let names: Vec<String> = (0..n).map(|i| format!("case{i:03}")).collect();
    for name in &names {
        random_case(&mut rng, name, &dir);
    }
    // `None` when frictionless crashes (it prints no JSON then).
    let run = |name: &str| -> Option<Vec<Key>> {
        let mut cmd = Command::new(python());
        cmd.current_dir(&dir).args(["-m", "frictionless", "validate", "--json", &format!("{name}.csv")]);
        if dir.join(format!("{name}.schema.json")).exists() {
            cmd.args(["--schema", &format!("{name}.schema.json")]);
        }
        let out = cmd.output().expect("frictionless");
        let report: Value = serde_json::from_slice(&out.stdout).ok()?;
        let mut keys: Vec<Key> = report["tasks"][0]["errors"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|e| {
                let field = e["fieldName"].as_str().filter(|s| !s.is_empty()).map(str::to_string);
                (e["type"].as_str().unwrap_or("?").to_string(), e["rowNumber"].as_u64(), field)
            })
            .collect();
        keys.sort();
        Some(keys)
    };
    let theirs: Vec<Option<Vec<Key>>> = std::thread::scope(|s| {
        names
            .chunks(n.div_ceil(4).max(1))
            .map(|chunk| s.spawn(move || chunk.iter().map(|c| run(c)).collect::<Vec<_>>()))
            .collect::<Vec<_>>()
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    let mut failures = Vec::new();
    let mut crashed = 0;
    for (name, theirs) in names.iter().zip(theirs) {
        let Some(theirs) = theirs else {
            crashed += 1;
            continue;
        };
        let ours = kho_errors(&dir.join(format!("{name}.csv")));
        if ours != theirs {
            failures.push(format!(
                "{name}: only Kho {:?}; only frictionless {:?}",
                diff(&ours, &theirs),
                diff(&theirs, &ours)
            ));
        }
    }
    assert!(failures.is_empty(), "seed {seed}, files in {}:\n{}", dir.display(), failures.join("\n"));
    assert!(crashed * 10 < n, "frictionless crashed on {crashed} of {n} cases");
}
