//! TwinRegistry's, TwinEarnings' and Chainlink's AggregatorV3 ABIs, the ones the app embeds (kept
//! in step with the compiled contracts by scripts/lib/abi.mjs), with encoders for the agent's calls
//! and a decoder for the contracts' custom errors.

use crate::normalise::TelemetryReport;
use ethers_core::abi::{Abi, Token};
use ethers_core::types::{Address, I256, U256};
use std::fmt;
use std::sync::OnceLock;

static ABI: OnceLock<Abi> = OnceLock::new();
static EARNINGS_ABI: OnceLock<Abi> = OnceLock::new();
static FEED_ABI: OnceLock<Abi> = OnceLock::new();

pub fn abi() -> &'static Abi {
    ABI.get_or_init(|| {
        serde_json::from_str(include_str!("../../../src/chain/abi/TwinRegistry.json"))
            .expect("the embedded TwinRegistry ABI is valid JSON")
    })
}

pub fn earnings_abi() -> &'static Abi {
    EARNINGS_ABI.get_or_init(|| {
        serde_json::from_str(include_str!("../../../src/chain/abi/TwinEarnings.json"))
            .expect("the embedded TwinEarnings ABI is valid JSON")
    })
}

pub fn feed_abi() -> &'static Abi {
    FEED_ABI.get_or_init(|| {
        serde_json::from_str(include_str!("../../../src/chain/abi/AggregatorV3Interface.json"))
            .expect("the embedded AggregatorV3Interface ABI is valid JSON")
    })
}

fn function(name: &str) -> &'static ethers_core::abi::Function {
    abi().function(name).expect("function is in the embedded ABI")
}

fn earnings_function(name: &str) -> &'static ethers_core::abi::Function {
    earnings_abi().function(name).expect("function is in the embedded TwinEarnings ABI")
}

fn feed_function(name: &str) -> &'static ethers_core::abi::Function {
    feed_abi().function(name).expect("function is in the embedded AggregatorV3 ABI")
}

fn report_token(r: &TelemetryReport) -> Token {
    Token::Tuple(vec![
        Token::Uint(r.timestamp.into()),
        Token::Uint(r.hashrate_ghs.into()),
        Token::Uint(r.power_watts.into()),
        // int16 goes on the wire sign-extended to 256 bits.
        Token::Int(I256::from(r.board_temp_deci_c as i64).into_raw()),
        Token::Uint(r.fan_rpm.into()),
        Token::Uint(r.uptime_seconds.into()),
        Token::Uint(r.accepted_shares.into()),
        Token::Uint(r.rejected_shares.into()),
    ])
}

pub fn encode_report_telemetry(token_id: u64, reports: &[TelemetryReport]) -> Vec<u8> {
    let tokens = [Token::Uint(token_id.into()), Token::Array(reports.iter().map(report_token).collect())];
    function("reportTelemetry").encode_input(&tokens).expect("tokens match the ABI")
}

/// Calldata for the one-argument views: `lastTelemetryAt`, `reporterOf`, `specOf`, `statusOf`.
pub fn encode_view(name: &str, token_id: u64) -> Vec<u8> {
    function(name).encode_input(&[Token::Uint(token_id.into())]).expect("tokens match the ABI")
}

pub fn decode_last_telemetry_at(output: &[u8]) -> Option<u64> {
    match function("lastTelemetryAt").decode_output(output).ok()?.first()? {
        Token::Uint(v) if *v <= U256::from(u64::MAX) => Some(v.as_u64()),
        _ => None,
    }
}

pub fn decode_reporter_of(output: &[u8]) -> Option<Address> {
    match function("reporterOf").decode_output(output).ok()?.first()? {
        Token::Address(a) => Some(*a),
        _ => None,
    }
}

/// The figures of `specOf` the simulator needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RigSpec {
    pub manufacturer: String,
    pub model: String,
    pub hashrate_ghs: u64,
    pub power_watts: u32,
}

pub fn decode_spec_of(output: &[u8]) -> Option<RigSpec> {
    let tokens = function("specOf").decode_output(output).ok()?;
    let Some(Token::Tuple(fields)) = tokens.first() else {
        return None;
    };
    let text = |i: usize| match fields.get(i) {
        Some(Token::String(s)) => Some(s.clone()),
        _ => None,
    };
    let uint = |i: usize| match fields.get(i) {
        Some(Token::Uint(v)) if *v <= U256::from(u64::MAX) => Some(v.as_u64()),
        _ => None,
    };
    Some(RigSpec {
        manufacturer: text(0)?,
        model: text(1)?,
        hashrate_ghs: uint(3)?,
        power_watts: u32::try_from(uint(4)?).ok()?,
    })
}

