//! The x-ray viewer: a canvas the reader zooms (wheel, buttons, pinch, keys), pans (drag,
//! arrows), windows (DICOM, on the full 16-bit values: drag with the window tool, presets,
//! sliders, Shift+arrows) or brightens (pictures), inverts, and measures on (millimetres
//! where the file gives its pixel spacing).
//!
//! The view state is plain signals; a change schedules one redraw for the next animation
//! frame, and the lookup table from samples to grey is rebuilt only when the window changes.
//! Drawing and loading run in the browser only (`client`).

// Geometry and state used by the browser-side drawing (`client`) only.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use super::display::{self, Window, CT_PRESETS};
use super::Xray;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Pan,
    Window,
    Measure,
}

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Loading,
    Ready,
    Failed(String),
}

/// Where the image sits on the canvas: `scale` canvas pixels per image pixel, its top-left
/// corner at `origin`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placement {
    scale: f64,
    origin: (f64, f64),
}

/// The image fitted to the canvas, times `zoom`, centred, then moved by `pan` (canvas pixels).
fn place(canvas: (f64, f64), image: (f64, f64), zoom: f64, pan: (f64, f64)) -> Placement {
    let fit = (canvas.0 / image.0).min(canvas.1 / image.1);
    let scale = fit * zoom;
    let origin = ((canvas.0 - image.0 * scale) / 2.0 + pan.0, (canvas.1 - image.1 * scale) / 2.0 + pan.1);
    Placement { scale, origin }
}

impl Placement {
    fn to_image(self, point: (f64, f64)) -> (f64, f64) {
        ((point.0 - self.origin.0) / self.scale, (point.1 - self.origin.1) / self.scale)
    }

    fn to_canvas(self, point: (f64, f64)) -> (f64, f64) {
        (self.origin.0 + point.0 * self.scale, self.origin.1 + point.1 * self.scale)
    }
}

const MIN_ZOOM: f64 = 0.25;
const MAX_ZOOM: f64 = 32.0;

fn clamp_zoom(zoom: f64) -> f64 {
    zoom.clamp(MIN_ZOOM, MAX_ZOOM)
}

/// Zooms by `factor` keeping the canvas point `at` over the same spot of the image.
fn zoom_about(zoom: f64, pan: (f64, f64), factor: f64, at: (f64, f64), canvas: (f64, f64)) -> (f64, (f64, f64)) {
    let new_zoom = clamp_zoom(zoom * factor);
    let applied = new_zoom / zoom;
    // Relative to the canvas centre, which `place` keeps the image around.
    let (cx, cy) = (canvas.0 / 2.0, canvas.1 / 2.0);
    let pan = ((pan.0 + cx - at.0) * applied + at.0 - cx, (pan.1 + cy - at.1) * applied + at.1 - cy);
    (new_zoom, pan)
}

/// A measured line: from, to (image pixels).
type Line = ((f64, f64), (f64, f64));

/// Everything the reader changes, as signals (all `Copy`).
#[derive(Clone, Copy)]
struct ViewState {
    zoom: RwSignal<f64>,
    pan: RwSignal<(f64, f64)>,
    window: RwSignal<Window>,
    brightness: RwSignal<f64>,
    contrast: RwSignal<f64>,
    invert: RwSignal<bool>,
    tool: RwSignal<Tool>,
    /// A measured line, in image pixels.
    measure: RwSignal<Option<Line>>,
    status: RwSignal<Status>,
    /// The lowest and highest real value in the image (DICOM), once loaded.
    range: RwSignal<(f64, f64)>,
}

impl ViewState {
    fn reset(&self, default_window: Window, invert: bool) {
        self.zoom.set(1.0);
        self.pan.set((0.0, 0.0));
        self.window.set(default_window);
        self.brightness.set(0.0);
        self.contrast.set(100.0);
        self.invert.set(invert);
        self.measure.set(None);
    }

    fn zoom_by(&self, factor: f64) {
        self.zoom.update(|z| *z = clamp_zoom(*z * factor));
    }

    /// Window change per pixel of drag or key step: a 500th of the image's range.
    fn window_step(&self) -> f64 {
        let (low, high) = self.range.get_untracked();
        ((high - low) / 500.0).max(0.1)
    }
}

