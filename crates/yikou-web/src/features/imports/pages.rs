//! 名单导入 on the web: upload, check every row (nothing is written), read every problem, download the
//! error workbook, commit (all rows, or only the valid ones), list and undo batches, download the
//! template. The use cases themselves are `yikou_service::imports`; this module parses and renders.
//! A street or committee operator can only import people of their own area.

use std::path::{Path as FsPath, PathBuf};

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_domain::imports::BatchStatus;
use yikou_domain::money::group_thousands;
use yikou_domain::Scope;
use yikou_ingest::output::write_template;
use yikou_ingest::validate::RowIssue;
use yikou_service::imports::{self as service, Checked, Upload};
use yikou_store::accounts::users::User;
use yikou_store::imports::ImportResult;

use crate::frame::{frame, message_page, names, time_text, Frame};
use crate::session::{NoFields, Posted, Signed, Uploaded};
use crate::{AppError, AppState};

/// Checks an upload against the user's area (see [`yikou_service::imports::check`]), holding one of
/// the server's places for checking until it ends.
async fn check_file(state: &AppState, scope: &Scope, up: &Upload) -> Result<Checked, AppError> {
    // At most a few checks at once; the place is held until the check ends (see `checks`).
    let permit = state.checks.enter().await?;
    Ok(service::check(&state.store, scope, up, permit).await?)
}

#[derive(Template)]
#[template(path = "imports/imports.html")]
struct ImportsPage {
    frame: Frame,
    projects: Vec<(String, String)>,
    batches: Vec<(String, String, String, String, String, String, bool)>,
    /// Why the last upload was not checked (shown at the top, the form ready for another file).
    error: Option<String>,
    /// The street rows without 街镇 are imported for (a street clerk's own).
    own_street: Option<String>,
    /// 待完成的导入: the user's uploads checked but not committed (id, file, Beijing time).
    pending: Vec<(String, String, String)>,
}

pub async fn imports(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    Ok(Html(imports_page(&state, &s, None).await?))
}

/// The import page, with the reason the last upload was refused when there is one.
async fn imports_page(
    state: &AppState,
    s: &yikou_store::accounts::auth::SessionUser,
    error: Option<String>,
) -> Result<String, AppError> {
    let scope = s.actor().scope;
    let mut projects = Vec::new();
    if let Some(y) = state.store.latest_campaign_year().await? {
        if let Some(c) = state.store.campaign(y).await? {
            projects = state
                .store
                .projects(&scope, c.id)
                .await?
                .into_iter()
                .map(|p| (p.project.code.clone(), format!("{} {}", p.project.code, p.project.name)))
                .collect();
        }
    }
    // Operators see their own batches; the bureau sees every batch.
    let batches = service::visible_batches(&state.store, &s.user.actor(), 200)
        .await?
        .into_iter()
        .map(|b| {
            (
                b.batch,
                time_text(&b.created_at),
                b.file_name,
                group_thousands(b.rows as u64),
                group_thousands(b.created as u64),
                b.status.label().to_string(),
                b.status == BatchStatus::Committed,
            )
        })
        .collect();
    let own_street = own_street(state, &scope).await?;
    let pending = service::pending_uploads(&state.store, s.user.id)
        .await?
        .into_iter()
        .map(|(id, up, at)| (id, up.file_name, yikou_domain::clock::beijing_unix(at)))
        .collect();
    Ok(ImportsPage { frame: frame(state, s).await?, projects, batches, error, own_street, pending }.render()?)
}

/// A street clerk's street (by name): rows of their lists without 街镇 are of this street.
async fn own_street(state: &AppState, scope: &Scope) -> Result<Option<String>, AppError> {
    Ok(match scope {
        Scope::Street(c) => Some(names(state).await?.unit(c)),
        _ => None,
    })
}

