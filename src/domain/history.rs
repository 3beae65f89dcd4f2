//! The collection's history as the app keeps it: every twin minted, every registry and market
//! event, every credit of donated work, and the book those events add up to. It grows block by
//! block, in chain order, and shrinks back to a block that is still on chain when a reorganisation
//! replaced the ones after it.
//!
//! Moving on by a block applies only that block's events to the book; the whole history is
//! replayed only after a rollback, which a reorganisation makes rare.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::activity::{Book, Located};
use super::donations::Credit;
use super::Twin;

/// How many synced heads are kept to find where a reorganisation forked: deeper than any reorg
/// of the networks HashTwin runs on, where a block is final after a few minutes.
pub const CHECKPOINTS: usize = 128;

/// A block, by number and hash: what tells whether it is still part of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRef {
    pub number: u64,
    #[serde(with = "hex::serde")]
    pub hash: [u8; 32],
}

/// One thing a log says, in the form the app keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A new twin's nameplate and roles: `TwinMinted`, which also yields an `Event`.
    Minted(Twin),
    Event(Located),
    Credit(Credit),
}

impl Record {
    fn block(&self) -> Option<u64> {
        match self {
            Record::Minted(_) => None,
            Record::Event(located) => Some(located.block),
            Record::Credit(credit) => Some(credit.block),
        }
    }
}

/// Everything one block said, in log order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRecords {
    pub block: BlockRef,
    /// The block's time, unix seconds, where it was read (see `chain::collection::BlockLogs`).
    pub time: Option<u64>,
    pub records: Vec<Record>,
}

/// Why a batch of blocks cannot follow the history: a caller's mistake, never the chain's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    #[error("block {block} is not after the history's head {head}")]
    OutOfOrder { block: u64, head: u64 },
    #[error("block {block} holds a record of block {record}")]
    Misplaced { block: u64, record: u64 },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// The last block whose records are all here.
    head: Option<BlockRef>,
    /// Heads the history had, oldest first: where to look for the fork after a reorganisation.
    checkpoints: VecDeque<BlockRef>,
    twins: Vec<Twin>,
    /// The block each twin of `twins` was minted in, for rollbacks.
    mint_blocks: Vec<u64>,
    /// When each twin of `twins` was minted, where the block's time was read: its first earning
    /// period starts then.
    mint_times: Vec<Option<u64>>,
    events: Vec<Located>,
    /// The time of each block with events, where it was read (the chain reader reads those of
    /// trades; the indexer gives every block's).
    event_times: BTreeMap<u64, u64>,
    credits: Vec<Credit>,
    book: Book,
}

impl History {
    pub fn head(&self) -> Option<BlockRef> {
        self.head
    }

    /// The first block not yet read, given the block the contracts were deployed in.
    pub fn next_block(&self, deployment_block: u64) -> u64 {
        self.head.map_or(deployment_block, |head| head.number + 1).max(deployment_block)
    }

