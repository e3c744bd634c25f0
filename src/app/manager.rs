//! The manager's area without any UI: the password gate (argon2 checks on a worker thread), the inactivity lock, the dashboard queries and the attempt drill-down.

use crate::app::flow::{Catalog, Screen, Settings};
use crate::app::i18n::{Lang, T};
use crate::app::loader::CatalogEntry;
use crate::app::records::RecordStore;
use crate::core::lrs::{Freshness, LrsCache, LrsClient, LrsConfig, PullOptions};
use crate::core::model::Principle;
use crate::core::records::time::now_ms;
use crate::core::records::{
    AttemptDetail, AttemptId, AttemptStatus, AttemptSummary, CohortAverages, Filter,
    MIN_PASSWORD_CHARS, ManagerGate, PasswordCheck, Replay, ReplyChoice, Source, Store, TraineeRow,
    TrendSeries, replay,
};
use bevy::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The manager area locks after this long without a click or key.
pub const IDLE_LOCK: Duration = Duration::from_secs(5 * 60);

/// How many rows the poor-choice table and the attempt list show.
pub const LIST_LIMIT: usize = 200;

/// What the manager asked for; sent by the manager screen.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum ManagerAction {
    /// First use: set the password (typed twice).
    SetPassword {
        password: String,
        confirm: String,
    },
    Unlock(String),
    /// While unlocked: replace the password (the current one, the new one twice).
    ChangePassword {
        current: String,
        password: String,
        confirm: String,
    },
    /// While unlocked: turn author mode (the trainers' preview) on or off.
    SetAuthorMode(bool),
    /// A click or key in the area (keeps it open).
    Activity,
    /// Apply the dashboard filters.
    Filter(DashFilter),
    Refresh,
    /// Open one attempt's drill-down (its id).
    OpenAttempt(String),
    /// Show the attempts that chose this reply at this step ("where learners go wrong").
    ShowChoice {
        scenario: String,
        step: String,
        reply: String,
    },
    /// Show every attempt again (after [`ManagerAction::ShowChoice`]).
    ClearChoice,
    /// Write the attempts matching the filter to this CSV file.
    Export(PathBuf),
    CloseAttempt,
    /// Leave (locks the area) back to the sign-in screen.
    Leave,
    /// Make an assignment at this station (screens::manager_assignments).
    CreateAssignment(crate::core::records::NewAssignment),
    /// Withdraw an assignment made at this station (its id).
    WithdrawAssignment(String),
    /// Accept assignments from this station from now on.
    AcceptStation(String),
}

/// The dashboard filters as typed (dates `YYYY-MM-DD`, empty = any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashFilter {
    pub since: String,
    pub until: String,
    pub scenario: Option<String>,
    pub trainee: Option<String>,
    /// Only attempts played at this station (when an LRS is configured).
    pub station: Option<String>,
}

impl DashFilter {
    /// The store filter; `Err` names the date that could not be read.
    pub(crate) fn to_filter(&self) -> Result<Filter, String> {
        let mut f = Filter::all();
        // The days are the station's local days (the times shown are local too).
        if !self.since.trim().is_empty() {
            let ms = crate::app::clock::day_start(&self.since).ok_or_else(|| self.since.clone())?;
            f = f.since(ms);
        }
        if !self.until.trim().is_empty() {
            let ms = crate::app::clock::day_end(&self.until).ok_or_else(|| self.until.clone())?;
            f = f.until(ms);
        }
        if let Some(s) = &self.scenario {
            f = f.scenario(s);
        }
        if let Some(t) = &self.trainee {
            f = f.trainee(t);
        }
        if let Some(st) = &self.station {
            f = f.station(st);
        }
        Ok(f)
    }
}

/// A message for the manager (shown in their language by the screen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The two passwords differ.
    Mismatch,
    /// The password is shorter than [`MIN_PASSWORD_CHARS`].
    TooShort,
    WrongPassword,
    /// Too many wrong passwords: nothing is checked for this many more seconds.
    Throttled(u64),
    /// The password was changed.
    PasswordChanged,
    /// There is no records store (the reason).
    NoStore(String),
    /// A date filter could not be read (the text).
    BadDate(String),
    /// The store failed (the reason).
    Store(String),
    /// The CSV file was written (where, how many attempts).
    Exported(PathBuf, usize),
    /// The CSV file could not be written (why).
    ExportFailed(String),
}