/// `TwinEarnings.periodOf`: a twin's next period, as far as its telemetry reaches now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Period {
    pub start: u64,
    /// Equals `start` while the twin has no telemetry after it.
    pub end: u64,
    pub energy_wh: u64,
    pub due_at: u64,
    pub late_at: u64,
    /// How many periods of the twin have been settled.
    pub settled: u32,
}

impl Period {
    pub fn has_telemetry(&self) -> bool {
        self.end > self.start
    }
}

/// `TwinEarnings.quote`: a settlement's figures if the operator keeps both caps; wei unless named.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Quote {
    pub period_start: u64,
    pub period_end: u64,
    pub energy_wh: u64,
    pub late: bool,
    pub price_decimals: u8,
    pub gross: U256,
    pub service_fee: U256,
    pub electricity: U256,
    pub net: U256,
    pub shortfall: U256,
    pub service_fee_cap: U256,
    pub electricity_cap: U256,
    /// The ETH/USD feed's answer, with `price_decimals` decimals.
    pub eth_usd_price: U256,
}

/// One Chainlink-style feed's newest answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FeedAnswer {
    pub answer: I256,
    pub decimals: u8,
    pub updated_at: u64,
}

impl FeedAnswer {
    /// The answer as a number, its decimals applied.
    pub fn value(&self) -> f64 {
        let magnitude = self.answer.unsigned_abs();
        // Answers are at most a few dozen digits: through the decimal string, exactly parsed.
        let v: f64 = magnitude.to_string().parse().unwrap_or(f64::NAN) / 10f64.powi(self.decimals as i32);
        if self.answer.is_negative() {
            -v
        } else {
            v
        }
    }
}

/// What the deployment's feeds say now: the simulated pool's hashprice and the ETH it pays in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChainFigures {
    pub eth_usd: FeedAnswer,
    pub btc_usd: FeedAnswer,
    /// The Bitcoin network's difficulty (0 decimals).
    pub difficulty: FeedAnswer,
    /// Mean fees per Bitcoin block, in BTC (8 decimals).
    pub fees_per_block: FeedAnswer,
}

/// Calldata for TwinEarnings' one-argument views: `periodOf`.
pub fn encode_earnings_view(name: &str, token_id: u64) -> Vec<u8> {
    earnings_function(name).encode_input(&[Token::Uint(token_id.into())]).expect("tokens match the ABI")
}

/// Calldata for TwinEarnings' argument-less views: `ethUsdFeed`, `btcUsdFeed`, ...
pub fn encode_earnings_getter(name: &str) -> Vec<u8> {
    earnings_function(name).encode_input(&[]).expect("tokens match the ABI")
}

/// Calldata for an AggregatorV3 view without arguments: `latestRoundData`, `decimals`.
pub fn encode_feed_getter(name: &str) -> Vec<u8> {
    feed_function(name).encode_input(&[]).expect("tokens match the ABI")
}

pub fn encode_quote(token_id: u64, gross: U256) -> Vec<u8> {
    earnings_function("quote")
        .encode_input(&[Token::Uint(token_id.into()), Token::Uint(gross)])
        .expect("tokens match the ABI")
}

pub fn encode_settle(token_id: u64, period_end: u64, gross: U256, service_fee: U256, electricity: U256) -> Vec<u8> {
    earnings_function("settle")
        .encode_input(&[
            Token::Uint(token_id.into()),
            Token::Uint(period_end.into()),
            Token::Uint(gross),
            Token::Uint(service_fee),
            Token::Uint(electricity),
        ])
        .expect("tokens match the ABI")
}

fn uint_u64(t: Option<&Token>) -> Option<u64> {
    match t {
        Some(Token::Uint(v)) if *v <= U256::from(u64::MAX) => Some(v.as_u64()),
        _ => None,
    }
}

fn uint(t: Option<&Token>) -> Option<U256> {
    match t {
        Some(Token::Uint(v)) => Some(*v),
        _ => None,
    }
}

