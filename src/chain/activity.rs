//! The registry's and the market's events decoded as `domain::activity` replays them, and one
//! twin's telemetry, fetched when its page asks.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use ethers_core::abi::{Abi, Event, LogParam, RawLog, Token};
use ethers_core::types::{Address as EthAddress, Log, H256, U256, U64};
use serde_json::json;

use super::abi::{
    decode_twin_minted, to_wei, twin_earnings_abi, twin_market_abi, twin_minted_event, twin_registry_abi,
    twin_vault_abi, ChainError,
};
use super::collection::ChainHead;
use super::indexer::LogIndexer;
use super::lens::decode_terms;
use super::networks::Deployment;
use super::rpc::RpcClient;
use super::{to_domain_address, to_ethers_address};
use crate::domain::activity::{AccountEvent, ChainEvent, Located, MaintenanceKind, TwinEvent};
use crate::domain::block_seek::{BlockSeek, Stamp};
use crate::domain::earnings::{RecordedFigures, Settlement};
use crate::domain::fractions::ShareUnits;
use crate::domain::telemetry::TelemetrySample;
use crate::domain::{Address, TwinStatus, Wei};

/// Blocks of logs read beyond a window's start rather than look its first block up exactly.
const SEEK_SLACK_BLOCKS: u64 = 64;

/// Each event the app reads, with its topic0 worked out once rather than per log.
type EventTable = LazyLock<Vec<(H256, &'static Event)>>;

/// The registry's events the book replays. Approvals are among them: taking one back ends every
/// listing made under it, which the book must know to show a listing as dead.
const REGISTRY_EVENT_NAMES: [&str; 9] = [
    "TwinMinted",
    "EarningTermsFixed",
    "Transfer",
    "Approval",
    "ApprovalForAll",
    "StatusChanged",
    "OperatorProposed",
    "OperatorTransferred",
    "ReporterChanged",
];

const MARKET_EVENT_NAMES: [&str; 11] = [
    "Listed",
    "ListingCancelled",
    "AllListingsCancelled",
    "Sold",
    "OfferMade",
    "OfferRaised",
    "OfferCancelled",
    "OfferAccepted",
    "LotListed",
    "LotFilled",
    "LotCancelled",
];

/// Splits and joins. The share tokens' own transfers are read per twin, on its page.
const VAULT_EVENT_NAMES: [&str; 2] = ["Split", "Joined"];

static REGISTRY_EVENTS: EventTable = LazyLock::new(|| table(twin_registry_abi(), &REGISTRY_EVENT_NAMES));

static MARKET_EVENTS: EventTable = LazyLock::new(|| table(twin_market_abi(), &MARKET_EVENT_NAMES));

static VAULT_EVENTS: EventTable = LazyLock::new(|| table(twin_vault_abi(), &VAULT_EVENT_NAMES));

/// Every settlement, and every claim of what settlements credited.
const EARNINGS_EVENT_NAMES: [&str; 2] = ["Settled", "Claimed"];

static EARNINGS_EVENTS: EventTable = LazyLock::new(|| table(twin_earnings_abi(), &EARNINGS_EVENT_NAMES));

fn table(abi: &'static Abi, names: &[&str]) -> Vec<(H256, &'static Event)> {
    names.iter().map(|name| contract_event(abi, name)).map(|event| (event.signature(), event)).collect()
}

fn contract_event(abi: &'static Abi, name: &str) -> &'static Event {
    abi.event(name).unwrap_or_else(|error| panic!("the embedded ABI declares {name}: {error}"))
}

fn topic0s(table: &EventTable) -> Vec<H256> {
    table.iter().map(|(topic0, _)| *topic0).collect()
}

/// The first topics of every registry event the book replays, `TwinMinted` among them.
pub(crate) fn registry_topics() -> Vec<H256> {
    topic0s(&REGISTRY_EVENTS)
}

pub(crate) fn market_topics() -> Vec<H256> {
    topic0s(&MARKET_EVENTS)
}

/// The market's trades, whose blocks' times date the price history.
pub(crate) fn trade_topics() -> [H256; 2] {
    ["Sold", "LotFilled"].map(|name| contract_event(twin_market_abi(), name).signature())
}

pub(crate) fn earnings_topics() -> Vec<H256> {
    topic0s(&EARNINGS_EVENTS)
}

pub(crate) fn vault_topics() -> Vec<H256> {
    topic0s(&VAULT_EVENTS)
}

fn telemetry_reported_event() -> &'static Event {
    contract_event(twin_registry_abi(), "TelemetryReported")
}

pub(crate) fn maintenance_logged_event() -> &'static Event {
    contract_event(twin_registry_abi(), "MaintenanceLogged")
}

