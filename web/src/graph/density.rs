//! A run too large to record node by node, drawn whole as density ([`Density`]): the same layout
//! as its nodes would have, each pixel coloured by the mix of phases of the nodes placed there.
//! WebGL2 shows the picture as a texture; Canvas 2D puts it as image data.

use gossip_sim::recorded_run::Density;
use gossip_sim::topology::TopologyKind;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use super::gl::theme_rgb;
use super::raster::{Segment, density_image};
use super::{Palette, View, pixel_ratio, positions};

/// Where each bin lies on the graph: from its first node's canvas position to its last's.
pub fn segments(density: &Density, topology: TopologyKind) -> Vec<Segment> {
    let points = positions(density.nodes as usize, topology, &[]);
    (0..density.bins())
        .filter_map(|bin| {
            let first = (bin * density.bin) as usize;
            let last = first + density.bin_size(bin) as usize - 1;
            Some((*points.get(first)?, *points.get(last)?))
        })
        .collect()
}

/// The picture of round `round` on `canvas` in `view`, RGBA not premultiplied, at the canvas's
/// backing store size.
pub fn image(
    canvas: &HtmlCanvasElement,
    density: &Density,
    segments: &[Segment],
    round: usize,
    view: View,
    palette: Palette,
) -> Vec<u8> {
    let states = palette.states();
    let color = |code: usize| {
        states
            .get(code)
            .map_or([0.5; 3], |(variable, fallback, _, _)| {
                theme_rgb(canvas, variable, fallback)
            })
    };
    let ratio = pixel_ratio(canvas);
    let pixels = view.pixels(ratio);
    // Each place two world units square, as wide as the smallest node drawn.
    let spread = (2.0 * ratio).round().max(1.0) as usize;
    density_image(
        density,
        round,
        segments,
        |point| pixels.project(point),
        &[color(0), color(1), color(2)],
        canvas.width() as usize,
        spread,
    )
}

/// Puts `image` on a Canvas 2D `canvas`.
pub fn put(canvas: &HtmlCanvasElement, image: &[u8]) -> Option<()> {
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let data = ImageData::new_with_u8_clamped_array_and_sh(
        Clamped(image),
        canvas.width(),
        canvas.height(),
    )
    .ok()?;
    context.put_image_data(&data, 0.0, 0.0).ok()
}
