//! The per-twin cursor: the newest timestamp known to be on chain, the reports waiting to be
//! posted, and the signed transaction in flight (if any).
//!
//! It is rewritten after every change with write-to-temp + fsync + rename, so a crash leaves
//! either the old or the new file, never a torn one. Journalling the in-flight transaction
//! before it is broadcast is what lets a restarted agent find out whether its last batch
//! landed instead of signing the same reports again.
//!
//! The same discipline holds for settlements: the signed `settle` transaction is journalled (with
//! the period it was meant for) before it is sent, and a restarted agent finds out what became of
//! it, against `periodOf`, before it signs another.

use crate::normalise::TelemetryReport;
use ethers_core::types::U256;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const VERSION: u32 = 1;
/// The most batches' work kept (simulate mode) while no settlement prunes them: about ten days
/// at one batch every three minutes. Beyond, the oldest go and the chain's logs answer instead.
const MAX_WORK_ENTRIES: usize = 5_000;

/// A signed `reportTelemetry` transaction, kept until its fate is known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    pub tx_hash: String,
    /// The signed transaction, hex: rebroadcasting the same bytes can never post twice.
    pub raw_tx: String,
    pub from: String,
    pub nonce: u64,
    pub first_timestamp: u64,
    pub last_timestamp: u64,
    pub count: usize,
    pub sent_at: u64,
}

/// A signed `TwinEarnings.settle` transaction, journalled before it is sent and kept until its
/// fate is known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSettlement {
    pub tx_hash: String,
    /// The signed transaction, hex: only these bytes are ever re-sent for this period.
    pub raw_tx: String,
    pub from: String,
    pub nonce: u64,
    /// The period the figure is for, as `periodOf` gave it when the transaction was signed.
    pub period_start: u64,
    pub period_end: u64,
    /// `periodOf(..).settled` when it was signed: a higher count means a settlement landed.
    pub settled_before: u32,
    pub gross: U256,
    pub service_fee: U256,
    pub electricity: U256,
    /// What the transaction pays in: exactly the quote's net.
    pub net: U256,
    pub sent_at: u64,
}

