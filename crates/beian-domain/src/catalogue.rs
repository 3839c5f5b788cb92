//! 核查项目录 — the check catalogue: every check the system can run, with a stable id.
//!
//! The ids are a contract. Reports, stored findings, rectification orders and the API all
//! refer to checks by these strings, so an id never changes once released. The fourteen
//! checks of the seed document keep the ids the project was founded with; the checks that
//! the rules add follow the same `scope.snake_case` form.
//!
//! Each entry carries the Chinese title, the generic reason (不通过原因) and remedy
//! (解决措施) a customer sees, and the actions (整改操作) that can fix it. A finding adds
//! the specifics: what exactly was seen, where, and when.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// 整改操作 — what a customer can do to fix a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Action {
    /// 变更备案: change the entity's or a site's filed data.
    #[serde(rename = "变更备案")]
    ChangeFiling,
    /// 变更网站: change a site (its domains, name, IPs).
    #[serde(rename = "变更网站")]
    ChangeWebsite,
    /// 注销网站: deregister one site.
    #[serde(rename = "注销网站")]
    CancelWebsite,
    /// 注销主体: deregister the entity and all its sites.
    #[serde(rename = "注销主体")]
    CancelEntity,
    /// 续费域名: renew the domain at the registrar.
    #[serde(rename = "续费域名")]
    RenewDomain,
    /// 修改解析: point the domain's DNS at the filed addresses.
    #[serde(rename = "修改解析")]
    ChangeDns,
    /// 修改网站内容: change what the site shows.
    #[serde(rename = "修改网站内容")]
    ChangeContent,
    /// 上传前置审批: upload a pre-approval document.
    #[serde(rename = "上传前置审批")]
    UploadPreApproval,
}

impl Action {
    /// Every action, in the order the console lists them.
    pub const ALL: [Action; 8] = [
        Action::ChangeFiling,
        Action::ChangeWebsite,
        Action::CancelWebsite,
        Action::CancelEntity,
        Action::RenewDomain,
        Action::ChangeDns,
        Action::ChangeContent,
        Action::UploadPreApproval,
    ];

    /// The Chinese label shown to customers.
    pub fn label(self) -> &'static str {
        match self {
            Action::ChangeFiling => "变更备案",
            Action::ChangeWebsite => "变更网站",
            Action::CancelWebsite => "注销网站",
            Action::CancelEntity => "注销主体",
            Action::RenewDomain => "续费域名",
            Action::ChangeDns => "修改解析",
            Action::ChangeContent => "修改网站内容",
            Action::UploadPreApproval => "上传前置审批",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// 核查对象 — whether a check judges the entity or one of its websites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// 主体.
    Entity,
    /// 网站.
    Website,
}

/// 证据来源 — where a check gets what it judges. Drives which checks a command can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    /// The filed data alone (`beian lint`).
    Filing,
    /// The homepage's content (`beian inspect`, or a live fetch).
    Page,
    /// DNS resolution of the filed domains.
    Dns,
    /// An HTTP fetch of the homepage (reachability, redirects, TLS).
    Http,
    /// WHOIS or RDAP registration data.
    Registration,
    /// An outside registry: business registry, identity, carrier, registrar real-name.
    Registry,
}

impl EvidenceSource {
    /// The Chinese label used in listings.
    pub fn label(self) -> &'static str {
        match self {
            EvidenceSource::Filing => "备案数据",
            EvidenceSource::Page => "网页内容",
            EvidenceSource::Dns => "域名解析",
            EvidenceSource::Http => "网站访问",
            EvidenceSource::Registration => "域名注册信息",
            EvidenceSource::Registry => "外部核验接口",
        }
    }
}

macro_rules! checks {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $id:literal, $scope:ident, [$($source:ident),+], seed: $seed:literal,
        title: $title:literal,
        reason: $reason:literal,
        remedy: $remedy:literal,
        actions: [$($action:ident),*];
    )+) => {
        /// 核查项 — the stable identifier of one check.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CheckId {
            $($(#[$doc])* $variant,)+
        }

        impl CheckId {
            /// Every check, in catalogue order (entity checks first, seed checks first).
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant,)+];

            /// The check's full definition.
            pub fn def(self) -> &'static CheckDef {
                match self {
                    $(CheckId::$variant => &CheckDef {
                        id: $id,
                        scope: Scope::$scope,
                        sources: &[$(EvidenceSource::$source),+],
                        from_seed: $seed,
                        title: $title,
                        reason: $reason,
                        remedy: $remedy,
                        actions: &[$(Action::$action),*],
                    },)+
                }
            }
        }
    };
}

