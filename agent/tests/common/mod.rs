//! Shared test helpers: a fake miner on 127.0.0.1 that replays fixtures, and a fake chain
//! that enforces the registry's rules.
#![allow(dead_code)]

use ethers_core::types::{Address, I256, U256};
use hashtwin_agent::chain::{ChainFigures, FeedAnswer, Period, PostError, Poster, Quote, RegistryError, TxStatus};
use hashtwin_agent::cursor::{InFlight, PendingSettlement};
use hashtwin_agent::normalise::TelemetryReport;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(format!("{name}.json"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the fake miner does with one connection.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Send these bytes, then close (cgminer's behaviour).
    Send(Vec<u8>),
    /// Accept, read the request, and never answer (until the client gives up).
    Hang,
}

/// cgminer-style: the fixture followed by a NUL byte.
pub fn with_nul(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.push(0);
    bytes
}

pub type Script = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

pub struct FakeMiner {
    pub addr: String,
    script: Arc<Mutex<Script>>,
    pub commands: Arc<Mutex<Vec<String>>>,
}

impl FakeMiner {
    pub fn start(script: Script) -> FakeMiner {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap(), script)
    }

    pub fn start_on(listener: TcpListener, script: Script) -> FakeMiner {
        let addr = listener.local_addr().unwrap().to_string();
        let script = Arc::new(Mutex::new(script));
        let commands = Arc::new(Mutex::new(Vec::new()));
        let (s, c) = (script.clone(), commands.clone());
        // The thread lives as long as the test process; it only ever serves 127.0.0.1.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let script = s.lock().unwrap().clone();
                let commands = c.clone();
                std::thread::spawn(move || serve(stream, script, commands));
            }
        });
        FakeMiner { addr, script, commands }
    }

    /// Replays a miner model's fixtures: `<model>_<command>.json` plus the trailing NUL.
    pub fn replaying(model: &'static str) -> FakeMiner {
        Self::start(replay(model))
    }

    pub fn set_script(&self, script: Script) {
        *self.script.lock().unwrap() = script;
    }
}

pub fn replay(model: &'static str) -> Script {
    Arc::new(move |command: &str| Reply::Send(with_nul(fixture(&format!("{model}_{command}")))))
}

fn serve(mut stream: TcpStream, script: Script, commands: Arc<Mutex<Vec<String>>>) {
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).unwrap_or(0);
    let request: serde_json::Value = serde_json::from_slice(&buf[..n]).unwrap_or_default();
    let command = request["command"].as_str().unwrap_or("").to_string();
    commands.lock().unwrap().push(command.clone());
    match script(&command) {
        Reply::Send(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Reply::Hang => {
            // Hold the connection until the client hangs up, bounded so the thread ends.
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => break,
                }
            }
        }
    }
}

/// A port nothing listens on: bind one, then let it go.
pub fn refused_port() -> (String, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    (format!("127.0.0.1:{port}"), port)
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hashtwin-agent-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A twin's earning terms, as minted.
#[derive(Clone, Copy, Debug)]
pub struct Terms {
    pub fee_bps: u64,
    pub tariff_micro_usd_per_kwh: u64,
    pub period: u64,
    pub grace: u64,
}

impl Default for Terms {
    /// Operator 1's terms in the seed: 10 %, $0.055/kWh, daily, 6 h of grace.
    fn default() -> Self {
        Terms { fee_bps: 1_000, tariff_micro_usd_per_kwh: 55_000, period: 86_400, grace: 6 * 3_600 }
    }
}

/// A transaction the fake node has signed bytes for.
#[derive(Clone, Debug)]
pub enum FakeTx {
    Telemetry(u64, Vec<TelemetryReport>),
    Settle { token: u64, gross: U256, fee: U256, electricity: U256, value: U256 },
}

/// One settlement that landed, as the contract's `Settled` event would record it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Landed {
    pub token: u64,
    pub start: u64,
    pub end: u64,
    pub energy_wh: u64,
    pub gross: U256,
    pub fee: U256,
    pub electricity: U256,
    pub net: U256,
}

/// TwinEarnings' record of a twin: where its settlements reached.
#[derive(Clone, Copy, Debug, Default)]
pub struct SettleCursor {
    pub settled_through: u64,
    pub energy_settled_wh: u64,
    pub count: u32,
}