pub fn decode_period(output: &[u8]) -> Option<Period> {
    let tokens = earnings_function("periodOf").decode_output(output).ok()?;
    let Some(Token::Tuple(f)) = tokens.first() else {
        return None;
    };
    Some(Period {
        start: uint_u64(f.first())?,
        end: uint_u64(f.get(1))?,
        energy_wh: uint_u64(f.get(2))?,
        due_at: uint_u64(f.get(3))?,
        late_at: uint_u64(f.get(4))?,
        settled: u32::try_from(uint_u64(f.get(5))?).ok()?,
    })
}

pub fn decode_quote(output: &[u8]) -> Option<Quote> {
    let tokens = earnings_function("quote").decode_output(output).ok()?;
    let Some(Token::Tuple(f)) = tokens.first() else {
        return None;
    };
    Some(Quote {
        period_start: uint_u64(f.first())?,
        period_end: uint_u64(f.get(1))?,
        energy_wh: uint_u64(f.get(2))?,
        late: match f.get(3) {
            Some(Token::Bool(b)) => *b,
            _ => return None,
        },
        price_decimals: u8::try_from(uint_u64(f.get(4))?).ok()?,
        gross: uint(f.get(5))?,
        service_fee: uint(f.get(6))?,
        electricity: uint(f.get(7))?,
        net: uint(f.get(8))?,
        shortfall: uint(f.get(9))?,
        service_fee_cap: uint(f.get(10))?,
        electricity_cap: uint(f.get(11))?,
        eth_usd_price: uint(f.get(12))?,
    })
}

/// A view that returns one address (`operatorOf`, `ethUsdFeed`, ...).
pub fn decode_address(output: &[u8]) -> Option<Address> {
    match ethers_core::abi::decode(&[ethers_core::abi::ParamType::Address], output).ok()?.first()? {
        Token::Address(a) => Some(*a),
        _ => None,
    }
}

/// `latestRoundData()`: the answer and when it was updated.
pub fn decode_latest_round(output: &[u8]) -> Option<(I256, u64)> {
    let t = feed_function("latestRoundData").decode_output(output).ok()?;
    let answer = match t.get(1)? {
        Token::Int(v) => I256::from_raw(*v),
        _ => return None,
    };
    Some((answer, uint_u64(t.get(3))?))
}

pub fn decode_decimals(output: &[u8]) -> Option<u8> {
    u8::try_from(uint_u64(feed_function("decimals").decode_output(output).ok()?.first())?).ok()
}

/// The registry's `TelemetryReported(uint256 indexed tokenId, TelemetryReport report)` topic.
pub fn telemetry_reported_topic() -> [u8; 32] {
    abi().event("TelemetryReported").expect("event is in the embedded ABI").signature().0
}

/// The report in a `TelemetryReported` log's data.
pub fn decode_telemetry_log(data: &[u8]) -> Option<TelemetryReport> {
    let event = abi().event("TelemetryReported").ok()?;
    let kinds: Vec<_> = event.inputs.iter().filter(|i| !i.indexed).map(|i| i.kind.clone()).collect();
    let tokens = ethers_core::abi::decode(&kinds, data).ok()?;
    let Some(Token::Tuple(f)) = tokens.first() else {
        return None;
    };
    let small = |i: usize| uint_u64(f.get(i)).and_then(|v| u32::try_from(v).ok());
    Some(TelemetryReport {
        timestamp: uint_u64(f.first())?,
        hashrate_ghs: uint_u64(f.get(1))?,
        power_watts: small(2)?,
        board_temp_deci_c: match f.get(3)? {
            Token::Int(v) => i16::try_from(I256::from_raw(*v).as_i64()).ok()?,
            _ => return None,
        },
        fan_rpm: small(4)?,
        uptime_seconds: small(5)?,
        accepted_shares: uint_u64(f.get(6))?,
        rejected_shares: uint_u64(f.get(7))?,
    })
}

