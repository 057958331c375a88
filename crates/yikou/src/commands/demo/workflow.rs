//! The demo campaign carried through 一口下达、一口发放 so that every page has something real to show:
//! bank accounts for nearly everyone; each unit's roster submitted by its preparer (the demo accounts
//! `bureau`, `rsj`, `gumei` for their units' rosters) and approved by `reviewer`; the bureau paying
//! (it approved nothing): a bank batch with failures re-issued and some answers still unclear, the
//! other methods signed for with a few exceptions. Rosters with undecided findings stay 待提交 at
//! every stage (the rule the pages enforce). `--stage` stops after draft, submitted, approved or
//! paid; the default is the mixed state: one roster in review, one returned, the rest paid.

use std::collections::{HashMap, HashSet};

use yikou_domain::pay::{BankAccount, PayMethod};
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::rng::Rng;
use yikou_domain::roster::{Hand, ReviewDecision};
use yikou_domain::{today, Actor, Role, Scope};
use yikou_store::pay::{self, BatchFilter, ResultLine, Unsigned};
use yikou_store::{rosters, Store};

use super::generate::DemoData;
use super::write::Written;

/// Where the demo stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Stage {
    /// 名单已导入，尚未提交
    Draft,
    /// 已提交审核
    Submitted,
    /// 已批准下达
    Approved,
    /// 已全部发放
    Paid,
    /// 默认：多数已发放，一份待审核，一份已退回，部分失败后重新发放，部分结果待定
    Mixed,
}

/// What the workflow did, for the demo's printout.
#[derive(Debug, Default)]
pub struct Carried {
    pub blocked: usize,
    pub in_review: usize,
    pub returned: usize,
    pub approved: usize,
    pub batches: usize,
    pub paid_lines: i64,
    pub failed_lines: i64,
    pub unclear_lines: i64,
    /// The follow-up: people drawn, called, cases open and closed.
    pub followup: Option<(u64, u64, u64, u64)>,
    /// Vouchers redeemed at the charity supermarket.
    pub redeemed: usize,
}

/// The demo accounts that prepare their units' rosters.
const PREPARERS: [(&str, &str, Role); 3] = [
    ("bureau", BUREAU_CODE, Role::Bureau),
    ("rsj", "310112-RSJ", Role::Department),
    ("gumei", "310112006000", Role::Street),
];

fn account_of(unit: &str) -> Actor {
    match PREPARERS.iter().find(|(_, u, _)| *u == unit) {
        Some((login, u, role)) => Actor { login: (*login).into(), role: Some(*role), scope: role.scope(u) },
        None => Actor::system("demo"),
    }
}

