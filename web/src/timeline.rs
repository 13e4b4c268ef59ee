//! The timeline under the graph: which round is shown, stepping, and playing the run back.

use std::rc::Rc;

use crate::i18n::{t, tf, use_lang};
use gloo_timers::callback::Interval;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Milliseconds between frames when playing.
/// Playback speeds offered, in rounds per second; the default is the second.
const SPEEDS: [u32; 4] = [1, 4, 15, 60];

/// The shown round, the last one, and whether it plays.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Timeline {
    pub round: usize,
    pub last: usize,
    pub playing: bool,
}

pub enum TimelineAction {
    /// A new run with `last` rounds: show its end.
    Load(usize),
    Show(usize),
    Step,
    /// One frame of playing: advance, and stop at the end.
    Tick,
    TogglePlay,
}

impl Reducible for Timeline {
    type Action = TimelineAction;

    fn reduce(self: Rc<Self>, action: TimelineAction) -> Rc<Self> {
        let mut next = *self;
        match action {
            TimelineAction::Load(last) => {
                next = Timeline {
                    round: last,
                    last,
                    playing: false,
                }
            }
            TimelineAction::Show(round) => {
                next.round = round.min(next.last);
                next.playing = false;
            }
            TimelineAction::Step => {
                next.round = (next.round + 1).min(next.last);
                next.playing = false;
            }
            TimelineAction::Tick => {
                next.round = (next.round + 1).min(next.last);
                next.playing = next.round < next.last;
            }
            TimelineAction::TogglePlay => {
                if !next.playing && next.round == next.last {
                    next.round = 0; // play again from the start
                }
                next.playing = !next.playing && next.last > 0;
            }
        }
        Rc::new(next)
    }
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub timeline: UseReducerHandle<Timeline>,
    /// Whether a frame is a step of an event run rather than a round.
    #[prop_or_default]
    pub steps: bool,
}

#[component]
pub fn TimelineControls(props: &TimelineProps) -> Html {
    let _lang = use_lang();
    let (unit, position) = if props.steps {
        (t("timeline.step"), "timeline.step.position")
    } else {
        (t("timeline.round"), "timeline.round.position")
    };
    let timeline = props.timeline.clone();
    let speed = use_state(|| SPEEDS[1]);
    {
        let timeline = timeline.clone();
        use_effect_with((timeline.playing, *speed), move |&(playing, speed)| {
            let interval = playing.then(|| {
                Interval::new(1_000 / speed.max(1), move || {
                    timeline.dispatch(TimelineAction::Tick)
                })
            });
            move || drop(interval)
        });
    }
    let choose_speed = {
        let speed = speed.clone();
        Callback::from(move |event: Event| {
            let value = event
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            if let Ok(rounds) = value.parse() {
                speed.set(rounds);
            }
        })
    };
    let toggle = {
        let timeline = timeline.clone();
        Callback::from(move |_| timeline.dispatch(TimelineAction::TogglePlay))
    };
    let step = {
        let timeline = timeline.clone();
        Callback::from(move |_| timeline.dispatch(TimelineAction::Step))
    };
    let scrub = {
        let timeline = timeline.clone();
        Callback::from(move |event: InputEvent| {
            if let Ok(round) = event
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
            {
                timeline.dispatch(TimelineAction::Show(round));
            }
        })
    };
    html! {
        <div class="timeline">
            <button id="play" onclick={toggle}>{ if timeline.playing { t("timeline.pause") } else { t("timeline.play") } }</button>
            <button id="step" onclick={step} disabled={timeline.round >= timeline.last}>{t("timeline.step_button")}</button>
            <input id="round" type="range" min="0" max={timeline.last.to_string()} value={timeline.round.to_string()}
                aria-label={unit} oninput={scrub} />
            <span id="round-label">{tf(position, &[("at", &timeline.round), ("last", &timeline.last)])}</span>
            <label class="speed">{t("timeline.speed")}
                <select id="speed" onchange={choose_speed}>
                    { for SPEEDS.iter().map(|&rounds| html! {
                        <option value={rounds.to_string()} selected={*speed == rounds}>{tf("timeline.rate", &[("rate", &rounds)])}</option>
                    }) }
                </select>
            </label>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn apply(state: Timeline, action: TimelineAction) -> Timeline {
        *Rc::new(state).reduce(action)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn playing_runs_to_the_end_and_stops() {
        let mut state = apply(Timeline::default(), TimelineAction::Load(3));
        assert_eq!((state.round, state.playing), (3, false));
        state = apply(state, TimelineAction::TogglePlay);
        assert_eq!(
            (state.round, state.playing),
            (0, true),
            "playing from the end starts over"
        );
        for expected in 1..=3 {
            state = apply(state, TimelineAction::Tick);
            assert_eq!(state.round, expected);
        }
        assert!(!state.playing);
        state = apply(state, TimelineAction::Tick);
        assert_eq!(state.round, 3);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn scrubbing_and_stepping_pause_and_stay_in_range() {
        let mut state = apply(Timeline::default(), TimelineAction::Load(5));
        state = apply(state, TimelineAction::TogglePlay);
        state = apply(state, TimelineAction::Show(9));
        assert_eq!((state.round, state.playing), (5, false));
        state = apply(state, TimelineAction::Show(2));
        state = apply(state, TimelineAction::Step);
        assert_eq!(state.round, 3);
    }
}
