//! Value axes: "nice" ticks (1, 2 or 5 × 10ⁿ apart) and the mapping from
//! values to pixels.

/// Ticks of a value axis.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticks {
    /// The first tick, at or below the smallest value.
    pub lo: f64,
    /// The last tick, at or above the largest value.
    pub hi: f64,
    /// The distance between ticks.
    pub step: f64,
    /// The ticks, from `lo` to `hi`.
    pub values: Vec<f64>,
}

/// At most this many ticks, whatever the input; bounds the loop below.
const MAX_TICKS: usize = 40;

/// 1, 2, 5 or 10 × 10ⁿ near `x` (> 0, finite): the smallest at or above it,
/// or the nearest when `round`. Returned as (mantissa, exponent) so that
/// multiples can be computed without accumulating float error.
fn nice(x: f64, round: bool) -> (f64, i32) {
    if !(x.is_finite() && x > 0.0) {
        return (1.0, 0);
    }
    let e = x.log10().floor() as i32;
    let f = x / pow10(1.0, e);
    let m = if round {
        if f < 1.5 {
            1.0
        } else if f < 3.0 {
            2.0
        } else if f < 7.0 {
            5.0
        } else {
            10.0
        }
    } else if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    (m, e)
}

/// `k` × 10^`e`, dividing for negative exponents: 3 × 2 / 10 is exactly the
/// float nearest 0.6, where 3 × 0.2 is 0.6000000000000001.
fn pow10(k: f64, e: i32) -> f64 {
    if e >= 0 {
        k * 10f64.powi(e)
    } else if e >= -300 {
        k / 10f64.powi(-e)
    } else {
        // 10^324 overflows: divide in two steps for subnormal ranges.
        k / 1e300 / 10f64.powi((-e - 300).min(300))
    }
}

/// About `target` nice ticks covering `min..=max` (Heckbert's method). A
/// single value gets a range around it (0 gets 0..1); non-finite bounds
/// give 0..1.
pub(crate) fn nice_ticks(min: f64, max: f64, target: usize) -> Ticks {
    let fallback = Ticks { lo: 0.0, hi: 1.0, step: 0.5, values: vec![0.0, 0.5, 1.0] };
    if !(min.is_finite() && max.is_finite()) {
        return fallback;
    }
    let (mut min, mut max) = (min.min(max), min.max(max));
    if min == max {
        if min == 0.0 {
            max = 1.0;
        } else {
            let pad = min.abs() / 10.0;
            min = clamp_finite(min - pad);
            max = clamp_finite(max + pad);
        }
        if min == max {
            // A subnormal value: too small for any spacing.
            return fallback;
        }
    }
    // Halving first keeps max - min finite for the largest floats.
    let span = (max / 2.0 - min / 2.0) * 2.0;
    let span = if span.is_finite() { span } else { f64::MAX };
    let intervals = target.clamp(2, 12) as f64 - 1.0;
    let (m, e) = nice(span, false);
    let range = pow10(m, e);
    let range = if range.is_finite() { range } else { span };
    let (m, e) = nice(range / intervals, true);
    let step = pow10(m, e);
    let two = |lo: f64, hi: f64| Ticks { lo, hi, step: hi - lo, values: vec![lo, hi] };
    if !(step.is_finite() && step > 0.0) {
        return two(min, max);
    }
    let lo_k = (min / step).floor();
    let hi_k = (max / step).ceil();
    let count = hi_k - lo_k;
    if !(count.is_finite() && count >= 1.0) || count as usize > MAX_TICKS {
        return two(min, max);
    }
    let values: Vec<f64> = (0..=count as usize)
        .map(|i| {
            let v = clamp_finite(pow10((lo_k + i as f64) * m, e));
            // No "-0" on an axis.
            if v == 0.0 { 0.0 } else { v }
        })
        .collect();
    let lo = values.first().copied().unwrap_or(min);
    let hi = values.last().copied().unwrap_or(max);
    Ticks { lo, hi, step, values }
}

