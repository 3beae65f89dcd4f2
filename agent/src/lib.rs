//! HashTwin rig agent: polls cgminer-compatible miner APIs (or a simulated rig), normalises
//! each poll into the registry's `TelemetryReport`, queues reports in a persisted cursor and
//! posts them in batches with `TwinRegistry.reportTelemetry`, signed locally.

pub mod agent;
pub mod chain;
pub mod config;
pub mod cursor;
pub mod log;
pub mod miner_api;
pub mod normalise;
pub mod simulate;
