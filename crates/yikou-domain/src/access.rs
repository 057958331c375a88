//! 角色与数据范围 (roles and data scope). Who may see what is decided here as data and applied in
//! the store's SQL, for every list, count and export.

use serde::Serialize;

/// 角色. The three administrator roles are separate (三权分立); business roles see only their area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// 系统管理员
    SystemAdmin,
    /// 安全管理员
    SecurityAdmin,
    /// 审计管理员
    AuditAdmin,
    /// 区民政局管理
    Bureau,
    /// 审核员
    Reviewer,
    /// 部门经办
    Department,
    /// 街镇经办
    Street,
    /// 居委经办
    Committee,
    /// 回访员
    Caller,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
        Role::Bureau,
        Role::Reviewer,
        Role::Department,
        Role::Street,
        Role::Committee,
        Role::Caller,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system-admin",
            Role::SecurityAdmin => "security-admin",
            Role::AuditAdmin => "audit-admin",
            Role::Bureau => "bureau",
            Role::Reviewer => "reviewer",
            Role::Department => "department",
            Role::Street => "street",
            Role::Committee => "committee",
            Role::Caller => "caller",
        }
    }

    pub fn from_code(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
            Role::Bureau => "区民政局管理员",
            Role::Reviewer => "审核员",
            Role::Department => "部门经办",
            Role::Street => "街镇经办",
            Role::Committee => "居委经办",
            Role::Caller => "回访员",
        }
    }
}

/// 数据范围: which people and projects a query may touch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The whole district (bureau, reviewers, the command line).
    All,
    /// One street/town (12-digit code): its people, and projects run by it.
    Street(String),
    /// One committee (12-digit code): its people.
    Committee(String),
    /// One department or organisation: its own projects and the people on their rosters.
    Unit(String),
    /// Nothing (administrator roles that hold no business data rights).
    Nothing,
}

/// 操作人: who acts, with what role and scope. Every store write takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub login: String,
    pub role: Option<Role>,
    pub scope: Scope,
}

impl Actor {
    /// The command line or a system job acting on the whole district.
    pub fn system(name: &str) -> Actor {
        Actor { login: format!("system:{name}"), role: None, scope: Scope::All }
    }
}

impl Role {
    /// The data a user of this role in `unit` may see. Administrators hold no business data
    /// rights (三权分立); the bureau and reviewers see the district; the others their own area.
    pub fn scope(self, unit: &str) -> Scope {
        match self {
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin => Scope::Nothing,
            Role::Bureau | Role::Reviewer => Scope::All,
            Role::Department => Scope::Unit(unit.to_string()),
            Role::Street => Scope::Street(unit.to_string()),
            Role::Committee => Scope::Committee(unit.to_string()),
            // A caller works for a street/town; one at the bureau calls across the district.
            Role::Caller if crate::reference::streets().any(|u| u.code == unit) => Scope::Street(unit.to_string()),
            Role::Caller => Scope::All,
        }
    }

    /// May a user with this role belong to a unit of this kind? A street/town operator works for a
    /// street/town, a committee operator for a committee, a department operator for a department or
    /// organisation, the district-wide roles for the bureau or the district.
    pub fn fits_unit(self, kind: crate::reference::UnitKind) -> bool {
        use crate::reference::UnitKind as K;
        match self {
            Role::Street => kind.is_street_level(),
            Role::Committee => kind == K::Committee,
            Role::Department => matches!(kind, K::Department | K::Organisation),
            Role::Caller => kind.is_street_level() || matches!(kind, K::Bureau | K::District),
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin | Role::Bureau | Role::Reviewer => {
                matches!(kind, K::Bureau | K::District)
            }
        }
    }

    /// May this role see full ID numbers and phones on request (a logged action)?
    pub fn may_reveal(self) -> bool {
        matches!(self, Role::Bureau | Role::Reviewer | Role::Street | Role::Committee | Role::Department)
    }

    /// May this role correct a person's contact details (phone, address) in the register? The
    /// street/town and committee that keep the register, and the bureau; not a department, whose
    /// roster names people registered by others (their register facts are not its to change).
    pub fn may_edit_contacts(self) -> bool {
        matches!(self, Role::Bureau | Role::Street | Role::Committee)
    }

