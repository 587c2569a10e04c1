//! Vietnamese text in the legacy 8-bit font encodings TCVN3 and VNI:
//! detected, and converted to NFC Unicode.
//!
//! Before Unicode, Vietnamese was typed in fonts that drew Vietnamese
//! letters where Windows-1252 has Western ones. To every program the bytes
//! were Windows-1252; only the font made "ViÖt Nam" read "Việt Nam". Such
//! files still reach Kho, raw or as UTF-8 files whose text went through
//! Windows-1252 on the way (mojibake). Both are converted here: raw bytes by
//! [`LegacyDecoder`], mojibake by [`convert_text`].
//!
//! ASCII (0x00–0x7F) is never reassigned in either encoding, so delimiters,
//! quotes, digits and line breaks reach the CSV parser byte for byte.
//!
//! # TCVN3
//!
//! TCVN 5712:1993 defines three nested sets. VN3, what the "ABC" fonts
//! (.VnTime, .VnArial) implement, has one byte per lowercase letter and
//! only the seven toneless capitals Ă Â Ê Ô Ơ Ư Đ. VN2 adds capitals with
//! tones in positions VN3 leaves free, and five combining tone marks at
//! 0xB0–0xB4. VN1 adds the remaining capitals in the C0 and C1 control
//! ranges. This module reads VN2, a superset of VN3 that costs nothing:
//!
//! - C0 (0x00–0x1F) stays control characters. VN1 puts Ú, Ụ, Ừ, Ý … at
//!   0x01–0x17, which VN3 and VN2 leave alone, and the CSV parser needs
//!   them intact (\t, \n and \r are among them).
//! - C1 (0x80–0x9F) is Windows-1252 punctuation, as in UniKey's TCVN3
//!   table: Word puts its “smart quotes” and dashes there in ABC-font text,
//!   and VN1's capitals would turn every quotation mark into a letter.
//! - 0xB0–0xB4 are tone marks only right after a vowel they can go on.
//!   VN3 has nothing there, so elsewhere in a VN3 file they are most likely
//!   what Windows-1252 makes them: ° ± ² ³ ´ ("25°C").
//!
//! VN3 users wrote capitals with tones by switching to an all-capitals font
//! (.VnTimeH) that draws the lowercase codes as capitals: the bytes of
//! "VIỆT NAM" are "VIÖT NAM", and only the font made the ệ a capital. The
//! decoder restores such a capital when its word proves the font: two or
//! more capitals and no ASCII lowercase letter ("VIÖT"). A word with one
//! capital ("Hµ": "Hà" or "HÀ") follows the other words between the same
//! delimiters, and is capitalised only if one of them proved the font and
//! none has an ASCII lowercase letter ("Hµ NéI" is "HÀ NỘI", "TNHH Hµ"
//! stays "TNHH Hà").
//!
//! # VNI
//!
//! VNI-Windows writes most letters as an ASCII base letter followed by a
//! mark byte, and a few as one byte (đ, ơ, ư and the i's). Capitals take
//! the mark bytes 0x20 below the lowercase ones; the decoder accepts either
//! after either case, the base letter decides the case. A circumflex or
//! breve byte may be followed by a second, tone, byte. A mark byte that
//! cannot go on the letter before it is read as its Windows-1252 character,
//! so Western text in a VNI file survives.
//!
//! # Detection
//!
//! Each reading of the sample (TCVN3, VNI, and the alternatives Windows-1258
//! and Windows-1252, or the text as it is) is split into words, and each
//! word with a non-ASCII letter is checked against the shape of a
//! Vietnamese syllable: onset, rhyme from the closed list of Vietnamese
//! rhymes, one tone at most, and only a sharp or heavy tone before a final
//! p, t, c or ch. A legacy reading wins only if at least two words it
//! changed read as syllables, at least three times as many as the words that
//! do not, and it beats every alternative reading both in syllables and in
//! syllables less other words. Western text fails
//! because its accented words do not read as syllables in any legacy
//! reading; Windows-1258 text fails because it reads better as itself.

use std::collections::HashSet;
use std::sync::OnceLock;

use encoding_rs::{Encoding, WINDOWS_1252, WINDOWS_1258};
use unicode_normalization::UnicodeNormalization;

/// A legacy Vietnamese 8-bit encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// TCVN 5712:1993 (VN3, the "ABC" fonts such as .VnTime), read as VN2.
    Tcvn3,
    /// VNI-Windows (fonts such as VNI-Times): base letter plus mark bytes.
    Vni,
}

impl Legacy {
    /// The label people know it by.
    pub fn label(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "TCVN3",
            Legacy::Vni => "VNI",
        }
    }
}

// Tones, in the column order of `VOWELS`.
const NO_TONE: usize = 0;
const GRAVE: usize = 1;
const ACUTE: usize = 2;
const HOOK: usize = 3;
const TILDE: usize = 4;
const DOT: usize = 5;

// Vowels, in the row order of `VOWELS`.
const A: usize = 0;
const A_BREVE: usize = 1;
const A_CIRC: usize = 2;
const E: usize = 3;
const E_CIRC: usize = 4;
const O: usize = 6;
const O_CIRC: usize = 7;

/// The twelve Vietnamese vowel letters, lowercase, each with no tone, then
/// grave, acute, hook above, tilde and dot below.
const VOWELS: [[char; 6]; 12] = [
    ['a', 'à', 'á', 'ả', 'ã', 'ạ'],
    ['ă', 'ằ', 'ắ', 'ẳ', 'ẵ', 'ặ'],
    ['â', 'ầ', 'ấ', 'ẩ', 'ẫ', 'ậ'],
    ['e', 'è', 'é', 'ẻ', 'ẽ', 'ẹ'],
    ['ê', 'ề', 'ế', 'ể', 'ễ', 'ệ'],
    ['i', 'ì', 'í', 'ỉ', 'ĩ', 'ị'],
    ['o', 'ò', 'ó', 'ỏ', 'õ', 'ọ'],
    ['ô', 'ồ', 'ố', 'ổ', 'ỗ', 'ộ'],
    ['ơ', 'ờ', 'ớ', 'ở', 'ỡ', 'ợ'],
    ['u', 'ù', 'ú', 'ủ', 'ũ', 'ụ'],
    ['ư', 'ừ', 'ứ', 'ử', 'ữ', 'ự'],
    ['y', 'ỳ', 'ý', 'ỷ', 'ỹ', 'ỵ'],
];

/// Windows-1252 at 0x80–0x9F. The five bytes it leaves undefined are the C1
/// controls of the same number, as text decoders pass them through.
const WIN1252_C1: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', // 0x80
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}', // 0x88
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', // 0x90
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}', // 0x98
];

/// TCVN3 (VN2) at 0xA0–0xFF, checked against libiconv's and glibc's
/// TCVN5712-1 tables, the X-TrueType TCVN table and UniKey's TCVN3 table.
/// 0xB0–0xB4 hold their Windows-1252 characters: as tone marks they are
/// handled by [`tcvn3_tone`], since they only mean one after a vowel.
const TCVN3_HIGH: [char; 96] = [
    '\u{A0}', 'Ă', 'Â', 'Ê', 'Ô', 'Ơ', 'Ư', 'Đ', 'ă', 'â', 'ê', 'ô', 'ơ', 'ư', 'đ', 'Ằ', // 0xA0
    '°', '±', '²', '³', '´', 'à', 'ả', 'ã', 'á', 'ạ', 'Ẳ', 'ằ', 'ẳ', 'ẵ', 'ắ', 'Ẵ', // 0xB0
    'Ắ', 'Ầ', 'Ẩ', 'Ẫ', 'Ấ', 'Ề', 'ặ', 'ầ', 'ẩ', 'ẫ', 'ấ', 'ậ', 'è', 'Ể', 'ẻ', 'ẽ', // 0xC0
    'é', 'ẹ', 'ề', 'ể', 'ễ', 'ế', 'ệ', 'ì', 'ỉ', 'Ễ', 'Ế', 'Ồ', 'ĩ', 'í', 'ị', 'ò', // 0xD0
    'Ổ', 'ỏ', 'õ', 'ó', 'ọ', 'ồ', 'ổ', 'ỗ', 'ố', 'ộ', 'ờ', 'ở', 'ỡ', 'ớ', 'ợ', 'ù', // 0xE0
    'Ỗ', 'ủ', 'ũ', 'ú', 'ụ', 'ừ', 'ử', 'ữ', 'ứ', 'ự', 'ỳ', 'ỷ', 'ỹ', 'ý', 'ỵ', 'Ố', // 0xF0
];

