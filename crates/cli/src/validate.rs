//! `kho validate FILE [--schema S]`: Table Schema validation, offline (no
//! server, no database), with frictionless' error types. FILE may also be
//! a Data Package descriptor (`datapackage.json`): every CSV resource is
//! then validated, foreign keys across resources included.

use clap::{Args, ValueEnum};
use kho_validate::{
    InferOptions, Package, PackageReport, Schema, TaskOutcome, TextEncoding, ValidateOptions, ValidationError,
    infer_file, validate_csv, validate_package,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A summary and one line per error, in the chosen language.
    Human,
    /// `{"valid", "stats", "errors": [{"type", "rowNumber", "fieldName", "message", …}]}`.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Language {
    Vi,
    En,
}

#[derive(Args)]
pub struct ValidateArgs {
    /// A delimited text file (CSV, TSV…) with a header row, or a Data Package descriptor
    /// (datapackage.json, v1 or v2) whose CSV resources are validated, foreign keys across
    /// resources included.
    file: PathBuf,
    /// A Table Schema (v1 or v2, JSON) [default: inferred from the file, as frictionless does].
    #[arg(long, value_name = "S")]
    schema: Option<PathBuf>,
    /// Output: human (default) or json.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Language of human output.
    #[arg(long, value_enum, default_value = "vi")]
    lang: Language,
    /// Errors listed at most (all are counted).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    limit_errors: usize,
    /// The file's encoding: utf-8, utf-16le, utf-16be, windows-1258, tcvn3, vni [default: detected].
    #[arg(long)]
    encoding: Option<String>,
    /// Print the inferred (or given) schema as JSON instead of validating.
    #[arg(long)]
    print_schema: bool,
}

