//! REST API under `/api/v1`, described by the OpenAPI document the server serves.
//!
//! Customers see only their own filings, orders and messages (another's id is 404);
//! operators see everything. Every POST honours `Idempotency-Key` (see `idempotency`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use beian_domain::workflow::Event;
use beian_io::{Privacy, XlsxExport};
use beian_service::{PlannedRun, RunOf, Spread};
use beian_store::{Account, FilingQuery, OrderQuery, Scope};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::glue::{self, store_error};
use crate::present;
use crate::secrets;
use crate::selfcheck::{SelfCheckRequest, SelfCheckResult};

#[derive(OpenApi)]
#[openapi(
    info(title = "beian 备案核查与整改 API", version = "1", description = "ICP 备案核查、整改单、站内信与网站自查。错误统一为 {\"error\":{\"code\",\"message\"}}。"),
    modifiers(&Security),
    tags((name = "filings", description = "备案信息"), (name = "orders", description = "整改单"), (name = "inbox", description = "站内信"), (name = "ops", description = "运营管理"), (name = "public", description = "公开接口"))
)]
struct ApiDoc;

struct Security;
impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new(crate::auth::SESSION_COOKIE),
            )),
        );
    }
}

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me))
        .routes(routes!(create_token))
        .routes(routes!(list_filings))
        .routes(routes!(get_filing))
        .routes(routes!(unmask_filing))
        .routes(routes!(list_orders))
        .routes(routes!(get_order))
        .routes(routes!(post_event))
        .merge(
            // Only the upload takes a body as large as the upload rules allow.
            OpenApiRouter::new()
                .routes(routes!(upload_attachments))
                .layer(DefaultBodyLimit::max(crate::attachments::UPLOAD_BODY_LIMIT)),
        )
        .routes(routes!(list_inbox))
        .routes(routes!(read_inbox))
        .routes(routes!(dashboard))
        .routes(routes!(list_runs, create_run))
        .routes(routes!(export_orders))
        .routes(routes!(export_orders_xlsx))
        .routes(routes!(selfcheck))
        .routes(routes!(footer_snippet))
}

/// Checks a login and password; an unknown login costs as much as a wrong password.
pub async fn authenticate(
    state: &AppState,
    login: &str,
    password: &str,
) -> Result<Option<Account>, ApiError> {
    let account = state
        .store
        .account_by_login(login)
        .await
        .map_err(store_error)?;
    let password = password.to_string();
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || {
        secrets::verify_password(&password, hash.as_deref().unwrap_or(secrets::dummy_hash()))
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(account.filter(|a| ok && !a.disabled))
}

/// 当前账号.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub login: String,
    pub role: String,
    pub customer_id: Option<i64>,
    pub display_name: String,
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "filings", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        id: caller.account.id,
        login: caller.account.login.clone(),
        role: caller.account.role.code().to_string(),
        customer_id: caller.account.customer_id,
        display_name: caller.account.display_name.clone(),
    })
}

/// 新建 API 令牌.
#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    /// 令牌名称.
    pub name: String,
}

/// The token, shown once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    pub token: String,
}

/// Creates an API token for the caller's own account; the token is shown once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "filings", security(("bearer" = []), ("session" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "幂等键")),
    request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn create_token(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    caller.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request("令牌名称须为 1–100 个字"));
    }
    let token = secrets::random_token();
    let now = Utc::now();
    let id = state
        .store
        .create_api_token(
            caller.account.id,
            name,
            &secrets::sha256_hex(token.as_bytes()),
            None,
            now,
        )
        .await
        .map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id, token })))
}

/// Paging and filters of a list.
#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// 状态代码过滤（备案状态或整改单状态）.
    pub status: Option<String>,
    /// 下一页游标（上一页应答中的 next_after_id）.
    pub after_id: Option<i64>,
    /// 每页条数，1–200，默认 50.
    pub limit: Option<i64>,
}

impl ListParams {
    fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=200).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::bad_request(format!(
                "limit“{n}”须在 1 到 200 之间"
            ))),
        }
    }
}

/// 分页结果.
#[derive(Serialize, ToSchema)]
pub struct ListPage {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    pub next_after_id: Option<i64>,
}

