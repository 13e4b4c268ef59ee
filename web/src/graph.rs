//! The network graph on a canvas: every node colored by its phase after the selected round, the
//! topology's links faint, and the messages of that round as edges from sender to receiver that
//! fade once the round is shown (those that informed someone bright, those to a node that knew
//! already grey, lost ones red and dashed); a faint trace stays while paused. Layouts follow the topology: a grid for grids, two circles for the data centers, a
//! circle otherwise.
//!
//! The view zooms (wheel, or the buttons) and pans (drag); pointing at a node tells its state,
//! and a click selects it, with a button to rerun the experiment with that node crashed from the
//! next round.
//!
//! Drawing lives in submodules: WebGL2 (`gl`, over the rasteriser `raster`), the Canvas 2D
//! fallback (`canvas`), runs drawn as density (`density`), and the points renderer the message
//! playback draws with (`points_gl`).

mod canvas;
mod density;
mod gl;
mod layout;
pub mod points_gl;
mod raster;

pub use layout::layout;
use layout::positions;

use std::cell::RefCell;
use std::rc::Rc;

use crate::i18n::{join, t, tf, use_lang};
use gloo_render::{AnimationFrame, request_animation_frame};
use gossip_sim::rounds::message_outcome;

use gossip_sim::recorded_run::Recording;
use gossip_sim::topology::TopologyKind;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// The drawing's world: the layout, the view and pointer positions are in these units, 480
/// square, whatever the canvas's size on screen. The backing store has [`backing_side`] pixels
/// a side, and each renderer maps world units to them with [`View::pixels`].
const SIZE: f64 = 480.0;
const MARGIN: f64 = 12.0;
/// The largest backing store side, in pixels: a 4K screen's graph at devicePixelRatio 2 and a
/// bit more, while each layer the WebGL2 renderer rasterises stays under 64 MiB.
const MAX_BACKING_PX: u32 = 4096;

/// The backing store's side for a canvas `css_px` CSS pixels wide on a screen of
/// `device_pixel_ratio`: one pixel per device pixel (sharp), at most [`MAX_BACKING_PX`]; the
/// world's 480 when the canvas has no size yet (not laid out).
pub fn backing_side(css_px: f64, device_pixel_ratio: f64) -> u32 {
    let device_px = css_px * device_pixel_ratio;
    if device_px.is_nan() || device_px < 1.0 {
        return SIZE as u32;
    }
    (device_px.round() as u32).min(MAX_BACKING_PX)
}
/// How long a round's messages take to fade to their trace, in ms.
const FADE_MS: f64 = 700.0;

/// How visible a round's messages are `elapsed` ms after the round is shown: from 1 down to 0
/// (their trace), easing out.
pub fn fade(elapsed: f64) -> f64 {
    let left = (1.0 - elapsed / FADE_MS).clamp(0.0, 1.0);
    left * left
}

#[derive(Properties, PartialEq)]
pub struct GraphProps {
    pub recording: Rc<Recording>,
    pub topology: TopologyKind,
    /// Which frame to draw (0: before the first round).
    pub round: usize,
    /// Rerun with this node crashed from this round on.
    #[prop_or_default]
    pub on_crash: Option<Callback<(u32, u32)>>,
    /// Rerun with the rumor starting at this node (the value written there).
    #[prop_or_default]
    pub on_origin: Option<Callback<u32>>,
    /// Told which node is selected (None: none), for views that act on it.
    #[prop_or_default]
    pub on_select: Option<Callback<Option<usize>>>,
    /// Nodes the scenario crashes, and from which round: drawn crossed out from then on.
    #[prop_or_default]
    pub crashed: Vec<(u32, u32)>,
    /// What the frames' state codes mean.
    #[prop_or_default]
    pub palette: Palette,
}

/// The meaning and colour of the state codes in a recording's frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Palette {
    /// A rumor: 0 susceptible, 1 infective, 2 removed.
    #[default]
    Rumor,
    /// SWIM as the live nodes see each node: 0 alive, 1 suspected, 2 held dead, 3 not running.
    Membership,
}

