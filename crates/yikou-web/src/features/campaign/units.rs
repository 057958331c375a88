//! 工作单位: the units of the campaign and their contacts (the bureau edits them).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use serde::Deserialize;
use yikou_store::accounts::auth::SessionUser;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "campaign/units.html")]
struct UnitsPage {
    frame: Frame,
    may_edit: bool,
    rows: Vec<(String, String, String, String, String, String)>,
}

/// The units of the campaign (bureau, departments and organisations, streets/towns), without the
/// committees under the streets.
/// 单位通讯录 (附件2).
pub async fn units(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let rows = yikou_service::campaign::units(&state.store)
        .await?
        .into_iter()
        .map(|u| {
            (
                u.code,
                u.name,
                u.contact_name.unwrap_or_default(),
                u.contact_title.unwrap_or_default(),
                u.office_phone.unwrap_or_default(),
                u.mobile.unwrap_or_default(),
            )
        })
        .collect();
    Ok(Html(UnitsPage { frame: frame(&state, &s).await?, may_edit: s.user.role.may_edit_units(), rows }.render()?))
}

#[derive(Template)]
#[template(path = "campaign/unit_edit.html")]
struct UnitEditPage {
    frame: Frame,
    code: String,
    name: String,
    contact_name: String,
    contact_title: String,
    office_phone: String,
    mobile: String,
    error: Option<String>,
}

async fn unit_for_edit(
    state: &AppState,
    s: &SessionUser,
    code: &str,
) -> Result<yikou_store::reference::UnitContact, AppError> {
    if !s.user.role.may_edit_units() {
        return Err(AppError::Forbidden);
    }
    yikou_service::campaign::units(&state.store).await?.into_iter().find(|u| u.code == code).ok_or(AppError::NotFound)
}

pub async fn unit_edit(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let u = unit_for_edit(&state, &s, &code).await?;
    Ok(Html(
        UnitEditPage {
            frame: frame(&state, &s).await?,
            code: u.code,
            name: u.name,
            contact_name: u.contact_name.unwrap_or_default(),
            contact_title: u.contact_title.unwrap_or_default(),
            office_phone: u.office_phone.unwrap_or_default(),
            mobile: u.mobile.unwrap_or_default(),
            error: None,
        }
        .render()?,
    ))
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_title: String,
    #[serde(default)]
    office_phone: String,
    #[serde(default)]
    mobile: String,
}

pub async fn unit_save(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Posted(s, f): Posted<ContactForm>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let u = unit_for_edit(&state, &s, &code).await?;
    let update = yikou_store::reference::ContactUpdate {
        contact_name: f.contact_name.clone(),
        contact_title: f.contact_title.clone(),
        office_phone: f.office_phone.clone(),
        mobile: f.mobile.clone(),
    };
    match yikou_service::campaign::set_unit_contact(&state.store, &s.actor(), &code, &update).await {
        Ok(()) => Ok((axum::http::StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, "/units")]).into_response()),
        // Keep what the user typed and say what to change.
        Err(yikou_service::ServiceError::Rejected(m)) => {
            let page = UnitEditPage {
                frame: frame(&state, &s).await?,
                code: u.code,
                name: u.name,
                contact_name: f.contact_name,
                contact_title: f.contact_title,
                office_phone: f.office_phone,
                mobile: f.mobile,
                error: Some(m),
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