/// Everything the dashboard shows, loaded for one filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dashboard {
    pub cohort: Option<CohortAverages>,
    pub trainees: Vec<TraineeRow>,
    pub trend: Vec<TrendSeries>,
    /// Every (scenario, step, reply) share, for the per-step view.
    pub choices: Vec<ReplyChoice>,
    /// Poor choices, most common first.
    pub poor: Vec<ReplyChoice>,
    /// Every attempt matching the filter, newest first (the list shows [`LIST_LIMIT`]).
    pub attempts: Vec<AttemptSummary>,
    /// Trainees on the roster who are still active (rows of the completion grid).
    pub roster: Vec<String>,
    /// For the filter pickers (unfiltered).
    pub trainee_ids: Vec<String>,
    pub scenario_ids: Vec<String>,
    /// Stations with attempts, for the station filter and column: empty on a
    /// local-only station (no LRS), which shows exactly its own records as before.
    pub station_ids: Vec<String>,
    /// With an LRS: how fresh the room's data is and who reported (`None`: local only).
    pub room: Option<RoomFreshness>,
    /// The room's assignments (this station's, and with an LRS every station's) and
    /// the problems with them; checked against the library by `DashboardVm::refresh`.
    pub assignments: crate::core::lrs::assignments::RoomAssignments,
}

/// How fresh the room's data (the LRS cache) is, for the freshness line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoomFreshness {
    pub freshness: Freshness,
    /// This station's statements not sent to the LRS yet.
    pub pending_here: u64,
}

impl RoomFreshness {
    /// "LRS data from 3 minutes ago; stations: A, B, C" (and, in the manager's
    /// language, that the last pull failed and what is still waiting here).
    pub(crate) fn line(&self, lang: Lang, now: i64) -> String {
        let f = &self.freshness;
        if lang == Lang::En {
            let mut s = f.line(now);
            if self.pending_here > 0 {
                s.push_str(&format!(
                    "; {} statement(s) of this station not sent yet",
                    self.pending_here
                ));
            }
            return s;
        }
        let mut s = match f.age_ms(now) {
            Some(age) => format!("LRS 数据更新于{}", ago_zh(age)),
            None => "LRS 数据：尚未拉取".to_string(),
        };
        let names = f.station_names();
        if names.is_empty() {
            s.push_str("；还没有工位上报");
        } else {
            s.push_str(&format!("；工位：{}", names.join("、")));
        }
        if f.counts.skipped > 0 {
            s.push_str(&format!("；{} 条无法读取的记录已跳过", f.counts.skipped));
        }
        if self.pending_here > 0 {
            s.push_str(&format!("；本工位还有 {} 条未发送", self.pending_here));
        }
        if let Some(e) = f.stale_error() {
            s.push_str(&format!("。上次拉取失败，显示的是缓存：{e}"));
        }
        s
    }
}

fn ago_zh(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=4 => "刚刚".to_string(),
        5..=59 => format!("{s} 秒前"),
        60..=3599 => format!("{} 分钟前", s / 60),
        3600..=86_399 => format!("{} 小时前", s / 3600),
        _ => format!("{} 天前", s / 86_400),
    }
}

/// The station column's caption.
pub(crate) fn station_caption(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Station",
        _ => "工位",
    }
}

/// The attempts behind one row of "where learners go wrong".
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceFocus {
    pub scenario: String,
    pub step: String,
    pub reply: String,
    /// The attempts that chose the reply there (ids).
    pub attempts: Vec<AttemptId>,
}

/// One recorded attempt, replayed on the scenario in the catalog when it is there.
#[derive(Debug, Clone)]
pub struct DrillDown {
    pub detail: AttemptDetail,
    /// The replay (feedback texts), or why it could not be made.
    pub replay: Result<Replay, String>,
}

/// A job on a worker thread (argon2 checks, dashboard queries).
#[derive(Debug)]
pub struct Job<T>(Option<JoinHandle<T>>);

impl<T: Send + 'static> Job<T> {
    pub(crate) fn spawn(f: impl FnOnce() -> T + Send + 'static) -> Result<Job<T>, String> {
        std::thread::Builder::new()
            .name("courtesy-manager".into())
            .spawn(f)
            .map(|h| Job(Some(h)))
            .map_err(|e| e.to_string())
    }

    /// The result, once the thread has finished (`Err` if it panicked).
    pub(crate) fn poll(&mut self) -> Option<Result<T, String>> {
        if self.0.as_ref().is_some_and(|h| h.is_finished()) {
            let h = self.0.take()?;
            return Some(h.join().map_err(|_| "the worker thread failed".to_string()));
        }
        None
    }
}

/// The manager area's state.
#[derive(Resource, Debug)]
pub struct Manager {
    pub gate: ManagerGate,
    /// Whether a password is set (`None`: unknown, e.g. no store).
    pub has_password: Option<bool>,
    /// A password being hashed or checked: `Correct` opens the area.
    pub check: Option<Job<Result<PasswordCheck, String>>>,
    /// A password change running (checks the current one, hashes the new one).
    pub change: Option<Job<Result<PasswordCheck, String>>>,
    pub loading: Option<Job<Result<Dashboard, String>>>,
    pub notice: Option<Notice>,
    pub filter: DashFilter,
    pub dashboard: Option<Dashboard>,
    pub drill: Option<DrillDown>,
    /// Finding the attempts behind a "where learners go wrong" row.
    pub focusing: Option<Job<Result<ChoiceFocus, String>>>,
    pub focus: Option<ChoiceFocus>,
    /// A CSV export running.
    pub exporting: Option<Job<Result<(PathBuf, usize), String>>>,
    /// The records store's file (exports go beside it, in `exports/`).
    pub store_file: Option<PathBuf>,
    /// Counts dashboard loads (the screen recomputes its view when it changes).
    pub generation: u64,
    /// Whether the gate was open at the last check (to notice it locking).
    pub was_open: bool,
}

