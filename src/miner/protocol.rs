//! Messages between the pool (main thread) and a hasher worker, as JSON-compatible values.

use serde::{Deserialize, Serialize};

/// What a worker tells the pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FromWorker {
    /// The worker's wasm has loaded and its kernel reproduced the known vectors. Messages posted to
    /// a worker before this are dropped by the browser, so the pool waits for it.
    Ready { self_test_passed: bool },
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn ready_round_trips_through_json() {
        let message = FromWorker::Ready { self_test_passed: true };
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(json, r#"{"kind":"ready","selfTestPassed":true}"#);
        assert_eq!(serde_json::from_str::<FromWorker>(&json).unwrap(), message);
    }
}
