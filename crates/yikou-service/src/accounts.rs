//! 用户与角色 and 访问令牌 (accounts and API tokens) as use cases, with the administrators' rights
//! split (三权分立, `Role::may_*`):
//!
//! - the system administrator creates accounts; whoever starts it sees the first half of the
//!   one-time password, the other administrator role completes the activation (双人激活) and sees
//!   the second half; the system and security administrators disable and re-enable accounts;
//! - the security administrator unlocks accounts, resets passwords (two-person too) and lists and
//!   revokes any account's API tokens (`tokens_of`), but can create none for anyone;
//! - every signed-in user lists, creates and revokes their own API tokens (`my_tokens` …);
//! - no administrator disables, unlocks or resets their own account;
//! - the server operator (the command line, no role) makes an account in one step with a password
//!   of their choosing (`yikou user add`) and makes, lists and revokes any account's tokens.
//!
//! Every change is audited in the store; passwords are shown once and stored as hashes only.

use yikou_domain::{Actor, Role};
use yikou_store::accounts::activation::{self, Completed, FirstHalf, NewAccount};
use yikou_store::accounts::auth::{AuthPolicy, LoginOutcome, SessionUser};
use yikou_store::accounts::tokens::TokenLine;
use yikou_store::accounts::users::{self, NewUser};
use yikou_store::{Store, StoreError};

use crate::{Result, ServiceError};

/// The actor's role holds the right; the command line (no role) holds none of these.
fn must(actor: &Actor, right: fn(Role) -> bool) -> Result<()> {
    match actor.role {
        Some(r) if right(r) => Ok(()),
        _ => Err(ServiceError::Forbidden),
    }
}

/// A correctable refusal of the store (`Rejected`), a missing account (`NotFound`).
fn refused(e: StoreError) -> ServiceError {
    match e {
        StoreError::Invalid(m) => ServiceError::Rejected(m),
        e => e.into(),
    }
}

/// Runs one account write as the actor and commits it (its value); the store's refusals return
/// `Rejected` from the calling function.
macro_rules! write_tx {
    ($store:expr, $actor:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = $store.write($actor).await?;
        let out = $body.await.map_err(refused)?;
        $tx.commit().await?;
        out
    }};
}

/// An account as the system administrator asks for it (the web form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRequest {
    pub login: String,
    /// Empty: the login.
    pub display_name: String,
    pub unit_code: String,
    pub role: Role,
}

/// A created account, pending until the other administrator role activates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub login: String,
    /// The first half of the one-time password, to be shown once.
    pub first_half: FirstHalf,
}

/// Creates an account that waits for its two-person activation (the system administrator only):
/// `Rejected` with what to correct (login taken or malformed, unit unknown or unfit for the role).
pub async fn create(store: &Store, actor: &Actor, req: AccountRequest) -> Result<Created> {
    must(actor, Role::may_create_accounts)?;
    let login = req.login.trim().to_string();
    let display_name = match req.display_name.trim() {
        "" => login.clone(),
        name => name.to_string(),
    };
    let new = NewAccount { login: login.clone(), display_name, unit_code: req.unit_code, role: req.role };
    let (_, first_half) = write_tx!(store, actor, |tx| activation::create_account(&mut tx, &new));
    Ok(Created { login, first_half })
}

/// Creates an account that can sign in at once with the given password (changed at the first
/// sign-in): the server operator's `yikou user add` only (`Forbidden` for any signed-in role:
/// accounts made by administrators are two-person). Returns the account's id.
pub async fn add(store: &Store, actor: &Actor, new: NewUser) -> Result<i64> {
    if actor.role.is_some() {
        return Err(ServiceError::Forbidden);
    }
    Ok(write_tx!(store, actor, |tx| users::create_user(&mut tx, &new)))
}

/// "Not your own account": what administrators cannot do to themselves.
fn not_yourself(actor: &Actor, login: &str, message: &str) -> Result<()> {
    if login == actor.login {
        return Err(ServiceError::Rejected(message.into()));
    }
    Ok(())
}

/// 停用 / 启用 another account (system or security administrator). Disabling ends its sessions and
/// tokens. `NotFound` for an unknown login; `Rejected` for one's own account.
pub async fn set_disabled(store: &Store, actor: &Actor, login: &str, disabled: bool) -> Result<()> {
    must(actor, Role::may_disable_accounts)?;
    not_yourself(actor, login, "不能停用或启用自己的账号，请由另一位管理员操作")?;
    write_tx!(store, actor, |tx| users::set_disabled(&mut tx, login, disabled));
    Ok(())
}

const NOT_YOUR_OWN_SECURITY: &str = "不能解锁或重置自己的账号，请在“修改密码”中修改，或由另一位安全管理员操作";

/// 解锁: ends a lock after failed sign-ins (security administrator; not their own account).
pub async fn unlock(store: &Store, actor: &Actor, login: &str) -> Result<()> {
    must(actor, Role::may_secure_accounts)?;
    not_yourself(actor, login, NOT_YOUR_OWN_SECURITY)?;
    write_tx!(store, actor, |tx| users::unlock(&mut tx, login));
    Ok(())
}

