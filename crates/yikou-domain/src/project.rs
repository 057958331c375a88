//! 帮困项目 (relief project): who runs it, whom it targets, how much it pays and from which funds.

use serde::Serialize;

use crate::money::Fen;

/// 单位类别 of a project, as the plan's section 四 groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum UnitGroup {
    /// 民政部门
    CivilAffairs,
    /// 相关职能部门
    Departments,
    /// 各镇、街道、莘庄工业区
    Streets,
}

impl UnitGroup {
    pub const ALL: [UnitGroup; 3] = [UnitGroup::CivilAffairs, UnitGroup::Departments, UnitGroup::Streets];

    pub fn label(self) -> &'static str {
        match self {
            UnitGroup::CivilAffairs => "民政部门",
            UnitGroup::Departments => "相关职能部门",
            UnitGroup::Streets => "各镇、街道、莘庄工业区",
        }
    }

    pub fn parse(s: &str) -> Option<UnitGroup> {
        UnitGroup::ALL.into_iter().find(|g| g.label() == s.trim())
    }
}

/// 帮扶形式 (form of help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Form {
    /// 现金
    Cash,
    /// 慰问品/礼包
    GiftPack,
    /// 补助券(卡)，如粮油补助券(卡)
    Voucher,
    /// 上门服务：助餐、助洁、助医、助浴
    Service,
    /// 走访慰问
    Visit,
}

impl Form {
    pub const ALL: [Form; 5] = [Form::Cash, Form::GiftPack, Form::Voucher, Form::Service, Form::Visit];

    pub fn label(self) -> &'static str {
        match self {
            Form::Cash => "现金",
            Form::GiftPack => "慰问品",
            Form::Voucher => "补助券(卡)",
            Form::Service => "上门服务",
            Form::Visit => "走访慰问",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Form::Cash => "cash",
            Form::GiftPack => "gift",
            Form::Voucher => "voucher",
            Form::Service => "service",
            Form::Visit => "visit",
        }
    }

    pub fn from_code(s: &str) -> Option<Form> {
        Form::ALL.into_iter().find(|f| f.code() == s || f.label() == s)
    }
}

/// 计数单位: a project counts people (人) or households (户).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CountingUnit {
    Person,
    Household,
}

impl CountingUnit {
    pub fn label(self) -> &'static str {
        match self {
            CountingUnit::Person => "人",
            CountingUnit::Household => "户",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            CountingUnit::Person => "person",
            CountingUnit::Household => "household",
        }
    }
    pub fn from_code(s: &str) -> Option<CountingUnit> {
        match s {
            "person" | "人" => Some(CountingUnit::Person),
            "household" | "户" => Some(CountingUnit::Household),
            _ => None,
        }
    }
}

/// 补助标准 (standard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Standard {
    /// A fixed amount per person (e.g. 900元/人).
    PerPerson(Fen),
    /// Per household: base for one member plus an amount per extra member (e.g. 600元 + 100元/人).
    PerHousehold { base: Fen, per_extra_member: Fen },
    /// An amount assessed case by case within bounds (e.g. 大病专项 2,000–30,000元).
    Range { min: Fen, max: Fen },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    #[error("项目编号不能为空")]
    EmptyCode,
    #[error("项目名称不能为空")]
    EmptyName,
    #[error("项目“{0}”的补助标准必须大于0元")]
    ZeroStandard(String),
    #[error("项目“{name}”的标准范围颠倒：下限 {min} 高于上限 {max}")]
    RangeReversed { name: String, min: Fen, max: Fen },
    #[error("项目“{0}”的计划人(户)数不能为负")]
    NegativePlan(String),
    #[error("项目“{name}”的资金来源“{source_code}”重复填写")]
    DuplicateSource { name: String, source_code: String },
    #[error("项目“{name}”按户计发，计数单位应为“户”")]
    HouseholdStandardCountsPeople { name: String },
}

impl Standard {
    /// The amount the standard gives a household of `members` people; None for a range.
    pub fn amount_for(&self, members: u32) -> Option<Fen> {
        match *self {
            Standard::PerPerson(a) => Some(a),
            Standard::PerHousehold { base, per_extra_member } => {
                Some(Fen(base.0 + per_extra_member.0 * i64::from(members.saturating_sub(1))))
            }
            Standard::Range { .. } => None,
        }
    }

    /// Is `amount` what this standard allows for a household of `members`?
    pub fn allows(&self, amount: Fen, members: u32) -> bool {
        match *self {
            Standard::Range { min, max } => min <= amount && amount <= max,
            _ => self.amount_for(members) == Some(amount),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Standard::PerPerson(a) => format!("{}元/人", a.yuan()),
            Standard::PerHousehold { base, per_extra_member } => {
                format!("{}元/户，每增加1人加{}元", base.yuan(), per_extra_member.yuan())
            }
            Standard::Range { min, max } => format!("{}–{}元", min.yuan(), max.yuan()),
        }
    }
}

