//! Settlements against a fake chain with TwinEarnings' rules: when a period is settled and with
//! which figure, what happens without one, decoded reverts, the simulated pool, and restarts that
//! must never pay a period twice or put a figure on another period.

mod common;

use common::*;
use ethers_core::types::U256;
use hashtwin_agent::agent::{Agent, Sample, Schedule, TelemetrySource};
use hashtwin_agent::earnings::{self, EarningsSource};
use hashtwin_agent::log::VecLogger;
use std::path::Path;
use std::sync::Arc;

const T: u64 = 1_732_550_400;
/// The twin's mint: its first period starts here, half a minute before the first report.
const MINT: u64 = T - 30;
const DAY: u64 = 86_400;
/// The twins here settle every four hours, with two hours' grace: short periods keep the
/// minute-by-minute runs short.
const PERIOD: u64 = 4 * 3_600;
const GRACE: u64 = 2 * 3_600;
const DUE: u64 = MINT + PERIOD;

fn terms() -> Terms {
    Terms { period: PERIOD, grace: GRACE, ..Terms::default() }
}

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

fn chain() -> FakeChain {
    let chain = FakeChain::default();
    chain.state().block_time = u64::MAX;
    chain.state().mint(1, MINT, terms());
    chain
}

fn start(chain: &FakeChain, dir: &Path, source: EarningsSource, now: u64) -> (Agent<FakeChain>, Arc<VecLogger>) {
    let log = Arc::new(VecLogger::new());
    let mut agent = Agent::new(chain.clone(), log.clone(), schedule());
    agent.add_rig("rig1", 1, Box::new(Steady), dir, now).unwrap();
    assert!(agent.settle_with(1, source));
    (agent, log)
}

/// Runs the agent up to its period's due time, with every report up to it on chain. The next
/// tick, at `DUE + 30`, settles.
fn run_to_due(agent: &mut Agent<FakeChain>) {
    run(agent, T, DUE);
    agent.flush(DUE - 30);
}

/// Runs the agent minute by minute over [from, to).
fn run(agent: &mut Agent<FakeChain>, from: u64, to: u64) {
    let mut t = from;
    while t < to {
        agent.tick(t);
        t += 60;
    }
}

/// A gross of 1e12 wei per second of the period: a figure that says which period it was for.
const PER_SECOND: &str = "echo $(( (HASHTWIN_PERIOD_END - HASHTWIN_PERIOD_START) * 1000000000000 ))";

fn per_second(start: u64, end: u64) -> U256 {
    U256::from(end - start) * U256::exp10(12)
}

fn has(log: &[String], needle: &str) -> bool {
    log.iter().any(|l| l.contains(needle))
}

fn posted_after(chain: &FakeChain, t: u64) -> usize {
    chain.state().posted.iter().filter(|(_, ts)| *ts > t).count()
}

#[test]
fn a_due_period_is_settled_with_the_figure_for_exactly_that_period() {
    let dir = temp_dir("settle-due");
    let chain = chain();
    let (mut agent, log) = start(&chain, &dir, EarningsSource::Command(PER_SECOND.into()), T);
    run(&mut agent, T, DUE);
    assert!(chain.state().settlements.is_empty(), "nothing before the period is due");
    assert_eq!(chain.state().settle_prepares, 0);
    let before = chain.state().period(1);
    assert_eq!((before.start, before.due_at), (MINT, DUE));

    run(&mut agent, DUE, DUE + 1_200);
    let settled = chain.state().settlements.clone();
    assert_eq!(settled.len(), 1, "{:?}", log.lines());
    let s = &settled[0];
    // The period runs from the mint to the last report up to dueAt (those still queued were
    // posted first), and the figure is the one for exactly that period.
    assert_eq!((s.start, s.end), (MINT, DUE - 30));
    assert_eq!(s.gross, per_second(s.start, s.end));
    // Both caps kept, exactly the net paid (the fake chain reverts anything else).
    let terms = terms();
    assert_eq!(s.fee, s.gross * terms.fee_bps / 10_000);
    let electricity =
        U256::from(s.energy_wh) * terms.tariff_micro_usd_per_kwh * U256::exp10(17) / U256::from(300_000_000_000u64);
    assert_eq!(s.electricity, electricity);
    assert_eq!(s.net, s.gross - s.fee - s.electricity);
    let hash = settle_hashes(&chain).pop().unwrap();
    let line = format!("rig rig1: settled twin 1's period {}-{} in tx {hash}, block ", s.start, s.end);
    assert!(log.lines().iter().any(|l| l.starts_with(&line)), "{line} in {:?}", log.lines());
    // Telemetry carries on into the next period.
    assert!(posted_after(&chain, DUE) > 0);
    chain.assert_no_duplicates();
    chain.assert_settlements_chain();
}

