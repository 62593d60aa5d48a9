//! `scf watch`: follow the chain live over a WebSocket subscription.
//!
//! `scf watch events` prints each matching event with its cursor as it commits. It resumes by
//! itself (a dropped connection, a subscription the node closed because this reader fell behind,
//! an expired login) after the last cursor it printed, so nothing is lost or printed twice; and
//! `--after` resumes an earlier run from the cursor it printed last.
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use scf_rpc_api::{EventCursor, EventFilter, EventRecord, ScfApiClient, SubjectView};

use crate::client::Ctx;

#[derive(Subcommand)]
pub enum WatchCmd {
    /// Follow events as they commit (those this reader may see), printing each with its cursor.
    Events {
        /// The emitting contract: a system contract's name (`receivables`) or a hex address.
        #[arg(long)]
        contract: Option<String>,
        /// The topic, e.g. `voucher_transferred`.
        #[arg(long)]
        topic: Option<String>,
        /// A member the events concern.
        #[arg(long)]
        party: Option<String>,
        /// A business object the events concern: `KIND:ID`, e.g. `voucher:7`.
        #[arg(long, value_parser = parse_subject)]
        subject: Option<SubjectView>,
        /// Start with the stored events after this cursor (`HEIGHT:TX:EVENT`, as printed);
        /// without it, only events committed from now on.
        #[arg(long, value_parser = parse_cursor)]
        after: Option<EventCursor>,
        /// Start with the stored events from this height.
        #[arg(long)]
        from_height: Option<u64>,
        /// Stop after the events of this height.
        #[arg(long)]
        to_height: Option<u64>,
        /// Stop after this many events.
        #[arg(long)]
        count: Option<u64>,
    },
}

/// `HEIGHT:TX:EVENT`.
pub fn parse_cursor(s: &str) -> Result<EventCursor, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let [height, tx, event] = parts.as_slice() else {
        return Err("a cursor is HEIGHT:TX:EVENT, e.g. 12:0:1".into());
    };
    let number = |p: &str| p.parse::<u64>().map_err(|_| format!("{p:?} is not a number"));
    Ok(EventCursor {
        height: number(height)?,
        tx_index: u32::try_from(number(tx)?).map_err(|_| "the transaction index is too large")?,
        event_index: u32::try_from(number(event)?).map_err(|_| "the event index is too large")?,
    })
}

fn parse_subject(s: &str) -> Result<SubjectView, String> {
    let (kind, id) = s.split_once(':').ok_or("a subject is KIND:ID, e.g. voucher:7")?;
    Ok(SubjectView { kind: kind.to_string(), id: id.to_string() })
}

pub fn cursor_text(c: &EventCursor) -> String {
    format!("{}:{}:{}", c.height, c.tx_index, c.event_index)
}

fn print(ctx: &Ctx, e: &EventRecord) -> Result<()> {
    if ctx.json {
        // One object per line (JSON Lines): a stream another program reads as it comes.
        println!("{}", serde_json::to_string(e)?);
    } else {
        let subjects: Vec<String> = e.event.subjects.iter().map(|s| format!("{}:{}", s.kind, s.id)).collect();
        let body = match &e.event.decoded {
            Some(v) => v.to_string(),
            None => e.event.data.clone(),
        };
        println!(
            "{} {} parties=[{}] subjects=[{}] tx={} {}",
            cursor_text(&e.cursor),
            e.event.topic,
            e.event.parties.join(","),
            subjects.join(","),
            e.tx_hash,
            body
        );
    }
    Ok(())
}

/// How long to wait before resubscribing after the subscription ended.
const RESUBSCRIBE_DELAY: Duration = Duration::from_millis(500);

pub async fn run(ctx: &Ctx, cmd: WatchCmd) -> Result<()> {
    let WatchCmd::Events { contract, topic, party, subject, mut after, from_height, to_height, count } = cmd;
    let contract = match contract {
        None => None,
        Some(c) => Some(match scf_interface::SystemContract::from_name(&c) {
            Some(system) => system.address().to_hex(),
            None => scf_primitives::ContractAddress::from_hex(&c)
                .map_err(|e| {
                    anyhow!("--contract {c}: neither a system contract's name nor an address ({e})")
                })?
                .to_hex(),
        }),
    };
    let filter = EventFilter { contract, topic, party, subject, from_height, to_height };
    if after.is_none() {
        after = Some(match from_height {
            // From a height: everything stored from there (the filter's bound does the rest).
            Some(_) => EventCursor { height: 0, tx_index: 0, event_index: 0 },
            // Live from now: from the end of what the node has indexed, so that a resubscription
            // (a dropped connection, an expired login) resumes there, not at a later "now".
            None => {
                let status = ctx.client.node_status().await.map_err(crate::client::rpc_err)?;
                EventCursor { height: status.indexed_height, tx_index: u32::MAX, event_index: u32::MAX }
            }
        });
    }
    let mut printed = 0u64;
    let mut failures = 0u32;
    loop {
        let ended = async {
            let ws = ctx.ws_client().await?;
            let mut subscription = ws
                .subscribe_events(filter.clone(), after)
                .await
                .map_err(|e| anyhow!("subscribing to events: {e}"))?;
            while let Some(next) = subscription.next().await {
                let record = next.context("a notification did not decode")?;
                print(ctx, &record)?;
                after = Some(record.cursor);
                printed += 1;
                if count.is_some_and(|n| printed >= n) {
                    return Ok::<bool, anyhow::Error>(true);
                }
            }
            // The node ended the subscription: the range is done, or this reader fell behind or
            // its login expired (resumed below after the last cursor). The range is done when
            // nothing matches after the last cursor up to `--to-height` and the node has
            // indexed that far.
            let Some(last) = to_height else { return Ok(false) };
            let page = ctx
                .fresh_client()
                .await?
                .get_events(filter.clone(), after, 1)
                .await
                .map_err(crate::client::rpc_err)?;
            Ok(page.events.is_empty() && page.complete && page.indexed_height >= last)
        }
        .await;
        match ended {
            Ok(true) => break,
            Ok(false) => failures = 0,
            Err(e) => {
                failures += 1;
                if failures >= 5 {
                    bail!("{e:#}");
                }
                eprintln!("scf watch: {e:#}; resubscribing");
            }
        }
        tokio::time::sleep(RESUBSCRIBE_DELAY).await;
    }
    if let Some(c) = after {
        eprintln!("scf watch: stopped; resume with --after {}", cursor_text(&c));
    }
    Ok(())
}
