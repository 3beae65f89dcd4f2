//! Two jobs for the app's build.
//!
//! The contracts' ABIs (src/chain/abi/, forge's JSON as scripts/lib/abi.mjs copies it) are embedded
//! as compact JSON without `internalType`, which the app never reads: a third of the bytes that
//! every visitor would otherwise download and parse (issue 15).
//!
//! The splitter (scripts/trunk-bin/wasm-bindgen) needs the linker's relocations to cut the app
//! into chunks; wasm-ld drops them unless asked. Only the app's own binary, and only when it is
//! to be split: the hasher worker and the tests link as before. A link argument rather than
//! RUSTFLAGS, which an environment variable would silently replace.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    compact_abis();
    link_for_splitting();
}

fn compact_abis() {
    let source = Path::new("src/chain/abi");
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("abi");
    std::fs::create_dir_all(&out).expect("OUT_DIR is writable");
    println!("cargo::rerun-if-changed={}", source.display());
    for entry in std::fs::read_dir(source).expect("src/chain/abi is there") {
        let path = entry.expect("src/chain/abi is readable").path();
        if path.extension().is_none_or(|extension| extension != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let mut abi: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()));
        drop_internal_types(&mut abi);
        let compact = serde_json::to_string(&abi).expect("JSON values serialise");
        std::fs::write(out.join(path.file_name().expect("a file")), compact).expect("OUT_DIR is writable");
    }
}

fn drop_internal_types(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            fields.remove("internalType");
            fields.values_mut().for_each(drop_internal_types);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_internal_types),
        _ => {}
    }
}

fn link_for_splitting() {
    let split = std::env::var_os("CARGO_FEATURE_SPLIT").is_some();
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    if split && wasm {
        println!("cargo::rustc-link-arg-bin=hashtwin=--emit-relocs");
    }
}
