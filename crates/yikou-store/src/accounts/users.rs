//! 用户 (accounts): argon2id password hashes; the first password is one-time (must be changed).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::Rng;
use serde_json::json;
use yikou_domain::access::check_password_rules;
use yikou_domain::{PendingAct, Role};

use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub unit_code: String,
    pub role: Role,
    pub password: String,
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub unit_code: String,
    pub role: Role,
    pub must_change_password: bool,
    pub disabled: bool,
}

/// A random password that satisfies the rules, from characters that are hard to misread.
pub fn generate_password() -> String {
    random_password(14)
}

/// `len` (at least 4) random characters that are hard to misread, with at least one of each class
/// (so any concatenation of such strings satisfies the rules too).
pub(crate) fn random_password(len: usize) -> String {
    const SETS: [&[u8]; 4] = [b"ABCDEFGHJKLMNPQRSTUVWXYZ", b"abcdefghijkmnpqrstuvwxyz", b"23456789", b"#%+=@"];
    let mut rng = rand::rngs::OsRng;
    let mut chars: Vec<u8> = SETS.iter().map(|s| s[rng.gen_range(0..s.len())]).collect();
    let all: Vec<u8> = SETS.concat();
    while chars.len() < len {
        chars.push(all[rng.gen_range(0..all.len())]);
    }
    for i in (1..chars.len()).rev() {
        chars.swap(i, rng.gen_range(0..=i));
    }
    String::from_utf8(chars).expect("ascii")
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("密码处理失败：{e}")))
}

/// Creates an account that can sign in at once (the CLI, `init`, the demo; accounts made on the web
/// start pending, see `activation`).
pub async fn create_user(tx: &mut WriteTx<'_>, u: &NewUser) -> Result<i64> {
    insert_user(tx, u, None).await
}

/// A started two-person act, stored on the account until the other administrator completes it.
pub(crate) struct Pending {
    pub kind: PendingAct,
    /// The first half of the one-time password, encrypted (hex).
    pub half_hex: String,
    pub by: String,
    pub role: Role,
}

pub(crate) async fn insert_user(tx: &mut WriteTx<'_>, u: &NewUser, pending: Option<&Pending>) -> Result<i64> {
    crate::atomic!(tx, {
        let login = u.login.trim();
        if login.is_empty()
            || login.len() > 64
            || !login.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(StoreError::Invalid("登录名只能由字母、数字和 . _ - 组成，最长64位".into()));
        }
        check_password_rules(&u.password).map_err(StoreError::Invalid)?;
        let kind: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT kind FROM units WHERE code = $1")
            .bind(&u.unit_code).fetch_optional(c).await?);
        let kind = kind.ok_or_else(|| StoreError::Invalid(format!("单位代码“{}”不存在", u.unit_code)))?;
        let fits = yikou_domain::reference::UnitKind::from_code(&kind).is_some_and(|k| u.role.fits_unit(k));
        if !fits {
            return Err(StoreError::Invalid(format!(
                "角色“{}”不能设在这个单位：街镇经办须属街镇，居委经办须属居委，部门经办须属部门或群团组织，其余角色须属区民政局",
                u.role.label()
            )));
        }
        let hash = hash_password(&u.password)?;
        let at = now();
        let id: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
        "INSERT INTO users (login, display_name, unit_code, role, password_hash, must_change_password, password_changed_at, created_at,
                            pending_kind, pending_half, pending_by, pending_role)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11) ON CONFLICT (login) DO NOTHING RETURNING id")
        .bind(login).bind(u.display_name.trim()).bind(&u.unit_code).bind(u.role.code()).bind(&hash)
        .bind(i64::from(u.must_change_password)).bind(&at)
        .bind(pending.map(|p| p.kind.code())).bind(pending.map(|p| p.half_hex.as_str()))
        .bind(pending.map(|p| p.by.as_str())).bind(pending.map(|p| p.role.code()))
        .fetch_optional(c).await.map_err(|e| match e {
            sqlx::Error::Database(d) if d.message().to_lowercase().contains("foreign key") =>
                StoreError::Invalid(format!("单位代码“{}”不存在", u.unit_code)),
            e => StoreError::Sql(e),
        })?);
        let id = id.ok_or_else(|| StoreError::Invalid(format!("登录名“{login}”已被使用")))?;
        let mut after = json!({ "login": login, "unit": u.unit_code, "role": u.role.code() });
        if pending.is_some() {
            after["pending"] = json!(true);
        }
        tx.audit("user.create", "user", &id.to_string(), None, Some(&after)).await?;
        Ok(id)
    })
}

