//! The collection's logs, from all four contracts through one filter, as `domain::history`
//! records: every twin, registry, market and earnings event, and credit of donated work.
//!
//! A range of blocks is read in pages the node accepts, several pages to a JSON-RPC batch, so a
//! year of history costs a few dozen round trips rather than a thousand and more.

use std::collections::{BTreeSet, HashMap};

use ethers_core::types::{Address as EthAddress, BlockNumber, Filter, Log, H256, U64};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::abi::{decode_twin_minted, twin_minted_event, ChainError};
use super::activity::{
    decode_earnings_log, decode_maintenance, decode_market_log, decode_registry_log, decode_vault_log, earnings_topics,
    maintenance_logged_event, market_topics, registry_topics, trade_topics, vault_topics,
};
use super::ledger::{decode_work_credited, work_credited_event};
use super::networks::Deployment;
use super::rpc::{Call, RpcClient, RpcError};
use super::to_ethers_address;
use crate::domain::history::{BlockRecords, BlockRef, Record};

/// Blocks per `eth_getLogs`: within what public RPC providers accept.
pub const PAGE_BLOCKS: u64 = 5_000;
/// `eth_getLogs` calls per JSON-RPC batch: under the batch limits of public providers.
const PAGES_PER_BATCH: u64 = 8;
/// The blocks one call of [`CollectionLogs::records`] should cover at most: one batch of pages.
pub const WINDOW_BLOCKS: u64 = PAGE_BLOCKS * PAGES_PER_BATCH;

/// One block's logs of the collection as the node gave them, and the block's time where it was
/// read: what this browser keeps of the history. Each visit decodes them again, so what the app
/// makes of a log can change without the stored history being read from the chain again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockLogs {
    pub block: BlockRef,
    /// Unix seconds: the indexer gives every block's, the chain reader reads those of the blocks
    /// with mints, trades or credits, which are dated by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<u64>,
    pub logs: Vec<Log>,
}

/// Blocks as read: their logs, to keep, and the records decoded from them, to apply; block for block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadBlocks {
    pub logs: Vec<BlockLogs>,
    pub records: Vec<BlockRecords>,
}

impl ReadBlocks {
    pub fn append(&mut self, more: ReadBlocks) {
        self.logs.extend(more.logs);
        self.records.extend(more.records);
    }

    /// The newest block read.
    pub fn newest(&self) -> Option<BlockRef> {
        self.logs.last().map(|block| block.block)
    }
}

/// The newest block, and its time: the clock the contracts judge expiries by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    pub block: BlockRef,
    pub time: u64,
}

#[derive(Deserialize)]
struct Header {
    number: U64,
    hash: H256,
    timestamp: U64,
}

impl Header {
    fn head(&self) -> ChainHead {
        ChainHead { block: BlockRef { number: self.number.as_u64(), hash: self.hash.0 }, time: self.timestamp.as_u64() }
    }
}

#[derive(Debug, Clone)]
pub struct CollectionLogs {
    rpc: RpcClient,
    registry: EthAddress,
    market: EthAddress,
    ledger: EthAddress,
    earnings: EthAddress,
    vault: EthAddress,
    topic0: Vec<H256>,
    deployment_block: u64,
}

impl CollectionLogs {
    pub fn new(rpc: RpcClient, deployment: &Deployment) -> Self {
        let mut topic0 = registry_topics();
        // Maintenance is rare and every twin page shows it: it is history, not telemetry.
        topic0.push(maintenance_logged_event().signature());
        topic0.extend(market_topics());
        topic0.push(work_credited_event().signature());
        topic0.extend(earnings_topics());
        topic0.extend(vault_topics());
        Self {
            rpc,
            registry: to_ethers_address(deployment.twin_registry),
            market: to_ethers_address(deployment.twin_market),
            ledger: to_ethers_address(deployment.hash_ledger),
            earnings: to_ethers_address(deployment.twin_earnings),
            vault: to_ethers_address(deployment.twin_vault),
            topic0,
            deployment_block: deployment.deployment_block,
        }
    }

    pub fn deployment_block(&self) -> u64 {
        self.deployment_block
    }

    /// The newest block, and in the same round trip the hashes the chain has now at `numbers`
    /// (`None` for a block it does not have): what tells whether what was read is still on chain.
    pub async fn head_and_hashes(&self, numbers: &[u64]) -> Result<(ChainHead, Vec<Option<[u8; 32]>>), ChainError> {
        let mut calls = vec![Call::new("eth_getBlockByNumber", json!(["latest", false]))];
        calls
            .extend(numbers.iter().map(|&number| Call::new("eth_getBlockByNumber", json!([U64::from(number), false]))));
        let mut answers = self.rpc.batch(&calls).await?.into_iter();
        let latest = answers.next().ok_or_else(|| RpcError::Malformed("no answer for the latest block".into()))?;
        let latest: Header =
            header(latest?)?.ok_or_else(|| RpcError::Malformed("the node has no latest block".into()))?;
        let hashes =
            answers.map(|answer| Ok(header(answer?)?.map(|block| block.hash.0))).collect::<Result<_, ChainError>>()?;
        Ok((latest.head(), hashes))
    }

