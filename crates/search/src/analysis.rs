//! Text analysis for Vietnamese and English.
//!
//! Every text is indexed through three analysers, all starting from NFC
//! text split into words (`SimpleTokenizer`), over-long tokens dropped and
//! lower-cased:
//! - `vi_exact` keeps diacritics, so "Hà Nội" ranks above "Hạ Nội";
//! - `vi_fold` also folds diacritics (and Đ/đ to d), so "ha noi", "HA NOI"
//!   and "Hà Nội" meet;
//! - `vi_stem` folds and then applies the English stemmer, so "roads"
//!   finds "road". It runs over Vietnamese too; both index and query go
//!   through it, so it can only ever join words, never lose them, and the
//!   field it feeds carries a low weight.
//!
//! Text must be NFC before it reaches a tokenizer: tantivy splits on
//! characters that are not alphanumeric, and the combining marks of
//! decomposed Vietnamese are not, so "Vie\u{323}\u{302}t" would be cut into
//! pieces. [`nfc`] does that for queries; documents are NFC already (input
//! validation normalises every text).

use std::borrow::Cow;
pub use tantivy::tokenizer::TextAnalyzer;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TokenizerManager,
};
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark, is_nfc_quick};

/// Diacritics kept.
pub const EXACT: &str = "vi_exact";
/// Diacritics folded.
pub const FOLD: &str = "vi_fold";
/// Folded and English-stemmed.
pub const STEM: &str = "vi_stem";

/// Longest token indexed, in bytes; longer ones are noise (hashes, URLs).
const MAX_TOKEN_BYTES: usize = 60;

/// Builds one of the three analysers by name.
pub fn analyzer(name: &str) -> TextAnalyzer {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser);
    match name {
        EXACT => base.build(),
        FOLD => base.filter(AsciiFoldingFilter).build(),
        _ => base.filter(AsciiFoldingFilter).filter(Stemmer::new(Language::English)).build(),
    }
}

/// Registers Kho's analysers with an index's tokenizer manager.
pub fn register(manager: &TokenizerManager) {
    for name in [EXACT, FOLD, STEM] {
        manager.register(name, analyzer(name));
    }
}

/// The text in Unicode NFC (borrowed when it already is).
pub fn nfc(text: &str) -> Cow<'_, str> {
    if is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// A token with its byte offsets in the analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

/// The tokens `analyzer` makes of `text` (which should be NFC).
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        out.push(Token { text: t.text.clone(), from: t.offset_from, to: t.offset_to });
    }
    out
}

/// A whole string lower-cased with diacritics removed and Đ/đ as d: the
/// sort key for titles and the form highlights compare.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        match c {
            'đ' | 'Đ' => out.push('d'),
            c if is_combining_mark(c) => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(name: &str, text: &str) -> Vec<String> {
        tokens(&mut analyzer(name), &nfc(text)).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn folding_joins_every_spelling() {
        for q in ["ha noi", "Hà Nội", "HA NOI", "hà nội", "HÀ NỘI"] {
            assert_eq!(words(FOLD, q), ["ha", "noi"], "{q}");
        }
        assert_eq!(words(FOLD, "Đường Điện Biên Phủ"), ["duong", "dien", "bien", "phu"]);
        assert_eq!(words(EXACT, "Đường"), ["đường"]);
        assert_eq!(fold("Đường Hà Nội"), "duong ha noi");
    }

    #[test]
    fn decomposed_text_is_one_word_after_nfc() {
        let decomposed = "Vie\u{323}\u{302}t Nam";
        assert_eq!(words(EXACT, decomposed), ["việt", "nam"]);
        assert_eq!(words(FOLD, decomposed), ["viet", "nam"]);
    }

    #[test]
    fn english_stems_and_vietnamese_survives() {
        assert_eq!(words(STEM, "roads statistics"), ["road", "statist"]);
        assert_eq!(words(STEM, "đường"), ["duong"]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "Dữ liệu Hà Nội";
        let toks = tokens(&mut analyzer(FOLD), text);
        let ha = toks.iter().find(|t| t.text == "ha").unwrap();
        assert_eq!(&text[ha.from..ha.to], "Hà");
    }

    proptest! {
        #[test]
        fn fold_is_idempotent_and_ascii_for_vietnamese(s in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐ ]{0,40}") {
            let f = fold(&s);
            prop_assert_eq!(fold(&f), f.clone());
            prop_assert!(f.is_ascii());
        }

        #[test]
        fn analysers_never_panic(s in "\\PC{0,200}") {
            for name in [EXACT, FOLD, STEM] {
                let _ = tokens(&mut analyzer(name), &nfc(&s));
            }
        }
    }
}
