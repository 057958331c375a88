//! The demo's 社会捐赠: companies, organisations and people (some anonymous) give money to six
//! streets and goods to the district; each street allocates its money to its own projects' 社会募集
//! funding — never past what the plan set, so the plan's table stays as the plan wrote it — the
//! district puts goods into 独居老人 gift packs, and some is left unallocated.

use time::Duration;
use yikou_domain::donation::{AllocationKind, Donation, DonorKind};
use yikou_domain::reference::{UnitKind, UNITS};
use yikou_domain::{Actor, Fen, Form, Scope};
use yikou_store::{donation, Store};

const DONORS: &[(DonorKind, &str)] = &[
    (DonorKind::Company, "闵行区某爱心企业"),
    (DonorKind::Organisation, "某慈善基金会"),
    (DonorKind::Company, "某食品有限公司"),
    (DonorKind::Individual, ""),
];

/// Records and allocates the demo's donations; (donations, allocated money in fen, left in fen).
pub async fn donations(store: &Store, campaign_id: i64, start: time::Date) -> anyhow::Result<(usize, i64, i64)> {
    let projects = store.projects(&Scope::All, campaign_id).await?;
    let (mut count, mut allocated, mut received) = (0usize, 0i64, 0i64);
    let mut given: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    let streets = UNITS.iter().filter(|u| u.kind == UnitKind::Street).take(6);
    for (n, street) in streets.enumerate() {
        let scope = Scope::Street(street.code.to_string());
        let mut tx = store.write(&Actor { login: "demo".into(), role: None, scope: scope.clone() }).await?;
        for (k, (kind, name)) in DONORS.iter().enumerate().take(2 + n % 3) {
            let money = Fen::from_yuan(20_000 + 5_000 * ((n + k) as i64 % 4));
            let d = Donation {
                donor_kind: *kind,
                donor_name: name.to_string(),
                anonymous: name.is_empty(),
                money,
                goods: String::new(),
                goods_value: Fen(0),
                receipt_no: format!("MH-JZ-2020-{:02}{:02}", n + 1, k + 1),
                received_on: start + Duration::days((n * 3 + k) as i64),
            };
            let id = donation::record(&mut tx, &scope, campaign_id, &d).await?;
            count += 1;
            received += money.0;
            // The street's own projects, as far as their planned 社会募集 still needs money; the
            // last donation of each street stays unallocated for now.
            if k + 1 == 2 + n % 3 {
                continue;
            }
            let mut left = money.0;
            for p in projects.iter().filter(|p| p.project.unit_code == street.code) {
                let planned: i64 =
                    p.project.planned_budget.iter().filter(|(s, _)| s == donation::SOURCE).map(|(_, f)| f.0).sum();
                let already = given.entry(p.id).or_default();
                let take = (planned - *already).min(left);
                if take > 0 {
                    donation::allocate(&mut tx, &scope, id, p.id, AllocationKind::Money, Fen(take)).await?;
                    *already += take;
                    left -= take;
                    allocated += take;
                }
            }
        }
        tx.commit().await?;
    }
    // Goods to the district: rice and oil, most into the 独居老人 gift packs.
    let mut tx = store.write(&Actor::system("demo")).await?;
    let d = Donation {
        donor_kind: DonorKind::Company,
        donor_name: "某粮油有限公司".into(),
        anonymous: false,
        money: Fen(0),
        goods: "大米（10公斤装）1000袋、食用油500桶".into(),
        goods_value: Fen::from_yuan(150_000),
        receipt_no: "MH-QJ-2020-0001".into(),
        received_on: start,
    };
    let id = donation::record(&mut tx, &Scope::All, campaign_id, &d).await?;
    count += 1;
    if let Some(pack) = projects.iter().find(|p| p.project.form == Form::GiftPack) {
        donation::allocate(&mut tx, &Scope::All, id, pack.id, AllocationKind::Goods, Fen::from_yuan(120_000)).await?;
    }
    tx.commit().await?;
    Ok((count, allocated, received - allocated))
}
