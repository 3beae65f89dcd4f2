use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <h1>"Page not found"</h1>
        <p class="empty" data-testid="not-found">"Nothing lives at this address. " <A href="/">"Back to the gallery"</A></p>
    }
}