/// The caller's filings (all filings for staff).
#[utoipa::path(get, path = "/api/v1/filings", tag = "filings", security(("bearer" = []), ("session" = [])), params(ListParams),
    responses((status = 200, body = ListPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn list_filings(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<ListPage>, ApiError> {
    let limit = p.limit()?;
    if let Some(s) = &p.status
        && !beian_store::FILING_STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "status“{s}”不是有效的备案状态"
        )));
    }
    let page = state
        .store
        .list_filings(&FilingQuery {
            scope: caller.scope(),
            status: p.status.clone(),
            after_id: p.after_id,
            limit,
        })
        .await
        .map_err(store_error)?;
    Ok(Json(ListPage {
        items: page.items.iter().map(present::filing).collect(),
        next_after_id: page.next_after_id,
    }))
}

async fn filing_json(
    state: &AppState,
    scope: Scope,
    id: i64,
    unmask: bool,
) -> Result<Value, ApiError> {
    let filing = state
        .store
        .filing(scope, id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let body = state
        .store
        .filing_body(scope, id)
        .await
        .map_err(store_error)?;
    let sites = state.store.sites(scope, id).await.map_err(store_error)?;
    let order = state
        .store
        .open_order_for_filing(scope, id)
        .await
        .map_err(store_error)?;
    let mut v = present::filing(&filing);
    v["sites"] = json!(sites.iter().map(present::site).collect::<Vec<_>>());
    v["entity_details"] = json!(
        body.as_ref()
            .map(|b| present::entity_rows(b, unmask))
            .unwrap_or_default()
    );
    v["open_order"] = order.as_ref().map(present::order).unwrap_or(Value::Null);
    Ok(v)
}

/// One filing with its sites and open order; personal numbers masked.
#[utoipa::path(get, path = "/api/v1/filings/{id}", tag = "filings", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "备案 id")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_filing(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(filing_json(&state, caller.scope(), id, false).await?))
}

/// 查看完整信息: an operator sees the unmasked personal numbers; the access is audited.
#[utoipa::path(post, path = "/api/v1/filings/{id}/unmask", tag = "ops", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "备案 id"), ("Idempotency-Key" = Option<String>, Header, description = "幂等键")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unmask_filing(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    Ok(Json(unmask(&state, &caller, id).await?))
}

/// Shows an operator the unmasked details and records that in the audit log.
pub async fn unmask(state: &AppState, caller: &Caller, id: i64) -> Result<Value, ApiError> {
    caller.require_staff()?;
    let filing = state
        .store
        .filing(Scope::All, id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    state
        .store
        .audit_record(
            &caller.actor(),
            filing.customer_id,
            "unmask",
            &format!("filing:{}", filing.filing_number),
            &json!({"filing_id": filing.id, "fields": ["主体证件号码", "负责人证件号码", "负责人手机", "应急联系电话"]}),
            Utc::now(),
        )
        .await
        .map_err(store_error)?;
    tracing::info!(
        account = caller.account.id,
        filing = id,
        "personal numbers unmasked"
    );
    filing_json(state, Scope::All, id, true).await
}

/// The caller's orders (all orders for staff), newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = []), ("session" = [])), params(ListParams),
    responses((status = 200, body = ListPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn list_orders(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<ListPage>, ApiError> {
    let limit = p.limit()?;
    let mut q = OrderQuery::new(caller.scope(), limit);
    if let Some(s) = &p.status {
        if !beian_store::ORDER_STATES.contains(&s.as_str()) {
            return Err(ApiError::bad_request(format!(
                "status“{s}”不是有效的整改单状态"
            )));
        }
        q.states = vec![s.clone()];
    }
    q.after_id = p.after_id;
    let page = state.store.list_orders(&q).await.map_err(store_error)?;
    Ok(Json(ListPage {
        items: page.items.iter().map(present::order).collect(),
        next_after_id: page.next_after_id,
    }))
}

/// One order with its items, change requests and timeline; in 复查中 after re-checks that
/// could not decide, `deferred_recheck` says how many (`undecided`) and when the next is due
/// (`due`), else null.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "整改单 id")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_order(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    crate::console::order_data(&state, caller.scope(), id, caller.is_staff())
        .await
        .map(Json)
        .map_err(|e| e.0)
}

/// 整改单事件：`{"kind": "submit" | "approve" | "reject" | "request_recheck" | ..., ...}`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"kind": "request_extension", "data": {"working_days": 5, "reason": "等待新证件"}}))]
pub struct EventBody {
    /// 事件类型：submit, approve, reject, miit_synced, request_recheck, recheck_passed, recheck_failed, appeal, decide_appeal, request_extension, decide_extension, escalate, confirm_access_cancellation, request_deregistration, reinstate.
    pub kind: String,
    /// 事件内容，随类型而定（无内容的事件省略）.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
}

/// Applies one workflow event to an order; who may do what is the workflow's rule.
/// The order `id` if the caller may see it; another customer's order answers 404, the same
/// as one that does not exist.
async fn own_order(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<beian_store::Order, ApiError> {
    state
        .store
        .order(caller.scope(), id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/events", tag = "orders", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "整改单 id"), ("Idempotency-Key" = Option<String>, Header, description = "幂等键")),
    request_body = EventBody,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn post_event(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    // A foreign order is 404 before anything else, whatever the event.
    own_order(&state, &caller, id).await?;
    let event: Event = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_event",
            format!("事件格式错误：{e}"),
        )
    })?;
    // A listed document must have been uploaded for this order (`upload_attachments`, or
    // the console): a hash alone names somebody's bytes, and listing one uploaded for
    // another order would open that order's document to the caller.
    let listed = match &event {
        Event::Submit(change) => change.attachments.as_slice(),
        Event::RequestRecheck { attachments, .. } => attachments.as_slice(),
        _ => &[],
    };
    if let Err(refusal) =
        beian_service::attachments::check_listed(&state.store, caller.scope(), id, listed)
            .await
            .map_err(store_error)?
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_event",
            refusal.to_string(),
        ));
    }
    let ctx = glue::Ctx {
        store: &state.store,
        policy: &state.config.policy,
        calendar: &state.calendar,
        scope: caller.scope(),
        actor: caller.actor(),
        workflow_actor: caller.workflow_actor(),
        now: Utc::now(),
    };
    let out = glue::apply_event(&ctx, id, event).await?;
    Ok(Json(
        json!({"order": present::order(&out.order), "audit_seq": out.audit_seq}),
    ))
}