impl Default for Manager {
    fn default() -> Manager {
        Manager {
            gate: ManagerGate::new(IDLE_LOCK),
            has_password: None,
            check: None,
            change: None,
            loading: None,
            notice: None,
            filter: DashFilter::default(),
            dashboard: None,
            drill: None,
            focusing: None,
            focus: None,
            exporting: None,
            store_file: None,
            generation: 0,
            was_open: false,
        }
    }
}

impl Manager {
    /// Forgets everything shown (on lock or leave).
    fn close(&mut self) {
        self.gate.lock();
        self.was_open = false;
        self.check = None;
        self.change = None;
        self.loading = None;
        self.dashboard = None;
        self.drill = None;
        self.focusing = None;
        self.focus = None;
        self.exporting = None;
        self.notice = None;
        self.filter = DashFilter::default();
    }

    /// Whether a password check or a dashboard load is running.
    pub fn busy(&self) -> bool {
        self.check.is_some()
            || self.change.is_some()
            || self.loading.is_some()
            || self.focusing.is_some()
            || self.exporting.is_some()
    }
}

/// Adds the manager area's logic.
pub(crate) fn plugin(app: &mut App) {
    app.add_message::<ManagerAction>()
        .init_resource::<Manager>()
        .add_systems(OnEnter(Screen::Manager), enter)
        .add_systems(
            Update,
            (check_lock, apply_manager_actions, poll_jobs)
                .chain()
                .run_if(in_state(Screen::Manager)),
        );
}

fn store_of(records: &Option<Res<RecordStore>>) -> Result<Arc<Store>, Notice> {
    match records.as_deref() {
        Some(RecordStore { store: Some(s), .. }) => Ok(s.clone()),
        Some(RecordStore { error: Some(e), .. }) => Err(Notice::NoStore(e.clone())),
        _ => Err(Notice::NoStore(String::new())),
    }
}

/// Starts `work` on the records store as the manager's password check (set or unlock);
/// no store, or no thread to run it on, becomes the notice instead.
fn start_check(
    m: &mut Manager,
    records: &Option<Res<RecordStore>>,
    work: impl FnOnce(Arc<Store>) -> Result<PasswordCheck, String> + Send + 'static,
) {
    match store_of(records) {
        Ok(store) => {
            m.notice = None;
            match Job::spawn(move || work(store)) {
                Ok(j) => m.check = Some(j),
                Err(e) => m.notice = Some(Notice::Store(e)),
            }
        }
        Err(n) => m.notice = Some(n),
    }
}

/// On entering: start locked, find out whether a password exists.
pub(crate) fn enter(records: Option<Res<RecordStore>>, mut m: ResMut<Manager>) {
    m.close();
    m.store_file = store_of(&records).ok().map(|s| s.path().to_path_buf());
    match store_of(&records) {
        Ok(store) => match store.has_manager_password() {
            Ok(has) => m.has_password = Some(has),
            Err(e) => m.notice = Some(Notice::Store(e.to_string())),
        },
        Err(n) => {
            m.has_password = None;
            m.notice = Some(n);
        }
    }
}

/// Locks the area and goes back to sign-in once it has been idle for [`IDLE_LOCK`].
pub(crate) fn check_lock(mut m: ResMut<Manager>, mut next: ResMut<NextState<Screen>>) {
    if !m.was_open {
        return;
    }
    if !m.gate.is_unlocked(Instant::now()) {
        m.close();
        next.set(Screen::SignIn);
    }
}

/// The LRS cache and its configuration, when an LRS is configured.
fn cache_of(records: &Option<Res<RecordStore>>) -> Option<(Arc<LrsCache>, LrsConfig)> {
    let r = records.as_deref()?;
    Some((r.cache.clone()?, r.lrs.clone()?))
}

