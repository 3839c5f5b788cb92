//! Helpers the server-rendered pages share: the page error, the login redirect, the
//! common template context and the reading of forms.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::Value;
use serde_json::json;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::views::VIEWS;

/// An error shown as a page rather than as JSON.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = match self.0.status {
            StatusCode::NOT_FOUND => "页面不存在",
            StatusCode::FORBIDDEN => "无权访问",
            StatusCode::TOO_MANY_REQUESTS => "请求过于频繁",
            s if s.is_server_error() => "服务器错误",
            _ => "无法完成操作",
        };
        let html = VIEWS
            .render(
                "error.html",
                Value::from(minijinja::value::Serde(
                    json!({"title": title, "message": self.0.message}),
                )),
            )
            .unwrap_or_else(|_| Html(self.0.message.clone()));
        (self.0.status, html).into_response()
    }
}

pub type PageResult = Result<Response, PageError>;

/// The console needs a login: anonymous visitors go to the login page.
pub fn login_redirect(next: &str) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// The context every console page gets: the user box, the nav and the CSRF token.
pub fn base_ctx(caller: &Caller, nav: &str, title: &str) -> serde_json::Value {
    json!({
        "user": {
            "display_name": if caller.account.display_name.is_empty() { caller.account.login.clone() } else { caller.account.display_name.clone() },
            "role_label": caller.role_label(),
            "is_staff": caller.is_staff(),
        },
        "csrf": caller.csrf(),
        "nav": nav,
        "title": title,
    })
}

/// Merges page-specific values into the base context.
pub fn with(mut base: serde_json::Value, extra: serde_json::Value) -> serde_json::Value {
    if let (Some(b), serde_json::Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

pub fn render(name: &str, ctx: serde_json::Value) -> PageResult {
    Ok(VIEWS
        .render(name, Value::from(minijinja::value::Serde(ctx)))?
        .into_response())
}

/// A flash message chosen by a code in the query string after a redirect.
pub fn flash(code: Option<&str>) -> serde_json::Value {
    let (kind, text) = match code.unwrap_or("") {
        "submitted" => ("ok", "已提交审核，审核结果会通过站内信通知您。"),
        "recheck" => ("ok", "已申请复查，复查结果会通过站内信通知您。"),
        "extension" => ("ok", "延期申请已提交，等待审核员审批。"),
        "appeal" => ("ok", "申诉已提交。"),
        "done" => ("ok", "操作已完成。"),
        "run" => (
            "ok",
            "核查任务正在排队，刷新页面即可看到进度；由工作进程（beian worker）执行。",
        ),
        "nothing_to_retry" => ("warn", "该批次没有无法判断的备案，无需重新核查。"),
        _ => return serde_json::Value::Null,
    };
    json!({"kind": kind, "text": text})
}

/// Reads `application/x-www-form-urlencoded` pairs, repeated keys kept in order.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

pub fn form_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}
