//! Minting a twin: a form that checks everything before the wallet opens, a live preview, then
//! the transaction and, if the operator asked for it, the listing.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::ChainContext;
use crate::chain::checksummed;
use crate::chain::tx::TxRequest;
use crate::components::market_panel::OwnerActions;
use crate::components::twin_card::TwinCard;
use crate::components::tx::TransactButton;
use crate::components::wallet::WalletContext;
use crate::data::now_seconds;
use crate::domain::gallery::GalleryEntry;
use crate::domain::mint_form::{self, Field, MintForm};
use crate::domain::{RigSpec, Twin, TwinStatus};

/// What the chain said about the serial typed: `None` while it is being asked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SerialCheck {
    Unchecked,
    Free,
    Taken(u64),
}

#[component]
pub fn MintPage() -> impl IntoView {
    let chain = expect_context::<ChainContext>();
    let wallet = expect_context::<WalletContext>();
    let form = RwSignal::new(MintForm { royalty_percent: "5".into(), ..Default::default() });
    let show_errors = RwSignal::new(false);
    let minted = RwSignal::new(None::<(u64, Option<crate::domain::Wei>)>);

    // The serial's uniqueness is the chain's to say; asked whenever the typed serial settles.
    let serial = Memo::new(move |_| form.with(|form| form.serial.trim().to_string()));
    let serial_check = LocalResource::new({
        let chain = chain.clone();
        move || {
            let serial = serial.get();
            let registry = chain.registry.clone();
            async move {
                match registry {
                    Some(registry) if !serial.is_empty() => match registry.token_of_serial(&serial).await {
                        Ok(Some(token)) => SerialCheck::Taken(token),
                        Ok(None) => SerialCheck::Free,
                        Err(_) => SerialCheck::Unchecked,
                    },
                    _ => SerialCheck::Unchecked,
                }
            }
        }
    });
    let validated = Memo::new(move |_| {
        let check = serial_check.get().unwrap_or(SerialCheck::Unchecked);
        form.with(|form| {
            mint_form::validate(form, now_seconds(), |_| matches!(check, SerialCheck::Taken(_)), checksummed)
        })
    });
    let error_of = move |field: Field| {
        show_errors
            .get()
            .then(|| {
                validated.with(|result| {
                    result.as_ref().err().and_then(|errors| {
                        errors.iter().find(|(failed, _)| *failed == field).map(|(_, message)| message.clone())
                    })
                })
            })
            .flatten()
    };

    let salt = StoredValue::new(crate::chain::contracts::fresh_salt());
    let committed = RwSignal::new(false);
    let request = Signal::derive({
        let chain = chain.clone();
        move || -> Result<TxRequest, String> {
            show_errors.set(true);
            let valid = validated.get_untracked().map_err(|errors| match errors.len() {
                1 => "Fix the highlighted field first. Nothing was sent.".to_string(),
                n => format!("Fix the {n} highlighted fields first. Nothing was sent."),
            })?;
            let registry = chain.registry.as_ref().ok_or("HashTwin has no registry on this network.")?;
            let account = wallet.connection.get_untracked().ok_or("Connect a wallet first.")?.account;
            let salt = salt.get_value()?;
            let commitment = crate::chain::contracts::mint_commitment(&valid.serial, account, &salt);
            Ok(registry.writer().commit_mint(&valid, commitment))
        }
    });
    let reveal_request = Signal::derive({
        let chain = chain.clone();
        move || -> Result<TxRequest, String> {
            let valid = validated.get_untracked().map_err(|_| "Fix the highlighted fields first.".to_string())?;
            let registry = chain.registry.as_ref().ok_or("HashTwin has no registry on this network.")?;
            Ok(registry.writer().reveal_mint(&valid, &salt.get_value()?))
        }
    });
    let on_committed = Callback::new(move |_| committed.set(true));
    let on_confirmed = Callback::new({
        let chain = chain.clone();
        move |_| {
            let registry = chain.registry.clone();
            let price = validated.get_untracked().ok().and_then(|valid| valid.list_price);
            let serial = serial.get_untracked();
            leptos::task::spawn_local(async move {
                let Some(registry) = registry else { return };
                // The receipt's Transfer log would say it too; the serial lookup is one call.
                if let Ok(Some(token)) = registry.token_of_serial(&serial).await {
                    minted.set(Some((token, price)));
                }
            });
        }
    });

    let preview = move || {
        let draft = form.get();
        let valid = validated.get().ok();
        let spec = RigSpec {
            manufacturer: draft.manufacturer.trim().to_string(),
            model: if draft.model.trim().is_empty() { "New rig".into() } else { draft.model.trim().to_string() },
            serial_hash: [0; 32],
            hashrate_ghs: valid.as_ref().map(|valid| valid.hashrate_ghs).unwrap_or_default(),
            power_watts: valid.as_ref().map(|valid| valid.power_watts).unwrap_or_default(),
            location: draft.location.trim().to_string(),
            commissioned_at: valid.as_ref().map(|valid| valid.commissioned_at).unwrap_or_default(),
        };
        let twin = Twin {
            id: 0,
            operator: wallet.connection.get().map(|connection| connection.account).unwrap_or_default(),
            reporter: valid.as_ref().map(|valid| valid.reporter).unwrap_or_default(),
            royalty_bps: valid.as_ref().map(|valid| valid.royalty_bps).unwrap_or_default(),
            spec,
        };
        let listing_price = valid.and_then(|valid| valid.list_price);
        view! { <TwinCard entry=GalleryEntry { twin, status: TwinStatus::Active, listing_price, donated_work: 0, donated_hashrate: 0.0 }/> }
    };

    view! {
        <h1>"Mint a twin"</h1>
        <p class="lede">"Give a physical rig its twin on chain. Its spec is fixed for good; its telemetry comes from the reporter key."</p>
        <div class="mint-layout">
            <form class="panel mint-form" novalidate on:submit=|event| event.prevent_default() aria-label="Rig details">
                <FormField field=Field::Manufacturer form error=Signal::derive(move || error_of(Field::Manufacturer)) placeholder="Bitmain"
                    get=|form: &MintForm| form.manufacturer.clone() set=|form: &mut MintForm, value| form.manufacturer = value/>
                <FormField field=Field::Model form error=Signal::derive(move || error_of(Field::Model)) placeholder="Antminer S21"
                    get=|form: &MintForm| form.model.clone() set=|form: &mut MintForm, value| form.model = value/>
                <FormField field=Field::Serial form error=Signal::derive(move || error_of(Field::Serial)) placeholder="As printed on the rig's label"
                    get=|form: &MintForm| form.serial.clone() set=|form: &mut MintForm, value| form.serial = value/>
                <FormField field=Field::Hashrate form error=Signal::derive(move || error_of(Field::Hashrate)) placeholder="200" input_mode="decimal"
                    get=|form: &MintForm| form.hashrate_ths.clone() set=|form: &mut MintForm, value| form.hashrate_ths = value/>
                <FormField field=Field::Power form error=Signal::derive(move || error_of(Field::Power)) placeholder="3500" input_mode="numeric"
                    get=|form: &MintForm| form.power_watts.clone() set=|form: &mut MintForm, value| form.power_watts = value/>
                <FormField field=Field::Location form error=Signal::derive(move || error_of(Field::Location)) placeholder="Rockdale, Texas, US"
                    get=|form: &MintForm| form.location.clone() set=|form: &mut MintForm, value| form.location = value/>
                <FormField field=Field::Commissioned form error=Signal::derive(move || error_of(Field::Commissioned)) input_type="date"
                    get=|form: &MintForm| form.commissioned.clone() set=|form: &mut MintForm, value| form.commissioned = value/>
                <FormField field=Field::Reporter form error=Signal::derive(move || error_of(Field::Reporter)) placeholder="0x… the key the rig agent signs with"
                    get=|form: &MintForm| form.reporter.clone() set=|form: &mut MintForm, value| form.reporter = value/>
                <FormField field=Field::Royalty form error=Signal::derive(move || error_of(Field::Royalty)) input_mode="decimal"
                    get=|form: &MintForm| form.royalty_percent.clone() set=|form: &mut MintForm, value| form.royalty_percent = value/>
                <p class="hint" data-testid="royalty-bps">
                    {move || validated.with(|result| match result {
                        Ok(valid) => format!("{} bps of every resale, paid to the operator.", valid.royalty_bps),
                        Err(_) => format!("At most {}% ({} bps).", mint_form::MAX_ROYALTY_BPS / 100, mint_form::MAX_ROYALTY_BPS),
                    })}
                </p>
                <FormField field=Field::ListPrice form error=Signal::derive(move || error_of(Field::ListPrice)) placeholder="Optional: list it at once" input_mode="decimal"
                    get=|form: &MintForm| form.list_price.clone() set=|form: &mut MintForm, value| form.list_price = value/>
                {move || match serial_check.get() {
                    Some(SerialCheck::Taken(token)) => view! {
                        <p class="hint">"This serial already has a twin: " <A href=format!("/twin/{token}")>{format!("#{token}")}</A></p>
                    }.into_any(),
                    _ => ().into_any(),
                }}
                <TransactButton label="Mint twin" request on_confirmed=on_committed/>
                <Show when=move || committed.get()>
                    <TransactButton label="Mint twin (step 2 of 2)" request=reveal_request on_confirmed/>
                </Show>
                {move || minted.get().map(|(token, price)| {
                    let owner = wallet.connection.get_untracked().map(|connection| connection.account).unwrap_or_default();
                    view! {
                        <div class="minted" role="status" data-testid="minted">
                            <p class="ok">"Minted as " <A href=format!("/twin/{token}")>{format!("twin #{token}")}</A>"."</p>
                            {price.map(|price| view! {
                                <OwnerActions twin_id=token listed=None offers=Vec::new() owner chain_time=0 on_trade=Callback::new(|_| ()) initial_price=Some(price)/>
                            })}
                        </div>
                    }
                })}
            </form>
            <aside class="preview" aria-label="Preview">
                <h2>"Preview"</h2>
                {preview}
            </aside>
        </div>
    }
}

#[component]
fn FormField(
    field: Field,
    form: RwSignal<MintForm>,
    error: Signal<Option<String>>,
    get: fn(&MintForm) -> String,
    set: fn(&mut MintForm, String),
    #[prop(optional)] placeholder: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "text")] input_mode: &'static str,
) -> impl IntoView {
    let id = format!("mint-{field:?}").to_lowercase();
    let error_id = format!("{id}-error");
    view! {
        <div class="form-field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{field.label()}</label>
            <input
                id=id
                type=input_type
                inputmode=input_mode
                placeholder=placeholder
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
                prop:value=move || form.with(get)
                on:input=move |event| {
                    let value = event_target_value(&event);
                    form.update(|form| set(form, value));
                }
            />
            <p class="field-error" id=error_id role="alert">{move || error.get()}</p>
        </div>
    }
}
