//! 审计 (the audit log) as use cases: what is recorded beyond the store's own writes — the exports
//! of people's data and of the log itself (who took which list out, with its filters and size).

use yikou_domain::Actor;
use yikou_store::Store;

use crate::Result;

/// Records that `actor` exported a list (`action` e.g. `person.export`, `entity` e.g. `person`,
/// `what` the filters and the number of rows); the store redacts identifiers in it.
pub async fn record_export(
    store: &Store,
    actor: &Actor,
    action: &str,
    entity: &str,
    what: &serde_json::Value,
) -> Result<()> {
    let mut tx = store.write(actor).await?;
    tx.audit(action, entity, "*", None, Some(what)).await?;
    tx.commit().await?;
    Ok(())
}
