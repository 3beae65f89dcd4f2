//! Reads of the chain that are not history: asked when a page needs them, keyed on what they
//! depend on.

use leptos::prelude::*;

use super::Loaded;

use super::{Catalog, ChainStore};
use crate::chain::abi::ChainError;
use crate::chain::contracts::{mint_commitment, TwinRegistryReader};
use crate::chain::earnings::{read_feeds, FeedReadings};
use crate::chain::fractions::{holdings, Holding};
use crate::chain::lens::{OpenPeriod, TwinLens, TwinSnapshot};
use crate::domain::cross_check::{Disagreement, TwinFacts};
use crate::domain::earnings::Punctuality;
use crate::domain::gallery::{EntryEarnings, Facets, GalleryEntry, GalleryView, PAGE_SIZE};
use crate::domain::mint_form::{PendingMint, RevealStage, SerialLookup};
use crate::domain::Address;

/// The market's protocol fee in force: what a seller agrees to as `maxFeeBps` when listing or
/// accepting an offer. Read again after each write: a change is announced two days ahead.
pub fn use_fee_bps() -> LocalResource<Result<u16, String>> {
    let store = expect_context::<ChainStore>();
    LocalResource::new(move || {
        store.writes();
        let market = store.market.clone();
        async move {
            let market = market.ok_or("HashTwin has no market on this network.")?;
            market.fee_bps().await.map_err(|error| format!("The market's fee could not be read: {error}."))
        }
    })
}

/// The feeds' newest answers: ETH/USD, BTC/USD and the Bitcoin network's figures, read again with
/// each new block, since a feed moves on its own.
pub fn use_feed_readings() -> LocalResource<Result<FeedReadings, String>> {
    let store = expect_context::<ChainStore>();
    LocalResource::new(move || {
        store.head.get();
        let (rpc, feeds) = (store.rpc.clone(), store.feeds);
        async move {
            let feeds = feeds.ok_or("HashTwin has no deployment on this network.")?;
            read_feeds(&rpc, feeds).await.map_err(|error| format!("The price feeds could not be read: {error}."))
        }
    })
}

/// A twin's open period and its schedule as the contracts hold them now, read again with each
/// new block: when the next settlement is due is the chain's to say.
pub fn use_open_period(twin_id: u64) -> LocalResource<Result<OpenPeriod, String>> {
    let store = expect_context::<ChainStore>();
    LocalResource::new(move || {
        store.head.get();
        store.writes();
        let lens = store.lens.clone();
        async move {
            let lens = lens.ok_or("This deployment has no lens to read the open period from.")?;
            let (_, mut twins) =
                lens.twins(&[twin_id]).await.map_err(|error| format!("Twin #{twin_id} could not be read: {error}."))?;
            twins.pop().flatten().map(|twin| twin.period).ok_or_else(|| format!("There is no twin #{twin_id}."))
        }
    })
}

/// One twin whose shares the connected account holds, or held and has earnings of.
#[derive(Debug, Clone, PartialEq)]
pub struct SharePosition {
    pub twin_id: u64,
    pub holding: Holding,
    /// Split now: a twin joined since keeps only the earnings of its shares.
    pub split: bool,
}

/// The connected account's shares of every twin ever split, read from the share tokens in one
/// round trip, again after each write and each new event. Empty without a wallet.
pub fn use_share_positions() -> LocalResource<Result<Vec<SharePosition>, String>> {
    let store = expect_context::<ChainStore>();
    let wallet = expect_context::<crate::components::wallet::WalletContext>();
    let catalog = store.catalog();
    LocalResource::new(move || {
        store.writes();
        store.head.get();
        let account = wallet.connection.get().map(|connection| connection.account);
        let tokens: Vec<(u64, Address, bool)> = catalog.with(|catalog| match catalog {
            Some(Ok(catalog)) => {
                let book = catalog.book();
                book.ever_split().into_iter().map(|(id, token)| (id, token, book.fraction(id).is_some())).collect()
            }
            _ => Vec::new(),
        });
        let rpc = store.rpc.clone();
        let market = store.network.contracts.as_ref().map(|deployment| deployment.twin_market);
        async move {
            let (Some(account), Some(market)) = (account, market) else { return Ok(Vec::new()) };
            let addresses: Vec<Address> = tokens.iter().map(|(_, token, _)| *token).collect();
            let holdings = holdings(&rpc, &addresses, account, market)
                .await
                .map_err(|error| format!("Your shares could not be read: {error}."))?;
            Ok(tokens
                .into_iter()
                .zip(holdings)
                .filter(|(_, holding)| holding.balance.0 > 0 || holding.earned.0 > 0)
                .map(|((twin_id, _, split), holding)| SharePosition { twin_id, holding, split })
                .collect())
        }
    })
}

