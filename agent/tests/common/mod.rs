//! Shared test helpers: a fake miner on 127.0.0.1 that replays fixtures, and a fake chain
//! that enforces the registry's rules.
#![allow(dead_code)]

use hashtwin_agent::chain::{PostError, Poster, RegistryError, TxStatus};
use hashtwin_agent::cursor::InFlight;
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

/// The registry's rules, in memory, plus knobs to make the node misbehave.
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
    pub mempool: HashMap<String, (u64, Vec<TelemetryReport>)>,
    pub signed: HashMap<String, (u64, Vec<TelemetryReport>)>,
    pub next_tx: u64,
    pub block: u64,
    pub prepares: usize,
    pub broadcasts: usize,
    pub max_batch_seen: usize,
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

    /// Mines a transaction: applies it if the registry would accept it now.
    fn mine(&mut self, hash: &str, token: u64, reports: &[TelemetryReport]) {
        self.block += 1;
        let ok = self.check(token, reports).is_ok();
        if ok {
            self.last.insert(token, reports.last().unwrap().timestamp);
            self.posted.extend(reports.iter().map(|r| (token, r.timestamp)));
        }
        self.receipts.insert(hash.to_string(), (self.block, ok));
    }

    pub fn mine_mempool(&mut self) {
        let pending: Vec<_> = self.mempool.drain().collect();
        for (hash, (token, reports)) in pending {
            self.mine(&hash, token, &reports);
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
        s.next_tx += 1;
        let hash = format!("0x{:064x}", s.next_tx);
        s.signed.insert(hash.clone(), (token_id, reports.to_vec()));
        Ok(InFlight {
            tx_hash: hash.clone(),
            raw_tx: format!("raw-{hash}"),
            from: "0x0000000000000000000000000000000000000005".into(),
            nonce: s.next_tx,
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
        if s.receipts.contains_key(&tx.tx_hash) || s.mempool.contains_key(&tx.tx_hash) {
            return Ok(()); // already known
        }
        let (token, reports) = s.signed.get(&tx.tx_hash).cloned().expect("only signed txs are sent");
        if s.stall {
            s.mempool.insert(tx.tx_hash.clone(), (token, reports));
        } else {
            s.mine(&tx.tx_hash, token, &reports);
        }
        Ok(())
    }

    fn wait(&mut self, tx: &InFlight, _timeout: Duration) -> Result<TxStatus, PostError> {
        let s = self.state();
        if s.rpc_down {
            return Err(down());
        }
        if s.hide_receipts {
            return Ok(TxStatus::Pending);
        }
        if let Some((block, success)) = s.receipts.get(&tx.tx_hash) {
            return Ok(TxStatus::Mined { block: *block, success: *success });
        }
        Ok(if s.mempool.contains_key(&tx.tx_hash) { TxStatus::Pending } else { TxStatus::Unknown })
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
