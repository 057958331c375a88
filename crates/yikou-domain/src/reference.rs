//! Reference data shipped in the binary: Minhang's units and codes, the default categories and
//! funding sources (DOMAIN.md). The bureau may edit them later; these are the starting rows.

use serde::Serialize;

/// 单位类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 区
    District,
    /// 区民政局 (lead unit, joint-meeting office)
    Bureau,
    /// 职能部门
    Department,
    /// 群团/社会组织
    Organisation,
    /// 街道
    Street,
    /// 镇
    Town,
    /// 工业区
    Zone,
    /// 居委/村委
    Committee,
}

impl UnitKind {
    pub const ALL: [UnitKind; 8] = [
        UnitKind::District,
        UnitKind::Bureau,
        UnitKind::Department,
        UnitKind::Organisation,
        UnitKind::Street,
        UnitKind::Town,
        UnitKind::Zone,
        UnitKind::Committee,
    ];
    pub fn code(self) -> &'static str {
        match self {
            UnitKind::District => "district",
            UnitKind::Bureau => "bureau",
            UnitKind::Department => "department",
            UnitKind::Organisation => "organisation",
            UnitKind::Street => "street",
            UnitKind::Town => "town",
            UnitKind::Zone => "zone",
            UnitKind::Committee => "committee",
        }
    }
    pub fn from_code(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::District => "区",
            UnitKind::Bureau => "民政局",
            UnitKind::Department => "职能部门",
            UnitKind::Organisation => "群团组织",
            UnitKind::Street => "街道",
            UnitKind::Town => "镇",
            UnitKind::Zone => "工业区",
            UnitKind::Committee => "居村委",
        }
    }
    /// 街镇 level: the 14 units through which "一口上下" runs.
    pub fn is_street_level(self) -> bool {
        matches!(self, UnitKind::Street | UnitKind::Town | UnitKind::Zone)
    }
}

/// A unit row of the reference data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UnitRef {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: UnitKind,
    pub parent: Option<&'static str>,
}

pub const DISTRICT_CODE: &str = "310112";
/// 区民政局.
pub const BUREAU_CODE: &str = "310112-MZJ";

const fn u(code: &'static str, name: &'static str, kind: UnitKind, parent: Option<&'static str>) -> UnitRef {
    UnitRef { code, name, kind, parent }
}

/// 闵行区, its bureau, the departments and organisations of the joint meeting, and the 14
/// streets/towns with their GB/T 2260-style 12-digit codes.
pub const UNITS: &[UnitRef] = &[
    u(DISTRICT_CODE, "闵行区", UnitKind::District, None),
    u(BUREAU_CODE, "区民政局", UnitKind::Bureau, Some(DISTRICT_CODE)),
    u("310112-RSJ", "区人力资源和社会保障局", UnitKind::Department, Some(DISTRICT_CODE)),
    u("310112-WJW", "区卫生健康委员会", UnitKind::Department, Some(DISTRICT_CODE)),
    u("310112-YBJ", "区医疗保障局", UnitKind::Department, Some(DISTRICT_CODE)),
    u("310112-JYJ", "区教育局", UnitKind::Department, Some(DISTRICT_CODE)),
    u("310112-TYJ", "区退役军人事务局", UnitKind::Department, Some(DISTRICT_CODE)),
    u("310112-FGJ", "区住房保障和房屋管理局", UnitKind::Department, Some(DISTRICT_CODE)),
    u("310112-CZJ", "区财政局", UnitKind::Department, Some(DISTRICT_CODE)),
    u("310112-ZGH", "区总工会", UnitKind::Organisation, Some(DISTRICT_CODE)),
    u("310112-TQW", "团区委", UnitKind::Organisation, Some(DISTRICT_CODE)),
    u("310112-FL", "区妇联", UnitKind::Organisation, Some(DISTRICT_CODE)),
    u("310112-CL", "区残联", UnitKind::Organisation, Some(DISTRICT_CODE)),
    u("310112-HSH", "区红十字会", UnitKind::Organisation, Some(DISTRICT_CODE)),
    u("310112-CSJJ", "上海市慈善基金会闵行区代表处", UnitKind::Organisation, Some(DISTRICT_CODE)),
    u("310112001000", "江川路街道", UnitKind::Street, Some(DISTRICT_CODE)),
    u("310112006000", "古美街道", UnitKind::Street, Some(DISTRICT_CODE)),
    u("310112008000", "新虹街道", UnitKind::Street, Some(DISTRICT_CODE)),
    u("310112009000", "浦锦街道", UnitKind::Street, Some(DISTRICT_CODE)),
    u("310112101000", "莘庄镇", UnitKind::Town, Some(DISTRICT_CODE)),
    u("310112102000", "七宝镇", UnitKind::Town, Some(DISTRICT_CODE)),
    u("310112103000", "颛桥镇", UnitKind::Town, Some(DISTRICT_CODE)),
    u("310112106000", "华漕镇", UnitKind::Town, Some(DISTRICT_CODE)),
    u("310112107000", "虹桥镇", UnitKind::Town, Some(DISTRICT_CODE)),
    u("310112108000", "梅陇镇", UnitKind::Town, Some(DISTRICT_CODE)),
    u("310112110000", "吴泾镇", UnitKind::Town, Some(DISTRICT_CODE)),
    u("310112112000", "马桥镇", UnitKind::Town, Some(DISTRICT_CODE)),
    u("310112114000", "浦江镇", UnitKind::Town, Some(DISTRICT_CODE)),
    u("310112501000", "莘庄工业区", UnitKind::Zone, Some(DISTRICT_CODE)),
];

