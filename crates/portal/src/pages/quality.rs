//! Quality on the portal: a dataset's score card (on its page) and
//! `/quality`, the agencies ranked by their public datasets' metadata
//! quality, with a chart and the point table.

use crate::format;
use crate::i18n::{Lang, Tr};
use crate::{Html, Layout, Portal, Visitor, render};
use askama::Template;
use kho_charts::{Chart, ChartKind, Locale};
use kho_core::Result;
use kho_core::model::Package;
use kho_core::quality::{CRITERIA, Dimension, Rating, assess};

/// A dataset's score, as its page shows it.
pub struct QualityCard {
    pub percent: u32,
    pub rating: &'static str,
    pub rating_label: String,
    /// `(dimension label, percent)`.
    pub dimensions: Vec<(String, u32)>,
    /// The checks it fails, in words: what to add.
    pub todo: Vec<String>,
}

fn dimension_label(tr: Tr, d: Dimension) -> String {
    tr.t(&format!("q-dim-{}", d.code()))
}

fn rating_label(tr: Tr, r: Rating) -> String {
    tr.t(&format!("q-rating-{}", r.code()))
}

/// The score card of `pkg`.
pub fn card(lang: Lang, pkg: &Package) -> QualityCard {
    let tr = Tr::new(lang);
    let a = assess(pkg, &kho_core::timefmt::today());
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
    }
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
}

#[derive(Template)]
#[template(path = "quality.html")]
struct QualityView {
    page: Layout,
    chart_svg: Option<String>,
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
            })
            .collect();
        let chart_svg = (!ranking.is_empty()).then(|| {
            let mut c = Chart::new(ChartKind::Bar, tr.t("q-chart-title"));
            c.description = tr.t("q-chart-desc");
            c.x_label = tr.t("q-agency");
            c.y_label = tr.t("q-percent");
            c.locale = if lang == Lang::En { Locale::En } else { Locale::Vi };
            c.id_prefix = "q-chart".into();
            c.points = ranking
                .iter()
                .take(30)
                .map(|a| (title_of(&a.name, &a.title), (a.percent * 10.0).round() / 10.0))
                .collect();
            kho_charts::render(&c)
        });
        let view = QualityView {
            page: self.layout(v, tr.t("q-page-title"), "quality"),
            chart_svg,
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