impl Palette {
    /// (CSS variable, fallback colour, key of the short name, key of the description) of each
    /// state code.
    fn states(self) -> &'static [(&'static str, &'static str, &'static str, &'static str)] {
        match self {
            Palette::Rumor => &[
                (
                    "--susceptible",
                    "#3b82f6",
                    "state.susceptible",
                    "state.susceptible.long",
                ),
                (
                    "--infective",
                    "#e4572e",
                    "state.infective",
                    "state.infective.long",
                ),
                (
                    "--removed",
                    "#8a8a99",
                    "state.removed",
                    "state.removed.long",
                ),
            ],
            Palette::Membership => &[
                ("--ok", "#1f8a4c", "state.alive", "state.alive.long"),
                (
                    "--infective",
                    "#e4572e",
                    "state.suspected",
                    "state.suspected.long",
                ),
                ("--bad", "#c0392b", "state.dead", "state.dead.long"),
                ("--removed", "#8a8a99", "state.down", "state.down.long"),
            ],
        }
    }
}

/// Zoom and pan: canvas = scale * layout + offset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub scale: f64,
    pub dx: f64,
    pub dy: f64,
}

impl Default for View {
    fn default() -> Self {
        View {
            scale: 1.0,
            dx: 0.0,
            dy: 0.0,
        }
    }
}

impl View {
    /// Zooms by `factor` keeping the canvas point `(x, y)` where it is.
    pub fn zoom_at(self, factor: f64, x: f64, y: f64) -> View {
        let scale = (self.scale * factor).clamp(0.5, 40.0);
        let applied = scale / self.scale;
        View {
            scale,
            dx: x - (x - self.dx) * applied,
            dy: y - (y - self.dy) * applied,
        }
    }

    /// From the unzoomed drawing's coordinates to the canvas's.
    pub fn project(self, (x, y): (f64, f64)) -> (f64, f64) {
        (x * self.scale + self.dx, y * self.scale + self.dy)
    }

    /// From canvas coordinates to the unzoomed drawing's.
    pub fn unproject(self, x: f64, y: f64) -> (f64, f64) {
        ((x - self.dx) / self.scale, (y - self.dy) / self.scale)
    }

    /// The same view onto a backing store `ratio` pixels per world unit: from the unzoomed
    /// drawing's coordinates to the backing store's pixels.
    pub fn pixels(self, ratio: f64) -> View {
        View {
            scale: self.scale * ratio,
            dx: self.dx * ratio,
            dy: self.dy * ratio,
        }
    }
}

/// Backing store pixels per world unit of `canvas` (1 when it is 480 pixels wide).
fn pixel_ratio(canvas: &HtmlCanvasElement) -> f64 {
    f64::from(canvas.width().max(1)) / SIZE
}

/// The most message lines drawn for one round: past a few thousand they only fill the disc,
/// and each costs its length in pixels on every frame of the fade.
const MAX_MESSAGE_LINES: usize = 3_000;

/// Draw every `message_stride`-th message of a round of `messages`.
fn message_stride(messages: usize) -> usize {
    messages.div_ceil(MAX_MESSAGE_LINES).max(1)
}

/// Node radius on screen below which nodes are drawn as squares.
const SQUARE_BELOW_PX: f64 = 2.5;

fn node_radius(nodes: usize) -> f64 {
    (160.0 / (nodes as f64).sqrt()).clamp(1.2, 7.0)
}

/// The node under the canvas point `(x, y)`, if one is within reach.
pub fn node_at(points: &[(f64, f64)], view: View, x: f64, y: f64) -> Option<usize> {
    let (px, py) = view.unproject(x, y);
    let reach = (node_radius(points.len()) + 4.0 / view.scale).powi(2);
    points
        .iter()
        .enumerate()
        .map(|(node, &(nx, ny))| (node, (nx - px).powi(2) + (ny - py).powi(2)))
        .filter(|&(_, distance)| distance <= reach)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(node, _)| node)
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

/// The two strokes of each crossed-out node (those in `crashed` from a round at or before
/// `round`), in the unzoomed drawing's coordinates: arms a little longer than `radius`.
fn crossed_out<'a>(
    positions: &'a [(f64, f64)],
    crashed: &'a [(u32, u32)],
    round: usize,
    radius: f64,
    view: View,
) -> impl Iterator<Item = ((f64, f64), (f64, f64))> + 'a {
    let arm = radius + 2.0 / view.scale;
    crashed
        .iter()
        .filter(move |&&(_, from)| from as usize <= round)
        .filter_map(|&(node, _)| positions.get(node as usize))
        .flat_map(move |&(x, y)| {
            [
                ((x - arm, y - arm), (x + arm, y + arm)),
                ((x + arm, y - arm), (x - arm, y + arm)),
            ]
        })
}

