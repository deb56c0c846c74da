-- 005_auth.sql - accounts, browser sessions, API tokens, login throttling
-- and the audit trail used by webapi (webapi/auth.c, API.md "Accounts").
--
-- Roles, least to most: viewer < analyst < operator < admin. Each includes
-- the rights of the ones before it; webapi's route table names, for every
-- route and method, the least role allowed.
--
-- Secrets are never stored in clear: passwords as yescrypt hashes made by
-- libcrypt, session ids and API tokens as SHA-256 of 256 random bits. Only
-- the web role can read these tables; the analyst and writer roles cannot.

CREATE TABLE users (
    id                  bigserial PRIMARY KEY,
    name                text NOT NULL UNIQUE
                        CHECK (name ~ '^[a-z0-9][a-z0-9._@-]{0,63}$'),
    role                text NOT NULL
                        CHECK (role IN ('viewer', 'analyst', 'operator', 'admin')),
    password_hash       text NOT NULL,
    disabled            boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    last_login_at       timestamptz
);
COMMENT ON TABLE users IS
    'Dashboard and API accounts. password_hash is a crypt(3) string (yescrypt, $y$...).';
COMMENT ON COLUMN users.role IS 'viewer < analyst < operator < admin; see API.md "Roles".';

CREATE TABLE sessions (
    token_hash   text PRIMARY KEY,            -- hex SHA-256 of the cookie value
    user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,               -- sent back in X-CSRF-Token
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    client_addr  inet,
    user_agent   text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
COMMENT ON TABLE sessions IS
    'Browser sessions (cookie ps_session). Expired rows are removed at each login.';

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   text NOT NULL UNIQUE,        -- hex SHA-256 of the whole token
    prefix       text NOT NULL,               -- first characters, to recognise it
    role         text NOT NULL
                 CHECK (role IN ('viewer', 'analyst', 'operator', 'admin')),
    created_by   bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
COMMENT ON TABLE api_tokens IS
    'Bearer tokens for scripts. Valid while revoked_at is NULL and expires_at is NULL or in the future.';

-- Failed logins per attempted name, whether or not such a user exists, so a
-- lock says nothing about which names are accounts.
CREATE TABLE login_throttle (
    name          text PRIMARY KEY,
    failures      integer NOT NULL DEFAULT 0,
    first_failure timestamptz NOT NULL DEFAULT now(),
    locked_until  timestamptz
);
COMMENT ON TABLE login_throttle IS
    'Recent failed logins per name; a name is locked until locked_until after too many.';

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,        -- user name, "token:<name>", or "anonymous"
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'token', 'anonymous', 'cli')),
    role        text,
    action      text NOT NULL,        -- "POST /api/start-capture", "login.failed", ...
    status      integer,              -- HTTP status of the answer
    client_addr inet,
    detail      jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);
COMMENT ON TABLE audit_log IS
    'Every state-changing request, every export and every failed login: who, when, what, from where.';

-- Called by webapi after a failed login for `p_name`: counts it within the
-- window and locks the name for p_lock once p_max failures are reached.
-- Returns the lock's end, or NULL while not locked.
CREATE FUNCTION ps_login_failed(p_name text, p_max integer, p_window interval,
                                p_lock interval)
RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
    t login_throttle;
BEGIN
    INSERT INTO login_throttle (name, failures, first_failure)
    VALUES (p_name, 0, now()) ON CONFLICT (name) DO NOTHING;
    SELECT * INTO t FROM login_throttle WHERE name = p_name FOR UPDATE;
    IF t.locked_until > now() THEN
        RETURN t.locked_until;
    END IF;
    IF t.locked_until IS NOT NULL OR t.first_failure < now() - p_window THEN
        t.failures := 0;
        t.first_failure := now();
    END IF;
    t.failures := t.failures + 1;
    t.locked_until := CASE WHEN t.failures >= p_max THEN now() + p_lock END;
    UPDATE login_throttle
       SET failures = t.failures, first_failure = t.first_failure,
           locked_until = t.locked_until
     WHERE name = p_name;
    RETURN t.locked_until;
END
$$;

REVOKE ALL ON users, sessions, api_tokens, login_throttle, audit_log
    FROM packetsight_writer, packetsight_analyst;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, sessions, api_tokens, login_throttle
    TO packetsight_web;
GRANT SELECT, INSERT ON audit_log TO packetsight_web;
GRANT USAGE ON SEQUENCE users_id_seq, api_tokens_id_seq, audit_log_id_seq TO packetsight_web;
GRANT EXECUTE ON FUNCTION ps_login_failed(text, integer, interval, interval) TO packetsight_web;
REVOKE EXECUTE ON FUNCTION ps_login_failed(text, integer, interval, interval) FROM PUBLIC;