pub fn feed(answer: i128, decimals: u8) -> FeedAnswer {
    FeedAnswer { answer: I256::from(answer), decimals, updated_at: 0 }
}

/// The deployment's stand-in feeds: ETH $3,000, BTC $91,000, difficulty 152 T, 0.02 BTC of fees.
pub fn deploy_figures() -> ChainFigures {
    ChainFigures {
        eth_usd: feed(300_000_000_000, 8),
        btc_usd: feed(9_100_000_000_000, 8),
        difficulty: feed(152_000_000_000_000, 0),
        fees_per_block: feed(2_000_000, 8),
    }
}

/// The registry's and TwinEarnings' rules, in memory, plus knobs to make the node misbehave.
#[derive(Default)]
pub struct ChainState {
    pub last: HashMap<u64, u64>,
    /// Every report that made it on chain, as (twin, timestamp).
    pub posted: Vec<(u64, u64)>,
    pub block_time: u64,
    pub decommissioned: Vec<u64>,
    pub not_reporter: Vec<u64>,
    /// While true, every call fails as if the RPC endpoint were down.
    pub rpc_down: bool,
    /// While true, broadcast transactions are mined but their receipts are not returned
    /// (the agent "crashes" or times out before it learns the outcome).
    pub hide_receipts: bool,
    /// While true, broadcasts are accepted but never mined.
    pub stall: bool,
    pub receipts: HashMap<String, (u64, bool)>,
    pub mempool: HashMap<String, FakeTx>,
    pub signed: HashMap<String, FakeTx>,
    pub nonces: HashMap<String, u64>,
    /// Nonces used by a mined transaction (or burnt by a test).
    pub used_nonces: Vec<u64>,
    pub next_tx: u64,
    pub block: u64,
    pub prepares: usize,
    pub broadcasts: usize,
    pub max_batch_seen: usize,

    // TwinEarnings.
    pub minted_at: HashMap<u64, u64>,
    pub terms: HashMap<u64, Terms>,
    /// Every report on chain, with its figures, as (twin, report).
    pub reports: Vec<(u64, TelemetryReport)>,
    pub energy_wh: HashMap<u64, u64>,
    pub joules: HashMap<u64, u128>,
    pub cursors: HashMap<u64, SettleCursor>,
    pub settlements: Vec<Landed>,
    /// ETH/USD with 8 decimals; 0 means the deployment's $3,000.
    pub eth_usd: i128,
    /// While true, every quote and settlement reverts with StalePrice.
    pub stale_price: bool,
    /// Twins whose operator has no configured key.
    pub no_operator_key: Vec<u64>,
    pub figures: Option<ChainFigures>,
    pub settle_prepares: usize,
    pub settle_broadcasts: usize,
    pub period_reads: usize,
}

impl ChainState {
    fn check(&self, token: u64, reports: &[TelemetryReport]) -> Result<(), RegistryError> {
        if self.not_reporter.contains(&token) {
            return Err(RegistryError::NotReporter { token_id: token.into(), caller: Default::default() });
        }
        if self.decommissioned.contains(&token) {
            return Err(RegistryError::TwinDecommissioned { token_id: token.into() });
        }
        if reports.is_empty() {
            return Err(RegistryError::EmptyTelemetryBatch);
        }
        if reports.len() > 168 {
            return Err(RegistryError::TelemetryBatchTooLarge { length: reports.len() as u64, max: 168 });
        }
        let newest = reports.last().unwrap().timestamp;
        if newest > self.block_time {
            return Err(RegistryError::TelemetryInFuture { timestamp: newest, block_timestamp: self.block_time });
        }
        let mut previous = self.last.get(&token).copied().unwrap_or(0);
        for (i, r) in reports.iter().enumerate() {
            if r.timestamp <= previous {
                return Err(RegistryError::TelemetryOutOfOrder { index: i as u64, timestamp: r.timestamp, previous });
            }
            previous = r.timestamp;
        }
        Ok(())
    }

    /// Mints `token` at `at` with `terms`: its first period starts there.
    pub fn mint(&mut self, token: u64, at: u64, terms: Terms) {
        self.minted_at.insert(token, at);
        self.last.insert(token, at);
        self.terms.insert(token, terms);
    }

