//! The hasher worker's side: runs inside a DedicatedWorkerGlobalScope, never touches the DOM.
//!
//! The kernel runs in slices of about [`SLICE_MS`]; between slices the worker reports progress
//! and yields to its event loop, which is when the pool's messages (a new range, a new duty
//! cycle, halt) are handled. A throttled worker sleeps between slices in proportion to the time
//! it hashed.

use std::cell::RefCell;
use std::rc::Rc;

use ethers_core::types::U256;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageChannel, MessageEvent};

use super::kernel::{self, Kernel, PreparedJob};
use super::protocol::{self, FromWorker, ToWorker};
use super::sha256d;

/// Long enough that reporting and yielding cost next to nothing, short enough that a halt or a
/// new range is picked up at once as far as a person can tell.
const SLICE_MS: f64 = 100.0;
const FIRST_SLICE: u32 = 1 << 16;

#[cfg(target_arch = "wasm32")]
const KERNEL: Kernel = kernel::SIMD;
#[cfg(not(target_arch = "wasm32"))]
const KERNEL: Kernel = kernel::SCALAR;

struct Assignment {
    job_id: u32,
    job: PreparedJob,
    next: u32,
    remaining: u32,
}

struct State {
    assignment: Option<Assignment>,
    duty_percent: u8,
    slice: u32,
    running: bool,
}

pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state =
        Rc::new(RefCell::new(State { assignment: None, duty_percent: 100, slice: FIRST_SLICE, running: false }));

    let on_message = {
        let (scope, state) = (scope.clone(), state.clone());
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            // A message this worker cannot read comes from a page of another build: the pool is told,
            // and stops, rather than have this worker guess.
            match protocol::from_js(&event.data()).and_then(|words| ToWorker::decode(&words)) {
                Ok(message) => handle(&scope, &state, message),
                Err(error) => post(&scope, &FromWorker::Refused { error }),
            }
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();

    let self_test_passed = sha256d::self_test() && kernel::self_test(KERNEL);
    post(&scope, &FromWorker::Ready { self_test_passed });
}

fn handle(scope: &DedicatedWorkerGlobalScope, state: &Rc<RefCell<State>>, message: ToWorker) {
    let mut current = state.borrow_mut();
    match message {
        ToWorker::Scan { job_id, header, target, start, count } => {
            let job = PreparedJob::with_target(&header, U256::from_big_endian(&target));
            current.assignment = Some(Assignment { job_id, job, next: start, remaining: count });
            if !current.running {
                current.running = true;
                wasm_bindgen_futures::spawn_local(mine(scope.clone(), state.clone()));
            }
        }
        ToWorker::Duty { percent } => current.duty_percent = percent.clamp(10, 100),
        ToWorker::Halt => current.assignment = None,
    }
}

/// Hashes slice after slice until the assignment is done or withdrawn.
async fn mine(scope: DedicatedWorkerGlobalScope, state: Rc<RefCell<State>>) {
    let mut found = Vec::new();
    let Ok(channel) = MessageChannel::new() else { return };
    loop {
        let pause_ms = {
            let mut current = state.borrow_mut();
            let slice = current.slice;
            let duty_percent = current.duty_percent;
            let Some(assignment) = current.assignment.as_mut() else {
                current.running = false;
                return;
            };
            let count = assignment.remaining.min(slice);
            found.clear();
            let started = js_sys::Date::now();
            KERNEL(&assignment.job, assignment.next, count, &mut found);
            let elapsed_ms = (js_sys::Date::now() - started).max(1.0);
            found.retain(|&nonce| assignment.job.is_share(nonce));
            assignment.next = assignment.next.wrapping_add(count);
            assignment.remaining -= count;
            let job_id = assignment.job_id;
            post(&scope, &FromWorker::Progress { job_id, hashes: count, shares: found.clone() });
            if assignment.remaining == 0 {
                post(&scope, &FromWorker::RangeDone { job_id });
                current.assignment = None;
            }
            if count == slice {
                current.slice = next_slice(slice, elapsed_ms);
            }
            elapsed_ms * f64::from(100 - duty_percent) / f64::from(duty_percent)
        };
        if pause_ms >= 1.0 {
            gloo_timers::future::TimeoutFuture::new(pause_ms.round() as u32).await;
        } else {
            yield_to_events(&channel).await;
        }
    }
}

/// Steers the slice towards [`SLICE_MS`], at most doubling or halving per step so one slow slice
/// (a busy machine, a GC pause) does not swing it.
fn next_slice(slice: u32, elapsed_ms: f64) -> u32 {
    let ideal = f64::from(slice) * SLICE_MS / elapsed_ms;
    // max and min rather than clamp, whose panic message alone would bring float formatting into
    // the worker's download; the bounds here are in order and never NaN anyway.
    let steered = ideal.max(f64::from(slice) / 2.0).min(f64::from(slice) * 2.0);
    steered.max(1024.0).min(f64::from(1u32 << 26)) as u32
}

/// Lets the pool's messages in without the 4 ms floor browsers put on chained zero-delay timers,
/// which would cost an unthrottled worker several percent.
async fn yield_to_events(channel: &MessageChannel) {
    let promise = js_sys::Promise::new(&mut |resolve, _| channel.port1().set_onmessage(Some(&resolve)));
    if channel.port2().post_message(&JsValue::NULL).is_ok() {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

fn post(scope: &DedicatedWorkerGlobalScope, message: &FromWorker) {
    // A worker whose parent has gone can only drop the message: nothing to report it to.
    let _ = scope.post_message(&protocol::to_js(&message.encode()));
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn slices_steer_towards_the_target_time_without_swinging() {
        assert_eq!(next_slice(100_000, 100.0), 100_000);
        assert_eq!(next_slice(100_000, 50.0), 200_000);
        assert_eq!(next_slice(100_000, 10.0), 200_000, "at most doubles");
        assert_eq!(next_slice(100_000, 1_000.0), 50_000, "at most halves");
        assert_eq!(next_slice(1_024, 1_000.0), 1_024, "never below a floor");
    }
}
