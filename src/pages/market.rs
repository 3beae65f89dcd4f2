use leptos::prelude::*;

#[component]
pub fn MarketPage() -> impl IntoView {
    view! {
        <h1>"Market"</h1>
        <p class="empty">"No twins are listed for sale on this network yet."</p>
    }
}