    /// Mines a transaction: applies it if the contracts would accept it now.
    fn mine(&mut self, hash: &str, tx: &FakeTx) {
        self.block += 1;
        let ok = match tx {
            FakeTx::Telemetry(token, reports) => {
                let ok = self.check(*token, reports).is_ok();
                if ok {
                    self.apply_reports(*token, reports);
                }
                ok
            }
            FakeTx::Settle { token, gross, fee, electricity, value } => {
                self.settle(*token, *gross, *fee, *electricity, *value).is_ok()
            }
        };
        if let Some(n) = self.nonces.get(hash) {
            let n = *n;
            self.used_nonces.push(n);
        }
        self.receipts.insert(hash.to_string(), (self.block, ok));
    }

    /// Another reporter's batch lands (or the demo seed's): straight onto the chain.
    pub fn land_reports(&mut self, token: u64, reports: &[TelemetryReport]) {
        self.check(token, reports).expect("the registry accepts the batch");
        self.block += 1;
        self.apply_reports(token, reports);
    }

    /// The registry's energy meter: power × min(gap, 1 h), in Wh per batch.
    fn apply_reports(&mut self, token: u64, reports: &[TelemetryReport]) {
        let mut previous = self.last.get(&token).copied().unwrap_or(0);
        let mut joules = 0u128;
        for r in reports {
            joules += r.power_watts as u128 * (r.timestamp - previous).min(3_600) as u128;
            previous = r.timestamp;
        }
        *self.energy_wh.entry(token).or_default() += (joules / 3_600) as u64;
        self.last.insert(token, reports.last().unwrap().timestamp);
        self.posted.extend(reports.iter().map(|r| (token, r.timestamp)));
        self.reports.extend(reports.iter().map(|r| (token, *r)));
    }

    pub fn mine_mempool(&mut self) {
        let pending: Vec<_> = self.mempool.drain().collect();
        for (hash, tx) in pending {
            self.mine(&hash, &tx);
        }
    }

    pub fn period(&self, token: u64) -> Period {
        let terms = self.terms.get(&token).copied().unwrap_or_default();
        let minted = self.minted_at.get(&token).copied().unwrap_or(0);
        let c = self.cursors.get(&token).copied().unwrap_or_default();
        let start = if c.count == 0 { minted } else { c.settled_through };
        let metered = self.last.get(&token).copied().unwrap_or(minted);
        let due_at = start + terms.period;
        Period {
            start,
            end: metered.max(start),
            energy_wh: self.energy_wh.get(&token).copied().unwrap_or(0) - c.energy_settled_wh,
            due_at,
            late_at: due_at + terms.grace,
            settled: c.count,
        }
    }

    fn eth_usd(&self) -> i128 {
        if self.eth_usd == 0 {
            300_000_000_000
        } else {
            self.eth_usd
        }
    }

    /// TwinEarnings' `_figures` and `_split` with both caps kept.
    pub fn quote(&self, token: u64, gross: U256) -> Result<Quote, RegistryError> {
        if self.stale_price {
            return Err(RegistryError::StalePrice {
                feed: Address::from_low_u64_be(0xfeed),
                updated_at: 1_732_000_000,
                max_age: 90_000,
            });
        }
        let p = self.period(token);
        if !p.has_telemetry() {
            return Err(RegistryError::NoNewTelemetry { token_id: token.into(), settled_through: p.start });
        }
        let terms = self.terms.get(&token).copied().unwrap_or_default();
        let price = U256::from(self.eth_usd() as u128);
        let fee_cap = gross * terms.fee_bps / 10_000;
        let elec_cap = U256::from(p.energy_wh) * terms.tariff_micro_usd_per_kwh * U256::exp10(17) / price;
        let kept = fee_cap + elec_cap;
        let (net, shortfall) = if kept <= gross { (gross - kept, U256::zero()) } else { (U256::zero(), kept - gross) };
        Ok(Quote {
            period_start: p.start,
            period_end: p.end,
            energy_wh: p.energy_wh,
            late: false,
            price_decimals: 8,
            gross,
            service_fee: fee_cap,
            electricity: elec_cap,
            net,
            shortfall,
            service_fee_cap: fee_cap,
            electricity_cap: elec_cap,
            eth_usd_price: price,
        })
    }

