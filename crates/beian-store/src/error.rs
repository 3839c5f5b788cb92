//! 存储错误 — what can go wrong in the store, as values the server can map to answers.

/// 存储错误 — a failed store operation.
///
/// A stale transition and an order that is not there are ordinary outcomes the caller
/// must handle (the server answers 409 and 404), so they are variants rather than text.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed the statement.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed while opening the store.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The URL names neither SQLite nor PostgreSQL.
    #[error("unsupported database URL `{0}`: expected sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// Bad input, named by field and value.
    #[error("invalid {field} `{value}`: {reason}")]
    Invalid {
        /// The field concerned.
        field: &'static str,
        /// The value given (never a personal number).
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The object does not exist, or is not visible in the caller's scope.
    #[error("{kind} {id} not found")]
    NotFound {
        /// What kind of object.
        kind: &'static str,
        /// Its id.
        id: i64,
    },
    /// A conditional transition found the order in another state or version than expected:
    /// someone else moved it first.
    #[error(
        "order {order_id} changed meanwhile: expected {expected_state} v{expected_version}, found {state} v{version}"
    )]
    Stale {
        /// The order.
        order_id: i64,
        /// The state the caller expected.
        expected_state: String,
        /// The version the caller expected.
        expected_version: i64,
        /// The state found.
        state: String,
        /// The version found.
        version: i64,
    },
    /// A stored JSON value no longer reads as its type.
    #[error("stored {what} is not valid: {source}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// The decoding error.
        source: serde_json::Error,
    },
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
