//! The RDF serialisations Kho serves, by file extension and by media type,
//! and the choice among them from an HTTP `Accept` header.

/// An RDF serialisation of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Turtle (`.ttl`, `text/turtle`).
    Turtle,
    /// JSON-LD (`.jsonld`, `application/ld+json`).
    JsonLd,
    /// RDF/XML (`.rdf`, `.xml`, `application/rdf+xml`).
    RdfXml,
    /// N-Triples (`.nt`, `application/n-triples`): one triple per line, for tools.
    NTriples,
}

impl Format {
    /// Every format, in the order offered to clients.
    #[cfg(test)]
    pub const ALL: [Format; 4] = [Format::Turtle, Format::JsonLd, Format::RdfXml, Format::NTriples];

    /// The format of a file extension (`ttl`, `jsonld`, `rdf`, `xml`, `nt`).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "ttl" => Some(Format::Turtle),
            "jsonld" => Some(Format::JsonLd),
            "rdf" | "xml" => Some(Format::RdfXml),
            "nt" => Some(Format::NTriples),
            _ => None,
        }
    }

    /// The extension Kho's URLs use for this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Turtle => "ttl",
            Format::JsonLd => "jsonld",
            Format::RdfXml => "rdf",
            Format::NTriples => "nt",
        }
    }

    /// The media type, as sent in `Content-Type`.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Turtle => "text/turtle",
            Format::JsonLd => "application/ld+json",
            Format::RdfXml => "application/rdf+xml",
            Format::NTriples => "application/n-triples",
        }
    }

    /// The format of a media type (parameters ignored), also the aliases
    /// seen in the wild (`application/x-turtle`, `text/rdf+n3`…).
    pub fn from_media_type(media_type: &str) -> Option<Format> {
        let essence = media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/turtle" | "application/x-turtle" | "application/turtle" | "text/n3" | "text/rdf+n3" => {
                Some(Format::Turtle)
            }
            // Static hosts send Turtle files as text/plain; N-Triples is Turtle too.
            "text/plain" => Some(Format::Turtle),
            "application/ld+json" | "application/json" => Some(Format::JsonLd),
            "application/rdf+xml" | "application/xml" | "text/xml" => Some(Format::RdfXml),
            "application/n-triples" => Some(Format::NTriples),
            _ => None,
        }
    }

    pub(crate) fn oxrdfio(self) -> oxrdfio::RdfFormat {
        match self {
            Format::Turtle => oxrdfio::RdfFormat::Turtle,
            Format::JsonLd => oxrdfio::RdfFormat::JsonLd { profile: oxrdfio::JsonLdProfileSet::empty() },
            Format::RdfXml => oxrdfio::RdfFormat::RdfXml,
            Format::NTriples => oxrdfio::RdfFormat::NTriples,
        }
    }

    /// What an `Accept` header asks for: an RDF format, or `None` when the
    /// client prefers HTML (or anything else) at least as much, as a
    /// browser's `text/html,…,*/*;q=0.8` does. Ties go to HTML, so pages
    /// stay pages; `text/plain` and the XML types alone do not count as
    /// asking for RDF.
    pub fn negotiate(accept: &str) -> Option<Format> {
        let mut best: Option<(f32, Format)> = None;
        let mut html = 0.0f32;
        for part in accept.split(',') {
            let mut pieces = part.split(';');
            let essence = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.trim().parse::<f32>().ok()))
                .next()
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            match essence.as_str() {
                "text/html" | "application/xhtml+xml" | "*/*" | "text/*" => html = html.max(q),
                "application/xml" | "text/xml" | "text/plain" | "application/json" => {}
                other => {
                    if let Some(f) = Format::from_media_type(other)
                        && best.is_none_or(|(bq, _)| q > bq)
                    {
                        best = Some((q, f));
                    }
                }
            }
        }
        best.filter(|(q, _)| *q > html).map(|(_, f)| f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_get_html_and_rdf_clients_get_rdf() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(Format::negotiate(browser), None);
        assert_eq!(Format::negotiate("text/turtle"), Some(Format::Turtle));
        assert_eq!(Format::negotiate("application/ld+json, text/turtle;q=0.5"), Some(Format::JsonLd));
        assert_eq!(Format::negotiate("text/turtle;q=0.5, application/rdf+xml"), Some(Format::RdfXml));
        assert_eq!(Format::negotiate("text/turtle, */*;q=0.1"), Some(Format::Turtle));
        assert_eq!(Format::negotiate("text/html, text/turtle"), None, "a tie stays HTML");
        assert_eq!(Format::negotiate("text/turtle;q=0"), None);
        assert_eq!(Format::negotiate(""), None);
        assert_eq!(Format::negotiate("application/xml"), None);
    }

    #[test]
    fn extensions_and_media_types_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::from_extension(f.extension()), Some(f));
            assert_eq!(Format::from_media_type(f.media_type()), Some(f));
        }
        assert_eq!(Format::from_media_type("text/turtle; charset=utf-8"), Some(Format::Turtle));
        assert_eq!(Format::from_media_type("text/plain"), Some(Format::Turtle), "a .ttl file from a static host");
        assert_eq!(Format::negotiate("application/json"), None, "JSON clients of the API are not sent RDF");
        assert_eq!(Format::from_extension("html"), None);
    }
}