#[component]
pub fn XrayViewer(xray: Xray) -> impl IntoView {
    let info = xray.dicom.clone();
    let deep = info.as_ref().is_some_and(|d| d.has_pixels);
    let default_window = info
        .as_ref()
        .and_then(|d| Some(Window { center: d.window_center?, width: d.window_width? }))
        .unwrap_or(Window { center: 127.5, width: 256.0 });
    let default_invert = info.as_ref().is_some_and(|d| d.inverted);
    let spacing = info.as_ref().and_then(|d| Some((d.row_spacing_mm?, d.column_spacing_mm?)));
    let is_ct = info.as_ref().and_then(|d| d.modality.as_deref()) == Some("CT");
    let state = ViewState {
        zoom: RwSignal::new(1.0),
        pan: RwSignal::new((0.0, 0.0)),
        window: RwSignal::new(default_window),
        brightness: RwSignal::new(0.0),
        contrast: RwSignal::new(100.0),
        invert: RwSignal::new(default_invert),
        tool: RwSignal::new(Tool::Pan),
        measure: RwSignal::new(None),
        status: RwSignal::new(Status::Loading),
        range: RwSignal::new((default_window.center - default_window.width / 2.0, default_window.center + default_window.width / 2.0)),
    };
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    #[cfg(feature = "hydrate")]
    let handlers = client::start(
        canvas,
        state,
        Source {
            id: xray.id,
            deep,
            width: xray.width.max(1).unsigned_abs(),
            height: xray.height.max(1).unsigned_abs(),
            offset: info.as_ref().and_then(|d| d.value_offset).unwrap_or(0.0),
            scale: info.as_ref().and_then(|d| d.value_scale).unwrap_or(1.0),
        },
    );
    #[cfg(not(feature = "hydrate"))]
    let handlers = Handlers::inert();

    let reset = move |_| state.reset(default_window, default_invert);
    let tool_button = move |tool: Tool, label: &'static str, hint: &'static str| {
        view! {
            <button type="button" class="button small" title=hint aria-pressed=move || (state.tool.get() == tool).to_string()
                on:click=move |_| state.tool.set(tool)>{label}</button>
        }
    };
    let readout = move || {
        let mut parts = vec![format!("Zoom {:.0}%", state.zoom.get() * 100.0)];
        if deep {
            let w = state.window.get();
            parts.push(format!("Window {:.0} / level {:.0}", w.width, w.center));
        } else {
            parts.push(format!("Brightness {:+.0} · contrast {:.0}%", state.brightness.get(), state.contrast.get()));
        }
        if let Some((from, to)) = state.measure.get() {
            parts.push(match spacing {
                Some((rows, columns)) => format!("Length {:.1} mm", display::distance_mm(from, to, rows, columns)),
                None => format!("Length {:.0} px (no pixel spacing in the file)", display::distance_mm(from, to, 1.0, 1.0)),
            });
        }
        parts.join(" · ")
    };
    view! {
        <div class="viewer">
            <div class="viewer-tools" role="toolbar" aria-label="Viewer tools">
                <button type="button" class="button small" aria-label="Zoom in" on:click=move |_| state.zoom_by(1.25)>"+"</button>
                <button type="button" class="button small" aria-label="Zoom out" on:click=move |_| state.zoom_by(0.8)>"−"</button>
                <button type="button" class="button small" on:click=reset>"Reset"</button>
                <button type="button" class="button small" aria-pressed=move || state.invert.get().to_string()
                    on:click=move |_| state.invert.update(|i| *i = !*i)>"Invert"</button>
                {tool_button(Tool::Pan, "Pan", "Drag to move the image")}
                {tool_button(Tool::Window, if deep { "Window" } else { "Brightness" },
                    "Drag: left/right for contrast, up/down for brightness")}
                {tool_button(Tool::Measure, "Measure", "Drag to measure a length")}
                {(deep && is_ct).then(|| view! {
                    <label class="viewer-preset">"Preset "
                        <select aria-label="Window preset" on:change=move |ev| {
                            let name = event_target_value(&ev);
                            if let Some((_, w)) = CT_PRESETS.iter().find(|(n, _)| *n == name) {
                                state.window.set(*w);
                            } else if name == "default" {
                                state.window.set(default_window);
                            }
                        }>
                            <option value="default">"File default"</option>
                            {CT_PRESETS.iter().map(|(name, _)| view! { <option value=*name>{*name}</option> }).collect_view()}
                        </select>
                    </label>
                })}
            </div>
            <div class="viewer-stage">
                <canvas node_ref=canvas tabindex="0" class="viewer-canvas"
                    aria-label="X-ray image. Drag or arrow keys to pan, wheel or + and − to zoom, Shift with arrows to change the window, I to invert, 0 to reset."
                    on:pointerdown=handlers.pointer_down on:pointermove=handlers.pointer_move
                    on:pointerup=handlers.pointer_up on:pointercancel=handlers.pointer_up
                    on:wheel=handlers.wheel on:keydown=handlers.key
                    data-zoom=move || format!("{:.3}", state.zoom.get())
                    data-window=move || { let w = state.window.get(); format!("{:.1} {:.1}", w.center, w.width) }
                    data-status=move || match state.status.get() { Status::Loading => "loading", Status::Ready => "ready", Status::Failed(_) => "failed" }
                ></canvas>
                {move || match state.status.get() {
                    Status::Loading => Some(view! { <p class="viewer-note muted">"Loading the image…"</p> }.into_any()),
                    Status::Failed(why) => Some(view! { <p class="viewer-note alert error" role="alert">{why}</p> }.into_any()),
                    Status::Ready => None,
                }}
            </div>
            <p class="viewer-readout muted small" aria-live="polite">{readout}</p>
            {if deep {
                view! { <WindowSliders state=state/> }.into_any()
            } else {
                view! { <PictureSliders state=state/> }.into_any()
            }}
        </div>
    }
}

