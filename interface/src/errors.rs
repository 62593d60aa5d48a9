//! Why a system contract refuses a call, as a stable code. A receipt carries the code beside the
//! human message (`TxError::ContractError { code, message }`), so a client branches on the code
//! and shows the message. Numbers are never changed or reused; new reasons get new numbers.

/// A system contract's reason for refusing a call. `0` is reserved for "no code" (a panic, or a
/// contract that gives none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u32)]
pub enum ErrorCode {
    /// An argument is malformed or out of range (an empty name, a zero amount, a date in the past).
    InvalidArgument = 1,
    /// What the call names does not exist (a voucher, an order, a member, a proposal).
    NotFound = 2,
    /// The caller's member is not the one allowed to do this (its role or its part in the object).
    Unauthorized = 3,
    /// The object is not in a state that allows this (already accepted, no longer open, not live).
    InvalidState = 4,
    /// Something of that name or key exists already, or the contract is already initialised.
    AlreadyExists = 5,
    /// A count limit is reached (accounts of a member, open proposals, documents on an order).
    LimitReached = 6,
    /// An amount exceeds the amount it is taken from (a transfer above the voucher's amount, an
    /// invoice above the order's).
    ExceedsAmount = 7,
    /// Issuing would exceed the core enterprise's credit line.
    CreditExceeded = 8,
    /// A token balance or allowance is too small.
    InsufficientFunds = 9,
    /// Integer arithmetic would overflow.
    Overflow = 10,
    /// The caller's member (or the member acted for) is suspended, or the caller is not a member.
    MemberSuspended = 11,
    /// The member requires maker–checker: one account proposes, another approves.
    MakerCheckerRequired = 12,
    /// The caller may not see this (queries reveal members' business only to those concerned).
    NotVisible = 13,
    /// The voucher is frozen.
    Frozen = 14,
    /// The voucher has matured: it can no longer move or be financed.
    Matured = 15,
    /// The voucher has not matured yet.
    NotMatured = 16,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::InvalidArgument,
        ErrorCode::NotFound,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidState,
        ErrorCode::AlreadyExists,
        ErrorCode::LimitReached,
        ErrorCode::ExceedsAmount,
        ErrorCode::CreditExceeded,
        ErrorCode::InsufficientFunds,
        ErrorCode::Overflow,
        ErrorCode::MemberSuspended,
        ErrorCode::MakerCheckerRequired,
        ErrorCode::NotVisible,
        ErrorCode::Frozen,
        ErrorCode::Matured,
        ErrorCode::NotMatured,
    ];

    /// The number carried in receipts.
    pub const fn code(self) -> u32 {
        self as u32
    }

    pub fn from_code(code: u32) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The stable name shown beside the number (RPC, CLI, schema).
    pub const fn name(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidState => "invalid_state",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::LimitReached => "limit_reached",
            ErrorCode::ExceedsAmount => "exceeds_amount",
            ErrorCode::CreditExceeded => "credit_exceeded",
            ErrorCode::InsufficientFunds => "insufficient_funds",
            ErrorCode::Overflow => "overflow",
            ErrorCode::MemberSuspended => "member_suspended",
            ErrorCode::MakerCheckerRequired => "maker_checker_required",
            ErrorCode::NotVisible => "not_visible",
            ErrorCode::Frozen => "frozen",
            ErrorCode::Matured => "matured",
            ErrorCode::NotMatured => "not_matured",
        }
    }

    /// What the code means, for documentation and the schema.
    pub const fn description(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "An argument is malformed or out of range (an empty name, a zero amount, a date in the past).",
            ErrorCode::NotFound => "What the call names does not exist (a voucher, an order, a member, a proposal).",
            ErrorCode::Unauthorized => "The caller's member is not the one allowed to do this (its role or its part in the object).",
            ErrorCode::InvalidState => "The object is not in a state that allows this (already accepted, no longer open, not live).",
            ErrorCode::AlreadyExists => "Something of that name or key exists already, or the contract is already initialised.",
            ErrorCode::LimitReached => "A count limit is reached (accounts of a member, open proposals, documents on an order).",
            ErrorCode::ExceedsAmount => "An amount exceeds the amount it is taken from (a transfer above the voucher's amount, an invoice above the order's).",
            ErrorCode::CreditExceeded => "Issuing would exceed the core enterprise's credit line.",
            ErrorCode::InsufficientFunds => "A token balance or allowance is too small.",
            ErrorCode::Overflow => "Integer arithmetic would overflow.",
            ErrorCode::MemberSuspended => "The caller's member (or the member acted for) is suspended, or the caller is not a member.",
            ErrorCode::MakerCheckerRequired => "The member requires maker–checker: one account proposes, another approves.",
            ErrorCode::NotVisible => "The caller may not see this (queries reveal members' business only to those concerned).",
            ErrorCode::Frozen => "The voucher is frozen.",
            ErrorCode::Matured => "The voucher has matured: it can no longer move or be financed.",
            ErrorCode::NotMatured => "The voucher has not matured yet.",
        }
    }

    pub fn from_name(name: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_round_trip() {
        for (i, c) in ErrorCode::ALL.iter().enumerate() {
            assert_ne!(c.code(), 0, "0 means no code");
            assert_eq!(ErrorCode::from_code(c.code()), Some(*c));
            assert_eq!(ErrorCode::from_name(c.name()), Some(*c));
            assert!(ErrorCode::ALL[..i].iter().all(|o| o.code() != c.code() && o.name() != c.name()));
        }
        assert_eq!(ErrorCode::from_code(0), None);
    }

    /// The numbers are public API: receipts already on chain carry them.
    #[test]
    fn numbers_never_change() {
        assert_eq!(ErrorCode::InvalidArgument.code(), 1);
        assert_eq!(ErrorCode::ExceedsAmount.code(), 7);
        assert_eq!(ErrorCode::NotMatured.code(), 16);
    }
}
