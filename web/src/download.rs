//! Files the page offers for download: text (CSV, JSON, SVG) and images drawn from SVG (PNG).
//! Each goes through a Blob, an object URL and a click on an `<a download>`, so nothing leaves
//! the browser.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Offers `text` as a file download.
pub fn download_text(name: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    download_blob(name, &text_blob(mime, text)?)
}

fn text_blob(mime: &str, text: &str) -> Result<web_sys::Blob, JsValue> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
}

/// Offers `blob` as a file download.
pub fn download_blob(name: &str, blob: &web_sys::Blob) -> Result<(), JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let body = document.body().ok_or("no body")?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    body.append_child(&link)?;
    link.click();
    body.remove_child(&link)?;
    revoke_later(url);
    Ok(())
}

/// The download has started by then; the URL can go.
fn revoke_later(url: String) {
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
}

/// Draws a standalone SVG document (`width` by `height` units) at `scale` pixels a unit and
/// offers it as a PNG file. The image loads asynchronously: errors after that are logged.
pub fn download_svg_as_png(
    name: &str,
    svg: &str,
    width: f64,
    height: f64,
    scale: f64,
) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let url = web_sys::Url::create_object_url_with_blob(&text_blob("image/svg+xml", svg)?)?;
    let image: web_sys::HtmlImageElement = document.create_element("img")?.dyn_into()?;
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    canvas.set_width((width * scale).round() as u32);
    canvas.set_height((height * scale).round() as u32);
    let name = name.to_string();
    let on_load = {
        let (image, url) = (image.clone(), url.clone());
        Closure::once_into_js(move || {
            let drawn = (|| -> Result<(), JsValue> {
                let context: web_sys::CanvasRenderingContext2d = canvas
                    .get_context("2d")?
                    .ok_or("no 2d context")?
                    .dyn_into()?;
                context.scale(scale, scale)?;
                context.draw_image_with_html_image_element(&image, 0.0, 0.0)?;
                let on_blob = Closure::once_into_js(move |blob: Option<web_sys::Blob>| {
                    let saved = blob
                        .ok_or_else(|| JsValue::from_str("the canvas gave no PNG"))
                        .and_then(|blob| download_blob(&name, &blob));
                    if let Err(error) = saved {
                        web_sys::console::error_1(&error);
                    }
                });
                canvas.to_blob(on_blob.unchecked_ref())
            })();
            revoke_later(url);
            if let Err(error) = drawn {
                web_sys::console::error_1(&error);
            }
        })
    };
    image.set_onload(Some(on_load.unchecked_ref()));
    image.set_src(&url);
    Ok(())
}
