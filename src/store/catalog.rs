//! The catalog: the history as pages read it, with the chain's clock at the time.

use std::sync::Arc;

use crate::domain::activity::{Book, Located, PricePoint};
use crate::domain::cross_check::TwinFacts;
use crate::domain::donations::{self, Credit};
use crate::domain::feed::{self, FeedItem, FeedKind};
use crate::domain::fractions::{mul_div, Lot, UNITS_PER_SHARE};
use crate::domain::gallery::{self, EntryEarnings, EntryFraction, GalleryEntry, ModelFloor};
use crate::domain::history::{BlockRef, History};
use crate::domain::{Twin, TwinStatus, Wei};

/// Every twin, the events replayed into who owns what and what is for sale, and the donated work.
/// Cloning it is cheap: the history is shared.
#[derive(Debug, Clone)]
pub struct Catalog {
    history: Arc<History>,
    /// The latest block's time when the catalog was read.
    pub chain_time: u64,
}

/// Two catalogs are the same when they read the same history: what a memo needs to know.
impl PartialEq for Catalog {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.history, &other.history) && self.chain_time == other.chain_time
    }
}

impl Catalog {
    pub fn new(history: Arc<History>, chain_time: u64) -> Self {
        Self { history, chain_time }
    }

    /// The last block the catalog has read.
    pub fn head(&self) -> Option<BlockRef> {
        self.history.head()
    }

    /// Who holds twin `id`, where it stands and what it is listed for, at time `at`.
    pub fn facts(&self, id: u64, at: u64) -> TwinFacts {
        let book = self.book();
        TwinFacts {
            owner: book.owner(id),
            status: book.status(id).unwrap_or(TwinStatus::Active),
            listing_price: book.listing(id, at).map(|listing| listing.price),
        }
    }

    pub fn twins(&self) -> &[Twin] {
        self.history.twins()
    }

    pub fn twin(&self, id: u64) -> Option<&Twin> {
        self.history.twin(id)
    }

    /// What twin `id` changed hands at, oldest first, each with its block's time where it is known.
    pub fn price_history(&self, id: u64) -> Vec<(Option<u64>, PricePoint)> {
        self.book().price_history(id).into_iter().map(|point| (self.history.event_time(point.block), point)).collect()
    }

    /// Each model's cheapest twin for sale at `now`.
    pub fn floors(&self, now: u64) -> Vec<ModelFloor> {
        gallery::floors(&self.gallery_entries(now))
    }

    /// The newest `limit` events of the collection that are news, of one kind or all, each with
    /// its block's time where it is known.
    pub fn feed(&self, only: Option<FeedKind>, limit: usize) -> Vec<(Option<u64>, FeedItem)> {
        feed::feed(self.events(), only, limit)
            .into_iter()
            .map(|item| (self.history.event_time(item.block), item))
            .collect()
    }

    /// When twin `id` was minted, where the time of its block is known.
    pub fn minted_at(&self, id: u64) -> Option<u64> {
        self.history.minted_at(id)
    }

    /// The price a twin's yield is taken on, as the indexer takes it: its live listing's, the
    /// listing's expiry aside (an expiry does not move a yield), else its last sale's. A split twin's
    /// is its cheapest open lot's price per share, else its last fill's, times the supply.
    pub fn yield_price(&self, id: u64) -> Option<Wei> {
        let book = self.book();
        if let Some(fraction) = book.fraction(id) {
            let cheapest =
                book.live_lots(0).into_iter().filter(|lot| lot.twin == id).map(|lot| lot.price_per_share).min();
            let per_share = cheapest.or_else(|| book.last_share_price(id));
            return per_share.map(|price| Wei(mul_div(price.0, fraction.supply.0, UNITS_PER_SHARE)));
        }
        // At time 0 no listing has expired: the market's other checks alone decide.
        book.listing_state(id, 0)
            .filter(|(_, state)| state.is_live())
            .map(|(listing, _)| listing.price)
            .or_else(|| book.last_sale(id).map(|sale| sale.price))
    }

    pub fn events(&self) -> &[Located] {
        self.history.events()
    }

    pub fn book(&self) -> &Book {
        self.history.book()
    }

    pub fn credits(&self) -> &[Credit] {
        self.history.credits()
    }

    /// Now, for expiries: the chain's clock decides them, and a block's time can run ahead of the
    /// browser's (a test chain moved forward, a skewed clock). The later of the two only ever
    /// shows a listing as expired a little early, never as buyable when `buy` would refuse it.
    pub fn now(&self) -> u64 {
        now_seconds().max(self.chain_time)
    }

    pub fn gallery_entries(&self, now: u64) -> Vec<GalleryEntry> {
        let donated = donations::by_twin(self.credits(), now);
        let book = self.book();
        let live_lots = book.live_lots(now);
        self.twins()
            .iter()
            .map(|twin| GalleryEntry {
                twin: twin.clone(),
                status: book.status(twin.id).unwrap_or(TwinStatus::Active),
                listing_price: book.listing(twin.id, now).map(|listing| listing.price),
                donated_work: donated.get(&twin.id).map_or(0, |donations| donations.work),
                donated_hashrate: donated.get(&twin.id).map_or(0.0, |donations| donations.hashrate),
                earnings: EntryEarnings::from_book(
                    book.terms(twin.id),
                    book.settlements(twin.id),
                    self.minted_at(twin.id),
                    self.yield_price(twin.id),
                    now,
                ),
                fraction: book.fraction(twin.id).map(|fraction| {
                    let lots: Vec<Lot> = live_lots.iter().filter(|lot| lot.twin == twin.id).cloned().collect();
                    EntryFraction::new(fraction.supply, &lots)
                }),
            })
            .collect()
    }
}

pub fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1_000.0) as u64
}
