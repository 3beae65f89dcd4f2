//! The pool's decisions, apart from the browser: which worker scans which nonces of which job, what
//! a worker's report changes, when a job is done with, and how many workers there should be.
//!
//! The pool (`pool.rs`) tells the [`Scheduler`] what happened (a worker's message, a worker's death,
//! the tab hidden or shown, the visitor's thread count, the clock) and carries out the
//! [`Command`]s it answers with. With no workers, timers or signals in here, every decision is
//! tested natively.
//!
//! A worker's messages name the job they are about, not the range: a message of a job since rotated
//! away changes nothing, but one of the current job sent before a halt and read after the resume is
//! taken for the worker's new range. That costs nonces hashed twice or skipped, never a wrong
//! share, since shares are checked against the job.

use std::collections::BTreeMap;

use super::job::BitsError;
use super::kernel::PreparedJob;
use super::nonces::{NonceRange, NonceRanges};
use super::protocol::FromWorker;
use super::shares::{JobSpec, JOB_LIFETIME_SECONDS, MAX_BATCH};
use crate::domain::Address;

/// Everything of a job but its seed and time: whom and what the pool mines for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiningTarget {
    pub chain_id: u64,
    pub ledger: Address,
    pub twin_id: u64,
    pub contributor: Address,
    pub bits: u32,
}

/// A worker's place in the pool, for as long as that worker lives. Never reused, so a message of a
/// worker the pool has let go cannot be taken for its successor's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotId(u32);

/// What the pool must do for the scheduler, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Have the slot's worker hash `count` nonces from `start` of the current job, `job_id`,
    /// instead of whatever it was doing.
    Scan { slot: SlotId, job_id: u32, start: u32, count: u32 },
    /// Have the slot's worker stop hashing. The rest of its range is already back with the
    /// scheduler.
    Halt { slot: SlotId },
    /// Let the slot's worker go (it is one too many, the pool stopped, or it died).
    Retire { slot: SlotId },
    /// Start this many more workers; take each in with [`Scheduler::adopt`].
    Spawn(usize),
    /// Draw a new job seed and hand it to [`Scheduler::rotate`].
    Rotate,
    /// Shares of the current job, verified here: queue them, then report the batch's size with
    /// [`Scheduler::on_shares_queued`].
    Queue { job_id: u32, job: JobSpec, nonces: Vec<u32> },
    /// A worker claimed this many nonces as shares that are not.
    Reject { count: u64 },
    /// A worker refused its job, which any other worker would refuse too: the pool must stop.
    Fail { reason: String },
}

/// The job the workers hash now.
#[derive(Debug, Clone)]
pub struct ActiveJob {
    pub id: u32,
    pub spec: JobSpec,
    pub prepared: PreparedJob,
    /// Its nonces not handed out yet, or handed out and given back unscanned.
    ranges: NonceRanges,
}

/// The range a worker was last given and has not reported done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Assignment {
    job_id: u32,
    range: NonceRange,
}

#[derive(Debug, Default)]
pub struct Scheduler {
    /// `None` while the pool is stopped.
    target: Option<MiningTarget>,
    job: Option<ActiveJob>,
    last_job_id: u32,
    last_slot_id: u32,
    /// Every worker's unfinished range, oldest worker first. The newest is retired first: the
    /// older ones have already tuned their slice length to this machine.
    slots: BTreeMap<SlotId, Option<Assignment>>,
    paused: bool,
    /// Bumped by every start and stop, so that a worker that finishes starting after a stop (or a
    /// stop and a new start) is turned away instead of joining a pool it was not started for.
    generation: u32,
}

impl Scheduler {
    /// Starts mining for `target`. Returns the generation to hand back to [`Self::adopt`] and
    /// [`Self::fit`] for the workers started for it.
    pub fn start(&mut self, target: MiningTarget) -> u32 {
        self.generation += 1;
        self.target = Some(target);
        self.generation
    }

