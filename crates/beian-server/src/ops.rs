//! 运营控制台 — the operator's pages: dashboard, orders and the review queue, one order
//! with every decision an operator takes, runs, enforcement and search.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use beian_domain::workflow::{Event, FieldOpinion, MiitOutcome, OrderState};
use beian_service::RunOf;
use beian_store::{OrderQuery, Scope};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::error::ApiError;
use crate::glue::{self, store_error};
use crate::page::{
    self, PageError, PageResult, base_ctx, flash, form_get, form_pairs, render, with,
};
use crate::present;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/ops", get(dashboard))
        .route("/ops/orders", get(orders))
        .route("/ops/review", get(review))
        .route("/ops/enforcement", get(enforcement))
        .route("/ops/orders/{id}", get(order))
        .route("/ops/orders/{id}/items/{pos}", get(item))
        .route("/ops/orders/{id}/attachments/{sha256}", get(attachment))
        .route("/ops/orders/{id}/approve", post(approve))
        .route("/ops/orders/{id}/reject", post(reject))
        .route("/ops/orders/{id}/event/{kind}", post(event))
        .route("/ops/filings/{id}/unmask", post(unmask))
        .route("/ops/runs", get(runs).post(start_run))
        .route("/ops/runs/{id}", get(run_page))
        .route("/ops/search", get(search))
}

fn staff(caller: MaybeCaller, next: &str) -> Result<Caller, Box<Response>> {
    match caller.0 {
        Some(c) if c.is_staff() => Ok(c),
        Some(_) => Err(Box::new(PageError(ApiError::forbidden()).into_response())),
        None => Err(Box::new(page::login_redirect(next))),
    }
}

macro_rules! need_staff {
    ($caller:expr, $next:expr) => {
        match staff($caller, $next) {
            Ok(c) => c,
            Err(resp) => return Ok(*resp),
        }
    };
}

async fn ops_ctx(state: &AppState, c: &Caller, nav: &str, title: &str) -> Result<Value, PageError> {
    let mut ctx = base_ctx(c, nav, title);
    let counts = state
        .store
        .order_counts(Scope::All)
        .await
        .map_err(store_error)?;
    let submitted = counts
        .iter()
        .find(|c| c.key == "submitted")
        .map_or(0, |c| c.count);
    ctx["user"]["review_count"] = json!(submitted);
    Ok(ctx)
}

