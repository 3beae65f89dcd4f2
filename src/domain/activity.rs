//! A twin's life as the registry's and the market's events tell it: who owns and runs it, what it
//! is listed at, what is bid on it, and the provenance a buyer reads before paying.
//!
//! The book is rebuilt from events alone, replayed in chain order, so that the market page, the
//! gallery and the portfolio need no contract call per twin. That includes whether a listing is
//! still live: the market ties a listing to the custody it was made under (`custodyOf`'s epoch and
//! the seller's listing nonce), and every change of that custody is an event the book replays.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use super::earnings::{EarningTerms, Settlement};
use super::fractions::{mul_div, Lot, LotState, ShareUnits, UNITS_PER_SHARE};
use super::market::{Listing, ListingState, Offer, Sale, StaleReason};
use super::{Address, TwinStatus, Wei};

/// What kind of work a maintenance entry records, numbered as `TwinRegistry.MaintenanceKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MaintenanceKind {
    Inspection,
    Repair,
    PartReplacement,
    FirmwareUpdate,
    Relocation,
    Other,
}

impl MaintenanceKind {
    pub const ALL: [MaintenanceKind; 6] = [
        MaintenanceKind::Inspection,
        MaintenanceKind::Repair,
        MaintenanceKind::PartReplacement,
        MaintenanceKind::FirmwareUpdate,
        MaintenanceKind::Relocation,
        MaintenanceKind::Other,
    ];

    /// The contract's enum as ABI-decoded; `None` for a value only a newer contract could emit.
    pub fn from_u8(value: u8) -> Option<Self> {
        Self::ALL.get(usize::from(value)).copied()
    }

    pub fn label(self) -> &'static str {
        match self {
            MaintenanceKind::Inspection => "Inspection",
            MaintenanceKind::Repair => "Repair",
            MaintenanceKind::PartReplacement => "Part replacement",
            MaintenanceKind::FirmwareUpdate => "Firmware update",
            MaintenanceKind::Relocation => "Relocation",
            MaintenanceKind::Other => "Other",
        }
    }
}

impl fmt::Display for MaintenanceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One event of a twin, from either contract, with only what the app uses of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwinEvent {
    /// `operator` minted the twin and runs its rig, `reporter` posts its telemetry; the twin itself
    /// arrives by the `Transfer` from zero of the same transaction.
    Minted {
        operator: Address,
        reporter: Address,
    },
    /// ERC-721 `Transfer`: from zero at mint. It also clears the twin's approval, without an event.
    Transfer {
        from: Address,
        to: Address,
    },
    /// ERC-721 `Approval`: `approved` may move this twin; zero clears the approval.
    Approval {
        approved: Address,
    },
    StatusChanged {
        next: TwinStatus,
    },
    /// The operator offered the rig to `proposed`, who must accept; zero withdraws the offer.
    OperatorProposed {
        proposed: Address,
    },
    OperatorTransferred {
        from: Address,
        to: Address,
    },
    ReporterChanged {
        from: Address,
        to: Address,
    },
    /// A new listing, or new terms for the listing there is.
    Listed {
        seller: Address,
        price: Wei,
        expires_at: u64,
        max_fee_bps: u16,
    },
    /// The listing was withdrawn by `by`: its seller, or anyone once it was dead.
    ListingCancelled {
        by: Address,
    },
    Sold {
        seller: Address,
        buyer: Address,
        price: Wei,
        royalty: Wei,
        fee: Wei,
        via_offer: bool,
    },
    OfferMade {
        bidder: Address,
        amount: Wei,
        expires_at: u64,
    },
    /// `amount` is the offer's new total, not what was added.
    OfferRaised {
        bidder: Address,
        amount: Wei,
        expires_at: u64,
    },
    OfferCancelled {
        bidder: Address,
    },
    OfferAccepted {
        bidder: Address,
        seller: Address,
        amount: Wei,
    },
    Maintenance {
        kind: MaintenanceKind,
        note: String,
        /// Unix seconds: the block's time, which the contract records.
        timestamp: u64,
    },
    /// The terms the twin was minted with, for good.
    TermsFixed(EarningTerms),
    /// The operator settled a period; its net was credited to the settlement's holder (the share
    /// token, for a split twin, which passes it on to its holders).
    Settled(Settlement),
    /// `holder` locked the twin in the vault and received all `supply` units of the `shares` token.
    Split {
        holder: Address,
        shares: Address,
        supply: ShareUnits,
    },
    /// `holder` returned every share and took the twin out of the vault.
    Joined {
        holder: Address,
    },
    /// A new lot of the twin's shares.
    LotListed {
        lot: u64,
        seller: Address,
        amount: ShareUnits,
        price_per_share: Wei,
        expires_at: u64,
        max_fee_bps: u16,
    },
    /// `buyer` bought `amount` of the lot for `price`; `remaining` is what is left of it.
    LotFilled {
        lot: u64,
        buyer: Address,
        seller: Address,
        amount: ShareUnits,
        price: Wei,
        royalty: Wei,
        fee: Wei,
        remaining: ShareUnits,
    },
    LotCancelled {
        lot: u64,
    },
}

/// An event about an account rather than one twin: it reaches every twin the account holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountEvent {
    /// ERC-721 `ApprovalForAll`: `operator` may, or may no longer, move every twin of the account.
    ApprovalForAll { operator: Address, approved: bool },
    /// Every listing the account made so far is dead; `nonce` is its new listing counter.
    AllListingsCancelled { nonce: u64 },
    /// The account claimed `amount` of what settlements credited it, sent to `to`.
    Claimed { to: Address, amount: Wei },
}

/// What an event is about: one twin, or one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEvent {
    Twin { twin_id: u64, event: TwinEvent },
    Account { account: Address, event: AccountEvent },
}

/// An event and where it happened on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub block: u64,
    /// Position in the block, across all contracts: orders the registry's and the market's events
    /// of one block against each other.
    pub log_index: u64,
    /// `0x` and 64 hex digits.
    pub tx_hash: String,
    pub event: ChainEvent,
}

impl Located {
    /// The twin and what happened to it, for an event about one twin.
    pub fn twin_event(&self) -> Option<(u64, &TwinEvent)> {
        match &self.event {
            ChainEvent::Twin { twin_id, event } => Some((*twin_id, event)),
            ChainEvent::Account { .. } => None,
        }
    }
}

/// Registry and market events arrive from separate indexers; state only makes sense replayed in
/// the order the chain executed them.
pub(crate) fn in_chain_order(events: &[Located]) -> Vec<&Located> {
    let mut ordered: Vec<&Located> = events.iter().collect();
    ordered.sort_by_key(|located| (located.block, located.log_index));
    ordered
}

/// Where every twin, every account and every open offer stands after the events replayed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Book {
    twins: BTreeMap<u64, TwinRecord>,
    accounts: BTreeMap<Address, AccountRecord>,
    offers: BTreeMap<(u64, Address), OpenOffer>,
    /// Every sale, in chain order.
    sales: Vec<Sale>,
    /// Lots the market still holds open, by id: neither filled nor cancelled.
    lots: BTreeMap<u64, StoredLot>,
    /// Every fill of a lot, in chain order.
    share_trades: Vec<ShareTrade>,
}

/// A lot and the seller's cancel-all counter it was made under.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredLot {
    lot: Lot,
    seller_nonce: u64,
}

/// A split twin's share token and supply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    pub shares: Address,
    pub supply: ShareUnits,
    /// The block of the split: the share token's history starts there.
    pub since_block: u64,
}

/// A point of a twin's price history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricePoint {
    pub block: u64,
    /// The price of the whole twin: a sale's, or a fill's price per share times the supply.
    pub whole_price: Wei,
    /// The shares a fill bought; `None` for a sale of the whole twin.
    pub shares: Option<ShareUnits>,
}

/// One fill of a lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareTrade {
    pub twin_id: u64,
    pub lot: u64,
    pub seller: Address,
    pub buyer: Address,
    pub amount: ShareUnits,
    pub price: Wei,
    /// The twin's supply of shares when the fill was made.
    pub supply: ShareUnits,
    pub block: u64,
    pub tx_hash: String,
}

