//! Against a local chain seeded by the app's `scripts/lib/localchain.mjs` (twins 1..12; twin N's
//! operator is anvil account 1 + (N-1) % 4 and its reporter account 5 + (N-1) % 3). Ignored by
//! default; run with
//! `HASHTWIN_IT_RPC=http://127.0.0.1:8702 HASHTWIN_IT_NETWORKS=/tmp/networks.json cargo test --test anvil_it -- --ignored`
//! (start the chain with `node scripts/lib/localchain.mjs 8702 /tmp/networks.json`): the
//! contracts' addresses are read from the networks.json it wrote.

use ethers_core::abi::Token;
use ethers_core::types::{Address, I256, U256};
use ethers_core::utils::keccak256;
use hashtwin_agent::agent::{Agent, Sample, Schedule, TelemetrySource};
use hashtwin_agent::chain::abi::hex_string;
use hashtwin_agent::chain::poster::ChainPoster;
use hashtwin_agent::chain::rpc::Rpc;
use hashtwin_agent::chain::tx::ReporterKey;
use hashtwin_agent::chain::{PostError, Poster, RegistryError, TxStatus};
use hashtwin_agent::earnings::EarningsSource;
use hashtwin_agent::log::VecLogger;
use hashtwin_agent::normalise::TelemetryReport;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// anvil's published dev accounts 0, 1, 5 and 6: local chains only.
const ACCOUNT_0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ACCOUNT_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ACCOUNT_5: &str = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
const ACCOUNT_6: &str = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";

fn url() -> String {
    let url = std::env::var("HASHTWIN_IT_RPC").expect("set HASHTWIN_IT_RPC to the local chain's URL");
    assert!(url.starts_with("http://127.0.0.1:"), "only a local chain on 127.0.0.1");
    url
}

