//! The operator's config file (TOML, or JSON when the name ends in `.json`). It holds no
//! secrets: the keys come from `--key-file` or `HASHTWIN_REPORTER_KEY`.

use crate::earnings::EarningsSource;
use crate::normalise::{MinerKind, PowerSource};
use ethers_core::types::Address;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub rpc_url: String,
    pub chain_id: u64,
    pub registry: String,
    /// TwinEarnings: with it, the rigs that name a gross source are settled by their operator.
    #[serde(default)]
    pub earnings: Option<String>,
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
    #[serde(default = "default_poll")]
    pub poll_interval_secs: u64,
    #[serde(default = "default_post")]
    pub post_interval_secs: u64,
    #[serde(default = "default_miner_timeout")]
    pub miner_timeout_secs: u64,
    #[serde(default = "default_receipt_timeout")]
    pub receipt_timeout_secs: u64,
    /// Reports kept while the chain is unreachable; the oldest go first beyond this.
    #[serde(default = "default_max_queue")]
    pub max_queue: usize,
    #[serde(default, rename = "rig", alias = "rigs")]
    pub rigs: Vec<RigConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RigConfig {
    pub name: String,
    /// `host:port` of the miner's API; port 4028 when omitted. Not needed for simulated rigs.
    #[serde(default)]
    pub miner: Option<String>,
    pub kind: MinerKind,
    pub token_id: u64,
    pub nominal_power_w: u32,
    #[serde(default)]
    pub nominal_hashrate_ghs: Option<u64>,
    #[serde(default)]
    pub power: PowerSource,
    /// Lines `token_id,period_start,period_end,gross_wei`: the operator's gross per period.
    #[serde(default)]
    pub gross_file: Option<PathBuf>,
    /// A command that prints the period's gross in wei (HASHTWIN_TOKEN_ID, HASHTWIN_PERIOD_START
    /// and HASHTWIN_PERIOD_END in its environment).
    #[serde(default)]
    pub gross_command: Option<String>,
}

impl RigConfig {
    /// Where the rig's gross comes from, if it is to be settled.
    pub fn earnings_source(&self) -> Option<EarningsSource> {
        match (&self.gross_file, &self.gross_command) {
            (Some(path), _) => Some(EarningsSource::File(path.clone())),
            (None, Some(command)) => Some(EarningsSource::Command(command.clone())),
            (None, None) => None,
        }
    }
}