/// 核查项定义 — what a check is, independent of any one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckDef {
    /// The stable id, e.g. `site.title_mismatch`.
    pub id: &'static str,
    /// Whether it judges the entity or a website.
    pub scope: Scope,
    /// Where its evidence comes from; the first is the main one.
    pub sources: &'static [EvidenceSource],
    /// Whether the check is one of the fourteen of the seed document.
    pub from_seed: bool,
    /// The Chinese title, as shown in lists and notices.
    pub title: &'static str,
    /// 不通过原因: why a filing fails it, in general terms.
    pub reason: &'static str,
    /// 解决措施: what the customer should do.
    pub remedy: &'static str,
    /// The actions that fix it.
    pub actions: &'static [Action],
}

checks! {
    /// 企业经营状态异常.
    EntityBusinessStatus = "entity.business_status", Entity, [Registry], seed: true,
    title: "主体经营状态异常",
    reason: "工商登记显示备案主体已注销、被吊销但未注销，或登记已作废，不再是可以开办网站的主体。",
    remedy: "如单位仍在经营，请先到属地市场监督管理部门恢复或更正登记状态；如已停止经营，请在控制台办理注销主体。",
    actions: [CancelEntity, CancelWebsite];

    /// 主体证件不一致.
    EntityCertificateMismatch = "entity.certificate_mismatch", Entity, [Registry, Filing], seed: true,
    title: "主体证件信息与登记信息不一致",
    reason: "备案的主体名称、证件号码、证件地址或有效期与证件登记机关的最新记录不符，例如单位更名、证件换发或已过期。",
    remedy: "请通过变更备案，按最新证件更新主体信息；如网站已不再使用，可办理注销网站或注销主体。",
    actions: [ChangeFiling, CancelWebsite, CancelEntity];

    /// 企业法定代表人信息不一致.
    EntityLegalRepMismatch = "entity.legal_rep_mismatch", Entity, [Registry], seed: true,
    title: "法定代表人与登记信息不一致",
    reason: "备案中的法定代表人与工商登记的现任法定代表人不是同一人，通常是法定代表人已经变更。",
    remedy: "请通过变更备案填写现任法定代表人；如网站已不再使用，可办理注销网站或注销主体。",
    actions: [ChangeFiling, CancelWebsite, CancelEntity];

    /// 负责人证件已过期.
    EntityPrincipalIdExpired = "entity.principal_id_expired", Entity, [Filing], seed: true,
    title: "负责人证件已过期",
    reason: "备案中负责人的身份证件有效期已经届满。",
    remedy: "请通过变更备案上传负责人的有效证件并更新有效期；如网站已不再使用，可办理注销网站或注销主体。",
    actions: [ChangeFiling, CancelWebsite, CancelEntity];

    /// 负责人证件查询不一致.
    EntityPrincipalIdMismatch = "entity.principal_id_mismatch", Entity, [Registry], seed: true,
    title: "负责人证件信息核验不一致",
    reason: "按负责人的姓名和证件号码核验，结果与证件签发机关的记录不一致，例如负责人改名或户籍迁移后证件信息已变。",
    remedy: "请通过变更备案填写负责人最新的证件信息；如网站已不再使用，可办理注销网站或注销主体。",
    actions: [ChangeFiling, CancelWebsite, CancelEntity];

    /// 域名所有者不一致.
    EntityDomainOwnerMismatch = "entity.domain_owner_mismatch", Entity, [Registry, Registration], seed: true,
    title: "域名持有者与备案主体不一致",
    reason: "域名的实名认证持有者与备案主体对不上：个人备案要求负责人的姓名、证件类型和证件号码与持有者完全相同；单位备案要求单位名称或法定代表人与持有者相同。",
    remedy: "域名继续使用的，请到域名注册商把实名信息改为与备案主体一致（或办理过户）；不再使用的，请通过变更网站删去该域名，或注销网站、注销主体。",
    actions: [ChangeWebsite, CancelWebsite, CancelEntity];

    /// 联系方式无效.
    EntityContactInvalid = "entity.contact_invalid", Entity, [Filing, Registry], seed: true,
    title: "负责人联系方式无效",
    reason: "负责人的手机号码格式不对、是空号或已停机、不是本人使用，或负责人已不在本单位。",
    remedy: "请通过变更备案填写负责人本人正在使用的联系方式；如网站已不再使用，可办理注销网站。",
    actions: [ChangeFiling, CancelWebsite];

    /// 统一社会信用代码或身份证号码校验不通过.
    EntityCertificateInvalid = "entity.certificate_invalid", Entity, [Filing], seed: false,
    title: "主体证件号码不合规",
    reason: "主体证件号码不符合国家标准的编码规则（长度、字符集或校验位错误），或仍是三证合一前的旧证件号码。",
    remedy: "请核对证件原件，通过变更备案填写正确的证件号码；三证合一后的单位请改填统一社会信用代码。",
    actions: [ChangeFiling];

    /// 主体性质与证件类型不符.
    EntityCertificateTypeMismatch = "entity.certificate_type_mismatch", Entity, [Filing], seed: false,
    title: "主体性质与证件类型不符",
    reason: "主体性质、名称和证件类型在逻辑上互相矛盾，例如企业主体使用了居民身份证，或个人主体使用了营业执照。",
    remedy: "请通过变更备案，使主体性质、主办单位名称与证件类型相互一致。",
    actions: [ChangeFiling];

    /// 主办单位名称不合规.
    EntityNameInvalid = "entity.name_invalid", Entity, [Filing], seed: false,
    title: "主办单位名称不合规",
    reason: "主办单位名称不能是域名、纯数字或网站名称；个人主体的名称应为负责人本人姓名。",
    remedy: "请通过变更备案，按证件上的全称填写主办单位名称。",
    actions: [ChangeFiling];

    /// 负责人证件号码不合规.
    EntityPrincipalIdInvalid = "entity.principal_id_invalid", Entity, [Filing], seed: false,
    title: "负责人证件号码不合规",
    reason: "负责人的居民身份证号码校验位错误、出生日期不存在，或是已停用的15位旧号码。",
    remedy: "请核对负责人身份证原件，通过变更备案填写正确的18位号码。",
    actions: [ChangeFiling];

    /// 应急联系电话与负责人电话相同.
    EntityEmergencyPhone = "entity.emergency_phone", Entity, [Filing], seed: false,
    title: "应急联系电话不合规",
    reason: "应急联系电话缺失、格式不对，或与主体负责人、网站负责人的手机号码相同，起不到备用联络的作用。",
    remedy: "请通过变更备案，填写一个不同于各负责人手机号码、能够接通的应急联系电话。",
    actions: [ChangeFiling];

    /// 主体备案号不合规.
    EntityFilingNumberInvalid = "entity.filing_number_invalid", Entity, [Filing], seed: false,
    title: "主体备案号不合规",
    reason: "主体备案号不符合“省份简称+ICP备+数字+号”的格式，或省份简称与主体所在省份、证件所属地区不一致。",
    remedy: "请核对工信部备案系统中的主体备案号，通过变更备案更正；省份不符的，需向主体所在地管局重新备案。",
    actions: [ChangeFiling];

    /// 个人主体网站数量超限.
    EntityPersonalSiteLimit = "entity.personal_site_limit", Entity, [Filing], seed: false,
    title: "个人主体网站数量超出上限",
    reason: "一个个人主体最多备案5个互联网信息服务，超出的部分会被管局退回。",
    remedy: "请注销不再使用的网站，或将网站合并后再办理变更。",
    actions: [CancelWebsite, ChangeWebsite];

    /// 域名已过期.
    SiteDomainExpired = "site.domain_expired", Website, [Registration], seed: true,
    title: "备案域名已过期",
    reason: "备案的域名已经超过注册有效期、被注册局暂停解析，或即将到期。",
    remedy: "域名继续使用的，请联系注册商续费并解除暂停状态；不再使用的，请通过变更网站删去该域名，或注销网站。",
    actions: [RenewDomain, ChangeWebsite, CancelWebsite];

    /// 网站解析 IP 与备案 IP 不一致.
    SiteIpMismatch = "site.ip_mismatch", Website, [Dns], seed: true,
    title: "网站解析地址与备案IP不一致",
    reason: "网站域名实际解析到的IP地址都不在备案的IP列表中，或域名根本没有解析。",
    remedy: "请把域名解析改到备案的IP地址；域名不再使用的，请通过变更网站删去该域名，或注销网站。",
    actions: [ChangeDns, ChangeWebsite, CancelWebsite];

    /// 网站内容与备案主体信息不符.
    SiteContentMismatch = "site.content_mismatch", Website, [Page], seed: true,
    title: "网站内容与备案主体不符",
    reason: "网站内容超出了主体性质允许的范围：个人备案的网站出现企业或经营性内容，或一家单位的网站展示的是另一家单位的内容。",
    remedy: "请把网站内容改为与备案主体相符，并在首页底部展示备案号、链接到工信部备案系统；域名不再使用的，可通过变更网站删去该域名或注销网站。",
    actions: [ChangeContent, ChangeWebsite, CancelWebsite];

    /// 实际网站标题与备案网站名称不一致.
    SiteTitleMismatch = "site.title_mismatch", Website, [Page], seed: true,
    title: "网站标题与备案网站名称不一致",
    reason: "首页标题既不等于、也不包含备案的网站名称，或网站名称与主体无关。",
    remedy: "请修改首页标题，使其等于或完整包含备案网站名称；也可以通过变更备案把网站名称改成与实际标题一致。",
    actions: [ChangeContent, ChangeFiling];

    /// 网站内容涉及前置审批项.
    SitePreApproval = "site.pre_approval", Website, [Page, Filing], seed: true,
    title: "网站涉及前置审批但未提交审批文件",
    reason: "网站名称、标题或内容涉及需要前置审批的领域（如新闻、出版、药品和医疗器械、网络游戏、金融），但备案中没有相应的审批文件。",
    remedy: "请通过变更备案上传对应的前置审批文件；没有审批的，请删除网站上涉及该领域的内容。",
    actions: [UploadPreApproval, ChangeFiling, ChangeContent];

    /// 网站名称违规.
    SiteNameViolation = "site.name_violation", Website, [Filing], seed: true,
    title: "网站名称不合规",
    reason: "网站名称使用了受限词汇（如中国、中华、国家等），含有需要审批或与主体性质不符的词，或过短、只是域名或数字。",
    remedy: "网站继续使用的，请通过变更备案去掉违规词汇、改用合规名称；不再使用的，请注销网站。",
    actions: [ChangeFiling, CancelWebsite];

    /// 部分内容违规.
    SiteContentViolation = "site.content_violation", Website, [Page], seed: true,
    title: "网站内容涉嫌违规",
    reason: "网站内容疑似涉及赌博、色情或诈骗等违法信息。关键词命中需要人工复核，不会仅凭关键词处置。",
    remedy: "网站继续使用的，请删除相关内容后申请复查；不再使用的，请注销网站。",
    actions: [ChangeContent, CancelWebsite];

    /// 网站备案号不合规.
    SiteFilingNumberInvalid = "site.filing_number_invalid", Website, [Filing], seed: false,
    title: "网站备案号不合规",
    reason: "网站备案号应为主体备案号加“-序号”，格式不对或与主体备案号不属于同一主体。",
    remedy: "请核对工信部备案系统中的网站备案号，通过变更备案更正。",
    actions: [ChangeFiling];

    /// 首页未展示正确的备案号.
    SiteFooterNumber = "site.footer_number", Website, [Page], seed: false,
    title: "首页底部未展示正确的备案号",
    reason: "网站首页没有展示ICP备案号，或展示的备案号不属于本网站的备案（例如其他主体的号码、省份简称写错）。",
    remedy: "请在首页底部居中位置展示本网站的备案号（网站备案号，或按所在省份要求展示主体备案号）。",
    actions: [ChangeContent];

    /// 备案号未链接到工信部备案系统.
    SiteFooterLink = "site.footer_link", Website, [Page], seed: false,
    title: "备案号未链接到工信部备案系统",
    reason: "首页的备案号没有链接到工信部备案系统 https://beian.miit.gov.cn/，或仍链接到已停用的旧地址、公安备案网站。",
    remedy: "请把首页底部的备案号做成指向 https://beian.miit.gov.cn/ 的链接。",
    actions: [ChangeContent];

    /// 公安联网备案号不合规.
    SitePoliceNumber = "site.police_number", Website, [Page], seed: false,
    title: "公安联网备案号展示不合规",
    reason: "首页展示的公安联网备案号格式不对、地区代码与省份简称不符，或链接不是全国互联网安全管理服务平台。",
    remedy: "请核对公安联网备案号，按“省份简称+公网安备+14位数字+号”展示，并链接到 https://beian.mps.gov.cn/ 的查询页。",
    actions: [ChangeContent];

    /// 个人网站含交互功能.
    SiteInteractiveFeature = "site.interactive_feature", Website, [Page, Filing], seed: false,
    title: "网站含有论坛、评论等交互功能",
    reason: "网站提供论坛、留言板、评论或聊天室等交互服务，部分省份管局要求对此另行审批或不允许个人网站开设。",
    remedy: "请按所在省份管局的要求办理相应手续，或关闭交互功能。",
    actions: [ChangeContent, ChangeFiling];

    /// 一个网站备案了多个域名.
    SiteDomainCount = "site.domain_count", Website, [Filing], seed: false,
    title: "网站域名数量或格式不合规",
    reason: "备案的域名格式不正确、不是可注册的域名，或同一网站备案了多个域名（新备案每个网站只能有一个域名）。",
    remedy: "请通过变更网站更正域名；多余的域名请分别作为新网站备案。",
    actions: [ChangeWebsite];

    /// 网站负责人信息不完整.
    SiteContentDescription = "site.content_description", Website, [Filing], seed: false,
    title: "网站内容描述缺失",
    reason: "个人备案的网站需要填写网站内容描述，说明网站提供的具体内容。",
    remedy: "请通过变更备案补充网站的内容描述。",
    actions: [ChangeFiling];

    /// 网站无法访问.
    SiteUnreachable = "site.unreachable", Website, [Http], seed: false,
    title: "网站无法访问",
    reason: "域名已解析，但首页无法打开（连接失败、超时、证书错误或返回错误状态码），无法核对网站内容。",
    remedy: "请恢复网站访问；网站不再使用的，请注销网站。",
    actions: [ChangeContent, CancelWebsite];

    /// 网站未使用接入商的服务器.
    SiteNotServedByProvider = "site.not_served_by_provider", Website, [Dns], seed: false,
    title: "备案域名未使用本接入商的服务器",
    reason: "域名没有解析到本接入商的地址或CDN，网站实际不在本接入商处提供服务（空壳网站）。",
    remedy: "请把网站迁回本接入商的服务器并修改解析；已换用其他接入商的，请在本接入商处取消接入或办理注销网站。",
    actions: [ChangeDns, CancelWebsite];
}

