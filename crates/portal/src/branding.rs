//! A node's own look: site title, logo, colours and owning agency, so a
//! province runs "Cổng dữ liệu mở tỉnh X" as its own portal.

use crate::i18n::Lang;

/// The branding settings of a node (from configuration).
#[derive(Debug, Clone)]
pub struct Branding {
    /// Site title in Vietnamese (the default language).
    pub title_vi: String,
    /// Site title in English; falls back to the Vietnamese one.
    pub title_en: Option<String>,
    /// One-sentence description of the portal, per language.
    pub description_vi: Option<String>,
    pub description_en: Option<String>,
    /// The owning agency's name and web site, shown in the footer.
    pub agency: Option<String>,
    pub agency_url: Option<String>,
    /// Main colour, `#rrggbb`.
    pub color: String,
    /// The logo: bytes and media type (SVG, PNG, JPEG or WebP), served at
    /// `/static/logo`; `None` uses the built-in mark.
    pub logo: Option<(Vec<u8>, String)>,
}

impl Default for Branding {
    fn default() -> Self {
        Branding {
            title_vi: "Cổng dữ liệu mở Kho".into(),
            title_en: None,
            description_vi: None,
            description_en: None,
            agency: None,
            agency_url: None,
            color: DEFAULT_COLOR.into(),
            logo: None,
        }
    }
}

/// The built-in main colour (white text on it has a 8.6:1 contrast).
pub const DEFAULT_COLOR: &str = "#0b4f8a";

/// The logo formats a node may use: file extensions, media type, and the
/// extension of the served file.
const LOGO_TYPES: [(&[&str], &str, &str); 4] = [
    (&["svg"], "image/svg+xml", "svg"),
    (&["png"], "image/png", "png"),
    (&["jpg", "jpeg"], "image/jpeg", "jpg"),
    (&["webp"], "image/webp", "webp"),
];

/// Largest logo accepted.
const LOGO_MAX_BYTES: usize = 512 * 1024;

/// The extension a logo of `media_type` is served under.
pub fn logo_extension(media_type: &str) -> Option<&'static str> {
    LOGO_TYPES.iter().find(|(_, m, _)| *m == media_type).map(|(_, _, ext)| *ext)
}

/// Reads a logo file: its bytes and media type (from the extension).
pub fn logo_from_file(path: &std::path::Path) -> Result<(Vec<u8>, String), BrandingError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let media_type =
        LOGO_TYPES.iter().find(|(exts, _, _)| exts.contains(&ext.as_str())).map(|(_, m, _)| *m).ok_or_else(|| {
            BrandingError::Logo(format!("{} must be an .svg, .png, .jpg or .webp file", path.display()))
        })?;
    let bytes = std::fs::read(path).map_err(|e| BrandingError::Logo(format!("cannot read {}: {e}", path.display())))?;
    Ok((bytes, media_type.to_string()))
}

/// Why a branding setting was refused.
#[derive(Debug, thiserror::Error)]
pub enum BrandingError {
    #[error("brand_color \"{0}\" is not a colour like #0b4f8a")]
    Color(String),
    #[error("site_logo: {0}")]
    Logo(String),
}

/// Parses `#rrggbb` (or `#rgb`) into RGB.
pub fn parse_color(s: &str) -> Option<(u8, u8, u8)> {
    let hex = s.trim().strip_prefix('#')?;
    let full: String = match hex.len() {
        3 => hex.chars().flat_map(|c| [c, c]).collect(),
        6 => hex.to_string(),
        _ => return None,
    };
    let v = u32::from_str_radix(&full, 16).ok()?;
    Some(((v >> 16) as u8, (v >> 8) as u8, v as u8))
}

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let ch = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)
}

