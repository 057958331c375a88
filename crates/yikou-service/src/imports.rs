//! 名单导入 (imports) as use cases: check a file against the actor's area (nothing written), keep the
//! upload for its owner until the commit, commit it (all rows, or only the valid ones), list and undo
//! batches. The ingest-to-store glue the command line shares lives here too.

use std::io::Read;
use std::path::{Path, PathBuf};

use yikou_domain::{today, Actor, IdNumber, Scope};
use yikou_ingest::output::{write_error_workbook, TemplateLists};
use yikou_ingest::process::{process, Options, Outcome, ProcessError};
use yikou_ingest::validate::{Reference, Register, RowIssue, ValidRow};
use yikou_store::accounts::auth::unix_now;
use yikou_store::campaign::StoredProject;
use yikou_store::imports::{
    commit_packed, undo_batch, Batch, ImportMeta, ImportResult, ImportRow, PackedRows, RegisterNames,
};
use yikou_store::uploads::{PendingUpload, UPLOAD_TTL_SECONDS};
use yikou_store::{Store, StoreError};

use crate::{Result, ServiceError};

/// Reference data from the store (the bureau may have edited it).
pub async fn reference_from(store: &Store) -> Result<Reference, StoreError> {
    let mut r = Reference::default();
    for u in store.units().await? {
        if u.kind.is_street_level() {
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
        bank: v.bank,
    }
}

/// SHA-256 of a file's bytes (a batch remembers which file it came from).
pub fn file_hash(path: &Path) -> std::io::Result<String> {
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

/// A file waiting for its commit: where it lies, what the user called it, the project it names.
#[derive(Debug, Clone)]
pub struct Upload {
    pub path: PathBuf,
    pub file_name: String,
    pub project: Option<String>,
}

impl From<PendingUpload> for Upload {
    fn from(p: PendingUpload) -> Upload {
        Upload { path: PathBuf::from(p.path), file_name: p.file_name, project: p.project }
    }
}

/// The checked file: the outcome, the valid rows, and the rows refused because they lie outside the
/// operator's area.
pub struct Checked {
    pub outcome: Outcome,
    pub rows: PackedRows,
    pub outside: Vec<RowIssue>,
    /// The project the rows were checked against (and are committed to).
    pub project: Option<StoredProject>,
}

impl Checked {
    /// Rows that cannot be imported: invalid, or outside the operator's area.
    pub fn invalid(&self) -> u64 {
        self.outcome.invalid + self.outside.len() as u64
    }

    /// Every problem that rejects a row, in row order.
    pub fn errors(&self) -> Vec<&RowIssue> {
        let mut errors: Vec<&RowIssue> =
            self.outcome.issues.iter().filter(|i| !i.warning).chain(&self.outside).collect();
        errors.sort_by_key(|e| e.row);
        errors
    }

    pub fn warnings(&self) -> Vec<&RowIssue> {
        self.outcome.issues.iter().filter(|i| i.warning).collect()
    }

    /// Does the list have a 街镇 column? (Without one, a street clerk's rows are of their street.)
    pub fn has_street_column(&self) -> bool {
        self.outcome.header.column(yikou_ingest::columns::Field::Street).is_some()
    }

    /// How each column was read, in the file's order: "名字 → 姓名" where the header differs from
    /// the field, "身份证号" where it is the field's own name, "住址（未使用）" for a column not read.
    pub fn column_map(&self) -> Vec<String> {
        let header = &self.outcome.header;
        let text = |c: usize| self.outcome.header_cells.get(c).map(|h| h.text().trim().to_string()).unwrap_or_default();
        let mut cols: Vec<(usize, String)> = header
            .columns
            .iter()
            .map(|(c, f)| {
                let h = text(*c);
                (
                    *c,
                    if h == f.label() || h.is_empty() {
                        f.label().to_string()
                    } else {
                        format!("{h} → {}", f.label())
                    },
                )
            })
            .chain(header.unknown.iter().map(|(c, h)| (*c, format!("{h}（未使用）"))))
            .collect();
        cols.sort_by_key(|(c, _)| *c);
        cols.into_iter().map(|(_, t)| t).collect()
    }
}

/// What a file is checked against: the reference data (streets, committees, categories), the
/// names of the people the actor's area holds, and the project the rows are for.
pub struct Against {
    pub reference: Reference,
    pub names: Names,
    pub project: Option<StoredProject>,
}

/// The register a file is checked against: none (nothing set up yet), read, or being read while
/// the file is opened ([`Against::reading`]).
pub enum Names {
    None,
    Read(RegisterNames),
    Reading(std::sync::mpsc::Receiver<std::result::Result<RegisterNames, StoreError>>),
}

/// The area's register as the validator sees it: a number is looked up by its keyed hash. A
/// register still being read is waited for at the first lookup (the file's opening — inflating
/// the sheet, reading its shared strings — has gone on meanwhile); a failed read is kept and
/// reported when the file has been read.
struct Registered {
    pending: std::sync::Mutex<Option<std::sync::mpsc::Receiver<std::result::Result<RegisterNames, StoreError>>>>,
    /// `Ok(None)`: no register to check against; `Err`: why it could not be read.
    names: std::sync::OnceLock<std::result::Result<Option<RegisterNames>, String>>,
}

impl Registered {
    fn new(names: Names) -> Registered {
        let r = Registered { pending: std::sync::Mutex::new(None), names: std::sync::OnceLock::new() };
        match names {
            Names::None => {
                let _ = r.names.set(Ok(None));
            }
            Names::Read(n) => {
                let _ = r.names.set(Ok(Some(n)));
            }
            Names::Reading(rx) => *r.pending.lock().unwrap_or_else(|e| e.into_inner()) = Some(rx),
        }
        r
    }

    fn names(&self) -> Option<&RegisterNames> {
        let got = self.names.get_or_init(|| {
            let rx = self.pending.lock().unwrap_or_else(|e| e.into_inner()).take();
            match rx.map(|rx| rx.recv()) {
                Some(Ok(read)) => read.map(Some).map_err(|e| e.to_string()),
                Some(Err(_)) | None => Err("读取中断".into()),
            }
        });
        got.as_ref().ok()?.as_ref().filter(|n| !n.is_empty())
    }

    /// Why the register could not be read, if it was needed and could not.
    fn failure(&self) -> Option<String> {
        self.names.get()?.as_ref().err().cloned()
    }
}

impl Register for Registered {
    fn name_of(&self, id: &IdNumber) -> Option<String> {
        self.names()?.name_of(id.as_str()).map(str::to_string)
    }
}

impl Against {
    /// The reference data that ships in the binary, without a register or project: a dry run
    /// before anything is set up.
    pub fn shipped() -> Against {
        Against { reference: Reference::shipped(), names: Names::None, project: None }
    }

    /// From the store, for `scope`: only the register and projects of that area are consulted, so
    /// a check reveals nothing about anyone else. `project` is a project code of the campaign of
    /// `year` (the current one without a year); `NotFound` for a project the scope may not see.
    pub async fn of(store: &Store, scope: &Scope, project: Option<&str>, year: Option<i32>) -> Result<Against> {
        let names = Names::Read(store.register_names(scope).await?);
        Self::with_names(store, scope, project, year, names).await
    }

    /// As [`Against::of`], with the register read on the runtime while the file is opened: the
    /// check must then run off the runtime's own threads (`spawn_blocking`, `block_in_place`), as
    /// its first lookup waits for the read.
    pub async fn reading(store: &Store, scope: &Scope, project: Option<&str>, year: Option<i32>) -> Result<Against> {
        let (tx, rx) = std::sync::mpsc::channel();
        let (s, sc) = (store.clone(), scope.clone());
        tokio::spawn(async move {
            let _ = tx.send(s.register_names(&sc).await);
        });
        Self::with_names(store, scope, project, year, Names::Reading(rx)).await
    }

    async fn with_names(
        store: &Store,
        scope: &Scope,
        project: Option<&str>,
        year: Option<i32>,
        names: Names,
    ) -> Result<Against> {
        let reference = reference_from(store).await?;
        let project = match project {
            Some(code) => {
                let c = crate::campaign::of_year(store, year).await?;
                Some(store.project_by_code(scope, c.id, code).await?.ok_or(ServiceError::NotFound)?)
            }
            None => None,
        };
        Ok(Against { reference, names, project })
    }
}

/// How a file is read: which sheet (the first with a header without one), whether the valid rows
/// are kept (not for a dry run), and a progress callback (rows read so far).
pub struct Reading<'a> {
    pub sheet: Option<&'a str>,
    pub keep_rows: bool,
    pub progress: &'a mut dyn FnMut(u64),
}

/// Checks a file against `against` for `scope` (blocking: run it off the async threads): every row
/// validated, and a street or committee operator's rows of another area refused. Nothing is written.
pub fn check_file(path: &Path, against: Against, scope: &Scope, how: Reading<'_>) -> Result<Checked, ProcessError> {
    let Against { reference, names, project } = against;
    let registered = Registered::new(names);
    let register: &dyn Register = &registered;
    let opts = Options {
        sheet: how.sheet,
        reference: &reference,
        register,
        standard: project.as_ref().map(|p| (p.project.name.as_str(), p.project.standard)),
        today: today(),
        // A street clerk's list without 街镇 is of their own street.
        default_street: match scope {
            Scope::Street(c) => Some(c.as_str()),
            _ => None,
        },
    };
    let mut rows = PackedRows::new();
    let mut outside = Vec::new();
    let keep = how.keep_rows;
    let outcome = process(
        path,
        &opts,
        &mut |v| {
            let allowed = match scope {
                Scope::Street(c) => v.street_code.as_deref() == Some(c.as_str()),
                Scope::Committee(c) => v.committee_code.as_deref() == Some(c.as_str()),
                _ => true,
            };
            if !allowed {
                outside.push(RowIssue {
                    row: v.row,
                    column: "街镇".into(),
                    code: "outside_area".into(),
                    message: match v
                        .street_code
                        .as_deref()
                        .filter(|_| matches!(scope, Scope::Street(_)))
                        .and_then(|c| yikou_domain::reference::streets().find(|u| u.code == c).map(|u| u.name))
                    {
                        Some(name) => format!(
                            "该行属于{name}，不属于您所在的街镇（居村委），不能由您导入：请把这一行交给{name}导入"
                        ),
                        None => "该行不属于您所在的街镇（居村委），不能由您导入：请交给所属街镇导入".into(),
                    },
                    warning: false,
                });
            } else if keep {
                rows.push(&to_import_row(v));
            }
        },
        how.progress,
    )?;
    if let Some(e) = registered.failure() {
        return Err(ProcessError::Register(e));
    }
    Ok(Checked { outcome, rows, outside, project })
}

/// Checks an upload against the actor's area (see [`check_file`]) on a blocking thread. `hold` (a
/// place among the concurrent checks) is kept until the check ends.
pub async fn check<H: Send + 'static>(store: &Store, scope: &Scope, up: &Upload, hold: H) -> Result<Checked> {
    let against = Against::reading(store, scope, up.project.as_deref(), None).await?;
    let path = up.path.clone();
    let scope = scope.clone();
    tokio::task::spawn_blocking(move || {
        let _hold = hold;
        check_file(&path, against, &scope, Reading { sheet: None, keep_rows: true, progress: &mut |_| {} })
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))?
    .map_err(|e| ServiceError::Unreadable(e.to_string()))
}

