# Kho portal: English messages.
# Keep the same message ids as vi.ftl; a test checks both files match.

## Frame
skip-to-content = Skip to main content
nav-main = Main navigation
nav-home = Home
nav-datasets = Datasets
nav-organizations = Agencies
nav-groups = Themes
nav-api = API
nav-about = About
nav-login = Log in
nav-logout = Log out
nav-dashboard = Dashboard
breadcrumb = Breadcrumb
footer-sitemap = Sitemap
footer-powered = Powered by Kho, the open-source open-data platform.

## Home
home-tagline = Find, explore and download open data published by government agencies.
home-stats = Figures
stat-datasets = datasets
stat-organizations = publishing agencies
stat-groups = themes with data
home-newest = Newest datasets
home-popular = Most viewed
home-popular-none = No views yet.
home-themes = Themes
home-agencies = Agencies publishing the most data
home-all-datasets = All datasets
home-all-agencies = All agencies

## Search
datasets-title = Datasets
datasets-count = { $count ->
    [one] { $n } dataset
   *[other] { $n } datasets
}
datasets-found = { $count ->
    [one] { $n } dataset found
   *[other] { $n } datasets found
}
search-label = Search datasets
search-placeholder = For example: population, education, budget…
search-button = Search
search-no-results = No datasets found. Try other words or remove some filters.
sort-label = Order by
sort-apply = Apply
sort-relevance = Relevance
sort-modified = Last modified
sort-created = Newest
sort-title-asc = Name (A–Z)
sort-title-desc = Name (Z–A)
facets-label = Filters
active-filters = Filters in use
remove-filter = Remove filter
facet-organization = Agency
facet-groups = Theme
facet-tags = Tags
facet-res_format = Format
facet-license_id = Licence
facet-data_sharing = Sharing classification
facet-update_frequency = Update frequency
pager-label = Pages
pager-previous = Previous
pager-next = Next
modified-on = updated
formats = Formats
private = Private
list-empty = Nothing here yet.

## Agencies and themes
organizations-title = Agencies
groups-title = Themes

## Dataset
description = Description
resources = Data and resources
resources-none = This dataset has no resources yet.
download = Download
open-link = Open link
metadata = Additional information
metadata-table = Information table, scrollable sideways
meta-organization = Publisher
meta-sharing = Sharing classification
meta-importance = Importance classification
meta-license = Licence
meta-frequency = Update frequency
meta-temporal = Time period
meta-spatial = Spatial coverage
meta-author = Author
meta-maintainer = Maintainer
meta-version = Version
meta-source = Source
meta-created = Created
meta-modified = Last updated
tags = Tags
citation = Cite as
citation-dataset = Dataset
api-snippet = Use the API
copy = Copy
copied = Copied
activity = Recent activity
activity-new-package = Dataset created
activity-changed-package = Dataset updated
activity-deleted-package = Dataset deleted
activity-deleted-dataset = Dataset deleted
activity-changed-member = Membership changed
activity-purged-package = Dataset purged
activity-new-organization = Agency created
activity-changed-organization = Agency updated
activity-deleted-organization = Agency deleted
activity-new-group = Theme created
activity-changed-group = Theme updated
activity-deleted-group = Theme deleted
preview-region = Preview table, scrollable sideways
edit-dataset = Edit dataset
add-resource = Add resource

## Resource
preview = Preview
preview-more = Only the beginning is shown; download the file to see all of it.
preview-none = This resource cannot be previewed in the browser. Download it to open it.
res-format = Format
res-mimetype = Media type
res-size = Size
res-hash = Hash

## About and API
about-title = About
about-text = This open-data portal publishes government agencies' data for citizens, businesses and other agencies to find, use and reuse, under the National Data Strategy to 2030 (Decision 142/QĐ-TTg).
about-law = Data is classified under the Law on Data 60/2024/QH15 as open, shared or private-use; only open data is published here for everyone.
about-count = { $count ->
    [one] The portal publishes { $n } dataset.
   *[other] The portal publishes { $n } datasets.
}
about-operator = Operated by
about-reuse = Reusing the data
about-reuse-text = Every dataset can be downloaded, and read by machines through the
api-title = Data API
api-intro = The portal offers a CKAN-compatible Action API: tools and libraries written for CKAN (such as ckanapi) work unchanged.
api-openapi = OpenAPI 3.1 document (JSON)
api-endpoint = Endpoint
api-examples = Examples
api-search = Search datasets
api-show = Show one dataset
api-auth = Authentication
api-auth-text = Reading public data needs no key. To write, send an API token (made on your dashboard) in the Authorization header.
api-actions = Actions
api-actions-text = Each action is described in the OpenAPI document and through