/// One twin's telemetry, read when its page asks: thousands of reports per twin that only its own
/// page shows, so they are read per twin, on the twin id's topic, and kept in memory for the visit.
#[derive(Debug, Clone)]
pub struct RegistryActivity {
    rpc: RpcClient,
    registry: EthAddress,
    first_block: u64,
    /// One indexer per twin whose telemetry was asked for, so that a twin page following new
    /// blocks fetches only the blocks it has not seen.
    telemetry: Arc<Mutex<HashMap<u64, LogIndexer>>>,
    /// Block number → time, for the blocks looked up to find where a window starts: a block's
    /// time never changes (a reorganisation deep enough to change it drops the caches anyway).
    block_times: Arc<Mutex<HashMap<u64, u64>>>,
}

impl RegistryActivity {
    pub fn new(rpc: RpcClient, deployment: &Deployment) -> Self {
        let registry = to_ethers_address(deployment.twin_registry);
        let first_block = deployment.deployment_block;
        Self { rpc, registry, first_block, telemetry: Arc::default(), block_times: Arc::default() }
    }

    /// The twin's telemetry since `since` (unix seconds) as of block `latest`, oldest first: only
    /// the blocks of that window are read, and of those only what an earlier read did not cover.
    pub async fn telemetry(
        &self,
        twin_id: u64,
        since: u64,
        latest: ChainHead,
    ) -> Result<Vec<TelemetrySample>, ChainError> {
        let indexer = self.twin_indexer(telemetry_reported_event(), twin_id);
        let covered = indexer.start().and_then(|start| self.known_time(start)).is_some_and(|time| time <= since);
        let from = match indexer.start() {
            Some(start) if covered => start,
            _ => self.block_at_or_before(since, latest).await?,
        };
        let logs = indexer.logs_from(from, (latest.block.number, H256(latest.block.hash))).await?;
        logs.iter().map(decode_telemetry).collect()
    }

    fn known_time(&self, block: u64) -> Option<u64> {
        self.block_times.lock().unwrap_or_else(PoisonError::into_inner).get(&block).copied()
    }

    async fn stamp(&self, number: u64) -> Result<Stamp, ChainError> {
        if let Some(time) = self.known_time(number) {
            return Ok(Stamp { number, time });
        }
        #[derive(serde::Deserialize)]
        struct Header {
            timestamp: U64,
        }
        let header: Option<Header> =
            self.rpc.request("eth_getBlockByNumber", json!([U64::from(number), false])).await?;
        let time = header.ok_or_else(|| ChainError::Decode(format!("block {number} is missing")))?.timestamp.as_u64();
        self.block_times.lock().unwrap_or_else(PoisonError::into_inner).insert(number, time);
        Ok(Stamp { number, time })
    }

    /// The newest block at or before `time`, by a few lookups between the deployment and `latest`.
    async fn block_at_or_before(&self, time: u64, latest: ChainHead) -> Result<u64, ChainError> {
        let first = self.stamp(self.first_block).await?;
        let latest = Stamp { number: latest.block.number, time: latest.time };
        let mut search = BlockSeek::new(time, first, latest, SEEK_SLACK_BLOCKS);
        while let Some(number) = search.probe() {
            search.observe(self.stamp(number).await?);
        }
        Ok(search.answer())
    }

    fn twin_indexer(&self, event: &Event, twin_id: u64) -> LogIndexer {
        self.telemetry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(twin_id)
            .or_insert_with(|| {
                LogIndexer::new(self.rpc.clone(), self.registry, vec![event.signature()], self.first_block)
                    .with_topic1(H256::from_low_u64_be(twin_id))
            })
            .clone()
    }
}

/// A log's parameters, looked up by the names the contract gives them.
struct Fields {
    event: &'static str,
    params: Vec<LogParam>,
}

impl Fields {
    fn parse(event: &'static Event, log: &Log) -> Result<Self, ChainError> {
        let raw = RawLog { topics: log.topics.clone(), data: log.data.to_vec() };
        let parsed = event.parse_log(raw).map_err(|error| ChainError::Decode(format!("{}: {error}", event.name)))?;
        Ok(Self { event: &event.name, params: parsed.params })
    }

    fn malformed(&self, name: &str) -> ChainError {
        ChainError::Decode(format!("{}.{name} is missing or has an unexpected value", self.event))
    }

    fn token(&self, name: &str) -> Result<Token, ChainError> {
        let param = self.params.iter().find(|param| param.name == name);
        param.map(|param| param.value.clone()).ok_or_else(|| self.malformed(name))
    }

    fn address(&self, name: &str) -> Result<Address, ChainError> {
        self.token(name)?.into_address().map(to_domain_address).ok_or_else(|| self.malformed(name))
    }

    fn uint(&self, name: &str) -> Result<U256, ChainError> {
        self.token(name)?.into_uint().ok_or_else(|| self.malformed(name))
    }

    fn wei(&self, name: &str) -> Result<Wei, ChainError> {
        to_wei(self.uint(name)?)
    }

    /// An amount of a share token, in its smallest units.
    fn shares(&self, name: &str) -> Result<ShareUnits, ChainError> {
        let value = self.uint(name)?;
        (value.bits() <= 128).then(|| ShareUnits(value.low_u128())).ok_or_else(|| self.malformed(name))
    }

