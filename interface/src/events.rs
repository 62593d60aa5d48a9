//! Events as code: a typed descriptor per topic ([`Event`]), and for every body type the
//! subjects it names ([`EventBody`]). A contract emits through a descriptor with the event's
//! parties (the members it concerns, which the contract knows from its state); the subjects come
//! from the body. Reads and subscriptions filter by both without decoding bodies.
use alloc::{format, vec::Vec};
use core::marker::PhantomData;

use borsh::{BorshDeserialize, BorshSerialize};
pub use scf_primitives::Subject;

use crate::SystemContract;

/// The kinds of subject events name, with the text form of their ids.
pub mod subject {
    /// A payable voucher (decimal id).
    pub const VOUCHER: &str = "voucher";
    /// A financing application (decimal id).
    pub const APPLICATION: &str = "application";
    /// An action waiting for a maker–checker decision (decimal id).
    pub const ACTION: &str = "action";
    /// A core enterprise's credit line (`core/currency`).
    pub const CREDIT_LINE: &str = "credit_line";
    /// A purchase order (decimal id).
    pub const ORDER: &str = "order";
    /// A letter of credit (decimal id).
    pub const LETTER_OF_CREDIT: &str = "letter_of_credit";
    /// A trade document (its SHA-256, hex).
    pub const DOCUMENT: &str = "document";
    /// A deposit token (`financier/currency`).
    pub const TOKEN: &str = "token";
    /// A governance proposal (decimal id).
    pub const PROPOSAL: &str = "proposal";
    /// A request to change who controls a member (decimal id).
    pub const CONTROL_REQUEST: &str = "control_request";
    /// A member (its name).
    pub const MEMBER: &str = "member";
    /// A node of the network (its name).
    pub const NODE: &str = "node";
    /// A deployed contract (its address, hex); named by the runtime's own events.
    pub const CONTRACT: &str = "contract";

    pub const ALL: &[&str] = &[
        VOUCHER,
        APPLICATION,
        ACTION,
        CREDIT_LINE,
        ORDER,
        LETTER_OF_CREDIT,
        DOCUMENT,
        TOKEN,
        PROPOSAL,
        CONTROL_REQUEST,
        MEMBER,
        NODE,
        CONTRACT,
    ];
}

/// A subject with a numeric id.
pub fn numbered(kind: &str, id: u64) -> Subject {
    Subject { kind: kind.into(), id: format!("{id}") }
}

/// A subject with a textual id.
pub fn named(kind: &str, id: &str) -> Subject {
    Subject { kind: kind.into(), id: id.into() }
}

/// An event body: borsh-encoded into the event's data, naming its subjects.
pub trait EventBody: BorshSerialize + BorshDeserialize {
    /// The kinds of subject [`EventBody::subjects`] returns (for the schema), in order; a kind
    /// may be absent from a given body (an optional remainder, say).
    const SUBJECT_KINDS: &'static [&'static str];
    /// The body's type name, as the schema lists it.
    const NAME: &'static str;
    fn subjects(&self) -> Vec<Subject>;
}

/// A topic of a system contract whose body is a `T`.
pub struct Event<T> {
    pub contract: SystemContract,
    pub topic: &'static str,
    body: PhantomData<fn() -> T>,
}

impl<T> Event<T> {
    pub const fn new(contract: SystemContract, topic: &'static str) -> Event<T> {
        Event { contract, topic, body: PhantomData }
    }
}

// Not derived, as for `Method`: a descriptor is copyable whatever its body type.
impl<T> Clone for Event<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Event<T> {}

impl<T> core::fmt::Debug for Event<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}:{}", self.contract.name(), self.topic)
    }
}

/// What the schema says of one topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventInfo {
    pub topic: &'static str,
    /// The body's type name.
    pub body: &'static str,
    /// Who its parties are.
    pub parties: &'static str,
    /// The kinds of its subjects.
    pub subjects: &'static [&'static str],
}

/// Declares a contract's event descriptors and its `EVENTS` list:
/// `CONST = "topic": Body, parties "who";`.
macro_rules! events {
    ($contract:expr; $($(#[$doc:meta])* $konst:ident = $topic:literal: $body:ty, parties $parties:literal;)*) => {
        $( $(#[$doc])* pub const $konst: $crate::events::Event<$body> = $crate::events::Event::new($contract, $topic); )*
        /// Every topic this contract emits, with its body, parties and subjects.
        pub const EVENTS: &[$crate::events::EventInfo] = &[$(
            $crate::events::EventInfo {
                topic: $topic,
                body: <$body as $crate::events::EventBody>::NAME,
                parties: $parties,
                subjects: <$body as $crate::events::EventBody>::SUBJECT_KINDS,
            }
        ),*];

        /// The borsh declaration of every topic's body, in `EVENTS` order, whose definitions are
        /// added to `definitions`.
        #[cfg(feature = "schema")]
        pub fn event_body_declarations(definitions: &mut $crate::schema::Definitions) -> alloc::vec::Vec<alloc::string::String> {
            alloc::vec![$(
                $crate::schema::declare::<$body>(definitions)
            ),*]
        }
    };
}
pub(crate) use events;

/// Implements [`EventBody`] for a type: its name and its subjects.
macro_rules! event_body {
    ($body:ty, [$($kind:expr),*], |$b:ident| $subjects:expr) => {
        impl $crate::events::EventBody for $body {
            const SUBJECT_KINDS: &'static [&'static str] = &[$($kind),*];
            const NAME: &'static str = stringify!($body);
            fn subjects(&self) -> alloc::vec::Vec<$crate::events::Subject> {
                let $b = self;
                $subjects
            }
        }
    };
}
pub(crate) use event_body;
