use leptos::error::Errors;
use leptos::prelude::*;

/// The fallback of every `ErrorBoundary`: what went wrong, in words.
pub fn error_list(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="error" role="alert">
            <ul>
                {move || errors.get().into_iter().map(|(_, error)| view! { <li>{error.to_string()}</li> }).collect_view()}
            </ul>
        </div>
    }
}
