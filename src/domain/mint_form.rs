//! The mint form, checked before any wallet opens: a refused transaction costs the operator a
//! signature and, on some wallets, gas; a message next to the field costs nothing. And a mint is
//! two transactions (commit, then reveal a block later), so a form the registry would refuse at
//! the reveal would waste the first one too.
//!
//! The checks mirror `TwinRegistry.mint` (`EmptyManufacturer`, `EmptyModel`, `SpecTextTooLong`,
//! `SerialNotCanonical`, `HashrateOutOfRange`, `PowerOutOfRange`, `ImplausibleEfficiency`,
//! `ZeroReporter`, `RoyaltyTooHigh`, `SerialAlreadyRegistered`, and for the earning terms
//! `ServiceFeeTooHigh`, `TariffTooHigh`, `SettlementPeriodOutOfRange`, `GracePeriodTooLong`) and
//! `TwinMarket.list` (`ZeroPrice`, `PriceTooHigh`), plus what the contracts cannot see: typos in a
//! checksummed address, dates in the future.
//!
//! The earning terms matter more than anything else on the form: the registry fixes them at mint
//! and nobody can change them afterwards, so the form says what they mean in figures before the
//! operator commits to them.

use serde::{Deserialize, Serialize};

use super::address::parse_typed;
use super::calendar::{Date, DateError, SECONDS_PER_DAY};
use super::market::format_bps;
use super::twin::{
    efficiency_j_per_th, format_hashrate, plausible_efficiency, MAX_HASHRATE_GHS, MAX_JOULES_PER_TH, MAX_POWER_WATTS,
    MIN_JOULES_PER_TH,
};
use super::units::AmountError;
use super::{Address, Wei};

/// `TwinRegistry`'s byte caps on the spec's texts: they bound what `tokenURI` renders on chain.
pub const MAX_MANUFACTURER_BYTES: usize = 32;
pub const MAX_MODEL_BYTES: usize = 48;
pub const MAX_LOCATION_BYTES: usize = 96;
/// `TwinRegistry`'s canonical serial: 4 to 64 characters of `A-Z`, `0-9` and `-`.
pub const MIN_SERIAL_CHARS: usize = 4;
pub const MAX_SERIAL_CHARS: usize = 64;
/// `TwinRegistry.MAX_ROYALTY_BPS`: 10%.
pub const MAX_ROYALTY_BPS: u16 = 1_000;
/// `TwinRegistry.MAX_SERVICE_FEE_BPS`: the most an operator may keep of a period's gross, 30%.
pub const MAX_SERVICE_FEE_BPS: u16 = 3_000;
/// `TwinRegistry.MAX_TARIFF_MICRO_USD_PER_KWH`: $1 per kWh, several times any industrial rate.
pub const MAX_TARIFF_MICRO_USD_PER_KWH: u32 = 1_000_000;
/// `TwinRegistry.MIN_SETTLEMENT_PERIOD` and `MAX_SETTLEMENT_PERIOD`: an hour to 31 days.
pub const MIN_SETTLEMENT_PERIOD: u32 = 3_600;
pub const MAX_SETTLEMENT_PERIOD: u32 = 31 * SECONDS_PER_DAY as u32;
/// `TwinRegistry.MAX_GRACE_PERIOD`: 7 days.
pub const MAX_GRACE_PERIOD: u32 = 7 * SECONDS_PER_DAY as u32;
const SECONDS_PER_HOUR: u32 = 3_600;
/// `TwinMarket` stores prices in a uint96 (`PriceTooHigh` above it).
pub const MAX_LIST_PRICE: Wei = Wei((1 << 96) - 1);

/// No rig mined before the Bitcoin genesis block, so an earlier date is a typo.
const GENESIS_DAY: Date = Date { year: 2009, month: 1, day: 3 };

/// How far ahead of UTC the latest time zone (UTC+14) runs: a date that is already today there
/// is not "in the future" for the operator typing it.
const LATEST_TIME_ZONE_SECONDS: u64 = 14 * 3_600;

/// What the operator typed, as typed. Kept in the browser between the two steps of a mint.
///
/// A field missing from a saved form reads as empty (`serde(default)`): a form saved by an earlier
/// version of the app, before the earning terms, still loads, and [`PendingMint::reveal`] refuses
/// it rather than minting with terms its operator never chose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MintForm {
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    /// TH/s, decimals allowed.
    pub hashrate_ths: String,
    /// Whole watts.
    pub power_watts: String,
    /// Optional, as on chain.
    pub location: String,
    /// YYYY-MM-DD, as `<input type="date">` submits it.
    pub commissioned: String,
    pub reporter: String,
    /// Percent, up to 2 decimals; a trailing `%` is fine.
    pub royalty_percent: String,
    /// The operator's service fee: percent of a period's gross, up to 2 decimals.
    pub service_fee_percent: String,
    /// US dollars per kWh, up to 6 decimals; a leading `$` and a trailing `/kWh` are fine.
    pub tariff_usd_per_kwh: String,
    pub settlement: Settlement,
    /// Whole hours, read only when `settlement` is [`Settlement::Hours`].
    pub settlement_hours: String,
    /// Whole hours a settlement may come after it is due before it counts as late.
    pub grace_hours: String,
    /// Optional ETH price to list the twin at once.
    pub list_price: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Manufacturer,
    Model,
    Serial,
    Hashrate,
    Power,
    Location,
    Commissioned,
    Reporter,
    Royalty,
    ServiceFee,
    Tariff,
    /// The hours of a settlement period the operator types in (a daily or weekly one is a choice).
    Settlement,
    Grace,
    ListPrice,
}

impl Field {
    /// In the form's order, which is also the order errors are reported in.
    pub const ALL: [Field; 14] = [
        Field::Manufacturer,
        Field::Model,
        Field::Serial,
        Field::Hashrate,
        Field::Power,
        Field::Location,
        Field::Commissioned,
        Field::Reporter,
        Field::Royalty,
        Field::ServiceFee,
        Field::Tariff,
        Field::Settlement,
        Field::Grace,
        Field::ListPrice,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Manufacturer => "Manufacturer",
            Field::Model => "Model",
            Field::Serial => "Serial number",
            Field::Hashrate => "Hashrate (TH/s)",
            Field::Power => "Power draw (W)",
            Field::Location => "Location",
            Field::Commissioned => "Commissioned on",
            Field::Reporter => "Reporter address",
            Field::Royalty => "Royalty (%)",
            Field::ServiceFee => "Service fee (%)",
            Field::Tariff => "Electricity tariff ($/kWh)",
            Field::Settlement => "Settle every (hours)",
            Field::Grace => "Grace (hours)",
            Field::ListPrice => "List price (ETH)",
        }
    }
}

/// A rig model whose nameplate the form can fill in: the operator picks one and edits what differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub manufacturer: &'static str,
    pub model: &'static str,
    /// TH/s as the form takes it.
    pub terahash: &'static str,
    pub watts: u32,
}

impl Preset {
    /// "Bitmain Antminer S21 · 200 TH/s · 3500 W".
    pub fn label(&self) -> String {
        format!(
            "{} · {} TH/s · {} W",
            super::twin::display_name(self.manufacturer, self.model),
            self.terahash,
            self.watts
        )
    }

    /// The form with this model's maker, model and nameplate; everything else as it was.
    pub fn fill(&self, form: &mut MintForm) {
        form.manufacturer = self.manufacturer.to_string();
        form.model = self.model.to_string();
        form.hashrate_ths = self.terahash.to_string();
        form.power_watts = self.watts.to_string();
    }
}

/// Nominal figures from the manufacturers' data sheets: the demo chain's models
/// (`contracts/script/Seed.s.sol`) first, then a few other common ones, old and new.
pub const PRESETS: [Preset; 18] = [
    Preset { manufacturer: "Bitmain", model: "Antminer S21", terahash: "200", watts: 3_500 },
    Preset { manufacturer: "Bitmain", model: "Antminer S21 Pro", terahash: "234", watts: 3_510 },
    Preset { manufacturer: "Bitmain", model: "Antminer S21 XP", terahash: "270", watts: 3_645 },
    Preset { manufacturer: "Bitmain", model: "Antminer S19j Pro", terahash: "104", watts: 3_068 },
    Preset { manufacturer: "Bitmain", model: "Antminer S19 XP", terahash: "141", watts: 3_010 },
    Preset { manufacturer: "Bitmain", model: "Antminer S21 Hyd", terahash: "335", watts: 5_360 },
    Preset { manufacturer: "MicroBT", model: "Whatsminer M60", terahash: "172", watts: 3_422 },
    Preset { manufacturer: "MicroBT", model: "Whatsminer M60S", terahash: "186", watts: 3_441 },
    Preset { manufacturer: "MicroBT", model: "Whatsminer M50S", terahash: "126", watts: 3_276 },
    Preset { manufacturer: "Canaan", model: "Avalon A1466", terahash: "150", watts: 3_230 },
    Preset { manufacturer: "Canaan", model: "Avalon A1566", terahash: "185", watts: 3_420 },
    Preset { manufacturer: "Bitmain", model: "Antminer T21", terahash: "190", watts: 3_610 },
    Preset { manufacturer: "Bitmain", model: "Antminer S21 XP Hyd", terahash: "473", watts: 5_676 },
    Preset { manufacturer: "Bitmain", model: "Antminer S19k Pro", terahash: "120", watts: 2_760 },
    Preset { manufacturer: "Bitmain", model: "Antminer S19 Pro", terahash: "110", watts: 3_250 },
    Preset { manufacturer: "MicroBT", model: "Whatsminer M66S", terahash: "298", watts: 5_513 },
    Preset { manufacturer: "MicroBT", model: "Whatsminer M30S++", terahash: "112", watts: 3_472 },
    Preset { manufacturer: "Bitmain", model: "Antminer S9", terahash: "13.5", watts: 1_323 },
];

/// How often the operator settles the rig's earnings to the twin's holder: a period is due this
/// long after the one before it ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Settlement {
    #[default]
    Daily,
    Weekly,
    /// Every `settlement_hours` hours, 1 to 744 (31 days).
    Hours,
}

impl Settlement {
    pub const ALL: [Settlement; 3] = [Settlement::Daily, Settlement::Weekly, Settlement::Hours];