/// The hash work of one landed telemetry batch of a simulated rig: hashrate × min(gap, 1 h)
/// summed over its reports, the gap of the first counted from `prev`, the report before it on
/// chain (the registry's energy-meter rule). The simulated pool pays for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkEntry {
    pub prev: u64,
    pub last: u64,
    /// GH/s × s.
    pub work_ghs_s: u128,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwinState {
    pub version: u32,
    pub token_id: u64,
    /// Newest report timestamp known to be on chain; nothing at or before it is ever posted.
    pub last_posted: u64,
    pub queue: VecDeque<TelemetryReport>,
    pub in_flight: Option<InFlight>,
    /// The settlement sent and not yet known to have landed or failed.
    #[serde(default)]
    pub settlement: Option<PendingSettlement>,
    /// Simulate mode: the hash work of the batches posted since the last settled period.
    #[serde(default)]
    pub work: Vec<WorkEntry>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum PushOutcome {
    Queued,
    /// The clock went backwards or two polls fell in the same second: the chain would reject
    /// the report as out of order, so it is not queued.
    NotNewer {
        newest: u64,
    },
    /// The queue was full; the oldest report was dropped to make room.
    QueuedDroppingOldest {
        dropped: u64,
    },
}

pub struct Cursor {
    path: PathBuf,
    pub state: TwinState,
    max_queue: usize,
}

impl Cursor {
    pub fn path_for(dir: &Path, token_id: u64) -> PathBuf {
        dir.join(format!("twin-{token_id}.json"))
    }

    /// Loads the twin's cursor, or starts an empty one. A file that cannot be parsed is moved
    /// aside (`.corrupt`) rather than deleted, and the returned flag says so; the chain's
    /// `lastTelemetryAt` still guards against re-posting.
    pub fn open(dir: &Path, token_id: u64, max_queue: usize) -> io::Result<(Cursor, bool)> {
        fs::create_dir_all(dir)?;
        let path = Self::path_for(dir, token_id);
        let fresh = TwinState {
            version: VERSION,
            token_id,
            last_posted: 0,
            queue: VecDeque::new(),
            in_flight: None,
            settlement: None,
            work: Vec::new(),
        };
        let (state, corrupt) = match fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<TwinState>(&bytes) {
                Ok(state) if state.token_id == token_id => (state, false),
                _ => {
                    fs::rename(&path, path.with_extension("json.corrupt"))?;
                    (fresh, true)
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => (fresh, false),
            Err(e) => return Err(e),
        };
        Ok((Cursor { path, state, max_queue: max_queue.max(1) }, corrupt))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The newest timestamp queued or posted: a new report must be after it.
    pub fn newest(&self) -> u64 {
        self.state.queue.back().map_or(self.state.last_posted, |r| r.timestamp.max(self.state.last_posted))
    }

    pub fn push(&mut self, report: TelemetryReport) -> PushOutcome {
        let newest = self.newest();
        if report.timestamp <= newest {
            return PushOutcome::NotNewer { newest };
        }
        self.state.queue.push_back(report);
        if self.state.queue.len() > self.max_queue {
            let dropped = self.state.queue.pop_front().map_or(0, |r| r.timestamp);
            return PushOutcome::QueuedDroppingOldest { dropped };
        }
        PushOutcome::Queued
    }

    /// Records that everything up to `timestamp` is on chain; returns how many queued reports
    /// that made redundant.
    pub fn posted_through(&mut self, timestamp: u64) -> usize {
        self.state.last_posted = self.state.last_posted.max(timestamp);
        let before = self.state.queue.len();
        let last = self.state.last_posted;
        self.state.queue.retain(|r| r.timestamp > last);
        before - self.state.queue.len()
    }

    /// The oldest `max` queued reports: the next batch.
    pub fn batch(&self, max: usize) -> Vec<TelemetryReport> {
        self.state.queue.iter().take(max).copied().collect()
    }

    pub fn remove_timestamp(&mut self, timestamp: u64) {
        self.state.queue.retain(|r| r.timestamp != timestamp);
    }

    /// Simulate mode: records the hash work of the queued reports in (`last_posted`, `through`],
    /// which have just landed. Call before `posted_through(through)`.
    pub fn record_work(&mut self, through: u64) {
        let prev = self.state.last_posted;
        let reports: Vec<(u64, u64)> = self
            .state
            .queue
            .iter()
            .filter(|r| r.timestamp > prev && r.timestamp <= through)
            .map(|r| (r.timestamp, r.hashrate_ghs))
            .collect();
        if let Some(&(last, _)) = reports.last() {
            let work_ghs_s = crate::earnings::work_ghs_s(prev, &reports);
            self.state.work.push(WorkEntry { prev, last, work_ghs_s });
            if self.state.work.len() > MAX_WORK_ENTRIES {
                let excess = self.state.work.len() - MAX_WORK_ENTRIES;
                self.state.work.drain(..excess);
            }
        }
    }

    /// Forgets the work of periods settled through `end`.
    pub fn settled_work_through(&mut self, end: u64) {
        self.state.work.retain(|w| w.last > end);
    }

    pub fn clear_queue(&mut self) -> usize {
        let n = self.state.queue.len();
        self.state.queue.clear();
        n
    }

    pub fn save(&self) -> io::Result<()> {
        let tmp = self.path.with_extension("json.tmp");
        {
            let mut file = File::create(&tmp)?;
            file.write_all(&serde_json::to_vec_pretty(&self.state)?)?;
            file.sync_all()?;
        }
        fs::rename(&tmp, &self.path)?;
        // The rename itself lives in the directory; sync it so it survives a power cut.
        if let Some(dir) = self.path.parent() {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn report(ts: u64) -> TelemetryReport {
        TelemetryReport {
            timestamp: ts,
            hashrate_ghs: 100,
            power_watts: 3000,
            board_temp_deci_c: 700,
            fan_rpm: 5000,
            uptime_seconds: 10,
            accepted_shares: 1,
            rejected_shares: 0,
        }
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hashtwin-cursor-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn survives_reopen_and_leaves_no_temp_file() {
        let dir = tempdir("reopen");
        let (mut c, corrupt) = Cursor::open(&dir, 7, 10).unwrap();
        assert!(!corrupt);
        assert_eq!(c.push(report(100)), PushOutcome::Queued);
        assert_eq!(c.push(report(160)), PushOutcome::Queued);
        assert_eq!(c.posted_through(100), 1);
        c.save().unwrap();
        let (c2, _) = Cursor::open(&dir, 7, 10).unwrap();
        assert_eq!(c2.state, c.state);
        assert_eq!(c2.state.last_posted, 100);
        assert!(!Cursor::path_for(&dir, 7).with_extension("json.tmp").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_reports_that_are_not_newer() {
        let dir = tempdir("order");
        let (mut c, _) = Cursor::open(&dir, 1, 10).unwrap();
        c.push(report(100));
        assert_eq!(c.push(report(100)), PushOutcome::NotNewer { newest: 100 });
        assert_eq!(c.push(report(50)), PushOutcome::NotNewer { newest: 100 });
        c.posted_through(200);
        assert_eq!(c.push(report(150)), PushOutcome::NotNewer { newest: 200 });
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn full_queue_drops_oldest() {
        let dir = tempdir("full");
        let (mut c, _) = Cursor::open(&dir, 1, 2).unwrap();
        c.push(report(1));
        c.push(report(2));
        assert_eq!(c.push(report(3)), PushOutcome::QueuedDroppingOldest { dropped: 1 });
        assert_eq!(c.batch(10).iter().map(|r| r.timestamp).collect::<Vec<_>>(), vec![2, 3]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_older_cursor_without_settlement_fields_still_opens() {
        let dir = tempdir("v1");
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            Cursor::path_for(&dir, 5),
            br#"{"version":1,"token_id":5,"last_posted":100,"queue":[],"in_flight":null}"#,
        )
        .unwrap();
        let (c, corrupt) = Cursor::open(&dir, 5, 10).unwrap();
        assert!(!corrupt);
        assert_eq!((c.state.last_posted, c.state.settlement.clone(), c.state.work.len()), (100, None, 0));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn work_of_landed_batches_follows_the_meter_rule_and_survives_reopen() {
        let dir = tempdir("work");
        let (mut c, _) = Cursor::open(&dir, 6, 100).unwrap();
        c.posted_through(1_000);
        for ts in [1_060, 1_120, 6_000] {
            c.push(TelemetryReport { hashrate_ghs: 200_000, ..report(ts) });
        }
        c.record_work(1_120);
        c.posted_through(1_120);
        c.record_work(6_000);
        c.posted_through(6_000);
        // 200,000 GH/s for 60 s twice, then for the metered hour (4,880 s capped at 3,600).
        let expected = vec![
            WorkEntry { prev: 1_000, last: 1_120, work_ghs_s: 200_000 * 120 },
            WorkEntry { prev: 1_120, last: 6_000, work_ghs_s: 200_000 * 3_600 },
        ];
        assert_eq!(c.state.work, expected);
        c.save().unwrap();
        let (c2, _) = Cursor::open(&dir, 6, 100).unwrap();
        assert_eq!(c2.state.work, expected);
        c.settled_work_through(1_120);
        assert_eq!(c.state.work, expected[1..]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_file_is_moved_aside() {
        let dir = tempdir("corrupt");
        fs::create_dir_all(&dir).unwrap();
        fs::write(Cursor::path_for(&dir, 3), b"{not json").unwrap();
        let (c, corrupt) = Cursor::open(&dir, 3, 10).unwrap();
        assert!(corrupt);
        assert!(c.state.queue.is_empty());
        assert!(Cursor::path_for(&dir, 3).with_extension("json.corrupt").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
