//! The manager's area without any UI: the password gate (argon2 checks on a worker thread), the inactivity lock, the dashboard queries and the attempt drill-down.

use crate::app::flow::{Catalog, Screen};
use crate::app::i18n::Lang;
use crate::app::records::RecordStore;
use crate::core::lrs::{Freshness, LrsCache, LrsClient, LrsConfig, PullOptions};
use crate::core::records::time::now_ms;
use crate::core::records::{
    AttemptDetail, AttemptId, AttemptSummary, CohortAverages, Filter, MIN_PASSWORD_CHARS,
    ManagerGate, PasswordCheck, Replay, ReplyChoice, Store, TraineeRow, TrendSeries, replay,
};
use bevy::prelude::*;
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
    CloseAttempt,
    /// Leave (locks the area) back to the sign-in screen.
    Leave,
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
    pub fn to_filter(&self) -> Result<Filter, String> {
        let mut f = Filter::all();
        if !self.since.trim().is_empty() {
            f = f
                .since_date(self.since.trim())
                .map_err(|_| self.since.clone())?;
        }
        if !self.until.trim().is_empty() {
            f = f
                .until_date(self.until.trim())
                .map_err(|_| self.until.clone())?;
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
    pub attempts: Vec<AttemptSummary>,
    /// For the filter pickers (unfiltered).
    pub trainee_ids: Vec<String>,
    pub scenario_ids: Vec<String>,
    /// Stations with attempts, for the station filter and column: empty on a
    /// local-only station (no LRS), which shows exactly its own records as before.
    pub station_ids: Vec<String>,
    /// With an LRS: how fresh the room's data is and who reported (`None`: local only).
    pub room: Option<RoomFreshness>,
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
    pub fn line(&self, lang: Lang, now: i64) -> String {
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
pub fn station_caption(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Station",
        _ => "工位",
    }
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
    pub fn spawn(f: impl FnOnce() -> T + Send + 'static) -> Result<Job<T>, String> {
        std::thread::Builder::new()
            .name("courtesy-manager".into())
            .spawn(f)
            .map(|h| Job(Some(h)))
            .map_err(|e| e.to_string())
    }

    /// The result, once the thread has finished (`Err` if it panicked).
    pub fn poll(&mut self) -> Option<Result<T, String>> {
        if self.0.as_ref().is_some_and(|h| h.is_finished()) {
            let h = self.0.take()?;
            return Some(h.join().map_err(|_| "the worker thread failed".to_string()));
        }
        None
    }

    /// Waits for the result (tests).
    pub fn wait(&mut self) -> Option<Result<T, String>> {
        let h = self.0.take()?;
        Some(h.join().map_err(|_| "the worker thread failed".to_string()))
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
        self.notice = None;
        self.filter = DashFilter::default();
    }

    /// Whether a password check or a dashboard load is running.
    pub fn busy(&self) -> bool {
        self.check.is_some() || self.change.is_some() || self.loading.is_some()
    }
}

/// Adds the manager area's logic.
pub fn plugin(app: &mut App) {
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

/// On entering: start locked, find out whether a password exists.
pub fn enter(records: Option<Res<RecordStore>>, mut m: ResMut<Manager>) {
    m.close();
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
pub fn check_lock(mut m: ResMut<Manager>, mut next: ResMut<NextState<Screen>>) {
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
            attempts: q.attempts(&filter, LIST_LIMIT).map_err(e)?,
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
        })
    });
    match job {
        Ok(j) => m.loading = Some(j),
        Err(e) => m.notice = Some(Notice::Store(e)),
    }
}

/// Applies the manager's actions.
pub fn apply_manager_actions(
    mut actions: MessageReader<ManagerAction>,
    records: Option<Res<RecordStore>>,
    catalog: Res<Catalog>,
    mut m: ResMut<Manager>,
    mut next: ResMut<NextState<Screen>>,
    mut author: Option<ResMut<crate::app::author::AuthorMode>>,
) {
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
                    match store_of(&records) {
                        Ok(store) => {
                            let pw = password.clone();
                            m.notice = None;
                            match Job::spawn(move || {
                                store
                                    .set_manager_password(&pw)
                                    .map(|_| PasswordCheck::Correct)
                                    .map_err(|e| e.to_string())
                            }) {
                                Ok(j) => m.check = Some(j),
                                Err(e) => m.notice = Some(Notice::Store(e)),
                            }
                        }
                        Err(n) => m.notice = Some(n),
                    }
                }
            }
            ManagerAction::Unlock(password) => {
                if m.busy() || open {
                    continue;
                }
                match store_of(&records) {
                    Ok(store) => {
                        let pw = password.clone();
                        m.notice = None;
                        match Job::spawn(move || {
                            store
                                .check_manager_password(&pw, now_ms(), "app")
                                .map_err(|e| e.to_string())
                        }) {
                            Ok(j) => m.check = Some(j),
                            Err(e) => m.notice = Some(Notice::Store(e)),
                        }
                    }
                    Err(n) => m.notice = Some(n),
                }
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
            ManagerAction::CloseAttempt => m.drill = None,
            _ => {}
        }
    }
}

/// Replays a recorded attempt (same seed, same choices) on the catalog's scenario.
pub fn drill_down(detail: AttemptDetail, catalog: &Catalog) -> DrillDown {
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
pub fn poll_jobs(records: Option<Res<RecordStore>>, mut m: ResMut<Manager>) {
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
    if let Some(job) = m.loading.as_mut()
        && let Some(done) = job.poll()
    {
        m.loading = None;
        match done.and_then(|r| r) {
            Ok(d) => m.dashboard = Some(d),
            Err(e) => m.notice = Some(Notice::Store(e)),
        }
    }
}