/// 上传附件的表单：一个或多个 `file` 部分，每个为 PDF、JPG 或 PNG 文件（按内容判断），每个不超过 10 MB，每次最多 5 个.
///
/// It only describes the form in the OpenAPI document: the handler reads the parts as a
/// stream (`attachments::read_form`) instead of deserializing them.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// 附件文件（可重复）.
    #[schema(schema_with = file_parts)]
    pub file: Vec<Vec<u8>>,
}

/// The `file` property: repeated parts, each a file's bytes (OpenAPI 3.1 spells a binary
/// string with `contentMediaType`; utoipa would describe `Vec<Vec<u8>>` as arrays of
/// integers).
fn file_parts() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .description(Some("附件文件（可重复）"))
        .min_items(Some(1))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .content_media_type("application/octet-stream"),
        )
        .build()
}

/// 已上传的附件：在 submit 或 request_recheck 事件的 attachments 中原样列出.
#[derive(Serialize, ToSchema)]
pub struct UploadedAttachment {
    /// 文件名（已去掉路径与控制字符）.
    pub name: String,
    /// 内容的 SHA-256（小写十六进制）.
    pub sha256: String,
    /// 字节数.
    pub size: u64,
}

/// Stores documents for an order, under the console's rules, and records them as uploaded
/// for it, so that a later `submit` or `request_recheck` of this order may list them.
#[utoipa::path(post, path = "/api/v1/orders/{id}/attachments", tag = "orders", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "整改单 id"), ("Idempotency-Key" = Option<String>, Header, description = "幂等键")),
    request_body(content = inline(UploadForm), content_type = "multipart/form-data"),
    responses((status = 201, body = Vec<UploadedAttachment>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_attachments(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Vec<UploadedAttachment>>), ApiError> {
    caller.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    // A foreign order is 404 before the body is looked at.
    own_order(&state, &caller, id).await?;
    // axum answers any unreadable form with 400; a body that is no form at all (JSON, or
    // none) is the 415 the document promises.
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.get(..19)
                .is_some_and(|p| p.eq_ignore_ascii_case("multipart/form-data"))
        });
    let mp = mp.map_err(|e| {
        if !is_form || e.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体须为 multipart/form-data，文件放在 file 字段中",
            )
        } else {
            ApiError::bad_request(format!("表单格式错误：{}", e.body_text()))
        }
    })?;
    let form = crate::attachments::read_form(mp).await?;
    if let Some(refusal) = form.refusal {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_attachment",
            refusal.to_string(),
        ));
    }
    if form.files.is_empty() {
        return Err(ApiError::bad_request(
            "没有收到附件：请在 file 字段中上传 PDF、JPG 或 PNG 文件",
        ));
    }
    let kept =
        beian_service::attachments::keep(&state.store, caller.scope(), id, &form.files, Utc::now())
            .await
            .map_err(store_error)?;
    Ok((
        StatusCode::CREATED,
        Json(
            kept.into_iter()
                .map(|a| UploadedAttachment {
                    name: a.name,
                    sha256: a.sha256,
                    size: a.size,
                })
                .collect(),
        ),
    ))
}

