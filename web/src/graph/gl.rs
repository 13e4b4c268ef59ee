//! The network graph drawn with WebGL2, for graphs too large for Canvas 2D. Each frame is one
//! full-canvas pass: a fragment shader colours each pixel from two textures (what lines cross it,
//! by kind; the nodes' layer) and the fade's uniforms, so its cost does not grow with the nodes
//! or messages. The geometry behind those textures is rasterised in wasm ([`super::raster`])
//! only when it changes: the links when the run or the view does, the nodes (which covers each
//! pixel, in its state's colour) and the messages when the round does. (Software GL, which headless Chromium and machines
//! without a GPU get, draws a long line or a hundred thousand points far slower than wasm writes
//! their pixels.) Colours are the page's theme colours, as on the canvas. Where the browser has no
//! WebGL2, [`super`] draws on Canvas 2D instead.

use gossip_sim::recorded_run::Recording;
use gossip_sim::rounds::message_outcome;
use wasm_bindgen::JsCast;
use web_sys::{
    HtmlCanvasElement, WebGl2RenderingContext as Gl, WebGlBuffer, WebGlProgram, WebGlShader,
    WebGlTexture, WebGlUniformLocation, WebGlVertexArrayObject,
};

use super::raster::{color_nodes, stamp_nodes, stroke};
use super::{
    Marks, SQUARE_BELOW_PX, View, crossed_out, css_color, message_stride, node_radius, pixel_ratio,
};

/// Two triangles over the whole canvas.
const QUAD_VERTEX: &str = r#"#version 300 es
layout(location = 0) in vec2 corner;
void main() {
    gl_Position = vec4(corner, 0.0, 1.0);
}
"#;

/// One pixel of the graph: the lines crossing it (coverage of links, messages that reached a
/// node that knew, lost ones, those that informed, in the canvas's drawing order, each with its
/// colour and the fade's opacity), under the nodes' layer (premultiplied, made per round). In
/// density mode, the lines texture holds the picture itself. Two plain texture reads a pixel, and
/// every pixel written without blending (so the pass needs no clear before it): software GL runs
/// this at a frame rate that no longer depends on the graph.
const COMPOSITE_FRAGMENT: &str = r#"#version 300 es
precision highp float;
uniform sampler2D lines;
uniform sampler2D nodes;
uniform vec4 line_colors[4];
uniform float density;
uniform float size;
out vec4 fragment;
vec4 over(vec4 under, vec4 color, float alpha) {
    float a = color.a * alpha;
    return vec4(color.rgb * a, a) + under * (1.0 - a);
}
void main() {
    ivec2 pixel = ivec2(int(gl_FragCoord.x), int(size - gl_FragCoord.y));
    vec4 cover = texelFetch(lines, pixel, 0);
    if (density > 0.5) {
        fragment = vec4(cover.rgb * cover.a, cover.a);
        return;
    }
    vec4 node = texelFetch(nodes, pixel, 0);
    vec4 color = over(vec4(0.0), line_colors[0], cover.r);
    color = over(color, line_colors[1], cover.g);
    color = over(color, line_colors[2], cover.b);
    color = over(color, line_colors[3], cover.a);
    fragment = node + color * (1.0 - node.a);
}
"#;

/// The few marks drawn as lines on top: crossed-out crashed nodes and the selection ring.
const MARK_VERTEX: &str = r#"#version 300 es
layout(location = 0) in vec2 position;
uniform vec3 view;
uniform vec2 nudge;
uniform float size;
void main() {
    vec2 at = (position * view.x + view.yz + nudge) / (size * 0.5) - 1.0;
    gl_Position = vec4(at.x, -at.y, 0.0, 1.0);
}
"#;

const MARK_FRAGMENT: &str = r#"#version 300 es
precision highp float;
uniform vec4 color;
out vec4 fragment;
void main() {
    fragment = vec4(color.rgb * color.a, color.a);
}
"#;