    /// The `<select>`'s value.
    pub fn key(self) -> &'static str {
        match self {
            Settlement::Daily => "daily",
            Settlement::Weekly => "weekly",
            Settlement::Hours => "hours",
        }
    }

    pub fn from_key(key: &str) -> Option<Settlement> {
        Settlement::ALL.into_iter().find(|choice| choice.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Settlement::Daily => "Daily (every 24 hours)",
            Settlement::Weekly => "Weekly (every 7 days)",
            Settlement::Hours => "Every so many hours…",
        }
    }
}

/// How a twin's rig pays its holder, in `TwinRegistry.EarningTerms`' units: fixed at mint, for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarningTerms {
    /// The most the operator may keep of a period's gross as its fee, in basis points.
    pub service_fee_bps: u16,
    /// The most the operator may keep for each metered kWh, in millionths of a US dollar.
    pub tariff_micro_usd_per_kwh: u32,
    /// Seconds from the end of one period to when the next is due.
    pub settlement_period: u32,
    /// Seconds a due period may stay unsettled before it counts as late.
    pub grace_period: u32,
}

impl EarningTerms {
    /// "10% fee · $0.065/kWh · settled daily · 6 hours' grace".
    pub fn summary(&self) -> String {
        let grace = match self.grace_period {
            0 => "no grace".to_string(),
            grace => {
                let duration = format_duration(u64::from(grace));
                let possessive = if duration.ends_with('s') { "'" } else { "'s" };
                format!("{duration}{possessive} grace")
            }
        };
        format!(
            "{} fee · {} · settled {} · {grace}",
            format_bps(self.service_fee_bps),
            format_tariff(self.tariff_micro_usd_per_kwh),
            settlement_phrase(self.settlement_period)
        )
    }
}

/// Terms an operator would recognise, to start from: the form's defaults first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermsPreset {
    pub name: &'static str,
    /// Percent, as the form takes it.
    pub service_fee: &'static str,
    /// Dollars per kWh, as the form takes it.
    pub tariff: &'static str,
    pub settlement: Settlement,
    /// Hours, for [`Settlement::Hours`].
    pub settlement_hours: &'static str,
    pub grace_hours: &'static str,
}

impl TermsPreset {
    /// "Hosted, standard · 10% fee · $0.065/kWh · daily · 6 h grace".
    pub fn label(&self) -> String {
        let every = match self.settlement {
            Settlement::Daily => "daily".to_string(),
            Settlement::Weekly => "weekly".to_string(),
            Settlement::Hours => format!("every {} h", self.settlement_hours),
        };
        format!(
            "{} · {}% fee · ${}/kWh · {every} · {} h grace",
            self.name, self.service_fee, self.tariff, self.grace_hours
        )
    }

    /// The form with these terms; the rig's details as they were.
    pub fn fill(&self, form: &mut MintForm) {
        form.service_fee_percent = self.service_fee.to_string();
        form.tariff_usd_per_kwh = self.tariff.to_string();
        form.settlement = self.settlement;
        form.settlement_hours = self.settlement_hours.to_string();
        form.grace_hours = self.grace_hours.to_string();
    }
}

/// Typical hosting arrangements. The first is the form's default: a 10% fee, a US industrial
/// power rate, daily settlement and 6 hours' grace.
pub const TERMS_PRESETS: [TermsPreset; 5] = [
    TermsPreset {
        name: "Hosted, standard",
        service_fee: "10",
        tariff: "0.065",
        settlement: Settlement::Daily,
        settlement_hours: "24",
        grace_hours: "6",
    },
    TermsPreset {
        name: "Hosted, full service",
        service_fee: "15",
        tariff: "0.078",
        settlement: Settlement::Daily,
        settlement_hours: "24",
        grace_hours: "12",
    },
    TermsPreset {
        name: "Own site, at cost",
        service_fee: "0",
        tariff: "0.045",
        settlement: Settlement::Weekly,
        settlement_hours: "168",
        grace_hours: "24",
    },
    TermsPreset {
        name: "Nordic hydro",
        service_fee: "8",
        tariff: "0.04",
        settlement: Settlement::Weekly,
        settlement_hours: "168",
        grace_hours: "48",
    },
    TermsPreset {
        name: "Flare gas, off-grid",
        service_fee: "20",
        tariff: "0.025",
        settlement: Settlement::Hours,
        settlement_hours: "12",
        grace_hours: "6",
    },
];

impl MintForm {
    /// A new form: a 5% royalty and the default earning terms ([`TERMS_PRESETS`]' first), the rig
    /// left to the operator.
    pub fn fresh() -> MintForm {
        let mut form = MintForm { royalty_percent: "5".into(), ..MintForm::default() };
        TERMS_PRESETS[0].fill(&mut form);
        form
    }
}

/// What the registry said about a serial: asked before step 1, because a serial already twinned
/// would make the reveal fail after the commitment was paid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialLookup {
    /// The answer has not come yet.
    Pending,
    Free,
    Taken(u64),
    /// The registry could not be asked, and why: never taken as "free".
    Failed(String),
}

/// A form that passed every check, in the contract's units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMint {
    pub manufacturer: String,
    pub model: String,
    /// Canonical (see [`canonical_serial`]): the exact text the reveal sends and the commitment hashes.
    pub serial: String,
    pub hashrate_ghs: u64,
    pub power_watts: u32,
    pub location: String,
    /// Midnight UTC of the commissioning day, unix seconds.
    pub commissioned_at: u64,
    pub reporter: Address,
    pub royalty_bps: u16,
    pub terms: EarningTerms,
    pub list_price: Option<Wei>,
}

impl ValidMint {
    /// "Bitmain Antminer S21": what the rig is called in labels and toasts.
    pub fn display_name(&self) -> String {
        super::twin::display_name(&self.manufacturer, &self.model)
    }
}

/// Checks every field and reports every problem at once, in form order, one sentence per field,
/// so that the operator fixes the form in one pass. `lookup` says what the registry knows of the
/// canonical serial; it is asked only about a serial that is otherwise valid.
pub fn validate(
    form: &MintForm,
    now: u64,
    lookup: impl Fn(&str) -> SerialLookup,
    checksummed: impl Fn(&Address) -> String,
) -> Result<ValidMint, Vec<(Field, String)>> {
    let mut errors = Vec::new();
    let manufacturer = check(
        &mut errors,
        Field::Manufacturer,
        name(&form.manufacturer, "manufacturer", "Bitmain", MAX_MANUFACTURER_BYTES),
    );
    let model = check(&mut errors, Field::Model, name(&form.model, "model", "Antminer S21", MAX_MODEL_BYTES));
    let serial = check(&mut errors, Field::Serial, serial(&form.serial, &lookup));
    let hashrate_ghs = check(&mut errors, Field::Hashrate, hashrate_ghs(&form.hashrate_ths));
    let power_watts = check(&mut errors, Field::Power, power_watts(&form.power_watts));
    // Each figure can be right on its own and the pair still no real rig: said under the power,
    // the figure people get wrong more often (kW for W).
    let power_watts = match (hashrate_ghs, power_watts) {
        (Some(hashrate), Some(watts)) => check(&mut errors, Field::Power, efficiency(hashrate, watts).map(|_| watts)),
        (_, watts) => watts,
    };
    let location = check(&mut errors, Field::Location, location(&form.location));
    let commissioned_at = check(&mut errors, Field::Commissioned, commissioned_at(&form.commissioned, now));
    let reporter = check(&mut errors, Field::Reporter, reporter(&form.reporter, checksummed));
    let royalty_bps = check(&mut errors, Field::Royalty, royalty_bps(&form.royalty_percent));
    let service_fee_bps = check(&mut errors, Field::ServiceFee, service_fee_bps(&form.service_fee_percent));
    let tariff = check(&mut errors, Field::Tariff, tariff_micro_usd(&form.tariff_usd_per_kwh));
    let settlement_period =
        check(&mut errors, Field::Settlement, settlement_period(form.settlement, &form.settlement_hours));
    let grace_period = check(&mut errors, Field::Grace, grace_period(&form.grace_hours));
    let terms = match (service_fee_bps, tariff, settlement_period, grace_period) {
        (Some(service_fee_bps), Some(tariff_micro_usd_per_kwh), Some(settlement_period), Some(grace_period)) => {
            Some(EarningTerms { service_fee_bps, tariff_micro_usd_per_kwh, settlement_period, grace_period })
        }
        _ => None,
    };
    let list_price = check(&mut errors, Field::ListPrice, list_price(&form.list_price));

    let (
        Some(manufacturer),
        Some(model),
        Some(serial),
        Some(hashrate_ghs),
        Some(power_watts),
        Some(location),
        Some(commissioned_at),
        Some(reporter),
        Some(royalty_bps),
        Some(terms),
        Some(list_price),
    ) = (
        manufacturer,
        model,
        serial,
        hashrate_ghs,
        power_watts,
        location,
        commissioned_at,
        reporter,
        royalty_bps,
        terms,
        list_price,
    )
    else {
        return Err(errors);
    };
    Ok(ValidMint {
        manufacturer,
        model,
        serial,
        hashrate_ghs,
        power_watts,
        location,
        commissioned_at,
        reporter,
        royalty_bps,
        terms,
        list_price,
    })
}

/// The value, or `None` with the message recorded against `field`.
fn check<T>(errors: &mut Vec<(Field, String)>, field: Field, result: Result<T, String>) -> Option<T> {
    result.map_err(|message| errors.push((field, message))).ok()
}

/// Manufacturer and model: required (`EmptyManufacturer`, `EmptyModel`), single-line, short.
fn name(text: &str, what: &str, example: &str, max_bytes: usize) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("Enter the {what}, like {example}."));
    }
    single_line_within(text, what, max_bytes)
}

/// Optional on chain too; an operator may prefer not to say where a rig runs.
fn location(text: &str) -> Result<String, String> {
    single_line_within(text.trim(), "location", MAX_LOCATION_BYTES)
}

/// The bytes a text field will take on chain, as the form sends it: trimmed UTF-8.
pub fn byte_count(text: &str) -> usize {
    text.trim().len()
}

