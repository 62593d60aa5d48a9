//! `scf schema`: the machine-readable interface, generated from the code.

use clap::Subcommand;

use crate::client::print_json;

#[derive(Subcommand)]
pub enum SchemaCmd {
    /// Wire types, every system contract's methods, events and error codes, with the borsh
    /// definition of every type (docs/schema/interface.json).
    Interface,
    /// The node's JSON-RPC methods as an OpenRPC document (docs/schema/openrpc.json).
    Openrpc,
}

pub fn run(cmd: SchemaCmd) {
    match cmd {
        SchemaCmd::Interface => print_json(&crate::schema::interface()),
        SchemaCmd::Openrpc => print_json(&scf_rpc_api::openrpc::document()),
    }
}
