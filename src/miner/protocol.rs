//! Messages between the pool (main thread) and a hasher worker, as JSON-compatible values.

use serde::{Deserialize, Serialize};

/// What the pool asks of a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ToWorker {
    /// Hash `count` nonces from `start` of the job whose header (nonce ignored) and target are
    /// given. Replaces whatever the worker was doing.
    Scan {
        job_id: u32,
        /// 80 bytes. A `Vec` because serde does not derive for arrays past 32.
        header: Vec<u8>,
        /// 32 bytes, big-endian.
        target: Vec<u8>,
        start: u32,
        count: u32,
    },
    /// Percent of wall time to spend hashing, 10 to 100.
    Duty { percent: u8 },
    /// Stop hashing; the rest of the range is the pool's to hand out again.
    Halt,
}

/// What a worker tells the pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FromWorker {
    /// The worker's wasm has loaded and its kernel reproduced the known vectors. Messages posted to
    /// a worker before this are dropped by the browser, so the pool waits for it.
    Ready { self_test_passed: bool },
    /// `hashes` more nonces of the job are done, from where the last progress left off; `shares`
    /// are those among them that met the target.
    Progress { job_id: u32, hashes: u32, shares: Vec<u32> },
    /// The range of the last `Scan` is finished.
    RangeDone { job_id: u32 },
    /// The worker could not take the job (a malformed header or target).
    Refused { job_id: u32, reason: String },
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

    #[test]
    fn scan_and_progress_round_trip_through_json() {
        let scan = ToWorker::Scan { job_id: 3, header: vec![7; 80], target: vec![0xff; 32], start: 5, count: 9 };
        assert_eq!(serde_json::from_str::<ToWorker>(&serde_json::to_string(&scan).unwrap()).unwrap(), scan);
        let progress = FromWorker::Progress { job_id: 3, hashes: 65_536, shares: vec![17, 4_000] };
        let json = serde_json::to_string(&progress).unwrap();
        assert!(json.starts_with(r#"{"kind":"progress","jobId":3"#), "{json}");
        assert_eq!(serde_json::from_str::<FromWorker>(&json).unwrap(), progress);
    }
}