struct Marks<'a> {
    selected: Option<usize>,
    crashed: &'a [(u32, u32)],
    palette: Palette,
    /// How fresh the round's messages are: 1 just shown, 0 faded to a trace.
    freshness: f64,
}

/// What a node went through, as of `round`.
pub fn describe_node(recording: &Recording, palette: Palette, node: usize, round: usize) -> String {
    let frame = &recording.frames[round.min(recording.frames.len() - 1)];
    let states = palette.states();
    let phase = match frame.get(node) {
        Some(&code) => t(states[usize::from(code).min(states.len() - 1)].3),
        None => return tf("graph.node.not_drawn", &[("node", &node)]),
    };
    if palette == Palette::Membership {
        let store = match recording
            .stores
            .get(round)
            .and_then(|sizes| sizes.get(node))
        {
            Some(1) => Some(("graph.node.store.one", 1)),
            Some(&keys) => Some(("graph.node.store.many", keys)),
            None => None,
        };
        let text = tf(
            "graph.node.step",
            &[("node", &node), ("round", &round), ("phase", &phase)],
        );
        return match store {
            Some((key, keys)) => tf(key, &[("text", &text), ("keys", &keys)]),
            None => text,
        };
    }
    let text = tf(
        "graph.node.round",
        &[("node", &node), ("round", &round), ("phase", &phase)],
    );
    match recording.informed_by.get(node).copied().flatten() {
        Some((from, at)) if at as usize <= round => tf(
            "graph.node.learned",
            &[("text", &text), ("from", &from), ("at", &at)],
        ),
        _ if frame[node] != 0 => tf("graph.node.origin", &[("text", &text)]),
        _ => text,
    }
}

/// What the graph is drawn with: WebGL2 where the browser has it, Canvas 2D otherwise. A
/// canvas keeps the kind of context it first gave, so the choice is made once per canvas.
enum Surface {
    Gl(Box<gl::GlGraph>),
    Canvas,
}

impl Surface {
    fn choose(canvas: &HtmlCanvasElement) -> Surface {
        let surface = match gl::GlGraph::new(canvas) {
            Some(renderer) => Surface::Gl(Box::new(renderer)),
            None => Surface::Canvas,
        };
        // Said on the canvas, for tests and for anyone wondering why it is slow.
        let name = match surface {
            Surface::Gl(_) => "webgl2",
            Surface::Canvas => "canvas2d",
        };
        let _ = canvas.set_attribute("data-renderer", name);
        surface
    }
}

/// Paints a round at the next animation frame, and again at each frame while its messages
/// fade, then stops. The fade runs from that first paint, so a page slow to give a frame still
/// shows the round fresh once. Right after that first frame (a timeout, so not inside it), it
/// runs `ahead`: work for the next round, done while the frames only fade.
struct Fader {
    paint: Box<dyn Fn(f64)>,
    ahead: RefCell<Option<Box<dyn FnOnce()>>>,
    ahead_timer: RefCell<Option<gloo_timers::callback::Timeout>>,
    /// Whether the round is new (its fade plays) or only redrawn (drawn faded).
    fresh: bool,
    /// When the first paint was (Date.now() ms).
    started: std::cell::OnceCell<f64>,
    frame: RefCell<Option<AnimationFrame>>,
}

impl Fader {
    fn start(paint: Box<dyn Fn(f64)>, ahead: Box<dyn FnOnce()>, fresh: bool) -> Rc<Fader> {
        let fader = Rc::new(Fader {
            paint,
            ahead: RefCell::new(Some(ahead)),
            ahead_timer: RefCell::new(None),
            fresh,
            started: std::cell::OnceCell::new(),
            frame: RefCell::new(None),
        });
        // The first paint waits for the next frame too: painted at once (from the timer that
        // moved the round), a frame would be composited twice, and software GL pays for each.
        let first = fader.clone();
        *fader.frame.borrow_mut() = Some(request_animation_frame(move |_| first.step()));
        fader
    }

