//! # scf-sdk
//!
//! Write scf-chain contracts in `no_std` Rust: typed borsh arguments and return values, storage
//! scoped to the contract, events, errors that end the call with a message, and the entry-point
//! glue ([`entry_points!`]) that exports methods through their `scf_interface` descriptors and the
//! ABI marker.
//!
//! Owns: the guest side of the ABI declared in `scf_primitives::abi` (the `extern "C"` imports),
//! a bump allocator and the panic handler for wasm32.
//!
//! Must not: use floats, randomness or anything that is not the host ABI; a contract sees only
//! its input, its storage, the registry's public storage and the block's height and time.
#![no_std]

extern crate alloc;

use alloc::{string::String, vec, vec::Vec};

pub use borsh::{self, BorshDeserialize, BorshSerialize};
pub use scf_interface::{self as interface, ErrorCode, Event, EventBody, Method, SystemContract};
pub use scf_primitives::{self as primitives, AccountId, Amount, ContractAddress, Hash};

/// On the host (`cargo test`), the same functions against the in-memory chain of [`testing`].
#[cfg(not(target_arch = "wasm32"))]
use testing::host as sys;

#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

#[cfg(target_arch = "wasm32")]
mod sys {
    #[link(wasm_import_module = "env")]
    extern "C" {
        pub fn input() -> i32;
        pub fn result_read(ptr: *mut u8);
        pub fn storage_read(key_ptr: *const u8, key_len: i32) -> i64;
        pub fn storage_write(key_ptr: *const u8, key_len: i32, val_ptr: *const u8, val_len: i32);
        pub fn storage_remove(key_ptr: *const u8, key_len: i32);
        pub fn foreign_storage_read(addr_ptr: *const u8, key_ptr: *const u8, key_len: i32) -> i64;
        pub fn caller(ptr: *mut u8);
        pub fn contract_address(ptr: *mut u8);
        pub fn block_height() -> i64;
        pub fn block_time_ms() -> i64;
        pub fn emit_event(
            topic_ptr: *const u8,
            topic_len: i32,
            index_ptr: *const u8,
            index_len: i32,
            data_ptr: *const u8,
            data_len: i32,
        );
        pub fn return_data(ptr: *const u8, len: i32);
        pub fn abort(code: i32, msg_ptr: *const u8, msg_len: i32) -> !;
        pub fn call_contract(
            addr_ptr: *const u8,
            method_ptr: *const u8,
            method_len: i32,
            args_ptr: *const u8,
            args_len: i32,
        ) -> i32;
    }
}

/// A refusal: ends the call as a failed transaction whose receipt carries this stable code and
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }
}

pub type Result<T> = core::result::Result<T, Error>;

/// Returns `Err(Error::new(ErrorCode::<code>, format!(...)))` from the enclosing method:
/// `fail!(NotFound, "voucher {id} does not exist")`.
#[macro_export]
macro_rules! fail {
    ($code:ident, $($arg:tt)*) => {
        return Err($crate::Error::new($crate::ErrorCode::$code, alloc::format!($($arg)*)))
    };
}

/// Fails with the code and formatted message unless `cond` holds:
/// `ensure!(amount > 0, InvalidArgument, "amount must be positive")`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $code:ident, $($arg:tt)*) => { if !$cond { $crate::fail!($code, $($arg)*); } };
}

fn read_result(len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    // SAFETY: the host writes exactly `len` bytes (the length it just reported) into `buf`.
    unsafe { sys::result_read(buf.as_mut_ptr()) };
    buf
}

/// The raw argument bytes of this call.
pub fn input_bytes() -> Vec<u8> {
    // SAFETY: host call without pointers.
    let len = unsafe { sys::input() };
    read_result(len as usize)
}

/// Ends the call as a contract error without a code (0): a panic, or a broken invariant.
/// Never returns.
pub fn abort(message: &str) -> ! {
    fail_with(0, message)
}

/// Ends the call as a contract error with `code` and `message`. Never returns.
pub fn fail_with(code: u32, message: &str) -> ! {
    // The receipt keeps MAX_MESSAGE_LEN bytes: cut at a character boundary so it stays UTF-8.
    let mut end = message.len().min(scf_primitives::abi::MAX_MESSAGE_LEN);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let message = &message[..end];
    // SAFETY: pointer and length describe a live string.
    unsafe { sys::abort(code as i32, message.as_ptr(), message.len() as i32) }
}

