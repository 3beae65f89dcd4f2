//! HashTwin rig agent: polls cgminer-compatible miner APIs (or a simulated rig), normalises
//! each poll into the registry's `TelemetryReport`, queues reports in a persisted cursor and
//! posts them in batches with `TwinRegistry.reportTelemetry`, signed locally. With a TwinEarnings
//! address it also settles each twin's earning periods as the twin's operator.

pub mod agent;
pub mod chain;
pub mod config;
pub mod cursor;
pub mod earnings;
/// The app's hashprice formula, shared rather than copied: one formula in the repository.
#[path = "../../src/domain/hashprice.rs"]
pub mod hashprice;
pub mod log;
pub mod miner_api;
pub mod normalise;
pub mod simulate;
