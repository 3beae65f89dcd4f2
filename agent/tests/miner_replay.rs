//! The miner API client against a fake miner on 127.0.0.1 replaying real-format replies, and
//! the agent's poll loop surviving every way a miner can fail.

mod common;

use common::*;
use hashtwin_agent::agent::{Agent, MinerSource, Schedule};
use hashtwin_agent::log::VecLogger;
use hashtwin_agent::miner_api::{MinerClient, MinerError};
use hashtwin_agent::normalise::{normalise, MinerKind, PowerModel, PowerSource, TelemetryReport};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

const T: u64 = 1_732_550_400;

fn power(w: u32, ghs: Option<u64>) -> PowerModel {
    PowerModel { nominal_power_w: w, nominal_hashrate_ghs: ghs, source: PowerSource::Auto }
}

fn poll_report(model: &'static str, kind: MinerKind, p: PowerModel) -> (TelemetryReport, Vec<String>) {
    let miner = FakeMiner::replaying(model);
    let client = MinerClient::new(&miner.addr, Duration::from_secs(2));
    let (replies, failed) = client.poll().unwrap();
    assert_eq!(*miner.commands.lock().unwrap(), vec!["summary", "stats", "devs", "pools"]);
    let n = normalise(kind, &replies, &p, T).unwrap();
    let mut notes: Vec<String> = failed.iter().map(|e| e.to_string()).collect();
    notes.extend(n.notes);
    (n.report, notes)
}

#[test]
fn antminer_s19_replies_normalise_to_the_exact_report() {
    let (report, notes) = poll_report("antminer_s19", MinerKind::Antminer, power(3250, Some(95_000)));
    assert_eq!(
        report,
        TelemetryReport {
            timestamp: T,
            hashrate_ghs: 94_818,   // "GHS 5s":"94817.62" (a string in bmminer)
            power_watts: 3244,      // not reported: 3250 W x 94817.62 / 95000
            board_temp_deci_c: 750, // hottest chip sensor, temp_chip2 "60-58-75-73"
            fan_rpm: 5610,          // mean of 5640, 5520, 5700, 5580
            uptime_seconds: 193_847,
            accepted_shares: 31_876,
            rejected_shares: 41,
        }
    );
    assert_eq!(notes, vec!["power not reported by the miner; estimating from nominal power".to_string()]);
}

#[test]
fn antminer_s21_with_a_dead_fan_reports_fan_speed_zero() {
    let (report, notes) = poll_report("antminer_s21", MinerKind::Antminer, power(3500, Some(200_000)));
    assert_eq!(
        report,
        TelemetryReport {
            timestamp: T,
            hashrate_ghs: 201_346,
            power_watts: 3524, // 3500 W x 201345.88 / 200000
            board_temp_deci_c: 810,
            fan_rpm: 0, // fan3 reads 0 of fan_num 4
            uptime_seconds: 6203,
            accepted_shares: 2310,
            rejected_shares: 3,
        }
    );
    assert!(notes.iter().any(|n| n == "fan 3 reports 0 rpm; reporting fan speed 0 as a failure signal"), "{notes:?}");
}

#[test]
fn whatsminer_m60_replies_normalise_to_the_exact_report() {
    let (report, notes) = poll_report("whatsminer_m60", MinerKind::Whatsminer, power(3422, None));
    assert_eq!(
        report,
        TelemetryReport {
            timestamp: T,
            hashrate_ghs: 172_403,  // "MHS 5s" / 1000
            power_watts: 3431,      // Power_RT preferred over Power (3418)
            board_temp_deci_c: 843, // "Chip Temp Max": 84.31
            fan_rpm: 4605,          // mean of Fan Speed In 4620 / Out 4590
            uptime_seconds: 412_385,
            accepted_shares: 68_214,
            rejected_shares: 37,
        }
    );
    // btminer has no `stats`: the failure is a note, not a lost poll.
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].ends_with("rejected `stats`: invalid cmd (code 14)"), "{notes:?}");
}

#[test]
fn whatsminer_m50_replies_normalise_to_the_exact_report() {
    let (report, _) = poll_report("whatsminer_m50", MinerKind::Whatsminer, power(3306, None));
    assert_eq!(
        report,
        TelemetryReport {
            timestamp: T,
            hashrate_ghs: 114_207,
            power_watts: 3306, // older firmware: Power only
            board_temp_deci_c: 730,
            fan_rpm: 5955,
            uptime_seconds: 86_412,
            accepted_shares: 9876,
            rejected_shares: 12,
        }
    );
}

#[test]
fn trailing_nul_or_none_both_parse() {
    let with = FakeMiner::start(Arc::new(|_: &str| Reply::Send(with_nul(fixture("antminer_s19_summary")))));
    let without = FakeMiner::start(Arc::new(|_: &str| Reply::Send(fixture("antminer_s19_summary"))));
    for miner in [with, without] {
        let v = MinerClient::new(&miner.addr, Duration::from_secs(2)).command("summary").unwrap();
        assert_eq!(v["SUMMARY"][0]["Accepted"], 31876);
    }
}

// --- failures, through the agent's poll loop -------------------------------------------------

