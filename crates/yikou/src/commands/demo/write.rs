//! Writing the demo: the generated campaign in one transaction, the demo accounts and the units'
//! fictional contacts.

use time::macros::date;
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::rng::Rng;
use yikou_domain::{EntitlementState, Fen, Phase};
use yikou_store::campaign::{self, NewEntitlement};
use yikou_store::register::{self, NewPerson};
use yikou_store::{reference, WriteTx};

use super::generate::{pick_str, DemoData, GIVEN, SURNAMES};
use super::plan::{demo_rules, DEMO_YEAR};

/// The demo accounts' shared password (demo data only; real accounts get one-time passwords).
pub const DEMO_PASSWORD: &str = "Demo-2020-yikou";

/// Demo accounts, one per kind of user, made once; returns (login, description).
pub async fn accounts(store: &yikou_store::Store) -> anyhow::Result<Vec<(String, String)>> {
    use yikou_domain::Role;
    use yikou_store::accounts::users::{create_user, NewUser};
    let list: [(&str, &str, &str, Role); 8] = [
        ("bureau", "区民政局管理员（演示）", BUREAU_CODE, Role::Bureau),
        ("reviewer", "区民政局审核员（演示）", BUREAU_CODE, Role::Reviewer),
        ("gumei", "古美街道经办（演示）", "310112006000", Role::Street),
        ("rsj", "区人社局经办（演示）", "310112-RSJ", Role::Department),
        ("auditor", "审计管理员（演示）", BUREAU_CODE, Role::AuditAdmin),
        // The two administrators of a two-person act (双人激活): one creates, the other completes.
        ("sysadmin", "系统管理员（演示）", BUREAU_CODE, Role::SystemAdmin),
        ("secadmin", "安全管理员（演示）", BUREAU_CODE, Role::SecurityAdmin),
        ("caller", "回访员（演示）", BUREAU_CODE, Role::Caller),
    ];
    let mut tx = store.write(&yikou_domain::Actor::system("demo")).await?;
    let mut out = Vec::new();
    for (login, name, unit, role) in list {
        let u = NewUser {
            login: login.into(),
            display_name: name.into(),
            unit_code: unit.into(),
            role,
            password: DEMO_PASSWORD.into(),
            must_change_password: false,
        };
        match create_user(&mut tx, &u).await {
            Ok(_) | Err(yikou_store::StoreError::Invalid(_)) => {}
            Err(e) => return Err(e.into()),
        }
        out.push((login.to_string(), format!("{name}，{}", role.label())));
    }
    tx.commit().await?;
    Ok(out)
}

