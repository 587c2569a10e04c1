//! For search engines: `robots.txt` and sitemaps. Only what an anonymous
//! visitor may see is listed.

use crate::Portal;
use crate::i18n::Lang;
use kho_catalog::Actor;
use kho_core::Result;

/// URLs per sitemap file (the protocol allows 50,000; each dataset gives two).
pub const SITEMAP_DATASETS: i64 = 20_000;

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

fn url_entry(out: &mut String, site: &str, path: &str, lastmod: Option<&str>) {
    out.push_str("<url><loc>");
    out.push_str(&xml_escape(&format!("{site}{path}")));
    out.push_str("</loc>");
    if let Some(m) = lastmod.and_then(|m| m.get(0..10)) {
        out.push_str("<lastmod>");
        out.push_str(&xml_escape(m));
        out.push_str("</lastmod>");
    }
    for lang in Lang::ALL {
        out.push_str(&format!(
            "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
            lang.code(),
            xml_escape(&format!("{site}{}", crate::lang_url(lang, path)))
        ));
    }
    out.push_str("</url>\n");
}

const URLSET_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n";

impl Portal {
    /// `/robots.txt`.
    pub fn robots(&self) -> String {
        let site = self.catalog().site_url();
        format!(
            "User-agent: *\nDisallow: /user/\nDisallow: /en/user/\nDisallow: /dashboard\nDisallow: /en/dashboard\n\
             Disallow: /dataset/new\nDisallow: /en/dataset/new\nDisallow: /dataset/edit/\nDisallow: /en/dataset/edit/\n\
             Disallow: /api/3/action/\nDisallow: /api/action/\n\nSitemap: {site}/sitemap.xml\n"
        )
    }

    /// `/sitemap.xml`: an index of the page sitemap and the dataset sitemaps.
    pub async fn sitemap_index(&self) -> Result<String> {
        let site = self.catalog().site_url();
        let (public, _) = self.counts(&crate::Visitor::anonymous(Lang::Vi), &[]).await?;
        let files = (public as i64 + SITEMAP_DATASETS - 1) / SITEMAP_DATASETS;
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        out.push_str(&format!("<sitemap><loc>{}</loc></sitemap>\n", xml_escape(&format!("{site}/sitemap/pages.xml"))));
        for n in 1..=files {
            out.push_str(&format!(
                "<sitemap><loc>{}</loc></sitemap>\n",
                xml_escape(&format!("{site}/sitemap/datasets-{n}.xml"))
            ));
        }
        out.push_str("</sitemapindex>\n");
        Ok(out)
    }

    /// `/sitemap/pages.xml`: fixed pages, agencies and themes.
    pub async fn sitemap_pages(&self) -> Result<String> {
        let site = self.catalog().site_url().to_string();
        let anon = Actor::anonymous();
        let mut out = String::from(URLSET_OPEN);
        for p in ["/", "/dataset", "/organization", "/group", "/about", "/api/docs"] {
            url_entry(&mut out, &site, p, None);
        }
        for (is_org, base) in [(true, "/organization/"), (false, "/group/")] {
            let names = self.catalog().group_list(&anon, is_org, false, None, None, Some(1000), None).await?;
            for n in names.iter().filter_map(|n| n.as_str()) {
                url_entry(&mut out, &site, &format!("{base}{n}"), None);
            }
        }
        out.push_str("</urlset>\n");
        Ok(out)
    }

    /// `/sitemap/datasets-{n}.xml`: public datasets, `SITEMAP_DATASETS` per file.
    pub async fn sitemap_datasets(&self, n: i64) -> Result<String> {
        if n < 1 {
            return Err(kho_core::Error::not_found("No such sitemap"));
        }
        let site = self.catalog().site_url().to_string();
        let rows = self.catalog().public_dataset_index(SITEMAP_DATASETS, (n - 1) * SITEMAP_DATASETS).await?;
        if rows.is_empty() && n > 1 {
            return Err(kho_core::Error::not_found("No such sitemap"));
        }
        let mut out = String::from(URLSET_OPEN);
        for (name, modified) in rows {
            url_entry(&mut out, &site, &format!("/dataset/{name}"), Some(&modified));
        }
        out.push_str("</urlset>\n");
        Ok(out)
    }
}
