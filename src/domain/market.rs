//! What is for sale, for how much, and what people offer and pay.

use super::calendar::{format_moment, parse_input_moment, DateError, SECONDS_PER_DAY};
use super::{Address, Wei};

/// How long a seller can keep a listing open, in days: `TwinMarket` allows up to a year, and a
/// few fixed choices are easier to read than a date picker.
pub const LISTING_DAYS: [u64; 4] = [1, 7, 30, 90];
pub const DEFAULT_LISTING_DAYS: u64 = 30;

/// The expiry of a listing made at `now` (unix seconds, by the chain's clock) for `days`.
pub fn listing_expiry(now: u64, days: u64) -> u64 {
    now + days * SECONDS_PER_DAY
}

/// How long an offer may run: the contract takes any future time, but an offer that lapses before
/// its transaction is mined, or outlives the rig, helps no one.
pub const OFFER_SECONDS: std::ops::RangeInclusive<u64> = 10 * 60..=365 * SECONDS_PER_DAY;

/// The expiry the user wrote for an offer (`<input type="datetime-local">`, UTC), checked against
/// the chain's clock and, when raising, against the offer's own expiry, which may not move earlier.
pub fn offer_expiry(text: &str, now: u64, current: Option<u64>) -> Result<u64, String> {
    let expires_at = parse_input_moment(text).map_err(|error| match error {
        DateError::Format => "Write when the offer expires as a date and a time.".to_string(),
        DateError::NoSuchDay => "That date and time do not exist.".to_string(),
    })?;
    if expires_at < now + OFFER_SECONDS.start() {
        return Err(format!(
            "An offer must stay open at least 10 minutes, until {} or later.",
            format_moment(now + OFFER_SECONDS.start())
        ));
    }
    if expires_at > now + OFFER_SECONDS.end() {
        return Err(format!("An offer lasts at most 365 days, until {}.", format_moment(now + OFFER_SECONDS.end())));
    }
    match current {
        Some(current) if expires_at < current => Err(format!(
            "Your offer already runs until {}: a raise keeps that or a later time.",
            format_moment(current)
        )),
        _ => Ok(expires_at),
    }
}

/// "2.5%": a fee in basis points as people read it.
pub fn format_bps(bps: u16) -> String {
    let text = format!("{:.2}", f64::from(bps) / 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// Where a sale's price goes, as `TwinMarket` splits it: the protocol fee and the twin's ERC-2981
/// royalty, each rounded down as the contracts round them, and the rest to the seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proceeds {
    pub price: Wei,
    pub fee: Wei,
    pub royalty: Wei,
    /// `None` when the fee and the royalty exceed the price: the market refuses that sale.
    pub seller: Option<Wei>,
}

/// What a seller receives of `price` at `fee_bps` and the twin's `royalty_bps`. A seller who is
/// also the royalty's receiver (the operator, selling a twin they minted) gets the royalty back.
pub fn seller_proceeds(price: Wei, fee_bps: u16, royalty_bps: u16) -> Proceeds {
    let fee = Wei(price.0 / 10_000 * u128::from(fee_bps) + price.0 % 10_000 * u128::from(fee_bps) / 10_000);
    let royalty = Wei(price.0 / 10_000 * u128::from(royalty_bps) + price.0 % 10_000 * u128::from(royalty_bps) / 10_000);
    let seller = price.0.checked_sub(fee.0).and_then(|rest| rest.checked_sub(royalty.0)).map(Wei);
    Proceeds { price, fee, royalty, seller }
}

impl Proceeds {
    /// "You receive 2.3 ETH: 2.5 ETH − 0.0625 ETH protocol fee (2.5%) − 0.125 ETH royalty (5%)".
    pub fn describe(&self, fee_bps: u16, royalty_bps: u16) -> String {
        match self.seller {
            Some(seller) => format!(
                "You receive {}: {} − {} protocol fee ({}) − {} royalty ({})",
                seller.format_ether(6),
                self.price.format_ether(6),
                self.fee.format_ether(6),
                format_bps(fee_bps),
                self.royalty.format_ether(6),
                format_bps(royalty_bps)
            ),
            None => format!(
                "The protocol fee ({}) and the royalty ({}) exceed {}: the market refuses this sale",
                format_bps(fee_bps),
                format_bps(royalty_bps),
                self.price.format_ether(6)
            ),
        }
    }
}

/// A fixed-price listing of a twin, on the seller's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    pub token_id: u64,
    pub seller: Address,
    pub price: Wei,
    /// Unix seconds: the first second at which it can no longer be bought.
    pub expires_at: u64,
    /// The highest protocol fee the seller agreed to; a sale charges the lower of it and the fee
    /// in force.
    pub max_fee_bps: u16,
}

