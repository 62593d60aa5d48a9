//! Borsh API of the system contracts: the arguments of their methods, their stored records and
//! their events. Shared by the contracts (wasm32), the node (genesis) and the CLI (decoding).

pub mod registry {
    //! The member registry: which accounts belong to the consortium, and in which role.
    use alloc::{string::String, vec::Vec};
    use borsh::{BorshDeserialize, BorshSerialize};

    use crate::AccountId;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
    pub enum Role {
        /// Runs the platform: onboards and suspends members.
        Operator,
        /// A large buyer whose payables become vouchers.
        CoreEnterprise,
        /// Holds, transfers and finances vouchers.
        Supplier,
        /// Bank or factor: discounts vouchers.
        Financier,
        /// Regulator or auditor: reads everything.
        Auditor,
    }

    impl Role {
        pub const ALL: [Role; 5] =
            [Role::Operator, Role::CoreEnterprise, Role::Supplier, Role::Financier, Role::Auditor];

        pub fn as_str(&self) -> &'static str {
            match self {
                Role::Operator => "operator",
                Role::CoreEnterprise => "core_enterprise",
                Role::Supplier => "supplier",
                Role::Financier => "financier",
                Role::Auditor => "auditor",
            }
        }

        pub fn parse(s: &str) -> Option<Role> {
            Role::ALL.into_iter().find(|r| r.as_str() == s)
        }
    }

    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct Member {
        pub account: AccountId,
        /// Short handle, unique in the registry (e.g. `supplier1`).
        pub name: String,
        pub role: Role,
        /// Suspended members cannot act.
        pub active: bool,
    }

    /// `init` input: the founding members (at least one operator).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct InitArgs {
        pub members: Vec<Member>,
    }

    /// `register` input (operator only).
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct RegisterArgs {
        pub account: AccountId,
        pub name: String,
        pub role: Role,
    }

    /// `set_active` input (operator only): suspend or reactivate a member.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct SetActiveArgs {
        pub account: AccountId,
        pub active: bool,
    }

    /// Storage key of a member record. The registry's storage layout is public: other contracts
    /// read it through `foreign_storage_read` to check roles without a call.
    pub fn member_key(account: &AccountId) -> Vec<u8> {
        let mut k = Vec::with_capacity(33);
        k.push(b'm');
        k.extend_from_slice(&account.0);
        k
    }

    /// Storage key of the name → account index.
    pub fn name_key(name: &str) -> Vec<u8> {
        let mut k = Vec::with_capacity(1 + name.len());
        k.push(b'n');
        k.extend_from_slice(name.as_bytes());
        k
    }

    /// Storage key of the list of all member accounts, in registration order.
    pub const MEMBERS_KEY: &[u8] = b"all";
}

pub mod receivables {
    //! Digital payable vouchers (双链通 style): issued by a core enterprise to a supplier, split
    //! and transferred upstream, financed, settled at maturity.
    use alloc::{string::String, vec::Vec};
    use borsh::{BorshDeserialize, BorshSerialize};

    use crate::{AccountId, Amount, ContractAddress, Hash, TimestampMs};

    /// Sequential, starting at 1, never reused.
    pub type VoucherId = u64;

    /// A calendar date as days since 1970-01-01 (so day counts are integer subtraction).
    pub type Day = u32;

    pub const MS_PER_DAY: u64 = 86_400_000;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub enum VoucherStatus {
        /// Issued, waiting for the first holder to accept or reject.
        PendingAcceptance,
        /// Accepted and live: can be transferred, split or financed.
        Active,
        /// The first holder refused it; never live.
        Rejected,
        /// The issuer withdrew it before acceptance; never live.
        Cancelled,
        /// Passed on in whole or in part; its children carry the amount on.
        Split,
        /// Under a financing application (locked).
        Financing,
        /// Paid at maturity.
        Settled,
        /// Matured and unpaid: holders have recourse to the issuer.
        Overdue,
    }

    impl VoucherStatus {
        /// Whether the piece currently carries part of its root's amount.
        pub fn is_live(&self) -> bool {
            matches!(
                self,
                VoucherStatus::PendingAcceptance
                    | VoucherStatus::Active
                    | VoucherStatus::Financing
                    | VoucherStatus::Overdue
            )
        }

