//! The form to draw a sample (抽取回访样本): who is in the population (projects, streets/towns,
//! implementing units, method), how big the sample is (formula, fixed number or percentage), how it is
//! stratified, the callers and the seed. Read from the posted pairs, checked with a Chinese message per
//! field, and echoed back as typed when refused.

use yikou_domain::followup::{SizeRule, Strata};
use yikou_domain::pay::PayMethod;
use yikou_store::followup::{SampleFilter, SampleParams};

/// The form as typed (strings, so that a refused form comes back exactly as it was).
#[derive(Debug, Clone)]
pub struct DrawForm {
    pub strata: String,
    /// formula | fixed | percent
    pub mode: String,
    pub confidence: String,
    pub margin: String,
    pub design_factor: String,
    pub size: String,
    pub percent: String,
    pub min: String,
    pub callers: String,
    pub seed: String,
    pub method: String,
    pub projects: Vec<i64>,
    pub streets: Vec<String>,
    pub units: Vec<String>,
}

impl DrawForm {
    /// The defaults: by street/town, 95 % and 5 % with a design factor of 1.5, two per stratum, today's
    /// date as the seed.
    pub fn new() -> DrawForm {
        DrawForm {
            strata: "street".into(),
            mode: "formula".into(),
            confidence: "95".into(),
            margin: "5".into(),
            design_factor: "1.5".into(),
            size: String::new(),
            percent: String::new(),
            min: "2".into(),
            callers: String::new(),
            seed: yikou_domain::today().to_string().replace('-', ""),
            method: String::new(),
            projects: Vec::new(),
            streets: Vec::new(),
            units: Vec::new(),
        }
    }

    pub fn from_pairs(f: &[(String, String)]) -> DrawForm {
        let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
        let all = |k: &str| {
            f.iter()
                .filter(|(n, v)| n == k && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_string())
                .collect::<Vec<_>>()
        };
        // Left out: the defaults (a size without a mode is a fixed size).
        let or = |k: &str, d: &str| Some(get(k)).filter(|v| !v.is_empty()).unwrap_or_else(|| d.to_string());
        let mode = if get("size").is_empty() { "formula" } else { "fixed" };
        DrawForm {
            strata: or("strata", "street"),
            mode: or("mode", mode),
            confidence: or("confidence", "95"),
            margin: or("margin", "5"),
            design_factor: or("design_factor", "1.5"),
            size: get("size"),
            percent: get("percent"),
            min: get("min"),
            callers: get("callers"),
            seed: get("seed"),
            method: get("method"),
            projects: all("project").iter().filter_map(|v| v.parse().ok()).collect(),
            streets: all("street"),
            units: all("unit"),
        }
    }

    /// The parameters, or what is wrong (naming the field and what to write).
    pub fn params(&self) -> Result<SampleParams, String> {
        let number = |text: &str, what: &str, low: f64, high: f64| -> Result<f64, String> {
            let text = if text.is_empty() { "" } else { text.trim_end_matches(['%', '％']) };
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() && x > low && x <= high => Ok(x),
                _ => Err(format!("{what}须为大于{low}、不超过{high}的数字")),
            }
        };
        // A number typed beside an option not chosen: say so rather than guess.
        match self.mode.as_str() {
            "fixed" | "percent" => {}
            _ if !self.size.is_empty() => {
                return Err("填写了固定样本量，但选择的是“按公式计算”：请选择“固定人数”，或清空样本量".into())
            }
            _ if !self.percent.is_empty() => {
                return Err("填写了抽取比例，但选择的是“按公式计算”：请选择“按比例”，或清空抽取比例".into())
            }
            _ => {}
        }
        let size = match self.mode.as_str() {
            "fixed" => match self.size.parse::<u64>() {
                Ok(n) if n > 0 => SizeRule::Fixed(n),
                _ => return Err("固定样本量须为正整数（如 300）".into()),
            },
            "percent" => SizeRule::Percent(number(&self.percent, "抽取比例（%）", 0.0, 100.0)?),
            _ => {
                let confidence = number(&self.confidence, "置信水平（%）", 50.0, 99.99)?;
                let margin = number(&self.margin, "允许误差（%）", 0.0, 50.0)?;
                let design_factor = number(&self.design_factor, "设计效应", 0.0, 10.0)?;
                if design_factor < 1.0 {
                    return Err("设计效应不应小于1（分层抽样通常取1.5）".into());
                }
                SizeRule::Formula { confidence, margin, design_factor }
            }
        };
        let min_per_stratum = match self.min.as_str() {
            "" => 2,
            m => m.parse::<u64>().map_err(|_| "每层至少抽取的人数须为整数（通常为2）".to_string())?,
        };
        let Ok(seed) = self.seed.parse::<u64>() else {
            return Err("随机种子须为数字（如今天的日期 20200120），记下它即可重抽同一样本".into());
        };
        let method = match self.method.as_str() {
            "" => None,
            m => Some(PayMethod::from_code(m).ok_or_else(|| format!("不认识的发放方式“{m}”"))?),
        };
        Ok(SampleParams {
            filter: SampleFilter {
                projects: self.projects.clone(),
                streets: self.streets.clone(),
                units: self.units.clone(),
                method,
            },
            size,
            strata: Strata::from_code(&self.strata).ok_or("请选择分层方式")?,
            min_per_stratum,
            seed,
            callers: self
                .callers
                .split([',', '，', '、', ' '])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect(),
        })
    }
}

