//! The annual ranking of agencies on the Strategy's indicators, by a
//! versioned method (weights, normalisation, what a missing figure counts
//! as), so a past year's ranking can be recomputed as it was.

use crate::indicators::Value;
use crate::seed::Indicator;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How indicator values are brought to a common 0–100 scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// Shares are already percentages: used as they are.
    None,
    /// Rescaled so the lowest agency of the level is 0 and the highest 100.
    MinMax,
}

/// What an indicator an agency has nothing to measure on counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// Left out: the agency's score is the weighted mean of what it has.
    Skip,
    /// Counted as 0.
    Zero,
}

/// A ranking method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Method {
    /// Weight of each indicator (≥ 0; indicators not listed weigh 0).
    pub weights: BTreeMap<Indicator, f64>,
    /// Scale.
    pub normalisation: Normalisation,
    /// Missing figures.
    pub missing: Missing,
}

impl Default for Method {
    /// Method 1: every indicator weighs the same, shares as they are,
    /// missing figures left out.
    fn default() -> Method {
        Method {
            weights: Indicator::ALL.into_iter().map(|i| (i, 1.0)).collect(),
            normalisation: Normalisation::None,
            missing: Missing::Skip,
        }
    }
}

/// Why a method cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MethodError {
    /// A weight is negative or not a number.
    #[error("weight of {0} must be a number of at least 0")]
    BadWeight(String),
    /// Every weight is 0.
    #[error("at least one weight must be above 0")]
    NoWeight,
}

impl Method {
    /// Checks the weights.
    pub fn check(&self) -> Result<(), MethodError> {
        for (i, w) in &self.weights {
            if !w.is_finite() || *w < 0.0 {
                return Err(MethodError::BadWeight(i.code().to_string()));
            }
        }
        if self.weights.values().all(|w| *w == 0.0) {
            return Err(MethodError::NoWeight);
        }
        Ok(())
    }
}

/// One agency's line of a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Organization id.
    pub agency: String,
    /// 1 for the best; equal scores share a rank.
    pub rank: u32,
    /// Weighted score, 0–100 (rounded to 0.01).
    pub score: f64,
    /// Each indicator's value after normalisation (`None`: missing).
    pub parts: BTreeMap<Indicator, Option<f64>>,
}