pub async fn template(State(state): State<AppState>, Signed(s): Signed) -> Result<Response, AppError> {
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    // The clerk's own streets and committees in the drop-downs.
    let lists = service::template_lists(&state.store, &s.actor().scope, None).await?;
    let dir = tempfile_dir(&state)?;
    let bytes = tokio::task::spawn_blocking(move || {
        let path = dir.join(format!("template-{}.xlsx", service::random_id()));
        write_template(&path, &lists).map_err(|e| AppError::Internal(e.to_string()))?;
        let bytes = std::fs::read(&path).map_err(|e| AppError::Internal(e.to_string()));
        let _ = std::fs::remove_file(&path);
        bytes
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(xlsx_response("帮困对象导入模板.xlsx", "yikou-import-template.xlsx", bytes))
}

fn tempfile_dir(state: &AppState) -> Result<PathBuf, AppError> {
    let dir = state.config.upload_dir();
    create_private_dir(&dir).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(dir)
}

/// The upload folder holds people's lists: only the server's account may enter it.
fn create_private_dir(dir: &FsPath) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// An .xlsx download named `name` (Chinese allowed), with `fallback` for old clients.
fn xlsx_response(name: &str, fallback: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, crate::csv::attachment(name, fallback)),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "imports/import_result.html")]
struct CheckPage {
    frame: Frame,
    upload: String,
    file_name: String,
    /// Why the commit was refused (the result stays on the page).
    notice: Option<String>,
    /// How the columns were read: "名字 → 姓名", "住址（未使用）".
    columns: Vec<String>,
    /// Set when the list has no 街镇 column and its rows count as the clerk's street.
    own_street: Option<String>,
    summary: String,
    errors: Vec<(u32, String, String)>,
    warnings: Vec<(u32, String, String)>,
    truncated: bool,
    invalid: u64,
    valid: u64,
}

/// Upload and check: nothing is written; the page lists every problem. A file that cannot be read
/// (or none) re-shows the import page with the reason.
pub async fn upload(State(state): State<AppState>, Uploaded(s, mut form): Uploaded) -> Result<Response, AppError> {
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    let got = receive(&state, &mut form).await?;
    let (id, up, checked) = match check_received(&state, &s.user, got).await {
        Ok(c) => c,
        Err(AppError::Unreadable(m) | AppError::BadRequest(m)) => {
            let page = imports_page(&state, &s, Some(m)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
        }
        Err(e) => return Err(e),
    };
    check_page(&state, &s, &id, &up, &checked, None).await
}

/// The result of a check: every problem, how the columns were read, and the commit (only when
/// there is something to import).
async fn check_page(
    state: &AppState,
    s: &yikou_store::accounts::auth::SessionUser,
    id: &str,
    up: &Upload,
    checked: &Checked,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let o = &checked.outcome;
    let invalid = checked.invalid();
    let valid = checked.rows.len() as u64;
    let line = |i: &&RowIssue| (i.row, i.column.clone(), i.message.clone());
    let errors = checked.errors().iter().map(line).collect();
    let warnings = checked.warnings().iter().map(line).collect();
    let summary = format!(
        "{}{}，表头在第{}行；数据 {} 行，正确 {} 行，有问题 {} 行。",
        o.source.format.label(),
        o.source.encoding.map(|e| format!("，编码 {e}")).unwrap_or_default(),
        o.header.row,
        group_thousands(o.rows),
        group_thousands(valid),
        group_thousands(invalid)
    );
    let own_street = if checked.has_street_column() { None } else { own_street(state, &s.actor().scope).await? };
    let status = if invalid > 0 || notice.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = CheckPage {
        frame: frame(state, s).await?,
        upload: id.to_string(),
        file_name: up.file_name.clone(),
        notice,
        columns: checked.column_map(),
        own_street,
        summary,
        errors,
        warnings,
        truncated: o.issues_truncated,
        invalid,
        valid,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// A waiting upload's check result again (from 待完成的导入): the user's own upload only.
pub async fn pending(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    let up = service::pending_upload(&state.store, &id, s.user.id).await?;
    let checked = check_file(&state, &s.actor().scope, &up).await?;
    check_page(&state, &s, &id, &up, &checked, None).await
}

/// An upload form's fields, the file already streamed to a temporary path.
pub(crate) struct Received {
    pub(crate) project: Option<String>,
    /// The file's name as sent, and where it was written.
    pub(crate) file: Option<(String, PathBuf)>,
    /// Other short text fields (a supermarket's name …), at most 200 characters each.
    pub(crate) fields: Vec<(String, String)>,
}

impl Received {
    /// A text field sent beside the file.
    pub(crate) fn field(&self, name: &str) -> Option<String> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    pub(crate) fn discard(self) {
        if let Some((_, p)) = &self.file {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Reads a multipart upload (fields `file`, `project`), streaming the file to disk.
pub(crate) async fn receive(state: &AppState, form: &mut Multipart) -> Result<Received, AppError> {
    let mut got = Received { project: None, file: None, fields: Vec::new() };
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                got.discard();
                return Err(AppError::BadRequest(format!("上传失败：{e}")));
            }
        };
        let mut field = field;
        match field.name().unwrap_or("") {
            "project" => got.project = Some(field.text().await.unwrap_or_default()).filter(|p| !p.trim().is_empty()),
            "file" => {
                let name = field.file_name().unwrap_or("名单").to_string();
                let ext = FsPath::new(&name).extension().and_then(|e| e.to_str()).unwrap_or("bin").to_lowercase();
                let ext: String = ext.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect();
                let path = tempfile_dir(state)?.join(format!("{}.{ext}", service::random_id()));
                // A second file part replaces the first: the first's copy goes (it holds ID numbers).
                if let Some((_, earlier)) = got.file.take() {
                    let _ = std::fs::remove_file(earlier);
                }
                // Registered first, so an interrupted upload leaves no file behind.
                got.file = Some((name, path.clone()));
                let mut out = tokio::fs::File::create(&path).await.map_err(|e| AppError::Internal(e.to_string()))?;
                use tokio::io::AsyncWriteExt;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            out.write_all(&chunk).await.map_err(|e| AppError::Internal(e.to_string()))?
                        }
                        Ok(None) => break,
                        Err(e) => {
                            got.discard();
                            return Err(AppError::BadRequest(format!("上传中断或文件过大：{e}")));
                        }
                    }
                }
                out.flush().await.map_err(|e| AppError::Internal(e.to_string()))?;
            }
            other if other != "_csrf" && got.fields.len() < 8 => {
                let name = other.chars().take(40).collect::<String>();
                let text: String = field.text().await.unwrap_or_default().chars().take(200).collect();
                got.fields.push((name, text));
            }
            _ => {}
        }
    }
    Ok(got)
}

