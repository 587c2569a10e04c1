//! String formats (`email`, `uri`, `uuid`, `binary`), checked by the rules
//! of the Python libraries frictionless calls (`validators`, `rfc3986`,
//! `uuid`, `base64`), written out here without regular expressions.

/// `validators.email`: one `@`; a local part of at most 64 characters made
/// of dot-separated atoms (ASCII letters, digits, ``!#$%&'*+/=?^_`{}|~-``
/// and Latin-1/Latin Extended-A/B letters) or a single such letter; a
/// domain of at most 253 characters that [`domain`] accepts. Quoted local
/// parts (which the Python regex accepts only in odd cases) are refused.
pub(crate) fn email(s: &str) -> bool {
    if s.is_empty() || s.matches('@').count() != 1 {
        return false;
    }
    let Some((user, host)) = s.rsplit_once('@') else { return false };
    if user.chars().count() > 64 || host.chars().count() > 253 {
        return false;
    }
    local_part(user) && domain(host)
}

fn latin_letter(c: char) -> bool {
    matches!(c, '\u{00A0}'..='\u{00FF}' | '\u{0100}'..='\u{017F}' | '\u{0180}'..='\u{024F}')
}

fn atom_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{}|~-".contains(c) || latin_letter(c)
}

fn local_part(user: &str) -> bool {
    let mut chars = user.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && latin_letter(c)
    {
        return true;
    }
    !user.is_empty() && user.split('.').all(|atom| !atom.is_empty() && atom.chars().all(atom_char))
}

/// `validators.domain` (no TLD list, no trailing dot): labels of letters,
/// digits and inner hyphens, at most 63 characters, a last label ending in
/// a letter, no whitespace and no `__`. Non-ASCII labels stand for their
/// IDNA form (`xn--…`): accepted when made of letters, digits and inner
/// hyphens.
pub(crate) fn domain(host: &str) -> bool {
    if host.is_empty() || host.contains("__") || host.chars().any(char::is_whitespace) || host.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let last = labels.len() - 1;
    labels.iter().enumerate().all(|(i, label)| {
        let ascii = label.is_ascii();
        let ok_char =
            |c: char| if ascii { c.is_ascii_alphanumeric() || c == '-' } else { c.is_alphanumeric() || c == '-' };
        let first_ok = label.chars().next().is_some_and(|c| c != '-' && ok_char(c));
        let last_char = label.chars().last();
        let end_ok = if i == last && ascii {
            last_char.is_some_and(|c| c.is_ascii_alphabetic())
        } else {
            last_char.is_some_and(|c| c != '-' && ok_char(c))
        };
        // The last label (the TLD) needs two characters in the Python regex.
        let min = if i == last && ascii { 2 } else { 1 };
        let n = label.chars().count();
        first_ok && end_ok && label.chars().all(ok_char) && (min..=63).contains(&n)
    })
}

/// `rfc3986` with a required scheme: the text starts with a scheme
/// (`[A-Za-z][A-Za-z0-9+.-]*`) and a colon; the rest is not checked.
pub(crate) fn uri(s: &str) -> bool {
    let mut chars = s.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    for c in chars {
        if c == ':' {
            return true;
        }
        if !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')) {
            return false;
        }
    }
    false
}

/// Python's `uuid.UUID(s)`: `urn:` and `uuid:` dropped, braces trimmed,
/// hyphens dropped, then 32 hexadecimal digits.
pub(crate) fn uuid(s: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    let s = s.replace("urn:", "").replace("uuid:", "");
    let s = s.trim_matches(|c| c == '{' || c == '}');
    let mut n = 0;
    for c in s.chars() {
        if c == '-' {
            continue;
        }
        if !c.is_ascii_hexdigit() {
            return false;
        }
        n += 1;
    }
    n == 32
}

/// Python's lenient `base64.b64decode(s)`: ASCII only; characters outside
/// the alphabet are skipped; `=` ends the data once the last group is
/// padded; otherwise the data must come in complete groups of four.
pub(crate) fn base64(s: &str) -> bool {
    if !s.is_ascii() {
        return false;
    }
    let mut quad = 0u32;
    let mut pads = 0u32;
    for b in s.bytes() {
        if b == b'=' {
            if quad >= 2 {
                pads += 1;
                if quad + pads >= 4 {
                    return true;
                }
            }
            continue;
        }
        if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' {
            quad = (quad + 1) % 4;
            pads = 0;
        }
    }
    quad == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_like_validators() {
        for ok in ["a@b.vn", "a.b@c.com.vn", "A@X.COM", "é@x.com", "a@bộ.vn", "so.lieu+kho@data.gov.vn"] {
            assert!(email(ok), "{ok}");
        }
        for bad in [
            "a@b",
            "nguyễn@x.vn",
            "a..b@x.com",
            "\"a b\"@x.com",
            "a@x_y.com",
            "a@-x.com",
            "",
            "a@@b.vn",
            "a b@c.vn",
            "a@b.v1",
            "a@b.c",
        ] {
            assert!(!email(bad), "{bad}");
        }
    }

    #[test]
    fn uris_like_rfc3986() {
        for ok in ["http://x.vn", "abc:def", "mailto:a@b", "a:", "a+b.c-d:x", "http://x y"] {
            assert!(uri(ok), "{ok}");
        }
        for bad in ["Hà Nội: x", ":abc", "http//x", "x", "1a:x", "ab c:x", ""] {
            assert!(!uri(bad), "{bad}");
        }
    }

    #[test]
    fn uuids() {
        assert!(uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(uuid("{123e4567-e89b-12d3-a456-426614174000}"));
        assert!(uuid("urn:uuid:123e4567e89b12d3a456426614174000"));
        assert!(!uuid("123e4567-e89b-12d3-a456-42661417400"));
        assert!(!uuid("123e4567-e89b-12d3-a456-42661417400g"));
    }

    #[test]
    fn base64_like_python() {
        for ok in ["YWJj", "YWJjZA==", "a b c d", "YW=Jj", ""] {
            assert!(base64(ok), "{ok}");
        }
        for bad in ["YWJ", "YW", "Y", "YWJjZA=", "ñ"] {
            assert!(!base64(bad), "{bad}");
        }
    }
}