fn default_state_dir() -> PathBuf {
    PathBuf::from("hashtwin-agent-state")
}
fn default_poll() -> u64 {
    60
}
fn default_post() -> u64 {
    600
}
fn default_miner_timeout() -> u64 {
    10
}
fn default_receipt_timeout() -> u64 {
    120
}
fn default_max_queue() -> usize {
    7 * 24 * 60
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let config: Config = if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        } else {
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        };
        Ok(config)
    }

    pub fn registry_address(&self) -> Result<Address, String> {
        self.registry.parse::<Address>().map_err(|_| format!("registry `{}` is not an address", self.registry))
    }

    pub fn earnings_address(&self) -> Result<Option<Address>, String> {
        match self.earnings.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => Ok(None),
            Some(e) => e.parse::<Address>().map(Some).map_err(|_| format!("earnings `{e}` is not an address")),
        }
    }

    /// Checks what serde cannot; `simulate` relaxes the need for miner addresses.
    pub fn validate(&self, simulate: bool) -> Result<(), String> {
        self.registry_address()?;
        let earnings = self.earnings_address()?;
        if !(self.rpc_url.starts_with("http://") || self.rpc_url.starts_with("https://")) {
            return Err("rpc_url must be an http:// or https:// URL".into());
        }
        if self.chain_id == 0 {
            return Err("chain_id must not be 0".into());
        }
        if self.poll_interval_secs == 0 || self.post_interval_secs == 0 || self.miner_timeout_secs == 0 {
            return Err("intervals and timeouts must be at least 1 s".into());
        }
        let (mut names, mut tokens) = (HashSet::new(), HashSet::new());
        for rig in &self.rigs {
            if rig.name.trim().is_empty() {
                return Err("a rig has an empty name".into());
            }
            if !names.insert(rig.name.as_str()) {
                return Err(format!("rig name `{}` appears twice", rig.name));
            }
            if !tokens.insert(rig.token_id) {
                return Err(format!("token_id {} appears twice: one twin, one agent rig", rig.token_id));
            }
            if rig.nominal_power_w == 0 {
                return Err(format!("rig `{}`: nominal_power_w must be above 0", rig.name));
            }
            if !simulate && rig.miner.as_deref().is_none_or(|m| m.trim().is_empty()) {
                return Err(format!("rig `{}` has no miner address", rig.name));
            }
            if rig.gross_file.is_some() && rig.gross_command.is_some() {
                return Err(format!("rig `{}` has both gross_file and gross_command: give one", rig.name));
            }
            if rig.gross_command.as_deref().is_some_and(|c| c.trim().is_empty()) {
                return Err(format!("rig `{}` has an empty gross_command", rig.name));
            }
            if !simulate && rig.earnings_source().is_some() && earnings.is_none() {
                return Err(format!(
                    "rig `{}` has a gross source but the config names no earnings contract (earnings = \"0x…\")",
                    rig.name
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../agent.example.toml");

    #[test]
    fn example_config_parses_and_validates() {
        let c: Config = toml::from_str(EXAMPLE).unwrap();
        c.validate(false).unwrap();
        assert_eq!(c.rigs.len(), 2);
        assert_eq!(c.rigs[0].kind, MinerKind::Antminer);
        assert_eq!(c.rigs[1].power, PowerSource::Auto);
        assert_eq!(c.poll_interval_secs, 60);
        assert!(c.earnings_address().unwrap().is_some());
        assert!(matches!(c.rigs[0].earnings_source(), Some(EarningsSource::File(_))));
        assert!(matches!(c.rigs[1].earnings_source(), Some(EarningsSource::Command(_))));
    }

    #[test]
    fn json_config_and_errors() {
        let json = r#"{"rpc_url":"http://127.0.0.1:8545","chain_id":31337,
            "registry":"0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "rigs":[{"name":"a","miner":"127.0.0.1:4028","kind":"whatsminer","token_id":1,"nominal_power_w":3400},
                    {"name":"a","miner":"127.0.0.1:4029","kind":"antminer","token_id":2,"nominal_power_w":3400}]}"#;
        let c: Config = serde_json::from_str(json).unwrap();
        assert_eq!(c.validate(false).unwrap_err(), "rig name `a` appears twice");

        let no_miner: Config = toml::from_str(
            "rpc_url='http://127.0.0.1:1'\nchain_id=1\nregistry='0x5fbdb2315678afecb367f032d93f642f64180aa3'\n[[rig]]\nname='x'\nkind='antminer'\ntoken_id=1\nnominal_power_w=1\n",
        )
        .unwrap();
        assert!(no_miner.validate(false).is_err());
        assert!(no_miner.validate(true).is_ok());
        assert!(toml::from_str::<Config>("rpc_url='x'\nchain_id=1\nregistry='y'\nprivate_key='z'\n").is_err());
    }

    #[test]
    fn gross_sources_need_the_earnings_contract_and_one_source_each() {
        let base = "rpc_url='http://127.0.0.1:1'\nchain_id=1\nregistry='0x5fbdb2315678afecb367f032d93f642f64180aa3'\n";
        let rig = "[[rig]]\nname='x'\nminer='10.0.0.1'\nkind='antminer'\ntoken_id=1\nnominal_power_w=1\n";
        let parse = |text: String| toml::from_str::<Config>(&text).unwrap();
        let c = parse(format!("{base}{rig}gross_file='/tmp/g.csv'\n"));
        assert!(c.validate(false).unwrap_err().contains("names no earnings contract"));
        let c = parse(format!(
            "{base}earnings='0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0'\n{rig}gross_command='pool-gross'\n"
        ));
        c.validate(false).unwrap();
        assert_eq!(c.rigs[0].earnings_source(), Some(EarningsSource::Command("pool-gross".into())));
        let c = parse(format!(
            "{base}earnings='0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0'\n{rig}gross_command='a'\ngross_file='b'\n"
        ));
        assert!(c.validate(false).unwrap_err().contains("both gross_file and gross_command"));
        let c = parse(format!("{base}earnings='0x12'\n{rig}"));
        assert_eq!(c.validate(false).unwrap_err(), "earnings `0x12` is not an address");
    }
}
