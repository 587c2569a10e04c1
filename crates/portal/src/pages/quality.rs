//! Quality on the portal: a dataset's score card (on its page) and
//! `/quality`, the agencies ranked by their public datasets' metadata
//! quality, with a chart and the point table.

use crate::format;
use crate::i18n::{Lang, Tr};
use crate::{Html, Layout, Portal, Visitor, render};
use askama::Template;
use kho_catalog::quality::DatasetQuality;
use kho_charts::{Chart, ChartKind, Locale};
use kho_core::Result;
use kho_core::model::Package;
use kho_core::quality::{CRITERIA, Dimension, Rating};

/// A dataset's score, as its page shows it.
pub struct QualityCard {
    pub percent: u32,
    pub rating: &'static str,
    pub rating_label: String,
    /// `(dimension label, percent)`.
    pub dimensions: Vec<(String, u32)>,
    /// The checks it fails, in words: what to add.
    pub todo: Vec<String>,
    /// The overall score (metadata and data), as text.
    pub overall: String,
    /// Share of valid rows of its tables, as text, when validated.
    pub validity: Option<String>,
    /// Share of its external links answering, as text, when checked.
    pub availability: Option<String>,
    /// Likely duplicates elsewhere in the catalog (public datasets).
    pub duplicates: u64,
}

fn dimension_label(tr: Tr, d: Dimension) -> String {
    tr.t(&format!("q-dim-{}", d.code()))
}

fn rating_label(tr: Tr, r: Rating) -> String {
    tr.t(&format!("q-rating-{}", r.code()))
}

/// The score card of a dataset's scores.
fn card(lang: Lang, q: &DatasetQuality) -> QualityCard {
    let tr = Tr::new(lang);
    let a = &q.assessment;
    QualityCard {
        percent: a.percent,
        rating: a.rating.code(),
        rating_label: rating_label(tr, a.rating),
        dimensions: a
            .dimensions
            .iter()
            .map(|d| (dimension_label(tr, d.dimension), (d.score * 100).checked_div(d.max).unwrap_or(0)))
            .collect(),
        todo: a
            .checks
            .iter()
            .filter(|c| !c.passed)
            .filter_map(|c| CRITERIA.iter().find(|d| d.id == c.id))
            .map(|d| format!("{} (+{})", if lang == Lang::En { d.label_en } else { d.label_vi }, d.points))
            .collect(),
        overall: format::decimal(lang, q.overall(), 0),
        validity: q.validity().map(|p| format::decimal(lang, p, 1)),
        availability: q.availability().map(|p| format::decimal(lang, p, 1)),
        duplicates: q.duplicates.unwrap_or(0) as u64,
    }
}

impl Portal {
    /// An agency's scores over its public datasets (`None` without any).
    pub(crate) async fn agency_card(&self, lang: Lang, org_id: &str) -> Result<Option<AgencyCard>> {
        let tr = Tr::new(lang);
        let Some(a) = self.catalog().agency_quality(org_id).await? else { return Ok(None) };
        Ok(Some(AgencyCard {
            datasets: a.datasets,
            overall: format::decimal(lang, a.overall, 1),
            percent: format::decimal(lang, a.percent, 1),
            rating: a.rating.code(),
            rating_label: rating_label(tr, a.rating),
            validity: a.validity.map(|x| format::decimal(lang, x, 1)),
            availability: a.availability.map(|x| format::decimal(lang, x, 1)),
            duplicated: a.duplicated,
        }))
    }

    /// The score card of a dataset the visitor has read. The data scores
    /// are an extra: if they cannot be read the card shows the metadata
    /// points, and the dataset page still works.
    pub(crate) async fn quality_card(&self, v: &Visitor, pkg: &Package) -> QualityCard {
        let q = match self.catalog().dataset_quality(pkg).await {
            Ok(q) => q,
            Err(e) => {
                tracing::warn!(dataset = %pkg.name, error = %e, "could not read the dataset's data scores");
                DatasetQuality::metadata_only(pkg)
            }
        };
        card(v.lang, &q)
    }
}

/// An agency's scores, as its page shows them.
pub struct AgencyCard {
    pub datasets: usize,
    pub overall: String,
    pub percent: String,
    pub rating: &'static str,
    pub rating_label: String,
    pub validity: Option<String>,
    pub availability: Option<String>,
    pub duplicated: usize,
}

/// A line of the ranking table.
pub struct RankRow {
    pub rank: usize,
    pub name: String,
    pub title: String,
    pub datasets: usize,
    pub percent: String,
    pub rating: &'static str,
    pub rating_label: String,
    pub dimensions: Vec<String>,
    pub overall: String,
    pub validity: String,
    pub availability: String,
    pub duplicated: usize,
}

