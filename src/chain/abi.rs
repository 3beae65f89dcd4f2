//! The HashTwin contracts' ABIs, embedded from the compiled artifacts (`scripts/lib/abi.mjs` keeps
//! them in step, build.rs compacts them), with calldata encoding and the decoding of what they return and log.

use std::sync::LazyLock;

use ethers_core::abi::{Abi, Event, RawLog, Token};
use ethers_core::types::Log;

use super::rpc::RpcError;
use super::to_domain_address;
use crate::domain::{RigSpec, Twin, Wei};

macro_rules! embedded_abi {
    ($vis:vis $name:ident, $file:literal) => {
        $vis static $name: LazyLock<Abi> = LazyLock::new(|| {
            serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/abi/", $file))).expect(concat!(
                "the embedded ",
                $file,
                " is valid"
            ))
        });
    };
}

embedded_abi!(TWIN_REGISTRY, "TwinRegistry.json");
embedded_abi!(TWIN_MARKET, "TwinMarket.json");
embedded_abi!(HASH_LEDGER, "HashLedger.json");
embedded_abi!(TWIN_LENS, "TwinLens.json");
embedded_abi!(TWIN_EARNINGS, "TwinEarnings.json");
embedded_abi!(TWIN_VAULT, "TwinVault.json");
embedded_abi!(TWIN_SHARES, "TwinShares.json");
// The ENS functions chain::ens reads, from ENS's own artifacts.
embedded_abi!(pub(crate) ENS, "Ens.json");

/// Every contract the app talks to, for decoding their custom errors. TwinEarnings' ABI carries
/// the errors of the PriceFeeds library it reads Chainlink with; its `NotOperator` is the
/// registry's, selector and all, and reads the same. TwinShares carries OpenZeppelin's ERC-20 errors.
pub(crate) static ALL_ABIS: LazyLock<[&'static Abi; 6]> =
    LazyLock::new(|| [&*TWIN_REGISTRY, &*TWIN_MARKET, &*HASH_LEDGER, &*TWIN_EARNINGS, &*TWIN_VAULT, &*TWIN_SHARES]);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Rpc(#[from] RpcError),
    #[error("an answer from the contracts could not be decoded: {0}")]
    Decode(String),
}

/// Calldata for `function` of `abi` with `args`.
pub(crate) fn encode_call(abi: &Abi, function: &str, args: &[Token]) -> Vec<u8> {
    abi.function(function)
        .and_then(|function| function.encode_input(args))
        .unwrap_or_else(|error| panic!("calling {function} as the embedded ABI declares it: {error}"))
}

/// What `function` of `abi` returned.
pub(crate) fn decode_output(abi: &Abi, function: &str, output: &[u8]) -> Result<Vec<Token>, ChainError> {
    let function = abi.function(function).map_err(|error| ChainError::Decode(error.to_string()))?;
    function.decode_output(output).map_err(|error| ChainError::Decode(format!("{}: {error}", function.name)))
}

/// Wei from a uint256 the contracts returned; anything past u128 is not a real amount.
pub(crate) fn to_wei(value: ethers_core::types::U256) -> Result<Wei, ChainError> {
    if value.bits() > 128 {
        return Err(ChainError::Decode(format!("{value} wei is not a plausible amount")));
    }
    Ok(Wei(value.low_u128()))
}

pub(crate) fn twin_registry_abi() -> &'static Abi {
    &TWIN_REGISTRY
}

pub(crate) fn twin_market_abi() -> &'static Abi {
    &TWIN_MARKET
}

pub(crate) fn twin_earnings_abi() -> &'static Abi {
    &TWIN_EARNINGS
}

pub(crate) fn twin_lens_abi() -> &'static Abi {
    &TWIN_LENS
}

pub(crate) fn twin_vault_abi() -> &'static Abi {
    &TWIN_VAULT
}

pub(crate) fn twin_shares_abi() -> &'static Abi {
    &TWIN_SHARES
}

pub(crate) fn hash_ledger_abi() -> &'static Abi {
    &HASH_LEDGER
}