impl CheckId {
    /// The stable string id.
    pub fn as_str(self) -> &'static str {
        self.def().id
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The id was not found in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check id `{0}`")]
pub struct UnknownCheck(pub String);

impl FromStr for CheckId {
    type Err = UnknownCheck;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CheckId::ALL
            .iter()
            .copied()
            .find(|id| id.as_str() == s)
            .ok_or_else(|| UnknownCheck(s.to_owned()))
    }
}

impl Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The seed's fourteen checks, with the ids the whole system relies on.
    const SEED_IDS: [&str; 14] = [
        "entity.business_status",
        "entity.certificate_mismatch",
        "entity.legal_rep_mismatch",
        "entity.principal_id_expired",
        "entity.principal_id_mismatch",
        "entity.domain_owner_mismatch",
        "entity.contact_invalid",
        "site.domain_expired",
        "site.ip_mismatch",
        "site.content_mismatch",
        "site.title_mismatch",
        "site.pre_approval",
        "site.name_violation",
        "site.content_violation",
    ];

    #[test]
    fn the_seed_checks_keep_their_ids() {
        let seed: Vec<&str> = CheckId::ALL
            .iter()
            .filter(|id| id.def().from_seed)
            .map(|id| id.as_str())
            .collect();
        assert_eq!(seed, SEED_IDS);
    }

    #[test]
    fn ids_are_unique_well_formed_and_round_trip() {
        let mut seen = HashSet::new();
        for id in CheckId::ALL {
            let def = id.def();
            assert!(seen.insert(def.id), "duplicate id {}", def.id);
            let (scope, name) = def.id.split_once('.').expect("scope.name");
            let expected_scope = match def.scope {
                Scope::Entity => "entity",
                Scope::Website => "site",
            };
            assert_eq!(scope, expected_scope, "{}", def.id);
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{}",
                def.id
            );
            assert_eq!(def.id.parse::<CheckId>(), Ok(*id));
        }
        assert!("site.nonexistent".parse::<CheckId>().is_err());
    }

    #[test]
    fn every_check_explains_itself_and_offers_an_action() {
        for id in CheckId::ALL {
            let def = id.def();
            assert!(!def.title.is_empty() && !def.reason.is_empty() && !def.remedy.is_empty());
            assert!(!def.actions.is_empty(), "{} has no action", def.id);
            assert!(!def.sources.is_empty(), "{} has no evidence source", def.id);
        }
    }

    #[test]
    fn actions_serialise_as_their_chinese_labels() {
        for action in Action::ALL {
            let json = serde_json::to_string(&action).expect("serialise");
            assert_eq!(json, format!("\"{}\"", action.label()));
        }
    }
}
