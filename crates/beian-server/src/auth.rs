//! 身份 — who is asking: a session cookie (the console), a Bearer token (machines), or
//! nobody.
//!
//! One middleware resolves the caller once per request and leaves it in the request's
//! extensions; handlers take [`Caller`] (login required) or [`MaybeCaller`]. Every
//! customer query then runs in the caller's [`Scope`], so another customer's ids simply
//! are not found.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use beian_domain::workflow::Actor as WorkflowActor;
use beian_store::{Account, Actor, Role, Scope};
use chrono::Utc;

use crate::app::AppState;
use crate::error::ApiError;
use crate::secrets;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "beian_session";
/// The pre-login CSRF cookie's name (double-submit, for the login form only).
pub const LOGIN_CSRF_COOKIE: &str = "beian_login_csrf";

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The console's session cookie; carries the raw token for the CSRF check.
    Session(String),
    /// An API token in `Authorization: Bearer`.
    Token,
}

/// 当前用户 — an authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account: Account,
    pub credential: Credential,
}

impl Caller {
    pub fn scope(&self) -> Scope {
        self.account.scope()
    }
    pub fn is_staff(&self) -> bool {
        matches!(self.account.role, Role::Operator | Role::Admin)
    }
    pub fn customer_id(&self) -> Option<i64> {
        match self.account.role {
            Role::Customer => self.account.customer_id,
            _ => None,
        }
    }
    /// Who the audit log names.
    pub fn actor(&self) -> Actor {
        Actor::of(&self.account)
    }
    /// Who the workflow sees.
    pub fn workflow_actor(&self) -> WorkflowActor {
        match self.account.role {
            Role::Customer => WorkflowActor::Customer,
            Role::Operator => WorkflowActor::Operator,
            Role::Admin => WorkflowActor::Admin,
        }
    }
    /// The CSRF token forms must carry, for a session caller.
    pub fn csrf(&self) -> String {
        match &self.credential {
            Credential::Session(token) => secrets::csrf_token(token),
            Credential::Token => String::new(),
        }
    }
    /// Checks a form's or header's CSRF token. Bearer callers need none: a browser never
    /// adds that header on its own.
    pub fn check_csrf(&self, given: Option<&str>) -> Result<(), ApiError> {
        match &self.credential {
            Credential::Token => Ok(()),
            Credential::Session(token) => match given {
                Some(g) if secrets::constant_time_eq(g, &secrets::csrf_token(token)) => Ok(()),
                _ => Err(ApiError::csrf()),
            },
        }
    }
    pub fn require_staff(&self) -> Result<(), ApiError> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
    pub fn role_label(&self) -> &'static str {
        match self.account.role {
            Role::Customer => "客户",
            Role::Operator => "审核员",
            Role::Admin => "管理员",
        }
    }
}

/// The caller if any.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

/// Reads a cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value with the console's attributes.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Resolves the caller and stores it in the request's extensions.
pub async fn resolve(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let now = Utc::now();
    let mut caller = None;
    let bearer = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    if let Some(token) = bearer {
        match state
            .store
            .api_token_account(&secrets::sha256_hex(token.as_bytes()), now)
            .await
        {
            Ok(Some(account)) if !account.disabled => {
                caller = Some(Caller {
                    account,
                    credential: Credential::Token,
                })
            }
            Ok(_) => {}
            Err(e) => return axum::response::IntoResponse::into_response(ApiError::internal(e)),
        }
    } else if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        match state
            .store
            .session_account(&secrets::sha256_hex(token.as_bytes()), now)
            .await
        {
            Ok(Some(account)) if !account.disabled => {
                caller = Some(Caller {
                    account,
                    credential: Credential::Session(token),
                })
            }
            Ok(_) => {}
            Err(e) => return axum::response::IntoResponse::into_response(ApiError::internal(e)),
        }
    }
    req.extensions_mut().insert(MaybeCaller(caller));
    next.run(req).await
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(parts
            .extensions
            .get::<MaybeCaller>()
            .cloned()
            .unwrap_or(MaybeCaller(None)))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        MaybeCaller::from_request_parts(parts, state)
            .await?
            .0
            .ok_or_else(ApiError::unauthorized)
    }
}
