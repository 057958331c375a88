//! 双人激活 (two-person rule, 三权分立): no single administrator may obtain business-data access.
//! An account created by the system administrator, or an account's password reset
//! by the security administrator, gets a one-time password in two halves. The administrator who
//! starts the act is shown the first half only; the account is pending (待激活) and cannot sign
//! in. The other administrator role completes it and is shown the second half only; only then is
//! the hash of the whole stored (to be changed at the first sign-in) and the first half, kept
//! encrypted meanwhile, deleted. The same administrator can never do both steps. Accounts of the
//! administrator roles follow the same rule: otherwise the system administrator could make a
//! security administrator of their own and complete both halves alone (found by a security probe).
//! Only the server operator (`yikou user add`, with the key file) makes an account in one step.

use serde_json::json;
use yikou_domain::{PendingAct, Role};

use crate::accounts::users::{hash_password, insert_user, random_password, NewUser, Pending};
use crate::{now, on_tx, Result, StoreError, WriteTx};

/// Characters in each half of a split one-time password.
const HALF: usize = 10;

/// The first half of a one-time password, as shown to the administrator who started the act; the
/// other administrator role completes it and gets the second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstHalf(pub String);

/// A completed two-person act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    /// `Create` (the account is now active) or `Reset`.
    pub kind: PendingAct,
    /// The second half of the one-time password (to be shown once to the completing administrator).
    pub second_half: String,
}

/// An account as the system administrator asks for it on the web (the password is made here).
pub struct NewAccount {
    pub login: String,
    pub display_name: String,
    pub unit_code: String,
    pub role: Role,
}

fn admin_role(tx: &WriteTx<'_>) -> Result<Role> {
    match tx.actor().role {
        Some(r @ (Role::SystemAdmin | Role::SecurityAdmin)) => Ok(r),
        // The web lets no other role reach this (its handlers check the role first).
        _ => Err(StoreError::Forbidden),
    }
}

/// Starts an act by the transaction's administrator: the first half (to show) and what to store.
pub(crate) fn start(tx: &WriteTx<'_>, kind: PendingAct) -> Result<(String, Pending)> {
    let role = admin_role(tx)?;
    let half = random_password(HALF);
    let half_hex = hex::encode(tx.keys().encrypt(&half));
    Ok((half, Pending { kind, half_hex, by: tx.actor().login.clone(), role }))
}

/// Creates an account with a one-time password (changed at the first sign-in). Every account made on
/// the web starts pending and only the first half is returned.
pub async fn create_account(tx: &mut WriteTx<'_>, a: &NewAccount) -> Result<(i64, FirstHalf)> {
    let mut new = NewUser {
        login: a.login.clone(),
        display_name: a.display_name.clone(),
        unit_code: a.unit_code.clone(),
        role: a.role,
        password: crate::accounts::users::generate_password(),
        must_change_password: true,
    };
    let (half, pending) = start(tx, PendingAct::Create)?;
    // The stored hash is of a password nobody knows until the act is completed.
    new.password = random_password(2 * HALF);
    let id = insert_user(tx, &new, Some(&pending)).await?;
    Ok((id, FirstHalf(half)))
}

/// Completes the pending act on `login` by the transaction's administrator, who must hold the
/// other administrator role than the one who started it (and so be another account). Stores the
/// hash of both halves (to be changed at the first sign-in), deletes the first half and returns
/// the second. Audited `user.activate` (a new account) or `user.password_reset_complete`.
pub async fn complete(tx: &mut WriteTx<'_>, login: &str) -> Result<Completed> {
    let role = admin_role(tx)?;
    let me = tx.actor().login.clone();
    type Row = (i64, Option<String>, Option<String>, Option<String>, Option<String>);
    let row: Option<Row> = on_tx!(&mut tx.tx, c => sqlx::query_as(
        "SELECT id, pending_kind, pending_half, pending_by, pending_role FROM users WHERE login = $1")
        .bind(login).fetch_optional(c).await?);
    let (id, kind, half, by, by_role) = row.ok_or_else(|| StoreError::NotFound(format!("用户“{login}”")))?;
    let (Some(kind), Some(half)) = (kind, half) else {
        return Err(StoreError::Invalid(format!("账号“{login}”没有待完成的激活或密码重置")));
    };
    if by.as_deref() == Some(me.as_str()) || by_role.as_deref() == Some(role.code()) || login == me {
        return Err(StoreError::Invalid(
            "同一管理员不能既开始又完成这一操作：须由另一管理员角色（系统管理员与安全管理员互相）完成".into(),
        ));
    }
    let blob = hex::decode(&half).map_err(|_| StoreError::Invalid("待激活记录损坏".into()))?;
    let first = tx.keys().decrypt(&blob)?;
    let second = random_password(HALF);
    let hash = hash_password(&format!("{first}{second}"))?;
    let done = on_tx!(&mut tx.tx, c => sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = 1, password_changed_at = $2,
                pending_kind = NULL, pending_half = NULL, pending_by = NULL, pending_role = NULL
         WHERE id = $3 AND pending_half = $4")
        .bind(&hash).bind(now()).bind(id).bind(&half).execute(c).await?.rows_affected());
    if done != 1 {
        return Err(StoreError::Invalid(format!("账号“{login}”的激活已由他人完成")));
    }
    let kind = PendingAct::from_code(&kind).ok_or_else(|| StoreError::Invalid("待激活记录损坏".into()))?;
    let action = match kind {
        PendingAct::Create => "user.activate",
        PendingAct::Reset => "user.password_reset_complete",
    };
    tx.audit(action, "user", &id.to_string(), None, Some(&json!({ "login": login, "started_by": by }))).await?;
    Ok(Completed { kind, second_half: second })
}