/// The tone a TCVN3 (VN2) combining mark byte puts on the vowel before it.
fn tcvn3_tone(b: u8) -> Option<usize> {
    match b {
        0xB0 => Some(GRAVE),
        0xB1 => Some(HOOK),
        0xB2 => Some(TILDE),
        0xB3 => Some(ACUTE),
        0xB4 => Some(DOT),
        _ => None,
    }
}

/// What a VNI mark byte does to the vowel before it besides its tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Tone only.
    Tone,
    /// a, e, o to â, ê, ô.
    Circumflex,
    /// a to ă.
    Breve,
}

/// A VNI mark byte, lowercase or capital form (0x20 lower), per UniKey's
/// VNI-WIN table and the vietnamese-conversion package's.
fn vni_mark(b: u8) -> Option<(Shape, usize)> {
    let lower = if (0xC0..=0xDF).contains(&b) { b + 0x20 } else { b };
    Some(match lower {
        0xF8 => (Shape::Tone, GRAVE),
        0xF9 => (Shape::Tone, ACUTE),
        0xFB => (Shape::Tone, HOOK),
        0xF5 => (Shape::Tone, TILDE),
        0xEF => (Shape::Tone, DOT),
        0xE2 => (Shape::Circumflex, NO_TONE),
        0xE0 => (Shape::Circumflex, GRAVE),
        0xE1 => (Shape::Circumflex, ACUTE),
        0xE5 => (Shape::Circumflex, HOOK),
        0xE3 => (Shape::Circumflex, TILDE),
        0xE4 => (Shape::Circumflex, DOT),
        0xEA => (Shape::Breve, NO_TONE),
        0xE8 => (Shape::Breve, GRAVE),
        0xE9 => (Shape::Breve, ACUTE),
        0xFA => (Shape::Breve, HOOK),
        0xFC => (Shape::Breve, TILDE),
        0xEB => (Shape::Breve, DOT),
        _ => return None,
    })
}

/// A letter VNI writes as one byte (capitals 0x20 lower), per the same
/// two tables.
fn vni_letter(b: u8) -> Option<char> {
    let (lower, capital) = if (0xC0..=0xDF).contains(&b) { (b + 0x20, true) } else { (b, false) };
    let c = match lower {
        0xE6 => 'ỉ',
        0xEC => 'ì',
        0xED => 'í',
        0xEE => 'ỵ',
        0xF1 => 'đ',
        0xF2 => 'ị',
        0xF3 => 'ĩ',
        0xF4 => 'ơ',
        0xF6 => 'ư',
        _ => return None,
    };
    Some(if capital { to_upper(c) } else { c })
}

fn win1252_char(b: u8) -> char {
    match b {
        0x80..=0x9F => WIN1252_C1[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The byte Windows-1252 shows as `c`. Each of U+0080–U+009F is taken as the
/// byte of the same number: that is how text decoded as ISO-8859-1 shows
/// them, and how decoders pass through Windows-1252's five undefined bytes.
fn win1252_byte(c: char) -> Option<u8> {
    if let Ok(b) = u8::try_from(c) {
        return Some(b);
    }
    let i = WIN1252_C1.iter().position(|&x| x == c)?;
    u8::try_from(0x80 + i).ok()
}

fn to_lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn to_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// A vowel letter as its row and column in `VOWELS`, and whether capital.
type VowelInfo = (usize, usize, bool);

/// A Vietnamese vowel letter as (vowel, tone, capital).
fn vowel_of(c: char) -> Option<VowelInfo> {
    // Detection asks this of every letter of a sample of hundreds of kB.
    static TABLE: OnceLock<Vec<(char, VowelInfo)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = Vec::with_capacity(2 * 12 * 6);
        for (v, row) in VOWELS.iter().enumerate() {
            for (t, &l) in row.iter().enumerate() {
                table.push((l, (v, t, false)));
                table.push((to_upper(l), (v, t, true)));
            }
        }
        table.sort_unstable_by_key(|&(l, _)| l);
        table
    });
    table.binary_search_by_key(&c, |&(l, _)| l).ok().and_then(|i| table.get(i)).map(|&(_, info)| info)
}

fn vowel_letter(v: usize, tone: usize, capital: bool) -> char {
    let c = VOWELS[v][tone];
    if capital { to_upper(c) } else { c }
}

/// A toneless vowel with a tone added.
fn with_tone(c: char, tone: usize) -> Option<char> {
    let (v, t, capital) = vowel_of(c)?;
    (t == NO_TONE).then(|| vowel_letter(v, tone, capital))
}

/// A toneless vowel with a VNI mark applied, if the mark can go on it.
fn vni_apply(c: char, shape: Shape, tone: usize) -> Option<char> {
    let (v, t, capital) = vowel_of(c)?;
    if t != NO_TONE {
        return None;
    }
    let v = match (shape, v) {
        (Shape::Tone, v) => v,
        (Shape::Circumflex, A) => A_CIRC,
        (Shape::Circumflex, E) => E_CIRC,
        (Shape::Circumflex, O) => O_CIRC,
        (Shape::Breve, A) => A_BREVE,
        _ => return None,
    };
    Some(vowel_letter(v, tone, capital))
}

/// Where a decoded character came from: what detection counts as evidence
/// and what the capitals rule may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// ASCII, or a byte read as Windows-1252: the same in every reading.
    Plain,
    /// A character of decoded text that is no Windows-1252 byte, kept.
    Passed,
    /// A Vietnamese letter only the legacy reading gives.
    Legacy,
    /// A TCVN3 lowercase letter code, which an all-capitals font drew as a
    /// capital.
    Lower,
}

/// One input unit: a byte, or (in decoded text) a character that is no
/// Windows-1252 byte and passes through.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Byte(u8),
    Char(char),
}

/// Bytes to characters. The last character is held back, because a mark
/// byte after it may still change it, in this call or the next.
#[derive(Debug)]
struct Lexer {
    enc: Legacy,
    held: Option<(char, Origin)>,
}

impl Lexer {
    fn new(enc: Legacy) -> Self {
        Lexer { enc, held: None }
    }

    fn push(&mut self, unit: Unit, emit: &mut impl FnMut(char, Origin)) {
        if let (Unit::Byte(b), Some((c, origin))) = (unit, self.held)
            && let Some(marked) = self.mark(c, b)
        {
            let origin = if origin == Origin::Lower { Origin::Lower } else { Origin::Legacy };
            self.held = Some((marked, origin));
            return;
        }
        let item = match unit {
            Unit::Char(c) => (c, Origin::Passed),
            Unit::Byte(b) => self.item(b),
        };
        if let Some((c, origin)) = self.held.replace(item) {
            emit(c, origin);
        }
    }