/// The hashes of the settlement transactions the fake node has signed.
fn settle_hashes(chain: &FakeChain) -> Vec<String> {
    let s = chain.state();
    let mut hashes: Vec<String> =
        s.signed.iter().filter(|(_, tx)| matches!(tx, FakeTx::Settle { .. })).map(|(h, _)| h.clone()).collect();
    hashes.sort();
    hashes
}

#[test]
fn no_figure_means_no_transaction_and_a_period_that_stays_put() {
    let dir = temp_dir("settle-nofigure");
    let chain = chain();
    let file = dir.join("gross.csv");
    std::fs::write(&file, "# token_id,period_start,period_end,gross_wei\n2,100,200,5\n").unwrap();
    let (mut agent, log) = start(&chain, &dir, EarningsSource::File(file.clone()), T);
    run(&mut agent, T, DUE + 3_600);
    let period = chain.state().period(1);
    let lines = log.take();
    let missing = format!("no gross figure for twin 1's period {MINT}-{}", period.end);
    assert_eq!(lines.iter().filter(|l| l.contains(&missing)).count(), 1, "said once: {lines:?}");
    assert!(has(&lines, &format!("holding reports after {DUE} until it is settled")), "{lines:?}");
    assert_eq!(chain.state().settle_prepares, 0, "no figure, no transaction");
    assert!(chain.state().settlements.is_empty());
    // The period did not grow while the figure was awaited: reports after dueAt are queued.
    assert_eq!(posted_after(&chain, DUE), 0);
    assert!(period.end <= DUE);
    assert!(agent.rigs[0].cursor.state.queue.len() >= 60);

    // The operator writes the figure for the period the log named.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(&format!("1,{MINT},{},{}\n", period.end, 7_000_000_000_000_000u64));
    std::fs::write(&file, text).unwrap();
    run(&mut agent, DUE + 3_600, DUE + 5_400);
    let settled = chain.state().settlements.clone();
    assert_eq!(settled.len(), 1);
    assert_eq!(
        (settled[0].start, settled[0].end, settled[0].gross),
        (MINT, period.end, U256::from(7_000_000_000_000_000u64))
    );
    // Then the held reports go out, into the next period.
    agent.flush(DUE + 5_400);
    assert!(agent.rigs[0].cursor.state.queue.is_empty());
    assert!(posted_after(&chain, DUE) > 80);
    chain.assert_no_duplicates();
}

#[test]
fn the_hold_outlasts_the_grace_period_but_not_a_full_queue() {
    let dir = temp_dir("settle-late");
    let chain = chain();
    let file = dir.join("gross.csv");
    std::fs::write(&file, "").unwrap();
    // Room for 300 reports: the hold must give way before any would be dropped.
    let log = Arc::new(VecLogger::new());
    let mut agent = Agent::new(chain.clone(), log.clone(), Schedule { max_queue: 300, ..schedule() });
    agent.add_rig("rig1", 1, Box::new(Steady), &dir, T).unwrap();
    agent.settle_with(1, EarningsSource::File(file.clone()));
    let late = DUE + GRACE;
    run(&mut agent, T, late + 600);
    assert_eq!(posted_after(&chain, DUE), 0, "still held past lateAt");
    let held = chain.state().period(1);
    assert_eq!(held.end, DUE - 30);

    // 300 − 168 queued: the held reports go out rather than be dropped, and the grown period is
    // asked for.
    run(&mut agent, late + 600, DUE + 300 * 60);
    let lines = log.lines();
    assert!(has(&lines, "near the limit of 300: posting the held ones rather than dropping any"), "{lines:?}");
    assert!(posted_after(&chain, DUE) > 0);
    assert!(!has(&lines, "queue is full"), "nothing dropped: {lines:?}");
    let grown = chain.state().period(1);
    assert!(grown.end > held.end);
    assert!(
        has(&lines, &format!("no gross figure for twin 1's period {MINT}-{}", held.end))
            && lines.iter().filter(|l| l.contains(&format!("no gross figure for twin 1's period {MINT}-"))).count()
                >= 2,
        "{lines:?}"
    );
    assert_eq!(chain.state().settle_prepares, 0);
}

