//! The main thread's side of the hasher workers: starts them, carries their messages to the
//! scheduler (`schedule.rs`, which decides who hashes what, and checks what they find) and carries
//! out its answers, queues the shares, and keeps the live figures.
//!
//! Only one tab per origin mines (a Web Lock); the pool pauses while its tab is hidden and
//! replaces a worker that dies. The share queue is persisted on every change, since it is the
//! one thing a reload must not lose.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use futures::channel::oneshot;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker};

use super::job::CompactBits;
use super::meter::HashrateMeter;
use super::protocol::{self, FromWorker, ProtocolError, ToWorker};
pub use super::schedule::MiningTarget;
use super::schedule::{ActiveJob, Command, Scheduler, SlotId};
use super::shares::{BatchSignature, JobSpec, PendingBatch, ShareQueue};
use crate::domain::Address;
use crate::storage;

/// Absolute: a relative URL would resolve against the current route, and break on `/twin/7`.
pub const WORKER_SCRIPT: &str = "/hasher_loader.js";
const QUEUE_KEY: &str = "hashtwin.miner.queue";
const LOCK_NAME: &str = "hashtwin-miner";
/// Points of the hashrate chart: one every [`TICK_MS`] × 2, five minutes in all.
const HISTORY_POINTS: usize = 150;
const TICK_MS: u32 = 1_000;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkerError {
    #[error("the browser refused to start a worker: {0}")]
    Spawn(String),
    #[error("the hasher worker failed to load: {0}")]
    Load(String),
    #[error("the hasher worker sent a message this app does not understand: {0}")]
    Protocol(ProtocolError),
    #[error("the hasher worker went away before it was ready")]
    Gone,
    #[error("the hasher worker spoke before it said it was ready")]
    NotReady,
    #[error("the hasher's self-test failed: its SHA-256d does not match the reference")]
    SelfTest,
}

/// Starts a worker and waits for its ready message (messages posted before it would be lost).
pub async fn spawn_worker() -> Result<Worker, WorkerError> {
    let worker = Worker::new(WORKER_SCRIPT).map_err(|error| WorkerError::Spawn(format!("{error:?}")))?;
    let (sender, receiver) = oneshot::channel::<Result<FromWorker, WorkerError>>();
    let sender = Rc::new(RefCell::new(Some(sender)));

    let on_message = {
        let sender = sender.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let message = protocol::from_js(&event.data())
                .and_then(|words| FromWorker::decode(&words))
                .map_err(WorkerError::Protocol);
            if let Some(sender) = sender.borrow_mut().take() {
                let _ = sender.send(message);
            }
        })
    };
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
        if let Some(sender) = sender.borrow_mut().take() {
            let _ = sender.send(Err(WorkerError::Load(event.message())));
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

    let answer = receiver.await.unwrap_or(Err(WorkerError::Gone));
    worker.set_onmessage(None);
    worker.set_onerror(None);
    drop((on_message, on_error));

    match answer {
        Ok(FromWorker::Ready { self_test_passed: true }) => Ok(worker),
        Ok(FromWorker::Ready { self_test_passed: false }) => {
            worker.terminate();
            Err(WorkerError::SelfTest)
        }
        Ok(FromWorker::Refused { error }) => {
            worker.terminate();
            Err(WorkerError::Protocol(error))
        }
        Ok(_) => {
            worker.terminate();
            Err(WorkerError::NotReady)
        }
        Err(error) => {
            worker.terminate();
            Err(error)
        }
    }
}

/// Whether this engine runs WebAssembly SIMD, which the hasher module needs to load at all.
pub fn simd_supported() -> bool {
    // The smallest module with a v128 instruction: (func (result v128) i32.const 0 i8x16.splat
    // i8x16.popcnt end), as wasm-feature-detect checks it.
    const SIMD_PROBE: [u8; 31] =
        [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11];
    let probe = js_sys::Uint8Array::from(&SIMD_PROBE[..]);
    js_sys::WebAssembly::validate(&probe.into()).unwrap_or(false)
}