/// A "#rrggbb" or "#rgb" theme colour as RGB in 0..1; None for anything else.
pub fn parse_hex_color(text: &str) -> Option<[f32; 3]> {
    let hex = text.trim().strip_prefix('#')?;
    let digit = |i: usize| u8::from_str_radix(hex.get(i..i + 1)?, 16).ok();
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let bytes = match hex.len() {
        3 => [digit(0)? * 17, digit(1)? * 17, digit(2)? * 17],
        6 => [channel(0)?, channel(2)?, channel(4)?],
        _ => return None,
    };
    Some(bytes.map(|b| f32::from(b) / 255.0))
}

/// A theme colour of the canvas as RGB in 0..1.
pub(super) fn theme_rgb(canvas: &HtmlCanvasElement, name: &str, fallback: &str) -> [f32; 3] {
    parse_hex_color(&css_color(canvas, name, fallback))
        .or_else(|| parse_hex_color(fallback))
        .unwrap_or([0.5, 0.5, 0.5])
}

/// Strokes a round's messages into channels 1 (reached a node that knew), 2 (lost, dashed) and
/// 3 (informed) of `rgba`, at most [`super::MAX_MESSAGE_LINES`] of them as on the canvas, with
/// their canvas widths at zoom `scale` on a backing store of `ratio` pixels per world unit
/// (thinner than a pixel: fainter; wider: two lines side by side).
pub fn stroke_messages(
    rgba: &mut [u8],
    size: usize,
    messages: &[(u32, u32, u8)],
    centres: &[(f64, f64)],
    scale: f64,
    ratio: f64,
) {
    for &(from, to, outcome) in messages.iter().step_by(message_stride(messages.len())) {
        let (Some(&a), Some(&b)) = (centres.get(from as usize), centres.get(to as usize)) else {
            continue;
        };
        let (channel, width, dash) = match outcome {
            message_outcome::KNEW => (1, 0.8, None),
            message_outcome::LOST => (2, 1.0, Some((scale * ratio, 7.0, 4.0))),
            _ => (3, 1.6, None),
        };
        let width = width * scale.sqrt() * ratio;
        if width < 1.25 {
            stroke(rgba, size, channel, a, b, width, dash);
            continue;
        }
        // Wider than a pixel: two lines side by side, as far apart as the width asks.
        let length = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt().max(1e-9);
        let half = (width - 1.0).min(3.0 * ratio) / 2.0;
        let (nx, ny) = (-(b.1 - a.1) / length * half, (b.0 - a.0) / length * half);
        for side in [-1.0, 1.0] {
            let (ox, oy) = (nx * side, ny * side);
            stroke(
                rgba,
                size,
                channel,
                (a.0 + ox, a.1 + oy),
                (b.0 + ox, b.1 + oy),
                1.0,
                dash,
            );
        }
    }
}

/// Offsets, in pixels, at which the crossed-out nodes' and selection ring's one-pixel GL lines
/// are drawn so that together they are about 1.5 world units wide at `ratio` pixels per unit
/// (as the canvas strokes them): once at the world's 480 pixels, then pixel by pixel across
/// and down.
fn line_nudges(ratio: f64) -> Vec<(f32, f32)> {
    let lines = (1.5 * ratio).floor().max(1.0) as usize;
    if lines == 1 {
        return vec![(0.0, 0.0)];
    }
    let first = -((lines - 1) as f32) / 2.0;
    (0..lines)
        .flat_map(|line| {
            let at = first + line as f32;
            [(at, 0.0), (0.0, at)]
        })
        .collect()
}

/// What the GPU's textures were made from.
#[derive(Clone, Copy, PartialEq)]
struct Made {
    recording: *const Recording,
    points: *const (f64, f64),
    nodes: usize,
    /// The backing store's side, in pixels.
    size: usize,
    view: (u64, u64, u64),
    round: usize,
}

/// The composite program's uniforms, looked up once.
struct CompositeUniforms {
    lines: Option<WebGlUniformLocation>,
    nodes: Option<WebGlUniformLocation>,
    line_colors: Option<WebGlUniformLocation>,
    density: Option<WebGlUniformLocation>,
    size: Option<WebGlUniformLocation>,
}