#[test]
fn a_crash_between_send_and_receipt_never_settles_a_period_twice() {
    let dir = temp_dir("settle-crash");
    let chain = chain();
    let source = EarningsSource::Command(PER_SECOND.into());
    let (mut agent, _) = start(&chain, &dir, source.clone(), T);
    run_to_due(&mut agent);
    chain.state().hide_receipts = true; // it lands, but the agent never hears so
    agent.tick(DUE + 30);
    assert_eq!(chain.state().settlements.len(), 1);
    let journal = agent.rigs[0].cursor.state.settlement.clone().expect("the settlement is journalled");
    assert_eq!((journal.period_start, journal.settled_before), (MINT, 0));
    // While it is unresolved nothing else goes out for the twin: no batch would lengthen its period.
    let posted = chain.state().posted.len();
    run(&mut agent, DUE + 90, DUE + 1_200);
    assert_eq!(chain.state().posted.len(), posted);
    assert_eq!(chain.state().settle_prepares, 1);
    drop(agent); // crash

    chain.state().hide_receipts = false;
    let (mut agent, log) = start(&chain, &dir, source, DUE + 1_260);
    run(&mut agent, DUE + 1_260, DUE + 1_320);
    let lines = log.lines();
    assert!(
        has(&lines, &format!("settled twin 1's period {MINT}-{} in tx {}", journal.period_end, journal.tx_hash)),
        "{lines:?}"
    );
    assert_eq!(chain.state().settlements.len(), 1, "paid once");
    assert_eq!(chain.state().settle_prepares, 1, "never signed again");
    assert_eq!(agent.rigs[0].cursor.state.settlement, None);

    // The next day's period follows on, with its own figure.
    run(&mut agent, DUE + 1_320, DUE + PERIOD + 1_200);
    let settled = chain.state().settlements.clone();
    assert_eq!(settled.len(), 2, "{:?}", log.lines());
    assert_eq!(settled[1].start, settled[0].end);
    assert_eq!(settled[1].gross, per_second(settled[1].start, settled[1].end));
    chain.assert_settlements_chain();
    chain.assert_no_duplicates();
}

#[test]
fn a_settlement_the_node_lost_is_resent_byte_for_byte() {
    let dir = temp_dir("settle-resend");
    let chain = chain();
    let source = EarningsSource::Command(PER_SECOND.into());
    let (mut agent, _) = start(&chain, &dir, source.clone(), T);
    run_to_due(&mut agent);
    chain.state().stall = true;
    agent.tick(DUE + 30);
    let journal = agent.rigs[0].cursor.state.settlement.clone().unwrap();
    drop(agent);
    chain.state().mempool.clear(); // the node restarted and forgot it
    chain.state().stall = false;

    let (mut agent, log) = start(&chain, &dir, source, DUE + 60);
    agent.tick(DUE + 60);
    let lines = log.lines();
    assert!(
        has(&lines, &format!("node did not know settlement tx {}; re-sent the same signed bytes", journal.tx_hash)),
        "{lines:?}"
    );
    assert!(has(&lines, &format!("settled twin 1's period {MINT}-{} in tx {}", journal.period_end, journal.tx_hash)));
    assert_eq!(chain.state().settlements.len(), 1);
    assert_eq!(chain.state().settle_prepares, 1);
}

