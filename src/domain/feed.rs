//! The collection's activity, newest first: what the gallery's feed shows, by kind.

use super::activity::{in_chain_order, sentence, ChainEvent, Located, Phrase, TwinEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedKind {
    Mint,
    Listing,
    Sale,
    Offer,
    Settlement,
    Shares,
}

impl FeedKind {
    pub const ALL: [FeedKind; 6] =
        [FeedKind::Mint, FeedKind::Listing, FeedKind::Sale, FeedKind::Offer, FeedKind::Settlement, FeedKind::Shares];

    pub fn label(self) -> &'static str {
        match self {
            FeedKind::Mint => "Mints",
            FeedKind::Listing => "Listings",
            FeedKind::Sale => "Sales",
            FeedKind::Offer => "Offers",
            FeedKind::Settlement => "Settlements",
            FeedKind::Shares => "Shares",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            FeedKind::Mint => "mint",
            FeedKind::Listing => "listing",
            FeedKind::Sale => "sale",
            FeedKind::Offer => "offer",
            FeedKind::Settlement => "settlement",
            FeedKind::Shares => "shares",
        }
    }

    pub fn from_slug(slug: &str) -> Option<FeedKind> {
        FeedKind::ALL.into_iter().find(|kind| kind.slug() == slug)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    pub block: u64,
    pub tx_hash: String,
    pub twin_id: u64,
    pub kind: FeedKind,
    pub phrases: Vec<Phrase>,
}

/// The `limit` newest events of the kind asked for (any kind for `None`), newest first. Events
/// that are bookkeeping rather than news (transfers, approvals, cancellations) are left out.
pub fn feed(events: &[Located], only: Option<FeedKind>, limit: usize) -> Vec<FeedItem> {
    in_chain_order(events)
        .into_iter()
        .rev()
        .filter_map(|located| {
            let ChainEvent::Twin { twin_id, event } = &located.event else { return None };
            let (kind, phrases) = news(event)?;
            Some(FeedItem { block: located.block, tx_hash: located.tx_hash.clone(), twin_id: *twin_id, kind, phrases })
        })
        .filter(|item| only.is_none_or(|only| item.kind == only))
        .take(limit)
        .collect()
}

fn news(event: &TwinEvent) -> Option<(FeedKind, Vec<Phrase>)> {
    Some(match event {
        TwinEvent::Minted { operator, .. } => (FeedKind::Mint, sentence!["Minted by ", operator]),
        TwinEvent::Listed { seller, price, .. } => {
            (FeedKind::Listing, sentence!["Listed by ", seller, format!(" for {price}")])
        }
        TwinEvent::Sold { seller, buyer, price, via_offer, .. } => {
            let how = if *via_offer { " (offer accepted)" } else { "" };
            (FeedKind::Sale, sentence!["Sold by ", seller, " to ", buyer, format!(" for {price}{how}")])
        }
        TwinEvent::OfferMade { bidder, amount, .. } => {
            (FeedKind::Offer, sentence![bidder, format!(" offered {amount}")])
        }
        TwinEvent::OfferRaised { bidder, amount, .. } => {
            (FeedKind::Offer, sentence![bidder, format!(" raised their offer to {amount}")])
        }
        TwinEvent::Settled(settlement) => {
            (FeedKind::Settlement, sentence![format!("Settled {} net to ", settlement.net), &settlement.holder])
        }
        TwinEvent::Split { holder, supply, .. } => {
            (FeedKind::Shares, sentence!["Split by ", holder, format!(" into {}", supply.format(0))])
        }
        TwinEvent::LotListed { seller, amount, price_per_share, .. } => (
            FeedKind::Shares,
            sentence![
                seller,
                format!(" offered {} at {} per share", amount.format(4), price_per_share.format_ether(9))
            ],
        ),
        TwinEvent::LotFilled { buyer, amount, price, .. } => {
            (FeedKind::Shares, sentence![buyer, format!(" bought {} for {price}", amount.format(4))])
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::activity::plain;
    use crate::domain::{Address, Wei};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn account(byte: u8) -> Address {
        Address([byte; 20])
    }

    fn at(twin_id: u64, block: u64, log_index: u64, event: TwinEvent) -> Located {
        Located { block, log_index, tx_hash: format!("0x{block:064x}"), event: ChainEvent::Twin { twin_id, event } }
    }

    fn history() -> Vec<Located> {
        let ether = |tenths: u128| Wei(tenths * 100_000_000_000_000_000);
        vec![
            at(1, 10, 0, TwinEvent::Minted { operator: account(1), reporter: account(5) }),
            at(1, 10, 1, TwinEvent::Transfer { from: Address::ZERO, to: account(1) }),
            at(1, 12, 0, TwinEvent::Listed { seller: account(1), price: ether(15), expires_at: 99, max_fee_bps: 250 }),
            at(1, 13, 0, TwinEvent::OfferMade { bidder: account(2), amount: ether(12), expires_at: 99 }),
            at(
                1,
                14,
                0,
                TwinEvent::Sold {
                    seller: account(1),
                    buyer: account(3),
                    price: ether(15),
                    royalty: Wei(0),
                    fee: Wei(0),
                    via_offer: false,
                },
            ),
            at(1, 14, 1, TwinEvent::Transfer { from: account(1), to: account(3) }),
        ]
    }

    #[test]
    fn the_feed_is_newest_first_and_leaves_bookkeeping_out() {
        // Given out of chain order, as two contracts' logs can arrive.
        let mut events = history();
        events.reverse();
        let items = feed(&events, None, 10);
        let described: Vec<(FeedKind, String)> = items.iter().map(|item| (item.kind, plain(&item.phrases))).collect();
        let short = |byte: u8| account(byte).short();
        assert_eq!(
            described,
            vec![
                (FeedKind::Sale, format!("Sold by {} to {} for 1.5 ETH", short(1), short(3))),
                (FeedKind::Offer, format!("{} offered 1.2 ETH", short(2))),
                (FeedKind::Listing, format!("Listed by {} for 1.5 ETH", short(1))),
                (FeedKind::Mint, format!("Minted by {}", short(1))),
            ]
        );
        assert_eq!(items[0].block, 14);
        assert_eq!(items[0].twin_id, 1);
    }

    #[test]
    fn the_feed_filters_by_kind_and_stops_at_its_limit() {
        let events = history();
        assert_eq!(feed(&events, Some(FeedKind::Offer), 10).len(), 1);
        assert_eq!(feed(&events, Some(FeedKind::Settlement), 10), vec![]);
        assert_eq!(feed(&events, None, 2).iter().map(|item| item.block).collect::<Vec<_>>(), vec![14, 13]);
    }

    #[test]
    fn kinds_round_trip_through_their_slugs() {
        for kind in FeedKind::ALL {
            assert_eq!(FeedKind::from_slug(kind.slug()), Some(kind));
        }
        assert_eq!(FeedKind::from_slug("transfer"), None);
    }
}
