//! The agent's schedule: poll each rig, queue its report in the cursor, and post batches.
//!
//! Everything runs on one thread. Rigs are few and a poll or a post takes seconds, and one
//! thread means twins that share a reporter key never race for the same nonce.
//!
//! Failures never stop the loop: a miner that does not answer costs one report, an RPC that
//! does not answer delays the batch (with backoff) but keeps it queued on disk.

use crate::chain::{PostError, Poster, RegistryError, TxStatus};
use crate::cursor::{Cursor, InFlight, PushOutcome};
use crate::log::Logger;
use crate::miner_api::MinerClient;
use crate::normalise::{normalise, MinerKind, PowerModel, TelemetryReport};
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The registry's `MAX_TELEMETRY_BATCH`.
pub const MAX_BATCH: usize = 168;

pub struct Sample {
    pub report: TelemetryReport,
    /// Things worth one log line (estimated power, a dead fan, a failed optional command).
    pub notes: Vec<String>,
}

/// Where a rig's reports come from: a real miner's API or the simulator.
pub trait TelemetrySource {
    /// Names the source in log lines, e.g. "miner at 10.0.3.21:4028".
    fn describe(&self) -> String;
    fn sample(&mut self, now: u64) -> Result<Sample, String>;
}

pub struct MinerSource {
    pub client: MinerClient,
    pub kind: MinerKind,
    pub power: PowerModel,
}

impl TelemetrySource for MinerSource {
    fn describe(&self) -> String {
        format!("miner at {}", self.client.addr())
    }

    fn sample(&mut self, now: u64) -> Result<Sample, String> {
        let (replies, failed) = self.client.poll().map_err(|e| e.to_string())?;
        let mut notes: Vec<String> = failed.iter().map(|e| format!("{e}; continuing without it")).collect();
        let n = normalise(self.kind, &replies, &self.power, now)
            .map_err(|e| format!("miner at {}: {e}", self.client.addr()))?;
        notes.extend(n.notes);
        Ok(Sample { report: n.report, notes })
    }
}

#[derive(Clone, Debug)]
pub struct Schedule {
    pub poll_every: u64,
    pub post_every: u64,
    pub receipt_timeout: Duration,
    /// First retry delay after a failed post; doubles up to `retry_max`.
    pub retry_min: u64,
    pub retry_max: u64,
    pub max_queue: usize,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            poll_every: 60,
            post_every: 600,
            receipt_timeout: Duration::from_secs(120),
            retry_min: 30,
            retry_max: 600,
            max_queue: 7 * 24 * 60,
        }
    }
}

pub struct Rig {
    pub name: String,
    pub token_id: u64,
    source: Box<dyn TelemetrySource>,
    pub cursor: Cursor,
    next_poll: u64,
    next_post: u64,
    backoff: u64,
    poll_failures: u32,
    last_notes: Vec<String>,
    max_batch: usize,
    /// Set when the twin is decommissioned: nothing more will ever be accepted for it.
    pub retired: bool,
}

pub struct Agent<P: Poster> {
    pub rigs: Vec<Rig>,
    pub poster: P,
    log: Arc<dyn Logger>,
    schedule: Schedule,
}

/// Why a post attempt stopped early, and when to try again.
struct RetryIn(u64);

impl<P: Poster> Agent<P> {
    pub fn new(poster: P, log: Arc<dyn Logger>, schedule: Schedule) -> Self {
        Self { rigs: Vec::new(), poster, log, schedule }
    }

    /// Opens (or creates) the rig's cursor in `state_dir`. The first post attempt happens at
    /// `now` so that the queue is reconciled with the chain straight after a restart.
    pub fn add_rig(
        &mut self,
        name: &str,
        token_id: u64,
        source: Box<dyn TelemetrySource>,
        state_dir: &Path,
        now: u64,
    ) -> io::Result<()> {
        let (cursor, corrupt) = Cursor::open(state_dir, token_id, self.schedule.max_queue)?;
        let subject = format!("rig {name}");
        if corrupt {
            self.log.event(
                &subject,
                &format!(
                    "cursor {} was unreadable; moved it aside and starting empty (the chain's lastTelemetryAt still prevents re-posting)",
                    cursor.path().display()
                ),
            );
        } else {
            self.log.event(
                &subject,
                &format!(
                    "twin {token_id}, reading {}; cursor {}: last posted {}, {} reports queued{}",
                    source.describe(),
                    cursor.path().display(),
                    cursor.state.last_posted,
                    cursor.state.queue.len(),
                    if cursor.state.in_flight.is_some() { ", one transaction in flight" } else { "" }
                ),
            );
        }
        self.rigs.push(Rig {
            name: name.to_string(),
            token_id,
            source,
            cursor,
            next_poll: now,
            next_post: now,
            backoff: 0,
            poll_failures: 0,
            last_notes: Vec::new(),
            max_batch: MAX_BATCH,
            retired: false,
        });
        Ok(())
    }

