//! Name (URL slug) rules shared by datasets, organizations, groups and users.

/// Longest allowed dataset/organization/user name, as in CKAN.
pub const NAME_MAX: usize = 100;
/// Shortest allowed name, as in CKAN.
pub const NAME_MIN: usize = 2;

/// Why a web address is refused by [`check_http_url`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    /// Not `http://` or `https://`.
    #[error("Must be an http:// or https:// address")]
    Scheme,
    /// Blanks or control characters.
    #[error("A web address must not contain spaces")]
    Spaces,
    /// Nothing (or no valid host) after the scheme.
    #[error("The web address has no host name after http:// or https://")]
    Host,
}

/// Checks a web address people will follow as a link: `http://` or
/// `https://` (any case), a host, no blanks or control characters.
/// Nothing is fetched.
pub fn check_http_url(url: &str) -> Result<(), UrlProblem> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Err(UrlProblem::Scheme);
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlProblem::Spaces);
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // The host follows any user information and precedes any port.
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().map(|h| h.trim_start_matches('[')).unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() || host.starts_with('.') || host.contains("..") {
        return Err(UrlProblem::Host);
    }
    Ok(())
}

/// Checks a dataset, organization or group name the way CKAN's
/// `name_validator` does and returns CKAN's message when it fails.
pub fn check_name(value: &str) -> Result<(), &'static str> {
    if ["new", "edit", "search"].contains(&value) {
        return Err("That name cannot be used");
    }
    if value.chars().count() < NAME_MIN {
        return Err("Must be at least 2 characters long");
    }
    if value.chars().count() > NAME_MAX {
        return Err("Name must be a maximum of 100 characters long");
    }
    if !value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_') {
        return Err("Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_");
    }
    Ok(())
}

/// Checks a tag: 2–100 characters; letters, digits, spaces and `-_.`
/// (Unicode letters allowed, so Vietnamese tags such as "giáo dục" work).
pub fn check_tag(value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if n < 2 {
        return Err(format!("Tag \"{value}\" length is less than minimum 2"));
    }
    if n > 100 {
        return Err(format!("Tag \"{value}\" length is more than maximum 100"));
    }
    if !value.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')) {
        return Err(format!("Tag \"{value}\" must be alphanumeric characters or symbols: -_."));
    }
    Ok(())
}

/// A light e-mail check: one `@`, a non-empty local part, a dotted domain,
/// no spaces. Deliverability is not Kho's business.
pub fn check_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
        && !domain.contains('@')
        && value.len() <= 320
}

/// Turns a title into a name candidate: Vietnamese letters folded to ASCII,
/// everything else to `-` ("Dân số Hà Nội 2024" → "dan-so-ha-noi-2024").
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        let folded = fold_vietnamese(c);
        for f in folded.chars() {
            if f.is_ascii_alphanumeric() {
                out.push(f.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
    }
    let trimmed = out.trim_matches('-');
    trimmed.chars().take(NAME_MAX).collect::<String>().trim_end_matches('-').to_string()
}

/// Folds one Vietnamese letter to its ASCII base letter (đ → d, ộ → o).
/// Non-Vietnamese characters are returned unchanged.
pub fn fold_vietnamese(c: char) -> String {
    const GROUPS: &[(&str, char)] = &[
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", 'A'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ÈÉẺẼẸÊỀẾỂỄỆ", 'E'),
        ("ìíỉĩị", 'i'),
        ("ÌÍỈĨỊ", 'I'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", 'O'),
        ("ùúủũụưừứửữự", 'u'),
        ("ÙÚỦŨỤƯỪỨỬỮỰ", 'U'),
        ("ỳýỷỹỵ", 'y'),
        ("ỲÝỶỸỴ", 'Y'),
        ("đ", 'd'),
        ("Đ", 'D'),
    ];
    for (set, base) in GROUPS {
        if set.contains(c) {
            return base.to_string();
        }
    }
    c.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn web_addresses_people_follow() {
        for ok in ["https://data.gov.vn", "HTTP://a.vn:8080/x?y#z", "https://u@[::1]/", "http://127.0.0.1"] {
            assert_eq!(check_http_url(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("ftp://a.vn", UrlProblem::Scheme),
            ("javascript:alert(1)", UrlProblem::Scheme),
            ("http://", UrlProblem::Host),
            ("https://:80/x", UrlProblem::Host),
            ("http://a..vn", UrlProblem::Host),
            ("https://a.vn/có dấu cách", UrlProblem::Spaces),
        ] {
            assert_eq!(check_http_url(bad), Err(why), "{bad}");
        }
    }

    #[test]
    fn names_follow_ckan() {
        assert!(check_name("dan-so_2024").is_ok());
        assert_eq!(check_name("a"), Err("Must be at least 2 characters long"));
        assert!(check_name("Dan So").is_err());
        assert!(check_name("dân-số").is_err());
        assert!(check_name(&"a".repeat(101)).is_err());
        assert!(check_name(&"a".repeat(100)).is_ok());
        assert_eq!(check_name("new"), Err("That name cannot be used"));
    }

    #[test]
    fn tags_allow_vietnamese() {
        assert!(check_tag("giáo dục").is_ok());
        assert!(check_tag("x").is_err());
        assert!(check_tag("<script>").is_err());
    }

    #[test]
    fn slugs_fold_diacritics() {
        assert_eq!(slugify("Dân số Hà Nội 2024"), "dan-so-ha-noi-2024");
        assert_eq!(slugify("Đường bộ -- Quốc lộ 1A!"), "duong-bo-quoc-lo-1a");
    }

    #[test]
    fn emails() {
        assert!(check_email("a@b.vn"));
        assert!(!check_email("a b@c.vn"));
        assert!(!check_email("ab.vn"));
        assert!(!check_email("a@vn"));
    }

    proptest! {
        #[test]
        fn slugify_output_is_a_valid_name_or_empty(s in "\\PC{0,200}") {
            let slug = slugify(&s);
            prop_assert!(slug.is_empty() || slug.len() < 2 || check_name(&slug).is_ok() || ["new","edit","search"].contains(&slug.as_str()));
        }
    }
}