    /// Every record of blocks `from..=to`, by block in chain order, and block `to` itself (read in
    /// the same round trip unless given as `end`). Meant for at most [`WINDOW_BLOCKS`] at a time,
    /// which it reads in one round trip when the node allows.
    pub async fn records(
        &self,
        from: u64,
        to: u64,
        end: Option<BlockRef>,
    ) -> Result<(ReadBlocks, BlockRef), ChainError> {
        let pages = pages(from, to, PAGE_BLOCKS);
        let mut calls: Vec<Call> =
            pages.iter().map(|&(from, to)| Call::new("eth_getLogs", json!([self.filter(from, to)]))).collect();
        if end.is_none() {
            calls.push(Call::new("eth_getBlockByNumber", json!([U64::from(to), false])));
        }
        let mut answers = self.rpc.batch(&calls).await?;
        let end = match end {
            Some(end) => end,
            None => {
                let answer = answers.pop().ok_or_else(|| RpcError::Malformed(format!("no answer for block {to}")))?;
                let header = header(answer?)?.ok_or_else(|| RpcError::Malformed(format!("block {to} is missing")))?;
                header.head().block
            }
        };
        let mut logs = Vec::new();
        for (&(from, to), answer) in pages.iter().zip(answers) {
            match answer {
                Ok(value) => logs.extend(parse_logs(value)?),
                // A node that caps the range answers for this page only with an error: narrower.
                Err(RpcError::Node { .. }) if to > from => {
                    logs.extend(logs_halving(&self.rpc, &|from, to| self.filter(from, to), from, to).await?)
                }
                Err(error) => return Err(error.into()),
            }
        }
        let times = self.block_times(&self.dated_blocks(&logs)).await?;
        Ok((self.decode(by_block(logs, &times)?)?, end))
    }

    /// The blocks of one `GET /history` answer of the indexer (`indexer/src/api/index.ts`): the
    /// logs this filter selects, in `eth_getLogs`' own form, with their blocks' times. Decoded as
    /// the chain's own logs are; which blocks the answer covers is [`Self::indexed_through`].
    pub fn indexed_blocks(&self, answer: &str) -> Result<ReadBlocks, ChainError> {
        #[derive(Deserialize)]
        struct HistoryPage {
            times: HashMap<u64, u64>,
            logs: Vec<Log>,
        }
        let page: HistoryPage = serde_json::from_str(answer)
            .map_err(|error| ChainError::Decode(format!("the indexer's history: {error}")))?;
        self.decode(by_block(page.logs, &page.times)?)
    }

    /// The last block a `GET /history` answer covers, read without decoding its logs: what the
    /// next page is asked from while this one is decoded.
    pub fn indexed_through(answer: &str) -> Result<u64, ChainError> {
        #[derive(Deserialize)]
        struct Through {
            through: u64,
        }
        serde_json::from_str::<Through>(answer)
            .map(|page| page.through)
            .map_err(|error| ChainError::Decode(format!("the indexer's history: {error}")))
    }

    fn filter(&self, from: u64, to: u64) -> Filter {
        Filter::new()
            .address(vec![self.registry, self.market, self.ledger, self.earnings, self.vault])
            .topic0(self.topic0.clone())
            .from_block(BlockNumber::Number(from.into()))
            .to_block(BlockNumber::Number(to.into()))
    }

    /// The blocks of credits, mints and trades: a credit is dated by its block, a twin's first
    /// earning period starts at its mint's, and a trade is placed on the price history by its
    /// block's: times a log does not carry.
    fn dated_blocks(&self, logs: &[Log]) -> BTreeSet<u64> {
        let minted = twin_minted_event().signature();
        let trades = trade_topics();
        logs.iter()
            .filter(|log| {
                let topic0 = log.topics.first();
                log.address == self.ledger
                    || (log.address == self.registry && topic0 == Some(&minted))
                    || (log.address == self.market && topic0.is_some_and(|topic0| trades.contains(topic0)))
            })
            .filter_map(|log| log.block_number.map(|number| number.as_u64()))
            .collect()
    }