/// The 14 street/town-level units.
pub fn streets() -> impl Iterator<Item = &'static UnitRef> {
    UNITS.iter().filter(|u| u.kind.is_street_level())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CategoryRef {
    pub code: &'static str,
    pub name: &'static str,
    pub parent: Option<&'static str>,
}

const fn c(code: &'static str, name: &'static str, parent: Option<&'static str>) -> CategoryRef {
    CategoryRef { code, name, parent }
}

/// 十类困难对象 and their sub-categories (editable defaults).
pub const CATEGORIES: &[CategoryRef] = &[
    c("DB", "低保家庭", None),
    c("DSR", "低收入困难家庭", None),
    c("TK", "特困供养人员", None),
    c("YB", "因病支出型贫困家庭", None),
    c("YB-HJB", "罕见病", Some("YB")),
    c("YB-BXB", "白血病", Some("YB")),
    c("YB-QGYZ", "器官移植", Some("YB")),
    c("CJ", "重残无业人员", None),
    c("CJ-GDZ", "孤独症", Some("CJ")),
    c("LR", "困难老人", None),
    c("LR-DJ", "独居老人", Some("LR")),
    c("LR-RZZ", "认知症老人", Some("LR")),
    c("LR-GL", "高龄老人", Some("LR")),
    c("LR-YLYL", "一老养一老", Some("LR")),
    c("ET", "困境儿童", None),
    c("ET-GE", "散居孤儿", Some("ET")),
    c("ET-XS", "困难学生", Some("ET")),
    c("YF", "优抚对象", None),
    c("YF-ZD", "重点优抚对象", Some("YF")),
    c("YF-LS", "烈士遗属", Some("YF")),
    c("ZG", "困难职工/失业人员", None),
    c("ZG-ZN", "支内回沪人员", Some("ZG")),
    c("ZG-AH", "安徽下放回沪人员", Some("ZG")),
    c("ZG-LSZC", "落实政策人员", Some("ZG")),
    c("ZG-XCYS", "乡村离岗医生", Some("ZG")),
    c("LS", "临时困难对象", None),
    c("LS-SZ", "受灾困难群体", Some("LS")),
    c("LS-LL", "流浪乞讨人员", Some("LS")),
    c("LS-TF", "突发困难", Some("LS")),
    c("LS-WW", "重点维稳对象", Some("LS")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FundingSourceRef {
    pub code: &'static str,
    pub name: &'static str,
}

/// 资金来源.
pub const FUNDING_SOURCES: &[FundingSourceRef] = &[
    FundingSourceRef { code: "SJ", name: "市级资金" },
    FundingSourceRef { code: "BMYS", name: "部门预算" },
    FundingSourceRef { code: "QJ", name: "区级资金" },
    FundingSourceRef { code: "JZPT", name: "街镇配套资金" },
    FundingSourceRef { code: "TXZC", name: "条线自筹" },
    FundingSourceRef { code: "SHMJ", name: "社会募集" },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourteen_streets_with_twelve_digit_codes() {
        let s: Vec<_> = streets().collect();
        assert_eq!(s.len(), 14);
        for u in s {
            assert!(crate::area::AreaCode::parse(u.code).unwrap().is_street(), "{}", u.code);
        }
    }

    #[test]
    fn ten_top_level_categories_and_parents_exist() {
        assert_eq!(CATEGORIES.iter().filter(|c| c.parent.is_none()).count(), 10);
        for c in CATEGORIES {
            if let Some(p) = c.parent {
                assert!(CATEGORIES.iter().any(|x| x.code == p && x.parent.is_none()), "{}", c.code);
            }
        }
        let mut codes: Vec<_> = CATEGORIES.iter().map(|c| c.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), CATEGORIES.len());
    }

    #[test]
    fn unit_parents_exist() {
        for u in UNITS {
            if let Some(p) = u.parent {
                assert!(UNITS.iter().any(|x| x.code == p));
            }
        }
    }
}