    fn finish(&mut self, emit: &mut impl FnMut(char, Origin)) {
        if let Some((c, origin)) = self.held.take() {
            emit(c, origin);
        }
    }

    /// `c` with the mark byte `b` applied, if `b` is a mark that fits `c`.
    fn mark(&self, c: char, b: u8) -> Option<char> {
        match self.enc {
            Legacy::Tcvn3 => with_tone(c, tcvn3_tone(b)?),
            Legacy::Vni => {
                let (shape, tone) = vni_mark(b)?;
                vni_apply(c, shape, tone)
            }
        }
    }

    /// A byte on its own.
    fn item(&self, b: u8) -> (char, Origin) {
        if b < 0x80 {
            return (char::from(b), Origin::Plain);
        }
        match self.enc {
            Legacy::Tcvn3 if b > 0xA0 && tcvn3_tone(b).is_none() => {
                let c = TCVN3_HIGH[usize::from(b - 0xA0)];
                (c, if c.is_lowercase() { Origin::Lower } else { Origin::Legacy })
            }
            Legacy::Tcvn3 => (win1252_char(b), Origin::Plain),
            Legacy::Vni => match vni_letter(b) {
                Some(c) => (c, Origin::Legacy),
                None => (win1252_char(b), Origin::Plain),
            },
        }
    }
}

/// A run is held until a delimiter or a line break, for TCVN3's capitals
/// rule to see all of its words; this bounds the memory of a file with none.
const RUN_LIMIT: usize = 4096;

/// TCVN3's capitals rule (see the module documentation), over runs of text
/// between delimiters.
#[derive(Debug, Default)]
struct Capitals {
    run: Vec<(char, Origin)>,
}

impl Capitals {
    fn push(&mut self, c: char, origin: Origin, out: &mut String) {
        if c.is_control() || matches!(c, ',' | ';' | '|' | '"') {
            self.flush(out);
            out.push(c);
            return;
        }
        self.run.push((c, origin));
        if self.run.len() >= RUN_LIMIT {
            self.flush(out);
        }
    }

    fn flush(&mut self, out: &mut String) {
        restore_capitals(&mut self.run);
        out.extend(self.run.drain(..).map(|(c, _)| c));
    }
}

/// How a word of a TCVN3 run is cased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordCase {
    /// Lowercase codes among two or more capitals and no other lowercase
    /// letter: an all-capitals font.
    Capitals,
    /// Lowercase codes with at most one capital: title case, or capitals.
    Unsure,
    /// Has a lowercase letter no font could have capitalised.
    Lowercase,
    /// No lowercase code: nothing to restore.
    Other,
}

fn restore_capitals(run: &mut [(char, Origin)]) {
    if !run.iter().any(|&(_, o)| o == Origin::Lower) {
        return;
    }
    let mut words = Vec::new();
    let mut i = 0;
    while i < run.len() {
        if !run[i].0.is_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        let (mut capitals, mut lower, mut codes) = (0usize, 0usize, 0usize);
        while i < run.len() && run[i].0.is_alphabetic() {
            let (c, origin) = run[i];
            if origin == Origin::Lower {
                codes += 1;
            } else if c.is_uppercase() {
                capitals += 1;
            } else if c.is_lowercase() {
                lower += 1;
            }
            i += 1;
        }
        let case = match (codes, lower, capitals) {
            (_, 1.., _) => WordCase::Lowercase,
            (0, _, _) => WordCase::Other,
            (_, _, 2..) => WordCase::Capitals,
            _ => WordCase::Unsure,
        };
        words.push((start, i, case));
    }
    let all_capitals =
        words.iter().any(|w| w.2 == WordCase::Capitals) && !words.iter().any(|w| w.2 == WordCase::Lowercase);
    for &(start, end, case) in &words {
        if case == WordCase::Capitals || (case == WordCase::Unsure && all_capitals) {
            for item in &mut run[start..end] {
                if item.1 == Origin::Lower {
                    item.0 = to_upper(item.0);
                }
            }
        }
    }
}

/// Streaming decoder from raw legacy bytes to NFC Unicode. Chunks may split a VNI
/// base+diacritic sequence anywhere; the decoder must carry state across calls.
///
/// Every byte decodes to a character (there is nothing to reject), and the
/// output holds no combining mark, so it is NFC however it is cut.
///
/// TCVN3 output lags behind the input by up to a line or a field (at most
/// 4096 characters): the capitals rule needs the words that follow.
#[derive(Debug)]
pub struct LegacyDecoder {
    lexer: Lexer,
    /// TCVN3 only: VNI writes capitals with tones as capitals.
    capitals: Option<Capitals>,
}

impl LegacyDecoder {
    /// A decoder for `enc`.
    pub fn new(enc: Legacy) -> Self {
        let capitals = (enc == Legacy::Tcvn3).then(Capitals::default);
        LegacyDecoder { lexer: Lexer::new(enc), capitals }
    }

    /// Appends the decoded text of `bytes` to `out`; `last` = no more input follows (flush).
    ///
    /// After a call with `last`, the decoder starts afresh.
    pub fn decode_to(&mut self, bytes: &[u8], last: bool, out: &mut String) {
        for &b in bytes {
            self.push(Unit::Byte(b), out);
        }
        if last {
            self.finish(out);
        }
    }

    fn push(&mut self, unit: Unit, out: &mut String) {
        let LegacyDecoder { lexer, capitals } = self;
        lexer.push(unit, &mut |c, origin| match capitals {
            Some(k) => k.push(c, origin, out),
            None => out.push(c),
        });
    }

    fn finish(&mut self, out: &mut String) {
        let LegacyDecoder { lexer, capitals } = self;
        lexer.finish(&mut |c, origin| match capitals {
            Some(k) => k.push(c, origin, out),
            None => out.push(c),
        });
        if let Some(k) = capitals {
            k.flush(out);
        }
    }
}

/// Converts mojibake text (legacy bytes seen through Windows-1252) to NFC Unicode. Characters
/// that cannot be legacy bytes (anything outside Windows-1252's repertoire) pass through unchanged.
///
/// U+0080–U+009F count as the bytes of the same number, for text decoded as
/// ISO-8859-1 and for Windows-1252's five undefined bytes.
pub fn convert_text(s: &str, enc: Legacy) -> String {
    let mut decoder = LegacyDecoder::new(enc);
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for c in s.chars() {
        decoder.push(text_unit(c), &mut out);
    }
    decoder.finish(&mut out);
    // Passed-through combining marks may compose with decoded letters.
    if unicode_normalization::is_nfc(&out) { out } else { out.nfc().collect() }
}

fn text_unit(c: char) -> Unit {
    match win1252_byte(c) {
        Some(b) => Unit::Byte(b),
        None => Unit::Char(c),
    }
}

/// Which legacy encoding (if any) these raw bytes — known NOT to be valid UTF-8 — are in,
/// as opposed to Windows-1258 (the Vietnamese Windows code page) or plain Windows-1252.
/// Decide from a sample (up to a few hundred kB); must not flag Windows-1258 Vietnamese text
/// or ordinary Latin-1 / Windows-1252 text (French, German names) as legacy.
///
/// `None` also when the sample is too small to tell: fewer than two words
/// that only a legacy reading makes Vietnamese.
pub fn detect_bytes(sample: &[u8]) -> Option<Legacy> {
    if sample.is_ascii() {
        return None;
    }
    let plain = [WINDOWS_1258, WINDOWS_1252].map(|enc| tally_plain(&decode_nfc(enc, sample)));
    let legacy =
        [Legacy::Tcvn3, Legacy::Vni].map(|enc| (enc, tally_legacy(enc, sample.iter().map(|&b| Unit::Byte(b)))));
    choose(legacy, &plain)
}

