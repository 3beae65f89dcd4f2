//! An account's own transactions, rebuilt from the chain's events: the list is the same in every
//! browser, not only the one that sent them.
//!
//! Events do not name their transaction's sender. Each kind names the account only its sender
//! could be (a sale's buyer, an offer's bidder, the operator of the twin a maintenance entry is
//! for), and a transaction is the account's when one of its events names it so; the first such
//! event says what the transaction did.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::activity::{in_chain_order, sentence, AccountEvent, ChainEvent, Located, Phrase, TwinEvent};
use super::donations::Credit;
use super::Address;

/// One transaction the account sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTx {
    pub block: u64,
    /// `0x` and 64 hex digits.
    pub tx_hash: String,
    /// The twin it was about, for a link; `None` for a claim or a cancellation of every listing.
    pub twin_id: Option<u64>,
    pub phrases: Vec<Phrase>,
}

/// `account`'s `limit` newest transactions, newest first.
pub fn transactions_of(events: &[Located], credits: &[Credit], account: Address, limit: usize) -> Vec<AccountTx> {
    // Keyed by chain position, so that events and credits interleave in the order they happened.
    let mut found: BTreeMap<(u64, u64, usize), AccountTx> = BTreeMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut senders = Senders::default();
    for located in in_chain_order(events) {
        let Some((sender, twin_id, phrases)) = senders.sent_by(located) else { continue };
        if sender == account && seen.insert(located.tx_hash.clone()) {
            let tx = AccountTx { block: located.block, tx_hash: located.tx_hash.clone(), twin_id, phrases };
            found.insert((located.block, located.log_index, 0), tx);
        }
    }
    // A credit's log index is not kept: a batch is its transaction's only credit and shares it with
    // no market event, so it sorts after the block's events, batches in the order read.
    for (order, credit) in credits.iter().enumerate().filter(|(_, credit)| credit.contributor == account) {
        if seen.insert(credit.tx_hash.clone()) {
            let shares = if credit.shares == 1 { "1 share".to_string() } else { format!("{} shares", credit.shares) };
            let tx = AccountTx {
                block: credit.block,
                tx_hash: credit.tx_hash.clone(),
                twin_id: Some(credit.twin_id),
                phrases: sentence![format!("Donated {shares} of work to twin #{}", credit.twin_id)],
            };
            found.insert((credit.block, u64::MAX, order), tx);
        }
    }
    found.into_values().rev().take(limit).collect()
}

/// Who ran each twin and who offered each lot, as the replay has reached: the events about
/// them do not say.
#[derive(Default)]
struct Senders {
    operators: HashMap<u64, Address>,
    lot_sellers: HashMap<(u64, u64), Address>,
}

