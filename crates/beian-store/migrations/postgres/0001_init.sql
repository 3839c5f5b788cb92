-- The first schema. Times are milliseconds since the Unix epoch (UTC) on both backends, so
-- that the same queries compare them; JSON is jsonb.

CREATE TABLE customers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    webhook_url TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('customer', 'operator', 'admin')),
    customer_id BIGINT REFERENCES customers (id),
    display_name TEXT NOT NULL DEFAULT '',
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    -- A customer account belongs to exactly one customer; staff accounts to none.
    CHECK ((role = 'customer') = (customer_id IS NOT NULL))
);
CREATE INDEX accounts_customer ON accounts (customer_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status BIGINT,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- 备案: one row per entity filing number; the content lives in filing_versions.
CREATE TABLE filings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    filing_number TEXT NOT NULL UNIQUE,
    customer_id BIGINT REFERENCES customers (id),
    entity_name TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'normal'
        CHECK (status IN ('normal', 'rectification', 'overdue', 'access_cancelled', 'deregistered')),
    version BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX filings_customer ON filings (customer_id, id);
CREATE INDEX filings_status ON filings (status, id);

CREATE TABLE filing_versions (
    filing_id BIGINT NOT NULL REFERENCES filings (id),
    version BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    body JSONB NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (filing_id, version)
);

-- 网站: the sites of the current version, by position; their status survives new versions.
CREATE TABLE sites (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    filing_id BIGINT NOT NULL REFERENCES filings (id),
    position BIGINT NOT NULL,
    site_number TEXT,
    name TEXT NOT NULL,
    domains JSONB NOT NULL,
    status TEXT NOT NULL DEFAULT 'normal'
        CHECK (status IN ('normal', 'rectification', 'overdue', 'access_cancelled', 'deregistered')),
    UNIQUE (filing_id, position)
);
CREATE INDEX sites_number ON sites (site_number);

-- 核查: one verification run over many filings.
CREATE TABLE runs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    params JSONB NOT NULL,
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'failed')),
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    total BIGINT NOT NULL DEFAULT 0,
    done BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0
);

-- Which filings a run has recorded, so recording the same filing twice counts once.
CREATE TABLE run_filings (
    run_id BIGINT NOT NULL REFERENCES runs (id),
    filing_id BIGINT NOT NULL REFERENCES filings (id),
    failed BOOLEAN NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, filing_id)
);
CREATE INDEX run_filings_filing ON run_filings (filing_id, run_id);

CREATE TABLE findings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES runs (id),
    filing_id BIGINT NOT NULL REFERENCES filings (id),
    check_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'inconclusive')),
    target JSONB NOT NULL,
    field TEXT,
    message TEXT NOT NULL,
    evidence JSONB NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX findings_run_filing ON findings (run_id, filing_id);
CREATE INDEX findings_filing_run ON findings (filing_id, run_id);
CREATE INDEX findings_run_status_check ON findings (run_id, status, check_id);

-- 整改单.
CREATE TABLE orders (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    filing_id BIGINT NOT NULL REFERENCES filings (id),
    customer_id BIGINT REFERENCES customers (id),
    run_id BIGINT REFERENCES runs (id),
    state TEXT NOT NULL CHECK (state IN ('issued', 'submitted', 'returned', 'miit_review',
        'rechecking', 'recheck_failed', 'appealed', 'resolved', 'overdue', 'enforcement_pending',
        'access_cancelled', 'deregistration_pending', 'deregistered')),
    deadline_at BIGINT NOT NULL,
    extension_state TEXT NOT NULL DEFAULT 'none'
        CHECK (extension_state IN ('none', 'requested', 'granted', 'denied')),
    extension_days BIGINT NOT NULL DEFAULT 0,
    keyword_only BOOLEAN NOT NULL DEFAULT FALSE,
    miit_synced_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT
);
-- At most one open order per entity (resolved and deregistered are final; an order whose
-- access was cancelled stays open, since it can be reinstated): issuing twice (a re-run job, racing workers) finds
-- the open order instead of making a second one.
CREATE UNIQUE INDEX orders_one_open ON orders (filing_id)
    WHERE state NOT IN ('resolved', 'deregistered');
CREATE INDEX orders_state ON orders (state, id);
CREATE INDEX orders_customer_state ON orders (customer_id, state, id);
CREATE INDEX orders_filing ON orders (filing_id, id);
CREATE INDEX orders_open_deadline ON orders (deadline_at)
    WHERE state NOT IN ('resolved', 'deregistered');

CREATE TABLE order_items (
    order_id BIGINT NOT NULL REFERENCES orders (id),
    position BIGINT NOT NULL,
    check_id TEXT NOT NULL,
    target JSONB NOT NULL,
    field TEXT,
    message TEXT NOT NULL,
    reason TEXT NOT NULL,
    remedy TEXT NOT NULL,
    actions JSONB NOT NULL,
    evidence JSONB NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (order_id, position)
);

CREATE TABLE change_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('change_filing', 'change_website', 'cancel_website', 'cancel_entity')),
    fields JSONB NOT NULL,
    attachments JSONB NOT NULL,
    opinions JSONB,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    created_by BIGINT REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES accounts (id),
    decided_at BIGINT
);
CREATE INDEX change_requests_order ON change_requests (order_id, id);

-- One extension request per order.
CREATE TABLE extension_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL UNIQUE REFERENCES orders (id),
    days BIGINT NOT NULL CHECK (days > 0),
    reason TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'granted', 'denied')),
    created_by BIGINT REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES accounts (id),
    decided_at BIGINT
);

CREATE TABLE appeals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    reason TEXT NOT NULL,
    evidence JSONB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'upheld', 'rejected')),
    created_by BIGINT REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES accounts (id),
    decided_at BIGINT
);
CREATE INDEX appeals_order ON appeals (order_id, id);

-- 审计日志: append-only and hash-chained. audit_head holds the last link; appends lock it
-- so that sequence numbers follow commit order.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    -- Microseconds since the epoch: what the chain hashes.
    at_us BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    -- Text, not JSON: the chain hashes these exact bytes. It repeats customer_id, so the
    -- unhashed column below is checked against it.
    detail TEXT NOT NULL,
    customer_id BIGINT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);

-- 站内信.
CREATE TABLE inbox_messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    order_id BIGINT REFERENCES orders (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX inbox_customer ON inbox_messages (customer_id, id);

-- Notifications to send, written in the same transaction as the event that causes them.
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
    recipient TEXT NOT NULL,
    payload JSONB NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- The job queue.
CREATE TABLE jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue TEXT NOT NULL,
    payload JSONB NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    locked_by TEXT,
    lease_until BIGINT,
    last_error TEXT,
    dedupe_key TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (queue, dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_ready ON jobs (queue, run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (queue, lease_until) WHERE state = 'running';
CREATE INDEX jobs_state ON jobs (queue, state);

CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
