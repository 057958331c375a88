//! 访问令牌 (API tokens) for machine clients. A token is made by its owner (the web's self-service
//! page) or by the server operator (`yikou token create`, audited as the system) — never by an
//! administrator for someone else's account (三权分立). It is shown once and stored as a SHA-256
//! only; it expires (90 days by default, at most 365), can be revoked by its owner or a security
//! administrator, and ends when the owner's password changes or the account is disabled.

use serde_json::json;
use yikou_domain::Actor;

use crate::accounts::auth::{random_token, token_hash, unix_now};
use crate::accounts::users::User;
use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

pub const DEFAULT_TOKEN_DAYS: i64 = 90;
pub const MAX_TOKEN_DAYS: i64 = 365;

/// A token as the lists show it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenLine {
    pub id: i64,
    pub login: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_unix: i64,
    /// Unix time of the last use (to the minute), if it was ever used.
    pub last_used_unix: Option<i64>,
    pub revoked_at: Option<String>,
    /// 有效, 已过期, 已撤销 or 已失效 (made before the owner's last password change).
    pub state: &'static str,
}

/// Ends every live token of an account inside the caller's transaction, audited with the reason
/// (`password_change`, `password_reset`, `disable`). Returns how many were ended.
pub async fn revoke_all(tx: &mut WriteTx<'_>, user_id: i64, reason: &str) -> Result<u64> {
    let n = on_tx!(&mut tx.tx, c => sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND expires_unix > $3")
        .bind(now()).bind(user_id).bind(unix_now()).execute(c).await?.rows_affected());
    if n > 0 {
        tx.audit(
            "auth.token_revoke_all",
            "user",
            &user_id.to_string(),
            None,
            Some(&json!({ "reason": reason, "count": n })),
        )
        .await?;
    }
    Ok(n)
}

type TokenRow = (i64, String, String, String, i64, i64, Option<String>, Option<String>, String);

fn line_of(r: TokenRow, now_unix: i64) -> TokenLine {
    let state = if r.6.is_some() {
        "已撤销"
    } else if r.4 <= now_unix {
        "已过期"
    } else if r.7.as_deref() != Some(r.8.as_str()) {
        "已失效"
    } else {
        "有效"
    };
    TokenLine {
        id: r.0,
        login: r.1,
        created_by: r.2,
        created_at: r.3,
        expires_unix: r.4,
        last_used_unix: (r.5 > 0).then_some(r.5),
        revoked_at: r.6,
        state,
    }
}

impl Store {
    /// A bearer token acting as `login`, valid for 90 days; printed once, stored as a hash.
    pub async fn create_token(&self, actor: &Actor, login: &str) -> Result<String> {
        self.create_token_for_days(actor, login, DEFAULT_TOKEN_DAYS).await
    }

