//! Topologies: who can contact whom. Complete graphs stay implicit (nothing stored, so a million
//! nodes cost nothing); the others are built once, seeded, into compressed adjacency lists
//! (4 bytes per edge end plus 4 per node).
//!
//! Generators: ring lattice, 2D grid (4-neighbour, no wrap), random k-regular (Steger-Wormald
//! pairing), Erdos-Renyi G(n, p) (Batagelj-Brandes skipping, O(n + m)), Watts-Strogatz small world
//! (ring lattice with rewiring), Barabasi-Albert scale-free (preferential attachment), and two
//! "data centers": complete inside each, every cross pair reachable over the slow link, which the
//! simulators charge extra (see [`Topology::crosses_slow_link`]).

use std::collections::{BTreeSet, VecDeque};

use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use gossip_core::NodeId;
use gossip_core::PeerSelector;
use gossip_core::detmath::portable_ln;

/// The shape of the network, as a scenario names it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TopologyKind {
    /// Everyone can contact everyone.
    #[default]
    Complete,
    /// Each node linked to the `k` nearest on each side of a ring (k = 1: a plain ring).
    Ring {
        /// Neighbours on each side, from 1 to below n/2.
        k: u32,
    },
    /// A grid `width` wide (the last row may be partial), links to the 4 neighbours.
    Grid {
        /// Nodes per row, from 1 to n.
        width: u32,
    },
    /// A uniformly random graph where every node has `degree` links.
    RandomRegular {
        /// Links per node, from 1 to n - 1; `degree` times n must be even.
        degree: u32,
    },
    /// Each possible link present with probability `mean_degree / (n - 1)`.
    ErdosRenyi {
        /// Expected links per node, in (0, n - 1].
        mean_degree: f64,
    },
    /// A ring lattice with `k` links per side, each rewired with probability `beta`.
    WattsStrogatz {
        /// Neighbours on each side of the ring before rewiring, from 1 to below n/2.
        k: u32,
        /// Probability that a link is rewired (fraction 0..1): 0 keeps the ring lattice, 1 is
        /// close to a random graph.
        beta: f64,
    },
    /// Grown by preferential attachment, each new node bringing `m` links.
    BarabasiAlbert {
        /// Links each new node brings, from 1 to n - 1.
        m: u32,
    },
    /// Two data centers of (about) half the nodes each, joined by a slow link.
    DataCenters,
}

#[derive(Clone, Debug)]
enum Adjacency {
    Complete,
    /// Compressed lists: the neighbours of `v` are `targets[offsets[v]..offsets[v + 1]]`.
    Lists {
        offsets: Vec<u32>,
        targets: Vec<NodeId>,
    },
}

/// A built topology over nodes `0..n`.
#[derive(Clone, Debug)]
pub struct Topology {
    kind: TopologyKind,
    n: u32,
    adjacency: Adjacency,
}