/// 帮困项目.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    /// Code unique within the campaign (e.g. "MZ-01").
    pub code: String,
    pub name: String,
    /// 实施单位 code.
    pub unit_code: String,
    pub unit_group: UnitGroup,
    /// 对象类别 codes this project targets (empty: any).
    pub target_categories: Vec<String>,
    pub form: Form,
    pub standard: Standard,
    pub counting_unit: CountingUnit,
    /// 计划人(户)数.
    pub planned_count: i64,
    /// 计划资金 by funding source code.
    pub planned_budget: Vec<(String, Fen)>,
    /// 互斥组: a person may receive from at most one project of the group.
    pub exclusive_group: Option<String>,
}

impl Project {
    pub fn validate(&self) -> Result<(), ProjectError> {
        if self.code.trim().is_empty() {
            return Err(ProjectError::EmptyCode);
        }
        if self.name.trim().is_empty() {
            return Err(ProjectError::EmptyName);
        }
        match self.standard {
            Standard::PerPerson(a) if a.0 <= 0 => return Err(ProjectError::ZeroStandard(self.name.clone())),
            Standard::PerHousehold { base, .. } if base.0 <= 0 => {
                return Err(ProjectError::ZeroStandard(self.name.clone()))
            }
            Standard::PerHousehold { .. } if self.counting_unit != CountingUnit::Household => {
                return Err(ProjectError::HouseholdStandardCountsPeople { name: self.name.clone() })
            }
            Standard::Range { min, max } if min > max => {
                return Err(ProjectError::RangeReversed { name: self.name.clone(), min, max })
            }
            Standard::Range { max, .. } if max.0 <= 0 => return Err(ProjectError::ZeroStandard(self.name.clone())),
            _ => {}
        }
        if self.planned_count < 0 {
            return Err(ProjectError::NegativePlan(self.name.clone()));
        }
        for (i, (s, _)) in self.planned_budget.iter().enumerate() {
            if self.planned_budget[..i].iter().any(|(t, _)| t == s) {
                return Err(ProjectError::DuplicateSource { name: self.name.clone(), source_code: s.clone() });
            }
        }
        Ok(())
    }

    pub fn planned_total(&self) -> Fen {
        self.planned_budget.iter().map(|(_, f)| *f).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(standard: Standard, unit: CountingUnit) -> Project {
        Project {
            code: "MZ-01".into(),
            name: "低保家庭节日补助".into(),
            unit_code: "MZJ".into(),
            unit_group: UnitGroup::CivilAffairs,
            target_categories: vec!["DB".into()],
            form: Form::Cash,
            standard,
            counting_unit: unit,
            planned_count: 100,
            planned_budget: vec![("QJ".into(), Fen::from_yuan(60_000))],
            exclusive_group: None,
        }
    }

    #[test]
    fn household_standard_pays_base_plus_extra_members() {
        let s = Standard::PerHousehold { base: Fen::from_yuan(600), per_extra_member: Fen::from_yuan(100) };
        assert_eq!(s.amount_for(1), Some(Fen::from_yuan(600)));
        assert_eq!(s.amount_for(4), Some(Fen::from_yuan(900)));
        assert!(s.allows(Fen::from_yuan(700), 2));
        assert!(!s.allows(Fen::from_yuan(700), 3));
        assert_eq!(s.describe(), "600.00元/户，每增加1人加100.00元");
        let r = Standard::Range { min: Fen::from_yuan(2000), max: Fen::from_yuan(30_000) };
        assert!(r.allows(Fen::from_yuan(30_000), 1) && !r.allows(Fen::from_yuan(30_001), 1));
    }

    #[test]
    fn invalid_projects_are_refused_by_name() {
        let ok = project(Standard::PerPerson(Fen::from_yuan(900)), CountingUnit::Person);
        assert_eq!(ok.validate(), Ok(()));
        let p = project(
            Standard::PerHousehold { base: Fen::from_yuan(600), per_extra_member: Fen::from_yuan(100) },
            CountingUnit::Person,
        );
        assert!(matches!(p.validate(), Err(ProjectError::HouseholdStandardCountsPeople { .. })));
        let p = project(Standard::Range { min: Fen::from_yuan(10), max: Fen::from_yuan(5) }, CountingUnit::Person);
        assert!(p.validate().unwrap_err().to_string().contains("低保家庭节日补助"));
        let p = project(Standard::PerPerson(Fen::ZERO), CountingUnit::Person);
        assert!(matches!(p.validate(), Err(ProjectError::ZeroStandard(_))));
        let mut p = project(Standard::PerPerson(Fen::from_yuan(900)), CountingUnit::Person);
        p.planned_budget.push(("QJ".into(), Fen::from_yuan(1)));
        assert!(matches!(p.validate(), Err(ProjectError::DuplicateSource { .. })));
    }
}
