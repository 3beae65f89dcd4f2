//! Where a twin's gross for a period comes from, for `TwinEarnings.settle`.
//!
//! The agent never makes a figure up: a real rig's gross comes from the operator, either a file
//! of `token_id,period_start,period_end,gross_wei` lines or a command that prints it. Only simulate
//! mode computes one, from a simulated pool that pays the hash work the agent posted at the
//! hashprice of the chain's feeds.

use crate::chain::abi::ChainFigures;
use crate::cursor::WorkEntry;
use crate::hashprice::NetworkFigures;
use crate::simulate::Rng;
use ethers_core::types::U256;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The registry's `MAX_METERED_GAP`: a report counts for at most an hour since the one before.
pub const MAX_METERED_GAP: u64 = 3_600;
/// The simulated pool's fee.
pub const POOL_FEE: f64 = 0.02;
/// The simulated pool's luck: its payout is within this fraction either side of the expectation.
pub const LUCK: f64 = 0.03;
/// How long a `gross_command` may run.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment a `gross_command` is run with.
pub const ENV_TOKEN_ID: &str = "HASHTWIN_TOKEN_ID";
pub const ENV_PERIOD_START: &str = "HASHTWIN_PERIOD_START";
pub const ENV_PERIOD_END: &str = "HASHTWIN_PERIOD_END";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EarningsSource {
    /// Lines `token_id,period_start,period_end,gross_wei`; `#` starts a comment.
    File(PathBuf),
    /// Run by `sh -c` with HASHTWIN_TOKEN_ID, HASHTWIN_PERIOD_START and HASHTWIN_PERIOD_END;
    /// prints the gross in wei (nothing: no figure yet).
    Command(String),
    /// Simulate mode: the pool pays the posted hash work at the feeds' hashprice.
    SimulatedPool { seed: u64 },
}

impl EarningsSource {
    pub fn describe(&self) -> String {
        match self {
            EarningsSource::File(path) => format!("gross figures from {}", path.display()),
            EarningsSource::Command(command) => format!("gross figures from `{command}`"),
            EarningsSource::SimulatedPool { .. } => {
                "a simulated pool (posted hash work × the feeds' hashprice, ±3 % luck, 2 % pool fee)".into()
            }
        }
    }

    /// Whether the agent holds back reports after a due period's `dueAt` until it is settled, so
    /// that the period the operator is asked a figure for does not grow while they provide it.
    /// The simulated pool answers at once for whatever the period is, so it needs no hold.
    pub fn holds_period(&self) -> bool {
        !matches!(self, EarningsSource::SimulatedPool { .. })
    }
}