    /// The records `blocks` hold, block for block: every log of the filter yields at least one.
    pub fn decode(&self, blocks: Vec<BlockLogs>) -> Result<ReadBlocks, ChainError> {
        let minted = twin_minted_event().signature();
        let maintenance = maintenance_logged_event().signature();
        let mut records = Vec::with_capacity(blocks.len());
        for block in &blocks {
            let mut decoded = BlockRecords { block: block.block, time: block.time, records: Vec::new() };
            for log in &block.logs {
                if log.address == self.registry {
                    let topic0 = log.topics.first();
                    if topic0 == Some(&maintenance) {
                        decoded.records.push(Record::Event(decode_maintenance(log)?));
                        continue;
                    }
                    if topic0 == Some(&minted) {
                        decoded.records.push(Record::Minted(decode_twin_minted(log)?));
                    }
                    decoded.records.push(Record::Event(decode_registry_log(log)?));
                } else if log.address == self.market {
                    decoded.records.push(Record::Event(decode_market_log(log)?));
                } else if log.address == self.earnings {
                    decoded.records.push(Record::Event(decode_earnings_log(log)?));
                } else if log.address == self.vault {
                    decoded.records.push(Record::Event(decode_vault_log(log)?));
                } else if log.address == self.ledger {
                    let time = block.time.ok_or_else(|| {
                        ChainError::Decode(format!("a credit of block {} without the block's time", block.block.number))
                    })?;
                    decoded.records.push(Record::Credit(decode_work_credited(log, time)?));
                } else {
                    return Err(ChainError::Decode(format!(
                        "a log of {:?}, which the filter did not ask for",
                        log.address
                    )));
                }
            }
            records.push(decoded);
        }
        Ok(ReadBlocks { logs: blocks, records })
    }

    /// The time of each block, in one round trip: a credit is dated by its block.
    async fn block_times(&self, numbers: &BTreeSet<u64>) -> Result<HashMap<u64, u64>, ChainError> {
        let calls: Vec<Call> = numbers
            .iter()
            .map(|&number| Call::new("eth_getBlockByNumber", json!([U64::from(number), false])))
            .collect();
        let mut times = HashMap::new();
        for (&number, answer) in numbers.iter().zip(self.rpc.batch(&calls).await?) {
            let block = header(answer?)?.ok_or_else(|| RpcError::Malformed(format!("block {number} is missing")))?;
            times.insert(number, block.timestamp.as_u64());
        }
        Ok(times)
    }
}

/// `logs` by block, in chain order; `times` dates the blocks (the credits' and the mints' at least).
fn by_block(mut logs: Vec<Log>, times: &HashMap<u64, u64>) -> Result<Vec<BlockLogs>, ChainError> {
    let position = |log: &Log| (log.block_number.map(|number| number.as_u64()), log.log_index);
    logs.sort_by_key(position);
    let mut blocks: Vec<BlockLogs> = Vec::new();
    for log in logs {
        let missing = |what: &str| ChainError::Decode(format!("a log without its {what}"));
        let number = log.block_number.ok_or_else(|| missing("block number"))?.as_u64();
        let hash = log.block_hash.ok_or_else(|| missing("block hash"))?.0;
        match blocks.last_mut() {
            Some(block) if block.block.number == number => {
                if block.block.hash != hash {
                    return Err(ChainError::Decode(format!("block {number} changed while it was read: read it again")));
                }
                block.logs.push(log);
            }
            _ => blocks.push(BlockLogs {
                block: BlockRef { number, hash },
                time: times.get(&number).copied(),
                logs: vec![log],
            }),
        }
    }
    Ok(blocks)
}

/// The logs `filter` selects in blocks `from..=to`, the range halved until the node accepts each
/// part: a node that caps ranges says so only by refusing.
pub(crate) async fn logs_halving(
    rpc: &RpcClient,
    filter: &dyn Fn(u64, u64) -> Filter,
    from: u64,
    to: u64,
) -> Result<Vec<Log>, ChainError> {
    match rpc.get_logs(&filter(from, to)).await {
        Err(RpcError::Node { .. }) if to > from => {
            let middle = from + (to - from) / 2;
            let mut logs = Box::pin(logs_halving(rpc, filter, from, middle)).await?;
            logs.extend(Box::pin(logs_halving(rpc, filter, middle + 1, to)).await?);
            Ok(logs)
        }
        other => Ok(other?),
    }
}

fn header(value: Value) -> Result<Option<Header>, RpcError> {
    serde_json::from_value(value).map_err(|error| RpcError::Malformed(format!("a block header: {error}")))
}

fn parse_logs(value: Value) -> Result<Vec<Log>, RpcError> {
    serde_json::from_value(value).map_err(|error| RpcError::Malformed(format!("logs: {error}")))
}

