//! 登录与会话 (sign-in and sessions), 等保 2.0 level 3 practice: argon2id passwords; a lock after
//! repeated failures, counted per typed login whether the account exists or not (an unknown login
//! gets the same answer, the same lock and about the same time, checked against a dummy hash);
//! slowing per client address; sessions kept in the database (they survive a restart) and ended by
//! idleness, an absolute lifetime or a password change; CSRF tokens per session. Only hashes of
//! tokens are stored. Every sign-in, sign-out, failure, lock and password change is audited; the
//! typed password never is, nor a typed login that matches no account.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use yikou_domain::access::check_password_rules;
use yikou_domain::{Actor, Role};

use crate::accounts::users::{hash_password, User};
use crate::{now, on_db, on_tx, Result, Store, StoreError};

/// Lockout, slowing and session rules (configurable per deployment).
#[derive(Debug, Clone, Copy)]
pub struct AuthPolicy {
    /// Failed sign-ins of one login before it is locked.
    pub max_failures: i64,
    pub lock_seconds: i64,
    /// A session unused this long ends.
    pub idle_seconds: i64,
    /// A session ends this long after sign-in, however active.
    pub max_session_seconds: i64,
    /// Failed sign-ins from one client address within `source_window_seconds` after which
    /// sign-in from it is refused without checking the password (0: no limit).
    pub max_source_failures: i64,
    pub source_window_seconds: i64,
}

impl Default for AuthPolicy {
    fn default() -> AuthPolicy {
        AuthPolicy {
            max_failures: 5,
            lock_seconds: 15 * 60,
            idle_seconds: 30 * 60,
            max_session_seconds: 12 * 3600,
            max_source_failures: 20,
            source_window_seconds: 15 * 60,
        }
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

pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

type UserRow = (i64, String, String, String, String, String, i64, i64, String, Option<String>);
const USER_COLUMNS: &str =
    "id, login, display_name, unit_code, role, password_hash, must_change_password, disabled, password_changed_at, pending_kind";

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

/// A hash with the same parameters as real ones, to check unknown logins against (same time).
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("yikou-no-such-account-1A").unwrap_or_default())
}