/// The marks program's uniforms, looked up once.
struct MarkUniforms {
    view: Option<WebGlUniformLocation>,
    nudge: Option<WebGlUniformLocation>,
    size: Option<WebGlUniformLocation>,
    color: Option<WebGlUniformLocation>,
}

/// The page's theme colours as the last made frame read them: reading them asks the browser for
/// the page's computed style (a style recalculation when the page changed), so a frame that
/// only fades reuses them.
#[derive(Default)]
struct Theme {
    fg: [f32; 3],
    bad: [f32; 3],
    states: Vec<[f32; 3]>,
}

impl Theme {
    fn read(&mut self, canvas: &HtmlCanvasElement, palette: super::Palette) {
        self.fg = theme_rgb(canvas, "--fg", "#1d1d24");
        self.bad = theme_rgb(canvas, "--bad", "#c0392b");
        self.states.clear();
        self.states.extend(
            palette
                .states()
                .iter()
                .map(|(variable, fallback, _, _)| theme_rgb(canvas, variable, fallback)),
        );
    }
}

/// A WebGL2 context with the graph's shaders, textures and the buffers they are made from.
/// Buffers are kept from frame to frame and textures refilled in place, so a frame that only
/// fades allocates nothing and uploads nothing.
pub struct GlGraph {
    gl: Gl,
    composite: WebGlProgram,
    composite_uniforms: CompositeUniforms,
    marks_program: WebGlProgram,
    mark_uniforms: MarkUniforms,
    quad: WebGlVertexArrayObject,
    marks: WebGlVertexArrayObject,
    mark_buffer: WebGlBuffer,
    /// The round on the canvas.
    shown: Layers,
    /// The round after it, made ahead between frames ([`GlGraph::prepare`]) so that a playback's
    /// new round costs its frame no more than a fading one.
    ready: Layers,
    /// Links alone (channel 0), kept to start each round's lines from.
    links: Vec<u8>,
    lines: Vec<u8>,
    ids: Vec<u32>,
    nodes: Vec<u8>,
    centres: Vec<(f64, f64)>,
    mark_vertices: Vec<f32>,
    theme: Theme,
    layout: Option<Made>,
    view: Option<Made>,
}

/// A round's two textures on the GPU (its lines by kind, its nodes' layer) and what they were
/// made from.
struct Layers {
    lines: WebGlTexture,
    nodes: WebGlTexture,
    /// The side, in texels, each texture was allocated at (0: not yet).
    lines_side: usize,
    nodes_side: usize,
    made: Option<Made>,
}

impl Layers {
    fn new(gl: &Gl) -> Option<Layers> {
        Some(Layers {
            lines: texture(gl)?,
            nodes: texture(gl)?,
            lines_side: 0,
            nodes_side: 0,
            made: None,
        })
    }
}

pub(super) fn compile(gl: &Gl, kind: u32, source: &str) -> Option<WebGlShader> {
    let shader = gl.create_shader(kind)?;
    gl.shader_source(&shader, source);
    gl.compile_shader(&shader);
    if gl
        .get_shader_parameter(&shader, Gl::COMPILE_STATUS)
        .as_bool()
        != Some(true)
    {
        web_sys::console::error_1(&gl.get_shader_info_log(&shader).unwrap_or_default().into());
        return None;
    }
    Some(shader)
}

/// A program of the `vertex` and `fragment` shaders; None (with the log on the console) when one
/// fails to compile or they fail to link.
pub(super) fn link(gl: &Gl, vertex: &str, fragment: &str) -> Option<WebGlProgram> {
    let program = gl.create_program()?;
    gl.attach_shader(&program, &compile(gl, Gl::VERTEX_SHADER, vertex)?);
    gl.attach_shader(&program, &compile(gl, Gl::FRAGMENT_SHADER, fragment)?);
    gl.link_program(&program);
    if gl
        .get_program_parameter(&program, Gl::LINK_STATUS)
        .as_bool()
        != Some(true)
    {
        web_sys::console::error_1(&gl.get_program_info_log(&program).unwrap_or_default().into());
        return None;
    }
    Some(program)
}