    /// Heads to compare with the chain when the newest no longer matches, newest first.
    pub fn checkpoints(&self) -> impl Iterator<Item = BlockRef> + '_ {
        self.checkpoints.iter().rev().copied()
    }

    /// Every twin, by id (the order they were minted in).
    pub fn twins(&self) -> &[Twin] {
        &self.twins
    }

    pub fn twin(&self, id: u64) -> Option<&Twin> {
        self.twins.binary_search_by_key(&id, |twin| twin.id).ok().map(|index| &self.twins[index])
    }

    /// When twin `id` was minted (its block's time), if that block's time was read.
    pub fn minted_at(&self, id: u64) -> Option<u64> {
        let index = self.twins.binary_search_by_key(&id, |twin| twin.id).ok()?;
        self.mint_times.get(index).copied().flatten()
    }

    /// When block `block`, which holds events, was mined, if its time was read.
    pub fn event_time(&self, block: u64) -> Option<u64> {
        self.event_times.get(&block).copied()
    }

    /// Every registry and market event, in chain order.
    pub fn events(&self) -> &[Located] {
        &self.events
    }

    pub fn credits(&self) -> &[Credit] {
        &self.credits
    }

    pub fn book(&self) -> &Book {
        &self.book
    }

    /// The history a previous visit stored: its blocks, its head and its checkpoints (newest
    /// first, as [`History::checkpoints`] gives them).
    pub fn restore(blocks: &[BlockRecords], head: BlockRef, checkpoints: &[BlockRef]) -> Result<History, HistoryError> {
        let mut history = History::default();
        history.extend(blocks, head)?;
        history.checkpoints = checkpoints.iter().take(CHECKPOINTS).rev().copied().collect();
        Ok(history)
    }

    /// Adds `blocks` (in chain order, each after the head) and moves the head to `head`, which
    /// may be past the last of them: blocks without records are not listed.
    pub fn extend(&mut self, blocks: &[BlockRecords], head: BlockRef) -> Result<(), HistoryError> {
        let mut previous = self.head.map(|head| head.number);
        for block in blocks.iter().map(|block| block.block).chain([head]) {
            if let Some(previous) = previous.filter(|&previous| block.number <= previous) {
                // The head may repeat the last block with records: it is that block.
                if !(block == head && blocks.last().is_some_and(|last| last.block == head)) {
                    return Err(HistoryError::OutOfOrder { block: block.number, head: previous });
                }
            }
            previous = Some(block.number);
        }
        for block in blocks {
            if let Some(record) = block.records.iter().filter_map(Record::block).find(|&at| at != block.block.number) {
                return Err(HistoryError::Misplaced { block: block.block.number, record });
            }
        }
        for block in blocks {
            for record in &block.records {
                self.add(record, block.block.number, block.time);
            }
        }
        self.head = Some(head);
        self.checkpoints.push_back(head);
        if self.checkpoints.len() > CHECKPOINTS {
            self.checkpoints.pop_front();
        }
        Ok(())
    }

    fn add(&mut self, record: &Record, block: u64, time: Option<u64>) {
        match record {
            Record::Minted(twin) => {
                // Ids count up in mint order; an id out of order keeps `twin` searchable.
                let at = self.twins.partition_point(|known| known.id < twin.id);
                self.twins.insert(at, twin.clone());
                self.mint_blocks.insert(at, block);
                self.mint_times.insert(at, time);
            }
            Record::Event(located) => {
                self.book.apply_event(located);
                self.events.push(located.clone());
                if let Some(time) = time {
                    self.event_times.insert(block, time);
                }
            }
            Record::Credit(credit) => self.credits.push(credit.clone()),
        }
    }

    /// Forgets every block after `keep`, which the chain still has; `None` forgets everything.
    /// The book is replayed from what remains.
    pub fn roll_back_to(&mut self, keep: Option<BlockRef>) {
        let Some(keep) = keep else {
            *self = History::default();
            return;
        };
        let last = keep.number;
        let kept: Vec<_> = self
            .twins
            .drain(..)
            .zip(self.mint_blocks.drain(..))
            .zip(self.mint_times.drain(..))
            .filter(|((_, block), _)| *block <= last)
            .collect();
        for ((twin, block), time) in kept {
            self.twins.push(twin);
            self.mint_blocks.push(block);
            self.mint_times.push(time);
        }
        self.events.retain(|located| located.block <= last);
        self.event_times.retain(|&block, _| block <= last);
        self.credits.retain(|credit| credit.block <= last);
        self.checkpoints.retain(|checkpoint| checkpoint.number <= last);
        if self.checkpoints.back() != Some(&keep) {
            self.checkpoints.push_back(keep);
        }
        self.head = Some(keep);
        self.book = Book::replay(&self.events);
    }
}

/// How far the app has read the chain, for the indicator that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncProgress {
    /// Nothing read yet.
    Starting,
    /// Reading blocks `first..=last`; every block up to `done` is in.
    CatchingUp {
        first: u64,
        done: u64,
        last: u64,
    },
    Synced {
        block: u64,
    },
    /// The last attempt failed; what was read before stays.
    Failed {
        message: String,
    },
}