/// 重置密码 (security administrator; not their own account): the first half of a new one-time
/// password, to be shown once; the account's sessions and tokens end and it cannot sign in until
/// the system administrator completes the reset.
pub async fn reset_password(store: &Store, actor: &Actor, login: &str) -> Result<FirstHalf> {
    must(actor, Role::may_secure_accounts)?;
    not_yourself(actor, login, NOT_YOUR_OWN_SECURITY)?;
    Ok(write_tx!(store, actor, |tx| users::reset_password(&mut tx, login)))
}

/// 激活 / 完成重置: the other administrator role completes a pending creation or reset and gets
/// the second half of the one-time password. `NotFound` for an unknown login; `Rejected` when
/// nothing is pending, or for the administrator (or role) who started it.
pub async fn complete(store: &Store, actor: &Actor, login: &str) -> Result<Completed> {
    must(actor, Role::may_complete_activations)?;
    Ok(write_tx!(store, actor, |tx| activation::complete(&mut tx, login)))
}

/// Any account's tokens are for the security administrator (an unknown account is `NotFound`) and
/// the command line (with `None`, every account's); `Forbidden` for everyone else, even for their
/// own account (they use [`my_tokens`]).
async fn may_manage_tokens_of(store: &Store, actor: &Actor, login: Option<&str>) -> Result<()> {
    if actor.role.is_none() {
        return Ok(());
    }
    must(actor, Role::may_secure_accounts)?;
    let login = login.ok_or(ServiceError::Forbidden)?;
    if !store.users().await?.iter().any(|u| u.login == login) {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// A new API token for the actor's own account (or, from the command line, any account's), valid
/// for `days` (1 to 365), to be shown once. `Rejected` with the reason (another's account, days
/// out of range, an unknown or disabled account).
pub async fn create_token(store: &Store, actor: &Actor, login: &str, days: i64) -> Result<String> {
    store.create_token_for_days(actor, login, days).await.map_err(refused)
}

/// The actor's own tokens (newest first; never the tokens themselves).
pub async fn my_tokens(store: &Store, actor: &Actor) -> Result<Vec<TokenLine>> {
    Ok(store.tokens(Some(&actor.login)).await?)
}

/// Revokes one of the actor's own tokens (another's is `NotFound`). Revoking a revoked token
/// changes nothing.
pub async fn revoke_my_token(store: &Store, actor: &Actor, id: i64) -> Result<()> {
    Ok(store.revoke_token(actor, id, Some(&actor.login)).await?)
}

/// The tokens of `login`, or with `None` every account's (the command line only): for the
/// security administrator and the command line.
pub async fn tokens_of(store: &Store, actor: &Actor, login: Option<&str>) -> Result<Vec<TokenLine>> {
    may_manage_tokens_of(store, actor, login).await?;
    Ok(store.tokens(login).await?)
}

/// Revokes token `id` of `owner` (another account's token is `NotFound`), or with `None` any
/// account's (the command line only): for the security administrator and the command line.
pub async fn revoke_token_of(store: &Store, actor: &Actor, owner: Option<&str>, id: i64) -> Result<()> {
    may_manage_tokens_of(store, actor, owner).await?;
    Ok(store.revoke_token(actor, id, owner).await?)
}

/// 修改密码: the signed-in user's own password (the old one, then the new one twice). `Rejected`
/// with what to correct (the two new ones differ, the old one is wrong, the new one breaks the
/// password rules). Every session and token of the user ends with the change.
pub async fn change_password(store: &Store, session: &SessionUser, old: &str, new: &str, confirm: &str) -> Result<()> {
    if new != confirm {
        return Err(ServiceError::Rejected("两次输入的新密码不一致".into()));
    }
    store.change_password(session, old, new).await.map_err(refused)
}

/// 登录: checks the password and opens a session (failures counted per login and per source
/// address, locks audited — all in the store's `auth`). One answer for a wrong password, an
/// unknown login, a disabled account and a slowed source.
pub async fn sign_in(
    store: &Store,
    login: &str,
    password: &str,
    policy: &AuthPolicy,
    source: &str,
) -> Result<LoginOutcome> {
    Ok(store.login(login, password, policy, source).await?)
}

/// 退出: ends the session (audited).
pub async fn sign_out(store: &Store, session: &SessionUser) -> Result<()> {
    Ok(store.logout(session).await?)
}

/// Who a locked-out user calls: the bureau's security administrators, at the bureau's office phone
/// when the unit list has one ("区民政局（办公电话 021-…）"). Only the office line, never a mobile.
pub async fn help_line(store: &Store) -> Result<String> {
    let bureau = store.contacts().await?.into_iter().find(|u| u.code == yikou_domain::reference::BUREAU_CODE);
    Ok(match bureau {
        Some(b) => match b.office_phone.filter(|p| !p.trim().is_empty()) {
            Some(phone) => format!("{}的安全管理员（办公电话 {phone}）", b.name),
            None => format!("{}的安全管理员", b.name),
        },
        None => "安全管理员".into(),
    })
}
