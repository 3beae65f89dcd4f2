//! What pages read, composed from the chain readers into domain values, apart from the views
//! that show it. Each `use_*` is a resource that refreshes with every new block.

use leptos::prelude::*;

use crate::app::ChainContext;
use crate::chain::contracts::{mint_commitment, TwinRegistryReader};
use crate::domain::activity::{Book, Located};
use crate::domain::donations::{self, Credit};
use crate::domain::gallery::GalleryEntry;
use crate::domain::mint_form::{PendingMint, RevealStage, SerialLookup};
use crate::domain::{Twin, TwinStatus};

/// Everything the gallery, the market and the portfolio show: every twin, the events replayed
/// into who owns what and what is for sale, and the donated work.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub twins: Vec<Twin>,
    pub events: Vec<Located>,
    pub book: Book,
    pub credits: Vec<Credit>,
    /// The latest block's time when the catalog was read.
    pub chain_time: u64,
}

impl Catalog {
    /// Now, for expiries: the chain's clock decides them, and a block's time can run ahead of the
    /// browser's (a test chain moved forward, a skewed clock). The later of the two only ever
    /// shows a listing as expired a little early, never as buyable when `buy` would refuse it.
    pub fn now(&self) -> u64 {
        now_seconds().max(self.chain_time)
    }

    pub fn gallery_entries(&self, now: u64) -> Vec<GalleryEntry> {
        let donated = donations::by_twin(&self.credits, now);
        self.twins
            .iter()
            .map(|twin| GalleryEntry {
                twin: twin.clone(),
                status: self.book.status(twin.id).unwrap_or(TwinStatus::Active),
                listing_price: self.book.listing(twin.id, now).map(|listing| listing.price),
                donated_work: donated.get(&twin.id).map_or(0, |donations| donations.work),
                donated_hashrate: donated.get(&twin.id).map_or(0.0, |donations| donations.hashrate),
            })
            .collect()
    }
}

pub fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1_000.0) as u64
}

async fn load_catalog(chain: ChainContext) -> Result<Catalog, String> {
    let (Some(registry), Some(market), Some(ledger)) = (chain.registry, chain.market_activity, chain.ledger) else {
        // Not an empty catalog: "no twins yet" would be a wrong answer where HashTwin is not deployed.
        return Err(format!("HashTwin is not deployed on {}.", chain.network.name));
    };
    let words = |error: crate::chain::contracts::ChainError| error.to_string();
    // Read first: the events that follow are at least as new as this clock.
    let chain_time = chain.rpc.latest_block_time().await.map_err(|error| error.to_string())?;
    // One after another: they share the node, and each is mostly a cache read after the first load.
    let (twins, mut events) = registry.twins_and_events().await.map_err(words)?;
    events.extend(market.events().await.map_err(words)?);
    let credits = ledger.credits().await.map_err(words)?;
    let book = Book::replay(&events);
    Ok(Catalog { twins, events, book, credits, chain_time })
}

/// The catalog, refreshed with each block.
pub fn use_catalog() -> LocalResource<Result<Catalog, String>> {
    let chain = expect_context::<ChainContext>();
    LocalResource::new(move || {
        chain.head.track();
        load_catalog(chain.clone())
    })
}

/// The market's protocol fee in force: what a seller agrees to as `maxFeeBps` when listing or
/// accepting an offer. Read once per view: a change is announced two days ahead.
pub fn use_fee_bps() -> LocalResource<Result<u16, String>> {
    let chain = expect_context::<ChainContext>();
    LocalResource::new(move || {
        let market = chain.market.clone();
        async move {
            let market = market.ok_or("HashTwin has no market on this network.")?;
            market.fee_bps().await.map_err(|error| format!("The market's fee could not be read: {error}."))
        }
    })
}

/// The gallery's entries, newest data with each block.
pub fn use_gallery() -> LocalResource<Result<Vec<GalleryEntry>, String>> {
    let chain = expect_context::<ChainContext>();
    LocalResource::new(move || {
        chain.head.track();
        let chain = chain.clone();
        async move { load_catalog(chain).await.map(|catalog| catalog.gallery_entries(catalog.now())) }
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
    let words = |error: crate::chain::contracts::ChainError| error.to_string();
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