impl SyncProgress {
    /// How much of the catch-up is done, 0 to 100.
    pub fn percent(&self) -> Option<u8> {
        match *self {
            SyncProgress::CatchingUp { first, done, last } if last >= first => {
                let total = last - first + 1;
                let read = (done + 1).saturating_sub(first).min(total);
                Some((read * 100 / total) as u8)
            }
            SyncProgress::CatchingUp { .. } => Some(100),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::activity::{AccountEvent, ChainEvent, TwinEvent};
    use crate::domain::{Address, RigSpec};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn block(number: u64, fork: u8) -> BlockRef {
        let mut hash = [fork; 32];
        hash[..8].copy_from_slice(&number.to_be_bytes());
        BlockRef { number, hash }
    }

    fn account(byte: u8) -> Address {
        Address([byte; 20])
    }

    fn twin(id: u64) -> Twin {
        Twin {
            id,
            operator: account(1),
            reporter: account(2),
            royalty_bps: 500,
            spec: RigSpec {
                manufacturer: "Bitmain".into(),
                model: "S21".into(),
                serial_hash: [id as u8; 32],
                hashrate_ghs: 200_000,
                power_watts: 3_500,
                location: "Oslo".into(),
                commissioned_at: 1_700_000_000,
            },
        }
    }

    fn event(number: u64, log_index: u64, twin_id: u64, event: TwinEvent) -> Record {
        Record::Event(Located {
            block: number,
            log_index,
            tx_hash: format!("0x{:064x}", number * 1_000 + log_index),
            event: ChainEvent::Twin { twin_id, event },
        })
    }

    /// A mint of `id` to `owner` in block `number`, as the registry logs it.
    fn mint(number: u64, fork: u8, id: u64, owner: Address) -> BlockRecords {
        BlockRecords {
            block: block(number, fork),
            time: Some(1_700_000_000 + number * 12),
            records: vec![
                event(number, 0, id, TwinEvent::Transfer { from: Address::ZERO, to: owner }),
                Record::Minted(twin(id)),
                event(number, 1, id, TwinEvent::Minted { operator: account(1), reporter: account(2) }),
            ],
        }
    }

    fn transfer(number: u64, fork: u8, id: u64, from: Address, to: Address) -> BlockRecords {
        BlockRecords {
            block: block(number, fork),
            time: None,
            records: vec![event(number, 0, id, TwinEvent::Transfer { from, to })],
        }
    }

    #[test]
    fn each_block_moves_the_book_on_as_a_replay_of_everything_would() {
        let mut history = History::default();
        history.extend(&[mint(3, 0, 1, account(7)), mint(4, 0, 2, account(8))], block(5, 0)).unwrap();
        history.extend(&[transfer(9, 0, 1, account(7), account(9))], block(12, 0)).unwrap();

        assert_eq!(history.head(), Some(block(12, 0)));
        assert_eq!(history.twins().iter().map(|twin| twin.id).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(history.book().owner(1), Some(account(9)));
        assert_eq!(history.book().owner(2), Some(account(8)));
        assert_eq!(history.book(), &Book::replay(history.events()));
        assert_eq!(history.twin(2).map(|twin| twin.id), Some(2));
        assert!(history.twin(3).is_none());
        // Each twin's mint is dated by its block.
        assert_eq!(history.minted_at(1), Some(1_700_000_036));
        assert_eq!(history.minted_at(2), Some(1_700_000_048));
        assert_eq!(history.minted_at(3), None);
    }

    #[test]
    fn a_mint_in_a_block_whose_time_was_not_read_has_no_time() {
        let mut undated = mint(3, 0, 1, account(7));
        undated.time = None;
        let mut history = History::default();
        history.extend(&[undated, mint(4, 0, 2, account(8))], block(5, 0)).unwrap();
        assert_eq!(history.minted_at(1), None);
        assert_eq!(history.minted_at(2), Some(1_700_000_048));
    }

    #[test]
    fn reading_resumes_after_the_head_and_never_before_the_deployment() {
        let mut history = History::default();
        assert_eq!(history.next_block(40), 40);
        history.extend(&[], block(57, 0)).unwrap();
        assert_eq!(history.next_block(40), 58);
        assert_eq!(history.next_block(90), 90);
    }

    #[test]
    fn blocks_must_come_after_the_head_and_hold_only_their_own_records() {
        let mut history = History::default();
        history.extend(&[mint(3, 0, 1, account(7))], block(5, 0)).unwrap();
        assert_eq!(
            history.extend(&[transfer(5, 0, 1, account(7), account(9))], block(6, 0)),
            Err(HistoryError::OutOfOrder { block: 5, head: 5 })
        );
        let mut misplaced = transfer(8, 0, 1, account(7), account(9));
        misplaced.block = block(9, 0);
        assert_eq!(history.extend(&[misplaced], block(9, 0)), Err(HistoryError::Misplaced { block: 9, record: 8 }));
        assert_eq!(history.extend(&[], block(4, 0)), Err(HistoryError::OutOfOrder { block: 4, head: 5 }));
        assert_eq!(history.book().owner(1), Some(account(7)), "a refused batch changes nothing");
        // The head may be the last block with records.
        history.extend(&[transfer(8, 0, 1, account(7), account(9))], block(8, 0)).unwrap();
        assert_eq!(history.head(), Some(block(8, 0)));
    }

    #[test]
    fn a_rollback_forgets_the_blocks_after_the_fork_and_their_effects() {
        let mut history = History::default();
        history.extend(&[mint(3, 0, 1, account(7))], block(5, 0)).unwrap();
        let before_fork = history.clone();
        let mut fork_block = mint(7, 0, 2, account(8));
        fork_block.records.push(Record::Event(Located {
            block: 7,
            log_index: 5,
            tx_hash: "0x07".into(),
            event: ChainEvent::Account { account: account(7), event: AccountEvent::AllListingsCancelled { nonce: 1 } },
        }));
        history.extend(&[transfer(6, 0, 1, account(7), account(9)), fork_block], block(8, 0)).unwrap();
        assert_eq!(history.twins().len(), 2);
        assert_eq!(history.minted_at(2), Some(1_700_000_084));
        history.roll_back_to(Some(block(5, 0)));

        assert_eq!(history.head(), before_fork.head());
        assert_eq!(history.twins(), before_fork.twins());
        assert_eq!(history.minted_at(1), Some(1_700_000_036));
        assert_eq!(history.minted_at(2), None);
        assert_eq!(history.events(), before_fork.events());
        assert_eq!(history.book(), before_fork.book());
        assert_eq!(history.book().owner(1), Some(account(7)));
        assert_eq!(history.next_block(1), 6);

        // The other branch follows.
        history.extend(&[transfer(6, 1, 1, account(7), account(3))], block(7, 1)).unwrap();
        assert_eq!(history.book().owner(1), Some(account(3)));
    }

    #[test]
    fn checkpoints_are_the_recent_heads_newest_first_and_bounded() {
        let mut history = History::default();
        for number in 1..=(CHECKPOINTS as u64 + 10) {
            history.extend(&[], block(number, 0)).unwrap();
        }
        let checkpoints: Vec<u64> = history.checkpoints().map(|checkpoint| checkpoint.number).collect();
        assert_eq!(checkpoints.len(), CHECKPOINTS);
        assert_eq!(checkpoints.first(), Some(&(CHECKPOINTS as u64 + 10)));
        assert_eq!(checkpoints.last(), Some(&11));

        history.roll_back_to(Some(block(100, 0)));
        assert_eq!(history.checkpoints().next(), Some(block(100, 0)));
        assert!(history.checkpoints().all(|checkpoint| checkpoint.number <= 100));
        history.roll_back_to(None);
        assert_eq!(history, History::default());
    }

    #[test]
    fn a_restored_history_is_the_one_that_was_stored() {
        let mut history = History::default();
        let blocks = [mint(3, 0, 1, account(7)), transfer(6, 0, 1, account(7), account(9))];
        history.extend(&blocks[..1], block(5, 0)).unwrap();
        history.extend(&blocks[1..], block(8, 0)).unwrap();
        let checkpoints: Vec<BlockRef> = history.checkpoints().collect();
        assert_eq!(History::restore(&blocks, block(8, 0), &checkpoints), Ok(history));
    }

    #[test]
    fn progress_counts_the_blocks_read_of_those_to_read() {
        assert_eq!(SyncProgress::CatchingUp { first: 100, done: 99, last: 199 }.percent(), Some(0));
        assert_eq!(SyncProgress::CatchingUp { first: 100, done: 149, last: 199 }.percent(), Some(50));
        assert_eq!(SyncProgress::CatchingUp { first: 100, done: 199, last: 199 }.percent(), Some(100));
        assert_eq!(SyncProgress::CatchingUp { first: 7, done: 6, last: 7 }.percent(), Some(0));
        assert_eq!(SyncProgress::Synced { block: 7 }.percent(), None);
    }
}
