use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    crate::components::page_title(|| "Page not found".to_string());
    view! {
        <h1>"Page not found"</h1>
        <p class="empty" data-testid="not-found">"Nothing lives at this address. " <A href="/">"Back to the gallery"</A></p>
    }
}
