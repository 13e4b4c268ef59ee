//! The graph's layers rasterised on the CPU, for the WebGL2 renderer to composite. Software GL
//! (SwiftShader, what headless Chromium and GPU-less machines get) spends far longer on a long
//! thin line or on a hundred thousand points than wasm does writing their pixels, so the
//! renderer draws its geometry here only when it changes (links and nodes when the view or the
//! run does, messages when the round does) and lets the GPU do what it does well at any scale:
//! one full-canvas pass per frame that colours each pixel from these buffers, the node states
//! and the fade. Runs too large to record node by node are drawn here whole, as density.

use gossip_sim::recorded_run::Density;

/// Where a density bin lies: from its first node's canvas position to its last's.
pub type Segment = ((f64, f64), (f64, f64));

/// An antialiased line into one channel of an RGBA buffer `size` pixels square (Wu's
/// algorithm; a pixel keeps the highest coverage drawn into it, as a stroked path covers each
/// pixel once however many of its lines cross it). `weight` scales the coverage (lines thinner
/// than a pixel); `dash` is (pixels per layout unit, period, drawn part), for dashed lines.
pub fn stroke(
    rgba: &mut [u8],
    size: usize,
    channel: usize,
    (ax, ay): (f64, f64),
    (bx, by): (f64, f64),
    weight: f64,
    dash: Option<(f64, f64, f64)>,
) {
    // Wu's algorithm works in pixel centres; pixel (x, y)'s centre is at (x + 0.5, y + 0.5).
    let (ax, ay, bx, by) = (ax - 0.5, ay - 0.5, bx - 0.5, by - 0.5);
    let steep = (by - ay).abs() > (bx - ax).abs();
    // Walk along the major axis, u; v is the other.
    let (mut u0, mut v0, mut u1, mut v1) = if steep {
        (ay, ax, by, bx)
    } else {
        (ax, ay, bx, by)
    };
    let reversed = u0 > u1;
    if reversed {
        std::mem::swap(&mut u0, &mut u1);
        std::mem::swap(&mut v0, &mut v1);
    }
    let slope = if u1 - u0 < 1e-9 {
        0.0
    } else {
        (v1 - v0) / (u1 - u0)
    };
    let per_step = (1.0 + slope * slope).sqrt();
    let limit = size as f64 - 1.0;
    let (first, last) = (u0.round().max(0.0), u1.round().min(limit));
    if first > last {
        return;
    }
    let weight = weight.clamp(0.0, 1.0) * 255.0;
    let mut u = first;
    while u <= last {
        if let Some((per_unit, period, on)) = dash {
            // Distance from the line's own start, in layout units, as a canvas dash measures it.
            let along = if reversed { u1 - u } else { u - u0 };
            if (along * per_step / per_unit).rem_euclid(period) >= on {
                u += 1.0;
                continue;
            }
        }
        let v = v0 + slope * (u - u0);
        let floor = v.floor();
        let fraction = v - floor;
        for (offset, coverage) in [(0.0, 1.0 - fraction), (1.0, fraction)] {
            let w = floor + offset;
            if !(0.0..=limit).contains(&w) || coverage <= 0.0 {
                continue;
            }
            let (x, y) = if steep { (w, u) } else { (u, w) };
            let index = (y as usize * size + x as usize) * 4 + channel;
            let value = (coverage * weight) as u8;
            if rgba[index] < value {
                rgba[index] = value;
            }
        }
        u += 1.0;
    }
}

/// Writes `node + 1` into every pixel of `ids` (`size` pixels square, 0: no node) that each
/// `(node, centre)` covers: a square of side `2 * radius` around it, or a disc of that radius
/// with half a pixel more for its edge to be smoothed. Later nodes cover earlier ones.
pub fn stamp_nodes(
    ids: &mut [u32],
    size: usize,
    nodes: impl Iterator<Item = (usize, (f64, f64))>,
    radius: f64,
    disc: bool,
) {
    let reach = if disc { radius + 0.5 } else { radius };
    let limit = size as f64 - 1.0;
    for (node, (x, y)) in nodes {
        let (left, right) = ((x - reach).floor().max(0.0), (x + reach).ceil().min(limit));
        let (top, bottom) = ((y - reach).floor().max(0.0), (y + reach).ceil().min(limit));
        if left > right || top > bottom {
            continue;
        }
        for py in top as usize..=bottom as usize {
            for px in left as usize..=right as usize {
                let (cx, cy) = (px as f64 + 0.5, py as f64 + 0.5);
                let inside = if disc {
                    (cx - x).powi(2) + (cy - y).powi(2) <= reach * reach
                } else {
                    (cx - x).abs() <= reach && (cy - y).abs() <= reach
                };
                if inside {
                    ids[py * size + px] = node as u32 + 1;
                }
            }
        }
    }
}