impl Default for DrawForm {
    fn default() -> Self {
        DrawForm::new()
    }
}

/// The filters in words (a sample's page says who was in the population).
pub fn describe_filter(
    f: &SampleFilter,
    project_name: impl Fn(i64) -> String,
    unit_name: impl Fn(&str) -> String,
) -> String {
    let mut parts = Vec::new();
    if !f.projects.is_empty() {
        parts.push(format!("项目：{}", f.projects.iter().map(|p| project_name(*p)).collect::<Vec<_>>().join("、")));
    }
    if !f.streets.is_empty() {
        parts.push(format!("街镇：{}", f.streets.iter().map(|s| unit_name(s)).collect::<Vec<_>>().join("、")));
    }
    if !f.units.is_empty() {
        parts.push(format!("实施单位：{}", f.units.iter().map(|s| unit_name(s)).collect::<Vec<_>>().join("、")));
    }
    if let Some(m) = f.method {
        parts.push(format!("发放方式：{}", m.label()));
    }
    if parts.is_empty() {
        "本次活动全部已发放记录".into()
    } else {
        parts.join("；")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_posted_form_becomes_the_parameters_with_its_filters_and_size_rule() {
        let f = DrawForm::from_pairs(&pairs(&[
            ("strata", "street,project"),
            ("mode", "percent"),
            ("percent", "5%"),
            ("min", "3"),
            ("seed", "2020"),
            ("method", "bank"),
            ("project", "4"),
            ("project", "7"),
            ("street", "S01"),
            ("unit", "MZ"),
            ("callers", "caller，caller2"),
        ]));
        let p = f.params().unwrap();
        assert_eq!(p.size, SizeRule::Percent(5.0));
        assert_eq!(p.strata, Strata::Both);
        assert_eq!((p.min_per_stratum, p.seed), (3, 2020));
        assert_eq!(p.filter.projects, vec![4, 7]);
        assert_eq!(p.filter.streets, vec!["S01".to_string()]);
        assert_eq!(p.filter.units, vec!["MZ".to_string()]);
        assert_eq!(p.filter.method, Some(PayMethod::Bank));
        assert_eq!(p.callers, vec!["caller".to_string(), "caller2".to_string()]);
    }

    #[test]
    fn each_bad_field_is_named_in_chinese() {
        let with = |k: &str, v: &str| {
            let mut p = pairs(&[
                ("strata", "street"),
                ("seed", "1"),
                ("confidence", "95"),
                ("margin", "5"),
                ("design_factor", "1.5"),
            ]);
            p.retain(|(n, _)| n != k);
            p.push((k.into(), v.into()));
            DrawForm::from_pairs(&p).params().unwrap_err()
        };
        assert!(with("seed", "abc").contains("随机种子"));
        assert!(with("margin", "0").contains("允许误差"));
        assert!(with("confidence", "120").contains("置信水平"));
        assert!(with("design_factor", "0.5").contains("设计效应"));
        assert!(with("strata", "x").contains("分层"));
        assert!(with("method", "cheque").contains("cheque"));
        let mut f = DrawForm::new();
        f.mode = "fixed".into();
        f.size = "-3".into();
        assert!(f.params().unwrap_err().contains("固定样本量"));
        assert!(DrawForm::new().params().is_ok(), "the defaults draw");
        let mut f = DrawForm::new();
        f.percent = "5".into();
        assert!(f.params().unwrap_err().contains("请选择“按比例”"), "a percentage typed beside the formula");
        // Fields left out take the defaults; a size alone is a fixed size.
        let bare = DrawForm::from_pairs(&pairs(&[("seed", "7")])).params().unwrap();
        assert_eq!(bare.size, SizeRule::Formula { confidence: 95.0, margin: 5.0, design_factor: 1.5 });
        assert_eq!((bare.strata, bare.min_per_stratum), (Strata::Street, 2));
        let sized = DrawForm::from_pairs(&pairs(&[("seed", "7"), ("size", "30")])).params().unwrap();
        assert_eq!(sized.size, SizeRule::Fixed(30));
    }
}
