//! 用户与角色 for the administrators (三权分立): the system administrator creates accounts and
//! issues API tokens; the system and security administrators disable and re-enable accounts. Every
//! change is audited in the store; passwords and tokens are shown once and stored as hashes only.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use yikou_domain::Role;
use yikou_store::auth::SessionUser;
use yikou_store::users::{create_user, generate_password, set_disabled, NewUser};

use crate::auth::{same, Signed};
use crate::imports::off_thread;
use crate::pages::{frame, Frame};
use crate::{AppError, AppState};

fn may_create(role: Role) -> bool {
    role == Role::SystemAdmin
}

fn may_disable(role: Role) -> bool {
    matches!(role, Role::SystemAdmin | Role::SecurityAdmin)
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct NewUserPage {
    frame: Frame,
    units: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
    login: String,
    display_name: String,
    unit: String,
    role: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "secret.html")]
struct SecretPage {
    frame: Frame,
    title: String,
    lead: String,
    secret: String,
    note: &'static str,
}

#[derive(Deserialize, Default)]
pub struct NewUserForm {
    #[serde(rename = "_csrf")]
    csrf: String,
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
    s: &yikou_store::auth::SessionUser,
    f: NewUserForm,
    error: Option<String>,
) -> Result<String, AppError> {
    let units = state
        .store
        .contacts()
        .await?
        .into_iter()
        .map(|u| {
            let label = match u.kind.as_str() {
                "committee" => format!("　{}（{}）", u.name, u.code),
                _ => format!("{}（{}）", u.name, u.code),
            };
            (u.code, label)
        })
        .collect();
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
    if !may_create(s.user.role) {
        return Err(AppError::Forbidden);
    }
    Ok(Html(new_user_page(&state, &s, NewUserForm::default(), None).await?))
}

/// Creates the account with a one-time password (changed at first sign-in), shown once.
pub async fn create(
    State(state): State<AppState>,
    Signed(s): Signed,
    Form(f): Form<NewUserForm>,
) -> Result<Response, AppError> {
    if !same(&f.csrf, &s.csrf) {
        return Err(AppError::Csrf);
    }
    if !may_create(s.user.role) {
        return Err(AppError::Forbidden);
    }
    let Some(role) = Role::from_code(&f.role) else {
        let page = new_user_page(&state, &s, f, Some("请选择角色".into())).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
    };
    let password = generate_password();
    let new = NewUser {
        login: f.login.trim().to_string(),
        display_name: if f.display_name.trim().is_empty() {
            f.login.trim().to_string()
        } else {
            f.display_name.trim().to_string()
        },
        unit_code: f.unit.clone(),
        role,
        password: password.clone(),
        must_change_password: true,
    };
    let actor = s.actor();
    let created = off_thread(state.store.clone(), move |store| async move {
        let mut tx = store.write(&actor).await?;
        match create_user(&mut tx, &new).await {
            Ok(_) => {
                tx.commit().await?;
                Ok(Ok(new.login))
            }
            Err(yikou_store::StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    match created {
        Ok(login) => {
            let page = SecretPage {
                frame: frame(&state, &s).await?,
                title: format!("已新建账号 {login}"),
                lead: "一次性口令（只显示这一次，请当面或电话告知本人）：".into(),
                secret: password,
                note: "本人首次登录时须修改口令；口令只以不可逆的散列保存。",
            };
            Ok(Html(page.render()?).into_response())
        }
        Err(m) => {
            let page = new_user_page(&state, &s, f, Some(m)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// 停用 / 启用: another administrator's account only (no one locks themselves out).
async fn switch(
    state: AppState,
    s: SessionUser,
    login: String,
    csrf: &str,
    disabled: bool,
) -> Result<Response, AppError> {
    if !same(csrf, &s.csrf) {
        return Err(AppError::Csrf);
    }
    if !may_disable(s.user.role) {
        return Err(AppError::Forbidden);
    }
    if login == s.user.login {
        return Err(AppError::BadRequest("不能停用或启用自己的账号，请由另一位管理员操作".into()));
    }
    let actor = s.actor();
    off_thread(state.store.clone(), move |store| async move {
        let mut tx = store.write(&actor).await?;
        match set_disabled(&mut tx, &login, disabled).await {
            Ok(()) => Ok(tx.commit().await?),
            Err(yikou_store::StoreError::NotFound(_)) => Err(AppError::NotFound),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    Ok((axum::http::StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, "/users")]).into_response())
}

pub async fn disable(
    st: State<AppState>,
    s: Signed,
    login: Path<String>,
    f: Form<CsrfForm>,
) -> Result<Response, AppError> {
    switch(st.0, s.0, login.0, &f.csrf, true).await
}

pub async fn enable(
    st: State<AppState>,
    s: Signed,
    login: Path<String>,
    f: Form<CsrfForm>,
) -> Result<Response, AppError> {
    switch(st.0, s.0, login.0, &f.csrf, false).await
}

/// A bearer token for a machine client acting as this account (audited), shown once.
pub async fn token(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(login): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Html<String>, AppError> {
    if !same(&f.csrf, &s.csrf) {
        return Err(AppError::Csrf);
    }
    if !may_create(s.user.role) {
        return Err(AppError::Forbidden);
    }
    if !state.store.users().await?.iter().any(|u| u.login == login && !u.disabled) {
        return Err(AppError::NotFound);
    }
    let token = state.store.create_token(&s.actor(), &login).await?;
    Ok(Html(
        SecretPage {
            frame: frame(&state, &s).await?,
            title: format!("已为 {login} 签发访问令牌"),
            lead: "访问令牌（只显示这一次，请交给对接系统的管理员妥善保管）：".into(),
            secret: token,
            note: "调用接口时放在请求头 Authorization: Bearer 令牌 中；令牌与该账号的权限和工作范围相同，账号停用后令牌随即失效。",
        }
        .render()?,
    ))
}
