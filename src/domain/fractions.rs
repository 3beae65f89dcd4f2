//! Fractions of a twin: a split twin's ERC-20 shares, who holds them, the lots for sale, and what a
//! form may send to the wallet. Amounts are the token's smallest units (18 decimals, as
//! `TwinShares` has), prices wei per whole share, and every figure is an integer.

use std::collections::HashMap;

use super::address::Address;
use super::units::{format_units, parse_units, AmountError, Wei};

/// `TwinShares.decimals()`: the share token is an ordinary 18-decimal ERC-20, like ether.
pub const SHARE_DECIMALS: usize = 18;
/// One whole share in the token's smallest units.
pub const UNITS_PER_SHARE: u128 = 1_000_000_000_000_000_000;
/// The most whole shares a twin can be split into (`TwinVault.MAX_SHARES`).
pub const MAX_WHOLE_SHARES: u128 = 1_000_000_000;
/// What the split form offers first: a million shares make 0.0001% the smallest round piece.
pub const DEFAULT_WHOLE_SHARES: u128 = 1_000_000;
const BPS: u128 = 10_000;

/// An amount of one twin's shares, in the token's smallest units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct ShareUnits(pub u128);

impl ShareUnits {
    pub const ZERO: ShareUnits = ShareUnits(0);

    pub fn whole(shares: u128) -> Option<ShareUnits> {
        shares.checked_mul(UNITS_PER_SHARE).map(ShareUnits)
    }

    /// At most `max_decimals` decimals, rounded down: "1,250 shares" reads as "1250 shares".
    pub fn format(self, max_decimals: usize) -> String {
        let unit = if self.0 == UNITS_PER_SHARE { "share" } else { "shares" };
        format_units(self.0, SHARE_DECIMALS, max_decimals, unit)
    }

    /// The exact amount as a person types it, with no unit.
    pub fn digits(self) -> String {
        format_units(self.0, SHARE_DECIMALS, SHARE_DECIMALS, "shares").trim_end_matches(" shares").to_string()
    }

    /// This amount's part of `supply`, in basis points rounded down (0 for an empty supply).
    pub fn bps_of(self, supply: ShareUnits) -> u32 {
        if supply.0 == 0 {
            return 0;
        }
        mul_div(self.0, BPS, supply.0).min(BPS) as u32
    }
}

/// The share token's symbol, as `TwinVault` names it: "HT7" for twin 7.
pub fn share_symbol(twin_id: u64) -> String {
    format!("HT{twin_id}")
}

/// What a lot's fill costs: `amount × price per share`, rounded UP to the wei, as
/// `TwinMarket.buyLot` charges it, so that no sequence of partial fills pays a seller less than
/// the lot's price.
pub fn fill_price(amount: ShareUnits, price_per_share: Wei) -> Option<Wei> {
    mul_div_ceil(amount.0, price_per_share.0, UNITS_PER_SHARE).map(Wei)
}

/// What a twin costs per 1% of it: the whole twin's price / 100, or a lot's price per share ×
/// supply / 100, so that whole and split twins sort on one scale.
pub fn price_per_percent_whole(price: Wei) -> Wei {
    Wei(price.0 / 100)
}

pub fn price_per_percent_split(price_per_share: Wei, supply: ShareUnits) -> Option<Wei> {
    mul_div_checked(price_per_share.0, supply.0, UNITS_PER_SHARE * 100).map(Wei)
}

/// A lot as the market holds it, with what the app knows of its seller now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub id: u64,
    pub twin: u64,
    pub seller: Address,
    pub remaining: ShareUnits,
    pub price_per_share: Wei,
    pub expires_at: u64,
    pub max_fee_bps: u16,
}

/// Why a stored lot cannot be filled now, in the words the twin page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LotState {
    Live,
    Filled,
    Expired,
    /// The seller cancelled all their listings and lots since.
    SellerCancelledAll,
    /// The rig was decommissioned: its shares no longer trade on the market.
    Retired,
    /// The seller holds fewer shares than the lot still offers.
    SellerShort,
    /// The seller's allowance to the market is below what the lot still offers.
    NotApproved,
}

