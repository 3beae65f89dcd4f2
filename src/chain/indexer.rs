//! Event logs of one contract and one twin, read from a block on (the start of the window a chart
//! shows), then only what is new or further back, kept in memory for the visit. The cache is
//! dropped when the chain under it is not the one it was read from (a restarted local chain, a
//! reorganisation past the cached head).

use std::sync::{Arc, Mutex, PoisonError};

use ethers_core::types::{Address as EthAddress, BlockNumber, Filter, Log, H256, U64};
use serde::Deserialize;
use serde_json::json;

use super::abi::ChainError;
use super::collection::{logs_halving, pages, PAGE_BLOCKS};
use super::rpc::RpcClient;

#[derive(Debug, Clone)]
pub struct LogIndexer {
    rpc: RpcClient,
    address: EthAddress,
    topic0: Vec<H256>,
    topic1: Option<H256>,
    first_block: u64,
    /// Shared by this indexer's clones.
    cache: Arc<Mutex<Option<Cache>>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Cache {
    /// The first block whose logs are in `logs`.
    start: u64,
    /// The last block whose logs are in `logs`, and its hash.
    head: u64,
    head_hash: H256,
    logs: Vec<Log>,
}

#[derive(Deserialize)]
struct BlockHeader {
    hash: H256,
}

impl LogIndexer {
    /// Logs of `address` whose first topic is one of `topic0`, from `first_block` on.
    pub fn new(rpc: RpcClient, address: EthAddress, topic0: Vec<H256>, first_block: u64) -> Self {
        Self { rpc, address, topic0, topic1: None, first_block, cache: Arc::default() }
    }

    /// Only the logs whose second topic is `topic1`: one twin's, for events indexed by token id.
    pub fn with_topic1(self, topic1: H256) -> Self {
        Self { topic1: Some(topic1), ..self }
    }

    fn load(&self) -> Option<Cache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn save(&self, cache: &Cache) {
        *self.cache.lock().unwrap_or_else(PoisonError::into_inner) = Some(cache.clone());
    }

    /// The first block the cache holds, once anything was read.
    pub fn start(&self) -> Option<u64> {
        self.load().map(|cache| cache.start)
    }

    /// Every matching log from block `from` (never before the first block) up to `latest`,
    /// oldest first, fetching only the blocks the cache lacks.
    pub async fn logs_from(&self, from: u64, latest: (u64, H256)) -> Result<Vec<Log>, ChainError> {
        let from = from.max(self.first_block);
        let (head, head_hash) = latest;
        let mut cache = match self.load() {
            Some(cache) if self.still_on_chain(&cache, head).await? => cache,
            _ => Cache { start: from, head: from.saturating_sub(1), head_hash: H256::zero(), logs: Vec::new() },
        };
        if from < cache.start {
            let mut earlier = Vec::new();
            for (page_from, page_to) in pages(from, cache.start - 1, PAGE_BLOCKS) {
                earlier.extend(logs_halving(&self.rpc, &|from, to| self.filter(from, to), page_from, page_to).await?);
            }
            earlier.append(&mut cache.logs);
            cache.logs = earlier;
            cache.start = from;
        }
        for (page_from, page_to) in pages(cache.head + 1, head, PAGE_BLOCKS) {
            cache.logs.extend(logs_halving(&self.rpc, &|from, to| self.filter(from, to), page_from, page_to).await?);
        }
        cache.head = head.max(cache.head);
        cache.head_hash = head_hash;
        self.save(&cache);
        let first = cache.logs.partition_point(|log| log.block_number.is_some_and(|number| number.as_u64() < from));
        Ok(cache.logs[first..].to_vec())
    }

    /// Whether the cached head is still part of the chain: same hash at the same height.
    async fn still_on_chain(&self, cache: &Cache, latest: u64) -> Result<bool, ChainError> {
        if cache.head > latest || cache.head < cache.start {
            // Nothing was read yet (`head` is before `start`), or the chain went back.
            return Ok(false);
        }
        let block: Option<BlockHeader> =
            self.rpc.request("eth_getBlockByNumber", json!([U64::from(cache.head), false])).await?;
        Ok(block.is_some_and(|block| block.hash == cache.head_hash))
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

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn one_twins_indexer_has_a_filter_of_its_own() {
        let all = LogIndexer::new(
            RpcClient::new("http://127.0.0.1:8545"),
            EthAddress::repeat_byte(0x5f),
            vec![H256::repeat_byte(0xab)],
            3,
        );
        let one = all.clone().with_topic1(H256::from_low_u64_be(42));
        let filter = serde_json::to_value(one.filter(3, 9)).unwrap();
        assert_eq!(filter["topics"][0], serde_json::json!([format!("{:?}", H256::repeat_byte(0xab))]));
        assert_eq!(filter["topics"][1], format!("{:?}", H256::from_low_u64_be(42)));
        assert_eq!((filter["fromBlock"].as_str(), filter["toBlock"].as_str()), (Some("0x3"), Some("0x9")));
        assert!(serde_json::to_value(all.filter(3, 9)).unwrap()["topics"].get(1).is_none_or(|topic| topic.is_null()));
    }

    #[test]
    fn the_cache_is_shared_by_clones_and_nobody_else() {
        let indexer = LogIndexer::new(
            RpcClient::new("http://127.0.0.1:8545"),
            EthAddress::repeat_byte(0x5f),
            vec![H256::repeat_byte(0xab)],
            0,
        );
        let cache = Cache { start: 3, head: 42, head_hash: H256::repeat_byte(1), logs: Vec::new() };
        indexer.save(&cache);
        assert_eq!(indexer.clone().load(), Some(cache));
        let other = LogIndexer::new(
            RpcClient::new("http://127.0.0.1:8545"),
            EthAddress::repeat_byte(0x5f),
            vec![H256::repeat_byte(0xab)],
            0,
        );
        assert_eq!(other.load(), None);
    }
}
