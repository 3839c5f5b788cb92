//! 服务 — the router, the shared state and the start-up of `beian serve`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use beian_domain::workflow::{WorkflowPolicy, WorkingCalendar};
use beian_engine::{Engine, EngineConfig};
use beian_store::Store;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::ratelimit::RateLimiter;

/// 服务设置 — what `beian serve` is started with.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `sqlite://PATH` or `postgres://…`.
    pub db_url: String,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Login attempts per address and minute.
    pub login_per_minute: u32,
    /// Self-checks per address and minute.
    pub selfcheck_per_minute: u32,
    /// The live-check engine's settings (self-check and re-checks); `None` disables both.
    pub engine: Option<EngineConfig>,
    /// The rectification periods.
    pub policy: WorkflowPolicy,
}

impl ServerConfig {
    pub fn new(db_url: impl Into<String>, listen: SocketAddr) -> Self {
        ServerConfig {
            db_url: db_url.into(),
            listen,
            secure_cookies: false,
            login_per_minute: 10,
            selfcheck_per_minute: 6,
            engine: None,
            policy: WorkflowPolicy::default(),
        }
    }
}

/// Everything a handler may need.
pub struct AppState {
    pub store: Store,
    pub config: ServerConfig,
    pub engine: Option<Arc<Engine>>,
    pub calendar: WorkingCalendar,
    pub login_limiter: RateLimiter,
    pub selfcheck_limiter: RateLimiter,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("无法打开数据库：{0}")]
    Store(#[from] beian_store::StoreError),
    #[error("无法启动核查引擎：{0}")]
    Engine(String),
    #[error("无法读取工作日日历：{0}")]
    Calendar(String),
    #[error("无法监听 {addr}：{source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

impl AppState {
    pub async fn new(config: ServerConfig) -> Result<Arc<AppState>, StartError> {
        let store = Store::open(&config.db_url).await?;
        Self::with_store(config, store)
    }

    pub fn with_store(config: ServerConfig, store: Store) -> Result<Arc<AppState>, StartError> {
        let engine = match &config.engine {
            Some(c) => Some(Arc::new(
                Engine::new(c.clone()).map_err(|e| StartError::Engine(e.to_string()))?,
            )),
            None => None,
        };
        let calendar =
            WorkingCalendar::bundled().map_err(|e| StartError::Calendar(e.to_string()))?;
        Ok(Arc::new(AppState {
            login_limiter: RateLimiter::new(config.login_per_minute, Duration::from_secs(60)),
            selfcheck_limiter: RateLimiter::new(
                config.selfcheck_per_minute,
                Duration::from_secs(60),
            ),
            store,
            config,
            engine,
            calendar,
        }))
    }
}

/// The whole application.
pub fn router(state: Arc<AppState>) -> Router {
    let (api, mut openapi) = crate::api::routes().split_for_parts();
    crate::extract::document_refusals(&mut openapi);
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(crate::console::routes())
        .merge(crate::ops::routes())
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || {
                let spec = openapi.clone();
                async move { axum::Json(spec.as_ref().clone()) }
            }),
        )
        .route("/api/docs", get(|| async { static_file("docs.html") }))
        .route("/static/{file}", get(|axum::extract::Path(f): axum::extract::Path<String>| async move { static_file(&f) }))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::idempotency::layer,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::resolve))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // The body limit of every route but the three that take uploaded documents (the
        // change and re-check forms in console.rs, the API's upload in api.rs), which set
        // their own, just above what the upload rules allow (`attachments::UPLOAD_BODY_LIMIT`).
        .layer(axum::extract::DefaultBodyLimit::max(10 * 1024 * 1024))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span),
        )
        .with_state(state)
}

fn static_file(name: &str) -> Response {
    let (body, mime): (&'static str, &str) = match name {
        "app.css" => (include_str!("../static/app.css"), "text/css; charset=utf-8"),
        "app.js" => (
            include_str!("../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "docs.html" => (
            include_str!("../static/docs.html"),
            "text/html; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, mime)], body).into_response()
}

/// A started server: its address and the task serving it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds and serves in the background (tests and `beian serve`).
pub async fn start(state: Arc<AppState>) -> Result<Running, StartError> {
    let addr = state.config.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Listen { addr, source })?;
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    tracing::info!(%addr, "beian serve listening");
    Ok(Running { addr, state, task })
}

/// The span of one request in the log: the method, the path and the query with any ID
/// number or phone masked (an operator searches by them; a footer snippet is asked for
/// with a filing number), instead of tower-http's default, which logs the URI as sent.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let uri = request.uri();
    let query = uri
        .query()
        .map(beian_domain::pii::mask_text)
        .unwrap_or_default();
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %uri.path(),
        query = %query,
    )
}