/// The account that signed the transaction.
pub fn caller() -> AccountId {
    let mut a = [0u8; 32];
    // SAFETY: the host writes exactly 32 bytes.
    unsafe { sys::caller(a.as_mut_ptr()) };
    AccountId(a)
}

/// This contract's address.
pub fn contract_address() -> ContractAddress {
    let mut a = [0u8; 32];
    // SAFETY: the host writes exactly 32 bytes.
    unsafe { sys::contract_address(a.as_mut_ptr()) };
    ContractAddress(a)
}

pub fn block_height() -> u64 {
    // SAFETY: host call without pointers.
    unsafe { sys::block_height() as u64 }
}

/// The block's timestamp (ms since the epoch), the same on every validator.
pub fn block_time_ms() -> u64 {
    // SAFETY: host call without pointers.
    unsafe { sys::block_time_ms() as u64 }
}

/// Today's date as a day number (days since the epoch, UTC) from the block's timestamp.
pub fn today() -> u32 {
    (block_time_ms() / scf_interface::receivables::MS_PER_DAY) as u32
}

/// A storage key in a contract's namespace `tag`: the tag byte, then `body`.
pub fn tagged_key(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut k = vec![tag];
    k.extend_from_slice(body);
    k
}

pub mod storage {
    //! This contract's key/value storage, with borsh-typed helpers.
    use super::*;

    /// The next id of the sequence kept at `key` (the first is 1), advancing it.
    pub fn next_id(key: &[u8]) -> u64 {
        let id: u64 = get(key).unwrap_or(1);
        set(key, &(id + 1));
        id
    }

    pub fn get_raw(key: &[u8]) -> Option<Vec<u8>> {
        // SAFETY: pointer and length describe a live slice.
        let len = unsafe { sys::storage_read(key.as_ptr(), key.len() as i32) };
        if len < 0 {
            None
        } else {
            Some(read_result(len as usize))
        }
    }

    pub fn set_raw(key: &[u8], value: &[u8]) {
        // SAFETY: pointers and lengths describe live slices.
        unsafe { sys::storage_write(key.as_ptr(), key.len() as i32, value.as_ptr(), value.len() as i32) }
    }

    pub fn remove(key: &[u8]) {
        // SAFETY: pointer and length describe a live slice.
        unsafe { sys::storage_remove(key.as_ptr(), key.len() as i32) }
    }

    /// Reads another contract's storage (read-only). Only for contracts that publish their
    /// storage layout as API, such as the member registry.
    pub fn foreign_get_raw(contract: &ContractAddress, key: &[u8]) -> Option<Vec<u8>> {
        // SAFETY: the address is 32 live bytes; pointer and length describe a live slice.
        let len = unsafe { sys::foreign_storage_read(contract.0.as_ptr(), key.as_ptr(), key.len() as i32) };
        if len < 0 {
            None
        } else {
            Some(read_result(len as usize))
        }
    }

    /// Decodes a stored value; a value that does not decode means the contract's own storage is
    /// corrupt, which aborts the call rather than acting on garbage.
    pub fn get<T: BorshDeserialize>(key: &[u8]) -> Option<T> {
        get_raw(key).map(|b| decode_or_abort(&b))
    }

    pub fn foreign_get<T: BorshDeserialize>(contract: &ContractAddress, key: &[u8]) -> Option<T> {
        foreign_get_raw(contract, key).map(|b| decode_or_abort(&b))
    }

    pub fn set<T: BorshSerialize>(key: &[u8], value: &T) {
        set_raw(key, &encode(value))
    }

    fn decode_or_abort<T: BorshDeserialize>(bytes: &[u8]) -> T {
        match borsh::from_slice(bytes) {
            Ok(v) => v,
            Err(_) => abort("corrupt stored value"),
        }
    }
}

/// Unbounded sets of `u64` ids (vouchers, orders) per owner (a member name, a root voucher),
/// with O(1) add, remove and membership test: a count, one storage key per slot, and each id's
/// slot. A single stored `Vec` would be rewritten whole on every change and stop growing at the
/// value size limit (a bank that discounts thousands of vouchers would hit it).
pub mod index {
    use super::*;

