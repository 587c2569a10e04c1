//! Numbers as Python's `Decimal` and `int` read them, since frictionless
//! reads `number` cells with `Decimal(cell.strip())` and `integer` cells
//! with `int(cell.strip())`: exact decimals, so `1.0` equals `1` and
//! `0.1 + 0.2` questions never arise.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

/// Digits kept inline before spilling to the heap: 30 covers every
/// realistic measurement, so parsing a cell allocates nothing.
const INLINE: usize = 30;

/// The significant digits of a decimal, most significant first, each 0–9.
#[derive(Clone, Debug)]
enum Digits {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Vec<u8>),
}

impl Digits {
    fn new() -> Digits {
        Digits::Inline { len: 0, buf: [0; INLINE] }
    }

    fn push(&mut self, d: u8) {
        match self {
            Digits::Inline { len, buf } => {
                let n = usize::from(*len);
                if n < INLINE {
                    buf[n] = d;
                    *len += 1;
                } else {
                    let mut v = Vec::with_capacity(INLINE * 2);
                    v.extend_from_slice(&buf[..]);
                    v.push(d);
                    *self = Digits::Heap(v);
                }
            }
            Digits::Heap(v) => v.push(d),
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Digits::Inline { len, buf } => &buf[..usize::from(*len)],
            Digits::Heap(v) => v,
        }
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }
}

/// What kind of value a [`Dec`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Finite,
    Infinite,
    /// Quiet or signalling NaN: never equal to anything, not even itself.
    NaN,
}

/// An exact decimal number: `0.d₁d₂…dₙ × 10^exp`, normalised (no leading
/// or trailing zero digits; zero has no digits), so numerically equal
/// values have equal representations and equal hashes.
#[derive(Clone, Debug)]
pub(crate) struct Dec {
    class: Class,
    neg: bool,
    digits: Digits,
    exp: i64,
}

/// Builds a normalised [`Dec`] from digits fed one at a time.
struct Builder {
    digits: Digits,
    /// Zeros seen after the last non-zero digit, not yet known to be
    /// significant.
    pending_zeros: usize,
    /// Digits seen before the decimal point, leading zeros excluded.
    int_digits: i64,
    /// Zeros after the point before the first non-zero digit.
    lead_frac_zeros: i64,
    seen_point: bool,
    any_digit: bool,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            digits: Digits::new(),
            pending_zeros: 0,
            int_digits: 0,
            lead_frac_zeros: 0,
            seen_point: false,
            any_digit: false,
        }
    }

    fn digit(&mut self, d: u8) {
        self.any_digit = true;
        let leading = self.digits.len() == 0;
        if leading && d == 0 {
            if self.seen_point {
                self.lead_frac_zeros = self.lead_frac_zeros.saturating_add(1);
            }
            return;
        }
        if !self.seen_point {
            self.int_digits = self.int_digits.saturating_add(1);
        }
        if d == 0 {
            self.pending_zeros += 1;
            return;
        }
        for _ in 0..self.pending_zeros {
            self.digits.push(0);
        }
        self.pending_zeros = 0;
        self.digits.push(d);
    }

    fn finish(self, neg: bool, exp10: i64) -> Dec {
        if self.digits.len() == 0 {
            return Dec::zero();
        }
        let exp = if self.int_digits > 0 { self.int_digits } else { -self.lead_frac_zeros };
        Dec { class: Class::Finite, neg, digits: self.digits, exp: exp.saturating_add(exp10) }
    }
}

impl Dec {
    /// Zero (Python's `Decimal('-0') == 0`, so it has no sign).
    pub(crate) fn zero() -> Dec {
        Dec { class: Class::Finite, neg: false, digits: Digits::new(), exp: 0 }
    }

    /// `true` for NaN, which frictionless never finds equal or ordered.
    pub(crate) fn is_nan(&self) -> bool {
        self.class == Class::NaN
    }

    /// An integer value.
    pub(crate) fn from_i64(v: i64) -> Dec {
        let mut b = Builder::new();
        let mut buf = [0u8; 20];
        let mut n = v.unsigned_abs();
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for d in &buf[i..] {
            b.digit(*d);
        }
        b.finish(v < 0, 0)
    }

