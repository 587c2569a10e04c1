-- Catalog schema, SQLite flavour. Keep in step with ../postgres/0001_catalog.sql:
-- same tables, columns and version numbers (a test compares them).
-- Conventions: ids are UUID text; times are CKAN-format UTC text (sortable);
-- booleans are BIGINT 0/1; JSON is TEXT. Both drivers decode these the same way.

CREATE TABLE kho_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    fullname TEXT,
    email TEXT,
    about TEXT,
    password_hash TEXT,
    sysadmin BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'active',
    created TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    last_access TEXT,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- Organizations (agencies) and groups (themes) share one table, as in CKAN.
CREATE TABLE catalog_groups (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    image_url TEXT NOT NULL DEFAULT '',
    is_organization BIGINT NOT NULL,
    agency_kind TEXT,
    agency_code TEXT,
    parent_id TEXT REFERENCES catalog_groups(id),
    state TEXT NOT NULL DEFAULT 'active',
    extras TEXT NOT NULL DEFAULT '[]',
    title_translated TEXT NOT NULL DEFAULT '{}',
    description_translated TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX catalog_groups_parent ON catalog_groups(parent_id);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES catalog_groups(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    capacity TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE packages (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    owner_org TEXT REFERENCES catalog_groups(id),
    private BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    license_id TEXT,
    notes TEXT,
    url TEXT,
    version TEXT,
    author TEXT,
    author_email TEXT,
    maintainer TEXT,
    maintainer_email TEXT,
    data_sharing TEXT NOT NULL,
    data_importance TEXT NOT NULL,
    temporal_start TEXT,
    temporal_end TEXT,
    spatial TEXT,
    update_frequency TEXT,
    title_translated TEXT NOT NULL DEFAULT '{}',
    notes_translated TEXT NOT NULL DEFAULT '{}',
    creator_user_id TEXT,
    metadata_created TEXT NOT NULL,
    metadata_modified TEXT NOT NULL,
    -- The package dictionary exactly as package_show returns it, rebuilt in the
    -- same transaction as every write that changes it (see packages.rs).
    doc TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX packages_owner_org ON packages(owner_org);
CREATE INDEX packages_modified ON packages(metadata_modified);

CREATE TABLE tags (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE package_tags (
    package_id TEXT NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags(id),
    PRIMARY KEY (package_id, tag_id)
);
CREATE INDEX package_tags_tag ON package_tags(tag_id);

CREATE TABLE package_extras (
    package_id TEXT NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (package_id, key)
);

CREATE TABLE group_packages (
    group_id TEXT NOT NULL REFERENCES catalog_groups(id),
    package_id TEXT NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, package_id)
);
CREATE INDEX group_packages_package ON group_packages(package_id);

CREATE TABLE resources (
    id TEXT PRIMARY KEY NOT NULL,
    package_id TEXT NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'active',
    url TEXT NOT NULL DEFAULT '',
    url_type TEXT,
    name TEXT,
    description TEXT,
    format TEXT,
    mimetype TEXT,
    mimetype_inner TEXT,
    size BIGINT,
    hash TEXT,
    blob_sha256 TEXT,
    last_modified TEXT,
    resource_type TEXT,
    name_translated TEXT NOT NULL DEFAULT '{}',
    description_translated TEXT NOT NULL DEFAULT '{}',
    extras TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL,
    metadata_modified TEXT NOT NULL
);
CREATE INDEX resources_package ON resources(package_id, position);
CREATE INDEX resources_blob ON resources(blob_sha256);

-- The activity stream doubles as the catalog's change feed: seq only grows.
CREATE TABLE activities (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    timestamp TEXT NOT NULL,
    user_id TEXT,
    object_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    group_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX activities_object ON activities(object_id, seq);
CREATE INDEX activities_group ON activities(group_id, seq);
