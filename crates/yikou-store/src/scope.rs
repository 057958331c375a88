//! Where an actor's area (`Scope`) becomes SQL: the only module that turns a scope into a
//! condition (a test in tests/layout.rs keeps it so). Each function returns the condition, with
//! `$n` as its placeholder, and the value to bind to it (None when the condition needs none).
//!
//! Aliases the conditions expect: `pe` for people, `pr` for projects, `e` for entitlements.

use yikou_domain::Scope;

/// People (alias `pe`) the scope may see: its street or committee; for a department the people on
/// one of its projects' rosters.
pub(crate) fn people(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(code) => (format!("pe.street_code = ${n}"), Some(code.clone())),
        Scope::Committee(code) => (format!("pe.committee_code = ${n}"), Some(code.clone())),
        Scope::Unit(code) => (
            format!(
                "EXISTS (SELECT 1 FROM entitlements se JOIN projects sp ON sp.id = se.project_id
                 WHERE se.person_id = pe.id AND sp.unit_code = ${n})"
            ),
            Some(code.clone()),
        ),
    }
}

/// Entitlements (joined with their person `pe` and project `pr`) the scope may see or count: the
/// person's area, or the project's own unit.
pub(crate) fn entitlements(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(c) => (format!("(pe.street_code = ${n} OR pr.unit_code = ${n})"), Some(c.clone())),
        Scope::Committee(c) => (format!("pe.committee_code = ${n}"), Some(c.clone())),
        Scope::Unit(c) => (format!("pr.unit_code = ${n}"), Some(c.clone())),
    }
}

/// Projects (alias `pr`) the scope may see: all for the district; a unit's own projects; for a
/// street also the projects that list its people; for a committee the projects that list its people.
pub(crate) fn projects(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Unit(c) => (format!("pr.unit_code = ${n}"), Some(c.clone())),
        Scope::Street(c) => (
            format!(
                "(pr.unit_code = ${n} OR EXISTS (SELECT 1 FROM entitlements e JOIN people pe ON pe.id = e.person_id
                  WHERE e.project_id = pr.id AND pe.street_code = ${n}))"
            ),
            Some(c.clone()),
        ),
        Scope::Committee(c) => (
            format!(
                "EXISTS (SELECT 1 FROM entitlements e JOIN people pe ON pe.id = e.person_id
                  WHERE e.project_id = pr.id AND pe.committee_code = ${n})"
            ),
            Some(c.clone()),
        ),
    }
}

/// Rosters' records (alias `ev`, with its `unit_code`) the scope may see: all for the district; a
/// unit's (street's, committee's, department's) own rosters.
pub(crate) fn roster_units(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(c) | Scope::Committee(c) | Scope::Unit(c) => (format!("ev.unit_code = ${n}"), Some(c.clone())),
    }
}

/// Follow-up cases (alias `k`, with its `unit_code`: the unit that paid) the scope may act on —
/// resolve, name an owner, move a deadline: all for the district; a unit's own cases. (Which cases
/// it may see follows the entitlement: [`entitlements`].)
pub(crate) fn cases(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(c) | Scope::Committee(c) | Scope::Unit(c) => (format!("k.unit_code = ${n}"), Some(c.clone())),
    }
}

/// Follow-up actions of visits (alias `va`, with its `owner_unit`) the scope may complete: all for
/// the district; a unit's own.
pub(crate) fn visit_actions(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(c) | Scope::Committee(c) | Scope::Unit(c) => (format!("va.owner_unit = ${n}"), Some(c.clone())),
    }
}

/// Hotline requests (alias `h`, with `street_code`, the request's area, `unit_code`, the unit it was
/// given to, and `taken_unit`, the unit that took it) the scope may see: all for the district; a
/// street its area's, those given to it and those it took; a committee or unit those given to it and
/// those it took.
pub(crate) fn hotline(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(c) => {
            (format!("(h.street_code = ${n} OR h.unit_code = ${n} OR h.taken_unit = ${n})"), Some(c.clone()))
        }
        Scope::Committee(c) | Scope::Unit(c) => {
            (format!("(h.unit_code = ${n} OR h.taken_unit = ${n})"), Some(c.clone()))
        }
    }
}

/// Hotline requests (alias `h`) the scope may close: all for the district; those given to the unit.
pub(crate) fn hotline_owner(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(c) | Scope::Committee(c) | Scope::Unit(c) => (format!("h.unit_code = ${n}"), Some(c.clone())),
    }
}

/// The unit a record is made by (a visit's, say): the actor's street, committee or unit; the district
/// for the bureau.
pub(crate) fn own_unit(scope: &Scope) -> String {
    match scope {
        Scope::Street(c) | Scope::Committee(c) | Scope::Unit(c) => c.clone(),
        Scope::All | Scope::Nothing => yikou_domain::reference::DISTRICT_CODE.to_string(),
    }
}

/// The street a street's user works for (None for any other scope).
pub(crate) fn own_street(scope: &Scope) -> Option<String> {
    match scope {
        Scope::Street(c) => Some(c.clone()),
        _ => None,
    }
}

/// Donations (alias `d`, with `unit_code`, the unit that received them) the scope may see and
/// allocate: all for the district; a unit's own.
pub(crate) fn donations(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(c) | Scope::Committee(c) | Scope::Unit(c) => (format!("d.unit_code = ${n}"), Some(c.clone())),
    }
}

/// Service providers (alias `sp`, with the `unit_code` that manages them) the scope may manage and
/// import lists for: all for the district; a unit's own.
pub(crate) fn providers(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(c) | Scope::Committee(c) | Scope::Unit(c) => (format!("sp.unit_code = ${n}"), Some(c.clone())),
    }
}

/// Visits (alias `v`, its person `pe`, its follow-up `va`) the scope may see: all for the district; a
/// street's or committee's people's, and those whose follow-up it owns; for a department the visits
/// it made and those whose follow-up it owns — not other units' visits to people on its rosters (the
/// needs heard can name an illness).
pub(crate) fn visits(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(c) => (format!("(pe.street_code = ${n} OR va.owner_unit = ${n})"), Some(c.clone())),
        Scope::Committee(c) => (format!("(pe.committee_code = ${n} OR va.owner_unit = ${n})"), Some(c.clone())),
        Scope::Unit(c) => (format!("(v.unit_code = ${n} OR va.owner_unit = ${n})"), Some(c.clone())),
    }
}

/// Projects (alias `pr`) the scope runs itself — where its donations may go: all for the district; a
/// unit's own.
pub(crate) fn own_projects(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Nothing => ("1 = 0".into(), None),
        Scope::Street(c) | Scope::Committee(c) | Scope::Unit(c) => (format!("pr.unit_code = ${n}"), Some(c.clone())),
    }
}

/// Stored findings of the cross-check (alias `cf`): all for the district; for a street those naming
/// one of its people; none for a committee or a unit (they do not review the district-wide check).
pub(crate) fn findings(scope: &Scope, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::All => ("1 = 1".into(), None),
        Scope::Street(c) => (
            format!(
                "cf.position IN (SELECT fs.position FROM check_finding_streets fs
                  WHERE fs.campaign_id = cf.campaign_id AND fs.street_code = ${n})"
            ),
            Some(c.clone()),
        ),
        Scope::Nothing | Scope::Committee(_) | Scope::Unit(_) => ("1 = 0".into(), None),
    }
}
