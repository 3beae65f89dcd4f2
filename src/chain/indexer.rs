//! Event logs of one contract, indexed in the browser: fetched in pages of blocks from the
//! deployment block, cached per chain and contract in localStorage, resumed from the last block
//! seen, and dropped when the chain under the cache is not the one it was read from (a restarted
//! local chain, a reorganisation past the cached head).
//!
//! An indexer may also follow one twin only (its token id as second topic), and keep its cache in
//! memory for the session when the logs are too bulky for localStorage's few megabytes.

use std::sync::{Arc, Mutex, PoisonError};

use ethers_core::types::{Address as EthAddress, BlockNumber, Filter, Log, H256, U256, U64};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::contracts::ChainError;
use super::rpc::{RpcClient, RpcError};
use super::storage;

/// Blocks per `eth_getLogs`: within what public RPC providers accept.
const PAGE_BLOCKS: u64 = 5_000;

#[derive(Debug, Clone)]
pub struct LogIndexer {
    rpc: RpcClient,
    chain_id: u64,
    address: EthAddress,
    topic0: Vec<H256>,
    topic1: Option<H256>,
    first_block: u64,
    store: Store,
}

#[derive(Debug, Clone)]
enum Store {
    /// localStorage: survives reloads, shared by every indexer of the same logs.
    Browser,
    /// This indexer and its clones, until the page is closed.
    Memory(Arc<Mutex<Option<Cache>>>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cache {
    /// The last block whose logs are in `logs`, and its hash.
    head: u64,
    head_hash: H256,
    logs: Vec<Log>,
}

#[derive(Deserialize)]
struct BlockHeader {
    number: U64,
    hash: H256,
}

impl LogIndexer {
    /// Logs of `address` whose first topic is one of `topic0`, from `first_block` on.
    pub fn new(rpc: RpcClient, chain_id: u64, address: EthAddress, topic0: Vec<H256>, first_block: u64) -> Self {
        Self { rpc, chain_id, address, topic0, topic1: None, first_block, store: Store::Browser }
    }

    /// Only the logs whose second topic is `topic1`: one twin's, for events indexed by token id.
    pub fn with_topic1(self, topic1: H256) -> Self {
        Self { topic1: Some(topic1), ..self }
    }

    /// Keeps the cache in memory rather than in localStorage, whose quota a few twins' telemetry
    /// would fill, starving the caches and the transaction list that need to survive a reload.
    pub fn in_memory(self) -> Self {
        Self { store: Store::Memory(Arc::default()), ..self }
    }

    fn cache_key(&self) -> String {
        let topics: String = self.topic0.iter().map(|topic| format!("{topic:x}")[..8].to_string()).collect();
        let key = format!("hashtwin.logs.{}.{:x}.{topics}", self.chain_id, self.address);
        match self.topic1 {
            Some(topic1) => format!("{key}.{:x}", U256::from_big_endian(topic1.as_bytes())),
            None => key,
        }
    }

    fn load(&self) -> Option<Cache> {
        match &self.store {
            Store::Browser => storage::get_json(&self.cache_key()),
            Store::Memory(cache) => cache.lock().unwrap_or_else(PoisonError::into_inner).clone(),
        }
    }

    fn save(&self, cache: &Cache) {
        match &self.store {
            Store::Browser => storage::set_json(&self.cache_key(), cache),
            Store::Memory(memory) => *memory.lock().unwrap_or_else(PoisonError::into_inner) = Some(cache.clone()),
        }
    }

    /// Every matching log up to the latest block, oldest first, fetching only what the cache lacks.
    pub async fn sync(&self) -> Result<Vec<Log>, ChainError> {
        let latest: BlockHeader = self.rpc.request("eth_getBlockByNumber", json!(["latest", false])).await?;
        let mut cache = match self.load() {
            Some(cache) if self.still_on_chain(&cache, latest.number.as_u64()).await? => cache,
            _ => Cache { head: self.first_block.saturating_sub(1), head_hash: H256::zero(), logs: Vec::new() },
        };
        let head = latest.number.as_u64();
        for (from, to) in pages(cache.head + 1, head, PAGE_BLOCKS) {
            cache.logs.extend(self.fetch(from, to).await?);
        }
        cache.head = head;
        cache.head_hash = latest.hash;
        self.save(&cache);
        Ok(cache.logs)
    }

    /// Whether the cached head is still part of the chain: same hash at the same height.
    async fn still_on_chain(&self, cache: &Cache, latest: u64) -> Result<bool, ChainError> {
        if cache.head > latest || cache.head < self.first_block {
            return Ok(false);
        }
        let block: Option<BlockHeader> =
            self.rpc.request("eth_getBlockByNumber", json!([U64::from(cache.head), false])).await?;
        Ok(block.is_some_and(|block| block.hash == cache.head_hash))
    }

    /// One page, split further if the node refuses it as too large.
    async fn fetch(&self, from: u64, to: u64) -> Result<Vec<Log>, ChainError> {
        match self.rpc.get_logs(&self.filter(from, to)).await {
            Err(RpcError::Node { .. }) if to > from => {
                let middle = from + (to - from) / 2;
                let mut logs = Box::pin(self.fetch(from, middle)).await?;
                logs.extend(Box::pin(self.fetch(middle + 1, to)).await?);
                Ok(logs)
            }
            other => Ok(other?),
        }
    }

    fn filter(&self, from: u64, to: u64) -> Filter {
        let filter = Filter::new()
            .address(self.address)
            .topic0(self.topic0.clone())
            .from_block(BlockNumber::Number(from.into()))
            .to_block(BlockNumber::Number(to.into()));
        match self.topic1 {
            Some(topic1) => filter.topic1(topic1),
            None => filter,
        }
    }
}

/// Inclusive block ranges of at most `size` blocks covering `from..=to`.
fn pages(from: u64, to: u64, size: u64) -> Vec<(u64, u64)> {
    let mut pages = Vec::new();
    let mut start = from;
    while start <= to {
        let end = to.min(start.saturating_add(size - 1));
        pages.push((start, end));
        start = end + 1;
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn pages_cover_the_range_without_overlap() {
        assert_eq!(pages(0, 12_000, 5_000), vec![(0, 4_999), (5_000, 9_999), (10_000, 12_000)]);
        assert_eq!(pages(7, 7, 5_000), vec![(7, 7)]);
        assert_eq!(pages(8, 7, 5_000), vec![]);
    }

    #[test]
    fn the_cache_key_names_chain_contract_and_events() {
        let indexer = LogIndexer::new(
            RpcClient::new("http://127.0.0.1:8545"),
            31_337,
            EthAddress::repeat_byte(0x5f),
            vec![H256::repeat_byte(0xab), H256::repeat_byte(0xcd)],
            0,
        );
        assert_eq!(
            indexer.cache_key(),
            format!("hashtwin.logs.31337.{}.abababab cdcdcdcd", "5f".repeat(20)).replace(' ', "")
        );
    }

    #[test]
    fn one_twins_indexer_has_a_key_and_a_filter_of_its_own() {
        let all = LogIndexer::new(
            RpcClient::new("http://127.0.0.1:8545"),
            31_337,
            EthAddress::repeat_byte(0x5f),
            vec![H256::repeat_byte(0xab)],
            3,
        );
        let one = all.clone().with_topic1(H256::from_low_u64_be(42));
        assert_eq!(one.cache_key(), format!("{}.2a", all.cache_key()));

        let filter = serde_json::to_value(one.filter(3, 9)).unwrap();
        assert_eq!(filter["topics"][0], serde_json::json!([format!("{:?}", H256::repeat_byte(0xab))]));
        assert_eq!(filter["topics"][1], format!("{:?}", H256::from_low_u64_be(42)));
        assert_eq!((filter["fromBlock"].as_str(), filter["toBlock"].as_str()), (Some("0x3"), Some("0x9")));
        assert!(serde_json::to_value(all.filter(3, 9)).unwrap()["topics"].get(1).is_none_or(|topic| topic.is_null()));
    }

    #[test]
    fn an_in_memory_cache_is_shared_by_clones_and_nobody_else() {
        let indexer = LogIndexer::new(
            RpcClient::new("http://127.0.0.1:8545"),
            31_337,
            EthAddress::repeat_byte(0x5f),
            vec![H256::repeat_byte(0xab)],
            0,
        )
        .in_memory();
        let cache = Cache { head: 42, head_hash: H256::repeat_byte(1), logs: Vec::new() };
        indexer.save(&cache);
        assert_eq!(indexer.clone().load(), Some(cache));
        assert_eq!(indexer.clone().in_memory().load(), None);
    }

    #[test]
    fn a_cache_survives_a_round_trip_through_json() {
        let log: Log = serde_json::from_str(include_str!("fixtures/twin_minted_log.json")).unwrap();
        let cache = Cache { head: 42, head_hash: H256::repeat_byte(1), logs: vec![log] };
        let text = serde_json::to_string(&cache).unwrap();
        assert_eq!(serde_json::from_str::<Cache>(&text).unwrap(), cache);
    }
}