/// The nodes' layer, premultiplied RGBA: each pixel that `ids` gives a node (see
/// [`stamp_nodes`]) in the colour of that node's state (`colors`: RGB in 0..1 by state code),
/// with a disc's edge pixels partly covered so that it looks round.
#[allow(clippy::too_many_arguments)]
pub fn color_nodes(
    rgba: &mut [u8],
    ids: &[u32],
    size: usize,
    centres: &[(f64, f64)],
    radius: f64,
    disc: bool,
    states: &[u8],
    colors: &[[f32; 3]],
) {
    for (index, (&id, pixel)) in ids.iter().zip(rgba.chunks_exact_mut(4)).enumerate() {
        let node = match id.checked_sub(1) {
            Some(node) => node as usize,
            None => {
                pixel.fill(0);
                continue;
            }
        };
        let alpha = match centres.get(node) {
            Some(&(x, y)) if disc => {
                let (cx, cy) = ((index % size) as f64 + 0.5, (index / size) as f64 + 0.5);
                let distance = ((cx - x).powi(2) + (cy - y).powi(2)).sqrt();
                (radius - distance + 0.5).clamp(0.0, 1.0) as f32
            }
            _ => 1.0,
        };
        let state = usize::from(states.get(node).copied().unwrap_or(0));
        let rgb = colors[state.min(colors.len() - 1)];
        for channel in 0..3 {
            pixel[channel] = (rgb[channel] * alpha * 255.0).round() as u8;
        }
        pixel[3] = (alpha * 255.0).round() as u8;
    }
}

