//! The queue and cursor logic against a fake chain with the registry's rules: batching,
//! retries, decoded reverts, and restarts that must never post a report twice.

mod common;

use common::*;
use hashtwin_agent::agent::{Agent, Sample, Schedule, TelemetrySource};
use hashtwin_agent::cursor::Cursor;
use hashtwin_agent::log::VecLogger;
use std::path::Path;
use std::sync::Arc;

const T: u64 = 1_732_550_400;

/// A rig that always answers, with the poll time as timestamp.
struct Steady;

impl TelemetrySource for Steady {
    fn describe(&self) -> String {
        "test rig".into()
    }
    fn sample(&mut self, now: u64) -> Result<Sample, String> {
        Ok(Sample { report: report(now), notes: Vec::new() })
    }
}

fn schedule() -> Schedule {
    Schedule { poll_every: 60, post_every: 600, retry_min: 30, retry_max: 600, ..Schedule::default() }
}

fn start(chain: &FakeChain, dir: &Path, tokens: &[u64], now: u64) -> (Agent<FakeChain>, Arc<VecLogger>) {
    let log = Arc::new(VecLogger::new());
    let mut agent = Agent::new(chain.clone(), log.clone(), schedule());
    for t in tokens {
        agent.add_rig(&format!("rig{t}"), *t, Box::new(Steady), dir, now).unwrap();
    }
    (agent, log)
}

fn chain() -> FakeChain {
    let chain = FakeChain::default();
    chain.state().block_time = u64::MAX;
    chain
}

/// Runs the agent minute by minute over [from, to).
fn run(agent: &mut Agent<FakeChain>, from: u64, to: u64) {
    let mut t = from;
    while t < to {
        agent.tick(t);
        t += 60;
    }
}

fn posted(chain: &FakeChain, token: u64) -> Vec<u64> {
    chain.state().posted.iter().filter(|(k, _)| *k == token).map(|(_, t)| *t).collect()
}

#[test]
fn batches_post_every_interval_and_restart_does_not_repost() {
    let dir = temp_dir("restart");
    let chain = chain();
    let (mut agent, log) = start(&chain, &dir, &[1], T);
    // Polls at T, T+60, ..., T+1140; posts at T (one report) and T+600 (ten).
    run(&mut agent, T, T + 1200);
    assert_eq!(posted(&chain, 1), (0..11).map(|k| T + 60 * k).collect::<Vec<_>>());
    assert_eq!(agent.rigs[0].cursor.state.queue.len(), 9);
    assert!(log.lines().iter().any(|l| l.starts_with("rig rig1: posted 10 reports")), "{:?}", log.lines());
    drop(agent);

    // Restart from the persisted cursor: the nine queued reports go out, nothing else twice.
    let (mut agent, log) = start(&chain, &dir, &[1], T + 1200);
    assert!(log.lines()[0].contains("last posted 1732551000, 9 reports queued"), "{:?}", log.lines());
    run(&mut agent, T + 1200, T + 1260);
    assert_eq!(posted(&chain, 1), (0..21).map(|k| T + 60 * k).collect::<Vec<_>>());
    chain.assert_no_duplicates();
    assert_eq!(chain.state().receipts.values().filter(|(_, ok)| !ok).count(), 0, "no reverted txs");
}

#[test]
fn crash_after_broadcast_before_the_cursor_learns_does_not_repost() {
    let dir = temp_dir("crash");
    let chain = chain();
    let (mut agent, _) = start(&chain, &dir, &[1], T);
    run(&mut agent, T, T + 600); // ten polls; the first report went out at T
    chain.state().hide_receipts = true; // the tx lands but the agent never sees the receipt
    agent.tick(T + 600);
    assert_eq!(posted(&chain, 1).len(), 11);
    let (in_flight, queued) = {
        let c = &agent.rigs[0].cursor.state;
        (c.in_flight.clone(), c.queue.len())
    };
    assert!(in_flight.is_some(), "the signed tx is journalled");
    assert_eq!(queued, 10, "the reports are still queued locally");
    drop(agent); // crash

    chain.state().hide_receipts = false;
    let (mut agent, log) = start(&chain, &dir, &[1], T + 660);
    agent.tick(T + 660);
    let lines = log.lines();
    assert!(
        lines.iter().any(|l| l.contains("posted 10 reports") && l.contains(&in_flight.as_ref().unwrap().tx_hash)),
        "{lines:?}"
    );
    assert_eq!(agent.rigs[0].cursor.state.in_flight, None);
    // Only the report polled after the restart is new.
    assert_eq!(posted(&chain, 1).len(), 12);
    chain.assert_no_duplicates();
    assert_eq!(chain.state().prepares, 3);
}

#[test]
fn journalled_tx_unknown_to_the_node_is_resent_byte_for_byte() {
    let dir = temp_dir("resend");
    let chain = chain();
    // A signed tx from a previous run that never reached the node.
    let (mut agent, _) = start(&chain, &dir, &[4], T);
    chain.state().stall = true;
    agent.tick(T);
    let tx = agent.rigs[0].cursor.state.in_flight.clone().unwrap();
    drop(agent);
    chain.state().mempool.clear(); // the node restarted and forgot it
    chain.state().stall = false;

    let (mut agent, log) = start(&chain, &dir, &[4], T + 60);
    agent.tick(T + 60);
    let lines = log.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("node did not know tx {}; re-sent the same signed bytes", tx.tx_hash))),
        "{lines:?}"
    );
    assert_eq!(posted(&chain, 4), vec![T, T + 60]);
    chain.assert_no_duplicates();
}