    /// One family of sets, told apart from the contract's other keys by `tag`.
    pub struct Index {
        pub tag: u8,
    }

    impl Index {
        fn key(&self, kind: u8, owner: &[u8], suffix: Option<u64>) -> Vec<u8> {
            let mut k = Vec::with_capacity(2 + 4 + owner.len() + 8);
            k.push(self.tag);
            k.push(kind);
            // Length-prefixed, so that no owner's keys can collide with a longer owner's.
            k.extend_from_slice(&(owner.len() as u32).to_le_bytes());
            k.extend_from_slice(owner);
            if let Some(s) = suffix {
                k.extend_from_slice(&s.to_be_bytes());
            }
            k
        }

        pub fn len(&self, owner: &[u8]) -> u64 {
            storage::get(&self.key(0, owner, None)).unwrap_or(0)
        }

        pub fn is_empty(&self, owner: &[u8]) -> bool {
            self.len(owner) == 0
        }

        pub fn contains(&self, owner: &[u8], id: u64) -> bool {
            storage::get_raw(&self.key(2, owner, Some(id))).is_some()
        }

        /// Adds `id` (no effect if present).
        pub fn add(&self, owner: &[u8], id: u64) {
            if self.contains(owner, id) {
                return;
            }
            let n = self.len(owner);
            storage::set(&self.key(1, owner, Some(n)), &id);
            storage::set(&self.key(2, owner, Some(id)), &n);
            storage::set(&self.key(0, owner, None), &(n + 1));
        }

        /// Removes `id`: the last slot moves into its place. Returns whether it was present.
        pub fn remove(&self, owner: &[u8], id: u64) -> bool {
            let Some(slot) = storage::get::<u64>(&self.key(2, owner, Some(id))) else {
                return false;
            };
            let last = self.len(owner).saturating_sub(1);
            if slot != last {
                if let Some(moved) = storage::get::<u64>(&self.key(1, owner, Some(last))) {
                    storage::set(&self.key(1, owner, Some(slot)), &moved);
                    storage::set(&self.key(2, owner, Some(moved)), &slot);
                }
            }
            storage::remove(&self.key(1, owner, Some(last)));
            storage::remove(&self.key(2, owner, Some(id)));
            if last == 0 {
                storage::remove(&self.key(0, owner, None));
            } else {
                storage::set(&self.key(0, owner, None), &last);
            }
            true
        }

        /// Every id, in slot order (insertion order until something is removed).
        pub fn list(&self, owner: &[u8]) -> Vec<u64> {
            (0..self.len(owner)).filter_map(|s| storage::get(&self.key(1, owner, Some(s)))).collect()
        }
    }
}

/// Lists of `u64` ids per owner, stored so that a change costs a bounded number of bytes
/// whatever the list's length.
///
/// Key 0 (the head) holds the length and the tail: the last `len % PAGE_IDS` ids. Keys
/// `1..=len / PAGE_IDS` hold full pages of `PAGE_IDS` ids each, in insertion order. A push
/// rewrites only the head (and, every `PAGE_IDS` pushes, spills the full tail into a new page),
/// so a list of up to `PAGE_IDS - 1` ids is one storage key, as a single `Vec` would be. A single
/// `Vec` would instead be rewritten whole on every change, a cost that grows with the list (and
/// stops at the value size limit); a key per id (`index`) costs several Merkle updates per
/// change. An earlier layout kept the first page, not the last, beside the length, so every
/// change of a long list rewrote a full page: sustained load slowed as lists grew.
///
/// Removal moves the list's last id into the removed one's place, so order is insertion order
/// only while nothing is removed. Finding the id scans from the newest end (the tail, then full
/// pages newest first), where ids that move often (a holder's latest pieces) are.
pub mod paged {
    use super::*;

    /// Ids per full page (512 bytes of ids), and one more than the tail can hold.
    pub const PAGE_IDS: u64 = 64;

    /// One family of lists, told apart from the contract's other keys by `tag`.
    pub struct PagedList {
        pub tag: u8,
    }

