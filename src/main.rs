//! The app's entry point: load the network config, then mount the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    hashtwin::app::boot();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("hashtwin is a browser app: build it with trunk (see README.md)");
    std::process::exit(2);
}