impl Topology {
    /// Builds `kind` over `n` nodes; random kinds draw from `rng`.
    pub fn build<R: Rng + ?Sized>(
        kind: TopologyKind,
        n: u32,
        rng: &mut R,
    ) -> Result<Self, SimError> {
        if n < 2 {
            return Err(SimError::Refused(format!(
                "topology needs at least 2 nodes, got {n}"
            )));
        }
        let edges = match kind {
            TopologyKind::Complete | TopologyKind::DataCenters => {
                return Ok(Topology {
                    kind,
                    n,
                    adjacency: Adjacency::Complete,
                });
            }
            TopologyKind::Ring { k } => {
                check(
                    k >= 1 && 2 * k < n,
                    "topology.k",
                    "must be at least 1 and below n/2",
                )?;
                ring_lattice(n, k)
            }
            TopologyKind::Grid { width } => {
                check(
                    width >= 1 && width <= n,
                    "topology.width",
                    "must be between 1 and n",
                )?;
                grid(n, width)
            }
            TopologyKind::RandomRegular { degree } => {
                check(
                    degree >= 1 && degree < n,
                    "topology.degree",
                    "must be between 1 and n-1",
                )?;
                check(
                    u64::from(n) * u64::from(degree) % 2 == 0,
                    "topology.degree",
                    "times n must be even",
                )?;
                random_regular(n, degree, rng)?
            }
            TopologyKind::ErdosRenyi { mean_degree } => {
                check(
                    mean_degree > 0.0 && mean_degree <= f64::from(n - 1),
                    "topology.mean_degree",
                    "must be in (0, n-1]",
                )?;
                erdos_renyi(n, mean_degree / f64::from(n - 1), rng)
            }
            TopologyKind::WattsStrogatz { k, beta } => {
                check(
                    k >= 1 && 2 * k < n,
                    "topology.k",
                    "must be at least 1 and below n/2",
                )?;
                check(
                    (0.0..=1.0).contains(&beta),
                    "topology.beta",
                    "must be between 0 and 1",
                )?;
                watts_strogatz(n, k, beta, rng)
            }
            TopologyKind::BarabasiAlbert { m } => {
                check(m >= 1 && m < n, "topology.m", "must be between 1 and n-1")?;
                barabasi_albert(n, m, rng)
            }
        };
        Ok(Topology {
            kind,
            n,
            adjacency: lists(n, &edges),
        })
    }

    /// What it was built as.
    pub fn kind(&self) -> TopologyKind {
        self.kind
    }

    /// The number of nodes, n.
    pub fn len(&self) -> u32 {
        self.n
    }

    /// Whether it has no nodes (never, for a built topology: it needs at least 2).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Neighbours of `node`, or `None` for a complete graph (everyone but `node`).
    pub fn neighbours(&self, node: NodeId) -> Option<&[NodeId]> {
        match &self.adjacency {
            Adjacency::Complete => None,
            Adjacency::Lists { offsets, targets } => {
                let v = node as usize;
                Some(&targets[offsets[v] as usize..offsets[v + 1] as usize])
            }
        }
    }

    /// How many links `node` has (n - 1 in a complete graph).
    pub fn degree(&self, node: NodeId) -> u32 {
        self.neighbours(node)
            .map_or(self.n - 1, |list| list.len() as u32)
    }

    /// Links, each counted once.
    pub fn edge_count(&self) -> u64 {
        match &self.adjacency {
            Adjacency::Complete => u64::from(self.n) * u64::from(self.n - 1) / 2,
            Adjacency::Lists { targets, .. } => targets.len() as u64 / 2,
        }
    }

    /// Which data center a node is in (0 or 1); every node is in 0 for other kinds.
    pub fn cluster(&self, node: NodeId) -> u8 {
        match self.kind {
            TopologyKind::DataCenters => u8::from(node >= self.n / 2),
            _ => 0,
        }
    }

    /// Whether a message between `a` and `b` goes over the slow inter-data-center link.
    pub fn crosses_slow_link(&self, a: NodeId, b: NodeId) -> bool {
        self.cluster(a) != self.cluster(b)
    }

    /// Hop counts from `source` to every node (`None`: unreachable), by breadth-first search.
    pub fn distances_from(&self, source: NodeId) -> Vec<Option<u32>> {
        let mut distance = vec![None; self.n as usize];
        distance[source as usize] = Some(0);
        if self.neighbours(source).is_none() {
            return distance
                .iter()
                .enumerate()
                .map(|(v, _)| Some(u32::from(v as NodeId != source)))
                .collect();
        }
        let mut queue = VecDeque::from([source]);
        while let Some(v) = queue.pop_front() {
            let next = distance[v as usize].map(|d| d + 1);
            for &w in self.neighbours(v).unwrap_or(&[]) {
                if distance[w as usize].is_none() {
                    distance[w as usize] = next;
                    queue.push_back(w);
                }
            }
        }
        distance
    }

    /// True if every node can reach every other.
    pub fn is_connected(&self) -> bool {
        self.distances_from(0).iter().all(Option::is_some)
    }
}

