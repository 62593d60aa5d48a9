//! What a JSON-RPC client writes as text: the Authorization header and hex parameters.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = scf_rpc_api::Credential::parse(text);
    let _ = scf_rpc_api::from_hex(text);
});