#[test]
fn a_lost_settlement_is_not_resent_once_its_period_has_grown() {
    let dir = temp_dir("settle-grown");
    let chain = chain();
    let source = EarningsSource::Command(PER_SECOND.into());
    let (mut agent, _) = start(&chain, &dir, source.clone(), T);
    run_to_due(&mut agent);
    chain.state().stall = true;
    agent.tick(DUE + 30);
    let journal = agent.rigs[0].cursor.state.settlement.clone().unwrap();
    drop(agent);
    chain.state().mempool.clear();
    chain.state().stall = false;
    // Meanwhile another reporter's batch lands: the period the figure was for has grown.
    chain.state().land_reports(1, &[report(DUE + 40)]);

    let (mut agent, log) = start(&chain, &dir, source.clone(), DUE + 60);
    run(&mut agent, DUE + 60, DUE + 660);
    let lines = log.take();
    assert!(has(&lines, &format!("has grown to {MINT}-{}", DUE + 40)), "{lines:?}");
    assert!(has(
        &lines,
        &format!(
            "not re-sending it (its figure would pay for another period) and not settling this twin until nonce {}",
            journal.nonce
        )
    ));
    assert_eq!(chain.state().settle_broadcasts, 1, "the old bytes were not sent again");
    assert!(chain.state().settlements.is_empty());

    // Once its nonce is used, the old transaction can never land: the grown period is settled
    // afresh, with the figure for the grown period.
    chain.state().used_nonces.push(journal.nonce);
    run(&mut agent, DUE + 660, DUE + 1_500);
    let lines = log.lines();
    assert!(has(&lines, &format!("dropped our settlement tx {}", journal.tx_hash)), "{lines:?}");
    let settled = chain.state().settlements.clone();
    assert_eq!(settled.len(), 1);
    assert_eq!((settled[0].start, settled[0].end), (MINT, DUE + 40));
    assert_eq!(settled[0].gross, per_second(MINT, DUE + 40));
}

#[test]
fn reverts_are_decoded_into_words_and_nothing_is_sent() {
    let dir = temp_dir("settle-revert");
    let chain = chain();
    chain.state().stale_price = true;
    let (mut agent, log) = start(&chain, &dir, EarningsSource::Command(PER_SECOND.into()), T);
    run(&mut agent, T, DUE + 60);
    let end = chain.state().period(1).end;
    let lines = log.take();
    let words = format!(
        "rig rig1: cannot quote twin 1's period {MINT}-{end}: the contract rejected the call: StalePrice: the price feed 0x000000000000000000000000000000000000feed was last updated at 2024-11-19T07:06:40Z (1732000000), more than the 90000 s a settlement allows; retrying in 30 s"
    );
    assert!(lines.contains(&words), "{lines:?}");
    assert_eq!(chain.state().settle_prepares, 0);

    // The price is fresh again when it is sent, stale again when it is mined: a mined revert.
    chain.state().stale_price = false;
    chain.state().stall = true;
    run(&mut agent, DUE + 60, DUE + 180);
    let journal = agent.rigs[0].cursor.state.settlement.clone().expect("sent");
    chain.state().stale_price = true;
    chain.state().mine_mempool();
    chain.state().stall = false;
    run(&mut agent, DUE + 180, DUE + 300);
    let lines = log.take();
    assert!(
        has(
            &lines,
            &format!("earlier settlement tx {} for twin 1's period {MINT}-{end} reverted in block", journal.tx_hash)
        ),
        "{lines:?}"
    );
    assert!(has(&lines, "StalePrice: the price feed"), "asks the chain why: {lines:?}");
    assert!(chain.state().settlements.is_empty());

    chain.state().stale_price = false;
    run(&mut agent, DUE + 300, DUE + 1_200);
    assert_eq!(chain.state().settlements.len(), 1);
}

#[test]
fn without_the_operator_key_nothing_is_settled() {
    let dir = temp_dir("settle-nokey");
    let chain = chain();
    chain.state().no_operator_key.push(1);
    let (mut agent, log) = start(&chain, &dir, EarningsSource::Command(PER_SECOND.into()), T);
    run(&mut agent, T, DUE + 60);
    let end = chain.state().period(1).end;
    assert!(
        log.lines().contains(&format!(
            "rig rig1: no configured key is twin 1's operator 0x0000000000000000000000000000000000000001; not settling its period {MINT}-{end}; retrying in 600 s"
        )),
        "{:?}",
        log.lines()
    );
    assert!(chain.state().settlements.is_empty());
}