/// A contract's address from the local chain's entry of the networks.json the chain script wrote.
fn contract(name: &str) -> Address {
    let path = std::env::var("HASHTWIN_IT_NETWORKS").expect("set HASHTWIN_IT_NETWORKS to the chain's networks.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let networks: Value = serde_json::from_str(&text).unwrap();
    let local = networks["networks"].as_array().unwrap().iter().find(|n| n["chainId"] == 31337).expect("chain 31337");
    local["contracts"][name].as_str().unwrap_or_else(|| panic!("no {name} in {path}")).parse().unwrap()
}

fn poster_with(keys: &[&str]) -> ChainPoster {
    let keys = keys.iter().map(|k| ReporterKey::from_hex(k, "test key").unwrap()).collect();
    ChainPoster::new(Rpc::new(&url(), Duration::from_secs(10)), contract("twinRegistry"), 31337, keys)
        .with_earnings(contract("twinEarnings"))
}

fn poster(key: &str) -> ChainPoster {
    poster_with(&[key])
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
    // Account 0 is neither twin 1's reporter nor its operator: the agent finds that out before signing.
    match poster(ACCOUNT_0).prepare(1, &[report(now())]) {
        Err(PostError::NoKey { reporter }) => {
            assert_eq!(reporter.to_lowercase(), "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc")
        }
        other => panic!("{other:?}"),
    }
    match poster(ACCOUNT_0).prepare_settle(1, 0, 1.into(), 0.into(), 0.into(), 1.into()) {
        Err(PostError::NoOperatorKey { operator }) => {
            assert_eq!(operator.to_lowercase(), "0x70997970c51812dc3a010c7d01b50e0d17dc79c8")
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A miner that is never there: the settlement test posts its own report.
struct Absent;

impl TelemetrySource for Absent {
    fn describe(&self) -> String {
        "no miner".into()
    }
    fn sample(&mut self, _now: u64) -> Result<Sample, String> {
        Err("no miner".into())
    }
}

fn block_time(rpc: &Rpc) -> u64 {
    let block = rpc.call("eth_getBlockByNumber", json!(["latest", false])).unwrap();
    u64::from_str_radix(block["timestamp"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// The feed's owner (anvil account 0, unlocked on anvil) publishes `answer` now.
fn publish(rpc: &Rpc, feed: Address, answer: I256) {
    let mut data = keccak256("publish(int256)")[..4].to_vec();
    data.extend(ethers_core::abi::encode(&[Token::Int(answer.into_raw())]));
    let from = ReporterKey::from_hex(ACCOUNT_0, "account 0").unwrap().address();
    let hash = rpc
        .call("eth_sendTransaction", json!([{ "from": from, "to": feed, "data": format!("0x{}", hex_string(&data)) }]))
        .unwrap();
    let receipt = rpc.call("eth_getTransactionReceipt", json!([hash])).unwrap();
    assert_eq!(receipt["status"], "0x1", "publish reverted: {receipt}");
}

#[test]
#[ignore = "needs a seeded local chain: HASHTWIN_IT_RPC and HASHTWIN_IT_NETWORKS"]
fn settles_twin_5_as_its_operator_and_decodes_real_reverts() {
    // Twin 5: operator account 1, reporter account 6. Twin 1 is the other test's.
    const TWIN: u64 = 5;
    let rpc = Rpc::new(&url(), Duration::from_secs(10));
    let mut chain = poster_with(&[ACCOUNT_1, ACCOUNT_6]);

    // A report, so that the period has telemetry whatever the seed settled.
    let at = block_time(&rpc).max(chain.last_telemetry_at(TWIN).unwrap() + 1);
    let tx = chain.prepare(TWIN, &[report(at)]).unwrap();
    chain.broadcast(&tx).unwrap();
    assert!(matches!(chain.wait(&tx, Duration::from_secs(10)).unwrap(), TxStatus::Mined { success: true, .. }));
    let before = chain.period_of(TWIN).unwrap();
    assert_eq!(before.end, at);

    // The seed publishes its prices once; on a chain that ran on, ETH/USD may be stale: the
    // real node's revert decodes, and a fresh price is published.
    let figures = chain.network_figures().unwrap();
    let gross = U256::exp10(15);
    match chain.quote(TWIN, gross) {
        Ok(_) => {}
        Err(PostError::Reverted(e @ RegistryError::StalePrice { .. })) => {
            assert!(e.to_string().starts_with("StalePrice: the price feed 0x"), "{e}");
            publish(&rpc, contract("ethUsdFeed"), figures.eth_usd.answer);
        }
        Err(e) => panic!("{e}"),
    }
    let quote = chain.quote(TWIN, gross).unwrap();
    assert_eq!((quote.period_start, quote.period_end), (before.start, before.end));
    assert_eq!(quote.service_fee_cap, gross * 1_000 / 10_000, "operator 1's terms: 10 %");

    // Claims the caps do not allow and a payment that is not the net: decoded from the node.
    let above = quote.service_fee_cap + 1;
    match chain.prepare_settle(TWIN, quote.period_end, gross, above, 0.into(), gross - above) {
        Err(PostError::Reverted(RegistryError::ServiceFeeAboveCap { service_fee, cap })) => {
            assert_eq!((service_fee, cap), (above, quote.service_fee_cap))
        }
        other => panic!("{other:?}"),
    }
    match chain.prepare_settle(
        TWIN,
        quote.period_end,
        gross,
        quote.service_fee_cap,
        quote.electricity_cap,
        quote.net + 1,
    ) {
        Err(PostError::Reverted(e @ RegistryError::PaymentNotNet { .. })) => {
            assert_eq!(
                e.to_string(),
                format!(
                    "PaymentNotNet: {} wei came with twin 5's settlement, whose net is {} wei",
                    quote.net + 1,
                    quote.net
                )
            )
        }
        other => panic!("{other:?}"),
    }

    // The agent settles the period with the operator's figure, as the operator.
    let dir = std::env::temp_dir().join(format!("hashtwin-it-settle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = Arc::new(VecLogger::new());
    let mut agent = Agent::new(chain, log.clone(), Schedule::default());
    agent.add_rig("it-twin-5", TWIN, Box::new(Absent), &dir, at).unwrap();
    agent.settle_with(TWIN, EarningsSource::Command(format!("echo {gross}")));
    // The agent's clock: the period is due (the contract itself does not check).
    agent.tick(now().max(before.due_at));
    let lines = log.lines();
    for l in &lines {
        eprintln!("{l}");
    }
    let settled = format!("settled twin 5's period {}-{} in tx 0x", before.start, before.end);
    assert!(lines.iter().any(|l| l.contains(&settled)), "{lines:?}");
    let after = agent.poster.period_of(TWIN).unwrap();
    assert_eq!((after.start, after.settled), (before.end, before.settled + 1));
    let _ = std::fs::remove_dir_all(&dir);
}
