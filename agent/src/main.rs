//! hashtwin-agent: posts mining-rig telemetry onto the rigs' HashTwin NFTs.

use clap::Parser;
use hashtwin_agent::agent::{Agent, MinerSource, Schedule, TelemetrySource};
use hashtwin_agent::chain::poster::ChainPoster;
use hashtwin_agent::chain::rpc::{redact_url, Rpc};
use hashtwin_agent::chain::tx::{key_file_is_shared, load_keys, KEY_ENV};
use hashtwin_agent::config::{Config, RigConfig};
use hashtwin_agent::earnings::EarningsSource;
use hashtwin_agent::log::{Logger, StderrLogger};
use hashtwin_agent::miner_api::MinerClient;
use hashtwin_agent::normalise::{MinerKind, PowerModel, PowerSource};
use hashtwin_agent::simulate::{SimulatedRig, SimulatedSource};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The keys are deliberately not a flag: command lines show up in `ps` and shell history.
#[derive(Parser, Debug)]
#[command(name = "hashtwin-agent", version, about)]
struct Cli {
    /// Config file (TOML, or JSON if it ends in .json) listing the rigs.
    #[arg(long)]
    config: Option<PathBuf>,
    /// File with the reporter and operator private keys, one per line. Else HASHTWIN_REPORTER_KEY
    /// is read. Each twin is served by the key of its on-chain reporter (telemetry) and operator
    /// (settlements).
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// Directory for the per-twin cursors (overrides the config).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Simulate rigs instead of polling miners.
    #[arg(long)]
    simulate: bool,
    /// With --simulate: the twins to simulate (e.g. 1,2,3); nominal figures come from the
    /// config's rig entries or else from the chain's specOf.
    #[arg(long, value_delimiter = ',')]
    twins: Vec<u64>,
    /// JSON-RPC URL (overrides the config; needed with --simulate when there is no config).
    #[arg(long)]
    rpc_url: Option<String>,
    /// TwinRegistry address (overrides the config).
    #[arg(long)]
    registry: Option<String>,
    /// TwinEarnings address (overrides the config). With --simulate, the simulated twins are
    /// settled from a simulated pool.
    #[arg(long)]
    earnings: Option<String>,
    /// Chain id (overrides the config).
    #[arg(long)]
    chain_id: Option<u64>,
    /// Seconds between polls (overrides the config).
    #[arg(long)]
    poll_every: Option<u64>,
    /// Seconds between posts (overrides the config).
    #[arg(long)]
    post_every: Option<u64>,
    /// Poll every rig once, print the normalised reports as JSON lines, post nothing.
    #[arg(long)]
    check: bool,
    /// Stop after this many seconds, posting what is queued first.
    #[arg(long)]
    run_for: Option<u64>,
    /// Extra seed for the simulator's noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log: Arc<dyn Logger> = Arc::new(StderrLogger);
    match run(cli, log.clone()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            log.event("agent", &message);
            ExitCode::FAILURE
        }
    }
}

fn settings(cli: &Cli) -> Result<Config, String> {
    let mut config = match &cli.config {
        Some(path) => Config::load(path)?,
        None if cli.simulate => Config {
            rpc_url: String::new(),
            chain_id: 0,
            registry: String::new(),
            earnings: None,
            state_dir: PathBuf::from("hashtwin-agent-state"),
            poll_interval_secs: 60,
            post_interval_secs: 600,
            miner_timeout_secs: 10,
            receipt_timeout_secs: 120,
            max_queue: 7 * 24 * 60,
            rigs: Vec::new(),
        },
        None => return Err("--config is required (except with --simulate)".into()),
    };
    if let Some(v) = &cli.rpc_url {
        config.rpc_url = v.clone();
    }
    if let Some(v) = &cli.registry {
        config.registry = v.clone();
    }
    if let Some(v) = &cli.earnings {
        config.earnings = Some(v.clone());
    }
    if let Some(v) = cli.chain_id {
        config.chain_id = v;
    }
    if let Some(v) = &cli.state_dir {
        config.state_dir = v.clone();
    }
    if let Some(v) = cli.poll_every {
        config.poll_interval_secs = v;
    }
    if let Some(v) = cli.post_every {
        config.post_interval_secs = v;
    }
    config.validate(cli.simulate)?;
    Ok(config)
}

fn miner_source(rig: &RigConfig, config: &Config) -> MinerSource {
    MinerSource {
        client: MinerClient::new(
            rig.miner.as_deref().unwrap_or_default(),
            Duration::from_secs(config.miner_timeout_secs),
        ),
        kind: rig.kind,
        power: PowerModel {
            nominal_power_w: rig.nominal_power_w,
            nominal_hashrate_ghs: rig.nominal_hashrate_ghs,
            source: rig.power,
        },
    }
}

