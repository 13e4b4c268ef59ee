//! The graph drawn with Canvas 2D, where the browser has no WebGL2 ([`super::gl`] draws it
//! otherwise): links in one faint path, the round's messages one path per outcome, the nodes one
//! path per phase (squares when a few pixels wide, which rasterise far faster than circles), then
//! crashed nodes crossed out and the selection ring.

use gossip_sim::recorded_run::Recording;
use gossip_sim::rounds::message_outcome;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::{
    Marks, SQUARE_BELOW_PX, View, crossed_out, css_color, message_stride, node_radius, pixel_ratio,
};

/// Draws round `round` of `recording` on `canvas` in `view`. Everything is drawn in world units
/// through one transform to the backing store's pixels, so widths and radii grow with its
/// pixel ratio and the picture is the same at any size, only sharper.
pub(super) fn draw(
    canvas: &HtmlCanvasElement,
    recording: &Recording,
    positions: &[(f64, f64)],
    round: usize,
    view: View,
    marks: Marks<'_>,
) -> Option<()> {
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let frame = recording
        .frames
        .get(round.min(recording.frames.len().saturating_sub(1)))?;
    let nodes = frame.len();
    let colors: Vec<String> = marks
        .palette
        .states()
        .iter()
        .map(|(variable, fallback, _, _)| css_color(canvas, variable, fallback))
        .collect();
    let _ = context.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    context.clear_rect(
        0.0,
        0.0,
        f64::from(canvas.width()),
        f64::from(canvas.height()),
    );
    let pixels = view.pixels(pixel_ratio(canvas));
    let _ = context.set_transform(pixels.scale, 0.0, 0.0, pixels.scale, pixels.dx, pixels.dy);

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

    if let Some(messages) = recording.messages.get(round).filter(|_| round > 0) {
        // This round's messages, by what became of them, fading to a trace.
        let fresh = marks.freshness;
        let kinds = [
            (
                message_outcome::KNEW,
                css_color(canvas, "--fg", "#1d1d24"),
                0.05 + 0.35 * fresh,
                0.8,
            ),
            (
                message_outcome::LOST,
                css_color(canvas, "--bad", "#c0392b"),
                0.08 + 0.7 * fresh,
                1.0,
            ),
            (
                message_outcome::INFORMED,
                colors[1].clone(),
                0.3 + 0.6 * fresh,
                1.6,
            ),
        ];
        for (outcome, color, alpha, width) in kinds {
            context.set_global_alpha(alpha);
            context.set_stroke_style_str(&color);
            context.set_line_width(width / view.scale.sqrt());
            let dashes = js_sys::Array::new();
            if outcome == message_outcome::LOST {
                dashes.push(&4.0.into());
                dashes.push(&3.0.into());
            }
            let _ = context.set_line_dash(&dashes);
            context.begin_path();
            for &(from, to, _) in messages
                .iter()
                .step_by(message_stride(messages.len()))
                .filter(|m| m.2 == outcome)
            {
                let ((ax, ay), (bx, by)) = (positions[from as usize], positions[to as usize]);
                context.move_to(ax, ay);
                context.line_to(bx, by);
            }
            context.stroke();
        }
        let _ = context.set_line_dash(&js_sys::Array::new());
    } else {
        // A recording without messages: the round's infections, bright.
        context.set_global_alpha(0.85);
        context.set_stroke_style_str(&colors[1]);
        context.set_line_width(1.4);
        context.begin_path();
        for (node, informed) in recording.informed_by.iter().enumerate() {
            // In a sample, a sender outside it has no place on the canvas.
            if let Some((from, at)) = informed
                && *at as usize == round
                && (*from as usize) < nodes
            {
                let ((ax, ay), (bx, by)) = (positions[*from as usize], positions[node]);
                context.move_to(ax, ay);
                context.line_to(bx, by);
            }
        }
        context.stroke();
    }

    // Nodes, one path per phase.
    context.set_global_alpha(1.0);
    // Nodes grow with the zoom, but less than the drawing does.
    let radius = node_radius(nodes) / view.scale.sqrt();
    // Nodes a few pixels wide look the same as squares, which cost far less to rasterise than
    // circles (ten thousand of them every frame of a playback).
    let squares = radius * pixels.scale < SQUARE_BELOW_PX;
    for (phase, color) in colors.iter().enumerate() {
        context.set_fill_style_str(color);
        context.begin_path();
        for (node, &(x, y)) in positions.iter().enumerate() {
            if frame[node] as usize == phase {
                if squares {
                    context.rect(x - radius, y - radius, 2.0 * radius, 2.0 * radius);
                } else {
                    context.move_to(x + radius, y);
                    let _ = context.arc(x, y, radius, 0.0, std::f64::consts::TAU);
                }
            }
        }
        context.fill();
    }
    // Crashed nodes, crossed out from their crash on.
    context.set_stroke_style_str(&css_color(canvas, "--fg", "#1d1d24"));
    context.set_line_width(1.5 / view.scale);
    context.begin_path();
    for ((ax, ay), (bx, by)) in crossed_out(positions, marks.crashed, round, radius, view) {
        context.move_to(ax, ay);
        context.line_to(bx, by);
    }
    context.stroke();
    if let Some(node) = marks.selected.filter(|&node| node < nodes) {
        let (x, y) = positions[node];
        context.set_stroke_style_str(&css_color(canvas, "--fg", "#1d1d24"));
        context.set_line_width(2.0 / view.scale);
        context.begin_path();
        let _ = context.arc(x, y, radius + 3.0 / view.scale, 0.0, std::f64::consts::TAU);
        context.stroke();
    }
    Some(())
}
