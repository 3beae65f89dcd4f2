use std::fmt;

use super::Address;

/// A rig as minted: fixed for the life of its twin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RigSpec {
    pub manufacturer: String,
    pub model: String,
    pub serial_hash: [u8; 32],
    pub hashrate_ghs: u64,
    pub power_watts: u32,
    pub location: String,
    /// Unix seconds.
    pub commissioned_at: u64,
}

/// The largest nameplate `TwinRegistry` accepts: 100 EH/s and 1 GW, room for a whole farm.
pub const MAX_HASHRATE_GHS: u64 = 100_000_000_000;
pub const MAX_POWER_WATTS: u32 = 1_000_000_000;

/// `TwinRegistry`'s plausible efficiency band, in J/TH: from beyond today's best ASICs to the oldest
/// ones still worth running.
pub const MIN_JOULES_PER_TH: u64 = 5;
pub const MAX_JOULES_PER_TH: u64 = 200;

/// Joules per terahash, the figure miners compare rigs by; `None` without hashrate.
pub fn efficiency_j_per_th(hashrate_ghs: u64, power_watts: u32) -> Option<f64> {
    (hashrate_ghs > 0).then(|| f64::from(power_watts) * 1_000.0 / hashrate_ghs as f64)
}

/// Whether the efficiency lies in the band the registry accepts, compared in integers exactly as
/// the contract does (W × 1000 against J/TH × GH/s), so that no rounding lets a refused spec through.
pub fn plausible_efficiency(hashrate_ghs: u64, power_watts: u32) -> bool {
    let milliwatts_per_ghs = u128::from(power_watts) * 1_000;
    let hashrate = u128::from(hashrate_ghs);
    hashrate > 0
        && milliwatts_per_ghs >= u128::from(MIN_JOULES_PER_TH) * hashrate
        && milliwatts_per_ghs <= u128::from(MAX_JOULES_PER_TH) * hashrate
}

impl RigSpec {
    pub fn terahash(&self) -> f64 {
        self.hashrate_ghs as f64 / 1_000.0
    }

    /// Joules per terahash, the figure miners compare rigs by; `None` for a rig with no hashrate.
    pub fn efficiency_j_per_th(&self) -> Option<f64> {
        efficiency_j_per_th(self.hashrate_ghs, self.power_watts)
    }

    pub fn display_name(&self) -> String {
        display_name(&self.manufacturer, &self.model)
    }
}

/// "Bitmain Antminer S21", unless the model already names its maker.
pub fn display_name(manufacturer: &str, model: &str) -> String {
    if model.to_lowercase().starts_with(&manufacturer.to_lowercase()) {
        model.to_string()
    } else {
        format!("{manufacturer} {model}")
    }
}

/// A minted twin and the roles around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Twin {
    pub id: u64,
    pub operator: Address,
    pub reporter: Address,
    pub royalty_bps: u16,
    pub spec: RigSpec,
}

impl Twin {
    pub fn royalty_percent(&self) -> f64 {
        self.royalty_bps as f64 / 100.0
    }
}

/// Where a rig stands in its life, numbered as `TwinRegistry.Status` numbers it on chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum TwinStatus {
    /// What every twin is minted as.
    #[default]
    Active,
    Offline,
    /// Final: the contract refuses any change of status after it, and any telemetry.
    Decommissioned,
}

impl TwinStatus {
    pub const ALL: [TwinStatus; 3] = [TwinStatus::Active, TwinStatus::Offline, TwinStatus::Decommissioned];

    /// The contract's enum as ABI-decoded; `None` for a value only a newer contract could return.
    pub fn from_u8(value: u8) -> Option<Self> {
        Self::ALL.get(usize::from(value)).copied()
    }

    /// The words the on-chain metadata uses (`TwinMetadata.statusName`), so that the app and the
    /// wallets showing a twin's attributes agree.
    pub fn label(self) -> &'static str {
        match self {
            TwinStatus::Active => "Active",
            TwinStatus::Offline => "Offline",
            TwinStatus::Decommissioned => "Decommissioned",
        }
    }
}

