//! Test helpers: a small XML well-formedness checker and WCAG contrast.

/// Attributes that hold numbers or path data: they must not carry "NaN",
/// "inf" or anything else a non-finite float would print.
const NUMERIC_ATTRIBUTES: &[&str] = &[
    "x",
    "y",
    "width",
    "height",
    "cx",
    "cy",
    "r",
    "x1",
    "x2",
    "y1",
    "y2",
    "d",
    "viewBox",
    "font-size",
    "stroke-width",
];

/// Checks that `s` is one well-formed XML element: tags balance, attributes
/// are quoted and unique, `<` never appears in text or values, every `&`
/// starts a known entity, and numeric attributes hold only numbers.
pub(crate) fn check_well_formed(s: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").ok_or("unclosed comment")?;
            rest = &after[end + 3..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = tag_end(after).ok_or_else(|| format!("unclosed tag at {:?}", head(rest)))?;
            let tag = &after[..end];
            rest = &after[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let name = name.trim_end();
                match stack.pop() {
                    Some(open) if open == name => {}
                    other => return Err(format!("</{name}> closes {other:?}")),
                }
            } else {
                let self_closing = tag.ends_with('/');
                let body = tag.strip_suffix('/').unwrap_or(tag);
                let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
                let name = &body[..name_end];
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '-') {
                    return Err(format!("bad tag name {name:?}"));
                }
                check_attributes(&body[name_end..])?;
                if stack.is_empty() {
                    roots += 1;
                }
                if !self_closing {
                    stack.push(name.to_string());
                }
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            if stack.is_empty() && !text.trim().is_empty() {
                return Err(format!("text outside the root: {:?}", head(text)));
            }
            check_entities(text)?;
            rest = &rest[end..];
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

fn head(s: &str) -> String {
    s.chars().take(60).collect()
}

/// The index of the `>` closing a tag, outside quoted values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '>') => return Some(i),
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    None
}

fn check_attributes(mut s: &str) -> Result<(), String> {
    let mut seen: Vec<String> = Vec::new();
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return Ok(());
        }
        let eq = s.find('=').ok_or_else(|| format!("attribute without value: {:?}", head(s)))?;
        let name = s[..eq].trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':' || c == '_') {
            return Err(format!("bad attribute name {name:?}"));
        }
        if seen.iter().any(|n| n == name) {
            return Err(format!("duplicate attribute {name}"));
        }
        seen.push(name.to_string());
        let after = s[eq + 1..].trim_start();
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'').ok_or("unquoted attribute")?;
        let close = after[1..].find(quote).ok_or("unterminated attribute")?;
        let value = &after[1..1 + close];
        if value.contains('<') {
            return Err(format!("< in attribute {name}"));
        }
        check_entities(value)?;
        if NUMERIC_ATTRIBUTES.contains(&name) && !value.chars().all(|c| c.is_ascii_digit() || " .,-MLAZ".contains(c)) {
            return Err(format!("non-numeric {name}={value:?}"));
        }
        s = &after[close + 2..];
    }
}

fn check_entities(s: &str) -> Result<(), String> {
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        rest = &rest[i + 1..];
        let end = rest.find(';').ok_or_else(|| format!("& without ; in {:?}", head(s)))?;
        let entity = &rest[..end];
        let ok = matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos")
            || entity.strip_prefix("#x").is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || entity.strip_prefix('#').is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(format!("unknown entity &{entity};"));
        }
    }
    Ok(())
}

/// The WCAG 2 contrast ratio of two `#rrggbb` colours.
pub(crate) fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap()) / 255.0;
        if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
}

/// The start tags in `s` that begin with `prefix` (such as
/// `<rect class="bar"`), up to their `>`.
pub(crate) fn tags<'a>(s: &'a str, prefix: &str) -> Vec<&'a str> {
    s.match_indices(prefix).filter_map(|(i, _)| tag_end(&s[i + 1..]).map(|end| &s[i..i + 1 + end])).collect()
}

/// The numeric attribute `name` of the start tag `tag`.
pub(crate) fn attr(tag: &str, name: &str) -> Option<f64> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')?;
    tag[start..start + end].parse().ok()
}

/// How many times `needle` occurs in `s`.
pub(crate) fn count(s: &str, needle: &str) -> usize {
    s.matches(needle).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_rejects_what_it_should() {
        assert!(check_well_formed("<svg a=\"1\"><g><title>x &amp; y</title></g><rect/></svg>").is_ok());
        assert!(check_well_formed("<svg><g></svg>").is_err());
        assert!(check_well_formed("<svg></g>").is_err());
        assert!(check_well_formed("<svg>a & b</svg>").is_err());
        assert!(check_well_formed("<svg>a &foo; b</svg>").is_err());
        assert!(check_well_formed("<svg a=\"<\"/>").is_err());
        assert!(check_well_formed("<svg a=1/>").is_err());
        assert!(check_well_formed("<svg a=\"1\" a=\"2\"/>").is_err());
        assert!(check_well_formed("<svg/><svg/>").is_err());
        assert!(check_well_formed("<svg x=\"NaN\"/>").is_err());
        assert!(check_well_formed("<svg d=\"M0 0 L1 inf\"/>").is_err());
        assert!(check_well_formed("<svg/>text").is_err());
        assert!(check_well_formed("<svg>&#233;&#xE9;</svg>").is_ok());
    }

    #[test]
    fn contrast_matches_wcag() {
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((contrast("#767676", "#ffffff") - 4.54).abs() < 0.01);
    }
}
