//! Messages in flight: the playback of a run's message trace ([`gossip_sim::trace`]) in
//! continuous simulated time, for the event engine's clusters and the system models. Each
//! message is a dot moving from its sender to its receiver over its latency, coloured by kind
//! (a legend names them); a lost one fades out half-way, one cut by a partition fades out at
//! its sender, one reaching a stopped node turns hollow as it arrives. Speeds run from 1/20 of
//! real time to 100x; the clock pauses, scrubs, and steps to the next message sent. Clicking a
//! dot shows what the message carried, when it left and when it arrived.
//!
//! Nodes sit on a circle as on the graph of a complete topology, coloured (for clusters) by how
//! the live nodes see them at the time shown. Labels are in the page's language. The picture is
//! drawn with WebGL2 (one draw call of points a frame, [`crate::graph::points_gl`]), with Canvas
//! 2D where the browser has no WebGL2; both draw the same marks ([`scene`]).

use std::cell::RefCell;
use std::rc::Rc;

use gloo_render::{AnimationFrame, request_animation_frame};
use gossip_sim::topology::TopologyKind;
use gossip_sim::trace::{Fate, MessageTrace, TracedMessage};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::graph::layout;
use crate::graph::points_gl::{GlPoints, Mark};
use crate::i18n::{Lang, current, join, t, tf, use_lang, vocabulary, with_unit};
use crate::node_inspector::{InspectContext, NodeInspector, node_at};

const SIZE: f64 = 480.0;
const MARGIN: f64 = 16.0;
const DOT_RADIUS: f64 = 4.0;
/// Messages in flight listed under the canvas (the rest are counted).
const MAX_LISTED_IN_FLIGHT: usize = 8;

/// Playback speeds: simulated ms per real ms, with their labels.
pub const SPEEDS: [(f64, &str); 9] = [
    (0.05, "1/20×"),
    (0.1, "1/10×"),
    (0.25, "1/4×"),
    (0.5, "1/2×"),
    (1.0, "1×"),
    (2.0, "2×"),
    (5.0, "5×"),
    (10.0, "10×"),
    (100.0, "100×"),
];

/// Colours of the kinds, in order of their first appearance in the trace.
const KIND_COLORS: [&str; 10] = [
    "#2563eb", "#16a34a", "#ea580c", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777",
    "#4b5563", "#65a30d",
];

/// The colour of kind `kind`.
pub fn kind_color(kind: u16) -> &'static str {
    KIND_COLORS[kind as usize % KIND_COLORS.len()]
}

/// How long a message that never arrived is drawn for, in ms: the median latency of those
/// that did (at least 1 ms; 10 ms when none did).
pub fn nominal_latency(trace: &MessageTrace) -> f64 {
    let mut latencies: Vec<u64> = trace
        .messages
        .iter()
        .filter_map(|m| m.ended_at.map(|end| end - m.sent_at))
        .collect();
    if latencies.is_empty() {
        return 10.0;
    }
    let middle = latencies.len() / 2;
    let (_, median, _) = latencies.select_nth_unstable(middle);
    (*median as f64).max(1.0)
}

/// Where a message is drawn at time `t` (ms), if it is: the fraction of the way from sender to
/// receiver, and its opacity. A lost message fades out on its way to the middle; a cut one at
/// its sender.
pub fn flight(message: &TracedMessage, t: f64, nominal: f64) -> Option<(f64, f64)> {
    let sent = message.sent_at as f64;
    if t < sent {
        return None;
    }
    match message.ended_at {
        Some(end) => {
            let end = end as f64;
            if t > end || (t == end && end > sent) {
                return None;
            }
            let span = (end - sent).max(1e-9);
            Some((((t - sent) / span).min(1.0), 1.0))
        }
        None => {
            let progress = (t - sent) / nominal;
            if progress >= 1.0 {
                return None;
            }
            let reach = match message.fate {
                Fate::Partitioned | Fate::NoSuchReceiver => 0.1,
                _ => 0.5,
            };
            Some((progress * reach, 1.0 - progress))
        }
    }
}