impl Senders {
    /// Who sent the transaction `located` is part of, and what it did, where the event tells.
    fn sent_by(&mut self, located: &Located) -> Option<(Address, Option<u64>, Vec<Phrase>)> {
        let (twin_id, event) = match &located.event {
            ChainEvent::Account { account, event } => return Some((*account, None, account_words(event)?)),
            ChainEvent::Twin { twin_id, event } => (*twin_id, event),
        };
        let id = twin_id;
        let operator = self.operators.get(&id).copied();
        let (sender, phrases) = match event {
            TwinEvent::Minted { operator, .. } => {
                self.operators.insert(id, *operator);
                (*operator, sentence![format!("Minted twin #{id}")])
            }
            TwinEvent::OperatorTransferred { from, to } => {
                self.operators.insert(id, *to);
                (*to, sentence![format!("Took over running twin #{id} from "), from])
            }
            TwinEvent::OperatorProposed { proposed } if *proposed == Address::ZERO => {
                (operator?, sentence![format!("Withdrew the offer to run twin #{id}")])
            }
            TwinEvent::OperatorProposed { proposed } => {
                (operator?, sentence![format!("Offered to hand twin #{id}'s rig to "), proposed])
            }
            TwinEvent::ReporterChanged { to, .. } => {
                (operator?, sentence!["Made ", to, format!(" the reporter of twin #{id}")])
            }
            TwinEvent::StatusChanged { next } => (operator?, sentence![format!("Marked twin #{id} {next}")]),
            TwinEvent::Maintenance { kind, .. } => {
                (operator?, sentence![format!("Logged {} on twin #{id}", kind.label().to_lowercase())])
            }
            TwinEvent::Settled(settlement) => {
                (operator?, sentence![format!("Settled a period of twin #{id}: {} net", settlement.net)])
            }
            TwinEvent::Listed { seller, price, .. } => (*seller, sentence![format!("Listed twin #{id} for {price}")]),
            TwinEvent::ListingCancelled { by } => (*by, sentence![format!("Cancelled the listing of twin #{id}")]),
            TwinEvent::Sold { seller, buyer, price, via_offer: false, .. } => {
                (*buyer, sentence![format!("Bought twin #{id} from "), seller, format!(" for {price}")])
            }
            TwinEvent::Sold { seller, buyer, price, via_offer: true, .. } => (
                *seller,
                sentence![format!("Sold twin #{id} to "), buyer, format!(" for {price}, accepting their offer")],
            ),
            TwinEvent::OfferAccepted { bidder, seller, amount } => (
                *seller,
                sentence![format!("Sold twin #{id} to "), bidder, format!(" for {amount}, accepting their offer")],
            ),
            TwinEvent::OfferMade { bidder, amount, .. } => {
                (*bidder, sentence![format!("Offered {amount} for twin #{id}")])
            }
            TwinEvent::OfferRaised { bidder, amount, .. } => {
                (*bidder, sentence![format!("Raised the offer for twin #{id} to {amount}")])
            }
            TwinEvent::OfferCancelled { bidder } => (*bidder, sentence![format!("Withdrew the offer for twin #{id}")]),
            TwinEvent::Split { holder, supply, .. } => {
                (*holder, sentence![format!("Split twin #{id} into {}", supply.format(0))])
            }
            TwinEvent::Joined { holder } => (*holder, sentence![format!("Took twin #{id} back out of its shares")]),
            TwinEvent::LotListed { lot, seller, amount, price_per_share, .. } => {
                self.lot_sellers.insert((id, *lot), *seller);
                let words = format!(
                    "Offered {} of twin #{id} at {} per share",
                    amount.format(4),
                    price_per_share.format_ether(9)
                );
                (*seller, sentence![words])
            }
            TwinEvent::LotFilled { buyer, seller, amount, price, .. } => (
                *buyer,
                sentence![format!("Bought {} of twin #{id} from ", amount.format(4)), seller, format!(" for {price}")],
            ),
            TwinEvent::LotCancelled { lot } => {
                (*self.lot_sellers.get(&(id, *lot))?, sentence![format!("Withdrew a lot of twin #{id}'s shares")])
            }
            // Moves and approvals ride along with the sales, splits and listings that name their
            // sender; alone, the event does not say who sent it.
            TwinEvent::Transfer { .. } | TwinEvent::Approval { .. } | TwinEvent::TermsFixed(_) => return None,
        };
        Some((sender, Some(id), phrases))
    }
}