/// Writes the rows that cannot be imported, each with its 错误说明, to an .xlsx workbook at `path`
/// in the template's layout with `lists` as its drop-downs (see [`template_lists`]), so the
/// corrected workbook imports as it is. Rows outside the area were valid, so they are listed by
/// their explanation only.
pub fn write_errors(path: &Path, checked: &Checked, lists: &TemplateLists) -> Result<()> {
    let o = &checked.outcome;
    let mut issues = o.issues.clone();
    issues.extend(checked.outside.iter().cloned());
    write_error_workbook(path, &o.header, &o.header_cells, &o.rejected, &issues, lists)
        .map_err(|e| ServiceError::Internal(format!("无法写出错误工作簿 {}：{e}", path.display())))
}

/// The drop-down lists of the import template for an actor of `scope`, from the store's reference
/// data, with a note on the project when one is named. A street clerk gets their own street and its
/// committees; a committee clerk their street and their committee; everyone else (the district,
/// departments, whose rosters cover every street) all streets and all committees, grouped by street
/// (one list: a drop-down reading a range has no length limit, and typing still works).
pub async fn template_lists(store: &Store, scope: &Scope, project: Option<&StoredProject>) -> Result<TemplateLists> {
    let committees = store.committees().await?;
    let own_street: Option<String> = match scope {
        Scope::Street(c) => Some(c.clone()),
        Scope::Committee(c) => committees.iter().find(|x| &x.1 == c).map(|x| x.0.clone()),
        _ => None,
    };
    let mut lists = TemplateLists::default();
    for u in store.units().await? {
        if u.kind.is_street_level() && own_street.as_ref().is_none_or(|s| *s == u.code) {
            lists.streets.push(u.name);
        }
    }
    let mut committees: Vec<(String, String, String)> = committees
        .into_iter()
        .filter(|(street, code, _)| match scope {
            Scope::Street(s) => street == s,
            Scope::Committee(c) => code == c,
            _ => true,
        })
        .collect();
    committees.sort();
    lists.committees = committees.into_iter().map(|c| c.2).collect();
    lists.categories = store.categories().await?.into_iter().map(|c| c.name).collect();
    lists.project_note = project.map(|p| {
        format!(
            "项目 {} {}（{}，按{}计）：{}",
            p.project.code,
            p.project.name,
            p.project.unit_group.label(),
            p.project.counting_unit.label(),
            p.project.standard.describe()
        )
    });
    Ok(lists)
}