/// A revert reason, decoded from the custom errors of the registry, TwinEarnings and the price
/// checks TwinEarnings makes (PriceFeeds), or Solidity's built-ins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryError {
    NotReporter {
        token_id: U256,
        caller: Address,
    },
    TwinDecommissioned {
        token_id: U256,
    },
    TelemetryOutOfOrder {
        index: u64,
        timestamp: u64,
        previous: u64,
    },
    TelemetryInFuture {
        timestamp: u64,
        block_timestamp: u64,
    },
    EmptyTelemetryBatch,
    TelemetryBatchTooLarge {
        length: u64,
        max: u64,
    },
    /// Settling: the caller is not the twin's operator (TwinEarnings and the registry share it).
    NotOperator {
        token_id: U256,
        caller: Address,
    },
    /// Settling: the twin has no telemetry after the end of its last settled period.
    NoNewTelemetry {
        token_id: U256,
        settled_through: u64,
    },
    /// The gross was worked out to `expected`, but a report landed since and the period now ends at `actual`.
    PeriodEndMoved {
        token_id: U256,
        expected: u64,
        actual: u64,
    },
    ServiceFeeAboveCap {
        service_fee: U256,
        cap: U256,
    },
    ElectricityAboveCap {
        electricity: U256,
        cap: U256,
    },
    PaymentNotNet {
        token_id: U256,
        net: U256,
        sent: U256,
    },
    /// The ETH/USD price is older than the deployment allows.
    StalePrice {
        feed: Address,
        updated_at: u64,
        max_age: u64,
    },
    NonPositivePrice {
        feed: Address,
        answer: I256,
    },
    SequencerDown {
        sequencer: Address,
    },
    SequencerGracePeriod {
        sequencer: Address,
        up_since: u64,
    },
    /// Another error of the contracts' ABIs (e.g. `ERC721NonexistentToken`).
    Other {
        name: String,
        args: Vec<String>,
    },
    /// `Error(string)` or `Panic(uint256)`, or a node's plain revert message.
    Message(String),
    /// Revert data that matches nothing in the ABI, as hex.
    Unknown(String),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::NotReporter { token_id, caller } => {
                write!(f, "NotReporter: {caller:?} is not the reporter of twin {token_id}")
            }
            RegistryError::TwinDecommissioned { token_id } => {
                write!(f, "TwinDecommissioned: twin {token_id} is decommissioned")
            }
            RegistryError::TelemetryOutOfOrder { index, timestamp, previous } => {
                write!(f, "TelemetryOutOfOrder: report {index} has timestamp {timestamp}, not after {previous}")
            }
            RegistryError::TelemetryInFuture { timestamp, block_timestamp } => {
                write!(f, "TelemetryInFuture: timestamp {timestamp} is after the block time {block_timestamp}")
            }
            RegistryError::EmptyTelemetryBatch => write!(f, "EmptyTelemetryBatch"),
            RegistryError::TelemetryBatchTooLarge { length, max } => {
                write!(f, "TelemetryBatchTooLarge: {length} reports, at most {max}")
            }
            RegistryError::NotOperator { token_id, caller } => {
                write!(f, "NotOperator: {caller:?} is not the operator of twin {token_id}")
            }
            RegistryError::NoNewTelemetry { token_id, settled_through } => write!(
                f,
                "NoNewTelemetry: twin {token_id} has no telemetry after {settled_through}, the end of its last period"
            ),
            RegistryError::PeriodEndMoved { token_id, expected, actual } => write!(
                f,
                "PeriodEndMoved: twin {token_id}'s gross was for a period ending at {expected}, but a report since moved its end to {actual}"
            ),
            RegistryError::ServiceFeeAboveCap { service_fee, cap } => {
                write!(f, "ServiceFeeAboveCap: a service fee of {service_fee} wei is over the terms' cap of {cap} wei")
            }
            RegistryError::ElectricityAboveCap { electricity, cap } => write!(
                f,
                "ElectricityAboveCap: an electricity charge of {electricity} wei is over the metered energy's cap of {cap} wei"
            ),
            RegistryError::PaymentNotNet { token_id, net, sent } => {
                write!(f, "PaymentNotNet: {sent} wei came with twin {token_id}'s settlement, whose net is {net} wei")
            }
            RegistryError::StalePrice { feed, updated_at, max_age } => write!(
                f,
                "StalePrice: the price feed {feed:?} was last updated at {} ({updated_at}), more than the {max_age} s a settlement allows",
                crate::log::utc_timestamp(*updated_at)
            ),
            RegistryError::NonPositivePrice { feed, answer } => {
                write!(f, "NonPositivePrice: the price feed {feed:?} answers {answer}, not a positive price")
            }
            RegistryError::SequencerDown { sequencer } => {
                write!(f, "SequencerDown: the L2 sequencer is down (uptime feed {sequencer:?})")
            }
            RegistryError::SequencerGracePeriod { sequencer, up_since } => write!(
                f,
                "SequencerGracePeriod: the L2 sequencer has only been up since {} ({up_since}), within the grace period (uptime feed {sequencer:?})",
                crate::log::utc_timestamp(*up_since)
            ),
            RegistryError::Other { name, args } => write!(f, "{name}({})", args.join(", ")),
            RegistryError::Message(m) => write!(f, "reverted: {m}"),
            RegistryError::Unknown(hex) => write!(f, "reverted with unrecognised data {hex}"),
        }
    }
}

