//! The demo's 走访慰问: everyone the visit rule covers (独居老人, 困境儿童) visited once during the
//! campaign — by their committee, a few by district leaders or a member unit — with gifts, needs
//! heard and now and then a follow-up for the street; the planted unvisited left out.

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