impl Store {
    /// Checks a login and password; None for an unknown login, a wrong password or a disabled account
    /// (the caller cannot tell which, and neither can an attacker).
    pub async fn check_password(&self, login: &str, password: &str) -> Result<Option<User>> {
        type UserRow = (i64, String, String, String, String, String, i64, i64);
        let row: Option<UserRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, login, display_name, unit_code, role, password_hash, must_change_password, disabled FROM users
             WHERE login = $1 AND pending_kind IS NULL")
            .bind(login).fetch_optional(p).await?);
        let Some((id, login, display_name, unit_code, role, hash, must, disabled)) = row else {
            return Ok(None);
        };
        let parsed = PasswordHash::new(&hash).map_err(|_| StoreError::Invalid("密码记录损坏".into()))?;
        if disabled != 0 || Argon2::default().verify_password(password.as_bytes(), &parsed).is_err() {
            return Ok(None);
        }
        let role = Role::from_code(&role).ok_or_else(|| StoreError::Invalid(format!("未知角色“{role}”")))?;
        Ok(Some(User {
            id,
            login,
            display_name,
            unit_code,
            role,
            must_change_password: must != 0,
            disabled: disabled != 0,
        }))
    }
}

impl Store {
    /// An active account by login (not disabled, not waiting for its second administrator): the
    /// command line acts as it (`--as LOGIN`), audited under its login.
    pub async fn active_user(&self, login: &str) -> Result<Option<User>> {
        type UserRow = (i64, String, String, String, String, i64);
        let row: Option<UserRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, login, display_name, unit_code, role, must_change_password FROM users
             WHERE login = $1 AND pending_kind IS NULL AND disabled = 0")
            .bind(login).fetch_optional(p).await?);
        row.map(|(id, login, display_name, unit_code, role, must)| {
            Ok(User {
                id,
                login,
                display_name,
                unit_code,
                role: stored_role(&role)?,
                must_change_password: must != 0,
                disabled: false,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_passwords_meet_the_rules() {
        for _ in 0..50 {
            let p = super::generate_password();
            assert_eq!(p.len(), 14);
            yikou_domain::access::check_password_rules(&p).unwrap();
        }
    }
}

/// An account as the user list shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserLine {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub unit_code: String,
    pub role: Role,
    pub must_change_password: bool,
    pub disabled: bool,
    pub locked: bool,
    /// A started two-person act waiting for the other administrator.
    pub pending: Option<PendingAct>,
    /// The role of the administrator who started it (the other admin role completes it).
    pub pending_role: Option<Role>,
}

/// Disables or enables an account. Disabling ends its sessions at once; its tokens stop working
/// while it stays disabled.
pub async fn set_disabled(tx: &mut WriteTx<'_>, login: &str, disabled: bool) -> Result<()> {
    crate::atomic!(tx, {
        let id: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("UPDATE users SET disabled = $1 WHERE login = $2 RETURNING id")
            .bind(i64::from(disabled)).bind(login).fetch_optional(c).await?);
        let id = id.ok_or_else(|| StoreError::NotFound(format!("用户“{login}”")))?;
        if disabled {
            on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(c).await?.rows_affected());
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        tx.audit(action, "user", &id.to_string(), None, Some(&json!({ "login": login }))).await?;
        if disabled {
            // Enabling again does not bring them back: the owner makes new ones.
            crate::accounts::tokens::revoke_all(tx, id, "disable").await?;
        }
        Ok(())
    })
}

/// 解锁: ends the lock after failed sign-ins (and forgets the failures counted so far).
pub async fn unlock(tx: &mut WriteTx<'_>, login: &str) -> Result<()> {
    let id: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
        .bind(login).fetch_optional(c).await?);
    let id = id.ok_or_else(|| StoreError::NotFound(format!("用户“{login}”")))?;
    let key = login_key(tx.keys(), login);
    on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM login_failures WHERE login_key = $1").bind(&key).execute(c).await?.rows_affected());
    tx.audit("user.unlock", "user", &id.to_string(), None, Some(&json!({ "login": login }))).await
}

/// 重置密码: a new one-time password (changed at the next sign-in). Only the first half is returned
/// and the reset waits for the other administrator role (`activation::complete`); until then the
/// account cannot sign in. The old password,
/// the lock, every session and every API token of the account end now.
pub async fn reset_password(tx: &mut WriteTx<'_>, login: &str) -> Result<crate::accounts::activation::FirstHalf> {
    let role: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT role FROM users WHERE login = $1")
        .bind(login).fetch_optional(c).await?);
    // Every account, administrators' included: a reset is completed by the other administrator role.
    role.ok_or_else(|| StoreError::NotFound(format!("用户“{login}”")))?;
    let (half, pending) = crate::accounts::activation::start(tx, PendingAct::Reset)?;
    let password = crate::accounts::activation::FirstHalf(half);
    let pending = Some(pending);
    // While pending, the stored hash is of a password nobody knows.
    let hash = hash_password(&random_password(20))?;
    let id: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
        "UPDATE users SET password_hash = $1, must_change_password = 1, password_changed_at = $2,
                pending_kind = $3, pending_half = $4, pending_by = $5, pending_role = $6
         WHERE login = $7 RETURNING id")
        .bind(&hash).bind(now())
        .bind(pending.as_ref().map(|p| p.kind.code())).bind(pending.as_ref().map(|p| p.half_hex.as_str()))
        .bind(pending.as_ref().map(|p| p.by.as_str())).bind(pending.as_ref().map(|p| p.role.code()))
        .bind(login).fetch_optional(c).await?);
    let id = id.ok_or_else(|| StoreError::NotFound(format!("用户“{login}”")))?;
    let key = login_key(tx.keys(), login);
    on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM login_failures WHERE login_key = $1").bind(&key).execute(c).await?.rows_affected());
    on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(c).await?.rows_affected());
    let mut after = json!({ "login": login });
    if pending.is_some() {
        after["pending"] = json!(true);
    }
    tx.audit("user.password_reset", "user", &id.to_string(), None, Some(&after)).await?;
    crate::accounts::tokens::revoke_all(tx, id, "password_reset").await?;
    Ok(password)
}