/// Same for text already decoded as Unicode (the mojibake case, e.g. a UTF-8 file containing "ViÖt Nam").
/// Must return None for ordinary Vietnamese Unicode text and for ordinary English/French text.
pub fn detect_text(sample: &str) -> Option<Legacy> {
    if sample.is_ascii() {
        return None;
    }
    let nfc: String = sample.nfc().collect();
    let plain = [tally_plain(&nfc)];
    let legacy = [Legacy::Tcvn3, Legacy::Vni].map(|enc| (enc, tally_legacy(enc, sample.chars().map(text_unit))));
    choose(legacy, &plain)
}

fn decode_nfc(enc: &'static Encoding, bytes: &[u8]) -> String {
    let (text, _) = enc.decode_without_bom_handling(bytes);
    // Windows-1258 writes tones as combining marks.
    text.nfc().collect()
}

/// Words of one reading with a non-ASCII letter and a vowel: how many read
/// as Vietnamese syllables and how many do not.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    syllables: usize,
    others: usize,
}

impl Tally {
    fn net(self) -> isize {
        isize::try_from(self.syllables).unwrap_or(isize::MAX) - isize::try_from(self.others).unwrap_or(isize::MAX)
    }
}

/// Counts words. With `changed_only`, a syllable counts only if the legacy
/// reading changed one of its letters: words that read the same in
/// Windows-1252 ("à", "Chí") say nothing about the encoding.
#[derive(Debug, Default)]
struct WordTally {
    changed_only: bool,
    word: Vec<char>,
    non_ascii: bool,
    changed: bool,
    passed: bool,
    tally: Tally,
}

impl WordTally {
    fn push(&mut self, c: char, origin: Origin) {
        if !c.is_alphabetic() {
            self.end_word();
            return;
        }
        self.word.push(c);
        self.non_ascii |= !c.is_ascii();
        self.changed |= matches!(origin, Origin::Legacy | Origin::Lower);
        self.passed |= origin == Origin::Passed;
    }

    fn end_word(&mut self) {
        // Vowelless words are abbreviations ("SĐT", "ĐVT"): no evidence.
        if self.non_ascii && self.word.iter().any(|&c| vowel_of(c).is_some()) {
            // Legacy text seen through Windows-1252 holds no other letter.
            if !self.passed && plausible_syllable(&self.word) {
                if self.changed || !self.changed_only {
                    self.tally.syllables += 1;
                }
            } else {
                self.tally.others += 1;
            }
        }
        self.word.clear();
        self.non_ascii = false;
        self.changed = false;
        self.passed = false;
    }

    fn finish(mut self) -> Tally {
        self.end_word();
        self.tally
    }
}

fn tally_plain(text: &str) -> Tally {
    let mut words = WordTally::default();
    for c in text.chars() {
        words.push(c, Origin::Plain);
    }
    words.finish()
}

fn tally_legacy(enc: Legacy, units: impl Iterator<Item = Unit>) -> Tally {
    let mut lexer = Lexer::new(enc);
    let mut words = WordTally { changed_only: true, ..WordTally::default() };
    for unit in units {
        lexer.push(unit, &mut |c, origin| words.push(c, origin));
    }
    lexer.finish(&mut |c, origin| words.push(c, origin));
    words.finish()
}

/// The legacy reading that is convincing on its own and better than every
/// plain one; none if both legacy readings are equally good.
fn choose(legacy: [(Legacy, Tally); 2], plain: &[Tally]) -> Option<Legacy> {
    let plain_syllables = plain.iter().map(|t| t.syllables).max().unwrap_or(0);
    let plain_net = plain.iter().map(|t| t.net()).max().unwrap_or(0);
    let convincing = |t: Tally| {
        t.syllables >= 2 && t.syllables >= 3 * t.others && t.syllables > plain_syllables && t.net() > plain_net
    };
    match legacy.map(|(enc, t)| (enc, t, convincing(t))) {
        [(a, ta, true), (b, tb, true)] => match ta.net().cmp(&tb.net()) {
            std::cmp::Ordering::Greater => Some(a),
            std::cmp::Ordering::Less => Some(b),
            std::cmp::Ordering::Equal => None,
        },
        [(a, _, true), _] => Some(a),
        [_, (b, _, true)] => Some(b),
        _ => None,
    }
}

/// Vietnamese onsets. All are tried: "nghe" is ngh + e, "nga" ng + a.
const ONSETS: [&str; 27] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu", "b", "c", "d", "đ", "g", "h", "k", "l", "m",
    "n", "p", "r", "s", "t", "v", "x",
];

/// Vietnamese rhymes without tone. "ơc", "ơng" and "ơu" are not Vietnamese
/// but are what "ươc", "ương" and "ươu" become in TCVN3 mojibake when a
/// program drops the soft hyphen (0xAD) that is the TCVN3 code for ư.
const RHYMES: &[&str] = &[
    "a", "ac", "ach", "ai", "am", "an", "ang", "anh", "ao", "ap", "at", "au", "ay", // a
    "ăc", "ăm", "ăn", "ăng", "ăp", "ăt", // ă
    "âc", "âm", "ân", "âng", "âp", "ât", "âu", "ây", // â
    "e", "ec", "em", "en", "eng", "eo", "ep", "et", // e
    "ê", "êch", "êm", "ên", "ênh", "êp", "êt", "êu", // ê
    "i", "ia", "ich", "im", "in", "inh", "ip", "it", "iu", // i
    "iêc", "iêm", "iên", "iêng", "iêp", "iêt", "iêu", // iê
    "o", "oc", "oi", "om", "on", "ong", "op", "ot", "ooc", "oong", // o
    "oa", "oac", "oach", "oai", "oam", "oan", "oang", "oanh", "oao", "oap", "oat", "oay", // oa
    "oăc", "oăm", "oăn", "oăng", "oăt", "oe", "oen", "oeo", "oet", // oă, oe
    "ô", "ôc", "ôi", "ôm", "ôn", "ông", "ôp", "ôt", // ô
    "ơ", "ơi", "ơm", "ơn", "ơp", "ơt", "ơc", "ơng", "ơu", // ơ
    "u", "ua", "uc", "ui", "um", "un", "ung", "up", "ut", // u
    "uân", "uâng", "uât", "uây", "uê", "uêch", "uênh", "uơ", // uâ, uê, uơ
    "uôc", "uôi", "uôm", "uôn", "uông", "uôt", // uô
    "uy", "uya", "uych", "uyên", "uyêt", "uynh", "uyp", "uyt", "uyu", // uy
    "ư", "ưa", "ưc", "ưi", "ưm", "ưn", "ưng", "ưt", "ưu", // ư
    "ươc", "ươi", "ươm", "ươn", "ương", "ươp", "ươt", "ươu", // ươ
    "y", "yêm", "yên", "yêt", "yêu", // y
];

fn rhymes() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| RHYMES.iter().copied().collect())
}