/// The time at which the first message after `t` leaves (of kind `kind`, if given), if any.
pub fn next_send_after(trace: &MessageTrace, t: f64, kind: Option<u16>) -> Option<f64> {
    // Messages are in sending order.
    let index = trace.messages.partition_point(|m| m.sent_at as f64 <= t);
    trace.messages[index..]
        .iter()
        .find(|m| kind.is_none_or(|kind| m.kind == kind))
        .map(|m| m.sent_at as f64)
}

/// `ms` as seconds with milliseconds: "5.210 s".
pub fn seconds(ms: f64) -> String {
    with_unit(format!("{:.3}", ms / 1_000.0), "seconds")
}

thread_local! {
    /// The Chinese words of the summaries' phrases (the catalogue's `summary.*` messages),
    /// gathered once.
    static CHINESE_SUMMARY_WORDS: Vec<(&'static str, &'static str)> =
        vocabulary("summary.", Lang::ZhCn);
}

/// A message's summary or kind, as gossip-core or a system model wrote it (English: traces and
/// recordings keep it so), in the page's language: phrase by phrase from the catalogue's
/// `summary.*` messages with [`gossip_core::reword`], the values (numbers, ids, keys,
/// versions) as they are, and the punctuation between them full-width, as Chinese is set. In
/// English, the text as written.
pub fn said(text: &str) -> String {
    match current() {
        Lang::En => text.to_string(),
        Lang::ZhCn => CHINESE_SUMMARY_WORDS.with(|words| {
            let mut out = String::with_capacity(text.len() * 2);
            gossip_core::reword(text, words, &mut out);
            full_width_punctuation(&out)
        }),
    }
}

/// The summaries' ASCII punctuation (", ", ": ", brackets) as the full-width marks set between
/// Chinese words; the full-width marks carry their own space.
fn full_width_punctuation(text: &str) -> String {
    text.replace(", ", "，")
        .replace(": ", "：")
        .replace(" (", "（")
        .replace('(', "（")
        .replace(')', "）")
}

/// A message in the in-flight list: sender, receiver and what it carried.
fn in_flight_line(
    from: impl std::fmt::Display,
    to: impl std::fmt::Display,
    summary: &str,
) -> String {
    let colon = match current() {
        Lang::En => ": ",
        Lang::ZhCn => "：",
    };
    format!("{from} → {to}{colon}{}", said(summary))
}

/// What a message carried and when it travelled, for the panel shown when it is clicked.
pub fn describe_message(trace: &MessageTrace, message: &TracedMessage) -> Vec<String> {
    let latency = |end: u64| end - message.sent_at;
    let fate = match (message.fate, message.ended_at) {
        (Fate::Arrived, Some(end)) => tf(
            "playback.arrived",
            &[("at", &seconds(end as f64)), ("ms", &latency(end))],
        ),
        (Fate::ReceiverDown, Some(end)) => {
            tf("playback.receiver_down", &[("at", &seconds(end as f64))])
        }
        (Fate::Lost, _) => t("playback.lost").to_string(),
        (Fate::Partitioned, _) => t("playback.partitioned").to_string(),
        (Fate::NoSuchReceiver, _) => t("playback.no_receiver").to_string(),
        _ => t("playback.on_its_way").to_string(),
    };
    vec![
        tf(
            "playback.route",
            &[
                ("kind", &said(trace.kind_of(message))),
                ("from", &message.from),
                ("to", &message.to),
            ],
        ),
        tf("playback.carried", &[("summary", &said(&message.summary))]),
        tf(
            "playback.sent",
            &[
                ("at", &seconds(message.sent_at as f64)),
                ("bytes", &message.bytes),
            ],
        ),
        fate,
    ]
}

#[derive(Properties, PartialEq)]
pub struct MessagePlaybackProps {
    pub trace: Rc<MessageTrace>,
    /// Nodes to draw (ids `0..nodes`); messages to others are not drawn.
    pub nodes: usize,
    /// How long the run went, in ms.
    pub duration: u64,
    /// For clusters: the times of the state frames (ms) and each node's state at each, coded as
    /// on the graph (0 alive, 1 suspected, 2 dead, 3 down). Empty: nodes drawn in one colour.
    #[prop_or_default]
    pub times: Rc<Vec<u64>>,
    #[prop_or_default]
    pub frames: Rc<Vec<Vec<u8>>>,
}

