//! Everything that talks to the chain. The agent only sees the `Poster` trait, so tests can
//! swap in a fake chain with the registry's rules.

pub mod abi;
pub mod poster;
pub mod rpc;
pub mod tx;

use crate::cursor::InFlight;
use crate::normalise::TelemetryReport;
use std::fmt;
use std::time::Duration;

pub use abi::RegistryError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStatus {
    Mined {
        block: u64,
        success: bool,
    },
    /// The node knows the transaction but it is not in a block yet.
    Pending,
    /// The node has never heard of it (dropped from the mempool, or never arrived).
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostError {
    /// The RPC endpoint is unreachable or answered garbage: keep the batch, back off.
    Transport(String),
    /// The registry would revert (or did), with the decoded reason.
    Reverted(RegistryError),
    /// The nonce was used already: re-read the chain and re-sign.
    NonceTooLow(String),
    /// The node refused the transaction for another reason (funds, fee, pool full).
    Rejected(String),
    /// None of the configured keys is the twin's reporter on chain.
    NoKey { reporter: String },
}

impl fmt::Display for PostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostError::Transport(m) => write!(f, "RPC unreachable: {m}"),
            PostError::Reverted(e) => write!(f, "registry rejected the batch: {e}"),
            PostError::NonceTooLow(m) => write!(f, "nonce already used: {m}"),
            PostError::Rejected(m) => write!(f, "node refused the transaction: {m}"),
            PostError::NoKey { reporter } => write!(f, "no configured key belongs to the twin's reporter {reporter}"),
        }
    }
}

impl std::error::Error for PostError {}

/// What the agent needs from the chain. `prepare` signs without sending so the agent can
/// journal the signed transaction in the cursor before anything leaves the machine.
pub trait Poster {
    fn last_telemetry_at(&mut self, token_id: u64) -> Result<u64, PostError>;
    /// Builds, simulates (so reverts surface decoded, before gas is spent) and signs a
    /// `reportTelemetry` call. `sent_at` is left 0 for the caller to fill.
    fn prepare(&mut self, token_id: u64, reports: &[TelemetryReport]) -> Result<InFlight, PostError>;
    /// Sends the signed bytes; a node that already has them counts as success.
    fn broadcast(&mut self, tx: &InFlight) -> Result<(), PostError>;
    /// Polls for the receipt for up to `timeout` (zero: look once).
    fn wait(&mut self, tx: &InFlight, timeout: Duration) -> Result<TxStatus, PostError>;
}
