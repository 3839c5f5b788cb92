//! 解析错误 — why a reply cannot be read.
//!
//! Only a reply that cannot be understood is an error. "No such domain", "reserved" and
//! RDAP's 404 are answers (an [`Outcome`](crate::Outcome)), because the checks judge them.
//! Each message says what was wrong in the reply, in Chinese, so that an operator can
//! tell a truncated download from a rate-limit page from a registry's new format.

/// Why a WHOIS or RDAP reply was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing (or only whitespace) was received.
    #[error("回复为空：没有收到任何内容")]
    Empty,
    /// Text with no registration fields and no "not found" or "reserved" wording.
    #[error("不是可识别的 WHOIS 回复：既没有域名注册信息字段，也没有“未注册”或“保留”之类的说明")]
    NotWhois,
    /// The server refused the query (too many queries, access denied).
    #[error("WHOIS 服务器拒绝了这次查询：「{0}」")]
    Refused(String),
    /// The RDAP reply is not JSON.
    #[error("RDAP 回复不是有效的 JSON（第 {line} 行第 {column} 列）：{reason}")]
    InvalidJson {
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column of the fault.
        column: usize,
        /// What is wrong there.
        reason: &'static str,
    },
    /// JSON, but not an RDAP domain object (a nameserver, an entity, a search result…).
    #[error("RDAP 回复不是域名对象（objectClassName 为「{0}」）")]
    NotADomain(String),
    /// The RDAP server answered with an error object other than 404.
    #[error("RDAP 服务器返回错误 {code}：{title}")]
    RdapError {
        /// The `errorCode`, an HTTP status.
        code: i64,
        /// The error's `title` and `description`, or a note that there were none.
        title: String,
    },
    /// A time field whose value cannot be read.
    #[error("无法识别「{field}」字段的时间「{value}」")]
    BadDate {
        /// The field as the reply names it (`Expiration Time`, `events[expiration]`).
        field: String,
        /// The value as given.
        value: String,
    },
}

impl ParseError {
    /// The `InvalidJson` error for a serde_json error, with its position.
    pub(crate) fn json(error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let reason = match error.classify() {
            Category::Io => "读取出错",
            Category::Syntax => "语法错误",
            Category::Data => "数据类型不符",
            Category::Eof => "内容不完整，提前结束",
        };
        ParseError::InvalidJson {
            line: error.line(),
            column: error.column(),
            reason,
        }
    }
}