## Errors
error-not-found = Page not found
error-not-found-text = This page or dataset does not exist, or you may not see it.
error-forbidden = Access denied
error-forbidden-text = You may not do this. Log in with an account that has the right.
error-bad-request = Bad request
error-unavailable = Busy
error-unavailable-text = Please try again in a few minutes.
error-internal = Something went wrong
error-internal-text = An error occurred and was logged; please try again later.
error-home-link = Back to the home page

## Sign-in and staff pages
login-title = Log in
login-failed = Wrong user name or password.
login-help = Accounts are given by the portal's administrators. Forgot your password? Contact them.
f-login = User name
f-password = Password
dashboard-signed-in-as = Signed in as
dashboard-datasets = Your agencies' datasets
dashboard-orgs = Your agencies
new-dataset = New dataset
create-dataset = Create dataset
save = Save
choose-none = (none)
form-has-errors = The form has errors; please correct these:
f-title = Title
f-name = Name in the URL
h-name = Lower-case letters without accents, digits, - and _. Leave empty to make it from the title.
f-notes = Description
h-notes = Markdown may be used.
f-title-en = English title
f-notes-en = English description
f-owner-org = Publishing agency
f-private = Private (only the agency's members can see it)
f-data-sharing = Sharing classification
h-data-sharing = Under the Law on Data, only open data is public for everyone.
f-data-importance = Importance classification
f-license-id = Licence
f-tags = Tags
h-tags = Separated by commas, e.g. population, statistics
f-update-frequency = Update frequency
f-temporal-start = Period from
f-temporal-end = Period to
f-spatial = Spatial coverage
f-author = Author
f-author-email = Author's e-mail
f-maintainer = Maintainer
f-maintainer-email = Maintainer's e-mail
f-version = Version
f-upload = Data file
h-upload = For example a CSV, XLSX, JSON or PDF file.
f-resource-name = Resource name
f-url = Or a link to the data
f-description = Resource description
f-format = Format
h-format = Leave empty to detect it.
v-missing = Missing value.
v-url-in-use = That URL is already used by another dataset.
v-name-chars = Use only lower-case letters without accents, digits, - and _.
v-too-short = Too short (at least 2 characters).
v-too-long = Too long.
v-org-missing = The agency does not exist.
v-date = Dates must look like YYYY-MM-DD.
v-temporal-order = The end must not be before the start.
v-license = The licence is not in the list.
v-choice = The value is not one of those allowed.
v-file-or-link = Choose a file or enter a link.
members = Members
member-add = Add a member or change a role
member-saved = Member saved.
member-removed = Member removed.
remove = Remove
f-username = User name
f-role = Role
h-role = Member: sees private data; Editor: creates and edits data; Admin: manages members.
role-member = Member
role-editor = Editor
role-admin = Admin
tokens-title = API tokens
token-new = New token
token-create = Create token
token-created = API token created.
token-revoked = API token revoked.
token-copy-now = Copy this token now: it will not be shown again.
token-expires = Expires
f-token-name = Token name
f-token-days = Valid for (days)
h-token-days = Leave empty for no expiry.
revoke = Revoke
never = Never
edit-resource = Edit resource
delete = Delete
cancel = Cancel
delete-dataset-question = Delete the dataset “{ $name }”? It will no longer be shown; a system administrator can restore it.
delete-resource-question = Delete the resource “{ $name }”?
delete-dataset = Delete dataset
delete-resource = Delete resource

## Datastore on the resource page: table view, charts, versions
ds-type-int = integer
ds-type-numeric = decimal
ds-type-text = text
ds-type-date = date
ds-type-timestamp = date and time
ds-type-bool = true/false
ds-type-json = JSON
ds-job-queued = The data table is waiting to be loaded.
ds-job-running = Loading the data table from the file.
ds-job-failed = The data table could not be loaded: { $error }
ds-job-progress = Load progress
ds-job-reload = Reload the page to see progress
ds-table = Data table
ds-rows = Rows
ds-version = Version
ds-showing-version = showing version
ds-filter = Filter the data table
ds-search = Search the table
ds-filter-column = Filter by column
ds-filter-value = with value
ds-apply = Filter
ds-clear = Clear filters
ds-showing = Rows
ds-caption = data rows; select a column name to sort
ds-sort = sort by this column
ds-pages = Data table pages
ds-prev = Previous page
ds-next = Next page
ds-page = Page
ds-download = Download the table (with the current filters)
ds-versions = Versions of the table
ds-version-created = When
ds-version-changes = Changes from the previous version
ds-version-current = current
ds-changes-first = First version
ds-rows-added = { $count ->
    [one] { $n } row added
   *[other] { $n } rows added
}
ds-rows-removed = { $count ->
    [one] { $n } row removed
   *[other] { $n } rows removed
}
ds-rows-changed = { $count ->
    [one] { $n } row changed
   *[other] { $n } rows changed
}
ds-cols-added = columns added: { $cols }
ds-cols-removed = columns removed: { $cols }
ds-cols-retyped = columns retyped: { $cols }
chart = Chart
chart-kind = Chart type
chart-kind-bar = bar chart
chart-kind-line = line chart
chart-kind-pie = pie chart
chart-kind-map = map of provinces
chart-x = Group by column
chart-y = Value column
chart-y-none = (none — count rows)
chart-agg = Summary
chart-agg-sum = Sum of
chart-agg-avg = Average
chart-agg-min = Minimum
chart-agg-max = Maximum
chart-agg-count = Count rows
chart-draw = Draw chart
chart-title = { $agg } { $y } by { $x }
chart-title-count = Rows by { $x }
chart-rows = Rows
chart-blank = (blank)
chart-cut = Showing the { $shown } largest of { $all } groups.
chart-unmatched = { $count ->
    [one] { $n } value matched no province or city: { $labels }.
   *[other] { $n } values matched no province or city: { $labels }.
}
chart-desc = A { $kind } of { $n } groups by column { $x }.
chart-desc-range = Largest: { $max_label } ({ $max }); smallest: { $min_label } ({ $min }).
chart-data = The chart's data
chart-embed = Embed the chart
chart-svg-link = this chart as an SVG image
chart-embed-code = Embed code
chart-not-found = No such chart: the resource does not exist, has no data table, or you may not see it.
ds-versions-region = Table of versions, scrolls sideways

## Administrative units (master data)
au-title = Administrative units
au-title-legacy = Administrative units before 1 July 2025
au-intro = The shared list of administrative units: the 34 provinces and cities and 3,321 communes, wards and special zones in force since 1 July 2025, with the former units and the official conversion tables.
au-valid-from = in force from
au-era = Period
au-current = Since 1 July 2025
au-legacy = Before 1 July 2025
au-totals = In all
au-provinces = provinces and cities
au-districts = districts
au-communes-lower = communes and wards
au-communes = Communes, wards and special zones
au-province = Province or city
au-map-title = Communes and wards per province
au-map-desc = A tile map of the 34 provinces and cities since 1 July 2025, coloured by their number of communes, wards and special zones.
au-legacy-intro = Before 1 July 2025 the country had
au-table = Table of provinces, scrolls sideways
au-code = Code
au-name = Name
au-kind = Type
au-formed-from = Formed from
au-went-to = Now part of
au-filter = Find a commune

## Quality
q-title = Metadata quality
q-todo = To improve
q-link = Quality ranking and point table
q-rating-excellent = Excellent
q-rating-good = Good
q-rating-sufficient = Sufficient
q-rating-bad = Bad
q-dim-findability = Findability
q-dim-accessibility = Accessibility
q-dim-interoperability = Interoperability
q-dim-reusability = Reusability
q-dim-contextuality = Context
q-dim-openness = Openness
q-dim-timeliness = Timeliness
q-page-title = Data quality
q-page-intro = The quality of public datasets, by agency: metadata scored on Kho's point table (modelled on data.europa.eu's MQA, with openness and timeliness added), with the share of valid rows, working links and duplicates.
q-assessed = assessed on
q-none = No public dataset belongs to an agency yet.
q-chart-title = Mean overall quality score of each agency (%)
q-chart-desc = A bar chart of the mean overall quality score of each agency's public datasets, highest first.
q-ranking = Agency ranking
q-ranking-region = Ranking table, scrolls sideways
q-agency = Agency
q-datasets = Datasets
q-percent = Score (%)
q-rating = Rating
q-points = Point table
q-points-intro = Each criterion met adds the points beside it, 600 at most. Ratings: excellent from 85%, good from 55%, sufficient from 30%.
q-points-region = Point table, scrolls sideways
q-criterion = Criterion
q-dimension = Dimension
q-points-col = Points

