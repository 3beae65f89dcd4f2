//! Pieces of view shared by several pages.

pub mod account;
pub mod chart;
pub mod collection_pulse;
pub mod copy;
pub mod donations;
pub mod earnings;
pub mod fractions;
pub mod header;
pub mod market_panel;
pub mod operator_tools;
pub mod price_history;
pub mod source;
pub mod telemetry;
pub mod twin_card;
pub mod tx;
pub mod wallet;

use leptos::prelude::*;

/// Gives the page its own title in the browser's tab and history ("Gallery · HashTwin") while it
/// is shown; `title` is tracked, so a twin's page takes the twin's name once it is read.
pub fn page_title(title: impl Fn() -> String + 'static) {
    Effect::new(move |_| {
        let title = title();
        if let Some(document) = web_sys::window().and_then(|window| window.document()) {
            document.set_title(&if title.is_empty() { "HashTwin".to_string() } else { format!("{title} · HashTwin") });
        }
    });
}
