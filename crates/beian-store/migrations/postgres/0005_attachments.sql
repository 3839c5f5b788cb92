-- 附件: the bytes of the documents customers upload with a change request (营业执照,
-- 前置审批文件 …), so that the operator who reviews the request can open them. A change
-- request lists its attachments by name and SHA-256 (`change_requests.attachments`); the
-- bytes live here once per content, keyed by that hash, however many requests list them.
-- Who may read a row is decided by those listings (ops.rs `attachment`), not by this table.
CREATE TABLE attachments (
    sha256 TEXT PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL
        CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    bytes BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (size = octet_length(bytes))
);
-- PDF, JPEG and PNG are compressed already: store the bytes out of line without trying
-- to compress them again.
ALTER TABLE attachments ALTER COLUMN bytes SET STORAGE EXTERNAL;