/// WCAG contrast ratio of two colours.
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Darkens a colour until white text on it reaches 4.5:1 (WCAG AA), so a
/// node's chosen colour never makes the header unreadable.
fn readable_on_white_text(mut c: (u8, u8, u8)) -> (u8, u8, u8) {
    for _ in 0..40 {
        if contrast(c, (255, 255, 255)) >= 4.5 {
            break;
        }
        c = ((f64::from(c.0) * 0.9) as u8, (f64::from(c.1) * 0.9) as u8, (f64::from(c.2) * 0.9) as u8);
    }
    c
}

impl Branding {
    /// Checks the settings; the colour must parse.
    pub fn validate(&self) -> Result<(), BrandingError> {
        parse_color(&self.color).ok_or_else(|| BrandingError::Color(self.color.clone()))?;
        if let Some((bytes, mime)) = &self.logo {
            if bytes.len() > LOGO_MAX_BYTES {
                return Err(BrandingError::Logo("the logo is larger than 512 kB".into()));
            }
            if logo_extension(mime).is_none() {
                return Err(BrandingError::Logo(format!("{mime} is not SVG, PNG, JPEG or WebP")));
            }
        }
        Ok(())
    }

    /// The site title in a language.
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.title_vi,
            Lang::En => self.title_en.as_deref().filter(|s| !s.trim().is_empty()).unwrap_or(&self.title_vi),
        }
    }

    /// The portal's description in a language, if set.
    pub fn description(&self, lang: Lang) -> Option<&str> {
        let (mine, other) = match lang {
            Lang::Vi => (&self.description_vi, &self.description_en),
            Lang::En => (&self.description_en, &self.description_vi),
        };
        mine.as_deref().or(other.as_deref()).filter(|s| !s.trim().is_empty())
    }

    /// CSS custom properties for the colours: the main colour made
    /// readable under white text, and a light tint of it.
    pub fn css_vars(&self) -> String {
        let c = readable_on_white_text(parse_color(&self.color).unwrap_or((11, 79, 138)));
        let tint = (
            (255.0 - (255.0 - f64::from(c.0)) * 0.08) as u8,
            (255.0 - (255.0 - f64::from(c.1)) * 0.08) as u8,
            (255.0 - (255.0 - f64::from(c.2)) * 0.08) as u8,
        );
        format!(":root{{--brand:{};--brand-tint:{}}}", hex(c), hex(tint))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_and_stay_readable() {
        assert_eq!(parse_color("#0b4f8a"), Some((11, 79, 138)));
        assert_eq!(parse_color("#fff"), Some((255, 255, 255)));
        assert_eq!(parse_color("red"), None);
        assert!(contrast((11, 79, 138), (255, 255, 255)) > 7.0);
        // A pale yellow is darkened until white text on it is readable.
        let b = Branding { color: "#ffee88".into(), ..Default::default() };
        let css = b.css_vars();
        let brand = &css[css.find("--brand:").unwrap() + 8..][..7];
        assert!(contrast(parse_color(brand).unwrap(), (255, 255, 255)) >= 4.5, "{css}");
        assert!(Branding { color: "blue".into(), ..Default::default() }.validate().is_err());
    }

    #[test]
    fn logos_by_extension_and_size() {
        let dir = std::env::temp_dir().join(format!("kho-logo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let gif = dir.join("logo.gif");
        std::fs::write(&gif, b"GIF89a").unwrap();
        assert!(logo_from_file(&gif).unwrap_err().to_string().contains("must be an .svg"));
        let big = dir.join("logo.JPEG");
        std::fs::write(&big, vec![0u8; LOGO_MAX_BYTES + 1]).unwrap();
        let logo = logo_from_file(&big).unwrap();
        assert_eq!(logo.1, "image/jpeg");
        let b = Branding { logo: Some(logo), ..Default::default() };
        assert!(b.validate().unwrap_err().to_string().contains("larger than 512 kB"));
        assert_eq!(logo_extension("image/jpeg"), Some("jpg"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn titles_fall_back() {
        let b = Branding { title_vi: "Cổng dữ liệu mở tỉnh X".into(), ..Default::default() };
        assert_eq!(b.title(Lang::En), "Cổng dữ liệu mở tỉnh X");
    }
}
