//! HashTwin: NFT digital twins of crypto-mining rigs, as a Leptos app compiled to WebAssembly.
//!
//! Data flows one way: `chain` reads and writes Ethereum, `store` keeps what pages read of it,
//! `domain` holds the business rules, `pages` and `components` show them. `miner` is the
//! donated-hashrate engine.

pub mod app;
pub mod chain;
pub mod chunk;
pub mod components;
pub mod domain;
pub mod miner;
pub mod pages;
pub mod storage;
pub mod store;