fn as_u64(t: Option<&Token>) -> u64 {
    match t {
        Some(Token::Uint(v)) | Some(Token::Int(v)) => v.low_u64(),
        _ => 0,
    }
}

fn as_u256(t: Option<&Token>) -> U256 {
    match t {
        Some(Token::Uint(v)) | Some(Token::Int(v)) => *v,
        _ => U256::zero(),
    }
}

pub fn decode_revert(data: &[u8]) -> RegistryError {
    if data.len() < 4 {
        return RegistryError::Unknown(format!("0x{}", hex_string(data)));
    }
    let (selector, args) = data.split_at(4);
    // Error(string) and Panic(uint256) are Solidity's built-ins, not in the ABI.
    if selector == [0x08, 0xc3, 0x79, 0xa0] {
        if let Ok(tokens) = ethers_core::abi::decode(&[ethers_core::abi::ParamType::String], args) {
            if let Some(Token::String(s)) = tokens.first() {
                return RegistryError::Message(s.clone());
            }
        }
    }
    if selector == [0x4e, 0x48, 0x7b, 0x71] {
        if let Ok(tokens) = ethers_core::abi::decode(&[ethers_core::abi::ParamType::Uint(256)], args) {
            return RegistryError::Message(format!("panic 0x{:x}", as_u256(tokens.first())));
        }
    }
    for error in abi().errors().chain(earnings_abi().errors()) {
        if error.signature().as_bytes()[..4] != *selector {
            continue;
        }
        let Ok(t) = error.decode(args) else { continue };
        let address = |i: usize| match t.get(i) {
            Some(Token::Address(a)) => *a,
            _ => Address::zero(),
        };
        return match error.name.as_str() {
            "NotReporter" => RegistryError::NotReporter { token_id: as_u256(t.first()), caller: address(1) },
            "TwinDecommissioned" => RegistryError::TwinDecommissioned { token_id: as_u256(t.first()) },
            "TelemetryOutOfOrder" => RegistryError::TelemetryOutOfOrder {
                index: as_u64(t.first()),
                timestamp: as_u64(t.get(1)),
                previous: as_u64(t.get(2)),
            },
            "TelemetryInFuture" => {
                RegistryError::TelemetryInFuture { timestamp: as_u64(t.first()), block_timestamp: as_u64(t.get(1)) }
            }
            "EmptyTelemetryBatch" => RegistryError::EmptyTelemetryBatch,
            "TelemetryBatchTooLarge" => {
                RegistryError::TelemetryBatchTooLarge { length: as_u64(t.first()), max: as_u64(t.get(1)) }
            }
            "NotOperator" => RegistryError::NotOperator { token_id: as_u256(t.first()), caller: address(1) },
            "NoNewTelemetry" => {
                RegistryError::NoNewTelemetry { token_id: as_u256(t.first()), settled_through: as_u64(t.get(1)) }
            }
            "PeriodEndMoved" => RegistryError::PeriodEndMoved {
                token_id: as_u256(t.first()),
                expected: as_u64(t.get(1)),
                actual: as_u64(t.get(2)),
            },
            "ServiceFeeAboveCap" => {
                RegistryError::ServiceFeeAboveCap { service_fee: as_u256(t.first()), cap: as_u256(t.get(1)) }
            }
            "ElectricityAboveCap" => {
                RegistryError::ElectricityAboveCap { electricity: as_u256(t.first()), cap: as_u256(t.get(1)) }
            }
            "PaymentNotNet" => RegistryError::PaymentNotNet {
                token_id: as_u256(t.first()),
                net: as_u256(t.get(1)),
                sent: as_u256(t.get(2)),
            },
            "StalePrice" => {
                RegistryError::StalePrice { feed: address(0), updated_at: as_u64(t.get(1)), max_age: as_u64(t.get(2)) }
            }
            "NonPositivePrice" => {
                RegistryError::NonPositivePrice { feed: address(0), answer: I256::from_raw(as_u256(t.get(1))) }
            }
            "SequencerDown" => RegistryError::SequencerDown { sequencer: address(0) },
            "SequencerGracePeriod" => {
                RegistryError::SequencerGracePeriod { sequencer: address(0), up_since: as_u64(t.get(1)) }
            }
            name => RegistryError::Other { name: name.to_string(), args: t.iter().map(|x| x.to_string()).collect() },
        };
    }
    RegistryError::Unknown(format!("0x{}", hex_string(data)))
}

