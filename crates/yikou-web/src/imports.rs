//! 名单导入 on the web, and the glue between the ingest layer and the store that the command line
//! shares: upload, check every row (nothing is written), read every problem, download the error
//! workbook, commit (all rows, or only the valid ones), list and undo batches, download the template.
//! A street or committee operator can only import people of their own area.

use std::io::Read;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use yikou_domain::money::group_thousands;
use yikou_domain::{today, Scope};
use yikou_ingest::output::{write_error_workbook, write_template, TemplateLists};
use yikou_ingest::process::{process, Options, Outcome};
use yikou_ingest::validate::{NoRegister, Reference, Register, RowIssue, ValidRow};
use yikou_store::auth::unix_now;
use yikou_store::imports::{commit_import, undo_batch, Batch, ImportMeta, ImportResult, ImportRow};
use yikou_store::uploads::{PendingUpload, UPLOAD_TTL_SECONDS};
use yikou_store::users::User;
use yikou_store::Store;

use crate::auth::{same, Signed};
use crate::pages::{frame, Frame};
use crate::{AppError, AppState};

/// Reference data from the store (the bureau may have edited it).
pub async fn reference_from(store: &Store) -> Result<Reference, yikou_store::StoreError> {
    let mut r = Reference::default();
    for u in store.units().await? {
        if matches!(u.kind.as_str(), "street" | "town" | "zone") {
            r.add_street(&u.code, &u.name);
        }
    }
    for (street, code, name) in store.committees().await? {
        r.add_committee(&street, &code, &name);
    }
    for c in store.categories().await? {
        r.add_category(&c.code, &c.name);
    }
    Ok(r)
}

pub fn to_import_row(v: ValidRow) -> ImportRow {
    ImportRow {
        row: v.row,
        id_number: v.id_number,
        name: v.name,
        phone: v.phone,
        address: v.address,
        street_code: v.street_code,
        committee_code: v.committee_code,
        categories: v.categories,
        household: v.household,
        household_size: v.household_size,
        amount: v.amount,
    }
}

/// SHA-256 of a file's bytes (a batch remembers which file it came from).
pub fn file_hash(path: &FsPath) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Runs a future that is not `Send` (store writes nest savepoints in ways the compiler cannot prove
/// `Send`) on a blocking thread of the same runtime.
pub(crate) async fn off_thread<T, F, Fut>(store: Arc<Store>, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(Arc<Store>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(f(store)))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// An uploaded file waiting for its commit, kept for its owner only (registered in the store).
#[derive(Clone)]
pub struct Upload {
    path: PathBuf,
    pub(crate) file_name: String,
    project: Option<String>,
}

impl From<PendingUpload> for Upload {
    fn from(p: PendingUpload) -> Upload {
        Upload { path: PathBuf::from(p.path), file_name: p.file_name, project: p.project }
    }
}

fn random_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Removes uploads that were never committed: expired ones, and files in the upload folder that no
/// waiting upload names (left by a crash). Run when the server starts and on every upload.
pub async fn clean_uploads(store: &Store, dir: &FsPath) -> Result<usize, yikou_store::StoreError> {
    let now = unix_now();
    let mut removed = 0;
    for u in store.expire_uploads(now).await? {
        removed += usize::from(std::fs::remove_file(&u.path).is_ok());
    }
    let live: std::collections::HashSet<PathBuf> = store.upload_paths().await?.into_iter().map(PathBuf::from).collect();
    let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(UPLOAD_TTL_SECONDS as u64);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            let old = e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < cutoff);
            if old && !live.contains(&path) {
                removed += usize::from(std::fs::remove_file(&path).is_ok());
            }
        }
    }
    Ok(removed)
}

/// The checked file: the outcome, the valid rows, and the rows refused because they lie outside the
/// operator's area.
pub(crate) struct Checked {
    pub(crate) outcome: Outcome,
    pub(crate) rows: Vec<ImportRow>,
    pub(crate) outside: Vec<RowIssue>,
    /// The project the rows were checked against (and are committed to).
    pub(crate) project: Option<yikou_store::campaigns::StoredProject>,
}

impl Checked {
    /// Rows that cannot be imported: invalid, or outside the operator's area.
    pub(crate) fn invalid(&self) -> u64 {
        self.outcome.invalid + self.outside.len() as u64
    }