    fn step(self: &Rc<Self>) {
        let now = js_sys::Date::now();
        let started = *self
            .started
            .get_or_init(|| if self.fresh { now } else { now - FADE_MS });
        let elapsed = now - started;
        (self.paint)(fade(elapsed));
        if let Some(ahead) = self.ahead.borrow_mut().take() {
            *self.ahead_timer.borrow_mut() = Some(gloo_timers::callback::Timeout::new(0, ahead));
        }
        if elapsed < FADE_MS {
            let me = self.clone();
            *self.frame.borrow_mut() = Some(request_animation_frame(move |_| me.step()));
        }
    }

    /// Cancels the next repaint and the work ahead (and frees the fader, which the pending frame
    /// holds).
    fn stop(&self) {
        self.frame.borrow_mut().take();
        self.ahead_timer.borrow_mut().take();
        self.ahead.borrow_mut().take();
    }
}

/// The node after (or before) `selected` among `nodes`, wrapping; the first (or last) if none.
pub fn step_selection(selected: Option<usize>, nodes: usize, by: isize) -> Option<usize> {
    if nodes == 0 {
        return None;
    }
    Some(match selected {
        None if by >= 0 => 0,
        None => nodes - 1,
        Some(node) => (node as isize + by).rem_euclid(nodes as isize) as usize,
    })
}

/// Canvas coordinates of a pointer event (the canvas may be drawn smaller than its size).
fn canvas_point(event: &MouseEvent) -> Option<(f64, f64)> {
    let canvas: HtmlCanvasElement = event.target()?.dyn_into().ok()?;
    let scale = SIZE / f64::from(canvas.client_width().max(1));
    Some((
        f64::from(event.offset_x()) * scale,
        f64::from(event.offset_y()) * scale,
    ))
}

/// The backing store side `canvas` should have ([`backing_side`] of its size on screen), kept
/// up to date as the canvas is resized (a ResizeObserver: the window, the side panel) or moved
/// to a screen of another pixel ratio (the window's resize event).
#[hook]
fn use_backing_side(canvas: &NodeRef) -> u32 {
    let side = use_state_eq(|| SIZE as u32);
    {
        let canvas = canvas.clone();
        let side = side.clone();
        use_effect_with((), move |_| {
            let element = canvas.cast::<HtmlCanvasElement>();
            let measure = Closure::<dyn Fn()>::new(move || {
                let (Some(element), Some(window)) =
                    (canvas.cast::<HtmlCanvasElement>(), web_sys::window())
                else {
                    return;
                };
                side.set(backing_side(
                    f64::from(element.client_width()),
                    window.device_pixel_ratio(),
                ));
            });
            let function: &js_sys::Function = measure.as_ref().unchecked_ref();
            let observer = web_sys::ResizeObserver::new(function).ok();
            if let (Some(observer), Some(element)) = (&observer, &element) {
                observer.observe(element);
            }
            let window = web_sys::window();
            if let Some(window) = &window {
                let _ = window.add_event_listener_with_callback("resize", function);
            }
            move || {
                if let Some(observer) = observer {
                    observer.disconnect();
                }
                if let Some(window) = window {
                    let _ = window.remove_event_listener_with_callback(
                        "resize",
                        measure.as_ref().unchecked_ref(),
                    );
                }
                drop(measure);
            }
        });
    }
    *side
}

