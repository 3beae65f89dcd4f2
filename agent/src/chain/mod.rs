//! Everything that talks to the chain. The agent only sees the `Poster` trait, so tests can
//! swap in a fake chain with the registry's and TwinEarnings' rules.

pub mod abi;
pub mod poster;
pub mod rpc;
pub mod tx;

use crate::cursor::{InFlight, PendingSettlement};
use crate::normalise::TelemetryReport;
use ethers_core::types::U256;
use std::fmt;
use std::time::Duration;

pub use abi::{ChainFigures, FeedAnswer, Period, Quote, RegistryError};

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
    /// None of the configured keys is the twin's operator on chain (who alone may settle).
    NoOperatorKey { operator: String },
}

impl fmt::Display for PostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostError::Transport(m) => write!(f, "RPC unreachable: {m}"),
            PostError::Reverted(e) => write!(f, "the contract rejected the call: {e}"),
            PostError::NonceTooLow(m) => write!(f, "nonce already used: {m}"),
            PostError::Rejected(m) => write!(f, "node refused the transaction: {m}"),
            PostError::NoKey { reporter } => write!(f, "no configured key belongs to the twin's reporter {reporter}"),
            PostError::NoOperatorKey { operator } => {
                write!(f, "no configured key belongs to the twin's operator {operator}")
            }
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

    // Settling (TwinEarnings), used only for twins with an earnings source.

    /// `periodOf(tokenId)`: the twin's next period as far as its telemetry reaches now.
    fn period_of(&mut self, token_id: u64) -> Result<Period, PostError>;
    /// `quote(tokenId, gross)`: the caps, and the net if the operator keeps both.
    fn quote(&mut self, token_id: u64, gross: U256) -> Result<Quote, PostError>;
    /// Builds, simulates and signs `settle(tokenId, periodEnd, gross, fee, electricity)` with `value` attached,
    /// from the key of the twin's operator. The returned journal entry's period fields, figures
    /// and `sent_at` are left for the caller to fill.
    fn prepare_settle(
        &mut self,
        token_id: u64,
        period_end: u64,
        gross: U256,
        service_fee: U256,
        electricity: U256,
        value: U256,
    ) -> Result<PendingSettlement, PostError>;
    /// Sends a signed settlement; a node that already has it counts as success.
    fn broadcast_settlement(&mut self, tx: &PendingSettlement) -> Result<(), PostError>;
    /// Polls for the settlement's receipt for up to `timeout` (zero: look once).
    fn wait_settlement(&mut self, tx: &PendingSettlement, timeout: Duration) -> Result<TxStatus, PostError>;
    /// Whether `from` has a mined transaction with nonce `nonce` (or later): if so, a signed
    /// transaction with that nonce that is not mined can never be.
    fn nonce_used(&mut self, from: &str, nonce: u64) -> Result<bool, PostError>;
    /// The twin's reports on chain with timestamps in (`after`, `through`], oldest first.
    fn telemetry_between(&mut self, token_id: u64, after: u64, through: u64)
        -> Result<Vec<TelemetryReport>, PostError>;
    /// The deployment's feeds, read now: ETH/USD, BTC/USD, difficulty, fees per block.
    fn network_figures(&mut self) -> Result<ChainFigures, PostError>;
}