/// The caller's inbox (customers only).
#[utoipa::path(get, path = "/api/v1/inbox", tag = "inbox", security(("bearer" = []), ("session" = [])), params(ListParams),
    responses((status = 200, body = ListPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_inbox(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<ListPage>, ApiError> {
    let customer = caller.customer_id().ok_or_else(ApiError::forbidden)?;
    let page = state
        .store
        .inbox(customer, false, p.after_id, p.limit()?)
        .await
        .map_err(store_error)?;
    Ok(Json(ListPage {
        items: page.items.iter().map(present::inbox).collect(),
        next_after_id: page.next_after_id,
    }))
}

/// Marks a message read.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "inbox", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "站内信 id"), ("Idempotency-Key" = Option<String>, Header, description = "幂等键")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn read_inbox(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let customer = caller.customer_id().ok_or_else(ApiError::forbidden)?;
    if !state
        .store
        .mark_inbox_read(customer, id, Utc::now())
        .await
        .map_err(store_error)?
    {
        return Err(ApiError::not_found());
    }
    Ok(Json(json!({"id": id, "read": true})))
}

/// Counts for the operator dashboard.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "ops", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn dashboard(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require_staff()?;
    let filings = state
        .store
        .filing_counts(Scope::All)
        .await
        .map_err(store_error)?;
    let orders = state
        .store
        .order_counts(Scope::All)
        .await
        .map_err(store_error)?;
    Ok(Json(json!({"filings": filings, "orders": orders})))
}

/// Verification runs, newest first.
#[utoipa::path(get, path = "/api/v1/runs", tag = "ops", security(("bearer" = []), ("session" = [])), params(ListParams),
    responses((status = 200, body = ListPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_runs(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<ListPage>, ApiError> {
    caller.require_staff()?;
    let page = state
        .store
        .list_runs(p.after_id, p.limit()?)
        .await
        .map_err(store_error)?;
    Ok(Json(ListPage {
        items: page
            .items
            .iter()
            .map(|r| serde_json::to_value(r).unwrap_or_default())
            .collect(),
        next_after_id: page.next_after_id,
    }))
}

/// 发起核查.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    /// 只核查这一状态的备案（备案状态代码，如 `rectification`）；省略则核查全部备案.
    pub status: Option<String>,
    /// 只重新核查该批次中有“无法判断”项的备案；不能与 status 同时给出.
    pub inconclusive_of: Option<i64>,
}

/// A run just started: its jobs are being queued.
#[derive(Serialize, ToSchema)]
pub struct StartedRun {
    /// The run's id (`GET /api/v1/runs` shows its progress).
    pub id: i64,
    /// `sweep`, or `retry` for a run of the filings another left undecided.
    pub kind: String,
    /// How many filings it will check.
    pub total: i64,
}

/// Starts a verification run: every filing, those of one status, or those an earlier run
/// left undecided. Answers at once with the run; its jobs are queued in the background and
/// done by `beian worker`.
#[utoipa::path(post, path = "/api/v1/runs", tag = "ops", security(("bearer" = []), ("session" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "幂等键")),
    request_body = NewRun,
    responses((status = 202, body = StartedRun), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_run(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewRun>,
) -> Result<(StatusCode, Json<StartedRun>), ApiError> {
    caller.require_staff()?;
    caller.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let (kind, of) = match (body.status, body.inconclusive_of) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "status 与 inconclusive_of 只能给出一个",
            ));
        }
        (Some(status), None) => {
            if !beian_store::FILING_STATUSES.contains(&status.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "未知的备案状态“{status}”：可用 {}",
                    beian_store::FILING_STATUSES.join("、")
                )));
            }
            (
                "sweep",
                RunOf::Filings {
                    status: Some(status),
                },
            )
        }
        (None, Some(earlier)) => {
            if state
                .store
                .run(earlier)
                .await
                .map_err(store_error)?
                .is_none()
            {
                return Err(ApiError::not_found());
            }
            (beian_service::RETRY_RUN, RunOf::InconclusiveIn(earlier))
        }
        (None, None) => ("sweep", RunOf::all()),
    };
    let planned = start_run_in_background(&state, &caller.actor(), kind, of).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(StartedRun {
            id: planned.id,
            kind: kind.to_owned(),
            total: planned.total,
        }),
    ))
}

