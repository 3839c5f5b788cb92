//! What the store commands share: the `--db` flag, the runtime, the acting account, and
//! the Chinese names of order states.

use anyhow::Context;
use beian_domain::workflow::{Actor as WorkflowRole, OrderState};
use beian_service::Who;
use beian_store::{Actor, NewAccount, NewCustomer, Role, Store};
use chrono::{DateTime, Utc};

/// 数据库位置.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// 数据库：sqlite://文件路径（默认，单机）或 postgres://用户@主机/库（多台工作进程共用）
    #[arg(long, env = "BEIAN_DB", default_value = "sqlite://beian.db")]
    pub db: String,
}

impl DbArgs {
    /// Opens the store (bringing its schema up to date), naming the URL without its
    /// password when that fails.
    pub async fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.db)
            .await
            .with_context(|| format!("无法打开数据库 {}", redact(&self.db)))
    }
}

/// The URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// A runtime for one command: the store and the engine are async, the commands are not.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")
}

/// Blocks on `future` in a fresh runtime.
pub fn block_on<T>(
    future: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    runtime()?.block_on(future)
}

/// `--as customer:LOGIN` / `--as operator:LOGIN`: who acts on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActAs {
    /// The account's role.
    pub role: Role,
    /// Its login name.
    pub login: String,
}

/// Parses `customer:LOGIN`, `operator:LOGIN` or `admin:LOGIN`.
pub fn parse_act_as(s: &str) -> Result<ActAs, String> {
    let (role, login) = s
        .split_once(':')
        .ok_or_else(|| format!("“{s}”应为 customer:登录名 或 operator:登录名"))?;
    let role = match role {
        "customer" => Role::Customer,
        "operator" => Role::Operator,
        "admin" => Role::Admin,
        other => {
            return Err(format!(
                "未知的角色“{other}”：应为 customer、operator 或 admin"
            ));
        }
    };
    let login = login.trim();
    if login.is_empty() || login.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("登录名“{login}”无效：不能为空，不能含空白"));
    }
    Ok(ActAs {
        role,
        login: login.to_owned(),
    })
}

/// A password hash no password matches: accounts created on the command line cannot log in
/// to the console until an administrator sets a password.
const NO_PASSWORD: &str = "!cli-account-without-password";

/// The account `who` names, created on first use. A customer account belongs to
/// `customer_id` (the customer of the order it acts on); an existing account keeps the
/// customer it has, so acting on another customer's order finds nothing.
pub async fn account_for(
    store: &Store,
    who: &ActAs,
    customer_id: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<(Who, beian_store::Scope)> {
    let account = match store.account_by_login(&who.login).await? {
        Some(account) => account,
        None => {
            if who.role == Role::Customer && customer_id.is_none() {
                anyhow::bail!("整改单不属于任何客户，无法以客户账号 {} 操作", who.login);
            }
            let id = store
                .create_account(
                    &NewAccount {
                        login: who.login.clone(),
                        password_hash: NO_PASSWORD.to_owned(),
                        role: who.role,
                        customer_id: if who.role == Role::Customer {
                            customer_id
                        } else {
                            None
                        },
                        display_name: who.login.clone(),
                    },
                    now,
                )
                .await
                .with_context(|| format!("无法创建账号 {}", who.login))?;
            store
                .account(id)
                .await?
                .with_context(|| format!("账号 {} 创建后未找到", who.login))?
        }
    };
    if account.disabled {
        anyhow::bail!("账号 {} 已停用", account.login);
    }
    if account.role != who.role {
        anyhow::bail!(
            "账号 {} 的角色是 {}，不是 {}",
            account.login,
            role_label(account.role),
            role_label(who.role)
        );
    }
    let role = match account.role {
        Role::Customer => WorkflowRole::Customer,
        Role::Operator => WorkflowRole::Operator,
        Role::Admin => WorkflowRole::Admin,
    };
    Ok((
        Who {
            role,
            actor: Actor::of(&account),
        },
        account.scope(),
    ))
}

/// A role's Chinese name.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Customer => "客户",
        Role::Operator => "审核员",
        Role::Admin => "管理员",
    }
}

/// The customer named `name`, created if there is none.
pub async fn customer_named(store: &Store, name: &str, now: DateTime<Utc>) -> anyhow::Result<i64> {
    if let Some(found) = store
        .customers()
        .await?
        .into_iter()
        .find(|c| c.name == name)
    {
        return Ok(found.id);
    }
    Ok(store
        .create_customer(
            &NewCustomer {
                name: name.to_owned(),
                ..NewCustomer::default()
            },
            now,
        )
        .await?)
}

/// An order state's Chinese label, or the code itself if it is not known.
pub fn state_label(code: &str) -> String {
    OrderState::parse(code)
        .map(|s| s.label().to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

/// A time in Beijing, to the minute.
pub fn beijing(at: DateTime<Utc>) -> String {
    at.with_timezone(&beian_domain::workflow::calendar::shanghai())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn act_as_names_a_role_and_a_login() {
        assert_eq!(
            parse_act_as("operator:zhang"),
            Ok(ActAs {
                role: Role::Operator,
                login: "zhang".to_owned()
            })
        );
        assert_eq!(
            parse_act_as("customer:yf").map(|a| a.role),
            Ok(Role::Customer)
        );
        for bad in ["zhang", "boss:zhang", "operator:", "operator:a b"] {
            assert!(parse_act_as(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_hidden_in_messages() {
        assert_eq!(
            redact("postgres://u:secret@127.0.0.1/db"),
            "postgres://u:***@127.0.0.1/db"
        );
        assert_eq!(redact("sqlite://beian.db"), "sqlite://beian.db");
    }
}