#[component]
fn WindowSliders(state: ViewState) -> impl IntoView {
    let bounds = move || {
        let (low, high) = state.range.get();
        (format!("{low:.0}"), format!("{high:.0}"), format!("{:.0}", (high - low).max(1.0) * 2.0))
    };
    view! {
        <div class="viewer-sliders">
            <label>"Level "
                <input type="range" aria-label="Window level" min=move || bounds().0 max=move || bounds().1 step="1"
                    prop:value=move || format!("{:.0}", state.window.get().center)
                    on:input=move |ev| { if let Ok(center) = event_target_value(&ev).parse::<f64>() {
                        state.window.update(|w| w.center = center);
                    } }/>
            </label>
            <label>"Width "
                <input type="range" aria-label="Window width" min="1" max=move || bounds().2 step="1"
                    prop:value=move || format!("{:.0}", state.window.get().width)
                    on:input=move |ev| { if let Ok(width) = event_target_value(&ev).parse::<f64>() {
                        state.window.update(|w| w.width = width.max(display::MIN_WINDOW_WIDTH));
                    } }/>
            </label>
        </div>
    }
}

#[component]
fn PictureSliders(state: ViewState) -> impl IntoView {
    view! {
        <div class="viewer-sliders">
            <label>"Brightness "
                <input type="range" aria-label="Brightness" min="-100" max="100" step="1"
                    prop:value=move || state.brightness.get().to_string()
                    on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { state.brightness.set(v) } }/>
            </label>
            <label>"Contrast "
                <input type="range" aria-label="Contrast" min="10" max="400" step="5"
                    prop:value=move || state.contrast.get().to_string()
                    on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { state.contrast.set(v) } }/>
            </label>
        </div>
    }
}

/// What to load: the x-ray, whether it has full-depth samples, and how they map to values.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, Copy)]
struct Source {
    id: i64,
    deep: bool,
    width: u32,
    height: u32,
    offset: f64,
    scale: f64,
}

/// The canvas's event handlers (no-ops on the server, which only renders the markup).
struct Handlers<P, M, U, W, K>
where
    P: FnMut(leptos::ev::PointerEvent) + 'static,
    M: FnMut(leptos::ev::PointerEvent) + 'static,
    U: FnMut(leptos::ev::PointerEvent) + 'static + Copy,
    W: FnMut(leptos::ev::WheelEvent) + 'static,
    K: FnMut(leptos::ev::KeyboardEvent) + 'static,
{
    pointer_down: P,
    pointer_move: M,
    pointer_up: U,
    wheel: W,
    key: K,
}

