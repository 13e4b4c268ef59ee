//! Round marks drawn with WebGL2 in one draw call a frame: the message playback's nodes and its
//! messages in flight ([`crate::message_playback`]). Each mark is one point of a small vertex
//! buffer written afresh every frame (centre, radius, ring width, colour); the fragment shader
//! cuts the point's square into a disc, or a ring for hollow marks, with a smoothed edge. The
//! buffer and its vertices are kept from frame to frame, so a frame allocates nothing once the
//! busiest frame so far has been drawn. Where the browser has no WebGL2 the playback draws the
//! same marks with Canvas 2D.

use web_sys::{
    HtmlCanvasElement, WebGl2RenderingContext as Gl, WebGlBuffer, WebGlProgram,
    WebGlUniformLocation, WebGlVertexArrayObject,
};

use super::gl::{context, link, parse_hex_color};

const POINT_VERTEX: &str = r#"#version 300 es
layout(location = 0) in vec4 place;
layout(location = 1) in vec4 color;
uniform float size;
out vec4 tint;
out float radius;
out float ring;
void main() {
    vec2 at = place.xy / (size * 0.5) - 1.0;
    gl_Position = vec4(at.x, -at.y, 0.0, 1.0);
    // A pixel of margin on each side for the smoothed edge.
    gl_PointSize = 2.0 * place.z + 2.0;
    tint = color;
    radius = place.z;
    ring = place.w;
}
"#;

const POINT_FRAGMENT: &str = r#"#version 300 es
precision highp float;
in vec4 tint;
in float radius;
in float ring;
out vec4 fragment;
void main() {
    float from_centre = length((gl_PointCoord - 0.5) * (2.0 * radius + 2.0));
    float cover = clamp(radius - from_centre + 0.5, 0.0, 1.0);
    if (ring > 0.0) {
        cover *= clamp(from_centre - (radius - ring) + 0.5, 0.0, 1.0);
    }
    float alpha = tint.a * cover;
    if (alpha <= 0.0) discard;
    fragment = vec4(tint.rgb * alpha, alpha);
}
"#;

/// Floats per mark: x, y, radius, ring width, then RGBA.
const FLOATS: usize = 8;

/// One round mark, in canvas pixels as Canvas 2D would draw it: a disc of `radius` filled, or
/// with `ring` a circle of that radius stroked `ring` pixels wide.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    /// Centre on the canvas, in pixels.
    pub centre: (f64, f64),
    /// Radius in pixels.
    pub radius: f64,
    /// Stroked this wide (pixels) rather than filled.
    pub ring: Option<f64>,
    /// "#rrggbb".
    pub color: &'static str,
    /// Opacity, 0 to 1.
    pub alpha: f64,
}

/// The vertex floats of `mark`: its outer radius and the ring's width (0: filled), so that a
/// ring covers what a Canvas 2D stroke of the same circle covers.
pub fn vertex(mark: &Mark) -> [f32; FLOATS] {
    let [r, g, b] = parse_hex_color(mark.color).unwrap_or([0.5; 3]);
    let (radius, ring) = match mark.ring {
        Some(width) => (mark.radius + width / 2.0, width),
        None => (mark.radius, 0.0),
    };
    [
        mark.centre.0 as f32,
        mark.centre.1 as f32,
        radius as f32,
        ring as f32,
        r,
        g,
        b,
        mark.alpha as f32,
    ]
}

/// A WebGL2 context drawing a frame's [`Mark`]s as points.
pub struct GlPoints {
    gl: Gl,
    program: WebGlProgram,
    size_uniform: Option<WebGlUniformLocation>,
    points: WebGlVertexArrayObject,
    buffer: WebGlBuffer,
    /// Floats the GPU buffer holds room for.
    capacity: usize,
    vertices: Vec<f32>,
}

