-- 附件: the bytes of the documents customers upload with a change request (营业执照,
-- 前置审批文件 …), so that the operator who reviews the request can open them. A change
-- request lists its attachments by name and SHA-256 (`change_requests.attachments`); the
-- bytes live here once per content, keyed by that hash, however many requests list them.
-- Who may read a row is decided by those listings (ops.rs `attachment`), not by this table.
CREATE TABLE attachments (
    sha256 TEXT PRIMARY KEY
        CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL
        CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (size = length(bytes))
);