/// Loads the dashboard on a worker thread: with an LRS, pulls what is new into the
/// cache first and shows the whole room from it (from the cache alone, with its age,
/// when the LRS cannot be reached); without one, this station's store as before.
fn load_dashboard(m: &mut Manager, store: Arc<Store>, cache: Option<(Arc<LrsCache>, LrsConfig)>) {
    let filter = match m.filter.to_filter() {
        Ok(f) => f,
        Err(text) => {
            m.notice = Some(Notice::BadDate(text));
            return;
        }
    };
    let job = Job::spawn(move || {
        let e = |e: crate::core::records::RecordsError| e.to_string();
        if let Some((c, cfg)) = &cache {
            let pulled = c
                .pull(&LrsClient::new(cfg), &PullOptions::default(), |_| {})
                .map_err(e)?;
            if let Some(err) = &pulled.error {
                warn!("manager area: the LRS pull failed, showing the cache: {err}");
            }
        }
        let room = crate::core::lrs::room(&store, cache.as_ref().map(|(c, _)| &**c)).map_err(e)?;
        let q = room.store;
        Ok(Dashboard {
            cohort: Some(q.cohort_averages(&filter).map_err(e)?),
            trainees: q.trainee_table(&filter).map_err(e)?,
            trend: q.trend(&filter).map_err(e)?,
            choices: q.reply_choices(&filter).map_err(e)?,
            poor: q.poor_choices(&filter, LIST_LIMIT).map_err(e)?,
            attempts: q.attempts(&filter, usize::MAX).map_err(e)?,
            roster: if filter.trainee.is_some() {
                Vec::new()
            } else {
                store
                    .roster()
                    .map_err(e)?
                    .into_iter()
                    .filter(|r| r.retired_ms.is_none())
                    .map(|r| r.id)
                    .collect()
            },
            trainee_ids: q.trainee_ids(&Filter::all()).map_err(e)?,
            scenario_ids: q.scenario_ids(&Filter::all()).map_err(e)?,
            station_ids: if room.freshness.is_some() {
                q.station_ids(&Filter::all()).map_err(e)?
            } else {
                Vec::new()
            },
            room: room.freshness.map(|freshness| RoomFreshness {
                freshness,
                pending_here: room.pending_here,
            }),
            assignments: crate::core::lrs::assignments::room_assignments_unchecked(
                &store,
                cache.as_ref().map(|(c, _)| &**c),
            )
            .map_err(e)?,
        })
    });
    match job {
        Ok(j) => m.loading = Some(j),
        Err(e) => m.notice = Some(Notice::Store(e)),
    }
}

/// Applies the manager's actions.
pub(crate) fn apply_manager_actions(
    mut actions: MessageReader<ManagerAction>,
    records: Option<Res<RecordStore>>,
    catalog: Res<Catalog>,
    mut m: ResMut<Manager>,
    mut next: ResMut<NextState<Screen>>,
    mut author: Option<ResMut<crate::app::flow::AuthorMode>>,
    settings: Option<Res<Settings>>,
) {
    let lang = settings.map(|s| s.lang).unwrap_or_default();
    let now = Instant::now();
    for action in actions.read() {
        let open = m.gate.touch(now);
        match action {
            ManagerAction::Leave => {
                m.close();
                next.set(Screen::SignIn);
                break;
            }
            ManagerAction::Activity => {}
            ManagerAction::SetPassword { password, confirm } => {
                if m.busy() || m.has_password != Some(false) {
                    continue;
                }
                if password != confirm {
                    m.notice = Some(Notice::Mismatch);
                } else if password.chars().count() < MIN_PASSWORD_CHARS {
                    m.notice = Some(Notice::TooShort);
                } else {
                    let pw = password.clone();
                    start_check(&mut m, &records, move |store| {
                        store
                            .set_manager_password(&pw)
                            .map(|_| PasswordCheck::Correct)
                            .map_err(|e| e.to_string())
                    });
                }
            }
            ManagerAction::Unlock(password) => {
                if m.busy() || open {
                    continue;
                }
                let pw = password.clone();
                start_check(&mut m, &records, move |store| {
                    store
                        .check_manager_password(&pw, now_ms(), "app")
                        .map_err(|e| e.to_string())
                });
            }
            ManagerAction::ChangePassword {
                current,
                password,
                confirm,
            } if open => {
                if m.busy() {
                    continue;
                }
                if password != confirm {
                    m.notice = Some(Notice::Mismatch);
                } else if password.chars().count() < MIN_PASSWORD_CHARS {
                    m.notice = Some(Notice::TooShort);
                } else if let Ok(store) = store_of(&records) {
                    let (current, new) = (current.clone(), password.clone());
                    m.notice = None;
                    match Job::spawn(move || {
                        let e = |e: crate::core::records::RecordsError| e.to_string();
                        match store
                            .check_manager_password(&current, now_ms(), "app")
                            .map_err(e)?
                        {
                            PasswordCheck::Correct => {}
                            other => return Ok(other),
                        }
                        store.change_manager_password(&current, &new).map_err(e)?;
                        Ok(PasswordCheck::Correct)
                    }) {
                        Ok(j) => m.change = Some(j),
                        Err(e) => m.notice = Some(Notice::Store(e)),
                    }
                }
            }
            ManagerAction::SetAuthorMode(on) if open => {
                if let Some(a) = author.as_deref_mut() {
                    a.0 = *on;
                    info!("author mode {}", if *on { "on" } else { "off" });
                }
            }
            ManagerAction::Filter(f) if open => {
                m.filter = f.clone();
                m.notice = None;
                m.drill = None;
                if let Ok(store) = store_of(&records) {
                    load_dashboard(&mut m, store, cache_of(&records));
                }
            }
            ManagerAction::Refresh if open => {
                if let Ok(store) = store_of(&records) {
                    load_dashboard(&mut m, store, cache_of(&records));
                }
            }
            ManagerAction::OpenAttempt(id) if open => {
                let Ok(store) = store_of(&records) else {
                    continue;
                };
                let cache = cache_of(&records);
                // Another station's attempt is in the LRS cache only.
                let found = AttemptId::parse(id).and_then(|id| match store.attempt(&id)? {
                    Some(d) => Ok(Some(d)),
                    None => match &cache {
                        Some((c, _)) => c.store().attempt(&id),
                        None => Ok(None),
                    },
                });
                m.drill = match found {
                    Ok(Some(detail)) => Some(drill_down(detail, &catalog)),
                    Ok(None) => None,
                    Err(e) => {
                        m.notice = Some(Notice::Store(e.to_string()));
                        None
                    }
                };
            }
            a @ (ManagerAction::CreateAssignment(_)
            | ManagerAction::WithdrawAssignment(_)
            | ManagerAction::AcceptStation(_))
                if open =>
            {
                if let Ok(store) = store_of(&records) {
                    match apply_assignment(&store, a) {
                        Ok(()) => {
                            m.notice = None;
                            load_dashboard(&mut m, store, cache_of(&records));
                        }
                        Err(e) => m.notice = Some(Notice::Store(e)),
                    }
                }
            }
            ManagerAction::CloseAttempt => m.drill = None,
            ManagerAction::ShowChoice {
                scenario,
                step,
                reply,
            } if open => {
                let Ok(store) = store_of(&records) else {
                    continue;
                };
                let Ok(filter) = m.filter.to_filter() else {
                    continue;
                };
                let (scenario, step, reply) = (scenario.clone(), step.clone(), reply.clone());
                m.focus = None;
                match Job::spawn(move || find_choice(&store, &filter, scenario, step, reply)) {
                    Ok(j) => m.focusing = Some(j),
                    Err(e) => m.notice = Some(Notice::Store(e)),
                }
            }
            ManagerAction::ClearChoice => {
                m.focus = None;
                m.focusing = None;
            }
            ManagerAction::Export(path) if open => {
                if m.exporting.is_some() {
                    continue;
                }
                let Ok(store) = store_of(&records) else {
                    continue;
                };
                let filter = match m.filter.to_filter() {
                    Ok(f) => f,
                    Err(text) => {
                        m.notice = Some(Notice::BadDate(text));
                        continue;
                    }
                };
                let names = Names::from_catalog(&catalog.0, lang);
                let path = path.clone();
                m.notice = None;
                match Job::spawn(move || {
                    let attempts = store
                        .attempts(&filter, usize::MAX)
                        .map_err(|e| ExportError::Store(e.to_string()).to_string())?;
                    export_attempts_csv(&path, &attempts, &names)
                        .map(|n| (path, n))
                        .map_err(|e| e.to_string())
                }) {
                    Ok(j) => m.exporting = Some(j),
                    Err(e) => m.notice = Some(Notice::ExportFailed(e)),
                }
            }
            _ => {}
        }
    }
}