pub(crate) fn twin_minted_event() -> &'static Event {
    TWIN_REGISTRY.event("TwinMinted").expect("TwinRegistry declares TwinMinted")
}

pub(crate) fn decode_twin_minted(log: &Log) -> Result<Twin, ChainError> {
    let raw = RawLog { topics: log.topics.clone(), data: log.data.to_vec() };
    let parsed = twin_minted_event().parse_log(raw).map_err(|error| ChainError::Decode(error.to_string()))?;
    let param = |name: &str| {
        parsed
            .params
            .iter()
            .find(|param| param.name == name)
            .map(|param| param.value.clone())
            .ok_or_else(|| ChainError::Decode(format!("TwinMinted has no {name}")))
    };
    let malformed = |what: &str| ChainError::Decode(format!("TwinMinted.{what} has an unexpected type"));

    let id = param("tokenId")?.into_uint().ok_or_else(|| malformed("tokenId"))?;
    let operator = param("operator")?.into_address().ok_or_else(|| malformed("operator"))?;
    let reporter = param("reporter")?.into_address().ok_or_else(|| malformed("reporter"))?;
    let royalty_bps = param("royaltyBps")?.into_uint().ok_or_else(|| malformed("royaltyBps"))?;
    let spec = param("spec")?.into_tuple().ok_or_else(|| malformed("spec"))?;

    Ok(Twin {
        id: id.low_u64(),
        operator: to_domain_address(operator),
        reporter: to_domain_address(reporter),
        royalty_bps: royalty_bps.low_u32() as u16,
        spec: decode_spec(spec).ok_or_else(|| malformed("spec"))?,
    })
}

pub(crate) fn decode_spec(fields: Vec<Token>) -> Option<RigSpec> {
    let [manufacturer, model, serial_hash, hashrate_ghs, power_watts, location, commissioned_at] =
        <[Token; 7]>::try_from(fields).ok()?;
    Some(RigSpec {
        manufacturer: manufacturer.into_string()?,
        model: model.into_string()?,
        serial_hash: serial_hash.into_fixed_bytes()?.try_into().ok()?,
        hashrate_ghs: hashrate_ghs.into_uint()?.low_u64(),
        power_watts: power_watts.into_uint()?.low_u32(),
        location: location.into_string()?,
        commissioned_at: commissioned_at.into_uint()?.low_u64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::contracts::serial_hash;
    use ethers_core::types::{Bytes, H256};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A `TwinMinted` log as anvil returned it for the first seeded twin.
    fn seeded_log() -> Log {
        serde_json::from_str(include_str!("fixtures/twin_minted_log.json")).unwrap()
    }

    #[test]
    fn the_seeded_serial_hash_is_the_registrys() {
        // What the seed script minted on chain, read back from its log.
        assert_eq!(decode_twin_minted(&seeded_log()).unwrap().spec.serial_hash, serial_hash("BTM-S21-2401-000117"));
    }

    #[test]
    fn decodes_the_seeded_twin_from_a_real_log() {
        let twin = decode_twin_minted(&seeded_log()).unwrap();
        assert_eq!(twin.id, 1);
        assert_eq!(twin.operator.to_string(), "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
        assert_eq!(twin.royalty_bps, 500);
        assert_eq!(twin.spec.manufacturer, "Bitmain");
        assert_eq!(twin.spec.model, "Antminer S21");
        assert_eq!(twin.spec.hashrate_ghs, 200_000);
        assert_eq!(twin.spec.power_watts, 3_500);
        assert_eq!(twin.spec.location, "Rockdale, Texas, US");
        assert_eq!(twin.spec.commissioned_at, 1_706_745_600);
    }

    #[test]
    fn a_log_of_another_event_is_refused() {
        let mut log = seeded_log();
        log.topics[0] = H256::repeat_byte(0xab);
        assert!(matches!(decode_twin_minted(&log), Err(ChainError::Decode(_))));
    }

    #[test]
    fn truncated_data_is_refused() {
        let mut log = seeded_log();
        log.data = Bytes::from(log.data[..64].to_vec());
        assert!(matches!(decode_twin_minted(&log), Err(ChainError::Decode(_))));
    }
}
