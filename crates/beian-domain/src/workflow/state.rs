//! 状态 — the states of an order, of its extension, and of the filing rows it affects, and
//! who may act on them.
//!
//! Every state has a stable text code (what the store writes and the API returns) and a
//! Chinese label (what people read). The codes are a contract with the store: they never
//! change once released.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The text was not one of the codes of the type it was parsed as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知的{kind}代码「{code}」")]
pub struct UnknownCode {
    /// Which kind of code was expected, in Chinese (整改单状态, 延期状态 …).
    pub kind: &'static str,
    /// The text that was given.
    pub code: String,
}

macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every value, in the order of the workflow.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable text code, as stored and serialised.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The Chinese label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// The value whose code is `code`, exactly (no trimming, no case folding: codes
            /// come from the store, not from people).
            pub fn parse(code: &str) -> Result<Self, UnknownCode> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => Err(UnknownCode { kind: $kind, code: code.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownCode;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
    };
}

coded_enum! {
    /// 整改单状态 — where a rectification order stands.
    ///
    /// Three states wait for the customer ([`OrderState::customer_must_act`]); only in those
    /// can the deadline pass. The others wait for the provider, the 管局 or nobody.
    OrderState, "整改单状态" {
        /// 待整改: issued, waiting for the customer's change request or re-check request.
        Issued = "issued", "待整改";
        /// 待审核: the customer submitted a change; an operator reviews it.
        Submitted = "submitted", "待审核";
        /// 已退回: the operator (or the 管局) rejected the change; the customer must act again.
        Returned = "returned", "已退回";
        /// 管局审核: the approved change waits for the provincial authority.
        MiitReview = "miit_review", "管局审核";
        /// 复查中: the filing is being re-checked after a change or on request.
        Rechecking = "rechecking", "复查中";
        /// 复查未通过: the re-check still fails; the customer must act or appeal.
        RecheckFailed = "recheck_failed", "复查未通过";
        /// 申诉中: the customer appealed against the re-check result.
        Appealed = "appealed", "申诉中";
        /// 已整改: every item is fixed (or the appeal was upheld). Final.
        Resolved = "resolved", "已整改";
        /// 已逾期: the deadline passed while the customer had to act.
        Overdue = "overdue", "已逾期";
        /// 待处置: an overdue order waits for an operator to choose the enforcement.
        EnforcementPending = "enforcement_pending", "待处置";
        /// 已取消接入: the provider stopped serving the site; it can still be reinstated.
        AccessCancelled = "access_cancelled", "已取消接入";
        /// 注销审核中: the provider asked the 管局 to deregister the filing.
        DeregistrationPending = "deregistration_pending", "注销审核中";
        /// 已注销: the 管局 deregistered the filing. Final.
        Deregistered = "deregistered", "已注销";
    }
}

impl OrderState {
    /// Whether no event can move the order any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, OrderState::Resolved | OrderState::Deregistered)
    }

    /// Whether the order waits for the customer: only then can the customer act on it, and
    /// only then does the deadline run against them.
    pub fn customer_must_act(self) -> bool {
        matches!(
            self,
            OrderState::Issued | OrderState::Returned | OrderState::RecheckFailed
        )
    }

    /// The status the entity and site rows of the order show while it is in this state.
    pub fn filing_status(self) -> FilingStatus {
        filing_status(self)
    }
}

coded_enum! {
    /// 延期状态 — the one extension an order may have.
    ExtensionState, "延期状态" {
        /// 未申请: no extension was requested.
        None = "none", "未申请";
        /// 待审批: the customer asked; an operator decides.
        Requested = "requested", "待审批";
        /// 已批准: the deadline was moved.
        Granted = "granted", "已批准";
        /// 未批准: the request was refused; the deadline stays.
        Denied = "denied", "未批准";
    }
}

coded_enum! {
    /// 备案状态 — the status an entity or site row shows in lists, as in the seed
    /// (正常, 备案整改) and what the workflow adds after the deadline.
    FilingStatus, "备案状态" {
        /// 正常: nothing to fix.
        Normal = "normal", "正常";
        /// 备案整改: an order is open and within its period; the site keeps running.
        Rectification = "rectification", "备案整改";
        /// 整改逾期: the period ended without a fix; enforcement may follow.
        Overdue = "overdue", "整改逾期";
        /// 已取消接入: the provider no longer serves the site.
        AccessCancelled = "access_cancelled", "已取消接入";
        /// 已注销: the filing was deregistered.
        Deregistered = "deregistered", "已注销";
    }
}

coded_enum! {
    /// 操作方 — who performs an event. The workflow checks it, the caller authenticates it.
    Actor, "操作方" {
        /// 客户: the filing's holder, through the console.
        Customer = "customer", "客户";
        /// 审核员: the provider's filing operator.
        Operator = "operator", "审核员";
        /// 系统: the scheduler and the workers (deadlines, re-checks, 管局 sync).
        System = "system", "系统";
        /// 管理员: an administrator, who may do whatever an operator may.
        Admin = "admin", "管理员";
    }
}

