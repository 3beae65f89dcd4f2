//! Minting a twin, in the registry's two steps: a form that checks everything before any wallet
//! opens, a live preview, then step 1 (a commitment that hides the serial) and, a block later,
//! step 2 (the reveal that mints), and, if the operator asked for it, the listing. Between the
//! steps the mint is kept in this browser, so that a reload resumes it at step 2. The earning terms
//! go with it: the registry fixes them at the reveal for good, so the form says so, and shows what
//! they mean in dollars, before anything is sent.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::chain::checksummed;
use crate::chain::contracts::{fresh_salt, mint_commitment};
use crate::chain::pending_mint;
use crate::chain::tx::TxRequest;
use crate::components::market_panel::OwnerActions;
use crate::components::twin_card::TwinCard;
use crate::components::tx::TransactButton;
use crate::components::wallet::WalletContext;
use crate::domain::gallery::GalleryEntry;
use crate::domain::mint_form::{
    self, byte_count, canonical_serial, efficiency_note, schedule_note, service_fee_note, tariff_note, Field, MintForm,
    PendingMint, RevealStage, SerialLookup, Settlement, ValidMint, OUTDATED_PENDING_MINT, PRESETS, TERMS_PRESETS,
};
use crate::domain::{Address, RigSpec, Twin, TwinStatus, Wei};
use crate::store::ChainStore;
use crate::store::{mint_progress, now_seconds, serial_lookup, MintProgress};

crate::pages::lazy::lazy_route!(
    /// `/mint`, downloaded on the first visit.
    MintRoute,
    route_mint,
    MintPage
);

fn fresh_form() -> MintForm {
    MintForm::fresh()
}