#[test]
fn chain_ahead_of_the_cursor_drops_covered_reports() {
    let dir = temp_dir("ahead");
    let chain = chain();
    {
        // A cursor left with queued reports that another agent has since posted.
        let (mut c, _) = Cursor::open(&dir, 2, 100).unwrap();
        for k in 0..5 {
            c.push(report(T + 60 * k));
        }
        c.save().unwrap();
    }
    chain.state().last.insert(2, T + 180);
    let (mut agent, log) = start(&chain, &dir, &[2], T + 300);
    agent.tick(T + 300);
    assert!(
        log.lines()
            .iter()
            .any(|l| l == "rig rig2: chain already has reports through 1732550580; dropped 4 queued reports"),
        "{:?}",
        log.lines()
    );
    assert_eq!(posted(&chain, 2), vec![T + 240, T + 300]);
}

#[test]
fn rpc_outage_keeps_the_batch_and_backs_off() {
    let dir = temp_dir("outage");
    let chain = chain();
    chain.state().rpc_down = true;
    let (mut agent, log) = start(&chain, &dir, &[1], T);
    run(&mut agent, T, T + 3000);
    let lines = log.take();
    let failures: Vec<&String> = lines.iter().filter(|l| l.contains("cannot read lastTelemetryAt")).collect();
    assert!(failures[0].ends_with("keeping 1 reports queued; retrying in 30 s"), "{failures:?}");
    // 30, 60, 120, 240, 480, 600 ...: a handful of attempts in 50 minutes, not one a minute.
    assert!((5..=10).contains(&failures.len()), "{failures:?}");
    assert_eq!(agent.rigs[0].cursor.state.queue.len(), 50);

    chain.state().rpc_down = false;
    run(&mut agent, T + 3000, T + 3720);
    agent.flush(T + 3720);
    let all: Vec<u64> = (0..62).map(|k| T + 60 * k).collect();
    assert_eq!(posted(&chain, 1), all, "everything queued went out, once, in order");
    chain.assert_no_duplicates();
}

#[test]
fn a_full_queue_posts_in_chunks_of_168() {
    let dir = temp_dir("chunks");
    let chain = chain();
    {
        let (mut c, _) = Cursor::open(&dir, 3, 10_000).unwrap();
        for k in 0..400 {
            c.push(report(T + 60 * k));
        }
        c.save().unwrap();
    }
    let (mut agent, _) = start(&chain, &dir, &[3], T + 60 * 400);
    agent.tick(T + 60 * 400);
    assert_eq!(posted(&chain, 3).len(), 401);
    assert_eq!(chain.state().max_batch_seen, 168);
    assert_eq!(chain.state().receipts.len(), 3); // 168 + 168 + 65
    chain.assert_no_duplicates();
}

#[test]
fn decommissioned_twin_drops_its_queue_and_stops() {
    let dir = temp_dir("decom");
    let chain = chain();
    chain.state().decommissioned.push(5);
    let (mut agent, log) = start(&chain, &dir, &[5, 6], T);
    run(&mut agent, T, T + 1200);
    assert!(agent.rigs[0].retired && !agent.rigs[1].retired);
    assert!(
        log.lines().iter().any(|l| l == "rig rig5: TwinDecommissioned: twin 5 is decommissioned; dropped 1 queued reports and stopped polling this rig"),
        "{:?}",
        log.lines()
    );
    assert!(posted(&chain, 5).is_empty());
    assert_eq!(posted(&chain, 6).len(), 11, "the other twin is unaffected");
}

#[test]
fn wrong_reporter_key_keeps_the_reports() {
    let dir = temp_dir("notreporter");
    let chain = chain();
    chain.state().not_reporter.push(7);
    let (mut agent, log) = start(&chain, &dir, &[7], T);
    run(&mut agent, T, T + 1200);
    assert!(
        log.lines()
            .iter()
            .any(|l| l.contains("NotReporter") && l.contains("keeping 1 reports queued; retrying in 600 s")),
        "{:?}",
        log.lines()
    );
    assert_eq!(agent.rigs[0].cursor.state.queue.len(), 20);
    chain.state().not_reporter.clear();
    run(&mut agent, T + 1200, T + 1920);
    agent.flush(T + 1920);
    assert_eq!(posted(&chain, 7), (0..32).map(|k| T + 60 * k).collect::<Vec<_>>());
}

#[test]
fn chain_clock_behind_holds_back_only_the_newest_reports() {
    let dir = temp_dir("future");
    let chain = chain();
    chain.state().block_time = T + 100;
    let (mut agent, log) = start(&chain, &dir, &[8], T);
    run(&mut agent, T, T + 180); // T, T+60, T+120 queued; posting at T
    agent.flush(T + 180);
    assert!(
        log.lines()
            .iter()
            .any(|l| l.contains("TelemetryInFuture: timestamp 1732550520 is after the block time 1732550500")),
        "{:?}",
        log.lines()
    );
    assert_eq!(posted(&chain, 8), vec![T, T + 60]);
    assert_eq!(agent.rigs[0].cursor.state.queue.len(), 1);
}

#[test]
fn a_stalled_tx_blocks_new_batches_until_it_lands() {
    let dir = temp_dir("stall");
    let chain = chain();
    chain.state().stall = true;
    let (mut agent, log) = start(&chain, &dir, &[9], T);
    run(&mut agent, T, T + 1300);
    assert_eq!(chain.state().prepares, 1, "no second tx while the first is pending");
    assert!(log.lines().iter().any(|l| l.contains("is still pending; not posting more")), "{:?}", log.lines());
    chain.state().mine_mempool();
    chain.state().stall = false;
    run(&mut agent, T + 1300, T + 1400);
    assert_eq!(posted(&chain, 9).len(), 23);
    chain.assert_no_duplicates();
}