/// The serial as the registry takes it: what the operator typed, trimmed and in capitals. Anything
/// else the registry refuses is refused here in words, not silently rewritten: a serial with a
/// space or a slash in it is not the same serial without them.
pub fn canonical_serial(text: &str) -> Result<String, String> {
    let serial = text.trim().to_uppercase();
    if serial.is_empty() {
        return Err("Enter the rig's serial number: it keeps one rig from being twinned twice.".to_string());
    }
    if let Some(odd) = serial.chars().find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-')) {
        let what = match odd {
            ' ' => "a space".to_string(),
            c if c.is_control() => "a line break or another control character".to_string(),
            c => format!("\"{c}\""),
        };
        return Err(format!(
            "A serial may only have the letters A to Z, digits and hyphens, and this one has {what}: type it as it is printed, without it."
        ));
    }
    let length = serial.len();
    if length < MIN_SERIAL_CHARS {
        return Err(format!(
            "The serial is too short: {length} characters, and the registry takes {MIN_SERIAL_CHARS} to {MAX_SERIAL_CHARS}."
        ));
    }
    if length > MAX_SERIAL_CHARS {
        return Err(format!(
            "The serial is too long: {length} characters, and the registry takes {MIN_SERIAL_CHARS} to {MAX_SERIAL_CHARS}."
        ));
    }
    Ok(serial)
}

/// J/TH for people: one decimal in the band real rigs span, enough significant digits below it so
/// that an absurd figure never reads as "0.0", whole joules above it.
pub fn format_efficiency(joules_per_th: f64) -> String {
    let digits = if joules_per_th >= 1_000.0 || joules_per_th <= 0.0 {
        0
    } else if joules_per_th >= 0.1 {
        1
    } else {
        // Two significant digits: 0.0042, 0.00000042.
        (1.0 - joules_per_th.log10().floor()) as usize
    };
    format!("{joules_per_th:.digits$} J/TH")
}

/// The efficiency of the figures typed so far, in words, once both parse: the live hint under the
/// power field. `None` while either is missing or malformed.
pub fn efficiency_note(form: &MintForm) -> Option<String> {
    let (hashrate, watts) = (hashrate_ghs(&form.hashrate_ths).ok()?, power_watts(&form.power_watts).ok()?);
    Some(match efficiency(hashrate, watts) {
        Ok(joules) => format!(
            "{}: within the {MIN_JOULES_PER_TH} to {MAX_JOULES_PER_TH} J/TH of real rigs.",
            format_efficiency(joules)
        ),
        Err(message) => message,
    })
}

/// `ImplausibleEfficiency`, with the figure that gave it away.
fn efficiency(hashrate_ghs: u64, power_watts: u32) -> Result<f64, String> {
    let joules = efficiency_j_per_th(hashrate_ghs, power_watts).ok_or("The hashrate must be more than zero.")?;
    if plausible_efficiency(hashrate_ghs, power_watts) {
        return Ok(joules);
    }
    Err(format!(
        "{power_watts} W at {} is {}, outside the {MIN_JOULES_PER_TH} to {MAX_JOULES_PER_TH} J/TH of real rigs: check the hashrate and the power draw (watts, not kilowatts).",
        format_hashrate(hashrate_ghs),
        format_efficiency(joules)
    ))
}

fn single_line_within(text: &str, what: &str, max_bytes: usize) -> Result<String, String> {
    if text.chars().any(char::is_control) {
        return Err(format!("The {what} can't contain line breaks or other control characters."));
    }
    if text.len() > max_bytes {
        // Bytes are what the limit counts; say so only where bytes and characters differ.
        return Err(if text.is_ascii() {
            format!("The {what} is too long: {} characters, and the limit is {max_bytes}.", text.len())
        } else {
            format!(
                "The {what} is too long: {} bytes, and the limit is {max_bytes} (accented and non-Latin letters take 2 to 4 bytes each).",
                text.len()
            )
        });
    }
    Ok(text.to_string())
}

/// `SerialNotCanonical` and `SerialAlreadyRegistered`.
fn serial(text: &str, lookup: impl Fn(&str) -> SerialLookup) -> Result<String, String> {
    let serial = canonical_serial(text)?;
    match lookup(&serial) {
        SerialLookup::Free => Ok(serial),
        SerialLookup::Taken(token) => {
            Err(format!("This rig already has a twin: its serial is registered as twin #{token}."))
        }
        SerialLookup::Pending => Err("Checking with the registry that no twin has this serial yet…".to_string()),
        SerialLookup::Failed(why) => {
            Err(format!("The registry could not be asked whether this serial is free ({why}); try again in a moment."))
        }
    }
}

/// `HashrateOutOfRange`: 1 GH/s to 100 EH/s. GH/s is what the contract stores, so TH/s may have up
/// to 3 decimals.
fn hashrate_ghs(text: &str) -> Result<u64, String> {
    let too_large = || {
        format!(
            "The registry takes at most {} ({} TH/s), room for a whole farm.",
            format_hashrate(MAX_HASHRATE_GHS),
            MAX_HASHRATE_GHS / 1_000
        )
    };
    match parse_scaled(text, 3) {
        Ok(0) => Err("The hashrate must be more than zero.".to_string()),
        Ok(ghs) if ghs > u128::from(MAX_HASHRATE_GHS) => Err(too_large()),
        Ok(ghs) => Ok(ghs as u64),
        Err(NumberError::Empty) => Err("Enter the rig's hashrate in TH/s, like 104 or 104.5.".to_string()),
        Err(NumberError::Negative) => Err("The hashrate can't be negative.".to_string()),
        Err(NumberError::NotANumber) => Err("Enter the hashrate in TH/s as a number, like 104 or 104.5.".to_string()),
        Err(NumberError::TooManyDecimals) => {
            Err("Give the hashrate to at most 3 decimals: the contract records whole GH/s.".to_string())
        }
        Err(NumberError::TooLarge) => Err(too_large()),
    }
}

/// `PowerOutOfRange`: 1 W to 1 GW, in whole watts.
fn power_watts(text: &str) -> Result<u32, String> {
    let too_large = || format!("The registry takes at most 1 GW ({MAX_POWER_WATTS} W), room for a whole farm.");
    match parse_scaled(text, 0) {
        Ok(0) => Err("The power draw must be more than zero.".to_string()),
        Ok(watts) if watts > u128::from(MAX_POWER_WATTS) => Err(too_large()),
        Ok(watts) => Ok(watts as u32),
        Err(NumberError::Empty) => Err("Enter the rig's power draw in watts, like 3250.".to_string()),
        Err(NumberError::Negative) => Err("The power draw can't be negative.".to_string()),
        Err(NumberError::NotANumber) => Err("Enter the power draw in watts as a number, like 3250.".to_string()),
        Err(NumberError::TooManyDecimals) => Err("Give the power draw in whole watts, like 3250.".to_string()),
        Err(NumberError::TooLarge) => Err(too_large()),
    }
}

fn commissioned_at(text: &str, now: u64) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter the date the rig started mining.".to_string());
    }
    let date = Date::parse_iso(text).map_err(|error| match error {
        DateError::Format => "Enter the date as YYYY-MM-DD, like 2024-03-15.".to_string(),
        DateError::NoSuchDay => format!("{text} is not a day on the calendar."),
    })?;
    if date < GENESIS_DAY {
        return Err("No rig mined before Bitcoin's first block, on 3 January 2009.".to_string());
    }
    let midnight = date.unix_seconds().ok_or_else(|| "No rig mined before 1970.".to_string())?;
    if midnight > now.saturating_add(LATEST_TIME_ZONE_SECONDS) {
        return Err("The commissioning date can't be in the future.".to_string());
    }
    Ok(midnight)
}

/// `ZeroReporter`, plus the EIP-55 checksum wherever the address carries one.
fn reporter(text: &str, checksummed: impl Fn(&Address) -> String) -> Result<Address, String> {
    if text.trim().is_empty() {
        return Err("Enter the reporter address: the key your rig's agent posts telemetry with.".to_string());
    }
    let address = parse_typed(text, checksummed)?;
    if address == Address::ZERO {
        return Err("The reporter can't be the zero address: no one holds its key.".to_string());
    }
    Ok(address)
}

/// `RoyaltyTooHigh`; a percent with 2 decimals is exactly the basis points the contract takes.
fn royalty_bps(text: &str) -> Result<u16, String> {
    let text = text.trim();
    let text = text.strip_suffix('%').unwrap_or(text);
    match parse_scaled(text, 2) {
        Ok(bps) if bps > u128::from(MAX_ROYALTY_BPS) => Err("The royalty can be at most 10%.".to_string()),
        Ok(bps) => Ok(bps as u16),
        Err(NumberError::Empty) => Err("Enter a royalty from 0 to 10%; 0 means none.".to_string()),
        Err(NumberError::Negative) => Err("The royalty can't be negative.".to_string()),
        Err(NumberError::NotANumber) => Err("Enter the royalty as a percentage, like 2.5.".to_string()),
        Err(NumberError::TooManyDecimals) => {
            Err("Give the royalty to at most 2 decimals, like 2.5 or 7.25.".to_string())
        }
        Err(NumberError::TooLarge) => Err("The royalty can be at most 10%.".to_string()),
    }
}

/// `ServiceFeeTooHigh`: percent with 2 decimals, which is exactly the basis points the registry takes.
fn service_fee_bps(text: &str) -> Result<u16, String> {
    let text = text.trim();
    let text = text.strip_suffix('%').unwrap_or(text);
    let too_high =
        || "The service fee can be at most 30% of what the rig earns: the registry caps it there.".to_string();
    match parse_scaled(text, 2) {
        Ok(bps) if bps > u128::from(MAX_SERVICE_FEE_BPS) => Err(too_high()),
        Ok(bps) => Ok(bps as u16),
        Err(NumberError::Empty) => {
            Err("Enter a service fee from 0 to 30%; 0 means the operator keeps no fee.".to_string())
        }
        Err(NumberError::Negative) => Err("The service fee can't be negative.".to_string()),
        Err(NumberError::NotANumber) => Err("Enter the service fee as a percentage, like 10 or 12.5.".to_string()),
        Err(NumberError::TooManyDecimals) => {
            Err("Give the service fee to at most 2 decimals, like 10 or 12.25.".to_string())
        }
        Err(NumberError::TooLarge) => Err(too_high()),
    }
}