/// 备案状态 — the status the entity and site rows of an order show while the order is in
/// `state`.
///
/// A resolved order puts the rows back to 正常. A customer's own 注销网站 or 注销主体 ends
/// the order as resolved too: the store then sets the rows from the change it applied, not
/// from the order. An order waiting for the 管局 to deregister keeps 整改逾期, since the site
/// is still served until the 管局 acts.
pub fn filing_status(state: OrderState) -> FilingStatus {
    match state {
        OrderState::Issued
        | OrderState::Submitted
        | OrderState::Returned
        | OrderState::MiitReview
        | OrderState::Rechecking
        | OrderState::RecheckFailed
        | OrderState::Appealed => FilingStatus::Rectification,
        OrderState::Resolved => FilingStatus::Normal,
        OrderState::Overdue
        | OrderState::EnforcementPending
        | OrderState::DeregistrationPending => FilingStatus::Overdue,
        OrderState::AccessCancelled => FilingStatus::AccessCancelled,
        OrderState::Deregistered => FilingStatus::Deregistered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        fn check<T: Copy + PartialEq + fmt::Debug + Serialize>(
            all: &[T],
            code: fn(T) -> &'static str,
            label: fn(T) -> &'static str,
            parse: fn(&str) -> Result<T, UnknownCode>,
        ) {
            let mut codes = std::collections::HashSet::new();
            let mut labels = std::collections::HashSet::new();
            for &v in all {
                assert!(codes.insert(code(v)), "duplicate code {}", code(v));
                assert!(labels.insert(label(v)), "duplicate label {}", label(v));
                assert_eq!(parse(code(v)), Ok(v));
                let json = serde_json::to_string(&v).expect("serialise");
                assert_eq!(json, format!("\"{}\"", code(v)));
            }
            assert!(parse("").is_err());
            assert!(parse(&code(all[0]).to_uppercase()).is_err());
        }
        check(
            OrderState::ALL,
            OrderState::code,
            OrderState::label,
            OrderState::parse,
        );
        check(
            ExtensionState::ALL,
            ExtensionState::code,
            ExtensionState::label,
            ExtensionState::parse,
        );
        check(
            FilingStatus::ALL,
            FilingStatus::code,
            FilingStatus::label,
            FilingStatus::parse,
        );
        check(Actor::ALL, Actor::code, Actor::label, Actor::parse);
    }

    #[test]
    fn the_contract_codes_are_pinned() {
        let codes: Vec<&str> = OrderState::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(
            codes,
            [
                "issued",
                "submitted",
                "returned",
                "miit_review",
                "rechecking",
                "recheck_failed",
                "appealed",
                "resolved",
                "overdue",
                "enforcement_pending",
                "access_cancelled",
                "deregistration_pending",
                "deregistered",
            ]
        );
        assert_eq!(OrderState::MiitReview.label(), "管局审核");
        assert_eq!(FilingStatus::Rectification.label(), "备案整改");
        let err = OrderState::parse("closed").unwrap_err();
        assert_eq!(err.to_string(), "未知的整改单状态代码「closed」");
    }

    #[test]
    fn deserialises_from_the_code() {
        let s: OrderState = serde_json::from_str("\"recheck_failed\"").expect("parse");
        assert_eq!(s, OrderState::RecheckFailed);
        assert!(serde_json::from_str::<OrderState>("\"复查未通过\"").is_err());
    }

    #[test]
    fn filing_status_follows_the_order() {
        let table = [
            (OrderState::Issued, FilingStatus::Rectification),
            (OrderState::Submitted, FilingStatus::Rectification),
            (OrderState::Returned, FilingStatus::Rectification),
            (OrderState::MiitReview, FilingStatus::Rectification),
            (OrderState::Rechecking, FilingStatus::Rectification),
            (OrderState::RecheckFailed, FilingStatus::Rectification),
            (OrderState::Appealed, FilingStatus::Rectification),
            (OrderState::Resolved, FilingStatus::Normal),
            (OrderState::Overdue, FilingStatus::Overdue),
            (OrderState::EnforcementPending, FilingStatus::Overdue),
            (OrderState::AccessCancelled, FilingStatus::AccessCancelled),
            (OrderState::DeregistrationPending, FilingStatus::Overdue),
            (OrderState::Deregistered, FilingStatus::Deregistered),
        ];
        assert_eq!(table.len(), OrderState::ALL.len());
        for (state, status) in table {
            assert_eq!(filing_status(state), status, "{state:?}");
        }
    }

    #[test]
    fn customer_states_and_terminal_states() {
        let customer: Vec<_> = OrderState::ALL
            .iter()
            .filter(|s| s.customer_must_act())
            .collect();
        assert_eq!(
            customer,
            [
                &OrderState::Issued,
                &OrderState::Returned,
                &OrderState::RecheckFailed
            ]
        );
        let terminal: Vec<_> = OrderState::ALL.iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(terminal, [&OrderState::Resolved, &OrderState::Deregistered]);
    }
}
