//! The app's one view of the chain, provided by context: the network it reads, the collection's
//! history kept in step with the chain block by block, and the reads pages make through it.
//!
//! The history is read once, kept in IndexedDB, and then only new blocks are read: each block's
//! events move the book on. A reorganisation rolls back to the last block the chain still has.
//! Pages read memoised slices of it, so a block that changes nothing a page shows leaves the page
//! alone, and a write that lands asks for the next blocks at once.

mod catalog;
pub mod idb;
pub mod indexer;
pub mod names;
mod reads;

use std::sync::Arc;
use std::time::Duration;

use futures::channel::mpsc::{unbounded, UnboundedSender};
use futures::{FutureExt, StreamExt};
use leptos::prelude::*;

use crate::chain::abi::ChainError;
use crate::chain::collection::{BlockLogs, ChainHead, CollectionLogs, ReadBlocks, WINDOW_BLOCKS};
use crate::chain::contracts::TwinRegistryReader;
use crate::chain::earnings::{FeedAddresses, TwinEarnings};
use crate::chain::ens::EnsReader;
use crate::chain::fractions::TwinVault;
use crate::chain::ledger::HashLedger;
use crate::chain::lens::TwinLens;
use crate::chain::market::TwinMarket;
use crate::chain::networks::{Network, NetworkConfig};
use crate::chain::rpc::RpcClient;
use crate::chunk::ChunkLoadFailed;
use crate::domain::history::{BlockRef, History, HistoryError, SyncProgress};
use idb::{HistoryDb, StoredHead};
use indexer::{Indexed, IndexerClient, IndexerError};
use names::EnsNames;

pub use crate::chain::lens::TwinSnapshot;
pub use catalog::{now_seconds, Catalog};
pub use reads::{
    cross_check, first_gallery_page, mint_progress, serial_lookup, twin_snapshot, use_fee_bps, use_feed_readings,
    use_open_period, use_share_positions, CrossCheck, MintProgress, SharePosition,
};

/// Logs per page of the indexer's history: small enough that decoding one keeps the page
/// responsive (a sort or a click waits for one page at most), large enough that a year of history
/// is a few dozen requests.
const HISTORY_PAGE_LOGS: u32 = 1_000;

/// How often the app asks the node for its latest block: what keeps the offline banner honest
/// and the history a block behind at most.
const BLOCK_POLL: Duration = Duration::from_secs(4);

/// What a page shows of the store: `None` until the history is first known, then the slice or
/// why it cannot be read.
pub type Loaded<T> = Option<Result<T, String>>;

/// Where the indexer stands, for a network whose config names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexerState {
    /// No indexer for this network: everything is read from the chain.
    Absent,
    Checking,
    /// Indexed up to this block: the gallery queries it.
    Ready(Indexed),
    /// It cannot be used, for this reason: the app reads the chain instead, and says so.
    Down(String),
}

/// Where the history pages show was read: what each panel's source line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistorySource {
    /// By this browser from the chain (now or on an earlier visit), up to `block`.
    Chain { block: u64 },
    /// From the indexer up to `indexed`, and from the chain after it up to `block`.
    Indexer { indexed: u64, block: u64 },
}

/// Now, by the later of the browser's clock and the latest block's.
#[derive(Clone, Copy)]
pub struct Clock(RwSignal<u64>);

impl Clock {
    /// Read when a transaction is prepared rather than when the page was drawn, and without
    /// redrawing what asks at every block.
    pub fn now(self) -> u64 {
        now_seconds().max(self.0.get_untracked())
    }
}