fn check(condition: bool, field: &str, reason: &str) -> Result<(), SimError> {
    if condition {
        Ok(())
    } else {
        Err(SimError::invalid(field, reason))
    }
}

fn lists(n: u32, edges: &[(NodeId, NodeId)]) -> Adjacency {
    let mut degree = vec![0u32; n as usize + 1];
    for &(a, b) in edges {
        degree[a as usize] += 1;
        degree[b as usize] += 1;
    }
    let mut offsets = vec![0u32; n as usize + 1];
    for v in 0..n as usize {
        offsets[v + 1] = offsets[v] + degree[v];
    }
    let mut fill = offsets.clone();
    let mut targets = vec![0; offsets[n as usize] as usize];
    for &(a, b) in edges {
        targets[fill[a as usize] as usize] = b;
        fill[a as usize] += 1;
        targets[fill[b as usize] as usize] = a;
        fill[b as usize] += 1;
    }
    for v in 0..n as usize {
        targets[offsets[v] as usize..offsets[v + 1] as usize].sort_unstable();
    }
    Adjacency::Lists { offsets, targets }
}

fn ring_lattice(n: u32, k: u32) -> Vec<(NodeId, NodeId)> {
    (0..n)
        .flat_map(|v| (1..=k).map(move |step| (v, (v + step) % n)))
        .collect()
}

fn grid(n: u32, width: u32) -> Vec<(NodeId, NodeId)> {
    let mut edges = Vec::new();
    for v in 0..n {
        if (v + 1) % width != 0 && v + 1 < n {
            edges.push((v, v + 1));
        }
        if v + width < n {
            edges.push((v, v + width));
        }
    }
    edges
}

/// Steger-Wormald: pair random free link ends of distinct, not yet linked nodes; restart in the
/// rare case the last ends cannot be paired.
fn random_regular<R: Rng + ?Sized>(
    n: u32,
    degree: u32,
    rng: &mut R,
) -> Result<Vec<(NodeId, NodeId)>, SimError> {
    'attempt: for _ in 0..100 {
        let mut ends: Vec<NodeId> = (0..n)
            .flat_map(|v| std::iter::repeat_n(v, degree as usize))
            .collect();
        let mut linked = BTreeSet::new();
        let mut edges = Vec::with_capacity(ends.len() / 2);
        while !ends.is_empty() {
            let mut paired = false;
            for _ in 0..100 {
                let i = rng.random_range(0..ends.len());
                let j = rng.random_range(0..ends.len());
                let (a, b) = (ends[i].min(ends[j]), ends[i].max(ends[j]));
                if i == j || a == b || linked.contains(&(a, b)) {
                    continue;
                }
                linked.insert((a, b));
                edges.push((a, b));
                let (high, low) = (i.max(j), i.min(j));
                ends.swap_remove(high);
                ends.swap_remove(low);
                paired = true;
                break;
            }
            if !paired {
                continue 'attempt;
            }
        }
        return Ok(edges);
    }
    Err(SimError::Refused(format!(
        "could not build a random {degree}-regular graph on {n} nodes"
    )))
}

/// G(n, p) by skipping over absent links with geometric jumps (Batagelj and Brandes 2005).
fn erdos_renyi<R: Rng + ?Sized>(n: u32, p: f64, rng: &mut R) -> Vec<(NodeId, NodeId)> {
    let mut edges = Vec::new();
    if p >= 1.0 {
        return (0..n).flat_map(|v| (0..v).map(move |w| (w, v))).collect();
    }
    // The portable logarithm: the platform's may differ in the last bit in wasm.
    let log_q = portable_ln(1.0 - p);
    let (mut v, mut w) = (1i64, -1i64);
    while v < i64::from(n) {
        let r: f64 = rng.random();
        w += 1 + (portable_ln(1.0 - r) / log_q).floor() as i64;
        while w >= v && v < i64::from(n) {
            w -= v;
            v += 1;
        }
        if v < i64::from(n) {
            edges.push((w as NodeId, v as NodeId));
        }
    }
    edges
}

