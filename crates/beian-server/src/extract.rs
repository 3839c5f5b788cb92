//! 请求解析 — the API's own extractors, and the refusals every operation may answer.
//!
//! axum's `Json`, `Path` and `Query` refuse a malformed request with a plain-text body
//! (415 for a missing content type, 422 for a body of the wrong shape). A client of this API
//! branches on the JSON error's stable `code`, so these wrappers answer every refusal as an
//! [`ApiError`]: `unsupported_media_type` (415), `payload_too_large` (413) and
//! `invalid_request` (400). [`document_refusals`] then writes those answers, and the
//! `Idempotency-Key` refusals of every POST, into the OpenAPI document the server serves,
//! so that the document and the server agree.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::error::ApiError;

/// A JSON body, refused with the API's JSON error.
pub struct ApiJson<T>(pub T);

/// Path parameters, refused with the API's JSON error.
pub struct ApiPath<T>(pub T);

/// Query parameters, refused with the API's JSON error.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_refusal(&rejection)),
        }
    }
}

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_refusal(&rejection)),
        }
    }
}

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_refusal(&rejection)),
        }
    }
}

/// serde's explanation, with any personal number the client sent masked (it may reach a log).
fn detail(text: &str) -> String {
    beian_domain::pii::mask_text(text)
}

fn json_refusal(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求体须为 JSON，并带 Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("请求体不是有效的 JSON：{}", detail(&rejection.body_text())),
        ),
        JsonRejection::JsonDataError(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!(
                "请求体的字段不符合接口定义：{}",
                detail(&rejection.body_text())
            ),
        ),
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "请求体过大",
        ),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", "请求体无法读取"),
    }
}

fn path_refusal(rejection: &PathRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("路径参数无效：{}", detail(&rejection.body_text())),
    )
}

fn query_refusal(rejection: &QueryRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("查询参数无效：{}", detail(&rejection.body_text())),
    )
}

/// Adds to every operation of the document the refusals the extractors and the
/// `Idempotency-Key` layer may answer, where the operation does not list them already:
/// 400 for any malformed request; 413 and 415 where there is a request body; 422 (a key
/// reused with another body) on every POST.
pub fn document_refusals(openapi: &mut OpenApi) {
    for item in openapi.paths.paths.values_mut() {
        for (operation, is_post) in [
            (item.get.as_mut(), false),
            (item.put.as_mut(), false),
            (item.post.as_mut(), true),
            (item.delete.as_mut(), false),
            (item.patch.as_mut(), false),
        ] {
            let Some(operation) = operation else { continue };
            add_refusal(
                operation,
                "400",
                "请求无效（参数、请求体或 Idempotency-Key 不合规）",
            );
            if operation.request_body.is_some() {
                add_refusal(operation, "413", "请求体过大");
                add_refusal(operation, "415", "请求体须为 JSON");
            }
            if is_post {
                add_refusal(
                    operation,
                    "422",
                    "该 Idempotency-Key 已用于另一个不同的请求",
                );
            }
        }
    }
}

fn add_refusal(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_documents_the_refusals_it_may_answer() {
        let (_, mut openapi) = crate::api::routes().split_for_parts();
        document_refusals(&mut openapi);
        let mut posts = 0;
        for (path, item) in &openapi.paths.paths {
            for (method, operation) in [("get", &item.get), ("post", &item.post)] {
                let Some(operation) = operation else { continue };
                let codes = &operation.responses.responses;
                assert!(codes.contains_key("400"), "{method} {path}");
                if operation.request_body.is_some() {
                    assert!(codes.contains_key("415"), "{method} {path}");
                }
                if method == "post" {
                    posts += 1;
                    assert!(codes.contains_key("422"), "{method} {path}");
                }
            }
        }
        assert!(posts >= 4, "{posts} POST operations");
    }

    #[test]
    fn refusals_speak_the_api_json_error() {
        let syntax = json_refusal(&JsonRejection::MissingJsonContentType(Default::default()));
        assert_eq!(syntax.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(syntax.code, "unsupported_media_type");
    }
}