    /// Polls and posts whatever is due at `now`; returns when something is next due.
    pub fn tick(&mut self, now: u64) -> u64 {
        let mut wake = u64::MAX;
        for i in 0..self.rigs.len() {
            if self.rigs[i].retired {
                continue;
            }
            if now >= self.rigs[i].next_poll {
                self.poll_rig(i, now);
                self.rigs[i].next_poll = now + self.schedule.poll_every;
            }
            let rig = &self.rigs[i];
            let full = rig.cursor.state.queue.len() >= rig.max_batch && rig.backoff == 0;
            if now >= rig.next_post || full {
                self.post_rig(i, now);
            }
            let rig = &self.rigs[i];
            if !rig.retired {
                wake = wake.min(rig.next_poll).min(rig.next_post);
            }
        }
        wake
    }

    /// Posts every rig's queue now, whatever the schedule says (used on shutdown and `--once`).
    pub fn flush(&mut self, now: u64) {
        for i in 0..self.rigs.len() {
            if !self.rigs[i].retired && !self.rigs[i].cursor.state.queue.is_empty() {
                self.post_rig(i, now);
            }
        }
    }

    fn say(&self, i: usize, message: &str) {
        self.log.event(&format!("rig {}", self.rigs[i].name), message);
    }

    fn save(&self, i: usize) {
        if let Err(e) = self.rigs[i].cursor.save() {
            self.say(i, &format!("cannot write cursor {}: {e}", self.rigs[i].cursor.path().display()));
        }
    }

    fn poll_rig(&mut self, i: usize, now: u64) {
        let every = self.schedule.poll_every;
        let rig = &mut self.rigs[i];
        match rig.source.sample(now) {
            Ok(sample) => {
                let recovered = std::mem::take(&mut rig.poll_failures);
                let new_notes: Vec<String> =
                    sample.notes.iter().filter(|n| !rig.last_notes.contains(n)).cloned().collect();
                rig.last_notes = sample.notes;
                let outcome = rig.cursor.push(sample.report);
                let queued = rig.cursor.state.queue.len();
                if recovered > 0 {
                    let what = self.rigs[i].source.describe();
                    self.say(i, &format!("{what} answers again after {recovered} failed polls"));
                }
                for note in new_notes {
                    self.say(i, &note);
                }
                let r = sample.report;
                match outcome {
                    PushOutcome::Queued => self.say(
                        i,
                        &format!(
                            "polled: {:.1} TH/s, {} W, {:.1} °C, fans {} rpm, up {} s, shares {}/{}; {queued} reports queued",
                            r.hashrate_ghs as f64 / 1000.0,
                            r.power_watts,
                            r.board_temp_deci_c as f64 / 10.0,
                            r.fan_rpm,
                            r.uptime_seconds,
                            r.accepted_shares,
                            r.rejected_shares
                        ),
                    ),
                    PushOutcome::NotNewer { newest } => self.say(
                        i,
                        &format!("report at {} is not after {newest} (clock went back?); skipped", r.timestamp),
                    ),
                    PushOutcome::QueuedDroppingOldest { dropped } => self.say(
                        i,
                        &format!("queue is full ({queued} reports); dropped the oldest, from {dropped}"),
                    ),
                }
                self.save(i);
            }
            Err(message) => {
                rig.poll_failures += 1;
                let n = rig.poll_failures;
                // A miner that is down for hours should not drown the log: the first few
                // failures, then every tenth.
                if n <= 3 || n.is_multiple_of(10) {
                    let count = if n > 1 { format!(" ({n} failed polls in a row)") } else { String::new() };
                    self.say(i, &format!("{message}; retrying in {every} s{count}"));
                }
            }
        }
    }

    fn post_rig(&mut self, i: usize, now: u64) {
        match self.try_post(i, now) {
            Ok(()) => {
                self.rigs[i].backoff = 0;
                self.rigs[i].next_post = now + self.schedule.post_every;
            }
            Err(RetryIn(delay)) => self.rigs[i].next_post = now.saturating_add(delay),
        }
    }

    fn backoff(&mut self, i: usize) -> u64 {
        let rig = &mut self.rigs[i];
        rig.backoff =
            if rig.backoff == 0 { self.schedule.retry_min } else { (rig.backoff * 2).min(self.schedule.retry_max) };
        rig.backoff
    }

    fn queued(&self, i: usize) -> usize {
        self.rigs[i].cursor.state.queue.len()
    }

