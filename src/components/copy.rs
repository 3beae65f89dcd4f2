//! A button that puts text on the clipboard, and says whether it could.

use js_sys::{Function, Promise, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, PartialEq)]
enum Copied {
    Not,
    Yes,
    Failed(String),
}

/// `compact` shows a glyph in place of the label, for a button beside every address on a page;
/// the label stays its accessible name.
#[component]
pub fn CopyButton(
    #[prop(into)] text: Signal<String>,
    #[prop(into)] label: String,
    #[prop(optional)] compact: bool,
) -> impl IntoView {
    let state = RwSignal::new(Copied::Not);
    let copy = move |_| {
        let text = text.get_untracked();
        leptos::task::spawn_local(async move {
            state.set(match write_clipboard(&text).await {
                Ok(()) => Copied::Yes,
                Err(reason) => Copied::Failed(reason),
            });
        });
    };
    let button = if compact {
        view! { <button type="button" class="copy-glyph" aria-label=label.clone() title=label on:click=copy></button> }
            .into_any()
    } else {
        view! { <button type="button" on:click=copy>{label}</button> }.into_any()
    };
    view! {
        {button}
        {move || match state.get() {
            Copied::Not => ().into_any(),
            Copied::Yes => view! { <span class="ok" role="status">{if compact { "Copied" } else { "Copied." }}</span> }.into_any(),
            Copied::Failed(reason) => view! {
                <span class="error" role="alert">{format!("Could not copy ({reason}): select the text and copy it.")}</span>
            }
                .into_any(),
        }}
    }
}

/// `navigator.clipboard.writeText`, reached by name: browsers without it (or a page that is not a
/// secure context) get an answer in words instead of an exception.
async fn write_clipboard(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let clipboard = Reflect::get(&window.navigator(), &"clipboard".into())
        .ok()
        .filter(|clipboard| !clipboard.is_undefined())
        .ok_or("this browser offers no clipboard here")?;
    let write: Function = Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|write| write.dyn_into().ok())
        .ok_or("this browser's clipboard cannot take text")?;
    let promise: Promise = write
        .call1(&clipboard, &JsValue::from_str(text))
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "the clipboard did not answer".to_string())?;
    JsFuture::from(promise).await.map(drop).map_err(describe)
}

fn describe(error: JsValue) -> String {
    Reflect::get(&error, &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}