    /// A bearer token acting as `login`, valid for `days` (1 to 365). Only the owner (a signed-in
    /// user acting for themselves) or the system (the operator's command line) may make one.
    pub async fn create_token_for_days(&self, actor: &Actor, login: &str, days: i64) -> Result<String> {
        if actor.role.is_some() && actor.login != login {
            return Err(StoreError::rejected("token_not_own", "只能为自己的账号创建访问令牌"));
        }
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(StoreError::rejected("token_days", format!("有效期须为1到{MAX_TOKEN_DAYS}天")));
        }
        let row: Option<(i64, i64, String)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, disabled, password_changed_at FROM users WHERE login = $1")
            .bind(login).fetch_optional(p).await?);
        let (user_id, disabled, epoch) =
            row.ok_or_else(|| StoreError::rejected("login_unknown", format!("登录名“{login}”不存在")))?;
        if disabled != 0 {
            return Err(StoreError::rejected("account_disabled", format!("账号“{login}”已停用，不能创建访问令牌")));
        }
        let token = format!("yk_{}", random_token());
        let expires = unix_now() + days * 86_400;
        let mut tx = self.write(actor).await?;
        let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "INSERT INTO api_tokens (token_hash, user_id, created_by, created_at, expires_unix, password_changed_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(token_hash(&token)).bind(user_id).bind(&actor.login).bind(now()).bind(expires).bind(&epoch)
            .fetch_one(c).await?);
        let after = json!({ "login": login, "token_id": id, "days": days });
        tx.audit("auth.token_create", "user", &user_id.to_string(), None, Some(&after)).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Every token (newest first), or one account's.
    pub async fn tokens(&self, login: Option<&str>) -> Result<Vec<TokenLine>> {
        let rows: Vec<TokenRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT t.id, u.login, t.created_by, t.created_at, t.expires_unix, t.last_used_unix, t.revoked_at,
                    t.password_changed_at, u.password_changed_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE $1 = '' OR u.login = $1 ORDER BY t.id DESC")
            .bind(login.unwrap_or("")).fetch_all(p).await?);
        let now_unix = unix_now();
        Ok(rows.into_iter().map(|r| line_of(r, now_unix)).collect())
    }

    /// Revokes one token (audited). With `owner`, only a token of that account: another's is not
    /// found. Revoking a revoked token changes nothing.
    pub async fn revoke_token(&self, actor: &Actor, id: i64, owner: Option<&str>) -> Result<()> {
        let row: Option<(i64, String, Option<String>)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT u.id, u.login, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1")
            .bind(id).fetch_optional(p).await?);
        let (user_id, login, revoked) = match row {
            Some(r) if owner.is_none_or(|o| o == r.1) => r,
            _ => return Err(StoreError::NotFound("访问令牌".into())),
        };
        if revoked.is_some() {
            return Ok(());
        }
        let mut tx = self.write(actor).await?;
        on_tx!(&mut tx.tx, c => sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now()).bind(id).execute(c).await?.rows_affected());
        tx.audit(
            "auth.token_revoke",
            "user",
            &user_id.to_string(),
            None,
            Some(&json!({ "login": login, "token_id": id })),
        )
        .await?;
        tx.commit().await
    }

    /// The user a bearer token acts as: not revoked, not expired, made since the owner's last
    /// password change, the account enabled and its first password changed. The last use is
    /// written at most once a minute.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        type Row = (i64, i64, i64, Option<String>, i64, String, String, String, String, i64, i64, String);
        let hash = token_hash(token);
        let row: Option<Row> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT t.id, t.expires_unix, t.last_used_unix, t.password_changed_at,
                    u.id, u.login, u.display_name, u.unit_code, u.role, u.must_change_password, u.disabled,
                    u.password_changed_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL")
            .bind(&hash).fetch_optional(p).await?);
        let Some((
            token_id,
            expires,
            last_used,
            epoch,
            id,
            login,
            display_name,
            unit_code,
            role,
            must,
            disabled,
            current,
        )) = row
        else {
            return Ok(None);
        };
        let now_unix = unix_now();
        if expires <= now_unix || disabled != 0 || must != 0 || epoch.as_deref() != Some(current.as_str()) {
            return Ok(None);
        }
        if now_unix - last_used >= 60 {
            on_db!(&self.db, p => sqlx::query("UPDATE api_tokens SET last_used_unix = $1 WHERE id = $2")
                .bind(now_unix).bind(token_id).execute(p).await?.rows_affected());
        }
        let role =
            yikou_domain::Role::from_code(&role).ok_or_else(|| StoreError::Invalid(format!("未知角色“{role}”")))?;
        Ok(Some(User { id, login, display_name, unit_code, role, must_change_password: false, disabled: false }))
    }

    /// Test and operations hook: moves a token's expiry `seconds` earlier.
    pub async fn age_token(&self, token: &str, seconds: i64) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("UPDATE api_tokens SET expires_unix = expires_unix - $1 WHERE token_hash = $2")
            .bind(seconds).bind(token_hash(token)).execute(p).await?.rows_affected());
        Ok(())
    }
}
