//! The node's log output: which events reach the operator, and changing that while it runs.
use std::fmt;

use tracing::{
    field::{Field, Visit},
    subscriber::Interest,
    Event, Metadata,
};
use tracing_subscriber::layer::{Context, Filter};

/// Replaces the log filter of the running process; the text is `tracing`'s `EnvFilter` syntax.
pub type FilterReload = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

struct Reloadable {
    reload: FilterReload,
    current: std::sync::Mutex<String>,
}

static RELOADABLE: std::sync::OnceLock<Reloadable> = std::sync::OnceLock::new();

/// Makes the process's log filter changeable at run time (`admin_setLogFilter`): the binary
/// installs it once, with the filter it started with. A process without it (tests running a node
/// in-process) answers that its filter is fixed.
pub fn install_filter_reload(current: String, reload: FilterReload) {
    let _ = RELOADABLE.set(Reloadable { reload, current: std::sync::Mutex::new(current) });
}

/// Why a log filter was not changed.
#[derive(Debug, thiserror::Error)]
pub enum LogFilterError {
    #[error("this process's log filter is fixed (set RUST_LOG before starting it)")]
    Fixed,
    #[error("invalid log filter: {0}")]
    Invalid(String),
}

/// Replaces the log filter; returns the one it replaced.
pub fn set_filter(text: &str) -> Result<String, LogFilterError> {
    let r = RELOADABLE.get().ok_or(LogFilterError::Fixed)?;
    let mut current = r.current.lock().unwrap_or_else(|p| p.into_inner());
    (r.reload)(text).map_err(LogFilterError::Invalid)?;
    tracing::info!(target: "scf::node", previous = %current, filter = text, "log filter changed");
    Ok(std::mem::replace(&mut current, text.to_string()))
}

/// Drops one known-harmless error of Malachite's gossip layer and passes every other event.
///
/// Malachite publishes each consensus message over gossipsub and logs a failed publish at ERROR.
/// A publish fails with `NoPeersSubscribedToTopic` whenever no peer is connected: on a lone
/// validator that is every message of every height (six lines per block), which buried the
/// node's own log and made a healthy chain look broken. Only that error is dropped; every other
/// network error still shows. A validator that has lost all its peers still says so: consensus
/// stalls and the node's own peer logging reports it.
pub struct QuietUnheardPublish;

const NETWORK_TARGET: &str = "arc_malachitebft_network";
const UNHEARD: &str = "NoPeersSubscribedToTopic";

impl<S> Filter<S> for QuietUnheardPublish {
    fn enabled(&self, _: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        true
    }

    fn event_enabled(&self, event: &Event<'_>, _: &Context<'_, S>) -> bool {
        if !event.metadata().target().starts_with(NETWORK_TARGET) {
            return true;
        }
        let mut search = Contains { needle: UNHEARD, found: false };
        event.record(&mut search);
        !search.found
    }
}

/// Leaves out the spans of libp2p's transport crates; their events still show, without that
/// context.
///
/// Why: libp2p opens an ERROR-level span per connection (so no log filter turns it off) and
/// enters and leaves it on every poll of the connection, which under load was about 5 % of a
/// validator's CPU (docs/performance.md, session 18). Turned off at the callsite, a span costs
/// nothing. Malachite's and the node's own spans are kept.
pub struct NoTransportSpans;

const TRANSPORT_TARGETS: [&str; 3] = ["libp2p", "yamux", "multistream_select"];

fn is_transport_span(meta: &Metadata<'_>) -> bool {
    meta.is_span() && TRANSPORT_TARGETS.iter().any(|t| meta.target().starts_with(t))
}

impl<S> Filter<S> for NoTransportSpans {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        !is_transport_span(meta)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if is_transport_span(meta) {
            Interest::never()
        } else {
            Interest::always()
        }
    }
}

/// Whether any field of an event mentions `needle`.
struct Contains {
    needle: &'static str,
    found: bool,
}

impl Visit for Contains {
    fn record_str(&mut self, _: &Field, value: &str) {
        self.found |= value.contains(self.needle);
    }

    fn record_debug(&mut self, _: &Field, value: &dyn fmt::Debug) {
        if !self.found {
            self.found = format!("{value:?}").contains(self.needle);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::{layer::SubscriberExt, Layer};

    use super::*;

    /// Collects the message of every event that reaches it.
    struct Capture(Arc<Mutex<Vec<String>>>);

    impl<S: tracing::Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
            struct Message(String);
            impl Visit for Message {
                fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
                    if field.name() == "message" {
                        self.0 = format!("{value:?}");
                    }
                }
            }
            let mut m = Message(String::new());
            event.record(&mut m);
            self.0.lock().unwrap().push(m.0);
        }
    }

    /// Collects the name of every span that reaches it.
    struct SpanNames(Arc<Mutex<Vec<String>>>);

    impl<S: tracing::Subscriber> Layer<S> for SpanNames {
        fn on_new_span(
            &self,
            attrs: &tracing::span::Attributes<'_>,
            _: &tracing::span::Id,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            self.0.lock().unwrap().push(attrs.metadata().name().to_string());
        }
    }

    #[test]
    fn transport_spans_are_left_out_and_everything_else_is_kept() {
        let (spans, events) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
        let subscriber = tracing_subscriber::registry()
            .with(SpanNames(spans.clone()).with_filter(NoTransportSpans))
            .with(Capture(events.clone()).with_filter(NoTransportSpans));
        tracing::subscriber::with_default(subscriber, || {
            let _ = tracing::error_span!(target: "libp2p_swarm::connection", "swarm_connection");
            let _ = tracing::error_span!(target: "yamux::connection", "yamux_connection");
            let _ = tracing::error_span!(target: "arc_malachitebft_core_consensus", "height");
            let _ = tracing::info_span!(target: "scf::consensus", "commit");
            tracing::warn!(target: "libp2p_swarm", "a transport warning");
        });
        assert_eq!(spans.lock().unwrap().clone(), ["height", "commit"], "transport spans are left out");
        assert_eq!(events.lock().unwrap().clone(), ["a transport warning"], "transport events still show");
    }

    #[test]
    fn only_the_unheard_publish_error_is_dropped() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let subscriber =
            tracing_subscriber::registry().with(Capture(seen.clone()).with_filter(QuietUnheardPublish));
        tracing::subscriber::with_default(subscriber, || {
            let unheard = "NoPeersSubscribedToTopic";
            tracing::error!(target: "arc_malachitebft_network", "Error publishing message: {unheard}");
            tracing::error!(target: "arc_malachitebft_network", "Error publishing message: InsufficientPeers");
            tracing::error!(target: "scf::net", "peer said {unheard}");
            tracing::warn!(target: "arc_malachitebft_network::behaviour", error = unheard, "dropped too: the error is a field");
        });
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            ["Error publishing message: InsufficientPeers", "peer said NoPeersSubscribedToTopic",],
            "the unheard-publish error is dropped wherever it appears in a network event; all else is kept"
        );
    }
}
