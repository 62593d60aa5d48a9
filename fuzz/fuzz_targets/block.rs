//! A block, as streamed by a proposer or served by a syncing peer; an event index as a contract
//! passes it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scf_primitives::{Block, EventIndex};

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = borsh::from_slice::<Block>(data) {
        assert_eq!(borsh::to_vec(&block).unwrap(), data);
    }
    let _ = EventIndex::decode_checked(data);
});
