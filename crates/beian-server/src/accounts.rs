//! 账号 — creating customers and accounts with hashed passwords (start-up, demo, tests).

use beian_store::{NewAccount, NewCustomer, Role, Store, StoreError};
use chrono::Utc;

use crate::secrets::hash_password;

/// Creates an admin account unless the login exists.
pub async fn ensure_staff(store: &Store, login: &str, password: &str) -> Result<i64, StoreError> {
    if let Some(a) = store.account_by_login(login).await? {
        return Ok(a.id);
    }
    store
        .create_account(
            &NewAccount {
                login: login.to_string(),
                password_hash: hash_password(password),
                role: Role::Admin,
                customer_id: None,
                display_name: login.to_string(),
            },
            Utc::now(),
        )
        .await
}

/// Creates an account with a role; customers get a customer row of their own name.
pub async fn create(
    store: &Store,
    login: &str,
    password: &str,
    role: Role,
    customer_id: Option<i64>,
    display_name: &str,
) -> Result<i64, StoreError> {
    store
        .create_account(
            &NewAccount {
                login: login.to_string(),
                password_hash: hash_password(password),
                role,
                customer_id,
                display_name: display_name.to_string(),
            },
            Utc::now(),
        )
        .await
}

/// Creates a customer and its first account.
pub async fn create_customer(
    store: &Store,
    name: &str,
    login: &str,
    password: &str,
) -> Result<(i64, i64), StoreError> {
    let customer = store
        .create_customer(
            &NewCustomer {
                name: name.to_string(),
                email: None,
                webhook_url: None,
            },
            Utc::now(),
        )
        .await?;
    let account = create(store, login, password, Role::Customer, Some(customer), name).await?;
    Ok((customer, account))
}