fn agent_for(addr: &str, name: &str, timeout: Duration) -> (Agent<FakeChain>, Arc<VecLogger>, FakeChain) {
    let log = Arc::new(VecLogger::new());
    let chain = FakeChain::default();
    chain.state().block_time = u64::MAX;
    let schedule = Schedule { poll_every: 60, post_every: 3600, ..Schedule::default() };
    let mut agent = Agent::new(chain.clone(), log.clone(), schedule);
    let source = MinerSource {
        client: MinerClient::new(addr, timeout),
        kind: MinerKind::Antminer,
        power: power(3250, Some(95_000)),
    };
    agent.add_rig(name, 1, Box::new(source), &temp_dir(name), T).unwrap();
    log.take();
    (agent, log, chain)
}

/// Ticks the agent at `now` and returns the rig's log lines from that tick.
fn tick(agent: &mut Agent<FakeChain>, log: &VecLogger, now: u64) -> Vec<String> {
    agent.tick(now);
    log.take()
}

fn assert_recovers(agent: &mut Agent<FakeChain>, log: &VecLogger, miner: &FakeMiner, name: &str) {
    miner.set_script(replay("antminer_s19"));
    let lines = tick(agent, log, T + 60);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("rig {name}: miner at {} answers again after 1 failed polls", miner.addr))),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("1 reports queued")), "{lines:?}");
    assert_eq!(agent.rigs[0].cursor.state.queue.len(), 1);
}

#[test]
fn malformed_json_is_logged_and_the_loop_goes_on() {
    let miner = FakeMiner::start(Arc::new(|_: &str| {
        Reply::Send(b"{\"STATUS\":[{\"STATUS\":\"S\"}],\"SUMMARY\":[{\"Elapsed\":12,,}]}\0".to_vec())
    }));
    let (mut agent, log, _) = agent_for(&miner.addr, "bad-json", Duration::from_secs(2));
    let lines = tick(&mut agent, &log, T);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("rig bad-json: miner at {} sent malformed JSON for `summary`: ", miner.addr))
            && lines[0].ends_with("; retrying in 60 s"),
        "{lines:?}"
    );
    assert!(agent.rigs[0].cursor.state.queue.is_empty());
    assert_recovers(&mut agent, &log, &miner, "bad-json");
}

#[test]
fn truncated_reply_is_logged_and_the_loop_goes_on() {
    let full = fixture("antminer_s19_summary");
    let half = full[..full.len() / 2].to_vec();
    let miner = FakeMiner::start(Arc::new(move |_: &str| Reply::Send(half.clone())));
    let (mut agent, log, _) = agent_for(&miner.addr, "truncated", Duration::from_secs(2));
    let lines = tick(&mut agent, &log, T);
    assert_eq!(
        lines,
        vec![format!(
            "rig truncated: miner at {} closed the connection mid-reply to `summary` ({} bytes of incomplete JSON); retrying in 60 s",
            miner.addr,
            full.len() / 2
        )]
    );
    assert_recovers(&mut agent, &log, &miner, "truncated");
}

#[test]
fn silent_miner_times_out_and_the_loop_goes_on() {
    let miner = FakeMiner::start(Arc::new(|_: &str| Reply::Hang));
    let (mut agent, log, _) = agent_for(&miner.addr, "silent", Duration::from_millis(500));
    let started = Instant::now();
    let lines = tick(&mut agent, &log, T);
    assert!(started.elapsed() < Duration::from_secs(3), "the read timeout bounds the poll");
    assert_eq!(
        lines,
        vec![format!(
            "rig silent: miner at {} did not answer `summary` within 0.5 s (0 bytes received); retrying in 60 s",
            miner.addr
        )]
    );
    assert_recovers(&mut agent, &log, &miner, "silent");
}

#[test]
fn refused_connection_is_logged_and_the_loop_goes_on() {
    let (addr, port) = refused_port();
    let (mut agent, log, _) = agent_for(&addr, "s21-rack3", Duration::from_secs(2));
    let lines = tick(&mut agent, &log, T);
    assert_eq!(
        lines,
        vec![format!("rig s21-rack3: miner at 127.0.0.1:{port} refused the connection; retrying in 60 s")]
    );
    // The miner comes back on the same port.
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let miner = FakeMiner::start_on(listener, replay("antminer_s19"));
    assert_recovers(&mut agent, &log, &miner, "s21-rack3");
}

#[test]
fn a_long_outage_is_logged_sparingly() {
    let (addr, _) = refused_port();
    let (mut agent, log, _) = agent_for(&addr, "down", Duration::from_secs(1));
    let mut lines = Vec::new();
    for k in 0..20 {
        lines.extend(tick(&mut agent, &log, T + 60 * k));
    }
    // Failures 1, 2, 3, 10 and 20.
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(lines[4].ends_with("(20 failed polls in a row)"), "{lines:?}");
}

#[test]
fn client_errors_are_typed() {
    let (addr, _) = refused_port();
    assert!(matches!(
        MinerClient::new(&addr, Duration::from_secs(1)).command("summary"),
        Err(MinerError::Refused { .. })
    ));
    let miner = FakeMiner::start(Arc::new(|_: &str| Reply::Send(Vec::new())));
    assert!(matches!(
        MinerClient::new(&miner.addr, Duration::from_secs(1)).command("summary"),
        Err(MinerError::Empty { .. })
    ));
}
