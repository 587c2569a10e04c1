-- The web portal, PostgreSQL flavour. Keep in step with ../sqlite/0003_portal.sql.
-- web_sessions: signed-in browser sessions. The cookie holds a random
-- secret; only its SHA-256 is stored, so a database leak cannot be replayed.
-- Each session carries its own CSRF token for the forms it is shown.
-- package_views: page views per dataset, for "most viewed" lists; counted
-- in memory and added here in batches.

CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

CREATE TABLE package_views (
    package_id TEXT PRIMARY KEY REFERENCES packages (id) ON DELETE CASCADE,
    views BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX package_views_views ON package_views (views);
