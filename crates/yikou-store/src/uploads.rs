//! 待导入的上传文件 (uploads waiting for their commit). The file lies in the server's upload folder;
//! the registry of who uploaded what lives here, so that a restart or another server process still
//! finds it, and uploads never finished expire and are removed.

use crate::{on_db, Result, Store};

/// An uploaded list waiting for its commit, for its owner only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    pub id: String,
    pub user_id: i64,
    pub path: String,
    pub file_name: String,
    pub project: Option<String>,
    pub created_unix: i64,
}

/// How long an upload waits for its commit.
pub const UPLOAD_TTL_SECONDS: i64 = 4 * 3600;
/// How many unfinished uploads one account may keep; older ones are dropped first.
pub const UPLOADS_PER_USER: i64 = 5;

type UploadRow = (String, i64, String, String, Option<String>, i64);

fn upload_of(r: UploadRow) -> PendingUpload {
    PendingUpload { id: r.0, user_id: r.1, path: r.2, file_name: r.3, project: r.4, created_unix: r.5 }
}

impl Store {
    /// Registers an upload. Returns the uploads this pushed out (the owner's oldest beyond
    /// [`UPLOADS_PER_USER`]), whose files the caller removes.
    pub async fn save_upload(&self, u: &PendingUpload) -> Result<Vec<PendingUpload>> {
        on_db!(&self.db, p => sqlx::query(
            "INSERT INTO pending_uploads (id, user_id, path, file_name, project, created_unix) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&u.id).bind(u.user_id).bind(&u.path).bind(&u.file_name).bind(&u.project).bind(u.created_unix)
            .execute(p).await?.rows_affected());
        // The owner's uploads newest first; those past the first few are pushed out.
        let rows: Vec<UploadRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, user_id, path, file_name, project, created_unix FROM pending_uploads WHERE user_id = $1
             ORDER BY created_unix DESC, id LIMIT $2")
            .bind(u.user_id).bind(UPLOADS_PER_USER + 1000).fetch_all(p).await?);
        let old: Vec<PendingUpload> = rows.into_iter().skip(UPLOADS_PER_USER as usize).map(upload_of).collect();
        for o in &old {
            self.remove_upload(&o.id).await?;
        }
        Ok(old)
    }

    /// The user's own upload, while it has not expired (anyone else's is not found).
    pub async fn pending_upload(&self, id: &str, user_id: i64, now_unix: i64) -> Result<Option<PendingUpload>> {
        let r: Option<UploadRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, user_id, path, file_name, project, created_unix FROM pending_uploads
             WHERE id = $1 AND user_id = $2 AND created_unix > $3")
            .bind(id).bind(user_id).bind(now_unix - UPLOAD_TTL_SECONDS).fetch_optional(p).await?);
        Ok(r.map(upload_of))
    }

    /// The user's own uploads still waiting for their commit, newest first (at most
    /// [`UPLOADS_PER_USER`]): the import page lists them so a checked list is not forgotten.
    pub async fn pending_uploads_of(&self, user_id: i64, now_unix: i64) -> Result<Vec<PendingUpload>> {
        let rows: Vec<UploadRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, user_id, path, file_name, project, created_unix FROM pending_uploads
             WHERE user_id = $1 AND created_unix > $2 ORDER BY created_unix DESC, id LIMIT $3")
            .bind(user_id).bind(now_unix - UPLOAD_TTL_SECONDS).bind(UPLOADS_PER_USER).fetch_all(p).await?);
        Ok(rows.into_iter().map(upload_of).collect())
    }

    pub async fn remove_upload(&self, id: &str) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("DELETE FROM pending_uploads WHERE id = $1").bind(id).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Forgets uploads older than [`UPLOAD_TTL_SECONDS`]; returns them so the caller removes their files.
    pub async fn expire_uploads(&self, now_unix: i64) -> Result<Vec<PendingUpload>> {
        let cutoff = now_unix - UPLOAD_TTL_SECONDS;
        let rows: Vec<UploadRow> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT id, user_id, path, file_name, project, created_unix FROM pending_uploads WHERE created_unix <= $1")
            .bind(cutoff).fetch_all(p).await?);
        on_db!(&self.db, p => sqlx::query("DELETE FROM pending_uploads WHERE created_unix <= $1")
            .bind(cutoff).execute(p).await?.rows_affected());
        Ok(rows.into_iter().map(upload_of).collect())
    }

    /// The paths of every upload still waiting (to tell orphaned files from live ones).
    pub async fn upload_paths(&self) -> Result<Vec<String>> {
        Ok(on_db!(&self.db, p => sqlx::query_scalar("SELECT path FROM pending_uploads").fetch_all(p).await?))
    }

    /// Test and operations hook: pretends an upload was made `seconds` earlier.
    pub async fn age_upload(&self, id: &str, seconds: i64) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("UPDATE pending_uploads SET created_unix = created_unix - $1 WHERE id = $2")
            .bind(seconds).bind(id).execute(p).await?.rows_affected());
        Ok(())
    }
}