/// Audit actor and entity of a sign-in attempt: the account, or nobody named for an unknown login.
fn who(user: Option<&User>) -> (String, String) {
    user.map_or_else(|| ("anonymous".into(), "-".into()), |u| (u.login.clone(), u.id.to_string()))
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

    /// The key failures of a typed login are counted under: a keyed hash of the trimmed,
    /// lower-cased text (the text itself is never stored).
    pub fn login_key(&self, login: &str) -> String {
        crate::accounts::users::login_key(&self.keys, login)
    }

    /// Until when the login is locked, if it is now.
    pub async fn locked_until(&self, login: &str) -> Result<Option<i64>> {
        let until: Option<i64> = on_db!(&self.db, p => sqlx::query_scalar(
            "SELECT locked_until FROM login_failures WHERE login_key = $1")
            .bind(self.login_key(login)).fetch_optional(p).await?);
        Ok(until.filter(|u| *u > unix_now()))
    }

    /// Counts one failure of the login; locks it (and starts counting afresh) at the limit.
    /// Returns the failures counted and, if now locked, until when.
    async fn count_login_failure(&self, key: &str, policy: &AuthPolicy, now_unix: i64) -> Result<(i64, Option<i64>)> {
        let failures: i64 = on_db!(&self.db, p => sqlx::query_scalar(
            "INSERT INTO login_failures (login_key, failures, locked_until, updated_unix) VALUES ($1, 1, 0, $2)
             ON CONFLICT (login_key) DO UPDATE SET failures = login_failures.failures + 1, updated_unix = $2
             RETURNING failures")
            .bind(key).bind(now_unix).fetch_one(p).await?);
        if failures < policy.max_failures {
            return Ok((failures, None));
        }
        let until = now_unix + policy.lock_seconds;
        on_db!(&self.db, p => sqlx::query("UPDATE login_failures SET failures = 0, locked_until = $1 WHERE login_key = $2")
            .bind(until).bind(key).execute(p).await?.rows_affected());
        Ok((failures, Some(until)))
    }

    /// Whether the client address has failed too often in the current window.
    async fn source_throttled(&self, from: &str, policy: &AuthPolicy, now_unix: i64) -> Result<bool> {
        if policy.max_source_failures <= 0 {
            return Ok(false);
        }
        let row: Option<(i64, i64)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT failures, window_start FROM source_failures WHERE source = $1")
            .bind(from).fetch_optional(p).await?);
        Ok(row.is_some_and(|(n, start)| {
            start > now_unix - policy.source_window_seconds && n >= policy.max_source_failures
        }))
    }

    /// Counts one failure from the client address (a fixed window), audited once when it reaches
    /// the limit; forgets old windows and old failures of logins nobody tried for a day.
    async fn count_source_failure(&self, from: &str, policy: &AuthPolicy, now_unix: i64) -> Result<()> {
        let window_open = now_unix - policy.source_window_seconds;
        let failures: i64 = on_db!(&self.db, p => sqlx::query_scalar(
            "INSERT INTO source_failures (source, window_start, failures) VALUES ($1, $2, 1)
             ON CONFLICT (source) DO UPDATE SET
               failures = CASE WHEN source_failures.window_start <= $3 THEN 1 ELSE source_failures.failures + 1 END,
               window_start = CASE WHEN source_failures.window_start <= $3 THEN $2 ELSE source_failures.window_start END
             RETURNING failures")
            .bind(from).bind(now_unix).bind(window_open).fetch_one(p).await?);
        if policy.max_source_failures > 0 && failures == policy.max_source_failures {
            let after = json!({ "from": from, "failures": failures, "window_seconds": policy.source_window_seconds });
            self.audit_as("anonymous", "auth.source_throttled", "-", after).await?;
        }
        on_db!(&self.db, p => sqlx::query("DELETE FROM source_failures WHERE window_start <= $1")
            .bind(window_open).execute(p).await?.rows_affected());
        on_db!(&self.db, p => sqlx::query("DELETE FROM login_failures WHERE updated_unix < $1 AND locked_until < $2")
            .bind(now_unix - 86_400).bind(now_unix).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Signs a user in. A wrong password, an unknown login and a disabled account get the same
    /// answer; failures are counted per typed login (locking it at the limit) and per client
    /// address `from` (refusing it, without checking the password, beyond the limit).
    pub async fn login(&self, login: &str, password: &str, policy: &AuthPolicy, from: &str) -> Result<LoginOutcome> {
        let now_unix = unix_now();
        let dummy = dummy_hash();
        if self.source_throttled(from, policy, now_unix).await? {
            self.count_source_failure(from, policy, now_unix).await?;
            return Ok(LoginOutcome::Refused);
        }
        let typed = login.trim();
        let key = self.login_key(typed);
        let row = self.user_row_by_login(typed).await?;
        let user = row.as_ref().map(user_of).transpose()?;
        let (actor, entity) = who(user.as_ref());
        if let Some(until) = self.locked_until(typed).await? {
            let after = json!({ "until": until, "from": from, "unknown": user.is_none() });
            self.audit_as(&actor, "auth.login_locked", &entity, after).await?;
            self.count_source_failure(from, policy, now_unix).await?;
            return Ok(LoginOutcome::Locked { until });
        }
        // Checked for every attempt (a dummy hash for an unknown login), so the time is alike.
        let right = verify(row.as_ref().map_or(dummy, |r| r.5.as_str()), password);
        let reason = match &user {
            None => "unknown",
            Some(_) if !right => "password",
            Some(u) if u.disabled => "disabled",
            // Pending (待激活) until the other administrator completes the creation or reset.
            Some(_) if row.as_ref().is_some_and(|r| r.9.is_some()) => "pending",
            Some(_) => "",
        };
        let (Some(user), Some(row), "") = (user, row, reason) else {
            let (failures, until) = self.count_login_failure(&key, policy, now_unix).await?;
            let action = if until.is_some() { "auth.locked" } else { "auth.login_failed" };
            let after = json!({ "failures": failures, "from": from, "reason": reason });
            self.audit_as(&actor, action, &entity, after).await?;
            self.count_source_failure(from, policy, now_unix).await?;
            return Ok(until.map_or(LoginOutcome::Refused, |until| LoginOutcome::Locked { until }));
        };
        let token = random_token();
        let mut tx = self
            .write(&Actor { login: user.login.clone(), role: Some(user.role), scope: yikou_domain::Scope::Nothing })
            .await?;
        on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM login_failures WHERE login_key = $1")
            .bind(&key).execute(c).await?.rows_affected());
        on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, password_changed_at, created_unix, last_seen_unix)
             VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(token_hash(&token)).bind(user.id).bind(random_token()).bind(&row.8).bind(now_unix)
            .execute(c).await?.rows_affected());
        tx.audit("auth.login", "user", &user.id.to_string(), None, Some(&json!({ "from": from }))).await?;
        tx.commit().await?;
        Ok(LoginOutcome::Ok { user, token })
    }

    /// The session's user, if the session exists, is neither idle too long nor older than the
    /// absolute lifetime, and its password is current. `last_seen` is written at most once a
    /// minute (reads stay reads under load).
    pub async fn session(&self, token: &str, policy: &AuthPolicy) -> Result<Option<SessionUser>> {
        let hash = token_hash(token);
        let now_unix = unix_now();
        type Row = (String, i64, i64, String, i64, String, String, String, String, i64, i64, String);
        let row: Option<Row> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT s.csrf, s.created_unix, s.last_seen_unix, s.password_changed_at, u.id, u.login, u.display_name,
                    u.unit_code, u.role, u.must_change_password, u.disabled, u.password_changed_at
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1")
            .bind(&hash).fetch_optional(p).await?);
        let Some((csrf, created, last_seen, epoch, id, login, display_name, unit_code, role, must, disabled, current)) =
            row
        else {
            return Ok(None);
        };
        if disabled != 0
            || epoch != current
            || now_unix - last_seen > policy.idle_seconds
            || now_unix - created > policy.max_session_seconds
        {
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

    /// Test and operations hook: pretends the session was opened `seconds` earlier (its last use
    /// stays as it is).
    pub async fn age_session_start(&self, token: &str, seconds: i64) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("UPDATE sessions SET created_unix = created_unix - $1 WHERE token_hash = $2")
            .bind(seconds).bind(token_hash(token)).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn logout(&self, s: &SessionUser) -> Result<()> {
        let mut tx = self.write(&s.actor()).await?;
        on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&s.token_hash).execute(c).await?.rows_affected());
        tx.audit("auth.logout", "user", &s.user.id.to_string(), None, None).await?;
        tx.commit().await
    }

    /// Changes a password (the old one must be right). Ends every session and every API token of
    /// the user; the caller signs in again.
    pub async fn change_password(&self, s: &SessionUser, old: &str, new: &str) -> Result<()> {
        let row = self.user_row_by_login(&s.user.login).await?.ok_or_else(|| StoreError::NotFound("用户".into()))?;
        if !verify(&row.5, old) {
            return Err(StoreError::Invalid("原密码不正确".into()));
        }
        if old == new {
            return Err(StoreError::Invalid("新密码不能与原密码相同".into()));
        }
        check_password_rules(new).map_err(StoreError::Invalid)?;
        let hash = hash_password(new)?;
        let mut tx = self.write(&s.actor()).await?;
        on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = 0, password_changed_at = $2 WHERE id = $3")
            .bind(&hash).bind(now()).bind(s.user.id).execute(c).await?.rows_affected());
        on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(s.user.id).execute(c).await?.rows_affected());
        tx.audit("auth.password_change", "user", &s.user.id.to_string(), None, None).await?;
        crate::accounts::tokens::revoke_all(&mut tx, s.user.id, "password_change").await?;
        tx.commit().await
    }
}
