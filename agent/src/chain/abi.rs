//! TwinRegistry's ABI, the one the app embeds (kept in step with the compiled contract by
//! scripts/lib/abi.mjs), with encoders for the agent's calls and a decoder for its custom errors.

use crate::normalise::TelemetryReport;
use ethers_core::abi::{Abi, Token};
use ethers_core::types::{Address, I256, U256};
use std::fmt;
use std::sync::OnceLock;

static ABI: OnceLock<Abi> = OnceLock::new();

pub fn abi() -> &'static Abi {
    ABI.get_or_init(|| {
        serde_json::from_str(include_str!("../../../src/chain/abi/TwinRegistry.json"))
            .expect("the embedded TwinRegistry ABI is valid JSON")
    })
}

fn function(name: &str) -> &'static ethers_core::abi::Function {
    abi().function(name).expect("function is in the embedded ABI")
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

/// A revert reason, decoded from the registry's custom errors.
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
    /// Another error of the registry's ABI (e.g. `ERC721NonexistentToken`).
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
    for error in abi().errors() {
        if error.signature().as_bytes()[..4] != *selector {
            continue;
        }
        let Ok(t) = error.decode(args) else { break };
        return match error.name.as_str() {
            "NotReporter" => RegistryError::NotReporter {
                token_id: as_u256(t.first()),
                caller: match t.get(1) {
                    Some(Token::Address(a)) => *a,
                    _ => Address::zero(),
                },
            },
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
