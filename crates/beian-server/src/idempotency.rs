//! 幂等 — `Idempotency-Key` on the API's POSTs: a replay of the same request gets the
//! first answer, the same key with another request is refused with 422.
//!
//! The key belongs to the account that used it, so two clients cannot collide. The
//! request is identified by the SHA-256 of its method, path, query and body. Server
//! errors are not remembered, so the client can retry them with the same key.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use beian_store::IdempotencyBegin;
use chrono::Utc;

use crate::app::AppState;
use crate::auth::MaybeCaller;
use crate::error::ApiError;
use crate::secrets::sha256_hex;

/// The header's name.
pub const HEADER: &str = "idempotency-key";
const MAX_BODY: usize = 10 * 1024 * 1024;

pub async fn layer(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !req.uri().path().starts_with("/api/v1/") {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.trim().is_empty() && k.len() <= 200 => k.trim().to_string(),
        _ => {
            return ApiError::bad_request("Idempotency-Key 须为 1–200 个可见 ASCII 字符")
                .into_response();
        }
    };
    let account_id = match req.extensions().get::<MaybeCaller>() {
        Some(MaybeCaller(Some(caller))) => caller.account.id,
        // Anonymous POSTs (the public self-check) change nothing worth remembering.
        _ => return next.run(req).await,
    };
    // The upload route takes bodies up to the upload rules' total; every other route
    // refuses more than `MAX_BODY` anyway.
    let limit = if req.uri().path().ends_with("/attachments") {
        crate::attachments::UPLOAD_BODY_LIMIT
    } else {
        MAX_BODY
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return ApiError::bad_request("请求体过大").into_response(),
    };
    let mut fingerprint = format!(
        "{} {}\n",
        parts.method,
        parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("")
    )
    .into_bytes();
    fingerprint.extend_from_slice(&bytes);
    let request_hash = sha256_hex(&fingerprint);
    let now = Utc::now();
    match state
        .store
        .idempotency_begin(account_id, &key, &request_hash, now)
        .await
    {
        Err(e) => ApiError::internal(e).into_response(),
        Ok(IdempotencyBegin::Mismatch) => ApiError::idempotency_key_reused().into_response(),
        Ok(IdempotencyBegin::InProgress) => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_in_progress",
            "使用该 Idempotency-Key 的请求仍在处理中",
        )
        .into_response(),
        Ok(IdempotencyBegin::Replay { status, body }) => {
            let status = u16::try_from(status)
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            let mut resp = (status, body).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp.headers_mut()
                .insert("idempotency-replayed", HeaderValue::from_static("true"));
            resp
        }
        Ok(IdempotencyBegin::New) => {
            let req = Request::from_parts(parts, Body::from(bytes));
            let resp = next.run(req).await;
            let (parts, body) = resp.into_parts();
            let bytes = match to_bytes(body, MAX_BODY).await {
                Ok(b) => b,
                Err(e) => {
                    let _ = state.store.idempotency_abandon(account_id, &key).await;
                    return ApiError::internal(e).into_response();
                }
            };
            if parts.status.is_server_error() {
                let _ = state.store.idempotency_abandon(account_id, &key).await;
            } else if let Err(e) = state
                .store
                .idempotency_finish(
                    account_id,
                    &key,
                    i64::from(parts.status.as_u16()),
                    &String::from_utf8_lossy(&bytes),
                    Utc::now(),
                )
                .await
            {
                tracing::error!(error = %e, "idempotency_finish failed");
            }
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}
