//! Accounts' ENS names for the visit: each account is looked up once, and the accounts a page
//! shows together are looked up together, in one set of batched reads (see `chain::ens`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use leptos::prelude::*;

use crate::chain::ens::{EnsProfile, EnsReader};
use crate::domain::Address;

/// How long accounts asked for are gathered before they are looked up: a page draws its accounts
/// in one go, so a moment is enough to put them in one lookup.
const GATHER: Duration = Duration::from_millis(20);

/// What is known of an account's name: `None` until its lookup has found a verified name, and for
/// good when it finds none or cannot be made, the account then showing as its address.
pub type NameSignal = ArcReadSignal<Option<EnsProfile>>;

#[derive(Clone)]
pub struct EnsNames {
    reader: EnsReader,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// Every account asked for this visit, looked up or waiting to be.
    known: HashMap<Address, ArcRwSignal<Option<EnsProfile>>>,
    /// Asked for since the last lookup started.
    waiting: Vec<Address>,
}

impl EnsNames {
    pub fn new(reader: EnsReader) -> Self {
        Self { reader, state: Arc::default() }
    }

    /// `account`'s verified name, once known; the first ask of an account starts its lookup.
    pub fn name_of(&self, account: Address) -> NameSignal {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = state.known.get(&account) {
            return known.read_only();
        }
        let signal = ArcRwSignal::new(None);
        state.known.insert(account, signal.clone());
        state.waiting.push(account);
        if state.waiting.len() == 1 {
            self.look_up_soon();
        }
        signal.read_only()
    }

    fn look_up_soon(&self) {
        let names = self.clone();
        leptos::task::spawn_local(async move {
            gloo_timers::future::sleep(GATHER).await;
            names.look_up_waiting().await;
        });
    }

    async fn look_up_waiting(&self) {
        let accounts = std::mem::take(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner).waiting);
        match self.reader.profiles(&accounts).await {
            Ok(profiles) => {
                // Taken out of the lock first: what a name redraws may ask for other accounts.
                let found: Vec<_> = {
                    let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                    accounts
                        .iter()
                        .zip(profiles)
                        .filter_map(|(account, profile)| Some((state.known.get(account)?.clone(), profile?)))
                        .collect()
                };
                for (signal, profile) in found {
                    signal.set(Some(profile));
                }
            }
            // The accounts keep showing as their addresses, which is what they are; the console
            // says why no names came.
            Err(error) => leptos::logging::warn!("ENS names of {} accounts could not be read: {error}", accounts.len()),
        }
    }
}