    fn settle(
        &mut self,
        token: u64,
        gross: U256,
        fee: U256,
        electricity: U256,
        value: U256,
    ) -> Result<(), RegistryError> {
        let q = self.quote(token, gross)?;
        if fee > q.service_fee_cap {
            return Err(RegistryError::ServiceFeeAboveCap { service_fee: fee, cap: q.service_fee_cap });
        }
        if electricity > q.electricity_cap {
            return Err(RegistryError::ElectricityAboveCap { electricity, cap: q.electricity_cap });
        }
        let kept = fee + electricity;
        let net = if kept <= gross { gross - kept } else { U256::zero() };
        if value != net {
            return Err(RegistryError::PaymentNotNet { token_id: token.into(), net, sent: value });
        }
        let c = self.cursors.entry(token).or_default();
        c.settled_through = q.period_end;
        c.energy_settled_wh += q.energy_wh;
        c.count += 1;
        self.settlements.push(Landed {
            token,
            start: q.period_start,
            end: q.period_end,
            energy_wh: q.energy_wh,
            gross,
            fee,
            electricity,
            net,
        });
        Ok(())
    }

    fn sign(&mut self, tx: FakeTx) -> (String, u64) {
        self.next_tx += 1;
        let hash = format!("0x{:064x}", self.next_tx);
        self.signed.insert(hash.clone(), tx);
        self.nonces.insert(hash.clone(), self.next_tx);
        (hash, self.next_tx)
    }

    fn send(&mut self, hash: &str) {
        if self.receipts.contains_key(hash) || self.mempool.contains_key(hash) {
            return; // already known
        }
        let tx = self.signed.get(hash).cloned().expect("only signed txs are sent");
        if self.stall {
            self.mempool.insert(hash.to_string(), tx);
        } else {
            self.mine(hash, &tx);
        }
    }

    fn status(&self, hash: &str) -> TxStatus {
        if self.hide_receipts {
            return TxStatus::Pending;
        }
        if let Some((block, success)) = self.receipts.get(hash) {
            return TxStatus::Mined { block: *block, success: *success };
        }
        if self.mempool.contains_key(hash) {
            TxStatus::Pending
        } else {
            TxStatus::Unknown
        }
    }
}

#[derive(Clone, Default)]
pub struct FakeChain(pub Arc<Mutex<ChainState>>);

impl FakeChain {
    pub fn state(&self) -> std::sync::MutexGuard<'_, ChainState> {
        self.0.lock().unwrap()
    }

    /// The test's oracle: nothing may ever land twice.
    pub fn assert_no_duplicates(&self) {
        let posted = self.state().posted.clone();
        let mut seen = std::collections::HashSet::new();
        for p in &posted {
            assert!(seen.insert(*p), "report {p:?} posted twice: {posted:?}");
        }
    }

    /// The settlements' oracle: periods of a twin follow each other, none is paid twice, and each
    /// gross is the one its period was meant to get.
    pub fn assert_settlements_chain(&self) {
        let s = self.state();
        let mut ends: HashMap<u64, u64> = HashMap::new();
        for l in &s.settlements {
            let minted = s.minted_at.get(&l.token).copied().unwrap_or(0);
            let previous = ends.get(&l.token).copied().unwrap_or(minted);
            assert_eq!(l.start, previous, "settlement {l:?} does not follow the one before");
            assert!(l.end > l.start, "{l:?}");
            ends.insert(l.token, l.end);
        }
    }
}

fn down() -> PostError {
    PostError::Transport("connection refused at http://127.0.0.1:1".into())
}

impl Poster for FakeChain {
    fn last_telemetry_at(&mut self, token_id: u64) -> Result<u64, PostError> {
        let s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        Ok(s.last.get(&token_id).copied().unwrap_or(0))
    }

    fn prepare(&mut self, token_id: u64, reports: &[TelemetryReport]) -> Result<InFlight, PostError> {
        let mut s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        s.prepares += 1;
        s.max_batch_seen = s.max_batch_seen.max(reports.len());
        s.check(token_id, reports).map_err(PostError::Reverted)?;
        let (hash, nonce) = s.sign(FakeTx::Telemetry(token_id, reports.to_vec()));
        Ok(InFlight {
            tx_hash: hash.clone(),
            raw_tx: format!("raw-{hash}"),
            from: "0x0000000000000000000000000000000000000005".into(),
            nonce,
            first_timestamp: reports[0].timestamp,
            last_timestamp: reports.last().unwrap().timestamp,
            count: reports.len(),
            sent_at: 0,
        })
    }