impl Lot {
    /// What of this lot can be bought now: the lot, capped by what the seller holds and has approved.
    pub fn state(&self, now: u64, seller_balance: ShareUnits, allowance: ShareUnits) -> LotState {
        if self.remaining.0 == 0 {
            LotState::Filled
        } else if now >= self.expires_at {
            LotState::Expired
        } else if seller_balance < self.remaining {
            LotState::SellerShort
        } else if allowance < self.remaining {
            LotState::NotApproved
        } else {
            LotState::Live
        }
    }
}

impl LotState {
    pub fn describe(self) -> &'static str {
        match self {
            LotState::Live => "For sale",
            LotState::Filled => "Sold out",
            LotState::Expired => "Expired",
            LotState::SellerCancelledAll => "Withdrawn: the seller cancelled all their listings",
            LotState::Retired => "The rig was decommissioned: its shares no longer trade here",
            LotState::SellerShort => "The seller no longer holds these shares",
            LotState::NotApproved => "The seller has withdrawn the market's approval",
        }
    }
}

/// The share of a twin offered by live lots, in basis points of its supply.
pub fn for_sale_bps(live_lots: &[Lot], supply: ShareUnits) -> u32 {
    let offered = live_lots.iter().fold(0u128, |sum, lot| sum.saturating_add(lot.remaining.0));
    ShareUnits(offered.min(supply.0)).bps_of(supply)
}

/// One row of a cap table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub holder: Address,
    pub amount: ShareUnits,
    pub bps: u32,
}

/// Who holds a split twin: the largest holders, and the rest as one "others" row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapTable {
    pub top: Vec<Holding>,
    pub others: Option<Holding>,
    pub holders: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapTableError {
    #[error("the holders' balances add up to {sum} units, not the supply of {supply}")]
    DoesNotAddUp { sum: u128, supply: u128 },
}

/// Balances replayed from the share token's `Transfer` events, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Balances(HashMap<Address, u128>);

impl Balances {
    /// Applies one transfer (mint from zero, burn to zero). A transfer that spends more than the
    /// sender has means the events are incomplete, and is an error rather than a negative balance.
    pub fn apply(&mut self, from: Address, to: Address, amount: ShareUnits) -> Result<(), String> {
        if from != Address::ZERO {
            let held = self.of(from).0;
            let left =
                held.checked_sub(amount.0).ok_or_else(|| format!("{from} sends {} but holds {held}", amount.0))?;
            if left == 0 {
                self.0.remove(&from);
            } else {
                self.0.insert(from, left);
            }
        }
        if to != Address::ZERO && amount.0 != 0 {
            *self.0.entry(to).or_default() += amount.0;
        }
        Ok(())
    }

    pub fn of(&self, holder: Address) -> ShareUnits {
        ShareUnits(self.0.get(&holder).copied().unwrap_or(0))
    }

    pub fn iter(&self) -> impl Iterator<Item = (Address, ShareUnits)> + '_ {
        self.0.iter().map(|(holder, amount)| (*holder, ShareUnits(*amount)))
    }
}

