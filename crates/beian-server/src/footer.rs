//! 备案号页脚代码 — the HTML a site owner pastes at the bottom of the homepage.
//!
//! The most common footer faults (the ICP number not linked, linked to a legacy or `www.`
//! MIIT host, or to the 公安 site; the 公安 number pointing at the retired portal) are
//! avoided by giving the owner the exact HTML instead of a description of it. The numbers
//! are parsed first, so the snippet always shows their normalised form.

use beian_domain::ident::{IcpFilingNumber, PoliceFilingNumber};

/// The MIIT filing system's address: the only place the ICP number may link to.
pub const MIIT_URL: &str = "https://beian.miit.gov.cn/";

/// 页脚代码 — the generated snippet and the normalised numbers it shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FooterSnippet {
    /// 备案号, normalised.
    pub icp: String,
    /// 公安联网备案号, normalised, when given.
    pub police: Option<String>,
    /// The HTML to paste into the page footer.
    pub html: String,
}

/// Why no snippet could be made: the message names the field and the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FooterError {
    #[error("备案号“{value}”无效：{reason}")]
    Icp { value: String, reason: String },
    #[error("公安联网备案号“{value}”无效：{reason}")]
    Police { value: String, reason: String },
}

/// Builds the footer HTML for an ICP filing number and an optional 公安 number.
pub fn snippet(icp: &str, police: Option<&str>) -> Result<FooterSnippet, FooterError> {
    let icp_number = IcpFilingNumber::parse(icp.trim()).map_err(|e| FooterError::Icp {
        value: icp.trim().to_string(),
        reason: e.to_string(),
    })?;
    let police_number = match police.map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(
            PoliceFilingNumber::parse(p).map_err(|e| FooterError::Police {
                value: p.to_string(),
                reason: e.to_string(),
            })?,
        ),
    };
    let mut html = String::from("<div style=\"text-align:center;font-size:12px;\">\n");
    html.push_str(&format!(
        "  <a href=\"{MIIT_URL}\" target=\"_blank\" rel=\"noopener\">{}</a>\n",
        escape(icp_number.as_str())
    ));
    if let Some(p) = &police_number {
        html.push_str(&format!(
            "  <a href=\"{}\" target=\"_blank\" rel=\"noopener\">{}</a>\n",
            escape(&p.query_url()),
            escape(p.as_str())
        ));
    }
    html.push_str("</div>");
    Ok(FooterSnippet {
        icp: icp_number.as_str().to_string(),
        police: police_number.map(|p| p.as_str().to_string()),
        html,
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_the_icp_number_to_miit_and_the_police_number_to_its_query() {
        let s = snippet("京ICP备2024012345号-1", Some("京公网安备11010802012345号")).unwrap();
        assert!(s.html.contains(
            "<a href=\"https://beian.miit.gov.cn/\" target=\"_blank\" rel=\"noopener\">京ICP备2024012345号-1</a>"
        ));
        assert!(s.html.contains("beian.mps.gov.cn"));
        assert!(s.html.contains("11010802012345"));
        assert!(!s.html.contains("www.beian.miit.gov.cn"));
        assert!(!s.html.contains("beian.gov.cn/portal"));
    }

    #[test]
    fn without_a_police_number_only_the_icp_link() {
        let s = snippet(" 粤ICP备2023123456号 ", None).unwrap();
        assert_eq!(s.icp, "粤ICP备2023123456号");
        assert_eq!(s.police, None);
        assert_eq!(s.html.matches("<a ").count(), 1);
    }

    #[test]
    fn bad_numbers_name_the_field_and_value() {
        let table = [
            ("京ICP备12号", None, "备案号“京ICP备12号”无效"),
            (
                "京ICP备2024012345号",
                Some("京公网安备123号"),
                "公安联网备案号“京公网安备123号”无效",
            ),
        ];
        for (icp, police, want) in table {
            let err = snippet(icp, police).unwrap_err().to_string();
            assert!(err.starts_with(want), "{err}");
        }
    }
}