    /// Reads `s` as Python's `Decimal(s)` does (after the caller's strip):
    /// an optional sign, digits with an optional point, an optional
    /// exponent, or `Inf`/`Infinity`/`NaN`/`sNaN` in any case. Python
    /// drops every `_` first, so `1_000` and even `_1` are numbers.
    /// Only ASCII digits are read (Python also reads other scripts' digits).
    pub(crate) fn parse(s: &str) -> Option<Dec> {
        let mut bytes = s.bytes().filter(|b| *b != b'_').peekable();
        let mut neg = false;
        match bytes.peek() {
            Some(b'+') => {
                bytes.next();
            }
            Some(b'-') => {
                neg = true;
                bytes.next();
            }
            _ => {}
        }
        if let Some(b'i' | b'I' | b'n' | b'N' | b's' | b'S') = bytes.peek() {
            {
                let mut word = [0u8; 16];
                let mut n = 0;
                for b in bytes {
                    if n == word.len() {
                        return None;
                    }
                    word[n] = b.to_ascii_lowercase();
                    n += 1;
                }
                let word = &word[..n];
                if word == b"inf" || word == b"infinity" {
                    return Some(Dec { class: Class::Infinite, neg, digits: Digits::new(), exp: 0 });
                }
                let payload = word.strip_prefix(b"nan").or_else(|| word.strip_prefix(b"snan"))?;
                if payload.iter().all(u8::is_ascii_digit) {
                    return Some(Dec { class: Class::NaN, neg, digits: Digits::new(), exp: 0 });
                }
                return None;
            }
        }
        let mut b = Builder::new();
        let mut exp10: i64 = 0;
        let mut in_exp = false;
        let mut exp_neg = false;
        let mut exp_digits = 0usize;
        let mut exp_sign_allowed = false;
        for c in bytes {
            if in_exp {
                match c {
                    b'+' | b'-' if exp_sign_allowed => {
                        exp_neg = c == b'-';
                        exp_sign_allowed = false;
                    }
                    b'0'..=b'9' => {
                        exp_sign_allowed = false;
                        exp_digits += 1;
                        exp10 = exp10.saturating_mul(10).saturating_add(i64::from(c - b'0'));
                    }
                    _ => return None,
                }
                continue;
            }
            match c {
                b'0'..=b'9' => b.digit(c - b'0'),
                b'.' if !b.seen_point => b.seen_point = true,
                b'e' | b'E' if b.any_digit => {
                    in_exp = true;
                    exp_sign_allowed = true;
                }
                _ => return None,
            }
        }
        if !b.any_digit || (in_exp && exp_digits == 0) {
            return None;
        }
        Some(b.finish(neg, if exp_neg { -exp10 } else { exp10 }))
    }

    /// Reads `s` as Python's `int(s)` does (after the caller's strip): an
    /// optional sign and ASCII digits, with single underscores allowed
    /// between digits.
    pub(crate) fn parse_int(s: &str) -> Option<Dec> {
        let bytes = s.as_bytes();
        let (neg, body) = match bytes.first() {
            Some(b'+') => (false, &bytes[1..]),
            Some(b'-') => (true, &bytes[1..]),
            _ => (false, bytes),
        };
        if body.is_empty() || body[0] == b'_' || body[body.len() - 1] == b'_' {
            return None;
        }
        let mut b = Builder::new();
        let mut prev_underscore = false;
        for &c in body {
            match c {
                b'0'..=b'9' => {
                    b.digit(c - b'0');
                    prev_underscore = false;
                }
                b'_' if !prev_underscore => prev_underscore = true,
                _ => return None,
            }
        }
        Some(b.finish(neg, 0))
    }

    /// Whether the value is a whole number (for `integer` constraints read
    /// from JSON numbers such as `10.0`).
    pub(crate) fn is_integral(&self) -> bool {
        self.class == Class::Finite && (self.digits.len() == 0 || self.exp >= self.digits.len() as i64)
    }

    /// Whether the value is within `[-limit, limit]`, for geopoints.
    pub(crate) fn within(&self, limit: i64) -> bool {
        if self.class != Class::Finite {
            return false;
        }
        let lim = Dec::from_i64(limit);
        let mut abs = self.clone();
        abs.neg = false;
        abs.total_cmp(&lim) != Ordering::Greater
    }