#[test]
fn a_failing_gross_command_sends_nothing() {
    let dir = temp_dir("settle-badcmd");
    let chain = chain();
    let (mut agent, log) = start(&chain, &dir, EarningsSource::Command("echo 'pool down' >&2; exit 2".into()), T);
    run(&mut agent, T, DUE + 60);
    let end = chain.state().period(1).end;
    assert!(
        log.lines().contains(&format!(
            "rig rig1: cannot get the gross for twin 1's period {MINT}-{end}: the gross command exited with status 2: pool down; nothing sent; retrying in 30 s"
        )),
        "{:?}",
        log.lines()
    );
    assert_eq!(chain.state().settle_prepares, 0);
}

/// Work over (start, end] by the registry's meter rule, from the chain's reports.
fn chain_work(chain: &FakeChain, token: u64, start: u64, end: u64) -> u128 {
    let s = chain.state();
    let pairs: Vec<(u64, u64)> = s
        .reports
        .iter()
        .filter(|(t, r)| *t == token && r.timestamp > start && r.timestamp <= end)
        .map(|(_, r)| (r.timestamp, r.hashrate_ghs))
        .collect();
    earnings::work_ghs_s(start, &pairs)
}

#[test]
fn the_simulated_pool_pays_the_posted_work_at_the_feeds_hashprice() {
    let dir = temp_dir("settle-sim");
    let chain = chain();
    let (mut agent, log) = start(&chain, &dir, EarningsSource::SimulatedPool { seed: 0 }, T);
    run(&mut agent, T, DUE + 1_200);
    let settled = chain.state().settlements.clone();
    assert_eq!(settled.len(), 1, "{:?}", log.lines());
    let s = &settled[0];
    // Every report is 100,000 GH/s a minute after the one before; the first half a minute
    // after the mint.
    let reports = (s.end - T) / 60 + 1;
    let work = 100_000u128 * (30 + 60 * (reports as u128 - 1));
    assert_eq!(chain_work(&chain, 1, s.start, s.end), work);
    let luck = earnings::luck(0, 1, s.start);
    let expected = earnings::simulated_gross_wei(work, s.end - s.start, &deploy_figures(), luck).unwrap();
    assert_eq!(s.gross, expected);
    // 100 TH/s for a day at the deployment's feeds is about 1.24e15 wei before luck.
    let day = earnings::simulated_gross_wei(100_000 * DAY as u128, DAY, &deploy_figures(), 1.0).unwrap();
    assert!((day.as_u128() as f64 / 1_237_306_106_639_536.0 - 1.0).abs() < 1e-9, "{day}");
    assert!(has(&log.lines(), "from the reports this agent posted"), "{:?}", log.lines());
    // The simulated pool needs no hold: telemetry went on past dueAt.
    assert!(posted_after(&chain, DUE) > 0 || s.end > DUE);
    assert!(agent.rigs[0].cursor.state.work.iter().all(|w| w.last > s.end), "settled work is forgotten");
}

#[test]
fn the_simulated_pool_reads_reports_it_did_not_post_from_the_chain() {
    let dir = temp_dir("settle-sim-seeded");
    let chain = chain();
    // A week of hourly history posted by someone else (the demo seed) before the agent starts.
    let seeded: Vec<_> = (1..=24)
        .map(|h| hashtwin_agent::normalise::TelemetryReport { hashrate_ghs: 150_000, ..report(MINT + 3_600 * h - 600) })
        .collect();
    chain.state().land_reports(1, &seeded);
    let now = MINT + DAY; // long due
    let (mut agent, log) = start(&chain, &dir, EarningsSource::SimulatedPool { seed: 5 }, now);
    agent.tick(now);
    let settled = chain.state().settlements.clone();
    assert_eq!(settled.len(), 1, "{:?}", log.lines());
    let s = &settled[0];
    assert_eq!((s.start, s.end), (MINT, MINT + 24 * 3_600 - 600));
    // The first report 3,000 s after the mint, the rest an hour apart: 24 metered hours less 600 s.
    let work = 150_000u128 * (3_000 + 23 * 3_600);
    assert_eq!(chain_work(&chain, 1, s.start, s.end), work);
    let expected =
        earnings::simulated_gross_wei(work, s.end - s.start, &deploy_figures(), earnings::luck(5, 1, MINT)).unwrap();
    assert_eq!(s.gross, expected);
    assert!(has(&log.lines(), "from the 24 reports on chain"), "{:?}", log.lines());
}
