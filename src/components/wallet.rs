//! The wallet as the app sees it: discovery, the connect button and picker, and the wrong-network
//! banner. The EIP-1193 work itself is `chain::wallet`'s.

use leptos::prelude::*;

use crate::chain::wallet::{self, Connection, Discovery, InjectedWallet, Subscription, WalletError, WalletEvent};
use crate::components::copy::CopyButton;
use crate::storage;
use crate::store::ChainStore;

/// The wallet the user picked, by EIP-6963 rdns: the picker is not shown again.
const CHOICE_KEY: &str = "hashtwin.wallet.choice";
/// Set while connected, so that a reload reconnects without asking.
const CONNECTED_KEY: &str = "hashtwin.wallet.connected";

/// The connected wallet, shared by every page.
#[derive(Clone, Copy)]
pub struct WalletContext {
    pub connection: RwSignal<Option<Connection>>,
    wallets: RwSignal<Vec<InjectedWallet>, LocalStorage>,
    active: RwSignal<Option<InjectedWallet>, LocalStorage>,
    subscription: StoredValue<Option<Subscription>, LocalStorage>,
    _discovery: StoredValue<Option<Discovery>, LocalStorage>,
    /// The picker is open: several wallets and no remembered choice.
    pub picking: RwSignal<bool>,
}

impl WalletContext {
    /// Starts discovery and reconnects a wallet that was connected before the reload.
    pub fn start() -> Self {
        let wallets = RwSignal::new_local(Vec::<InjectedWallet>::new());
        let discovery = wallet::discover(move |found| {
            wallets.update(|wallets| {
                if !wallets.iter().any(|known| known.info.uuid == found.info.uuid) {
                    wallets.push(found);
                }
            })
        });
        let context = Self {
            connection: RwSignal::new(None),
            wallets,
            active: RwSignal::new_local(None),
            subscription: StoredValue::new_local(None),
            _discovery: StoredValue::new_local(discovery),
            picking: RwSignal::new(false),
        };
        if storage::get(CONNECTED_KEY).is_some() {
            leptos::task::spawn_local(async move {
                if let Some(wallet) = context.remembered_wallet() {
                    if let Ok(Some(connection)) = wallet.existing_connection().await {
                        context.attach(wallet, connection);
                    }
                }
            });
        }
        context
    }

    /// Announced wallets, or `window.ethereum` when none announced itself.
    pub fn available(&self) -> Vec<InjectedWallet> {
        let announced = self.wallets.get();
        if announced.is_empty() {
            wallet::legacy_wallet().into_iter().collect()
        } else {
            announced
        }
    }

    pub fn active_wallet(&self) -> Option<InjectedWallet> {
        self.active.get_untracked()
    }

    fn remembered_wallet(&self) -> Option<InjectedWallet> {
        let choice = storage::get(CHOICE_KEY)?;
        self.available().into_iter().find(|wallet| wallet.info.rdns == choice)
    }

    /// Connects the one wallet there is, or the remembered one; with several and no choice yet,
    /// opens the picker instead and returns `Ok(false)`.
    pub async fn connect(&self) -> Result<bool, WalletError> {
        let available = self.available();
        let wallet = match (self.remembered_wallet(), available.as_slice()) {
            (Some(wallet), _) => wallet,
            (None, []) => return Err(WalletError::NotInstalled),
            (None, [only]) => only.clone(),
            (None, _) => {
                self.picking.set(true);
                return Ok(false);
            }
        };
        self.connect_with(wallet).await.map(|_| true)
    }

    pub async fn connect_with(&self, wallet: InjectedWallet) -> Result<(), WalletError> {
        self.picking.set(false);
        let connection = wallet.connect().await?;
        storage::set(CHOICE_KEY, &wallet.info.rdns);
        self.attach(wallet, connection);
        Ok(())
    }

    fn attach(&self, wallet: InjectedWallet, connection: Connection) {
        let context = *self;
        let subscription = wallet.subscribe(move |event| context.on_event(event));
        self.subscription.set_value(Some(subscription));
        self.active.set(Some(wallet));
        self.connection.set(Some(connection));
        storage::set(CONNECTED_KEY, "1");
    }

    fn on_event(&self, event: WalletEvent) {
        match event {
            WalletEvent::AccountsChanged(accounts) => match accounts.first() {
                Some(&account) => self.connection.update(|connection| {
                    if let Some(connection) = connection {
                        connection.account = account;
                    }
                }),
                None => self.forget(),
            },
            WalletEvent::ChainChanged(chain_id) => self.connection.update(|connection| {
                if let Some(connection) = connection {
                    connection.chain_id = chain_id;
                }
            }),
            WalletEvent::Disconnected => self.forget(),
        }
    }

    /// Forgets the connection here, and asks the wallet to forget this site where it can.
    pub fn disconnect(&self) {
        if let Some(wallet) = self.active.get_untracked() {
            leptos::task::spawn_local(async move { wallet.revoke().await });
        }
        self.forget();
    }

    fn forget(&self) {
        self.subscription.set_value(None);
        self.active.set(None);
        self.connection.set(None);
        storage::remove(CONNECTED_KEY);
    }
}

/// A calm line for what went wrong while connecting.
fn connect_notice(error: &WalletError) -> AnyView {
    match error {
        WalletError::NotInstalled => view! {
            <span class="notice" role="status">
                "No wallet found. "
                <a href="https://metamask.io/download/" rel="noopener" target="_blank">"Install MetaMask"</a>
                " to trade; browsing needs none."
            </span>
        }
        .into_any(),
        WalletError::Rejected => view! { <span class="notice" role="status">"Connection cancelled."</span> }.into_any(),
        error => view! { <span class="error" role="alert">{format!("The wallet could not connect: {error}")}</span> }
            .into_any(),
    }
}