/// The attempts matching `filter` that chose `reply` at `step` of `scenario`.
fn find_choice(
    store: &Store,
    filter: &Filter,
    scenario: String,
    step: String,
    reply: String,
) -> Result<ChoiceFocus, String> {
    let e = |e: crate::core::records::RecordsError| e.to_string();
    let mut found = Vec::new();
    for a in store
        .attempts(&filter.clone().scenario(&scenario), usize::MAX)
        .map_err(e)?
    {
        if let Some(d) = store.attempt(&a.id).map_err(e)?
            && d.steps
                .iter()
                .any(|s| s.entry.step_id == step && s.entry.chosen == reply)
        {
            found.push(a.id);
        }
    }
    Ok(ChoiceFocus {
        scenario,
        step,
        reply,
        attempts: found,
    })
}

/// Replays a recorded attempt (same seed, same choices) on the catalog's scenario.
pub(crate) fn drill_down(detail: AttemptDetail, catalog: &Catalog) -> DrillDown {
    let entry = catalog
        .0
        .iter()
        .find(|e| e.scenario.id == detail.summary.scenario);
    let replay = match entry {
        Some(e) => {
            replay(&detail, e.scenario.clone(), Some(&e.content_hash)).map_err(|e| e.to_string())
        }
        None => Err(format!(
            "scenario `{}` is not in the library",
            detail.summary.scenario
        )),
    };
    DrillDown { detail, replay }
}