impl CapTable {
    /// The `top` largest holders (ties by address, so the table is stable), and the rest together.
    /// The balances must add up to the supply: a table that does not is a read gone wrong.
    pub fn new(
        balances: impl IntoIterator<Item = (Address, ShareUnits)>,
        supply: ShareUnits,
        top: usize,
    ) -> Result<CapTable, CapTableError> {
        let mut rows: Vec<(Address, ShareUnits)> = balances.into_iter().filter(|(_, amount)| amount.0 > 0).collect();
        let sum = rows.iter().fold(0u128, |sum, (_, amount)| sum.saturating_add(amount.0));
        if sum != supply.0 {
            return Err(CapTableError::DoesNotAddUp { sum, supply: supply.0 });
        }
        rows.sort_by(|(a_holder, a), (b_holder, b)| b.cmp(a).then(a_holder.cmp(b_holder)));
        let holders = rows.len();
        let holding = |holder, amount: ShareUnits| Holding { holder, amount, bps: amount.bps_of(supply) };
        let rest = rows.split_off(top.min(rows.len()));
        let others = (!rest.is_empty()).then(|| {
            let amount = ShareUnits(rest.iter().map(|(_, amount)| amount.0).sum());
            holding(Address::ZERO, amount)
        });
        let top = rows.into_iter().map(|(holder, amount)| holding(holder, amount)).collect();
        Ok(CapTable { top, others, holders })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FractionFormError {
    #[error("{0}")]
    Amount(#[from] AmountError),
    #[error("enter more than zero shares")]
    ZeroShares,
    #[error("split into whole shares: {max} at most")]
    TooManyShares { max: u128 },
    #[error("you hold {held}; you cannot offer more")]
    MoreThanHeld { held: String },
    #[error("the twin has only {supply} in all")]
    MoreThanSupply { supply: String },
    #[error("this lot has only {remaining} left")]
    MoreThanRemaining { remaining: String },
    #[error("enter a price above zero")]
    ZeroPrice,
    #[error("the price is too large")]
    PriceTooLarge,
    #[error("you hold {held} of {supply}: joining takes every share")]
    NotAllShares { held: String, supply: String },
}

/// The split form: a whole number of shares, 1 to [`MAX_WHOLE_SHARES`].
pub fn parse_split_supply(text: &str) -> Result<ShareUnits, FractionFormError> {
    let units = parse_units(text, 0, "shares")?;
    if units == 0 {
        return Err(FractionFormError::ZeroShares);
    }
    if units > MAX_WHOLE_SHARES {
        return Err(FractionFormError::TooManyShares { max: MAX_WHOLE_SHARES });
    }
    Ok(ShareUnits::whole(units).expect("at most a billion shares fit in u128"))
}

/// An amount of shares typed into a form, with no more decimals than the token has.
pub fn parse_shares(text: &str) -> Result<ShareUnits, FractionFormError> {
    let units = parse_units(text, SHARE_DECIMALS, "shares")?;
    if units == 0 {
        return Err(FractionFormError::ZeroShares);
    }
    Ok(ShareUnits(units))
}

/// A lot as the seller typed it, checked against what they hold and the supply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotDraft {
    pub amount: ShareUnits,
    pub price_per_share: Wei,
}

impl LotDraft {
    pub fn parse(
        amount: &str,
        price_per_share: &str,
        held: ShareUnits,
        supply: ShareUnits,
    ) -> Result<LotDraft, FractionFormError> {
        let amount = parse_shares(amount)?;
        if amount > supply {
            return Err(FractionFormError::MoreThanSupply { supply: supply.format(4) });
        }
        if amount > held {
            return Err(FractionFormError::MoreThanHeld { held: held.format(4) });
        }
        let price_per_share = Wei::parse_ether(price_per_share)?;
        if price_per_share.0 == 0 {
            return Err(FractionFormError::ZeroPrice);
        }
        let draft = LotDraft { amount, price_per_share };
        draft.total().ok_or(FractionFormError::PriceTooLarge)?;
        Ok(draft)
    }

    /// The whole lot's price, as the market would charge for it in one fill.
    pub fn total(&self) -> Option<Wei> {
        fill_price(self.amount, self.price_per_share)
    }
}

/// A buyer's fill of a lot: at most what remains, and what it costs.
pub fn parse_fill(text: &str, lot: &Lot) -> Result<(ShareUnits, Wei), FractionFormError> {
    let amount = parse_shares(text)?;
    if amount > lot.remaining {
        return Err(FractionFormError::MoreThanRemaining { remaining: lot.remaining.format(4) });
    }
    let cost = fill_price(amount, lot.price_per_share).ok_or(FractionFormError::PriceTooLarge)?;
    Ok((amount, cost))
}

/// Joining takes the whole supply from one holder.
pub fn check_join(held: ShareUnits, supply: ShareUnits) -> Result<(), FractionFormError> {
    if held == supply && supply.0 > 0 {
        Ok(())
    } else {
        Err(FractionFormError::NotAllShares { held: held.format(4), supply: supply.format(4) })
    }
}

/// A position in a split twin, valued at the twin's last trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub amount: ShareUnits,
    pub bps: u32,
    /// At the last fill's price per share; `None` before the first trade.
    pub value: Option<Wei>,
}

pub fn position(amount: ShareUnits, supply: ShareUnits, last_price_per_share: Option<Wei>) -> Position {
    Position {
        amount,
        bps: amount.bps_of(supply),
        value: last_price_per_share.and_then(|price| mul_div_checked(amount.0, price.0, UNITS_PER_SHARE).map(Wei)),
    }
}

/// Formats basis points as a percentage with up to two decimals: 2500 → "25%", 3 → "0.03%".
pub fn format_bps_percent(bps: u32) -> String {
    let whole = bps / 100;
    let fraction = bps % 100;
    match fraction {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

/// `a × b / d` rounded down, without overflowing for a product up to 2^256.
pub(crate) fn mul_div_checked(a: u128, b: u128, d: u128) -> Option<u128> {
    let (high, low) = wide_mul(a, b);
    wide_div(high, low, d)
}

/// `a × b / d` rounded down, saturating where the quotient exceeds u128.
pub(crate) fn mul_div(a: u128, b: u128, d: u128) -> u128 {
    mul_div_checked(a, b, d).unwrap_or(u128::MAX)
}

fn mul_div_ceil(a: u128, b: u128, d: u128) -> Option<u128> {
    let (high, low) = wide_mul(a, b);
    let quotient = wide_div(high, low, d)?;
    let (back_high, back_low) = wide_mul(quotient, d);
    if (back_high, back_low) == (high, low) {
        Some(quotient)
    } else {
        quotient.checked_add(1)
    }
}

/// The 256-bit product of two u128s as (high, low) halves.
fn wide_mul(a: u128, b: u128) -> (u128, u128) {
    const HALF: u32 = 64;
    const MASK: u128 = u64::MAX as u128;
    let (a_high, a_low) = (a >> HALF, a & MASK);
    let (b_high, b_low) = (b >> HALF, b & MASK);
    let low_low = a_low * b_low;
    let high_low = a_high * b_low;
    let low_high = a_low * b_high;
    let high_high = a_high * b_high;
    let middle = (low_low >> HALF) + (high_low & MASK) + (low_high & MASK);
    let low = (middle << HALF) | (low_low & MASK);
    let high = high_high + (high_low >> HALF) + (low_high >> HALF) + (middle >> HALF);
    (high, low)
}

/// (high, low) / d when the quotient fits in u128, by shift-and-subtract long division.
fn wide_div(high: u128, low: u128, d: u128) -> Option<u128> {
    if d == 0 || high >= d {
        return None;
    }
    let (mut remainder, mut quotient) = (high, 0u128);
    for bit in (0..128).rev() {
        let carry = remainder >> 127;
        remainder = (remainder << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        if carry == 1 || remainder >= d {
            remainder = remainder.wrapping_sub(d);
            quotient |= 1;
        }
    }
    Some(quotient)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(byte: u8) -> Address {
        Address([byte; 20])
    }

    fn shares(whole: u128) -> ShareUnits {
        ShareUnits::whole(whole).unwrap()
    }

    const ETH: u128 = 1_000_000_000_000_000_000;

    #[test]
    fn wide_arithmetic_matches_u128_where_it_fits_and_goes_beyond() {
        for (a, b, d) in
            [(7u128, 9u128, 4u128), (u64::MAX as u128, u64::MAX as u128, 3), (0, 5, 7), (1 << 100, 1 << 20, 1 << 60)]
        {
            if let Some(product) = a.checked_mul(b) {
                assert_eq!(mul_div_checked(a, b, d), Some(product / d));
            }
        }
        // 10^24 units × 10^18 wei does not fit in u128; divided by 10^18 it does.
        assert_eq!(mul_div_checked(1_000_000 * ETH, ETH, ETH), Some(1_000_000 * ETH));
        assert_eq!(mul_div_checked(u128::MAX, u128::MAX, u128::MAX), Some(u128::MAX));
        assert_eq!(mul_div_checked(u128::MAX, 2, 1), None, "a quotient beyond u128 is refused");
        assert_eq!(mul_div_checked(1, 1, 0), None);
    }

    #[test]
    fn a_fill_rounds_up_to_the_wei_so_partial_fills_never_underpay_the_seller() {
        let price = Wei(3); // 3 wei per whole share
        assert_eq!(fill_price(ShareUnits(UNITS_PER_SHARE), price), Some(Wei(3)));
        assert_eq!(fill_price(ShareUnits(UNITS_PER_SHARE / 2), price), Some(Wei(2)), "1.5 wei rounds up");
        let halves = 2 * fill_price(ShareUnits(UNITS_PER_SHARE / 2), price).unwrap().0;
        assert!(halves >= fill_price(ShareUnits(UNITS_PER_SHARE), price).unwrap().0);
        assert_eq!(fill_price(shares(250_000), Wei(ETH / 1_000_000)), Some(Wei(ETH / 4)));
    }

    #[test]
    fn price_per_percent_puts_whole_and_split_twins_on_one_scale() {
        assert_eq!(price_per_percent_whole(Wei(2 * ETH)), Wei(ETH / 50));
        // A million shares at 2 × 10^-6 ETH each value the twin at 2 ETH: the same 0.02 per 1%.
        assert_eq!(price_per_percent_split(Wei(2 * ETH / 1_000_000), shares(1_000_000)), Some(Wei(ETH / 50)));
    }

    #[test]
    fn bps_of_rounds_down_and_handles_an_empty_supply() {
        assert_eq!(shares(1).bps_of(shares(3)), 3333);
        assert_eq!(shares(3).bps_of(shares(3)), 10_000);
        assert_eq!(shares(1).bps_of(ShareUnits::ZERO), 0);
        assert_eq!(format_bps_percent(2500), "25%");
        assert_eq!(format_bps_percent(3333), "33.33%");
        assert_eq!(format_bps_percent(1250), "12.5%");
        assert_eq!(format_bps_percent(3), "0.03%");
    }

    #[test]
    fn a_cap_table_shows_the_largest_holders_then_the_others_together() {
        let balances = vec![
            (addr(1), shares(500)),
            (addr(2), shares(100)),
            (addr(3), shares(250)),
            (addr(4), shares(100)),
            (addr(5), shares(50)),
            (addr(6), ShareUnits::ZERO),
        ];
        let table = CapTable::new(balances, shares(1000), 3).unwrap();
        let top: Vec<_> = table.top.iter().map(|row| (row.holder, row.bps)).collect();
        assert_eq!(top, vec![(addr(1), 5000), (addr(3), 2500), (addr(2), 1000)], "ties go by address");
        assert_eq!(table.others, Some(Holding { holder: Address::ZERO, amount: shares(150), bps: 1500 }));
        assert_eq!(table.holders, 5, "a zero balance is not a holder");
    }

    #[test]
    fn a_cap_table_that_does_not_add_up_to_the_supply_is_an_error_not_a_table() {
        let error = CapTable::new(vec![(addr(1), shares(10))], shares(11), 5).unwrap_err();
        assert_eq!(error, CapTableError::DoesNotAddUp { sum: 10 * UNITS_PER_SHARE, supply: 11 * UNITS_PER_SHARE });
        let whole = CapTable::new(vec![(addr(1), shares(11))], shares(11), 5).unwrap();
        assert_eq!(whole.others, None);
    }

    #[test]
    fn balances_replay_mints_transfers_and_burns() {
        let mut balances = Balances::default();
        balances.apply(Address::ZERO, addr(1), shares(100)).unwrap();
        balances.apply(addr(1), addr(2), shares(30)).unwrap();
        balances.apply(addr(2), addr(3), shares(30)).unwrap();
        assert_eq!(balances.of(addr(1)), shares(70));
        assert_eq!(balances.of(addr(2)), ShareUnits::ZERO);
        assert_eq!(balances.iter().count(), 2, "an emptied holder leaves the table");
        assert!(
            balances.apply(addr(2), addr(1), shares(1)).is_err(),
            "spending what the events never gave is an error"
        );
        balances.apply(addr(1), Address::ZERO, shares(70)).unwrap();
        balances.apply(addr(3), Address::ZERO, shares(30)).unwrap();
        assert_eq!(balances.iter().count(), 0);
    }

    #[test]
    fn the_split_form_takes_whole_shares_within_bounds() {
        assert_eq!(parse_split_supply("1000000"), Ok(shares(1_000_000)));
        assert_eq!(parse_split_supply("0"), Err(FractionFormError::ZeroShares));
        assert_eq!(parse_split_supply("1000000001"), Err(FractionFormError::TooManyShares { max: MAX_WHOLE_SHARES }));
        assert!(matches!(
            parse_split_supply("10.5"),
            Err(FractionFormError::Amount(AmountError::TooManyDecimals { max: 0, .. }))
        ));
        assert!(matches!(parse_split_supply(""), Err(FractionFormError::Amount(AmountError::Empty))));
    }

    #[test]
    fn a_lot_is_refused_for_zero_too_many_decimals_more_than_held_or_supply_and_a_zero_price() {
        let (held, supply) = (shares(100), shares(1000));
        assert_eq!(
            LotDraft::parse("50", "0.001", held, supply),
            Ok(LotDraft { amount: shares(50), price_per_share: Wei(ETH / 1000) })
        );
        assert_eq!(LotDraft::parse("0", "0.001", held, supply), Err(FractionFormError::ZeroShares));
        assert!(matches!(
            LotDraft::parse("1.0000000000000000001", "0.001", held, supply),
            Err(FractionFormError::Amount(AmountError::TooManyDecimals { max: 18, .. }))
        ));
        assert_eq!(
            LotDraft::parse("101", "0.001", held, supply),
            Err(FractionFormError::MoreThanHeld { held: "100 shares".into() })
        );
        assert_eq!(
            LotDraft::parse("1001", "0.001", held, supply),
            Err(FractionFormError::MoreThanSupply { supply: "1000 shares".into() })
        );
        assert_eq!(LotDraft::parse("50", "0", held, supply), Err(FractionFormError::ZeroPrice));
        assert_eq!(LotDraft::parse("50", "0.000", held, supply), Err(FractionFormError::ZeroPrice));
    }

    #[test]
    fn a_fill_is_at_most_what_remains_and_costs_what_the_market_charges() {
        let lot = Lot {
            id: 1,
            twin: 7,
            seller: addr(1),
            remaining: shares(40),
            price_per_share: Wei(ETH / 100),
            expires_at: 100,
            max_fee_bps: 250,
        };
        assert_eq!(parse_fill("10", &lot), Ok((shares(10), Wei(ETH / 10))));
        assert_eq!(parse_fill("41", &lot), Err(FractionFormError::MoreThanRemaining { remaining: "40 shares".into() }));
        assert_eq!(parse_fill("0", &lot), Err(FractionFormError::ZeroShares));
    }

    #[test]
    fn a_lot_is_live_only_while_the_seller_holds_and_has_approved_what_remains() {
        let lot = Lot {
            id: 1,
            twin: 7,
            seller: addr(1),
            remaining: shares(40),
            price_per_share: Wei(1),
            expires_at: 100,
            max_fee_bps: 250,
        };
        assert_eq!(lot.state(50, shares(40), shares(40)), LotState::Live);
        assert_eq!(lot.state(100, shares(40), shares(40)), LotState::Expired);
        assert_eq!(lot.state(50, shares(39), shares(40)), LotState::SellerShort);
        assert_eq!(lot.state(50, shares(40), shares(39)), LotState::NotApproved);
        let filled = Lot { remaining: ShareUnits::ZERO, ..lot.clone() };
        assert_eq!(filled.state(50, ShareUnits::ZERO, ShareUnits::ZERO), LotState::Filled);
        assert_eq!(for_sale_bps(&[lot.clone(), lot], shares(1000)), 800);
    }

    #[test]
    fn joining_takes_every_share() {
        assert_eq!(check_join(shares(10), shares(10)), Ok(()));
        assert!(matches!(check_join(shares(9), shares(10)), Err(FractionFormError::NotAllShares { .. })));
        assert!(check_join(ShareUnits::ZERO, ShareUnits::ZERO).is_err());
    }

    #[test]
    fn a_position_is_valued_at_the_last_trade_or_not_at_all() {
        let at = position(shares(250_000), shares(1_000_000), Some(Wei(ETH / 1_000_000)));
        assert_eq!(at, Position { amount: shares(250_000), bps: 2500, value: Some(Wei(ETH / 4)) });
        assert_eq!(position(shares(1), shares(4), None).value, None);
    }
}