impl GlPoints {
    /// A renderer on `canvas`, or None where the browser offers no WebGL2.
    pub fn new(canvas: &HtmlCanvasElement) -> Option<GlPoints> {
        let gl = context(canvas)?;
        let program = link(&gl, POINT_VERTEX, POINT_FRAGMENT)?;
        let size_uniform = gl.get_uniform_location(&program, "size");
        let points = gl.create_vertex_array()?;
        gl.bind_vertex_array(Some(&points));
        let buffer = gl.create_buffer()?;
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&buffer));
        let stride = (FLOATS * 4) as i32;
        gl.enable_vertex_attrib_array(0);
        gl.vertex_attrib_pointer_with_i32(0, 4, Gl::FLOAT, false, stride, 0);
        gl.enable_vertex_attrib_array(1);
        gl.vertex_attrib_pointer_with_i32(1, 4, Gl::FLOAT, false, stride, 16);
        gl.bind_vertex_array(None);
        gl.enable(Gl::BLEND);
        // Premultiplied colours (the fragment shader multiplies them).
        gl.blend_func(Gl::ONE, Gl::ONE_MINUS_SRC_ALPHA);
        Some(GlPoints {
            gl,
            program,
            size_uniform,
            points,
            buffer,
            capacity: 0,
            vertices: Vec::new(),
        })
    }

    /// Starts a frame: no marks yet.
    pub fn clear(&mut self) {
        self.vertices.clear();
    }

    /// Adds a mark, drawn over those added before it.
    pub fn push(&mut self, mark: &Mark) {
        self.vertices.extend_from_slice(&vertex(mark));
    }

    /// Draws the frame's marks on the canvas, `size` pixels square, in one draw call.
    pub fn draw(&mut self, size: u32) {
        let gl = &self.gl;
        gl.viewport(0, 0, size as i32, size as i32);
        gl.clear_color(0.0, 0.0, 0.0, 0.0);
        gl.clear(Gl::COLOR_BUFFER_BIT);
        if self.vertices.is_empty() {
            return;
        }
        gl.use_program(Some(&self.program));
        gl.uniform1f(self.size_uniform.as_ref(), size as f32);
        gl.bind_vertex_array(Some(&self.points));
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&self.buffer));
        // SAFETY: the view into wasm memory is used at once, before anything can allocate.
        let data = unsafe { js_sys::Float32Array::view(&self.vertices) };
        if self.vertices.len() <= self.capacity {
            gl.buffer_sub_data_with_i32_and_array_buffer_view(Gl::ARRAY_BUFFER, 0, &data);
        } else {
            // Room for twice as many, so that a busier frame rarely needs a new buffer.
            self.capacity = 2 * self.vertices.len();
            gl.buffer_data_with_i32(
                Gl::ARRAY_BUFFER,
                (self.capacity * 4) as i32,
                Gl::STREAM_DRAW,
            );
            gl.buffer_sub_data_with_i32_and_array_buffer_view(Gl::ARRAY_BUFFER, 0, &data);
        }
        gl.draw_arrays(Gl::POINTS, 0, (self.vertices.len() / FLOATS) as i32);
        gl.bind_vertex_array(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_ring_reaches_as_far_as_a_canvas_stroke_and_a_disc_as_its_radius() {
        let disc = Mark {
            centre: (10.0, 20.0),
            radius: 4.0,
            ring: None,
            color: "#ff0000",
            alpha: 0.5,
        };
        assert_eq!(vertex(&disc), [10.0, 20.0, 4.0, 0.0, 1.0, 0.0, 0.0, 0.5]);
        // A circle of radius 8 stroked 2 wide covers 7 to 9 from the centre.
        let ring = Mark {
            radius: 8.0,
            ring: Some(2.0),
            color: "#0000ff",
            alpha: 1.0,
            ..disc
        };
        assert_eq!(vertex(&ring), [10.0, 20.0, 9.0, 2.0, 0.0, 0.0, 1.0, 1.0]);
    }
}