#[component]
pub fn GraphView(props: &GraphProps) -> Html {
    let _lang = use_lang();
    let canvas = use_node_ref();
    let view = use_state(View::default);
    let hovered = use_state(|| None::<usize>);
    let selected = use_state(|| None::<usize>);
    // Where a drag started (canvas point, view then) and whether it moved.
    let drag = use_mut_ref(|| None::<((f64, f64), View, bool)>);
    let nodes = props.recording.frames.first().map_or(0, Vec::len);
    let last_round = use_mut_ref(|| None::<usize>);
    let surface = use_mut_ref(|| None::<Surface>);
    let backing = use_backing_side(&canvas);
    let points = use_memo(
        (nodes, props.topology, props.recording.clone()),
        |(nodes, topology, recording)| positions(*nodes, *topology, &recording.links),
    );
    // A run drawn as density: where each bin of nodes lies (no node is pointed at or clicked).
    let segments = use_memo(
        (props.topology, props.recording.clone()),
        |(topology, recording)| {
            recording
                .density
                .as_ref()
                .map(|density| density::segments(density, *topology))
        },
    );
    let pointable: Rc<Vec<(f64, f64)>> = if segments.is_some() {
        Rc::new(Vec::new())
    } else {
        points.clone()
    };
    {
        let canvas = canvas.clone();
        let points = points.clone();
        let last_round = last_round.clone();
        let surface = surface.clone();
        let segments = segments.clone();
        use_effect_with(
            (
                props.recording.clone(),
                props.round,
                *view,
                *selected,
                props.crashed.clone(),
                props.palette,
                backing,
            ),
            move |(recording, round, view, selected, crashed, palette, _)| {
                let element = canvas.cast::<HtmlCanvasElement>();
                let (recording, round, view, selected, crashed, palette) = (
                    recording.clone(),
                    *round,
                    *view,
                    *selected,
                    crashed.clone(),
                    *palette,
                );
                // A playback shows the next round soon: WebGL2 makes its layers now, between
                // frames, rather than in the frame that shows it.
                let ahead = {
                    let (element, surface, recording, points) = (
                        element.clone(),
                        surface.clone(),
                        recording.clone(),
                        points.clone(),
                    );
                    move || {
                        let next = round + 1;
                        if recording.density.is_some() || next >= recording.frames.len() {
                            return;
                        }
                        if let (Some(element), Some(Surface::Gl(renderer))) =
                            (&element, surface.borrow_mut().as_mut())
                        {
                            // In the performance timeline as "graph-prepare", beside the draws.
                            let performance =
                                web_sys::window().and_then(|window| window.performance());
                            if let Some(performance) = &performance {
                                let _ = performance.mark("graph-prepare-start");
                            }
                            renderer.prepare(element, &recording, &points, next, view, palette);
                            if let Some(performance) = &performance {
                                let _ = performance.measure_with_start_mark(
                                    "graph-prepare",
                                    "graph-prepare-start",
                                );
                            }
                        }
                    }
                };
                let paint = move |freshness: f64| {
                    let Some(element) = &element else {
                        return;
                    };
                    // Each draw shows up in the browser's performance timeline as "graph-draw".
                    let performance = web_sys::window().and_then(|window| window.performance());
                    if let Some(performance) = &performance {
                        let _ = performance.mark("graph-draw-start");
                    }
                    let marks = Marks {
                        selected,
                        crashed: &crashed,
                        palette,
                        freshness,
                    };
                    let mut surface = surface.borrow_mut();
                    let surface = surface.get_or_insert_with(|| Surface::choose(element));
                    match (
                        surface,
                        recording.density.as_ref().zip((*segments).as_ref()),
                    ) {
                        (Surface::Gl(renderer), Some((whole, segments))) => {
                            let size = element.width() as usize;
                            renderer.draw_image(&recording, round, view, size, || {
                                density::image(element, whole, segments, round, view, palette)
                            });
                        }
                        (Surface::Canvas, Some((whole, segments))) => {
                            let image =
                                density::image(element, whole, segments, round, view, palette);
                            density::put(element, &image);
                        }
                        (Surface::Gl(renderer), None) => {
                            renderer.draw(element, &recording, &points, round, view, marks)
                        }
                        (Surface::Canvas, None) => {
                            canvas::draw(element, &recording, &points, round, view, marks);
                        }
                    }
                    if let Some(performance) = &performance {
                        let _ =
                            performance.measure_with_start_mark("graph-draw", "graph-draw-start");
                    }
                };
                // A new round fades in from fresh; other changes (zoom, selection) redraw it as
                // faded, without replaying the fade.
                let fresh_round = last_round.replace(Some(round)) != Some(round);
                let fader = Fader::start(Box::new(paint), Box::new(ahead), fresh_round);
                move || fader.stop()
            },
        );
    }
    let onwheel = {
        let view = view.clone();
        Callback::from(move |event: WheelEvent| {
            event.prevent_default();
            if let Some((x, y)) = canvas_point(&event) {
                let factor = if event.delta_y() < 0.0 { 1.25 } else { 0.8 };
                view.set(view.zoom_at(factor, x, y));
            }
        })
    };
    let onpointerdown = {
        let view = view.clone();
        let drag = drag.clone();
        Callback::from(move |event: PointerEvent| {
            if let Some(point) = canvas_point(&event) {
                *drag.borrow_mut() = Some((point, *view, false));
            }
        })
    };
    let onpointermove = {
        let view = view.clone();
        let drag = drag.clone();
        let hovered = hovered.clone();
        let points = pointable.clone();
        Callback::from(move |event: PointerEvent| {
            let Some((x, y)) = canvas_point(&event) else {
                return;
            };
            let mut drag = drag.borrow_mut();
            if let Some(((sx, sy), start, moved)) = drag.as_mut() {
                if (x - *sx).abs() + (y - *sy).abs() > 3.0 {
                    *moved = true;
                }
                if *moved {
                    view.set(View {
                        dx: start.dx + x - *sx,
                        dy: start.dy + y - *sy,
                        ..*start
                    });
                    return;
                }
            }
            hovered.set(node_at(&points, *view, x, y));
        })
    };
    let onpointerup = {
        let drag = drag.clone();
        let selected = selected.clone();
        let view = view.clone();
        let points = pointable.clone();
        let on_select = props.on_select.clone();
        Callback::from(move |event: PointerEvent| {
            let started = drag.borrow_mut().take();
            if let (Some((_, _, false)), Some((x, y))) = (started, canvas_point(&event)) {
                let node = node_at(&points, *view, x, y);
                selected.set(node);
                if let Some(on_select) = &on_select {
                    on_select.emit(node);
                }
            }
        })
    };
    let onpointerleave = {
        let drag = drag.clone();
        let hovered = hovered.clone();
        Callback::from(move |_: PointerEvent| {
            *drag.borrow_mut() = None;
            hovered.set(None);
        })
    };
    // The keyboard does what the pointer does: arrows step through the nodes, Escape drops the
    // selection, + and - zoom, 0 resets the view.
    let onkeydown = {
        let selected = selected.clone();
        let view = view.clone();
        let on_select = props.on_select.clone();
        Callback::from(move |event: KeyboardEvent| {
            let next = match event.key().as_str() {
                "ArrowRight" | "ArrowDown" => Some(step_selection(*selected, nodes, 1)),
                "ArrowLeft" | "ArrowUp" => Some(step_selection(*selected, nodes, -1)),
                "Escape" => Some(None),
                "+" | "=" => {
                    view.set(view.zoom_at(1.25, SIZE / 2.0, SIZE / 2.0));
                    None
                }
                "-" => {
                    view.set(view.zoom_at(0.8, SIZE / 2.0, SIZE / 2.0));
                    None
                }
                "0" => {
                    view.set(View::default());
                    None
                }
                _ => return,
            };
            event.prevent_default();
            if let Some(node) = next {
                selected.set(node);
                if let Some(on_select) = &on_select {
                    on_select.emit(node);
                }
            }
        })
    };
    let zoom = |factor: f64| {
        let view = view.clone();
        Callback::from(move |_| view.set(view.zoom_at(factor, SIZE / 2.0, SIZE / 2.0)))
    };
    let reset = {
        let view = view.clone();
        Callback::from(move |_| view.set(View::default()))
    };
    let frame = &props.recording.frames[props.round.min(props.recording.frames.len() - 1)];
    let count = |phase: u8| frame.iter().filter(|&&p| p == phase).count();
    let counts: Vec<String> = props
        .palette
        .states()
        .iter()
        .enumerate()
        .map(|(code, (_, _, name, _))| {
            tf(
                "graph.count",
                &[("count", &count(code as u8)), ("state", &t(name))],
            )
        })
        .collect();
    let label = tf(
        "graph.label",
        &[
            ("nodes", &frame.len()),
            ("round", &props.round),
            ("counts", &join(&counts)),
        ],
    );
    let info_node = (*hovered).or(*selected);
    let round_messages = props
        .recording
        .messages
        .get(props.round)
        .filter(|_| props.round > 0);
    let messages_text = round_messages.map(|messages| {
        let count = |outcome| messages.iter().filter(|m| m.2 == outcome).count();
        let key = if messages.len() == 1 {
            "graph.messages.one"
        } else {
            "graph.messages.many"
        };
        let mut sent = tf(key, &[("n", &messages.len())]);
        if props.recording.sampled_from.is_some() {
            sent = tf("graph.messages.between_drawn", &[("messages", &sent)]);
        }
        let stride = message_stride(messages.len());
        if stride != 1 {
            sent = tf(
                "graph.messages.stride",
                &[("messages", &sent), ("stride", &stride)],
            );
        }
        tf(
            "graph.round_messages",
            &[
                ("round", &props.round),
                ("messages", &sent),
                ("informed", &count(message_outcome::INFORMED)),
                ("knew", &count(message_outcome::KNEW)),
                ("lost", &count(message_outcome::LOST)),
            ],
        )
    });
    let crash = match (&props.on_crash, *selected) {
        (Some(on_crash), Some(node)) => {
            let on_crash = on_crash.clone();
            let from = props.round as u32 + 1;
            Some((
                tf("graph.crash", &[("node", &node), ("round", &from)]),
                Callback::from(move |_| on_crash.emit((node as u32, from))),
            ))
        }
        _ => None,
    };
    let origin = match (&props.on_origin, *selected) {
        (Some(on_origin), Some(node)) => {
            let on_origin = on_origin.clone();
            Some((
                tf("graph.origin", &[("node", &node)]),
                Callback::from(move |_| on_origin.emit(node as u32)),
            ))
        }
        _ => None,
    };
    html! {
        <>
            <canvas id="graph" ref={canvas} width={backing.to_string()} height={backing.to_string()} role="img" aria-label={label}
                tabindex="0" aria-keyshortcuts="ArrowLeft ArrowRight Escape + - 0"
                {onwheel} {onpointerdown} {onpointermove} {onpointerup} {onpointerleave} {onkeydown} />
            <div class="graph-tools">
                <button id="zoom-in" onclick={zoom(1.25)} aria-label={t("graph.zoom_in")}>{"+"}</button>
                <button id="zoom-out" onclick={zoom(0.8)} aria-label={t("graph.zoom_out")}>{"−"}</button>
                <button id="zoom-reset" onclick={reset}>{t("graph.reset")}</button>
                if let Some((text, onclick)) = crash {
                    <button id="crash-node" {onclick}>{text}</button>
                }
                if let Some((text, onclick)) = origin {
                    <button id="origin-node" {onclick}>{text}</button>
                }
            </div>
            if let Some(text) = messages_text {
                <p id="round-messages" class="legend note">
                    <span class="key msg-informed">{t("graph.msg.informed")}</span>{" "}
                    <span class="key msg-knew">{t("graph.msg.knew")}</span>{" "}
                    <span class="key msg-lost">{t("graph.msg.lost")}</span>
                    <br /><span id="round-messages-text">{text}</span>
                </p>
            }
            <p id="node-info" class="note" aria-live="polite">
                {info_node.map_or_else(
                    || t("graph.hint").to_string(),
                    |node| describe_node(&props.recording, props.palette, node, props.round))}
            </p>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_crowded_round_draws_an_even_sample_of_its_messages() {
        assert_eq!(message_stride(0), 1);
        assert_eq!(message_stride(MAX_MESSAGE_LINES), 1, "up to the limit, all");
        assert_eq!(message_stride(MAX_MESSAGE_LINES + 1), 2);
        for messages in [3_001, 9_999, 10_000, 20_000] {
            let drawn = (0..messages).step_by(message_stride(messages)).count();
            assert!(
                drawn <= MAX_MESSAGE_LINES && drawn > MAX_MESSAGE_LINES / 2,
                "{messages}: {drawn} drawn"
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_view_projects_and_unprojects_and_crashed_nodes_cross_out_from_their_round() {
        let view = View {
            scale: 2.0,
            dx: 10.0,
            dy: -4.0,
        };
        assert_eq!(view.project((3.0, 5.0)), (16.0, 6.0));
        assert_eq!(view.unproject(16.0, 6.0), (3.0, 5.0));
        let positions = [(0.0, 0.0), (10.0, 20.0), (30.0, 40.0)];
        // Node 1 from round 2, node 2 from round 5, node 9 (not drawn) from round 0.
        let crashed = [(1, 2), (2, 5), (9, 0)];
        assert_eq!(crossed_out(&positions, &crashed, 1, 3.0, view).count(), 0);
        // Arms of radius + 2 pixels at scale 2: 4 layout units.
        let strokes: Vec<_> = crossed_out(&positions, &crashed, 2, 3.0, view).collect();
        assert_eq!(
            strokes,
            [((6.0, 16.0), (14.0, 24.0)), ((14.0, 16.0), (6.0, 24.0))]
        );
        assert_eq!(crossed_out(&positions, &crashed, 5, 3.0, view).count(), 4);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_backing_store_follows_the_screen_up_to_its_cap_and_the_view_scales_to_it() {
        assert_eq!(backing_side(1000.0, 1.0), 1000, "4K at 100%");
        assert_eq!(backing_side(581.5, 2.0), 1163, "1080p at 200%");
        assert_eq!(backing_side(478.0, 1.25), 598);
        assert_eq!(backing_side(3000.0, 3.0), MAX_BACKING_PX, "capped");
        assert_eq!(
            backing_side(0.0, 2.0),
            480,
            "not laid out yet: the world's size"
        );
        assert_eq!(backing_side(f64::NAN, 1.0), 480);
        let view = View {
            scale: 2.0,
            dx: 10.0,
            dy: -4.0,
        };
        let pixels = view.pixels(2.5);
        assert_eq!(
            pixels,
            View {
                scale: 5.0,
                dx: 25.0,
                dy: -10.0
            }
        );
        // A world point lands where the view puts it, times the pixel ratio.
        let (x, y) = view.project((3.0, 5.0));
        assert_eq!(pixels.project((3.0, 5.0)), (x * 2.5, y * 2.5));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn arrow_keys_step_through_the_nodes_and_wrap() {
        assert_eq!(step_selection(None, 5, 1), Some(0));
        assert_eq!(step_selection(None, 5, -1), Some(4));
        assert_eq!(step_selection(Some(4), 5, 1), Some(0));
        assert_eq!(step_selection(Some(0), 5, -1), Some(4));
        assert_eq!(step_selection(Some(2), 5, 1), Some(3));
        assert_eq!(step_selection(Some(2), 0, 1), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn messages_fade_from_fresh_to_their_trace_and_stay_there() {
        assert_eq!(fade(0.0), 1.0);
        assert_eq!(fade(FADE_MS), 0.0);
        assert_eq!(fade(10.0 * FADE_MS), 0.0);
        let samples: Vec<f64> = (0..=10).map(|i| fade(i as f64 * FADE_MS / 10.0)).collect();
        assert!(samples.windows(2).all(|w| w[1] < w[0]), "{samples:?}");
    }

    #[wasm_bindgen_test(unsupported = test)]
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
        let view = View::default().zoom_at(2.0, 100.0, 100.0);
        assert_eq!(
            view.unproject(100.0, 100.0),
            (100.0, 100.0),
            "the zoom centre stays put"
        );
        let points = positions(12, TopologyKind::Grid { width: 4 }, &[]);
        let (x, y) = points[6];
        assert_eq!(node_at(&points, View::default(), x + 1.0, y), Some(6));
        assert_eq!(node_at(&points, View::default(), -50.0, -50.0), None);
        let (zx, zy) = view.project((x, y));
        assert_eq!(
            node_at(&points, view, zx, zy),
            Some(6),
            "hit testing follows the zoom"
        );
        // Forces: two triangles joined by one link end up as two clusters.
        let links = [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)];
        let points = layout::force_layout(6, &links);
        let distance = |a: usize, b: usize| {
            ((points[a].0 - points[b].0).powi(2) + (points[a].1 - points[b].1).powi(2)).sqrt()
        };
        assert!(distance(0, 1) < distance(0, 5), "{points:?}");
        assert!(points.iter().all(|p| (0.0..=1.0 + 1e-9).contains(&p.0)));
        let centers = layout(10, TopologyKind::DataCenters);
        assert!(
            centers[0].0 < 0.5 && centers[9].0 > 0.5,
            "two clusters side by side"
        );
    }
}