/// Collects finished password checks and dashboard loads.
pub(crate) fn poll_jobs(records: Option<Res<RecordStore>>, mut m: ResMut<Manager>) {
    if let Some(job) = m.check.as_mut()
        && let Some(done) = job.poll()
    {
        m.check = None;
        match done.and_then(|r| r) {
            Ok(PasswordCheck::Correct) => {
                m.has_password = Some(true);
                m.gate.open(Instant::now());
                m.was_open = true;
                m.notice = None;
                if let Ok(store) = store_of(&records) {
                    load_dashboard(&mut m, store, cache_of(&records));
                }
            }
            Ok(PasswordCheck::Wrong { wait }) => {
                warn!(
                    "manager area: wrong password (next try in {} s)",
                    wait.as_secs()
                );
                m.notice = Some(Notice::WrongPassword);
            }
            Ok(PasswordCheck::Throttled { wait }) => {
                let secs = wait.as_millis().div_ceil(1000) as u64;
                warn!("manager area: password attempt refused, {secs} s to wait");
                m.notice = Some(Notice::Throttled(secs));
            }
            Err(e) => m.notice = Some(Notice::Store(e)),
        }
    }
    if let Some(job) = m.change.as_mut()
        && let Some(done) = job.poll()
    {
        m.change = None;
        m.notice = Some(match done.and_then(|r| r) {
            Ok(PasswordCheck::Correct) => Notice::PasswordChanged,
            Ok(PasswordCheck::Wrong { .. }) => Notice::WrongPassword,
            Ok(PasswordCheck::Throttled { wait }) => {
                Notice::Throttled(wait.as_millis().div_ceil(1000) as u64)
            }
            Err(e) => Notice::Store(e),
        });
    }
    if let Some(job) = m.focusing.as_mut()
        && let Some(done) = job.poll()
    {
        m.focusing = None;
        match done.and_then(|r| r) {
            Ok(f) => m.focus = Some(f),
            Err(e) => m.notice = Some(Notice::Store(e)),
        }
    }
    if let Some(job) = m.exporting.as_mut()
        && let Some(done) = job.poll()
    {
        m.exporting = None;
        m.notice = Some(match done.and_then(|r| r) {
            Ok((path, n)) => {
                info!("exported {n} attempts to {}", path.display());
                Notice::Exported(path, n)
            }
            Err(e) => Notice::ExportFailed(e),
        });
    }
    if let Some(job) = m.loading.as_mut()
        && let Some(done) = job.poll()
    {
        m.loading = None;
        match done.and_then(|r| r) {
            Ok(d) => {
                m.dashboard = Some(d);
                m.generation += 1;
            }
            Err(e) => m.notice = Some(Notice::Store(e)),
        }
    }
}

// ---- words, not ids: what the manager's tables show ------------------------------

/// Scenario titles, customer lines and reply texts from the catalog, in one language, so
/// that the manager's tables show words instead of the ids the records store keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    /// The app language these names are in.
    pub lang: Lang,
    /// Scenario ids in catalog order.
    pub order: Vec<String>,
    titles: HashMap<String, String>,
    /// (scenario, step) → the customer's (first) line at that step.
    lines: HashMap<(String, String), String>,
    /// (scenario, step, reply) → the reply's text.
    replies: HashMap<(String, String, String), String>,
    /// (scenario, ending) → what happens at that ending.
    endings: HashMap<(String, String), String>,
    /// scenario → its pass mark.
    pass_marks: HashMap<String, f64>,
}

impl Names {
    /// Reads every scenario of the catalog in `lang` (or the scenario's first locale).
    pub fn from_catalog(catalog: &[CatalogEntry], lang: Lang) -> Names {
        let mut n = Names {
            lang,
            ..Names::default()
        };
        for e in catalog {
            let sc = &e.scenario;
            let loc = sc.locale_or(lang.code());
            n.order.push(sc.id.clone());
            n.titles
                .insert(sc.id.clone(), sc.title.get(loc).to_string());
            n.pass_marks.insert(sc.id.clone(), sc.scoring.pass_mark);
            for st in &sc.steps {
                if let Some(line) = st.says.first() {
                    n.lines
                        .insert((sc.id.clone(), st.id.clone()), line.get(loc).to_string());
                }
                for r in &st.replies {
                    n.replies.insert(
                        (sc.id.clone(), st.id.clone(), r.id.clone()),
                        r.text.get(loc).to_string(),
                    );
                }
            }
            for end in &sc.endings {
                n.endings.insert(
                    (sc.id.clone(), end.id.clone()),
                    end.text.get(loc).to_string(),
                );
            }
        }
        n
    }

    /// The scenario's title; a scenario no longer in the library shows its id, marked.
    pub fn scenario(&self, id: &str) -> String {
        match self.titles.get(id) {
            Some(t) => t.clone(),
            None => T::NotInLibrary.fmt(self.lang, &[&id]),
        }
    }

    /// What the customer says at a step (its first variant), if the step is known.
    pub(crate) fn line(&self, scenario: &str, step: &str) -> Option<&str> {
        self.lines
            .get(&(scenario.to_string(), step.to_string()))
            .map(String::as_str)
    }

    /// A reply's text, if known.
    pub(crate) fn reply(&self, scenario: &str, step: &str, reply: &str) -> Option<&str> {
        self.replies
            .get(&(scenario.to_string(), step.to_string(), reply.to_string()))
            .map(String::as_str)
    }

    /// A reply's text, or its id in brackets when the scenario has changed since.
    pub(crate) fn reply_or_id(&self, scenario: &str, step: &str, reply: &str) -> String {
        self.reply(scenario, step, reply)
            .map_or_else(|| format!("[{reply}]"), str::to_string)
    }