/// The trend chart: orders issued and closed per day over the last 14 days, as inline SVG.
pub fn trend_svg(issued: &[i64], closed: &[i64], labels: &[String]) -> String {
    let (w, h, pad) = (560.0_f64, 200.0_f64, 28.0_f64);
    // The scale's top is a multiple of 4, so that the four grid lines fall on whole numbers
    // (a top of 2 would label them 2, 2, 1, 1, 0).
    let highest = issued
        .iter()
        .chain(closed)
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let max = ((highest + 3) / 4 * 4) as f64;
    let n = issued.len().max(1);
    let step = (w - 2.0 * pad) / n as f64;
    let bar = (step / 2.0 - 2.0).max(2.0);
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"近 14 天整改单趋势\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for i in 0..=4 {
        let y = pad + (h - 2.0 * pad) * f64::from(i) / 4.0;
        svg.push_str(&format!(
            "<line x1=\"{pad}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e4e8ee\"/>",
            w - pad
        ));
        let v = max * f64::from(4 - i) / 4.0;
        svg.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#6b7685\" text-anchor=\"end\">{}</text>", pad - 4.0, y + 3.0, v.round()));
    }
    for (i, (a, b)) in issued.iter().zip(closed).enumerate() {
        let x = pad + step * i as f64 + 2.0;
        for (j, (v, colour)) in [(*a, "#d4660b"), (*b, "#17a05d")].into_iter().enumerate() {
            let bh = (h - 2.0 * pad) * v as f64 / max;
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" rx=\"2\" fill=\"{colour}\"><title>{}：{}</title></rect>",
                x + j as f64 * (bar + 1.0),
                h - pad - bh,
                if j == 0 { "下发" } else { "办结" },
                v
            ));
        }
        if i % 2 == 0 {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#6b7685\">{}</text>",
                x,
                h - pad + 14.0,
                labels.get(i).map(String::as_str).unwrap_or("")
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

async fn dashboard(State(state): State<Arc<AppState>>, caller: MaybeCaller) -> PageResult {
    let c = need_staff!(caller, "/ops");
    let now = Utc::now();
    let filing_counts = state
        .store
        .filing_counts(Scope::All)
        .await
        .map_err(store_error)?;
    let order_counts = state
        .store
        .order_counts(Scope::All)
        .await
        .map_err(store_error)?;
    let count = |list: &[beian_store::Count], k: &str| {
        list.iter().find(|c| c.key == k).map_or(0, |c| c.count)
    };
    let filing_stats: Vec<Value> = beian_store::FILING_STATUSES
        .iter()
        .map(|s| json!({"code": s, "label": present::filing_status_label(s), "count": count(&filing_counts, s), "class": crate::views::status_class(s)}))
        .collect();
    let order_stats: Vec<Value> = ["issued", "submitted", "returned", "rechecking", "recheck_failed", "appealed", "overdue", "enforcement_pending", "access_cancelled", "resolved"]
        .iter()
        .map(|s| json!({"code": s, "label": present::order_state_label(s), "count": count(&order_counts, s), "class": crate::views::status_class(s)}))
        .collect();
    // Failures by check in the latest run, not counting the day's run that re-checks are
    // recorded in (a few orders' filings, not a check of the filings).
    let runs = state.store.list_runs(None, 20).await.map_err(store_error)?;
    let mut failures: Vec<Value> = Vec::new();
    if let Some(run) = runs
        .items
        .iter()
        .find(|run| run.kind != beian_service::orders::RECHECK_RUN)
    {
        let counts = state
            .store
            .failures_by_check(Scope::All, run.id)
            .await
            .map_err(store_error)?;
        let max = counts.iter().map(|c| c.count).max().unwrap_or(1).max(1);
        failures = counts
            .iter()
            .take(12)
            .map(|c| json!({"key": c.key, "title": present::check_title(&c.key), "count": c.count, "pct": c.count * 100 / max}))
            .collect();
    }
    // Trend: walk recent orders (bounded) and bucket by Beijing day.
    let days = 14;
    let today = now.with_timezone(&crate::china()).date_naive();
    let start = today - chrono::Days::new(days - 1);
    let mut issued = vec![0_i64; days as usize];
    let mut closed = vec![0_i64; days as usize];
    let mut q = OrderQuery::new(Scope::All, 1000);
    'walk: for _ in 0..20 {
        let page = state.store.list_orders(&q).await.map_err(store_error)?;
        for o in &page.items {
            let d = o.created_at.with_timezone(&crate::china()).date_naive();
            if d < start {
                break 'walk;
            }
            issued[(d - start).num_days() as usize] += 1;
            if let Some(cl) = o.closed_at {
                let d = cl.with_timezone(&crate::china()).date_naive();
                if d >= start && d <= today {
                    closed[(d - start).num_days() as usize] += 1;
                }
            }
        }
        match page.next_after_id {
            Some(a) => q.after_id = Some(a),
            None => break,
        }
    }
    let labels: Vec<String> = (0..days)
        .map(|i| (start + chrono::Days::new(i)).format("%m-%d").to_string())
        .collect();
    let customer_states: Vec<&str> = beian_store::CUSTOMER_ACTION_STATES.to_vec();
    let overdue = state
        .store
        .orders_due(Scope::All, None, now, &customer_states, 10)
        .await
        .map_err(store_error)?;
    let due_soon = state
        .store
        .orders_due(
            Scope::All,
            Some(now),
            now + Duration::days(3),
            &customer_states,
            10,
        )
        .await
        .map_err(store_error)?;
    let mut overdue_rows: Vec<Value> = overdue.iter().map(present::order).collect();
    let listed = OrderQuery {
        states: vec!["overdue".into(), "enforcement_pending".into()],
        ..OrderQuery::new(Scope::All, 10)
    };
    overdue_rows.extend(
        state
            .store
            .list_orders(&listed)
            .await
            .map_err(store_error)?
            .items
            .iter()
            .map(present::order),
    );
    // Re-checks no source has answered for: an operator may decide them by hand.
    let mut undecided_rows: Vec<Value> = Vec::new();
    for (filing_id, deferred) in beian_service::worker::deferred_rechecks(&state.store, 10)
        .await
        .map_err(glue::service_error)?
    {
        // A re-check decided by hand meanwhile leaves its deferred job to find nothing.
        let Some(order) = state
            .store
            .open_order_for_filing(Scope::All, filing_id)
            .await
            .map_err(store_error)?
            .filter(|order| order.state == "rechecking")
        else {
            continue;
        };
        let mut row = present::order(&order);
        row["undecided"] = json!(deferred.undecided);
        row["next_recheck"] = json!(crate::views::beijing(deferred.due));
        undecided_rows.push(row);
    }
    let ctx = ops_ctx(&state, &c, "dashboard", "总览").await?;
    render(
        "dashboard.html",
        with(
            ctx,
            json!({
                "filing_stats": filing_stats,
                "order_stats": order_stats,
                "failures": failures,
                "trend_svg": trend_svg(&issued, &closed, &labels),
                "overdue": overdue_rows,
                "due_soon": due_soon.iter().map(present::order).collect::<Vec<_>>(),
                "undecided": undecided_rows,
            }),
        ),
    )
}