fn run(cli: Cli, log: Arc<dyn Logger>) -> Result<(), String> {
    let config = settings(&cli)?;

    if cli.check {
        for rig in &config.rigs {
            let mut source = miner_source(rig, &config);
            match source.sample(unix_now()) {
                Ok(sample) => {
                    for note in &sample.notes {
                        log.event(&format!("rig {}", rig.name), note);
                    }
                    let line =
                        serde_json::json!({ "rig": rig.name, "token_id": rig.token_id, "report": sample.report });
                    println!("{line}");
                }
                Err(e) => log.event(&format!("rig {}", rig.name), &e),
            }
        }
        return Ok(());
    }

    let env_key = std::env::var(KEY_ENV).ok();
    if let Some(path) = &cli.key_file {
        if key_file_is_shared(path) {
            log.event(
                "agent",
                &format!("warning: key file {} is readable by other users; chmod 600 it", path.display()),
            );
        }
    }
    let keys = load_keys(cli.key_file.as_deref(), env_key).map_err(|e| e.to_string())?;
    let addresses: Vec<String> = keys.iter().map(|k| format!("{:?}", k.address())).collect();

    let registry = config.registry_address()?;
    let earnings = config.earnings_address()?;
    let rpc = Rpc::new(&config.rpc_url, Duration::from_secs(15));
    let mut poster = ChainPoster::new(rpc, registry, config.chain_id, keys);
    if let Some(e) = earnings {
        poster = poster.with_earnings(e);
    }
    match poster.chain_id_of_node() {
        Ok(id) if id != config.chain_id => {
            return Err(format!(
                "node at {} is chain {id}, config says {}; refusing to sign for the wrong chain",
                redact_url(&config.rpc_url),
                config.chain_id
            ))
        }
        Ok(_) => {}
        // Not fatal: the node may come up later, and transactions carry the configured chain id.
        Err(e) => log.event("agent", &format!("cannot check the chain id yet: {e}")),
    }
    log.event(
        "agent",
        &format!(
            "registry {registry:?}{} on chain {} via {}; keys for {}; polling every {} s, posting every {} s",
            earnings.map(|e| format!(", earnings {e:?}")).unwrap_or_default(),
            config.chain_id,
            redact_url(&config.rpc_url),
            addresses.join(", "),
            config.poll_interval_secs,
            config.post_interval_secs
        ),
    );

    let schedule = Schedule {
        poll_every: config.poll_interval_secs,
        post_every: config.post_interval_secs,
        receipt_timeout: Duration::from_secs(config.receipt_timeout_secs),
        retry_min: 30.min(config.post_interval_secs),
        retry_max: 600.max(config.post_interval_secs),
        max_queue: config.max_queue,
    };
    let mut agent = Agent::new(poster, log.clone(), schedule);
    let now = unix_now();
    let add = |agent: &mut Agent<ChainPoster>, name: &str, token: u64, source: Box<dyn TelemetrySource>| {
        agent
            .add_rig(name, token, source, &config.state_dir, now)
            .map_err(|e| format!("cannot open the cursor in {}: {e}", config.state_dir.display()))
    };

    if cli.simulate {
        let twins: Vec<u64> =
            if cli.twins.is_empty() { config.rigs.iter().map(|r| r.token_id).collect() } else { cli.twins.clone() };
        if twins.is_empty() {
            return Err("--simulate needs --twins or rigs in the config".into());
        }
        for token in twins {
            let configured = config.rigs.iter().find(|r| r.token_id == token);
            let (name, ghs, watts, what) = match configured {
                Some(r) => (
                    r.name.clone(),
                    r.nominal_hashrate_ghs.unwrap_or(100_000),
                    r.nominal_power_w,
                    format!("{:?} from config", r.kind).to_lowercase(),
                ),
                None => {
                    let spec = agent.poster.spec_of(token).map_err(|e| format!("specOf({token}): {e}"))?;
                    (
                        format!("sim-{token}"),
                        spec.hashrate_ghs,
                        spec.power_watts,
                        format!("{} {}", spec.manufacturer, spec.model),
                    )
                }
            };
            let rig = SimulatedRig::new(ghs, watts, token.wrapping_mul(0x9E37_79B9).wrapping_add(cli.seed), now);
            let label = format!("simulated {what} ({:.1} TH/s, {watts} W nominal)", ghs as f64 / 1000.0);
            add(&mut agent, &name, token, Box::new(SimulatedSource { rig, label }))?;
            if earnings.is_some() {
                agent.settle_with(token, EarningsSource::SimulatedPool { seed: cli.seed });
            }
        }
    } else {
        if config.rigs.is_empty() {
            return Err("the config lists no rigs".into());
        }
        for rig in &config.rigs {
            if rig.kind == MinerKind::Antminer && rig.power == PowerSource::Auto && rig.nominal_hashrate_ghs.is_none() {
                log.event(
                    &format!("rig {}", rig.name),
                    "no nominal_hashrate_ghs: if the miner reports no power, the nominal power is posted unscaled",
                );
            }
            add(&mut agent, &rig.name, rig.token_id, Box::new(miner_source(rig, &config)))?;
            if let Some(source) = rig.earnings_source() {
                agent.settle_with(rig.token_id, source);
            }
        }
        if earnings.is_some() && config.rigs.iter().all(|r| r.earnings_source().is_none()) {
            log.event(
                "agent",
                "earnings is set but no rig names a gross_file or gross_command: nothing will be settled",
            );
        }
    }

    let stop_at = cli.run_for.map(|s| now + s);
    loop {
        let now = unix_now();
        if stop_at.is_some_and(|t| now >= t) {
            log.event("agent", "run time over; posting what is queued and stopping");
            agent.flush(now);
            return Ok(());
        }
        let wake = agent.tick(now);
        if agent.rigs.iter().all(|r| r.retired) {
            return Err("every twin is decommissioned; nothing left to do".into());
        }
        let until = stop_at.map_or(wake, |t| wake.min(t));
        let now = unix_now();
        if until > now {
            std::thread::sleep(Duration::from_secs((until - now).min(3600)));
        }
    }
}