    /// May this role run the cross-check and decide findings?
    pub fn may_review(self) -> bool {
        matches!(self, Role::Bureau | Role::Reviewer | Role::Street)
    }

    /// May this role correct a roster (撤销 a draft entitlement a finding points at)? Those who
    /// prepare rosters — the roles that import — not a reviewer, who decides on them.
    pub fn may_correct_rosters(self) -> bool {
        self.may_import()
    }

    /// May this role approve or return a submitted roster (审核下达)? The bureau's reviewers and the
    /// bureau; never for a roster the account had a hand in (the store refuses that).
    pub fn may_approve_rosters(self) -> bool {
        matches!(self, Role::Reviewer | Role::Bureau)
    }

    /// May this role make disbursement batches, export bank files and record their results
    /// (一口发放)? The bureau; the store refuses an account that approved a roster in the batch
    /// (approval and payment by different people).
    pub fn may_pay(self) -> bool {
        self == Role::Bureau
    }

    /// May this role record a signed sign-off sheet (签收表) of its area: who handed the cash, goods
    /// or vouchers over — the street/town, the committee, the bureau?
    pub fn may_record_signoff(self) -> bool {
        matches!(self, Role::Bureau | Role::Street | Role::Committee)
    }

    /// May this role record a voucher redeemed at a charity supermarket (慈善超市) of its area — the
    /// street/town or committee that runs it, a department or organisation that issued it, the bureau?
    pub fn may_redeem_vouchers(self) -> bool {
        matches!(self, Role::Bureau | Role::Street | Role::Committee | Role::Department)
    }

    /// 上门服务: register providers one's unit manages, import their monthly delivery lists.
    pub fn may_manage_services(self) -> bool {
        matches!(self, Role::Bureau | Role::Street | Role::Department)
    }

    /// 社会捐赠: record a donation one's unit received, allocate it to projects one may see.
    pub fn may_manage_donations(self) -> bool {
        matches!(self, Role::Bureau | Role::Street | Role::Department)
    }

    /// 生活服务热线: take a request, give it to a unit, close one given to one's unit.
    pub fn may_handle_hotline(self) -> bool {
        matches!(self, Role::Bureau | Role::Street | Role::Committee | Role::Department)
    }

    /// 制发卡券: make a batch of charity vouchers (the bureau).
    pub fn may_make_vouchers(self) -> bool {
        matches!(self, Role::Bureau)
    }

    /// 走访慰问: record a visit to a person of one's area, complete a follow-up one's unit owns.
    pub fn may_record_visits(self) -> bool {
        matches!(self, Role::Bureau | Role::Street | Role::Committee | Role::Department)
    }

    /// May this role see disbursement progress (its own area's)?
    pub fn may_see_payments(self) -> bool {
        matches!(self, Role::Bureau | Role::Reviewer | Role::Street | Role::Committee | Role::Department)
    }

    /// May this role draw follow-up samples, close them and their cases (the bureau)?
    pub fn may_plan_followup(self) -> bool {
        self == Role::Bureau
    }

    /// May this role resolve a follow-up case of its area (the unit that paid puts it right; the
    /// bureau)?
    pub fn may_resolve_cases(self) -> bool {
        matches!(self, Role::Bureau | Role::Street | Role::Committee | Role::Department)
    }

    /// May this role record follow-up calls (callers on their share; the bureau)?
    pub fn may_call(self) -> bool {
        matches!(self, Role::Caller | Role::Bureau)
    }

    /// May this role import lists?
    pub fn may_import(self) -> bool {
        matches!(self, Role::Bureau | Role::Department | Role::Street | Role::Committee)
    }

    /// May this role create accounts (the first half of a two-person activation)?
    pub fn may_create_accounts(self) -> bool {
        self == Role::SystemAdmin
    }