/// `TariffTooHigh`: dollars per kWh with 6 decimals, which is exactly the millionths the registry takes.
fn tariff_micro_usd(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let text = text.strip_prefix('$').unwrap_or(text);
    let text = ["/kWh", "/kwh", "/KWh", "/KWH"].iter().find_map(|unit| text.strip_suffix(unit)).unwrap_or(text);
    let too_high = || {
        "The tariff can be at most $1 per kWh, several times any industrial rate: give it in dollars, not cents (6.5¢ is 0.065).".to_string()
    };
    match parse_scaled(text.trim(), 6) {
        Ok(micro) if micro > u128::from(MAX_TARIFF_MICRO_USD_PER_KWH) => Err(too_high()),
        Ok(micro) => Ok(micro as u32),
        Err(NumberError::Empty) => Err("Enter the electricity tariff in dollars per kWh, like 0.065.".to_string()),
        Err(NumberError::Negative) => Err("The tariff can't be negative.".to_string()),
        Err(NumberError::NotANumber) => Err("Enter the tariff in dollars per kWh as a number, like 0.065.".to_string()),
        Err(NumberError::TooManyDecimals) => {
            Err("Give the tariff to at most 6 decimals: the registry records millionths of a dollar per kWh."
                .to_string())
        }
        Err(NumberError::TooLarge) => Err(too_high()),
    }
}

/// `SettlementPeriodOutOfRange`: a day, a week, or 1 to 744 whole hours (31 days).
fn settlement_period(choice: Settlement, hours: &str) -> Result<u32, String> {
    let max_hours = MAX_SETTLEMENT_PERIOD / SECONDS_PER_HOUR;
    let out_of_range = || format!("A settlement period is 1 to {max_hours} hours (31 days).");
    match choice {
        Settlement::Daily => return Ok(SECONDS_PER_DAY as u32),
        Settlement::Weekly => return Ok(7 * SECONDS_PER_DAY as u32),
        Settlement::Hours => {}
    }
    match parse_scaled(hours, 0) {
        Ok(0) => Err(out_of_range()),
        Ok(hours) if hours > u128::from(max_hours) => Err(out_of_range()),
        Ok(hours) => Ok(hours as u32 * SECONDS_PER_HOUR),
        Err(NumberError::Empty) => Err(format!("Enter how many hours each settlement period lasts, 1 to {max_hours}.")),
        Err(NumberError::Negative) => Err("The settlement period can't be negative.".to_string()),
        Err(NumberError::NotANumber | NumberError::TooManyDecimals) => {
            Err("Give the settlement period in whole hours, like 12.".to_string())
        }
        Err(NumberError::TooLarge) => Err(out_of_range()),
    }
}

/// `GracePeriodTooLong`: 0 to 168 whole hours (7 days).
fn grace_period(hours: &str) -> Result<u32, String> {
    let max_hours = MAX_GRACE_PERIOD / SECONDS_PER_HOUR;
    let too_long = || format!("The grace can be at most {max_hours} hours (7 days).");
    match parse_scaled(hours, 0) {
        Ok(hours) if hours > u128::from(max_hours) => Err(too_long()),
        Ok(hours) => Ok(hours as u32 * SECONDS_PER_HOUR),
        Err(NumberError::Empty) => Err(format!(
            "Enter the grace in hours, 0 to {max_hours}; 0 means a settlement is late as soon as it is due."
        )),
        Err(NumberError::Negative) => Err("The grace can't be negative.".to_string()),
        Err(NumberError::NotANumber | NumberError::TooManyDecimals) => {
            Err("Give the grace in whole hours, like 6.".to_string())
        }
        Err(NumberError::TooLarge) => Err(too_long()),
    }
}

/// "$0.065/kWh": a tariff in the registry's millionths of a dollar, as people read it.
pub fn format_tariff(micro_usd_per_kwh: u32) -> String {
    format!("${}/kWh", trimmed_decimal(u128::from(micro_usd_per_kwh), 6))
}

/// "6 hours", "1 day", "31 days", "90 minutes": a span of seconds in the largest unit that divides it.
pub fn format_duration(seconds: u64) -> String {
    let (count, unit) = [(SECONDS_PER_DAY, "day"), (3_600, "hour"), (60, "minute")]
        .into_iter()
        .find(|(size, _)| seconds > 0 && seconds.is_multiple_of(*size))
        .map_or((seconds, "second"), |(size, unit)| (seconds / size, unit));
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

/// "daily", "weekly", "every hour", "every 12 hours": how often a settlement is due.
pub fn settlement_phrase(period_seconds: u32) -> String {
    match u64::from(period_seconds) {
        SECONDS_PER_DAY => "daily".to_string(),
        period if period == 7 * SECONDS_PER_DAY => "weekly".to_string(),
        3_600 => "every hour".to_string(),
        period => format!("every {}", format_duration(period)),
    }
}

/// "$10", "$7.25", "$0.01": dollars from hundredths, cents shown only when there are some.
fn format_cents(cents: u128) -> String {
    match cents % 100 {
        0 => format!("${}", cents / 100),
        fraction => format!("${}.{fraction:02}", cents / 100),
    }
}

/// `units` / 10^`decimals`, without trailing zeros: 65_000 at 6 decimals is "0.065".
fn trimmed_decimal(units: u128, decimals: u32) -> String {
    let scale = 10u128.pow(decimals);
    let fraction = format!("{:0width$}", units % scale, width = decimals as usize);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{}", units / scale)
    } else {
        format!("{}.{fraction}", units / scale)
    }
}

/// What the fee means on a worked figure, once it parses: the live hint under the fee field.
pub fn service_fee_note(form: &MintForm) -> Option<String> {
    let bps = service_fee_bps(&form.service_fee_percent).ok()?;
    Some(match bps {
        0 => "Of every $100 the rig earns, the operator keeps no fee: all of it, less electricity, goes to the twin's owner.".to_string(),
        // $100 × bps / 10 000 is exactly bps cents.
        bps => format!(
            "Of every $100 the rig earns, the operator may keep at most {} as its fee; the rest, less electricity, goes to the twin's owner.",
            format_cents(u128::from(bps))
        ),
    })
}

/// What the tariff means for this rig, once it parses: the most a day of power may cost the
/// owner, at the nameplate draw when that is in too.
pub fn tariff_note(form: &MintForm) -> Option<String> {
    let micro = tariff_micro_usd(&form.tariff_usd_per_kwh).ok()?;
    let per_kwh = format!(
        "The operator may keep at most {} for each kWh the rig's telemetry meters",
        format_tariff(micro).trim_end_matches("/kWh")
    );
    let Ok(watts) = power_watts(&form.power_watts) else {
        return Some(format!("{per_kwh}."));
    };
    // watts × 24 h = Wh a day; × micro-dollars per kWh / 10^9 = dollars; / 10^7 = cents, rounded.
    let cents = (u128::from(watts) * 24 * u128::from(micro) + 5_000_000) / 10_000_000;
    Some(format!(
        "{per_kwh}: {} for a full day of this rig at {} ({} kWh).",
        format_cents(cents),
        super::twin::format_power(u64::from(watts)),
        trimmed_decimal(u128::from(watts) * 24, 3)
    ))
}

/// When settlements are due and late, once the period and the grace parse.
pub fn schedule_note(form: &MintForm) -> Option<String> {
    let period = settlement_period(form.settlement, &form.settlement_hours).ok()?;
    let grace = grace_period(&form.grace_hours).ok()?;
    let late = match grace {
        0 => "and is late as soon as it is due".to_string(),
        grace => format!("and is late {} after it is due", format_duration(u64::from(grace))),
    };
    Some(format!("A settlement to the twin's owner is due {}, {late}.", settlement_phrase(period)))
}

/// `ZeroPrice` and `PriceTooHigh`; empty means mint without listing.
fn list_price(text: &str) -> Result<Option<Wei>, String> {
    let text = text.trim();
    let text = text.strip_suffix("ETH").or_else(|| text.strip_suffix("eth")).unwrap_or(text).trim_end();
    if text.is_empty() {
        return Ok(None);
    }
    let price = Wei::parse_ether(text).map_err(|error| match error {
        AmountError::Negative => "The price can't be negative.".to_string(),
        AmountError::TooManyDecimals { .. } => "Ether has at most 18 decimals; the price has more.".to_string(),
        AmountError::TooLarge => "The price is more than the market accepts.".to_string(),
        AmountError::Empty | AmountError::NotANumber => "Enter the price in ETH as a number, like 0.5.".to_string(),
    })?;
    if price == Wei::ZERO {
        return Err("The price must be more than zero; leave it empty to mint without listing.".to_string());
    }
    if price > MAX_LIST_PRICE {
        return Err("The price is more than the market accepts.".to_string());
    }
    Ok(Some(price))
}

/// A mint between its two steps, as this browser keeps it until the reveal lands: what the reveal
/// needs (the form as sent, the salt) and whose it is (chain, registry, account), so that a reload
/// resumes it and another account or a redeployed registry never picks it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMint {
    pub chain_id: u64,
    pub registry: Address,
    pub account: Address,
    /// Canonical: what the commitment hashed.
    pub serial: String,
    #[serde(with = "hex")]
    pub salt: [u8; 32],
    pub form: MintForm,
    /// The earning terms step 1 was made for, in the registry's units. `None` in a mint saved by a
    /// version of the app before twins had terms: its reveal is refused (see [`PendingMint::reveal`]).
    #[serde(default)]
    pub terms: Option<EarningTerms>,
    /// The commitment's transaction, `0x` and 64 hex digits.
    pub commit_tx: String,
}

/// Why a mint begun before twins had earning terms is not finished.
pub const OUTDATED_PENDING_MINT: &str = "This step 1 was sent by an earlier version of HashTwin, before twins had earning terms. Finishing it would mint the twin with terms you never chose, and they could never be changed, so step 2 is not offered: start over to choose the terms and reserve the serial again (the first fee is not refunded).";

impl PendingMint {
    pub fn belongs_to(&self, chain_id: u64, registry: Address, account: Address) -> bool {
        (self.chain_id, self.registry, self.account) == (chain_id, registry, account)
    }

    /// Saved by a version of the app before the earning terms.
    pub fn outdated(&self) -> bool {
        self.terms.is_none()
    }

    /// What step 2 sends: the form as step 1 was sent, checked again, with the terms step 1 was
    /// made for. Refused, in words, for a mint saved before twins had terms, or whose form no
    /// longer gives the serial and terms it was saved with.
    pub fn reveal(&self, now: u64, checksummed: impl Fn(&Address) -> String) -> Result<ValidMint, String> {
        let terms = self.terms.ok_or(OUTDATED_PENDING_MINT)?;
        let valid = validate(&self.form, now, |_| SerialLookup::Free, checksummed)
            .map_err(|errors| errors.into_iter().map(|(_, message)| message).collect::<Vec<_>>().join(" "))?;
        if valid.serial != self.serial || valid.terms != terms {
            return Err(
                "The saved form no longer matches what step 1 was made for, so step 2 is not sent: start over."
                    .to_string(),
            );
        }
        Ok(valid)
    }
}

