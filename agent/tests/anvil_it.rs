//! Against a local chain seeded by the app's `scripts/lib/localchain.mjs` (twins 1..12,
//! twin 1's reporter is anvil account 5). Ignored by default; run with
//! `HASHTWIN_IT_RPC=http://127.0.0.1:8702 cargo test --test anvil_it -- --ignored`.

use hashtwin_agent::agent::{Agent, Sample, Schedule, TelemetrySource};
use hashtwin_agent::chain::poster::ChainPoster;
use hashtwin_agent::chain::rpc::Rpc;
use hashtwin_agent::chain::tx::ReporterKey;
use hashtwin_agent::chain::{PostError, Poster, RegistryError};
use hashtwin_agent::log::VecLogger;
use hashtwin_agent::normalise::TelemetryReport;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const REGISTRY: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
// anvil's published dev accounts 5 and 0: local chains only.
const ACCOUNT_5: &str = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
const ACCOUNT_0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn poster(key: &str) -> ChainPoster {
    let url = std::env::var("HASHTWIN_IT_RPC").expect("set HASHTWIN_IT_RPC to the local chain's URL");
    assert!(url.starts_with("http://127.0.0.1:"), "only a local chain on 127.0.0.1");
    let keys = vec![ReporterKey::from_hex(key, "test key").unwrap()];
    ChainPoster::new(Rpc::new(&url, Duration::from_secs(10)), REGISTRY.parse().unwrap(), 31337, keys)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn report(ts: u64) -> TelemetryReport {
    TelemetryReport {
        timestamp: ts,
        hashrate_ghs: 199_500,
        power_watts: 3490,
        board_temp_deci_c: 712,
        fan_rpm: 4100,
        uptime_seconds: 7200,
        accepted_shares: 1234,
        rejected_shares: 2,
    }
}

/// Hands out pre-made reports, one per poll.
struct Replay(Vec<TelemetryReport>);

impl TelemetrySource for Replay {
    fn describe(&self) -> String {
        "replayed reports".into()
    }
    fn sample(&mut self, _now: u64) -> Result<Sample, String> {
        if self.0.is_empty() {
            return Err("no more reports".into());
        }
        Ok(Sample { report: self.0.remove(0), notes: Vec::new() })
    }
}

#[test]
#[ignore = "needs a seeded local chain: HASHTWIN_IT_RPC"]
fn posts_to_twin_1_and_decodes_real_reverts() {
    let mut chain = poster(ACCOUNT_5);
    assert_eq!(chain.chain_id_of_node().unwrap(), 31337);
    let before = chain.last_telemetry_at(1).unwrap();
    let base = (before + 1).max(now() - 30);
    assert!(base + 2 <= now(), "twin 1's last report ({before}) is too recent to test with");

    let dir = std::env::temp_dir().join(format!("hashtwin-it-{}", std::process::id()));
    let log = Arc::new(VecLogger::new());
    let schedule = Schedule { poll_every: 1, post_every: 1, ..Schedule::default() };
    let mut agent = Agent::new(chain, log.clone(), schedule);
    let reports = vec![report(base), report(base + 1), report(base + 2)];
    agent.add_rig("it-twin-1", 1, Box::new(Replay(reports)), &dir, base).unwrap();
    for k in 0..3 {
        agent.tick(base + k + 1000); // poll; the first tick also posts the first report
    }
    agent.flush(now());
    let lines = log.lines();
    for l in &lines {
        eprintln!("{l}");
    }
    let mut chain = agent.poster;
    let after = chain.last_telemetry_at(1).unwrap();
    assert_eq!(after, base + 2, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("posted") && l.contains("in tx 0x")), "{lines:?}");

    // The real node's revert data decodes into the registry's errors.
    match chain.prepare(1, &[report(after)]) {
        Err(PostError::Reverted(RegistryError::TelemetryOutOfOrder { index: 0, timestamp, previous })) => {
            assert_eq!((timestamp, previous), (after, after))
        }
        other => panic!("{other:?}"),
    }
    match chain.prepare(1, &[report(now() + 3600)]) {
        Err(PostError::Reverted(RegistryError::TelemetryInFuture { .. })) => {}
        other => panic!("{other:?}"),
    }
    // Account 0 is not twin 1's reporter: the agent finds that out before signing.
    match poster(ACCOUNT_0).prepare(1, &[report(now())]) {
        Err(PostError::NoKey { reporter }) => {
            assert_eq!(reporter.to_lowercase(), "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc")
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