impl Listing {
    pub fn expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }
}

/// Whether a stored listing can be bought, and if not, why: in the order `TwinMarket.buy` checks,
/// so that the page says what a purchase would be refused with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingState {
    Live,
    Expired,
    /// The rig was decommissioned: a retired twin is never sold again.
    Retired,
    /// Made under a custody that has since ended; it never comes back to life.
    Stale(StaleReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleReason {
    /// The twin was transferred after it was listed, even if it came back to the seller.
    ChangedHands,
    /// An approval over the twin was revoked or replaced after it was listed.
    ApprovalWithdrawn,
    /// The seller cancelled all their listings after it was listed.
    SellerCancelledAll,
}

impl ListingState {
    pub fn is_live(self) -> bool {
        self == ListingState::Live
    }

    /// One sentence for a listing that cannot be bought; `None` for a live one.
    pub fn describe(self, listing: &Listing) -> Option<String> {
        let reason = match self {
            ListingState::Live => return None,
            ListingState::Expired => {
                return Some(format!("This listing expired on {}.", format_moment(listing.expires_at)))
            }
            ListingState::Retired => {
                return Some("This twin was decommissioned and can no longer be sold.".to_string())
            }
            ListingState::Stale(StaleReason::ChangedHands) => "the twin changed hands since it was listed",
            ListingState::Stale(StaleReason::ApprovalWithdrawn) => {
                "an approval over the twin was withdrawn since it was listed"
            }
            ListingState::Stale(StaleReason::SellerCancelledAll) => "the seller cancelled all their listings",
        };
        Some(format!("This listing is no longer valid: {reason}."))
    }
}

/// An open offer: ether a bidder has escrowed in the market for a twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub twin_id: u64,
    pub bidder: Address,
    pub amount: Wei,
    /// Unix seconds: the first second at which the owner can no longer accept it.
    pub expires_at: u64,
}

impl Offer {
    /// Past its expiry the offer cannot be accepted, but its ether stays escrowed until the bidder
    /// cancels it (or raises it, which revives it).
    pub fn expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }
}