/// Where a pending mint stands between its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevealStage {
    /// Step 1 was sent but the registry does not have it yet.
    AwaitingCommit,
    /// Recorded in `committed_at`, which is still the newest block: the registry takes the reveal
    /// only in a later one.
    WaitingForNextBlock {
        committed_at: u64,
    },
    Ready {
        committed_at: u64,
    },
}

impl RevealStage {
    /// `committed_at` as the registry's `commitmentBlock` answers (`None` for not there), against
    /// the chain's newest block.
    pub fn of(committed_at: Option<u64>, head: Option<u64>) -> RevealStage {
        match committed_at {
            None => RevealStage::AwaitingCommit,
            Some(committed_at) if head.is_some_and(|head| head > committed_at) => RevealStage::Ready { committed_at },
            Some(committed_at) => RevealStage::WaitingForNextBlock { committed_at },
        }
    }

    pub fn describe(self) -> String {
        match self {
            RevealStage::AwaitingCommit => "Step 1 of 2 sent: waiting for the chain to record it…".to_string(),
            RevealStage::WaitingForNextBlock { committed_at } => format!(
                "Step 1 of 2 done: the serial is reserved in block {committed_at}. Waiting for the next block: the registry takes step 2 only in a later one…"
            ),
            RevealStage::Ready { committed_at } => {
                format!("Step 1 of 2 done: the serial is reserved in block {committed_at}. Step 2 mints the twin.")
            }
        }
    }
}

enum NumberError {
    Empty,
    Negative,
    NotANumber,
    TooManyDecimals,
    TooLarge,
}