fn clamp_finite(v: f64) -> f64 {
    v.clamp(-f64::MAX, f64::MAX)
}

/// A linear map from the values `lo..=hi` to the pixels `from..=to`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Linear {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Linear {
    /// The map of `lo..=hi` onto `from..=to` (which may run backwards, as a
    /// y axis does).
    pub(crate) fn new(lo: f64, hi: f64, from: f64, to: f64) -> Linear {
        Linear { lo, hi, from, to }
    }

    /// The pixel of `v`, clamped to the range so a mark never leaves its plot.
    pub(crate) fn map(&self, v: f64) -> f64 {
        // Halves, as in nice_ticks, so hi - lo cannot overflow.
        let den = self.hi / 2.0 - self.lo / 2.0;
        let t = if den > 0.0 { (v / 2.0 - self.lo / 2.0) / den } else { 0.0 };
        let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
        self.from + t * (self.to - self.from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_nice(step: f64) -> bool {
        let p = 10f64.powf(step.log10().floor());
        let f = (step / p * 1e6).round() / 1e6;
        [1.0, 2.0, 5.0, 10.0].contains(&f)
    }

    #[test]
    fn ticks_are_one_two_or_five_times_a_power_of_ten() {
        let t = nice_ticks(0.0, 97.0, 5);
        assert_eq!(t.values, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let t = nice_ticks(0.0, 8_431_000.0, 5);
        assert_eq!((t.lo, t.hi, t.step), (0.0, 1e7, 2e6));
        let t = nice_ticks(-3.2, 7.9, 5);
        assert_eq!(t.values, vec![-5.0, 0.0, 5.0, 10.0]);
        let t = nice_ticks(0.1, 0.7, 5);
        assert_eq!(t.values, vec![0.0, 0.2, 0.4, 0.6, 0.8]);
        let t = nice_ticks(0.0, 0.0, 5);
        assert_eq!(t.values, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        for (min, max) in [(0.0, 1.0), (3.0, 1234.0), (-5e9, 2e9), (0.001, 0.002), (12.0, 13.0), (-1.0, -0.5)] {
            let t = nice_ticks(min, max, 5);
            assert!(is_nice(t.step), "{min}..{max}: {}", t.step);
            assert!(t.lo <= min && t.hi >= max, "{min}..{max}: {t:?}");
            assert!((3..=12).contains(&t.values.len()), "{min}..{max}: {t:?}");
        }
    }

    #[test]
    fn degenerate_ranges() {
        let t = nice_ticks(5.0, 5.0, 5);
        assert!(t.lo < 5.0 && t.hi > 5.0);
        assert_eq!(nice_ticks(f64::NAN, 1.0, 5).values, vec![0.0, 0.5, 1.0]);
        let t = nice_ticks(-f64::MAX, f64::MAX, 5);
        assert!(t.values.iter().all(|v| v.is_finite()) && t.values.len() >= 2);
        let t = nice_ticks(f64::MIN_POSITIVE, f64::MIN_POSITIVE, 5);
        assert!(t.values.iter().all(|v| v.is_finite()));
        let t = nice_ticks(f64::MAX, f64::MAX, 5);
        assert!(t.values.iter().all(|v| v.is_finite()) && t.values.len() >= 2);
        let t = nice_ticks(5e-324, 5e-324, 5);
        assert!(t.values.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn linear_maps_and_clamps() {
        let y = Linear::new(0.0, 100.0, 300.0, 100.0);
        assert_eq!(y.map(0.0), 300.0);
        assert_eq!(y.map(50.0), 200.0);
        assert_eq!(y.map(100.0), 100.0);
        assert_eq!(y.map(1e9), 100.0);
        assert_eq!(y.map(f64::NAN), 300.0);
        let wide = Linear::new(-f64::MAX, f64::MAX, 0.0, 10.0);
        assert_eq!(wide.map(0.0), 5.0);
        assert_eq!(Linear::new(1.0, 1.0, 0.0, 10.0).map(1.0), 0.0);
    }
}
