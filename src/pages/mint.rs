use leptos::prelude::*;

#[component]
pub fn MintPage() -> impl IntoView {
    view! {
        <h1>"Mint a twin"</h1>
        <p class="lede">
            "Operators mint one twin per physical rig: its spec, serial, location, the key that "
            "reports its telemetry, and a royalty on every resale."
        </p>
        <p class="empty">"Minting from the browser is not open yet on this network."</p>
    }
}