/// A non-negative decimal as an integer count of 10^-`decimals` units. Trailing zeros past
/// `decimals` are fine ("104.5000"); exponents, signs and separators are refused, not guessed.
fn parse_scaled(text: &str, decimals: u32) -> Result<u128, NumberError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NumberError::Empty);
    }
    if text.starts_with(['-', '−']) {
        return Err(NumberError::Negative);
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return Err(NumberError::NotANumber);
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > decimals as usize {
        return Err(NumberError::TooManyDecimals);
    }
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| NumberError::TooLarge)? };
    let fraction: u128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<u128>().map_err(|_| NumberError::NotANumber)? * 10u128.pow(decimals - fraction.len() as u32)
    };
    whole.checked_mul(10u128.pow(decimals)).and_then(|units| units.checked_add(fraction)).ok_or(NumberError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::checksummed;
    use crate::domain::units::WEI_PER_ETHER;

    /// Monday 3 November 2025, 12:00 UTC.
    const NOW: u64 = 1_762_171_200;
    const ANVIL_1: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    fn s19j_pro() -> MintForm {
        MintForm {
            manufacturer: " Bitmain ".into(),
            model: "Antminer S19j Pro".into(),
            serial: "  JYZZB4SBAJAB12345 ".into(),
            hashrate_ths: "104.5".into(),
            power_watts: "3068".into(),
            location: "Hernando, Paraguay".into(),
            commissioned: "2021-09-01".into(),
            reporter: ANVIL_1.into(),
            royalty_percent: "2.5%".into(),
            service_fee_percent: "12.5".into(),
            tariff_usd_per_kwh: "$0.045".into(),
            settlement: Settlement::Weekly,
            settlement_hours: String::new(),
            grace_hours: "24".into(),
            list_price: "1.25".into(),
        }
    }

    fn terms_of(form: &MintForm) -> Result<EarningTerms, Vec<(Field, String)>> {
        validate(form, NOW, never_taken, checksummed).map(|valid| valid.terms)
    }

    fn never_taken(_: &str) -> SerialLookup {
        SerialLookup::Free
    }

    fn errors(form: &MintForm) -> Vec<(Field, String)> {
        validate(form, NOW, never_taken, checksummed).unwrap_err()
    }

    fn error_of(form: &MintForm, field: Field) -> Option<String> {
        validate(form, NOW, never_taken, checksummed)
            .err()?
            .into_iter()
            .find(|(f, _)| *f == field)
            .map(|(_, message)| message)
    }

    fn with(change: impl FnOnce(&mut MintForm)) -> MintForm {
        let mut form = s19j_pro();
        change(&mut form);
        form
    }

    #[test]
    fn a_complete_form_becomes_contract_units() {
        let valid = validate(&s19j_pro(), NOW, never_taken, checksummed).unwrap();
        assert_eq!(
            valid,
            ValidMint {
                manufacturer: "Bitmain".into(),
                model: "Antminer S19j Pro".into(),
                serial: "JYZZB4SBAJAB12345".into(),
                hashrate_ghs: 104_500,
                power_watts: 3_068,
                location: "Hernando, Paraguay".into(),
                commissioned_at: 1_630_454_400,
                reporter: ANVIL_1.parse().unwrap(),
                royalty_bps: 250,
                terms: EarningTerms {
                    service_fee_bps: 1_250,
                    tariff_micro_usd_per_kwh: 45_000,
                    settlement_period: 604_800,
                    grace_period: 86_400,
                },
                list_price: Some(Wei(WEI_PER_ETHER * 5 / 4)),
            }
        );
    }

    #[test]
    fn an_empty_form_lists_every_required_field_in_order() {
        let fields: Vec<Field> = errors(&MintForm::default()).into_iter().map(|(field, _)| field).collect();
        assert_eq!(
            fields,
            [
                Field::Manufacturer,
                Field::Model,
                Field::Serial,
                Field::Hashrate,
                Field::Power,
                Field::Commissioned,
                Field::Reporter,
                Field::Royalty,
                Field::ServiceFee,
                Field::Tariff,
                Field::Grace
            ]
        );
    }

    #[test]
    fn every_message_is_a_sentence() {
        let broken = MintForm {
            manufacturer: "x".repeat(40),
            model: "a\nb".into(),
            serial: "s".repeat(65),
            hashrate_ths: "1e3".into(),
            power_watts: "-5".into(),
            location: "ü".repeat(50),
            commissioned: "2031-01-01".into(),
            reporter: "0x0000000000000000000000000000000000000000".into(),
            royalty_percent: "12".into(),
            service_fee_percent: "35".into(),
            tariff_usd_per_kwh: "6.5".into(),
            settlement: Settlement::Hours,
            settlement_hours: "0".into(),
            grace_hours: "200".into(),
            list_price: "0".into(),
        };
        let errors = errors(&broken);
        assert_eq!(errors.len(), Field::ALL.len());
        for (field, message) in errors {
            assert!(message.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()), "{field:?}: {message}");
            assert!(message.ends_with('.'), "{field:?}: {message}");
        }
    }

    #[test]
    fn names_are_required_single_line_and_short() {
        assert_eq!(
            error_of(&with(|f| f.manufacturer = "  ".into()), Field::Manufacturer).unwrap(),
            "Enter the manufacturer, like Bitmain."
        );
        assert_eq!(
            error_of(&with(|f| f.model = String::new()), Field::Model).unwrap(),
            "Enter the model, like Antminer S21."
        );
        assert_eq!(error_of(&with(|f| f.model = "m".repeat(48)), Field::Model), None);
        assert_eq!(
            error_of(&with(|f| f.model = "m".repeat(49)), Field::Model).unwrap(),
            "The model is too long: 49 characters, and the limit is 48."
        );
        assert_eq!(
            error_of(&with(|f| f.manufacturer = "é".repeat(17)), Field::Manufacturer).unwrap(),
            "The manufacturer is too long: 34 bytes, and the limit is 32 (accented and non-Latin letters take 2 to 4 bytes each)."
        );
        assert_eq!(
            error_of(&with(|f| f.model = "S21\tXP".into()), Field::Model).unwrap(),
            "The model can't contain line breaks or other control characters."
        );
    }

    #[test]
    fn location_is_optional_but_bounded() {
        let valid = validate(&with(|f| f.location = "   ".into()), NOW, never_taken, checksummed).unwrap();
        assert_eq!(valid.location, "");
        assert_eq!(error_of(&with(|f| f.location = "l".repeat(96)), Field::Location), None);
        assert!(error_of(&with(|f| f.location = "l".repeat(97)), Field::Location).unwrap().contains("limit is 96"));
    }

    #[test]
    fn byte_counts_are_of_the_trimmed_utf8() {
        assert_eq!(byte_count("  Bitmain "), 7);
        assert_eq!(byte_count("Tromsø"), 7);
    }

    #[test]
    fn serials_are_trimmed_and_capitalised_into_the_registrys_form() {
        assert_eq!(canonical_serial("  btm-s21-2401-000117\n").unwrap(), "BTM-S21-2401-000117");
        assert_eq!(canonical_serial("ABCD").unwrap(), "ABCD");
        assert_eq!(canonical_serial(&"9".repeat(64)).unwrap(), "9".repeat(64));
        let refused = |text: &str| canonical_serial(text).unwrap_err();
        assert_eq!(refused("   "), "Enter the rig's serial number: it keeps one rig from being twinned twice.");
        assert_eq!(refused("ABC"), "The serial is too short: 3 characters, and the registry takes 4 to 64.");
        assert_eq!(refused(&"A".repeat(65)), "The serial is too long: 65 characters, and the registry takes 4 to 64.");
        assert_eq!(
            refused("BTM S21"),
            "A serial may only have the letters A to Z, digits and hyphens, and this one has a space: type it as it is printed, without it."
        );
        assert!(refused("BTM/S21").contains("this one has \"/\""));
        assert!(refused("SÉRIE-1").contains("\"É\""), "{}", refused("SÉRIE-1"));
        assert!(refused("AB\tCD").contains("control character"));
    }

    #[test]
    fn the_serial_is_looked_up_in_canonical_form_and_only_free_passes() {
        let asked = std::cell::RefCell::new(Vec::new());
        let lookup = |serial: &str| {
            asked.borrow_mut().push(serial.to_string());
            SerialLookup::Taken(4)
        };
        let errors =
            validate(&with(|f| f.serial = " jyzzb4sbajab12345 ".into()), NOW, lookup, checksummed).unwrap_err();
        assert_eq!(
            errors,
            [(Field::Serial, "This rig already has a twin: its serial is registered as twin #4.".to_string())]
        );
        assert_eq!(*asked.borrow(), ["JYZZB4SBAJAB12345"]);

        let message =
            |lookup: SerialLookup| validate(&s19j_pro(), NOW, |_| lookup.clone(), checksummed).unwrap_err().remove(0).1;
        assert_eq!(message(SerialLookup::Pending), "Checking with the registry that no twin has this serial yet…");
        assert_eq!(
            message(SerialLookup::Failed("the network cannot be reached".into())),
            "The registry could not be asked whether this serial is free (the network cannot be reached); try again in a moment."
        );

        let panics = |_: &str| -> SerialLookup { panic!("an invalid serial is not looked up") };
        assert!(validate(&with(|f| f.serial = " ".into()), NOW, panics, checksummed).is_err());
        assert!(validate(&with(|f| f.serial = "s".repeat(65)), NOW, panics, checksummed).is_err());
    }

    #[test]
    fn hashrate_is_terahash_text_to_gigahash_within_the_registrys_range() {
        assert_eq!(hashrate_ghs("104"), Ok(104_000));
        assert_eq!(hashrate_ghs(" 0.001 "), Ok(1));
        assert_eq!(hashrate_ghs("1.2000"), Ok(1_200));
        assert_eq!(hashrate_ghs(".5"), Ok(500));
        assert_eq!(hashrate_ghs("100000000"), Ok(MAX_HASHRATE_GHS));
        let message = |text: &str| error_of(&with(|f| f.hashrate_ths = text.into()), Field::Hashrate).unwrap();
        assert_eq!(message("0"), "The hashrate must be more than zero.");
        assert_eq!(message("0.0004"), "Give the hashrate to at most 3 decimals: the contract records whole GH/s.");
        assert_eq!(message("-3"), "The hashrate can't be negative.");
        assert_eq!(message("104 TH"), "Enter the hashrate in TH/s as a number, like 104 or 104.5.");
        assert_eq!(message("1,000"), "Enter the hashrate in TH/s as a number, like 104 or 104.5.");
        let too_large = "The registry takes at most 100 EH/s (100000000 TH/s), room for a whole farm.";
        assert_eq!(message("100000000.001"), too_large);
        assert_eq!(message("9".repeat(60).as_str()), too_large);
    }

    #[test]
    fn power_is_whole_watts_up_to_a_gigawatt() {
        assert_eq!(power_watts("3250"), Ok(3_250));
        assert_eq!(power_watts("3250.00"), Ok(3_250));
        assert_eq!(power_watts("1000000000"), Ok(MAX_POWER_WATTS));
        let message = |text: &str| error_of(&with(|f| f.power_watts = text.into()), Field::Power).unwrap();
        assert_eq!(message("0"), "The power draw must be more than zero.");
        assert_eq!(message("3250.5"), "Give the power draw in whole watts, like 3250.");
        assert_eq!(message("1000000001"), "The registry takes at most 1 GW (1000000000 W), room for a whole farm.");
        assert_eq!(message("4294967296"), "The registry takes at most 1 GW (1000000000 W), room for a whole farm.");
        assert_eq!(message(""), "Enter the rig's power draw in watts, like 3250.");
    }

    #[test]
    fn a_hashrate_and_power_no_real_rig_has_are_refused_with_the_figure() {
        let at_104 = |watts: &str| {
            with(|f| {
                f.hashrate_ths = "104".into();
                f.power_watts = watts.into();
            })
        };
        // 104 TH/s at 3 W: the operator typed kilowatts.
        assert_eq!(
            error_of(&at_104("3"), Field::Power).unwrap(),
            "3 W at 104 TH/s is 0.029 J/TH, outside the 5 to 200 J/TH of real rigs: check the hashrate and the power draw (watts, not kilowatts)."
        );
        assert_eq!(error_of(&at_104("3"), Field::Hashrate), None);
        // The band's edges are the registry's, inclusive: 104 TH/s at 520 W is 5 J/TH, at 20800 W 200.
        assert_eq!(error_of(&at_104("520"), Field::Power), None);
        assert!(error_of(&at_104("519"), Field::Power).is_some());
        assert_eq!(error_of(&at_104("20800"), Field::Power), None);
        assert!(error_of(&at_104("20801"), Field::Power).is_some());
    }

    #[test]
    fn the_efficiency_note_follows_the_figures_as_they_are_typed() {
        assert_eq!(efficiency_note(&s19j_pro()).unwrap(), "29.4 J/TH: within the 5 to 200 J/TH of real rigs.");
        assert_eq!(efficiency_note(&with(|f| f.power_watts = String::new())), None);
        assert_eq!(efficiency_note(&with(|f| f.hashrate_ths = "fast".into())), None);
        // Absurd input says how absurd, never "0.0 J/TH".
        let absurd = efficiency_note(&with(|f| {
            f.hashrate_ths = "100000000".into();
            f.power_watts = "1".into();
        }))
        .unwrap();
        assert!(absurd.starts_with("1 W at 100 EH/s is 0.000000010 J/TH, outside"), "{absurd}");
    }

    #[test]
    fn efficiency_never_reads_zero() {
        assert_eq!(format_efficiency(29.5), "29.5 J/TH");
        assert_eq!(format_efficiency(0.1), "0.1 J/TH");
        assert_eq!(format_efficiency(0.029_6), "0.030 J/TH");
        assert_eq!(format_efficiency(0.000_004_2), "0.0000042 J/TH");
        assert_eq!(format_efficiency(3_068_000.0), "3068000 J/TH");
        for tiny in [1e-12, 1e-6, 0.09, 0.0999] {
            let text = format_efficiency(tiny);
            assert!(text.trim_end_matches(" J/TH").chars().any(|c| ('1'..='9').contains(&c)), "{tiny}: {text}");
        }
    }

    #[test]
    fn every_preset_fills_a_form_the_registry_accepts_and_stays_editable() {
        for preset in PRESETS {
            let mut form = s19j_pro();
            preset.fill(&mut form);
            let valid =
                validate(&form, NOW, never_taken, checksummed).unwrap_or_else(|e| panic!("{}: {e:?}", preset.label()));
            assert_eq!((valid.manufacturer.as_str(), valid.model.as_str()), (preset.manufacturer, preset.model));
            assert_eq!(valid.power_watts, preset.watts);
            // What the preset does not know stays as typed.
            assert_eq!(valid.serial, "JYZZB4SBAJAB12345");
        }
        assert_eq!(PRESETS[0].label(), "Bitmain Antminer S21 · 200 TH/s · 3500 W");
        let mut edited = s19j_pro();
        PRESETS[0].fill(&mut edited);
        edited.hashrate_ths = "195".into();
        assert_eq!(validate(&edited, NOW, never_taken, checksummed).unwrap().hashrate_ghs, 195_000);
    }

    #[test]
    fn a_pending_mint_is_kept_as_json_and_resumed_only_by_its_owner() {
        let owner: Address = ANVIL_1.parse().unwrap();
        let pending = PendingMint {
            chain_id: 31_337,
            registry: Address([0x5f; 20]),
            account: owner,
            serial: "JYZZB4SBAJAB12345".into(),
            salt: [0xa5; 32],
            form: s19j_pro(),
            terms: Some(terms_of(&s19j_pro()).unwrap()),
            commit_tx: format!("0x{}", "ee".repeat(32)),
        };
        let json = serde_json::to_string(&pending).unwrap();
        assert!(json.contains(&"a5".repeat(32)), "{json}");
        assert_eq!(serde_json::from_str::<PendingMint>(&json).unwrap(), pending);
        assert!(pending.belongs_to(31_337, Address([0x5f; 20]), owner));
        assert!(!pending.belongs_to(1, Address([0x5f; 20]), owner));
        assert!(!pending.belongs_to(31_337, Address([0x6f; 20]), owner), "a redeployed registry");
        assert!(!pending.belongs_to(31_337, Address([0x5f; 20]), Address([1; 20])));
        assert!(json.contains(r#""terms":{"service_fee_bps":1250,"tariff_micro_usd_per_kwh":45000,"settlement_period":604800,"grace_period":86400}"#), "{json}");
    }

    /// A pending mint exactly as the version before the earning terms kept it in localStorage.
    const SAVED_BEFORE_TERMS: &str = r#"{"chain_id":31337,"registry":"0x5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f","account":"0x70997970c51812dc3a010c7d01b50e0d17dc79c8","serial":"JYZZB4SBAJAB12345","salt":"a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5","form":{"manufacturer":" Bitmain ","model":"Antminer S19j Pro","serial":"  JYZZB4SBAJAB12345 ","hashrate_ths":"104.5","power_watts":"3068","location":"Hernando, Paraguay","commissioned":"2021-09-01","reporter":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","royalty_percent":"2.5%","list_price":"1.25"},"commit_tx":"0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"}"#;

    #[test]
    fn a_mint_saved_before_the_terms_still_loads_and_is_refused_in_words_not_revealed_with_made_up_terms() {
        let old: PendingMint = serde_json::from_str(SAVED_BEFORE_TERMS).unwrap();
        assert!(old.outdated());
        assert_eq!(old.terms, None);
        assert_eq!(old.serial, "JYZZB4SBAJAB12345");
        // The form as it was typed, its terms empty rather than the defaults.
        assert_eq!(old.form.hashrate_ths, "104.5");
        assert_eq!((old.form.service_fee_percent.as_str(), old.form.grace_hours.as_str()), ("", ""));
        assert_eq!(old.reveal(NOW, checksummed), Err(OUTDATED_PENDING_MINT.to_string()));
        // Even with terms typed into its form since, nothing is revealed without the saved ones.
        let mut filled = old.clone();
        TERMS_PRESETS[0].fill(&mut filled.form);
        assert_eq!(filled.reveal(NOW, checksummed), Err(OUTDATED_PENDING_MINT.to_string()));
        assert!(OUTDATED_PENDING_MINT.contains("start over"));
    }

    #[test]
    fn the_reveal_sends_the_terms_step_1_was_made_for_and_nothing_else() {
        let form = s19j_pro();
        let terms = terms_of(&form).unwrap();
        let pending = PendingMint {
            chain_id: 31_337,
            registry: Address([0x5f; 20]),
            account: ANVIL_1.parse().unwrap(),
            serial: "JYZZB4SBAJAB12345".into(),
            salt: [0xa5; 32],
            form: form.clone(),
            terms: Some(terms),
            commit_tx: format!("0x{}", "ee".repeat(32)),
        };
        assert!(!pending.outdated());
        let valid = pending.reveal(NOW, checksummed).unwrap();
        assert_eq!(valid.terms, terms);
        assert_eq!(valid, validate(&form, NOW, never_taken, checksummed).unwrap());
        let json = serde_json::to_string(&pending).unwrap();
        assert_eq!(serde_json::from_str::<PendingMint>(&json).unwrap().reveal(NOW, checksummed), Ok(valid));

        let mismatch = "The saved form no longer matches what step 1 was made for, so step 2 is not sent: start over.";
        let other_terms =
            PendingMint { terms: Some(EarningTerms { service_fee_bps: 1_000, ..terms }), ..pending.clone() };
        assert_eq!(other_terms.reveal(NOW, checksummed), Err(mismatch.to_string()));
        let other_serial = PendingMint { serial: "JYZZB4SBAJAB99999".into(), ..pending.clone() };
        assert_eq!(other_serial.reveal(NOW, checksummed), Err(mismatch.to_string()));
        let broken = PendingMint { form: with(|f| f.grace_hours = "200".into()), ..pending };
        assert_eq!(broken.reveal(NOW, checksummed), Err("The grace can be at most 168 hours (7 days).".to_string()));
    }

    #[test]
    fn a_fresh_form_has_terms_an_operator_would_recognise() {
        let fresh = MintForm::fresh();
        assert_eq!(fresh.royalty_percent, "5");
        assert_eq!(
            (
                fresh.service_fee_percent.as_str(),
                fresh.tariff_usd_per_kwh.as_str(),
                fresh.settlement,
                fresh.grace_hours.as_str()
            ),
            ("10", "0.065", Settlement::Daily, "6")
        );
        let mut form = fresh.clone();
        let rig = s19j_pro();
        form.manufacturer = rig.manufacturer;
        form.model = rig.model;
        form.serial = rig.serial;
        form.hashrate_ths = rig.hashrate_ths;
        form.power_watts = rig.power_watts;
        form.commissioned = rig.commissioned;
        form.reporter = rig.reporter;
        let terms = terms_of(&form).unwrap();
        assert_eq!(
            terms,
            EarningTerms {
                service_fee_bps: 1_000,
                tariff_micro_usd_per_kwh: 65_000,
                settlement_period: 86_400,
                grace_period: 21_600
            }
        );
        assert_eq!(terms.summary(), "10% fee · $0.065/kWh · settled daily · 6 hours' grace");
        // The rig is the operator's to type: a fresh form asks for it, not for terms.
        let missing: Vec<Field> = errors(&fresh).into_iter().map(|(field, _)| field).collect();
        assert!(!missing
            .iter()
            .any(|field| matches!(field, Field::ServiceFee | Field::Tariff | Field::Settlement | Field::Grace)));
    }

    #[test]
    fn every_terms_preset_fills_terms_the_registry_accepts_and_leaves_the_rig_alone() {
        for preset in TERMS_PRESETS {
            let mut form = s19j_pro();
            preset.fill(&mut form);
            let valid =
                validate(&form, NOW, never_taken, checksummed).unwrap_or_else(|e| panic!("{}: {e:?}", preset.label()));
            assert_eq!(valid.serial, "JYZZB4SBAJAB12345");
            assert_eq!(valid.hashrate_ghs, 104_500);
            assert!(valid.terms.service_fee_bps <= MAX_SERVICE_FEE_BPS);
        }
        assert_eq!(TERMS_PRESETS[0].label(), "Hosted, standard · 10% fee · $0.065/kWh · daily · 6 h grace");
        assert_eq!(TERMS_PRESETS[4].label(), "Flare gas, off-grid · 20% fee · $0.025/kWh · every 12 h · 6 h grace");
        let mut form = s19j_pro();
        TERMS_PRESETS[4].fill(&mut form);
        assert_eq!(terms_of(&form).unwrap().settlement_period, 12 * 3_600);
        // A preset then edited keeps the edit.
        form.service_fee_percent = "18".into();
        assert_eq!(terms_of(&form).unwrap().service_fee_bps, 1_800);
    }

    #[test]
    fn the_service_fee_is_percent_to_basis_points_at_most_30() {
        let bps = |text: &str| terms_of(&with(|f| f.service_fee_percent = text.into())).map(|t| t.service_fee_bps);
        assert_eq!(bps("0"), Ok(0));
        assert_eq!(bps("10"), Ok(1_000));
        assert_eq!(bps(" 12.25 % "), Ok(1_225));
        assert_eq!(bps("0.01"), Ok(1));
        assert_eq!(bps("30"), Ok(MAX_SERVICE_FEE_BPS));
        assert_eq!(bps("30.00%"), Ok(3_000));
        let message = |text: &str| error_of(&with(|f| f.service_fee_percent = text.into()), Field::ServiceFee).unwrap();
        let too_high = "The service fee can be at most 30% of what the rig earns: the registry caps it there.";
        assert_eq!(message("30.01"), too_high);
        assert_eq!(message("35"), too_high);
        assert_eq!(message("9".repeat(50).as_str()), too_high);
        assert_eq!(message("12.255"), "Give the service fee to at most 2 decimals, like 10 or 12.25.");
        assert_eq!(message("-1"), "The service fee can't be negative.");
        assert_eq!(message("ten"), "Enter the service fee as a percentage, like 10 or 12.5.");
        assert_eq!(message(""), "Enter a service fee from 0 to 30%; 0 means the operator keeps no fee.");
        // Only the fee is blamed.
        assert_eq!(errors(&with(|f| f.service_fee_percent = "35".into())), [(Field::ServiceFee, too_high.to_string())]);
    }

    #[test]
    fn the_tariff_is_dollars_per_kwh_to_millionths_at_most_one_dollar() {
        let micro =
            |text: &str| terms_of(&with(|f| f.tariff_usd_per_kwh = text.into())).map(|t| t.tariff_micro_usd_per_kwh);
        assert_eq!(micro("0.065"), Ok(65_000));
        assert_eq!(micro("$0.065/kWh"), Ok(65_000));
        assert_eq!(micro(" 0.0651 "), Ok(65_100));
        assert_eq!(micro("0.000001"), Ok(1));
        assert_eq!(micro("0"), Ok(0));
        assert_eq!(micro("1"), Ok(MAX_TARIFF_MICRO_USD_PER_KWH));
        assert_eq!(micro("$1.000000"), Ok(1_000_000));
        let message = |text: &str| error_of(&with(|f| f.tariff_usd_per_kwh = text.into()), Field::Tariff).unwrap();
        let too_high = "The tariff can be at most $1 per kWh, several times any industrial rate: give it in dollars, not cents (6.5¢ is 0.065).";
        assert_eq!(message("1.000001"), too_high);
        assert_eq!(message("6.5"), too_high);
        assert_eq!(message("9".repeat(50).as_str()), too_high);
        assert_eq!(
            message("0.0000005"),
            "Give the tariff to at most 6 decimals: the registry records millionths of a dollar per kWh."
        );
        assert_eq!(message("-0.06"), "The tariff can't be negative.");
        assert_eq!(message("6.5 cents"), "Enter the tariff in dollars per kWh as a number, like 0.065.");
        assert_eq!(message(""), "Enter the electricity tariff in dollars per kWh, like 0.065.");
    }

    #[test]
    fn the_settlement_period_is_a_day_a_week_or_1_to_744_hours() {
        let period = |choice: Settlement, hours: &str| {
            terms_of(&with(|f| {
                f.settlement = choice;
                f.settlement_hours = hours.into();
            }))
            .map(|t| t.settlement_period)
        };
        assert_eq!(period(Settlement::Daily, ""), Ok(86_400));
        assert_eq!(period(Settlement::Weekly, "nonsense"), Ok(604_800), "the hours are read only when chosen");
        assert_eq!(period(Settlement::Hours, "1"), Ok(MIN_SETTLEMENT_PERIOD));
        assert_eq!(period(Settlement::Hours, " 12 "), Ok(43_200));
        assert_eq!(period(Settlement::Hours, "744"), Ok(MAX_SETTLEMENT_PERIOD));
        let message = |hours: &str| {
            error_of(
                &with(|f| {
                    f.settlement = Settlement::Hours;
                    f.settlement_hours = hours.into();
                }),
                Field::Settlement,
            )
            .unwrap()
        };
        assert_eq!(message("0"), "A settlement period is 1 to 744 hours (31 days).");
        assert_eq!(message("745"), "A settlement period is 1 to 744 hours (31 days).");
        assert_eq!(message("9".repeat(50).as_str()), "A settlement period is 1 to 744 hours (31 days).");
        assert_eq!(message("1.5"), "Give the settlement period in whole hours, like 12.");
        assert_eq!(message("a day"), "Give the settlement period in whole hours, like 12.");
        assert_eq!(message("-24"), "The settlement period can't be negative.");
        assert_eq!(message(""), "Enter how many hours each settlement period lasts, 1 to 744.");
        assert_eq!(Settlement::from_key("weekly"), Some(Settlement::Weekly));
        assert!(Settlement::ALL.iter().all(|choice| Settlement::from_key(choice.key()) == Some(*choice)));
    }

    #[test]
    fn the_grace_is_0_to_168_whole_hours() {
        let grace = |text: &str| terms_of(&with(|f| f.grace_hours = text.into())).map(|t| t.grace_period);
        assert_eq!(grace("0"), Ok(0));
        assert_eq!(grace("6"), Ok(21_600));
        assert_eq!(grace("168"), Ok(MAX_GRACE_PERIOD));
        let message = |text: &str| error_of(&with(|f| f.grace_hours = text.into()), Field::Grace).unwrap();
        assert_eq!(message("169"), "The grace can be at most 168 hours (7 days).");
        assert_eq!(message("9".repeat(50).as_str()), "The grace can be at most 168 hours (7 days).");
        assert_eq!(message("6.5"), "Give the grace in whole hours, like 6.");
        assert_eq!(message("-1"), "The grace can't be negative.");
        assert_eq!(
            message(" "),
            "Enter the grace in hours, 0 to 168; 0 means a settlement is late as soon as it is due."
        );
    }

    #[test]
    fn the_fee_is_shown_on_a_hundred_dollars() {
        let note = |text: &str| service_fee_note(&with(|f| f.service_fee_percent = text.into()));
        assert_eq!(
            note("10").unwrap(),
            "Of every $100 the rig earns, the operator may keep at most $10 as its fee; the rest, less electricity, goes to the twin's owner."
        );
        assert!(note("12.5").unwrap().contains("at most $12.50 as its fee"));
        assert!(note("7.25%").unwrap().contains("at most $7.25 as its fee"));
        assert!(note("0.01").unwrap().contains("at most $0.01 as its fee"));
        assert!(note("30").unwrap().contains("at most $30 as its fee"));
        assert_eq!(
            note("0").unwrap(),
            "Of every $100 the rig earns, the operator keeps no fee: all of it, less electricity, goes to the twin's owner."
        );
        assert_eq!(note("35"), None);
        assert_eq!(note("ten"), None);
    }

    #[test]
    fn the_tariff_is_shown_on_a_day_of_the_rig() {
        // 3068 W for 24 h is 73.632 kWh; at $0.065 that is $4.786…, $4.79.
        assert_eq!(
            tariff_note(&with(|f| f.tariff_usd_per_kwh = "0.065".into())).unwrap(),
            "The operator may keep at most $0.065 for each kWh the rig's telemetry meters: $4.79 for a full day of this rig at 3068 W (73.632 kWh)."
        );
        assert_eq!(
            tariff_note(&with(|f| {
                f.tariff_usd_per_kwh = "0.05".into();
                f.power_watts = String::new();
            }))
            .unwrap(),
            "The operator may keep at most $0.05 for each kWh the rig's telemetry meters."
        );
        assert_eq!(tariff_note(&with(|f| f.tariff_usd_per_kwh = "2".into())), None);
    }

    #[test]
    fn the_schedule_says_when_a_settlement_is_due_and_late() {
        assert_eq!(
            schedule_note(&MintForm::fresh()).unwrap(),
            "A settlement to the twin's owner is due daily, and is late 6 hours after it is due."
        );
        assert_eq!(
            schedule_note(&with(|f| f.grace_hours = "0".into())).unwrap(),
            "A settlement to the twin's owner is due weekly, and is late as soon as it is due."
        );
        let hourly = with(|f| {
            f.settlement = Settlement::Hours;
            f.settlement_hours = "36".into();
            f.grace_hours = "1".into();
        });
        assert_eq!(
            schedule_note(&hourly).unwrap(),
            "A settlement to the twin's owner is due every 36 hours, and is late 1 hour after it is due."
        );
        assert_eq!(schedule_note(&with(|f| f.grace_hours = "169".into())), None);
    }

    #[test]
    fn terms_read_in_their_units() {
        assert_eq!(format_tariff(65_000), "$0.065/kWh");
        assert_eq!(format_tariff(1_000_000), "$1/kWh");
        assert_eq!(format_tariff(1), "$0.000001/kWh");
        assert_eq!(format_tariff(0), "$0/kWh");
        assert_eq!(format_duration(3_600), "1 hour");
        assert_eq!(format_duration(21_600), "6 hours");
        assert_eq!(format_duration(86_400), "1 day");
        assert_eq!(format_duration(31 * 86_400), "31 days");
        assert_eq!(format_duration(129_600), "36 hours");
        assert_eq!(format_duration(1_800), "30 minutes");
        assert_eq!(format_duration(1), "1 second");
        assert_eq!(format_duration(0), "0 seconds");
        assert_eq!(settlement_phrase(86_400), "daily");
        assert_eq!(settlement_phrase(604_800), "weekly");
        assert_eq!(settlement_phrase(3_600), "every hour");
        assert_eq!(settlement_phrase(7_200), "every 2 hours");
        let terms = EarningTerms {
            service_fee_bps: 1_250,
            tariff_micro_usd_per_kwh: 45_000,
            settlement_period: 3_600,
            grace_period: 3_600,
        };
        assert_eq!(terms.summary(), "12.5% fee · $0.045/kWh · settled every hour · 1 hour's grace");
        assert_eq!(
            EarningTerms { grace_period: 0, ..terms }.summary(),
            "12.5% fee · $0.045/kWh · settled every hour · no grace"
        );
    }

    #[test]
    fn the_reveal_waits_for_a_block_after_the_commitments() {
        assert_eq!(RevealStage::of(None, Some(40)), RevealStage::AwaitingCommit);
        assert_eq!(RevealStage::of(Some(55), Some(55)), RevealStage::WaitingForNextBlock { committed_at: 55 });
        assert_eq!(RevealStage::of(Some(55), None), RevealStage::WaitingForNextBlock { committed_at: 55 });
        assert_eq!(RevealStage::of(Some(55), Some(56)), RevealStage::Ready { committed_at: 55 });
        assert!(RevealStage::of(Some(55), Some(55)).describe().starts_with("Step 1 of 2 done"));
        assert!(RevealStage::of(Some(55), Some(55)).describe().contains("Waiting for the next block"));
    }

    #[test]
    fn commissioning_dates_are_real_past_and_after_bitcoin() {
        let at = |text: &str| {
            validate(&with(|f| f.commissioned = text.into()), NOW, never_taken, checksummed).map(|v| v.commissioned_at)
        };
        assert_eq!(at("2009-01-03"), Ok(1_230_940_800));
        assert_eq!(at("2025-11-03"), Ok(1_762_128_000));
        // At noon UTC it is already the 4th from UTC+12 eastwards.
        assert_eq!(at("2025-11-04"), Ok(1_762_214_400));
        let message = |text: &str| error_of(&with(|f| f.commissioned = text.into()), Field::Commissioned).unwrap();
        assert_eq!(message("2025-11-05"), "The commissioning date can't be in the future.");
        assert_eq!(message("2009-01-02"), "No rig mined before Bitcoin's first block, on 3 January 2009.");
        assert_eq!(message("1969-12-31"), "No rig mined before Bitcoin's first block, on 3 January 2009.");
        assert_eq!(message("2025-02-29"), "2025-02-29 is not a day on the calendar.");
        assert_eq!(message("03/11/2025"), "Enter the date as YYYY-MM-DD, like 2024-03-15.");
        assert_eq!(message(""), "Enter the date the rig started mining.");
    }

    #[test]
    fn reporter_addresses_are_checked_like_wallets_do() {
        let reporter = |text: &str| {
            validate(&with(|f| f.reporter = text.into()), NOW, never_taken, checksummed).map(|v| v.reporter)
        };
        let expected: Address = ANVIL_1.parse().unwrap();
        assert_eq!(reporter(&ANVIL_1.to_lowercase()), Ok(expected));
        assert_eq!(reporter(&format!("0x{}", ANVIL_1[2..].to_uppercase())), Ok(expected));
        assert_eq!(reporter(&format!("  {ANVIL_1} ")), Ok(expected));
        assert_eq!(reporter(&format!("0X{}", &ANVIL_1[2..])), Ok(expected));

        let message = |text: &str| error_of(&with(|f| f.reporter = text.into()), Field::Reporter).unwrap();
        assert_eq!(
            message("0x70997970c51812dc3A010C7d01b50e0d17dc79C8"),
            "This address's capital letters don't match its checksum, so it was probably mistyped; paste it again."
        );
        assert_eq!(
            message("0x0000000000000000000000000000000000000000"),
            "The reporter can't be the zero address: no one holds its key."
        );
        assert_eq!(message("70997970C51812dc3A010C7d01b50e0d17dc79C8"), "An address starts with 0x.");
        assert_eq!(message("0x7099"), "An address has 40 hex digits after 0x; this one has 4.");
        assert_eq!(
            message("0xZ0997970C51812dc3A010C7d01b50e0d17dc79C8"),
            "An address has only the digits 0 to 9 and the letters a to f."
        );
        assert_eq!(message(""), "Enter the reporter address: the key your rig's agent posts telemetry with.");
    }

    #[test]
    fn royalty_is_percent_text_to_basis_points() {
        let bps = |text: &str| {
            validate(&with(|f| f.royalty_percent = text.into()), NOW, never_taken, checksummed).map(|v| v.royalty_bps)
        };
        assert_eq!(bps("0"), Ok(0));
        assert_eq!(bps("10"), Ok(1_000));
        assert_eq!(bps("10.00%"), Ok(1_000));
        assert_eq!(bps("7.25"), Ok(725));
        assert_eq!(bps(" 0.01 % "), Ok(1));
        let message = |text: &str| error_of(&with(|f| f.royalty_percent = text.into()), Field::Royalty).unwrap();
        assert_eq!(message("10.01"), "The royalty can be at most 10%.");
        assert_eq!(message("99999999999999999999999999999999999999999"), "The royalty can be at most 10%.");
        assert_eq!(message("7.255"), "Give the royalty to at most 2 decimals, like 2.5 or 7.25.");
        assert_eq!(message("-1"), "The royalty can't be negative.");
        assert_eq!(message("five"), "Enter the royalty as a percentage, like 2.5.");
        assert_eq!(message(""), "Enter a royalty from 0 to 10%; 0 means none.");
    }

    #[test]
    fn list_price_is_optional_positive_ether() {
        let price = |text: &str| {
            validate(&with(|f| f.list_price = text.into()), NOW, never_taken, checksummed).map(|v| v.list_price)
        };
        assert_eq!(price(""), Ok(None));
        assert_eq!(price("  "), Ok(None));
        assert_eq!(price("0.5 ETH"), Ok(Some(Wei(WEI_PER_ETHER / 2))));
        assert_eq!(price("0.000000000000000001"), Ok(Some(Wei(1))));
        let message = |text: &str| error_of(&with(|f| f.list_price = text.into()), Field::ListPrice).unwrap();
        assert_eq!(message("-1"), "The price can't be negative.");
        assert_eq!(message("0.0000000000000000001"), "Ether has at most 18 decimals; the price has more.");
        assert_eq!(message("0"), "The price must be more than zero; leave it empty to mint without listing.");
        assert_eq!(message("0.000"), "The price must be more than zero; leave it empty to mint without listing.");
        assert_eq!(message("one"), "Enter the price in ETH as a number, like 0.5.");
        assert_eq!(message("79228162515"), "The price is more than the market accepts.");
        assert_eq!(price("79228162514"), Ok(Some(Wei(79_228_162_514 * WEI_PER_ETHER))));
    }

    #[test]
    fn labels_name_every_field() {
        assert!(Field::ALL.iter().all(|field| !field.label().is_empty()));
        assert_eq!(Field::ListPrice.label(), "List price (ETH)");
        assert_eq!(Field::ServiceFee.label(), "Service fee (%)");
        let mut labels: Vec<&str> = Field::ALL.iter().map(|field| field.label()).collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), Field::ALL.len(), "every label is its own");
    }
}