fn watts_strogatz<R: Rng + ?Sized>(
    n: u32,
    k: u32,
    beta: f64,
    rng: &mut R,
) -> Vec<(NodeId, NodeId)> {
    let key = |a: NodeId, b: NodeId| (a.min(b), a.max(b));
    let mut linked: BTreeSet<(NodeId, NodeId)> = ring_lattice(n, k)
        .into_iter()
        .map(|(a, b)| key(a, b))
        .collect();
    for step in 1..=k {
        for v in 0..n {
            let w = (v + step) % n;
            if !rng.random_bool(beta) {
                continue;
            }
            // Rewire v-w to v-u for a random u that keeps the graph simple.
            for _ in 0..32 {
                let u = rng.random_range(0..n);
                if u != v && !linked.contains(&key(v, u)) {
                    linked.remove(&key(v, w));
                    linked.insert(key(v, u));
                    break;
                }
            }
        }
    }
    linked.into_iter().collect()
}

/// Preferential attachment: each new node links to `m` distinct existing nodes picked with
/// probability proportional to their degree (by sampling the list of link ends).
fn barabasi_albert<R: Rng + ?Sized>(n: u32, m: u32, rng: &mut R) -> Vec<(NodeId, NodeId)> {
    let seed = m + 1;
    let mut edges: Vec<(NodeId, NodeId)> = (0..seed.min(n))
        .flat_map(|v| (0..v).map(move |w| (w, v)))
        .collect();
    let mut ends: Vec<NodeId> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
    for v in seed..n {
        let mut targets = BTreeSet::new();
        while targets.len() < m as usize {
            targets.insert(ends[rng.random_range(0..ends.len())]);
        }
        for t in targets {
            edges.push((t, v));
            ends.extend([t, v]);
        }
    }
    edges
}

/// Uniform choice among a node's neighbours in a topology.
#[derive(Clone, Copy, Debug)]
pub struct Neighbours<'a> {
    /// The topology whose links contacts follow.
    pub topology: &'a Topology,
}