#[derive(Template)]
#[template(path = "quality.html")]
struct QualityView {
    page: Layout,
    chart_svg: Option<String>,
    /// Public datasets by metadata rating, and by validation result.
    band_svg: Option<String>,
    validation_svg: Option<String>,
    dimensions: Vec<String>,
    rows: Vec<RankRow>,
    /// `(id, points, dimension, label)`.
    criteria: Vec<(&'static str, u32, String, &'static str)>,
    assessed: String,
}

impl Portal {
    /// `/quality`: the agencies ranked by metadata quality.
    pub async fn quality_page(&self, v: &Visitor) -> Result<Html> {
        let tr = Tr::new(v.lang);
        let lang = v.lang;
        let ranking = self.catalog().quality_ranking().await?;
        let names = self.english_names(lang, ranking.iter().map(|a| a.name.clone()).collect()).await?;
        let title_of = |name: &str, title: &str| {
            names.as_ref().and_then(|n| n.get(name)).cloned().unwrap_or_else(|| title.to_string())
        };
        let rows: Vec<RankRow> = ranking
            .iter()
            .enumerate()
            .map(|(i, a)| RankRow {
                rank: i + 1,
                name: a.name.clone(),
                title: title_of(&a.name, &a.title),
                datasets: a.datasets,
                percent: format::decimal(lang, a.percent, 1),
                rating: a.rating.code(),
                rating_label: rating_label(tr, a.rating),
                dimensions: a.dimensions.iter().map(|d| format::decimal(lang, *d, 0)).collect(),
                overall: format::decimal(lang, a.overall, 1),
                validity: a.validity.map(|x| format::decimal(lang, x, 1)).unwrap_or_else(|| "—".into()),
                availability: a.availability.map(|x| format::decimal(lang, x, 1)).unwrap_or_else(|| "—".into()),
                duplicated: a.duplicated,
            })
            .collect();
        // Public datasets only, as the ranking counts.
        let (_, counts) = self.counts(&Visitor::anonymous(lang), &["quality_rating", "validation_status"]).await?;
        let locale = Locale::from(lang);
        let band_svg = counts.get("quality_rating").filter(|c| !c.is_empty()).map(|c| {
            let mut chart = Chart::new(ChartKind::Bar, tr.t("q-band-chart-title"));
            chart.description = tr.t("q-band-chart-desc");
            chart.x_label = tr.t("q-rating");
            chart.y_label = tr.t("q-datasets");
            chart.locale = locale;
            chart.id_prefix = "q-band".into();
            chart.points = Rating::ALL
                .iter()
                .map(|r| (rating_label(tr, *r), c.get(r.code()).copied().unwrap_or(0) as f64))
                .collect();
            kho_charts::render(&chart)
        });
        let validation_svg = counts.get("validation_status").filter(|c| !c.is_empty()).map(|c| {
            let mut chart = Chart::new(ChartKind::Pie, tr.t("q-valid-chart-title"));
            chart.description = tr.t("q-valid-chart-desc");
            chart.locale = locale;
            chart.id_prefix = "q-valid".into();
            chart.points = ["success", "failure"]
                .iter()
                .map(|k| (tr.t(&format!("vr-status-{k}")), c.get(*k).copied().unwrap_or(0) as f64))
                .collect();
            kho_charts::render(&chart)
        });
        let chart_svg = (!ranking.is_empty()).then(|| {
            let mut c = Chart::new(ChartKind::Bar, tr.t("q-chart-title"));
            c.description = tr.t("q-chart-desc");
            c.x_label = tr.t("q-agency");
            c.y_label = tr.t("q-percent");
            c.locale = lang.into();
            c.id_prefix = "q-chart".into();
            c.points = ranking
                .iter()
                .take(30)
                .map(|a| (title_of(&a.name, &a.title), (a.overall * 10.0).round() / 10.0))
                .collect();
            kho_charts::render(&c)
        });
        let view = QualityView {
            page: self.layout(v, tr.t("q-page-title"), "quality"),
            chart_svg,
            band_svg,
            validation_svg,
            dimensions: Dimension::ALL.iter().map(|d| dimension_label(tr, *d)).collect(),
            rows,
            criteria: CRITERIA
                .iter()
                .map(|c| {
                    (
                        c.id,
                        c.points,
                        dimension_label(tr, c.dimension),
                        if lang == Lang::En { c.label_en } else { c.label_vi },
                    )
                })
                .collect(),
            assessed: format::date(lang, &kho_core::timefmt::today()),
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }
}