/// Fictional contacts for the district's units (通讯录, 附件2), set once.
pub async fn contacts(store: &yikou_store::Store) -> anyhow::Result<()> {
    use yikou_domain::reference::UnitKind;
    use yikou_store::reference::{set_contact, ContactUpdate};
    let mut rng = Rng::new(DEMO_YEAR as u64);
    let mut tx = store.write(&yikou_domain::Actor::system("demo")).await?;
    for (i, u) in store.contacts().await?.into_iter().enumerate() {
        if u.kind == UnitKind::Committee || u.parent_code.is_none() || u.contact_name.is_some() {
            continue;
        }
        let name = format!("{}{}", rng.pick(SURNAMES), pick_str(&mut rng, GIVEN));
        let update = ContactUpdate {
            contact_name: name,
            contact_title: if matches!(u.kind, UnitKind::Street | UnitKind::Town) {
                "社会救助所所长".into()
            } else {
                "科长".into()
            },
            office_phone: format!("021-64{:06}", 100_000 + i * 37),
            mobile: format!("139{:08}", rng.below(100_000_000)),
        };
        set_contact(&mut tx, &u.code, &update).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What `write` did.
pub struct Written {
    pub person_ids: Vec<i64>,
    pub household_ids: Vec<i64>,
    pub entitlement_ids: Vec<i64>,
    pub people: usize,
    /// People whose ID number was entered in the 15-digit legacy form and upgraded.
    pub legacy15: usize,
    pub households: usize,
    pub projects: usize,
    pub entitlements: usize,
    pub visits: usize,
}

/// Writes the generated campaign in one transaction: all of it, or nothing.
pub async fn write(tx: &mut WriteTx<'_>, data: &DemoData) -> anyhow::Result<Written> {
    let mut clock = std::time::Instant::now();
    let mut lap = |step: &str| {
        tracing::info!(step, ms = clock.elapsed().as_millis() as u64, "demo write");
        clock = std::time::Instant::now();
    };
    for (code, name, kind, parent) in &data.committees {
        reference::add_unit(tx, code, name, *kind, parent).await?;
    }
    let household_rows: Vec<(String, Option<String>, Option<String>)> = data
        .households
        .iter()
        .enumerate()
        .map(|(i, (street, committee))| {
            (
                format!("DEMO{DEMO_YEAR}-H{:06}", i + 1),
                Some(street.to_string()),
                Some(data.committees[*committee].0.clone()),
            )
        })
        .collect();
    lap("committees");
    let household_ids = register::insert_households(tx, &household_rows).await?;
    lap("households");
    let since = date!(2019 - 01 - 01);
    let new_people: Vec<NewPerson> = data
        .people
        .iter()
        .map(|p| NewPerson {
            external_id: None,
            id_number: p.id_number.clone(),
            name: p.name.clone(),
            phone: p.phone.clone(),
            address: None,
            street_code: Some(p.street.to_string()),
            committee_code: Some(data.committees[p.committee].0.clone()),
            household_id: Some(household_ids[p.household]),
            is_household_head: p.head,
            categories: p.categories.iter().map(|c| (c.to_string(), since, None)).collect(),
        })
        .collect();
    let person_ids = register::insert_people(tx, &new_people, "demo").await?;
    lap("people");
    let campaign_id = campaign::create_campaign(tx, &data.campaign).await?;
    campaign::set_phase(tx, campaign_id, Phase::FollowUp).await?;
    let mut project_ids = Vec::with_capacity(data.projects.len());
    for p in &data.projects {
        project_ids.push(campaign::create_project(tx, campaign_id, p).await?);
    }
    let rows: Vec<NewEntitlement> = data
        .entitlements
        .iter()
        .map(|e| NewEntitlement {
            external_id: None,
            project_id: project_ids[e.project],
            person_id: person_ids[e.person],
            household_id: e.household_size.map(|_| household_ids[data.people[e.person].household]),
            household_size: e.household_size,
            source_code: e.source.to_string(),
            amount: Fen(e.amount_fen),
            listed_name: e.listed_name.clone(),
        })
        .collect();
    // The lists as the units imported them: drafts, carried through review and payment afterwards
    // (`workflow.rs`).
    lap("campaign and projects");
    let entitlement_ids = campaign::insert_entitlements(tx, &rows, EntitlementState::Draft, "demo").await?;
    lap("entitlements");
    for (i, p) in data.people.iter().enumerate().filter(|(_, p)| p.deceased || p.moved_away) {
        let on = Some(data.campaign.start);
        let u = register::PersonUpdate {
            deceased_on: p.deceased.then_some(on),
            moved_away_on: p.moved_away.then_some(on),
            ..Default::default()
        };
        register::update_person(tx, &yikou_domain::Scope::All, person_ids[i], &u).await?;
    }
    yikou_store::check::save_rules(tx, campaign_id, &demo_rules(&data.projects, data.cap_per_person_fen)).await?;
    let visits = super::care::visits(data, &person_ids);
    yikou_store::visit::record_many(tx, campaign_id, &visits).await?;
    lap("life events, rules and visits");
    Ok(Written {
        entitlement_ids,
        household_ids: household_ids.clone(),
        person_ids: person_ids.clone(),
        people: person_ids.len(),
        legacy15: data.people.iter().filter(|p| p.legacy15).count(),
        households: household_ids.len(),
        projects: project_ids.len(),
        entitlements: rows.len(),
        visits: visits.len(),
    })
}