impl PeerSelector for Neighbours<'_> {
    fn pick<R: Rng + ?Sized>(
        &mut self,
        node: NodeId,
        avoid: Option<NodeId>,
        rng: &mut R,
    ) -> Option<NodeId> {
        match self.topology.neighbours(node) {
            None => gossip_core::UniformPopulation {
                n: self.topology.len(),
            }
            .pick(node, avoid, rng),
            Some(list) => gossip_core::pick_from(list, node, avoid, rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gossip_core::seeded_rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn build(kind: TopologyKind, n: u32) -> Topology {
        Topology::build(kind, n, &mut seeded_rng(11)).unwrap()
    }

    /// Every list is sorted, free of self-links and duplicates, and symmetric.
    fn assert_simple_and_symmetric(topology: &Topology) {
        for v in 0..topology.len() {
            let list = topology.neighbours(v).unwrap();
            assert!(
                list.windows(2).all(|pair| pair[0] < pair[1]),
                "node {v}: {list:?}"
            );
            assert!(!list.contains(&v));
            for &w in list {
                assert!(
                    topology.neighbours(w).unwrap().binary_search(&v).is_ok(),
                    "{v}-{w} not symmetric"
                );
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn lattices_have_the_expected_links() {
        let ring = build(TopologyKind::Ring { k: 2 }, 10);
        assert_eq!(ring.neighbours(0).unwrap(), &[1, 2, 8, 9]);
        assert_eq!(ring.edge_count(), 20);
        let grid = build(TopologyKind::Grid { width: 4 }, 12);
        assert_eq!(grid.neighbours(5).unwrap(), &[1, 4, 6, 9]);
        assert_eq!(grid.neighbours(3).unwrap(), &[2, 7]);
        assert_eq!(
            grid.distances_from(0)[11],
            Some(5),
            "corner to corner: 3 + 2 hops"
        );
        assert_simple_and_symmetric(&ring);
        assert_simple_and_symmetric(&grid);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn random_regular_graphs_are_regular_and_simple() {
        let topology = build(TopologyKind::RandomRegular { degree: 4 }, 1_000);
        assert!((0..1_000).all(|v| topology.degree(v) == 4));
        assert_simple_and_symmetric(&topology);
        assert!(
            topology.is_connected(),
            "random 4-regular graphs are connected with high probability"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn erdos_renyi_has_the_mean_degree_asked_for() {
        // 2,000 nodes, mean degree 6: 6,000 links expected, sd = sqrt(6000) ~ 77, +-400 is 5 sd.
        let topology = build(TopologyKind::ErdosRenyi { mean_degree: 6.0 }, 2_000);
        assert!(
            (5_600..=6_400).contains(&topology.edge_count()),
            "{} links",
            topology.edge_count()
        );
        assert_simple_and_symmetric(&topology);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn watts_strogatz_keeps_the_link_count_and_shortens_paths() {
        let lattice = build(TopologyKind::WattsStrogatz { k: 2, beta: 0.0 }, 1_000);
        let small_world = build(TopologyKind::WattsStrogatz { k: 2, beta: 0.2 }, 1_000);
        assert_eq!(lattice.edge_count(), 2_000);
        assert_eq!(small_world.edge_count(), 2_000);
        assert_simple_and_symmetric(&small_world);
        let longest = |t: &Topology| {
            t.distances_from(0)
                .into_iter()
                .map(|d| d.unwrap_or(u32::MAX))
                .max()
                .unwrap()
        };
        // The lattice needs 250 hops to cross; a few shortcuts bring that down to a dozen or so.
        assert_eq!(longest(&lattice), 250);
        assert!(longest(&small_world) < 30, "{}", longest(&small_world));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn barabasi_albert_grows_hubs() {
        let topology = build(TopologyKind::BarabasiAlbert { m: 2 }, 2_000);
        assert_simple_and_symmetric(&topology);
        assert!(topology.is_connected());
        assert_eq!(topology.edge_count(), 3 + 2 * (2_000 - 3));
        // A scale-free graph has hubs far above the mean degree of 4; a random graph of the same
        // density would have a maximum degree around 12.
        let max_degree = (0..2_000).map(|v| topology.degree(v)).max().unwrap();
        assert!(max_degree > 40, "max degree {max_degree}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn data_centers_split_the_nodes_over_a_slow_link() {
        let topology = build(TopologyKind::DataCenters, 10);
        assert_eq!(topology.cluster(4), 0);
        assert_eq!(topology.cluster(5), 1);
        assert!(topology.crosses_slow_link(0, 9));
        assert!(!topology.crosses_slow_link(6, 9));
        assert_eq!(topology.degree(3), 9);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn neighbour_choice_stays_on_links() {
        let topology = build(TopologyKind::Ring { k: 1 }, 8);
        let mut selector = Neighbours {
            topology: &topology,
        };
        let mut rng = seeded_rng(4);
        for _ in 0..100 {
            let peer = selector.pick(0, None, &mut rng).unwrap();
            assert!(peer == 1 || peer == 7);
            assert_eq!(selector.pick(0, Some(1), &mut rng), Some(7));
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn bad_parameters_name_the_field() {
        let error = |kind| Topology::build(kind, 10, &mut seeded_rng(1)).unwrap_err();
        assert!(matches!(
            error(TopologyKind::Ring { k: 5 }),
            SimError::Invalid { field, .. } if field == "topology.k"
        ));
        let odd = Topology::build(
            TopologyKind::RandomRegular { degree: 3 },
            9,
            &mut seeded_rng(1),
        );
        assert!(
            matches!(&odd, Err(SimError::Invalid { field, reason })
                if field == "topology.degree" && reason.contains("even")),
            "{odd:?}"
        );
        assert!(matches!(
            error(TopologyKind::WattsStrogatz { k: 1, beta: 2.0 }),
            SimError::Invalid { field, .. } if field == "topology.beta"
        ));
        assert!(Topology::build(TopologyKind::Complete, 1, &mut seeded_rng(1)).is_err());
    }
}