/// Creates and counts a run now, and queues its jobs in a task: queueing a million
/// filings takes tens of seconds, and the run shows its progress from the start.
pub(crate) async fn start_run_in_background(
    state: &AppState,
    actor: &beian_store::Actor,
    kind: &str,
    of: RunOf,
) -> Result<PlannedRun, ApiError> {
    let now = Utc::now();
    let planned = beian_service::plan_run(&state.store, actor, kind, of, Spread::Now, now)
        .await
        .map_err(crate::glue::service_error)?;
    let store = state.store.clone();
    let run = planned.clone();
    let label = actor.label.clone();
    tokio::spawn(async move {
        match beian_service::queue_run(&store, &run, now).await {
            Ok(queued) => tracing::info!(actor = label, run_id = run.id, queued, "run started"),
            Err(error) => {
                tracing::error!(actor = label, run_id = run.id, %error, "run's jobs could not be queued");
            }
        }
    });
    Ok(planned)
}

#[derive(Deserialize, IntoParams)]
pub struct ExportParams {
    /// 整改单状态代码，多个以逗号分隔（如 `overdue,enforcement_pending,access_cancelled`），省略为全部.
    pub status: Option<String>,
}

impl ExportParams {
    /// The orders an export lists: every order, or those in the states named. A list of
    /// states lets a console page export exactly what it shows (the 处置与取消接入 page
    /// shows four).
    fn query(&self) -> Result<OrderQuery, ApiError> {
        let mut q = OrderQuery::new(Scope::All, 1000);
        let named = self.status.as_deref().unwrap_or("").split(',');
        for s in named.map(str::trim).filter(|s| !s.is_empty()) {
            if !beian_store::ORDER_STATES.contains(&s) {
                return Err(ApiError::bad_request(format!(
                    "status“{s}”不是有效的整改单状态"
                )));
            }
            if !q.states.iter().any(|known| known == s) {
                q.states.push(s.to_string());
            }
        }
        Ok(q)
    }
}

/// 整改单导出行 — one order as the console's exports show it: the columns of the order
/// lists, one definition for the CSV and the XLSX so that both files of a list agree.
pub struct OrderExportRow([String; 7]);

impl OrderExportRow {
    fn new(o: &beian_store::Order) -> Self {
        OrderExportRow([
            o.id.to_string(),
            o.filing_number.clone(),
            o.entity_name.clone(),
            present::order_state_label(&o.state).to_string(),
            crate::views::beijing(o.deadline_at),
            present::extension_label(&o.extension_state).to_string(),
            crate::views::beijing(o.created_at),
        ])
    }
}

impl beian_io::Table for OrderExportRow {
    fn headers() -> Vec<&'static str> {
        vec![
            "整改单",
            "主体备案号",
            "主办单位名称",
            "状态",
            "整改期限",
            "延期",
            "下发时间",
        ]
    }

    /// No column is a personal number, but a name is free text: masked, an ID or mobile
    /// number typed into it does not leave in a spreadsheet.
    fn cells(&self, privacy: Privacy) -> Vec<String> {
        self.0
            .iter()
            .map(|c| match privacy {
                Privacy::Masked => beian_io::scrub_text(c),
                Privacy::Unmasked => c.clone(),
            })
            .collect()
    }
}

/// Every order an export lists, page by page.
async fn export_rows(state: &AppState, p: &ExportParams) -> Result<Vec<OrderExportRow>, ApiError> {
    let mut q = p.query()?;
    let mut rows = Vec::new();
    loop {
        let page = state.store.list_orders(&q).await.map_err(store_error)?;
        rows.extend(page.items.iter().map(OrderExportRow::new));
        match page.next_after_id {
            Some(a) => q.after_id = Some(a),
            None => break,
        }
    }
    Ok(rows)
}