/// Checks a received file against the user's area and keeps it (for this user only) until the
/// commit. Nothing is written to the store.
pub(crate) async fn check_received(
    state: &AppState,
    user: &User,
    got: Received,
) -> Result<(String, Upload, Checked), AppError> {
    let Some((file_name, path)) = got.file else {
        return Err(AppError::BadRequest("请选择要导入的名单文件（.xlsx、.xls 或 .csv）".into()));
    };
    let up = Upload { path, file_name, project: got.project };
    let checked = match check_file(state, &user.actor().scope, &up).await {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&up.path);
            return Err(e);
        }
    };
    let id = service::keep_upload(&state.store, user.id, &up, &state.config.upload_dir()).await?;
    Ok((id, up, checked))
}

/// Commits a checked upload of this user (see [`yikou_service::imports::commit`]).
pub(crate) async fn commit_upload(
    state: &AppState,
    user: &User,
    id: &str,
    accept_valid: bool,
) -> Result<ImportResult, AppError> {
    let up = service::pending_upload(&state.store, id, user.id).await?;
    let checked = check_file(state, &user.actor().scope, &up).await?;
    Ok(service::commit(&state.store, &user.actor(), id, &up, checked, accept_valid).await?)
}

/// The rejected rows with a 错误说明 column, to fix and import again.
pub async fn error_workbook(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let up = service::pending_upload(&state.store, &id, s.user.id).await?;
    let checked = check_file(&state, &s.actor().scope, &up).await?;
    let lists = service::template_lists(&state.store, &s.actor().scope, None).await?;
    let dir = tempfile_dir(&state)?;
    let bytes = tokio::task::spawn_blocking(move || {
        let path = dir.join(format!("errors-{}.xlsx", service::random_id()));
        service::write_errors(&path, &checked, &lists)?;
        let bytes = std::fs::read(&path).map_err(|e| AppError::Internal(e.to_string()));
        let _ = std::fs::remove_file(&path);
        bytes
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    let stem = FsPath::new(&up.file_name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(xlsx_response(&format!("{stem}-错误行.xlsx"), "yikou-errors.xlsx", bytes))
}

#[derive(Deserialize)]
pub struct CommitForm {
    #[serde(default)]
    accept_valid: Option<String>,
}

#[derive(Template)]
#[template(path = "imports/import_done.html")]
struct DonePage {
    frame: Frame,
    text: String,
}

/// Commit: all rows, or with 只导入正确的行 the valid ones; the same file again adds nothing.
pub async fn commit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, f): Posted<CommitForm>,
) -> Result<Response, AppError> {
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    let result = match commit_upload(&state, &s.user, &id, f.accept_valid.is_some()).await {
        Ok(r) => r,
        // Not imported: the same result again, with the reason on it.
        Err(AppError::Rejected(m)) => {
            let up = service::pending_upload(&state.store, &id, s.user.id).await?;
            let checked = check_file(&state, &s.actor().scope, &up).await?;
            return check_page(&state, &s, &id, &up, &checked, Some(m)).await;
        }
        Err(e) => return Err(e),
    };
    let text = if result.already_imported {
        format!("该文件此前已导入（批次 {}），本次未重复导入任何数据。", result.batch)
    } else {
        let outside = if result.outside_rows.is_empty() {
            String::new()
        } else {
            format!("其中{}", yikou_store::outside_message(&result.outside_rows).split('。').next().unwrap_or_default())
                + "，这些行未导入。"
        };
        format!(
            "已导入批次 {}：新增 {} 行，更新 {} 行，无变化 {} 行，未导入（有错误） {} 行；新登记帮困对象 {} 人，新增帮扶记录 {} 条。{}",
            result.batch,
            group_thousands(result.created),
            group_thousands(result.updated),
            group_thousands(result.unchanged),
            group_thousands(result.rejected),
            group_thousands(result.people_created),
            group_thousands(result.entitlements_created),
            outside
        )
    };
    Ok(Html(DonePage { frame: frame(&state, &s).await?, text }.render()?).into_response())
}

#[derive(Template)]
#[template(path = "imports/undo_confirm.html")]
struct UndoConfirmPage {
    frame: Frame,
    batch: String,
    file_name: String,
    created_at: String,
    rows: String,
    created: String,
}

/// The confirmation step before an undo: says exactly what will happen.
pub async fn undo_confirm(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(batch): Path<String>,
) -> Result<Html<String>, AppError> {
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    let b = service::visible_batch(&state.store, &s.user.actor(), &batch).await?;
    if b.status != BatchStatus::Committed {
        return Err(AppError::NotFound);
    }
    Ok(Html(
        UndoConfirmPage {
            frame: frame(&state, &s).await?,
            created_at: time_text(&b.created_at),
            rows: group_thousands(b.rows as u64),
            created: group_thousands(b.created as u64),
            batch: b.batch,
            file_name: b.file_name,
        }
        .render()?,
    ))
}

/// Undo a batch (own batches; the bureau any), while none of its entitlements is approved.
pub async fn undo(
    State(state): State<AppState>,
    Path(batch): Path<String>,
    Posted(s, NoFields {}): Posted<NoFields>,
) -> Result<Response, AppError> {
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    match service::undo(&state.store, &s.user.actor(), &batch).await {
        Ok(b) => {
            let text = format!("已撤销批次 {}（{}，{} 行）。", b.batch, b.file_name, group_thousands(b.rows as u64));
            Ok(Html(DonePage { frame: frame(&state, &s).await?, text }.render()?).into_response())
        }
        // Approved records, or already undone: said in the page's own words.
        Err(yikou_service::ServiceError::Rejected(m) | yikou_service::ServiceError::Conflict(m)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(message_page("无法撤销", &m))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
