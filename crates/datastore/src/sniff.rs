//! What a delimited text file is: its encoding, delimiter and whether the
//! first row is a header, guessed from its first bytes.
//!
//! Encodings: UTF-8 (with or without BOM), UTF-16 (with a BOM, or without
//! one when every other byte is zero), and Windows-1258 (the Vietnamese
//! Windows code page) for bytes that are not UTF-8. Windows-1258 writes
//! most accented letters as a base letter plus a combining tone mark, so
//! decoded text is normalised to NFC, as every text Kho stores.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1258};
use unicode_normalization::UnicodeNormalization;

/// A text encoding Kho reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1258,
    /// TCVN3 (TCVN 5712:1993, "ABC"), a legacy Vietnamese font encoding.
    Tcvn3,
    /// VNI-Windows, a legacy Vietnamese font encoding.
    Vni,
}

impl TextEncoding {
    /// Reads an encoding's name (`utf-8`, `utf-8-bom`, `utf-16le`,
    /// `utf-16be`, `windows-1258`/`cp1258`, `tcvn3`, `vni`).
    pub fn parse(name: &str) -> Option<TextEncoding> {
        Some(match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => TextEncoding::Utf8,
            "utf-8-bom" | "utf-8-sig" => TextEncoding::Utf8Bom,
            "utf-16le" | "utf-16" => TextEncoding::Utf16Le,
            "utf-16be" => TextEncoding::Utf16Be,
            "windows-1258" | "cp1258" => TextEncoding::Windows1258,
            "tcvn3" | "tcvn" | "abc" => TextEncoding::Tcvn3,
            "vni" | "vni-windows" => TextEncoding::Vni,
            _ => return None,
        })
    }

    /// The label people know it by.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (BOM)",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Windows1258 => "windows-1258",
            TextEncoding::Tcvn3 => "TCVN3",
            TextEncoding::Vni => "VNI",
        }
    }

    fn legacy(self) -> Option<crate::legacy::Legacy> {
        match self {
            TextEncoding::Tcvn3 => Some(crate::legacy::Legacy::Tcvn3),
            TextEncoding::Vni => Some(crate::legacy::Legacy::Vni),
            _ => None,
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => UTF_8,
            TextEncoding::Utf16Le => UTF_16LE,
            TextEncoding::Utf16Be => UTF_16BE,
            // Legacy encodings are decoded by `legacy`; this is never used for them.
            TextEncoding::Windows1258 | TextEncoding::Tcvn3 | TextEncoding::Vni => WINDOWS_1258,
        }
    }
}

/// A text file's bytes as UTF-8, the one way every reader of delimited
/// text (loads, validation, `kho admin-units`) opens it: UTF-8 passes
/// through untouched (the fast path), a UTF-8 byte-order mark is dropped,
/// anything else is decoded (and normalised to NFC) by [`DecodingReader`],
/// which counts in `replaced` the bytes it could not read.
pub fn text_stream<R: std::io::Read + Send + 'static>(
    inner: R,
    enc: TextEncoding,
    replaced: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> Box<dyn std::io::Read + Send> {
    match enc {
        TextEncoding::Utf8 => Box::new(inner),
        TextEncoding::Utf8Bom => Box::new(SkipBom { inner, checked: false, held: Vec::new() }),
        other => Box::new(DecodingReader::new(inner, other, replaced)),
    }
}

/// Drops a UTF-8 byte-order mark at the start of a stream, if there is one.
struct SkipBom<R> {
    inner: R,
    checked: bool,
    /// Bytes read while looking for the mark that were not the mark.
    held: Vec<u8>,
}

