//! What a newcomer should meet in the demo besides the findings: a few findings already decided
//! by the demo reviewer (one confirmed, one dismissed with its reason), and a list 古美街道's clerk
//! uploaded and checked but has not imported yet (rows with errors to fix), waiting on their
//! import page under 待完成的导入.

use std::collections::BTreeMap;
use std::path::Path;

use time::macros::date;
use yikou_domain::id_number::compose;
use yikou_domain::rng::Rng;
use yikou_domain::{Actor, Role, Scope};
use yikou_service::check::{decide, Decision};
use yikou_service::imports::{self, Upload};
use yikou_store::Store;

use super::generate::{pick_str, GIVEN, SURNAMES};
use super::write::DEMO_PASSWORD;

/// The demo street clerk's login and street (古美街道).
const CLERK: &str = "gumei";
const CLERK_STREET: &str = "310112006000";

/// The reviewer decides two planted findings through the same use case as the web: confirms a
/// deceased person still paid, dismisses a same-name-and-birthday pair as two different people.
pub async fn decide_a_few(store: &Store, key: &BTreeMap<&'static str, Vec<String>>) -> anyhow::Result<usize> {
    let reviewer = Actor { login: "reviewer".into(), role: Some(Role::Reviewer), scope: Scope::All };
    let mut decided = 0;
    if let Some(k) = key.get("deceased_paid").and_then(|k| k.first()) {
        let reason = "已核实：本人已于活动开始时去世，通知街道停发并追回".to_string();
        decide(store, &reviewer, None, k, Decision::Confirm { reason }).await?;
        decided += 1;
    }
    if let Some(k) = key.get("near_duplicates").and_then(|k| k.iter().find(|k| k.contains(":person:"))) {
        let reason = "已电话核实：两人同名、同日出生，身份证号不同，是两个人".to_string();
        decide(store, &reviewer, None, k, Decision::Dismiss { reason }).await?;
        decided += 1;
    }
    Ok(decided)
}

/// Leaves a list of 古美街道 checked but not imported for its clerk, unless one is already waiting
/// (uploads expire after 4 hours, so a later `yikou demo` puts a fresh one there). Returns (rows,
/// rows with problems) of the list left waiting, `None` when one was already there or the demo
/// clerk's password has been changed.
pub async fn pending_import(store: &Store, upload_dir: &Path) -> anyhow::Result<Option<(u64, u64)>> {
    let Some(clerk) = store.check_password(CLERK, DEMO_PASSWORD).await? else { return Ok(None) };
    if !imports::pending_uploads(store, clerk.id).await?.is_empty() {
        return Ok(None);
    }
    std::fs::create_dir_all(upload_dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(upload_dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let committees: Vec<String> =
        store.committees().await?.into_iter().filter(|c| c.0 == CLERK_STREET).map(|c| c.2).collect();
    let path = upload_dir.join(format!("{}.csv", imports::random_id()));
    std::fs::write(&path, list_csv(&committees))?;
    let up = Upload { path, file_name: "古美街道帮困对象补报名单（演示）.csv".into(), project: None };
    let scope = Scope::Street(CLERK_STREET.into());
    let checked = imports::check(store, &scope, &up, ()).await?;
    imports::keep_upload(store, clerk.id, &up, upload_dir).await?;
    Ok(Some((checked.outcome.rows, checked.invalid())))
}

/// A street's supplementary list of fictional people: most rows right, three to fix (a mistyped
/// ID number, a category that does not exist, a person of another street).
fn list_csv(committees: &[String]) -> String {
    let mut rng = Rng::new(20_191_220);
    let committee = |i: usize| committees.get(i % committees.len().max(1)).cloned().unwrap_or_default();
    let mut out = String::from("\u{feff}姓名,身份证号,联系电话,街镇,居委,类别,备注\n");
    let categories = ["低保家庭", "困难老人", "低保家庭、重残无业人员", "低收入困难家庭", "独居老人"];
    for i in 0..8usize {
        let name = format!("{}{}{}", rng.pick(SURNAMES), pick_str(&mut rng, GIVEN), pick_str(&mut rng, GIVEN));
        let birth = date!(1940 - 01 - 01) + time::Duration::days(rng.below(20 * 365) as i64);
        let mut id = compose("310112", birth, 700 + rng.below(299) as u16).as_str().to_string();
        let phone = format!("139{:08}", rng.below(100_000_000));
        let (mut street, mut category, mut note) = ("古美街道", categories[i % categories.len()], "");
        match i {
            2 => {
                // One digit typed wrong: the check digit no longer fits.
                let last = id.pop().unwrap_or('0');
                id.push(if last == '1' { '2' } else { '1' });
                note = "身份证号抄错一位";
            }
            4 => category = "低保户",
            6 => {
                street = "七宝镇";
                note = "住七宝镇，应由七宝镇报";
            }
            _ => {}
        }
        let committee = if i == 6 { String::new() } else { committee(i) };
        out.push_str(&format!("{name},{id},{phone},{street},{committee},{category},{note}\n"));
    }
    out
}
