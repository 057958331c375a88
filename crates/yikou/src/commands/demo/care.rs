//! The demo's care beyond money — 走访慰问, 生活服务热线 and 上门服务. Visits: everyone the visit rule
//! covers (独居老人, 困境儿童) visited once during the campaign — by their committee, a few by district
//! leaders or a member unit — with gifts, needs heard and now and then a follow-up for the street; the
//! planted unvisited left out.

use std::collections::HashSet;

use time::Duration;
use yikou_domain::visit::{covers, Visit, VisitAction, VisitorKind};
use yikou_domain::Fen;
use yikou_store::visit::ListedVisit;

use super::generate::DemoData;
use super::plan::DEMO_VISIT_COVERAGE;

const NEEDS: &[&str] = &[
    "身体尚可，希望春节期间有人上门看看",
    "冬季取暖有困难",
    "行动不便，需要助浴服务",
    "希望安排助餐送餐",
    "家中水管老化需要维修",
    "子女在外地，希望社区多联系",
    "孩子寒假期间需要学业辅导",
    "",
];

const ACTIONS: &[&str] = &["联系助浴服务", "安排助餐送餐", "上门维修水管", "安排志愿者结对"];

/// The visits, as each street or committee's list gives them.
pub fn visits(data: &DemoData, person_ids: &[i64]) -> Vec<ListedVisit> {
    let coverage: Vec<String> = DEMO_VISIT_COVERAGE.iter().map(|c| c.to_string()).collect();
    let skip: HashSet<usize> = data.unvisited.iter().copied().collect();
    let mut out = Vec::new();
    for (i, p) in data.people.iter().enumerate() {
        if p.deceased || p.moved_away || skip.contains(&i) || !p.categories.iter().any(|c| covers(&coverage, c)) {
            continue;
        }
        let n = out.len();
        let day = data.campaign.start + Duration::days((n % 30) as i64);
        let committee = &data.committees[p.committee].0;
        let (kind, visitors, unit) = match n % 23 {
            0 => (VisitorKind::Leader, "区领导及区民政局".to_string(), p.street.to_string()),
            7 | 15 => (VisitorKind::Unit, "街镇社区事务受理服务中心".to_string(), p.street.to_string()),
            _ => (VisitorKind::Committee, format!("{}社工", data.committees[p.committee].1), committee.clone()),
        };
        let needs = NEEDS[n % NEEDS.len()];
        let action = (n % 11 == 3).then(|| VisitAction {
            what: ACTIONS[n % ACTIONS.len()].to_string(),
            owner_unit: p.street.to_string(),
            due: day + Duration::days(10),
        });
        out.push(ListedVisit {
            visit: Visit {
                person_id: person_ids[i],
                day,
                visitor_kind: kind,
                visitors,
                money: if kind == VisitorKind::Leader { Fen::from_yuan(500) } else { Fen(0) },
                goods: "米、油、春联".into(),
                goods_value: Fen::from_yuan(if kind == VisitorKind::Committee { 100 } else { 200 }),
                needs: needs.to_string(),
                action,
            },
            unit_code: unit,
        });
    }
    out
}

const REQUESTS: &[(yikou_domain::hotline::RequestKind, &str, &str)] = &[
    (yikou_domain::hotline::RequestKind::Medical, "本人", "腿脚不便，需要有人陪同去医院配药"),
    (yikou_domain::hotline::RequestKind::Repair, "邻居", "老人家中电灯不亮，请社区帮助维修"),
    (yikou_domain::hotline::RequestKind::Shopping, "本人", "下雪不便出门，请帮忙代购米面"),
    (yikou_domain::hotline::RequestKind::Meals, "女儿", "母亲独居，希望安排老年助餐送餐"),
    (yikou_domain::hotline::RequestKind::Travel, "本人", "春节期间去医院复诊，需要助行车辆"),
    (yikou_domain::hotline::RequestKind::Care, "儿子", "父亲出院后需要短期照料"),
];

