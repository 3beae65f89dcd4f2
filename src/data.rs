//! What pages read, composed from the chain readers into domain values, apart from the views
//! that show it. Each `use_*` is a resource that refreshes with every new block.

use leptos::prelude::*;

use crate::app::ChainContext;
use crate::domain::activity::{Book, Located};
use crate::domain::donations::{self, Credit};
use crate::domain::gallery::GalleryEntry;
use crate::domain::{Twin, TwinStatus};

/// Everything the gallery, the market and the portfolio show: every twin, the events replayed
/// into who owns what and what is for sale, and the donated work.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub twins: Vec<Twin>,
    pub events: Vec<Located>,
    pub book: Book,
    pub credits: Vec<Credit>,
}

impl Catalog {
    pub fn gallery_entries(&self, now: u64) -> Vec<GalleryEntry> {
        let donated = donations::by_twin(&self.credits, now);
        self.twins
            .iter()
            .map(|twin| GalleryEntry {
                twin: twin.clone(),
                status: self.book.status(twin.id).unwrap_or(TwinStatus::Active),
                listing_price: self.book.listing(twin.id).map(|listing| listing.price),
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
        return Ok(Catalog::default());
    };
    let words = |error: crate::chain::contracts::ChainError| error.to_string();
    // One after another: they share the node, and each is mostly a cache read after the first load.
    let (twins, mut events) = registry.twins_and_events().await.map_err(words)?;
    events.extend(market.events().await.map_err(words)?);
    let credits = ledger.credits().await.map_err(words)?;
    let book = Book::replay(&events);
    Ok(Catalog { twins, events, book, credits })
}

/// The catalog, refreshed with each block.
pub fn use_catalog() -> LocalResource<Result<Catalog, String>> {
    let chain = expect_context::<ChainContext>();
    LocalResource::new(move || {
        chain.head.track();
        load_catalog(chain.clone())
    })
}

/// The gallery's entries, newest data with each block.
pub fn use_gallery() -> LocalResource<Result<Vec<GalleryEntry>, String>> {
    let chain = expect_context::<ChainContext>();
    LocalResource::new(move || {
        chain.head.track();
        let chain = chain.clone();
        async move { load_catalog(chain).await.map(|catalog| catalog.gallery_entries(now_seconds())) }
    })
}
