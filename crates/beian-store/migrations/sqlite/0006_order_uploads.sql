-- 上传记录: which documents were uploaded for which order. The bytes in `attachments` are
-- shared by content and belong to nobody; this row says that the order's customer (or
-- staff) sent these bytes for this order, which is what lets an event of the order list
-- them (an API client names them by hash) and lets the order's people open them even when
-- no change request lists them (the documents of a 申请复查). The first name given is kept.
CREATE TABLE order_uploads (
    order_id INTEGER NOT NULL REFERENCES orders (id),
    sha256 TEXT NOT NULL REFERENCES attachments (sha256),
    name TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (order_id, sha256)
);