/// Threads this machine offers, as the browser reports them.
pub fn hardware_threads() -> usize {
    web_sys::window().map(|window| window.navigator().hardware_concurrency() as usize).unwrap_or(1).max(1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MinerStatus {
    Idle,
    Starting,
    Mining,
    /// The tab is hidden; mining resumes when it is shown.
    Paused,
    /// Another tab of this site holds the mining lock.
    OtherTab,
    Failed(String),
}

impl MinerStatus {
    pub fn is_active(&self) -> bool {
        matches!(self, MinerStatus::Starting | MinerStatus::Mining | MinerStatus::Paused)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MinerStats {
    pub rate_10s: f64,
    pub rate_60s: f64,
    pub total_hashes: u64,
    /// Shares found since the page loaded, verified on this thread.
    pub shares_found: u64,
    /// Expected hashes those shares prove: what the ledger will credit for them.
    pub work_found: f64,
    pub workers: usize,
    pub workers_replaced: u32,
    /// Nonces a worker or the stored queue claimed as shares that are not.
    pub rejected: u64,
}

/// The app's miner: idle until the visitor opts in on the mine page, then running across routes
/// until they stop it.
#[derive(Clone, Copy)]
pub struct Miner {
    pub status: RwSignal<MinerStatus>,
    pub stats: RwSignal<MinerStats>,
    /// The 10 s hashrate in H/s, sampled every two seconds, with the unix second of each sample.
    pub history: RwSignal<Vec<(u64, f64)>>,
    pub queue: RwSignal<ShareQueue>,
    pub threads: RwSignal<usize>,
    pub duty_percent: RwSignal<u8>,
    /// What the last check of the queue found wrong, in words.
    pub notice: RwSignal<Option<String>>,
    engine: StoredValue<Rc<RefCell<Engine>>, LocalStorage>,
}

/// Where the app keeps its miner: made on the first visit to the mine page rather than at start, so
/// that checking the stored queue, and the code that does it, stay out of the first route (issue
/// 15); owned by the app rather than by that page, so that mining goes on across routes.
#[derive(Clone)]
pub struct MinerSlot {
    app: Owner,
    miner: StoredValue<Option<Miner>, LocalStorage>,
}

impl MinerSlot {
    /// An empty slot, owned by the reactive owner it is made under: the app's.
    pub fn new() -> Self {
        Self {
            app: Owner::current().expect("the miner's slot is made inside the app"),
            miner: StoredValue::new_local(None),
        }
    }

    /// The app's miner, made now if this is the first ask.
    pub fn miner(&self) -> Miner {
        if let Some(miner) = self.miner.get_value() {
            return miner;
        }
        let miner = self.app.with(Miner::new);
        self.miner.set_value(Some(miner));
        miner
    }
}

impl Default for MinerSlot {
    fn default() -> Self {
        Self::new()
    }
}

/// A live worker and the handlers through which it talks to the pool.
struct Hasher {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl Drop for Hasher {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// The browser's side of the pool; every decision about work is the scheduler's.
#[derive(Default)]
struct Engine {
    scheduler: Scheduler,
    /// The workers, by the slot the scheduler gave each.
    hashers: BTreeMap<SlotId, Hasher>,
    meter: HashrateMeter,
    lock: Option<lock::Held>,
    ticker: Option<gloo_timers::callback::Interval>,
    visibility: Option<Closure<dyn FnMut()>>,
}

impl Miner {
    pub fn new() -> Self {
        let mut queue: ShareQueue = storage::get_json(QUEUE_KEY).unwrap_or_default();
        let rejected = queue.reverify();
        let miner = Miner {
            status: RwSignal::new(MinerStatus::Idle),
            stats: RwSignal::new(MinerStats { rejected: rejected as u64, ..Default::default() }),
            history: RwSignal::new(Vec::new()),
            queue: RwSignal::new(queue),
            threads: RwSignal::new((hardware_threads() / 2).max(1)),
            duty_percent: RwSignal::new(100),
            notice: RwSignal::new(None),
            engine: StoredValue::new_local(Rc::new(RefCell::new(Engine::default()))),
        };
        if rejected > 0 {
            miner.notice.set(Some(rejected_words(rejected)));
            miner.persist_queue();
        }
        miner
    }

    fn engine(&self) -> Rc<RefCell<Engine>> {
        self.engine.get_value()
    }

    /// Opts in: takes the mining lock, starts the workers and hashes for `target`.
    pub fn start(self, target: MiningTarget) {
        if self.status.get_untracked().is_active() {
            return;
        }
        self.status.set(MinerStatus::Starting);
        let generation = self.engine().borrow_mut().scheduler.start(target);
        leptos::task::spawn_local(async move {
            let Some(held) = lock::try_acquire().await else {
                return self.status.set(MinerStatus::OtherTab);
            };
            if !self.engine().borrow().scheduler.is_current(generation) {
                return;
            }
            self.engine().borrow_mut().lock = Some(held);
            if let Err(error) = self.rotate_job() {
                self.stop();
                return self.status.set(MinerStatus::Failed(error));
            }
            match spawn_worker().await {
                Ok(worker) => self.adopt(worker, generation),
                Err(error) => {
                    self.stop();
                    return self.status.set(MinerStatus::Failed(format!("The miner could not start: {error}.")));
                }
            }
            self.engine().borrow_mut().meter.start(js_sys::Date::now());
            self.watch_visibility();
            self.start_ticker();
            let paused = self.engine().borrow().scheduler.is_paused();
            self.status.set(if paused { MinerStatus::Paused } else { MinerStatus::Mining });
            self.fit_workers(generation).await;
        });
    }

    /// Stops hashing and releases the lock; the queue stays.
    pub fn stop(self) {
        let retired = self.engine().borrow_mut().scheduler.stop();
        self.carry_out(retired);
        let engine = self.engine();
        let mut engine = engine.borrow_mut();
        engine.lock = None;
        engine.ticker = None;
        engine.meter.stop();
        if let Some(listener) = engine.visibility.take() {
            if let Some(document) = web_sys::window().and_then(|window| window.document()) {
                let _ =
                    document.remove_event_listener_with_callback("visibilitychange", listener.as_ref().unchecked_ref());
            }
        }
        drop(engine);
        self.stats.update(|stats| {
            stats.workers = 0;
            stats.rate_10s = 0.0;
            stats.rate_60s = 0.0;
        });
        if self.status.get_untracked().is_active() {
            self.status.set(MinerStatus::Idle);
        }
    }

    pub fn set_threads(self, threads: usize) {
        self.threads.set(threads.clamp(1, hardware_threads()));
        let generation = self.engine().borrow().scheduler.generation();
        if self.status.get_untracked().is_active() {
            leptos::task::spawn_local(async move { self.fit_workers(generation).await });
        }
    }

    pub fn set_duty(self, percent: u8) {
        let percent = percent.clamp(10, 100);
        self.duty_percent.set(percent);
        for hasher in self.engine().borrow().hashers.values() {
            post(&hasher.worker, &ToWorker::Duty { percent });
        }
    }

    /// Starts or stops workers until there are as many as the visitor chose. Starts them one at a
    /// time and asks again after each, since the visitor may choose another count meanwhile.
    async fn fit_workers(self, generation: u32) {
        loop {
            let wanted = self.threads.get_untracked();
            let commands = self.engine().borrow_mut().scheduler.fit(generation, wanted);
            if !commands.iter().any(|command| matches!(command, Command::Spawn(_))) {
                return self.carry_out(commands);
            }
            match spawn_worker().await {
                Ok(worker) => self.adopt(worker, generation),
                Err(error) => return self.notice.set(Some(format!("A hasher worker could not start: {error}."))),
            }
        }
    }

    /// Takes a ready worker into the pool and gives it work, unless the pool stopped meanwhile.
    fn adopt(self, worker: Worker, generation: u32) {
        let adopted = self.engine().borrow_mut().scheduler.adopt(generation);
        let Some((slot, commands)) = adopted else {
            worker.terminate();
            return;
        };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            match protocol::from_js(&event.data()).and_then(|words| FromWorker::decode(&words)) {
                Ok(message) => self.on_message(slot, message),
                // The worker is of another build than this page: it cannot be trusted to hash.
                Err(error) => {
                    self.stop();
                    self.status
                        .set(MinerStatus::Failed(format!("The miner stopped: {}.", WorkerError::Protocol(error))));
                }
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            event.prevent_default();
            self.on_worker_died(slot);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        post(&worker, &ToWorker::Duty { percent: self.duty_percent.get_untracked() });
        let hasher = Hasher { worker, _on_message: on_message, _on_error: on_error };
        self.engine().borrow_mut().hashers.insert(slot, hasher);
        self.carry_out(commands);
        self.show_worker_count();
    }

    fn on_message(self, slot: SlotId, message: FromWorker) {
        let commands = {
            let engine = self.engine();
            let mut engine = engine.borrow_mut();
            if let FromWorker::Progress { hashes, .. } = &message {
                engine.meter.record(js_sys::Date::now(), (*hashes).into());
            }
            engine.scheduler.on_message(slot, message)
        };
        self.carry_out(commands);
    }

    fn on_worker_died(self, slot: SlotId) {
        let wanted = self.threads.get_untracked();
        let commands = self.engine().borrow_mut().scheduler.on_worker_died(slot, wanted);
        if commands.is_empty() {
            // A worker the pool had already let go.
            return;
        }
        self.stats.update(|stats| stats.workers_replaced += 1);
        self.carry_out(commands);
    }

    /// Does what the scheduler asked, in order. A failure stops the pool, and what was left to do
    /// with it.
    fn carry_out(self, commands: Vec<Command>) {
        let mut workers_changed = false;
        for command in commands {
            match command {
                Command::Scan { slot, job_id, start, count } => {
                    self.engine().borrow().post_scan(slot, job_id, start, count);
                }
                Command::Halt { slot } => self.engine().borrow().post_to(slot, &ToWorker::Halt),
                Command::Retire { slot } => {
                    self.engine().borrow_mut().hashers.remove(&slot);
                    workers_changed = true;
                }
                Command::Spawn(_) => {
                    let generation = self.engine().borrow().scheduler.generation();
                    leptos::task::spawn_local(async move { self.fit_workers(generation).await });
                }
                Command::Rotate => {
                    if let Err(error) = self.rotate_job() {
                        self.stop();
                        return self.status.set(MinerStatus::Failed(error));
                    }
                }
                Command::Queue { job_id, job, nonces } => self.queue_shares(job_id, &job, &nonces),
                Command::Reject { count } => self.stats.update(|stats| stats.rejected += count),
                Command::Fail { reason } => {
                    self.stop();
                    return self.status.set(MinerStatus::Failed(format!("The hasher refused its job: {reason}.")));
                }
            }
        }
        if workers_changed {
            self.show_worker_count();
        }
    }

    fn show_worker_count(self) {
        let workers = self.engine().borrow().scheduler.workers();
        self.stats.update(|stats| stats.workers = workers);
    }

    /// Queues shares the scheduler has verified, counts them, and lets the scheduler see how full
    /// their batch is.
    fn queue_shares(self, job_id: u32, job: &JobSpec, nonces: &[u32]) {
        let mut shares_in_batch = 0;
        self.queue.update(|queue| {
            // Past a full batch the rest are dropped: the scheduler rotates to a new job below.
            for &nonce in nonces {
                queue.add(job, nonce);
            }
            shares_in_batch = queue.shares_of(job);
        });
        self.persist_queue();
        // Bits that made a job have a target, so they have a work per share.
        let work_per_share = CompactBits(job.bits).work_per_share().map_or(0.0, |work| work.as_u128() as f64);
        self.stats.update(|stats| {
            stats.shares_found += nonces.len() as u64;
            stats.work_found += work_per_share * nonces.len() as f64;
        });
        let commands = self.engine().borrow().scheduler.on_shares_queued(job_id, shares_in_batch);
        self.carry_out(commands);
    }

    /// Draws a new job seed for the current target and sets every worker on it.
    fn rotate_job(self) -> Result<(), String> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|error| format!("No randomness for a job seed: {error}."))?;
        let time = (js_sys::Date::now() / 1_000.0) as u32;
        let commands = self
            .engine()
            .borrow_mut()
            .scheduler
            .rotate(seed, time)
            .map_err(|error| format!("The ledger's minimum difficulty is not usable: {error}."))?;
        self.carry_out(commands);
        Ok(())
    }

    /// The job the workers hash now, if any.
    pub fn current_job(&self) -> Option<JobSpec> {
        self.engine().borrow().scheduler.job().map(|job| job.spec.clone())
    }

    /// The next batch to submit for `contributor` on `chain_id`, verified again from what is
    /// stored (stored state can be edited behind the app's back). If the workers are still on its
    /// job, they move to a new seed first, since the ledger takes a seed only once.
    pub fn take_batch_for_submission(
        self,
        chain_id: u64,
        contributor: Address,
        now: u64,
    ) -> Result<PendingBatch, String> {
        self.take_batch(chain_id, contributor, None, now)
    }

    /// [`Self::take_batch_for_submission`] for one job's batch, or the oldest when `job` is `None`:
    /// to submit it or to sign it for a relayer, which both close it.
    pub fn take_batch(
        self,
        chain_id: u64,
        contributor: Address,
        job: Option<&JobSpec>,
        now: u64,
    ) -> Result<PendingBatch, String> {
        let mut queue: ShareQueue = storage::get_json(QUEUE_KEY).unwrap_or_else(|| self.queue.get_untracked());
        let rejected = queue.reverify();
        self.queue.set(queue.clone());
        self.persist_queue();
        if rejected > 0 {
            self.stats.update(|stats| stats.rejected += rejected as u64);
            self.notice.set(Some(rejected_words(rejected)));
        }
        let batch = queue
            .submittable(chain_id, contributor)
            .find(|batch| job.is_none_or(|job| batch.job == *job))
            .cloned()
            .ok_or_else(|| {
                if rejected > 0 {
                    format!("{} Nothing was sent.", rejected_words(rejected))
                } else if job.is_some() {
                    "These shares are no longer in this browser.".to_string()
                } else {
                    "No shares to submit yet.".to_string()
                }
            })?;
        if !batch.job.within_time_drift(now) {
            return Err("These shares are over two hours old and the ledger no longer takes them: discard them.".into());
        }
        if self.current_job().as_ref() == Some(&batch.job) {
            self.rotate_job()?;
        }
        Ok(batch)
    }

    /// Closes a batch with the contributor's signature over it, for a relayer; it stays queued until
    /// the ledger is seen to credit it.
    pub fn sign_batch(self, batch: &PendingBatch, signature: BatchSignature) -> Result<(), String> {
        let mut signed = false;
        self.queue.update(|queue| signed = queue.sign(batch, signature));
        self.persist_queue();
        signed
            .then_some(())
            .ok_or_else(|| "These shares changed in this browser while you signed: sign them again.".to_string())
    }

    /// Drops a job's shares: submitted, or given up on.
    pub fn forget_batch(self, job: &JobSpec) {
        self.queue.update(|queue| queue.remove(job));
        self.persist_queue();
    }

    fn persist_queue(&self) {
        let kept = self.queue.with_untracked(|queue| storage::store_json(QUEUE_KEY, queue));
        if let Err(why) = kept {
            self.notice.set(Some(format!(
                "The shares found are not saved in this browser ({why}): submit them before closing the tab."
            )));
        }
    }

    fn watch_visibility(self) {
        let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
        let listener = Closure::<dyn FnMut()>::new({
            let document = document.clone();
            move || self.set_paused(document.hidden())
        });
        let _ = document.add_event_listener_with_callback("visibilitychange", listener.as_ref().unchecked_ref());
        self.engine().borrow_mut().visibility = Some(listener);
        if document.hidden() {
            self.set_paused(true);
        }
    }

    fn set_paused(self, paused: bool) {
        let changed = self.engine().borrow_mut().scheduler.set_paused(paused);
        let Some(commands) = changed else { return };
        self.carry_out(commands);
        if self.status.get_untracked().is_active() {
            self.status.set(if paused { MinerStatus::Paused } else { MinerStatus::Mining });
        }
    }

    fn start_ticker(self) {
        let mut ticks = 0u32;
        let ticker = gloo_timers::callback::Interval::new(TICK_MS, move || {
            ticks += 1;
            let now = js_sys::Date::now();
            let (rate_10s, rate_60s, total, commands) = {
                let engine = self.engine();
                let engine = engine.borrow();
                (
                    engine.meter.rate(now, 10_000.0),
                    engine.meter.rate(now, 60_000.0),
                    engine.meter.total(),
                    engine.scheduler.on_tick((now / 1_000.0) as u64),
                )
            };
            self.stats.update(|stats| {
                stats.rate_10s = rate_10s;
                stats.rate_60s = rate_60s;
                stats.total_hashes = total;
            });
            if ticks.is_multiple_of(2) {
                self.history.update(|history| {
                    history.push(((now / 1_000.0) as u64, rate_10s));
                    let excess = history.len().saturating_sub(HISTORY_POINTS);
                    history.drain(..excess);
                });
            }
            self.carry_out(commands);
        });
        self.engine().borrow_mut().ticker = Some(ticker);
    }
}

impl Default for Miner {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine {
    fn post_scan(&self, slot: SlotId, job_id: u32, start: u32, count: u32) {
        let Some(job) = self.scheduler.job() else { return };
        debug_assert_eq!(job.id, job_id, "a scan is carried out before the scheduler can draw another job");
        self.post_to(slot, &scan_message(job, start, count));
    }

    fn post_to(&self, slot: SlotId, message: &ToWorker) {
        if let Some(hasher) = self.hashers.get(&slot) {
            post(&hasher.worker, message);
        }
    }
}

fn scan_message(job: &ActiveJob, start: u32, count: u32) -> ToWorker {
    let mut target = [0u8; 32];
    job.prepared.target().to_big_endian(&mut target);
    ToWorker::Scan { job_id: job.id, header: job.prepared.header(0), target, start, count }
}

fn post(worker: &Worker, message: &ToWorker) {
    // A worker that has died cannot take messages; its error handler replaces it.
    let _ = worker.post_message(&protocol::to_js(&message.encode()));
}

fn rejected_words(rejected: usize) -> String {
    match rejected {
        1 => "1 stored share failed verification and was removed.".to_string(),
        n => format!("{n} stored shares failed verification and were removed."),
    }
}

/// The Web Lock that makes one tab per origin the miner.
mod lock {
    use super::*;

    /// Held until dropped.
    pub struct Held {
        release: Option<js_sys::Function>,
    }

    impl Drop for Held {
        fn drop(&mut self) {
            if let Some(release) = self.release.take() {
                let _ = release.call0(&JsValue::UNDEFINED);
            }
        }
    }

    fn locks() -> Option<JsValue> {
        let navigator = web_sys::window()?.navigator();
        js_sys::Reflect::get(&navigator, &"locks".into()).ok().filter(|locks| !locks.is_undefined())
    }

    /// The lock, or `None` when another tab holds it. A browser without Web Locks cannot tell, and
    /// gets the lock.
    pub async fn try_acquire() -> Option<Held> {
        let Some(locks) = locks() else { return Some(Held { release: None }) };
        let request: js_sys::Function = js_sys::Reflect::get(&locks, &"request".into()).ok()?.dyn_into().ok()?;
        let (granted, answer) = oneshot::channel::<Option<js_sys::Function>>();
        let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
            if lock.is_null() {
                let _ = granted.send(None);
                return JsValue::UNDEFINED;
            }
            // The lock is held for as long as this promise is pending.
            let mut release = None;
            let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
            let _ = granted.send(release);
            held.into()
        });
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE).ok()?;
        request.call3(&locks, &LOCK_NAME.into(), &options, &callback).ok()?;
        answer.await.ok().flatten().map(|release| Held { release: Some(release) })
    }

    /// Whether some tab of this origin mines now.
    pub async fn held_elsewhere() -> bool {
        let Some(locks) = locks() else { return false };
        let Ok(query) =
            js_sys::Reflect::get(&locks, &"query".into()).and_then(|query| query.dyn_into::<js_sys::Function>())
        else {
            return false;
        };
        let Ok(promise) = query.call0(&locks).and_then(|promise| promise.dyn_into::<js_sys::Promise>()) else {
            return false;
        };
        let Ok(snapshot) = wasm_bindgen_futures::JsFuture::from(promise).await else { return false };
        let held = js_sys::Reflect::get(&snapshot, &"held".into()).unwrap_or(JsValue::UNDEFINED);
        js_sys::Array::from(&held).iter().any(|lock| {
            js_sys::Reflect::get(&lock, &"name".into()).ok().and_then(|name| name.as_string()).as_deref()
                == Some(LOCK_NAME)
        })
    }
}

pub use lock::held_elsewhere as mining_elsewhere;

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Node has SIMD: a probe that says otherwise is malformed, and would lock every visitor out.
    #[test]
    fn the_simd_probe_validates_where_simd_exists() {
        assert!(super::simd_supported());
    }
}
