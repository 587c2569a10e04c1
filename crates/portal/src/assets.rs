//! Static assets compiled into the binary: the stylesheet, the small
//! progressive-enhancement script, the data map graph's script and the
//! logo. Each is served at a URL
//! carrying its content hash (`/static/kho.3f2a….css`), so browsers may
//! cache it for a year and a new release never serves a stale file.

use sha2::{Digest, Sha256};

/// One static file.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Versioned file name, e.g. `kho.3f2a9c1b.css`.
    pub name: String,
    pub bytes: Vec<u8>,
    pub media_type: String,
    /// Strong validator for conditional requests.
    pub etag: String,
}

impl Asset {
    fn new(stem: &str, ext: &str, bytes: Vec<u8>, media_type: &str) -> Asset {
        let digest = hex::encode(Sha256::digest(&bytes));
        Asset {
            name: format!("{stem}.{}.{ext}", &digest[..10]),
            etag: format!("\"{}\"", &digest[..20]),
            bytes,
            media_type: media_type.to_string(),
        }
    }

    /// The URL path of this asset.
    pub fn url(&self) -> String {
        format!("/static/{}", self.name)
    }
}

/// Every asset of the portal.
#[derive(Debug, Clone)]
pub struct Assets {
    pub css: Asset,
    pub js: Asset,
    /// The data map graph's script (`/datamap/graph` only).
    pub datamap_js: Asset,
    pub logo: Asset,
}

impl Assets {
    /// The built-in assets, with the node's logo if it has one.
    pub fn new(logo: Option<(Vec<u8>, String)>) -> Assets {
        let (logo_bytes, logo_type) =
            logo.unwrap_or_else(|| (include_bytes!("../assets/logo.svg").to_vec(), "image/svg+xml".to_string()));
        let ext = crate::branding::logo_extension(&logo_type).unwrap_or("svg");
        Assets {
            css: Asset::new("kho", "css", include_bytes!("../assets/kho.css").to_vec(), "text/css; charset=utf-8"),
            js: Asset::new("kho", "js", include_bytes!("../assets/kho.js").to_vec(), "text/javascript; charset=utf-8"),
            datamap_js: Asset::new(
                "datamap",
                "js",
                include_bytes!("../assets/datamap.js").to_vec(),
                "text/javascript; charset=utf-8",
            ),
            logo: Asset::new("logo", ext, logo_bytes, &logo_type),
        }
    }

    /// The asset served under `name` (its versioned name).
    pub fn find(&self, name: &str) -> Option<&Asset> {
        [&self.css, &self.js, &self.datamap_js, &self.logo].into_iter().find(|a| a.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        let a = Assets::new(None);
        assert!(a.css.name.starts_with("kho.") && a.css.name.ends_with(".css"));
        assert!(a.find(&a.js.name).is_some());
        assert!(a.datamap_js.name.starts_with("datamap.") && a.find(&a.datamap_js.name).is_some());
        assert!(a.find("kho.css").is_none());
        let b = Assets::new(Some((b"\x89PNG".to_vec(), "image/png".into())));
        assert!(b.logo.name.ends_with(".png"));
        assert_ne!(a.logo.etag, b.logo.etag);
    }
}
