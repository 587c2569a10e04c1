//! `kho validate FILE [--schema S]`: Table Schema validation, offline (no
//! server, no database), with frictionless' error types.

use clap::{Args, ValueEnum};
use kho_validate::{InferOptions, Schema, TextEncoding, ValidateOptions, infer_file, validate_csv};
use std::path::PathBuf;
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
    /// A delimited text file (CSV, TSV…) with a header row.
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
                for e in &report.errors {
                    let at = match (e.row_number, &e.field_name) {
                        (Some(r), Some(f)) => format!("[{r}, {f}] "),
                        (Some(r), None) => format!("[{r}] "),
                        (None, Some(f)) => format!("[{f}] "),
                        (None, None) => String::new(),
                    };
                    println!("  {at}{}: {}", e.type_, if vi { &e.message_vi } else { &e.message });
                }
                let listed = report.errors.len() as u64;
                if listed < s.errors {
                    if vi {
                        println!("  … và {} lỗi nữa (--limit-errors để liệt kê thêm)", s.errors - listed);
                    } else {
                        println!("  … and {} more (--limit-errors to list more)", s.errors - listed);
                    }
                }
            }
        }
    }
    Ok(if report.valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
