-- Control store, version 9: where a job runs and who owns it, as the renewal check needs them.
-- A job keeps the pool, region and upstream it was placed on (status and cancel go back to the same
-- job service, and its credentials name that region), and its owner's role and sign-in method (a
-- renewal re-checks that the owner is still in good standing: an API key still active, the
-- tenant still accepting that kind of credential).

ALTER TABLE jobs ADD COLUMN pool VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN region VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN upstream_url VARCHAR(512) NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN owner_role VARCHAR(32) NOT NULL DEFAULT 'developer';
ALTER TABLE jobs ADD COLUMN owner_method VARCHAR(32) NOT NULL DEFAULT 'api_key';
