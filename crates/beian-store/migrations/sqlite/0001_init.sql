-- The first schema. Times are milliseconds since the Unix epoch (UTC) on both backends, so
-- that the same queries compare them; JSON is text.

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    webhook_url TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('customer', 'operator', 'admin')),
    customer_id INTEGER REFERENCES customers (id),
    display_name TEXT NOT NULL DEFAULT '',
    disabled INTEGER NOT NULL DEFAULT FALSE,
    created_at INTEGER NOT NULL,
    -- A customer account belongs to exactly one customer; staff accounts to none.
    CHECK ((role = 'customer') = (customer_id IS NOT NULL))
);
CREATE INDEX accounts_customer ON accounts (customer_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

CREATE TABLE idempotency_keys (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    created_at INTEGER NOT NULL,
    completed_at INTEGER,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- 备案: one row per entity filing number; the content lives in filing_versions.
CREATE TABLE filings (
    id INTEGER PRIMARY KEY,
    filing_number TEXT NOT NULL UNIQUE,
    customer_id INTEGER REFERENCES customers (id),
    entity_name TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'normal'
        CHECK (status IN ('normal', 'rectification', 'overdue', 'access_cancelled', 'deregistered')),
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX filings_customer ON filings (customer_id, id);
CREATE INDEX filings_status ON filings (status, id);

CREATE TABLE filing_versions (
    filing_id INTEGER NOT NULL REFERENCES filings (id),
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (filing_id, version)
);

-- 网站: the sites of the current version, by position; their status survives new versions.
CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    filing_id INTEGER NOT NULL REFERENCES filings (id),
    position INTEGER NOT NULL,
    site_number TEXT,
    name TEXT NOT NULL,
    domains TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'normal'
        CHECK (status IN ('normal', 'rectification', 'overdue', 'access_cancelled', 'deregistered')),
    UNIQUE (filing_id, position)
);
CREATE INDEX sites_number ON sites (site_number);

-- 核查: one verification run over many filings.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'failed')),
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0
);

-- Which filings a run has recorded, so recording the same filing twice counts once.
CREATE TABLE run_filings (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    filing_id INTEGER NOT NULL REFERENCES filings (id),
    failed INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, filing_id)
);
CREATE INDEX run_filings_filing ON run_filings (filing_id, run_id);

CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id),
    filing_id INTEGER NOT NULL REFERENCES filings (id),
    check_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'inconclusive')),
    target TEXT NOT NULL,
    field TEXT,
    message TEXT NOT NULL,
    evidence TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX findings_run_filing ON findings (run_id, filing_id);
CREATE INDEX findings_filing_run ON findings (filing_id, run_id);
CREATE INDEX findings_run_status_check ON findings (run_id, status, check_id);

-- 整改单.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    filing_id INTEGER NOT NULL REFERENCES filings (id),
    customer_id INTEGER REFERENCES customers (id),
    run_id INTEGER REFERENCES runs (id),
    state TEXT NOT NULL CHECK (state IN ('issued', 'submitted', 'returned', 'miit_review',
        'rechecking', 'recheck_failed', 'appealed', 'resolved', 'overdue', 'enforcement_pending',
        'access_cancelled', 'deregistration_pending', 'deregistered')),
    deadline_at INTEGER NOT NULL,
    extension_state TEXT NOT NULL DEFAULT 'none'
        CHECK (extension_state IN ('none', 'requested', 'granted', 'denied')),
    extension_days INTEGER NOT NULL DEFAULT 0,
    keyword_only INTEGER NOT NULL DEFAULT FALSE,
    miit_synced_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    closed_at INTEGER
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
    order_id INTEGER NOT NULL REFERENCES orders (id),
    position INTEGER NOT NULL,
    check_id TEXT NOT NULL,
    target TEXT NOT NULL,
    field TEXT,
    message TEXT NOT NULL,
    reason TEXT NOT NULL,
    remedy TEXT NOT NULL,
    actions TEXT NOT NULL,
    evidence TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (order_id, position)
);

CREATE TABLE change_requests (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('change_filing', 'change_website', 'cancel_website', 'cancel_entity')),
    fields TEXT NOT NULL,
    attachments TEXT NOT NULL,
    opinions TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    created_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    decided_by INTEGER REFERENCES accounts (id),
    decided_at INTEGER
);
CREATE INDEX change_requests_order ON change_requests (order_id, id);

-- One extension request per order.
CREATE TABLE extension_requests (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL UNIQUE REFERENCES orders (id),
    days INTEGER NOT NULL CHECK (days > 0),
    reason TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'granted', 'denied')),
    created_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    decided_by INTEGER REFERENCES accounts (id),
    decided_at INTEGER
);

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'upheld', 'rejected')),
    created_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    decided_by INTEGER REFERENCES accounts (id),
    decided_at INTEGER
);
CREATE INDEX appeals_order ON appeals (order_id, id);

-- 审计日志: append-only and hash-chained. audit_head holds the last link; appends lock it
-- so that sequence numbers follow commit order.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    -- Microseconds since the epoch: what the chain hashes.
    at_us INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    -- Text, not JSON: the chain hashes these exact bytes. It repeats customer_id, so the
    -- unhashed column below is checked against it.
    detail TEXT NOT NULL,
    customer_id INTEGER,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);

-- 站内信.
CREATE TABLE inbox_messages (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    order_id INTEGER REFERENCES orders (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX inbox_customer ON inbox_messages (customer_id, id);

-- Notifications to send, written in the same transaction as the event that causes them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
    recipient TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- The job queue.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    locked_by TEXT,
    lease_until INTEGER,
    last_error TEXT,
    dedupe_key TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (queue, dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_ready ON jobs (queue, run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (queue, lease_until) WHERE state = 'running';
CREATE INDEX jobs_state ON jobs (queue, state);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