/// Inclusive block ranges of at most `size` blocks covering `from..=to`.
pub fn pages(from: u64, to: u64, size: u64) -> Vec<(u64, u64)> {
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
    use crate::domain::Address;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn pages_cover_the_range_without_overlap() {
        assert_eq!(pages(0, 12_000, 5_000), vec![(0, 4_999), (5_000, 9_999), (10_000, 12_000)]);
        assert_eq!(pages(7, 7, 5_000), vec![(7, 7)]);
        assert_eq!(pages(8, 7, 5_000), vec![]);
    }

    fn deployment() -> Deployment {
        Deployment {
            twin_registry: Address([1; 20]),
            twin_market: Address([2; 20]),
            hash_ledger: Address([3; 20]),
            twin_lens: None,
            twin_earnings: Address([4; 20]),
            twin_vault: Address([0x0a; 20]),
            eth_usd_feed: Address([5; 20]),
            btc_usd_feed: Address([6; 20]),
            difficulty_feed: Address([7; 20]),
            block_fees_feed: Address([8; 20]),
            deployment_block: 5,
        }
    }

    #[test]
    fn one_filter_asks_for_every_contract_and_every_event_the_store_keeps() {
        let logs = CollectionLogs::new(RpcClient::new("http://127.0.0.1:8545"), &deployment());
        let filter = serde_json::to_value(logs.filter(5, 9)).unwrap();
        assert_eq!(filter["address"].as_array().map(Vec::len), Some(5));
        let topics = filter["topics"][0].as_array().unwrap();
        assert_eq!(topics.len(), 9 + 1 + 11 + 1 + 2 + 2);
        assert!(topics.contains(&json!(format!("{:?}", twin_minted_event().signature()))));
        assert!(topics.contains(&json!(format!("{:?}", work_credited_event().signature()))));
        assert_eq!((filter["fromBlock"].as_str(), filter["toBlock"].as_str()), (Some("0x5"), Some("0x9")));
    }

    fn minted_log(block: u64, log_index: u64) -> Log {
        let mut log: Log = serde_json::from_str(include_str!("fixtures/twin_minted_log.json")).unwrap();
        log.block_number = Some(block.into());
        log.block_hash = Some(H256::repeat_byte(block as u8));
        log.log_index = Some(log_index.into());
        log
    }

    fn fixture_collection() -> CollectionLogs {
        let registry = minted_log(2, 0).address;
        CollectionLogs::new(
            RpcClient::new("http://127.0.0.1:8545"),
            &Deployment { twin_registry: Address(registry.0), ..deployment() },
        )
    }

    #[test]
    fn logs_group_by_block_in_chain_order_whatever_order_they_came_in() {
        let times = HashMap::from([(2, 1_700_000_000)]);
        let blocks = by_block(vec![minted_log(4, 0), minted_log(2, 1), minted_log(2, 0)], &times).unwrap();
        let positions: Vec<(u64, Option<u64>, usize)> =
            blocks.iter().map(|block| (block.block.number, block.time, block.logs.len())).collect();
        assert_eq!(positions, vec![(2, Some(1_700_000_000), 2), (4, None, 1)]);
        assert_eq!(blocks[0].logs[0].log_index, Some(0.into()));

        let mut moved = minted_log(2, 1);
        moved.block_hash = Some(H256::repeat_byte(9));
        assert!(by_block(vec![minted_log(2, 0), moved], &times).is_err(), "a block that changed while read");
    }

    #[test]
    fn stored_logs_decode_to_the_records_they_were_read_as() {
        let collection = fixture_collection();
        let read = collection.decode(by_block(vec![minted_log(2, 0)], &HashMap::new()).unwrap()).unwrap();
        assert_eq!(read.records.len(), 1);
        assert!(matches!(read.records[0].records.as_slice(), [Record::Minted(_), Record::Event(_)]));

        // As IndexedDB keeps them: JSON, decoded again on the next visit.
        let text = serde_json::to_string(&read.logs).unwrap();
        assert!(!text.contains("\"time\""), "a block without its time read stores none: {text}");
        let stored: Vec<BlockLogs> = serde_json::from_str(&text).unwrap();
        assert_eq!(stored, read.logs);
        assert_eq!(collection.decode(stored).unwrap().records, read.records);
    }

    #[test]
    fn a_log_of_a_contract_the_filter_did_not_ask_for_is_refused() {
        let mut stray = minted_log(2, 0);
        stray.address = EthAddress::repeat_byte(0xee);
        let error = fixture_collection().decode(by_block(vec![stray], &HashMap::new()).unwrap()).unwrap_err();
        assert!(error.to_string().contains("did not ask for"), "{error}");
    }
}
