//! A simulated rig for demos and for running twins without hardware.
//!
//! The model is deliberately simple but has the behaviours an owner watches for: hashrate
//! noise around nominal with a warm-up after boot, a board temperature that follows load and
//! a diurnal ambient with thermal lag, fans that speed up with temperature and occasionally
//! die (and get replaced hours later), and occasional reboots during which the miner does not
//! answer and after which uptime and share counters start again from zero.

use crate::agent::{Sample, TelemetrySource};
use crate::normalise::TelemetryReport;
use std::f64::consts::PI;

/// SplitMix64: tiny, seedable, good enough for noise; keeps `rand` out of the dependency tree.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }

    /// Whether an event with `per_day` expected occurrences happens within `dt` seconds.
    fn happens(&mut self, per_day: f64, dt: f64) -> bool {
        self.unit() < 1.0 - (-per_day * dt / 86_400.0).exp()
    }
}

#[derive(Clone, Debug)]
pub struct SimulatedRig {
    pub nominal_ghs: f64,
    pub nominal_w: f64,
    /// Daily mean of the air the rig breathes, °C.
    pub ambient_mean_c: f64,
    /// Half the day-night swing, °C.
    pub ambient_swing_c: f64,
    pub reboots_per_day: f64,
    pub fan_failures_per_day: f64,
    rng: Rng,
    booted_at: u64,
    down_until: u64,
    temp_c: f64,
    fans: Vec<Fan>,
    accepted: u64,
    rejected: u64,
    last: Option<u64>,
    /// Pool difficulty chosen so a nominal rig finds about ten shares a minute.
    share_difficulty: f64,
}

#[derive(Clone, Debug)]
struct Fan {
    dead_until: Option<u64>,
    /// Manufacturing spread: no two fans spin at the same speed.
    factor: f64,
}

const FANS: usize = 4;
const WARM_UP_S: f64 = 300.0;
const THERMAL_TAU_S: f64 = 240.0;
const THROTTLE_C: f64 = 90.0;

impl SimulatedRig {
    pub fn new(nominal_ghs: u64, nominal_w: u32, seed: u64, now: u64) -> Self {
        let mut rng = Rng::new(seed);
        // Start part-way into a run so that uptimes differ between simulated twins.
        let uptime = (rng.unit() * 3.0 * 86_400.0) as u64;
        let fans = (0..FANS).map(|_| Fan { dead_until: None, factor: 1.0 + 0.03 * rng.normal() }).collect();
        let nominal_ghs = nominal_ghs.max(1) as f64;
        let mut rig = Self {
            nominal_ghs,
            nominal_w: nominal_w as f64,
            ambient_mean_c: 24.0,
            ambient_swing_c: 6.0,
            reboots_per_day: 1.0 / 7.0,
            fan_failures_per_day: 1.0 / 20.0,
            rng,
            booted_at: now.saturating_sub(uptime),
            down_until: 0,
            temp_c: 0.0,
            fans,
            accepted: 0,
            rejected: 0,
            last: None,
            share_difficulty: nominal_ghs * 1e9 * 60.0 / (10.0 * 4_294_967_296.0),
        };
        rig.temp_c = rig.target_temp(now, 1.0);
        let expected = rig.shares_per_s(rig.nominal_ghs) * uptime as f64;
        rig.accepted = expected as u64;
        rig.rejected = (expected * 0.002) as u64;
        rig
    }

    pub fn ambient(&self, now: u64) -> f64 {
        // Warmest mid-afternoon (15:00 UTC), coolest before dawn.
        let hour = (now % 86_400) as f64 / 3600.0;
        self.ambient_mean_c + self.ambient_swing_c * (2.0 * PI * (hour - 9.0) / 24.0).sin()
    }

    fn dead_fans(&self, now: u64) -> usize {
        self.fans.iter().filter(|f| f.dead_until.is_some_and(|t| now < t)).count()
    }

    fn target_temp(&self, now: u64, load: f64) -> f64 {
        // A dead fan costs airflow through every board in the same tunnel.
        self.ambient(now) + 8.0 + 40.0 * load + 9.0 * self.dead_fans(now) as f64
    }

    fn shares_per_s(&self, ghs: f64) -> f64 {
        ghs * 1e9 / (self.share_difficulty * 4_294_967_296.0)
    }