#[cfg(not(feature = "hydrate"))]
impl
    Handlers<
        fn(leptos::ev::PointerEvent),
        fn(leptos::ev::PointerEvent),
        fn(leptos::ev::PointerEvent),
        fn(leptos::ev::WheelEvent),
        fn(leptos::ev::KeyboardEvent),
    >
{
    fn inert() -> Self {
        Self { pointer_down: |_| {}, pointer_move: |_| {}, pointer_up: |_| {}, wheel: |_| {}, key: |_| {} }
    }
}

#[cfg(feature = "hydrate")]
mod client {
    //! Loading the image and drawing it, in the browser.

    use super::*;
    use leptos::wasm_bindgen::{Clamped, JsCast};
    use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, ImageData};

    /// The image as loaded: its samples (DICOM) or colours (pictures), and an offscreen canvas
    /// holding it mapped through the current table.
    struct Engine {
        width: u32,
        height: u32,
        samples: Option<Vec<u16>>,
        /// RGBA of a picture as decoded.
        picture: Option<Vec<u8>>,
        rgba: Vec<u8>,
        offscreen: HtmlCanvasElement,
        /// What the offscreen canvas was last drawn with.
        drawn_with: Option<(Window, f64, f64, bool)>,
        /// The table for the samples, kept while the window stays.
        table: Option<(Window, bool, Vec<u8>)>,
        offset: f64,
        scale: f64,
    }

    /// Pointers down on the canvas, and what a drag started from.
    #[derive(Default)]
    struct Gesture {
        pointers: Vec<(i32, (f64, f64))>,
        last: Option<(f64, f64)>,
        pinch: Option<f64>,
    }

    // One `impl` per handler: the canvas takes each closure as it is, unboxed.
    #[allow(clippy::type_complexity)]
    pub(super) fn start(
        canvas: NodeRef<leptos::html::Canvas>,
        state: ViewState,
        source: Source,
    ) -> Handlers<
        impl FnMut(leptos::ev::PointerEvent) + 'static,
        impl FnMut(leptos::ev::PointerEvent) + 'static,
        impl FnMut(leptos::ev::PointerEvent) + Copy + 'static,
        impl FnMut(leptos::ev::WheelEvent) + 'static,
        impl FnMut(leptos::ev::KeyboardEvent) + 'static,
    > {
        let engine: StoredValue<Option<Engine>, LocalStorage> = StoredValue::new_local(None);
        let gesture: StoredValue<Gesture, LocalStorage> = StoredValue::new_local(Gesture::default());
        let frame_requested = StoredValue::new(false);
        let deep = source.deep;
        let size = (f64::from(source.width), f64::from(source.height));

        Effect::new(move |_| {
            leptos::task::spawn_local(async move {
                match load(source, state).await {
                    Ok(loaded) => {
                        engine.set_value(Some(loaded));
                        state.status.set(Status::Ready);
                    }
                    Err(why) => state.status.set(Status::Failed(why)),
                }
            });
        });

        // Any change to what is shown: one redraw at the next frame.
        Effect::new(move |_| {
            let _ = (state.zoom.get(), state.pan.get(), state.window.get(), state.brightness.get(), state.contrast.get());
            let _ = (state.invert.get(), state.measure.get(), state.status.get());
            if frame_requested.get_value() {
                return;
            }
            frame_requested.set_value(true);
            request_animation_frame(move || {
                frame_requested.set_value(false);
                engine.update_value(|engine| {
                    if let (Some(engine), Some(canvas)) = (engine.as_mut(), canvas.get_untracked()) {
                        draw(engine, &canvas, state);
                    }
                });
            });
        });
        // A resized window (a phone turned) redraws too.
        let redraw = move || state.zoom.update(|_| {});
        let _ = window_event_listener(leptos::ev::resize, move |_| redraw());

        let canvas_size =
            move || canvas.get_untracked().map(|c| (f64::from(c.client_width()), f64::from(c.client_height()))).unwrap_or((1.0, 1.0));
        let local_point = move |x: i32, y: i32| -> (f64, f64) {
            canvas
                .get_untracked()
                .map(|c| {
                    let rect = c.get_bounding_client_rect();
                    (f64::from(x) - rect.left(), f64::from(y) - rect.top())
                })
                .unwrap_or((0.0, 0.0))
        };
        let placement = move || place(canvas_size(), size, state.zoom.get_untracked(), state.pan.get_untracked());

        let pointer_down = move |ev: leptos::ev::PointerEvent| {
            let point = local_point(ev.client_x(), ev.client_y());
            if let Some(c) = canvas.get_untracked() {
                let _ = c.set_pointer_capture(ev.pointer_id());
                let _ = c.focus();
            }
            gesture.update_value(|g| {
                g.pointers.retain(|(id, _)| *id != ev.pointer_id());
                g.pointers.push((ev.pointer_id(), point));
                g.last = Some(point);
                g.pinch = None;
            });
            if state.tool.get_untracked() == Tool::Measure && gesture.with_value(|g| g.pointers.len()) == 1 {
                let at = placement().to_image(point);
                state.measure.set(Some((at, at)));
            }
        };
        let pointer_move = move |ev: leptos::ev::PointerEvent| {
            let point = local_point(ev.client_x(), ev.client_y());
            let Some((previous, pointers)) = gesture
                .try_update_value(|g| {
                    let entry = g.pointers.iter_mut().find(|(id, _)| *id == ev.pointer_id())?;
                    entry.1 = point;
                    let previous = g.last.replace(point);
                    Some((previous, g.pointers.clone()))
                })
                .flatten()
            else {
                return;
            };
            if pointers.len() >= 2 {
                // Pinch: the distance between two fingers scales the zoom, about their middle.
                let (a, b) = (pointers[0].1, pointers[1].1);
                let distance = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt().max(1.0);
                if let Some(before) = gesture.try_update_value(|g| g.pinch.replace(distance)).flatten() {
                    let middle = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
                    let (zoom, pan) =
                        zoom_about(state.zoom.get_untracked(), state.pan.get_untracked(), distance / before, middle, canvas_size());
                    state.zoom.set(zoom);
                    state.pan.set(pan);
                }
                return;
            }
            let Some(previous) = previous else { return };
            let (dx, dy) = (point.0 - previous.0, point.1 - previous.1);
            match state.tool.get_untracked() {
                Tool::Pan => state.pan.update(|p| *p = (p.0 + dx, p.1 + dy)),
                Tool::Window if deep => {
                    let step = state.window_step();
                    state.window.update(|w| *w = display::drag_window(*w, dx, dy, step));
                }
                Tool::Window => {
                    state.contrast.update(|c| *c = (*c + dx).clamp(10.0, 400.0));
                    state.brightness.update(|b| *b = (*b - dy / 2.0).clamp(-100.0, 100.0));
                }
                Tool::Measure => {
                    let at = placement().to_image(point);
                    state.measure.update(|m| {
                        if let Some((_, end)) = m {
                            *end = at
                        }
                    });
                }
            }
        };
        let pointer_up = move |ev: leptos::ev::PointerEvent| {
            gesture.update_value(|g| {
                g.pointers.retain(|(id, _)| *id != ev.pointer_id());
                g.pinch = None;
                g.last = g.pointers.last().map(|(_, p)| *p);
            });
        };
        let wheel = move |ev: leptos::ev::WheelEvent| {
            ev.prevent_default();
            let factor = if ev.delta_y() < 0.0 { 1.15 } else { 1.0 / 1.15 };
            let at = local_point(ev.client_x(), ev.client_y());
            let (zoom, pan) = zoom_about(state.zoom.get_untracked(), state.pan.get_untracked(), factor, at, canvas_size());
            state.zoom.set(zoom);
            state.pan.set(pan);
        };
        let key = move |ev: leptos::ev::KeyboardEvent| {
            let step = state.window_step() * 10.0;
            let handled = match (ev.key().as_str(), ev.shift_key()) {
                ("+" | "=", _) => {
                    state.zoom_by(1.25);
                    true
                }
                ("-" | "_", _) => {
                    state.zoom_by(0.8);
                    true
                }
                ("0", _) => {
                    state.zoom.set(1.0);
                    state.pan.set((0.0, 0.0));
                    true
                }
                ("i" | "I", _) => {
                    state.invert.update(|i| *i = !*i);
                    true
                }
                ("ArrowUp", true) | ("ArrowDown", true) | ("ArrowLeft", true) | ("ArrowRight", true) => {
                    let (dx, dy) = match ev.key().as_str() {
                        "ArrowLeft" => (-1.0, 0.0),
                        "ArrowRight" => (1.0, 0.0),
                        "ArrowUp" => (0.0, -1.0),
                        _ => (0.0, 1.0),
                    };
                    if deep {
                        state.window.update(|w| *w = display::drag_window(*w, dx, dy, step));
                    } else {
                        state.contrast.update(|c| *c = (*c + dx * 10.0).clamp(10.0, 400.0));
                        state.brightness.update(|b| *b = (*b - dy * 5.0).clamp(-100.0, 100.0));
                    }
                    true
                }
                ("ArrowLeft", false) => {
                    state.pan.update(|p| p.0 += 40.0);
                    true
                }
                ("ArrowRight", false) => {
                    state.pan.update(|p| p.0 -= 40.0);
                    true
                }
                ("ArrowUp", false) => {
                    state.pan.update(|p| p.1 += 40.0);
                    true
                }
                ("ArrowDown", false) => {
                    state.pan.update(|p| p.1 -= 40.0);
                    true
                }
                _ => false,
            };
            if handled {
                ev.prevent_default();
            }
        };
        Handlers { pointer_down, pointer_move, pointer_up, wheel, key }
    }

    fn failed(what: &str) -> String {
        format!("The image couldn't be loaded ({what}). Check the connection and reload the page.")
    }

    /// Fetches the image: the 16-bit samples of a DICOM, or the picture, decoded by the browser.
    async fn load(source: Source, state: ViewState) -> Result<Engine, String> {
        let Source { id, deep, width, height, offset, scale } = source;
        let document = document();
        let offscreen: HtmlCanvasElement =
            document.create_element("canvas").map_err(|_| failed("canvas"))?.dyn_into().map_err(|_| failed("canvas"))?;
        if deep {
            let response = wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(&format!("/api/xrays/{id}/pixels")))
                .await
                .map_err(|_| failed("network"))?;
            let response: web_sys::Response = response.dyn_into().map_err(|_| failed("response"))?;
            if !response.ok() {
                return Err(failed(&format!("status {}", response.status())));
            }
            let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer().map_err(|_| failed("body"))?)
                .await
                .map_err(|_| failed("body"))?;
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let samples: Vec<u16> = bytes.chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect();
            if samples.len() != (width as usize) * (height as usize) {
                return Err(failed("size"));
            }
            let (low, high) = samples.iter().fold((u16::MAX, 0u16), |(lo, hi), &s| (lo.min(s), hi.max(s)));
            state.range.set((offset + f64::from(low) * scale, offset + f64::from(high) * scale));
            offscreen.set_width(width);
            offscreen.set_height(height);
            let rgba = vec![255; samples.len() * 4];
            return Ok(Engine {
                width,
                height,
                samples: Some(samples),
                picture: None,
                rgba,
                offscreen,
                drawn_with: None,
                table: None,
                offset,
                scale,
            });
        }
        let image = HtmlImageElement::new().map_err(|_| failed("image"))?;
        image.set_src(&format!("/api/xrays/{id}/image"));
        wasm_bindgen_futures::JsFuture::from(image.decode()).await.map_err(|_| failed("image"))?;
        let _ = (width, height, offset, scale);
        let (width, height) = (image.natural_width(), image.natural_height());
        offscreen.set_width(width);
        offscreen.set_height(height);
        let context = context_of(&offscreen).ok_or_else(|| failed("canvas"))?;
        context.draw_image_with_html_image_element(&image, 0.0, 0.0).map_err(|_| failed("draw"))?;
        let picture = context.get_image_data(0.0, 0.0, f64::from(width), f64::from(height)).map_err(|_| failed("pixels"))?.data().0;
        Ok(Engine {
            width,
            height,
            samples: None,
            rgba: picture.clone(),
            picture: Some(picture),
            offscreen,
            drawn_with: None,
            table: None,
            offset: 0.0,
            scale: 1.0,
        })
    }

    fn context_of(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
        canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
    }

    /// Maps the image through the current window (or brightness/contrast) into the offscreen
    /// canvas when that changed, then draws it placed on the visible canvas, with the
    /// measured line.
    fn draw(engine: &mut Engine, canvas: &HtmlCanvasElement, state: ViewState) {
        let key =
            (state.window.get_untracked(), state.brightness.get_untracked(), state.contrast.get_untracked(), state.invert.get_untracked());
        if engine.drawn_with != Some(key) {
            repaint(engine, key);
            engine.drawn_with = Some(key);
        }
        let ratio = window().device_pixel_ratio().max(1.0);
        let (css_w, css_h) = (f64::from(canvas.client_width().max(1)), f64::from(canvas.client_height().max(1)));
        canvas.set_width((css_w * ratio).round() as u32);
        canvas.set_height((css_h * ratio).round() as u32);
        let Some(context) = context_of(canvas) else { return };
        let _ = context.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
        context.set_fill_style_str("#000");
        context.fill_rect(0.0, 0.0, css_w, css_h);
        let placed = place(
            (css_w, css_h),
            (f64::from(engine.width), f64::from(engine.height)),
            state.zoom.get_untracked(),
            state.pan.get_untracked(),
        );
        // Magnified pixels stay square, as radiologists expect.
        context.set_image_smoothing_enabled(placed.scale < 2.0);
        let _ = context.draw_image_with_html_canvas_element_and_dw_and_dh(
            &engine.offscreen,
            placed.origin.0,
            placed.origin.1,
            f64::from(engine.width) * placed.scale,
            f64::from(engine.height) * placed.scale,
        );
        if let Some((from, to)) = state.measure.get_untracked() {
            let (a, b) = (placed.to_canvas(from), placed.to_canvas(to));
            context.set_stroke_style_str("#ffd400");
            context.set_line_width(2.0);
            context.begin_path();
            context.move_to(a.0, a.1);
            context.line_to(b.0, b.1);
            context.stroke();
        }
    }

    fn repaint(engine: &mut Engine, (window, brightness, contrast, invert): (Window, f64, f64, bool)) {
        if let Some(samples) = &engine.samples {
            let fresh = !matches!(&engine.table, Some((w, i, _)) if *w == window && *i == invert);
            if fresh {
                engine.table = Some((window, invert, display::sample_table(engine.offset, engine.scale, window, invert)));
            }
            let Some((_, _, table)) = &engine.table else { return };
            for (pixel, &sample) in engine.rgba.chunks_exact_mut(4).zip(samples) {
                let grey = table[usize::from(sample)];
                pixel[0] = grey;
                pixel[1] = grey;
                pixel[2] = grey;
            }
        } else if let Some(picture) = &engine.picture {
            let table = display::brightness_contrast_table(brightness, contrast, invert);
            for (out, source) in engine.rgba.chunks_exact_mut(4).zip(picture.chunks_exact(4)) {
                out[0] = table[usize::from(source[0])];
                out[1] = table[usize::from(source[1])];
                out[2] = table[usize::from(source[2])];
                out[3] = source[3];
            }
        }
        let Some(context) = context_of(&engine.offscreen) else { return };
        if let Ok(data) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&engine.rgba), engine.width, engine.height) {
            let _ = context.put_image_data(&data, 0.0, 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_is_fitted_and_centred() {
        let placed = place((800.0, 600.0), (400.0, 400.0), 1.0, (0.0, 0.0));
        assert_eq!(placed.scale, 1.5);
        assert_eq!(placed.origin, (100.0, 0.0));
        assert_eq!(placed.to_image((400.0, 300.0)), (200.0, 200.0));
        assert_eq!(placed.to_canvas((0.0, 0.0)), (100.0, 0.0));
    }

    #[test]
    fn zooming_about_a_point_keeps_it_over_the_same_spot() {
        let canvas = (800.0, 600.0);
        let image = (400.0, 400.0);
        let at = (600.0, 150.0);
        let before = place(canvas, image, 1.0, (0.0, 0.0)).to_image(at);
        let (zoom, pan) = zoom_about(1.0, (0.0, 0.0), 2.0, at, canvas);
        assert_eq!(zoom, 2.0);
        let after = place(canvas, image, zoom, pan).to_image(at);
        assert!((before.0 - after.0).abs() < 1e-9 && (before.1 - after.1).abs() < 1e-9, "{before:?} vs {after:?}");
        assert_eq!(zoom_about(MAX_ZOOM, (0.0, 0.0), 2.0, at, canvas).0, MAX_ZOOM, "zoom is bounded");
    }
}
