//! `beian account`: the accounts of the console and the API, from the command line.
//!
//! A provider's administrator creates the customers' and operators' accounts here, sets
//! passwords, disables and re-enables accounts and issues API tokens for machines. Every
//! change is written to the audit log (never a password or a token, only that it changed).
//! Passwords come from `BEIAN_PASSWORD` or, with `--password-stdin`, from the first line of
//! standard input, never from an argument that `ps` would show.

use std::io::BufRead;

use anyhow::Context;
use beian_store::{Account, Actor, NewAccount, Role, Store};
use chrono::Utc;
use serde_json::json;

use crate::commands::db_args::{DbArgs, block_on, customer_named, role_label};
use crate::output::{Format, print_json};
use crate::{FormatArg, Outcome};

/// Shortest password accepted.
const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// 新建账号（客户账号须指定所属客户，不存在时创建）
    Add {
        /// 登录名
        login: String,
        /// 角色：customer（客户）、operator（审核员）或 admin（管理员）
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// 客户名称（客户账号必填；与 `beian import --customer` 的名称一致）
        #[arg(long, value_name = "NAME")]
        customer: Option<String>,
        /// 显示名称（默认同登录名）
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 列出全部账号
    List {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        format: FormatArg,
    },
    /// 设置新密码
    Password {
        /// 登录名
        login: String,
        #[command(flatten)]
        password: PasswordArgs,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 停用账号（不能再登录，已有会话和令牌随即失效）
    Disable {
        /// 登录名
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 重新启用账号
    Enable {
        /// 登录名
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 为账号签发 API 令牌（只显示这一次）
    Token {
        /// 登录名
        login: String,
        /// 令牌名称（说明用途，如 "ci"）
        #[arg(long, default_value = "cli")]
        name: String,
        /// 有效天数（1–3650；默认不过期）
        #[arg(long, value_name = "DAYS", value_parser = super::whole_number::<u32>(1, 3650))]
        days: Option<u32>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// 吊销账号的一个 API 令牌
    Revoke {
        /// 登录名
        login: String,
        /// 令牌编号（签发时显示）
        token_id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Where a new password comes from.
#[derive(Debug, clap::Args)]
struct PasswordArgs {
    /// 从标准输入的第一行读取密码（否则读环境变量 BEIAN_PASSWORD）
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordArgs {
    fn read(&self) -> anyhow::Result<String> {
        let password = if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("无法从标准输入读取密码")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        } else {
            std::env::var("BEIAN_PASSWORD").map_err(|_| {
                anyhow::anyhow!("请用环境变量 BEIAN_PASSWORD 或 --password-stdin 提供密码")
            })?
        };
        check_password(&password)?;
        Ok(password)
    }
}

fn check_password(password: &str) -> anyhow::Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        anyhow::bail!("密码至少 {MIN_PASSWORD_CHARS} 个字符");
    }
    if password.chars().any(char::is_control) {
        anyhow::bail!("密码不能含控制字符");
    }
    Ok(())
}

fn parse_role(s: &str) -> Result<Role, String> {
    match s {
        "customer" => Ok(Role::Customer),
        "operator" => Ok(Role::Operator),
        "admin" => Ok(Role::Admin),
        other => Err(format!(
            "未知的角色“{other}”：应为 customer、operator 或 admin"
        )),
    }
}

fn check_login(login: &str) -> anyhow::Result<()> {
    if login.is_empty()
        || login.chars().count() > 64
        || login.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        anyhow::bail!("登录名“{login}”无效：1–64 个字符，不能含空白");
    }
    Ok(())
}

/// Who the audit log names for a change made here.
fn cli_actor() -> Actor {
    Actor::system("beian account")
}

async fn existing(store: &Store, login: &str) -> anyhow::Result<Account> {
    store
        .account_by_login(login)
        .await?
        .with_context(|| format!("没有登录名为 {login} 的账号"))
}

async fn audit(
    store: &Store,
    account: &Account,
    action: &str,
    detail: serde_json::Value,
) -> anyhow::Result<()> {
    store
        .audit_record(
            &cli_actor(),
            account.customer_id,
            action,
            &format!("account:{}", account.id),
            &detail,
            Utc::now(),
        )
        .await
        .with_context(|| format!("账号 {} 的审计记录写入失败", account.login))?;
    Ok(())
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    match &args.action {
        Action::Add {
            login,
            role,
            customer,
            name,
            password,
            db,
        } => {
            check_login(login)?;
            let customer = match (role, customer) {
                (Role::Customer, None) => {
                    anyhow::bail!("客户账号须用 --customer 指定所属客户")
                }
                (Role::Customer, Some(name)) if name.trim().is_empty() => {
                    anyhow::bail!("--customer 不能为空")
                }
                (Role::Customer, Some(name)) => Some(name.trim().to_owned()),
                (_, Some(_)) => {
                    anyhow::bail!("只有客户账号属于客户；审核员和管理员不用 --customer")
                }
                (_, None) => None,
            };
            let password = password.read()?;
            block_on(async {
                let store = db.open().await?;
                if store.account_by_login(login).await?.is_some() {
                    anyhow::bail!("登录名 {login} 已存在");
                }
                let now = Utc::now();
                let customer_id = match &customer {
                    Some(name) => Some(customer_named(&store, name, now).await?),
                    None => None,
                };
                let hash = tokio::task::spawn_blocking(move || {
                    beian_server::secrets::hash_password(&password)
                })
                .await?;
                let id = store
                    .create_account(
                        &NewAccount {
                            login: login.clone(),
                            password_hash: hash,
                            role: *role,
                            customer_id,
                            display_name: name.clone().unwrap_or_else(|| login.clone()),
                        },
                        now,
                    )
                    .await
                    .with_context(|| format!("无法创建账号 {login}"))?;
                let account = existing(&store, login).await?;
                audit(
                    &store,
                    &account,
                    "account_create",
                    json!({"login": login, "role": role.code(), "customer_id": customer_id}),
                )
                .await?;
                store.close().await;
                match &customer {
                    Some(name) => println!("已创建客户账号 {login}（编号 {id}，客户：{name}）"),
                    None => println!("已创建{}账号 {login}（编号 {id}）", role_label(*role)),
                }
                Ok(Outcome::Clean)
            })
        }
        Action::List { db, format } => block_on(async {
            let store = db.open().await?;
            let accounts = store.accounts(beian_store::Scope::All).await?;
            let customers = store.customers().await?;
            store.close().await;
            let customer_name = |id: Option<i64>| {
                id.and_then(|id| customers.iter().find(|c| c.id == id))
                    .map(|c| c.name.clone())
            };
            match format.format {
                Format::Json => print_json(&json!(
                    accounts
                        .iter()
                        .map(|a| json!({
                            "id": a.id,
                            "login": a.login,
                            "role": a.role.code(),
                            "customer_id": a.customer_id,
                            "customer": customer_name(a.customer_id),
                            "display_name": a.display_name,
                            "disabled": a.disabled,
                        }))
                        .collect::<Vec<_>>()
                ))?,
                Format::Text => {
                    println!(
                        "{:>6}  {:<20} {:<8} {:<6} 客户",
                        "编号", "登录名", "角色", "状态"
                    );
                    for a in &accounts {
                        println!(
                            "{:>6}  {:<20} {:<8} {:<6} {}",
                            a.id,
                            a.login,
                            role_label(a.role),
                            if a.disabled { "停用" } else { "正常" },
                            customer_name(a.customer_id).unwrap_or_default()
                        );
                    }
                    println!("共 {} 个账号", accounts.len());
                }
            }
            Ok(Outcome::Clean)
        }),
        Action::Password {
            login,
            password,
            db,
        } => {
            let password = password.read()?;
            block_on(async {
                let store = db.open().await?;
                let account = existing(&store, login).await?;
                let hash = tokio::task::spawn_blocking(move || {
                    beian_server::secrets::hash_password(&password)
                })
                .await?;
                store.set_password_hash(account.id, &hash).await?;
                audit(
                    &store,
                    &account,
                    "account_password",
                    json!({"login": login}),
                )
                .await?;
                store.close().await;
                println!("已为账号 {login} 设置新密码");
                Ok(Outcome::Clean)
            })
        }
        Action::Disable { login, db } => set_disabled(login, db, true),
        Action::Enable { login, db } => set_disabled(login, db, false),
        Action::Token {
            login,
            name,
            days,
            db,
        } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                anyhow::bail!("令牌名称须为 1–100 个字");
            }
            block_on(async {
                let store = db.open().await?;
                let account = existing(&store, login).await?;
                if account.disabled {
                    anyhow::bail!("账号 {login} 已停用，不能签发令牌");
                }
                let now = Utc::now();
                let expires = days.map(|d| now + chrono::Duration::days(i64::from(d)));
                let token = beian_server::secrets::random_token();
                let id = store
                    .create_api_token(
                        account.id,
                        name,
                        &beian_server::secrets::sha256_hex(token.as_bytes()),
                        expires,
                        now,
                    )
                    .await?;
                audit(
                    &store,
                    &account,
                    "token_create",
                    json!({"login": login, "token_id": id, "name": name, "expires_at": expires}),
                )
                .await?;
                store.close().await;
                eprintln!(
                    "已为账号 {login} 签发令牌（编号 {id}{}）。令牌只显示这一次，请立即保存：",
                    expires
                        .map(|e| format!("，{} 到期", crate::commands::db_args::beijing(e)))
                        .unwrap_or_default()
                );
                println!("{token}");
                Ok(Outcome::Clean)
            })
        }
        Action::Revoke {
            login,
            token_id,
            db,
        } => block_on(async {
            let store = db.open().await?;
            let account = existing(&store, login).await?;
            if !store
                .revoke_api_token(account.id, *token_id, Utc::now())
                .await?
            {
                anyhow::bail!("账号 {login} 没有编号为 {token_id} 的有效令牌");
            }
            audit(
                &store,
                &account,
                "token_revoke",
                json!({"login": login, "token_id": token_id}),
            )
            .await?;
            store.close().await;
            println!("已吊销账号 {login} 的令牌 {token_id}");
            Ok(Outcome::Clean)
        }),
    }
}

fn set_disabled(login: &str, db: &DbArgs, disabled: bool) -> anyhow::Result<Outcome> {
    block_on(async {
        let store = db.open().await?;
        let account = existing(&store, login).await?;
        if account.disabled == disabled {
            println!(
                "账号 {login} 已是{}状态，未作更改",
                if disabled { "停用" } else { "启用" }
            );
            store.close().await;
            return Ok(Outcome::Clean);
        }
        store.set_account_disabled(account.id, disabled).await?;
        audit(
            &store,
            &account,
            if disabled {
                "account_disable"
            } else {
                "account_enable"
            },
            json!({"login": login}),
        )
        .await?;
        store.close().await;
        println!(
            "已{}账号 {login}",
            if disabled { "停用" } else { "重新启用" }
        );
        Ok(Outcome::Clean)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_control_passwords_are_refused() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
        assert!(check_password("密码密码密码密码").is_ok());
        assert!(check_password("abc\u{7}defgh").is_err());
    }

    #[test]
    fn logins_and_roles_are_checked() {
        assert!(check_login("yunfan").is_ok());
        assert!(check_login("").is_err());
        assert!(check_login("a b").is_err());
        assert_eq!(parse_role("operator"), Ok(Role::Operator));
        assert!(parse_role("root").is_err());
    }
}