    /// Stops mining: every worker goes, the job with them.
    pub fn stop(&mut self) -> Vec<Command> {
        self.generation += 1;
        self.target = None;
        self.job = None;
        self.paused = false;
        std::mem::take(&mut self.slots).into_keys().map(|slot| Command::Retire { slot }).collect()
    }

    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Whether nothing has started or stopped the pool since `generation` began.
    pub fn is_current(&self, generation: u32) -> bool {
        self.generation == generation
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    pub fn workers(&self) -> usize {
        self.slots.len()
    }

    pub fn job(&self) -> Option<&ActiveJob> {
        self.job.as_ref()
    }

    /// Replaces the job with a fresh one on `seed`, stamped `time` (unix seconds), and sets every
    /// worker on it. The old job's unscanned nonces are dropped: a seed is worth no more than
    /// another. Nothing to do while stopped.
    pub fn rotate(&mut self, seed: [u8; 32], time: u32) -> Result<Vec<Command>, BitsError> {
        let Some(target) = &self.target else { return Ok(Vec::new()) };
        let spec = JobSpec {
            chain_id: target.chain_id,
            ledger: target.ledger,
            twin_id: target.twin_id,
            contributor: target.contributor,
            seed,
            time,
            bits: target.bits,
        };
        let prepared = spec.prepare()?;
        self.last_job_id += 1;
        self.job = Some(ActiveJob { id: self.last_job_id, spec, prepared, ranges: NonceRanges::default() });
        if self.paused {
            return Ok(Vec::new());
        }
        Ok(self.slot_ids().into_iter().filter_map(|slot| self.assign(slot)).collect())
    }

    /// Takes a worker that has just started into the pool, unless the pool has been stopped or
    /// restarted since `generation` (then the worker must go: `None`).
    pub fn adopt(&mut self, generation: u32) -> Option<(SlotId, Vec<Command>)> {
        if !self.is_current(generation) {
            return None;
        }
        self.last_slot_id += 1;
        let slot = SlotId(self.last_slot_id);
        self.slots.insert(slot, None);
        let commands = if self.paused { Vec::new() } else { self.assign(slot).into_iter().collect() };
        Some((slot, commands))
    }

    /// Brings the pool to `wanted` workers: asks for the missing ones, or retires the newest. A
    /// pool restarted since `generation` is not this caller's to fit.
    pub fn fit(&mut self, generation: u32, wanted: usize) -> Vec<Command> {
        if !self.is_current(generation) {
            return Vec::new();
        }
        if let Some(spawn) = self.spawn_missing(wanted) {
            return vec![spawn];
        }
        let mut commands = Vec::new();
        while self.slots.len() > wanted {
            let Some((slot, assignment)) = self.slots.pop_last() else { break };
            self.give_back(assignment);
            commands.push(Command::Retire { slot });
        }
        commands
    }

    /// What a worker's message changes.
    pub fn on_message(&mut self, slot: SlotId, message: FromWorker) -> Vec<Command> {
        match message {
            FromWorker::Progress { job_id, hashes, shares } => self.on_progress(slot, job_id, hashes, &shares),
            FromWorker::RangeDone { job_id } => self.on_range_done(slot, job_id),
            FromWorker::Refused { error } => vec![Command::Fail { reason: error.to_string() }],
            // Only a worker that is starting says it is ready, and the pool waits for that itself.
            FromWorker::Ready { .. } => Vec::new(),
        }
    }

    /// A worker died: its range goes back to be scanned by another, and a replacement is asked
    /// for if the pool is now short of `wanted`.
    pub fn on_worker_died(&mut self, slot: SlotId, wanted: usize) -> Vec<Command> {
        let Some(assignment) = self.slots.remove(&slot) else { return Vec::new() };
        self.give_back(assignment);
        let mut commands = vec![Command::Retire { slot }];
        commands.extend(self.spawn_missing(wanted));
        commands
    }

    /// Pauses (every worker halts and its range comes back) or resumes (ranges go out again).
    /// `None` when the pool is stopped or already so.
    pub fn set_paused(&mut self, paused: bool) -> Option<Vec<Command>> {
        if self.paused == paused || self.target.is_none() {
            return None;
        }
        self.paused = paused;
        let slots = self.slot_ids().into_iter();
        Some(if paused {
            slots.map(|slot| self.halt(slot)).collect()
        } else {
            slots.filter_map(|slot| self.assign(slot)).collect()
        })
    }

    /// Rotates a job whose header time is further than its lifetime from `now` (unix seconds),
    /// before the ledger's time window closes on its shares.
    pub fn on_tick(&self, now: u64) -> Vec<Command> {
        let stale = self.job.as_ref().is_some_and(|job| now.abs_diff(job.spec.time.into()) > JOB_LIFETIME_SECONDS);
        if stale {
            vec![Command::Rotate]
        } else {
            Vec::new()
        }
    }

    /// Rotates once the current job's batch holds as many shares as the ledger takes in one.
    pub fn on_shares_queued(&self, job_id: u32, shares_in_batch: usize) -> Vec<Command> {
        let current = self.job.as_ref().is_some_and(|job| job.id == job_id);
        if current && shares_in_batch >= MAX_BATCH {
            vec![Command::Rotate]
        } else {
            Vec::new()
        }
    }

    fn on_progress(&mut self, slot: SlotId, job_id: u32, hashes: u32, shares: &[u32]) -> Vec<Command> {
        if let Some(entry) = self.slots.get_mut(&slot) {
            if let Some(assignment) = entry.filter(|assignment| assignment.job_id == job_id) {
                *entry = assignment.range.after(hashes).map(|range| Assignment { range, ..assignment });
            }
        }
        let Some(job) = self.job.as_ref().filter(|job| job.id == job_id) else { return Vec::new() };
        // A worker's word is not taken for it: every share is checked here.
        let (found, rejected): (Vec<u32>, Vec<u32>) = shares.iter().partition(|&&nonce| job.prepared.is_share(nonce));
        let mut commands = Vec::new();
        if !found.is_empty() {
            commands.push(Command::Queue { job_id, job: job.spec.clone(), nonces: found });
        }
        if !rejected.is_empty() {
            commands.push(Command::Reject { count: rejected.len() as u64 });
        }
        commands
    }

    fn on_range_done(&mut self, slot: SlotId, job_id: u32) -> Vec<Command> {
        let Some(entry) = self.slots.get_mut(&slot) else { return Vec::new() };
        if entry.is_some_and(|assignment| assignment.job_id == job_id) {
            *entry = None;
        }
        let current = self.job.as_ref().is_some_and(|job| job.id == job_id);
        if !current || self.paused {
            return Vec::new();
        }
        match self.assign(slot) {
            Some(scan) => vec![scan],
            None => vec![Command::Rotate],
        }
    }

    /// The slot's next range of the current job, or `None` when there is no job, no such slot, or
    /// no nonce of the job left to hand out.
    fn assign(&mut self, slot: SlotId) -> Option<Command> {
        let job = self.job.as_mut()?;
        let entry = self.slots.get_mut(&slot)?;
        let range = job.ranges.take()?;
        *entry = Some(Assignment { job_id: job.id, range });
        Some(Command::Scan { slot, job_id: job.id, start: range.start, count: range.count })
    }

    fn halt(&mut self, slot: SlotId) -> Command {
        let assignment = self.slots.get_mut(&slot).and_then(Option::take);
        self.give_back(assignment);
        Command::Halt { slot }
    }

    /// Returns a range to its job for another worker, unless the job has been rotated away.
    fn give_back(&mut self, assignment: Option<Assignment>) {
        let Some(assignment) = assignment else { return };
        if let Some(job) = self.job.as_mut().filter(|job| job.id == assignment.job_id) {
            job.ranges.give_back(assignment.range);
        }
    }

    fn spawn_missing(&self, wanted: usize) -> Option<Command> {
        let missing = wanted.saturating_sub(self.slots.len());
        (missing > 0).then_some(Command::Spawn(missing))
    }

    fn slot_ids(&self) -> Vec<SlotId> {
        self.slots.keys().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::miner::kernel::XorShift;
    use crate::miner::nonces::RANGE_LEN;
    use crate::miner::protocol::ProtocolError;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// About one nonce in 256 is a share: enough to find some in a few thousand.
    const EASY_BITS: u32 = 0x2000_ffff;
    const NOW: u32 = 1_764_000_000;
    const NONCE_SPACE: u64 = 1 << 32;

    fn target() -> MiningTarget {
        MiningTarget {
            chain_id: 31_337,
            ledger: Address([0x11; 20]),
            twin_id: 4,
            contributor: Address([0x22; 20]),
            bits: EASY_BITS,
        }
    }

    /// A started pool on job 1 with no worker yet.
    fn started() -> (Scheduler, u32) {
        let mut scheduler = Scheduler::default();
        let generation = scheduler.start(target());
        assert_eq!(scheduler.rotate([1; 32], NOW), Ok(Vec::new()), "no worker to set on the job yet");
        (scheduler, generation)
    }

    fn adopt(scheduler: &mut Scheduler, generation: u32) -> (SlotId, Vec<Command>) {
        scheduler.adopt(generation).expect("a worker started for this pool")
    }

    fn scan(slot: SlotId, job_id: u32, start: u32, count: u32) -> Command {
        Command::Scan { slot, job_id, start, count }
    }

    fn progress(job_id: u32, hashes: u32) -> FromWorker {
        FromWorker::Progress { job_id, hashes, shares: Vec::new() }
    }

    /// What the scheduler believes the slot's worker has left to hash: (job id, range).
    fn assignment(scheduler: &Scheduler, slot: SlotId) -> Option<(u32, NonceRange)> {
        scheduler.slots[&slot].map(|assignment| (assignment.job_id, assignment.range))
    }

    fn sorted_scans(commands: &[Command]) -> Vec<(u32, u32, u32)> {
        let mut scans: Vec<_> = commands
            .iter()
            .map(|command| match command {
                Command::Scan { job_id, start, count, .. } => (*job_id, *start, *count),
                other => panic!("expected only scans, got {other:?}"),
            })
            .collect();
        scans.sort();
        scans
    }

    #[test]
    fn ranges_go_out_once_and_a_dead_workers_rest_goes_out_again() {
        let (mut scheduler, generation) = started();
        let (first, first_commands) = adopt(&mut scheduler, generation);
        let (second, second_commands) = adopt(&mut scheduler, generation);
        assert_eq!(first_commands, vec![scan(first, 1, 0, RANGE_LEN)]);
        assert_eq!(second_commands, vec![scan(second, 1, RANGE_LEN, RANGE_LEN)]);

        assert_eq!(scheduler.on_message(second, progress(1, 1_000)), Vec::new());
        assert_eq!(scheduler.on_worker_died(second, 2), vec![Command::Retire { slot: second }, Command::Spawn(1)]);
        assert_eq!(scheduler.workers(), 1);
        assert_eq!(scheduler.on_worker_died(second, 2), Vec::new(), "its range is given back once");

        let (replacement, commands) = adopt(&mut scheduler, generation);
        assert_ne!(replacement, second, "slot ids are never reused");
        assert_eq!(commands, vec![scan(replacement, 1, RANGE_LEN + 1_000, RANGE_LEN - 1_000)]);
        let (fresh, commands) = adopt(&mut scheduler, generation);
        assert_eq!(commands, vec![scan(fresh, 1, 2 * RANGE_LEN, RANGE_LEN)]);
    }

    #[test]
    fn a_finished_range_brings_the_next_and_an_exhausted_job_rotates() {
        let (mut scheduler, generation) = started();
        let (slot, commands) = adopt(&mut scheduler, generation);
        assert_eq!(commands, vec![scan(slot, 1, 0, RANGE_LEN)]);

        let mut next_start = u64::from(RANGE_LEN);
        loop {
            assert_eq!(scheduler.on_message(slot, progress(1, RANGE_LEN)), Vec::new());
            assert_eq!(assignment(&scheduler, slot), None, "all of the range is hashed");
            let commands = scheduler.on_message(slot, FromWorker::RangeDone { job_id: 1 });
            if next_start == NONCE_SPACE {
                assert_eq!(commands, vec![Command::Rotate]);
                break;
            }
            assert_eq!(commands, vec![scan(slot, 1, next_start as u32, RANGE_LEN)]);
            next_start += u64::from(RANGE_LEN);
        }

        let commands = scheduler.rotate([2; 32], NOW).unwrap();
        assert_eq!(commands, vec![scan(slot, 2, 0, RANGE_LEN)]);
        assert_eq!(scheduler.job().unwrap().spec.seed, [2; 32]);
    }

    #[test]
    fn progress_shrinks_the_slots_range_and_a_stale_jobs_messages_change_nothing() {
        let (mut scheduler, generation) = started();
        let (slot, _) = adopt(&mut scheduler, generation);
        scheduler.on_message(slot, progress(1, 5_000));
        assert_eq!(assignment(&scheduler, slot), Some((1, NonceRange { start: 5_000, count: RANGE_LEN - 5_000 })));

        assert_eq!(scheduler.rotate([2; 32], NOW).unwrap(), vec![scan(slot, 2, 0, RANGE_LEN)]);
        scheduler.on_message(slot, progress(2, 3_000));
        // Sent before the worker read its new job, read after the pool set it.
        assert_eq!(scheduler.on_message(slot, progress(1, 7_000)), Vec::new());
        assert_eq!(scheduler.on_message(slot, FromWorker::RangeDone { job_id: 1 }), Vec::new());
        assert_eq!(assignment(&scheduler, slot), Some((2, NonceRange { start: 3_000, count: RANGE_LEN - 3_000 })));

        let gone = SlotId(u32::MAX);
        assert_eq!(scheduler.on_message(gone, progress(2, 10)), Vec::new());
        assert_eq!(scheduler.on_message(gone, FromWorker::RangeDone { job_id: 2 }), Vec::new());
        assert_eq!(scheduler.on_message(slot, FromWorker::Ready { self_test_passed: true }), Vec::new());
        assert_eq!(assignment(&scheduler, slot), Some((2, NonceRange { start: 3_000, count: RANGE_LEN - 3_000 })));
    }

    #[test]
    fn pausing_halts_every_worker_and_resuming_hands_the_ranges_out_again() {
        let (mut scheduler, generation) = started();
        let (first, _) = adopt(&mut scheduler, generation);
        let (second, _) = adopt(&mut scheduler, generation);
        scheduler.on_message(first, progress(1, 100));
        scheduler.on_message(second, progress(1, 200));

        assert_eq!(
            scheduler.set_paused(true),
            Some(vec![Command::Halt { slot: first }, Command::Halt { slot: second }])
        );
        assert!(scheduler.is_paused());
        assert_eq!(scheduler.set_paused(true), None, "already paused");
        assert_eq!((assignment(&scheduler, first), assignment(&scheduler, second)), (None, None));
        let (third, commands) = adopt(&mut scheduler, generation);
        assert_eq!(commands, Vec::new(), "a worker joining a paused pool waits");
        assert_eq!(scheduler.on_message(first, FromWorker::RangeDone { job_id: 1 }), Vec::new());

        let resumed = scheduler.set_paused(false).expect("it was paused");
        assert_eq!(
            sorted_scans(&resumed),
            vec![(1, 100, RANGE_LEN - 100), (1, RANGE_LEN + 200, RANGE_LEN - 200), (1, 2 * RANGE_LEN, RANGE_LEN)],
            "each remainder once, then a fresh range",
        );
        let slots: Vec<SlotId> = resumed
            .iter()
            .map(|command| match command {
                Command::Scan { slot, .. } => *slot,
                other => panic!("expected a scan, got {other:?}"),
            })
            .collect();
        assert_eq!(slots, vec![first, second, third]);

        scheduler.stop();
        assert_eq!(scheduler.set_paused(true), None, "a stopped pool has nothing to pause");
    }

    #[test]
    fn a_job_drawn_while_paused_goes_out_on_resume() {
        let (mut scheduler, generation) = started();
        let (slot, _) = adopt(&mut scheduler, generation);
        scheduler.set_paused(true);
        assert_eq!(scheduler.rotate([2; 32], NOW).unwrap(), Vec::new());
        assert_eq!(scheduler.set_paused(false), Some(vec![scan(slot, 2, 0, RANGE_LEN)]));
    }

    #[test]
    fn the_pool_grows_to_the_chosen_count_and_shrinks_newest_first() {
        let (mut scheduler, generation) = started();
        assert_eq!(scheduler.fit(generation, 3), vec![Command::Spawn(3)]);
        let slots: Vec<SlotId> = (0..3).map(|_| adopt(&mut scheduler, generation).0).collect();
        assert_eq!(scheduler.fit(generation, 3), Vec::new());
        scheduler.on_message(slots[2], progress(1, 10));

        assert_eq!(
            scheduler.fit(generation, 1),
            vec![Command::Retire { slot: slots[2] }, Command::Retire { slot: slots[1] }]
        );
        assert_eq!(scheduler.workers(), 1);
        assert_eq!(scheduler.fit(generation + 1, 5), Vec::new(), "not this caller's pool");

        assert_eq!(scheduler.fit(generation, 3), vec![Command::Spawn(2)]);
        let (_, first) = adopt(&mut scheduler, generation);
        let (_, second) = adopt(&mut scheduler, generation);
        assert_eq!(
            sorted_scans(&[first, second].concat()),
            vec![(1, RANGE_LEN, RANGE_LEN), (1, 2 * RANGE_LEN + 10, RANGE_LEN - 10)],
            "the retired workers' ranges go out again",
        );
    }

    #[test]
    fn a_dead_worker_is_replaced_only_up_to_the_chosen_count() {
        let (mut scheduler, generation) = started();
        let (first, _) = adopt(&mut scheduler, generation);
        let (second, _) = adopt(&mut scheduler, generation);
        assert_eq!(scheduler.on_worker_died(first, 1), vec![Command::Retire { slot: first }]);
        assert_eq!(scheduler.on_worker_died(second, 1), vec![Command::Retire { slot: second }, Command::Spawn(1)]);
    }

    #[test]
    fn a_worker_started_for_a_pool_since_stopped_is_turned_away() {
        let (mut scheduler, first_run) = started();
        let (slot, _) = adopt(&mut scheduler, first_run);
        assert_eq!(scheduler.stop(), vec![Command::Retire { slot }]);
        assert!(scheduler.job().is_none());
        assert_eq!(scheduler.workers(), 0);
        assert!(scheduler.adopt(first_run).is_none());

        let second_run = scheduler.start(target());
        assert!(scheduler.adopt(first_run).is_none(), "started before the restart");
        assert!(scheduler.is_current(second_run));
        assert!(scheduler.adopt(second_run).is_some());
    }

    #[test]
    fn a_job_further_than_its_lifetime_from_now_rotates() {
        let (scheduler, _) = started();
        let lifetime = JOB_LIFETIME_SECONDS;
        assert_eq!(scheduler.on_tick(u64::from(NOW) + lifetime), Vec::new());
        assert_eq!(scheduler.on_tick(u64::from(NOW) + lifetime + 1), vec![Command::Rotate]);
        assert_eq!(scheduler.on_tick(u64::from(NOW) - lifetime - 1), vec![Command::Rotate], "the clock went back");
        assert_eq!(Scheduler::default().on_tick(u64::from(NOW) * 2), Vec::new(), "no job, nothing to rotate");
    }

    #[test]
    fn only_verified_shares_of_the_current_job_are_queued() {
        let (mut scheduler, generation) = started();
        let (slot, _) = adopt(&mut scheduler, generation);
        let first_job = scheduler.job().unwrap().clone();
        let (shares, not_shares): (Vec<u32>, Vec<u32>) =
            (0..20_000).partition(|&nonce| first_job.prepared.is_share(nonce));
        let claimed = vec![shares[0], not_shares[0], shares[1], not_shares[1]];
        let commands = scheduler.on_message(slot, FromWorker::Progress { job_id: 1, hashes: 20_000, shares: claimed });
        assert_eq!(
            commands,
            vec![
                Command::Queue { job_id: 1, job: first_job.spec.clone(), nonces: vec![shares[0], shares[1]] },
                Command::Reject { count: 2 },
            ]
        );

        scheduler.rotate([2; 32], NOW).unwrap();
        let second_job = scheduler.job().unwrap().clone();
        let late = FromWorker::Progress { job_id: 1, hashes: 100, shares: vec![shares[2]] };
        assert_eq!(scheduler.on_message(slot, late), Vec::new(), "the old job is not this worker's to credit any more");
        let first_jobs_only: Vec<u32> =
            shares.iter().copied().filter(|&nonce| !second_job.prepared.is_share(nonce)).take(3).collect();
        let misfiled = FromWorker::Progress { job_id: 2, hashes: 100, shares: first_jobs_only };
        assert_eq!(scheduler.on_message(slot, misfiled), vec![Command::Reject { count: 3 }]);
    }

    #[test]
    fn a_full_batch_rotates_the_job_it_belongs_to() {
        let (mut scheduler, _) = started();
        assert_eq!(scheduler.on_shares_queued(1, MAX_BATCH - 1), Vec::new());
        assert_eq!(scheduler.on_shares_queued(1, MAX_BATCH), vec![Command::Rotate]);
        scheduler.rotate([2; 32], NOW).unwrap();
        assert_eq!(scheduler.on_shares_queued(1, MAX_BATCH), Vec::new(), "that job is no longer hashed");
    }

    #[test]
    fn a_refused_job_fails_the_pool() {
        let (mut scheduler, generation) = started();
        let (slot, _) = adopt(&mut scheduler, generation);
        let error = ProtocolError::Length { kind: 1, words: 31 };
        assert_eq!(
            scheduler.on_message(slot, FromWorker::Refused { error }),
            vec![Command::Fail { reason: "a message of kind 1 with 31 words".into() }]
        );
    }

    #[test]
    fn a_difficulty_with_no_valid_target_is_an_error_and_a_stopped_pool_draws_no_job() {
        let mut scheduler = Scheduler::default();
        assert_eq!(scheduler.rotate([1; 32], NOW), Ok(Vec::new()));
        assert!(scheduler.job().is_none());
        scheduler.start(MiningTarget { bits: 0x0480_0000, ..target() });
        assert_eq!(scheduler.rotate([1; 32], NOW), Err(BitsError::Negative(0x0480_0000)));
        assert!(scheduler.job().is_none());
    }

    /// Workers as the property test plays them: each hashes what it was last told and reports at
    /// once, so the scheduler's bookkeeping can be held against what was really hashed.
    struct Simulation {
        scheduler: Scheduler,
        generation: u32,
        wanted: usize,
        clock: u32,
        seeds: u8,
        /// What each live worker has left to hash: (job id, range).
        workers: BTreeMap<SlotId, Option<(u32, NonceRange)>>,
        /// The nonces hashed so far, by job: spans from start to end (exclusive), adjacent ones merged.
        hashed: BTreeMap<u32, BTreeMap<u64, u64>>,
        exhausted_jobs: usize,
    }

    impl Simulation {
        fn new(wanted: usize) -> Self {
            let mut simulation = Simulation {
                scheduler: Scheduler::default(),
                generation: 0,
                wanted,
                clock: NOW,
                seeds: 0,
                workers: BTreeMap::new(),
                hashed: BTreeMap::new(),
                exhausted_jobs: 0,
            };
            simulation.start();
            simulation
        }

        fn start(&mut self) {
            self.generation = self.scheduler.start(target());
            self.rotate();
            self.fit();
        }

        fn restart(&mut self) {
            let commands = self.scheduler.stop();
            self.carry_out(commands);
            assert!(self.workers.is_empty(), "stopping lets every worker go");
            self.start();
        }

        fn carry_out(&mut self, commands: Vec<Command>) {
            for command in commands {
                match command {
                    Command::Scan { slot, job_id, start, count } => {
                        let worker = self.workers.get_mut(&slot).expect("a scan for a live worker");
                        *worker = Some((job_id, NonceRange { start, count }));
                    }
                    Command::Halt { slot } => *self.workers.get_mut(&slot).expect("a halt for a live worker") = None,
                    Command::Retire { slot } => {
                        self.workers.remove(&slot).expect("a live worker retired");
                    }
                    Command::Spawn(_) => self.fit(),
                    Command::Rotate => {
                        let job = self.scheduler.job().expect("a job to rotate");
                        if job.ranges.clone().take().is_none() {
                            self.exhausted_jobs += 1;
                        }
                        self.rotate();
                    }
                    other => panic!("the simulated workers claim no shares and take every job: {other:?}"),
                }
            }
        }

        /// Starts workers one at a time until the pool has as many as wanted, as the pool does.
        fn fit(&mut self) {
            loop {
                let commands = self.scheduler.fit(self.generation, self.wanted);
                if !commands.iter().any(|command| matches!(command, Command::Spawn(_))) {
                    return self.carry_out(commands);
                }
                let (slot, commands) = self.scheduler.adopt(self.generation).expect("a worker for this pool");
                self.workers.insert(slot, None);
                self.carry_out(commands);
            }
        }

        fn rotate(&mut self) {
            self.seeds = self.seeds.wrapping_add(1);
            let commands = self.scheduler.rotate([self.seeds; 32], self.clock).expect("usable bits");
            self.carry_out(commands);
        }

        fn deliver(&mut self, slot: SlotId, message: FromWorker) {
            let commands = self.scheduler.on_message(slot, message);
            self.carry_out(commands);
        }

        /// The worker hashes up to `most` nonces of its range and reports them.
        fn hash(&mut self, slot: SlotId, most: u32) {
            let Some((job_id, range)) = self.workers[&slot] else { return };
            let hashes = most.min(range.count);
            self.record_hashed(job_id, range.start, hashes);
            let rest = range.after(hashes);
            self.workers.insert(slot, rest.map(|rest| (job_id, rest)));
            self.deliver(slot, progress(job_id, hashes));
            if rest.is_none() {
                self.deliver(slot, FromWorker::RangeDone { job_id });
            }
        }

        fn record_hashed(&mut self, job_id: u32, start: u32, count: u32) {
            let spans = self.hashed.entry(job_id).or_default();
            let (mut start, mut end) = (u64::from(start), u64::from(start) + u64::from(count));
            if let Some((&before_start, &before_end)) = spans.range(..end).next_back() {
                assert!(
                    before_end <= start,
                    "job {job_id}: nonces {start}..{end} hashed again (already {before_start}..{before_end})"
                );
                if before_end == start {
                    spans.remove(&before_start);
                    start = before_start;
                }
            }
            if let Some(after_end) = spans.remove(&end) {
                end = after_end;
            }
            spans.insert(start, end);
        }

        fn check(&self) {
            let believed: BTreeMap<SlotId, Option<(u32, NonceRange)>> = self
                .scheduler
                .slots
                .iter()
                .map(|(&slot, assignment)| (slot, assignment.map(|assignment| (assignment.job_id, assignment.range))))
                .collect();
            assert_eq!(believed, self.workers, "the scheduler knows what each worker has left");

            let Some(job) = self.scheduler.job() else { return };
            let span = |range: NonceRange| (u64::from(range.start), u64::from(range.start) + u64::from(range.count));
            let mut spans: Vec<(u64, u64)> =
                self.hashed.get(&job.id).into_iter().flatten().map(|(&start, &end)| (start, end)).collect();
            let being_hashed = self.workers.values().flatten().filter(|(id, _)| *id == job.id);
            spans.extend(being_hashed.map(|&(_, range)| span(range)));
            let mut pending = job.ranges.clone();
            while let Some(range) = pending.take() {
                spans.push(span(range));
            }
            spans.sort_unstable();
            let mut covered = 0;
            for (start, end) in spans {
                assert_eq!(start, covered, "job {}: nonces from {covered} lost or handed out twice", job.id);
                covered = end;
            }
            assert_eq!(covered, NONCE_SPACE, "job {}: the last nonces lost", job.id);
        }

        fn random_worker(&self, rng: &mut XorShift) -> Option<SlotId> {
            let slots: Vec<SlotId> = self.workers.keys().copied().collect();
            (!slots.is_empty()).then(|| slots[rng.next_u32() as usize % slots.len()])
        }
    }

    #[test]
    fn random_events_hash_no_nonce_twice_and_lose_no_range() {
        let mut exhausted_jobs = 0;
        for seed in 1..=6u64 {
            let mut rng = XorShift(0x4861_7368_5477_696e ^ seed);
            let mut simulation = Simulation::new(2);
            for _ in 0..4_000 {
                let roll = rng.next_u32() % 1_000;
                let worker = simulation.random_worker(&mut rng);
                match (roll, worker) {
                    (0..=349, Some(slot)) => simulation.hash(slot, 1 + rng.next_u32() % RANGE_LEN),
                    (350..=399, Some(slot)) => {
                        // Its Retire takes it out of `workers`.
                        let commands = simulation.scheduler.on_worker_died(slot, simulation.wanted);
                        simulation.carry_out(commands);
                    }
                    (400..=449, _) => {
                        let paused = !simulation.scheduler.is_paused();
                        let commands = simulation.scheduler.set_paused(paused).expect("a change while mining");
                        simulation.carry_out(commands);
                    }
                    (450..=499, _) => {
                        simulation.wanted = rng.next_u32() as usize % 5;
                        simulation.fit();
                    }
                    (500..=549, Some(slot)) => {
                        // A message of the last job, sent before the worker read its new one.
                        let stale_job = simulation.scheduler.job().expect("a job").id - 1;
                        let message = if rng.next_u32() < u32::MAX / 2 {
                            progress(stale_job, rng.next_u32() % RANGE_LEN)
                        } else {
                            FromWorker::RangeDone { job_id: stale_job }
                        };
                        simulation.deliver(slot, message);
                    }
                    (550..=599, _) => {
                        simulation.clock += rng.next_u32() % 60;
                        let commands = simulation.scheduler.on_tick(simulation.clock.into());
                        simulation.carry_out(commands);
                    }
                    (600..=649, _) => {
                        // From a worker the pool has let go, whose last messages were on their way.
                        let job_id = simulation.scheduler.job().expect("a job").id;
                        simulation.deliver(SlotId(u32::MAX), progress(job_id, 1));
                        simulation.deliver(SlotId(u32::MAX), FromWorker::RangeDone { job_id });
                    }
                    (650..=651, _) => simulation.restart(),
                    (_, Some(slot)) => simulation.hash(slot, u32::MAX),
                    (_, None) => {}
                }
                simulation.check();
            }
            assert!(simulation.scheduler.last_job_id > 3, "seed {seed}: jobs rotated");
            exhausted_jobs += simulation.exhausted_jobs;
        }
        assert!(exhausted_jobs > 0, "some job ran out of nonces");
    }
}