    /// May this role disable and re-enable other accounts?
    pub fn may_disable_accounts(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::SecurityAdmin)
    }

    /// May this role complete a two-person act another administrator role started (activate an
    /// account, complete a password reset)? The store refuses the administrator who started it.
    pub fn may_complete_activations(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::SecurityAdmin)
    }

    /// May this role unlock other accounts, reset their passwords, and list and revoke their API
    /// tokens (but create none for them)?
    pub fn may_secure_accounts(self) -> bool {
        self == Role::SecurityAdmin
    }

    /// Does this role see business pages at all?
    pub fn is_business(self) -> bool {
        !matches!(self, Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin)
    }

    /// May this role read the summaries (汇总) and the campaign's progress in money of its area:
    /// every business role but the caller (whose work is their calls).
    pub fn may_read_reports(self) -> bool {
        self.is_business() && self != Role::Caller
    }

    /// May this role file its unit's 总结 for a campaign (the member units: departments, streets and
    /// towns, the bureau for itself)?
    pub fn may_file_unit_report(self) -> bool {
        matches!(self, Role::Bureau | Role::Department | Role::Street)
    }

    /// May this role read the audit log (the audit administrator alone: 三权分立)?
    pub fn may_read_audit(self) -> bool {
        self == Role::AuditAdmin
    }

    /// May this role see the list of accounts (system and security administrators)?
    pub fn may_see_accounts(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::SecurityAdmin)
    }

    /// May this role edit the units' contacts of a campaign (the bureau)?
    pub fn may_edit_units(self) -> bool {
        self == Role::Bureau
    }
}

/// A two-person act on an account waiting for the other administrator role (双人激活).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingAct {
    /// A new account, not yet activated.
    Create,
    /// A password reset, not yet completed.
    Reset,
}

impl PendingAct {
    pub fn code(self) -> &'static str {
        match self {
            PendingAct::Create => "create",
            PendingAct::Reset => "reset",
        }
    }

    pub fn from_code(s: &str) -> Option<PendingAct> {
        [PendingAct::Create, PendingAct::Reset].into_iter().find(|a| a.code() == s)
    }

    /// The account's state while it waits: 待激活 / 待完成重置.
    pub fn state_label(self) -> &'static str {
        match self {
            PendingAct::Create => "待激活",
            PendingAct::Reset => "待完成重置",
        }
    }

    /// What the other administrator does: 激活 / 完成重置.
    pub fn completion_label(self) -> &'static str {
        match self {
            PendingAct::Create => "激活",
            PendingAct::Reset => "完成重置",
        }
    }
}

/// 密码规则 (等保 2.0 level 3 practice): at least 8 characters from at least 3 of the 4 classes
/// (upper case, lower case, digits, symbols).
pub fn check_password_rules(password: &str) -> Result<(), String> {
    if password.chars().count() < 8 {
        return Err("密码至少8位".into());
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 3 {
        return Err("密码须包含大写字母、小写字母、数字、符号中的至少三类".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_fit_only_the_units_they_work_for() {
        use crate::reference::UnitKind as K;
        assert!(Role::Street.fits_unit(K::Street) && Role::Street.fits_unit(K::Town));
        assert!(!Role::Street.fits_unit(K::Bureau) && !Role::Street.fits_unit(K::Committee));
        assert!(Role::Committee.fits_unit(K::Committee) && !Role::Committee.fits_unit(K::Street));
        assert!(Role::Department.fits_unit(K::Organisation) && !Role::Department.fits_unit(K::Street));
        assert!(Role::Bureau.fits_unit(K::Bureau) && !Role::Bureau.fits_unit(K::Department));
        assert!(Role::Caller.fits_unit(K::Town) && Role::Caller.fits_unit(K::Bureau));
    }

    #[test]
    fn password_rules() {
        assert!(check_password_rules("Abcdef12").is_ok());
        assert!(check_password_rules("abcdef1!").is_ok());
        assert_eq!(check_password_rules("Abc12!").unwrap_err(), "密码至少8位");
        assert!(check_password_rules("abcdefgh1").is_err());
        assert!(check_password_rules("ABCDEFGH").is_err());
    }

    #[test]
    fn account_rights_are_split_between_the_administrators() {
        let holders = |right: fn(Role) -> bool| Role::ALL.into_iter().filter(|r| right(*r)).collect::<Vec<_>>();
        assert_eq!(holders(Role::may_create_accounts), [Role::SystemAdmin]);
        assert_eq!(holders(Role::may_disable_accounts), [Role::SystemAdmin, Role::SecurityAdmin]);
        assert_eq!(holders(Role::may_complete_activations), [Role::SystemAdmin, Role::SecurityAdmin]);
        assert_eq!(holders(Role::may_secure_accounts), [Role::SecurityAdmin]);
    }

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("admin"), None);
    }
}