/// CSV of orders (staff), e.g. `status=access_cancelled` for the 取消接入 list.
#[utoipa::path(get, path = "/api/v1/exports/orders.csv", tag = "ops", security(("bearer" = []), ("session" = [])), params(ExportParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn export_orders(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    caller.require_staff()?;
    let rows = export_rows(&state, &p).await?;
    let mut export = beian_io::CsvExport::<_, OrderExportRow>::new(Vec::new(), Privacy::Masked)
        .map_err(ApiError::internal)?;
    for row in &rows {
        export.write(row).map_err(ApiError::internal)?;
    }
    let csv = export.finish().map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"orders.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// The content type of an XLSX workbook.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// XLSX 工作簿.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct XlsxFile(pub Vec<u8>);

/// XLSX of orders (staff), the same rows and columns as the CSV, personal numbers masked;
/// e.g. `status=access_cancelled` for the 取消接入 list.
#[utoipa::path(get, path = "/api/v1/exports/orders.xlsx", tag = "ops", security(("bearer" = []), ("session" = [])), params(ExportParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn export_orders_xlsx(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    caller.require_staff()?;
    let rows = export_rows(&state, &p).await?;
    // The writer keeps its rows in a temporary file: blocking IO, off the async workers.
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let mut export = XlsxExport::<OrderExportRow>::new("整改单", Privacy::Masked)
            .map_err(|e| e.to_string())?;
        for row in &rows {
            export.write(row).map_err(|e| e.to_string())?;
        }
        let mut out = std::io::Cursor::new(Vec::new());
        export.save_to_writer(&mut out).map_err(|e| e.to_string())?;
        Ok(out.into_inner())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_CONTENT_TYPE),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"orders.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Runs a self-check for an anonymous or logged-in visitor, rate-limited per address.
pub async fn run_selfcheck(
    state: &AppState,
    peer: SocketAddr,
    req: &SelfCheckRequest,
) -> Result<SelfCheckResult, ApiError> {
    if let Err(wait) = state
        .selfcheck_limiter
        .hit(&peer.ip().to_string(), Instant::now())
    {
        return Err(ApiError::rate_limited(wait.as_secs().max(1)));
    }
    // Bad input is answered as such whether or not the engine is on.
    req.facts()
        .and_then(|facts| facts.filing())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let engine = state.engine.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "engine_unavailable",
            "本服务未启用联网核查",
        )
    })?;
    crate::selfcheck::run(engine, req, crate::today_in_china())
        .await
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

/// The result as the page shows it.
pub fn selfcheck_view(r: &SelfCheckResult) -> Value {
    let findings: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let status = f["status"].as_str().unwrap_or("");
            let mut v = f.clone();
            v["status_label"] = json!(match status {
                "pass" => "通过",
                "warn" => "提示",
                "fail" => "不通过",
                _ => "无法判断",
            });
            v["evidence"] = json!(present::evidence(&f["evidence"]));
            v
        })
        .collect();
    json!({"domain": r.domain, "failed": r.failed, "inconclusive": r.inconclusive, "findings": findings, "not_judged": r.not_judged})
}

/// 网站自查 (public, rate-limited): the live site checks for one domain.
#[utoipa::path(post, path = "/api/v1/selfcheck", tag = "public", request_body = SelfCheckRequest,
    responses((status = 200, body = SelfCheckResult), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn selfcheck(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    _caller: MaybeCaller,
    ApiJson(req): ApiJson<SelfCheckRequest>,
) -> Result<Json<SelfCheckResult>, ApiError> {
    run_selfcheck(&state, peer, &req).await.map(Json)
}

#[derive(Deserialize, IntoParams)]
pub struct FooterParams {
    /// ICP 备案号.
    pub icp: String,
    /// 公安联网备案号（可选）.
    pub police: Option<String>,
}

/// 页脚代码 (public): the footer HTML for an ICP number and an optional 公安 number.
#[utoipa::path(get, path = "/api/v1/footer-snippet", tag = "public", params(FooterParams),
    responses((status = 200, body = crate::footer::FooterSnippet), (status = 400, body = ErrorBody)))]
async fn footer_snippet(
    ApiQuery(p): ApiQuery<FooterParams>,
) -> Result<Json<crate::footer::FooterSnippet>, ApiError> {
    crate::footer::snippet(&p.icp, p.police.as_deref())
        .map(Json)
        .map_err(|e| ApiError::bad_request(e.to_string()))
}