# Resource quality report and schema editor (issue 7)
vr-title = Quality report
vr-summary = Validation against the schema
vr-status-none = Not validated
vr-status-created = Waiting to be validated
vr-status-running = Being validated
vr-status-success = Valid
vr-status-failure = Has errors
vr-status-error = Could not be validated
vr-valid-rows = Share of valid rows
vr-rows = Rows
vr-invalid-rows = Rows with errors
vr-errors = Errors
vr-none = This resource has not been validated. Tables (CSV, XLSX, JSON…) are validated automatically after every upload.
vr-pending = Validation is under way; reload the page in a few minutes to see the result.
vr-run = Validate again
vr-edit-schema = Edit the schema
vr-chart-title = Errors by type
vr-chart-desc = Bar chart: the errors found, by type, most frequent first.
vr-errors-list = Errors
vr-col-row = Row
vr-col-field = Field
vr-col-type = Error type
vr-col-message = Description
vr-header = header
vr-more-errors = Only some errors are listed; all are counted above. Fix these, then validate again.
vr-schema = Table Schema
vr-schema-publisher = The schema declared by the publisher.
vr-schema-inferred = A schema inferred from the file; the publisher can edit it to declare types and constraints.
vr-schema-none = No schema yet.
vr-rules = Constraints
vr-primary-key = Primary key
vr-foreign-key = Foreign key
vr-link = Quality report
schema-title = Table Schema
schema-intro = Declare each column's type and constraints (Frictionless Table Schema). Once saved, the file is validated again against the new schema.
schema-inferred = The schema below was inferred from the file. Saving it makes it the publisher's schema.
schema-fields = Fields
schema-field-title = Title
schema-type = Type
schema-format = Format
schema-required = Required
schema-unique = Unique
schema-minimum = Minimum
schema-maximum = Maximum
schema-pattern = Pattern (regular expression)
schema-values = Allowed values
schema-help = Separate allowed values with |. On a string field, the format "vn-admin-unit" accepts province names or codes, "vn-admin-unit-commune" communes, "vn-admin-unit-any" either (with or without diacritics). Primary keys, foreign keys and missing values are set in the advanced part.
schema-advanced = Advanced: the schema as JSON
schema-advanced-help = Edit the JSON schema directly (primaryKey, foreignKeys to other resources of the dataset by name, missingValues…). If this part is changed it is used instead of the table above; leave it empty to remove the schema.
schema-bad-json = The schema is not valid JSON
facet-quality_rating = Metadata quality
facet-validation_status = Data validation
q-overall = Overall (%)
q-validity = Valid rows (%)
q-availability = Links working (%)
q-duplicated = Duplicated
q-dash = Overview
q-band-chart-title = Datasets by metadata rating
q-band-chart-desc = Bar chart: the number of public datasets in each metadata quality rating.
q-valid-chart-title = Validation of tables
q-valid-chart-desc = Pie chart: public datasets whose tables are valid and whose tables have errors.
q-overall-intro = The overall score combines metadata (60%), the share of valid rows (20%), working links (10%) and no duplicates (10%); parts a dataset does not have are left out. See docs/QUALITY.md.

