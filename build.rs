//! The splitter (scripts/trunk-bin/wasm-bindgen) needs the linker's relocations to cut the app
//! into chunks; wasm-ld drops them unless asked. Only the app's own binary, and only when it is
//! to be split: the hasher worker and the tests link as before. A link argument rather than
//! RUSTFLAGS, which an environment variable would silently replace.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let split = std::env::var_os("CARGO_FEATURE_SPLIT").is_some();
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    if split && wasm {
        println!("cargo::rustc-link-arg-bin=hashtwin=--emit-relocs");
    }
}