impl ShareTrade {
    /// What this fill paid per whole share, rounded down.
    pub fn price_per_share(&self) -> Option<Wei> {
        (self.amount.0 > 0).then(|| Wei(mul_div(self.price.0, UNITS_PER_SHARE, self.amount.0)))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TwinRecord {
    owner: Option<Address>,
    operator: Option<Address>,
    pending_operator: Option<Address>,
    reporter: Option<Address>,
    /// `None` until the registry's events mention the twin's mint.
    status: Option<TwinStatus>,
    /// How often the twin moved, its mint included: half of what the registry's custody epoch counts.
    transfers: u64,
    /// Who may move this one twin, and how often such an approval was taken away (revoked or
    /// replaced): the other half of the custody epoch.
    approved: Option<Address>,
    approvals_withdrawn: u64,
    /// As the market stores it: it outlives the custody it was made under, dead.
    listing: Option<StoredListing>,
    terms: Option<EarningTerms>,
    /// In the order they were settled.
    settlements: Vec<Settlement>,
    /// While the twin is split.
    fraction: Option<Fraction>,
    /// The twin's share token, once it was ever split: it outlives a join.
    shares: Option<Address>,
}

/// A listing and the custody it was made under, to compare with the custody there is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StoredListing {
    listing: Listing,
    transfers: u64,
    approvals_withdrawn: u64,
    seller_revocations: u64,
    seller_nonce: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct AccountRecord {
    /// Who may move every twin of the account.
    operators: BTreeSet<Address>,
    /// How often the account took back an approval for all its twins: the registry's per-owner
    /// revocation counter, which kills every listing the account made before.
    revocations: u64,
    /// `TwinMarket`'s listing nonce of the account, moved by `cancelAllListings`.
    listing_nonce: u64,
    /// Every settlement's net credited to the account, and what it claimed of it.
    earned: Wei,
    claimed: Wei,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpenOffer {
    amount: Wei,
    expires_at: u64,
}

impl Book {
    /// The state after `events`, in whatever order they are given: they are put in chain order.
    pub fn replay(events: &[Located]) -> Book {
        let mut book = Book::default();
        for located in in_chain_order(events) {
            book.apply_event(located);
        }
        book
    }

    /// Moves the book on by one event: events must come in chain order, (block, log index).
    pub fn apply_event(&mut self, located: &Located) {
        match &located.event {
            ChainEvent::Twin { twin_id, event } => self.apply(*twin_id, event, located),
            ChainEvent::Account { account, event } => self.apply_account(*account, event),
        }
    }

    fn apply_account(&mut self, account: Address, event: &AccountEvent) {
        let record = self.accounts.entry(account).or_default();
        match *event {
            AccountEvent::ApprovalForAll { operator, approved: true } => {
                record.operators.insert(operator);
            }
            // Only taking back an approval that was given counts, as the registry counts it.
            AccountEvent::ApprovalForAll { operator, approved: false } => {
                if record.operators.remove(&operator) {
                    record.revocations += 1;
                }
            }
            AccountEvent::AllListingsCancelled { nonce } => record.listing_nonce = nonce,
            AccountEvent::Claimed { amount, .. } => record.claimed = Wei(record.claimed.0 + amount.0),
        }
    }

    fn apply(&mut self, twin_id: u64, event: &TwinEvent, located: &Located) {
        let seller_terms = |accounts: &BTreeMap<Address, AccountRecord>, seller: &Address| {
            accounts.get(seller).map_or((0, 0), |account| (account.revocations, account.listing_nonce))
        };
        let record = self.twins.entry(twin_id).or_default();
        match event {
            TwinEvent::Minted { operator, reporter } => {
                record.operator = Some(*operator);
                record.reporter = Some(*reporter);
                record.status.get_or_insert(TwinStatus::Active);
            }
            TwinEvent::Transfer { from, to } => {
                record.owner = (*to != Address::ZERO).then_some(*to);
                record.transfers += 1;
                record.approved = None;
                if *from == Address::ZERO {
                    record.status.get_or_insert(TwinStatus::Active);
                }
            }
            TwinEvent::Approval { approved } => {
                if record.approved.is_some_and(|previous| previous != *approved) {
                    record.approvals_withdrawn += 1;
                }
                record.approved = (*approved != Address::ZERO).then_some(*approved);
            }
            TwinEvent::StatusChanged { next } => record.status = Some(*next),
            TwinEvent::OperatorProposed { proposed } => {
                record.pending_operator = (*proposed != Address::ZERO).then_some(*proposed)
            }
            TwinEvent::OperatorTransferred { to, .. } => {
                record.operator = Some(*to);
                record.pending_operator = None;
            }
            TwinEvent::ReporterChanged { to, .. } => record.reporter = Some(*to),
            TwinEvent::Listed { seller, price, expires_at, max_fee_bps } => {
                let (seller_revocations, seller_nonce) = seller_terms(&self.accounts, seller);
                let listing = Listing {
                    token_id: twin_id,
                    seller: *seller,
                    price: *price,
                    expires_at: *expires_at,
                    max_fee_bps: *max_fee_bps,
                };
                record.listing = Some(StoredListing {
                    listing,
                    transfers: record.transfers,
                    approvals_withdrawn: record.approvals_withdrawn,
                    seller_revocations,
                    seller_nonce,
                });
            }
            TwinEvent::ListingCancelled { .. } => record.listing = None,
            TwinEvent::Sold { seller, buyer, price, royalty, fee, via_offer } => {
                // Both `buy` and `acceptOffer` delete the listing.
                record.listing = None;
                self.sales.push(Sale {
                    twin_id,
                    seller: *seller,
                    buyer: *buyer,
                    price: *price,
                    royalty: *royalty,
                    fee: *fee,
                    via_offer: *via_offer,
                    block: located.block,
                    tx_hash: located.tx_hash.clone(),
                });
            }
            TwinEvent::OfferMade { bidder, amount, expires_at }
            | TwinEvent::OfferRaised { bidder, amount, expires_at } => {
                self.offers.insert((twin_id, *bidder), OpenOffer { amount: *amount, expires_at: *expires_at });
            }
            TwinEvent::OfferCancelled { bidder } | TwinEvent::OfferAccepted { bidder, .. } => {
                self.offers.remove(&(twin_id, *bidder));
            }
            TwinEvent::Maintenance { .. } => {}
            TwinEvent::TermsFixed(terms) => record.terms = Some(*terms),
            TwinEvent::Settled(settlement) => {
                record.settlements.push(settlement.clone());
                let holder = self.accounts.entry(settlement.holder).or_default();
                holder.earned = Wei(holder.earned.0 + settlement.net.0);
            }
            TwinEvent::Split { shares, supply, .. } => {
                record.fraction = Some(Fraction { shares: *shares, supply: *supply, since_block: located.block });
                record.shares = Some(*shares);
            }
            TwinEvent::Joined { .. } => {
                record.fraction = None;
                // A lot is tied to the split it was made under: a join ends it for good.
                self.lots.retain(|_, stored| stored.lot.twin != twin_id);
            }
            TwinEvent::LotListed { lot, seller, amount, price_per_share, expires_at, max_fee_bps } => {
                let (_, seller_nonce) = seller_terms(&self.accounts, seller);
                let lot = Lot {
                    id: *lot,
                    twin: twin_id,
                    seller: *seller,
                    remaining: *amount,
                    price_per_share: *price_per_share,
                    expires_at: *expires_at,
                    max_fee_bps: *max_fee_bps,
                };
                self.lots.insert(lot.id, StoredLot { lot, seller_nonce });
            }
            TwinEvent::LotFilled { lot, buyer, seller, amount, price, remaining, .. } => {
                if remaining.0 == 0 {
                    self.lots.remove(lot);
                } else if let Some(stored) = self.lots.get_mut(lot) {
                    stored.lot.remaining = *remaining;
                }
                // A lot can be filled only while its twin is split (its custody epoch says so).
                let supply = record.fraction.map_or(ShareUnits(0), |fraction| fraction.supply);
                self.share_trades.push(ShareTrade {
                    twin_id,
                    lot: *lot,
                    seller: *seller,
                    buyer: *buyer,
                    amount: *amount,
                    price: *price,
                    supply,
                    block: located.block,
                    tx_hash: located.tx_hash.clone(),
                });
            }
            TwinEvent::LotCancelled { lot } => {
                self.lots.remove(lot);
            }
        }
    }

    /// The twin's share token and supply while it is split.
    pub fn fraction(&self, twin_id: u64) -> Option<Fraction> {
        self.twins.get(&twin_id)?.fraction
    }

    /// Every twin split now, by id.
    pub fn split_twins(&self) -> Vec<(u64, Fraction)> {
        self.twins.iter().filter_map(|(&id, record)| record.fraction.map(|fraction| (id, fraction))).collect()
    }

    /// Every twin ever split, joined since or not, with its share token, by id.
    pub fn ever_split(&self) -> Vec<(u64, Address)> {
        self.twins.iter().filter_map(|(&id, record)| record.shares.map(|token| (id, token))).collect()
    }

    /// The share token of a twin that was ever split, joined since or not.
    pub fn shares_token(&self, twin_id: u64) -> Option<Address> {
        self.twins.get(&twin_id)?.shares
    }

    /// The twin's lots the market holds open at `now`, cheapest first, each with what the market's
    /// own record says of it. Whether the seller still holds and has approved the shares is the
    /// share token's to say: [`Lot::state`] takes those.
    pub fn lots_on(&self, twin_id: u64, now: u64) -> Vec<(Lot, LotState)> {
        let mut lots: Vec<(Lot, LotState)> = self
            .lots
            .values()
            .filter(|stored| stored.lot.twin == twin_id)
            .map(|stored| (stored.lot.clone(), self.lot_record_state(stored, now)))
            .collect();
        lots.sort_by_key(|(lot, _)| (lot.price_per_share, lot.id));
        lots
    }

    /// Every lot the market's record holds live at `now`, by id.
    pub fn live_lots(&self, now: u64) -> Vec<Lot> {
        self.lots
            .values()
            .filter(|stored| self.lot_record_state(stored, now) == LotState::Live)
            .map(|stored| stored.lot.clone())
            .collect()
    }

    fn lot_record_state(&self, stored: &StoredLot, now: u64) -> LotState {
        let nonce = self.accounts.get(&stored.lot.seller).map_or(0, |account| account.listing_nonce);
        if now >= stored.lot.expires_at {
            LotState::Expired
        } else if self.retired(stored.lot.twin) {
            LotState::Retired
        } else if stored.seller_nonce != nonce {
            LotState::SellerCancelledAll
        } else {
            LotState::Live
        }
    }

    /// Every fill of the twin's lots, oldest first.
    pub fn share_trades(&self, twin_id: u64) -> impl Iterator<Item = &ShareTrade> {
        self.share_trades.iter().filter(move |trade| trade.twin_id == twin_id)
    }

    /// What the twin changed hands at, whole or in part, oldest first: each sale's price, and each
    /// fill of its shares as the price of the whole twin at that fill's price per share.
    pub fn price_history(&self, twin_id: u64) -> Vec<PricePoint> {
        let sales = self.sales.iter().filter(|sale| sale.twin_id == twin_id).map(|sale| PricePoint {
            block: sale.block,
            whole_price: sale.price,
            shares: None,
        });
        let fills = self.share_trades(twin_id).filter_map(|trade| {
            let per_share = trade.price_per_share()?;
            Some(PricePoint {
                block: trade.block,
                whole_price: Wei(mul_div(per_share.0, trade.supply.0, UNITS_PER_SHARE)),
                shares: Some(trade.amount),
            })
        });
        let mut points: Vec<PricePoint> = sales.chain(fills).collect();
        points.sort_by_key(|point| point.block);
        points
    }

    /// What the twin's last fill paid per whole share.
    pub fn last_share_price(&self, twin_id: u64) -> Option<Wei> {
        self.share_trades.iter().rev().find(|trade| trade.twin_id == twin_id)?.price_per_share()
    }

    /// The terms a twin was minted with; `None` before its mint is read.
    pub fn terms(&self, twin_id: u64) -> Option<EarningTerms> {
        self.twins.get(&twin_id)?.terms
    }

    /// A twin's settlements, oldest first.
    pub fn settlements(&self, twin_id: u64) -> &[Settlement] {
        self.twins.get(&twin_id).map_or(&[], |record| &record.settlements)
    }

    /// Every settlement's net credited to `account`, and what it has claimed of it.
    pub fn earnings_of(&self, account: Address) -> (Wei, Wei) {
        self.accounts.get(&account).map_or((Wei::ZERO, Wei::ZERO), |record| (record.earned, record.claimed))
    }

    pub fn owner(&self, twin_id: u64) -> Option<Address> {
        self.twins.get(&twin_id)?.owner
    }

    pub fn operator(&self, twin_id: u64) -> Option<Address> {
        self.twins.get(&twin_id)?.operator
    }

    /// Who the operator offered the rig to, until they accept or the offer is withdrawn.
    pub fn pending_operator(&self, twin_id: u64) -> Option<Address> {
        self.twins.get(&twin_id)?.pending_operator
    }

    /// The key that posts the twin's telemetry now.
    pub fn reporter(&self, twin_id: u64) -> Option<Address> {
        self.twins.get(&twin_id)?.reporter
    }

    /// `None` for a twin whose mint was not among the events.
    pub fn status(&self, twin_id: u64) -> Option<TwinStatus> {
        self.twins.get(&twin_id)?.status
    }

    fn retired(&self, twin_id: u64) -> bool {
        self.status(twin_id) == Some(TwinStatus::Decommissioned)
    }

    /// The twins `account` owns, by id.
    pub fn owned_by(&self, account: Address) -> Vec<u64> {
        self.twins.iter().filter(|(_, record)| record.owner == Some(account)).map(|(&id, _)| id).collect()
    }

    /// The twin's stored listing, live or dead, and whether `buy` would take it at `now` (unix
    /// seconds, by the chain's clock): the page shows a dead listing as such rather than hide it.
    pub fn listing_state(&self, twin_id: u64, now: u64) -> Option<(Listing, ListingState)> {
        let record = self.twins.get(&twin_id)?;
        let stored = record.listing?;
        let listing = stored.listing;
        let (revocations, nonce) =
            self.accounts.get(&listing.seller).map_or((0, 0), |account| (account.revocations, account.listing_nonce));
        let state = if listing.expired(now) {
            ListingState::Expired
        } else if self.retired(twin_id) {
            ListingState::Retired
        } else if stored.transfers != record.transfers {
            ListingState::Stale(StaleReason::ChangedHands)
        } else if stored.approvals_withdrawn != record.approvals_withdrawn || stored.seller_revocations != revocations {
            ListingState::Stale(StaleReason::ApprovalWithdrawn)
        } else if stored.seller_nonce != nonce {
            ListingState::Stale(StaleReason::SellerCancelledAll)
        } else {
            ListingState::Live
        };
        Some((listing, state))
    }

    /// The twin's listing if it can be bought at `now`.
    pub fn listing(&self, twin_id: u64, now: u64) -> Option<Listing> {
        self.listing_state(twin_id, now).filter(|(_, state)| state.is_live()).map(|(listing, _)| listing)
    }

    /// Every live listing at `now`, by twin id.
    pub fn listings(&self, now: u64) -> Vec<Listing> {
        self.twins.keys().filter_map(|&id| self.listing(id, now)).collect()
    }

    /// `seller`'s live listings at `now`, by twin id.
    pub fn listings_by(&self, seller: Address, now: u64) -> Vec<Listing> {
        self.listings(now).into_iter().filter(|listing| listing.seller == seller).collect()
    }

    pub fn last_sale(&self, twin_id: u64) -> Option<&Sale> {
        self.sales.iter().rev().find(|sale| sale.twin_id == twin_id)
    }

    /// Every sale of every twin, oldest first.
    pub fn sales(&self) -> &[Sale] {
        &self.sales
    }

    /// The offers the twin's owner can accept at `now`, highest first. Expired offers, one the
    /// owner made before owning the twin, and every offer on a decommissioned twin are left out:
    /// `acceptOffer` refuses them all, though their ether stays escrowed until their bidders
    /// cancel them (see [`Book::offers_by`]).
    pub fn offers_on(&self, twin_id: u64, now: u64) -> Vec<Offer> {
        if self.retired(twin_id) {
            return Vec::new();
        }
        let owner = self.owner(twin_id);
        let mut offers: Vec<Offer> = self
            .offers
            .range((twin_id, Address::ZERO)..=(twin_id, Address([0xff; 20])))
            .map(|(&(twin_id, bidder), open)| offer(twin_id, bidder, open))
            .filter(|offer| !offer.expired(now) && Some(offer.bidder) != owner)
            .collect();
        offers.sort_by_key(|offer| Reverse(offer.amount));
        offers
    }

    /// Every open offer of `bidder`, by twin id, expired ones and ones on decommissioned twins
    /// included: they still hold the bidder's ether until cancelled.
    pub fn offers_by(&self, bidder: Address) -> Vec<Offer> {
        self.offers
            .iter()
            .filter(|((_, offer_bidder), _)| *offer_bidder == bidder)
            .map(|(&(twin_id, bidder), open)| offer(twin_id, bidder, open))
            .collect()
    }

    /// Whether an offer on this twin can still be accepted by anyone, ever: not once it is
    /// decommissioned.
    pub fn accepts_offers(&self, twin_id: u64) -> bool {
        !self.retired(twin_id)
    }
}

fn offer(twin_id: u64, bidder: Address, open: &OpenOffer) -> Offer {
    Offer { twin_id, bidder, amount: open.amount, expires_at: open.expires_at }
}

/// A step in a twin's provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProvenanceEvent {
    Minted { operator: Address },
    Transferred { from: Address, to: Address },
    Sold { seller: Address, buyer: Address, price: Wei, via_offer: bool },
    OperatorChanged { from: Address, to: Address },
    StatusChanged { next: TwinStatus },
    Listed { seller: Address, price: Wei },
    ListingCancelled { by: Address },
    Split { holder: Address, supply: ShareUnits },
    Joined { holder: Address },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceEntry {
    pub block: u64,
    pub tx_hash: String,
    pub event: ProvenanceEvent,
}

/// A piece of a sentence about the chain: words, or an account that a view shows as a name it
/// can link, copy and tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phrase {
    Words(String),
    Account(Address),
}

/// Words and accounts in reading order, as [`Phrase`]s: `sentence!["Sold by ", seller, " to ", buyer]`.
macro_rules! sentence {
    ($($part:expr),+ $(,)?) => { vec![$(Phrase::from($part)),+] };
}
pub(crate) use sentence;

impl From<&str> for Phrase {
    fn from(words: &str) -> Self {
        Phrase::Words(words.to_string())
    }
}

impl From<String> for Phrase {
    fn from(words: String) -> Self {
        Phrase::Words(words)
    }
}

impl From<&Address> for Phrase {
    fn from(account: &Address) -> Self {
        Phrase::Account(*account)
    }
}

/// The sentence as plain text, accounts shortened.
pub fn plain(phrases: &[Phrase]) -> String {
    phrases
        .iter()
        .map(|phrase| match phrase {
            Phrase::Words(words) => words.clone(),
            Phrase::Account(account) => account.short(),
        })
        .collect()
}

impl ProvenanceEntry {
    /// One sentence, such as "Sold by 0x7099…79c8 to 0x2361…1e8f for 1.1 ETH".
    pub fn phrases(&self) -> Vec<Phrase> {
        match &self.event {
            ProvenanceEvent::Minted { operator } => sentence!["Minted by ", operator],
            ProvenanceEvent::Transferred { from, to } => sentence!["Transferred from ", from, " to ", to],
            ProvenanceEvent::Sold { seller, buyer, price, via_offer } => {
                let how = if *via_offer { " (offer accepted)" } else { "" };
                sentence!["Sold by ", seller, " to ", buyer, format!(" for {price}{how}")]
            }
            ProvenanceEvent::OperatorChanged { from, to } => sentence!["Operator changed from ", from, " to ", to],
            ProvenanceEvent::StatusChanged { next } => sentence![format!("Status changed to {next}")],
            ProvenanceEvent::Listed { seller, price } => sentence!["Listed by ", seller, format!(" for {price}")],
            ProvenanceEvent::ListingCancelled { by } => sentence!["Listing withdrawn by ", by],
            ProvenanceEvent::Split { holder, supply } => {
                sentence!["Split by ", holder, format!(" into {}", supply.format(0))]
            }
            ProvenanceEvent::Joined { holder } => sentence!["Joined by ", holder, ", who holds the twin whole again"],
        }
    }

    pub fn describe(&self) -> String {
        plain(&self.phrases())
    }
}

/// The twin's history of ownership, operation and sale, oldest first. Offers, approvals, reporter
/// keys and maintenance are left to their own views.
///
/// A mint and a sale each move the token with an ERC-721 `Transfer` in the same transaction; that
/// transfer is part of the mint or the sale, not a step of its own.
pub fn provenance(events: &[Located], twin_id: u64) -> Vec<ProvenanceEntry> {
    let history: Vec<(&Located, &TwinEvent)> = in_chain_order(events)
        .into_iter()
        .filter_map(|located| match located.twin_event() {
            Some((id, event)) if id == twin_id => Some((located, event)),
            _ => None,
        })
        .collect();
    let mint_txs: HashSet<&str> = history
        .iter()
        .filter(|(_, event)| matches!(event, TwinEvent::Minted { .. }))
        .map(|(located, _)| located.tx_hash.as_str())
        .collect();
    // Splitting and joining move the token to and from the vault in the same transaction.
    let vault_txs: HashSet<&str> = history
        .iter()
        .filter(|(_, event)| matches!(event, TwinEvent::Split { .. } | TwinEvent::Joined { .. }))
        .map(|(located, _)| located.tx_hash.as_str())
        .collect();
    let sales: HashSet<(&str, Address, Address)> = history
        .iter()
        .filter_map(|(located, event)| match event {
            TwinEvent::Sold { seller, buyer, .. } => Some((located.tx_hash.as_str(), *seller, *buyer)),
            _ => None,
        })
        .collect();

    history
        .into_iter()
        .filter_map(|(located, event)| {
            let tx = located.tx_hash.as_str();
            let event = match *event {
                TwinEvent::Minted { operator, .. } => ProvenanceEvent::Minted { operator },
                TwinEvent::Transfer { from, .. } if from == Address::ZERO && mint_txs.contains(tx) => return None,
                TwinEvent::Transfer { from, to } if sales.contains(&(tx, from, to)) => return None,
                TwinEvent::Transfer { .. } if vault_txs.contains(tx) => return None,
                // A mint whose `TwinMinted` is missing from the events: the recipient is its minter.
                TwinEvent::Transfer { from, to } if from == Address::ZERO => ProvenanceEvent::Minted { operator: to },
                TwinEvent::Transfer { from, to } => ProvenanceEvent::Transferred { from, to },
                TwinEvent::Sold { seller, buyer, price, via_offer, .. } => {
                    ProvenanceEvent::Sold { seller, buyer, price, via_offer }
                }
                TwinEvent::OperatorTransferred { from, to } => ProvenanceEvent::OperatorChanged { from, to },
                TwinEvent::StatusChanged { next } => ProvenanceEvent::StatusChanged { next },
                TwinEvent::Listed { seller, price, .. } => ProvenanceEvent::Listed { seller, price },
                TwinEvent::ListingCancelled { by } => ProvenanceEvent::ListingCancelled { by },
                TwinEvent::Split { holder, supply, .. } => ProvenanceEvent::Split { holder, supply },
                TwinEvent::Joined { holder } => ProvenanceEvent::Joined { holder },
                TwinEvent::ReporterChanged { .. }
                | TwinEvent::LotListed { .. }
                | TwinEvent::LotFilled { .. }
                | TwinEvent::LotCancelled { .. }
                | TwinEvent::Approval { .. }
                | TwinEvent::OperatorProposed { .. }
                | TwinEvent::OfferMade { .. }
                | TwinEvent::OfferRaised { .. }
                | TwinEvent::OfferCancelled { .. }
                | TwinEvent::OfferAccepted { .. }
                | TwinEvent::Maintenance { .. }
                | TwinEvent::TermsFixed(_)
                | TwinEvent::Settled(_) => return None,
            };
            Some(ProvenanceEntry { block: located.block, tx_hash: located.tx_hash.clone(), event })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::units::WEI_PER_ETHER;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Anvil's accounts 1 (an operator), 8 and 9 (investors), as the seed script uses them.
    fn operator() -> Address {
        "0x70997970c51812dc3a010c7d01b50e0d17dc79c8".parse().unwrap()
    }
    fn investor() -> Address {
        "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f".parse().unwrap()
    }
    fn collector() -> Address {
        "0xa0ee7a142d267c1f36714e4a8f75612f20a79720".parse().unwrap()
    }

    fn eth(tenths: u128) -> Wei {
        Wei(tenths * WEI_PER_ETHER / 10)
    }

    /// Anvil's account 5, a reporter key of the seed.
    fn reporter() -> Address {
        "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc".parse().unwrap()
    }

    /// The market's address, as sellers approve it.
    fn market() -> Address {
        Address([0xe7; 20])
    }

    /// Unix seconds of the tests' present; listings run to `EXPIRY` unless a test says otherwise.
    const NOW: u64 = 1_762_171_200;
    const EXPIRY: u64 = NOW + 30 * 86_400;

    /// Events of one transaction per block unless `log_index` says otherwise.
    fn at(twin_id: u64, block: u64, log_index: u64, event: TwinEvent) -> Located {
        Located { block, log_index, tx_hash: format!("0x{block:064x}"), event: ChainEvent::Twin { twin_id, event } }
    }

    fn of_account(account: Address, block: u64, event: AccountEvent) -> Located {
        Located {
            block,
            log_index: 0,
            tx_hash: format!("0x{block:064x}"),
            event: ChainEvent::Account { account, event },
        }
    }

    fn minted(twin_id: u64, block: u64, by: Address) -> [Located; 2] {
        [
            at(twin_id, block, 0, TwinEvent::Minted { operator: by, reporter: reporter() }),
            at(twin_id, block, 1, TwinEvent::Transfer { from: Address::ZERO, to: by }),
        ]
    }

    fn listed(twin_id: u64, block: u64, seller: Address, price: Wei) -> Located {
        at(twin_id, block, 0, TwinEvent::Listed { seller, price, expires_at: EXPIRY, max_fee_bps: 250 })
    }

    fn listing(token_id: u64, seller: Address, price: Wei) -> Listing {
        Listing { token_id, seller, price, expires_at: EXPIRY, max_fee_bps: 250 }
    }

    /// `buy` as the market emits it: the sale, then the token's transfer.
    fn bought(twin_id: u64, block: u64, seller: Address, buyer: Address, price: Wei) -> [Located; 2] {
        [
            at(
                twin_id,
                block,
                0,
                TwinEvent::Sold { seller, buyer, price, royalty: Wei(price.0 / 20), fee: Wei(0), via_offer: false },
            ),
            at(twin_id, block, 1, TwinEvent::Transfer { from: seller, to: buyer }),
        ]
    }

    fn transferred(twin_id: u64, block: u64, from: Address, to: Address) -> Located {
        at(twin_id, block, 0, TwinEvent::Transfer { from, to })
    }

    #[test]
    fn maintenance_kinds_follow_the_contract_numbering() {
        for (number, kind) in MaintenanceKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, number);
            assert_eq!(MaintenanceKind::from_u8(number as u8), Some(kind));
        }
        assert_eq!(MaintenanceKind::from_u8(6), None);
        assert_eq!(MaintenanceKind::PartReplacement.to_string(), "Part replacement");
        assert_eq!(MaintenanceKind::FirmwareUpdate.label(), "Firmware update");
    }

    #[test]
    fn a_mint_gives_the_twin_its_owner_operator_and_active_status() {
        let book = Book::replay(&minted(1, 10, operator()));
        assert_eq!(book.owner(1), Some(operator()));
        assert_eq!(book.operator(1), Some(operator()));
        assert_eq!(book.status(1), Some(TwinStatus::Active));
        assert_eq!(book.owned_by(operator()), vec![1]);
        assert_eq!((book.owner(2), book.status(2), book.listing(2, NOW)), (None, None, None));
    }

    #[test]
    fn replay_puts_events_in_chain_order_whatever_order_they_come_in() {
        let [mint, mint_transfer] = minted(5, 10, operator());
        let [sold, sale_transfer] = bought(5, 12, operator(), investor(), eth(11));
        let events = [
            sale_transfer,
            listed(5, 11, operator(), eth(11)),
            mint_transfer,
            sold,
            listed(5, 13, investor(), eth(20)),
            mint,
        ];
        let book = Book::replay(&events);
        assert_eq!(book.owner(5), Some(investor()));
        assert_eq!(book.listing(5, NOW), Some(listing(5, investor(), eth(20))));
        assert_eq!(book.last_sale(5).map(|sale| (sale.buyer, sale.price)), Some((investor(), eth(11))));
    }

    #[test]
    fn log_index_orders_events_within_a_block() {
        let [mint, mint_transfer] = minted(1, 10, operator());
        let events = [
            mint,
            mint_transfer,
            at(1, 11, 7, TwinEvent::ListingCancelled { by: operator() }),
            at(
                1,
                11,
                3,
                TwinEvent::Listed { seller: operator(), price: eth(10), expires_at: EXPIRY, max_fee_bps: 250 },
            ),
        ];
        assert_eq!(Book::replay(&events).listing(1, NOW), None);
    }

    #[test]
    fn status_and_operator_follow_their_changes() {
        let mut events = minted(9, 10, operator()).to_vec();
        events.push(at(9, 11, 0, TwinEvent::StatusChanged { next: TwinStatus::Offline }));
        events.push(at(9, 12, 0, TwinEvent::OperatorTransferred { from: operator(), to: collector() }));
        events.push(at(9, 13, 0, TwinEvent::ReporterChanged { from: reporter(), to: collector() }));
        let book = Book::replay(&events);
        assert_eq!(book.status(9), Some(TwinStatus::Offline));
        assert_eq!(book.operator(9), Some(collector()));
        assert_eq!(book.reporter(9), Some(collector()));
        // Running the rig is not owning the twin.
        assert_eq!(book.owner(9), Some(operator()));
    }

    #[test]
    fn the_operator_role_moves_only_when_the_proposed_account_accepts() {
        let mut events = minted(9, 10, operator()).to_vec();
        assert_eq!(Book::replay(&events).reporter(9), Some(reporter()));
        events.push(at(9, 11, 0, TwinEvent::OperatorProposed { proposed: investor() }));
        let book = Book::replay(&events);
        assert_eq!((book.operator(9), book.pending_operator(9)), (Some(operator()), Some(investor())));

        // A new proposal replaces the old one; a zero one withdraws it.
        let mut withdrawn = events.clone();
        withdrawn.push(at(9, 12, 0, TwinEvent::OperatorProposed { proposed: collector() }));
        assert_eq!(Book::replay(&withdrawn).pending_operator(9), Some(collector()));
        withdrawn.push(at(9, 13, 0, TwinEvent::OperatorProposed { proposed: Address::ZERO }));
        assert_eq!(Book::replay(&withdrawn).pending_operator(9), None);

        events.push(at(9, 12, 0, TwinEvent::OperatorTransferred { from: operator(), to: investor() }));
        let book = Book::replay(&events);
        assert_eq!((book.operator(9), book.pending_operator(9)), (Some(investor()), None));
    }

    /// Twin 2 minted by the operator, who approved the market for all their twins and listed it.
    fn listed_twin() -> Vec<Located> {
        let mut events = minted(2, 10, operator()).to_vec();
        events.push(of_account(operator(), 11, AccountEvent::ApprovalForAll { operator: market(), approved: true }));
        events.push(listed(2, 12, operator(), eth(24)));
        events
    }

    fn state_of(events: &[Located], now: u64) -> Option<ListingState> {
        Book::replay(events).listing_state(2, now).map(|(_, state)| state)
    }

    #[test]
    fn a_listing_under_unchanged_custody_is_live_until_it_expires() {
        let book = Book::replay(&listed_twin());
        assert_eq!(book.listing_state(2, NOW), Some((listing(2, operator(), eth(24)), ListingState::Live)));
        assert_eq!(book.listing(2, NOW), Some(listing(2, operator(), eth(24))));
        assert_eq!(book.listings(NOW), vec![listing(2, operator(), eth(24))]);
        assert_eq!(book.listings_by(operator(), NOW).len(), 1);
        assert_eq!(book.listing_state(7, NOW), None);
    }

    #[test]
    fn an_expired_listing_is_dead_from_its_expiry_second_by_the_time_the_view_passes() {
        let events = listed_twin();
        assert_eq!(state_of(&events, EXPIRY - 1), Some(ListingState::Live));
        assert_eq!(state_of(&events, EXPIRY), Some(ListingState::Expired));
        let book = Book::replay(&events);
        assert_eq!(book.listing(2, EXPIRY), None);
        assert_eq!(book.listings(EXPIRY + 1), vec![]);
    }

    #[test]
    fn a_listing_goes_stale_when_the_twin_leaves_its_seller() {
        let mut events = listed_twin();
        events.push(transferred(2, 13, operator(), investor()));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Stale(StaleReason::ChangedHands)));
        let book = Book::replay(&events);
        assert_eq!(book.listing(2, NOW), None);
        assert_eq!(book.listings_by(operator(), NOW), vec![]);
    }