/// A gross in wei as the operator writes it: decimal digits, nothing else.
pub fn parse_gross(text: &str) -> Result<U256, String> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{}` is not a whole number of wei", shorten(t)));
    }
    U256::from_dec_str(t).map_err(|_| format!("`{}` is too large for a uint256", shorten(t)))
}

fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// What a gross file says about the period, if anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileAnswer {
    Figure(U256),
    /// No line for the period; `other` names the twin's periods the file does have, so that a
    /// line written for a period that has since grown is easy to spot.
    Missing {
        other: Vec<(u64, u64)>,
    },
}

/// Looks up `token_id`'s period [`start`, `end`] in a gross file. A malformed line or two lines
/// that give the same period different figures make the whole file an error: a figure that might
/// be the wrong one is not used.
pub fn gross_from_file(path: &Path, token_id: u64, start: u64, end: u64) -> Result<FileAnswer, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut found: Option<U256> = None;
    let mut other = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = |why: String| format!("{} line {}: {why}", path.display(), i + 1);
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != 4 {
            return Err(bad(format!(
                "expected token_id,period_start,period_end,gross_wei, found {} fields",
                fields.len()
            )));
        }
        let number = |k: usize, what: &str| {
            fields[k].parse::<u64>().map_err(|_| bad(format!("{what} `{}` is not a whole number", shorten(fields[k]))))
        };
        let (token, s, e) = (number(0, "token_id")?, number(1, "period_start")?, number(2, "period_end")?);
        let gross = parse_gross(fields[3]).map_err(bad)?;
        if token != token_id {
            continue;
        }
        if (s, e) != (start, end) {
            if s == start {
                other.push((s, e));
            }
            continue;
        }
        match found {
            Some(g) if g != gross => {
                return Err(bad(format!("a second, different figure for twin {token_id}'s period {start}-{end}")))
            }
            _ => found = Some(gross),
        }
    }
    Ok(found.map_or(FileAnswer::Missing { other }, FileAnswer::Figure))
}

/// Runs the operator's command for the period. Exit 0 with a number of wei on stdout is the
/// figure; exit 0 with nothing is "no figure yet"; anything else is an error.
pub fn gross_from_command(
    command: &str,
    token_id: u64,
    start: u64,
    end: u64,
    timeout: Duration,
) -> Result<Option<U256>, String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .env(ENV_TOKEN_ID, token_id.to_string())
        .env(ENV_PERIOD_START, start.to_string())
        .env(ENV_PERIOD_END, end.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the gross command: {e}"))?;
    // Read both pipes on their own threads, so a chatty command cannot block on a full pipe.
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(p) = pipe {
                let _ = p.take(64 * 1024).read_to_string(&mut text);
            }
            text
        })
    };
    let out = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the gross command did not finish within {} s; killed it", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for the gross command: {e}")),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        let why = stderr.lines().find(|l| !l.trim().is_empty()).map(|l| format!(": {}", shorten(l.trim())));
        let code = status.code().map_or("a signal".to_string(), |c| format!("status {c}"));
        return Err(format!("the gross command exited with {code}{}", why.unwrap_or_default()));
    }
    if stdout.trim().is_empty() {
        return Ok(None);
    }
    parse_gross(&stdout).map(Some).map_err(|e| format!("the gross command printed {e}"))
}

/// Hash work, GH/s × s, of reports `(timestamp, hashrate_ghs)` that follow a report (or the
/// mint) at `prev`: each counts for the time since the one before, at most an hour, as the
/// registry meters energy.
pub fn work_ghs_s(prev: u64, reports: &[(u64, u64)]) -> u128 {
    let mut previous = prev;
    let mut work = 0u128;
    for &(timestamp, ghs) in reports {
        let gap = timestamp.saturating_sub(previous).min(MAX_METERED_GAP);
        work += ghs as u128 * gap as u128;
        previous = timestamp;
    }
    work
}

/// The work of the period (`start`, `end`] from the batches the agent posted, if they cover it
/// without a hole: the first counted batch follows `start`, each the one before, and the last ends
/// at `end`. Otherwise (reports someone else posted, or a cursor that started later) `None`.
pub fn work_from_ledger(ledger: &[WorkEntry], start: u64, end: u64) -> Option<u128> {
    let mut at = start;
    let mut work = 0u128;
    for entry in ledger.iter().filter(|w| w.last > start && w.last <= end) {
        if entry.prev != at {
            return None;
        }
        work += entry.work_ghs_s;
        at = entry.last;
    }
    (at == end && end > start).then_some(work)
}

/// The simulated pool's luck for a twin's period: uniform within ±3 %, the same on every run.
pub fn luck(seed: u64, token_id: u64, period_start: u64) -> f64 {
    let mut rng = Rng::new(seed ^ token_id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ period_start.rotate_left(17));
    1.0 + LUCK * (2.0 * rng.unit() - 1.0)
}

/// What the simulated pool pays for `work_ghs_s` of hashing over a period of `seconds`, in wei:
/// the expected BTC at the feeds' difficulty and fees per block (the app's hashprice formula),
/// in USD at BTC/USD, in ETH at ETH/USD, times `luck`, less the pool's fee.
pub fn simulated_gross_wei(work_ghs_s: u128, seconds: u64, figures: &ChainFigures, luck: f64) -> Result<U256, String> {
    let network = NetworkFigures {
        difficulty: figures.difficulty.value(),
        mean_fees_btc: figures.fees_per_block.value(),
        btc_usd: figures.btc_usd.value(),
    }
    .checked()
    .map_err(|e| format!("the chain's network feeds give no hashprice: {e}"))?;
    let eth_usd = figures.eth_usd.value();
    if !(eth_usd.is_finite() && eth_usd > 0.0) {
        return Err(format!("the ETH/USD feed answers {}, not a price", figures.eth_usd.answer));
    }
    if seconds == 0 {
        return Err("the period is empty".into());
    }
    let mean_ths = work_ghs_s as f64 / 1_000.0 / seconds as f64;
    let usd = network.expected_usd(mean_ths, seconds);
    let wei = usd / eth_usd * 1e18 * luck * (1.0 - POOL_FEE);
    if !(wei.is_finite() && (0.0..1e38).contains(&wei)) {
        return Err(format!("the simulated gross came out as {wei} wei"));
    }
    Ok(U256::from(wei.round() as u128))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::abi::FeedAnswer;
    use ethers_core::types::I256;

    fn feed(answer: i128, decimals: u8) -> FeedAnswer {
        FeedAnswer { answer: I256::from(answer), decimals, updated_at: 0 }
    }

    /// The deployment's stand-in feeds: the worked example and ETH at $3,000.
    fn figures() -> ChainFigures {
        ChainFigures {
            eth_usd: feed(300_000_000_000, 8),
            btc_usd: feed(9_100_000_000_000, 8),
            difficulty: feed(152_000_000_000_000, 0),
            fees_per_block: feed(2_000_000, 8),
        }
    }

    #[test]
    fn simulated_gross_matches_a_hand_computed_figure() {
        // 200 TH/s for a day: 200 × 86,400 = 17,280,000 TH·s (1.728e10 GH·s).
        // BTC  = 17,280,000 × (3.125 + 0.02) × 1e12 / (152e12 × 2^32) = 0.0000832455330773
        // USD  = BTC × 91,000 = 7.57534351003798
        // ETH  = USD / 3,000  = 0.00252511450334599
        // wei  = ETH × 1e18 × (1 − 2 % pool fee) = 2,474,612,213,279,071.5 (exact fraction)
        let expected = 2_474_612_213_279_071.5;
        let wei = simulated_gross_wei(17_280_000_000_000 / 1_000, 86_400, &figures(), 1.0).unwrap();
        let got = wei.as_u128() as f64;
        assert!((got / expected - 1.0).abs() < 1e-12, "{got} vs {expected}");
    }

    #[test]
    fn luck_stays_within_three_percent_and_repeats() {
        let draws: Vec<f64> = (0..2_000).map(|k| luck(7, 3, 1_700_000_000 + 86_400 * k)).collect();
        assert!(draws.iter().all(|l| (0.97..=1.03).contains(l)));
        assert!(draws.iter().any(|l| *l < 0.98) && draws.iter().any(|l| *l > 1.02), "spread over the range");
        assert_eq!(luck(7, 3, 1_700_000_000), luck(7, 3, 1_700_000_000));
        assert_ne!(luck(7, 3, 1_700_000_000), luck(7, 4, 1_700_000_000));
        let with_luck = simulated_gross_wei(1_000_000, 600, &figures(), 1.03).unwrap().as_u128() as f64;
        let without = simulated_gross_wei(1_000_000, 600, &figures(), 1.0).unwrap().as_u128() as f64;
        assert!((with_luck / without - 1.03).abs() < 1e-9);
    }

    #[test]
    fn feeds_that_give_no_hashprice_give_no_gross() {
        let mut f = figures();
        f.difficulty = feed(0, 0);
        assert!(simulated_gross_wei(1, 1, &f, 1.0).unwrap_err().contains("difficulty"));
        let mut f = figures();
        f.eth_usd = feed(-1, 8);
        assert!(simulated_gross_wei(1, 1, &f, 1.0).unwrap_err().contains("ETH/USD"));
    }

    #[test]
    fn work_counts_each_report_for_its_gap_capped_at_an_hour() {
        assert_eq!(work_ghs_s(100, &[(160, 1_000), (220, 2_000)]), 60 * 1_000 + 60 * 2_000);
        assert_eq!(work_ghs_s(0, &[(10_000, 5)]), 5 * 3_600);
        assert_eq!(work_ghs_s(100, &[]), 0);
    }

    #[test]
    fn the_ledger_answers_only_for_a_period_it_covers_without_a_hole() {
        let e = |prev, last, w| WorkEntry { prev, last, work_ghs_s: w };
        let ledger = vec![e(100, 200, 1), e(200, 300, 2), e(300, 400, 4)];
        assert_eq!(work_from_ledger(&ledger, 100, 400), Some(7));
        assert_eq!(work_from_ledger(&ledger, 200, 300), Some(2));
        assert_eq!(work_from_ledger(&ledger, 50, 400), None, "reports before the ledger");
        assert_eq!(work_from_ledger(&ledger, 100, 450), None, "reports after it");
        assert_eq!(work_from_ledger(&ledger, 150, 300), None, "a period starting inside a batch");
        assert_eq!(work_from_ledger(&[e(100, 200, 1), e(250, 300, 2)], 100, 300), None, "a hole");
        assert_eq!(work_from_ledger(&ledger, 400, 400), None);
    }

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("hashtwin-gross-{name}-{}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn gross_file_gives_exactly_the_period_asked_for() {
        let path = temp_file(
            "ok",
            "# token_id,period_start,period_end,gross_wei\n\n1,100,200,5000\n1, 200, 300, 7000 # second day\n2,100,200,9\n1,100,250,1\n1,100,200,5000\n",
        );
        assert_eq!(gross_from_file(&path, 1, 100, 200), Ok(FileAnswer::Figure(5000.into())));
        assert_eq!(gross_from_file(&path, 1, 200, 300), Ok(FileAnswer::Figure(7000.into())));
        assert_eq!(gross_from_file(&path, 2, 100, 200), Ok(FileAnswer::Figure(9.into())));
        assert_eq!(
            gross_from_file(&path, 1, 100, 220),
            Ok(FileAnswer::Missing { other: vec![(100, 200), (100, 250), (100, 200)] })
        );
        assert_eq!(gross_from_file(&path, 3, 100, 200), Ok(FileAnswer::Missing { other: vec![] }));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_doubtful_gross_file_is_an_error() {
        let path = temp_file("conflict", "1,100,200,5000\n1,100,200,5001\n");
        assert!(gross_from_file(&path, 1, 100, 200).unwrap_err().contains("line 2: a second, different figure"));
        let path2 = temp_file("junk", "1,100,200,5e18\n");
        assert!(gross_from_file(&path2, 1, 100, 200)
            .unwrap_err()
            .contains("line 1: `5e18` is not a whole number of wei"));
        let path3 = temp_file("fields", "1,100,200\n");
        assert!(gross_from_file(&path3, 1, 100, 200).unwrap_err().contains("found 3 fields"));
        assert!(gross_from_file(Path::new("/nonexistent/gross.csv"), 1, 1, 2).unwrap_err().starts_with("cannot read"));
        for p in [path, path2, path3] {
            std::fs::remove_file(&p).unwrap();
        }
    }

    #[test]
    fn gross_command_gets_the_period_in_its_environment() {
        let cmd = "test \"$HASHTWIN_TOKEN_ID:$HASHTWIN_PERIOD_START:$HASHTWIN_PERIOD_END\" = 4:100:200 && echo ' 123456789012345678901 '";
        assert_eq!(
            gross_from_command(cmd, 4, 100, 200, COMMAND_TIMEOUT),
            Ok(Some(U256::from(123_456_789_012_345_678_901u128)))
        );
        assert!(gross_from_command(cmd, 4, 100, 201, COMMAND_TIMEOUT).unwrap_err().contains("exited with status 1"));
        assert_eq!(gross_from_command("true", 1, 1, 2, COMMAND_TIMEOUT), Ok(None), "nothing printed: no figure yet");
    }

    #[test]
    fn gross_command_failures_are_errors_not_figures() {
        let err = gross_from_command("echo 'pool API down' >&2; exit 3", 1, 1, 2, COMMAND_TIMEOUT).unwrap_err();
        assert_eq!(err, "the gross command exited with status 3: pool API down");
        let err = gross_from_command("echo 0.5 ETH", 1, 1, 2, COMMAND_TIMEOUT).unwrap_err();
        assert_eq!(err, "the gross command printed `0.5 ETH` is not a whole number of wei");
        let err = gross_from_command("echo -5", 1, 1, 2, COMMAND_TIMEOUT).unwrap_err();
        assert!(err.contains("not a whole number"), "{err}");
        let err = gross_from_command("sleep 5", 1, 1, 2, Duration::from_millis(200)).unwrap_err();
        assert!(err.contains("did not finish within 0 s"), "{err}");
    }

    #[test]
    fn parse_gross_takes_decimal_wei_only() {
        assert_eq!(parse_gross("0"), Ok(U256::zero()));
        assert_eq!(parse_gross(" 42\n"), Ok(U256::from(42)));
        assert!(parse_gross("0x10").is_err());
        assert!(parse_gross("").is_err());
        assert!(parse_gross(&"9".repeat(80)).unwrap_err().contains("too large"));
    }
}