    /// Forces a reboot now; the miner is unreachable for `down_s` seconds.
    pub fn reboot(&mut self, now: u64, down_s: u64) {
        self.down_until = now + down_s;
        self.booted_at = self.down_until;
        self.accepted = 0;
        self.rejected = 0;
    }

    /// Kills fan `index` until `until`.
    pub fn fail_fan(&mut self, index: usize, until: u64) {
        if let Some(f) = self.fans.get_mut(index) {
            f.dead_until = Some(until);
        }
    }

    pub fn sample_at(&mut self, now: u64) -> Result<TelemetryReport, String> {
        let dt = self.last.map_or(60.0, |l| now.saturating_sub(l).min(3600) as f64);
        self.last = Some(now);

        if now >= self.down_until && self.rng.happens(self.reboots_per_day, dt) {
            let down = 120 + (self.rng.unit() * 180.0) as u64;
            self.reboot(now, down);
        }
        if self.rng.happens(self.fan_failures_per_day, dt) {
            let index = (self.rng.unit() * FANS as f64) as usize % FANS;
            // Someone notices and swaps it within two to eight hours.
            let repair = 7200 + (self.rng.unit() * 6.0 * 3600.0) as u64;
            self.fail_fan(index, now + repair);
        }
        if now < self.down_until {
            // Boards are off while rebooting: they cool towards ambient.
            let ambient = self.ambient(now);
            self.temp_c += (ambient - self.temp_c) * (1.0 - (-dt / THERMAL_TAU_S).exp());
            return Err(format!("simulated miner is rebooting (answers again in {} s)", self.down_until - now));
        }

        let uptime = now.saturating_sub(self.booted_at);
        let ramp = (uptime as f64 / WARM_UP_S).min(1.0);
        let throttle = if self.temp_c > THROTTLE_C { 0.85 } else { 1.0 };
        let hashrate = (self.nominal_ghs * ramp * throttle * (1.0 + 0.012 * self.rng.normal())).max(0.0);
        let load = hashrate / self.nominal_ghs;

        let target = self.target_temp(now, load);
        self.temp_c += (target - self.temp_c) * (1.0 - (-dt / THERMAL_TAU_S).exp());
        let board_temp = self.temp_c + 0.3 * self.rng.normal();

        // Fan controller: faster as the boards heat up.
        let duty_rpm = (3000.0 + (board_temp - 55.0) * 150.0).clamp(2500.0, 6600.0);
        let rpms: Vec<f64> = self
            .fans
            .iter()
            .map(|f| if f.dead_until.is_some_and(|t| now < t) { 0.0 } else { duty_rpm * f.factor })
            .collect();
        let fan_rpm = if rpms.contains(&0.0) { 0 } else { (rpms.iter().sum::<f64>() / FANS as f64).round() as u32 };

        // Control board and fans draw a little even with idle hash boards.
        let power = self.nominal_w * (0.06 + 0.94 * load) * (1.0 + 0.004 * self.rng.normal());

        let expected = self.shares_per_s(hashrate) * dt;
        let found = (expected + expected.sqrt() * self.rng.normal()).max(0.0).round() as u64;
        let bad = expected * 0.002;
        let rejected = bad.floor() as u64 + u64::from(self.rng.unit() < bad.fract());
        self.accepted += found.saturating_sub(rejected);
        self.rejected += rejected;

        Ok(TelemetryReport {
            timestamp: now,
            hashrate_ghs: hashrate.round() as u64,
            power_watts: power.max(0.0).round() as u32,
            board_temp_deci_c: (board_temp * 10.0).round() as i16,
            fan_rpm,
            uptime_seconds: uptime.min(u32::MAX as u64) as u32,
            accepted_shares: self.accepted,
            rejected_shares: self.rejected,
        })
    }
}

pub struct SimulatedSource {
    pub rig: SimulatedRig,
    pub label: String,
}

