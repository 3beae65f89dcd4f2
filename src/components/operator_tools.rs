//! What a twin's operator can do to it from its page, and the hand-over the proposed operator
//! accepts: each a transaction through the one transaction path, checked by `domain::operator`
//! before any wallet opens.

use leptos::prelude::*;

use crate::chain::checksummed;
use crate::chain::tx::TxRequest;
use crate::components::account::AccountName;
use crate::components::tx::TransactButton;
use crate::domain::activity::MaintenanceKind;
use crate::domain::mint_form::byte_count;
use crate::domain::operator::{
    decommission_phrase, maintenance_note, new_reporter, proposed_operator, status_change, status_choices,
    MAX_NOTE_BYTES,
};
use crate::domain::{Address, TwinStatus};
use crate::store::ChainStore;

fn writer() -> Result<crate::chain::contracts::TwinRegistryWriter, String> {
    let chain = expect_context::<ChainStore>();
    chain
        .registry
        .as_ref()
        .map(|registry| registry.writer())
        .ok_or_else(|| "HashTwin has no registry on this network.".to_string())
}

/// The operator's tools: only the twin's operator sees them.
#[component]
pub fn OperatorTools(
    twin_id: u64,
    status: TwinStatus,
    operator: Address,
    reporter: Address,
    pending_operator: Option<Address>,
) -> impl IntoView {
    let registry = writer();

    let kind = RwSignal::new(MaintenanceKind::Inspection);
    let note = RwSignal::new(String::new());
    let note_request = {
        let registry = registry.clone();
        Callback::new(move |()| -> Result<TxRequest, String> {
            let note = maintenance_note(&note.get())?;
            Ok(registry.clone()?.log_maintenance(twin_id, kind.get(), &note))
        })
    };

    let choices = status_choices(status);
    let next = RwSignal::new(choices.first().copied().unwrap_or(status));
    let confirmation = RwSignal::new(String::new());
    let status_request = {
        let registry = registry.clone();
        Callback::new(move |()| -> Result<TxRequest, String> {
            let next = status_change(twin_id, status, next.get(), &confirmation.get())?;
            Ok(registry.clone()?.set_status(twin_id, next))
        })
    };

    let reporter_text = RwSignal::new(String::new());
    let reporter_request = {
        let registry = registry.clone();
        Callback::new(move |()| -> Result<TxRequest, String> {
            let reporter = new_reporter(&reporter_text.get(), reporter, checksummed)?;
            Ok(registry.clone()?.set_reporter(twin_id, reporter))
        })
    };

    let proposed_text = RwSignal::new(String::new());
    let propose_request = {
        let registry = registry.clone();
        Callback::new(move |()| -> Result<TxRequest, String> {
            let proposed = proposed_operator(&proposed_text.get(), operator, checksummed)?;
            Ok(registry.clone()?.propose_operator(twin_id, Some(proposed)))
        })
    };
    let withdraw = pending_operator.map(|pending| {
        let registry = registry.clone();
        let request = Callback::new(move |()| Ok(registry.clone()?.propose_operator(twin_id, None)));
        view! {
            <p data-testid="pending-operator">{format!("Offered to {pending}: they become the operator when they accept it.")}</p>
            <TransactButton label="Withdraw the offer" request/>
        }
    });

    let status_tools = if choices.is_empty() {
        view! { <p class="notice">"Decommissioned: that is final. The maintenance log stays open, for recycling and disposal."</p> }.into_any()
    } else {
        view! {
            <div class="form-field">
                <label for="status-next">"New status"</label>
                <select id="status-next" on:change=move |event| {
                    if let Some(chosen) = event_target_value(&event).parse::<u8>().ok().and_then(TwinStatus::from_u8) {
                        next.set(chosen);
                    }
                }>
                    {choices.into_iter().map(|choice| view! {
                        <option value=(choice as u8).to_string()>{choice.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <Show when=move || next.get() == TwinStatus::Decommissioned>
                <div class="form-field">
                    <p class="hint">{format!(
                        "Decommissioning is final: the twin will take no telemetry and can never be listed, bought or bid on again. Type \u{201c}{}\u{201d} to confirm.",
                        decommission_phrase(twin_id)
                    )}</p>
                    <label for="decommission-confirm">"Confirmation"</label>
                    <input id="decommission-confirm" autocomplete="off" prop:value=confirmation on:input=move |event| confirmation.set(event_target_value(&event))/>
                </div>
            </Show>
            <TransactButton label="Change status" request=status_request/>
        }.into_any()
    };

    view! {
        <section class="panel operator-tools" aria-labelledby="operator-heading" data-testid="operator-tools">
            <h2 id="operator-heading">"Operator tools"</h2>
            <p class="hint">"You run this rig: these change its record on chain for good."</p>

            <h3>"Log maintenance"</h3>
            <div class="form-field">
                <label for="maintenance-kind">"Kind of work"</label>
                <select id="maintenance-kind" on:change=move |event| {
                    if let Some(chosen) = event_target_value(&event).parse::<u8>().ok().and_then(MaintenanceKind::from_u8) {
                        kind.set(chosen);
                    }
                }>
                    {MaintenanceKind::ALL.into_iter().map(|choice| view! {
                        <option value=(choice as u8).to_string()>{choice.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="form-field">
                <label for="maintenance-note">"Note"</label>
                <textarea id="maintenance-note" rows="3" prop:value=note on:input=move |event| note.set(event_target_value(&event))></textarea>
                <span class="byte-count" class:over=move || { byte_count(&note.get()) > MAX_NOTE_BYTES } data-testid="note-bytes">
                    {move || format!("{} / {MAX_NOTE_BYTES} bytes", byte_count(&note.get()))}
                </span>
            </div>
            <TransactButton label="Log maintenance" request=note_request/>

            <h3>"Status"</h3>
            <p>{format!("Now {}.", status.label().to_lowercase())}</p>
            {status_tools}

            <h3>"Reporter key"</h3>
            <p class="hint">"The key the rig's agent posts telemetry with. Rotate it after a compromise or a new monitoring host."</p>
            <div class="form-field">
                <label for="new-reporter">"New reporter address"</label>
                <input id="new-reporter" placeholder="0x…" autocomplete="off" prop:value=reporter_text on:input=move |event| reporter_text.set(event_target_value(&event))/>
            </div>
            <TransactButton label="Rotate the reporter key" request=reporter_request/>

            <h3>"Hand over the rig"</h3>
            <p class="hint">"The new operator runs the rig and receives its royalties once they accept. Owning the twin does not change."</p>
            {withdraw}
            <div class="form-field">
                <label for="proposed-operator">"New operator address"</label>
                <input id="proposed-operator" placeholder="0x…" autocomplete="off" prop:value=proposed_text on:input=move |event| proposed_text.set(event_target_value(&event))/>
            </div>
            <TransactButton label="Offer the operator role" request=propose_request/>
        </section>
    }
}

/// What the account the operator offered the rig to sees on the twin's page.
#[component]
pub fn OperatorOffer(twin_id: u64, operator: Address) -> impl IntoView {
    let registry = writer();
    let request = Callback::new(move |()| Ok(registry.clone()?.accept_operator(twin_id)));
    view! {
        <section class="panel" aria-labelledby="offer-heading" data-testid="operator-offer">
            <h2 id="offer-heading">"Operator role"</h2>
            <p><AccountName address=operator/>" offered you the running of this rig, and its royalties."</p>
            <TransactButton label="Accept operator role" request/>
        </section>
    }
}