#[derive(Deserialize)]
struct OrdersQuery {
    state: Option<String>,
    after: Option<i64>,
    msg: Option<String>,
}

#[allow(clippy::too_many_arguments)] // one call per list page, each naming its own
async fn order_list(
    state: &AppState,
    c: &Caller,
    nav: &str,
    title: &str,
    states: Vec<String>,
    after: Option<i64>,
    action_label: &str,
    base: &str,
    msg: Option<&str>,
) -> PageResult {
    let mut q = OrderQuery::new(Scope::All, 50);
    q.states = states.clone();
    q.after_id = after;
    let page = state.store.list_orders(&q).await.map_err(store_error)?;
    let ctx = ops_ctx(state, c, nav, title).await?;
    let state_param = states.first().cloned().unwrap_or_default();
    render(
        "ops_orders.html",
        with(
            ctx,
            json!({
                "orders": page.items.iter().map(present::order).collect::<Vec<_>>(),
                "states": beian_store::ORDER_STATES.iter().map(|s| json!({"code": s, "label": present::order_state_label(s)})).collect::<Vec<_>>(),
                "state": state_param,
                "show_filter": nav == "orders",
                "action_label": action_label,
                // The exports list what the page lists: every state it shows.
                "export_query": if states.is_empty() { String::new() } else { format!("?status={}", states.join(",")) },
                "flash": flash(msg),
                "next_url": page.next_after_id.map(|a| format!("{base}{}after={a}", if base.contains('?') { "&" } else { "?" })),
                "prev_url": after.map(|_| base.to_string()),
            }),
        ),
    )
}

async fn orders(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Query(q): Query<OrdersQuery>,
) -> PageResult {
    let c = need_staff!(caller, "/ops/orders");
    let states: Vec<String> = q
        .state
        .filter(|s| beian_store::ORDER_STATES.contains(&s.as_str()))
        .into_iter()
        .collect();
    let base = match states.first() {
        Some(s) => format!("/ops/orders?state={s}"),
        None => "/ops/orders".into(),
    };
    order_list(
        &state,
        &c,
        "orders",
        "整改单",
        states,
        q.after,
        "查看",
        &base,
        q.msg.as_deref(),
    )
    .await
}

async fn review(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Query(q): Query<OrdersQuery>,
) -> PageResult {
    let c = need_staff!(caller, "/ops/review");
    order_list(
        &state,
        &c,
        "review",
        "审核队列",
        vec!["submitted".into(), "appealed".into()],
        q.after,
        "审核",
        "/ops/review",
        q.msg.as_deref(),
    )
    .await
}

async fn enforcement(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Query(q): Query<OrdersQuery>,
) -> PageResult {
    let c = need_staff!(caller, "/ops/enforcement");
    order_list(
        &state,
        &c,
        "enforcement",
        "处置与取消接入",
        vec![
            "overdue".into(),
            "enforcement_pending".into(),
            "access_cancelled".into(),
            "deregistration_pending".into(),
        ],
        q.after,
        "处置",
        "/ops/enforcement",
        q.msg.as_deref(),
    )
    .await
}

