//! 核查结果 — findings: what one check concluded about one target, and why.
//!
//! A finding is data, never an error: a failing filing is the normal output of the
//! system. Every command that reports findings (`lint`, `inspect`, later `check` and the
//! API) uses this one shape, so that a report can be stored, compared and rendered the same
//! way wherever it came from.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::catalogue::{CheckDef, CheckId};

/// 核查结论 — the verdict of one check on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 通过: the rule holds.
    Pass,
    /// 提示: something a reviewer should look at, but not a failure on its own.
    Warn,
    /// 不通过: the rule is broken; this becomes a rectification item.
    Fail,
    /// 无法判断: the evidence could not be gathered or is not enough to decide.
    Inconclusive,
}

impl Status {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "通过",
            Status::Warn => "提示",
            Status::Fail => "不通过",
            Status::Inconclusive => "无法判断",
        }
    }
}

/// 核查对象 — what a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// The entity (主体) as a whole.
    Entity,
    /// One website (网站), by its position in the filing and its filed name.
    Website {
        /// Zero-based position in the filing's `websites`.
        index: usize,
        /// The filed site name, for readers.
        name: String,
    },
    /// A page inspected without a filing.
    Page,
}

/// 证据 — one fact a check saw: what, where from, and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// What this fact is, in Chinese (首页标题, 命中词 …).
    pub label: String,
    /// The fact itself: a string, a number or a structured value.
    pub value: serde_json::Value,
    /// Where it was seen: a file, a URL, a server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// When it was seen, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<String>,
}

impl Evidence {
    /// A fact with a label and a value, source and time unknown.
    pub fn new(label: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        Evidence {
            label: label.into(),
            value: value.into(),
            source: None,
            observed_at: None,
        }
    }

    /// The same fact, seen at `source`.
    #[must_use]
    pub fn from_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The same fact, seen at `observed_at` (RFC 3339).
    #[must_use]
    pub fn at(mut self, observed_at: impl Into<String>) -> Self {
        self.observed_at = Some(observed_at.into());
        self
    }
}

/// 核查项结果 — one check's verdict on one target, with the specifics.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Which check.
    pub check: CheckId,
    /// Its verdict.
    pub status: Status,
    /// What it judged.
    pub target: Target,
    /// 相关字段: the filed field concerned, in Chinese (网站名称, 负责人手机号码 …).
    pub field: Option<String>,
    /// 问题描述: what exactly is wrong (or right), in Chinese.
    pub message: String,
    /// What was seen.
    pub evidence: Vec<Evidence>,
}

impl Finding {
    /// A finding of `check` on `target` with a specific message and no evidence yet.
    pub fn new(check: CheckId, status: Status, target: Target, message: impl Into<String>) -> Self {
        Finding {
            check,
            status,
            target,
            field: None,
            message: message.into(),
            evidence: Vec::new(),
        }
    }

    /// The same finding, about a named field.
    #[must_use]
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same finding with one more piece of evidence.
    #[must_use]
    pub fn with(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    /// The catalogue entry of its check.
    pub fn def(&self) -> &'static CheckDef {
        self.check.def()
    }
}

/// Findings serialise with the catalogue's title, reason, remedy and actions inlined, so a
/// report is readable on its own without the catalogue at hand.
impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let def = self.def();
        let mut s = serializer.serialize_struct("Finding", 10)?;
        s.serialize_field("check", def.id)?;
        s.serialize_field("status", &self.status)?;
        s.serialize_field("title", def.title)?;
        s.serialize_field("target", &self.target)?;
        s.serialize_field("field", &self.field)?;
        s.serialize_field("message", &self.message)?;
        s.serialize_field("reason", def.reason)?;
        s.serialize_field("remedy", def.remedy)?;
        s.serialize_field("actions", def.actions)?;
        s.serialize_field("evidence", &self.evidence)?;
        s.end()
    }
}

/// Whether any finding fails: the CLI's exit code 1.
pub fn any_failed(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.status == Status::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_serialises_with_its_catalogue_texts() {
        let finding = Finding::new(
            CheckId::SiteTitleMismatch,
            Status::Fail,
            Target::Website {
                index: 0,
                name: "示例网站".into(),
            },
            "标题不含网站名称",
        )
        .field("网站名称")
        .with(Evidence::new("首页标题", "欢迎").from_source("index.html"));
        let json = serde_json::to_value(&finding).expect("serialise");
        assert_eq!(json["check"], "site.title_mismatch");
        assert_eq!(json["status"], "fail");
        assert_eq!(json["target"]["kind"], "website");
        assert_eq!(json["actions"][0], "修改网站内容");
        assert_eq!(json["evidence"][0]["source"], "index.html");
        assert!(json["evidence"][0].get("observed_at").is_none());
        assert!(json["reason"].as_str().is_some_and(|r| !r.is_empty()));
    }

    #[test]
    fn only_a_fail_makes_a_report_fail() {
        let f = |status| Finding::new(CheckId::SiteFooterLink, status, Target::Page, "x");
        assert!(!any_failed(&[
            f(Status::Pass),
            f(Status::Warn),
            f(Status::Inconclusive)
        ]));
        assert!(any_failed(&[f(Status::Pass), f(Status::Fail)]));
    }
}