/// The network the app reads from, what it reads there, and the history it keeps.
#[derive(Clone)]
pub struct ChainStore {
    pub config: NetworkConfig,
    pub network: Network,
    pub rpc: RpcClient,
    /// `None` on a network where HashTwin has no deployment.
    pub registry: Option<TwinRegistryReader>,
    pub market: Option<TwinMarket>,
    pub ledger: Option<HashLedger>,
    /// Where the deployment has one: the first paint, before the history is read.
    pub lens: Option<TwinLens>,
    pub earnings: Option<TwinEarnings>,
    /// Splits and joins twins.
    pub vault: Option<TwinVault>,
    pub feeds: Option<FeedAddresses>,
    collection: Option<CollectionLogs>,
    pub indexer: Option<IndexerClient>,
    /// Accounts' ENS names, where the network has ENS.
    pub names: Option<EnsNames>,
    indexer_state: RwSignal<IndexerState>,
    /// `Some(false)` while the node cannot be reached.
    pub online: RwSignal<Option<bool>>,
    /// The latest block seen.
    pub head: RwSignal<Option<u64>>,
    /// The latest block seen, with its hash and time.
    pub latest: RwSignal<Option<ChainHead>>,
    /// The latest block's time: the clock the contracts judge expiries by.
    chain_time: RwSignal<u64>,
    /// Replaced only when records arrive or a reorganisation removes some.
    history: RwSignal<Arc<History>>,
    progress: RwSignal<SyncProgress>,
    /// The last block of the history this visit read from the indexer, if it read any there.
    from_indexer: RwSignal<Option<u64>>,
    /// The history's last block, announced once per change rather than per block.
    history_block: RwSignal<Option<u64>>,
    /// Why the history is not kept in this browser, when it is not.
    storage_problem: RwSignal<Option<String>>,
    /// Counts the writes this app saw confirmed: reads of what a write changes key on it.
    writes: RwSignal<u64>,
    wake: StoredValue<Option<UnboundedSender<()>>>,
}

impl ChainStore {
    pub fn new(config: NetworkConfig) -> Self {
        let network = config.default_network().clone();
        let rpc = RpcClient::new(network.rpc_url.clone());
        let deployment = network.contracts.clone();
        Self {
            registry: deployment.clone().map(|deployment| TwinRegistryReader::new(rpc.clone(), deployment)),
            market: deployment.as_ref().map(|deployment| TwinMarket::new(rpc.clone(), deployment.twin_market)),
            ledger: deployment.as_ref().map(|deployment| HashLedger::new(rpc.clone(), deployment)),
            lens: deployment
                .as_ref()
                .and_then(|deployment| deployment.twin_lens)
                .map(|address| TwinLens::new(rpc.clone(), address)),
            earnings: deployment.as_ref().map(|deployment| TwinEarnings::new(rpc.clone(), deployment.twin_earnings)),
            vault: deployment
                .as_ref()
                .map(|deployment| TwinVault::new(deployment.twin_registry, deployment.twin_vault)),
            feeds: deployment.as_ref().map(|deployment| FeedAddresses {
                eth_usd: deployment.eth_usd_feed,
                btc_usd: deployment.btc_usd_feed,
                difficulty: deployment.difficulty_feed,
                block_fees: deployment.block_fees_feed,
            }),
            collection: deployment.as_ref().map(|deployment| CollectionLogs::new(rpc.clone(), deployment)),
            indexer: network.indexer_url.clone().filter(|_| deployment.is_some()).map(IndexerClient::new),
            names: network.ens_registry.map(|registry| EnsNames::new(EnsReader::new(rpc.clone(), registry))),
            indexer_state: RwSignal::new(if network.indexer_url.is_some() && deployment.is_some() {
                IndexerState::Checking
            } else {
                IndexerState::Absent
            }),
            config,
            network,
            rpc,
            online: RwSignal::new(None),
            head: RwSignal::new(None),
            latest: RwSignal::new(None),
            chain_time: RwSignal::new(0),
            history: RwSignal::new(Arc::default()),
            progress: RwSignal::new(SyncProgress::Starting),
            from_indexer: RwSignal::new(None),
            history_block: RwSignal::new(None),
            storage_problem: RwSignal::new(None),
            writes: RwSignal::new(0),
            wake: StoredValue::new(None),
        }
    }

    /// The name of a chain the wallet reports, known or not.
    pub fn chain_name(&self, chain_id: u64) -> String {
        self.config.network(chain_id).map(|network| network.name.clone()).unwrap_or_else(|| format!("chain {chain_id}"))
    }