/// Ranks agencies (one level) by `method`. Ties share a rank and are
/// listed by agency id.
pub fn rank(method: &Method, agencies: &[(String, Vec<Value>)]) -> Vec<Row> {
    let raw: Vec<BTreeMap<Indicator, Option<f64>>> =
        agencies.iter().map(|(_, values)| values.iter().map(|v| (v.indicator, v.percent())).collect()).collect();
    let mut bounds: BTreeMap<Indicator, (f64, f64)> = BTreeMap::new();
    if method.normalisation == Normalisation::MinMax {
        for m in &raw {
            for (i, v) in m {
                if let Some(v) = v {
                    let b = bounds.entry(*i).or_insert((*v, *v));
                    b.0 = b.0.min(*v);
                    b.1 = b.1.max(*v);
                }
            }
        }
    }
    let mut rows: Vec<Row> = agencies
        .iter()
        .zip(raw)
        .map(|((agency, _), m)| {
            let parts: BTreeMap<Indicator, Option<f64>> = m
                .into_iter()
                .map(|(i, v)| {
                    let v = v.map(|v| match bounds.get(&i) {
                        Some((lo, hi)) if hi > lo => 100.0 * (v - lo) / (hi - lo),
                        Some(_) => 100.0,
                        None => v,
                    });
                    (i, v)
                })
                .collect();
            let (mut sum, mut weight) = (0.0, 0.0);
            for (i, w) in &method.weights {
                match (parts.get(i).copied().flatten(), method.missing) {
                    (Some(v), _) => {
                        sum += w * v;
                        weight += w;
                    }
                    (None, Missing::Zero) => weight += w,
                    (None, Missing::Skip) => {}
                }
            }
            let score = if weight > 0.0 { (100.0 * sum / weight).round() / 100.0 } else { 0.0 };
            Row { agency: agency.clone(), rank: 0, score, parts }
        })
        .collect();
    rows.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.agency.cmp(&b.agency)));
    let mut prev: Option<f64> = None;
    let mut rank = 0;
    for (i, r) in rows.iter_mut().enumerate() {
        if prev != Some(r.score) {
            rank = i as u32 + 1;
            prev = Some(r.score);
        }
        r.rank = rank;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(v: &[(Indicator, u64, u64)]) -> Vec<Value> {
        v.iter().map(|&(indicator, numerator, denominator)| Value { indicator, numerator, denominator }).collect()
    }

    fn sample() -> Vec<(String, Vec<Value>)> {
        use Indicator::*;
        vec![
            ("a".into(), vals(&[(NationalDbConnected, 1, 2), (Protection4Layer, 1, 1)])),
            ("b".into(), vals(&[(NationalDbConnected, 2, 2), (Protection4Layer, 0, 0)])),
            ("c".into(), vals(&[(NationalDbConnected, 0, 1), (Protection4Layer, 0, 4)])),
        ]
    }

    #[test]
    fn equal_weights_skip_missing() {
        let rows = rank(&Method::default(), &sample());
        // a: (50 + 100) / 2 = 75; b: 100 (protection missing); c: 0.
        let got: Vec<(&str, u32, f64)> = rows.iter().map(|r| (r.agency.as_str(), r.rank, r.score)).collect();
        assert_eq!(got, vec![("b", 1, 100.0), ("a", 2, 75.0), ("c", 3, 0.0)]);
    }

    #[test]
    fn missing_as_zero_and_weights_change_the_order() {
        let m = Method {
            weights: [(Indicator::NationalDbConnected, 1.0), (Indicator::Protection4Layer, 3.0)].into(),
            normalisation: Normalisation::None,
            missing: Missing::Zero,
        };
        let rows = rank(&m, &sample());
        // a: (50 + 300) / 4 = 87.5; b: 100 / 4 = 25; c: 0.
        let got: Vec<(&str, f64)> = rows.iter().map(|r| (r.agency.as_str(), r.score)).collect();
        assert_eq!(got, vec![("a", 87.5), ("b", 25.0), ("c", 0.0)]);
    }

    #[test]
    fn min_max_rescales_and_ties_share_a_rank() {
        use Indicator::*;
        let m = Method { normalisation: Normalisation::MinMax, ..Method::default() };
        // Connection shares 20, 50, 80 % become 0, 50, 100; protection is
        // 40 % for everyone (no spread), so it counts 100 for all.
        let s: Vec<(String, Vec<Value>)> = [("a", 1, 5), ("b", 1, 2), ("c", 4, 5), ("d", 4, 5)]
            .iter()
            .map(|&(id, n, d)| (id.to_string(), vals(&[(NationalDbConnected, n, d), (Protection4Layer, 2, 5)])))
            .collect();
        let rows = rank(&m, &s);
        let got: Vec<(&str, u32, f64)> = rows.iter().map(|r| (r.agency.as_str(), r.rank, r.score)).collect();
        assert_eq!(got, vec![("c", 1, 100.0), ("d", 1, 100.0), ("b", 3, 75.0), ("a", 4, 50.0)]);
        assert_eq!(rows[2].parts[&NationalDbConnected], Some(50.0));
        assert_eq!(rows[3].parts[&Protection4Layer], Some(100.0));
        // Without normalisation the same shares stay as they are.
        let plain = rank(&Method::default(), &s);
        assert_eq!(plain.iter().find(|r| r.agency == "a").unwrap().score, 30.0);
    }

    #[test]
    fn bad_methods_are_refused() {
        let mut m = Method::default();
        m.weights.insert(Indicator::OpenDataAgencies, -1.0);
        assert!(m.check().is_err());
        let m = Method { weights: [(Indicator::OpenDataAgencies, 0.0)].into(), ..Method::default() };
        assert_eq!(m.check(), Err(MethodError::NoWeight));
        assert!(Method::default().check().is_ok());
    }
}