/// The playback clock: simulated time, whether it runs and how fast.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Clock {
    t: f64,
    playing: bool,
    speed: f64,
    /// The real time of the last frame, in ms.
    last_frame: Option<f64>,
}

const NODE_COLORS: [&str; 4] = ["#1f8a4c", "#e4572e", "#c0392b", "#8a8a99"];

fn positions(nodes: usize) -> Vec<(f64, f64)> {
    layout(nodes, TopologyKind::Complete)
        .into_iter()
        .map(|(x, y)| {
            (
                MARGIN + x * (SIZE - 2.0 * MARGIN),
                MARGIN + y * (SIZE - 2.0 * MARGIN),
            )
        })
        .collect()
}

/// What runs on each animation frame, with the frame's real time in ms.
type FrameCallback = Rc<dyn Fn(f64)>;

/// The dots on the canvas at time `t`: (index in the trace, x, y, opacity).
fn dots(
    trace: &MessageTrace,
    points: &[(f64, f64)],
    t: f64,
    nominal: f64,
    longest: f64,
) -> Vec<(usize, f64, f64, f64)> {
    // Messages are in sending order: only those sent in the last `longest` ms can be flying.
    let end = trace.messages.partition_point(|m| m.sent_at as f64 <= t);
    let start = trace
        .messages
        .partition_point(|m| (m.sent_at as f64) < t - longest);
    (start..end)
        .filter_map(|index| {
            let message = &trace.messages[index];
            let (&(ax, ay), &(bx, by)) = (
                points.get(message.from as usize)?,
                points.get(message.to as usize)?,
            );
            let (along, alpha) = flight(message, t, nominal)?;
            Some((index, ax + (bx - ax) * along, ay + (by - ay) * along, alpha))
        })
        .collect()
}

/// The picture at time `t`, mark by mark in drawing order: the nodes (coloured by their state
/// in the last frame at or before `t`, half transparent before the first), each message in
/// flight (filled, or hollow when its receiver is down), and a ring around the selected one.
fn scene(
    props: &MessagePlaybackProps,
    points: &[(f64, f64)],
    t: f64,
    (nominal, longest): (f64, f64),
    selected: Option<usize>,
    mut put: impl FnMut(&Mark),
) {
    let frame = props
        .times
        .partition_point(|&at| at as f64 <= t)
        .checked_sub(1)
        .and_then(|index| props.frames.get(index));
    let radius = (160.0 / (points.len() as f64).sqrt()).clamp(2.0, 8.0);
    let node_alpha = if frame.is_some() || props.frames.is_empty() {
        1.0
    } else {
        0.5
    };
    for (node, &centre) in points.iter().enumerate() {
        let state = frame.and_then(|f| f.get(node)).copied().unwrap_or(0);
        put(&Mark {
            centre,
            radius,
            ring: None,
            color: NODE_COLORS[usize::from(state).min(3)],
            alpha: node_alpha,
        });
    }
    for (index, x, y, alpha) in dots(&props.trace, points, t, nominal, longest) {
        let message = &props.trace.messages[index];
        put(&Mark {
            centre: (x, y),
            radius: DOT_RADIUS,
            ring: (message.fate == Fate::ReceiverDown).then_some(2.0),
            color: kind_color(message.kind),
            alpha,
        });
        if selected == Some(index) {
            put(&Mark {
                centre: (x, y),
                radius: DOT_RADIUS + 4.0,
                ring: Some(2.0),
                color: "#111111",
                alpha: 1.0,
            });
        }
    }
}

/// What the playback is drawn with: WebGL2 where the browser has it, Canvas 2D otherwise (a
/// canvas keeps the kind of context it first gave, so the choice is made once per canvas and
/// said in its `data-renderer`).
enum Surface {
    Gl(Box<GlPoints>),
    Canvas,
}