    fn broadcast(&mut self, tx: &InFlight) -> Result<(), PostError> {
        let mut s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        s.broadcasts += 1;
        s.send(&tx.tx_hash);
        Ok(())
    }

    fn wait(&mut self, tx: &InFlight, _timeout: Duration) -> Result<TxStatus, PostError> {
        let s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        Ok(s.status(&tx.tx_hash))
    }

    fn period_of(&mut self, token_id: u64) -> Result<Period, PostError> {
        let mut s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        s.period_reads += 1;
        Ok(s.period(token_id))
    }

    fn quote(&mut self, token_id: u64, gross: U256) -> Result<Quote, PostError> {
        let s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        s.quote(token_id, gross).map_err(PostError::Reverted)
    }

    fn prepare_settle(
        &mut self,
        token_id: u64,
        period_end: u64,
        gross: U256,
        service_fee: U256,
        electricity: U256,
        value: U256,
    ) -> Result<PendingSettlement, PostError> {
        let mut s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        if s.no_operator_key.contains(&token_id) {
            return Err(PostError::NoOperatorKey { operator: "0x0000000000000000000000000000000000000001".into() });
        }
        s.settle_prepares += 1;
        // eth_estimateGas: the call must succeed as things stand.
        let q = s.quote(token_id, gross).map_err(PostError::Reverted)?;
        if q.period_end != period_end {
            return Err(PostError::Reverted(RegistryError::PeriodEndMoved {
                token_id: token_id.into(),
                expected: period_end,
                actual: q.period_end,
            }));
        }
        if service_fee > q.service_fee_cap {
            return Err(PostError::Reverted(RegistryError::ServiceFeeAboveCap { service_fee, cap: q.service_fee_cap }));
        }
        if electricity > q.electricity_cap {
            return Err(PostError::Reverted(RegistryError::ElectricityAboveCap {
                electricity,
                cap: q.electricity_cap,
            }));
        }
        let (hash, nonce) = s.sign(FakeTx::Settle { token: token_id, gross, fee: service_fee, electricity, value });
        Ok(PendingSettlement {
            tx_hash: hash.clone(),
            raw_tx: format!("raw-{hash}"),
            from: "0x0000000000000000000000000000000000000001".into(),
            nonce,
            period_start: 0,
            period_end: 0,
            settled_before: 0,
            gross,
            service_fee,
            electricity,
            net: value,
            sent_at: 0,
        })
    }

    fn broadcast_settlement(&mut self, tx: &PendingSettlement) -> Result<(), PostError> {
        let mut s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        s.settle_broadcasts += 1;
        if s.used_nonces.contains(&tx.nonce) && !s.receipts.contains_key(&tx.tx_hash) {
            return Err(PostError::NonceTooLow(format!("nonce {} already used", tx.nonce)));
        }
        s.send(&tx.tx_hash);
        Ok(())
    }

    fn wait_settlement(&mut self, tx: &PendingSettlement, _timeout: Duration) -> Result<TxStatus, PostError> {
        let s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        Ok(s.status(&tx.tx_hash))
    }

    fn nonce_used(&mut self, _from: &str, nonce: u64) -> Result<bool, PostError> {
        let s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        Ok(s.used_nonces.contains(&nonce))
    }

    fn telemetry_between(
        &mut self,
        token_id: u64,
        after: u64,
        through: u64,
    ) -> Result<Vec<TelemetryReport>, PostError> {
        let s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        Ok(s.reports
            .iter()
            .filter(|(t, r)| *t == token_id && r.timestamp > after && r.timestamp <= through)
            .map(|(_, r)| *r)
            .collect())
    }

    fn network_figures(&mut self) -> Result<ChainFigures, PostError> {
        let s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        Ok(s.figures.unwrap_or_else(deploy_figures))
    }
}

pub fn report(ts: u64) -> TelemetryReport {
    TelemetryReport {
        timestamp: ts,
        hashrate_ghs: 100_000,
        power_watts: 3000,
        board_temp_deci_c: 700,
        fan_rpm: 5000,
        uptime_seconds: 600,
        accepted_shares: 10,
        rejected_shares: 0,
    }
}
