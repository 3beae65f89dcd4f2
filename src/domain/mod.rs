//! What HashTwin is about, in plain Rust: no chain, no browser. Everything here tests natively.

pub mod account_history;
pub mod activity;
pub mod address;
pub mod block_seek;
pub mod calendar;
pub mod chart;
pub mod cross_check;
pub mod donations;
pub mod earnings;
pub mod feed;
pub mod fractions;
pub mod gallery;
pub mod hashprice;
pub mod history;
pub mod market;
pub mod mint_form;
pub mod operator;
pub mod profitability;
pub mod telemetry;
pub mod twin;
pub mod units;

pub use address::Address;
pub use market::{Listing, Offer, Sale};
pub use twin::{RigSpec, Twin, TwinStatus};
pub use units::Wei;
