//! The network graph on a canvas: every node colored by its phase after the selected round, the
//! topology's links faint, and the infections of that round as bright edges from sender to
//! receiver. Layouts follow the topology: a grid for grids, two circles for the data centers, a
//! circle otherwise.

use std::rc::Rc;

use gossip_core::scenario::Recording;
use gossip_core::topology::TopologyKind;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

const SIZE: f64 = 480.0;
const MARGIN: f64 = 12.0;

#[derive(Properties, PartialEq)]
pub struct GraphProps {
    pub recording: Rc<Recording>,
    pub topology: TopologyKind,
    /// Which frame to draw (0: before the first round).
    pub round: usize,
}

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

/// A theme color from the page's CSS custom properties (so dark mode applies to the canvas).
fn css_color(canvas: &HtmlCanvasElement, name: &str, fallback: &str) -> String {
    web_sys::window()
        .and_then(|window| window.get_computed_style(canvas).ok().flatten())
        .and_then(|style| style.get_property_value(name).ok())
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}

fn draw(
    canvas: &HtmlCanvasElement,
    recording: &Recording,
    topology: TopologyKind,
    round: usize,
) -> Option<()> {
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let frame = recording
        .frames
        .get(round.min(recording.frames.len().saturating_sub(1)))?;
    let nodes = frame.len();
    let positions: Vec<(f64, f64)> = layout(nodes, topology)
        .into_iter()
        .map(|(x, y)| {
            (
                MARGIN + x * (SIZE - 2.0 * MARGIN),
                MARGIN + y * (SIZE - 2.0 * MARGIN),
            )
        })
        .collect();
    let colors = [
        css_color(canvas, "--susceptible", "#3b82f6"),
        css_color(canvas, "--infective", "#e4572e"),
        css_color(canvas, "--removed", "#8a8a99"),
    ];
    context.clear_rect(0.0, 0.0, SIZE, SIZE);

    // Links, faint, in one path.
    context.set_global_alpha(0.18);
    context.set_stroke_style_str(&css_color(canvas, "--fg", "#1d1d24"));
    context.set_line_width(0.6);
    context.begin_path();
    for &(a, b) in &recording.links {
        let ((ax, ay), (bx, by)) = (positions[a as usize], positions[b as usize]);
        context.move_to(ax, ay);
        context.line_to(bx, by);
    }
    context.stroke();

    // This round's infections, bright.
    context.set_global_alpha(0.85);
    context.set_stroke_style_str(&colors[1]);
    context.set_line_width(1.4);
    context.begin_path();
    for (node, informed) in recording.informed_by.iter().enumerate() {
        if let Some((from, at)) = informed
            && *at as usize == round
        {
            let ((ax, ay), (bx, by)) = (positions[*from as usize], positions[node]);
            context.move_to(ax, ay);
            context.line_to(bx, by);
        }
    }
    context.stroke();

    // Nodes, one path per phase.
    context.set_global_alpha(1.0);
    let radius = (160.0 / (nodes as f64).sqrt()).clamp(1.2, 7.0);
    for (phase, color) in colors.iter().enumerate() {
        context.set_fill_style_str(color);
        context.begin_path();
        for (node, &(x, y)) in positions.iter().enumerate() {
            if frame[node] as usize == phase {
                context.move_to(x + radius, y);
                let _ = context.arc(x, y, radius, 0.0, std::f64::consts::TAU);
            }
        }
        context.fill();
    }
    Some(())
}

#[component]
pub fn GraphView(props: &GraphProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        use_effect_with(
            (props.recording.clone(), props.topology, props.round),
            move |(recording, topology, round)| {
                if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                    draw(&element, recording, *topology, *round);
                }
            },
        );
    }
    let frame = &props.recording.frames[props.round.min(props.recording.frames.len() - 1)];
    let count = |phase: u8| frame.iter().filter(|&&p| p == phase).count();
    let label = format!(
        "Network of {} nodes after round {}: {} susceptible, {} infective, {} removed",
        frame.len(),
        props.round,
        count(0),
        count(1),
        count(2)
    );
    html! {
        <canvas id="graph" ref={canvas} width={SIZE.to_string()} height={SIZE.to_string()} role="img" aria-label={label} />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_stay_in_the_unit_square_and_keep_grid_rows() {
        for topology in [
            TopologyKind::Complete,
            TopologyKind::DataCenters,
            TopologyKind::Grid { width: 7 },
        ] {
            for (x, y) in layout(50, topology) {
                assert!(
                    (-1e-9..=1.0 + 1e-9).contains(&x) && (-1e-9..=1.0 + 1e-9).contains(&y),
                    "{topology:?}"
                );
            }
        }
        let grid = layout(12, TopologyKind::Grid { width: 4 });
        assert_eq!(grid[5].1, grid[6].1, "same row");
        assert!(grid[4].1 > grid[0].1, "next row below");
        let centers = layout(10, TopologyKind::DataCenters);
        assert!(
            centers[0].0 < 0.5 && centers[9].0 > 0.5,
            "two clusters side by side"
        );
    }
}