/// The operator's buttons for an order in a state.
fn operator_actions(state: OrderState, extension: &str, keyword_only: bool) -> Vec<Value> {
    let mut a = Vec::new();
    let btn = |kind: &str, label: &str, class: &str, input: Option<&str>, confirm: Option<&str>| json!({"kind": kind, "label": label, "class": class, "input": input, "confirm": confirm});
    match state {
        OrderState::MiitReview => {
            a.push(btn("miit_accepted", "管局已通过", "primary", None, None));
            a.push(btn("miit_rejected", "管局已驳回", "danger", None, None));
            a.push(btn("miit_pending", "记录同步（仍在审核）", "", None, None));
        }
        OrderState::Rechecking => {
            a.push(btn("recheck_passed", "复查通过", "primary", None, None));
            a.push(btn(
                "recheck_failed",
                "复查未通过",
                "danger",
                Some("仍未通过的项目"),
                None,
            ));
        }
        OrderState::Appealed => {
            a.push(btn("appeal_upheld", "支持申诉", "primary", None, None));
            a.push(btn(
                "appeal_dismissed",
                "驳回申诉",
                "danger",
                Some("驳回理由"),
                None,
            ));
        }
        OrderState::Overdue => {
            a.push(btn(
                "escalate",
                "转入处置",
                "danger",
                None,
                if keyword_only {
                    Some("本单仅来自关键词命中，请确认已人工复核")
                } else {
                    None
                },
            ));
            a.push(btn("reinstate", "已整改，转入复查", "", None, None));
        }
        OrderState::EnforcementPending => {
            a.push(btn(
                "confirm_access_cancellation",
                "确认取消接入",
                "danger",
                None,
                Some("取消接入后网站将无法访问，确定吗？"),
            ));
            a.push(btn(
                "request_deregistration",
                "申请注销备案",
                "danger",
                None,
                Some("将向管局申请注销该备案，确定吗？"),
            ));
            a.push(btn("reinstate", "已整改，转入复查", "", None, None));
        }
        OrderState::AccessCancelled => {
            a.push(btn("reinstate", "恢复接入并复查", "primary", None, None))
        }
        OrderState::DeregistrationPending => {
            a.push(btn("miit_accepted", "管局已注销", "danger", None, None));
            a.push(btn("miit_rejected", "管局未注销", "", None, None));
        }
        _ => {}
    }
    if extension == "requested" {
        a.push(btn("extension_granted", "批准延期", "primary", None, None));
        a.push(btn(
            "extension_denied",
            "不批准延期",
            "danger",
            Some("不批准的理由"),
            None,
        ));
    }
    a
}

async fn order(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    Query(q): Query<OrdersQuery>,
) -> PageResult {
    let c = need_staff!(caller, &format!("/ops/orders/{id}"));
    order_page(&state, &c, id, false, q.msg.as_deref()).await
}

async fn order_page(
    state: &AppState,
    c: &Caller,
    id: i64,
    unmasked: bool,
    msg: Option<&str>,
) -> PageResult {
    let data = crate::console::order_data(state, Scope::All, id, true).await?;
    let order = state
        .store
        .order(Scope::All, id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let st = OrderState::parse(&order.state).map_err(ApiError::internal)?;
    let pending = data["change_requests"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["state"] == "pending").cloned());
    let body = state
        .store
        .filing_body(Scope::All, order.filing_id)
        .await
        .map_err(store_error)?;
    let ctx = ops_ctx(state, c, "review", &format!("整改单 #{id}")).await?;
    render(
        "ops_order.html",
        with(
            with(ctx, data),
            json!({
                "base": "/ops",
                "back_url": "/ops/review",
                "back_label": "审核队列",
                "pending_change": if st == OrderState::Submitted { pending.unwrap_or(Value::Null) } else { Value::Null },
                "operator_actions": operator_actions(st, &order.extension_state, order.keyword_only),
                "pii_rows": body.as_ref().map(|b| present::entity_rows(b, unmasked)).unwrap_or_default(),
                "unmasked": unmasked,
                "flash": flash(msg),
            }),
        ),
    )
}

async fn item(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path((id, pos)): Path<(i64, i64)>,
) -> PageResult {
    let c = need_staff!(caller, &format!("/ops/orders/{id}"));
    let data = crate::console::order_data(&state, Scope::All, id, true).await?;
    let item = data["items"]
        .as_array()
        .and_then(|i| i.iter().find(|i| i["position"] == json!(pos)).cloned())
        .ok_or_else(ApiError::not_found)?;
    let ctx = ops_ctx(&state, &c, "review", "查看详情").await?;
    render(
        "item.html",
        with(
            ctx,
            json!({"base": "/ops", "back_label": "运营管理", "order": data["order"], "item": item, "can_act": false}),
        ),
    )
}

