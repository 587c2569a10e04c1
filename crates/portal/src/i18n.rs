//! Languages of the portal and their message catalogs.
//!
//! Messages live in Fluent files (`locales/vi.ftl`, `locales/en.ftl`),
//! compiled into the binary. Vietnamese is the default and is served at the
//! bare paths; English at the same paths under `/en`, as CKAN does.
//! Numbers and dates are formatted per language by [`crate::format`].

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::borrow::Cow;
use std::sync::LazyLock;

/// A language the portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    /// Every language, default first.
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// The BCP 47 code (`vi`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The path prefix of pages in this language: `""` for the default.
    pub fn prefix(self) -> &'static str {
        match self {
            Lang::Vi => "",
            Lang::En => "/en",
        }
    }

    /// The other language (for the switch link).
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Vi => "Tiếng Việt",
            Lang::En => "English",
        }
    }

    /// Open Graph locale.
    pub fn og_locale(self) -> &'static str {
        match self {
            Lang::Vi => "vi_VN",
            Lang::En => "en_GB",
        }
    }

    /// Parses a language code.
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the text in this language from a `{lang: text}` map, falling
    /// back to the other language and then to `default`.
    pub fn pick<'a>(self, translated: &'a std::collections::BTreeMap<String, String>, default: &'a str) -> &'a str {
        let get = |l: Lang| translated.get(l.code()).map(String::as_str).filter(|s| !s.trim().is_empty());
        match self {
            // The default field is written in the site's language (Vietnamese).
            Lang::Vi => get(Lang::Vi).or(Some(default).filter(|s| !s.trim().is_empty())).or_else(|| get(Lang::En)),
            Lang::En => get(Lang::En).or(Some(default).filter(|s| !s.trim().is_empty())).or_else(|| get(Lang::Vi)),
        }
        .unwrap_or(default)
    }
}

struct Catalogs {
    vi: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

/// The Fluent source of each language.
pub const SOURCES: [(Lang, &str); 2] =
    [(Lang::Vi, include_str!("../locales/vi.ftl")), (Lang::En, include_str!("../locales/en.ftl"))];

fn bundle(lang: Lang, source: &'static str) -> FluentBundle<FluentResource> {
    // Both codes are valid BCP 47; the fallback only satisfies the type.
    let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks (U+2068/2069) around arguments would end up in
    // titles and attributes; both languages are left-to-right.
    bundle.set_use_isolating(false);
    let resource = match FluentResource::try_new(source.to_string()) {
        Ok(r) => r,
        Err((r, errors)) => {
            tracing::error!(lang = lang.code(), ?errors, "message catalog has syntax errors");
            r
        }
    };
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang = lang.code(), ?errors, "message catalog has duplicate messages");
    }
    bundle
}

static CATALOGS: LazyLock<Catalogs> =
    LazyLock::new(|| Catalogs { vi: bundle(Lang::Vi, SOURCES[0].1), en: bundle(Lang::En, SOURCES[1].1) });

/// Translates messages into one language.
#[derive(Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    /// A translator for `lang`.
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        match self.lang {
            Lang::Vi => &CATALOGS.vi,
            Lang::En => &CATALOGS.en,
        }
    }

    /// The message `key`; the key itself if the catalog lacks it (a test
    /// checks every key used exists in both catalogs).
    pub fn t(self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with arguments. Numeric arguments select plural
    /// forms; pass their display form as a separate string argument.
    pub fn args(self, key: &str, args: &[(&str, Arg)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            match v {
                Arg::Num(n) => fa.set(*k, FluentValue::from(*n)),
                Arg::Str(s) => fa.set(*k, FluentValue::from(s.clone())),
            }
        }
        self.format(key, Some(&fa))
    }

    /// A count with its noun: `key` gets `$count` (for plurals) and `$n`
    /// (the number formatted for the language).
    pub fn count(self, key: &str, n: u64) -> String {
        self.args(key, &[("count", Arg::Num(n as f64)), ("n", Arg::Str(crate::format::int(self.lang, n as i64)))])
    }

    fn format(self, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, lang = self.lang.code(), "missing message");
            return key.to_string();
        };
        let mut errors = Vec::new();
        let out: Cow<str> = bundle.format_pattern(pattern, args, &mut errors);
        out.into_owned()
    }

    /// The label of an activity type (`new package` …); the type itself
    /// if the catalog has no label for it.
    pub fn activity(self, activity_type: &str) -> String {
        let key = format!("activity-{}", activity_type.replace(' ', "-"));
        if self.has(&key) { self.t(&key) } else { activity_type.to_string() }
    }

    /// Whether the catalog has `key` (for tests).
    pub fn has(self, key: &str) -> bool {
        self.bundle().has_message(key)
    }
}