    /// Keeps the history in step with the chain for as long as the app runs.
    ///
    /// Following the chain is code no page's first paint needs, so it comes in a chunk of its own
    /// (issue 15), fetched once the page's first reads are answered: on a slow link it would
    /// otherwise share the line with them.
    pub fn start(&self) {
        let store = self.clone();
        leptos::task::spawn_local(async move {
            if let Some(lens) = &store.lens {
                lens.settled().await;
            }
            loop {
                match follow_chain(store.clone()).await {
                    Ok(following) => return following.await,
                    Err(ChunkLoadFailed) => {
                        store.progress.set(SyncProgress::Failed {
                            message: "The part of HashTwin that reads the collection's history could not be \
                                      downloaded; it is asked for again every few seconds."
                                .into(),
                        });
                        gloo_timers::future::sleep(BLOCK_POLL).await;
                    }
                }
            }
        });
    }

    /// Follows the chain for as long as the app runs: the stored history first, then every block.
    async fn follow_forever(&self) {
        let (wake, mut woken) = unbounded::<()>();
        self.wake.set_value(Some(wake));
        // Side by side: neither waits for the other before the first sync.
        let (db, ()) = futures::join!(self.open_storage(), self.follow_indexer());
        loop {
            self.sync(db.as_ref()).await;
            futures::select! {
                _ = gloo_timers::future::sleep(BLOCK_POLL).fuse() => {},
                _ = woken.next() => {},
            }
            self.follow_indexer().await;
        }
    }

    /// Reads the next blocks now rather than at the next poll: after a write landed.
    pub fn refresh(&self) {
        self.writes.update(|writes| *writes += 1);
        if let Some(wake) = self.wake.get_value() {
            // The loop ends only with the page, and with it this store.
            let _ = wake.unbounded_send(());
        }
    }