impl fmt::Display for TwinStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// "200 TH/s", "1.25 PH/s": hashrates span six orders of magnitude across rigs and farms.
pub fn format_hashrate(hashrate_ghs: u64) -> String {
    const UNITS: [(&str, f64); 4] = [("EH/s", 1e9), ("PH/s", 1e6), ("TH/s", 1e3), ("GH/s", 1.0)];
    let ghs = hashrate_ghs as f64;
    let (unit, scale) = UNITS.iter().find(|(_, scale)| ghs >= *scale).copied().unwrap_or(UNITS[3]);
    trim_decimals(ghs / scale, unit)
}

/// Power in W below 10 kW, kW above: "3500 W", "12.5 kW".
pub fn format_power(watts: u64) -> String {
    if watts < 10_000 {
        format!("{watts} W")
    } else {
        trim_decimals(watts as f64 / 1_000.0, "kW")
    }
}

fn trim_decimals(value: f64, unit: &str) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s19j_pro() -> RigSpec {
        RigSpec {
            manufacturer: "Bitmain".into(),
            model: "Antminer S19j Pro".into(),
            serial_hash: [7; 32],
            hashrate_ghs: 104_000,
            power_watts: 3_068,
            location: "Hernando, Paraguay".into(),
            commissioned_at: 1_630_454_400,
        }
    }

    #[test]
    fn efficiency_is_watts_per_terahash() {
        let efficiency = s19j_pro().efficiency_j_per_th().unwrap();
        assert!((efficiency - 29.5).abs() < 1e-9, "{efficiency}");
    }

    #[test]
    fn the_efficiency_band_is_the_registrys_inclusive_bounds() {
        // 200 TH/s: 1000 W is 5 J/TH, 40000 W is 200 J/TH.
        assert!(plausible_efficiency(200_000, 1_000));
        assert!(!plausible_efficiency(200_000, 999));
        assert!(plausible_efficiency(200_000, 40_000));
        assert!(!plausible_efficiency(200_000, 40_001));
        assert!(!plausible_efficiency(0, 3_500));
        assert!(plausible_efficiency(MAX_HASHRATE_GHS, MAX_POWER_WATTS));
        assert!(plausible_efficiency(104_000, 3_068));
    }

    #[test]
    fn efficiency_is_undefined_without_hashrate() {
        let spec = RigSpec { hashrate_ghs: 0, ..s19j_pro() };
        assert_eq!(spec.efficiency_j_per_th(), None);
    }

    #[test]
    fn display_name_adds_the_maker_once() {
        assert_eq!(s19j_pro().display_name(), "Bitmain Antminer S19j Pro");
        let spec = RigSpec { model: "bitmain S21".into(), ..s19j_pro() };
        assert_eq!(spec.display_name(), "bitmain S21");
    }

    #[test]
    fn status_follows_the_contract_numbering() {
        assert_eq!(TwinStatus::from_u8(0), Some(TwinStatus::Active));
        assert_eq!(TwinStatus::from_u8(1), Some(TwinStatus::Offline));
        assert_eq!(TwinStatus::from_u8(2), Some(TwinStatus::Decommissioned));
        assert_eq!(TwinStatus::from_u8(3), None);
        assert_eq!(TwinStatus::default(), TwinStatus::Active);
        for (number, status) in TwinStatus::ALL.into_iter().enumerate() {
            assert_eq!(status as usize, number);
        }
    }

    #[test]
    fn status_reads_like_the_on_chain_metadata() {
        assert_eq!(TwinStatus::Decommissioned.to_string(), "Decommissioned");
        assert_eq!(TwinStatus::Offline.label(), "Offline");
    }

    #[test]
    fn hashrate_picks_the_largest_whole_unit() {
        assert_eq!(format_hashrate(104_000), "104 TH/s");
        assert_eq!(format_hashrate(1_250_000), "1.25 PH/s");
        assert_eq!(format_hashrate(3_000_000_000), "3 EH/s");
        assert_eq!(format_hashrate(850), "850 GH/s");
        assert_eq!(format_hashrate(0), "0 GH/s");
    }

    #[test]
    fn power_switches_to_kilowatts_for_large_loads() {
        assert_eq!(format_power(3_068), "3068 W");
        assert_eq!(format_power(12_500), "12.5 kW");
    }
}