/// A message argument.
#[derive(Debug, Clone)]
pub enum Arg {
    Num(f64),
    Str(String),
}

/// The message ids of a Fluent source, in order.
pub fn message_ids(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|l| {
            let (id, _) = l.split_once(" =")?;
            let ok = !id.is_empty()
                && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            ok.then(|| id.to_string())
        })
        .collect()
}

/// Charts write numbers and words in the page's language.
impl From<Lang> for kho_charts::Locale {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Vi => kho_charts::Locale::Vi,
            Lang::En => kho_charts::Locale::En,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_parse_and_have_the_same_messages() {
        for (lang, source) in SOURCES {
            if let Err((_, errors)) = FluentResource::try_new(source.to_string()) {
                panic!("{} catalog has errors: {errors:?}", lang.code());
            }
        }
        let vi = message_ids(SOURCES[0].1);
        let en = message_ids(SOURCES[1].1);
        let missing_en: Vec<_> = vi.iter().filter(|k| !en.contains(k)).collect();
        let missing_vi: Vec<_> = en.iter().filter(|k| !vi.contains(k)).collect();
        assert!(missing_en.is_empty(), "missing in en.ftl: {missing_en:?}");
        assert!(missing_vi.is_empty(), "missing in vi.ftl: {missing_vi:?}");
        let mut sorted = vi.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), vi.len(), "duplicate message ids");
    }

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for sub in ["templates", "src", "src/pages"] {
            if let Ok(rd) = std::fs::read_dir(format!("{dir}/{sub}")) {
                for e in rd.flatten() {
                    // This file names the markers themselves.
                    if e.path().is_file() && !e.path().ends_with("i18n.rs") {
                        files.push(e.path());
                    }
                }
            }
        }
        let mut missing = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // .t("key"), .count("key", …), .args("key", …), and the
            // metadata rows' row("key", …) / add("key", …).
            for marker in [".t(\"", ".count(\"", ".args(\"", "row(\"", "add(\""] {
                for part in text.split(marker).skip(1) {
                    let Some(key) = part.split('"').next() else { continue };
                    if key.is_empty() || key.contains(' ') || key.contains('{') {
                        continue;
                    }
                    for lang in Lang::ALL {
                        if !Tr::new(lang).has(key) {
                            missing.push(format!("{} in {} ({})", key, f.display(), lang.code()));
                        }
                    }
                }
            }
        }
        // Keys made at run time.
        let dynamic = crate::pages::FACETS
            .iter()
            .map(|f| format!("facet-{f}"))
            .chain(crate::pages::SORTS.iter().map(|(_, k)| k.to_string()))
            .chain(
                [
                    "new-package",
                    "changed-package",
                    "deleted-package",
                    "deleted-dataset",
                    "purged-package",
                    "changed-member",
                    "new-organization",
                    "changed-organization",
                    "deleted-organization",
                    "new-group",
                    "changed-group",
                    "deleted-group",
                ]
                .iter()
                .map(|a| format!("activity-{a}")),
            )
            // Quality: dimensions, ratings, validation states and schema sources.
            .chain(kho_core::quality::Dimension::ALL.iter().map(|d| format!("q-dim-{}", d.code())))
            .chain(kho_core::quality::Rating::ALL.iter().map(|r| format!("q-rating-{}", r.code())))
            .chain(
                ["none", "created", "running", "success", "failure", "error"].iter().map(|s| format!("vr-status-{s}")),
            )
            .chain(["publisher", "inferred", "none"].iter().map(|s| format!("vr-schema-{s}")));
        for key in dynamic {
            for lang in Lang::ALL {
                if !Tr::new(lang).has(&key) {
                    missing.push(format!("{key} (made at run time, {})", lang.code()));
                }
            }
        }
        assert!(missing.is_empty(), "messages missing from catalogs:\n{}", missing.join("\n"));
    }

    #[test]
    fn plurals_and_arguments() {
        let en = Tr::new(Lang::En);
        assert_eq!(en.count("datasets-count", 1), "1 dataset");
        assert_eq!(en.count("datasets-count", 1234), "1,234 datasets");
        assert_eq!(Tr::new(Lang::Vi).count("datasets-count", 1234), "1.234 bộ dữ liệu");
    }

    #[test]
    fn bilingual_fields_fall_back() {
        let mut m = std::collections::BTreeMap::new();
        assert_eq!(Lang::En.pick(&m, "Dân số"), "Dân số");
        m.insert("en".to_string(), "Population".to_string());
        assert_eq!(Lang::En.pick(&m, "Dân số"), "Population");
        assert_eq!(Lang::Vi.pick(&m, "Dân số"), "Dân số");
        assert_eq!(Lang::Vi.pick(&m, ""), "Population");
    }
}