    fn u64(&self, name: &str) -> Result<u64, ChainError> {
        let value = self.uint(name)?;
        (value.bits() <= 64).then(|| value.low_u64()).ok_or_else(|| self.malformed(name))
    }

    /// A Solidity enum.
    fn variant(&self, name: &str) -> Result<u8, ChainError> {
        u8::try_from(self.u64(name)?).map_err(|_| self.malformed(name))
    }

    fn u16(&self, name: &str) -> Result<u16, ChainError> {
        u16::try_from(self.u64(name)?).map_err(|_| self.malformed(name))
    }

    fn bool(&self, name: &str) -> Result<bool, ChainError> {
        self.token(name)?.into_bool().ok_or_else(|| self.malformed(name))
    }

    fn string(&self, name: &str) -> Result<String, ChainError> {
        self.token(name)?.into_string().ok_or_else(|| self.malformed(name))
    }
}

fn by_topic0(table: &EventTable, log: &Log) -> Result<&'static Event, ChainError> {
    let topic0 = log.topics.first().copied().unwrap_or_default();
    let event = table.iter().find(|(signature, _)| *signature == topic0).map(|(_, event)| *event);
    event.ok_or_else(|| ChainError::Decode(format!("a log of an unexpected event, topic {topic0:?}")))
}

/// Where the log sits on chain. `eth_getLogs` gives mined logs only, which have all three.
fn located(log: &Log, event: ChainEvent) -> Result<Located, ChainError> {
    let missing = |what: &str| ChainError::Decode(format!("a log without its {what}"));
    Ok(Located {
        block: log.block_number.ok_or_else(|| missing("block number"))?.as_u64(),
        log_index: log.log_index.ok_or_else(|| missing("log index"))?.low_u64(),
        tx_hash: format!("{:?}", log.transaction_hash.ok_or_else(|| missing("transaction hash"))?),
        event,
    })
}

fn of_twin(log: &Log, twin_id: u64, event: TwinEvent) -> Result<Located, ChainError> {
    located(log, ChainEvent::Twin { twin_id, event })
}

fn of_account(log: &Log, account: Address, event: AccountEvent) -> Result<Located, ChainError> {
    located(log, ChainEvent::Account { account, event })
}

pub(crate) fn decode_registry_log(log: &Log) -> Result<Located, ChainError> {
    let event = by_topic0(&REGISTRY_EVENTS, log)?;
    if event.signature() == twin_minted_event().signature() {
        let twin = decode_twin_minted(log)?;
        return of_twin(log, twin.id, TwinEvent::Minted { operator: twin.operator, reporter: twin.reporter });
    }
    let fields = Fields::parse(event, log)?;
    let decoded = match fields.event {
        "ApprovalForAll" => {
            let event = AccountEvent::ApprovalForAll {
                operator: fields.address("operator")?,
                approved: fields.bool("approved")?,
            };
            return of_account(log, fields.address("owner")?, event);
        }
        "Transfer" => TwinEvent::Transfer { from: fields.address("from")?, to: fields.address("to")? },
        "Approval" => TwinEvent::Approval { approved: fields.address("approved")? },
        "OperatorProposed" => TwinEvent::OperatorProposed { proposed: fields.address("proposed")? },
        "StatusChanged" => TwinEvent::StatusChanged {
            next: TwinStatus::from_u8(fields.variant("next")?).ok_or_else(|| fields.malformed("next"))?,
        },
        "OperatorTransferred" => TwinEvent::OperatorTransferred {
            from: fields.address("previousOperator")?,
            to: fields.address("newOperator")?,
        },
        "ReporterChanged" => {
            TwinEvent::ReporterChanged { from: fields.address("previousReporter")?, to: fields.address("newReporter")? }
        }
        "EarningTermsFixed" => TwinEvent::TermsFixed(decode_terms(fields.token("terms")?)?),
        other => unreachable!("REGISTRY_EVENTS has no {other}"),
    };
    of_twin(log, fields.u64("tokenId")?, decoded)
}