/// A twin changing hands through the market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub twin_id: u64,
    pub seller: Address,
    pub buyer: Address,
    pub price: Wei,
    /// To the twin's operator, out of the price.
    pub royalty: Wei,
    /// To the protocol's treasury, out of the price.
    pub fee: Wei,
    /// Whether the owner accepted an offer rather than a buyer paying a listing.
    pub via_offer: bool,
    pub block: u64,
    pub tx_hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn an_offer_expiry_is_a_real_utc_moment_between_ten_minutes_and_a_year_away() {
        let now = 1_764_000_000; // 2025-11-24 16:00 UTC
        assert_eq!(offer_expiry("2025-11-25T16:00", now, None), Ok(now + SECONDS_PER_DAY));
        assert_eq!(offer_expiry("2025-11-24T16:10", now, None), Ok(now + 600));
        assert_eq!(
            offer_expiry("2025-11-24T16:09", now, None).unwrap_err(),
            "An offer must stay open at least 10 minutes, until 2025-11-24 16:10 UTC or later."
        );
        assert_eq!(
            offer_expiry("2026-11-25T16:00", now, None).unwrap_err(),
            "An offer lasts at most 365 days, until 2026-11-24 16:00 UTC."
        );
        assert_eq!(
            offer_expiry("next week", now, None).unwrap_err(),
            "Write when the offer expires as a date and a time."
        );
        assert_eq!(offer_expiry("2025-11-31T10:00", now, None).unwrap_err(), "That date and time do not exist.");
        let current = now + 3 * SECONDS_PER_DAY;
        assert_eq!(
            offer_expiry("2025-11-25T16:00", now, Some(current)).unwrap_err(),
            "Your offer already runs until 2025-11-27 16:00 UTC: a raise keeps that or a later time."
        );
        assert_eq!(offer_expiry("2025-11-27T16:00", now, Some(current)), Ok(current));
    }

    #[test]
    fn an_offer_expires_at_its_expiry_second_not_after() {
        let offer = Offer { twin_id: 1, bidder: Address([8; 20]), amount: Wei(1), expires_at: 1_000 };
        assert!(!offer.expired(999));
        assert!(offer.expired(1_000));
        assert!(offer.expired(1_001));
    }

    #[test]
    fn a_listing_expires_at_its_expiry_second_as_the_market_checks() {
        let listing =
            Listing { token_id: 2, seller: Address([1; 20]), price: Wei(1), expires_at: 1_000, max_fee_bps: 250 };
        assert!(!listing.expired(999));
        assert!(listing.expired(1_000));
    }

    #[test]
    fn listings_last_the_chosen_days_within_the_markets_year() {
        assert_eq!(listing_expiry(1_000, 30), 1_000 + 30 * 86_400);
        assert!(LISTING_DAYS.contains(&DEFAULT_LISTING_DAYS));
        assert!(LISTING_DAYS.iter().all(|&days| (1..=365).contains(&days)));
    }

    #[test]
    fn fees_read_as_percentages() {
        assert_eq!(format_bps(250), "2.5%");
        assert_eq!(format_bps(1_000), "10%");
        assert_eq!(format_bps(1), "0.01%");
        assert_eq!(format_bps(0), "0%");
    }

    #[test]
    fn dead_listings_say_why_in_a_sentence() {
        // 2025-11-03 12:00 UTC
        let listing = Listing {
            token_id: 2,
            seller: Address([1; 20]),
            price: Wei(1),
            expires_at: 1_762_171_200,
            max_fee_bps: 250,
        };
        assert_eq!(ListingState::Live.describe(&listing), None);
        assert_eq!(ListingState::Expired.describe(&listing).unwrap(), "This listing expired on 2025-11-03 12:00 UTC.");
        assert_eq!(
            ListingState::Stale(StaleReason::ChangedHands).describe(&listing).unwrap(),
            "This listing is no longer valid: the twin changed hands since it was listed."
        );
        assert_eq!(
            ListingState::Retired.describe(&listing).unwrap(),
            "This twin was decommissioned and can no longer be sold."
        );
        assert!(ListingState::Live.is_live() && !ListingState::Expired.is_live());
    }

    #[test]
    fn a_seller_receives_the_price_less_the_fee_and_the_royalty_each_rounded_down() {
        let proceeds = seller_proceeds(Wei(2_500_000_000_000_000_000), 250, 500);
        assert_eq!(proceeds.fee, Wei(62_500_000_000_000_000));
        assert_eq!(proceeds.royalty, Wei(125_000_000_000_000_000));
        assert_eq!(proceeds.seller, Some(Wei(2_312_500_000_000_000_000)));
        assert_eq!(
            proceeds.describe(250, 500),
            "You receive 2.3125 ETH: 2.5 ETH − 0.0625 ETH protocol fee (2.5%) − 0.125 ETH royalty (5%)"
        );
        // 999 wei: a fee of 24.975 and a royalty of 49.95 are 24 and 49, as the contracts round.
        let odd = seller_proceeds(Wei(999), 250, 500);
        assert_eq!((odd.fee, odd.royalty, odd.seller), (Wei(24), Wei(49), Some(Wei(926))));
        // The largest price a u128 holds does not overflow on the way.
        assert!(seller_proceeds(Wei(u128::MAX), 1_000, 1_000).seller.is_some());
        assert_eq!(seller_proceeds(Wei(100), 5_000, 6_000).seller, None);
    }
}
