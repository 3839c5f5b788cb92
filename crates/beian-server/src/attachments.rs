//! 附件 — documents in and out of the console and the API: reading the upload forms (the
//! rules are `beian_service::attachments`, shared with the CLI) and answering a download.
//!
//! The forms are read as a stream so that an oversized file is refused by name as soon
//! as it passes the limit, without holding it; the request body limit of the upload
//! routes ([`UPLOAD_BODY_LIMIT`]) is set just above what the rules allow in total, and
//! every other route keeps the application's smaller limit (`app.rs`).

use axum::body::Body;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use beian_service::attachments::{
    self as rules, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Upload, UploadRefusal,
};
use beian_store::AttachmentFile;

use crate::error::ApiError;

/// The body limit of the routes that take uploads: every file at its largest, plus 1 MiB
/// for the form's text fields and the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 1024 * 1024;

/// A multipart form: its text fields in order, the files that passed the rules and, if one
/// did not, why (the first refusal; the files are then dropped, nothing is to be stored).
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Upload>,
    pub refusal: Option<UploadRefusal>,
}

fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "上传内容过大：每次最多 {MAX_ATTACHMENTS} 个附件，每个不超过 {} MB",
                MAX_ATTACHMENT_BYTES / (1024 * 1024)
            ),
        )
    } else {
        ApiError::bad_request(format!("表单格式错误：{}", e.body_text()))
    }
}

/// Reads a form with file inputs. A refused file does not end the reading: the rest of
/// the form is read (and later files drained unkept), so that the page can be shown again
/// with what the customer typed and the reason.
pub async fn read_form(mut mp: Multipart) -> Result<Form, ApiError> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let mut refusal: Option<UploadRefusal> = None;
    let mut count = 0_usize;
    while let Some(mut field) = mp.next_field().await.map_err(multipart_error)? {
        let Some(raw_name) = field.file_name().map(str::to_owned) else {
            let name = field.name().unwrap_or("").to_owned();
            let text = field.text().await.map_err(|e| {
                ApiError::bad_request(format!("表单字段读取失败：{}", e.body_text()))
            })?;
            fields.push((name, text));
            continue;
        };
        let name = rules::clean_name(&raw_name);
        let keep = refusal.is_none() && count < MAX_ATTACHMENTS;
        let mut data = Vec::new();
        let mut size = 0_u64;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            size += chunk.len() as u64;
            if keep && rules::check_size(&name, size).is_ok() {
                data.extend_from_slice(&chunk);
            }
        }
        // A file input left empty sends a part with no name and no bytes: nothing chosen.
        if raw_name.is_empty() && size == 0 {
            continue;
        }
        count += 1;
        if !keep {
            continue;
        }
        let checked = rules::check_size(&name, size).and_then(|()| Upload::check(&name, data));
        match checked {
            Ok(upload) => files.push(upload),
            Err(r) => refusal = Some(r),
        }
    }
    if refusal.is_none()
        && let Err(r) = rules::check_count(count)
    {
        refusal = Some(r);
    }
    if refusal.is_some() {
        files.clear();
    }
    Ok(Form {
        fields,
        files,
        refusal,
    })
}

/// Whether a path segment can be an attachment's key (lower-case hex SHA-256); anything
/// else is not found without asking the store.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `Content-Disposition: attachment` with the original name: a plain ASCII `filename` for
/// old clients (other characters become `_`) and the exact name as RFC 5987 `filename*`,
/// which every current browser prefers, so that 营业执照.pdf downloads as 营业执照.pdf.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        // RFC 5987 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." /
        // "^" / "_" / "`" / "|" / "~"; every other byte is percent-encoded.
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The download of a stored document: its stored type, as an attachment (never shown
/// inline, never sniffed, never cached: these are licence and ID scans).
pub fn download(file: AttachmentFile) -> Response {
    let content_type = HeaderValue::from_str(&file.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&content_disposition(&file.name))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let mut resp = Body::from(file.bytes).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_keeps_chinese_names_in_filename_star() {
        assert_eq!(
            content_disposition("营业执照.pdf"),
            "attachment; filename=\"____.pdf\"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf"
        );
        assert_eq!(
            content_disposition("scan 1.png"),
            "attachment; filename=\"scan 1.png\"; filename*=UTF-8''scan%201.png"
        );
        assert_eq!(
            content_disposition("a\"b\\c;d.jpg"),
            "attachment; filename=\"a_b_c;d.jpg\"; filename*=UTF-8''a%22b%5Cc%3Bd.jpg"
        );
        assert!(HeaderValue::from_str(&content_disposition("许可证（副本）.pdf")).is_ok());
    }

    #[test]
    fn keys_are_lower_case_hex_sha256() {
        assert!(is_sha256(&"0123456789abcdef".repeat(4)));
        assert!(!is_sha256(&"0123456789ABCDEF".repeat(4)));
        assert!(!is_sha256(&"0".repeat(63)));
        assert!(!is_sha256(&"g".repeat(64)));
    }
}