    /// What happens at an ending, if known.
    pub(crate) fn ending(&self, scenario: &str, ending: &str) -> Option<&str> {
        self.endings
            .get(&(scenario.to_string(), ending.to_string()))
            .map(String::as_str)
    }

    /// The scenario's pass mark, if it is in the library.
    pub(crate) fn pass_mark(&self, scenario: &str) -> Option<f64> {
        self.pass_marks.get(scenario).copied()
    }
}

/// Where an attempt was recorded, in words.
pub(crate) fn source_label(s: Source, lang: Lang) -> &'static str {
    match s {
        Source::App => T::SourceApp.get(lang),
        Source::Cli => T::SourceCli.get(lang),
        Source::Import => T::SourceImport.get(lang),
    }
}

/// Passed / not passed / in progress / abandoned, in words.
pub(crate) fn result_label(a: &AttemptSummary, lang: Lang) -> &'static str {
    match (a.status, a.passed) {
        (AttemptStatus::Finished, Some(true)) => T::ResultPassed.get(lang),
        (AttemptStatus::Finished, _) => T::ResultFailed.get(lang),
        (AttemptStatus::InProgress, _) => T::ResultInProgress.get(lang),
        (AttemptStatus::Abandoned, _) => T::ResultAbandoned.get(lang),
    }
}

/// A time for the manager: `2026-12-01 16:27` in the station's local time zone (the
/// store keeps UTC).
pub(crate) fn when(ms: i64) -> String {
    crate::app::clock::stamp(ms)
}

/// One row of the attempts list, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRow {
    pub id: String,
    pub started: String,
    pub trainee: String,
    pub scenario: String,
    pub source: String,
    pub result: String,
    /// `Some(true)` passed, `Some(false)` finished but not passed, `None` unfinished.
    pub passed: Option<bool>,
    /// The ending reached (its outcome), empty while unfinished.
    pub outcome: String,
    /// What happens at that ending (a tooltip), if known.
    pub ending_text: Option<String>,
    pub overall: String,
    pub steps: usize,
}

impl AttemptRow {
    pub(crate) fn new(a: &AttemptSummary, names: &Names) -> AttemptRow {
        let lang = names.lang;
        AttemptRow {
            id: a.id.to_string(),
            started: crate::app::clock::readable_local(a.started_ms, now_ms(), lang),
            trainee: a.trainee.clone(),
            scenario: names.scenario(&a.scenario),
            source: source_label(a.source, lang).to_string(),
            result: result_label(a, lang).to_string(),
            passed: (a.status == AttemptStatus::Finished).then_some(a.passed == Some(true)),
            outcome: a
                .outcome
                .map(|o| o.label(lang.code()).to_string())
                .unwrap_or_default(),
            ending_text: a
                .ending
                .as_deref()
                .and_then(|e| names.ending(&a.scenario, e))
                .map(str::to_string),
            overall: a.overall.map(|v| format!("{v:.0}")).unwrap_or_default(),
            steps: a.steps,
        }
    }
}

// ---- the completion grid ---------------------------------------------------------

/// Where a trainee stands on one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Completion {
    #[default]
    NotStarted,
    /// Tried, never finished.
    Unfinished,
    /// Finished at least once, never passed.
    Failed,
    /// Passed at least once.
    Passed,
}

/// One cell of the completion grid.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GridCell {
    pub state: Completion,
    /// The best overall score of a finished attempt.
    pub best: Option<f64>,
    pub attempts: u64,
    /// Under an assignment: its verdict (shown instead of `state`).
    pub assigned: Option<GridAssigned>,
}

/// Trainee × scenario: not started / unfinished / failed / passed, with the best score.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompletionGrid {
    pub trainees: Vec<String>,
    /// (scenario id, title)
    pub scenarios: Vec<(String, String)>,
    /// `cells[trainee][scenario]`
    pub cells: Vec<Vec<GridCell>>,
}

impl CompletionGrid {
    /// The cell for a trainee and a scenario id.
    pub fn cell(&self, trainee: &str, scenario: &str) -> Option<GridCell> {
        let r = self.trainees.iter().position(|t| t == trainee)?;
        let c = self.scenarios.iter().position(|(s, _)| s == scenario)?;
        self.cells.get(r)?.get(c).copied()
    }
}