/// What the registry knows of a canonical serial, asked before step 1 of a mint.
pub async fn serial_lookup(registry: Option<TwinRegistryReader>, canonical_serial: Option<String>) -> SerialLookup {
    match (registry, canonical_serial) {
        (None, _) => SerialLookup::Failed("HashTwin has no registry on this network".into()),
        (_, None) => SerialLookup::Pending,
        (Some(registry), Some(serial)) => match registry.token_of_serial(&serial).await {
            Ok(Some(token)) => SerialLookup::Taken(token),
            Ok(None) => SerialLookup::Free,
            Err(error) => SerialLookup::Failed(error.to_string()),
        },
    }
}

/// Where a mint between its steps stands, as the registry answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MintProgress {
    Stage(RevealStage),
    /// The reveal landed (from this page, or another tab).
    Minted(u64),
}

/// Asks the registry about `pending`'s commitment, against the newest block `head` the app saw.
pub async fn mint_progress(
    registry: &TwinRegistryReader,
    pending: &PendingMint,
    head: Option<u64>,
) -> Result<MintProgress, String> {
    let words = |error: ChainError| error.to_string();
    let commitment = mint_commitment(&pending.serial, pending.account, &pending.salt);
    let committed_at = registry.commitment_block(commitment).await.map_err(words)?;
    // A commitment the registry does not have was either not mined yet or used up by its reveal:
    // whether the serial has its twin tells which.
    if committed_at.is_none() {
        if let Some(token) = registry.token_of_serial(&pending.serial).await.map_err(words)? {
            return Ok(MintProgress::Minted(token));
        }
    }
    Ok(MintProgress::Stage(RevealStage::of(committed_at, head)))
}

/// The gallery's first page, newest first, as the contracts hold it now, and the block read at:
/// one call, however long the history. `None` where the deployment has no lens.
pub async fn first_gallery_page(lens: Option<TwinLens>) -> Result<Option<(GalleryView, u64)>, String> {
    let Some(lens) = lens else { return Ok(None) };
    let (head, twins) = lens
        .newest(0, PAGE_SIZE as u64)
        .await
        .map_err(|error| format!("The newest twins could not be read: {error}."))?;
    let count = head.twin_count as usize;
    let entries = twins.into_iter().map(|twin| snapshot_entry(twin, head.time)).collect();
    Ok(Some((GalleryView { entries, matching: count, total: count, facets: Facets::default() }, head.block)))
}

/// A twin as the lens reads it at time `now`, as a gallery card shows it: whether it is late
/// too, from its open period; its yield and 30-day figures come with the history.
fn snapshot_entry(snapshot: TwinSnapshot, now: u64) -> GalleryEntry {
    let schedule = snapshot.period.schedule;
    GalleryEntry {
        earnings: EntryEarnings {
            late_at: Some(schedule.late_at),
            late: schedule.at(now) == Punctuality::Late,
            ..EntryEarnings::default()
        },
        listing_price: snapshot.buyable.map(|listing| listing.price),
        status: snapshot.status,
        donated_work: snapshot.donated_work,
        // A rate needs the credits' times, which come with the history.
        donated_hashrate: 0.0,
        // The lens's figures on the split come with the history's lots: see `Catalog`.
        fraction: None,
        twin: snapshot.twin,
    }
}

/// One twin as the contracts hold it now, and the block read at: `Ok(None)` where the deployment
/// has no lens (the page waits for the history), a `None` twin for an id that names none.
pub async fn twin_snapshot(
    lens: Option<TwinLens>,
    id: Option<u64>,
) -> Result<Option<(u64, Option<TwinSnapshot>)>, String> {
    let (Some(lens), Some(id)) = (lens, id) else { return Ok(None) };
    let (head, mut twins) =
        lens.twins(&[id]).await.map_err(|error| format!("Twin #{id} could not be read: {error}."))?;
    Ok(Some((head.block, twins.pop().flatten())))
}

/// What a twin page shows from the history, held against the contracts at the history's block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossCheck {
    pub block: u64,
    pub disagreements: Vec<Disagreement>,
}

/// Asks the contracts, through the lens, about twin `id` at the block `catalog` was read to, and
/// says where they differ from it. `None` where there is nothing to check against or with.
pub async fn cross_check(
    lens: Option<TwinLens>,
    catalog: Loaded<Catalog>,
    id: u64,
) -> Option<Result<CrossCheck, String>> {
    let (lens, Some(Ok(catalog))) = (lens?, catalog) else { return None };
    let block = catalog.head()?.number;
    let checked = async {
        let (head, snapshot) = lens
            .twin_at(id, block)
            .await
            .map_err(|error| format!("Twin #{id} could not be checked against the chain: {error}."))?;
        let snapshot = snapshot
            .ok_or_else(|| format!("The chain has no twin #{id} at block {block}, which the history shows."))?;
        let chain = TwinFacts {
            owner: Some(snapshot.owner),
            status: snapshot.status,
            listing_price: snapshot.buyable.map(|listing| listing.price),
        };
        // Judged at the block's own time, as the lens judged the listing's expiry.
        Ok(CrossCheck { block, disagreements: catalog.facts(id, head.time).disagreements(&chain) })
    };
    Some(checked.await)
}