    impl PagedList {
        fn key(&self, owner: &[u8], page: u64) -> Vec<u8> {
            let mut k = Vec::with_capacity(1 + 4 + owner.len() + 8);
            k.push(self.tag);
            // Length-prefixed, so that no owner's keys can collide with a longer owner's.
            k.extend_from_slice(&(owner.len() as u32).to_le_bytes());
            k.extend_from_slice(owner);
            k.extend_from_slice(&page.to_be_bytes());
            k
        }

        /// The length and the tail.
        fn head(&self, owner: &[u8]) -> (u64, Vec<u64>) {
            storage::get(&self.key(owner, 0)).unwrap_or((0, Vec::new()))
        }

        fn set_head(&self, owner: &[u8], len: u64, tail: &[u64]) {
            if len == 0 {
                storage::remove(&self.key(owner, 0));
            } else {
                storage::set(&self.key(owner, 0), &(len, tail));
            }
        }

        fn page(&self, owner: &[u8], page: u64) -> Vec<u64> {
            storage::get(&self.key(owner, page)).unwrap_or_default()
        }

        pub fn len(&self, owner: &[u8]) -> u64 {
            self.head(owner).0
        }

        pub fn is_empty(&self, owner: &[u8]) -> bool {
            self.len(owner) == 0
        }

        /// Appends `id`.
        pub fn push(&self, owner: &[u8], id: u64) {
            let (len, mut tail) = self.head(owner);
            tail.push(id);
            let len = len + 1;
            if tail.len() as u64 == PAGE_IDS {
                storage::set(&self.key(owner, len / PAGE_IDS), &tail);
                tail.clear();
            }
            self.set_head(owner, len, &tail);
        }

        /// Removes one occurrence of `id`; returns whether it was there.
        pub fn remove(&self, owner: &[u8], id: u64) -> bool {
            let (len, mut tail) = self.head(owner);
            if let Some(i) = tail.iter().rposition(|x| *x == id) {
                tail.swap_remove(i);
                self.set_head(owner, len - 1, &tail);
                return true;
            }
            let full = len / PAGE_IDS;
            let mut found = None;
            for p in (1..=full).rev() {
                let ids = self.page(owner, p);
                if let Some(i) = ids.iter().rposition(|x| *x == id) {
                    found = Some((p, i, ids));
                    break;
                }
            }
            let Some((page, index, mut ids)) = found else { return false };
            if tail.is_empty() {
                // The last full page becomes the tail, so there is a last id to move.
                if page == full {
                    storage::remove(&self.key(owner, full));
                    ids.swap_remove(index);
                    self.set_head(owner, len - 1, &ids);
                    return true;
                }
                tail = self.page(owner, full);
                storage::remove(&self.key(owner, full));
            }
            // A stored full page is never empty; if one were, the list is corrupt.
            let Some(last) = tail.pop() else { abort("paged list: stored page is empty") };
            ids[index] = last;
            storage::set(&self.key(owner, page), &ids);
            self.set_head(owner, len - 1, &tail);
            true
        }

        /// Every id: full pages in order, then the tail.
        pub fn list(&self, owner: &[u8]) -> Vec<u64> {
            let (len, tail) = self.head(owner);
            let mut ids = Vec::with_capacity(len as usize);
            for p in 1..=len / PAGE_IDS {
                ids.extend(self.page(owner, p));
            }
            ids.extend(tail);
            ids
        }
    }
}

/// Checks that `currency` looks like an ISO 4217 code (three capital letters).
pub fn validate_currency(currency: &str) -> Result<()> {
    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::InvalidArgument,
            alloc::format!("currency {currency:?} is not an ISO 4217 code"),
        ))
    }
}

/// Borsh-encodes `value`; encoding into a `Vec` cannot fail.
pub fn encode<T: BorshSerialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    if value.serialize(&mut out).is_err() {
        abort("encoding failed");
    }
    out
}

/// Emits `event` with its body and its parties (the members it concerns: see the descriptor's
/// documentation); its subjects come from the body. The host sorts the parties and drops
/// duplicates.
pub fn emit<T: EventBody>(event: Event<T>, body: &T, parties: &[&str]) {
    let index = scf_primitives::EventIndex {
        parties: parties.iter().map(|p| String::from(*p)).collect(),
        subjects: body.subjects(),
    };
    let index = encode(&index);
    let data = encode(body);
    let topic = event.topic;
    // SAFETY: pointers and lengths describe live slices.
    unsafe {
        sys::emit_event(
            topic.as_ptr(),
            topic.len() as i32,
            index.as_ptr(),
            index.len() as i32,
            data.as_ptr(),
            data.len() as i32,
        )
    }
}