/// Builds the grid: a row per trainee (given, plus any with attempts), a column per
/// scenario (given, plus any with attempts that is no longer in the library).
pub fn completion_grid(
    attempts: &[AttemptSummary],
    trainees: &[String],
    scenarios: &[String],
    names: &Names,
) -> CompletionGrid {
    let mut rows: Vec<String> = trainees.to_vec();
    let mut cols: Vec<String> = scenarios.to_vec();
    for a in attempts {
        if !rows.contains(&a.trainee) {
            rows.push(a.trainee.clone());
        }
        if !cols.contains(&a.scenario) {
            cols.push(a.scenario.clone());
        }
    }
    rows.sort();
    let mut cells = vec![vec![GridCell::default(); cols.len()]; rows.len()];
    for a in attempts {
        let (Some(r), Some(c)) = (
            rows.iter().position(|t| *t == a.trainee),
            cols.iter().position(|s| *s == a.scenario),
        ) else {
            continue;
        };
        let cell = &mut cells[r][c];
        cell.attempts += 1;
        if a.status == AttemptStatus::Finished {
            if let Some(v) = a.overall {
                cell.best = Some(cell.best.map_or(v, |b: f64| b.max(v)));
            }
            if a.passed == Some(true) {
                cell.state = Completion::Passed;
            } else if cell.state != Completion::Passed {
                cell.state = Completion::Failed;
            }
        } else if cell.state == Completion::NotStarted {
            cell.state = Completion::Unfinished;
        }
    }
    CompletionGrid {
        trainees: rows,
        scenarios: cols
            .into_iter()
            .map(|id| {
                let title = names.scenario(&id);
                (id, title)
            })
            .collect(),
        cells,
    }
}

// ---- CSV export --------------------------------------------------------------------

/// Why the attempts could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot create the folder {dir}: {source}")]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: csv::Error },
    #[error("cannot read the attempts: {0}")]
    Store(String),
}

/// Writes attempts as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read
/// Chinese correctly); headers and words in the names' language. Returns the rows written.
pub(crate) fn write_attempts_csv<W: std::io::Write>(
    mut w: W,
    attempts: &[AttemptSummary],
    names: &Names,
) -> Result<usize, csv::Error> {
    let lang = names.lang;
    w.write_all("\u{feff}".as_bytes())?;
    let mut out = csv::Writer::from_writer(w);
    let mut header: Vec<String> = [
        T::ColStarted,
        T::ColTrainee,
        T::ColScenario,
        T::ColSource,
        T::ColResult,
        T::ColOutcome,
        T::Overall,
    ]
    .iter()
    .map(|t| t.get(lang).to_string())
    .collect();
    header.extend(
        Principle::ALL
            .iter()
            .map(|p| p.label(lang.code()).to_string()),
    );
    header.extend(
        [T::ColSteps, T::CsvScenarioId, T::CsvAttemptId]
            .iter()
            .map(|t| t.get(lang).to_string()),
    );
    out.write_record(&header)?;
    for a in attempts {
        let row = AttemptRow::new(a, names);
        let mut rec = vec![
            format!(
                "{} {}",
                when(a.started_ms),
                crate::app::clock::offset(a.started_ms)
            ),
            row.trainee,
            row.scenario,
            row.source,
            row.result,
            row.outcome,
            a.overall.map(|v| format!("{v:.1}")).unwrap_or_default(),
        ];
        rec.extend(Principle::ALL.iter().map(|p| {
            a.principles
                .get(p)
                .map(|v| format!("{v:.1}"))
                .unwrap_or_default()
        }));
        rec.extend([row.steps.to_string(), a.scenario.clone(), row.id]);
        out.write_record(&rec)?;
    }
    out.flush()?;
    Ok(attempts.len())
}

/// Writes the attempts to `path` (creating its folder).
pub fn export_attempts_csv(
    path: &Path,
    attempts: &[AttemptSummary],
    names: &Names,
) -> Result<usize, ExportError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ExportError::CreateDir {
            dir: dir.to_path_buf(),
            source,
        })?;
    }
    let write = |path: &Path| -> Result<usize, csv::Error> {
        let file = std::fs::File::create(path)?;
        write_attempts_csv(std::io::BufWriter::new(file), attempts, names)
    };
    write(path).map_err(|source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The export file suggested first: `<data folder>/exports/attempts-2026-12-01-0827.csv`.
pub(crate) fn default_export_path(store_file: &Path, now_ms: i64) -> PathBuf {
    let stamp = when(now_ms).replace([' ', ':'], "-");
    let dir = store_file.parent().unwrap_or(Path::new("."));
    dir.join("exports").join(format!("attempts-{stamp}.csv"))
}

/// A grid cell's assignment verdict (`screens::manager_assignments::apply_to_grid` fills it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridAssigned {
    pub status: crate::core::records::AssignmentStatus,
    pub due_ms: Option<i64>,
    /// Passed after the due date.
    pub late: bool,
    /// The deciding attempt's score.
    pub overall: Option<f64>,
}

/// Carries out an assignment action at this station (`Err`: what went wrong).
fn apply_assignment(store: &Store, action: &ManagerAction) -> Result<(), String> {
    let now = crate::core::records::time::now_ms();
    match action {
        ManagerAction::CreateAssignment(n) => store.assignment_create(n, now).map(|_| ()),
        ManagerAction::WithdrawAssignment(id) => store.assignment_withdraw(id, now),
        ManagerAction::AcceptStation(s) => crate::core::lrs::assignments::accept_station(store, s),
        _ => Ok(()),
    }
    .map_err(|e| e.to_string())
}
