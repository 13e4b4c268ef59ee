//! Where the graph's nodes sit: the topology's own layout in the unit square (a grid for grids,
//! two circles for the data centers, a circle otherwise), forces for small random graphs, and
//! the unit square mapped into the drawing's world.

use gossip_sim::topology::TopologyKind;

use super::{MARGIN, SIZE};

/// Node positions in the unit square.
pub fn layout(nodes: usize, topology: TopologyKind) -> Vec<(f64, f64)> {
    let circle = |index: usize, count: usize, cx: f64, cy: f64, r: f64| {
        let angle = std::f64::consts::TAU * index as f64 / count.max(1) as f64
            - std::f64::consts::FRAC_PI_2;
        (cx + r * angle.cos(), cy + r * angle.sin())
    };
    match topology {
        TopologyKind::Grid { width } => {
            let width = width.max(1) as usize;
            let rows = nodes.div_ceil(width).max(1);
            let span = (width.max(rows) - 1).max(1) as f64;
            (0..nodes)
                .map(|v| ((v % width) as f64 / span, (v / width) as f64 / span))
                .collect()
        }
        TopologyKind::DataCenters => {
            let half = nodes / 2;
            (0..nodes)
                .map(|v| {
                    if v < half {
                        circle(v, half, 0.25, 0.5, 0.23)
                    } else {
                        circle(v - half, nodes - half, 0.75, 0.5, 0.23)
                    }
                })
                .collect()
        }
        _ => (0..nodes)
            .map(|v| circle(v, nodes, 0.5, 0.5, 0.5))
            .collect(),
    }
}

/// Most nodes laid out by forces; larger random graphs stay on a circle.
const MAX_FORCE_NODES: usize = 300;

/// Fruchterman and Reingold's force-directed layout (1991): linked nodes pull together, all
/// nodes push apart, and a cooling step size settles them. It starts from the circle, so it is
/// the same every time for the same graph.
pub fn force_layout(nodes: usize, links: &[(u32, u32)]) -> Vec<(f64, f64)> {
    let mut points = layout(nodes, TopologyKind::Complete);
    if nodes < 2 {
        return points;
    }
    let k = (1.0 / nodes as f64).sqrt();
    let iterations = 150;
    for iteration in 0..iterations {
        let mut shift = vec![(0.0f64, 0.0f64); nodes];
        for a in 0..nodes {
            for b in (a + 1)..nodes {
                let (dx, dy) = (points[a].0 - points[b].0, points[a].1 - points[b].1);
                let distance = (dx * dx + dy * dy).sqrt().max(1e-4);
                let push = k * k / distance;
                let (ux, uy) = (dx / distance * push, dy / distance * push);
                shift[a].0 += ux;
                shift[a].1 += uy;
                shift[b].0 -= ux;
                shift[b].1 -= uy;
            }
        }
        for &(a, b) in links {
            let (a, b) = (a as usize, b as usize);
            if a >= nodes || b >= nodes {
                continue;
            }
            let (dx, dy) = (points[a].0 - points[b].0, points[a].1 - points[b].1);
            let distance = (dx * dx + dy * dy).sqrt().max(1e-4);
            let pull = distance * distance / k;
            let (ux, uy) = (dx / distance * pull, dy / distance * pull);
            shift[a].0 -= ux;
            shift[a].1 -= uy;
            shift[b].0 += ux;
            shift[b].1 += uy;
        }
        let step = 0.1 * (1.0 - iteration as f64 / iterations as f64) + 0.002;
        for (point, (sx, sy)) in points.iter_mut().zip(shift) {
            let length = (sx * sx + sy * sy).sqrt().max(1e-9);
            let moved = length.min(step);
            point.0 += sx / length * moved;
            point.1 += sy / length * moved;
        }
    }
    // Fit the unit square.
    let (min_x, max_x) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.0), hi.max(p.0))
    });
    let (min_y, max_y) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let span = (max_x - min_x).max(max_y - min_y).max(1e-9);
    points
        .into_iter()
        .map(|(x, y)| ((x - min_x) / span, (y - min_y) / span))
        .collect()
}

/// The canvas positions of the nodes, before zoom: forces for small random graphs (whose
/// structure a circle hides), the topology's own layout otherwise.
pub(super) fn positions(
    nodes: usize,
    topology: TopologyKind,
    links: &[(u32, u32)],
) -> Vec<(f64, f64)> {
    let random = matches!(
        topology,
        TopologyKind::RandomRegular { .. }
            | TopologyKind::ErdosRenyi { .. }
            | TopologyKind::BarabasiAlbert { .. }
    );
    let unit = if random && nodes <= MAX_FORCE_NODES && !links.is_empty() {
        force_layout(nodes, links)
    } else {
        layout(nodes, topology)
    };
    unit.into_iter()
        .map(|(x, y)| {
            (
                MARGIN + x * (SIZE - 2.0 * MARGIN),
                MARGIN + y * (SIZE - 2.0 * MARGIN),
            )
        })
        .collect()
}
