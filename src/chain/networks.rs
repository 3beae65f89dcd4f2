//! The networks the app knows, from `public/networks.json`.

use serde::Deserialize;

use crate::domain::Address;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConfig {
    pub default_chain_id: u64,
    pub networks: Vec<Network>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    pub chain_id: u64,
    pub name: String,
    pub rpc_url: String,
    pub native_currency: NativeCurrency,
    #[serde(default)]
    pub block_explorer_url: Option<String>,
    /// Absent on networks where HashTwin is not deployed yet.
    #[serde(default)]
    pub contracts: Option<Deployment>,
    /// The indexer serving this deployment (`indexer/`), where one runs: the gallery queries it
    /// instead of reading the whole history from the chain.
    #[serde(default)]
    pub indexer_url: Option<String>,
    /// The ENS registry, where the network has ENS: accounts are shown by their verified names.
    /// A network property, not HashTwin's: Sepolia has ENS without a HashTwin deployment.
    #[serde(default, deserialize_with = "deserialize_optional_address")]
    pub ens_registry: Option<Address>,
}

impl Network {
    /// EIP-3085 parameters, for a wallet that does not know this network yet.
    pub fn add_chain_parameters(&self) -> serde_json::Value {
        let mut parameters = serde_json::json!({
            "chainId": format!("{:#x}", self.chain_id),
            "chainName": self.name,
            "rpcUrls": [self.rpc_url],
            "nativeCurrency": {
                "name": self.native_currency.name,
                "symbol": self.native_currency.symbol,
                "decimals": self.native_currency.decimals,
            },
        });
        if let Some(explorer) = &self.block_explorer_url {
            parameters["blockExplorerUrls"] = serde_json::json!([explorer]);
        }
        parameters
    }

    /// The explorer's page for an account or contract, where the network names an explorer.
    pub fn explorer_address_url(&self, address: &Address) -> Option<String> {
        self.explorer_page("address", &address.to_string())
    }

    /// The explorer's page for a transaction, where the network names an explorer.
    pub fn explorer_tx_url(&self, hash: &str) -> Option<String> {
        self.explorer_page("tx", hash)
    }

    /// Etherscan's paths, which Blockscout, Basescan and Otterscan share.
    fn explorer_page(&self, kind: &str, id: &str) -> Option<String> {
        let base = self.block_explorer_url.as_deref()?.trim_end_matches('/');
        Some(format!("{base}/{kind}/{id}"))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NativeCurrency {
    pub name: String,
    pub symbol: String,
    pub decimals: u8,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    #[serde(deserialize_with = "deserialize_address")]
    pub twin_registry: Address,
    #[serde(deserialize_with = "deserialize_address")]
    pub twin_market: Address,
    #[serde(deserialize_with = "deserialize_address")]
    pub hash_ledger: Address,
    /// The view contract pages read their first paint from; a deployment without one paints
    /// once its history is read.
    #[serde(default, deserialize_with = "deserialize_optional_address")]
    pub twin_lens: Option<Address>,
    /// Where the operators settle their twins' earnings.
    #[serde(deserialize_with = "deserialize_address")]
    pub twin_earnings: Address,
    /// Where split twins are held, and whose clones are their shares.
    #[serde(deserialize_with = "deserialize_address")]
    pub twin_vault: Address,
    /// The Chainlink feeds (or, on the local chain, stand-ins with their interface) settlements
    /// convert at, and the network's figures the deployment publishes.
    #[serde(deserialize_with = "deserialize_address")]
    pub eth_usd_feed: Address,
    #[serde(deserialize_with = "deserialize_address")]
    pub btc_usd_feed: Address,
    #[serde(deserialize_with = "deserialize_address")]
    pub difficulty_feed: Address,
    #[serde(deserialize_with = "deserialize_address")]
    pub block_fees_feed: Address,
    /// Log scans start here rather than at genesis.
    pub deployment_block: u64,
}

fn deserialize_optional_address<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Address>, D::Error> {
    deserialize_address(deserializer).map(Some)
}

fn deserialize_address<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Address, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("networks.json is not valid: {0}")]
    Invalid(String),
    #[error("networks.json names default chain {0}, which it does not list")]
    UnknownDefault(u64),
}

impl NetworkConfig {
    pub fn parse(json: &str) -> Result<Self, ConfigError> {
        let config: NetworkConfig =
            serde_json::from_str(json).map_err(|error| ConfigError::Invalid(error.to_string()))?;
        config.network(config.default_chain_id).ok_or(ConfigError::UnknownDefault(config.default_chain_id))?;
        Ok(config)
    }

    pub fn network(&self, chain_id: u64) -> Option<&Network> {
        self.networks.iter().find(|network| network.chain_id == chain_id)
    }