impl Surface {
    fn choose(canvas: &HtmlCanvasElement) -> Surface {
        let (surface, name) = match GlPoints::new(canvas) {
            Some(renderer) => (Surface::Gl(Box::new(renderer)), "webgl2"),
            None => (Surface::Canvas, "canvas2d"),
        };
        let _ = canvas.set_attribute("data-renderer", name);
        surface
    }
}

fn draw(
    canvas: &HtmlCanvasElement,
    surface: &mut Surface,
    props: &MessagePlaybackProps,
    points: &[(f64, f64)],
    t: f64,
    timing: (f64, f64),
    selected: Option<usize>,
) -> Option<()> {
    match surface {
        Surface::Gl(renderer) => {
            renderer.clear();
            scene(props, points, t, timing, selected, |mark| {
                renderer.push(mark)
            });
            renderer.draw(canvas.width());
        }
        Surface::Canvas => {
            let context: CanvasRenderingContext2d =
                canvas.get_context("2d").ok()??.dyn_into().ok()?;
            context.clear_rect(0.0, 0.0, SIZE, SIZE);
            scene(props, points, t, timing, selected, |mark| {
                context.set_global_alpha(mark.alpha);
                context.begin_path();
                let (x, y) = mark.centre;
                let _ = context.arc(x, y, mark.radius, 0.0, std::f64::consts::TAU);
                match mark.ring {
                    Some(width) => {
                        context.set_stroke_style_str(mark.color);
                        context.set_line_width(width);
                        context.stroke();
                    }
                    None => {
                        context.set_fill_style_str(mark.color);
                        context.fill();
                    }
                }
            });
            context.set_global_alpha(1.0);
        }
    }
    Some(())
}