/// A WebGL2 context on `canvas` whose picture is kept after each frame, so that it can be read
/// back (drawn onto another canvas, as tests and image exports do) like a 2D canvas's; None
/// where the browser offers no WebGL2 (the canvas can then still give a 2D context).
///
/// Without multisampling or a depth buffer: the shaders smooth their own edges, and software GL
/// (SwiftShader) would otherwise shade and resolve four samples a pixel on every frame.
pub(super) fn context(canvas: &HtmlCanvasElement) -> Option<Gl> {
    let options = js_sys::Object::new();
    for (option, value) in [
        ("preserveDrawingBuffer", true),
        ("antialias", false),
        ("depth", false),
    ] {
        js_sys::Reflect::set(&options, &option.into(), &value.into()).ok()?;
    }
    canvas
        .get_context_with_context_options("webgl2", &options)
        .ok()??
        .dyn_into()
        .ok()
}

fn texture(gl: &Gl) -> Option<WebGlTexture> {
    let texture = gl.create_texture()?;
    gl.bind_texture(Gl::TEXTURE_2D, Some(&texture));
    for (parameter, value) in [
        (Gl::TEXTURE_MIN_FILTER, Gl::NEAREST),
        (Gl::TEXTURE_MAG_FILTER, Gl::NEAREST),
        (Gl::TEXTURE_WRAP_S, Gl::CLAMP_TO_EDGE),
        (Gl::TEXTURE_WRAP_T, Gl::CLAMP_TO_EDGE),
    ] {
        gl.tex_parameteri(Gl::TEXTURE_2D, parameter, value as i32);
    }
    Some(texture)
}

/// Fills the bound 2D texture with `data`, RGBA8 `side` texels square: in place when it was
/// allocated at that side already (`allocated`), which it then is.
fn fill_texture(gl: &Gl, allocated: &mut usize, side: usize, data: &[u8]) {
    gl.pixel_storei(Gl::UNPACK_ALIGNMENT, 1);
    // SAFETY: the view into wasm memory is used at once, before anything can allocate.
    let view = unsafe { js_sys::Uint8Array::view(data) };
    let side_i32 = side as i32;
    if *allocated == side {
        let _ = gl.tex_sub_image_2d_with_i32_and_i32_and_u32_and_type_and_opt_array_buffer_view(
            Gl::TEXTURE_2D,
            0,
            0,
            0,
            side_i32,
            side_i32,
            Gl::RGBA,
            Gl::UNSIGNED_BYTE,
            Some(&view),
        );
    } else {
        let _ = gl
            .tex_image_2d_with_i32_and_i32_and_i32_and_format_and_type_and_opt_array_buffer_view(
                Gl::TEXTURE_2D,
                0,
                Gl::RGBA8 as i32,
                side_i32,
                side_i32,
                0,
                Gl::RGBA,
                Gl::UNSIGNED_BYTE,
                Some(&view),
            );
        *allocated = side;
    }
}