    /// Numeric order; `None` when either side is NaN (Python raises
    /// `InvalidOperation`, which frictionless reports as a failed
    /// constraint).
    pub(crate) fn partial_cmp_num(&self, other: &Dec) -> Option<Ordering> {
        if self.is_nan() || other.is_nan() {
            return None;
        }
        Some(self.total_cmp(other))
    }

    fn total_cmp(&self, other: &Dec) -> Ordering {
        let sign = |d: &Dec| -> i8 {
            if d.class == Class::Finite && d.digits.len() == 0 {
                0
            } else if d.neg {
                -1
            } else {
                1
            }
        };
        let (sa, sb) = (sign(self), sign(other));
        if sa != sb {
            return sa.cmp(&sb);
        }
        if sa == 0 {
            return Ordering::Equal;
        }
        let mag = match (self.class, other.class) {
            (Class::Infinite, Class::Infinite) => Ordering::Equal,
            (Class::Infinite, _) => Ordering::Greater,
            (_, Class::Infinite) => Ordering::Less,
            _ => self.exp.cmp(&other.exp).then_with(|| self.digits.as_slice().cmp(other.digits.as_slice())),
        };
        if sa < 0 { mag.reverse() } else { mag }
    }

    /// Feeds the normalised value to a hasher (NaN must be handled by the
    /// caller: it equals nothing).
    pub(crate) fn hash_into<H: Hasher>(&self, h: &mut H) {
        match self.class {
            Class::Finite => {
                self.neg.hash(h);
                self.exp.hash(h);
                h.write(self.digits.as_slice());
            }
            Class::Infinite => {
                (2u8, self.neg).hash(h);
            }
            Class::NaN => 3u8.hash(h),
        }
    }

    /// The integer part, truncated toward zero, if it fits in an `i64`.
    pub(crate) fn to_i64(&self) -> Option<i64> {
        if self.class != Class::Finite {
            return None;
        }
        if self.digits.len() == 0 || self.exp <= 0 {
            return Some(0);
        }
        if self.exp > 18 {
            return None;
        }
        let mut v: i64 = 0;
        for i in 0..self.exp as usize {
            let d = self.digits.as_slice().get(i).copied().unwrap_or(0);
            v = v * 10 + i64::from(d);
        }
        Some(if self.neg { -v } else { v })
    }
}

impl PartialEq for Dec {
    fn eq(&self, other: &Dec) -> bool {
        self.partial_cmp_num(other) == Some(Ordering::Equal)
    }
}

/// Options of a `number` (or `integer`) field that change how text is read.
#[derive(Clone, Debug, Default)]
pub(crate) struct NumberStyle {
    /// `bareNumber: false`: leading and trailing non-digits (currency,
    /// units, `%`) are dropped first.
    pub(crate) strip_non_digits: bool,
    /// Removed before reading (`groupChar`, e.g. `.` in `1.234.567`).
    pub(crate) group_char: Option<String>,
    /// Read as the decimal point (`decimalChar`, e.g. `,`); a `.` left in
    /// the cell is then an error, as in frictionless.
    pub(crate) decimal_char: Option<String>,
    /// Whether any of the three options was given: frictionless only
    /// rewrites the text then.
    pub(crate) active: bool,
}

impl NumberStyle {
    /// Rewrites `s` (already stripped) into `scratch` as frictionless'
    /// number processor does, or returns `None` when a `.` remains beside a
    /// custom decimal character.
    pub(crate) fn rewrite<'a>(&self, s: &'a str, scratch: &'a mut String) -> Option<&'a str> {
        if !self.active {
            return Some(s);
        }
        let mut s = s;
        if self.strip_non_digits {
            s = strip_non_digits(s);
        }
        scratch.clear();
        match &self.group_char {
            Some(g) if !g.is_empty() => {
                for part in s.split(g.as_str()) {
                    scratch.push_str(part);
                }
            }
            _ => scratch.push_str(s),
        }
        if let Some(d) = &self.decimal_char
            && d != "."
        {
            if scratch.contains('.') {
                return None;
            }
            if !d.is_empty() && scratch.contains(d.as_str()) {
                let replaced = scratch.replace(d.as_str(), ".");
                *scratch = replaced;
            }
        }
        Some(scratch.as_str())
    }
}

