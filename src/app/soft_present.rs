//! The software presenter: where the graphics adapter is itself a CPU rasteriser (lavapipe, llvmpipe, WARP), egui's frame is painted on the CPU (`softpaint`) and shown with softbuffer, and bevy renders nothing.
//!
//! Why: a thin client or VDI desktop without a GPU runs Vulkan in software, and there a
//! redrawn 1280×800 frame through bevy's pipeline costs ~45 ms of CPU (README,
//! Performance): the rasteriser's generic shader pipeline for egui's triangles, then a
//! full-window sRGB blit. egui's output is 2D, premultiplied and in gamma space already, so
//! painting it directly into the window's buffer does the same work without the pipeline.
//!
//! How: at start-up ([`decide`]) the presenter is chosen from `--renderer` (auto, gpu,
//! software) and, for auto, the adapter's device type. With the software presenter the
//! camera is made inactive, so bevy extracts no view, acquires no swapchain image and runs
//! no pass; bevy_egui still runs its passes and tessellates (input, layout and the
//! accessibility tree are unchanged). [`paint_and_present`] then takes egui's paint jobs
//! and texture changes between bevy_egui's `ProcessOutput` and `PostProcessOutput` (where
//! bevy_egui drains the texture changes), paints, and presents. If the window cannot be
//! given a software buffer, the camera is made active again and the GPU path draws.

use bevy::prelude::*;
use bevy::window::{PrimaryWindow, RawHandleWrapper, ThreadLockedRawWindowHandleWrapper};
use bevy_egui::egui;
use bevy_egui::{EguiOutput, EguiPostUpdateSet, EguiRenderOutput, PrimaryEguiContext};
use std::num::NonZeroU32;

/// Which presenter the command line asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Resource)]
pub enum RendererChoice {
    /// The software presenter when the adapter is a CPU rasteriser, else the GPU path.
    #[default]
    Auto,
    /// Always bevy's GPU path (also through a software Vulkan driver).
    Gpu,
    /// Always the software presenter.
    Software,
}

impl RendererChoice {
    pub const ALL: [RendererChoice; 3] = [Self::Auto, Self::Gpu, Self::Software];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Gpu => "gpu",
            Self::Software => "software",
        }
    }
}

/// What draws this app's frames, decided once at start-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Resource)]
pub enum Presenter {
    /// bevy's camera and render graph (bevy_egui's pass).
    Gpu,
    /// The CPU painter and softbuffer.
    Software,
}

/// The presenter for `choice` on an adapter of `device`'s type (`None`: no renderer).
pub fn decide(choice: RendererChoice, device: Option<wgpu_types::DeviceType>) -> Presenter {
    use wgpu_types::DeviceType;
    match choice {
        RendererChoice::Gpu => Presenter::Gpu,
        RendererChoice::Software => Presenter::Software,
        RendererChoice::Auto => match device {
            Some(DeviceType::Cpu) => Presenter::Software,
            _ => Presenter::Gpu,
        },
    }
}