        pub fn as_str(&self) -> &'static str {
            match self {
                VoucherStatus::PendingAcceptance => "pending_acceptance",
                VoucherStatus::Active => "active",
                VoucherStatus::Rejected => "rejected",
                VoucherStatus::Cancelled => "cancelled",
                VoucherStatus::Split => "split",
                VoucherStatus::Financing => "financing",
                VoucherStatus::Settled => "settled",
                VoucherStatus::Overdue => "overdue",
            }
        }
    }

    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct Voucher {
        pub id: VoucherId,
        /// The original issuance this piece descends from (itself for a root).
        pub root_id: VoucherId,
        pub parent_id: Option<VoucherId>,
        /// The obligor: the core enterprise that pays at maturity.
        pub issuer: AccountId,
        pub holder: AccountId,
        pub amount: Amount,
        /// ISO 4217 code, e.g. `CNY`.
        pub currency: String,
        pub issued_at_ms: TimestampMs,
        /// Inherited by every piece split from the root.
        pub maturity_day: Day,
        /// Hash of the trade contract or invoice that backs the payable.
        pub trade_ref: Option<Hash>,
        pub status: VoucherStatus,
        /// Judicial or regulatory freeze, with its reason.
        pub frozen: Option<String>,
    }

    /// `init` input.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct InitArgs {
        pub registry: ContractAddress,
    }

    /// `issue` input (core enterprise only). Returns the new `VoucherId`.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct IssueArgs {
        pub to: AccountId,
        pub amount: Amount,
        pub currency: String,
        pub maturity_day: Day,
        pub trade_ref: Option<Hash>,
    }

    /// `transfer` input (holder only). Returns `TransferResult`.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct TransferArgs {
        pub id: VoucherId,
        pub to: AccountId,
        pub amount: Amount,
    }

    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct TransferResult {
        /// The piece now held by the recipient.
        pub transferred: VoucherId,
        /// The piece the sender keeps, if it sent only part.
        pub remainder: Option<VoucherId>,
    }

    /// Body of the `voucher_issued` event.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct IssuedEvent {
        pub id: VoucherId,
        pub issuer: AccountId,
        pub holder: AccountId,
        pub amount: Amount,
    }

    /// Body of the `voucher_transferred` event.
    #[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
    pub struct TransferredEvent {
        pub from_id: VoucherId,
        pub from: AccountId,
        pub to: AccountId,
        pub transferred: VoucherId,
        pub remainder: Option<VoucherId>,
        pub amount: Amount,
    }

    /// Converts a civil date to days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's
    /// `days_from_civil`). `None` for an impossible date or one before 1970.
    pub fn day_from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let y = if month <= 2 { year - 1 } else { year } as i64;
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = month as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Day::try_from(days).ok()
    }

    /// Inverse of [`day_from_ymd`].
    pub fn ymd_from_day(day: Day) -> (i32, u32, u32) {
        let z = day as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
    }

    fn days_in_month(year: i32, month: u32) -> u32 {
        match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            _ => 28,
        }
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse_date(s: &str) -> Option<Day> {
        let mut parts = s.split('-');
        let y = parts.next()?.parse().ok()?;
        let m = parts.next()?.parse().ok()?;
        let d = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        day_from_ymd(y, m, d)
    }

    pub fn format_date(day: Day) -> String {
        let (y, m, d) = ymd_from_day(day);
        alloc::format!("{y:04}-{m:02}-{d:02}")
    }

    /// Storage helpers shared by contract and tools.
    pub fn voucher_key(id: VoucherId) -> Vec<u8> {
        let mut k = Vec::with_capacity(9);
        k.push(b'v');
        k.extend_from_slice(&id.to_be_bytes());
        k
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn dates_round_trip() {
            assert_eq!(day_from_ymd(1970, 1, 1), Some(0));
            assert_eq!(day_from_ymd(2000, 3, 1), Some(11_017));
            assert_eq!(parse_date("2027-03-31").map(format_date).as_deref(), Some("2027-03-31"));
            for day in [0u32, 59, 60, 365, 11_016, 20_000, 50_000] {
                let (y, m, d) = ymd_from_day(day);
                assert_eq!(day_from_ymd(y, m, d), Some(day));
            }
        }

        #[test]
        fn bad_dates_are_rejected() {
            assert_eq!(parse_date("2027-02-29"), None);
            assert!(parse_date("2028-02-29").is_some(), "leap day");
            assert_eq!(parse_date("2027-13-01"), None);
            assert_eq!(parse_date("1969-12-31"), None);
            assert_eq!(parse_date("2027-03"), None);
            assert_eq!(parse_date("2027-03-01-1"), None);
            assert_eq!(parse_date("abc"), None);
        }
    }
}