fn account_words(event: &AccountEvent) -> Option<Vec<Phrase>> {
    match event {
        AccountEvent::Claimed { amount, .. } => Some(sentence![format!("Claimed {amount} of earnings")]),
        AccountEvent::AllListingsCancelled { .. } => Some(sentence!["Cancelled every listing at once"]),
        AccountEvent::ApprovalForAll { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::activity::plain;
    use crate::domain::activity::MaintenanceKind;
    use crate::domain::Wei;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ETH: u128 = 1_000_000_000_000_000_000;

    fn account(byte: u8) -> Address {
        Address([byte; 20])
    }

    fn at(block: u64, log_index: u64, tx: u8, twin_id: u64, event: TwinEvent) -> Located {
        Located {
            block,
            log_index,
            tx_hash: format!("0x{}", format!("{tx:02x}").repeat(32)),
            event: ChainEvent::Twin { twin_id, event },
        }
    }

    fn texts(txs: &[AccountTx]) -> Vec<String> {
        txs.iter().map(|tx| plain(&tx.phrases)).collect()
    }

    fn history() -> Vec<Located> {
        let (alice, bob, carol) = (account(1), account(2), account(3));
        vec![
            at(1, 0, 1, 1, TwinEvent::Minted { operator: alice, reporter: alice }),
            at(1, 1, 1, 1, TwinEvent::Transfer { from: Address::ZERO, to: alice }),
            at(2, 0, 2, 1, TwinEvent::Listed { seller: alice, price: Wei(2 * ETH), expires_at: 99, max_fee_bps: 250 }),
            at(3, 0, 3, 1, TwinEvent::Transfer { from: alice, to: bob }),
            at(
                3,
                1,
                3,
                1,
                TwinEvent::Sold {
                    seller: alice,
                    buyer: bob,
                    price: Wei(2 * ETH),
                    royalty: Wei(0),
                    fee: Wei(0),
                    via_offer: false,
                },
            ),
            at(4, 0, 4, 1, TwinEvent::OfferMade { bidder: carol, amount: Wei(3 * ETH), expires_at: 99 }),
            at(5, 0, 5, 1, TwinEvent::OfferAccepted { bidder: carol, seller: bob, amount: Wei(3 * ETH) }),
            at(
                5,
                1,
                5,
                1,
                TwinEvent::Sold {
                    seller: bob,
                    buyer: carol,
                    price: Wei(3 * ETH),
                    royalty: Wei(0),
                    fee: Wei(0),
                    via_offer: true,
                },
            ),
            at(6, 0, 6, 1, TwinEvent::Maintenance { kind: MaintenanceKind::Repair, note: "fan".into(), timestamp: 6 }),
        ]
    }

    #[test]
    fn each_account_sees_the_transactions_it_sent_newest_first_once_each() {
        let events = history();
        let alice = transactions_of(&events, &[], account(1), 10);
        assert_eq!(
            texts(&alice),
            ["Logged repair on twin #1", "Listed twin #1 for 2 ETH", "Minted twin #1"],
            "the operator logged the repair; the buyer sent the purchase, not the seller"
        );
        assert_eq!(alice[2].tx_hash, format!("0x{}", "01".repeat(32)));
        assert_eq!(alice[2].twin_id, Some(1));
        let bob = transactions_of(&events, &[], account(2), 10);
        assert_eq!(
            texts(&bob),
            [
                format!("Sold twin #1 to {} for 3 ETH, accepting their offer", account(3).short()),
                format!("Bought twin #1 from {} for 2 ETH", account(1).short()),
            ]
        );
        assert_eq!(texts(&transactions_of(&events, &[], account(3), 10)), ["Offered 3 ETH for twin #1"]);
        assert_eq!(transactions_of(&events, &[], account(1), 1).len(), 1, "the limit holds");
    }

    #[test]
    fn an_operator_handover_moves_the_rigs_later_transactions_to_the_new_operator() {
        let mut events = history();
        events.insert(8, at(5, 2, 7, 1, TwinEvent::OperatorTransferred { from: account(1), to: account(4) }));
        assert_eq!(
            texts(&transactions_of(&events, &[], account(4), 10)),
            ["Logged repair on twin #1".to_string(), format!("Took over running twin #1 from {}", account(1).short())]
        );
        assert_eq!(texts(&transactions_of(&events, &[], account(1), 10))[0], "Listed twin #1 for 2 ETH");
    }

    #[test]
    fn donated_batches_are_the_contributors_transactions_in_block_order() {
        let credit = |block, shares| Credit {
            twin_id: 1,
            contributor: account(3),
            job_seed: [block as u8; 32],
            shares,
            work: 1,
            block,
            timestamp: block,
            tx_hash: format!("0x{}", format!("{:02x}", 0x80 + block).repeat(32)),
        };
        let txs = transactions_of(&history(), &[credit(2, 1), credit(7, 3)], account(3), 10);
        assert_eq!(
            texts(&txs),
            ["Donated 3 shares of work to twin #1", "Offered 3 ETH for twin #1", "Donated 1 share of work to twin #1"]
        );
    }
}
