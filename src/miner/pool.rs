//! The main thread's side of the hasher workers.

use futures::channel::oneshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

use super::protocol::FromWorker;

/// Absolute: a relative URL would resolve against the current route, and break on `/twin/7`.
pub const WORKER_SCRIPT: &str = "/hasher_loader.js";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkerError {
    #[error("the browser refused to start a worker: {0}")]
    Spawn(String),
    #[error("the hasher worker failed to load: {0}")]
    Load(String),
    #[error("the hasher worker sent a message this app does not understand")]
    Protocol,
    #[error("the hasher's self-test failed: its SHA-256d does not match the reference")]
    SelfTest,
}

/// A worker that has answered the ready handshake.
pub struct HasherWorker {
    worker: Worker,
}

impl HasherWorker {
    /// Starts a worker and waits for its ready message.
    pub async fn spawn() -> Result<Self, WorkerError> {
        let worker = Worker::new(WORKER_SCRIPT).map_err(|error| WorkerError::Spawn(format!("{error:?}")))?;
        let (sender, receiver) = oneshot::channel::<Result<FromWorker, WorkerError>>();
        let sender = std::rc::Rc::new(std::cell::RefCell::new(Some(sender)));

        let on_message = {
            let sender = sender.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let message = serde_wasm_bindgen::from_value(event.data()).map_err(|_| WorkerError::Protocol);
                if let Some(sender) = sender.borrow_mut().take() {
                    let _ = sender.send(message);
                }
            })
        };
        let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            if let Some(sender) = sender.borrow_mut().take() {
                let _ = sender.send(Err(WorkerError::Load(event.message())));
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        let answer = receiver.await.unwrap_or(Err(WorkerError::Protocol));
        worker.set_onmessage(None);
        worker.set_onerror(None);
        drop((on_message, on_error));

        match answer {
            Ok(FromWorker::Ready { self_test_passed: true }) => Ok(Self { worker }),
            Ok(FromWorker::Ready { self_test_passed: false }) => {
                worker.terminate();
                Err(WorkerError::SelfTest)
            }
            Err(error) => {
                worker.terminate();
                Err(error)
            }
        }
    }
}

impl Drop for HasherWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