/// Whether a word has the shape of a Vietnamese syllable.
fn plausible_syllable(word: &[char]) -> bool {
    // "nghiêng" is the longest.
    if word.len() > 7 {
        return false;
    }
    let mut bare = String::with_capacity(16);
    let mut tone = NO_TONE;
    for &c in word {
        if let Some((v, t, _)) = vowel_of(c) {
            if t != NO_TONE {
                if tone != NO_TONE {
                    return false;
                }
                tone = t;
            }
            bare.push(VOWELS[v][NO_TONE]);
        } else {
            let l = to_lower(c);
            if !matches!(
                l,
                'b' | 'c' | 'd' | 'đ' | 'g' | 'h' | 'k' | 'l' | 'm' | 'n' | 'p' | 'q' | 'r' | 's' | 't' | 'v' | 'x'
            ) {
                return false;
            }
            bare.push(l);
        }
    }
    // A syllable closed by a stop takes the sharp or the heavy tone.
    let rhyme_fits = |r: &str| {
        let stop = r.ends_with('c') || r.ends_with("ch") || r.ends_with('p') || r.ends_with('t');
        rhymes().contains(r) && (!stop || tone == ACUTE || tone == DOT)
    };
    if rhyme_fits(&bare) {
        return true;
    }
    ONSETS.iter().any(|&onset| {
        let Some(rest) = bare.strip_prefix(onset) else { return false };
        rhyme_fits(rest)
            // "gì"; "giêng" spells gi + iêng.
            || (onset == "gi" && (rest.is_empty() || rhyme_fits(&format!("i{rest}"))))
            // "quỳnh" spells qu + uynh.
            || (onset == "qu" && !rest.is_empty() && rhyme_fits(&format!("u{rest}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_normalization::char::decompose_canonical;

    /// The five tone marks in `VOWELS`' column order, from grave.
    const MARKS: [char; 5] = ['\u{300}', '\u{301}', '\u{309}', '\u{303}', '\u{323}'];

    fn decode(enc: Legacy, bytes: &[u8]) -> String {
        let mut out = String::new();
        LegacyDecoder::new(enc).decode_to(bytes, true, &mut out);
        out
    }

    /// Bytes from their Windows-1252 look, by encoding_rs, not this module.
    fn cp1252(s: &str) -> Vec<u8> {
        let (bytes, _, bad) = WINDOWS_1252.encode(s);
        assert!(!bad, "{s:?} is not Windows-1252");
        bytes.into_owned()
    }

    fn nfc(s: &str) -> String {
        s.nfc().collect()
    }

    /// All 134 Vietnamese letters that are not ASCII: 12 vowels in 6 tones,
    /// both cases, less the 6 ASCII vowels in both cases, plus đ and Đ.
    fn all_letters() -> Vec<char> {
        let mut letters: Vec<char> = VOWELS.iter().flatten().copied().filter(|c| !c.is_ascii()).collect();
        letters.push('đ');
        let capitals: Vec<char> = letters.iter().map(|&c| to_upper(c)).collect();
        letters.extend(capitals);
        letters
    }

    /// Test-only encoder, the tables inverted. TCVN3 writes a capital with a
    /// tone that has no code of its own as base plus combining mark (VN2).
    fn encode(enc: Legacy, s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for c in s.chars() {
            if c.is_ascii() {
                out.push(u8::try_from(c).unwrap());
                continue;
            }
            match enc {
                Legacy::Tcvn3 => encode_tcvn3(c, &mut out),
                Legacy::Vni => encode_vni(c, &mut out),
            }
        }
        out
    }

    fn encode_tcvn3(c: char, out: &mut Vec<u8>) {
        let own = (0xA1u8..=0xFF).find(|&b| tcvn3_tone(b).is_none() && TCVN3_HIGH[usize::from(b - 0xA0)] == c);
        if let Some(b) = own {
            out.push(b);
            return;
        }
        let (v, tone, capital) = vowel_of(c).unwrap_or_else(|| panic!("{c:?} is not in TCVN3"));
        assert!(capital && tone != NO_TONE, "{c:?} should have a code");
        let base = vowel_letter(v, NO_TONE, true);
        match u8::try_from(base) {
            Ok(b) if b.is_ascii() => out.push(b),
            _ => encode_tcvn3(base, out),
        }
        out.push((0xB0u8..=0xB4).find(|&b| tcvn3_tone(b) == Some(tone)).unwrap());
    }

    fn encode_vni(c: char, out: &mut Vec<u8>) {
        let case = |b: u8, capital: bool| if capital && b >= 0xE0 { b - 0x20 } else { b };
        if let Some(b) = (0xC0u8..=0xFF).find(|&b| vni_letter(b) == Some(c)) {
            out.push(b);
            return;
        }
        let (v, tone, capital) = vowel_of(c).unwrap_or_else(|| panic!("{c:?} is not in VNI"));
        let shape = match v {
            A_BREVE => Shape::Breve,
            A_CIRC | E_CIRC | O_CIRC => Shape::Circumflex,
            _ => Shape::Tone,
        };
        let base = match shape {
            Shape::Tone => vowel_letter(v, NO_TONE, capital),
            _ => vowel_letter([A, A, A, E, E, 0, O, O][v], NO_TONE, capital),
        };
        if base.is_ascii() {
            out.push(u8::try_from(base).unwrap());
        } else {
            encode_vni(base, out);
        }
        if shape != Shape::Tone || tone != NO_TONE {
            let mark = (0xE0u8..=0xFF).find(|&b| vni_mark(b) == Some((shape, tone))).unwrap();
            out.push(case(mark, capital));
        }
    }

    #[test]
    fn letters_are_the_unicode_ones() {
        for row in VOWELS {
            for (&c, mark) in row.iter().skip(1).zip(MARKS) {
                assert_eq!(nfc(&format!("{}{mark}", row[0])), c.to_string(), "{c:?}");
                let mut parts = 0;
                decompose_canonical(c, |_| parts += 1);
                assert!(parts >= 2, "{c:?} is precomposed");
                assert_ne!(to_upper(c), c);
                assert_eq!(to_lower(to_upper(c)), c);
            }
        }
        let letters = all_letters();
        assert_eq!(letters.len(), 134);
        assert_eq!(letters.iter().collect::<HashSet<_>>().len(), 134);
    }

    #[test]
    fn windows_1252_table_is_encoding_rs_one() {
        for b in 0x80u8..=0xFF {
            let byte = [b];
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(&byte);
            assert_eq!(text.chars().next(), Some(win1252_char(b)), "{b:#04x}");
            assert_eq!(win1252_byte(win1252_char(b)), Some(b));
        }
        assert_eq!(win1252_byte('ệ'), None);
    }

    /// TCVN3 lowercase letters by vowel, tones grave, hook, tilde, acute,
    /// dot, as UniKey's TCVN3 table, libiconv's and glibc's TCVN5712-1
    /// tables and two independent converters agree; expected letters are
    /// composed from base and mark here, not taken from `VOWELS`.
    #[test]
    fn tcvn3_table_agrees_with_sources() {
        let grid: [(&str, Option<u8>, [u8; 5]); 12] = [
            ("a", None, [0xB5, 0xB6, 0xB7, 0xB8, 0xB9]),
            ("a\u{306}", Some(0xA8), [0xBB, 0xBC, 0xBD, 0xBE, 0xC6]),
            ("a\u{302}", Some(0xA9), [0xC7, 0xC8, 0xC9, 0xCA, 0xCB]),
            ("e", None, [0xCC, 0xCE, 0xCF, 0xD0, 0xD1]),
            ("e\u{302}", Some(0xAA), [0xD2, 0xD3, 0xD4, 0xD5, 0xD6]),
            ("i", None, [0xD7, 0xD8, 0xDC, 0xDD, 0xDE]),
            ("o", None, [0xDF, 0xE1, 0xE2, 0xE3, 0xE4]),
            ("o\u{302}", Some(0xAB), [0xE5, 0xE6, 0xE7, 0xE8, 0xE9]),
            ("o\u{31B}", Some(0xAC), [0xEA, 0xEB, 0xEC, 0xED, 0xEE]),
            ("u", None, [0xEF, 0xF1, 0xF2, 0xF3, 0xF4]),
            ("u\u{31B}", Some(0xAD), [0xF5, 0xF6, 0xF7, 0xF8, 0xF9]),
            ("y", None, [0xFA, 0xFB, 0xFC, 0xFD, 0xFE]),
        ];
        let marks = ['\u{300}', '\u{309}', '\u{303}', '\u{301}', '\u{323}'];
        for (base, own, tones) in grid {
            if let Some(b) = own {
                assert_eq!(decode(Legacy::Tcvn3, &[b]), nfc(base), "{b:#04x}");
                assert_eq!(decode(Legacy::Tcvn3, &[b - 7]), nfc(base).to_uppercase(), "{:#04x}", b - 7);
            }
            for (b, mark) in tones.into_iter().zip(marks) {
                assert_eq!(decode(Legacy::Tcvn3, &[b]), nfc(&format!("{base}{mark}")), "{b:#04x}");
            }
        }
        assert_eq!(decode(Legacy::Tcvn3, &[0xA7, 0xAE]), "Đđ");
        // VN2's capitals, as code points in glibc's and libiconv's tables.
        let vn2 = [
            (0xAF, 0x1EB0),
            (0xBA, 0x1EB2),
            (0xBF, 0x1EB4),
            (0xC0, 0x1EAE),
            (0xC1, 0x1EA6),
            (0xC2, 0x1EA8),
            (0xC3, 0x1EAA),
            (0xC4, 0x1EA4),
            (0xC5, 0x1EC0),
            (0xCD, 0x1EC2),
            (0xD9, 0x1EC4),
            (0xDA, 0x1EBE),
            (0xDB, 0x1ED2),
            (0xE0, 0x1ED4),
            (0xF0, 0x1ED6),
            (0xFF, 0x1ED0),
        ];
        for (b, cp) in vn2 {
            assert_eq!(decode(Legacy::Tcvn3, &[b]), char::from_u32(cp).unwrap().to_string(), "{b:#04x}");
        }
        // Every code from 0xA1 is a distinct letter, bar the five marks.
        let letters: HashSet<String> =
            (0xA1u8..=0xFF).filter(|&b| tcvn3_tone(b).is_none()).map(|b| decode(Legacy::Tcvn3, &[b])).collect();
        assert_eq!(letters.len(), 95 - 5);
        assert!(letters.iter().all(|s| s.chars().all(char::is_alphabetic)));
    }

    /// VNI by vowel, tones grave, hook, tilde, acute, dot, as UniKey's
    /// VNI-WIN table and the vietnamese-conversion package agree.
    #[test]
    fn vni_table_agrees_with_sources() {
        let plain: [u8; 5] = [0xF8, 0xFB, 0xF5, 0xF9, 0xEF];
        let circumflex: [u8; 5] = [0xE0, 0xE5, 0xE3, 0xE1, 0xE4];
        let breve: [u8; 5] = [0xE8, 0xFA, 0xFC, 0xE9, 0xEB];
        let marks = ['\u{300}', '\u{309}', '\u{303}', '\u{301}', '\u{323}'];
        const NO: &[u8] = &[];
        const NONE: [&[u8]; 5] = [NO; 5];
        // Letter, its bytes, the base its toned forms are written on, and
        // the toned forms VNI writes as one byte.
        type Row = (&'static str, &'static [u8], &'static [u8], [&'static [u8]; 5]);
        let grid: [Row; 12] = [
            ("a", b"a", b"a", NONE),
            ("a\u{306}", b"a\xEA", b"a", NONE),
            ("a\u{302}", b"a\xE2", b"a", NONE),
            ("e", b"e", b"e", NONE),
            ("e\u{302}", b"e\xE2", b"e", NONE),
            ("i", b"i", b"", [b"\xEC", b"\xE6", b"\xF3", b"\xED", b"\xF2"]),
            ("o", b"o", b"o", NONE),
            ("o\u{302}", b"o\xE2", b"o", NONE),
            ("o\u{31B}", b"\xF4", b"\xF4", NONE),
            ("u", b"u", b"u", NONE),
            ("u\u{31B}", b"\xF6", b"\xF6", NONE),
            ("y", b"y", b"y", [NO, NO, NO, NO, b"\xEE"]),
        ];
        for (base, own, toned_base, singles) in grid {
            assert_eq!(decode(Legacy::Vni, own), nfc(base), "{own:x?}");
            let tones = match own {
                [b'a', 0xEA] => breve,
                [_, 0xE2] => circumflex,
                _ => plain,
            };
            for ((single, tone), mark) in singles.into_iter().zip(tones).zip(marks) {
                let bytes: Vec<u8> =
                    if single.is_empty() { [toned_base, &[tone][..]].concat() } else { single.to_vec() };
                let expected = nfc(&format!("{base}{mark}"));
                assert_eq!(decode(Legacy::Vni, &bytes), expected, "{bytes:x?}");
                // Capitals: capital base, mark 0x20 lower.
                let capital: Vec<u8> =
                    bytes.iter().map(|&b| if b >= 0xE0 { b - 0x20 } else { b.to_ascii_uppercase() }).collect();
                assert_eq!(decode(Legacy::Vni, &capital), expected.to_uppercase(), "{capital:x?}");
            }
        }
        assert_eq!(decode(Legacy::Vni, b"\xD1\xF1"), "Đđ");
    }

    #[test]
    fn every_letter_and_ascii_round_trips() {
        for enc in [Legacy::Tcvn3, Legacy::Vni] {
            for c in all_letters().into_iter().chain((0u8..0x80).map(char::from)) {
                let s = c.to_string();
                assert_eq!(decode(enc, &encode(enc, &s)), s, "{} {c:?}", enc.label());
                let framed = format!("x{c}y");
                assert_eq!(decode(enc, &encode(enc, &framed)), framed, "{} {c:?}", enc.label());
            }
        }
    }

    /// Text as real files hold it: words in lowercase, title case or
    /// capitals, of any letters, between ASCII separators.
    fn text() -> impl Strategy<Value = String> {
        let letters: Vec<char> = all_letters().into_iter().filter(|c| c.is_lowercase()).chain('a'..='z').collect();
        let word = (prop::collection::vec(prop::sample::select(letters), 1..7), 0..3u8);
        let separator = prop::sample::select(vec![" ", ", ", "\n", "\r\n", "\t", " - ", "\"", ";", "1", "0.5 "]);
        prop::collection::vec((word, separator), 0..8).prop_map(|parts| {
            let mut s = String::new();
            for ((letters, case), sep) in parts {
                for (i, c) in letters.into_iter().enumerate() {
                    s.push(if case == 2 || (case == 1 && i == 0) { to_upper(c) } else { c });
                }
                s.push_str(sep);
            }
            s
        })
    }

    /// Any string of Vietnamese letters and ASCII.
    fn any_text() -> impl Strategy<Value = String> {
        let chars: Vec<char> = all_letters().into_iter().chain((0u8..0x80).map(char::from)).collect();
        prop::collection::vec(prop::sample::select(chars), 0..24).prop_map(|v| v.into_iter().collect())
    }

    fn decode_split(enc: Legacy, bytes: &[u8], at: usize) -> String {
        let mut out = String::new();
        let mut decoder = LegacyDecoder::new(enc);
        decoder.decode_to(&bytes[..at], false, &mut out);
        decoder.decode_to(&bytes[at..], true, &mut out);
        out
    }

    proptest! {
        #[test]
        fn text_round_trips_at_every_split(s in text()) {
            for enc in [Legacy::Tcvn3, Legacy::Vni] {
                let bytes = encode(enc, &s);
                for at in 0..=bytes.len() {
                    prop_assert_eq!(decode_split(enc, &bytes, at), s.clone(), "{} split at {}", enc.label(), at);
                }
            }
        }

        // VNI has no capitals rule, so any string round-trips.
        #[test]
        fn any_vni_text_round_trips_at_every_split(s in any_text()) {
            let bytes = encode(Legacy::Vni, &s);
            for at in 0..=bytes.len() {
                prop_assert_eq!(decode_split(Legacy::Vni, &bytes, at), s.clone(), "split at {}", at);
            }
        }

        #[test]
        fn any_bytes_decode_to_nfc_whatever_the_chunks(
            bytes in prop::collection::vec(any::<u8>(), 0..64),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        ) {
            for enc in [Legacy::Tcvn3, Legacy::Vni] {
                let whole = decode(enc, &bytes);
                prop_assert!(unicode_normalization::is_nfc(&whole));
                let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
                cuts.sort_unstable();
                let mut out = String::new();
                let mut decoder = LegacyDecoder::new(enc);
                let mut from = 0;
                for to in cuts {
                    decoder.decode_to(&bytes[from..to], false, &mut out);
                    from = to;
                }
                decoder.decode_to(&bytes[from..], true, &mut out);
                prop_assert_eq!(out, whole.clone());
                // Everything a CSV parser looks at survives byte for byte.
                let structure = |s: &mut dyn Iterator<Item = char>| -> String {
                    s.filter(|c| c.is_ascii() && !c.is_ascii_alphabetic()).collect()
                };
                let expected = structure(&mut bytes.iter().map(|&b| char::from(b)));
                prop_assert_eq!(structure(&mut whole.chars()), expected);
            }
        }

        #[test]
        fn mojibake_converts_like_bytes(s in text()) {
            for enc in [Legacy::Tcvn3, Legacy::Vni] {
                let bytes = encode(enc, &s);
                let (seen, _) = WINDOWS_1252.decode_without_bom_handling(&bytes);
                prop_assert_eq!(convert_text(&seen, enc), s.clone());
            }
        }
    }

    /// Byte sequences written by other people, from public files found by
    /// code search, shown here as Windows-1252 (0xAD, TCVN3's ư, as \u{AD}):
    /// - "Céng hßa x· héi chñ nghÜa ViÖt Nam" and "§éc lËp - Tù do - H¹nh
    ///   phóc": test fixtures of two independent TCVN3 converters (JS, Python).
    /// - "Hµ Néi", "Qu¶ng Ninh", "Kh¸nh Hßa", "Vòng Tµu", "®Þa": a
    ///   Vietnamese quiz game's question file in TCVN3.
    /// - "Thµnh phè Hå ChÝ Minh": a game's Lua script in TCVN3.
    /// - "§µ N½ng": a VB6 form's caption in the "VK Sans Serif" font, and
    ///   database samples in an accounting project's notes.
    /// - "bé tµi chÝnh", "quyÕt ®Þnh cña bé tr\u{AD}ëng": a Ministry of
    ///   Finance decision of 2002, quoted in a project's notes.
    ///
    /// The quiz file has "B×nh D¬ng" and the decision "trëng": the soft
    /// hyphen that is TCVN3's ư is invisible and was lost on the way there;
    /// it is put back here. "Bµ RÞa" is put together from "Hµ" and "®Þa"
    /// of the quiz file.
    #[test]
    fn tcvn3_samples_decode() {
        let samples = [
            ("Céng hßa x· héi chñ nghÜa ViÖt Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
            ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
            ("Hµ Néi", "Hà Nội"),
            ("Thµnh phè Hå ChÝ Minh", "Thành phố Hồ Chí Minh"),
            ("§µ N½ng", "Đà Nẵng"),
            ("Qu¶ng Ninh", "Quảng Ninh"),
            ("Kh¸nh Hßa", "Khánh Hòa"),
            ("Bµ RÞa - Vòng Tµu", "Bà Rịa - Vũng Tàu"),
            ("bé tµi chÝnh", "bộ tài chính"),
            ("quyÕt ®Þnh cña bé tr\u{AD}ëng", "quyết định của bộ trưởng"),
            ("B×nh D\u{AD}¬ng", "Bình Dương"),
        ];
        for (seen, text) in samples {
            assert_eq!(decode(Legacy::Tcvn3, &cp1252(seen)), text, "{seen}");
            assert_eq!(convert_text(seen, Legacy::Tcvn3), text, "{seen}");
        }
    }

    /// Capitals: typed in an all-capitals font (the VN3 way, per the VSCII
    /// article's account of TCVN3), or with VN2's own codes and marks (per
    /// glibc's TCVN5712-1 table: Ê 0xA3, dot below 0xB4, À as A 0xB0).
    #[test]
    fn tcvn3_capitals() {
        let samples = [
            ("VIÖT NAM", "VIỆT NAM"),
            ("CéNG HßA X· HéI CHñ NGHÜA VIÖT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            ("Hµ NéI", "HÀ NỘI"),
            ("§µ N½NG", "ĐÀ NẴNG"),
            ("HSSV Hå CHÝ MINH", "HSSV HỒ CHÍ MINH"),
            ("VI£\u{B4}T NAM", "VIỆT NAM"),
            ("HA\u{B0} N¤\u{B4}I", "HÀ NỘI"),
            // Not proven: title case, or one capital next to an acronym.
            ("Hµ Néi", "Hà Nội"),
            ("TNHH Hµ", "TNHH Hà"),
            ("Hµ", "Hà"),
            // Delimiters end the evidence.
            ("Hµ,NéI", "Hà,NỘI"),
        ];
        for (seen, text) in samples {
            assert_eq!(decode(Legacy::Tcvn3, &cp1252(seen)), text, "{seen}");
        }
    }

    #[test]
    fn tcvn3_keeps_controls_and_symbols() {
        assert_eq!(decode(Legacy::Tcvn3, b"\x01\t\n\r\x17"), "\u{1}\t\n\r\u{17}");
        assert_eq!(decode(Legacy::Tcvn3, b"25\xB0C \xB1 2 m\xB2"), "25°C ± 2 m²");
        assert_eq!(decode(Legacy::Tcvn3, b"\x93H\xB5 N\xE9i\x94 \x96 \x85"), "“Hà Nội” – …");
        assert_eq!(decode(Legacy::Tcvn3, b"\x81\x8D\x8F\x90\x9D"), "\u{81}\u{8D}\u{8F}\u{90}\u{9D}");
        // A mark after a toned vowel is no mark.
        assert_eq!(decode(Legacy::Tcvn3, b"\xB5\xB3"), "à³");
    }

    /// As in `tcvn3_samples_decode`, public files:
    /// - "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam": fixtures of several
    ///   independent VNI converters and a VBA macro; its capitals and
    ///   "Ñoäc laäp - Töï do - Haïnh phuùc": a Python test of phrases from
    ///   real documents, which also has "Ñaø Naüng".
    /// - "HAØ NOÄI", "ÑAØ NAÜNG", "QUAÛNG NINH", "KHAÙNH HOØA", "VUÕNG TAØU",
    ///   "LAÂM ÑOÀNG", "HAÛI DÖÔNG": a Java HR form's province list.
    /// - "Haø Noäi": a Swift converter's fixture and a VB6 form in VNI-Times.
    /// - "Baø Ròa - Vuõng taøu": a C# comment naming the province's power
    ///   company.
    ///
    /// "Thaønh phoá Hoà Chí Minh" and the lowercase province names are put
    /// together from those words.
    #[test]
    fn vni_samples_decode() {
        let samples = [
            ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
            ("COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
            ("Haø Noäi", "Hà Nội"),
            ("HAØ NOÄI", "HÀ NỘI"),
            ("Thaønh phoá Hoà Chí Minh", "Thành phố Hồ Chí Minh"),
            ("Ñaø Naüng", "Đà Nẵng"),
            ("ÑAØ NAÜNG", "ĐÀ NẴNG"),
            ("Quaûng Ninh", "Quảng Ninh"),
            ("QUAÛNG NINH", "QUẢNG NINH"),
            ("Khaùnh Hoøa", "Khánh Hòa"),
            ("KHAÙNH HOØA", "KHÁNH HÒA"),
            ("Baø Ròa - Vuõng taøu", "Bà Rịa - Vũng tàu"),
            ("VUÕNG TAØU", "VŨNG TÀU"),
            ("LAÂM ÑOÀNG", "LÂM ĐỒNG"),
            ("HAÛI DÖÔNG", "HẢI DƯƠNG"),
        ];
        for (seen, text) in samples {
            assert_eq!(decode(Legacy::Vni, &cp1252(seen)), text, "{seen}");
            assert_eq!(convert_text(seen, Legacy::Vni), text, "{seen}");
        }
    }

    #[test]
    fn vni_marks_across_chunks_and_out_of_place() {
        let mut out = String::new();
        let mut decoder = LegacyDecoder::new(Legacy::Vni);
        decoder.decode_to(b"Vie", false, &mut out);
        decoder.decode_to(b"\xE4", false, &mut out);
        decoder.decode_to(b"t", true, &mut out);
        assert_eq!(out, "Việt");
        // A circumflex, then a tone: two mark bytes.
        assert_eq!(decode(Legacy::Vni, b"a\xE2\xF9"), "ấ");
        // Marks that fit nothing are Windows-1252.
        assert_eq!(decode(Legacy::Vni, b"Cr\xE8me \xE0 Paris"), "Crème à Paris");
        assert_eq!(decode(Legacy::Vni, b"\xF9\xF9"), "ùù");
    }

    #[test]
    fn convert_text_passes_other_characters() {
        assert_eq!(convert_text("ViÖt Nam → 越南 😀", Legacy::Tcvn3), "Việt Nam → 越南 😀");
        // Text decoded as ISO-8859-1 has C1 controls where Windows-1252 has
        // quotes; both are the same bytes.
        assert_eq!(convert_text("\u{93}Hµ Néi\u{94}", Legacy::Tcvn3), "“Hà Nội”");
        assert_eq!(convert_text("“Hµ Néi”", Legacy::Tcvn3), "“Hà Nội”");
        // Output is NFC even when what passes through is not.
        assert_eq!(convert_text("Vie\u{302}\u{323}t", Legacy::Vni), "Việt");
    }

    /// The Windows-1258 bytes of `s` as Windows writes them: precomposed
    /// where the code page has the letter, base plus tone mark elsewhere.
    fn cp1258(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for c in s.chars() {
            let mut utf8 = [0; 4];
            let (bytes, _, bad) = WINDOWS_1258.encode(c.encode_utf8(&mut utf8));
            if !bad {
                out.extend_from_slice(&bytes);
                continue;
            }
            let (v, tone, capital) = vowel_of(c).unwrap();
            let base = vowel_letter(v, NO_TONE, capital).to_string();
            let mark = MARKS[tone - 1].to_string();
            for part in [base, mark] {
                let (bytes, _, bad) = WINDOWS_1258.encode(&part);
                assert!(!bad);
                out.extend_from_slice(&bytes);
            }
        }
        out
    }

    const VIETNAMESE: [&str; 4] = [
        "id,ten\n1,Hà Nội\n2,Thành phố Hồ Chí Minh\n3,Đà Nẵng\n",
        "Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc\n",
        "Quảng Ninh;Khánh Hòa;Bà Rịa - Vũng Tàu\n",
        "Dân số trung bình phân theo giới tính và thành thị, nông thôn năm 2023 của tỉnh Quảng Ninh",
    ];

    #[test]
    fn detects_legacy_bytes() {
        for text in VIETNAMESE {
            for enc in [Legacy::Tcvn3, Legacy::Vni] {
                let bytes = encode(enc, text);
                assert_eq!(detect_bytes(&bytes), Some(enc), "{} {text:?}", enc.label());
                assert_eq!(decode(enc, &bytes), text);
            }
        }
        // The brief's three rows, bytes typed from the TCVN3 samples above.
        let csv = cp1252("1,Hµ Néi\n2,Thµnh phè Hå ChÝ Minh\n3,§µ N½ng\n");
        assert_eq!(detect_bytes(&csv), Some(Legacy::Tcvn3));
        let csv = cp1252("1,Haø Noäi\n2,Thaønh phoá Hoà Chí Minh\n3,Ñaø Naüng\n");
        assert_eq!(detect_bytes(&csv), Some(Legacy::Vni));
        // Capitals in an all-capitals font.
        assert_eq!(detect_bytes(&cp1252("CéNG HßA X· HéI CHñ NGHÜA VIÖT NAM")), Some(Legacy::Tcvn3));
    }

    #[test]
    fn does_not_flag_windows_1258_or_western_text() {
        for text in VIETNAMESE {
            assert_eq!(detect_bytes(&cp1258(text)), None, "{text:?}");
        }
        let western = [
            "Crème brûlée, Größe, Ñandú",
            "Le café est à côté de l'hôtel, où l'été dernier nous avons mangé une crème brûlée.",
            "Où est la gare? À gauche.",
            "José Müller;François Dupré;Zoë Ångström;Søren Kierkegaard;Chloé Noël;Jürgen Groß",
            "Straße,Größe,Köln,München,Düsseldorf,Zürich\nÄpfel,Öl,Übung,1,2,3\n",
            "¿Dónde está el niño? Sí, aquí. Canción, corazón, mañana, también.",
            "São Paulo, informação, coração, não, então, avó, você",
            "à la carte, déjà vu, né, où, là, çà",
            "Temperatur 25°C ± 2, Fläche 3 m², Preis 5 € – „Angebot“ …",
        ];
        for text in western {
            assert_eq!(detect_bytes(&cp1252(text)), None, "{text:?}");
            assert_eq!(detect_text(text), None, "{text:?}");
        }
    }

    #[test]
    fn detects_mojibake_text_only() {
        for text in VIETNAMESE {
            assert_eq!(detect_text(text), None, "{text:?}");
            for enc in [Legacy::Tcvn3, Legacy::Vni] {
                let bytes = encode(enc, text);
                let (seen, _) = WINDOWS_1252.decode_without_bom_handling(&bytes);
                assert_eq!(detect_text(&seen), Some(enc), "{} {seen:?}", enc.label());
                assert_eq!(convert_text(&seen, enc), text);
            }
        }
        let decomposed: String = VIETNAMESE[1].nfd().collect();
        assert_eq!(detect_text(&decomposed), None);
        assert_eq!(detect_text("The quick brown fox jumps over the lazy dog."), None);
        assert_eq!(detect_text("Céng hßa x· héi chñ nghÜa ViÖt Nam"), Some(Legacy::Tcvn3));
        assert_eq!(detect_text("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam"), Some(Legacy::Vni));
        // One word is not enough to tell.
        assert_eq!(detect_text("ViÖt"), None);
    }

    #[test]
    fn syllables() {
        let good = "nghiêng người trường quỳnh gì giếng khuỷu Việt đường ấy yêu Quốc oẳn";
        for w in good.split(' ') {
            assert!(plausible_syllable(&w.chars().collect::<Vec<_>>()), "{w}");
        }
        let bad = ["Viờũt", "crốme", "cafộ", "Grửòe", "ViÖt", "Mỹller", "cỏc", "viet", "ngưoi", "hòá"];
        for w in bad {
            assert!(!plausible_syllable(&w.chars().collect::<Vec<_>>()), "{w}");
        }
    }

    #[test]
    fn labels() {
        assert_eq!(Legacy::Tcvn3.label(), "TCVN3");
        assert_eq!(Legacy::Vni.label(), "VNI");
    }
}
