//! Keeps the consensus swarm's peers in step with the chain's network membership (the registry's
//! node list, which validator-set governance and operators change by transaction).
//!
//! Malachite runs with `persistent_peers_only`: it talks only to its persistent peers and refuses
//! everyone else after identify. Once a second this task reads the committed membership and edits
//! that list at runtime: a configured peer (`persistent_peers`, with addresses) whose node left
//! the membership is removed, which disconnects and refuses it; one that (re)joins is added back
//! and dialled; an admitted node this node has no address for is added by peer id alone
//! (`/p2p/<id>`), so its own connections are accepted. Nobody restarts and no config changes.
//!
//! Must not: touch consensus messages, or empty the list because membership could not be read
//! (a storage hiccup would otherwise cut this validator off the network).
use std::{collections::BTreeSet, sync::Arc, time::Duration};

use libp2p::{multiaddr::Protocol, Multiaddr, PeerId};
use malachitebft_app_channel::NetworkRequest;
use tokio::sync::mpsc;

use crate::{chain::Chain, network::membership};

/// How often the membership is re-read: a removed node is cut off within about this long after
/// the block that removed it is committed.
const REFRESH: Duration = Duration::from_secs(1);

/// The peer id an address names (`.../p2p/<id>`).
fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|p| match p {
        Protocol::P2p(id) => Some(id),
        _ => None,
    })
}

/// Whether the configured address `addr` names a node the membership admits.
pub(crate) fn admits(addr: &Multiaddr, admitted: &BTreeSet<PeerId>) -> bool {
    peer_of(addr).is_some_and(|p| admitted.contains(&p))
}

/// The persistent peers `admitted` calls for: the configured addresses of admitted nodes, and
/// a bare `/p2p/<id>` for every other admitted node but this one.
pub(crate) fn wanted(
    configured: &[Multiaddr],
    admitted: &BTreeSet<PeerId>,
    own: &PeerId,
) -> BTreeSet<Multiaddr> {
    let mut wanted: BTreeSet<Multiaddr> =
        configured.iter().filter(|a| admits(a, admitted)).cloned().collect();
    let addressed: BTreeSet<PeerId> = wanted.iter().filter_map(peer_of).collect();
    for peer in admitted {
        if peer != own && !addressed.contains(peer) {
            wanted.insert(Multiaddr::empty().with(Protocol::P2p(*peer)));
        }
    }
    wanted
}

/// Follows the membership until the engine's request channel closes. `current` is the list the
/// engine started with.
pub(crate) async fn follow(
    chain: Arc<Chain>,
    requests: mpsc::Sender<NetworkRequest>,
    configured: Vec<Multiaddr>,
    own: PeerId,
    mut current: BTreeSet<Multiaddr>,
) {
    let mut tick = tokio::time::interval(REFRESH);
    loop {
        tick.tick().await;
        if requests.is_closed() {
            return;
        }
        let Some(admitted) = membership(&chain) else { continue };
        let wanted = wanted(&configured, &admitted, &own);
        for gone in current.difference(&wanted).cloned().collect::<Vec<_>>() {
            tracing::info!(target: "scf::net", peer = %gone, "consensus peer left the network membership; disconnecting");
            match NetworkRequest::remove_persistent_peer(&requests, gone.clone()).await {
                Ok(_) => {
                    current.remove(&gone);
                }
                Err(e) => {
                    tracing::warn!(target: "scf::net", error = %e, "could not remove a consensus peer; retrying")
                }
            }
        }
        for new in wanted.difference(&current).cloned().collect::<Vec<_>>() {
            tracing::info!(target: "scf::net", peer = %new, "consensus peer admitted by the network membership");
            match NetworkRequest::add_persistent_peer(&requests, new.clone()).await {
                Ok(_) => {
                    current.insert(new);
                }
                Err(e) => {
                    tracing::warn!(target: "scf::net", error = %e, "could not add a consensus peer; retrying")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_keeps_admitted_addresses_and_names_the_rest_by_id() {
        let [a, b, c, me] = [1u8, 2, 3, 4].map(|n| {
            let key = libp2p::identity::Keypair::ed25519_from_bytes([n; 32]).unwrap();
            key.public().to_peer_id()
        });
        let addr =
            |p: PeerId, port: u16| format!("/ip4/127.0.0.1/tcp/{port}/p2p/{p}").parse::<Multiaddr>().unwrap();
        let configured = vec![addr(a, 1), addr(b, 2)];
        // b left; c joined without an address here; this node is never its own peer.
        let admitted = BTreeSet::from([a, c, me]);
        let wanted = wanted(&configured, &admitted, &me);
        let expected = BTreeSet::from([addr(a, 1), Multiaddr::empty().with(Protocol::P2p(c))]);
        assert_eq!(wanted, expected);
        assert!(super::wanted(&configured, &BTreeSet::new(), &me).is_empty());
    }
}
