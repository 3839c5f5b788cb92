//! 附件 — the rules every uploaded document obeys, whichever door it comes through (the
//! console's forms, `POST /api/v1/orders/{id}/attachments`, `beian order submit
//! --attach`), and the keeping of its bytes.
//!
//! A reviewer opens what a customer uploads, so only formats that open without running
//! anything are taken: PDF, JPEG and PNG. The type is judged from the file's first bytes,
//! never from its name or the browser's content type, both of which the sender chooses: an
//! `.exe` renamed `.pdf` is still refused. Sizes are capped (10 MiB a file, 5 files a
//! request) so that one request cannot fill the database.
//!
//! The bytes are stored, and recorded as uploaded for their order, before the event that
//! lists them is applied: if the event is then refused, the documents are merely unlisted
//! (only the order's customer and staff, who sent them, can open them; see
//! `Store::attachment`); stored after it, a failure in between would leave a request
//! listing a document whose bytes are missing. The record is also what an event must
//! match ([`check_listed`]): a hash names bytes, not who may list them.

use beian_domain::workflow::Attachment;
use beian_store::{Scope, Store, StoreError};
use chrono::{DateTime, Utc};

/// The largest file taken: 10 MiB, enough for a scanned licence or approval document.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// The most files one request may carry.
pub const MAX_ATTACHMENTS: usize = 5;

/// File names are cut to this many characters; the name is only a label.
pub const MAX_NAME_CHARS: usize = 200;

/// 附件格式 — what an accepted document is, as judged from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// PDF (`%PDF-`).
    Pdf,
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (the eight-byte PNG signature).
    Png,
}

impl MediaType {
    /// Judges a file by its first bytes; `None` for anything but PDF, JPEG and PNG.
    pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
        if bytes.starts_with(b"%PDF-") {
            Some(MediaType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaType::Png)
        } else {
            None
        }
    }

    /// The MIME type, as stored and served (one of `beian_store::ATTACHMENT_MEDIA_TYPES`).
    pub fn code(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
        }
    }
}

/// 附件被拒 — why an upload is refused, naming the file, in words the customer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadRefusal {
    /// Larger than [`MAX_ATTACHMENT_BYTES`].
    #[error(
        "附件「{name}」超过 {} MB，无法上传。请压缩或分成几个文件后重新上传",
        MAX_ATTACHMENT_BYTES / (1024 * 1024)
    )]
    TooLarge {
        /// The file's name.
        name: String,
    },
    /// Not a PDF, JPEG or PNG by its content.
    #[error(
        "附件「{name}」不是 PDF、JPG 或 PNG 文件（按文件内容判断，与扩展名无关），无法上传。请转换为这三种格式之一后重新上传"
    )]
    WrongType {
        /// The file's name.
        name: String,
    },
    /// A named file without content.
    #[error("附件「{name}」是空文件，无法上传")]
    Empty {
        /// The file's name.
        name: String,
    },
    /// More than [`MAX_ATTACHMENTS`] files at once.
    #[error("每次最多上传 {} 个附件，本次选择了 {count} 个", MAX_ATTACHMENTS)]
    TooMany {
        /// How many were sent.
        count: usize,
    },
}

/// Refuses a file larger than [`MAX_ATTACHMENT_BYTES`]; for callers that know the size
/// before reading the bytes (a file on disk, a stream being read).
pub fn check_size(name: &str, size: u64) -> Result<(), UploadRefusal> {
    if size > MAX_ATTACHMENT_BYTES as u64 {
        Err(UploadRefusal::TooLarge {
            name: name.to_owned(),
        })
    } else {
        Ok(())
    }
}

/// Refuses more than [`MAX_ATTACHMENTS`] files in one request.
pub fn check_count(count: usize) -> Result<(), UploadRefusal> {
    if count > MAX_ATTACHMENTS {
        Err(UploadRefusal::TooMany { count })
    } else {
        Ok(())
    }
}

/// The name to keep for an uploaded file: its last path component (some browsers send the
/// whole client path), without control characters, at most [`MAX_NAME_CHARS`]
/// characters, `附件` when nothing is left.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let name: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let name = name.trim();
    if name.is_empty() {
        "附件".to_owned()
    } else {
        name.to_owned()
    }
}

/// 待保存附件 — a document that passed the rules, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    name: String,
    media_type: MediaType,
    bytes: Vec<u8>,
}

impl Upload {
    /// Checks one file: not empty, not too large, and a PDF, JPEG or PNG by its content.
    /// The name is cleaned ([`clean_name`]) and named in any refusal.
    pub fn check(name: &str, bytes: Vec<u8>) -> Result<Upload, UploadRefusal> {
        let name = clean_name(name);
        if bytes.is_empty() {
            return Err(UploadRefusal::Empty { name });
        }
        check_size(&name, bytes.len() as u64)?;
        let media_type =
            MediaType::sniff(&bytes).ok_or(UploadRefusal::WrongType { name: name.clone() })?;
        Ok(Upload {
            name,
            media_type,
            bytes,
        })
    }

    /// The cleaned file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type judged from the content.
    pub fn media_type(&self) -> MediaType {
        self.media_type
    }