/// Exit codes: 0 valid, 1 errors in the data, 2 could not validate (a bad
/// schema, an unreadable file).
pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let fail = |message: String| {
        eprintln!("kho validate: {message}");
        Ok(ExitCode::from(2))
    };
    let encoding = match &args.encoding {
        Some(e) => match TextEncoding::parse(e) {
            Some(enc) => Some(enc),
            None => {
                return fail(format!(
                    "unknown encoding {e:?}: use utf-8, utf-16le, utf-16be, windows-1258, tcvn3 or vni"
                ));
            }
        },
        None => None,
    };
    if is_descriptor(&args.file) {
        if args.schema.is_some() || args.print_schema {
            return fail(
                "--schema and --print-schema apply to one CSV file; a data package's resources carry their own schemas"
                    .into(),
            );
        }
        let pkg = match Package::from_path(&args.file) {
            Ok(p) => p,
            Err(e) => return fail(format!("the data package {} is not usable: {e}", args.file.display())),
        };
        let opts = ValidateOptions { limit_errors: args.limit_errors, encoding, ..ValidateOptions::default() };
        let report = validate_package(&pkg, &opts);
        match args.format {
            Format::Json => println!("{}", report.to_json()),
            Format::Human => print_package(&pkg, &report, args.lang == Language::Vi),
        }
        return Ok(if report.incomplete() {
            ExitCode::from(2)
        } else if report.valid {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let schema = match &args.schema {
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => return fail(format!("cannot read the schema {}: {e}", path.display())),
            };
            match Schema::from_json(&text) {
                Ok(s) => Some(s),
                Err(e) => return fail(format!("the schema {} is not usable: {e}", path.display())),
            }
        }
        None => None,
    };
    if args.print_schema {
        let schema = match schema {
            Some(s) => s,
            None => match infer_file(&args.file, &InferOptions::default()) {
                Ok(s) => s,
                Err(e) => return fail(e.to_string()),
            },
        };
        println!("{}", schema.to_json());
        return Ok(ExitCode::SUCCESS);
    }
    let opts = ValidateOptions { limit_errors: args.limit_errors, encoding, ..ValidateOptions::default() };
    let report = match validate_csv(&args.file, schema.as_ref(), &opts) {
        Ok(r) => r,
        Err(e) => return fail(e.to_string()),
    };
    match args.format {
        Format::Json => println!("{}", report.to_json()),
        Format::Human => {
            let vi = args.lang == Language::Vi;
            let s = &report.stats;
            let mb = s.bytes as f64 / 1e6;
            if report.valid {
                if vi {
                    println!("✓ Hợp lệ: {} dòng, {} cột ({mb:.1} MB trong {:.2} s)", s.rows, s.fields, s.seconds);
                } else {
                    println!("✓ Valid: {} rows, {} fields ({mb:.1} MB in {:.2} s)", s.rows, s.fields, s.seconds);
                }
            } else {
                if vi {
                    println!("✗ Không hợp lệ: {} lỗi trong {} dòng, {} cột", s.errors, s.rows, s.fields);
                } else {
                    println!("✗ Invalid: {} errors in {} rows, {} fields", s.errors, s.rows, s.fields);
                }
                print_errors(&report.errors, s.errors, vi);
            }
        }
    }
    Ok(if report.valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// A `.json` file is a package descriptor (a schema goes with `--schema`).
fn is_descriptor(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// One line per listed error, and how many more there are.
fn print_errors(errors: &[ValidationError], total: u64, vi: bool) {
    for e in errors {
        let at = match (e.row_number, &e.field_name) {
            (Some(r), Some(f)) => format!("[{r}, {f}] "),
            (Some(r), None) => format!("[{r}] "),
            (None, Some(f)) => format!("[{f}] "),
            (None, None) => String::new(),
        };
        println!("  {at}{}: {}", e.type_, if vi { &e.message_vi } else { &e.message });
    }
    let listed = errors.len() as u64;
    if listed < total {
        if vi {
            println!("  … và {} lỗi nữa (--limit-errors để liệt kê thêm)", total - listed);
        } else {
            println!("  … and {} more (--limit-errors to list more)", total - listed);
        }
    }
}

/// A package's result: one block per resource, then a summary.
fn print_package(pkg: &Package, report: &PackageReport, vi: bool) {
    let name = pkg.name.as_deref().unwrap_or("");
    for t in &report.tasks {
        let s = &t.stats;
        match (t.outcome, t.valid) {
            (TaskOutcome::NotTable, _) if vi => {
                println!("– {} ({}): không phải bảng CSV, không kiểm tra", t.name, t.place)
            }
            (TaskOutcome::NotTable, _) => println!("– {} ({}): not a CSV table, not checked", t.name, t.place),
            (TaskOutcome::Failed, _) if vi => println!("✗ {} ({}): không kiểm tra được", t.name, t.place),
            (TaskOutcome::Failed, _) => println!("✗ {} ({}): could not be validated", t.name, t.place),
            (TaskOutcome::Validated, true) if vi => {
                println!("✓ {} ({}): hợp lệ, {} dòng, {} cột", t.name, t.place, s.rows, s.fields)
            }
            (TaskOutcome::Validated, true) => {
                println!("✓ {} ({}): valid, {} rows, {} fields", t.name, t.place, s.rows, s.fields)
            }
            (TaskOutcome::Validated, false) if vi => println!(
                "✗ {} ({}): {} lỗi, {} trong {} dòng không hợp lệ, {} cột",
                t.name, t.place, s.errors, s.invalid_rows, s.rows, s.fields
            ),
            (TaskOutcome::Validated, false) => println!(
                "✗ {} ({}): {} errors, {} of {} rows invalid, {} fields",
                t.name, t.place, s.errors, s.invalid_rows, s.rows, s.fields
            ),
        }
        print_errors(&t.errors, s.errors, vi);
    }
    let tables = report.tasks.iter().filter(|t| t.outcome != TaskOutcome::NotTable).count();
    let bad = report.tasks.iter().filter(|t| !t.valid).count();
    let errors = report.stats.errors;
    match (report.incomplete(), report.valid, vi) {
        (true, _, true) => {
            println!("✗ Gói {name}: có bảng không kiểm tra được; {errors} lỗi trong {bad}/{tables} bảng")
        }
        (true, _, false) => {
            println!("✗ Package {name}: some tables could not be validated; {errors} errors in {bad}/{tables} tables")
        }
        (false, true, true) => println!("✓ Gói {name} hợp lệ: {tables} bảng"),
        (false, true, false) => println!("✓ Package {name} is valid: {tables} tables"),
        (false, false, true) => println!("✗ Gói {name} không hợp lệ: {errors} lỗi trong {bad}/{tables} bảng"),
        (false, false, false) => println!("✗ Package {name} is invalid: {errors} errors in {bad}/{tables} tables"),
    }
}