/// The key a login's failed sign-ins are counted under (see `Store::login_key`).
pub(crate) fn login_key(keys: &crate::Keys, login: &str) -> String {
    hex::encode(keys.id_key(&format!("login:{}", login.trim().to_lowercase())))
}

impl Store {
    /// Every account (for the administrators' page).
    pub async fn users(&self) -> Result<Vec<UserLine>> {
        let now = crate::accounts::auth::unix_now();
        type Row = (i64, String, String, String, String, i64, i64, Option<String>, Option<String>);
        let rows: Vec<Row> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, login, display_name, unit_code, role, must_change_password, disabled, pending_kind, pending_role
             FROM users ORDER BY login")
            .fetch_all(p).await?);
        let locked: std::collections::HashSet<String> = on_db!(&self.db, p => sqlx::query_scalar(
            "SELECT login_key FROM login_failures WHERE locked_until > $1")
            .bind(now).fetch_all(p).await?)
        .into_iter()
        .collect();
        rows.into_iter()
            .map(|(id, login, display_name, unit_code, role, must, disabled, pending, pending_role)| {
                Ok(UserLine {
                    id,
                    locked: locked.contains(&login_key(&self.keys, &login)),
                    login,
                    display_name,
                    unit_code,
                    role: stored_role(&role)?,
                    must_change_password: must != 0,
                    disabled: disabled != 0,
                    pending: pending.as_deref().and_then(PendingAct::from_code),
                    pending_role: pending_role.as_deref().map(stored_role).transpose()?,
                })
            })
            .collect()
    }
}

/// A stored role code (written from [`Role::code`]).
pub(crate) fn stored_role(code: &str) -> Result<Role> {
    Role::from_code(code)
        .ok_or_else(|| StoreError::Sql(sqlx::Error::Decode(format!("角色“{code}”无法识别：用户表已损坏").into())))
}