impl<R: std::io::Read> std::io::Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.checked {
            self.checked = true;
            let mut head = [0u8; 3];
            let mut n = 0;
            while n < 3 {
                match self.inner.read(&mut head[n..])? {
                    0 => break,
                    k => n += k,
                }
            }
            if head[..n] != *b"\xEF\xBB\xBF" {
                self.held.extend_from_slice(&head[..n]);
            }
        }
        if !self.held.is_empty() {
            let n = self.held.len().min(buf.len());
            buf[..n].copy_from_slice(&self.held[..n]);
            self.held.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// Guesses the encoding from the start of a file.
pub fn detect_encoding(head: &[u8]) -> TextEncoding {
    if head.starts_with(b"\xEF\xBB\xBF") {
        return TextEncoding::Utf8Bom;
    }
    if head.starts_with(b"\xFF\xFE") {
        return TextEncoding::Utf16Le;
    }
    if head.starts_with(b"\xFE\xFF") {
        return TextEncoding::Utf16Be;
    }
    // UTF-16 without a BOM: ASCII-heavy text has a zero in every other byte.
    let pairs = head.len() / 2;
    if pairs >= 4 {
        let even_zero = head.chunks_exact(2).filter(|p| p[0] == 0).count();
        let odd_zero = head.chunks_exact(2).filter(|p| p[1] == 0).count();
        if odd_zero * 10 >= pairs * 4 && even_zero * 10 < pairs {
            return TextEncoding::Utf16Le;
        }
        if even_zero * 10 >= pairs * 4 && odd_zero * 10 < pairs {
            return TextEncoding::Utf16Be;
        }
    }
    match std::str::from_utf8(head) {
        Ok(_) => TextEncoding::Utf8,
        // A multi-byte character cut at the end of the sample is still UTF-8.
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => TextEncoding::Utf8,
        Err(_) => match crate::legacy::detect_bytes(head) {
            Some(crate::legacy::Legacy::Tcvn3) => TextEncoding::Tcvn3,
            Some(crate::legacy::Legacy::Vni) => TextEncoding::Vni,
            None => TextEncoding::Windows1258,
        },
    }
}

/// Decodes bytes in `enc` to NFC text. Undecodable bytes become U+FFFD
/// (counted in the second value, so a report can say how many there were).
pub fn decode(bytes: &[u8], enc: TextEncoding) -> (String, usize) {
    let body = match enc {
        TextEncoding::Utf8Bom => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
        TextEncoding::Utf16Le => bytes.strip_prefix(b"\xFF\xFE").unwrap_or(bytes),
        TextEncoding::Utf16Be => bytes.strip_prefix(b"\xFE\xFF").unwrap_or(bytes),
        _ => bytes,
    };
    if let Some(legacy) = enc.legacy() {
        let mut out = String::with_capacity(body.len());
        crate::legacy::LegacyDecoder::new(legacy).decode_to(body, true, &mut out);
        return (out, 0);
    }
    let (text, _) = enc.encoding().decode_without_bom_handling(body);
    let bad = text.chars().filter(|c| *c == '\u{FFFD}').count();
    (text.nfc().collect(), bad)
}

/// Delimiters Kho recognises, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter that splits the sample's lines most consistently into
/// more than one field (quotes respected); `,` for one-column files.
pub fn detect_delimiter(sample: &str) -> u8 {
    let mut best = (b',', 0usize);
    for d in DELIMITERS {
        let mut reader =
            csv::ReaderBuilder::new().delimiter(d).has_headers(false).flexible(true).from_reader(sample.as_bytes());
        let counts: Vec<usize> = reader.records().take(50).filter_map(|r| r.ok()).map(|r| r.len()).collect();
        // A cut-off last line may be short; judge on the complete ones.
        let lines = if counts.len() > 2 { &counts[..counts.len() - 1] } else { &counts[..] };
        let Some(&first) = lines.first() else { continue };
        if first < 2 {
            continue;
        }
        let consistent = lines.iter().filter(|n| **n == first).count();
        // Consistency first, then more fields.
        let score = consistent * 1000 + first;
        if consistent * 10 >= lines.len() * 8 && score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

/// Whether the first row reads as a header. Where the rows below have a
/// typed column (numbers, dates, booleans), the first row is a header when
/// its cells in those columns are labels, not values of that type ("Dân số"
/// above numbers), and blank or repeated labels do not change that. With
/// no typed column to tell, the first row must be distinct, non-blank,
/// non-numeric labels.
pub fn has_header(rows: &[Vec<String>]) -> bool {
    use crate::infer::{ColumnInference, ColumnType, parse};
    let Some((first, rest)) = rows.split_first() else { return false };
    if first.iter().all(|c| c.trim().is_empty()) {
        return false;
    }
    let mut label_over_typed = 0;
    for (i, head) in first.iter().enumerate() {
        let mut inf = ColumnInference::default();
        for r in rest {
            if let Some(c) = r.get(i) {
                inf.observe(c);
            }
        }
        let ty = inf.result();
        if ty != ColumnType::Text && !head.trim().is_empty() {
            if parse(head, ty).is_some() {
                return false;
            }
            label_over_typed += 1;
        }
    }
    if label_over_typed > 0 {
        return true;
    }
    if first.iter().any(|c| c.trim().is_empty()) {
        return false;
    }
    let mut distinct = first.iter().map(|c| c.trim().to_lowercase()).collect::<Vec<_>>();
    distinct.sort();
    distinct.dedup();
    distinct.len() == first.len()
        && first.iter().all(|c| parse(c, ColumnType::Decimal(crate::infer::NumberStyle::International)).is_none())
}

/// Reads a file in `enc` as UTF-8 text, in NFC, chunk by chunk, for the
/// csv parser. Undecodable bytes become U+FFFD and are counted in
/// `replaced`.
pub struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    /// Decoded text not yet normalised: its last starter and what follows
    /// may still combine with the next chunk.
    carry: String,
    out: Vec<u8>,
    pos: usize,
    eof: bool,
    replaced: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: std::io::Read> DecodingReader<R> {
    /// Decodes `inner` in `enc`; a BOM, if any, is dropped.
    pub fn new(inner: R, enc: TextEncoding, replaced: std::sync::Arc<std::sync::atomic::AtomicU64>) -> Self {
        DecodingReader {
            inner,
            decoder: match enc.legacy() {
                Some(l) => Decoder::Legacy(crate::legacy::LegacyDecoder::new(l)),
                None => Decoder::Standard(enc.encoding().new_decoder_with_bom_removal()),
            },
            input: vec![0; 1 << 16],
            carry: String::new(),
            out: Vec::new(),
            pos: 0,
            eof: false,
            replaced,
        }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() && !self.eof {
            let n = self.inner.read(&mut self.input)?;
            let last = n == 0;
            let mut text = std::mem::take(&mut self.carry);
            let had_errors = match &mut self.decoder {
                Decoder::Standard(d) => {
                    text.reserve(d.max_utf8_buffer_length(n).unwrap_or(n * 3));
                    d.decode_to_string(&self.input[..n], &mut text, last).2
                }
                Decoder::Legacy(d) => {
                    d.decode_to(&self.input[..n], last, &mut text);
                    false
                }
            };
            if had_errors {
                let bad = text.chars().filter(|c| *c == '\u{FFFD}').count() as u64;
                self.replaced.fetch_add(bad.max(1), std::sync::atomic::Ordering::Relaxed);
            }
            let cut = if last { text.len() } else { last_starter(&text) };
            self.carry = text[cut..].to_string();
            self.out.extend(text[..cut].nfc().collect::<String>().into_bytes());
            self.eof = last;
        }
        Ok(())
    }
}

/// The decoder behind a [`DecodingReader`].
enum Decoder {
    Standard(encoding_rs::Decoder),
    Legacy(crate::legacy::LegacyDecoder),
}

/// Where the last character that combines with nothing before it
/// starts: text before it normalises the same whatever follows.
fn last_starter(text: &str) -> usize {
    text.char_indices()
        .rev()
        .find(|(_, c)| unicode_normalization::char::canonical_combining_class(*c) == 0)
        .map(|(i, _)| i)
        .unwrap_or(0)
}

impl<R: std::io::Read> std::io::Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.out.len() {
            self.fill()?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn text_stream_drops_a_bom_only_when_there_is_one() {
        use std::io::Read;
        let read = |bytes: &'static [u8], enc: TextEncoding| {
            let mut out = String::new();
            text_stream(bytes, enc, Default::default()).read_to_string(&mut out).unwrap();
            out
        };
        assert_eq!(read(b"\xEF\xBB\xBFa,b\n", TextEncoding::Utf8Bom), "a,b\n");
        assert_eq!(read(b"a,b\n", TextEncoding::Utf8Bom), "a,b\n", "no mark: nothing dropped");
        assert_eq!(read(b"a", TextEncoding::Utf8Bom), "a");
        assert_eq!(read(b"", TextEncoding::Utf8Bom), "");
        assert_eq!(read(b"H\xe0 N\xf4\xf2i", TextEncoding::Windows1258), "Hà Nội");
    }

    use super::*;

    fn rows(text: &str, d: u8) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .filter_map(|r| r.ok())
            .map(|r| r.iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn encodings() {
        assert_eq!(detect_encoding("tỉnh,dân số\n".as_bytes()), TextEncoding::Utf8);
        assert_eq!(detect_encoding(b"\xEF\xBB\xBFa,b\n"), TextEncoding::Utf8Bom);
        let le: Vec<u8> = "tinh,dan so\nHa Noi,1\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(detect_encoding(&le), TextEncoding::Utf16Le);
        let be: Vec<u8> = "tinh,dan so\n".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(detect_encoding(&be), TextEncoding::Utf16Be);
        assert_eq!(decode(&le, TextEncoding::Utf16Le).0, "tinh,dan so\nHa Noi,1\n");
        // "Hà Nội" in Windows-1258: H, a + combining grave (0xCC), space,
        // N, ô (0xF4) + combining dot below (0xF2), i.
        let cp1258 = b"H\x61\xCC N\xF4\xF2i";
        assert_eq!(detect_encoding(cp1258), TextEncoding::Windows1258);
        assert_eq!(decode(cp1258, TextEncoding::Windows1258), ("Hà Nội".to_string(), 0));
        // A sample cut inside a UTF-8 character is still UTF-8.
        let cut = &"Hà Nội".as_bytes()[..8];
        assert_eq!(detect_encoding(cut), TextEncoding::Utf8);
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("a;b;c\n1;2,5;3\n4;5;6\n"), b';');
        assert_eq!(detect_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter("\"x, y\",b\n\"1,2\",3\n"), b',');
        assert_eq!(detect_delimiter("tên|số\nA|1\n"), b'|');
        assert_eq!(detect_delimiter("chỉ một cột\n1\n2\n"), b',');
    }

    #[test]
    fn streaming_decode_composes_across_chunks() {
        use std::io::Read;
        // "Hà Nội" repeated in Windows-1258, read through a 1-byte reader
        // so every base letter and its tone mark arrive separately.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else { return Ok(0) };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let cp1258 = b"H\x61\xCC N\xF4\xF2i,\xFD\n".repeat(3);
        let replaced = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let mut r = DecodingReader::new(OneByte(&cp1258), TextEncoding::Windows1258, replaced.clone());
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        assert_eq!(out, "Hà Nội,ư\n".repeat(3));
        assert_eq!(replaced.load(std::sync::atomic::Ordering::Relaxed), 0);
        let le: Vec<u8> = "\u{FEFF}a,b\nĐà Nẵng,1\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let mut out = String::new();
        DecodingReader::new(&le[..], TextEncoding::Utf16Le, replaced).read_to_string(&mut out).unwrap();
        assert_eq!(out, "a,b\nĐà Nẵng,1\n");
    }

    #[test]
    fn headers() {
        assert!(has_header(&rows("tỉnh,dân số\nHà Nội,8587100\nHuế,1236393\n", b',')));
        assert!(!has_header(&rows("1,2\n3,4\n", b',')));
        assert!(!has_header(&rows("Hà Nội,8587100\nHuế,1236393\n", b',')), "a data row with a number is not a header");
        assert!(has_header(&rows("mã,tên\nA,Hà Nội\nB,Huế\n", b',')));
        assert!(has_header(&rows("a,a\n1,2\n", b',')), "duplicate labels over numbers");
        assert!(!has_header(&rows("a,a\nxa,yb\n", b',')), "duplicate labels over text");
        assert!(has_header(&rows("tên,,số\nA,,1\n", b',')), "a blank label");
        assert!(!has_header(&[]));
    }
}