/// A fresh random identifier (hex), for uploads and temporary files.
pub fn random_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Keeps a checked upload for its owner until the commit (in the store, so a restart or another
/// server process finds it); returns its id. Uploads pushed out or expired are removed.
pub async fn keep_upload(store: &Store, user_id: i64, up: &Upload, dir: &Path) -> Result<String> {
    let id = random_id();
    let pending = PendingUpload {
        id: id.clone(),
        user_id,
        path: up.path.display().to_string(),
        file_name: up.file_name.clone(),
        project: up.project.clone(),
        created_unix: unix_now(),
    };
    for dropped in store.save_upload(&pending).await? {
        let _ = std::fs::remove_file(&dropped.path);
    }
    if let Err(e) = clean_uploads(store, dir).await {
        tracing::warn!(error = %e, "cleaning expired uploads failed");
    }
    Ok(id)
}

/// The user's own upload, while it has not expired (anyone else's is not found).
pub async fn pending_upload(store: &Store, id: &str, user_id: i64) -> Result<Upload> {
    Ok(store.pending_upload(id, user_id, unix_now()).await?.ok_or(ServiceError::NotFound)?.into())
}

/// The user's own uploads checked but not committed yet, newest first: (upload id, the upload,
/// when it was made as Unix seconds).
pub async fn pending_uploads(store: &Store, user_id: i64) -> Result<Vec<(String, Upload, i64)>> {
    Ok(store
        .pending_uploads_of(user_id, unix_now())
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p.clone().into(), p.created_unix))
        .collect())
}