/// Every node of a [`Density`] at round `round` as an RGBA image (not premultiplied) `size`
/// pixels square: each bin spread along its place on the layout (`segments`: from its first
/// node's canvas position to its last's, before `project` applies the view), each pixel the mix
/// of its nodes' phase colours (`colors`, RGB in 0..1), more opaque the more nodes it holds
/// (against the fullest pixel), so the layout's shape shows. Each place covers `spread` pixels
/// square (at least one) from its own pixel to the right and down: the size of the smallest
/// node drawn.
pub fn density_image(
    density: &Density,
    round: usize,
    segments: &[Segment],
    project: impl Fn((f64, f64)) -> (f64, f64),
    colors: &[[f32; 3]; 3],
    size: usize,
    spread: usize,
) -> Vec<u8> {
    let mut sums = vec![[0f32; 4]; size * size];
    let Some(frame) = density
        .frames
        .get(round.min(density.frames.len().saturating_sub(1)))
    else {
        return vec![0; size * size * 4];
    };
    let limit = size as f64;
    for (bin, &(first, last)) in segments.iter().enumerate() {
        let Some(shares) = frame.get(3 * bin..3 * bin + 3) else {
            break;
        };
        let nodes = density.bin_size(bin as u32) as f32;
        let ((ax, ay), (zx, zy)) = (project(first), project(last));
        let steps = ((zx - ax).abs().max((zy - ay).abs()).ceil() as usize).clamp(1, 4 * size);
        let each = nodes / steps as f32;
        for step in 0..steps {
            let t = (step as f64 + 0.5) / steps as f64;
            let (x, y) = (ax + (zx - ax) * t, ay + (zy - ay) * t);
            if !(0.0..limit).contains(&x) || !(0.0..limit).contains(&y) {
                continue;
            }
            // Pixels past the edge fold onto the last row or column.
            for below in 0..spread.max(1) {
                let row = (y as usize + below).min(size - 1) * size;
                for right in 0..spread.max(1) {
                    let sum = &mut sums[row + (x as usize + right).min(size - 1)];
                    for (phase, &share) in shares.iter().enumerate() {
                        sum[phase] += f32::from(share) * each;
                    }
                    sum[3] += each;
                }
            }
        }
    }
    let fullest = sums.iter().map(|s| s[3]).fold(0.0f32, f32::max);
    let mut rgba = vec![0u8; size * size * 4];
    for (pixel, sum) in rgba.chunks_exact_mut(4).zip(&sums) {
        let shared = sum[0] + sum[1] + sum[2];
        if sum[3] <= 0.0 || shared <= 0.0 {
            continue;
        }
        for channel in 0..3 {
            let mixed: f32 = (0..3).map(|p| colors[p][channel] * sum[p]).sum::<f32>() / shared;
            pixel[channel] = (mixed * 255.0).round() as u8;
        }
        pixel[3] = ((0.35 + 0.65 * (sum[3] / fullest).sqrt()) * 255.0).round() as u8;
    }
    rgba
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_line_covers_the_pixels_it_crosses_in_its_channel_only() {
        let size = 8;
        let mut rgba = vec![0u8; size * size * 4];
        // Along row 2, through its pixels' centres: full coverage of row 2, none elsewhere.
        stroke(&mut rgba, size, 1, (1.5, 2.5), (6.5, 2.5), 1.0, None);
        let row: Vec<u8> = (0..size).map(|x| rgba[(2 * size + x) * 4 + 1]).collect();
        assert_eq!(row, vec![0, 255, 255, 255, 255, 255, 255, 0]);
        assert!(
            rgba.iter()
                .enumerate()
                .all(|(i, &v)| v == 0 || (i % 4 == 1 && i / 4 / size == 2))
        );
        // A steep line half-way between two columns: half coverage on each; a lighter line
        // over it keeps the stronger coverage.
        let mut rgba = vec![0u8; size * size * 4];
        stroke(&mut rgba, size, 0, (4.0, 0.5), (4.0, 7.5), 1.0, None);
        stroke(&mut rgba, size, 0, (4.0, 0.5), (4.0, 7.5), 0.2, None);
        assert_eq!(
            (rgba[(4 * size + 3) * 4], rgba[(4 * size + 4) * 4]),
            (127, 127)
        );
        // Off the buffer: nothing, and no panic.
        stroke(&mut rgba, size, 2, (-50.0, -3.0), (-10.0, 100.0), 1.0, None);
        stroke(&mut rgba, size, 2, (20.0, 20.0), (40.0, 30.0), 1.0, None);
        assert!(rgba.iter().skip(2).step_by(4).all(|&v| v == 0));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_dashed_line_leaves_its_gaps() {
        let size = 16;
        let mut rgba = vec![0u8; size * size * 4];
        stroke(
            &mut rgba,
            size,
            0,
            (0.5, 0.5),
            (15.5, 0.5),
            1.0,
            Some((1.0, 7.0, 4.0)),
        );
        let row: Vec<bool> = (0..size).map(|x| rgba[x * 4] > 0).collect();
        let expected: Vec<bool> = (0..size).map(|x| x % 7 < 4).collect();
        assert_eq!(row, expected);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn nodes_stamp_their_ids_and_later_ones_cover_earlier() {
        let size = 10;
        let mut ids = vec![0u32; size * size];
        let centres = [(2.0, 2.0), (3.0, 2.0), (50.0, 50.0)];
        stamp_nodes(&mut ids, size, centres.into_iter().enumerate(), 1.0, false);
        let row: Vec<u32> = (0..size).map(|x| ids[2 * size + x]).collect();
        assert_eq!(row, vec![0, 1, 2, 2, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            ids.iter().filter(|&&id| id == 3).count(),
            0,
            "off the buffer"
        );
        let mut ids = vec![0u32; size * size];
        stamp_nodes(&mut ids, size, [(0, (5.0, 5.0))].into_iter(), 2.0, true);
        // A disc: the centre's neighbours in, the box's corners out.
        assert_eq!((ids[5 * size + 5], ids[5 * size + 6]), (1, 1));
        assert_eq!((ids[2 * size + 2], ids[7 * size + 7]), (0, 0));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn nodes_take_their_state_colour_and_disc_edges_are_partly_covered() {
        let size = 4;
        let ids = [0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut rgba = vec![9u8; size * size * 4];
        let colors = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]];
        let centres = [(1.5, 0.5), (2.5, 0.5)];
        color_nodes(
            &mut rgba,
            &ids,
            size,
            &centres,
            1.0,
            false,
            &[1, 0],
            &colors,
        );
        assert_eq!(&rgba[..12], &[0, 0, 0, 0, 0, 0, 255, 255, 255, 0, 0, 255]);
        assert!(rgba[12..].iter().all(|&v| v == 0), "no node: cleared");
        // A disc of radius 0.75 centred half a pixel off: its pixel is covered by 0.75.
        let centres = [(1.5, 0.5), (2.5, 1.0)];
        color_nodes(
            &mut rgba,
            &ids,
            size,
            &centres,
            0.75,
            true,
            &[1, 0],
            &colors,
        );
        assert_eq!(&rgba[8..12], &[191, 0, 0, 191]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn density_mixes_phase_colours_by_share_and_fades_thin_pixels() {
        // Two bins of two nodes: one all susceptible on pixel (1, 1), one half infective half
        // removed spread over pixels (2..4, 3).
        let density = Density {
            nodes: 4,
            bin: 2,
            frames: vec![vec![255, 0, 0, 0, 127, 127]],
        };
        let segments = [((1.5, 1.5), (1.5, 1.5)), ((2.0, 3.5), (4.0, 3.5))];
        let colors = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let image = density_image(&density, 5, &segments, |p| p, &colors, 6, 1);
        let pixel = |x: usize, y: usize| image[(y * 6 + x) * 4..(y * 6 + x) * 4 + 4].to_vec();
        assert_eq!(
            pixel(1, 1),
            vec![255, 0, 0, 255],
            "the fullest pixel is opaque"
        );
        // One node on each of the second bin's pixels: half as full, so less opaque.
        let thin = ((0.35 + 0.65 * 0.5f32.sqrt()) * 255.0).round() as u8;
        assert_eq!(pixel(2, 3), vec![0, 128, 128, thin]);
        assert_eq!(pixel(3, 3), vec![0, 128, 128, thin]);
        assert_eq!(pixel(0, 0), vec![0, 0, 0, 0]);
        let drawn = image.chunks(4).filter(|p| p[3] > 0).count();
        assert_eq!(drawn, 3);
        // Spread: the first bin covers (1..=2, 1..=2) too, the second rows 3 and 4.
        let spread = density_image(&density, 0, &segments, |p| p, &colors, 6, 2);
        let covered: Vec<usize> = (0..36).filter(|i| spread[i * 4 + 3] > 0).collect();
        assert_eq!(covered, vec![7, 8, 13, 14, 20, 21, 22, 26, 27, 28]);
    }
}
