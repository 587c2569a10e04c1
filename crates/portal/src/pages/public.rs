//! Public pages: home, dataset search, agencies and themes, about, and
//! the API guide.

use super::{ActiveFilter, DatasetCard, FacetView, PageLink, SORTS, SearchParams};
use crate::i18n::Lang;
use crate::{Html, Layout, Portal, Visitor, markdown, render};
use askama::Template;
use kho_core::Result;
use kho_core::model::Group;

#[derive(Template)]
#[template(path = "home.html")]
struct HomeView {
    page: Layout,
    datasets: u64,
    organizations: u64,
    groups: u64,
    newest: Vec<DatasetCard>,
    popular: Vec<DatasetCard>,
    themes: Vec<GroupCard>,
    agencies: Vec<GroupCard>,
}

/// An agency or theme in a list.
pub struct GroupCard {
    pub name: String,
    pub title: String,
    pub excerpt: String,
    pub count: u64,
    pub image: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: Layout,
    search: SearchView,
}

/// A dataset list with its search form, facets and pager.
struct SearchView {
    q: String,
    sort: String,
    sorts: Vec<(&'static str, String)>,
    count: u64,
    results: Vec<DatasetCard>,
    facets: Vec<FacetView>,
    active: Vec<ActiveFilter>,
    pages: Vec<PageLink>,
    /// The form's target and hidden fields that keep the filters.
    action: String,
    hidden: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "group_list.html")]
struct GroupListView {
    page: Layout,
    heading: String,
    base: &'static str,
    items: Vec<GroupCard>,
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupView {
    page: Layout,
    group: GroupCard,
    description_html: String,
    is_org: bool,
    search: SearchView,
    /// The organization's broken-links report, for its members.
    links_report: bool,
    /// An agency's quality scores over its public datasets.
    quality: Option<crate::pages::quality::AgencyCard>,
}

#[derive(Template)]
#[template(path = "about.html")]
struct AboutView {
    page: Layout,
    datasets: u64,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocsView {
    page: Layout,
    example_name: String,
}

fn group_card(lang: Lang, g: Group) -> GroupCard {
    let title = lang.pick(&g.title_translated, &g.title).to_string();
    let description = lang.pick(&g.description_translated, &g.description).to_string();
    GroupCard {
        title: if title.trim().is_empty() { g.name.clone() } else { title },
        excerpt: markdown::excerpt(&description, 160),
        count: g.package_count.max(0) as u64,
        image: Some(g.image_display_url).filter(|u| u.starts_with("http://") || u.starts_with("https://")),
        name: g.name,
    }
}

impl Portal {
    /// Every agency or theme by title, with the visitor's dataset counts.
    async fn groups(&self, v: &Visitor, is_org: bool) -> Result<Vec<GroupCard>> {
        let list = self.catalog().group_list_uncounted(is_org, 10_000).await?;
        let key = if is_org { "organization" } else { "groups" };
        let (_, mut counts) = self.counts(v, &[key]).await?;
        let counts = counts.remove(key).unwrap_or_default();
        Ok(list
            .into_iter()
            .map(|mut g| {
                g.package_count = counts.get(&g.name).copied().unwrap_or(0) as i64;
                group_card(v.lang, g)
            })
            .collect())
    }

    /// `/`: search box, counts, newest and most viewed datasets, themes, agencies.
    /// Anonymous visitors share one cached page per language, remade when
    /// the search index or the view counts change (so a dataset made
    /// private leaves it at once).
    pub async fn home(&self, v: &Visitor) -> Result<Html> {
        let cacheable = v.user_name().is_none() && v.path == "/";
        if !cacheable {
            return self.make_home(v).await;
        }
        // Read both generations before building, so a change during the
        // build makes the kept page stale rather than wrongly current.
        let views = self.views_generation();
        let version = self.catalog().search_version().await?;
        if let Some(body) = self.cached_home(v.lang, version) {
            return Ok(Html { body, public: true });
        }
        let html = self.make_home(v).await?;
        self.cache_home(v.lang, version, views, &html.body);
        Ok(html)
    }

