//! The hasher worker's side: runs inside a DedicatedWorkerGlobalScope, never touches the DOM.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;

use super::protocol::FromWorker;
use super::sha256d;

pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    post(&scope, &FromWorker::Ready { self_test_passed: sha256d::self_test() });
}

fn post(scope: &DedicatedWorkerGlobalScope, message: &FromWorker) {
    let value = serde_wasm_bindgen::to_value(message).unwrap_or(JsValue::NULL);
    // A worker whose parent has gone can only drop the message: nothing to report it to.
    let _ = scope.post_message(&value);
}
