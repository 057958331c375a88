//! 登录与会话 (sign-in and sessions), 等保 2.0 level 3 practice: argon2id passwords, a lock after
//! repeated failures, sessions kept in the database (they survive a restart) and ended by idleness
//! or a password change, CSRF tokens per session, bearer tokens for machine clients. Only hashes of
//! tokens are stored. Every sign-in, sign-out, failure, lock and password change is audited.

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use yikou_domain::access::check_password_rules;
use yikou_domain::{Actor, Role};

use crate::users::{hash_password, User};
use crate::{now, on_db, on_tx, Result, Store, StoreError};

/// Lockout and idleness rules (configurable per deployment).
#[derive(Debug, Clone, Copy)]
pub struct AuthPolicy {
    pub max_failures: i64,
    pub lock_seconds: i64,
    pub idle_seconds: i64,
}

impl Default for AuthPolicy {
    fn default() -> AuthPolicy {
        AuthPolicy { max_failures: 5, lock_seconds: 15 * 60, idle_seconds: 30 * 60 }
    }
}

#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in: the session token for the cookie.
    Ok { user: User, token: String },
    /// Wrong login or password (not told apart).
    Refused,
    /// Locked until this unix time.
    Locked { until: i64 },
}

/// A signed-in user, as a request sees it.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub csrf: String,
    pub token_hash: String,
}

impl SessionUser {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }
}

impl User {
    /// Who acts, with the area the role and unit allow.
    pub fn actor(&self) -> Actor {
        Actor { login: self.login.clone(), role: Some(self.role), scope: self.role.scope(&self.unit_code) }
    }
}

pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

type UserRow = (i64, String, String, String, String, String, i64, i64, i64, i64, String);
const USER_COLUMNS: &str = "id, login, display_name, unit_code, role, password_hash, must_change_password, disabled, failed_logins, locked_until, password_changed_at";

