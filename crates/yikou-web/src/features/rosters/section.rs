//! The 名单审核 section of a project page: each unit's roster with its state and what it holds, the
//! submit button for the user's own roster, approve/return for a reviewer, the history, and the
//! message of the act just done or refused (beside its roster, with the open findings as links).

use yikou_domain::roster::RosterState;
use yikou_domain::Fen;
use yikou_store::accounts::auth::SessionUser;
use yikou_store::check::Finding;

use crate::frame::{names, time_text};
use crate::{AppError, AppState};

/// What happened just before the page was shown.
#[derive(Default)]
pub struct Note {
    /// A message of success.
    pub done: Option<String>,
    /// A refusal: the roster's unit (none: the user's own submission), the message, the open
    /// findings to link, and the comment as typed.
    pub refused: Option<Refusal>,
}

pub struct Refusal {
    pub unit: Option<String>,
    pub message: String,
    pub findings: Vec<Finding>,
    pub comment: String,
}

pub struct RosterRow {
    pub unit_code: String,
    pub unit: String,
    pub state: &'static str,
    pub state_code: &'static str,
    pub entitlements: i64,
    pub amount: String,
    pub drafts: i64,
    pub submitted: i64,
    pub approved: i64,
    /// A reviewer may decide it now.
    pub reviewable: bool,
    pub error: Option<String>,
    pub typed: String,
}

pub struct EventRow {
    pub at: String,
    pub unit: String,
    pub act: &'static str,
    pub who: String,
    pub entitlements: i64,
    pub amount: String,
    pub comment: String,
}

/// A finding to link from a refused submission.
pub struct FindingLink {
    pub href: String,
    pub text: String,
}

pub struct Section {
    pub rows: Vec<RosterRow>,
    pub events: Vec<EventRow>,
    /// The user's own roster can be submitted now: (entries, amount).
    pub submit: Option<(i64, String)>,
    /// Why the user's own roster cannot be submitted now (under review …), when it exists.
    pub own_state: Option<&'static str>,
    pub done: Option<String>,
    /// A refused submission (not tied to a roster row): the message and the findings to link.
    pub refused: Option<(String, Vec<FindingLink>)>,
}

/// The section for a project the user may see (the service has checked that).
pub async fn section(state: &AppState, s: &SessionUser, project_id: i64, note: Note) -> Result<Section, AppError> {
    let actor = s.actor();
    let (lines, events) = yikou_service::rosters::of_project(&state.store, &actor, project_id).await?;
    let names = names(state).await?;
    let reviews = s.user.role.may_approve_rosters();
    let refused_unit = note.refused.as_ref().and_then(|r| r.unit.clone());
    let rows: Vec<RosterRow> = lines
        .iter()
        .map(|l| {
            let error = note.refused.as_ref().filter(|_| refused_unit.as_deref() == Some(l.unit_code.as_str()));
            RosterRow {
                unit_code: l.unit_code.clone(),
                unit: names.unit(&l.unit_code),
                state: l.state.label(),
                state_code: l.state.code(),
                entitlements: l.entitlements,
                amount: Fen(l.amount_fen).yuan(),
                drafts: l.drafts,
                submitted: l.submitted,
                approved: l.approved,
                reviewable: reviews && l.state == RosterState::Submitted,
                error: error.map(|r| r.message.clone()),
                typed: error.map(|r| r.comment.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let own = lines.iter().find(|l| l.unit_code == s.user.unit_code);
    let may_submit = s.user.role.may_correct_rosters();
    let submit = own
        .filter(|l| may_submit && l.drafts > 0 && l.state != RosterState::Submitted)
        .map(|l| (l.drafts, Fen(l.draft_amount_fen).yuan()));
    let own_state = own.filter(|_| may_submit).map(|l| l.state.label());
    let refused = note.refused.filter(|r| r.unit.is_none()).map(|r| {
        let links = r
            .findings
            .iter()
            .map(|f| FindingLink {
                href: format!("/check?type={}&status=open", f.kind.code()),
                text: format!("{}：{}", f.kind.title(), f.explanation),
            })
            .collect();
        (r.message, links)
    });
    let events = events
        .into_iter()
        .rev()
        .map(|e| EventRow {
            at: time_text(&e.at),
            unit: names.unit(&e.unit_code),
            act: e.act.label(),
            who: e.actor_name.unwrap_or(e.actor),
            entitlements: e.entitlements,
            amount: Fen(e.amount_fen).yuan(),
            comment: e.comment.unwrap_or_default(),
        })
        .collect();
    Ok(Section { rows, events, submit, own_state, done: note.done, refused })
}
