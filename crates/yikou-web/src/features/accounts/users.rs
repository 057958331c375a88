//! 用户与角色: the accounts list and the administrators' acts on accounts.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_domain::reference::UnitKind;
use yikou_domain::PendingAct;
use yikou_domain::Role;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};
use yikou_service::accounts::{self, AccountRequest, Created};
use yikou_service::ServiceError;
use yikou_store::accounts::activation::FirstHalf;

#[derive(Template)]
#[template(path = "accounts/users.html")]
struct UsersPage {
    frame: Frame,
    frame_login: String,
    may_create: bool,
    may_secure: bool,
    rows: Vec<(String, String, String, &'static str, String, bool, bool)>,
    /// Per row: the label of the completion button when this administrator may complete a
    /// pending creation or reset (the other administrator role than the one who started it).
    completes: Vec<Option<&'static str>>,
}

pub(crate) fn user_status(u: &yikou_store::accounts::users::UserLine) -> &'static str {
    if u.disabled {
        "已停用"
    } else if let Some(act) = u.pending {
        act.state_label()
    } else if u.locked {
        "已锁定"
    } else if u.must_change_password {
        "待首次改密码"
    } else {
        "正常"
    }
}

/// 用户与角色: for the system and security administrators.
pub async fn users(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    if !s.user.role.may_see_accounts() {
        return Err(AppError::Forbidden);
    }
    let users = state.store.users().await?;
    let completes = users
        .iter()
        .map(|u| match (u.pending, u.pending_role) {
            (Some(act), Some(by)) if by != s.user.role && u.login != s.user.login => Some(act.completion_label()),
            _ => None,
        })
        .collect();
    let rows = users
        .into_iter()
        .map(|u| {
            let status = user_status(&u);
            (u.login, u.display_name, unit_name(&u.unit_code), u.role.label(), status.to_string(), u.disabled, u.locked)
        })
        .collect();
    Ok(Html(
        UsersPage {
            frame: frame(&state, &s).await?,
            frame_login: s.user.login.clone(),
            may_create: s.user.role.may_create_accounts(),
            may_secure: s.user.role.may_secure_accounts(),
            rows,
            completes,
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "accounts/user_new.html")]
struct NewUserPage {
    frame: Frame,
    /// (group, [(code, label)]): the district's units, then each street/town with its committees.
    units: Vec<(String, Vec<(String, String)>)>,
    roles: Vec<(&'static str, &'static str)>,
    login: String,
    display_name: String,
    unit: String,
    role: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/secret.html")]
pub(crate) struct SecretPage {
    pub frame: Frame,
    pub title: String,
    pub lead: String,
    pub secret: String,
    pub note: &'static str,
    /// The link back: (href, text).
    pub back: (&'static str, &'static str),
}

#[derive(Deserialize, Default)]
pub struct NewUserForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    role: String,
}

async fn new_user_page(
    state: &AppState,
    s: &yikou_store::accounts::auth::SessionUser,
    f: NewUserForm,
    error: Option<String>,
) -> Result<String, AppError> {
    // Grouped as a clerk looks for them: the district's own units, then each street/town with its
    // committees under it (same-named committees of two streets told apart by their group).
    let all = state.store.contacts().await?;
    let mut units: Vec<(String, Vec<(String, String)>)> = vec![(
        "区级单位、部门和组织".into(),
        all.iter()
            .filter(|u| u.kind != UnitKind::Committee && !u.kind.is_street_level())
            .map(|u| (u.code.clone(), format!("{}（{}）", u.name, u.code)))
            .collect(),
    )];
    for street in all.iter().filter(|u| u.kind.is_street_level()) {
        let mut members = vec![(street.code.clone(), format!("{}（街镇本级）", street.name))];
        members.extend(
            all.iter()
                .filter(|u| u.kind == UnitKind::Committee && u.parent_code.as_deref() == Some(street.code.as_str()))
                .map(|u| (u.code.clone(), format!("{}（{}）", u.name, u.code))),
        );
        units.push((street.name.clone(), members));
    }
    Ok(NewUserPage {
        frame: frame(state, s).await?,
        units,
        roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        login: f.login,
        display_name: f.display_name,
        unit: f.unit,
        role: f.role,
        error,
    }
    .render()?)
}

pub async fn new_user(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    if !s.user.role.may_create_accounts() {
        return Err(AppError::Forbidden);
    }
    Ok(Html(new_user_page(&state, &s, NewUserForm::default(), None).await?))
}

/// Creates the account with a one-time password (changed at first sign-in): only its first half is
/// shown, and the account waits for the security administrator's activation.
pub async fn create(State(state): State<AppState>, Posted(s, f): Posted<NewUserForm>) -> Result<Response, AppError> {
    if !s.user.role.may_create_accounts() {
        return Err(AppError::Forbidden);
    }
    let Some(role) = Role::from_code(&f.role) else {
        let page = new_user_page(&state, &s, f, Some("请选择角色".into())).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
    };
    let req = AccountRequest {
        login: f.login.clone(),
        display_name: f.display_name.clone(),
        unit_code: f.unit.clone(),
        role,
    };
    let created = accounts::create(&state.store, &s.actor(), req).await;
    match created {
        Ok(Created { login, first_half: FirstHalf(half) }) => {
            let page = SecretPage {
                frame: frame(&state, &s).await?,
                title: format!("已新建账号 {login}（待激活）"),
                lead: "一次性密码的前半段（只显示这一次，请当面或电话告知本人）：".into(),
                secret: half,
                note: "账号须双人激活：账号现在不能登录，须由安全管理员在“用户与角色”中激活，后半段密码由安全管理员告知本人。本人登录时输入前半段加后半段，首次登录时须修改密码。",
                back: ("/users", "返回用户与角色"),
            };
            Ok(Html(page.render()?).into_response())
        }
        Err(ServiceError::Rejected(m)) => {
            let page = new_user_page(&state, &s, f, Some(m)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn back_to_users() -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, "/users")]).into_response()
}

/// 停用: another account only (no one locks themselves out); its sessions and tokens end.
pub async fn disable(
    State(state): State<AppState>,
    Path(login): Path<String>,
    Posted(s, NoFields {}): Posted<NoFields>,
) -> Result<Response, AppError> {
    accounts::set_disabled(&state.store, &s.actor(), &login, true).await?;
    Ok(back_to_users())
}

/// 启用: another account only.
pub async fn enable(
    State(state): State<AppState>,
    Path(login): Path<String>,
    Posted(s, NoFields {}): Posted<NoFields>,
) -> Result<Response, AppError> {
    accounts::set_disabled(&state.store, &s.actor(), &login, false).await?;
    Ok(back_to_users())
}

/// 解锁: ends a lock after failed sign-ins (the security administrator; audited `user.unlock`).
pub async fn unlock(
    State(state): State<AppState>,
    Path(login): Path<String>,
    Posted(s, NoFields {}): Posted<NoFields>,
) -> Result<Response, AppError> {
    accounts::unlock(&state.store, &s.actor(), &login).await?;
    Ok(back_to_users())
}

/// 重置密码: the first half of a new one-time password, shown once to the security administrator;
/// the account's sessions and tokens end (audited `user.password_reset`).
pub async fn reset_password(
    State(state): State<AppState>,
    Path(login): Path<String>,
    Posted(s, NoFields {}): Posted<NoFields>,
) -> Result<Response, AppError> {
    let FirstHalf(half) = accounts::reset_password(&state.store, &s.actor(), &login).await?;
    let page = SecretPage {
        frame: frame(&state, &s).await?,
        title: format!("已重置 {login} 的密码（待系统管理员完成）"),
        lead: "一次性密码的前半段（只显示这一次，请当面或电话告知本人）：".into(),
        secret: half,
        note: "密码重置须双人完成：账号现在不能登录，原有的登录会话和访问令牌均已失效；须由系统管理员在“用户与角色”中完成重置，后半段密码由系统管理员告知本人。本人登录时输入前半段加后半段，登录后须修改密码。",
        back: ("/users", "返回用户与角色"),
    };
    Ok(Html(page.render()?).into_response())
}

/// 激活 / 完成重置: the other administrator role completes an account's creation or password reset
/// and is shown the second half of the one-time password (the store refuses the administrator who
/// started it).
pub async fn complete(
    State(state): State<AppState>,
    Path(login): Path<String>,
    Posted(s, NoFields {}): Posted<NoFields>,
) -> Result<Response, AppError> {
    let done = accounts::complete(&state.store, &s.actor(), &login).await?;
    let (title, what) = match done.kind {
        PendingAct::Create => (format!("已激活账号 {login}"), "密码"),
        PendingAct::Reset => (format!("已完成 {login} 的密码重置"), "密码"),
    };
    let page = SecretPage {
        frame: frame(&state, &s).await?,
        title,
        lead: format!("一次性{what}的后半段（只显示这一次，请当面或电话告知本人）："),
        secret: done.second_half,
        note: "前半段由开始这一操作的另一位管理员告知本人。本人登录时输入前半段加后半段，登录后须修改；两位管理员都不知道完整的密码。",
        back: ("/users", "返回用户与角色"),
    };
    Ok(Html(page.render()?).into_response())
}