    /// The content.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Stores checked documents (each content once), records them as uploaded for order
/// `order_id` and returns what an event lists of them: name, SHA-256 and size. Call it
/// before applying the event that lists them. The record is what lets an event of this
/// order list the hash ([`check_listed`]) and the order's people open the document; an
/// order not visible in `scope` is `StoreError::NotFound`, after the bytes were stored
/// (unrecorded bytes open for nobody).
pub async fn keep(
    store: &Store,
    scope: Scope,
    order_id: i64,
    uploads: &[Upload],
    now: DateTime<Utc>,
) -> Result<Vec<Attachment>, StoreError> {
    let mut kept = Vec::with_capacity(uploads.len());
    for upload in uploads {
        let sha256 = store
            .put_attachment(upload.media_type.code(), &upload.bytes, now)
            .await?;
        if !store
            .record_upload(scope, order_id, &sha256, &upload.name, now)
            .await?
        {
            return Err(StoreError::NotFound {
                kind: "order",
                id: order_id,
            });
        }
        kept.push(Attachment {
            name: upload.name.clone(),
            sha256,
            size: upload.bytes.len() as u64,
        });
    }
    Ok(kept)
}

/// 附件未上传 — an event lists a document that was not uploaded for its order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "附件「{name}」（SHA-256 {sha256}）未上传到本整改单或大小不符：请先通过 POST /api/v1/orders/{{id}}/attachments 上传，再在事件中列出返回的 name、sha256 和 size"
)]
pub struct NotUploaded {
    /// The name the event gives.
    pub name: String,
    /// The hash the event gives.
    pub sha256: String,
}

/// Whether every document an event lists was uploaded for order `order_id` (in `scope`)
/// with the size it gives. A hash is otherwise only a name for somebody's bytes: listed
/// without having been sent for this order, it would let the caller open a document
/// uploaded for another order, or file a request whose documents were never received.
pub async fn check_listed(
    store: &Store,
    scope: Scope,
    order_id: i64,
    listed: &[Attachment],
) -> Result<Result<(), NotUploaded>, StoreError> {
    for a in listed {
        let upload = store.order_upload(scope, order_id, &a.sha256).await?;
        let matches = upload.is_some_and(|u| u64::try_from(u.size).ok() == Some(a.size));
        if !matches {
            return Ok(Err(NotUploaded {
                name: a.name.clone(),
                sha256: a.sha256.clone(),
            }));
        }
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_content() {
        let table: &[(&[u8], Option<MediaType>)] = &[
            (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", Some(MediaType::Pdf)),
            (b"\xff\xd8\xff\xe0\x00\x10JFIF", Some(MediaType::Jpeg)),
            (b"\xff\xd8\xff\xe1Exif", Some(MediaType::Jpeg)),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Some(MediaType::Png)),
            (b"MZ\x90\x00\x03", None),
            (b"\x7fELF\x02\x01", None),
            (b"PK\x03\x04", None),
            (b"<html><script>", None),
            (b"GIF89a", None),
            (b"%PDF", None),
            (b"\x89PNG\r\n", None),
            (b"\xff\xd8", None),
            (b" %PDF-1.7", None),
            (b"", None),
        ];
        for (bytes, expected) in table {
            assert_eq!(MediaType::sniff(bytes), *expected, "{bytes:?}");
        }
    }

    #[test]
    fn a_renamed_program_is_refused_by_name() {
        let refusal = Upload::check("营业执照.pdf", b"MZ\x90\x00".to_vec()).unwrap_err();
        assert_eq!(
            refusal,
            UploadRefusal::WrongType {
                name: "营业执照.pdf".into()
            }
        );
        let text = refusal.to_string();
        assert!(
            text.contains("「营业执照.pdf」") && text.contains("PDF"),
            "{text}"
        );
    }

    #[test]
    fn sizes_and_counts_have_limits() {
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(MAX_ATTACHMENT_BYTES, b' ');
        let ok = Upload::check("大文件.pdf", big.clone()).expect("exactly the limit");
        assert_eq!(ok.media_type(), MediaType::Pdf);
        big.push(b' ');
        let refusal = Upload::check("大文件.pdf", big).unwrap_err();
        assert!(matches!(refusal, UploadRefusal::TooLarge { .. }));
        assert!(refusal.to_string().contains("10 MB"), "{refusal}");
        assert!(check_size("a.pdf", MAX_ATTACHMENT_BYTES as u64).is_ok());
        assert!(check_size("a.pdf", MAX_ATTACHMENT_BYTES as u64 + 1).is_err());
        assert!(matches!(
            Upload::check("空.pdf", Vec::new()),
            Err(UploadRefusal::Empty { .. })
        ));
        assert!(check_count(MAX_ATTACHMENTS).is_ok());
        let refusal = check_count(MAX_ATTACHMENTS + 1).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "每次最多上传 5 个附件，本次选择了 6 个"
        );
    }

    #[test]
    fn names_lose_paths_and_control_characters() {
        let table = [
            ("营业执照.pdf", "营业执照.pdf"),
            (r"C:\Users\王\Desktop\授权书.png", "授权书.png"),
            ("../../etc/passwd.jpg", "passwd.jpg"),
            ("a\r\nb.pdf", "ab.pdf"),
            ("  ", "附件"),
            ("dir/", "附件"),
        ];
        for (raw, clean) in table {
            assert_eq!(clean_name(raw), clean, "{raw:?}");
        }
        assert_eq!(
            clean_name(&"长".repeat(300)).chars().count(),
            MAX_NAME_CHARS
        );
    }
}