/// Why the software presenter cannot show a frame (it then hands over to the GPU path).
#[derive(Debug, thiserror::Error)]
pub enum PresentError {
    /// The window's buffer cannot be made, sized or presented (e.g. an X display whose
    /// colour depth is not 24 bits: softbuffer writes 0RGB pixels).
    #[error("the window's software buffer: {0}")]
    Buffer(#[from] softbuffer::SoftBufferError),
    #[error("painting: {0}")]
    Paint(#[from] softpaint::PaintError),
}

/// A request for the next painted frame as an image (`--screenshot` with the software
/// presenter, where bevy renders no frame to capture).
#[derive(Resource, Debug, Default)]
pub enum SoftCapture {
    #[default]
    None,
    Wanted,
    Taken(Image),
}

/// What the last painted frame cost on the main thread (thread CPU time), for
/// `--measure-frames`: egui's paint jobs painted into the buffer, and the buffer presented.
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct PaintTimes {
    pub paint: std::time::Duration,
    pub present: std::time::Duration,
    /// Frames painted so far.
    pub frames: u64,
}

/// The painter and the window's buffer (main thread only: the window handle is used here).
#[derive(Default)]
struct SoftPresenter {
    painter: softpaint::Painter,
    surface: Option<Surface>,
    /// Whether skipped meshes have been reported (once).
    warned: bool,
}

type Handle = ThreadLockedRawWindowHandleWrapper;

struct Surface {
    // The context must outlive the surface made from it.
    surface: softbuffer::Surface<Handle, Handle>,
    _context: softbuffer::Context<Handle>,
    size: (u32, u32),
}

/// Adds the software presenter's systems (they do nothing with the GPU presenter).
pub(crate) fn plugin(app: &mut App) {
    app.insert_non_send(SoftPresenter::default())
        .init_resource::<SoftCapture>()
        .init_resource::<PaintTimes>()
        .add_systems(
            PostUpdate,
            paint_and_present
                .run_if(resource_equals(Presenter::Software))
                .after(EguiPostUpdateSet::ProcessOutput)
                .before(EguiPostUpdateSet::PostProcessOutput),
        );
    if let Some(render_app) = app.get_sub_app_mut(bevy::render::RenderApp) {
        render_app.add_systems(
            bevy::render::ExtractSchedule,
            skip_initial_present.after(bevy::render::camera::extract_cameras),
        );
    }
}

/// bevy presents every new window once, cleared, even with no camera drawing to it (for
/// Wayland, which shows a window only after its first frame; this build's winit has X11
/// only). With the software presenter that frame could land after the painter's first and
/// cover it until the next redraw, which an idle screen never asks for: skip it.
fn skip_initial_present(
    presenter: bevy::render::Extract<Option<Res<Presenter>>>,
    mut windows: ResMut<bevy::render::view::window::ExtractedWindows>,
) {
    if presenter.as_deref() == Some(&Presenter::Software) {
        for window in windows.values_mut() {
            window.needs_initial_present = false;
        }
    }
}

/// The window's background: the camera's clear colour, as egui bytes.
fn background(clear: &ClearColor) -> egui::Color32 {
    let c = clear.0.to_srgba();
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    egui::Color32::from_rgb(byte(c.red), byte(c.green), byte(c.blue))
}

#[allow(clippy::too_many_arguments)]
fn paint_and_present(
    mut soft: NonSendMut<SoftPresenter>,
    outputs: Query<(&EguiRenderOutput, &EguiOutput), With<PrimaryEguiContext>>,
    windows: Query<(&Window, &RawHandleWrapper), With<PrimaryWindow>>,
    mut cameras: Query<&mut Camera, With<PrimaryEguiContext>>,
    clear: Res<ClearColor>,
    mut capture: ResMut<SoftCapture>,
    mut times: ResMut<PaintTimes>,
    mut commands: Commands,
) {
    let Ok((render, output)) = outputs.single() else {
        return;
    };
    let soft = &mut *soft;
    // Texture changes are applied on every frame, drawn or not, or a glyph added while
    // the window is minimised would be missing later.
    soft.painter.set_textures(&render.textures_delta);
    let drawn = draw(
        soft,
        render,
        output,
        &windows,
        &clear,
        &mut capture,
        &mut times,
    );
    soft.painter.free_textures(&render.textures_delta);
    if let Err(e) = drawn {
        error!("the software presenter cannot draw ({e}); drawing through the GPU path instead");
        // The GPU presenter from the next frame on: this system no longer runs.
        soft.surface = None;
        for mut camera in &mut cameras {
            camera.is_active = true;
        }
        commands.insert_resource(Presenter::Gpu);
    }
}

fn draw(
    soft: &mut SoftPresenter,
    render: &EguiRenderOutput,
    output: &EguiOutput,
    windows: &Query<(&Window, &RawHandleWrapper), With<PrimaryWindow>>,
    clear: &ClearColor,
    capture: &mut SoftCapture,
    times: &mut PaintTimes,
) -> Result<(), PresentError> {
    if render.paint_jobs.is_empty() {
        return Ok(());
    }
    let Ok((window, raw)) = windows.single() else {
        return Ok(());
    };
    let size = (window.physical_width(), window.physical_height());
    let (Some(w), Some(h)) = (NonZeroU32::new(size.0), NonZeroU32::new(size.1)) else {
        return Ok(()); // minimised
    };
    if soft.surface.is_none() {
        // SAFETY: this system holds a NonSend resource, so it runs on the main thread, the
        // thread the window was made on (what `get_handle` asks of its caller).
        let (display, window_handle) = unsafe { (raw.get_handle(), raw.get_handle()) };
        let context = softbuffer::Context::new(display)?;
        let surface = softbuffer::Surface::new(&context, window_handle)?;
        soft.surface = Some(Surface {
            surface,
            _context: context,
            size: (0, 0),
        });
    }
    let Some(s) = soft.surface.as_mut() else {
        return Ok(());
    };
    if s.size != size {
        s.surface.resize(w, h)?;
        s.size = size;
    }
    let t0 = crate::app::cpu_time::calling_thread_cpu();
    let mut buffer = s.surface.buffer_mut()?;
    let stats = soft.painter.paint(
        &mut buffer,
        size.0 as usize,
        size.1 as usize,
        background(clear),
        &render.paint_jobs,
        output.pixels_per_point,
    )?;
    if !soft.warned && (stats.missing_textures > 0 || stats.callbacks > 0) {
        soft.warned = true;
        warn!(
            "the software presenter skipped {} meshes whose texture it was never given and {} \
             paint callbacks (an image registered with bevy_egui, or custom GPU painting); \
             `--renderer gpu` draws them",
            stats.missing_textures, stats.callbacks
        );
    }
    if matches!(capture, SoftCapture::Wanted) {
        *capture = SoftCapture::Taken(to_image(&buffer, size));
    }
    let t1 = crate::app::cpu_time::calling_thread_cpu();
    buffer.present()?;
    if let (Some(t0), Some(t1), Some(t2)) = (t0, t1, crate::app::cpu_time::calling_thread_cpu()) {
        times.paint = t1.saturating_sub(t0);
        times.present = t2.saturating_sub(t1);
    }
    times.frames += 1;
    Ok(())
}

/// The painted buffer (0x00RRGGBB per pixel) as an RGBA image.
fn to_image(pixels: &[u32], (w, h): (u32, u32)) -> Image {
    use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
    let mut data = Vec::with_capacity(pixels.len() * 4);
    for p in pixels {
        data.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, *p as u8, 255]);
    }
    Image::new(
        Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        data,
        TextureFormat::Rgba8UnormSrgb,
        bevy::asset::RenderAssetUsages::MAIN_WORLD,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wgpu_types::DeviceType;

    #[test]
    fn auto_paints_on_the_cpu_only_where_the_adapter_is_a_cpu() {
        assert_eq!(
            decide(RendererChoice::Auto, Some(DeviceType::Cpu)),
            Presenter::Software
        );
        for other in [
            DeviceType::DiscreteGpu,
            DeviceType::IntegratedGpu,
            DeviceType::VirtualGpu,
            DeviceType::Other,
        ] {
            assert_eq!(decide(RendererChoice::Auto, Some(other)), Presenter::Gpu);
        }
        assert_eq!(decide(RendererChoice::Auto, None), Presenter::Gpu);
        assert_eq!(
            decide(RendererChoice::Software, Some(DeviceType::DiscreteGpu)),
            Presenter::Software
        );
        assert_eq!(
            decide(RendererChoice::Gpu, Some(DeviceType::Cpu)),
            Presenter::Gpu
        );
    }

    #[test]
    fn the_image_of_a_buffer_has_its_bytes_in_rgba_order() {
        let image = to_image(&[0x00_11_22_33, 0x00_ff_00_80], (2, 1));
        assert_eq!(
            image.data.as_deref(),
            Some(&[0x11, 0x22, 0x33, 255, 0xff, 0x00, 0x80, 255][..])
        );
    }

    #[test]
    fn the_background_is_the_clear_colour_byte_for_byte() {
        let c = ClearColor(Color::srgb_u8(247, 244, 238));
        assert_eq!(background(&c), egui::Color32::from_rgb(247, 244, 238));
    }
}