/// Calls a system contract's `method` with `args` and returns its value. The callee sees this
/// contract as its caller. If the callee fails, this call fails too and every write of the
/// transaction is undone, so this never returns an error.
pub fn call<A: BorshSerialize, R: BorshDeserialize>(method: &Method<A, R>, args: &A) -> R {
    call_at(&method.address(), method, args)
}

/// [`call`], at `contract`: a contract deployed from a system contract's code (another deposit
/// token, say) has that contract's methods at its own address.
pub fn call_at<A: BorshSerialize, R: BorshDeserialize>(
    contract: &ContractAddress,
    method: &Method<A, R>,
    args: &A,
) -> R {
    let args = encode(args);
    // SAFETY: pointers and lengths describe live values.
    let len = unsafe {
        sys::call_contract(
            contract.0.as_ptr(),
            method.name.as_ptr(),
            method.name.len() as i32,
            args.as_ptr(),
            args.len() as i32,
        )
    };
    match borsh::from_slice(&read_result(len as usize)) {
        Ok(v) => v,
        Err(_) => abort("a called contract returned an unexpected value"),
    }
}

/// Lookups in the member registry's public storage.
pub mod members {
    use super::*;
    use scf_interface::registry::{account_key, member_key, Member, Role};

    /// The member an account acts for.
    pub fn of_account(registry: &ContractAddress, account: &AccountId) -> Option<Member> {
        let name: String = storage::foreign_get(registry, &account_key(account))?;
        by_name(registry, &name)
    }

    pub fn by_name(registry: &ContractAddress, name: &str) -> Option<Member> {
        storage::foreign_get(registry, &member_key(name))
    }

    /// The active member `who` (an account's member, or a named member) if it has one of
    /// `roles`; otherwise an error naming the rule.
    pub fn require(found: Option<Member>, who: &str, roles: &[Role]) -> Result<Member> {
        let Some(m) = found else {
            return Err(Error::new(ErrorCode::NotFound, alloc::format!("{who} is not a registered member")));
        };
        if !m.active {
            return Err(Error::new(
                ErrorCode::MemberSuspended,
                alloc::format!("member {} is suspended", m.name),
            ));
        }
        if !roles.is_empty() && !roles.contains(&m.role) {
            let wanted: Vec<&str> = roles.iter().map(Role::as_str).collect();
            return Err(Error::new(
                ErrorCode::Unauthorized,
                alloc::format!(
                    "member {} has role {}, but this needs {}",
                    m.name,
                    m.role.as_str(),
                    wanted.join(" or ")
                ),
            ));
        }
        Ok(m)
    }

    /// The member that signed this query: read-only queries that reveal `what` data must be
    /// signed by a member's account.
    pub fn viewer(registry: &ContractAddress, what: &str) -> Result<Member> {
        let who = caller();
        of_account(registry, &who).ok_or_else(|| {
            Error::new(ErrorCode::NotVisible, alloc::format!(
                "this query reveals {what} data: sign it with a member's account (caller {who} is not a member)"
            ))
        })
    }

    /// Auditors and operators see every member's data.
    pub fn oversees(m: &Member) -> bool {
        matches!(m.role, Role::Auditor | Role::Operator)
    }

    /// The member acting in this call (the transaction's signer's member), with one of `roles`.
    pub fn acting(registry: &ContractAddress, roles: &[Role]) -> Result<Member> {
        let who = caller();
        require(of_account(registry, &who), &alloc::format!("caller {who}"), roles)
    }

    /// The active member named `name`, with one of `roles`.
    pub fn named(registry: &ContractAddress, name: &str, roles: &[Role]) -> Result<Member> {
        require(by_name(registry, name), &alloc::format!("{name:?}"), roles)
    }
}

/// Sets the call's return value.
pub fn ret<T: BorshSerialize>(value: &T) {
    let data = encode(value);
    // SAFETY: pointer and length describe a live slice.
    unsafe { sys::return_data(data.as_ptr(), data.len() as i32) }
}

