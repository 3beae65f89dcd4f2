//! Pieces of view shared by several pages.

pub mod chart;
pub mod copy;
pub mod donations;
pub mod earnings;
pub mod header;
pub mod market_panel;
pub mod operator_tools;
pub mod source;
pub mod telemetry;
pub mod twin_card;
pub mod tx;
pub mod wallet;