impl TelemetrySource for SimulatedSource {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn sample(&mut self, now: u64) -> Result<Sample, String> {
        let report = self.rig.sample_at(now)?;
        let notes = if report.fan_rpm == 0 {
            vec!["simulated fan failure: reporting fan speed 0".to_string()]
        } else {
            Vec::new()
        };
        Ok(Sample { report, notes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2024-11-25T00:00:00Z
    const MIDNIGHT: u64 = 1_732_492_800;

    fn quiet(seed: u64) -> SimulatedRig {
        let mut rig = SimulatedRig::new(200_000, 3500, seed, MIDNIGHT);
        rig.reboots_per_day = 0.0;
        rig.fan_failures_per_day = 0.0;
        rig
    }

    #[test]
    fn hashrate_and_power_stay_near_nominal() {
        let mut rig = quiet(1);
        for step in 0..(2 * 1440) {
            let r = rig.sample_at(MIDNIGHT + 60 * step).unwrap();
            assert!((180_000..=220_000).contains(&r.hashrate_ghs), "{r:?}");
            assert!((3150..=3850).contains(&r.power_watts), "{r:?}");
            assert!((550..=950).contains(&r.board_temp_deci_c), "{r:?}");
            assert!(r.fan_rpm > 2000, "{r:?}");
        }
    }

    #[test]
    fn afternoons_run_hotter_than_nights() {
        let mut rig = quiet(2);
        let mut at = |hour: u64| {
            (0..30)
                .map(|m| rig.sample_at(MIDNIGHT + hour * 3600 + 60 * m).unwrap().board_temp_deci_c as f64)
                .sum::<f64>()
                / 30.0
        };
        let night = at(3);
        let afternoon = at(15);
        assert!(afternoon - night > 80.0, "night {night}, afternoon {afternoon}");
    }

    #[test]
    fn reboot_makes_the_miner_unreachable_then_resets_uptime_and_shares() {
        let mut rig = quiet(3);
        let before = rig.sample_at(MIDNIGHT + 60).unwrap();
        assert!(before.uptime_seconds > 0);
        rig.reboot(MIDNIGHT + 120, 180);
        assert!(rig.sample_at(MIDNIGHT + 180).unwrap_err().contains("rebooting"));
        let after = rig.sample_at(MIDNIGHT + 360).unwrap();
        assert_eq!(after.uptime_seconds, 60);
        assert!(after.accepted_shares < before.accepted_shares);
        // Still warming up one minute after boot.
        assert!(after.hashrate_ghs < 100_000, "{after:?}");
    }

    #[test]
    fn dead_fan_reports_zero_and_heats_the_boards() {
        let mut rig = quiet(4);
        let mut t = MIDNIGHT;
        let mut healthy = 0;
        for _ in 0..30 {
            t += 60;
            healthy = rig.sample_at(t).unwrap().board_temp_deci_c;
        }
        rig.fail_fan(2, t + 3600);
        let mut hot = rig.sample_at(t + 60).unwrap();
        for k in 2..30 {
            hot = rig.sample_at(t + 60 * k).unwrap();
            assert_eq!(hot.fan_rpm, 0);
        }
        assert!(hot.board_temp_deci_c > healthy + 50, "{healthy} -> {}", hot.board_temp_deci_c);
        assert!(rig.sample_at(t + 3700).unwrap().fan_rpm > 0, "fan replaced");
    }

    #[test]
    fn random_events_happen_over_a_month() {
        let mut rig = SimulatedRig::new(95_000, 3250, 5, MIDNIGHT);
        let (mut unreachable, mut fan_zero, mut resets) = (0, 0, 0);
        let mut last_uptime = 0;
        for step in 0..(30 * 1440) {
            match rig.sample_at(MIDNIGHT + 60 * step) {
                Err(_) => unreachable += 1,
                Ok(r) => {
                    fan_zero += u32::from(r.fan_rpm == 0);
                    resets += u32::from(r.uptime_seconds < last_uptime);
                    last_uptime = r.uptime_seconds;
                }
            }
        }
        assert!(unreachable > 0 && resets > 0 && fan_zero > 0, "{unreachable} {resets} {fan_zero}");
        // But the rig is up nearly all the time.
        assert!(unreachable < 30 * 1440 / 100);
    }

    #[test]
    fn same_seed_same_rig() {
        let (mut a, mut b) = (SimulatedRig::new(1000, 100, 9, MIDNIGHT), SimulatedRig::new(1000, 100, 9, MIDNIGHT));
        for s in 1..100 {
            assert_eq!(a.sample_at(MIDNIGHT + 60 * s), b.sample_at(MIDNIGHT + 60 * s));
        }
    }
}
