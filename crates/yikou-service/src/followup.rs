//! 随机电话回访 as use cases: draw a sample, export it, record a call, read the results, resolve a
//! case, close the sample. The bureau plans and closes; callers call on their share. Web pages, the
//! API and `yikou sample` all come here.

use yikou_domain::followup::CallAnswer;
use yikou_domain::Actor;
use yikou_store::followup::{self, Closed, MemberView, SampleMade, SampleParams, SampleResults, SampleView};
use yikou_store::Store;

use crate::{Result, ServiceError};

fn may_plan(actor: &Actor) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_plan_followup()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// Draws a sample of the current campaign (`Conflict` when nothing can be called).
pub async fn create_sample(
    store: &Store,
    actor: &Actor,
    year: Option<i32>,
    params: &SampleParams,
) -> Result<SampleMade> {
    may_plan(actor)?;
    let campaign = crate::campaign::of_year(store, year).await?;
    for id in &params.filter.projects {
        store.projects(&actor.scope, campaign.id).await?.iter().find(|p| p.id == *id).ok_or(ServiceError::NotFound)?;
    }
    if !params.callers.is_empty() {
        let users = store.users().await?;
        for c in &params.callers {
            let ok = users.iter().any(|u| u.login == *c && !u.disabled && u.role.may_call());
            if !ok {
                return Err(ServiceError::Rejected(format!(
                    "回访员账号“{c}”不存在、已停用或不能回访：请填写回访员（或区民政局）的登录名"
                )));
            }
        }
    }
    let mut tx = store.write(actor).await?;
    let made = followup::create_sample(&mut tx, &actor.scope, campaign.id, params).await?;
    tx.commit().await?;
    Ok(made)
}

/// The sample as CSV: a header row, then one line per drawn entitlement sorted by entitlement id, the
/// id first (then stratum and caller). `NotFound` for a sample with nothing in the actor's area.
pub async fn export_csv(store: &Store, actor: &Actor, id: i64) -> Result<String> {
    may_plan(actor)?;
    let members = store.sample_members(&actor.scope, id).await?;
    if members.is_empty() {
        return Err(ServiceError::NotFound);
    }
    let mut out = String::from("entitlement_id,stratum,caller\n");
    for (e, stratum, caller) in members {
        out.push_str(&format!("{e},{stratum},{}\n", caller.unwrap_or_default()));
    }
    Ok(out)
}

/// Records a call (see [`yikou_store::followup::record_call`]): (call id, case id if one opened).
pub async fn record_call(
    store: &Store,
    actor: &Actor,
    sample: i64,
    entitlement: i64,
    answer: &CallAnswer,
) -> Result<(i64, Option<i64>)> {
    if actor.role.is_some_and(|r| !r.may_call()) {
        return Err(ServiceError::Forbidden);
    }
    let mut tx = store.write(actor).await?;
    let out = followup::record_call(&mut tx, &actor.scope, sample, entitlement, answer).await?;
    tx.commit().await?;
    Ok(out)
}

/// The results of a sample within the actor's area.
pub async fn results(store: &Store, actor: &Actor, id: i64) -> Result<SampleResults> {
    if actor.role.is_some_and(|r| !r.may_see_payments()) {
        return Err(ServiceError::Forbidden);
    }
    if store.sample_members(&actor.scope, id).await?.is_empty() {
        return Err(ServiceError::NotFound);
    }
    Ok(store.sample_results(&actor.scope, id).await?)
}

/// Closes a case of the actor's area with its resolution (the unit that paid, or the bureau).
pub async fn resolve_case(store: &Store, actor: &Actor, case: i64, resolution: &str) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_resolve_cases()) {
        return Err(ServiceError::Forbidden);
    }
    let mut tx = store.write(actor).await?;
    followup::resolve_case(&mut tx, &actor.scope, case, resolution).await?;
    tx.commit().await?;
    Ok(())
}

