-- Control store, version 7: API key lifecycle. A key may expire; a rotation may keep the old key
-- working for an overlap window (its revoked_at then lies in the future); last use is recorded to
-- the minute, in batches, off the request path.

ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