#[component]
pub fn MintPage() -> impl IntoView {
    crate::components::page_title(|| "Mint a twin".to_string());
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let chain_id = chain.network.chain_id;
    let registry_address = chain.network.contracts.as_ref().map(|deployment| deployment.twin_registry);
    let form = RwSignal::new(fresh_form());
    let show_errors = RwSignal::new(false);
    let minted = RwSignal::new(None::<(u64, Option<Wei>)>);
    let pending = RwSignal::new(None::<PendingMint>);
    let resumed = RwSignal::new(false);
    let storage_error = RwSignal::new(None::<String>);
    // What step 1 was built from, until the wallet has sent it: the salt is fresh for each attempt.
    let attempt = StoredValue::new(None::<(ValidMint, [u8; 32])>);

    // A mint this account began in this browser resumes at step 2, with the form as it was sent.
    Effect::new(move |_| {
        let account = wallet.connection.get().map(|connection| connection.account);
        let saved = account
            .zip(registry_address)
            .and_then(|(account, registry)| pending_mint::load(chain_id, registry, account));
        match saved {
            Some(saved) => {
                form.set(saved.form.clone());
                pending.set(Some(saved));
                resumed.set(true);
            }
            None => {
                pending.set(None);
                resumed.set(false);
            }
        }
    });
    let locked = Signal::derive(move || pending.with(Option::is_some));
    // Begun by a version before the earning terms: never revealed with terms nobody chose.
    let outdated = Signal::derive(move || pending.with(|pending| pending.as_ref().is_some_and(PendingMint::outdated)));

    // The serial's uniqueness is the chain's to say, asked whenever the canonical serial changes.
    let serial = Memo::new(move |_| form.with(|form| canonical_serial(&form.serial).ok()));
    let lookup = LocalResource::new({
        let registry = chain.registry.clone();
        move || serial_lookup(registry.clone(), serial.get())
    });
    let validated = Memo::new(move |_| {
        let answer = lookup.get().unwrap_or(SerialLookup::Pending);
        // Between the steps the serial is reserved, not registered; the reveal is the registry's
        // final word on it, and step 1 only went out once it was free.
        let answer = if locked.get() { SerialLookup::Free } else { answer };
        form.with(|form| mint_form::validate(form, now_seconds(), |_| answer.clone(), checksummed))
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

    let commit_request = Callback::new({
        let chain = chain.clone();
        move |()| -> Result<TxRequest, String> {
            show_errors.set(true);
            let valid = validated.get_untracked().map_err(|errors| match errors.len() {
                1 => "Fix the highlighted field first. Nothing was sent.".to_string(),
                n => format!("Fix the {n} highlighted fields first. Nothing was sent."),
            })?;
            let registry = chain.registry.as_ref().ok_or("HashTwin has no registry on this network.")?;
            let account = wallet.connection.get_untracked().ok_or("Connect a wallet first.")?.account;
            let salt = fresh_salt()?;
            let request = registry.writer().commit_mint(&valid, mint_commitment(&valid.serial, account, &salt));
            attempt.set_value(Some((valid, salt)));
            Ok(request)
        }
    });
    // Kept before the receipt: a page closed while step 1 is mined still has its salt.
    let on_commit_sent = Callback::new(move |hash: String| {
        let (Some((valid, salt)), Some(connection), Some(registry)) =
            (attempt.get_value(), wallet.connection.get_untracked(), registry_address)
        else {
            return;
        };
        let saved = PendingMint {
            chain_id,
            registry,
            account: connection.account,
            serial: valid.serial,
            salt,
            form: form.get_untracked(),
            terms: Some(valid.terms),
            commit_tx: hash,
        };
        storage_error.set(pending_mint::save(&saved).err().map(|why| {
            format!("This browser could not keep the mint's secret ({why}): finish step 2 without leaving this page.")
        }));
        resumed.set(false);
        pending.set(Some(saved));
    });

    let progress = LocalResource::new({
        let registry = chain.registry.clone();
        move || {
            chain.head.track();
            let pending = pending.get();
            let registry = registry.clone();
            async move {
                match (pending, registry) {
                    (Some(pending), Some(registry)) => {
                        mint_progress(&registry, &pending, chain.head.get_untracked()).await.map(Some)
                    }
                    _ => Ok(None),
                }
            }
        }
    });

    let finish = move |token: u64| {
        let Some(done) = pending.get_untracked() else { return };
        let price = mint_form::validate(&done.form, now_seconds(), |_| SerialLookup::Free, checksummed)
            .ok()
            .and_then(|valid| valid.list_price);
        pending_mint::forget(done.chain_id, done.account);
        minted.set(Some((token, price)));
        pending.set(None);
        resumed.set(false);
        show_errors.set(false);
        form.set(fresh_form());
    };
    // The reveal landed elsewhere (another tab): finish here too.
    Effect::new(move |_| {
        if let Some(Ok(Some(MintProgress::Minted(token)))) = progress.get() {
            finish(token);
        }
    });

    let reveal_request = Callback::new({
        let chain = chain.clone();
        move |()| -> Result<TxRequest, String> {
            let saved = pending.get_untracked().ok_or("There is no step 1 to finish.")?;
            let valid = saved.reveal(now_seconds(), checksummed)?;
            let registry = chain.registry.as_ref().ok_or("HashTwin has no registry on this network.")?;
            Ok(registry.writer().reveal_mint(&valid, &saved.salt))
        }
    });
    let on_revealed = Callback::new({
        let registry = chain.registry.clone();
        move |_| {
            let (Some(saved), Some(registry)) = (pending.get_untracked(), registry.clone()) else { return };
            leptos::task::spawn_local(async move {
                let twin = registry.token_of_serial(&saved.serial).await;
                // The operator may have left the page meanwhile; the gallery shows the twin anyway.
                if pending.is_disposed() {
                    return;
                }
                match twin {
                    Ok(Some(token)) => finish(token),
                    Ok(None) => storage_error.set(Some(
                        "The mint went through, but the registry does not show its twin yet; reload in a moment."
                            .into(),
                    )),
                    Err(error) => storage_error
                        .set(Some(format!("The mint went through, but its twin could not be read back: {error}."))),
                }
            });
        }
    });
    let start_over = move |_| {
        if let Some(saved) = pending.get_untracked() {
            pending_mint::forget(saved.chain_id, saved.account);
            // A form saved before the terms has none: it starts from the defaults, in plain view.
            if saved.outdated() {
                form.update(|form| TERMS_PRESETS[0].fill(form));
            }
        }
        pending.set(None);
        resumed.set(false);
    };

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
        let terms = valid.as_ref().map(|valid| valid.terms.summary());
        let listing_price = valid.and_then(|valid| valid.list_price);
        view! {
            <TwinCard entry=GalleryEntry { twin, status: TwinStatus::Active, listing_price, donated_work: 0, donated_hashrate: 0.0, fraction: None, earnings: Default::default() }/>
            <p class="hint terms-preview" data-testid="terms-preview">
                {match terms {
                    Some(terms) => format!("Earning terms, fixed at mint: {terms}."),
                    None => "The earning terms show here once the form is complete.".to_string(),
                }}
            </p>
        }
    };

    view! {
        <h1>"Mint a twin"</h1>
        <p class="lede">"Give a physical rig its twin on chain. Its spec is fixed for good; its telemetry comes from the reporter key. Minting takes two transactions a block apart: the first reserves the serial without showing it, the second mints."</p>
        <div class="mint-layout">
            <form class="panel mint-form" novalidate on:submit=|event| event.prevent_default() aria-label="Rig details">
                <div class="form-field">
                    <label for="mint-preset">"Known model"</label>
                    <select id="mint-preset" prop:disabled=locked on:change=move |event| {
                        if let Some(preset) = event_target_value(&event).parse::<usize>().ok().and_then(|index| PRESETS.get(index)) {
                            form.update(|form| preset.fill(form));
                        }
                    }>
                        <option value="" selected>"Fill in from a known model…"</option>
                        {PRESETS.iter().enumerate().map(|(index, preset)| view! { <option value=index.to_string()>{preset.label()}</option> }).collect_view()}
                    </select>
                    <p class="hint">"Fills in the maker, model, hashrate and power; change anything your rig differs in."</p>
                </div>
                <FormField field=Field::Manufacturer form locked error=Signal::derive(move || error_of(Field::Manufacturer)) placeholder="Bitmain" max_bytes=mint_form::MAX_MANUFACTURER_BYTES
                    get=|form: &MintForm| form.manufacturer.clone() set=|form: &mut MintForm, value| form.manufacturer = value/>
                <FormField field=Field::Model form locked error=Signal::derive(move || error_of(Field::Model)) placeholder="Antminer S21" max_bytes=mint_form::MAX_MODEL_BYTES
                    get=|form: &MintForm| form.model.clone() set=|form: &mut MintForm, value| form.model = value/>
                <FormField field=Field::Serial form locked error=Signal::derive(move || error_of(Field::Serial)) placeholder="As printed on the rig's label"
                    get=|form: &MintForm| form.serial.clone() set=|form: &mut MintForm, value| form.serial = value/>
                <p class="hint" data-testid="canonical-serial">
                    {move || match serial.get() {
                        Some(serial) => format!("Registered as {serial}."),
                        None => "Letters are registered in capitals: 4 to 64 of A to Z, digits and hyphens.".to_string(),
                    }}
                </p>
                {move || match (lookup.get(), locked.get()) {
                    (Some(SerialLookup::Taken(token)), false) => view! {
                        <p class="hint">"This serial already has a twin: " <A href=format!("/twin/{token}")>{format!("#{token}")}</A></p>
                    }.into_any(),
                    _ => ().into_any(),
                }}
                <FormField field=Field::Hashrate form locked error=Signal::derive(move || error_of(Field::Hashrate)) placeholder="200" input_mode="decimal"
                    get=|form: &MintForm| form.hashrate_ths.clone() set=|form: &mut MintForm, value| form.hashrate_ths = value/>
                <FormField field=Field::Power form locked error=Signal::derive(move || error_of(Field::Power)) placeholder="3500" input_mode="numeric"
                    get=|form: &MintForm| form.power_watts.clone() set=|form: &mut MintForm, value| form.power_watts = value/>
                <p class="hint" data-testid="efficiency">{move || form.with(efficiency_note).unwrap_or_else(|| "Efficiency shows once the hashrate and power are in.".to_string())}</p>
                <FormField field=Field::Location form locked error=Signal::derive(move || error_of(Field::Location)) placeholder="Rockdale, Texas, US" max_bytes=mint_form::MAX_LOCATION_BYTES
                    get=|form: &MintForm| form.location.clone() set=|form: &mut MintForm, value| form.location = value/>
                <FormField field=Field::Commissioned form locked error=Signal::derive(move || error_of(Field::Commissioned)) input_type="date"
                    get=|form: &MintForm| form.commissioned.clone() set=|form: &mut MintForm, value| form.commissioned = value/>
                <FormField field=Field::Reporter form locked error=Signal::derive(move || error_of(Field::Reporter)) placeholder="0x… the key the rig agent signs with"
                    get=|form: &MintForm| form.reporter.clone() set=|form: &mut MintForm, value| form.reporter = value/>
                <FormField field=Field::Royalty form locked error=Signal::derive(move || error_of(Field::Royalty)) input_mode="decimal"
                    get=|form: &MintForm| form.royalty_percent.clone() set=|form: &mut MintForm, value| form.royalty_percent = value/>
                <p class="hint" data-testid="royalty-bps">
                    {move || validated.with(|result| match result {
                        Ok(valid) => format!("{} bps of every resale, paid to the operator.", valid.royalty_bps),
                        Err(_) => format!("At most {}% ({} bps).", mint_form::MAX_ROYALTY_BPS / 100, mint_form::MAX_ROYALTY_BPS),
                    })}
                </p>
                <fieldset class="terms" aria-describedby="terms-fixed">
                    <legend>"Earning terms"</legend>
                    <p class="notice terms-fixed" id="terms-fixed" data-testid="terms-fixed">
                        <strong>"Fixed for good at mint."</strong>
                        " Nobody can change these terms once the twin is minted: not you, not whoever owns the twin, not HashTwin. They cap what you may keep back each time you settle the rig's earnings to the twin's owner."
                    </p>
                    <div class="form-field">
                        <label for="mint-terms-preset">"Typical terms"</label>
                        <select id="mint-terms-preset" prop:disabled=locked on:change=move |event| {
                            if let Some(preset) = event_target_value(&event).parse::<usize>().ok().and_then(|index| TERMS_PRESETS.get(index)) {
                                form.update(|form| preset.fill(form));
                            }
                        }>
                            <option value="" selected>"Fill in typical terms…"</option>
                            {TERMS_PRESETS.iter().enumerate().map(|(index, preset)| view! { <option value=index.to_string()>{preset.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <FormField field=Field::ServiceFee form locked error=Signal::derive(move || error_of(Field::ServiceFee)) input_mode="decimal"
                        get=|form: &MintForm| form.service_fee_percent.clone() set=|form: &mut MintForm, value| form.service_fee_percent = value/>
                    <p class="hint" data-testid="fee-example">
                        {move || form.with(service_fee_note).unwrap_or_else(|| "At most 30% of what the rig earns, to 2 decimals.".to_string())}
                    </p>
                    <FormField field=Field::Tariff form locked error=Signal::derive(move || error_of(Field::Tariff)) input_mode="decimal" placeholder="0.065"
                        get=|form: &MintForm| form.tariff_usd_per_kwh.clone() set=|form: &mut MintForm, value| form.tariff_usd_per_kwh = value/>
                    <p class="hint" data-testid="tariff-example">
                        {move || form.with(tariff_note).unwrap_or_else(|| "Dollars per kWh, up to $1 and 6 decimals: 6.5¢ is 0.065.".to_string())}
                    </p>
                    <div class="form-field">
                        <label for="mint-settlement-choice">"Settlement period"</label>
                        <select id="mint-settlement-choice" prop:disabled=locked on:change=move |event| {
                            if let Some(choice) = Settlement::from_key(&event_target_value(&event)) {
                                form.update(|form| form.settlement = choice);
                            }
                        }>
                            {Settlement::ALL.iter().map(|&choice| view! {
                                <option value=choice.key() prop:selected=move || form.with(|form| form.settlement == choice)>{choice.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <Show when=move || form.with(|form| form.settlement == Settlement::Hours)>
                        <FormField field=Field::Settlement form locked error=Signal::derive(move || error_of(Field::Settlement)) input_mode="numeric" placeholder="12"
                            get=|form: &MintForm| form.settlement_hours.clone() set=|form: &mut MintForm, value| form.settlement_hours = value/>
                    </Show>
                    <FormField field=Field::Grace form locked error=Signal::derive(move || error_of(Field::Grace)) input_mode="numeric"
                        get=|form: &MintForm| form.grace_hours.clone() set=|form: &mut MintForm, value| form.grace_hours = value/>
                    <p class="hint" data-testid="schedule">
                        {move || form.with(schedule_note).unwrap_or_else(|| "A period of 1 hour to 31 days; a grace of 0 to 168 hours (7 days).".to_string())}
                    </p>
                </fieldset>
                <FormField field=Field::ListPrice form locked error=Signal::derive(move || error_of(Field::ListPrice)) placeholder="Optional: list it at once" input_mode="decimal"
                    get=|form: &MintForm| form.list_price.clone() set=|form: &mut MintForm, value| form.list_price = value/>
                <Show
                    when=move || locked.get()
                    fallback=move || view! { <TransactButton label="Reserve the serial (step 1 of 2)" request=commit_request on_sent=on_commit_sent on_confirmed=Callback::new(move |_| progress.refetch())/> }
                >
                    <div class="mint-steps" role="status" data-testid="mint-pending">
                        <Show when=move || resumed.get() && !outdated.get()>
                            <p class="notice" data-testid="mint-resumed">"Resumed: step 1 of 2 was sent from this browser before the page was reloaded. The form is as it was sent; step 2 finishes the mint."</p>
                        </Show>
                        <Show when=move || outdated.get()>
                            <p class="error" role="alert" data-testid="mint-outdated">{OUTDATED_PENDING_MINT}</p>
                        </Show>
                        {move || match progress.get() {
                            None => view! { <p class="loading">"Asking the registry about step 1…"</p> }.into_any(),
                            Some(Err(error)) => view! { <p class="error" role="alert">{format!("The registry could not be asked about step 1: {error}.")}</p> }.into_any(),
                            Some(Ok(None)) | Some(Ok(Some(MintProgress::Minted(_)))) => ().into_any(),
                            Some(Ok(Some(MintProgress::Stage(stage)))) => view! {
                                <p data-testid="mint-stage">{stage.describe()}</p>
                                {(matches!(stage, RevealStage::Ready { .. }) && !outdated.get()).then(|| view! {
                                    <TransactButton label="Mint twin (step 2 of 2)" request=reveal_request on_confirmed=on_revealed/>
                                })}
                            }.into_any(),
                        }}
                        <button type="button" class="quiet" on:click=start_over>"Start over"</button>
                        <p class="hint">"Starting over forgets step 1; its fee is not refunded."</p>
                    </div>
                </Show>
                {move || storage_error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                {move || minted.get().map(|(token, price)| {
                    let owner = wallet.connection.get_untracked().map(|connection| connection.account).unwrap_or(Address::ZERO);
                    view! {
                        <div class="minted" role="status" data-testid="minted">
                            <p class="ok">"Minted as " <A href=format!("/twin/{token}")>{format!("twin #{token}")}</A>"."</p>
                            {price.map(|price| view! {
                                <OwnerActions twin_id=token listed=None offers=Vec::new() owner initial_price=Some(price)/>
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
    /// True while a mint is between its steps: the reveal must send the form step 1 was made for.
    locked: Signal<bool>,
    get: fn(&MintForm) -> String,
    set: fn(&mut MintForm, String),
    #[prop(optional)] placeholder: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "text")] input_mode: &'static str,
    /// The registry's byte cap, shown as a live count.
    #[prop(optional)]
    max_bytes: Option<usize>,
) -> impl IntoView {
    let id = format!("mint-{field:?}").to_lowercase();
    let error_id = format!("{id}-error");
    let count_id = format!("{id}-bytes");
    let count = max_bytes.map(move |max| {
        let used = move || form.with(|form| byte_count(&get(form)));
        view! {
            <span class="byte-count" class:over=move || { used() > max } data-testid=count_id>
                {move || format!("{} / {max} bytes", used())}
            </span>
        }
    });
    view! {
        <div class="form-field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{field.label()}</label>
            <input
                id=id
                type=input_type
                inputmode=input_mode
                placeholder=placeholder
                prop:disabled=locked
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
                prop:value=move || form.with(get)
                on:input=move |event| {
                    let value = event_target_value(&event);
                    form.update(|form| set(form, value));
                }
            />
            {count}
            <p class="field-error" id=error_id role="alert">{move || error.get()}</p>
        </div>
    }
}
