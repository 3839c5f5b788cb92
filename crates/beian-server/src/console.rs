//! 客户控制台 — the customer's pages: 备案信息, the entity page, 查看详情, the change
//! forms, re-check, extension and appeal, the inbox and the footer snippet; plus login,
//! logout and the public self-check.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use beian_domain::workflow::{
    Attachment, ChangeKind, ChangeRequest, Event, FieldChange, OrderState,
};
use beian_store::{FilingQuery, Role, Scope};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::attachments::{self, UPLOAD_BODY_LIMIT};
use crate::auth::{self, Caller, MaybeCaller};
use crate::error::ApiError;
use crate::glue::{self, store_error};
use crate::page::{
    self, PageError, PageResult, base_ctx, flash, form_get, form_pairs, render, with,
};
use crate::present;
use crate::secrets;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/console", get(filings))
        .route("/console/filings/{id}", get(entity))
        .route("/console/orders/{id}", get(order))
        .route("/console/orders/{id}/items/{pos}", get(item))
        // The two forms that take files get a body limit of their own, just above what
        // the upload rules allow; every other route keeps the application's.
        .route(
            "/console/orders/{id}/change",
            get(change_form)
                .post(change_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/console/orders/{id}/recheck",
            post(recheck).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/console/orders/{id}/attachments/{sha256}", get(attachment))
        .route("/console/orders/{id}/extension", post(extension))
        .route("/console/orders/{id}/appeal", post(appeal))
        .route("/console/inbox", get(inbox))
        .route("/console/inbox/{id}/read", post(inbox_read))
        .route("/console/footer", get(footer))
        .route("/selfcheck", get(selfcheck_page).post(selfcheck_run))
}

/// The caller of a console page, or the login redirect.
fn customer(caller: MaybeCaller, next: &str) -> Result<Caller, Box<Response>> {
    match caller.0 {
        Some(c) if c.account.role == Role::Customer => Ok(c),
        Some(_) => Err(Box::new(Redirect::to("/ops").into_response())),
        None => Err(Box::new(page::login_redirect(next))),
    }
}

macro_rules! need_customer {
    ($caller:expr, $next:expr) => {
        match customer($caller, $next) {
            Ok(c) => c,
            Err(resp) => return Ok(*resp),
        }
    };
}

async fn home(caller: MaybeCaller) -> Response {
    match caller.0 {
        Some(c) if c.is_staff() => Redirect::to("/ops").into_response(),
        Some(_) => Redirect::to("/console").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

fn login_view(error: Option<&str>, login: &str, next: &str, status: StatusCode) -> PageResult {
    let token = secrets::random_token();
    let html = crate::views::VIEWS.render(
        "login.html",
        minijinja::Value::from(minijinja::value::Serde(json!({
            "csrf": token, "error": error, "login": login, "next": next,
        }))),
    )?;
    let mut resp = (status, html).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(auth::LOGIN_CSRF_COOKIE, &token, 3600, false)
            .parse()
            .expect("cookie header"),
    );
    Ok(resp)
}

async fn login_page(Query(q): Query<NextQuery>) -> PageResult {
    login_view(None, "", &safe_next(q.next.as_deref()), StatusCode::OK)
}

async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let form = form_pairs(&body);
    let login = form_get(&form, "login").unwrap_or("").trim().to_string();
    let password = form_get(&form, "password").unwrap_or("");
    let next = safe_next(form_get(&form, "next"));
    let cookie = auth::cookie(&headers, auth::LOGIN_CSRF_COOKIE).unwrap_or_default();
    if cookie.is_empty()
        || !secrets::constant_time_eq(&cookie, form_get(&form, "csrf").unwrap_or(""))
    {
        return login_view(
            Some("表单已失效，请重新登录"),
            &login,
            &next,
            StatusCode::FORBIDDEN,
        );
    }
    if let Err(wait) = state
        .login_limiter
        .hit(&peer.ip().to_string(), Instant::now())
    {
        let msg = format!("登录尝试过于频繁，请 {} 秒后再试", wait.as_secs().max(1));
        return login_view(Some(&msg), &login, &next, StatusCode::TOO_MANY_REQUESTS);
    }
    match crate::api::authenticate(&state, &login, password).await? {
        None => {
            tracing::info!(login = %login, "login failed");
            login_view(
                Some("账号或密码错误"),
                &login,
                &next,
                StatusCode::UNAUTHORIZED,
            )
        }
        Some(account) => {
            let token = secrets::random_token();
            let now = Utc::now();
            state
                .store
                .create_session(
                    &secrets::sha256_hex(token.as_bytes()),
                    account.id,
                    now + chrono::Duration::hours(12),
                    now,
                )
                .await
                .map_err(store_error)?;
            tracing::info!(account = account.id, "login");
            let target = if next != "/" {
                next
            } else if account.role == Role::Customer {
                "/console".to_string()
            } else {
                "/ops".to_string()
            };
            let mut resp = Redirect::to(&target).into_response();
            resp.headers_mut().append(
                header::SET_COOKIE,
                auth::set_cookie(
                    auth::SESSION_COOKIE,
                    &token,
                    12 * 3600,
                    state.config.secure_cookies,
                )
                .parse()
                .expect("cookie header"),
            );
            Ok(resp)
        }
    }
}

async fn logout(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    body: Bytes,
) -> PageResult {
    if let Some(c) = caller.0 {
        c.check_csrf(form_get(&form_pairs(&body), "csrf"))?;
        if let auth::Credential::Session(token) = &c.credential {
            state
                .store
                .delete_session(&secrets::sha256_hex(token.as_bytes()))
                .await
                .map_err(store_error)?;
        }
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(auth::SESSION_COOKIE, "", 0, state.config.secure_cookies)
            .parse()
            .expect("cookie header"),
    );
    Ok(resp)
}

/// The nav badge counts of a customer.
async fn customer_ctx(
    state: &AppState,
    c: &Caller,
    nav: &str,
    title: &str,
) -> Result<Value, PageError> {
    let mut ctx = base_ctx(c, nav, title);
    if let Some(customer) = c.customer_id() {
        let unread = state
            .store
            .unread_count(customer)
            .await
            .map_err(store_error)?;
        ctx["user"]["unread"] = json!(unread);
    }
    Ok(ctx)
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    after: Option<i64>,
    msg: Option<String>,
}

async fn filings(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let c = need_customer!(caller, "/console");
    let status = q
        .status
        .filter(|s| beian_store::FILING_STATUSES.contains(&s.as_str()));
    let page = state
        .store
        .list_filings(&FilingQuery {
            scope: c.scope(),
            status: status.clone(),
            after_id: q.after,
            limit: 50,
        })
        .await
        .map_err(store_error)?;
    let mut rows = Vec::new();
    let mut rectifying = 0;
    for f in &page.items {
        let mut row = present::filing(f);
        let sites = state
            .store
            .sites(c.scope(), f.id)
            .await
            .map_err(store_error)?;
        row["sites"] = json!(sites.iter().map(present::site).collect::<Vec<_>>());
        let open = state
            .store
            .open_order_for_filing(c.scope(), f.id)
            .await
            .map_err(store_error)?;
        row["order"] = open.as_ref().map(present::order).unwrap_or(Value::Null);
        if f.status == "rectification" {
            rectifying += 1;
        }
        rows.push(row);
    }
    let statuses: Vec<Value> = beian_store::FILING_STATUSES
        .iter()
        .map(|s| json!({"code": s, "label": present::filing_status_label(s)}))
        .collect();
    let ctx = customer_ctx(&state, &c, "filings", "备案信息").await?;
    render(
        "filings.html",
        with(
            ctx,
            json!({
                "filings": rows,
                "statuses": statuses,
                "status": status,
                "rectifying": rectifying,
                "flash": flash(q.msg.as_deref()),
                "next_url": page.next_after_id.map(|a| format!("/console?after={a}{}", status.as_ref().map(|s| format!("&status={s}")).unwrap_or_default())),
                "prev_url": q.after.map(|_| "/console".to_string()),
            }),
        ),
    )
}

async fn entity(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
) -> PageResult {
    let c = need_customer!(caller, &format!("/console/filings/{id}"));
    let scope = c.scope();
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
    let items = match &order {
        Some(o) => state
            .store
            .order_items(scope, o.id)
            .await
            .map_err(store_error)?,
        None => Vec::new(),
    };
    let sites: Vec<Value> = sites
        .iter()
        .map(|s| {
            let mut v = present::site(s);
            v["items"] = json!(
                items
                    .iter()
                    .filter(|i| i.target.get("index").and_then(Value::as_i64) == Some(s.position))
                    .count()
            );
            v
        })
        .collect();
    let mut order_v = order.as_ref().map(present::order).unwrap_or(Value::Null);
    if order.is_some() {
        order_v["items"] = json!(items.iter().map(present::item).collect::<Vec<_>>());
    }
    let ctx = customer_ctx(&state, &c, "filings", &filing.entity_name).await?;
    render(
        "entity.html",
        with(
            ctx,
            json!({
                "filing": present::filing(&filing),
                "entity_rows": body.as_ref().map(|b| present::entity_rows(b, false)).unwrap_or_default(),
                "sites": sites,
                "order": order_v,
                "recovery": present::recovery(&filing.status),
            }),
        ),
    )
}

/// The order page's data, shared by the customer's and the operator's views.
pub async fn order_data(
    state: &AppState,
    scope: Scope,
    id: i64,
    staff: bool,
) -> Result<Value, PageError> {
    let order = state
        .store
        .order(scope, id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let items = state
        .store
        .order_items(scope, id)
        .await
        .map_err(store_error)?;
    let changes = state
        .store
        .change_requests(scope, id)
        .await
        .map_err(store_error)?;
    let audit = state
        .store
        .audit_for(scope, &format!("order:{id}"))
        .await
        .map_err(store_error)?;
    let requests = state
        .store
        .order_requests(scope, id)
        .await
        .map_err(store_error)?;
    let mut o = present::order(&order);
    let st = OrderState::parse(&order.state).ok();
    o["state_hint"] = json!(match st {
        Some(OrderState::Issued) => "请查看各项不通过原因，按解决措施修改后提交审核或申请复查。",
        Some(OrderState::Submitted) => "整改申请已提交，等待审核员审核。",
        Some(OrderState::Returned) => "整改申请被退回，请按审核意见修改后重新提交。",
        Some(OrderState::MiitReview) => "变更已报送管局审核，管局通过后将自动复查。",
        Some(OrderState::Rechecking) => "正在复查，复查通过后备案状态恢复为「正常」。",
        Some(OrderState::RecheckFailed) => "复查仍未通过，请继续整改，或对复查结果提出申诉。",
        Some(OrderState::Appealed) => "申诉已提交，等待审核员处理。",
        Some(OrderState::Resolved) => "整改已完成。",
        Some(OrderState::Overdue) => "整改已逾期，网站可能被取消接入，请尽快完成整改。",
        Some(OrderState::EnforcementPending) => "整改已逾期，等待服务商处置。",
        Some(OrderState::AccessCancelled) => "网站已被取消接入。完成整改后可申请恢复。",
        _ => "",
    });
    let deferred = if st == Some(OrderState::Rechecking) {
        beian_service::worker::deferred_recheck(&state.store, order.filing_id)
            .await
            .map_err(glue::service_error)?
    } else {
        None
    };
    if let Some(deferred) = deferred {
        o["state_hint"] = json!(format!(
            "复查已连续 {} 次未能得出结论（网站或核验数据源没有应答），整改单保持「复查中」；下一次复查约在 {}（北京时间）。数据源恢复应答后即按结果处理，无需重新申请。",
            deferred.undecided,
            crate::views::beijing(deferred.due)
        ));
    }
    Ok(json!({
        "order": o,
        "order_raw_state": order.state,
        "items": items.iter().map(present::item).collect::<Vec<_>>(),
        "change_requests": changes.iter().rev().map(present::change_request).collect::<Vec<_>>(),
        "timeline": present::timeline(&audit, staff),
        "extension": requests.iter().find(|r| r.kind == "extension").map(|r| json!({"days": r.days, "reason": r.reason, "state": r.state})),
        "appeal": requests.iter().rev().find(|r| r.kind == "appeal" && r.state == "pending").map(|r| json!({"reason": r.reason})),
        "can_act": st.is_some_and(|s| s.customer_must_act()),
        // In 复查中 after re-checks that could not decide: how many, and when the next is due.
        "deferred_recheck": deferred,
    }))
}

#[derive(Deserialize)]
struct MsgQuery {
    msg: Option<String>,
}

async fn order(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> PageResult {
    let c = need_customer!(caller, &format!("/console/orders/{id}"));
    let data = order_data(&state, c.scope(), id, false).await?;
    let items = data["items"].as_array().cloned().unwrap_or_default();
    let mut kinds: Vec<&str> = items
        .iter()
        .flat_map(|i| i["actions"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| {
            a["kind"].as_str().and_then(|k| {
                [
                    "change_filing",
                    "change_website",
                    "cancel_website",
                    "cancel_entity",
                ]
                .into_iter()
                .find(|x| *x == k)
            })
        })
        .collect();
    for k in [
        "change_filing",
        "change_website",
        "cancel_website",
        "cancel_entity",
    ] {
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    let change_actions: Vec<Value> = kinds
        .iter()
        .map(|k| json!({"kind": k, "label": present::change_kind_label(k)}))
        .collect();
    let ctx = customer_ctx(&state, &c, "filings", &format!("整改单 #{id}")).await?;
    render(
        "customer_order.html",
        with(
            with(ctx, data),
            json!({
                "base": "/console",
                "back_url": "/console",
                "back_label": "备案信息",
                "change_actions": change_actions,
                "max_extension": state.config.policy.max_extension_days,
                "max_files": beian_service::attachments::MAX_ATTACHMENTS,
                "max_mb": beian_service::attachments::MAX_ATTACHMENT_BYTES / (1024 * 1024),
                "flash": flash(q.msg.as_deref()),
            }),
        ),
    )
}

async fn item(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path((id, pos)): Path<(i64, i64)>,
) -> PageResult {
    let c = need_customer!(caller, &format!("/console/orders/{id}/items/{pos}"));
    let data = order_data(&state, c.scope(), id, false).await?;
    let item = data["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["position"] == json!(pos)).cloned())
        .ok_or_else(ApiError::not_found)?;
    let ctx = customer_ctx(&state, &c, "filings", "查看详情").await?;
    render(
        "item.html",
        with(
            ctx,
            json!({
                "base": "/console",
                "back_label": "备案信息",
                "order": data["order"],
                "item": item,
                "can_act": data["can_act"],
            }),
        ),
    )
}

/// The editable fields of each change kind.
fn change_fields(
    kind: ChangeKind,
    filing: Option<&beian_domain::Filing>,
    site: usize,
) -> Vec<Value> {
    let Some(f) = filing else { return Vec::new() };
    let e = &f.entity;
    match kind {
        ChangeKind::ChangeFiling => {
            let mut fields = vec![
                json!({"path": "entity.name", "label": "主办单位名称", "value": e.name}),
                json!({"path": "entity.legal_representative", "label": "法定代表人", "value": e.legal_representative}),
                json!({"path": "entity.address", "label": "证件住所", "value": e.address}),
                json!({"path": "entity.principal.name", "label": "负责人姓名", "value": e.principal.name}),
                json!({"path": "entity.principal.id_number", "label": "负责人证件号码", "value": "", "hint": "留空表示不变", "placeholder": beian_domain::pii::mask_id_number(&e.principal.id_number)}),
                json!({"path": "entity.principal.mobile", "label": "负责人手机号码", "value": "", "hint": "留空表示不变", "placeholder": beian_domain::pii::mask_phone(&e.principal.mobile)}),
            ];
            if let Some(w) = f.websites.get(site) {
                fields.push(json!({"path": format!("websites[{site}].name"), "label": "网站名称", "value": w.name}));
                fields.push(json!({"path": format!("websites[{site}].content_description"), "label": "网站内容描述", "value": w.content_description}));
            }
            fields
        }
        ChangeKind::ChangeWebsite => f
            .websites
            .get(site)
            .map(|w| {
                vec![
                    json!({"path": format!("websites[{site}].name"), "label": "网站名称", "value": w.name}),
                    json!({"path": format!("websites[{site}].domains"), "label": "网站域名", "value": w.domains.join(","), "hint": "多个域名用逗号分隔"}),
                    json!({"path": format!("websites[{site}].ips"), "label": "接入IP", "value": w.ips.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","), "hint": "多个地址用逗号分隔"}),
                ]
            })
            .unwrap_or_default(),
        ChangeKind::CancelWebsite | ChangeKind::CancelEntity => Vec::new(),
    }
}

fn parse_kind(s: &str) -> Option<ChangeKind> {
    present::parse_change(s)
}

#[derive(Deserialize)]
struct KindQuery {
    kind: Option<String>,
    site: Option<usize>,
}

async fn change_form(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    Query(q): Query<KindQuery>,
) -> PageResult {
    let c = need_customer!(caller, &format!("/console/orders/{id}"));
    let kind = q
        .kind
        .as_deref()
        .and_then(parse_kind)
        .unwrap_or(ChangeKind::ChangeFiling);
    change_page(&state, &c, id, kind, q.site.unwrap_or(0), None).await
}

/// What the customer sent when a submission is shown again: the reason it was refused,
/// the values typed and the note.
struct Resubmit<'a> {
    error: String,
    pairs: &'a [(String, String)],
}

/// The change form; with `resubmit`, shown again over a refused submission, keeping what
/// the customer typed (personal numbers aside: those fields start empty, as always).
async fn change_page(
    state: &AppState,
    c: &Caller,
    id: i64,
    kind: ChangeKind,
    site: usize,
    resubmit: Option<Resubmit<'_>>,
) -> PageResult {
    let scope = c.scope();
    let order = state
        .store
        .order(scope, id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let body = state
        .store
        .filing_body(scope, order.filing_id)
        .await
        .map_err(store_error)?;
    let sites = state
        .store
        .sites(scope, order.filing_id)
        .await
        .map_err(store_error)?;
    let hint = match kind {
        ChangeKind::ChangeFiling => {
            "修改主体和负责人信息。只需修改需要变更的字段；证件号码和手机号码留空表示不变。"
        }
        ChangeKind::ChangeWebsite => {
            "修改网站名称、域名或接入IP，例如删去不再使用的域名，或把网站名称改为与首页标题一致。"
        }
        ChangeKind::CancelWebsite => "注销所选网站的备案。注销后该网站不能再使用本备案号提供服务。",
        ChangeKind::CancelEntity => "注销整个主体的备案，主体下的全部网站备案一并注销。",
    };
    let mut fields = change_fields(kind, body.as_ref(), site);
    let mut note = String::new();
    let mut error = None;
    let mut status = StatusCode::OK;
    if let Some(r) = resubmit {
        let typed: Vec<(&String, &String)> = r
            .pairs
            .iter()
            .filter(|(k, _)| k == "path")
            .map(|(_, v)| v)
            .zip(r.pairs.iter().filter(|(k, _)| k == "value").map(|(_, v)| v))
            .collect();
        let mut personal_typed = false;
        for f in &mut fields {
            let path = f["path"].as_str().unwrap_or("").to_owned();
            let Some((_, value)) = typed.iter().find(|(p, _)| **p == path) else {
                continue;
            };
            if glue::personal_kind(&path).is_some() {
                personal_typed |= !value.trim().is_empty();
            } else {
                f["value"] = json!(value);
            }
        }
        note = form_get(r.pairs, "note").unwrap_or("").to_owned();
        error = Some(if personal_typed {
            format!(
                "{}。填写过的证件号码和手机号码不会回显，请重新填写",
                r.error
            )
        } else {
            r.error
        });
        status = StatusCode::BAD_REQUEST;
    }
    let ctx = customer_ctx(
        state,
        c,
        "filings",
        present::change_kind_label(present::change_code(kind)),
    )
    .await?;
    let mut resp = render(
        "change.html",
        with(
            ctx,
            json!({
                "order": present::order(&order),
                "kind": present::change_code(kind),
                "kind_label": present::change_kind_label(present::change_code(kind)),
                "kind_hint": hint,
                "cancellation": kind.is_cancellation(),
                "sites": if kind != ChangeKind::CancelEntity { sites.iter().map(present::site).collect::<Vec<_>>() } else { Vec::new() },
                "fields": fields,
                "site": site,
                "note": note,
                "error": error,
                "max_files": beian_service::attachments::MAX_ATTACHMENTS,
                "max_mb": beian_service::attachments::MAX_ATTACHMENT_BYTES / (1024 * 1024),
            }),
        ),
    )?;
    *resp.status_mut() = status;
    Ok(resp)
}

fn ctx_for<'a>(state: &'a AppState, c: &Caller) -> glue::Ctx<'a> {
    glue::Ctx {
        store: &state.store,
        policy: &state.config.policy,
        calendar: &state.calendar,
        scope: c.scope(),
        actor: c.actor(),
        workflow_actor: c.workflow_actor(),
        now: Utc::now(),
    }
}

/// Builds the change request from the form: only fields whose value differs from the
/// filed one are changes.
pub fn build_change(
    kind: ChangeKind,
    filing: Option<&beian_domain::Filing>,
    site: usize,
    pairs: &[(String, String)],
    note: String,
    attachments: Vec<Attachment>,
) -> ChangeRequest {
    let current: Vec<Value> = change_fields(kind, filing, site);
    let paths = pairs
        .iter()
        .filter(|(k, _)| k == "path")
        .map(|(_, v)| v.clone());
    let values = pairs
        .iter()
        .filter(|(k, _)| k == "value")
        .map(|(_, v)| v.trim().to_string());
    let mut fields = Vec::new();
    for (path, value) in paths.zip(values) {
        let Some(cur) = current.iter().find(|f| f["path"] == json!(path)) else {
            continue;
        };
        let old = cur["value"]
            .as_str()
            .map(str::to_string)
            .filter(|s| !s.is_empty());
        let personal = glue::personal_kind(&path).is_some();
        if value.is_empty() && personal {
            continue;
        }
        if old.as_deref() == Some(value.as_str()) {
            continue;
        }
        let old = if personal {
            let b = filing.map(|f| &f.entity.principal);
            b.map(|p| {
                if path.contains("mobile") {
                    p.mobile.clone()
                } else {
                    p.id_number.clone()
                }
            })
        } else {
            old
        };
        fields.push(FieldChange {
            path,
            old,
            new: (!value.is_empty()).then_some(value),
        });
    }
    if matches!(kind, ChangeKind::CancelWebsite) {
        let name = filing
            .and_then(|f| f.websites.get(site))
            .map(|w| w.name.clone());
        fields.push(FieldChange {
            path: format!("websites[{site}]"),
            old: name,
            new: None,
        });
    }
    ChangeRequest {
        kind,
        fields,
        attachments,
        note,
    }
}

async fn change_submit(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let c = need_customer!(caller, &format!("/console/orders/{id}"));
    let up = attachments::read_form(mp).await?;
    c.check_csrf(form_get(&up.fields, "csrf"))?;
    let kind = form_get(&up.fields, "kind")
        .and_then(parse_kind)
        .ok_or_else(|| ApiError::bad_request("未知的整改申请类型"))?;
    let site: usize = form_get(&up.fields, "site")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if let Some(refusal) = up.refusal {
        let resubmit = Resubmit {
            error: refusal.to_string(),
            pairs: &up.fields,
        };
        return change_page(&state, &c, id, kind, site, Some(resubmit)).await;
    }
    let order = state
        .store
        .order(c.scope(), id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let body = state
        .store
        .filing_body(c.scope(), order.filing_id)
        .await
        .map_err(store_error)?;
    let note = form_get(&up.fields, "note")
        .unwrap_or("")
        .trim()
        .to_string();
    let ctx = ctx_for(&state, &c);
    let kept = beian_service::attachments::keep(&state.store, c.scope(), id, &up.files, ctx.now)
        .await
        .map_err(store_error)?;
    let change = build_change(kind, body.as_ref(), site, &up.fields, note, kept);
    match glue::apply_event(&ctx, id, Event::Submit(change)).await {
        Ok(_) => Ok(Redirect::to(&format!("/console/orders/{id}?msg=submitted")).into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            Err(PageError(e))
        }
        Err(e) => Err(PageError(e)),
    }
}

async fn recheck(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let c = need_customer!(caller, &format!("/console/orders/{id}"));
    let up = attachments::read_form(mp).await?;
    c.check_csrf(form_get(&up.fields, "csrf"))?;
    if let Some(refusal) = up.refusal {
        return Err(ApiError::bad_request(refusal.to_string()).into());
    }
    let evidence = form_get(&up.fields, "evidence")
        .unwrap_or("")
        .trim()
        .to_string();
    // Only the owner's order may have documents stored for it.
    state
        .store
        .order(c.scope(), id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let ctx = ctx_for(&state, &c);
    let kept = beian_service::attachments::keep(&state.store, c.scope(), id, &up.files, ctx.now)
        .await
        .map_err(store_error)?;
    glue::apply_event(
        &ctx,
        id,
        Event::RequestRecheck {
            evidence,
            attachments: kept,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/console/orders/{id}?msg=recheck")).into_response())
}

/// 下载附件: a document a change request of the customer's own order lists, or one
/// uploaded for that order (a re-check's documents); another customer's order, or a
/// document neither lists nor was uploaded for it, is not found.
async fn attachment(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path((id, sha256)): Path<(i64, String)>,
) -> PageResult {
    let c = need_customer!(caller, &format!("/console/orders/{id}"));
    if !attachments::is_sha256(&sha256) {
        return Err(ApiError::not_found().into());
    }
    let file = state
        .store
        .attachment(c.scope(), id, &sha256)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    Ok(attachments::download(file))
}

async fn extension(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let c = need_customer!(caller, &format!("/console/orders/{id}"));
    let form = form_pairs(&body);
    c.check_csrf(form_get(&form, "csrf"))?;
    let days: u32 = form_get(&form, "days")
        .and_then(|d| d.trim().parse().ok())
        .ok_or_else(|| ApiError::bad_request("延期天数须为正整数"))?;
    let reason = form_get(&form, "reason").unwrap_or("").trim().to_string();
    glue::apply_event(
        &ctx_for(&state, &c),
        id,
        Event::RequestExtension {
            working_days: days,
            reason,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/console/orders/{id}?msg=extension")).into_response())
}

async fn appeal(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let c = need_customer!(caller, &format!("/console/orders/{id}"));
    let form = form_pairs(&body);
    c.check_csrf(form_get(&form, "csrf"))?;
    let reason = form_get(&form, "reason").unwrap_or("").trim().to_string();
    glue::apply_event(&ctx_for(&state, &c), id, Event::Appeal { reason }).await?;
    Ok(Redirect::to(&format!("/console/orders/{id}?msg=appeal")).into_response())
}

async fn inbox(State(state): State<Arc<AppState>>, caller: MaybeCaller) -> PageResult {
    let c = need_customer!(caller, "/console/inbox");
    let customer = c.customer_id().ok_or_else(ApiError::forbidden)?;
    let page = state
        .store
        .inbox(customer, false, None, 100)
        .await
        .map_err(store_error)?;
    let ctx = customer_ctx(&state, &c, "inbox", "站内信").await?;
    render(
        "inbox.html",
        with(
            ctx,
            json!({"messages": page.items.iter().map(present::inbox).collect::<Vec<_>>()}),
        ),
    )
}

async fn inbox_read(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let c = need_customer!(caller, "/console/inbox");
    c.check_csrf(form_get(&form_pairs(&body), "csrf"))?;
    let customer = c.customer_id().ok_or_else(ApiError::forbidden)?;
    if !state
        .store
        .mark_inbox_read(customer, id, Utc::now())
        .await
        .map_err(store_error)?
    {
        return Err(ApiError::not_found().into());
    }
    Ok(Redirect::to("/console/inbox").into_response())
}

#[derive(Deserialize, Default)]
struct FooterQuery {
    icp: Option<String>,
    police: Option<String>,
}

async fn footer(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Query(q): Query<FooterQuery>,
) -> PageResult {
    let c = need_customer!(caller, "/console/footer");
    let page = state
        .store
        .list_filings(&FilingQuery {
            scope: c.scope(),
            status: None,
            after_id: None,
            limit: 200,
        })
        .await
        .map_err(store_error)?;
    let mut numbers = Vec::new();
    for f in &page.items {
        numbers.push(f.filing_number.clone());
        for s in state
            .store
            .sites(c.scope(), f.id)
            .await
            .map_err(store_error)?
        {
            if let Some(n) = s.site_number {
                numbers.push(n);
            }
        }
    }
    let (snippet, error) = match q.icp.as_deref().filter(|s| !s.trim().is_empty()) {
        None => (None, None),
        Some(icp) => match crate::footer::snippet(icp, q.police.as_deref()) {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.to_string())),
        },
    };
    let ctx = customer_ctx(&state, &c, "footer", "页脚代码生成").await?;
    render(
        "footer.html",
        with(
            ctx,
            json!({
                "action": "/console/footer",
                "numbers": numbers,
                "form": {"icp": q.icp, "police": q.police},
                "snippet": snippet,
                "error": error,
            }),
        ),
    )
}

fn public_ctx(caller: &MaybeCaller) -> Value {
    match &caller.0 {
        Some(c) => base_ctx(c, "selfcheck", "网站自查"),
        None => json!({"nav": "selfcheck", "title": "网站自查", "csrf": ""}),
    }
}

async fn selfcheck_page(State(state): State<Arc<AppState>>, caller: MaybeCaller) -> PageResult {
    render(
        "selfcheck.html",
        with(
            public_ctx(&caller),
            json!({
                "limit": state.config.selfcheck_per_minute,
                "form": {"domain": "", "filing_number": "", "site_name": ""},
            }),
        ),
    )
}

async fn selfcheck_run(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> PageResult {
    let form = form_pairs(&body);
    let ips = form_get(&form, "ips").unwrap_or("");
    let req = crate::selfcheck::SelfCheckRequest {
        domain: form_get(&form, "domain").unwrap_or("").to_string(),
        filing_number: form_get(&form, "filing_number").unwrap_or("").to_string(),
        site_name: form_get(&form, "site_name").unwrap_or("").to_string(),
        entity_kind: form_get(&form, "entity_kind").map(str::to_string),
        owner: form_get(&form, "owner").map(str::to_string),
        // One box for the IPs: separated by commas (either width), semicolons or spaces.
        ips: ips
            .split(|c: char| c == ',' || c == '，' || c == ';' || c == '；' || c.is_whitespace())
            .filter(|ip| !ip.is_empty())
            .map(str::to_string)
            .collect(),
    };
    let mut ctx = with(
        public_ctx(&caller),
        json!({
            "limit": state.config.selfcheck_per_minute,
            "form": {
                "domain": req.domain, "filing_number": req.filing_number,
                "site_name": req.site_name, "owner": req.owner, "ips": ips,
                "entity_kind": req.entity_kind,
            },
        }),
    );
    match crate::api::run_selfcheck(&state, peer, &req).await {
        Ok(result) => ctx["result"] = crate::api::selfcheck_view(&result),
        Err(e) => ctx["error"] = json!(e.message),
    }
    render("selfcheck.html", ctx)
}