    fn try_post(&mut self, i: usize, now: u64) -> Result<(), RetryIn> {
        if let Some(tx) = self.rigs[i].cursor.state.in_flight.clone() {
            self.settle(i, &tx, now)?;
        }
        let token = self.rigs[i].token_id;
        match self.poster.last_telemetry_at(token) {
            Ok(last) => self.reconcile(i, last),
            Err(e) => return Err(self.post_failed(i, &format!("cannot read lastTelemetryAt: {e}"))),
        }
        // Reports after this are held back because the chain's clock is behind ours.
        let mut chain_time_cap: Option<u64> = None;
        for _attempt in 0..16 {
            let cap = chain_time_cap.unwrap_or(u64::MAX);
            let batch: Vec<TelemetryReport> =
                self.rigs[i].cursor.batch(self.rigs[i].max_batch).into_iter().filter(|r| r.timestamp <= cap).collect();
            if batch.is_empty() {
                if chain_time_cap.is_some() && self.queued(i) > 0 {
                    let wait = self.schedule.poll_every;
                    self.say(i, &format!("the chain's clock is behind the queued reports; retrying in {wait} s"));
                    return Err(RetryIn(wait));
                }
                return Ok(());
            }
            let tx = match self.poster.prepare(token, &batch) {
                Ok(tx) => tx,
                Err(PostError::Reverted(reason)) => match self.on_revert(i, reason) {
                    Revert::Retry => continue,
                    Revert::HoldAfter(t) => {
                        chain_time_cap = Some(t);
                        continue;
                    }
                    Revert::Stop(delay) => return Err(delay),
                },
                Err(PostError::NoKey { reporter }) => {
                    let delay = RetryIn(self.schedule.retry_max);
                    self.say(
                        i,
                        &format!(
                            "no configured key is twin {token}'s reporter {reporter}; keeping {} reports queued; retrying in {} s",
                            self.queued(i),
                            delay.0
                        ),
                    );
                    return Err(delay);
                }
                Err(e) => return Err(self.post_failed(i, &e.to_string())),
            };
            let tx = InFlight { sent_at: now, ..tx };
            // Journal first: if we die between here and the receipt, the restart finds out.
            self.rigs[i].cursor.state.in_flight = Some(tx.clone());
            self.save(i);
            match self.poster.broadcast(&tx) {
                Ok(()) => {}
                Err(PostError::NonceTooLow(m)) => {
                    self.rigs[i].cursor.state.in_flight = None;
                    self.save(i);
                    self.say(i, &format!("nonce {} of {} was already used ({m}); re-signing", tx.nonce, tx.from));
                    continue;
                }
                Err(e) => {
                    self.rigs[i].cursor.state.in_flight = None;
                    self.save(i);
                    return Err(self.post_failed(i, &format!("could not send tx {}: {e}", tx.tx_hash)));
                }
            }
            match self.poster.wait(&tx, self.schedule.receipt_timeout) {
                Ok(TxStatus::Mined { block, success: true }) => self.landed(i, &tx, block),
                Ok(TxStatus::Mined { block, success: false }) => {
                    self.rigs[i].cursor.state.in_flight = None;
                    self.save(i);
                    self.say(i, &format!("tx {} reverted in block {block}; re-checking the batch", tx.tx_hash));
                    if let Ok(last) = self.poster.last_telemetry_at(token) {
                        self.reconcile(i, last);
                    }
                }
                Ok(TxStatus::Pending) | Ok(TxStatus::Unknown) => {
                    let wait = self.schedule.poll_every;
                    self.say(
                        i,
                        &format!(
                            "tx {} not mined within {} s; will look for it again in {wait} s before posting more",
                            tx.tx_hash,
                            self.schedule.receipt_timeout.as_secs()
                        ),
                    );
                    return Err(RetryIn(wait));
                }
                Err(e) => {
                    return Err(self.post_failed(
                        i,
                        &format!("sent tx {} but lost the RPC while waiting for it ({e})", tx.tx_hash),
                    ))
                }
            }
        }
        Ok(())
    }