#[component]
pub fn ConnectButton() -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let connect = Action::new_local(move |_: &()| async move { wallet.connect().await });
    let notice = move || connect.value().get().and_then(|outcome| outcome.err()).map(|error| connect_notice(&error));
    // Read again with each block: a balance moves with every transaction of the account.
    let balance = LocalResource::new({
        let (rpc, head) = (chain.rpc.clone(), chain.head);
        move || {
            head.get();
            let (rpc, account) = (rpc.clone(), wallet.connection.get().map(|connection| connection.account));
            async move { Some(rpc.balance(account?).await.map_err(|error| error.to_string())) }
        }
    });

    view! {
        <div class="wallet">
            {move || match wallet.connection.get() {
                Some(connection) => {
                    let wrong_chain = connection.chain_id != chain.network.chain_id;
                    view! {
                        <span class="account" data-testid="account" title=connection.account.to_string()>
                            {connection.account.short()}
                        </span>
                        <CopyButton text=connection.account.to_string() label="Copy your address" compact=true/>
                        {move || balance.get().flatten().map(|balance| match balance {
                            Ok(balance) => view! { <span class="balance" data-testid="balance">{balance.format_ether(4)}</span> }.into_any(),
                            Err(why) => view! { <span class="balance error" data-testid="balance" title=why>"balance unknown"</span> }.into_any(),
                        })}
                        // The header names the app's network; the wallet's is worth a word only when it differs.
                        {wrong_chain.then(|| view! {
                            <span class="chain wrong" data-testid="wallet-chain">{chain.chain_name(connection.chain_id)}</span>
                        })}
                        <button class="quiet" on:click=move |_| wallet.disconnect()>"Disconnect"</button>
                    }
                        .into_any()
                }
                None => view! {
                    <button
                        class="primary"
                        on:click=move |_| {
                            connect.dispatch(());
                        }
                        disabled=move || connect.pending().get()
                    >
                        {move || if connect.pending().get() { "Connecting…" } else { "Connect" }}
                    </button>
                    {notice}
                }
                    .into_any(),
            }}
            <WalletPicker/>
        </div>
    }
}

/// Shown when several wallets announced themselves and the user has not chosen one yet.
#[component]
fn WalletPicker() -> impl IntoView {
    let wallet = expect_context::<WalletContext>();
    let choose = Action::new_local(move |choice: &InjectedWallet| {
        let choice = choice.clone();
        async move { wallet.connect_with(choice).await }
    });
    let notice = move || choose.value().get().and_then(|outcome| outcome.err()).map(|error| connect_notice(&error));
    // Wherever the focus is: the picker opens from a click that leaves it on the Connect button.
    let escape = window_event_listener(leptos::ev::keydown, move |event| {
        if event.key() == "Escape" && wallet.picking.get_untracked() {
            wallet.picking.set(false);
        }
    });
    on_cleanup(move || escape.remove());

    view! {
        <Show when=move || wallet.picking.get()>
            <div class="picker" role="dialog" aria-labelledby="picker-heading">
                <h2 id="picker-heading">"Choose a wallet"</h2>
                <ul>
                    {move || {
                        wallet
                            .available()
                            .into_iter()
                            .map(|choice| {
                                let name = choice.info.name.clone();
                                let icon = choice.info.icon.clone();
                                view! {
                                    <li>
                                        <button on:click=move |_| {
                                            choose.dispatch(choice.clone());
                                        }>
                                            <Show when={
                                                let icon = icon.clone();
                                                move || !icon.is_empty()
                                            }>
                                                <img src=icon.clone() alt="" width="20" height="20"/>
                                            </Show>
                                            {name}
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
                {notice}
                <button class="quiet" on:click=move |_| wallet.picking.set(false)>"Cancel"</button>
            </div>
        </Show>
    }
}

/// Offers to switch the wallet to the app's network when it is on another.
#[component]
pub fn NetworkBanner() -> impl IntoView {
    let chain = expect_context::<ChainStore>();
    let wallet = expect_context::<WalletContext>();
    let target = chain.network.clone();

    let switch = Action::new_local(move |_: &()| {
        let target = target.clone();
        async move {
            let provider = wallet.active_wallet().ok_or(WalletError::NotInstalled)?;
            match provider.switch_chain(target.chain_id).await {
                Err(WalletError::UnknownChain) => {
                    provider.add_chain(target.add_chain_parameters()).await?;
                    provider.switch_chain(target.chain_id).await
                }
                other => other,
            }
        }
    });

    let wrong_chain =
        move || wallet.connection.get().filter(|connection| connection.chain_id != chain.network.chain_id);
    let app_network = chain.network.name.clone();

    view! {
        {move || {
            wrong_chain()
                .map(|connection| {
                    let app_network = app_network.clone();
                    view! {
                        <div class="banner warning" role="alert" data-testid="wrong-network">
                            <span>
                                {format!(
                                    "Your wallet is on {}. HashTwin runs on {}.",
                                    chain.chain_name(connection.chain_id),
                                    app_network,
                                )}
                            </span>
                            <button
                                class="primary"
                                on:click=move |_| {
                                    switch.dispatch(());
                                }
                                disabled=move || switch.pending().get()
                            >
                                {format!("Switch to {app_network}")}
                            </button>
                            {move || match switch.value().get() {
                                Some(Err(WalletError::Rejected)) => {
                                    Some(view! { <span class="notice">"Switch cancelled."</span> }.into_any())
                                }
                                Some(Err(error)) => {
                                    Some(view! { <span class="error">{format!("Could not switch: {error}")}</span> }.into_any())
                                }
                                _ => None,
                            }}
                        </div>
                    }
                })
        }}
    }
}