/// Closes a sample (see [`yikou_store::followup::close_sample`]).
pub async fn close(store: &Store, actor: &Actor, id: i64, reason: Option<&str>) -> Result<Closed> {
    may_plan(actor)?;
    let mut tx = store.write(actor).await?;
    let closed = followup::close_sample(&mut tx, id, reason).await?;
    tx.commit().await?;
    Ok(closed)
}

/// A sample's page: its head, the members the actor may see (a caller: their share), and for the
/// planners the results and cases. `NotFound` when nothing of it is the actor's.
pub async fn sample_page(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<(SampleView, Vec<MemberView>, Option<(SampleResults, Vec<followup::CaseLine>)>)> {
    if actor.role.is_some_and(|r| !r.may_call() && !r.may_see_payments()) {
        return Err(ServiceError::Forbidden);
    }
    let head = store.sample(id).await?.ok_or(ServiceError::NotFound)?;
    let members = store.sample_member_views(actor, id).await?;
    if members.is_empty() {
        return Err(ServiceError::NotFound);
    }
    let detail = if actor.role.is_none_or(|r| r.may_see_payments()) {
        let mut cases = store.followup_cases(&actor.scope, head.campaign_id).await?;
        cases.retain(|c| c.sample_id == id);
        Some((store.sample_results(&actor.scope, id).await?, cases))
    } else {
        None
    };
    Ok((head, members, detail))
}

/// The samples of the current campaign (for the list page).
pub async fn samples(store: &Store, actor: &Actor) -> Result<Vec<SampleView>> {
    if actor.role.is_some_and(|r| !r.may_call() && !r.may_see_payments()) {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::current(store).await?;
    Ok(store.samples(campaign.id).await?)
}

/// The number a caller dials for a member of their share (audited; `NotFound` otherwise).
pub async fn phone(store: &Store, actor: &Actor, sample: i64, entitlement: i64) -> Result<Option<String>> {
    if actor.role.is_some_and(|r| !r.may_call()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(store.member_phone(actor, sample, entitlement).await?)
}

/// Names who handles a case of the actor's area and by when (the unit that paid, or the bureau).
pub async fn assign_case(store: &Store, actor: &Actor, case: i64, owner: &str, deadline: &str) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_resolve_cases()) {
        return Err(ServiceError::Forbidden);
    }
    let mut tx = store.write(actor).await?;
    followup::assign_case(&mut tx, &actor.scope, case, owner, deadline).await?;
    tx.commit().await?;
    Ok(())
}

/// The cases of the current campaign in the actor's area, open and overdue first.
pub async fn cases(store: &Store, actor: &Actor) -> Result<Vec<followup::CaseLine>> {
    if actor.role.is_some_and(|r| !r.may_see_payments()) {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::current(store).await?;
    Ok(store.followup_cases(&actor.scope, campaign.id).await?)
}

/// What the bureau's 回访总结 of a sample holds, within the actor's area.
pub struct Report {
    pub campaign: yikou_store::campaign::StoredCampaign,
    pub head: SampleView,
    pub results: SampleResults,
    pub cases: Vec<followup::CaseLine>,
    pub needs: Vec<followup::NeedHeard>,
}

/// The 回访总结 of a sample: how it was drawn, the results overall and by stratum, the cases and the
/// needs heard — the actor's area's part (`NotFound` when nothing of it is theirs).
pub async fn report(store: &Store, actor: &Actor, id: i64) -> Result<Report> {
    let results = results(store, actor, id).await?;
    let head = store.sample(id).await?.ok_or(ServiceError::NotFound)?;
    let campaign = store.campaign_by_id(head.campaign_id).await?.ok_or(ServiceError::NotFound)?;
    let mut cases = store.followup_cases(&actor.scope, campaign.id).await?;
    cases.retain(|c| c.sample_id == id);
    let needs = store.sample_needs(&actor.scope, id).await?;
    Ok(Report { campaign, head, results, cases, needs })
}