    /// Resolves a transaction journalled by an earlier attempt (possibly before a restart).
    fn settle(&mut self, i: usize, tx: &InFlight, now: u64) -> Result<(), RetryIn> {
        let mut status = match self.poster.wait(tx, Duration::ZERO) {
            Ok(s) => s,
            Err(e) => {
                let msg = format!("cannot check in-flight tx {}: {e}", tx.tx_hash);
                return Err(self.post_failed(i, &msg));
            }
        };
        if status == TxStatus::Unknown {
            // The same signed bytes: if they land, they land once.
            match self.poster.broadcast(tx) {
                Ok(()) => {
                    self.say(i, &format!("node did not know tx {}; re-sent the same signed bytes", tx.tx_hash));
                    status = self.poster.wait(tx, self.schedule.receipt_timeout).unwrap_or(TxStatus::Pending);
                }
                Err(PostError::NonceTooLow(_)) => {
                    // Its nonce went to another transaction: this one can never land.
                    self.rigs[i].cursor.state.in_flight = None;
                    self.save(i);
                    self.say(i, &format!("tx {} was replaced (its nonce is used); re-checking the chain", tx.tx_hash));
                    return Ok(());
                }
                Err(e) => {
                    let msg = format!("cannot re-send tx {}: {e}", tx.tx_hash);
                    return Err(self.post_failed(i, &msg));
                }
            }
        }
        match status {
            TxStatus::Mined { block, success: true } => {
                self.landed(i, tx, block);
                Ok(())
            }
            TxStatus::Mined { block, success: false } => {
                self.rigs[i].cursor.state.in_flight = None;
                self.save(i);
                self.say(i, &format!("earlier tx {} reverted in block {block}; its reports stay queued", tx.tx_hash));
                Ok(())
            }
            TxStatus::Pending | TxStatus::Unknown => {
                let wait = self.schedule.poll_every;
                self.say(
                    i,
                    &format!(
                        "tx {} (sent {} s ago) is still pending; not posting more until it is mined; checking again in {wait} s",
                        tx.tx_hash,
                        now.saturating_sub(tx.sent_at)
                    ),
                );
                Err(RetryIn(wait))
            }
        }
    }

    fn landed(&mut self, i: usize, tx: &InFlight, block: u64) {
        self.rigs[i].cursor.posted_through(tx.last_timestamp);
        self.rigs[i].cursor.state.in_flight = None;
        self.rigs[i].backoff = 0;
        self.save(i);
        self.say(
            i,
            &format!(
                "posted {} reports ({}..{}) in tx {}, block {block}; {} still queued",
                tx.count,
                tx.first_timestamp,
                tx.last_timestamp,
                tx.tx_hash,
                self.queued(i)
            ),
        );
    }

    /// Drops queued reports the chain already has (posted by us before a crash, or by
    /// another agent holding the same key).
    fn reconcile(&mut self, i: usize, last_on_chain: u64) {
        let dropped = self.rigs[i].cursor.posted_through(last_on_chain);
        if dropped > 0 {
            self.say(
                i,
                &format!("chain already has reports through {last_on_chain}; dropped {dropped} queued reports"),
            );
        }
        self.save(i);
    }

    fn post_failed(&mut self, i: usize, why: &str) -> RetryIn {
        let delay = self.backoff(i);
        self.say(i, &format!("{why}; keeping {} reports queued; retrying in {delay} s", self.queued(i)));
        RetryIn(delay)
    }

    fn on_revert(&mut self, i: usize, reason: RegistryError) -> Revert {
        let token = self.rigs[i].token_id;
        match reason {
            RegistryError::TwinDecommissioned { .. } => {
                let dropped = self.rigs[i].cursor.clear_queue();
                self.rigs[i].retired = true;
                self.save(i);
                self.say(i, &format!("{reason}; dropped {dropped} queued reports and stopped polling this rig"));
                Revert::Stop(RetryIn(u64::MAX))
            }
            RegistryError::TelemetryOutOfOrder { index, timestamp, previous } => {
                if index == 0 {
                    let dropped = self.rigs[i].cursor.posted_through(previous);
                    self.say(i, &format!("{reason}; dropped {dropped} reports the chain already covers"));
                } else {
                    // Our queue is kept strictly increasing, so this would be a bug: drop the one.
                    self.rigs[i].cursor.remove_timestamp(timestamp);
                    self.say(i, &format!("{reason}; dropped that report"));
                }
                self.save(i);
                Revert::Retry
            }
            RegistryError::TelemetryInFuture { block_timestamp, .. } => {
                self.say(i, &format!("{reason}; posting only reports up to {block_timestamp} for now"));
                Revert::HoldAfter(block_timestamp)
            }
            RegistryError::TelemetryBatchTooLarge { max, .. } => {
                self.rigs[i].max_batch = (max as usize).clamp(1, MAX_BATCH);
                self.say(i, &format!("{reason}; batching {} reports at a time", self.rigs[i].max_batch));
                Revert::Retry
            }
            RegistryError::NotReporter { .. } => {
                let delay = self.schedule.retry_max;
                self.say(
                    i,
                    &format!(
                        "{reason}; the key does not match twin {token}'s reporter, keeping {} reports queued; retrying in {delay} s",
                        self.queued(i)
                    ),
                );
                Revert::Stop(RetryIn(delay))
            }
            other => Revert::Stop(self.post_failed(i, &other.to_string())),
        }
    }
}

enum Revert {
    Retry,
    HoldAfter(u64),
    Stop(RetryIn),
}