pub(crate) fn decode_market_log(log: &Log) -> Result<Located, ChainError> {
    let fields = Fields::parse(by_topic0(&MARKET_EVENTS, log)?, log)?;
    let decoded = match fields.event {
        "AllListingsCancelled" => {
            let event = AccountEvent::AllListingsCancelled { nonce: fields.u64("listingNonce")? };
            return of_account(log, fields.address("seller")?, event);
        }
        "Listed" => TwinEvent::Listed {
            seller: fields.address("seller")?,
            price: fields.wei("price")?,
            expires_at: fields.u64("expiresAt")?,
            max_fee_bps: fields.u16("maxFeeBps")?,
        },
        "ListingCancelled" => TwinEvent::ListingCancelled { by: fields.address("by")? },
        "Sold" => TwinEvent::Sold {
            seller: fields.address("seller")?,
            buyer: fields.address("buyer")?,
            price: fields.wei("price")?,
            royalty: fields.wei("royalty")?,
            fee: fields.wei("fee")?,
            // `TwinMarket.SaleKind`: Listing, Offer.
            via_offer: match fields.variant("kind")? {
                0 => false,
                1 => true,
                _ => return Err(fields.malformed("kind")),
            },
        },
        "OfferMade" => TwinEvent::OfferMade {
            bidder: fields.address("bidder")?,
            amount: fields.wei("amount")?,
            expires_at: fields.u64("expiresAt")?,
        },
        "OfferRaised" => TwinEvent::OfferRaised {
            bidder: fields.address("bidder")?,
            amount: fields.wei("amount")?,
            expires_at: fields.u64("expiresAt")?,
        },
        "OfferCancelled" => TwinEvent::OfferCancelled { bidder: fields.address("bidder")? },
        "OfferAccepted" => TwinEvent::OfferAccepted {
            bidder: fields.address("bidder")?,
            seller: fields.address("seller")?,
            amount: fields.wei("amount")?,
        },
        "LotListed" => TwinEvent::LotListed {
            lot: fields.u64("lotId")?,
            seller: fields.address("seller")?,
            amount: fields.shares("amount")?,
            price_per_share: fields.wei("pricePerShare")?,
            expires_at: fields.u64("expiresAt")?,
            max_fee_bps: fields.u16("maxFeeBps")?,
        },
        "LotFilled" => TwinEvent::LotFilled {
            lot: fields.u64("lotId")?,
            buyer: fields.address("buyer")?,
            seller: fields.address("seller")?,
            amount: fields.shares("amount")?,
            price: fields.wei("price")?,
            royalty: fields.wei("royalty")?,
            fee: fields.wei("fee")?,
            remaining: fields.shares("remaining")?,
        },
        "LotCancelled" => TwinEvent::LotCancelled { lot: fields.u64("lotId")? },
        other => unreachable!("MARKET_EVENTS has no {other}"),
    };
    of_twin(log, fields.u64("tokenId")?, decoded)
}

pub(crate) fn decode_vault_log(log: &Log) -> Result<Located, ChainError> {
    let fields = Fields::parse(by_topic0(&VAULT_EVENTS, log)?, log)?;
    let decoded = match fields.event {
        "Split" => TwinEvent::Split {
            holder: fields.address("holder")?,
            shares: fields.address("shares")?,
            supply: fields.shares("supply")?,
        },
        "Joined" => TwinEvent::Joined { holder: fields.address("holder")? },
        other => unreachable!("VAULT_EVENTS has no {other}"),
    };
    of_twin(log, fields.u64("tokenId")?, decoded)
}

pub(crate) fn decode_earnings_log(log: &Log) -> Result<Located, ChainError> {
    let fields = Fields::parse(by_topic0(&EARNINGS_EVENTS, log)?, log)?;
    match fields.event {
        "Claimed" => {
            let event = AccountEvent::Claimed { to: fields.address("to")?, amount: fields.wei("amount")? };
            of_account(log, fields.address("account")?, event)
        }
        "Settled" => {
            let index = u32::try_from(fields.u64("index")?).map_err(|_| fields.malformed("index"))?;
            let settlement = decode_settlement(&fields, index, fields.address("holder")?)?;
            of_twin(log, fields.u64("tokenId")?, TwinEvent::Settled(settlement))
        }
        other => unreachable!("EARNINGS_EVENTS has no {other}"),
    }
}

/// The tuple fields of a struct argument, by position, as the contract declares them.
fn tuple<const N: usize>(fields: &Fields, name: &str) -> Result<[Token; N], ChainError> {
    let items = fields.token(name)?.into_tuple().ok_or_else(|| fields.malformed(name))?;
    <[Token; N]>::try_from(items).map_err(|_| fields.malformed(name))
}

fn decode_settlement(fields: &Fields, index: u32, holder: Address) -> Result<Settlement, ChainError> {
    let malformed = || fields.malformed("settlement");
    let [start, end, energy, late, decimals, gross, fee, electricity, net, shortfall, fee_cap, electricity_cap, eth_usd, network] =
        tuple::<14>(fields, "settlement")?;
    let uint = |token: Token| token.into_uint().ok_or_else(malformed);
    let u64_of = |token: Token| {
        uint(token).and_then(|value| (value.bits() <= 64).then(|| value.low_u64()).ok_or_else(malformed))
    };
    let wei = |token: Token| to_wei(uint(token)?);
    let [btc_usd, difficulty, fees, oldest_at] =
        <[Token; 4]>::try_from(network.into_tuple().ok_or_else(malformed)?).map_err(|_| malformed())?;
    // An int256 answer: one that does not fit an i128 is no figure any feed gives.
    let int = |token: Token| {
        let value = token.into_int().ok_or_else(malformed)?;
        let signed = ethers_core::types::I256::from_raw(value);
        i128::try_from(signed).map_err(|_| malformed())
    };
    Ok(Settlement {
        index,
        holder,
        period_start: u64_of(start)?,
        period_end: u64_of(end)?,
        energy_wh: u64_of(energy)?,
        late: late.into_bool().ok_or_else(malformed)?,
        price_decimals: u8::try_from(u64_of(decimals)?).map_err(|_| malformed())?,
        gross: wei(gross)?,
        service_fee: wei(fee)?,
        electricity: wei(electricity)?,
        net: wei(net)?,
        shortfall: wei(shortfall)?,
        service_fee_cap: wei(fee_cap)?,
        electricity_cap: wei(electricity_cap)?,
        eth_usd: wei(eth_usd)?.0,
        network: RecordedFigures {
            btc_usd: int(btc_usd)?,
            difficulty: int(difficulty)?,
            fees_per_block: int(fees)?,
            oldest_at: u64_of(oldest_at)?,
        },
    })
}