fn user_of(r: &UserRow) -> Result<User> {
    Ok(User {
        id: r.0,
        login: r.1.clone(),
        display_name: r.2.clone(),
        unit_code: r.3.clone(),
        role: Role::from_code(&r.4).ok_or_else(|| StoreError::Invalid(format!("未知角色“{}”", r.4)))?,
        must_change_password: r.6 != 0,
        disabled: r.7 != 0,
    })
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

impl Store {
    async fn user_row_by_login(&self, login: &str) -> Result<Option<UserRow>> {
        Ok(on_db!(&self.db, p => sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1"))
            .bind(login).fetch_optional(p).await?))
    }

    async fn audit_as(&self, actor: &str, action: &str, entity_id: &str, after: serde_json::Value) -> Result<()> {
        let mut tx =
            self.write(&Actor { login: actor.to_string(), role: None, scope: yikou_domain::Scope::Nothing }).await?;
        tx.audit(action, "user", entity_id, None, Some(&after)).await?;
        tx.commit().await
    }

    /// Signs a user in, counting failures and locking the account after too many.
    pub async fn login(&self, login: &str, password: &str, policy: &AuthPolicy, from: &str) -> Result<LoginOutcome> {
        let now_unix = unix_now();
        let Some(row) = self.user_row_by_login(login.trim()).await? else {
            // Unknown logins are audited without the typed name (it may be a password typed into
            // the wrong field).
            self.audit_as("anonymous", "auth.login_failed", "-", json!({ "reason": "unknown", "from": from })).await?;
            return Ok(LoginOutcome::Refused);
        };
        let user = user_of(&row)?;
        if row.9 > now_unix {
            self.audit_as(
                &user.login,
                "auth.login_locked",
                &user.id.to_string(),
                json!({ "until": row.9, "from": from }),
            )
            .await?;
            return Ok(LoginOutcome::Locked { until: row.9 });
        }
        if user.disabled || !verify(&row.5, password) {
            let failures = row.8 + 1;
            let lock = failures >= policy.max_failures;
            let until = if lock { now_unix + policy.lock_seconds } else { 0 };
            on_db!(&self.db, p => sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3")
                .bind(if lock { 0 } else { failures }).bind(until).bind(user.id).execute(p).await?.rows_affected());
            let action = if lock { "auth.locked" } else { "auth.login_failed" };
            self.audit_as(&user.login, action, &user.id.to_string(), json!({ "failures": failures, "from": from }))
                .await?;
            return Ok(if lock { LoginOutcome::Locked { until } } else { LoginOutcome::Refused });
        }
        let token = random_token();
        let mut tx = self
            .write(&Actor { login: user.login.clone(), role: Some(user.role), scope: yikou_domain::Scope::Nothing })
            .await?;
        on_tx!(&mut tx.tx, c => sqlx::query("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = $1")
            .bind(user.id).execute(c).await?.rows_affected());
        on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, password_changed_at, created_unix, last_seen_unix)
             VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(token_hash(&token)).bind(user.id).bind(random_token()).bind(&row.10).bind(now_unix)
            .execute(c).await?.rows_affected());
        tx.audit("auth.login", "user", &user.id.to_string(), None, Some(&json!({ "from": from }))).await?;
        tx.commit().await?;
        Ok(LoginOutcome::Ok { user, token })
    }

    /// The session's user, if the session exists, is not idle too long, and its password is current.
    /// `last_seen` is written at most once a minute (reads stay reads under load).
    pub async fn session(&self, token: &str, policy: &AuthPolicy) -> Result<Option<SessionUser>> {
        let hash = token_hash(token);
        let now_unix = unix_now();
        type Row = (String, i64, String, i64, String, String, String, String, i64, i64, String);
        let row: Option<Row> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT s.csrf, s.last_seen_unix, s.password_changed_at, u.id, u.login, u.display_name, u.unit_code, u.role,
                    u.must_change_password, u.disabled, u.password_changed_at
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1")
            .bind(&hash).fetch_optional(p).await?);
        let Some((csrf, last_seen, epoch, id, login, display_name, unit_code, role, must, disabled, current)) = row
        else {
            return Ok(None);
        };
        if disabled != 0 || epoch != current || now_unix - last_seen > policy.idle_seconds {
            on_db!(&self.db, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&hash).execute(p).await?.rows_affected());
            return Ok(None);
        }
        if now_unix - last_seen >= 60 {
            on_db!(&self.db, p => sqlx::query("UPDATE sessions SET last_seen_unix = $1 WHERE token_hash = $2")
                .bind(now_unix).bind(&hash).execute(p).await?.rows_affected());
        }
        let role = Role::from_code(&role).ok_or_else(|| StoreError::Invalid(format!("未知角色“{role}”")))?;
        Ok(Some(SessionUser {
            user: User { id, login, display_name, unit_code, role, must_change_password: must != 0, disabled: false },
            csrf,
            token_hash: hash,
        }))
    }

    /// Test and operations hook: pretends the session was last used `seconds` ago.
    pub async fn age_session(&self, token: &str, seconds: i64) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("UPDATE sessions SET last_seen_unix = last_seen_unix - $1 WHERE token_hash = $2")
            .bind(seconds).bind(token_hash(token)).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn logout(&self, s: &SessionUser) -> Result<()> {
        let mut tx = self.write(&s.actor()).await?;
        on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&s.token_hash).execute(c).await?.rows_affected());
        tx.audit("auth.logout", "user", &s.user.id.to_string(), None, None).await?;
        tx.commit().await
    }

    /// Changes a password (the old one must be right). Ends every session of the user; the caller
    /// signs in again.
    pub async fn change_password(&self, s: &SessionUser, old: &str, new: &str) -> Result<()> {
        let row = self.user_row_by_login(&s.user.login).await?.ok_or_else(|| StoreError::NotFound("用户".into()))?;
        if !verify(&row.5, old) {
            return Err(StoreError::Invalid("原口令不正确".into()));
        }
        if old == new {
            return Err(StoreError::Invalid("新口令不能与原口令相同".into()));
        }
        check_password_rules(new).map_err(StoreError::Invalid)?;
        let hash = hash_password(new)?;
        let mut tx = self.write(&s.actor()).await?;
        on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = 0, password_changed_at = $2 WHERE id = $3")
            .bind(&hash).bind(now()).bind(s.user.id).execute(c).await?.rows_affected());
        on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(s.user.id).execute(c).await?.rows_affected());
        tx.audit("auth.password_change", "user", &s.user.id.to_string(), None, None).await?;
        tx.commit().await
    }

    /// A bearer token for a machine client acting as `login`; printed once, stored as a hash.
    pub async fn create_token(&self, actor: &Actor, login: &str) -> Result<String> {
        let row = self
            .user_row_by_login(login)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("登录名“{login}”不存在")))?;
        let token = format!("yk_{}", random_token());
        let mut tx = self.write(actor).await?;
        on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO api_tokens (token_hash, user_id, created_by, created_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash(&token)).bind(row.0).bind(&actor.login).bind(now()).execute(c).await?.rows_affected());
        tx.audit("auth.token_create", "user", &row.0.to_string(), None, Some(&json!({ "login": login }))).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The user a bearer token acts as (not revoked, account enabled).
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = on_db!(&self.db, p => sqlx::query_as(&format!(
            "SELECT {} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
            USER_COLUMNS.split(", ").map(|c| format!("u.{}", c.trim())).collect::<Vec<_>>().join(", ")))
            .bind(token_hash(token)).fetch_optional(p).await?);
        match row {
            Some(r) if r.7 == 0 => Ok(Some(user_of(&r)?)),
            _ => Ok(None),
        }
    }
}
