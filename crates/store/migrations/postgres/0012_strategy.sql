-- Strategy monitoring (issue 9): ranking methods, indicator values per
-- year, rankings, and agencies' annual reports.
--
-- strategy_methods: each version of the ranking method (weights,
-- normalisation, missing values), never changed once written, so a past
-- ranking can be recomputed as it was.
-- strategy_values: the indicator figures of a year per scope ('national'
-- or an organization id), as computed when the year's ranking ran.
-- strategy_rankings: a year's ranking of one level (ministry, province)
-- with the method version used and its rows (JSON).
-- strategy_reports: one report per agency and year, moving draft ->
-- submitted -> approved (or rejected, back to the agency).

CREATE TABLE strategy_methods (
    version BIGINT PRIMARY KEY NOT NULL,
    method TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    creator_user_id TEXT
);

CREATE TABLE strategy_values (
    year BIGINT NOT NULL,
    scope TEXT NOT NULL,
    indicator TEXT NOT NULL,
    numerator BIGINT NOT NULL,
    denominator BIGINT NOT NULL,
    computed TEXT NOT NULL,
    PRIMARY KEY (year, scope, indicator)
);

CREATE TABLE strategy_rankings (
    year BIGINT NOT NULL,
    level TEXT NOT NULL,
    method_version BIGINT NOT NULL,
    rows_json TEXT NOT NULL,
    computed TEXT NOT NULL,
    PRIMARY KEY (year, level)
);

CREATE TABLE strategy_reports (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    state TEXT NOT NULL,
    content TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    submitted TEXT,
    submitter_user_id TEXT,
    reviewed TEXT,
    reviewer_user_id TEXT,
    review_note TEXT,
    UNIQUE (org_id, year)
);