fn decode_telemetry(log: &Log) -> Result<TelemetrySample, ChainError> {
    let fields = Fields::parse(telemetry_reported_event(), log)?;
    let malformed = || fields.malformed("report");
    let report = fields.token("report")?.into_tuple().ok_or_else(malformed)?;
    let [timestamp, hashrate_ghs, power_watts, board_temp, fan_rpm, uptime_seconds, accepted, rejected] =
        <[Token; 8]>::try_from(report).map_err(|_| malformed())?;
    let uint = |token: Token| token.into_uint().ok_or_else(malformed);
    // An int16 arrives sign-extended to 256 bits: its low 16 bits are its two's complement.
    let board_temp = board_temp.into_int().ok_or_else(malformed)?.low_u32() as u16 as i16;
    Ok(TelemetrySample {
        timestamp: uint(timestamp)?.low_u64(),
        hashrate_ghs: uint(hashrate_ghs)?.low_u64(),
        power_watts: uint(power_watts)?.low_u32(),
        board_temp_deci_c: board_temp,
        fan_rpm: uint(fan_rpm)?.low_u32(),
        uptime_seconds: uint(uptime_seconds)?.low_u32(),
        accepted_shares: uint(accepted)?.low_u64(),
        rejected_shares: uint(rejected)?.low_u64(),
    })
}