pub fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ethers_core::utils::keccak256;

    fn encode_error(name: &str, tokens: &[Token]) -> Vec<u8> {
        abi().error(name).unwrap().encode(tokens).unwrap()
    }

    #[test]
    fn report_telemetry_selector_and_layout() {
        let sig = "reportTelemetry(uint256,(uint64,uint64,uint32,int16,uint32,uint32,uint64,uint64)[])";
        let r = TelemetryReport {
            timestamp: 1_700_000_000,
            hashrate_ghs: 95_000,
            power_watts: 3250,
            board_temp_deci_c: -5,
            fan_rpm: 5600,
            uptime_seconds: 3600,
            accepted_shares: 10,
            rejected_shares: 1,
        };
        let data = encode_report_telemetry(1, &[r]);
        assert_eq!(data[..4], keccak256(sig)[..4]);
        // selector, tokenId, offset, length, then 8 static words of the tuple.
        assert_eq!(data.len(), 4 + 32 * (3 + 8));
        let word = |i: usize| &data[4 + 32 * i..4 + 32 * (i + 1)];
        assert_eq!(word(0)[31], 1);
        assert_eq!(word(2)[31], 1);
        assert_eq!(U256::from_big_endian(word(3)), U256::from(1_700_000_000u64));
        // -5 as int16, sign-extended.
        assert!(word(6)[..31].iter().all(|b| *b == 0xff));
        assert_eq!(word(6)[31], 0xfb);
    }

    #[test]
    fn decodes_registry_errors() {
        let caller: Address = "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc".parse().unwrap();
        let data = encode_error("NotReporter", &[Token::Uint(7.into()), Token::Address(caller)]);
        assert_eq!(decode_revert(&data), RegistryError::NotReporter { token_id: 7.into(), caller });

        let data = encode_error(
            "TelemetryOutOfOrder",
            &[Token::Uint(0.into()), Token::Uint(100.into()), Token::Uint(200.into())],
        );
        assert_eq!(
            decode_revert(&data),
            RegistryError::TelemetryOutOfOrder { index: 0, timestamp: 100, previous: 200 }
        );
        let data = encode_error("TelemetryInFuture", &[Token::Uint(300.into()), Token::Uint(290.into())]);
        assert_eq!(decode_revert(&data).to_string(), "TelemetryInFuture: timestamp 300 is after the block time 290");
        assert_eq!(decode_revert(&encode_error("EmptyTelemetryBatch", &[])), RegistryError::EmptyTelemetryBatch);
        let data = encode_error("TelemetryBatchTooLarge", &[Token::Uint(200.into()), Token::Uint(168.into())]);
        assert_eq!(decode_revert(&data), RegistryError::TelemetryBatchTooLarge { length: 200, max: 168 });
        let data = encode_error("TwinDecommissioned", &[Token::Uint(3.into())]);
        assert_eq!(decode_revert(&data), RegistryError::TwinDecommissioned { token_id: 3.into() });
        let data = encode_error("ERC721NonexistentToken", &[Token::Uint(99.into())]);
        assert_eq!(decode_revert(&data).to_string(), "ERC721NonexistentToken(63)");
    }

    fn encode_earnings_error(name: &str, tokens: &[Token]) -> Vec<u8> {
        earnings_abi().error(name).unwrap().encode(tokens).unwrap()
    }

    #[test]
    fn decodes_earnings_and_price_errors_into_words() {
        let who: Address = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8".parse().unwrap();
        let feed: Address = "0x0165878a594ca255338adfa4d48449f69242eb8f".parse().unwrap();
        let cases = [
            (
                encode_earnings_error("NotOperator", &[Token::Uint(3.into()), Token::Address(who)]),
                "NotOperator: 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 is not the operator of twin 3",
            ),
            (
                encode_earnings_error("NoNewTelemetry", &[Token::Uint(3.into()), Token::Uint(1_700_000_000u64.into())]),
                "NoNewTelemetry: twin 3 has no telemetry after 1700000000, the end of its last period",
            ),
            (
                encode_earnings_error("ServiceFeeAboveCap", &[Token::Uint(11.into()), Token::Uint(10.into())]),
                "ServiceFeeAboveCap: a service fee of 11 wei is over the terms' cap of 10 wei",
            ),
            (
                encode_earnings_error("ElectricityAboveCap", &[Token::Uint(5.into()), Token::Uint(4.into())]),
                "ElectricityAboveCap: an electricity charge of 5 wei is over the metered energy's cap of 4 wei",
            ),
            (
                encode_earnings_error("PaymentNotNet", &[Token::Uint(3.into()), Token::Uint(100.into()), Token::Uint(99.into())]),
                "PaymentNotNet: 99 wei came with twin 3's settlement, whose net is 100 wei",
            ),
            (
                encode_earnings_error(
                    "StalePrice",
                    &[Token::Address(feed), Token::Uint(1_732_000_000u64.into()), Token::Uint(90_000.into())],
                ),
                "StalePrice: the price feed 0x0165878a594ca255338adfa4d48449f69242eb8f was last updated at 2024-11-19T07:06:40Z (1732000000), more than the 90000 s a settlement allows",
            ),
            (
                encode_earnings_error("NonPositivePrice", &[Token::Address(feed), Token::Int(I256::from(-5).into_raw())]),
                "NonPositivePrice: the price feed 0x0165878a594ca255338adfa4d48449f69242eb8f answers -5, not a positive price",
            ),
            (
                encode_earnings_error("SequencerDown", &[Token::Address(feed)]),
                "SequencerDown: the L2 sequencer is down (uptime feed 0x0165878a594ca255338adfa4d48449f69242eb8f)",
            ),
            (
                encode_earnings_error("SequencerGracePeriod", &[Token::Address(feed), Token::Uint(1_732_000_000u64.into())]),
                "SequencerGracePeriod: the L2 sequencer has only been up since 2024-11-19T07:06:40Z (1732000000), within the grace period (uptime feed 0x0165878a594ca255338adfa4d48449f69242eb8f)",
            ),
        ];
        for (data, words) in cases {
            assert_eq!(decode_revert(&data).to_string(), words);
        }
        assert_eq!(
            decode_revert(&encode_earnings_error(
                "StalePrice",
                &[Token::Address(feed), Token::Uint(7.into()), Token::Uint(8.into())]
            )),
            RegistryError::StalePrice { feed, updated_at: 7, max_age: 8 }
        );
    }

    #[test]
    fn decodes_period_and_quote() {
        let period = ethers_core::abi::encode(&[Token::Tuple(
            [100u64, 200, 4_321, 86_500, 108_100, 2].iter().map(|v| Token::Uint((*v).into())).collect(),
        )]);
        assert_eq!(
            decode_period(&period),
            Some(Period { start: 100, end: 200, energy_wh: 4_321, due_at: 86_500, late_at: 108_100, settled: 2 })
        );
        assert!(decode_period(&period).unwrap().has_telemetry());

        let wei = |v: u128| Token::Uint(U256::from(v));
        let quote = ethers_core::abi::encode(&[Token::Tuple(vec![
            Token::Uint(100.into()),
            Token::Uint(200.into()),
            Token::Uint(84_000.into()),
            Token::Bool(true),
            Token::Uint(8.into()),
            wei(5_000_000_000_000_000),
            wei(500_000_000_000_000),
            wei(1_540_000_000_000_000),
            wei(2_960_000_000_000_000),
            wei(0),
            wei(500_000_000_000_000),
            wei(1_540_000_000_000_000),
            wei(300_000_000_000),
            Token::Tuple(vec![
                Token::Int(I256::from(9_100_000_000_000i64).into_raw()),
                Token::Int(I256::from(152_000_000_000_000i64).into_raw()),
                Token::Int(I256::from(2_000_000).into_raw()),
                Token::Uint(1_732_000_000u64.into()),
            ]),
        ])]);
        let q = decode_quote(&quote).unwrap();
        assert_eq!((q.period_start, q.period_end, q.energy_wh, q.late, q.price_decimals), (100, 200, 84_000, true, 8));
        assert_eq!(q.gross, U256::from(5_000_000_000_000_000u128));
        assert_eq!(
            (q.service_fee_cap, q.electricity_cap),
            (U256::from(500_000_000_000_000u128), U256::from(1_540_000_000_000_000u128))
        );
        assert_eq!(q.net, U256::from(2_960_000_000_000_000u128));
        assert_eq!(q.net + q.service_fee + q.electricity, q.gross + q.shortfall);
        assert_eq!(q.eth_usd_price, U256::from(300_000_000_000u64));
        assert_eq!(decode_quote(&period), None, "a period is not a quote");
    }

    #[test]
    fn encodes_settle_and_reads_feeds() {
        let data = encode_settle(7, 1_790_000_000, 1000.into(), 100.into(), 50.into());
        assert_eq!(data[..4], keccak256("settle(uint256,uint64,uint256,uint256,uint256)")[..4]);
        assert_eq!(data.len(), 4 + 32 * 5);
        assert_eq!(encode_quote(7, 1.into())[..4], keccak256("quote(uint256,uint256)")[..4]);
        let round = ethers_core::abi::encode(&[
            Token::Uint(5.into()),
            Token::Int(I256::from(300_000_000_000i64).into_raw()),
            Token::Uint(1.into()),
            Token::Uint(1_732_000_000u64.into()),
            Token::Uint(5.into()),
        ]);
        let (answer, at) = decode_latest_round(&round).unwrap();
        assert_eq!((answer, at), (I256::from(300_000_000_000i64), 1_732_000_000));
        let f = FeedAnswer { answer, decimals: 8, updated_at: at };
        assert_eq!(f.value(), 3_000.0);
        assert_eq!(FeedAnswer { answer: I256::from(-25), decimals: 1, updated_at: 0 }.value(), -2.5);
        assert_eq!(decode_decimals(&ethers_core::abi::encode(&[Token::Uint(8.into())])), Some(8));
    }

    #[test]
    fn decodes_a_telemetry_log() {
        let r = TelemetryReport {
            timestamp: 1_700_000_000,
            hashrate_ghs: 95_000,
            power_watts: 3250,
            board_temp_deci_c: -5,
            fan_rpm: 5600,
            uptime_seconds: 3600,
            accepted_shares: 10,
            rejected_shares: 1,
        };
        let data = ethers_core::abi::encode(&[report_token(&r)]);
        assert_eq!(decode_telemetry_log(&data), Some(r));
        let sig = "TelemetryReported(uint256,(uint64,uint64,uint32,int16,uint32,uint32,uint64,uint64))";
        assert_eq!(telemetry_reported_topic(), keccak256(sig));
    }

    #[test]
    fn decodes_builtin_and_unknown_reverts() {
        let mut data = vec![0x08, 0xc3, 0x79, 0xa0];
        data.extend(ethers_core::abi::encode(&[Token::String("nope".into())]));
        assert_eq!(decode_revert(&data), RegistryError::Message("nope".into()));
        assert_eq!(decode_revert(&[1, 2, 3, 4, 5]), RegistryError::Unknown("0x0102030405".into()));
        assert_eq!(decode_revert(&[]), RegistryError::Unknown("0x".into()));
    }

    #[test]
    fn decodes_views() {
        let word = |v: u64| ethers_core::abi::encode(&[Token::Uint(v.into())]);
        assert_eq!(decode_last_telemetry_at(&word(1_700_000_000)), Some(1_700_000_000));
        let spec = ethers_core::abi::encode(&[Token::Tuple(vec![
            Token::String("Bitmain".into()),
            Token::String("Antminer S21".into()),
            Token::FixedBytes(vec![0; 32]),
            Token::Uint(200_000.into()),
            Token::Uint(3500.into()),
            Token::String("Rack 3".into()),
            Token::Uint(1.into()),
        ])]);
        let s = decode_spec_of(&spec).unwrap();
        assert_eq!((s.model.as_str(), s.hashrate_ghs, s.power_watts), ("Antminer S21", 200_000, 3500));
    }
}