    /// Every problem that rejects a row, in row order.
    pub(crate) fn errors(&self) -> Vec<&RowIssue> {
        let mut errors: Vec<&RowIssue> =
            self.outcome.issues.iter().filter(|i| !i.warning).chain(&self.outside).collect();
        errors.sort_by_key(|e| e.row);
        errors
    }

    pub(crate) fn warnings(&self) -> Vec<&RowIssue> {
        self.outcome.issues.iter().filter(|i| i.warning).collect()
    }
}

async fn check_file(state: &AppState, scope: &Scope, up: &Upload) -> Result<Checked, AppError> {
    let reference = reference_from(&state.store).await?;
    // Only the people of the user's area: the check must reveal nothing about anyone else.
    let names = state.store.register_names(scope).await?;
    let project = match &up.project {
        Some(code) => {
            let c = crate::pages::current_campaign(state).await?;
            Some(state.store.project_by_code(scope, c.id, code).await?.ok_or(AppError::NotFound)?)
        }
        None => None,
    };
    let path = up.path.clone();
    let scope = scope.clone();
    // At most a few checks at once; the place is held until the check ends (see `checks`).
    let permit = state.checks.enter().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let register: &dyn Register = if names.is_empty() { &NoRegister } else { &names };
        let opts = Options {
            sheet: None,
            reference: &reference,
            register,
            standard: project.as_ref().map(|p| (p.project.name.as_str(), p.project.standard)),
            today: today(),
        };
        let mut rows = Vec::new();
        let mut outside = Vec::new();
        let outcome = process(
            &path,
            &opts,
            &mut |v| {
                let allowed = match &scope {
                    Scope::Street(c) => v.street_code.as_deref() == Some(c.as_str()),
                    Scope::Committee(c) => v.committee_code.as_deref() == Some(c.as_str()),
                    _ => true,
                };
                if allowed {
                    rows.push(to_import_row(v));
                } else {
                    outside.push(RowIssue {
                        row: v.row,
                        column: "街镇".into(),
                        code: "outside_area".into(),
                        message: "该行不属于您所在的街镇（居村委），不能由您导入：请交给所属街镇导入".into(),
                        warning: false,
                    });
                }
            },
            &mut |_| {},
        );
        outcome.map(|outcome| Checked { outcome, rows, outside, project })
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Unreadable(e.to_string()))
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    frame: Frame,
    projects: Vec<(String, String)>,
    batches: Vec<(String, String, String, String, String, String, bool)>,
}

pub async fn imports(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
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
    let batches = visible_batches(&state, &s.user, 200)
        .await?
        .into_iter()
        .map(|b| {
            (
                b.batch,
                b.created_at.chars().take(16).collect::<String>().replace('T', " "),
                b.file_name,
                group_thousands(b.rows as u64),
                group_thousands(b.created as u64),
                if b.status == "committed" { "已导入".to_string() } else { "已撤销".to_string() },
                b.status == "committed",
            )
        })
        .collect();
    Ok(Html(ImportsPage { frame: frame(&state, &s).await?, projects, batches }.render()?))
}