/// 下载附件: a document a change request of the order lists, for the reviewer.
async fn attachment(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path((id, sha256)): Path<(i64, String)>,
) -> PageResult {
    let _c = need_staff!(caller, &format!("/ops/orders/{id}"));
    if !crate::attachments::is_sha256(&sha256) {
        return Err(ApiError::not_found().into());
    }
    let file = state
        .store
        .attachment(Scope::All, id, &sha256)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    Ok(crate::attachments::download(file))
}

fn ctx_for<'a>(state: &'a AppState, c: &Caller) -> glue::Ctx<'a> {
    glue::Ctx {
        store: &state.store,
        policy: &state.config.policy,
        calendar: &state.calendar,
        scope: Scope::All,
        actor: c.actor(),
        workflow_actor: c.workflow_actor(),
        now: Utc::now(),
    }
}

fn done(id: i64) -> PageResult {
    Ok(Redirect::to(&format!("/ops/orders/{id}?msg=done")).into_response())
}

async fn approve(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let c = need_staff!(caller, &format!("/ops/orders/{id}"));
    let form = form_pairs(&body);
    c.check_csrf(form_get(&form, "csrf"))?;
    let needs_miit = form_get(&form, "needs_miit").is_some();
    glue::apply_event(&ctx_for(&state, &c), id, Event::Approve { needs_miit }).await?;
    done(id)
}

async fn reject(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let c = need_staff!(caller, &format!("/ops/orders/{id}"));
    let form = form_pairs(&body);
    c.check_csrf(form_get(&form, "csrf"))?;
    let paths = form
        .iter()
        .filter(|(k, _)| k == "path")
        .map(|(_, v)| v.clone());
    let opinions = form
        .iter()
        .filter(|(k, _)| k == "opinion")
        .map(|(_, v)| v.trim().to_string());
    let opinions: Vec<FieldOpinion> = paths
        .zip(opinions)
        .filter(|(_, o)| !o.is_empty())
        .map(|(path, opinion)| FieldOpinion { path, opinion })
        .collect();
    glue::apply_event(&ctx_for(&state, &c), id, Event::Reject { opinions }).await?;
    done(id)
}

