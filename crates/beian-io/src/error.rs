//! 导入错误 — what a reader says about a line it could not take.

use std::fmt;

use beian_domain::Filing;

/// 导入结果 — one filing read from a file, with the lines it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedFiling {
    /// The first line (JSON Lines) or row (CSV, XLSX) of the filing, 1-based.
    pub line: u64,
    /// The last line or row of the filing; equal to `line` for JSON Lines.
    pub last_line: u64,
    /// The filing.
    pub filing: Filing,
}

/// 导入错误 — why one line, or the whole file, could not be read.
///
/// A line error means the line was skipped and reading goes on; a fatal error (`fatal`)
/// means the file cannot be read any further and is the last item of its stream. The
/// value is shown masked when it is an ID number or a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    /// The file, as the caller named it.
    pub file: String,
    /// The 1-based line or row; 0 when the problem is not on one line (an unreadable file).
    pub line: u64,
    /// The column header (CSV, XLSX) or JSON path (JSON Lines) of the bad value.
    pub field: Option<String>,
    /// The bad value as read, masked if personal; absent when there is none to show.
    pub value: Option<String>,
    /// Why it was refused, in Chinese.
    pub reason: String,
    /// Whether reading stopped here.
    pub fatal: bool,
}

impl ImportError {
    /// A problem with the file as a whole: reading stops.
    pub(crate) fn fatal(file: &str, reason: impl Into<String>) -> Self {
        ImportError {
            file: file.to_owned(),
            line: 0,
            field: None,
            value: None,
            reason: reason.into(),
            fatal: true,
        }
    }

    /// A problem on one line: the line is skipped.
    pub(crate) fn at_line(file: &str, line: u64, reason: impl Into<String>) -> Self {
        ImportError {
            file: file.to_owned(),
            line,
            field: None,
            value: None,
            reason: reason.into(),
            fatal: false,
        }
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if self.line > 0 {
            write!(f, " 第 {} 行", self.line)?;
        }
        if let Some(field) = &self.field {
            write!(f, "，{field}")?;
        }
        if let Some(value) = &self.value {
            write!(f, "「{value}」")?;
        }
        write!(f, "：{}", self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_file_line_field_value_and_reason() {
        let err = ImportError::at_line("a.csv", 7, "不是有效的 IP 地址")
            .field("接入IP")
            .value("203.0.113");
        assert_eq!(
            err.to_string(),
            "a.csv 第 7 行，接入IP「203.0.113」：不是有效的 IP 地址"
        );
        let err = ImportError::fatal("a.xlsx", "不是 XLSX 工作簿");
        assert_eq!(err.to_string(), "a.xlsx：不是 XLSX 工作簿");
    }
}