#[component]
pub fn MessagePlayback(props: &MessagePlaybackProps) -> Html {
    let _lang = use_lang();
    let canvas = use_node_ref();
    let clock = use_mut_ref(|| Clock {
        t: 0.0,
        playing: false,
        speed: 1.0,
        last_frame: None,
    });
    let selected = use_state(|| None::<usize>);
    // A node clicked, and when (ms): the node inspector shows it as it was then.
    let inspected = use_state(|| None::<(u32, u64)>);
    let can_inspect = use_context::<Option<InspectContext>>().flatten().is_some();
    // The kind "Next message" looks for (None: any).
    let step_kind = use_mut_ref(|| None::<u16>);
    let redraw = use_force_update();
    let surface = use_mut_ref(|| None::<Surface>);
    let frame_handle = use_mut_ref(|| None::<AnimationFrame>);
    let points = use_memo(props.nodes, |&nodes| positions(nodes));
    let timing = use_memo(props.trace.clone(), |trace| {
        let nominal = nominal_latency(trace);
        let longest = trace
            .messages
            .iter()
            .filter_map(|m| m.ended_at.map(|end| (end - m.sent_at) as f64))
            .fold(nominal, f64::max);
        (nominal, longest)
    });
    let duration = props.duration as f64;
    let now = clock.borrow().t;

    // Paint after every render: the clock, the selection or the trace may have moved.
    {
        let canvas = canvas.clone();
        let points = points.clone();
        let selected = *selected;
        let timing = *timing;
        let trace = props.trace.clone();
        let times = props.times.clone();
        let frames = props.frames.clone();
        let (nodes, run) = (props.nodes, props.duration);
        let surface = surface.clone();
        use_effect(move || {
            if let Some(element) = canvas.cast::<HtmlCanvasElement>() {
                let props = MessagePlaybackProps {
                    trace,
                    nodes,
                    duration: run,
                    times,
                    frames,
                };
                let mut surface = surface.borrow_mut();
                let surface = surface.get_or_insert_with(|| Surface::choose(&element));
                draw(&element, surface, &props, &points, now, timing, selected);
            }
        });
    }

    // The animation loop: while playing, each frame moves the clock and renders again.
    let tick: Rc<RefCell<Option<FrameCallback>>> = use_mut_ref(|| None);
    {
        let clock = clock.clone();
        let redraw = redraw.clone();
        let frame_handle = frame_handle.clone();
        let weak = Rc::downgrade(&tick);
        *tick.borrow_mut() = Some(Rc::new(move |real: f64| {
            {
                let mut c = clock.borrow_mut();
                if !c.playing {
                    c.last_frame = None;
                    return;
                }
                if let Some(last) = c.last_frame {
                    c.t = (c.t + (real - last) * c.speed).min(duration);
                }
                c.last_frame = Some(real);
                if c.t >= duration {
                    c.playing = false;
                    c.last_frame = None;
                }
            }
            redraw.force_update();
            if clock.borrow().playing
                && let Some(tick) = weak.upgrade()
            {
                let next = tick.borrow().clone();
                if let Some(next) = next {
                    *frame_handle.borrow_mut() =
                        Some(request_animation_frame(move |real| next(real)));
                }
            }
        }));
    }
    let start_loop = {
        let tick = tick.clone();
        let frame_handle = frame_handle.clone();
        move || {
            let next = tick.borrow().clone();
            if let Some(next) = next {
                *frame_handle.borrow_mut() = Some(request_animation_frame(move |real| next(real)));
            }
        }
    };
    {
        // Stop the loop when the view goes away.
        let frame_handle = frame_handle.clone();
        use_effect_with((), move |_| move || drop(frame_handle.borrow_mut().take()));
    }

    let play = {
        let clock = clock.clone();
        let redraw = redraw.clone();
        let start_loop = start_loop.clone();
        Callback::from(move |_| {
            let playing = {
                let mut c = clock.borrow_mut();
                if !c.playing && c.t >= duration {
                    c.t = 0.0;
                }
                c.playing = !c.playing;
                c.last_frame = None;
                c.playing
            };
            if playing {
                start_loop();
            }
            redraw.force_update();
        })
    };
    let on_speed = {
        let clock = clock.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>()
                && let Ok(speed) = select.value().parse::<f64>()
            {
                clock.borrow_mut().speed = speed;
            }
        })
    };
    let on_scrub = {
        let clock = clock.clone();
        let redraw = redraw.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>()
                && let Ok(t) = input.value().parse::<f64>()
            {
                let mut c = clock.borrow_mut();
                c.t = t.clamp(0.0, duration);
                c.playing = false;
                drop(c);
                redraw.force_update();
            }
        })
    };
    let on_step_kind = {
        let step_kind = step_kind.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
                *step_kind.borrow_mut() = select.value().parse::<u16>().ok();
            }
        })
    };
    let next_message = {
        let clock = clock.clone();
        let redraw = redraw.clone();
        let trace = props.trace.clone();
        let step_kind = step_kind.clone();
        Callback::from(move |_| {
            let mut c = clock.borrow_mut();
            c.playing = false;
            if let Some(at) = next_send_after(&trace, c.t, *step_kind.borrow()) {
                // Just after it leaves, so that its dot is on the canvas.
                c.t = at + 0.5;
            }
            drop(c);
            redraw.force_update();
        })
    };
    let onclick = {
        let points = points.clone();
        let trace = props.trace.clone();
        let selected = selected.clone();
        let inspected = inspected.clone();
        let clock = clock.clone();
        let timing = *timing;
        Callback::from(move |event: MouseEvent| {
            let Some(canvas) = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlCanvasElement>().ok())
            else {
                return;
            };
            let scale = SIZE / f64::from(canvas.client_width().max(1));
            let (x, y) = (
                f64::from(event.offset_x()) * scale,
                f64::from(event.offset_y()) * scale,
            );
            let t = clock.borrow().t;
            let hit = dots(&trace, &points, t, timing.0, timing.1)
                .into_iter()
                .map(|(index, dx, dy, _)| (index, (dx - x).powi(2) + (dy - y).powi(2)))
                .filter(|&(_, d)| d <= (DOT_RADIUS + 6.0).powi(2))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(index, _)| index);
            if hit.is_none()
                && can_inspect
                && let Some(node) = node_at(&points, (x, y), 10.0)
            {
                inspected.set(Some((node, t as u64)));
            }
            selected.set(hit);
        })
    };

    let c = *clock.borrow();
    let trace = &props.trace;
    let flying = dots(trace, &points, c.t, timing.0, timing.1);
    let in_flight = flying.len();
    // Per kind, for the canvas's label: "3 ping, 2 ping-req".
    let mut by_kind = vec![0usize; trace.kinds.len()];
    for &(index, ..) in &flying {
        if let Some(count) = by_kind.get_mut(trace.messages[index].kind as usize) {
            *count += 1;
        }
    }
    let kinds_text: Vec<String> = by_kind
        .iter()
        .zip(&trace.kinds)
        .filter(|(count, _)| **count > 0)
        .map(|(count, kind)| format!("{count} {}", said(kind)))
        .collect();
    // Where each dot is, in canvas pixels, for tools and tests that click one.
    let dots_attribute: Vec<String> = flying
        .iter()
        .take(MAX_LISTED_IN_FLIGHT * 4)
        .map(|&(index, x, y, _)| {
            format!(
                "{index}:{}:{x:.0}:{y:.0}",
                trace.kind_of(&trace.messages[index])
            )
        })
        .collect();
    let listed: Vec<Html> = flying
        .iter()
        .take(MAX_LISTED_IN_FLIGHT)
        .map(|&(index, ..)| {
            let m = &trace.messages[index];
            let selected = selected.clone();
            let onclick = Callback::from(move |_| selected.set(Some(index)));
            html! {
                <li><button class="linklike" {onclick}>{in_flight_line(m.from, m.to, &m.summary)}</button></li>
            }
        })
        .collect();
    let sample = trace.is_sampled().then(|| {
        tf(
            "playback.sampled",
            &[("every", &trace.sample_every), ("total", &trace.total)],
        )
    });
    let panel = selected.and_then(|index| trace.messages.get(index)).map(|m| {
        html! {
            <div id="message-panel" class="message-panel" aria-live="polite">
                { for describe_message(trace, m).into_iter().map(|line| html! { <p>{line}</p> }) }
            </div>
        }
    });
    html! {
        <div id="message-playback" class="graph-column">
            <h3>{t("playback.title")}</h3>
            <canvas id="playback" ref={canvas} width={SIZE.to_string()} height={SIZE.to_string()}
                role="img" aria-label={tf("playback.label", &[("count", &in_flight), ("at", &seconds(c.t)), ("kinds", &join(&kinds_text))])}
                data-dots={dots_attribute.join(";")} {onclick} />
            <div class="controls playback-controls">
                <button id="playback-play" onclick={play}>
                    { if c.playing { t("timeline.pause") } else { t("timeline.play") } }
                </button>
                <button id="playback-next" onclick={next_message}>{t("playback.next")}</button>
                <label>{t("playback.of_kind")}{" "}
                    <select id="playback-next-kind" onchange={on_step_kind}>
                        <option value="any" selected={step_kind.borrow().is_none()}>{t("playback.any")}</option>
                        { for trace.kinds.iter().enumerate().map(|(kind, name)| html! {
                            <option value={kind.to_string()} selected={*step_kind.borrow() == Some(kind as u16)}>{said(name)}</option>
                        }) }
                    </select>
                </label>
                <label>{t("timeline.speed")}{" "}
                    <select id="playback-speed" onchange={on_speed}>
                        { for SPEEDS.iter().map(|&(speed, label)| html! {
                            <option value={speed.to_string()} selected={speed == c.speed}>{label}</option>
                        }) }
                    </select>
                </label>
                <input id="playback-scrub" type="range" min="0" max={props.duration.to_string()} step="1"
                    value={format!("{:.0}", c.t)} oninput={on_scrub} aria-label={t("playback.time")} />
                <span id="playback-time">{format!("t = {} / {}", seconds(c.t), seconds(duration))}</span>
            </div>
            <p id="playback-count" class="note">
                {tf("playback.count", &[("count", &in_flight), ("traced", &trace.messages.len())])}
            </p>
            if !listed.is_empty() {
                <p class="note">{t("playback.list")}</p>
                <ol id="in-flight" class="note">{ for listed }</ol>
            }
            if let Some(text) = sample {
                <p id="playback-sampled" class="note">{text}</p>
            }
            <p id="playback-legend" class="legend note">
                { for trace.kinds.iter().enumerate().map(|(kind, name)| html! {
                    <span class="key playback-kind" style={format!("color: {}", kind_color(kind as u16))}>
                        <span style="color: var(--fg)">{said(name)}</span>
                    </span>
                }) }
                <br />
                {t("playback.legend")}
            </p>
            { panel.unwrap_or_default() }
            if can_inspect {
                <span id="playback-node-points" hidden=true data-points={points.iter().map(|(x, y)| format!("{x:.0}:{y:.0}")).collect::<Vec<_>>().join(";")} />
            }
            if let Some((node, at)) = *inspected {
                <NodeInspector {node} {at} on_close={Callback::from(move |_| inspected.set(None))} />
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn message(sent_at: u64, ended_at: Option<u64>, fate: Fate) -> TracedMessage {
        TracedMessage {
            from: 0,
            to: 1,
            sent_at,
            ended_at,
            fate,
            kind: 0,
            bytes: 40,
            summary: "ping 1".into(),
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_message_moves_over_its_latency_and_a_lost_one_fades_half_way() {
        let arrived = message(100, Some(110), Fate::Arrived);
        assert_eq!(flight(&arrived, 99.0, 10.0), None);
        assert_eq!(flight(&arrived, 100.0, 10.0), Some((0.0, 1.0)));
        assert_eq!(flight(&arrived, 105.0, 10.0), Some((0.5, 1.0)));
        assert_eq!(flight(&arrived, 110.0, 10.0), None);
        let lost = message(100, None, Fate::Lost);
        assert_eq!(flight(&lost, 105.0, 10.0), Some((0.25, 0.5)));
        assert_eq!(flight(&lost, 110.0, 10.0), None);
        let cut = message(100, None, Fate::Partitioned);
        let (along, alpha) = flight(&cut, 105.0, 10.0).unwrap();
        assert!((along - 0.05).abs() < 1e-12 && alpha == 0.5);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn stepping_goes_to_the_next_message_sent_and_lost_ones_last_the_median_latency() {
        let trace = MessageTrace {
            kinds: vec!["ping".into(), "ack".into()],
            messages: vec![
                message(100, Some(110), Fate::Arrived),
                message(100, Some(130), Fate::Arrived),
                TracedMessage {
                    kind: 1,
                    ..message(250, None, Fate::Lost)
                },
                message(300, Some(301), Fate::Arrived),
            ],
            total: 4,
            sample_every: 1,
            cap: 10,
        };
        assert_eq!(next_send_after(&trace, 0.0, None), Some(100.0));
        assert_eq!(next_send_after(&trace, 100.0, None), Some(250.0));
        assert_eq!(next_send_after(&trace, 300.0, None), None);
        assert_eq!(next_send_after(&trace, 0.0, Some(1)), Some(250.0));
        assert_eq!(next_send_after(&trace, 0.0, Some(2)), None);
        assert_eq!(nominal_latency(&trace), 10.0);
        let lines = describe_message(&trace, &trace.messages[1]);
        assert_eq!(
            lines,
            [
                "ping from node 0 to node 1",
                "Carried: ping 1",
                "Sent at 0.100 s, 40 B",
                "Arrived at 0.130 s (30 ms on the way)"
            ]
        );
        crate::i18n::set_current(crate::i18n::Lang::ZhCn);
        let chinese = describe_message(&trace, &trace.messages[1]);
        crate::i18n::set_current(crate::i18n::Lang::En);
        assert_eq!(
            chinese,
            [
                "ping：从节点 0 到节点 1",
                "内容：ping 1",
                "于 0.100 秒 发出，40 字节",
                "于 0.130 秒 到达（途中 30 毫秒）"
            ]
        );
    }

    /// The phrases gossip-core and the system models write their summaries with.
    fn protocol_phrases() -> Vec<&'static str> {
        let mut phrases: Vec<&'static str> = gossip_core::MESSAGE_KINDS
            .iter()
            .chain(gossip_core::SUMMARY_PHRASES)
            .chain(gossip_sim::systems::SUMMARY_PHRASES.into_iter().flatten())
            .copied()
            .collect();
        phrases.sort_unstable();
        phrases.dedup();
        phrases
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_phrase_of_the_protocols_summaries_is_in_the_catalogue_and_said_in_chinese() {
        let mut english: Vec<&str> = vocabulary("summary.", Lang::En)
            .into_iter()
            .map(|(english, same)| {
                assert_eq!(english, same);
                english
            })
            .collect();
        english.sort_unstable();
        // Each phrase once, and none the protocols no longer write.
        assert_eq!(english, protocol_phrases());
        // In Chinese, the only Latin words left are the protocols' own names of their messages
        // and flags, as Chinese writing about them keeps them (SWIM's ping/ack, memberlist's
        // nack, Redis's MEET/pong/PFAIL/FAIL, Cassandra's syn/ack2, Bitcoin's inv/getdata/tx)
        // and gossip itself, as the rest of the page says it.
        let names = [
            "ping", "ack", "nack", "gossip", "MEET", "pong", "PFAIL", "FAIL", "syn", "inv",
            "getdata", "tx",
        ];
        for (english, chinese) in vocabulary("summary.", Lang::ZhCn) {
            let latin: Vec<&str> = chinese
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|word| word.len() >= 2 && !names.contains(word))
                .collect();
            assert_eq!(latin, Vec::<&str>::new(), "{english} = {chinese}");
            assert_eq!(
                english.contains("{n}"),
                chinese.contains("{n}"),
                "{english}"
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn summaries_and_kinds_are_said_in_chinese_and_left_as_written_in_english() {
        let suspect = |id| gossip_core::MemberUpdate {
            id,
            incarnation: 2,
            state: gossip_core::MemberState::Suspect,
            origin: None,
        };
        let ping_req = gossip_core::Message::Swim(gossip_core::SwimMessage::PingReq {
            seq: 41,
            target: 7,
            updates: (0..6).map(suspect).collect(),
        })
        .summary();
        let trace = MessageTrace {
            kinds: vec![ping_req.kind.into(), "FAIL".into()],
            messages: vec![
                TracedMessage {
                    summary: ping_req.text.clone(),
                    ..message(100, Some(110), Fate::Arrived)
                },
                TracedMessage {
                    kind: 1,
                    summary: "ping, gossip about 3 nodes: 12 PFAIL, 4 FAIL (from a replica of 2)"
                        .into(),
                    ..message(100, Some(110), Fate::Arrived)
                },
            ],
            total: 2,
            sample_every: 1,
            cap: 10,
        };
        let english = describe_message(&trace, &trace.messages[0]);
        assert_eq!(
            english[..2],
            [
                "ping-req from node 0 to node 1".to_string(),
                format!("Carried: {}", ping_req.text),
            ]
        );
        assert_eq!(said(&trace.messages[1].summary), trace.messages[1].summary);
        crate::i18n::set_current(Lang::ZhCn);
        let chinese = describe_message(&trace, &trace.messages[0]);
        let redis = said(&trace.messages[1].summary);
        let kinds: Vec<String> = [
            "send-digest",
            "indirect-ack",
            "tree-nodes",
            "ack2",
            "auth-ack",
        ]
        .map(said)
        .to_vec();
        crate::i18n::set_current(Lang::En);
        assert_eq!(
            chinese[..2],
            [
                "间接 ping 请求：从节点 0 到节点 1",
                "内容：间接 ping 请求 41：替我 ping 7，捎带：0 被怀疑 版本号 2，1 被怀疑 版本号 2，\
             2 被怀疑 版本号 2，3 被怀疑 版本号 2，另 2 项",
            ]
        );
        assert_eq!(
            redis,
            "ping，关于 3 个节点的 gossip：12 PFAIL，4 FAIL（来自 2 的副本）"
        );
        assert_eq!(kinds, ["索要摘要", "间接 ack", "树节点", "ack2", "投票"]);
    }
}
