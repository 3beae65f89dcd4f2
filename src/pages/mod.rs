//! One module per route.

pub mod gallery;
pub mod lazy;
pub mod market;
pub mod mine;
pub mod mint;
pub mod not_found;
pub mod portfolio;
pub mod twin;
