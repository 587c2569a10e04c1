//! Escaping text for HTML, for the few places that build markup by hand
//! (search highlights) rather than through auto-escaping templates.

/// Appends `s` to `out` with `< > & " '` escaped, safe in element content
/// and in quoted attribute values.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `s` escaped (see [`escape_into`]).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            super::escape("<a href=\"x\">Đ & 'y'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Đ &amp; &#39;y&#39;&lt;/a&gt;"
        );
    }
}