/// Removes uploads that were never committed: expired ones, and files in the upload folder that no
/// waiting upload names (left by a crash). Run when the server starts and on every upload.
pub async fn clean_uploads(store: &Store, dir: &Path) -> Result<usize, StoreError> {
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

/// Commits a checked file: every row, or with `accept_valid` the valid ones. `Rejected` (nothing
/// written) while rows are still wrong and `accept_valid` is off, or when rows name people
/// registered outside the actor's area (that attempt is audited). The same file again adds nothing.
pub async fn commit_checked(
    store: &Store,
    actor: &Actor,
    file_name: &str,
    path: &Path,
    checked: Checked,
    accept_valid: bool,
) -> Result<ImportResult> {
    let invalid = checked.invalid();
    if invalid > 0 && !accept_valid {
        return Err(ServiceError::Rejected("名单中还有错误行：请修改后重新上传，或选择只导入正确的行。".into()));
    }
    let meta = ImportMeta {
        file_name: file_name.to_string(),
        file_hash: file_hash(path).map_err(|e| ServiceError::Internal(e.to_string()))?,
        rows: checked.outcome.rows,
        rejected: invalid,
        since: today(),
        accept_valid,
    };
    let Checked { rows, project, .. } = checked;
    let mut tx = store.write(actor).await?;
    match commit_packed(&mut tx, &meta, &rows, project.as_ref()).await {
        Ok(r) => {
            tx.commit().await?;
            Ok(r)
        }
        Err(StoreError::OutsideArea(outside)) => {
            // Nothing was imported; the attempt is on record (a list naming many people of other
            // areas may be someone looking people up).
            drop(tx);
            let masked: Vec<String> =
                rows.iter().filter(|r| outside.contains(&r.row)).map(|r| r.id_number.masked()).collect();
            store.audit_outside_refusal(actor, &meta, &masked).await?;
            Err(ServiceError::Rejected(yikou_store::outside_message(&outside)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Commits a checked upload (see [`commit_checked`]); the upload is forgotten after a commit.
pub async fn commit(
    store: &Store,
    actor: &Actor,
    upload_id: &str,
    up: &Upload,
    checked: Checked,
    accept_valid: bool,
) -> Result<ImportResult> {
    let result = commit_checked(store, actor, &up.file_name, &up.path, checked, accept_valid).await?;
    store.remove_upload(upload_id).await?;
    let _ = std::fs::remove_file(&up.path);
    Ok(result)
}

/// Batches the actor may see: their own; with the whole district in scope, every batch.
pub async fn visible_batches(store: &Store, actor: &Actor, limit: i64) -> Result<Vec<Batch>> {
    Ok(store.batches_of(actor, limit).await?)
}

/// One batch the actor may see (`NotFound` otherwise, whether it exists or not).
pub async fn visible_batch(store: &Store, actor: &Actor, batch: &str) -> Result<Batch> {
    store.batch_of(actor, batch).await?.ok_or(ServiceError::NotFound)
}

/// Undoes a batch the actor may see, while none of its entitlements is approved (`Rejected` with the
/// reason otherwise, `Conflict` when it is already undone; `NotFound` for a batch the actor may not
/// see — the store decides that, whatever the request names).
pub async fn undo(store: &Store, actor: &Actor, batch: &str) -> Result<Batch> {
    let mut tx = store.write(actor).await?;
    let b = undo_batch(&mut tx, batch).await?;
    tx.commit().await?;
    Ok(b)
}
