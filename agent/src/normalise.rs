//! Turns raw miner replies into the registry's `TelemetryReport`.
//!
//! Decisions, documented here because the chain only has one number per quantity:
//! - hashrate: the miner's current rate (`GHS 5s`, Whatsminer `MHS 5s` / 1000), falling back
//!   to the average since start when the current rate is missing.
//! - board temperature: the hottest hash-board sensor the miner reports (chip or PCB), over all
//!   boards, in 0.1 °C. Zero readings are empty chain slots, not real temperatures.
//! - fans: the mean of the fans; but if any fan the miner says it has reads 0 rpm the report
//!   carries 0, because a mean would hide one dead fan among four and a stopped fan is the
//!   failure the twin's owner needs to see.
//! - power: what the miner reports if it does (Whatsminer always; some Antminer firmware),
//!   else an estimate from the rig's nominal power, scaled by hashrate when the nominal hashrate
//!   is known. `power = "estimate"` in the config forces the estimate.

use crate::miner_api::MinerReplies;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// Mirrors `TwinRegistry.TelemetryReport` field for field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelemetryReport {
    pub timestamp: u64,
    pub hashrate_ghs: u64,
    pub power_watts: u32,
    pub board_temp_deci_c: i16,
    pub fan_rpm: u32,
    pub uptime_seconds: u32,
    pub accepted_shares: u64,
    pub rejected_shares: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MinerKind {
    Antminer,
    Whatsminer,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PowerSource {
    /// The miner's own figure when it reports one, else the estimate.
    #[default]
    Auto,
    /// Always the estimate (for firmware whose power figure is known to be wrong).
    Estimate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PowerModel {
    pub nominal_power_w: u32,
    pub nominal_hashrate_ghs: Option<u64>,
    pub source: PowerSource,
}

impl PowerModel {
    /// Hash boards draw roughly in proportion to the work they do; clamped so a misconfigured
    /// nominal hashrate cannot produce absurd wattage.
    pub fn estimate(&self, hashrate_ghs: f64) -> u32 {
        match self.nominal_hashrate_ghs {
            Some(nominal) if nominal > 0 => {
                let ratio = (hashrate_ghs / nominal as f64).clamp(0.0, 1.25);
                (self.nominal_power_w as f64 * ratio).round() as u32
            }
            _ => self.nominal_power_w,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Normalised {
    pub report: TelemetryReport,
    /// Worth a log line each: estimated power, dead fans, missing fields.
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NormaliseError {
    MissingSummary,
    MissingHashrate,
}

impl fmt::Display for NormaliseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NormaliseError::MissingSummary => write!(f, "reply to `summary` has no SUMMARY object"),
            NormaliseError::MissingHashrate => write!(f, "SUMMARY has no hashrate field"),
        }
    }
}

impl std::error::Error for NormaliseError {}

pub fn normalise(
    kind: MinerKind,
    replies: &MinerReplies,
    power: &PowerModel,
    timestamp: u64,
) -> Result<Normalised, NormaliseError> {
    let summary = first_object(&replies.summary, "SUMMARY").ok_or(NormaliseError::MissingSummary)?;
    let mut notes = Vec::new();
    let (hashrate, reported_power, temp_c, fans) = match kind {
        MinerKind::Antminer => antminer(summary, replies, &mut notes)?,
        MinerKind::Whatsminer => whatsminer(summary, replies)?,
    };

    let power_watts = match (power.source, reported_power) {
        (PowerSource::Auto, Some(w)) if w > 0.0 => w.round() as u32,
        _ => {
            let estimate = power.estimate(hashrate);
            notes.push("power not reported by the miner; estimating from nominal power".into());
            estimate
        }
    };

    let board_temp_deci_c = match temp_c {
        Some(t) => (t * 10.0).round().clamp(i16::MIN as f64, i16::MAX as f64) as i16,
        None => {
            notes.push("no board temperature in the replies; reporting 0".into());
            0
        }
    };

    let fan_rpm = if fans.is_empty() {
        notes.push("no fan speeds in the replies; reporting 0".into());
        0
    } else if let Some(i) = fans.iter().position(|&rpm| rpm <= 0.0) {
        notes.push(format!("fan {} reports 0 rpm; reporting fan speed 0 as a failure signal", i + 1));
        0
    } else {
        (fans.iter().sum::<f64>() / fans.len() as f64).round() as u32
    };

    let (accepted, rejected) = shares(summary, replies.pools.as_ref());
    let uptime = number(summary.get("Elapsed")).unwrap_or(0.0);

    Ok(Normalised {
        report: TelemetryReport {
            timestamp,
            hashrate_ghs: hashrate.max(0.0).round() as u64,
            power_watts,
            board_temp_deci_c,
            fan_rpm,
            uptime_seconds: uptime.clamp(0.0, u32::MAX as f64) as u32,
            accepted_shares: accepted,
            rejected_shares: rejected,
        },
        notes,
    })
}

type Readings = (f64, Option<f64>, Option<f64>, Vec<f64>);

fn antminer(
    summary: &Map<String, Value>,
    replies: &MinerReplies,
    notes: &mut Vec<String>,
) -> Result<Readings, NormaliseError> {
    let stats: Vec<&Map<String, Value>> = replies
        .stats
        .as_ref()
        .and_then(|s| s.get("STATS"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    if replies.stats.is_some() && stats.is_empty() {
        notes.push("reply to `stats` has no STATS objects".into());
    }

    let hashrate = number(summary.get("GHS 5s"))
        .or_else(|| number(summary.get("GHS av")))
        .or_else(|| stats.iter().find_map(|s| number(s.get("GHS 5s"))))
        .ok_or(NormaliseError::MissingHashrate)?;

    let mut hottest: Option<f64> = None;
    let mut fans = Vec::new();
    let mut power = None;
    for s in &stats {
        for (key, value) in s.iter() {
            if is_board_temp_key(key) {
                for t in temperatures(value) {
                    hottest = Some(hottest.map_or(t, |h: f64| h.max(t)));
                }
            }
        }
        fans.extend(antminer_fans(s));
        power = power.or_else(|| antminer_power(s));
    }
    if hottest.is_none() {
        hottest = stats.iter().find_map(|s| number(s.get("temp_max"))).filter(|t| *t > 0.0);
    }
    Ok((hashrate, power, hottest, fans))
}

/// `temp_chipN`, `temp_pcbN`, `temp2_N` (S9-era chip sensors) and plain `tempN` (PCB).
fn is_board_temp_key(key: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    ["temp_chip", "temp_pcb", "temp2_", "temp"].iter().any(|prefix| key.strip_prefix(prefix).is_some_and(digits))
}

/// A reading is a number, a numeric string, or S19-style `"59-57-73-71"` (one per sensor).
fn temperatures(value: &Value) -> Vec<f64> {
    let raw: Vec<f64> = match value {
        Value::String(s) => s.split('-').filter_map(|p| p.trim().parse::<f64>().ok()).collect(),
        other => number(Some(other)).into_iter().collect(),
    };
    // 0 is an empty chain slot; above 150 °C is a sensor fault, not a temperature.
    raw.into_iter().filter(|t| *t > 0.0 && *t < 150.0).collect()
}

/// Fans `fan1..fanN`. With `fan_num`, only the first `fan_num` slots are real fans (S9-era
/// firmware lists eight slots and zeroes the unpopulated ones); without it, zero slots cannot
/// be told from dead fans, so they are treated as empty.
fn antminer_fans(stats: &Map<String, Value>) -> Vec<f64> {
    let mut slots: Vec<(u32, f64)> = stats
        .iter()
        .filter_map(|(k, v)| {
            let n = k.strip_prefix("fan")?.parse::<u32>().ok()?;
            Some((n, number(Some(v))?))
        })
        .collect();
    slots.sort_by_key(|(n, _)| *n);
    match number(stats.get("fan_num")) {
        Some(count) => slots.into_iter().filter(|(n, _)| (*n as f64) <= count).map(|(_, rpm)| rpm).collect(),
        None => slots.into_iter().map(|(_, rpm)| rpm).filter(|rpm| *rpm > 0.0).collect(),
    }
}

/// Stock Antminer firmware often reports no power at all; some builds and third-party
/// firmware do, under one of these names or as per-chain `chain_powerN`.
fn antminer_power(stats: &Map<String, Value>) -> Option<f64> {
    for key in ["Power", "power", "total_power", "chain_power", "Power_RT"] {
        if let Some(w) = number(stats.get(key)).filter(|w| *w > 0.0) {
            return Some(w);
        }
    }
    let per_chain: Vec<f64> = stats
        .iter()
        .filter(|(k, _)| k.strip_prefix("chain_power").is_some_and(|n| n.parse::<u32>().is_ok()))
        .filter_map(|(_, v)| number(Some(v)))
        .collect();
    let total: f64 = per_chain.iter().sum();
    (total > 0.0).then_some(total)
}

fn whatsminer(summary: &Map<String, Value>, replies: &MinerReplies) -> Result<Readings, NormaliseError> {
    let mhs = number(summary.get("MHS 5s"))
        .or_else(|| number(summary.get("MHS av")))
        .ok_or(NormaliseError::MissingHashrate)?;
    // Power_RT is the live reading on newer firmware; Power is the older (and on some builds
    // averaged) figure.
    let power = number(summary.get("Power_RT")).filter(|w| *w > 0.0).or_else(|| number(summary.get("Power")));

    let mut temps: Vec<f64> = ["Temperature", "Chip Temp Max"].iter().filter_map(|k| number(summary.get(*k))).collect();
    if let Some(devs) = replies.devs.as_ref().and_then(|d| d.get("DEVS")).and_then(Value::as_array) {
        for dev in devs.iter().filter_map(Value::as_object) {
            temps.extend(["Temperature", "Chip Temp Max"].iter().filter_map(|k| number(dev.get(*k))));
        }
    }
    let hottest = temps
        .into_iter()
        .filter(|t| *t > 0.0 && *t < 150.0)
        .fold(None, |acc: Option<f64>, t| Some(acc.map_or(t, |a| a.max(t))));

    let fans: Vec<f64> = ["Fan Speed In", "Fan Speed Out"].iter().filter_map(|k| number(summary.get(*k))).collect();
    Ok((mhs / 1000.0, power, hottest, fans))
}

/// Summary counters, or the sum over pools when the summary lacks them.
fn shares(summary: &Map<String, Value>, pools: Option<&Value>) -> (u64, u64) {
    let from_pools = |key: &str| -> Option<f64> {
        let list = pools?.get("POOLS")?.as_array()?;
        Some(list.iter().filter_map(|p| number(p.get(key))).sum())
    };
    let count = |key: &str| number(summary.get(key)).or_else(|| from_pools(key)).unwrap_or(0.0).max(0.0) as u64;
    (count("Accepted"), count("Rejected"))
}

fn first_object<'a>(reply: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    reply.get(key)?.as_array()?.first()?.as_object()
}

/// Miners print numbers as JSON numbers or as strings, sometimes with a unit (`"3250 W"`).
pub fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let s = s.trim();
            let end = s
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
                .unwrap_or(s.len());
            s[..end].trim().parse::<f64>().ok().filter(|f| f.is_finite())
        }
        Value::Bool(_) | Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model(w: u32, ghs: Option<u64>) -> PowerModel {
        PowerModel { nominal_power_w: w, nominal_hashrate_ghs: ghs, source: PowerSource::Auto }
    }

    fn summary(fields: Value) -> Value {
        json!({"STATUS":[{"STATUS":"S"}],"SUMMARY":[fields],"id":1})
    }

    #[test]
    fn numbers_come_as_numbers_strings_and_units() {
        assert_eq!(number(Some(&json!(12.5))), Some(12.5));
        assert_eq!(number(Some(&json!("94817.62"))), Some(94817.62));
        assert_eq!(number(Some(&json!("3250 W"))), Some(3250.0));
        assert_eq!(number(Some(&json!(""))), None);
        assert_eq!(number(None), None);
    }

    #[test]
    fn antminer_power_field_in_stats_wins_over_estimate() {
        let replies = MinerReplies {
            summary: summary(json!({"GHS 5s": 100000.0, "Elapsed": 10, "Accepted": 1, "Rejected": 0})),
            stats: Some(
                json!({"STATS":[{"Type":"Antminer S21"},{"STATS":0,"fan_num":2,"fan1":4000,"fan2":4100,"temp_chip1":"60-61-70-71","chain_power":"3480 W"}]}),
            ),
            ..Default::default()
        };
        let n = normalise(MinerKind::Antminer, &replies, &model(3500, Some(200_000)), 5).unwrap();
        assert_eq!(n.report.power_watts, 3480);
        assert_eq!(n.report.fan_rpm, 4050);
        assert_eq!(n.report.board_temp_deci_c, 710);
        assert!(n.notes.is_empty(), "{:?}", n.notes);

        let forced = PowerModel { source: PowerSource::Estimate, ..model(3500, Some(200_000)) };
        let n = normalise(MinerKind::Antminer, &replies, &forced, 5).unwrap();
        assert_eq!(n.report.power_watts, 1750);
    }

    #[test]
    fn s9_style_stats_use_temp2_and_fan_num() {
        let replies = MinerReplies {
            summary: summary(json!({"GHS 5s": "13940.38", "GHS av": 13500.1, "Elapsed": 3600})),
            stats: Some(
                json!({"STATS":[{"Type":"Antminer S9"},{"fan_num":2,"fan1":0,"fan2":0,"fan3":5880,"fan4":0,"fan5":0,"fan6":6000,"temp6":55,"temp7":57,"temp8":0,"temp2_6":71,"temp2_7":74,"temp2_8":0}]}),
            ),
            ..Default::default()
        };
        // fan_num says two fans; the first two slots read 0 here, so it is a failure.
        let n = normalise(MinerKind::Antminer, &replies, &model(1323, None), 5).unwrap();
        assert_eq!(n.report.hashrate_ghs, 13940);
        assert_eq!(n.report.board_temp_deci_c, 740);
        assert_eq!(n.report.power_watts, 1323);
        assert_eq!(n.report.fan_rpm, 0);
    }

    #[test]
    fn fans_without_fan_num_ignore_empty_slots() {
        let stats = json!({"fan1":0,"fan2":5000,"fan3":5200,"fan4":0});
        assert_eq!(antminer_fans(stats.as_object().unwrap()), vec![5000.0, 5200.0]);
    }

    #[test]
    fn missing_summary_and_hashrate_are_errors() {
        let replies = MinerReplies { summary: json!({"STATUS":[{"STATUS":"S"}]}), ..Default::default() };
        assert_eq!(normalise(MinerKind::Whatsminer, &replies, &model(1, None), 0), Err(NormaliseError::MissingSummary));
        let replies = MinerReplies { summary: summary(json!({"Elapsed": 1})), ..Default::default() };
        assert_eq!(normalise(MinerKind::Antminer, &replies, &model(1, None), 0), Err(NormaliseError::MissingHashrate));
    }

    #[test]
    fn shares_fall_back_to_pools() {
        let replies = MinerReplies {
            summary: summary(json!({"MHS 5s": 1000.0})),
            pools: Some(json!({"POOLS":[{"Accepted":10,"Rejected":1},{"Accepted":5,"Rejected":0}]})),
            ..Default::default()
        };
        let n = normalise(MinerKind::Whatsminer, &replies, &model(100, None), 0).unwrap();
        assert_eq!((n.report.accepted_shares, n.report.rejected_shares), (15, 1));
        assert_eq!(n.report.hashrate_ghs, 1);
    }

    #[test]
    fn estimate_scales_with_hashrate_and_is_clamped() {
        let m = model(3250, Some(95_000));
        assert_eq!(m.estimate(94_817.62), 3244);
        assert_eq!(m.estimate(0.0), 0);
        assert_eq!(m.estimate(1e9), 4063);
        assert_eq!(model(3250, None).estimate(1.0), 3250);
    }
}
