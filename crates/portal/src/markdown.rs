//! Markdown in dataset and agency descriptions, rendered safely.
//!
//! Publishers write CKAN-style Markdown. Raw HTML in it is shown as text,
//! never passed through, and links and images keep only `http`, `https`,
//! `mailto` and relative URLs, so a description cannot run script.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

/// Longest description rendered; the rest is cut (the API still has it).
const MAX_INPUT: usize = 100_000;

fn safe_url(url: &str) -> bool {
    let lower: String = url.trim().chars().filter(|c| !c.is_control() && !c.is_whitespace()).collect();
    let lower = lower.to_ascii_lowercase();
    match lower.split_once(':') {
        // A colon before any slash, ? or # means a scheme.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme, "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// Renders Markdown to HTML that is safe to embed.
pub fn render(text: &str) -> String {
    let mut cut = text.len().min(MAX_INPUT);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let text = &text[..cut];
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(text, opts).map(|ev| match ev {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            let dest_url = if safe_url(&dest_url) { dest_url } else { CowStr::from("#") };
            Event::Start(Tag::Link { link_type, dest_url, title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            let dest_url = if safe_url(&dest_url) { dest_url } else { CowStr::from("") };
            Event::Start(Tag::Image { link_type, dest_url, title, id })
        }
        other => other,
    });
    // Autolinks (`<javascript:…>`) arrive as the same Link start tag, so
    // the check above covers them.
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// The first `max` characters of a description as plain text (for result
/// lists and meta descriptions): Markdown syntax removed.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    for ev in Parser::new(text) {
        match ev {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) if !out.ends_with(' ') => out.push(' '),
            _ => {}
        }
        if out.chars().count() > max {
            break;
        }
    }
    let trimmed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if trimmed.chars().count() <= max {
        return trimmed;
    }
    let mut s: String = trimmed.chars().take(max).collect();
    if let Some(i) = s.rfind(' ') {
        s.truncate(i);
    }
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn html_is_shown_not_run() {
        let h = render("Xin chào <script>alert(1)</script> **đậm** <img src=x onerror=alert(1)>");
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(h.contains("&lt;script&gt;"), "{h}");
        assert!(h.contains("<strong>đậm</strong>"), "{h}");
    }

    #[test]
    fn only_safe_links() {
        let h = render(
            "[a](javascript:alert(1)) [b](JaVa\tScRiPt:alert(1)) [c](https://x.vn) [d](/dataset) <data:text/html,x>",
        );
        assert!(!h.to_ascii_lowercase().contains("javascript"), "{h}");
        assert!(h.contains("href=\"https://x.vn\""), "{h}");
        assert!(h.contains("href=\"/dataset\""), "{h}");
        assert!(!h.contains("href=\"data:"), "{h}");
        let h = render("![x](javascript:alert(1))");
        assert!(!h.contains("javascript"), "{h}");
    }

    #[test]
    fn excerpts_are_plain_and_short() {
        assert_eq!(excerpt("# Tiêu đề\n\nMột **đoạn** văn.", 100), "Tiêu đề Một đoạn văn.");
        let e = excerpt(&"từ ".repeat(100), 20);
        assert!(e.chars().count() <= 21 && e.ends_with('…'), "{e}");
    }

    proptest! {
        #[test]
        fn never_emits_script(s in "(<script>|javascript:|\\[x\\]\\(|\\)|<|>|[a-zđ ]|\n){0,60}") {
            let h = render(&s);
            prop_assert!(!h.contains("<script"));
            prop_assert!(!h.contains("href=\"javascript"));
        }
    }
}