    /// The number of writes confirmed so far: a read keyed on it follows what they changed.
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }

    pub fn progress(&self) -> SyncProgress {
        self.progress.get()
    }

    /// Whether any of the history is known, read or restored: pages show it, however old.
    pub fn has_history(&self) -> bool {
        self.history.with(|history| history.head().is_some())
    }

    /// Where the history was read, once any of it is known.
    pub fn history_source(&self) -> Option<HistorySource> {
        let block = self.history_block.get()?;
        Some(match self.from_indexer.get() {
            Some(indexed) => HistorySource::Indexer { indexed, block },
            None => HistorySource::Chain { block },
        })
    }

    pub fn storage_problem(&self) -> Option<String> {
        self.storage_problem.get()
    }

    /// The clock expiries are set by.
    pub fn clock(&self) -> Clock {
        Clock(self.chain_time)
    }

    /// The whole catalog, which changes only when the history does.
    pub fn catalog(&self) -> Memo<Loaded<Catalog>> {
        let store = self.clone();
        Memo::new(move |_| {
            let history = store.history.get();
            store
                .readiness(&history)
                .map(|ready| ready.map(|()| Catalog::new(history.clone(), store.chain_time.get_untracked())))
        })
    }

    /// A slice of the catalog, evaluated again when the history changes and announced only when
    /// the slice did.
    pub fn slice<T>(&self, read: impl Fn(&Catalog) -> T + Send + Sync + 'static) -> Memo<Loaded<T>>
    where
        T: PartialEq + Clone + Send + Sync + 'static,
    {
        self.slice_of(false, read)
    }

    /// A slice that depends on the time as well (expiries, the last day's donations): evaluated
    /// again with each block too.
    pub fn timed_slice<T>(&self, read: impl Fn(&Catalog) -> T + Send + Sync + 'static) -> Memo<Loaded<T>>
    where
        T: PartialEq + Clone + Send + Sync + 'static,
    {
        self.slice_of(true, read)
    }

    fn slice_of<T>(&self, timed: bool, read: impl Fn(&Catalog) -> T + Send + Sync + 'static) -> Memo<Loaded<T>>
    where
        T: PartialEq + Clone + Send + Sync + 'static,
    {
        let store = self.clone();
        Memo::new(move |_| {
            let history = store.history.get();
            let chain_time = if timed { store.chain_time.get() } else { store.chain_time.get_untracked() };
            store.readiness(&history).map(|ready| ready.map(|()| read(&Catalog::new(history.clone(), chain_time))))
        })
    }

    fn readiness(&self, history: &History) -> Option<Result<(), String>> {
        if self.collection.is_none() {
            // Not an empty catalog: "no twins yet" would be a wrong answer where HashTwin is not deployed.
            return Some(Err(format!("HashTwin is not deployed on {}.", self.network.name)));
        }
        if history.head().is_some() {
            return Some(Ok(()));
        }
        match self.progress.get() {
            SyncProgress::Failed { message } => Some(Err(message)),
            _ => None,
        }
    }

    async fn open_storage(&self) -> Option<HistoryDb> {
        let collection = self.collection.as_ref()?;
        let deployment = self.network.contracts.as_ref()?;
        let scope = format!("{}:{}:{}", self.network.chain_id, deployment.twin_registry, collection.deployment_block());
        let db = match HistoryDb::open(scope).await {
            Ok(db) => db,
            Err(problem) => {
                self.storage_problem.set(Some(problem.to_string()));
                return None;
            }
        };
        match db.load().await {
            Ok(Some((stored, blocks))) => match restore(collection, blocks, &stored) {
                Ok(history) => {
                    self.history_block.set(Some(stored.head.number));
                    self.history.set(Arc::new(history));
                }
                Err(error) => {
                    self.storage_problem.set(Some(format!("The stored history was set aside ({error}).")));
                    self.keep(db.truncate(None).await);
                }
            },
            Ok(None) => {}
            Err(problem) => {
                self.storage_problem.set(Some(problem.to_string()));
                self.keep(db.truncate(None).await);
            }
        }
        Some(db)
    }

    fn keep(&self, outcome: Result<(), idb::StorageError>) {
        let problem = outcome.err().map(|problem| problem.to_string());
        if self.storage_problem.get_untracked() != problem {
            self.storage_problem.set(problem);
        }
    }

    pub fn indexer_state(&self) -> IndexerState {
        self.indexer_state.get()
    }

    /// A query the indexer failed: the app reads the chain until the indexer answers again.
    pub fn indexer_failed(&self, why: String) {
        if self.indexer.is_some() {
            self.indexer_state.set(IndexerState::Down(why));
        }
    }

    async fn follow_indexer(&self) {
        let (Some(indexer), Some(deployment)) = (&self.indexer, &self.network.contracts) else { return };
        let check = async {
            match self.indexer_state.get_untracked() {
                // Checked once per visit, and again after it was down: it may have been redeployed.
                IndexerState::Ready(_) => Ok(()),
                _ => indexer.check_deployment(self.network.chain_id, deployment.twin_registry).await,
            }
        };
        // Both at once: what the indexer reached is believed only if the deployment is ours.
        let (checked, indexed) = futures::join!(check, indexer.indexed());
        let state = match checked.and(indexed) {
            Ok(indexed) => IndexerState::Ready(indexed),
            Err(error) => IndexerState::Down(error.to_string()),
        };
        if self.indexer_state.get_untracked() != state {
            self.indexer_state.set(state);
        }
    }

    /// One step of following the chain: the new head, any reorganisation, the blocks since.
    async fn sync(&self, db: Option<&HistoryDb>) {
        let Some(collection) = &self.collection else {
            let reached = self.rpc.block_number().await;
            self.set_online(reached.as_ref().ok().copied());
            return;
        };
        if let Err(error) = self.follow(collection, db).await {
            if matches!(error, ChainError::Rpc(ref rpc) if rpc.is_transient()) {
                self.set_online(None);
            }
            let what = if self.history.with_untracked(|history| history.head().is_some()) {
                "New blocks"
            } else {
                "The collection's history"
            };
            self.progress.set(SyncProgress::Failed { message: format!("{what} could not be read: {error}.") });
        }
    }

    fn set_online(&self, block: Option<u64>) {
        if self.online.get_untracked() != Some(block.is_some()) {
            self.online.set(Some(block.is_some()));
        }
        if block.is_some() && self.head.get_untracked() != block {
            self.head.set(block);
        }
    }

    async fn follow(&self, collection: &CollectionLogs, db: Option<&HistoryDb>) -> Result<(), ChainError> {
        let ours = self.history.with_untracked(|history| history.head());
        let indexed = match self.indexer_state.get_untracked() {
            IndexerState::Ready(indexed) => Some(indexed.block),
            _ => None,
        };
        let numbers: Vec<u64> = ours.map(|head| head.number).into_iter().chain(indexed).collect();
        let (latest, hashes) = collection.head_and_hashes(&numbers).await?;
        self.set_online(Some(latest.block.number));
        if self.latest.get_untracked() != Some(latest) {
            self.latest.set(Some(latest));
        }
        if self.chain_time.get_untracked() != latest.time {
            self.chain_time.set(latest.time);
        }
        if let Some(ours) = ours {
            if hashes.first().copied().flatten() != Some(ours.hash) {
                self.roll_back(collection, db).await?;
            }
        }
        // Where the indexer's part of the history ends, as the chain has that block: an indexer a
        // block or two ahead of this app's node hands over at the node's head.
        let handover = indexed.and_then(|indexed| {
            if indexed >= latest.block.number {
                Some(latest.block)
            } else {
                let hash = hashes.get(usize::from(ours.is_some())).copied().flatten();
                hash.map(|hash| BlockRef { number: indexed, hash })
            }
        });
        if let Some(handover) = handover {
            if let Err(why) = self.catch_up_from_indexer(collection, db, handover, latest).await {
                // Nothing of its answer was kept: the chain is read instead, from the same block.
                self.indexer_failed(why);
            }
        }
        self.catch_up(collection, db, latest).await
    }

    /// Reads the blocks after the history's head up to `handover` from the indexer, in a few large
    /// pages rather than a chain scan, and keeps them only if the chain still has the newest block
    /// they hold: an indexer that has not yet followed a reorganisation is not believed.
    async fn catch_up_from_indexer(
        &self,
        collection: &CollectionLogs,
        db: Option<&HistoryDb>,
        handover: BlockRef,
        latest: ChainHead,
    ) -> Result<(), String> {
        let Some(indexer) = &self.indexer else { return Ok(()) };
        let first = self.history.with_untracked(|history| history.next_block(collection.deployment_block()));
        if handover.number < first {
            return Ok(());
        }
        let read = |from: u64| indexer.history(from, handover.number, HISTORY_PAGE_LOGS);
        let failed = |error: IndexerError| error.to_string();
        let mut blocks = ReadBlocks::default();
        let mut from = first;
        let mut answer = read(from).await.map_err(failed)?;
        loop {
            // Each answer covers at least the block it was asked from: the pages always move on.
            let through = CollectionLogs::indexed_through(&answer).map_err(|error| error.to_string())?;
            if !(from..=handover.number).contains(&through) {
                return Err(format!(
                    "its history answered up to block {through} for blocks {from} to {}",
                    handover.number
                ));
            }
            // The next page is on its way while this one is decoded, after a pause in which the page
            // handles what the user did meanwhile.
            let next = async {
                if through < handover.number {
                    Some(read(through + 1).await)
                } else {
                    None
                }
            };
            let decode = async {
                gloo_timers::future::sleep(Duration::ZERO).await;
                collection.indexed_blocks(&answer)
            };
            let (next, decoded) = futures::join!(next, decode);
            let page = decoded.map_err(|error| format!("its history could not be read: {error}"))?;
            blocks.append(page);
            self.progress.set(SyncProgress::CatchingUp { first, done: through, last: latest.block.number });
            match next {
                Some(next) => (from, answer) = (through + 1, next.map_err(failed)?),
                None => break,
            }
        }
        if let Some(newest) = blocks.newest() {
            let on_chain = if newest.number == handover.number {
                Some(handover.hash)
            } else {
                let (_, hashes) = collection.head_and_hashes(&[newest.number]).await.map_err(|error| {
                    format!("its block {} could not be checked against the chain: {error}", newest.number)
                })?;
                hashes.first().copied().flatten()
            };
            if on_chain != Some(newest.hash) {
                return Err(format!(
                    "its block {} is not the chain's: it has not yet followed a reorganisation",
                    newest.number
                ));
            }
        }
        self.apply(db, &blocks, handover)
            .await
            .map_err(|error| format!("its history does not follow this app's: {error}"))?;
        self.from_indexer.set(Some(handover.number));
        Ok(())
    }

    /// Moves the history on by `blocks` to `head`, and stores their logs.
    async fn apply(&self, db: Option<&HistoryDb>, blocks: &ReadBlocks, head: BlockRef) -> Result<(), HistoryError> {
        let mut extended = Ok(());
        // In place: a copy of the whole history per window would cost more than the window.
        self.history.update_untracked(|history| extended = Arc::make_mut(history).extend(&blocks.records, head));
        extended?;
        if !blocks.records.is_empty() {
            // When only the head moved, nothing a page shows changed.
            self.history.notify();
        }
        let block = Some(head.number);
        if self.history_block.get_untracked() != block {
            self.history_block.set(block);
        }
        if let Some(db) = db {
            let stored = self.history.with_untracked(|history| stored_head(history));
            if let Some(stored) = stored {
                self.keep(db.append(&blocks.logs, &stored).await);
            }
        }
        Ok(())
    }

    /// Finds the newest block read that the chain still has, and forgets the ones after it.
    async fn roll_back(&self, collection: &CollectionLogs, db: Option<&HistoryDb>) -> Result<(), ChainError> {
        let checkpoints: Vec<BlockRef> = self.history.with_untracked(|history| history.checkpoints().collect());
        let numbers: Vec<u64> = checkpoints.iter().map(|checkpoint| checkpoint.number).collect();
        let (_, hashes) = collection.head_and_hashes(&numbers).await?;
        let keep = checkpoints.into_iter().zip(hashes).find(|(checkpoint, hash)| *hash == Some(checkpoint.hash));
        let keep = keep.map(|(checkpoint, _)| checkpoint);
        self.history.update(|history| Arc::make_mut(history).roll_back_to(keep));
        self.history_block.set(keep.map(|keep| keep.number));
        // What the indexer supplied may be what the reorganisation replaced.
        if self.from_indexer.get_untracked().is_some_and(|indexed| keep.is_none_or(|keep| keep.number < indexed)) {
            self.from_indexer.set(keep.map(|keep| keep.number));
        }
        if let Some(db) = db {
            let stored = self.history.with_untracked(|history| stored_head(history));
            self.keep(db.truncate(stored.as_ref()).await);
        }
        Ok(())
    }

    /// Reads every block after the history's head up to `latest`, a window at a time, each
    /// applied and stored as it arrives so that the pages fill in behind the progress shown.
    async fn catch_up(
        &self,
        collection: &CollectionLogs,
        db: Option<&HistoryDb>,
        latest: ChainHead,
    ) -> Result<(), ChainError> {
        let first = self.history.with_untracked(|history| history.next_block(collection.deployment_block()));
        let mut from = first;
        while from <= latest.block.number {
            let to = latest.block.number.min(from + WINDOW_BLOCKS - 1);
            self.progress.set(SyncProgress::CatchingUp { first, done: from - 1, last: latest.block.number });
            let (blocks, end) =
                collection.records(from, to, (to == latest.block.number).then_some(latest.block)).await?;
            self.apply(db, &blocks, end).await.map_err(|error| ChainError::Decode(error.to_string()))?;
            from = to + 1;
        }
        let synced = SyncProgress::Synced { block: latest.block.number };
        if self.progress.get_untracked() != synced {
            self.progress.set(synced);
        }
        Ok(())
    }
}

type Following = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(chain_follower, wasm_split_path = ::leptos::wasm_split, fallible)]
fn follow_chain(store: ChainStore) -> Result<Following, ChunkLoadFailed> {
    Ok(Box::pin(async move { store.follow_forever().await }))
}

#[cfg(not(feature = "split"))]
async fn follow_chain(store: ChainStore) -> Result<Following, ChunkLoadFailed> {
    Ok(Box::pin(async move { store.follow_forever().await }))
}

fn stored_head(history: &History) -> Option<StoredHead> {
    history.head().map(|head| StoredHead { head, checkpoints: history.checkpoints().collect() })
}

/// The history a previous visit stored, its logs decoded again.
fn restore(collection: &CollectionLogs, blocks: Vec<BlockLogs>, stored: &StoredHead) -> Result<History, String> {
    let read = collection.decode(blocks).map_err(|error| error.to_string())?;
    History::restore(&read.records, stored.head, &stored.checkpoints).map_err(|error| error.to_string())
}