pub async fn template(State(state): State<AppState>, Signed(s): Signed) -> Result<Response, AppError> {
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    let mut lists =
        TemplateLists { streets: Vec::new(), committees: Vec::new(), categories: Vec::new(), project_note: None };
    for u in state.store.units().await? {
        if matches!(u.kind.as_str(), "street" | "town" | "zone") {
            lists.streets.push(u.name);
        }
    }
    lists.committees = state.store.committees().await?.into_iter().map(|c| c.2).collect();
    lists.categories = state.store.categories().await?.into_iter().map(|c| c.name).collect();
    let dir = tempfile_dir(&state)?;
    let bytes = tokio::task::spawn_blocking(move || {
        let path = dir.join(format!("template-{}.xlsx", random_id()));
        write_template(&path, &lists).map_err(|e| AppError::Internal(e.to_string()))?;
        let bytes = std::fs::read(&path).map_err(|e| AppError::Internal(e.to_string()));
        let _ = std::fs::remove_file(&path);
        bytes
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(xlsx_response("yikou-import-template.xlsx", bytes))
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

fn xlsx_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "import_result.html")]
struct CheckPage {
    frame: Frame,
    upload: String,
    file_name: String,
    summary: String,
    errors: Vec<(u32, String, String)>,
    warnings: Vec<(u32, String, String)>,
    truncated: bool,
    invalid: u64,
    valid: u64,
}

/// Upload and check: nothing is written; the page lists every problem.
pub async fn upload(
    State(state): State<AppState>,
    Signed(s): Signed,
    mut form: Multipart,
) -> Result<Response, AppError> {
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    let got = receive(&state, &mut form).await?;
    if !same(&got.csrf, &s.csrf) {
        got.discard();
        return Err(AppError::Csrf);
    }
    let (id, up, checked) = check_received(&state, &s.user, got).await?;
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
    let status = if invalid > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = CheckPage {
        frame: frame(&state, &s).await?,
        upload: id,
        file_name: up.file_name.clone(),
        summary,
        errors,
        warnings,
        truncated: o.issues_truncated,
        invalid,
        valid,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// An upload form's fields, the file already streamed to a temporary path.
pub(crate) struct Received {
    pub(crate) csrf: String,
    project: Option<String>,
    file: Option<(String, PathBuf)>,
}

impl Received {
    pub(crate) fn discard(self) {
        if let Some((_, p)) = &self.file {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Reads a multipart upload (fields `file`, `project`, `_csrf`), streaming the file to disk.
pub(crate) async fn receive(state: &AppState, form: &mut Multipart) -> Result<Received, AppError> {
    let mut got = Received { csrf: String::new(), project: None, file: None };
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
            "_csrf" => got.csrf = field.text().await.unwrap_or_default(),
            "project" => got.project = Some(field.text().await.unwrap_or_default()).filter(|p| !p.trim().is_empty()),
            "file" => {
                let name = field.file_name().unwrap_or("名单").to_string();
                let ext = FsPath::new(&name).extension().and_then(|e| e.to_str()).unwrap_or("bin").to_lowercase();
                let ext: String = ext.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect();
                let path = tempfile_dir(state)?.join(format!("{}.{ext}", random_id()));
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
    let id = random_id();
    let pending = PendingUpload {
        id: id.clone(),
        user_id: user.id,
        path: up.path.display().to_string(),
        file_name: up.file_name.clone(),
        project: up.project.clone(),
        created_unix: unix_now(),
    };
    for dropped in state.store.save_upload(&pending).await? {
        let _ = std::fs::remove_file(&dropped.path);
    }
    if let Err(e) = clean_uploads(&state.store, &state.config.upload_dir()).await {
        tracing::warn!(error = %e, "cleaning expired uploads failed");
    }
    Ok((id, up, checked))
}

/// Commits a checked upload of this user: every row, or with `accept_valid` the valid ones. Err
/// with a message when rows are still wrong and `accept_valid` is off (nothing is written).
pub(crate) async fn commit_upload(
    state: &AppState,
    user: &User,
    id: &str,
    accept_valid: bool,
) -> Result<Result<ImportResult, String>, AppError> {
    let up = owned_upload(state, id, user.id).await?;
    let checked = check_file(state, &user.actor().scope, &up).await?;
    let invalid = checked.invalid();
    if invalid > 0 && !accept_valid {
        return Ok(Err("名单中还有错误行：请修改后重新上传，或选择只导入正确的行。".into()));
    }
    let meta = ImportMeta {
        file_name: up.file_name.clone(),
        file_hash: file_hash(&up.path).map_err(|e| AppError::Internal(e.to_string()))?,
        rows: checked.outcome.rows,
        rejected: invalid,
        since: today(),
        accept_valid,
    };
    let actor = user.actor();
    let Checked { rows, project, .. } = checked;
    let result = off_thread(state.store.clone(), move |store| async move {
        let mut tx = store.write(&actor).await?;
        match commit_import(&mut tx, &meta, &rows, project.as_ref()).await {
            Ok(r) => {
                tx.commit().await?;
                Ok(Ok(r))
            }
            Err(yikou_store::StoreError::OutsideArea(outside)) => {
                // Nothing was imported; the attempt is on record (a list naming many people of other
                // areas may be someone looking people up).
                drop(tx);
                store.audit_outside_refusal(&actor, &meta, outside.len()).await?;
                Ok(Err(yikou_store::outside_message(&outside)))
            }
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    let result = match result {
        Ok(r) => r,
        Err(m) => return Ok(Err(m)),
    };
    state.store.remove_upload(id).await?;
    let _ = std::fs::remove_file(&up.path);
    Ok(Ok(result))
}

/// Batches the user may see: their own; the bureau's every batch.
pub(crate) async fn visible_batches(state: &AppState, user: &User, limit: i64) -> Result<Vec<Batch>, AppError> {
    Ok(state.store.batches_of(&user.actor(), limit).await?)
}

/// Undoes a batch the user may see, while none of its entitlements is approved (Err with the
/// reason otherwise).
pub(crate) async fn undo_visible(
    state: &AppState,
    user: &User,
    batch: String,
) -> Result<Result<Batch, String>, AppError> {
    if !visible_batches(state, user, 1000).await?.iter().any(|b| b.batch == batch) {
        return Err(AppError::NotFound);
    }
    let actor = user.actor();
    off_thread(state.store.clone(), move |store| async move {
        let mut tx = store.write(&actor).await?;
        match undo_batch(&mut tx, &batch).await {
            Ok(b) => {
                tx.commit().await?;
                Ok(Ok(b))
            }
            Err(yikou_store::StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// The user's own upload, while it has not expired (anyone else's is not found).
async fn owned_upload(state: &AppState, id: &str, user_id: i64) -> Result<Upload, AppError> {
    Ok(state.store.pending_upload(id, user_id, unix_now()).await?.ok_or(AppError::NotFound)?.into())
}

/// The rejected rows with a 错误说明 column, to fix and import again.
pub async fn error_workbook(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let up = owned_upload(&state, &id, s.user.id).await?;
    let checked = check_file(&state, &s.actor().scope, &up).await?;
    let dir = tempfile_dir(&state)?;
    let bytes = tokio::task::spawn_blocking(move || {
        let o = &checked.outcome;
        let mut issues = o.issues.clone();
        issues.extend(checked.outside.iter().cloned());
        // Rows outside the area are not in `rejected` (they were valid): the workbook lists those
        // that failed validation, each with its explanation.
        let path = dir.join(format!("errors-{}.xlsx", random_id()));
        write_error_workbook(&path, &o.header_cells, &o.rejected, &issues)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let bytes = std::fs::read(&path).map_err(|e| AppError::Internal(e.to_string()));
        let _ = std::fs::remove_file(&path);
        bytes
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    let stem = FsPath::new(&up.file_name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(xlsx_response(
        &format!("{}-errors.xlsx", stem.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>()),
        bytes,
    ))
}

#[derive(Deserialize)]
pub struct CommitForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    accept_valid: Option<String>,
}

#[derive(Template)]
#[template(path = "import_done.html")]
struct DonePage {
    frame: Frame,
    text: String,
}

/// Commit: all rows, or with 只导入正确的行 the valid ones; the same file again adds nothing.
pub async fn commit(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<String>,
    Form(f): Form<CommitForm>,
) -> Result<Response, AppError> {
    if !same(&f.csrf, &s.csrf) {
        return Err(AppError::Csrf);
    }
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    let result = match commit_upload(&state, &s.user, &id, f.accept_valid.is_some()).await? {
        Ok(r) => r,
        Err(m) => {
            return Ok(
                (StatusCode::UNPROCESSABLE_ENTITY, Html(crate::pages::message_page("未导入", &m))).into_response()
            )
        }
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
#[template(path = "undo_confirm.html")]
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
    let b = visible_batches(&state, &s.user, 1000)
        .await?
        .into_iter()
        .find(|b| b.batch == batch && b.status == "committed")
        .ok_or(AppError::NotFound)?;
    Ok(Html(
        UndoConfirmPage {
            frame: frame(&state, &s).await?,
            created_at: b.created_at.chars().take(16).collect::<String>().replace('T', " "),
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
    Signed(s): Signed,
    Path(batch): Path<String>,
    Form(f): Form<crate::auth::CsrfForm>,
) -> Result<Response, AppError> {
    if !same(&f.csrf, &s.csrf) {
        return Err(AppError::Csrf);
    }
    if !s.user.role.may_import() {
        return Err(AppError::Forbidden);
    }
    let outcome = undo_visible(&state, &s.user, batch)
        .await?
        .map(|b| format!("已撤销批次 {}（{}，{} 行）。", b.batch, b.file_name, group_thousands(b.rows as u64)));
    match outcome {
        Ok(text) => Ok(Html(DonePage { frame: frame(&state, &s).await?, text }.render()?).into_response()),
        Err(m) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(crate::pages::message_page("无法撤销", &m))).into_response())
        }
    }
}
