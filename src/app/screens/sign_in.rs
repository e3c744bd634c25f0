//! Sign-in: trainee name or staff ID, language and accessibility settings.

use crate::app::flow::{Action, Screen, Settings, TextSize, TimerMode};
use crate::app::i18n::{Lang, T};
use crate::app::screens::{add_screen_system, caption, hint, show};
use bevy::prelude::*;
use bevy_egui::EguiContexts;
use bevy_egui::egui::{self, Key, RichText};

/// The sign-in form (the view model of this screen is editable).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct SignInForm {
    pub name: String,
    pub settings: Settings,
    /// Set when the trainee tried to sign in without a name.
    pub missing_name: bool,
    /// Why the name cannot be used as a trainee id (invisible characters, not on the
    /// roster, wrong PIN …).
    pub bad_name: Option<String>,
    /// The trainee's PIN, when the roster gives them one.
    pub pin: String,
    /// Whether the name field has been given the keyboard focus yet.
    pub focused: bool,
}

impl SignInForm {
    pub fn new(settings: Settings) -> SignInForm {
        SignInForm {
            settings,
            ..Default::default()
        }
    }

    /// The form as the next person finds it: no name, no PIN, no message, the name field
    /// to be focused; the settings as they are now (language, text size stay).
    pub fn arrive(&mut self, settings: Settings) {
        *self = SignInForm::new(settings);
    }
}

/// Clears the form each time the sign-in screen opens (at start, after sign-out, after
/// the manager's area): the previous trainee's name must not be the next one's.
pub fn reset_on_arrival(mut form: ResMut<SignInForm>, settings: Res<Settings>) {
    form.arrive(*settings);
}

fn text_size_label(s: TextSize) -> T {
    match s {
        TextSize::Normal => T::TextNormal,
        TextSize::Large => T::TextLarge,
        TextSize::ExtraLarge => T::TextExtraLarge,
    }
}

fn timer_label(m: TimerMode) -> T {
    match m {
        TimerMode::Normal => T::TimersNormal,
        TimerMode::Relaxed => T::TimersRelaxed,
        TimerMode::Off => T::TimersOff,
    }
}

/// Draws the form; returns [`Action::SignIn`] on the button or Enter with a name given.
pub fn ui(ui: &mut egui::Ui, form: &mut SignInForm) -> Option<Action> {
    let lang = form.settings.lang;
    let mut submit = false;
    ui.vertical_centered(|ui| {
        ui.add_space(24.0);
        ui.heading(T::AppTitle.get(lang));
        ui.label(T::Welcome.get(lang));
    });
    ui.add_space(16.0);
    egui::Grid::new("sign-in")
        .num_columns(2)
        .spacing([24.0, 14.0])
        .show(ui, |ui| {
            caption(ui, T::NameOrStaffId.get(lang));
            ui.vertical(|ui| {
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut form.name)
                        .hint_text(T::NameOrStaffId.get(lang))
                        .desired_width(320.0),
                );
                if !form.focused {
                    edit.request_focus();
                    form.focused = true;
                }
                if edit.changed() {
                    form.missing_name = false;
                    form.bad_name = None;
                }
                hint(ui, lang, T::NoPassword);
            });
            ui.end_row();

            caption(ui, T::Pin.get(lang));
            if ui
                .add(
                    egui::TextEdit::singleline(&mut form.pin)
                        .password(true)
                        .hint_text(T::PinHint.get(lang))
                        .desired_width(160.0),
                )
                .changed()
            {
                form.bad_name = None;
            }
            ui.end_row();

            caption(ui, T::Language.get(lang));
            ui.horizontal(|ui| {
                for l in Lang::ALL {
                    ui.selectable_value(&mut form.settings.lang, l, l.native_name());
                }
            });
            ui.end_row();

            ui.label(RichText::new(T::Accessibility.get(lang)).heading());
            ui.end_row();

            caption(ui, T::TextSize.get(lang));
            ui.horizontal(|ui| {
                for s in TextSize::ALL {
                    ui.selectable_value(
                        &mut form.settings.text_size,
                        s,
                        text_size_label(s).get(lang),
                    );
                }
            });
            ui.end_row();

            ui.label("");
            ui.checkbox(&mut form.settings.high_contrast, T::HighContrast.get(lang));
            ui.end_row();

            caption(ui, T::ReplyTimers.get(lang));
            ui.horizontal(|ui| {
                for m in TimerMode::ALL {
                    ui.selectable_value(&mut form.settings.timers, m, timer_label(m).get(lang));
                }
            });
            ui.end_row();
        });
    ui.add_space(16.0);
    if ui
        .button(RichText::new(T::SignIn.get(lang)).strong())
        .clicked()
    {
        submit = true;
    }
    if ui.input(|i| i.key_pressed(Key::Enter)) {
        submit = true;
    }
    if form.missing_name {
        ui.colored_label(ui.visuals().error_fg_color, T::NameRequired.get(lang));
    }
    if let Some(why) = &form.bad_name {
        ui.colored_label(ui.visuals().error_fg_color, why);
    }
    if submit {
        if form.name.trim().is_empty() {
            form.missing_name = true;
            return None;
        }
        // The id as it is recorded (NFC, one space between words); refused when it
        // hides characters, so two trainees never look the same.
        return match crate::core::records::check_trainee(&form.name) {
            Ok(name) => Some(Action::SignIn {
                name,
                settings: form.settings,
            }),
            Err(e) => {
                form.bad_name = Some(e.to_string());
                None
            }
        };
    }
    None
}

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<SignInForm>()
        .add_systems(OnEnter(Screen::SignIn), reset_on_arrival);
    add_screen_system(app, Screen::SignIn, draw);
}

fn draw(
    mut contexts: EguiContexts,
    mut form: ResMut<SignInForm>,
    mut settings: ResMut<Settings>,
    mut actions: MessageWriter<Action>,
    records: Option<Res<crate::app::records::RecordStore>>,
) -> Result {
    let form = form.as_mut();
    let store = records.as_deref().and_then(|r| r.store.clone());
    show(&mut contexts, &mut actions, |u| {
        let mut out = ui(u, form);
        // The roster decides who may sign in (an empty roster leaves the station open).
        if let (Some(Action::SignIn { name, settings }), Some(store)) = (&out, &store) {
            let pin = std::mem::take(&mut form.pin);
            out = match store.sign_in_trainee(
                name,
                Some(pin.as_str()),
                crate::core::records::time::now_ms(),
            ) {
                Ok(id) => Some(Action::SignIn {
                    name: id,
                    settings: *settings,
                }),
                Err(e) => {
                    form.bad_name = Some(e.to_string());
                    None
                }
            };
        }
        // The manager's area (app::manager), behind its own password.
        u.add_space(24.0);
        let manager = u.button(T::Manager.get(form.settings.lang)).clicked();
        out.or(manager.then_some(Action::OpenManager))
    })?;
    // Preview language, text size and contrast as they are picked.
    if *settings != form.settings {
        *settings = form.settings;
    }
    Ok(())
}
