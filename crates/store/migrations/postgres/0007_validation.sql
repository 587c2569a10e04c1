-- Validation of tabular resources against their Table Schema (postgres flavour; keep in step with the other flavour's 0007).
-- One row per resource: the latest validation (ckanext-validation's shape: created, running,
-- success, failure, error). The report is kho-validate's JSON (errors capped, counts complete);
-- inferred_schema is the schema inferred from the file when the publisher gave none.

CREATE TABLE resource_validations (
    resource_id TEXT PRIMARY KEY NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    created TEXT NOT NULL,
    finished TEXT,
    source TEXT,
    inferred_schema TEXT,
    report TEXT,
    error TEXT,
    row_count BIGINT,
    invalid_rows BIGINT,
    error_count BIGINT
);