    async fn make_home(&self, v: &Visitor) -> Result<Html> {
        let newest_params = SearchParams { sort: "metadata_created desc".into(), page: 1, ..Default::default() };
        // One search gives the count, the newest datasets and, from its
        // facets, the agencies and themes with the most datasets: counting
        // in the index is far cheaper than counting in the database.
        let newest =
            self.search(v, &newest_params, "/dataset", None, Some((&["organization", "groups"], -1)), 6).await?;
        let top = |key: &str, n: usize| -> Vec<GroupCard> {
            newest
                .raw_facets
                .get(key)
                .map(|items| {
                    items
                        .iter()
                        .take(n)
                        .map(|(name, title, count)| GroupCard {
                            name: name.clone(),
                            title: title.clone(),
                            excerpt: String::new(),
                            count: *count,
                            image: None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let (themes, agencies) = (top("groups", 12), top("organization", 8));
        let count_of = |key: &str| newest.raw_facets.get(key).map_or(0, |i| i.len() as u64);
        let (organizations, groups) = (count_of("organization"), count_of("groups"));
        let popular_docs = self.catalog().most_viewed(6).await?;
        let popular = self.cards_from_docs(v.lang, &popular_docs).await?;
        let mut page = self.layout(v, "", "home");
        page.jsonld = Some(crate::script_json(&serde_json::json!({
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": page.site_title,
            "url": format!("{}{}", page.site_url, v.lang.prefix()),
            "potentialAction": {
                "@type": "SearchAction",
                "target": format!("{}{}/dataset?q={{q}}", page.site_url, v.lang.prefix()),
                "query-input": "required name=q",
            },
        })));
        let view = HomeView {
            datasets: newest.count,
            organizations,
            groups,
            newest: newest.results,
            popular,
            themes,
            agencies,
            page,
        };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }

    async fn search_view(
        &self,
        v: &Visitor,
        query: &str,
        base: &str,
        fixed: Option<(&str, &str)>,
    ) -> Result<SearchView> {
        let tr = crate::i18n::Tr::new(v.lang);
        let params = SearchParams::parse(query);
        let out = self.search(v, &params, base, fixed, Some((&super::FACETS, 10)), super::ROWS).await?;
        let mut hidden: Vec<(String, String)> = params.filters.clone();
        if !params.sort.is_empty() {
            hidden.push(("sort".into(), params.sort.clone()));
        }
        Ok(SearchView {
            sorts: SORTS.iter().map(|(value, key)| (*value, tr.t(key))).collect(),
            q: params.q,
            sort: params.sort,
            count: out.count,
            results: out.results,
            facets: out.facets,
            active: out.active,
            pages: out.pages,
            action: crate::lang_url(v.lang, base),
            hidden: hidden.into_iter().filter(|(k, _)| k != "sort").collect(),
        })
    }

    /// `/dataset`: search with facets.
    pub async fn dataset_search(&self, v: &Visitor, query: &str) -> Result<Html> {
        let tr = crate::i18n::Tr::new(v.lang);
        let mut page = self.layout(v, tr.t("datasets-title"), "datasets");
        // Result pages for arbitrary queries are not worth indexing twice.
        page.robots_noindex = !query.is_empty();
        let view = SearchPage { search: self.search_view(v, query, "/dataset", None).await?, page };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }

    /// `/organization` and `/group`: every agency or theme.
    pub async fn group_list_page(&self, v: &Visitor, is_org: bool) -> Result<Html> {
        let tr = crate::i18n::Tr::new(v.lang);
        let (heading, nav, base) = if is_org {
            (tr.t("organizations-title"), "organizations", "/organization")
        } else {
            (tr.t("groups-title"), "groups", "/group")
        };
        let items = self.groups(v, is_org).await?;
        let view = GroupListView { page: self.layout(v, heading.clone(), nav), heading, base, items };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }

    /// `/organization/{name}` and `/group/{name}`: the agency or theme and
    /// its datasets, searchable.
    pub async fn group_page(&self, v: &Visitor, name: &str, is_org: bool, query: &str) -> Result<Html> {
        let g = self.catalog().group_show(&v.actor, name, is_org, false, false).await?;
        let links_report = is_org && kho_catalog::links::may_see_link_report(&v.actor, &g.id);
        let g_id = g.id.clone();
        let description_html = markdown::render(v.lang.pick(&g.description_translated, &g.description));
        let card = group_card(v.lang, g);
        let base = format!("/{}/{}", if is_org { "organization" } else { "group" }, card.name);
        let mut page = self.layout(v, card.title.clone(), if is_org { "organizations" } else { "groups" });
        page.description = card.excerpt.clone();
        let key = if is_org { "organization" } else { "groups" };
        let search = self.search_view(v, query, &base, Some((key, &card.name))).await?;
        let quality = if is_org { self.agency_card(v.lang, &g_id).await? } else { None };
        let view = GroupView { page, group: card, description_html, is_org, search, links_report, quality };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }

    /// `/about`.
    pub async fn about(&self, v: &Visitor) -> Result<Html> {
        let tr = crate::i18n::Tr::new(v.lang);
        let (datasets, _) = self.counts(&Visitor::anonymous(v.lang), &[]).await?;
        let view = AboutView { page: self.layout(v, tr.t("about-title"), "about"), datasets };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }

    /// `/api/docs`: how to use the Action API.
    pub async fn api_docs(&self, v: &Visitor) -> Result<Html> {
        let tr = crate::i18n::Tr::new(v.lang);
        let names = self.catalog().package_list(Some(1), None).await?;
        let example_name = names.into_iter().next().unwrap_or_else(|| "ten-bo-du-lieu".into());
        let view = ApiDocsView { page: self.layout(v, tr.t("api-title"), "api"), example_name };
        Ok(Html { body: render(&view), public: v.user_name().is_none() })
    }
}