pub(crate) fn decode_maintenance(log: &Log) -> Result<Located, ChainError> {
    let fields = Fields::parse(maintenance_logged_event(), log)?;
    let kind = MaintenanceKind::from_u8(fields.variant("kind")?).ok_or_else(|| fields.malformed("kind"))?;
    let event = TwinEvent::Maintenance { kind, note: fields.string("note")?, timestamp: fields.u64("timestamp")? };
    of_twin(log, fields.u64("tokenId")?, event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::earnings::EarningTerms;
    use ethers_core::abi::encode;
    use ethers_core::types::{Bytes, I256, U64};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn operator() -> Address {
        "0x70997970c51812dc3a010c7d01b50e0d17dc79c8".parse().unwrap()
    }
    fn investor() -> Address {
        "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f".parse().unwrap()
    }

    fn topic(address: Address) -> H256 {
        H256::from(to_ethers_address(address))
    }

    fn twin(id: u64) -> H256 {
        H256::from_low_u64_be(id)
    }

    /// A mined log of `event` as a node returns it, in block 12 at position 3.
    fn log(event: &Event, indexed: &[H256], data: &[Token]) -> Log {
        Log {
            topics: [vec![event.signature()], indexed.to_vec()].concat(),
            data: Bytes::from(encode(data)),
            block_number: Some(U64::from(12)),
            log_index: Some(U256::from(3)),
            transaction_hash: Some(H256::repeat_byte(0xee)),
            ..Default::default()
        }
    }

    fn registry_log(name: &str, indexed: &[H256], data: &[Token]) -> Log {
        log(contract_event(twin_registry_abi(), name), indexed, data)
    }

    fn market_log(name: &str, indexed: &[H256], data: &[Token]) -> Log {
        log(contract_event(twin_market_abi(), name), indexed, data)
    }

    fn wei(amount: u128) -> Token {
        Token::Uint(U256::from(amount))
    }

    #[test]
    fn a_log_is_located_by_twin_block_position_and_transaction() {
        let located =
            decode_registry_log(&registry_log("Transfer", &[topic(Address::ZERO), topic(operator()), twin(4)], &[]))
                .unwrap();
        assert_eq!(
            located,
            Located {
                block: 12,
                log_index: 3,
                tx_hash: format!("0x{}", "ee".repeat(32)),
                event: ChainEvent::Twin {
                    twin_id: 4,
                    event: TwinEvent::Transfer { from: Address::ZERO, to: operator() }
                },
            }
        );
    }

    #[test]
    fn a_mint_decodes_through_the_twin_minted_decoder() {
        let log: Log = serde_json::from_str(include_str!("fixtures/twin_minted_log.json")).unwrap();
        let located = decode_registry_log(&log).unwrap();
        assert_eq!((located.block, located.log_index), (2, 0));
        let reporter = decode_twin_minted(&log).unwrap().reporter;
        assert_eq!(twin_event(&located), (1, TwinEvent::Minted { operator: operator(), reporter }));
        assert_eq!(located.tx_hash, "0xeeac77b2c4c2a1ab95055c19b9ce300988d3e710592a7c27ba3452f8b1e34a97");
    }

    #[test]
    fn registry_role_and_status_changes_decode() {
        let status = registry_log("StatusChanged", &[twin(9)], &[Token::Uint(0.into()), Token::Uint(1.into())]);
        assert_eq!(registry_event(&status), (9, TwinEvent::StatusChanged { next: TwinStatus::Offline }));

        let proposed = registry_log("OperatorProposed", &[twin(9), topic(operator()), topic(investor())], &[]);
        assert_eq!(registry_event(&proposed), (9, TwinEvent::OperatorProposed { proposed: investor() }));

        let handed = registry_log("OperatorTransferred", &[twin(9), topic(operator()), topic(investor())], &[]);
        assert_eq!(registry_event(&handed), (9, TwinEvent::OperatorTransferred { from: operator(), to: investor() }));

        let rotated = registry_log("ReporterChanged", &[twin(9), topic(investor()), topic(operator())], &[]);
        assert_eq!(registry_event(&rotated), (9, TwinEvent::ReporterChanged { from: investor(), to: operator() }));
    }

    #[test]
    fn approvals_decode_per_twin_and_per_account() {
        let approval = registry_log("Approval", &[topic(operator()), topic(investor()), twin(6)], &[]);
        assert_eq!(registry_event(&approval), (6, TwinEvent::Approval { approved: investor() }));

        let for_all = registry_log("ApprovalForAll", &[topic(operator()), topic(investor())], &[Token::Bool(false)]);
        assert_eq!(
            decode_registry_log(&for_all).unwrap().event,
            ChainEvent::Account {
                account: operator(),
                event: AccountEvent::ApprovalForAll { operator: investor(), approved: false }
            }
        );
    }

    #[test]
    fn a_status_no_contract_version_has_is_refused() {
        let status = registry_log("StatusChanged", &[twin(9)], &[Token::Uint(0.into()), Token::Uint(3.into())]);
        assert!(matches!(decode_registry_log(&status), Err(ChainError::Decode(_))));
    }

    /// The twin and the event of a log about one twin.
    fn twin_event(located: &Located) -> (u64, TwinEvent) {
        located.twin_event().map(|(twin_id, event)| (twin_id, event.clone())).expect("an event of a twin")
    }

    fn registry_event(log: &Log) -> (u64, TwinEvent) {
        twin_event(&decode_registry_log(log).unwrap())
    }

    fn market_event(log: &Log) -> (u64, TwinEvent) {
        twin_event(&decode_market_log(log).unwrap())
    }

    /// `Listed`'s data: price, expiresAt, maxFeeBps.
    fn listed_data(price: u128) -> Vec<Token> {
        vec![wei(price), Token::Uint(1_766_000_000u64.into()), Token::Uint(250.into())]
    }

    #[test]
    fn listings_decode_with_their_terms() {
        let listed = market_log("Listed", &[twin(5), topic(operator())], &listed_data(1_100_000_000_000_000_000));
        assert_eq!(
            market_event(&listed),
            (
                5,
                TwinEvent::Listed {
                    seller: operator(),
                    price: Wei(1_100_000_000_000_000_000),
                    expires_at: 1_766_000_000,
                    max_fee_bps: 250
                }
            )
        );

        let cancelled = market_log("ListingCancelled", &[twin(5), topic(investor())], &[]);
        assert_eq!(market_event(&cancelled), (5, TwinEvent::ListingCancelled { by: investor() }));

        let all = market_log("AllListingsCancelled", &[topic(operator())], &[Token::Uint(3.into())]);
        assert_eq!(
            decode_market_log(&all).unwrap().event,
            ChainEvent::Account { account: operator(), event: AccountEvent::AllListingsCancelled { nonce: 3 } }
        );
    }

    #[test]
    fn a_fee_bound_beyond_a_uint16_is_refused() {
        let mut data = listed_data(1);
        data[2] = Token::Uint(70_000.into());
        let listed = market_log("Listed", &[twin(5), topic(operator())], &data);
        assert!(matches!(decode_market_log(&listed), Err(ChainError::Decode(_))));
    }

    #[test]
    fn sales_decode_with_their_split_and_kind() {
        let sold = |kind: u8| {
            market_log(
                "Sold",
                &[twin(3), topic(operator()), topic(investor())],
                &[
                    wei(2_800),
                    Token::Address(to_ethers_address(operator())),
                    wei(140),
                    wei(70),
                    Token::Uint(kind.into()),
                ],
            )
        };
        let expected = |via_offer| TwinEvent::Sold {
            seller: operator(),
            buyer: investor(),
            price: Wei(2_800),
            royalty: Wei(140),
            fee: Wei(70),
            via_offer,
        };
        assert_eq!(market_event(&sold(0)), (3, expected(false)));
        assert_eq!(market_event(&sold(1)), (3, expected(true)));
        assert!(matches!(decode_market_log(&sold(2)), Err(ChainError::Decode(_))));
    }

    #[test]
    fn offers_decode() {
        let made = market_log("OfferMade", &[twin(1), topic(investor())], &[wei(1_500), Token::Uint(9_000.into())]);
        assert_eq!(
            market_event(&made),
            (1, TwinEvent::OfferMade { bidder: investor(), amount: Wei(1_500), expires_at: 9_000 })
        );

        // The event's `amount` is the new total, which is what the book keeps; `added` is not.
        let raised = market_log(
            "OfferRaised",
            &[twin(1), topic(investor())],
            &[wei(500), wei(2_000), Token::Uint(12_000.into())],
        );
        assert_eq!(
            market_event(&raised),
            (1, TwinEvent::OfferRaised { bidder: investor(), amount: Wei(2_000), expires_at: 12_000 })
        );

        let cancelled = market_log("OfferCancelled", &[twin(1), topic(investor())], &[wei(2_000)]);
        assert_eq!(market_event(&cancelled), (1, TwinEvent::OfferCancelled { bidder: investor() }));

        let accepted = market_log("OfferAccepted", &[twin(1), topic(investor()), topic(operator())], &[wei(2_000)]);
        assert_eq!(
            market_event(&accepted),
            (1, TwinEvent::OfferAccepted { bidder: investor(), seller: operator(), amount: Wei(2_000) })
        );
    }

    #[test]
    fn an_amount_beyond_any_ether_supply_is_refused() {
        let mut data = listed_data(1);
        data[0] = Token::Uint(U256::MAX);
        let listed = market_log("Listed", &[twin(5), topic(operator())], &data);
        assert!(matches!(decode_market_log(&listed), Err(ChainError::Decode(_))));
    }

    #[test]
    fn each_indexer_refuses_the_other_contracts_events() {
        let listed = market_log("Listed", &[twin(5), topic(operator())], &listed_data(1));
        assert!(matches!(decode_registry_log(&listed), Err(ChainError::Decode(_))));
        let transfer = registry_log("Transfer", &[topic(Address::ZERO), topic(operator()), twin(4)], &[]);
        assert!(matches!(decode_market_log(&transfer), Err(ChainError::Decode(_))));
    }

    #[test]
    fn a_pending_log_is_not_history() {
        let mut listed = market_log("Listed", &[twin(5), topic(operator())], &listed_data(1));
        listed.block_number = None;
        assert!(matches!(decode_market_log(&listed), Err(ChainError::Decode(_))));
    }

    #[test]
    fn telemetry_decodes_field_for_field_below_freezing_too() {
        let report = Token::Tuple(vec![
            Token::Uint(1_764_000_000u64.into()),
            Token::Uint(197_000.into()),
            Token::Uint(3_420.into()),
            Token::Int(I256::from(-55).into_raw()),
            Token::Uint(4_380.into()),
            Token::Uint(3_600.into()),
            Token::Uint(3_940.into()),
            Token::Uint(7.into()),
        ]);
        let sample = decode_telemetry(&registry_log("TelemetryReported", &[twin(2)], &[report])).unwrap();
        assert_eq!(
            sample,
            TelemetrySample {
                timestamp: 1_764_000_000,
                hashrate_ghs: 197_000,
                power_watts: 3_420,
                board_temp_deci_c: -55,
                fan_rpm: 4_380,
                uptime_seconds: 3_600,
                accepted_shares: 3_940,
                rejected_shares: 7,
            }
        );
    }

    #[test]
    fn maintenance_decodes_with_its_kind_and_note() {
        let note = "Replaced the APW12 power supply after a ripple alarm.";
        let logged = registry_log(
            "MaintenanceLogged",
            &[twin(4)],
            &[Token::Uint(2.into()), Token::String(note.into()), Token::Uint(1_764_000_000u64.into())],
        );
        let located = decode_maintenance(&logged).unwrap();
        assert_eq!(
            twin_event(&located),
            (
                4,
                TwinEvent::Maintenance {
                    kind: MaintenanceKind::PartReplacement,
                    note: note.into(),
                    timestamp: 1_764_000_000
                }
            )
        );
    }

    fn earnings_log(name: &str, indexed: &[H256], data: &[Token]) -> Log {
        log(contract_event(twin_earnings_abi(), name), indexed, data)
    }

    #[test]
    fn terms_fixed_at_mint_decode_into_the_twins_terms() {
        let terms = Token::Tuple([1_000u64, 65_000, 86_400, 21_600].map(|n| Token::Uint(n.into())).to_vec());
        let located = decode_registry_log(&registry_log("EarningTermsFixed", &[twin(3)], &[terms])).unwrap();
        let expected = EarningTerms {
            service_fee_bps: 1_000,
            tariff_micro_usd_per_kwh: 65_000,
            settlement_period: 86_400,
            grace_period: 21_600,
        };
        assert_eq!(twin_event(&located), (3, TwinEvent::TermsFixed(expected)));
    }

    #[test]
    fn a_settlement_decodes_every_figure_the_contract_recorded() {
        let uint = |n: u128| Token::Uint(U256::from(n));
        let network = Token::Tuple(vec![
            Token::Int(U256::from(9_100_000_000_000_u128)),
            Token::Int(U256::from(152_000_000_000_000u128)),
            // A feed that answered -1: recorded as given, negative.
            Token::Int(I256::from(-1).into_raw()),
            uint(1_764_000_000),
        ]);
        let settlement = Token::Tuple(vec![
            uint(1_763_900_000),
            uint(1_763_986_400),
            uint(84_000),
            Token::Bool(true),
            uint(8),
            uint(2_500_000_000_000_000),
            uint(250_000_000_000_000),
            uint(1_800_000_000_000_000),
            uint(450_000_000_000_000),
            uint(0),
            uint(250_000_000_000_000),
            uint(1_820_000_000_000_000),
            uint(300_000_000_000),
            network,
        ]);
        let located =
            decode_earnings_log(&earnings_log("Settled", &[twin(2), twin(7), topic(investor())], &[settlement]))
                .unwrap();
        let (twin_id, TwinEvent::Settled(s)) = twin_event(&located) else { panic!("not a settlement") };
        assert_eq!((twin_id, s.index, s.holder), (2, 7, investor()));
        assert_eq!((s.period_start, s.period_end, s.energy_wh, s.late), (1_763_900_000, 1_763_986_400, 84_000, true));
        assert_eq!(
            (s.gross, s.service_fee, s.electricity, s.net),
            (
                Wei(2_500_000_000_000_000),
                Wei(250_000_000_000_000),
                Wei(1_800_000_000_000_000),
                Wei(450_000_000_000_000)
            )
        );
        assert_eq!((s.electricity_cap, s.eth_usd, s.price_decimals), (Wei(1_820_000_000_000_000), 300_000_000_000, 8));
        assert_eq!(s.network.fees_per_block, -1);
        assert_eq!(s.network.difficulty, 152_000_000_000_000);
    }

    #[test]
    fn a_claim_is_about_the_account_that_claimed() {
        let located = decode_earnings_log(&earnings_log(
            "Claimed",
            &[topic(investor()), topic(operator())],
            &[wei(450_000_000_000_000)],
        ))
        .unwrap();
        assert_eq!(
            located.event,
            ChainEvent::Account {
                account: investor(),
                event: AccountEvent::Claimed { to: operator(), amount: Wei(450_000_000_000_000) }
            }
        );
    }

    /// Events the app deliberately does not index, and why. Anything else a contract emits must
    /// be decoded, so that an ABI swap cannot add an event the book silently misses.
    const NOT_INDEXED: [(&str, &str); 12] = [
        // Registry
        ("TelemetryReported", "fetched per twin, on its own page"),
        ("MaintenanceLogged", "fetched per twin, on its own page"),
        ("MintCommitted", "the mint page follows its own commitment with commitmentBlock"),
        ("MetadataUpdate", "repeats StatusChanged for marketplaces"),
        ("BatchMetadataUpdate", "ERC-4906, never emitted by the registry"),
        // Market
        ("Withdrawn", "the portfolio reads proceedsOf, which is what is left to withdraw"),
        ("FeeChanged", "the fee in force is read with feeBps when a sale is prepared"),
        (
            "FeeChangeScheduled",
            "a sale binds the fee with maxFeeBps; a scheduled change does not matter before it applies",
        ),
        ("TreasuryChanged", "not shown"),
        ("TreasuryChangeScheduled", "not shown"),
        ("OwnershipTransferStarted", "not shown"),
        ("OwnershipTransferred", "not shown"),
    ];

    #[test]
    fn every_event_is_indexed_or_deliberately_left_out() {
        let ignored: Vec<&str> = NOT_INDEXED.iter().map(|(name, _)| *name).collect();
        for (abi, indexed) in [
            (twin_registry_abi(), &REGISTRY_EVENTS),
            (twin_market_abi(), &MARKET_EVENTS),
            (twin_earnings_abi(), &EARNINGS_EVENTS),
            (twin_vault_abi(), &VAULT_EVENTS),
        ] {
            let indexed: Vec<&str> = indexed.iter().map(|(_, event)| event.name.as_str()).collect();
            for event in abi.events() {
                assert!(
                    indexed.contains(&event.name.as_str()) || ignored.contains(&event.name.as_str()),
                    "{} is neither indexed nor in NOT_INDEXED",
                    event.name
                );
            }
        }
        // cast sig-event "Transfer(address,address,uint256)"
        assert_eq!(
            format!("{:?}", REGISTRY_EVENTS[2].0),
            "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
        );
    }
}