    #[test]
    fn a_twin_that_comes_back_to_its_seller_keeps_its_listing_dead() {
        // The custody epoch moved with each transfer and never returns to the one listed under.
        let mut events = listed_twin();
        events.push(transferred(2, 13, operator(), investor()));
        events.push(transferred(2, 14, investor(), operator()));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Stale(StaleReason::ChangedHands)));
        assert_eq!(Book::replay(&events).owner(2), Some(operator()));
    }

    #[test]
    fn revoking_the_approval_for_all_kills_the_listing_even_once_given_again() {
        let mut events = listed_twin();
        events.push(of_account(operator(), 13, AccountEvent::ApprovalForAll { operator: market(), approved: false }));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Stale(StaleReason::ApprovalWithdrawn)));
        events.push(of_account(operator(), 14, AccountEvent::ApprovalForAll { operator: market(), approved: true }));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Stale(StaleReason::ApprovalWithdrawn)));
    }

    #[test]
    fn revoking_an_approval_for_all_never_given_changes_nothing() {
        // The registry counts only a revocation of an approval that was in force.
        let mut events = listed_twin();
        let stranger = collector();
        events.push(of_account(operator(), 13, AccountEvent::ApprovalForAll { operator: stranger, approved: false }));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Live));
        // Nor does another account's revocation.
        events.push(of_account(investor(), 14, AccountEvent::ApprovalForAll { operator: market(), approved: true }));
        events.push(of_account(investor(), 15, AccountEvent::ApprovalForAll { operator: market(), approved: false }));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Live));
    }

    #[test]
    fn a_listing_made_after_a_revocation_is_live() {
        let mut events = minted(2, 10, operator()).to_vec();
        events.push(of_account(operator(), 11, AccountEvent::ApprovalForAll { operator: market(), approved: true }));
        events.push(of_account(operator(), 12, AccountEvent::ApprovalForAll { operator: market(), approved: false }));
        events.push(of_account(operator(), 13, AccountEvent::ApprovalForAll { operator: market(), approved: true }));
        events.push(listed(2, 14, operator(), eth(24)));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Live));
    }

    #[test]
    fn replacing_or_revoking_the_per_token_approval_kills_the_listing() {
        let approve = |block, approved| at(2, block, 0, TwinEvent::Approval { approved });
        let mut given = minted(2, 10, operator()).to_vec();
        given.push(approve(11, market()));
        given.push(listed(2, 12, operator(), eth(24)));
        assert_eq!(state_of(&given, NOW), Some(ListingState::Live));

        let mut replaced = given.clone();
        replaced.push(approve(13, collector()));
        assert_eq!(state_of(&replaced, NOW), Some(ListingState::Stale(StaleReason::ApprovalWithdrawn)));
        // Approving the market again does not bring it back.
        replaced.push(approve(14, market()));
        assert_eq!(state_of(&replaced, NOW), Some(ListingState::Stale(StaleReason::ApprovalWithdrawn)));

        let mut revoked = given.clone();
        revoked.push(approve(13, Address::ZERO));
        assert_eq!(state_of(&revoked, NOW), Some(ListingState::Stale(StaleReason::ApprovalWithdrawn)));

        // Approving the same account again takes nothing away.
        let mut repeated = given;
        repeated.push(approve(13, market()));
        assert_eq!(state_of(&repeated, NOW), Some(ListingState::Live));
    }

    #[test]
    fn a_first_per_token_approval_after_listing_takes_nothing_away() {
        let mut events = listed_twin();
        events.push(at(2, 13, 0, TwinEvent::Approval { approved: market() }));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Live));
    }

    #[test]
    fn a_transfer_clears_the_per_token_approval_so_a_later_one_is_a_first_one() {
        // Listed by the investor after the twin came to them with an approval the transfer cleared.
        let mut events = minted(2, 10, operator()).to_vec();
        events.push(at(2, 11, 0, TwinEvent::Approval { approved: collector() }));
        events.push(transferred(2, 12, operator(), investor()));
        events.push(listed(2, 13, investor(), eth(30)));
        events.push(at(2, 14, 0, TwinEvent::Approval { approved: market() }));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Live));
    }

    #[test]
    fn cancelling_all_listings_kills_the_ones_made_before_only() {
        let mut events = listed_twin();
        events.extend(minted(3, 13, operator()));
        events.push(listed(3, 14, operator(), eth(28)));
        events.push(of_account(operator(), 15, AccountEvent::AllListingsCancelled { nonce: 1 }));
        let book = Book::replay(&events);
        for id in [2, 3] {
            assert_eq!(
                book.listing_state(id, NOW).map(|(_, state)| state),
                Some(ListingState::Stale(StaleReason::SellerCancelledAll))
            );
        }
        assert_eq!(book.listings_by(operator(), NOW), vec![]);

        events.push(listed(3, 16, operator(), eth(27)));
        // Another seller's cancel-all does not touch this one's listings.
        events.push(of_account(investor(), 17, AccountEvent::AllListingsCancelled { nonce: 4 }));
        let book = Book::replay(&events);
        assert_eq!(book.listings_by(operator(), NOW), vec![listing(3, operator(), eth(27))]);
    }

    #[test]
    fn a_decommissioned_twin_has_no_live_listing_and_takes_no_offers() {
        let mut events = listed_twin();
        events.push(at(2, 13, 0, TwinEvent::OfferMade { bidder: investor(), amount: eth(15), expires_at: EXPIRY }));
        assert_eq!(Book::replay(&events).offers_on(2, NOW).len(), 1);
        events.push(at(2, 14, 0, TwinEvent::StatusChanged { next: TwinStatus::Offline }));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Live), "offline is not retired");
        events.push(at(2, 15, 0, TwinEvent::StatusChanged { next: TwinStatus::Decommissioned }));
        let book = Book::replay(&events);
        assert_eq!(state_of(&events, NOW), Some(ListingState::Retired));
        assert_eq!(book.listing(2, NOW), None);
        assert_eq!(book.offers_on(2, NOW), vec![]);
        assert!(!book.accepts_offers(2));
        assert_eq!(book.offers_by(investor()).len(), 1, "its ether is escrowed until the bidder cancels it");
    }

    #[test]
    fn a_dead_listing_reads_as_the_first_reason_buy_would_give() {
        // Expired and stale both: `buy` checks the expiry first.
        let mut events = listed_twin();
        events.push(transferred(2, 13, operator(), investor()));
        assert_eq!(state_of(&events, EXPIRY), Some(ListingState::Expired));
        events.push(at(2, 14, 0, TwinEvent::StatusChanged { next: TwinStatus::Decommissioned }));
        assert_eq!(state_of(&events, NOW), Some(ListingState::Retired));
    }

    #[test]
    fn a_new_owner_listing_replaces_the_stale_one() {
        let mut events = listed_twin();
        events.push(transferred(2, 13, operator(), investor()));
        events.push(listed(2, 14, investor(), eth(30)));
        let book = Book::replay(&events);
        assert_eq!(book.listing(2, NOW), Some(listing(2, investor(), eth(30))));
        assert_eq!(book.listings_by(investor(), NOW).len(), 1);
        assert_eq!(book.listings_by(operator(), NOW), vec![]);
    }

    #[test]
    fn a_listing_keeps_the_sellers_terms() {
        let mut events = minted(2, 10, operator()).to_vec();
        events.push(at(
            2,
            11,
            0,
            TwinEvent::Listed { seller: operator(), price: eth(24), expires_at: 9_999_999_999, max_fee_bps: 100 },
        ));
        let listing = Book::replay(&events).listing(2, NOW).unwrap();
        assert_eq!((listing.expires_at, listing.max_fee_bps), (9_999_999_999, 100));
    }

    #[test]
    fn listing_again_reprices() {
        let mut events = minted(7, 10, operator()).to_vec();
        events.push(listed(7, 11, operator(), eth(19)));
        events.push(listed(7, 12, operator(), eth(17)));
        assert_eq!(Book::replay(&events).listing(7, NOW).map(|listing| listing.price), Some(eth(17)));
    }

    #[test]
    fn cancelling_or_selling_closes_a_listing() {
        let mut cancelled = minted(3, 10, operator()).to_vec();
        cancelled.push(listed(3, 11, operator(), eth(28)));
        cancelled.push(at(3, 12, 0, TwinEvent::ListingCancelled { by: operator() }));
        assert_eq!(Book::replay(&cancelled).listing(3, NOW), None);

        let mut sold = minted(3, 10, operator()).to_vec();
        sold.push(listed(3, 11, operator(), eth(28)));
        sold.extend(bought(3, 12, operator(), investor(), eth(28)));
        // Were the twin to come back, the listing `buy` deleted must not revive.
        sold.push(transferred(3, 13, investor(), operator()));
        let book = Book::replay(&sold);
        assert_eq!(book.listing(3, NOW), None);
        assert_eq!(book.owned_by(operator()), vec![3]);
    }

    #[test]
    fn accepting_an_offer_sells_and_closes_the_listing() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.push(listed(1, 11, operator(), eth(20)));
        events.push(at(1, 12, 0, TwinEvent::OfferMade { bidder: investor(), amount: eth(15), expires_at: 5_000 }));
        events.push(at(1, 13, 0, TwinEvent::OfferAccepted { bidder: investor(), seller: operator(), amount: eth(15) }));
        events.push(at(
            1,
            13,
            1,
            TwinEvent::Sold {
                seller: operator(),
                buyer: investor(),
                price: eth(15),
                royalty: Wei(0),
                fee: Wei(0),
                via_offer: true,
            },
        ));
        events.push(at(1, 13, 2, TwinEvent::Transfer { from: operator(), to: investor() }));
        let book = Book::replay(&events);
        assert_eq!(book.owner(1), Some(investor()));
        assert_eq!(book.listing(1, NOW), None);
        assert_eq!(book.offers_by(investor()), vec![]);
        assert_eq!(book.offers_on(1, 1_000), vec![]);
        let sale = book.last_sale(1).unwrap();
        assert!(sale.via_offer);
        assert_eq!((sale.seller, sale.price, sale.block), (operator(), eth(15), 13));
        assert_eq!(sale.tx_hash, format!("0x{:064x}", 13));
    }

    #[test]
    fn the_last_sale_is_the_latest() {
        let mut events = minted(4, 10, operator()).to_vec();
        events.extend(bought(4, 11, operator(), investor(), eth(10)));
        events.extend(bought(4, 12, investor(), collector(), eth(12)));
        let sale = Book::replay(&events).last_sale(4).cloned().unwrap();
        assert_eq!(
            (sale.seller, sale.buyer, sale.price, sale.royalty),
            (investor(), collector(), eth(12), Wei(eth(12).0 / 20))
        );
        assert_eq!(Book::replay(&minted(4, 10, operator())).last_sale(4), None);
    }

    #[test]
    fn raising_an_offer_sets_its_total_and_expiry() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.push(at(1, 11, 0, TwinEvent::OfferMade { bidder: investor(), amount: eth(15), expires_at: 5_000 }));
        events.push(at(1, 12, 0, TwinEvent::OfferRaised { bidder: investor(), amount: eth(18), expires_at: 9_000 }));
        let offer = Offer { twin_id: 1, bidder: investor(), amount: eth(18), expires_at: 9_000 };
        let book = Book::replay(&events);
        assert_eq!(book.offers_on(1, 6_000), vec![offer]);
        assert_eq!(book.offers_by(investor()), vec![offer]);
    }

    #[test]
    fn cancelling_an_offer_closes_only_that_bidders_offer() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.push(at(1, 11, 0, TwinEvent::OfferMade { bidder: investor(), amount: eth(15), expires_at: 5_000 }));
        events.push(at(1, 11, 1, TwinEvent::OfferMade { bidder: collector(), amount: eth(12), expires_at: 5_000 }));
        events.push(at(1, 12, 0, TwinEvent::OfferCancelled { bidder: investor() }));
        let book = Book::replay(&events);
        assert_eq!(book.offers_by(investor()), vec![]);
        assert_eq!(book.offers_on(1, 0).iter().map(|offer| offer.bidder).collect::<Vec<_>>(), vec![collector()]);
    }

    #[test]
    fn an_offer_made_again_after_cancelling_starts_afresh() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.push(at(1, 11, 0, TwinEvent::OfferMade { bidder: investor(), amount: eth(15), expires_at: 5_000 }));
        events.push(at(1, 12, 0, TwinEvent::OfferCancelled { bidder: investor() }));
        events.push(at(1, 13, 0, TwinEvent::OfferMade { bidder: investor(), amount: eth(9), expires_at: 7_000 }));
        let offers = Book::replay(&events).offers_by(investor());
        assert_eq!(offers, vec![Offer { twin_id: 1, bidder: investor(), amount: eth(9), expires_at: 7_000 }]);
    }

    #[test]
    fn offers_on_a_twin_are_the_acceptable_ones_highest_first() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.push(at(1, 11, 0, TwinEvent::OfferMade { bidder: investor(), amount: eth(12), expires_at: 5_000 }));
        events.push(at(1, 11, 1, TwinEvent::OfferMade { bidder: collector(), amount: eth(15), expires_at: 3_000 }));
        events.push(at(2, 11, 2, TwinEvent::OfferMade { bidder: collector(), amount: eth(40), expires_at: 9_000 }));
        let book = Book::replay(&events);
        let amounts = |now| book.offers_on(1, now).iter().map(|offer| offer.amount).collect::<Vec<_>>();
        assert_eq!(amounts(2_999), vec![eth(15), eth(12)]);
        // Expiry is exclusive: at 3000 the collector's offer can no longer be accepted.
        assert_eq!(amounts(3_000), vec![eth(12)]);
        assert_eq!(amounts(5_000), vec![]);
    }

    #[test]
    fn expired_offers_stay_with_their_bidder_until_cancelled() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.push(at(1, 11, 0, TwinEvent::OfferMade { bidder: collector(), amount: eth(15), expires_at: 3_000 }));
        events.push(at(2, 11, 1, TwinEvent::OfferMade { bidder: collector(), amount: eth(40), expires_at: 9_000 }));
        let offers = Book::replay(&events).offers_by(collector());
        assert_eq!(offers.iter().map(|offer| offer.twin_id).collect::<Vec<_>>(), vec![1, 2]);
        assert!(offers[0].expired(4_000));
        assert!(!offers[1].expired(4_000));
    }

    #[test]
    fn an_owner_cannot_accept_the_offer_they_made_before_buying() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.push(at(1, 11, 0, TwinEvent::OfferMade { bidder: investor(), amount: eth(12), expires_at: 5_000 }));
        events.push(listed(1, 12, operator(), eth(20)));
        events.extend(bought(1, 13, operator(), investor(), eth(20)));
        let book = Book::replay(&events);
        assert_eq!(book.offers_on(1, 1_000), vec![]);
        assert_eq!(book.offers_by(investor()).len(), 1, "its ether is still escrowed");
    }

    #[test]
    fn owned_by_lists_twins_by_id() {
        let mut events = minted(3, 10, operator()).to_vec();
        events.extend(minted(1, 11, operator()));
        events.extend(minted(2, 12, operator()));
        events.push(transferred(2, 13, operator(), investor()));
        let book = Book::replay(&events);
        assert_eq!(book.owned_by(operator()), vec![1, 3]);
        assert_eq!(book.owned_by(investor()), vec![2]);
        assert_eq!(book.owned_by(collector()), Vec::<u64>::new());
    }

    #[test]
    fn provenance_shows_a_mint_once() {
        let history = provenance(&minted(1, 10, operator()), 1);
        assert_eq!(
            history,
            vec![ProvenanceEntry {
                block: 10,
                tx_hash: format!("0x{:064x}", 10),
                event: ProvenanceEvent::Minted { operator: operator() }
            }]
        );
        assert_eq!(history[0].describe(), "Minted by 0x7099…79c8");
    }

    #[test]
    fn provenance_merges_a_sales_transfer_into_the_sale() {
        let mut events = minted(5, 10, operator()).to_vec();
        events.push(listed(5, 11, operator(), eth(11)));
        events.extend(bought(5, 12, operator(), investor(), eth(11)));
        let history = provenance(&events, 5);
        let described: Vec<String> = history.iter().map(ProvenanceEntry::describe).collect();
        assert_eq!(
            described,
            [
                "Minted by 0x7099…79c8",
                "Listed by 0x7099…79c8 for 1.1 ETH",
                "Sold by 0x7099…79c8 to 0x2361…1e8f for 1.1 ETH",
            ]
        );
        assert_eq!(history[2].block, 12);
    }

    #[test]
    fn provenance_keeps_plain_transfers_and_orders_everything() {
        let mut events = vec![
            at(6, 14, 0, TwinEvent::StatusChanged { next: TwinStatus::Decommissioned }),
            transferred(6, 12, operator(), collector()),
            at(6, 13, 0, TwinEvent::OperatorTransferred { from: operator(), to: investor() }),
            at(6, 11, 0, TwinEvent::ListingCancelled { by: operator() }),
        ];
        events.extend(minted(6, 10, operator()));
        let described: Vec<String> = provenance(&events, 6).iter().map(ProvenanceEntry::describe).collect();
        assert_eq!(
            described,
            [
                "Minted by 0x7099…79c8",
                "Listing withdrawn by 0x7099…79c8",
                "Transferred from 0x7099…79c8 to 0xa0ee…9720",
                "Operator changed from 0x7099…79c8 to 0x2361…1e8f",
                "Status changed to Decommissioned",
            ]
        );
    }

    #[test]
    fn provenance_leaves_out_offers_reporters_maintenance_and_other_twins() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.extend(minted(2, 10, operator()).map(|mut located| {
            located.log_index += 2;
            located
        }));
        events.push(at(1, 11, 0, TwinEvent::OfferMade { bidder: investor(), amount: eth(15), expires_at: 5_000 }));
        events.push(at(1, 12, 0, TwinEvent::OfferCancelled { bidder: investor() }));
        events.push(at(1, 13, 0, TwinEvent::ReporterChanged { from: investor(), to: collector() }));
        events.push(at(
            1,
            14,
            0,
            TwinEvent::Maintenance { kind: MaintenanceKind::Inspection, note: "Filters".into(), timestamp: 1 },
        ));
        events.push(transferred(2, 15, operator(), investor()));
        let history = provenance(&events, 1);
        assert_eq!(history.len(), 1, "{history:?}");
        assert_eq!(history[0].event, ProvenanceEvent::Minted { operator: operator() });
    }

    #[test]
    fn an_accepted_offer_reads_as_a_sale_on_an_offer() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.push(at(1, 12, 0, TwinEvent::OfferAccepted { bidder: investor(), seller: operator(), amount: eth(15) }));
        events.push(at(
            1,
            12,
            1,
            TwinEvent::Sold {
                seller: operator(),
                buyer: investor(),
                price: eth(15),
                royalty: Wei(0),
                fee: Wei(0),
                via_offer: true,
            },
        ));
        events.push(at(1, 12, 2, TwinEvent::Transfer { from: operator(), to: investor() }));
        let history = provenance(&events, 1);
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].describe(), "Sold by 0x7099…79c8 to 0x2361…1e8f for 1.5 ETH (offer accepted)");
    }

    #[test]
    fn a_transfer_in_a_sales_transaction_between_others_is_still_shown() {
        // Only the transfer that delivers the sold twin belongs to the sale.
        let mut events = minted(1, 10, operator()).to_vec();
        let [sold, _] = bought(1, 11, operator(), investor(), eth(10));
        events.push(sold);
        events.push(at(1, 11, 1, TwinEvent::Transfer { from: operator(), to: collector() }));
        let described: Vec<String> = provenance(&events, 1).iter().map(ProvenanceEntry::describe).collect();
        assert_eq!(described[2], "Transferred from 0x7099…79c8 to 0xa0ee…9720");
    }

    #[test]
    fn a_mint_without_its_twin_minted_event_still_reads_as_a_mint() {
        let [_, mint_transfer] = minted(1, 10, operator());
        let history = provenance(&[mint_transfer], 1);
        assert_eq!(history[0].event, ProvenanceEvent::Minted { operator: operator() });
    }

    fn vault() -> Address {
        Address([0x7a; 20])
    }

    fn shares_token() -> Address {
        Address([0x5e; 20])
    }

    fn whole_shares(n: u128) -> ShareUnits {
        ShareUnits::whole(n).unwrap()
    }

    /// A split as the registry and the vault emit it: the twin into the vault, then `Split`.
    fn split(twin_id: u64, block: u64, holder: Address, supply: u128) -> [Located; 2] {
        [
            at(twin_id, block, 0, TwinEvent::Transfer { from: holder, to: vault() }),
            at(twin_id, block, 1, TwinEvent::Split { holder, shares: shares_token(), supply: whole_shares(supply) }),
        ]
    }

    fn lot_listed(twin_id: u64, block: u64, lot: u64, seller: Address, amount: u128, price_per_share: Wei) -> Located {
        at(
            twin_id,
            block,
            0,
            TwinEvent::LotListed {
                lot,
                seller,
                amount: whole_shares(amount),
                price_per_share,
                expires_at: EXPIRY,
                max_fee_bps: 250,
            },
        )
    }

    fn lot_filled(
        twin_id: u64,
        block: u64,
        lot: u64,
        seller: Address,
        buyer: Address,
        amount: u128,
        remaining: u128,
    ) -> Located {
        at(
            twin_id,
            block,
            0,
            TwinEvent::LotFilled {
                lot,
                buyer,
                seller,
                amount: whole_shares(amount),
                price: Wei(amount * WEI_PER_ETHER / 1000),
                royalty: Wei(0),
                fee: Wei(0),
                remaining: whole_shares(remaining),
            },
        )
    }

    #[test]
    fn a_split_twin_is_held_by_the_vault_with_its_token_and_supply_until_joined() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.extend(split(1, 11, operator(), 1_000_000));
        let book = Book::replay(&events);
        assert_eq!(book.owner(1), Some(vault()));
        assert_eq!(
            book.fraction(1),
            Some(Fraction { shares: shares_token(), supply: whole_shares(1_000_000), since_block: 11 })
        );
        assert_eq!(book.split_twins().len(), 1);
        assert_eq!(book.operator(1), Some(operator()), "splitting moves no operator rights");

        events.push(at(1, 12, 0, TwinEvent::Joined { holder: investor() }));
        events.push(at(1, 12, 1, TwinEvent::Transfer { from: vault(), to: investor() }));
        let book = Book::replay(&events);
        assert_eq!(book.fraction(1), None);
        assert_eq!(book.owner(1), Some(investor()));
        assert_eq!(book.shares_token(1), Some(shares_token()), "the token outlives the join");

        let described: Vec<String> = provenance(&events, 1).iter().map(ProvenanceEntry::describe).collect();
        assert_eq!(
            described,
            vec![
                "Minted by 0x7099…79c8".to_string(),
                "Split by 0x7099…79c8 into 1000000 shares".to_string(),
                "Joined by 0x2361…1e8f, who holds the twin whole again".to_string(),
            ],
            "the moves to and from the vault belong to the split and the join"
        );
    }

    #[test]
    fn the_price_history_values_a_fill_of_shares_as_the_whole_twin_at_the_supply_of_its_day() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.extend(bought(1, 11, operator(), investor(), eth(2)));
        events.extend(split(1, 12, investor(), 1000));
        events.push(lot_listed(1, 13, 1, investor(), 300, Wei(WEI_PER_ETHER / 1000)));
        // 100 shares for 0.1 ETH: 0.001 ETH a share, so 1 ETH for the 1000 of the whole twin.
        events.push(lot_filled(1, 14, 1, investor(), collector(), 100, 200));
        events.extend(minted(2, 15, operator()));
        events.extend(bought(2, 16, operator(), collector(), eth(5)));
        let book = Book::replay(&events);
        assert_eq!(
            book.price_history(1),
            vec![
                PricePoint { block: 11, whole_price: eth(2), shares: None },
                PricePoint { block: 14, whole_price: Wei(WEI_PER_ETHER), shares: Some(whole_shares(100)) },
            ]
        );
        assert_eq!(book.price_history(2), vec![PricePoint { block: 16, whole_price: eth(5), shares: None }]);
        assert!(book.price_history(3).is_empty());
    }

    #[test]
    fn a_lot_shrinks_with_each_fill_and_leaves_the_book_when_sold_out_or_cancelled() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.extend(split(1, 11, operator(), 1000));
        events.push(lot_listed(1, 12, 1, operator(), 300, eth(1)));
        events.push(lot_listed(1, 13, 2, operator(), 100, Wei(WEI_PER_ETHER / 1000)));
        events.push(lot_filled(1, 14, 1, operator(), investor(), 100, 200));
        let book = Book::replay(&events);
        let lots = book.lots_on(1, NOW);
        assert_eq!(
            lots.iter().map(|(lot, _)| (lot.id, lot.remaining)).collect::<Vec<_>>(),
            vec![(2, whole_shares(100)), (1, whole_shares(200))]
        );
        assert_eq!(book.last_share_price(1), Some(Wei(WEI_PER_ETHER / 1000)));
        assert_eq!(book.share_trades(1).count(), 1);

        events.push(lot_filled(1, 15, 1, operator(), collector(), 200, 0));
        events.push(at(1, 16, 0, TwinEvent::LotCancelled { lot: 2 }));
        let book = Book::replay(&events);
        assert!(book.lots_on(1, NOW).is_empty());
        assert_eq!(book.share_trades(1).count(), 2);
    }

    #[test]
    fn a_lot_dies_when_it_expires_or_its_seller_cancels_everything() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.extend(split(1, 11, operator(), 1000));
        events.push(lot_listed(1, 12, 1, operator(), 300, eth(1)));
        let book = Book::replay(&events);
        assert_eq!(book.lots_on(1, NOW)[0].1, LotState::Live);
        assert_eq!(book.lots_on(1, EXPIRY)[0].1, LotState::Expired);
        assert_eq!(book.live_lots(NOW).len(), 1);

        events.push(of_account(operator(), 13, AccountEvent::AllListingsCancelled { nonce: 1 }));
        let book = Book::replay(&events);
        assert_eq!(book.lots_on(1, NOW)[0].1, LotState::SellerCancelledAll);
        assert!(book.live_lots(NOW).is_empty());
    }

    #[test]
    fn a_lot_dies_with_a_decommissioned_rig_and_for_good_with_a_join() {
        let mut events = minted(1, 10, operator()).to_vec();
        events.extend(split(1, 11, operator(), 1000));
        events.push(lot_listed(1, 12, 1, operator(), 300, eth(1)));
        let mut retired = events.clone();
        retired.push(at(1, 13, 0, TwinEvent::StatusChanged { next: TwinStatus::Decommissioned }));
        assert_eq!(Book::replay(&retired).lots_on(1, NOW)[0].1, LotState::Retired);

        events.push(at(1, 13, 0, TwinEvent::Joined { holder: operator() }));
        events.push(at(1, 13, 1, TwinEvent::Transfer { from: vault(), to: operator() }));
        events.extend(split(1, 14, operator(), 1000));
        let book = Book::replay(&events);
        assert!(book.lots_on(1, NOW).is_empty(), "a lot of the split before the join stays dead");
        assert!(book.fraction(1).is_some());
    }
}