pub async fn carry(
    store: &Store,
    data: &DemoData,
    written: &Written,
    stage: Stage,
    seed: u64,
) -> anyhow::Result<Carried> {
    let mut out = Carried::default();
    // Bank accounts: everyone but one in forty (they must be asked for one before a bank batch).
    let mut rng = Rng::new(seed ^ 0xBA4C);
    let accounts: Vec<(i64, String, String, BankAccount)> = written
        .person_ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 40 != 7)
        .map(|(i, id)| {
            let digits = format!("6222{:015}", rng.below(1_000_000_000_000_000));
            let bank = ["工商银行闵行支行", "农业银行闵行支行", "上海农商银行闵行支行"][i % 3].to_string();
            (*id, data.people[i].name.clone(), bank, BankAccount::parse(&digits).expect("generated digits"))
        })
        .collect();
    let mut tx = store.write(&Actor::system("demo")).await?;
    pay::load_bank_accounts(&mut tx, &accounts).await?;
    tx.commit().await?;

    // The rosters (one per project: its own unit prepared it) and who prepared each.
    let campaign = store.campaign(super::plan::DEMO_YEAR).await?.ok_or_else(|| anyhow::anyhow!("演示活动不存在"))?;
    let projects = store.projects(&Scope::All, campaign.id).await?;
    let mut keys: Vec<(i64, String, String)> = Vec::new();
    for p in &projects {
        for r in store.rosters(&Scope::All, p.id).await? {
            keys.push((p.id, r.unit_code, p.project.code.clone()));
        }
    }
    for (project, unit, _) in &keys {
        let preparer = account_of(unit);
        if preparer.role.is_some() {
            let mut tx = store.write(&preparer).await?;
            rosters::add_hand(&mut tx, *project, unit, Hand::Imported).await?;
            tx.commit().await?;
        }
    }
    if stage == Stage::Draft {
        return Ok(out);
    }

    // Rosters touched by an undecided finding stay 待提交.
    let report = store.run_check(campaign.id, campaign.campaign.check_date(today())).await?;
    let open: Vec<_> = report.findings.iter().filter(|f| !f.status.is_decided()).collect();
    let touched: HashSet<i64> = open.iter().flat_map(|f| f.entitlements.iter().copied()).collect();
    let project_level: HashSet<&str> =
        open.iter().filter(|f| f.entitlements.is_empty()).flat_map(|f| f.projects.iter().map(String::as_str)).collect();
    let mut ready = Vec::new();
    for (project, unit, code) in &keys {
        let drafts = store.roster_drafts(*project, unit).await?;
        let own = projects.iter().any(|p| p.id == *project && p.project.unit_code == *unit);
        if drafts.iter().any(|e| touched.contains(e)) || (own && project_level.contains(code.as_str())) {
            out.blocked += 1;
        } else {
            ready.push((*project, unit.clone(), code.clone()));
        }
    }
    for (project, unit, _) in &ready {
        let mut tx = store.write(&account_of(unit)).await?;
        rosters::submit(&mut tx, *project, unit).await?;
        tx.commit().await?;
    }
    if stage == Stage::Submitted {
        out.in_review = ready.len();
        return Ok(out);
    }

    // The reviewer: one roster returned with a comment, one left in review (mixed); the rest approved.
    let reviewer = Actor { login: "reviewer".into(), role: Some(Role::Reviewer), scope: Scope::All };
    let mut held: HashMap<usize, ReviewDecision> = HashMap::new();
    if stage == Stage::Mixed {
        let others: Vec<usize> = (0..ready.len()).filter(|&i| ready[i].1 != BUREAU_CODE).collect();
        if let [first, second, ..] = others[..] {
            held.insert(first, ReviewDecision::Return);
            held.insert(second, ReviewDecision::Approve);
        }
    }
    for (i, (project, unit, _)) in ready.iter().enumerate() {
        let mut tx = store.write(&reviewer).await?;
        match held.get(&i) {
            Some(ReviewDecision::Return) => {
                rosters::review(
                    &mut tx,
                    *project,
                    unit,
                    ReviewDecision::Return,
                    "第3页有两人金额与标准不符，请核实后重新提交",
                )
                .await?;
                out.returned += 1;
            }
            Some(ReviewDecision::Approve) => out.in_review += 1,
            None => {
                rosters::review(&mut tx, *project, unit, ReviewDecision::Approve, "").await?;
                out.approved += 1;
            }
        }
        tx.commit().await?;
    }
    if stage == Stage::Approved {
        return Ok(out);
    }

    // The bureau pays, method by method.
    let payer = Actor { login: "bureau".into(), role: Some(Role::Bureau), scope: Scope::All };
    let mut rng = Rng::new(seed ^ 0x9A1D);
    // Vouchers as vouchers, then goods and services; money by bank, and by card for those without an
    // account.
    let order =
        [PayMethod::Bank, PayMethod::Voucher, PayMethod::Goods, PayMethod::Service, PayMethod::Cash, PayMethod::Card];
    // The charity supermarket's 粮油补助券 for the voucher projects: one voucher per 100 元.
    let vouchers = voucher_batch(store, campaign.id, campaign.campaign.start, data).await?;
    for method in order {
        let filter = match method {
            PayMethod::Voucher => BatchFilter { voucher_batch: vouchers, ..BatchFilter::default() },
            _ => BatchFilter::default(),
        };
        let mut tx = store.write(&payer).await?;
        let made = match pay::create_batch(&mut tx, &Scope::All, campaign.id, method, &filter).await {
            Ok(m) => m,
            Err(yikou_store::StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        tx.commit().await?;
        out.batches += 1;
        let mut tx = store.write(&payer).await?;
        let counts = if method.by_bank() {
            // The bank's answer: all paid at the `paid` stage; else a few refused, a few unclear.
            let lines = store.bank_file_lines(made.id).await?;
            let answers = answered(&lines, || match if stage == Stage::Mixed { rng.below(1000) } else { 999 } {
                0..=4 => ("失败", "户名与账号不符"),
                5..=7 => ("失败", "该账号已销户"),
                8..=10 => ("处理中", ""),
                _ => ("成功", ""),
            });
            pay::record_results(&mut tx, made.id, &answers, "demo").await?
        } else {
            let exceptions: Vec<Unsigned> = if stage == Stage::Mixed && made.lines > 10 {
                vec![Unsigned { line_no: 3, reason: "本人住院，家属未能代领".into() }]
            } else {
                Vec::new()
            };
            pay::record_signoff(&mut tx, &Scope::All, made.id, None, &exceptions).await?
        };
        tx.commit().await?;
        out.paid_lines += counts.paid;
        out.failed_lines += counts.failed;
        out.unclear_lines += counts.unresolved;
        // The refused bank lines are re-issued (their accounts said to be corrected) and paid.
        if method.by_bank() && counts.failed > 0 {
            let mut tx = store.write(&payer).await?;
            let again = pay::reissue(&mut tx, &Scope::All, made.id).await?;
            tx.commit().await?;
            out.batches += 1;
            let lines = store.bank_file_lines(again.id).await?;
            let answers = answered(&lines, || ("成功", ""));
            let mut tx = store.write(&payer).await?;
            let c = pay::record_results(&mut tx, again.id, &answers, "demo").await?;
            tx.commit().await?;
            out.paid_lines += c.paid;
        }
    }
    if stage == Stage::Mixed {
        out.followup = Some(follow_up(store, campaign.id, seed).await?);
        out.redeemed = redeem_some(store).await?;
    }
    Ok(out)
}

const VOUCHER_FACE_YUAN: i64 = 100;

/// A batch of 粮油补助券 (100 元 each) enough for the voucher projects' listed money, valid from the
/// campaign's start for two months past today (the demo runs now); its id, None when the demo has
/// no voucher project or its amounts are not whole vouchers.
async fn voucher_batch(
    store: &Store,
    campaign_id: i64,
    start: time::Date,
    data: &DemoData,
) -> anyhow::Result<Option<i64>> {
    use yikou_domain::voucher::VoucherBatch;
    let face = VOUCHER_FACE_YUAN * 100;
    let amounts: Vec<i64> = data
        .entitlements
        .iter()
        .filter(|e| data.projects[e.project].form == yikou_domain::Form::Voucher)
        .map(|e| e.amount_fen)
        .collect();
    if amounts.is_empty() || amounts.iter().any(|a| a % face != 0) {
        return Ok(None);
    }
    let count = amounts.iter().map(|a| a / face).sum::<i64>() + 50;
    let batch = VoucherBatch {
        name: "慈善超市粮油补助券".into(),
        face_value: yikou_domain::Fen(face),
        valid_from: start,
        valid_until: yikou_domain::today() + time::Duration::days(60),
        supermarket: "区慈善超市".into(),
        count: u32::try_from(count)?,
        prefix: "LY".into(),
    };
    let mut tx = store.write(&Actor::system("demo")).await?;
    let (id, _) = yikou_store::voucher::create_batch(&mut tx, campaign_id, &batch).await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Two in three of the vouchers handed out are redeemed at the charity supermarket; how many.
async fn redeem_some(store: &Store) -> anyhow::Result<usize> {
    use yikou_domain::voucher::VoucherState;
    let today = today();
    let given = store.vouchers(&Scope::All, Some(VoucherState::Issued), today, 100_000).await?;
    let rows: Vec<(String, String, time::Date)> = given
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 2)
        .map(|(_, v)| (v.code.clone(), "区慈善超市".to_string(), today))
        .collect();
    let mut tx = store.write(&Actor::system("demo")).await?;
    yikou_store::voucher::redeem_list(&mut tx, &Scope::All, &rows, true).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// A finished follow-up: a sample by street drawn by the bureau (seed = the demo's seed), every
/// person called by the demo caller — most received in full, a few not — and some of the cases the
/// answers opened already resolved. Returns (drawn, called, cases open, cases closed).
async fn follow_up(store: &Store, campaign_id: i64, seed: u64) -> anyhow::Result<(u64, u64, u64, u64)> {
    use yikou_domain::followup::{CallAnswer, Reached, Received, SizeRule, Strata};
    use yikou_store::followup::{self, SampleFilter, SampleParams};
    let bureau = Actor { login: "bureau".into(), role: Some(Role::Bureau), scope: Scope::All };
    let params = SampleParams {
        filter: SampleFilter::default(),
        size: SizeRule::Formula { confidence: 95.0, margin: 5.0, design_factor: 1.5 },
        strata: Strata::Street,
        min_per_stratum: 2,
        seed,
        callers: vec!["caller".into()],
    };
    let mut tx = store.write(&bureau).await?;
    let made = followup::create_sample(&mut tx, &Scope::All, campaign_id, &params).await?;
    tx.commit().await?;
    let caller = Actor { login: "caller".into(), role: Some(Role::Caller), scope: Scope::All };
    let mut rng = Rng::new(seed ^ 0xCA11);
    let (mut called, mut cases) = (0u64, Vec::new());
    let mut tx = store.write(&caller).await?;
    for (entitlement, _, _) in store.sample_members(&Scope::All, made.sample).await? {
        let roll = rng.below(100);
        let (reached, received) = match roll {
            0..=5 => (Reached::No, None),
            6 => (Reached::WrongNumber, None),
            7 => (Reached::Yes, Some(Received::Partly)),
            8 => (Reached::Yes, Some(Received::None)),
            _ => (Reached::Yes, Some(Received::Full)),
        };
        let answer = CallAnswer {
            reached,
            received,
            amount_fen: None,
            satisfaction: received.map(|r| if r == Received::Full { 4 + (roll % 2) as u8 } else { 2 }),
            needs: roll.is_multiple_of(17).then(|| "希望春节前上门看看".to_string()),
            remarks: None,
        };
        let (_, case) = followup::record_call(&mut tx, &Scope::All, made.sample, entitlement, &answer).await?;
        called += 1;
        cases.extend(case);
    }
    tx.commit().await?;
    // Half the cases resolved by the bureau.
    let mut tx = store.write(&bureau).await?;
    let closed = cases.len() / 2;
    for case in cases.iter().take(closed) {
        followup::resolve_case(&mut tx, &Scope::All, *case, "已核实：街道已补发差额，本人确认收到").await?;
    }
    tx.commit().await?;
    Ok((made.size, called, (cases.len() - closed) as u64, closed as u64))
}

/// The bank's answer to a bank file: each line as the bank file had it, with the result and reason
/// `answer` gives it.
fn answered(lines: &[pay::BankFileLine], mut answer: impl FnMut() -> (&'static str, &'static str)) -> Vec<ResultLine> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (result, reason) = answer();
            ResultLine {
                row: i as u32 + 2,
                reference: l.reference.clone(),
                account: l.account.clone(),
                amount: format!("{}.{:02}", l.amount_fen / 100, l.amount_fen % 100),
                result: result.into(),
                reason: reason.into(),
            }
        })
        .collect()
}