    pub fn default_network(&self) -> &Network {
        self.network(self.default_chain_id).expect("parse checked that the default network is listed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const SHIPPED: &str = include_str!("../../public/networks.json");

    #[test]
    fn the_shipped_config_parses_and_defaults_to_a_deployed_network() {
        let config = NetworkConfig::parse(SHIPPED).unwrap();
        let network = config.default_network();
        let contracts = network.contracts.as_ref().unwrap_or_else(|| panic!("{} has no contracts", network.name));
        assert!(contracts.twin_lens.is_some(), "the local chain deploys the lens");
        assert!(network.indexer_url.as_deref().is_some_and(|url| url.starts_with("http://127.0.0.1:")));
        assert!(network.rpc_url.starts_with("http"));
    }

    #[test]
    fn a_deployment_without_lens_or_indexer_is_still_a_deployment() {
        let json = r#"{"defaultChainId": 5, "networks": [{"chainId": 5, "name": "Five", "rpcUrl": "http://127.0.0.1:1",
            "nativeCurrency": {"name": "Ether", "symbol": "ETH", "decimals": 18},
            "contracts": {"twinRegistry": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
                "twinMarket": "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
                "hashLedger": "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0",
                "twinEarnings": "0x2279b7a0a67db372996a5fab50d91eaa73d2ebe6",
                "twinVault": "0x8a791620dd6260079bf849dc5567adc3f2fdc318",
                "ethUsdFeed": "0xdc64a140aa3e981100a9beca4e685f962f0cf6c9",
                "btcUsdFeed": "0x5fc8d32690cc91d4c39d9d3abcbd16989f875707",
                "difficultyFeed": "0x0165878a594ca255338adfa4d48449f69242eb8f",
                "blockFeesFeed": "0xa513e6e4b8f2a923d98304ec87f64353c4d5c853", "deploymentBlock": 1}}]}"#;
        let config = NetworkConfig::parse(json).unwrap();
        let network = config.default_network();
        assert_eq!(network.contracts.as_ref().map(|contracts| contracts.twin_lens), Some(None));
        assert_eq!(network.indexer_url, None);
    }

    #[test]
    fn add_chain_parameters_follow_eip_3085() {
        let config = NetworkConfig::parse(SHIPPED).unwrap();
        let sepolia = config.network(11_155_111).unwrap().add_chain_parameters();
        assert_eq!(sepolia["chainId"], "0xaa36a7");
        assert_eq!(sepolia["chainName"], "Sepolia");
        assert_eq!(sepolia["nativeCurrency"]["decimals"], 18);
        assert_eq!(sepolia["blockExplorerUrls"][0], "https://sepolia.etherscan.io");
        let local = config.network(31_337).unwrap().add_chain_parameters();
        assert_eq!(local["chainId"], "0x7a69");
        assert!(local.get("blockExplorerUrls").is_none());
    }

    #[test]
    fn explorer_links_follow_the_etherscan_paths_and_exist_only_where_an_explorer_is_named() {
        let config = NetworkConfig::parse(SHIPPED).unwrap();
        let account: Address = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8".parse().unwrap();
        let mut sepolia = config.network(11_155_111).unwrap().clone();
        assert_eq!(
            sepolia.explorer_address_url(&account).as_deref(),
            Some("https://sepolia.etherscan.io/address/0x70997970c51812dc3a010c7d01b50e0d17dc79c8")
        );
        sepolia.block_explorer_url = Some("https://sepolia.etherscan.io/".into());
        assert_eq!(sepolia.explorer_tx_url("0xab").as_deref(), Some("https://sepolia.etherscan.io/tx/0xab"));
        let local = config.network(31_337).unwrap();
        assert_eq!(local.explorer_address_url(&account), None);
        assert_eq!(local.explorer_tx_url("0xab"), None);
    }

    #[test]
    fn ens_is_named_where_the_network_has_it() {
        let config = NetworkConfig::parse(SHIPPED).unwrap();
        let registry = |chain_id| config.network(chain_id).unwrap().ens_registry.map(|address| address.to_string());
        assert_eq!(registry(11_155_111).as_deref(), Some("0x00000000000c2e074ec69a0dfb2997ba6c7d2e1e"));
        assert!(registry(31_337).is_some(), "the local chain deploys ENS");
        assert_eq!(registry(84_532), None);
    }

    #[test]
    fn a_default_that_is_not_listed_is_refused() {
        let json = r#"{"defaultChainId": 5, "networks": []}"#;
        assert_eq!(NetworkConfig::parse(json), Err(ConfigError::UnknownDefault(5)));
    }
}