/// Frictionless' `bareNumber: false` rule: drop the leading run of
/// characters that are neither `-` nor a digit, then the trailing run of
/// non-digits.
pub(crate) fn strip_non_digits(s: &str) -> &str {
    let s = s.trim_start_matches(|c: char| c != '-' && !c.is_ascii_digit());
    s.trim_end_matches(|c: char| !c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn python_decimal_grammar() {
        for ok in [
            "1",
            "-1.5",
            "+.5e-3",
            "5.",
            ".5",
            "1e5",
            "1E+5",
            "1_000",
            "_1",
            "1__0",
            "inf",
            "-Infinity",
            "NaN",
            "nan12",
            "sNaN",
            "0",
            "-0",
            "00012.3400",
        ] {
            assert!(Dec::parse(ok).is_some(), "{ok}");
        }
        for bad in ["", ".", "e1", "1e", "1.2.3", "0x10", "1 000", "Inf1", "+", "-", "1e+", "1,5", "١٢"] {
            assert!(Dec::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn python_int_grammar() {
        for ok in ["1_000", "+5", "-0", "007", "123456789012345678901234567890"] {
            assert!(Dec::parse_int(ok).is_some(), "{ok}");
        }
        for bad in ["_1", "1__0", "1_", "1.0", "1e3", "", "+", "- 1"] {
            assert!(Dec::parse_int(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn equal_values_are_equal_and_hash_equal() {
        use std::collections::hash_map::DefaultHasher;
        let h = |x: &Dec| {
            let mut s = DefaultHasher::new();
            x.hash_into(&mut s);
            s.finish()
        };
        for (a, b) in
            [("1", "1.0"), ("100", "1e2"), ("0.0012", "1.2e-3"), ("-0", "0"), ("12.3400", "12.34"), ("1_000", "1000")]
        {
            assert!(d(a) == d(b), "{a} == {b}");
            assert_eq!(h(&d(a)), h(&d(b)), "{a} hashes as {b}");
        }
        assert!(d("NaN") != d("NaN"));
        assert!(d("1") != d("1.0001"));
    }

    #[test]
    fn ordering() {
        let ord = |a: &str, b: &str| d(a).partial_cmp_num(&d(b));
        assert_eq!(ord("2", "10"), Some(Ordering::Less));
        assert_eq!(ord("-2", "-10"), Some(Ordering::Greater));
        assert_eq!(ord("0.1", "0.09"), Some(Ordering::Greater));
        assert_eq!(ord("-0.5", "0"), Some(Ordering::Less));
        assert_eq!(ord("Infinity", "1e999"), Some(Ordering::Greater));
        assert_eq!(ord("-inf", "-1e999"), Some(Ordering::Less));
        assert_eq!(ord("nan", "1"), None);
        assert_eq!(
            ord("123456789012345678901234567890123456789", "123456789012345678901234567890123456788"),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn long_numbers_spill_to_heap() {
        let long = "1".repeat(100);
        let x = d(&long);
        assert!(matches!(x.digits, Digits::Heap(_)));
        assert!(x != d(&"1".repeat(99)));
        assert_eq!(d(&long), d(&format!("{long}.000")));
    }

    #[test]
    fn text_and_integers() {
        assert_eq!(d("-12").to_i64(), Some(-12));
        assert_eq!(Dec::from_i64(-120), d("-1.2e2"));
        assert!(d("10.0").is_integral());
        assert!(!d("10.5").is_integral());
        assert!(d("-180").within(180));
        assert!(!d("180.0001").within(180));
    }

    #[test]
    fn styles() {
        let vn = NumberStyle {
            strip_non_digits: false,
            group_char: Some(".".into()),
            decimal_char: Some(",".into()),
            active: true,
        };
        let mut s = String::new();
        assert_eq!(vn.rewrite("1.234.567,5", &mut s), Some("1234567.5"));
        let comma = NumberStyle { decimal_char: Some(",".into()), active: true, ..Default::default() };
        assert_eq!(comma.rewrite("1.5", &mut s), None);
        let bare = NumberStyle { strip_non_digits: true, active: true, ..Default::default() };
        assert_eq!(bare.rewrite("€1000 đ", &mut s), Some("1000"));
        assert_eq!(strip_non_digits("-5%"), "-5");
    }
}