async fn event(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path((id, kind)): Path<(i64, String)>,
    body: Bytes,
) -> PageResult {
    let c = need_staff!(caller, &format!("/ops/orders/{id}"));
    let form = form_pairs(&body);
    c.check_csrf(form_get(&form, "csrf"))?;
    let text = form_get(&form, "text").unwrap_or("").trim().to_string();
    let now = Utc::now().with_timezone(&crate::china());
    let order = state
        .store
        .order(Scope::All, id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let event = match kind.as_str() {
        "miit_accepted" => Event::MiitSynced {
            outcome: MiitOutcome::Accepted,
            synced_at: now,
        },
        "miit_rejected" => Event::MiitSynced {
            outcome: MiitOutcome::Rejected,
            synced_at: now,
        },
        "miit_pending" => Event::MiitSynced {
            outcome: MiitOutcome::Pending,
            synced_at: now,
        },
        "recheck_passed" => Event::RecheckPassed,
        "recheck_failed" => Event::RecheckFailed {
            findings: text
                .lines()
                .map(str::to_string)
                .filter(|l| !l.trim().is_empty())
                .collect(),
        },
        "appeal_upheld" => Event::DecideAppeal {
            upheld: true,
            opinion: text,
        },
        "appeal_dismissed" => Event::DecideAppeal {
            upheld: false,
            opinion: text,
        },
        "extension_granted" => Event::DecideExtension {
            granted: true,
            working_days: u32::try_from(order.extension_days).unwrap_or(0),
            opinion: text,
        },
        "extension_denied" => Event::DecideExtension {
            granted: false,
            working_days: 0,
            opinion: text,
        },
        "escalate" => Event::Escalate,
        "confirm_access_cancellation" => Event::ConfirmAccessCancellation,
        "request_deregistration" => Event::RequestDeregistration,
        "reinstate" => Event::Reinstate,
        _ => return Err(ApiError::not_found().into()),
    };
    glue::apply_event(&ctx_for(&state, &c), id, event).await?;
    done(id)
}

async fn unmask(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
    body: Bytes,
) -> PageResult {
    let c = need_staff!(caller, "/ops");
    let form = form_pairs(&body);
    c.check_csrf(form_get(&form, "csrf"))?;
    crate::api::unmask(&state, &c, id).await?;
    let order_id: i64 = form_get(&form, "order")
        .and_then(|o| o.parse().ok())
        .ok_or_else(|| ApiError::bad_request("缺少整改单编号"))?;
    order_page(&state, &c, order_id, true, None).await
}

/// Whether a run is one the pages should follow: running, and not the day's record of
/// re-checks, which has no total and runs until the next day's replaces it.
fn in_progress(r: &beian_store::Run) -> bool {
    r.status == "running" && r.kind != beian_service::orders::RECHECK_RUN
}

/// A run as the runs pages show it.
fn run_row(r: &beian_store::Run) -> Value {
    let daily = r.kind == beian_service::orders::RECHECK_RUN;
    json!({
        "id": r.id, "kind": r.kind, "status": r.status,
        "status_label": match r.status.as_str() {
            "running" if daily => "记录中",
            "running" => "进行中",
            "finished" => "已完成",
            _ => "失败",
        },
        "kind_label": run_kind_label(&r.kind),
        "done": r.done, "total": r.total, "failed": r.failed,
        "inconclusive": r.inconclusive,
        "retry": r.status != "running" && r.inconclusive > 0,
        "pct": if r.total > 0 { r.done * 100 / r.total } else { 0 },
        "progress": if daily { format!("已复查 {} 份", r.done) } else { format!("{} / {}", r.done, r.total) },
        "daily": daily,
        "started_at": crate::views::beijing(r.started_at),
        "finished_at": r.finished_at.map(crate::views::beijing),
    })
}

/// 核查批次详情: progress, who started it and over what, the failures per check, the
/// filings left undecided (with the button that checks them again).
async fn run_page(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Path(id): Path<i64>,
) -> PageResult {
    let c = need_staff!(caller, "/ops/runs");
    let run = state
        .store
        .run(id)
        .await
        .map_err(store_error)?
        .ok_or_else(ApiError::not_found)?;
    let counts = state
        .store
        .failures_by_check(Scope::All, id)
        .await
        .map_err(store_error)?;
    let max = counts.iter().map(|c| c.count).max().unwrap_or(1).max(1);
    let failures: Vec<Value> = counts
        .iter()
        .map(|c| json!({"key": c.key, "title": present::check_title(&c.key), "count": c.count, "pct": c.count * 100 / max}))
        .collect();
    let started_by = state
        .store
        .audit_for(Scope::All, &format!("run:{id}"))
        .await
        .map_err(store_error)?
        .into_iter()
        .find(|e| e.action == "start_run")
        .map(|e| e.actor);
    let scope = if let Some(earlier) = run.params["inconclusive_in"].as_i64() {
        json!({"retry_of": earlier})
    } else if let Some(status) = run.params["status"].as_str() {
        json!({"status": present::filing_status_label(status)})
    } else if run.params.get("first_order").is_some() {
        json!({"label": "客户申请复查或审核通过后逐份排入的整改复查"})
    } else {
        json!({"label": "全部备案"})
    };
    let stalled = beian_service::run_is_stalled(&state.store, &run)
        .await
        .map_err(crate::glue::service_error)?;
    let ctx = ops_ctx(&state, &c, "runs", &format!("核查批次 #{id}")).await?;
    render(
        "run.html",
        with(
            ctx,
            json!({
                "run": run_row(&run),
                "failures": failures,
                "started_by": started_by,
                "scope": scope,
                "refresh": (in_progress(&run) && !stalled).then_some(5),
                "stalled": stalled.then(|| run.total - run.done),
            }),
        ),
    )
}

/// What started a run, in the console's words.
fn run_kind_label(kind: &str) -> &str {
    match kind {
        "sweep" => "人工发起",
        "periodic" => "定期复核",
        beian_service::orders::RECHECK_RUN => "整改复查",
        beian_service::RETRY_RUN => "重查无法判断项",
        other => other,
    }
}

async fn runs(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Query(q): Query<OrdersQuery>,
) -> PageResult {
    let c = need_staff!(caller, "/ops/runs");
    let page = state.store.list_runs(None, 50).await.map_err(store_error)?;
    let rows: Vec<Value> = page.items.iter().map(run_row).collect();
    let ctx = ops_ctx(&state, &c, "runs", "核查任务").await?;
    render(
        "runs.html",
        with(
            ctx,
            json!({
                "runs": rows,
                "engine": state.engine.is_some(),
                "flash": flash(q.msg.as_deref()),
                "refresh": page.items.iter().any(in_progress).then_some(5),
            }),
        ),
    )
}

/// 发起核查: queues a verification job per filing (all, those in rectification, or those
/// an earlier run left undecided); the workers (`beian worker`, or the demo's) do the
/// checking, and the runs page shows the progress.
async fn start_run(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    body: Bytes,
) -> PageResult {
    let c = need_staff!(caller, "/ops/runs");
    let form = form_pairs(&body);
    c.check_csrf(form_get(&form, "csrf"))?;
    let (kind, of) = match form_get(&form, "scope") {
        Some("all") => ("sweep", RunOf::all()),
        Some("inconclusive") => {
            let earlier = form_get(&form, "run")
                .and_then(|r| r.parse::<i64>().ok())
                .ok_or_else(|| ApiError::bad_request("缺少核查批次编号"))?;
            let run = state.store.run(earlier).await.map_err(store_error)?;
            if run.is_none_or(|r| r.inconclusive == 0) {
                return Ok(Redirect::to("/ops/runs?msg=nothing_to_retry").into_response());
            }
            (beian_service::RETRY_RUN, RunOf::InconclusiveIn(earlier))
        }
        _ => (
            "sweep",
            RunOf::Filings {
                status: Some("rectification".to_owned()),
            },
        ),
    };
    crate::api::start_run_in_background(&state, &c.actor(), kind, of).await?;
    Ok(Redirect::to("/ops/runs?msg=run").into_response())
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// The most filings one search shows: enough to pick from, few enough to read. The page
/// says when there were more, so that the operator narrows the search rather than trusting
/// a cut list.
pub const SEARCH_LIMIT: i64 = 50;

/// The longest search text: longer is no number, domain or name, only load.
const SEARCH_MAX_CHARS: usize = 100;

/// 搜索: filings by 主体备案号 or 网站备案号, 统一社会信用代码, domain or part of the entity
/// name (the store reads the text as one of them), each with its status and open order.
async fn search(
    State(state): State<Arc<AppState>>,
    caller: MaybeCaller,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let c = need_staff!(caller, "/ops/search");
    let text = q.q.unwrap_or_default().trim().to_string();
    let ctx = ops_ctx(&state, &c, "search", "搜索").await?;
    if text.chars().count() > SEARCH_MAX_CHARS {
        return render(
            "search.html",
            with(
                ctx,
                json!({"q": "", "results": [], "flash": {"kind": "danger", "text": format!("搜索内容不能超过 {SEARCH_MAX_CHARS} 个字")}}),
            ),
        );
    }
    let found = state
        .store
        .search_filings(Scope::All, &text, SEARCH_LIMIT)
        .await
        .map_err(store_error)?;
    let results: Vec<Value> = found
        .hits
        .iter()
        .map(|h| {
            let mut v = present::filing(&h.filing);
            // A name is free text: a number typed into it is masked like any other.
            v["entity_name"] = json!(beian_domain::pii::mask_text(&h.filing.entity_name));
            v["order_id"] = json!(h.open_order_id);
            v
        })
        .collect();
    render(
        "search.html",
        with(
            ctx,
            json!({
                "q": text,
                "q_shown": beian_domain::pii::mask_text(&text),
                "kind_label": found.kind.map(present::search_kind_label),
                "results": results,
                "capped": found.capped,
                "limit": SEARCH_LIMIT,
            }),
        ),
    )
}

#[cfg(test)]
mod trend_tests {
    use super::trend_svg;

    /// The grid labels, top to bottom.
    fn labels(svg: &str) -> Vec<String> {
        svg.split("text-anchor=\"end\">")
            .skip(1)
            .filter_map(|rest| rest.split("</text>").next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn grid_labels_are_distinct_whole_numbers() {
        for (highest, expected) in [
            (2, ["4", "3", "2", "1", "0"]),
            (0, ["4", "3", "2", "1", "0"]),
            (9, ["12", "9", "6", "3", "0"]),
        ] {
            let svg = trend_svg(&[highest, 0], &[0, 1], &["11-28".into(), "11-29".into()]);
            assert_eq!(labels(&svg), expected, "highest {highest}");
        }
    }
}