impl GlGraph {
    /// A WebGL2 renderer on `canvas`, or None where the browser offers no WebGL2 (the canvas
    /// can then still give a 2D context).
    pub fn new(canvas: &HtmlCanvasElement) -> Option<GlGraph> {
        let gl = context(canvas)?;
        let composite = link(&gl, QUAD_VERTEX, COMPOSITE_FRAGMENT)?;
        let marks_program = link(&gl, MARK_VERTEX, MARK_FRAGMENT)?;
        let at = |program: &WebGlProgram, name: &str| gl.get_uniform_location(program, name);
        let composite_uniforms = CompositeUniforms {
            lines: at(&composite, "lines"),
            nodes: at(&composite, "nodes"),
            line_colors: at(&composite, "line_colors"),
            density: at(&composite, "density"),
            size: at(&composite, "size"),
        };
        let mark_uniforms = MarkUniforms {
            view: at(&marks_program, "view"),
            nudge: at(&marks_program, "nudge"),
            size: at(&marks_program, "size"),
            color: at(&marks_program, "color"),
        };

        let quad = gl.create_vertex_array()?;
        gl.bind_vertex_array(Some(&quad));
        let corners = gl.create_buffer()?;
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&corners));
        let square = [
            -1.0f32, -1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0,
        ];
        // SAFETY: the view into wasm memory is used at once, before anything can allocate.
        let view = unsafe { js_sys::Float32Array::view(&square) };
        gl.buffer_data_with_array_buffer_view(Gl::ARRAY_BUFFER, &view, Gl::STATIC_DRAW);
        gl.enable_vertex_attrib_array(0);
        gl.vertex_attrib_pointer_with_i32(0, 2, Gl::FLOAT, false, 0, 0);

        let marks = gl.create_vertex_array()?;
        gl.bind_vertex_array(Some(&marks));
        let mark_buffer = gl.create_buffer()?;
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&mark_buffer));
        gl.enable_vertex_attrib_array(0);
        gl.vertex_attrib_pointer_with_i32(0, 2, Gl::FLOAT, false, 0, 0);
        gl.bind_vertex_array(None);

        gl.enable(Gl::BLEND);
        // The context's colours are premultiplied by their opacity (the shaders do it).
        gl.blend_func(Gl::ONE, Gl::ONE_MINUS_SRC_ALPHA);
        Some(GlGraph {
            shown: Layers::new(&gl)?,
            ready: Layers::new(&gl)?,
            gl,
            composite,
            composite_uniforms,
            marks_program,
            mark_uniforms,
            quad,
            marks,
            mark_buffer,
            links: Vec::new(),
            lines: Vec::new(),
            ids: Vec::new(),
            nodes: Vec::new(),
            centres: Vec::new(),
            mark_vertices: Vec::new(),
            theme: Theme::default(),
            layout: None,
            view: None,
        })
    }

    fn bind(&self, unit: u32, texture: &WebGlTexture) {
        self.gl.active_texture(Gl::TEXTURE0 + unit);
        self.gl.bind_texture(Gl::TEXTURE_2D, Some(texture));
    }

    /// Fills the textures of `layers` (the shown ones, or with `ready` those made ahead) from
    /// the nodes' and lines' buffers; `nodes` false leaves the nodes' texture as it is.
    fn upload(&mut self, ready: bool, size: usize, nodes: bool) {
        let layers = if ready {
            &mut self.ready
        } else {
            &mut self.shown
        };
        if nodes {
            self.gl.active_texture(Gl::TEXTURE1);
            self.gl.bind_texture(Gl::TEXTURE_2D, Some(&layers.nodes));
            fill_texture(&self.gl, &mut layers.nodes_side, size, &self.nodes);
        }
        self.gl.active_texture(Gl::TEXTURE0);
        self.gl.bind_texture(Gl::TEXTURE_2D, Some(&layers.lines));
        fill_texture(&self.gl, &mut layers.lines_side, size, &self.lines);
    }

    /// Makes what the run and the view give every round: the nodes' positions on the backing
    /// store and the links' layer, again only when the run, the view or the size changed (which
    /// drops both rounds' layers). Returns what a round's layers are made from, but its round.
    fn make_view(
        &mut self,
        recording: &Recording,
        positions: &[(f64, f64)],
        view: View,
        size: usize,
    ) -> Made {
        let made = Made {
            recording,
            points: positions.as_ptr(),
            nodes: positions.len(),
            size,
            view: (0, 0, 0),
            round: 0,
        };
        if self.layout != Some(made) {
            self.layout = Some(made);
            self.view = None;
        }
        let made = Made {
            view: (view.scale.to_bits(), view.dx.to_bits(), view.dy.to_bits()),
            ..made
        };
        if self.view != Some(made) {
            let pixels = view.pixels(size as f64 / super::SIZE);
            self.centres.clear();
            self.centres
                .extend(positions.iter().map(|&point| pixels.project(point)));
            self.links.clear();
            self.links.resize(size * size * 4, 0);
            for &(a, b) in &recording.links {
                if let (Some(&a), Some(&b)) =
                    (self.centres.get(a as usize), self.centres.get(b as usize))
                {
                    stroke(&mut self.links, size, 0, a, b, 0.6 * pixels.scale, None);
                }
            }
            self.view = Some(made);
            self.shown.made = None;
            self.ready.made = None;
        }
        made
    }

    /// Rasterises round `round` into the nodes' and lines' buffers, in the theme's colours
    /// (read again: a round is when the page may have changed them).
    #[allow(clippy::too_many_arguments)]
    fn rasterise(
        &mut self,
        canvas: &HtmlCanvasElement,
        recording: &Recording,
        round: usize,
        view: View,
        size: usize,
        palette: super::Palette,
    ) {
        self.theme.read(canvas, palette);
        let ratio = size as f64 / super::SIZE;
        let radius = node_radius(self.centres.len()) * view.scale.sqrt() * ratio;
        let disc = radius >= SQUARE_BELOW_PX;
        let states = recording
            .frames
            .get(round.min(recording.frames.len().saturating_sub(1)))
            .map(Vec::as_slice)
            .unwrap_or_default();
        // Phase by phase, as the canvas fills them: where nodes overlap (thousands on a
        // circle), the later phase shows.
        self.ids.clear();
        self.ids.resize(size * size, 0);
        for phase in 0..self.theme.states.len() as u8 {
            let in_phase = self
                .centres
                .iter()
                .copied()
                .enumerate()
                .filter(|&(node, _)| states.get(node).copied().unwrap_or(0) == phase);
            stamp_nodes(&mut self.ids, size, in_phase, radius, disc);
        }
        self.nodes.resize(size * size * 4, 0);
        color_nodes(
            &mut self.nodes,
            &self.ids,
            size,
            &self.centres,
            radius,
            disc,
            states,
            &self.theme.states,
        );
        self.lines.clone_from(&self.links);
        if let Some(messages) = recording.messages.get(round).filter(|_| round > 0) {
            stroke_messages(
                &mut self.lines,
                size,
                messages,
                &self.centres,
                view.scale,
                ratio,
            );
        }
    }

    /// Makes what changed since the last draw: positions when the run changed; nodes and links
    /// when the view did too; messages and states when the round did, unless
    /// [`GlGraph::prepare`] made that round ahead.
    #[allow(clippy::too_many_arguments)]
    fn make(
        &mut self,
        canvas: &HtmlCanvasElement,
        recording: &Recording,
        positions: &[(f64, f64)],
        round: usize,
        view: View,
        size: usize,
        palette: super::Palette,
    ) {
        let made = Made {
            round,
            ..self.make_view(recording, positions, view, size)
        };
        if self.shown.made == Some(made) {
            return;
        }
        if self.ready.made == Some(made) {
            std::mem::swap(&mut self.shown, &mut self.ready);
            self.ready.made = None;
            return;
        }
        self.rasterise(canvas, recording, round, view, size, palette);
        self.upload(false, size, true);
        self.shown.made = Some(made);
    }

    /// Makes round `round`'s layers ahead of its draw, for a playback's next round: called
    /// between frames, so that the frame that shows it only swaps textures.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn prepare(
        &mut self,
        canvas: &HtmlCanvasElement,
        recording: &Recording,
        positions: &[(f64, f64)],
        round: usize,
        view: View,
        palette: super::Palette,
    ) {
        let size = canvas.width() as usize;
        let made = Made {
            round,
            ..self.make_view(recording, positions, view, size)
        };
        if self.shown.made == Some(made) || self.ready.made == Some(made) {
            return;
        }
        self.rasterise(canvas, recording, round, view, size, palette);
        self.upload(true, size, true);
        self.ready.made = Some(made);
    }

    /// Draws round `round` of `recording` as the Canvas 2D graph does (see
    /// [`super::canvas::draw`]).
    pub(super) fn draw(
        &mut self,
        canvas: &HtmlCanvasElement,
        recording: &Recording,
        positions: &[(f64, f64)],
        round: usize,
        view: View,
        marks: Marks<'_>,
    ) {
        let size = canvas.width() as usize;
        self.make(
            canvas,
            recording,
            positions,
            round,
            view,
            size,
            marks.palette,
        );
        let Theme { fg, bad, .. } = self.theme;
        let infective = self.theme.states.get(1).copied().unwrap_or(fg);
        let fresh = marks.freshness as f32;
        let mut line_colors = [0.0f32; 16];
        for (slot, (rgb, alpha)) in [
            (fg, 0.18),
            (fg, 0.05 + 0.35 * fresh),
            (bad, 0.08 + 0.7 * fresh),
            (infective, 0.3 + 0.6 * fresh),
        ]
        .into_iter()
        .enumerate()
        {
            line_colors[slot * 4..slot * 4 + 4].copy_from_slice(&[rgb[0], rgb[1], rgb[2], alpha]);
        }
        self.composite(size, &line_colors, false);

        // Crossed-out crashed nodes and the selection ring: a few lines, written every draw.
        let radius = node_radius(positions.len()) / view.scale.sqrt();
        let mut vertices = std::mem::take(&mut self.mark_vertices);
        vertices.clear();
        let mut line = |(ax, ay): (f64, f64), (bx, by): (f64, f64)| {
            vertices.extend([ax as f32, ay as f32, bx as f32, by as f32]);
        };
        for (a, b) in crossed_out(positions, marks.crashed, round, radius, view) {
            line(a, b);
        }
        if let Some(&(x, y)) = marks.selected.and_then(|node| positions.get(node)) {
            let ring = radius + 3.0 / view.scale;
            let at = |step: usize| {
                let angle = std::f64::consts::TAU * step as f64 / 32.0;
                (x + ring * angle.cos(), y + ring * angle.sin())
            };
            for step in 0..32 {
                line(at(step), at(step + 1));
            }
        }
        if !vertices.is_empty() {
            let gl = &self.gl;
            let uniforms = &self.mark_uniforms;
            let pixels = view.pixels(pixel_ratio(canvas));
            gl.use_program(Some(&self.marks_program));
            gl.uniform3f(
                uniforms.view.as_ref(),
                pixels.scale as f32,
                pixels.dx as f32,
                pixels.dy as f32,
            );
            gl.uniform1f(uniforms.size.as_ref(), size as f32);
            gl.uniform4f(uniforms.color.as_ref(), fg[0], fg[1], fg[2], 1.0);
            gl.bind_vertex_array(Some(&self.marks));
            gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&self.mark_buffer));
            // SAFETY: as in new.
            let data = unsafe { js_sys::Float32Array::view(&vertices) };
            gl.buffer_data_with_array_buffer_view(Gl::ARRAY_BUFFER, &data, Gl::STREAM_DRAW);
            // GL lines are one pixel wide: as wide as the canvas's strokes (about a world unit
            // and a half) by drawing them side by side, a pixel apart across and down.
            for (x, y) in line_nudges(pixel_ratio(canvas)) {
                gl.uniform2f(uniforms.nudge.as_ref(), x, y);
                gl.draw_arrays(Gl::LINES, 0, vertices.len() as i32 / 2);
            }
            gl.bind_vertex_array(None);
        }
        self.mark_vertices = vertices;
    }

    /// The one full-canvas pass: it writes every pixel, so nothing is cleared or blended.
    fn composite(&self, size: usize, line_colors: &[f32; 16], density: bool) {
        let gl = &self.gl;
        let uniforms = &self.composite_uniforms;
        gl.viewport(0, 0, size as i32, size as i32);
        gl.disable(Gl::BLEND);
        gl.use_program(Some(&self.composite));
        for (unit, location, texture) in [
            (0, &uniforms.lines, &self.shown.lines),
            (1, &uniforms.nodes, &self.shown.nodes),
        ] {
            self.bind(unit, texture);
            gl.uniform1i(location.as_ref(), unit as i32);
        }
        gl.uniform4fv_with_f32_array(uniforms.line_colors.as_ref(), line_colors);
        gl.uniform1f(uniforms.density.as_ref(), if density { 1.0 } else { 0.0 });
        gl.uniform1f(uniforms.size.as_ref(), size as f32);
        gl.bind_vertex_array(Some(&self.quad));
        gl.draw_arrays(Gl::TRIANGLES, 0, 6);
        gl.bind_vertex_array(None);
        gl.enable(Gl::BLEND);
    }

    /// Draws `image` (RGBA, not premultiplied, the canvas's size) as it is: a run drawn as
    /// density ([`super::raster::density_image`]), made again only when the recording, the
    /// round or the view changes.
    pub(super) fn draw_image(
        &mut self,
        recording: &Recording,
        round: usize,
        view: View,
        size: usize,
        image: impl FnOnce() -> Vec<u8>,
    ) {
        let made = Made {
            recording,
            points: std::ptr::null(),
            nodes: 0,
            size,
            view: (view.scale.to_bits(), view.dx.to_bits(), view.dy.to_bits()),
            round,
        };
        if self.shown.made != Some(made) {
            self.lines = image();
            self.upload(false, size, false);
            self.layout = None;
            self.view = None;
            self.ready.made = None;
            self.shown.made = Some(made);
        }
        self.composite(size, &[0.0; 16], true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn mark_lines_widen_with_the_pixel_ratio_around_their_place() {
        assert_eq!(line_nudges(1.0), vec![(0.0, 0.0)], "one line at 480 pixels");
        assert_eq!(
            line_nudges(2.0),
            vec![
                (-1.0, 0.0),
                (0.0, -1.0),
                (0.0, 0.0),
                (0.0, 0.0),
                (1.0, 0.0),
                (0.0, 1.0)
            ],
            "three pixels wide at 960"
        );
        assert_eq!(line_nudges(4096.0 / 480.0).len(), 2 * 12);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn theme_colours_parse_from_hex_and_nothing_else() {
        assert_eq!(parse_hex_color("#ff0080"), Some([1.0, 0.0, 128.0 / 255.0]));
        assert_eq!(parse_hex_color(" #fff "), Some([1.0, 1.0, 1.0]));
        assert_eq!(parse_hex_color("rgb(1, 2, 3)"), None);
        assert_eq!(parse_hex_color("#12345"), None);
        assert_eq!(parse_hex_color("#gg0000"), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn messages_go_to_their_outcome_channel_and_lost_ones_are_dashed() {
        let size = 16;
        let mut rgba = vec![0u8; size * size * 4];
        let centres = [
            (0.5, 1.5),
            (15.5, 1.5),
            (0.5, 8.5),
            (15.5, 8.5),
            (0.5, 14.5),
        ];
        let messages = [
            (0, 1, message_outcome::INFORMED),
            (2, 3, message_outcome::LOST),
            (4, 9, message_outcome::KNEW),
        ];
        stroke_messages(&mut rgba, size, &messages, &centres, 1.0, 1.0);
        let row = |y: usize, channel: usize| -> Vec<bool> {
            (0..size)
                .map(|x| rgba[(y * size + x) * 4 + channel] > 0)
                .collect()
        };
        assert_eq!(row(1, 3), vec![true; size], "informed: solid, channel 3");
        assert_eq!(row(1, 1), vec![false; size]);
        let dashes: Vec<bool> = (0..size).map(|x| x % 7 < 4).collect();
        assert_eq!(row(8, 2), dashes, "lost: dashed, channel 2");
        assert_eq!(
            row(14, 1),
            vec![false; size],
            "to a node not drawn: left out"
        );
    }
}
