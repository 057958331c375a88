//! 帮困送温暖活动 (relief campaign) and its four 阶段 (phases).

use serde::Serialize;
use time::{Date, Month};

/// 阶段: the four phases of a campaign, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 排摸准备
    Prepare,
    /// 动员部署
    Mobilise,
    /// 组织实施
    Implement,
    /// 回访总结
    FollowUp,
}

impl Phase {
    pub const ALL: [Phase; 4] = [Phase::Prepare, Phase::Mobilise, Phase::Implement, Phase::FollowUp];

    pub fn label(self) -> &'static str {
        match self {
            Phase::Prepare => "排摸准备",
            Phase::Mobilise => "动员部署",
            Phase::Implement => "组织实施",
            Phase::FollowUp => "回访总结",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Phase::Prepare => "prepare",
            Phase::Mobilise => "mobilise",
            Phase::Implement => "implement",
            Phase::FollowUp => "follow_up",
        }
    }

    pub fn from_code(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.code() == s || p.label() == s)
    }
}

/// One phase's date window (both ends inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseWindow {
    pub phase: Phase,
    pub start: Date,
    pub end: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    #[error("活动名称不能为空")]
    EmptyName,
    #[error("活动起止日期颠倒：开始 {start} 晚于结束 {end}")]
    CampaignReversed { start: Date, end: Date },
    #[error("{phase}阶段的时间窗口 {start} 至 {end} 开始晚于结束，请检查年份或月份")]
    PhaseReversed { phase: &'static str, start: Date, end: Date },
    #[error("{phase}阶段的时间窗口 {start} 至 {end} 超出活动时间 {campaign_start} 至 {campaign_end}")]
    PhaseOutside { phase: &'static str, start: Date, end: Date, campaign_start: Date, campaign_end: Date },
    #[error("{later}阶段（{later_start} 起）与{earlier}阶段（至 {earlier_end}）重叠或顺序颠倒：四个阶段须依次排列、互不重叠")]
    PhaseOverlap { earlier: &'static str, earlier_end: Date, later: &'static str, later_start: Date },
    #[error("阶段不完整：须有排摸准备、动员部署、组织实施、回访总结四个阶段各一个，缺少或重复“{0}”")]
    PhasesIncomplete(&'static str),
}

/// 活动: a year's campaign with its phases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Year label, e.g. 2020 for "2020年元旦春节帮困送温暖".
    pub year: i32,
    pub name: String,
    pub start: Date,
    pub end: Date,
    pub phases: Vec<PhaseWindow>,
    /// Figures the plan states (方案所述), kept beside the computed ones.
    pub stated_person_times: Option<i64>,
    pub stated_amount_fen: Option<i64>,
}

impl Campaign {
    /// The date a cross-check judges ages, deaths and memberships on: `today`, kept inside the
    /// campaign's dates (a past campaign is judged as at its end).
    pub fn check_date(&self, today: time::Date) -> time::Date {
        self.start.max(today.min(self.end))
    }

    /// Validates the windows: each ordered, all four present, inside the campaign, in phase order,
    /// not overlapping. The first broken rule is reported with the phase it concerns.
    pub fn new(
        year: i32,
        name: &str,
        start: Date,
        end: Date,
        mut phases: Vec<PhaseWindow>,
    ) -> Result<Campaign, CampaignError> {
        if name.trim().is_empty() {
            return Err(CampaignError::EmptyName);
        }
        if start > end {
            return Err(CampaignError::CampaignReversed { start, end });
        }
        for p in Phase::ALL {
            if phases.iter().filter(|w| w.phase == p).count() != 1 {
                return Err(CampaignError::PhasesIncomplete(p.label()));
            }
        }
        phases.sort_by_key(|w| w.phase);
        for w in &phases {
            if w.start > w.end {
                return Err(CampaignError::PhaseReversed { phase: w.phase.label(), start: w.start, end: w.end });
            }
            if w.start < start || w.end > end {
                return Err(CampaignError::PhaseOutside {
                    phase: w.phase.label(),
                    start: w.start,
                    end: w.end,
                    campaign_start: start,
                    campaign_end: end,
                });
            }
        }
        for pair in phases.windows(2) {
            if pair[1].start <= pair[0].end {
                return Err(CampaignError::PhaseOverlap {
                    earlier: pair[0].phase.label(),
                    earlier_end: pair[0].end,
                    later: pair[1].phase.label(),
                    later_start: pair[1].start,
                });
            }
        }
        Ok(Campaign {
            year,
            name: name.trim().to_string(),
            start,
            end,
            phases,
            stated_person_times: None,
            stated_amount_fen: None,
        })
    }

    /// "{year}年元旦春节帮困送温暖" with the plan's usual schedule: 排摸准备 from mid-November of the
    /// year before, 动员部署 and 组织实施 from late December, 回访总结 through February.
    pub fn standard(year: i32) -> Campaign {
        let d = |y: i32, m: Month, day: u8| Date::from_calendar_date(y, m, day).expect("valid date");
        let feb_end = if time::util::is_leap_year(year) { 29 } else { 28 };
        let windows = vec![
            PhaseWindow {
                phase: Phase::Prepare,
                start: d(year - 1, Month::November, 11),
                end: d(year - 1, Month::December, 10),
            },
            PhaseWindow {
                phase: Phase::Mobilise,
                start: d(year - 1, Month::December, 21),
                end: d(year - 1, Month::December, 25),
            },
            PhaseWindow {
                phase: Phase::Implement,
                start: d(year - 1, Month::December, 26),
                end: d(year, Month::January, 31),
            },
            PhaseWindow {
                phase: Phase::FollowUp,
                start: d(year, Month::February, 1),
                end: d(year, Month::February, feb_end),
            },
        ];
        Campaign::new(
            year,
            &format!("{year}年元旦春节帮困送温暖"),
            d(year - 1, Month::November, 11),
            d(year, Month::February, feb_end),
            windows,
        )
        .expect("the standard schedule is valid")
    }

    /// The phase whose window contains `day`, if any.
    pub fn phase_on(&self, day: Date) -> Option<Phase> {
        self.phases.iter().find(|w| w.start <= day && day <= w.end).map(|w| w.phase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn windows(implement_start: Date) -> Vec<PhaseWindow> {
        vec![
            PhaseWindow { phase: Phase::Prepare, start: date!(2019 - 11 - 11), end: date!(2019 - 12 - 10) },
            PhaseWindow { phase: Phase::Mobilise, start: date!(2019 - 12 - 21), end: date!(2019 - 12 - 25) },
            PhaseWindow { phase: Phase::Implement, start: implement_start, end: date!(2020 - 01 - 31) },
            PhaseWindow { phase: Phase::FollowUp, start: date!(2020 - 02 - 01), end: date!(2020 - 02 - 29) },
        ]
    }

    fn campaign(ws: Vec<PhaseWindow>) -> Result<Campaign, CampaignError> {
        Campaign::new(2020, "2020年元旦春节帮困送温暖", date!(2019 - 11 - 11), date!(2020 - 02 - 29), ws)
    }

    #[test]
    fn the_standard_schedule_of_any_year_is_valid() {
        assert_eq!(Campaign::standard(2020).end, date!(2020 - 02 - 29));
        assert_eq!(Campaign::standard(2021).end, date!(2021 - 02 - 28));
        assert_eq!(Campaign::standard(2020).phase_on(date!(2019 - 12 - 30)), Some(Phase::Implement));
    }

    #[test]
    fn the_plans_corrected_schedule_is_valid() {
        let c = campaign(windows(date!(2019 - 12 - 26))).unwrap();
        assert_eq!(c.phase_on(date!(2020 - 01 - 10)), Some(Phase::Implement));
        assert_eq!(c.phase_on(date!(2019 - 12 - 15)), None);
    }

    #[test]
    fn the_plans_own_typo_is_refused_naming_the_phase() {
        // The plan says 组织实施 "2020年12月下旬至1月底": start after end.
        let e = campaign(windows(date!(2020 - 12 - 21))).unwrap_err();
        assert!(matches!(e, CampaignError::PhaseReversed { phase: "组织实施", .. }), "{e}");
        assert!(e.to_string().contains("组织实施阶段"));
    }

    #[test]
    fn overlap_outside_and_missing_phases_are_refused() {
        let e = campaign(windows(date!(2019 - 12 - 24))).unwrap_err();
        assert!(matches!(e, CampaignError::PhaseOverlap { earlier: "动员部署", later: "组织实施", .. }));
        let mut ws = windows(date!(2019 - 12 - 26));
        ws[3].end = date!(2020 - 03 - 05);
        assert!(matches!(campaign(ws).unwrap_err(), CampaignError::PhaseOutside { phase: "回访总结", .. }));
        let mut ws = windows(date!(2019 - 12 - 26));
        ws.pop();
        assert_eq!(campaign(ws).unwrap_err(), CampaignError::PhasesIncomplete("回访总结"));
        let e = Campaign::new(2020, "x", date!(2020 - 02 - 29), date!(2019 - 11 - 11), windows(date!(2019 - 12 - 26)));
        assert!(matches!(e, Err(CampaignError::CampaignReversed { .. })));
    }
}
