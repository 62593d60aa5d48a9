//! Deposit-token rules on the host: only a financier mints its own token, balances are
//! conserved, allowances bound what a contract moves, and balances are private.
// Amounts are written as yuan_fen (100_00 is 100.00), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]
use scf_contract_testkit::Consortium;
use scf_sdk::{
    interface::deposit_token::{
        self as dt, AllowanceArgs, ApproveArgs, BalanceArgs, BurnArgs, MintArgs, TokenId, TransferArgs,
    },
    ErrorCode, SystemContract,
};

fn bank_cny() -> TokenId {
    TokenId { financier: "bank".into(), currency: "CNY".into() }
}

fn balance(c: &Consortium, member: &str) -> u128 {
    c.query("auditor", dt::BALANCE, &BalanceArgs { token: bank_cny(), member: member.into() }).unwrap()
}

#[test]
fn financiers_mint_and_balances_are_conserved() {
    let c = Consortium::new();
    let mint = MintArgs { currency: "CNY".into(), to: "core".into(), amount: 1_000_00 };
    assert_eq!(c.call("core", dt::MINT, &mint).unwrap_err().error_code(), Some(ErrorCode::Unauthorized));
    c.ok("bank", dt::MINT, &mint);
    assert_eq!(c.chain.events()[0].parties, ["bank", "core"]);
    c.ok("core", dt::TRANSFER, &TransferArgs { token: bank_cny(), to: "supplier1".into(), amount: 300_00 });
    assert_eq!((balance(&c, "core"), balance(&c, "supplier1")), (700_00, 300_00));
    let overdraw = TransferArgs { token: bank_cny(), to: "supplier1".into(), amount: 700_01 };
    assert_eq!(
        c.call("core", dt::TRANSFER, &overdraw).unwrap_err().error_code(),
        Some(ErrorCode::InsufficientFunds)
    );
    c.ok("supplier1", dt::BURN, &BurnArgs { token: bank_cny(), amount: 100_00 });
    let supply = c.query("auditor", dt::SUPPLY, &bank_cny()).unwrap();
    assert_eq!((supply.minted, supply.burned, supply.outstanding), (1_000_00, 100_00, 900_00));
    assert_eq!(balance(&c, "core") + balance(&c, "supplier1"), supply.outstanding);
}

#[test]
fn allowances_are_set_by_the_owner_and_balances_are_private() {
    let c = Consortium::new();
    let spender = SystemContract::Receivables.address();
    c.ok("core", dt::APPROVE, &ApproveArgs { token: bank_cny(), spender, amount: 50_00 });
    let allowance = AllowanceArgs { token: bank_cny(), owner: "core".into(), spender };
    assert_eq!(c.query("core", dt::ALLOWANCE, &allowance).unwrap(), 50_00);
    // A member's transfer_from is refused: only the approved contract moves the allowance.
    let pull = scf_sdk::interface::deposit_token::TransferFromArgs {
        token: bank_cny(),
        from: "core".into(),
        to: "supplier1".into(),
        amount: 1,
    };
    assert!(c.call("supplier1", dt::TRANSFER_FROM, &pull).is_err());
    let peek = c
        .query("supplier2", dt::BALANCE, &BalanceArgs { token: bank_cny(), member: "core".into() })
        .unwrap_err();
    assert_eq!(peek.error_code(), Some(ErrorCode::NotVisible), "{peek:?}");
    assert!(
        c.query("bank", dt::BALANCE, &BalanceArgs { token: bank_cny(), member: "core".into() }).is_ok(),
        "the financier sees"
    );
}