/// Glue behind every exported method: decode the arguments, run the handler, return its value
/// or abort with its error. Plain generic code so that the macro stays trivial; taking the
/// method's descriptor makes a handler of any other argument or return type a compile error.
pub fn dispatch<A: BorshDeserialize, R: BorshSerialize>(method: &Method<A, R>, handler: fn(A) -> Result<R>) {
    let input = input_bytes();
    let args: A = match borsh::from_slice(&input) {
        Ok(a) => a,
        Err(e) => abort(&alloc::format!("invalid arguments for {}: {e}", method.name)),
    };
    match handler(args) {
        Ok(value) => ret(&value),
        Err(Error { code, message }) => fail_with(code.code(), &message),
    }
}

/// Exports each `DESCRIPTOR => handler` as a Wasm method named like the handler, plus the ABI
/// interface marker. The handler must have the descriptor's name (checked at compile time) and
/// its argument and return types (checked by [`dispatch`]).
///
/// ```ignore
/// use scf_sdk::interface::receivables as api;
/// scf_sdk::entry_points! { api::INIT => init, api::ISSUE => issue }
/// ```
#[macro_export]
macro_rules! entry_points {
    ($($method:path => $handler:ident),* $(,)?) => {
        #[cfg(target_arch = "wasm32")]
        #[no_mangle]
        pub extern "C" fn scf_abi_v2() {}
        $(
            // An anonymous block per method: the export needs a Rust name of its own (the
            // handler has the Wasm name) and paths resolve here as where the macro is used.
            const _: () = {
                assert!(
                    $crate::interface::same_name($method.name, stringify!($handler)),
                    concat!("the handler ", stringify!($handler), " is exported under another method's descriptor")
                );
                #[cfg(target_arch = "wasm32")]
                #[export_name = stringify!($handler)]
                extern "C" fn export() {
                    $crate::dispatch(&$method, $handler)
                }
            };
        )*

        /// On the host: runs the method named `method` as the Wasm export would (the test
        /// chain's calls, `scf_sdk::testing`); false if there is none.
        #[cfg(not(target_arch = "wasm32"))]
        pub fn scf_dispatch(method: &str) -> bool {
            $(
                if method == $method.name {
                    $crate::dispatch(&$method, $handler);
                    return true;
                }
            )*
            false
        }
    };
}

#[cfg(target_arch = "wasm32")]
mod wasm_runtime {
    use core::{
        alloc::{GlobalAlloc, Layout},
        sync::atomic::{AtomicUsize, Ordering},
    };

    /// Bump allocator: a call is short-lived and its memory is capped by the VM, so memory is
    /// never reused; this keeps contracts small and allocation deterministic.
    struct Bump {
        next: AtomicUsize,
        end: AtomicUsize,
    }

    const PAGE: usize = 65_536;

    extern "C" {
        /// Defined by the linker: the first byte after the stack and the data segments.
        static __heap_base: u8;
    }

    unsafe impl GlobalAlloc for Bump {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let mut next = self.next.load(Ordering::Relaxed);
            let mut end = self.end.load(Ordering::Relaxed);
            if end == 0 {
                // First allocation: the heap starts after the stack and the data, in the pages
                // the module declares beyond them (contracts/build.sh links with a larger
                // initial memory), and grows memory only past those. A call that never grows
                // memory spares the host two page-protection changes per call.
                next = core::ptr::addr_of!(__heap_base) as usize;
                end = core::arch::wasm32::memory_size(0) * PAGE;
            }
            let start = (next + layout.align() - 1) & !(layout.align() - 1);
            let Some(new_next) = start.checked_add(layout.size()) else {
                return core::ptr::null_mut();
            };
            if new_next > end {
                let pages = (new_next - end).div_ceil(PAGE);
                if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                    return core::ptr::null_mut();
                }
                end += pages * PAGE;
            }
            self.next.store(new_next, Ordering::Relaxed);
            self.end.store(end, Ordering::Relaxed);
            start as *mut u8
        }

        unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
    }

    #[global_allocator]
    static ALLOCATOR: Bump = Bump { next: AtomicUsize::new(0), end: AtomicUsize::new(0) };

    #[panic_handler]
    fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
        let message = alloc::format!("contract panicked: {}", info.message());
        super::abort(&message)
    }
}
