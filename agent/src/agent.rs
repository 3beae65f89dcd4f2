//! The agent's schedule: poll each rig, queue its report in the cursor, and post batches.
//!
//! Everything runs on one thread. Rigs are few and a poll or a post takes seconds, and one
//! thread means twins that share a reporter key never race for the same nonce.
//!
//! Failures never stop the loop: a miner that does not answer costs one report, an RPC that
//! does not answer delays the batch (with backoff) but keeps it queued on disk.
//!
//! A twin with an earnings source is also settled with `TwinEarnings.settle` when its period is
//! due. A settlement and a telemetry batch of the same twin are never in flight together: a
//! settlement pays for the period `periodOf` gave when it was quoted, which a landing batch
//! would lengthen.

use crate::chain::{Period, PostError, Poster, RegistryError, TxStatus};
use crate::cursor::{Cursor, InFlight, PendingSettlement, PushOutcome};
use crate::earnings::{self, EarningsSource, FileAnswer};
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
    /// Where the twin's gross comes from; without one the agent does not settle the twin.
    pub earnings: Option<EarningsSource>,
    next_settle: u64,
    settle_backoff: u64,
    /// The twin's period as `periodOf` last gave it, its end kept in step with landed batches.
    period: Option<Period>,
    /// The period the agent last said it has no figure for: said once, not at every check.
    no_figure_for: Option<(u64, u64)>,
    /// The start of the period whose hold on reports the agent last announced, and released.
    hold_said: Option<u64>,
    release_said: Option<u64>,
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
            earnings: None,
            next_settle: now,
            settle_backoff: 0,
            period: None,
            no_figure_for: None,
            hold_said: None,
            release_said: None,
        });
        Ok(())
    }

    /// Settles the twin's periods from `source` as its operator. Returns false if the agent has
    /// no rig for the twin.
    pub fn settle_with(&mut self, token_id: u64, source: EarningsSource) -> bool {
        let Some(i) = self.rigs.iter().position(|r| r.token_id == token_id) else {
            return false;
        };
        self.say(i, &format!("settling twin {token_id}'s earnings from {}", source.describe()));
        self.rigs[i].earnings = Some(source);
        true
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
            // Settling before posting: a due period is settled as it stands, before more lands.
            if self.rigs[i].earnings.is_some() && now >= self.rigs[i].next_settle {
                self.rigs[i].next_settle = self.settle_rig(i, now).max(now + 1);
            }
            let rig = &self.rigs[i];
            let full = rig.cursor.state.queue.len() >= rig.max_batch && rig.backoff == 0;
            if now >= rig.next_post || full {
                self.post_rig(i, now);
            }
            let rig = &self.rigs[i];
            if !rig.retired {
                wake = wake.min(rig.next_poll).min(rig.next_post);
                if rig.earnings.is_some() {
                    wake = wake.min(rig.next_settle);
                }
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
        if self.rigs[i].cursor.state.settlement.is_some() {
            // A settlement is in flight: a batch landing first would lengthen the period it pays
            // for. The settlement check says what became of it; the reports wait queued.
            return Err(RetryIn(self.schedule.poll_every));
        }
        if let Some(tx) = self.rigs[i].cursor.state.in_flight.clone() {
            self.resolve_post(i, &tx, now)?;
        }
        let token = self.rigs[i].token_id;
        match self.poster.last_telemetry_at(token) {
            Ok(last) => self.reconcile(i, last),
            Err(e) => return Err(self.post_failed(i, &format!("cannot read lastTelemetryAt: {e}"))),
        }
        // Reports after this are held back because the chain's clock is behind ours.
        let mut chain_time_cap: Option<u64> = None;
        for _attempt in 0..16 {
            let hold = self.hold_after(i, now).unwrap_or(u64::MAX);
            let cap = chain_time_cap.unwrap_or(u64::MAX).min(hold);
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
    fn resolve_post(&mut self, i: usize, tx: &InFlight, now: u64) -> Result<(), RetryIn> {
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
        if matches!(self.rigs[i].earnings, Some(EarningsSource::SimulatedPool { .. })) {
            self.rigs[i].cursor.record_work(tx.last_timestamp);
        }
        if let Some(p) = self.rigs[i].period.as_mut() {
            p.end = p.end.max(tx.last_timestamp);
        }
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

    /// While a twin's period is due and unsettled, reports after its `dueAt` wait queued: the
    /// period the operator is asked a figure for must not grow while they give it. The hold ends
    /// with the settlement, or before the queue would have to drop reports.
    fn hold_after(&self, i: usize, now: u64) -> Option<u64> {
        let rig = &self.rigs[i];
        if !rig.earnings.as_ref()?.holds_period() {
            return None;
        }
        let p = rig.period?;
        if now < p.due_at || self.queue_nearly_full(i) {
            return None;
        }
        // A period with no telemetry, and none queued for it, could never be settled: no hold.
        let has_telemetry = p.has_telemetry()
            || rig.cursor.state.queue.iter().any(|r| r.timestamp > p.start && r.timestamp <= p.due_at);
        has_telemetry.then_some(p.due_at)
    }

    /// Whether holding more reports back would soon make the queue drop the oldest.
    fn queue_nearly_full(&self, i: usize) -> bool {
        self.queued(i) + MAX_BATCH >= self.schedule.max_queue
    }

    fn settle_failed(&mut self, i: usize, why: &str) -> u64 {
        let rig = &mut self.rigs[i];
        rig.settle_backoff = if rig.settle_backoff == 0 {
            self.schedule.retry_min
        } else {
            (rig.settle_backoff * 2).min(self.schedule.retry_max)
        };
        let delay = rig.settle_backoff;
        self.say(i, &format!("{why}; retrying in {delay} s"));
        delay
    }

    /// Settles the twin's period if it is due; returns when to look again.
    fn settle_rig(&mut self, i: usize, now: u64) -> u64 {
        let Some(source) = self.rigs[i].earnings.clone() else {
            return u64::MAX;
        };
        let token = self.rigs[i].token_id;
        let every = self.schedule.post_every;
        if self.rigs[i].cursor.state.in_flight.is_some() {
            // A batch is in flight: the period ends where it lands. Settle once it is known.
            return now + self.schedule.poll_every;
        }
        if let Some(pending) = self.rigs[i].cursor.state.settlement.clone() {
            if let Err(RetryIn(delay)) = self.resolve_settlement(i, &pending, now) {
                return now.saturating_add(delay);
            }
        }
        let mut period = match self.poster.period_of(token) {
            Ok(p) => p,
            Err(e) => return now + self.settle_failed(i, &format!("cannot read twin {token}'s period: {e}")),
        };
        self.rigs[i].period = Some(period);
        if now >= period.due_at && source.holds_period() && !self.queue_nearly_full(i) {
            // The period ends at dueAt: the reports up to it that are still queued go out first,
            // so that the period asked a figure for is the whole one, and then stays as it is.
            let due = period.due_at;
            let pending =
                self.rigs[i].cursor.state.queue.iter().any(|r| r.timestamp > period.end && r.timestamp <= due);
            if pending {
                self.post_rig(i, now);
                if self.rigs[i].cursor.state.in_flight.is_some() {
                    return now + self.schedule.poll_every;
                }
                period = match self.poster.period_of(token) {
                    Ok(p) => p,
                    Err(e) => return now + self.settle_failed(i, &format!("cannot read twin {token}'s period: {e}")),
                };
                self.rigs[i].period = Some(period);
            }
        }
        let (start, end) = (period.start, period.end);
        if !period.has_telemetry() {
            return now + every;
        }
        if now < period.due_at {
            return period.due_at.min(now + 3_600);
        }
        if source.holds_period() {
            let full = self.queue_nearly_full(i);
            let rig = &self.rigs[i];
            let said = if full { rig.release_said } else { rig.hold_said } == Some(start);
            if !said {
                let message = if full {
                    format!(
                        "{} reports are queued, near the limit of {}: posting the held ones rather than dropping any; twin {token}'s period {start}-{end} grows with them and needs a figure for its new end",
                        self.queued(i),
                        self.schedule.max_queue
                    )
                } else {
                    let when = if now >= period.late_at { "late" } else { "due" };
                    format!(
                        "twin {token}'s period {start}-{end} is {when} (due {}, late {}); holding reports after {} until it is settled",
                        crate::log::utc_timestamp(period.due_at),
                        crate::log::utc_timestamp(period.late_at),
                        period.due_at
                    )
                };
                if full {
                    self.rigs[i].release_said = Some(start);
                } else {
                    self.rigs[i].hold_said = Some(start);
                }
                self.say(i, &message);
            }
        }

        let (gross, how) = match self.gross_for(i, &source, &period) {
            Ok(Gross::Figure(g, how)) => (g, how),
            Ok(Gross::Missing(hint)) => {
                if self.rigs[i].no_figure_for != Some((start, end)) {
                    self.rigs[i].no_figure_for = Some((start, end));
                    self.say(
                        i,
                        &format!("no gross figure for twin {token}'s period {start}-{end}{hint}; waiting for one"),
                    );
                }
                return now + every;
            }
            Err(e) => {
                let why = format!("cannot get the gross for twin {token}'s period {start}-{end}: {e}; nothing sent");
                return now + self.settle_failed(i, &why);
            }
        };
        let quote = match self.poster.quote(token, gross) {
            Ok(q) => q,
            Err(e) => {
                return now + self.settle_failed(i, &format!("cannot quote twin {token}'s period {start}-{end}: {e}"))
            }
        };
        if (quote.period_start, quote.period_end) != (start, end) {
            self.say(
                i,
                &format!(
                    "twin {token}'s period moved from {start}-{end} to {}-{} while it was being quoted; asking again",
                    quote.period_start, quote.period_end
                ),
            );
            return now + self.schedule.poll_every;
        }
        // The operator keeps both caps: the quote's net is what the holder is owed.
        let (fee, electricity, net) = (quote.service_fee_cap, quote.electricity_cap, quote.net);
        let mut tx = match self.poster.prepare_settle(token, end, gross, fee, electricity, net) {
            Ok(tx) => tx,
            Err(PostError::NoOperatorKey { operator }) => {
                let delay = self.schedule.retry_max;
                self.say(
                    i,
                    &format!(
                        "no configured key is twin {token}'s operator {operator}; not settling its period {start}-{end}; retrying in {delay} s"
                    ),
                );
                return now + delay;
            }
            Err(PostError::Reverted(reason)) => {
                let why = format!("settling twin {token}'s period {start}-{end} would revert: {reason}; nothing sent");
                return now + self.settle_failed(i, &why);
            }
            Err(e) => {
                let why = format!("cannot prepare the settlement of twin {token}'s period {start}-{end}: {e}");
                return now + self.settle_failed(i, &why);
            }
        };
        tx.period_start = start;
        tx.period_end = end;
        tx.settled_before = period.settled;
        tx.sent_at = now;
        self.say(
            i,
            &format!(
                "settling twin {token}'s period {start}-{end} ({} Wh): gross {gross} wei ({how}), keeping the service fee cap {fee} wei and the electricity cap {electricity} wei, paying the net {net} wei in tx {}",
                quote.energy_wh, tx.tx_hash
            ),
        );
        // Journal first: a restart finds out what became of it before signing another.
        self.rigs[i].cursor.state.settlement = Some(tx.clone());
        self.save(i);
        match self.poster.broadcast_settlement(&tx) {
            Ok(()) => {}
            Err(PostError::NonceTooLow(m)) => {
                // A used nonce: this transaction can never land.
                self.rigs[i].cursor.state.settlement = None;
                self.save(i);
                self.say(i, &format!("nonce {} of {} was already used ({m}); re-signing", tx.nonce, tx.from));
                return now + self.schedule.poll_every;
            }
            Err(PostError::Rejected(m)) => {
                // The node refused it outright (funds, fees): it is in no mempool.
                self.rigs[i].cursor.state.settlement = None;
                self.save(i);
                return now + self.settle_failed(i, &format!("the node refused settlement tx {}: {m}", tx.tx_hash));
            }
            Err(e) => {
                // It may have reached the node: the journal keeps it, and only its bytes are re-sent.
                let why = format!("sending settlement tx {} failed ({e}); it stays journalled", tx.tx_hash);
                return now + self.settle_failed(i, &why);
            }
        }
        match self.poster.wait_settlement(&tx, self.schedule.receipt_timeout) {
            Ok(TxStatus::Mined { block, success: true }) => {
                self.settlement_landed(i, &tx, block);
                now + every
            }
            Ok(TxStatus::Mined { block, success: false }) => {
                self.rigs[i].cursor.state.settlement = None;
                self.save(i);
                let why = format!(
                    "settlement tx {} for twin {token}'s period {start}-{end} reverted in block {block}; the next attempt asks the chain why",
                    tx.tx_hash
                );
                now + self.settle_failed(i, &why)
            }
            Ok(TxStatus::Pending) | Ok(TxStatus::Unknown) => {
                let wait = self.schedule.poll_every;
                self.say(
                    i,
                    &format!(
                        "settlement tx {} not mined within {} s; holding twin {token}'s reports and looking for it again in {wait} s",
                        tx.tx_hash,
                        self.schedule.receipt_timeout.as_secs()
                    ),
                );
                now + wait
            }
            Err(e) => {
                let why = format!("sent settlement tx {} but lost the RPC while waiting for it ({e})", tx.tx_hash);
                now + self.settle_failed(i, &why)
            }
        }
    }

    /// Finds out what became of a journalled settlement (possibly from before a restart). `Ok`:
    /// it is resolved and the journal is clear; `Err`: not yet, and no new settlement may be
    /// signed for the twin.
    fn resolve_settlement(&mut self, i: usize, tx: &PendingSettlement, now: u64) -> Result<(), RetryIn> {
        let token = self.rigs[i].token_id;
        let (start, end) = (tx.period_start, tx.period_end);
        let status = match self.poster.wait_settlement(tx, Duration::ZERO) {
            Ok(s) => s,
            Err(e) => {
                let why = format!("cannot check settlement tx {}: {e}", tx.tx_hash);
                return Err(RetryIn(self.settle_failed(i, &why)));
            }
        };
        let status = match status {
            TxStatus::Unknown => {
                // Before ever sending again: what does the chain say about the period?
                let period = match self.poster.period_of(token) {
                    Ok(p) => p,
                    Err(e) => {
                        let why =
                            format!("cannot read twin {token}'s period to resolve settlement tx {}: {e}", tx.tx_hash);
                        return Err(RetryIn(self.settle_failed(i, &why)));
                    }
                };
                let settled = period.settled > tx.settled_before || period.start != start;
                if settled || period.end != end {
                    // The signed figure no longer fits the chain's period: it must never land.
                    let what = if settled {
                        format!("twin {token}'s period {start}-{end} was settled by another transaction")
                    } else {
                        format!("twin {token}'s period {start}-{end} has grown to {}-{}", period.start, period.end)
                    };
                    return match self.poster.nonce_used(&tx.from, tx.nonce) {
                        Ok(true) => {
                            self.rigs[i].cursor.state.settlement = None;
                            self.save(i);
                            self.say(i, &format!("{what}; dropped our settlement tx {}, which the node never had and whose nonce is used", tx.tx_hash));
                            Ok(())
                        }
                        Ok(false) => {
                            let delay = self.schedule.retry_max;
                            self.say(
                                i,
                                &format!(
                                    "{what} while our settlement tx {} is unknown to the node; not re-sending it (its figure would pay for another period) and not settling this twin until nonce {} of {} is used by any transaction; checking again in {delay} s",
                                    tx.tx_hash, tx.nonce, tx.from
                                ),
                            );
                            Err(RetryIn(delay))
                        }
                        Err(e) => {
                            Err(RetryIn(self.settle_failed(i, &format!("cannot read the nonce of {}: {e}", tx.from))))
                        }
                    };
                }
                // Still the same unsettled period: the same signed bytes, which can land only once.
                match self.poster.broadcast_settlement(tx) {
                    Ok(()) => {
                        self.say(
                            i,
                            &format!("node did not know settlement tx {}; re-sent the same signed bytes", tx.tx_hash),
                        );
                        self.poster.wait_settlement(tx, self.schedule.receipt_timeout).unwrap_or(TxStatus::Pending)
                    }
                    Err(PostError::NonceTooLow(_)) => {
                        self.rigs[i].cursor.state.settlement = None;
                        self.save(i);
                        self.say(
                            i,
                            &format!(
                                "settlement tx {} was replaced (its nonce is used) and twin {token}'s period {start}-{end} is still unsettled; settling it afresh",
                                tx.tx_hash
                            ),
                        );
                        return Ok(());
                    }
                    Err(e) => {
                        let why = format!("cannot re-send settlement tx {}: {e}", tx.tx_hash);
                        return Err(RetryIn(self.settle_failed(i, &why)));
                    }
                }
            }
            other => other,
        };
        match status {
            TxStatus::Mined { block, success: true } => {
                self.settlement_landed(i, tx, block);
                Ok(())
            }
            TxStatus::Mined { block, success: false } => {
                self.rigs[i].cursor.state.settlement = None;
                self.save(i);
                self.say(
                    i,
                    &format!(
                        "earlier settlement tx {} for twin {token}'s period {start}-{end} reverted in block {block}",
                        tx.tx_hash
                    ),
                );
                Ok(())
            }
            TxStatus::Pending | TxStatus::Unknown => {
                let wait = self.schedule.poll_every;
                self.say(
                    i,
                    &format!(
                        "settlement tx {} for twin {token}'s period {start}-{end} (sent {} s ago) is still pending; holding the twin's reports and not settling again until it is mined; checking again in {wait} s",
                        tx.tx_hash,
                        now.saturating_sub(tx.sent_at)
                    ),
                );
                Err(RetryIn(wait))
            }
        }
    }

    fn settlement_landed(&mut self, i: usize, tx: &PendingSettlement, block: u64) {
        let token = self.rigs[i].token_id;
        let rig = &mut self.rigs[i];
        rig.cursor.state.settlement = None;
        rig.cursor.settled_work_through(tx.period_end);
        rig.settle_backoff = 0;
        rig.no_figure_for = None;
        self.save(i);
        // The chain's word on where the period closed: a batch landing between the quote and
        // the settlement (from another reporter) would have moved it.
        let after = self.poster.period_of(token).ok();
        self.rigs[i].period = after;
        let moved = match after {
            Some(p) if p.start != tx.period_end => format!(
                "; warning: the chain closed the period at {}, not {}: telemetry landed between the quote and the settlement",
                p.start, tx.period_end
            ),
            _ => String::new(),
        };
        let kept = tx.service_fee + tx.electricity;
        let shortfall = if kept > tx.gross {
            format!(" (the fee and electricity exceed the gross by {} wei: nothing to credit)", kept - tx.gross)
        } else {
            String::new()
        };
        self.say(
            i,
            &format!(
                "settled twin {token}'s period {}-{} in tx {}, block {block}: gross {} wei, service fee {} wei, electricity {} wei, net {} wei credited to the holder{shortfall}{moved}",
                tx.period_start, tx.period_end, tx.tx_hash, tx.gross, tx.service_fee, tx.electricity, tx.net
            ),
        );
    }

    /// The gross for exactly the period, from the twin's source.
    fn gross_for(&mut self, i: usize, source: &EarningsSource, period: &Period) -> Result<Gross, String> {
        let token = self.rigs[i].token_id;
        let (start, end) = (period.start, period.end);
        match source {
            EarningsSource::File(path) => match earnings::gross_from_file(path, token, start, end)? {
                FileAnswer::Figure(g) => Ok(Gross::Figure(g, format!("from {}", path.display()))),
                FileAnswer::Missing { other } if other.is_empty() => {
                    Ok(Gross::Missing(format!(" in {}", path.display())))
                }
                FileAnswer::Missing { other } => {
                    let listed: Vec<String> = other.iter().map(|(s, e)| format!("{s}-{e}")).collect();
                    Ok(Gross::Missing(format!(
                        " in {} (it has {}, which is not this period)",
                        path.display(),
                        listed.join(", ")
                    )))
                }
            },
            EarningsSource::Command(command) => {
                match earnings::gross_from_command(command, token, start, end, earnings::COMMAND_TIMEOUT)? {
                    Some(g) => Ok(Gross::Figure(g, "from the gross command".into())),
                    None => Ok(Gross::Missing(" (the gross command printed nothing)".into())),
                }
            }
            EarningsSource::SimulatedPool { seed } => {
                let (work, from) = match earnings::work_from_ledger(&self.rigs[i].cursor.state.work, start, end) {
                    Some(w) => (w, "the reports this agent posted".to_string()),
                    None => {
                        let reports = self.poster.telemetry_between(token, start, end).map_err(|e| e.to_string())?;
                        let last = reports.last().map_or(start, |r| r.timestamp);
                        if last != end {
                            return Err(format!(
                                "the chain's telemetry logs reach only {last}, not the period's end {end}"
                            ));
                        }
                        let pairs: Vec<(u64, u64)> = reports.iter().map(|r| (r.timestamp, r.hashrate_ghs)).collect();
                        (earnings::work_ghs_s(start, &pairs), format!("the {} reports on chain", reports.len()))
                    }
                };
                let figures = self.poster.network_figures().map_err(|e| format!("cannot read the feeds: {e}"))?;
                let luck = earnings::luck(*seed, token, start);
                let gross = earnings::simulated_gross_wei(work, end - start, &figures, luck)?;
                let ths = work as f64 / 1_000.0 / (end - start) as f64;
                Ok(Gross::Figure(
                    gross,
                    format!(
                        "simulated pool: {ths:.1} TH/s mean from {from}, BTC ${:.0}, difficulty {:.4e}, fees {} BTC a block, ETH ${:.2}, luck {:+.2} %, less the 2 % pool fee",
                        figures.btc_usd.value(),
                        figures.difficulty.value(),
                        figures.fees_per_block.value(),
                        figures.eth_usd.value(),
                        (luck - 1.0) * 100.0
                    ),
                ))
            }
        }
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

/// What a twin's earnings source says about a period.
enum Gross {
    /// The figure, and where it came from (for the log).
    Figure(ethers_core::types::U256, String),
    /// No figure yet; the rest of the log line.
    Missing(String),
}

enum Revert {
    Retry,
    HoldAfter(u64),
    Stop(RetryIn),
}