/// The demo's 生活服务热线: requests from people the rule covers, taken by the district hotline,
/// given to each person's street; two in three closed, the rest in hand.
pub async fn hotline(
    store: &yikou_store::Store,
    campaign_id: i64,
    data: &DemoData,
    person_ids: &[i64],
) -> anyhow::Result<usize> {
    use yikou_domain::hotline::HotlineRequest;
    use yikou_domain::{Actor, Scope};
    let coverage: Vec<String> = DEMO_VISIT_COVERAGE.iter().map(|c| c.to_string()).collect();
    let chosen: Vec<usize> = (0..data.people.len())
        .filter(|&i| {
            let p = &data.people[i];
            !p.deceased && !p.moved_away && p.categories.iter().any(|c| covers(&coverage, c))
        })
        .step_by(97)
        .take(60)
        .collect();
    let mut tx = store.write(&Actor::system("hotline")).await?;
    for (n, &i) in chosen.iter().enumerate() {
        let (kind, caller, content) = REQUESTS[n % REQUESTS.len()];
        let r = HotlineRequest { caller: caller.into(), person_id: Some(person_ids[i]), kind, content: content.into() };
        let id = yikou_store::hotline::take(&mut tx, &Scope::All, campaign_id, &r).await?;
        if n % 6 == 5 {
            continue; // 待派单
        }
        let due = yikou_domain::today() + Duration::days(3);
        yikou_store::hotline::assign(&mut tx, &Scope::All, id, data.people[i].street, due).await?;
        if n % 3 != 1 {
            yikou_store::hotline::close(&mut tx, &Scope::All, id, "已联系志愿者上门办理，对象表示满意").await?;
        }
    }
    tx.commit().await?;
    Ok(chosen.len())
}

/// The demo's 上门服务: one purchased-service provider per street for the first four streets, and a
/// volunteer team, delivering meals, cleaning, medical escort and baths to the people the visit rule
/// covers in January; (providers, deliveries).
pub async fn services(
    store: &yikou_store::Store,
    data: &DemoData,
    person_ids: &[i64],
) -> anyhow::Result<(usize, usize)> {
    use yikou_domain::service::{Contract, Provider, ProviderKind};
    use yikou_domain::{Actor, Scope};
    use yikou_store::service::{add_provider, record_deliveries, NewDelivery};
    let coverage: Vec<String> = DEMO_VISIT_COVERAGE.iter().map(|c| c.to_string()).collect();
    let year = data.campaign.start.year() + 1;
    let contract = Contract {
        from: time::Date::from_calendar_date(year, time::Month::January, 1)?,
        until: time::Date::from_calendar_date(year, time::Month::December, 31)?,
        amount: Fen::from_yuan(360_000),
    };
    let streets: Vec<&'static str> = {
        let mut s: Vec<&'static str> = data.people.iter().map(|p| p.street).collect();
        s.sort_unstable();
        s.dedup();
        s.into_iter().take(4).collect()
    };
    let kinds = [("meals", 100), ("cleaning", 200), ("medical", 100), ("bathing", 100)];
    let (mut providers, mut deliveries) = (0, 0);
    for (n, street) in streets.iter().enumerate() {
        let scope = Scope::Street(street.to_string());
        let mut tx = store.write(&Actor { login: "demo".into(), role: None, scope: scope.clone() }).await?;
        let p = Provider {
            name: format!("第{}助老服务社", ["一", "二", "三", "四"][n]),
            kind: ProviderKind::Contract,
            contract: Some(contract),
        };
        let id = add_provider(&mut tx, &scope, &p).await?;
        providers += 1;
        let rows: Vec<NewDelivery> = data
            .people
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.street == *street
                    && !p.deceased
                    && !p.moved_away
                    && p.categories.iter().any(|c| c.starts_with("LR") && covers(&coverage, c))
            })
            .take(120)
            .flat_map(|(i, _)| {
                (0..4).map(move |w| {
                    let (kind, q) = kinds[(i + w) % kinds.len()];
                    NewDelivery {
                        person_id: person_ids[i],
                        kind_code: kind.into(),
                        day: contract.from + Duration::days(2 + 7 * w as i64),
                        quantity_centi: q,
                    }
                })
            })
            .collect();
        let (recorded, _) = record_deliveries(&mut tx, id, &rows, &format!("{}年1月服务明细.xlsx", year)).await?;
        deliveries += recorded as usize;
        tx.commit().await?;
    }
    let mut tx = store.write(&Actor::system("demo")).await?;
    let team = Provider { name: "区青年志愿者服务队".into(), kind: ProviderKind::Volunteer, contract: None };
    add_provider(&mut tx, &Scope::All, &team).await?;
    tx.commit().await?;
    Ok((providers + 1, deliveries))
}
