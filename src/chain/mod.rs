//! Everything that speaks to Ethereum: network config, read-only JSON-RPC, the contracts' ABI and
//! the injected wallet. ethers-core stays inside this module; the rest of the app sees `domain`
//! types.

pub mod abi;
pub mod activity;
pub mod batch;
pub mod collection;
pub mod contracts;
pub mod earnings;
pub mod ens;
pub mod fractions;
pub mod indexer;
pub mod ledger;
pub mod lens;
pub mod market;
pub mod networks;
pub mod pending_mint;
pub mod relay;
pub mod revert;
pub mod rpc;
pub mod tx;
pub mod wallet;

use crate::domain::Address;

pub(crate) fn to_domain_address(address: ethers_core::types::Address) -> Address {
    Address(address.0)
}

pub(crate) fn to_ethers_address(address: Address) -> ethers_core::types::Address {
    ethers_core::types::H160(address.0)
}

/// EIP-55: the address with the capitals that make a typo in it detectable.
pub fn checksummed(address: &Address) -> String {
    ethers_core::utils::to_checksum(&to_ethers_address(*address), None)
}