## Availability: broken links of an organization
lc-title = Broken links
lc-link = The agency's broken links
lc-intro = Kho checks the links of resources kept on other servers on a schedule; a link is broken when its latest check failed (the server answered with an error, or not at all). Files uploaded to Kho need no check. Only the agency's members see this page.
lc-links = external links
lc-checked = checked
lc-ok = working
lc-broken = broken
lc-none = No broken links.
lc-region = Broken links, scrolls horizontally
lc-dataset = Dataset
lc-resource = Resource
lc-url = Address
lc-error = Last error
lc-since = Broken since
lc-failures = Failures in a row
lc-last-checked = Last checked
lc-last-sweep = Last check of every link
lc-never = not yet
lc-running = Checking the agency's links:
lc-progress = { $done } of { $total } links checked
lc-queued-state = waiting for its turn
lc-run = Check now
lc-run-hint = Checks every link of the agency again, in the background, within minutes.
lc-queued = Checking { $links } links has been scheduled. Reload this page in a few minutes to see the results.
lc-nothing = The agency has no external links to check.
lc-err-http = The server answered with error { $status }
lc-err-timeout = No answer in time
lc-err-dns = Domain name not found
lc-err-refused = Connection refused
lc-err-tls = Certificate or secure connection (TLS) error
lc-err-too_many_redirects = Too many redirects (a loop?)
lc-err-forbidden = A private address, which Kho does not reach
lc-err-bad_url = Not a valid address
lc-err-network = Network error
vr-errors-region = The errors, scrollable sideways
vr-schema-region = The schema's fields, scrollable sideways
q-agency-title = The agency's data quality
q-agency-note = Means over the agency's public datasets.
